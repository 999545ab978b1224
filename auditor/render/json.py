"""The JSON scorecard: the machine contract of DESIGN.md (``schema_version`` 1)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from auditor.compare import Comparison
from auditor.model import (
    Adjustment,
    Blocker,
    CategoryScore,
    DimensionScore,
    Evidence,
    Finding,
    NextStep,
    Outcome,
    RepoInfo,
    Scorecard,
    Status,
    Verdict,
)

SCHEMA_VERSION = 1


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    outcome = finding.outcome
    data: dict[str, Any] = {
        "rule": finding.rule,
        "title": finding.title,
        "category": finding.category,
        "status": outcome.status.value,
        "score": outcome.score,
        "weight": finding.weight,
        "message": outcome.message,
        "evidence": [e.to_dict() for e in outcome.evidence],
        "why": finding.why,
        "fix": finding.fix,
    }
    if finding.exempt is not None:
        data["exempt"] = finding.exempt
    if finding.blocker:
        data["blocker"] = True
    return data


def verdict_to_dict(verdict: Verdict) -> dict[str, Any]:
    """How the score was reached: the dimensions, the adjustments and the blockers."""
    return {
        "project_kind": verdict.project_kind,
        "kind_reason": verdict.kind_reason,
        "code_lines": verdict.code_lines,
        "dimensions": [
            {
                "id": d.id,
                "title": d.title,
                "points": d.points,
                "earned": d.earned,
                "capped_by_kind": d.capped_by_kind,
            }
            for d in verdict.dimensions
        ],
        "adjustments": [
            {"kind": a.kind, "points": a.points, "reason": a.reason, "rule": a.rule}
            for a in verdict.adjustments
        ],
        "blockers": [
            {"rule": b.rule, "title": b.title, "message": b.message, "paths": list(b.paths)}
            for b in verdict.blockers
        ],
        "score": verdict.score,
    }


def scorecard_to_dict(card: Scorecard) -> dict[str, Any]:
    """The scorecard as plain data, keys in the documented order."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "portfolio-auditor", "version": card.tool_version},
        "repo": {
            "name": card.repo.name,
            "path": card.repo.path,
            "head": card.repo.head,
            "remote": card.repo.remote,
            "kind": card.repo.kind,
        },
        "profile": card.profile,
        "audited_at": card.audited_at,
        "score": card.score,
        "grade": card.grade,
        "categories": [
            {"id": c.id, "title": c.title, "score": c.score, "weight": c.weight}
            for c in card.categories
        ],
        "findings": [finding_to_dict(f) for f in card.findings],
        "next_steps": [
            {"rule": step.finding.rule, "points": step.points} for step in card.next_steps
        ],
        "signals": dict(card.signals),
        "notices": list(card.notices),
        "timings": dict(card.timings),
        **({"verdict": verdict_to_dict(card.verdict)} if card.verdict is not None else {}),
    }


def render_json(card: Scorecard, *, comparison: Comparison | None = None) -> str:
    """The card as JSON; with a baseline, ``comparison`` says what changed since it."""
    data = scorecard_to_dict(card)
    if comparison is not None:
        data["comparison"] = comparison.to_dict()
    # ensure_ascii keeps any odd byte from the repository as an escape, never raw output.
    return json.dumps(data, indent=2, ensure_ascii=True) + "\n"


