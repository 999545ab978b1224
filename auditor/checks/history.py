"""History primitives (GIT001-GIT003) and the ``commits`` signal group.

The measures are facts (:mod:`auditor.facts.history`): the author's own commits (no merges,
no bots), the largest single addition, the days worked and the vague subjects. Here they are
judged against the rules' thresholds.
"""

from __future__ import annotations

import re
from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.facts.history import (
    BURST_GAP_SECONDS,
    active_days,
    growth_of,
    history_growth,
    own_commits,
    utc_iso,
    vague_commits,
)
from auditor.facts.junk import history_junk
from auditor.model import Evidence, Outcome
from auditor.source.snapshot import Snapshot

#: The default of GIT001's ``max_dump_fraction``, used for the ``single_dump`` signal.
DEFAULT_MAX_DUMP_FRACTION = 0.8

NOT_VERSIONED = (
    "Not under version control: this folder has no git history. Run `git init`, commit your "
    "work in small steps with clear messages, and push it."
)
SHALLOW = (
    "The clone is shallow, so the full history is not visible: run `git fetch --unshallow` "
    "(in GitHub Actions, set `fetch-depth: 0` on actions/checkout)."
)

PATHS_UNKNOWN = (
    "git could not list the files each commit changed (objects are missing from this "
    "clone), so how the project grew cannot be measured: fetch the full history."
)

_MAX_EXAMPLES = 5
_MAX_SUBJECT_SHOWN = 80

# ------------------------------------------------------------------------------ primitives


@primitive("history_grew")
def history_grew(
    snapshot: Snapshot,
    *,
    max_dump_fraction: float = DEFAULT_MAX_DUMP_FRACTION,
    grown_fraction: float = 0.5,
    min_commits: int = 5,
    burst_minutes: float = BURST_GAP_SECONDS / 60,
) -> Outcome:
    """The project was built up over several commits, not committed as one dump (a single
    commit, or a burst of commits minutes apart that only add files)."""
    if not snapshot.has_history:
        return Outcome.failed(NOT_VERSIONED)
    if snapshot.shallow:
        return Outcome.skipped(SHALLOW)
    if not snapshot.files:
        return Outcome.skipped("There are no files at HEAD to measure the history against.")
    if not snapshot.history.paths_known:
        return Outcome.skipped(PATHS_UNKNOWN)
    gap = round(burst_minutes * 60)
    growth = history_growth(snapshot) if gap == BURST_GAP_SECONDS else growth_of(snapshot, gap)
    if growth is None:
        return Outcome.skipped("Every commit is a merge or by a bot: none of the author's own.")
    own = len(own_commits(snapshot))
    sha = growth.commit.sha[:7]
    share = f"{growth.surviving:,} of the {growth.files:,} files at HEAD ({growth.fraction:.0%})"
    evidence = (Evidence("", None, _shown(growth.commit.subject), commit=growth.commit.sha),)
    if growth.is_dump(max_dump_fraction) and growth.commits > 1:
        minutes = max(1, round(growth.seconds / 60))
        after, paths = growth.later_commits, growth.later_changes
        return Outcome.failed(
            f"An upload, not a history: {growth.commits} commits within {minutes} minute"
            f"{'s' if minutes != 1 else ''}, each only adding files (from {sha}, "
            f"{_shown(growth.commit.subject)}), added {share}, and the {after:,} "
            f"commit{'s' if after != 1 else ''} after them changed only {paths:,} "
            f"path{'s' if paths != 1 else ''}. Commit as you work, one logical change at a time.",
            evidence,
        )
    if growth.is_dump(max_dump_fraction):
        if own <= 2:
            where = f"in a history of {own} commit{'s' if own > 1 else ''}"
        else:
            after, paths = growth.later_commits, growth.later_changes
            where = (
                f"and the {after:,} commit{'s' if after != 1 else ''} after it changed only "
                f"{paths:,} path{'s' if paths != 1 else ''}"
            )
        return Outcome.failed(
            f"One commit holds the whole project: {sha} added {share}, {where}. "
            "Commit as you work, one logical change at a time.",
            evidence,
        )
    # Between a project that grew and a dump, credit falls with the share of the project
    # one addition brought (from full at ``grown_fraction`` to half at ``max_dump_fraction``)
    # unless the work after it changed as many paths as the project has files.
    arrived = 1.0
    if (
        growth.fraction > grown_fraction
        and max_dump_fraction > grown_fraction
        and growth.later_changes < growth.files
    ):
        over = min(1.0, (growth.fraction - grown_fraction) / (max_dump_fraction - grown_fraction))
        arrived = 1.0 - 0.5 * over
    if own < min_commits:
        return Outcome.graded(
            min(arrived, own / min_commits),
            f"Only {own} commit{'s' if own != 1 else ''} of your own "
            f"({min_commits} or more show the project growing); the largest, {sha}, added "
            f"{share}.",
            evidence,
        )
    if arrived < 1.0:
        return Outcome.graded(
            arrived,
            f"Most of the project arrived at once: {sha} added {share}, and the history grew "
            f"around it over {own:,} commits of your own. Commit as you work, one logical change "
            "at a time.",
            evidence,
        )
    return Outcome.passed(
        f"The history grew over {own:,} commits of your own; the largest, {sha}, added {share}.",
        evidence,
    )


