"""The GitHub Action, run the way a runner runs a composite action.

The test reads ``action.yml``, substitutes ``${{ inputs.* }}``, ``${{ github.* }}`` and step
outputs, and runs each ``run:`` step with bash in a temporary workspace with the runner's
files and variables set; only the ``uses:`` steps are skipped (recorded with their inputs).
Python comes from a fresh virtual environment into which the install step really installs
the action's own checkout, offline.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import venv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.render import ACTION_FILES
from tests.factory import RepoBuilder
from tests.projects import build_strong_project, build_weak_project

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


@dataclass
class ActionRun:
    status: int
    stdout: str
    outputs: dict[str, str]
    summary: str
    skipped: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def runner_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv standing in for setup-python; dependencies come from this environment."""
    env_dir = tmp_path_factory.mktemp("runner") / "python"
    venv.create(env_dir, with_pip=True)
    purelib = subprocess.run(
        [
            str(env_dir / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir / "bin"


def _parse_outputs(path: Path) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = iter(path.read_text("utf-8").splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<", 1)[0]:
            name, delimiter = line.split("<<", 1)
            value = []
            for body in lines:
                if body == delimiter:
                    break
                value.append(body)
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def run_action(
    workspace: Path,
    runner_bin: Path,
    tmp_path: Path,
    inputs: dict[str, str],
    event: tuple[str, dict[str, Any]] | None = None,
) -> ActionRun:
    """Run the action's steps; ``event`` is the triggering event's name and payload."""
    unknown = set(inputs) - set(ACTION["inputs"])
    assert not unknown, f"not inputs of action.yml: {unknown}"
    values = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    values.update(inputs)
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    summary = tmp_path / "step-summary.md"
    summary.write_text("", encoding="utf-8")
    github = {"action_path": str(ROOT), "workspace": str(workspace)}
    steps: dict[str, dict[str, str]] = {}

    def substitute(text: str) -> str:
        def value(match: re.Match[str]) -> str:
            expression = match.group(1)
            scope, _, rest = expression.partition(".")
            if scope == "inputs":
                return values[rest]
            if scope == "github":
                return github[rest]
            if scope == "steps":
                step_id, kind, name = rest.split(".")
                assert kind == "outputs"
                return steps.get(step_id, {}).get(name, "")
            raise AssertionError(f"the test runner does not know ${{{{ {expression} }}}}")

        return EXPRESSION.sub(value, text)

    base_env = {
        "PATH": f"{runner_bin}:{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(temp),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        # Offline: dependencies and the build backend come from the test environment.
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "false",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    if event is not None:
        payload = tmp_path / "event.json"
        payload.write_text(json.dumps(event[1]), encoding="utf-8")
        base_env.update(GITHUB_EVENT_NAME=event[0], GITHUB_EVENT_PATH=str(payload))
    run = ActionRun(status=0, stdout="", outputs={}, summary="")
    for index, step in enumerate(ACTION["runs"]["steps"]):
        if "uses" in step:
            run.skipped.append(
                {
                    "uses": step["uses"],
                    **{k: substitute(str(v)) for k, v in step.get("with", {}).items()},
                }
            )
            continue
        assert step.get("shell") == "bash"
        output_file = tmp_path / f"output-{index}"
        output_file.write_text("", encoding="utf-8")
        env = {**base_env, "GITHUB_OUTPUT": str(output_file)}
        env.update({k: substitute(str(v)) for k, v in step.get("env", {}).items()})
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", substitute(step["run"])],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        run.stdout += proc.stdout
        if "id" in step:
            steps[step["id"]] = _parse_outputs(output_file)
        if proc.returncode != 0:
            run.status = proc.returncode
            run.stdout += proc.stderr
            break
    run.outputs = {name: substitute(spec["value"]) for name, spec in ACTION["outputs"].items()}
    run.summary = summary.read_text("utf-8")
    return run


@pytest.fixture(scope="module")
def strong_workspace(tmp_path_factory: pytest.TempPathFactory) -> RepoBuilder:
    return build_strong_project(tmp_path_factory.mktemp("ws") / "ledgerline")


def test_strong_repo_passes_the_gate_with_outputs_summary_and_files(
    strong_workspace: RepoBuilder, runner_python: Path, tmp_path: Path
) -> None:
    run = run_action(
        strong_workspace.path,
        runner_python,
        tmp_path,
        {
            "fail-under": "85",
            "formats": "html, json, badge",
            "sarif": "true",
            "python-version": "3.12",
            "rules": "default",
        },
    )

    assert run.status == 0, run.stdout
    assert run.skipped == [{"uses": "actions/setup-python@v5", "python-version": "3.12"}]
    assert run.outputs["grade"] == "A"
    assert 85 <= float(run.outputs["score"]) <= 100
    card = json.loads(Path(run.outputs["sarif"]).read_text("utf-8"))
    assert card["version"] == "2.1.0"
    html = Path(run.outputs["html"]).read_text("utf-8")
    assert "ledgerline" in html and "<script" not in html.lower()
    markdown = Path(run.outputs["markdown"]).read_text("utf-8")
    assert run.summary.strip() == markdown.strip()
    assert "ledgerline" in run.summary and run.outputs["score"] in run.summary
    badge = json.loads((Path(run.outputs["markdown"]).parent / "badge.json").read_text("utf-8"))
    assert badge["schemaVersion"] == 1 and badge["message"].startswith(run.outputs["score"][:2])
    assert (
        f"::notice title=portfolio-auditor::Score {run.outputs['score']}/100, grade A" in run.stdout
    )
    assert "::error" not in run.stdout


def test_weak_repo_fails_the_gate_with_a_one_line_reason_and_annotations(
    runner_python: Path, tmp_path: Path
) -> None:
    weak = build_weak_project(tmp_path / "workspace" / "calc")

    run = run_action(
        weak.path.parent, runner_python, tmp_path, {"path": "calc", "fail-under": "50"}
    )

    assert run.status == 1
    score = run.outputs["score"]
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert errors == [
        f"::error title=portfolio-auditor::score {score} (grade F) is below fail-under 50"
    ]
    assert "::warning file=.DS_Store,title=GIT005 No committed junk::" in run.stdout
    assert "::warning title=TST001 Tests present::" in run.stdout
    assert run.outputs["sarif"] == ""
    assert Path(run.outputs["html"]).is_file()
    assert "calc" in run.summary


def test_a_shallow_checkout_skips_history_rules_and_says_fetch_depth_0(
    strong_workspace: RepoBuilder, runner_python: Path, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{strong_workspace.path}", str(workspace)],
        check=True,
        capture_output=True,
    )

    run = run_action(workspace, runner_python, tmp_path, {"formats": "json"})

    assert run.status == 0, run.stdout
    card = json.loads((Path(run.outputs["markdown"]).parent / "scorecard.json").read_text("utf-8"))
    by_rule = {f["rule"]: f for f in card["findings"]}
    for rule in ("GIT001", "GIT003"):
        assert by_rule[rule]["status"] == "skip"
        assert "fetch-depth: 0" in by_rule[rule]["message"]
    assert "::notice title=portfolio-auditor::shallow clone" in run.stdout
    assert "fetch-depth: 0" in run.stdout


def test_profile_input_selects_a_role_profile(
    strong_workspace: RepoBuilder, runner_python: Path, tmp_path: Path
) -> None:
    run = run_action(strong_workspace.path, runner_python, tmp_path, {"profile": "backend"})

    assert run.status == 0, run.stdout
    card = json.loads(Path(run.outputs["markdown"]).parent.joinpath("scorecard.json").read_text())
    assert card["profile"] == "backend"


def test_bad_inputs_fail_with_one_line(
    strong_workspace: RepoBuilder, runner_python: Path, tmp_path: Path
) -> None:
    run = run_action(strong_workspace.path, runner_python, tmp_path, {"formats": "html,pdf"})

    assert run.status == 2
    assert run.stdout.strip().splitlines()[-1] == (
        "::error title=portfolio-auditor::bad input: unknown format(s) pdf in 'formats' "
        f"(choose from {', '.join(ACTION_FILES)})"
    )
    assert set(ACTION_FILES) == {"html", "markdown", "json", "sarif", "badge"}


def _pull_request(base: str) -> tuple[str, dict[str, Any]]:
    return "pull_request", {"action": "synchronize", "pull_request": {"base": {"sha": base}}}


def test_a_pull_request_is_compared_with_its_base_at_the_top_of_the_summary(
    runner_python: Path, tmp_path: Path
) -> None:
    repo = build_weak_project(tmp_path / "workspace")
    base = repo.git("rev-parse", "HEAD").strip()
    repo.commit(
        "Describe the calculator in a README",
        {"README.md": "# Calculator\n\nAdds two numbers from the command line.\n"},
    )

    run = run_action(
        repo.path, runner_python, tmp_path, {"formats": "json"}, event=_pull_request(base)
    )

    assert run.status == 0, run.stdout
    card = json.loads((Path(run.outputs["markdown"]).parent / "scorecard.json").read_text())
    before, after = card["comparison"]["before"]["score"], card["score"]
    assert card["comparison"]["before"]["head"] == base
    assert after > before and run.outputs["delta"] == f"{after - before:+.1f}"
    headline = f"{before:.1f} → {after:.1f} \\(\\+{after - before:.1f}\\)".replace(".", "\\.")
    title, first = run.summary.split("\n\n")[:2]
    assert title == "## Portfolio scorecard: workspace"
    assert first == f"### What changed: {headline} since {base[:7]}"
    improved = {c["rule"] for c in card["comparison"]["changes"] if c["direction"] == "better"}
    assert {"DOC001", "DOC002"} <= improved
    assert f"::notice title=portfolio-auditor::Score {before:.1f} → {after:.1f}" in run.stdout


def test_fail_on_drop_fails_a_pull_request_that_lowers_the_score(
    strong_workspace: RepoBuilder, runner_python: Path, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    subprocess.run(
        ["git", "clone", "-q", f"file://{strong_workspace.path}", str(workspace)],
        check=True,
        capture_output=True,
    )
    repo = RepoBuilder(workspace)
    base = repo.git("rev-parse", "HEAD").strip()
    repo.git("rm", "-q", "-r", "tests")
    repo.commit("Remove the tests")

    gated = run_action(
        workspace, runner_python, tmp_path, {"fail-on-drop": "2"}, event=_pull_request(base)
    )
    lenient = run_action(
        workspace, runner_python, tmp_path, {"fail-on-drop": "90"}, event=_pull_request(base)
    )
    pushed = run_action(workspace, runner_python, tmp_path, {"fail-on-drop": "2"})

    assert gated.status == 1, gated.stdout
    drop = -float(gated.outputs["delta"])
    assert drop > 2
    errors = [line for line in gated.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    assert errors[0].startswith(f"::error title=portfolio-auditor::score fell by {drop:.1f} points")
    assert errors[0].endswith(f"since {base[:7]}, more than fail-on-drop 2")
    assert "newly failing" in gated.summary.split("<details>", 1)[0]
    assert lenient.status == 0 and lenient.outputs["delta"] == gated.outputs["delta"]
    assert pushed.status == 0 and pushed.outputs["delta"] == ""


def test_a_base_missing_from_a_shallow_checkout_is_a_notice_not_a_failure(
    strong_workspace: RepoBuilder, runner_python: Path, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{strong_workspace.path}", str(workspace)],
        check=True,
        capture_output=True,
    )
    base = strong_workspace.git("rev-parse", "HEAD~1").strip()

    run = run_action(
        workspace, runner_python, tmp_path, {"fail-on-drop": "0"}, event=_pull_request(base)
    )

    assert run.status == 0, run.stdout
    assert (
        "::notice title=portfolio-auditor::not compared with the base commit: "
        f"cannot read commit {base[:7]}" in run.stdout
    )
    assert "fetch-depth: 0" in run.stdout
    assert run.outputs["delta"] == ""


def test_every_input_and_output_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Use it in GitHub Actions", 1)[1].split("\n## ", 1)[0]
    for name in [*ACTION["inputs"], *ACTION["outputs"]]:
        assert f"`{name}`" in section, name


def test_this_repository_uses_its_own_action() -> None:
    workflows = "".join(
        p.read_text("utf-8") for p in (ROOT / ".github" / "workflows").glob("*.yml")
    )
    assert "uses: ./" in workflows


def test_pre_commit_hook_audits_the_whole_repository() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["entry"] == "auditor audit ."
    assert hook["pass_filenames"] is False
    assert sys.executable  # the hook runs in pre-commit's own environment, not ours


def test_step_outputs_cannot_be_closed_or_extended_by_an_untrusted_grade() -> None:
    """A pack in the audited workspace names the grades: a grade with line breaks must not
    add a `score=` line nor close the delimiter."""
    from auditor.action import step_outputs

    text = step_outputs({"score": "12.0", "grade": "F\nscore=100\n::add-mask::x"})
    lines = text.splitlines()
    delimiter = lines[0].split("<<", 1)[1]
    assert lines[0] == f"score<<{delimiter}" and lines[1] == "12.0" and lines[2] == delimiter
    assert lines[3] == f"grade<<{delimiter}" and lines[5] == delimiter
    assert "\n" not in lines[4] and not lines[4].startswith("score=")
    assert len(lines) == 6 and delimiter.startswith("portfolio-auditor-") and len(delimiter) > 30
