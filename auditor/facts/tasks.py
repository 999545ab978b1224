"""The task files a CI step may run through: Makefiles, the tox configuration, nox sessions.

Each is parsed once per snapshot by the readers in :mod:`auditor.source.tasks`.
"""

from __future__ import annotations

from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.source.tasks.make import NAMES as MAKEFILE_NAMES
from auditor.source.tasks.make import MakeRule, parse_makefile
from auditor.source.tasks.nox import NoxSession, nox_sessions_of
from auditor.source.tasks.tox import ToxConfig, parse_tox

__all__ = [
    "MAKEFILE_NAMES",
    "MakeRule",
    "NoxSession",
    "ToxConfig",
    "makefile_rules",
    "makefiles",
    "nox_sessions",
    "tox_config",
]


@fact
def makefiles(snapshot: Snapshot) -> dict[str, dict[str, MakeRule]]:
    """The targets of every Makefile of the snapshot (vendored folders left out), by path."""
    parsed: dict[str, dict[str, MakeRule]] = {}
    for path, entry in snapshot.files.items():
        if entry.name in MAKEFILE_NAMES and not is_vendored(path):
            text = snapshot.text(path)
            if text is not None:
                parsed[path] = parse_makefile(text)
    return parsed


def makefile_rules(snapshot: Snapshot, path: str) -> dict[str, MakeRule]:
    """The targets of the Makefile at ``path`` (empty when there is none)."""
    return makefiles(snapshot).get(path) or {}


@fact
def tox_config(snapshot: Snapshot) -> ToxConfig | None:
    """The project's tox configuration, from tox.ini, tox.toml, setup.cfg or pyproject.toml."""
    for path in ("tox.ini", "tox.toml", "setup.cfg", "pyproject.toml"):
        text = snapshot.text(path) if path in snapshot.files else None
        if text is None:
            continue
        if path == "setup.cfg" and "[tox:tox]" not in text:
            continue
        if path == "pyproject.toml" and "[tool.tox" not in text:
            continue
        config = parse_tox(path, text)
        if config is not None:
            return config
    return None


@fact
def nox_sessions(snapshot: Snapshot) -> tuple[NoxSession, ...] | None:
    """The sessions of noxfile.py with the commands each runs, or None without a noxfile."""
    module = next((m for m in snapshot.python_modules if m.path == "noxfile.py"), None)
    if module is None:
        return None
    if module.tree is None:
        return ()
    return nox_sessions_of(module.tree)


#: A poe task's sequence is followed this deep (a task may name other tasks).
MAX_POE_DEPTH = 4


def poe_task(snapshot: Snapshot, name: str) -> tuple[int, list[tuple[int, str]]] | None:
    """What ``poe NAME`` runs, from ``[tool.poe.tasks]`` in pyproject.toml: the task's line
    and its commands (a string, ``cmd``/``shell``, or a ``sequence`` of them), or None."""
    from auditor.facts.manifests import pyproject

    file = pyproject(snapshot)
    tasks = file.data.get("tool", {}).get("poe", {}).get("tasks") if file is not None else None
    if file is None or not isinstance(tasks, dict) or name not in tasks:
        return None
    line = file.line_of_key(name) or 1
    commands = [(line, text) for text in _poe_commands(tasks, tasks[name], 0)]
    return line, commands


def _poe_commands(tasks: dict[str, object], task: object, depth: int) -> list[str]:
    if depth > MAX_POE_DEPTH:
        return []
    if isinstance(task, str):
        return [task]
    if isinstance(task, list):  # a sequence written as a list: of task names, or commands
        task = {"sequence": task}
    if not isinstance(task, dict):
        return []
    for key in ("cmd", "shell"):
        if isinstance(task.get(key), str):
            return [str(task[key])]
    if isinstance(task.get("ref"), str):
        ref = str(task["ref"]).split()[0]
        return _poe_commands(tasks, tasks.get(ref), depth + 1)
    if isinstance(task.get("sequence"), list):
        found: list[str] = []
        for item in task["sequence"][:50]:
            if isinstance(item, str) and item in tasks:
                found += _poe_commands(tasks, tasks[item], depth + 1)
            else:
                found += _poe_commands(tasks, item, depth + 1)
        return found
    return []
