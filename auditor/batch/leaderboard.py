"""The batch's outputs: ``leaderboard.html``, ``leaderboard.csv``, ``leaderboard.json`` and
each audited repository's card beside them (``cards/<login>/<repo>.html`` and ``.json``).

Everything is built from the store alone, so a run that was killed and resumed writes the same
leaderboard as one that never stopped. Everything from GitHub or a repository is untrusted:
HTML is autoescaped (and the page's Content-Security-Policy allows only its own inline script,
by hash), CSV cells lose control characters, bidirectional overrides and line breaks and
those a spreadsheet would run as a formula are neutralised, and file names are reduced to safe
characters, a different name for every repository.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.batch.clones import safe_component
from auditor.batch.jobs import AUDITED, ERROR
from auditor.batch.scoring import AccountPolicy, AccountScore, RepoScore, account_score, parse_time
from auditor.batch.store import PENDING, Store, StoredCandidate
from auditor.batch.summary import CardFacts, ScoredRepo, card_facts, paragraph
from auditor.batch.table import csv_cell, extra_fields, to_csv

__all__ = ["Leaderboard", "build", "csv_cell", "to_csv", "to_html", "to_json", "write"]
from auditor.rulepack import RulePack

SCHEMA_VERSION = 1
NOT_READ = "not scored: the run stopped before this account was read; re-run the same command"
NOT_FINISHED = "not audited: the run stopped first; re-run the same command to finish it"
#: How a clone URL the batch would not use is reported: policy, not a failure to read.
REFUSED = "refused:"


@dataclass(frozen=True)
class RepoEntry:
    name: str
    status: str  # audited, skipped or error
    reason: str
    score: float | None = None
    grade: str | None = None
    head: str | None = None
    card: str | None = None  # the card's path relative to the output folder
    carried: bool = False  # one of the repositories the account score rests on
    key: str = ""  # host/owner/name, the store's key
    audited_at: str | None = None  # when the audit shown was made
    #: Set when this run could not read the repository and an earlier audit is shown instead.
    as_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": self.score,
            "grade": self.grade,
            "status": self.status,
            "reason": self.reason,
            "head": self.head,
            "card": self.card,
            "carried_score": self.carried,
            "audited_at": self.audited_at,
            "as_of": self.as_of,
        }


@dataclass(frozen=True)
class CandidateEntry:
    login: str
    name: str | None
    url: str | None
    fields: Mapping[str, str]
    score: float | None
    grade: str | None
    result: AccountScore | None
    merged_prs: int
    repos: tuple[RepoEntry, ...]
    errors: tuple[str, ...]
    rank: int | None = None
    #: Set when this run could not read the account and an earlier run's result is shown.
    as_of: str | None = None
    #: The verdict in one paragraph: strongest project and why, main gap, anything alarming.
    summary: str = ""
    last_push: str | None = None

    @property
    def audited(self) -> int:
        return sum(1 for r in self.repos if r.status == AUDITED)

    @property
    def unaudited(self) -> tuple[tuple[str, str], ...]:
        """Repositories chosen for audit that could not be audited: left out of the score."""
        return tuple((r.name, r.reason) for r in self.repos if r.status == ERROR)

    @property
    def complete(self) -> bool:
        """Whether this run read the account and audited every chosen repository."""
        return self.result is not None and not self.errors and self.as_of is None

    def carried_repos(self) -> tuple[RepoEntry, ...]:
        return tuple(r for r in self.repos if r.carried)

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        return {
            "rank": self.rank,
            "login": self.login,
            "name": self.name,
            "url": self.url,
            "score": self.score,
            "grade": self.grade,
            "complete": self.complete,
            "unaudited": [{"name": n, "reason": r} for n, r in self.unaudited],
            "as_of": self.as_of,
            "summary": self.summary,
            "categories": dict(result.categories) if result else {},
            "breakdown": result.breakdown() if result else {},
            "carried_by": list(result.carried_by) if result else [],
            "blockers": list(result.blockers) if result else [],
            "solid_projects": list(result.solid_projects) if result else [],
            "merged_prs": self.merged_prs,
            "last_push": self.last_push,
            "fields": dict(self.fields),
            "repos": [r.to_dict() for r in self.repos],
            "errors": list(self.errors),
        }


@dataclass(frozen=True)
class Leaderboard:
    candidates: tuple[CandidateEntry, ...]
    categories: tuple[tuple[str, str], ...]  # (id, title)
    pack: str
    run_status: str
    policy: AccountPolicy = field(default_factory=AccountPolicy)
    generated_at: str = field(
        default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds")
    )

    @property
    def failed(self) -> tuple[CandidateEntry, ...]:
        """Candidates that were not scored, or that have a repository in error."""
        return tuple(c for c in self.candidates if c.errors)


def build(
    store: Store,
    run_id: int,
    pack: RulePack,
    policy: AccountPolicy,
    pack_hash: str,
    *,
    run_status: str = "finished",
    now: datetime | None = None,
) -> Leaderboard:
    """The ranked leaderboard of one run, from the store."""
    entries = [
        candidate_entry(store, run_id, stored, pack, policy, pack_hash, now=now)
        for stored in store.candidates(run_id)
    ]
    entries.sort(key=lambda e: (e.score is None, -(e.score or 0.0), e.login.lower()))
    ranked = []
    for index, entry in enumerate(entries, start=1):
        ranked.append(_with_rank(entry, index if entry.score is not None else None))
    return Leaderboard(
        candidates=tuple(ranked),
        categories=tuple((c.id, c.title) for c in pack.categories.values()),
        pack=pack.name,
        run_status=run_status,
        policy=policy,
    )


def candidate_entry(
    store: Store,
    run_id: int,
    stored: StoredCandidate,
    pack: RulePack,
    policy: AccountPolicy,
    pack_hash: str,
    *,
    now: datetime | None = None,
) -> CandidateEntry:
    """One candidate's line: account score, repositories, errors and the verdict paragraph.

    A run never shows worse than the store knows: an account this run could not read (a
    transient error, or a run that stopped first) shows the last run that read it, and a
    repository it could not clone or audit its last stored audit, each marked with its date.
    """
    account = stored.account
    titles = {c.id: c.title for c in pack.categories.values()}
    if account is None:
        error = stored.error or NOT_READ
        previous = (
            None if stored.error_final else store.previous_read(stored.login, run_id, pack_hash)
        )
        if previous is not None:
            earlier_run, when = previous
            earlier = store.candidate(earlier_run, stored.login)
            if earlier is not None and earlier.account is not None:
                last = candidate_entry(
                    store, earlier_run, earlier, pack, policy, pack_hash, now=now
                )
                shown = (
                    error if error == NOT_READ else f"{error} (showing the audit of {when[:10]})"
                )
                last = replace(
                    last,
                    name=stored.name or last.name,
                    fields=stored.fields,
                    as_of=when,
                    errors=(shown, *last.errors),
                )
                return replace(last, summary=_summary(last, store, pack_hash, titles))
        return CandidateEntry(
            login=stored.login,
            name=stored.name,
            url=None,
            fields=stored.fields,
            score=None,
            grade=None,
            result=None,
            merged_prs=0,
            repos=(),
            errors=(error,),
            summary=paragraph(stored.login, None, (), titles, errors=(error,)),
        )
    meta = {r.name: r for r in account.repos}
    login_dir = safe_component(stored.login.lower())
    repos: list[RepoEntry] = []
    scores: list[RepoScore] = []
    errors: list[str] = []
    for row in store.repos(run_id, stored.login):
        status, reason = row.status, row.reason
        if status == PENDING:
            status, reason = ERROR, NOT_FINISHED
        entry = RepoEntry(row.name, status, reason, head=row.head, key=row.key)
        head, as_of = row.head, None
        if status == ERROR and not reason.startswith(REFUSED):
            # Not read this time: its last stored audit stands in, marked with its date.
            head = store.latest_head(row.key, pack_hash)
            if head is not None:
                status, as_of = AUDITED, ""
        if status == AUDITED:
            audit = store.audit(row.key, head, pack_hash)
            if audit is None:
                entry = RepoEntry(row.name, ERROR, "the stored audit is missing", key=row.key)
            else:
                card = f"cards/{login_dir}/{safe_component(row.name)}"
                card += ".html" if audit.has_html else ".json"
                if as_of is not None:
                    as_of = audit.audited_at
                    reason = f"{reason} (scored from its audit of {as_of[:10]})"
                    errors.append(f"{row.name}: {reason}")
                entry = RepoEntry(
                    name=row.name,
                    status=AUDITED,
                    reason=reason if as_of else "",
                    score=audit.score,
                    grade=audit.grade,
                    head=head,
                    card=card,
                    key=row.key,
                    audited_at=audit.audited_at,
                    as_of=as_of,
                )
                fork = meta[row.name].fork if row.name in meta else False
                blockers = _facts(store, row.key, head, pack_hash).blockers
                scores.append(
                    RepoScore(row.name, audit.score, audit.categories, fork=fork, blockers=blockers)
                )
        if entry.status == ERROR:
            errors.append(f"{row.name}: {entry.reason}")
        repos.append(entry)
    pushes = [parse_time(r.pushed_at) for r in account.repos if not r.fork] or [
        parse_time(r.pushed_at) for r in account.repos
    ]
    last_push = max((p for p in pushes if p is not None), default=None)
    result = account_score(
        scores,
        merged_prs=account.merged_prs,
        last_push=last_push,
        policy=policy,
        pack=pack,
        now=now,
    )
    carried = set(result.carried_by)
    repos = [_carried(r) if r.name in carried and r.status == AUDITED else r for r in repos]
    # Audited first (best first), then errors, then skips; the store's order within each.
    order = {AUDITED: 0, ERROR: 1}
    repos.sort(key=lambda r: (order.get(r.status, 2), -(r.score or 0.0)))
    candidate = CandidateEntry(
        login=account.login,
        name=stored.name or account.name,
        url=account.html_url if (account.html_url or "").startswith("https://") else None,
        fields=stored.fields,
        score=result.score,
        grade=result.grade,
        result=result,
        merged_prs=account.merged_prs,
        repos=tuple(repos),
        errors=tuple(errors),
        last_push=last_push.isoformat(timespec="seconds") if last_push else None,
    )
    return replace(candidate, summary=_summary(candidate, store, pack_hash, titles))


def _summary(entry: CandidateEntry, store: Store, pack_hash: str, titles: Mapping[str, str]) -> str:
    """The verdict paragraph of a scored candidate, from its carried repositories' cards."""
    scored = []
    for repo in entry.repos:
        if repo.carried and repo.score is not None:
            audit = store.audit(repo.key, repo.head, pack_hash)
            scored.append(
                ScoredRepo(
                    repo.name,
                    repo.score,
                    repo.grade,
                    audit.categories if audit else {},
                    _facts(store, repo.key, repo.head, pack_hash),
                )
            )
    return paragraph(
        entry.login,
        entry.result,
        scored,
        titles,
        unaudited=entry.unaudited,
        errors=entry.errors,
        as_of=entry.as_of,
    )


