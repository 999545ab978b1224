"""The verdict: how the findings become a score an experienced reviewer would sign.

The model follows the reviewer's rubric (``RUBRIC.md``) and stays policy in the pack's
``[verdict]`` table. Four mechanisms, each shown on the card's receipt in points:

1. **Dimensions.** The rubric's five dimensions (verified engineering 30, communication 20,
   code organisation 20, repository hygiene 15, history hygiene 15) each take the weighted
   mean of the categories or rules that give evidence of it. A dimension with no applicable
   evidence is left out and the others are scaled to 100.
2. **Kind.** A rule that does not apply to the kind of project is skipped (``not_for``); a
   kind can also bound a dimension (a collection of exercises has no structure to credit).
3. **Depth.** A project's size bounds its score: a check that is trivially true of 40 lines
   (low complexity, few lint findings) is weak evidence, so a small project cannot reach the
   marks of a substantial one however many boxes it ticks (``[verdict.size]``).
4. **Severity.** A failed ``blocker`` rule (a live credential, committed personal data)
   costs points of its own for each finding and caps the score; ``[verdict.penalties]``
   rules (unsafe code) cost points in proportion to what they found.

The score is the sum of the dimensions' points, less the adjustments, never below zero.
"""

from __future__ import annotations

import functools
import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from auditor.errors import RulePackError
from auditor.model import Adjustment, Blocker, DimensionScore, Finding, NextStep, Status, Verdict

if TYPE_CHECKING:
    from auditor.rulepack import RulePack


#: How a dimension combines its rules' scores.
COMBINE = ("mean", "product")


@dataclass(frozen=True)
class DimensionPolicy:
    id: str
    title: str
    points: float
    categories: tuple[str, ...]
    rules: tuple[str, ...]
    #: "mean": the weighted mean of the rules' scores; "product": each rule is a facet the
    #: dimension needs (a history that is an upload is not saved by clear subjects).
    combine: str = "mean"
    #: With "product", what a failed rule leaves of the dimension: 0 (each rule is needed),
    #: 0.5 (each problem found halves what is left).
    floor: float = 0.0


