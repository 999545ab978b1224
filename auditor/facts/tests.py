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

from auditor.facts.suite_config import CollectionSettings, collection_settings
from auditor.facts.suite_reach import suite_reach
from auditor.facts.suite_scan import ScannedFunction, ScannedTestFile, test_file_scan
from auditor.model import Evidence
from auditor.source.languages.python import PythonModule
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
    asserts: bool  # checks an outcome that can fail (itself or through a helper)
    constant_checks: bool = False  # checks only literals: ``assert True``
    discarded_comparison: bool = False  # ``x == pytest.approx(y)`` without assert
    touches_project: bool = True  # its module reaches the project's code

    def evidence(self, note: str) -> Evidence:
        return Evidence(self.path, self.line, f"{self.name} {note}")

    @property
    def can_fail(self) -> bool:
        """A real test: not a stub, checks something that can fail, and reaches the project."""
        return not self.empty and self.asserts and self.touches_project

    @property
    def silent_reason(self) -> str:
        """Why a test that checks nothing that can fail checks nothing (its evidence note)."""
        if self.constant_checks:
            return "only asserts literals: it cannot fail"
        if self.discarded_comparison:
            return "compares without assert: the result is thrown away"
        return "asserts nothing"


@dataclass(frozen=True)
class PytestDeclaration:
    """Where the repository shows that pytest runs its tests."""

    path: str
    line: int | None
    what: str  # "imports pytest", "configures pytest" (a conftest.py), "mentions pytest"


@dataclass(frozen=True)
class SuiteInventory:
    """The repository's tests and the code they test, measured once per snapshot."""

    test_files: tuple[str, ...]  # Python files that are test code (by path or as collected)
    unparsed_test_files: tuple[str, ...]
    collected: tuple[CollectedTest, ...]  # every test function, stubs included
    pytest_declaration: PytestDeclaration | None
    test_loc: int
    source_loc: int
    #: Lines of test code in files whose tests can fail, in proportion to those tests.
    counted_test_loc: int = 0
    source_modules: tuple[str, ...] = ()  # the code tests are expected to cover
    reached_modules: tuple[str, ...] = ()  # those reached by tests that can fail
    reached_loc: int = 0
    settings_source: str | None = None  # where pytest's collection settings came from

    @cached_property
    def tests(self) -> tuple[CollectedTest, ...]:
        """The real tests: empty stubs left out."""
        return tuple(t for t in self.collected if not t.empty)

    @cached_property
    def stubs(self) -> tuple[CollectedTest, ...]:
        return tuple(t for t in self.collected if t.empty)

    @cached_property
    def assertionless(self) -> tuple[CollectedTest, ...]:
        """Tests that check nothing that can fail (no check, literals only, a discarded
        comparison)."""
        return tuple(t for t in self.tests if not t.asserts)

    @cached_property
    def constant_only(self) -> tuple[CollectedTest, ...]:
        return tuple(t for t in self.assertionless if t.constant_checks)

    @cached_property
    def detached(self) -> tuple[CollectedTest, ...]:
        """Tests that check something but never reach the project's code."""
        return tuple(t for t in self.tests if t.asserts and not t.touches_project)

    @cached_property
    def can_fail(self) -> tuple[CollectedTest, ...]:
        return tuple(t for t in self.tests if t.can_fail)

    @property
    def reached_fraction(self) -> float | None:
        """The share of the source lines in modules tests that can fail reach."""
        if self.source_loc == 0:
            return None
        return min(1.0, self.reached_loc / self.source_loc)

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
    settings = collection_settings(snapshot)
    modules = snapshot.python_modules
    all_scans = {
        m.path: scan for m in modules if m.parsed and (scan := test_file_scan(m)) is not None
    }
    testcase_names = _testcase_class_names(all_scans.values())
    asserting = _asserting_helpers(list(all_scans.values()))
    found = [
        (scan, fn, style)
        for scan in all_scans.values()
        for fn in scan.functions
        if (style := _test_style(scan, fn, testcase_names, settings)) is not None
    ]
    collecting = {scan.path for scan, _, _ in found}
    test_modules = [m for m in modules if m.is_test or m.path in collecting or _runs(m, settings)]
    test_paths = {m.path for m in test_modules}
    source = [m for m in modules if m.path not in test_paths and expects_tests(m.path)]
    reach = suite_reach(snapshot, test_modules, source, all_scans)
    collected = tuple(
        CollectedTest(
            path=scan.path,
            line=fn.line,
            name=fn.qualname,
            style=style,
            empty=fn.empty,
            asserts=fn.asserts or bool(fn.calls & asserting),
            constant_checks=fn.constant_checks,
            discarded_comparison=fn.discarded_comparison,
            touches_project=bool(reach.reach_of(scan.path)),
        )
        for scan, fn, style in found
    )
    counting = {t.path for t in collected if t.can_fail}
    reached = {p for path in counting for p in reach.reach_of(path)}
    loc = {m.path: m.counts.code for m in modules}
    return SuiteInventory(
        test_files=tuple(m.path for m in test_modules),
        unparsed_test_files=tuple(m.path for m in test_modules if not m.parsed),
        collected=collected,
        pytest_declaration=_pytest_declaration(snapshot, list(all_scans.values())),
        test_loc=sum(m.counts.code for m in test_modules),
        source_loc=sum(m.counts.code for m in source),
        counted_test_loc=_counted_test_loc(collected, test_modules, loc),
        source_modules=tuple(m.path for m in source if m.counts.code),
        reached_modules=tuple(sorted(p for p in reached if loc.get(p))),
        reached_loc=sum(loc.get(p, 0) for p in reached),
        settings_source=settings.source,
    )