# --------------------------------------------------------------------- writing


def write(board: Leaderboard, store: Store, out: Path, pack_hash: str) -> list[Path]:
    """Write the three leaderboards and the repository cards; return the leaderboards' paths."""
    out.mkdir(parents=True, exist_ok=True)
    _write_cards(board, store, out, pack_hash)
    written = []
    for name, text in (
        ("leaderboard.json", to_json(board)),
        ("leaderboard.csv", to_csv(board)),
        ("leaderboard.html", to_html(board)),
    ):
        target = out / name
        _write_atomically(target, text)
        written.append(target)
    return written


def _write_cards(board: Leaderboard, store: Store, out: Path, pack_hash: str) -> None:
    for candidate in board.candidates:
        for repo in candidate.repos:
            if repo.card is None or repo.head is None:
                continue
            card_json, card_html = store.cards(repo.key, repo.head, pack_hash)
            base = out / repo.card.rpartition(".")[0]
            base.parent.mkdir(parents=True, exist_ok=True)
            if card_json is not None:
                _write_atomically(base.with_name(base.name + ".json"), card_json)
            if card_html is not None:
                _write_atomically(base.with_name(base.name + ".html"), card_html)


def _write_atomically(target: Path, text: str) -> None:
    """Write beside the target and rename over it: a reader (or a run killed mid-write)
    sees the old file or the new one, never half of one."""
    temp = target.with_name(f".{target.name}.tmp")
    temp.write_text(text, encoding="utf-8", newline="")
    temp.replace(target)


