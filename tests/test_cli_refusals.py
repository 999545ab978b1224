"""Options that cannot mean anything are refused: exit 2, one line, nothing read or written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.baseline import BaselineError, load_baseline
from auditor.cli import main
from auditor.render import RenderOptions, render
from auditor.rulepack import load_pack
from tests.factory import RepoBuilder

APP = {
    "README.md": "# Ledger\n\nA ledger.\n",
    "ledger/__init__.py": "def total(xs: list[int]) -> int:\n    return sum(xs)\n",
}


@pytest.fixture(autouse=True)
def neutral_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def ledger(repo: RepoBuilder) -> RepoBuilder:
    repo.commit("Add the ledger", APP)
    return repo


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("auditor: error: ")
    return err


@pytest.mark.parametrize(
    ("selection", "said"),
    [
        (["--select", "DOC", "--ignore", "DOC"], "the selection --select DOC --ignore DOC"),
        (["--select", "DOC001", "--ignore", "DOC"], "the selection --select DOC001 --ignore DOC"),
    ],
)
def test_a_selection_that_leaves_no_rule_is_refused(
    ledger: RepoBuilder,
    private_cache: Path,
    capsys: pytest.CaptureFixture[str],
    selection: list[str],
    said: str,
) -> None:
    err = refused(capsys, "audit", str(ledger.path), *selection)

    assert f"{said} leaves no rule to audit" in err
    assert list(private_cache.glob("*.json")) == []  # nothing audited, nothing stored
    # One rule fewer in the family still leaves the others to audit.
    code = main(["audit", str(ledger.path), "--select", "DOC", "--ignore", "DOC001", "-f", "json"])
    rules = {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert code == 0 and rules and all(r.startswith("DOC") and r != "DOC001" for r in rules)


def test_ignoring_every_family_is_refused(
    ledger: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    families = ",".join(sorted({rule.category for rule in load_pack("default").rules.values()}))

    err = refused(capsys, "audit", str(ledger.path), "--ignore", families)

    assert f"the selection --ignore {families} leaves no rule to audit" in err


@pytest.mark.parametrize("name", ["card.xyz", "card", "card.JSONX"])
def test_an_output_extension_no_format_owns_is_refused(
    ledger: RepoBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    target = tmp_path / name

    err = refused(capsys, "audit", str(ledger.path), "-o", str(target))

    assert f"--output {target}: no format writes" in err
    assert "*.json" in err and "*.html" in err and "--format" in err
    assert not target.exists()
    # Named with --format, any file name is fine: the format is no longer a guess.
    assert main(["audit", str(ledger.path), "-f", "json", "-o", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["schema_version"] == 1


# ------------------------------------------------------------------------------ --baseline


def test_a_json_card_is_a_baseline(ledger: RepoBuilder, tmp_path: Path) -> None:
    from auditor.api import audit_repository
    from auditor.config import Settings

    card = audit_repository(ledger.path, Settings()).card
    stored = tmp_path / "before.json"
    stored.write_text(render(card, "json", RenderOptions()), encoding="utf-8")

    baseline = load_baseline(stored)

    assert baseline.score == card.score
    assert baseline.repo.head == ledger.commits[-1]
    assert [f.rule for f in baseline.findings] == [f.rule for f in card.findings]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("Score 71.2 / 100 Grade C\n", "not JSON, so not a card"),
        ('{"name": "package.json", "version": "1.0.0"}', "JSON but not a scorecard"),
        ("[1, 2, 3]", "JSON but not a scorecard"),
        ('{"schema_version": 99, "findings": []}', "a card of schema_version 99"),
        ('{"schema_version": 1, "findings": [], "repo": {}}', "a damaged card"),
    ],
)
def test_a_file_that_is_not_a_card_is_refused(tmp_path: Path, content: str, said: str) -> None:
    file = tmp_path / "card.json"
    file.write_text(content, encoding="utf-8")

    with pytest.raises(BaselineError, match=said) as raised:
        load_baseline(file)

    assert str(raised.value).startswith(f"--baseline {file}: ")
    assert "\n" not in str(raised.value)
    assert raised.value.exit_code == 2


def test_a_missing_baseline_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot read: No such file"):
        load_baseline(tmp_path / "nowhere.json")
