"""INI files from the audited repository (``setup.cfg``), read by one bounded parser.

:mod:`configparser` is quadratic in the length of a line of spaces, and a repository's
``setup.cfg`` is untrusted: a 150 KB line of blanks took minutes. Every INI text goes through
:func:`load_ini`, which refuses text over ``max_bytes`` and blanks every line longer than
``max_line`` *before* parsing (keeping the line count, so positions still hold). No key of a
real setup.cfg is that long.
"""

from __future__ import annotations

import configparser

MAX_BYTES = 1 << 20
MAX_LINE = 4_000


class IniError(ValueError):
    """The text is not INI the auditor will read: too large, or no section header."""


def load_ini(text: str, *, max_bytes: int = MAX_BYTES, max_line: int = MAX_LINE) -> IniText:
    """``text`` parsed leniently: duplicate keys allowed, no interpolation, errors skipped."""
    if len(text) > max_bytes:
        raise IniError(f"larger than {max_bytes:,} characters")
    lines = tuple("" if len(line) > max_line else line for line in text.splitlines())
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep keys as written
    try:
        parser.read_string("\n".join(lines))
    except configparser.MissingSectionHeaderError as exc:
        raise IniError("text before the first [section]") from exc
    except configparser.ParsingError:
        pass  # the lines that parsed are kept; the others are not settings
    return IniText(parser, lines)


class IniText:
    """A parsed INI text and its (bounded) lines, to find where a value was written."""

    def __init__(self, parser: configparser.ConfigParser, lines: tuple[str, ...]) -> None:
        self._parser = parser
        self.lines = lines

    def value(self, section: str, key: str) -> str | None:
        """The raw value of ``key`` in ``section``, or None when either is absent."""
        if not self._parser.has_section(section):
            return None
        return self._parser.get(section, key, fallback=None)

    def items(self, section: str) -> list[tuple[str, str]]:
        """Every ``key = value`` of ``section``, in the order written."""
        if not self._parser.has_section(section):
            return []
        return [(k, v) for k, v in self._parser.items(section, raw=True)]

    def section_line(self, section: str) -> int:
        """The 0-based index of the line holding ``[section]`` (0 when it is not found)."""
        header = f"[{section}]"
        for index, line in enumerate(self.lines):
            if line.strip() == header:
                return index
        return 0

    def line_of(self, item: str, start: int) -> int | None:
        """The 1-based number of the first line from ``start`` (0-based) holding ``item``."""
        for index in range(start, len(self.lines)):
            if item in self.lines[index]:
                return index + 1
        return None
