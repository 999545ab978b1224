"""Markdown READMEs, read with markdown-it-py tokens (CommonMark plus tables).

Never with regexes on the raw text, so a ``#`` inside a code block is not a heading and a
word inside a fence is not prose. markdown-it-py costs about 3 s per MiB and its inline parser
is quadratic on some paragraphs (200,000 ``[`` took 5 s), so only the first
``MAX_MARKDOWN_CHARS`` of a README are read, and a very long paragraph is read as plain text.
"""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from auditor.source.readme.document import (
    CodeBlock,
    Heading,
    Link,
    ReadmeDocument,
    Section,
    bounded_prefix,
    count_words,
    first_explicit_title,
    prose_words,
    urls,
)
from auditor.source.readme.html_reader import read_html, tag_of

#: Only this much of a Markdown README is read: markdown-it-py spends about 40 µs per
#: token, so a dense document is bounded by lines too. What matters is near the top.
MAX_MARKDOWN_CHARS = 100_000
MAX_MARKDOWN_LINES = 4_000
#: Longer paragraphs skip markdown-it's inline parser and are read as plain text.
MAX_INLINE_CHARS = 20_000
#: A paragraph that is only bold text, standing alone, is a heading when this short.
MAX_IMPLICIT_HEADING_WORDS = 8


def parse_markdown(path: str, text: str) -> ReadmeDocument:
    """The sections, code blocks, links and images of a Markdown README (its first part)."""
    text, truncated = bounded_prefix(text, MAX_MARKDOWN_CHARS, MAX_MARKDOWN_LINES)
    # Inline content is parsed below, paragraph by paragraph, so a long one can be bounded.
    md = MarkdownIt("commonmark", {"maxNesting": 40}).enable("table").disable("inline")
    env: dict[str, Any] = {}
    tokens = md.parse(text, env)
    sections: list[Section] = [Section(heading=None)]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        line = (token.map[0] + 1) if token.map else 0
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.type == "heading_open" and nxt is not None and nxt.type == "inline":
            children = _inline_children(md, env, nxt)
            heading_text = _inline_text(children) if children is not None else nxt.content
            heading = Heading(int(token.tag[1:]), heading_text.strip(), line)
            sections.append(Section(heading=heading, words=prose_words(heading_text)))
            sections[-1].links.extend(_inline_links(children, line) if children else ())
            i += 3
            continue
        if token.type == "inline":
            _read_inline(md, env, token, line, tokens[i - 1] if i else None, sections)
        elif token.type in ("fence", "code_block"):
            info = token.info.strip().split(" ", 1)[0] if token.type == "fence" else ""
            sections[-1].code_blocks.append(CodeBlock(info, token.content, line))
        elif token.type == "html_block":
            read_html(token.content, line, sections)
        i += 1
    title = first_explicit_title(sections)
    return ReadmeDocument(path, "markdown", title, tuple(sections), truncated)


def _read_inline(
    md: MarkdownIt,
    env: dict[str, Any],
    token: Token,
    line: int,
    opener: Token | None,
    sections: list[Section],
) -> None:
    children = _inline_children(md, env, token)
    if children is None:  # too long for the inline parser: plain text
        sections[-1].prose.append(token.content)
        sections[-1].words += prose_words(token.content)
        sections[-1].links.extend(Link(url, "", line) for url in urls(token.content))
        return
    plain = _inline_text(children)
    links = _inline_links(children, line)
    top_paragraph = opener is not None and opener.type == "paragraph_open" and opener.level == 0
    if top_paragraph and _is_bold_line(children, plain):
        heading = Heading(6, plain.rstrip(":").strip(), line, implicit=True)
        sections.append(Section(heading=heading, words=prose_words(plain), links=links))
        return
    sections[-1].prose.append(plain)
    sections[-1].words += prose_words(plain)
    sections[-1].links.extend(links)


def _inline_children(md: MarkdownIt, env: dict[str, Any], token: Token) -> list[Token] | None:
    """The inline tokens of a paragraph or heading; None when it is too long to parse safely."""
    if len(token.content) > MAX_INLINE_CHARS:
        return None
    children: list[Token] = []
    md.inline.parse(token.content, md, env, children)
    return children


def _is_bold_line(children: list[Token], plain: str) -> bool:
    """Whether a paragraph is nothing but one short bold span (``**Known limitations**``)."""
    meaningful = [c for c in children if not (c.type == "text" and not c.content.strip())]
    if len(meaningful) < 3 or meaningful[0].type != "strong_open":
        return False
    if meaningful[-1].type != "strong_close":
        return False
    inner = meaningful[1:-1]
    if any(c.type not in ("text", "text_special", "code_inline") for c in inner):
        return False
    return 0 < count_words(plain) <= MAX_IMPLICIT_HEADING_WORDS


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "text_special", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def _inline_links(children: list[Token], line: int) -> list[Link]:
    """Links and images of a paragraph, Markdown or inline HTML, with their labels."""
    links: list[Link] = []
    href: str | None = None
    label: list[str] = []
    for child in children:
        if child.type == "link_open":
            href, label = str(child.attrs.get("href", "")), []
        elif child.type == "link_close" and href is not None:
            links.append(Link(href, "".join(label).strip(), line))
            href = None
        elif child.type == "image":
            src = str(child.attrs.get("src", ""))
            links.append(Link(src, child.content, line, image=True, target=href or ""))
        elif child.type in ("text", "text_special", "code_inline") and href is not None:
            label.append(child.content)
        elif child.type == "text" and "://" in child.content:
            # GitHub links bare addresses too (the GFM autolink extension)
            links.extend(Link(url, "", line) for url in urls(child.content))
        elif child.type == "html_inline":
            tag = tag_of(child.content)
            if tag is None:
                continue
            if tag.name == "a" and tag.kind == "start":
                href, label = tag.attrs.get("href", ""), []
            elif tag.name == "a" and href is not None:
                links.append(Link(href, "".join(label).strip(), line))
                href = None
            elif tag.name == "img" and tag.kind == "start" and "src" in tag.attrs:
                image = Link(tag.attrs["src"], tag.attrs.get("alt", ""), line, True, href or "")
                links.append(image)
    if href is not None:
        links.append(Link(href, "".join(label).strip(), line))
    return links
