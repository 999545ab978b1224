"""Python: each module parsed once, its tree walked once, summarised where it is parsed.

A syntax tree is expensive to build and more expensive to move between processes (unpickling
one costs more than parsing the source again), so trees never travel. Code that needs a tree
declares a *tree summary* (:func:`module_summary`): a pure function of one parsed module
returning small picklable data. Every registered tree summary runs right after the module is
parsed, in the same process, and only the summaries come back (the worker processes are in
:mod:`auditor.source.languages.python_workers`).

One of them, :func:`neutral_summary`, fills the language-neutral
:class:`~auditor.source.languages.summary.ModuleSummary` the checks read; :data:`PYTHON` is
the :class:`~auditor.source.languages.Language` that stands for all of this.

``PythonModule.tree`` still gives the tree of one file (setup.py, noxfile.py): it is parsed
again on first use, which is cheap for one file and wasteful for all of them.
"""

from __future__ import annotations

import ast
import importlib
import pickle
import re
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from auditor.source.languages.python_api import public_definitions
from auditor.source.languages.python_lines import count_lines
from auditor.source.languages.python_measures import measure_module
from auditor.source.languages.summary import (
    ClassSummary,
    ImportSummary,
    LineCounts,
    ModuleSummary,
    UnitTest,
)
from auditor.source.suite_paths import is_test_path

T = TypeVar("T")

# CPython's parser is not safe to run from two threads while the garbage collector runs
# (gh-106905: "AST constructor recursion depth mismatch"); parsing is serialised.
_PARSE_LOCK = threading.Lock()


@dataclass(frozen=True)
class ParsedModule:
    """What a module summary sees: one module's tree and the nodes of one walk of it."""

    path: str
    text: str
    tree: ast.Module
    nodes: Sequence[ast.AST]  # every node, in :func:`ast.walk` order
    is_test: bool
    counts: LineCounts
    #: The positions in ``nodes`` of each kind of node, indexed on first use: every summary
    #: asks for a few kinds, and one pass serves them all.
    _positions: dict[type, list[int]] = field(default_factory=dict, repr=False, compare=False)

    def nodes_of(self, *kinds: type[ast.AST]) -> list[ast.AST]:
        """The nodes of these kinds, in :func:`ast.walk` order."""
        positions = self._positions
        if not positions and self.nodes:
            for index, node in enumerate(self.nodes):
                positions.setdefault(type(node), []).append(index)
        found = [positions.get(kind, ()) for kind in dict.fromkeys(kinds)]
        chosen = found[0] if len(found) == 1 else sorted(i for f in found for i in f)
        nodes = self.nodes
        return [nodes[i] for i in chosen]


class TreeSummary(Generic[T]):
    """A fact about one module, computed from its tree (see :func:`module_summary`).

    Call it with a :class:`PythonModule` to get the module's value; a summary that raised
    raises the same exception again.
    """

    def __init__(self, compute: Callable[[ParsedModule], T]) -> None:
        self.compute = compute
        self.key = f"{compute.__module__}:{compute.__qualname__}"
        self.__doc__ = compute.__doc__
        self.__name__ = compute.__name__

    def __call__(self, module: PythonModule) -> T:
        return module.summary(self)

    def __repr__(self) -> str:
        return f"<module summary {self.key}>"


_SUMMARIES: dict[str, TreeSummary[Any]] = {}


def module_summary(compute: Callable[[ParsedModule], T]) -> TreeSummary[T]:
    """Register a pure function of one parsed module, run wherever the module is parsed.

    The function must be defined at the top level of a module (workers find it by name) and
    return picklable data. It runs once per parsed module, tests included; modules Python
    cannot parse have no summaries (check :attr:`PythonModule.parsed` first).
    """
    summary = TreeSummary(compute)
    _SUMMARIES[summary.key] = summary
    return summary


def registered_summaries() -> tuple[TreeSummary[Any], ...]:
    return tuple(_SUMMARIES.values())


@dataclass(frozen=True)
class _Raised:
    """A summary that raised: the exception is raised again when the summary is read."""

    exc: Exception


