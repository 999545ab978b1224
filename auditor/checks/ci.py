"""Continuous integration: which CI services are configured, and whether they test and lint.

CI configurations are read as text, line by line, never with a YAML library: ``run:`` and
``script:`` values, their lists and their multi-line ``run: |`` blocks, ``uses:`` actions, and
``sh '…'`` steps of a Jenkinsfile. Reading is linear in the size of the files and bounded.

A step often runs the tests through one level of indirection (``make test``, ``tox``,
``nox``, ``./scripts/test.sh``); the Makefile target, tox environment, nox session or script
is looked up in the snapshot and its own commands are judged. Indirection is followed once.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.model import Evidence, Outcome
from auditor.source.snapshot import Snapshot, fact, is_vendored

#: Display names of the CI services, in the order they are reported.
PROVIDER_LABELS = {
    "github-actions": "GitHub Actions",
    "gitlab-ci": "GitLab CI",
    "circleci": "CircleCI",
    "travis": "Travis CI",
    "azure-pipelines": "Azure Pipelines",
    "jenkins": "Jenkins",
    "bitbucket": "Bitbucket Pipelines",
    "drone": "Drone",
    "woodpecker": "Woodpecker",
    "buildkite": "Buildkite",
    "appveyor": "AppVeyor",
}

MAX_CI_FILES = 200
MAX_LINES_PER_FILE = 10_000
MAX_COMMAND_CHARS = 2_000
MAX_SCRIPT_LINES = 2_000

_YAML = (".yml", ".yaml")

# ----------------------------------------------------------------------------- inventory


@dataclass(frozen=True)
class CiFile:
    """A CI configuration file and the service it belongs to."""

    provider: str
    path: str


@dataclass(frozen=True)
class CiCommand:
    """One command a CI configuration runs (``action`` for a ``uses:`` step)."""

    provider: str
    path: str
    line: int
    text: str
    action: bool = False


@dataclass(frozen=True)
class CiSetup:
    """Every CI configuration file in the snapshot and the commands they run."""

    files: tuple[CiFile, ...]
    commands: tuple[CiCommand, ...]

    @property
    def providers(self) -> tuple[str, ...]:
        found = {f.provider for f in self.files}
        return tuple(p for p in PROVIDER_LABELS if p in found)

    def paths_of(self, provider: str) -> list[str]:
        return [f.path for f in self.files if f.provider == provider]

    def describe(self) -> str:
        """``GitHub Actions (.github/workflows/ci.yml)``, for messages."""
        parts = []
        for provider in self.providers:
            paths = self.paths_of(provider)
            shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
            parts.append(f"{PROVIDER_LABELS[provider]} ({shown})")
        return "; ".join(parts)


def provider_of(path: str) -> str | None:
    """The CI service a file configures, or None when it is not a CI configuration."""
    lower = path.lower()
    parts = lower.split("/")
    name = parts[-1]
    folder = "/".join(parts[:-1])
    if folder == ".github/workflows" and name.endswith(_YAML):
        return "github-actions"
    if lower == ".gitlab-ci.yml" or lower == ".gitlab-ci.yaml":
        return "gitlab-ci"
    if folder == ".circleci" and name in ("config.yml", "config.yaml"):
        return "circleci"
    if lower == ".travis.yml":
        return "travis"
    if (lower.startswith("azure-pipelines") and name.endswith(_YAML) and not folder) or (
        folder in (".azure-pipelines", "azure-pipelines", ".pipelines") and name.endswith(_YAML)
    ):
        return "azure-pipelines"
    if (name == "jenkinsfile" or name.startswith("jenkinsfile.")) and len(parts) <= 2:
        return "jenkins"
    if lower in ("bitbucket-pipelines.yml", "bitbucket-pipelines.yaml"):
        return "bitbucket"
    if lower in (".drone.yml", ".drone.yaml"):
        return "drone"
    if lower in (".woodpecker.yml", ".woodpecker.yaml") or (
        folder == ".woodpecker" and name.endswith(_YAML)
    ):
        return "woodpecker"
    if folder == ".buildkite" and name.endswith(_YAML):
        return "buildkite"
    if lower in ("appveyor.yml", ".appveyor.yml", "appveyor.yaml", ".appveyor.yaml"):
        return "appveyor"
    return None


@fact
def ci_setup(snapshot: Snapshot) -> CiSetup:
    """The CI configuration files of the snapshot and every command they run."""
    files = sorted(
        (CiFile(provider, path) for path in snapshot.files if (provider := provider_of(path))),
        key=lambda f: (list(PROVIDER_LABELS).index(f.provider), f.path),
    )[:MAX_CI_FILES]
    sources = [(f.provider, f.path) for f in files]
    if any(f.provider == "github-actions" for f in files):
        # Local composite actions (`uses: ./.github/actions/setup`) run their steps in a workflow.
        sources += [
            ("github-actions", path)
            for path in sorted(snapshot.files)
            if path.startswith(".github/actions/") and PurePosixPath(path).name in _ACTION_FILES
        ][:MAX_CI_FILES]
    commands: list[CiCommand] = []
    for provider, path in sources:
        text = snapshot.text(path)
        if text is None:
            continue
        reader = read_jenkinsfile if provider == "jenkins" else read_yaml_commands
        for line, command, action in reader(text):
            commands.append(CiCommand(provider, path, line, command[:MAX_COMMAND_CHARS], action))
    return CiSetup(tuple(files), tuple(commands))


_ACTION_FILES = ("action.yml", "action.yaml")

#: Keys whose value (a string, a list or a block) is shell commands, across CI services.
COMMAND_KEYS = frozenset(
    {
        "run",
        "script",
        "scripts",
        "before_script",
        "after_script",
        "before_install",
        "install",
        "before_test",
        "test_script",
        "build_script",
        "after_test",
        "after_success",
        "commands",
        "command",
        "cmd",
        "ps",
        "sh",
        "bash",
        "pwsh",
        "powershell",
        "inlineScript",
    }
)
_YAML_KEY = re.compile(r"^(?P<lead>\s*(?:-\s+)*)(?P<key>[A-Za-z_][\w-]*)\s*:(?:\s+(?P<value>.*))?$")
_BLOCK_SCALAR = re.compile(r"^[|>][0-9+-]*$")


def read_yaml_commands(text: str) -> Iterator[tuple[int, str, bool]]:
    """(line, command, is_action) for each command of a YAML CI file, read as text.

    Understands ``key: command``, ``key: [a, b]``, ``key:`` followed by a ``- item`` list
    (also at the key's own indentation, as GitLab writes it), and block scalars
    (``run: |``, ``- |``) whose lines are each a command. Anything else is ignored.
    """
    block_column: int | None = None  # inside a block scalar indented deeper than this
    lists: list[int] = []  # columns of the command lists we are inside
    for number, raw in enumerate(text.splitlines()[:MAX_LINES_PER_FILE], start=1):
        line = raw.expandtabs(2)
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if block_column is not None:
            if not stripped:
                continue
            if indent > block_column:
                if not stripped.startswith("#"):
                    yield number, stripped, False
                continue
            block_column = None
        if not stripped or stripped.startswith("#"):
            continue
        while lists and (
            indent < lists[-1] or (indent == lists[-1] and not stripped.startswith("-"))
        ):
            lists.pop()
        content = _strip_comment(line)
        match = _YAML_KEY.match(content)
        if match:
            key, value = match["key"], (match["value"] or "").strip()
            column = len(match["lead"])
            if key == "uses" and value:
                yield number, _unquote(value), True
            elif key in COMMAND_KEYS:
                if not value:
                    lists.append(column)
                elif _BLOCK_SCALAR.match(value):
                    block_column = column
                else:
                    for item in _flow_items(value):
                        yield number, item, False
            continue
        if lists and stripped.startswith("-"):
            item = content.strip()[1:].strip()
            if _BLOCK_SCALAR.match(item):
                block_column = indent
            elif item:
                yield number, _unquote(item), False


_JENKINS_STEP = re.compile(
    r"""\b(?:sh|bat|powershell|pwsh)\b\s*\(?\s*(?:script\s*:\s*)?(?P<quote>'''|\"\"\"|'|")"""
)


def read_jenkinsfile(text: str) -> Iterator[tuple[int, str, bool]]:
    """(line, command, False) for each ``sh``/``bat`` step of a Jenkinsfile."""
    closing: str | None = None  # inside a triple-quoted step until this quote
    for number, raw in enumerate(text.splitlines()[:MAX_LINES_PER_FILE], start=1):
        if closing is not None:
            body, found, _ = raw.partition(closing)
            if body.strip() and not body.strip().startswith("#"):
                yield number, body.strip(), False
            if found:
                closing = None
            continue
        if raw.lstrip().startswith("//"):
            continue
        for match in _JENKINS_STEP.finditer(raw):
            quote = match["quote"]
            rest = raw[match.end() :]
            body, found, _ = rest.partition(quote)
            if body.strip():
                yield number, body.strip(), False
            if not found and len(quote) == 3:
                closing = quote
                break


def _strip_comment(line: str) -> str:
    """The line without a trailing ``# comment`` (a ``#`` inside quotes is kept)."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index].rstrip()
    return line.rstrip()


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _flow_items(value: str) -> list[str]:
    """``[a, "b c"]`` as its items; any other value as itself."""
    if value.startswith("[") and value.endswith("]"):
        items = re.findall(r"""\s*("[^"]*"|'[^']*'|[^,]+)\s*(?:,|$)""", value[1:-1])
        return [_unquote(item) for item in items if item.strip()]
    return [_unquote(value)]


# ----------------------------------------------------------------------------- what a command runs

_TEST_TOOLS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("pytest", r"(?<![\w-])py\.?test(?![\w-])"),
        ("unittest", r"(?<![\w-])unittest(?![\w-])"),
        ("nose", r"(?<![\w-])nose(?:2|tests)(?![\w-])"),
        ("Django's test runner", r"\bmanage\.py\s+test\b"),
        ("setup.py test", r"\bsetup\.py\s+test\b"),
        ("coverage run", r"(?<![\w-])coverage\s+run\b"),
        ("hatch test", r"(?<![\w-])hatch\s+test\b"),
        ("ward", r"^ward(?:\s|$)"),
        ("behave", r"^behave(?:\s|$)"),
        ("go test", r"(?<![\w-])go\s+test\b"),
        ("cargo test", r"(?<![\w-])cargo\s+(?:test|nextest)\b"),
        ("npm test", r"(?<![\w-])(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?test\b"),
        ("a JavaScript test runner", r"(?<![\w-])(?:jest|vitest|mocha)(?![\w-])"),
        ("a Java build's tests", r"(?<![\w-])(?:mvn|gradle|gradlew)\b.*\b(?:test|verify)\b"),
        ("dotnet test", r"(?<![\w-])dotnet\s+test\b"),
        ("ctest", r"(?<![\w-])ctest(?![\w-])"),
        ("rspec", r"(?<![\w-])rspec(?![\w-])"),
    )
)
_LINT_TOOLS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("ruff", r"(?<![\w-])ruff(?![\w-])"),
        ("flake8", r"(?<![\w-])flake8(?![\w-])"),
        ("pylint", r"(?<![\w-])pylint(?![\w-])"),
        ("black --check", r"(?<![\w-])black\b.*--(?:check|diff)\b"),
        ("isort --check", r"(?<![\w-])isort\b.*--(?:check|check-only|diff)\b"),
        ("mypy", r"(?<![\w-])mypy(?![\w-])"),
        ("pyright", r"(?<![\w-])(?:based)?pyright(?![\w-])"),
        ("pytype", r"(?<![\w-])pytype(?![\w-])"),
        ("pre-commit", r"(?<![\w-])pre-commit\s+run\b|(?<![\w-])prek\s+run\b"),
        ("pycodestyle", r"(?<![\w-])pycodestyle(?![\w-])"),
        ("pydocstyle", r"(?<![\w-])pydocstyle(?![\w-])"),
        ("pyflakes", r"(?<![\w-])pyflakes(?![\w-])"),
        ("pylama", r"(?<![\w-])pylama(?![\w-])"),
        ("prospector", r"(?<![\w-])prospector(?![\w-])"),
        ("bandit", r"(?<![\w-])bandit(?![\w-])"),
        ("eslint", r"(?<![\w-])eslint(?![\w-])"),
        ("prettier --check", r"(?<![\w-])prettier\b.*--check\b"),
        ("golangci-lint", r"(?<![\w-])golangci-lint(?![\w-])"),
        ("cargo clippy", r"(?<![\w-])cargo\s+(?:clippy|fmt\s+.*--check)\b"),
    )
)
#: ``uses:`` actions that lint (matched against ``owner/name`` of the action).
_LINT_ACTION = re.compile(
    r"ruff|flake8|pylint|black|isort|mypy|pyright|pre-commit|super-linter|linter|lint-action"
)
_TEST_ACTION = re.compile(r"pytest|(?<![\w-])tox(?![\w])|nox-action")

#: Command words that install, print or fetch things: they mention tools without running them.
_INERT = re.compile(
    r"^(?:sudo\s+)?(?:"
    r"(?:(?:python[\d.]*|py)\s+-m\s+)?(?:pip3?|uv\s+pip|pipx|conda|mamba|micromamba)\s+install\b"
    r"|(?:uv|poetry|pdm|rye)\s+(?:add|sync|install|lock)\b"
    r"|pipenv\s+install\b|apt(?:-get)?\s|brew\s|choco\s|yum\s|dnf\s|apk\s"
    r"|(?:npm|yarn|pnpm)\s+(?:install|ci|add)\b|uv\s+tool\s+install\b"
    r"|echo\b|printf\b|cat\b|ls\b|cd\b|export\b|which\b|curl\b|wget\b|mkdir\b|rm\b|cp\b|mv\b"
    r"|git\s|#)"
)
_PYTHON = re.compile(r"^(?:python[\d.]*|py)$")
_SEGMENT_SPLIT = re.compile(r"&&|\|\||;|\|")
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")
_WRAPPERS = {"sudo", "time", "env", "exec", "xvfb-run", "command", "call", "uvx"}
_RUN_WRAPPERS = {"poetry", "uv", "pipenv", "pdm", "hatch", "rye", "conda", "micromamba", "pixi"}
_INTERPRETERS = re.compile(r"^(?:bash|sh|zsh|dash|source|\.|pwsh|powershell|py|python[\d.]*)$")
_SCRIPT_SUFFIXES = (".sh", ".bash", ".py", ".ps1", ".bat", ".cmd")
_VALUE_OPTIONS = {"-n", "--name", "-p", "--prefix", "--with", "--group", "--extra", "-e", "--env"}
_VALUE_OPTIONS |= {"--python", "--directory", "--project", "--package", "--environment"}
_TASK_RUNNERS = {"just", "task", "invoke", "inv", "poe", "doit", "npm", "yarn", "pnpm", "bun"}

_TEST_NAME_WORDS = {"test", "tests", "testing", "unittest", "unittests", "pytest", "unit", "cov"}
_TEST_NAME_WORDS |= {"coverage", "integration", "e2e", "testsuite", "runtests"}
_LINT_NAME_WORDS = {"lint", "lints", "linting", "linter", "check", "checks", "typecheck"}
_LINT_NAME_WORDS |= {"typing", "types", "mypy", "pyright", "style", "flake8", "ruff", "static"}
_LINT_NAME_WORDS |= {"precommit", "pre-commit", "qa", "format-check", "fmt-check", "typechecks"}


def _name_words(name: str) -> set[str]:
    stem = PurePosixPath(name).stem if "/" in name or "." in name else name
    words = {w for w in re.split(r"[^a-z0-9]+", stem.lower()) if w}
    # `run_tests`, `test-all`, `tests.sh`: any word starting with test counts
    return words | {"test" for w in words if w.startswith("test")}


def test_like(name: str) -> bool:
    """Whether a target, session, environment or script name says it runs the tests."""
    return bool(_name_words(name) & _TEST_NAME_WORDS)


def lint_like(name: str) -> bool:
    """Whether a target, session, environment or script name says it lints or type-checks."""
    lowered = name.lower()
    return bool(_name_words(name) & _LINT_NAME_WORDS) or "pre-commit" in lowered


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
        shown = _short(self.command.text)
        if self.via is None:
            return f"`{shown}` ({where})"
        return f"`{shown}` ({where}), {self.via.note} ({self.via.path}:{self.via.line})"


@dataclass(frozen=True)
class CiActivity:
    """What the CI commands run: test runners, linters, and indirections that led nowhere."""

    tests: tuple[ToolRun, ...]
    lint: tuple[ToolRun, ...]
    dead_ends: tuple[str, ...] = ()


def direct_tools(text: str) -> list[tuple[str, str]]:
    """(role, tool) for each test runner or linter a shell command line runs itself."""
    found: list[tuple[str, str]] = []
    for segment in _segments(text):
        for name, pattern in _TEST_TOOLS:
            if pattern.search(segment):
                found.append(("test", name))
        for name, pattern in _LINT_TOOLS:
            if pattern.search(segment):
                found.append(("lint", name))
    return found


def _segments(text: str) -> Iterator[str]:
    for segment in _SEGMENT_SPLIT.split(text):
        segment = segment.strip().strip("()").strip()
        if segment and not _INERT.match(segment.lower()):
            yield segment


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _Collector:
    snapshot: Snapshot
    tests: list[ToolRun] = field(default_factory=list)
    lint: list[ToolRun] = field(default_factory=list)
    dead_ends: list[str] = field(default_factory=list)

    def add(self, role: str, tool: str, command: CiCommand, via: Evidence | None = None) -> None:
        run = ToolRun(role, tool, command, via)
        (self.tests if role == "test" else self.lint).append(run)

    def command(self, command: CiCommand) -> None:
        if command.action:
            action = command.text.lower().split("@", 1)[0]
            if _LINT_ACTION.search(action):
                self.add("lint", f"the {command.text.split('@', 1)[0]} action", command)
            if _TEST_ACTION.search(action):
                self.add("test", f"the {command.text.split('@', 1)[0]} action", command)
            return
        for role, tool in direct_tools(command.text):
            self.add(role, tool, command)
        cwd = ""  # `cd backend && make test` looks for backend/Makefile
        for segment in _SEGMENT_SPLIT.split(command.text):
            segment = segment.strip().strip("()").strip()
            change = _CD.match(segment)
            if change:
                cwd = _relative(cwd, change["dir"])
            elif segment and not _INERT.match(segment.lower()):
                self.indirection(segment, command, cwd)

    def indirection(self, segment: str, command: CiCommand, cwd: str = "") -> None:
        words, wrapped = _command_words(segment)
        if not words:
            return
        head = words[0]
        if head in ("make", "gmake", "$(make)", "${make}", "mingw32-make"):
            self.make(words[1:], command, cwd)
        elif head == "tox":
            self.tox(words[1:], command)
        elif head == "nox":
            self.nox(words[1:], command)
        elif head in _TASK_RUNNERS:
            self.task(words[1:], command, head)
        else:
            self.script(words, command, wrapped, cwd)

    # -- make
    def make(self, args: list[str], command: CiCommand, cwd: str = "") -> None:
        makefile_names = ("Makefile", "makefile", "GNUmakefile")
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
        candidates += [prefix + name for name in makefile_names]
        path = next((c for c in candidates if c in self.snapshot.files), None)
        if path is None:
            self.dead_ends.append(
                f"`{_short(command.text)}` ({command.path}:{command.line}) runs make, "
                "but there is no Makefile"
            )
            return
        rules = makefile_rules(self.snapshot, path)
        if not targets:
            targets = [next(iter(rules))] if rules else []
        for target in targets:
            rule = rules.get(target)
            if rule is None:
                self.dead_ends.append(
                    f"`{_short(command.text)}` ({command.path}:{command.line}) runs "
                    f"`make {target}`, but {path} has no `{target}` target"
                )
                continue
            body = list(rule.recipe)
            for prerequisite in rule.prerequisites:
                if prerequisite in rules:
                    body.extend(rules[prerequisite].recipe)
            label = f"the `{target}` target"
            self.body(body, path, label, target, command, rule.line)

    # -- tox
    def tox(self, args: list[str], command: CiCommand) -> None:
        config = tox_config(self.snapshot)
        if config is None:
            self.dead_ends.append(
                f"`{_short(command.text)}` ({command.path}:{command.line}) runs tox, "
                "but there is no tox configuration"
            )
            return
        envs = _option_values(args, ("-e", "--env", "-f", "--factor")) or list(config.env_list)
        if not envs:  # no env list: tox runs its default environment, and named ones on request
            envs = ["", *(name for name in config.envs if name)]
        for env in envs:
            section = config.envs.get(env) or config.envs.get("")
            lines = section.commands if section else ()
            name = env or "testenv"
            line = section.line if section else 1
            default_test = bool(re.fullmatch(r"(?:py|pypy)[\d.]*(?:-.*)?", env) or not env)
            self.body(lines, config.path, f"tox env `{name}`", name, command, line, default_test)

    # -- nox
    def nox(self, args: list[str], command: CiCommand) -> None:
        sessions = nox_sessions(self.snapshot)
        if sessions is None:
            self.dead_ends.append(
                f"`{_short(command.text)}` ({command.path}:{command.line}) runs nox, "
                "but there is no noxfile.py"
            )
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

    # -- task runners: judged by the task's name
    def task(self, args: list[str], command: CiCommand, runner: str) -> None:
        names = [a for a in args if not a.startswith("-")]
        if runner in ("npm", "yarn", "pnpm", "bun") and names[:1] == ["run"]:
            names = names[1:]
        if not names:
            return
        name = names[0]
        if test_like(name):
            self.add("test", f"the `{name}` task", command)
        elif lint_like(name):
            self.add("lint", f"the `{name}` task", command)

    # -- a script of the repository
    def script(self, words: list[str], command: CiCommand, wrapped: bool, cwd: str = "") -> None:
        candidate: str | None = None
        if _INTERPRETERS.match(words[0]):
            rest = [w for w in words[1:] if not w.startswith("-")]
            candidate = rest[0] if rest else None
        elif "/" in words[0] or words[0].endswith(_SCRIPT_SUFFIXES):
            candidate = words[0]
        elif wrapped and len(words) == 1:
            # `hatch run test`, `pdm run lint`: a named script of the project's tool config
            if test_like(words[0]):
                self.add("test", f"the `{words[0]}` script", command)
            elif lint_like(words[0]):
                self.add("lint", f"the `{words[0]}` script", command)
            return
        if candidate is None:
            return
        path = _relative(cwd, candidate.strip("'\""))
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


_CD = re.compile(r"^(?:cd|pushd)\s+(?P<dir>[^\s;&|]+)\s*$")


def _relative(cwd: str, path: str) -> str:
    """``path`` (as a command gives it) relative to the repository root, from ``cwd``."""
    path = path.strip("'\"")
    if not path or path.startswith(("/", "~", "$")):
        return ""  # outside the checkout or unknown: the root is the best guess
    joined = posixpath.normpath(posixpath.join(cwd, path))
    return "" if joined in (".", "..") or joined.startswith("../") else joined


def _command_words(segment: str) -> tuple[list[str], bool]:
    """The words of a command without env assignments, wrappers, ``X run`` and ``python -m``.

    The flag says whether a ``poetry run``-like wrapper was removed: the next word may then
    name a script of the project's tool configuration.
    """
    words = [w.strip("'\"") for w in segment.split()]
    wrapped = False
    while words:
        head = words[0].lower()
        if _ENV_ASSIGNMENT.match(words[0]) or head in _WRAPPERS:
            words = words[1:]
        elif head in _RUN_WRAPPERS and len(words) > 1 and words[1] == "run":
            words, wrapped = words[2:], True
            while words and words[0].startswith("-"):
                # `conda run -n env`, `uv run --with x`: an option, and its value if it takes one
                takes_value = words[0] in _VALUE_OPTIONS and len(words) > 1
                words = words[2:] if takes_value else words[1:]
        elif (head == "pipx" and words[1:2] == ["run"]) or (
            _PYTHON.match(head) and words[1:2] == ["-m"]
        ):
            words = words[2:]
        else:
            break
    if words:
        words[0] = words[0].lower()
    return words, wrapped


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


@fact
def ci_activity(snapshot: Snapshot) -> CiActivity:
    """The test runners and linters the CI commands run, with where they are run."""
    collector = _Collector(snapshot)
    for command in ci_setup(snapshot).commands:
        collector.command(command)
    return CiActivity(
        tuple(collector.tests), tuple(collector.lint), tuple(dict.fromkeys(collector.dead_ends))
    )


# ----------------------------------------------------------------------------- Makefiles, tox, nox


@dataclass(frozen=True)
class MakeRule:
    """One Makefile target: where it is, what it depends on, its recipe lines."""

    line: int
    prerequisites: tuple[str, ...]
    recipe: tuple[tuple[int, str], ...]


_MAKE_RULE = re.compile(r"^(?P<targets>[^\s:=#][^:=#]*?)\s*::?(?!=)(?P<rest>.*)$")


def parse_makefile(text: str) -> dict[str, MakeRule]:
    """The explicit targets of a Makefile (first rule wins), read line by line."""
    rules: dict[str, MakeRule] = {}
    current: list[str] = []
    recipe: list[tuple[int, str]] = []
    pending: tuple[int, tuple[str, ...]] | None = None

    def close() -> None:
        if pending is not None:
            for target in current:
                rules.setdefault(target, MakeRule(pending[0], pending[1], tuple(recipe)))

    lines = text.splitlines()[:MAX_LINES_PER_FILE]
    for number, raw in enumerate(lines, start=1):
        if raw.startswith("\t") or (raw.startswith("  ") and pending is not None and raw.strip()):
            if pending is not None and raw.strip() and not raw.strip().startswith("#"):
                recipe.append((number, raw.strip().lstrip("@-+").strip()))
            continue
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = _MAKE_RULE.match(raw)
        close()
        if match is None or match["rest"].startswith("="):
            current, recipe, pending = [], [], None
            continue
        targets = [t for t in match["targets"].split() if not t.startswith(".")]
        rest, _, inline = match["rest"].partition(";")
        current, recipe = targets, []
        if inline.strip():
            recipe.append((number, inline.strip()))
        pending = (number, tuple(rest.split()))
    close()
    return rules


def makefile_rules(snapshot: Snapshot, path: str) -> dict[str, MakeRule]:
    return _makefiles(snapshot).get(path) or {}


@fact
def _makefiles(snapshot: Snapshot) -> dict[str, dict[str, MakeRule]]:
    parsed: dict[str, dict[str, MakeRule]] = {}
    for path, entry in snapshot.files.items():
        if entry.name in ("Makefile", "makefile", "GNUmakefile") and not is_vendored(path):
            text = snapshot.text(path)
            if text is not None:
                parsed[path] = parse_makefile(text)
    return parsed


@dataclass(frozen=True)
class ToxEnv:
    line: int
    commands: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ToxConfig:
    """The tox environments of a project (``""`` is the base ``[testenv]``)."""

    path: str
    envs: dict[str, ToxEnv]
    env_list: tuple[str, ...]


_INI_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\]\s*$")
_INI_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w.-]*)\s*[=:]\s*(?P<value>.*)$")


def parse_tox(path: str, text: str) -> ToxConfig | None:
    """tox.ini (or ``[tox:tox]`` in setup.cfg, or ``[tool.tox]``/tox.toml) read line by line."""
    envs: dict[str, ToxEnv] = {}
    env_list: list[str] = []
    section: str | None = None
    section_line = 0
    commands: list[tuple[int, str]] = []
    key: str | None = None
    brackets = 0
    seen_tox = path.endswith("tox.toml")

    def close() -> None:
        if section is not None and section not in envs:
            envs[section] = ToxEnv(section_line, tuple(commands))

    for number, raw in enumerate(text.splitlines()[:MAX_LINES_PER_FILE], start=1):
        stripped = raw.strip()
        header = _INI_SECTION.match(stripped)
        if header and brackets <= 0:
            close()
            section, key, commands, section_line = _tox_section(header["name"]), None, [], number
            seen_tox = seen_tox or header["name"].strip() in ("tox", "tox:tox", "tool.tox")
            seen_tox = seen_tox or section is not None
            continue
        if not stripped or stripped.startswith(("#", ";")):
            continue
        continuation = raw[:1].isspace() or brackets > 0
        match = None if continuation else _INI_KEY.match(stripped)
        if match:
            key = match["key"].replace("-", "_")
            value = match["value"].strip()
            brackets = value.count("[") - value.count("]")
            if key in ("envlist", "env_list"):
                env_list.extend(_tox_names(value))
        elif continuation and key is not None:
            value = stripped
            brackets += value.count("[") - value.count("]")
            if key in ("envlist", "env_list"):
                env_list.extend(_tox_names(value))
        else:
            key = None
            continue
        if section is not None and key in ("commands", "commands_pre") and value:
            command = " ".join(re.findall(r"""["']([^"']*)["']""", value)) or value
            if command.strip("[], "):
                commands.append((number, command))
    close()
    if not seen_tox:
        return None
    return ToxConfig(path, envs, tuple(dict.fromkeys(env_list)))


def _tox_section(name: str) -> str | None:
    name = name.strip()
    for prefix in ("testenv:", "tool.tox.env.", "env.", "tool.tox.env_run_base"):
        if name.startswith(prefix):
            rest = name[len(prefix) :].strip().strip('"')
            return "" if prefix == "tool.tox.env_run_base" else rest
    if name in ("testenv", "env_run_base"):
        return ""
    return None


def _tox_names(value: str) -> list[str]:
    """Environment names of an env list; ``py{311,312}-django`` stands for its first expansion."""
    value = re.sub(r"\{([^{}]*)\}", lambda m: m.group(1).split(",")[0].strip(), value)
    return [n for n in re.split(r"[\s,\[\]\"']+", value) if n]


@fact
def tox_config(snapshot: Snapshot) -> ToxConfig | None:
    """The project's tox configuration, from tox.ini, tox.toml, setup.cfg or pyproject.toml."""
    for path in ("tox.ini", "tox.toml", "setup.cfg", "pyproject.toml"):
        text = snapshot.text(path) if path in snapshot.files else None
        if text is None:
            continue
        if path == "setup.cfg" and "[tox:tox]" not in text:
            continue
        if path == "pyproject.toml" and "[tool.tox" not in text:
            continue
        config = parse_tox(path, text)
        if config is not None:
            return config
    return None


@dataclass(frozen=True)
class NoxSession:
    name: str
    line: int
    commands: tuple[tuple[int, str], ...]


@fact
def nox_sessions(snapshot: Snapshot) -> tuple[NoxSession, ...] | None:
    """The sessions of noxfile.py with the commands each runs, or None without a noxfile."""
    module = next((m for m in snapshot.python_modules if m.path == "noxfile.py"), None)
    if module is None:
        return None
    if module.tree is None:
        return ()
    sessions: list[NoxSession] = []
    for node in module.tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        name = _nox_session_name(node)
        if name is None:
            continue
        commands = []
        for call in ast.walk(node):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr in ("run", "run_always")
            ):
                words = [_literal_text(arg) for arg in call.args]
                commands.append((call.lineno, " ".join(w for w in words if w)))
        sessions.append(NoxSession(name, node.lineno, tuple(commands)))
    return tuple(sessions)


def _nox_session_name(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name != "session":
            continue
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
        return node.name
    return None


def _literal_text(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Starred | ast.List | ast.Tuple):
        return "…"
    return ""


# ----------------------------------------------------------------------------- primitives


def _first(runs: tuple[ToolRun, ...], limit: int = 3) -> tuple[ToolRun, ...]:
    """The first run of each distinct tool, up to ``limit``."""
    seen: dict[str, ToolRun] = {}
    for run in runs:
        seen.setdefault(run.tool, run)
    return tuple(seen.values())[:limit]


def _evidence(runs: tuple[ToolRun, ...]) -> tuple[Evidence, ...]:
    return tuple(e for run in runs for e in run.evidence)


@primitive("ci_configured")
def ci_configured(snapshot: Snapshot) -> Outcome:
    """A configuration file of a CI service is committed."""
    setup = ci_setup(snapshot)
    if not setup.files:
        return Outcome.failed(
            "No CI configuration found (looked for .github/workflows/*.yml, .gitlab-ci.yml, "
            ".circleci/config.yml, .travis.yml, azure-pipelines.yml, Jenkinsfile, "
            "bitbucket-pipelines.yml, .drone.yml, .woodpecker.yml, .buildkite/, appveyor.yml)."
        )
    return Outcome.passed(
        f"CI is configured: {setup.describe()}.",
        tuple(Evidence(f.path, None, PROVIDER_LABELS[f.provider]) for f in setup.files[:10]),
    )


@primitive("ci_runs_tests")
def ci_runs_tests(snapshot: Snapshot) -> Outcome:
    """A CI command runs the test suite, directly or through make, tox, nox or a script."""
    setup = ci_setup(snapshot)
    if not setup.files:
        return Outcome.skipped("There is no CI configuration, so there is nothing to run tests.")
    runs = _first(ci_activity(snapshot).tests)
    if runs:
        shown = "; ".join(run.describe() for run in runs)
        return Outcome.passed(f"CI runs the tests: {shown}.", _evidence(runs))
    return Outcome.failed(_nothing_runs(snapshot, setup, "the tests", "pytest"), _ci_files(setup))


@primitive("ci_runs_lint")
def ci_runs_lint(snapshot: Snapshot) -> Outcome:
    """A CI command or action runs a linter, formatter check or type checker."""
    setup = ci_setup(snapshot)
    if not setup.files:
        return Outcome.skipped("There is no CI configuration, so there is nothing to run linters.")
    runs = _first(ci_activity(snapshot).lint)
    if runs:
        shown = "; ".join(run.describe() for run in runs)
        return Outcome.passed(f"CI runs linters or type checkers: {shown}.", _evidence(runs))
    return Outcome.failed(
        _nothing_runs(snapshot, setup, "a linter, formatter check or type checker", "ruff check"),
        _ci_files(setup),
    )


def _nothing_runs(snapshot: Snapshot, setup: CiSetup, what: str, example: str) -> str:
    count = sum(1 for c in setup.commands if not c.action)
    runs = f"none of its {count} command(s) runs {what}" if count else "it runs no commands"
    message = f"CI is configured ({setup.describe()}) but {runs}; add a step that runs `{example}`."
    dead_ends = ci_activity(snapshot).dead_ends
    if dead_ends:
        message += " Looked through: " + "; ".join(dead_ends[:3]) + "."
    return message


def _ci_files(setup: CiSetup) -> tuple[Evidence, ...]:
    return tuple(Evidence(f.path) for f in setup.files[:10])


@signal_group("ci")
def ci_signals(snapshot: Snapshot) -> dict[str, Any]:
    """CI services found, their files, and whether they run tests and linters."""
    setup = ci_setup(snapshot)
    activity = ci_activity(snapshot)
    return {
        "providers": list(setup.providers),
        "runs_tests": bool(activity.tests),
        "runs_lint": bool(activity.lint),
        "files": [f.path for f in setup.files],
    }
