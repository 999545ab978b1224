"""Arbitrary input never breaks the parsers that read what a repository or a recruiter wrote.

Hypothesis feeds arbitrary text, bytes and structures to the README parser, the commit-log
parser and the rule-pack loader. The README and commit-log parsers never raise: anything
they read is a document or a commit, however odd. The rule-pack loader raises only its
documented :class:`~auditor.errors.RulePackError` (one line, exit code 2).
"""

from __future__ import annotations

import math
import secrets
import string
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from auditor import _toml
from auditor.errors import RulePackError
from auditor.resources import rules_dir
from auditor.rulepack import RulePack, load_pack
from auditor.source.history import LATEST_TIMESTAMP, _parse_record, _split_records, _timestamp
from auditor.source.readme import ReadmeDocument, parse_readme
from auditor.source.snapshot import decode_text

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Characters Markdown, reStructuredText and HTML give a meaning to, and some that break
#: naive line handling, mixed with everything else Unicode has.
MARKUP = "#*_`~[]()!<>|:=-+.\\/\"'&;{}^$ \t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
markup_text = st.text(alphabet=st.sampled_from(MARKUP) | st.characters(), max_size=2000)
README_PATHS = st.sampled_from(
    ["README.md", "README.markdown", "README.rst", "README.txt", "README", "docs/readme.MD"]
)


def _check_document(document: ReadmeDocument, text: str) -> None:
    assert document.words >= 0
    lines = len(text.splitlines()) + 2
    for heading in document.headings:
        assert 0 <= heading.line <= lines
        assert 1 <= heading.level <= 6 or document.format == "rst"


@FAST
@given(path=README_PATHS, text=markup_text)
@example(path="README.md", text="[" * 30_000)
@example(path="README.md", text="<h1>" * 5000 + "\n")
@example(path="README.rst", text="Title\n=====\n\n.. image:: x\n   :target:\n")
@example(path="README.md", text="```\n" + "> " * 5000 + "\n")
@example(path="README.txt", text="\r\r\r# x\u2028y\u0085z")
def test_the_readme_parser_reads_any_text(path: str, text: str) -> None:
    _check_document(parse_readme(path, text), text)


@FAST
@given(path=README_PATHS, data=st.binary(max_size=2000))
@example(path="README.md", data=b"\xff\xfe#\x00 \x00x\x00")
@example(path="README.md", data=b"\xef\xbb\xbf\xff\xc3\x28# t")
def test_the_readme_parser_reads_any_bytes_a_repository_holds(path: str, data: bytes) -> None:
    text = decode_text(data)
    assume(text is not None)  # binary files are never parsed
    assert text is not None
    _check_document(parse_readme(path, text), text)


# ------------------------------------------------------------------------------ commit log

MARKER = b"\x1e" + secrets.token_hex(12).encode("ascii")


@FAST
@given(
    record=st.binary(max_size=3000), max_message=st.integers(0, 500), max_paths=st.integers(0, 5)
)
@example(record=b"\x00" * 10, max_message=10, max_paths=1)
@example(record=b"sha\x00p1 p2\x00\xff\x00\x00-1\x00msg\x00\x00A\x00", max_message=1, max_paths=0)
@example(record=b"s\x00\x00n\x00e\x0099999999999999999999\x00m\x00", max_message=5, max_paths=5)
def test_the_commit_parser_reads_any_record(
    record: bytes, max_message: int, max_paths: int
) -> None:
    commit = _parse_record(record, max_message, max_paths)

    assert len(commit.message.encode("utf-8")) <= 3 * max_message
    assert len(commit.added) <= max_paths
    assert commit.added_count <= commit.changed_count
    assert 0 <= commit.timestamp <= LATEST_TIMESTAMP
    datetime.fromtimestamp(commit.timestamp)  # every date a commit carries can be shown


@FAST
@given(
    pieces=st.lists(st.binary(max_size=60) | st.just(MARKER), max_size=30),
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=5),
    limit=st.integers(1, 200),
)
def test_record_splitting_keeps_every_byte_within_the_bound(
    pieces: list[bytes], sizes: list[int], limit: int
) -> None:
    stream = b"".join(pieces)
    chunks, start = [], 0
    while start < len(stream):
        size = sizes[len(chunks) % len(sizes)]
        chunks.append(stream[start : start + size])
        start += size

    records = list(_split_records(chunks, MARKER, limit))

    assert records == [part[:limit] for part in stream.split(MARKER) if part]


_NAME = st.binary(max_size=40).filter(lambda b: b"\x00" not in b)


