"""The technology catalogue: ``rules/vocabulary/technologies.toml``, loaded and validated.

One catalogue for every rule that asks what a project is built with: the role profiles
(``uses_technology``, ``--profile auto``) and the substance rules (SUB002's databases, SUB003's
interfaces, SUB004's logging) read the same records, so they cannot disagree about whether
Graphene is a web framework. Each technology belongs to one *kind* (``web``, ``orm``…); the
kinds and their descriptions live in the same file. A record naming an unknown kind, an
unknown field or a regular expression that does not compile is a packaging defect, raised as
:class:`~auditor.vocabulary.VocabularyError` on first use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from auditor.vocabulary import VocabularyError, records

VOCABULARY = "technologies"

# Where an import counts: in source code, in test code, or in either.
SOURCE, TESTS, ANYWHERE = "source", "tests", "anywhere"

_TECHNOLOGY_FIELDS = ("name", "kind", "modules", "packages", "files", "ci", "where")


@dataclass(frozen=True)
class Technology:
    """A library, tool or file convention, and how to recognise it."""

    name: str
    kind: str
    modules: tuple[str, ...] = ()  # imports (a module or anything inside it)
    packages: tuple[str, ...] = ()  # distribution names declared in a manifest
    files: str | None = None  # a regular expression over "/" + the lower-case path
    ci: str | None = None  # a regular expression over the commands CI runs
    where: str = SOURCE  # which imports count


@cache
def kinds() -> Mapping[str, str]:
    """Every kind of technology (in catalogue order), with the words messages use for it."""
    found: dict[str, str] = {}
    for index, record in enumerate(records(VOCABULARY, "kind", ("id", "describe"))):
        kind, describe = record.get("id"), record.get("describe")
        if not isinstance(kind, str) or not kind or not isinstance(describe, str) or not describe:
            raise VocabularyError(f"{VOCABULARY}: kind[{index}] needs an id and a describe")
        if kind in found:
            raise VocabularyError(f"{VOCABULARY}: kind {kind!r} is listed twice")
        found[kind] = describe
    return found


def _strings(record: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = record.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise VocabularyError(f"{where}: {key!r} must be a list of non-empty strings")
    return tuple(value)


def _pattern(record: Mapping[str, Any], key: str, where: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise VocabularyError(f"{where}: {key!r} must be a regular expression")
    try:
        re.compile(value)
    except re.error as exc:
        raise VocabularyError(f"{where}: {key!r} is not a regular expression ({exc})") from exc
    return value


def _technology(index: int, record: Mapping[str, Any]) -> Technology:
    where = f"{VOCABULARY}: technology[{index}] ({record.get('name', '?')})"
    name, kind = record.get("name"), record.get("kind")
    if not isinstance(name, str) or not name:
        raise VocabularyError(f"{where}: needs a name")
    if kind not in kinds():
        raise VocabularyError(f"{where}: unknown kind {kind!r} (known: {', '.join(kinds())})")
    modules = _strings(record, "modules", where)
    if "packages" in record:
        packages = _strings(record, "packages", where)
    else:  # by default a library's distribution is named like its top-level module
        packages = tuple(dict.fromkeys(m.split(".", 1)[0].replace("_", "-") for m in modules))
    scope = record.get("where", SOURCE)
    if scope not in (SOURCE, TESTS, ANYWHERE):
        raise VocabularyError(f"{where}: 'where' must be {SOURCE}, {TESTS} or {ANYWHERE}")
    files, ci = _pattern(record, "files", where), _pattern(record, "ci", where)
    if not (modules or packages or files or ci):
        raise VocabularyError(f"{where}: gives no way to recognise it")
    return Technology(str(name), str(kind), modules, packages, files, ci, str(scope))


@cache
def catalogue() -> tuple[Technology, ...]:
    """Every technology of the catalogue, validated. A technology may have two kinds (SQLite
    is a database and SQL): it then has one record per kind."""
    return tuple(
        _technology(index, record)
        for index, record in enumerate(records(VOCABULARY, "technology", _TECHNOLOGY_FIELDS))
    )


@cache
def of_kinds(*wanted: str) -> tuple[Technology, ...]:
    """The technologies of the given kinds, in catalogue order."""
    unknown = [k for k in wanted if k not in kinds()]
    if unknown:
        raise VocabularyError(f"{VOCABULARY}: no kind(s) {', '.join(unknown)}")
    return tuple(t for t in catalogue() if t.kind in wanted)


@cache
def modules_of(*wanted: str) -> tuple[str, ...]:
    """The import names that show a technology of the given kinds, in catalogue order."""
    return tuple(dict.fromkeys(m for t in of_kinds(*wanted) for m in t.modules))
