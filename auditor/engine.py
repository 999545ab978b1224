"""Snapshot + rule pack -> Scorecard.

Each rule runs against the shared snapshot; a rule whose check raises is reported with
status ``error`` and the audit goes on. Signals are measured by the registered signal
groups, independently of which rules are selected.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from auditor import __version__
from auditor.checks.registry import signal_groups
from auditor.facts.kind import ProjectKind, project_kind
from auditor.model import Finding, Outcome, RepoInfo, Scorecard, Status
from auditor.rulepack import Rule, RulePack
from auditor.scoring import category_scores, next_steps, overall_score
from auditor.source.languages.python_workers import requested_workers
from auditor.source.snapshot import Snapshot
from auditor.verdict import compute, verdict_policy
from auditor.verdict import next_steps as verdict_next_steps

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


def start_early(
    snapshot: Snapshot, rules: Sequence[Rule]
) -> dict[str, Future[tuple[Outcome, float]]]:
    """Start every rule at once, so that the slow, independent parts of an audit overlap.

    The Python files go to worker processes first (forked before any thread exists); then,
    in threads, the history's ``git log``, the rules that wait on another process (ruff),
    and the other rules, each in a thread of its own: a rule waiting for the Python
    analysis (or the history) holds up no rule that does not need it. Checks are pure
    functions of the snapshot and facts are computed once under their own lock, so the
    outcomes are those of one rule after the other. Returns each rule's future (outcome,
    seconds it took); a failure is remembered by the snapshot and reported by the rules
    that need what failed. With one worker (``Limits.workers`` or ``AUDITOR_WORKERS``)
    nothing starts early: the audit runs in this thread, in rule order.
    """
    if requested_workers(snapshot.limits.workers) == 1 or not rules:
        return {}
    with contextlib.suppress(Exception):
        snapshot.start_python_analysis()
    early = ThreadPoolExecutor(max_workers=2, thread_name_prefix="auditor-early")
    early.submit(_warm_history, snapshot)
    futures = {r.id: early.submit(_timed, r, snapshot) for r in rules if r.check.background}
    others = [rule for rule in rules if rule.id not in futures]
    rest = ThreadPoolExecutor(max_workers=max(1, len(others)), thread_name_prefix="auditor-rule")
    futures.update({rule.id: rest.submit(_timed, rule, snapshot) for rule in others})
    early.shutdown(wait=False)
    rest.shutdown(wait=False)
    return futures


def _warm_history(snapshot: Snapshot) -> None:
    with contextlib.suppress(Exception):
        snapshot.history  # noqa: B018 - computed now, memoised for the GIT rules


def _timed(rule: Rule, snapshot: Snapshot) -> tuple[Outcome, float]:
    started = time.perf_counter()
    outcome = run_rule(rule, snapshot)
    return outcome, time.perf_counter() - started


def collect_signals(snapshot: Snapshot) -> dict[str, Any]:
    """Every registered signal group; a group that fails is reported as an error entry."""
    groups = signal_groups()
    names = [n for n in SIGNAL_ORDER if n in groups] + sorted(set(groups) - set(SIGNAL_ORDER))
    signals: dict[str, Any] = {}
    for name in names:
        try:
            measured = groups[name](snapshot)
        except Exception as exc:  # noqa: BLE001 - a broken measurement is reported, not fatal
            measured = {"error": f"{type(exc).__name__}: {exc}"}
        if measured is not None:
            signals[name] = measured
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
    rules = select_rules(pack, select, ignore)
    early = start_early(snapshot, [rule for rule in rules if rule.id not in exempt])
    for rule in rules:
        t0 = time.perf_counter()
        reason = exempt.get(rule.id)
        if reason is not None:
            outcome = Outcome.skipped(f"exempted: {reason}")
        elif rule.id in early:
            outcome, took = early[rule.id].result()
            t0 = time.perf_counter() - took  # the time it took in its thread
        else:
            outcome = run_rule(rule, snapshot)
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
                blocker=rule.blocker,
            )
        )
    kind = _project_kind(snapshot)
    findings = [_for_kind(f, pack.rules[f.rule], kind) for f in findings]
    extra = list(notices)
    errored = [f.rule for f in findings if f.outcome.status is Status.ERROR]
    if errored and verdict_policy(pack) is not None:
        extra.append(
            f"{', '.join(errored)} could not be checked (see each finding) and count as failed"
        )
    unknown = sorted(rid for rid in exempt if rid not in pack.rules)
    if unknown:
        extra.append(
            f"exempt names {', '.join(unknown)}, not a rule of pack {pack.name!r}: ignored"
        )
    t0 = time.perf_counter()
    signals = collect_signals(snapshot)
    timings["signals"] = round(time.perf_counter() - t0, 4)
    categories = category_scores(findings, pack.categories)
    policy = verdict_policy(pack)
    if policy is None:
        verdict = None
        score = overall_score(categories)
        steps = next_steps(findings, categories)
    else:
        verdict = compute(
            policy,
            findings,
            project_kind=kind.kind,
            kind_reason=kind.reason,
            code_lines=kind.code_lines,
        )
        score = verdict.score
        steps = verdict_next_steps(policy, findings, verdict)
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
        next_steps=steps,
        timings=timings,
        notices=tuple(dict.fromkeys([*snapshot.all_notices(), *extra])),
        audited_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        verdict=verdict,
    )


def _project_kind(snapshot: Snapshot) -> ProjectKind:
    """The kind of project; an application when it cannot be told (never fatal)."""
    try:
        return project_kind(snapshot)
    except Exception as exc:  # noqa: BLE001 - a broken fact must not end the audit
        return ProjectKind("application", f"the kind could not be told: {type(exc).__name__}", 0)


def _for_kind(finding: Finding, rule: Rule, kind: ProjectKind) -> Finding:
    """The finding, skipped when its rule does not apply to this kind of project."""
    if kind.kind not in rule.not_for or finding.outcome.status in (Status.SKIP, Status.ERROR):
        return finding
    message = f"Not expected of a {kind.kind} ({kind.reason})."
    return replace(finding, outcome=Outcome.skipped(message))
