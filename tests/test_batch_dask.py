"""Batch mode on a real Dask cluster: ``--scheduler local:2``, two worker processes.

The batches run as their own processes (``python -m auditor batch``), as a user runs them: a
``LocalCluster`` starts worker processes, which pytest's own process should not host. They
read the stand-in GitHub API on 127.0.0.1 and clone local bare repositories. The same
candidates scored by the local process pool are the reference: the cluster must produce the
same leaderboard, even when one of its workers is killed mid-audit.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import pytest

from auditor import __version__
from auditor.batch.accounts import Account, AccountSource, RepoMetadata
from auditor.batch.candidates import parse_logins
from auditor.batch.distributed import Scheduler, SchedulerError, check_workers, worker_readiness
from auditor.batch.jobs import (
    CLONE_FAILED,
    ERROR,
    SKIPPED,
    RepoResult,
    RepoTask,
    Token,
    pack_fingerprint,
    run_repo,
)
from auditor.batch.runner import FINISHED, BatchRunner, BatchSettings
from auditor.batch.scoring import AccountPolicy
from auditor.batch.store import Store
from auditor.cli import main
from auditor.rulepack import RulePack, load_pack
from tests.github_standin import Repo, StandInGitHub, User, publish, serve
from tests.projects import build_strong_project, build_weak_project

LOGINS = ["ana", "ben", "cem", "dov"]
REPOS = 2 * len(LOGINS)
TOKEN = "ghp_daskToken0123456789abcdefSECRET"


def dask_or_skip() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        reason = "Dask is not installed (pip install -e '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(f"the Dask tests cannot run in CI: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandInGitHub]:
    root = tmp_path_factory.mktemp("served")
    strong = publish(build_strong_project(root / "strong"), root / "strong.git")
    weak = publish(build_weak_project(root / "weak"), root / "weak.git")
    for standin in serve():
        for n, login in enumerate(LOGINS):
            repos = [Repo("app", strong if n % 2 else weak), Repo("lib", weak)]
            standin.add_user(User(login, login.title(), repos))
        yield standin


def batch(standin: StandInGitHub, work: Path, *options: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auditor",
            "batch",
            *LOGINS,
            "--out",
            str(work / "out"),
            "--cache-dir",
            str(work / "cache"),
            "--github-url",
            standin.base_url,
            "--request-interval",
            "0",
            "--no-progress",
            *options,
        ],
        cwd=work,
        env={**os.environ, "GITHUB_TOKEN": TOKEN},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen[bytes]) -> str:
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    return err.decode()


def candidates(out: Path) -> list[dict[str, Any]]:
    """The leaderboard's candidates, without when each audit was made (the runs differ)."""
    found = json.loads((out / "leaderboard.json").read_text("utf-8"))["candidates"]
    for candidate in found:
        for repo in candidate["repos"]:
            repo.pop("audited_at")
    return list(found)


@pytest.fixture(scope="module")
def reference(standin: StandInGitHub, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same batch on the local process pool."""
    work = tmp_path_factory.mktemp("local")
    finish(batch(standin, work, "--jobs", "2"))
    return work / "out"


def stored(out: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(repository, HEAD) of every stored audit, and (repository, status) from the run."""
    with sqlite3.connect(out / "auditor.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT status FROM runs").fetchall() == [("finished",)]
        audits = db.execute("SELECT repo, head FROM audits ORDER BY repo").fetchall()
        repos = db.execute("SELECT key, status FROM repos ORDER BY key").fetchall()
    return audits, repos


def assert_same_outcome(out: Path, reference: Path) -> None:
    """The leaderboard, the CSV and the store's audits equal the local executor's, with
    every repository audited once."""
    assert candidates(out) == candidates(reference)
    assert (out / "leaderboard.csv").read_text("utf-8") == (
        reference / "leaderboard.csv"
    ).read_text("utf-8")
    audits, repos = stored(out)
    assert (audits, repos) == stored(reference)
    assert len(audits) == len({repo for repo, _ in audits}) == REPOS
    assert [status for _, status in repos] == ["audited"] * REPOS
    for path in out.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_a_local_dask_cluster_scores_the_same_leaderboard_as_the_process_pool(
    standin: StandInGitHub, reference: Path, tmp_path: Path
) -> None:
    dask_or_skip()
    assert all(c["score"] is not None and c["errors"] == [] for c in candidates(reference))

    err = finish(batch(standin, tmp_path, "--scheduler", "local:2"))

    assert "auditing on the Dask cluster local:2 (2 workers)" in err
    assert f"scored {len(LOGINS)} of {len(LOGINS)} candidates, {REPOS} repositories" in err
    assert_same_outcome(tmp_path / "out", reference)
    # Each worker cloned into a cache of its own; nothing was written to a shared one.
    cache = tmp_path / "cache"
    assert not (cache / "clones").exists()
    clones = sorted(p.relative_to(cache) for p in cache.glob("workers/*/clones/*/*/*.git"))
    assert {p.parts[1] for p in clones} <= {"0", "1"}
    assert len(clones) == REPOS

    again = finish(batch(standin, tmp_path, "--scheduler", "local:2"))  # a new run reuses
    assert f"{REPOS} repositories checked" in again
    assert candidates(tmp_path / "out") == candidates(reference)


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def is_dask_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_a_worker_killed_mid_audit_has_its_task_run_again_and_stored_once(
    standin: StandInGitHub, reference: Path, tmp_path: Path
) -> None:
    dask_or_skip()
    process = batch(standin, tmp_path, "--scheduler", "local:2")
    # Wait for a worker to be mid-audit (running git), then kill it.
    victim = None
    deadline = time.monotonic() + 120
    while victim is None and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1].decode()
        workers = [pid for pid in children(process.pid) if is_dask_worker(pid)]
        victim = next((pid for pid in workers if children(pid)), None)
        if victim is None:
            time.sleep(0.01)
    assert victim is not None, "no worker was seen running git"
    os.kill(victim, signal.SIGKILL)

    err = finish(process)

    assert f"scored {len(LOGINS)} of {len(LOGINS)} candidates" in err
    assert_same_outcome(tmp_path / "out", reference)


