"""The verdict agrees with a reviewer on the traps that talked the old score into an A.

Each case is a repository built by the test factory, audited end to end with the default
pack; the assertions are on the score, the grade, the receipt and the findings that decide.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from auditor.engine import audit
from auditor.model import Finding, Outcome, Scorecard, Status
from auditor.render import render
from auditor.rulepack import load_pack
from auditor.source.snapshot import Snapshot
from auditor.verdict import VerdictPolicy, compute, verdict_policy
from tests.factory import RepoBuilder, make_repo


def _policy_and_finding() -> tuple[VerdictPolicy, Callable[[str, Outcome], Finding]]:
    """The default pack's verdict policy, and a way to make a finding of one of its rules."""
    pack = load_pack("default")
    policy = verdict_policy(pack)
    assert policy is not None

    def finding(rule: str, outcome: Outcome) -> Finding:
        r = pack.rules[rule]
        return Finding(rule, r.title, r.category, r.weight, outcome, "", "")

    return policy, finding


MIT = (Path(__file__).resolve().parents[1] / "LICENSE").read_text("utf-8")

TODO_APP = '''"""A to-do list served over HTTP."""

from __future__ import annotations

from flask import Flask, jsonify, request

app = Flask(__name__)
TASKS: dict[int, str] = {}


@app.get("/tasks")
def list_tasks() -> dict[str, dict[int, str]]:
    """Every task, by id."""
    return {"tasks": TASKS}


@app.post("/tasks")
def add_task() -> tuple[dict[str, int], int]:
    """Add the task in the request's JSON body."""
    text = str(request.get_json(force=True).get("text", "")).strip()
    if not text:
        return {"error": 400}, 400
    task_id = max(TASKS, default=0) + 1
    TASKS[task_id] = text
    return {"id": task_id}, 201


@app.delete("/tasks/<int:task_id>")
def delete_task(task_id: int) -> tuple[str, int]:
    """Remove a task; 404 when there is none."""
    if TASKS.pop(task_id, None) is None:
        return "", 404
    return "", 204


def main() -> None:
    """Serve the app locally."""
    app.run()


if __name__ == "__main__":
    main()
'''

TODO_TESTS = """from app import TASKS, app


def test_add_and_list() -> None:
    TASKS.clear()
    client = app.test_client()
    assert client.post("/tasks", json={"text": "milk"}).status_code == 201
    assert client.get("/tasks").get_json() == {"tasks": {"1": "milk"}}


def test_empty_task_is_refused() -> None:
    assert app.test_client().post("/tasks", json={"text": " "}).status_code == 400


def test_delete_missing_task() -> None:
    assert app.test_client().delete("/tasks/99").status_code == 404
"""

TODO_README = """# TaskFlow

TaskFlow is a small HTTP service for keeping a list of tasks. It is written in Flask and keeps
its tasks in memory, which is enough for a demo and keeps the code easy to read. It serves a
JSON API that a front end or a script can call to add, list and remove tasks.

![The API answering a request](docs/screenshot.png)

## Installation

```bash
pip install -r requirements.txt
```

## Usage

```bash
python app.py
curl -X POST localhost:5000/tasks -d '{"text": "milk"}'
```

## Running the tests

```bash
pytest
```

## Design decisions

Tasks live in a dictionary: no database to set up for a demo.

## Known limitations

Tasks are lost when the server stops.

## License

MIT
"""

CI = """name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
      - run: pip install -r requirements.txt pytest ruff mypy
      - run: ruff check .
      - run: mypy app.py
      - run: pytest
"""


def _grow(repo: RepoBuilder, steps: list[tuple[str, dict[str, str | bytes]]]) -> RepoBuilder:
    start = datetime(2026, 10, 1, 10, 0, tzinfo=timezone.utc)
    for day, (message, files) in enumerate(steps):
        repo.commit(message, files, when=start + timedelta(days=day, hours=day % 5))
    return repo


