"""GitHub Actions: ``.github/workflows/*.yml``, and the local actions and reusable workflows
they call, read as the runner reads them.

A job's steps (or a composite action's ``runs.steps``) each run a shell command (``run``) or
an action (``uses``); a job-level ``uses`` calls a reusable workflow. An action's ``with:``
inputs that hold commands (``command: pytest``) count as commands, except for actions whose
inputs are another language: ``actions/github-script``'s ``script`` is JavaScript.

What the runner would do is followed: ``uses: ./.github/actions/setup`` runs the steps of
that folder's ``action.yml`` in the calling job, and ``uses: ./.github/workflows/test.yml``
runs that workflow's jobs when the caller runs. Every command carries the trigger of the
workflow that starts it (``on:`` missing or empty: never; only ``workflow_dispatch``: by
hand), whether ``continue-on-error`` or ``if: false`` makes its failure not count, and
whether its shell stops at the first failure (``bash -e``, GitHub's default on Linux).
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.source.ci.interface import (
    AUTOMATIC,
    MANUAL,
    MAX_COMMANDS_PER_FILE,
    NEVER,
    CiCommand,
    CiReadError,
    CiReading,
    ReadText,
    Trigger,
)
from auditor.source.ci.yaml_commands import (
    VOCABULARY,
    YAML_SUFFIXES,
    CommandSink,
    documents,
    parts_of,
)
from auditor.source.locator import Locator
from auditor.vocabulary import term_set

ACTION_FILES = ("action.yml", "action.yaml")
#: Local actions and reusable workflows calling each other are followed this deep.
MAX_DEPTH = 8
#: Local actions and reusable workflows followed at most, for all the workflows together.
MAX_CALLS = 1_000
_ERREXIT_SHELLS = ("bash", "sh")


def is_composite_action(path: str) -> bool:
    """A local action (``uses: ./.github/actions/setup``): its steps run inside a workflow."""
    return path.startswith(".github/actions/") and path.rpartition("/")[2] in ACTION_FILES


def _local(uses: Any) -> str | None:
    """The repository path a ``uses: ./path`` names, or None for a published action."""
    if not isinstance(uses, str) or not uses.startswith("./"):
        return None
    path = posixpath.normpath(uses.partition("@")[0].strip())
    return None if path.startswith("..") or path == "." else path


def _is_true(value: Any) -> bool:
    """``true``, ``"true"`` or ``${{ true }}``: an expression that is always true."""
    text = str(value).strip().lower()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    return value is True or text == "true"


def _is_false(value: Any) -> bool:
    text = str(value).strip().lower()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    return value is False or text == "false"


def _stops_on_error(shell: Any, default: bool) -> bool:
    """Whether a ``shell:`` stops at the first failing command (``bash -e`` does)."""
    if not isinstance(shell, str) or not shell.strip():
        return default
    words = shell.split()
    if len(words) == 1:
        return words[0] in _ERREXIT_SHELLS
    return any(w.startswith("-") and not w.startswith("--") and "e" in w for w in words[1:])


@dataclass
class _Step:
    commands: list[CiCommand]
    line: int
    local: str | None = None
    tolerated: str = ""
    skipped: str = ""


@dataclass
class _Job:
    name: str
    line: int
    steps: list[_Step] = field(default_factory=list)
    calls: str | None = None
    tolerated: str = ""
    skipped: str = ""


@dataclass
class _File:
    """One workflow (``jobs``) or local action (``runs.steps``), located in its text."""

    path: str
    events: tuple[str, ...] | None = None  # None: no `on:` at all
    on_line: int | None = None
    #: Each event's branch filter, named in full (None: any branch, or a pattern).
    branches: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    jobs: list[_Job] = field(default_factory=list)
    steps: list[_Step] = field(default_factory=list)


class _Parser:
    """Reads one file into jobs and steps, each with its commands located in the text."""

    def __init__(self, provider: str, path: str, text: str) -> None:
        self.sink = CommandSink(provider, path, text, errexit=True)
        self.file = _File(path)
        self.text = text
        self.matrix: dict[str, list[str]] = {}

    def parse(self) -> _File:
        for document in documents(self.text):
            data = document.data
            if not isinstance(data, dict):
                continue
            if "on" in data:
                self.file.events = _events(data["on"])
                self.file.on_line = Locator(self.text).key("on")
                self.file.branches = _branch_filters(data["on"], self.file.events)
            shell = _default_shell(data)
            jobs = data.get("jobs")
            for name, job in jobs.items() if isinstance(jobs, dict) else ():
                if isinstance(job, dict):
                    self.file.jobs.append(self._job(str(name), job, shell))
            runs = data.get("runs")
            if isinstance(runs, dict):
                self.file.steps.extend(self._steps(runs.get("steps"), None))
        return self.file

    def _job(self, name: str, job: dict[Any, Any], shell: Any) -> _Job:
        found = _Job(name, self.sink.locator.key(name))
        strategy = job.get("strategy")
        self.matrix = _matrix(strategy.get("matrix") if isinstance(strategy, dict) else None)
        if _is_true(job.get("continue-on-error")):
            found.tolerated = f"`continue-on-error: true` on its job `{name}`"
        if "if" in job and _is_false(job["if"]):
            found.skipped = f"its job `{name}` has `if: false`"
        runs_on = str(job.get("runs-on") or "").lower()
        shell = _default_shell(job) or shell
        errexit = _stops_on_error(shell, default="windows" not in runs_on)
        for key, value in job.items():
            if key == "uses":
                start = len(self.sink.commands)
                self.sink.action(key, value)
                found.calls = _local(value)
                found.steps.append(_Step(self.sink.commands[start:], found.line))
            elif key == "steps":
                found.steps.extend(self._steps(value, errexit))
        return found

    def _steps(self, steps: Any, errexit: bool | None) -> list[_Step]:
        found: list[_Step] = []
        for step in steps if isinstance(steps, list) else ():
            if not isinstance(step, dict) or self.sink.full:
                continue
            start = len(self.sink.commands)
            line = self.sink.locator.line
            self.sink.errexit = _stops_on_error(step.get("shell"), default=errexit is not False)
            self._step(step)
            commands = self.sink.commands[start:]
            read = _Step(commands, commands[0].line if commands else line, _local(step.get("uses")))
            if _is_true(step.get("continue-on-error")):
                read.tolerated = "`continue-on-error: true` on its step"
            if "if" in step and _is_false(step["if"]):
                read.skipped = "its step has `if: false`"
            found.append(read)
        return found

    def _step(self, step: dict[Any, Any]) -> None:
        step_keys = term_set(VOCABULARY, "step_command_keys")
        action = str(step.get("uses") or "").lower().partition("@")[0]
        for key, value in step.items():
            if key == "uses":
                self.sink.action(key, value)
            elif key in step_keys:
                for text in _expanded(value, self.matrix):
                    self.sink.shell(key, text)
            elif key == "with" and isinstance(value, dict):
                self._inputs(action, value)

    def _inputs(self, action: str, inputs: dict[Any, Any]) -> None:
        if not action or action in term_set(VOCABULARY, "non_shell_actions"):
            return
        shell_inputs = term_set(VOCABULARY, "action_command_inputs")
        for key, value in inputs.items():
            if key in shell_inputs and isinstance(value, str):
                self.sink.shell(key, value)


#: A command is expanded for at most this many combinations of matrix values.
MAX_MATRIX_VARIANTS = 16
_MATRIX_REF = "${{ matrix."


def _matrix(matrix: Any) -> dict[str, list[str]]:
    """The values each matrix variable takes: its list, plus those ``include`` adds."""
    values: dict[str, list[str]] = {}
    if not isinstance(matrix, dict):
        return values
    for key, listed in matrix.items():
        if key in ("include", "exclude") or not isinstance(listed, list):
            continue
        values[str(key)] = [str(v) for v in listed[:MAX_MATRIX_VARIANTS]]
    for entry in matrix.get("include") or []:
        if isinstance(entry, dict):
            for key, value in entry.items():
                known = values.setdefault(str(key), [])
                if str(value) not in known and len(known) < MAX_MATRIX_VARIANTS:
                    known.append(str(value))
    return values


def _expanded(value: Any, matrix: dict[str, list[str]]) -> list[Any]:
    """The command once per value of each matrix variable it names (``${{ matrix.task }}``),
    as the runner runs it in each job of the matrix; unchanged when it names none."""
    if not isinstance(value, str) or _MATRIX_REF not in value or not matrix:
        return [value]
    variants = [value]
    for name, options in matrix.items():
        spellings = (f"${{{{ matrix.{name} }}}}", f"${{{{matrix.{name}}}}}")
        if not any(s in value for s in spellings) or not options:
            continue
        variants = [
            _replace_all(text, spellings, option) for text in variants for option in options
        ][:MAX_MATRIX_VARIANTS]
    return list(dict.fromkeys(variants))


def _replace_all(text: str, spellings: tuple[str, ...], value: str) -> str:
    for spelling in spellings:
        text = text.replace(spelling, value)
    return text


def _default_shell(node: dict[Any, Any]) -> Any:
    defaults = node.get("defaults")
    run = defaults.get("run") if isinstance(defaults, dict) else None
    return run.get("shell") if isinstance(run, dict) else None


def _events(on: Any) -> tuple[str, ...]:
    """The events of an ``on:`` value (a name, a list of names or a mapping of them)."""
    if isinstance(on, str):
        return (on.strip(),) if on.strip() else ()
    if isinstance(on, list):
        return tuple(str(e) for e in on if isinstance(e, str) and e.strip())
    if isinstance(on, dict):
        return tuple(str(e) for e in on)
    return ()


#: Events whose ``branches:`` filter limits the branches a run starts on.
_BRANCH_EVENTS = ("push", "pull_request", "pull_request_target")
_PATTERN_CHARS = frozenset("*?[]!+")


def _branch_filters(on: Any, events: tuple[str, ...]) -> dict[str, tuple[str, ...] | None]:
    """Each event's ``branches:`` names (None: no filter, ``branches-ignore``, or a glob)."""
    found: dict[str, tuple[str, ...] | None] = {}
    for event in events:
        config = on.get(event) if isinstance(on, dict) else None
        names = config.get("branches") if isinstance(config, dict) else None
        if isinstance(names, str):
            names = [names]
        limited = (
            event in _BRANCH_EVENTS
            and isinstance(names, list)
            and bool(names)
            and all(isinstance(n, str) and n and not _PATTERN_CHARS & set(n) for n in names)
        )
        found[event] = tuple(str(n) for n in names) if limited and names else None
    return found


