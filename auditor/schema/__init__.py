"""The JSON Schema of the scorecard (``--format json``), shipped with the package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("scorecard-v1.schema.json")


def scorecard_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every ``--format json`` card validates against."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return schema
