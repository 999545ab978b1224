"""The SUB family (SUB001-SUB005): tutorial clones, data, interfaces, error handling, size."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.checks.registry import primitives
from auditor.checks.substance import name_words, tutorial_match
from auditor.facts.code import module_imports
from auditor.model import Outcome, Status
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder, make_repo

RunRule = Callable[[str, Path], Outcome]


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def code_lines(count: int) -> str:
    """``count`` lines of real code."""
    return "".join(f"value_{i} = {i}\n" for i in range(count))


def lines_of(outcome: Outcome) -> set[tuple[str, int | None]]:
    return {(e.path, e.line) for e in outcome.evidence}


# ----------------------------------------------------------------------------- SUB001


@pytest.mark.parametrize(
    ("name", "tutorial"),
    [
        ("simple-calculator", "calculator"),
        ("TicTacToe", "tic-tac-toe"),
        ("python_todo_app", "to-do list"),
        ("todolist", "to-do list"),
        ("rock-paper-scissors-game", "rock-paper-scissors"),
        ("number-guessing-game", "number guessing game"),
        ("pyHangman", "hangman"),
        ("weather-app", "weather app"),
        ("django-polls", "Django tutorial (polls)"),
        ("Snake_Game", "snake game"),
    ],
)
def test_small_tutorial_clones_fail(
    tmp_path: Path, outcome_of: RunRule, name: str, tutorial: str
) -> None:
    repo = make_repo(tmp_path / name, {"main.py": code_lines(120)})
    outcome = outcome_of("SUB001", repo.path)
    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert f"The repository name {name!r} matches the common {tutorial} exercise" in (
        outcome.message
    )
    assert "only 120 lines of code (at most 400)" in outcome.message


def test_a_large_project_with_a_tutorial_name_passes(tmp_path: Path, outcome_of: RunRule) -> None:
    repo = make_repo(tmp_path / "todo-api", {"app/models.py": code_lines(450)})
    outcome = outcome_of("SUB001", repo.path)
    assert outcome.status is Status.PASS
    assert "suggests the to-do list exercise, but 450 lines of code" in outcome.message


def test_readme_title_is_matched_too(tmp_path: Path, outcome_of: RunRule) -> None:
    readme = "<!-- badges -->\n\n# My Hangman Game\n\nGuess the word.\n"
    repo = make_repo(tmp_path / "word-fun", {"README.md": readme, "game.py": code_lines(50)})
    outcome = outcome_of("SUB001", repo.path)
    assert outcome.status is Status.FAIL
    assert "The README title 'My Hangman Game' matches the common hangman exercise" in (
        outcome.message
    )
    assert lines_of(outcome) == {("README.md", 3)}


def test_the_django_tutorial_polls_app_is_recognised(tmp_path: Path, outcome_of: RunRule) -> None:
    files = {
        "mysite/settings.py": code_lines(40),
        "polls/models.py": "from django.db import models\n\nclass Question(models.Model): ...\n",
        "polls/views.py": code_lines(20),
    }
    repo = make_repo(tmp_path / "first-django-site", files)
    outcome = outcome_of("SUB001", repo.path)
    assert outcome.status is Status.FAIL
    assert "A polls/ app matches the common Django tutorial (polls) exercise" in outcome.message
    assert lines_of(outcome) == {("polls/models.py", None)}


@pytest.mark.parametrize("name", ["mastodon-client", "invoice-pipeline", "calcium-imaging"])
def test_ordinary_names_pass(tmp_path: Path, outcome_of: RunRule, name: str) -> None:
    repo = make_repo(tmp_path / name, {"main.py": code_lines(30)})
    outcome = outcome_of("SUB001", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.message == f"The name {name!r} does not match a common tutorial project."


def test_tutorial_skipped_without_python(tmp_path: Path, outcome_of: RunRule) -> None:
    repo = make_repo(tmp_path / "calculator", {"index.html": "<p>1+1</p>\n"})
    assert outcome_of("SUB001", repo.path).status is Status.SKIP


def test_max_tutorial_loc_parameter(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "calculator", {"calc.py": code_lines(120)})
    check = primitives()["not_tutorial_clone"]
    assert check(Snapshot.open(repo.path), {"max_tutorial_loc": 100}).status is Status.PASS
    assert check(Snapshot.open(repo.path), {"max_tutorial_loc": 200}).status is Status.FAIL


def test_name_words_and_matching() -> None:
    assert name_words("TicTacToe_game-v2") == "tic tac toe game v2"
    assert tutorial_match("my-todoapp") == "to-do list"
    assert tutorial_match("mastodon") is None
    assert tutorial_match("blogging-platform") is None


# ----------------------------------------------------------------------------- SUB002


def test_sqlite_import_is_persistent_data(repo: RepoBuilder, outcome_of: RunRule) -> None:
    store = "import json\nimport sqlite3\n\n\ndef connect():\n    return sqlite3.connect('x')\n"
    repo.commit("Add store", {"app/store.py": store})
    outcome = outcome_of("SUB002", repo.path)
    assert outcome.status is Status.PASS
    assert "The project uses sqlite3 (app/store.py:2)" in outcome.message
    assert lines_of(outcome) == {("app/store.py", 2)}


def test_migrations_and_sql_files(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add schema",
        {
            "app/main.py": "x = 1\n",
            "shop/migrations/0001_initial.py": "x = 1\n",
            "db/schema.sql": "CREATE TABLE t (id int);\n",
        },
    )
    outcome = outcome_of("SUB002", repo.path)
    assert outcome.status is Status.PASS
    assert "database migration" in outcome.message and "SQL file" in outcome.message
    assert lines_of(outcome) == {("db/schema.sql", None), ("shop/migrations/0001_initial.py", None)}


def test_django_models_import(repo: RepoBuilder, outcome_of: RunRule) -> None:
    models = "from django.db import models\n\n\nclass Item(models.Model):\n    pass\n"
    repo.commit("Add models", {"shop/models.py": models})
    outcome = outcome_of("SUB002", repo.path)
    assert outcome.status is Status.PASS
    assert "django.db" in outcome.message


def test_database_only_in_tests_does_not_count(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add code",
        {"app/core.py": "import json\n", "tests/test_core.py": "import sqlite3\n"},
    )
    outcome = outcome_of("SUB002", repo.path)
    assert outcome.status is Status.FAIL
    assert "No persistent data found" in outcome.message


def test_persistent_data_skipped_without_code(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit("Add notes", {"README.md": "# Notes\n"})
    assert outcome_of("SUB002", repo.path).status is Status.SKIP


# ----------------------------------------------------------------------------- SUB003


def test_fastapi_routes(repo: RepoBuilder, outcome_of: RunRule) -> None:
    api = dedent(
        """
        from fastapi import APIRouter

        router = APIRouter()


        @router.get("/items/{item_id}")
        async def read_item(item_id: int) -> dict:
            return {"id": item_id}


        @router.post("/items")
        async def create_item() -> dict:
            return {}
        """
    )
    repo.commit("Add API", {"app/api.py": api})
    outcome = outcome_of("SUB003", repo.path)
    assert outcome.status is Status.PASS
    assert "web routes at app/api.py:6, app/api.py:11" in outcome.message
    assert "a web framework (fastapi)" in outcome.message
    assert ("app/api.py", 6) in lines_of(outcome)


def test_flask_routes(repo: RepoBuilder, outcome_of: RunRule) -> None:
    app = "import flask\napp = flask.Flask(__name__)\n\n@app.route('/')\ndef index(): ...\n"
    repo.commit("Add app", {"web.py": app})
    outcome = outcome_of("SUB003", repo.path)
    assert outcome.status is Status.PASS
    assert ("web.py", 4) in lines_of(outcome)


def test_django_urlpatterns(repo: RepoBuilder, outcome_of: RunRule) -> None:
    urls = "from . import views\n\nurlpatterns = [views.index]\n"
    repo.commit("Add urls", {"shop/urls.py": urls})
    outcome = outcome_of("SUB003", repo.path)
    assert outcome.status is Status.PASS
    assert lines_of(outcome) == {("shop/urls.py", 3)}


def test_click_cli(repo: RepoBuilder, outcome_of: RunRule) -> None:
    cli = "import click\n\n\n@click.command()\ndef main() -> None:\n    click.echo('hi')\n"
    repo.commit("Add CLI", {"tool/cli.py": cli})
    outcome = outcome_of("SUB003", repo.path)
    assert outcome.status is Status.PASS
    assert "a command line (click) at tool/cli.py:1" in outcome.message


def test_plain_functions_have_no_interface(repo: RepoBuilder, outcome_of: RunRule) -> None:
    lib = "import math\n\n\ndef area(r):\n    return math.pi * r * r\n"
    repo.commit("Add lib", {"geometry.py": lib, "tests/test_api.py": "import requests\n"})
    outcome = outcome_of("SUB003", repo.path)
    assert outcome.status is Status.FAIL
    assert "No interface found" in outcome.message


def test_interface_skipped_without_code(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit("Add tests only", {"tests/test_x.py": "def test_x():\n    assert True\n"})
    assert outcome_of("SUB003", repo.path).status is Status.SKIP


def test_module_imports_fact(repo: RepoBuilder) -> None:
    code = "import os.path\nfrom . import local\nfrom django.db import models\n"
    repo.commit("Add code", {"m.py": code})
    snapshot = Snapshot.open(repo.path)
    imports = module_imports(snapshot)["m.py"]
    assert [(i.module, i.top, i.line) for i in imports] == [
        ("os.path", "os", 1),
        ("django.db", "django", 3),
    ]
    assert module_imports(snapshot) is module_imports(snapshot)  # computed once, shared


# ----------------------------------------------------------------------------- SUB004

LIBRARY_WITH_LOGGING = dedent(
    """
    import logging

    logger = logging.getLogger(__name__)


    def load(path):
        try:
            with open(path) as handle:
                return handle.read()
        except FileNotFoundError:
            logger.warning("missing %s", path)
            return ""
    """
)


def test_specific_handlers_and_logging_pass(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit("Add code", {"app/io.py": LIBRARY_WITH_LOGGING})
    outcome = outcome_of("SUB004", repo.path)
    assert outcome.status is Status.PASS
    assert outcome.score == 1.0
    assert "All 1 exception handlers are specific or re-raise" in outcome.message
    assert "logging is used (app/io.py:11)" in outcome.message


def test_bare_except_and_swallowed_exceptions(repo: RepoBuilder, outcome_of: RunRule) -> None:
    code = dedent(
        """
        import logging

        log = logging.getLogger(__name__)


        def risky():
            try:
                return 1 / 0
            except:
                return None


        def quiet():
            try:
                risky()
            except Exception as exc:
                pass


        def careful():
            try:
                risky()
            except:
                log.error("failed")
                raise
        """
    )
    repo.commit("Add code", {"app/core.py": code})
    outcome = outcome_of("SUB004", repo.path)
    # 2 of 3 handlers hide errors; logging used; no print: 0.4 * 1/3 + 0.3 + 0.3
    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.4 / 3 + 0.6, abs=1e-3)
    assert "2 of 3 exception handlers are bare or swallow every error" in outcome.message
    assert lines_of(outcome) == {("app/core.py", 9), ("app/core.py", 16)}
    notes = {e.note for e in outcome.evidence}
    assert notes == {"bare `except:`", "`except Exception:` that does nothing"}


def test_print_in_a_library_module_counts_against(repo: RepoBuilder, outcome_of: RunRule) -> None:
    library = "def total(items):\n    print('summing', items)\n    return sum(items)\n"
    repo.commit("Add code", {"shop/cart.py": library})
    outcome = outcome_of("SUB004", repo.path)
    # no handlers (0.5), no logging (0), print in 1 of 1 library modules (0)
    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.2)
    assert "No exception handling at all (half credit)" in outcome.message
    assert "no logging" in outcome.message
    assert "print() in 1 of 1 library modules (shop/cart.py:2)" in outcome.message
    assert lines_of(outcome) == {("shop/cart.py", 2)}


def test_logging_instead_of_print_scores_higher(repo: RepoBuilder, outcome_of: RunRule) -> None:
    library = (
        "import logging\n\nlog = logging.getLogger(__name__)\n\n\n"
        "def total(items):\n    log.debug('summing %s', items)\n    return sum(items)\n"
    )
    repo.commit("Add code", {"shop/cart.py": library})
    outcome = outcome_of("SUB004", repo.path)
    assert outcome.score == pytest.approx(0.8)
    assert "no print() in library code" in outcome.message


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("shop/__main__.py", "print('hello')\n"),
        ("shop/cli.py", "print('hello')\n"),
        ("scripts/seed.py", "print('seeded')\n"),
        ("report.py", "def main():\n    print('x')\n\nif __name__ == '__main__':\n    main()\n"),
        ("tool.py", "import argparse\nprint(argparse.ArgumentParser().parse_args())\n"),
    ],
)
def test_print_in_a_cli_module_is_fine(
    repo: RepoBuilder, outcome_of: RunRule, path: str, code: str
) -> None:
    repo.commit("Add code", {"shop/__init__.py": "", path: code})
    outcome = outcome_of("SUB004", repo.path)
    assert "no print() in library code" in outcome.message
    assert outcome.evidence == ()


def test_console_script_target_is_a_cli_module(repo: RepoBuilder, outcome_of: RunRule) -> None:
    pyproject = '[project]\nname = "shop"\n[project.scripts]\nshop = "shop.main:run"\n'
    repo.commit(
        "Add code",
        {"pyproject.toml": pyproject, "shop/__init__.py": "", "shop/main.py": "print('x')\n"},
    )
    assert "no print() in library code" in outcome_of("SUB004", repo.path).message


def test_error_handling_skipped_without_code(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit("Add tests", {"tests/test_a.py": "try:\n    pass\nexcept:\n    pass\n"})
    outcome = outcome_of("SUB004", repo.path)
    assert outcome.status is Status.SKIP


# ----------------------------------------------------------------------------- SUB005


def test_substantial_code_passes(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit("Add code", {"app/a.py": code_lines(300), "app/b.py": code_lines(250)})
    outcome = outcome_of("SUB005", repo.path)
    assert outcome.status is Status.PASS
    assert "550 lines of Python code outside tests in 2 file(s)" in outcome.message


def test_small_code_gets_partial_credit(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit(
        "Add code",
        {
            "app.py": "# a comment\n\n" + code_lines(100),
            "tests/test_app.py": code_lines(900),
            "venv/lib/big.py": code_lines(900),
        },
    )
    outcome = outcome_of("SUB005", repo.path)
    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.2)
    assert "Only 100 lines of Python code outside tests in 1 file(s)" in outcome.message


def test_size_skipped_without_python(repo: RepoBuilder, outcome_of: RunRule) -> None:
    repo.commit("Add notes", {"README.md": "# Notes\n"})
    assert outcome_of("SUB005", repo.path).status is Status.SKIP
