"""Snapshot + rule pack -> Scorecard.

Each rule runs against the shared snapshot; a rule whose check raises is reported with
status ``error`` and the audit goes on. Signals are measured by the registered signal
groups, independently of which rules are selected.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from auditor import __version__
from auditor.checks.registry import signal_groups
from auditor.model import Finding, Outcome, RepoInfo, Scorecard
from auditor.rulepack import Rule, RulePack
from auditor.scoring import category_scores, next_steps, overall_score
from auditor.source.snapshot import Snapshot

#: The order of signal groups in the JSON output (the contract in DESIGN.md).
SIGNAL_ORDER = (
    "readme",
    "license",
    "tests",
    "ci",
    "commits",
    "hygiene",
    "complexity",
    "lint",
    "python",
)


def select_rules(
    pack: RulePack, select: Collection[str] = (), ignore: Collection[str] = ()
) -> list[Rule]:
    """The pack's rules narrowed by ``select`` and ``ignore`` (ids or family prefixes)."""

    def matches(rule: Rule, patterns: Collection[str]) -> bool:
        return any(rule.id == p or rule.id.startswith(p) for p in patterns)

    return [
        rule
        for rule in pack.rules.values()
        if (not select or matches(rule, select)) and not matches(rule, ignore)
    ]


def run_rule(rule: Rule, snapshot: Snapshot) -> Outcome:
    """Run one rule; an exception in its check becomes an ``error`` outcome."""
    try:
        outcome = rule.run(snapshot)
    except Exception as exc:  # noqa: BLE001 - a broken check must never end the audit
        return Outcome.errored(f"the check failed: {type(exc).__name__}: {exc}")
    if not isinstance(outcome, Outcome):  # a plugin's primitive may break the contract
        return Outcome.errored(  # type: ignore[unreachable]
            f"the check returned {type(outcome).__name__}, not an Outcome"
        )
    return outcome


def collect_signals(snapshot: Snapshot) -> dict[str, Any]:
    """Every registered signal group; a group that fails is reported as an error entry."""
    groups = signal_groups()
    names = [n for n in SIGNAL_ORDER if n in groups] + sorted(set(groups) - set(SIGNAL_ORDER))
    signals: dict[str, Any] = {}
    for name in names:
        try:
            signals[name] = groups[name](snapshot)
        except Exception as exc:  # noqa: BLE001 - a broken measurement is reported, not fatal
            signals[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return signals


def audit(
    snapshot: Snapshot,
    pack: RulePack,
    *,
    select: Collection[str] = (),
    ignore: Collection[str] = (),
    profile: str | None = None,
    exempt: Mapping[str, str] | None = None,
    notices: Sequence[str] = (),
) -> Scorecard:
    """Audit a snapshot against a rule pack.

    ``exempt`` (rule id -> reason) skips rules the repository's owner has exempted: each
    becomes a ``skip`` reading "exempted: reason", left out of the score. Only the command
    line passes it, and only when the owner audits their own repository. ``notices`` are
    added to the card's.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    findings = []
    exempt = dict(exempt or {})
    for rule in select_rules(pack, select, ignore):
        t0 = time.perf_counter()
        reason = exempt.get(rule.id)
        outcome = (
            run_rule(rule, snapshot) if reason is None else Outcome.skipped(f"exempted: {reason}")
        )
        timings[rule.id] = round(time.perf_counter() - t0, 4)
        findings.append(
            Finding(
                rule=rule.id,
                title=rule.title,
                category=rule.category,
                weight=rule.weight,
                outcome=outcome,
                why=rule.doc.why,
                fix=rule.doc.fix,
                exempt=reason,
            )
        )
    extra = list(notices)
    unknown = sorted(rid for rid in exempt if rid not in pack.rules)
    if unknown:
        extra.append(
            f"exempt names {', '.join(unknown)}, not a rule of pack {pack.name!r}: ignored"
        )
    t0 = time.perf_counter()
    signals = collect_signals(snapshot)
    timings["signals"] = round(time.perf_counter() - t0, 4)
    categories = category_scores(findings, pack.categories)
    score = overall_score(categories)
    timings["total"] = round(time.perf_counter() - started, 4)
    return Scorecard(
        tool_version=__version__,
        repo=RepoInfo(
            name=snapshot.name,
            path=str(snapshot.root),
            head=snapshot.head,
            remote=snapshot.remote,
            kind=snapshot.kind,
        ),
        profile=profile or pack.name,
        score=score,
        grade=pack.grade(score),
        categories=categories,
        findings=tuple(findings),
        signals=signals,
        next_steps=next_steps(findings, categories),
        timings=timings,
        notices=tuple(dict.fromkeys([*snapshot.notices, *extra])),
        audited_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