# --------------------------------------------------------------------- the coordinator's side


class Accounts(AccountSource):
    web_host = "github.com"

    def __init__(self, repos: dict[str, tuple[RepoMetadata, ...]]) -> None:
        self.repos = repos

    def fetch(self, login: str) -> Account:
        return Account(login, None, None, len(self.repos[login]), self.repos[login])


class RecordingExecutor(Executor):
    """Records what would be sent to a worker and answers without running it: a clone sent
    without a token fails when ``needs_token`` names its repository."""

    def __init__(self, needs_token: set[str]) -> None:
        self.sent: list[tuple[object, tuple[Any, ...]]] = []
        self.needs_token = needs_token

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.sent.append((fn, args))
        task, token = args
        future: Future[RepoResult] = Future()
        if task.meta.name in self.needs_token and token is None:
            future.set_result(RepoResult(task.login, task.key, task.meta.name, ERROR, CLONE_FAILED))
        else:
            future.set_result(RepoResult(task.login, task.key, task.meta.name, SKIPPED, "ok"))
        return future


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_pack("default")


def test_workers_get_the_token_only_for_a_clone_that_needs_it(
    tmp_path: Path, pack: RulePack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    def repo(name: str, *, private: bool = False) -> RepoMetadata:
        url = f"https://github.com/ada/{name}.git"
        return RepoMetadata(name, f"ada/{name}", url, url[:-4], private=private)

    repos = (
        repo("public"),
        repo("secret", private=True),
        repo("gated"),  # public, but its host wants the token anyway
    )
    executor = RecordingExecutor(needs_token={"gated"})
    store = Store.open(tmp_path / "auditor.db")
    runner = BatchRunner(
        candidates=parse_logins(["ada"]),
        settings=BatchSettings(cache_dir=tmp_path / "cache", scheduler="local:2"),
        accounts=Accounts({"ada": repos}),
        store=store,
        pack=pack,
        policy=AccountPolicy.from_pack(pack),
        pack_hash=pack_fingerprint(pack, (), ()),
        executor_factory=lambda jobs: executor,
        render_html=False,
    )

    report = runner.run()

    assert report.status == FINISHED and report.submitted == 3
    sent = [(args[0].meta.name, args[1]) for _, args in executor.sent]
    assert [name for name, _ in sent] == ["public", "secret", "gated", "gated"]
    assert all(fn is run_repo for fn, _ in executor.sent)
    with_token = {name for name, token in sent if token is not None}
    assert with_token == {"secret"} | {"gated"}  # "gated" only on its second try
    assert sent[2][1] is None and isinstance(sent[3][1], Token)
    for _, args in executor.sent:
        task: RepoTask = args[0]
        assert task.token_env is None and task.worker_cache and task.cache_dir == ""
        assert TOKEN not in repr(args)
    payloads = {args[0].meta.name: pickle.dumps(args) for _, args in executor.sent}
    assert TOKEN.encode() not in payloads["public"]
    assert pickle.loads(payloads["secret"])[1].value == TOKEN
    assert str(Token(TOKEN)) == "Token(***)"
    statuses = {r.name: r.status for r in store.repos(report.run_id)}
    assert statuses == dict.fromkeys(["public", "secret", "gated"], SKIPPED)
    store.close()


def test_a_worker_clones_into_a_cache_of_its_own(tmp_path: Path) -> None:
    url = publish(build_weak_project(tmp_path / "weak"), tmp_path / "weak.git")
    meta = RepoMetadata("calc", "ada/calc", url, "https://github.com/ada/calc")
    task = RepoTask(
        "ada",
        "127.0.0.1/ada/calc",
        meta,
        str(tmp_path / "cache"),
        "default",
        pack_fingerprint(load_pack("default"), (), ()),
        worker_cache=True,
        render_html=False,
    )

    result = run_repo(task)

    assert result.status == "audited", result.reason
    assert (tmp_path / f"cache/workers/pid-{os.getpid()}/clones/127.0.0.1/ada/calc.git").is_dir()


class Workers:
    """A stand-in for a Dask client: what ``Client.run`` would get from each worker."""

    def __init__(self, answers: dict[str, tuple[str, str | None]] | Exception) -> None:
        self.answers = answers

    def run(self, fn: Any, *args: Any) -> dict[str, tuple[str, str | None]]:
        if isinstance(self.answers, Exception):
            raise self.answers
        return self.answers


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (ModuleNotFoundError("No module named 'auditor'"), "cannot run the auditor"),
        ({"tcp://w1:1": (__version__, None), "tcp://w2:1": ("0.0.1", None)}, "runs "),
        ({"tcp://w1:1": (__version__, "no rule pack at /home/me/mine.toml")}, "rule pack"),
    ],
)
def test_workers_that_cannot_run_the_same_audits_stop_the_batch_before_it_starts(
    answers: dict[str, tuple[str, str | None]] | Exception, message: str
) -> None:
    with pytest.raises(SchedulerError, match=message) as raised:
        check_workers(Workers(answers), "default", "hash", (), ())
    assert "\n" not in str(raised.value)
    check_workers(Workers({"tcp://w1:1": (__version__, None)}), "default", "hash", (), ())


