"""DOC: the license: a LICENSE file at the root, recognised from its text.

What the license is, and what a manifest declares, is measured once in
:mod:`auditor.facts.license`.
"""

from __future__ import annotations

from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.facts.license import license_info
from auditor.model import Evidence, Outcome
from auditor.source.snapshot import Snapshot


@primitive("license_present")
def license_present(snapshot: Snapshot) -> Outcome:
    """The repository has a LICENSE file at its root."""
    info = license_info(snapshot)
    if info.files:
        path = info.files[0]
        if info.spdx:
            message = f"{path} ({info.spdx}) at the root"
        else:
            message = f"{path} at the root (its text is not one of the common licenses)"
        return Outcome.passed(message, tuple(Evidence(p, 1, info.spdx) for p in info.files[:3]))
    placeholder = ""
    if info.placeholders:
        path, why = info.placeholders[0]
        placeholder = f"{path} is no license ({why})"
    if info.declared is not None and info.declared_in is not None:
        if placeholder:
            return Outcome.graded(
                0.5,
                f"{placeholder}; {info.declared_in} declares the license '{info.declared}': "
                "put that license's full text in the file",
                (Evidence(info.placeholders[0][0], 1), Evidence(info.declared_in, None)),
            )
        return Outcome.graded(
            0.5,
            f"{info.declared_in} declares the license '{info.declared}' but there is no LICENSE "
            "file at the root: GitHub shows no license, and most licenses require their text "
            "to ship with the code",
            (Evidence(info.declared_in, None, info.declared),),
        )
    if placeholder:
        return Outcome.failed(
            f"{placeholder}: without a license's full text nobody may legally reuse the code",
            (Evidence(info.placeholders[0][0], 1),),
        )
    message = "No LICENSE, LICENCE, COPYING or UNLICENSE file at the root"
    if info.elsewhere:
        message += f" (found {', '.join(info.elsewhere[:3])}, which GitHub does not recognise)"
    return Outcome.failed(message + ": without one nobody may legally reuse the code")


@signal_group("license")
def license_signals(snapshot: Snapshot) -> dict[str, Any]:
    """The license file at the root and its SPDX identifier."""
    info = license_info(snapshot)
    return {
        "path": info.files[0] if info.files else None,
        "spdx": info.spdx,
        "declared": info.declared,
        "placeholder": info.placeholders[0][0] if info.placeholders else None,
    }