@dataclass(frozen=True, eq=False)
class PythonModule:
    """One Python file at HEAD: its text, why it does not parse (if so), its lines, and the
    summaries of its tree."""

    path: str
    text: str
    error: str | None  # None when the module parsed
    counts: LineCounts
    is_test: bool
    max_depth: int = 400
    summaries: dict[str, Any] = field(default_factory=dict, repr=False)
    _tree: list[ast.Module] = field(default_factory=list, repr=False)

    @property
    def parsed(self) -> bool:
        """Whether Python parsed the module (within the depth bound)."""
        return self.error is None

    @property
    def tree(self) -> ast.Module | None:
        """The syntax tree (parsed again on first use), or None when the module does not parse.

        Prefer a :func:`module_summary`: reading the tree of every module parses each twice.
        """
        if self.error is not None:
            return None
        if not self._tree:
            tree = _parse(self.text, self.path)
            if not self._tree:
                self._tree.append(tree)
        return self._tree[0]

    def summary(self, summary: TreeSummary[T]) -> T:
        """The value of one summary for this module (computed now if it is registered late)."""
        if self.error is not None:
            raise ValueError(f"{self.path} does not parse: it has no {summary.__name__}")
        value = self.summaries.get(summary.key, _MISSING)
        if value is _MISSING:
            tree = self.tree
            assert tree is not None
            nodes, _, _ = _walk(tree, sys.maxsize)
            parsed = ParsedModule(self.path, self.text, tree, nodes, self.is_test, self.counts)
            value = _run_summary(summary, parsed)
            self.summaries[summary.key] = value
        if isinstance(value, _Raised):
            raise value.exc
        return value  # type: ignore[no-any-return]


_MISSING: Any = object()


# ------------------------------------------------------------------------------ one module


def analyse_module(
    path: str,
    text: str,
    *,
    max_depth: int,
    summaries: Sequence[TreeSummary[Any]] | None = None,
) -> PythonModule:
    """Parse one file, count its lines and run the summaries on its tree.

    A file Python cannot parse (or nested deeper than ``max_depth``) gets an ``error`` and no
    summaries; nothing raises. The tree is not kept.
    """
    if summaries is None:
        summaries = registered_summaries()
    is_test = is_test_path(path)
    try:
        tree = _parse(text, path)
    except SyntaxError as exc:
        error = f"syntax error at line {exc.lineno}: {exc.msg}"
        return _unparsed(path, text, error, is_test, max_depth)
    except (ValueError, MemoryError, RecursionError) as exc:
        return _unparsed(path, text, f"cannot parse: {type(exc).__name__}", is_test, max_depth)
    nodes, depth, docstring_lines = _walk(tree, max_depth)
    if depth > max_depth:
        docstring_lines = _docstring_lines_within(tree, max_depth)
        error = f"nested deeper than {max_depth} levels"
        return _unparsed(path, text, error, is_test, max_depth, docstring_lines)
    counts = count_lines(text, docstring_lines, parsed=True)
    parsed = ParsedModule(path, text, tree, nodes, is_test, counts)
    return PythonModule(
        path=path,
        text=text,
        error=None,
        counts=counts,
        is_test=is_test,
        max_depth=max_depth,
        summaries={s.key: _run_summary(s, parsed) for s in summaries},
    )


def _unparsed(
    path: str, text: str, error: str, is_test: bool, max_depth: int, docstring_lines: int = 0
) -> PythonModule:
    counts = count_lines(text, docstring_lines)
    return PythonModule(path, text, error, counts, is_test, max_depth)


#: The file name the parser is given: warnings about the audited code (an invalid escape, a
#: ``return`` in ``finally``) are attributed to it, and a filter at the head of the process's
#: list drops them. ``warnings.catch_warnings`` would do it per call, but it swaps the whole
#: list and is not thread-safe: a filter another thread installs meanwhile (a library
#: silencing its own warning on import) would be lost, and that warning would reach
#: standard error, which carries the auditor's own lines only.
_AUDITED = "<audited>"


def _parse(text: str, path: str) -> ast.Module:
    with _PARSE_LOCK:
        head = warnings.filters[0] if warnings.filters else None
        if head is None or head[0] != "ignore" or getattr(head[3], "pattern", "") != _AUDITED:
            warnings.filterwarnings("ignore", module=re.escape(_AUDITED))  # adds, never drops
        try:
            return ast.parse(text, filename=_AUDITED)
        except SyntaxError as exc:
            exc.filename = path
            raise


def _run_summary(summary: TreeSummary[Any], module: ParsedModule) -> Any:
    try:
        return summary.compute(module)
    except Exception as exc:  # noqa: BLE001 - kept, and raised where the summary is read
        return _Raised(exc)


