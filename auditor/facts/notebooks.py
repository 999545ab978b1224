"""Committed Jupyter notebooks: how many code cells, whether they show outputs, in what order.

Each notebook is read once as JSON (a notebook that cannot be read says why, never raises).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.facts.stack import ignored
from auditor.source.snapshot import Snapshot, fact


@dataclass(frozen=True)
class Notebook:
    """What a committed Jupyter notebook shows."""

    path: str
    code_cells: int
    with_outputs: int  # code cells that carry an output
    in_order: bool  # executed top to bottom: execution counts 1, 2, 3… down the page
    error: str | None = None  # why it could not be read


@fact
def notebooks(snapshot: Snapshot) -> tuple[Notebook, ...]:
    """Every committed notebook (checkpoints and vendored folders left out), parsed once."""
    return tuple(
        _read_notebook(path, snapshot.text(path))
        for path in sorted(snapshot.files)
        if path.lower().endswith(".ipynb") and not ignored(path)
    )


def _read_notebook(path: str, text: str | None) -> Notebook:
    if text is None:
        return Notebook(path, 0, 0, False, "too large or not text")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return Notebook(path, 0, 0, False, f"not valid JSON ({exc})")
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return Notebook(path, 0, 0, False, "no cells")
    code = [c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    with_outputs = sum(1 for c in code if c.get("outputs"))
    counts = [c.get("execution_count") for c in code if "".join(_source(c)).strip()]
    in_order = bool(counts) and counts == list(range(1, len(counts) + 1))
    return Notebook(path, len(code), with_outputs, in_order)


def _source(cell: Mapping[str, Any]) -> list[str]:
    source = cell.get("source", "")
    if isinstance(source, str):
        return [source]
    return [s for s in source if isinstance(s, str)] if isinstance(source, list) else []
