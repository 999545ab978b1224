"""The README, parsed once into headings, sections, code blocks, links and images.

Markdown is parsed with markdown-it-py tokens (CommonMark plus tables), never with regexes on
the raw text, so a ``#`` inside a code block is not a heading and a word inside a fence is
not prose. reStructuredText and plain-text READMEs get a smaller, line-based reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from auditor.source.snapshot import Snapshot, fact

#: README names in the order GitHub prefers them, at the root, then where GitHub also looks.
README_NAMES = ("readme.md", "readme.markdown", "readme.rst", "readme.txt", "readme")
README_DIRS = ("", ".github/", "docs/")

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)  # noqa: RUF001 - typographic apostrophe
_HTML_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_HTML_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_LINK = re.compile(r"<a\b[^>]*?\bhref\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,500}>")
_URL = re.compile(r"https?://[^\s<>()\"'`]+")
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+:.])\1{2,}\s*$")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int  # 1-based


@dataclass(frozen=True)
class CodeBlock:
    info: str  # the fence's language tag ("" when none)
    text: str
    line: int


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    line: int
    image: bool = False


@dataclass
class Section:
    """The content under one heading, up to the next heading of any level."""

    heading: Heading | None  # None for the text before the first heading
    words: int = 0
    code_blocks: list[CodeBlock] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.prose)


@dataclass(frozen=True)
class ReadmeDocument:
    path: str
    format: str  # "markdown", "rst" or "text"
    title: str | None
    sections: tuple[Section, ...]

    @property
    def headings(self) -> tuple[Heading, ...]:
        return tuple(s.heading for s in self.sections if s.heading is not None)

    @property
    def words(self) -> int:
        """Words of prose: headings, paragraphs, list items; not code, HTML or link targets."""
        return sum(s.words for s in self.sections)

    @property
    def code_blocks(self) -> tuple[CodeBlock, ...]:
        return tuple(block for s in self.sections for block in s.code_blocks)

    @property
    def links(self) -> tuple[Link, ...]:
        return tuple(link for s in self.sections for link in s.links if not link.image)

    @property
    def images(self) -> tuple[Link, ...]:
        return tuple(link for s in self.sections for link in s.links if link.image)


def find_readme_path(snapshot: Snapshot) -> str | None:
    """The README GitHub would show: the root first, then .github/ and docs/."""
    by_lower = {path.lower(): path for path in snapshot.files}
    for folder in README_DIRS:
        for name in README_NAMES:
            path = by_lower.get(folder + name)
            if path is not None:
                return path
    return None


@fact
def readme(snapshot: Snapshot) -> ReadmeDocument | None:
    """The parsed README of the snapshot, or None when there is none (or it is binary)."""
    path = find_readme_path(snapshot)
    if path is None:
        return None
    text = snapshot.text(path)
    if text is None:
        return None
    return parse_readme(path, text)


def parse_readme(path: str, text: str) -> ReadmeDocument:
    lower = path.lower()
    if lower.endswith((".md", ".markdown")) or lower.rsplit("/", 1)[-1] == "readme":
        return _parse_markdown(path, text)
    if lower.endswith(".rst"):
        return _parse_rst(path, text)
    return _parse_text(path, text)


def count_words(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


# ----------------------------------------------------------------------------- Markdown


def _parse_markdown(path: str, text: str) -> ReadmeDocument:
    md = MarkdownIt("commonmark", {"maxNesting": 40}).enable("table")
    tokens = md.parse(text)
    sections: list[Section] = [Section(heading=None)]
    title: str | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        line = (token.map[0] + 1) if token.map else 0
        if token.type == "heading_open":
            inline = tokens[i + 1] if i + 1 < len(tokens) else None
            heading_text = _inline_text(inline) if inline else ""
            heading = Heading(int(token.tag[1:]), heading_text, line)
            sections.append(Section(heading=heading, words=count_words(heading_text)))
            if inline is not None:
                sections[-1].links.extend(_inline_links(inline, line))
            if title is None and heading_text:
                title = heading_text
            i += 3
            continue
        current = sections[-1]
        if token.type in ("fence", "code_block"):
            info = token.info.strip().split(" ", 1)[0] if token.type == "fence" else ""
            current.code_blocks.append(CodeBlock(info, token.content, line))
        elif token.type == "inline":
            plain = _inline_text(token)
            current.prose.append(plain)
            current.words += count_words(plain)
            current.links.extend(_inline_links(token, line))
        elif token.type == "html_block":
            _read_html(token.content, line, sections)
            if title is None:
                headings = [s.heading for s in sections if s.heading is not None]
                title = headings[0].text if headings else None
        i += 1
    return ReadmeDocument(path, "markdown", title, tuple(sections))


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def _inline_links(token: Token, line: int) -> list[Link]:
    links: list[Link] = []
    children = token.children or []
    for index, child in enumerate(children):
        if child.type == "image":
            links.append(Link(str(child.attrs.get("src", "")), child.content, line, image=True))
        elif child.type == "link_open":
            label = []
            for follower in children[index + 1 :]:
                if follower.type == "link_close":
                    break
                if follower.type in ("text", "code_inline"):
                    label.append(follower.content)
            links.append(Link(str(child.attrs.get("href", "")), "".join(label), line))
        elif child.type == "html_inline":
            links.extend(_html_links(child.content, line))
    return links


def _read_html(html: str, line: int, sections: list[Section]) -> None:
    """Headings, images and links written as HTML (centred logos, ``<h1 align=center>``)."""
    for match in _HTML_HEADING.finditer(html):
        heading_text = _TAG.sub("", match.group(2)).strip()
        if heading_text:
            sections.append(Section(Heading(int(match.group(1)), heading_text, line)))
    sections[-1].links.extend(_html_links(html, line))


def _html_links(html: str, line: int) -> list[Link]:
    links = [Link(src, "", line, image=True) for src in _HTML_IMG.findall(html)]
    links += [Link(href, "", line) for href in _HTML_LINK.findall(html)]
    return links


# ----------------------------------------------------------------------------- reST and text


def _parse_rst(path: str, text: str) -> ReadmeDocument:
    lines = text.splitlines()
    sections: list[Section] = [Section(heading=None)]
    levels: list[str] = []
    title: str | None = None
    in_code = False
    skip_next = False
    for index, raw in enumerate(lines):
        if skip_next:
            skip_next = False
            continue
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        stripped = raw.strip()
        underline = _RST_UNDERLINE.match(nxt)
        if stripped and underline and len(nxt.strip()) >= len(stripped) and not raw[:1].isspace():
            char = underline.group(1)
            if char not in levels:
                levels.append(char)
            heading = Heading(levels.index(char) + 1, stripped, index + 1)
            sections.append(Section(heading=heading, words=count_words(stripped)))
            title = title or stripped
            skip_next = True
            in_code = False
            continue
        if _RST_UNDERLINE.match(raw):
            continue
        current = sections[-1]
        if in_code and (raw[:1].isspace() or not stripped):
            if stripped:
                current.code_blocks[-1] = CodeBlock(
                    current.code_blocks[-1].info,
                    current.code_blocks[-1].text + stripped + "\n",
                    current.code_blocks[-1].line,
                )
            continue
        in_code = False
        directive = re.match(
            r"\.\.\s+(code-block|code|sourcecode|image|figure)::\s*(\S*)", stripped
        )
        if directive:
            kind, argument = directive.groups()
            if kind in ("image", "figure"):
                current.links.append(Link(argument, "", index + 1, image=True))
            else:
                current.code_blocks.append(CodeBlock(argument, "", index + 1))
                in_code = True
            continue
        if stripped.endswith("::"):
            current.code_blocks.append(CodeBlock("", "", index + 1))
            in_code = True
            stripped = stripped[:-2]
        current.prose.append(stripped)
        current.words += count_words(_URL.sub("", stripped))
        current.links.extend(Link(url, "", index + 1) for url in _URL.findall(stripped))
    return ReadmeDocument(path, "rst", title, tuple(sections))


def _parse_text(path: str, text: str) -> ReadmeDocument:
    section = Section(heading=None)
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    for number, line in enumerate(text.splitlines(), start=1):
        section.prose.append(line.strip())
        section.words += count_words(_URL.sub("", line))
        section.links.extend(Link(url, "", number) for url in _URL.findall(line))
    return ReadmeDocument(path, "text", title, (section,))
