"""Shared fixtures: a real-git repository factory and helpers to run rules on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.engine import audit, run_rule
from auditor.model import Outcome, Scorecard
from auditor.rulepack import RulePack, load_pack
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder, make_repo


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test keeps its scorecard cache to itself (never the user's ~/.cache)."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    """An empty git repository in a temporary folder."""
    return make_repo(tmp_path / "project")


@pytest.fixture(scope="session")
def default_pack() -> RulePack:
    return load_pack("default")


@pytest.fixture
def outcome_of(default_pack: RulePack) -> Callable[[str, Path], Outcome]:
    """Run one rule of the default pack on the repository at a path."""

    def run(rule_id: str, path: Path) -> Outcome:
        return run_rule(default_pack.rules[rule_id], Snapshot.open(path))

    return run


@pytest.fixture
def audit_path(default_pack: RulePack) -> Callable[[Path], Scorecard]:
    """Audit the repository at a path with the default pack."""

    def run(path: Path) -> Scorecard:
        return audit(Snapshot.open(path), default_pack)

    return run
