"""The Snapshot: one bounded, read-only view of a repository that every check shares.

For a git repository the snapshot is what is *committed at HEAD* (what an employer sees):
the tree is listed with ``git ls-tree`` and file contents come through ``git cat-file
--batch``, so uncommitted files do not count, symlinks are never followed and bare
repositories work. A plain directory is read from the file system without following links.

Everything expensive is computed at most once per snapshot: file texts in one batch, the
history in one ``git log`` pass, each Python file parsed once. Checks derive further shared
facts with the :func:`fact` decorator, which memoises a function of the snapshot.
"""

from __future__ import annotations

import functools
import os
import stat
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from auditor.errors import SourceError
from auditor.source.folder import read_folder_file, walk_folder
from auditor.source.git import Git, GitError, remote_url, shown
from auditor.source.git import strip_credentials as strip_credentials  # re-exported
from auditor.source.gitdir import enclosing_repository, find_git_dir
from auditor.source.history import History
from auditor.source.worktree import WorkTreeCheck
from auditor.vocabulary import term_set

if TYPE_CHECKING:
    from auditor.source.languages.python import PythonModule

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """Bounds on everything a snapshot reads; a bound reached is a notice, never a crash."""

    max_files: int = 50_000
    max_file_bytes: int = 1 << 20  # files larger than this are listed but not read
    max_total_bytes: int = 256 << 20  # total text read from one repository
    max_python_files: int = 20_000
    #: Words and symbols of Python parsed in all (about ten megabytes of real code): parsing
    #: costs time and memory per syntax-tree node, and a megabyte of ``x = 1`` lines holds
    #: as many nodes as five of real code.
    max_python_tokens: int = 2_000_000
    max_ast_depth: int = 400
    max_commits: int = 100_000
    max_message_bytes: int = 8_192
    max_paths_per_commit: int = 10_000
    #: Processes analysing the Python files: None decides from the machine and the amount of
    #: code (``AUDITOR_WORKERS`` overrides); 1 analyses them in this process, in order.
    workers: int | None = None


@dataclass(frozen=True)
class FileEntry:
    """A regular file in the snapshot. ``path`` is POSIX-style and relative to the root."""

    path: str
    size: int
    oid: str | None = None  # the blob id, for git snapshots
    executable: bool = False

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.path).suffix.lower()

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))


def is_vendored(path: str) -> bool:
    """Whether a path lies in a folder of third-party or generated files."""
    parts = path.split("/")[:-1]
    vendored = term_set("paths", "vendored_folders")
    return any(part in vendored or part.endswith(".egg-info") for part in parts)


@dataclass(frozen=True)
class HostInfo:
    """What the repository's host says about it (GitHub's API, in batch mode or by URL).

    Facts beside the tree, never trusted further than the tree: a homepage is a live demo
    only when it is a web address off the host itself (see ``auditor.facts.links``).
    """

    full_name: str = ""
    description: str | None = None
    homepage: str | None = None
    topics: tuple[str, ...] = ()
    language: str | None = None
    stars: int = 0
    fork: bool = False
    archived: bool = False


