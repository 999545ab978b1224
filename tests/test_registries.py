"""Each registry is the one list of its kind; every other list derives from it or is checked.

Formats (``auditor.render.REGISTRY``), primitives and signal groups (``auditor.checks.registry``),
kinds of technology (``auditor.facts.stack.KINDS``) and CI providers
(``auditor.source.ci.PROVIDERS``) are each declared once. The CLI, the Action, the docs and
the tests name them too; this test fails when one of those copies falls behind.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from auditor.checks.registry import primitives, signal_groups
from auditor.cli import FORMAT_NAMES
from auditor.engine import SIGNAL_ORDER, audit
from auditor.facts.stack import KINDS
from auditor.render import ACTION_FILES, EXTENSIONS, FORMATS, REGISTRY, format_for
from auditor.rulepack import load_pack
from auditor.source.ci import PROVIDER_LABELS, PROVIDERS
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "rules.md").read_text("utf-8")
README = (ROOT / "README.md").read_text("utf-8")


def _documented(names: set[str], text: str) -> set[str]:
    return {name for name in names if re.search(rf"`{re.escape(name)}`", text)}


def test_output_formats_are_listed_once() -> None:
    names = [f.name for f in REGISTRY]
    assert len(names) == len(set(names))
    assert list(FORMATS) == names == list(FORMAT_NAMES)
    for extension, name in EXTENSIONS.items():
        assert format_for(f"card{extension}") == name


def test_the_action_offers_every_format_it_can_write() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    described = action["inputs"]["formats"]["description"]
    for name in ACTION_FILES:
        assert name in described, f"action.yml's formats input does not mention {name}"
        assert f"`{name}`" in README.split("| `formats` |", 1)[1].split("\n", 1)[0]


def test_every_primitive_is_documented() -> None:
    # Other tests register throwaway primitives of their own: only the auditor's count.
    names = {n for n, p in primitives().items() if p.function.__module__.startswith("auditor.")}
    assert _documented(names, DOCS) == names


def test_every_kind_of_technology_is_documented() -> None:
    table = DOCS.split("## Kinds of technology", 1)[1]
    assert _documented(set(KINDS), table) == set(KINDS)


def test_every_signal_group_has_its_place_in_the_json() -> None:
    groups = set(signal_groups())
    assert set(SIGNAL_ORDER) <= groups


def test_every_ci_provider_has_an_adapter_and_a_label() -> None:
    names = [p.name for p in PROVIDERS]
    assert len(names) == len(set(names))
    assert set(names) == set(PROVIDER_LABELS)


def test_the_readme_changelog_rule_is_one_pack_entry(repo: RepoBuilder, tmp_path: Path) -> None:
    """The README's example of a new rule works as written, in a pack and nowhere else."""
    block = README.split("[rules.DOC011]", 1)[1].split("```", 1)[0]
    pack_file = tmp_path / "mine.toml"
    pack_file.write_text(f'[pack]\nname = "mine"\nextends = "default"\n\n[rules.DOC011]{block}')
    pack = load_pack(str(pack_file))
    repo.commit("Add code", {"app.py": "print('hi')\n"})
    before = {f.rule: f for f in audit(Snapshot.open(repo.path), pack).findings}["DOC011"]
    repo.commit("Add a changelog", {"CHANGELOG.md": "## 1.0.0\n- first release\n"})
    after = {f.rule: f for f in audit(Snapshot.open(repo.path), pack).findings}["DOC011"]
    assert before.status.value == "fail" and after.status.value == "pass"
    assert "CHANGELOG.md" in after.outcome.message
