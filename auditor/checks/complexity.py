"""Complexity: cyclomatic complexity, maintainability, function and file length.

Everything comes from one fact, :func:`complexity_facts`, gathering one module summary,
:func:`module_measures`, computed on each module's tree where it is parsed (in a worker
process for a large repository), for the code outside tests and vendored folders. One walk
of the tree (:class:`_TreeMeasures`) gives radon's cyclomatic complexity blocks, radon's
Halstead volume, logical lines and multi-line strings, exactly as radon's visitors would and
four times faster. The maintainability index is computed without radon's raw analysis
(quadratic on long statements, and it re-parses): comment lines come from the module's line
counts.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from radon.complexity import cc_rank
from radon.metrics import mi_compute
from radon.visitors import Class, Function

from auditor.checks.registry import primitive, signal_group
from auditor.model import Evidence, Outcome
from auditor.source.python import ParsedModule, PythonModule, module_summary
from auditor.source.snapshot import Snapshot, fact

#: How many functions or modules a finding lists as evidence.
MAX_EVIDENCE = 10


@dataclass(frozen=True)
class FunctionMeasure:
    """One function or method: its cyclomatic complexity and its length in lines."""

    path: str
    name: str  # qualified: "Parser.parse", "outer.inner" for a closure
    line: int  # the ``def`` line
    complexity: int
    length: int  # lines from ``def`` to the last statement


@dataclass(frozen=True)
class ModuleMeasure:
    """One module radon could analyse: its maintainability index and its size."""

    path: str
    code_lines: int
    maintainability: float


@dataclass(frozen=True)
class ComplexityFacts:
    """The complexity measurements of the code outside tests and vendored folders."""

    sources: tuple[PythonModule, ...]  # every such module, parsed or not
    functions: tuple[FunctionMeasure, ...]
    modules: tuple[ModuleMeasure, ...]
    failures: tuple[str, ...]  # paths radon could not analyse

    def failure_note(self) -> str:
        if not self.failures:
            return ""
        shown = ", ".join(self.failures[:3]) + (", …" if len(self.failures) > 3 else "")
        return f" radon could not analyse {_count(len(self.failures), 'file')} ({shown})."


@fact
def complexity_facts(snapshot: Snapshot) -> ComplexityFacts:
    """radon's measurements of every non-test module, each tree visited once."""
    sources = tuple(m for m in snapshot.python_modules if not m.is_test)
    functions: list[FunctionMeasure] = []
    modules: list[ModuleMeasure] = []
    failures: list[str] = []
    for module in sources:
        if not module.parsed:
            continue  # a parse error: the python signal reports it
        measured = module_measures(module)
        if measured is None:
            failures.append(module.path)
            continue
        functions.extend(measured[0])
        modules.append(measured[1])
    return ComplexityFacts(sources, tuple(functions), tuple(modules), tuple(failures))


@module_summary
def module_measures(
    module: ParsedModule,
) -> tuple[tuple[FunctionMeasure, ...], ModuleMeasure] | None:
    """radon's measures of one non-test module; None when radon fails on it."""
    if module.is_test:
        return None
    try:
        return _measure(module, module.tree)
    except Exception:  # noqa: BLE001 - radon failing on one file must not end the audit
        return None


def _measure(
    module: ParsedModule, tree: ast.Module
) -> tuple[tuple[FunctionMeasure, ...], ModuleMeasure]:
    walk = _TreeMeasures.of(tree)
    functions = tuple(
        FunctionMeasure(
            path=module.path,
            name=name,
            line=block.lineno,
            complexity=int(block.complexity),
            length=walk.length(block.lineno, block.col_offset, block.endline),
        )
        for name, block in _radon_functions(walk.functions, walk.classes)
    )
    counts = module.counts
    # radon's MI takes logical lines and the percentage of comment lines (comments and
    # multi-line strings) among source lines that are not docstrings, as mi_visit does.
    source_lines = counts.code - counts.docstring
    comment_lines = counts.comments + walk.string_lines
    percent = 100.0 * comment_lines / source_lines if source_lines > 0 else 0.0
    index = mi_compute(walk.volume, walk.total_complexity, walk.logical_lines, percent)
    return functions, ModuleMeasure(module.path, counts.code, float(index))


