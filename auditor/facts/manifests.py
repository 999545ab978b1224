"""Dependency manifests, lock files and the requirements they declare.

Every structured format goes through a real, bounded parser: TOML through the guarded
:func:`auditor._toml.loads` (a malformed file is reported, never raised), requirement strings
through :class:`packaging.requirements.Requirement` (PEP 508), ``setup.cfg`` through
:func:`auditor.source.ini_reader.load_ini`, conda environment files through
:func:`auditor.source.yaml_reader.load_yaml`, and ``setup.py`` from its shared syntax tree
(never executed). The file names are data: ``rules/vocabulary/packaging.toml``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508

from auditor import _toml
from auditor.source.ini_reader import IniError, IniText, load_ini
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.source.yaml_reader import YamlError, load_yaml
from auditor.vocabulary import term_set, terms

VOCABULARY = "packaging"
MAX_REQUIREMENT_LINES = 5_000
#: A requirement longer than this is not one a person wrote; PEP 508 parsing is skipped.
MAX_REQUIREMENT_CHARS = 2_000

# ----------------------------------------------------------------------------- TOML files


@dataclass(frozen=True)
class TomlFile:
    """A TOML file of the snapshot: its data, or why it could not be read."""

    path: str
    text: str
    data: dict[str, Any]
    error: str | None = None
    #: The first line of each ``key = …`` written at the start of a line (TOML parsers give
    #: no positions), found in one pass over the lines.
    key_lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of_key(self, key: str) -> int | None:
        """The line of ``key = …`` at the start of a line, else of its first mention."""
        return self.key_lines.get(key) or line_of(self.text, key)


def line_of(text: str, needle: str) -> int | None:
    """The first line holding ``needle``."""
    index = text.find(needle)
    return None if index < 0 else text.count("\n", 0, index) + 1


def _key_lines(text: str) -> dict[str, int]:
    """``key`` -> first line number, for every line that starts (after blanks) with ``key =``.

    A per-line scan with ``str`` methods: the multi-line ``^\\s*key`` search it replaces took
    minutes on a large Poetry file.
    """
    found: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        key, equals, _ = raw.partition("=")
        key = key.strip()
        if not equals or not key or key.startswith(("#", "[")):
            continue
        key = key.strip("\"'")
        found.setdefault(key, number)
    return found


def read_toml(snapshot: Snapshot, path: str) -> TomlFile | None:
    """A TOML file of the snapshot; None when absent, ``error`` set when malformed."""
    text = snapshot.text(path) if path in snapshot.files else None
    if text is None:
        return None
    try:
        data = _toml.loads(text)
    except (_toml.TOMLDecodeError, ValueError) as exc:
        return TomlFile(path, text, {}, f"not valid TOML ({exc})")
    return TomlFile(path, text, data, key_lines=_key_lines(text))


@fact
def pyproject(snapshot: Snapshot) -> TomlFile | None:
    """The root pyproject.toml, parsed once."""
    return read_toml(snapshot, "pyproject.toml")


def table(data: Any, *keys: str) -> dict[str, Any]:
    """A nested table of TOML data, or {} when any level is missing or not a table."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def declares_project(file: TomlFile) -> bool:
    """Whether a pyproject.toml describes a project (not only tool settings like [tool.ruff])."""
    tools = table(file.data, "tool")
    return any(t in file.data for t in terms(VOCABULARY, "project_tables")) or any(
        t in tools for t in terms(VOCABULARY, "project_tools")
    )


# ----------------------------------------------------------------------------- manifests


def near_root(path: str) -> bool:
    """At the root or one folder down (``backend/requirements.txt``), outside vendored code."""
    return path.count("/") <= 1 and not is_vendored(path)


def is_requirements_file(path: str) -> bool:
    """``requirements*.txt`` (root or one folder down) or any .txt in a requirements/ folder."""
    parts = path.lower().split("/")
    if parts[0] in ("docs", "doc"):  # what builds the documentation, not the project
        return False
    if len(parts) == 2 and parts[0] == "requirements":
        return parts[1].endswith(".txt")
    name = parts[-1]
    middle = name[len("requirements") : -len(".txt")]
    return (
        near_root(path)
        and name.startswith("requirements")
        and name.endswith(".txt")
        and all(c.isalnum() or c in "_.-" for c in middle)
    )


