"""An earlier card to compare an audit with (``auditor audit --baseline CARD.json``).

Only a JSON card this auditor wrote is a baseline: anything else is refused with one line
before the repository is read, so a comparison never rests on a file that is not a card.
"""

from __future__ import annotations

import json
from pathlib import Path

from auditor.errors import AuditorError
from auditor.model import Scorecard
from auditor.source.git import shown

#: A card is a few hundred KiB; a baseline past this is not read.
MAX_BASELINE_BYTES = 64 << 20


class BaselineError(AuditorError):
    """The ``--baseline`` file is not a card this auditor can compare with."""


def load_baseline(path: Path) -> Scorecard:
    """The scorecard stored in ``path`` (``--format json``, or ``scorecard.json`` of the
    Action). Raises :class:`BaselineError` with one line naming the file otherwise."""
    from auditor.render.json import SCHEMA_VERSION, scorecard_from_dict

    name = shown(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BASELINE_BYTES + 1)
    except OSError as exc:
        raise BaselineError(f"--baseline {name}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BASELINE_BYTES:
        raise BaselineError(
            f"--baseline {name}: over {MAX_BASELINE_BYTES >> 20} MiB, not a card"
        ) from None
    hint = "give a card written with --format json (or the Action's scorecard.json)"
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise BaselineError(f"--baseline {name}: not JSON, so not a card; {hint}") from None
    if not isinstance(data, dict) or "schema_version" not in data or "findings" not in data:
        raise BaselineError(f"--baseline {name}: JSON but not a scorecard; {hint}")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise BaselineError(
            f"--baseline {name}: a card of schema_version {shown(str(data.get('schema_version')))}"
            f", this auditor reads {SCHEMA_VERSION}"
        )
    try:
        return scorecard_from_dict(data)
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise BaselineError(f"--baseline {name}: a damaged card ({shown(str(exc))})") from None
