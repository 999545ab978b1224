"""A next step's gain is what fixing that finding alone yields, checked against real commits.

Each fix below is made by amending the repository's only commit (same message, same date), so
the history rules see the same history and the only change is the fix itself.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.engine import audit
from auditor.model import Outcome, Scorecard
from auditor.render.html import render_html
from auditor.render.markdown import render_markdown
from auditor.render.text import render_text
from auditor.rulepack import load_pack
from auditor.source.snapshot import Snapshot
from auditor.verdict import compute, next_steps, verdict_policy
from tests.factory import RepoBuilder
from tests.projects import build_weak_project

MIT = (Path(__file__).resolve().parents[1] / "LICENSE").read_text("utf-8")
CI_THAT_RUNS_NOTHING = (
    "on: [push]\njobs:\n  hello:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hello\n"
)


def card_of(path: Path) -> Scorecard:
    return audit(Snapshot.open(path), load_pack())


def predicted_gains(card: Scorecard) -> dict[str, float]:
    """Every finding's predicted gain, not only the five the card lists."""
    policy = verdict_policy(load_pack())
    assert policy is not None and card.verdict is not None
    steps = next_steps(policy, card.findings, card.verdict, limit=1000)
    return {step.finding.rule: step.points for step in steps}


def amend(repo: RepoBuilder, files: dict[str, str]) -> None:
    repo.write(files)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--amend", "--no-edit")


@pytest.fixture
def weak(tmp_path: Path) -> RepoBuilder:
    return build_weak_project(tmp_path / "calculator")


def test_the_predicted_gain_is_the_score_after_the_fix(weak: RepoBuilder) -> None:
    before = card_of(weak.path)
    gain = predicted_gains(before)["DOC009"]
    assert gain > 0

    amend(weak, {"LICENSE": MIT})
    after = card_of(weak.path)

    assert {f.rule: f.status.value for f in after.findings}["DOC009"] == "pass"
    assert after.score == pytest.approx(before.score + gain, abs=0.05)


def test_a_fix_that_makes_further_rules_apply_is_predicted_for_that_finding_alone(
    weak: RepoBuilder,
) -> None:
    before = card_of(weak.path)
    # CI counts in proportion to its running the tests (CI001 needs CI002): configuring a
    # CI that runs nothing is predicted to earn nothing, and earns nothing.
    gain = predicted_gains(before).get("CI001", 0.0)
    assert gain == 0.0

    amend(weak, {".github/workflows/ci.yml": CI_THAT_RUNS_NOTHING})
    after = card_of(weak.path)
    statuses = {f.rule: f.status.value for f in after.findings}

    # CI001 passes; CI002 and CI003, which failed without CI, fail still (the workflow runs
    # no tests and no linter): the prediction is what fixing that finding alone yields.
    assert [statuses[r] for r in ("CI001", "CI002", "CI003")] == ["pass", "fail", "fail"]
    assert after.score == pytest.approx(before.score + gain, abs=0.05)
    # A follow-up rule that changed would make the audit differ from the prediction: the
    # prediction recomputes only that finding.
    policy = verdict_policy(load_pack())
    assert policy is not None and after.verdict is not None
    worse = [
        replace(f, outcome=Outcome.failed("also failing")) if f.rule == "DOC001" else f
        for f in after.findings
    ]
    verdict = compute(
        policy,
        worse,
        project_kind=after.verdict.project_kind,
        kind_reason=after.verdict.kind_reason,
        code_lines=after.verdict.code_lines,
    )
    assert verdict.score <= after.score
    # ... and every card says that this is what the gain means.
    assert "fixing that finding alone yields" in render_html(before)
    assert "fixing that finding alone yields" in render_markdown(before)
    assert "each gain is for fixing that finding alone" in render_text(before, color=False)
