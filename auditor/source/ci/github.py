"""GitHub Actions: ``.github/workflows/*.yml`` and local composite actions.

Read structurally: a job's steps (or a composite action's ``runs.steps``) each run a shell
command (``run``) or an action (``uses``); a job-level ``uses`` calls a reusable workflow.
An action's ``with:`` inputs that hold commands (``command: pytest``) count as commands,
except for actions whose inputs are another language: ``actions/github-script``'s
``script`` is JavaScript.
"""

from __future__ import annotations

from typing import Any

from auditor.source.ci.interface import CiCommand
from auditor.source.ci.yaml_commands import (
    VOCABULARY,
    YAML_SUFFIXES,
    CommandSink,
    documents,
    parts_of,
)
from auditor.vocabulary import term_set

ACTION_FILES = ("action.yml", "action.yaml")


def is_composite_action(path: str) -> bool:
    """A local action (``uses: ./.github/actions/setup``): its steps run inside a workflow."""
    return path.startswith(".github/actions/") and path.rpartition("/")[2] in ACTION_FILES


class GitHubActions:
    """Workflows under ``.github/workflows/``."""

    name = "github-actions"
    label = "GitHub Actions"

    def matches(self, path: str) -> bool:
        _, folder, name = parts_of(path)
        return folder == ".github/workflows" and name.endswith(YAML_SUFFIXES)

    def commands(self, path: str, text: str) -> list[CiCommand]:
        """The ``run`` and ``uses`` of every step of every job, in file order."""
        sink = CommandSink(self.name, path, text)
        for document in documents(text):
            data = document.data
            if not isinstance(data, dict):
                continue
            jobs = data.get("jobs")
            for job in jobs.values() if isinstance(jobs, dict) else ():
                if isinstance(job, dict):
                    self._job(sink, job)
            runs = data.get("runs")
            if isinstance(runs, dict):
                self._steps(sink, runs.get("steps"))
        return sink.commands

    def _job(self, sink: CommandSink, job: dict[Any, Any]) -> None:
        for key, value in job.items():
            if key == "uses":
                sink.action(key, value)
            elif key == "steps":
                self._steps(sink, value)

    def _steps(self, sink: CommandSink, steps: Any) -> None:
        step_keys = term_set(VOCABULARY, "step_command_keys")
        for step in steps if isinstance(steps, list) else ():
            if not isinstance(step, dict) or sink.full:
                continue
            action = str(step.get("uses") or "").lower().partition("@")[0]
            for key, value in step.items():
                if key == "uses":
                    sink.action(key, value)
                elif key in step_keys:
                    sink.shell(key, value)
                elif key == "with" and isinstance(value, dict):
                    self._inputs(sink, action, value)

    def _inputs(self, sink: CommandSink, action: str, inputs: dict[Any, Any]) -> None:
        if not action or action in term_set(VOCABULARY, "non_shell_actions"):
            return
        shell_inputs = term_set(VOCABULARY, "action_command_inputs")
        for key, value in inputs.items():
            if key in shell_inputs and isinstance(value, str):
                sink.shell(key, value)


PROVIDER = GitHubActions()
