"""Issue 15's secrets and personal data (GIT006, GIT008, GIT009 and the ``security`` signals),
on real repositories built with the factory: every case found, and every false alarm not.

Credentials are generated at run time from a fixed seed: realistic in shape, never a real
secret, never written literally into this file. AWS's documented example key is public.
"""

from __future__ import annotations

import io
import json
import random
import sqlite3
import string
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.checks.hygiene import hygiene_signals
from auditor.checks.security import security_signals
from auditor.facts.secret_history import MAX_HISTORY_COMMITS, secrets_in_history
from auditor.model import Outcome, Status
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

Run = Callable[[str, Path], Outcome]


def fake(length: int, seed: int = 11, alphabet: str = string.ascii_letters + string.digits) -> str:
    rng = random.Random(seed * 7_919 + length)
    return "".join(rng.choice(alphabet) for _ in range(length))


MAIL_PASSWORD = fake(14, 1) + "!"
SECRET_KEY = fake(32, 2, string.hexdigits.lower()[:16])
FALLBACK = "dj-" + fake(30, 3)
DB_PASSWORD = fake(16, 4)
PEM_BODY = "\n".join(fake(64, n, string.ascii_letters + string.digits + "/+") for n in range(3))
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n"
PLANTED = (MAIL_PASSWORD, SECRET_KEY, FALLBACK, DB_PASSWORD, PEM_BODY.splitlines()[0])


def sqlite_bytes(tmp_path: Path, *tables: str) -> bytes:
    db = tmp_path / "made.sqlite3"
    connection = sqlite3.connect(db)
    for table in tables:
        connection.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, email TEXT)")
    connection.commit()
    connection.close()
    data = db.read_bytes()
    db.unlink()
    return data


def terraform_plan() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tfplan", b"\x00plan")
        archive.writestr("tfstate", json.dumps({"password": DB_PASSWORD}))
    return buffer.getvalue()


def evidence(outcome: Outcome) -> list[tuple[str, int | None]]:
    return [(e.path, e.line) for e in outcome.evidence]


# ------------------------------------------------------------------------------ found at HEAD


@pytest.mark.parametrize(
    ("path", "content", "line", "kind"),
    [
        (
            "app/__init__.py",
            f"app = Flask(__name__)\napp.config['MAIL_PASSWORD'] = '{MAIL_PASSWORD}'\n",
            2,
            "MAIL_PASSWORD",
        ),
        (
            "app/config.py",
            f'import os\napp.config["SECRET_KEY"] = "{SECRET_KEY}"\n',
            2,
            "SECRET_KEY",
        ),
        (
            "project/settings.py",
            f'import os\nSECRET_KEY = os.environ.get("SECRET_KEY", "{FALLBACK}")\n',
            2,
            "environment fallback (SECRET_KEY)",
        ),
        (
            "project/settings.py",
            f"import os\nDB_PASSWORD = os.getenv('DB_PASSWORD', '{DB_PASSWORD}')\n",
            2,
            "environment fallback (DB_PASSWORD)",
        ),
        (
            "config/mail.json",
            json.dumps({"smtp": {"host": "smtp.mail.org", "db_pass": DB_PASSWORD}}, indent=2),
            4,
            "credential name",
        ),
    ],
    ids=["config-dict-single", "config-dict-double", "environ-get", "getenv", "json-db-pass"],
)
def test_finds_credentials_today_missed(
    repo: RepoBuilder, outcome_of: Run, path: str, content: str, line: int, kind: str
) -> None:
    repo.commit("Configure the app", {path: content})

    outcome = outcome_of("GIT006", repo.path)

    # Found and named either way; the app's own signing key is an unsafe habit (partial),
    # a mail or database password a live credential (a blocker).
    signing = "SECRET_KEY" in kind
    assert outcome.status is (Status.PARTIAL if signing else Status.FAIL)
    assert evidence(outcome) == [(path, line)]
    assert kind in (outcome.evidence[0].note or "")
    assert all(secret not in outcome.message for secret in PLANTED)


def test_finds_a_vagrant_private_key_by_its_path(repo: RepoBuilder, outcome_of: Run) -> None:
    key = ".vagrant/machines/default/virtualbox/private_key"
    repo.commit("Add the VM", {"Vagrantfile": "Vagrant.configure('2')\n", key: "binary\x01key"})

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.FAIL
    assert evidence(outcome) == [(key, None)]
    assert "private key (by its file name)" in outcome.message


