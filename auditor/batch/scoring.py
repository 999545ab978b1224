"""The account score: a candidate's repositories and account signals combined into one number.

The formula and its weights are policy, in the rule pack's ``[account]`` table (documented in
``rules/default.toml``); this module validates that table and does the arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from typing import Any

from auditor.errors import RulePackError
from auditor.rulepack import RulePack


@dataclass(frozen=True)
class AccountPolicy:
    """The ``[account]`` table of a rule pack, validated. Defaults match the default pack."""

    top_weights: tuple[float, ...] = (0.7, 0.2, 0.1)
    slot_gap: float = 15.0
    solid_weight: float = 5.0
    solid_min_score: float = 70.0
    solid_target: int = 3
    contribution_weight: float = 5.0
    contribution_target: int = 3
    recency_weight: float = 5.0
    recent_days: int = 180
    stale_days: int = 730

    @classmethod
    def from_pack(cls, pack: RulePack) -> AccountPolicy:
        """The pack's policy; a bad ``[account]`` table is a :class:`RulePackError`."""
        table: Mapping[str, Any] = pack.account

        def fail(message: str) -> RulePackError:
            return RulePackError(f"{pack.source}: [account] {message}")

        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise fail(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(known)})")
        values: dict[str, Any] = {}
        for key, value in table.items():
            default = getattr(cls, key)
            if key == "top_weights":
                if (
                    not isinstance(value, list)
                    or not value
                    or not all(_number(v) and v >= 0 for v in value)
                    or sum(value) <= 0
                ):
                    raise fail("top_weights must be a non-empty list of numbers >= 0, not all 0")
                values[key] = tuple(float(v) for v in value)
            elif isinstance(default, int):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise fail(f"{key} must be a whole number >= 0")
                values[key] = value
            else:
                if not _number(value) or value < 0:
                    raise fail(f"{key} must be a number >= 0")
                values[key] = float(value)
        policy = cls(**values)
        if policy.solid_min_score > 100:
            raise fail("scores are out of 100: solid_min_score <= 100")
        if policy.stale_days < policy.recent_days:
            raise fail("stale_days must not be below recent_days")
        if policy.bonus_weight > 50:
            raise fail("solid, contribution and recency weights add points: at most 50 together")
        return policy

    @property
    def bonus_weight(self) -> float:
        """The most points solid projects, contributions and recency can add together."""
        return self.solid_weight + self.contribution_weight + self.recency_weight


@dataclass(frozen=True)
class RepoScore:
    """What the account score needs to know about one audited repository."""

    name: str
    score: float
    categories: Mapping[str, float | None]
    fork: bool = False
    #: The repository's blockers (live credentials, personal data), by rule and title.
    blockers: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountScore:
    """A candidate's score, its parts (each 0-100) and the repositories that carried it."""

    score: float
    grade: str
    quality: float
    solid: float
    contributions: float
    recency: float
    carried_by: tuple[str, ...]
    solid_projects: tuple[str, ...]
    categories: Mapping[str, float | None]
    #: Blockers found in a repository that carried the score: "repo: what".
    blockers: tuple[str, ...] = ()
    #: The best audited repository's score: the account never scores above it.
    best: float | None = None

    def breakdown(self) -> dict[str, float | None]:
        """The parts of the score (each 0-100) and ``best``, the cap it never exceeds."""
        return {
            "quality": self.quality,
            "solid_projects": self.solid,
            "contributions": self.contributions,
            "recency": self.recency,
            "best": self.best,
        }


def account_score(
    repos: Sequence[RepoScore],
    *,
    merged_prs: int,
    last_push: datetime | None,
    policy: AccountPolicy,
    pack: RulePack,
    now: datetime | None = None,
) -> AccountScore:
    """Combine audited repositories and account signals as the ``[account]`` table says."""
    ranked = sorted(repos, key=lambda r: (-r.score, r.name))
    slots = list(policy.top_weights)
    carried = ranked[: len(slots)]
    # The best few repositories carry the score, weighted best first, so three strong ones
    # beat ten shallow ones (only the best three count). A slot counts at least `slot_gap`
    # points below the best work, an empty one just that: one excellent project stands on
    # its own, and a weak extra repository never lowers the account.
    best = ranked[0].score if ranked else 0.0
    floor = max(0.0, best - policy.slot_gap)
    slot_scores = [max(r.score, floor) for r in carried] + [floor] * (len(slots) - len(carried))
    quality = (
        sum(w * s for w, s in zip(slots, slot_scores, strict=True)) / sum(slots)
        if ranked and sum(slots) > 0
        else 0.0
    )
    solid_projects = tuple(
        r.name for r in ranked if not r.fork and r.score >= policy.solid_min_score
    )
    solid = _fraction(len(solid_projects), policy.solid_target) * 100
    contributions = _fraction(merged_prs, policy.contribution_target) * 100
    recency = _recency(last_push, policy, now or datetime.now(timezone.utc)) * 100
    # Each part of 0-100 adds up to its weight in points to the quality of the work.
    bonus = (
        policy.solid_weight * solid
        + policy.contribution_weight * contributions
        + policy.recency_weight * recency
    ) / 100
    total = quality + bonus
    # Solid projects, contributions and recency add to the quality of the work, never past it:
    # an account is worth no more than its best audited repository.
    score = round(min(best, 100.0, max(0.0, total)), 1)
    categories: dict[str, float | None] = {}
    for category in pack.categories:
        pairs = [
            (r.categories.get(category), w)
            for r, w in zip(carried, slots, strict=False)
            if r.categories.get(category) is not None
        ]
        weight = sum(w for _, w in pairs)
        categories[category] = (
            round(sum(float(v or 0) * w for v, w in pairs) / weight, 1) if weight > 0 else None
        )
    return AccountScore(
        score=score,
        grade=pack.grade(score),
        quality=round(quality, 1),
        solid=round(solid, 1),
        contributions=round(contributions, 1),
        recency=round(recency, 1),
        carried_by=tuple(r.name for r in carried),
        solid_projects=solid_projects,
        categories=categories,
        blockers=tuple(f"{r.name}: {b}" for r in carried for b in r.blockers),
        best=best if ranked else None,
    )


def parse_time(value: str | None) -> datetime | None:
    """An ISO-8601 time from GitHub, or None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _recency(last_push: datetime | None, policy: AccountPolicy, now: datetime) -> float:
    if last_push is None:
        return 0.0
    days = (now - last_push).total_seconds() / 86400
    if days <= policy.recent_days:
        return 1.0
    if days >= policy.stale_days:
        return 0.0
    return 1.0 - (days - policy.recent_days) / (policy.stale_days - policy.recent_days)


def _fraction(count: int, target: int) -> float:
    if target <= 0:
        return 1.0
    return min(1.0, count / target)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
