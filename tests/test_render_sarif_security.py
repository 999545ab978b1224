"""SARIF for security findings: one code scanning alert per place, ranked by security-severity."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema

from auditor.engine import audit
from auditor.render.sarif import render_sarif
from auditor.rulepack import load_pack
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

UNSAFE_APP = textwrap.dedent(
    """
    import yaml
    from flask import Flask, request

    app = Flask(__name__)


    @app.route("/search")
    def search(db):
        q = request.args["q"]
        return db.execute(f"SELECT * FROM items WHERE name LIKE '%{q}%'").fetchall()


    def settings():
        return yaml.load(open("settings.yml"))


    if __name__ == "__main__":
        app.run(host="0.0.0.0", debug=True)
    """
).lstrip("\n")


def sarif_of(repo: RepoBuilder) -> dict[str, Any]:
    card = audit(Snapshot.open(repo.path), load_pack())
    log: dict[str, Any] = json.loads(render_sarif(card))
    return log


def test_each_unsafe_place_is_an_alert_with_its_security_severity(repo: RepoBuilder) -> None:
    repo.commit("Add the app", {"app.py": UNSAFE_APP, "README.md": "# Search\n"})

    log = sarif_of(repo)

    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, errors[0]
    run = log["runs"][0]
    security = [r for r in run["results"] if r["ruleId"] == "SEC001"]
    located = [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["properties"]["security-severity"],
            r["properties"]["tags"],
        )
        for r in security
    ]
    assert located == [
        ("app.py", 18, "9.5", ["security"]),  # a debug server on all interfaces: critical
        ("app.py", 10, "8.0", ["security"]),  # SQL built by formatting: high
        ("app.py", 14, "5.5", ["security"]),  # yaml.load: medium
    ]
    assert security[1]["message"]["text"].startswith(
        "No code unsafe on its face: S608 SQL built by string formatting (high): "
    )
    assert "query parameters" in security[1]["message"]["text"]
    rule = run["tool"]["driver"]["rules"][security[0]["ruleIndex"]]
    assert rule["id"] == "SEC001"
    assert rule["properties"]["security-severity"] == "9.5"
    assert "security" in rule["properties"]["tags"]


def test_other_findings_carry_no_security_severity(repo: RepoBuilder) -> None:
    repo.commit("Add the app", {"app.py": UNSAFE_APP, "README.md": "# Search\n"})

    run = sarif_of(repo)["runs"][0]

    others = [r for r in run["results"] if r["ruleId"] != "SEC001"]
    assert others  # no tests, no CI…
    assert all("security-severity" not in r["properties"] for r in others)
    rules = [r for r in run["tool"]["driver"]["rules"] if r["id"] != "SEC001"]
    assert all("security" not in r["properties"]["tags"] for r in rules)


def test_a_committed_private_key_is_a_critical_code_scanning_alert(repo: RepoBuilder) -> None:
    import json

    from auditor.engine import audit
    from auditor.render import render
    from auditor.rulepack import load_pack
    from auditor.source.snapshot import Snapshot

    key = (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        + "\n".join("MIIEowIBAAKCAQEAx" + "Q" * 47 for _ in range(12))
        + "\n-----END RSA PRIVATE KEY-----\n"
    )
    repo.commit("Add the app and its key", {"app.py": "print('hi')\n", "deploy/id_rsa": key})
    sarif = json.loads(render(audit(Snapshot.open(repo.path), load_pack("default")), "sarif"))
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "GIT006"]
    assert results and all(r["properties"]["security-severity"] == "9.5" for r in results)
    assert (
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy/id_rsa"
    )
