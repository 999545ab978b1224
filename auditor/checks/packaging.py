"""Packaging, running, deploying: can someone install the project, run it and see it live?

The primitives read facts: the manifests and requirements (:mod:`auditor.facts.manifests`),
the entry points (:mod:`auditor.facts.entrypoints`), the parsed README and the CI commands.
The file names they look for are data: ``rules/vocabulary/packaging.toml``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from auditor.checks.registry import primitive
from auditor.facts.ci import ci_setup
from auditor.facts.entrypoints import console_scripts, main_entry_points
from auditor.facts.links import is_live_site, names_a_demo
from auditor.facts.manifests import manifests, requirements
from auditor.facts.stack import normalise_package
from auditor.facts.tools import segments
from auditor.model import Evidence, Outcome
from auditor.source.readme import readme
from auditor.source.snapshot import Snapshot, is_vendored
from auditor.vocabulary import term_set, terms

VOCABULARY = "packaging"
MAX_EVIDENCE = 5
#: A Dockerfile line longer than this is not a CMD a person wrote; it is not read.
MAX_DOCKERFILE_LINE = 2_000
#: Only the start of a CI command or README line is matched: a real command fits in it, and
#: the patterns' ``.*`` stay linear in a bounded text.
MAX_COMMAND_CHARS = 2_000

# ----------------------------------------------------------------------------- primitives


@primitive("dependency_manifest")
def dependency_manifest(snapshot: Snapshot) -> Outcome:
    """The project declares its dependencies in a manifest."""
    found = manifests(snapshot)
    if found.manifests:
        shown = ", ".join(found.manifests[:6])
        note = f" ({'; '.join(found.problems)})" if found.problems else ""
        return Outcome.passed(
            f"Dependencies are declared in {shown}{note}.",
            tuple(Evidence(path) for path in found.manifests[:MAX_EVIDENCE]),
        )
    if not snapshot.python_modules and not found.problems:
        return Outcome.skipped("There is no Python code, so no Python manifest is expected.")
    if found.problems:
        return Outcome.failed(
            f"No usable dependency manifest: {'; '.join(found.problems)}. Declare the "
            "project and its dependencies in a [project] table.",
            (Evidence("pyproject.toml"),) if "pyproject.toml" in snapshot.files else (),
        )
    return Outcome.failed(
        "No dependency manifest found (pyproject.toml with a [project] table, requirements.txt, "
        "setup.py, setup.cfg, Pipfile, environment.yml or a lock file): nobody can tell what to "
        "install to run the code."
    )


@primitive("dependencies_pinned")
def dependencies_pinned(snapshot: Snapshot) -> Outcome:
    """Dependencies are locked, or carry version specifiers."""
    found = manifests(snapshot)
    if not found.manifests:
        return Outcome.skipped("There is no dependency manifest to pin (see PKG001).")
    if found.locks:
        return Outcome.passed(
            f"Dependencies are locked: {', '.join(found.locks[:4])}.",
            tuple(Evidence(path, None, "lock file") for path in found.locks[:MAX_EVIDENCE]),
        )
    declared = requirements(snapshot)
    if not declared:
        return Outcome.skipped(
            f"{', '.join(found.manifests[:4])} declare(s) no third-party dependencies: "
            "nothing to pin."
        )
    unversioned = [r for r in declared if not r.versioned]
    versioned = len(declared) - len(unversioned)
    if not unversioned:
        return Outcome.passed(
            f"All {len(declared)} declared dependencies carry a version specifier."
        )
    names = ", ".join(dict.fromkeys(r.name for r in unversioned[:8]))
    return Outcome.graded(
        versioned / len(declared),
        f"{versioned} of {len(declared)} declared dependencies carry a version; "
        f"unversioned: {names}. Give them version bounds or commit a lock file.",
        tuple(
            Evidence(r.path, r.line, f"{r.name} has no version") for r in unversioned[:MAX_EVIDENCE]
        ),
    )


_RUN_COMMAND = re.compile(
    r"^(?:"
    r"(?:python[\d.]*|py)\s+(?!-m\s+(?:pip|venv|pytest|unittest|build|twine)\b)"
    r"(?!-[cV]\b|--version|setup\.py)\S"
    r"|(?:uv|poetry|pipenv|pdm|hatch|rye|pixi)\s+run\s+(?!(?:python\s+-m\s+)?(?:pytest|tox|nox|ruff|mypy)\b)\S"
    r"|uvx\s+\S|pipx\s+run\s+\S"
    r"|(?:uvicorn|gunicorn|hypercorn|daphne|granian|waitress-serve)\s"
    r"|(?:streamlit|chainlit)\s+run\b|flask\b.*\brun\b|fastapi\s+(?:dev|run)\b|panel\s+serve\b"
    r"|jupyter\s+(?:notebook|lab)\b|voila\s"
    r"|docker(?:-compose|\s+compose)?\s+(?:run|up)\b"
    r"|(?:make|just|task)\s+(?!install\b|test\b|tests\b|lint\b|check\b)\w"
    r"|npm\s+(?:start|run\s+(?:dev|start|serve))\b|node\s+\S"
    r"|\./\S"
    r")"
)
_PROMPT = re.compile(r"^(?:\$|>|>>>|%|PS>|PS [^>]*>|\(\S+\)(?:\s*\$)?)\s*")


def readme_run_commands(snapshot: Snapshot) -> list[Evidence]:
    """README code-block lines that run the project (not install it, not test it)."""
    document = readme(snapshot)
    if document is None:
        return []
    scripts = {e.name.lower() for e in console_scripts(snapshot)}
    found: list[Evidence] = []
    for block in document.code_blocks:
        for offset, raw in enumerate(block.text.splitlines()):
            line = _PROMPT.sub("", raw[:MAX_COMMAND_CHARS].strip())
            first = line.split(" ", 1)[0].lower()
            if _RUN_COMMAND.match(line) or (first and first in scripts):
                number = block.line + offset + (1 if document.format == "markdown" else 0)
                found.append(Evidence(document.path, number, f"run command: {line[:60]}"))
    return found


def _runs_a_command(dockerfile: str) -> bool:
    """Whether a Dockerfile has a ``CMD`` or ``ENTRYPOINT`` instruction: a per-line scan (a
    multi-line ``^\\s*`` search took minutes on 100 KB of blanks)."""
    for raw in dockerfile.splitlines():
        if len(raw) > MAX_DOCKERFILE_LINE:
            continue
        line = raw.lstrip()
        for keyword in ("CMD", "ENTRYPOINT"):
            after = line[len(keyword) : len(keyword) + 1]
            if line[: len(keyword)].upper() == keyword and not (after.isalnum() or after == "_"):
                return True
    return False


@primitive("run_instructions")
def run_instructions(snapshot: Snapshot) -> Outcome:
    """There is a way to run the project: an entry point, a task file or a README command."""
    ways: list[tuple[str, Evidence]] = []
    for entry in console_scripts(snapshot):
        ways.append((f"console script `{entry.name}`", Evidence(entry.path, entry.line)))
    for entry in main_entry_points(snapshot):
        label = "a __main__.py" if entry.kind == "__main__.py" else "a `__main__` block"
        ways.append((f"{label} in {entry.path}", Evidence(entry.path, entry.line, entry.kind)))
    for path in sorted(snapshot.files):
        name = PurePosixPath(path).name.lower()
        if "/" in path:
            continue
        if name in term_set(VOCABULARY, "task_files"):
            ways.append((path, Evidence(path)))
        elif name in term_set(VOCABULARY, "container_files") and _runs_a_command(
            snapshot.text(path) or ""
        ):
            ways.append((f"{path} with a CMD", Evidence(path)))
    for evidence in readme_run_commands(snapshot)[:3]:
        ways.append((f"a run command in {evidence.path}", evidence))
    if ways:
        labels = list(dict.fromkeys(label for label, _ in ways))
        shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
        return Outcome.passed(
            f"The project can be run: {shown}.", tuple(e for _, e in ways[:MAX_EVIDENCE])
        )
    if not snapshot.python_modules:
        return Outcome.skipped("There is no Python code to run.")
    return Outcome.failed(
        "No documented way to run the project: no console script, __main__.py or "
        '`if __name__ == "__main__"` block, Makefile/justfile, Procfile, or run command '
        "(python …, uvicorn …, flask run, docker run …) in a README code block."
    )


_DEPLOY_COMMAND = re.compile(
    r"\b(?:twine\s+upload|(?:flit|poetry|uv|hatch|pdm)\s+publish|docker\s+(?:push|buildx\s+build\b.*--push)"
    r"|(?:fly|flyctl)\s+deploy|heroku\s|gcloud\s+(?:app|run|functions)\s+deploy|kubectl\s+apply"
    r"|helm\s+(?:upgrade|install)|mkdocs\s+gh-deploy|ghp-import|vercel\b|netlify\s+deploy"
    r"|(?:serverless|sls)\s+deploy|terraform\s+apply|aws\s+\S+\s+(?:deploy|sync)|az\s+webapp"
    r"|railway\s+up|zappa\s+(?:deploy|update)|cdk\s+deploy)"
)
_DEPLOY_ACTION = re.compile(
    r"pypi-publish|build-push-action|deploy|gh-pages|pages|publish|heroku|flyctl|gh-release"
)


def _is_deploy_file(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    parts = path.lower().split("/")
    if path.lower() in term_set(VOCABULARY, "published_at_root"):
        return True
    if name in ("dockerfile", "containerfile") or name.startswith("dockerfile."):
        return True
    if name.endswith(terms(VOCABULARY, "deploy_suffixes")):
        return True
    if re.match(r"^(?:docker-)?compose(?:[.-][\w-]+)?\.ya?ml$", name):
        return True
    if name in term_set(VOCABULARY, "deploy_files"):
        return True
    if any(p in term_set(VOCABULARY, "platform_folders") for p in parts[:-1]):
        return True
    folders = term_set(VOCABULARY, "deploy_folders")
    return name.endswith((".yml", ".yaml")) and any(p in folders for p in parts[:-1])


def _live_link(url: str, text: str) -> bool:
    """A README web address where the project runs; the same judgement as DOC007's."""
    web = url.strip().lower().startswith(("http://", "https://"))
    return web and (is_live_site(url) or names_a_demo(text))


