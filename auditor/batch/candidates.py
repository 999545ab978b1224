"""The candidates of a batch: logins from the command line or from a file.

A file is either plain text, one login a line (blank lines and ``#`` comments ignored), or a
CSV whose header has a ``login`` column (``github``, ``github_login``, ``username`` and
``user`` are accepted too). A CSV's other columns, such as a candidate's name or an
application id, are carried through to the outputs unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from auditor.batch.accounts import LOGIN
from auditor.errors import AuditorError

LOGIN_COLUMNS = ("login", "github", "github_login", "github login", "username", "user")
NAME_COLUMNS = ("name", "full name", "full_name", "candidate")
#: Bounds on an input file: a batch is hundreds of candidates, not millions.
MAX_FILE_BYTES = 8 << 20
MAX_CANDIDATES = 10_000


class CandidateError(AuditorError):
    """The list of candidates is unusable: a bad login, a file without a login column."""


@dataclass(frozen=True)
class Candidate:
    """One person to score: a GitHub login and whatever else the input said about them."""

    login: str
    name: str | None = None
    #: The input file's other columns, in their order.
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Logins are case-insensitive on GitHub: this is the one spelling used as a key."""
        return self.login.lower()


def parse_logins(values: Iterable[str], where: str = "the command line") -> list[Candidate]:
    """Candidates from bare logins; a leading ``@`` or a profile URL is accepted."""
    return [Candidate(_login(value, where)) for value in values]


def read_candidates(path: Path) -> list[Candidate]:
    """Candidates from a text file of logins or a CSV file with a login column."""
    try:
        raw = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise CandidateError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise CandidateError(f"{path}: larger than {MAX_FILE_BYTES >> 20} MiB")
    text = raw.decode("utf-8-sig", "replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "," in first or "\t" in first or ";" in first or _is_header(first):
        return _from_csv(text, path)
    logins = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return [Candidate(_login(value, f"{path}")) for value in logins]


def merge(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Candidates in input order, each login once (the first mention wins)."""
    seen: dict[str, Candidate] = {}
    for candidate in candidates:
        seen.setdefault(candidate.key, candidate)
    result = list(seen.values())
    if len(result) > MAX_CANDIDATES:
        raise CandidateError(
            f"{len(result)} candidates: split the batch (at most {MAX_CANDIDATES})"
        )
    return result


def _is_header(line: str) -> bool:
    return line.strip().lower() in LOGIN_COLUMNS


def _from_csv(text: str, path: Path) -> list[Candidate]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip() for cell in rows[0]]
    lowered = [h.lower() for h in header]
    column = next((lowered.index(c) for c in LOGIN_COLUMNS if c in lowered), None)
    if column is None:
        raise CandidateError(
            f"{path}: no login column in the header ({', '.join(header)[:200]}); "
            f"name one of: {', '.join(LOGIN_COLUMNS)}"
        )
    name_column = next((lowered.index(c) for c in NAME_COLUMNS if c in lowered), None)
    candidates = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [*row, *[""] * (len(header) - len(row))]
        login = _login(cells[column], f"{path}, line {number}")
        fields = {
            header[i] or f"column {i + 1}": cells[i]
            for i in range(len(header))
            if i != column and i < len(cells)
        }
        name = cells[name_column].strip() if name_column is not None else ""
        candidates.append(Candidate(login, name or None, fields))
    return candidates


def _login(value: str, where: str) -> str:
    login = value.strip()
    for prefix in ("https://github.com/", "http://github.com/", "github.com/", "@"):
        if login.lower().startswith(prefix):
            login = login[len(prefix) :].strip("/")
    if not LOGIN.match(login):
        shown = login[:60].encode("ascii", "backslashreplace").decode("ascii")
        raise CandidateError(f"{where}: {shown!r} is not a GitHub login")
    return login