def _trigger(read: _File, called: bool) -> Trigger | None:
    """When a workflow starts by itself (None: only when a workflow here calls it)."""
    path, line = read.path, read.on_line
    if read.events is None:
        reason = "its `on:` trigger is missing (commented out?), so GitHub never runs it"
        return Trigger(NEVER, reason, read.path, None)
    events = set(read.events)
    if not events:
        return Trigger(NEVER, "its `on:` trigger is empty, so GitHub never runs it", path, line)
    manual = term_set(VOCABULARY, "manual_events")
    call = term_set(VOCABULARY, "call_events")
    if events - manual - call:
        filters = [read.branches.get(event) for event in sorted(events - manual - call)]
        limited = all(f is not None for f in filters)
        branches = sorted({b for f in filters for b in f or ()}) if limited else []
        return Trigger(AUTOMATIC, "", path, line, tuple(branches))
    if events & call and called:
        return None
    if events & manual:
        shown = ", ".join(f"`{e}`" for e in sorted(events & manual))
        return Trigger(MANUAL, f"it only runs when started by hand ({shown})", path, line)
    reason = "it only runs when another workflow calls it (`workflow_call`), and none here does"
    return Trigger(NEVER, reason, path, line)


class GitHubActions:
    """Workflows under ``.github/workflows/`` and the local actions they use."""

    name = "github-actions"
    label = "GitHub Actions"

    def matches(self, path: str) -> bool:
        _, folder, name = parts_of(path)
        return folder == ".github/workflows" and name.endswith(YAML_SUFFIXES)

    def commands(self, path: str, text: str) -> list[CiCommand]:
        """The ``run`` and ``uses`` of every step of every job of one file, in file order."""
        read = _Parser(self.name, path, text).parse()
        trigger = _trigger(read, called=False) or Trigger()
        return [
            dataclasses.replace(c, trigger=trigger)
            for job in ([_Job("", 0, read.steps)], read.jobs)
            for j in job
            for s in j.steps
            for c in s.commands
        ]

    def read(self, paths: Sequence[str], text_of: ReadText) -> CiReading:
        """Every workflow's commands, with the local actions and workflows it calls."""
        return _Runner(self.name, text_of, paths).run()


