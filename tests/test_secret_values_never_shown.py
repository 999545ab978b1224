"""No secret value from a planted set ever appears in any output format or the results cache.

The repository plants credentials of every kind the scanner reports, at HEAD and only in the
history; each format is rendered through the command line, and the cache entry it stored is
read back. Findings must name files, lines and kinds, never a value.
"""

from __future__ import annotations

import random
import string
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
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Path:
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
    return repo.path


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
