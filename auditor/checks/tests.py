"""Check primitives of the TST family: are there tests, and do they check anything?

Every primitive reads the shared :func:`~auditor.facts.tests.suite_inventory` (which tests
pytest or unittest would collect, stubs, assertions, where pytest is declared) or the
committed coverage data (:func:`~auditor.facts.coverage.committed_coverage`); this module only
judges and words the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.facts.coverage import committed_coverage, coverage_file_names
from auditor.facts.tests import CollectedTest, SuiteInventory, suite_inventory
from auditor.model import Evidence, Outcome
from auditor.source.languages.python import PythonModule
from auditor.source.snapshot import Snapshot

#: Evidence lists are capped; the message always gives the full count.
MAX_EVIDENCE = 20


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _capped(items: Sequence[CollectedTest], note: str) -> tuple[Evidence, ...]:
    return tuple(t.evidence(note) for t in items[:MAX_EVIDENCE])


@primitive("tests_present")
def tests_present(
    snapshot: Snapshot,
    *,
    min_test_functions: int = 1,
    tests_per_kloc: float = 0.0,
    test_loc_ratio: float = 0.0,
) -> Outcome:
    """The repository has tests that can fail and reach the project's code, in proportion to
    the code: ``tests_per_kloc`` test functions per 1,000 lines of source (at least
    ``min_test_functions``), or else lines of such tests at ``test_loc_ratio`` of the source's,
    whichever earns more (a data-driven or parametrised suite has few, long functions)."""
    if not snapshot.python_modules:
        return Outcome.skipped("no Python files: the Python test rules do not apply")
    inventory = suite_inventory(snapshot)
    tests, stubs, real = inventory.tests, inventory.stubs, inventory.can_fail
    files = len({t.path for t in real})
    unparsed = ""
    if inventory.unparsed_test_files:
        count = len(inventory.unparsed_test_files)
        unparsed = f"; {_plural(count, 'test file')} could not be parsed"
    source = sum(m.counts.code for m in snapshot.python_modules if not m.is_test)
    wanted = max(1, min_test_functions, round(source * tests_per_kloc / 1000))
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
    left_out = _left_out(inventory)
    if not real:
        message = f"{_plural(len(tests), 'test function')}, but none can fail and reach the project"
        return Outcome.failed(f"{message}: {left_out}{unparsed}", _silent_evidence(inventory))
    message = f"{_plural(len(real), 'test function')} in {_plural(files, 'file')}"
    if left_out:
        message += f" ({left_out}, not counted)"
    score = len(real) / wanted
    if len(real) < wanted:
        size = f" for {source:,} lines of code" if tests_per_kloc else ""
        message += f"; at least {wanted} expected{size}"
        volume = _volume_share(inventory, test_loc_ratio)
        if volume > score:
            score = volume
            message += (
                f", but their {inventory.counted_test_loc:,} lines are "
                f"{inventory.counted_test_loc / inventory.source_loc:.2f} of the source's "
                f"(in proportion from {test_loc_ratio:.2f})"
            )
    evidence = _silent_evidence(inventory) if left_out else ()
    return Outcome.graded(score, message + unparsed, evidence)


def _volume_share(inventory: SuiteInventory, test_loc_ratio: float) -> float:
    """The suite's size judged by its lines of tests that can fail, as a share of
    ``test_loc_ratio`` times the source's lines (0 when not judged)."""
    if test_loc_ratio <= 0 or inventory.source_loc == 0:
        return 0.0
    return min(1.0, inventory.counted_test_loc / inventory.source_loc / test_loc_ratio)


def _left_out(inventory: SuiteInventory) -> str:
    """What was not counted as a test, and why: "2 only assert literals, 1 empty stub"."""
    silent = inventory.assertionless
    constant = len(inventory.constant_only)
    discarded = sum(1 for t in silent if not t.constant_checks and t.discarded_comparison)
    nothing = len(silent) - constant - discarded
    parts = [
        f"{constant:,} only assert literals" if constant else "",
        f"{discarded:,} compare without assert" if discarded else "",
        f"{nothing:,} assert nothing" if nothing else "",
        f"{len(inventory.detached):,} never reach the project's code" if inventory.detached else "",
        _plural(len(inventory.stubs), "empty stub") if inventory.stubs else "",
    ]
    return ", ".join(p for p in parts if p)


