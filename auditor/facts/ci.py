"""Continuous integration: which CI services are configured, the commands they run, how
those are started, and which of them run the tests or a linter in a way that can fail CI.

The files are read by the provider adapters in :mod:`auditor.source.ci` (YAML through the
bounded YAML reader, Jenkinsfiles as text), each service's files together, as its runner
follows them. A file that cannot be read gives no commands and a reason, kept in
:attr:`CiSetup.unreadable`.

A step often runs the tests through indirections (``make test``, ``tox``, ``nox``,
``./scripts/test.sh``, ``docker compose run web pytest``); the Makefile target, tox
environment, nox session, script or container command is looked up in the snapshot and its
own commands are judged, up to :data:`MAX_HOPS` deep. Each run found keeps why its failure
would not fail CI (``|| true``, ``continue-on-error``), and its command the trigger of the
run holding it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from auditor.facts.branches import branch_names, on_missing_branches
from auditor.facts.tasks import (
    MAKEFILE_NAMES,
    makefile_rules,
    nox_sessions,
    poe_task,
    tox_config,
)
from auditor.facts.tools import (
    action_roles,
    command_list,
    command_words,
    exit_zero,
    failure_ignored,
    is_inert,
    is_interpreter,
    is_script,
    lint_like,
    test_like,
    tools_in,
)
from auditor.model import Evidence
from auditor.source.ci import (
    PROVIDER_LABELS,
    PROVIDERS,
    RETIRED,
    CiCommand,
    Trigger,
    adapter_for,
    provider,
)
from auditor.source.ci.interface import RETIRED as RETIRED_STATE
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
    """The CI configuration files of the snapshot and every command they run.

    Each service's adapter reads its files together, following what they call in other files
    (local actions, reusable workflows, GitLab includes); the commands of a service that no
    longer runs (``retired`` in ``rules/vocabulary/ci.toml``) say so in their trigger.
    """
    order = [p.name for p in PROVIDERS]
    files = sorted(
        (CiFile(name, path) for path in snapshot.files if (name := provider_of(path))),
        key=lambda f: (order.index(f.provider), f.path),
    )[:MAX_CI_FILES]

    def text_of(path: str) -> str | None:
        return snapshot.text(path) if path in snapshot.files else None

    commands: list[CiCommand] = []
    unreadable: list[tuple[str, str]] = []
    for name in order:
        paths = [f.path for f in files if f.provider == name]
        if not paths:
            continue
        reading = provider(name).read(paths, text_of)
        retired = RETIRED.get(name)
        if retired:
            trigger = Trigger(RETIRED_STATE, retired)
            commands.extend(replace(c, trigger=trigger) for c in reading.commands)
        else:
            commands.extend(reading.commands)
        unreadable.extend(reading.unreadable)
    if any(c.trigger.branches for c in commands):  # limited to branches: which ones exist?
        names = branch_names(snapshot)
        commands = [replace(c, trigger=on_missing_branches(c.trigger, names)) for c in commands]
    return CiSetup(tuple(files), tuple(commands), tuple(unreadable))


# ----------------------------------------------------------------------------- what CI runs


@dataclass(frozen=True)
class ToolRun:
    """A test runner or linter one CI command runs, directly or through indirections."""

    role: str  # "test" or "lint"
    tool: str  # what runs: "pytest", "ruff"
    command: CiCommand
    #: The Makefile targets, tox envs, nox sessions or scripts it was reached through.
    via: tuple[Evidence, ...] = ()
    #: Why its failure does not fail CI (`|| true`, `continue-on-error: true`), or "".
    tolerated: str = ""

    @property
    def counts(self) -> bool:
        """Whether CI starts by itself, runs it, and fails when it fails."""
        return self.command.trigger.automatic and not self.tolerated

    @property
    def why_not(self) -> str:
        """Why it does not count ("" when it does): the trigger first, then the tolerance."""
        trigger = self.command.trigger
        return trigger.reason if not trigger.automatic else self.tolerated

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        step = Evidence(self.command.path, self.command.line, f"runs {self.tool}")
        trigger = self.command.trigger
        if not trigger.automatic and trigger.path:
            return (step, *self.via, Evidence(trigger.path, trigger.line, trigger.reason))
        return (step, *self.via)

    def describe(self) -> str:
        where = f"{self.command.path}:{self.command.line}"
        if self.command.caller:
            where += f", called from {self.command.caller}"
        text = f"`{short(self.command.text)}` ({where})"
        for hop in self.via:
            text += f", {hop.note} ({hop.path}:{hop.line})"
        return text


@dataclass(frozen=True)
class CiActivity:
    """What the CI commands run: test runners, linters, and indirections that led nowhere.

    ``tests`` and ``lint`` hold every run found, also those that cannot fail CI or are
    never started (:attr:`ToolRun.counts` says which count).
    """

    tests: tuple[ToolRun, ...]
    lint: tuple[ToolRun, ...]
    dead_ends: tuple[str, ...] = ()

    @property
    def counted_tests(self) -> tuple[ToolRun, ...]:
        return tuple(run for run in self.tests if run.counts)

    @property
    def counted_lint(self) -> tuple[ToolRun, ...]:
        return tuple(run for run in self.lint if run.counts)


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


#: Indirections followed from one CI command (`make test` -> tox -> a script -> pytest).
MAX_HOPS = 4
#: Lines of Makefile recipes, tox commands, nox sessions and scripts read at most for all
#: the commands of a snapshot together (each indirection re-reads its body).
MAX_FOLLOWED_LINES = 20_000


@dataclass(frozen=True)
class _Path:
    """How a command was reached: the indirections so far and what makes its failure pass."""

    hops: tuple[Evidence, ...] = ()
    tolerated: str = ""

    def then(self, hop: Evidence, tolerated: str) -> _Path:
        return _Path((*self.hops, hop), self.tolerated or tolerated)


@dataclass
class _Collector:
    snapshot: Snapshot
    tests: list[ToolRun] = field(default_factory=list)
    lint: list[ToolRun] = field(default_factory=list)
    dead_ends: list[str] = field(default_factory=list)
    followed: int = 0

    def add(self, role: str, tool: str, command: CiCommand, path: _Path) -> None:
        run = ToolRun(role, tool, command, path.hops, path.tolerated)
        (self.tests if role == "test" else self.lint).append(run)

    def dead_end(self, command: CiCommand, what: str) -> None:
        self.dead_ends.append(f"`{short(command.text)}` ({command.path}:{command.line}) {what}")

    def command(self, command: CiCommand) -> None:
        if command.action:
            action = command.text.split("@", 1)[0]
            for role in action_roles(command.text):
                self.add(role, f"the {action} action", command, _Path((), command.tolerated))
            return
        listed = command_list(command.text)
        cwd = ""  # `cd backend && make test` looks for backend/Makefile
        for index, (words, _) in enumerate(listed):
            if words[0] in ("cd", "pushd") and len(words) == 2:
                cwd = _relative(cwd, words[1])
                continue
            if is_inert(words):
                continue
            ignored = command.tolerated or failure_ignored(listed, index, errexit=command.errexit)
            path = _Path((), ignored)
            for role, tool in tools_in(words):
                lint_ignored = exit_zero(words) if role == "lint" else ""
                self.add(role, tool, command, _Path((), ignored or lint_ignored))
            self.indirection(words, command, cwd, path)

    def indirection(self, segment: list[str], command: CiCommand, cwd: str, path: _Path) -> None:
        if len(path.hops) >= MAX_HOPS:
            return
        words, wrapped = command_words(segment)
        if not words:
            return
        head = words[0]
        if head in term_set("tools", "make_commands"):
            self.make(words[1:], command, cwd, path)
        elif head == "tox":
            self.tox(words[1:], command, path)
        elif head == "nox":
            self.nox(words[1:], command, path)
        elif head in term_set("tools", "task_runners"):
            self.task(words[1:], command, head, path)
        else:
            self.script(words, command, wrapped, cwd, path)

    def make(self, args: list[str], command: CiCommand, cwd: str, path: _Path) -> None:
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
        makefile = next((c for c in candidates if c in self.snapshot.files), None)
        if makefile is None:
            self.dead_end(command, "runs make, but there is no Makefile")
            return
        rules = makefile_rules(self.snapshot, makefile)
        if not targets:
            targets = [next(iter(rules))] if rules else []
        for target in targets:
            rule = rules.get(target)
            if rule is None:
                what = f"runs `make {target}`, but {makefile} has no `{target}` target"
                self.dead_end(command, what)
                continue
            body = list(rule.recipe)
            for prerequisite in rule.prerequisites:
                if prerequisite in rules:
                    body.extend(rules[prerequisite].recipe)
            where = _Where(makefile, f"the `{target}` target", target, rule.line)
            self.body(body, where, command, path)

    def tox(self, args: list[str], command: CiCommand, path: _Path) -> None:
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
            where = _Where(config.path, f"tox env `{name}`", name, line, _default_tox_env(env))
            # tox runs each command without a shell, and stops at the first that fails
            self.body(lines, where, command, path)

    def nox(self, args: list[str], command: CiCommand, path: _Path) -> None:
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
            where = _Where("noxfile.py", label, session.name, session.line)
            self.body(session.commands, where, command, path)

    def task(self, args: list[str], command: CiCommand, runner: str, path: _Path) -> None:
        """A task runner's task, judged by its name."""
        names = [a for a in args if not a.startswith("-")]
        if runner in ("npm", "yarn", "pnpm", "bun") and names[:1] == ["run"]:
            names = names[1:]
        if not names:
            return
        if runner == "poe":
            task = poe_task(self.snapshot, names[0])
            if task is not None:
                where = _Where("pyproject.toml", f"poe task `{names[0]}`", names[0], task[0])
                self.body(task[1], where, command, path)
                return
        self.by_name(names[0], f"the `{names[0]}` task", command, path)

    def by_name(self, name: str, label: str, command: CiCommand, path: _Path) -> None:
        if test_like(name):
            self.add("test", label, command, path)
        elif lint_like(name):
            self.add("lint", label, command, path)

    def script(
        self, words: list[str], command: CiCommand, wrapped: bool, cwd: str, path: _Path
    ) -> None:
        """A script of the repository, read and judged like a recipe."""
        candidate: str | None = None
        if is_interpreter(words[0]):
            rest = [w for w in words[1:] if not w.startswith("-")]
            candidate = rest[0] if rest else None
        elif is_script(words[0]):
            candidate = words[0]
        elif wrapped and len(words) == 1:
            # `hatch run test`, `pdm run lint`: a named script of the project's tool config
            self.by_name(words[0], f"the `{words[0]}` script", command, path)
            return
        if candidate is None:
            return
        script = _relative(cwd, candidate)
        if script not in self.snapshot.files or is_vendored(script):
            return
        if any(hop.path == script for hop in path.hops):
            return  # a script that runs itself
        text = self.snapshot.text(script) or ""
        lines = [
            (number, line.strip())
            for number, line in enumerate(text.splitlines()[:MAX_SCRIPT_LINES], start=1)
            if line.strip() and not line.lstrip().startswith(("#", "//", "rem ", "REM "))
        ]
        where = _Where(script, f"the script {script}", PurePosixPath(script).name, 1)
        self.body(lines, where, command, path)

    def body(
        self, lines: Iterable[tuple[int, str]], where: _Where, command: CiCommand, path: _Path
    ) -> None:
        """Judge what an indirection runs, following further ones; when its commands show
        nothing, judge its name."""
        entered = f"{where.label} runs "
        if any(
            hop.path == where.path and (hop.note or "").startswith(entered) for hop in path.hops
        ):
            return  # `make test` in the `test` target
        found: dict[str, tuple[str, _Path]] = {}
        before = len(self.tests) + len(self.lint)
        for number, text in lines:
            self.followed += 1
            if self.followed > MAX_FOLLOWED_LINES:
                break
            listed = command_list(text)
            for index, (words, _) in enumerate(listed):
                if is_inert(words):
                    continue
                # a recipe line, tox command or script line goes on after a failure
                ignored = failure_ignored(listed, index, errexit=False)
                for role, tool in tools_in(words):
                    lint_ignored = exit_zero(words) if role == "lint" else ""
                    hop = Evidence(where.path, number, f"{where.label} runs {tool}")
                    reached = path.then(hop, ignored or lint_ignored)
                    if role not in found or (found[role][1].tolerated and not reached.tolerated):
                        found[role] = (tool, reached)
                hop = Evidence(where.path, number, f"{where.label} runs `{short(text, 40)}`")
                self.indirection(words, command, "", path.then(hop, ignored))
        for role, (tool, reached) in found.items():
            self.add(role, tool, command, reached)
        if found or len(self.tests) + len(self.lint) > before:
            return
        if test_like(where.name) or where.default_test:
            hop = Evidence(where.path, where.line, f"{where.label} runs the tests")
            self.add("test", where.label, command, path.then(hop, ""))
        elif lint_like(where.name):
            hop = Evidence(where.path, where.line, f"{where.label} lints")
            self.add("lint", where.label, command, path.then(hop, ""))


@dataclass(frozen=True)
class _Where:
    """An indirection's body: its file, how messages name it, its name and first line."""

    path: str
    label: str
    name: str
    line: int
    default_test: bool = False
