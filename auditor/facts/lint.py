"""What ruff finds in the repository and how the project formats its code, and its public API.

ruff runs through :mod:`auditor.source.ruff` (once per rule selection per snapshot, on the
files committed at HEAD). The public API (type hints and docstrings) comes from the
language-neutral module summaries, shared by LNT003 and LNT004.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from auditor import _toml
from auditor.facts.generated import generated_files
from auditor.facts.modules import code_summaries, module_summaries
from auditor.source import ruff
from auditor.source.languages.summary import PublicDefinition
from auditor.source.snapshot import Snapshot, fact

#: ruff's syntax errors for syntax newer than the target version: modern code, not a mistake.
_NEWER_SYNTAX = re.compile(r"syntax was added in Python 3\.\d+")


@dataclass(frozen=True)
class LintFindings:
    """The violations that count for one rule selection, and the code they were found in."""

    violations: tuple[ruff.Diagnostic, ...]
    files: int
    code_lines: int

    @property
    def per_kloc(self) -> float | None:
        return 1000 * len(self.violations) / self.code_lines if self.code_lines else None


def lint_findings(
    snapshot: Snapshot, select: Sequence[str], *, with_format: bool = False
) -> LintFindings:
    """ruff's violations over the Python files at HEAD, as LNT001 counts them.

    Generated files (migrations, protobuf output) are not the author's code and do not
    count. A file ruff cannot parse counts once (its first syntax error), however many errors the
    parser reports after the first; syntax newer than Python 3.10 is not a violation.
    """
    line_length = formatting_line_length(snapshot) if with_format else None
    report = ruff.lint(snapshot, select, with_format=line_length)
    generated = generated_files(snapshot)
    counted: list[ruff.Diagnostic] = []
    broken: set[str] = set()
    for diagnostic in report.diagnostics:
        if diagnostic.path in generated:
            continue
        if diagnostic.code == ruff.SYNTAX_ERROR:
            if _NEWER_SYNTAX.search(diagnostic.message) or diagnostic.path in broken:
                continue
            broken.add(diagnostic.path)
        counted.append(diagnostic)
    linted = set(report.files) - generated
    lines = sum(m.lines.code for m in module_summaries(snapshot) if m.path in linted)
    return LintFindings(tuple(counted), len(linted), lines)


@fact
def formatting_line_length(snapshot: Snapshot) -> int:
    """The line length the project formats to: ``[tool.ruff]``, ``[tool.black]`` or 88.

    Only this one number is taken from the repository's configuration: a project formatted
    by black at 100 columns is formatted, not wrong.
    """
    candidates: list[tuple[str, tuple[str, ...]]] = [
        ("ruff.toml", ()),
        (".ruff.toml", ()),
        ("pyproject.toml", ("tool", "ruff")),
        ("pyproject.toml", ("tool", "black")),
    ]
    for name, table_path in candidates:
        entry = snapshot.root_file(name)
        text = snapshot.text(entry.path) if entry is not None else None
        if text is None:
            continue
        try:
            table: Any = _toml.loads(text)
        except _toml.TOMLDecodeError:
            continue
        for key in table_path:
            table = table.get(key) if isinstance(table, dict) else None
        if not isinstance(table, dict):
            continue
        value = table.get("line-length", table.get("line_length"))
        if isinstance(value, int) and not isinstance(value, bool) and 40 <= value <= 320:
            return value
    return ruff.DEFAULT_LINE_LENGTH


@fact
def public_api(snapshot: Snapshot) -> tuple[PublicDefinition, ...]:
    """The public modules, classes and functions outside tests, sorted by path and line.

    Public: a name without a leading underscore, not nested inside a function; dunder
    methods other than ``__init__`` are left out. A module is public when its file name has
    no leading underscore (so ``__init__.py`` and ``__main__.py`` are not).
    """
    found = [d for module in code_summaries(snapshot) for d in module.public_api]
    return tuple(sorted(found, key=lambda d: (d.path, d.line)))