@dataclass(frozen=True)
class VerdictPolicy:
    """The pack's ``[verdict]`` table, validated."""

    dimensions: tuple[DimensionPolicy, ...]
    #: Below ``small_loc`` lines of code the score is at most ``small_cap``; the cap rises
    #: with the logarithm of the size and is gone at ``full_loc`` lines.
    small_loc: float = 60.0
    small_cap: float = 60.0
    full_loc: float = 600.0
    blocker_cost: float = 15.0
    blocker_max: int = 2
    #: The most all blockers together cost (the rubric: 10-20 points for a credential).
    blocker_most: float = 30.0
    blocker_cap: float = 59.0
    #: A project whose ``unverified_dimension`` earns under ``unverified_below`` of its
    #: points is not verified: its score is at most ``unverified_cap``.
    unverified_dimension: str = ""
    unverified_below: float = 0.0
    unverified_cap: float = 100.0
    #: rule id -> the most points its findings can cost (in proportion to its deficit).
    penalties: Mapping[str, float] = field(default_factory=dict)
    #: kind of project -> dimension -> the highest share of the dimension it can earn.
    kind_caps: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    #: rule id -> the rule whose evidence it qualifies: its score counts in proportion to
    #: that rule's own score (assertions in five tests are worth what five tests are worth).
    needs: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_pack(
        cls, table: Mapping[str, Any], source: str, rules: Sequence[str]
    ) -> VerdictPolicy:
        def fail(message: str) -> RulePackError:
            return RulePackError(f"{source}: [verdict] {message}")

        dims = []
        raw_dims = table.get("dimensions", {})
        if not isinstance(raw_dims, dict) or not raw_dims:
            raise fail("needs [verdict.dimensions.*] tables")
        for did, raw in raw_dims.items():
            if not isinstance(raw, dict):
                raise fail(f"dimensions.{did} must be a table")
            points: Any = raw.get("points")
            if not _number(points) or points < 0:
                raise fail(f"dimensions.{did}.points must be a number >= 0")
            categories = _strings(raw.get("categories", []), f"dimensions.{did}.categories", fail)
            ids = _strings(raw.get("rules", []), f"dimensions.{did}.rules", fail)
            combine = raw.get("combine", "mean")
            if combine not in COMBINE:
                raise fail(f"dimensions.{did}.combine must be one of {', '.join(COMBINE)}")
            floor: Any = raw.get("floor", 0.0)
            if not _number(floor) or not 0 <= floor < 1:
                raise fail(f"dimensions.{did}.floor must be a number from 0 to below 1")
            dims.append(
                DimensionPolicy(
                    did,
                    str(raw.get("title", did)),
                    float(points),
                    categories,
                    ids,
                    combine,
                    float(floor),
                )
            )
        size = _subtable(table, "size", fail)
        blockers = _subtable(table, "blockers", fail)
        penalties = _subtable(table, "penalties", fail)
        for rid, points in penalties.items():
            if not _number(points) or points < 0:
                raise fail(f"penalties.{rid} must be a number of points >= 0")
        needs = _subtable(table, "needs", fail)
        for rid, needed in needs.items():
            if rid not in rules or needed not in rules or not isinstance(needed, str):
                raise fail(f"needs.{rid} must name a rule of the pack, and needs a rule")
        unverified = _subtable(table, "unverified", fail)
        dimension = unverified.get("dimension", "")
        below, cap = unverified.get("below", 0.0), unverified.get("cap", 100.0)
        if unverified and dimension not in {d.id for d in dims}:
            raise fail("unverified.dimension must name a dimension")
        if not (_number(below) and 0 <= below <= 1 and _number(cap) and 0 <= cap <= 100):
            raise fail("unverified: below must be a share from 0 to 1, cap a score to 100")
        kind_caps = _subtable(table, "kinds", fail)
        for kind, caps in kind_caps.items():
            if not isinstance(caps, dict) or not all(
                _number(v) and 0 <= v <= 1 for v in caps.values()
            ):
                raise fail(f"kinds.{kind!r} must map dimensions to shares from 0 to 1")
        numbers = {}
        for where, key, default in (
            (size, "small_loc", cls.small_loc),
            (size, "small_cap", cls.small_cap),
            (size, "full_loc", cls.full_loc),
            (blockers, "cost", cls.blocker_cost),
            (blockers, "max_count", cls.blocker_max),
            (blockers, "most", cls.blocker_most),
            (blockers, "cap", cls.blocker_cap),
        ):
            value = where.get(key, default)
            if not _number(value) or value < 0:
                raise fail(f"{key} must be a number >= 0, not {value!r}"[:200])
            numbers[key] = value
        if not 0 < numbers["small_loc"] < numbers["full_loc"]:
            raise fail("size: small_loc must be above 0 and below full_loc")
        return cls(
            dimensions=tuple(dims),
            small_loc=float(numbers["small_loc"]),
            small_cap=float(numbers["small_cap"]),
            full_loc=float(numbers["full_loc"]),
            blocker_cost=float(numbers["cost"]),
            blocker_max=int(numbers["max_count"]),
            blocker_most=float(numbers["most"]),
            blocker_cap=float(numbers["cap"]),
            unverified_dimension=str(dimension),
            unverified_below=float(below),
            unverified_cap=float(cap),
            penalties={k: float(v) for k, v in penalties.items()},
            kind_caps={k: {d: float(x) for d, x in v.items()} for k, v in kind_caps.items()},
            needs={str(k): str(v) for k, v in needs.items()},
        )

    def size_cap(self, code_lines: int) -> float | None:
        """The highest score ``code_lines`` of the author's code can carry (None: no bound)."""
        if code_lines <= 0 or code_lines >= self.full_loc:
            return None
        if code_lines <= self.small_loc:
            return self.small_cap
        share = math.log(code_lines / self.small_loc) / math.log(self.full_loc / self.small_loc)
        return self.small_cap + (100.0 - self.small_cap) * share


def verdict_policy(pack: RulePack) -> VerdictPolicy | None:
    """The pack's verdict policy; None for a pack without a ``[verdict]`` table (its score is
    then the weighted mean of its categories). Raises :class:`RulePackError` when it is bad."""
    if not pack.verdict:
        return None
    try:
        text = json.dumps(pack.verdict)
    except (TypeError, ValueError):  # a TOML date or time where a number belongs
        raise RulePackError(
            f"{pack.source}: [verdict] holds a value that is not a number, text, list or table"
        ) from None
    return _policy(text, pack.source, tuple(pack.rules))


@functools.lru_cache(maxsize=16)
def _policy(table: str, source: str, rules: tuple[str, ...]) -> VerdictPolicy:
    return VerdictPolicy.from_pack(json.loads(table), source, rules)


