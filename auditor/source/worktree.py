"""What the work tree holds that HEAD does not: the changes an audit of HEAD leaves out.

The audit reads what is committed, so an edited README changes nothing until it is
committed; the card says so. ``git status`` would run what the repository's configuration
names (filters, fsmonitor), so the comparison is made here instead: HEAD's tree is listed
(``ls-tree``, bounded), each file on disk is compared by size and then by its blob id,
hashed in Python (no git process reads a work-tree file), and the files git does not
ignore but HEAD lacks come from ``ls-files --others --exclude-standard`` under the
neutralising configuration, with the repository's ``core.excludesFile`` replaced by the
user's own ignore file. Files are opened without following links, and a path below a
symbolic link counts as changed, as git counts it. Reading stops at the snapshot's bounds
on files and bytes: past them the notice says "at least".
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.source.git import Git, GitError, shown

if TYPE_CHECKING:
    from auditor.source.snapshot import Limits

#: Seconds the listing of untracked files may take before the notice is left out.
LIST_TIMEOUT = 30.0
#: Names quoted in the notice; the rest are counted.
SHOWN_NAMES = 3


@dataclass(frozen=True)
class WorkTreeChanges:
    """Files that differ from HEAD: changed or deleted, and new (not ignored)."""

    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    partial: bool = False  # a bound was reached: at least these

    @property
    def paths(self) -> tuple[str, ...]:
        return (*self.changed, *self.added)

    def notice(self) -> str | None:
        """ "3 changed files are not committed: the audit reads HEAD (…)", or None."""
        paths = self.paths
        if not paths:
            return None
        count = f"{'at least ' if self.partial else ''}{len(paths)}"
        files = "changed file is" if len(paths) == 1 and not self.partial else "changed files are"
        named = ", ".join(shown(p) for p in paths[:SHOWN_NAMES])
        if len(paths) > SHOWN_NAMES:
            named += f" and {len(paths) - SHOWN_NAMES} more"
        return (
            f"{count} {files} not committed: the audit reads HEAD ({named}); commit them "
            "to have them judged"
        )


def work_tree_changes(
    git: Git, root: Path, head: str, *, max_files: int, max_bytes: int
) -> WorkTreeChanges | None:
    """How the work tree at ``root`` differs from commit ``head``; None when git cannot
    list it (then nothing is said rather than something wrong)."""
    try:
        tree = _head_blobs(git, head, max_files)
        listed = _listed(git, root, max_files)
    except GitError:
        return None
    partial = len(tree) > max_files or len(listed) > max_files
    budget = max_bytes
    changed: list[str] = []
    below_link: dict[str, bool] = {}
    for path, (mode, oid, size) in sorted(tree.items()):
        if mode == b"160000":
            continue  # a submodule: its own repository
        if _below_link(root, path, below_link):
            changed.append(path)
            continue
        same, budget = _same_as_blob(root / path, mode, oid, size, budget)
        if same is None:
            partial = True
        elif not same:
            changed.append(path)
    added = [p for p in listed if p.rstrip("/") not in tree]
    return WorkTreeChanges(tuple(changed), tuple(sorted(added)), partial)


def _head_blobs(git: Git, head: str, limit: int) -> dict[str, tuple[bytes, bytes, int]]:
    """path -> (mode, blob id, size) of every entry at ``head``, at most ``limit + 1``."""
    entries: dict[str, tuple[bytes, bytes, int]] = {}
    pending = b""
    stream = git.stream("ls-tree", "-r", "-z", "--long", "--full-tree", head)
    for chunk in stream:
        *records, pending = (pending + chunk).split(b"\x00")
        for record in records:
            meta, _, raw = record.partition(b"\t")
            mode, _kind, oid, size = [*meta.split(), b"", b"", b"", b""][:4]
            entries[os.fsdecode(raw)] = (mode, oid, int(size) if size.isdigit() else -1)
        if len(entries) > limit:
            stream.close()
            break
    return entries


def _listed(git: Git, root: Path, limit: int) -> list[str]:
    """Paths in the index or untracked and not ignored (an untracked folder once, as
    ``name/``), at most ``limit + 1``."""
    quick = Git(git.git_dir, timeout=min(git.timeout, LIST_TIMEOUT))
    paths: list[str] = []
    pending = b""
    stream = quick.stream(
        "-C",
        str(root),
        f"--work-tree={root}",
        "-c",
        f"core.excludesFile={_own_ignore_file()}",
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
        "--directory",
        "--no-empty-directory",
    )
    for chunk in stream:
        *records, pending = (pending + chunk).split(b"\x00")
        paths.extend(os.fsdecode(r) for r in records if r)
        if len(paths) > limit:
            stream.close()
            break
    return paths


def _own_ignore_file() -> str:
    """The person's own ignore file (git's default place for it), never the repository's
    choice: ``core.excludesFile`` in its configuration could name any file."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    own = Path(base) / "git" / "ignore"
    return str(own) if own.is_file() else os.devnull