class _Block:
    """One of radon's ComplexityVisitors: a body's decision points, its last line, the
    functions and classes defined in it, and what its functions are (methods of which class)
    and the innermost function around it (Halstead's context). A muted block stands for a
    part of the tree radon's complexity visitor does not see (an assert's inside, a class's
    bases): it counts nothing, only the context travels."""

    __slots__ = (
        "classes",
        "classname",
        "complexity",
        "context",
        "counting",
        "functions",
        "max_line",
        "to_method",
    )

    def __init__(
        self,
        to_method: bool = False,
        classname: str | None = None,
        context: str | None = None,
        *,
        complexity: int = 0,
        counting: bool = True,
    ) -> None:
        self.to_method = to_method
        self.classname = classname
        self.context = context
        self.complexity = complexity
        self.counting = counting
        self.max_line: float = float("-inf")
        self.functions: list[Function] = []
        self.classes: list[Class] = []

    def muted(self) -> _Block:
        return _Block(self.to_method, self.classname, self.context, counting=False)


class _TreeMeasures:
    """Everything complexity needs from one tree, in one walk of it.

    - radon's ``ComplexityVisitor.from_ast(tree)``: the same blocks (radon's own
      ``Function`` and ``Class``) and total. radon walks through ``ast.NodeVisitor``; this
      follows its rules with plain calls: a new visitor for each statement of a function or
      class body, decision points by kind of node (``if``, ternaries, boolean operators,
      loops and their ``else``, comprehensions and their ``if``, ``try`` handlers and
      ``else`` but not ``except*``, ``match`` cases but a wildcard, ``assert``, whose inside
      radon does not visit), a function ending at the last line its last statement's
      visitor saw; class headers are not visited.
    - radon's Halstead volume (``h_visit_ast(tree).total.volume``): the operators of
      ``BinOp``, ``UnaryOp``, ``BoolOp``, ``AugAssign`` and ``Compare`` nodes and their
      operands, distinct operands being (innermost function, identifier, attribute, constant
      or else the node itself); function decorators, arguments and returns not visited.
    - logical lines (statements and clause headers, like radon's "lloc"), lines of
      multi-line strings standing as statements, and where each function ends.

    Checked against radon and the separate walks on every file of CPython's standard
    library and a site-packages (about 18,000 files): identical results, in a third of the
    time.
    """

    def __init__(self) -> None:
        self.functions: list[Function] = []
        self.classes: list[Class] = []
        self.total_complexity = 0
        self.volume = 0.0
        self.ends: dict[tuple[int, int], int] = {}  # (line, column) of a def -> its last line
        self.logical_lines = 0
        self.string_lines = 0
        self._operators: set[str] = set()
        self._operands: set[tuple[str | None, object]] = set()
        self._operator_count = 0
        self._operand_count = 0

    @classmethod
    def of(cls, tree: ast.Module) -> _TreeMeasures:
        measures = cls()
        top = _Block(complexity=1)
        measures._visit(tree, top)
        measures.functions, measures.classes = top.functions, top.classes
        measures.total_complexity = (
            top.complexity
            + sum(f.complexity for f in top.functions)
            - len(top.functions)
            + sum(c.real_complexity for c in top.classes)
            - len(top.classes)
        )
        vocabulary = len(measures._operators) + len(measures._operands)
        length = measures._operator_count + measures._operand_count
        measures.volume = length * math.log(vocabulary, 2) if vocabulary != 0 else 0
        return measures

    def length(self, line: int, column: int, fallback_end: int) -> int:
        return self.ends.get((line, column), fallback_end) - line + 1

    def _visit(self, node: ast.AST, block: _Block) -> None:
        kind = type(node)
        if kind in _LOGICAL_KINDS:
            self._logical(node, kind)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                self._function(node, block)  # type: ignore[arg-type]
                return
            if kind is ast.ClassDef:
                self._class(node, block)  # type: ignore[arg-type]
                return
        if kind in _OPERATOR_KINDS:  # AugAssign is a statement too
            self._operator(node, kind, block.context)
        if block.counting:
            if kind is ast.Assert:
                block.complexity += 1
                block = block.muted()  # radon does not look inside an assert; Halstead does
            else:
                line = getattr(node, "lineno", None)
                if line is not None and line > block.max_line:
                    block.max_line = line
                if kind in _DECISION_KINDS:
                    block.complexity += _decisions(node, kind)
        visit = self._visit
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        visit(item, block)
            elif isinstance(value, ast.AST):
                visit(value, block)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, block: _Block) -> None:
        closures: list[Function] = []
        body = 1
        inner = block
        for child in node.body:  # decorators, arguments and returns: neither measure looks
            inner = _Block(context=node.name)
            self._visit(child, inner)
            closures.extend(inner.functions)
            body += inner.complexity
        end = max(node.lineno, inner.max_line)
        name, line, column = node.name, node.lineno, node.col_offset
        block.functions.append(
            Function(name, line, column, end, block.to_method, block.classname, closures, body)
        )

    def _class(self, node: ast.ClassDef, block: _Block) -> None:
        header = block.muted()
        for name in node._fields:
            if name != "body":  # bases, keywords, decorators: Halstead looks, radon's cc not
                value = getattr(node, name, None)
                for item in value if type(value) is list else [value]:
                    if isinstance(item, ast.AST):
                        self._visit(item, header)
        methods: list[Function] = []
        nested: list[Class] = []
        lines: list[float] = [node.lineno]
        body = 1
        for child in node.body:
            inner = _Block(True, node.name, block.context)
            self._visit(child, inner)
            methods.extend(inner.functions)
            body += inner.complexity + sum(f.complexity for f in inner.functions)
            lines.append(inner.max_line)
            nested.extend(inner.classes)
        end = max(lines + [m.endline for m in methods])
        block.classes.append(
            Class(node.name, node.lineno, node.col_offset, end, methods, nested, body)
        )

    def _operator(self, node: ast.AST, kind: type, context: str | None) -> None:
        if kind is ast.Compare:
            assert isinstance(node, ast.Compare)
            self._operators.update(type(op).__name__ for op in node.ops)
            self._operator_count += len(node.ops)
            operands: Sequence[ast.AST] = (*node.comparators, node.left)
        else:
            self._operators.add(type(node.op).__name__)  # type: ignore[attr-defined]
            self._operator_count += 1
            if kind is ast.BinOp:
                operands = (node.left, node.right)  # type: ignore[attr-defined]
            elif kind is ast.BoolOp:
                operands = node.values  # type: ignore[attr-defined]
            elif kind is ast.UnaryOp:
                operands = (node.operand,)  # type: ignore[attr-defined]
            else:  # AugAssign
                operands = (node.target, node.value)  # type: ignore[attr-defined]
        self._operand_count += len(operands)
        for operand in operands:
            self._operands.add((context, _operand_value(operand)))

    def _logical(self, node: ast.AST, kind: type) -> None:
        if kind is ast.ExceptHandler or kind is ast.match_case:
            self.logical_lines += 1
            return
        assert isinstance(node, ast.stmt)
        self.logical_lines += 1 + _clause_headers(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.ends[(node.lineno, node.col_offset)] = node.end_lineno or node.lineno
            self.logical_lines += len(node.decorator_list)
        elif isinstance(node, ast.ClassDef):
            self.logical_lines += len(node.decorator_list)
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            and (node.end_lineno or node.lineno) > node.lineno
        ):
            self.string_lines += sum(1 for line in node.value.value.splitlines() if line.strip())