@dataclass(frozen=True)
class Manifests:
    """The dependency manifests and lock files of the project."""

    manifests: tuple[str, ...]
    locks: tuple[str, ...]
    problems: tuple[str, ...]  # manifests that exist but cannot be used


def _toml_at(snapshot: Snapshot, path: str) -> TomlFile | None:
    return pyproject(snapshot) if path == "pyproject.toml" else read_toml(snapshot, path)


@fact
def manifests(snapshot: Snapshot) -> Manifests:
    """Dependency manifests and lock files at the root or one folder down."""
    found: list[str] = []
    locks: list[str] = []
    problems: list[str] = []
    known = term_set(VOCABULARY, "python_manifests") | term_set(VOCABULARY, "other_manifests")
    lock_files = term_set(VOCABULARY, "lock_files")
    for path in sorted(snapshot.files, key=lambda p: (p.count("/"), p)):
        requirements_file = is_requirements_file(path)
        if not near_root(path) and not requirements_file:
            continue
        name = PurePosixPath(path).name.lower()
        if name == "pyproject.toml":
            file = _toml_at(snapshot, path)
            if file is None:
                continue
            if file.error:
                problems.append(f"{path} is {file.error}")
            elif declares_project(file):
                found.append(path)
            else:
                problems.append(f"{path} only configures tools (no [project] table)")
            continue
        if name in known or requirements_file:
            found.append(path)
        if name in lock_files or (requirements_file and _compiled(snapshot, path)):
            locks.append(path)
    return Manifests(tuple(found), tuple(locks), tuple(problems))


def _compiled(snapshot: Snapshot, path: str) -> bool:
    """A requirements file generated by pip-compile/uv, or one where every line pins ``==``."""
    text = snapshot.text(path) or ""
    if any(marker in text for marker in terms(VOCABULARY, "compiled_markers")):
        return True
    requirements = list(requirement_lines(path, text))
    return bool(requirements) and all(r.exact for r in requirements)


# ----------------------------------------------------------------------------- requirements


@dataclass(frozen=True)
class Requirement:
    """One declared dependency and whether it carries a version specifier."""

    name: str
    spec: str  # the specifier part (``>=2.0``, ``@ git+…``), markers removed
    path: str
    line: int | None
    exact: bool = False  # pinned to one version with ``==`` (or ``===``), no wildcard

    @property
    def versioned(self) -> bool:
        spec = self.spec.strip()
        if not spec or spec == "*":
            return False
        return spec.startswith("@") or any(c in "<>=~!^" or c.isdigit() for c in spec)


def parse_requirement(text: str, path: str, line: int | None) -> Requirement | None:
    """A PEP 508 requirement string, or None when it is not one (options, URLs, paths)."""
    text = text.strip()
    if not text or len(text) > MAX_REQUIREMENT_CHARS:
        return None
    try:
        parsed = Pep508(text)
    except InvalidRequirement:
        return None
    if parsed.url:
        return Requirement(parsed.name, f"@ {parsed.url}", path, line)
    specifiers = list(parsed.specifier)
    exact = bool(specifiers) and all(
        s.operator in ("==", "===") and "*" not in s.version for s in specifiers
    )
    return Requirement(parsed.name, str(parsed.specifier), path, line, exact)


def _without_comment(line: str) -> str:
    """A requirements line without its comment: ``#`` at the start or after a blank."""
    if line.startswith("#"):
        return ""
    for index, char in enumerate(line):
        if char == "#" and line[index - 1].isspace():
            return line[:index]
    return line


def requirement_lines(path: str, text: str) -> Iterator[Requirement]:
    """Requirements of a requirements.txt: comments, options and continuations handled."""
    logical = ""
    start = 0
    for number, raw in enumerate(text.splitlines()[:MAX_REQUIREMENT_LINES], start=1):
        line = _without_comment(raw).strip()
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


def _toml_requirements(file: TomlFile) -> Iterator[Requirement]:
    dependencies = table(file.data, "project").get("dependencies")
    if isinstance(dependencies, list):
        for item in dependencies:
            if isinstance(item, str):
                req = parse_requirement(item, file.path, line_of(file.text, item))
                if req is not None:
                    yield req
    poetry = table(file.data, "tool", "poetry", "dependencies")
    yield from _table_requirements(file, poetry, skip=("python",))


