"""Frameworks and libraries: what a project is built with, and so which role it shows.

One shared fact, :func:`technologies`, recognises the stack of a repository from evidence the
snapshot already holds: the imports of every parsed module (the shared ``module_imports``
fact, never a new walk), the dependencies its manifests declare, file names (Dockerfiles,
Terraform, notebooks, migrations), the commands its CI runs, web routes and console scripts.
Each technology belongs to one *kind* (``web``, ``orm``, ``dataframe``, ``browser_tests``…);
role profiles compose rules from kinds (``uses_technology``) and ``--profile auto`` scores
each profile's ``[match]`` table against the kinds found.

Imports in test code count only for testing technologies: a database fixture in a test does
not make the project store data, but a Playwright import in a test is exactly a browser test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import Any

from auditor.checks.ci import ci_setup
from auditor.checks.packaging import console_scripts, pyproject, requirements
from auditor.checks.registry import PrimitiveFunction, primitive, signal_group
from auditor.checks.substance import module_imports, web_routes
from auditor.model import Evidence, Outcome
from auditor.source.snapshot import Snapshot, fact, is_vendored

MAX_EVIDENCE = 5

#: Every kind of technology, with the words messages use for it.
KINDS: Mapping[str, str] = {
    "web": "a web framework",
    "routes": "web routes",
    "orm": "an ORM",
    "database": "a database driver",
    "migrations": "database migrations",
    "auth": "authentication",
    "validation": "schema validation",
    "dataframe": "dataframes",
    "sql": "SQL",
    "data_validation": "data validation",
    "pipeline": "a data pipeline",
    "notebook": "notebooks",
    "cli": "a command-line interface",
    "logging": "logging",
    "scheduling": "scheduling",
    "retries": "retries with backoff",
    "http_client": "an HTTP client",
    "test_framework": "a test framework",
    "browser_tests": "browser tests",
    "api_tests": "API tests",
    "bdd": "behaviour-driven tests",
    "coverage": "coverage measurement",
    "docker": "containers",
    "iac": "infrastructure as code",
    "kubernetes": "Kubernetes manifests",
    "ci_deploy": "deployment from CI",
    "monitoring": "monitoring",
    "llm": "an LLM library",
    "ml": "a machine-learning library",
    "evaluation": "an evaluation of outputs",
}

# Where an import counts: in source code, in test code, or in either.
SOURCE, TESTS, ANYWHERE = "source", "tests", "anywhere"


@dataclass(frozen=True)
class Technology:
    """A library, tool or file convention, and how to recognise it."""

    name: str
    kind: str
    modules: tuple[str, ...] = ()  # imports (a module or anything inside it)
    packages: tuple[str, ...] = ()  # distribution names declared in a manifest
    files: str | None = None  # a regular expression over lower-case paths
    ci: str | None = None  # a regular expression over the commands CI runs
    where: str = SOURCE  # which imports count


def _t(
    name: str,
    kind: str,
    modules: Iterable[str] = (),
    packages: Iterable[str] | None = None,
    *,
    files: str | None = None,
    ci: str | None = None,
    where: str = SOURCE,
) -> Technology:
    modules = tuple(modules)
    # By default a library's distribution is named like its top-level module.
    if packages is None:
        packages = tuple(dict.fromkeys(m.split(".", 1)[0].replace("_", "-") for m in modules))
    return Technology(name, kind, modules, tuple(packages), files, ci, where)


_DEPLOY_CI = (
    r"docker\s+push|docker/build-push-action|buildx\s+build\b.*--push|terraform\s+apply"
    r"|kubectl\s+(?:apply|rollout|set\s+image)|helm\s+(?:upgrade|install)|(?:fly|flyctl)\s+deploy"
    r"|gcloud\s+(?:\S+\s+){1,2}deploy|aws\s+\S+\s+(?:deploy|update-service|sync)"
    r"|(?:serverless|sls)\s+deploy|cdk\s+deploy|pulumi\s+up|ansible-playbook"
    r"|azure/webapps-deploy|aws-actions/amazon-ecs-deploy|appleboy/ssh-action|railway\s+up"
    r"|twine\s+upload|pypa/gh-action-pypi-publish|actions/deploy-pages|peaceiris/actions-gh-pages"
)

#: The catalogue. A technology may appear under two kinds (SQLite is a database and SQL).
CATALOGUE: tuple[Technology, ...] = (
    # back-end
    _t("FastAPI", "web", ["fastapi"]),
    _t("Flask", "web", ["flask"]),
    _t("Django", "web", ["django"]),
    _t("Starlette", "web", ["starlette"]),
    _t("aiohttp server", "web", ["aiohttp.web"], ["aiohttp"]),
    _t("Tornado", "web", ["tornado.web"], ["tornado"]),
    _t("Sanic", "web", ["sanic"]),
    _t("Bottle", "web", ["bottle"]),
    _t("Falcon", "web", ["falcon"]),
    _t("Pyramid", "web", ["pyramid"]),
    _t("Litestar", "web", ["litestar"]),
    _t("Quart", "web", ["quart"]),
    _t("Django REST framework", "web", ["rest_framework"], ["djangorestframework"]),
    _t("Django Ninja", "web", ["ninja"], ["django-ninja"]),
    _t("SQLAlchemy", "orm", ["sqlalchemy", "flask_sqlalchemy"]),
    _t("SQLModel", "orm", ["sqlmodel"]),
    _t("Django ORM", "orm", ["django.db"], ()),
    _t("Peewee", "orm", ["peewee"]),
    _t("Pony ORM", "orm", ["pony.orm"], ["pony"]),
    _t("Tortoise ORM", "orm", ["tortoise"], ["tortoise-orm"]),
    _t("MongoEngine", "orm", ["mongoengine"]),
    _t("Beanie", "orm", ["beanie"]),
    _t("Piccolo", "orm", ["piccolo"]),
    _t("PostgreSQL driver", "database", ["psycopg", "psycopg2", "asyncpg"], None),
    _t("MySQL driver", "database", ["pymysql", "mysql.connector", "aiomysql", "MySQLdb"], None),
    _t("SQLite", "database", ["sqlite3", "aiosqlite"], ()),
    _t("MongoDB driver", "database", ["pymongo", "motor"]),
    _t("Redis", "database", ["redis", "aioredis"]),
    _t("Elasticsearch", "database", ["elasticsearch", "opensearchpy"], None),
    _t(
        "Alembic",
        "migrations",
        ["alembic"],
        files=r"(?:^|/)alembic\.ini$|(?:^|/)alembic/versions/[^/]+\.py$",
    ),
    _t("Flask-Migrate", "migrations", ["flask_migrate"]),
    _t("Django migrations", "migrations", (), (), files=r"(?:^|/)migrations/\d{4}_[^/]*\.py$"),
    _t("SQL migrations", "migrations", ["yoyo"], files=r"(?:^|/)migrations?/[^/]+\.sql$"),
    _t("PyJWT", "auth", ["jwt"], ["pyjwt"]),
    _t("python-jose", "auth", ["jose"], ["python-jose"]),
    _t("passlib", "auth", ["passlib"]),
    _t("bcrypt", "auth", ["bcrypt"]),
    _t("Argon2", "auth", ["argon2"], ["argon2-cffi"]),
    _t("Authlib", "auth", ["authlib"]),
    _t("OAuthLib", "auth", ["oauthlib", "requests_oauthlib"], None),
    _t("FastAPI security", "auth", ["fastapi.security"], ()),
    _t("FastAPI Users", "auth", ["fastapi_users"]),
    _t("Flask-Login", "auth", ["flask_login"]),
    _t("Flask-JWT-Extended", "auth", ["flask_jwt_extended"]),
    _t("Django auth", "auth", ["django.contrib.auth", "allauth"], ["django-allauth"]),
    _t("Simple JWT", "auth", ["rest_framework_simplejwt"], ["djangorestframework-simplejwt"]),
    _t("Pydantic", "validation", ["pydantic", "pydantic_settings"], None),
    _t("marshmallow", "validation", ["marshmallow"]),
    _t("jsonschema", "validation", ["jsonschema", "fastjsonschema"], None),
    _t("Cerberus", "validation", ["cerberus"]),
    _t("voluptuous", "validation", ["voluptuous"]),
    _t("msgspec", "validation", ["msgspec"]),
    _t("Instructor", "validation", ["instructor"]),
    _t("Guardrails", "validation", ["guardrails"], ["guardrails-ai"]),
    _t("Outlines", "validation", ["outlines"]),
    # data
    _t("pandas", "dataframe", ["pandas"]),
    _t("Polars", "dataframe", ["polars"]),
    _t("PyArrow", "dataframe", ["pyarrow"]),
    _t("Dask", "dataframe", ["dask.dataframe"], ["dask"]),
    _t("PySpark", "dataframe", ["pyspark"]),
    _t("Modin", "dataframe", ["modin"]),
    _t("Ibis", "dataframe", ["ibis"], ["ibis-framework"]),
    _t("SQL files", "sql", (), (), files=r"\.sql$"),
    _t("DuckDB", "sql", ["duckdb"]),
    _t("SQLite", "sql", ["sqlite3"], ()),
    _t("SQLGlot", "sql", ["sqlglot"]),
    _t("Spark SQL", "sql", ["pyspark.sql"], ()),
    _t("Snowflake", "sql", ["snowflake.connector"], ["snowflake-connector-python"]),
    _t("BigQuery", "sql", ["google.cloud.bigquery"], ["google-cloud-bigquery"]),
    _t("dbt", "sql", (), ["dbt-core"], files=r"(?:^|/)dbt_project\.yml$"),
    _t("pandera", "data_validation", ["pandera"]),
    _t("Great Expectations", "data_validation", ["great_expectations"], None),
    _t("Soda", "data_validation", ["soda"], ["soda-core"]),
    _t("PyDeequ", "data_validation", ["pydeequ"]),
    _t("Frictionless", "data_validation", ["frictionless"]),
    _t("Airflow", "pipeline", ["airflow"], ["apache-airflow"], files=r"(?:^|/)dags/[^/]+\.py$"),
    _t("Prefect", "pipeline", ["prefect"]),
    _t("Dagster", "pipeline", ["dagster"]),
    _t("Luigi", "pipeline", ["luigi"]),
    _t("Kedro", "pipeline", ["kedro"]),
    _t("dbt", "pipeline", (), ["dbt-core"], files=r"(?:^|/)dbt_project\.yml$"),
    _t(
        "a pipeline module",
        "pipeline",
        (),
        (),
        files=r"(?:^|/)(?:pipelines?|etl)(?:\.py$|/)",
    ),
    _t("Jupyter notebooks", "notebook", (), (), files=r"\.ipynb$"),
    # automation
    _t("argparse", "cli", ["argparse"], ()),
    _t("Click", "cli", ["click"]),
    _t("Typer", "cli", ["typer"]),
    _t("Python Fire", "cli", ["fire"]),
    _t("docopt", "cli", ["docopt"]),
    _t("Cyclopts", "cli", ["cyclopts"]),
    _t("logging", "logging", ["logging"], ()),
    _t("Loguru", "logging", ["loguru"]),
    _t("structlog", "logging", ["structlog"]),
    _t("schedule", "scheduling", ["schedule"]),
    _t("APScheduler", "scheduling", ["apscheduler"]),
    _t("Celery", "scheduling", ["celery"]),
    _t("RQ Scheduler", "scheduling", ["rq_scheduler"]),
    _t("python-crontab", "scheduling", ["crontab"], ["python-crontab"]),
    _t("cron files", "scheduling", (), (), files=r"(?:^|/)crontab$|\.cron$|\.timer$|/cron\.d/"),
    _t("tenacity", "retries", ["tenacity"]),
    _t("backoff", "retries", ["backoff"]),
    _t("retrying", "retries", ["retrying"]),
    _t("stamina", "retries", ["stamina"]),
    _t("urllib3 Retry", "retries", ["urllib3.util.retry"], ()),
    _t("Requests", "http_client", ["requests"]),
    _t("HTTPX", "http_client", ["httpx"]),
    _t("aiohttp client", "http_client", ["aiohttp"], ()),
    # quality assurance
    _t("pytest", "test_framework", ["pytest"], where=TESTS),
    _t("unittest", "test_framework", ["unittest"], (), where=TESTS),
    _t("Hypothesis", "test_framework", ["hypothesis"], where=TESTS),
    _t(
        "Playwright",
        "browser_tests",
        ["playwright"],
        ["playwright", "pytest-playwright"],
        where=ANYWHERE,
    ),
    _t("Selenium", "browser_tests", ["selenium", "seleniumbase"], None, where=ANYWHERE),
    _t("Splinter", "browser_tests", ["splinter"], where=ANYWHERE),
    _t("Pyppeteer", "browser_tests", ["pyppeteer"], where=ANYWHERE),
    _t("Requests in tests", "api_tests", ["requests"], (), where=TESTS),
    _t("HTTPX in tests", "api_tests", ["httpx"], (), where=TESTS),
    _t(
        "a framework test client",
        "api_tests",
        ["fastapi.testclient", "starlette.testclient"],
        (),
        where=ANYWHERE,
    ),
    _t(
        "Django test client",
        "api_tests",
        ["django.test", "rest_framework.test"],
        (),
        where=ANYWHERE,
    ),
    _t("responses", "api_tests", ["responses", "requests_mock"], None, where=TESTS),
    _t("RESPX", "api_tests", ["respx", "pytest_httpx"], None, where=TESTS),
    _t("Schemathesis", "api_tests", ["schemathesis"], where=ANYWHERE),
    _t("Tavern", "api_tests", (), ["tavern"], files=r"\.tavern\.ya?ml$"),
    _t("behave", "bdd", ["behave"], files=r"\.feature$", where=ANYWHERE),
    _t("pytest-bdd", "bdd", ["pytest_bdd"], where=ANYWHERE),
    _t(
        "coverage",
        "coverage",
        ["coverage", "pytest_cov"],
        ["coverage", "pytest-cov"],
        files=r"(?:^|/)\.coveragerc$|(?:^|/)\.?codecov\.ya?ml$",
        ci=r"--cov\b|coverage\s+(?:run|report|xml)|codecov",
        where=ANYWHERE,
    ),
    # DevOps and cloud
    _t(
        "Dockerfile",
        "docker",
        files=r"(?:^|/)(?:docker|container)file(?:\.[\w.-]+)?$|\.dockerfile$",
    ),
    _t("Docker Compose", "docker", files=r"(?:^|/)(?:docker-)?compose(?:[.-][\w-]+)?\.ya?ml$"),
    _t("Terraform", "iac", files=r"\.tf$", ci=r"\bterraform\s"),
    _t("Pulumi", "iac", ["pulumi"], files=r"(?:^|/)pulumi(?:\.[\w-]+)?\.ya?ml$"),
    _t("AWS CDK", "iac", ["aws_cdk"], ["aws-cdk-lib"], files=r"(?:^|/)cdk\.json$"),
    _t(
        "Ansible",
        "iac",
        files=r"(?:^|/)ansible\.cfg$|(?:^|/)playbook[\w-]*\.ya?ml$|(?:^|/)roles/[^/]+/tasks/",
    ),
    _t("Serverless Framework", "iac", files=r"(?:^|/)serverless\.ya?ml$"),
    _t("Bicep", "iac", files=r"\.bicep$"),
    _t("CloudFormation", "iac", files=r"(?:^|/)(?:cloudformation|cfn)/[^/]+\.(?:ya?ml|json)$"),
    _t("Helm", "kubernetes", files=r"(?:^|/)chart\.yaml$"),
    _t("Kustomize", "kubernetes", files=r"(?:^|/)kustomization\.ya?ml$"),
    _t("Kubernetes manifests", "kubernetes", files=r"(?:^|/)(?:k8s|kubernetes)/.+\.ya?ml$"),
    _t("a deploy step in CI", "ci_deploy", ci=_DEPLOY_CI),
    _t("Prometheus client", "monitoring", ["prometheus_client"], ["prometheus-client"]),
    _t(
        "Prometheus instrumentator",
        "monitoring",
        ["prometheus_fastapi_instrumentator", "starlette_exporter"],
        None,
    ),
    _t("Prometheus config", "monitoring", files=r"(?:^|/)(?:prometheus|alertmanager)\.ya?ml$"),
    _t("Grafana dashboards", "monitoring", files=r"(?:^|/)grafana/"),
    _t("OpenTelemetry", "monitoring", ["opentelemetry"], ["opentelemetry-api"]),
    _t("Sentry", "monitoring", ["sentry_sdk"], ["sentry-sdk"]),
    _t("Datadog", "monitoring", ["ddtrace", "datadog"], None),
    _t("StatsD", "monitoring", ["statsd"]),
    _t("New Relic", "monitoring", ["newrelic"]),
    _t("Elastic APM", "monitoring", ["elasticapm"], ["elastic-apm"]),
    # AI and machine learning
    _t("OpenAI", "llm", ["openai"]),
    _t("Anthropic", "llm", ["anthropic"]),
    _t(
        "LangChain",
        "llm",
        ["langchain", "langchain_core", "langchain_community", "langchain_openai"],
        ["langchain", "langchain-core", "langchain-community", "langchain-openai"],
    ),
    _t("LangGraph", "llm", ["langgraph"]),
    _t("LlamaIndex", "llm", ["llama_index"], ["llama-index"]),
    _t("LiteLLM", "llm", ["litellm"]),
    _t("Cohere", "llm", ["cohere"]),
    _t("Google Gen AI", "llm", ["google.generativeai", "google.genai"], ["google-genai"]),
    _t("Mistral", "llm", ["mistralai"]),
    _t("Ollama", "llm", ["ollama"]),
    _t("Transformers", "llm", ["transformers"]),
    _t("Hugging Face Hub", "llm", ["huggingface_hub"]),
    _t("sentence-transformers", "llm", ["sentence_transformers"]),
    _t("vLLM", "llm", ["vllm"]),
    _t("DSPy", "llm", ["dspy"]),
    _t("Haystack", "llm", ["haystack"], ["haystack-ai"]),
    _t("scikit-learn", "ml", ["sklearn"], ["scikit-learn"]),
    _t("PyTorch", "ml", ["torch"]),
    _t("TensorFlow", "ml", ["tensorflow"]),
    _t("Keras", "ml", ["keras"]),
    _t("XGBoost", "ml", ["xgboost"]),
    _t("LightGBM", "ml", ["lightgbm"]),
    _t("CatBoost", "ml", ["catboost"]),
    _t("JAX", "ml", ["jax"]),
    _t("statsmodels", "ml", ["statsmodels"]),
    _t("MLflow", "ml", ["mlflow"]),
    _t("Ragas", "evaluation", ["ragas"]),
    _t("DeepEval", "evaluation", ["deepeval"]),
    _t("Hugging Face Evaluate", "evaluation", ["evaluate"]),
    _t("ROUGE", "evaluation", ["rouge_score"], ["rouge-score"]),
    _t("sacreBLEU", "evaluation", ["sacrebleu"]),
    _t("TruLens", "evaluation", ["trulens", "trulens_eval"], None),
    _t("scikit-learn metrics", "evaluation", ["sklearn.metrics"], ()),
    _t("promptfoo", "evaluation", files=r"(?:^|/)promptfooconfig\.ya?ml$"),
    _t(
        "an evaluation script",
        "evaluation",
        files=r"(?:^|/)(?:evals?|evaluations?)(?:/|\.py$)|(?:^|/)(?:evaluate|eval_)[\w-]*\.py$"
        r"|(?:^|/)[\w-]+_eval\.py$",
    ),
)

for _technology in CATALOGUE:  # a typo in the catalogue must fail at import, not in a check
    assert _technology.kind in KINDS, _technology
    assert _technology.where in (SOURCE, TESTS, ANYWHERE), _technology


def _path_pattern(pattern: str) -> str:
    # Paths are searched with a leading slash, so a component boundary is the literal "/",
    # which the regular expression engine scans for far faster than "(?:^|/)".
    return pattern.replace("(?:^|/)", "/")


_FILE_PATTERNS = tuple(
    (t, re.compile(_path_pattern(t.files))) for t in CATALOGUE if t.files is not None
)
# One pass of a combined expression screens each path; only a hit is matched one by one.
_ANY_FILE = re.compile("|".join(f"(?:{_path_pattern(t.files or '')})" for t, _ in _FILE_PATTERNS))
_CI_PATTERNS = tuple((t, re.compile(t.ci, re.IGNORECASE)) for t in CATALOGUE if t.ci is not None)
_CRON = re.compile(r"^\s*-?\s*cron\s*:", re.MULTILINE)
_IGNORED_FOLDERS = (".ipynb_checkpoints",)


def _module_index() -> dict[str, list[tuple[str, Technology]]]:
    index: dict[str, list[tuple[str, Technology]]] = {}
    for technology in CATALOGUE:
        for module in technology.modules:
            index.setdefault(module.split(".", 1)[0], []).append((module, technology))
    return index


def _normalise_package(name: str) -> str:
    """A distribution name as PEP 503 compares it: ``Foo_Bar.baz`` -> ``foo-bar-baz``."""
    return re.sub(r"[-_.]+", "-", name).lower()


_BY_TOP_MODULE = _module_index()
_BY_PACKAGE: dict[str, list[Technology]] = {}
for _technology in CATALOGUE:
    for _package in _technology.packages:
        _BY_PACKAGE.setdefault(_normalise_package(_package), []).append(_technology)


# ----------------------------------------------------------------------------- the shared fact


@dataclass(frozen=True)
class Detection:
    """One technology found, with the first place that shows it."""

    technology: str
    kind: str
    evidence: Evidence


@dataclass(frozen=True)
class Stack:
    """The technologies a repository is built with, grouped by kind."""

    detections: tuple[Detection, ...]

    def of(self, kind: str) -> tuple[Detection, ...]:
        return tuple(d for d in self.detections if d.kind == kind)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(d.kind for d in self.detections)

    def names(self, kind: str) -> list[str]:
        return list(dict.fromkeys(d.technology for d in self.of(kind)))


@fact
def technologies(snapshot: Snapshot) -> Stack:
    """Every technology of the catalogue the repository shows, first evidence of each."""
    found: dict[tuple[str, str], Evidence] = {}

    def add(technology: Technology, evidence: Evidence) -> None:
        found.setdefault((technology.kind, technology.name), evidence)

    imports = module_imports(snapshot)
    for module in snapshot.python_modules:
        for imported in imports.get(module.path, ()):
            for name, technology in _BY_TOP_MODULE.get(imported.top, ()):
                if technology.where == (SOURCE if module.is_test else TESTS):
                    continue
                if imported.matches((name,)):
                    add(technology, Evidence(module.path, imported.line, f"imports {name}"))
    for requirement in requirements(snapshot):
        for technology in _BY_PACKAGE.get(_normalise_package(requirement.name), ()):
            note = f"depends on {requirement.name}"
            add(technology, Evidence(requirement.path, requirement.line, note))
    for path in sorted(snapshot.files):
        if is_vendored(path) or any(part in _IGNORED_FOLDERS for part in path.split("/")):
            continue
        lower = "/" + path.lower()
        if not _ANY_FILE.search(lower):
            continue
        for technology, pattern in _FILE_PATTERNS:
            if pattern.search(lower):
                add(technology, Evidence(path, None, technology.name))
    setup = ci_setup(snapshot)
    for command in setup.commands:
        for technology, pattern in _CI_PATTERNS:
            if pattern.search(command.text):
                add(
                    technology, Evidence(command.path, command.line, f"CI runs {command.text[:60]}")
                )
    _scheduled_workflows(snapshot, [f.path for f in setup.files], add)
    for module in snapshot.python_modules:
        if module.is_test or not module.parsed:
            continue
        route = next(web_routes(module), None)
        if route is not None:
            add(Technology("web routes", "routes"), route)
            break
    for entry in console_scripts(snapshot):
        note = f"console script {entry.name}"
        add(Technology("a console script", "cli"), Evidence(entry.path, entry.line, note))
    _coverage_settings(snapshot, add)
    order = {kind: index for index, kind in enumerate(KINDS)}
    detections = sorted(
        (Detection(name, kind, evidence) for (kind, name), evidence in found.items()),
        key=lambda d: (order[d.kind], d.evidence.path, d.evidence.line or 0),
    )
    return Stack(tuple(detections))


def _scheduled_workflows(
    snapshot: Snapshot, paths: Iterable[str], add: Callable[[Technology, Evidence], None]
) -> None:
    """A CI workflow that runs on a timetable (``on: schedule: - cron: …``)."""
    for path in paths:
        text = snapshot.text(path) or ""
        match = _CRON.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            add(Technology("a scheduled CI workflow", "scheduling"), Evidence(path, line, "cron"))


def _coverage_settings(snapshot: Snapshot, add: Callable[[Technology, Evidence], None]) -> None:
    file = pyproject(snapshot)
    tool = file.data.get("tool") if file is not None else None
    if file is not None and isinstance(tool, dict) and "coverage" in tool:
        add(Technology("coverage", "coverage"), Evidence(file.path, None, "[tool.coverage]"))


@signal_group("stack")
def stack_signals(snapshot: Snapshot) -> dict[str, Any]:
    """The technologies found, by kind (only kinds with at least one)."""
    stack = technologies(snapshot)
    return {kind: stack.names(kind) for kind in KINDS if stack.of(kind)}


# ----------------------------------------------------------------------------- parameter checks


def validates(
    check: Callable[[Mapping[str, Any]], str | None],
) -> Callable[[PrimitiveFunction], PrimitiveFunction]:
    """Attach a parameter check the rule-pack loader runs (``validate_params``)."""

    def attach(function: PrimitiveFunction) -> PrimitiveFunction:
        function.validate_params = check  # type: ignore[attr-defined]
        return function

    return attach


def unknown_kinds(kinds: Iterable[str]) -> list[str]:
    """The names among ``kinds`` that are not kinds of technology."""
    return [k for k in kinds if k not in KINDS]


def _check_kinds(params: Mapping[str, Any]) -> str | None:
    kinds = list(params.get("kinds", []))
    if not kinds:
        return "'kinds' must name at least one kind of technology"
    unknown = unknown_kinds(kinds)
    if unknown:
        return f"unknown kind(s) {', '.join(unknown)} (known: {', '.join(KINDS)})"
    require = params.get("require", 1)
    if not 1 <= require <= len(kinds):
        return f"'require' must be from 1 to {len(kinds)} (the number of kinds)"
    return None


def _check_patterns(params: Mapping[str, Any]) -> str | None:
    patterns = list(params.get("patterns", []))
    if not patterns:
        return "'patterns' must hold at least one pattern"
    return None


def _check_regexes(params: Mapping[str, Any]) -> str | None:
    problem = _check_patterns(params)
    if problem:
        return problem
    for pattern in params["patterns"]:
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"pattern {pattern!r} is not a regular expression: {exc}"
    return None


# ----------------------------------------------------------------------------- primitives


def _where(evidence: Evidence) -> str:
    return f"{evidence.path}:{evidence.line}" if evidence.line else evidence.path


def _describe(kind: str, stack: Stack) -> str:
    detections = stack.of(kind)
    names = ", ".join(stack.names(kind)[:4])
    return f"{KINDS[kind]} ({names}, at {_where(detections[0].evidence)})"


def _examples(kind: str) -> str:
    names = list(dict.fromkeys(t.name for t in CATALOGUE if t.kind == kind))
    if kind == "routes":
        names = ['@app.get("/items")', "@bp.route", "urlpatterns"]
    elif kind == "cli":
        names = [*names[:4], "a console script"]
    shown = ", ".join(names[:5])
    return f"{KINDS[kind]} ({shown}{'…' if len(names) > 5 else ''})"


@primitive("uses_technology")
@validates(_check_kinds)
def uses_technology(snapshot: Snapshot, *, kinds: list[str], require: int = 1) -> Outcome:
    """The project uses technologies of the given kinds (web, orm, dataframe, iac…)."""
    stack = technologies(snapshot)
    present = [k for k in kinds if stack.of(k)]
    missing = [k for k in kinds if not stack.of(k)]
    evidence = [stack.of(k)[0].evidence for k in present]
    evidence += [d.evidence for k in present for d in stack.of(k)[1:]]
    found = "; ".join(_describe(k, stack) for k in present)
    needed = "all of" if require == len(kinds) else f"{require} of"
    if len(present) >= require:
        return Outcome.passed(f"Found {found}.", tuple(evidence[:MAX_EVIDENCE]))
    absent = "; ".join(_examples(k) for k in missing)
    if not present:
        return Outcome.failed(f"Not found: {absent}.")
    return Outcome.graded(
        len(present) / require,
        f"Found {found}, but {needed} {len(kinds)} kinds are expected; not found: {absent}.",
        tuple(evidence[:MAX_EVIDENCE]),
    )


def _glob_matches(pattern: str, path: str) -> bool:
    """A pattern without a slash matches a file name at any depth; with one, the whole path."""
    pattern = pattern.lower()
    if "/" in pattern:
        return fnmatchcase(path.lower(), pattern)
    return fnmatchcase(PurePosixPath(path).name.lower(), pattern)


@primitive("files_present")
@validates(_check_patterns)
def files_present(snapshot: Snapshot, *, patterns: list[str], what: str = "") -> Outcome:
    """The repository holds a file matching one of some glob patterns (``CHANGELOG*``)."""
    label = what or " or ".join(patterns)
    matched = [
        path
        for path in sorted(snapshot.files)
        if not is_vendored(path) and any(_glob_matches(p, path) for p in patterns)
    ]
    if matched:
        shown = ", ".join(matched[:4]) + (
            f" and {len(matched) - 4} more" if len(matched) > 4 else ""
        )
        return Outcome.passed(
            f"Found {label}: {shown}.", tuple(Evidence(p) for p in matched[:MAX_EVIDENCE])
        )
    return Outcome.failed(f"No {label} found (no file matches {', '.join(patterns)}).")


@primitive("ci_runs")
@validates(_check_regexes)
def ci_runs(snapshot: Snapshot, *, patterns: list[str], what: str = "") -> Outcome:
    """CI runs a command matching one of some regular expressions (case-insensitive)."""
    label = what or "the command"
    setup = ci_setup(snapshot)
    if not setup.files:
        return Outcome.failed(f"There is no CI configuration, so nothing runs {label}.")
    compiled = [re.compile(p, re.IGNORECASE) for p in patterns]
    hits = [c for c in setup.commands if any(p.search(c.text) for p in compiled)]
    if hits:
        first = hits[0]
        return Outcome.passed(
            f"CI runs {label}: `{first.text[:80]}` ({first.path}:{first.line}).",
            tuple(Evidence(c.path, c.line, c.text[:60]) for c in hits[:MAX_EVIDENCE]),
        )
    return Outcome.failed(
        f"CI ({setup.describe()}) runs nothing that looks like {label} "
        f"(no command matches {', '.join(patterns)})."
    )


# ----------------------------------------------------------------------------- notebooks


@dataclass(frozen=True)
class Notebook:
    """What a committed Jupyter notebook shows."""

    path: str
    code_cells: int
    with_outputs: int  # code cells that carry an output
    in_order: bool  # executed top to bottom: execution counts 1, 2, 3… down the page
    error: str | None = None  # why it could not be read


@fact
def notebooks(snapshot: Snapshot) -> tuple[Notebook, ...]:
    """Every committed notebook (checkpoints and vendored folders left out), parsed once."""
    found: list[Notebook] = []
    for path in sorted(snapshot.files):
        if not path.lower().endswith(".ipynb") or is_vendored(path):
            continue
        if any(part in _IGNORED_FOLDERS for part in path.split("/")):
            continue
        found.append(_read_notebook(path, snapshot.text(path)))
    return tuple(found)


def _read_notebook(path: str, text: str | None) -> Notebook:
    if text is None:
        return Notebook(path, 0, 0, False, "too large or not text")
    try:
        data = json.loads(text)
    except ValueError as exc:
        return Notebook(path, 0, 0, False, f"not valid JSON ({exc})")
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return Notebook(path, 0, 0, False, "no cells")
    code = [c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    with_outputs = sum(1 for c in code if c.get("outputs"))
    counts = [c.get("execution_count") for c in code if "".join(_source(c)).strip()]
    in_order = bool(counts) and counts == list(range(1, len(counts) + 1))
    return Notebook(path, len(code), with_outputs, in_order)


def _source(cell: Mapping[str, Any]) -> list[str]:
    source = cell.get("source", "")
    if isinstance(source, str):
        return [source]
    return [s for s in source if isinstance(s, str)] if isinstance(source, list) else []


def _readable(snapshot: Snapshot) -> tuple[list[Notebook], list[Notebook]]:
    found = notebooks(snapshot)
    return [n for n in found if n.error is None and n.code_cells], [n for n in found if n.error]


def _unreadable_note(broken: list[Notebook]) -> str:
    if not broken:
        return ""
    shown = ", ".join(f"{n.path} ({n.error})" for n in broken[:3])
    return f" Not read: {shown}."


@primitive("notebook_outputs")
def notebook_outputs(snapshot: Snapshot, *, min_fraction: float = 0.5) -> Outcome:
    """Committed notebooks show their results (outputs are saved, not cleared)."""
    readable, broken = _readable(snapshot)
    if not readable:
        return Outcome.skipped("There are no notebooks with code cells." + _unreadable_note(broken))
    showing = [n for n in readable if n.with_outputs]
    fraction = len(showing) / len(readable)
    blank = [n for n in readable if not n.with_outputs]
    detail = f"; without any output: {', '.join(n.path for n in blank[:3])}" if blank else ""
    return Outcome.graded(
        fraction / min_fraction if min_fraction > 0 else 1.0,
        f"{len(showing)} of {len(readable)} notebooks show their results "
        f"(at least {min_fraction:.0%} expected){detail}.{_unreadable_note(broken)}",
        tuple(Evidence(n.path, None, "no outputs") for n in blank[:MAX_EVIDENCE]),
    )


@primitive("notebooks_in_order")
def notebooks_in_order(snapshot: Snapshot) -> Outcome:
    """Committed notebooks were run top to bottom in one go (execution counts 1, 2, 3…)."""
    readable, broken = _readable(snapshot)
    executed = [n for n in readable if n.with_outputs or n.in_order]
    if not executed:
        return Outcome.skipped(
            "There are no executed notebooks to judge." + _unreadable_note(broken)
        )
    ordered = [n for n in executed if n.in_order]
    jumbled = [n for n in executed if not n.in_order]
    detail = f"; out of order: {', '.join(n.path for n in jumbled[:3])}" if jumbled else ""
    return Outcome.graded(
        len(ordered) / len(executed),
        f"{len(ordered)} of {len(executed)} executed notebooks ran top to bottom in one "
        f"session{detail}.",
        tuple(Evidence(n.path, None, "cells ran out of order") for n in jumbled[:MAX_EVIDENCE]),
    )
