"""The built wheel ships the rule packs, templates and schema, and finds them once installed."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--wheel-dir", str(dist), str(ROOT)),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("portfolio_auditor-*.whl")
    return built


def test_wheel_contains_the_data_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    assert "auditor/_data/rules/default.toml" in names
    assert "auditor/schema/scorecard-v1.schema.json" in names
    assert "auditor/cli.py" in names
    assert not any(name.startswith(("tests/", "rules/")) for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "auditor = auditor.cli:run" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_finds_its_rules_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install"),
            *("--quiet", "--no-deps", "--no-index", str(wheel)),
        ],
        check=True,
        capture_output=True,
    )
    fresh_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies come from this environment (no network); the auditor from the wheel.
    Path(fresh_site, "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    listing = subprocess.run(
        [str(env_dir / "bin" / "auditor"), "rules"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    where = subprocess.run(
        [str(python), "-c", "import auditor.resources as r; print(r.rules_dir())"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    assert listing.returncode == 0, listing.stderr
    assert "DOC006" in listing.stdout
    assert "rules in pack 'default' (rules/default.toml)" in listing.stdout
    assert where == str(Path(fresh_site, "auditor", "_data", "rules"))
