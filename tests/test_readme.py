"""The README parser: Markdown, reStructuredText and plain text, and its bounds."""

from __future__ import annotations

import time

import pytest

from auditor.source.readme import (
    MAX_INLINE_CHARS,
    MAX_MARKDOWN_CHARS,
    MAX_MARKDOWN_LINES,
    Heading,
    parse_readme,
    readme,
)
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder


def heading_texts(text: str, path: str = "README.md") -> list[str]:
    return [h.text for h in parse_readme(path, text).headings]


# ----------------------------------------------------------------------------- Markdown


def test_markdown_hash_inside_a_fence_is_code_not_a_heading() -> None:
    doc = parse_readme(
        "README.md",
        "# Tool\n\n## Install\n\n```bash\n# Known limitations\npip install tool\n```\n",
    )
    assert [h.text for h in doc.headings] == ["Tool", "Install"]
    (block,) = doc.code_blocks
    assert block.info == "bash"
    assert block.line == 5
    assert "# Known limitations" in block.text
    assert doc.sections[-1].heading == Heading(2, "Install", 3)


def test_markdown_atx_heading_levels_lines_and_closing_hashes() -> None:
    doc = parse_readme("README.md", "# Title #\n\ntext\n\n### Usage ###\n")
    assert doc.headings == (Heading(1, "Title", 1), Heading(3, "Usage", 5))
    assert doc.title == "Title"


def test_markdown_setext_headings_and_a_rule_that_is_not_one() -> None:
    text = "My Tool\n=======\n\nIntro.\n\nUsage\n-----\n\nrun it\n\n---\n\nmore\n"
    doc = parse_readme("README.md", text)
    assert doc.headings == (Heading(1, "My Tool", 1), Heading(2, "Usage", 6))
    assert doc.sections[-1].prose == ["run it", "more"]


def test_markdown_html_headings_images_and_links() -> None:
    text = (
        "<h1 align='center'>\n"
        "  <img src='docs/logo.png' alt='logo'><br>\n"
        "  Budget &amp; Buddy\n"
        "</h1>\n"
        "\n"
        "<p><a href='https://budget.vercel.app'>Live demo</a></p>\n"
        "\n"
        "<!-- <h2>Hidden heading</h2> -->\n"
        "\n"
        "<div>\n"
        "\n"
        "<h2>Screenshots</h2>\n"
        "<a href='docs/big.png'><img src='docs/shot.png'></a>\n"
        "</div>\n"
    )
    doc = parse_readme("README.md", text)
    assert doc.headings == (Heading(1, "Budget & Buddy", 1), Heading(2, "Screenshots", 12))
    assert doc.title == "Budget & Buddy"
    assert [(link.url, link.text, link.line) for link in doc.links] == [
        ("https://budget.vercel.app", "Live demo", 6),
        ("docs/big.png", "", 13),
    ]
    images = {(i.url, i.text, i.target, i.line) for i in doc.images}
    assert images == {("docs/logo.png", "logo", "", 2), ("docs/shot.png", "", "docs/big.png", 13)}


def test_markdown_inline_images_links_and_badges() -> None:
    text = (
        "[![CI](https://github.com/a/b/actions/workflows/ci.yml/badge.svg)]"
        "(https://github.com/a/b/actions)\n\n"
        "See [the docs](https://docs.example.com), https://bare.example.org, "
        "![shot](docs/shot.png) and "
        '<a href="https://x.io">an <em>HTML</em> link</a> <img src="gif.gif" alt="demo">.\n'
    )
    doc = parse_readme("README.md", text)
    badge, shot, gif = doc.images
    assert badge.target == "https://github.com/a/b/actions"
    assert badge.text == "CI"
    assert (shot.url, shot.text, shot.line) == ("docs/shot.png", "shot", 3)
    assert (gif.url, gif.text) == ("gif.gif", "demo")
    assert [(link.url, link.text) for link in doc.links] == [
        ("https://github.com/a/b/actions", ""),
        ("https://docs.example.com", "the docs"),
        ("https://bare.example.org", ""),
        ("https://x.io", "an HTML link"),
    ]


def test_markdown_words_leave_out_code_html_alt_text_and_addresses() -> None:
    text = (
        "# Two words\n\n"
        "Three words here https://example.com/a/b/c.\n\n"
        "![alt text is not prose](x.png) <b>bold</b>\n\n"
        "```\nnot prose at all\n```\n\n"
        "    indented code neither\n"
    )
    doc = parse_readme("README.md", text)
    assert doc.words == 2 + 3 + 1  # "bold" is text between inline tags
    assert len(doc.code_blocks) == 2


def test_markdown_tables_count_as_prose_not_headings() -> None:
    text = "## Options\n\n| Option | Meaning |\n|---|---|\n| verbose | prints more |\n"
    doc = parse_readme("README.md", text)
    assert heading_texts(text) == ["Options"]
    assert doc.sections[-1].prose == ["Option", "Meaning", "verbose", "prints more"]
    assert doc.words == 1 + 5