@st.composite
def commits(draw: st.DrawFn) -> tuple[bytes, dict[str, Any]]:
    """One ``git log -z --name-status`` record, as git writes it, and what it says."""
    sha = draw(st.text("0123456789abcdef", min_size=40, max_size=40))
    parents = draw(st.lists(st.text("0123456789abcdef", min_size=40, max_size=40), max_size=3))
    name, email = draw(_NAME), draw(_NAME)
    when = draw(st.integers(0, LATEST_TIMESTAMP))
    message = draw(st.binary(max_size=200).filter(lambda b: b"\x00" not in b))
    changes = draw(
        st.lists(st.tuples(st.sampled_from([b"A", b"M", b"D", b"T"]), _NAME.filter(bool)))
    )
    record = b"\x00".join(
        [sha.encode(), " ".join(parents).encode(), name, email, str(when).encode(), message]
    )
    record += b"\x00\n" + b"".join(status + b"\x00" + path + b"\x00" for status, path in changes)
    facts = {
        "sha": sha,
        "parents": tuple(parents),
        "when": when,
        "added": [p for s, p in changes if s == b"A"],
        "changed": len(changes),
    }
    return record, facts


@FAST
@given(commit=commits())
def test_the_commit_parser_reads_back_what_git_wrote(commit: tuple[bytes, dict[str, Any]]) -> None:
    record, facts = commit

    parsed = _parse_record(record, 10_000, 10_000)

    assert parsed.sha == facts["sha"]
    assert parsed.parents == facts["parents"]
    assert parsed.timestamp == facts["when"]
    assert parsed.changed_count == facts["changed"]
    assert parsed.added == tuple(p.decode("utf-8", "replace") for p in facts["added"])


@FAST
@given(raw=st.binary(max_size=30) | st.from_regex(rb"\A\s*-?[0-9]{0,25}\s*\Z"))
def test_any_commit_date_is_a_date_a_calendar_can_show(raw: bytes) -> None:
    seconds = _timestamp(raw)

    shown = datetime.fromtimestamp(seconds, tz=timezone.utc)

    assert isinstance(seconds, int)
    assert shown.timestamp() == seconds


# ------------------------------------------------------------------------------ rule packs


def _toml_string(text: str) -> str:
    escaped = []
    for ch in text:
        if ch in '"\\':
            escaped.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            escaped.append(f"\\u{ord(ch):04x}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{_toml_string(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(type(value))


def toml_document(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> str:
    """``data`` as TOML: scalars and arrays first, then each table under its own header."""
    lines = [
        f"{_toml_string(str(k))} = {_toml_value(v)}" for k, v in data.items() if not _is_table(v)
    ]
    for key, value in data.items():
        if _is_table(value):
            header = ".".join(_toml_string(part) for part in (*prefix, str(key)))
            lines.append(f"\n[{header}]")
            lines.append(toml_document(value, (*prefix, str(key))))
    return "\n".join(lines)


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["", "DOC001", "default", "readme_sections", "A", "../x.toml", "TST"])
    | st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 1, 1))
)
_VALUES = st.recursive(
    _SCALARS.filter(lambda v: v is not None),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _default_pack_data() -> dict[str, Any]:
    return _toml.loads((rules_dir() / "default.toml").read_text("utf-8"))


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _load(tmp: Path, text: str) -> RulePack | None:
    pack = tmp / "pack.toml"
    pack.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        return load_pack(str(pack))
    except RulePackError as exc:
        message = str(exc)
        assert "\n" not in message.strip(), message
        return None


@FAST
@given(text=st.text(max_size=1500) | st.sampled_from(["[rules.DOC001]\ncheck = 1", "x = [" * 3000]))
@example(text="a = " + "[" * 5000 + "]" * 5000)
@example(text="a = " + "{b = " * 3000 + "1" + "}" * 3000)
@example(text="[pack]\nextends = 'pack.toml'\n")
def test_a_rule_pack_of_any_text_loads_or_fails_with_one_line(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    _load(tmp_path_factory.mktemp("pack"), text)


@FAST
@given(data=st.data())
def test_a_mutated_default_pack_loads_or_fails_with_one_line(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    pack = _default_pack_data()
    paths = _paths(pack)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        path = data.draw(st.sampled_from(paths), label="path")
        parent = pack
        try:
            for part in path[:-1]:
                parent = parent[part]
            if data.draw(st.booleans(), label="delete"):
                del parent[path[-1]]
            else:
                parent[path[-1]] = data.draw(_VALUES, label="value")
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path

    _load(tmp_path_factory.mktemp("pack"), toml_document(pack))


def test_the_toml_writer_round_trips_the_default_pack() -> None:
    pack = _default_pack_data()

    assert _toml.loads(toml_document(pack)) == pack


@FAST
@given(data=st.dictionaries(st.text(string.ascii_letters, max_size=5), _VALUES, max_size=5))
def test_the_toml_writer_round_trips_any_table(data: dict[str, Any]) -> None:
    parsed = _toml.loads(toml_document(data))

    assert set(parsed) == set(data)
