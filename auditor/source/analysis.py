"""What a snapshot reads on demand: the history in one ``git log`` pass, the Python files
streamed to the analysis under the token budget. Each is memoised by the snapshot."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.source.history import MAX_HISTORY_PATH_BYTES, History, PathBudget, read_history
from auditor.source.languages.python import PythonModule, recursion_headroom
from auditor.source.languages.python_workers import PendingModules
from auditor.source.snapshot import FileEntry, Snapshot, is_vendored


def read_snapshot_history(snapshot: Snapshot) -> History:
    if snapshot.git is None:
        return History(commits=(), truncated=False, shallow=False)
    limits = snapshot.limits
    budget = PathBudget()
    commits, paths_known = read_history(
        snapshot.git,
        max_commits=limits.max_commits + 1,
        max_message_bytes=limits.max_message_bytes,
        max_paths=limits.max_paths_per_commit,
        budget=budget,
    )
    if budget.spent:
        snapshot.note(
            f"the history adds more than {MAX_HISTORY_PATH_BYTES >> 20} MiB of paths: older "
            "commits were read without them"
        )
    truncated = len(commits) > limits.max_commits
    if truncated:
        commits = commits[: limits.max_commits]
        snapshot.note(f"history longer than {limits.max_commits} commits: truncated")
    if not paths_known:
        snapshot.note(
            "git could not list the files each commit changed (objects are missing from "
            "this clone): the history rules that need them were skipped"
        )
    return History(
        commits=commits,
        truncated=truncated,
        shallow=snapshot.shallow,
        paths_known=paths_known,
    )


def python_sources(snapshot: Snapshot) -> tuple[tuple[str, str], ...]:
    return snapshot.memo(python_analysis).sources


def _python_entries(snapshot: Snapshot) -> list[FileEntry]:
    entries = [e for e in snapshot.files.values() if e.suffix == ".py" and not is_vendored(e.path)]
    if len(entries) > snapshot.limits.max_python_files:
        snapshot.note(
            f"more than {snapshot.limits.max_python_files} Python files: the rest were not parsed"
        )
        entries = entries[: snapshot.limits.max_python_files]
    return entries


def _stream_python_sources(
    snapshot: Snapshot, entries: list[FileEntry]
) -> Iterator[tuple[str, str]]:
    """(path, text) of the Python files in order, until the token budget is spent."""
    budget = snapshot.limits.max_python_tokens
    texts = snapshot.stream_texts([entry.path for entry in entries])
    try:
        for index, (path, text) in enumerate(texts):
            if text is None:
                continue
            budget -= python_tokens(text)
            if budget < 0:
                snapshot.note(
                    f"more than {snapshot.limits.max_python_tokens:,} words and symbols of "
                    f"Python: {len(entries) - index} Python file(s) were not parsed"
                )
                return
            yield path, text
    finally:
        texts.close()  # the stream's git ends with the reading


_PYTHON_TOKEN = re.compile(r"\w+|[^\w\s]")


def python_tokens(text: str) -> int:
    """About how many tokens Python would read in ``text``: words, numbers and symbols
    (a fast stand-in for the size of its syntax tree)."""
    return _PYTHON_TOKEN.subn("", text)[1]


def python_analysis(snapshot: Snapshot) -> PendingModules:
    recursion_headroom()
    entries = _python_entries(snapshot)
    # Streamed: worker processes start on the first files while the rest are read and
    # counted against the budget.
    return PendingModules(
        _stream_python_sources(snapshot, entries),
        max_depth=snapshot.limits.max_ast_depth,
        workers=snapshot.limits.workers,
        expected_bytes=sum(entry.size for entry in entries),
    )


def python_modules(snapshot: Snapshot) -> tuple[PythonModule, ...]:
    return snapshot.memo(python_analysis).result()
