"""Makefiles: the explicit targets, their prerequisites and their recipe lines.

Read line by line with ``str`` methods: a rule line is ``targets: prerequisites`` (or
``targets:: …``), a recipe line starts with a tab (or, after a rule, two spaces); variable
assignments (``VAR := a:b``, ``VAR = x``) are not rules.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_LINES = 10_000
NAMES = ("Makefile", "makefile", "GNUmakefile")


@dataclass(frozen=True)
class MakeRule:
    """One Makefile target: where it is, what it depends on, its recipe lines."""

    line: int
    prerequisites: tuple[str, ...]
    recipe: tuple[tuple[int, str], ...]


def _rule_line(raw: str) -> tuple[list[str], str] | None:
    """``(targets, rest after the colon)`` when ``raw`` starts a rule, else None."""
    if raw[:1].isspace() or raw[:1] in (":", "=", "#"):
        return None
    head, colon, rest = raw.partition(":")
    if not colon or "=" in head or "#" in head or not head.strip():
        return None
    if rest.startswith(":"):
        rest = rest[1:]
    if rest.startswith("="):
        return None  # `VAR := value`, `VAR ::= value`
    return [t for t in head.split() if not t.startswith(".")], rest


def parse_makefile(text: str) -> dict[str, MakeRule]:
    """The explicit targets of a Makefile (first rule wins), read line by line."""
    rules: dict[str, MakeRule] = {}
    current: list[str] = []
    recipe: list[tuple[int, str]] = []
    pending: tuple[int, tuple[str, ...]] | None = None

    def close() -> None:
        if pending is not None:
            for target in current:
                rules.setdefault(target, MakeRule(pending[0], pending[1], tuple(recipe)))

    for number, raw in enumerate(text.splitlines()[:MAX_LINES], start=1):
        if raw.startswith("\t") or (raw.startswith("  ") and pending is not None and raw.strip()):
            if pending is not None and raw.strip() and not raw.strip().startswith("#"):
                recipe.append((number, raw.strip().lstrip("@-+").strip()))
            continue
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        close()
        parsed = _rule_line(raw)
        if parsed is None:
            current, recipe, pending = [], [], None
            continue
        targets, after = parsed
        rest, _, inline = after.partition(";")
        current, recipe = targets, []
        if inline.strip():
            recipe.append((number, inline.strip()))
        pending = (number, tuple(rest.split()))
    close()
    return rules
