"""Committed coverage data, read as data: never by running anything from the repository.

Two formats: a Cobertura XML report (``coverage.xml``, its root ``line-rate``), parsed by
defusedxml so that entity declarations and external references are refused; and coverage.py's
SQLite data file (``.coverage``), read with coverage.py's own API from a private copy once its
schema has been checked to hold only plain tables of bounded size. The file names are data:
``rules/vocabulary/testing.toml``.
"""

from __future__ import annotations

import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import defusedxml
import defusedxml.ElementTree as defused

from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import term_set, terms

VOCABULARY = "testing"

#: The most ``line_bits.numbits`` bytes decoded for one measured file: each byte is eight
#: line numbers, so this is a source file of 262,144 lines, more than any real module.
MAX_NUMBITS_PER_FILE = 32 << 10
#: The most ``numbits`` bytes decoded in all (two million line numbers).
MAX_NUMBITS_TOTAL = 256 << 10


@dataclass(frozen=True)
class CoverageReading:
    """A coverage percentage read from one committed file, or why none could be read."""

    path: str
    percent: float | None
    detail: str  # how the number was obtained, or the reason there is none


def coverage_file_names() -> tuple[str, ...]:
    """The names of the committed files coverage is read from, reports first."""
    return (*terms(VOCABULARY, "coverage_reports"), *terms(VOCABULARY, "coverage_databases"))


@fact
def committed_coverage(snapshot: Snapshot) -> tuple[CoverageReading, ...]:
    """Every committed coverage file, read in order of preference (XML first, shallow first)."""
    reports = term_set(VOCABULARY, "coverage_reports")
    databases = term_set(VOCABULARY, "coverage_databases")
    xml_files = []
    data_files = []
    for path in snapshot.files:
        if is_vendored(path):
            continue
        name = PurePosixPath(path).name
        if name in reports:
            xml_files.append(path)
        elif name in databases:
            data_files.append(path)

    def order(path: str) -> tuple[int, str]:
        return path.count("/"), path

    readings = [read_cobertura(path, snapshot.text(path)) for path in sorted(xml_files, key=order)]
    readings += [_read_coverage_data(snapshot, path) for path in sorted(data_files, key=order)]
    return tuple(readings)


# ------------------------------------------------------------------------------ Cobertura


def read_cobertura(path: str, text: str | None) -> CoverageReading:
    """The root ``line-rate`` of a Cobertura report, defensively."""
    if text is None:
        return CoverageReading(path, None, "not readable as text (binary or over the size bound)")
    try:
        root: ET.Element = defused.fromstring(text)
    except (defusedxml.EntitiesForbidden, defusedxml.DTDForbidden):
        return CoverageReading(path, None, "declares XML entities; not read")
    except defusedxml.ExternalReferenceForbidden:
        return CoverageReading(path, None, "refers to an external resource; not read")
    except ET.ParseError as exc:
        return CoverageReading(path, None, f"malformed XML ({exc})")
    if root.tag != "coverage":
        return CoverageReading(path, None, f"not a Cobertura report (root element <{root.tag}>)")
    raw = root.get("line-rate")
    try:
        rate = float(raw) if raw is not None else None
    except ValueError:
        rate = None
    if rate is None or not 0.0 <= rate <= 1.0:
        return CoverageReading(path, None, f"no valid line-rate attribute ({raw!r})")
    if root.get("lines-valid") == "0":
        return CoverageReading(path, None, "the report measured no lines")
    return CoverageReading(path, rate * 100, f"line-rate {raw}")


# ------------------------------------------------------------------------- coverage.py data


def _read_coverage_data(snapshot: Snapshot, path: str) -> CoverageReading:
    """Line coverage from coverage.py's SQLite data, matched against the committed sources."""
    data = snapshot.blob(path)
    if not data:
        return CoverageReading(path, None, "empty or over the size bound")
    return coverage_from_sqlite(data, path, snapshot)


def coverage_from_sqlite(data: bytes, path: str, snapshot: Snapshot) -> CoverageReading:
    """Compute line coverage from the bytes of a ``.coverage`` file, as coverage.py reports it.

    The data holds executed line numbers per measured file (absolute paths on the author's
    machine); the statements of each file come from parsing the committed source with
    coverage.py's own parser, so the percentage matches ``coverage report`` for that code.
    """
    measured = _measured_lines(data)
    if isinstance(measured, str):
        return CoverageReading(path, None, measured)
    statements = executed = matched = 0
    index = _python_paths_by_name(snapshot)
    for measured_file, lines in measured.items():
        source_path = match_measured_path(measured_file, index)
        if source_path is None:
            continue
        counted = _statement_coverage(snapshot.text(source_path), lines)
        if counted is None:
            continue
        matched += 1
        statements += counted[0]
        executed += counted[1]
    if not matched:
        return CoverageReading(path, None, "the data measures no Python file of this repository")
    if not statements:
        return CoverageReading(path, None, "the measured files have no statements")
    files = f"{matched} file" if matched == 1 else f"{matched:,} files"
    detail = f"{executed} of {statements} statements in {files} executed"
    return CoverageReading(path, 100 * executed / statements, detail)


