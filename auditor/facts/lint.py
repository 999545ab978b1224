"""What ruff finds in the repository and how the project formats its code, and its public API.

ruff runs through :mod:`auditor.source.ruff` (once per rule selection per snapshot, on the
files committed at HEAD). Each run also selects the flake8-bandit rules the security rules
read; here they are split from the lint findings: LNT001 counts only what its selection asked
for, and :func:`security_diagnostics` hands the rest to :mod:`auditor.facts.security`.
The public API (type hints and docstrings) comes from the
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
from auditor.vocabulary import term_set

#: The ruff rules LNT001 and the ``lint`` signal use unless a rule pack says otherwise
#: (repeated in rules/default.toml): errors, likely bugs and outdated idioms, not style.
DEFAULT_SELECT: tuple[str, ...] = ("E4", "E7", "E9", "F", "B", "BLE", "SIM", "C4", "PLE", "UP")
#: ruff's code for SQL built by string formatting.
SQL_FORMATTING = "S608"

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
    snapshot: Snapshot,
    select: Sequence[str],
    *,
    ignore: Sequence[str] = (),
    per_file_ignores: Sequence[tuple[str, str]] = (),
    settings: Sequence[str] = (),
    line_length: int | None = None,
    with_format: bool = False,
) -> LintFindings:
    """ruff's violations over the Python files at HEAD, as LNT001 counts them.

    Generated files (migrations, protobuf output) are not the author's code and do not
    count. A file ruff cannot parse counts once (its first syntax error), however many errors
    the parser reports after the first; syntax newer than Python 3.10 is not a violation.
    Only the codes ``select`` asks for count (the security rules ride along in the same
    run), and advice that would keep an injection (UP031's "use an f-string" on a line that
    builds SQL by formatting, S608) is left to SEC001, which says to parameterise instead.
    """
    formatted_at = formatting_line_length(snapshot) if with_format else None
    report = ruff.lint(
        snapshot,
        select,
        ignore=ignore,
        per_file_ignores=per_file_ignores,
        line_length=line_length,
        settings=settings,
        with_format=formatted_at,
    )
    generated = generated_files(snapshot)
    injectable = {(d.path, d.line) for d in report.diagnostics if d.code == SQL_FORMATTING}
    keeps_injection = term_set("security", "injection_keeping_advice")
    counted: list[ruff.Diagnostic] = []
    broken: set[str] = set()
    for diagnostic in report.diagnostics:
        if diagnostic.path in generated:
            continue
        place = (diagnostic.path, diagnostic.line)
        if diagnostic.code == ruff.SYNTAX_ERROR:
            if _NEWER_SYNTAX.search(diagnostic.message) or diagnostic.path in broken:
                continue
            broken.add(diagnostic.path)
        elif not _selected(diagnostic.code, report.select):
            continue  # a security rule riding along
        elif diagnostic.code in keeps_injection and place in injectable:
            continue
        counted.append(diagnostic)
    linted = set(report.files) - generated
    lines = sum(m.lines.code for m in module_summaries(snapshot) if m.path in linted)
    return LintFindings(tuple(counted), len(linted), lines)


def _selected(code: str, select: Sequence[str]) -> bool:
    """Whether a ruff selection (``F``, ``E4``, ``UP031``, ``ALL``) picks this code."""
    return any(selector == "ALL" or code.startswith(selector) for selector in select)


@fact
def security_diagnostics(snapshot: Snapshot) -> tuple[ruff.Diagnostic, ...]:
    """The flake8-bandit findings of the default lint run (every file, tests included).

    The default selection, and the format check beside it, as LNT001 of the default pack
    asks for them: the security rules cost no ruff run of their own.
    """
    line_length = formatting_line_length(snapshot)
    report = ruff.lint(snapshot, DEFAULT_SELECT, with_format=line_length)
    riding = frozenset(ruff.security_select())
    return tuple(d for d in report.diagnostics if d.code in riding)


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


# ------------------------------------------------------------------------------ the project's rules

#: A project's configuration is read only this far: more is not a selection, it is noise.
MAX_CONFIGURED_CODES = 200
MAX_PER_FILE_PATTERNS = 100
MAX_PER_FILE_PAIRS = 500


@dataclass(frozen=True)
class ProjectRuffRules:
    """The rule selection a project configures for ruff, read as data (never as a file ruff
    would load: its ``extend``, ``src``, ``cache-dir`` or any path never reach our run)."""

    source: str  # "pyproject.toml [tool.ruff.lint]", "ruff.toml [lint]"…
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    per_file_ignores: tuple[tuple[str, str], ...]  # (relative glob, code)
    settings: tuple[str, ...] = ()  # plugin settings ruff's --config may take (isort…)


@fact
def project_ruff_rules(snapshot: Snapshot) -> ProjectRuffRules | None:
    """The project's own ruff selection when it configures one seriously, else None.

    Serious: a ``select`` (or ``extend-select``) naming rules, with ``ignore`` and
    ``per-file-ignores`` that leave something to check. A blanket ``ignore = ["ALL"]``, an
    ``ignore`` covering the whole selection, or a per-file ignore whose pattern matches every
    file (``"*"``, ``"**/*.py"``) never excuses everything: the first two make the
    configuration not count, the last is dropped.
    """
    for name, table_path in _RUFF_TABLES:
        entry = snapshot.root_file(name)
        text = snapshot.text(entry.path) if entry is not None else None
        if not text:
            continue
        try:
            data: Any = _toml.loads(text)
        except _toml.TOMLDecodeError:
            continue
        for keys in table_path:
            table: Any = data
            for key in keys:
                table = table.get(key) if isinstance(table, dict) else None
            if isinstance(table, dict) and (table.get("select") or table.get("extend-select")):
                where = f"{name} [{'.'.join(keys)}]" if keys else name
                return _rules_of(table, where)
    return None


#: Where ruff's rule selection lives: file, then the tables tried in order (``lint`` first;
#: the top level is ruff's older layout).
_RUFF_TABLES: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("ruff.toml", (("lint",), ())),
    (".ruff.toml", (("lint",), ())),
    ("pyproject.toml", (("tool", "ruff", "lint"), ("tool", "ruff"))),
)


def _rules_of(table: dict[str, Any], source: str) -> ProjectRuffRules | None:
    select = _codes(table.get("select")) + _codes(table.get("extend-select"))
    ignore = _codes(table.get("ignore")) + _codes(table.get("extend-ignore"))
    if not select or "ALL" in ignore or set(select) <= set(ignore):
        return None
    blanket = term_set("paths", "blanket_globs")
    pairs: list[tuple[str, str]] = []
    for key in ("per-file-ignores", "extend-per-file-ignores"):
        mapping = table.get(key)
        if not isinstance(mapping, dict):
            continue
        for pattern, codes in list(mapping.items())[:MAX_PER_FILE_PATTERNS]:
            pattern = str(pattern).strip().removeprefix("./")
            if pattern in blanket or not _inside_tree(pattern):
                continue
            pairs.extend((pattern, code) for code in _codes(codes))
    pairs = pairs[:MAX_PER_FILE_PAIRS]  # each is one option on ruff's command line
    settings = []
    for key in ruff.SETTINGS:
        value: Any = table
        for part in key.split(".")[1:]:  # "lint." is the table at hand
            value = value.get(part) if isinstance(value, dict) else None
        override = ruff.setting(key, value) if value is not None else None
        if override is not None:
            settings.append(override)
    return ProjectRuffRules(
        source, tuple(dict.fromkeys(select)), tuple(ignore), tuple(pairs), tuple(settings)
    )


def _codes(value: object) -> tuple[str, ...]:
    """The valid rule selectors of a configured list (anything else is left out)."""
    if not isinstance(value, list):
        return ()
    found = []
    for item in value[:MAX_CONFIGURED_CODES]:
        if isinstance(item, str) and ruff.is_selector(item.strip().upper()):
            found.append(item.strip().upper())
    return tuple(found)


def _inside_tree(pattern: str) -> bool:
    try:
        ruff.per_file_ignore(pattern, "F")
    except ValueError:
        return False
    return True


@fact
def public_api(snapshot: Snapshot) -> tuple[PublicDefinition, ...]:
    """The public modules, classes and functions outside tests, sorted by path and line.

    Public: a name without a leading underscore, not nested inside a function; dunder
    methods other than ``__init__`` are left out. A module is public when its file name has
    no leading underscore (so ``__init__.py`` and ``__main__.py`` are not).
    """
    found = [d for module in code_summaries(snapshot) for d in module.public_api]
    return tuple(sorted(found, key=lambda d: (d.path, d.line)))
