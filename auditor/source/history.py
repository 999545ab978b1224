"""The commit history, read in one streamed ``git log`` pass."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from auditor.source.git import Git, GitError
from auditor.vocabulary import term_set, terms

#: One commit's record (metadata, message and changed paths) is cut past this size; a commit
#: touching 100,000 paths stays well inside it.
_MAX_RECORD_BYTES = 32 << 20

#: The most bytes of added paths kept for the whole history. Each record is bounded on its
#: own, but thousands of commits each adding thousands of long paths would still add up to
#: gigabytes; past this budget later (older) commits keep their counts and no paths.
MAX_HISTORY_PATH_BYTES = 48 << 20

#: What one kept path costs beyond its bytes (a ``str`` object and its slot in a tuple), so
#: that millions of one-character paths are bounded too.
_PATH_OVERHEAD = 64


@dataclass(frozen=True)
class Commit:
    """One commit as the history rules need it (no diffs, only which paths changed)."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    timestamp: int  # author date, seconds since the epoch
    message: str  # truncated to the history bound
    added: tuple[str, ...]  # paths added (capped; see ``added_count``)
    added_count: int
    changed_count: int  # every path added, modified, deleted or retyped
    deleted_count: int = 0  # paths deleted (a clean-up, not growth)

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def is_bot(self) -> bool:
        """Commits by automation (dependabot, pre-commit-ci, release bots) are not the author's."""
        return is_bot_author(self.author_name, self.author_email)


@dataclass(frozen=True)
class History:
    """The commits reachable from HEAD, newest first, and how complete that list is."""

    commits: tuple[Commit, ...]
    truncated: bool  # more commits exist than the bound allowed
    shallow: bool  # the clone is shallow: older history is missing
    #: False when git could not list the changed paths (objects missing from the clone):
    #: the commits are known, which files each added is not.
    paths_known: bool = True


def is_bot_author(name: str, email: str) -> bool:
    """Whether an author is automation: a ``[bot]`` account, or a name or e-mail address
    listed in ``rules/vocabulary/history.toml`` (``bot_names``, ``bot_emails``)."""
    name, email = name.strip().lower(), email.strip().lower()
    if "[bot]" in name or "[bot]" in email:
        return True
    if name in term_set("history", "bot_names") or email in term_set("history", "bot_emails"):
        return True
    return email.endswith(terms("history", "bot_email_domains"))


@dataclass
class PathBudget:
    """What is left of the bytes of added paths the whole history may keep."""

    left: int = MAX_HISTORY_PATH_BYTES
    spent: bool = False  # some commit's paths were dropped for want of budget

    def take(self, path: bytes) -> bool:
        cost = len(path) + _PATH_OVERHEAD
        if cost > self.left:
            self.left = 0
            self.spent = True
            return False
        self.left -= cost
        return True


def read_history(
    git: Git,
    *,
    max_commits: int,
    max_message_bytes: int,
    max_paths: int,
    budget: PathBudget | None = None,
) -> tuple[tuple[Commit, ...], bool]:
    """Every commit reachable from HEAD (at most ``max_commits``), newest first, and
    whether the paths each commit changed are known.

    The added paths kept for all commits together stay inside ``budget`` (a fresh
    ``PathBudget`` when none is given); ``budget.spent`` tells whether it ran out.

    Listing changed paths reads every commit's trees: in a clone with missing objects (a
    broken partial clone, a pruned pack) that ``git log`` fails, and the history is read
    again without the paths instead of being lost to every history rule.
    """
    budget = budget if budget is not None else PathBudget()
    try:
        return _read(git, max_commits, max_message_bytes, max_paths, budget, with_paths=True), True
    except GitError:
        return (
            _read(git, max_commits, max_message_bytes, max_paths, budget, with_paths=False),
            False,
        )


