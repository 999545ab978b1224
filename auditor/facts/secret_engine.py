"""detect-secrets as the detection engine: its plugins run on texts already in memory.

detect-secrets (Yelp) is used as a library, never through its settings machinery: the
plugins named in ``rules/vocabulary/hygiene.toml`` (``scanner_plugins``) are instantiated
here and only their ``analyze_string`` is called, so no plugin verifies a secret over the
network, no custom plugin is loaded from a file the repository names, and no global setting
changes. Its heuristic filters (templates, indirect references, sequential strings, UUIDs)
drop what it would drop itself.

Bounds, because a plugin's expressions are not all linear: only lines up to
:data:`MAX_LINE` characters are scanned (longer ones are minified or generated), a plugin
runs on a file only when one of its needles appears in it, and the keyword detector only on
lines naming a credential word. The values found stay inside the facts that call this.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from auditor.vocabulary import records, terms

VOCABULARY = "hygiene"
#: Lines longer than this are minified or generated, and are not given to the plugins.
MAX_LINE = 1_000


@dataclass(frozen=True)
class EngineHit:
    """One value a plugin found: its line (1-based), kind and the value, for the caller to
    judge. The value must never leave the facts."""

    line: int
    kind: str
    value: str
    keyword: bool  # found by the keyword detector (a name), not by a token's shape


@dataclass(frozen=True)
class _Plugin:
    kind: str
    needles: tuple[str, ...]
    detector: Any


@cache
def _plugins() -> tuple[_Plugin, ...]:
    """The token-format plugins of the vocabulary, instantiated once."""
    module = importlib.import_module("detect_secrets.plugins")
    found = []
    for record in records(VOCABULARY, "scanner_plugins", ("name", "kind", "needles")):
        module_name, _, class_name = str(record["name"]).rpartition(".")
        cls = getattr(importlib.import_module(f"{module.__name__}.{module_name}"), class_name)
        needles = tuple(str(n).lower() for n in record["needles"])
        found.append(_Plugin(str(record["kind"]), needles, cls()))
    return tuple(found)


@cache
def _keyword_detector() -> Any:
    from detect_secrets.plugins.keyword import KeywordDetector

    return KeywordDetector()


def scan(path: str, text: str, *, keywords: bool) -> Iterator[EngineHit]:
    """What detect-secrets finds in one file's text.

    ``keywords``: also run the keyword detector (``password = "…"``), which judges a value by
    the name it is given; the caller turns it off where such values are fakes.
    """
    lines = [line if len(line) <= MAX_LINE else "" for line in text.splitlines()]
    lowered = text.lower()
    kept = "\n".join(lines)
    for plugin in _plugins():
        if plugin.needles and not any(n in lowered for n in plugin.needles):
            continue
        for value in plugin.detector.analyze_string(kept):
            if isinstance(value, tuple):  # a findall() of a pattern with several groups
                value = next((v for v in value if v), "")
            if value and not _filtered(value, ""):
                yield from _locate(lines, value, plugin.kind)
    if keywords:
        yield from _keyword_hits(path, lines)


def _keyword_hits(path: str, lines: list[str]) -> Iterator[EngineHit]:
    from detect_secrets.plugins.keyword import (
        QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
        REGEX_BY_FILETYPE,
    )
    from detect_secrets.util.filetype import determine_file_type

    words = terms(VOCABULARY, "scanner_keyword_needles")
    groups = REGEX_BY_FILETYPE.get(
        determine_file_type(path), QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP
    )
    detector = _keyword_detector()
    for number, line in enumerate(lines, start=1):
        lowered = line.lower()
        if not any(word in lowered for word in words):
            continue
        if "==" in line or "!=" in line:
            continue  # a password compared in plain text: unsafe code, judged by the lint rules
        for value in detector.analyze_string(line, groups):
            if value and not _filtered(value, line):
                yield EngineHit(number, "secret assigned to a credential name", value, True)


def _locate(lines: list[str], value: str, kind: str) -> Iterator[EngineHit]:
    """The lines a value found in the joined text lies on."""
    for number, line in enumerate(lines, start=1):
        if value in line:
            yield EngineHit(number, kind, value, False)


def _filtered(value: str, line: str) -> bool:
    """What detect-secrets' own heuristic filters drop."""
    from detect_secrets.filters import heuristic

    if heuristic.is_sequential_string(value) or heuristic.is_potential_uuid(value):
        return True
    if heuristic.is_templated_secret(value) or heuristic.is_prefixed_with_dollar_sign(value):
        return True
    return bool(line) and heuristic.is_indirect_reference(line)
