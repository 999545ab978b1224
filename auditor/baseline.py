"""An earlier scorecard to compare an audit with (``auditor audit --baseline CARD.json``).

A minimal reader: the file must be a JSON scorecard of this schema version, or the command
stops with one line (exit 2) before anything is audited.
"""

from __future__ import annotations

import json
from pathlib import Path

from auditor.errors import AuditorError
from auditor.model import Scorecard

#: A card is a few megabytes at most; anything far larger is not one.
MAX_BYTES = 64 * 1024 * 1024


def load_baseline(path: Path) -> Scorecard:
    """The scorecard stored at ``path`` (``--format json``); :class:`AuditorError` when the
    file cannot be read or is not such a card."""
    from auditor.render.json import scorecard_from_dict

    try:
        if path.stat().st_size > MAX_BYTES:
            raise AuditorError(f"--baseline {path}: too large to be a scorecard")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AuditorError(f"--baseline {path}: cannot read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuditorError(f"--baseline {path}: not a JSON scorecard ({exc})") from exc
    try:
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return scorecard_from_dict(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise AuditorError(f"--baseline {path}: not a scorecard ({exc})") from exc
