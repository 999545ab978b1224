"""Substance: is this real work (data, interfaces, error handling, size) or a tutorial clone?

Everything comes from module summaries (computed on each syntax tree where it is parsed) and
the file index: imports are collected once per module (:func:`module_imports`) and shared by
the rules that need them. Test code is left out: a database fixture in a test does not make
the project store data.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from auditor.checks.packaging import console_scripts, main_entry_points
from auditor.checks.registry import primitive
from auditor.model import Evidence, Outcome
from auditor.source.python import ParsedModule, PythonModule, module_summary
from auditor.source.readme import readme
from auditor.source.snapshot import Snapshot, fact, is_vendored

MAX_EVIDENCE = 5

# ----------------------------------------------------------------------------- shared imports


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


def _shown(evidence: list[Evidence]) -> str:
    return ", ".join(f"{e.path}:{e.line}" if e.line else e.path for e in evidence[:3])


# ----------------------------------------------------------------------------- SUB001

#: Common beginner projects: (label, pattern over the words of a name, spaces optional).
TUTORIALS: tuple[tuple[str, str], ...] = (
    ("calculator", r"calc(?: ?ulator)?"),
    ("to-do list", r"to ?do(?: ?list)?"),
    ("tic-tac-toe", r"tic ?tac ?toe|noughts ?and ?crosses"),
    ("hangman", r"hang ?man"),
    ("rock-paper-scissors", r"rock ?paper ?scissors?|rps"),
    ("weather app", r"weather(?: ?app| ?forecast)?"),
    (
        "number guessing game",
        r"number ?guess(?:ing|er)?(?: ?game)?|guess(?:ing)? ?(?:the ?)?number|guessing ?game",
    ),
    ("quiz app", r"quiz(?:zes)?|trivia"),
    ("snake game", r"snake(?: ?game)?"),
    ("password generator", r"password ?gen(?:erator)?|pass ?gen"),
    ("dice roller", r"dice(?: ?roll(?:er|ing)?)?"),
    ("unit converter", r"(?:unit|currency|temperature|length) ?convert(?:er|or)"),
    ("blog tutorial", r"blog(?: ?tutorial)?|flaskr"),
    ("Flask tutorial", r"flask ?tutorial"),
    ("Django tutorial (polls)", r"django ?(?:tutorial|polls)|polls|mysite"),
    ("hello world", r"hello ?world"),
    ("FizzBuzz", r"fizz ?buzz"),
    ("mad libs", r"mad ?libs?"),
    ("timer or clock", r"countdown(?: ?timer)?|pomodoro(?: ?timer)?|stop ?watch|alarm ?clock"),
    ("expense tracker", r"expense ?tracker"),
    ("contact book", r"(?:contact|address|phone) ?book"),
    ("URL shortener", r"url ?shortener"),
    ("arcade clone", r"pong|flappy ?bird|space ?invaders"),
    ("Caesar cipher", r"caesar ?cipher"),
    ("QR code generator", r"qr ?code ?gen(?:erator)?"),
    ("management system exercise", r"(?:student|library) ?management(?: ?system)?"),
    (
        "tutorial or course exercise",
        r"tutorial|100 ?days ?of ?code|learn(?:ing)? ?python|python ?(?:basics|exercises|practice)",
    ),
)
# Words glued to a tutorial name (`pytodo`, `todoapp`, `TicTacToeGame`) still match it.
_GLUED_BEFORE = r"(?:py|my|simple|basic|python)?"
_GLUED_AFTER = r"(?:app|apps|list|game|gui|cli|py|bot|s)?"
_TUTORIAL_PATTERNS = tuple(
    (label, re.compile(rf"(?:^| ){_GLUED_BEFORE}(?:{pattern}){_GLUED_AFTER}(?= |$)"))
    for label, pattern in TUTORIALS
)
_POLLS_APP = re.compile(r"(?:^|/)polls/(?:models|views|apps|urls)\.py$")


def name_words(text: str) -> str:
    """A name as lower-case words: ``TicTacToe_game`` -> ``tic tac toe game``."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    return " ".join(w for w in re.split(r"[^a-z0-9]+", text.lower()) if w)


def tutorial_match(text: str) -> str | None:
    """The tutorial project a name looks like, or None."""
    words = name_words(text)
    for label, pattern in _TUTORIAL_PATTERNS:
        if pattern.search(words):
            return label
    return None


def source_loc(snapshot: Snapshot) -> int:
    """Lines of Python code outside tests and vendored folders."""
    return sum(m.counts.code for m in snapshot.python_modules if not m.is_test)


