"""The options a ``ruff check`` run takes, validated: a rule selection, ignores, per-file
ignores and a few plugin settings. A project's configuration reaches ruff only through these,
as command-line options built from plain values, never as a file ruff would load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SELECTOR = re.compile(r"^(ALL|[A-Z]{1,4}[0-9]{0,4})$")


@dataclass(frozen=True)
class LintOptions:
    """A rule selection as ruff's command line takes it: ``--select``, ``--ignore`` and
    ``--per-file-ignores`` (``pattern:CODE`` pairs). Nothing else of a project's
    configuration ever reaches ruff."""

    select: tuple[str, ...]
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[str, ...] = ()
    line_length: int | None = None
    #: ``--config`` overrides of plugin settings, built from validated values only
    #: (``lint.isort.force-single-line = true``): see :func:`setting`.
    settings: tuple[str, ...] = ()

    def arguments(self) -> list[str]:
        args = ["--select", ",".join(self.select)]
        if self.line_length is not None:
            args += ["--line-length", str(self.line_length)]
        for override in self.settings:
            args += ["--config", override]
        if self.ignore:
            args += ["--ignore", ",".join(self.ignore)]
        for pair in self.per_file_ignores:
            args += ["--per-file-ignores", pair]
        return args


def selection(select: Iterable[str]) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(str(code).strip().upper() for code in select))
    bad = [code for code in codes if not _SELECTOR.match(code)]
    if not codes or bad:
        shown = ", ".join(repr(code) for code in bad) or "nothing"
        raise ValueError(f"not a ruff rule selection: {shown} (expected codes like 'F' or 'E4')")
    return codes


#: Characters a per-file-ignores pattern may hold: a relative glob, nothing that could name
#: a place outside the linted folder.
_PATTERN_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./*?[]{},!"
)
MAX_PATTERN_CHARS = 200


#: Plugin settings a project's configuration may pass on, and the type of each value: they
#: change what a selected rule accepts, never which files are read or where anything goes.
SETTINGS: dict[str, type] = {
    "lint.isort.force-single-line": bool,
    "lint.isort.combine-as-imports": bool,
    "lint.isort.order-by-type": bool,
    "lint.isort.force-sort-within-sections": bool,
    "lint.isort.case-sensitive": bool,
    "lint.isort.lines-after-imports": int,
    "lint.isort.known-first-party": list,
    "lint.isort.known-third-party": list,
    "lint.isort.known-local-folder": list,
    "lint.mccabe.max-complexity": int,
    "lint.pylint.max-args": int,
    "lint.pylint.max-branches": int,
    "lint.pylint.max-returns": int,
    "lint.pylint.max-statements": int,
    "lint.pydocstyle.convention": str,
    "lint.flake8-quotes.inline-quotes": str,
}
_SETTING_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,99}$")
MAX_SETTING_ITEMS = 100


def setting(key: str, value: object) -> str | None:
    """``key = value`` for ruff's ``--config``, or None when the key is not one of
    :data:`SETTINGS` or the value is not a plain value of its type (a word, a number, a
    list of module names): nothing else is ever written into an override."""
    kind = SETTINGS.get(key)
    if kind is bool and isinstance(value, bool):
        return f"{key} = {'true' if value else 'false'}"
    if (
        kind is int
        and isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value <= 1000
    ):
        return f"{key} = {value}"
    if kind is str and isinstance(value, str) and _SETTING_WORD.match(value):
        return f'{key} = "{value}"'
    if (
        kind is list
        and isinstance(value, list)
        and len(value) <= MAX_SETTING_ITEMS
        and all(isinstance(v, str) and _SETTING_WORD.match(v) for v in value)
    ):
        return f"{key} = [{', '.join(f'{chr(34)}{v}{chr(34)}' for v in value)}]"
    return None


def is_selector(code: str) -> bool:
    """Whether ``code`` is a rule selector ruff's command line accepts ("F", "E501", "ALL")."""
    return bool(_SELECTOR.match(code))


def per_file_ignore(pattern: str, code: str) -> str:
    """``pattern:CODE`` for ruff, refused unless the pattern is a relative glob inside the
    tree and the code a rule selector."""
    pattern = str(pattern).strip()
    parts = pattern.split("/")
    if (
        not pattern
        or len(pattern) > MAX_PATTERN_CHARS
        or not set(pattern) <= _PATTERN_CHARS
        or pattern.startswith("/")
        or ".." in parts
    ):
        raise ValueError(f"not a per-file-ignores pattern inside the tree: {pattern[:80]!r}")
    (selector,) = selection([code])
    return f"{pattern}:{selector}"
