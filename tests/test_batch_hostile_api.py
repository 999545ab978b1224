"""A malicious or broken GitHub API: every answer fails only its own candidate.

Each attack is a fault of the stand-in API on 127.0.0.1 (``tests.github_standin.Fault``):
deeply nested JSON, fields of the wrong type, a repository list that is not a list, a
redirect to another host, rate-limit headers sent twice or absurd, pages that link to a next
page for ever, a body dribbled one byte at a time, a body or a name too large, markup and
escape sequences in what the API says. The client is the batch's own, unmocked.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.batch.accounts import AccountError, GitHubAccounts, RateLimited
from auditor.cli import main
from tests.github_standin import Fault, Repo, StandInGitHub, User, publish, serve
from tests.projects import build_strong_project, build_weak_project

TOKEN = "ghp_standInToken0123456789abcdefSECRET"
ESCAPES = ("\x1b", "\x07", "\u202e", "\x9b")


@pytest.fixture
def standin() -> Iterator[StandInGitHub]:
    yield from serve()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("published")
    return {
        "strong": publish(build_strong_project(root / "strong"), root / "strong.git"),
        "weak": publish(build_weak_project(root / "weak"), root / "weak.git"),
    }


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return TOKEN


def accounts(standin: StandInGitHub, **options: float) -> GitHubAccounts:
    return GitHubAccounts(standin.base_url, TOKEN, request_interval=0, backoff=0, **options)


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


def board_of(out: Path) -> dict[str, dict[str, object]]:
    data = json.loads((out / "leaderboard.json").read_text("utf-8"))
    return {c["login"]: c for c in data["candidates"]}


RATE_LIMITED = json.dumps({"message": "API rate limit exceeded for user ID 1."}).encode()


@pytest.mark.parametrize(
    ("where", "fault", "error"),
    [
        pytest.param(
            "user", Fault(body=b"[" * 200_000 + b"]" * 200_000), "nested too deeply", id="nested"
        ),
        pytest.param(
            "user", Fault(patch={"public_repos": "many"}), "public_repos: not a count", id="types"
        ),
        pytest.param("user", Fault(patch={"login": ["ana"]}), "login: not a login", id="login"),
        pytest.param("user", Fault(body=b"[1, 2]"), "the user: not an object", id="user-list"),
        pytest.param(
            "repos", Fault(body=b'{"repos": []}'), "the repository list: not a list", id="listless"
        ),
        pytest.param("repos", Fault(patch={"fork": "yes"}), "fork: not a boolean", id="repo-types"),
        pytest.param(
            "repos", Fault(patch={"name": "../../etc"}), "name: not a repository name", id="name"
        ),
        pytest.param(
            "repos", Fault(patch={"full_name": "someone/else"}), "full_name", id="full-name"
        ),
        pytest.param("search", Fault(body=b'{"total_count": "all"}'), "total_count", id="search"),
        pytest.param("user", Fault(body=b"{" + b" " * (9 << 20) + b"}"), "larger than", id="huge"),
        pytest.param("user", Fault(body=b"\xff\xfe not json"), "not JSON", id="not-json"),
    ],
)
def test_a_malformed_answer_is_that_candidates_error(
    standin: StandInGitHub, published: dict[str, str], where: str, fault: Fault, error: str
) -> None:
    standin.add_user(User("ana", "Ana", [Repo("calc", published["weak"])]))
    path = {
        "user": "/api/v3/users/ana",
        "repos": "/api/v3/users/ana/repos",
        "search": "/api/v3/search/issues",
    }[where]
    standin.fail(path, fault)

    with pytest.raises(AccountError) as raised:
        accounts(standin).fetch("ana")

    assert error in str(raised.value)
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 400
    standin.requests.clear()
    assert accounts(standin).fetch("ana").repos[0].name == "calc"  # the next answer is fine


def test_a_redirect_to_another_host_is_refused_without_the_token(
    standin: StandInGitHub, published: dict[str, str]
) -> None:
    elsewhere = StandInGitHub().start()
    try:
        standin.add_user(User("ana", "Ana", [Repo("calc", published["weak"])]))
        elsewhere.add_user(User("ana", "Ana", []))
        target = f"http://localhost:{elsewhere.base_url.rsplit(':', 1)[1]}"
        standin.fail("/api/v3/users/ana", Fault(status=301, headers=(("Location", target),)))
        standin.fail("/api/v3/users/ana/repos", Fault(status=302, headers=(("Location", target),)))

        with pytest.raises(AccountError, match="redirected to another host"):
            accounts(standin).fetch("ana")
        with pytest.raises(AccountError, match="redirected to another host"):
            accounts(standin).fetch("ana")

        assert elsewhere.requests == []  # never asked, so never sent the token
    finally:
        elsewhere.stop()


def test_a_redirect_on_the_same_host_is_followed(
    standin: StandInGitHub, published: dict[str, str]
) -> None:
    standin.add_user(User("ana", "Ana", [Repo("calc", published["weak"])]))
    moved = f"{standin.base_url}/users/ana"
    standin.fail("/api/v3/users/old-ana", Fault(status=301, headers=(("Location", moved),)))

    account = accounts(standin).fetch("old-ana")

    assert account.login == "ana"
    assert all(r.authorization == f"token {TOKEN}" for r in standin.requests)


@pytest.mark.parametrize("where", ["/api/v3/users/ana/repos", "/api/v3/search/issues"])
def test_pages_that_always_link_to_a_next_page_are_bounded(
    standin: StandInGitHub, where: str
) -> None:
    standin.add_user(User("ana", "Ana", []))  # every page empty, every page linking on
    # Enough faults to make an unbounded client visibly loop, yet end if it does.
    standin.fail(where, *[Fault(next_page=True)] * 300)

    account = accounts(standin).fetch("ana")

    assert account.repos == ()
    assert len(standin.requests) <= 4  # the user, two pages of repositories, one search


def test_a_whole_request_has_a_deadline(standin: StandInGitHub) -> None:
    standin.add_user(User("ana", "Ana", []))
    standin.fail("/api/v3/users/ana", Fault(dribble=0.2))  # ~2 minutes for the whole body
    client = accounts(standin, deadline=1.5, timeout=30)

    started = time.monotonic()
    with pytest.raises(AccountError, match=r"no complete answer within 1\.5s"):
        client.fetch("ana")

    assert time.monotonic() - started < 5


def test_rate_limit_headers_sent_twice_or_nonsense_are_read_defensively(
    standin: StandInGitHub,
) -> None:
    standin.add_user(User("ana", "Ana", []))
    twice = (("X-RateLimit-Remaining", "4999"), ("X-RateLimit-Remaining", "4998"))
    standin.fail("/api/v3/users/ana", Fault(headers=twice))
    standin.fail("/api/v3/users/ana/repos", Fault(headers=(("X-RateLimit-Limit", "lots"),)))
    reset = int(time.time()) + 30
    limited = (
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", str(reset)),
        ("X-RateLimit-Reset", str(reset + 5)),
    )
    standin.fail("/api/v3/search/issues", Fault(status=403, headers=limited, body=RATE_LIMITED))
    client = accounts(standin)

    with pytest.raises(RateLimited) as first:
        client.fetch("ana")
    assert 25 < first.value.wait <= 32  # the first of the two resets

    standin.fail(
        "/api/v3/search/issues",
        Fault(status=403, headers=(("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "soon"))),
    )
    with pytest.raises(RateLimited) as second:
        client.fetch("ana")
    assert second.value.wait == 60  # no usable reset: GitHub's advice, a minute
    assert client.fetch("ana").login == "ana"


@pytest.mark.parametrize(
    "headers",
    [
        (("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "9" * 30)),
        (("Retry-After", "9" * 400),),
    ],
    ids=["reset", "retry-after"],
)
def test_a_rate_limit_far_in_the_future_stops_the_run_cleanly(
    standin: StandInGitHub,
    published: dict[str, str],
    token: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    headers: tuple[tuple[str, str], ...],
) -> None:
    standin.add_user(User("ana", "Ana", [Repo("calc", published["weak"])]))
    standin.fail("/api/v3/users/ana", Fault(status=403, headers=headers, body=RATE_LIMITED))
    out = tmp_path / "out"

    code = run_batch(standin, out, "ana", "--max-wait", "5")

    err = capsys.readouterr().err
    assert code == 3, err
    assert "more than --max-wait 5s" in err and "internal error" not in err
    assert board_of(out)["ana"]["score"] is None


def test_a_hostile_api_never_ends_the_batch_and_never_reaches_an_output(
    standin: StandInGitHub,
    published: dict[str, str],
    token: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich writes escape sequences as to a terminal
    strong, weak = published["strong"], published["weak"]
    long_name = "\x1b]0;owned\x07Mallory\u202egnp.exe\x9b" + "N" * 3_000_000
    standin.add_user(User("mallory", long_name, [Repo(".github", strong), Repo("_github", weak)]))
    standin.add_user(User("nested", "Nested", [Repo("calc", weak)]))
    standin.add_user(User("marked", "Marked", [Repo("calc", weak)]))
    standin.fail("/api/v3/users/nested", Fault(body=b"[" * 100_000))
    markup = "[/oops] [link=https://evil.example]x[/link] [blink]b[/blink] \x1b]8;;https://e\x07"
    standin.fail(
        "/api/v3/users/marked", Fault(status=451, body=json.dumps({"message": markup}).encode())
    )
    out = tmp_path / "out"

    code = run_batch(standin, out, "mallory", "nested", "marked", "--progress")

    err = capsys.readouterr().err
    assert code == 3, err
    assert "internal error" not in err
    assert "[/oops]" in err  # shown as text, never read as markup
    assert "\x1b]8;" not in err and "\x1b[5m" not in err and "\x1b]0;" not in err
    board = board_of(out)
    assert "nested too deeply" in board["nested"]["errors"][0]
    assert board["marked"]["errors"][0].startswith("GitHub answered 451: [/oops]")

    mallory = board["mallory"]
    name = str(mallory["name"])
    assert name.startswith("]0;ownedMallorygnp.exeNNN") and len(name) <= 255
    # The two repositories have their own clone and their own card.
    repos = {r["name"]: r for r in mallory["repos"]}  # type: ignore[attr-defined]
    assert repos[".github"]["card"] != repos["_github"]["card"]
    grades = {
        json.loads((out / repos[n]["card"]).with_suffix(".json").read_text("utf-8"))["grade"]
        for n in (".github", "_github")
    }
    assert grades == {"A", "F"}
    clones = sorted(p.name for p in (tmp_path / "cache/clones/127.0.0.1/mallory").glob("*.git"))
    assert len(clones) == 2
    with sqlite3.connect(out / "auditor.db") as db:
        stored = "".join(row[0] or "" for row in db.execute("SELECT account FROM candidates"))
    assert "N" * 300 not in stored
    with (out / "leaderboard.csv").open(encoding="utf-8", newline="") as handle:
        text = handle.read()
        rows = {r["login"]: r for r in csv.DictReader(text.splitlines())}
    assert rows["mallory"]["name"] == name
    for output in (text, (out / "leaderboard.html").read_text("utf-8")):
        assert not any(escape in output for escape in ESCAPES)
        assert "N" * 300 not in output
