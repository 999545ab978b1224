"""Rule packs load from data and fail early, in one line naming the file, when they are bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import RulePackError
from auditor.resources import rules_dir, templates_dir
from auditor.rulepack import RULE_ID, load_pack
from tests import test_scoring  # noqa: F401 - registers the test primitives

GOOD_RULE = """
[categories.DOC]
title = "Docs"
weight = 1

[rules.DOC001]
title = "Fixed"
category = "DOC"
check = "test_fixed_outcome"
why = "because"
fix = "do it"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pack.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_resources_are_found_from_the_checkout() -> None:
    assert (rules_dir() / "default.toml").is_file()
    assert templates_dir().is_dir()


def test_the_default_pack_documents_every_rule() -> None:
    pack = load_pack("default")

    assert pack.name == "default"
    assert len(pack.rules) >= 38
    families = {rule.id[:-3] for rule in pack.rules.values()}
    assert families == {"DOC", "TST", "CI", "GIT", "CPX", "LNT", "PKG", "SUB", "SEC"}
    for rule in pack.rules.values():
        assert RULE_ID.match(rule.id)
        assert rule.category == rule.id[:-3]
        assert rule.doc.why and rule.doc.fix and rule.doc.detection and rule.doc.summary
        assert rule.weight > 0
    assert sum(c.weight for c in pack.categories.values()) == 100


def test_a_custom_pack_loads_by_path(tmp_path: Path) -> None:
    pack = load_pack(str(write(tmp_path, '[pack]\nname = "mine"\n' + GOOD_RULE)))

    assert pack.name == "mine"
    assert list(pack.rules) == ["DOC001"]
    assert pack.rules["DOC001"].doc.detection.startswith("Return exactly the outcome")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[rules\n", r"invalid TOML: .*line 1"),
        (GOOD_RULE.replace("test_fixed_outcome", "no_such_check"), "unknown check 'no_such_check'"),
        (GOOD_RULE + "params = { colour = 1 }\n", r"unknown parameter\(s\) colour"),
        (GOOD_RULE + 'params = { score = "high" }\n', "expected a number, got str"),
        (GOOD_RULE.replace('category = "DOC"', 'category = "XYZ"'), "unknown category 'XYZ'"),
        (GOOD_RULE.replace("rules.DOC001", "rules.doc-1"), "must be a family prefix"),
        (GOOD_RULE.replace('why = "because"', ""), "'why' is required text"),
        (GOOD_RULE + "weight = -2\n", "weight must be a number >= 0"),
        (GOOD_RULE + "colour = 'red'\n", r"unknown key\(s\) colour"),
        (GOOD_RULE + "[grades]\nA = 'high'\n", "grade A: the lowest score must be a number"),
    ],
)
def test_bad_packs_fail_with_one_line_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)

    with pytest.raises(RulePackError, match=message) as raised:
        load_pack(str(path))

    assert str(raised.value).startswith(str(path))
    assert "\n" not in str(raised.value)


def test_unknown_pack_names_list_the_shipped_ones() -> None:
    with pytest.raises(RulePackError, match=r"unknown rule pack 'nope' \(shipped packs: .*default"):
        load_pack("nope")


def test_missing_pack_file(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="no such rule pack file"):
        load_pack(str(tmp_path / "absent.toml"))


def test_disabled_rules_are_left_out(tmp_path: Path) -> None:
    pack = load_pack(str(write(tmp_path, GOOD_RULE + "enabled = false\n")))

    assert pack.rules == {}
