"""Packaging, running, deploying: can someone install the project, run it and see it live?

Manifests are read from the snapshot as text: TOML with ``tomllib`` (a malformed file is
reported, never raised), requirement files and ``setup.cfg`` line by line, ``setup.py`` from
its shared syntax tree (never executed). The README comes parsed from ``readme(snapshot)``.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from auditor.checks.ci import ci_setup
from auditor.checks.registry import primitive
from auditor.facts.links import is_live_site, names_a_demo
from auditor.model import Evidence, Outcome
from auditor.source.python import ParsedModule, module_summary
from auditor.source.readme import readme
from auditor.source.snapshot import Snapshot, fact, is_vendored

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MAX_REQUIREMENT_LINES = 5_000
MAX_EVIDENCE = 5

# ----------------------------------------------------------------------------- pyproject.toml


@dataclass(frozen=True)
class TomlFile:
    """A TOML file of the snapshot: its data, or why it could not be read."""

    path: str
    text: str
    data: dict[str, Any]
    error: str | None = None


def read_toml(snapshot: Snapshot, path: str) -> TomlFile | None:
    """A TOML file parsed with tomllib; None when absent, ``error`` set when malformed."""
    text = snapshot.text(path) if path in snapshot.files else None
    if text is None:
        return None
    try:
        return TomlFile(path, text, tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        return TomlFile(path, text, {}, f"not valid TOML ({exc})")


@fact
def pyproject(snapshot: Snapshot) -> TomlFile | None:
    """The root pyproject.toml, parsed once."""
    return read_toml(snapshot, "pyproject.toml")


def _table(data: Any, *keys: str) -> dict[str, Any]:
    """A nested table of TOML data, or {} when any level is missing or not a table."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


_PROJECT_TABLES = ("project", "build-system", "dependency-groups")
_PROJECT_TOOLS = ("poetry", "flit", "pdm", "hatch", "setuptools", "maturin", "uv")


def _declares_project(file: TomlFile) -> bool:
    """Whether a pyproject.toml describes a project (not only tool settings like [tool.ruff])."""
    tools = _table(file.data, "tool")
    return any(t in file.data for t in _PROJECT_TABLES) or any(t in tools for t in _PROJECT_TOOLS)


# ----------------------------------------------------------------------------- manifests

_PYTHON_MANIFESTS = (
    "setup.py",
    "setup.cfg",
    "pipfile",
    "pipfile.lock",
    "environment.yml",
    "environment.yaml",
    "conda.yml",
    "conda.yaml",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "pixi.toml",
    "pylock.toml",
    "requirements.in",
)
_OTHER_MANIFESTS = (
    "package.json",
    "cargo.toml",
    "go.mod",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "gemfile",
    "composer.json",
)
LOCK_FILES = (
    "uv.lock",
    "poetry.lock",
    "pipfile.lock",
    "pdm.lock",
    "pixi.lock",
    "pylock.toml",
    "conda-lock.yml",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "cargo.lock",
    "go.sum",
    "gemfile.lock",
    "composer.lock",
)


def _near_root(path: str) -> bool:
    """At the root or one folder down (``backend/requirements.txt``), outside vendored code."""
    return path.count("/") <= 1 and not is_vendored(path)


def is_requirements_file(path: str) -> bool:
    """``requirements*.txt`` (root or one folder down) or any .txt in a requirements/ folder."""
    parts = path.lower().split("/")
    if parts[0] in ("docs", "doc"):  # what builds the documentation, not the project
        return False
    if len(parts) == 2 and parts[0] == "requirements":
        return parts[1].endswith(".txt")
    return _near_root(path) and bool(re.match(r"^requirements[\w.-]*\.txt$", parts[-1]))


@dataclass(frozen=True)
class Manifests:
    """The dependency manifests and lock files of the project."""

    manifests: tuple[str, ...]
    locks: tuple[str, ...]
    problems: tuple[str, ...]  # manifests that exist but cannot be used


