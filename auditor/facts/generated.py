"""Generated Python code: migrations, protobuf output, files that say they were generated.

Generated code is not the author's writing, so the lint, complexity and size rules leave it
out, as they leave out vendored copies. What counts is data: the folder names, suffixes and
header markers in ``rules/vocabulary/paths.toml``.
"""

from __future__ import annotations

from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import term_set, terms

VOCABULARY = "paths"
#: Only the first lines of a file are read for a marker: generators write theirs on top.
HEADER_LINES = 10
HEADER_CHARS = 2_000


@fact
def generated_files(snapshot: Snapshot) -> frozenset[str]:
    """The Python files at HEAD (outside vendored folders) that are generated."""
    return frozenset(
        path
        for path, entry in snapshot.files.items()
        if entry.suffix == ".py"
        and not is_vendored(path)
        and is_generated(path, snapshot.text(path))
    )


def is_generated(path: str, text: str | None) -> bool:
    """Whether a Python file is generated, by its place, its name or its header."""
    parts = path.lower().split("/")
    name, folders = parts[-1], parts[:-1]
    if name.endswith(terms(VOCABULARY, "generated_suffixes")):
        return True
    if folders and name != "__init__.py" and _generated_folder(folders):
        return True
    if text is None:
        return False
    head = "\n".join(text[:HEADER_CHARS].splitlines()[:HEADER_LINES]).lower()
    return any(marker in head for marker in terms(VOCABULARY, "generated_markers"))


def _generated_folder(folders: list[str]) -> bool:
    last = folders[-1]
    if last not in term_set(VOCABULARY, "generated_folders"):
        return False
    if last == "migrations":
        return True
    return len(folders) > 1 and folders[-2] in term_set(VOCABULARY, "generated_folder_parents")
