"""What a project is built with, the files it holds, what its CI runs, what its notebooks show.

The primitives role profiles compose their rules from: ``uses_technology`` asks the shared
stack fact (:func:`auditor.facts.stack.technologies`) for kinds of technology,
``files_present`` matches glob patterns against the file index, ``ci_runs`` regular
expressions against the commands CI runs; ``notebook_outputs`` and ``notebooks_in_order``
judge the committed notebooks (:func:`auditor.facts.notebooks.notebooks`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import Any

from auditor.checks.registry import PrimitiveFunction, primitive, signal_group
from auditor.facts.catalogue import of_kinds
from auditor.facts.ci import ci_setup
from auditor.facts.notebooks import Notebook, notebooks
from auditor.facts.stack import KINDS, Stack, technologies, unknown_kinds
from auditor.model import Evidence, Outcome
from auditor.source.snapshot import Snapshot, is_vendored

MAX_EVIDENCE = 5


@signal_group("stack")
def stack_signals(snapshot: Snapshot) -> dict[str, Any]:
    """The technologies found, by kind (only kinds with at least one)."""
    stack = technologies(snapshot)
    return {kind: stack.names(kind) for kind in KINDS if stack.of(kind)}


# ----------------------------------------------------------------------------- parameter checks


def validates(
    check: Callable[[Mapping[str, Any]], str | None],
) -> Callable[[PrimitiveFunction], PrimitiveFunction]:
    """Attach a parameter check the rule-pack loader runs (``validate_params``)."""

    def attach(function: PrimitiveFunction) -> PrimitiveFunction:
        function.validate_params = check  # type: ignore[attr-defined]
        return function

    return attach


def _check_kinds(params: Mapping[str, Any]) -> str | None:
    kinds = list(params.get("kinds", []))
    if not kinds:
        return "'kinds' must name at least one kind of technology"
    unknown = unknown_kinds(kinds)
    if unknown:
        return f"unknown kind(s) {', '.join(unknown)} (known: {', '.join(KINDS)})"
    require = params.get("require", 1)
    if not 1 <= require <= len(kinds):
        return f"'require' must be from 1 to {len(kinds)} (the number of kinds)"
    return None


def _check_patterns(params: Mapping[str, Any]) -> str | None:
    patterns = list(params.get("patterns", []))
    if not patterns:
        return "'patterns' must hold at least one pattern"
    return None


def _check_regexes(params: Mapping[str, Any]) -> str | None:
    problem = _check_patterns(params)
    if problem:
        return problem
    for pattern in params["patterns"]:
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"pattern {pattern!r} is not a regular expression: {exc}"
    return None


# ----------------------------------------------------------------------------- primitives


def _where(evidence: Evidence) -> str:
    return f"{evidence.path}:{evidence.line}" if evidence.line else evidence.path


def _describe(kind: str, stack: Stack) -> str:
    detections = stack.of(kind)
    names = ", ".join(stack.names(kind)[:4])
    return f"{KINDS[kind]} ({names}, at {_where(detections[0].evidence)})"


def _examples(kind: str) -> str:
    names = list(dict.fromkeys(t.name for t in of_kinds(kind)))
    if kind == "routes":
        names = ['@app.get("/items")', "@bp.route", "urlpatterns"]
    elif kind == "cli":
        names = [*names[:4], "a console script"]
    shown = ", ".join(names[:5])
    return f"{KINDS[kind]} ({shown}{'…' if len(names) > 5 else ''})"


@primitive("uses_technology")
@validates(_check_kinds)
def uses_technology(snapshot: Snapshot, *, kinds: list[str], require: int = 1) -> Outcome:
    """The project uses technologies of the given kinds (web, orm, dataframe, iac…)."""
    stack = technologies(snapshot)
    present = [k for k in kinds if stack.of(k)]
    missing = [k for k in kinds if not stack.of(k)]
    evidence = [stack.of(k)[0].evidence for k in present]
    evidence += [d.evidence for k in present for d in stack.of(k)[1:]]
    found = "; ".join(_describe(k, stack) for k in present)
    needed = "all of" if require == len(kinds) else f"{require} of"
    if len(present) >= require:
        return Outcome.passed(f"Found {found}.", tuple(evidence[:MAX_EVIDENCE]))
    absent = "; ".join(_examples(k) for k in missing)
    if not present:
        return Outcome.failed(f"Not found: {absent}.")
    return Outcome.graded(
        len(present) / require,
        f"Found {found}, but {needed} {len(kinds)} kinds are expected; not found: {absent}.",
        tuple(evidence[:MAX_EVIDENCE]),
    )


def _glob_matches(pattern: str, path: str) -> bool:
    """A pattern without a slash matches a file name at any depth; with one, the whole path."""
    pattern = pattern.lower()
    if "/" in pattern:
        return fnmatchcase(path.lower(), pattern)
    return fnmatchcase(PurePosixPath(path).name.lower(), pattern)


@primitive("files_present")
@validates(_check_patterns)
def files_present(snapshot: Snapshot, *, patterns: list[str], what: str = "") -> Outcome:
    """The repository holds a file matching one of some glob patterns (``CHANGELOG*``)."""
    label = what or " or ".join(patterns)
    matched = [
        path
        for path in sorted(snapshot.files)
        if not is_vendored(path) and any(_glob_matches(p, path) for p in patterns)
    ]
    if matched:
        shown = ", ".join(matched[:4]) + (
            f" and {len(matched) - 4} more" if len(matched) > 4 else ""
        )
        return Outcome.passed(
            f"Found {label}: {shown}.", tuple(Evidence(p) for p in matched[:MAX_EVIDENCE])
        )
    return Outcome.failed(f"No {label} found (no file matches {', '.join(patterns)}).")


@primitive("ci_runs")
@validates(_check_regexes)
def ci_runs(snapshot: Snapshot, *, patterns: list[str], what: str = "") -> Outcome:
    """CI runs a command matching one of some regular expressions (case-insensitive)."""
    label = what or "the command"
    setup = ci_setup(snapshot)
    if not setup.files:
        return Outcome.failed(f"There is no CI configuration, so nothing runs {label}.")
    compiled = [re.compile(p, re.IGNORECASE) for p in patterns]
    hits = [c for c in setup.commands if any(p.search(c.text) for p in compiled)]
    if hits:
        first = hits[0]
        return Outcome.passed(
            f"CI runs {label}: `{first.text[:80]}` ({first.path}:{first.line}).",
            tuple(Evidence(c.path, c.line, c.text[:60]) for c in hits[:MAX_EVIDENCE]),
        )
    return Outcome.failed(
        f"CI ({setup.describe()}) runs nothing that looks like {label} "
        f"(no command matches {', '.join(patterns)})."
    )


# ----------------------------------------------------------------------------- notebooks


def _readable(snapshot: Snapshot) -> tuple[list[Notebook], list[Notebook]]:
    found = notebooks(snapshot)
    return [n for n in found if n.error is None and n.code_cells], [n for n in found if n.error]


def _unreadable_note(broken: list[Notebook]) -> str:
    if not broken:
        return ""
    shown = ", ".join(f"{n.path} ({n.error})" for n in broken[:3])
    return f" Not read: {shown}."


@primitive("notebook_outputs")
def notebook_outputs(snapshot: Snapshot, *, min_fraction: float = 0.5) -> Outcome:
    """Committed notebooks show their results (outputs are saved, not cleared)."""
    readable, broken = _readable(snapshot)
    if not readable:
        return Outcome.skipped("There are no notebooks with code cells." + _unreadable_note(broken))
    showing = [n for n in readable if n.with_outputs]
    fraction = len(showing) / len(readable)
    blank = [n for n in readable if not n.with_outputs]
    detail = f"; without any output: {', '.join(n.path for n in blank[:3])}" if blank else ""
    return Outcome.graded(
        fraction / min_fraction if min_fraction > 0 else 1.0,
        f"{len(showing)} of {len(readable)} notebooks show their results "
        f"(at least {min_fraction:.0%} expected){detail}.{_unreadable_note(broken)}",
        tuple(Evidence(n.path, None, "no outputs") for n in blank[:MAX_EVIDENCE]),
    )


@primitive("notebooks_in_order")
def notebooks_in_order(snapshot: Snapshot) -> Outcome:
    """Committed notebooks were run top to bottom in one go (execution counts 1, 2, 3…)."""
    readable, broken = _readable(snapshot)
    executed = [n for n in readable if n.with_outputs or n.in_order]
    if not executed:
        return Outcome.skipped(
            "There are no executed notebooks to judge." + _unreadable_note(broken)
        )
    ordered = [n for n in executed if n.in_order]
    jumbled = [n for n in executed if not n.in_order]
    detail = f"; out of order: {', '.join(n.path for n in jumbled[:3])}" if jumbled else ""
    return Outcome.graded(
        len(ordered) / len(executed),
        f"{len(ordered)} of {len(executed)} executed notebooks ran top to bottom in one "
        f"session{detail}.",
        tuple(Evidence(n.path, None, "cells ran out of order") for n in jumbled[:MAX_EVIDENCE]),
    )
