"""What the project's Python code does: its imports, web routes, exception handlers, logging.

Everything comes from module summaries (computed on each syntax tree where it is parsed):
imports are collected once per module (:func:`module_imports`) and shared by the stack fact
and the substance rules. Which imports are logging or a command-line library is read from
the technology catalogue, by kind.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from auditor.facts.catalogue import modules_of
from auditor.facts.entrypoints import entry_point_paths
from auditor.model import Evidence
from auditor.source.languages.python import ParsedModule, PythonModule, module_summary
from auditor.source.snapshot import Snapshot, fact

# ----------------------------------------------------------------------------- imports


@dataclass(frozen=True)
class Import:
    """One absolute import: ``import a.b`` or ``from a.b import c`` (relative ones are local)."""

    module: str  # the dotted module as written
    line: int

    @property
    def top(self) -> str:
        return self.module.split(".", 1)[0]

    def matches(self, names: Iterable[str]) -> str | None:
        """The first of ``names`` this import is (or is inside), or None."""
        for name in names:
            if self.module == name or self.module.startswith(name + "."):
                return name
        return None


@fact
def module_imports(snapshot: Snapshot) -> dict[str, tuple[Import, ...]]:
    """The absolute imports of every parsed Python module, by path (one walk per tree)."""
    return {m.path: imports_in(m) for m in snapshot.python_modules if m.parsed}


@module_summary
def imports_in(module: ParsedModule) -> tuple[Import, ...]:
    """The absolute imports of one module, in the order :func:`ast.walk` meets them."""
    imports: list[Import] = []
    for node in module.nodes_of(ast.Import, ast.ImportFrom):
        if isinstance(node, ast.Import):
            imports.extend(Import(alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imports.append(Import(node.module, node.lineno))
    return tuple(imports)


def source_modules(snapshot: Snapshot) -> list[PythonModule]:
    """Parsed Python modules that are not tests."""
    return [m for m in snapshot.python_modules if not m.is_test and m.parsed]


def imports_of(
    snapshot: Snapshot, names: Iterable[str]
) -> Iterator[tuple[PythonModule, Import, str]]:
    """(module, import, matched name) for non-test imports of any of ``names``."""
    first = _first_match(names)
    table = module_imports(snapshot)
    for module in source_modules(snapshot):
        for imported in table.get(module.path, ()):
            name = first(imported.module)
            if name is not None:
                yield module, imported, name


def _first_match(names: Iterable[str]) -> Callable[[str], str | None]:
    """What :meth:`Import.matches` answers, by looking up the dotted prefixes of a module
    (``a``, ``a.b``, ``a.b.c``) instead of trying every name."""
    order: dict[str, int] = {}
    for index, name in enumerate(names):
        order.setdefault(name, index)
    by_index = {index: name for name, index in order.items()}

    def first(module: str) -> str | None:
        best: int | None = None
        end = module.find(".")
        while True:
            index = order.get(module if end < 0 else module[:end])
            if index is not None and (best is None or index < best):
                best = index
            if end < 0:
                return None if best is None else by_index[best]
            end = module.find(".", end + 1)

    return first


# ----------------------------------------------------------------------------- web routes

_ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "route"}
_ROUTE_METHODS |= {"websocket", "api_route", "view"}
_ROUTE_CALLS = {"add_url_rule", "add_api_route", "add_route", "add_get", "add_post"}
_ROUTE_CALLS |= {"add_api_websocket_route", "add_resource"}
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_ASSIGNMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign)


def web_routes(module: PythonModule) -> Iterator[Evidence]:
    """Web routes: ``@app.get("/x")``, ``@bp.route(…)``, ``add_url_rule("/x")``, urlpatterns."""
    return iter(routes_in(module))


@module_summary
def routes_in(module: ParsedModule) -> tuple[Evidence, ...]:
    """The web routes of one module."""
    return tuple(_find_routes(module))


def _find_routes(module: ParsedModule) -> Iterator[Evidence]:
    for node in module.nodes_of(ast.Call, *_DEFINITIONS, *_ASSIGNMENTS):
        if isinstance(node, ast.Call):
            func = node.func  # most calls are not routes: the attribute is checked first
            if (
                isinstance(func, ast.Attribute)
                and func.attr in _ROUTE_CALLS
                and _is_route(node, _ROUTE_CALLS)
            ):
                yield Evidence(module.path, node.lineno, "route registration")
        elif isinstance(node, _DEFINITIONS):
            for decorator in node.decorator_list:
                if _is_route(decorator, _ROUTE_METHODS):
                    yield Evidence(module.path, decorator.lineno, f"route {node.name}")
        elif isinstance(node, _ASSIGNMENTS):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "urlpatterns" for t in targets):
                yield Evidence(module.path, node.lineno, "Django URL patterns")


def _is_route(node: ast.expr, methods: set[str]) -> bool:
    """A call ``x.method("/path", …)`` (``route`` and ``add_resource`` need no slash)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    method = node.func.attr
    if method not in methods:
        return False
    if method in ("route", "add_resource", "api_route"):
        return True
    first = node.args[0] if node.args else None
    return isinstance(first, ast.Constant) and str(first.value).startswith("/")


