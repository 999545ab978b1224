"""Check primitives of the TST family: are there tests, and do they check anything?

Every rule here reads one shared :func:`suite_inventory`, built from one module summary per
test file, :func:`test_file_scan`, computed where the file is parsed (nothing is parsed again):
the test functions pytest or unittest would collect,
whether each is an empty stub, and whether each asserts something. Committed coverage data is
read as data (Cobertura XML or coverage.py's SQLite file), never by running anything from the
repository.
"""

from __future__ import annotations

import ast
import re
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.model import Evidence, Outcome
from auditor.source.python import ParsedModule, PythonModule, module_summary
from auditor.source.snapshot import Snapshot, fact, is_vendored

#: Evidence lists are capped; the message always gives the full count.
MAX_EVIDENCE = 20

#: pytest helpers that check an outcome (``pytest.raises`` and friends).
PYTEST_CHECKS = frozenset({"raises", "warns", "approx", "fail", "deprecated_call"})
#: Name prefixes of assertion helpers (``assert_valid``, ``check_output``, ``expect``, ``verify``).
HELPER_PREFIXES = ("assert", "check", "expect", "verify")
#: Methods of a test class that fail the test: ``self.fail``, ``self.failUnless``.
FAIL_PREFIX = "fail"

#: Folders and files whose code is not expected to have tests of its own.
UNTESTED_DIRS = frozenset({"docs", "doc", "examples", "example", "migrations"})
UNTESTED_FILES = frozenset({"setup.py", "noxfile.py", "conftest.py"})

#: Top-level files whose mention of pytest declares how the tests are run (configuration,
#: dependencies, task runners), most telling first; requirement files, CI workflows and the
#: README's instructions follow.
_PYTEST_DECLARATION_FILES = (
    "pytest.ini",
    "pyproject.toml",
    "setup.cfg",
    "tox.ini",
    "setup.py",
    "noxfile.py",
    "Pipfile",
    "Makefile",
    "justfile",
    "hatch.toml",
    "environment.yml",
    "environment.yaml",
    ".gitlab-ci.yml",
    ".travis.yml",
)
_READMES = frozenset({"README.md", "README.rst", "README.txt", "README"})
_PYTEST_WORD = re.compile(r"\bpy\.?test\b")


# ---------------------------------------------------------------------------- inventory


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
        m.counts.code for m in snapshot.python_modules if not m.is_test and _expects_tests(m.path)
    )
    return SuiteInventory(
        test_files=tuple(m.path for m in test_modules),
        unparsed_test_files=tuple(m.path for m in test_modules if not m.parsed),
        collected=collected,
        pytest_declaration=_pytest_declaration(snapshot, scans),
        test_loc=sum(m.counts.code for m in test_modules),
        source_loc=source_loc,
    )


def _expects_tests(path: str) -> bool:
    """Whether a non-test Python file is code that tests are expected to cover."""
    parts = path.split("/")
    return parts[-1] not in UNTESTED_FILES and not any(p in UNTESTED_DIRS for p in parts[:-1])


@dataclass(frozen=True)
class ScannedClass:
    """A class of a test file, as far as deciding which runner collects its methods needs."""

    name: str
    bases: tuple[str, ...]  # the base classes' names
    has_init: bool


@dataclass(frozen=True)
class ScannedFunction:
    """One function of a test file: what it checks directly and which names it calls."""

    name: str
    qualname: str
    line: int
    owner: ScannedClass | None  # the class it is a method of
    fixture: bool
    empty: bool  # only ``pass``, ``...`` or a docstring
    asserts: bool
    calls: frozenset[str]


@dataclass(frozen=True)
class ScannedTestFile:
    """The functions and classes of one test file (:func:`test_file_scan`)."""

    path: str
    collectable: bool  # conftest.py holds fixtures, not tests
    imports_pytest: bool
    classes: tuple[tuple[str, tuple[str, ...]], ...]  # (name, base names) of every class
    functions: tuple[ScannedFunction, ...]


