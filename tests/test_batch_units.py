"""Batch mode, piece by piece: input, policy and arithmetic, safety rules, store, runner."""

from __future__ import annotations

import os
import sqlite3
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.batch.accounts import (
    Account,
    AccountNotFound,
    AccountSource,
    RepoMetadata,
    rate_limit_wait,
    web_host,
)
from auditor.batch.candidates import CandidateError, merge, parse_logins, read_candidates
from auditor.batch.clones import default_cache_dir, safe_component
from auditor.batch.enrich import host_info
from auditor.batch.jobs import RepoTask, auth_header, pack_fingerprint
from auditor.batch.leaderboard import build, csv_cell
from auditor.batch.runner import (
    FINISHED,
    INTERRUPTED,
    BatchRunner,
    BatchSettings,
    clone_url_problem,
)
from auditor.batch.scoring import AccountPolicy, RepoScore, account_score
from auditor.batch.store import Store, StoreError
from auditor.cli import main
from auditor.engine import audit
from auditor.errors import RulePackError
from auditor.model import Scorecard
from auditor.rulepack import RulePack, load_pack
from auditor.source.git import Git, RemoteGit, count_tree_entries
from auditor.source.snapshot import Snapshot
from tests.factory import make_repo
from tests.github_standin import publish
from tests.projects import build_strong_project, build_weak_project

# --------------------------------------------------------------------- candidates


def test_a_text_file_lists_logins_with_comments_and_profile_urls(tmp_path: Path) -> None:
    path = tmp_path / "logins.txt"
    path.write_text("# shortlist\nalice\n\n@Bob\nhttps://github.com/carol-x/\nALICE\n", "utf-8")
    candidates = merge(read_candidates(path))
    assert [c.login for c in candidates] == ["alice", "Bob", "carol-x"]


def test_a_csv_file_needs_a_login_column_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Name;GitHub;Team\nAda L;ada;platform\nGrace H;grace;\n", "utf-8")
    ada, grace = read_candidates(path)
    assert (ada.login, ada.name, dict(ada.fields)) == (
        "ada",
        "Ada L",
        {"Name": "Ada L", "Team": "platform"},
    )
    assert grace.fields["Team"] == ""
    (tmp_path / "bad.csv").write_text("name,email\nAda,ada@example.com\n", "utf-8")
    with pytest.raises(CandidateError, match="no login column"):
        read_candidates(tmp_path / "bad.csv")