def test_a_bold_line_standing_alone_is_an_implicit_heading() -> None:
    text = (
        "# Tool\n\n**Known limitations:**\n\n- only CSV\n\n"
        "**Note:** this is a sentence, not a heading.\n\n- **Fast** list item\n"
    )
    doc = parse_readme("README.md", text)
    assert doc.headings == (
        Heading(1, "Tool", 1),
        Heading(6, "Known limitations", 3, implicit=True),
    )
    assert doc.title == "Tool"


def test_subtree_holds_nested_sections_up_to_the_next_sibling() -> None:
    doc = parse_readme("README.md", "## Examples\n### Create\n```\nx\n```\n## License\nMIT\n")
    examples = doc.headings[0]
    assert [s.heading.text for s in doc.subtree(examples) if s.heading] == ["Examples", "Create"]
    assert doc.subtree(Heading(2, "Missing", 99)) == ()


# ----------------------------------------------------------------------------- reST

RST = """\
=========
 My Tool
=========

.. image:: https://img.shields.io/pypi/v/tool.svg
   :target: https://pypi.org/project/tool
   :alt: PyPI

.. |ci| image:: https://github.com/a/b/actions/workflows/ci.yml/badge.svg

Try the `live demo <https://tool.streamlit.app>`_ or read https://example.com.

Installation
------------

Install it::

    pip install tool

.. code-block:: console
   :caption: the tests

   $ pytest -q

.. note::
   Notes are prose.

Known issues
~~~~~~~~~~~~
Too short
---

.. a comment with Words that
   do not count
"""


def test_rst_headings_overline_and_underline_styles_give_levels() -> None:
    doc = parse_readme("README.rst", RST)
    assert doc.format == "rst"
    assert doc.headings == (
        Heading(1, "My Tool", 2),
        Heading(2, "Installation", 13),
        Heading(3, "Known issues", 28),
    )
    assert doc.title == "My Tool"


def test_rst_directives_code_images_links_and_comments() -> None:
    doc = parse_readme("README.rst", RST)
    literal, console = doc.code_blocks
    assert (literal.text, literal.line) == ("pip install tool\n", 16)
    assert (console.info, console.text) == ("console", "$ pytest -q\n")
    pypi, ci = doc.images
    assert (pypi.target, pypi.text) == ("https://pypi.org/project/tool", "PyPI")
    assert ci.url.endswith("badge.svg")
    assert [(link.url, link.text) for link in doc.links] == [
        ("https://tool.streamlit.app", "live demo"),
        ("https://example.com", ""),
    ]
    install = doc.sections[2]
    assert install.prose == ["Install it", "Notes are prose."]
    assert "Words" not in " ".join(s.text for s in doc.sections)
    assert doc.sections[-1].prose == ["Too short"]


# ----------------------------------------------------------------------------- plain text


def test_plain_text_headings_code_and_links() -> None:
    text = (
        "Tool 1.0\n\nA small tool.\n\nINSTALLATION\n\n    pip install tool\n\n"
        "Usage:\n$ tool run\n\nKnown limitations\n-----------------\n"
        "Linux only. Demo: https://tool.herokuapp.com.\n"
    )
    doc = parse_readme("README.txt", text)
    assert doc.format == "text"
    assert doc.title == "Tool 1.0"
    assert [(h.text, h.implicit) for h in doc.headings] == [
        ("INSTALLATION", True),
        ("Usage", True),
        ("Known limitations", False),
    ]
    assert [b.text for b in doc.code_blocks] == ["pip install tool\n", "$ tool run\n"]
    assert [link.url for link in doc.links] == ["https://tool.herokuapp.com"]


@pytest.mark.parametrize("path", ["README.txt", "README.md"])
def test_line_reader_keeps_an_underlined_line_inside_a_fence_as_code(path: str) -> None:
    text = "Tool\n\n```\nnot a heading\n-------------\n```\n\nUsage\n=====\n"
    if path.endswith(".md"):  # past the bound: only the first part is read
        text += "\n" * (MAX_MARKDOWN_LINES + 1)
    doc = parse_readme(path, text)
    assert [h.text for h in doc.headings] == ["Usage"]
    assert [b.text for b in doc.code_blocks] == ["not a heading\n-------------\n"]


def test_plain_text_sentences_are_not_headings() -> None:
    text = "Intro line.\n\nThis tool does a thing.\nIt is NOT FINISHED.\n"
    assert parse_readme("README", text).headings == ()  # extensionless: Markdown
    assert parse_readme("README.txt", text).headings == ()


# ----------------------------------------------------------------------------- bounds


