"""Plain-text READMEs (README.txt), read line by line.

Plain text has no markup for headings, so an underlined line, a ``# Heading``, an ALL-CAPS
line or a short ``Title:`` line after a blank line is taken as one. Links are the bare web
addresses in the prose. Every pattern is matched against one bounded line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from auditor.source.readme.document import (
    CodeBlock,
    Heading,
    Link,
    ReadmeDocument,
    Section,
    bounded_prefix,
    count_words,
    prose_words,
    urls,
)
from auditor.source.readme.rst import MAX_PLAIN_CHARS, MAX_PLAIN_LINES, UNDERLINE

#: Lines longer than this cannot be headings; the patterns below see no more of a line.
MAX_HEADING_LINE_CHARS = 60
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_CAPS_HEADING = re.compile(r"^[^\W\d_][^\W_]*(?:[ \t&/,:-]+[^\W_]+){0,7}:?$")
_COLON_HEADING = re.compile(r"^[A-Z][\w'\u2019&/ -]{0,48}:$")


def parse_text(path: str, text: str) -> ReadmeDocument:
    """Headings, fenced and indented code, bare links and prose of a plain-text README."""
    text, truncated = bounded_prefix(text, MAX_PLAIN_CHARS, MAX_PLAIN_LINES)
    lines = text.splitlines()
    sections: list[Section] = [Section(heading=None)]
    fence: tuple[str, CodeBlock, list[str]] | None = None
    indented: tuple[CodeBlock, list[str]] | None = None
    previous_blank = True
    for number, raw, heading in _line_headings(lines):
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
            sections.append(Section(heading, words=prose_words(heading.text)))
            continue
        if stripped.startswith(("$ ", ">>> ")):
            current.code_blocks.append(CodeBlock("console", stripped + "\n", number))
            continue
        current.links.extend(Link(url, "", number) for url in urls(stripped))
        current.words += prose_words(stripped)
        current.prose.append(stripped)
    if indented is not None:
        sections[-1].code_blocks.append(replace(indented[0], text="\n".join(indented[1]) + "\n"))
    if fence is not None:  # an unclosed fence runs to the end, as CommonMark says
        sections[-1].code_blocks.append(replace(fence[1], text="\n".join(fence[2]) + "\n"))
    title = next((line.strip() for line in lines if line.strip()), None)
    return ReadmeDocument(path, "text", title, tuple(sections), truncated)


def _line_headings(lines: list[str]) -> Iterator[tuple[int, str, Heading | None]]:
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
        underline = _SETEXT.match(below) or UNDERLINE.match(below)
        if atx:
            heading = Heading(len(atx.group(1)), _atx_text(atx.group(2) or ""), number)
        elif stripped and not raw[:1].isspace() and underline and not _SETEXT.match(raw):
            level = {"=": 1, "-": 2}.get(below.strip()[:1], 3)
            heading = Heading(level, stripped, number)
            index += 1  # the underline is part of the heading
        elif previous_blank and _is_text_heading(stripped):
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
    if len(line) > MAX_HEADING_LINE_CHARS or line.endswith((".", ",", ";")):
        return False
    letters = [ch for ch in line if ch.isalpha()]
    if len(letters) >= 2 and line == line.upper() and _CAPS_HEADING.match(line):
        return True
    return bool(_COLON_HEADING.match(line)) and count_words(line) <= 5
