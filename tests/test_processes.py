"""The audit's worker processes die with their parent and cannot take the machine's memory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.factory import RepoBuilder

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux facilities")

PARENT = textwrap.dedent(
    """
    import functools, os, signal, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from auditor.source.languages.python_workers import WORKER_MEMORY, _init_worker

    def stuck(_):
        import re
        re.match(r"(a+)+$", "a" * 64 + "!")  # exponential: never returns to Python
        return os.getpid()

    def pid(_):
        return os.getpid()

    def allocate(_):
        try:
            bytearray(3 << 30)
        except MemoryError:
            return "MemoryError"
        return "allocated"

    pool = ProcessPoolExecutor(2, initializer=functools.partial(_init_worker, WORKER_MEMORY))
    print(pool.submit(allocate, 0).result(), flush=True)
    pids = set(pool.map(pid, range(8)))
    print(" ".join(map(str, sorted(pids))), flush=True)
    for _ in range(2):
        pool.submit(stuck, 0)
    time.sleep(1)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_worker_stuck_in_c_code_dies_with_the_audit_and_its_memory_is_capped() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PARENT], capture_output=True, text=True, timeout=60, check=False
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "MemoryError", done.stderr
    workers = [int(pid) for pid in lines[1].split()]
    assert workers and os.getpid() not in workers
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "a worker outlived the audit"


def test_an_audit_past_its_deadline_is_stopped_with_one_line(repo: RepoBuilder) -> None:
    repo.commit("Add the ledger", {"ledger.py": "def total(xs):\n    return sum(xs)\n"})
    argv = [sys.executable, "-m", "auditor", "audit", str(repo.path), "--no-cache"]

    started = time.monotonic()
    stopped = subprocess.run(
        [*argv, "--deadline", "0.01"], capture_output=True, text=True, timeout=60, check=False
    )
    took = time.monotonic() - started
    finished = subprocess.run(
        [*argv, "--deadline", "0"], capture_output=True, text=True, timeout=120, check=False
    )

    assert stopped.returncode == 2, stopped.stderr
    assert stopped.stdout == ""
    assert stopped.stderr == (
        f"auditor: error: the audit of {repo.path} did not finish within its deadline of "
        "0.01s (--deadline): it was stopped\n"
    )
    assert took < 30
    assert finished.returncode == 0, finished.stderr
    assert "Score" in finished.stdout


def test_the_deadline_ends_git_processes_still_running(tmp_path: Path) -> None:
    """A git process that waits forever (its git directory's config is a FIFO nobody
    writes) is killed when the deadline fires, not left behind when the audit ends."""
    git_dir = tmp_path / "waiting.git"
    subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True)
    (git_dir / "config").unlink()
    os.mkfifo(git_dir / "config")
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from auditor.deadline import audit_deadline
        from auditor.source.git import Git

        with audit_deadline(0.5, "waiting"):
            Git(Path(sys.argv[1])).run("rev-parse", "HEAD")
        """
    )
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-c", script, str(git_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    took = time.monotonic() - started
    time.sleep(0.2)

    assert run.returncode == 2, run.stderr
    assert "did not finish within its deadline of 0.5s" in run.stderr
    assert took < 20
    assert _processes_with(f"GIT_DIR={git_dir}") == []


def _processes_with(variable: str) -> list[int]:
    """The processes whose environment holds ``variable`` (``NAME=value``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if variable.encode() in environ:
            found.append(int(entry.name))
    return found


SERVER_PROBE = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from auditor.checks.registry import load_builtins
    from auditor.source.languages.python_workers import warm_workers

    load_builtins()
    warm_workers(Path(sys.argv[1]))
    children = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == os.getpid():
            children.append(cmdline)
    print(sum("forkserver import main" in c for c in children))
    """
)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no worker processes")
def test_a_large_repository_starts_the_worker_server_before_it_is_read(
    repo: RepoBuilder, tmp_path: Path
) -> None:
    """The server that worker processes fork from starts while the repository is read when
    the git index says there are many files; a small repository starts nothing."""
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["git", "init", "-q", str(small)], check=True)
    repo.commit("Add many modules", {f"pkg/m{n:04d}.py": f"X = {n}\n" for n in range(1500)})
    env = {k: v for k, v in os.environ.items() if k != "AUDITOR_WORKERS"}

    def servers(path: Path) -> str:
        probe = [sys.executable, "-c", SERVER_PROBE, str(path)]
        done = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert (repo.path / ".git" / "index").stat().st_size >= 64 << 10
    assert servers(repo.path) == "1"
    assert servers(small) == "0"
