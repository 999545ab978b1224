"""The README, parsed once into headings, sections, code blocks, links and images.

Markdown is parsed with markdown-it-py tokens (CommonMark plus tables), never with regexes on
the raw text, so a ``#`` inside a code block is not a heading and a word inside a fence is
not prose. reStructuredText and plain-text READMEs get a smaller, line-based reading.

The README comes from the audited repository, so every reading is bounded: markdown-it-py
costs about 3 s per MiB and its inline parser is quadratic on some paragraphs (200,000 ``[``
took 5 s), so a very long README is read line by line and a very long paragraph as plain text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from auditor.source.snapshot import Snapshot, fact

#: README names in the order GitHub prefers them, at the root, then where GitHub also looks.
README_NAMES = ("readme.md", "readme.markdown", "readme.rst", "readme.txt", "readme")
README_DIRS = ("", ".github/", "docs/")

#: Longer Markdown is read by the line-based reader (headings, fences, links and images):
#: markdown-it-py spends about 40 µs per token, so a dense document is bounded by lines too.
MAX_MARKDOWN_CHARS = 100_000
MAX_MARKDOWN_LINES = 4_000
#: Longer paragraphs skip markdown-it's inline parser and are read as plain text.
MAX_INLINE_CHARS = 20_000
#: A paragraph that is only bold text, standing alone, is a heading when this short.
MAX_IMPLICIT_HEADING_WORDS = 8

_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*", re.UNICODE)
_TAG = re.compile(r"<[^<>]{0,500}>")
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b([^<>]{0,2000})>")
_HTML_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_URL = re.compile(r"https?://[^\s<>()\"'`\]]+")
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+:.])\1{2,}\s*$")
_RST_DIRECTIVE = re.compile(r"^\.\.\s+(?:\|[^|]+\|\s+)?([\w:-]+)::\s*(.*)$")
_RST_TARGET = re.compile(r"^\.\.\s+_`?([^:`]+)`?:\s*(\S+)\s*$")
_RST_LINK = re.compile(r"`([^`<]*?)\s*<([^`>]+)>`__?")
_RST_OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")
_RST_CODE_DIRECTIVES = frozenset({"code", "code-block", "sourcecode", "ipython", "doctest"})
_RST_IMAGE_DIRECTIVES = frozenset({"image", "figure"})
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_MD_IMAGE = re.compile(r"!\[([^\[\]\n]{0,300})\]\(\s*<?([^()\s<>]{1,2000})")
_MD_LINK = re.compile(r"(?<![!\]])\[([^\[\]\n]{0,300})\]\(\s*<?([^()\s<>]{1,2000})")
_MD_LINKED_IMAGE = re.compile(
    r"\[!\[([^\[\]\n]{0,300})\]\(([^()\s]{1,2000})[^()\n]{0,300}\)\]\(([^()\s]{1,2000})"
)
_MD_TARGET = re.compile(r"\]\([^()\[\]\n]{0,2000}\)")
_CAPS_HEADING = re.compile(r"^[^\W\d_][^\W_]*(?:[ \t&/,:-]+[^\W_]+){0,7}:?$")
_COLON_HEADING = re.compile(r"^[A-Z][\w'\u2019&/ -]{0,48}:$")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int  # 1-based
    #: Not marked up as a heading but written as one: a paragraph that is only bold text in
    #: Markdown, an ALL-CAPS or ``Title:`` line in plain text.
    implicit: bool = False


@dataclass(frozen=True)
class CodeBlock:
    info: str  # the fence's language tag ("" when none)
    text: str
    line: int


@dataclass(frozen=True)
class Link:
    url: str
    text: str  # the link's label, or an image's alt text
    line: int
    image: bool = False
    target: str = ""  # for an image, the address of the link wrapped around it (badges)


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

    def subtree(self, heading: Heading) -> tuple[Section, ...]:
        """The section under ``heading`` and the deeper sections nested in it."""
        for index, section in enumerate(self.sections):
            if section.heading == heading:
                scope = [section]
                for follower in self.sections[index + 1 :]:
                    nested = follower.heading
                    if nested is None or (not nested.implicit and nested.level <= heading.level):
                        break
                    scope.append(follower)
                return tuple(scope)
        return ()


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
    return _parse_lines(path, text, "text")


def _urls(text: str) -> list[str]:
    """Bare web addresses in prose, without the punctuation of the sentence around them."""
    return [url.rstrip(".,;:!?*_") for url in _URL.findall(text)]


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def _prose_words(text: str) -> int:
    """Words of a line of prose, leaving out addresses and HTML tags."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "://" in text:
        text = _URL.sub(" ", text)
    return count_words(text)


