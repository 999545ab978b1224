"""Continuous integration (CI001-CI003): a CI service is configured, and it runs the tests
and a linter. The facts (which files, which commands, what they run) are in
:mod:`auditor.facts.ci`.
"""

from __future__ import annotations

from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.facts.ci import PROVIDER_LABELS, CiSetup, ToolRun, ci_activity, ci_setup
from auditor.model import Evidence, Outcome
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
    return Outcome.passed(
        f"CI is configured: {setup.describe()}.",
        tuple(Evidence(f.path, None, PROVIDER_LABELS[f.provider]) for f in setup.files[:10]),
    )


@primitive("ci_runs_tests")
def ci_runs_tests(snapshot: Snapshot) -> Outcome:
    """A CI command runs the test suite, directly or through make, tox, nox or a script."""
    setup = ci_setup(snapshot)
    if not setup.files:
        return Outcome.skipped("There is no CI configuration, so there is nothing to run tests.")
    runs = _first(ci_activity(snapshot).tests)
    if runs:
        shown = "; ".join(run.describe() for run in runs)
        return Outcome.passed(f"CI runs the tests: {shown}.", _evidence(runs))
    return Outcome.failed(_nothing_runs(snapshot, setup, "the tests", "pytest"), _ci_files(setup))


@primitive("ci_runs_lint")
def ci_runs_lint(snapshot: Snapshot) -> Outcome:
    """A CI command or action runs a linter, formatter check or type checker."""
    setup = ci_setup(snapshot)
    if not setup.files:
        return Outcome.skipped("There is no CI configuration, so there is nothing to run linters.")
    runs = _first(ci_activity(snapshot).lint)
    if runs:
        shown = "; ".join(run.describe() for run in runs)
        return Outcome.passed(f"CI runs linters or type checkers: {shown}.", _evidence(runs))
    return Outcome.failed(
        _nothing_runs(snapshot, setup, "a linter, formatter check or type checker", "ruff check"),
        _ci_files(setup),
    )


def _nothing_runs(snapshot: Snapshot, setup: CiSetup, what: str, example: str) -> str:
    count = sum(1 for c in setup.commands if not c.action)
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


@signal_group("ci")
def ci_signals(snapshot: Snapshot) -> dict[str, Any]:
    """CI services found, their files, and whether they run tests and linters."""
    setup = ci_setup(snapshot)
    activity = ci_activity(snapshot)
    return {
        "providers": list(setup.providers),
        "runs_tests": bool(activity.tests),
        "runs_lint": bool(activity.lint),
        "files": [f.path for f in setup.files],
    }
