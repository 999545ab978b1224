"""Where the rule packs and report templates are, however the auditor was installed.

In a wheel they are copied into the package (``auditor/_data/``); in a source checkout and an
editable install they are the top-level ``rules/`` and ``reports/templates/`` folders beside
the package. Both are looked up here, in that order, and nowhere else.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def rules_dir() -> Path:
    """The folder of the shipped rule packs (``default.toml`` and the role profiles)."""
    return _find("rules", "rules")


@cache
def templates_dir() -> Path:
    """The folder of the shipped Jinja2 report templates."""
    return _find("templates", "reports/templates")


def _find(packaged: str, checkout: str) -> Path:
    for candidate in (_PACKAGE / "_data" / packaged, _PACKAGE.parent / checkout):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"the auditor's {checkout}/ folder is missing from this installation")
