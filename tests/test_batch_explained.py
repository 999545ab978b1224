"""Issue 17 against the stand-in GitHub: a leaderboard that explains every rank, and a batch
that never silently loses results.

Each test drives ``auditor batch`` end to end: the stand-in API on 127.0.0.1, clone URLs that
are local bare repositories (one with an object missing, so git's real error comes back).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from tests.factory import RepoBuilder
from tests.github_standin import Fault, Repo, StandInGitHub, User, publish, serve
from tests.projects import build_strong_project, build_weak_project

UNREACHABLE = "http://127.0.0.1:9/api/v3"  # the discard port: nothing listens there


@pytest.fixture
def standin() -> Iterator[StandInGitHub]:
    yield from serve()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("published")
    strong = build_strong_project(root / "strong")
    weak = build_weak_project(root / "weak")
    return {
        "strong": publish(strong, root / "strong.git"),
        "weak": publish(weak, root / "weak.git"),
        "broken": missing_an_object(weak, root / "broken.git"),
    }


def missing_an_object(builder: RepoBuilder, target: Path) -> str:
    """A bare copy with one blob of HEAD deleted, served as a host without partial-clone
    support: git warns about the filter first, then fails on the missing object."""
    bare = builder.bare_clone(target)
    blob = builder.git("rev-parse", "HEAD:calculator.py").strip()
    (bare / "objects" / blob[:2] / blob[2:]).unlink()
    return bare.resolve().as_uri()


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_standInToken0123456789abcdef")


def run_batch(url: str, out: Path, *args: str) -> int:
    return main(
        [
            "batch",
            *args,
            "--out",
            str(out),
            "--github-url",
            url,
            "--cache-dir",
            str(out.parent / "cache"),
            "--request-interval",
            "0",
            "--jobs",
            "2",
        ]
    )


def board_of(out: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((out / "leaderboard.json").read_text("utf-8"))
    return {c["login"]: c for c in data["candidates"]}


def csv_of(out: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    with (out / "leaderboard.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), {r["login"]: r for r in rows}


def repos_of(candidate: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in candidate["repos"]}


def test_a_repository_missing_an_object_is_named_with_gits_fatal_line_and_left_out(
    standin: StandInGitHub, published: dict[str, str], tmp_path: Path
) -> None:
    standin.add_user(User("kim", "Kim", [Repo("ledger", published["strong"])]))
    standin.add_user(
        User("lee", "Lee", [Repo("ledger", published["strong"]), Repo("calc", published["broken"])])
    )
    out = tmp_path / "out"

    assert run_batch(standin.base_url, out, "kim", "lee") == 3

    board = board_of(out)
    lee, kim = board["lee"], board["kim"]
    calc = repos_of(lee)["calc"]
    assert calc["status"] == "error"
    assert "fatal: unable to read " in calc["reason"]
    assert "filtering not recognized" not in calc["reason"]
    # Left out of the score, not an empty slot: the same score as the same work alone.
    assert lee["score"] == kim["score"]
    assert lee["carried_by"] == ["ledger"]
    assert lee["complete"] is False and kim["complete"] is True
    assert lee["unaudited"] == [{"name": "calc", "reason": calc["reason"]}]
    assert kim["unaudited"] == []
    _, rows = csv_of(out)
    assert rows["lee"]["complete"] == "no" and rows["kim"]["complete"] == "yes"
    assert rows["lee"]["unaudited"].startswith("calc: cannot clone or read the repository")
    html = (out / "leaderboard.html").read_text("utf-8")
    assert html.count('class="incomplete"') == 1
    assert "fatal: unable to read" in html


def test_an_unreachable_api_stops_at_once_and_keeps_the_previous_results(
    standin: StandInGitHub,
    published: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    standin.add_user(User("kim", "Kim", [Repo("ledger", published["strong"])]))
    out = tmp_path / "out"
    assert run_batch(standin.base_url, out, "kim") == 0
    before = {name: (out / name).read_bytes() for name in ("leaderboard.json", "leaderboard.csv")}
    capsys.readouterr()

    started = time.monotonic()
    code = run_batch(UNREACHABLE, out, "kim", "lee", "max")
    elapsed = time.monotonic() - started

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1] == (
        "auditor: error: cannot reach the GitHub API at http://127.0.0.1:9/api/v3 "
        "(127.0.0.1:9: connection refused): check --github-url and the network, then re-run "
        "the same command"
    )
    assert not any("kim" in line or "lee" in line for line in err)  # no candidate failed
    assert elapsed < 5, elapsed  # one retry, not a backoff per candidate
    for name, content in before.items():
        assert (out / name).read_bytes() == content


def test_5xx_answers_keep_their_backoff(
    standin: StandInGitHub, published: dict[str, str], tmp_path: Path
) -> None:
    standin.add_user(User("kim", "Kim", [Repo("ledger", published["strong"])]))
    standin.fail("/api/v3/users/kim", 502, 502, 503)
    out = tmp_path / "out"

    assert run_batch(standin.base_url, out, "kim") == 0

    assert len(standin.calls_for("kim")) == 6  # three failures retried, then three calls
    assert board_of(out)["kim"]["complete"] is True


def test_a_weak_account_scores_no_higher_than_its_best_repository(
    standin: StandInGitHub, published: dict[str, str], tmp_path: Path
) -> None:
    standin.add_user(
        User(
            "tut",
            "Tutorial Dumps",
            [Repo("calc", published["weak"]), Repo("calc-again", published["weak"])],
            merged_prs=["psf/requests", "pallets/click", "pallets/flask"],
        )
    )
    out = tmp_path / "out"

    assert run_batch(standin.base_url, out, "tut") == 0

    tut = board_of(out)["tut"]
    best = max(r["score"] for r in tut["repos"])
    assert tut["score"] <= best
    assert tut["breakdown"]["best"] == best


def test_a_candidate_that_cannot_be_read_keeps_its_last_stored_audit_with_its_date(
    standin: StandInGitHub, published: dict[str, str], tmp_path: Path
) -> None:
    standin.add_user(User("kim", "Kim", [Repo("ledger", published["strong"])]))
    standin.add_user(User("max", "Max", [Repo("calc", published["weak"])]))
    out = tmp_path / "out"
    assert run_batch(standin.base_url, out, "kim", "max") == 0
    first = board_of(out)
    standin.always["/api/v3/users/kim"] = Fault(body=b"<html>502 Bad Gateway</html>")

    assert run_batch(standin.base_url, out, "kim", "max") == 3

    kim = board_of(out)["kim"]
    assert kim["score"] == first["kim"]["score"] and kim["rank"] == 1
    assert kim["complete"] is False
    day = kim["as_of"][:10]
    assert len(day) == 10 and day[4] == "-"
    assert kim["errors"][0].startswith("GitHub sent a malformed answer")
    assert f"the audit of {day}" in kim["errors"][0]
    html = (out / "leaderboard.html").read_text("utf-8")
    assert f"as of {day}" in html
    _, rows = csv_of(out)
    assert rows["kim"]["as_of"] == kim["as_of"] and rows["max"]["as_of"] == ""


def test_a_repository_that_cannot_be_cloned_this_time_keeps_its_last_audit(
    standin: StandInGitHub, published: dict[str, str], tmp_path: Path
) -> None:
    served = tmp_path / "served.git"
    source = build_weak_project(tmp_path / "src")
    standin.add_user(User("kim", "Kim", [Repo("calc", publish(source, served))]))
    out = tmp_path / "out"
    assert run_batch(standin.base_url, out, "kim") == 0
    first = board_of(out)["kim"]
    served.rename(tmp_path / "moved.git")

    assert run_batch(standin.base_url, out, "kim", "--refresh") == 3

    kim = board_of(out)["kim"]
    calc = repos_of(kim)["calc"]
    assert kim["score"] == first["score"]
    assert calc["status"] == "audited" and calc["score"] == repos_of(first)["calc"]["score"]
    assert calc["as_of"][:10] == calc["audited_at"][:10]
    assert "cannot clone" in calc["reason"]
    assert kim["complete"] is False


def test_the_csv_and_html_show_the_breakdown_and_every_input_column_once(
    standin: StandInGitHub, published: dict[str, str], tmp_path: Path
) -> None:
    standin.add_user(
        User(
            "kim",
            None,
            [Repo("ledger", published["strong"]), Repo("calc", published["weak"])],
            merged_prs=["psf/requests"],
        )
    )
    people = tmp_path / "people.csv"
    people.write_text(
        "Name,login,Email,Role applied for,Score\n"
        "Kim Example,kim,kim@example.com,Backend engineer,7\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"

    assert run_batch(standin.base_url, out, "--from-file", str(people)) == 0

    kim = board_of(out)["kim"]
    header, rows = csv_of(out)
    lowered = [h.lower() for h in header]
    assert len(lowered) == len(set(lowered)), header
    assert "Name" not in header and rows["kim"]["name"] == "Kim Example"
    assert rows["kim"]["Email"] == "kim@example.com"
    assert rows["kim"]["Role applied for"] == "Backend engineer"
    assert rows["kim"]["input: Score"] == "7"
    for part in ("quality", "solid_projects", "contributions", "recency", "best"):
        assert rows["kim"][part] == str(kim["breakdown"][part]), part
    assert rows["kim"]["carried_by"] == " ".join(
        f"{r['name']} ({r['score']:.1f})" for r in kim["repos"] if r["carried_score"]
    )
    assert rows["kim"]["Tests"] == str(kim["categories"]["TST"])
    summary = rows["kim"]["summary"]
    assert summary == kim["summary"]
    assert summary.startswith(f"kim scores {kim['score']:.1f} ({kim['grade']}). ")
    ledger = next(r for r in kim["repos"] if r["name"] == "ledger")
    assert ledger["score"] >= 90
    strongest = f"Strongest project: ledger ({ledger['score']:.1f}, A, a command-line tool of "
    assert strongest in summary
    assert "Main gap: Tests" in summary  # its second, weaker repository has few tests
    html = (out / "leaderboard.html").read_text("utf-8")
    assert "kim@example.com" in html and "Backend engineer" in html
    assert f"<b>Why {kim['score']:.1f}:</b> best projects {kim['breakdown']['quality']:.1f}" in html
    assert 'Tests<span class="code">TST</span>' in html
    assert summary.replace("'", "&#39;") in html
