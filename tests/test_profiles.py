"""Role profiles judge a portfolio against the job: each one favours the repository of its role.

Six repositories are built with real git, one per role, each a reasonable project of its
kind (a README with the usual sections, tests, CI, a history over several days) plus the
stack its role is about. Every profile then audits every repository.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.engine import audit
from auditor.facts.stack import technologies
from auditor.model import Scorecard
from auditor.profiles import MIN_MATCH, choose_profile, load_profiles, profile_names
from auditor.rulepack import RulePack
from auditor.source.snapshot import Snapshot
from tests.factory import FileContent, RepoBuilder, make_repo

ROLES = ("backend", "data", "automation", "qa", "devops", "ml")

LICENSE = "MIT License\n\nPermission is hereby granted, free of charge, to any person...\n"

GITIGNORE = "__pycache__/\n.venv/\n.env\n*.sqlite3\n.pytest_cache/\n"

CI = """\
name: CI
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -r requirements.txt
      - run: ruff check .
      - run: pytest
"""


def readme(title: str, summary: str, usage: str, extra: str = "") -> str:
    """A README with the sections hiring guides ask for, and a role's own sections."""
    return f"""\
# {title}

{summary} The project is small on purpose so that every part can be read in one sitting,
but it is built the way a team would build it: configuration comes from the environment,
errors are reported through logging, every module has tests, and continuous integration runs
the linter and the test suite on each push. The design section explains the main decisions
and the limitations section lists what is missing and what would come next.

## Installation

```bash
python -m venv .venv && . .venv/bin/activate
pip install -r requirements.txt
```

## Usage

```bash
{usage}
```

## Running the tests

```bash
pytest
```

## Design decisions

The code is split by responsibility so that each part can change on its own: input, the core
logic and output live in separate modules, and the core has no side effects, which keeps it
easy to test.

## Known limitations

- Only one input format is supported; others need an adapter.
- There is no web dashboard yet.
{extra}
## License

MIT, see LICENSE.
"""


def module(doc: str, body: str) -> str:
    return f'"""{doc}"""\n\nfrom __future__ import annotations\n\n{body}'


def helpers(prefix: str, count: int = 6) -> str:
    """Small typed, documented functions, to give a project some size."""
    return "\n\n".join(
        f'''def {prefix}_{index}(values: list[float], limit: float = {index}.0) -> float:
    """The sum of the values above a limit of {index}."""
    total = 0.0
    for value in values:
        if value > limit:
            total += value
    return round(total, 2)
'''
        for index in range(count)
    )


def build(path: Path, stages: list[tuple[str, Mapping[str, FileContent]]]) -> RepoBuilder:
    """A repository whose history grows over several days, one stage per commit."""
    repo = make_repo(path)
    for message, files in stages:
        repo.commit(message, files, days_later=1)
    return repo


def suite_file(name: str, imports: str, body: str) -> dict[str, str]:
    return {f"tests/{name}": f'"""Tests."""\n\n{imports}\n\n\n{body}'}


# ----------------------------------------------------------------------------- back-end

