"""What changed between two audits of one repository: the score and the rules' statuses.

``auditor audit --baseline CARD.json`` and the GitHub Action on a pull request compare the
audit with an earlier card of the same rule pack. A :class:`Comparison` is plain data that
every renderer shows the same way: the old and new score with the signed delta
(``71.2 → 74.5 (+3.3)``) and the rules whose status changed, those newly failing first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import AuditorError
from auditor.model import Scorecard, Status

#: How bad a status is, for "newly failing" and "improved": a rule that does not apply (or
#: whose check broke) counts as neither better nor worse than one that applies.
_SHA = re.compile(r"[0-9a-f]{7,64}")
_BADNESS = {Status.PASS.value: 0, Status.PARTIAL.value: 1, Status.FAIL.value: 2}


class BaselineMismatch(AuditorError):
    """The baseline card was made with another rule pack: its score means something else."""


@dataclass(frozen=True)
class RuleChange:
    """One rule whose status differs between the two audits (None: not on that card)."""

    rule: str
    title: str
    before: str | None
    after: str | None

    @property
    def direction(self) -> str:
        """``worse`` (newly failing or partial), ``better``, or ``other`` (applies or not)."""
        old = _BADNESS.get(self.before or "")
        new = _BADNESS.get(self.after or "")
        if new is not None and new > 0 and (old is None or new > old):
            return "worse"
        if new is not None and old is not None and new < old:
            return "better"
        return "other"


@dataclass(frozen=True)
class Comparison:
    """The audit compared with its baseline: scores, grades and the changed rules."""

    before_score: float
    after_score: float
    before_grade: str
    after_grade: str
    before_head: str | None  # the baseline's commit (hexadecimal), when it names one
    changes: tuple[RuleChange, ...]  # newly failing first, then improved, then the rest

    @property
    def delta(self) -> float:
        return round(self.after_score - self.before_score, 1)

    @property
    def headline(self) -> str:
        """``71.2 → 74.5 (+3.3)``: the old and new score and the signed difference."""
        return f"{self.before_score:.1f} → {self.after_score:.1f} ({self.delta:+.1f})"

    @property
    def since(self) -> str:
        """``since 3f9c2a1``, or ``since the baseline`` when it names no commit."""
        return f"since {self.before_head[:7]}" if self.before_head else "since the baseline"

    @property
    def worse(self) -> tuple[RuleChange, ...]:
        return tuple(c for c in self.changes if c.direction == "worse")

    @property
    def better(self) -> tuple[RuleChange, ...]:
        return tuple(c for c in self.changes if c.direction == "better")

    def to_dict(self) -> dict[str, object]:
        return {
            "before": {
                "score": self.before_score,
                "grade": self.before_grade,
                "head": self.before_head,
            },
            "after": {"score": self.after_score, "grade": self.after_grade},
            "delta": self.delta,
            "changes": [
                {
                    "rule": c.rule,
                    "title": c.title,
                    "before": c.before,
                    "after": c.after,
                    "direction": c.direction,
                }
                for c in self.changes
            ],
        }


def compare(baseline: Scorecard, card: Scorecard) -> Comparison:
    """``card`` compared with the earlier ``baseline`` of the same rule pack.

    Raises :class:`BaselineMismatch` when the baseline was judged by another pack.
    """
    if baseline.profile != card.profile:
        raise BaselineMismatch(
            f"the baseline card was judged with pack {baseline.profile!r}, this audit with "
            f"{card.profile!r}: compare cards of the same pack"
        )
    old = {f.rule: f for f in baseline.findings}
    new = {f.rule: f for f in card.findings}
    changes = []
    for rule in dict.fromkeys([*new, *old]):
        before = old[rule].status.value if rule in old else None
        after = new[rule].status.value if rule in new else None
        if before != after:
            title = (new.get(rule) or old[rule]).title
            changes.append(RuleChange(rule, title, before, after))
    head = baseline.repo.head
    order = {"worse": 0, "better": 1, "other": 2}
    changes.sort(key=lambda c: (order[c.direction], c.rule))
    return Comparison(
        before_score=baseline.score,
        after_score=card.score,
        before_grade=baseline.grade,
        after_grade=card.grade,
        # Only a commit id is kept: the baseline is a file from elsewhere, shown on every card.
        before_head=head if head and _SHA.fullmatch(head) else None,
        changes=tuple(changes),
    )


def read_commit(repository: Path, sha: str, into: Path) -> Path:
    """A bare copy of ``repository`` whose HEAD is the commit ``sha``, made in ``into``.

    Nothing is checked out and no worktree is added: the objects reachable from ``sha`` are
    fetched into a new bare repository (no hooks, no configuration copied from the source)
    with the same hardened git as batch mode's clones. Raises :class:`AuditorError` when
    ``sha`` is not a commit id or the repository does not hold it (a shallow checkout).
    """
    from auditor.source.git import GitError, RemoteGit
    from auditor.source.gitdir import find_git_dir

    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha):
        raise AuditorError(f"{sha!r} is not a commit id")
    source = find_git_dir(repository.resolve())
    if source is None:
        raise AuditorError(f"{repository} is not a git repository")
    dest = into / f"{repository.resolve().name}.git"
    remote = RemoteGit()
    try:
        remote.run("init", "--quiet", "--bare", "--template=", str(dest))
        remote.run(
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--recurse-submodules=no",
            source.resolve().as_uri(),
            sha,
            git_dir=dest,
        )
        (dest / "HEAD").write_text(f"{sha}\n", encoding="ascii")  # detached at the commit
    except GitError as exc:
        raise AuditorError(
            f"cannot read commit {sha[:7]} ({exc}); is the history checked out (fetch-depth: 0)?"
        ) from exc
    return dest
