"""Cards worth reading: what was audited near the verdict, each thing said once, labels and
signals that agree with each other, a footer without local paths, code spans that render."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from auditor.engine import audit
from auditor.model import Scorecard
from auditor.render.html import render_html
from auditor.render.markdown import render_markdown
from auditor.render.text import render_text
from auditor.render.view import build_view
from auditor.rulepack import load_pack
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder, make_repo
from tests.projects import build_strong_project, build_weak_project

README_WITHOUT_SECTIONS = "# Notes app\n\n## Intro\n\nA small app.\n\n## Notes\n\nMore words.\n"


def card_of(path: Path) -> Scorecard:
    return audit(Snapshot.open(path), load_pack())


def to_html(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable(["table"]).render(markdown)


@pytest.fixture(scope="module")
def strong(tmp_path_factory: pytest.TempPathFactory) -> RepoBuilder:
    return build_strong_project(tmp_path_factory.mktemp("strong") / "ledgerline")


@pytest.fixture(scope="module")
def weak_card(tmp_path_factory: pytest.TempPathFactory) -> Scorecard:
    return card_of(build_weak_project(tmp_path_factory.mktemp("weak") / "calculator").path)


def test_the_verdict_line_names_kind_size_tests_and_stack(strong: RepoBuilder) -> None:
    card = card_of(strong.path)
    assert card.verdict is not None
    tests = card.signals["tests"]["test_functions"]
    expected = (
        f"A command-line tool: {card.verdict.code_lines:,} lines of code, {tests} tests; "
        "built with SQLite, Click, pytest, Dockerfile"
    )

    html = render_html(card)
    markdown = render_markdown(card)
    text = render_text(card, color=False, width=200)

    assert f'<p class="kind" data-testid="kind">{expected}</p>' in html
    assert expected + "." in to_html(markdown)
    assert f"  {expected}\n" in text


def test_a_weak_card_says_it_has_no_tests(weak_card: Scorecard) -> None:
    assert "A Python application: 6 lines of code, no tests (Python code" in render_html(weak_card)


def test_evidence_repeated_by_several_readme_findings_is_said_once(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "notes", {"README.md": README_WITHOUT_SECTIONS, "app.py": "X = 1\n"}
    )
    card = card_of(repo.path)
    repeating = [f.rule for f in card.findings if "headings found:" in f.outcome.message]
    assert len(repeating) >= 4

    html = render_html(card)
    markdown = render_markdown(card)

    assert html.count("headings found:") == 1
    note = re.search(r'data-testid="shared-note"><strong>([^<]*):</strong> ([^<]*)</p>', html)
    assert note is not None
    assert note.group(1) == ", ".join(repeating)
    assert note.group(2) == "headings found: Notes app, Intro, Notes"
    assert html.count("(see above)") == len(repeating)
    assert markdown.count("headings found:") == 1
    assert f"**{', '.join(repeating)}:** headings found: Notes app, Intro, Notes" in markdown


def test_a_category_label_counts_partials_instead_of_contradicting_its_score(
    weak_card: Scorecard,
) -> None:
    view = build_view(weak_card)
    html = render_html(weak_card)
    markdown = render_markdown(weak_card)
    mixed = [c for c in view.categories if c.counts.get("partial") and c.counts.get("pass")]
    assert mixed, "the weak project should have a category with partial and passing rules"

    for cat in view.categories:
        if not cat.applicable:
            continue
        label = cat.rule_counts
        assert label.startswith(f"{cat.applicable} rule")
        for status in ("pass", "partial", "fail"):
            if cat.counts.get(status):
                assert f"{cat.counts[status]} {status}" in label or f"all {status}" in label
        assert f"· {label}</span>" in html
        assert f"| {label} |" in markdown.replace("\\", "")
    assert not re.search(r"\d+ of \d+ rules? pass", html)


@pytest.mark.parametrize(
    ("remote", "shown"),
    [
        ("/home/ada/src/calculator", None),
        ("file:///home/ada/src/calculator.git", None),
        ("../calculator.git", None),
        ("git@github.com:ada/calculator.git", "git@github.com:ada/calculator.git"),
        (
            "https://gitlab.example.com/ada/calculator.git",
            "https://gitlab.example.com/ada/calculator.git",
        ),
    ],
)
def test_the_footer_shows_the_remote_or_nothing_never_a_local_path(
    tmp_path: Path, remote: str, shown: str | None
) -> None:
    repo = make_repo(tmp_path / "calculator", {"calc.py": "X = 1\n"})
    repo.git("remote", "add", "origin", remote)

    html = render_html(card_of(repo.path))
    footer = html.split("<footer>", 1)[1]

    if shown is None:
        assert "<dt>Remote</dt>" not in footer and remote not in html
    else:
        assert f'<dt>Remote</dt><dd><span class="mono">{shown}</span></dd>' in footer


def test_signals_never_say_no_licence_beside_the_licence_found(strong: RepoBuilder) -> None:
    card = card_of(strong.path)
    assert card.signals["license"] == {
        "path": "LICENSE",
        "spdx": "MIT",
        "declared": None,
        "placeholder": None,
    }

    (group,) = [g for g in build_view(card).signals if g.key == "license"]
    html = render_html(card)

    assert group.rows == (("path", "LICENSE"), ("SPDX identifier", "MIT"))
    licence = html.split(">License</h3>", 1)[1].split("</table>", 1)[0]
    assert "none" not in licence


def test_markdown_table_cells_render_code_spans_as_code(weak_card: Scorecard) -> None:
    markdown = render_markdown(weak_card)
    page = to_html(markdown)

    junk = next(f for f in weak_card.findings if f.rule == "GIT005")
    assert "`git rm -r --cached PATH`" in junk.outcome.message
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page)
    cell = next(c for c in cells if c.startswith("Committed junk"))
    assert "<code>git rm -r --cached PATH</code>" in cell
    assert "`" not in cell and "\\" not in cell
    assert "\\`" not in markdown