BACKEND_MAIN = module(
    "The HTTP API.",
    """import logging

from fastapi import Depends, FastAPI, HTTPException

from shelf.auth import current_user
from shelf.db import Book, session
from shelf.schemas import BookIn, BookOut

logger = logging.getLogger(__name__)
app = FastAPI(title="shelf")


@app.get("/books/{book_id}", response_model=BookOut)
def read_book(book_id: int) -> BookOut:
    \"\"\"One book by id.\"\"\"
    with session() as db:
        book = db.get(Book, book_id)
        if book is None:
            raise HTTPException(status_code=404, detail="no such book")
        return BookOut.model_validate(book)


@app.post("/books", response_model=BookOut, status_code=201)
def create_book(payload: BookIn, user: str = Depends(current_user)) -> BookOut:
    \"\"\"Add a book to the shelf.\"\"\"
    with session() as db:
        book = Book(title=payload.title, owner=user)
        db.add(book)
        db.commit()
        logger.info("book %s added by %s", book.id, user)
        return BookOut.model_validate(book)
""",
)
BACKEND_DB = module(
    "Storage with SQLAlchemy.",
    """import os

from sqlalchemy import String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

ENGINE = create_engine(os.environ.get("SHELF_DATABASE_URL", "sqlite:///shelf.sqlite3"))


class Base(DeclarativeBase):
    \"\"\"The declarative base of every table.\"\"\"


class Book(Base):
    \"\"\"A book on the shelf.\"\"\"

    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(100))


def session() -> Session:
    \"\"\"A new database session.\"\"\"
    return Session(ENGINE)
""",
)
BACKEND_AUTH = module(
    "Token authentication.",
    """import os

from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt
from passlib.context import CryptContext

SECRET = os.environ.get("SHELF_SECRET", "")
passwords = CryptContext(schemes=["bcrypt"])
scheme = OAuth2PasswordBearer(tokenUrl="token")


def current_user(token: str = Depends(scheme)) -> str:
    \"\"\"The user a bearer token belongs to.\"\"\"
    try:
        return str(jwt.decode(token, SECRET, algorithms=["HS256"])["sub"])
    except JWTError as exc:
        raise HTTPException(status_code=401, detail="invalid token") from exc
""",
)
BACKEND_SCHEMAS = module(
    "Request and response bodies.",
    """from pydantic import BaseModel, ConfigDict


class BookIn(BaseModel):
    \"\"\"A new book.\"\"\"

    title: str


class BookOut(BookIn):
    \"\"\"A stored book.\"\"\"

    model_config = ConfigDict(from_attributes=True)
    id: int
""",
)
BACKEND_MIGRATION = module(
    "Create the books table.",
    """from alembic import op
import sqlalchemy as sa

revision = "0001"


def upgrade() -> None:
    \"\"\"Create the table.\"\"\"
    op.create_table("books", sa.Column("id", sa.Integer, primary_key=True))
""",
)


def build_backend(path: Path) -> RepoBuilder:
    return build(
        path,
        [
            (
                "Serve books over a FastAPI app",
                {
                    ".gitignore": GITIGNORE,
                    "LICENSE": LICENSE,
                    "requirements.txt": "fastapi==0.115.0\nsqlalchemy==2.0.36\nalembic==1.14.0\n"
                    "python-jose==3.3.0\npasslib==1.7.4\npytest==8.3.3\nhttpx==0.27.2\n",
                    "shelf/__init__.py": '"""Shelf: a small book API."""\n',
                    "shelf/main.py": BACKEND_MAIN,
                    "shelf/schemas.py": BACKEND_SCHEMAS,
                },
            ),
            (
                "Store books with SQLAlchemy and Alembic",
                {
                    "shelf/db.py": BACKEND_DB,
                    "alembic.ini": "[alembic]\nscript_location = alembic\n",
                    "alembic/versions/0001_create_books.py": BACKEND_MIGRATION,
                },
            ),
            ("Require a token to add books", {"shelf/auth.py": BACKEND_AUTH}),
            (
                "Test the API through the test client",
                suite_file(
                    "test_api.py",
                    "from fastapi.testclient import TestClient\n\nfrom shelf.main import app",
                    "client = TestClient(app)\n\n\ndef test_missing_book_is_404() -> None:\n"
                    '    assert client.get("/books/999").status_code == 404\n\n\n'
                    "def test_adding_needs_a_token() -> None:\n"
                    '    assert client.post("/books", json={"title": "x"}).status_code == 401\n',
                ),
            ),
            (
                "Add pricing helpers",
                {"shelf/pricing.py": module("Prices.", helpers("price"))},
            ),
            (
                "Run the tests in CI and document the API",
                {
                    ".github/workflows/ci.yml": CI,
                    ".env.example": "SHELF_DATABASE_URL=sqlite:///shelf.sqlite3\nSHELF_SECRET=\n",
                    "README.md": readme(
                        "shelf",
                        "Shelf is a small REST API for a shared bookshelf: users sign in with a "
                        "token, add books and look them up.",
                        "uvicorn shelf.main:app --reload\n"
                        "curl -H 'Authorization: Bearer TOKEN' -d '{\"title\": \"Dune\"}' "
                        "localhost:8000/books",
                        "\n## Example requests\n\n```bash\ncurl localhost:8000/books/1\n"
                        '{"id": 1, "title": "Dune"}\n```\n',
                    ),
                },
            ),
        ],
    )