@module_summary
def test_file_scan(module: ParsedModule) -> ScannedTestFile | None:
    """One test file's functions and classes (None for code that is not a test)."""
    if not module.is_test:
        return None
    scan = _ModuleScan(module.path, module.tree)
    return ScannedTestFile(
        path=module.path,
        collectable=scan.collectable,
        imports_pytest=scan.imports_pytest,
        classes=tuple(_classes(module.tree)),
        functions=tuple(scan.functions),
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


class _ModuleScan:
    """The functions of one test file: where each is, what it checks, what it calls."""

    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.collectable = PurePosixPath(path).name != "conftest.py"
        self.pytest_aliases, self.pytest_names = _pytest_imports(tree)
        self.imports_pytest = bool(self.pytest_aliases or self.pytest_names)
        self.functions: list[ScannedFunction] = []
        self._scan_body(tree.body, prefix="", owner=None)

    def _scan_body(self, body: Sequence[ast.stmt], prefix: str, owner: ScannedClass | None) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._add_function(node, prefix, owner)
            elif isinstance(node, ast.ClassDef):
                has_init = any(
                    isinstance(n, ast.FunctionDef) and n.name == "__init__" for n in node.body
                )
                scanned = ScannedClass(
                    node.name, tuple(_base_name(base) for base in node.bases), has_init
                )
                self._scan_body(node.body, f"{prefix}{node.name}.", scanned)

    def _add_function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        prefix: str,
        owner: ScannedClass | None,
    ) -> None:
        asserts, calls = self._checks_in(node)
        self.functions.append(
            ScannedFunction(
                name=node.name,
                qualname=prefix + node.name,
                line=node.lineno,
                owner=owner,
                fixture=_is_fixture(node),
                empty=_is_stub(node),
                asserts=asserts,
                calls=calls,
            )
        )

    def _checks_in(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> tuple[bool, frozenset[str]]:
        """Whether a function's body checks an outcome itself, and the names it calls."""
        params = {a.arg for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs}
        benchmark = "benchmark" in params
        asserts = False
        calls: set[str] = set()
        for stmt in node.body:
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Call):
                    checks = self._call_check(sub.func, benchmark, calls)
                else:
                    checks = isinstance(sub, ast.Assert) or (
                        isinstance(sub, ast.Raise) and _raises_assertion(sub)
                    )
                asserts = asserts or checks
        return asserts, frozenset(calls)

    def _call_check(self, func: ast.expr, benchmark: bool, calls: set[str]) -> bool:
        """Whether a call checks an outcome; records the called helper names on the way."""
        if isinstance(func, ast.Name):
            calls.add(func.id)
            if self.pytest_names.get(func.id) in PYTEST_CHECKS:
                return True
            if benchmark and func.id == "benchmark":
                return True
            return _named_like(func.id, HELPER_PREFIXES)
        if isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if _named_like(func.attr, ("assert",)):
                return True  # self.assertEqual, mock.assert_called_once_with, np.testing.assert_*
            if owner in self.pytest_aliases and func.attr in PYTEST_CHECKS:
                return True
            if owner in ("self", "cls"):
                calls.add(func.attr)
                return _named_like(func.attr, (*HELPER_PREFIXES, FAIL_PREFIX))
            if benchmark and owner == "benchmark" and func.attr == "pedantic":
                return True
        return False


def _named_like(name: str, prefixes: Sequence[str]) -> bool:
    """Whether a name starts with one of ``prefixes`` as a word: ``assert_ok``, ``assertEqual``,
    ``_verify``, ``expect`` do; ``checkout`` and ``failure_count`` do not."""
    name = name.lstrip("_")
    for prefix in prefixes:
        if name[: len(prefix)].lower() == prefix:
            rest = name[len(prefix) :]
            if not rest or rest[0] == "_" or rest[0].isupper() or rest[0].isdigit():
                return True
    return False


