"""``auditor audit --baseline CARD.json``: every format says what changed since an earlier card."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt

from auditor.cli import main
from auditor.schema import scorecard_schema
from tests.projects import build_weak_project

#: Its run command names a script that is not in the tree: DOC012 newly fails.
README_WITH_A_FALSE_CLAIM = "# Calculator\n\nRun it:\n\n```bash\npython main.py\n```\n"
CI_THAT_RUNS_NOTHING = (
    "on: [push]\njobs:\n  hello:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hello\n"
)


@pytest.fixture(autouse=True)
def neutral_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    """A weak project's card, then the project after a commit that adds a CI running nothing."""
    folder = tmp_path_factory.mktemp("changed")
    repo = build_weak_project(folder / "calculator")
    baseline = folder / "before.json"
    here = Path.cwd()
    os.chdir(folder)  # settings are read from the working directory: none there
    try:
        assert main(["audit", str(repo.path), "--no-cache", "-o", str(baseline)]) == 0
    finally:
        os.chdir(here)
    repo.commit(
        "Add a CI workflow that greets, and a README",
        {".github/workflows/ci.yml": CI_THAT_RUNS_NOTHING, "README.md": README_WITH_A_FALSE_CLAIM},
    )
    return repo.path, baseline, json.loads(baseline.read_text("utf-8"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_card_carries_the_comparison_newly_failing_first(
    changed: tuple[Path, Path, dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, baseline, before = changed

    code, out, _ = run(capsys, "audit", str(path), "--baseline", str(baseline), "-f", "json")

    assert code == 0
    card = json.loads(out)
    jsonschema.validate(card, scorecard_schema(), cls=jsonschema.Draft202012Validator)
    comparison = card["comparison"]
    assert comparison["before"]["score"] == before["score"]
    assert comparison["after"]["score"] == card["score"]
    assert comparison["delta"] == round(card["score"] - before["score"], 1) > 0
    changes = [(c["rule"], c["before"], c["after"], c["direction"]) for c in comparison["changes"]]
    assert changes[0] == ("DOC012", "skip", "partial", "worse")
    assert ("CI001", "fail", "pass", "better") in changes
    assert ("DOC001", "fail", "pass", "better") in changes
    worse = [c for c in changes if c[3] == "worse"]
    assert changes[: len(worse)] == worse  # newly failing first


def test_text_markdown_and_html_show_old_and_new_score_and_the_changed_rules(
    changed: tuple[Path, Path, dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, baseline, before = changed
    _, out, _ = run(capsys, "audit", str(path), "--no-cache", "-f", "json")
    after = json.loads(out)
    headline = (
        f"{before['score']:.1f} → {after['score']:.1f} (+{after['score'] - before['score']:.1f})"  # type: ignore[operator]
    )
    since = f"since {str(before['repo']['head'])[:7]}"  # type: ignore[index]

    _, text, _ = run(capsys, "audit", str(path), "--baseline", str(baseline), "--no-color")
    _, markdown, _ = run(capsys, "audit", str(path), "--baseline", str(baseline), "-f", "markdown")
    _, html, _ = run(capsys, "audit", str(path), "--baseline", str(baseline), "-f", "html")

    assert f"Score {headline} {since}" in text
    lines = [line.split() for line in text.splitlines() if "newly failing" in line]
    assert [words[2] for words in lines][:1] == ["DOC012"]
    assert text.index("DOC012 README claims") < text.index("improved       CI001 CI configured")
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert f"What changed: {headline} {since}" in rendered
    rows = rendered.split("What changed", 1)[1].split("</table>", 1)[0]
    assert rows.index("DOC012") < rows.index("CI001")
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", rows)
    assert cells[:4] == [
        "❌ newly failing",
        "DOC012 README claims match the tree",
        "skipped",
        "partial",
    ]
    assert f'<span class="delta up">{headline}</span>' in html
    assert html.index("newly failing</strong> DOC012") < html.index("improved</strong> CI001")


def test_a_baseline_that_is_not_a_card_is_refused_before_the_audit(
    changed: tuple[Path, Path, dict[str, object]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    path, _, _ = changed
    not_a_card = tmp_path / "package.json"
    not_a_card.write_text('{"name": "left-pad"}', encoding="utf-8")

    code, out, err = run(capsys, "audit", str(path), "--baseline", str(not_a_card))

    assert code == 2 and out == ""
    assert err.startswith(f"auditor: error: --baseline {not_a_card}: ") and "not a scorecard" in err
    assert len(err.strip().splitlines()) == 1


def test_a_baseline_of_another_pack_is_refused(
    changed: tuple[Path, Path, dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, baseline, _ = changed

    code, _, err = run(
        capsys, "audit", str(path), "--baseline", str(baseline), "--profile", "backend"
    )

    assert code == 2
    assert err.strip() == (
        "auditor: error: the baseline card was judged with pack 'default', this audit with "
        "'backend': compare cards of the same pack"
    )