# ----------------------------------------------------------------------------- data

DATA_EXTRACT = module(
    "Read the raw exports.",
    """import logging
from pathlib import Path

import pandas as pd

logger = logging.getLogger(__name__)


def extract(folder: Path) -> pd.DataFrame:
    \"\"\"Every CSV export in a folder as one frame.\"\"\"
    frames = [pd.read_csv(path, parse_dates=["day"]) for path in sorted(folder.glob("*.csv"))]
    logger.info("read %d exports", len(frames))
    return pd.concat(frames, ignore_index=True)
""",
)
DATA_VALIDATE = module(
    "The schema every order must satisfy.",
    """import pandera as pa

ORDERS = pa.DataFrameSchema(
    {
        "order_id": pa.Column(int, unique=True),
        "amount": pa.Column(float, pa.Check.ge(0)),
        "day": pa.Column("datetime64[ns]"),
    }
)
""",
)
DATA_LOAD = module(
    "Load the clean orders into DuckDB and compute the daily revenue.",
    """from pathlib import Path

import duckdb
import pandas as pd

QUERY = Path(__file__).with_name("daily_revenue.sql")


def daily_revenue(orders: pd.DataFrame) -> pd.DataFrame:
    \"\"\"Revenue per day, computed in SQL.\"\"\"
    connection = duckdb.connect()
    connection.register("orders", orders)
    return connection.execute(QUERY.read_text()).df()
""",
)
DATA_SQL = "SELECT day, SUM(amount) AS revenue\nFROM orders\nGROUP BY day\nORDER BY day;\n"
NOTEBOOK = json.dumps(
    {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Revenue exploration"]},
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "source": ["import pandas as pd\n", "orders = pd.read_csv('orders.csv')"],
                "outputs": [],
            },
            {
                "cell_type": "code",
                "execution_count": 2,
                "metadata": {},
                "source": ["orders.describe()"],
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "execution_count": 2,
                        "metadata": {},
                        "data": {"text/plain": ["       amount\n", "count  120.0"]},
                    }
                ],
            },
        ],
    },
    indent=1,
)


def build_data(path: Path) -> RepoBuilder:
    return build(
        path,
        [
            (
                "Read the order exports with pandas",
                {
                    ".gitignore": GITIGNORE,
                    "LICENSE": LICENSE,
                    "requirements.txt": "pandas==2.2.3\nduckdb==1.1.3\npandera==0.21.0\n"
                    "pytest==8.3.3\n",
                    "pipeline/__init__.py": '"""The revenue pipeline."""\n',
                    "pipeline/extract.py": DATA_EXTRACT,
                },
            ),
            ("Validate orders with pandera", {"pipeline/validate.py": DATA_VALIDATE}),
            (
                "Compute the daily revenue in SQL",
                {"pipeline/load.py": DATA_LOAD, "pipeline/daily_revenue.sql": DATA_SQL},
            ),
            ("Explore the revenue in a notebook", {"notebooks/exploration.ipynb": NOTEBOOK}),
            ("Add currency helpers", {"pipeline/currency.py": module("FX.", helpers("fx"))}),
            (
                "Test the validation and document the pipeline",
                {
                    **suite_file(
                        "test_validate.py",
                        "import pandas as pd\nimport pandera as pa\nimport pytest\n\n"
                        "from pipeline.validate import ORDERS",
                        "def test_negative_amounts_are_rejected() -> None:\n"
                        "    frame = pd.DataFrame({'order_id': [1], 'amount': [-1.0], "
                        "'day': pd.to_datetime(['2024-01-01'])})\n"
                        "    with pytest.raises(pa.errors.SchemaError):\n"
                        "        ORDERS.validate(frame)\n",
                    ),
                    ".github/workflows/ci.yml": CI,
                    "README.md": readme(
                        "revenue-pipeline",
                        "A small batch pipeline that reads daily order exports, validates them "
                        "against a schema and computes the revenue per day with SQL.",
                        "python -m pipeline exports/",
                        "\n## Data\n\nOrders are validated with pandera before any SQL runs.\n",
                    ),
                },
            ),
        ],
    )


# ----------------------------------------------------------------------------- automation

