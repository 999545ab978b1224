"""What the repository is: a library, a web app, a bot, an exercise collection…

A reviewer judges a project against what its kind needs: a library is not marked down for
lacking a database or a deployment, and a folder of course exercises is not a structured
application however tidy each script is. The kind is read from facts the audit already has
(the stack, entry points, packaging metadata, notebooks, the layout of the tree) and is
shown on the card with the reason. The words and technologies it goes by are data
(``rules/vocabulary/kinds.toml``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from auditor.facts.code import module_imports
from auditor.facts.entrypoints import console_scripts
from auditor.facts.manifests import declares_project, manifests, pyproject
from auditor.facts.notebooks import notebooks
from auditor.facts.stack import technologies
from auditor.source.languages.python import PythonModule
from auditor.source.snapshot import Snapshot, fact, is_vendored
from auditor.vocabulary import term_set

VOCABULARY = "kinds"
#: At least this many top-level exercises make a collection.
MIN_EXERCISES = 6


@dataclass(frozen=True)
class ProjectKind:
    """The kind of project and why the auditor thinks so."""

    kind: str
    reason: str
    code_lines: int


@fact
def project_kind(snapshot: Snapshot) -> ProjectKind:
    """The kind of the repository, with the evidence that decided it."""
    modules = [m for m in snapshot.python_modules if not m.is_test and not is_vendored(m.path)]
    code = sum(m.counts.code for m in modules)
    kind, reason = _decide(snapshot, modules)
    return ProjectKind(kind, reason, code)


def _decide(snapshot: Snapshot, modules: list[PythonModule]) -> tuple[str, str]:
    exercises = _exercises(snapshot)
    if exercises:
        return "exercise collection", exercises
    stack = technologies(snapshot)
    names = {d.technology for d in stack.detections}
    bots = names & term_set(VOCABULARY, "bot_technologies")
    if bots:
        return "bot", f"uses {', '.join(sorted(bots))}"
    if "web" in stack.kinds or "routes" in stack.kinds:
        return "web app", f"uses {', '.join(stack.names('web') or stack.names('routes'))}"
    books = notebooks(snapshot)
    code = sum(m.counts.code for m in modules)
    if books and code < 300:
        return "notebook analysis", f"{len(books)} notebook(s) and {code} lines of Python"
    if "ml" in stack.kinds or "llm" in stack.kinds:
        return "ml", f"uses {', '.join((stack.names('ml') + stack.names('llm'))[:3])}"
    if "pipeline" in stack.kinds:
        return "data pipeline", f"uses {', '.join(stack.names('pipeline')[:3])}"
    if _scrapes(snapshot) and "http_client" in stack.kinds:
        return "scraper", "fetches pages and parses HTML"
    games = names & term_set(VOCABULARY, "game_technologies")
    if games:
        return "game", f"uses {', '.join(sorted(games))}"
    desktop = names & term_set(VOCABULARY, "desktop_technologies")
    if desktop:
        return "desktop app", f"uses {', '.join(sorted(desktop))}"
    if console_scripts(snapshot) or "cli" in stack.kinds:
        return "cli", f"uses {', '.join(stack.names('cli')[:2]) or 'a console script'}"
    file = pyproject(snapshot)
    packaged = (file is not None and declares_project(file)) or any(
        path in ("setup.py", "setup.cfg") for path in manifests(snapshot).manifests
    )
    if packaged:
        return "library", "packaged for others to import, with no application around it"
    return "application", "Python code with no framework, command line or packaging that says more"


def _scrapes(snapshot: Snapshot) -> bool:
    wanted = term_set(VOCABULARY, "scraper_modules")
    tests = {m.path for m in snapshot.python_modules if m.is_test}
    return any(
        i.top in wanted
        for path, found in module_imports(snapshot).items()
        if path not in tests
        for i in found
    )


def _exercises(snapshot: Snapshot) -> str:
    """Why the tree reads as a collection of separate exercises, or "" when it does not.

    A Python file belongs to an exercise when a folder on its path, or its own name (the
    deepest that does), reads as one
    ("Day 12", "04_lists", "ex03", "2.1_greeting.py"); a collection has at least
    MIN_EXERCISES of them holding at least half of the Python files.
    """
    words = term_set(VOCABULARY, "exercise_words")
    units: Counter[str] = Counter()
    python_files = 0
    for entry in snapshot.files.values():
        if entry.suffix != ".py" or is_vendored(entry.path):
            continue  # numbered notebooks are an analysis in order, not exercises
        parts = entry.path.split("/")
        if "migrations" in parts or "versions" in parts:
            continue  # numbered migrations are generated, not exercises
        python_files += 1
        for depth in range(len(parts) - 1, -1, -1):  # the deepest: Level 1/Day 12/main.py
            name = parts[depth].rsplit(".", 1)[0] if depth == len(parts) - 1 else parts[depth]
            if _reads_as_exercise(name, words):
                units["/".join([*parts[:depth], name])] += 1
                break
    covered = sum(units.values())
    if len(units) >= MIN_EXERCISES and covered * 2 >= python_files:
        shown = ", ".join(sorted(units)[:3])
        return f"{len(units)} separate exercises ({shown}…) hold {covered} of {python_files} files"
    return ""


def _reads_as_exercise(name: str, words: frozenset[str]) -> bool:
    """ "Day 12", "04_lists", "2.1_greeting", "ex03", "osa01": numbered like a course's steps."""
    lowered = name.lower().strip()
    if lowered[:1].isdigit():
        return True
    tokens = "".join(c if c.isalnum() else " " for c in lowered).split()
    for token in tokens:
        head = token.rstrip("0123456789")
        digits = len(token) - len(head)
        if digits and (head in words or (digits >= 2 and 0 < len(head) <= 5)):
            return True  # "day12", "ex03", "osa01"
        if head in words and any(t.isdigit() for t in tokens):
            return True  # "Day 12", "lesson 3"
    return False
