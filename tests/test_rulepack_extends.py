"""Packs that extend other packs: what merges, what replaces, and every bad pack's one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.engine import audit
from auditor.errors import RulePackError
from auditor.resources import rules_dir
from auditor.rulepack import load_pack
from auditor.source.snapshot import Snapshot
from tests.projects import build_strong_project

EXAMPLE = rules_dir() / "examples" / "custom.toml"

NEW_RULE = """
[rules.DOC011]
title = "CHANGELOG present"
category = "DOC"
check = "files_present"
params = { patterns = ["CHANGELOG*"] }
why = "Users see what changed."
fix = "Add a CHANGELOG.md."
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def child(folder: Path, body: str, parent: str = "default", name: str = "child.toml") -> Path:
    return write(folder, name, f'[pack]\nname = "child"\nextends = "{parent}"\n{body}')


# ----------------------------------------------------------------------------- merging


def test_a_child_inherits_every_rule_and_category_of_its_parent(tmp_path: Path) -> None:
    parent = load_pack("default")
    pack = load_pack(str(child(tmp_path, "")))

    assert pack.name == "child"
    assert pack.extends == "default"
    assert list(pack.rules) == list(parent.rules)
    assert pack.categories == parent.categories
    assert pack.grades == parent.grades
    assert pack.account == parent.account
    assert pack.lineage == (str(tmp_path / "child.toml"), "rules/default.toml")


def test_a_rule_is_overridden_key_by_key(tmp_path: Path) -> None:
    parent = load_pack("default").rules["LNT001"]
    body = """
[rules.LNT001]
weight = 7
params = { max_per_kloc = 2.0 }
why = "Our team lints everything."
"""
    rule = load_pack(str(child(tmp_path, body))).rules["LNT001"]

    assert rule.weight == 7
    assert rule.params == {**parent.params, "max_per_kloc": 2.0}  # select is inherited
    assert rule.doc.why == "Our team lints everything."
    assert rule.title == parent.title
    assert rule.doc.fix == parent.doc.fix
    assert rule.check is parent.check


def test_binding_a_rule_to_another_check_replaces_its_params(tmp_path: Path) -> None:
    body = """
[rules.DOC002]
check = "files_present"
params = { patterns = ["docs/*.md"], what = "documentation pages" }
"""
    rule = load_pack(str(child(tmp_path, body))).rules["DOC002"]

    assert rule.check.name == "files_present"
    assert rule.params == {"patterns": ["docs/*.md"], "what": "documentation pages"}


def test_rules_are_disabled_added_and_re_enabled(tmp_path: Path) -> None:
    middle = child(tmp_path, "[rules.DOC007]\nenabled = false\n" + NEW_RULE, name="middle.toml")
    pack = load_pack(str(middle))
    assert "DOC007" not in pack.rules
    assert pack.disabled == {"DOC007"}
    assert pack.rules["DOC011"].check.name == "files_present"

    leaf = child(tmp_path, "[rules.DOC007]\nenabled = true\n", parent="middle.toml", name="x.toml")
    pack = load_pack(str(leaf))
    assert "DOC007" in pack.rules and "DOC011" in pack.rules
    assert pack.lineage[1:] == (str(tmp_path / "middle.toml"), "rules/default.toml")


def test_categories_merge_grades_replace_and_account_merges(tmp_path: Path) -> None:
    body = """
[categories.TST]
weight = 30

[categories.SEC]
title = "Security"
weight = 5

[grades]
A = 95
F = 0

[account]
solid_target = 5
"""
    parent = load_pack("default")
    pack = load_pack(str(child(tmp_path, body)))

    assert pack.categories["TST"].weight == 30
    assert pack.categories["TST"].title == parent.categories["TST"].title
    assert pack.categories["SEC"].title == "Security"
    assert pack.grades == (("A", 95.0), ("F", 0.0))
    assert pack.grade(94) == "F"
    assert pack.account["solid_target"] == 5
    assert {k: v for k, v in pack.account.items() if k != "solid_target"} == {
        k: v for k, v in parent.account.items() if k != "solid_target"
    }