def _silent_evidence(inventory: SuiteInventory) -> tuple[Evidence, ...]:
    """Each test left out, with why (the first :data:`MAX_EVIDENCE`)."""
    found = [t.evidence(t.silent_reason) for t in inventory.assertionless]
    found += [t.evidence("never reaches the project's code") for t in inventory.detached]
    return tuple(sorted(found, key=lambda e: (e.path, e.line or 0))[:MAX_EVIDENCE])


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
def tests_ratio(snapshot: Snapshot, *, min_ratio: float = 0.2, min_reach: float = 0.5) -> Outcome:
    """Test code that can fail relative to the source, and the share of the source it reaches."""
    inventory = suite_inventory(snapshot)
    if inventory.source_loc == 0:
        return Outcome.skipped("no non-test Python source code to compare the tests with")
    ratio = inventory.counted_test_loc / inventory.source_loc
    reach = inventory.reached_fraction or 0.0
    message = (
        f"{inventory.counted_test_loc:,} lines of tests that can fail for "
        f"{inventory.source_loc:,} lines of source (ratio {ratio:.2f}, target {min_ratio:.2f})"
    )
    if inventory.counted_test_loc != inventory.test_loc:
        message += f"; {inventory.test_loc:,} lines of test code in all"
    modules = len(inventory.source_modules)
    reached = len(inventory.reached_modules)
    message += (
        f"; they reach {reached:,} of {_plural(modules, 'source module')} "
        f"({reach:.0%} of the source lines, target {min_reach:.0%})"
    )
    score = 1.0 if min_ratio <= 0 else min(1.0, ratio / min_ratio)
    if min_reach > 0:
        score *= min(1.0, reach / min_reach)
    if score >= 1:
        return Outcome.passed(message)
    return Outcome.graded(score, message)


@primitive("tests_assert")
def tests_assert(snapshot: Snapshot) -> Outcome:
    """Every test function checks an outcome that can fail."""
    inventory = suite_inventory(snapshot)
    tests = inventory.tests
    if not tests:
        return Outcome.skipped("no tests to judge")
    silent = inventory.assertionless
    total = _plural(len(tests), "test function")
    if not silent:
        return Outcome.passed(f"all {total} assert something that can fail")
    constant = len(inventory.constant_only)
    message = f"{len(silent):,} of {total} assert nothing that can fail"
    if constant:
        message += f" ({constant:,} only assert literals)"
    if len(silent) > MAX_EVIDENCE:
        message += f" (the first {MAX_EVIDENCE} are listed)"
    score = 1 - len(silent) / len(tests)
    evidence = tuple(t.evidence(t.silent_reason) for t in silent[:MAX_EVIDENCE])
    return Outcome.graded(score, message, evidence)


@primitive("coverage_threshold")
def coverage_threshold(snapshot: Snapshot, *, min_percent: float = 70.0) -> Outcome:
    """Committed coverage data (coverage.xml or .coverage) meets the threshold."""
    readings = committed_coverage(snapshot)
    if not readings:
        names = " or ".join(coverage_file_names())
        return Outcome.skipped(f"no committed coverage data ({names})")
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
        "can_fail": len(inventory.can_fail),
        "constant_only": len(inventory.constant_only),
        "detached": len(inventory.detached),
        "counted_test_loc": inventory.counted_test_loc,
        "source_modules": len(inventory.source_modules),
        "imported_modules": len(inventory.reached_modules),
        "imported_fraction": (
            None if inventory.reached_fraction is None else round(inventory.reached_fraction, 3)
        ),
    }


@signal_group("python")
def python_signals(snapshot: Snapshot) -> dict[str, Any]:
    modules: Sequence[PythonModule] = snapshot.python_modules
    return {
        "files": len(modules),
        "loc": sum(m.counts.code for m in modules),
        "parse_errors": sum(1 for m in modules if not m.parsed),
    }