def _read(
    git: Git,
    max_commits: int,
    max_message_bytes: int,
    max_paths: int,
    budget: PathBudget,
    *,
    with_paths: bool,
) -> tuple[Commit, ...]:
    marker = b"\x1e" + secrets.token_hex(12).encode("ascii")
    fmt = "%x1e" + marker[1:].decode("ascii") + "%H%x00%P%x00%an%x00%ae%x00%at%x00%B%x00"
    chunks = git.stream(
        "log",
        "-z",
        "--no-renames",
        "--no-textconv",
        "--no-ext-diff",
        "--no-show-signature",
        "--no-color",
        # Submodules are never looked into: without this, git reads their configuration
        # (.gitmodules at HEAD included) and an invalid value there ends the whole log.
        # "none", not "all": gitlinks are still listed as changed paths, so a tree of a
        # billion of them fills git's memory bound in seconds instead of being walked in
        # silence for minutes.
        "--ignore-submodules=none",
        *(["--name-status"] if with_paths else []),
        f"--max-count={max_commits}",
        f"--format={fmt}",
        "HEAD",
        "--",
    )
    return tuple(
        _parse_record(record, max_message_bytes, max_paths, budget)
        for record in _split_records(chunks, marker)
    )


def _split_records(
    chunks: Iterable[bytes], marker: bytes, limit: int = _MAX_RECORD_BYTES
) -> Iterator[bytes]:
    """The records between markers, in linear time, each cut to at most ``limit`` bytes.

    Only the bytes that arrived since the last search are scanned (plus the few that could
    start a marker split across two chunks), so one enormous commit message costs one pass;
    the part of a record past ``limit`` is dropped instead of held in memory.
    """
    record = bytearray()
    dropped = False
    pending = b""  # tail of the last chunk that may be the start of a split marker
    keep = len(marker) - 1
    for chunk in chunks:
        data = pending + chunk
        start = 0
        while (found := data.find(marker, start)) != -1:
            _append(record, data[start:found], limit)
            if record or dropped:
                yield bytes(record)
            record.clear()
            dropped = False
            start = found + len(marker)
        rest = data[start:]
        pending = rest[-keep:] if keep and len(rest) > keep else rest if keep else b""
        body = rest[: len(rest) - len(pending)]
        dropped |= _append(record, body, limit)
    _append(record, pending, limit)
    if record:
        yield bytes(record)


def _append(record: bytearray, data: bytes, limit: int) -> bool:
    """Add to a record up to its limit; True when something had to be dropped."""
    room = limit - len(record)
    if room > 0:
        record += data[:room]
    return len(data) > max(room, 0)


def _parse_record(
    record: bytes, max_message_bytes: int, max_paths: int, budget: PathBudget | None = None
) -> Commit:
    budget = budget if budget is not None else PathBudget()
    fields = record.split(b"\x00", 6)
    while len(fields) < 7:
        fields.append(b"")
    sha, parents, name, email, when, message, rest = fields
    added: list[str] = []
    added_count = changed_count = deleted_count = 0
    names = rest.lstrip(b"\x00\n").split(b"\x00")
    for status, path in zip(names[0::2], names[1::2], strict=False):
        if not status:
            continue
        changed_count += 1
        if status[:1] == b"D":
            deleted_count += 1
        if status[:1] == b"A":
            added_count += 1
            if len(added) < max_paths and budget.take(path):
                added.append(path.decode("utf-8", "replace"))
    return Commit(
        sha=sha.decode("ascii", "replace"),
        parents=tuple(p.decode("ascii", "replace") for p in parents.split()),
        author_name=_text(name, 256),
        author_email=_text(email, 256),
        timestamp=_timestamp(when),
        message=_text(message, max_message_bytes).strip("\n"),
        added=tuple(added),
        added_count=added_count,
        changed_count=changed_count,
        deleted_count=deleted_count,
    )


#: 9999-12-30 UTC: later dates are crafted, and no ``datetime`` in every time zone holds them.
LATEST_TIMESTAMP = 253_402_128_000


def _timestamp(raw: bytes) -> int:
    """Seconds since the epoch, or 0 (unknown) for a date git could not read or no calendar
    can show (a commit object may carry any number there)."""
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 12:
        return 0
    value = int(raw)
    return value if value <= LATEST_TIMESTAMP else 0


def _text(raw: bytes, limit: int) -> str:
    return raw[:limit].decode("utf-8", "replace")
