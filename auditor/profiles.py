"""Role profiles: shipped rule packs that judge a portfolio against one job.

A profile is a pack in ``rules/`` that extends the default pack, re-weights it and adds the
rules its role cares about (``backend``, ``data``, ``automation``, ``qa``, ``devops``, ``ml``).
Its ``[match]`` table says which kinds of technology make a repository look like that role:
``--profile auto`` scores every profile by the share of its match points the repository
shows (from the shared stack fact, :func:`auditor.facts.stack.technologies`) and picks
the best, or the general ``default`` pack when no role stands out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auditor.errors import RulePackError
from auditor.facts.stack import KINDS, Stack, technologies
from auditor.rulepack import DEFAULT_PACK, RulePack, load_pack, shipped_packs
from auditor.source.snapshot import Snapshot

AUTO = "auto"
#: The share of a profile's match points a repository must show for ``auto`` to pick it.
MIN_MATCH = 0.3


def profile_names() -> list[str]:
    """The shipped profiles: ``default`` first, then the roles in alphabetical order."""
    names = shipped_packs()
    return [DEFAULT_PACK, *(n for n in names if n != DEFAULT_PACK)]


def load_profile(name: str) -> RulePack:
    """A shipped profile by name; a one-line error listing the profiles for any other name."""
    if name not in profile_names():
        known = ", ".join([*profile_names(), AUTO])
        raise RulePackError(f"unknown profile {name!r} (profiles: {known})")
    return load_pack(name)


def load_profiles() -> list[RulePack]:
    """Every shipped profile, loaded and validated."""
    return [load_pack(name) for name in profile_names()]


@dataclass(frozen=True)
class ProfileMatch:
    """How well a repository's stack fits one profile's ``[match]`` table."""

    pack: RulePack
    points: float  # the match points of the kinds found
    total: float  # all the profile's match points
    found: tuple[str, ...]  # the kinds found, heaviest first

    @property
    def fraction(self) -> float:
        return self.points / self.total if self.total else 0.0


@dataclass(frozen=True)
class Choice:
    """The profile ``auto`` picked, why, and how every profile matched (best first)."""

    pack: RulePack
    reason: str
    matches: tuple[ProfileMatch, ...]


def match_profiles(stack: Stack, packs: Iterable[RulePack]) -> list[ProfileMatch]:
    """Each profile with a ``[match]`` table scored against a stack, best first."""
    kinds = stack.kinds
    matches = []
    for pack in packs:
        if not pack.match:
            continue
        found = sorted((k for k in pack.match if k in kinds), key=lambda k: -pack.match[k])
        points = sum(pack.match[k] for k in found)
        matches.append(ProfileMatch(pack, points, sum(pack.match.values()), tuple(found)))
    return sorted(matches, key=lambda m: (-m.fraction, -m.points, m.pack.name))


def choose_profile(snapshot: Snapshot, packs: Sequence[RulePack] | None = None) -> Choice:
    """The profile whose signals the repository matches best, with a one-line reason."""
    packs = list(packs) if packs is not None else load_profiles()
    stack = technologies(snapshot)
    matches = match_profiles(stack, packs)
    best = matches[0] if matches else None
    runner_up = f"; next {_points(matches[1])}" if len(matches) > 1 else ""
    if best is None or best.fraction < MIN_MATCH or not best.found:
        fallback = next((p for p in packs if p.name == DEFAULT_PACK), None) or load_pack()
        shown = f" (best: {_points(best)})" if best is not None else ""
        return Choice(
            fallback,
            f"no role's signals stand out{shown}, so the general pack judges it",
            tuple(matches),
        )
    shows = ", ".join(_kind_with_names(kind, stack) for kind in best.found)
    return Choice(best.pack, f"it shows {shows} ({_points(best)}{runner_up})", tuple(matches))


def _points(match: ProfileMatch) -> str:
    return f"{match.pack.name} {match.points:g} of {match.total:g} match points"


def _kind_with_names(kind: str, stack: Stack) -> str:
    names = [n for n in stack.names(kind) if n != KINDS[kind]][:2]
    return f"{KINDS[kind]} ({', '.join(names)})" if names else KINDS[kind]
