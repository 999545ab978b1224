"""GitHub annotations: located where the evidence is, escaped so nothing can inject a command."""

from __future__ import annotations

from pathlib import Path

from auditor.engine import audit
from auditor.model import Evidence, Finding, Outcome
from auditor.render.github import escape_data, escape_property, render_github
from auditor.rulepack import RulePack
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder
from tests.projects import build_weak_project


def test_annotations_point_at_the_evidence_most_valuable_first(
    tmp_path: Path, default_pack: RulePack
) -> None:
    card = audit(Snapshot.open(build_weak_project(tmp_path / "calc").path), default_pack)

    lines = render_github(card).splitlines()

    assert lines[0].startswith(f"::warning title={card.next_steps[0].finding.rule} ")
    junk = next(line for line in lines if "title=GIT005 " in line)
    assert junk.startswith("::warning file=.DS_Store,title=GIT005 No committed junk::")
    assert "Fix: Remove them with `git rm -r --cached PATH`" in junk
    assert (
        lines[-1] == f"::notice title=portfolio-auditor::Score {card.score:.1f}/100, grade F (calc)"
    )
    quiet = [f.rule for f in card.findings if f.status.value in ("pass", "skip")]
    assert quiet, "the weak project passes or skips some rules"
    for rule in quiet:
        assert not any(f"title={rule} " in line for line in lines), rule


def test_partial_findings_are_notices_with_a_line(default_pack: RulePack) -> None:
    from dataclasses import replace

    finding = Finding(
        "CPX001",
        "No overly complex functions",
        "CPX",
        3,
        Outcome.graded(0.5, "1 of 2 functions", (Evidence("pkg/mod.py", 12, "cc 14"),)),
        "why",
        "Split it.",
    )
    card = audit_card_with(default_pack, finding)

    line = render_github(replace(card)).splitlines()[0]

    assert line == (
        "::notice file=pkg/mod.py,line=12,title=CPX001 No overly complex functions"
        "::1 of 2 functions Fix: Split it."
    )


def audit_card_with(pack: RulePack, finding: Finding):  # type: ignore[no-untyped-def]
    from auditor.model import RepoInfo, Scorecard

    return Scorecard(
        tool_version="0",
        repo=RepoInfo("r", "/r", None, None, "directory"),
        profile="default",
        score=50.0,
        grade="F",
        categories=(),
        findings=(finding,),
        signals={},
        next_steps=(),
    )


def test_repository_text_cannot_start_a_new_command(
    repo: RepoBuilder, default_pack: RulePack
) -> None:
    evil = "x,line=1::%0A\r\n::error::pwned"
    repo.commit("wip", {f"{evil}.pyc": b"\x00", "a.py": "x = 1\n"})

    card = audit(Snapshot.open(repo.path), default_pack)
    output = render_github(card)

    assert "::error" not in output
    assert "\n::error::pwned" not in output
    for line in output.splitlines():
        assert line.startswith(("::warning ", "::notice ")), line
    junk = next(line for line in output.splitlines() if "title=GIT005" in line)
    assert "file=x%2Cline=1%3A%3A%250A %3A%3Aerror%3A%3Apwned.pyc," in junk


def test_escaping_rules() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
