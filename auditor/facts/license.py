"""The repository's license: the files at the root, what they are, what a manifest declares.

License file names and the phrases that identify each license are data:
``rules/vocabulary/licenses.toml``. Identification is a substring test on the collapsed,
lower-case text, linear in its length.
"""

from __future__ import annotations

import configparser
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from auditor import _toml
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import VocabularyError, records, terms

VOCABULARY = "licenses"

#: Where a license names itself: phrases marked ``title_only`` are looked for only here.
TITLE_REGION_CHARS = 600
#: setup.cfg lines longer than this are dropped before configparser reads the file (its
#: cost grows with the square of a line of spaces); no real setting is that long.
MAX_INI_LINE_CHARS = 4_000
MAX_DECLARED_CHARS = 80
#: A license file this short whose text is no known license is a placeholder ("MIT", "TODO").
MIN_LICENSE_CHARS = 200


@dataclass(frozen=True)
class SpdxPhrases:
    """An SPDX identifier and the phrases that must all appear in its license text."""

    spdx: str
    phrases: tuple[str, ...]
    title_only: bool


@cache
def spdx_phrases() -> tuple[SpdxPhrases, ...]:
    """The license identification table, in the order it is tried."""
    table = []
    for record in records(VOCABULARY, "spdx", ("id", "phrases", "title_only")):
        spdx, phrases = record.get("id"), record.get("phrases")
        if not isinstance(spdx, str) or not isinstance(phrases, list) or not phrases:
            raise VocabularyError(f"vocabulary {VOCABULARY!r}: spdx records need id and phrases")
        table.append(SpdxPhrases(spdx, tuple(map(str, phrases)), bool(record.get("title_only"))))
    return tuple(table)


def spdx_of(text: str) -> str | None:
    """The SPDX identifier of a license text, from phrases distinctive of each license."""
    flat = " ".join(text.lower().split())
    head = flat[:TITLE_REGION_CHARS]
    for entry in spdx_phrases():
        region = head if entry.title_only else flat
        if all(phrase in region for phrase in entry.phrases):
            return entry.spdx
    return None


@dataclass(frozen=True)
class LicenseInfo:
    """The license files at the root, what they are, and any license a manifest declares."""

    files: tuple[str, ...]
    spdx: str | None  # "MIT", "MIT OR Apache-2.0" for dual licenses, None when unrecognised
    declared: str | None  # from pyproject.toml or setup.cfg
    declared_in: str | None
    elsewhere: tuple[str, ...]  # license files below the root
    #: Root license files that are empty or placeholders (an unfilled template, "TODO"),
    #: each with what gives it away; they are not in ``files``.
    placeholders: tuple[tuple[str, str], ...] = ()


def placeholder_of(text: str, spdx: str | None) -> str | None:
    """Why a license file's text is no license (empty, a few bytes, an unfilled template),
    or None for a real one."""
    stripped = text.strip()
    if not stripped:
        return "empty"
    if spdx is None and len(stripped) < MIN_LICENSE_CHARS:
        return f"only {len(stripped)} characters"
    head = " ".join(stripped[:TITLE_REGION_CHARS].lower().split())
    words = " " + " ".join("".join(c if c.isalnum() else " " for c in head).split()) + " "
    for marker in terms(VOCABULARY, "placeholder_markers"):
        # A marker of words matches whole words ("todo", not the "todos" of a Spanish text).
        plain = all(c.isalnum() or c == " " for c in marker)
        if (f" {marker} " in words) if plain else (marker in head):
            return f"it holds the placeholder {marker!r}"
    return None


def is_license_name(name: str) -> bool:
    """Whether a file name is a license file's (LICENSE, COPYING.txt, LICENSE-MIT…)."""
    stems = terms(VOCABULARY, "license_file_stems")
    stem = name.lower().split(".")[0]
    return stem in stems or stem.startswith(tuple(f"{s}-" for s in stems))


@fact
def license_info(snapshot: Snapshot) -> LicenseInfo:
    """The repository's license, read once for the rule and the signals."""
    stems = terms(VOCABULARY, "license_file_stems")
    files = sorted(
        (p for p in snapshot.files if "/" not in p and is_license_name(p)),
        key=lambda p: (p.lower().split(".")[0] not in stems, len(p), p),
    )
    ids = []
    real: list[str] = []
    placeholders: list[tuple[str, str]] = []
    for path in files:
        text = snapshot.text(path)
        spdx = spdx_of(text or "")
        # A binary or oversized file is not read: it is not judged a placeholder either.
        why = placeholder_of(text, spdx) if text is not None else None
        if why is not None:
            placeholders.append((path, why))
            continue
        real.append(path)
        if spdx is not None and spdx not in ids:
            ids.append(spdx)
    elsewhere = sorted(
        p
        for p, e in snapshot.files.items()
        if "/" in p and is_license_name(e.name) and not is_vendored(p)
    )
    declared, declared_in = _declared_license(snapshot)
    return LicenseInfo(
        files=tuple(real),
        spdx=" OR ".join(ids) if ids else None,
        declared=declared,
        declared_in=declared_in,
        elsewhere=tuple(elsewhere),
        placeholders=tuple(placeholders),
    )


def _declared_license(snapshot: Snapshot) -> tuple[str | None, str | None]:
    """A license named in pyproject.toml ([project] or [tool.poetry]) or setup.cfg."""
    text = snapshot.text("pyproject.toml")
    if text:
        declared = _pyproject_license(text)
        if declared:
            return declared, "pyproject.toml"
    text = snapshot.text("setup.cfg")
    if text:
        declared = _setup_cfg_license(text)
        if declared:
            return declared, "setup.cfg"
    return None, None


def _pyproject_license(text: str) -> str | None:
    try:
        data: Mapping[str, Any] = _toml.loads(text)
    except (_toml.TOMLDecodeError, ValueError):
        return None
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    for table in (data.get("project"), poetry):
        if isinstance(table, dict):
            value = table.get("license")
            if isinstance(value, dict):
                value = value.get("text") or value.get("file")
            if isinstance(value, str) and value.strip():
                return value.strip()[:MAX_DECLARED_CHARS]
    return None


def _setup_cfg_license(text: str) -> str | None:
    bounded = "\n".join(line for line in text.splitlines() if len(line) <= MAX_INI_LINE_CHARS)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(bounded)
        value = parser.get("metadata", "license", fallback="").strip()
    except configparser.Error:
        return None
    return value[:MAX_DECLARED_CHARS] or None