def test_a_one_mebibyte_readme_is_read_quickly_from_its_first_part() -> None:
    block = (
        "## Part\n\nSome words here and *there* with [a link](http://x.io).\n\n```\n# no\n```\n\n"
    )
    text = "# Big\n\n" + block * ((1 << 20) // len(block)) + "## Known limitations\n\nnone\n"
    assert len(text) > MAX_MARKDOWN_CHARS
    started = time.perf_counter()
    doc = parse_readme("README.md", text)
    assert time.perf_counter() - started < 3.0
    assert doc.truncated
    # One Markdown reader on a bounded prefix: what lies past it is not read.
    assert {h.text for h in doc.headings} == {"Big", "Part"}
    assert len(doc.headings) > 400  # 4,000 lines of eight-line parts
    assert doc.links[0].url == "http://x.io"
    assert 4_000 < doc.words < 10_000


def test_a_short_readme_is_not_truncated() -> None:
    assert not parse_readme("README.md", "# T\n\nShort.\n").truncated


@pytest.mark.parametrize(
    "fragment",
    [
        "<a " + "x=" * 20_000 + ">",
        "<img " + 'a="' * 10_000 + ">",
        "<!--" * 10_000,
        "<p " + " " * 50_000 + "title=x>",
    ],
    ids=["attributes", "quotes", "comments", "spaces"],
)
def test_html_is_read_in_bounded_time(fragment: str) -> None:
    text = f"# T\n\n<div>\n{fragment}\n</div>\n\nAfter <a href='https://x.io'>{fragment}</a>\n"
    started = time.perf_counter()
    doc = parse_readme("README.md", text)
    assert time.perf_counter() - started < 1.0
    assert doc.headings[0].text == "T"


def test_html_entities_comments_and_quoting_are_the_parser_s() -> None:
    text = (
        "<p align=center><a href=\"https://x.io/?a=1&amp;b=2\" title='a > b'>"
        '<img src=shot.png alt="Tom &amp; Jerry"></a></p>\n'
        "\n"
        "<!-- <h2>Not a heading</h2>\n<img src=hidden.png> -->\n"
        "\n"
        "<h2>Fish &amp; Chips</h2>\n"
    )
    doc = parse_readme("README.md", text)
    assert doc.headings == (Heading(2, "Fish & Chips", 6),)
    (image,) = doc.images
    assert (image.url, image.text, image.target) == (
        "shot.png",
        "Tom & Jerry",
        "https://x.io/?a=1&b=2",
    )


def test_rst_link_labels_with_a_run_of_spaces_are_read_in_linear_time() -> None:
    text = "Tool\n====\n\n`" + " " * 50_000 + "x\n\nSee `the docs   <https://d.io>`_.\n"
    started = time.perf_counter()
    doc = parse_readme("README.rst", text)
    assert time.perf_counter() - started < 1.0
    assert [(link.url, link.text) for link in doc.links] == [("https://d.io", "the docs")]


def test_a_long_pathological_paragraph_is_read_as_plain_text() -> None:
    text = "# T\n\n" + "[" * (MAX_INLINE_CHARS * 4) + " words\n"
    started = time.perf_counter()
    doc = parse_readme("README.md", text)
    assert time.perf_counter() - started < 1.0
    assert doc.words == 2


@pytest.mark.parametrize(
    "text",
    [
        "> " * 5_000 + "deep\n",
        "".join("  " * i + "- item\n" for i in range(3_000)),
        "".join(">" * (i % 200) + " quote\n" for i in range(3_000)),
    ],
    ids=["blockquote", "list", "mixed-quotes"],
)
def test_deeply_nested_markdown_parses_quickly_without_errors(text: str) -> None:
    started = time.perf_counter()
    for path in ("README.md", "README.rst", "README.txt"):
        parse_readme(path, text)
    assert time.perf_counter() - started < 3.0


# ----------------------------------------------------------------------------- the fact


def test_readme_fact_prefers_the_root_then_github_then_docs(repo: RepoBuilder) -> None:
    repo.commit("Add docs", {"docs/README.md": "# Docs\n", ".github/README.md": "# Gh\n"})
    assert readme(Snapshot.open(repo.path)).path == ".github/README.md"  # type: ignore[union-attr]
    repo.commit("Add readme", {"Readme.RST": "Root\n====\n"})
    doc = readme(Snapshot.open(repo.path))
    assert doc is not None
    assert (doc.path, doc.format, doc.title) == ("Readme.RST", "rst", "Root")


def test_readme_fact_is_none_without_a_readable_readme(repo: RepoBuilder) -> None:
    repo.commit("Add code", {"main.py": "print(1)\n"})
    assert readme(Snapshot.open(repo.path)) is None
    repo.commit("Add binary readme", {"README.md": b"\x00\x01binary"})
    assert readme(Snapshot.open(repo.path)) is None


def test_a_readme_linked_to_a_file_of_the_tree_is_the_readme(repo: RepoBuilder) -> None:
    """GitHub shows the file a README link names; a link out of the tree is nothing."""
    import os

    from auditor.source.readme import readme
    from auditor.source.snapshot import Snapshot

    repo.write({"doc/index.rst": "Tenacious\n=========\n\nRetrying, made simple.\n"})
    os.symlink("doc/index.rst", repo.path / "README.rst")
    repo.commit("Link the README to the docs' index")
    document = readme(Snapshot.open(repo.path))
    assert document is not None and document.path == "doc/index.rst"
    assert "Tenacious" in document.title

    os.remove(repo.path / "README.rst")
    os.symlink("../../../etc/hostname", repo.path / "README.rst")
    repo.commit("Point the README out of the tree")
    assert readme(Snapshot.open(repo.path)) is None
