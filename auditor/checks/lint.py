"""Lint and style primitives (LNT001-LNT004) and the ``lint`` signal group.

ruff's violations, the formatting line length and the public API are facts
(:mod:`auditor.facts.lint`); here they are judged against the rules' thresholds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.facts.generated import generated_files
from auditor.facts.lint import DEFAULT_SELECT as DEFAULT_SELECT  # shared with the security facts
from auditor.facts.lint import (
    formatting_line_length,
    lint_findings,
    project_ruff_rules,
    public_api,
)
from auditor.facts.modules import module_summaries
from auditor.model import Evidence, Outcome
from auditor.source import ruff
from auditor.source.snapshot import Snapshot

#: Rules that find real bugs (syntax errors, undefined names, comparisons that are always
#: true or false): they count under a project's own selection too, so that selecting little
#: never excuses everything (repeated in rules/default.toml).
ALWAYS_SELECT: tuple[str, ...] = ("E9", "F63", "F7", "F82")
#: Fewer lines than this are judged as if they were this many, so that one slip in a
#: 30-line script is not a rate of 33 per 1,000.
MIN_LINES_JUDGED = 200
#: How many places a finding lists as evidence.
MAX_EVIDENCE = 10


# ------------------------------------------------------------------------------ ruff checks


@primitive("ruff_violations", background=True)
def ruff_violations(
    snapshot: Snapshot,
    *,
    select: Sequence[str] = DEFAULT_SELECT,
    max_per_kloc: float = 5.0,
    always_select: Sequence[str] = ALWAYS_SELECT,
) -> Outcome:
    """Few ruff violations per 1,000 lines of code (``max_per_kloc``), under the project's
    own ruff selection when it configures one seriously, else under ``select``."""
    if not snapshot.python_sources:  # not the parsed modules: ruff need not wait for them
        return Outcome.skipped("No Python files to lint.")
    configured = project_ruff_rules(snapshot)
    if configured is None:
        findings = lint_findings(snapshot, select, with_format=True)
        rules = "the selected ruff rules"
    else:
        findings = lint_findings(
            snapshot,
            (*configured.select, *always_select),
            ignore=configured.ignore,
            per_file_ignores=configured.per_file_ignores,
            settings=configured.settings,
            line_length=formatting_line_length(snapshot),
            with_format=True,
        )
        rules = (
            f"the project's own ruff rules ({configured.source}, plus {', '.join(always_select)})"
        )
    if not findings.code_lines:
        return Outcome.skipped("The Python files hold no code to lint.")
    count = len(findings.violations)
    rate = 1000 * count / findings.code_lines
    judged = 1000 * count / max(findings.code_lines, MIN_LINES_JUDGED)
    head = (
        f"{_count(count, 'violation')} of {rules} in "
        f"{findings.code_lines:,} lines of code ({rate:.1f} per 1,000"
    )
    if judged != rate:
        head += f"; judged as {judged:.1f}, as small code bases count as {MIN_LINES_JUDGED} lines"
    head += f"; full credit at {max_per_kloc:g} or less)"
    if count == 0:
        return Outcome.passed(f"No violations of {rules} in {findings.code_lines:,} lines of code.")
    codes = Counter(v.code for v in findings.violations)
    common = ", ".join(f"{code} ×{n}" for code, n in codes.most_common(6))  # noqa: RUF001
    if len(codes) > 6:
        common += f" and {len(codes) - 6} more"
    if judged <= max_per_kloc:
        score = 1.0
    elif max_per_kloc > 0:
        score = 1 - (judged - max_per_kloc) / (4 * max_per_kloc)
    else:
        score = 0.0
    return Outcome.graded(score, f"{head}: {common}.", _samples(findings.violations, codes))


def _samples(violations: Sequence[ruff.Diagnostic], codes: Counter[str]) -> tuple[Evidence, ...]:
    """A few places: the first of each most frequent code, then more in file order."""
    ordered = sorted(violations, key=lambda v: (v.path, v.line, v.code))
    first: dict[str, ruff.Diagnostic] = {}
    for violation in ordered:
        first.setdefault(violation.code, violation)
    picked = [first[code] for code, _ in codes.most_common(MAX_EVIDENCE)]
    picked += [v for v in ordered if v not in picked][: MAX_EVIDENCE - len(picked)]
    return tuple(
        Evidence(v.path, v.line, _shorten(f"{v.code} {v.message}"))
        for v in sorted(picked, key=lambda v: (v.path, v.line))
    )


@primitive("formatting", background=True)
def formatting(snapshot: Snapshot, *, min_fraction: float = 0.8) -> Outcome:
    """At least ``min_fraction`` of the Python files are formatted as ``ruff format`` would."""
    if not snapshot.python_sources:
        return Outcome.skipped("No Python files to check.")
    line_length = formatting_line_length(snapshot)
    report = ruff.format_check(snapshot, line_length=line_length, with_select=DEFAULT_SELECT)
    generated = generated_files(snapshot)  # a generator's layout is not the author's
    files = [path for path in report.files if path not in generated]
    unformatted = [path for path in report.unformatted if path not in generated]
    judged = len(files) - len(report.unparseable)
    broken = (
        f" {_count(len(report.unparseable), 'file')} could not be parsed and "
        f"{'was' if len(report.unparseable) == 1 else 'were'} left out."
        if report.unparseable
        else ""
    )
    if judged <= 0:
        return Outcome.skipped("No Python file could be parsed to check its formatting." + broken)
    formatted = judged - len(unformatted)
    fraction = formatted / judged
    width = f" at {line_length} columns" if line_length != ruff.DEFAULT_LINE_LENGTH else ""
    if not unformatted:
        which, them = (
            ("The one Python file is", "it")
            if judged == 1
            else (
                f"All {judged:,} Python files are",
                "them",
            )
        )
        return Outcome.passed(
            f"{which} formatted as `ruff format`{width} would format {them}." + broken
        )
    shown = ", ".join(unformatted[:3]) + (", …" if len(unformatted) > 3 else "")
    message = (
        f"{len(unformatted):,} of {_count(judged, 'Python file')} would be reformatted "
        f"by `ruff format`{width} ({fraction:.0%} formatted; full credit at "
        f"{min_fraction:.0%}): {shown}." + broken
    )
    score = fraction / min_fraction if min_fraction > 0 else 1.0
    evidence = tuple(Evidence(path, None, "would be reformatted") for path in unformatted)
    return Outcome.graded(score, message, evidence[:MAX_EVIDENCE])


@primitive("type_hints")
def type_hints(snapshot: Snapshot, *, min_fraction: float = 0.7) -> Outcome:
    """At least ``min_fraction`` of public functions have annotated parameters and return."""
    functions = [d for d in public_api(snapshot) if d.kind == "function"]
    if not functions:
        return Outcome.skipped("No public functions outside tests.")
    missing = [d for d in functions if d.missing_hints]
    annotated = len(functions) - len(missing)
    fraction = annotated / len(functions)
    message = (
        f"{annotated:,} of {_count(len(functions), 'public function')} "
        f"{'is' if annotated == 1 else 'are'} fully annotated ({fraction:.0%}; "
        f"full credit at {min_fraction:.0%})."
    )
    if missing:
        message += " Missing hints in: " + ", ".join(d.name for d in missing[:3])
        message += ", …" if len(missing) > 3 else "."
    evidence = tuple(
        Evidence(d.path, d.line, _shorten(f"{d.name}: no hint for {', '.join(d.missing_hints)}"))
        for d in missing[:MAX_EVIDENCE]
    )
    score = fraction / min_fraction if min_fraction > 0 else 1.0
    return Outcome.graded(score, message, evidence)


@primitive("docstrings")
def docstrings(snapshot: Snapshot, *, min_fraction: float = 0.5) -> Outcome:
    """At least ``min_fraction`` of public modules, classes and functions have docstrings."""
    definitions = [d for d in public_api(snapshot) if d.needs_docstring]
    if not any(d.kind != "module" for d in definitions):
        return Outcome.skipped("No public classes or functions outside tests.")
    undocumented = [d for d in definitions if not d.documented]
    documented = len(definitions) - len(undocumented)
    fraction = documented / len(definitions)
    kinds = Counter(d.kind for d in undocumented)
    message = (
        f"{documented:,} of {len(definitions):,} public modules, classes and functions "
        f"{'has' if documented == 1 else 'have'} a docstring ({fraction:.0%}; full credit at "
        f"{min_fraction:.0%})."
    )
    if undocumented:
        parts = [_count(kinds[k], k) for k in ("module", "class", "function") if kinds[k]]
        message += " Undocumented: " + ", ".join(parts) + "."
    evidence = tuple(
        Evidence(d.path, d.line, f"{d.kind} {d.name}") for d in undocumented[:MAX_EVIDENCE]
    )
    score = fraction / min_fraction if min_fraction > 0 else 1.0
    return Outcome.graded(score, message, evidence)


def _count(number: int, noun: str) -> str:
    plural = noun + ("es" if noun.endswith("s") else "s")
    return f"{number:,} {noun if number == 1 else plural}"


def _shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------ signals


@signal_group("lint")
def lint_signals(snapshot: Snapshot) -> dict[str, Any]:
    """ruff violations (the default selection) over the Python files at HEAD."""
    if not module_summaries(snapshot):
        return {"violations": 0, "per_kloc": None, "files": 0, "by_code": {}}
    findings = lint_findings(snapshot, DEFAULT_SELECT)
    per_kloc = findings.per_kloc
    return {
        "violations": len(findings.violations),
        "per_kloc": round(per_kloc, 2) if per_kloc is not None else None,
        "files": findings.files,
        "by_code": dict(Counter(v.code for v in findings.violations).most_common()),
    }