def _first_explicit_title(sections: list[Section]) -> str | None:
    for section in sections:
        if section.heading is not None and not section.heading.implicit and section.heading.text:
            return section.heading.text
    return None


# ----------------------------------------------------------------------------- Markdown


def _parse_markdown(path: str, text: str) -> ReadmeDocument:
    if len(text) > MAX_MARKDOWN_CHARS or text.count("\n") > MAX_MARKDOWN_LINES:
        return _parse_lines(path, text, "markdown")
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
            sections.append(Section(heading=heading, words=_prose_words(heading_text)))
            sections[-1].links.extend(_inline_links(children, line) if children else ())
            i += 3
            continue
        if token.type == "inline":
            _read_inline(md, env, token, line, tokens[i - 1] if i else None, sections)
        elif token.type in ("fence", "code_block"):
            info = token.info.strip().split(" ", 1)[0] if token.type == "fence" else ""
            sections[-1].code_blocks.append(CodeBlock(info, token.content, line))
        elif token.type == "html_block":
            _read_html(token.content, line, sections)
        i += 1
    return ReadmeDocument(path, "markdown", _first_explicit_title(sections), tuple(sections))


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
        sections[-1].words += _prose_words(token.content)
        sections[-1].links.extend(Link(url, "", line) for url in _urls(token.content))
        return
    plain = _inline_text(children)
    links = _inline_links(children, line)
    top_paragraph = opener is not None and opener.type == "paragraph_open" and opener.level == 0
    if top_paragraph and _is_bold_line(children, plain):
        heading = Heading(6, plain.rstrip(":").strip(), line, implicit=True)
        sections.append(Section(heading=heading, words=_prose_words(plain), links=links))
        return
    sections[-1].prose.append(plain)
    sections[-1].words += _prose_words(plain)
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
            links.extend(Link(url, "", line) for url in _urls(child.content))
        elif child.type == "html_inline":
            closing, name, attrs = _tag_parts(child.content)
            if name == "a" and not closing:
                href, label = attrs.get("href", ""), []
            elif name == "a" and href is not None:
                links.append(Link(href, "".join(label).strip(), line))
                href = None
            elif name == "img" and "src" in attrs:
                image = Link(attrs["src"], attrs.get("alt", ""), line, True, href or "")
                links.append(image)
    if href is not None:
        links.append(Link(href, "".join(label).strip(), line))
    return links


def _tag_parts(tag: str) -> tuple[bool, str, dict[str, str]]:
    match = _HTML_TAG.match(tag.strip())
    if match is None:
        return False, "", {}
    return bool(match.group(1)), match.group(2).lower(), _attributes(match.group(3))


def _attributes(raw: str) -> dict[str, str]:
    return {
        m.group(1).lower(): html.unescape(next(g for g in m.groups()[1:] if g is not None))
        for m in _HTML_ATTR.finditer(raw)
    }


