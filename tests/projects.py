"""Whole portfolio projects for end-to-end tests: a strong one and a weak one.

The strong project does what hiring guides ask for (a README with every section, tests that
assert, CI that runs them and a linter, a history that grew over several days, a database,
a CLI, logging, a Dockerfile). The weak one is a single dump of an untested tutorial script.
"""

from __future__ import annotations

from pathlib import Path

from tests.factory import RepoBuilder, make_repo

STRONG_README = """\
# ledgerline

Ledgerline imports bank statements exported as CSV, stores every transaction in SQLite and
answers questions about spending from the command line. It exists because every bank exports
a slightly different CSV dialect, and reconciling them by hand each month is slow and error
prone. The importer normalises dates, amounts and payee names, detects duplicates across
overlapping exports, and keeps an audit trail of every import so that a mistaken import can be
rolled back. Reports group spending by category and month and can be exported for a
spreadsheet. The project is small on purpose: one package, one database file, no server.

## Installation

```bash
python -m venv .venv && . .venv/bin/activate
pip install -e .
```

## Usage

```bash
ledgerline import statements/march.csv
ledgerline report --month 2024-03
```

Example output:

```text
groceries   412.30
transport    88.00
```

## Configuration

Copy `.env.example` to `.env` and set `LEDGERLINE_DB` to the database path.

## Running the tests

```bash
pip install -e ".[test]" && pytest
```

## Design decisions

Transactions are stored in SQLite through the standard library: the data fits on one machine
and a file is easy to back up. Parsing and storage are separate modules so that a new bank
dialect only needs a parser. Duplicates are detected by a hash of date, amount and payee.

## Known limitations

- Only comma-separated exports are supported; semicolon dialects need a parser.
- Categories are matched by keyword; there is no learning from corrections yet.

## License

MIT, see LICENSE.
"""

CI_WORKFLOW = """\
name: CI
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -e ".[test]"
      - run: ruff check .
      - run: mypy ledgerline
      - run: pytest
"""

PYPROJECT = """\
[project]
name = "ledgerline"
version = "1.2.0"
requires-python = ">=3.10"
dependencies = ["click>=8.1,<9"]

[project.optional-dependencies]
test = ["pytest>=8,<9", "mypy>=1.10"]

[project.scripts]
ledgerline = "ledgerline.cli:main"
"""

DB_MODULE = '''\
"""Storage of transactions in SQLite."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

logger = logging.getLogger(__name__)


def database_path() -> Path:
    """The database file, from LEDGERLINE_DB or the default location."""
    return Path(os.environ.get("LEDGERLINE_DB", "ledgerline.sqlite3"))


def connect(path: Path) -> sqlite3.Connection:
    """Open the database and create the schema when it is new."""
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE IF NOT EXISTS tx (day TEXT, amount REAL, payee TEXT, digest TEXT UNIQUE)"
    )
    logger.info("opened %s", path)
    return connection


def store(connection: sqlite3.Connection, rows: list[tuple[str, float, str, str]]) -> int:
    """Insert new transactions and return how many were new."""
    before = connection.total_changes
    try:
        connection.executemany("INSERT OR IGNORE INTO tx VALUES (?, ?, ?, ?)", rows)
    except sqlite3.DatabaseError:
        logger.exception("could not store %d rows", len(rows))
        raise
    return connection.total_changes - before
'''

CLI_MODULE = '''\
"""The ledgerline command line."""

from __future__ import annotations

import click

from ledgerline.db import connect, database_path, store
from ledgerline.parse import parse_csv


@click.group()
def main() -> None:
    """Import bank statements and report on spending."""


@main.command("import")
@click.argument("path")
def import_command(path: str) -> None:
    """Import one CSV statement."""
    with open(path, encoding="utf-8") as handle:
        rows = parse_csv(handle.read())
    added = store(connect(database_path()), rows)
    click.echo(f"imported {added} new transactions")
'''

