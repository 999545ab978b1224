"""Where a symbolic link in the tree points, when it points inside the tree.

Links are never followed on disk. A link committed to git is a blob holding its target's
path; when that path, taken from the link's folder, names a regular file of the same tree,
the file is what GitHub shows for the link (a ``README.rst`` linked to ``docs/index.rst``).
Anything that leaves the tree, is absolute, or is another link is no target.
"""

from __future__ import annotations

import os
import posixpath

from auditor.source.snapshot import Snapshot

#: A link's target is a path: longer than this it is not one.
MAX_TARGET = 4096


def link_target(snapshot: Snapshot, path: str) -> str | None:
    """The regular file of the tree that the link ``path`` names, or None."""
    raw = _target_text(snapshot, path)
    if not raw or raw.startswith("/") or "\x00" in raw:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), raw))
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    return joined if joined in snapshot.files else None


def _target_text(snapshot: Snapshot, path: str) -> str | None:
    oid = snapshot.link_oids.get(path)
    if oid is not None and snapshot.git is not None:
        data = snapshot.git.read_blobs([oid]).get(oid, b"")
        return data[:MAX_TARGET].decode("utf-8", "replace").strip() or None
    if snapshot.kind == "directory" and path in snapshot.symlinks:
        try:
            return os.readlink(snapshot.root / path)[:MAX_TARGET]
        except OSError:
            return None
    return None