@primitive("not_tutorial_clone")
def not_tutorial_clone(snapshot: Snapshot, *, max_tutorial_loc: int = 400) -> Outcome:
    """The project is more than a small copy of a common tutorial exercise."""
    document = readme(snapshot)
    title = document.title if document is not None else None
    clues: list[tuple[str, str, Evidence | None]] = []  # (what matched, tutorial, where)
    label = tutorial_match(snapshot.name)
    if label:
        clues.append((f"the repository name {snapshot.name!r}", label, None))
    label = tutorial_match(title) if title else None
    if label and document is not None:
        line = next((h.line for h in document.headings if h.text == title), None)
        clues.append((f"the README title {title!r}", label, Evidence(document.path, line)))
    polls = next((p for p in sorted(snapshot.files) if _POLLS_APP.search(p)), None)
    if polls is not None and not is_vendored(polls):
        clues.append(("a polls/ app", "Django tutorial (polls)", Evidence(polls)))
    if not clues:
        if title:
            shown = f"The name {snapshot.name!r} and the README title {title!r} do not"
        else:
            shown = f"The name {snapshot.name!r} does not"
        return Outcome.passed(f"{shown} match a common tutorial project.")
    what, tutorial, _ = clues[0]
    evidence = tuple(e for _, _, e in clues if e is not None)
    if not snapshot.python_modules:
        return Outcome.skipped(
            f"{what[0].upper()}{what[1:]} suggests the {tutorial} project, but there is no "
            "Python code to measure."
        )
    loc = source_loc(snapshot)
    if loc <= max_tutorial_loc:
        return Outcome.failed(
            f"{what[0].upper()}{what[1:]} matches the common {tutorial} exercise and the project "
            f"has only {loc:,} lines of code (at most {max_tutorial_loc:,}): it reads as a "
            "tutorial clone. Extend it (persistence, an API, tests) or feature something more "
            "original.",
            evidence,
        )
    return Outcome.passed(
        f"{what[0].upper()}{what[1:]} suggests the {tutorial} exercise, but {loc:,} lines of "
        f"code (more than {max_tutorial_loc:,}) show it grew well beyond one.",
        evidence,
    )


# ----------------------------------------------------------------------------- SUB002

DATABASE_MODULES = (
    "sqlite3",
    "sqlalchemy",
    "sqlmodel",
    "peewee",
    "pony",
    "tortoise",
    "psycopg",
    "psycopg2",
    "psycopg_pool",
    "asyncpg",
    "aiosqlite",
    "aiomysql",
    "pymysql",
    "mysql.connector",
    "MySQLdb",
    "pymongo",
    "motor",
    "mongoengine",
    "beanie",
    "odmantic",
    "redis",
    "aioredis",
    "cassandra",
    "neo4j",
    "elasticsearch",
    "opensearchpy",
    "duckdb",
    "tinydb",
    "shelve",
    "dbm",
    "pyodbc",
    "cx_Oracle",
    "oracledb",
    "django.db",
    "flask_sqlalchemy",
    "flask_migrate",
    "alembic",
    "databases",
    "piccolo",
    "edgedb",
    "prisma",
    "sqlite_utils",
    "dataset",
    "ZODB",
    "lmdb",
    "plyvel",
    "clickhouse_driver",
    "snowflake.connector",
    "influxdb_client",
    "chromadb",
    "qdrant_client",
    "pinecone",
    "weaviate",
    "lancedb",
    "supabase",
    "firebase_admin",
    "google.cloud.firestore",
    "google.cloud.bigquery",
)


def _data_files(snapshot: Snapshot) -> Iterator[Evidence]:
    for path in sorted(snapshot.files):
        if is_vendored(path):
            continue
        parts = path.lower().split("/")
        name = parts[-1]
        if name.endswith(".sql"):
            yield Evidence(path, None, "SQL file")
        elif name in ("alembic.ini", "schema.prisma"):
            yield Evidence(path, None, name)
        elif _is_migration(parts):
            yield Evidence(path, None, "database migration")


def _is_migration(parts: list[str]) -> bool:
    """A Django ``migrations/`` module or an Alembic ``versions/`` script."""
    folders, name = parts[:-1], parts[-1]
    if not name.endswith(".py") or name == "__init__.py":
        return False
    return "migrations" in folders or folders[-2:] == ["alembic", "versions"]


