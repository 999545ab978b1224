"""A small factory for real git repositories in temporary folders.

Tests describe a repository as files and commits (with chosen messages, authors and dates)
and get a real repository built with the real ``git``: nothing about git is mocked.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

FileContent = str | bytes

DEFAULT_AUTHOR = ("Ada Lovelace", "ada@example.com")
EPOCH = datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc)


def _git_env(author: tuple[str, str], when: datetime) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    stamp = when.isoformat()
    env.update(
        GIT_AUTHOR_NAME=author[0],
        GIT_AUTHOR_EMAIL=author[1],
        GIT_COMMITTER_NAME=author[0],
        GIT_COMMITTER_EMAIL=author[1],
        GIT_AUTHOR_DATE=stamp,
        GIT_COMMITTER_DATE=stamp,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


@dataclass
class RepoBuilder:
    """A git repository under construction. ``path`` is its work tree."""

    path: Path
    bare: bool = False
    commits: list[str] = field(default_factory=list)
    _clock: datetime = EPOCH

    def git(self, *args: str, author: tuple[str, str] = DEFAULT_AUTHOR) -> str:
        result = subprocess.run(
            ["git", *args],
            cwd=self.path,
            env=_git_env(author, self._clock),
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def write(self, files: Mapping[str, FileContent]) -> RepoBuilder:
        """Write files into the work tree (parents created), without committing."""
        for rel, content in files.items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return self

    def commit(
        self,
        message: str,
        files: Mapping[str, FileContent] | None = None,
        *,
        delete: tuple[str, ...] = (),
        author: tuple[str, str] = DEFAULT_AUTHOR,
        when: datetime | None = None,
        days_later: float | None = None,
    ) -> str:
        """Write ``files``, delete ``delete``, and commit everything with this message.

        The date is ``when``, or ``days_later`` days after the previous commit (default one
        hour later), so histories are deterministic.
        """
        if when is not None:
            self._clock = when
        elif self.commits:
            self._clock += timedelta(days=days_later) if days_later else timedelta(hours=1)
        self.write(files or {})
        for rel in delete:
            (self.path / rel).unlink()
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "--no-verify", "-m", message, author=author)
        sha = self.git("rev-parse", "HEAD").strip()
        self.commits.append(sha)
        return sha

    def bare_clone(self, target: Path) -> Path:
        """A bare clone of this repository at ``target``."""
        subprocess.run(
            ["git", "clone", "-q", "--bare", str(self.path), str(target)],
            check=True,
            capture_output=True,
            env=_git_env(DEFAULT_AUTHOR, self._clock),
        )
        return target


def make_repo(path: Path, files: Mapping[str, FileContent] | None = None) -> RepoBuilder:
    """An empty repository at ``path`` (optionally with a first commit of ``files``)."""
    path.mkdir(parents=True, exist_ok=True)
    builder = RepoBuilder(path)
    builder.git("init", "-q", "-b", "main")
    if files:
        builder.commit("Add initial project files", files)
    return builder