#: Statements and clauses: what logical lines count.
_LOGICAL_KINDS = frozenset(
    {*ast.stmt.__subclasses__(), *ast.excepthandler.__subclasses__(), ast.match_case}
)
_OPERATOR_KINDS = frozenset({ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.AugAssign, ast.Compare})
_DECISION_KINDS = frozenset({ast.If, ast.IfExp, ast.BoolOp, ast.For, ast.While, ast.AsyncFor})
_DECISION_KINDS |= {ast.comprehension, ast.Try, ast.Match}


def _decisions(node: ast.AST, kind: type) -> int:
    """The decision points radon's complexity visitor counts for one node."""
    if kind is ast.If or kind is ast.IfExp:
        return 1
    if kind is ast.BoolOp:
        return len(node.values) - 1  # type: ignore[attr-defined]
    if kind is ast.For or kind is ast.While or kind is ast.AsyncFor:
        return bool(node.orelse) + 1  # type: ignore[attr-defined]
    if kind is ast.comprehension:
        return len(node.ifs) + 1  # type: ignore[attr-defined]
    if kind is ast.Try:  # not TryStar: radon does not count except* handlers
        return len(node.handlers) + bool(node.orelse)  # type: ignore[attr-defined]
    if kind is ast.Match:
        cases = node.cases  # type: ignore[attr-defined]
        wildcard = any(getattr(case.pattern, "pattern", False) is None for case in cases)
        return max(0, len(cases) - wildcard)
    return 0