@dataclass
class Snapshot:
    """A read-only view of one repository, shared by every check of one audit."""

    root: Path
    kind: str  # "git", "bare" or "directory"
    files: dict[str, FileEntry]
    symlinks: tuple[str, ...]
    head: str | None
    remote: str | None
    limits: Limits
    #: What opening the repository left out or noticed; later notices go through note().
    notices: list[str] = field(default_factory=list)
    host: HostInfo | None = None
    #: The blob of each symbolic link (its target, as text), for git snapshots.
    link_oids: dict[str, str] = field(default_factory=dict)
    _noted: list[str] = field(default_factory=list)
    _noted_lock: threading.Lock = field(default_factory=threading.Lock)
    _git: Git | None = None
    shallow: bool = False
    _texts: dict[str, str | None] | None = None
    #: Texts read by :meth:`stream_texts` before the whole batch (blob id -> text).
    _streamed: dict[str, str | None] = field(default_factory=dict)
    _memo: dict[Callable[..., Any], Any] = field(default_factory=dict)
    _memo_lock: threading.RLock = field(default_factory=threading.RLock)
    _fact_locks: dict[Callable[..., Any], threading.RLock] = field(default_factory=dict)
    #: The comparison of the work tree with HEAD, under way in a thread of its own: the
    #: notice it gives closes the notices of opening the repository.
    _work_tree: WorkTreeCheck | None = None

    # ----------------------------------------------------------------- construction

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        limits: Limits | None = None,
        *,
        host: HostInfo | None = None,
    ) -> Snapshot:
        """Open a repository (or a plain directory) for auditing; ``host`` is what its host
        says about it, when known.

        Raises :class:`SourceError` with a one-line message when the path cannot be audited.
        """
        snapshot = cls._open(path, limits)
        snapshot.host = host
        return snapshot

    @classmethod
    def _open(cls, path: str | os.PathLike[str], limits: Limits | None) -> Snapshot:
        limits = limits or Limits()
        root = Path(path).expanduser()
        if not root.exists():
            raise SourceError(f"{root}: no such file or directory")
        if not root.is_dir():
            raise SourceError(f"{root}: not a directory (give the folder of a repository)")
        try:
            root = root.resolve(strict=True)
            os.listdir(root)
        except OSError as exc:
            raise SourceError(f"{root}: cannot read: {exc.strerror or exc}") from exc
        git_dir = find_git_dir(root)
        top = enclosing_repository(root) if git_dir is None else None
        top_git = find_git_dir(top) if top is not None else None
        if top is not None and top_git is not None:
            snapshot = cls._from_git(top, top_git, limits)
            inside = shown(root.relative_to(top).as_posix())
            snapshot.notices.insert(
                0,
                f"{inside}/ is a folder of the repository at {shown(top)}: the whole "
                "repository was audited",
            )
            return snapshot
        if git_dir is None:
            snapshot = cls._from_directory(root, limits)
            snapshot.notices.insert(
                0,
                "not a git repository: the files on disk were audited, with no history to "
                "judge (`git init` and commit them to have it judged)",
            )
            return snapshot
        return cls._from_git(root, git_dir, limits)

    @classmethod
    def _from_git(cls, root: Path, git_dir: Path, limits: Limits) -> Snapshot:
        git = Git(git_dir)
        try:
            bare = git.run("rev-parse", "--is-bare-repository").strip() == b"true"
        except GitError as exc:
            raise SourceError(f"{root}: not a readable git repository ({exc})") from exc
        head_raw = git.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        head = head_raw.decode("ascii", "replace").strip()
        if not head:
            raise SourceError(f"{root}: the repository has no commits yet; commit something first")
        files: dict[str, FileEntry] = {}
        symlinks: list[str] = []
        link_oids: dict[str, str] = {}
        notices: list[str] = []
        listing = git.stream("ls-tree", "-r", "-z", "--long", "--full-tree", head)
        for count, entry in enumerate(_null_terminated(listing)):
            # Links and submodules count too: a tree of a billion of them is as long to list.
            if count >= limits.max_files:
                notices.append(
                    f"more than {limits.max_files} files (links and submodules included): "
                    "the rest were not read"
                )
                listing.close()  # a tree that would expand enormously is not listed further
                break
            meta, _, raw_path = entry.partition(b"\t")
            mode, kind, oid, size = [*meta.split(), b"", b"", b"", b""][:4]
            path = raw_path.decode("utf-8", "replace")
            if kind != b"blob":
                continue  # submodules (commits) are never followed
            if mode == b"120000":
                symlinks.append(path)
                link_oids[path] = oid.decode("ascii")
                continue
            files[path] = FileEntry(
                path=path,
                size=int(size) if size.isdigit() else 0,
                oid=oid.decode("ascii"),
                executable=mode == b"100755",
            )
        shallow = git.run("rev-parse", "--is-shallow-repository").strip() == b"true"
        if shallow:
            notices.append(
                "shallow clone: the history rules see only part of the history; fetch it all "
                "(actions/checkout with fetch-depth: 0, or git fetch --unshallow)"
            )
        # Reading and hashing every tracked file of the work tree overlaps the audit.
        work_tree = None if bare else WorkTreeCheck.start(git, root, head, limits)
        return cls(
            root=root,
            kind="bare" if bare else "git",
            files=files,
            symlinks=tuple(symlinks),
            link_oids=link_oids,
            head=head,
            remote=remote_url(git),
            limits=limits,
            notices=notices,
            _git=git,
            shallow=shallow,
            _work_tree=work_tree,
        )

    @classmethod
    def _from_directory(cls, root: Path, limits: Limits) -> Snapshot:
        files: dict[str, FileEntry] = {}
        symlinks: list[str] = []
        notices: list[str] = []
        for rel, st in walk_folder(root):
            if stat.S_ISLNK(st.st_mode):
                symlinks.append(rel)
            elif stat.S_ISREG(st.st_mode):
                if len(files) >= limits.max_files:
                    notices.append(f"more than {limits.max_files} files: the rest were not read")
                    break
                files[rel] = FileEntry(
                    path=rel, size=st.st_size, executable=bool(st.st_mode & stat.S_IXUSR)
                )
        return cls(
            root=root,
            kind="directory",
            files=files,
            symlinks=tuple(sorted(symlinks)),
            head=None,
            remote=None,
            limits=limits,
            notices=notices,
        )

    # ----------------------------------------------------------------- reading

    @property
    def name(self) -> str:
        name = self.root.name
        if self.kind == "bare" and name.endswith(".git"):
            name = name[: -len(".git")]
        return name

    @property
    def git(self) -> Git | None:
        """The runner of the repository's git, or None for a plain folder."""
        return self._git

    @property
    def has_history(self) -> bool:
        return self._git is not None

    def text(self, path: str) -> str | None:
        """The decoded text of a file, or None when it is missing, binary or over the bounds."""
        if self._texts is None:
            with self._memo_lock:
                if self._texts is None:
                    self._texts = self._read_texts()
        return self._texts.get(path)

    def blob(self, path: str) -> bytes | None:
        """The raw bytes of one file (binary files included), or None when missing or too big.

        Text files are better read through :meth:`text`, which reads them all in one batch;
        this is for the rare binary file a check must read (a ``.coverage`` database).
        """
        entry = self.files.get(path)
        if entry is None or entry.size > self.limits.max_file_bytes:
            return None
        if self._git is not None:
            return self._git.read_blobs([entry.oid or ""]).get(entry.oid or "")
        return read_folder_file(self.root, path, self.limits.max_file_bytes)

    def stream_texts(self, paths: Sequence[str]) -> Generator[tuple[str, str | None], None, None]:
        """(path, text) of some files, in order, as :meth:`text` gives them; while the texts
        of the whole repository are not read yet, read as a stream, so that the first are
        at work while the rest are read (and kept for :meth:`text`)."""
        if self._texts is not None or self._git is None:
            yield from ((path, self.text(path)) for path in paths)
            return
        wanted = {e.path for e in self._within_bounds()}
        oids = [self.files[p].oid or "" for p in paths if p in wanted]
        blobs = self._git.stream_blobs([oid for oid in oids if oid not in self._streamed])
        try:
            for path in paths:
                oid = (self.files[path].oid or "") if path in wanted else ""
                while oid and oid not in self._streamed:
                    read = next(blobs, None)
                    if read is None:
                        break
                    self._streamed[read[0]] = decode_text(read[1])
                yield path, self._streamed.get(oid)
        finally:
            blobs.close()

    def _within_bounds(self) -> list[FileEntry]:
        """The files read: each under the file bound, in order until the total budget."""
        budget = self.limits.max_total_bytes
        wanted: list[FileEntry] = []
        for entry in self.files.values():
            if entry.size <= self.limits.max_file_bytes and entry.size <= budget:
                budget -= entry.size
                wanted.append(entry)
        return wanted

    def _read_texts(self) -> dict[str, str | None]:
        wanted = self._within_bounds()
        skipped = len(self.files) - len(wanted)
        if skipped:
            self.note(
                f"{skipped} file(s) over {self.limits.max_file_bytes // 1024} KiB "
                "(or past the total read budget) were not read"
            )
        if self._git is not None:
            # One text per blob: a blob committed under a thousand names is decoded once
            # (decoded text can take four times the bytes), and shared. Those a stream has
            # read already are not read again.
            texts = dict(self._streamed)
            unread = [e.oid for e in wanted if e.oid and e.oid not in texts]
            texts.update((oid, decode_text(data)) for oid, data in self._git.stream_blobs(unread))
            return {e.path: texts.get(e.oid or "") for e in wanted}
        raw = {
            e.path: read_folder_file(self.root, e.path, self.limits.max_file_bytes) for e in wanted
        }
        return {path: decode_text(data) if data is not None else None for path, data in raw.items()}

    @property
    def history(self) -> History:
        """The commits reachable from HEAD, read in one ``git log`` pass (empty for a folder)."""
        from auditor.source.analysis import read_snapshot_history

        return self.memo(read_snapshot_history)

    @property
    def python_sources(self) -> tuple[tuple[str, str], ...]:
        """(path, text) of every Python file outside vendored folders that could be read."""
        from auditor.source.analysis import python_sources

        return self.memo(python_sources)

    @property
    def python_modules(self) -> tuple[PythonModule, ...]:
        """Every Python file outside vendored folders, each parsed once."""
        from auditor.source.analysis import python_modules

        return self.memo(python_modules)

    def start_python_analysis(self) -> None:
        """Start analysing the Python files (in worker processes when that pays) so that other
        work overlaps it; :attr:`python_modules` waits for the result.

        Call it before starting threads: worker processes are then forked cheaply. It
        returns once the workers have files enough to start with.
        """
        from auditor.source.analysis import python_analysis

        self.memo(python_analysis).wait_primed()

    def files_matching(self, predicate: Callable[[FileEntry], bool]) -> Iterator[FileEntry]:
        return (entry for entry in self.files.values() if predicate(entry))

    def root_file(self, *names: str) -> FileEntry | None:
        """The first top-level file whose name matches one of ``names``, ignoring case."""
        wanted = [n.lower() for n in names]
        top = {p.lower(): e for p, e in self.files.items() if "/" not in p}
        for name in wanted:
            if name in top:
                return top[name]
        return None

    # ----------------------------------------------------------------- notices

    def note(self, text: str) -> None:
        """Record a notice for the card: a bound reached, something left out (thread-safe)."""
        with self._noted_lock:
            if text not in self._noted:
                self._noted.append(text)

    def all_notices(self) -> tuple[str, ...]:
        """Every notice, in an order that does not depend on which thread noticed first:
        those from opening the repository, then the others sorted."""
        with self._noted_lock:
            later = sorted(self._noted)
        work_tree = self._work_tree.notice() if self._work_tree is not None else None
        opening = [*self.notices, *([work_tree] if work_tree else [])]
        return tuple(dict.fromkeys([*opening, *later]))

    # ----------------------------------------------------------------- memoised facts

    def memo(self, fn: Callable[[Snapshot], T]) -> T:
        """``fn(self)`` computed once; an exception is remembered and raised again.

        Each fact has its own lock, so threads compute different facts at once (the history
        while the Python files are analysed). Facts depend on each other without cycles, so
        the locks cannot deadlock.
        """
        try:
            value = self._memo[fn]
        except KeyError:
            with self._memo_lock:
                lock = self._fact_locks.setdefault(fn, threading.RLock())
            with lock:
                if fn in self._memo:
                    value = self._memo[fn]
                else:
                    try:
                        value = fn(self)
                    except Exception as exc:  # noqa: BLE001 - remembered, re-raised below
                        value = _Failed(exc)
                    self._memo[fn] = value
        if isinstance(value, _Failed):
            raise value.exc
        return value  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Failed:
    exc: Exception


def fact(fn: Callable[[Snapshot], T]) -> Callable[[Snapshot], T]:
    """Decorate a function of the snapshot so it is computed once per snapshot and shared."""

    @functools.wraps(fn)
    def shared(snapshot: Snapshot) -> T:
        return snapshot.memo(fn)

    return shared


def _null_terminated(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The NUL-terminated entries of a stream of chunks (``git ls-tree -z``)."""
    pending = b""
    for chunk in chunks:
        entries = (pending + chunk).split(b"\x00")
        pending = entries.pop()
        yield from (entry for entry in entries if entry)
    if pending:
        yield pending


def decode_text(data: bytes) -> str | None:
    """Bytes to text: None for binary data; UTF-16 and UTF-8 BOMs honoured; bad bytes replaced."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    if b"\x00" in data[:8192]:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", "replace")
