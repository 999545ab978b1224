"""The one way to audit a repository: settings and host metadata in, a Scorecard out.

The command line, the GitHub Action and batch mode all call :func:`audit_repository`; none of
them edits a scorecard after it was scored. What the repository's host says about it (a
GitHub homepage that is a live site, its description and topics) travels into the audit as
:class:`HostInfo` on the snapshot, where a rule can weigh it like any other fact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from auditor.config import Settings, exemptions
from auditor.errors import AuditorError
from auditor.model import Scorecard
from auditor.rulepack import RulePack
from auditor.source.snapshot import HostInfo, Limits, Snapshot

__all__ = ["AuditResult", "HostInfo", "audit_repository", "resolve_pack", "unknown_selection"]


class SelectionError(AuditorError):
    """``--select``/``--ignore`` name something no rule of the pack matches."""


@dataclass(frozen=True)
class AuditResult:
    """A scorecard and what the caller may want to tell the person (the profile choice)."""

    card: Scorecard
    remarks: tuple[str, ...] = ()


def resolve_pack(settings: Settings) -> RulePack | None:
    """The pack the settings name, validated before any repository is read; None for ``auto``
    (every candidate profile is validated then)."""
    from auditor.profiles import AUTO, load_profile, load_profiles
    from auditor.rulepack import load_pack

    if settings.profile == AUTO:
        load_profiles()
        return None
    if settings.profile:
        return load_profile(settings.profile)
    return load_pack(settings.rules)


def unknown_selection(pack: RulePack, select: Sequence[str], ignore: Sequence[str]) -> list[str]:
    """The ``select``/``ignore`` patterns that match no rule of ``pack``."""
    return [p for p in (*select, *ignore) if not any(r.startswith(p) for r in pack.rules)]


def check_selection(pack: RulePack | None, settings: Settings) -> None:
    """Refuse a selection that names nothing, or leaves no rule, before the repository is
    read (a card with no rule would read "Every rule passed")."""
    from auditor.engine import select_rules
    from auditor.rulepack import load_pack

    pack = pack or load_pack("default")
    unknown = unknown_selection(pack, settings.select, settings.ignore)
    if unknown:
        raise SelectionError(f"no rule matches {', '.join(unknown)} (see `auditor rules`)")
    if (settings.select or settings.ignore) and not select_rules(
        pack, settings.select, settings.ignore
    ):
        chosen = [f"--select {','.join(settings.select)}"] if settings.select else []
        chosen += [f"--ignore {','.join(settings.ignore)}"] if settings.ignore else []
        raise SelectionError(f"the selection {' '.join(chosen)} leaves no rule to audit")


def audit_repository(
    path: Path,
    settings: Settings,
    *,
    pack: RulePack | None = None,
    cwd: Path | None = None,
    limits: Limits | None = None,
    host: HostInfo | None = None,
    honour_exemptions: bool = True,
    shown_as: str | None = None,
) -> AuditResult:
    """Audit the repository at ``path``.

    ``pack`` is the resolved pack (``resolve_pack(settings)`` when not given; None there
    means ``--profile auto``). Exemptions are honoured only when ``honour_exemptions`` and the
    working directory ``cwd`` is the audited repository (never in batch mode). ``shown_as``
    is where the card says the repository is, when not at ``path`` (a URL cloned into the
    clone cache).
    """
    from auditor.engine import audit

    if pack is None and settings.profile != "auto":
        pack = resolve_pack(settings)
    check_selection(pack, settings)
    snapshot = Snapshot.open(path, limits, host=host)
    notices: list[str] = []
    remarks: list[str] = []
    if pack is None:
        from auditor.profiles import choose_profile

        choice = choose_profile(snapshot)
        pack = choice.pack
        remarks.append(f"--profile auto chose {pack.name}: {choice.reason}")
        notices.append(f"profile {pack.name} chosen automatically: {choice.reason}")
    where = cwd if cwd is not None else Path.cwd()
    exempt, exempt_notices = exemptions(
        settings if honour_exemptions else Settings(), snapshot, where
    )
    if not honour_exemptions:
        exempt = {}
    card = audit(
        snapshot,
        pack,
        select=settings.select,
        ignore=settings.ignore,
        profile=pack.name,
        exempt=exempt,
        notices=[*notices, *exempt_notices],
    )
    if shown_as is not None:
        card = replace(card, repo=replace(card.repo, path=shown_as))
    return AuditResult(card, tuple(remarks))
