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


FORMATS: dict[str, Renderer] = {
    "text": _text,
    "json": _json,
}

#: Output file extensions that imply a format when ``--format`` is not given.
EXTENSIONS: dict[str, str] = {
    ".txt": "text",
    ".json": "json",
}


def render(card: Scorecard, fmt: str, options: RenderOptions | None = None) -> str:
    return FORMATS[fmt](card, options or RenderOptions())
