"""The command line: what it prints, what it writes and every exit code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from auditor import __version__
from auditor.cli import main
from tests.factory import RepoBuilder, make_repo
from tests.projects import build_strong_project, build_weak_project

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def strong(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_strong_project(tmp_path_factory.mktemp("strong") / "ledgerline").path


@pytest.fixture(scope="module")
def weak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_weak_project(tmp_path_factory.mktemp("weak") / "calculator").path


@pytest.fixture(autouse=True)
def neutral_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every command from an empty directory, so no settings file applies by accident."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return work


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_card_shows_score_categories_findings_and_next_steps(
    weak: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "audit", str(weak), "--no-color")

    assert code == 0
    assert err == ""
    assert not ANSI.search(out)
    assert re.search(r"Score \d+\.\d / 100\s+Grade F", out)
    for title in ("README and docs", "Tests", "Git history and hygiene", "Complexity"):
        assert title in out
    assert "Next steps (most valuable first)" in out
    assert re.search(r"1\. \+\d+\.\d TST001 Tests present", out)
    assert "✗ fail    GIT005 No committed junk" in out
    assert "fix: Remove them with `git rm -r --cached PATH`" in out
    assert "Run `auditor explain RULE`" in out


def test_strong_project_grades_a_and_passes_the_gate(
    strong: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "audit", str(strong), "--no-color", "--fail-under", "90")

    assert "Grade A" in out, out
    assert code == 0
    assert err == ""


def test_fail_under_exits_one_with_a_reason(weak: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "audit", str(weak), "--fail-under", "75", "--format", "json")

    card = json.loads(out)
    assert code == 1
    assert err == f"auditor: score {card['score']:.1f} is below --fail-under 75\n"


def test_color_is_on_when_asked_and_off_with_no_color(
    weak: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, coloured, _ = run(capsys, "audit", str(weak), "--color")
    assert ANSI.search(coloured)

    monkeypatch.setenv("NO_COLOR", "1")
    _, plain, _ = run(capsys, "audit", str(weak))
    assert not ANSI.search(plain)


def test_json_output_file_and_format_from_extension(
    weak: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "card.json"

    code, out, err = run(capsys, "audit", str(weak), "--output", str(target))

    card = json.loads(target.read_text("utf-8"))
    assert code == 0
    assert out == ""
    assert err == f"wrote {target} (score {card['score']:.1f}, grade {card['grade']})\n"
    assert card["schema_version"] == 1
    assert card["repo"]["name"] == "calculator"
    assert {f["rule"] for f in card["findings"]} >= {"DOC001", "TST001", "GIT005"}


def test_select_and_ignore_narrow_the_rules(weak: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "audit", str(weak), "-f", "json", "--select", "GIT,DOC001")
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert rules == {"DOC001"} | {f"GIT{n:03d}" for n in range(1, 11)}

    _, out, _ = run(capsys, "audit", str(weak), "-f", "json", "--ignore", "GIT", "--ignore", "DOC")
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert rules and not any(r.startswith(("GIT", "DOC")) for r in rules)


def test_settings_come_from_the_working_directory(
    weak: Path, neutral_cwd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (neutral_cwd / "pyproject.toml").write_text(
        '[tool.auditor]\nselect = ["DOC001"]\nfail-under = 99\n', encoding="utf-8"
    )

    code, out, err = run(capsys, "audit", str(weak), "-f", "json")

    assert [f["rule"] for f in json.loads(out)["findings"]] == ["DOC001"]
    assert code == 1
    assert "below --fail-under 99" in err

    (neutral_cwd / "auditor.toml").write_text('ignore = ["DOC"]\n', encoding="utf-8")
    code, out, _ = run(capsys, "audit", str(weak), "-f", "json")
    assert code == 0
    assert "DOC001" not in {f["rule"] for f in json.loads(out)["findings"]}


def test_settings_inside_the_audited_repo_are_ignored(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit(
        "Add settings that would game the score",
        {
            "pyproject.toml": '[tool.auditor]\nselect = ["GIT004"]\n',
            "auditor.toml": 'select = ["GIT004"]\n',
            ".gitignore": "x\n",
        },
    )

    _, out, _ = run(capsys, "audit", str(repo.path), "-f", "json")

    assert len(json.loads(out)["findings"]) > 30


def test_bad_settings_file_is_one_line_exit_two(
    weak: Path, neutral_cwd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (neutral_cwd / "auditor.toml").write_text("select = 'DOC'\ncolour = 1\n", encoding="utf-8")

    code, out, err = run(capsys, "audit", str(weak))

    assert code == 2
    assert out == ""
    assert err.startswith("auditor: error: ") and err.count("\n") == 1
    assert "unknown setting(s) colour" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "{missing}"], "no such file or directory"),
        (["audit", "{file}"], "not a directory"),
        (["audit", "{empty}"], "the repository has no commits yet"),
        (["audit", ".", "--format", "xml"], "Invalid value for '-f' / '--format'"),
        (["audit", ".", "--fail-under", "140"], "140.0 is not in the range 0<=x<=100"),
        (["audit", ".", "--select", "ZZZ"], "no rule matches ZZZ"),
        (["audit", ".", "--rules", "nope"], "unknown rule pack 'nope'"),
        (["explain", "DOC999"], "unknown rule 'DOC999'; did you mean DOC00"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    make_repo(tmp_path / "empty")
    places = {
        "missing": str(tmp_path / "missing"),
        "file": str(tmp_path / "file.txt"),
        "empty": str(tmp_path / "empty"),
    }

    code, out, err = run(capsys, *[a.format(**places) for a in args])

    assert code == 2
    assert out == ""
    assert err.startswith("auditor: error: ")
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")

    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["ID", "CAT", "WEIGHT", "TITLE"]
    assert re.search(r"^DOC006\s+DOC\s+2\s+Known limitations$", out, re.MULTILINE)
    assert re.search(r"^TST004\s+TST\s+3\s+Tests assert something$", out, re.MULTILINE)
    assert re.match(r"\d+ rules in pack 'default'", lines[-1])
    assert len(lines) - 2 == int(lines[-1].split()[0])


def test_explain_reads_like_rule_documentation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "doc006")

    assert code == 0
    assert out.startswith("DOC006: Known limitations\ncategory DOC (README and docs), weight 2\n")
    for heading in ("What it checks", "Why employers care", "How to fix it", "Example"):
        assert f"\n{heading}\n" in out
    assert "\nHow it is detected\n  A README heading of its own" in out
    assert "## Known limitations" in out
    assert "Check: readme_section(section='known_limitations')" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")

    assert code == 0
    assert out == f"portfolio-auditor, version {__version__}\n"


def test_terminal_output_strips_control_sequences_from_the_repo(
    repo: RepoBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred"
    repo.commit("wip", {f"{evil}/__pycache__/x.pyc": b"\x00", "main.py": "x = 1\n"})
    repo.commit("update", {".DS_Store": b"\x00"}, days_later=1)

    code, out, _ = run(capsys, "audit", str(repo.path), "--no-color")

    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "]0;pwned[2J[31mred/__pycache__" in out


def test_python_dash_m_and_the_console_script(weak: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    module = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", str(weak), "-f", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert module.returncode == 0, module.stderr
    assert json.loads(module.stdout)["repo"]["name"] == "calculator"

    internal = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", "/dev/null/x"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert internal.returncode == 2
    assert internal.stderr.startswith("auditor: error: ")


def test_the_command_ends_at_once_with_its_output_whole_and_its_exit_code(
    weak: Path, tmp_path: Path
) -> None:
    """``python -m auditor`` ends without freeing its heap: what it wrote is flushed first,
    the exit code is main's, and nothing is left in the temporary folder."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "NO_COLOR": "1", "TMPDIR": str(scratch)}
    written = tmp_path / "card.json"
    command = [sys.executable, "-m", "auditor", "audit", str(weak), "--no-cache"]
    below = subprocess.run(
        [*command, "-f", "json", "-o", str(written), "-f", "markdown", "--fail-under", "99"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert below.returncode == 1, below.stderr
    card = json.loads(written.read_text("utf-8"))
    assert card["repo"]["name"] == "calculator"
    assert below.stdout.startswith("## Portfolio scorecard: calculator\n")
    assert f"**{card['score']:.1f} / 100" in below.stdout
    assert below.stdout.endswith("</sub>\n")  # the last line, flushed before the exit
    assert below.stderr.strip().endswith("is below --fail-under 99")
    assert list(scratch.iterdir()) == []


def test_the_cycle_collector_is_back_on_after_an_audit_in_process(
    capsys: pytest.CaptureFixture[str], weak: Path
) -> None:
    """The command pauses the cycle collector while it audits; a caller of main() (a test,
    a script) gets it back as it was, on success and on failure alike."""
    import gc

    assert gc.isenabled()
    code, out, _ = run(capsys, "audit", str(weak), "--no-cache", "-f", "json")
    failed, _, _ = run(capsys, "audit", str(weak / "missing"))

    assert code == 0 and json.loads(out)["repo"]["name"] == "calculator"
    assert failed != 0
    assert gc.isenabled()


def test_an_internal_error_is_one_line_and_exit_four(weak: Path, tmp_path: Path) -> None:
    # A broken installation: a 'rich' that cannot be imported, first on the path.
    broken = tmp_path / "broken-site"
    (broken / "rich").mkdir(parents=True)
    (broken / "rich" / "__init__.py").write_text("raise RuntimeError('broken install')\n")
    checkout = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": f"{broken}{os.pathsep}{checkout}", "NO_COLOR": "1"}
    env.pop("AUDITOR_DEBUG", None)

    quiet = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", str(weak), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    loud = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", str(weak), "--no-cache"],
        capture_output=True,
        text=True,
        env={**env, "AUDITOR_DEBUG": "1"},
        check=False,
    )

    assert quiet.returncode == 4
    assert quiet.stdout == ""
    assert quiet.stderr == (
        "auditor: internal error: RuntimeError: broken install "
        "(set AUDITOR_DEBUG=1 for the traceback)\n"
    )
    assert loud.returncode == 4
    assert "Traceback (most recent call last)" in loud.stderr
