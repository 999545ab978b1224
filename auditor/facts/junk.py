"""Committed junk: caches, virtual environments, build output, editor files, databases and
logs at HEAD.

What counts as junk is data: ``rules/vocabulary/hygiene.toml``. A folder holding
``pyvenv.cfg`` is a virtual environment whatever its name.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.source.snapshot import Snapshot, fact
from auditor.vocabulary import term_set, terms

VOCABULARY = "hygiene"
#: The file that marks its folder as a virtual environment.
VENV_MARKER = "pyvenv.cfg"


@dataclass(frozen=True)
class JunkGroup:
    """Committed junk of one kind: a folder (``root`` ends with "/") or a file."""

    kind: str  # "venv/", "__pycache__/", "*.egg-info/", ".DS_Store", "*.pyc", ...
    root: str  # the junk folder ("src/__pycache__/") or the junk file's path
    files: int


@fact
def committed_junk(snapshot: Snapshot) -> tuple[JunkGroup, ...]:
    """Junk folders and files at HEAD (symlinks included), largest first."""
    paths = [*snapshot.files, *snapshot.symlinks]
    marker = "/" + VENV_MARKER
    venvs = {p[: -len(marker)] for p in paths if p.endswith(marker)}
    groups: dict[str, tuple[str, int]] = {}
    for path in paths:
        found = junk_of(path, venvs) or _runtime_data(path)
        if found is not None:
            kind, root = found
            groups[root] = (kind, groups.get(root, (kind, 0))[1] + 1)
    junk = [JunkGroup(kind, root, count) for root, (kind, count) in groups.items()]
    return tuple(sorted(junk, key=lambda g: (-g.files, g.root)))


def junk_of(path: str, venvs: set[str] | frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """(kind, root) when a path is junk, judged by its outermost junk folder or its name.

    ``venvs``: folders known to be virtual environments (they hold ``pyvenv.cfg``).
    """
    junk_dirs = term_set(VOCABULARY, "junk_dirs")
    root_junk_dirs = term_set(VOCABULARY, "root_junk_dirs")
    dir_suffixes = terms(VOCABULARY, "junk_dir_suffixes")
    parts = path.split("/")
    for depth, folder in enumerate(parts[:-1]):
        root = "/".join(parts[: depth + 1])
        if folder in junk_dirs or root in venvs or (depth == 0 and folder in root_junk_dirs):
            return f"{folder}/", f"{root}/"
        for suffix in dir_suffixes:
            if folder.endswith(suffix):
                return f"*{suffix}/", f"{root}/"
    name = parts[-1]
    if name in term_set(VOCABULARY, "junk_names"):
        return name, path
    for suffix in terms(VOCABULARY, "junk_suffixes"):
        if name.endswith(suffix):
            return f"*{suffix}", path
    return None


def _runtime_data(path: str) -> tuple[str, str] | None:
    """(kind, path) for a database, a dump or a log: data a program writes as it runs,
    which belongs out of git (a test's or a fixture's own database is part of the tests)."""
    from auditor.facts.secret_clues import is_test_or_fixture

    name = path.rpartition("/")[2].lower()
    for suffix in terms(VOCABULARY, "runtime_data_suffixes"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return None if is_test_or_fixture(path) else (f"*{suffix}", path)
    return None


@dataclass(frozen=True)
class DeletedJunk:
    """Junk of one kind that a commit added and that is gone at HEAD: still published."""

    kind: str
    root: str
    files: int  # paths under ``root`` that commits added (as far as their lists were kept)
    commit: str  # the sha of the first commit that added one of them


@fact
def history_junk(snapshot: Snapshot) -> tuple[DeletedJunk, ...]:
    """Junk folders and files added by some commit and no longer at HEAD, largest first.

    Junk here is the heavy part of what GIT005 calls junk: environments, installed
    dependencies and build output (``history_junk_dirs``; a folder that ever held
    ``pyvenv.cfg`` was an environment), and databases (``history_junk_suffixes``).
    Every commit counts, bots and merges too: what they added is as published.
    """
    present = set(snapshot.files) | set(snapshot.symlinks)
    added: dict[str, str] = {}  # path -> the oldest commit that added it
    for commit in snapshot.history.commits:  # newest first: the last write is the oldest
        for path in commit.added:
            added[path] = commit.sha
    gone = [path for path in added if path not in present]
    at_head = {group.root for group in committed_junk(snapshot)}
    marker = "/" + VENV_MARKER
    venvs = {p[: -len(marker)] for p in added if p.endswith(marker)}
    suffixes = terms(VOCABULARY, "history_junk_suffixes")
    groups: dict[str, tuple[str, int, str]] = {}
    for path in gone:
        found = junk_of(path, venvs)
        if found is not None and not _heavy(*found, venvs):
            found = None  # a deleted .DS_Store or __pycache__ is litter, not a published dump
        if found is None and path.lower().endswith(suffixes) and not _in_fixtures(path):
            found = "*" + next(s for s in suffixes if path.lower().endswith(s)), path
        if found is None:
            continue
        kind, root = found
        if root in at_head:
            continue  # still at HEAD: GIT005's
        _, count, first = groups.get(root, (kind, 0, added[path]))
        groups[root] = (kind, count + 1, first)
    junk = [DeletedJunk(kind, root, count, sha) for root, (kind, count, sha) in groups.items()]
    return tuple(sorted(junk, key=lambda g: (-g.files, g.root)))


def _heavy(kind: str, root: str, venvs: set[str]) -> bool:
    """Environments, installed dependencies and build output: ``history_junk_dirs``."""
    return root.rstrip("/") in venvs or kind.rstrip("/") in term_set(
        VOCABULARY, "history_junk_dirs"
    )


def _in_fixtures(path: str) -> bool:
    """Test data (a sample database under tests/fixtures/) is not junk."""
    folders = term_set(VOCABULARY, "fixture_dirs") | term_set(VOCABULARY, "test_dirs")
    return any(part.lower() in folders for part in path.split("/")[:-1])