AUTOMATION_CLI = module(
    "The backup command line.",
    """import logging

import typer

from nightly.jobs import run_backup

app = typer.Typer()
logger = logging.getLogger(__name__)


@app.command()
def backup(source: str, target: str) -> None:
    \"\"\"Copy a folder to the backup server.\"\"\"
    logging.basicConfig(level=logging.INFO)
    copied = run_backup(source, target)
    logger.info("copied %d files", copied)
""",
)
AUTOMATION_JOBS = module(
    "The backup job, retried when the network fails.",
    """import logging

import requests
from tenacity import retry, stop_after_attempt, wait_exponential

logger = logging.getLogger(__name__)


@retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=1))
def upload(url: str, payload: bytes) -> None:
    \"\"\"Upload one file, raising on HTTP errors so tenacity retries.\"\"\"
    response = requests.put(url, data=payload, timeout=30)
    response.raise_for_status()


def run_backup(source: str, target: str) -> int:
    \"\"\"Upload the listing of a folder; the number of files sent.\"\"\"
    try:
        upload(f"{target}/listing", source.encode())
    except requests.RequestException:
        logger.exception("backup of %s failed", source)
        raise
    return 1
""",
)
AUTOMATION_SCHEDULE = module(
    "Run the backup every night.",
    """import schedule

from nightly.jobs import run_backup


def plan(source: str, target: str) -> None:
    \"\"\"Register the nightly backup.\"\"\"
    schedule.every().day.at("02:00").do(run_backup, source, target)
""",
)
NIGHTLY_WORKFLOW = """\
name: nightly
on:
  schedule:
    - cron: "0 2 * * *"
jobs:
  backup:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - run: python -m nightly.cli backup data/ https://backup.example.org
"""


def build_automation(path: Path) -> RepoBuilder:
    return build(
        path,
        [
            (
                "Add the backup command",
                {
                    ".gitignore": GITIGNORE,
                    "LICENSE": LICENSE,
                    "requirements.txt": "typer==0.12.5\nrequests==2.32.3\ntenacity==9.0.0\n"
                    "schedule==1.2.2\npytest==8.3.3\n",
                    "nightly/__init__.py": '"""Nightly backups."""\n',
                    "nightly/cli.py": AUTOMATION_CLI,
                },
            ),
            ("Retry uploads with backoff", {"nightly/jobs.py": AUTOMATION_JOBS}),
            (
                "Schedule the backup every night",
                {
                    "nightly/schedule.py": AUTOMATION_SCHEDULE,
                    ".github/workflows/nightly.yml": NIGHTLY_WORKFLOW,
                },
            ),
            ("Add size helpers", {"nightly/sizes.py": module("Sizes.", helpers("size"))}),
            (
                "Test the job and document the tool",
                {
                    **suite_file(
                        "test_sizes.py",
                        "from nightly.sizes import size_0",
                        "def test_sizes_add_up() -> None:\n    assert size_0([1.0, 2.0]) == 3.0\n",
                    ),
                    ".github/workflows/ci.yml": CI,
                    "README.md": readme(
                        "nightly",
                        "Nightly is a command-line tool that backs up a folder to a server every "
                        "night, retrying when the network fails and logging every step.",
                        "python -m nightly.cli backup data/ https://backup.example.org",
                        "\n## Example output\n\n```text\nINFO copied 12 files\n```\n",
                    ),
                },
            ),
        ],
    )


# ----------------------------------------------------------------------------- QA

QA_PAGE = module(
    "The login page, as a page object.",
    """from playwright.sync_api import Page


class LoginPage:
    \"\"\"Actions a user takes on the login page.\"\"\"

    def __init__(self, page: Page) -> None:
        self.page = page

    def sign_in(self, user: str, password: str) -> None:
        \"\"\"Fill in the form and submit it.\"\"\"
        self.page.fill("#user", user)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")
""",
)
QA_CI = """\
name: tests
on: [push, pull_request]
jobs:
  e2e:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
      - run: pip install -r requirements.txt
      - run: ruff check .
      - run: pytest --cov=pages --junitxml=report.xml
      - uses: actions/upload-artifact@v4
        with:
          name: report
          path: report.xml
"""


