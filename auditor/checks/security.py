"""Security primitives (SEC001) and the ``security`` signal group.

What counts as code unsafe on its face is a fact (:mod:`auditor.facts.security`): ruff's
flake8-bandit findings that count and the auditor's own detectors. Here the places are
weighed by severity against the rule's budget, and each is named with why an employer cares
and the safe pattern.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.facts.kind import project_kind
from auditor.facts.personal_data import is_practice_kind, personal_data_files
from auditor.facts.secret_history import secrets_in_history
from auditor.facts.secrets import secret_hits
from auditor.facts.security import UnsafeCode, severity_order, unsafe_code, unsafe_kinds
from auditor.model import Evidence, Outcome
from auditor.source.snapshot import Snapshot

#: What each severity costs unless a rule pack says otherwise (repeated in rules/default.toml).
DEFAULT_SEVERITY_POINTS: Mapping[str, float] = {
    "critical": 4.0,
    "high": 3.0,
    "medium": 1.5,
    "low": 0.5,
}
#: How many places a finding names as evidence.
MAX_EVIDENCE = 20
#: How many places the signal lists.
MAX_SIGNALLED = 200


@primitive("no_unsafe_code", background=True)
def no_unsafe_code(
    snapshot: Snapshot,
    *,
    severity_points: Mapping[str, Any] = DEFAULT_SEVERITY_POINTS,
    max_points: float = 6.0,
) -> Outcome:
    """No code unsafe on its face; each place costs its severity's points out of ``max_points``."""
    if not snapshot.python_sources:  # not the parsed modules: ruff need not wait for them
        return Outcome.skipped("No Python files to judge.")
    found, practice = _deployed_only(snapshot, unsafe_code(snapshot))
    if not found:
        return Outcome.passed(
            "No code unsafe on its face in the Python files outside tests." + practice
        )
    points = sum(_points(severity_points, item.severity) for item in found)
    kinds = Counter(item.kind for item in _by_severity(found))
    shown = ", ".join(
        f"{kind} ×{n}" if n > 1 else kind  # noqa: RUF001
        for kind, n in kinds.most_common(5)
    )
    if len(kinds) > 5:
        shown += f" and {len(kinds) - 5} more"
    places = "place" if len(found) == 1 else "places"
    message = (
        f"{len(found):,} {places} of code unsafe on its face outside tests: {shown} "
        f"({points:g} points of {max_points:g} by severity).{practice}"
    )
    score = 1 - points / max_points if max_points > 0 else 0.0
    return Outcome.graded(score, message, tuple(_evidence(found)))


def _deployed_only(
    snapshot: Snapshot, found: tuple[UnsafeCode, ...]
) -> tuple[tuple[UnsafeCode, ...], str]:
    """The places that count, and a note on those left out: what is unsafe only where it is
    served (a debug server: ``only_when = "deployed"``) does not count in a kind of project
    nobody deploys (``practice_kinds``, an exercise collection)."""
    kinds = unsafe_kinds()
    served = [item for item in found if kinds[item.rule].only_when == "deployed"]
    if not served:
        return found, ""
    kind = project_kind(snapshot).kind  # waits for the Python analysis: asked only now
    if not is_practice_kind(kind):
        return found, ""
    count = len(served)
    note = (
        f" {count} debug server{'s' if count != 1 else ''} of this {kind} not counted: "
        "exercises are not deployed."
    )
    return tuple(item for item in found if kinds[item.rule].only_when != "deployed"), note


def _points(table: Mapping[str, Any], severity: str) -> float:
    value = table.get(severity, DEFAULT_SEVERITY_POINTS.get(severity, 1.0))
    return float(value) if isinstance(value, int | float) else 1.0


def _by_severity(found: Sequence[UnsafeCode]) -> list[UnsafeCode]:
    rank = {severity: n for n, severity in enumerate(severity_order())}
    return sorted(found, key=lambda u: (rank.get(u.severity, len(rank)), u.path, u.line))


def _evidence(found: Sequence[UnsafeCode]) -> list[Evidence]:
    """The most serious places first: the kind, why an employer cares and the safe pattern."""
    kinds = unsafe_kinds()
    evidence = []
    for item in _by_severity(found)[:MAX_EVIDENCE]:
        kind = kinds[item.rule]
        note = f"{item.rule} {item.kind} ({item.severity}): {kind.why} Instead: {kind.safe}"
        evidence.append(Evidence(item.path, item.line, note))
    return evidence


# ------------------------------------------------------------------------------ signals


@signal_group("security")
def security_signals(snapshot: Snapshot) -> dict[str, Any]:
    """What makes the repository unsafe to publish (each secret's or personal file's kind,
    file, line and where it is, ``head`` or ``history``, never a value) and the code unsafe on
    its face (each place's rule code, path, line, kind and severity)."""
    versioned = snapshot.has_history
    secrets = [*secret_hits(snapshot), *(secrets_in_history(snapshot) if versioned else ())]
    findings: list[dict[str, Any]] = [
        {"kind": h.category, "what": h.kind, "path": h.path, "line": h.line, "where": h.where}
        for h in secrets
    ]
    if versioned:
        findings += [
            {"kind": f.category, "what": f.reason, "path": f.path, "line": 0, "where": "head"}
            for f in personal_data_files(snapshot)
        ]
    found = unsafe_code(snapshot) if snapshot.python_sources else ()
    return {
        "findings": findings[:MAX_SIGNALLED],
        "count": len(findings),
        "unsafe_code": [item.to_dict() for item in _by_severity(found)[:MAX_SIGNALLED]],
        "unsafe_by_severity": dict(Counter(item.severity for item in found).most_common()),
    }