@pytest.mark.parametrize(
    ("path", "content", "kind"),
    [
        ("infra/tfplan", terraform_plan(), "Terraform plan"),
        ("infra/prod.plan", terraform_plan(), "Terraform plan"),
        ("infra/terraform.tfstate", json.dumps({"version": 4, "resources": []}), "Terraform state"),
    ],
    ids=["tfplan", "plan-by-magic", "tfstate"],
)
def test_finds_terraform_state_and_plans(
    repo: RepoBuilder, outcome_of: Run, path: str, content: str | bytes, kind: str
) -> None:
    repo.commit("Add infrastructure", {"infra/main.tf": 'resource "x" "y" {}\n', path: content})

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.FAIL
    assert evidence(outcome) == [(path, None)]
    assert kind in outcome.message


def test_a_zip_that_is_no_plan_is_not_flagged(repo: RepoBuilder, outcome_of: Run) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    repo.commit("Add an archive", {"assets/bundle.zip": buffer.getvalue()})

    assert outcome_of("GIT006", repo.path).status is Status.PASS


def test_finds_a_private_key_by_content_anywhere(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add deployment notes", {"deploy/notes.txt": f"Use this:\n{PEM}"})

    outcome = outcome_of("GIT006", repo.path)

    assert evidence(outcome) == [("deploy/notes.txt", 2)]
    assert security_signals(Snapshot.open(repo.path))["findings"][0]["kind"] == "private_key"


DEPLOY_WORKFLOW = """\
name: deploy
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: appleboy/ssh-action@v1.0.0
        with:
          host: ${{ secrets.HOST }}
          script: |
            cd /srv/shop
            printf 'DB_NAME=shop\\nDB_USER=shop\\nDB_PASSWORD=Kq8fzWm3Lx\\n' > .env
            systemctl restart gunicorn
"""


def test_a_workflow_that_deploys_is_read_as_any_configuration(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    """A CI service container's password lives for one job; the password a deploy job
    writes into a server's .env is the production database's."""
    repo.commit("Deploy on push", {".github/workflows/deploy.yml": DEPLOY_WORKFLOW})

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.FAIL, outcome.message
    assert [(e.path, e.line, e.note) for e in outcome.evidence] == [
        (".github/workflows/deploy.yml", 14, "hard-coded password (DB_PASSWORD)")
    ]
    assert "Kq8fzWm3Lx" not in outcome.message


# ------------------------------------------------------------------------------ false alarms


CI_WORKFLOW = """\
name: tests
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
        env:
          POSTGRES_PASSWORD: pgci_Runner42
    env:
      DATABASE_URL: postgresql://postgres:pgci_Runner42@localhost/test
    steps:
      - run: pytest
"""


@pytest.mark.parametrize(
    ("path", "content"),
    [
        (".github/workflows/ci.yml", CI_WORKFLOW),
        ("settings.py", "DATABASE_URL = 'postgresql://app:Kq8fzWm3Lx@localhost:5432/app'\n"),
        ("settings.py", 'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n'),
        ("settings.py", 'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n'),
        ("docs/deploy.md", "Set `DATABASE_URL=postgresql://bob:Zq8xk29LmP@db.host.org/prod`.\n"),
        ("README.md", "```python\npassword = 'Zq8xk29LmP'\n```\n"),
        ("tests/test_login.py", f"def test_login():\n    password = '{DB_PASSWORD}'\n"),
        (
            "venv/lib/python3.11/site-packages/botocore/tests/keys.py",
            f"aws_secret_access_key = '{fake(40, 9)}'\nsecret = '{DB_PASSWORD}'\n",
        ),
        (
            "package-lock.json",
            '{\n  "dependencies": {\n    "@inquirer/password": "^4.0.23",\n'
            '    "@inquirer/rawlist": "^4.1.11"\n  }\n}\n',
        ),
        ("package.json", '{\n  "dependencies": {\n    "password-prompt": "^1.1.3"\n  }\n}\n'),
        (
            "blog/migrations/0036_add_default_users.py",
            "def seed(User):\n    User.objects.create_user(\n        username='comment_only',\n"
            "        password='comment_only',\n        email='comment_only@example.com',\n    )\n",
        ),
        (
            "scripts/pre-commit.sh",
            'export DEBUG=False\nexport SECRET_KEY="local-pre-commit" ALLOWED_HOSTS=localhost\n',
        ),
        ("config.py", "class Config:\n    SECURITY_PASSWORD_HASH = 'bcrypt'\n"),
        (
            "shop/settings.py",
            "REST_FRAMEWORK = {\n    'DEFAULT_THROTTLE_RATES': {\n"
            "        'anon': '100/hour',\n        'apikey': '200/minute',\n    },\n}\n",
        ),
    ],
    ids=[
        "ci-service-container",
        "local-database-url",
        "aws-example-key",
        "aws-example-secret",
        "dsn-in-docs",
        "readme-snippet",
        "fixture-password",
        "committed-venv",
        "lock-file-package-name",
        "version-range",
        "demo-account",
        "local-throwaway",
        "credential-setting",
        "rate-limit",
    ],
)
def test_context_is_not_a_leak(repo: RepoBuilder, outcome_of: Run, path: str, content: str) -> None:
    repo.commit("Add files", {path: content, "app.py": "import os\n"})

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.PASS, outcome.message


TUMBLR = f'class TumblrAPI:\n    API_KEY = "{fake(50, 21)}"\n    API_SECRET = "{fake(50, 22)}"\n'


def test_a_clients_app_key_is_for_a_person_to_check(repo: RepoBuilder, outcome_of: Run) -> None:
    """A command-line client installed by its users carries its app's key in every copy:
    partial, never a blocker."""
    repo.commit(
        "Add the Tumblr client",
        {
            "pyproject.toml": '[project]\nname = "fetcher"\n\n[project.scripts]\n'
            'fetcher = "fetcher.cli:main"\n',
            "fetcher/__init__.py": "",
            "fetcher/cli.py": "import argparse\n\n\ndef main():\n    argparse.ArgumentParser()\n",
            "fetcher/tumblr.py": TUMBLR,
        },
    )

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.PARTIAL
    assert evidence(outcome) == [("fetcher/tumblr.py", 2), ("fetcher/tumblr.py", 3)]
    assert "the API key of a program its users install" in outcome.message


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        ({"app.py": "from flask import Flask\n\napp = Flask(__name__)\n"}, 2),
        ({"fetcher/mail.py": f"SMTP_PASSWORD = '{MAIL_PASSWORD}'\n"}, 1),
    ],
    ids=["same-key-in-a-web-app", "password-in-a-client"],
)
def test_a_server_key_or_a_clients_password_is_a_blocker(
    repo: RepoBuilder, outcome_of: Run, extra: dict[str, str], line: int
) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "fetcher"\n\n[project.scripts]\n'
        'fetcher = "fetcher.cli:main"\n',
        "fetcher/cli.py": "import argparse\n\n\ndef main():\n    argparse.ArgumentParser()\n",
        "fetcher/tumblr.py": TUMBLR,
        **extra,
    }
    if "app.py" in extra:
        files["requirements.txt"] = "flask==3.0.0\n"
    repo.commit("Add the client", files)

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.FAIL, outcome.message
    assert "suspected secret" in outcome.message


