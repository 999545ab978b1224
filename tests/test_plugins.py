"""Third-party primitives: a plugin distribution registers checks through an entry point.

A plugin is an ordinary distribution with an entry point in the ``auditor.checks`` group
naming a module; importing the module registers its primitives with ``@primitive``. A pack
then uses them like built-in ones. This test builds the smallest such plugin, installs it
with pip into a folder of its own, and runs the real command in a subprocess whose
``PYTHONPATH`` holds that folder: nothing about entry points is mocked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factory import make_repo

PLUGIN_MODULE = '''\
"""A plugin for portfolio-auditor: does the repository keep a changelog?"""

from auditor.checks.registry import primitive
from auditor.model import Evidence, Outcome

NAMES = ("changelog", "changes", "history", "news")


@primitive("has_changelog")
def has_changelog(snapshot, *, folders: list[str] = ["", "docs"]) -> Outcome:
    """The repository keeps a changelog (CHANGELOG.md, CHANGES.rst, NEWS…)."""
    for path in sorted(snapshot.files):
        folder, _, name = path.rpartition("/")
        if folder in folders and name.lower().split(".")[0] in NAMES:
            return Outcome.passed(f"{path} records the changes.", (Evidence(path),))
    return Outcome.failed("No changelog (CHANGELOG.md, CHANGES.rst, HISTORY.md or NEWS).")
'''

PLUGIN_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "auditor-changelog"
version = "0.1.0"

[project.entry-points."auditor.checks"]
changelog = "auditor_changelog"

[tool.hatch.build.targets.wheel]
include = ["auditor_changelog.py"]
"""

PACK = """\
[pack]
name = "with-changelog"
extends = "default"

[rules.DOC012]
title = "Changelog"
category = "DOC"
check = "has_changelog"
params = { folders = [""] }
weight = 1
why = "A changelog shows the project is maintained for its users."
fix = "Add a CHANGELOG.md and update it with each release."
"""


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin, built and installed with pip into a folder of its own."""
    root = tmp_path_factory.mktemp("plugin")
    source = root / "auditor-changelog"
    source.mkdir()
    (source / "pyproject.toml").write_text(PLUGIN_PYPROJECT, encoding="utf-8")
    (source / "auditor_changelog.py").write_text(PLUGIN_MODULE, encoding="utf-8")
    site = root / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(source),
        ],
        check=True,
        capture_output=True,
        cwd=root,
    )
    assert (site / "auditor_changelog-0.1.0.dist-info" / "entry_points.txt").is_file()
    return site


def run_auditor(
    *args: str, cwd: Path, site: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AUDITOR_DEBUG")}
    checkout = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([*([str(site)] if site else []), checkout])
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_plugin_primitive_runs_in_a_pack(plugin_site: Path, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "project", {"app.py": "print('hi')\n"})
    pack = tmp_path / "pack.toml"
    pack.write_text(PACK, encoding="utf-8")

    result = run_auditor(
        "audit", str(repo.path), "--rules", str(pack), "-f", "json", cwd=tmp_path, site=plugin_site
    )

    assert result.returncode == 0, result.stderr
    finding = next(f for f in json.loads(result.stdout)["findings"] if f["rule"] == "DOC012")
    assert finding["status"] == "fail"
    assert finding["message"].startswith("No changelog")

    repo.commit("Keep a changelog", {"CHANGELOG.md": "# Changes\n"})
    result = run_auditor(
        "audit", str(repo.path), "--rules", str(pack), "-f", "json", cwd=tmp_path, site=plugin_site
    )
    finding = next(f for f in json.loads(result.stdout)["findings"] if f["rule"] == "DOC012")
    assert finding["status"] == "pass"
    assert finding["evidence"] == [{"path": "CHANGELOG.md", "line": None}]


def test_the_plugin_params_are_validated_like_built_in_ones(
    plugin_site: Path, tmp_path: Path
) -> None:
    pack = tmp_path / "pack.toml"
    pack.write_text(PACK.replace('folders = [""]', "folder = 1"), encoding="utf-8")

    result = run_auditor("rules", "--rules", str(pack), cwd=tmp_path, site=plugin_site)

    assert result.returncode == 2
    assert result.stderr == (
        f"auditor: error: {pack}: rule DOC012: unknown parameter(s) folder for check "
        "'has_changelog' (known: folders)\n"
    )


def test_without_the_plugin_the_check_is_unknown(tmp_path: Path) -> None:
    pack = tmp_path / "pack.toml"
    pack.write_text(PACK, encoding="utf-8")

    result = run_auditor("rules", "--rules", str(pack), cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == (
        f"auditor: error: {pack}: rule DOC012: unknown check 'has_changelog'\n"
    )


def test_a_plugin_that_fails_to_import_is_one_line_and_exit_two(
    plugin_site: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken-site"
    subprocess.run(["cp", "-r", str(plugin_site), str(broken)], check=True)
    (broken / "auditor_changelog.py").write_text("raise ImportError('needs libfoo')\n")

    result = run_auditor("rules", cwd=tmp_path, site=broken)

    assert result.returncode == 2
    assert result.stderr == (
        "auditor: error: check plugin 'changelog' (auditor-changelog) failed to load: "
        "ImportError: needs libfoo\n"
    )