@fact
def manifests(snapshot: Snapshot) -> Manifests:
    """Dependency manifests and lock files at the root or one folder down."""
    found: list[str] = []
    locks: list[str] = []
    problems: list[str] = []
    for path in sorted(snapshot.files, key=lambda p: (p.count("/"), p)):
        if not _near_root(path) and not is_requirements_file(path):
            continue
        name = PurePosixPath(path).name.lower()
        if name == "pyproject.toml":
            file = pyproject(snapshot) if path == "pyproject.toml" else read_toml(snapshot, path)
            if file is None:
                continue
            if file.error:
                problems.append(f"{path} is {file.error}")
            elif _declares_project(file):
                found.append(path)
            else:
                problems.append(f"{path} only configures tools (no [project] table)")
            continue
        if name in _PYTHON_MANIFESTS or name in _OTHER_MANIFESTS or is_requirements_file(path):
            found.append(path)
        if name in LOCK_FILES or (is_requirements_file(path) and _compiled(snapshot, path)):
            locks.append(path)
    return Manifests(tuple(found), tuple(locks), tuple(problems))


_COMPILED_MARKERS = ("autogenerated by pip-compile", "uv pip compile", "--hash=")


def _compiled(snapshot: Snapshot, path: str) -> bool:
    """A requirements file generated by pip-compile/uv, or one where every line pins ``==``."""
    text = snapshot.text(path) or ""
    if any(marker in text for marker in _COMPILED_MARKERS):
        return True
    requirements = list(_requirement_lines(path, text))
    return bool(requirements) and all(
        re.search(r"===?\s*[\w*]", r.spec) and not re.search(r"[<>~!]|\*", r.spec)
        for r in requirements
    )


# ----------------------------------------------------------------------------- requirements


@dataclass(frozen=True)
class Requirement:
    """One declared dependency and whether it carries a version specifier."""

    name: str
    spec: str  # the specifier part (``>=2.0``, ``@ git+…``), markers removed
    path: str
    line: int | None

    @property
    def versioned(self) -> bool:
        return bool(re.search(r"[<>=~!^]|^@|\d", self.spec)) and self.spec.strip() != "*"


_REQUIREMENT = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>.*)$"
)


def parse_requirement(text: str, path: str, line: int | None) -> Requirement | None:
    """A PEP 508 requirement string, or None when it is not one (options, URLs, paths)."""
    match = _REQUIREMENT.match(text.split(";", 1)[0].strip())
    if match is None:
        return None
    spec = match["spec"].strip()
    if spec.startswith(("/", ".", ":")):  # a local path or a URL scheme, not a name
        return None
    return Requirement(match["name"], spec, path, line)


