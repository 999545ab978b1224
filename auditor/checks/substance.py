"""Substance: is this real work (data, interfaces, error handling, size) or a tutorial clone?

The rules read facts: the imports, routes and exception handlers of the code
(:mod:`auditor.facts.code`), the technology catalogue by kind (databases, web frameworks,
command-line and user-interface libraries, HTTP clients: the same records the role profiles
use), the entry points, and the tutorial names of ``rules/vocabulary/tutorials.toml``. Test
code is left out: a database fixture in a test does not make the project store data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from auditor.checks.registry import primitive
from auditor.facts.catalogue import modules_of
from auditor.facts.code import (
    HANDLING_WEIGHT,
    LOGGING_WEIGHT,
    OUTPUT_WEIGHT,
    error_handling,
    imports_of,
    source_modules,
    web_routes,
)
from auditor.facts.entrypoints import console_scripts
from auditor.model import Evidence, Outcome
from auditor.source.readme import readme
from auditor.source.snapshot import Snapshot, is_vendored
from auditor.source.suite_paths import is_test_path
from auditor.vocabulary import list_keys, term_list, term_set, terms

MAX_EVIDENCE = 5
TUTORIALS = "tutorials"
#: Words of a name beyond this are not read: names and titles are short.
MAX_NAME_WORDS = 24


def _shown(evidence: list[Evidence]) -> str:
    return ", ".join(f"{e.path}:{e.line}" if e.line else e.path for e in evidence[:3])


# ----------------------------------------------------------------------------- SUB001


def name_words(text: str) -> str:
    """A name as lower-case words: ``TicTacToe_game`` -> ``tic tac toe game``."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    return " ".join(w for w in re.split(r"[^a-z0-9]+", text.lower()) if w)


def _tutorials() -> list[tuple[str, frozenset[str]]]:
    """(label, names written without spaces) of every tutorial, in the file's order."""
    glue = {"glued_before", "glued_after", "polls_app"}
    return [
        (term_list(TUTORIALS, key).describe, term_set(TUTORIALS, key))
        for key in list_keys(TUTORIALS)
        if key not in glue
    ]


def tutorial_match(text: str) -> str | None:
    """The tutorial project a name looks like, or None.

    Some run of the name's words, joined without spaces, must be a tutorial's name, possibly
    glued to one of ``glued_before`` and one of ``glued_after``: membership tests on at most
    ``MAX_NAME_WORDS``² short strings, no regular expression.
    """
    words = name_words(text).split()[:MAX_NAME_WORDS]
    runs = {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
    before = ("", *terms(TUTORIALS, "glued_before"))
    after = ("", *terms(TUTORIALS, "glued_after"))
    cores: set[str] = set()
    for run in runs:
        for prefix in before:
            if not run.startswith(prefix):
                continue
            for suffix in after:
                if run.endswith(suffix) and len(run) > len(prefix) + len(suffix):
                    cores.add(run[len(prefix) : len(run) - len(suffix)])
    for label, names in _tutorials():
        if names & cores:
            return label
    return None


#: Files whose names tell what an application does: its modules, templates and scripts.
_NAMED_SUFFIXES = (".py", ".html", ".jinja", ".jinja2", ".j2", ".js", ".jsx", ".ts", ".tsx", ".vue")


def _tutorial_named_files(snapshot: Snapshot) -> list[str]:
    """Source and template files outside tests and vendored folders, shallowest first: a
    `todo.py` or `templates/todo.html` names the exercise however the README is titled."""
    found = [
        path
        for path, entry in snapshot.files.items()
        if entry.suffix in _NAMED_SUFFIXES
        and not is_vendored(path)
        and not is_test_path(path)
        and PurePosixPath(path).stem.lower() not in ("__init__", "index", "main", "app")
    ]
    return sorted(found, key=lambda p: (p.count("/"), p))[:500]


def _polls_app(path: str) -> bool:
    """A module of the Django tutorial's ``polls/`` app."""
    parts = path.split("/")
    return (
        len(parts) >= 2 and parts[-2] == "polls" and parts[-1] in term_set(TUTORIALS, "polls_app")
    )


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
    for path in _tutorial_named_files(snapshot):
        label = tutorial_match(PurePosixPath(path).stem)
        if label:
            clues.append((f"the file {path!r}", label, Evidence(path)))
            break
    polls = next((p for p in sorted(snapshot.files) if _polls_app(p)), None)
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

#: The kinds of technology that store data (SUB002).
DATA_KINDS = ("orm", "database", "migrations")


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
    for module, imported, name in imports_of(snapshot, modules_of(*DATA_KINDS)):
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

#: The kinds of technology that give a project an interface (SUB003), as messages name them.
INTERFACE_KINDS = (
    ("a web framework", "web"),
    ("a command line", "cli"),
    ("a user interface", "ui"),
    ("an HTTP client", "http_client"),
)


@primitive("api_or_interface")
def api_or_interface(snapshot: Snapshot) -> Outcome:
    """The project exposes an interface: web routes, an HTTP client, a CLI or a UI."""
    modules = source_modules(snapshot)
    kinds: dict[str, list[Evidence]] = {}
    for module in modules:
        for evidence in web_routes(module):
            kinds.setdefault("web routes", []).append(evidence)
    for kind, technology_kind in INTERFACE_KINDS:
        for module, imported, _ in imports_of(snapshot, modules_of(technology_kind)):
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


@primitive("error_handling")
def error_handling_rule(snapshot: Snapshot) -> Outcome:
    """Errors are caught specifically and reported through logging rather than print."""
    if not source_modules(snapshot):
        return Outcome.skipped("There is no Python code (outside tests) to judge.")
    facts = error_handling(snapshot)
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
