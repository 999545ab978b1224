"""Continuous integration (CI001-CI003): a CI service is configured, and it runs the tests
and a linter, started by itself and able to fail. The facts (which files, which commands,
what they run, how they are started) are in :mod:`auditor.facts.ci`.
"""

from __future__ import annotations

from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.facts.ci import PROVIDER_LABELS, CiSetup, ToolRun, ci_activity, ci_setup
from auditor.model import Evidence, Outcome
from auditor.source.ci import RETIRED
from auditor.source.ci.interface import AUTOMATIC, MANUAL, NEVER
from auditor.source.ci.interface import RETIRED as RETIRED_STATE
from auditor.source.snapshot import Snapshot
from auditor.vocabulary import terms


def _first(runs: tuple[ToolRun, ...], limit: int = 3) -> tuple[ToolRun, ...]:
    """The first run of each distinct tool, up to ``limit``."""
    seen: dict[str, ToolRun] = {}
    for run in runs:
        seen.setdefault(run.tool, run)
    return tuple(seen.values())[:limit]


def _evidence(runs: tuple[ToolRun, ...]) -> tuple[Evidence, ...]:
    return tuple(e for run in runs for e in run.evidence)


@primitive("ci_configured")
def ci_configured(snapshot: Snapshot) -> Outcome:
    """A configuration file of a CI service is committed."""
    setup = ci_setup(snapshot)
    if not setup.files:
        looked = ", ".join(terms("ci", "config_locations"))
        return Outcome.failed(f"No CI configuration found (looked for {looked}).")
    message = f"CI is configured: {setup.describe()}."
    retired = [RETIRED[p] for p in setup.providers if p in RETIRED]
    if retired:
        message += " " + " ".join(f"{r[:1].upper()}{r[1:]}." for r in retired)
    return Outcome.passed(
        message,
        tuple(Evidence(f.path, None, PROVIDER_LABELS[f.provider]) for f in setup.files[:10]),
    )


@primitive("ci_runs_tests")
def ci_runs_tests(snapshot: Snapshot) -> Outcome:
    """CI, started by itself, runs the test suite and fails when it fails: directly or
    through make, tox, nox, a script or a container."""
    setup = ci_setup(snapshot)
    if not setup.files:
        # No CI is the plainest way for CI not to run the tests: a failure, not a skip, or
        # a project without CI would lose one rule where it should lose three.
        return Outcome.failed("There is no CI configuration: nothing runs the tests on a push.")
    activity = ci_activity(snapshot)
    return _judge(snapshot, setup, activity.tests, "the tests", "pytest")


@primitive("ci_runs_lint")
def ci_runs_lint(snapshot: Snapshot) -> Outcome:
    """CI, started by itself, runs a linter, formatter check or type checker that can fail it."""
    setup = ci_setup(snapshot)
    if not setup.files:
        return Outcome.failed(
            "There is no CI configuration: nothing runs a linter or type checker on a push."
        )
    activity = ci_activity(snapshot)
    what = "a linter, formatter check or type checker"
    return _judge(snapshot, setup, activity.lint, what, "ruff check")


def _judge(
    snapshot: Snapshot, setup: CiSetup, runs: tuple[ToolRun, ...], what: str, example: str
) -> Outcome:
    counted = _first(tuple(run for run in runs if run.counts))
    label = "the tests" if what == "the tests" else "linters or type checkers"
    if counted:
        shown = "; ".join(run.describe() for run in counted)
        return Outcome.passed(f"CI runs {label}: {shown}.", _evidence(counted))
    blocked = _first(runs)
    if blocked:
        shown = "; ".join(f"{run.describe()}: {run.why_not}" for run in blocked)
        message = f"CI runs {label}, but never in a way that can fail it: {shown}."
        message += f" {_how_to_count(blocked)}"
        return Outcome.failed(message, _evidence(blocked))
    return Outcome.failed(_nothing_runs(snapshot, setup, what, example), _ci_files(setup))


def _how_to_count(runs: tuple[ToolRun, ...]) -> str:
    states = {run.command.trigger.state for run in runs}
    if RETIRED_STATE in states:
        return "Move the CI to a service that runs (GitHub Actions, GitLab CI)."
    if states - {AUTOMATIC}:
        return "Trigger the workflow on `push` and `pull_request`."
    return "Let its failure fail the build (drop `|| true`, `continue-on-error`)."


def _nothing_runs(snapshot: Snapshot, setup: CiSetup, what: str, example: str) -> str:
    count = len({(c.path, c.line, c.text) for c in setup.commands if not c.action})
    runs = f"none of its {count} command(s) runs {what}" if count else "it runs no commands"
    message = f"CI is configured ({setup.describe()}) but {runs}; add a step that runs `{example}`."
    dead_ends = ci_activity(snapshot).dead_ends
    if dead_ends:
        message += " Looked through: " + "; ".join(dead_ends[:3]) + "."
    if setup.unreadable:
        shown = "; ".join(f"{path} ({reason})" for path, reason in setup.unreadable[:3])
        message += f" Could not read: {shown}."
    return message


def _ci_files(setup: CiSetup) -> tuple[Evidence, ...]:
    return tuple(Evidence(f.path) for f in setup.files[:10])


def _why_not(runs: tuple[ToolRun, ...], counted: bool) -> dict[str, bool]:
    """Why the test runs found do not count, each reason a flag (all false when one counts)."""
    blocked = () if counted else runs
    states = {run.command.trigger.state for run in blocked}
    return {
        "tests_cannot_fail": any(r.command.trigger.automatic and r.tolerated for r in blocked),
        "untriggered": NEVER in states,
        "manual_only": MANUAL in states,
        "defunct_provider": RETIRED_STATE in states,
    }


@signal_group("ci")
def ci_signals(snapshot: Snapshot) -> dict[str, Any]:
    """CI services found, their files, and whether they run tests and linters that can fail.

    ``runs_tests`` is true only when CI starts by itself, runs a test runner, and fails when
    it fails; when it is false but a test run was found, ``tests_cannot_fail``,
    ``untriggered``, ``manual_only`` and ``defunct_provider`` say why it does not count.
    """
    setup = ci_setup(snapshot)
    activity = ci_activity(snapshot)
    runs_tests = bool(activity.counted_tests)
    return {
        "providers": list(setup.providers),
        "runs_tests": runs_tests,
        "runs_lint": bool(activity.counted_lint),
        "files": [f.path for f in setup.files],
        **_why_not(activity.tests, runs_tests),
    }
