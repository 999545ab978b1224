"""A shields.io endpoint badge, so a README can show its own score.

Commit the output (for example as ``.github/badge.json``) and point shields.io at its raw
URL: ``https://img.shields.io/endpoint?url=<raw URL of the file>``.
"""

from __future__ import annotations

import json
from typing import Any

from auditor.model import Scorecard

LABEL = "portfolio score"
#: shields.io's named colours by grade; an unknown grade (a custom pack) is grey.
GRADE_COLORS = {"A": "brightgreen", "B": "green", "C": "yellow", "D": "orange", "F": "red"}


def scorecard_to_badge(card: Scorecard) -> dict[str, Any]:
    return {
        "schemaVersion": 1,
        "label": LABEL,
        "message": f"{card.score:.1f}/100 ({card.grade})",
        "color": GRADE_COLORS.get(card.grade, "lightgrey"),
    }


def render_badge(card: Scorecard) -> str:
    return json.dumps(scorecard_to_badge(card), indent=2, ensure_ascii=True) + "\n"
