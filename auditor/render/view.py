"""What the HTML and Markdown scorecards show, computed once from the model.

Grouping findings by category, ordering them worst first, formatting the measured signals
and building links to evidence on the repository's host live here, so both templates read
the same view and neither repeats the other's logic. Presentation (wording, symbols,
colours, layout) stays in ``reports/templates/``.

Links are built only for ``http(s)`` remotes on hosts whose URL layout is known, from parts
that are checked against strict patterns (owner and repository names, a hexadecimal HEAD),
with every path segment percent-encoded: whatever a repository puts in its remote URL or
file names, an ``href`` produced here starts with ``https://`` and stays on that host.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

from auditor.compare import Comparison
from auditor.model import (
    Blocker,
    CategoryScore,
    Evidence,
    Finding,
    NextStep,
    Scorecard,
    Status,
    Verdict,
)

#: Findings within a category, worst first: what needs work comes before what passed.
STATUS_ORDER = (Status.FAIL, Status.PARTIAL, Status.ERROR, Status.PASS, Status.SKIP)
#: Score bands shared by every card: at or above the first bound "strong", then "fair".
BAND_BOUNDS = (("strong", 80.0), ("fair", 60.0))
NEXT_STEPS = 5
MAX_LIST_ITEMS = 10  # items of a listed signal before "and N more"

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHA = re.compile(r"^[0-9a-f]{7,64}$")
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class RepoWeb:
    """A repository's web address on a host whose URL layout is known."""

    host: str
    base: str  # https://HOST/OWNER/REPO, every part checked

    def file_url(self, sha: str, path: str, line: int | None) -> str:
        """The address of a file (or a folder, for a path ending in ``/``) at a commit."""
        encoded = "/".join(quote(part, safe="") for part in path.strip("/").split("/"))
        if self.host == "gitlab.com":
            kind = "tree" if path.endswith("/") else "blob"
            url = f"{self.base}/-/{kind}/{sha}/{encoded}"
            return f"{url}#L{line}" if line else url
        if self.host == "bitbucket.org":
            url = f"{self.base}/src/{sha}/{encoded}"
            return f"{url}#lines-{line}" if line else url
        kind = "tree" if path.endswith("/") else "blob"
        url = f"{self.base}/{kind}/{sha}/{encoded}"
        return f"{url}#L{line}" if line else url

    def commit_url(self, sha: str) -> str:
        kind = {"gitlab.com": "-/commit", "bitbucket.org": "commits"}.get(self.host, "commit")
        return f"{self.base}/{kind}/{sha}"


