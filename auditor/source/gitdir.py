"""Where a repository's git data is, and the refusal of any that would make git read elsewhere.

Discovery never walks up from the audited folder, follows a ``.git`` file only to a git
directory inside the folder or inside an enclosing ``.git``, and refuses a git directory
whose ``commondir``, alternates, symbolic links or configuration includes lead outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from auditor.errors import SourceError
from auditor.source.git import Git


def find_git_dir(path: Path) -> Path | None:
    """The git directory of the repository rooted at ``path``, or None for a plain directory.

    Discovery never walks up: a directory inside someone else's checkout is audited as a
    plain directory, not as the enclosing repository. A ``.git`` *file* (a submodule or
    worktree checkout) is followed only to a git directory inside the folder or inside the
    ``.git`` of a folder that contains it; anywhere else would read another repository.
    """
    dot_git = path / ".git"
    if dot_git.is_symlink():
        raise SourceError(f"{path}: .git is a symbolic link; refusing to follow it")
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


def _follow_gitdir_file(path: Path, dot_git: Path) -> Path:
    try:
        text = dot_git.read_text("utf-8", "replace")[:4096]
    except OSError as exc:
        raise SourceError(f"{path}: cannot read .git: {exc.strerror or exc}") from exc
    if not text.startswith("gitdir:"):
        raise SourceError(f"{path}: .git is a file but not a 'gitdir:' pointer")
    target = Path(text[len("gitdir:") :].strip().splitlines()[0] if text.strip() else "")
    target = (path / target).resolve() if not target.is_absolute() else target.resolve()
    allowed = [path, *(parent / ".git" for parent in path.parents)]
    if not any(target == root or target.is_relative_to(root) for root in allowed):
        raise SourceError(
            f"{path}: .git points to {target}, outside this folder and its enclosing "
            "repositories; audit the main checkout instead"
        )
    if not target.is_dir():
        raise SourceError(f"{path}: .git points to {target}, which does not exist")
    return target


def _allowed_roots(path: Path) -> list[Path]:
    """Where a repository's git data may live: in its folder, or in an enclosing ``.git``."""
    return [path, *(parent / ".git" for parent in path.parents)]


def _inside(target: Path, roots: Sequence[Path]) -> bool:
    return any(target == root or target.is_relative_to(root) for root in roots)


#: Entries of a git directory that git reads; a symbolic link among them would make git read
#: configuration, refs or objects from wherever it points.
_GIT_DIR_ENTRIES = (
    "config",
    "config.worktree",
    "HEAD",
    "packed-refs",
    "shallow",
    "commondir",
    "refs",
    "info",
    "objects",
    "objects/info",
    "objects/pack",
)
#: ``include.path`` and ``includeIf.<condition>.path``, as ``git config`` names them.
_INCLUDE_KEYS = r"^include(if\..*)?\.path$"


def _refuse_pointers_out(path: Path, git_dir: Path) -> None:
    """Refuse a git directory that makes git read another one's data: a ``commondir``,
    alternates, symbolic links or configuration includes that lead outside the folder."""
    roots = _allowed_roots(path)
    common = git_dir
    commondir = git_dir / "commondir"
    if commondir.is_file():  # a worktree's git directory shares its main repository's objects
        common = (git_dir / commondir.read_text("utf-8", "replace").strip()).resolve()
        if not _inside(common, roots):
            raise SourceError(
                f"{path}: the repository's commondir points to {common}, outside this folder; "
                "audit the main checkout instead"
            )
    for directory in dict.fromkeys((git_dir, common)):
        for name in _GIT_DIR_ENTRIES:
            entry = directory / name
            if entry.is_symlink() and not _inside(entry.resolve(), roots):
                raise SourceError(
                    f"{path}: {name} in the git directory is a symbolic link to "
                    f"{entry.resolve()}; refusing to follow it"
                )
    _refuse_outside_alternates(path, common)
    _refuse_outside_includes(path, git_dir, [common / "config", git_dir / "config.worktree"])


def _refuse_outside_alternates(path: Path, common: Path) -> None:
    """Refuse an object store that borrows objects from elsewhere on disk (alternates)."""
    alternates = common / "objects" / "info" / "alternates"
    if not alternates.is_file():
        return
    objects = (common / "objects").resolve()
    for line in alternates.read_text("utf-8", "replace").splitlines()[:100]:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        target = (objects / line).resolve()
        if not target.is_relative_to(common.resolve()):
            raise SourceError(
                f"{path}: the repository borrows objects from {target} "
                "(objects/info/alternates); clone it without --shared or --reference to audit it"
            )


def _refuse_outside_includes(path: Path, git_dir: Path, configs: list[Path]) -> None:
    """Refuse configuration that includes a file outside the folder (``include.path``).

    Every git command reads the repository's configuration with its includes, and there is
    no switch to stop that, so a file elsewhere on disk would become part of the audit (its
    remote URL shown on the card, a FIFO blocking git). Includes inside the git directory
    are followed, a few levels deep, to check theirs.
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
                    f"{path}: the repository's git configuration includes {target}, outside "
                    "this folder (include.path); clone the repository to audit it"
                )
            if depth < 8:  # git itself stops at ten levels
                pending.append((target, depth + 1))
