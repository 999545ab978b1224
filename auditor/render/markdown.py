"""The Markdown scorecard: GitHub-flavoured, for a job's step summary or a pull-request comment.

Rendered from ``reports/templates/card.md.j2``. Jinja2 has no Markdown autoescape, so this
environment supplies one: every ``{{ … }}`` value is passed through :func:`md_escape` unless it
is already :class:`~markupsafe.Markup` (escaped by the ``md`` filter, or HTML-escaped by ``e``
for the raw-HTML ``<summary>`` lines). Numbers are the only values printed as they are.

GitHub refuses comments longer than 65,536 characters, so a card that would be longer is
rendered again with less detail, least important first (evidence beyond a few items, passing
rules, the *why* texts and signals, then all evidence), and says what it left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from auditor.compare import Comparison
from auditor.model import Scorecard
from auditor.render.sanitize import terminal_safe
from auditor.render.view import build_view
from auditor.resources import templates_dir

TEMPLATE = "card.md.j2"
#: GitHub's limit on a comment's length; measured in UTF-16 code units, never fewer than
#: the characters GitHub counts.
MAX_CHARS = 65_536

# Everything CommonMark and GitHub give a meaning to: emphasis, code, links and images,
# headings, lists, tables, strikethrough and math. ``<``, ``>`` and ``&`` become entities.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")
# The links the view builds: https, percent-encoded, nothing Markdown could read otherwise.
#: A code span in our own wording (a fix, a message): one backtick each side, no line break.
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_SAFE_URL = re.compile(r"^https://[A-Za-z0-9._~%/#:+-]+$")


def md_escape(value: object) -> Markup:
    """Text that renders as itself in GitHub Markdown, on one line, even in a table cell."""
    text = terminal_safe(str(value))  # control characters gone, line breaks collapsed
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Markup(_MD_SPECIAL.sub(r"\\\1", text))


def md_code(value: object, cell: bool = False) -> Markup:
    """Text with its `backticked` parts as code spans and the rest escaped by :func:`md_escape`.

    A code span takes its text literally (escapes would show as backslashes), so only its
    own delimiters are special: the span's text holds no backtick, so it closes where it
    should, and raw HTML inside it is shown as text. In a table ``cell`` a ``|`` in a span is
    written ``\\|``, which GitHub's table parser reads as a pipe inside the cell.
    """
    text = terminal_safe(str(value))
    parts = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(md_escape(text[last : match.start()]))
        code = match.group(1).replace("|", "\\|") if cell else match.group(1)
        parts.append(Markup(f"`{code}`"))
        last = match.end()
    parts.append(md_escape(text[last:]))
    return Markup("").join(parts)


def url(value: object) -> Markup:
    """A link destination built by the view, checked again: anything odd becomes ``#``."""
    text = str(value)
    return Markup(text if _SAFE_URL.match(text) else "#")


def clip(value: object, limit: int | None) -> str:
    """At most ``limit`` characters of text, with an ellipsis when cut."""
    text = str(value)
    if limit is None or len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return md_escape("" if value is None else value)


@dataclass(frozen=True)
class Detail:
    """How much of the card to show; each level leaves out more than the one before."""

    max_evidence: int | None
    passed_rows: bool  # list passing and skipped rules in each category's table
    why: bool  # "why employers care" under each finding to fix
    signals: bool
    sections: bool  # the per-category <details> sections at all
    clip: int | None  # characters of a message or evidence note
    left_out: str  # what this level leaves out, for the note


LEVELS = (
    Detail(20, True, True, True, True, None, ""),
    Detail(3, True, True, True, True, 400, "evidence beyond three items per finding"),
    Detail(3, False, True, True, True, 300, "evidence beyond three items and passing rules"),
    Detail(
        1, False, False, False, True, 200, "most evidence, passing rules, why texts and signals"
    ),
    Detail(0, False, False, False, True, 160, "evidence, passing rules, why texts and signals"),
    Detail(0, False, False, False, False, 160, "every per-category section"),
)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=False,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["mdcode"] = md_code
    env.filters["clip"] = clip
    env.filters["url"] = url
    return env


def size(text: str) -> int:
    """The length GitHub's limit is checked against (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def render_markdown(
    card: Scorecard, *, limit: int = MAX_CHARS, comparison: Comparison | None = None
) -> str:
    """The scorecard as GitHub Markdown of at most ``limit`` characters."""
    template = environment().get_template(TEMPLATE)
    document = ""
    for detail in LEVELS:
        view = build_view(card, max_evidence=detail.max_evidence, comparison=comparison)
        document = template.render(view=view, detail=detail, limit=limit)
        if size(document) <= limit:
            return document
    # Even the summary alone is too long (absurdly long names): cut it, and say so.
    note = f"\n\n_…cut to fit {limit:,} characters: the HTML or JSON scorecard has it all._\n"
    budget = limit - size(note)
    while size(document) > budget:
        document = document[: len(document) - max(1, (size(document) - budget + 1) // 2)]
    return document.rsplit("\n", 1)[0] + note
