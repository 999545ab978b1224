"""Credentials the history still publishes: lines added by any commit and gone from HEAD,
and files that usually hold secrets added by any commit.

A password replaced by an environment lookup in a "Fix password" commit, or a .env file
deleted later, can still be read with ``git log -p``. The history's added lines are read in
one streamed ``git log -p`` pass (never ``textconv`` nor an external diff driver; the
neutralising configuration of :class:`auditor.source.git.Git`), bounded by
:data:`MAX_LOG_BYTES` and the history's commit bound, and scanned with the same detectors
and the same judgement of context as the files at HEAD. A value still in the file at HEAD
is left to the HEAD scan. Values never leave this module.
"""

from __future__ import annotations

import codecs
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from auditor.facts.junk import junk_of
from auditor.facts.secret_clues import (
    in_fixture_dir,
    is_env_file,
    is_secret_file,
    is_test_or_fixture,
    is_third_party,
)
from auditor.facts.secret_engine import SCAN_SECONDS, Budget, clue_words
from auditor.facts.secrets import SecretHit, scan_text, token_formats
from auditor.source.git import Git, GitError
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import terms

#: The diff text read from ``git log -p`` at most: past it the rest of the history is left
#: out, and the card says so.
MAX_LOG_BYTES = 48 << 20
#: Added lines longer than this are minified or generated, and are not kept.
MAX_LINE = 4_000
#: Added lines kept for one file of one commit.
MAX_FILE_LINES = 20_000
#: Seconds ``git log -p`` may run: git diffs every commit to apply its pickaxe, which on a
#: history of tens of thousands of commits takes longer than the rest of the audit.
HISTORY_SECONDS = 3.0
#: Commits whose added lines are read, newest first: a portfolio's history is far shorter,
#: and a longer one is cut there (the card says so) rather than diffed whole.
MAX_HISTORY_COMMITS = 2_000


@dataclass
class _FileDiff:
    commit: str
    path: str
    numbers: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


@fact
def secrets_in_history(snapshot: Snapshot) -> tuple[SecretHit, ...]:
    """Suspected secrets added by a commit and no longer in that file at HEAD, oldest
    commit's first; empty outside git."""
    git = snapshot.git
    if git is None:
        return ()
    found: dict[tuple[str, str], SecretHit] = {}
    budget = Budget()
    timed = Git(git.git_dir, timeout=min(git.timeout, HISTORY_SECONDS))
    try:
        bound = min(snapshot.limits.max_commits, MAX_HISTORY_COMMITS)
        commits = snapshot.history.commits
        # git's pickaxe counts only the commits it keeps against --max-count: on a history
        # with no clue word it would diff every commit back to the first. Older commits
        # than the bound are excluded from the walk instead.
        older = commits[bound].sha if len(commits) > bound else None
        if older is not None and not _is_sha(older):
            older = None  # never an option or a revision expression on git's command line
        if older is not None:
            snapshot.note(
                f"the newest {bound:,} commits were searched for credentials in the history"
            )
        diffs, complete = _added_lines(timed, bound, older)
        for diff in diffs:
            if _skipped(diff.path):
                continue
            head = snapshot.text(diff.path) or ""
            for hit in scan_text(diff.path, "\n".join(diff.lines), budget=budget):
                if hit.value in head:
                    continue  # still there: the HEAD scan judges it
                line = diff.numbers[hit.line - 1] if hit.line <= len(diff.numbers) else 0
                # Newest first: the oldest commit that added a value is the one kept.
                found[(diff.path, hit.value)] = SecretHit(
                    diff.path, line, hit.kind, hit.category, "history", diff.commit
                )
    except GitError as exc:
        # What was found before the stop stands: the newest commits come first.
        snapshot.note(f"the history was searched for credentials only in part: {exc}")
    if budget.exhausted:
        snapshot.note(
            f"detect-secrets stopped after {SCAN_SECONDS:.0f} s on the history: the rest was "
            "searched by the auditor's own secret detectors only"
        )
    if not complete[0]:
        snapshot.note(
            f"only the first {MAX_LOG_BYTES >> 20} MiB of the history's diffs were searched "
            "for credentials"
        )
    return tuple(sorted(found.values(), key=lambda h: (h.path, h.line, h.commit)))


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def _skipped(path: str) -> bool:
    """Third-party and generated files, whether committed now or once (a deleted venv)."""
    return is_vendored(path) or in_fixture_dir(path) or is_third_party(path) or bool(junk_of(path))


def _added_lines(
    git: Git, max_commits: int, older: str | None = None
) -> tuple[Iterator[_FileDiff], list[bool]]:
    """Each file's added lines per commit (none from ``older`` and its ancestors), and a
    one-item list that ends up False when the byte bound cut the log."""
    marker = "\x1e" + secrets.token_hex(12)
    chunks = git.stream(
        "log",
        "-p",
        "-U0",
        "--no-renames",
        "--no-textconv",
        "--no-ext-diff",
        "--no-color",
        "--ignore-submodules=all",
        "--diff-filter=AM",
        # git's pickaxe keeps only the files whose diff holds a word some detector needs:
        # the rest of the history is never printed, let alone read here.
        "--regexp-ignore-case",
        f"-G{_pickaxe()}",
        f"--max-count={max_commits}",
        f"--format={marker}%H",
        "HEAD",
        *([f"^{older}"] if older else []),
        "--",
    )
    complete = [True]
    return _parse(_bounded_lines(chunks, complete), marker), complete