def compute(
    policy: VerdictPolicy,
    findings: Sequence[Finding],
    *,
    project_kind: str,
    kind_reason: str = "",
    code_lines: int = 0,
) -> Verdict:
    """The verdict on ``findings``: dimensions, adjustments and the score they add up to."""
    by_rule = {f.rule: f for f in findings}
    caps = policy.kind_caps.get(project_kind, {})
    dimensions = []
    claimed = {rid for dim in policy.dimensions for rid in dim.rules}
    for dim in policy.dimensions:
        value = _dimension_value(dim, by_rule, claimed, policy.needs)
        capped = False
        if value is not None and dim.id in caps and value > caps[dim.id]:
            value, capped = caps[dim.id], True
        earned = None if value is None else round(value * dim.points, 1)
        dimensions.append(DimensionScore(dim.id, dim.title, dim.points, earned, capped))
    applicable = [d for d in dimensions if d.earned is not None]
    possible = sum(d.points for d in applicable)
    raw = sum(d.earned or 0.0 for d in applicable)
    adjustments: list[Adjustment] = []
    if possible and possible != 100:
        scaled = raw * 100 / possible
        adjustments.append(
            Adjustment("scale", round(scaled - raw, 1), f"scaled to 100 from {possible:g} points")
        )
        raw = scaled
    running = raw
    for rid, most in policy.penalties.items():
        finding = by_rule.get(rid)
        if finding is None or finding.outcome.score is None or finding.outcome.score >= 1:
            continue
        cost = round(most * (1 - finding.outcome.score), 1)
        if cost > 0:
            adjustments.append(Adjustment("penalty", -cost, finding.title, rid))
            running -= cost
    blockers = _blockers(findings)
    if blockers:
        paths = {p for b in blockers for p in b.paths}
        unnamed = sum(1 for b in blockers if not b.paths)
        count = min(len(paths) + unnamed, policy.blocker_max)
        cost = min(policy.blocker_cost * count, policy.blocker_most)
        what = "; ".join(f"{b.title}: {', '.join(b.paths[:3]) or b.message}" for b in blockers)
        adjustments.append(Adjustment("blocker", -cost, what, blockers[0].rule))
        running -= cost
    cap = policy.size_cap(code_lines)
    if cap is not None and running > cap:
        adjustments.append(
            Adjustment(
                "size",
                round(cap - running, 1),
                f"{code_lines:,} lines of code carry at most {cap:.0f} points: a small project "
                "cannot show the depth of a substantial one",
            )
        )
        running = cap
    unverified = next((d for d in dimensions if d.id == policy.unverified_dimension), None)
    if (
        unverified is not None
        and unverified.earned is not None
        and unverified.earned < policy.unverified_below * unverified.points
        and running > policy.unverified_cap
    ):
        adjustments.append(
            Adjustment(
                "unverified",
                round(policy.unverified_cap - running, 1),
                f"{unverified.title} under {policy.unverified_below:.0%} of its points: "
                f"nothing shows the code works, which caps the score at "
                f"{policy.unverified_cap:g}",
            )
        )
        running = policy.unverified_cap
    if blockers and running > policy.blocker_cap:
        adjustments.append(
            Adjustment(
                "blocker",
                round(policy.blocker_cap - running, 1),
                f"a blocker caps the score at {policy.blocker_cap:g}",
            )
        )
        running = policy.blocker_cap
    score = round(max(0.0, running), 1)
    if running < 0:
        adjustments.append(Adjustment("floor", round(-running, 1), "the score stops at 0"))
    return Verdict(
        project_kind=project_kind,
        kind_reason=kind_reason,
        code_lines=code_lines,
        dimensions=tuple(dimensions),
        adjustments=tuple(adjustments),
        blockers=tuple(blockers),
        score=score,
    )


def next_steps(
    policy: VerdictPolicy,
    findings: Sequence[Finding],
    verdict: Verdict,
    limit: int = 5,
) -> tuple[NextStep, ...]:
    """The findings whose fix would raise the score most, each gain recomputed with that
    finding passing (and nothing else changed)."""
    steps = []
    for index, finding in enumerate(findings):
        score = finding.outcome.score
        if finding.outcome.status is Status.ERROR or score is None or score >= 1.0:
            continue
        fixed = list(findings)
        fixed[index] = replace(
            finding, outcome=replace(finding.outcome, status=Status.PASS, score=1.0)
        )
        after = compute(
            policy,
            fixed,
            project_kind=verdict.project_kind,
            kind_reason=verdict.kind_reason,
            code_lines=verdict.code_lines,
        ).score
        points = round(after - verdict.score, 1)
        if points > 0:
            steps.append(NextStep(finding=finding, points=points))
    steps.sort(key=lambda s: (-s.points, s.finding.rule))
    return tuple(steps[:limit])


def _rule_score(finding: Finding) -> float | None:
    # A rule whose check failed (a bound hit, a crash) counts as failed: one that would
    # lower the score must not raise it by disappearing. The card names it.
    return 0.0 if finding.outcome.status is Status.ERROR else finding.outcome.score


