"""The measured signals as the cards show them: titled groups of (label, text) rows.

Values are formatted short (yes/no, counts with separators, lists bounded); a signal left
unmeasured beside another that answers the same question is left out rather than shown as
"none", so that two rows never contradict each other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

MAX_LIST_ITEMS = 10  # items of a listed signal before "and N more"
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class SignalGroupView:
    key: str
    title: str
    rows: tuple[tuple[str, str], ...]


def when(stamp: str) -> str:
    """An ISO-8601 time as ``2024-03-01 10:00 UTC``, or the raw value when it is not one."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


SIGNAL_TITLES = {
    "readme": "README",
    "license": "License",
    "tests": "Tests",
    "ci": "Continuous integration",
    "commits": "Commit history",
    "hygiene": "Hygiene",
    "complexity": "Complexity",
    "lint": "Lint",
    "python": "Python code",
}
#: Signals that are left out when unmeasured: "none" beside another row that answers the
#: same question (an SPDX licence, but no licence in the packaging metadata) reads as a
#: contradiction.
SILENT_WHEN_NONE = {("license", "declared"), ("license", "placeholder")}
SIGNAL_LABELS = {
    "declared": "declared in the packaging metadata",
    "spdx": "SPDX identifier",
    "loc": "lines of code",
    "test_loc": "lines of tests",
    "source_loc": "lines of source",
    "test_functions": "test functions",
    "assertionless": "tests without assertions",
    "mean_cc": "mean cyclomatic complexity",
    "max_cc": "highest cyclomatic complexity",
    "mean_mi": "mean maintainability index",
    "rank": "complexity rank",
    "per_kloc": "violations per 1,000 lines",
    "vague_message_fraction": "vague commit messages",
    "single_dump": "history is a single dump",
    "active_days": "active days",
    "runs_tests": "runs the tests",
    "runs_lint": "runs a linter",
    "gitignore": ".gitignore committed",
    "committed_junk": "committed junk",
    "secrets_suspect": "suspected secrets",
    "secret_files_in_history": "secret files in the history",
    "parse_errors": "files that do not parse",
}


def signal_groups(signals: Mapping[str, Any]) -> tuple[SignalGroupView, ...]:
    """The measured signals as titled groups of (label, text) rows."""
    groups = []
    for key, values in signals.items():
        title = SIGNAL_TITLES.get(key, key.replace("_", " ").capitalize())
        if isinstance(values, Mapping):
            rows = tuple(
                (_label(k), format_value(k, v))
                for k, v in values.items()
                if not (v is None and (key, k) in SILENT_WHEN_NONE)
            )
        else:
            rows = (("value", format_value(key, values)),)
        groups.append(SignalGroupView(key=key, title=title, rows=rows))
    return tuple(groups)


def _label(key: object) -> str:
    text = str(key)
    return SIGNAL_LABELS.get(text, text.replace("_", " "))


def format_value(key: str, value: Any) -> str:
    """A measured value as short text: yes/no, counts with separators, lists bounded."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if key.endswith("fraction"):
            return f"{value * 100:.0f}%"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, Mapping):
        if value and all(isinstance(v, bool) for v in value.values()):
            present = [_label(k) for k, v in value.items() if v]
            missing = [_label(k) for k, v in value.items() if not v]
            parts = []
            if present:
                parts.append("has " + ", ".join(present))
            if missing:
                parts.append("lacks " + ", ".join(missing))
            return "; ".join(parts)
        return ", ".join(f"{_label(k)}: {format_value(str(k), v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if not value:
            return "none"
        items = [format_value(key, v) for v in value[:MAX_LIST_ITEMS]]
        more = len(value) - MAX_LIST_ITEMS
        return ", ".join(items) + (f" and {more:,} more" if more > 0 else "")
    if isinstance(value, str) and _ISO_TIME.match(value):
        return when(value)
    return str(value)