# ----------------------------------------------------------------------------- error handling

_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
_CLI_FILES = ("__main__.py", "cli.py", "manage.py")
_CLI_FOLDERS = {"scripts", "bin", "examples", "example"}
_BROAD = {"Exception", "BaseException"}

#: Weights of the three parts of the error-handling score (documented in the rule pack).
HANDLING_WEIGHT, LOGGING_WEIGHT, OUTPUT_WEIGHT = 0.4, 0.3, 0.3
NO_HANDLERS_SCORE = 0.5


@dataclass(frozen=True)
class BadHandler:
    """An exception handler that hides errors."""

    path: str
    line: int
    kind: str  # "bare except:" or "except Exception: pass"


def _bad_handler(handler: ast.ExceptHandler) -> str | None:
    """Why a handler hides errors, or None when it does not."""
    if handler.type is None:
        reraises = any(isinstance(n, ast.Raise) for s in handler.body for n in ast.walk(s))
        return None if reraises else "bare `except:`"
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    broad = [n for n in names if _exception_name(n) in _BROAD]
    if broad and all(_does_nothing(statement) for statement in handler.body):
        return f"`except {_exception_name(broad[0])}:` that does nothing"
    return None


def _exception_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _does_nothing(statement: ast.stmt) -> bool:
    """``pass``, ``...``, ``continue`` or a bare string."""
    if isinstance(statement, ast.Pass | ast.Continue):
        return True
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def is_cli_module(snapshot: Snapshot, module: PythonModule) -> bool:
    """Whether printing is the module's job: a program entry point, not library code."""
    *folders, name = module.path.split("/")
    if name in _CLI_FILES or name.rpartition(".")[0].endswith("_cli"):
        return True
    if any(part in _CLI_FOLDERS for part in folders):
        return True
    if module.path in entry_point_paths(snapshot):
        return True
    imports = module_imports(snapshot).get(module.path, ())
    cli = modules_of("cli")
    return any(i.matches(cli) for i in imports)


@dataclass(frozen=True)
class ModuleHandling:
    """One module's exception handlers, and its first print() and logger-like call."""

    handlers: int
    bad: tuple[BadHandler, ...]
    first_print: int | None
    first_log_call: int | None  # a ``.info(…)``-like call: logging if the module imports it


@module_summary
def handling_in(module: ParsedModule) -> ModuleHandling:
    """Exception handlers, print() and logger calls of one module, in one pass over its nodes."""
    handlers = 0
    bad: list[BadHandler] = []
    first_log: int | None = None
    first_print: int | None = None
    for node in module.nodes_of(ast.ExceptHandler, ast.Call):
        if isinstance(node, ast.ExceptHandler):
            handlers += 1
            kind = _bad_handler(node)
            if kind is not None:
                bad.append(BadHandler(module.path, node.lineno, kind))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "print":
                first_print = min(first_print or node.lineno, node.lineno)
            elif isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS:
                first_log = min(first_log or node.lineno, node.lineno)
    return ModuleHandling(handlers, tuple(bad), first_print, first_log)


@dataclass(frozen=True)
class ErrorHandling:
    """Exception handlers, logging and print use across the non-test modules."""

    handlers: int
    bad: tuple[BadHandler, ...]
    logging: tuple[Evidence, ...]  # modules that log
    library_modules: int
    printing: tuple[Evidence, ...]  # library modules that print (first print of each)

    @property
    def handling(self) -> float:
        if not self.handlers:
            return NO_HANDLERS_SCORE
        return 1 - len(self.bad) / self.handlers

    @property
    def output(self) -> float:
        return 1 - len(self.printing) / self.library_modules if self.library_modules else 1.0

    @property
    def score(self) -> float:
        logs = 1.0 if self.logging else 0.0
        return HANDLING_WEIGHT * self.handling + LOGGING_WEIGHT * logs + OUTPUT_WEIGHT * self.output


@fact
def error_handling(snapshot: Snapshot) -> ErrorHandling:
    """Exception handlers, logging and print use across the non-test modules."""
    handlers = 0
    bad: list[BadHandler] = []
    logging: list[Evidence] = []
    printing: list[Evidence] = []
    library = 0
    imports = module_imports(snapshot)
    loggers = modules_of("logging")
    for module in source_modules(snapshot):
        logs = any(i.matches(loggers) for i in imports.get(module.path, ()))
        cli = is_cli_module(snapshot, module)
        if not cli:
            library += 1
        found = handling_in(module)
        handlers += found.handlers
        bad.extend(found.bad)
        if logs and found.first_log_call is not None:
            logging.append(Evidence(module.path, found.first_log_call, "logs"))
        if found.first_print is not None and not cli:
            printing.append(Evidence(module.path, found.first_print, "print() in library code"))
    bad.sort(key=lambda b: (b.path, b.line))
    return ErrorHandling(handlers, tuple(bad), tuple(logging), library, tuple(printing))