def _dimension_value(
    dim: DimensionPolicy,
    by_rule: Mapping[str, Finding],
    claimed: set[str],
    needs: Mapping[str, str],
) -> float | None:
    """The weighted mean (or, with ``combine = "product"``, the product) of the scores of
    the dimension's rules (those of its categories and those it names); None when none of
    them applies."""
    named = set(dim.rules)
    total = weight = 0.0
    product = 1.0
    for f in by_rule.values():
        if not (f.rule in named or (f.category in dim.categories and f.rule not in claimed)):
            continue
        score = _rule_score(f)
        if score is None:
            continue
        needed = by_rule.get(needs.get(f.rule, ""))
        base = _rule_score(needed) if needed is not None else None
        if base is not None:
            score *= base  # a quality of evidence counts as far as the evidence goes
        total += f.weight * score
        weight += f.weight
        product *= dim.floor + (1 - dim.floor) * score
    if weight <= 0:
        return None
    return product if dim.combine == "product" else total / weight


def _blockers(findings: Sequence[Finding]) -> list[Blocker]:
    found = []
    for f in findings:
        if not f.blocker:
            continue
        if f.outcome.status is not Status.FAIL:
            continue  # a partial blocker rule found only what a person should check
        paths = tuple(dict.fromkeys(e.path for e in f.outcome.evidence if e.path))
        found.append(Blocker(f.rule, f.title, f.outcome.message, paths))
    return found


def _subtable(table: Mapping[str, Any], key: str, fail: Any) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise fail(f"[verdict.{key}] must be a table")
    return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _strings(value: Any, where: str, fail: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"{where} must be a list of ids")
    return tuple(value)


def describe(pack: RulePack) -> str:
    """How the pack's findings become the score, on one screen (``auditor explain score``)."""
    policy = verdict_policy(pack)
    if policy is None:
        return (
            f"Pack {pack.name!r} has no [verdict] table: the score is the weighted mean of its "
            "categories' scores, each the weighted mean of its rules' scores."
        )
    lines = [
        f"How pack {pack.name!r} scores a repository (policy: [verdict] in {pack.source})",
        "",
        "1. Dimensions, after the reviewer's rubric. Each is the weighted mean of the scores of",
        "   its rules (pass 1, partial a share, fail 0; a rule that could not be checked counts",
        "   as failed; a skipped rule is left out), times its points:",
    ]
    for dim in policy.dimensions:
        members = ", ".join([*(f"{c} rules" for c in dim.categories), *dim.rules]) or "nothing"
        if dim.combine == "product" and dim.floor:
            members += f" (multiplied: each failed one leaves {dim.floor:.0%})"
        elif dim.combine == "product":
            members += " (multiplied: each one is needed)"
        lines.append(f"   {dim.title:<28} {dim.points:>4g} points   {members}")
    if policy.needs:
        pairs = ", ".join(f"{r} by {n}" for r, n in policy.needs.items())
        lines += textwrap.wrap(
            "A rule that qualifies another's evidence counts in proportion to that rule's own "
            f"score: {pairs}.",
            width=88,
            initial_indent="   ",
            subsequent_indent="   ",
        )
    lines += [
        "   A dimension with nothing that applies is left out and the rest scaled to 100.",
        "",
        "2. Kind. The project's kind (library, web app, command-line tool, exercise",
        "   collection…) is read from its stack and layout; a rule that does not apply to",
        "   it is skipped (`not_for`).",
    ]
    for kind, caps in policy.kind_caps.items():
        shown = ", ".join(f"{d} at most {share:.0%}" for d, share in caps.items())
        article = "An" if kind[:1] in "aeiou" else "A"
        lines.append(f"   {article} {kind}: {shown}.")
    lines += [
        "",
    ]
    depth = (
        "3. Depth. The author's code (Python outside tests and vendored folders) bounds the "
        f"score: at most {policy.small_cap:g} at {policy.small_loc:g} lines or fewer, rising "
        f"with the logarithm of the size, no bound from {policy.full_loc:g} lines."
    )
    if policy.unverified_dimension:
        title = next(d.title for d in policy.dimensions if d.id == policy.unverified_dimension)
        depth += (
            f" {title} under {policy.unverified_below:.0%} of its points (no tests that can "
            f"fail, or none run) caps the score at {policy.unverified_cap:g}."
        )
    lines += textwrap.wrap(depth, width=88, subsequent_indent="   ")
    lines += [
        "",
        "4. Severity. Each file named by a failed blocker rule ("
        + ", ".join(r.id for r in pack.rules.values() if r.blocker)
        + ")",
        f"   costs {policy.blocker_cost:g} points (at most {policy.blocker_max} of them, "
        f"{policy.blocker_most:g} in all) and the score is capped at {policy.blocker_cap:g}.",
    ]
    for rid, points in policy.penalties.items():
        lines.append(f"   {rid} costs up to {points:g} points, in proportion to what it found.")
    lines += [
        "",
        "The card's receipt lists each dimension's points and each adjustment; they add up to",
        "the score. Grades: "
        + ", ".join(f"{g} from {low:g}" for g, low in pack.grades)
        + ", F below.",
    ]
    return "\n".join(lines)
