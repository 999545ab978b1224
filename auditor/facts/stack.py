"""The stack: which technologies of the catalogue a repository is built with.

One shared fact, :func:`technologies`, recognises the stack from evidence the snapshot
already holds: the imports of every parsed module (the shared ``module_imports`` fact, never
a new walk), the dependencies its manifests declare, file names (Dockerfiles, Terraform,
notebooks, migrations), the commands its CI runs, scheduled workflows, web routes and console
scripts. The catalogue is data (``rules/vocabulary/technologies.toml``, read by
:mod:`auditor.facts.catalogue`); role profiles compose rules from its kinds
(``uses_technology``) and ``--profile auto`` scores each profile's ``[match]`` table against
the kinds found.

Imports in test code count only for testing technologies: a database fixture in a test does
not make the project store data, but a Playwright import in a test is exactly a browser test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from auditor.facts.catalogue import ANYWHERE, SOURCE, TESTS, Technology, catalogue, kinds
from auditor.facts.ci import ci_setup
from auditor.facts.code import module_imports, web_routes
from auditor.facts.entrypoints import console_scripts
from auditor.facts.manifests import pyproject, requirements
from auditor.model import Evidence
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.source.yaml_reader import YamlError, load_yaml
from auditor.vocabulary import term_set

__all__ = ["ANYWHERE", "KINDS", "SOURCE", "TESTS", "Detection", "Stack", "technologies"]

#: Only the start of a CI command is matched: a real command fits in it, and the
#: catalogue's ``.*`` stay linear in a bounded text.
MAX_COMMAND_CHARS = 2_000
#: A YAML value this deep is not a CI schedule; the walk stops there.
MAX_SCHEDULE_DEPTH = 16


class _Kinds(Mapping[str, str]):
    """Every kind of technology, with the words messages use for it (read on first use)."""

    def __getitem__(self, kind: str) -> str:
        return kinds()[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(kinds())

    def __len__(self) -> int:
        return len(kinds())


KINDS: Mapping[str, str] = _Kinds()


def unknown_kinds(names: Iterable[str]) -> list[str]:
    """The names among ``names`` that are not kinds of technology."""
    return [k for k in names if k not in KINDS]


def ignored(path: str) -> bool:
    """A vendored file, or one under a folder of tool-made copies (notebook checkpoints)."""
    folders = term_set("technologies", "ignored_folders")
    return is_vendored(path) or any(part in folders for part in path.split("/"))


# ----------------------------------------------------------------------------- indexes


def _path_pattern(pattern: str) -> str:
    # Paths are searched with a leading slash, so a component boundary is the literal "/",
    # which the regular expression engine scans for far faster than "(?:^|/)".
    return pattern.replace("(?:^|/)", "/")


@dataclass(frozen=True)
class _Index:
    by_top_module: Mapping[str, tuple[tuple[str, Technology], ...]]
    by_package: Mapping[str, tuple[Technology, ...]]
    file_patterns: tuple[tuple[Technology, re.Pattern[str]], ...]
    any_file: re.Pattern[str]
    ci_patterns: tuple[tuple[Technology, re.Pattern[str]], ...]


def normalise_package(name: str) -> str:
    """A distribution name as PEP 503 compares it: ``Foo_Bar.baz`` -> ``foo-bar-baz``."""
    return "-".join(
        part for part in name.lower().replace("_", "-").replace(".", "-").split("-") if part
    )


@cache
def _index() -> _Index:
    by_module: dict[str, list[tuple[str, Technology]]] = {}
    by_package: dict[str, list[Technology]] = {}
    for technology in catalogue():
        for module in technology.modules:
            by_module.setdefault(module.split(".", 1)[0], []).append((module, technology))
        for package in technology.packages:
            by_package.setdefault(normalise_package(package), []).append(technology)
    files = tuple(
        (t, re.compile(_path_pattern(t.files))) for t in catalogue() if t.files is not None
    )
    # One pass of a combined expression screens each path; only a hit is matched one by one.
    any_file = re.compile("|".join(f"(?:{p.pattern})" for _, p in files))
    ci = tuple((t, re.compile(t.ci, re.IGNORECASE)) for t in catalogue() if t.ci is not None)
    return _Index(
        {k: tuple(v) for k, v in by_module.items()},
        {k: tuple(v) for k, v in by_package.items()},
        files,
        any_file,
        ci,
    )


# ----------------------------------------------------------------------------- the shared fact


@dataclass(frozen=True)
class Detection:
    """One technology found, with the first place that shows it."""

    technology: str
    kind: str
    evidence: Evidence


@dataclass(frozen=True)
class Stack:
    """The technologies a repository is built with, grouped by kind."""

    detections: tuple[Detection, ...]

    def of(self, kind: str) -> tuple[Detection, ...]:
        return tuple(d for d in self.detections if d.kind == kind)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(d.kind for d in self.detections)

    def names(self, kind: str) -> list[str]:
        return list(dict.fromkeys(d.technology for d in self.of(kind)))


Add = Callable[[Technology, Evidence], None]


@fact
def technologies(snapshot: Snapshot) -> Stack:
    """Every technology of the catalogue the repository shows, first evidence of each."""
    found: dict[tuple[str, str], Evidence] = {}

    def add(technology: Technology, evidence: Evidence) -> None:
        found.setdefault((technology.kind, technology.name), evidence)

    index = _index()
    imports = module_imports(snapshot)
    for module in snapshot.python_modules:
        for imported in imports.get(module.path, ()):
            for name, technology in index.by_top_module.get(imported.top, ()):
                if technology.where == (SOURCE if module.is_test else TESTS):
                    continue
                if imported.matches((name,)):
                    add(technology, Evidence(module.path, imported.line, f"imports {name}"))
    for requirement in requirements(snapshot):
        for technology in index.by_package.get(normalise_package(requirement.name), ()):
            note = f"depends on {requirement.name}"
            add(technology, Evidence(requirement.path, requirement.line, note))
    _files(snapshot, index, add)
    setup = ci_setup(snapshot)
    for command in setup.commands:
        text = command.text[:MAX_COMMAND_CHARS]
        for technology, pattern in index.ci_patterns:
            if pattern.search(text):
                note = f"CI runs {command.text[:60]}"
                add(technology, Evidence(command.path, command.line, note))
    _scheduled_workflows(snapshot, [f.path for f in setup.files], add)
    for module in snapshot.python_modules:
        if module.is_test or not module.parsed:
            continue
        route = next(web_routes(module), None)
        if route is not None:
            add(Technology("web routes", "routes"), route)
            break
    for entry in console_scripts(snapshot):
        note = f"console script {entry.name}"
        add(Technology("a console script", "cli"), Evidence(entry.path, entry.line, note))
    _coverage_settings(snapshot, add)
    order = {kind: position for position, kind in enumerate(KINDS)}
    detections = sorted(
        (Detection(name, kind, evidence) for (kind, name), evidence in found.items()),
        key=lambda d: (order[d.kind], d.evidence.path, d.evidence.line or 0),
    )
    return Stack(tuple(detections))


def _files(snapshot: Snapshot, index: _Index, add: Add) -> None:
    for path in sorted(snapshot.files):
        if ignored(path):
            continue
        lower = "/" + path.lower()
        if not index.any_file.search(lower):
            continue
        for technology, pattern in index.file_patterns:
            if pattern.search(lower):
                add(technology, Evidence(path, None, technology.name))


def _scheduled_workflows(snapshot: Snapshot, paths: Iterable[str], add: Add) -> None:
    """A CI workflow that runs on a timetable (``on: schedule: - cron: …``).

    The schedule is read from the parsed YAML (a ``cron`` key at any depth: GitHub's
    ``on.schedule``, CircleCI's ``triggers``), and its line found by a per-line scan.
    """
    for path in paths:
        if not path.lower().endswith((".yml", ".yaml")):
            continue
        text = snapshot.text(path) or ""
        try:
            documents = load_yaml(text)
        except YamlError:
            continue
        if any(_has_cron(d.data, MAX_SCHEDULE_DEPTH) for d in documents):
            line = next(
                (n for n, raw in enumerate(text.splitlines(), 1) if _is_cron_line(raw)), None
            )
            add(Technology("a scheduled CI workflow", "scheduling"), Evidence(path, line, "cron"))


def _has_cron(data: Any, depth: int) -> bool:
    if depth <= 0:
        return False
    if isinstance(data, dict):
        if isinstance(data.get("cron"), str):
            return True
        return any(_has_cron(v, depth - 1) for v in data.values())
    if isinstance(data, list):
        return any(_has_cron(v, depth - 1) for v in data)
    return False


def _is_cron_line(raw: str) -> bool:
    text = raw.strip().removeprefix("-").lstrip()
    return text.startswith("cron") and text[4:].lstrip().startswith(":")


def _coverage_settings(snapshot: Snapshot, add: Add) -> None:
    file = pyproject(snapshot)
    tool = file.data.get("tool") if file is not None else None
    if file is not None and isinstance(tool, dict) and "coverage" in tool:
        add(Technology("coverage", "coverage"), Evidence(file.path, None, "[tool.coverage]"))