PARSE_MODULE = '''\
"""Parsing bank CSV exports into normalised transactions."""

from __future__ import annotations

import hashlib


def normalise_amount(text: str) -> float:
    """An amount such as "1,204.50" or "-3.20" as a float."""
    return float(text.replace(",", ""))


def digest(day: str, amount: float, payee: str) -> str:
    """A stable hash that identifies a transaction across overlapping exports."""
    return hashlib.sha256(f"{day}|{amount:.2f}|{payee.lower()}".encode()).hexdigest()


def parse_csv(text: str) -> list[tuple[str, float, str, str]]:
    """Rows of (day, amount, payee, digest) from a CSV export with a header line."""
    rows = []
    for line in text.splitlines()[1:]:
        if not line.strip():
            continue
        day, amount_text, payee = (part.strip() for part in line.split(",", 2))
        amount = normalise_amount(amount_text)
        rows.append((day, amount, payee, digest(day, amount, payee)))
    return rows
'''


def _report_module(number: int) -> str:
    """A module of small, typed, documented functions (to give the project some size)."""
    functions = "\n\n".join(
        f'''def total_{number}_{index}(amounts: list[float], limit: float = {index}.0) -> float:
    """The sum of the amounts above a limit of {index}."""
    total = 0.0
    for amount in amounts:
        if amount > limit:
            total += amount
    return round(total, 2)
'''
        for index in range(8)
    )
    return f'"""Spending report {number}."""\n\n\n{functions}'


TESTS = '''\
"""Tests for parsing and storage."""

import sqlite3

import pytest

from ledgerline.db import store
from ledgerline.parse import normalise_amount, parse_csv


def test_amounts_are_normalised() -> None:
    assert normalise_amount("1,204.50") == 1204.5


def test_rows_are_parsed_with_a_digest() -> None:
    rows = parse_csv("day,amount,payee\\n2024-03-01,-3.20,Bakery\\n")
    assert rows[0][:3] == ("2024-03-01", -3.2, "Bakery")
    assert len(rows[0][3]) == 64


def test_bad_amount_raises() -> None:
    with pytest.raises(ValueError):
        normalise_amount("three")


def test_duplicates_are_stored_once() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE tx (day TEXT, amount REAL, payee TEXT, digest TEXT UNIQUE)")
    rows = parse_csv("h\\n2024-03-01,1.00,A\\n2024-03-01,1.00,A\\n")
    assert store(connection, rows) == 1
'''


def build_strong_project(path: Path) -> RepoBuilder:
    """A repository that does what employers look for; it should grade A."""
    repo = make_repo(path)
    repo.commit(
        "Add the CSV parser with tests",
        {
            ".gitignore": "__pycache__/\n.venv/\n*.sqlite3\n.env\n",
            "pyproject.toml": PYPROJECT,
            "ledgerline/__init__.py": '"""Ledgerline: bank statements into SQLite."""\n',
            "ledgerline/parse.py": PARSE_MODULE,
            "tests/test_ledgerline.py": TESTS,
        },
    )
    repo.commit(
        "Store transactions in SQLite",
        {"ledgerline/db.py": DB_MODULE, ".env.example": "LEDGERLINE_DB=ledgerline.sqlite3\n"},
        days_later=1,
    )
    repo.commit("Add the import command", {"ledgerline/cli.py": CLI_MODULE}, days_later=1)
    for number in range(6):
        repo.commit(
            f"Add spending report {number}",
            {f"ledgerline/report_{number}.py": _report_module(number)},
            days_later=0.5,
        )
    repo.commit("Run the tests and linters in CI", {".github/workflows/ci.yml": CI_WORKFLOW})
    repo.commit(
        "Document setup, design and limitations",
        {
            "README.md": STRONG_README,
            "LICENSE": "MIT License\n\nPermission is hereby granted, free of charge, to any "
            "person obtaining a copy of this software...\n",
            "Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nRUN pip install /app\n"
            'ENTRYPOINT ["ledgerline"]\n',
        },
        days_later=2,
    )
    return repo


def build_weak_project(path: Path) -> RepoBuilder:
    """One dump of an untested tutorial script: it should grade F."""
    repo = make_repo(path)
    repo.commit(
        "update",
        {
            "calculator.py": "def add(a,b):\n  return a+b\n\ntry:\n  print(add(1,2))\nexcept:\n"
            "  pass\n",
            "__pycache__/calculator.cpython-311.pyc": b"\x00\x01compiled",
            ".DS_Store": b"\x00\x00junk",
        },
    )
    return repo