def test_a_parent_rule_redeclared_in_the_child_is_an_override_not_a_duplicate(
    tmp_path: Path,
) -> None:
    path = child(tmp_path, '[rules.DOC001]\ntitle = "README at the root"\n')

    assert load_pack(str(path)).rules["DOC001"].title == "README at the root"


def test_extends_takes_a_path_relative_to_the_pack_file(tmp_path: Path) -> None:
    write(
        tmp_path / "team", "base.toml", '[pack]\nextends = "backend"\n[rules.BE003]\nweight = 9\n'
    )
    path = child(tmp_path / "team" / "roles", "", parent="../base.toml")

    pack = load_pack(str(path))

    assert pack.rules["BE003"].weight == 9
    assert pack.lineage[-2:] == ("rules/backend.toml", "rules/default.toml")


# ----------------------------------------------------------------------------- the example


def test_the_example_pack_disables_adds_and_retunes_rules() -> None:
    parent = load_pack("default")
    pack = load_pack(str(EXAMPLE))

    assert pack.source == "rules/examples/custom.toml"
    assert pack.extends == "default"
    removed = set(parent.rules) - set(pack.rules)
    added = set(pack.rules) - set(parent.rules)
    assert removed == {"DOC007", "GIT003"}
    assert added == {"DOC011", "SUB006"}
    assert pack.rules["DOC002"].params == {"min_words": 300}
    assert pack.rules["CPX004"].params == {"max_lines": 40}
    assert pack.categories["TST"].weight == 25
    assert pack.grade(91) == "B"


def test_the_example_pack_changes_the_audit(tmp_path: Path) -> None:
    repo = build_strong_project(tmp_path / "ledgerline")
    snapshot = Snapshot.open(repo.path)
    default_card = audit(snapshot, load_pack("default"))
    custom_card = audit(snapshot, load_pack(str(EXAMPLE)))

    default_rules = {f.rule for f in default_card.findings}
    findings = {f.rule: f for f in custom_card.findings}
    assert {"DOC007", "GIT003"} <= default_rules
    assert not {"DOC007", "GIT003"} & set(findings)
    assert findings["DOC011"].status.value == "fail"
    assert findings["SUB006"].status.value == "fail"  # sqlite3 is a driver, not an ORM
    assert custom_card.profile == "custom-example"
    # Stricter rules cost points before the size bound (a small project) caps both cards.
    assert custom_card.verdict is not None and default_card.verdict is not None
    earned = [sum(d.earned or 0 for d in c.verdict.dimensions) for c in (custom_card, default_card)]
    assert earned[0] < earned[1] and custom_card.score <= default_card.score

    repo.commit("Keep a changelog", {"CHANGELOG.md": "# Changelog\n\n## 1.2.0\n- Reports\n"})
    card = audit(Snapshot.open(repo.path), load_pack(str(EXAMPLE)))
    assert next(f for f in card.findings if f.rule == "DOC011").status.value == "pass"