def build_qa(path: Path) -> RepoBuilder:
    return build(
        path,
        [
            (
                "Add the login page object",
                {
                    ".gitignore": GITIGNORE,
                    "LICENSE": LICENSE,
                    "requirements.txt": "pytest==8.3.3\npytest-playwright==0.5.2\n"
                    "requests==2.32.3\npytest-cov==6.0.0\n",
                    "pages/__init__.py": '"""Page objects."""\n',
                    "pages/login_page.py": QA_PAGE,
                },
            ),
            (
                "Test signing in through the browser",
                {
                    "tests/conftest.py": '"""Shared fixtures."""\n\nimport pytest\n\n\n'
                    "@pytest.fixture\ndef base_url() -> str:\n"
                    '    return "https://shop.example.org"\n',
                    **suite_file(
                        "test_login.py",
                        "from playwright.sync_api import Page, expect\n\n"
                        "from pages.login_page import LoginPage",
                        "def test_wrong_password_shows_an_error(page: Page, base_url: str) "
                        "-> None:\n"
                        "    page.goto(base_url)\n"
                        '    LoginPage(page).sign_in("ada", "wrong")\n'
                        '    expect(page.locator(".error")).to_have_text("Wrong password")\n',
                    ),
                },
            ),
            (
                "Test the users API",
                suite_file(
                    "test_users_api.py",
                    "import requests",
                    "def test_unknown_user_is_404(base_url: str) -> None:\n"
                    '    response = requests.get(f"{base_url}/api/users/0", timeout=10)\n'
                    "    assert response.status_code == 404\n",
                ),
            ),
            (
                "Run the suite in CI with coverage and a report",
                {
                    ".github/workflows/tests.yml": QA_CI,
                    "README.md": readme(
                        "shop-tests",
                        "End-to-end tests for a demo shop: browser journeys with Playwright and "
                        "API checks with requests, run in CI with a JUnit report.",
                        "pytest -m smoke --headed",
                    ),
                },
            ),
        ],
    )


# ----------------------------------------------------------------------------- DevOps

DEVOPS_APP = module(
    "A small service with health and metrics endpoints.",
    """import logging

from flask import Flask
from prometheus_client import Counter, generate_latest

app = Flask(__name__)
REQUESTS = Counter("requests_total", "Requests served")
logger = logging.getLogger(__name__)


@app.route("/health")
def health() -> str:
    \"\"\"Liveness probe.\"\"\"
    REQUESTS.inc()
    return "ok"


@app.route("/metrics")
def metrics() -> bytes:
    \"\"\"Prometheus metrics.\"\"\"
    return generate_latest()
""",
)
DEVOPS_DEPLOY = """\
name: deploy
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt && pytest
      - run: docker build -t ghcr.io/ada/pinger:${{ github.sha }} .
      - run: docker push ghcr.io/ada/pinger:${{ github.sha }}
      - run: terraform -chdir=infra init && terraform -chdir=infra apply -auto-approve
"""


def build_devops(path: Path) -> RepoBuilder:
    return build(
        path,
        [
            (
                "Serve health and metrics endpoints",
                {
                    ".gitignore": GITIGNORE + ".terraform/\n",
                    "LICENSE": LICENSE,
                    "requirements.txt": "flask==3.0.3\nprometheus-client==0.21.0\npytest==8.3.3\n",
                    "pinger/__init__.py": '"""Pinger."""\n',
                    "pinger/app.py": DEVOPS_APP,
                },
            ),
            (
                "Package the service in a container",
                {
                    "Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n"
                    "RUN pip install -r /app/requirements.txt\nUSER nobody\n"
                    'CMD ["flask", "--app", "pinger.app", "run"]\n',
                },
            ),
            (
                "Describe the infrastructure in Terraform",
                {
                    "infra/main.tf": 'resource "aws_ecs_service" "pinger" {\n'
                    '  name = "pinger"\n}\n',
                    "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\n",
                },
            ),
            (
                "Scrape the metrics with Prometheus",
                {"monitoring/prometheus.yml": "scrape_configs:\n  - job_name: pinger\n"},
            ),
            (
                "Test the service and deploy from CI",
                {
                    **suite_file(
                        "test_app.py",
                        "from pinger.app import app",
                        "def test_health() -> None:\n"
                        '    assert app.test_client().get("/health").data == b"ok"\n',
                    ),
                    ".github/workflows/ci.yml": CI,
                    ".github/workflows/deploy.yml": DEVOPS_DEPLOY,
                    "README.md": readme(
                        "pinger",
                        "Pinger is a tiny service used to practise operations: it is built into "
                        "a container, deployed by CI with Terraform and scraped by Prometheus.",
                        "docker build -t pinger . && docker run -p 5000:5000 pinger",
                        "\n## Architecture\n\nCI builds the image, pushes it, then applies "
                        "the Terraform plan.\n",
                    ),
                },
            ),
        ],
    )