def _operand_value(node: ast.AST) -> object:
    kind = type(node)
    if kind is ast.Name:
        return node.id  # type: ignore[attr-defined]
    if kind is ast.Attribute:
        return node.attr  # type: ignore[attr-defined]
    if kind is ast.Constant:
        return node.value  # type: ignore[attr-defined]
    return node


def _radon_functions(
    functions: Sequence[Any], classes: Sequence[Any], prefix: str = ""
) -> Iterator[tuple[str, Any]]:
    """radon's function blocks with qualified names: methods, inner classes and closures too."""
    for function in functions:
        yield from _with_closures(function, prefix + function.name)
    for cls in classes:
        yield from _radon_functions(cls.methods, cls.inner_classes, f"{prefix}{cls.name}.")


def _with_closures(function: Any, name: str) -> Iterator[tuple[str, Any]]:
    # A closure is measured on its own: radon leaves its branches out of the outer function.
    yield name, function
    for closure in function.closures:
        yield from _with_closures(closure, f"{name}.{closure.name}")


#: ``try`` statements (``except*`` has its own node from Python 3.11).
_TRY_NODES: tuple[type[ast.stmt], ...] = tuple(
    getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name)
)


def _clause_headers(node: ast.stmt) -> int:
    """``else:`` and ``finally:`` lines, which have no node of their own."""
    headers = 0
    if isinstance(node, ast.If):
        elif_chain = (
            len(node.orelse) == 1
            and isinstance(node.orelse[0], ast.If)
            and node.orelse[0].col_offset == node.col_offset
        )
        headers += bool(node.orelse) and not elif_chain
    elif isinstance(node, ast.For | ast.AsyncFor | ast.While):
        headers += bool(node.orelse)
    elif isinstance(node, _TRY_NODES):
        headers += bool(getattr(node, "orelse", ())) + bool(getattr(node, "finalbody", ()))
    return headers


# ------------------------------------------------------------------------------ checks


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
    worst = sorted(functions, key=lambda f: (-f.complexity, f.path, f.line))[:5]
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
    ranked = sorted(functions, key=lambda f: (-measure(f), f.path, f.line))
    over = [f for f in ranked if measure(f) > limit]
    total = _count(len(functions), "function")
    message = beyond(over, total) if over else within(ranked[0], total)
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
    ranked = sorted(sources, key=lambda m: (-m.counts.code, m.path))
    over = [m for m in ranked if m.counts.code > max_lines]
    total = _count(len(sources), "Python file")
    if not over:
        top = ranked[0]
        message = (
            f"No Python file has more than {max_lines:,} lines of code ({total} measured; "
            f"the largest is {top.path}, {top.counts.code:,})."
        )
    else:
        shown = ", ".join(f"{m.path} ({m.counts.code:,})" for m in over[:3])
        message = (
            f"{len(over):,} of {total} {_have(over)} more than {max_lines:,} lines of code: "
            f"{shown}."
        )
    evidence = tuple(Evidence(m.path, None, f"{m.counts.code:,} lines of code") for m in over)
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
