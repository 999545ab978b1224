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
import csv
import hashlib
import io
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
from auditor.render.sanitize import terminal_safe
from auditor.rulepack import RulePack

SCHEMA_VERSION = 1
NOT_READ = "not scored: the run stopped before this account was read; re-run the same command"
NOT_FINISHED = "not audited: the run stopped first; re-run the same command to finish it"
#: Characters that make a spreadsheet read a cell as a formula (CWE-1236).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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

    @property
    def audited(self) -> int:
        return sum(1 for r in self.repos if r.status == AUDITED)

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        return {
            "rank": self.rank,
            "login": self.login,
            "name": self.name,
            "url": self.url,
            "score": self.score,
            "grade": self.grade,
            "categories": dict(result.categories) if result else {},
            "breakdown": result.breakdown() if result else {},
            "carried_by": list(result.carried_by) if result else [],
            "blockers": list(result.blockers) if result else [],
            "solid_projects": list(result.solid_projects) if result else [],
            "merged_prs": self.merged_prs,
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
    """One candidate's line: account score, repositories and errors."""
    account = stored.account
    if account is None:
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
            errors=(stored.error or NOT_READ,),
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
        if status == AUDITED:
            audit = store.audit(row.key, row.head, pack_hash)
            if audit is None:
                entry = RepoEntry(row.name, ERROR, "the stored audit is missing", key=row.key)
            else:
                card = f"cards/{login_dir}/{safe_component(row.name)}"
                card += ".html" if audit.has_html else ".json"
                entry = RepoEntry(
                    name=row.name,
                    status=AUDITED,
                    reason="",
                    score=audit.score,
                    grade=audit.grade,
                    head=row.head,
                    card=card,
                    key=row.key,
                )
                fork = meta[row.name].fork if row.name in meta else False
                blockers = _blockers(store, row.key, row.head, pack_hash)
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
    return CandidateEntry(
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
        temp = target.with_name(f".{name}.tmp")
        temp.write_text(text, encoding="utf-8", newline="")
        temp.replace(target)
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
                base.with_name(base.name + ".json").write_text(card_json, encoding="utf-8")
            if card_html is not None:
                base.with_name(base.name + ".html").write_text(card_html, encoding="utf-8")


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


def to_csv(board: Leaderboard) -> str:
    """One row per candidate; input columns carried through after ours."""
    ours = [
        "rank",
        "login",
        "name",
        "score",
        "grade",
        *[title for _, title in board.categories],
        "audited_repos",
        "carried_by",
        "merged_prs",
        "errors",
    ]
    extra: list[str] = []
    for candidate in board.candidates:
        for key in candidate.fields:
            if key not in extra:
                extra.append(key)
    header = ours + [f"input: {k}" if k in ours else k for k in extra]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for c in board.candidates:
        categories = c.result.categories if c.result else {}
        row: list[Any] = [
            c.rank,
            c.login,
            c.name,
            c.score,
            c.grade,
            *[categories.get(cid) for cid, _ in board.categories],
            c.audited,
            " ".join(c.result.carried_by) if c.result else "",
            c.merged_prs,
            " | ".join(c.errors),
            *[c.fields.get(k, "") for k in extra],
        ]
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def csv_cell(value: Any) -> str:
    """A cell's text on one line, without control characters or bidirectional overrides (a
    terminal or editor showing the file would act on them), with a leading ``'`` when a
    spreadsheet would take it for a formula, even after leading spaces (a tab or line break
    became one). Stripped first, so that no stripped character hides a formula's start."""
    if value is None:
        return ""
    text = terminal_safe(str(value))
    return "'" + text if text.lstrip(" ").startswith(FORMULA_START) else text


def to_html(board: Leaderboard) -> str:
    """The leaderboard as one self-contained, sortable HTML page."""
    template = _environment().get_template("leaderboard.html.j2")
    return str(template.render(board=board, version=__version__))


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


def _blockers(store: Store, key: str, head: str | None, pack_hash: str) -> tuple[str, ...]:
    """The blockers the stored card of one audit names ("GIT006 No committed secrets")."""
    if head is None:
        return ()
    card_json, _ = store.cards(key, head, pack_hash)
    try:
        verdict = json.loads(card_json or "{}").get("verdict") or {}
        return tuple(
            f"{b['rule']} {b['title']}"[:200]
            for b in verdict.get("blockers", [])
            if isinstance(b, dict) and isinstance(b.get("rule"), str)
        )
    except (ValueError, TypeError, KeyError):
        return ()
