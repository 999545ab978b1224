"""What the history says about how the project was built: the author's own commits, the
largest single addition, the days worked, and vague commit subjects.

Everything here reads only ``snapshot.history``, the commits parsed in one ``git log`` pass.
The author's own commits are those that are neither merges nor made by bots: a merge records
someone else's work arriving, and a dependabot bump is not the candidate's habit. The words
that make a subject vague are data: ``rules/vocabulary/history.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache

from auditor.source.history import Commit
from auditor.source.snapshot import Snapshot, fact
from auditor.vocabulary import term_set

VOCABULARY = "history"


@fact
def own_commits(snapshot: Snapshot) -> tuple[Commit, ...]:
    """The author's own commits, newest first: no merges, no bots."""
    return tuple(c for c in snapshot.history.commits if not c.is_merge and not c.is_bot)


@dataclass(frozen=True)
class Growth:
    """How the files at HEAD arrived: the largest single addition among the own commits."""

    commit: Commit
    surviving: int  # files that commit added which still exist at HEAD (estimated past the cap)
    files: int  # files at HEAD
    later_changes: int  # paths changed by the author's own commits after that one
    later_commits: int  # how many own commits came after it

    @property
    def fraction(self) -> float:
        return self.surviving / self.files if self.files else 0.0

    def is_dump(self, max_dump_fraction: float) -> bool:
        """One commit brought most of the project, and little work followed it.

        The second half keeps a small project fair: three files created at once and then
        edited over ten commits grew over time even though one commit created them all.
        """
        return self.fraction > max_dump_fraction and self.later_changes < self.files


@fact
def history_growth(snapshot: Snapshot) -> Growth | None:
    """The own commit that added the most files still present at HEAD (None without one)."""
    files = snapshot.files
    best: Growth | None = None
    later = 0  # changed paths of the own commits newer than the one at hand
    for newer, commit in enumerate(own_commits(snapshot)):
        listed = sum(1 for path in commit.added if path in files)
        unlisted = commit.added_count - len(commit.added)
        if unlisted > 0 and commit.added:
            # The added list is capped: assume the unlisted paths survived at the same rate.
            listed += round(unlisted * listed / len(commit.added))
        surviving = min(listed, len(files))
        if best is None or surviving >= best.surviving:  # ties go to the older commit
            best = Growth(commit, surviving, len(files), later, newer)
        later += commit.changed_count
    return best


@fact
def active_days(snapshot: Snapshot) -> tuple[str, ...]:
    """The distinct UTC calendar days (ISO dates, sorted) of the author's own commits."""
    return tuple(sorted({utc_iso(c.timestamp)[:10] for c in own_commits(snapshot)}))


@fact
def vague_commits(snapshot: Snapshot) -> tuple[Commit, ...]:
    """The author's own commits whose subject says nothing about the change."""
    return tuple(c for c in own_commits(snapshot) if is_vague(c.subject))


# ------------------------------------------------------------------------------ vague subjects

#: A conventional-commit prefix: ``fix:``, ``feat(api)!:``.
_CONVENTIONAL_PREFIX = re.compile(r"^[a-z]{1,16}(?:\([^)\n]{0,40}\))?!?:\s*")
_WORD = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")  # "latest-changes" is a name, one word


@cache
def vague_words() -> frozenset[str]:
    """Every word that, alone or only with others of its kind, makes a subject vague."""
    lists = ("vague_verbs", "vague_fillers", "keyboard_mashes")
    return frozenset().union(*(term_set(VOCABULARY, key) for key in lists))


def is_vague(subject: str) -> bool:
    """Whether a commit subject says nothing about the change.

    Vague: empty, only punctuation, made only of generic words ("update", "minor fixes",
    "wip", "Add files via upload"), or a generic verb and one file name ("Update README.md",
    GitHub's web-editor default). "Initial commit", "Create main.py" and "Fix typo" are clear.
    A conventional-commit prefix ("fix(api): ") is judged by what follows it.
    """
    text = subject.strip().lower()[:200]
    text = _CONVENTIONAL_PREFIX.sub("", text, count=1)
    tokens = text.split()
    if len(tokens) == 2 and tokens[0] in term_set(VOCABULARY, "file_verbs"):
        target = tokens[1]
        if "." in target.strip(".") or "/" in target or target == "readme":
            return True
    vague = vague_words()
    # A word of digits alone adds nothing: "update 2" is as vague as "update".
    return all(word.rstrip("0123456789") in vague or word.isdigit() for word in _WORD.findall(text))


def utc_iso(timestamp: int) -> str:
    """A commit timestamp as an ISO 8601 UTC time: ``2024-05-01T09:30:00Z``."""
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
