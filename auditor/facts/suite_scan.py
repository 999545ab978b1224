"""One test file's functions and classes, read from its syntax tree where it is parsed.

:func:`test_file_scan` is a module summary: it runs once per test file, in the worker that
parses it, and keeps only what deciding "is this a test, and does it check anything" needs
(names, lines, bases, whether a body asserts, which names it calls). What counts as a check
(pytest's helpers, assertion-helper prefixes, fixtures) is data:
``rules/vocabulary/testing.toml``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath

from auditor.source.languages.python import ParsedModule, module_summary
from auditor.vocabulary import term_set, terms

VOCABULARY = "testing"


@cache
def _set(key: str) -> frozenset[str]:
    return term_set(VOCABULARY, key)


@cache
def _tuple(key: str) -> tuple[str, ...]:
    return terms(VOCABULARY, key)


@dataclass(frozen=True)
class ScannedClass:
    """A class of a test file, as far as deciding which runner collects its methods needs."""

    name: str
    bases: tuple[str, ...]  # the base classes' names
    has_init: bool


@dataclass(frozen=True)
class ScannedFunction:
    """One function of a test file: what it checks directly and which names it calls."""

    name: str
    qualname: str
    line: int
    owner: ScannedClass | None  # the class it is a method of
    fixture: bool
    empty: bool  # only ``pass``, ``...`` or a docstring
    asserts: bool  # checks an outcome that can fail
    calls: frozenset[str]
    constant_checks: bool = False  # checks only constants: ``assert True``, ``assertEqual(1, 1)``
    discarded_comparison: bool = False  # ``x == y`` as a statement: its result thrown away


@dataclass(frozen=True)
class ScannedTestFile:
    """The functions and classes of one test file (:func:`test_file_scan`)."""

    path: str
    collectable: bool  # conftest.py holds fixtures, not tests
    imports_pytest: bool
    classes: tuple[tuple[str, tuple[str, ...]], ...]  # (name, base names) of every class
    functions: tuple[ScannedFunction, ...]
    #: Words of the module's short string constants (``"python main.py"``: python, main.py),
    #: bounded: how a test names the program it runs in a subprocess or requests over HTTP.
    words: frozenset[str] = frozenset()
    runs_programs: bool = False  # imports a module that runs programs (subprocess, os…)
    app_client: str | None = None  # a framework test client driving the project (django.test)


@module_summary
def test_file_scan(module: ParsedModule) -> ScannedTestFile | None:
    """One test file's functions and classes (None for code that holds no test).

    Code outside the test paths is scanned too when it defines a ``test*`` function or a
    ``Test*`` class: the project's pytest settings or unittest discovery may collect it.
    """
    if not module.is_test and not _may_hold_tests(module):
        return None
    scan = _ModuleScan(module.path, module.tree)
    imported = _imported_modules(module.tree)
    clients = _tuple("app_test_clients")
    return ScannedTestFile(
        path=module.path,
        collectable=scan.collectable,
        imports_pytest=scan.imports_pytest,
        classes=tuple(_classes(module.tree)),
        functions=tuple(scan.functions),
        words=_string_words(module),
        runs_programs=any(_is_within(name, _set("program_runners")) for name in imported),
        app_client=next((n for n in imported if _is_within(n, clients)), None),
    )


def _may_hold_tests(module: ParsedModule) -> bool:
    for node in module.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        name = node.name  # type: ignore[attr-defined]
        if name.startswith(("test", "Test")) or name.endswith("Tests"):
            return True
    return False


def _imported_modules(tree: ast.Module) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _is_within(module: str, names: Sequence[str] | frozenset[str]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in names)


MAX_WORDS = 2_000
MAX_STRING_CHARS = 300


def _string_words(module: ParsedModule) -> frozenset[str]:
    """The whitespace-separated words of the module's short string constants, bounded."""
    words: set[str] = set()
    for node in module.nodes_of(ast.Constant):
        value = node.value  # type: ignore[attr-defined]
        if isinstance(value, str) and len(value) <= MAX_STRING_CHARS:
            words.update(word for word in value.split() if len(word) <= 120)
            if len(words) >= MAX_WORDS:
                break
    return frozenset(sorted(words)[:MAX_WORDS])