def test_a_worker_reports_a_rule_pack_it_cannot_load(tmp_path: Path) -> None:
    pack = load_pack("default")
    good = worker_readiness("default", pack_fingerprint(pack, (), ()), (), ())
    assert good == (__version__, None)
    version, problem = worker_readiness(str(tmp_path / "missing.toml"), "hash", (), ())
    assert version == __version__ and problem and "missing.toml" in problem


# --------------------------------------------------------------------- the option


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("tcp://10.0.0.5:8786", Scheduler(address="tcp://10.0.0.5:8786")),
        ("scheduler.internal:8786", Scheduler(address="tcp://scheduler.internal:8786")),
        ("TLS://sched:8786", Scheduler(address="tls://sched:8786")),
        ("local:2", Scheduler(local_workers=2)),
    ],
)
def test_the_scheduler_option_takes_an_address_or_local_workers(
    value: str, parsed: Scheduler
) -> None:
    assert Scheduler.parse(value) == parsed


def run_cli(tmp_path: Path, *options: str) -> int:
    return main(
        [
            "batch",
            "ada",
            "--out",
            str(tmp_path / "out"),
            "--github-url",
            "http://127.0.0.1:9/api/v3",
            *options,
        ]
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--scheduler", "local:0"], "local:N takes a number of workers from 1 to 64"),
        (["--scheduler", "http://sched:8786"], "give tcp://HOST:PORT"),
        (["--scheduler", "tcp://sched"], "the scheduler's port is missing"),
        (["--scheduler", "local:2", "--jobs", "2"], "give --jobs or --scheduler, not both"),
    ],
)
def test_a_bad_scheduler_option_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    assert run_cli(tmp_path, *options) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_one_line_and_nothing_is_started(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dask_or_skip()
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = run_cli(tmp_path, "--scheduler", "tcp://127.0.0.1:9")

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith(
        "auditor: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9: "
    )
    assert not (tmp_path / "out").exists()


def test_without_dask_the_option_says_how_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails

    assert run_cli(tmp_path, "--scheduler", "local:2") == 2

    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "auditor: error: --scheduler needs Dask: pip install 'portfolio-auditor[dask]'"
    )


def test_dask_is_imported_only_for_the_scheduler_option() -> None:
    code = (
        "import sys, auditor.cli, auditor.batch.cli, auditor.batch.runner, "
        "auditor.batch.distributed, auditor.batch.jobs; "
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