def _card(path: Path) -> Scorecard:
    return audit(Snapshot.open(path), load_pack("default"))


def test_a_tidy_todo_app_that_ticks_every_box_is_not_a_b(tmp_path: Path) -> None:
    repo = _grow(
        make_repo(tmp_path / "taskflow"),
        [
            ("Add the task API", {"app.py": TODO_APP, "requirements.txt": "flask==3.0.3\n"}),
            ("Test adding, listing and removing tasks", {"test_app.py": TODO_TESTS}),
            ("Run the tests, ruff and mypy in CI", {".github/workflows/ci.yml": CI}),
            ("Describe the service in the README", {"README.md": TODO_README}),
            ("License the project under MIT", {"LICENSE": MIT}),
            ("Ignore caches and environments", {".gitignore": "__pycache__/\n.venv/\n"}),
            ("Show the API answering", {"docs/screenshot.png": b"\x89PNG\r\n\x1a\n" + b"0" * 64}),
            ("Deploy with a Procfile", {"Procfile": "web: gunicorn app:app\n"}),
        ],
    )
    card = _card(repo.path)
    assert card.verdict is not None
    assert card.grade not in ("A", "B"), card.score
    assert card.score <= 70
    size = [a for a in card.verdict.adjustments if a.kind == "size"]
    assert size and size[0].points < 0
    assert "lines of code carry at most" in size[0].reason
    assert card.verdict.project_kind == "web app"
    # The receipt adds up to the score.
    earned = sum(d.earned or 0 for d in card.verdict.dimensions)
    assert round(earned + sum(a.points for a in card.verdict.adjustments), 1) == card.score


def test_a_procfile_for_a_server_that_is_not_a_dependency_is_not_a_deployment(
    repo: RepoBuilder,
) -> None:
    repo.commit(
        "Add the app",
        {
            "app.py": TODO_APP,
            "requirements.txt": "flask==3.0.3\n",
            "Procfile": "web: gunicorn app:app\n",
        },
    )
    deploy = {f.rule: f for f in _card(repo.path).findings}["PKG004"]
    assert deploy.status is Status.FAIL
    assert "gunicorn" in deploy.outcome.message and "Procfile" in deploy.outcome.message
    repo.commit("Declare gunicorn", {"requirements.txt": "flask==3.0.3\ngunicorn==22.0.0\n"})
    deploy = {f.rule: f for f in _card(repo.path).findings}["PKG004"]
    assert deploy.status is Status.PASS and "Procfile" in deploy.outcome.message


def test_renaming_the_readme_title_does_not_make_a_tutorial_clone_original(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "taskflow")
    repo.commit(
        "Add the app",
        {
            "app.py": TODO_APP.replace("TASKS", "TODOS"),
            "templates/todo.html": "<ul>{% for t in todos %}<li>{{ t }}</li>{% endfor %}</ul>\n",
            "README.md": "# TaskFlow Pro\n\nA productivity service.\n",
        },
    )
    clone = {f.rule: f for f in _card(repo.path).findings}["SUB001"]
    assert clone.status is Status.FAIL
    assert "to-do list" in clone.outcome.message and "templates/todo.html" in clone.outcome.message


PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    + "\n".join("MIIEowIBAAKCAQEAx" + "Q" * 47 for _ in range(12))
    + "\n-----END RSA PRIVATE KEY-----\n"
)


def test_a_committed_private_key_heads_every_card_and_caps_the_score(tmp_path: Path) -> None:
    from tests.projects import build_strong_project

    repo = build_strong_project(tmp_path / "ledgerline")
    clean = _card(repo.path)
    repo.commit("Add the deploy key", {"deploy/id_rsa": PRIVATE_KEY})
    card = _card(repo.path)
    assert card.verdict is not None and card.verdict.blockers
    assert any("deploy/id_rsa" in b.paths for b in card.verdict.blockers)
    assert card.score <= 59 < clean.score
    assert clean.score - card.score >= 15
    text = render(card, "text")
    assert text.index("Security: blockers") < text.index("How the score was reached")
    markdown = render(card, "markdown")
    assert markdown.index("Security: blockers") < markdown.index("How the score was reached")
    html = render(card, "html")
    assert html.index('data-testid="blockers"') < html.index('data-testid="score"')


