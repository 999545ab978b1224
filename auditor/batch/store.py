"""The batch store: one SQLite file (``auditor.db`` in ``--out``), nothing to install.

Tables: ``runs`` (one per batch command, with a fingerprint of what it was asked), ``candidates``
(per run: the login, the input's other columns, the account as GitHub described it, or why
it could not be read), ``repos`` (per run: each repository's status and reason) and
``audits`` (keyed by repository, HEAD commit and rule-pack hash: the score, category scores
and the rendered cards). The journal is write-ahead and every finished audit is committed
at once, in one transaction with its repository's status, so a run killed at any moment
(``kill -9`` included) loses nothing finished. The schema version is ``PRAGMA user_version``.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from auditor.batch.accounts import Account
from auditor.batch.candidates import Candidate
from auditor.batch.jobs import AUDITED, ERROR, REUSED, RepoResult
from auditor.errors import AuditorError

SCHEMA_VERSION = 1
PENDING = "pending"

_SCHEMA = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,      -- what was asked: candidates, options, rule-pack hash
    pack_hash TEXT NOT NULL,
    settings TEXT NOT NULL,         -- JSON of the options (never a token)
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL            -- running, finished, stopped, interrupted
);
CREATE INDEX runs_by_fingerprint ON runs (fingerprint, id);
CREATE TABLE candidates (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    position INTEGER NOT NULL,
    login TEXT NOT NULL,            -- lower case: GitHub logins ignore case
    spelling TEXT NOT NULL,         -- as given
    name TEXT,
    fields TEXT NOT NULL,           -- JSON: the input file's other columns
    account TEXT,                   -- JSON: the account as GitHub described it
    error TEXT,                     -- why the account could not be read
    error_final INTEGER NOT NULL DEFAULT 0,  -- 1: not worth retrying (no such user)
    PRIMARY KEY (run_id, login)
);
CREATE TABLE repos (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    login TEXT NOT NULL,
    key TEXT NOT NULL,              -- host/owner/name
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL,           -- pending, audited, skipped, error
    reason TEXT NOT NULL DEFAULT '',
    head TEXT,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE audits (
    repo TEXT NOT NULL,             -- host/owner/name
    head TEXT NOT NULL,
    pack_hash TEXT NOT NULL,
    score REAL NOT NULL,
    grade TEXT NOT NULL,
    categories TEXT NOT NULL,       -- JSON: {category id: score or null}
    card_json BLOB NOT NULL,        -- zlib-compressed JSON scorecard
    card_html BLOB,                 -- zlib-compressed HTML scorecard
    audited_at TEXT NOT NULL,
    run_id INTEGER NOT NULL,        -- the run that made this audit
    PRIMARY KEY (repo, head, pack_hash)
);
"""


class StoreError(AuditorError):
    """The store cannot be opened or is not one of ours."""


@dataclass(frozen=True)
class StoredCandidate:
    position: int
    login: str
    name: str | None
    fields: Mapping[str, str]
    account: Account | None
    error: str | None
    error_final: bool


@dataclass(frozen=True)
class StoredRepo:
    login: str
    key: str
    name: str
    position: int
    status: str
    reason: str
    head: str | None


_CANDIDATE_COLUMNS = "SELECT position, spelling, name, fields, account, error, error_final"
_CANDIDATES_OF_RUN = _CANDIDATE_COLUMNS + " FROM candidates WHERE run_id = ? ORDER BY position"
_CANDIDATE_OF_RUN = (
    _CANDIDATE_COLUMNS + " FROM candidates WHERE run_id = ? AND login = ? ORDER BY position"
)


@dataclass(frozen=True)
class StoredAudit:
    score: float
    grade: str
    categories: Mapping[str, float | None]
    has_html: bool = False
    audited_at: str = ""


