"""Where a repository's git data is, and the refusal of any that would make git read elsewhere.

Discovery never walks up from the audited folder and follows a ``.git`` file only to a git
directory inside the folder or to where a submodule checkout's points: the ``.git/modules``
of a folder that contains it, never an enclosing repository's own git directory. Before
any git command runs, the git directory is walked (bounded): git opens files in it that no
list names (``info/grafts``, any ref), so a symbolic link, a named pipe or a device anywhere
in it is refused, as are a ``commondir``, alternates (followed as deep as git follows them)
and configuration includes that lead outside.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from auditor.errors import SourceError
from auditor.source.git import Git, shown

#: Entries a git directory may hold before the walk gives up (and the audit is refused): a
#: repository that ``git gc`` keeps tidy has a few thousand.
MAX_GIT_DIR_ENTRIES = 200_000
#: Folders deep below the git directory (refs and nested submodules stay far above this).
MAX_GIT_DIR_DEPTH = 64
#: Bytes read from the small pointer files (``.git``, ``commondir``, alternates).
_POINTER_BYTES = 64 << 10
#: Object stores git follows through alternates, in all (git itself stops five deep).
_MAX_STORES = 64


def find_git_dir(path: Path) -> Path | None:
    """The git directory of the repository rooted at ``path``, or None for a plain directory.

    Discovery never walks up: a directory inside someone else's checkout is audited as a
    plain directory, not as the enclosing repository. A ``.git`` *file* (a submodule
    checkout) is followed only to a git directory inside the folder or inside the
    ``.git/modules`` of a folder that contains it; anywhere else would read another
    repository. Raises :class:`SourceError` (one line, naming the path) for a git directory
    git must not be run on.
    """
    dot_git = path / ".git"
    if dot_git.is_symlink():
        raise SourceError(f"{shown(path)}: .git is a symbolic link; refusing to follow it")
    if dot_git.is_dir():
        git_dir = dot_git
    elif dot_git.is_file():
        git_dir = _follow_gitdir_file(path, dot_git)
    elif (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir():
        git_dir = path  # a bare repository
    else:
        return None
    _refuse_pointers_out(path, git_dir)
    return git_dir


def enclosing_repository(path: Path) -> Path | None:
    """The nearest folder above ``path`` that holds a ``.git`` entry, or None.

    ``auditor audit repo/tests`` means the repository ``tests`` belongs to: the caller
    audits that root (through :func:`find_git_dir`, with all its refusals) and says so.
    Only the names are looked at here; nothing is read or run.
    """
    for parent in path.parents:
        try:
            if os.path.lexists(parent / ".git"):
                return parent
        except OSError:
            return None
    return None


def _read_pointer(path: Path, file: Path, what: str) -> str:
    """The start of a small file git reads as a pointer, never following a link or waiting
    on a pipe: the text, or a refusal naming ``what``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(file, flags)
    except OSError as exc:
        raise SourceError(f"{shown(path)}: cannot read {what}: {exc.strerror or exc}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SourceError(f"{shown(path)}: {what} is not a regular file; refusing to read it")
        return os.read(fd, _POINTER_BYTES).decode("utf-8", "replace")
    finally:
        os.close(fd)


def _follow_gitdir_file(path: Path, dot_git: Path) -> Path:
    text = _read_pointer(path, dot_git, ".git")
    if not text.startswith("gitdir:"):
        raise SourceError(f"{shown(path)}: .git is a file but not a 'gitdir:' pointer")
    lines = text[len("gitdir:") :].strip().splitlines()
    target = Path(lines[0] if lines else "")
    target = (path / target).resolve() if not target.is_absolute() else target.resolve()
    if not _inside(target, _allowed_roots(path)):
        raise SourceError(
            f"{shown(path)}: .git points to {shown(target)}, outside this folder and not a "
            "submodule's git directory (.git/modules of an enclosing repository); audit the "
            "main checkout instead"
        )
    if not target.is_dir():
        raise SourceError(f"{shown(path)}: .git points to {shown(target)}, which does not exist")
    return target


def _allowed_roots(path: Path) -> list[Path]:
    """Where a repository's git data may live: in its folder, or where a submodule's lives,
    in the ``.git/modules`` of a folder that contains it (never that repository's own)."""
    return [path, *(parent / ".git" / "modules" for parent in path.parents)]


def _inside(target: Path, roots: Sequence[Path]) -> bool:
    return any(target == root or target.is_relative_to(root) for root in roots)


def _refuse_special_entries(path: Path, git_dir: Path) -> None:
    """Refuse a git directory holding anything but folders, regular files and sockets.

    git opens files in its directory that no list can name in advance (any ref, a graft
    file, a pack): a symbolic link there makes it read elsewhere (``/dev/zero``: until
    memory runs out), a named pipe makes every command wait for a writer. A socket cannot
    be opened as a file, and git's own file-system monitor leaves one. The walk is bounded
    in entries and depth; a directory too big or too deep to check is refused too.
    """
    count = 0
    stack = [(git_dir, 0)]
    while stack:
        folder, depth = stack.pop()
        if depth > MAX_GIT_DIR_DEPTH:
            raise SourceError(
                f"{shown(path)}: the git directory is nested more than {MAX_GIT_DIR_DEPTH} "
                f"folders deep at {shown(folder)}; refusing to run git on it"
            )
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    count += 1
                    if count > MAX_GIT_DIR_ENTRIES:
                        raise SourceError(
                            f"{shown(path)}: the git directory holds more than "
                            f"{MAX_GIT_DIR_ENTRIES:,} entries; run `git gc` or clone it to "
                            "audit it"
                        )
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((Path(entry.path), depth + 1))
                    elif not entry.is_file(follow_symlinks=False):
                        _refuse_entry(path, git_dir, Path(entry.path))
        except OSError as exc:
            raise SourceError(
                f"{shown(path)}: cannot read {shown(folder)} in the git directory: "
                f"{exc.strerror or exc}"
            ) from exc


def _refuse_entry(path: Path, git_dir: Path, entry: Path) -> None:
    """Refuse one entry of the git directory that is neither a folder nor a regular file
    (returns for a socket, which git cannot be made to read)."""
    mode = entry.lstat().st_mode
    where = shown(entry.relative_to(git_dir))
    if stat.S_ISSOCK(mode):
        return
    if stat.S_ISLNK(mode):
        raise SourceError(
            f"{shown(path)}: {where} in the git directory is a symbolic link to "
            f"{shown(os.readlink(entry))}; refusing to follow it"
        )
    kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device"
    raise SourceError(
        f"{shown(path)}: {where} in the git directory is {kind}, not a file; refusing to run "
        "git on it"
    )


#: ``include.path`` and ``includeIf.<condition>.path``, as ``git config`` names them.
_INCLUDE_KEYS = r"^include(if\..*)?\.path$"


def _refuse_pointers_out(path: Path, git_dir: Path) -> None:
    """Refuse a git directory that makes git read another one's data, or read what is not a
    file: links, pipes or devices in it, a ``commondir``, alternates or configuration
    includes that lead outside the folder. No git command runs before this passes."""
    roots = _allowed_roots(path)
    _refuse_special_entries(path, git_dir)
    common = git_dir
    commondir = git_dir / "commondir"
    if commondir.is_file():  # a worktree's git directory shares its main repository's objects
        pointer = _read_pointer(path, commondir, "commondir").strip()
        common = (git_dir / pointer).resolve()
        if not _inside(common, roots):
            raise SourceError(
                f"{shown(path)}: the repository's commondir points to {shown(common)}, outside "
                "this folder; audit the main checkout instead"
            )
        if not common.is_relative_to(git_dir.resolve()):
            _refuse_special_entries(path, common)
    _refuse_outside_alternates(path, common)
    _refuse_outside_includes(path, git_dir, [common / "config", git_dir / "config.worktree"])


def _refuse_outside_alternates(path: Path, common: Path) -> None:
    """Refuse an object store that borrows objects from elsewhere on disk (alternates).

    git follows alternates recursively (a store's own ``info/alternates`` is read in turn),
    so every store named is checked the same way: inside the git directory, which the walk
    has checked, and borrowing from nowhere else either.
    """
    home = common.resolve()
    pending = [(common / "objects").resolve()]
    seen: set[Path] = set()
    while pending:
        objects = pending.pop()
        if objects in seen:
            continue
        seen.add(objects)
        if len(seen) > _MAX_STORES:
            raise SourceError(
                f"{shown(path)}: the repository chains more than {_MAX_STORES} object stores "
                "(objects/info/alternates); clone it to audit it"
            )
        alternates = objects / "info" / "alternates"
        if not alternates.is_file():
            continue
        text = _read_pointer(path, alternates, "objects/info/alternates")
        for line in text.splitlines()[:100]:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            target = (objects / line).resolve()
            if line.startswith('"') or not target.is_relative_to(home):
                raise SourceError(
                    f"{shown(path)}: the repository borrows objects from {shown(target)} "
                    "(objects/info/alternates); clone it without --shared or --reference to "
                    "audit it"
                )
            pending.append(target)


def _refuse_outside_includes(path: Path, git_dir: Path, configs: list[Path]) -> None:
    """Refuse configuration that includes a file outside the folder (``include.path``).

    Every git command reads the repository's configuration with its includes, and there is
    no switch to stop that, so a file elsewhere on disk would become part of the audit (its
    remote URL shown on the card). An included file inside the folder must be a regular
    file (a pipe would block git); includes are followed, a few levels deep, to check theirs.
    """
    roots = _allowed_roots(path)
    git = Git(git_dir)
    seen: set[Path] = set()
    pending = [(config, 0) for config in configs]
    while pending:
        config, depth = pending.pop()
        if config in seen or not config.is_file():
            continue
        seen.add(config)
        listing = git.run(
            "config",
            "--file",
            str(config),
            "--no-includes",
            "-z",
            "--get-regexp",
            _INCLUDE_KEYS,
            check=False,
        )
        for item in listing.split(b"\x00"):
            raw = item.partition(b"\n")[2].decode("utf-8", "replace").strip()
            if not raw:
                continue
            target = Path(raw).expanduser()
            target = (config.parent / target if not target.is_absolute() else target).resolve()
            if not _inside(target, roots):
                raise SourceError(
                    f"{shown(path)}: the repository's git configuration includes "
                    f"{shown(target)}, outside this folder (include.path); clone the "
                    "repository to audit it"
                )
            if target.exists() and not target.is_file():
                raise SourceError(
                    f"{shown(path)}: the repository's git configuration includes "
                    f"{shown(target)}, which is not a regular file (include.path)"
                )
            if depth < 8:  # git itself stops at ten levels
                pending.append((target, depth + 1))
