"""The words, hosts, tools and libraries detectors match: data in ``rules/vocabulary/``.

Each vocabulary is one TOML file beside the rule packs. Its top-level ``description`` says
what it is for; every other key is a *term list*: either an array of strings, or a table
``{describe = "…", items = [...]}`` whose ``describe`` is the sentence ``auditor explain``
prints before the items. A vocabulary may also hold arrays of tables (records, such as the
technology catalogue), read with :func:`records`.

Records are described in an optional ``[record_descriptions]`` table (key -> sentence).

Files are parsed once per process, through the guarded TOML reader, and validated on first
use: a list holding anything but non-empty strings is a packaging defect, raised as
:class:`VocabularyError` (the test suite loads every list of every file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from auditor import _toml
from auditor.errors import EXIT_INTERNAL, AuditorError
from auditor.resources import rules_dir


class VocabularyError(AuditorError):
    """A vocabulary file is missing, malformed, or lacks a list a detector asks for.

    The vocabularies ship with the auditor: a broken one is the installation's fault.
    """

    exit_code = EXIT_INTERNAL


@dataclass(frozen=True)
class TermList:
    """One named list of terms and the sentence that describes it."""

    vocabulary: str
    key: str
    describe: str
    items: tuple[str, ...]


@cache
def _document(name: str) -> Mapping[str, Any]:
    path = rules_dir() / "vocabulary" / f"{name}.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise VocabularyError(f"vocabulary {name!r} is missing ({path})") from exc
    try:
        data = _toml.loads(text)
    except _toml.TOMLDecodeError as exc:
        raise VocabularyError(f"vocabulary {name!r}: not valid TOML ({exc})") from exc
    if not isinstance(data.get("description"), str):
        raise VocabularyError(f"vocabulary {name!r} has no description")
    return data


def names() -> tuple[str, ...]:
    """Every vocabulary shipped with the auditor."""
    return tuple(sorted(p.stem for p in (rules_dir() / "vocabulary").glob("*.toml")))


def description(name: str) -> str:
    """What the vocabulary ``name`` is for."""
    return str(_document(name)["description"])


@cache
def term_list(name: str, key: str) -> TermList:
    """The term list ``key`` of vocabulary ``name``, validated."""
    data = _document(name)
    if key not in data:
        raise VocabularyError(f"vocabulary {name!r} has no list {key!r}")
    value = data[key]
    describe = ""
    if isinstance(value, dict):
        describe = value.get("describe", "")
        value = value.get("items")
        if not isinstance(describe, str):
            raise VocabularyError(f"vocabulary {name!r}, {key!r}: describe must be a string")
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise VocabularyError(f"vocabulary {name!r}, {key!r}: expected a list of non-empty strings")
    return TermList(name, key, describe, tuple(value))


def terms(name: str, key: str) -> tuple[str, ...]:
    """The items of term list ``key`` of vocabulary ``name``."""
    return term_list(name, key).items


@cache
def term_set(name: str, key: str) -> frozenset[str]:
    """The items of a term list, as a set for membership tests."""
    return frozenset(terms(name, key))


@cache
def records(name: str, key: str, fields: Sequence[str]) -> tuple[Mapping[str, Any], ...]:
    """The array of tables ``key`` of vocabulary ``name``; each record may hold only ``fields``."""
    value = _document(name).get(key)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise VocabularyError(f"vocabulary {name!r}, {key!r}: expected an array of tables")
    allowed = set(fields)
    for index, record in enumerate(value):
        unknown = sorted(set(record) - allowed)
        if unknown:
            raise VocabularyError(
                f"vocabulary {name!r}, {key!r}[{index}]: unknown field(s) {', '.join(unknown)}"
            )
    return tuple(value)


def reference(ref: str) -> TermList:
    """What a rule's ``vocabulary`` entry names, as a term list for ``auditor explain``.

    ``"file:key"`` is a term list, or an array of tables shown by each record's name;
    ``"file:key[field=value]"`` keeps the records whose ``field`` is (or lists) ``value``.
    """
    name, _, rest = ref.partition(":")
    key, _, condition = rest.partition("[")
    value = _document(name).get(key)
    if not (isinstance(value, list) and _is_records(value)):
        if condition:
            raise VocabularyError(f"vocabulary {name!r}, {key!r}: only records can be filtered")
        return term_list(name, key)
    field, _, wanted = condition.rstrip("]").partition("=")
    items = []
    for record in value:
        if field:
            have = record.get(field)
            if not (have == wanted or (isinstance(have, list) and wanted in have)):
                continue
        label = next((record[k] for k in _LABELS if isinstance(record.get(k), str)), None)
        if label is None:
            raise VocabularyError(f"vocabulary {name!r}, {key!r}: a record has no name")
        items.append(label)
    if not items:
        raise VocabularyError(f"vocabulary {name!r}: no record of {key!r} matches {condition}")
    described = _document(name).get("record_descriptions", {}).get(key)
    lead = described if isinstance(described, str) else f"The {key} records"
    if field:
        lead = f"{lead.rstrip('.')}, those whose {field} is {wanted}"
    return TermList(name, key, lead, tuple(dict.fromkeys(items)))


_LABELS = ("name", "id", "label", "module")


def list_keys(name: str) -> tuple[str, ...]:
    """The keys of every term list in vocabulary ``name`` (records and description left out)."""
    data = _document(name)
    return tuple(
        key
        for key, value in data.items()
        if key not in ("description", "record_descriptions")
        and (isinstance(value, dict) or (isinstance(value, list) and not _is_records(value)))
    )


def _is_records(value: list[Any]) -> bool:
    return bool(value) and all(isinstance(v, dict) for v in value)
