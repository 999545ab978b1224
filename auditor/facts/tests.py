"""The repository's test suite, measured once: which functions pytest or unittest would
collect, which are empty stubs, which assert something, and where pytest is declared.

Built from one :func:`~auditor.facts.suite_scan.test_file_scan` per test file (computed where
the file is parsed; nothing is parsed again) and the line counts of the parsed modules. Which
paths are test code is :func:`~auditor.source.suite_paths.is_test_path`; the words it and the
declaration search match are data: ``rules/vocabulary/testing.toml``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath

from auditor.facts.suite_scan import ScannedClass, ScannedFunction, ScannedTestFile, test_file_scan
from auditor.model import Evidence
from auditor.source.readme import README_NAMES
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.source.suite_paths import expects_tests, is_test_path
from auditor.vocabulary import terms

VOCABULARY = "testing"

# Linear: a literal prefix, one optional character, no nested or adjacent repetition.
_PYTEST_WORD = re.compile(r"\bpy\.?test\b")


@dataclass(frozen=True)
class CollectedTest:
    """One test function as pytest or unittest would collect it."""

    path: str
    line: int
    name: str  # ``test_parse`` or ``TestParser.test_parse``
    style: str  # "pytest" or "unittest"
    empty: bool  # the body is only ``pass``, ``...`` or a docstring: a stub, not a test
    asserts: bool

    def evidence(self, note: str) -> Evidence:
        return Evidence(self.path, self.line, f"{self.name} {note}")


@dataclass(frozen=True)
class PytestDeclaration:
    """Where the repository shows that pytest runs its tests."""

    path: str
    line: int | None
    what: str  # "imports pytest", "configures pytest" (a conftest.py), "mentions pytest"


@dataclass(frozen=True)
class SuiteInventory:
    """The repository's tests and the code they test, measured once per snapshot."""

    test_files: tuple[str, ...]  # Python files that are test code by path convention
    unparsed_test_files: tuple[str, ...]
    collected: tuple[CollectedTest, ...]  # every test function, stubs included
    pytest_declaration: PytestDeclaration | None
    test_loc: int
    source_loc: int

    @cached_property
    def tests(self) -> tuple[CollectedTest, ...]:
        """The real tests: empty stubs left out."""
        return tuple(t for t in self.collected if not t.empty)

    @cached_property
    def stubs(self) -> tuple[CollectedTest, ...]:
        return tuple(t for t in self.collected if t.empty)

    @cached_property
    def assertionless(self) -> tuple[CollectedTest, ...]:
        return tuple(t for t in self.tests if not t.asserts)

    @cached_property
    def framework(self) -> str | None:
        """ "pytest", "unittest", "pytest+unittest", or None when there are no tests."""
        styles = {t.style for t in self.tests}
        if not styles:
            return None
        if self.pytest_declaration is not None:
            styles.add("pytest")
        return "+".join(sorted(styles))


@fact
def suite_inventory(snapshot: Snapshot) -> SuiteInventory:
    """The shared inventory of test functions and line counts (one walk per test file)."""
    test_modules = [m for m in snapshot.python_modules if m.is_test]
    scans = [scan for m in test_modules if m.parsed and (scan := test_file_scan(m)) is not None]
    testcase_names = _testcase_class_names(scans)
    asserting = _asserting_helpers(scans)
    collected = tuple(
        CollectedTest(
            path=scan.path,
            line=fn.line,
            name=fn.qualname,
            style=style,
            empty=fn.empty,
            asserts=fn.asserts or bool(fn.calls & asserting),
        )
        for scan in scans
        for fn in scan.functions
        if (style := _test_style(scan, fn, testcase_names)) is not None
    )
    source_loc = sum(
        m.counts.code for m in snapshot.python_modules if not m.is_test and expects_tests(m.path)
    )
    return SuiteInventory(
        test_files=tuple(m.path for m in test_modules),
        unparsed_test_files=tuple(m.path for m in test_modules if not m.parsed),
        collected=collected,
        pytest_declaration=_pytest_declaration(snapshot, scans),
        test_loc=sum(m.counts.code for m in test_modules),
        source_loc=source_loc,
    )