def _classes(tree: ast.Module) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(name, base names) of the classes at module level and nested in classes."""
    pending: list[ast.stmt] = list(_top_level(tree.body))
    while pending:  # function bodies skipped
        node = pending.pop()
        if isinstance(node, ast.ClassDef):
            yield node.name, tuple(_base_name(b) for b in node.bases)
            pending.extend(node.body)


def _testcase_class_names(scans: Iterable[ScannedTestFile]) -> frozenset[str]:
    """Names of unittest.TestCase classes: *TestCase bases and test-file classes deriving them."""
    bases: dict[str, set[str]] = defaultdict(set)
    for scan in scans:
        for name, names in scan.classes:
            bases[name].update(names)
    known = {name for base_names in bases.values() for name in base_names if name}
    known = {name for name in known if name.endswith("TestCase")}
    changed = True
    while changed:
        changed = False
        for name, base_names in bases.items():
            if name not in known and base_names & known:
                known.add(name)
                changed = True
    return frozenset(known)


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):  # Generic[T]-style bases
        return _base_name(node.value)
    return ""


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if _base_name(target) in ("fixture", "yield_fixture"):
            return True
    return False


def _is_stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A body of only ``pass``, ``...`` and docstrings: a placeholder, not a test."""
    for stmt in node.body:
        if isinstance(stmt, ast.Pass):
            continue
        value = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(value, ast.Constant) and (
            isinstance(value.value, str) or value.value is Ellipsis
        ):
            continue
        return False
    return True


def _raises_assertion(node: ast.Raise) -> bool:
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return exc is not None and _base_name(exc) in ("AssertionError", "failureException")