def _read_html(source: str, line: int, sections: list[Section]) -> None:
    """Headings, images and links written as HTML (centred logos, ``<h1 align=center>``)."""
    # Comments are blanked out (same length, same newlines) so line numbers stay right.
    source = _HTML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    heading_start: tuple[int, int, int] | None = None  # level, offset, line
    anchor: tuple[str, int, int] | None = None  # href, offset, line
    at_line, counted = line, 0  # line numbers counted incrementally: one pass over the block
    for match in _HTML_TAG.finditer(source):
        closing, name = bool(match.group(1)), match.group(2).lower()
        at_line += source.count("\n", counted, match.start())
        counted = match.start()
        if re.fullmatch(r"h[1-6]", name):
            if not closing:
                heading_start = (int(name[1]), match.end(), at_line)
            elif heading_start is not None:
                level, start, heading_line = heading_start
                heading_text = _html_text(source[start : match.start()])
                if heading_text:
                    heading = Heading(level, heading_text, heading_line)
                    sections.append(Section(heading, words=count_words(heading_text)))
                heading_start = None
        elif name == "a":
            if not closing:
                anchor = (_attributes(match.group(3)).get("href", ""), match.end(), at_line)
            elif anchor is not None:
                href, start, anchor_line = anchor
                label = _html_text(source[start : match.start()])
                sections[-1].links.append(Link(href, label, anchor_line))
                anchor = None
        elif name == "img" and not closing:
            attrs = _attributes(match.group(3))
            if "src" in attrs:
                target = anchor[0] if anchor else ""
                image = Link(attrs["src"], attrs.get("alt", ""), at_line, True, target)
                sections[-1].links.append(image)
    if anchor is not None:
        sections[-1].links.append(Link(anchor[0], "", anchor[2]))


def _html_text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


# ----------------------------------------------------------------------------- reST


def _parse_rst(path: str, text: str) -> ReadmeDocument:
    lines = text.splitlines()
    sections: list[Section] = [Section(heading=None)]
    styles: list[tuple[str, bool]] = []  # heading styles in order of appearance = levels
    block: str | None = None  # "code", "image", "directive" or "comment" while indented
    code: _PendingCode | None = None

    def close_code() -> None:
        nonlocal code
        if code is not None and code.lines:
            code.section.code_blocks.append(
                CodeBlock(code.info, "\n".join(code.lines) + "\n", code.line)
            )
        code = None

    index = 0
    while index < len(lines):
        raw = lines[index]
        stripped = raw.strip()
        number = index + 1
        heading = _rst_heading(lines, index)
        if heading is not None:
            title, style, consumed = heading
            if style not in styles:
                styles.append(style)
            level = styles.index(style) + 1
            close_code()
            block = None
            heading_line = number + consumed - 2
            sections.append(Section(Heading(level, title, heading_line), count_words(title)))
            index += consumed
            continue
        index += 1
        if _RST_UNDERLINE.match(raw):
            continue  # a transition, or an overline without a title
        current = sections[-1]
        if block is not None and (not stripped or raw[:1].isspace()):
            if not stripped:
                continue
            option = _RST_OPTION.match(stripped)
            if code is not None:
                if not (option and not code.lines):  # options come before the code
                    code.lines.append(stripped)
                continue
            if block == "image" and option and current.links:
                key, value = option.groups()
                if key == "target":
                    current.links[-1] = replace(current.links[-1], target=value)
                elif key == "alt":
                    current.links[-1] = replace(current.links[-1], text=value)
                continue
            if block in ("comment", "image") or option:
                continue
        elif stripped:
            close_code()
            block = None
        else:
            continue
        directive = _RST_DIRECTIVE.match(stripped)
        if directive:
            kind, argument = directive.group(1).lower(), directive.group(2).strip()
            if kind in _RST_IMAGE_DIRECTIVES:
                current.links.append(Link(argument, "", number, image=True))
                block = "image"
            elif kind in _RST_CODE_DIRECTIVES:
                block, code = "code", _PendingCode(current, argument, number)
            else:
                block = "directive"
            continue
        target = _RST_TARGET.match(stripped)
        if target:
            current.links.append(Link(target.group(2), target.group(1).strip(), number))
            continue
        if stripped.startswith(".."):
            block = "comment"
            continue
        if stripped.startswith(">>>"):  # a doctest block
            current.code_blocks.append(CodeBlock("pycon", stripped + "\n", number))
            continue
        if stripped.endswith("::"):  # a literal block follows
            block, code = "code", _PendingCode(current, "", number)
            stripped = stripped[:-2].rstrip()
        _add_rst_prose(current, stripped, number)
    close_code()
    return ReadmeDocument(path, "rst", _first_explicit_title(sections), tuple(sections))


