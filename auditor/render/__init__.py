"""Renderers: a scorecard in, a document out. They know only the model.

``FORMATS`` is the one place a format name maps to its renderer; the CLI offers exactly
these names and picks a format from an output file's extension through ``EXTENSIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from auditor.model import Scorecard


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    width: int | None = None


Renderer = Callable[[Scorecard, RenderOptions], str]


def _text(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.text import render_text

    return render_text(card, color=options.color, width=options.width)


def _json(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.json import render_json

    return render_json(card)


def _markdown(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.markdown import render_markdown

    return render_markdown(card)


def _html(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.html import render_html

    return render_html(card)


def _sarif(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.sarif import render_sarif

    return render_sarif(card)


def _badge(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.badge import render_badge

    return render_badge(card)


def _github(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.github import render_github

    return render_github(card)


FORMATS: dict[str, Renderer] = {
    "text": _text,
    "json": _json,
    "markdown": _markdown,
    "html": _html,
    "sarif": _sarif,
    "badge": _badge,
    "github": _github,
}

#: Output file extensions that imply a format when ``--format`` is not given. A name is
#: matched against the longest extension first, so ``card.sarif.json`` is SARIF.
EXTENSIONS: dict[str, str] = {
    ".txt": "text",
    ".json": "json",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
    ".sarif": "sarif",
    ".sarif.json": "sarif",
}


def format_for(filename: str) -> str | None:
    """The format an output file's name implies, or None when its extension is unknown."""
    name = filename.lower()
    for extension in sorted(EXTENSIONS, key=len, reverse=True):
        if name.endswith(extension) and len(name) > len(extension):
            return EXTENSIONS[extension]
    return None


def render(card: Scorecard, fmt: str, options: RenderOptions | None = None) -> str:
    return FORMATS[fmt](card, options or RenderOptions())
