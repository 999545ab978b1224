"""The CI readers: provider adapters, YAML through the bounded loader, tox in INI and TOML."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.facts.ci import ci_activity, ci_setup
from auditor.facts.tasks import tox_config
from auditor.facts.tools import direct_tools
from auditor.model import Outcome, Status
from auditor.source import ci
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

RunRule = Callable[[str, Path], Outcome]

HEAD = "name: CI\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n"


def test_every_provider_label_has_an_adapter_and_back() -> None:
    adapters = [p.name for p in ci.PROVIDERS]
    assert adapters == list(ci.PROVIDER_LABELS)
    assert len(set(adapters)) == len(adapters)
    for adapter in ci.PROVIDERS:
        assert adapter.label == ci.PROVIDER_LABELS[adapter.name]


def test_github_script_is_javascript_not_a_test_run(repo: RepoBuilder, outcome_of: RunRule) -> None:
    workflow = HEAD + (
        "    steps:\n"
        "      - uses: actions/github-script@v7\n"
        "        with:\n"
        "          script: |\n"
        "            // pytest results are posted by another job\n"
        "            github.rest.issues.createComment({body: 'run pytest'})\n"
    )
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "it runs no commands" in outcome.message
    commands = ci_setup(Snapshot.open(repo.path)).commands
    assert [(c.text, c.action) for c in commands] == [("actions/github-script@v7", True)]


def test_an_action_input_holding_commands_counts(repo: RepoBuilder, outcome_of: RunRule) -> None:
    workflow = HEAD + (
        "    steps:\n"
        "      - uses: nick-fields/retry@v3\n"
        "        with:\n"
        "          timeout_minutes: 10\n"
        "          command: python -m pytest -q\n"
    )
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow})
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.PASS
    assert "`python -m pytest -q` (.github/workflows/ci.yml:10)" in outcome.message


def test_flow_style_steps_are_ordinary_yaml(repo: RepoBuilder, outcome_of: RunRule) -> None:
    workflow = (
        HEAD + "    steps: [{uses: actions/checkout@v4}, {run: pytest -q}, {run: ruff check}]\n"
    )
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow})
    tests = outcome_of("CI002", repo.path)
    assert tests.status is Status.PASS
    assert "`pytest -q` (.github/workflows/ci.yml:6)" in tests.message
    assert outcome_of("CI003", repo.path).status is Status.PASS


def test_a_name_mentioning_the_tool_does_not_move_the_line(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    workflow = HEAD + "    steps:\n      - name: pytest\n        run: pytest\n"
    repo.commit("Add CI", {".github/workflows/ci.yml": workflow})
    outcome = outcome_of("CI002", repo.path)
    assert "`pytest` (.github/workflows/ci.yml:8)" in outcome.message


def test_unreadable_workflows_give_a_reason_not_a_crash(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    repo.commit(
        "Add CI",
        {
            ".github/workflows/broken.yml": HEAD + "    steps: [{run: pytest}\n",
            ".github/workflows/bomb.yml": bomb,
            ".github/workflows/huge.yml": HEAD + "    steps:\n" + "      - run: pytest\n" * 60_000,
            ".github/workflows/ok.yml": HEAD + "    steps:\n      - run: make build\n",
        },
    )
    setup = ci_setup(Snapshot.open(repo.path))
    reasons = dict(setup.unreadable)
    assert "aliases" in reasons[".github/workflows/bomb.yml"]
    assert "not valid YAML" in reasons[".github/workflows/broken.yml"]
    assert "larger than" in reasons[".github/workflows/huge.yml"] or (
        "not read" in reasons[".github/workflows/huge.yml"]
    )
    assert [c.text for c in setup.commands] == ["make build"]
    outcome = outcome_of("CI002", repo.path)
    assert outcome.status is Status.FAIL
    assert "Could not read: .github/workflows/bomb.yml (expands to more than" in outcome.message


def test_large_workflows_are_read_in_linear_time(repo: RepoBuilder) -> None:
    line = "      - run: " + "mvn " * 200 + "\n"
    workflow = HEAD + "    steps:\n" + line * (900_000 // len(line))
    repo.commit("Add CI", {f".github/workflows/w{i}.yml": workflow for i in range(3)})
    started = time.monotonic()
    snapshot = Snapshot.open(repo.path)
    setup = ci_setup(snapshot)
    assert len(setup.commands) == 3 * (900_000 // len(line))
    assert ci_activity(snapshot).tests == ()
    assert time.monotonic() - started < 30


def test_tox_ini_and_tox_toml_are_both_read(repo: RepoBuilder, outcome_of: RunRule) -> None:
    tox_toml = (
        'env_list = ["3.12", "lint"]\n'
        "\n"
        "[env_run_base]\n"
        'deps = ["pytest"]\n'
        'commands = [["pytest", { replace = "posargs", default = ["tests"], extend = true }]]\n'
        "\n"
        "[env.lint]\n"
        'commands = [["ruff", "check", "."], ["mypy", "src"]]\n'
    )
    repo.commit(
        "Add CI",
        {".github/workflows/ci.yml": HEAD + "    steps:\n      - run: tox\n", "tox.toml": tox_toml},
    )
    config = tox_config(Snapshot.open(repo.path))
    assert config is not None
    assert config.env_list == ("3.12", "lint")
    assert config.envs["lint"].commands == ((8, "ruff check ."), (8, "mypy src"))
    assert config.envs[""].commands == ((5, "pytest"),)
    lint = outcome_of("CI003", repo.path)
    assert lint.status is Status.PASS
    assert "tox env `lint` runs ruff (tox.toml:8)" in lint.message


def test_tox_ini_is_read_with_configparser(repo: RepoBuilder) -> None:
    tox_ini = (
        "[tox]\nenvlist = py312, docs\n\n[testenv]\ncommands =\n"
        '    pytest "tests/a b" {posargs}\n\n[testenv:docs]\ncommands = sphinx-build docs out\n'
        + "x" * 10_000
        + "\n"
    )
    repo.commit("Add tox", {"tox.ini": tox_ini})
    config = tox_config(Snapshot.open(repo.path))
    assert config is not None
    assert config.env_list == ("py312", "docs")
    assert config.envs[""].commands == ((6, 'pytest "tests/a b" {posargs}'),)
    assert config.envs["docs"].line == 8


def test_pyproject_tool_tox_legacy_ini(repo: RepoBuilder) -> None:
    pyproject = (
        '[project]\nname = "x"\n\n[tool.tox]\nlegacy_tox_ini = """\n'
        "[tox]\nenvlist = py312\n\n[testenv]\ncommands = pytest -q\n"
        '"""\n'
    )
    repo.commit("Add tox", {"pyproject.toml": pyproject})
    config = tox_config(Snapshot.open(repo.path))
    assert config is not None
    assert config.path == "pyproject.toml"
    assert config.envs[""].commands == ((10, "pytest -q"),)


def test_commands_are_split_like_a_shell() -> None:
    assert direct_tools("echo 'a && pytest'") == []
    assert direct_tools("cd app && ./.venv/bin/pytest -q") == [("test", "pytest")]
    assert direct_tools('echo "unbalanced && pytest') == [("test", "pytest")]
    assert direct_tools("./gradlew :app:test") == [("test", "gradlew test")]
    assert direct_tools("black --diff --check .") == [("lint", "black --diff")]
    assert direct_tools("pytest.ini") == []


def test_gitlab_reference_tags_are_read_as_plain_data() -> None:
    """GitLab's !reference tag is everywhere in real files; the safe loader must not refuse
    the whole file for it, while global tags such as !!python/object stay refused."""
    from auditor.source.yaml_reader import YamlError, load_yaml

    text = (
        ".setup:\n  script: [pip install .]\n"
        "test:\n  script:\n    - !reference [.setup, script]\n    - pytest\n"
    )
    data = load_yaml(text)[0].data
    assert data["test"]["script"] == [[".setup", "script"], "pytest"]
    with pytest.raises(YamlError, match="python/object"):
        load_yaml("a: !!python/object:os.system x\n")