def _measured_lines(data: bytes) -> dict[str, list[int]] | str:
    """Executed line numbers per measured file, or why the data cannot be read.

    coverage.py reads its SQLite data from a file, so the bytes go to a private temporary
    copy that is deleted afterwards (the committed file itself is never touched).
    """
    from coverage import CoverageData
    from coverage.exceptions import CoverageException

    try:
        with tempfile.TemporaryDirectory(prefix="auditor-coverage-") as folder:
            db = Path(folder) / ".coverage"
            db.write_bytes(data)
            refused = _refused_schema(db)
            if refused:
                return f"not read: {refused}"
            reader = CoverageData(basename=str(db))
            try:
                reader.read()
                return {name: reader.lines(name) or [] for name in reader.measured_files()}
            finally:
                reader.close()
    except (CoverageException, sqlite3.Error, ValueError, OSError) as exc:
        return f"not readable coverage.py data ({exc})"


def _refused_schema(db: Path) -> str | None:
    """Why a SQLite file is not read as coverage.py data, or None when it may be.

    coverage.py's data is plain tables. A committed database is untrusted: a view can be an
    endless recursive query (coverage.py would read it until memory runs out), a trigger runs
    on reads' side effects, and a generated column computes a value of any size on each read
    (``zeroblob(500000000)`` as ``numbits``), while a plain column holds no more than its
    bytes. Even plain, the executed-lines bitmaps are bounded before coverage.py decodes them.
    """
    connection = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        tables = []
        for kind, name, sql in rows:
            if kind in ("view", "trigger"):
                return f"the database defines a {kind}, which coverage.py never does"
            if kind == "table" and str(sql or "").upper().lstrip().startswith("CREATE VIRTUAL"):
                return "the database defines a virtual table, which coverage.py never does"
            if kind == "table":
                tables.append(str(name))
        for table in tables:
            generated = _generated_columns(connection, table)
            if generated:
                return (
                    f"the database defines a generated column ({table}.{generated[0]}), "
                    "which coverage.py never does"
                )
        if "line_bits" in tables:
            return _oversized_numbits(connection)
    finally:
        connection.close()
    return None


def _generated_columns(connection: sqlite3.Connection, table: str) -> list[str]:
    """The generated columns of a table: ``table_xinfo`` marks them hidden 2 (virtual) or 3
    (stored)."""
    rows = connection.execute("SELECT name, hidden FROM pragma_table_xinfo(?)", (table,))
    return [str(name) for name, hidden in rows if hidden in (2, 3)]


def _oversized_numbits(connection: sqlite3.Connection) -> str | None:
    """Why the executed-lines bitmaps are too large to decode, or None when they are not."""
    columns = {str(row[1]) for row in connection.execute("PRAGMA table_info(line_bits)")}
    if "numbits" not in columns:
        return None
    largest, total = connection.execute(
        "SELECT max(length(numbits)), total(length(numbits)) FROM line_bits"
    ).fetchone()
    if (largest or 0) > MAX_NUMBITS_PER_FILE:
        return (
            f"one file's executed lines take {int(largest):,} bytes, "
            f"over the {MAX_NUMBITS_PER_FILE:,}-byte bound"
        )
    if (total or 0) > MAX_NUMBITS_TOTAL:
        return (
            f"the executed lines take {int(total):,} bytes, "
            f"over the {MAX_NUMBITS_TOTAL:,}-byte bound"
        )
    return None


def _statement_coverage(text: str | None, lines: Iterable[int]) -> tuple[int, int] | None:
    """(statements, executed statements) of one source file, by coverage.py's parser."""
    if text is None:
        return None
    from coverage.config import DEFAULT_EXCLUDE
    from coverage.exceptions import CoverageException
    from coverage.parser import PythonParser

    exclude = "|".join(f"(?:{pattern})" for pattern in DEFAULT_EXCLUDE)
    try:
        parser = PythonParser(text=text, exclude=exclude)
        parser.parse_source()
    except (CoverageException, SyntaxError, ValueError, RecursionError):
        return None
    statements = parser.statements
    return len(statements), len(parser.translate_lines(lines) & statements)


@fact
def _python_paths_by_name(snapshot: Snapshot) -> dict[str, list[str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for module in snapshot.python_modules:
        index[PurePosixPath(module.path).name].append(module.path)
    return dict(index)


def match_measured_path(measured: str, index: dict[str, list[str]]) -> str | None:
    """The snapshot path sharing the longest path suffix with a measured file, or None."""
    parts = [p for p in measured.replace("\\", "/").split("/") if p]
    if not parts or not parts[-1].endswith(".py"):
        return None
    best: str | None = None
    best_len = 0
    for candidate in sorted(index.get(parts[-1], ())):
        candidate_parts = candidate.split("/")
        shared = 0
        for mine, theirs in zip(reversed(parts), reversed(candidate_parts), strict=False):
            if mine != theirs:
                break
            shared += 1
        if shared > best_len:
            best, best_len = candidate, shared
    return best


__all__ = [
    "CoverageReading",
    "committed_coverage",
    "coverage_file_names",
    "coverage_from_sqlite",
    "match_measured_path",
    "read_cobertura",
]
