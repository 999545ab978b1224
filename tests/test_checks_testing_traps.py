"""Tests that cannot fail, or never touch the project, are not tests (TST001, TST003, TST004).

Each trap is a real repository built by the factory, seen on portfolio repositories: a suite
of ``assert True``, literal-only unittest checks, comparisons thrown away, test modules that
never import the project's code, framework stubs; and the suites that do reach the project
without importing it in the test module itself (conftest.py, helpers, Django's test client, a
subprocess running the project by name). pytest's settings decide what is a test file.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.checks.registry import signal_groups
from auditor.facts.suite_config import glob_match
from auditor.model import Outcome, Status
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

Run = Callable[[str, Path], Outcome]

CALC = "def add(a, b):\n    return a + b\n\n\ndef div(a, b):\n    return a / b\n"


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def signal_of(path: Path) -> dict[str, Any]:
    return signal_groups()["tests"](Snapshot.open(path))


def notes(outcome: Outcome) -> list[tuple[int | None, str]]:
    return [(e.line, e.note or "") for e in outcome.evidence]


# ----------------------------------------------------------------- tests that cannot fail

ASSERT_TRUE_SUITE = dedent(
    """
    import unittest


    def test_app_runs():
        assert True


    def test_math():
        assert 1 == 1


    class AppTests(unittest.TestCase):
        def test_loads(self):
            self.assertTrue(True, "app loads")

        def test_done(self):
            self.assertEqual("done", "done")
    """
)


def test_a_suite_of_assert_true_fails_every_test_rule(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add app and tests",
        {
            "app/core.py": CALC * 20,
            "tests/__init__.py": "",
            "tests/test_app.py": ASSERT_TRUE_SUITE,
            "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        },
    )
    tst001 = outcome_of("TST001", repo.path)
    assert tst001.status is Status.FAIL
    assert tst001.message == (
        "4 test functions, but none can fail and reach the project: 4 only assert literals"
    )
    assert tst001.evidence[0].note == "test_app_runs only asserts literals: it cannot fail"

    tst004 = outcome_of("TST004", repo.path)
    assert tst004.status is Status.FAIL
    assert tst004.message == (
        "4 of 4 test functions assert nothing that can fail (4 only assert literals)"
    )
    assert notes(tst004) == [
        (4, "test_app_runs only asserts literals: it cannot fail"),
        (8, "test_math only asserts literals: it cannot fail"),
        (13, "AppTests.test_loads only asserts literals: it cannot fail"),
        (16, "AppTests.test_done only asserts literals: it cannot fail"),
    ]

    tst003 = outcome_of("TST003", repo.path)
    assert tst003.status is Status.FAIL
    assert tst003.message.startswith("0 lines of tests that can fail for 80 lines of source")
    assert "they reach 0 of 1 source module (0% of the source lines" in tst003.message

    signal = signal_of(repo.path)
    assert (signal["test_functions"], signal["can_fail"], signal["constant_only"]) == (4, 0, 4)
    assert (signal["imported_modules"], signal["imported_fraction"]) == (0, 0.0)


def test_literal_checks_beside_a_real_one_can_fail(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": CALC,
            "tests/test_calc.py": dedent(
                """
                import unittest

                from calc import add, div

                def test_add():
                    assert True
                    assert add(1, 2) == 3

                def test_helper_with_literal_arguments():
                    check_sum(1, 2, 3)

                def test_division_by_zero_raises():
                    try:
                        div(1, 0)
                    except ZeroDivisionError:
                        return
                    assert False, "no error raised"

                class ByHandTests(unittest.TestCase):
                    def test_unreachable(self):
                        if add(1, 1) != 2:
                            self.assertTrue(False, "wrong sum")

                def check_sum(a, b, total):
                    assert add(a, b) == total
                """
            ),
        },
    )
    outcome = outcome_of("TST004", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == "all 4 test functions assert something that can fail"


def test_a_comparison_thrown_away_checks_nothing(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": CALC,
            "tests/test_calc.py": dedent(
                """
                import pytest

                from calc import add, div

                def test_sum():
                    add(0.1, 0.2) == pytest.approx(0.3)

                def test_div():
                    div(1, 2) == 0.5

                def test_checked():
                    assert div(1, 2) == pytest.approx(0.5)
                """
            ),
        },
    )
    outcome = outcome_of("TST004", repo.path)
    assert outcome.status is Status.PARTIAL
    assert outcome.message == "2 of 3 test functions assert nothing that can fail"
    assert notes(outcome) == [
        (5, "test_sum compares without assert: the result is thrown away"),
        (8, "test_div compares without assert: the result is thrown away"),
    ]
    tst001 = outcome_of("TST001", repo.path)
    assert tst001.message == "1 test function in 1 file (2 compare without assert, not counted)"


# ------------------------------------------------------- tests that never touch the project


def test_tests_that_never_import_the_project_do_not_count(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit(
        "Add app and tests",
        {
            "app.py": "from flask import Flask\n\napp = Flask(__name__)\n" + CALC * 10,
            "tests/test_basics.py": dedent(
                """
                import json

                def test_sorting():
                    assert sorted([3, 1, 2]) == [1, 2, 3]

                def test_json_round_trip():
                    assert json.loads(json.dumps({"a": 1})) == {"a": 1}
                """
            ),
        },
    )
    tst001 = outcome_of("TST001", repo.path)
    assert tst001.status is Status.FAIL
    assert tst001.message == (
        "2 test functions, but none can fail and reach the project: "
        "2 never reach the project's code"
    )
    assert notes(tst001) == [
        (3, "test_sorting never reaches the project's code"),
        (6, "test_json_round_trip never reaches the project's code"),
    ]
    assert outcome_of("TST004", repo.path).status is Status.PASS
    assert outcome_of("TST003", repo.path).status is Status.FAIL
    assert signal_of(repo.path)["detached"] == 2


@pytest.mark.parametrize(
    ("files", "why"),
    [
        (
            {
                "tests/conftest.py": "import pytest\nfrom app import create_app\n\n\n"
                "@pytest.fixture\ndef client():\n    return create_app().test_client()\n",
                "tests/test_pages.py": "def test_home(client):\n"
                "    assert client.get('/').status_code == 200\n",
            },
            "a conftest.py in the folder imports the app",
        ),
        (
            {
                "tests/helpers.py": "from app import create_app\n\n\n"
                "def make_client():\n    return create_app().test_client()\n",
                "tests/test_pages.py": "from tests.helpers import make_client\n\n\n"
                "def test_home():\n    assert make_client().get('/').status_code == 200\n",
            },
            "a helper module of the tests imports the app",
        ),
        (
            {
                "tests/test_cli.py": "import subprocess\nimport sys\n\n\ndef test_help():\n"
                "    done = subprocess.run([sys.executable, 'app.py', '--help'])\n"
                "    assert done.returncode == 0\n",
            },
            "the test runs app.py in a subprocess",
        ),
        (
            {
                "tests/test_live.py": "import requests\n\n\ndef test_home():\n"
                "    assert requests.get('http://localhost:5000/').ok\n",
            },
            "the test requests the app it started on localhost",
        ),
    ],
)
def test_tests_reaching_the_project_without_importing_it_count(
    repo: RepoBuilder, outcome_of: Run, files: dict[str, str], why: str
) -> None:
    repo.commit(
        "Add app and tests",
        {"app.py": "def create_app():\n    return object()\n" + CALC, **files},
    )
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.PASS, why
    assert outcome.message == "1 test function in 1 file", why
    assert signal_of(repo.path)["imported_modules"] == 1, why


def test_a_subprocess_that_names_no_project_file_is_not_a_test_of_it(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit(
        "Add tests",
        {
            "app.py": CALC,
            "tests/test_env.py": "import subprocess\n\n\ndef test_git():\n"
            "    assert subprocess.run(['git', '--version']).returncode == 0\n",
        },
    )
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.FAIL
    assert "1 never reach the project's code" in outcome.message


def test_tests_inside_the_package_reach_it_by_relative_import(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit(
        "Add package and tests",
        {
            "calc/__init__.py": "from .ops import add\n",
            "calc/ops.py": CALC,
            "calc/parser.py": CALC * 3,
            "calc/tests/__init__.py": "",
            "calc/tests/test_ops.py": "from ..ops import add\n\n\ndef test_add():\n"
            "    assert add(1, 2) == 3\n",
        },
    )
    assert outcome_of("TST001", repo.path).status is Status.PASS
    signal = signal_of(repo.path)
    assert (signal["source_modules"], signal["imported_modules"]) == (3, 1)
    tst003 = outcome_of("TST003", repo.path)
    assert "they reach 1 of 3 source modules (24% of the source lines" in tst003.message


def test_importing_a_package_reaches_what_it_imports(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add package and tests",
        {
            "src/calc/__init__.py": "from calc.ops import add\nfrom . import parser\n",
            "src/calc/ops.py": CALC,
            "src/calc/parser.py": CALC,
            "tests/test_calc.py": "import calc\n\n\ndef test_add():\n"
            "    assert calc.add(1, 2) == 3\n",
        },
    )
    signal = signal_of(repo.path)
    assert (signal["source_modules"], signal["imported_modules"]) == (3, 3)
    assert signal["imported_fraction"] == 1.0


# ------------------------------------------------------------------- things that are no tests


def test_docstring_modules_empty_packages_and_django_stubs_are_no_tests(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit(
        "Start the project",
        {
            "blog/models.py": "from django.db import models\n\n\nclass Post(models.Model):\n"
            "    pass\n",
            "blog/tests.py": "from django.test import TestCase\n\n# Create your tests here.\n",
            "tests/__init__.py": "",
            "tests/test_blog.py": '"""Tests for the blog, to be written."""\n',
        },
    )
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.FAIL
    assert outcome.message == (
        "3 test files but no test function (test_* functions or TestCase test methods)"
    )
    assert {e.path for e in outcome.evidence} == {
        "blog/tests.py",
        "tests/__init__.py",
        "tests/test_blog.py",
    }
    assert signal_of(repo.path)["source_loc"] == 3  # blog/tests.py is not source


def test_django_tests_run_by_the_test_client_count(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add the blog and its tests",
        {
            "manage.py": "import sys\n",
            "blog/views.py": "def index(request):\n    return None\n",
            "blog/tests.py": dedent(
                """
                from django.test import TestCase
                from django.urls import reverse

                class IndexTests(TestCase):
                    def test_index(self):
                        response = self.client.get(reverse("index"))
                        self.assertEqual(response.status_code, 200)
                """
            ),
        },
    )
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == "1 test function in 1 file"
    assert signal_of(repo.path)["framework"] == "unittest"


# ---------------------------------------------------------------- pytest's settings decide


@pytest.mark.parametrize(
    ("config", "text"),
    [
        ("pytest.ini", "[pytest]\npython_files = check_*.py\npython_functions = should_\n"),
        (
            "pyproject.toml",
            '[tool.pytest.ini_options]\npython_files = ["check_*.py"]\n'
            'python_functions = ["should_*"]\n',
        ),
        (
            "tox.ini",
            "[tox]\nenvlist = py312\n\n[pytest]\npython_files = check_*.py\n"
            "python_functions = should_*\n",
        ),
        ("setup.cfg", "[tool:pytest]\npython_files = check_*.py\npython_functions = should_\n"),
    ],
)
def test_pytest_settings_decide_what_is_a_test(
    repo: RepoBuilder, outcome_of: Run, config: str, text: str
) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": CALC,
            config: text,
            "tests/check_calc.py": "from calc import add\n\n\ndef should_add():\n"
            "    assert add(1, 2) == 3\n\n\ndef test_not_collected():\n    pass\n",
        },
    )
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == "1 test function in 1 file"


def test_testpaths_leave_scratch_files_out(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": CALC,
            "pytest.ini": "[pytest]\ntestpaths = tests\n",
            "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n"
            "    assert add(1, 2) == 3\n",
            "scratch/test_try.py": "def test_try():\n    print('hello')\n",
        },
    )
    outcome = outcome_of("TST004", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == "all 1 test function assert something that can fail"


def test_pytest_ini_wins_over_pyproject(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add tests",
        {
            "calc.py": CALC,
            "pytest.ini": "[pytest]\n",
            "pyproject.toml": '[tool.pytest.ini_options]\npython_files = ["check_*.py"]\n',
            "tests/check_calc.py": "from calc import add\n\n\ndef test_add():\n"
            "    assert add(1, 2) == 3\n",
        },
    )
    outcome = outcome_of("TST001", repo.path)
    assert outcome.status is Status.FAIL
    assert outcome.message.startswith("1 test file but no test function")


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("test_*.py", "test_calc.py", True),
        ("*_test.py", "calc_test.py", True),
        ("test_*.py", "calc.py", False),
        ("t?st*.py", "tost_x.py", True),
        ("*a*a*a*b", "a" * 60, False),
        ("*", "", True),
    ],
)
def test_glob_match(pattern: str, name: str, matches: bool) -> None:
    assert glob_match(pattern, name) is matches


def test_a_python_files_pattern_with_a_folder_matches_the_whole_path(repo: RepoBuilder) -> None:
    """pytest matches `python_files = ["tests/*.py"]` against the whole path, `*` crossing
    folders: tests/cli/test_broker.py is collected."""
    from auditor.facts.suite_config import collection_settings
    from auditor.source.snapshot import Snapshot

    repo.commit(
        "Configure pytest",
        {
            "pyproject.toml": '[tool.pytest.ini_options]\npython_files = ["tests/*.py"]\n',
            "calc.py": "def add(a: int, b: int) -> int:\n    return a + b\n",
            "tests/cli/test_broker.py": "from calc import add\n\n\ndef test_add() -> None:\n"
            "    assert add(1, 2) == 3\n",
        },
    )
    settings = collection_settings(Snapshot.open(repo.path))
    assert settings.pytest_collects_file("tests/cli/test_broker.py")
    assert not settings.pytest_collects_file("calc.py")


def test_a_few_tests_for_much_code_earn_a_share_of_the_credit(repo: RepoBuilder) -> None:
    """One smoke test does not verify a large project: TST001 wants tests in proportion."""
    from auditor.engine import audit
    from auditor.rulepack import load_pack
    from auditor.source.snapshot import Snapshot

    body = "".join(f"def f{n}(x: int) -> int:\n    return x + {n}\n\n\n" for n in range(300))
    repo.commit(
        "Add a large module and one test",
        {
            "big.py": body,
            "tests/test_big.py": "from big import f1\n\n\ndef test_f1() -> None:\n"
            "    assert f1(1) == 2\n",
        },
    )
    finding = {f.rule: f for f in audit(Snapshot.open(repo.path), load_pack("default")).findings}
    present = finding["TST001"]
    assert present.status.value == "partial"
    assert present.outcome.score is not None and present.outcome.score < 0.2
    assert "expected for" in present.outcome.message


def test_a_data_driven_suite_is_judged_by_its_lines_as_well_as_its_functions(
    repo: RepoBuilder,
) -> None:
    """One parametrised test over a long table checks as much as many small tests: the
    suite's lines of tests that can fail count when its functions are few."""
    from auditor.engine import audit
    from auditor.rulepack import load_pack
    from auditor.source.snapshot import Snapshot

    body = "".join(f"def f{n}(x: int) -> int:\n    return x + {n}\n\n\n" for n in range(150))
    cases = "".join(f"    ({n}, f{n}, {n + 1}),\n" for n in range(150))
    table = (
        "import pytest\n\nfrom big import "
        + ", ".join(f"f{n}" for n in range(150))
        + "\n\nCASES = [\n"
        + cases
        + "]\n\n\n@pytest.mark.parametrize(('n', 'f', 'want'), CASES)\n"
        "def test_each(n: int, f: object, want: int) -> None:\n"
        "    assert f(1) == want\n"
    )
    repo.commit("Add a module and a table of cases", {"big.py": body, "tests/test_big.py": table})
    finding = {f.rule: f for f in audit(Snapshot.open(repo.path), load_pack("default")).findings}
    present = finding["TST001"]
    assert present.outcome.score == 1.0
    assert "lines are" in present.outcome.message and "of the source's" in present.outcome.message
