"""TOML reading on every supported Python: ``tomllib`` from 3.11, ``tomli`` before."""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError


def loads(text: str) -> dict[str, Any]:
    """Parse TOML text; raises :class:`TOMLDecodeError` on bad syntax.

    The parser recurses once per level of nested arrays and inline tables, so a file nested
    a few thousand levels deep (a repository's ``pyproject.toml`` is untrusted) is bad syntax
    too, not a :class:`RecursionError`.
    """
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except RecursionError:
        raise TOMLDecodeError("arrays or inline tables nested too deeply") from None
    return data
