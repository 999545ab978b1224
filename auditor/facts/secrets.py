"""Suspected secrets: credentials in the files at HEAD, and secret files in the history.

Secret values never leave this module: a hit names the file, the line and the kind of
secret, nothing more. The token formats, key names and placeholder words are data
(``rules/vocabulary/hygiene.toml``). Every scan is linear in the size of the file: the token
patterns start with a literal and bound every quantifier, assignments are found at their
credential word and read backwards a bounded distance, and .env files are read line by line.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from auditor.facts.secret_clues import (
    in_fixture_dir,
    is_env_file,
    is_literal_secret,
    is_placeholder,
    is_placeholder_token,
    is_secret_file,
    is_test_or_example,
    is_test_or_fixture,
    secret_key_names,
    secret_kind,
)
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import records, term_set

VOCABULARY = "hygiene"
#: Lines longer than this are minified or generated: only the token formats look at them.
MAX_LINE = 4_000
#: A key name longer than this is no setting anybody types.
_MAX_KEY = 64
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
#: A connection URL's password: scheme, user, ``:``, password, ``@``; the parts cannot overlap.
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]{1,20}://[^\s:/@]{1,100}:([^\s/@]{1,200})@")


@dataclass(frozen=True)
class SecretHit:
    """A suspected secret: where it is and what kind, never its value."""

    path: str
    line: int
    kind: str


@dataclass(frozen=True)
class TokenFormat:
    """A credential recognised by its shape (one record of ``hygiene:token_formats``)."""

    kind: str
    needles: tuple[str, ...]  # literal text the token must contain: a cheap filter per file
    pattern: re.Pattern[str]
    value_group: int = 0
    placeholders: bool = True  # whether an example-looking value is let through


@cache
def token_formats() -> tuple[TokenFormat, ...]:
    """The token formats of the vocabulary, compiled once."""
    fields = ("kind", "needles", "pattern", "value_group", "placeholders")
    return tuple(
        TokenFormat(
            kind=record["kind"],
            needles=tuple(record["needles"]),
            pattern=re.compile(record["pattern"]),
            value_group=int(record.get("value_group", 0)),
            placeholders=bool(record.get("placeholders", True)),
        )
        for record in records(VOCABULARY, "token_formats", fields)
    )


@cache
def _assignment() -> re.Pattern[str]:
    """A name ending in a credential word, then ``=`` or ``:`` and a value.

    Matched in text lower-cased (ASCII only, so offsets hold) because a case-insensitive
    pattern is 8x slower. It starts at the credential word, so the scan only stops where one
    appears; the rest of the name is read backwards from there. No two adjacent parts can
    match the same character, and every repetition is bounded.
    """
    names = sorted(secret_key_names(), key=len, reverse=True)
    words = "|".join("[_.-]?".join(re.escape(part) for part in n.split("_")) for n in names)
    return re.compile(
        rf"""(?:{words})
        ["']?[ \t]{{0,20}}
        (?::[ \t]{{0,20}}[a-z_][\w\[\]|., \t]{{0,60}}(?==))?   # a Python annotation
        [:=](?!=)[ \t]{{0,20}}
        (?P<value>"[^"\n]{{0,1000}}"|'[^'\n]{{0,1000}}'|[^\s"'\#;,]{{1,200}})""",
        re.VERBOSE,
    )


@fact
def secret_hits(snapshot: Snapshot) -> tuple[SecretHit, ...]:
    """Every suspected secret in the text files at HEAD, in path and line order."""
    hits: list[SecretHit] = []
    for path in sorted(snapshot.files):
        if is_vendored(path) or in_fixture_dir(path):
            continue
        text = snapshot.text(path)
        if not text:
            continue
        seen: set[tuple[int, str]] = set()
        for line, kind in _scan(path, text, snapshot.has_history):
            if (line, kind) not in seen:
                seen.add((line, kind))
                hits.append(SecretHit(path, line, kind))
    hits.sort(key=lambda h: (h.path, h.line))
    return tuple(hits)


def _scan(path: str, text: str, versioned: bool) -> Iterator[tuple[int, str]]:
    """(line, kind) of each suspected secret in one file's text."""
    yield from _scan_tokens(text)
    name = path.rpartition("/")[2]
    if is_env_file(name):
        # Outside git, a local .env is exactly where secrets belong: it is not published.
        if versioned and not is_test_or_example(path):
            yield from _scan_env(text)
        return
    suffix = name[name.rfind(".") :].lower() if name.rfind(".") > 0 else ""
    if suffix in term_set(VOCABULARY, "config_suffixes") and not is_test_or_example(path):
        yield from _scan_assignments(text, python=path.endswith(".py"))


