"""The languages the auditor reads, behind one seam (pre-commit's ``Language`` is the model).

A language says which files are its own (:meth:`Language.matches`) and summarises one of
them (:meth:`Language.summarise`) into the neutral
:class:`~auditor.source.languages.summary.ModuleSummary` the checks read. Adding a language
is one module holding a class that satisfies :class:`Language`, and one entry in
:data:`LANGUAGES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol

from auditor.source.languages.python import PYTHON
from auditor.source.languages.summary import ModuleSummary


class Language(Protocol):
    """A programming language the auditor can summarise."""

    @property
    def name(self) -> str:
        """A short lower-case name: "python"."""
        ...

    def matches(self, path: str) -> bool:
        """Whether the file at ``path`` is written in this language."""
        ...

    def summarise(self, path: str, text: str) -> ModuleSummary:
        """Read one file's text; a file the language cannot parse gets its line counts."""
        ...


#: Every language the auditor reads, by name.
LANGUAGES: Mapping[str, Language] = MappingProxyType({PYTHON.name: PYTHON})


def language_of(path: str) -> Language | None:
    """The language a file is written in, or None when the auditor reads none of its kind."""
    return next((language for language in LANGUAGES.values() if language.matches(path)), None)
