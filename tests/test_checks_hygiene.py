"""GIT004-GIT007 and the ``hygiene`` signals, on real repositories built with the factory.

Every credential below is generated at run time from a fixed seed: realistic in shape, never
a real secret, and never written literally into this file.
"""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.checks.hygiene import hygiene_signals
from auditor.facts.secret_clues import is_placeholder
from auditor.model import Outcome, Scorecard, Status
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

Run = Callable[[str, Path], Outcome]


def fake(length: int, alphabet: str = string.ascii_letters + string.digits, seed: int = 7) -> str:
    """A random-looking credential body (deterministic, so failures reproduce)."""
    rng = random.Random(seed * 1_000 + length)
    return "".join(rng.choice(alphabet) for _ in range(length))


UPPER = string.ascii_uppercase + string.digits
B64 = string.ascii_letters + string.digits + "/+"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "\n".join(fake(64, B64, seed=n) for n in range(3))
    + "\n-----END RSA PRIVATE KEY-----\n"
)


def shallow_clone(repo: RepoBuilder, target: Path) -> Path:
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(target)],
        check=True,
        capture_output=True,
    )
    return target


def assert_never_shown(secret: str, outcome: Outcome, path: Path) -> None:
    """The secret's value appears nowhere in the outcome nor in the signals."""
    assert secret not in outcome.message
    for evidence in outcome.evidence:
        assert secret not in json.dumps(evidence.to_dict())
    assert secret not in repr(outcome)
    assert secret not in json.dumps(hygiene_signals(Snapshot.open(path)))


# ------------------------------------------------------------------------------ GIT004


