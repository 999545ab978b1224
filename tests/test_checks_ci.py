"""The CI family (CI001-CI003) and the ``ci`` signal group, on real git repositories."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.checks.registry import signal_groups
from auditor.model import Outcome, Scorecard, Status
from auditor.source.ci import gitlab
from auditor.source.ci.jenkins import read_jenkinsfile
from auditor.source.snapshot import Snapshot
from auditor.source.tasks.make import parse_makefile
from tests.factory import RepoBuilder

RunRule = Callable[[str, Path], Outcome]


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def workflow(*steps: str) -> str:
    """A GitHub Actions workflow whose job runs the given (already indented) steps."""
    head = dedent(
        """
        name: CI
        on: [push, pull_request]
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-python@v5
                with:
                  python-version: "3.12"
        """
    )
    return head + "".join(steps)


INSTALL_STEP = "      - run: pip install -e . pytest ruff mypy\n"


def lines_of(outcome: Outcome) -> set[tuple[str, int | None]]:
    return {(e.path, e.line) for e in outcome.evidence}


# ----------------------------------------------------------------------------- CI001


def test_github_actions_workflow_is_ci(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow(INSTALL_STEP)})
    outcome = outcome_of("CI001", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.score == 1.0
    assert "GitHub Actions (.github/workflows/ci.yml)" in outcome.message
    assert lines_of(outcome) == {(".github/workflows/ci.yml", None)}


def test_no_ci_fails_and_says_where_it_looked(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit("Add code", {"app.py": "print('hi')\n", "docs/ci.yml": "run: pytest\n"})
    outcome = outcome_of("CI001", repo.path)
    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert ".github/workflows/*.yml" in outcome.message
    assert ".gitlab-ci.yml" in outcome.message


@pytest.mark.parametrize(
    ("path", "provider"),
    [
        (".gitlab-ci.yml", "gitlab-ci"),
        (".circleci/config.yml", "circleci"),
        (".travis.yml", "travis"),
        ("azure-pipelines.yml", "azure-pipelines"),
        ("Jenkinsfile", "jenkins"),
        ("bitbucket-pipelines.yml", "bitbucket"),
        (".drone.yml", "drone"),
        (".woodpecker/test.yml", "woodpecker"),
        (".buildkite/pipeline.yml", "buildkite"),
        ("appveyor.yml", "appveyor"),
    ],
)
def test_every_ci_service_is_recognised(
    repo: RepoBuilder, outcome_of: RunRule, path: str, provider: str
) -> None:
    repo.commit("Add CI", {path: "script:\n  - pytest\n"})
    outcome = outcome_of("CI001", repo.path)
    assert outcome.status is Status.PASS
    assert path in outcome.message
    assert signal_groups()["ci"](Snapshot.open(repo.path))["providers"] == [provider]


# ----------------------------------------------------------------------------- CI002


def test_multiline_run_block_running_pytest_passes(repo: RepoBuilder, outcome_of: RunRule) -> None:
    steps = (
        "      - name: Test\n"
        "        run: |\n"
        '          echo "running the suite"\n'
        "          python -m pytest -q --cov=app\n"
    )
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow(INSTALL_STEP, "\n" + steps)})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert "`python -m pytest -q --cov=app` (.github/workflows/ci.yml:16)" in outcome.message
    assert lines_of(outcome) == {(".github/workflows/ci.yml", 16)}


def test_installing_pytest_is_not_running_it(repo: RepoBuilder, outcome_of: RunRule) -> None:
    steps = "      - run: python -m build\n      - run: echo 'pytest later'\n"
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow(INSTALL_STEP, steps)})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "none of its 3 command(s) runs the tests" in outcome.message
    assert lines_of(outcome) == {(".github/workflows/ci.yml", None)}


def test_gitlab_script_lists_are_read(repo: RepoBuilder, outcome_of: RunRule) -> None:
    gitlab = dedent(
        """
        stages: [test]
        test:
          image: python:3.12
          before_script:
          - pip install -r requirements.txt
          script:
          - flake8 app
          - coverage run -m pytest  # with coverage
        """
    )
    repo.commit("Add CI", {".gitlab-ci.yml": gitlab})
    tests = outcome_of("CI002", repo.path)
    assert tests.status is Status.PASS
    assert (".gitlab-ci.yml", 8) in lines_of(tests)
    lint = outcome_of("CI003", repo.path)
    assert lint.status is Status.PASS
    assert "`flake8 app` (.gitlab-ci.yml:7)" in lint.message


MAKEFILE_WITH_TEST = dedent(
    """
    .PHONY: test lint
    PYTHON ?= python3

    install:
    \tpip install -e .

    test: install
    \t$(PYTHON) -m pytest tests

    lint:
    \truff check .
    """
)


def test_make_test_counts_when_the_target_runs_pytest(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - run: make test\n"),
            "Makefile": MAKEFILE_WITH_TEST,
        },
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert lines_of(outcome) == {(".github/workflows/ci.yml", 11), ("Makefile", 8)}
    assert "the `test` target runs pytest (Makefile:8)" in outcome.message


def test_make_test_without_a_test_target_fails(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - run: make test\n"),
            "Makefile": "build:\n\tpython -m build\n",
        },
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "runs `make test`, but Makefile has no `test` target" in outcome.message


def test_make_test_without_a_makefile_fails(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow("      - run: make test\n")})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "there is no Makefile" in outcome.message


def test_a_test_target_is_trusted_by_its_name(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - run: make -j2 tests\n"),
            "Makefile": "tests:\n\t./run-suite --all\n",
        },
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert "the `tests` target runs the tests" in outcome.message


TOX_INI = dedent(
    """
    [tox]
    envlist = py311, py312, lint

    [testenv]
    deps = pytest
    commands = pytest {posargs:tests}

    [testenv:lint]
    deps = ruff
    commands =
        ruff check .
        mypy src
    """
)


def test_tox_runs_the_tests_through_tox_ini(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add CI",
        {".github/workflows/ci.yml": workflow("      - run: python -m tox\n"), "tox.ini": TOX_INI},
    )
    tests = outcome_of("CI002", repo.path)
    assert tests.status is Status.PASS
    assert ("tox.ini", 6) in lines_of(tests)
    lint = outcome_of("CI003", repo.path)
    assert lint.status is Status.PASS
    assert ("tox.ini", 11) in lines_of(lint)


def test_tox_lint_env_alone_does_not_run_tests(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add CI",
        {".github/workflows/ci.yml": workflow("      - run: tox -e lint\n"), "tox.ini": TOX_INI},
    )
    assert outcome_of("CI002", repo.path).status is Status.FAIL
    assert outcome_of("CI003", repo.path).status is Status.PASS


def test_tox_env_list_with_factors(repo: RepoBuilder, outcome_of: RunRule) -> None:
    tox_ini = "[tox]\nenv_list = py{311,312}-django{42,50}\n\n[testenv]\ncommands = pytest\n"
    repo.commit(
        "Add CI",
        {".github/workflows/ci.yml": workflow("      - run: tox\n"), "tox.ini": tox_ini},
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert "tox env `py311-django42` runs pytest (tox.ini:5)" in outcome.message


def test_tox_without_a_config_does_not_count(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - run: tox\n"),
            "tox.ini": "[flake8]\nmax-line-length = 100\n",
        },
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "runs tox, but there is no tox configuration" in outcome.message


def test_make_and_scripts_resolve_after_cd(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add CI",
        {
            ".gitlab-ci.yml": "test:\n  script:\n    - cd backend && make test\n",
            "backend/Makefile": "test:\n\tpython -m pytest\n",
            ".github/workflows/lint.yml": workflow("      - run: cd tools; ./lint.sh\n"),
            "tools/lint.sh": "#!/bin/sh\nruff check ..\n",
        },
    )
    tests = outcome_of("CI002", repo.path)
    assert tests.status is Status.PASS
    assert ("backend/Makefile", 2) in lines_of(tests)
    lint = outcome_of("CI003", repo.path)
    assert lint.status is Status.PASS
    assert ("tools/lint.sh", 2) in lines_of(lint)


def test_nox_sessions_are_read_from_noxfile(repo: RepoBuilder, outcome_of: RunRule) -> None:
    noxfile = dedent(
        """
        import nox


        @nox.session(python=["3.11", "3.12"])
        def tests(session):
            session.install(".[test]")
            session.run("pytest", "-q")


        @nox.session(name="typing")
        def check_types(session):
            session.run("mypy", "src")
        """
    )
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - run: nox -s tests-3.12\n"),
            "noxfile.py": noxfile,
        },
    )
    tests = outcome_of("CI002", repo.path)
    assert tests.status is Status.PASS
    assert ("noxfile.py", 7) in lines_of(tests)
    # only the `tests` session was selected: its typing session does not count as lint
    assert outcome_of("CI003", repo.path).status is Status.FAIL


@pytest.mark.parametrize(
    ("command", "script"),
    [
        ("./scripts/test.sh", "scripts/test.sh"),
        (".ci/run", ".ci/run"),
        ("bash ci/run.sh", "ci/run.sh"),
        ("python tools/check_all.py --fast", "tools/check_all.py"),
    ],
)
def test_a_repo_script_that_runs_pytest_counts(
    repo: RepoBuilder, outcome_of: RunRule, command: str, script: str
) -> None:
    body = "#!/bin/sh\nset -e\n# run the suite\npython -m pytest -x\n"
    repo.commit(
        "Add CI",
        {".github/workflows/ci.yml": workflow(f"      - run: {command}\n"), script: body},
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert (script, 4) in lines_of(outcome)
    assert f"the script {script} runs pytest" in outcome.message


def test_a_script_that_runs_no_tests_does_not_count(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - run: ./ci/build.sh\n"),
            "ci/build.sh": "#!/bin/sh\npython -m build\n",
        },
    )
    assert outcome_of("CI002", repo.path).status is Status.FAIL


@pytest.mark.parametrize(
    "command",
    [
        "hatch test",
        "hatch run test:cov",
        "poetry run pytest",
        "uv run --frozen pytest -q",
        "python -m unittest discover -s tests",
        "python manage.py test",
        "nox",
    ],
)
def test_test_runner_spellings(repo: RepoBuilder, outcome_of: RunRule, command: str) -> None:
    files = {".github/workflows/ci.yml": workflow(f"      - run: {command}\n")}
    if command == "nox":
        files["noxfile.py"] = "import nox\n\n@nox.session\ndef tests(session):\n    pass\n"
    repo.commit("Add CI", files)
    assert outcome_of("CI002", repo.path).status is Status.PASS


def test_jenkinsfile_sh_steps(repo: RepoBuilder, outcome_of: RunRule) -> None:
    jenkinsfile = dedent(
        """
        pipeline {
            agent any
            stages {
                stage('Test') {
                    steps {
                        sh 'pip install -e .'
                        sh '''
                            pytest --junitxml=report.xml
                        '''
                    }
                }
            }
        }
        """
    )
    repo.commit("Add CI", {"Jenkinsfile": jenkinsfile})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert lines_of(outcome) == {("Jenkinsfile", 8)}


def test_tests_and_lint_fail_without_ci(repo: RepoBuilder, outcome_of: RunRule) -> None:
    """No CI is the plainest way for CI not to run the tests: a failure, never a skip that
    would leave the project losing one CI rule instead of three."""
    repo.commit("Add code", {"app.py": "x = 1\n", "Makefile": "test:\n\tpytest\n"})
    for rule in ("CI002", "CI003"):
        outcome = outcome_of(rule, repo.path)
        assert outcome.status is Status.FAIL
        assert outcome.score == 0.0
        assert "no CI configuration" in outcome.message


# ----------------------------------------------------------------------------- CI003


@pytest.mark.parametrize(
    "step",
    [
        "      - uses: astral-sh/ruff-action@v3\n",
        "      - uses: chartboost/ruff-action@v1\n",
        "      - uses: pre-commit/action@v3.0.1\n",
        "      - run: pre-commit run --all-files --show-diff-on-failure\n",
        "      - run: black --check .\n",
        "      - run: isort --check-only --diff .\n",
        "      - run: uv run mypy --strict src\n",
        "      - run: pylint app\n",
        "      - run: npx pyright\n",
    ],
)
def test_linters_and_type_checkers(repo: RepoBuilder, outcome_of: RunRule, step: str) -> None:
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow(step)})
    outcome = outcome_of("CI003", repo.path)
    assert outcome.status is Status.PASS
    assert lines_of(outcome) == {(".github/workflows/ci.yml", 11)}


def test_formatting_in_place_is_not_a_check(repo: RepoBuilder, outcome_of: RunRule) -> None:
    steps = "      - run: black .\n      - run: pip install ruff mypy\n"
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow(steps)})
    outcome = outcome_of("CI003", repo.path)
    assert outcome.status is Status.FAIL
    assert "a linter, formatter check or type checker" in outcome.message
    assert "ruff check" in outcome.message


def test_make_lint_target(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - run: make lint test\n"),
            "Makefile": MAKEFILE_WITH_TEST,
        },
    )
    lint = outcome_of("CI003", repo.path)
    assert lint.status is Status.PASS
    assert ("Makefile", 11) in lines_of(lint)
    assert outcome_of("CI002", repo.path).status is Status.PASS


def test_a_check_target_is_lint_by_name(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add CI",
        {
            ".gitlab-ci.yml": 'check:\n  script: ["make check"]\n',
            "Makefile": "check:\n\t./tools/verify\n",
        },
    )
    lint = outcome_of("CI003", repo.path)
    assert lint.status is Status.PASS
    assert "the `check` target lints" in lint.message
    # a target called `check` that shows no test runner is not taken for the tests
    assert outcome_of("CI002", repo.path).status is Status.FAIL


# ----------------------------------------------------------------------------- signal group


def test_ci_signal_group(repo: RepoBuilder, audit_path: Callable[[Path], Scorecard]) -> None:
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - run: pytest\n"),
            ".github/workflows/lint.yml": workflow("      - uses: pre-commit/action@v3\n"),
            ".travis.yml": "language: python\nscript: ./build.sh\n",
        },
    )
    signals = audit_path(repo.path).signals["ci"]
    assert signals["providers"] == ["github-actions", "travis"]
    assert signals["runs_tests"] is True
    assert signals["runs_lint"] is True
    assert signals["files"] == [
        ".github/workflows/ci.yml",
        ".github/workflows/lint.yml",
        ".travis.yml",
    ]


def test_ci_signal_group_without_ci(repo: RepoBuilder) -> None:
    repo.commit("Add code", {"app.py": "x = 1\n"})
    signals = signal_groups()["ci"](Snapshot.open(repo.path))
    assert signals == {
        "providers": [],
        "runs_tests": False,
        "runs_lint": False,
        "files": [],
        "tests_cannot_fail": False,
        "untriggered": False,
        "manual_only": False,
        "defunct_provider": False,
    }


# ----------------------------------------------------------------------------- readers


def test_yaml_commands_handle_odd_formatting() -> None:
    text = dedent(
        """
        jobs:
          test:
            defaults:
              run:
                shell: bash
            steps:
              - run: "pytest -q"   # quoted, with a comment
              - run: >-
                  ruff check
                  --output-format=github
              - name: circle style
                run:
                  name: Tests
                  command: |
                    tox -e py312
        script: [flake8, "mypy src"]
        test:
          script:
            - |
              coverage run -m pytest
            - echo "# not a comment"
        """
    )
    commands = [(c.line, c.text) for c in gitlab.PROVIDER.commands(".gitlab-ci.yml", text)]
    assert commands == [
        (7, "pytest -q"),
        (9, "ruff check --output-format=github"),  # a folded scalar is one command
        (15, "tox -e py312"),
        (16, "flake8"),
        (16, "mypy src"),
        (20, "coverage run -m pytest"),
        (21, 'echo "# not a comment"'),
    ]


def test_jenkinsfile_reader() -> None:
    text = "// sh 'not me'\nsh \"make test\"\nbat(script: 'tox')\nsh '''\n  a\n  b'''\n"
    assert list(read_jenkinsfile(text)) == [
        (2, "make test"),
        (3, "tox"),
        (5, "a"),
        (6, "b"),
    ]


def test_makefile_parser() -> None:
    rules = parse_makefile(
        "VAR := a:b\n.PHONY: all\nall: test lint\ntest:\n\t@pytest -q\nlint: ; ruff check .\n"
    )
    assert list(rules) == ["all", "test", "lint"]
    assert rules["all"].prerequisites == ("test", "lint")
    assert rules["test"].recipe == ((5, "pytest -q"),)
    assert rules["lint"].recipe == ((6, "ruff check ."),)
