"""The vocabularies in rules/vocabulary/: every list loads, and explain prints them."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from auditor import vocabulary
from auditor.cli import cli
from auditor.facts.links import is_badge, is_demo_link, is_live_site, is_screenshot
from auditor.profiles import load_profiles
from auditor.rulepack import load_pack
from auditor.source.readme import Link


@pytest.mark.parametrize("name", vocabulary.names())
def test_every_list_of_every_vocabulary_is_valid(name: str) -> None:
    assert vocabulary.description(name).strip()
    keys = vocabulary.list_keys(name)
    assert keys, f"{name} holds no term list"
    for key in keys:
        terms = vocabulary.term_list(name, key)
        assert terms.items, f"{name}:{key} is empty"
        assert len(set(terms.items)) == len(terms.items), f"{name}:{key} repeats an item"


def test_every_rule_names_vocabulary_that_exists() -> None:
    for pack in [load_pack("default"), *load_profiles()]:
        for rule in pack.rules.values():
            for ref in rule.doc.vocabulary:
                assert vocabulary.reference(ref).items


def test_a_missing_list_is_an_error_naming_it() -> None:
    with pytest.raises(vocabulary.VocabularyError, match="no list 'nope'"):
        vocabulary.term_list("hosts", "nope")


def test_explain_prints_the_lists_a_rule_matches() -> None:
    rules = [r for r in load_pack("default").rules.values() if r.doc.vocabulary]
    if not rules:
        pytest.skip("no rule of the default pack names a vocabulary yet")
    rule = rules[0]
    result = CliRunner().invoke(cli, ["explain", rule.id])
    assert result.exit_code == 0, result.output
    assert "What it matches" in result.output
    first = vocabulary.reference(rule.doc.vocabulary[0]).items[0]
    assert first in result.output


@pytest.mark.parametrize(
    ("url", "live"),
    [
        ("https://myapp.run.app", True),
        ("https://x.gradio.live/", True),
        ("https://huggingface.co/spaces/me/app", True),
        ("https://huggingface.co/me/model", False),
        ("https://example.com", False),
        ("ftp://myapp.herokuapp.com", False),
        ("https://notherokuapp.com", False),
    ],
)
def test_one_classifier_of_live_sites(url: str, live: bool) -> None:
    assert is_live_site(url) is live
    assert is_demo_link(Link(url, "", 1)) is live


def test_badges_screenshots_and_demo_words() -> None:
    badge = Link("https://img.shields.io/badge/x-y-green", "build", 1, image=True)
    shot = Link("docs/screenshot.png", "The dashboard", 1, image=True)
    logo = Link("assets/logo.png", "", 1, image=True)
    assert is_badge(badge) and not is_screenshot(badge)
    assert is_screenshot(shot) and not is_badge(shot)
    assert not is_screenshot(logo)
    assert is_demo_link(Link("https://example.com/x", "Live demo", 1))
    assert is_demo_link(Link("https://www.youtube.com/watch?v=1", "", 1))
    assert not is_demo_link(Link("https://example.com/x", "Documentation", 1))


def test_records_are_named_and_filtered_by_a_field() -> None:
    web = vocabulary.reference("technologies:technology[kind=web]")
    assert "Flask" in web.items and "pandas" not in web.items
    assert "kind is web" in web.describe
    with pytest.raises(vocabulary.VocabularyError, match="no record"):
        vocabulary.reference("technologies:technology[kind=nothing]")
    with pytest.raises(vocabulary.VocabularyError, match="only records"):
        vocabulary.reference("hosts:app_hosts[kind=web]")