def _runs(module: PythonModule, settings: CollectionSettings) -> bool:
    """Whether a runner loads the module as a test file (Django's ``tests.py`` stub too)."""
    return settings.pytest_collects_file(module.path) or settings.unittest_collects_file(
        module.path
    )


def _counted_test_loc(
    collected: Sequence[CollectedTest], test_modules: Sequence[PythonModule], loc: dict[str, int]
) -> int:
    """Test lines that count: each file holding tests, in proportion to its tests that can
    fail; support files (conftest.py, helpers) count whole once any test can fail."""
    per_file: dict[str, list[bool]] = defaultdict(list)
    for test in collected:
        if not test.empty:
            per_file[test.path].append(test.can_fail)
    any_counted = any(any(flags) for flags in per_file.values())
    total = 0.0
    for module in test_modules:
        flags = per_file.get(module.path)
        if flags:
            total += loc.get(module.path, 0) * sum(flags) / len(flags)
        elif any_counted and module.path not in {t.path for t in collected}:
            total += loc.get(module.path, 0)
    return round(total)


def _test_style(
    scan: ScannedTestFile,
    fn: ScannedFunction,
    testcase_names: frozenset[str],
    settings: CollectionSettings,
) -> str | None:
    """Which runner collects a function as a test ("pytest", "unittest"), or None.

    pytest collects plain functions and ``Test*`` classes (its ``python_functions`` and
    ``python_classes``) from the files its ``python_files`` name under its ``testpaths``, and
    TestCase classes from those files; unittest discovery adds TestCase classes of the files
    named like its default pattern (``test*.py``, Django's ``tests.py`` too).
    """
    if not scan.collectable or fn.fixture:
        return None
    by_pytest = settings.pytest_collects_file(scan.path)
    if fn.owner is not None and any(base in testcase_names for base in fn.owner.bases):
        if not fn.name.startswith("test"):
            return None
        if by_pytest or settings.unittest_collects_file(scan.path):
            return "unittest"
        return None
    if not by_pytest or not settings.pytest_collects_function(fn.name):
        return None
    if fn.owner is None:
        return "pytest"
    if settings.pytest_collects_class(fn.owner.name) and not fn.owner.has_init:
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
