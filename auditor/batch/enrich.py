"""What GitHub says about a repository, handed to the audit as :class:`HostInfo`.

The audit weighs it like any other fact (a homepage that is a live site shows the project
running, for DOC007) and reports it as ``signals.github``; no scorecard is edited after it
was scored.
"""

from __future__ import annotations

from auditor.batch.accounts import RepoMetadata
from auditor.source.snapshot import HostInfo

MAX_TEXT = 500


def host_info(meta: RepoMetadata) -> HostInfo:
    """What GitHub says about the repository, cut to sizes a card can show."""
    return HostInfo(
        full_name=meta.full_name[:MAX_TEXT],
        description=(meta.description or "")[:MAX_TEXT] or None,
        homepage=(meta.homepage or "")[:MAX_TEXT] or None,
        topics=tuple(t[:100] for t in meta.topics[:50]),
        language=(meta.language or "")[:100] or None,
        stars=meta.stars,
        fork=meta.fork,
        archived=meta.archived,
    )