class Store:
    """The batch database. One writer (the runner's main thread)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating when new) the store at ``path``."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            with _transaction(connection):
                version = connection.execute("PRAGMA user_version").fetchone()[0]
                tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if version == 0 and tables == 0:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            connection.execute(statement)
                    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    version = SCHEMA_VERSION
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the batch store: {exc}") from exc
        if version != SCHEMA_VERSION:
            connection.close()
            raise StoreError(
                f"{path}: store schema version {version}, this auditor reads {SCHEMA_VERSION}"
                " (use another --out folder)"
            )
        return cls(connection, path)

    def close(self) -> None:
        self._db.close()

    # ----------------------------------------------------------------- runs

    def begin_run(
        self, fingerprint: str, pack_hash: str, settings: Mapping[str, Any], *, fresh: bool
    ) -> tuple[int, bool]:
        """The run to work in, and whether it resumes an unfinished one with the same
        fingerprint (never when ``fresh``)."""
        now = _now()
        with _transaction(self._db):
            row = self._db.execute(
                "SELECT id, status FROM runs WHERE fingerprint = ? ORDER BY id DESC LIMIT 1",
                (fingerprint,),
            ).fetchone()
            if row is not None and row[1] != "finished" and not fresh:
                self._db.execute(
                    "UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?",
                    (row[0],),
                )
                return int(row[0]), True
            cursor = self._db.execute(
                "INSERT INTO runs (fingerprint, pack_hash, settings, started_at, status)"
                " VALUES (?, ?, ?, ?, 'running')",
                (fingerprint, pack_hash, json.dumps(dict(settings), sort_keys=True), now),
            )
            return int(cursor.lastrowid or 0), False

    def finish_run(self, run_id: int, status: str) -> None:
        with _transaction(self._db):
            self._db.execute(
                "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?",
                (status, _now(), run_id),
            )

    # ----------------------------------------------------------------- candidates

    def add_candidates(self, run_id: int, candidates: Sequence[Candidate]) -> None:
        """Record the run's candidates (kept as they are when resuming)."""
        with _transaction(self._db):
            self._db.executemany(
                "INSERT OR IGNORE INTO candidates (run_id, position, login, spelling, name, fields)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (run_id, i, c.key, c.login, c.name, json.dumps(dict(c.fields)))
                    for i, c in enumerate(candidates)
                ],
            )

    def candidates(self, run_id: int) -> list[StoredCandidate]:
        return self._candidates(_CANDIDATES_OF_RUN, (run_id,))

    def candidate(self, run_id: int, login: str) -> StoredCandidate | None:
        found = self._candidates(_CANDIDATE_OF_RUN, (run_id, login.lower()))
        return found[0] if found else None

    def _candidates(self, query: str, params: tuple[Any, ...]) -> list[StoredCandidate]:
        rows = self._db.execute(query, params).fetchall()
        return [
            StoredCandidate(
                position=row[0],
                login=row[1],
                name=row[2],
                fields=json.loads(row[3]),
                account=Account.from_dict(json.loads(row[4])) if row[4] else None,
                error=row[5],
                error_final=bool(row[6]),
            )
            for row in rows
        ]

    def save_account(self, run_id: int, login: str, account: Account) -> None:
        with _transaction(self._db):
            self._db.execute(
                "UPDATE candidates SET account = ?, error = NULL, error_final = 0"
                " WHERE run_id = ? AND login = ?",
                (json.dumps(account.to_dict()), run_id, login.lower()),
            )

    def save_account_error(self, run_id: int, login: str, error: str, *, final: bool) -> None:
        with _transaction(self._db):
            self._db.execute(
                "UPDATE candidates SET account = NULL, error = ?, error_final = ?"
                " WHERE run_id = ? AND login = ?",
                (error, int(final), run_id, login.lower()),
            )

    # ----------------------------------------------------------------- repositories

    def plan_repos(
        self, run_id: int, login: str, plan: Sequence[tuple[str, str, str, str]]
    ) -> None:
        """Record a candidate's repositories as (key, name, status, reason); a repository
        already finished in this run keeps its result."""
        with _transaction(self._db):
            for position, (key, name, status, reason) in enumerate(plan):
                self._db.execute(
                    "INSERT INTO repos (run_id, login, key, name, position, status, reason)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (run_id, key) DO UPDATE SET position = excluded.position,"
                    " status = CASE WHEN repos.status IN ('audited', 'skipped')"
                    "   AND excluded.status = 'pending' THEN repos.status ELSE excluded.status END,"
                    " reason = CASE WHEN repos.status IN ('audited', 'skipped')"
                    "   AND excluded.status = 'pending' THEN repos.reason ELSE excluded.reason END",
                    (run_id, login.lower(), key, name, position, status, reason),
                )

    def repos(self, run_id: int, login: str | None = None) -> list[StoredRepo]:
        query = (
            "SELECT login, key, name, position, status, reason, head FROM repos WHERE run_id = ?"
        )
        params: tuple[Any, ...] = (run_id,)
        if login is not None:
            query += " AND login = ?"
            params += (login.lower(),)
        rows = self._db.execute(query + " ORDER BY login, position", params).fetchall()
        return [StoredRepo(*row) for row in rows]

    def known_heads(self, key: str, pack_hash: str) -> tuple[str, ...]:
        rows = self._db.execute(
            "SELECT head FROM audits WHERE repo = ? AND pack_hash = ?", (key, pack_hash)
        ).fetchall()
        return tuple(row[0] for row in rows)

    def save_result(self, run_id: int, pack_hash: str, result: RepoResult) -> None:
        """Commit one finished repository: its audit and its status, in one transaction."""
        status = AUDITED if result.status == REUSED else result.status
        with _transaction(self._db):
            if result.status == AUDITED and result.card_json is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO audits (repo, head, pack_hash, score, grade,"
                    " categories, card_json, card_html, audited_at, run_id)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        result.key,
                        result.head,
                        pack_hash,
                        result.score,
                        result.grade,
                        json.dumps(dict(result.categories)),
                        result.card_json,
                        result.card_html,
                        _now(),
                        run_id,
                    ),
                )
            reason = result.reason
            if result.status == REUSED and not self.audit(result.key, result.head, pack_hash):
                status, reason = ERROR, "the stored audit is gone: a re-run audits it again"
            self._db.execute(
                "UPDATE repos SET status = ?, reason = ?, head = ? WHERE run_id = ? AND key = ?",
                (status, reason, result.head, run_id, result.key),
            )

    def audit(self, key: str, head: str | None, pack_hash: str) -> StoredAudit | None:
        if head is None:
            return None
        row = self._db.execute(
            "SELECT score, grade, categories, card_html IS NOT NULL, audited_at FROM audits"
            " WHERE repo = ? AND head = ? AND pack_hash = ?",
            (key, head, pack_hash),
        ).fetchone()
        if row is None:
            return None
        return StoredAudit(
            row[0], row[1], json.loads(row[2]), has_html=bool(row[3]), audited_at=row[4]
        )

    def latest_head(self, key: str, pack_hash: str) -> str | None:
        """The HEAD of the most recent audit of a repository with this pack, if any: what a
        run that cannot read the repository shows instead, marked with its date."""
        row = self._db.execute(
            "SELECT head FROM audits WHERE repo = ? AND pack_hash = ?"
            " ORDER BY audited_at DESC, run_id DESC LIMIT 1",
            (key, pack_hash),
        ).fetchone()
        return str(row[0]) if row else None

    def previous_read(self, login: str, before_run: int, pack_hash: str) -> tuple[int, str] | None:
        """The latest earlier run with the same pack that read this candidate's account, and
        when it started: what a run that cannot read the account shows instead."""
        row = self._db.execute(
            "SELECT runs.id, runs.started_at FROM candidates JOIN runs ON runs.id = run_id"
            " WHERE login = ? AND run_id < ? AND runs.pack_hash = ? AND account IS NOT NULL"
            " ORDER BY run_id DESC LIMIT 1",
            (login.lower(), before_run, pack_hash),
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def cards(self, key: str, head: str, pack_hash: str) -> tuple[str | None, str | None]:
        """The stored JSON and HTML cards of one audit."""
        row = self._db.execute(
            "SELECT card_json, card_html FROM audits WHERE repo = ? AND head = ? AND pack_hash = ?",
            (key, head, pack_hash),
        ).fetchone()
        if row is None:
            return None, None
        return tuple(  # type: ignore[return-value]
            zlib.decompress(blob).decode("utf-8") if blob is not None else None for blob in row
        )

    def integrity(self) -> str:
        """``PRAGMA integrity_check``: "ok" for an intact database."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])


class _transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (or ``ROLLBACK`` on an exception)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def __enter__(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")
            self._owner = True
        else:
            self._owner = False

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._owner:
            return
        if exc_type is None:
            self._db.execute("COMMIT")
        else:
            self._db.execute("ROLLBACK")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