@primitive("persistent_data")
def persistent_data(snapshot: Snapshot) -> Outcome:
    """The project stores data: a database driver or ORM, migrations or SQL files."""
    found: list[Evidence] = []
    libraries: list[str] = []
    for module, imported, name in imports_of(snapshot, DATABASE_MODULES):
        libraries.append(name)
        found.append(Evidence(module.path, imported.line, f"imports {imported.module}"))
    files = list(_data_files(snapshot))
    if found or files:
        parts = []
        if libraries:
            parts.append(f"uses {', '.join(dict.fromkeys(libraries))} ({_shown(found)})")
        if files:
            kinds = ", ".join(dict.fromkeys(e.note or "" for e in files))
            parts.append(f"has {kinds} ({_shown(files)})")
        evidence = (found[:3] + files[:3])[:MAX_EVIDENCE]
        return Outcome.passed(f"The project {' and '.join(parts)}.", tuple(evidence))
    if not source_modules(snapshot):
        return Outcome.skipped("There is no Python code (outside tests) to judge.")
    return Outcome.failed(
        "No persistent data found: no database driver or ORM import (sqlite3, SQLAlchemy, "
        "Django models, psycopg, pymongo, redis…), no migrations and no .sql files."
    )


# ----------------------------------------------------------------------------- SUB003

WEB_FRAMEWORKS = (
    "fastapi",
    "flask",
    "django",
    "starlette",
    "aiohttp.web",
    "tornado.web",
    "sanic",
    "bottle",
    "falcon",
    "pyramid",
    "litestar",
    "quart",
    "cherrypy",
    "connexion",
    "flask_restful",
    "rest_framework",
    "ninja",
    "graphene",
    "strawberry",
    "ariadne",
    "grpc",
    "socketio",
)
HTTP_CLIENTS = ("requests", "httpx", "aiohttp", "urllib.request", "urllib3", "http.client")
CLI_LIBRARIES = ("argparse", "click", "typer", "fire", "docopt", "cyclopts", "plac")
UI_LIBRARIES = (
    "streamlit",
    "gradio",
    "dash",
    "panel",
    "nicegui",
    "flet",
    "tkinter",
    "customtkinter",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "PySide6",
    "kivy",
    "textual",
    "curses",
    "pygame",
    "wx",
    "prompt_toolkit",
    "discord",
    "telegram",
    "aiogram",
    "slack_bolt",
)
_ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "route"}
_ROUTE_METHODS |= {"websocket", "api_route", "view"}
_ROUTE_CALLS = {"add_url_rule", "add_api_route", "add_route", "add_get", "add_post"}
_ROUTE_CALLS |= {"add_api_websocket_route", "add_resource"}


def web_routes(module: PythonModule) -> Iterator[Evidence]:
    """Web routes: ``@app.get("/x")``, ``@bp.route(…)``, ``add_url_rule("/x")``, urlpatterns."""
    return iter(routes_in(module))


@module_summary
def routes_in(module: ParsedModule) -> tuple[Evidence, ...]:
    """The web routes of one module."""
    return tuple(_find_routes(module))


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_ASSIGNMENTS = (ast.Assign, ast.AugAssign, ast.AnnAssign)


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


@primitive("api_or_interface")
def api_or_interface(snapshot: Snapshot) -> Outcome:
    """The project exposes an interface: web routes, an HTTP client, a CLI or a UI."""
    modules = source_modules(snapshot)
    kinds: dict[str, list[Evidence]] = {}
    for module in modules:
        for evidence in web_routes(module):
            kinds.setdefault("web routes", []).append(evidence)
    groups = (
        ("a web framework", WEB_FRAMEWORKS),
        ("a command line", CLI_LIBRARIES),
        ("a user interface", UI_LIBRARIES),
        ("an HTTP client", HTTP_CLIENTS),
    )
    for kind, names in groups:
        for module, imported, _ in imports_of(snapshot, names):
            note = f"imports {imported.module}"
            kinds.setdefault(kind, []).append(Evidence(module.path, imported.line, note))
    for entry in console_scripts(snapshot):
        note = f"console script {entry.name}"
        kinds.setdefault("a console script", []).append(Evidence(entry.path, entry.line, note))
    if kinds:
        parts = []
        for kind, found in kinds.items():
            labels = dict.fromkeys((e.note or "").rsplit(" ", 1)[-1] for e in found)
            detail = "" if kind == "web routes" else f" ({', '.join(list(labels)[:3])})"
            parts.append(f"{kind}{detail} at {_shown(found)}")
        # one piece of evidence per kind first, then the rest
        shown = [items[0] for items in kinds.values()]
        shown += [e for items in kinds.values() for e in items[1:]]
        return Outcome.passed(
            f"The project exposes an interface: {'; '.join(parts)}.",
            tuple(shown[:MAX_EVIDENCE]),
        )
    if not modules:
        return Outcome.skipped("There is no Python code (outside tests) to judge.")
    return Outcome.failed(
        "No interface found: no web routes (FastAPI, Flask, Django), no HTTP client, no "
        "command line (argparse, click, typer, a console script) and no user interface."
    )


# ----------------------------------------------------------------------------- SUB004

