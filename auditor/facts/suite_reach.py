"""Which of the project's modules each test file reaches.

A test touches the project when its module imports the project's own code: directly (``from
calc import add``, ``from ..core import parse``), through a helper module of the test folders,
or through a ``conftest.py`` pytest loads for it (in its folder or a parent). A project module
reaches what it imports in turn, so ``import app`` reaches everything ``app`` imports.

Three ways of exercising the project without importing it count as well: a framework test
client that drives the project through its configuration (Django's ``django.test``), running
the project as a program (a module that runs programs, and a string naming a project file,
package or console script: ``subprocess.run([sys.executable, "main.py"])``), and requesting a
URL on a local host (the app the tests started). The first and the last reach every project
module. The module lists are data: ``rules/vocabulary/testing.toml``.

Imports are resolved against the committed tree: an absolute import names a project module
when its dotted name is the end of the module's path (``calc.core`` for ``src/calc/core.py``),
unless it is a standard-library name that only a nested module shares.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from auditor.facts.entrypoints import console_scripts
from auditor.facts.suite_scan import ScannedTestFile
from auditor.source.languages.python import ParsedModule, PythonModule, module_summary
from auditor.source.snapshot import Snapshot
from auditor.vocabulary import terms

VOCABULARY = "testing"
_STDLIB = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True)
class ImportTarget:
    """One import statement: ``from <level dots><module> import <names>`` or ``import module``."""

    module: str
    level: int
    names: tuple[str, ...]


@module_summary
def import_targets(module: ParsedModule) -> tuple[ImportTarget, ...]:
    """Every import of one module, with the names a ``from`` import takes."""
    found: list[ImportTarget] = []
    for node in module.nodes_of(ast.Import, ast.ImportFrom):
        if isinstance(node, ast.Import):
            found.extend(ImportTarget(alias.name, 0, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names if alias.name != "*")
            found.append(ImportTarget(node.module or "", node.level, names))
    return tuple(found)


def _dotted(path: str) -> tuple[str, ...]:
    parts = path[: -len(".py")].split("/")
    return tuple(parts[:-1]) if parts[-1] == "__init__" else tuple(parts)


class ModuleIndex:
    """Python files by every dotted name they can be imported as."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = frozenset(paths)
        self._by_name: dict[str, set[str]] = defaultdict(set)
        for path in self.paths:
            parts = _dotted(path)
            for start in range(len(parts)):
                name = ".".join(parts[start:])
                if name and (start == 0 or parts[start] not in _STDLIB or _is_src(parts, start)):
                    self._by_name[name].add(path)

    def absolute(self, dotted: str) -> set[str]:
        return self._by_name.get(dotted, set())

    def resolve(self, target: ImportTarget, importer: str) -> set[str]:
        """The indexed files one import statement of the file ``importer`` names."""
        if target.level:
            package = list(PurePosixPath(importer).parent.parts)
            if target.level - 1 > len(package):
                return set()
            base = package[: len(package) - (target.level - 1)]
            stem = base + ([p for p in target.module.split(".") if p] if target.module else [])
            found = self._at(stem)
            for name in target.names:
                found |= self._at([*stem, name])
            return found
        found = set(self.absolute(target.module))
        for name in target.names:
            found |= self.absolute(f"{target.module}.{name}")
        return found

    def _at(self, parts: list[str]) -> set[str]:
        stem = "/".join(parts)
        return {p for p in (f"{stem}.py", f"{stem}/__init__.py") if p in self.paths}


def _is_src(parts: tuple[str, ...], start: int) -> bool:
    """A module named like the standard library is still the project's at the top of src/."""
    return start == 1 and parts[0] == "src"


@dataclass(frozen=True)
class SuiteReach:
    """The project modules each test file reaches (directly, through helpers or conftest)."""

    by_test_file: Mapping[str, frozenset[str]]
    source_modules: frozenset[str]

    def reach_of(self, path: str) -> frozenset[str]:
        return self.by_test_file.get(path, frozenset())


def suite_reach(
    snapshot: Snapshot,
    test_modules: Iterable[PythonModule],
    source: Iterable[PythonModule],
    scans: Mapping[str, ScannedTestFile],
) -> SuiteReach:
    """What each test file reaches of ``source`` (the code tests are expected to cover)."""
    tests = [m for m in test_modules if m.parsed]
    sources = [m for m in source if m.parsed]
    source_index = ModuleIndex(m.path for m in sources)
    test_index = ModuleIndex(m.path for m in tests)
    everything = frozenset(m.path for m in sources)

    source_edges = {
        m.path: {p for t in import_targets(m) for p in source_index.resolve(t, m.path)}
        for m in sources
    }
    direct: dict[str, set[str]] = {}
    helpers: dict[str, set[str]] = {}
    for module in tests:
        targets = import_targets(module)
        direct[module.path] = {p for t in targets for p in source_index.resolve(t, module.path)}
        helpers[module.path] = {
            p for t in targets for p in test_index.resolve(t, module.path) if p != module.path
        }
        scan = scans.get(module.path)
        if scan is not None:
            direct[module.path] |= _driven(snapshot, scan, source_index, everything)
    conftests = {m.path for m in tests if PurePosixPath(m.path).name == "conftest.py"}
    for path in helpers:
        helpers[path] |= {c for c in conftests if _in_scope(c, path) and c != path}
    reached: dict[str, frozenset[str]] = {}
    for path in direct:
        seeds = set(direct[path])
        for helper in _closure({path}, helpers):
            seeds |= direct.get(helper, set())
        reached[path] = frozenset(_closure(seeds, source_edges))
    return SuiteReach(reached, everything)


def _in_scope(conftest: str, path: str) -> bool:
    """Whether pytest loads ``conftest`` for the test file at ``path`` (same folder or above)."""
    folder = str(PurePosixPath(conftest).parent)
    return folder == "." or path.startswith(folder + "/")


def _closure(start: set[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen = set(start)
    pending = list(start)
    while pending:
        for following in edges.get(pending.pop(), ()):
            if following not in seen:
                seen.add(following)
                pending.append(following)
    return seen


def _driven(
    snapshot: Snapshot, scan: ScannedTestFile, index: ModuleIndex, everything: frozenset[str]
) -> set[str]:
    """Project modules a test file exercises without importing them."""
    if scan.app_client is not None:
        return set(everything)
    hosts = terms(VOCABULARY, "local_hosts")
    for word in scan.words:
        rest = word.partition("://")[2]
        if rest and rest.split("/", 1)[0].rsplit(":", 1)[0] in hosts:
            return set(everything)
    if not scan.runs_programs:
        return set()
    found: set[str] = set()
    scripts = {e.name: e.target for e in console_scripts(snapshot) if e.target}
    for word in scan.words:
        if word.endswith(".py"):
            tail = word.lstrip("./")
            found |= {p for p in index.paths if p == tail or p.endswith("/" + tail)}
        elif word in scripts:
            target = scripts[word] or ""
            found |= index.absolute(target.split(":", 1)[0].strip())
        elif word.isidentifier() or all(part.isidentifier() for part in word.split(".")):
            found |= {p for p in index.absolute(word) if _dotted(p)[0] == word.split(".")[0]}
    return found


__all__ = ["ImportTarget", "ModuleIndex", "SuiteReach", "import_targets", "suite_reach"]
