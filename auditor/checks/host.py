"""What the repository's host says about it, as measured signals (nothing scores them).

Present only when the audit was given host metadata (batch mode, an audit by URL): the
description, homepage, topics, language and stars GitHub reports, beside the signals the
auditor measured itself.
"""

from __future__ import annotations

from typing import Any

from auditor.checks.registry import signal_group
from auditor.facts.links import live_homepage
from auditor.source.snapshot import Snapshot


@signal_group("github")
def host_signals(snapshot: Snapshot) -> dict[str, Any] | None:
    """GitHub's facts about the repository, or None when the audit has none."""
    host = snapshot.host
    if host is None:
        return None
    return {
        "full_name": host.full_name,
        "description": host.description,
        "homepage": live_homepage(snapshot),
        "topics": list(host.topics),
        "language": host.language,
        "stars": host.stars,
        "fork": host.fork,
        "archived": host.archived,
    }
