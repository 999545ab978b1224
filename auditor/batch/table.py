"""``leaderboard.csv``: one row per candidate, safe to open in a spreadsheet.

Cells lose control characters, bidirectional overrides and line breaks, and those a
spreadsheet would run as a formula are neutralised (CWE-1236).
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from auditor.render.sanitize import terminal_safe

if TYPE_CHECKING:
    from auditor.batch.leaderboard import Leaderboard

#: Characters that make a spreadsheet read a cell as a formula (CWE-1236).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: The CSV's columns for the parts of the account score (``AccountScore.breakdown``).
BREAKDOWN_COLUMNS = ("quality", "solid_projects", "contributions", "recency", "best")


def to_csv(board: Leaderboard) -> str:
    """One row per candidate: the score, a column per part of it and per category (by
    title), whether it is complete and what was not audited, the verdict paragraph; the input
    file's other columns after ours (one that differs from ours only in case is not repeated:
    ``Name`` is our ``name``; any other gets an ``input:`` prefix)."""
    ours = [
        "rank",
        "login",
        "name",
        "score",
        "grade",
        "complete",
        "as_of",
        *[title for _, title in board.categories],
        *BREAKDOWN_COLUMNS,
        "audited_repos",
        "carried_by",
        "solid_project_names",
        "merged_prs",
        "last_push",
        "blockers",
        "unaudited",
        "summary",
        "errors",
    ]
    extra = extra_fields(board)
    taken = {h.lower() for h in ours}
    header = ours + [f"input: {k}" if k.lower() in taken else k for k in extra]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for c in board.candidates:
        result = c.result
        categories = result.categories if result else {}
        breakdown = result.breakdown() if result else {}
        row: list[Any] = [
            c.rank,
            c.login,
            c.name,
            c.score,
            c.grade,
            "yes" if c.complete else "no",
            c.as_of,
            *[categories.get(cid) for cid, _ in board.categories],
            *[breakdown.get(key) for key in BREAKDOWN_COLUMNS],
            c.audited,
            " ".join(f"{r.name} ({r.score:.1f})" for r in c.carried_repos() if r.score is not None),
            " ".join(result.solid_projects) if result else "",
            c.merged_prs,
            c.last_push,
            " | ".join(result.blockers) if result else "",
            " | ".join(f"{name}: {reason}" for name, reason in c.unaudited),
            c.summary,
            " | ".join(c.errors),
            *[c.fields.get(k, "") for k in extra],
        ]
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def extra_fields(board: Leaderboard) -> list[str]:
    """The input file's other columns, in order; a ``name`` column in any case is left out,
    because it is the candidate's name, shown already."""
    extra: list[str] = []
    for candidate in board.candidates:
        for key in candidate.fields:
            if key not in extra and key.strip().lower() != "name":
                extra.append(key)
    return extra


def csv_cell(value: Any) -> str:
    """A cell's text on one line, without control characters or bidirectional overrides (a
    terminal or editor showing the file would act on them), with a leading ``'`` when a
    spreadsheet would take it for a formula, even after leading spaces (a tab or line break
    became one). Stripped first, so that no stripped character hides a formula's start."""
    if value is None:
        return ""
    text = terminal_safe(str(value))
    return "'" + text if text.lstrip(" ").startswith(FORMULA_START) else text