def repo_web(remote: str | None) -> RepoWeb | None:
    """The web address of an ``http(s)`` remote on github.com, gitlab.com or bitbucket.org.

    Anything else (ssh, file paths, other hosts, user names or ports in the URL, odd
    characters in a name) gets no links at all rather than a guessed one.
    """
    if not remote:
        return None
    try:
        parts = urlsplit(remote.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or port is not None:
        return None
    if parts.username is not None or parts.password is not None or parts.query:
        return None
    if host.startswith("www."):
        host = host[4:]
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[-1].endswith(".git"):
        segments[-1] = segments[-1][:-4]
    sizes = {"github.com": (2, 2), "bitbucket.org": (2, 2), "gitlab.com": (2, 20)}
    if host not in sizes:
        return None
    low, high = sizes[host]
    if not low <= len(segments) <= high:
        return None
    if not all(_NAME.match(s) and s not in (".", "..") for s in segments):
        return None
    return RepoWeb(host=host, base=f"https://{host}/{'/'.join(segments)}")


def _safe_path(path: str) -> bool:
    parts = path.strip("/").split("/")
    return bool(path.strip("/")) and not any(p in ("", ".", "..") for p in parts)


def anchor(*parts: str) -> str:
    """An HTML id from trusted and untrusted parts: only letters, digits, ``-`` and ``_``."""
    return "-".join(_ANCHOR_UNSAFE.sub("_", part) for part in parts)


def band(score: float | None) -> str:
    """``strong``, ``fair``, ``weak`` or ``na``: one word so colour is never the only cue."""
    if score is None:
        return "na"
    for name, bound in BAND_BOUNDS:
        if score >= bound:
            return name
    return "weak"


@dataclass(frozen=True)
class EvidenceView:
    location: str  # "path:line", "path", or a commit's short sha
    note: str | None
    href: str | None  # an https URL on the repository's host, or None
    is_commit: bool


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    anchor: str
    percent: int | None  # a partial outcome's score in percent
    evidence: tuple[EvidenceView, ...]
    hidden_evidence: int  # evidence left out by the caller's limit

    @property
    def status(self) -> str:
        return self.finding.status.value

    @property
    def needs_work(self) -> bool:
        return self.finding.status in (Status.FAIL, Status.PARTIAL, Status.ERROR)


@dataclass(frozen=True)
class CategoryView:
    category: CategoryScore
    anchor: str
    band: str
    findings: tuple[FindingView, ...]
    counts: Mapping[str, int]  # status value -> findings

    @property
    def applicable(self) -> int:
        return sum(n for s, n in self.counts.items() if Status(s).scored)

    @property
    def passed(self) -> int:
        return self.counts.get(Status.PASS.value, 0)

    @property
    def to_fix(self) -> int:
        return sum(self.counts.get(s.value, 0) for s in (Status.FAIL, Status.PARTIAL))


@dataclass(frozen=True)
class StepView:
    step: NextStep
    anchor: str


@dataclass(frozen=True)
class SignalGroupView:
    key: str
    title: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ReceiptLine:
    """One line of how the score was reached: what it is, the points, and out of how many."""

    label: str
    points: float
    of: float | None = None
    kind: str = "dimension"  # dimension, or an adjustment's kind


def receipt(verdict: Verdict | None) -> tuple[ReceiptLine, ...]:
    """The verdict as lines that add up to the score (nothing for a card without one)."""
    if verdict is None:
        return ()
    lines = [
        ReceiptLine(
            d.title + (" (bounded for this kind)" if d.capped_by_kind else ""),
            d.earned or 0.0,
            d.points,
        )
        for d in verdict.dimensions
        if d.earned is not None
    ]
    lines += [ReceiptLine(a.reason, a.points, None, a.kind) for a in verdict.adjustments]
    return tuple(lines)


def kind_line(verdict: Verdict | None) -> str:
    """ "a web app, 1,234 lines of code (uses Flask)": what was audited, said plainly."""
    if verdict is None:
        return ""
    article = "an" if verdict.project_kind[:1] in "aeiou" else "a"
    size = f", {verdict.code_lines:,} lines of code" if verdict.code_lines else ""
    why = f" ({verdict.kind_reason})" if verdict.kind_reason else ""
    return f"{article} {verdict.project_kind}{size}{why}"


@dataclass(frozen=True)
class CardView:
    """Everything a scorecard template needs, in display order."""

    card: Scorecard
    band: str
    web: RepoWeb | None
    head_url: str | None
    categories: tuple[CategoryView, ...]
    next_steps: tuple[StepView, ...]
    signals: tuple[SignalGroupView, ...]
    counts: Mapping[str, int]  # status value -> findings, in STATUS_ORDER
    audited: str  # "2024-03-01 10:00 UTC", or the raw value
    receipt: tuple[ReceiptLine, ...] = ()
    kind: str = ""
    blockers: tuple[Blocker, ...] = ()
    comparison: Comparison | None = None  # the audit against a baseline card

    @property
    def head_short(self) -> str | None:
        return self.card.repo.head[:7] if self.card.repo.head else None


def build_view(
    card: Scorecard, *, max_evidence: int | None = None, comparison: Comparison | None = None
) -> CardView:
    """The view of a scorecard; ``max_evidence`` caps the evidence shown per finding."""
    web = repo_web(card.repo.remote)
    head = card.repo.head if card.repo.head and _SHA.match(card.repo.head) else None
    link_base = web if web and head else None
    by_category: dict[str, list[Finding]] = {}
    for finding in card.findings:
        by_category.setdefault(finding.category, []).append(finding)
    categories = tuple(
        _category_view(category, by_category.get(category.id, []), link_base, head, max_evidence)
        for category in card.categories
    )
    # A finding whose category is missing from the card still shows, never silently dropped.
    known = {c.id for c in card.categories}
    for orphan in sorted(set(by_category) - known):
        placeholder = CategoryScore(id=orphan, title=orphan, weight=0.0, score=None)
        categories += (
            _category_view(placeholder, by_category[orphan], link_base, head, max_evidence),
        )
    counts = Counter(f.status.value for f in card.findings)
    return CardView(
        card=card,
        band=band(card.score),
        web=web,
        head_url=web.commit_url(head) if web and head else None,
        categories=categories,
        next_steps=tuple(
            StepView(step, anchor("rule", step.finding.rule))
            for step in card.next_steps[:NEXT_STEPS]
        ),
        signals=signal_groups(card.signals),
        counts={s.value: counts[s.value] for s in STATUS_ORDER if counts[s.value]},
        audited=_when(card.audited_at),
        receipt=receipt(card.verdict),
        kind=kind_line(card.verdict),
        blockers=card.verdict.blockers if card.verdict else (),
        comparison=comparison,
    )


def _category_view(
    category: CategoryScore,
    findings: Sequence[Finding],
    web: RepoWeb | None,
    head: str | None,
    max_evidence: int | None,
) -> CategoryView:
    ordered = sorted(findings, key=lambda f: (STATUS_ORDER.index(f.status), f.rule))
    counts = Counter(f.status.value for f in findings)
    return CategoryView(
        category=category,
        anchor=anchor("cat", category.id),
        band=band(category.score),
        findings=tuple(_finding_view(f, web, head, max_evidence) for f in ordered),
        counts=dict(counts),
    )


def _finding_view(
    finding: Finding, web: RepoWeb | None, head: str | None, max_evidence: int | None
) -> FindingView:
    evidence = finding.outcome.evidence
    shown = evidence if max_evidence is None else evidence[:max_evidence]
    percent = None
    if finding.status is Status.PARTIAL and finding.score is not None:
        percent = round(finding.score * 100)
    return FindingView(
        finding=finding,
        anchor=anchor("rule", finding.rule),
        percent=percent,
        evidence=tuple(_evidence_view(e, web, head) for e in shown),
        hidden_evidence=len(evidence) - len(shown),
    )


def _evidence_view(item: Evidence, web: RepoWeb | None, head: str | None) -> EvidenceView:
    if not item.is_file:
        sha = item.commit or ""
        href = web.commit_url(sha) if web and head and _SHA.match(sha) else None
        return EvidenceView(sha[:7], item.note, href, is_commit=True)
    line = item.line if item.line and item.line > 0 else None
    href = web.file_url(head, item.path, line) if web and head and _safe_path(item.path) else None
    location = f"{item.path}:{line}" if line else item.path
    return EvidenceView(location, item.note, href, is_commit=False)


def _when(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# ------------------------------------------------------------------------------ signals

SIGNAL_TITLES = {
    "readme": "README",
    "license": "License",
    "tests": "Tests",
    "ci": "Continuous integration",
    "commits": "Commit history",
    "hygiene": "Hygiene",
    "complexity": "Complexity",
    "lint": "Lint",
    "python": "Python code",
}
SIGNAL_LABELS = {
    "spdx": "SPDX identifier",
    "loc": "lines of code",
    "test_loc": "lines of tests",
    "source_loc": "lines of source",
    "test_functions": "test functions",
    "assertionless": "tests without assertions",
    "mean_cc": "mean cyclomatic complexity",
    "max_cc": "highest cyclomatic complexity",
    "mean_mi": "mean maintainability index",
    "rank": "complexity rank",
    "per_kloc": "violations per 1,000 lines",
    "vague_message_fraction": "vague commit messages",
    "single_dump": "history is a single dump",
    "active_days": "active days",
    "runs_tests": "runs the tests",
    "runs_lint": "runs a linter",
    "gitignore": ".gitignore committed",
    "committed_junk": "committed junk",
    "secrets_suspect": "suspected secrets",
    "secret_files_in_history": "secret files in the history",
    "parse_errors": "files that do not parse",
}


def signal_groups(signals: Mapping[str, Any]) -> tuple[SignalGroupView, ...]:
    """The measured signals as titled groups of (label, text) rows."""
    groups = []
    for key, values in signals.items():
        title = SIGNAL_TITLES.get(key, key.replace("_", " ").capitalize())
        if isinstance(values, Mapping):
            rows = tuple((_label(k), format_value(k, v)) for k, v in values.items())
        else:
            rows = (("value", format_value(key, values)),)
        groups.append(SignalGroupView(key=key, title=title, rows=rows))
    return tuple(groups)


def _label(key: object) -> str:
    text = str(key)
    return SIGNAL_LABELS.get(text, text.replace("_", " "))


def format_value(key: str, value: Any) -> str:
    """A measured value as short text: yes/no, counts with separators, lists bounded."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if key.endswith("fraction"):
            return f"{value * 100:.0f}%"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, Mapping):
        if value and all(isinstance(v, bool) for v in value.values()):
            present = [_label(k) for k, v in value.items() if v]
            missing = [_label(k) for k, v in value.items() if not v]
            parts = []
            if present:
                parts.append("has " + ", ".join(present))
            if missing:
                parts.append("lacks " + ", ".join(missing))
            return "; ".join(parts)
        return ", ".join(f"{_label(k)}: {format_value(str(k), v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if not value:
            return "none"
        items = [format_value(key, v) for v in value[:MAX_LIST_ITEMS]]
        more = len(value) - MAX_LIST_ITEMS
        return ", ".join(items) + (f" and {more:,} more" if more > 0 else "")
    if isinstance(value, str) and _ISO_TIME.match(value):
        return _when(value)
    return str(value)
