"""The clone cache: blobless bare clones, fetched again on later runs, never checked out.

A repository is cloned with ``git clone --bare --filter=blob:none``: all commits and trees
(what the history checks read) but no file contents. Then its tree at HEAD is counted
without being listed in full, and refused past a bound (a tree crafted to expand into
billions of paths must not fill memory or disk); only then are the blobs of HEAD fetched,
in one request, so the snapshot can read HEAD through git objects as a local audit does.
Nothing is ever checked out. A later run fetches into the existing clone instead of
cloning again, unless the clone was made from another URL (``auditor audit`` given the ssh
address of a repository batch mode cloned over https): then it is cloned afresh.

Clones live in ``<cache>/clones/<host>/<owner>/<name>.git``, each part through
:func:`safe_component`, which gives every name its own path. A clone is made in a temporary
folder and renamed into place, so a run killed mid-clone leaves nothing half-made behind;
a lock file serialises two runs that share a cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from auditor.source.git import Git, GitError, RemoteGit, count_tree_entries

_SAFE_CHAR = re.compile(r"[A-Za-z0-9._-]")
#: Room for ``.git``, ``.html`` and a lock file's suffix under the usual 255-byte limit.
MAX_COMPONENT = 200
_SHA = re.compile(rb"^[0-9a-f]{40,64}$")
APP_NAME = "portfolio-auditor"


class RepoRefused(Exception):
    """The repository is past a bound and is not read (a skip, not an error)."""


def default_cache_dir() -> Path:
    """``$AUDITOR_CACHE_DIR``, else ``portfolio-auditor`` in the user cache directory:
    ``$XDG_CACHE_HOME`` (or ``~/.cache``), ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%``
    on Windows."""
    if os.environ.get("AUDITOR_CACHE_DIR"):
        return Path(os.environ["AUDITOR_CACHE_DIR"]).expanduser()
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / APP_NAME


def safe_component(text: str) -> str:
    """A name fit for one path component, and a different one for every different name.

    Letters, digits, ``.``, ``_`` and ``-`` stay as they are, except a leading ``.``; any
    other character becomes ``~<hex code>~`` (``.github`` becomes ``~2e~github``, which no
    other name becomes: ``_github`` stays ``_github``). So two repositories never share a
    clone or a card, and the result is never ``.``, ``..`` or hidden. The empty name is
    ``~~``; past ``MAX_COMPONENT`` characters a name is cut and ends with a hash of itself.
    """
    if not text:
        return "~~"
    escaped = "".join(
        char if _SAFE_CHAR.match(char) and (index or char != ".") else f"~{ord(char):x}~"
        for index, char in enumerate(text)
    )
    if len(escaped) <= MAX_COMPONENT:
        return escaped
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{escaped[: MAX_COMPONENT - 18]}~~{digest}"


class CloneCache:
    """Bare, blobless clones kept under one folder."""

    def __init__(self, root: Path, remote: RemoteGit) -> None:
        self.root = root
        self.remote = remote

    def path_for(self, key: str) -> Path:
        """The clone of ``host/owner/name``."""
        parts = [safe_component(p) for p in key.split("/") if p]
        *folders, name = parts or ["_"]
        return self.root.joinpath("clones", *folders, f"{name}.git")

    def remote_head(self, url: str) -> str | None:
        """The commit the remote's HEAD points at, or None for an empty repository."""
        out = self.remote.run("ls-remote", "--", url, "HEAD")
        for line in out.splitlines():
            sha, _, ref = line.partition(b"\t")
            if ref.strip() == b"HEAD" and _SHA.match(sha.strip()):
                return sha.strip().decode("ascii")
        return None

    def sync(self, url: str, key: str, *, max_entries: int) -> tuple[Path, str]:
        """Clone or fetch ``url``; return the clone and its HEAD, with HEAD's blobs present.

        Raises :class:`RepoRefused` when HEAD has more than ``max_entries`` entries, and
        :class:`GitError` when git cannot clone, fetch or read the repository.
        """
        dest = self.path_for(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with _locked(dest.with_name(dest.name + ".lock"), self.remote.timeout):
            if _is_clone(dest) and _origin(dest) != url:
                shutil.rmtree(dest, ignore_errors=True)  # another URL now: clone it afresh
            if _is_clone(dest):
                try:
                    self._fetch(dest)
                except GitError:
                    shutil.rmtree(dest, ignore_errors=True)  # broken: start again
            if not _is_clone(dest):
                self._clone(url, dest)
            git = Git(dest, timeout=self.remote.timeout)
            head = git.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
            sha = head.decode("ascii", "replace").strip()
            if not sha:
                raise RepoRefused("empty repository: no commits")
            entries = count_tree_entries(git, sha, max_entries)
            if entries > max_entries:
                raise RepoRefused(f"too many files: more than {max_entries:,} at HEAD")
            self._fetch_blobs(git, sha)
            return dest, sha

    def _clone(self, url: str, dest: Path) -> None:
        for stale in dest.parent.glob(f"{dest.name}.partial-*"):
            shutil.rmtree(stale, ignore_errors=True)
        temp = dest.with_name(f"{dest.name}.partial-{os.getpid()}")
        try:
            self.remote.run(
                "clone",
                "--bare",
                "--quiet",
                "--template=",
                "--filter=blob:none",
                "--single-branch",
                "--no-tags",
                "--",
                url,
                str(temp),
            )
            os.replace(temp, dest)
        finally:
            shutil.rmtree(temp, ignore_errors=True)

    def _fetch(self, dest: Path) -> None:
        branch = Git(dest).run("symbolic-ref", "--quiet", "HEAD", check=False).strip()
        ref = branch.decode("utf-8", "replace") if branch.startswith(b"refs/heads/") else ""
        if not ref:
            raise GitError("the cached clone has no branch at HEAD")
        self.remote.run(
            "fetch",
            "--quiet",
            "--filter=blob:none",
            "--no-tags",
            "--no-write-fetch-head",
            "--recurse-submodules=no",
            "origin",
            f"+HEAD:{ref}",
            git_dir=dest,
        )

    def _fetch_blobs(self, git: Git, sha: str) -> int:
        """Fetch the blobs of HEAD's tree that the clone lacks, in one request."""
        listing = git.run("rev-list", "--objects", "--missing=print", f"{sha}^{{tree}}")
        missing = [
            line[1:].split(b" ", 1)[0] for line in listing.splitlines() if line.startswith(b"?")
        ]
        if missing:
            # What git does itself to fill a partial clone, but for all of HEAD at once.
            self.remote.run(
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                "--recurse-submodules=no",
                "--filter=blob:none",
                "--stdin",
                "origin",
                git_dir=git.git_dir,
                stdin=b"".join(oid + b"\n" for oid in missing),
                config=[("fetch.negotiationAlgorithm", "noop")],
            )
        return len(missing)


def _is_clone(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def _origin(clone: Path) -> str:
    """The URL the clone was made from (``git clone`` wrote it; nobody else writes there)."""
    raw = Git(clone).run("config", "--get", "remote.origin.url", check=False)
    return raw.decode("utf-8", "replace").strip()


@contextlib.contextmanager
def _locked(path: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (POSIX; elsewhere the lock is a no-op)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: one run per cache
        yield
        return
    with open(path, "a+b") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GitError(f"{path.name}: another run holds this clone") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
