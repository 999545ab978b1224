"""reStructuredText READMEs, read line by line: section titles, directives, links, code.

Every pattern is matched against one line at a time and runs in time linear in the line;
the README is cut to ``MAX_PLAIN_CHARS`` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

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

#: Only this much of a reStructuredText or plain-text README is read.
MAX_PLAIN_CHARS = 1 << 20
MAX_PLAIN_LINES = 20_000

UNDERLINE = re.compile(r"^([=\-~^\"'`#*+:.])\1{2,}\s*$")
_DIRECTIVE = re.compile(r"^\.\.\s+(?:\|[^|]+\|\s+)?([\w:-]+)::\s*(.*)$")
_TARGET = re.compile(r"^\.\.\s+_`?([^:`]+)`?:\s*(\S+)\s*$")
#: A label then ``<address>`` inside backquotes; the label is stripped afterwards (a lazy
#: label followed by optional spaces would backtrack quadratically on a run of spaces).
_LINK = re.compile(r"`([^`<]*)<([^`>]+)>`__?")
_OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")
_CODE_DIRECTIVES = frozenset({"code", "code-block", "sourcecode", "ipython", "doctest"})
_IMAGE_DIRECTIVES = frozenset({"image", "figure"})


@dataclass
class _PendingCode:
    """A reST code block being read: the section it belongs to and its lines so far."""

    section: Section
    info: str
    line: int
    lines: list[str] = field(default_factory=list)


def parse_rst(path: str, text: str) -> ReadmeDocument:
    """The sections, code blocks, links and images of a reStructuredText README."""
    text, truncated = bounded_prefix(text, MAX_PLAIN_CHARS, MAX_PLAIN_LINES)
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
        heading = _heading(lines, index)
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
        if UNDERLINE.match(raw):
            continue  # a transition, or an overline without a title
        current = sections[-1]
        if block is not None and (not stripped or raw[:1].isspace()):
            if not stripped:
                continue
            option = _OPTION.match(stripped)
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
        directive = _DIRECTIVE.match(stripped)
        if directive:
            kind, argument = directive.group(1).lower(), directive.group(2).strip()
            if kind in _IMAGE_DIRECTIVES:
                current.links.append(Link(argument, "", number, image=True))
                block = "image"
            elif kind in _CODE_DIRECTIVES:
                block, code = "code", _PendingCode(current, argument, number)
            else:
                block = "directive"
            continue
        target = _TARGET.match(stripped)
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
        _add_prose(current, stripped, number)
    close_code()
    return ReadmeDocument(path, "rst", first_explicit_title(sections), tuple(sections), truncated)


def _heading(lines: list[str], index: int) -> tuple[str, tuple[str, bool], int] | None:
    """A section title at ``index``: (title, (adornment, overlined), lines consumed)."""
    raw = lines[index]
    over = UNDERLINE.match(raw)
    if over and index + 2 < len(lines):
        title = lines[index + 1].strip()
        under = UNDERLINE.match(lines[index + 2])
        if title and under and under.group(1) == over.group(1):
            return title, (over.group(1), True), 3
    if not raw.strip() or raw[:1].isspace() or index + 1 >= len(lines):
        return None
    under = UNDERLINE.match(lines[index + 1])
    title = raw.strip()
    if under is None or UNDERLINE.match(raw):
        return None
    underline = lines[index + 1].strip()
    after_blank = index == 0 or not lines[index - 1].strip()
    if len(underline) >= len(title) or (after_blank and len(underline) >= 4):
        return title, (under.group(1), False), 2
    return None


def _add_prose(section: Section, text: str, line: int) -> None:
    for match in _LINK.finditer(text):
        section.links.append(Link(match.group(2).strip(), match.group(1).strip(), line))
    plain = _LINK.sub(lambda m: m.group(1).strip(), text)
    section.links.extend(Link(url, "", line) for url in urls(plain))
    section.prose.append(plain)
    section.words += prose_words(plain)
