"""A candidate's verdict in one paragraph a recruiter can paste into notes.

Built from what the leaderboard already holds (the account score, the repositories that
carried it with their categories and blockers, what could not be audited): the strongest
project and why, the main gap, and anything alarming. Plain text; the renderers escape it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from auditor.batch.scoring import AccountScore
from auditor.render.view import KIND_WORDS

#: A category averaging below this over the carried repositories is a gap worth naming.
GAP_BELOW = 60.0


@dataclass(frozen=True)
class CardFacts:
    """What the leaderboard reads from a repository's stored JSON card."""

    blockers: tuple[str, ...] = ()
    kind: str | None = None
    code_lines: int | None = None


@dataclass(frozen=True)
class ScoredRepo:
    """One audited repository as the paragraph describes it."""

    name: str
    score: float
    grade: str | None
    categories: Mapping[str, float | None] = field(default_factory=dict)
    facts: CardFacts = CardFacts()


def card_facts(card_json: str | None) -> CardFacts:
    """Blockers ("GIT006 No committed secrets"), project kind and size from a JSON card."""
    try:
        verdict = json.loads(card_json or "{}").get("verdict") or {}
        blockers = tuple(
            f"{b['rule']} {b['title']}"[:200]
            for b in verdict.get("blockers", [])
            if isinstance(b, dict) and isinstance(b.get("rule"), str)
        )
        kind = verdict.get("project_kind")
        lines = verdict.get("code_lines")
        return CardFacts(
            blockers=blockers,
            kind=kind[:60] if isinstance(kind, str) and kind else None,
            code_lines=lines if isinstance(lines, int) and not isinstance(lines, bool) else None,
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return CardFacts()


def paragraph(
    login: str,
    result: AccountScore | None,
    repos: Sequence[ScoredRepo],
    categories: Mapping[str, str],
    *,
    unaudited: Sequence[tuple[str, str]] = (),
    errors: Sequence[str] = (),
    as_of: str | None = None,
) -> str:
    """The verdict on one candidate: ``categories`` maps category ids to their titles."""
    if result is None:
        return f"{login} was not scored: {errors[0] if errors else 'the account was not read'}."
    parts = [f"{login} scores {result.score:.1f} ({result.grade})."]
    best = max(repos, key=lambda r: (r.score, r.name), default=None)
    if best is None:
        parts.append("No repository could be audited, so there is no work to judge.")
    else:
        parts.append(_strongest(best, categories))
        parts.append(_gap(result, categories))
    if result.blockers:
        parts.append(f"Alarming: {'; '.join(result.blockers)}.")
    else:
        parts.append("Nothing alarming in the repositories that carried the score.")
    if as_of:
        parts.append(f"The account could not be read this time: this is the audit of {as_of[:10]}.")
    if unaudited:
        names = ", ".join(f"{name} ({reason})" for name, reason in unaudited[:3])
        more = f" and {len(unaudited) - 3} more" if len(unaudited) > 3 else ""
        parts.append(f"Incomplete: not audited and left out of the score: {names}{more}.")
    return " ".join(parts)


def _strongest(best: ScoredRepo, categories: Mapping[str, str]) -> str:
    what = ""
    if best.facts.kind:
        kind = KIND_WORDS.get(best.facts.kind, best.facts.kind)
        what = f", {_article(kind)} {kind}"
        if best.facts.code_lines:
            what += f" of {best.facts.code_lines:,} lines"
    ranked = sorted(
        ((cid, v) for cid, v in best.categories.items() if v is not None and cid in categories),
        key=lambda pair: -float(pair[1] or 0),
    )
    strengths = [f"{categories[cid]} ({float(v):.0f})" for cid, v in ranked[:2] if v >= GAP_BELOW]
    why = f", strongest in {' and '.join(strengths)}" if strengths else ""
    grade = f", {best.grade}" if best.grade else ""
    return f"Strongest project: {best.name} ({best.score:.1f}{grade}{what}){why}."


def _gap(result: AccountScore, categories: Mapping[str, str]) -> str:
    scored = [
        (cid, float(v))
        for cid, v in result.categories.items()
        if v is not None and cid in categories
    ]
    if not scored:
        return "No category could be judged."
    cid, value = min(scored, key=lambda pair: pair[1])
    if value >= GAP_BELOW:
        return f"No clear gap: every category averages {GAP_BELOW:.0f} or more."
    return (
        f"Main gap: {categories[cid]}, {value:.0f} on average over the repositories that "
        "carried the score."
    )


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
