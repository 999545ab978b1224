"""The values that flow from the checks to the renderers: outcomes, findings, the scorecard.

Everything here is a frozen dataclass: renderers only ever read them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Status(str, enum.Enum):
    """How a rule came out for one repository."""

    PASS = "pass"
    FAIL = "fail"
    PARTIAL = "partial"
    SKIP = "skip"  # not applicable: left out of the score
    ERROR = "error"  # the check itself failed: reported, left out of the score

    @property
    def scored(self) -> bool:
        """Whether an outcome with this status counts towards the score."""
        return self in (Status.PASS, Status.FAIL, Status.PARTIAL)


@dataclass(frozen=True)
class Evidence:
    """A place a finding points at: a file and 1-based line, or a commit (``path`` empty)."""

    path: str
    line: int | None = None
    note: str | None = None
    commit: str | None = None  # a commit's sha, for evidence about the history

    @property
    def is_file(self) -> bool:
        """Whether this points at a file in the tree (renderers link and locate only these)."""
        return bool(self.path)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "line": self.line}
        if self.note is not None:
            data["note"] = self.note
        if self.commit is not None:
            data["commit"] = self.commit
        return data


@dataclass(frozen=True)
class Outcome:
    """What a check primitive returns: a status, a score in [0, 1] and an explanation."""

    status: Status
    message: str
    score: float | None = None
    evidence: tuple[Evidence, ...] = ()

    def __post_init__(self) -> None:
        if self.status.scored:
            if self.score is None:
                default = {Status.PASS: 1.0, Status.FAIL: 0.0}.get(self.status)
                if default is None:
                    raise ValueError("a partial outcome needs a score")
                object.__setattr__(self, "score", default)
            assert self.score is not None
            object.__setattr__(self, "score", min(1.0, max(0.0, float(self.score))))
        else:
            object.__setattr__(self, "score", None)

    @classmethod
    def passed(cls, message: str, evidence: tuple[Evidence, ...] = ()) -> Outcome:
        return cls(Status.PASS, message, 1.0, evidence)

    @classmethod
    def failed(cls, message: str, evidence: tuple[Evidence, ...] = ()) -> Outcome:
        return cls(Status.FAIL, message, 0.0, evidence)

    @classmethod
    def skipped(cls, message: str) -> Outcome:
        return cls(Status.SKIP, message)

    @classmethod
    def errored(cls, message: str) -> Outcome:
        return cls(Status.ERROR, message)

    @classmethod
    def graded(cls, fraction: float, message: str, evidence: tuple[Evidence, ...] = ()) -> Outcome:
        """Pass at 1, fail at 0, partial in between."""
        fraction = min(1.0, max(0.0, fraction))
        if fraction >= 1.0:
            status = Status.PASS
        elif fraction <= 0.0:
            status = Status.FAIL
        else:
            status = Status.PARTIAL
        return cls(status, message, fraction, evidence)


@dataclass(frozen=True)
class RuleDoc:
    """How a rule explains itself (``auditor explain``)."""

    summary: str
    why: str
    fix: str
    detection: str
    example: str = ""
    #: The term lists (``"file:key"`` in ``rules/vocabulary/``) the detector matches:
    #: ``auditor explain`` prints them from the same data the detector reads.
    vocabulary: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One rule applied to one repository."""

    rule: str
    title: str
    category: str
    weight: float
    outcome: Outcome
    why: str
    fix: str
    #: Why the repository's owner exempted this rule (its outcome is then a ``skip``).
    exempt: str | None = None
    #: A failure of this rule is a blocker (see ``auditor.verdict``).
    blocker: bool = False

    @property
    def status(self) -> Status:
        return self.outcome.status

    @property
    def score(self) -> float | None:
        return self.outcome.score


@dataclass(frozen=True)
class CategoryScore:
    id: str
    title: str
    weight: float
    score: float | None  # None when no rule of the category applied


@dataclass(frozen=True)
class NextStep:
    """A finding worth fixing, with the overall points fixing it would gain."""

    finding: Finding
    points: float


@dataclass(frozen=True)
class RepoInfo:
    name: str
    path: str
    head: str | None
    remote: str | None
    kind: str  # "git", "bare" or "directory"


@dataclass(frozen=True)
class DimensionScore:
    """One rubric dimension: the points it earned of those it can give."""

    id: str
    title: str
    points: float
    earned: float | None  # None when nothing in the repository applies to it
    capped_by_kind: bool = False


@dataclass(frozen=True)
class Adjustment:
    """A line of the receipt after the dimensions: points taken off, and why."""

    kind: str  # "scale", "penalty", "blocker", "size", "unverified", "floor"
    points: float  # negative: what it cost
    reason: str
    rule: str | None = None


@dataclass(frozen=True)
class Blocker:
    """A finding that heads the card: a live credential, a private key, personal data."""

    rule: str
    title: str
    message: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """How the score was reached: the receipt that adds up to it."""

    project_kind: str
    kind_reason: str
    code_lines: int
    dimensions: tuple[DimensionScore, ...]
    adjustments: tuple[Adjustment, ...]
    blockers: tuple[Blocker, ...]
    score: float


@dataclass(frozen=True)
class Scorecard:
    """The result of one audit: findings, measured signals and scores."""

    tool_version: str
    repo: RepoInfo
    profile: str
    score: float
    grade: str
    categories: tuple[CategoryScore, ...]
    findings: tuple[Finding, ...]
    signals: Mapping[str, Any]
    next_steps: tuple[NextStep, ...]
    timings: Mapping[str, float] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    audited_at: str = ""  # ISO-8601 UTC time of the audit
    #: How the score was reached (the receipt); None on cards made before the verdict model.
    verdict: Verdict | None = None