@pytest.mark.parametrize("login", ["-alice", "al--ice", "a" * 40, "alice/repo", "a b", ""])
def test_what_is_not_a_github_login_is_refused(login: str) -> None:
    with pytest.raises(CandidateError, match="is not a GitHub login"):
        parse_logins([login])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give GitHub logins"),
        (["not a login"], "is not a GitHub login"),
        (["alice", "--profile", "auto"], "compares candidates on one"),
        (["alice", "--profile", "nope"], "unknown profile 'nope'"),
        (["alice", "--github-url", "ftp://example.com"], "give an https URL"),
        (["alice", "--github-url", "http://ghe.example.com/api/v3"], "unencrypted"),
        (["alice", "--select", "ZZZ"], "no rule matches ZZZ"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["batch", *args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------- account score


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_pack("default")


def score(pack: RulePack, scores: list[float], merged_prs: int = 0, forks: int = 0) -> float:
    repos = [RepoScore(f"r{i}", s, {}, fork=i < forks) for i, s in enumerate(scores)]
    return account_score(
        repos,
        merged_prs=merged_prs,
        last_push=None,
        policy=AccountPolicy.from_pack(pack),
        pack=pack,
    ).score


def test_a_few_strong_projects_beat_many_shallow_ones(pack: RulePack) -> None:
    few_strong = score(pack, [92, 90, 88])
    many_shallow = score(pack, [45] * 30)
    one_strong = score(pack, [92])
    assert few_strong > one_strong > many_shallow
    # One excellent project stands on its own: the missing slots count 15 points below it.
    assert 75 <= one_strong <= 92
    # A weak extra repository never lowers the account; those beyond the best three do nothing.
    assert score(pack, [92, 20]) == one_strong
    assert score(pack, [92, 90, 88, 10, 10, 10]) == few_strong
    # Contributions to other people's repositories count, up to the target.
    assert score(pack, [60], merged_prs=3) > score(pack, [60], merged_prs=1) > score(pack, [60])
    assert score(pack, [60], merged_prs=30) == score(pack, [60], merged_prs=3)
    # A fork is never a solid original project.
    assert score(pack, [92, 90, 88], forks=3) < few_strong


def test_an_account_is_never_worth_more_than_its_best_work(pack: RulePack) -> None:
    # Tutorial dumps of 38.1 and 30.8 scored 42.5 with the old empty-slot floor of 50, and
    # two repositories of 57.6 and 57.4 scored 48.3.
    assert score(pack, [38.1, 30.8], merged_prs=3) <= 38.1
    assert 48.3 < score(pack, [57.6, 57.4]) <= 57.6
    assert score(pack, [100.0] * 3, merged_prs=9) <= 100.0


def test_the_formula_is_the_one_documented_in_the_pack(pack: RulePack) -> None:
    policy = AccountPolicy.from_pack(pack)
    assert policy == AccountPolicy()  # the code's defaults are the shipped policy
    result = account_score(
        [RepoScore("a", 90.0, {"DOC": 80.0}), RepoScore("b", 50.0, {"DOC": None})],
        merged_prs=1,
        last_push=None,
        policy=policy,
        pack=pack,
    )
    # b's 50 is below the best less slot_gap (75): it counts 75, as does the empty third slot.
    quality = 0.7 * 90 + 0.2 * 75 + 0.1 * 75
    solid, contributions = 100 / 3, 100 / 3
    expected = min(90, quality + (5 * solid + 5 * contributions + 5 * 0) / 100)
    assert result.score == round(expected, 1)
    assert result.carried_by == ("a", "b") and result.solid_projects == ("a",)
    assert result.categories["DOC"] == 80.0 and result.categories["TST"] is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"top_slots": 3}, "unknown key(s) top_slots"),
        ({"top_weights": []}, "top_weights must be"),
        ({"top_weights": [0, 0]}, "top_weights must be"),
        ({"solid_target": 1.5}, "solid_target must be a whole number"),
        ({"solid_weight": -1}, "solid_weight must be a number"),
        ({"quality_weight": 85}, "unknown key(s) quality_weight"),
        ({"recency_weight": 60}, "at most 50 together"),
        ({"demo_rule": "DOC007"}, "unknown key(s) demo_rule"),
        ({"recent_days": 900}, "stale_days must not be below"),
    ],
)
def test_a_bad_account_table_is_a_rule_pack_error(
    pack: RulePack, table: dict[str, object], message: str
) -> None:
    with pytest.raises(RulePackError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AccountPolicy.from_pack(replace(pack, account={**pack.account, **table}))


def test_a_live_homepage_counts_as_a_demo(tmp_path: Path, pack: RulePack) -> None:
    """GitHub's homepage reaches the audit as host metadata; nothing is edited afterwards."""
    path = build_weak_project(tmp_path / "w").path
    meta = RepoMetadata("calc", "ada/calc", "https://github.com/ada/calc.git", "")

    def audited(homepage: str | None) -> Scorecard:
        host = None if homepage is None else host_info(replace(meta, homepage=homepage))
        return audit(Snapshot.open(path, host=host), pack)

    plain, own_page = audited(None), audited("https://github.com/ada/calc")
    demo = audited("https://calc.example.app")
    finding = {f.rule: f for f in demo.findings}["DOC007"]
    assert finding.status.value == "pass" and "calc.example.app" in finding.outcome.message
    assert demo.score > own_page.score == plain.score
    assert demo.signals["github"]["homepage"] == "https://calc.example.app"
    assert own_page.signals["github"]["homepage"] is None
    assert "github" not in plain.signals


# --------------------------------------------------------------------- safety


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", " x"),  # one line: tabs and line breaks become spaces
        ("\t=1", "' =1"),
        ("\n =1", "'  =1"),
        ("\rx", "x"),
        ("\x1b=1+2", "'=1+2"),  # a stripped character hides no formula
        ("\u202e=cmd", "'=cmd"),
        (
            "Ada\x1b]8;;https://evil.example\x07\n\u202eLovelace\x9b",
            "Ada]8;;https://evil.example Lovelace",
        ),
        ("Ada", "Ada"),
        (84.5, "84.5"),
        (None, ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(
    value: object, expected: str
) -> None:
    assert csv_cell(value) == expected


@pytest.mark.parametrize(
    ("url", "api", "allowed"),
    [
        ("https://github.com/ada/calc.git", "https://api.github.com", True),
        ("https://ghe.corp/ada/calc.git", "https://ghe.corp/api/v3", True),
        ("https://evil.example/ada/calc.git", "https://api.github.com", False),
        ("http://github.com/ada/calc.git", "https://api.github.com", False),
        ("https://x:y@github.com/ada/calc.git", "https://api.github.com", False),
        ("ext::sh -c touch% /tmp/pwned", "https://api.github.com", False),
        ("file:///srv/git/calc.git", "https://api.github.com", False),
        ("file:///srv/git/calc.git", "http://127.0.0.1:8080/api/v3", True),
        ("ssh://git@github.com/ada/calc.git", "https://api.github.com", False),
    ],
)
def test_clone_urls_must_be_on_the_apis_host(url: str, api: str, allowed: bool) -> None:
    assert (clone_url_problem(url, api) is None) is allowed


def test_rate_limit_answers_say_how_long_to_wait() -> None:
    primary = rate_limit_wait(
        403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1030"}, {}, now=1000
    )
    assert primary is not None and primary.wait == 31
    secondary = rate_limit_wait(403, {"Retry-After": "7"}, {"message": "slow down"}, now=0)
    assert secondary is not None and secondary.wait == 7
    assert rate_limit_wait(403, {}, {"message": "Resource not accessible"}) is None
    assert rate_limit_wait(502, {"X-RateLimit-Remaining": "0"}, {}) is None
    assert web_host("https://api.github.com") == "github.com"
    assert web_host("https://ghe.corp/api/v3") == "ghe.corp"


def test_the_token_reaches_git_only_through_the_environment_for_its_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CANDIDATE_TOKEN", "tok3n")
    meta = RepoMetadata("calc", "ada/calc", "https://github.com/ada/calc.git", "")
    task = RepoTask(
        "ada",
        "github.com/ada/calc",
        meta,
        "/tmp/cache",
        "default",
        "hash",
        token_env="CANDIDATE_TOKEN",
        token_prefix="https://github.com/",
    )
    header = auth_header(task)
    assert header is not None and header[0] == "https://github.com/"
    assert "tok3n" not in header[1]  # base64 of x-access-token:tok3n
    elsewhere = replace(task, meta=replace(meta, clone_url="https://evil.example/ada/calc.git"))
    assert auth_header(elsewhere) is None
    git = RemoteGit(header=header)
    argv = " ".join(git.argv("clone", "--", meta.clone_url, "dest"))
    assert header[1] not in argv and "http.followRedirects=false" in argv
    assert "protocol.ext.allow" not in argv and "protocol.allow=never" in argv
    assert git._env["GIT_CONFIG_KEY_0"] == "http.https://github.com/.extraHeader"
    assert git._env["GIT_CONFIG_VALUE_0"] == header[1]


@pytest.mark.parametrize(
    ("name", "component"),
    [
        ("calc", "calc"),
        ("my_calc-2.0", "my_calc-2.0"),
        (".github", "~2e~github"),
        ("_github", "_github"),
        ("..", "~2e~."),
        ("a/b", "a~2f~b"),
        ("a~2f~b", "a~7e~2f~7e~b"),
        ("", "~~"),
    ],
)
def test_names_from_github_become_safe_path_components(name: str, component: str) -> None:
    assert safe_component(name) == component


def test_clones_are_cached_in_the_user_cache_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AUDITOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform not in ("darwin", "win32"):
        assert default_cache_dir() == tmp_path / "xdg" / "portfolio-auditor"
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"


def test_a_huge_tree_is_counted_only_up_to_the_bound(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {f"d/{n}.txt": "" for n in range(300)})
    git = Git(repo.path / ".git")
    assert count_tree_entries(git, "HEAD", 1000) == 300
    assert 50 < count_tree_entries(git, "HEAD", 50) <= 300


def test_a_store_from_another_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "auditor.db"
    Store.open(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="schema version 99"):
        Store.open(path)


# --------------------------------------------------------------------- the runner


class FakeAccounts(AccountSource):
    """Accounts from a dict; a login mapped to an exception raises it once."""

    web_host = None

    def __init__(self, accounts: dict[str, Account | BaseException]) -> None:
        self.accounts = accounts
        self.fetched: list[str] = []

    def fetch(self, login: str) -> Account:
        self.fetched.append(login)
        found = self.accounts[login]
        if isinstance(found, BaseException):
            del self.accounts[login]
            raise found
        return found


def account(login: str, *repos: tuple[str, str]) -> Account:
    return Account(
        login=login,
        name=login.title(),
        html_url=f"https://github.com/{login}",
        public_repos=len(repos),
        repos=tuple(
            RepoMetadata(name, f"{login}/{name}", url, f"https://github.com/{login}/{name}")
            for name, url in repos
        ),
    )


def test_ctrl_c_keeps_what_finished_and_the_rerun_resumes(tmp_path: Path, pack: RulePack) -> None:
    strong = publish(build_strong_project(tmp_path / "s"), tmp_path / "s.git")
    weak = publish(build_weak_project(tmp_path / "w"), tmp_path / "w.git")
    source = FakeAccounts(
        {
            "ada": account("ada", ("ledger", strong)),
            "bob": KeyboardInterrupt(),
            "cy": AccountNotFound("GitHub has no account named 'cy'"),
        }
    )
    settings = BatchSettings(
        cache_dir=tmp_path / "cache", github_url="http://127.0.0.1:9/api/v3", token_env=None
    )
    candidates = parse_logins(["ada", "bob", "cy"])
    store = Store.open(tmp_path / "out" / "auditor.db")
    policy = AccountPolicy.from_pack(pack)
    pack_hash = pack_fingerprint(pack, (), ())

    def runner() -> BatchRunner:
        return BatchRunner(
            candidates=candidates,
            settings=settings,
            accounts=source,
            store=store,
            pack=pack,
            policy=policy,
            pack_hash=pack_hash,
            executor_factory=lambda jobs: ThreadPoolExecutor(jobs),
            render_html=False,
        )

    first = runner().run()
    assert first.status == INTERRUPTED
    board = build(store, first.run_id, pack, policy, pack_hash, run_status=first.status)
    ada = board.candidates[0]
    assert ada.login == "ada" and ada.repos[0].status == "audited" and ada.score is not None
    assert [c.login for c in board.failed] == ["bob", "cy"]  # neither was read

    source.accounts["bob"] = account("bob", ("calc", weak))
    second = runner().run()
    assert (second.status, second.run_id, second.resumed) == (FINISHED, first.run_id, True)
    assert source.fetched == ["ada", "bob", "bob", "cy"]  # ada was not read again
    assert second.submitted == 1  # only bob's repository: ada's was stored
    board = build(store, second.run_id, pack, policy, pack_hash)
    assert [c.login for c in board.candidates] == ["ada", "bob", "cy"]
    assert board.candidates[2].errors == ("GitHub has no account named 'cy'",)
    assert store.integrity() == "ok"
    store.close()
    assert os.path.exists(tmp_path / "cache/clones/127.0.0.1/ada/ledger.git/HEAD")
