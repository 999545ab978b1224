"""Line numbers for values read from a parsed file, found again in its text.

A parser gives the data, not where each value was written. Values are visited in file order,
so a cursor moves forward through the text and each value is looked for just ahead of it
(within :data:`WINDOW` characters): every search is a bounded ``str.find``, so locating all
the commands of a file is linear in its size.
"""

from __future__ import annotations

from bisect import bisect_right

WINDOW = 64 * 1024
_KEY_LEAD = " \t-{,\n"


class Locator:
    """Finds values of a text in order and reports their 1-based lines."""

    def __init__(self, text: str, start_line: int = 1) -> None:
        self.text = text
        self._line_starts = [0]
        newline = text.find("\n")
        while newline >= 0:
            self._line_starts.append(newline + 1)
            newline = text.find("\n", newline + 1)
        self.cursor = 0
        self.seek(start_line)

    def seek(self, line: int) -> None:
        """Move to the start of ``line`` (1-based)."""
        self.cursor = self._line_starts[max(1, min(line, len(self._line_starts))) - 1]

    @property
    def line(self) -> int:
        """The line of the cursor."""
        return bisect_right(self._line_starts, self.cursor)

    def key(self, name: str) -> int:
        """Move to the next ``name:`` written as a key (not inside a longer word)."""
        needle = f"{name}:"
        position = self.cursor
        end = self.cursor + WINDOW
        while True:
            found = self.text.find(needle, position, end)
            if found < 0:
                return self.line
            before = self.text[found - 1] if found else "\n"
            if before in _KEY_LEAD or before in "'\"":
                self.cursor = found + len(needle)
                return self.line
            position = found + 1

    def value(self, value: str) -> int:
        """Move to the next occurrence of ``value`` (or of its first word) and return its line."""
        end = self.cursor + WINDOW
        for needle in (value, *value.split()[:1]):
            found = self.text.find(needle, self.cursor, end) if needle else -1
            if found >= 0:
                self.cursor = found
                line = self.line
                self.cursor = found + len(needle)
                return line
        return self.line
