"""What a CI provider adapter is: a file matcher and a reader of what its files run.

An adapter reads the files of its service together (:meth:`CiProvider.read`), as the
runner does: a workflow calls a reusable workflow or a local action in another file, a
GitLab job extends a template from an included file. Each command carries how the run
holding it is started (:class:`Trigger`) and whether its failure fails that run
(:attr:`CiCommand.tolerated`). Services whose files stand alone subclass
:class:`FileByFile` and only read one file at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

#: A command is cut to this many characters: enough to judge, bounded for every later step.
MAX_COMMAND_CHARS = 2_000
#: Commands read from one file at most.
MAX_COMMANDS_PER_FILE = 5_000

#: The text of a repository file at HEAD, or None when it is absent or not readable.
ReadText = Callable[[str], str | None]

#: Trigger states: the run starts by itself, only when someone starts it, or never.
AUTOMATIC = "automatic"
MANUAL = "manual"
NEVER = "never"
RETIRED = "retired"


@dataclass(frozen=True)
class Trigger:
    """How the run holding a command is started, and why when it is not automatic."""

    state: str = AUTOMATIC
    #: Why the run does not start by itself: "`on:` is missing", "only `workflow_dispatch`".
    reason: str = ""
    path: str = ""
    line: int | None = None
    #: The branches an automatic run is limited to, each named in full (none: any branch,
    #: or a pattern the auditor cannot judge).
    branches: tuple[str, ...] = ()

    @property
    def automatic(self) -> bool:
        return self.state == AUTOMATIC


@dataclass(frozen=True)
class CiCommand:
    """One command a CI configuration runs (``action`` for a ``uses:`` step)."""

    provider: str
    path: str
    line: int
    text: str
    action: bool = False
    #: Why a failure of this command does not fail the run ("" when it does).
    tolerated: str = ""
    trigger: Trigger = field(default_factory=Trigger)
    #: Where this command was reached from when it is written in another file
    #: (``.github/workflows/ci.yml:14`` for a step of a local action).
    caller: str = ""
    #: Whether the shell stops at the first failing command (``bash -e``, as GitHub runs
    #: ``run:``): then ``pytest; exit 0`` still fails when pytest fails.
    errexit: bool = False


class CiReadError(ValueError):
    """A CI configuration file the auditor will not read: bad syntax or over a bound."""


@dataclass(frozen=True)
class CiReading:
    """What the files of one CI service run, and the files it could not read and why."""

    commands: tuple[CiCommand, ...]
    unreadable: tuple[tuple[str, str], ...] = ()


class CiProvider(Protocol):
    """One CI service: which files configure it and what they run."""

    @property
    def name(self) -> str:
        """The stable key reported in signals (``github-actions``)."""

    @property
    def label(self) -> str:
        """The display name (``GitHub Actions``)."""

    def matches(self, path: str) -> bool:
        """Whether the repository file ``path`` configures this service."""

    def commands(self, path: str, text: str) -> list[CiCommand]:
        """Every command one file runs, in file order; raises :class:`CiReadError`."""

    def read(self, paths: Sequence[str], text_of: ReadText) -> CiReading:
        """What the service runs from its files ``paths`` (other files read by ``text_of``)."""


class FileByFile:
    """A service whose files stand alone: :meth:`read` reads each with ``commands``."""

    name = ""
    label = ""

    def commands(self, path: str, text: str) -> list[CiCommand]:  # pragma: no cover
        raise NotImplementedError

    def read(self, paths: Sequence[str], text_of: ReadText) -> CiReading:
        """Each file's commands, in the order of ``paths``; unreadable files with a reason."""
        commands: list[CiCommand] = []
        unreadable: list[tuple[str, str]] = []
        for path in paths:
            text = text_of(path)
            if text is None:
                unreadable.append((path, NOT_READ))
                continue
            try:
                commands.extend(self.commands(path, text))
            except CiReadError as exc:
                unreadable.append((path, str(exc)))
        return CiReading(tuple(commands), tuple(unreadable))


NOT_READ = "not read: binary, or over the snapshot's size limits"
