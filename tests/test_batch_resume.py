"""A batch killed with SIGKILL mid-run, started again, ends as if it had never stopped.

The batch runs as its own process (``python -m auditor batch``) against the stand-in GitHub;
it is killed once the store holds a finished audit, and the same command is run again.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.github_standin import Repo, StandInGitHub, User, publish, serve
from tests.projects import build_strong_project, build_weak_project

LOGINS = ["ana", "ben", "cem", "dov", "eli", "fox"]
TOKEN = "ghp_resumeToken0123456789SECRET"


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[StandInGitHub]:
    strong = publish(build_strong_project(tmp_path / "strong"), tmp_path / "strong.git")
    weak = publish(build_weak_project(tmp_path / "weak"), tmp_path / "weak.git")
    for standin in serve():
        for n, login in enumerate(LOGINS):
            repos = [Repo("app", strong if n % 2 else weak), Repo("lib", weak)]
            standin.add_user(User(login, login.title(), repos))
        yield standin


def batch(standin: StandInGitHub, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GITHUB_TOKEN": TOKEN}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auditor",
            "batch",
            *LOGINS,
            "--out",
            str(tmp_path / name),
            "--cache-dir",
            str(tmp_path / f"{name}-cache"),
            "--github-url",
            standin.base_url,
            "--jobs",
            "1",
            "--request-interval",
            "0.2",
            "--no-progress",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def audited(db_path: Path) -> list[tuple[int, str]]:
    """(rowid, repository) of every stored audit, read without disturbing the writer."""
    if not db_path.exists():
        return []
    try:
        with sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT rowid, repo FROM audits ORDER BY rowid").fetchall()
    except sqlite3.OperationalError:
        return []  # the schema is not there yet


def candidates(out: Path) -> list[dict[str, Any]]:
    """The leaderboard's candidates, without when each audit was made (the runs differ)."""
    found = json.loads((out / "leaderboard.json").read_text("utf-8"))["candidates"]
    for candidate in found:
        for repo in candidate["repos"]:
            repo.pop("audited_at")
    return list(found)


def test_a_batch_killed_mid_run_resumes_to_the_same_leaderboard(
    standin: StandInGitHub, tmp_path: Path
) -> None:
    reference = batch(standin, tmp_path, "reference")
    _, err = reference.communicate(timeout=300)
    assert reference.returncode == 0, err.decode()
    expected = candidates(tmp_path / "reference")
    assert len(expected) == 6 and all(c["errors"] == [] for c in expected)

    killed = batch(standin, tmp_path, "out")
    db_path = tmp_path / "out" / "auditor.db"
    deadline = time.monotonic() + 120
    while not audited(db_path) and time.monotonic() < deadline:
        assert killed.poll() is None, killed.communicate()[1].decode()
        time.sleep(0.05)
    os.kill(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=30)
    assert killed.returncode == -signal.SIGKILL
    before = audited(db_path)
    assert 1 <= len(before) < 12  # killed mid-run
    assert not (tmp_path / "out" / "leaderboard.json").exists()
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    again = batch(standin, tmp_path, "out")
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()
    assert "resumed a run" in err.decode()

    assert candidates(tmp_path / "out") == expected
    after = audited(db_path)
    assert len(after) == 12
    assert set(before) <= set(after)  # what finished before the kill was kept, not redone
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT id, status FROM runs").fetchall() == [(1, "finished")]
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
