"""detect-secrets as the detection engine: its plugins run on texts already in memory.

detect-secrets (Yelp) is used as a library, never through its settings machinery: the
plugins named in ``rules/vocabulary/hygiene.toml`` (``scanner_plugins``) are instantiated
here and only their ``analyze_string`` is called, so no plugin verifies a secret over the
network, no custom plugin is loaded from a file the repository names, and no global setting
changes. Its heuristic filters (templates, indirect references, sequential strings, UUIDs)
drop what it would drop itself.

Bounds, because a plugin's expressions are not all linear (one is quadratic in the length
of a line): only lines up to :data:`MAX_LINE` characters are scanned (longer ones are
minified or generated), a plugin runs only on lines holding one of its needles, the keyword
detector only on lines naming a credential word, and one :class:`Budget` of time is shared
by every file of an audit: past it, the rest is left to our own (linear) detectors and the
card says so. The values found stay inside the facts that call this.
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from auditor.vocabulary import records, terms

VOCABULARY = "hygiene"
#: Lines longer than this are minified or generated, and are not given to the plugins.
MAX_LINE = 500
#: The keyword detector's expressions take time cubic in a line's length: 8 ms at this one.
KEYWORD_MAX_LINE = 200
#: Seconds the plugins may take over one audit's files (the HEAD scan and the history's each).
SCAN_SECONDS = 5.0


class Budget:
    """Time left for the plugins; checked between lines, each bounded by :data:`MAX_LINE`."""

    def __init__(self, seconds: float = SCAN_SECONDS) -> None:
        self._deadline = time.monotonic() + seconds
        self.exhausted = False

    def left(self) -> bool:
        if not self.exhausted and time.monotonic() > self._deadline:
            self.exhausted = True
        return not self.exhausted


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
def _clue() -> re.Pattern[str]:
    """Any needle of a plugin, a keyword needle or a credential name: a file with none of
    them holds nothing the plugins or the name-based detectors could find (one C-speed
    search of literal alternatives, linear in the text)."""
    return re.compile("|".join(re.escape(w) for w in clue_words()))


@cache
def clue_words() -> tuple[str, ...]:
    """The lower-case words :func:`may_hold_secret` looks for, longest first."""
    words = {n for plugin in _plugins() for n in plugin.needles}
    words |= set(terms(VOCABULARY, "scanner_keyword_needles"))
    words |= {part for name in terms(VOCABULARY, "secret_key_names") for part in name.split("_")}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def may_hold_secret(lowered: str) -> bool:
    """Whether a lower-cased text holds any word the plugins or name-based detectors need."""
    return _clue().search(lowered) is not None


@cache
def _keyword_detector() -> Any:
    from detect_secrets.plugins.keyword import KeywordDetector

    return KeywordDetector()


def scan(path: str, text: str, *, keywords: bool, budget: Budget) -> Iterator[EngineHit]:
    """What detect-secrets finds in one file's text, while the budget lasts.

    ``keywords``: also run the keyword detector (``password = "…"``), which judges a value by
    the name it is given; the caller turns it off where such values are fakes.
    """
    if not budget.left():
        return
    lowered = text.lower()
    plugins = [p for p in _plugins() if not p.needles or any(n in lowered for n in p.needles)]
    words = terms(VOCABULARY, "scanner_keyword_needles")
    keyword = keywords and any(word in lowered for word in words)
    if not plugins and not keyword:
        return
    groups = _keyword_groups(path) if keyword else {}
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE:
            continue
        low = line.lower()
        for plugin in plugins:
            if plugin.needles and not any(n in low for n in plugin.needles):
                continue
            for value in plugin.detector.analyze_string(line):
                if isinstance(value, tuple):  # a findall() of a pattern with several groups
                    value = next((v for v in value if v), "")
                if value and not _filtered(value, ""):
                    yield EngineHit(number, plugin.kind, value, False)
        if (
            keyword
            and len(line) <= KEYWORD_MAX_LINE
            and any(word in low for word in words)
            and "==" not in line  # a password compared in plain text is unsafe code, judged
            and "!=" not in line  # by the lint rules
        ):
            for value in _keyword_detector().analyze_string(line, groups):
                if value and not _filtered(value, line):
                    yield EngineHit(number, "secret assigned to a credential name", value, True)
        if number % 64 == 0 and not budget.left():
            return


def _keyword_groups(path: str) -> Any:
    """The keyword detector's expressions for a file's language, as detect-secrets picks them."""
    from detect_secrets.plugins.keyword import (
        QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
        REGEX_BY_FILETYPE,
    )
    from detect_secrets.util.filetype import determine_file_type

    return REGEX_BY_FILETYPE.get(determine_file_type(path), QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)


def _filtered(value: str, line: str) -> bool:
    """What detect-secrets' own heuristic filters drop."""
    from detect_secrets.filters import heuristic

    if heuristic.is_sequential_string(value) or heuristic.is_potential_uuid(value):
        return True
    if heuristic.is_templated_secret(value) or heuristic.is_prefixed_with_dollar_sign(value):
        return True
    return bool(line) and heuristic.is_indirect_reference(line)