def _table_requirements(
    file: TomlFile, entries: dict[str, Any], skip: tuple[str, ...] = ()
) -> Iterator[Requirement]:
    """``name = "^1.0"`` / ``name = {version = "…"}`` tables (Poetry, Pipfile)."""
    for name, value in entries.items():
        if name.lower() in skip:
            continue
        if isinstance(value, dict):
            explicit = any(k in value for k in ("git", "path", "url", "file"))
            spec = "@ source" if explicit else str(value.get("version", "*"))
        else:
            spec = str(value)
        line = file.line_of_key(name)
        yield Requirement(name, "" if spec.strip() == "*" else spec, file.path, line)


def read_setup_cfg(snapshot: Snapshot, path: str) -> IniText | None:
    """A ``setup.cfg`` of the snapshot through the bounded INI reader; None when unreadable."""
    text = snapshot.text(path) if path in snapshot.files else None
    if text is None:
        return None
    try:
        return load_ini(text)
    except IniError:
        return None


def ini_list(config: IniText, section: str, key: str) -> Iterator[tuple[str, int | None]]:
    """The items of a multi-line INI value, each with the line it was written on."""
    value = config.value(section, key)
    if value is None:
        return
    cursor = config.section_line(section)
    for item in value.splitlines():
        item = item.strip()
        if not item or item.startswith(("#", ";")):
            continue
        line = config.line_of(item, cursor)
        cursor = line if line is not None else cursor
        yield item, line


def _setup_cfg_requirements(snapshot: Snapshot, path: str) -> Iterator[Requirement]:
    config = read_setup_cfg(snapshot, path)
    if config is None:
        return
    for item, line in ini_list(config, "options", "install_requires"):
        req = parse_requirement(item, path, line)
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


def _conda_requirement(item: str, path: str, line: int | None) -> Requirement | None:
    """A conda match spec (``conda-forge::numpy>=1.26``) as a requirement."""
    item = item.strip().split("::")[-1]
    end = next((i for i, c in enumerate(item) if c in "=<>!~ \t"), len(item))
    name = item[:end]
    if not name or name.lower() in ("pip", "python"):
        return None
    return Requirement(name, item[end:].strip(), path, line)


def _environment_requirements(path: str, text: str) -> Iterator[Requirement]:
    """``dependencies:`` items of a conda environment file (and its ``pip:`` list)."""
    try:
        documents = load_yaml(text)
    except YamlError:
        return
    lines = text.splitlines()[:MAX_REQUIREMENT_LINES]
    cursor = 0

    def line_of_item(item: str) -> int | None:
        nonlocal cursor
        for index in range(cursor, len(lines)):
            if item in lines[index]:
                cursor = index + 1
                return index + 1
        return None

    for document in documents:
        dependencies = (
            document.data.get("dependencies") if isinstance(document.data, dict) else None
        )
        if not isinstance(dependencies, list):
            continue
        for entry in dependencies:
            if isinstance(entry, str | int | float) and not isinstance(entry, bool):
                req = _conda_requirement(str(entry), path, line_of_item(str(entry)))
                if req is not None:
                    yield req
            elif isinstance(entry, dict) and isinstance(entry.get("pip"), list):
                for item in entry["pip"]:
                    if isinstance(item, str):
                        req = parse_requirement(item, path, line_of_item(item))
                        if req is not None:
                            yield req


@fact
def requirements(snapshot: Snapshot) -> tuple[Requirement, ...]:
    """Every dependency the manifests declare (best effort; setup.py is never run)."""
    found: list[Requirement] = []
    for path in manifests(snapshot).manifests:
        name = PurePosixPath(path).name.lower()
        if name == "pyproject.toml":
            file = _toml_at(snapshot, path)
            if file is not None:
                found.extend(_toml_requirements(file))
        elif name == "pipfile":
            file = read_toml(snapshot, path)
            if file is not None:
                found.extend(_table_requirements(file, table(file.data, "packages")))
        elif name == "setup.cfg":
            found.extend(_setup_cfg_requirements(snapshot, path))
        elif name == "setup.py":
            found.extend(_setup_py_requirements(snapshot, path))
        elif name.startswith(("environment.", "conda.")):
            found.extend(_environment_requirements(path, snapshot.text(path) or ""))
        elif is_requirements_file(path):
            found.extend(requirement_lines(path, snapshot.text(path) or ""))
    return tuple(found)
