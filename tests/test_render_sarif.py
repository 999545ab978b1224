"""SARIF 2.1.0 for GitHub code scanning: valid against the OASIS schema, located results."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.engine import audit
from auditor.model import Scorecard, Status
from auditor.render.sarif import render_sarif
from auditor.rulepack import load_pack
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder, make_repo
from tests.hostile import build_hostile_project
from tests.projects import build_strong_project, build_weak_project

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

COMPLEX_MODULE = "def route(kind, n):\n" + "".join(
    f"    {'if' if i == 0 else 'elif'} kind == {i}:\n        return n + {i}\n" for i in range(14)
)


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return loaded


def sarif_of(card: Scorecard) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render_sarif(card))
    return log


def audited(repo: RepoBuilder) -> Scorecard:
    return audit(Snapshot.open(repo.path), load_pack())


def build_complex_project(path: Path) -> RepoBuilder:
    repo = make_repo(path)
    repo.commit("Add the router", {"app/router.py": COMPLEX_MODULE, "README.md": "# Router\n"})
    return repo


def test_the_stored_schema_is_the_oasis_sarif_2_1_0_schema() -> None:
    jsonschema.Draft4Validator.check_schema(schema())
    assert schema()["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema()["properties"]["version"]["enum"] == ["2.1.0"]


PROJECTS = [build_strong_project, build_weak_project, build_hostile_project, build_complex_project]


@pytest.mark.parametrize("build", PROJECTS)
def test_real_output_validates_and_has_a_result_per_finding_to_fix(
    build: Callable[[Path], RepoBuilder], tmp_path: Path
) -> None:
    card = audited(build(tmp_path / "project"))

    log = sarif_of(card)

    errors = sorted(jsonschema.Draft4Validator(schema()).iter_errors(log), key=str)
    assert not errors, errors[0]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f.rule for f in card.findings]
    to_fix = [f for f in card.findings if f.status in (Status.FAIL, Status.PARTIAL)]
    # a security finding is one result per place it names (each its own code scanning alert)
    expected = [
        f.rule
        for f in to_fix
        for _ in range(
            max(1, len([e for e in f.outcome.evidence if e.is_file])) if f.category == "SEC" else 1
        )
    ]
    assert [r["ruleId"] for r in run["results"]] == expected
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["region"]["startLine"] >= 1  # GitHub needs a line
        assert "://" not in location["artifactLocation"]["uri"]
        assert not location["artifactLocation"]["uri"].startswith("/")


def test_rules_carry_why_and_fix_as_help(tmp_path: Path) -> None:
    card = audited(build_weak_project(tmp_path / "calculator"))

    rules = {r["id"]: r for r in sarif_of(card)["runs"][0]["tool"]["driver"]["rules"]}

    for finding in card.findings:
        rule = rules[finding.rule]
        assert rule["shortDescription"]["text"] == finding.title
        assert finding.why in rule["help"]["text"] and finding.fix in rule["help"]["text"]
        assert "**How to fix**" in rule["help"]["markdown"]


def test_levels_and_locations_of_the_weak_project(tmp_path: Path) -> None:
    card = audited(build_weak_project(tmp_path / "calculator"))

    results = {r["ruleId"]: r for r in sarif_of(card)["runs"][0]["results"]}

    assert results["TST001"]["level"] == "warning"
    assert results["GIT003"]["level"] == "note"  # partial: one active day of three
    # No evidence: shown on the README's place, and the message says so.
    readme = results["DOC001"]["locations"][0]["physicalLocation"]
    assert readme == {
        "artifactLocation": {"uri": "README.md", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }
    assert "concerns the repository as a whole" in results["DOC001"]["message"]["text"]
    # Committed junk: the first junk path is the location, the others related locations.
    junk = results["GIT005"]
    uris = [junk["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]] + [
        r["physicalLocation"]["artifactLocation"]["uri"] for r in junk.get("relatedLocations", [])
    ]
    assert sorted(uris) == [".DS_Store", "__pycache__/"]
    # A commit is not a file: named in the message, located on the README.
    history = results["GIT001"]
    assert f"Commits: {card.repo.head[:7]}" in history["message"]["text"]  # type: ignore[index]
    assert history["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "README.md"


def test_a_complex_function_is_located_at_its_line(tmp_path: Path) -> None:
    card = audited(build_complex_project(tmp_path / "router"))

    results = {r["ruleId"]: r for r in sarif_of(card)["runs"][0]["results"]}

    location = results["CPX001"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/router.py"
    assert location["region"]["startLine"] == 1


def test_hostile_file_names_become_percent_encoded_relative_uris(tmp_path: Path) -> None:
    repo = build_hostile_project(tmp_path / "project", remote="https://github.com/owner/repo.git")
    card = audited(repo)

    run = sarif_of(card)["runs"][0]
    results = {r["ruleId"]: r for r in run["results"]}

    secret = results["GIT006"]["locations"][0]["physicalLocation"]
    assert secret["artifactLocation"]["uri"] == (
        "config_%3Csvg%20onload%3Dalert%28%27xss-svg%27%29%3E.py"
    )
    assert secret["region"]["startLine"] == 1
    test = results["TST004"]["locations"][0]["physicalLocation"]
    assert test["artifactLocation"]["uri"].startswith("tests/test_%3Csvg")
    assert run["versionControlProvenance"] == [
        {"repositoryUri": "https://github.com/owner/repo", "revisionId": card.repo.head}
    ]


def test_a_remote_that_is_not_a_known_web_host_is_left_out(tmp_path: Path) -> None:
    card = audited(build_hostile_project(tmp_path / "project"))

    run = sarif_of(card)["runs"][0]

    assert "versionControlProvenance" not in run
    assert "javascript" not in json.dumps(run["tool"])