def _pickaxe() -> str:
    """An extended regular expression of literal alternatives: every word a detector needs."""
    words = set(clue_words()) | set(terms("hygiene", "env_key_names"))
    words |= {needle.lower() for token in token_formats() for needle in token.needles}
    return "|".join(_ere_escape(word) for word in sorted(words))


def _ere_escape(word: str) -> str:
    return "".join(f"\\{ch}" if ch in ".[]()*+?{}|^$\\" else ch for ch in word)


def _bounded_lines(chunks: Iterable[bytes], complete: list[bool]) -> Iterator[str]:
    """The log's lines, decoded, up to :data:`MAX_LOG_BYTES` (then the stream is closed)."""
    read = 0
    pending = b""
    for chunk in chunks:
        read += len(chunk)
        if read > MAX_LOG_BYTES:
            complete[0] = False
            break
        data = pending + chunk
        *whole, pending = data.split(b"\n")
        for raw in whole:
            yield raw[: MAX_LINE + 1].decode("utf-8", "replace")
    if pending and complete[0]:
        yield pending[: MAX_LINE + 1].decode("utf-8", "replace")


def _parse(lines: Iterable[str], marker: str) -> Iterator[_FileDiff]:
    commit = ""
    current: _FileDiff | None = None
    number = 0
    for line in lines:
        if line.startswith(marker):
            if current is not None and current.lines:
                yield current
            commit, current = line[len(marker) :].strip(), None
        elif line.startswith("+++ "):
            if current is not None and current.lines:
                yield current
            path = _diff_path(line[4:])
            current = _FileDiff(commit, path) if path else None
        elif line.startswith("@@ "):
            number = _new_start(line)
        elif line.startswith("+") and current is not None:
            if len(line) <= MAX_LINE and len(current.lines) < MAX_FILE_LINES:
                current.numbers.append(number)
                current.lines.append(line[1:])
            number += 1
    if current is not None and current.lines:
        yield current


def _diff_path(raw: str) -> str:
    """``b/path`` (or git's C-quoted ``"b/p\\303\\251"``) as a path; "" for /dev/null."""
    raw = raw.rstrip("\t")
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        try:
            decoded = codecs.escape_decode(raw[1:-1].encode("utf-8"))[0]
            raw = decoded.decode("utf-8", "replace")
        except ValueError:
            return ""
    return raw[2:] if raw.startswith("b/") else ""


def _new_start(header: str) -> int:
    """The first new line number of a hunk header ``@@ -a,b +c,d @@``."""
    plus = header.find(" +")
    if plus < 0:
        return 0
    digits = header[plus + 2 :].split(",", 1)[0].split(" ", 1)[0]
    return int(digits) if digits.isdigit() else 0


# ------------------------------------------------------------------------------ whole files


@dataclass(frozen=True)
class PublishedFile:
    """A secret-holding file added by a commit: where, by which commit, and whether it remains."""

    path: str
    sha: str
    at_head: bool


@fact
def secret_files_in_history(snapshot: Snapshot) -> tuple[PublishedFile, ...]:
    """Secret-holding files any commit added (the first commit that added each), by path."""
    first_added: dict[str, str] = {}
    for commit in snapshot.history.commits:  # newest first: the oldest addition wins
        for path in commit.added:
            if is_secret_file(path) and not is_vendored(path) and not is_test_or_fixture(path):
                first_added[path] = commit.sha
    return tuple(
        PublishedFile(path, sha, path in snapshot.files)
        for path, sha in sorted(first_added.items())
        if not _holds_only_placeholders(snapshot, path, sha)
    )


def _holds_only_placeholders(snapshot: Snapshot, path: str, sha: str) -> bool:
    """A .env-style file whose every credential-named value is a placeholder (what GIT006
    reads there), or that is empty: committed, but it publishes nothing. Judged at HEAD, or
    for a file deleted since, as the commit that added it wrote it (a secret written into
    it later is an added line, which GIT008 reads)."""
    name = path.rpartition("/")[2]
    if not is_env_file(name):
        return False
    at_head = path in snapshot.files
    text = snapshot.text(path) if at_head else _added_version(snapshot, path, sha)
    return text is not None and not scan_text(path, text)


#: A deleted .env file is read back from the history only up to this size.
MAX_ENV_BYTES = 64 << 10


def _added_version(snapshot: Snapshot, path: str, sha: str) -> str | None:
    """The text a commit gave a file (None when it cannot be read, or is too large)."""
    git = snapshot.git
    if git is None or "\n" in path or not _is_sha(sha):
        return None
    spec = f"{sha}:{path}"
    try:
        size = int(git.run("cat-file", "-s", spec).strip() or b"-1")
        if not 0 <= size <= MAX_ENV_BYTES:
            return None
        data = git.run("cat-file", "blob", spec) if size else b""
    except (GitError, ValueError):
        return None
    return data.decode("utf-8", "replace")
