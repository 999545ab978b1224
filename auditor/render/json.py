"""The JSON scorecard: the machine contract of DESIGN.md (``schema_version`` 1)."""

from __future__ import annotations

import json
from typing import Any

from auditor.model import Finding, Scorecard

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
    return data


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
    }


def render_json(card: Scorecard) -> str:
    # ensure_ascii keeps any odd byte from the repository as an escape, never raw output.
    return json.dumps(scorecard_to_dict(card), indent=2, ensure_ascii=True) + "\n"