@dataclass
class _PendingCode:
    """A reST code block being read: the section it belongs to and its lines so far."""

    section: Section
    info: str
    line: int
    lines: list[str] = field(default_factory=list)


def _rst_heading(lines: list[str], index: int) -> tuple[str, tuple[str, bool], int] | None:
    """A section title at ``index``: (title, (adornment, overlined), lines consumed)."""
    raw = lines[index]
    over = _RST_UNDERLINE.match(raw)
    if over and index + 2 < len(lines):
        title = lines[index + 1].strip()
        under = _RST_UNDERLINE.match(lines[index + 2])
        if title and under and under.group(1) == over.group(1):
            return title, (over.group(1), True), 3
    if not raw.strip() or raw[:1].isspace() or index + 1 >= len(lines):
        return None
    under = _RST_UNDERLINE.match(lines[index + 1])
    title = raw.strip()
    if under is None or _RST_UNDERLINE.match(raw):
        return None
    underline = lines[index + 1].strip()
    after_blank = index == 0 or not lines[index - 1].strip()
    if len(underline) >= len(title) or (after_blank and len(underline) >= 4):
        return title, (under.group(1), False), 2
    return None


def _add_rst_prose(section: Section, text: str, line: int) -> None:
    for match in _RST_LINK.finditer(text):
        section.links.append(Link(match.group(2).strip(), match.group(1).strip(), line))
    plain = _RST_LINK.sub(lambda m: m.group(1), text)
    section.links.extend(Link(url, "", line) for url in _urls(plain))
    section.prose.append(plain)
    section.words += _prose_words(plain)


# ----------------------------------------------------------------------------- line-based


def _parse_lines(path: str, text: str, fmt: str) -> ReadmeDocument:
    """Plain text, and Markdown too long for markdown-it: headings, fences, links, prose.

    Plain text has no markup for headings, so an underlined line, a ``# Heading``, an
    ALL-CAPS line or a short ``Title:`` line after a blank line is taken as one.
    """
    lines = text.splitlines()
    sections: list[Section] = [Section(heading=None)]
    fence: tuple[str, CodeBlock, list[str]] | None = None
    indented: tuple[CodeBlock, list[str]] | None = None
    previous_blank = True
    for number, raw, heading in _line_headings(lines, fmt):
        stripped = raw.strip()
        current = sections[-1]
        if fence is not None:
            marker, block, body = fence
            if stripped.startswith(marker) and not stripped.strip(marker[0]):
                current.code_blocks.append(replace(block, text="\n".join(body) + "\n"))
                fence = None
            else:
                body.append(raw)
            continue
        opened = _FENCE.match(raw)
        if opened:
            fence = (opened.group(1), CodeBlock(opened.group(2), "", number), [])
            continue
        is_code = bool(stripped) and raw.startswith(("    ", "\t")) and (previous_blank or indented)
        if indented is not None and not is_code and stripped:
            block, body = indented
            current.code_blocks.append(replace(block, text="\n".join(body) + "\n"))
            indented = None
        if is_code:
            if indented is None:
                indented = (CodeBlock("", "", number), [])
            indented[1].append(stripped)
            continue
        previous_blank = not stripped
        if not stripped:
            continue
        if heading is not None:
            sections.append(Section(heading, words=_prose_words(heading.text)))
            continue
        if fmt == "text" and stripped.startswith(("$ ", ">>> ")):
            current.code_blocks.append(CodeBlock("console", stripped + "\n", number))
            continue
        if "<" in stripped:
            _read_html(stripped, number, sections)
            current = sections[-1]
        if "](" in stripped or "://" in stripped:
            current.links.extend(_line_links(_TAG.sub(" ", stripped), number))
            current.words += _prose_words(_MD_TARGET.sub("]", stripped))
        else:
            current.words += _prose_words(stripped)
        current.prose.append(stripped)
    if indented is not None:
        sections[-1].code_blocks.append(replace(indented[0], text="\n".join(indented[1]) + "\n"))
    if fence is not None:  # an unclosed fence runs to the end, as CommonMark says
        sections[-1].code_blocks.append(replace(fence[1], text="\n".join(fence[2]) + "\n"))
    if fmt == "text":
        title = next((line.strip() for line in lines if line.strip()), None)
    else:
        title = _first_explicit_title(sections)
    return ReadmeDocument(path, fmt, title, tuple(sections))