class _ModuleScan:
    """The functions of one test file: where each is, what it checks, what it calls."""

    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.collectable = PurePosixPath(path).name not in _set("test_support_files")
        self.pytest_aliases, self.pytest_names = _pytest_imports(tree)
        self.imports_pytest = bool(self.pytest_aliases or self.pytest_names)
        self.functions: list[ScannedFunction] = []
        self._scan_body(tree.body, prefix="", owner=None)

    def _scan_body(self, body: Sequence[ast.stmt], prefix: str, owner: ScannedClass | None) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._add_function(node, prefix, owner)
            elif isinstance(node, ast.ClassDef):
                has_init = any(
                    isinstance(n, ast.FunctionDef) and n.name == "__init__" for n in node.body
                )
                scanned = ScannedClass(
                    node.name, tuple(base_name(base) for base in node.bases), has_init
                )
                self._scan_body(node.body, f"{prefix}{node.name}.", scanned)

    def _add_function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        prefix: str,
        owner: ScannedClass | None,
    ) -> None:
        checks = self._checks_in(node)
        self.functions.append(
            ScannedFunction(
                name=node.name,
                qualname=prefix + node.name,
                line=node.lineno,
                owner=owner,
                fixture=_is_fixture(node),
                empty=_is_stub(node),
                asserts=checks.real,
                calls=frozenset(checks.calls),
                constant_checks=checks.constant and not checks.real,
                discarded_comparison=checks.discarded,
            )
        )

    def _checks_in(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> _Checks:
        """What a function's body checks itself (an outcome that can fail, or only
        constants), whether it throws a comparison away, and the names it calls."""
        params = {a.arg for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs}
        found = _Checks(measuring=params & _set("measuring_fixtures"))
        for stmt in node.body:
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Call):
                    if self._call_check(sub.func, found.measuring, found.calls):
                        found.record(_constant_call(sub))
                elif isinstance(sub, ast.Assert):
                    found.record(_is_constant(sub.test) and not _explicit_failure(sub.test))
                elif isinstance(sub, ast.Raise) and _raises_assertion(sub):
                    found.record(constant=False)
                elif isinstance(sub, ast.Expr) and isinstance(sub.value, ast.Compare):
                    found.discarded = True
        return found

    def _call_check(self, func: ast.expr, measuring: set[str], calls: set[str]) -> bool:
        """Whether a call checks an outcome; records the called helper names on the way."""
        pytest_checks = _set("pytest_checks")
        helpers = _tuple("assertion_helper_prefixes")
        if isinstance(func, ast.Name):
            calls.add(func.id)
            if self.pytest_names.get(func.id) in pytest_checks:
                return True
            if func.id in measuring:
                return True
            return named_like(func.id, helpers)
        if isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if named_like(func.attr, ("assert",)):
                return True  # self.assertEqual, mock.assert_called_once_with, np.testing.assert_*
            if owner in self.pytest_aliases and func.attr in pytest_checks:
                return True
            if owner in ("self", "cls"):
                calls.add(func.attr)
                return named_like(func.attr, (*helpers, *_tuple("failing_method_prefixes")))
            if owner in measuring and func.attr == "pedantic":
                return True  # benchmark.pedantic(...): pytest-benchmark's explicit form
        return False


@dataclass
class _Checks:
    """What one test body checks, gathered in one walk."""

    measuring: set[str]
    calls: set[str] = field(default_factory=set)
    real: bool = False
    constant: bool = False
    discarded: bool = False

    def record(self, constant: bool) -> None:
        if constant:
            self.constant = True
        else:
            self.real = True