@dataclass
class _Context:
    trigger: Trigger
    tolerated: str = ""
    caller: str = ""


class _Runner:
    """Walks the workflows as GitHub runs them, giving each command its context."""

    def __init__(self, provider: str, text_of: ReadText, paths: Sequence[str]) -> None:
        self.provider = provider
        self.text_of = text_of
        self.paths = list(paths)
        self.parsed: dict[str, _File | None] = {}
        self.unreadable: dict[str, str] = {}
        self.commands: list[CiCommand] = []
        self.calls = 0

    def follow(self) -> bool:
        """Whether one more local action or reusable workflow may be followed."""
        self.calls += 1
        return self.calls <= MAX_CALLS and len(self.commands) < MAX_COMMANDS_PER_FILE

    def load(self, path: str) -> _File | None:
        if path not in self.parsed:
            text = self.text_of(path)
            self.parsed[path] = None
            if text is not None:
                try:
                    self.parsed[path] = _Parser(self.provider, path, text).parse()
                except CiReadError as exc:
                    self.unreadable[path] = str(exc)
            elif path in self.paths:
                self.unreadable[path] = "not read: binary, or over the snapshot's size limits"
        return self.parsed[path]

    def run(self) -> CiReading:
        workflows = [w for w in (self.load(p) for p in self.paths) if w is not None]
        called = {job.calls for w in workflows for job in w.jobs if job.calls}
        for workflow in workflows:
            trigger = _trigger(workflow, workflow.path in called)
            if trigger is not None:
                self.workflow(workflow, _Context(trigger), ())
        unreadable = tuple((p, r) for p, r in self.unreadable.items())
        return CiReading(tuple(self.commands), unreadable)

    def workflow(self, workflow: _File, context: _Context, stack: tuple[str, ...]) -> None:
        stack = (*stack, workflow.path)
        for job in workflow.jobs:
            inner = context
            if job.skipped and context.trigger.automatic:
                skipped = Trigger(NEVER, job.skipped, workflow.path, job.line)
                inner = dataclasses.replace(inner, trigger=skipped)
            inner = dataclasses.replace(inner, tolerated=context.tolerated or job.tolerated)
            self.steps(job.steps, workflow.path, inner, stack)
            if job.calls is None or len(stack) > MAX_DEPTH or job.calls in stack:
                continue
            if not self.follow():
                return
            target = self.load(job.calls)
            if target is not None:
                caller = dataclasses.replace(inner, caller=f"{workflow.path}:{job.line}")
                self.workflow(target, caller, stack)

    def steps(
        self, steps: list[_Step], path: str, context: _Context, stack: tuple[str, ...]
    ) -> None:
        for step in steps:
            inner = dataclasses.replace(context, tolerated=context.tolerated or step.tolerated)
            if step.skipped and context.trigger.automatic:
                skipped = Trigger(NEVER, step.skipped, path, step.line)
                inner = dataclasses.replace(inner, trigger=skipped)
            for command in step.commands:
                self.commands.append(
                    dataclasses.replace(
                        command,
                        trigger=inner.trigger,
                        tolerated=inner.tolerated,
                        caller=context.caller,
                    )
                )
            if step.local is None or len(stack) > MAX_DEPTH:
                continue
            if not self.follow():
                return
            found = None
            for name in ACTION_FILES:
                candidate = f"{step.local}/{name}"
                if candidate not in stack and (found := self.load(candidate)) is not None:
                    break
            if found is not None:
                here = dataclasses.replace(inner, caller=f"{path}:{step.line}")
                self.steps(found.steps, found.path, here, (*stack, found.path))


PROVIDER = GitHubActions()
