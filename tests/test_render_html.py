"""The HTML scorecard as a document: self-contained, complete, escaped, safely linked."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from auditor.engine import audit
from auditor.model import Scorecard, Status
from auditor.render.html import render_html
from auditor.render.view import build_view, format_value, repo_web
from auditor.rulepack import load_pack
from auditor.source.snapshot import Snapshot
from tests.hostile import HOSTILE_REMOTE, MARKERS, REPO_NAME, SCRIPT, build_hostile_project
from tests.projects import build_strong_project, build_weak_project

OUR_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section",
    "article", "div", "span", "p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "dl", "dt", "dd",
    "a", "code", "small", "strong", "time", "details", "summary", "table", "tr", "th", "td",
    "svg", "circle", "text",
}  # fmt: skip


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data
        else:
            self.text.append(data)

    def hrefs(self) -> list[str]:
        return [a.get("href") or "" for tag, a in self.starts if tag == "a"]

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.starts if a.get("id")}


def parse(document: str) -> Page:
    page = Page()
    page.feed(document)
    return page


def card_for(path: Path) -> Scorecard:
    return audit(Snapshot.open(path), load_pack())


@pytest.fixture(scope="module")
def strong_card(tmp_path_factory: pytest.TempPathFactory) -> Scorecard:
    repo = build_strong_project(tmp_path_factory.mktemp("strong") / "ledgerline")
    repo.git("remote", "add", "origin", "https://github.com/ada/ledgerline.git")
    return card_for(repo.path)


@pytest.fixture(scope="module")
def weak_card(tmp_path_factory: pytest.TempPathFactory) -> Scorecard:
    return card_for(build_weak_project(tmp_path_factory.mktemp("weak") / "calculator").path)


def test_strong_card_shows_score_grade_charts_steps_and_every_finding(
    strong_card: Scorecard,
) -> None:
    document = render_html(strong_card)
    page = parse(document)
    text = " ".join(" ".join(page.text).split())

    assert document.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert f"{strong_card.score:.1f} / 100" in text and "Grade A" in text
    charts = [a for tag, a in page.starts if tag == "svg"]
    assert len(charts) == 1 + len(strong_card.categories)
    assert all(a["role"] == "img" and a.get("aria-labelledby") for a in charts)
    for category in strong_card.categories:
        assert f"{category.title}: {category.score:.1f} out of 100" in text
    assert len([1 for tag, a in page.starts if tag == "li" and a.get("class") == "panel"]) == min(
        5, len(strong_card.next_steps)
    )
    for finding in strong_card.findings:
        assert f"rule-{finding.rule}" in page.ids()
        # Code spans are their own text nodes: compare without the white space between them.
        assert "".join(finding.why.replace("`", "").split()) in "".join(text.split())
    for heading in ("By category", "Next steps, most valuable first", "Measured signals"):
        assert heading in text
    assert strong_card.repo.head in text  # type: ignore[operator]
    assert f"portfolio-auditor {strong_card.tool_version}" in text
    assert f'<time datetime="{strong_card.audited_at}">' in document


def test_evidence_links_to_the_file_and_line_on_the_host(strong_card: Scorecard) -> None:
    page = parse(render_html(strong_card))

    head = strong_card.repo.head
    located = next(
        e for f in strong_card.findings for e in f.outcome.evidence if e.is_file and e.line
    )
    expected = f"https://github.com/ada/ledgerline/blob/{head}/{located.path}#L{located.line}"
    assert expected in page.hrefs()
    assert all(h.startswith(("#", "https://github.com/ada/ledgerline")) for h in page.hrefs())


def test_the_card_is_self_contained(weak_card: Scorecard) -> None:
    document = render_html(weak_card)
    page = parse(document)

    fetching = [(t, a) for t, a in page.starts if {"src", "srcset", "data", "poster"} & set(a)]
    assert not fetching
    assert not [t for t, _ in page.starts if t in ("script", "link", "img", "iframe", "object")]
    assert "url(" not in page.style and "@import" not in page.style
    assert "default-src 'none'" in document  # the CSP forbids every fetch and script
    assert all(h.startswith("#") for h in page.hrefs())  # no remote: no outside links


def test_status_is_a_word_and_a_symbol_not_only_a_colour(weak_card: Scorecard) -> None:
    text = " ".join(parse(render_html(weak_card)).text)

    for status, symbol, word in ((Status.FAIL, "✗", "fail"), (Status.PASS, "✓", "pass")):
        count = sum(f.status is status for f in weak_card.findings)
        assert re.search(rf"{symbol}\s*{count} {word}\b", text), (symbol, count)
    assert re.search(r"✗\s*fail\s+README present", text)  # each finding's own status
    assert "weak" in text and "strong" in text  # each category's band, in words


@pytest.mark.parametrize("remote", [HOSTILE_REMOTE, "https://github.com/owner/repo.git"])
def test_hostile_strings_are_text_and_links_stay_on_the_host(remote: str, tmp_path: Path) -> None:
    card = card_for(build_hostile_project(tmp_path / REPO_NAME, remote=remote).path)

    document = render_html(card)
    page = parse(document)

    assert {tag for tag, _ in page.starts} <= OUR_TAGS
    for tag, attrs in page.starts:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    assert "<script" not in document.lower()
    text = "".join(page.text)
    assert SCRIPT in text
    for marker in MARKERS:
        assert marker in text
    base = "https://github.com/owner/repo"
    on_host = remote.startswith("https://")
    for href in page.hrefs():
        assert href.startswith("#") or (on_host and (href == base or href.startswith(base + "/")))
        assert "javascript" not in href.split("/blob/")[0]
    assert on_host == (f'href="{base}"' in document)


@pytest.mark.parametrize(
    ("remote", "base"),
    [
        ("https://github.com/ada/ledgerline.git", "https://github.com/ada/ledgerline"),
        ("http://www.GitHub.com/ada/ledgerline/", "https://github.com/ada/ledgerline"),
        ("https://gitlab.com/group/sub/project", "https://gitlab.com/group/sub/project"),
        ("https://bitbucket.org/team/repo.git", "https://bitbucket.org/team/repo"),
        ("git@github.com:ada/ledgerline.git", None),
        ("ssh://git@github.com/ada/ledgerline", None),
        ("javascript:alert(1)//github.com/ada/ledgerline", None),
        ("https://github.com.evil.example/ada/ledgerline", None),
        ("https://evil.example/github.com/ada/ledgerline", None),
        ("https://token@github.com/ada/ledgerline", None),
        ("https://github.com:8443/ada/ledgerline", None),
        ("https://github.com/ada", None),
        ("https://github.com/ada/ledgerline/extra", None),
        ("https://github.com/ada/<script>", None),
        ("https://github.com/ada/..", None),
        ("https://github.com/ada/repo?x=1", None),
        ("/srv/git/ledgerline", None),
        ("", None),
    ],
)
def test_links_are_built_only_for_https_remotes_on_known_hosts(
    remote: str, base: str | None
) -> None:
    web = repo_web(remote)

    assert (web.base if web else None) == base


def test_file_links_percent_encode_the_path_and_pick_the_hosts_layout() -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    github, gitlab, bitbucket = (
        repo_web(f"https://{h}/o/r") for h in ("github.com", "gitlab.com", "bitbucket.org")
    )
    assert github and gitlab and bitbucket

    assert github.file_url(sha, 'a b/<x>"#?.py', 12) == (
        f"https://github.com/o/r/blob/{sha}/a%20b/%3Cx%3E%22%23%3F.py#L12"
    )
    assert (
        github.file_url(sha, "__pycache__/", None)
        == f"https://github.com/o/r/tree/{sha}/__pycache__"
    )
    assert gitlab.file_url(sha, "app.py", 3) == f"https://gitlab.com/o/r/-/blob/{sha}/app.py#L3"
    assert (
        bitbucket.file_url(sha, "app.py", 3)
        == f"https://bitbucket.org/o/r/src/{sha}/app.py#lines-3"
    )
    assert github.commit_url(sha) == f"https://github.com/o/r/commit/{sha}"


def test_paths_that_climb_out_of_the_tree_get_no_link(weak_card: Scorecard) -> None:
    from dataclasses import replace

    from auditor.model import Evidence, Outcome, RepoInfo

    finding = replace(
        weak_card.findings[0],
        outcome=Outcome.failed("x", (Evidence("../../etc/passwd", 1), Evidence("ok.py", 2))),
    )
    repo = RepoInfo("r", "/r", "0123456789abcdef0123", "https://github.com/o/r", "git")
    card = replace(weak_card, findings=(finding,), repo=repo)

    evidence = next(c for c in build_view(card).categories if c.findings).findings[0].evidence

    assert [e.href for e in evidence] == [
        None,
        "https://github.com/o/r/blob/0123456789abcdef0123/ok.py#L2",
    ]


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("gitignore", True, "yes"),
        ("count", 12345, "12,345"),
        ("vague_message_fraction", 0.25, "25%"),
        ("mean_cc", 2.5, "2.5"),
        (
            "committed_junk",
            [f"f{n}" for n in range(12)],
            "f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 and 2 more",
        ),
        ("sections", {"install": True, "tests": False}, "has install; lacks tests"),
        ("first", "2024-03-01T10:00:00+00:00", "2024-03-01 10:00 UTC"),
        ("path", None, "none"),
    ],
)
def test_signals_read_as_short_text(key: str, value: object, text: str) -> None:
    assert format_value(key, value) == text
