"""No secret value from a planted set ever appears in any output format, the results cache
or the batch store.

The repository plants credentials of every kind the scanner reports, at HEAD and only in the
history; each format is rendered through the command line, and the cache entry it stored is
read back; a batch run scores its owner through a stand-in GitHub on 127.0.0.1, and every file
it wrote (the store, the leaderboards, the cards) is read back byte for byte. Findings must
name files, lines and kinds, never a value.
"""

from __future__ import annotations

import random
import sqlite3
import string
import zlib
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.render import FORMATS
from tests.factory import RepoBuilder


def fake(length: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


PLANTED = {
    "mail": fake(18, 1),
    "secret_key": fake(40, 2),
    "fallback": fake(28, 3),
    "stripe": "sk_live_" + fake(24, 4),
    "github": "ghp_" + fake(36, 5),
    "env": fake(22, 6),
    "history": fake(20, 7),
    "url": fake(16, 8),
    "pem": fake(64, 9),
}
PEM = (
    f"-----BEGIN RSA PRIVATE KEY-----\n{PLANTED['pem']}\n{fake(64, 10)}\n"
    "-----END RSA PRIVATE KEY-----\n"
)
FALLBACK = f'import os\nK = os.environ.get("SECRET_KEY", "{PLANTED["fallback"]}")\n'


@pytest.fixture(scope="module")
def leaky_repo(tmp_path_factory: pytest.TempPathFactory) -> RepoBuilder:
    from tests.factory import make_repo

    repo: RepoBuilder = make_repo(tmp_path_factory.mktemp("leaky") / "leaky")
    repo.commit("Add old settings", {"old.py": f"PASSWORD = '{PLANTED['history']}'\n"})
    repo.commit(
        "Add the app",
        {
            "app/__init__.py": f"app.config['MAIL_PASSWORD'] = '{PLANTED['mail']}'\n",
            "app/config.py": f'app.config["SECRET_KEY"] = "{PLANTED["secret_key"]}"\n',
            "settings.py": FALLBACK,
            "pay.py": f"STRIPE = '{PLANTED['stripe']}'\nGH = '{PLANTED['github']}'\n",
            ".env": f"API_TOKEN={PLANTED['env']}\n",
            "db.py": f"URL = 'postgresql://app:{PLANTED['url']}@db.prod.org/app'\n",
            "deploy/key.txt": PEM,
        },
        delete=("old.py",),
    )
    return repo


@pytest.fixture(scope="module")
def leaky(leaky_repo: RepoBuilder) -> Path:
    return leaky_repo.path


@pytest.mark.parametrize("fmt", tuple(FORMATS))
def test_no_planted_value_in_any_format_nor_the_cache(
    leaky: Path, fmt: str, private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["audit", str(leaky), "--format", fmt])
    out, err = capsys.readouterr()
    stored = "".join(p.read_text("utf-8") for p in sorted(private_cache.rglob("*.json")))

    assert stored, "the audit stored its card"
    assert "deploy/key.txt" in out + stored
    for name, value in PLANTED.items():
        assert value not in out, f"{name} shown in {fmt}"
        assert value not in err, f"{name} in the error stream"
        assert value not in stored, f"{name} in the results cache"


def test_no_planted_value_in_the_batch_store_leaderboards_or_cards(
    leaky_repo: RepoBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.github_standin import Repo, User, publish, serve

    monkeypatch.setenv("GITHUB_TOKEN", "ghp_standInToken0123456789abcdefSECRET")
    url = publish(leaky_repo, tmp_path / "leaky.git")
    out = tmp_path / "out"
    server = serve()
    standin = next(server)
    try:
        standin.add_user(User("dana", "Dana", [Repo("leaky", url)]))
        code = main(
            [
                "batch",
                "dana",
                "--out",
                str(out),
                "--github-url",
                standin.base_url,
                "--cache-dir",
                str(tmp_path / "clones"),
                "--request-interval",
                "0",
                "--jobs",
                "1",
            ]
        )
    finally:
        server.close()
    written = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    with sqlite3.connect(out / "auditor.db") as db:  # the stored cards are zlib-compressed
        rows = db.execute("SELECT card_json, card_html FROM audits").fetchall()
    for number, row in enumerate(rows):
        for column, blob in zip(("json", "html"), row, strict=True):
            if blob is not None:
                written[out / f"stored-card-{number}.{column}"] = zlib.decompress(blob)

    assert code == 0
    assert out / "stored-card-0.json" in written, "the store kept the card"
    assert any(b"deploy/key.txt" in data for data in written.values()), "the findings are kept"
    for name, value in PLANTED.items():
        for path, data in written.items():
            assert value.encode() not in data, f"{name} in {path.name}"
