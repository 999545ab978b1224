"""The shields.io endpoint badge: a README shows its own score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from tests.projects import build_strong_project, build_weak_project


@pytest.mark.parametrize(
    ("build", "grade", "color"),
    [(build_strong_project, "A", "brightgreen"), (build_weak_project, "F", "red")],
)
def test_badge_is_a_shields_endpoint_with_score_grade_and_colour(
    build: object,
    grade: str,
    color: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = build(tmp_path / "project")  # type: ignore[operator]
    badge_file = tmp_path / "badge.json"

    code = main(["audit", str(repo.path), "-f", "badge", "-o", str(badge_file), "-f", "json"])

    card = json.loads(capsys.readouterr().out)
    badge = json.loads(badge_file.read_text("utf-8"))
    assert code == 0
    assert badge == {
        "schemaVersion": 1,
        "label": "portfolio score",
        "message": f"{card['score']:.1f}/100 ({grade})",
        "color": color,
    }
    assert card["grade"] == grade
