"""What a CI provider adapter is: a file matcher and a reader of the commands a file runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: A command is cut to this many characters: enough to judge, bounded for every later step.
MAX_COMMAND_CHARS = 2_000
#: Commands read from one file at most.
MAX_COMMANDS_PER_FILE = 5_000


@dataclass(frozen=True)
class CiCommand:
    """One command a CI configuration runs (``action`` for a ``uses:`` step)."""

    provider: str
    path: str
    line: int
    text: str
    action: bool = False


class CiReadError(ValueError):
    """A CI configuration file the auditor will not read: bad syntax or over a bound."""


class CiProvider(Protocol):
    """One CI service: which files configure it and what commands they run."""

    @property
    def name(self) -> str:
        """The stable key reported in signals (``github-actions``)."""

    @property
    def label(self) -> str:
        """The display name (``GitHub Actions``)."""

    def matches(self, path: str) -> bool:
        """Whether the repository file ``path`` configures this service."""

    def commands(self, path: str, text: str) -> list[CiCommand]:
        """Every command the file runs, in file order; raises :class:`CiReadError`."""
