"""Continuous integration: which CI services are configured, the commands they run, and
which of those run the tests or a linter.

The files are read by the provider adapters in :mod:`auditor.source.ci` (YAML through the
bounded YAML reader, Jenkinsfiles as text). A file that cannot be read gives no commands and
a reason, kept in :attr:`CiSetup.unreadable`.

A step often runs the tests through one level of indirection (``make test``, ``tox``,
``nox``, ``./scripts/test.sh``); the Makefile target, tox environment, nox session or script
is looked up in the snapshot and its own commands are judged. Indirection is followed once.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from auditor.facts.tasks import MAKEFILE_NAMES, makefile_rules, nox_sessions, tox_config
from auditor.facts.tools import (
    action_roles,
    command_words,
    direct_tools,
    is_inert,
    is_interpreter,
    is_script,
    lint_like,
    segments,
    test_like,
    tools_in,
)
from auditor.model import Evidence
from auditor.source.ci import (
    PROVIDER_LABELS,
    PROVIDERS,
    CiCommand,
    CiReadError,
    adapter_for,
    provider,
)
from auditor.source.ci.github import is_composite_action
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import term_set

__all__ = ["PROVIDER_LABELS", "CiActivity", "CiCommand", "CiFile", "CiSetup", "ToolRun"]

MAX_CI_FILES = 200
MAX_SCRIPT_LINES = 2_000


@dataclass(frozen=True)
class CiFile:
    """A CI configuration file and the service it belongs to."""

    provider: str
    path: str


@dataclass(frozen=True)
class CiSetup:
    """Every CI configuration file in the snapshot and the commands they run."""

    files: tuple[CiFile, ...]
    commands: tuple[CiCommand, ...]
    #: (path, reason) for each file that could not be read: not YAML, or over a bound.
    unreadable: tuple[tuple[str, str], ...] = ()

    @property
    def providers(self) -> tuple[str, ...]:
        found = {f.provider for f in self.files}
        return tuple(p for p in PROVIDER_LABELS if p in found)

    def paths_of(self, provider: str) -> list[str]:
        return [f.path for f in self.files if f.provider == provider]

    def describe(self) -> str:
        """``GitHub Actions (.github/workflows/ci.yml)``, for messages."""
        parts = []
        for provider_name in self.providers:
            paths = self.paths_of(provider_name)
            shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
            parts.append(f"{PROVIDER_LABELS[provider_name]} ({shown})")
        return "; ".join(parts)


def provider_of(path: str) -> str | None:
    """The CI service a file configures, or None when it is not a CI configuration."""
    adapter = adapter_for(path)
    return adapter.name if adapter is not None else None


@fact
def ci_setup(snapshot: Snapshot) -> CiSetup:
    """The CI configuration files of the snapshot and every command they run."""
    order = [p.name for p in PROVIDERS]
    files = sorted(
        (CiFile(name, path) for path in snapshot.files if (name := provider_of(path))),
        key=lambda f: (order.index(f.provider), f.path),
    )[:MAX_CI_FILES]
    sources = [(f.provider, f.path) for f in files]
    if any(f.provider == "github-actions" for f in files):
        # Local composite actions (`uses: ./.github/actions/setup`) run their steps in a workflow.
        sources += [
            ("github-actions", path) for path in sorted(snapshot.files) if is_composite_action(path)
        ][:MAX_CI_FILES]
    commands: list[CiCommand] = []
    unreadable: list[tuple[str, str]] = []
    for name, path in sources:
        text = snapshot.text(path)
        if text is None:
            unreadable.append((path, "not read: binary, or over the snapshot's size limits"))
            continue
        try:
            commands.extend(provider(name).commands(path, text))
        except CiReadError as exc:
            unreadable.append((path, str(exc)))
    return CiSetup(tuple(files), tuple(commands), tuple(unreadable))


# ----------------------------------------------------------------------------- what CI runs


@dataclass(frozen=True)
class ToolRun:
    """A test runner or linter one CI command runs, directly or through one indirection."""

    role: str  # "test" or "lint"
    tool: str  # what runs: "pytest", "ruff"
    command: CiCommand
    via: Evidence | None = None  # the Makefile target, tox env, nox session or script

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        step = Evidence(self.command.path, self.command.line, f"runs {self.tool}")
        return (step,) if self.via is None else (step, self.via)

    def describe(self) -> str:
        where = f"{self.command.path}:{self.command.line}"
        shown = short(self.command.text)
        if self.via is None:
            return f"`{shown}` ({where})"
        return f"`{shown}` ({where}), {self.via.note} ({self.via.path}:{self.via.line})"


@dataclass(frozen=True)
class CiActivity:
    """What the CI commands run: test runners, linters, and indirections that led nowhere."""

    tests: tuple[ToolRun, ...]
    lint: tuple[ToolRun, ...]
    dead_ends: tuple[str, ...] = ()


def short(text: str, limit: int = 60) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@fact
def ci_activity(snapshot: Snapshot) -> CiActivity:
    """The test runners and linters the CI commands run, with where they are run."""
    collector = _Collector(snapshot)
    for command in ci_setup(snapshot).commands:
        collector.command(command)
    return CiActivity(
        tuple(collector.tests), tuple(collector.lint), tuple(dict.fromkeys(collector.dead_ends))
    )


def _relative(cwd: str, path: str) -> str:
    """``path`` (as a command gives it) relative to the repository root, from ``cwd``."""
    path = path.strip("'\"")
    if not path or path.startswith(("/", "~", "$")):
        return ""  # outside the checkout or unknown: the root is the best guess
    joined = posixpath.normpath(posixpath.join(cwd, path))
    return "" if joined in (".", "..") or joined.startswith("../") else joined


def _option_values(args: list[str], options: tuple[str, ...]) -> list[str]:
    """Values given to any of ``options`` (``-e a,b``, ``-e=a``, ``-s a b``), comma-split."""
    values: list[str] = []
    taking = False
    for arg in args:
        if arg.startswith("-"):
            option, _, inline = arg.partition("=")
            taking = option in options
            if taking and inline:
                values.extend(v for v in inline.split(",") if v)
                taking = False
            continue
        if taking:
            values.extend(v for v in arg.split(",") if v)
    return values


def _default_tox_env(env: str) -> bool:
    """The base environment or a ``pyXY``/``pypyXY`` one: tox runs the tests there."""
    factor = env.partition("-")[0]
    for prefix in ("pypy", "py"):
        if factor.startswith(prefix):
            return all(c in "0123456789." for c in factor[len(prefix) :])
    return not env


@dataclass
class _Collector:
    snapshot: Snapshot
    tests: list[ToolRun] = field(default_factory=list)
    lint: list[ToolRun] = field(default_factory=list)
    dead_ends: list[str] = field(default_factory=list)

    def add(self, role: str, tool: str, command: CiCommand, via: Evidence | None = None) -> None:
        run = ToolRun(role, tool, command, via)
        (self.tests if role == "test" else self.lint).append(run)

    def dead_end(self, command: CiCommand, what: str) -> None:
        self.dead_ends.append(f"`{short(command.text)}` ({command.path}:{command.line}) {what}")

    def command(self, command: CiCommand) -> None:
        if command.action:
            action = command.text.split("@", 1)[0]
            for role in action_roles(command.text):
                self.add(role, f"the {action} action", command)
            return
        simple_commands = segments(command.text)
        for words in simple_commands:
            if not is_inert(words):
                for role, tool in tools_in(words):
                    self.add(role, tool, command)
        cwd = ""  # `cd backend && make test` looks for backend/Makefile
        for words in simple_commands:
            if words[0] in ("cd", "pushd") and len(words) == 2:
                cwd = _relative(cwd, words[1])
            elif not is_inert(words):
                self.indirection(words, command, cwd)

    def indirection(self, segment: list[str], command: CiCommand, cwd: str = "") -> None:
        words, wrapped = command_words(segment)
        if not words:
            return
        head = words[0]
        if head in term_set("tools", "make_commands"):
            self.make(words[1:], command, cwd)
        elif head == "tox":
            self.tox(words[1:], command)
        elif head == "nox":
            self.nox(words[1:], command)
        elif head in term_set("tools", "task_runners"):
            self.task(words[1:], command, head)
        else:
            self.script(words, command, wrapped, cwd)

    def make(self, args: list[str], command: CiCommand, cwd: str = "") -> None:
        directory, explicit, targets = cwd, None, []
        iterator = iter(args)
        for arg in iterator:
            if arg in ("-C", "--directory"):
                directory = _relative(cwd, next(iterator, ""))
            elif arg in ("-f", "--file", "--makefile"):
                explicit = next(iterator, "")
            elif not arg.startswith("-") and "=" not in arg and not arg.isdigit():
                targets.append(arg)
        prefix = f"{directory}/" if directory else ""
        candidates = [_relative(directory, explicit)] if explicit else []
        candidates += [prefix + name for name in MAKEFILE_NAMES]
        path = next((c for c in candidates if c in self.snapshot.files), None)
        if path is None:
            self.dead_end(command, "runs make, but there is no Makefile")
            return
        rules = makefile_rules(self.snapshot, path)
        if not targets:
            targets = [next(iter(rules))] if rules else []
        for target in targets:
            rule = rules.get(target)
            if rule is None:
                self.dead_end(command, f"runs `make {target}`, but {path} has no `{target}` target")
                continue
            body = list(rule.recipe)
            for prerequisite in rule.prerequisites:
                if prerequisite in rules:
                    body.extend(rules[prerequisite].recipe)
            label = f"the `{target}` target"
            self.body(body, path, label, target, command, rule.line)

    def tox(self, args: list[str], command: CiCommand) -> None:
        config = tox_config(self.snapshot)
        if config is None:
            self.dead_end(command, "runs tox, but there is no tox configuration")
            return
        envs = _option_values(args, ("-e", "--env", "-f", "--factor")) or list(config.env_list)
        if not envs:  # no env list: tox runs its default environment, and named ones on request
            envs = ["", *(name for name in config.envs if name)]
        for env in envs:
            section = config.envs.get(env) or config.envs.get("")
            lines = section.commands if section else ()
            name = env or "testenv"
            line = section.line if section else 1
            default_test = _default_tox_env(env)
            self.body(lines, config.path, f"tox env `{name}`", name, command, line, default_test)

    def nox(self, args: list[str], command: CiCommand) -> None:
        sessions = nox_sessions(self.snapshot)
        if sessions is None:
            self.dead_end(command, "runs nox, but there is no noxfile.py")
            return
        chosen = _option_values(args, ("-s", "--session", "--sessions", "-e"))
        selected = [
            s
            for s in sessions
            if not chosen
            or any(c == s.name or c.startswith((f"{s.name}-", f"{s.name}(")) for c in chosen)
        ]
        for session in selected:
            label = f"nox session `{session.name}`"
            self.body(session.commands, "noxfile.py", label, session.name, command, session.line)

    def task(self, args: list[str], command: CiCommand, runner: str) -> None:
        """A task runner's task, judged by its name."""
        names = [a for a in args if not a.startswith("-")]
        if runner in ("npm", "yarn", "pnpm", "bun") and names[:1] == ["run"]:
            names = names[1:]
        if not names:
            return
        self.by_name(names[0], f"the `{names[0]}` task", command)

    def by_name(self, name: str, label: str, command: CiCommand) -> None:
        if test_like(name):
            self.add("test", label, command)
        elif lint_like(name):
            self.add("lint", label, command)

    def script(self, words: list[str], command: CiCommand, wrapped: bool, cwd: str = "") -> None:
        """A script of the repository, read and judged like a recipe."""
        candidate: str | None = None
        if is_interpreter(words[0]):
            rest = [w for w in words[1:] if not w.startswith("-")]
            candidate = rest[0] if rest else None
        elif is_script(words[0]):
            candidate = words[0]
        elif wrapped and len(words) == 1:
            # `hatch run test`, `pdm run lint`: a named script of the project's tool config
            self.by_name(words[0], f"the `{words[0]}` script", command)
            return
        if candidate is None:
            return
        path = _relative(cwd, candidate)
        if path not in self.snapshot.files or is_vendored(path):
            return
        text = self.snapshot.text(path) or ""
        lines = [
            (number, line.strip())
            for number, line in enumerate(text.splitlines()[:MAX_SCRIPT_LINES], start=1)
            if line.strip() and not line.lstrip().startswith(("#", "//", "rem ", "REM "))
        ]
        self.body(lines, path, f"the script {path}", PurePosixPath(path).name, command, 1)

    def body(
        self,
        lines: Iterable[tuple[int, str]],
        path: str,
        label: str,
        name: str,
        command: CiCommand,
        line: int,
        default_test: bool = False,
    ) -> None:
        """Judge what an indirection runs; when its commands show nothing, judge its name."""
        found: dict[str, tuple[str, int]] = {}
        for number, text in lines:
            for role, tool in direct_tools(text):
                found.setdefault(role, (tool, number))
        for role, (tool, number) in found.items():
            self.add(role, tool, command, Evidence(path, number, f"{label} runs {tool}"))
        if not found:
            if test_like(name) or default_test:
                self.add("test", label, command, Evidence(path, line, f"{label} runs the tests"))
            elif lint_like(name):
                self.add("lint", label, command, Evidence(path, line, f"{label} lints"))