def _test_style(
    scan: ScannedTestFile, fn: ScannedFunction, testcase_names: frozenset[str]
) -> str | None:
    """Which runner collects a function as a test ("pytest", "unittest"), or None."""
    if not scan.collectable or not fn.name.startswith("test") or fn.fixture:
        return None
    if fn.owner is None:
        return "pytest"
    return _class_style(fn.owner, testcase_names)


def _class_style(owner: ScannedClass, testcase_names: frozenset[str]) -> str | None:
    """Which runner collects the test methods of a class, or None when none does."""
    if any(base in testcase_names for base in owner.bases):
        return "unittest"
    if owner.name.startswith("Test") and not owner.has_init:
        return "pytest"
    return None


def _testcase_class_names(scans: Iterable[ScannedTestFile]) -> frozenset[str]:
    """Names of unittest.TestCase classes: *TestCase bases and test-file classes deriving them."""
    bases: dict[str, set[str]] = defaultdict(set)
    for scan in scans:
        for name, names in scan.classes:
            bases[name].update(names)
    suffixes = terms(VOCABULARY, "test_case_suffixes")
    known = {name for base_names in bases.values() for name in base_names if name}
    known = {name for name in known if name.endswith(suffixes)}
    changed = True
    while changed:
        changed = False
        for name, base_names in bases.items():
            if name not in known and base_names & known:
                known.add(name)
                changed = True
    return frozenset(known)


def _asserting_helpers(scans: Sequence[ScannedTestFile]) -> frozenset[str]:
    """Names of functions defined in test files that assert, directly or through each other."""
    calls_by_name: dict[str, set[str]] = defaultdict(set)
    asserting: set[str] = set()
    for scan in scans:
        for fn in scan.functions:
            name = fn.name
            calls_by_name[name] |= fn.calls
            if fn.asserts:
                asserting.add(name)
    changed = True
    while changed:
        changed = False
        for name, calls in calls_by_name.items():
            if name not in asserting and calls & asserting:
                asserting.add(name)
                changed = True
    return frozenset(asserting)


def _pytest_declaration(
    snapshot: Snapshot, scans: Sequence[ScannedTestFile]
) -> PytestDeclaration | None:
    """The first place that shows pytest runs the tests: configuration, an import, a dependency."""
    for scan in scans:
        if scan.imports_pytest:
            return PytestDeclaration(scan.path, None, "imports pytest")
    for path in snapshot.files:
        if PurePosixPath(path).name == "conftest.py" and not is_vendored(path):
            return PytestDeclaration(path, None, "configures pytest")
    for path in _declaration_candidates(snapshot):
        text = snapshot.text(path)
        if text is None:
            continue
        match = _PYTEST_WORD.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            return PytestDeclaration(path, line, "mentions pytest")
    return None


def _declaration_candidates(snapshot: Snapshot) -> list[str]:
    """Files that may name pytest: top-level configuration first, then requirement files,
    GitHub Actions workflows and the README."""
    files = terms(VOCABULARY, "pytest_declaration_files")
    order = {name: i for i, name in enumerate(files)}
    requirements, workflow, readme = len(order), len(order) + 1, len(order) + 2
    found: list[tuple[int, str]] = []
    for path in snapshot.files:
        if is_vendored(path):
            continue
        name = PurePosixPath(path).name
        lowered = path.lower()
        if "/" not in path and name in order:
            found.append((order[name], path))
        elif "/" not in path and lowered in README_NAMES:
            found.append((readme, path))
        elif name.endswith((".txt", ".in")) and "requirements" in lowered:
            found.append((requirements, path))
        elif lowered.startswith(".github/workflows/") and name.endswith((".yml", ".yaml")):
            found.append((workflow, path))
    return [path for _, path in sorted(found)]


__all__ = [
    "CollectedTest",
    "PytestDeclaration",
    "SuiteInventory",
    "expects_tests",
    "is_test_path",
    "suite_inventory",
]
