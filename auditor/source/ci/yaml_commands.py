"""Commands of a YAML CI file: parsed by the bounded YAML reader, located again in the text.

Shared by the YAML providers. A *shell value* (the value of a command key) is a string, a
list of strings or a mapping holding more keys; each non-blank, non-comment line of a string
is one command (a line ending in ``\\`` continues on the next). Lines come from
:class:`~auditor.source.locator.Locator`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.source.ci.interface import (
    MAX_COMMAND_CHARS,
    MAX_COMMANDS_PER_FILE,
    CiCommand,
    CiReadError,
    FileByFile,
)
from auditor.source.locator import Locator
from auditor.source.yaml_reader import YamlDocument, YamlError, load_yaml
from auditor.vocabulary import term_set

VOCABULARY = "ci"


def documents(text: str) -> list[YamlDocument]:
    """The documents of a YAML CI file; raises :class:`CiReadError` when it cannot be read."""
    try:
        return load_yaml(text)
    except YamlError as exc:
        raise CiReadError(str(exc)) from None


def shell_lines(script: str) -> Iterator[str]:
    """The commands of a shell script value: one per line, continuations joined."""
    pending = ""
    for raw in script.splitlines():
        line = raw.strip()
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        command, pending = (pending + line).strip(), ""
        if command and not command.startswith("#"):
            yield command
    if pending.strip() and not pending.startswith("#"):
        yield pending.strip()


class CommandSink:
    """Collects the commands of one file, in file order, with their lines."""

    def __init__(self, provider: str, path: str, text: str, *, errexit: bool = False) -> None:
        self.provider = provider
        self.path = path
        self.errexit = errexit
        self.locator = Locator(text)
        self.commands: list[CiCommand] = []

    @property
    def full(self) -> bool:
        return len(self.commands) >= MAX_COMMANDS_PER_FILE

    def action(self, key: str, value: Any) -> None:
        """``uses: owner/name@ref``: an action, not a shell command."""
        if isinstance(value, str) and value.strip() and not self.full:
            self.locator.key(key)
            line = self.locator.value(value.strip())
            self.add(line, value.strip(), action=True)

    def shell(self, key: str, value: Any, walk: Any = None) -> None:
        """The value of a command key; mappings inside it are handed to ``walk``."""
        self.locator.key(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str):
                for command in shell_lines(item):
                    if self.full:
                        return
                    self.add(self.locator.value(command), command)
            elif isinstance(item, dict | list) and walk is not None:
                walk(item)

    def add(self, line: int, text: str, *, action: bool = False) -> None:
        command = CiCommand(
            self.provider, self.path, line, text[:MAX_COMMAND_CHARS], action, errexit=self.errexit
        )
        self.commands.append(command)


def generic_commands(
    provider: str, path: str, text: str, *, errexit: bool = False
) -> list[CiCommand]:
    """Every command key and action key anywhere in the file, in file order."""
    command_keys = term_set(VOCABULARY, "command_keys")
    action_keys = term_set(VOCABULARY, "action_keys")
    sink = CommandSink(provider, path, text, errexit=errexit)

    def walk(node: Any) -> None:
        if sink.full:
            return
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in action_keys:
                    sink.action(key, value)
                elif key in command_keys:
                    sink.shell(key, value, walk)
                else:
                    walk(value)

    for document in documents(text):
        walk(document.data)
    return sink.commands


class GenericYamlProvider(FileByFile):
    """A YAML CI service whose command keys may appear anywhere (GitLab, Travis, Drone…)."""

    #: Whether the service's shell stops at the first failing command.
    errexit = False

    def matches(self, path: str) -> bool:  # pragma: no cover - every provider overrides it
        raise NotImplementedError

    def commands(self, path: str, text: str) -> list[CiCommand]:
        """Every command the file runs, in file order; raises :class:`CiReadError`."""
        return generic_commands(self.name, path, text, errexit=self.errexit)


YAML_SUFFIXES = (".yml", ".yaml")


def parts_of(path: str) -> tuple[str, str, str]:
    """``(lower-case path, folder, file name)`` of a repository path."""
    lower = path.lower()
    folder, _, name = lower.rpartition("/")
    return lower, folder, name
