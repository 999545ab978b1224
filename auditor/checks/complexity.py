"""Complexity primitives (CPX001-CPX005) and the ``complexity`` signal group.

The measures are facts (:mod:`auditor.facts.complexity`): each function's cyclomatic
complexity and length and each module's maintainability index, taken from the
language-neutral module summaries. Here they are only judged against the rules' limits.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from typing import Any

from radon.complexity import cc_rank

from auditor.checks.registry import primitive, signal_group
from auditor.facts.complexity import ComplexityFacts, FunctionMeasure, complexity_facts
from auditor.model import Evidence, Outcome
from auditor.source.snapshot import Snapshot

#: How many functions or modules a finding lists as evidence.
MAX_EVIDENCE = 10


@primitive("max_complexity")
def max_complexity(snapshot: Snapshot, *, max_cc: int = 10) -> Outcome:
    """No function has a cyclomatic complexity above ``max_cc``."""

    def beyond(over: Sequence[FunctionMeasure], total: str) -> str:
        shown = ", ".join(f"{f.name} ({f.complexity})" for f in over[:3])
        return (
            f"{len(over):,} of {total} {_have(over)} a cyclomatic complexity above {max_cc}; "
            f"worst: {shown}."
        )

    return _functions_over(
        snapshot,
        max_cc,
        lambda f: f.complexity,
        within=lambda top, total: (
            f"No function has a cyclomatic complexity above {max_cc} ({total} measured; "
            f"the highest is {top.name}, {top.complexity})."
        ),
        beyond=beyond,
        note=lambda f: f"{f.name}: cc {f.complexity}",
    )


@primitive("mean_complexity")
def mean_complexity(snapshot: Snapshot, *, max_mean_cc: float = 5.0) -> Outcome:
    """The mean cyclomatic complexity of functions is at most ``max_mean_cc``."""
    facts = complexity_facts(snapshot)
    skip = _skip_reason(facts)
    if skip:
        return Outcome.skipped(skip)
    functions = facts.functions
    mean = sum(f.complexity for f in functions) / len(functions)
    head = (
        f"The mean cyclomatic complexity is {mean:.1f} (radon rank {cc_rank(mean)}) "
        f"over {_count(len(functions), 'function')}"
    )
    if mean <= max_mean_cc:
        return Outcome.passed(
            f"{head}; full credit at {max_mean_cc:g} or less." + facts.failure_note()
        )
    worst = heapq.nsmallest(5, functions, key=lambda f: (-f.complexity, f.path, f.line))
    shown = ", ".join(f"{f.name} ({f.complexity})" for f in worst)
    score = (2 * max_mean_cc - mean) / max_mean_cc if max_mean_cc > 0 else 0.0
    return Outcome.graded(
        score,
        f"{head}, above {max_mean_cc:g} (no credit at {2 * max_mean_cc:g}); "
        f"the most complex: {shown}." + facts.failure_note(),
        tuple(Evidence(f.path, f.line, f"{f.name}: cc {f.complexity}") for f in worst),
    )


@primitive("maintainability")
def maintainability(snapshot: Snapshot, *, min_mi: float = 20.0) -> Outcome:
    """Modules, weighted by size, have a maintainability index of at least ``min_mi``."""
    facts = complexity_facts(snapshot)
    if not facts.sources:
        return Outcome.skipped("No Python code outside tests to measure.")
    modules = sorted(
        (m for m in facts.modules if m.code_lines > 0), key=lambda m: (m.maintainability, m.path)
    )
    if not modules:
        return Outcome.skipped(
            "No Python module outside tests could be analysed." + facts.failure_note()
        )
    lines = sum(m.code_lines for m in modules)
    low = [m for m in modules if m.maintainability < min_mi]
    low_lines = sum(m.code_lines for m in low)
    total = _count(len(modules), "module")
    lowest = modules[0]
    if not low:
        message = (
            f"No module has a maintainability index below {min_mi:g} ({total} measured; "
            f"the lowest is {lowest.path}, {lowest.maintainability:.1f})."
        )
    else:
        message = (
            f"{len(low):,} of {total} ({low_lines:,} of {lines:,} lines of code) {_have(low)} a "
            f"maintainability index below {min_mi:g}; lowest: {lowest.path} "
            f"({lowest.maintainability:.1f})."
        )
    evidence = tuple(
        Evidence(m.path, None, f"MI {m.maintainability:.1f}, {m.code_lines:,} lines of code")
        for m in low
    )
    return Outcome.graded(
        1 - low_lines / lines,
        message + _shown(len(low)) + facts.failure_note(),
        evidence[:MAX_EVIDENCE],
    )


@primitive("function_length")
def function_length(snapshot: Snapshot, *, max_lines: int = 60) -> Outcome:
    """No function is longer than ``max_lines`` lines."""

    def beyond(over: Sequence[FunctionMeasure], total: str) -> str:
        shown = ", ".join(f"{f.name} ({f.length})" for f in over[:3])
        are = "is" if len(over) == 1 else "are"
        return f"{len(over):,} of {total} {are} longer than {max_lines} lines; longest: {shown}."

    return _functions_over(
        snapshot,
        max_lines,
        lambda f: f.length,
        within=lambda top, total: (
            f"No function is longer than {max_lines} lines ({total} measured; "
            f"the longest is {top.name}, {top.length} lines)."
        ),
        beyond=beyond,
        note=lambda f: f"{f.name}: {f.length} lines",
    )


def _functions_over(
    snapshot: Snapshot,
    limit: int,
    measure: Callable[[FunctionMeasure], int],
    *,
    within: Callable[[FunctionMeasure, str], str],
    beyond: Callable[[Sequence[FunctionMeasure], str], str],
    note: Callable[[FunctionMeasure], str],
) -> Outcome:
    """Functions measured against a limit: the fraction within it, the worst as evidence."""
    facts = complexity_facts(snapshot)
    skip = _skip_reason(facts)
    if skip:
        return Outcome.skipped(skip)
    functions = facts.functions

    def rank(f: FunctionMeasure) -> tuple[int, str, int]:
        return (-measure(f), f.path, f.line)

    # Only the functions over the limit are sorted (the worst first): usually a few.
    over = sorted((f for f in functions if measure(f) > limit), key=rank)
    total = _count(len(functions), "function")
    message = beyond(over, total) if over else within(min(functions, key=rank), total)
    evidence = tuple(Evidence(f.path, f.line, note(f)) for f in over)
    return Outcome.graded(
        1 - len(over) / len(functions),
        message + _shown(len(over)) + facts.failure_note(),
        evidence[:MAX_EVIDENCE],
    )


@primitive("file_length")
def file_length(snapshot: Snapshot, *, max_lines: int = 800) -> Outcome:
    """No module has more than ``max_lines`` lines of code."""
    sources = complexity_facts(snapshot).sources
    if not sources:
        return Outcome.skipped("No Python code outside tests to measure.")
    ranked = sorted(sources, key=lambda m: (-m.lines.code, m.path))
    over = [m for m in ranked if m.lines.code > max_lines]
    total = _count(len(sources), "Python file")
    if not over:
        top = ranked[0]
        message = (
            f"No Python file has more than {max_lines:,} lines of code ({total} measured; "
            f"the largest is {top.path}, {top.lines.code:,})."
        )
    else:
        shown = ", ".join(f"{m.path} ({m.lines.code:,})" for m in over[:3])
        message = (
            f"{len(over):,} of {total} {_have(over)} more than {max_lines:,} lines of code: "
            f"{shown}."
        )
    evidence = tuple(Evidence(m.path, None, f"{m.lines.code:,} lines of code") for m in over)
    return Outcome.graded(
        1 - len(over) / len(sources), message + _shown(len(over)), evidence[:MAX_EVIDENCE]
    )


def _skip_reason(facts: ComplexityFacts) -> str | None:
    if not facts.sources:
        return "No Python code outside tests to measure."
    if not facts.functions:
        return "No functions or methods outside tests to measure." + facts.failure_note()
    return None


def _shown(flagged: int) -> str:
    if flagged > MAX_EVIDENCE:
        return f" The {MAX_EVIDENCE} worst are listed."
    return ""


def _have(items: Sequence[object]) -> str:
    return "has" if len(items) == 1 else "have"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


# ------------------------------------------------------------------------------ signals


@signal_group("complexity")
def complexity_signals(snapshot: Snapshot) -> dict[str, Any]:
    """Cyclomatic complexity and maintainability of the code outside tests."""
    facts = complexity_facts(snapshot)
    scores = [f.complexity for f in facts.functions]
    indexes = [m.maintainability for m in facts.modules if m.code_lines > 0]
    mean_cc = sum(scores) / len(scores) if scores else None
    return {
        "functions": len(scores),
        "mean_cc": round(mean_cc, 2) if mean_cc is not None else None,
        "max_cc": max(scores) if scores else None,
        "rank": cc_rank(mean_cc) if mean_cc is not None else None,
        "mean_mi": round(sum(indexes) / len(indexes), 1) if indexes else None,
        "modules": len(indexes),
        "analysis_errors": list(facts.failures),
    }
