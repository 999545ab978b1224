"""The scorecard arithmetic of DESIGN.md, and the engine that applies it."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor._toml import loads
from auditor.checks.registry import primitive
from auditor.engine import audit, run_rule, select_rules
from auditor.model import Finding, Outcome, Status
from auditor.rulepack import Category, RulePack, _build
from auditor.scoring import category_scores, next_steps, overall_score, weighted_mean
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder


@primitive("test_fixed_outcome")
def fixed_outcome(
    snapshot: Snapshot, *, status: str = "pass", score: float = 1.0, message: str = "as set"
) -> Outcome:
    """Return exactly the outcome the rule's params describe (a test primitive)."""
    return Outcome(Status(status), message, score)


@primitive("test_raises")
def raises(snapshot: Snapshot) -> Outcome:
    """Always raise (a test primitive)."""
    raise RuntimeError("the check blew up")


def finding(rule: str, category: str, weight: float, outcome: Outcome) -> Finding:
    return Finding(rule, rule.lower(), category, weight, outcome, "why", "fix")


CATEGORIES = {
    "DOC": Category("DOC", "Docs", 1.0),
    "TST": Category("TST", "Tests", 3.0),
    "CI": Category("CI", "CI", 1.0),
}


def test_weighted_mean() -> None:
    assert weighted_mean([(1.0, 1.0), (0.0, 3.0)]) == 0.25
    assert weighted_mean([]) is None
    assert weighted_mean([(1.0, 0.0)]) is None


def test_category_score_is_weighted_mean_of_applicable_rules() -> None:
    findings = [
        finding("DOC001", "DOC", 3, Outcome.passed("ok")),
        finding("DOC002", "DOC", 1, Outcome.failed("no")),
        finding("DOC003", "DOC", 4, Outcome.skipped("n/a")),
        finding("DOC004", "DOC", 4, Outcome.errored("broken")),
        finding("TST001", "TST", 2, Outcome.graded(0.5, "half")),
    ]

    scores = {c.id: c.score for c in category_scores(findings, CATEGORIES)}

    assert scores == {"DOC": 75.0, "TST": 50.0, "CI": None}


def test_overall_is_weighted_mean_of_applicable_categories() -> None:
    findings = [
        finding("DOC001", "DOC", 1, Outcome.passed("ok")),
        finding("TST001", "TST", 1, Outcome.graded(0.5, "half")),
        finding("CI001", "CI", 1, Outcome.skipped("no CI")),
    ]
    categories = category_scores(findings, CATEGORIES)

    # (100 * 1 + 50 * 3) / (1 + 3); CI is left out, not counted as zero.
    assert overall_score(categories) == 62.5


def test_nothing_applicable_scores_zero() -> None:
    findings = [finding("DOC001", "DOC", 1, Outcome.skipped("n/a"))]
    assert overall_score(category_scores(findings, CATEGORIES)) == 0.0


def test_next_steps_rank_by_points_gained() -> None:
    findings = [
        finding("DOC001", "DOC", 1, Outcome.failed("no")),
        finding("DOC002", "DOC", 1, Outcome.passed("ok")),
        finding("TST001", "TST", 1, Outcome.failed("no tests")),
        finding("TST002", "TST", 1, Outcome.graded(0.5, "half")),
    ]
    categories = category_scores(findings, CATEGORIES)

    steps = next_steps(findings, categories)

    # TST weighs 3 of 4: TST001 is worth 0.5 * 0.75 * 100 = 37.5 points.
    assert [(s.finding.rule, s.points) for s in steps] == [
        ("TST001", 37.5),
        ("TST002", 18.8),
        ("DOC001", 12.5),
    ]
    # Fixing every step exactly restores the lost points.
    assert overall_score(categories) + sum(s.points for s in steps) == pytest.approx(100, abs=0.2)


def test_partial_scores_are_clamped_and_statuses_validated() -> None:
    assert Outcome.graded(1.7, "x").status is Status.PASS
    assert Outcome.graded(-1, "x").score == 0.0
    assert Outcome.graded(0.3, "x").status is Status.PARTIAL
    assert Outcome(Status.SKIP, "x", 0.4).score is None
    with pytest.raises(ValueError, match="partial outcome needs a score"):
        Outcome(Status.PARTIAL, "x")


def _pack(rules: str, categories: str = "[categories.DOC]\ntitle='Docs'\nweight=1\n") -> RulePack:
    return _build(loads(categories + rules), "test.toml")


def test_grades_follow_the_pack_boundaries() -> None:
    pack = _pack("")
    assert [pack.grade(s) for s in (100, 90, 89.9, 80, 70, 60, 59.9, 0)] == [
        "A",
        "A",
        "B",
        "B",
        "C",
        "D",
        "F",
        "F",
    ]


def test_a_check_that_raises_is_an_error_and_the_audit_goes_on(repo: RepoBuilder) -> None:
    repo.commit("Add app", {"app.py": "x = 1\n"})
    pack = _pack(
        """
[rules.DOC001]
title = "Explodes"
category = "DOC"
check = "test_raises"
why = "w"
fix = "f"

[rules.DOC002]
title = "Half"
category = "DOC"
check = "test_fixed_outcome"
params = { status = "partial", score = 0.5 }
why = "w"
fix = "f"
"""
    )

    card = audit(Snapshot.open(repo.path), pack)

    by_rule = {f.rule: f for f in card.findings}
    assert by_rule["DOC001"].status is Status.ERROR
    assert "RuntimeError: the check blew up" in by_rule["DOC001"].outcome.message
    assert by_rule["DOC002"].score == 0.5
    assert card.score == 50.0
    assert card.grade == "F"
    assert card.repo.head == repo.commits[-1]


def test_select_and_ignore_take_ids_and_prefixes() -> None:
    pack = _pack(
        "".join(
            f"""
[rules.{rid}]
title = "{rid}"
category = "DOC"
check = "test_fixed_outcome"
why = "w"
fix = "f"
"""
            for rid in ("DOC001", "DOC002", "DOC010")
        )
    )

    def ids(select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> list[str]:
        return [r.id for r in select_rules(pack, select, ignore)]

    assert ids() == ["DOC001", "DOC002", "DOC010"]
    assert ids(select=("DOC00",)) == ["DOC001", "DOC002"]
    assert ids(ignore=("DOC002",)) == ["DOC001", "DOC010"]


def test_run_rule_reports_a_contract_breaking_return(tmp_path: Path) -> None:
    @primitive("test_returns_none")
    def returns_none(snapshot: Snapshot) -> Outcome:
        """Break the contract (a test primitive)."""
        return None  # type: ignore[return-value]

    pack = _pack(
        """
[rules.DOC001]
title = "Broken"
category = "DOC"
check = "test_returns_none"
why = "w"
fix = "f"
"""
    )
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")

    outcome = run_rule(pack.rules["DOC001"], Snapshot.open(tmp_path))

    assert outcome.status is Status.ERROR
    assert "NoneType, not an Outcome" in outcome.message


def test_next_steps_leave_out_fixes_worth_nothing_once_rounded() -> None:
    findings = [
        finding("DOC001", "DOC", 1, Outcome.passed("ok")),
        finding("DOC002", "DOC", 1000, Outcome.graded(0.9999, "nearly")),
        finding("TST001", "TST", 1, Outcome.graded(0.5, "half")),
    ]
    categories = category_scores(findings, CATEGORIES)

    assert [s.finding.rule for s in next_steps(findings, categories)] == ["TST001"]
