"""SEC001 (code unsafe on its face) and the ``security`` signal, on real repositories.

Each trap of issue 15's item 2 is a repository: found where a reviewer would name it, not
found where the code is safe or is test code.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.checks.lint import DEFAULT_SELECT
from auditor.checks.registry import signal_groups
from auditor.facts.lint import lint_findings
from auditor.facts.security import unsafe_kinds
from auditor.model import Outcome, Status
from auditor.source import ruff
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

Run = Callable[[str, Path], Outcome]


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def places(outcome: Outcome) -> list[tuple[str, int | None, str]]:
    """(path, line, code and kind) of each place named, without the advice."""
    return [(e.path, e.line, (e.note or "").partition(" (")[0]) for e in outcome.evidence]


def note_at(outcome: Outcome, path: str, line: int) -> str:
    return next(e.note or "" for e in outcome.evidence if (e.path, e.line) == (path, line))


def security_signal(path: Path) -> dict[str, Any]:
    return signal_groups()["security"](Snapshot.open(path)) or {}


SEARCH_FSTRING = dedent(
    """
    from flask import Flask, request

    from app.db import connect

    app = Flask(__name__)


    @app.route("/search")
    def search():
        q = request.args["q"]
        cur = connect().cursor()
        cur.execute(f"SELECT * FROM items WHERE name LIKE '%{q}%'")
        return {"items": cur.fetchall()}
    """
)

SEARCH_PERCENT_AND_FORMAT = dedent(
    """
    from flask import request

    from app.db import connect


    def find_user():
        cur = connect().cursor()
        cur.execute("SELECT * FROM users WHERE name = '%s'" % request.args["name"])
        return cur.fetchall()


    def find_order():
        cur = connect().cursor()
        cur.execute("SELECT * FROM orders WHERE id = {}".format(request.args["id"]))
        return cur.fetchall()
    """
)

SEARCH_PARAMETERISED = dedent(
    """
    from flask import request

    from app.db import connect


    def search():
        q = request.args["q"]
        cur = connect().cursor()
        cur.execute("SELECT * FROM items WHERE name LIKE ?", (f"%{q}%",))
        return cur.fetchall()
    """
)


# ------------------------------------------------------------------------------ SQL


def test_sql_built_by_an_fstring_from_request_input_is_found(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Add search", {"app/views.py": SEARCH_FSTRING})

    outcome = outcome_of("SEC001", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(0.5)  # one high place: 3 of 6 points
    assert outcome.message == (
        "1 place of code unsafe on its face outside tests: SQL built by string formatting "
        "(3 points of 6 by severity)."
    )
    assert places(outcome) == [("app/views.py", 12, "S608 SQL built by string formatting")]
    note = outcome.evidence[0].note or ""
    assert "injection" in note  # why an employer cares
    assert 'Instead: Pass the values as query parameters: cursor.execute("SELECT' in note
    assert "f-string" not in note.partition("Instead:")[2].replace("Never an f-string", "")


def test_sql_built_by_percent_and_format_is_found(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add queries", {"app/queries.py": SEARCH_PERCENT_AND_FORMAT})

    outcome = outcome_of("SEC001", repo.path)

    assert outcome.status is Status.FAIL  # two high places: 6 of 6 points
    assert places(outcome) == [
        ("app/queries.py", 8, "S608 SQL built by string formatting"),
        ("app/queries.py", 14, "S608 SQL built by string formatting"),
    ]


def test_lint_gives_no_fstring_advice_on_a_line_that_builds_sql(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    # ruff's UP031 advises an f-string on line 8, which would keep the injection
    repo.commit("Add queries", {"app/queries.py": SEARCH_PERCENT_AND_FORMAT})

    lint = outcome_of("LNT001", repo.path)

    assert lint.status is Status.PASS, lint.message
    assert lint.message == "No violations of the selected ruff rules in 10 lines of code."
    findings = lint_findings(Snapshot.open(repo.path), DEFAULT_SELECT)
    assert [v.code for v in findings.violations] == []


def test_the_fstring_advice_stays_where_no_sql_is_built(repo: RepoBuilder) -> None:
    repo.commit("Add greeting", {"app/greet.py": 'def greet(name):\n    return "Hi %s" % name\n'})

    findings = lint_findings(Snapshot.open(repo.path), DEFAULT_SELECT)

    assert [(v.code, v.line) for v in findings.violations] == [("UP031", 2)]


def test_a_parameterised_query_is_not_found(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add search", {"app/views.py": SEARCH_PARAMETERISED})

    outcome = outcome_of("SEC001", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.message == "No code unsafe on its face in the Python files outside tests."


# ------------------------------------------------------------------------------ debug servers


def test_a_flask_debug_server_is_found(repo: RepoBuilder, outcome_of: Run) -> None:
    code = "from flask import Flask\n\napp = Flask(__name__)\n\napp.run(debug=True)\n"
    repo.commit("Add app", {"app.py": code})

    outcome = outcome_of("SEC001", repo.path)

    assert places(outcome) == [("app.py", 5, "S201 Flask debug server")]
    assert "debugger" in note_at(outcome, "app.py", 5)
    assert 'os.environ.get("FLASK_DEBUG")' in note_at(outcome, "app.py", 5)


def test_an_exercise_collections_debug_servers_are_not_counted_but_its_injection_is(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    """Nobody deploys a course follow-along: the debug server of day 8's practice app is
    unsafe only where it is served. SQL built from request input is unsafe in any project."""
    days = {f"day{n:02d}/main.py": f"def solve():\n    return {n}\n" for n in range(1, 8)}
    app = "from flask import Flask\n\napp = Flask(__name__)\n\napp.run(debug=True)\n"
    repo.commit("Add days 1-8", {**days, "day08/app.py": app})

    practice = outcome_of("SEC001", repo.path)
    query = (
        "import sqlite3\n\nfrom flask import request\n\n\ndef find():\n"
        "    db = sqlite3.connect('x.db')\n"
        "    return db.execute(f\"SELECT * FROM t WHERE a = '{request.args['q']}'\")\n"
    )
    repo.commit("Add day 9", {"day09/main.py": query})
    injected = outcome_of("SEC001", repo.path)

    assert practice.status is Status.PASS, practice.message
    assert "1 debug server of this exercise collection not counted" in practice.message
    assert injected.status is not Status.PASS
    assert [p[2] for p in places(injected)] == ["S608 SQL built by string formatting"]


def test_a_debug_server_on_all_interfaces_is_one_critical_place(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    code = dedent(
        """
        from flask import Flask

        app = Flask(__name__)

        if __name__ == "__main__":
            app.run(
                host="0.0.0.0",
                port=5000,
                debug=True,
            )
        """
    )
    repo.commit("Add app", {"app.py": code})

    outcome = outcome_of("SEC001", repo.path)

    assert places(outcome) == [("app.py", 9, "debug-server-public debug server on all interfaces")]
    assert "(critical)" in note_at(outcome, "app.py", 9)
    assert outcome.score == pytest.approx(1 - 4 / 6)


def test_a_debug_server_on_an_app_imported_from_another_module_is_found(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    # ruff's S201 follows only an app created in the same module
    repo.commit(
        "Add app",
        {
            "app/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "run.py": "from app import app\n\napp.run(debug=True)\n",
            "wsgi.py": (
                "from app import create_app\n\nserver = create_app()\nserver.run(debug=True)\n"
            ),
        },
    )

    outcome = outcome_of("SEC001", repo.path)

    assert places(outcome) == [
        ("run.py", 3, "debug-server debug server on an app from another module"),
        ("wsgi.py", 4, "debug-server debug server on an app from another module"),
    ]


def test_debug_from_the_environment_and_binding_alone_are_not_found(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    code = dedent(
        """
        import os

        from flask import Flask

        app = Flask(__name__)

        if __name__ == "__main__":
            app.run(host="0.0.0.0", debug=os.environ.get("FLASK_DEBUG") == "1")
        """
    )
    repo.commit("Add app", {"app.py": code, "pipeline.py": "job.run(debug=False)\n"})

    assert outcome_of("SEC001", repo.path).status is Status.PASS


def test_run_debug_without_a_web_library_is_not_found(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add job", {"job.py": "from pipeline import job\n\njob.run(debug=True)\n"})

    assert outcome_of("SEC001", repo.path).status is Status.PASS


# ------------------------------------------------------------------------------ passwords


def test_passwords_compared_and_stored_in_plain_text_are_found(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    code = dedent(
        """
        from flask import request

        from app.models import User, db


        def login():
            user = User.query.filter_by(name=request.form["name"]).first()
            if user.password == request.form["password"]:
                return "ok"
            return "no"


        def register():
            user = User(name=request.form["name"], password=request.form["password"])
            db.session.add(user)


        def change(user):
            user.password = request.form.get("password")


        class Account:
            def check(self, password):
                return self.password == password
        """
    )
    repo.commit("Add auth", {"app/auth.py": code})

    outcome = outcome_of("SEC001", repo.path)

    kind = "plaintext-password password stored or compared in plain text"
    assert places(outcome) == [
        ("app/auth.py", 8, kind),
        ("app/auth.py", 14, kind),
        ("app/auth.py", 19, kind),
        ("app/auth.py", 24, kind),
    ]
    assert "check_password_hash" in note_at(outcome, "app/auth.py", 8)


def test_hashed_passwords_and_confirmation_checks_are_not_found(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    code = dedent(
        """
        from django.contrib.auth.models import User
        from flask import request
        from werkzeug.security import check_password_hash, generate_password_hash


        def login(user):
            return check_password_hash(user.password, request.form["password"])


        def register(form):
            if form.password.data != form.confirm_password.data:
                return None
            if request.form["password"] == request.form["confirm"]:
                User.objects.create_user(name="x", password=request.form["password"])
            password_hash = generate_password_hash(request.form["password"])
            return password_hash
        """
    )
    repo.commit("Add auth", {"app/auth.py": code})

    outcome = outcome_of("SEC001", repo.path)

    assert outcome.status is Status.PASS, outcome.evidence


def test_a_hard_coded_password_is_found_and_names_no_value(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    code = dedent(
        """
        import psycopg2

        DB_PASSWORD = "xK9mQ2vL8pRz"


        def connect(password="T7nB4wQ9sD"):
            return psycopg2.connect(host="db", user="app", password="Lq3Zp8Wn5Xe")
        """
    )
    repo.commit("Add db", {"app/db.py": code})

    outcome = outcome_of("SEC001", repo.path)

    assert places(outcome) == [
        ("app/db.py", 3, "S105 hard-coded password"),
        ("app/db.py", 6, "S107 hard-coded password default"),
        ("app/db.py", 7, "S106 hard-coded password argument"),
    ]
    shown = outcome.message + "".join(e.note or "" for e in outcome.evidence)
    for value in ("xK9mQ2vL8pRz", "T7nB4wQ9sD", "Lq3Zp8Wn5Xe"):
        assert value not in shown


def test_names_and_placeholders_that_only_look_like_passwords_are_not_found(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    code = dedent(
        """
        TOKEN_URL = "https://example.com/oauth/token"
        TOKEN_TYPE = "bearer"
        PASSWORD_FIELD = "password"
        PASSWORD = "changeme"
        SECRET_KEY = "dev"
        DB_PASSWORD = ""
        """
    )
    repo.commit("Add settings", {"app/settings.py": code})

    assert outcome_of("SEC001", repo.path).status is Status.PASS


def test_a_weak_hash_of_a_password_is_found_and_a_checksum_is_not(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    code = dedent(
        """
        import hashlib


        def store(password):
            return hashlib.md5(password.encode()).hexdigest()


        def checksum(data):
            return hashlib.md5(data).hexdigest()
        """
    )
    repo.commit("Add hashing", {"app/hashing.py": code})

    outcome = outcome_of("SEC001", repo.path)

    assert places(outcome) == [("app/hashing.py", 5, "S324 weak hash of a password")]


# ------------------------------------------------------------------------------ the rest


def test_deserialisation_shell_tls_and_eval_are_found(repo: RepoBuilder, outcome_of: Run) -> None:
    code = dedent(
        """
        import pickle
        import subprocess

        import requests
        import yaml
        from flask import request


        def handle():
            obj = pickle.loads(request.data)
            config = yaml.load(request.data)
            subprocess.run(f"convert {request.args['file']} out.png", shell=True)
            requests.get("https://api.example.com", verify=False, timeout=5)
            total = eval(request.args["expr"])
            exec(request.args["code"])
            return obj, config, total
        """
    )
    repo.commit("Add handler", {"app/handler.py": code})

    outcome = outcome_of("SEC001", repo.path)

    assert sorted(places(outcome), key=lambda p: p[1]) == [
        ("app/handler.py", 10, "S301 pickle of untrusted data"),
        ("app/handler.py", 11, "S506 yaml.load without a safe loader"),
        ("app/handler.py", 12, "S602 subprocess with shell=True and a built command"),
        ("app/handler.py", 13, "S501 TLS verification off"),
        ("app/handler.py", 14, "S307 eval"),
        ("app/handler.py", 15, "S102 exec"),
    ]
    assert outcome.status is Status.FAIL
    assert "yaml.safe_load" in note_at(outcome, "app/handler.py", 11)
    assert "argument list" in note_at(outcome, "app/handler.py", 12)


def test_their_safe_forms_are_not_found(repo: RepoBuilder, outcome_of: Run) -> None:
    code = dedent(
        """
        import json
        import pickle
        import subprocess

        import requests
        import yaml


        def load(folder):
            with open("model.pkl", "rb") as handle:
                model = pickle.load(handle)
            config = yaml.safe_load(open("config.yml"))
            subprocess.run(["ls", folder], check=True)
            subprocess.run("ls -l", shell=True, check=True)
            requests.get("https://api.example.com", timeout=5)
            return model, config, json.loads("{}")
        """
    )
    repo.commit("Add loader", {"app/loader.py": code})

    outcome = outcome_of("SEC001", repo.path)

    assert outcome.status is Status.PASS, outcome.evidence


def test_test_code_is_not_judged(repo: RepoBuilder, outcome_of: Run) -> None:
    code = dedent(
        """
        import pickle

        import yaml
        from flask import Flask, request

        app = Flask(__name__)
        PASSWORD = "Xk2Lm9Qp7Rw"


        def test_login(client, user):
            client.cursor().execute(f"SELECT * FROM users WHERE name = '{user.name}'")
            assert user.password == request.form["password"]
            assert pickle.loads(request.data)
            assert yaml.load(request.data)
            app.run(debug=True)
        """
    )
    repo.commit(
        "Add tests",
        {"app/core.py": "def add(a, b):\n    return a + b\n", "tests/test_login.py": code},
    )

    outcome = outcome_of("SEC001", repo.path)

    assert outcome.status is Status.PASS, outcome.evidence


def test_no_python_is_skipped(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add readme", {"README.md": "# Notes\n"})

    assert outcome_of("SEC001", repo.path).status is Status.SKIP


# ------------------------------------------------------------------------------ signal, one run


def test_the_signal_lists_each_place(repo: RepoBuilder) -> None:
    code = SEARCH_FSTRING + '\nif __name__ == "__main__":\n    app.run("0.0.0.0", debug=True)\n'
    repo.commit("Add app", {"app/views.py": code})

    signal = security_signal(repo.path)

    assert signal["unsafe_code"] == [
        {
            "rule": "debug-server-public",
            "path": "app/views.py",
            "line": 16,
            "kind": "debug server on all interfaces",
            "severity": "critical",
        },
        {
            "rule": "S608",
            "path": "app/views.py",
            "line": 12,
            "kind": "SQL built by string formatting",
            "severity": "high",
        },
    ]
    assert signal["unsafe_by_severity"] == {"critical": 1, "high": 1}


def test_the_security_rules_ride_the_lint_run(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add search", {"app/views.py": SEARCH_FSTRING})
    snapshot = Snapshot.open(repo.path)

    signal_groups()["security"](snapshot)
    lint_findings(snapshot, DEFAULT_SELECT, with_format=True)
    signal_groups()["lint"](snapshot)

    cache = ruff._cache(snapshot)
    assert [options.select for options in cache.lints] == [DEFAULT_SELECT]  # one ruff check
    report = next(iter(cache.lints.values()))
    assert not isinstance(report, ruff.RuffError)
    assert [d.code for d in report.diagnostics] == ["S608"]
    assert lint_findings(snapshot, DEFAULT_SELECT).violations == ()


def test_every_kind_says_why_and_what_is_safe_and_rides_the_ruff_run() -> None:
    kinds = unsafe_kinds()

    assert {"S608", "S201", "S105", "S301", "S506", "S602", "S501", "S324", "S307"} <= set(kinds)
    for kind in kinds.values():
        assert kind.why.endswith(".") and kind.safe, kind.id
        assert kind.severity in ("critical", "high", "medium", "low")
    ruff_codes = {k.id for k in kinds.values() if k.source == "ruff"}
    assert set(ruff.security_select()) == ruff_codes
    assert "S104" not in ruff_codes  # binding all interfaces alone is how containers serve
