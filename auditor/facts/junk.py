"""Committed junk: caches, virtual environments, build output and editor files at HEAD.

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
        found = junk_of(path, venvs)
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