def test_a_small_library_is_not_failed_by_rules_written_for_applications(
    repo: RepoBuilder,
) -> None:
    repo.commit(
        "Add the library",
        {
            "pyproject.toml": '[project]\nname = "slugs"\nversion = "1.0"\n'
            'dependencies = ["unidecode>=1.3"]\n',
            "src/slugs/__init__.py": '"""Slugs."""\n\n\ndef slug(text: str) -> str:\n'
            '    """The text as a URL slug."""\n    return "-".join(text.lower().split())\n',
            "tests/test_slugs.py": "from slugs import slug\n\n\ndef test_slug() -> None:\n"
            '    assert slug("A B") == "a-b"\n',
        },
    )
    card = _card(repo.path)
    assert card.verdict is not None and card.verdict.project_kind == "library"
    findings = {f.rule: f for f in card.findings}
    for rule in ("PKG002", "PKG003", "PKG004", "SUB002", "SUB003"):
        assert findings[rule].status is Status.SKIP, rule
        assert "Not expected of a library" in findings[rule].outcome.message


def test_a_collection_of_exercises_has_no_structure_to_credit(repo: RepoBuilder) -> None:
    files = {
        f"day{n:02d}/main.py": f'"""Day {n}."""\n\n\ndef solve() -> int:\n    return {n}\n'
        for n in range(1, 9)
    }
    repo.commit("Add days 1-8", files)
    card = _card(repo.path)
    assert card.verdict is not None
    assert card.verdict.project_kind == "exercise collection"
    organisation = next(d for d in card.verdict.dimensions if d.id == "organisation")
    assert organisation.capped_by_kind and (organisation.earned or 0) <= 6


def test_a_rule_that_could_not_be_checked_counts_as_failed_not_as_absent() -> None:
    policy, finding = _policy_and_finding()

    passing = [finding("GIT001", Outcome.passed("grew")), finding("GIT002", Outcome.passed("ok"))]
    failed = [*passing, finding("GIT003", Outcome.failed("one day"))]
    errored = [*passing, finding("GIT003", Outcome.errored("the check failed: MemoryError"))]

    scores = [
        compute(policy, fs, project_kind="application", code_lines=5000).score
        for fs in (failed, errored)
    ]
    assert scores[0] == scores[1]


def test_explain_score_documents_the_model_from_the_pack() -> None:
    from click.testing import CliRunner

    from auditor.cli import cli

    result = CliRunner().invoke(cli, ["explain", "score"])
    assert result.exit_code == 0, result.output
    text = result.output
    for words in ("Verified engineering", "30 points", "GIT006", "capped at 59", "SEC001"):
        assert words in text
    assert "An exercise collection: organisation at most 30%" in text


def test_each_hygiene_problem_halves_what_is_left(tmp_path: Path) -> None:
    """Repository hygiene multiplies its facets with a floor of a half: committed editor
    state leaves half of it, and without a .gitignore a quarter (a weighted mean kept most)."""
    from tests.projects import build_strong_project

    repo = build_strong_project(tmp_path / "ledgerline")
    clean = _card(repo.path)
    repo.commit("Add the editor settings", {".idea/workspace.xml": "<project/>\n"})
    junk = _card(repo.path)
    repo.commit("Drop the ignore file", delete=(".gitignore",))
    bare = _card(repo.path)

    def hygiene(card: Scorecard) -> tuple[float | None, dict[str, str]]:
        assert card.verdict is not None
        earned = {d.id: d.earned for d in card.verdict.dimensions}["repository_hygiene"]
        rules = {f.rule: f.status.value for f in card.findings if f.rule in ("GIT004", "GIT005")}
        return earned, rules

    assert hygiene(clean) == (15.0, {"GIT004": "pass", "GIT005": "pass"})
    assert hygiene(junk) == (7.5, {"GIT004": "pass", "GIT005": "fail"})
    assert hygiene(bare) == (3.8, {"GIT004": "fail", "GIT005": "fail"})


