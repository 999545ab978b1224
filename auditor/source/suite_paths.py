"""Which paths hold test code, and which code tests are expected to cover.

One answer for every rule that asks, by the conventions pytest and unittest use; the folder
names, prefixes and suffixes are data (``rules/vocabulary/testing.toml``). This module imports
nothing of the auditor but the vocabulary loader, so that the source layer can classify the
files it parses with it without an import cycle.
"""

from __future__ import annotations

from functools import cache

from auditor.vocabulary import term_set, terms

VOCABULARY = "testing"


@cache
def _set(key: str) -> frozenset[str]:
    return term_set(VOCABULARY, key)


@cache
def _tuple(key: str) -> tuple[str, ...]:
    return terms(VOCABULARY, key)


def is_test_path(path: str) -> bool:
    """Whether a path is test code: a test file name, or anywhere inside a test folder."""
    parts = path.split("/")
    name = parts[-1]
    if name.startswith(_tuple("test_file_prefixes")) or name.endswith(_tuple("test_file_suffixes")):
        return True
    if name in _set("test_support_files"):
        return True
    folders = _set("test_dirs")
    return any(part in folders for part in parts[:-1])


def expects_tests(path: str) -> bool:
    """Whether a non-test Python file is code that tests are expected to cover."""
    parts = path.split("/")
    untested = _set("untested_dirs")
    return parts[-1] not in _set("untested_files") and not any(p in untested for p in parts[:-1])


__all__ = ["expects_tests", "is_test_path"]
