"""The arithmetic of a scorecard.

- A rule's score is its outcome's score in [0, 1]: pass 1, fail 0, partial a fraction.
  Skipped and errored rules are left out, never counted as failures.
- A category's score is the weighted mean of its applicable rules' scores, times 100.
- The overall score is the weighted mean of the applicable categories' scores.
- The grade is the pack's first letter whose lower bound the overall score reaches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from auditor.model import CategoryScore, Finding, NextStep
from auditor.rulepack import Category


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """The mean of ``(value, weight)`` pairs, or None when no weight is given."""
    total = weight_sum = 0.0
    for value, weight in pairs:
        total += value * weight
        weight_sum += weight
    return total / weight_sum if weight_sum > 0 else None


def category_scores(
    findings: Sequence[Finding], categories: Mapping[str, Category]
) -> tuple[CategoryScore, ...]:
    result = []
    for category in categories.values():
        pairs = [
            (f.outcome.score, f.weight)
            for f in findings
            if f.category == category.id and f.outcome.score is not None
        ]
        mean = weighted_mean(pairs)
        result.append(
            CategoryScore(
                id=category.id,
                title=category.title,
                weight=category.weight,
                score=None if mean is None else round(mean * 100, 1),
            )
        )
    return tuple(result)


def overall_score(categories: Sequence[CategoryScore]) -> float:
    """The weighted mean of the applicable categories (0 when nothing applied at all)."""
    mean = weighted_mean((c.score, c.weight) for c in categories if c.score is not None)
    return round(mean, 1) if mean is not None else 0.0


def next_steps(
    findings: Sequence[Finding], categories: Sequence[CategoryScore], limit: int = 5
) -> tuple[NextStep, ...]:
    """The findings whose fix would raise the overall score most, with the points each gains."""
    applicable = {c.id: c for c in categories if c.score is not None}
    category_weight = sum(c.weight for c in applicable.values())
    rule_weight: dict[str, float] = {}
    for f in findings:
        if f.outcome.score is not None:
            rule_weight[f.category] = rule_weight.get(f.category, 0.0) + f.weight
    steps = []
    for f in findings:
        if f.outcome.score is None or f.outcome.score >= 1.0 or f.category not in applicable:
            continue
        if category_weight <= 0 or rule_weight.get(f.category, 0) <= 0:
            continue
        share = (f.weight / rule_weight[f.category]) * (
            applicable[f.category].weight / category_weight
        )
        points = round(share * (1.0 - f.outcome.score) * 100, 1)
        if points > 0:  # a step worth less than 0.05 points is not worth suggesting
            steps.append(NextStep(finding=f, points=points))
    steps.sort(key=lambda s: (-s.points, s.finding.rule))
    return tuple(steps[:limit])
