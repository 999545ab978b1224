"""Lint and style: ruff violations, formatting, type hints and docstrings on the public API.

ruff runs through :mod:`auditor.source.ruff` (once per rule selection per snapshot, on the
files committed at HEAD); type hints and docstrings come from one module summary per syntax
tree, :func:`public_definitions_in`, shared by both rules through :func:`public_api`.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.checks.registry import primitive, signal_group
from auditor.model import Evidence, Outcome
from auditor.source import ruff
from auditor.source.python import ParsedModule, module_summary
from auditor.source.snapshot import Snapshot, fact

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: The ruff rules LNT001 and the ``lint`` signal use unless a rule pack says otherwise
#: (repeated in rules/default.toml): errors, likely bugs and outdated idioms, not style.
DEFAULT_SELECT: tuple[str, ...] = ("E4", "E7", "E9", "F", "B", "BLE", "SIM", "C4", "PLE", "UP")
#: Fewer lines than this are judged as if they were this many, so that one slip in a
#: 30-line script is not a rate of 33 per 1,000.
MIN_LINES_JUDGED = 200
#: How many places a finding lists as evidence.
MAX_EVIDENCE = 10

#: ruff's syntax errors for syntax newer than the target version: modern code, not a mistake.
_NEWER_SYNTAX = re.compile(r"syntax was added in Python 3\.\d+")


# ------------------------------------------------------------------------------ lint facts


@dataclass(frozen=True)
class LintFindings:
    """The violations that count for one rule selection, and the code they were found in."""

    violations: tuple[ruff.Diagnostic, ...]
    files: int
    code_lines: int

    @property
    def per_kloc(self) -> float | None:
        return 1000 * len(self.violations) / self.code_lines if self.code_lines else None


def lint_findings(
    snapshot: Snapshot, select: Sequence[str], *, with_format: bool = False
) -> LintFindings:
    """ruff's violations over the Python files at HEAD, as LNT001 counts them.

    A file ruff cannot parse counts once (its first syntax error), however many errors the
    parser reports after the first; syntax newer than Python 3.10 is not a violation.
    """
    line_length = formatting_line_length(snapshot) if with_format else None
    report = ruff.lint(snapshot, select, with_format=line_length)
    counted: list[ruff.Diagnostic] = []
    broken: set[str] = set()
    for diagnostic in report.diagnostics:
        if diagnostic.code == ruff.SYNTAX_ERROR:
            if _NEWER_SYNTAX.search(diagnostic.message) or diagnostic.path in broken:
                continue
            broken.add(diagnostic.path)
        counted.append(diagnostic)
    linted = set(report.files)
    lines = sum(m.counts.code for m in snapshot.python_modules if m.path in linted)
    return LintFindings(tuple(counted), len(linted), lines)


@fact
def formatting_line_length(snapshot: Snapshot) -> int:
    """The line length the project formats to: ``[tool.ruff]``, ``[tool.black]`` or 88.

    Only this one number is taken from the repository's configuration: a project formatted
    by black at 100 columns is formatted, not wrong.
    """
    candidates: list[tuple[str, tuple[str, ...]]] = [
        ("ruff.toml", ()),
        (".ruff.toml", ()),
        ("pyproject.toml", ("tool", "ruff")),
        ("pyproject.toml", ("tool", "black")),
    ]
    for name, table_path in candidates:
        entry = snapshot.root_file(name)
        text = snapshot.text(entry.path) if entry is not None else None
        if text is None:
            continue
        try:
            table: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        for key in table_path:
            table = table.get(key) if isinstance(table, dict) else None
        if not isinstance(table, dict):
            continue
        value = table.get("line-length", table.get("line_length"))
        if isinstance(value, int) and not isinstance(value, bool) and 40 <= value <= 320:
            return value
    return ruff.DEFAULT_LINE_LENGTH


# ------------------------------------------------------------------------------ ruff checks


@primitive("ruff_violations", background=True)
def ruff_violations(
    snapshot: Snapshot, *, select: Sequence[str] = DEFAULT_SELECT, max_per_kloc: float = 5.0
) -> Outcome:
    """Few ruff violations per 1,000 lines of code (``max_per_kloc``)."""
    if not snapshot.python_sources:  # not the parsed modules: ruff need not wait for them
        return Outcome.skipped("No Python files to lint.")
    findings = lint_findings(snapshot, select, with_format=True)
    if not findings.code_lines:
        return Outcome.skipped("The Python files hold no code to lint.")
    count = len(findings.violations)
    rate = 1000 * count / findings.code_lines
    judged = 1000 * count / max(findings.code_lines, MIN_LINES_JUDGED)
    head = (
        f"{_count(count, 'violation')} of the selected ruff rules in "
        f"{findings.code_lines:,} lines of code ({rate:.1f} per 1,000"
    )
    if judged != rate:
        head += f"; judged as {judged:.1f}, as small code bases count as {MIN_LINES_JUDGED} lines"
    head += f"; full credit at {max_per_kloc:g} or less)"
    if count == 0:
        return Outcome.passed(
            f"No violations of the selected ruff rules in {findings.code_lines:,} lines of code."
        )
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
    judged = len(report.files) - len(report.unparseable)
    broken = (
        f" {_count(len(report.unparseable), 'file')} could not be parsed and "
        f"{'was' if len(report.unparseable) == 1 else 'were'} left out."
        if report.unparseable
        else ""
    )
    if judged <= 0:
        return Outcome.skipped("No Python file could be parsed to check its formatting." + broken)
    formatted = judged - len(report.unformatted)
    fraction = formatted / judged
    width = f" at {line_length} columns" if line_length != ruff.DEFAULT_LINE_LENGTH else ""
    if not report.unformatted:
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
    shown = ", ".join(report.unformatted[:3]) + (", …" if len(report.unformatted) > 3 else "")
    message = (
        f"{len(report.unformatted):,} of {_count(judged, 'Python file')} would be reformatted "
        f"by `ruff format`{width} ({fraction:.0%} formatted; full credit at "
        f"{min_fraction:.0%}): {shown}." + broken
    )
    score = fraction / min_fraction if min_fraction > 0 else 1.0
    evidence = tuple(Evidence(path, None, "would be reformatted") for path in report.unformatted)
    return Outcome.graded(score, message, evidence[:MAX_EVIDENCE])


# ------------------------------------------------------------------------------ public API


@dataclass(frozen=True)
class PublicDefinition:
    """A public module, class or function, and how well it documents itself."""

    path: str
    line: int
    kind: str  # "module", "class" or "function"
    name: str  # qualified within its module: "Parser.parse"
    documented: bool
    needs_docstring: bool  # False for __init__ (its class documents it), overloads, setters
    missing_hints: tuple[str, ...] = ()  # unannotated parameters, and "return"


@fact
def public_api(snapshot: Snapshot) -> tuple[PublicDefinition, ...]:
    """The public modules, classes and functions outside tests, from the shared trees.

    Public: a name without a leading underscore, not nested inside a function; dunder
    methods other than ``__init__`` are left out. A module is public when its file name has
    no leading underscore (so ``__init__.py`` and ``__main__.py`` are not).
    """
    found: list[PublicDefinition] = []
    for module in snapshot.python_modules:
        if module.parsed:
            found.extend(public_definitions_in(module))
    return tuple(sorted(found, key=lambda d: (d.path, d.line)))


@module_summary
def public_definitions_in(module: ParsedModule) -> tuple[PublicDefinition, ...]:
    """The public definitions of one module (none in tests)."""
    if module.is_test:
        return ()
    return tuple(_public_definitions(module, module.tree))


def _public_definitions(module: ParsedModule, tree: ast.Module) -> Iterator[PublicDefinition]:
    if not module.path.rsplit("/", 1)[-1].startswith("_"):
        yield PublicDefinition(
            module.path, 1, "module", module.path, ast.get_docstring(tree) is not None, True
        )
    # (node, enclosing class or None, qualified prefix); function bodies are never entered.
    stack: list[tuple[ast.AST, ast.ClassDef | None, str]] = [(tree, None, "")]
    while stack:
        node, owner, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                if _is_public(child.name) and (
                    child.name == "__init__" or not _is_dunder(child.name)
                ):
                    yield _function(module.path, child, owner, prefix)
            elif isinstance(child, ast.ClassDef):
                if _is_public(child.name):
                    yield PublicDefinition(
                        module.path,
                        child.lineno,
                        "class",
                        prefix + child.name,
                        ast.get_docstring(child) is not None,
                        True,
                    )
                    stack.append((child, child, f"{prefix}{child.name}."))
            elif isinstance(child, ast.stmt | ast.excepthandler | ast.match_case):
                stack.append((child, owner, prefix))  # if/try/with blocks at this level


def _function(
    path: str, node: ast.FunctionDef | ast.AsyncFunctionDef, owner: ast.ClassDef | None, prefix: str
) -> PublicDefinition:
    decorators = {_decorator_name(d) for d in node.decorator_list}
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    if owner is not None and "staticmethod" not in decorators and positional:
        positional = positional[1:]  # self or cls
    parameters = [*positional, *args.kwonlyargs]
    parameters += [a for a in (args.vararg, args.kwarg) if a is not None]
    missing = [a.arg for a in parameters if a.annotation is None]
    if node.returns is None and node.name != "__init__":
        missing.append("return")
    is_setter = any(d.endswith((".setter", ".deleter")) for d in decorators)
    return PublicDefinition(
        path=path,
        line=node.lineno,
        kind="function",
        name=prefix + node.name,
        documented=ast.get_docstring(node) is not None,
        needs_docstring=node.name != "__init__" and "overload" not in decorators and not is_setter,
        missing_hints=tuple(missing),
    )


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    dotted = ".".join(reversed(parts))
    # typing.overload and overload alike; property setters keep their dotted form
    return (
        dotted.rsplit(".", 1)[-1]
        if dotted.startswith(("typing.", "typing_extensions."))
        else dotted
    )


def _is_public(name: str) -> bool:
    return not name.startswith("_") or _is_dunder(name)


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


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
    if not snapshot.python_modules:
        return {"violations": 0, "per_kloc": None, "files": 0, "by_code": {}}
    findings = lint_findings(snapshot, DEFAULT_SELECT)
    per_kloc = findings.per_kloc
    return {
        "violations": len(findings.violations),
        "per_kloc": round(per_kloc, 2) if per_kloc is not None else None,
        "files": findings.files,
        "by_code": dict(Counter(v.code for v in findings.violations).most_common()),
    }
