"""HTML in a README (centred logos, ``<h1 align=center>``, badges in ``<a><img></a>``).

Read by the standard library's :class:`html.parser.HTMLParser` on bounded text, never with
regular expressions over attributes: comments, entities and quoting are the parser's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from auditor.source.readme.document import Heading, Link, Section, count_words

#: An HTML block longer than this is read only up to it.
MAX_HTML_CHARS = 20_000
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


@dataclass(frozen=True)
class HtmlEvent:
    """A start tag, an end tag or a run of text, at a 1-based line of the fragment."""

    kind: str  # "start", "end" or "data"
    name: str  # the tag name (lower case), or the text for "data"
    attrs: dict[str, str]
    line: int


class _Events(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[HtmlEvent] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        self.events.append(HtmlEvent("start", tag.lower(), values, self.getpos()[0]))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(HtmlEvent("end", tag.lower(), {}, self.getpos()[0]))

    def handle_data(self, data: str) -> None:
        self.events.append(HtmlEvent("data", data, {}, self.getpos()[0]))


def html_events(fragment: str) -> list[HtmlEvent]:
    """The tags and text of an HTML fragment (comments left out), bounded in size."""
    parser = _Events()
    parser.feed(fragment[:MAX_HTML_CHARS])
    parser.close()
    return parser.events


def tag_of(fragment: str) -> HtmlEvent | None:
    """The first tag of an inline HTML fragment (``<a href="…">``, ``</a>``, ``<img …>``)."""
    return next((e for e in html_events(fragment) if e.kind != "data"), None)


def _text(parts: list[str]) -> str:
    return " ".join(" ".join(parts).split())


def read_html(source: str, line: int, sections: list[Section]) -> None:
    """Add the headings, images and links of an HTML block starting at ``line``."""
    heading: tuple[int, int, list[str]] | None = None  # level, line, text so far
    anchor: tuple[str, int, list[str]] | None = None  # href, line, label so far
    for event in html_events(source):
        at = line + event.line - 1
        if event.kind == "data":
            for open_part in (heading, anchor):
                if open_part is not None:
                    open_part[2].append(event.name)
        elif event.name in _HEADINGS:
            if event.kind == "start":
                heading = (_HEADINGS[event.name], at, [])
            elif heading is not None:
                text = _text(heading[2])
                if text:
                    sections.append(
                        Section(Heading(heading[0], text, heading[1]), count_words(text))
                    )
                heading = None
        elif event.name == "a":
            if event.kind == "start":
                anchor = (event.attrs.get("href", ""), at, [])
            elif anchor is not None:
                sections[-1].links.append(Link(anchor[0], _text(anchor[2]), anchor[1]))
                anchor = None
        elif event.name == "img" and event.kind == "start" and "src" in event.attrs:
            target = anchor[0] if anchor else ""
            alt = event.attrs.get("alt", "")
            sections[-1].links.append(Link(event.attrs["src"], alt, at, True, target))
    if anchor is not None:
        sections[-1].links.append(Link(anchor[0], "", anchor[1]))