def test_a_readme_that_says_nothing_has_no_claims_to_credit() -> None:
    """DOC001 and DOC012 pass a title-only README (it is there, and has no claim to
    contradict): that is no evidence, so each counts as far as the README says something
    (DOC002). A README of a few words earns nothing for being there."""

    pack = load_pack("default")
    policy, finding = _policy_and_finding()

    def communication(words: float) -> float:
        findings = [
            finding("DOC001", Outcome.passed("README.md")),
            finding("DOC002", Outcome.graded(words, "few words")),
            finding("DOC012", Outcome.passed("every claim holds")),
        ]
        verdict = compute(policy, findings, project_kind="web app", code_lines=5000)
        return next(d.earned or 0.0 for d in verdict.dimensions if d.id == "communication")

    assert pack.rules["DOC001"].weight > 0
    assert communication(0.0) == 0.0
    assert communication(0.5) == 10.0  # DOC001 and DOC012 count at half, as DOC002 does
    assert communication(1.0) == 20.0


def test_a_project_nothing_verifies_is_at_most_a_learning_project() -> None:
    """Everything but tests and CI passes: without anything that shows the code works the
    score stops at the policy's cap, and the receipt says why; a little verification is not
    enough, real verification is."""

    pack = load_pack("default")
    policy = verdict_policy(pack)
    assert policy is not None and policy.unverified_dimension == "verified_engineering"

    def verdict(tests: float) -> tuple[float, list[str]]:
        findings = []
        for rule in pack.rules.values():
            if rule.category in ("TST", "CI"):
                outcome = Outcome.graded(tests, "tests") if tests else Outcome.failed("none")
            else:
                outcome = Outcome.passed("fine")
            findings.append(
                Finding(rule.id, rule.title, rule.category, rule.weight, outcome, "", "")
            )
        result = compute(policy, findings, project_kind="web app", code_lines=5000)
        return result.score, [a.kind for a in result.adjustments]

    untested, handful, tested = verdict(0.0), verdict(0.1), verdict(0.6)

    assert untested == (policy.unverified_cap, ["unverified"])
    assert handful == (policy.unverified_cap, ["unverified"])
    assert tested[0] > policy.unverified_cap and "unverified" not in tested[1]


def test_ci_running_tests_that_cannot_fail_verifies_nothing() -> None:
    """CI002 passes when CI runs `pytest`; over tests that assert nothing it verifies
    nothing, so it counts in proportion to TST001 (and CI001 to CI002's own score)."""

    pack = load_pack("default")
    policy = verdict_policy(pack)
    assert policy is not None

    def verified(tests: Outcome) -> float:
        findings = [
            Finding(r.id, r.title, r.category, r.weight, outcome, "", "")
            for r, outcome in (
                (pack.rules["TST001"], tests),
                (pack.rules["CI001"], Outcome.passed("configured")),
                (pack.rules["CI002"], Outcome.passed("runs pytest")),
            )
        ]
        verdict = compute(policy, findings, project_kind="web app", code_lines=5000)
        return next(d.earned or 0.0 for d in verdict.dimensions if d.id == "verified_engineering")

    weights = {rid: pack.rules[rid].weight for rid in ("TST001", "CI001", "CI002")}
    only_configured = 30 * weights["CI001"] / sum(weights.values())
    assert verified(Outcome.failed("3 tests assert nothing")) == round(only_configured, 1)
    assert verified(Outcome.passed("40 tests")) == 30.0
