"""What the history says about how the project was built: the author's own commits, the
largest single addition, the days worked, and vague commit subjects.

Everything here reads only ``snapshot.history``, the commits parsed in one ``git log`` pass.
The author's own commits are those that are neither merges nor made by bots: a merge records
someone else's work arriving, and a dependabot bump is not the candidate's habit. The words
that make a subject vague are data: ``rules/vocabulary/history.toml``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
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


#: Own commits this close together (seconds between one and the next), each of which only
#: adds files, are one upload: GitHub's "Add files via upload" a folder at a time, or a
#: history restarted as an orphan that re-adds the files one per commit.
BURST_GAP_SECONDS = 15 * 60


@dataclass(frozen=True)
class Growth:
    """How the files at HEAD arrived: the largest single addition among the own commits.

    An addition is one commit, or a burst of commits minutes apart that only add files.
    """

    commit: Commit  # the burst's first commit (the only one for a single commit)
    surviving: int  # files it added which still exist at HEAD (estimated past the cap)
    files: int  # files at HEAD
    later_changes: int  # paths added or changed (not deleted) by own commits after it
    later_commits: int  # how many own commits came after it
    commits: int = 1  # commits in the burst
    seconds: int = 0  # from the burst's first commit to its last

    @property
    def fraction(self) -> float:
        return self.surviving / self.files if self.files else 0.0

    def is_dump(self, max_dump_fraction: float) -> bool:
        """One addition brought most of the project, and little work followed it.

        The second half keeps a small project fair: three files created at once and then
        edited over ten commits grew over time even though one commit created them all.
        """
        return self.fraction > max_dump_fraction and self.later_changes < self.files


def _only_adds(commit: Commit) -> bool:
    return commit.added_count > 0 and commit.added_count == commit.changed_count


def additions(
    commits: tuple[Commit, ...], gap_seconds: int = BURST_GAP_SECONDS
) -> list[tuple[Commit, ...]]:
    """The own commits, oldest first, grouped into additions: each burst of commits that
    only add files, at most ``gap_seconds`` apart, is one group; any other commit is alone."""
    groups: list[list[Commit]] = []
    for commit in reversed(commits):
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and _only_adds(last)
            and _only_adds(commit)
            and 0 <= commit.timestamp - last.timestamp <= gap_seconds
        ):
            groups[-1].append(commit)
        else:
            groups.append([commit])
    return [tuple(group) for group in groups]


def _surviving(commit: Commit, files: Mapping[str, object]) -> set[str] | int:
    """The paths a commit added that exist at HEAD; a count when its list was capped."""
    listed = {path for path in commit.added if path in files}
    unlisted = commit.added_count - len(commit.added)
    if unlisted > 0 and commit.added:
        # The added list is capped: assume the unlisted paths survived at the same rate.
        return len(listed) + round(unlisted * len(listed) / len(commit.added))
    return listed


def growth_of(snapshot: Snapshot, gap_seconds: int = BURST_GAP_SECONDS) -> Growth | None:
    """The largest addition of files still present at HEAD (None without own commits)."""
    files = snapshot.files
    groups = additions(own_commits(snapshot), gap_seconds)
    best: Growth | None = None
    later = 0  # changed paths of the own commits newer than the group at hand
    newer = 0
    for group in reversed(groups):  # newest first, so ``later`` accumulates
        paths: set[str] = set()
        counted = 0
        for commit in group:
            found = _surviving(commit, files)
            if isinstance(found, int):
                counted += found
            else:
                paths |= found
        surviving = min(len(paths) + counted, len(files))
        if best is None or surviving >= best.surviving:  # ties go to the older addition
            seconds = group[-1].timestamp - group[0].timestamp
            best = Growth(group[0], surviving, len(files), later, newer, len(group), seconds)
        # Deleting what the upload brought (caches, a course's test files) is clean-up,
        # not the work that makes an upload a history.
        later += sum(c.changed_count - c.deleted_count for c in group)
        newer += len(group)
    return best


@fact
def history_growth(snapshot: Snapshot) -> Growth | None:
    """The largest addition (a commit, or a burst of uploads) of files still at HEAD."""
    return growth_of(snapshot)


@fact
def active_days(snapshot: Snapshot) -> tuple[str, ...]:
    """The distinct UTC calendar days (ISO dates, sorted) of the author's own commits."""
    return tuple(sorted({utc_iso(c.timestamp)[:10] for c in own_commits(snapshot)}))


#: A subject written this many times (numbers aside) is a routine, not a description.
MAX_REPEATS = 3


@fact
def vague_commits(snapshot: Snapshot) -> tuple[Commit, ...]:
    """The author's own commits whose subject says nothing about the change: vague words
    alone, or a subject repeated ``MAX_REPEATS`` times or more ("Day 5", "update" 20 times)."""
    own = own_commits(snapshot)
    repeated = repeated_subjects(own)
    return tuple(c for c in own if is_vague(c.subject) or subject_keys(c.subject) & repeated)


#: Only a short subject ("Day 5", "docker integration") is vague by repetition: a longer one
#: names its change even when the same change was needed again.
MAX_REPEATED_WORDS = 3


def subject_keys(subject: str) -> frozenset[str]:
    """What makes two subjects "the same": the subject with case, spacing and GitHub's
    " (#123)" evened out, and the same with its numbers left out ("Day 5" = "day 12")."""
    text = _PULL_REQUEST_SUFFIX.sub("", " ".join(subject.strip().lower()[:200].split()))
    template = " ".join("".join("#" if ch.isdigit() else ch for ch in text).split())
    return frozenset({text, template})


def repeated_subjects(commits: tuple[Commit, ...]) -> frozenset[str]:
    """Short subject keys written ``MAX_REPEATS`` times or more, routines aside."""
    counts = Counter(key for c in commits for key in subject_keys(c.subject))
    routine = term_set(VOCABULARY, "routine_words")
    return frozenset(
        key
        for key, count in counts.items()
        if count >= MAX_REPEATS
        and 0 < len(key.split()) <= MAX_REPEATED_WORDS
        and not routine.intersection(_WORD.findall(key.replace("#", " ")))
    )


_PULL_REQUEST_SUFFIX = re.compile(r"\s\(#\d{1,9}\)$")


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
    GitHub's web-editor default), or a single word ("tests", "sidebar": a part of the project
    at most, not what changed there). "Initial commit", "Create main.py" and "Fix typo" are
    clear.
    A conventional-commit prefix ("fix(api): ") is judged by what follows it.
    """
    text = subject.strip().lower()[:200]
    if len(text.split()) == 1:
        return True  # one word names a part of the project at most ("tests", "sidebar")
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