def _scan_tokens(text: str) -> Iterator[tuple[int, str]]:
    for token in token_formats():
        if not any(needle in text for needle in token.needles):
            continue
        lines = _LineIndex(text)
        for match in token.pattern.finditer(text):
            value = match.group(token.value_group)
            if token.placeholders and is_placeholder_token(value):
                continue
            yield lines.line_of(match.start()), token.kind


def _scan_assignments(text: str, *, python: bool) -> Iterator[tuple[int, str]]:
    lines = _LineIndex(text)
    for match in _assignment().finditer(text.translate(_ASCII_LOWER)):
        start = begin = match.start()
        while begin > 0 and text[begin - 1] in _KEY_CHARS and start - begin < _MAX_KEY:
            begin -= 1
        if begin > 0 and text[begin - 1] in _KEY_CHARS:
            continue  # a name longer than any real setting
        if text[max(begin - 2, 0) : begin].endswith(("$", "${")):
            continue  # a shell variable reference: ${DB_PASSWORD:?unset}
        key = text[begin : start + _key_length(match.group(0))]
        value = text[match.start("value") : match.end("value")]
        if python and value[:1] not in "\"'":
            continue  # a name or a call, not a literal
        if lines.line_length(match.start()) > MAX_LINE:
            continue  # minified or generated: left to the token formats
        kind = secret_kind(key)
        if kind and is_literal_secret(value):
            yield lines.line_of(match.start()), f"hard-coded {kind} ({key})"


def _key_length(matched: str) -> int:
    """Where the credential word at the start of a match ends."""
    for index, char in enumerate(matched):
        if char not in _KEY_CHARS:
            return index
    return len(matched)


def _scan_env(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE:
            continue
        assignment = _env_assignment(line)
        if assignment is None:
            continue
        key, value = assignment
        url = _URL_PASSWORD.search(value)
        if url is not None and not is_placeholder(url.group(1)):
            yield number, f"password in a connection URL in a committed .env file ({key})"
        elif secret_kind(key, env=True) and not is_placeholder(value):
            yield number, f"value in a committed .env file ({key})"


def _env_assignment(line: str) -> tuple[str, str] | None:
    """(key, value) of a dotenv line ``[export] KEY=value # comment``; None for other lines."""
    before, equals, after = line.strip().partition("=")
    words = before.split()
    if not equals or not words or len(words) > 2 or (len(words) == 2 and words[0] != "export"):
        return None
    key = words[-1]
    if len(key) > 128 or not (key[0].isascii() and (key[0].isalpha() or key[0] == "_")):
        return None
    if not all(ch in _KEY_CHARS for ch in key):
        return None
    return key, after.split(" #", 1)[0].strip()


class _LineIndex:
    """Line numbers and lengths at offsets in one text, for offsets asked in increasing order."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset = 0
        self._line = 1
        self._line_start = 0
        self._line_end = -1  # the known line (start, end) pair, reused while offsets stay in it

    def line_length(self, offset: int) -> int:
        if not self._line_start <= offset <= self._line_end:
            self._line_start = self._text.rfind("\n", 0, offset) + 1
            end = self._text.find("\n", offset)
            self._line_end = len(self._text) if end < 0 else end
        return self._line_end - self._line_start

    def line_of(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._line = 0, 1
        self._line += self._text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line


@dataclass(frozen=True)
class PublishedFile:
    """A secret-holding file added by a commit: where, by which commit, and whether it remains."""

    path: str
    sha: str
    at_head: bool


@fact
def secret_files_in_history(snapshot: Snapshot) -> tuple[PublishedFile, ...]:
    """Secret-holding files any commit added (the first commit that added each), by path."""
    first_added: dict[str, str] = {}
    for commit in snapshot.history.commits:  # newest first: the oldest addition wins
        for path in commit.added:
            if is_secret_file(path) and not is_vendored(path) and not is_test_or_fixture(path):
                first_added[path] = commit.sha
    return tuple(
        PublishedFile(path, sha, path in snapshot.files)
        for path, sha in sorted(first_added.items())
    )