def test_the_cli_audits_with_the_example_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = build_strong_project(tmp_path / "ledgerline")
    monkeypatch.chdir(tmp_path)

    assert main(["audit", str(repo.path), "--rules", str(EXAMPLE), "-f", "json"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["profile"] == "custom-example"
    assert {"DOC011", "SUB006"} <= {f["rule"] for f in card["findings"]}

    assert main(["explain", "SUB006", "--rules", str(EXAMPLE)]) == 0
    assert "uses_technology(kinds=['orm'])" in capsys.readouterr().out


# ----------------------------------------------------------------------------- bad packs


BAD_CHILDREN = [
    (
        '[rules.DOC001]\ntitle = "a"\n[rules.DOC001]\nweight = 2\n',
        r":6: duplicate rule id DOC001: \[rules.DOC001\] is declared twice in this file",
    ),
    ("[rules.DOC001\n", r":4: invalid TOML: .*line 4"),
    ('[rules.DOC001]\ncheck = "no_such_check"\n', "rule DOC001: unknown check 'no_such_check'"),
    ("[rules.DOC002]\nparams = { min_wrods = 3 }\n", r"unknown parameter\(s\) min_wrods"),
    ("[rules.DOC099]\nenabled = false\n", "rule DOC099 is not in the parent pack"),
    ("[rules.DOC099]\ntitle = 'x'\n", r"rule DOC099 \(a new rule, not in 'default'\): 'category'"),
    (
        NEW_RULE.replace('"files_present"', '"uses_technology"').replace(
            'patterns = ["CHANGELOG*"]', 'kinds = ["webb"]'
        ),
        r"rule DOC011: unknown kind\(s\) webb \(known: web, routes",
    ),
    (
        NEW_RULE.replace('"files_present"', '"ci_runs"').replace("CHANGELOG*", "(unclosed"),
        r"pattern '\(unclosed' is not a regular expression",
    ),
    ("[match]\nfrontend = 2\n", r"\[match\]: unknown kind\(s\) frontend"),
    ("[rules.DOC001]\nenabled = 'no'\n", "'enabled' must be true or false"),
    ("[rulez.DOC001]\nweight = 1\n", r"unknown table\(s\) \[rulez\]"),
]


@pytest.mark.parametrize(("body", "message"), BAD_CHILDREN)
def test_bad_extending_packs_fail_with_one_line_naming_the_file(
    tmp_path: Path, body: str, message: str
) -> None:
    path = child(tmp_path, body)

    with pytest.raises(RulePackError, match=message) as raised:
        load_pack(str(path))

    assert str(raised.value).startswith(str(path))
    assert "\n" not in str(raised.value)


def test_an_extends_cycle_names_the_files(tmp_path: Path) -> None:
    child(tmp_path, "", parent="b.toml", name="a.toml")
    child(tmp_path, "", parent="a.toml", name="b.toml")

    with pytest.raises(RulePackError) as raised:
        load_pack(str(tmp_path / "a.toml"))

    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'b.toml'}: 'extends' makes a cycle: ")
    assert message.endswith(
        f"{tmp_path / 'a.toml'} -> {tmp_path / 'b.toml'} -> {tmp_path / 'a.toml'}"
    )


def test_a_pack_extending_itself_is_a_cycle(tmp_path: Path) -> None:
    path = child(tmp_path, "", parent="child.toml")

    with pytest.raises(RulePackError, match="'extends' makes a cycle"):
        load_pack(str(path))


@pytest.mark.parametrize(
    ("parent", "message"),
    [
        ("missing.toml", r"extends 'missing.toml': no such rule pack file"),
        ("nope", r"extends 'nope': no such shipped rule pack \(shipped packs: automation"),
    ],
)
def test_a_missing_parent_names_the_extending_file(
    tmp_path: Path, parent: str, message: str
) -> None:
    path = child(tmp_path, "", parent=parent)

    with pytest.raises(RulePackError, match=message) as raised:
        load_pack(str(path))

    assert str(raised.value).startswith(f"{path}: ")


def test_an_error_in_a_parent_names_the_parent(tmp_path: Path) -> None:
    parent = child(tmp_path, '[rules.DOC001]\ncheck = "gone"\n', name="parent.toml")
    leaf = child(tmp_path, "", parent="parent.toml", name="leaf.toml")

    with pytest.raises(RulePackError) as raised:
        load_pack(str(leaf))

    assert str(raised.value) == f"{parent}: rule DOC001: unknown check 'gone'"


@pytest.mark.parametrize(("body", "message"), BAD_CHILDREN[:4])
def test_the_cli_exits_two_with_the_one_line(
    tmp_path: Path,
    body: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = child(tmp_path, body)
    monkeypatch.chdir(tmp_path)

    assert main(["audit", str(tmp_path), "--rules", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"auditor: error: {path}")
    assert err.count("\n") == 1
