"""SARIF 2.1.0 for GitHub code scanning: the rules, and a result per finding to fix.

- ``tool.driver.rules`` lists every rule of the audit, with its title as the short
  description and *why employers care* plus *how to fix* as the help text.
- Every ``fail`` or ``partial`` finding becomes one result. Failures are ``warning`` and
  partial results ``note``: portfolio advice should show up in code scanning without
  failing a pull request's check (the ``--fail-under`` gate is for that).
- The first file the finding's evidence names is the result's location (a complex
  function, a test that asserts nothing, a secret's file and line, a committed junk
  folder); further evidence goes to ``relatedLocations``. GitHub needs a line, so a file
  named without one is located at line 1.
- GitHub rejects a result without a location, yet many findings concern the repository as
  a whole (no tests, no CI, vague commit messages). Those are located at line 1 of the
  README the audit found, or of ``README.md`` when there is none: it is the file a reviewer
  opens first, and where most repository-wide fixes are documented. Commits named as
  evidence are not files; their short shas are listed in the message instead.
- Findings of the security category (``SEC``) become one result per place, so that each is
  its own code scanning alert, with ``properties.security-severity`` (GitHub's scale: over
  9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, below low) and the tag ``security``; the
  rule carries the highest severity of its results. A place's severity is the one a list in
  the ``security`` signals gives it (items with ``path``, ``line`` and ``severity``, such as
  ``security.unsafe_code``), else high.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from auditor.model import Evidence, Finding, Scorecard, Status
from auditor.render.view import repo_web

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/portfolio-auditor/portfolio-auditor"
LEVELS = {Status.FAIL: "warning", Status.PARTIAL: "note"}
FALLBACK_ARTIFACT = "README.md"
MAX_RELATED = 100
SRCROOT = "%SRCROOT%"
#: The category whose findings are security alerts, and GitHub's score for each severity.
SECURITY_CATEGORY = "SEC"
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
#: The severity of a security finding's place that no signal names.
DEFAULT_SECURITY_SEVERITY = "high"
#: How many places of one security finding become results.
MAX_SECURITY_RESULTS = 200


def artifact_uri(path: str) -> str:
    """A repository path as a relative URI reference (each segment percent-encoded)."""
    return "/".join(quote(part, safe="") for part in path.lstrip("/").split("/"))


def _location(path: str, line: int | None, message: str | None = None) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(path), "uriBaseId": SRCROOT},
            "region": {"startLine": line if line and line > 0 else 1},
        }
    }
    if message:
        location["message"] = {"text": message}
    return location


def _fallback_artifact(card: Scorecard) -> str:
    readme = card.signals.get("readme")
    path = readme.get("path") if isinstance(readme, dict) else None
    return path if isinstance(path, str) and path else FALLBACK_ARTIFACT


def _security_places(card: Scorecard) -> dict[tuple[str, int | None], str]:
    """The severity of every place a ``security`` signal lists (``path``, ``line``,
    ``severity``), the highest when two name the same place."""
    group = card.signals.get("security")
    places: dict[tuple[str, int | None], str] = {}
    if not isinstance(group, dict):
        return places
    for items in group.values():
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, dict) or item.get("severity") not in SECURITY_SEVERITY:
                continue
            path, line = item.get("path"), item.get("line")
            if isinstance(path, str) and (line is None or isinstance(line, int)):
                severity = str(item["severity"])
                known = places.get((path, line))
                places[(path, line)] = severity if known is None else _worst(known, severity)
    return places


def _worst(*severities: str) -> str:
    return max(severities, key=lambda s: float(SECURITY_SEVERITY[s]))


def _place_severities(
    finding: Finding, places: dict[tuple[str, int | None], str]
) -> list[tuple[Evidence, str]] | None:
    """Each file evidence of a security finding with its severity; None for other findings.
    A failed blocker rule (a live credential, personal data) is critical at each place."""
    if finding.blocker and finding.status is Status.FAIL:
        return [(e, "critical") for e in finding.outcome.evidence if e.is_file]
    if finding.category != SECURITY_CATEGORY:
        return None
    files = [e for e in finding.outcome.evidence if e.is_file]
    return [(e, places.get((e.path, e.line), DEFAULT_SECURITY_SEVERITY)) for e in files]


def _rule(finding: Finding, category: str) -> dict[str, Any]:
    name = "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", finding.title))
    return {
        "id": finding.rule,
        "name": name or finding.rule,
        "shortDescription": {"text": finding.title},
        "fullDescription": {"text": f"{finding.title}. {finding.why}"},
        "help": {
            "text": f"Why employers care: {finding.why}\n\nHow to fix: {finding.fix}",
            "markdown": (
                f"**Why employers care**\n\n{finding.why}\n\n**How to fix**\n\n{finding.fix}"
            ),
        },
        "defaultConfiguration": {"level": "warning"},
        "properties": {
            "category": finding.category,
            "weight": finding.weight,
            "tags": ["portfolio", category],
        },
    }


def _result(finding: Finding, rule_index: int, fallback: str) -> dict[str, Any]:
    files = [e for e in finding.outcome.evidence if e.is_file]
    commits = [e for e in finding.outcome.evidence if not e.is_file]
    text = f"{finding.title}: {finding.outcome.message}"
    if commits:
        shown = ", ".join(_commit_text(e) for e in commits[:5])
        more = f" and {len(commits) - 5} more" if len(commits) > 5 else ""
        text += f" Commits: {shown}{more}."
    if not files:
        text += f" (This concerns the repository as a whole; it is shown on {fallback}.)"
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.status],
        "message": {"text": text},
        "locations": [_location(files[0].path, files[0].line, files[0].note)]
        if files
        else [_location(fallback, 1)],
        "properties": {"status": finding.status.value, "score": finding.score},
    }
    related = [
        {"id": number, **_location(e.path, e.line, e.note)}
        for number, e in enumerate(files[1 : MAX_RELATED + 1], start=1)
    ]
    if related:
        result["relatedLocations"] = related
    return result


def _security_results(
    finding: Finding, rule_index: int, fallback: str, places: list[tuple[Evidence, str]]
) -> list[dict[str, Any]]:
    """A security finding: one result per place, each with its ``security-severity``."""
    if not places:
        result = _result(finding, rule_index, fallback)
        result["properties"]["security-severity"] = SECURITY_SEVERITY[DEFAULT_SECURITY_SEVERITY]
        result["properties"]["tags"] = ["security"]
        return [result]
    results = []
    for evidence, severity in places[:MAX_SECURITY_RESULTS]:
        detail = evidence.note or finding.outcome.message
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": rule_index,
                "level": LEVELS[finding.status],
                "message": {"text": f"{finding.title}: {detail}"},
                "locations": [_location(evidence.path, evidence.line)],
                "properties": {
                    "status": finding.status.value,
                    "score": finding.score,
                    "security-severity": SECURITY_SEVERITY[severity],
                    "tags": ["security"],
                },
            }
        )
    return results


def _commit_text(evidence: Evidence) -> str:
    sha = (evidence.commit or "")[:7] or "a commit"
    return f"{sha} ({evidence.note})" if evidence.note else sha


def _mark_security_rule(rule: dict[str, Any], results: list[dict[str, Any]]) -> None:
    """Tag a rule as security, with the highest ``security-severity`` of its results."""
    scores = [r["properties"]["security-severity"] for r in results]
    properties = rule["properties"]
    properties["security-severity"] = max(scores, key=float)
    if "security" not in properties["tags"]:
        properties["tags"].append("security")


def scorecard_to_sarif(card: Scorecard) -> dict[str, Any]:
    """The scorecard as a SARIF 2.1.0 log with one run."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    titles = {c.id: c.title for c in card.categories}
    security = _security_places(card)
    for finding in card.findings:
        if finding.rule not in index:
            index[finding.rule] = len(rules)
            rules.append(_rule(finding, titles.get(finding.category, finding.category)))
    fallback = _fallback_artifact(card)
    results: list[dict[str, Any]] = []
    for finding in card.findings:
        if finding.status not in LEVELS:
            continue
        places = _place_severities(finding, security)
        if places is None:
            results.append(_result(finding, index[finding.rule], fallback))
            continue
        found = _security_results(finding, index[finding.rule], fallback, places)
        results.extend(found)
        _mark_security_rule(rules[index[finding.rule]], found)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "portfolio-auditor",
                "version": card.tool_version,
                "semanticVersion": card.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The repository's root."}}},
        "results": results,
        "columnKind": "utf16CodeUnits",
        "properties": {
            "score": card.score,
            "grade": card.grade,
            "profile": card.profile,
            "auditedAt": card.audited_at,
        },
    }
    web = repo_web(card.repo.remote)
    if web and card.repo.head:
        run["versionControlProvenance"] = [
            {"repositoryUri": web.base, "revisionId": card.repo.head}
        ]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(card: Scorecard) -> str:
    return json.dumps(scorecard_to_sarif(card), indent=2, ensure_ascii=True) + "\n"
