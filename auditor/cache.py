"""Scorecards of unchanged repositories, kept so that a re-audit costs almost nothing.

An entry is keyed by everything that decides a card: the repository (its resolved path, HEAD
commit, whether the clone is shallow, its remote), the rule packs' files (after ``extends``)
and the settings that select, ignore or exempt rules or pick a profile, and the auditor
itself (its version, the source files of this installation, the versions of Python, ruff and
radon, the check plugins installed). Only what is committed at HEAD is audited, but the card
names the uncommitted changes of the work tree in a notice, so how the work tree stands is
part of the key (each tracked file's size, mode and modification time, and the untracked
files: ``lstat`` only, no file read); a plain directory (no HEAD) is never cached.

The key is computed before the repository is read: a few ``git`` calls through the safe
runner, HEAD's tree listed and the work tree's files stat-ed (see
:mod:`auditor.source.worktree`), a few small files hashed, no blob read. Each entry is one
JSON file, the scorecard with its key, under the user cache directory
(``$AUDITOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/portfolio-auditor``, else
``~/.cache/portfolio-auditor``), written to a temporary file and renamed into place. An entry
is used only when it parses, echoes the expected key, schema and version and rebuilds into a
scorecard; anything else is ignored and replaced by the next audit.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor import __version__
from auditor import _toml as tomllib
from auditor.resources import rules_dir
from auditor.source.git import Git, GitError
from auditor.source.gitdir import enclosing_repository, find_git_dir
from auditor.source.snapshot import Limits
from auditor.source.worktree import work_tree_signature

if TYPE_CHECKING:
    from auditor.config import Settings
    from auditor.model import Scorecard

#: The layout of an entry; entries of another format are ignored.
ENTRY_FORMAT = 1
#: Entries larger than this are not read (a scorecard is a few hundred KiB at most).
MAX_ENTRY_BYTES = 64 << 20
_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class CacheKey:
    """What identifies one audit's scorecard: a digest of everything that decides it."""

    digest: str
    head: str