# ----------------------------------------------------------------------------- AI/ML

ML_ANSWER = module(
    "Answer support questions with an LLM, validating what it returns.",
    """import logging

from openai import OpenAI
from pydantic import BaseModel, ValidationError

logger = logging.getLogger(__name__)


class Answer(BaseModel):
    \"\"\"What the model must return.\"\"\"

    text: str
    sources: list[str]


def answer(client: OpenAI, question: str) -> Answer | None:
    \"\"\"The model's answer, or None when it does not match the schema.\"\"\"
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )
    try:
        return Answer.model_validate_json(reply.choices[0].message.content or "")
    except ValidationError:
        logger.warning("invalid answer for %r", question)
        return None
""",
)
ML_EVAL = module(
    "Score the answers against a labelled set of questions.",
    """import json
from pathlib import Path


def exact_match(expected: str, got: str) -> float:
    \"\"\"1.0 when the answer contains the expected text.\"\"\"
    return 1.0 if expected.lower() in got.lower() else 0.0


def load_cases(path: Path) -> list[dict[str, str]]:
    \"\"\"The labelled cases, one JSON object per line.\"\"\"
    return [json.loads(line) for line in path.read_text().splitlines() if line]
""",
)
ML_SECTIONS = """
## Evaluation

| metric | score |
| --- | --- |
| exact match on 50 cases | 0.82 |

## Failure cases

- Questions about refunds older than a year: the model invents a policy.
- Answers without sources are rejected by validation and retried once.
"""


def build_ml(path: Path) -> RepoBuilder:
    return build(
        path,
        [
            (
                "Answer questions with the OpenAI API",
                {
                    ".gitignore": GITIGNORE,
                    "LICENSE": LICENSE,
                    "requirements.txt": "openai==1.54.0\npydantic==2.9.2\npytest==8.3.3\n",
                    "helpdesk/__init__.py": '"""Helpdesk answers."""\n',
                    "helpdesk/answer.py": ML_ANSWER,
                    ".env.example": "OPENAI_API_KEY=\n",
                },
            ),
            (
                "Evaluate the answers on labelled cases",
                {
                    "eval/run_eval.py": ML_EVAL,
                    "eval/cases.jsonl": '{"question": "refund?", "expected": "30 days"}\n',
                },
            ),
            ("Add ranking helpers", {"helpdesk/ranking.py": module("Ranks.", helpers("rank"))}),
            (
                "Test the scoring and document the failure cases",
                {
                    **suite_file(
                        "test_eval.py",
                        "from eval.run_eval import exact_match",
                        "def test_exact_match() -> None:\n"
                        '    assert exact_match("30 days", "Within 30 days.") == 1.0\n',
                    ),
                    ".github/workflows/ci.yml": CI,
                    "README.md": readme(
                        "helpdesk",
                        "Helpdesk answers customer support questions with an LLM, validates "
                        "every answer against a schema and is measured on a labelled set.",
                        "python -m helpdesk 'How long do refunds take?'",
                        ML_SECTIONS,
                    ),
                },
            ),
        ],
    )


BUILDERS = {
    "backend": build_backend,
    "data": build_data,
    "automation": build_automation,
    "qa": build_qa,
    "devops": build_devops,
    "ml": build_ml,
}


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def role_repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("roles")
    return {role: BUILDERS[role](root / f"{role}-project").path for role in ROLES}


@pytest.fixture(scope="module")
def profiles() -> dict[str, RulePack]:
    return {pack.name: pack for pack in load_profiles()}


