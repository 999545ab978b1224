"""The TST family (tests of the audited repository) and the ``tests`` and ``python`` signals.

Every case builds a real git repository with the factory and runs the default pack's rule
(or, for parameters the pack does not use, the registered primitive) on the snapshot.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.checks.registry import primitives, signal_groups
from auditor.facts.coverage import (
    MAX_NUMBITS_PER_FILE,
    coverage_from_sqlite,
    match_measured_path,
)
from auditor.facts.tests import expects_tests, is_test_path
from auditor.model import Outcome, Status
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder
from tests.hostile_corpus import GENERATED_NUMBITS

Run = Callable[[str, Path], Outcome]

SOURCE = textwrap.dedent(
    '''\
    """A tiny calculator."""


    def add(a, b):
        return a + b


    def sub(a, b):
        return a - b


    def mul(a, b):
        return a * b


    def div(a, b):
        return a / b
    '''
)


PLAIN_TESTS = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def primitive(name: str, path: Path, **params: Any) -> Outcome:
    """Run a registered primitive with explicit parameters."""
    return primitives()[name](Snapshot.open(path), params)


def signal(name: str, path: Path) -> dict[str, Any]:
    return signal_groups()[name](Snapshot.open(path))


# ------------------------------------------------------------------------------- TST001


def test_tst001_passes_with_pytest_tests(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add calculator with tests",
        {
            "calc.py": SOURCE,
            "tests/test_calc.py": dedent(
                """
                from calc import add, sub

                def test_add():
                    assert add(1, 2) == 3

                def test_sub():
                    assert sub(3, 1) == 2
                """
            ),
        },
    )
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.score == 1.0
    assert outcome.message == "2 test functions in 1 file"


def test_tst001_fails_without_test_files(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add calculator", {"calc.py": SOURCE})
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert "no test files" in outcome.message


def test_tst001_empty_stubs_are_not_tests(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add test placeholders",
        {
            "calc.py": SOURCE,
            "tests/test_calc.py": dedent(
                '''
                def test_add():
                    pass

                def test_sub():
                    """Subtraction works."""

                class TestDiv:
                    def test_by_zero(self):
                        ...
                '''
            ),
        },
    )
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.FAIL
    assert outcome.message.startswith("3 test functions found, but all are empty stubs")
    assert [(e.path, e.line) for e in outcome.evidence] == [
        ("tests/test_calc.py", 1),
        ("tests/test_calc.py", 4),
        ("tests/test_calc.py", 8),
    ]
    assert outcome.evidence[2].note == "TestDiv.test_by_zero is an empty stub"


def test_tst001_fixtures_helpers_and_conftest_are_not_tests(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit(
        "Add test scaffolding",
        {
            "calc.py": SOURCE,
            "tests/conftest.py": dedent(
                """
                import pytest

                @pytest.fixture
                def test_data():
                    return [1, 2]

                def test_in_conftest():
                    assert True
                """
            ),
            "tests/test_calc.py": dedent(
                """
                from pytest import fixture

                @fixture()
                def test_client():
                    return object()

                class Helper:
                    def test_like_name(self):
                        assert 1

                class TestWithInit:
                    def __init__(self):
                        self.x = 1

                    def test_never_collected(self):
                        assert self.x
                """
            ),
        },
    )
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.FAIL
    assert outcome.message.startswith("2 test files but no test function")
    assert {e.path for e in outcome.evidence} == {"tests/conftest.py", "tests/test_calc.py"}


def test_tst001_partial_below_the_minimum(repo: RepoBuilder) -> None:
    repo.commit(
        "Add one test",
        {"calc.py": SOURCE, "test_calc.py": PLAIN_TESTS},
    )
    outcome = primitive("tests_present", repo.path, min_test_functions=4)
    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.25)
    assert outcome.message == "1 test function in 1 file; at least 4 expected"


def test_tst001_reports_unparseable_test_files(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": SOURCE,
            "tests/test_ok.py": PLAIN_TESTS,
            "tests/test_broken.py": "def test_broken(:\n",
        },
    )
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == "1 test function in 1 file; 1 test file could not be parsed"


def test_tst001_skips_without_python(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add notes", {"README.md": "# Notes\n", "index.js": "console.log(1)\n"})
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.SKIP
    assert outcome.score is None
    assert "no Python files" in outcome.message


# ------------------------------------------------------------------------------- TST002


def test_tst002_passes_when_tests_import_pytest(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": SOURCE,
            "tests/test_calc.py": "import pytest\n\n\ndef test_div():\n"
            "    with pytest.raises(ZeroDivisionError):\n        1 / 0\n",
        },
    )
    outcome = outcome_of("TST002", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == "tests use pytest (tests/test_calc.py imports pytest)"
    assert outcome.evidence[0].path == "tests/test_calc.py"


def test_tst002_passes_with_pytest_configuration(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": SOURCE,
            "tests/test_calc.py": PLAIN_TESTS,
            "pyproject.toml": '[project]\nname = "calc"\n\n[tool.pytest.ini_options]\n'
            'testpaths = ["tests"]\n',
        },
    )
    outcome = outcome_of("TST002", repo.path)
    assert outcome.status is Status.PASS
    assert "pyproject.toml mentions pytest" in outcome.message
    assert (outcome.evidence[0].path, outcome.evidence[0].line) == ("pyproject.toml", 4)


def test_tst002_passes_with_pytest_in_requirements(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": SOURCE,
            "tests/test_calc.py": PLAIN_TESTS,
            "requirements-dev.txt": "ruff\npytest-cov>=4\n",
        },
    )
    outcome = outcome_of("TST002", repo.path)
    assert outcome.status is Status.PASS
    assert (outcome.evidence[0].path, outcome.evidence[0].line) == ("requirements-dev.txt", 2)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"tests/conftest.py": ""}, "tests use pytest (tests/conftest.py configures pytest)"),
        ({"tox.ini": "[tox]\n\n[pytest]\nxfail_strict = true\n"}, "(tox.ini mentions pytest)"),
        (
            {".github/workflows/ci.yml": "jobs:\n  test:\n    steps:\n      - run: py.test\n"},
            "(.github/workflows/ci.yml mentions pytest)",
        ),
        ({"README.md": "# Calc\n\nRun the tests with `pytest`.\n"}, "(README.md mentions pytest)"),
        # Every README name GitHub shows (auditor.source.readme's list), in any case.
        ({"readme.rst": "Calc\n====\n\nRun ``pytest``.\n"}, "(readme.rst mentions pytest)"),
        ({"justfile": "test:\n    uv run pytest -q\n"}, "(justfile mentions pytest)"),
    ],
)
def test_tst002_pytest_declarations(
    repo: RepoBuilder, outcome_of: Run, files: dict[str, str], expected: str
) -> None:
    repo.commit("Add tests", {"calc.py": SOURCE, "tests/test_calc.py": PLAIN_TESTS, **files})
    outcome = outcome_of("TST002", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message.endswith(expected)


def test_tst002_prefers_configuration_over_the_readme(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": SOURCE,
            "tests/test_calc.py": PLAIN_TESTS,
            "README.md": "Tests: `pytest`\n",
            "setup.cfg": "[metadata]\nname = calc\n\n[tool:pytest]\naddopts = -q\n",
        },
    )
    outcome = outcome_of("TST002", repo.path)
    assert (outcome.evidence[0].path, outcome.evidence[0].line) == ("setup.cfg", 4)


def test_tst002_passes_with_inherited_unittest_cases(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add unittest suite",
        {
            "calc.py": SOURCE,
            "tests/base.py": "import unittest\n\n\nclass CalcCase(unittest.TestCase):\n"
            "    def setUp(self):\n        self.x = 2\n",
            "tests/test_calc.py": dedent(
                """
                from tests.base import CalcCase
                from calc import add

                class AddTests(CalcCase):
                    def test_add(self):
                        self.assertEqual(add(self.x, 1), 3)

                    def testNegative(self):
                        self.assertEqual(add(-1, 1), 0)
                """
            ),
        },
    )
    outcome = outcome_of("TST002", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == "tests use unittest (2 tests in TestCase classes)"
    assert signal("tests", repo.path)["framework"] == "unittest"


def test_tst002_fails_when_nothing_declares_pytest(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add tests", {"calc.py": SOURCE, "tests/test_calc.py": PLAIN_TESTS})
    outcome = outcome_of("TST002", repo.path)
    assert outcome.status is Status.FAIL
    assert outcome.message.startswith("1 of 1 test function follow pytest's naming")
    assert outcome.evidence[0].path == "tests/test_calc.py"
    assert outcome.evidence[0].line == 4


def test_tst002_partial_for_a_mixed_suite(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": SOURCE,
            "tests/test_calc.py": PLAIN_TESTS,
            "tests/test_more.py": dedent(
                """
                from unittest import TestCase

                class MoreTests(TestCase):
                    def test_one(self):
                        self.assertTrue(True)

                    def test_two(self):
                        self.assertFalse(False)

                    def test_three(self):
                        self.assertIsNone(None)
                """
            ),
        },
    )
    outcome = outcome_of("TST002", repo.path)
    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.75)
    assert "1 of 4 test functions" in outcome.message
    assert "unittest (3 tests in TestCase classes)" in outcome.message


def test_tst002_skips_without_tests(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add calculator", {"calc.py": SOURCE, "pytest.ini": "[pytest]\n"})
    outcome = outcome_of("TST002", repo.path)
    assert outcome.status is Status.SKIP
    assert outcome.message == "no tests to judge"


# ------------------------------------------------------------------------------- TST003


def _lines_of_code(count: int, prefix: str = "x") -> str:
    return "".join(f"{prefix}{i} = {i}\n" for i in range(count))


def _core_tests(lines: int) -> str:
    """A test module of ``lines`` lines of code whose one test can fail on ``pkg.core``."""
    return "from pkg import core\n\n\ndef test_core():\n    assert core.x1 == 1\n" + (
        _lines_of_code(lines - 3, "y")
    )


def test_tst003_passes_at_the_ratio(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add code and tests",
        {
            "pkg/core.py": _lines_of_code(100),
            "tests/test_core.py": "# a comment\n\n" + _core_tests(25),
        },
    )
    outcome = outcome_of("TST003", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == (
        "25 lines of tests that can fail for 100 lines of source (ratio 0.25, target 0.20); "
        "they reach 1 of 1 source module (100% of the source lines, target 50%)"
    )


def test_tst003_partial_in_proportion(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add code and tests",
        {
            "pkg/core.py": _lines_of_code(200),
            "tests/test_core.py": _core_tests(20),
            # Not code the tests are expected to cover, and not the candidate's code:
            "setup.py": _lines_of_code(50),
            "docs/conf.py": _lines_of_code(50),
            "examples/demo.py": _lines_of_code(50),
            "app/migrations/0001_initial.py": _lines_of_code(50),
            ".venv/lib/big.py": _lines_of_code(500),
        },
    )
    outcome = outcome_of("TST003", repo.path)
    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.5)
    assert "20 lines of tests that can fail for 200 lines of source (ratio 0.10" in outcome.message


def test_tst003_fails_without_tests(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add code", {"pkg/core.py": _lines_of_code(1500)})
    outcome = outcome_of("TST003", repo.path)
    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert outcome.message.startswith("0 lines of tests that can fail for 1,500 lines of source")


def test_tst003_skips_without_source(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add exercises",
        {"tests/test_kata.py": PLAIN_TESTS, "setup.py": "from setuptools import setup\nsetup()\n"},
    )
    outcome = outcome_of("TST003", repo.path)
    assert outcome.status is Status.SKIP
    assert "no non-test Python source" in outcome.message


# ------------------------------------------------------------------------------- TST004

ASSERTING_TESTS = dedent(
    """
    import unittest
    from unittest import mock

    import pytest
    from hypothesis import given, strategies as st
    from pytest import raises as expect_raises

    from calc import add, div
    from tests.helpers import compare_sum


    def test_plain_assert():
        assert add(1, 2) == 3


    def test_pytest_raises():
        with pytest.raises(ZeroDivisionError):
            div(1, 0)


    def test_raises_imported_from_pytest():
        with expect_raises(ZeroDivisionError):
            div(1, 0)


    def test_approx():
        assert add(0.1, 0.2) == pytest.approx(0.3)


    def test_mock_assertion():
        callback = mock.Mock()
        callback(1)
        callback.assert_called_once_with(1)


    def test_assert_helper():
        assert_sum(1, 2, 3)


    def test_helper_defined_in_another_test_file():
        compare_sum(1, 2, 3)


    def test_raise_assertion_error():
        if add(1, 1) != 2:
            raise AssertionError("bad sum")


    @given(st.integers())
    def test_property(n):
        assert add(n, 0) == n


    def test_benchmark(benchmark):
        benchmark(add, 1, 2)


    def test_snapshot(snapshot):
        snapshot.assert_match(str(add(1, 2)), "sum.txt")


    def test_expect_style(page):
        expect(page).to_have_title("Calc")


    class TestCalc(unittest.TestCase):
        def test_assert_method(self):
            self.assertEqual(add(2, 2), 4)

        def test_fail(self):
            if add(2, 2) != 4:
                self.fail("wrong")

        def test_own_helper(self):
            self._sum_is(2, 2, 4)

        def _sum_is(self, a, b, total):
            self.assertEqual(add(a, b), total)


    def assert_sum(a, b, total):
        assert add(a, b) == total
    """
)
HELPERS = dedent(
    """
    from calc import add


    def compare_sum(a, b, total):
        _ensure(add(a, b) == total)


    def _ensure(condition):
        if not condition:
            raise AssertionError("check failed")
    """
)


def test_tst004_passes_when_every_test_checks_something(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {"calc.py": SOURCE, "tests/test_calc.py": ASSERTING_TESTS, "tests/helpers.py": HELPERS},
    )
    outcome = outcome_of("TST004", repo.path)
    assert outcome.status is Status.PASS, outcome.evidence
    assert outcome.message == "all 15 test functions assert something that can fail"
    assert outcome.evidence == ()


def test_tst004_partial_names_each_silent_test(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": SOURCE,
            "tests/test_calc.py": dedent(
                """
                from unittest import mock

                import pytest

                from calc import add

                def test_checked():
                    assert add(1, 2) == 3

                def test_runs_but_checks_nothing():
                    add(1, 2)

                def test_misspelled_mock_assertion():
                    callback = mock.Mock()
                    callback(1)
                    callback.called_once_with(1)

                def test_stub_is_not_counted():
                    pass

                def test_benchmark_fixture_not_requested():
                    benchmark(add, 1, 2)

                def test_checkout_is_not_a_check():
                    checkout("main")

                def test_approx_without_assert():
                    add(0.1, 0.2) == pytest.approx(0.3)
                """
            ),
        },
    )
    outcome = outcome_of("TST004", repo.path)
    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(1 / 6)
    assert outcome.message == "5 of 6 test functions assert nothing that can fail"
    assert [(e.path, e.line, e.note) for e in outcome.evidence] == [
        ("tests/test_calc.py", 10, "test_runs_but_checks_nothing asserts nothing"),
        ("tests/test_calc.py", 13, "test_misspelled_mock_assertion asserts nothing"),
        ("tests/test_calc.py", 21, "test_benchmark_fixture_not_requested asserts nothing"),
        ("tests/test_calc.py", 24, "test_checkout_is_not_a_check asserts nothing"),
        (
            "tests/test_calc.py",
            27,
            "test_approx_without_assert compares without assert: the result is thrown away",
        ),
    ]


def test_tst004_fails_and_caps_evidence(repo: RepoBuilder, outcome_of: Run) -> None:
    body = "".join(f"def test_case_{i}():\n    print({i})\n\n\n" for i in range(25))
    repo.commit("Add tests", {"calc.py": SOURCE, "tests/test_many.py": body})
    outcome = outcome_of("TST004", repo.path)
    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert outcome.message == (
        "25 of 25 test functions assert nothing that can fail (the first 20 are listed)"
    )
    assert len(outcome.evidence) == 20
    assert outcome.evidence[0].line == 1
    assert outcome.evidence[19].note == "test_case_19 asserts nothing"


def test_tst004_skips_without_tests(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add stubs", {"calc.py": SOURCE, "tests/test_calc.py": "def test_x():\n    ...\n"})
    outcome = outcome_of("TST004", repo.path)
    assert outcome.status is Status.SKIP


# ------------------------------------------------------------------------------- TST005


def _run_coverage(project: Path, calls: str) -> None:
    """Measure ``calc.py`` with coverage.py's API in a separate process (our code, not theirs)."""
    script = dedent(
        f"""
        import coverage
        cov = coverage.Coverage(data_file=".coverage")
        cov.start()
        import calc
        {calls}
        cov.stop()
        cov.save()
        cov.xml_report(outfile="coverage.xml")
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")}
    subprocess.run(
        [sys.executable, "-c", script], cwd=project, env=env, check=True, capture_output=True
    )


def test_tst005_reads_a_real_coverage_xml(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.write({"calc.py": SOURCE})
    _run_coverage(repo.path, "calc.add(1, 2); calc.sub(3, 1)")
    (repo.path / ".coverage").unlink()
    repo.commit("Add calculator and its coverage report")
    outcome = outcome_of("TST005", repo.path)
    assert outcome.status is Status.PASS
    # 8 statements (4 defs, 4 returns); add and sub ran: 6 of 8.
    assert outcome.message == "coverage.xml reports 75.0% line coverage (threshold 70%)"
    assert outcome.evidence[0].path == "coverage.xml"


def _cobertura(rate: str, valid: int = 120) -> str:
    return (
        '<?xml version="1.0" ?>\n'
        f'<coverage version="7.4" line-rate="{rate}" branch-rate="0" lines-valid="{valid}">\n'
        "  <packages/>\n</coverage>\n"
    )


def test_tst005_partial_below_threshold(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add coverage", {"calc.py": SOURCE, "reports/coverage.xml": _cobertura("0.35")})
    outcome = outcome_of("TST005", repo.path)
    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.5)
    assert outcome.message == (
        "reports/coverage.xml reports 35.0% line coverage, below the 70% threshold"
    )
    assert outcome.evidence[0].note == "line-rate 0.35"


def test_tst005_fails_at_zero(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add coverage", {"calc.py": SOURCE, "coverage.xml": _cobertura("0")})
    outcome = outcome_of("TST005", repo.path)
    assert outcome.status is Status.FAIL
    assert "0.0% line coverage" in outcome.message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("<coverage line-rate='0.9'", "malformed XML"),
        ("<report line-rate='0.9'/>", "not a Cobertura report"),
        ("<coverage line-rate='high'/>", "no valid line-rate"),
        (_cobertura("0.0", valid=0), "measured no lines"),
        (
            '<!DOCTYPE c [<!ENTITY a "aaaa">]><coverage line-rate="0.9"/>',
            "declares XML entities",
        ),
    ],
)
def test_tst005_unreadable_xml_is_a_skip(
    repo: RepoBuilder, outcome_of: Run, content: str, reason: str
) -> None:
    repo.commit("Add coverage", {"calc.py": SOURCE, "coverage.xml": content})
    outcome = outcome_of("TST005", repo.path)
    assert outcome.status is Status.SKIP
    assert outcome.message.startswith("coverage data could not be read (coverage.xml: ")
    assert reason in outcome.message


def test_tst005_skips_without_coverage_data(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add calculator", {"calc.py": SOURCE})
    outcome = outcome_of("TST005", repo.path)
    assert outcome.status is Status.SKIP
    assert outcome.message == "no committed coverage data (coverage.xml or .coverage)"


def test_tst005_reads_a_real_dot_coverage_file(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.write({"calc.py": SOURCE})
    _run_coverage(repo.path, "calc.add(1, 2)")
    (repo.path / "coverage.xml").unlink()
    repo.commit("Add calculator and its coverage data")
    outcome = outcome_of("TST005", repo.path)
    # 5 of 8 statements ran (4 defs and one return; a docstring is not a statement).
    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(62.5 / 70)
    assert outcome.message == ".coverage reports 62.5% line coverage, below the 70% threshold"
    assert outcome.evidence[0].note == "5 of 8 statements in 1 file executed"


def test_coverage_data_is_matched_to_committed_sources(repo: RepoBuilder, tmp_path: Path) -> None:
    measured = tmp_path / "measure" / "src"
    measured.mkdir(parents=True)
    (measured / "calc.py").write_text(SOURCE)
    _run_coverage(measured, "calc.add(1, 2)")
    repo.commit("Add calculator", {"src/calc.py": SOURCE, "tests/calc.py": "x = 1\n"})
    snapshot = Snapshot.open(repo.path)
    data = (measured / ".coverage").read_bytes()
    reading = coverage_from_sqlite(data, ".coverage", snapshot)
    assert reading.percent == pytest.approx(62.5)
    assert reading.detail == "5 of 8 statements in 1 file executed"

    garbage = coverage_from_sqlite(b"not a database" * 100, ".coverage", snapshot)
    assert garbage.percent is None
    assert "not readable coverage.py data" in garbage.detail


def test_measured_paths_match_by_longest_suffix() -> None:
    index = {"core.py": ["lib/core.py", "src/pkg/core.py", "tests/pkg/core.py"]}
    assert match_measured_path("/home/ada/proj/src/pkg/core.py", index) == "src/pkg/core.py"
    assert match_measured_path(r"C:\work\proj\lib\core.py", index) == "lib/core.py"
    assert match_measured_path("/home/ada/other.py", index) is None
    assert match_measured_path("/home/ada/core.html", index) is None


def test_tst005_reads_a_report_that_names_the_cobertura_dtd(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    # Older Cobertura writers name their DTD; a DOCTYPE without entities is read as before.
    report = _cobertura("0.8").replace(
        "<coverage ",
        '<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">\n'
        "<coverage ",
    )
    repo.commit("Add coverage", {"calc.py": SOURCE, "coverage.xml": report})
    outcome = outcome_of("TST005", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == "coverage.xml reports 80.0% line coverage (threshold 70%)"


def test_tst005_refuses_an_external_entity(repo: RepoBuilder, outcome_of: Run) -> None:
    report = '<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/hostname">]><coverage line-rate="&x;"/>'
    repo.commit("Add coverage", {"calc.py": SOURCE, "coverage.xml": report})
    outcome = outcome_of("TST005", repo.path)
    assert outcome.status is Status.SKIP
    assert outcome.message == (
        "coverage data could not be read (coverage.xml: declares XML entities; not read)"
    )


def _measured_database(tmp_path: Path, alter: str) -> bytes:
    """A real ``.coverage`` of ``calc.py`` written by coverage.py, then altered by ``alter``."""
    measured = tmp_path / "measure"
    measured.mkdir()
    (measured / "calc.py").write_text(SOURCE)
    _run_coverage(measured, "calc.add(1, 2)")
    db = sqlite3.connect(measured / ".coverage")
    db.executescript(alter)
    db.commit()
    db.close()
    return (measured / ".coverage").read_bytes()


#: Runs TST005 in a fresh interpreter and reports its outcome, time and peak memory.
_AUDIT_TST005 = """
import json, resource, sys, time
from auditor.engine import run_rule
from auditor.rulepack import load_pack
from auditor.source.snapshot import Snapshot
start = time.monotonic()
outcome = run_rule(load_pack("default").rules["TST005"], Snapshot.open(sys.argv[1]))
print(json.dumps({
    "status": outcome.status.value,
    "message": outcome.message,
    "seconds": time.monotonic() - start,
    "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
"""


def test_tst005_refuses_a_generated_numbits_column(repo: RepoBuilder, tmp_path: Path) -> None:
    # Each read of this column would build half a gigabyte, which coverage.py would then
    # decode into four billion line numbers: refused from the schema, before any row is read.
    data = _measured_database(tmp_path, GENERATED_NUMBITS)
    assert len(data) < 64 << 10
    repo.commit("Add calculator and its coverage data", {"calc.py": SOURCE, ".coverage": data})
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")}
    run = subprocess.run(
        [sys.executable, "-c", _AUDIT_TST005, str(repo.path)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    result = json.loads(run.stdout)
    assert result["status"] == "skip"
    assert result["message"] == (
        "coverage data could not be read (.coverage: not read: the database defines a "
        "generated column (line_bits.numbits), which coverage.py never does)"
    )
    assert result["seconds"] < 10
    assert result["peak_kib"] < 300 << 10  # well under the 500 MB one read of it would take


def test_tst005_bounds_the_executed_lines_it_decodes(
    repo: RepoBuilder, outcome_of: Run, tmp_path: Path
) -> None:
    oversized = MAX_NUMBITS_PER_FILE + 1
    data = _measured_database(tmp_path, f"UPDATE line_bits SET numbits = zeroblob({oversized});")
    repo.commit("Add calculator and its coverage data", {"calc.py": SOURCE, ".coverage": data})
    outcome = outcome_of("TST005", repo.path)
    assert outcome.status is Status.SKIP
    assert outcome.message == (
        "coverage data could not be read (.coverage: not read: one file's executed lines take "
        f"{oversized:,} bytes, over the {MAX_NUMBITS_PER_FILE:,}-byte bound)"
    )


def test_tst005_refuses_a_view_in_coverage_data(
    repo: RepoBuilder, outcome_of: Run, tmp_path: Path
) -> None:
    data = _measured_database(
        tmp_path,
        "ALTER TABLE file RENAME TO measured_file;CREATE VIEW file AS SELECT * FROM measured_file;",
    )
    repo.commit("Add calculator and its coverage data", {"calc.py": SOURCE, ".coverage": data})
    outcome = outcome_of("TST005", repo.path)
    assert outcome.status is Status.SKIP
    assert outcome.message.endswith(
        "not read: the database defines a view, which coverage.py never does)"
    )


# ---------------------------------------------------------------------------- test paths


@pytest.mark.parametrize(
    ("path", "test"),
    [
        ("tests/helpers.py", True),
        ("pkg/testing/fakes.py", True),
        ("src/test/data/loader.py", True),
        ("test_calc.py", True),
        ("pkg/calc_test.py", True),
        ("conftest.py", True),
        ("pkg/calc.py", False),
        ("pkg/contest.py", False),
        ("attest.py", False),
        ("pkg/tests.py", False),  # Django's tests module is not a pytest convention
        ("pkg/latest/calc.py", False),
    ],
)
def test_one_test_path_convention(path: str, test: bool) -> None:
    assert is_test_path(path) is test


def test_test_paths_agree_with_the_parsed_modules(repo: RepoBuilder) -> None:
    files = {
        "pkg/calc.py": SOURCE,
        "pkg/testing/fakes.py": "FAKE = 1\n",
        "tests/test_calc.py": PLAIN_TESTS,
        "pkg/calc_test.py": PLAIN_TESTS,
        "conftest.py": "import pytest\n",
        "attest.py": "x = 1\n",
    }
    repo.commit("Add code and tests", files)
    modules = Snapshot.open(repo.path).python_modules
    assert {m.path for m in modules if m.is_test} == {p for p in files if is_test_path(p)}
    assert {p for p in files if is_test_path(p)} == {
        "pkg/testing/fakes.py",
        "tests/test_calc.py",
        "pkg/calc_test.py",
        "conftest.py",
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pkg/calc.py", True),
        ("setup.py", False),
        ("noxfile.py", False),
        ("docs/conf.py", False),
        ("examples/demo/run.py", False),
        ("app/migrations/0001_initial.py", False),
        ("pkg/examples.py", True),
    ],
)
def test_code_expected_to_have_tests(path: str, expected: bool) -> None:
    assert expects_tests(path) is expected


# ------------------------------------------------------------------------------- signals


def test_tests_signal_group(repo: RepoBuilder) -> None:
    repo.commit(
        "Add code and tests",
        {
            "pkg/core.py": _lines_of_code(40),
            "tests/conftest.py": "import pytest\n",
            "tests/test_core.py": dedent(
                """
                import unittest

                from pkg import core

                def test_ok():
                    assert core.x1 == 1

                def test_constant():
                    assert True

                def test_silent():
                    print("hi")

                def test_stub():
                    pass

                class CoreTests(unittest.TestCase):
                    def test_method(self):
                        self.assertTrue(True)
                """
            ),
        },
    )
    assert signal("tests", repo.path) == {
        "files": 2,
        "framework": "pytest+unittest",
        "test_functions": 4,
        "assertionless": 3,
        "test_loc": 14,
        "source_loc": 40,
        "can_fail": 1,
        "constant_only": 2,
        "detached": 0,
        "counted_test_loc": 4,  # a quarter of the 13 lines of its file, and conftest.py
        "source_modules": 1,
        "imported_modules": 1,
        "imported_fraction": 1.0,
    }


def test_tests_signal_group_without_tests(repo: RepoBuilder) -> None:
    repo.commit("Add code", {"pkg/core.py": _lines_of_code(3)})
    assert signal("tests", repo.path) == {
        "files": 0,
        "framework": None,
        "test_functions": 0,
        "assertionless": 0,
        "test_loc": 0,
        "source_loc": 3,
        "can_fail": 0,
        "constant_only": 0,
        "detached": 0,
        "counted_test_loc": 0,
        "source_modules": 1,
        "imported_modules": 0,
        "imported_fraction": 0.0,
    }


def test_python_signal_group(repo: RepoBuilder) -> None:
    repo.commit(
        "Add code",
        {
            "pkg/core.py": "# comment\n\n" + _lines_of_code(5),
            "pkg/broken.py": "def broken(:\n    pass\n",
            "tests/test_core.py": _lines_of_code(2),
            "node_modules/lib/vendored.py": _lines_of_code(100),
            "README.md": "# Core\n",
        },
    )
    data = signal("python", repo.path)
    assert data["files"] == 3
    assert data["parse_errors"] == 1
    assert data["loc"] == 5 + 2 + signal_loc_of_broken()


def signal_loc_of_broken() -> int:
    """Code lines tokenize finds in the unparseable file (it stops at the syntax error)."""
    from auditor.source.languages.python_lines import count_lines

    return count_lines("def broken(:\n    pass\n").code