def scorecard_from_dict(data: Mapping[str, Any]) -> Scorecard:
    """The scorecard :func:`scorecard_to_dict` made this data from (a stored card, re-rendered).

    Raises ``ValueError`` when the data is not such a card: every field is checked, so a
    damaged or foreign document never becomes a scorecard.
    """
    if _get(data, "schema_version", int) != SCHEMA_VERSION:
        raise ValueError(f"not a schema_version {SCHEMA_VERSION} scorecard")
    repo = _get(data, "repo", dict)
    findings = tuple(_finding(item) for item in _get(data, "findings", list))
    by_rule = {f.rule: f for f in findings}
    steps = []
    for item in _get(data, "next_steps", list):
        rule = _get(item, "rule", str)
        if rule not in by_rule:
            raise ValueError(f"next step {rule!r} names no finding")
        steps.append(NextStep(by_rule[rule], _number(item, "points")))
    timings = _get(data, "timings", dict)
    return Scorecard(
        tool_version=_get(_get(data, "tool", dict), "version", str),
        repo=RepoInfo(
            name=_get(repo, "name", str),
            path=_get(repo, "path", str),
            head=_optional(repo, "head", str),
            remote=_optional(repo, "remote", str),
            kind=_get(repo, "kind", str),
        ),
        profile=_get(data, "profile", str),
        score=_number(data, "score"),
        grade=_get(data, "grade", str),
        categories=tuple(
            CategoryScore(
                id=_get(item, "id", str),
                title=_get(item, "title", str),
                weight=_number(item, "weight"),
                score=_number(item, "score") if item.get("score") is not None else None,
            )
            for item in _get(data, "categories", list)
        ),
        findings=findings,
        signals=_get(data, "signals", dict),
        next_steps=tuple(steps),
        timings={str(k): _number(timings, k) for k in timings},
        notices=tuple(_text(notice) for notice in _get(data, "notices", list)),
        audited_at=_get(data, "audited_at", str),
        verdict=_verdict(data["verdict"]) if data.get("verdict") is not None else None,
    )


def _verdict(item: Any) -> Verdict:
    return Verdict(
        project_kind=_get(item, "project_kind", str),
        kind_reason=_get(item, "kind_reason", str),
        code_lines=_get(item, "code_lines", int),
        dimensions=tuple(
            DimensionScore(
                id=_get(d, "id", str),
                title=_get(d, "title", str),
                points=_number(d, "points"),
                earned=_number(d, "earned") if d.get("earned") is not None else None,
                capped_by_kind=bool(d.get("capped_by_kind", False)),
            )
            for d in _get(item, "dimensions", list)
        ),
        adjustments=tuple(
            Adjustment(
                kind=_get(a, "kind", str),
                points=_number(a, "points"),
                reason=_get(a, "reason", str),
                rule=_optional(a, "rule", str),
            )
            for a in _get(item, "adjustments", list)
        ),
        blockers=tuple(
            Blocker(
                rule=_get(b, "rule", str),
                title=_get(b, "title", str),
                message=_get(b, "message", str),
                paths=tuple(_text(p) for p in _get(b, "paths", list)),
            )
            for b in _get(item, "blockers", list)
        ),
        score=_number(item, "score"),
    )


def _finding(item: Any) -> Finding:
    status = Status(_get(item, "status", str))
    score = _number(item, "score") if item.get("score") is not None else None
    if status.scored and score is None:
        raise ValueError(f"finding {item.get('rule')!r}: a {status.value} outcome needs a score")
    evidence = tuple(
        Evidence(
            path=_get(e, "path", str),
            line=_optional(e, "line", int),
            note=_optional(e, "note", str),
            commit=_optional(e, "commit", str),
        )
        for e in _get(item, "evidence", list)
    )
    return Finding(
        rule=_get(item, "rule", str),
        title=_get(item, "title", str),
        category=_get(item, "category", str),
        weight=_number(item, "weight"),
        outcome=Outcome(status, _get(item, "message", str), score, evidence),
        why=_get(item, "why", str),
        fix=_get(item, "fix", str),
        exempt=_optional(item, "exempt", str),
        blocker=item.get("blocker") is True,
    )


T = TypeVar("T")


def _get(data: Any, key: str, kind: type[T]) -> T:
    if not isinstance(data, dict):
        raise ValueError(f"expected an object holding {key!r}")
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        raise ValueError(f"{key!r}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _optional(data: Any, key: str, kind: type[T]) -> T | None:
    if isinstance(data, dict) and data.get(key) is None:
        return None
    return _get(data, key, kind)


def _number(data: Any, key: str) -> float:
    if not isinstance(data, dict):
        raise ValueError(f"expected an object holding {key!r}")
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key!r}: expected a number, got {type(value).__name__}")
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return value
