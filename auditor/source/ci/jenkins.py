"""Jenkins: a ``Jenkinsfile`` (Groovy) at the root or one folder down: its ``sh``/``bat`` steps.

Groovy has no bounded parser here, so the file is read as text, in one pass: a step word
(``sh``, ``bat``, ``powershell``, ``pwsh``) as a whole word, then optional ``(`` and
``script:``, then a quoted string, which may be triple-quoted over several lines. Each
character is looked at a bounded number of times: linear in the size of the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.source.ci.interface import (
    MAX_COMMAND_CHARS,
    MAX_COMMANDS_PER_FILE,
    CiCommand,
    FileByFile,
)

MAX_LINES = 10_000
# A literal alternation between word boundaries: one left-to-right scan, no backtracking.
_STEP_WORD = re.compile(r"\b(?:sh|bat|powershell|pwsh)\b")
_QUOTES = ("'''", '"""', "'", '"')


class Jenkins(FileByFile):
    """Jenkinsfiles (``sh`` runs with ``-xe``: it stops at the first failing command)."""

    name = "jenkins"
    label = "Jenkins"

    def matches(self, path: str) -> bool:
        parts = path.lower().split("/")
        name = parts[-1]
        return (name == "jenkinsfile" or name.startswith("jenkinsfile.")) and len(parts) <= 2

    def commands(self, path: str, text: str) -> list[CiCommand]:
        """Each ``sh``/``bat`` step's command (each line of a triple-quoted one)."""
        found: list[CiCommand] = []
        for line, command in read_jenkinsfile(text):
            if len(found) >= MAX_COMMANDS_PER_FILE:
                break
            found.append(
                CiCommand(self.name, path, line, command[:MAX_COMMAND_CHARS], errexit=True)
            )
        return found


def read_jenkinsfile(text: str) -> Iterator[tuple[int, str]]:
    """(line, command) for each step of a Jenkinsfile."""
    closing: str | None = None  # inside a triple-quoted step until this quote
    for number, raw in enumerate(text.splitlines()[:MAX_LINES], start=1):
        if closing is not None:
            body, found, _ = raw.partition(closing)
            if body.strip() and not body.strip().startswith("#"):
                yield number, body.strip()
            if found:
                closing = None
            continue
        if raw.lstrip().startswith("//"):
            continue
        for quote, body, closed in _steps(raw):
            if body.strip():
                yield number, body.strip()
            if not closed and len(quote) == 3:
                closing = quote
                break


def _steps(line: str) -> Iterator[tuple[str, str, bool]]:
    """(quote, body, closed) for each step that starts on ``line``."""
    position = 0
    while (match := _STEP_WORD.search(line, position)) is not None:
        at = _skip_space(line, match.end())
        if line.startswith("(", at):
            at = _skip_space(line, at + 1)
        if line.startswith("script", at):
            after = _skip_space(line, at + len("script"))
            if line.startswith(":", after):
                at = _skip_space(line, after + 1)
        quote = next((q for q in _QUOTES if line.startswith(q, at)), None)
        if quote is None:
            position = match.end()
            continue
        body_start = at + len(quote)
        end = line.find(quote, body_start)
        if end < 0:
            yield quote, line[body_start:], False
            return
        yield quote, line[body_start:end], True
        position = end + len(quote)


def _skip_space(line: str, position: int) -> int:
    while position < len(line) and line[position] in " \t":
        position += 1
    return position


PROVIDER = Jenkins()