def _undeclared_procfile_servers(snapshot: Snapshot, path: str) -> list[str]:
    """The programs a Procfile starts that the project does not declare (a Procfile naming a
    server that is not among the dependencies deploys nothing)."""
    if PurePosixPath(path).name.lower() != "procfile":
        return []
    text = snapshot.text(path) or ""
    declared = {normalise_package(r.name) for r in requirements(snapshot)}
    allowed = term_set(VOCABULARY, "procfile_builtin_commands")
    missing = []
    for line in text.splitlines()[:50]:
        _, colon, command = line.partition(":")
        if not colon or not command.strip():
            continue
        words = (segments(command.strip()[:MAX_COMMAND_CHARS]) or [[]])[0]
        program = next((w for w in words if "=" not in w), "")
        name = PurePosixPath(program).name.lower()
        if name and name not in allowed and normalise_package(name) not in declared:
            missing.append(name)
    return list(dict.fromkeys(missing))


@primitive("deploy_config")
def deploy_config(snapshot: Snapshot) -> Outcome:
    """The project can be deployed or demoed: container, platform config, deploy CI, live link."""
    ways: list[tuple[str, Evidence]] = []
    refused: list[str] = []
    for path in sorted(snapshot.files):
        if not is_vendored(path) and _is_deploy_file(path):
            missing = _undeclared_procfile_servers(snapshot, path)
            if missing:
                refused.append(f"{path} starts {', '.join(missing)}, which no manifest declares")
                continue
            ways.append((path, Evidence(path)))
    for command in ci_setup(snapshot).commands:
        text = command.text[:MAX_COMMAND_CHARS].lower()
        hit = _DEPLOY_ACTION.search(text.split("@", 1)[0]) if command.action else None
        hit = hit or (None if command.action else _DEPLOY_COMMAND.search(text))
        if hit:
            where = Evidence(command.path, command.line, f"deploys: {command.text[:60]}")
            ways.append((f"a deploy step in {command.path}", where))
    document = readme(snapshot)
    if document is not None:
        for link in document.links:
            if _live_link(link.url, link.text):
                where = Evidence(document.path, link.line, f"live link: {link.url[:80]}")
                ways.append((f"a live link in {document.path} ({link.url[:60]})", where))
    if ways:
        labels = list(dict.fromkeys(label for label, _ in ways))
        shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
        return Outcome.passed(
            f"The project can be deployed or seen running: {shown}.",
            tuple(e for _, e in ways[:MAX_EVIDENCE]),
        )
    if not snapshot.python_modules:
        return Outcome.skipped("There is no Python code to deploy.")
    not_counted = f" Not counted: {'; '.join(refused)}." if refused else ""
    return Outcome.failed(
        f"Nothing shows how to deploy or demo the project.{not_counted} There is no Dockerfile "
        "or compose file, "
        "Procfile or platform config (fly.toml, render.yaml, app.yaml…), GitHub Action or "
        "pre-commit hook published at the root, CI step that deploys or publishes, or link to a "
        "live deployment in the README."
    )
