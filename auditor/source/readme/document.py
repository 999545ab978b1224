"""What a parsed README holds: headings, sections, code blocks, links and images.

The readers (Markdown, reStructuredText, plain text) all produce a :class:`ReadmeDocument`;
the helpers here count words and find bare web addresses in prose, in linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*", re.UNICODE)
TAG = re.compile(r"<[^<>]{0,500}>")
URL = re.compile(r"https?://[^\s<>()\"'`\]]+")


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
    #: Only the first part of a very long README was read (see ``MAX_MARKDOWN_CHARS``).
    truncated: bool = False

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


def urls(text: str) -> list[str]:
    """Bare web addresses in prose, without the punctuation of the sentence around them."""
    return [url.rstrip(".,;:!?*_") for url in URL.findall(text)]


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def prose_words(text: str) -> int:
    """Words of a line of prose, leaving out addresses and HTML tags."""
    if "<" in text:
        text = TAG.sub(" ", text)
    if "://" in text:
        text = URL.sub(" ", text)
    return count_words(text)


def first_explicit_title(sections: list[Section]) -> str | None:
    for section in sections:
        if section.heading is not None and not section.heading.implicit and section.heading.text:
            return section.heading.text
    return None


def bounded_prefix(text: str, max_chars: int, max_lines: int) -> tuple[str, bool]:
    """The first whole lines of ``text`` within both bounds, and whether anything was cut."""
    if len(text) <= max_chars and text.count("\n") <= max_lines:
        return text, False
    head = text[:max_chars]
    lines = head.split("\n", max_lines)
    if len(lines) > max_lines:
        return "\n".join(lines[:max_lines]) + "\n", True
    cut = head.rfind("\n")
    return (head[: cut + 1] if cut >= 0 else head), True
