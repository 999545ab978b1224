"""The JSON scorecard follows the schema_version 1 contract and its shipped JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from auditor.cli import main
from auditor.schema import scorecard_schema
from tests.projects import build_strong_project, build_weak_project

SIGNAL_KEYS = {
    "readme": {"path", "words", "sections"},
    "license": {"path", "spdx"},
    "tests": {"files", "framework", "test_functions", "assertionless", "test_loc", "source_loc"},
    "ci": {"providers", "runs_tests", "runs_lint"},
    "commits": {
        "count",
        "authors",
        "first",
        "last",
        "active_days",
        "vague_message_fraction",
        "single_dump",
    },
    "hygiene": {"gitignore", "committed_junk", "secrets_suspect"},
    "complexity": {"functions", "mean_cc", "max_cc", "rank", "mean_mi"},
    "lint": {"violations", "per_kloc"},
    "python": {"files", "loc", "parse_errors"},
}
README_SECTIONS = {
    "install",
    "usage",
    "tests",
    "screenshots",
    "known_limitations",
    "design",
    "roadmap",
    "license",
}


def card_for(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["audit", str(path), "--format", "json"]) == 0
    card: dict[str, object] = json.loads(capsys.readouterr().out)
    return card


@pytest.mark.parametrize("build", [build_strong_project, build_weak_project])
def test_real_output_validates_against_the_shipped_schema(
    build: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = build(tmp_path / "project")  # type: ignore[operator]

    card = card_for(repo.path, capsys)

    jsonschema.Draft202012Validator.check_schema(scorecard_schema())
    jsonschema.validate(card, scorecard_schema(), cls=jsonschema.Draft202012Validator)
    assert card["repo"]["head"] == repo.commits[-1]  # type: ignore[index]


def test_signals_carry_every_contract_key_with_measured_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = build_strong_project(tmp_path / "ledgerline")

    card = card_for(repo.path, capsys)
    signals = card["signals"]

    assert isinstance(signals, dict)
    for group, keys in SIGNAL_KEYS.items():
        assert keys <= set(signals[group]), group
    assert set(signals["readme"]["sections"]) >= README_SECTIONS
    assert signals["readme"]["path"] == "README.md"
    assert signals["readme"]["sections"]["known_limitations"] is True
    assert signals["commits"]["count"] == len(repo.commits)
    assert signals["ci"]["providers"] == ["github-actions"]
    assert signals["ci"]["runs_tests"] is True
    assert signals["tests"]["test_functions"] == 4
    assert signals["hygiene"]["gitignore"] is True
    assert signals["python"]["parse_errors"] == 0


def test_schema_rejects_a_card_that_breaks_the_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card = card_for(build_weak_project(tmp_path / "calc").path, capsys)
    del card["signals"]["commits"]["single_dump"]  # type: ignore[index]
    card["findings"][0]["status"] = "maybe"  # type: ignore[index]

    errors = list(jsonschema.Draft202012Validator(scorecard_schema()).iter_errors(card))

    assert len(errors) == 2
