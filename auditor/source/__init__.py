"""Reading a repository: the safe git runner, the snapshot, history and Python modules."""

from auditor.source.snapshot import FileEntry, Limits, Snapshot, fact, is_vendored

__all__ = ["FileEntry", "Limits", "Snapshot", "fact", "is_vendored"]