def _line_headings(lines: list[str], fmt: str) -> Iterator[tuple[int, str, Heading | None]]:
    """Each line (number, text) with the heading that starts there, if any; underlines eaten."""
    index = 0
    in_fence: str | None = None
    previous_blank = True
    while index < len(lines):
        raw = lines[index]
        stripped = raw.strip()
        number = index + 1
        index += 1
        fence = _FENCE.match(raw)
        if in_fence is not None:
            if stripped.startswith(in_fence) and not stripped.strip(in_fence[0]):
                in_fence = None
            yield number, raw, None
            continue
        if fence:
            in_fence = fence.group(1)
            yield number, raw, None
            continue
        heading = None
        below = lines[index] if index < len(lines) else ""
        atx = _ATX.match(raw)
        underline = _SETEXT.match(below) or (fmt == "text" and _RST_UNDERLINE.match(below))
        if atx:
            heading = Heading(len(atx.group(1)), _atx_text(atx.group(2) or ""), number)
        elif stripped and not raw[:1].isspace() and underline and not _SETEXT.match(raw):
            level = {"=": 1, "-": 2}.get(below.strip()[:1], 3)
            heading = Heading(level, stripped, number)
            index += 1  # the underline is part of the heading
        elif fmt == "text" and previous_blank and _is_text_heading(stripped):
            heading = Heading(2, stripped.rstrip(":").strip(), number, implicit=True)
        previous_blank = not stripped
        yield number, raw, heading


def _atx_text(text: str) -> str:
    """An ATX heading's text without its optional closing run of ``#``."""
    text = text.strip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):
        text = bare.strip()
    return text


def _is_text_heading(line: str) -> bool:
    """An ALL-CAPS line or a short ``Installation:`` line, the way plain text marks headings."""
    if len(line) > 60 or line.endswith((".", ",", ";")):
        return False
    letters = [ch for ch in line if ch.isalpha()]
    if len(letters) >= 2 and line == line.upper() and _CAPS_HEADING.match(line):
        return True
    return bool(_COLON_HEADING.match(line)) and count_words(line) <= 5


def _line_links(line: str, number: int) -> list[Link]:
    links: list[Link] = []
    seen: set[str] = set()
    for match in _MD_LINKED_IMAGE.finditer(line):
        alt, src, target = match.groups()
        links.append(Link(src, alt, number, image=True, target=target))
        seen.update((src, target))
    for match in _MD_IMAGE.finditer(line):
        if match.group(2) not in seen:
            links.append(Link(match.group(2), match.group(1), number, image=True))
            seen.add(match.group(2))
    for match in _MD_LINK.finditer(line):
        if match.group(2) not in seen and not match.group(1).startswith("!["):
            links.append(Link(match.group(2), match.group(1), number))
            seen.add(match.group(2))
    links.extend(Link(url, "", number) for url in _urls(line) if url not in seen)
    return links