def _requirement_lines(path: str, text: str) -> Iterator[Requirement]:
    """Requirements of a requirements.txt: comments, options and continuations handled."""
    logical = ""
    start = 0
    for number, raw in enumerate(text.splitlines()[:MAX_REQUIREMENT_LINES], start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not logical:
            start = number
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        entry, logical = logical.strip(), ""
        if not entry or entry.startswith("-") or "://" in entry.split("@", 1)[0]:
            continue
        requirement = parse_requirement(entry.split(" --", 1)[0], path, start)
        if requirement is not None:
            yield requirement


def _line_of(text: str, needle: str) -> int | None:
    """The first line holding ``needle`` (TOML parsers give no positions)."""
    index = text.find(needle)
    return None if index < 0 else text.count("\n", 0, index) + 1


def _key_line(text: str, key: str) -> int | None:
    """The line of a TOML key at the start of a line (``key = …``), else of its first mention."""
    match = re.search(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else _line_of(text, key)


def _toml_requirements(file: TomlFile) -> Iterator[Requirement]:
    project = _table(file.data, "project")
    dependencies = project.get("dependencies")
    if isinstance(dependencies, list):
        for item in dependencies:
            if isinstance(item, str):
                req = parse_requirement(item, file.path, _line_of(file.text, item))
                if req is not None:
                    yield req
    poetry = _table(file.data, "tool", "poetry", "dependencies")
    yield from _table_requirements(file, poetry, skip=("python",))


def _table_requirements(
    file: TomlFile, table: dict[str, Any], skip: tuple[str, ...] = ()
) -> Iterator[Requirement]:
    """``name = "^1.0"`` / ``name = {version = "…"}`` tables (Poetry, Pipfile)."""
    for name, value in table.items():
        if name.lower() in skip:
            continue
        if isinstance(value, dict):
            explicit = any(k in value for k in ("git", "path", "url", "file"))
            spec = "@ source" if explicit else str(value.get("version", "*"))
        else:
            spec = str(value)
        line = _key_line(file.text, name)
        yield Requirement(name, "" if spec.strip() == "*" else spec, file.path, line)


def _setup_cfg_requirements(path: str, text: str) -> Iterator[Requirement]:
    section = ""
    taking = False
    for number, raw in enumerate(text.splitlines()[:MAX_REQUIREMENT_LINES], start=1):
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section, taking = stripped[1:-1].strip(), False
            continue
        if section != "options" or not stripped or stripped.startswith(("#", ";")):
            continue
        if not raw[:1].isspace():
            key, _, value = stripped.partition("=")
            taking = key.strip() == "install_requires"
            stripped = value.strip()
        if taking and stripped:
            req = parse_requirement(stripped, path, number)
            if req is not None:
                yield req


def _setup_py_requirements(snapshot: Snapshot, path: str) -> Iterator[Requirement]:
    module = next((m for m in snapshot.python_modules if m.path == path), None)
    if module is None or module.tree is None:
        return
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "install_requires" and isinstance(
                keyword.value, ast.List | ast.Tuple
            ):
                for element in keyword.value.elts:
                    if isinstance(element, ast.Constant) and isinstance(element.value, str):
                        req = parse_requirement(element.value, path, element.lineno)
                        if req is not None:
                            yield req


def _environment_requirements(path: str, text: str) -> Iterator[Requirement]:
    """``dependencies:`` items of a conda environment file (and its ``pip:`` list)."""
    column: int | None = None
    for number, raw in enumerate(text.splitlines()[:MAX_REQUIREMENT_LINES], start=1):
        stripped = raw.split("#", 1)[0].strip()
        indent = len(raw) - len(raw.lstrip())
        if not stripped:
            continue
        if stripped.startswith("dependencies:"):
            column = indent
            continue
        if column is None:
            continue
        if indent <= column and not stripped.startswith("-"):
            column = None
            continue
        item = stripped.lstrip("-").strip().split("::")[-1]  # `conda-forge::numpy`
        if not item or item.endswith(":") or item.lower() in ("pip", "python"):
            continue
        name = re.split(r"[=<>!~\s]", item, maxsplit=1)[0]
        yield Requirement(name, item[len(name) :].strip(), path, number)


@fact
def requirements(snapshot: Snapshot) -> tuple[Requirement, ...]:
    """Every dependency the manifests declare (best effort; setup.py is never run)."""
    found: list[Requirement] = []
    for path in manifests(snapshot).manifests:
        name = PurePosixPath(path).name.lower()
        text = snapshot.text(path) or ""
        if name == "pyproject.toml":
            file = pyproject(snapshot) if path == "pyproject.toml" else read_toml(snapshot, path)
            if file is not None:
                found.extend(_toml_requirements(file))
        elif name == "pipfile":
            file = read_toml(snapshot, path)
            if file is not None:
                found.extend(_table_requirements(file, _table(file.data, "packages")))
        elif name == "setup.cfg":
            found.extend(_setup_cfg_requirements(path, text))
        elif name == "setup.py":
            found.extend(_setup_py_requirements(snapshot, path))
        elif name.startswith(("environment.", "conda.")):
            found.extend(_environment_requirements(path, text))
        elif is_requirements_file(path):
            found.extend(_requirement_lines(path, text))
    return tuple(found)


# ----------------------------------------------------------------------------- entry points


@dataclass(frozen=True)
class EntryPoint:
    """A way the project is started: a console script, a ``__main__`` guard, a __main__.py."""

    kind: str  # "console script", "__main__ block", "__main__.py"
    name: str
    path: str
    line: int | None
    target: str | None = None  # ``package.module:function`` for a console script

    @property
    def module_paths(self) -> tuple[str, ...]:
        """Where the module a console script calls may live (flat or src layout)."""
        if not self.target:
            return ()
        module = self.target.split(":", 1)[0].strip().replace(".", "/")
        return (
            f"{module}.py",
            f"{module}/__init__.py",
            f"src/{module}.py",
            f"src/{module}/__init__.py",
        )


@fact
def console_scripts(snapshot: Snapshot) -> tuple[EntryPoint, ...]:
    """Console scripts declared in pyproject.toml, setup.cfg or setup.py."""
    found: list[EntryPoint] = []
    file = pyproject(snapshot)
    if file is not None:
        tables = (
            _table(file.data, "project", "scripts"),
            _table(file.data, "project", "gui-scripts"),
            _table(file.data, "tool", "poetry", "scripts"),
        )
        for table in tables:
            for name, target in table.items():
                line = _key_line(file.text, name)
                found.append(EntryPoint("console script", name, file.path, line, str(target)))
    cfg = snapshot.text("setup.cfg") if "setup.cfg" in snapshot.files else None
    if cfg is not None:
        found.extend(_setup_cfg_scripts(cfg))
    module = next((m for m in snapshot.python_modules if m.path == "setup.py"), None)
    if module is not None and module.tree is not None:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.keyword) and node.arg == "entry_points":
                for constant in ast.walk(node.value):
                    if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                        name = constant.value.split("=", 1)[0].strip()
                        if "=" in constant.value and name:
                            found.append(
                                EntryPoint("console script", name, "setup.py", constant.lineno)
                            )
    return tuple(found)


def _setup_cfg_scripts(text: str) -> Iterator[EntryPoint]:
    section, taking = "", False
    for number, raw in enumerate(text.splitlines()[:MAX_REQUIREMENT_LINES], start=1):
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section, taking = stripped[1:-1].strip(), False
            continue
        if section != "options.entry_points" or not stripped:
            continue
        if not raw[:1].isspace():
            key, _, stripped = stripped.partition("=")
            taking = key.strip() in ("console_scripts", "gui_scripts")
            stripped = stripped.strip()
        if taking and "=" in stripped:
            name, _, target = stripped.partition("=")
            yield EntryPoint("console script", name.strip(), "setup.cfg", number, target.strip())


def _is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (either way round)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = (test.left, test.comparators[0])
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    values = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and values == ["__main__"]


@fact
def main_entry_points(snapshot: Snapshot) -> tuple[EntryPoint, ...]:
    """Non-test modules that run as programs: ``__main__.py`` files and ``__main__`` guards."""
    found: list[EntryPoint] = []
    for module in snapshot.python_modules:
        if module.is_test:
            continue
        if PurePosixPath(module.path).name == "__main__.py":
            found.append(EntryPoint("__main__.py", module.path, module.path, None))
        elif module.parsed:
            line = main_guard_line(module)
            if line is not None:
                found.append(EntryPoint("__main__ block", module.path, module.path, line))
    return tuple(found)


@module_summary
def main_guard_line(module: ParsedModule) -> int | None:
    """The line of a module's top-level ``if __name__ == "__main__":`` block, if any."""
    for node in module.tree.body:
        if _is_main_guard(node):
            return node.lineno
    return None


# ----------------------------------------------------------------------------- primitives


@primitive("dependency_manifest")
def dependency_manifest(snapshot: Snapshot) -> Outcome:
    """The project declares its dependencies in a manifest."""
    found = manifests(snapshot)
    if found.manifests:
        shown = ", ".join(found.manifests[:6])
        note = f" ({'; '.join(found.problems)})" if found.problems else ""
        return Outcome.passed(
            f"Dependencies are declared in {shown}{note}.",
            tuple(Evidence(path) for path in found.manifests[:MAX_EVIDENCE]),
        )
    if not snapshot.python_modules and not found.problems:
        return Outcome.skipped("There is no Python code, so no Python manifest is expected.")
    if found.problems:
        return Outcome.failed(
            f"No usable dependency manifest: {'; '.join(found.problems)}. Declare the "
            "project and its dependencies in a [project] table.",
            (Evidence("pyproject.toml"),) if "pyproject.toml" in snapshot.files else (),
        )
    return Outcome.failed(
        "No dependency manifest found (pyproject.toml with a [project] table, requirements.txt, "
        "setup.py, setup.cfg, Pipfile, environment.yml or a lock file): nobody can tell what to "
        "install to run the code."
    )


@primitive("dependencies_pinned")
def dependencies_pinned(snapshot: Snapshot) -> Outcome:
    """Dependencies are locked, or carry version specifiers."""
    found = manifests(snapshot)
    if not found.manifests:
        return Outcome.skipped("There is no dependency manifest to pin (see PKG001).")
    if found.locks:
        return Outcome.passed(
            f"Dependencies are locked: {', '.join(found.locks[:4])}.",
            tuple(Evidence(path, None, "lock file") for path in found.locks[:MAX_EVIDENCE]),
        )
    declared = requirements(snapshot)
    if not declared:
        return Outcome.skipped(
            f"{', '.join(found.manifests[:4])} declare(s) no third-party dependencies: "
            "nothing to pin."
        )
    unversioned = [r for r in declared if not r.versioned]
    versioned = len(declared) - len(unversioned)
    if not unversioned:
        return Outcome.passed(
            f"All {len(declared)} declared dependencies carry a version specifier."
        )
    names = ", ".join(dict.fromkeys(r.name for r in unversioned[:8]))
    return Outcome.graded(
        versioned / len(declared),
        f"{versioned} of {len(declared)} declared dependencies carry a version; "
        f"unversioned: {names}. Give them version bounds or commit a lock file.",
        tuple(
            Evidence(r.path, r.line, f"{r.name} has no version") for r in unversioned[:MAX_EVIDENCE]
        ),
    )


_RUN_COMMAND = re.compile(
    r"^(?:"
    r"(?:python[\d.]*|py)\s+(?!-m\s+(?:pip|venv|pytest|unittest|build|twine)\b)"
    r"(?!-[cV]\b|--version|setup\.py)\S"
    r"|(?:uv|poetry|pipenv|pdm|hatch|rye|pixi)\s+run\s+(?!(?:python\s+-m\s+)?(?:pytest|tox|nox|ruff|mypy)\b)\S"
    r"|uvx\s+\S|pipx\s+run\s+\S"
    r"|(?:uvicorn|gunicorn|hypercorn|daphne|granian|waitress-serve)\s"
    r"|(?:streamlit|chainlit)\s+run\b|flask\b.*\brun\b|fastapi\s+(?:dev|run)\b|panel\s+serve\b"
    r"|jupyter\s+(?:notebook|lab)\b|voila\s"
    r"|docker(?:-compose|\s+compose)?\s+(?:run|up)\b"
    r"|(?:make|just|task)\s+(?!install\b|test\b|tests\b|lint\b|check\b)\w"
    r"|npm\s+(?:start|run\s+(?:dev|start|serve))\b|node\s+\S"
    r"|\./\S"
    r")"
)
_PROMPT = re.compile(r"^(?:\$|>|>>>|%|PS>|PS [^>]*>|\(\S+\)\s*\$?)\s*")


def readme_run_commands(snapshot: Snapshot) -> list[Evidence]:
    """README code-block lines that run the project (not install it, not test it)."""
    document = readme(snapshot)
    if document is None:
        return []
    scripts = {e.name.lower() for e in console_scripts(snapshot)}
    found: list[Evidence] = []
    for block in document.code_blocks:
        for offset, raw in enumerate(block.text.splitlines()):
            line = _PROMPT.sub("", raw.strip())
            first = line.split(" ", 1)[0].lower()
            if _RUN_COMMAND.match(line) or (first and first in scripts):
                number = block.line + offset + (1 if document.format == "markdown" else 0)
                found.append(Evidence(document.path, number, f"run command: {line[:60]}"))
    return found


_TASK_FILES = ("makefile", "gnumakefile", "justfile", "taskfile.yml", "taskfile.yaml")


@primitive("run_instructions")
def run_instructions(snapshot: Snapshot) -> Outcome:
    """There is a way to run the project: an entry point, a task file or a README command."""
    ways: list[tuple[str, Evidence]] = []
    for entry in console_scripts(snapshot):
        ways.append((f"console script `{entry.name}`", Evidence(entry.path, entry.line)))
    for entry in main_entry_points(snapshot):
        label = "a __main__.py" if entry.kind == "__main__.py" else "a `__main__` block"
        ways.append((f"{label} in {entry.path}", Evidence(entry.path, entry.line, entry.kind)))
    for path in sorted(snapshot.files):
        name = PurePosixPath(path).name.lower()
        if "/" in path:
            continue
        if name in _TASK_FILES or name == "procfile":
            ways.append((path, Evidence(path)))
        elif name in ("dockerfile", "containerfile"):
            text = snapshot.text(path) or ""
            if re.search(r"^\s*(?:CMD|ENTRYPOINT)\b", text, re.MULTILINE | re.IGNORECASE):
                ways.append((f"{path} with a CMD", Evidence(path)))
    for evidence in readme_run_commands(snapshot)[:3]:
        ways.append((f"a run command in {evidence.path}", evidence))
    if ways:
        labels = list(dict.fromkeys(label for label, _ in ways))
        shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
        return Outcome.passed(
            f"The project can be run: {shown}.", tuple(e for _, e in ways[:MAX_EVIDENCE])
        )
    if not snapshot.python_modules:
        return Outcome.skipped("There is no Python code to run.")
    return Outcome.failed(
        "No documented way to run the project: no console script, __main__.py or "
        '`if __name__ == "__main__"` block, Makefile/justfile, Procfile, or run command '
        "(python …, uvicorn …, flask run, docker run …) in a README code block."
    )


_DEPLOY_NAMES = {
    "procfile",
    "app.yaml",
    "app.yml",
    "app.json",
    "fly.toml",
    "render.yaml",
    "render.yml",
    "vercel.json",
    "netlify.toml",
    "serverless.yml",
    "serverless.yaml",
    "railway.json",
    "railway.toml",
    "heroku.yml",
    "zappa_settings.json",
    "chart.yaml",
    "skaffold.yaml",
    "kustomization.yaml",
    "cloudbuild.yaml",
    "apprunner.yaml",
    "amplify.yml",
    "wrangler.toml",
    "dockerrun.aws.json",
    "appspec.yml",
    "azure.yaml",
    "pulumi.yaml",
    "cdk.json",
    "samconfig.toml",
    ".platform.app.yaml",
}
_K8S_DIRS = {"k8s", "kubernetes", "helm", "charts", "manifests", "deploy", "deployment"}
_DEPLOY_COMMAND = re.compile(
    r"\b(?:twine\s+upload|(?:flit|poetry|uv|hatch|pdm)\s+publish|docker\s+(?:push|buildx\s+build\b.*--push)"
    r"|(?:fly|flyctl)\s+deploy|heroku\s|gcloud\s+(?:app|run|functions)\s+deploy|kubectl\s+apply"
    r"|helm\s+(?:upgrade|install)|mkdocs\s+gh-deploy|ghp-import|vercel\b|netlify\s+deploy"
    r"|(?:serverless|sls)\s+deploy|terraform\s+apply|aws\s+\S+\s+(?:deploy|sync)|az\s+webapp"
    r"|railway\s+up|zappa\s+(?:deploy|update)|cdk\s+deploy)"
)
_DEPLOY_ACTION = re.compile(
    r"pypi-publish|build-push-action|deploy|gh-pages|pages|publish|heroku|flyctl|gh-release"
)


#: At the root, these publish the project itself to others: a GitHub Action, a pre-commit hook.
_PUBLISHED_AT_ROOT = {"action.yml", "action.yaml", ".pre-commit-hooks.yaml"}


def _is_deploy_file(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    parts = path.lower().split("/")
    if path.lower() in _PUBLISHED_AT_ROOT:
        return True
    if name in ("dockerfile", "containerfile") or name.startswith("dockerfile."):
        return True
    if name.endswith(".dockerfile") or name.endswith(".tf"):
        return True
    if re.match(r"^(?:docker-)?compose(?:[.-][\w-]+)?\.ya?ml$", name):
        return True
    if name in _DEPLOY_NAMES or ".ebextensions" in parts:
        return True
    return name.endswith((".yml", ".yaml")) and any(p in _K8S_DIRS for p in parts[:-1])


def _live_link(url: str, text: str) -> bool:
    """A README web address where the project runs; the same judgement as DOC007's."""
    web = url.strip().lower().startswith(("http://", "https://"))
    return web and (is_live_site(url) or names_a_demo(text))


@primitive("deploy_config")
def deploy_config(snapshot: Snapshot) -> Outcome:
    """The project can be deployed or demoed: container, platform config, deploy CI, live link."""
    ways: list[tuple[str, Evidence]] = []
    for path in sorted(snapshot.files):
        if not is_vendored(path) and _is_deploy_file(path):
            ways.append((path, Evidence(path)))
    for command in ci_setup(snapshot).commands:
        text = command.text.lower()
        hit = _DEPLOY_ACTION.search(text.split("@", 1)[0]) if command.action else None
        hit = hit or (None if command.action else _DEPLOY_COMMAND.search(text))
        if hit:
            where = Evidence(command.path, command.line, f"deploys: {command.text[:60]}")
            ways.append((f"a deploy step in {command.path}", where))
    document = readme(snapshot)
    if document is not None:
        for link in document.links:
            if _live_link(link.url, link.text):
                where = Evidence(document.path, link.line, f"live link: {link.url[:80]}")
                ways.append((f"a live link in {document.path} ({link.url[:60]})", where))
    if ways:
        labels = list(dict.fromkeys(label for label, _ in ways))
        shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
        return Outcome.passed(
            f"The project can be deployed or seen running: {shown}.",
            tuple(e for _, e in ways[:MAX_EVIDENCE]),
        )
    if not snapshot.python_modules:
        return Outcome.skipped("There is no Python code to deploy.")
    return Outcome.failed(
        "Nothing shows how to deploy or demo the project: no Dockerfile or compose file, "
        "Procfile or platform config (fly.toml, render.yaml, app.yaml…), GitHub Action or "
        "pre-commit hook published at the root, CI step that deploys or publishes, or link to a "
        "live deployment in the README."
    )
