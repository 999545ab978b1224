"""The HTML scorecard: one self-contained page from ``reports/templates/card.html.j2``.

Jinja2 renders it with autoescape on, so every string from the repository (file names,
messages, the remote URL) reaches the page as text, stripped first of control characters
and bidirectional overrides (:func:`~auditor.render.sanitize.printable`). Links come only
from :mod:`auditor.render.view`, which builds ``https`` URLs on known hosts and nothing else.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from auditor.compare import Comparison
from auditor.model import Scorecard
from auditor.render.sanitize import printable
from auditor.render.view import band, build_view
from auditor.resources import templates_dir

TEMPLATE = "card.html.j2"
#: Evidence items listed per finding before "and N more": the card stays readable and
#: bounded in size whatever a repository holds.
MAX_EVIDENCE = 20
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def code_spans(text: str) -> Markup:
    """Text escaped for HTML, with `backticked` parts shown as code.

    The text is escaped first and only then given ``<code>`` tags, so nothing in it can
    become markup: the tags are the only HTML this adds.
    """
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", str(escape(printable(str(text))))))


def _finalize(value: Any) -> Any:
    """Every printed value: text loses its control characters before it is escaped."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value


def html_environment() -> jinja2.Environment:
    """A Jinja2 environment for an HTML page of ours (the card, the batch leaderboard):
    autoescaped, and every printed value loses its control characters first."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def environment() -> jinja2.Environment:
    env = html_environment()
    env.globals["band_of"] = band
    env.filters["code"] = code_spans
    return env


def render_html(card: Scorecard, *, comparison: Comparison | None = None) -> str:
    """The scorecard as a self-contained HTML document (with what changed since a baseline)."""
    template = environment().get_template(TEMPLATE)
    view = build_view(card, max_evidence=MAX_EVIDENCE, comparison=comparison)
    return template.render(view=view)
