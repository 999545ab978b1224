"""Batch mode end to end: the real PyGithub client against a stand-in GitHub on 127.0.0.1.

Clone URLs are local bare repositories; nothing leaves the machine. The stand-in injects a
rate-limited 403 with ``X-RateLimit-Reset``, a 502, a missing user and an unclonable
repository, and records every request so the tests can count the API calls per candidate.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from tests.factory import make_repo
from tests.github_standin import RATE_LIMIT, Repo, StandInGitHub, User, publish, serve
from tests.projects import build_strong_project, build_weak_project

TOKEN = "ghp_standInToken0123456789abcdefSECRET"


@pytest.fixture
def standin() -> Iterator[StandInGitHub]:
    yield from serve()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Clone URLs of a strong and a weak project, as bare repositories."""
    root = tmp_path_factory.mktemp("published")
    return {
        "strong": publish(build_strong_project(root / "strong"), root / "strong.git"),
        "weak": publish(build_weak_project(root / "weak"), root / "weak.git"),
    }


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return TOKEN


def run_batch(standin: StandInGitHub, out: Path, *args: str) -> int:
    return main(
        [
            "batch",
            *args,
            "--out",
            str(out),
            "--github-url",
            standin.base_url,
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


def repos_of(candidate: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in candidate["repos"]}


def test_a_batch_ranks_explains_and_records_every_failure(
    standin: StandInGitHub,
    published: dict[str, str],
    token: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    strong, weak = published["strong"], published["weak"]
    standin.add_user(
        User(
            "alice",
            "Alice Example",
            [
                Repo("ledger", strong, homepage="https://ledger.example.com", topics=("finance",)),
                Repo("calc", weak, pushed_days_ago=5),
                Repo("upstream-fork", weak, fork=True),
                Repo("old-thing", weak, archived=True),
                Repo("dataset", weak, size=900 * 1024),
            ],
            merged_prs=["psf/requests", "pallets/click", "psf/requests"],
        )
    )
    standin.add_user(
        User("bob", None, [Repo("calc", weak), Repo("gone", (tmp_path / "nowhere.git").as_uri())])
    )
    standin.add_user(User("erin", "Erin", [Repo("ledger-copy", strong)]))
    standin.fail("/api/v3/users/bob", 502, 502)  # retried with backoff
    standin.fail("/api/v3/users/erin", RATE_LIMIT)
    standin.fail("/api/v3/search/issues", RATE_LIMIT)  # alice's, mid-account
    candidates = tmp_path / "candidates.csv"
    candidates.write_text(
        "name,github,applied\n"
        "Alice Example,alice,2024-03-01\n"
        '"=HYPERLINK(""http://evil.example"")",bob,2024-03-02\n'
        "<img src=x onerror=alert(1)>,carol,2024-03-03\n"
        "Erin,erin,2024-03-04\n",
        encoding="utf-8",
    )
    out = tmp_path / "results"

    code = run_batch(standin, out, "--from-file", str(candidates))

    captured = capsys.readouterr()
    assert code == 3, captured.err
    board = board_of(out)
    # Alice has Erin's one strong project, plus a weak one (which lowers nothing) and merged
    # pull requests to other people's repositories: she ranks first.
    assert list(board) == ["alice", "erin", "bob", "carol"]
    assert [c["rank"] for c in board.values()] == [1, 2, 3, None]

    alice = board["alice"]
    repos = repos_of(alice)
    assert repos["ledger"]["status"] == "audited" and repos["ledger"]["grade"] == "A"
    assert repos["calc"]["status"] == "audited" and repos["calc"]["grade"] == "F"
    assert repos["upstream-fork"]["status"] == "skipped"
    assert repos["upstream-fork"]["reason"].startswith("fork")
    assert repos["old-thing"]["reason"].startswith("archived")
    assert repos["dataset"]["reason"].startswith("too large: 900 MB")
    assert alice["carried_by"] == ["ledger", "calc"]
    assert alice["solid_projects"] == ["ledger"]
    assert alice["merged_prs"] == 3
    assert alice["errors"] == []
    assert alice["fields"] == {"name": "Alice Example", "applied": "2024-03-01"}
    # One strong project, a weak one, contributions: never above the best repository.
    assert repos["calc"]["score"] < alice["score"] <= repos["ledger"]["score"]

    bob = board["bob"]
    assert repos_of(bob)["gone"]["status"] == "error"
    assert "cannot clone" in repos_of(bob)["gone"]["reason"]
    assert bob["errors"] == [f"gone: {repos_of(bob)['gone']['reason']}"]
    assert bob["score"] is not None  # the clonable repository still counts

    carol = board["carol"]
    assert carol["score"] is None and carol["grade"] is None
    assert carol["errors"] == ["GitHub has no account named 'carol'"]

    # The rate limit was waited out, and said so.
    assert board["erin"]["grade"] is not None
    assert "GitHub rate limit: waiting until" in captured.err
    assert "carol: GitHub has no account named 'carol'" in captured.err

    # API calls: three per candidate, plus the answers that had to be retried.
    assert len(standin.calls_for("alice")) == 4  # its rate-limited search, then the search
    assert len(standin.calls_for("carol")) == 1
    assert len(standin.calls_for("erin")) == 4  # the rate-limited call, then three
    assert len(standin.calls_for("bob")) == 5  # two 502s, then three
    # The token was sent with every call, and is written nowhere.
    assert standin.requests and all(r.authorization == f"token {token}" for r in standin.requests)
    assert token not in captured.out + captured.err
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path

    # CSV: one row per candidate, input columns carried, formulas neutralised.
    with (out / "leaderboard.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["login"] for r in rows] == ["alice", "erin", "bob", "carol"]
    assert rows[0]["applied"] == "2024-03-01" and rows[0]["score"] == str(alice["score"])
    assert rows[2]["name"] == '\'=HYPERLINK("http://evil.example")'
    assert rows[3]["errors"] == "GitHub has no account named 'carol'"

    # HTML: self-contained, escaped, linking the repository cards written beside it.
    html = (out / "leaderboard.html").read_text("utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "script-src 'sha256-" in html and "<link" not in html and 'src="http' not in html
    assert 'href="cards/alice/ledger.html"' in html
    card = json.loads((out / "cards/alice/ledger.json").read_text("utf-8"))
    assert card["grade"] == "A"
    assert card["signals"]["github"]["homepage"] == "https://ledger.example.com"
    assert card["signals"]["github"]["topics"] == ["finance"]
    assert (out / "cards/alice/ledger.html").read_text("utf-8").startswith("<!DOCTYPE html>")

    # The store holds one finished run and an audit per repository (four were audited).
    with sqlite3.connect(out / "auditor.db") as db:
        assert db.execute("SELECT status FROM runs").fetchall() == [("finished",)]
        assert db.execute("SELECT count(*) FROM audits").fetchone() == (4,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_the_repository_list_follows_link_pagination(
    standin: StandInGitHub, published: dict[str, str], token: str, tmp_path: Path
) -> None:
    forks = [
        Repo(f"fork-{n:03}", published["weak"], fork=True, pushed_days_ago=10 + n)
        for n in range(130)
    ]
    standin.add_user(User("dana", "Dana", [Repo("ledger", published["strong"]), *forks]))
    out = tmp_path / "out"

    assert run_batch(standin, out, "dana") == 0

    pages = [r for r in standin.calls_for("dana") if r.path.endswith("/repos")]
    assert [r.query.get("page") for r in pages] == [None, "2"]
    assert pages[1].path.startswith("/api/v3/user/")  # the Link header's URL
    assert len(standin.calls_for("dana")) == 4
    dana = board_of(out)["dana"]
    assert len(dana["repos"]) == 131
    assert sum(r["status"] == "audited" for r in dana["repos"]) == 1
    assert sum(r["reason"].startswith("fork") for r in dana["repos"]) == 130


def test_a_rerun_reuses_audits_fetches_clones_and_refresh_audits_again(
    standin: StandInGitHub, token: str, tmp_path: Path
) -> None:
    source = build_weak_project(tmp_path / "src")
    url = publish(source, tmp_path / "served.git")
    standin.add_user(User("fay", "Fay", [Repo("calc", url)]))
    out = tmp_path / "out"
    assert run_batch(standin, out, "fay") == 0
    clone = tmp_path / "cache/clones/127.0.0.1/fay/calc.git"
    inode = clone.stat().st_ino
    db = sqlite3.connect(out / "auditor.db")
    first = db.execute("SELECT head, run_id FROM audits").fetchall()
    assert first == [(source.commits[-1], 1)]

    assert run_batch(standin, out, "fay") == 0  # a finished run: a new one, reusing the audit
    assert db.execute("SELECT head, run_id FROM audits").fetchall() == first
    assert db.execute("SELECT count(*) FROM runs").fetchone() == (2,)

    source.commit("Add tests for add", {"test_calculator.py": "def test_add():\n    assert 1\n"})
    source.git("push", "-q", str(tmp_path / "served.git"), "main")
    assert run_batch(standin, out, "fay") == 0
    audits = db.execute("SELECT head, run_id FROM audits ORDER BY run_id").fetchall()
    assert audits == [*first, (source.commits[-1], 3)]  # the new HEAD only
    assert clone.stat().st_ino == inode  # fetched into, not cloned again
    assert board_of(out)["fay"]["repos"][0]["head"] == source.commits[-1]

    assert run_batch(standin, out, "fay", "--refresh") == 0
    assert db.execute(
        "SELECT run_id FROM audits WHERE head = ?", (source.commits[-1],)
    ).fetchone() == (4,)
    db.close()


def test_a_rate_limit_past_max_wait_stops_cleanly_and_the_rerun_resumes(
    standin: StandInGitHub,
    published: dict[str, str],
    token: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    standin.add_user(User("gus", "Gus", [Repo("calc", published["weak"])]))
    standin.add_user(User("hal", "Hal", [Repo("ledger", published["strong"])]))
    standin.rate_limit_reset_in = 3600
    standin.fail("/api/v3/users/hal", RATE_LIMIT)
    out = tmp_path / "out"

    assert run_batch(standin, out, "gus", "hal", "--max-wait", "5") == 3

    err = capsys.readouterr().err
    assert "more than --max-wait 5s" in err
    board = board_of(out)
    assert board["gus"]["grade"] == "F"
    assert board["hal"]["score"] is None
    assert board["hal"]["errors"][0].startswith("not scored: the run stopped")
    calls_for_gus = len(standin.calls_for("gus"))

    assert run_batch(standin, out, "gus", "hal", "--max-wait", "5") == 0

    hal = board_of(out)["hal"]
    assert hal["errors"] == [] and hal["score"] is not None
    assert repos_of(hal)["ledger"]["grade"] == "A"
    assert len(standin.calls_for("gus")) == calls_for_gus  # resumed: gus was not read again
    with sqlite3.connect(out / "auditor.db") as db:
        assert db.execute("SELECT id, status FROM runs").fetchall() == [(1, "finished")]


def test_too_many_files_or_none_at_all_is_a_skip_not_an_error(
    standin: StandInGitHub, token: str, tmp_path: Path
) -> None:
    many = make_repo(tmp_path / "many", {f"data/file_{n}.txt": f"{n}\n" for n in range(40)})
    empty = make_repo(tmp_path / "empty").bare_clone(tmp_path / "empty.git")
    repos = [Repo("many", publish(many, tmp_path / "many.git")), Repo("empty", empty.as_uri())]
    standin.add_user(User("ivy", "Ivy", repos))
    out = tmp_path / "out"

    assert run_batch(standin, out, "ivy", "--max-files", "25") == 0

    skipped = repos_of(board_of(out)["ivy"])
    assert skipped["many"]["status"] == skipped["empty"]["status"] == "skipped"
    assert skipped["many"]["reason"] == "too many files: more than 25 at HEAD"
    assert skipped["empty"]["reason"] == "empty repository: no commits"
    clone = tmp_path / "cache/clones/127.0.0.1/ivy/many.git"
    assert not (clone / "objects/info/alternates").exists()
    listing = sorted(p.name for p in (clone / "objects/pack").glob("*.promisor"))
    assert len(listing) == 1  # the blobless clone only: HEAD's blobs were never fetched


def test_a_rejected_token_stops_the_batch_with_one_line(
    standin: StandInGitHub, token: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    standin.add_user(User("jo", "Jo", []))
    standin.fail("/api/v3/users/jo", 401)
    out = tmp_path / "out"

    assert run_batch(standin, out, "jo") == 2

    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "auditor: error: GitHub rejected the token (401 Bad credentials): check the variable "
        "it comes from (--token-env)"
    )
    assert token not in "\n".join(err)
    with sqlite3.connect(out / "auditor.db") as db:
        assert db.execute("SELECT status FROM runs").fetchall() == [("failed",)]