@pytest.fixture(scope="module")
def snapshots(role_repos: dict[str, Path]) -> dict[str, Snapshot]:
    return {role: Snapshot.open(path) for role, path in role_repos.items()}


@pytest.fixture(scope="module")
def scores(
    snapshots: dict[str, Snapshot], profiles: dict[str, RulePack]
) -> dict[str, dict[str, float]]:
    """repository role -> profile -> what the evidence earned (one snapshot per repository,
    shared by profiles). The role repositories are small fixtures: the size bound caps every
    profile's score alike, so profiles are compared on the points their dimensions earned,
    before the bound."""
    return {
        role: {name: _earned(audit(snapshot, pack)) for name, pack in profiles.items()}
        for role, snapshot in snapshots.items()
    }


def _earned(card: Scorecard) -> float:
    assert card.verdict is not None
    return round(sum(d.earned or 0.0 for d in card.verdict.dimensions), 1)


# ----------------------------------------------------------------------------- tests


def test_every_role_has_a_profile_that_extends_the_default() -> None:
    assert profile_names() == ["default", "automation", "backend", "data", "devops", "ml", "qa"]
    default, *roles = load_profiles()
    assert default.description and not default.match
    for pack in roles:
        assert pack.description
        assert pack.extends == "default"
        assert pack.match
        assert pack.source == f"rules/{pack.name}.toml"
        role_rules = [r for r in pack.rules if r not in default.rules]
        assert len(role_rules) >= 4, pack.name
        assert {pack.rules[r].category for r in role_rules} == {role_rules[0][:-3]}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_repo_scores_best_under_its_own_profile(
    role: str, scores: dict[str, dict[str, float]]
) -> None:
    own = scores[role][role]
    others = {name: score for name, score in scores[role].items() if name not in (role, "default")}

    assert all(own > score for score in others.values()), (role, scores[role])


@pytest.mark.parametrize("role", ROLES)
def test_the_own_profile_rewards_the_role_repo_over_the_default(
    role: str, scores: dict[str, dict[str, float]]
) -> None:
    assert scores[role][role] > scores[role]["default"], scores[role]


@pytest.mark.parametrize("role", ROLES)
def test_each_profile_prefers_its_own_role_repo(
    role: str, scores: dict[str, dict[str, float]]
) -> None:
    """A backend recruiter ranks the back-end repository above every other role's."""
    own = scores[role][role]
    assert all(own > scores[other][role] for other in ROLES if other != role), {
        other: scores[other][role] for other in ROLES
    }


@pytest.mark.parametrize("role", ROLES)
def test_auto_picks_the_role_of_each_repo(role: str, snapshots: dict[str, Snapshot]) -> None:
    choice = choose_profile(snapshots[role])

    assert choice.pack.name == role, choice.reason
    assert choice.matches[0].fraction >= MIN_MATCH
    assert "\n" not in choice.reason


def test_auto_falls_back_to_the_default_pack_without_role_signals(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "plain", {"plain.py": "def f() -> int:\n    return 1\n"})

    choice = choose_profile(Snapshot.open(repo.path))

    assert choice.pack.name == "default"
    assert choice.reason.startswith("no role's signals stand out")


def test_role_rules_explain_what_they_found_and_what_is_missing(
    snapshots: dict[str, Snapshot], profiles: dict[str, RulePack]
) -> None:
    card = audit(snapshots["backend"], profiles["backend"])
    findings = {f.rule: f for f in card.findings}
    assert findings["BE001"].outcome.message.startswith("Found a web framework (FastAPI")
    assert "web routes" in findings["BE001"].outcome.message
    assert findings["BE004"].outcome.evidence[0].path == "shelf/auth.py"

    data_card = audit(snapshots["backend"], profiles["data"])
    dataframes = next(f for f in data_card.findings if f.rule == "DAT001")
    assert dataframes.outcome.message.startswith("Not found: dataframes (pandas, Polars")
    notebook = next(f for f in data_card.findings if f.rule == "DAT005")
    assert notebook.status.value == "skip"