def _pytest_imports(tree: ast.Module) -> tuple[frozenset[str], dict[str, str]]:
    """Local names bound to the pytest module, and names imported from it (local -> original)."""
    aliases: set[str] = set()
    names: dict[str, str] = {}
    for node in _top_level(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "pytest":
                    aliases.add(alias.asname or "pytest")
        elif isinstance(node, ast.ImportFrom) and node.module == "pytest" and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = alias.name
    return frozenset(aliases), names


def _top_level(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, looking inside ``if``/``try`` blocks but not into definitions."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _top_level(block)
            for handler in node.handlers:
                yield from _top_level(handler.body)


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
    order = {name: i for i, name in enumerate(_PYTEST_DECLARATION_FILES)}
    requirements, workflow, readme = len(order), len(order) + 1, len(order) + 2
    found: list[tuple[int, str]] = []
    for path in snapshot.files:
        if is_vendored(path):
            continue
        name = PurePosixPath(path).name
        lowered = path.lower()
        if "/" not in path and (name in order or name in _READMES):
            found.append((order.get(name, readme), path))
        elif name.endswith((".txt", ".in")) and "requirements" in lowered:
            found.append((requirements, path))
        elif lowered.startswith(".github/workflows/") and name.endswith((".yml", ".yaml")):
            found.append((workflow, path))
    return [path for _, path in sorted(found)]


# ---------------------------------------------------------------------------- rules


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _capped(items: Sequence[CollectedTest], note: str) -> tuple[Evidence, ...]:
    return tuple(t.evidence(note) for t in items[:MAX_EVIDENCE])


@primitive("tests_present")
def tests_present(snapshot: Snapshot, *, min_test_functions: int = 1) -> Outcome:
    """The repository has test functions that are more than empty stubs."""
    if not snapshot.python_modules:
        return Outcome.skipped("no Python files: the Python test rules do not apply")
    inventory = suite_inventory(snapshot)
    tests, stubs = inventory.tests, inventory.stubs
    files = len({t.path for t in tests})
    unparsed = ""
    if inventory.unparsed_test_files:
        count = len(inventory.unparsed_test_files)
        unparsed = f"; {_plural(count, 'test file')} could not be parsed"
    stub_note = f" ({_plural(len(stubs), 'empty stub')} not counted)" if stubs else ""
    wanted = max(1, min_test_functions)
    if not tests:
        if stubs:
            message = (
                f"{_plural(len(stubs), 'test function')} found, but all are empty stubs "
                f"(only pass, ... or a docstring){unparsed}"
            )
            return Outcome.failed(message, _capped(stubs, "is an empty stub"))
        if inventory.test_files:
            message = (
                f"{_plural(len(inventory.test_files), 'test file')} but no test function "
                f"(test_* functions or TestCase test methods){unparsed}"
            )
            evidence = tuple(Evidence(p) for p in inventory.test_files[:MAX_EVIDENCE])
            return Outcome.failed(message, evidence)
        return Outcome.failed(f"no test files (test_*.py, *_test.py or a tests/ folder){unparsed}")
    message = f"{_plural(len(tests), 'test function')} in {_plural(files, 'file')}{stub_note}"
    if len(tests) < wanted:
        message += f"; at least {wanted} expected"
    return Outcome.graded(len(tests) / wanted, message + unparsed)


@primitive("test_framework")
def tests_framework(snapshot: Snapshot) -> Outcome:
    """The tests are written for a recognised framework (pytest or unittest)."""
    inventory = suite_inventory(snapshot)
    tests = inventory.tests
    if not tests:
        return Outcome.skipped("no tests to judge")
    declared = inventory.pytest_declaration
    recognised = [t for t in tests if t.style == "unittest" or declared is not None]
    unittest_count = sum(1 for t in tests if t.style == "unittest")
    runners = []
    if unittest_count:
        runners.append(f"unittest ({_plural(unittest_count, 'test')} in TestCase classes)")
    evidence: tuple[Evidence, ...] = ()
    if declared is not None:
        runners.append(f"pytest ({declared.path} {declared.what})")
        evidence = (Evidence(declared.path, declared.line, declared.what),)
    if len(recognised) == len(tests):
        return Outcome.passed("tests use " + " and ".join(runners), evidence)
    undeclared = [t for t in tests if t.style != "unittest"]
    message = (
        f"{len(undeclared)} of {_plural(len(tests), 'test function')} follow pytest's naming, "
        "but nothing in the repository imports, configures or declares pytest "
        "(no import, conftest.py, configuration or dependency)"
    )
    if runners:
        message += "; the others use " + " and ".join(runners)
    fraction = len(recognised) / len(tests)
    return Outcome.graded(fraction, message, _capped(undeclared, "needs pytest to run"))


@primitive("test_ratio")
def tests_ratio(snapshot: Snapshot, *, min_ratio: float = 0.2) -> Outcome:
    """Lines of test code relative to lines of source code."""
    inventory = suite_inventory(snapshot)
    if inventory.source_loc == 0:
        return Outcome.skipped("no non-test Python source code to compare the tests with")
    ratio = inventory.test_loc / inventory.source_loc
    message = (
        f"{inventory.test_loc:,} lines of test code for {inventory.source_loc:,} lines of source "
        f"(ratio {ratio:.2f}, target {min_ratio:.2f})"
    )
    if min_ratio <= 0:
        return Outcome.passed(message)
    return Outcome.graded(ratio / min_ratio, message)


@primitive("tests_assert")
def tests_assert(snapshot: Snapshot) -> Outcome:
    """Every test function checks an outcome."""
    inventory = suite_inventory(snapshot)
    tests = inventory.tests
    if not tests:
        return Outcome.skipped("no tests to judge")
    silent = inventory.assertionless
    total = _plural(len(tests), "test function")
    if not silent:
        return Outcome.passed(f"all {total} assert something")
    message = f"{len(silent):,} of {total} assert nothing"
    if len(silent) > MAX_EVIDENCE:
        message += f" (the first {MAX_EVIDENCE} are listed)"
    score = 1 - len(silent) / len(tests)
    return Outcome.graded(score, message, _capped(silent, "asserts nothing"))


# ---------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class CoverageReading:
    """A coverage percentage read from one committed file, or why none could be read."""

    path: str
    percent: float | None
    detail: str  # how the number was obtained, or the reason there is none


@primitive("coverage_threshold")
def coverage_threshold(snapshot: Snapshot, *, min_percent: float = 70.0) -> Outcome:
    """Committed coverage data (coverage.xml or .coverage) meets the threshold."""
    readings = committed_coverage(snapshot)
    if not readings:
        return Outcome.skipped("no committed coverage data (coverage.xml or .coverage)")
    reading = next((r for r in readings if r.percent is not None), None)
    if reading is None or reading.percent is None:
        reasons = "; ".join(f"{r.path}: {r.detail}" for r in readings)
        return Outcome.skipped(f"coverage data could not be read ({reasons})")
    evidence = (Evidence(reading.path, None, reading.detail),)
    message = f"{reading.path} reports {reading.percent:.1f}% line coverage"
    if reading.percent >= min_percent or min_percent <= 0:
        return Outcome.passed(f"{message} (threshold {min_percent:g}%)", evidence)
    message += f", below the {min_percent:g}% threshold"
    return Outcome.graded(reading.percent / min_percent, message, evidence)


@fact
def committed_coverage(snapshot: Snapshot) -> tuple[CoverageReading, ...]:
    """Every committed coverage file, read in order of preference (XML first, shallow first)."""
    xml_files = []
    data_files = []
    for path in snapshot.files:
        if is_vendored(path):
            continue
        name = PurePosixPath(path).name
        if name == "coverage.xml":
            xml_files.append(path)
        elif name == ".coverage":
            data_files.append(path)

    def order(path: str) -> tuple[int, str]:
        return path.count("/"), path

    readings = [_read_cobertura(path, snapshot.text(path)) for path in sorted(xml_files, key=order)]
    readings += [_read_coverage_data(snapshot, path) for path in sorted(data_files, key=order)]
    return tuple(readings)


def _read_cobertura(path: str, text: str | None) -> CoverageReading:
    """The root ``line-rate`` of a Cobertura report, defensively."""
    if text is None:
        return CoverageReading(path, None, "not readable as text (binary or over the size bound)")
    if "<!ENTITY" in text:
        return CoverageReading(path, None, "declares XML entities; not read")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return CoverageReading(path, None, f"malformed XML ({exc})")
    if root.tag != "coverage":
        return CoverageReading(path, None, f"not a Cobertura report (root element <{root.tag}>)")
    raw = root.get("line-rate")
    try:
        rate = float(raw) if raw is not None else None
    except ValueError:
        rate = None
    if rate is None or not 0.0 <= rate <= 1.0:
        return CoverageReading(path, None, f"no valid line-rate attribute ({raw!r})")
    if root.get("lines-valid") == "0":
        return CoverageReading(path, None, "the report measured no lines")
    return CoverageReading(path, rate * 100, f"line-rate {raw}")


def _read_coverage_data(snapshot: Snapshot, path: str) -> CoverageReading:
    """Line coverage from coverage.py's SQLite data, matched against the committed sources."""
    data = snapshot.blob(path)
    if not data:
        return CoverageReading(path, None, "empty or over the size bound")
    return coverage_from_sqlite(data, path, snapshot)


def coverage_from_sqlite(data: bytes, path: str, snapshot: Snapshot) -> CoverageReading:
    """Compute line coverage from the bytes of a ``.coverage`` file, as coverage.py reports it.

    The data holds executed line numbers per measured file (absolute paths on the author's
    machine); the statements of each file come from parsing the committed source with
    coverage.py's own parser, so the percentage matches ``coverage report`` for that code.
    """
    measured = _measured_lines(data)
    if isinstance(measured, str):
        return CoverageReading(path, None, measured)
    statements = executed = matched = 0
    index = _python_paths_by_name(snapshot)
    for measured_file, lines in measured.items():
        source_path = match_measured_path(measured_file, index)
        if source_path is None:
            continue
        counted = _statement_coverage(snapshot.text(source_path), lines)
        if counted is None:
            continue
        matched += 1
        statements += counted[0]
        executed += counted[1]
    if not matched:
        return CoverageReading(path, None, "the data measures no Python file of this repository")
    if not statements:
        return CoverageReading(path, None, "the measured files have no statements")
    detail = f"{executed} of {statements} statements in {_plural(matched, 'file')} executed"
    return CoverageReading(path, 100 * executed / statements, detail)


def _measured_lines(data: bytes) -> dict[str, list[int]] | str:
    """Executed line numbers per measured file, or why the data cannot be read.

    coverage.py reads its SQLite data from a file, so the bytes go to a private temporary
    copy that is deleted afterwards (the committed file itself is never touched).
    """
    from coverage import CoverageData
    from coverage.exceptions import CoverageException

    try:
        with tempfile.TemporaryDirectory(prefix="auditor-coverage-") as folder:
            db = Path(folder) / ".coverage"
            db.write_bytes(data)
            refused = _active_schema(db)
            if refused:
                return f"not read: the database defines {refused}, which coverage.py never does"
            reader = CoverageData(basename=str(db))
            try:
                reader.read()
                return {name: reader.lines(name) or [] for name in reader.measured_files()}
            finally:
                reader.close()
    except (CoverageException, sqlite3.Error, ValueError, OSError) as exc:
        return f"not readable coverage.py data ({exc})"


def _active_schema(db: Path) -> str | None:
    """The first view, trigger or virtual table in a SQLite file, by kind, or None.

    coverage.py's data is plain tables. A committed database is untrusted: a view can be an
    endless recursive query (coverage.py would read it until memory runs out) and a trigger
    runs on reads' side effects, while a plain table holds no more rows than its bytes.
    """
    connection = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT type, sql FROM sqlite_master").fetchall()
    finally:
        connection.close()
    for kind, sql in rows:
        if kind in ("view", "trigger"):
            return f"a {kind}"
        if kind == "table" and str(sql or "").upper().lstrip().startswith("CREATE VIRTUAL"):
            return "a virtual table"
    return None


def _statement_coverage(text: str | None, lines: Iterable[int]) -> tuple[int, int] | None:
    """(statements, executed statements) of one source file, by coverage.py's parser."""
    if text is None:
        return None
    from coverage.config import DEFAULT_EXCLUDE
    from coverage.exceptions import CoverageException
    from coverage.parser import PythonParser

    exclude = "|".join(f"(?:{pattern})" for pattern in DEFAULT_EXCLUDE)
    try:
        parser = PythonParser(text=text, exclude=exclude)
        parser.parse_source()
    except (CoverageException, SyntaxError, ValueError, RecursionError):
        return None
    statements = parser.statements
    return len(statements), len(parser.translate_lines(lines) & statements)


@fact
def _python_paths_by_name(snapshot: Snapshot) -> dict[str, list[str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for module in snapshot.python_modules:
        index[PurePosixPath(module.path).name].append(module.path)
    return dict(index)


def match_measured_path(measured: str, index: dict[str, list[str]]) -> str | None:
    """The snapshot path sharing the longest path suffix with a measured file, or None."""
    parts = [p for p in re.split(r"[\\/]+", measured) if p]
    if not parts or not parts[-1].endswith(".py"):
        return None
    best: str | None = None
    best_len = 0
    for candidate in sorted(index.get(parts[-1], ())):
        candidate_parts = candidate.split("/")
        shared = 0
        for mine, theirs in zip(reversed(parts), reversed(candidate_parts), strict=False):
            if mine != theirs:
                break
            shared += 1
        if shared > best_len:
            best, best_len = candidate, shared
    return best


# ---------------------------------------------------------------------------- signals


@signal_group("tests")
def tests_signals(snapshot: Snapshot) -> dict[str, Any]:
    inventory = suite_inventory(snapshot)
    return {
        "files": len(inventory.test_files),
        "framework": inventory.framework,
        "test_functions": len(inventory.tests),
        "assertionless": len(inventory.assertionless),
        "test_loc": inventory.test_loc,
        "source_loc": inventory.source_loc,
    }


@signal_group("python")
def python_signals(snapshot: Snapshot) -> dict[str, Any]:
    modules: Sequence[PythonModule] = snapshot.python_modules
    return {
        "files": len(modules),
        "loc": sum(m.counts.code for m in modules),
        "parse_errors": sum(1 for m in modules if not m.parsed),
    }


__all__ = [
    "CollectedTest",
    "CoverageReading",
    "SuiteInventory",
    "committed_coverage",
    "coverage_from_sqlite",
    "match_measured_path",
    "suite_inventory",
]
