"""Committed personal data: users' uploads, CVs, payslips, user-table exports, user databases.

Judged by paths (the words are data: ``rules/vocabulary/hygiene.toml``) and, for SQLite
databases, by their table names. A database is read from its bytes in a private temporary
copy, and only its schema table (``sqlite_master``) is queried: no view, trigger or
generated column is ever evaluated, and none of its rows is read. Findings name files only.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from auditor.facts.secret_clues import is_test_or_fixture, name_words
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import term_set, terms

VOCABULARY = "hygiene"
PERSONAL_DATA = "personal_data"
#: SQLite files larger than this are judged by name only.
MAX_DATABASE_BYTES = 64 << 20
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class PersonalDataFile:
    """A committed file that holds people's data: its path and why it is judged so."""

    path: str
    reason: str
    category: str = PERSONAL_DATA
    #: An upload or a database: in a project with no users (an exercise collection) it is
    #: the author's practice data. A CV, a payslip or an export of people never is.
    practice: bool = False


@fact
def personal_data_files(snapshot: Snapshot) -> tuple[PersonalDataFile, ...]:
    """Files at HEAD that hold personal data, by path."""
    found = []
    for path in sorted(snapshot.files):
        if is_vendored(path) or is_test_or_fixture(path):
            continue
        reason = personal_data_reason(path)
        database = None if reason else _user_database(snapshot, path)
        if reason or database:
            practice = database is not None or (reason or "").startswith(_UPLOAD)
            found.append(PersonalDataFile(path, reason or database or "", practice=practice))
    return tuple(found)


def is_practice_kind(project_kind: str) -> bool:
    """Whether a kind of project has no users (``practice_kinds``): its uploads and databases
    are the author's practice data."""
    return project_kind in term_set(VOCABULARY, "practice_kinds")


_UPLOAD = "a user upload"


def personal_data_reason(path: str) -> str | None:
    """Why a path, by its name and folders alone, holds personal data; None if it does not."""
    parts = path.lower().split("/")
    name = parts[-1]
    suffix = name[name.rfind(".") :] if "." in name else ""
    folders = term_set(VOCABULARY, "upload_dirs")
    exempt = term_set(VOCABULARY, "upload_exempt_words")
    personal = term_set(VOCABULARY, "personal_document_words")
    if suffix in term_set(VOCABULARY, "document_suffixes") and personal & set(name_words(name)):
        return "a CV, résumé or payslip"
    if suffix in term_set(VOCABULARY, "upload_suffixes") and not exempt & set(name_words(name)):
        docs = term_set(VOCABULARY, "doc_dirs")
        for depth, folder in enumerate(parts[:-1]):
            if folder in docs:
                break  # docs/media/: the documentation's own figures, not users' uploads
            if folder in folders:
                return f"{_UPLOAD} under {'/'.join(path.split('/')[: depth + 1])}/"
    if suffix in term_set(VOCABULARY, "export_suffixes"):
        stem = name[: -len(suffix)]
        if stem in term_set(VOCABULARY, "people_tables"):
            return "an export of a table of people"
    return None


def _user_database(snapshot: Snapshot, path: str) -> str | None:
    """Why a committed SQLite database holds people's data (a table of people), or None."""
    if not path.lower().endswith(terms(VOCABULARY, "database_suffixes")):
        return None
    entry = snapshot.files[path]
    if entry.size > MAX_DATABASE_BYTES or entry.size < 100:
        return None
    data = snapshot.blob(path)
    if not data or not data.startswith(_SQLITE_MAGIC):
        return None
    people = term_set(VOCABULARY, "people_tables")
    tables = [t for t in _table_names(data) if t.lower() in people]
    return f"a database with a {tables[0]} table" if tables else None


def _table_names(data: bytes) -> list[str]:
    """The names of a SQLite database's tables, read from ``sqlite_master`` only."""
    try:
        with tempfile.TemporaryDirectory(prefix="auditor-db-") as folder:
            db = Path(folder) / "data.sqlite3"
            db.write_bytes(data)
            connection = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
            try:
                rows = connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' LIMIT 1000"
                ).fetchall()
            finally:
                connection.close()
    except (sqlite3.Error, OSError, ValueError):
        return []
    return [str(name) for (name,) in rows]
