"""Manifests, entry points and the stack read through real, bounded parsers, in linear time.

Each slow case is a file a repository once held that made an old hand-written parser take
minutes; its audit must now finish within a few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.checks.registry import primitives
from auditor.facts.catalogue import _technology
from auditor.facts.entrypoints import console_scripts
from auditor.facts.manifests import requirements
from auditor.facts.stack import technologies
from auditor.model import Outcome, Status
from auditor.source.snapshot import Snapshot
from auditor.vocabulary import VocabularyError
from tests.factory import RepoBuilder

RunRule = Callable[[str, Path], Outcome]
CODE = {"app/__init__.py": "", "app/core.py": "def add(a, b):\n    return a + b\n"}
#: Generous for a shared, loaded machine; the old parsers took minutes on these files.
SECONDS = 5.0


def timed(run: Callable[[], Outcome]) -> tuple[Outcome, float]:
    start = time.perf_counter()
    outcome = run()
    return outcome, time.perf_counter() - start


# ----------------------------------------------------------------------------- linear time


def test_a_large_poetry_file_finds_key_lines_in_linear_time(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    blanks = (" " * 30 + "\n") * 2_000  # 62 KB of blank lines before the dependencies
    pyproject = (
        '[tool.poetry]\nname = "app"\n'
        + blanks
        + '[tool.poetry.dependencies]\npython = "^3.11"\npandas = "^2.0"\nnumpy = "*"\n'
    )
    repo.commit("Add project", {**CODE, "pyproject.toml": pyproject})
    outcome, seconds = timed(lambda: outcome_of("PKG002", repo.path))
    assert seconds < SECONDS
    assert outcome.status is Status.PARTIAL
    assert "1 of 2 declared dependencies carry a version; unversioned: numpy" in outcome.message
    assert [(e.path, e.line) for e in outcome.evidence] == [("pyproject.toml", 2_006)]


def test_a_setup_cfg_with_a_long_line_of_spaces_is_read_quickly(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    setup_cfg = (
        "[options]\ninstall_requires =\n    flask>=2\n    requests\n"
        + " " * 150_000
        + "x\n[options.entry_points]\nconsole_scripts =\n    app = app.cli:main\n"
    )
    repo.commit("Add project", {**CODE, "setup.cfg": setup_cfg})
    outcome, seconds = timed(lambda: outcome_of("PKG002", repo.path))
    assert seconds < SECONDS
    assert outcome.status is Status.PARTIAL
    assert "unversioned: requests" in outcome.message
    assert [(e.path, e.line) for e in outcome.evidence] == [("setup.cfg", 4)]
    scripts = console_scripts(Snapshot.open(repo.path))
    assert [(s.name, s.path, s.line, s.target) for s in scripts] == [
        ("app", "setup.cfg", 8, "app.cli:main")
    ]


def test_a_dockerfile_full_of_blank_lines_is_scanned_per_line(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    dockerfile = "FROM python:3.12\n" + (" " * 50 + "\n") * 2_000 + 'CMD ["python", "-m", "app"]\n'
    repo.commit("Add project", {**CODE, "Dockerfile": dockerfile})
    outcome, seconds = timed(lambda: outcome_of("PKG003", repo.path))
    assert seconds < SECONDS
    assert outcome.status is Status.PASS
    assert "Dockerfile with a CMD" in outcome.message


def test_a_dockerfile_without_cmd_is_not_a_way_to_run(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    dockerfile = "FROM python:3.12\n# CMD is set by the platform\nRUN pip install .\n"
    repo.commit("Add project", {**CODE, "Dockerfile": dockerfile})
    outcome = outcome_of("PKG003", repo.path)
    assert outcome.status is Status.FAIL


def test_a_scheduled_workflow_is_read_from_its_yaml(repo: RepoBuilder) -> None:
    workflow = (
        "name: nightly\non:\n  schedule:\n"
        + "\n" * 8_000
        + "    - cron: '0 3 * * *'\njobs:\n  run:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: python -m app\n"
    )
    repo.commit("Add project", {**CODE, ".github/workflows/nightly.yml": workflow})
    start = time.perf_counter()
    stack = technologies(Snapshot.open(repo.path))
    assert time.perf_counter() - start < SECONDS
    assert stack.names("scheduling") == ["a scheduled CI workflow"]
    evidence = stack.of("scheduling")[0].evidence
    assert (evidence.path, evidence.line) == (".github/workflows/nightly.yml", 8_004)


def test_a_workflow_that_only_mentions_cron_is_not_scheduled(repo: RepoBuilder) -> None:
    workflow = (
        "on: push\njobs:\n  run:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo cron\n"
    )
    repo.commit("Add project", {**CODE, ".github/workflows/ci.yml": workflow})
    assert not technologies(Snapshot.open(repo.path)).of("scheduling")


# ----------------------------------------------------------------------------- parsers


def test_conda_environment_is_read_as_yaml_with_its_pip_list(repo: RepoBuilder) -> None:
    environment = (
        "name: app\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.12\n"
        "  - conda-forge::numpy>=1.26\n  - pandas\n  - pip\n  - pip:\n"
        "      - httpx>=0.27\n      - rich\n"
    )
    repo.commit("Add project", {**CODE, "environment.yml": environment})
    found = requirements(Snapshot.open(repo.path))
    assert [(r.name, r.spec, r.line, r.versioned) for r in found] == [
        ("numpy", ">=1.26", 6, True),
        ("pandas", "", 7, False),
        ("httpx", ">=0.27", 10, True),
        ("rich", "", 11, False),
    ]


def test_requirements_follow_pep_508(repo: RepoBuilder) -> None:
    lines = (
        "flask[async]>=2 ; python_version > '3.8'  # web\n"
        "pkg @ git+https://example.com/pkg@v1\n"
        "not a requirement at all\n"
        "-e .\n"
        "./local/path\n"
        "click==8.1.7 \\\n    --hash=sha256:abc\n"
    )
    repo.commit("Add project", {**CODE, "requirements.txt": lines})
    found = requirements(Snapshot.open(repo.path))
    assert [(r.name, r.spec, r.line) for r in found] == [
        ("flask", ">=2", 1),
        ("pkg", "@ git+https://example.com/pkg@v1", 2),
        ("click", "==8.1.7", 6),
    ]
    assert [r.exact for r in found] == [False, False, True]


# ----------------------------------------------------------------------------- the catalogue


def test_the_catalogue_refuses_an_unknown_kind() -> None:
    with pytest.raises(VocabularyError, match="unknown kind 'webb'"):
        _technology(0, {"name": "Flask", "kind": "webb", "modules": ["flask"]})
    with pytest.raises(VocabularyError, match="not a regular expression"):
        _technology(0, {"name": "X", "kind": "docker", "files": "(unclosed"})


def test_substance_and_the_profiles_agree_on_a_graphql_api(
    repo: RepoBuilder, outcome_of: RunRule
) -> None:
    schema = (
        "import graphene\n\n\nclass Query(graphene.ObjectType):\n    hello = graphene.String()\n"
    )
    repo.commit("Add API", {"api/schema.py": schema})
    interface = outcome_of("SUB003", repo.path)
    assert interface.status is Status.PASS
    assert "a web framework (graphene) at api/schema.py:1" in interface.message
    assert technologies(Snapshot.open(repo.path)).names("web") == ["Graphene"]
    check = primitives()["uses_technology"]
    assert check(Snapshot.open(repo.path), {"kinds": ["web"]}).status is Status.PASS


def test_a_ui_library_is_a_kind_of_the_stack(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit("Add app", {"app.py": "import streamlit as st\n\nst.title('Sales')\n"})
    assert "a user interface (streamlit) at app.py:1" in outcome_of("SUB003", repo.path).message
    assert technologies(Snapshot.open(repo.path)).names("ui") == ["Streamlit"]
