"""What GitHub says about a repository, added to its scorecard. Kept deliberately small.

- ``signals.github``: the description, homepage, topics, language and stars from the API,
  as facts beside the measured signals (nothing scores them).
- A homepage set to a web address is a live demo: the pack's ``[account] demo_rule`` (the
  README's "screenshots, demo or example requests" rule in the default pack) then passes,
  and the scores are recomputed. A homepage pointing back at GitHub does not count.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from auditor.batch.accounts import RepoMetadata
from auditor.model import Outcome, Scorecard, Status
from auditor.rulepack import RulePack
from auditor.scoring import category_scores, next_steps, overall_score
from auditor.source.snapshot import HostInfo

MAX_TEXT = 500


def github_signals(meta: RepoMetadata) -> dict[str, object]:
    return {
        "full_name": meta.full_name[:MAX_TEXT],
        "description": (meta.description or "")[:MAX_TEXT] or None,
        "homepage": live_homepage(meta),
        "topics": [t[:100] for t in meta.topics[:50]],
        "language": meta.language,
        "stars": meta.stars,
        "fork": meta.fork,
        "archived": meta.archived,
    }


def host_info(meta: RepoMetadata) -> HostInfo:
    """What GitHub says about the repository, as the audit reads it."""
    return HostInfo(
        full_name=meta.full_name[:MAX_TEXT],
        description=(meta.description or "")[:MAX_TEXT] or None,
        homepage=live_homepage(meta),
        topics=tuple(t[:100] for t in meta.topics[:50]),
        language=meta.language,
        stars=meta.stars,
        fork=meta.fork,
        archived=meta.archived,
    )


def live_homepage(meta: RepoMetadata) -> str | None:
    """The homepage if it is an http(s) address off GitHub itself (a deployment), else None."""
    url = (meta.homepage or "").strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or len(url) > MAX_TEXT:
        return None
    if host in ("github.com", "www.github.com"):
        return None
    return url


def enrich(card: Scorecard, meta: RepoMetadata, pack: RulePack, demo_rule: str) -> Scorecard:
    """The scorecard with GitHub's facts added and, with a live homepage, the demo rule met."""
    signals = {**card.signals, "github": github_signals(meta)}
    card = replace(card, signals=signals)
    homepage = live_homepage(meta)
    if not demo_rule or homepage is None:
        return card
    findings = list(card.findings)
    for index, finding in enumerate(findings):
        if finding.rule == demo_rule and finding.status in (Status.FAIL, Status.PARTIAL):
            outcome = Outcome.passed(f"the repository's GitHub homepage is a live site: {homepage}")
            findings[index] = replace(finding, outcome=outcome)
    if findings == list(card.findings):
        return card
    categories = category_scores(findings, pack.categories)
    score = overall_score(categories)
    return replace(
        card,
        findings=tuple(findings),
        categories=categories,
        score=score,
        grade=pack.grade(score),
        next_steps=next_steps(findings, categories),
    )