def test_the_stack_is_a_signal_of_the_json_card(snapshots: dict[str, Snapshot]) -> None:
    stack = technologies(snapshots["devops"])
    assert {"docker", "iac", "kubernetes", "ci_deploy", "monitoring"} <= stack.kinds

    card = audit(snapshots["data"], load_profiles()[0])
    assert card.signals["stack"]["dataframe"] == ["pandas"]
    assert "notebook" in card.signals["stack"]


def test_profiles_command_lists_each_profile_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["profiles"]) == 0
    lines = capsys.readouterr().out.splitlines()

    names = [line.split()[0] for line in lines]
    assert names == [*profile_names(), "auto"]
    assert all(len(line.split(None, 1)[1]) > 20 for line in lines)


def test_profile_option_and_auto_on_the_command_line(
    role_repos: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    path = str(role_repos["data"])

    assert main(["audit", path, "--profile", "data", "-f", "json"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["profile"] == "data"
    assert any(f["rule"] == "DAT001" for f in card["findings"])

    assert main(["audit", path, "--profile", "auto", "-f", "json"]) == 0
    out, err = capsys.readouterr()
    card = json.loads(out)
    assert card["profile"] == "data"
    assert err.startswith("auditor: --profile auto chose data: it shows dataframes (pandas)")
    assert err.count("\n") == 1
    assert any(n.startswith("profile data chosen automatically") for n in card["notices"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "sales"], "unknown profile 'sales' (profiles: default, automation"),
        (["--profile", "data", "--rules", "default"], "give either --rules or --profile"),
    ],
)
def test_bad_profile_options_exit_two_with_one_line(
    args: list[str],
    message: str,
    role_repos: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)

    assert main(["audit", str(role_repos["qa"]), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_a_profile_set_in_the_settings_file_is_used(
    role_repos: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "auditor.toml").write_text('profile = "qa"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    assert main(["audit", str(role_repos["qa"]), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["profile"] == "qa"
    assert main(["audit", str(role_repos["qa"]), "-f", "json", "--rules", "default"]) == 0
    assert json.loads(capsys.readouterr().out)["profile"] == "default"


def test_the_stack_is_read_from_file_names_at_any_depth(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "mixed",
        {
            "infra/prod/main.tf": 'resource "x" "y" {}\n',
            "deploy/Dockerfile.dev": "FROM python:3.12\n",
            "charts/app/Chart.yaml": "name: app\n",
            "rag/retrieval.py": "x = 1\n",
            "notebooks/.ipynb_checkpoints/draft-checkpoint.ipynb": "{}",
            "tests/test_db.py": "import sqlalchemy\n",
        },
    )

    stack = technologies(Snapshot.open(repo.path))

    assert stack.names("iac") == ["Terraform"]
    assert stack.names("docker") == ["Dockerfile"]
    assert stack.names("kubernetes") == ["Helm"]
    assert not stack.of("evaluation")  # retrieval.py is not an evaluation script
    assert not stack.of("notebook")  # checkpoints are not the candidate's notebooks
    assert not stack.of("orm")  # a database fixture in a test does not make a back-end


def notebook(counts: list[int | None], outputs: bool) -> str:
    cells = [
        {
            "cell_type": "code",
            "execution_count": count,
            "metadata": {},
            "source": [f"x = {index}"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1"]}]
            if outputs
            else [],
        }
        for index, count in enumerate(counts)
    ]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})


def test_notebook_rules_judge_outputs_and_order(
    tmp_path: Path, profiles: dict[str, RulePack]
) -> None:
    repo = make_repo(
        tmp_path / "notebooks",
        {
            "clean.ipynb": notebook([1, 2, 3], outputs=True),
            "jumbled.ipynb": notebook([3, 1, 7], outputs=True),
            "cleared.ipynb": notebook([None, None], outputs=False),
            "broken.ipynb": "{not json",
        },
    )
    card = audit(Snapshot.open(repo.path), profiles["data"])
    found = {f.rule: f.outcome for f in card.findings}

    assert found["DAT005"].score == 1.0  # 2 of 3 show results, above min_fraction 0.5
    assert "2 of 3 notebooks show their results" in found["DAT005"].message
    assert "cleared.ipynb" in found["DAT005"].message
    assert "broken.ipynb (not valid JSON" in found["DAT005"].message
    assert found["DAT006"].score == 0.5
    assert found["DAT006"].evidence[0].path == "jumbled.ipynb"
