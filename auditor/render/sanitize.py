"""Neutralising text that came from the audited repository, per output medium."""

from __future__ import annotations

import re

# C0 and C1 control characters (ESC starts ANSI/OSC sequences), DEL, and the Unicode
# bidirectional overrides that can make text display differently from what it is.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")


def printable(text: str) -> str:
    """Text without control characters or bidirectional overrides; tabs and line breaks kept.

    For documents that escape their own syntax (HTML): a raw escape sequence there would
    still act on a terminal that shows the file, and an override would disguise a name.
    """
    return _CONTROL.sub("", text)


def terminal_safe(text: str, *, single_line: bool = True) -> str:
    """Text safe to print to a terminal: control characters removed, optionally one line."""
    text = printable(text)
    if single_line:
        text = _LINE_BREAKS.sub(" ", text)
    else:
        text = text.replace("\r", "").replace("\t", "    ")
    return text
