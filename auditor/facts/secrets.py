"""Suspected secrets: credentials in the files at HEAD, and secret files in the history.

Secret values never leave this module: a hit names the file, the line and the kind of
secret, nothing more. Two engines look: detect-secrets' plugins
(:mod:`auditor.facts.secret_engine`) and our own detectors for what it does not know
(config-dict assignments, environment fallbacks, .env files, private keys by content or
file name, Terraform state and plans). The judgement of context (tests, examples,
documentation, CI service containers, placeholders) is ours, in
:mod:`auditor.facts.secret_clues`. The token formats, key names and placeholder words are
data (``rules/vocabulary/hygiene.toml``). Our scans are linear in the size of the file: the
token patterns start with a literal and bound every quantifier, assignments are found at
their credential word and read backwards a bounded distance, and .env files are read line
by line.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from auditor.facts import secret_engine
from auditor.facts.secret_clues import (
    deploys,
    in_fixture_dir,
    is_ci_file,
    is_credential_setting,
    is_doc_file,
    is_env_file,
    is_literal_secret,
    is_lock_file,
    is_named_key,
    is_placeholder,
    is_placeholder_token,
    is_test_or_example,
    is_third_party,
    names_local_host,
    secret_file_kind,
    secret_key_names,
    secret_kind,
    toml_prose_lines,
)
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import records, term_set, terms

VOCABULARY = "hygiene"
#: Lines longer than this are minified or generated: only the token formats look at them.
MAX_LINE = 4_000
#: A key name longer than this is no setting anybody types.
_MAX_KEY = 64
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
#: A connection URL's password: scheme, user, ``:``, password, ``@``; the parts cannot overlap.
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]{1,20}://[^\s:/@]{1,100}:([^\s/@]{1,200})@")


#: ``os.getenv("NAME", "literal")`` and ``os.environ.get("NAME", "literal")``: the literal
#: ships to production whenever the variable is unset. Starts with a literal; all bounded.
_ENV_FALLBACK = re.compile(
    r"""(?:getenv|environ\.get)\([ \t]{0,20}["']([A-Za-z0-9_]{1,64})["'][ \t]{0,20},"""
    r"""[ \t]{0,20}(?:default[ \t]{0,5}=[ \t]{0,5})?(?:"([^"\n]{1,200})"|'([^'\n]{1,200})')"""
)

#: What a finding is, for the scoring: a credential, a private key (or personal data).
LIVE_CREDENTIAL = "live_credential"
PRIVATE_KEY = "private_key"


@dataclass(frozen=True)
class SecretHit:
    """A suspected secret: where it is and what kind, never its value.

    ``line`` is 0 when the whole file is the secret (a key named ``id_rsa``, a Terraform
    plan). ``where`` is ``head`` for the files at HEAD, ``history`` for a value only the
    history still publishes (then ``commit`` names the commit that added it).
    """

    path: str
    line: int
    kind: str
    category: str = LIVE_CREDENTIAL
    where: str = "head"
    commit: str = ""


@dataclass(frozen=True)
class Found:
    """A suspected secret inside this package: with its value, which never leaves the facts."""

    line: int
    kind: str
    value: str

    @property
    def category(self) -> str:
        return PRIVATE_KEY if "private key" in self.kind else LIVE_CREDENTIAL


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
        ["']?\]?[ \t]{{0,20}}
        (?::[ \t]{{0,20}}[a-z_][\w\[\]|., \t]{{0,60}}(?==))?   # a Python annotation
        [:=](?!=)[ \t]{{0,20}}
        (?P<value>"[^"\n]{{0,1000}}"|'[^'\n]{{0,1000}}'|[^\s"'\#;,\\]{{1,200}})""",
        re.VERBOSE,
    )


@fact
def secret_hits(snapshot: Snapshot) -> tuple[SecretHit, ...]:
    """Every suspected secret in the text files at HEAD, in path and line order."""
    hits: list[SecretHit] = []
    budget = secret_engine.Budget()
    for path in sorted(snapshot.files):
        if is_vendored(path) or in_fixture_dir(path) or is_third_party(path):
            continue
        whole = whole_file_secret(snapshot, path)
        if whole is not None:
            category = PRIVATE_KEY if whole.startswith("private key") else LIVE_CREDENTIAL
            hits.append(SecretHit(path, 0, whole, category))
            continue
        text = snapshot.text(path)
        if not text:
            continue
        hits += [
            SecretHit(path, f.line, f.kind, f.category)
            for f in scan_text(path, text, versioned=snapshot.has_history, budget=budget)
        ]
    if budget.exhausted:
        snapshot.note(
            f"detect-secrets stopped after {secret_engine.SCAN_SECONDS:.0f} s: the rest of the "
            "files were searched by the auditor's own secret detectors only"
        )
    hits.sort(key=lambda h: (h.path, h.line))
    return tuple(hits)


def whole_file_secret(snapshot: Snapshot, path: str) -> str | None:
    """The kind of secret a whole file is, by its name or its first bytes, or None.

    A private key named as one (``id_rsa``, Vagrant's ``private_key``), Terraform state
    (``*.tfstate``: plain JSON holding every resource's keys and passwords) and a saved
    Terraform plan (a zip holding that state: flagged by name or by its first entry, never
    unzipped).
    """
    entry = snapshot.files[path]
    if entry.size == 0:
        return None
    by_name = secret_file_kind(path)
    if by_name is not None:
        return by_name
    if snapshot.text(path) is None and _is_terraform_plan_zip(snapshot, path):
        return "Terraform plan (a zip holding the state)"
    return None


#: A zip's first local header: signature, 26 bytes of fields, then the first entry's name.
_ZIP_MAGIC = b"PK\x03\x04"
_PLAN_ENTRY = b"tfplan"


def _is_terraform_plan_zip(snapshot: Snapshot, path: str) -> bool:
    """Whether a binary file is a zip whose first entry is ``tfplan`` (read from its header)."""
    name = path.rpartition("/")[2].lower()
    if "." in name and not name.endswith(tuple(terms(VOCABULARY, "plan_file_suffixes"))):
        return False  # only extension-less files and the suffixes plans are saved under
    data = snapshot.blob(path)
    if not data or not data.startswith(_ZIP_MAGIC) or len(data) < 30:
        return False
    length = int.from_bytes(data[26:28], "little")
    return data[30 : 30 + length] == _PLAN_ENTRY


def scan_text(
    path: str, text: str, *, versioned: bool = True, budget: secret_engine.Budget | None = None
) -> list[Found]:
    """Every suspected secret in one file's text, one per line (our kind first).

    ``budget``: the time detect-secrets' plugins may still take (shared by an audit's files).
    """
    by_line: dict[int, Found] = {}
    for found in _scan(path, text, versioned, budget or secret_engine.Budget()):
        by_line.setdefault(found.line, found)
    return [by_line[line] for line in sorted(by_line)]


def _scan(path: str, text: str, versioned: bool, budget: secret_engine.Budget) -> Iterator[Found]:
    """Each suspected secret in one file's text, in no order, possibly twice."""
    yield from _scan_tokens(text)
    name = path.rpartition("/")[2]
    fakes = is_test_or_example(path)
    if is_env_file(name):
        # Outside git, a local .env is exactly where secrets belong: it is not published.
        if versioned and not fakes:
            yield from _scan_env(text)
        return
    lowered = text.lower()
    if not secret_engine.may_hold_secret(lowered):
        return
    suffix = name[name.rfind(".") :].lower() if name.rfind(".") > 0 else ""
    # Tests, examples, documentation and CI service containers (not a CI file that deploys)
    # hold fakes and throwaways: there only a credential's shape counts, never its name.
    # Lock files are written by tools: package names there may hold credential words.
    throwaway = is_ci_file(path) and not deploys(lowered)
    named = not (fakes or is_doc_file(path) or throwaway or is_lock_file(path))
    by_name: list[Found] = []
    if named and suffix in term_set(VOCABULARY, "config_suffixes"):
        by_name += _scan_assignments(text, python=suffix == ".py")
    if named and suffix == ".py":
        by_name += _scan_env_fallbacks(text)
    # In a TOML file a credential is a key's value (`password = "…"`); text inside a string
    # (a rule's documented example, a description) is prose, where only a credential's shape
    # counts.
    prose = toml_prose_lines(text) if suffix == ".toml" else frozenset()
    lines: list[str] = []  # split only once a finding needs its neighbours

    def demo(found: Found) -> bool:
        if not lines:
            lines.extend(text.splitlines() or [""])
        return _demo_account(lines, found)

    yield from (f for f in by_name if f.line not in prose and not demo(f))
    for found in _scan_engine(path, text, named=named, budget=budget, prose=prose):
        by_its_name = "password" in found.kind or is_named_key(found.kind)
        if not by_its_name or not demo(found):
            yield found


#: How many lines either side of a password its account's name is looked for.
_ACCOUNT_LINES = 3


def _demo_account(lines: list[str], found: Found) -> bool:
    """A password that repeats a literal written beside it (``username="demo"``,
    ``password="demo"``): a documented demo or seed account, not a credential."""
    value = found.value.strip().strip("\"'")
    if not value or found.line < 1:
        return False
    quoted = (f'"{value}"', f"'{value}'")
    near = lines[max(0, found.line - 1 - _ACCOUNT_LINES) : found.line + _ACCOUNT_LINES]
    return sum(line.count(q) for line in near for q in quoted) >= 2


def _scan_engine(
    path: str,
    text: str,
    *,
    named: bool,
    budget: secret_engine.Budget,
    prose: frozenset[int] = frozenset(),
) -> Iterator[Found]:
    """What detect-secrets finds, less placeholders, examples and local throwaways; on
    ``prose`` lines only what a credential's own shape shows."""
    for hit in secret_engine.scan(path, text, keywords=named, budget=budget):
        if hit.keyword or hit.kind == "password in a URL":
            if not named or not is_literal_secret(hit.value) or hit.line in prose:
                continue
            if hit.keyword:
                key = _line_key(text, hit.line)
                if _names_itself(key, hit.value) or is_credential_setting(_last_name(key)):
                    continue
            if hit.kind == "password in a URL" and names_local_host(text, hit.line):
                continue  # a throwaway password for a database on this machine
        elif is_placeholder_token(hit.value) or is_placeholder(hit.value):
            continue
        yield Found(hit.line, hit.kind, hit.value)


def _scan_env_fallbacks(text: str) -> Iterator[Found]:
    lines = _LineIndex(text)
    for match in _ENV_FALLBACK.finditer(text):
        key = match.group(1)
        value = match.group(2) or match.group(3) or ""
        kind = secret_kind(key)
        if kind and is_literal_secret(value):
            yield Found(
                lines.line_of(match.start()),
                f"hard-coded {kind} as an environment fallback ({key})",
                value,
            )


def _scan_tokens(text: str) -> Iterator[Found]:
    for token in token_formats():
        if not any(needle in text for needle in token.needles):
            continue
        lines = _LineIndex(text)
        for match in token.pattern.finditer(text):
            value = match.group(token.value_group)
            if token.placeholders and is_placeholder_token(value):
                continue
            yield Found(lines.line_of(match.start()), token.kind, value)


def _scan_assignments(text: str, *, python: bool) -> Iterator[Found]:
    lines = _LineIndex(text)
    for match in _assignment().finditer(text.translate(_ASCII_LOWER)):
        start = begin = match.start()
        while begin > 0 and text[begin - 1] in _KEY_CHARS and start - begin < _MAX_KEY:
            begin -= 1
        if begin > 0 and text[begin - 1] in _KEY_CHARS:
            continue  # a name longer than any real setting
        if begin > 0 and text[begin - 1] == "\\" and begin < start:
            begin += 1  # printf 'A=1\nDB_PASSWORD=…': the n is the escape's, not the name's
        if text[max(begin - 2, 0) : begin].endswith(("$", "${")):
            continue  # a shell variable reference: ${DB_PASSWORD:?unset}
        key = text[begin : start + _key_length(match.group(0))]
        value = (
            _whole_literal(text, match.start("value"))
            or text[match.start("value") : match.end("value")]
        )
        if python and value[:1] not in "\"'":
            continue  # a name or a call, not a literal
        if lines.line_length(match.start()) > MAX_LINE:
            continue  # minified or generated: left to the token formats
        kind = secret_kind(key)
        if kind and is_literal_secret(value) and not _names_itself(key, value):
            yield Found(lines.line_of(match.start()), f"hard-coded {kind} ({key})", value)


def _line_key(text: str, line: int) -> str:
    """The name assigned on a line (what stands before its first ``=`` or ``:``)."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    head = text[start : end if end != -1 else len(text)][:MAX_LINE]
    return head.split("=", 1)[0].split(":", 1)[0]


_NAME = re.compile(r"[A-Za-z0-9_.\-]+")


def _last_name(key: str) -> str:
    """The name a value is given on a line: ``app.config['MAIL_PASSWORD']`` -> MAIL_PASSWORD."""
    names = _NAME.findall(key[-_MAX_KEY:])
    return names[-1] if names else ""


def _names_itself(key: str, value: str) -> bool:
    """``PRIVATE_KEY = "private_key"``, ``TOKEN = "token"``: a constant naming a field or a
    kind, not a credential (its value is made of its own name's words)."""

    def words(text: str) -> set[str]:
        return set("".join(c if c.isalnum() else " " for c in text.lower()).split())

    found = words(value.strip("\"'"))
    return bool(found) and found <= words(key)


def _whole_literal(text: str, start: int) -> str | None:
    """The whole quoted literal that starts at ``start`` (up to its closing quote on the same
    line), or None when it is not quoted: a pattern stops at a space, a literal does not."""
    quote = text[start : start + 1]
    if quote not in ("'", '"'):
        return None
    end = text.find(quote, start + 1, start + MAX_LINE)
    newline = text.find("\n", start + 1, start + MAX_LINE)
    if end == -1 or (newline != -1 and newline < end):
        return None
    return text[start : end + 1]


def _prose(value: str) -> bool:
    """A value of several words ('this should not be shared', 'development key') is a
    placeholder someone wrote for people, not a generated credential."""
    return len(value.strip("\"' ").split()) >= 2


def _key_length(matched: str) -> int:
    """Where the credential word at the start of a match ends."""
    for index, char in enumerate(matched):
        if char not in _KEY_CHARS:
            return index
    return len(matched)


def _scan_env(text: str) -> Iterator[Found]:
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE:
            continue
        assignment = _env_assignment(line)
        if assignment is None:
            continue
        key, value = assignment
        url = _URL_PASSWORD.search(value)
        if url is not None and not is_placeholder(url.group(1)):
            kind = f"password in a connection URL in a committed .env file ({key})"
            yield Found(number, kind, url.group(1))
        elif secret_kind(key, env=True) and not is_placeholder(value) and not _prose(value):
            yield Found(number, f"value in a committed .env file ({key})", value)


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
