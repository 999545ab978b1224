"""The Markdown scorecard: a summary table, a section per category, escaped, bounded."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from auditor.engine import audit
from auditor.model import Evidence, Finding, Outcome, Scorecard
from auditor.render.markdown import MAX_CHARS, md_escape, render_markdown, size
from auditor.rulepack import load_pack
from auditor.source.snapshot import Snapshot
from tests.hostile import MARKERS, REPO_NAME, SCRIPT, build_hostile_project
from tests.projects import build_weak_project

#: The tags our template writes; anything else in the rendered page came from the repo.
OUR_TAGS = {
    "h2", "h3", "p", "strong", "em", "table", "thead", "tbody", "tr", "th", "td", "ol", "ul",
    "li", "a", "details", "summary", "b", "sub", "blockquote", "br", "code",
}  # fmt: skip


def to_html(markdown: str) -> str:
    """Render like GitHub: CommonMark, tables and strikethrough, raw HTML allowed."""
    return (
        MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown)
    )


class Tags(HTMLParser):
    """Every start tag with its attributes, every end tag, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.ends: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.ends.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    return tags


def cell_separators(line: str) -> int:
    """The pipes of a table row that separate cells (not escaped by a backslash)."""
    count, escaped = 0, False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            count += 1
    return count


def card_for(path: Path) -> Scorecard:
    return audit(Snapshot.open(path), load_pack())


@pytest.fixture(scope="module")
def weak_card(tmp_path_factory: pytest.TempPathFactory) -> Scorecard:
    repo = build_weak_project(tmp_path_factory.mktemp("weak") / "calculator")
    repo.git("remote", "add", "origin", "https://github.com/ada/calculator.git")
    return card_for(repo.path)


@pytest.fixture(scope="module")
def hostile_card(tmp_path_factory: pytest.TempPathFactory) -> Scorecard:
    path = tmp_path_factory.mktemp("hostile") / REPO_NAME
    return card_for(build_hostile_project(path, remote="https://github.com/owner/repo").path)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a*b_c", r"a\*b\_c"),
        ("`x`", r"\`x\`"),
        ("| a | b |", r"\| a \| b \|"),
        ("[x](javascript:y)", r"\[x\]\(javascript:y\)"),
        ("<script>&amp;", "&lt;script&gt;&amp;amp;"),
        ("# h\n- item\r\n1. n", r"\# h \- item 1\. n"),
        ("!{}+~$\\", r"\!\{\}\+\~\$\\"),
        ("\x1b[31mred\u202e", r"\[31mred"),
    ],
)
def test_md_escape_neutralises_every_markdown_and_html_character(raw: str, escaped: str) -> None:
    assert md_escape(raw) == escaped


def test_weak_card_has_a_summary_table_next_steps_and_a_section_per_category(
    weak_card: Scorecard,
) -> None:
    document = render_markdown(weak_card)

    assert document.startswith("## Portfolio scorecard: calculator\n")
    assert f"**{weak_card.score:.1f} / 100 · grade F**" in document
    rows = [line for line in document.splitlines() if line.startswith("| ")]
    for category in weak_card.categories:
        assert any(row.startswith(f"| {md_escape(category.title)} | ") for row in rows)
    assert document.count("<details>") == document.count("</details>")
    assert document.count("<details>") == len(weak_card.categories) + 2  # receipt, signals
    step = weak_card.next_steps[0].finding
    assert f"1. **{md_escape(step.title)}** ({step.rule}, +" in document
    assert "Why employers care: " in document and "How to fix: " in document
    head = weak_card.repo.head
    assert (
        f"[calculator\\.py:1](https://github.com/ada/calculator/blob/{head}/calculator.py#L1)"
        in (document)
    )
    assert f"commit [{head[:7]}](https://github.com/ada/calculator/commit/{head})" in document  # type: ignore[index]
    assert "Shortened to fit" not in document


def test_hostile_strings_render_as_text_and_cannot_break_tables_or_sections(
    hostile_card: Scorecard,
) -> None:
    document = render_markdown(hostile_card)
    page = parse(to_html(document))

    assert {tag for tag, _ in page.starts} <= OUR_TAGS
    for tag, attrs in page.starts:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "a":
            assert (attrs["href"] or "").startswith("https://github.com/owner/repo/"), attrs
    assert page.ends.count("details") == len(hostile_card.categories) + 2  # receipt, signals
    text = "".join(page.text)
    assert SCRIPT in text  # shown, not run
    for marker in MARKERS:
        assert marker in text
    # Every row has as many cell separators as its table's header (GitHub would silently
    # drop the cells a stray pipe adds), and the junk paths' pipes stay inside their cell.
    header = 0
    for line in document.splitlines():
        if not line.startswith("|"):
            header = 0
        elif header == 0:
            header = cell_separators(line)
        else:
            assert cell_separators(line) == header, line
    junk = next(f for f in hostile_card.findings if f.rule == "GIT005")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", to_html(document), re.S)
    # Our wording's `code spans` render as code; the repository's text stays text around them.
    shown = [html.unescape(re.sub(r"</?code>", "`", c)) for c in cells]
    assert junk.outcome.message in shown


def test_a_long_card_drops_the_least_important_detail_first_and_says_so(
    weak_card: Scorecard,
) -> None:
    full = render_markdown(weak_card)
    limit = size(full) - 200

    shorter = render_markdown(weak_card, limit=limit)

    assert size(shorter) <= limit
    assert "Shortened to fit" in shorter and "left out evidence beyond three items" in shorter
    assert "Why employers care: " in shorter  # the why survives the first cut
    for category in weak_card.categories:
        assert f"| {md_escape(category.title)} | " in shorter

    tiny = render_markdown(weak_card, limit=3_000)

    assert size(tiny) <= 3_000
    assert "left out every per\\-category section" in tiny or "per-category" in html.unescape(tiny)
    assert "### Next steps, most valuable first" in tiny


def test_a_huge_card_stays_under_githubs_limit(weak_card: Scorecard) -> None:
    evidence = tuple(
        Evidence(f"src/{'deep/' * 20}module_{n}.py", n + 1, "x" * 80) for n in range(400)
    )
    bloated = tuple(
        Finding(
            rule=f"{f.rule}",
            title=f.title,
            category=f.category,
            weight=f.weight,
            outcome=Outcome.failed("A very long message. " * 300, evidence),
            why=f.why,
            fix=f.fix,
        )
        for f in weak_card.findings
    )
    card = replace(weak_card, findings=bloated)

    document = render_markdown(card)

    assert size(document) <= MAX_CHARS
    assert "Shortened to fit 65,536 characters" in document
    assert document.count("<details>") == document.count("</details>")
