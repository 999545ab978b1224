"""Exemptions: a repository's owner may exempt a rule, with a reason, from their own audit.

``[tool.auditor] exempt = {DOC007 = "command-line tool"}`` counts only when the audit runs
from the repository's own folder (the owner at work); auditing it from anywhere else (a
recruiter, batch mode) ignores it and says so on the card.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from auditor.engine import audit
from auditor.rulepack import load_pack
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder, make_repo

PYPROJECT = """\
[project]
name = "tidy"
version = "1.0.0"
dependencies = ["click>=8"]

[project.scripts]
tidy = "tidy:main"

[tool.auditor]
exempt = {DOC007 = "command-line tool: nothing to screenshot", doc008 = "a 50-line script"}
"""


@pytest.fixture
def cli_tool(tmp_path: Path) -> RepoBuilder:
    """A small command-line tool whose pyproject.toml exempts two README rules."""
    return make_repo(
        tmp_path / "tidy",
        {
            "pyproject.toml": PYPROJECT,
            "tidy.py": '"""Tidy a folder."""\n\nimport click\n\n\n@click.command()\n'
            'def main() -> None:\n    """Tidy."""\n',
            # enough prose that communication counts (a title-only README earns nothing)
            "README.md": "# tidy\n\n"
            + "Tidies a folder: sorts its files into subfolders by type and date. " * 6
            + "\n",
        },
    )


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["audit", *args, "-f", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def findings(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["rule"]: f for f in card["findings"]}


def test_the_owner_auditing_their_own_repo_gets_the_exemptions(
    cli_tool: RepoBuilder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(cli_tool.path)

    code, card, err = run_json(capsys, ".")

    assert code == 0 and err == ""
    doc007 = findings(card)["DOC007"]
    assert doc007["status"] == "skip"
    assert doc007["score"] is None
    assert doc007["message"] == "exempted: command-line tool: nothing to screenshot"
    assert doc007["exempt"] == "command-line tool: nothing to screenshot"
    assert findings(card)["DOC008"]["exempt"] == "a 50-line script"  # ids are upper-cased
    assert "exempt" not in findings(card)["DOC001"]
    assert not any("exempt" in notice for notice in card["notices"])


def test_an_exempted_rule_is_left_out_of_the_score(
    cli_tool: RepoBuilder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(cli_tool.path)
    _, exempted, _ = run_json(capsys, ".")
    monkeypatch.chdir(cli_tool.path.parent)
    _, judged, _ = run_json(capsys, str(cli_tool.path))

    assert findings(judged)["DOC007"]["status"] == "fail"
    assert exempted["score"] > judged["score"]
    doc = {c["id"]: c["score"] for c in exempted["categories"]}["DOC"]
    assert doc > {c["id"]: c["score"] for c in judged["categories"]}["DOC"]


def test_the_path_may_be_spelled_any_way_that_resolves_to_the_working_directory(
    cli_tool: RepoBuilder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(cli_tool.path)

    _, card, _ = run_json(capsys, str(cli_tool.path / ".." / "tidy"))

    assert findings(card)["DOC007"]["status"] == "skip"


def test_the_text_card_shows_the_reason(
    cli_tool: RepoBuilder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(cli_tool.path)

    assert main(["audit", ".", "--no-color"]) == 0
    out = capsys.readouterr().out

    assert "DOC007" in out
    assert "exempted: command-line tool: nothing to screenshot" in out


def test_auditing_someone_elses_repo_ignores_their_exemptions_and_says_so(
    cli_tool: RepoBuilder,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    elsewhere = tmp_path / "recruiter"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    _, card, _ = run_json(capsys, str(cli_tool.path))

    assert findings(card)["DOC007"]["status"] == "fail"
    assert not any("exempt" in f for f in card["findings"])
    assert any(
        notice.startswith("the repository exempts DOC007, DOC008 from its own audit; not honoured")
        for notice in card["notices"]
    )


def test_a_subfolder_of_the_repo_is_not_the_repo(
    cli_tool: RepoBuilder, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (cli_tool.path / "docs").mkdir()
    monkeypatch.chdir(cli_tool.path / "docs")

    _, card, _ = run_json(capsys, "..")

    assert findings(card)["DOC007"]["status"] == "fail"


def test_exemptions_of_the_working_directory_do_not_travel_to_other_repos(
    cli_tool: RepoBuilder,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = make_repo(tmp_path / "other", {"main.py": "print('x')\n"})
    monkeypatch.chdir(cli_tool.path)

    _, card, _ = run_json(capsys, str(other.path))

    assert findings(card)["DOC001"]["status"] == "fail"
    assert not any("exempt" in f for f in card["findings"])
    assert any("apply only to the repository in that folder" in n for n in card["notices"])


def test_unknown_rule_ids_are_a_notice_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(
        tmp_path / "tool",
        {"auditor.toml": 'exempt = {DOC999 = "typo", DOC007 = "a CLI"}\n', "a.py": "x = 1\n"},
    )
    monkeypatch.chdir(repo.path)

    code, card, _ = run_json(capsys, ".")

    assert code == 0
    assert findings(card)["DOC007"]["exempt"] == "a CLI"
    assert "exempt names DOC999, not a rule of pack 'default': ignored" in card["notices"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('exempt = ["DOC007"]', "'exempt' must be a table"),
        ("exempt = {DOC007 = 1}", "exempt DOC007: give the reason as text"),
        ('exempt = {DOC007 = "  "}', "exempt DOC007: give the reason as text"),
    ],
)
def test_a_malformed_exempt_setting_exits_two_with_one_line(
    tmp_path: Path,
    setting: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo(tmp_path / "tool", {"auditor.toml": setting + "\n", "a.py": "x = 1\n"})
    monkeypatch.chdir(repo.path)

    assert main(["audit", "."]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_the_engine_only_exempts_what_it_is_given(cli_tool: RepoBuilder) -> None:
    """Batch mode calls the engine without ``exempt``: a repository's own settings never count."""
    snapshot = Snapshot.open(cli_tool.path)
    pack = load_pack("default")

    plain = audit(snapshot, pack)
    exempted = audit(snapshot, pack, exempt={"DOC007": "a CLI"})

    assert next(f for f in plain.findings if f.rule == "DOC007").exempt is None
    finding = next(f for f in exempted.findings if f.rule == "DOC007")
    assert finding.exempt == "a CLI"
    assert finding.outcome.message == "exempted: a CLI"
    assert finding.status.value == "skip"