_SCOPES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _walk(tree: ast.Module, limit: int) -> tuple[list[ast.AST], int, int]:
    """One breadth-first walk: every node in :func:`ast.walk` order, the tree's nesting depth
    (stopping past ``limit``, so a deep tree cannot run long) and the lines in docstrings."""
    nodes: list[ast.AST] = []
    level: list[ast.AST] = [tree]
    depth = docstring_lines = 0
    AST = ast.AST
    while level:
        depth += 1
        if depth > limit:
            break
        nodes.extend(level)
        following: list[ast.AST] = []
        append = following.append
        for node in level:
            if isinstance(node, _SCOPES) and node.body:
                docstring_lines += _docstring_span(node.body[0])
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, AST):
                    append(value)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, AST):
                            append(item)
        level = following
    return nodes, depth, docstring_lines


def _docstring_span(first: ast.stmt) -> int:
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return (first.end_lineno or first.lineno) - first.lineno + 1
    return 0


def _docstring_lines_within(tree: ast.AST, limit: int) -> int:
    """Docstring lines met by a depth-first walk that stops past ``limit`` (for a tree too
    deep to analyse, whose line counts still report the docstrings seen before the bound)."""
    deepest = docstring_lines = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
        if isinstance(node, _SCOPES) and node.body:
            docstring_lines += _docstring_span(node.body[0])
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return docstring_lines


def recursion_headroom() -> None:
    """Give the parser room for deep but legitimate code without risking the interpreter."""
    if sys.getrecursionlimit() < 4000:
        sys.setrecursionlimit(4000)


def summary_by_key(key: str) -> TreeSummary[Any]:
    """The tree summary registered as ``key``, importing the module that defines it."""
    if key not in _SUMMARIES:
        importlib.import_module(key.split(":", 1)[0])  # a fresh worker: registers its summaries
    return _SUMMARIES[key]


def picklable(value: Any) -> Any:
    """A summary's value, with an exception that refuses pickling replaced by one that does not."""
    if isinstance(value, _Raised):
        try:
            pickle.dumps(value.exc)
        except Exception:  # noqa: BLE001 - any exception type may refuse pickling
            return _Raised(RuntimeError(f"{type(value.exc).__name__}: {value.exc}"))
    return value


# ------------------------------------------------------------------------------ the language


@module_summary
def neutral_summary(module: ParsedModule) -> ModuleSummary:
    """What the checks read of one parsed module (see :class:`ModuleSummary`)."""
    imports: list[ImportSummary] = []
    classes: list[ClassSummary] = []
    tests: list[UnitTest] = []
    for node in module.nodes_of(*_OUTLINE_KINDS):  # one pass over the walked nodes
        if isinstance(node, ast.Import):
            imports.extend(ImportSummary(alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imports.append(ImportSummary("." * node.level + (node.module or ""), node.lineno))
        elif isinstance(node, ast.ClassDef):
            classes.append(ClassSummary(node.name, node.lineno))
        elif (
            module.is_test
            and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test")
        ):
            tests.append(UnitTest(node.name, node.lineno))
    common: dict[str, Any] = {
        "path": module.path,
        "language": PYTHON.name,
        "is_test": module.is_test,
        "lines": module.counts,
        "imports": tuple(imports),
        "classes": tuple(classes),
    }
    if module.is_test:
        return ModuleSummary(**common, test_functions=tuple(tests))
    api = tuple(public_definitions(module.path, module.tree))
    try:
        functions, index = measure_module(module.tree, module.counts)
    except Exception:  # noqa: BLE001 - measuring failing on one file must not end the audit
        return ModuleSummary(**common, public_api=api, measure_failed=True)
    return ModuleSummary(
        **common, public_api=api, measured=True, functions=functions, maintainability=index
    )


_OUTLINE_KINDS = (ast.Import, ast.ImportFrom, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def summary_of(module: PythonModule) -> ModuleSummary:
    """The neutral summary of a module analysed here or in a worker, parsed or not."""
    if module.parsed:
        return neutral_summary(module)
    return ModuleSummary(
        path=module.path,
        language=PYTHON.name,
        is_test=module.is_test,
        lines=module.counts,
        parse_error=module.error,
    )


class PythonLanguage:
    """Python source files (``*.py``), read with :mod:`ast`."""

    name = "python"

    def matches(self, path: str) -> bool:
        """Whether ``path`` is a Python source file."""
        return path.lower().endswith(".py")

    def summarise(self, path: str, text: str, *, max_depth: int = 400) -> ModuleSummary:
        """Parse one file and summarise it (a file that does not parse gets its line counts)."""
        module = analyse_module(path, text, max_depth=max_depth, summaries=(neutral_summary,))
        return summary_of(module)


#: The Python language, registered in :data:`auditor.source.languages.LANGUAGES`.
PYTHON = PythonLanguage()