@primitive("commit_messages")
def commit_messages(snapshot: Snapshot, *, max_subject_length: int = 72) -> Outcome:
    """Commit subjects say what changed, in at most ``max_subject_length`` characters."""
    if not snapshot.has_history:
        return Outcome.failed(NOT_VERSIONED)
    own = own_commits(snapshot)
    if not own:
        return Outcome.skipped("Every commit is a merge or by a bot: no messages of your own.")
    vague = {c.sha for c in vague_commits(snapshot)}
    examples: list[Evidence] = []
    overlong = 0
    for commit in own:
        subject = commit.subject
        if commit.sha in vague:
            problem = "vague"
        elif _length(subject) > max_subject_length:
            overlong += 1
            problem = f"{_length(subject)} characters"
        else:
            continue
        if len(examples) < _MAX_EXAMPLES:
            examples.append(Evidence("", None, f"{problem}: {_shown(subject)}", commit=commit.sha))
    unclear = len(vague) + overlong
    clear = len(own) - unclear
    seen = f" ({len(own):,} visible in this shallow clone)" if snapshot.shallow else ""
    if not unclear:
        return Outcome.passed(f"All {len(own):,} commit subjects of your own are clear{seen}.")
    parts = []
    if vague:
        parts.append(f"{len(vague):,} vague")
    if overlong:
        parts.append(f"{overlong:,} longer than {max_subject_length} characters")
    shown = "; ".join(f"{e.path} {e.note}".strip() for e in examples[:3])
    return Outcome.graded(
        clear / len(own),
        f"{clear:,} of {len(own):,} commit subjects are clear{seen}: {', '.join(parts)} "
        f"(e.g. {shown}). Say what each commit changes and why.",
        tuple(examples),
    )


@primitive("active_days")
def active_days_check(snapshot: Snapshot, *, min_days: int = 3) -> Outcome:
    """The author's commits fall on at least ``min_days`` distinct days."""
    if not snapshot.has_history:
        return Outcome.failed(NOT_VERSIONED)
    if snapshot.shallow:
        return Outcome.skipped(SHALLOW)
    days = active_days(snapshot)
    if not days:
        return Outcome.skipped("Every commit is a merge or by a bot: none of the author's own.")
    count = len(days)
    plural = "s" if count != 1 else ""
    span = days[0] if count == 1 else f"{days[0]} to {days[-1]}"
    if count >= min_days:
        return Outcome.passed(f"Your commits fall on {count:,} distinct day{plural} ({span}).")
    return Outcome.graded(
        count / max(min_days, 1),
        f"Your commits fall on {count} distinct day{plural} ({span}); {min_days} or more show "
        "sustained work. Keep iterating: fix issues, add tests, improve the docs.",
    )


@primitive("no_history_junk")
def no_history_junk(snapshot: Snapshot) -> Outcome:
    """No junk (environments, dependencies, build output, databases) was committed and then
    deleted: it is still published in the history."""
    if not snapshot.has_history:
        return Outcome.skipped("Not under version control: nothing was ever published.")
    if not snapshot.history.paths_known:
        return Outcome.skipped(PATHS_UNKNOWN)
    junk = history_junk(snapshot)
    seen = " in the visible history" if snapshot.shallow or snapshot.history.truncated else ""
    if not junk:
        return Outcome.passed(f"No junk was committed and later deleted{seen}.")
    shown = []
    for group in junk[:_MAX_EXAMPLES]:
        size = f" ({group.files:,} files)" if group.root.endswith("/") else ""
        shown.append(f"{group.root}{size} added in {group.commit[:7]}")
    more = f" and {len(junk) - _MAX_EXAMPLES:,} more" if len(junk) > _MAX_EXAMPLES else ""
    return Outcome.failed(
        f"Junk committed and deleted later is still published{seen}: {'; '.join(shown)}{more}. "
        "Rewrite the history without it (git filter-repo) and list it in .gitignore.",
        tuple(
            Evidence(g.root, None, f"{g.kind}, deleted since", commit=g.commit)
            for g in junk[:_MAX_EXAMPLES]
        ),
    )


# ------------------------------------------------------------------------------ signals


@signal_group("commits")
def commits_signals(snapshot: Snapshot) -> dict[str, Any]:
    """Counts and dates of the history, and the facts the history rules judge."""
    commits = snapshot.history.commits
    own = own_commits(snapshot)
    growth = history_growth(snapshot) if snapshot.has_history else None
    stamps = [c.timestamp for c in commits]
    single_dump = None
    if growth is not None and not snapshot.shallow and snapshot.history.paths_known:
        single_dump = growth.is_dump(DEFAULT_MAX_DUMP_FRACTION)
    return {
        "count": len(commits),
        "authors": len({c.author_email.lower() for c in commits if not c.is_bot}),
        "first": utc_iso(min(stamps)) if stamps else None,
        "last": utc_iso(max(stamps)) if stamps else None,
        "active_days": len(active_days(snapshot)),
        "vague_message_fraction": (
            round(len(vague_commits(snapshot)) / len(own), 4) if own else None
        ),
        "single_dump": single_dump,
    }


_PULL_REQUEST_SUFFIX = re.compile(r"\s\(#\d{1,9}\)$")


def _length(subject: str) -> int:
    """A subject's length as its author wrote it.

    GitHub appends " (#123)" when it squash-merges a pull request, and git writes
    'Revert "<subject>"' itself: neither is the author's wording, so neither counts.
    """
    if subject.startswith('Revert "'):
        return 0
    return len(_PULL_REQUEST_SUFFIX.sub("", subject))


def _shown(subject: str) -> str:
    """A subject quoted and capped for messages."""
    if len(subject) > _MAX_SUBJECT_SHOWN:
        subject = subject[: _MAX_SUBJECT_SHOWN - 1] + "…"
    return f'"{subject}"'
