"""Renderers: a scorecard in, a document out. They know only the model.

``FORMATS`` is the one place a format name maps to its renderer; the CLI offers exactly
these names and picks a format from an output file's extension through ``EXTENSIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from auditor.compare import Comparison
from auditor.model import Scorecard


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    width: int | None = None
    #: The audit compared with an earlier card (``--baseline``): shown by every card.
    comparison: Comparison | None = None


Renderer = Callable[[Scorecard, RenderOptions], str]


def _text(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.text import render_text

    return render_text(
        card, color=options.color, width=options.width, comparison=options.comparison
    )


def _json(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.json import render_json

    return render_json(card, comparison=options.comparison)


def _markdown(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.markdown import render_markdown

    return render_markdown(card, comparison=options.comparison)


def _html(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.html import render_html

    return render_html(card, comparison=options.comparison)


def _sarif(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.sarif import render_sarif

    return render_sarif(card)


def _badge(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.badge import render_badge

    return render_badge(card)


def _github(card: Scorecard, options: RenderOptions) -> str:
    from auditor.render.github import render_github

    return render_github(card, comparison=options.comparison)


@dataclass(frozen=True)
class OutputFormat:
    """One output format: its renderer, the file extensions that imply it, and the file the
    GitHub Action writes it to (None: the Action does not offer it as a file)."""

    name: str
    renderer: Renderer
    extensions: tuple[str, ...] = ()
    action_file: str | None = None


#: The one registry of output formats. The CLI's ``--format`` choices, the extensions that
#: pick a format for ``--output``, the Action's ``formats`` input and the tests all derive
#: from it: adding a format is a renderer module and one entry here.
REGISTRY: tuple[OutputFormat, ...] = (
    OutputFormat("text", _text, (".txt",)),
    OutputFormat("json", _json, (".json",), "scorecard.json"),
    OutputFormat("markdown", _markdown, (".md",), "scorecard.md"),
    OutputFormat("html", _html, (".html", ".htm"), "scorecard.html"),
    OutputFormat("sarif", _sarif, (".sarif", ".sarif.json"), "scorecard.sarif"),
    OutputFormat("badge", _badge, (), "badge.json"),
    OutputFormat("github", _github),
)

FORMATS: dict[str, Renderer] = {f.name: f.renderer for f in REGISTRY}

#: Output file extensions that imply a format when ``--format`` is not given. A name is
#: matched against the longest extension first, so ``card.sarif.json`` is SARIF.
EXTENSIONS: dict[str, str] = {ext: f.name for f in REGISTRY for ext in f.extensions}

#: The formats the GitHub Action can write, each to its file.
ACTION_FILES: dict[str, str] = {f.name: f.action_file for f in REGISTRY if f.action_file}


def format_for(filename: str) -> str | None:
    """The format an output file's name implies, or None when its extension is unknown."""
    name = filename.lower()
    for extension in sorted(EXTENSIONS, key=len, reverse=True):
        if name.endswith(extension) and len(name) > len(extension):
            return EXTENSIONS[extension]
    return None


def render(card: Scorecard, fmt: str, options: RenderOptions | None = None) -> str:
    return FORMATS[fmt](card, options or RenderOptions())