def cache_dir() -> Path:
    """Where entries live: ``$AUDITOR_CACHE_DIR``, ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    explicit = os.environ.get("AUDITOR_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "portfolio-auditor"


def audit_key(path: Path, settings: Settings, cwd: Path) -> CacheKey | None:
    """The key of auditing ``path`` with ``settings`` from ``cwd``; None when the audit must
    not be cached (no git repository, no commit, a rule pack that cannot be read)."""
    try:
        root = path.expanduser().resolve(strict=True)
    except OSError:
        return None
    git_dir = find_git_dir(root) if root.is_dir() else None
    if git_dir is None and root.is_dir():  # a folder of a repository audits the repository
        top = enclosing_repository(root)
        git_dir = find_git_dir(top) if top is not None else None
        root = top if top is not None and git_dir is not None else root
    if git_dir is None:
        return None
    try:
        git = Git(git_dir)
        state = git.run("rev-parse", "--is-shallow-repository", "--verify", "HEAD^{commit}")
        remote = git.run("config", "--get", "remote.origin.url", check=False)
    except GitError:
        return None
    lines = state.decode("ascii", "replace").split()
    if len(lines) != 2:
        return None
    shallow, head = lines
    bare = git.run("rev-parse", "--is-bare-repository", check=False).strip() == b"true"
    # the snapshot's own bounds, so the key sees the changes the card's notice names
    bounds = Limits()
    # how the work tree stands, from lstat alone: an edited file is another key, and the
    # fresh audit then names the change exactly
    changes = None if bare else work_tree_signature(git, root, head, max_files=bounds.max_files)
    packs = _pack_files(settings)
    if packs is None:
        return None
    material = {
        "auditor": _installation(),
        "repo": {
            "root": str(root),
            "head": head,
            "shallow": shallow,
            "remote": remote.decode("utf-8", "replace").strip(),
            # the card's notice names the uncommitted changes: another set, another card
            "uncommitted": changes,
        },
        "packs": packs,
        "settings": {
            "rules": settings.rules,
            "profile": settings.profile,
            "select": list(settings.select),
            "ignore": list(settings.ignore),
            "exempt": sorted(settings.exempt.items()),
            "source": settings.source,
            "extra": sorted((str(k), repr(v)) for k, v in settings.extra.items()),
            # exemptions count only when the owner audits from the repository's own folder
            "own": _same_directory(cwd, root),
        },
    }
    encoded = json.dumps(material, sort_keys=True, default=str).encode("utf-8")
    return CacheKey(hashlib.sha256(encoded).hexdigest(), head)


def load(key: CacheKey, directory: Path | None = None) -> Scorecard | None:
    """The stored scorecard for ``key``, or None when there is none that can be trusted."""
    from auditor.render.json import SCHEMA_VERSION, scorecard_from_dict

    entry = (directory or cache_dir()) / f"{key.digest}.json"
    try:
        with open(entry, "rb") as handle:
            raw = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_ENTRY_BYTES:
        return None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != ENTRY_FORMAT:
            return None
        if data.get("key") != key.digest or not isinstance(data.get("card"), dict):
            return None
        card = data["card"]
        tool = card.get("tool")
        repo = card.get("repo")
        if (
            card.get("schema_version") != SCHEMA_VERSION
            or not isinstance(tool, dict)
            or tool.get("version") != __version__
            or not isinstance(repo, dict)
            or repo.get("head") != key.head
        ):
            return None
        return scorecard_from_dict(card)
    except (ValueError, TypeError, KeyError, RecursionError):
        return None


def store(key: CacheKey, card: Scorecard, directory: Path | None = None) -> bool:
    """Keep ``card`` under ``key`` (atomically); False when the cache cannot be written."""
    from auditor.render.json import scorecard_to_dict

    if card.repo.head != key.head:
        return False
    folder = directory or cache_dir()
    document = json.dumps(
        {"format": ENTRY_FORMAT, "key": key.digest, "card": scorecard_to_dict(card)},
        ensure_ascii=True,
    ).encode("ascii")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".entry-", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(document)
        os.replace(temporary, folder / f"{key.digest}.json")
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return False
    return True


# ------------------------------------------------------------------------------ key parts


def _installation() -> dict[str, Any]:
    """The auditor that would produce the card: versions, its own source files, plugins."""
    from importlib.metadata import PackageNotFoundError, entry_points, version

    def installed(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    sources = []
    for folder, _, names in os.walk(_PACKAGE):
        for name in names:
            if name.endswith((".py", ".json", ".toml", ".j2")):
                file = os.path.join(folder, name)
                st = os.stat(file)
                sources.append((os.path.relpath(file, _PACKAGE), st.st_size, st.st_mtime_ns))
    plugins = sorted(
        (ep.name, ep.value, ep.dist.version if ep.dist else None)
        for ep in entry_points(group="auditor.checks")
    )
    return {
        "version": __version__,
        "python": sys.version,
        "ruff": installed("ruff"),
        "radon": installed("radon"),
        "sources": sorted(sources),
        "plugins": plugins,
    }


def _pack_files(settings: Settings) -> list[tuple[str, str]] | None:
    """(path, sha-256) of every rule pack file the settings can reach: all shipped packs (a
    profile, ``auto``, or a pack extending one) and a pack given by path with the packs it
    extends by path. None when one cannot be read."""
    files = sorted(rules_dir().glob("*.toml"))
    chosen = settings.rules
    if not settings.profile and (_is_path(chosen) or Path(chosen).expanduser().is_file()):
        files.append(Path(chosen).expanduser())
    for file in files:  # grows while it is read: the packs each one extends by path
        parent = _extends_path(file)
        if parent is not None and parent not in files and len(files) < 256:
            files.append(parent)
    hashed = []
    for file in files:
        try:
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
        except OSError:
            return None
        hashed.append((str(file.resolve()), digest))
    return hashed


def _extends_path(pack: Path) -> Path | None:
    """The file a pack given by path ``extends`` when that is a path too (shipped packs are
    hashed anyway)."""
    try:
        data = tomllib.loads(pack.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # the audit reports it; the key still covers the file's bytes
    table = data.get("pack")
    parent = table.get("extends") if isinstance(table, dict) else None
    if not isinstance(parent, str) or not _is_path(parent):
        return None
    target = Path(parent).expanduser()
    return target if target.is_absolute() else pack.parent / target


def _is_path(name: str) -> bool:
    """A pack named by path rather than by a shipped pack's name (as the loader decides)."""
    return name.endswith(".toml") or "/" in name or "\\" in name


def _same_directory(first: Path, second: Path) -> bool:
    try:
        return first.resolve(strict=True) == second.resolve(strict=True)
    except OSError:
        return False