LOGGING_MODULES = ("logging", "loguru", "structlog", "logbook")
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
_CLI_IMPORTS = ("argparse", "click", "typer", "fire", "docopt", "cyclopts")
_CLI_FOLDERS = {"scripts", "bin", "examples", "example"}
_BROAD = {"Exception", "BaseException"}

#: Weights of the three parts of the error-handling score (documented in the rule pack).
HANDLING_WEIGHT, LOGGING_WEIGHT, OUTPUT_WEIGHT = 0.4, 0.3, 0.3
NO_HANDLERS_SCORE = 0.5


@dataclass(frozen=True)
class BadHandler:
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


@fact
def _entry_point_paths(snapshot: Snapshot) -> frozenset[str]:
    """Modules with a ``__main__`` block, __main__.py files and console scripts' modules."""
    paths = {entry.path for entry in main_entry_points(snapshot)}
    for entry in console_scripts(snapshot):
        paths.update(entry.module_paths)
    return frozenset(paths)


def is_cli_module(snapshot: Snapshot, module: PythonModule) -> bool:
    """Whether printing is the module's job: a program entry point, not library code."""
    path = PurePosixPath(module.path)
    if path.name in ("__main__.py", "cli.py", "manage.py") or path.stem.endswith("_cli"):
        return True
    if any(part in _CLI_FOLDERS for part in path.parts[:-1]):
        return True
    if module.path in _entry_point_paths(snapshot):
        return True
    imports = module_imports(snapshot).get(module.path, ())
    return any(i.matches(_CLI_IMPORTS) for i in imports)


@dataclass(frozen=True)
class ErrorHandlingFacts:
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
def error_handling_facts(snapshot: Snapshot) -> ErrorHandlingFacts:
    """Exception handlers, logging and print use across the non-test modules."""
    handlers = 0
    bad: list[BadHandler] = []
    logging: list[Evidence] = []
    printing: list[Evidence] = []
    library = 0
    imports = module_imports(snapshot)
    for module in source_modules(snapshot):
        logs = any(i.matches(LOGGING_MODULES) for i in imports.get(module.path, ()))
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
    return ErrorHandlingFacts(handlers, tuple(bad), tuple(logging), library, tuple(printing))


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


@primitive("error_handling")
def error_handling(snapshot: Snapshot) -> Outcome:
    """Errors are caught specifically and reported through logging rather than print."""
    if not source_modules(snapshot):
        return Outcome.skipped("There is no Python code (outside tests) to judge.")
    facts = error_handling_facts(snapshot)
    if not facts.handlers:
        handling = "no exception handling at all (half credit)"
    elif facts.bad:
        shown = ", ".join(f"{b.path}:{b.line}" for b in facts.bad[:3])
        handling = (
            f"{len(facts.bad)} of {facts.handlers} exception handlers are bare or swallow "
            f"every error ({shown})"
        )
    else:
        handling = f"all {facts.handlers} exception handlers are specific or re-raise"
    if facts.logging:
        logging = f"logging is used ({_shown(list(facts.logging))})"
    else:
        logging = "no logging (import logging and use a logger)"
    if facts.printing:
        printing = (
            f"print() in {len(facts.printing)} of {facts.library_modules} library modules "
            f"({_shown(list(facts.printing))})"
        )
    else:
        printing = "no print() in library code"
    score = facts.score
    formula = (
        f"score {HANDLING_WEIGHT} x {facts.handling:.2f} + {LOGGING_WEIGHT} x "
        f"{1.0 if facts.logging else 0.0:.2f} + {OUTPUT_WEIGHT} x {facts.output:.2f} "
        f"= {score:.2f}"
    )
    evidence = [Evidence(b.path, b.line, b.kind) for b in facts.bad[:MAX_EVIDENCE]]
    evidence += list(facts.printing[: max(0, MAX_EVIDENCE - len(evidence))])
    return Outcome.graded(
        round(score, 4),
        f"{handling[0].upper()}{handling[1:]}; {logging}; {printing} ({formula}).",
        tuple(evidence),
    )


# ----------------------------------------------------------------------------- SUB005


@primitive("substantial_size")
def substantial_size(snapshot: Snapshot, *, min_loc: int = 500) -> Outcome:
    """The project has enough Python code to show real work."""
    if not snapshot.python_modules:
        return Outcome.skipped("There is no Python code to measure.")
    loc = source_loc(snapshot)
    files = sum(1 for m in snapshot.python_modules if not m.is_test)
    if loc >= min_loc:
        return Outcome.passed(
            f"{loc:,} lines of Python code outside tests in {files} file(s) (at least {min_loc:,})."
        )
    return Outcome.graded(
        loc / min_loc if min_loc > 0 else 1.0,
        f"Only {loc:,} lines of Python code outside tests in {files} file(s); {min_loc:,} "
        "or more show a project of some substance.",
    )