def to_json(board: Leaderboard) -> str:
    data = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "portfolio-auditor", "version": __version__},
        "generated_at": board.generated_at,
        "pack": board.pack,
        "run_status": board.run_status,
        "categories": [{"id": cid, "title": title} for cid, title in board.categories],
        "candidates": [c.to_dict() for c in board.candidates],
    }
    return json.dumps(data, indent=2, ensure_ascii=True) + "\n"


def to_html(board: Leaderboard) -> str:
    """The leaderboard as one self-contained, sortable HTML page."""
    template = _environment().get_template("leaderboard.html.j2")
    return str(template.render(board=board, version=__version__, extra=extra_fields(board)))


@cache
def _environment() -> Any:
    from auditor.render.html import html_environment

    env = html_environment()  # the card's escaping, control characters stripped too
    env.filters["csp_hash"] = _csp_hash
    env.filters["href"] = _href
    return env


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(str(script).encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _href(path: str | None) -> str | None:
    """A relative link to a card: only our own safe names, never a scheme."""
    if not path:
        return None
    from urllib.parse import quote

    return quote(path, safe="/._-")


def _carried(entry: RepoEntry) -> RepoEntry:
    return replace(entry, carried=True)


def _with_rank(entry: CandidateEntry, rank: int | None) -> CandidateEntry:
    return replace(entry, rank=rank)


def _facts(store: Store, key: str, head: str | None, pack_hash: str) -> CardFacts:
    """What the stored JSON card of one audit says about blockers, kind and size."""
    if head is None:
        return CardFacts()
    card_json, _ = store.cards(key, head, pack_hash)
    return card_facts(card_json)