def _below_link(root: Path, path: str, seen: dict[str, bool]) -> bool:
    """Whether a folder on the way to ``path`` is a symbolic link (or not a folder)."""
    parts = path.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        folder = "/".join(parts[:depth])
        if folder not in seen:
            try:
                seen[folder] = not stat.S_ISDIR(os.lstat(root / folder).st_mode)
            except OSError:
                seen[folder] = True
        if seen[folder]:
            return True
    return False


def _same_as_blob(
    file: Path, mode: bytes, oid: bytes, size: int, budget: int
) -> tuple[bool | None, int]:
    """Whether the file on disk holds the blob (None: not compared, past the byte budget),
    and the budget left."""
    try:
        st = os.lstat(file)
    except OSError:
        return False, budget  # deleted
    if mode == b"120000":
        return stat.S_ISLNK(st.st_mode), budget
    if not stat.S_ISREG(st.st_mode):
        return False, budget
    if st.st_size != size:
        return _crlf_checkout(file, oid, st.st_size, budget)
    if size > budget:
        return None, budget
    data = _read(file, size)
    if data is None:
        return False, budget
    return _blob_id(data, len(oid)) == oid or _blob_id(_lf(data), len(oid)) == oid, budget - size


def _crlf_checkout(file: Path, oid: bytes, size: int, budget: int) -> tuple[bool | None, int]:
    """A size that differs may still be the blob checked out with CRLF line ends."""
    if size > budget:
        return None, budget
    data = _read(file, size)
    if data is None or b"\r\n" not in data:
        return False, budget - size
    return _blob_id(_lf(data), len(oid)) == oid, budget - size


def _lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")


def _blob_id(data: bytes, hex_length: int) -> bytes:
    digest = hashlib.sha256() if hex_length == 64 else hashlib.sha1()
    digest.update(b"blob %d\x00" % len(data))
    digest.update(data)
    return digest.hexdigest().encode("ascii")


def _read(file: Path, size: int) -> bytes | None:
    """At most ``size`` bytes of a regular file, never following a link or waiting on a
    pipe."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(file, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def work_tree_signature(git: Git, root: Path, head: str, *, max_files: int) -> str | None:
    """A digest of how the work tree stands (each tracked path's size, mode and modification
    time, and the untracked files git does not ignore), from ``lstat`` alone: a results-cache
    key that changes whenever a file is edited, without reading any file. None when git
    cannot list the tree."""
    try:
        tree = _head_blobs(git, head, max_files)
        listed = _listed(git, root, max_files)
    except GitError:
        return None
    digest = hashlib.sha256(head.encode("ascii", "replace"))
    for path in sorted(tree):
        try:
            st = os.lstat(root / path)
            digest.update(
                f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_mode}\n".encode(
                    "utf-8", "surrogatepass"
                )
            )
        except OSError:
            digest.update(f"{path}\0gone\n".encode("utf-8", "surrogatepass"))
    for path in sorted(listed):
        digest.update(f"+{path}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class WorkTreeCheck:
    """How the work tree differs from HEAD, found by a thread started when the repository
    is opened (reading and hashing the files releases the interpreter)."""

    def __init__(self, compute: Callable[[], str | None]) -> None:
        self._notice: list[str | None] = []
        self._thread = threading.Thread(
            target=self._run, args=(compute,), name="auditor-work-tree", daemon=True
        )

    @classmethod
    def start(cls, git: Git, root: Path, head: str, limits: Limits) -> WorkTreeCheck:
        def compute() -> str | None:
            changes = work_tree_changes(
                git, root, head, max_files=limits.max_files, max_bytes=limits.max_total_bytes
            )
            return changes.notice() if changes is not None else None

        check = cls(compute)
        check._thread.start()
        return check

    def _run(self, compute: Callable[[], str | None]) -> None:
        try:
            self._notice.append(compute())
        except Exception:  # noqa: BLE001 - nothing is said rather than something wrong
            self._notice.append(None)

    def notice(self) -> str | None:
        """The notice ("3 changed files are not committed: …"), waiting for it if need be."""
        self._thread.join()
        return self._notice[0] if self._notice else None
