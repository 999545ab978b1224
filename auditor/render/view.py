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
from dataclasses import dataclass, replace
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
from auditor.render.signals import (  # format_value: re-exported for older callers
    SignalGroupView,
    format_value,
    signal_groups,
    when,
)

__all__ = ["CardView", "build_view", "format_value", "kind_line", "repo_web", "shown_remote"]

#: Findings within a category, worst first: what needs work comes before what passed.
STATUS_ORDER = (Status.FAIL, Status.PARTIAL, Status.ERROR, Status.PASS, Status.SKIP)
#: Score bands shared by every card: at or above the first bound "strong", then "fair".
BAND_BOUNDS = (("strong", 80.0), ("fair", 60.0))
NEXT_STEPS = 5

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHA = re.compile(r"^[0-9a-f]{7,64}$")
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


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


_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/\\]")
_NETWORK_SCHEMES = ("http", "https", "ssh", "git", "git+ssh", "ssh+git")


def shown_remote(remote: str | None) -> str | None:
    """The remote as the card shows it: a network address (``https://…``, ``ssh://…``,
    ``git@host:owner/name``), or None for a local path or ``file://`` URL, which says
    nothing to a reader and shows where the auditor's own files are."""
    if not remote:
        return None
    text = remote.strip()
    if _SCP_LIKE.match(text):
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() in _NETWORK_SCHEMES and parts.hostname:
        return text
    return None


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
    #: The message as shown: without the part said once for the category (``shared``).
    message: str = ""
    shared: bool = False  # part of the message is the category's shared note

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
    #: Text that several findings to fix repeat ("headings found: …"), said once, and the
    #: rules that share it.
    shared_note: str | None = None
    shared_rules: tuple[str, ...] = ()

    @property
    def applicable(self) -> int:
        return sum(n for s, n in self.counts.items() if Status(s).scored)

    @property
    def passed(self) -> int:
        return self.counts.get(Status.PASS.value, 0)

    @property
    def to_fix(self) -> int:
        return sum(self.counts.get(s.value, 0) for s in (Status.FAIL, Status.PARTIAL))

    @property
    def rule_counts(self) -> str:
        """``5 rules: 2 pass, 3 partial``: every applicable rule counted by its outcome, so
        the line can never read as a contradiction of a strong score made of partials."""
        if not self.applicable:
            return "no rule applied"
        rules = f"{self.applicable} rule{'s' if self.applicable != 1 else ''}"
        parts = [
            f"{self.counts[s.value]} {s.value}"
            for s in (Status.PASS, Status.PARTIAL, Status.FAIL)
            if self.counts.get(s.value)
        ]
        if len(parts) == 1 and self.applicable > 1:
            return f"{rules}: all {parts[0].split(' ', 1)[1]}"
        return f"{rules}: {', '.join(parts)}"


@dataclass(frozen=True)
class StepView:
    step: NextStep
    anchor: str


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


#: How a kind of project reads in a sentence, where its id is not already plain English.
KIND_WORDS = {
    "cli": "command-line tool",
    "ml": "machine-learning project",
    "api": "API",
    "application": "Python application",
}
#: Stack entries that say nothing about what a project is built with.
_STACK_NOISE = ("logging",)
MAX_STACK = 6


def kind_line(verdict: Verdict | None, signals: Mapping[str, Any] | None = None) -> str:
    """ "a command line: 405 lines of code, 4 tests; built with Click, SQLite, pytest": what
    was audited, said plainly: its kind, its size and its stack."""
    if verdict is None:
        return ""
    signals = signals or {}
    kind = KIND_WORDS.get(verdict.project_kind, verdict.project_kind)
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    size = []
    if verdict.code_lines:
        size.append(f"{verdict.code_lines:,} line{'s' if verdict.code_lines != 1 else ''} of code")
    tests = signals.get("tests")
    if isinstance(tests, Mapping) and isinstance(tests.get("test_functions"), int):
        count = tests["test_functions"]
        size.append(f"{count:,} test{'s' if count != 1 else ''}" if count else "no tests")
    line = f"{article} {kind}" + (f": {', '.join(size)}" if size else "")
    stack = stack_names(signals.get("stack"))
    if stack:
        return f"{line}; built with {', '.join(stack)}"
    return f"{line} ({verdict.kind_reason})" if verdict.kind_reason else line


def stack_names(stack: Any) -> list[str]:
    """The names of the stack signal, each once, in the order measured."""
    if not isinstance(stack, Mapping):
        return []
    names: list[str] = []
    for key, values in stack.items():
        if key in _STACK_NOISE or not isinstance(values, (list, tuple)):
            continue
        names += [str(v) for v in values if str(v) not in names and not str(v).startswith("a ")]
    return names[:MAX_STACK]


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
    remote: str | None = None  # the remote as a network address, never a local path

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
        audited=when(card.audited_at),
        receipt=receipt(card.verdict),
        kind=kind_line(card.verdict, card.signals),
        blockers=card.verdict.blockers if card.verdict else (),
        comparison=comparison,
        remote=shown_remote(card.repo.remote),
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
    views = [_finding_view(f, web, head, max_evidence) for f in ordered]
    note = shared_clause([v.finding.outcome.message for v in views if v.needs_work])
    rules: list[str] = []
    if note is not None:
        for index, fv in enumerate(views):
            if fv.needs_work and fv.message.endswith(note):
                rest = fv.message[: -len(note)].rstrip(" :;")
                views[index] = replace(fv, message=rest, shared=True)
                rules.append(fv.finding.rule)
    return CategoryView(
        category=category,
        anchor=anchor("cat", category.id),
        band=band(category.score),
        findings=tuple(views),
        counts=dict(counts),
        shared_note=note,
        shared_rules=tuple(rules),
    )


#: A clause shorter than this is not worth saying once instead of in each finding.
MIN_SHARED_CHARS = 30
_CLAUSE_BREAKS = (": ", "; ")


def shared_clause(messages: Sequence[str]) -> str | None:
    """The longest ending that two or more messages share from a clause boundary (a whole
    message, or what follows ``: `` or ``; ``), such as "headings found: …"; None when none
    is long enough to be worth saying once."""
    seen: Counter[str] = Counter()
    for message in messages:
        endings = {message}
        for brk in _CLAUSE_BREAKS:
            start = message.find(brk)
            while start != -1:
                endings.add(message[start + len(brk) :])
                start = message.find(brk, start + 1)
        seen.update(e for e in endings if len(e) >= MIN_SHARED_CHARS)
    shared = [e for e, n in seen.items() if n >= 2]
    return max(shared, key=lambda e: (len(e), e)) if shared else None


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
        message=finding.outcome.message,
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
