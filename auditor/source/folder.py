"""A plain folder (no git), read from the file system without following a link."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path


def walk_folder(root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every entry below ``root`` (not following links), as (POSIX relative path, lstat)."""
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(root / rel_dir if rel_dir else root) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                if entry.name != ".git":
                    stack.append(rel)
            else:
                yield rel, st


def read_folder_file(root: Path, rel: str, limit: int) -> bytes | None:
    """Read a regular file below root without following a symlink at its last component."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(root / rel, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)[:limit]
    except OSError:
        return None
    finally:
        os.close(fd)
