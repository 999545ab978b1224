"""CI read as the runner reads it (issue 14, item 2): what CI really runs, whether it is
started at all, and whether a failing test run can fail it. Each trap is a real repository."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.checks.registry import signal_groups
from auditor.facts.ci import ci_activity, ci_setup
from auditor.model import Outcome, Status
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

RunRule = Callable[[str, Path], Outcome]


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def workflow(*steps: str, on: str = "on: [push, pull_request]\n", job: str = "") -> str:
    """A workflow whose one job (`test`) runs the given (already indented) steps."""
    return (
        "name: CI\n"
        + on
        + "jobs:\n  test:\n    runs-on: ubuntu-latest\n"
        + job
        + "    steps:\n      - uses: actions/checkout@v4\n"
        + "".join(steps)
    )


def signals_of(path: Path) -> dict[str, object]:
    return signal_groups()["ci"](Snapshot.open(path))


def evidence_of(outcome: Outcome) -> set[tuple[str, int | None]]:
    return {(e.path, e.line) for e in outcome.evidence}


# ----------------------------------------------------------------------------- can it fail


@pytest.mark.parametrize(
    ("step", "why"),
    [
        ("      - run: pytest || true\n", "`|| true` ignores its failure"),
        ("      - run: python -m pytest -q || echo 'tests failed'\n", "`|| echo tests failed`"),
        ("      - run: make test || true\n", "`|| true` ignores its failure"),
        (
            "      - run: pytest\n        continue-on-error: true\n",
            "`continue-on-error: true` on its step",
        ),
        (
            "      - run: pytest; exit 0\n        shell: bash {0}\n",
            "`; exit 0` ends the command with success whatever it returned",
        ),
    ],
)
def test_a_test_step_that_cannot_fail_does_not_count(
    repo: RepoBuilder, outcome_of: RunRule, step: str, why: str
) -> None:
    repo.commit(
        "Add CI",
        {".github/workflows/ci.yml": workflow(step), "Makefile": "test:\n\tpytest\n"},
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "CI runs the tests, but never in a way that can fail it" in outcome.message
    assert why in outcome.message
    assert (".github/workflows/ci.yml", 8) in evidence_of(outcome)
    signals = signals_of(repo.path)
    assert signals["runs_tests"] is False
    assert signals["tests_cannot_fail"] is True
    assert signals["untriggered"] is False


def test_continue_on_error_on_the_job(repo: RepoBuilder, outcome_of: RunRule) -> None:
    text = workflow("      - run: python -m pytest\n", job="    continue-on-error: true\n")
    repo.commit("Add CI", {".github/workflows/ci.yml": text})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "`continue-on-error: true` on its job `test`" in outcome.message
    assert "Let its failure fail the build" in outcome.message


def test_exit_zero_after_the_tests_in_a_make_recipe(repo: RepoBuilder, outcome_of: RunRule) -> None:
    # make runs each recipe line with `sh -c`: nothing stops it before `exit 0`
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - run: make check\n"),
            "Makefile": "check:\n\tpython -m pytest tests; exit 0\n",
        },
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "the `check` target runs pytest (Makefile:2)" in outcome.message
    assert "`; exit 0` ends the command with success" in outcome.message


def test_a_test_step_that_can_fail_still_counts_beside_one_that_cannot(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    steps = (
        "      - run: pytest tests/slow || true\n"
        "      - run: pytest tests/unit || exit 1\n"
        # GitHub runs `run:` with `bash -e`: pytest failing stops the step before `exit 0`
        "      - run: pytest tests/api; exit 0\n"
    )
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow(steps)})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == (
        "CI runs the tests: `pytest tests/unit || exit 1` (.github/workflows/ci.yml:9)."
    )
    assert signals_of(repo.path)["tests_cannot_fail"] is False


def test_a_linter_told_to_exit_zero_does_not_check(repo: RepoBuilder, outcome_of: RunRule) -> None:
    steps = "      - run: flake8 . --exit-zero\n      - run: mypy src || true\n"
    repo.commit("Add CI", {".github/workflows/lint.yml": workflow(steps)})
    outcome = outcome_of("CI003", repo.path)
    assert outcome.status is Status.FAIL
    assert "`--exit-zero` makes it succeed whatever it finds" in outcome.message
    assert "`|| true` ignores its failure" in outcome.message
    assert signals_of(repo.path)["runs_lint"] is False


# ----------------------------------------------------------------------------- is it started


@pytest.mark.parametrize(
    ("on", "why", "line"),
    [
        ("# on: [push]\n", "its `on:` trigger is missing (commented out?)", None),
        ("on:\n", "its `on:` trigger is empty, so GitHub never runs it", 2),
        ("on: []\n", "its `on:` trigger is empty", 2),
    ],
)
def test_a_workflow_that_is_never_triggered(
    repo: RepoBuilder, outcome_of: RunRule, on: str, why: str, line: int | None
) -> None:
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow("      - run: pytest\n", on=on)})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert f"`pytest` (.github/workflows/ci.yml:8): {why}" in outcome.message
    assert "Trigger the workflow on `push` and `pull_request`" in outcome.message
    assert (".github/workflows/ci.yml", line) in evidence_of(outcome)
    signals = signals_of(repo.path)
    assert (signals["runs_tests"], signals["untriggered"]) == (False, True)


ON_MAIN = "on:\n  push:\n    branches: [main]\n  pull_request:\n    branches: [main]\n"


def test_a_workflow_limited_to_a_branch_the_repository_lacks_never_runs(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    """The project lives on master; its workflow only starts on main: the tests never run."""
    repo.git("branch", "-m", "master")
    text = workflow("      - run: pytest\n", on=ON_MAIN)
    repo.commit("Add CI", {".github/workflows/ci.yml": text, "tests/test_a.py": "1\n"})

    outcome = outcome_of("CI002", repo.path)

    assert outcome.status is Status.FAIL
    assert (
        "it only starts on branch main, which this repository does not have "
        "(its branches: master), so it never runs"
    ) in outcome.message
    assert signals_of(repo.path)["untriggered"] is True


@pytest.mark.parametrize(
    ("on", "branch"),
    [
        (ON_MAIN, "main"),  # the branch it names exists
        ("on:\n  push:\n    branches: ['release/**']\n", "master"),  # a pattern: not judged
        ("on:\n  push:\n    branches: [main]\n  schedule:\n    - cron: '0 3 * * *'\n", "master"),
    ],
    ids=["named-branch-exists", "pattern", "scheduled-too"],
)
def test_a_workflow_limited_to_branches_it_may_meet_runs(
    repo: RepoBuilder, outcome_of: RunRule, on: str, branch: str
) -> None:
    if branch != "main":
        repo.git("branch", "-m", branch)
    text = workflow("      - run: pytest\n", on=on)
    repo.commit("Add CI", {".github/workflows/ci.yml": text, "tests/test_a.py": "1\n"})

    outcome = outcome_of("CI002", repo.path)

    assert outcome.status is Status.PASS, outcome.message


def test_a_workflow_only_started_by_hand(repo: RepoBuilder, outcome_of: RunRule) -> None:
    on = "on:\n  workflow_dispatch:\n    inputs:\n      debug: {type: boolean}\n"
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow("      - run: pytest\n", on=on)})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "it only runs when started by hand (`workflow_dispatch`)" in outcome.message
    signals = signals_of(repo.path)
    assert (signals["manual_only"], signals["untriggered"]) == (True, False)


def test_a_job_with_if_false_never_runs(repo: RepoBuilder, outcome_of: RunRule) -> None:
    text = workflow("      - run: pytest\n", job="    if: ${{ false }}\n")
    repo.commit("Add CI", {".github/workflows/ci.yml": text})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "its job `test` has `if: false`" in outcome.message


def test_travis_only_ci_no_longer_runs(repo: RepoBuilder, outcome_of: RunRule) -> None:
    travis = "language: python\npython: ['3.8']\ninstall: pip install -e .\nscript: pytest\n"
    repo.commit("Add CI", {".travis.yml": travis})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "`pytest` (.travis.yml:4): Travis CI no longer runs it" in outcome.message
    assert "travis-ci.org closed in 2021" in outcome.message
    assert "Move the CI to a service that runs" in outcome.message
    configured = outcome_of("CI001", repo.path)
    assert "Travis CI (.travis.yml). Travis CI no longer runs it" in configured.message
    signals = signals_of(repo.path)
    assert (signals["runs_tests"], signals["defunct_provider"]) == (False, True)


# ----------------------------------------------------------------------------- what it calls


REUSABLE = dedent(
    """
    on:
      workflow_call:
    jobs:
      pytest:
        runs-on: ubuntu-latest
        steps:
          - run: python -m pytest
    """
)


def test_a_reusable_workflow_runs_when_its_caller_runs(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    caller = "on: push\njobs:\n  tests:\n    uses: ./.github/workflows/tests.yml\n"
    repo.commit(
        "Add CI",
        {".github/workflows/ci.yml": caller, ".github/workflows/tests.yml": REUSABLE},
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert (
        "`python -m pytest` (.github/workflows/tests.yml:7, "
        "called from .github/workflows/ci.yml:3)" in outcome.message
    )


def test_a_reusable_workflow_nobody_calls_never_runs(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    manual_caller = "on: workflow_dispatch\njobs:\n  t:\n    uses: ./.github/workflows/tests.yml\n"
    repo.commit(
        "Add CI",
        {
            ".github/workflows/tests.yml": REUSABLE,
            ".github/workflows/other.yml": REUSABLE.replace("pytest", "build"),
            ".github/workflows/manual.yml": manual_caller,
        },
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    # tests.yml runs only through manual.yml, which runs only by hand
    assert "called from .github/workflows/manual.yml:3): it only runs when started by hand" in (
        outcome.message
    )
    repo.commit("Drop the manual caller", delete=(".github/workflows/manual.yml",))
    outcome = outcome_of("CI002", repo.path)
    assert "when another workflow calls it (`workflow_call`), and none here does" in (
        outcome.message
    )


COMPOSITE = dedent(
    """
    name: Test
    runs:
      using: composite
      steps:
        - run: pip install -e .
          shell: bash
        - run: python -m pytest -q
          shell: bash
    """
)


def test_a_local_action_runs_in_the_job_that_uses_it(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - uses: ./ci/actions/test\n"),
            "ci/actions/test/action.yml": COMPOSITE,
        },
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert (
        "`python -m pytest -q` (ci/actions/test/action.yml:7, "
        "called from .github/workflows/ci.yml:8)" in outcome.message
    )
    assert ("ci/actions/test/action.yml", 7) in evidence_of(outcome)


def test_a_local_action_no_workflow_uses_runs_nothing(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - run: python -m build\n"),
            ".github/actions/test/action.yml": COMPOSITE,
        },
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "none of its 1 command(s) runs the tests" in outcome.message


def test_continue_on_error_on_a_local_action_step(repo: RepoBuilder, outcome_of: RunRule) -> None:
    step = "      - uses: ./.github/actions/test\n        continue-on-error: true\n"
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow(step),
            ".github/actions/test/action.yml": COMPOSITE,
        },
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "called from .github/workflows/ci.yml:8): `continue-on-error: true` on its step" in (
        outcome.message
    )


# ----------------------------------------------------------------------------- GitLab


def test_gitlab_extends_a_template_from_a_local_include(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    main = dedent(
        """
        include:
          - local: /ci/templates.yml
        stages: [test]
        unit:
          extends: .python-tests
          stage: test
        """
    )
    templates = ".python-tests:\n  image: python:3.12\n  script:\n    - python -m pytest -q\n"
    repo.commit("Add CI", {".gitlab-ci.yml": main, "ci/templates.yml": templates})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert "`python -m pytest -q` (ci/templates.yml:4)" in outcome.message


def test_gitlab_includes_from_another_project_are_judged_by_name(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    """A pipeline that includes a shared tox pipeline and a linter from another project runs
    them as a GitHub workflow runs ``uses: owner/tox-action``: judged by the name."""
    main = dedent(
        """
        stages: [test]
        include:
          - project: 'acme/ci-templates'
            ref: 5dbcb394d4ab09c9137b021dc3dde2563b5fd94c
            file: '/gitlab/tox-pipeline.yml'
          - project: 'acme/ci-templates'
            file: ['/gitlab/ruff.yml', '/gitlab/changelog.yml']
          - remote: 'https://example.org/ci/bump-version.yml'
        """
    )
    repo.commit("Add CI", {".gitlab-ci.yml": main, "tests/test_a.py": "1\n"})

    tests, lint = outcome_of("CI002", repo.path), outcome_of("CI003", repo.path)

    assert tests.status is Status.PASS, tests.message
    assert "acme/ci-templates:/gitlab/tox-pipeline.yml" in tests.message
    assert (".gitlab-ci.yml", 2) in evidence_of(tests)
    assert lint.status is Status.PASS, lint.message
    assert "acme/ci-templates:/gitlab/ruff.yml" in lint.message


def test_gitlab_an_include_that_names_no_test_runs_no_tests(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    main = "include:\n  - project: 'acme/ci'\n    file: '/deploy.yml'\n"
    repo.commit("Add CI", {".gitlab-ci.yml": main, "tests/test_a.py": "1\n"})

    assert outcome_of("CI002", repo.path).status is Status.FAIL


def test_gitlab_templates_no_job_extends_run_nothing(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    text = ".tests:\n  script: [pytest]\nbuild:\n  script:\n    - python -m build\n"
    repo.commit("Add CI", {".gitlab-ci.yml": text})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "none of its 1 command(s) runs the tests" in outcome.message


@pytest.mark.parametrize(
    ("job", "why"),
    [
        ("  allow_failure: true\n", "`allow_failure: true` on its job `tests`"),
        ("  when: manual\n", "its job `tests` only runs when started by hand"),
        ("  rules:\n    - when: never\n", "its job `tests` has `when: never`"),
    ],
)
def test_gitlab_jobs_that_cannot_fail_or_do_not_start(
    repo: RepoBuilder, outcome_of: RunRule, job: str, why: str
) -> None:
    text = "tests:\n  image: python:3.12\n" + job + "  script:\n    - pytest\n"
    repo.commit("Add CI", {".gitlab-ci.yml": text})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert why in outcome.message


def test_gitlab_after_script_cannot_fail_the_job(repo: RepoBuilder, outcome_of: RunRule) -> None:
    text = "tests:\n  script:\n    - pip install .\n  after_script:\n    - pytest\n"
    repo.commit("Add CI", {".gitlab-ci.yml": text})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "it runs in `after_script`, whose failure does not fail the job" in outcome.message


# ----------------------------------------------------------------------------- indirections


@pytest.mark.parametrize(
    "command",
    [
        "docker compose run --rm -e DJANGO_SETTINGS_MODULE=app.settings web make ci",
        "docker-compose -f compose.test.yml run web make ci",
        "docker compose exec -T web make ci",
    ],
)
def test_a_command_run_in_a_container_is_followed(
    repo: RepoBuilder, outcome_of: RunRule, command: str
) -> None:
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow(f"      - run: {command}\n"),
            "Makefile": "ci:\n\tpython manage.py test\n",
        },
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert "the `ci` target runs manage.py test (Makefile:2)" in outcome.message


def test_indirections_are_followed_past_the_first(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add CI",
        {
            ".github/workflows/ci.yml": workflow("      - run: make ci\n"),
            "Makefile": "ci:\n\ttox -e py312\n",
            "tox.ini": "[tox]\nenv_list = py312\n\n[testenv]\ncommands = ./scripts/check.sh\n",
            "scripts/check.sh": "#!/bin/sh\nset -e\npytest --cov\n",
        },
    )
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == (
        "CI runs the tests: `make ci` (.github/workflows/ci.yml:8), "
        "the `ci` target runs `tox -e py312` (Makefile:2), "
        "tox env `py312` runs `./scripts/check.sh` (tox.ini:5), "
        "the script scripts/check.sh runs pytest (scripts/check.sh:3)."
    )
    assert ("scripts/check.sh", 3) in evidence_of(outcome)


def test_following_calls_is_bounded(repo: RepoBuilder) -> None:
    """Templates, reusable workflows and make targets that fan out do not blow up."""
    files = {
        ".gitlab-ci.yml": "".join(
            f".t{i}:\n  extends: [{', '.join([f'.t{i + 1}'] * 10)}]\n  script: [pytest]\n"
            for i in range(12)
        )
        + "job:\n  extends: .t0\n",
        "Makefile": "".join(f"t{i}:\n" + f"\tmake t{i + 1}\n" * 100 for i in range(10)),
        ".github/workflows/m.yml": workflow("      - run: make t0\n" * 100),
    }
    for i in range(10):
        jobs = "".join(f"  j{k}:\n    uses: ./.github/workflows/w{i + 1}.yml\n" for k in range(50))
        files[f".github/workflows/w{i}.yml"] = (
            "on: push\n" if i == 0 else "on: workflow_call\n"
        ) + ("jobs:\n" + jobs)
    repo.commit("Add CI", files)
    started = time.monotonic()
    snapshot = Snapshot.open(repo.path)
    assert [run.command.path for run in ci_activity(snapshot).counted_tests] == [".gitlab-ci.yml"]
    assert len(ci_setup(snapshot).commands) <= 10_000
    assert time.monotonic() - started < 10


def test_a_matrix_task_run_through_poe_runs_the_tests(repo: RepoBuilder) -> None:
    """`uv run poe ${{ matrix.task }}` with task in [check, lint]: the runner runs each
    task of the matrix, and poe's `check` is a sequence whose `test` task runs pytest."""
    from auditor.engine import audit
    from auditor.rulepack import load_pack
    from auditor.source.snapshot import Snapshot

    workflow = (
        "on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    strategy:\n"
        "      matrix:\n        include:\n          - task: check\n          - task: lint\n"
        "    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: uv run poe ${{ matrix.task }}\n"
    )
    pyproject = (
        '[project]\nname = "x"\nversion = "1"\n\n[tool.poe.tasks]\ntest = "pytest"\n'
        'check = ["test"]\n\n[tool.poe.tasks.lint]\nsequence = [{ cmd = "ruff check ." }]\n'
    )
    repo.commit(
        "Add CI through poe",
        {".github/workflows/ci.yml": workflow, "pyproject.toml": pyproject, "x.py": "X = 1\n"},
    )
    findings = {f.rule: f for f in audit(Snapshot.open(repo.path), load_pack("default")).findings}
    assert findings["CI002"].status.value == "pass", findings["CI002"].outcome.message
    assert "poe task `check` runs pytest" in findings["CI002"].outcome.message
    assert findings["CI003"].status.value == "pass"