# ------------------------------------------------------------------------------ GIT008


def _fast_import(path: Path, commits: list[tuple[str, dict[str, str]]]) -> None:
    """Commits made by ``git fast-import``, an hour apart: thousands take a second."""
    stream = []
    for number, (message, files) in enumerate(commits, start=1):
        when = 1_700_000_000 + number * 3600
        body = "".join(
            f"M 100644 inline {name}\ndata {len(text.encode())}\n{text}\n"
            for name, text in files.items()
        )
        stream.append(
            f"commit refs/heads/main\nauthor A <a@example.com> {when} +0000\n"
            f"committer A <a@example.com> {when} +0000\ndata {len(message)}\n{message}\n{body}"
        )
    stream.append("done\n")
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    subprocess.run(
        ["git", "fast-import", "--quiet", "--done"],
        cwd=path,
        input="".join(stream).encode(),
        check=True,
    )
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=path, check=True)


def test_a_long_history_is_searched_in_its_newest_commits(tmp_path: Path, outcome_of: Run) -> None:
    """The walk stops at the bound even when no commit holds a clue word (git's pickaxe
    would otherwise diff every commit back to the first); the card says so."""
    old, new = tmp_path / "old", tmp_path / "new"
    filler = [(f"Count to {n}", {"counter.txt": f"{n}"}) for n in range(MAX_HISTORY_COMMITS + 5)]
    leak = [
        ("Add mail settings", {"config.py": f"MAIL_PASSWORD = '{MAIL_PASSWORD}'"}),
        ("Fix password", {"config.py": "import os\nMAIL_PASSWORD = os.environ['MAIL_PASSWORD']"}),
    ]
    _fast_import(old, leak + filler)
    _fast_import(new, filler + leak)

    snapshot = Snapshot.open(old)
    assert outcome_of("GIT008", old).status is Status.PASS
    assert secrets_in_history(snapshot) == ()
    assert (
        f"the newest {MAX_HISTORY_COMMITS:,} commits were searched for credentials in the history"
        in snapshot.all_notices()
    )
    assert outcome_of("GIT008", new).status is Status.FAIL