def test_gitignore_present_passes(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Initial commit", {".gitignore": "__pycache__/\n.venv/\n", "a.py": "1\n"})

    outcome = outcome_of("GIT004", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.evidence[0].path == ".gitignore"


def test_gitignore_missing_fails_and_mentions_nested_ones(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    repo.commit("Initial commit", {"web/.gitignore": "node_modules/\n", "a.py": "1\n"})

    outcome = outcome_of("GIT004", repo.path)

    assert outcome.status is Status.FAIL
    assert "No .gitignore at the root" in outcome.message
    assert "web/.gitignore" in outcome.message


def test_gitignore_empty_fails(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Initial commit", {".gitignore": "", "a.py": "1\n"})

    outcome = outcome_of("GIT004", repo.path)

    assert outcome.status is Status.FAIL
    assert "empty" in outcome.message


# ------------------------------------------------------------------------------ GIT005


def test_no_junk_passes_on_a_clean_tree(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Initial commit",
        {
            "src/app/build/__init__.py": "",  # a package named build, not build output
            "docs/dist.md": "# Distributing\n",
            "src/app/main.py": "1\n",
        },
    )

    outcome = outcome_of("GIT005", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.score == 1.0


def test_no_junk_groups_junk_by_kind(repo: RepoBuilder, outcome_of: Run) -> None:
    site = ".venv/lib/python3.11/site-packages/requests"
    junk = {f"{site}/mod_{i}.py": "1\n" for i in range(12)}
    junk |= {
        "env/pyvenv.cfg": "home = /usr/bin\n",
        "env/bin/activate": "# venv\n",
        "src/app/__pycache__/main.cpython-311.pyc": b"\x00\x01",
        "src/__pycache__/cli.cpython-311.pyc": b"\x00\x01",
        ".DS_Store": b"\x00",
        "src/.DS_Store": b"\x00",
        "docs/.DS_Store": b"\x00",
        "notes.txt~": "draft\n",
        "build/lib/app.py": "1\n",
        "app.egg-info/PKG-INFO": "Name: app\n",
        "src/app/main.py": "1\n",
    }
    repo.write(junk)
    os.symlink("/usr/bin/python3", repo.path / ".venv" / "python")
    repo.commit("Add the project", {})

    outcome = outcome_of("GIT005", repo.path)

    assert outcome.status is Status.FAIL
    message = outcome.message
    assert message.startswith("Committed junk: 13 files under .venv/, ")  # the symlink counts
    assert ".DS_Store \N{MULTIPLICATION SIGN}3" in message
    assert "2 files under env/" in message
    assert "2 files under 2 __pycache__/ folders" in message
    assert "1 file under build/" in message
    assert "1 file under app.egg-info/" in message
    assert "*~ \N{MULTIPLICATION SIGN}1" in message
    assert "git rm -r --cached" in message
    assert "main.py" not in message
    evidence = {e.path: e.note for e in outcome.evidence}
    assert evidence[".venv/"] == "13 files"
    assert evidence["src/.DS_Store"] is None
    assert "src/app/main.py" not in evidence


def test_every_junk_term_of_the_vocabulary_is_flagged(repo: RepoBuilder) -> None:
    from auditor.facts.junk import committed_junk
    from auditor.vocabulary import terms

    files = {"src/app.py": "x = 1\n", "deep/build/keep.py": "y = 2\n"}
    files |= {f"{folder}/junk.txt": "x\n" for folder in terms("hygiene", "junk_dirs")}
    files |= {f"{folder}/out.txt": "x\n" for folder in terms("hygiene", "root_junk_dirs")}
    names = [name for name in terms("hygiene", "junk_names") if name != "pyvenv.cfg"]
    files |= {f"pkg/{name}": "x\n" for name in names}
    files |= {f"pkg/file{suffix}": "x\n" for suffix in terms("hygiene", "junk_suffixes")}
    files |= {"demo.egg-info/PKG-INFO": "x\n", "env/pyvenv.cfg": "home = /usr\n", "env/x": "x"}
    repo.commit("Add everything", files)

    roots = {group.root for group in committed_junk(Snapshot.open(repo.path))}

    expected = {f"{folder}/" for folder in terms("hygiene", "junk_dirs")}
    expected |= {f"{folder}/" for folder in terms("hygiene", "root_junk_dirs")}
    expected |= {f"pkg/{name}" for name in names}
    expected |= {f"pkg/file{suffix}" for suffix in terms("hygiene", "junk_suffixes")}
    expected |= {"demo.egg-info/", "env/"}  # pyvenv.cfg marks its folder a virtualenv
    assert roots == expected


def test_databases_and_logs_are_junk_outside_the_tests(repo: RepoBuilder, outcome_of: Run) -> None:
    """The app's own SQLite file, a dump and its logs are data it writes as it runs; a test's
    database is part of the tests."""
    repo.commit(
        "Add the app",
        {
            "app.py": "import sqlite3\n",
            "instance/playlists.db": b"SQLite format 3\x00",
            "backups/playlists.sqlite3": b"SQLite format 3\x00",
            "logs/app.log": "started\n",
            "tests/fixtures/sample.db": b"SQLite format 3\x00",
            "tests/data/run.log": "ok\n",
            "docs/logging.md": "# Logs\n",
        },
    )

    outcome = outcome_of("GIT005", repo.path)

    assert outcome.status is Status.FAIL
    assert sorted(e.path for e in outcome.evidence) == [
        "backups/playlists.sqlite3",
        "instance/playlists.db",
        "logs/app.log",
    ]
    assert "*.db \N{MULTIPLICATION SIGN}1" in outcome.message


def test_no_junk_caps_evidence(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add", {f"pkg{i}/__pycache__/m.pyc": b"\x00" for i in range(40)})

    outcome = outcome_of("GIT005", repo.path)

    assert outcome.status is Status.FAIL
    assert "40 files under 40 __pycache__/ folders" in outcome.message
    assert len(outcome.evidence) == 20


def test_no_junk_skips_a_plain_folder(tmp_path: Path, outcome_of: Run) -> None:
    folder = tmp_path / "plain"
    (folder / ".venv").mkdir(parents=True)
    (folder / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")

    outcome = outcome_of("GIT005", folder)

    assert outcome.status is Status.SKIP
    assert "Not under version control" in outcome.message


# ------------------------------------------------------------------------------ GIT006

PEM_BODY = PEM.splitlines()[1]
JWT = f"eyJhbGciOiJIUzI1NiJ9.{fake(300, seed=3)}.{fake(43, seed=4)}"

#: (kind, path, text before the secret, the secret, text after it, line of the secret)
TOKENS = [
    ("private key", "deploy/id_key.txt", "", PEM, "", 1),
    ("AWS access key id", "README.md", "# App\n\nKey: ", f"AKIA{fake(16, UPPER)}", "\n", 3),
    (
        "AWS secret access key",
        "deploy/aws.sh",
        "#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY=",
        fake(40, B64),
        "\n",
        2,
    ),
    ("GitHub token", "src/client.js", "const t = '", f"ghp_{fake(36)}", "';\n", 1),
    ("GitHub token", "notes.md", "a\nb\nuse ", f"github_pat_{fake(22)}_{fake(59)}", "\n", 3),
    ("GitLab token", "ci.sh", "curl -H 'PRIVATE-TOKEN: ", f"glpat-{fake(20)}", "'\n", 1),
    ("Slack token", "bot.rb", "\nSLACK = '", f"xoxb-{fake(12, string.digits)}-{fake(24)}", "'", 2),
    ("Stripe live key", "pay.go", 'key := "', f"sk_live_{fake(24)}", '"\n', 1),
    ("Google API key", "web/index.html", '<script src="?key=', f"AIza{fake(35)}", '">\n', 1),
    ("OpenAI API key", "notebook.md", "x\nopenai.api_key = '", f"sk-proj-{fake(48)}", "'\n", 2),
    ("OpenAI API key", "chat.ts", 'const key = "', f"sk-{fake(48)}", '";\n', 1),
    ("Anthropic API key", "llm.rs", 'let k = "', f"sk-ant-api03-{fake(80)}", '";\n', 1),
    ("SendGrid API key", "mail.php", "$k = '", f"SG.{fake(22)}.{fake(43)}", "';\n", 1),
    ("npm token", "publish.sh", "\n\n//registry.npmjs.org/:_authToken=", f"npm_{fake(36)}", "", 3),
    ("Hugging Face token", "hub.md", "token ", f"hf_{fake(34)}", "\n", 1),
    ("PyPI token", "release.md", "", f"pypi-AgEIcHlwaS5vcmc{fake(60)}", "\n", 1),
]


@pytest.mark.parametrize(
    ("kind", "path", "before", "secret", "after", "line"), TOKENS, ids=lambda v: str(v)[:24]
)
def test_no_secrets_finds_token_formats(
    repo: RepoBuilder,
    outcome_of: Run,
    kind: str,
    path: str,
    before: str,
    secret: str,
    after: str,
    line: int,
) -> None:
    repo.commit("Add the client", {path: before + secret + after, "app.py": "print('hi')\n"})

    outcome = outcome_of("GIT006", repo.path)

    # A browser API key or an access key id without its secret may be public by design:
    # found and shown, but partial (for a person to check), never a blocker.
    uncertain = kind in ("AWS access key id", "Google API key")
    assert outcome.status is (Status.PARTIAL if uncertain else Status.FAIL)
    assert outcome.score == (0.5 if uncertain else 0.0)
    assert [(e.path, e.line, e.note) for e in outcome.evidence] == [(path, line, kind)]
    assert f"{path}:{line} ({kind})" in outcome.message
    assert "Revoke" in outcome.message
    assert_never_shown(PEM_BODY if secret == PEM else secret, outcome, repo.path)


ASSIGNMENTS = [
    ("settings.py", "DEBUG = True\nDB_PASSWORD = 'hunter2real'\n", 2, "password (DB_PASSWORD)"),
    ("app/config.py", 'class C:\n    api_key: str = "k9Qz7mWv2Lx"\n', 2, "API key (api_key)"),
    ("config.json", '{\n  "name": "x",\n  "api_key": "a8F3kq9Zp2Lm"\n}\n', 3, "API key (api_key)"),
    ("deploy.yml", "db:\n  password: S3cure!Pass42\n", 2, "password (password)"),
    ("settings.toml", '[db]\nsecret = "Zq8w3Kp0vXa"\n', 2, "secret (secret)"),
    (
        "app.properties",
        "spring.datasource.password=Tr0ub4dor&3\n",
        1,
        "password (spring.datasource.password)",
    ),
    ("db.py", 'connect(host="db", password="pa55W0rdReal")\n', 1, "password (password)"),
    ("client.py", f"\nSERVICE_TOKEN = '{JWT}'\n", 2, "token (SERVICE_TOKEN)"),
]


@pytest.mark.parametrize(("path", "content", "line", "kind"), ASSIGNMENTS)
def test_no_secrets_finds_hard_coded_passwords(
    repo: RepoBuilder, outcome_of: Run, path: str, content: str, line: int, kind: str
) -> None:
    repo.commit("Configure the database", {path: content})

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.FAIL
    assert [(e.path, e.line, e.note) for e in outcome.evidence] == [
        (path, line, f"hard-coded {kind}")
    ]
    value = content.splitlines()[line - 1].split("=")[-1].split(":")[-1].strip(" '\"\n)")
    assert len(value) >= 8
    assert_never_shown(value, outcome, repo.path)


def test_an_apps_own_signing_key_is_named_but_is_no_blocker(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    """A hard-coded SECRET_KEY guards only this configuration's sessions: found and named, an
    unsafe habit (partial), not a leaked account. A cloud service's secret key beside it is
    a live credential, and the rule fails."""
    signing = "app.config['SECRET_KEY'] = 'q8Zt3LmW9xKp2VbR'\n"
    repo.commit("Configure the app", {"app/config.py": signing})
    habit = outcome_of("GIT006", repo.path)
    repo.commit("Add storage", {"app/storage.py": "AWS_SECRET_KEY = 'Wq9Lz3Kx8Pm2Vt7Rb4'\n"})
    live = outcome_of("GIT006", repo.path)

    assert habit.status is Status.PARTIAL and habit.score == 0.5
    assert [(e.path, e.note) for e in habit.evidence] == [
        ("app/config.py", "hard-coded secret key (SECRET_KEY)")
    ]
    assert "forge its sessions" in habit.message
    assert live.status is Status.FAIL
    assert [e.path for e in live.evidence] == ["app/storage.py"]
    assert_never_shown("q8Zt3LmW9xKp2VbR", habit, repo.path)


def test_no_secrets_finds_values_in_a_committed_env_file(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    env = (
        "# local settings\n"
        "DEBUG=1\n"
        "PORT=8000\n"
        "export STRIPE_KEY=Zx81kPq0rTy7\n"
        "DATABASE_URL=postgres://app:Pw9dK2m7@db.internal:5432/app\n"
        "SECRET_KEY=\n"
        "API_TOKEN=changeme\n"
    )
    repo.commit("Add settings", {".env": env})

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.FAIL
    assert [(e.line, e.note) for e in outcome.evidence] == [
        (4, "value in a committed .env file (STRIPE_KEY)"),
        (5, "password in a connection URL in a committed .env file (DATABASE_URL)"),
    ]
    for value in ("Zx81kPq0rTy7", "Pw9dK2m7"):
        assert_never_shown(value, outcome, repo.path)


NOT_SECRETS = [
    ("settings.py", "PASSWORD = 'changeme'\n"),
    ("settings.py", "API_KEY = 'your-api-key-here'\n"),
    ("settings.py", "API_KEY = 'YOUR_API_KEY'\n"),
    ("settings.py", "SECRET = '<your secret>'\n"),
    ("settings.py", "token = 'xxx'\n"),
    ("settings.py", "password = ''\n"),
    ("settings.py", "password = '********'\n"),
    ("settings.py", "SECRET_KEY = os.environ['SECRET_KEY']\n"),
    ("settings.py", "api_key = os.getenv('API_KEY', '')\n"),
    ("settings.py", "password = request.form['password']\n"),
    ("settings.py", "headers = {'token': 'Bearer ' + token}\n"),
    ("settings.py", "PRIVATE_KEY = 'keys/deploy.pem'\n"),
    ("settings.py", "api_key = 'example-key-9f8a7b'\n"),
    ("settings.py", "api_key = 'dummy-9f8a7b6c'\n"),
    ("settings.py", "api_key = 'fake9f8a7b6c'\n"),
    ("settings.py", "api_key = 'test-9f8a7b6c'\n"),
    ("settings.py", "api_key = 'sample9f8a7b6c'\n"),
    ("settings.py", "api_key = 'placeholder-9f8a7b'\n"),
    ("settings.py", "if password == 'hunter2real':\n    pass\n"),
    ("settings.py", "MAX_TOKENS = 1000\n"),
    ("config.yml", "db:\n  password: ${DB_PASSWORD}\n"),
    ("config.yml", 'db:\n  password: "{{ vault_db_password }}"\n'),
    (".github/workflows/ci.yml", "with:\n  token: ${{ secrets.GITHUB_TOKEN }}\n"),
    ("docker-compose.yml", "environment:\n  POSTGRES_PASSWORD: postgres\n"),
    ("compose.yml", "  DB_URL: postgresql://app:${POSTGRES_PASSWORD:?Variable not set}@db/app\n"),
    (".github/workflows/publish.yml", "permissions:\n  id-token: write\n"),
    (".env", "SECRET_KEY=changethis\nFIRST_SUPERUSER_PASSWORD=changethis\n"),
    ("{{cookiecutter.slug}}/settings.py", "PASSWORD = 'hunter2real'\n"),
    ("tests/test_login.py", "password = 'hunter2real'\n"),
    ("tests/conftest.py", "API_KEY = 'a8F3kq9Zp2Lm'\n"),
    ("src/login_test.py", "password = 'hunter2real'\n"),
    ("aggregator/tests.py", "password = 'hunter2real'\n"),
    ("examples/config.py", "password = 'hunter2real'\n"),
    ("config.example.json", '{"api_key": "a8F3kq9Zp2Lm"}\n'),
    (".env.example", "API_KEY=a8F3kq9Zp2Lm\n"),
    (".env.sample", "API_KEY=a8F3kq9Zp2Lm\n"),
    (".env.template", "API_KEY=a8F3kq9Zp2Lm\n"),
    (".env.dist", "API_KEY=a8F3kq9Zp2Lm\n"),
    (".env", "DEBUG=1\nAPI_KEY=\nSECRET_KEY=your-secret-here\nDATABASE_URL=sqlite:///db\n"),
    ("tests/fixtures/tokens.py", f"TOKEN = 'ghp_{fake(36)}'\n"),
    ("testdata/key.pem", PEM),
    ("docs/keys.md", "Paste it between -----BEGIN RSA PRIVATE KEY----- and ...\n"),
    ("docs/aws.md", "Your key looks like AKIAIOSFODNN7EXAMPLE.\n"),
    ("docs/ml.md", "See sk-learn-compatible-estimators-and-pipelines.\n"),
    ("docs/gh.md", "Use a token like ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.\n"),
    ("README.md", "Set `password = 'hunter2real'` in your settings.\n"),
]


@pytest.mark.parametrize(("path", "content"), NOT_SECRETS, ids=lambda v: str(v)[:40])
def test_no_secrets_ignores_placeholders_tests_and_examples(
    repo: RepoBuilder, outcome_of: Run, path: str, content: str
) -> None:
    repo.commit("Add configuration", {path: content, "app.py": "import os\n"})

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.PASS, outcome.message
    assert "No private keys" in outcome.message


def test_no_secrets_passes_a_local_env_outside_version_control(
    tmp_path: Path, outcome_of: Run
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / ".env").write_text("API_KEY=Zx81kPq0rTy7\n")
    (folder / "app.py").write_text("API_KEY = 'a8F3kq9Zp2Lm'\n")

    outcome = outcome_of("GIT006", folder)

    # the .env is local configuration; the hard-coded key in the code is still flagged
    assert outcome.status is Status.FAIL
    assert [(e.path, e.line) for e in outcome.evidence] == [("app.py", 1)]


def test_no_secrets_skips_binary_files_and_vendored_folders(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    token = f"ghp_{fake(36)}"
    repo.commit(
        "Add assets",
        {
            "logo.png": b"\x89PNG\x00\x00" + token.encode(),
            ".venv/lib/site-packages/lib/conf.py": f"T = '{token}'\n",
            "node_modules/x/index.js": f"T = '{token}'\n",
        },
    )

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.PASS


def test_no_secrets_ignores_overlong_lines_for_assignments_only(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    padding = "x" * 5_000
    token = f"ghp_{fake(36)}"
    repo.commit(
        "Add minified config",
        {
            "bundle.json": f'{{"pad": "{padding}", "password": "hunter2real"}}\n',
            "bundle2.json": f'{{"pad": "{padding}", "t": "{token}"}}\n',
        },
    )

    outcome = outcome_of("GIT006", repo.path)

    assert [(e.path, e.note) for e in outcome.evidence] == [("bundle2.json", "GitHub token")]


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("changeme", True),
        ("${API_KEY}", True),
        ("{{ token }}", True),
        ("<token>", True),
        ("*****", True),
        ("", True),
        ("abc", True),
        ("postgres", True),
        ("123456", True),
        ("Z8q!w3Kp0", False),
        ("hunter2real", False),
    ],
)
def test_is_placeholder(value: str, placeholder: bool) -> None:
    assert is_placeholder(value) is placeholder


def test_secret_scan_stays_fast_on_hostile_lines(repo: RepoBuilder, outcome_of: Run) -> None:
    hostile = {
        "a.json": ('"password' + ":a" * 1_900 + "\n") * 200,
        "b.yml": ("token: " + "sk-" * 1_300 + "\n") * 200,
        "c.py": ("a" * 3_900 + "_password = '\n") * 200,
    }
    repo.commit("Add data", hostile)

    started = time.perf_counter()
    outcome = outcome_of("GIT006", repo.path)

    assert time.perf_counter() - started < 5
    assert outcome.status is Status.PASS


def test_a_key_header_followed_by_many_fields_is_scanned_in_linear_time(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    # Each header once cost the old pattern ~20 ms of backtracking over ways to split the
    # "a: a: …" line into header fields: two minutes for this file.
    block = "-----BEGIN PRIVATE KEY-----\n" + " ".join(["a:"] * 40) + "\n"
    repo.commit("Add notes", {"notes.txt": block * 5_000})

    started = time.perf_counter()
    outcome = outcome_of("GIT006", repo.path)

    assert time.perf_counter() - started < 5
    assert outcome.status is Status.PASS


def test_every_token_format_of_the_vocabulary_scans_hostile_text_fast() -> None:
    from auditor.facts.secrets import token_formats

    formats = token_formats()
    assert {"private key", "AWS access key id", "GitHub token", "PyPI token"} <= {
        f.kind for f in formats
    }
    for token in formats:
        assert token.needles and all(token.needles), token.kind
        # The needle, then a long run the pattern's character classes accept, never closed.
        hostile = "".join(f"{needle}{'A1-_' * 80}: " for needle in token.needles) * 300
        started = time.perf_counter()
        found = [m.group(0)[:12] for m in token.pattern.finditer(hostile)]
        assert time.perf_counter() - started < 1, token.kind
        assert len(found) <= hostile.count(token.needles[0]), token.kind


def test_an_encrypted_key_with_header_fields_is_found(repo: RepoBuilder, outcome_of: Run) -> None:
    key = (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        "Proc-Type: 4,ENCRYPTED\n"
        f"DEK-Info: AES-128-CBC,{fake(32, UPPER)}\n"
        "\n"
        f"{fake(64, B64)}\n"
        "-----END RSA PRIVATE KEY-----\n"
    )
    repo.commit(
        "Add deploy key", {"deploy/key.txt": key, "README.md": "-----BEGIN PRIVATE KEY-----\n"}
    )

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.FAIL
    assert [(e.path, e.line, e.note) for e in outcome.evidence] == [
        ("deploy/key.txt", 1, "private key")
    ]


# ------------------------------------------------------------------------------ GIT007


def test_secret_file_deleted_later_is_still_in_the_history(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    secret = "Zx81kPq0rTy7"
    added = repo.commit("Add settings", {".env": f"API_KEY={secret}\n", "app.py": "1\n"})
    repo.commit("Stop tracking .env", {".gitignore": ".env\n"}, delete=(".env",))

    in_history = outcome_of("GIT007", repo.path)
    at_head = outcome_of("GIT006", repo.path)

    assert in_history.status is Status.FAIL
    assert f".env ({added[:7]})" in in_history.message
    assert "It was deleted later but remains readable in the history" in in_history.message
    assert [(e.path, e.note) for e in in_history.evidence] == [
        (".env", f"added in {added[:7]}; deleted later, still in the history")
    ]
    assert at_head.status is Status.PASS
    assert_never_shown(secret, in_history, repo.path)


def test_secret_files_deleted_later_are_counted(repo: RepoBuilder, outcome_of: Run) -> None:
    keys = {".env": "API_KEY=Zx81kPq0rTy7\n", "deploy.key": "x\n", ".netrc": "x\n"}
    repo.commit("Add keys", keys)
    repo.commit("Remove keys", {"a.py": "1\n"}, delete=(".env", "deploy.key"))

    outcome = outcome_of("GIT007", repo.path)

    assert outcome.status is Status.FAIL
    assert "2 of them were deleted later but remain readable" in outcome.message
    assert [e.path for e in outcome.evidence] == [".env", ".netrc", "deploy.key"]


@pytest.mark.parametrize(
    "content", ["", "# SECRET_KEY=\nSECRET_KEY=changeme\nDEBUG=1\n"], ids=["empty", "placeholders"]
)
def test_an_env_file_that_held_nothing_is_no_leak_once_deleted(
    repo: RepoBuilder, outcome_of: Run, content: str
) -> None:
    """An .env committed empty (or with placeholders only) and deleted later published
    nothing: the history keeps the file, not a secret."""
    repo.commit("Add app", {"app.py": "import os\n", ".env": content})
    repo.commit("Stop tracking .env", {".gitignore": ".env\n"}, delete=(".env",))

    outcome = outcome_of("GIT007", repo.path)

    assert outcome.status is Status.PASS, outcome.message


def test_a_token_in_braces_is_not_a_template(repo: RepoBuilder, outcome_of: Run) -> None:
    """``DISCORD_TOKEN={…}`` with a real token inside the braces: a value, not a name to fill."""
    token = "ODc1" + "Zx81kPq0rTy7Lm2Vb9" + ".YQ" + "k29LmPZq8x"
    repo.commit("Add bot", {"bot.py": "import os\n", ".env": f"DISCORD_TOKEN={{{token}}}\n"})
    repo.commit("Remove env", {".gitignore": ".env\n"}, delete=(".env",))

    outcome = outcome_of("GIT007", repo.path)

    assert outcome.status is Status.FAIL, outcome.message
    assert [e.path for e in outcome.evidence] == [".env"]


def test_secret_files_still_at_head(repo: RepoBuilder, outcome_of: Run) -> None:
    first = repo.commit("Add deploy key", {"deploy/id_rsa": PEM, "app.py": "1\n"})
    second = repo.commit(
        "Add service account", {"gcp-service-account.json": "{}\n", "certs/server.pem": "x\n"}
    )

    outcome = outcome_of("GIT007", repo.path)

    assert outcome.status is Status.FAIL
    notes = {e.path: e.note for e in outcome.evidence}
    assert notes == {
        "certs/server.pem": f"added in {second[:7]}; still at HEAD",
        "deploy/id_rsa": f"added in {first[:7]}; still at HEAD",
        "gcp-service-account.json": f"added in {second[:7]}; still at HEAD",
    }
    assert "deleted later" not in outcome.message


def test_secret_files_name_the_commit_that_first_added_them(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    first = repo.commit("Add credentials", {".pypirc": "[pypi]\n"})
    repo.commit("Remove credentials", {"a.py": "1\n"}, delete=(".pypirc",))
    repo.commit("Add credentials again", {".pypirc": "[pypi]\n"})

    outcome = outcome_of("GIT007", repo.path)

    assert outcome.evidence[0].note == f"added in {first[:7]}; still at HEAD"


def test_no_secret_files_passes_examples_and_fixtures(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add configuration",
        {
            ".env.example": "API_KEY=\n",
            ".env.sample": "API_KEY=\n",
            "tests/fixtures/server.key": "x\n",
            "tests/id_rsa": "x\n",
            "id_rsa.pub": "ssh-ed25519 AAAA\n",
            "keys.py": "1\n",
            "{{cookiecutter.project_slug}}/.env": "API_KEY=\n",
            ".venv/lib/site-packages/certifi/cacert.pem": "x\n",
        },
    )

    outcome = outcome_of("GIT007", repo.path)

    assert outcome.status is Status.PASS
    assert "incomplete" not in outcome.message


def test_no_secret_files_says_a_shallow_history_is_incomplete(
    repo: RepoBuilder, tmp_path: Path, outcome_of: Run
) -> None:
    repo.commit("Add settings", {".env": "API_KEY=Zx81kPq0rTy7\n"})
    repo.commit("Stop tracking .env", {"a.py": "1\n"}, delete=(".env",))
    clone = shallow_clone(repo, tmp_path / "shallow")

    outcome = outcome_of("GIT007", clone)

    assert outcome.status is Status.PASS
    assert "history is incomplete" in outcome.message
    assert "Only the 1 visible commits" in outcome.message


def test_no_secret_files_skips_a_plain_folder(tmp_path: Path, outcome_of: Run) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / ".env").write_text("API_KEY=Zx81kPq0rTy7\n")

    outcome = outcome_of("GIT007", folder)

    assert outcome.status is Status.SKIP


# ------------------------------------------------------------------------------ signals


def test_hygiene_signals(repo: RepoBuilder) -> None:
    token = f"ghp_{fake(36)}"
    repo.commit(
        "Add the project",
        {
            ".gitignore": "*.log\n",
            ".env": "API_KEY=Zx81kPq0rTy7\n",
            "src/__pycache__/a.pyc": b"\x00",
            ".DS_Store": b"\x00",
            "client.py": f"TOKEN = '{token}'\n",
            "app.py": "1\n",
        },
    )
    repo.commit("Stop tracking .env", {}, delete=(".env",))

    signals = hygiene_signals(Snapshot.open(repo.path))

    assert signals == {
        "gitignore": True,
        "committed_junk": [".DS_Store", "src/__pycache__/"],
        "secrets_suspect": ["client.py"],
        "secret_files_in_history": [".env"],
    }
    assert token not in json.dumps(signals)


def test_hygiene_signals_of_a_bare_tree(repo: RepoBuilder) -> None:
    repo.commit("Initial commit", {"app.py": "1\n"})

    signals = hygiene_signals(Snapshot.open(repo.path))

    assert signals == {
        "gitignore": False,
        "committed_junk": [],
        "secrets_suspect": [],
        "secret_files_in_history": [],
    }


def test_a_full_audit_never_shows_a_secret(
    repo: RepoBuilder, audit_path: Callable[[Path], Scorecard]
) -> None:
    token = f"ghp_{fake(36)}"
    password = "pa55W0rdReal"
    repo.commit(
        "Add the client",
        {
            "client.py": f"TOKEN = '{token}'\nDB_PASSWORD = '{password}'\n",
            ".env": f"API_TOKEN={token}\n",
        },
    )

    scorecard = audit_path(repo.path)

    findings = {f.rule: f for f in scorecard.findings}
    assert findings["GIT006"].status is Status.FAIL
    assert findings["GIT007"].status is Status.FAIL
    assert scorecard.signals["hygiene"]["secrets_suspect"] == [".env", "client.py"]
    for secret in (token, password):
        assert secret not in repr(scorecard)


def test_fake_data_generators_and_famous_example_passwords_are_not_secrets(
    repo: RepoBuilder, outcome_of: Callable[[str, Path], Outcome]
) -> None:
    repo.commit(
        "Seed the database with fake users",
        {
            "utils/fake_generator.py": 'User(email=e, password="Zx9!qTw3vLp0")\n',
            "app/config.py": 'ADMIN_PASSWORD = "correcthorsebatterystaple"\n',
        },
    )

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.PASS, outcome.message


def test_a_real_looking_password_outside_fake_data_is_still_flagged(
    repo: RepoBuilder, outcome_of: Callable[[str, Path], Outcome]
) -> None:
    repo.commit("Configure the admin", {"app/config.py": 'ADMIN_PASSWORD = "Zx9!qTw3vLp0"\n'})

    outcome = outcome_of("GIT006", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.evidence[0].path == "app/config.py"
    assert "Zx9!qTw3vLp0" not in outcome.message