def _is_constant(node: ast.expr) -> bool:
    """Whether an expression is built of literals only (``True``, ``1 == 1``, ``"a" in "ab"``):
    its value is the same whatever the project's code does."""
    pending: list[ast.AST] = [node]
    budget = 200
    while pending and budget:
        budget -= 1
        current = pending.pop()
        if isinstance(current, ast.Constant):
            continue
        if isinstance(current, ast.Compare | ast.BoolOp | ast.BinOp | ast.UnaryOp):
            pending.extend(ast.iter_child_nodes(current))
        elif isinstance(current, ast.Tuple | ast.List | ast.Set):
            pending.extend(current.elts)
        elif isinstance(current, ast.cmpop | ast.boolop | ast.operator | ast.unaryop):
            continue
        else:
            return False
    return not pending


def _explicit_failure(node: ast.expr) -> bool:
    """``assert False`` (or ``0``, ``None``): written where the test must fail when reached,
    as ``pytest.fail()`` is; it can fail."""
    return isinstance(node, ast.Constant) and not node.value


def _constant_call(call: ast.Call) -> bool:
    """Whether a check call compares literals only: ``self.assertTrue(True, "msg")`` or
    ``self.assertEqual("done", "done")``. A mock's ``assert_called_with(1)`` checks the mock,
    and a helper's literal arguments feed the project's code: only the TestCase methods that
    judge their own arguments (the vocabulary's list) are judged by their arguments."""
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("self", "cls")
        and func.attr in _set("value_assertions")
    ):
        return False
    values = [*call.args, *(k.value for k in call.keywords)]
    explicit = func.attr in _set("truth_assertions") and values and _explicit_failure(values[0])
    if explicit:
        return False  # self.assertTrue(False, "unreachable"): an explicit failure
    return bool(values) and all(_is_constant(v) for v in values)


def named_like(name: str, prefixes: Sequence[str]) -> bool:
    """Whether a name starts with one of ``prefixes`` as a word: ``assert_ok``, ``assertEqual``,
    ``_verify``, ``expect`` do; ``checkout`` and ``failure_count`` do not."""
    name = name.lstrip("_")
    for prefix in prefixes:
        if name[: len(prefix)].lower() == prefix:
            rest = name[len(prefix) :]
            if not rest or rest[0] == "_" or rest[0].isupper() or rest[0].isdigit():
                return True
    return False


def _classes(tree: ast.Module) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(name, base names) of the classes at module level and nested in classes."""
    pending: list[ast.stmt] = list(_top_level(tree.body))
    while pending:  # function bodies skipped
        node = pending.pop()
        if isinstance(node, ast.ClassDef):
            yield node.name, tuple(base_name(b) for b in node.bases)
            pending.extend(node.body)


def base_name(node: ast.expr) -> str:
    """The name a base class or decorator expression ends with (``unittest.TestCase``: TestCase)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):  # Generic[T]-style bases
        return base_name(node.value)
    return ""


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    decorators = _set("fixture_decorators")
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if base_name(target) in decorators:
            return True
    return False


def _is_stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A body of only ``pass``, ``...`` and docstrings: a placeholder, not a test."""
    for stmt in node.body:
        if isinstance(stmt, ast.Pass):
            continue
        value = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(value, ast.Constant) and (
            isinstance(value.value, str) or value.value is Ellipsis
        ):
            continue
        return False
    return True


def _raises_assertion(node: ast.Raise) -> bool:
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return exc is not None and base_name(exc) in _set("assertion_errors")


def _pytest_imports(tree: ast.Module) -> tuple[frozenset[str], dict[str, str]]:
    """Local names bound to the pytest module, and names imported from it (local -> original)."""
    aliases: set[str] = set()
    names: dict[str, str] = {}
    for node in _top_level(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "pytest":
                    aliases.add(alias.asname or "pytest")
        elif isinstance(node, ast.ImportFrom) and node.module == "pytest" and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = alias.name
    return frozenset(aliases), names


def _top_level(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, looking inside ``if``/``try`` blocks but not into definitions."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _top_level(block)
            for handler in node.handlers:
                yield from _top_level(handler.body)


__all__ = [
    "ScannedClass",
    "ScannedFunction",
    "ScannedTestFile",
    "base_name",
    "named_like",
    "test_file_scan",
]