def test_finds_a_password_recoverable_after_a_fix_commit(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Add mail settings", {"config.py": f"MAIL_PASSWORD = '{MAIL_PASSWORD}'\n"})
    first = repo.git("rev-parse", "HEAD").strip()
    repo.commit(
        "Fix password", {"config.py": "import os\nMAIL_PASSWORD = os.environ['MAIL_PASSWORD']\n"}
    )

    assert outcome_of("GIT006", repo.path).status is Status.PASS
    outcome = outcome_of("GIT008", repo.path)

    assert outcome.status is Status.FAIL
    assert evidence(outcome) == [("config.py", 1)]
    assert first[:7] in outcome.message
    assert MAIL_PASSWORD not in outcome.message
    finding = security_signals(Snapshot.open(repo.path))["findings"][0]
    assert finding == {
        "kind": "live_credential",
        "what": "hard-coded password (MAIL_PASSWORD)",
        "path": "config.py",
        "line": 1,
        "where": "history",
    }


def test_finds_a_deleted_env_file_value(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add app", {"app.py": "import os\n", ".env": f"STRIPE_KEY=sk_live_{fake(24, 5)}\n"})
    repo.commit("Remove .env", delete=(".env",))

    outcome = outcome_of("GIT008", repo.path)

    assert outcome.status is Status.FAIL
    assert evidence(outcome) == [(".env", 1)]


def test_a_value_still_at_head_is_left_to_git006(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add mail settings", {"config.py": f"MAIL_PASSWORD = '{MAIL_PASSWORD}'\n"})
    repo.commit("Add app", {"app.py": "import config\n"})

    assert outcome_of("GIT006", repo.path).status is Status.FAIL
    assert outcome_of("GIT008", repo.path).status is Status.PASS


def test_a_deleted_virtualenv_is_not_a_leak(repo: RepoBuilder, outcome_of: Run) -> None:
    site = "env/lib/python3.11/site-packages"
    repo.commit(
        "Add project",
        {
            "app.py": "import os\n",
            "env/pyvenv.cfg": "home = /usr/bin\n",
            f"{site}/boto/tests/keys.py": f"secret_key = '{fake(40, 6)}'\n",
            f"{site}/stripe/test_keys.py": f"KEY = 'sk_live_{fake(24, 7)}'\n",
        },
    )
    repo.commit("Remove the virtual environment", delete=(f"{site}/boto/tests/keys.py",))
    repo.git("rm", "-r", "-q", "env")
    repo.commit("Remove env")

    assert outcome_of("GIT008", repo.path).status is Status.PASS


def test_ci_passwords_in_history_are_not_leaks(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add CI", {".github/workflows/ci.yml": CI_WORKFLOW, "app.py": "1\n"})
    repo.commit("Drop CI", delete=(".github/workflows/ci.yml",))

    assert outcome_of("GIT008", repo.path).status is Status.PASS


# ------------------------------------------------------------------------------ GIT009


def test_finds_uploads_cvs_payslips_and_user_databases(
    repo: RepoBuilder, outcome_of: Run, tmp_path: Path
) -> None:
    repo.commit(
        "Add the app",
        {
            "app.py": "import flask\n",
            "static/uploads/jane_doe_cv.pdf": b"%PDF-1.4 cv",
            "static/uploads/photo_4411.jpg": b"\xff\xd8\xff",
            "media/documents/payslip_2024_03.pdf": b"%PDF-1.4 pay",
            "data/users.csv": "id,email\n1,a@b.org\n",
            "instance/app.sqlite3": sqlite_bytes(tmp_path, "users", "posts"),
        },
    )

    outcome = outcome_of("GIT009", repo.path)

    assert outcome.status is Status.FAIL
    assert [e.path for e in outcome.evidence] == [
        "data/users.csv",
        "instance/app.sqlite3",
        "media/documents/payslip_2024_03.pdf",
        "static/uploads/jane_doe_cv.pdf",
        "static/uploads/photo_4411.jpg",
    ]
    assert "a database with a users table" in [e.note for e in outcome.evidence]
    kinds = {f["kind"] for f in security_signals(Snapshot.open(repo.path))["findings"]}
    assert kinds == {"personal_data"}


def test_project_assets_and_other_databases_are_not_personal_data(
    repo: RepoBuilder, outcome_of: Run, tmp_path: Path
) -> None:
    repo.commit(
        "Add the app",
        {
            "app.py": "import flask\n",
            "media/screenshot.png": b"\x89PNG",
            "docs/media/airflow_dashboard.png": b"\x89PNG",
            "static/img/logo.png": b"\x89PNG",
            "docs/cv_template.md": "# A template\n",
            "data/cities.csv": "id,name\n1,Paris\n",
            "cache.db": sqlite_bytes(tmp_path, "pages"),
            "tests/fixtures/users.csv": "id,email\n",
        },
    )

    outcome = outcome_of("GIT009", repo.path)

    assert outcome.status is Status.PASS, outcome.message


def test_an_exercise_collections_uploads_and_databases_are_practice_data(
    repo: RepoBuilder, outcome_of: Run, tmp_path: Path
) -> None:
    """A course follow-along has no users: the blog database of day 69 and its uploaded
    avatar are the author's practice data. A CV is personal data in any project."""
    days = {f"day{n:02d}/main.py": f"def solve():\n    return {n}\n" for n in range(1, 9)}
    practice = {
        "day08/blog/instance/blog.db": sqlite_bytes(tmp_path, "users", "posts"),
        "day08/blog/static/uploads/avatar_2.png": b"\x89PNG",
    }
    repo.commit("Add days 1-8", {**days, **practice})

    clean = outcome_of("GIT009", repo.path)
    repo.commit("Add my CV", {"day08/blog/static/uploads/jane_doe_cv.pdf": b"%PDF-1.4 cv"})
    with_cv = outcome_of("GIT009", repo.path)

    assert clean.status is Status.PASS, clean.message
    assert "2 uploads or databases of this exercise collection" in clean.message
    assert with_cv.status is Status.FAIL
    assert [e.path for e in with_cv.evidence] == ["day08/blog/static/uploads/jane_doe_cv.pdf"]


# ------------------------------------------------------------------------------ never a value


def test_no_planted_value_reaches_the_signals(repo: RepoBuilder) -> None:
    repo.commit(
        "Add settings",
        {
            "app/config.py": f'app.config["SECRET_KEY"] = "{SECRET_KEY}"\n',
            "settings.py": f'import os\nX = os.environ.get("SECRET_KEY", "{FALLBACK}")\n',
            "deploy/key.txt": PEM,
        },
    )
    repo.commit("Fix", {"app/config.py": "import os\n"})

    snapshot = Snapshot.open(repo.path)
    shown = json.dumps([security_signals(snapshot), hygiene_signals(snapshot)])

    assert all(secret not in shown for secret in PLANTED)
    assert "deploy/key.txt" in shown and "app/config.py" in shown


def test_a_constant_naming_its_own_field_is_not_a_secret(repo: RepoBuilder) -> None:
    """`PRIVATE_KEY = "private_key"` names a kind of finding; a password is still one."""
    from auditor.facts.secrets import scan_text

    text = 'PRIVATE_KEY = "private_key"\nTOKEN_TYPE = "token"\nPASSWORD = "Xk82!qPw9zLm"\n'
    found = [(f.line, f.kind) for f in scan_text("app/settings.py", text)]
    assert found == [(3, "hard-coded password (PASSWORD)")]
