"""Rule packs: policy as data.

A pack is a TOML file: ``[pack]`` (name, description), ``[grades]`` (lowest score for each
grade), ``[categories.ID]`` (title, weight) and ``[rules.ID]`` (title, category, check,
params, weight, and the documentation ``explain`` prints: summary, why, fix, detection,
example). Loading validates everything against the registered primitives, so a bad pack fails
with one line naming the file, before any repository is read. An ``[account]`` table holds
the policy batch mode uses to combine a candidate's repositories into one score.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor import _toml as tomllib
from auditor.checks.registry import Primitive, primitives
from auditor.errors import RulePackError
from auditor.model import Outcome, RuleDoc
from auditor.resources import rules_dir

RULE_ID = re.compile(r"^[A-Z]{2,4}[0-9]{3}$")
CATEGORY_ID = re.compile(r"^[A-Z]{2,4}$")
DEFAULT_PACK = "default"
DEFAULT_GRADES: tuple[tuple[str, float], ...] = (("A", 90.0), ("B", 80.0), ("C", 70.0), ("D", 60.0))
_RULE_KEYS = {
    "title",
    "category",
    "check",
    "params",
    "weight",
    "summary",
    "why",
    "fix",
    "detection",
    "example",
    "enabled",
}


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    weight: float


@dataclass(frozen=True)
class Rule:
    """A primitive bound to parameters, a weight and the words that explain it."""

    id: str
    title: str
    category: str
    check: Primitive
    params: Mapping[str, Any]
    weight: float
    doc: RuleDoc

    def run(self, snapshot: Any) -> Outcome:
        return self.check(snapshot, self.params)


@dataclass(frozen=True)
class RulePack:
    name: str
    description: str
    source: str
    categories: Mapping[str, Category]
    rules: Mapping[str, Rule]
    grades: tuple[tuple[str, float], ...] = DEFAULT_GRADES
    #: ``[account]``: how batch mode combines a candidate's repositories (validated there).
    account: Mapping[str, Any] = field(default_factory=dict)

    def grade(self, score: float) -> str:
        """The letter for a score: the first grade whose lower bound the score reaches."""
        for letter, lowest in self.grades:
            if score >= lowest:
                return letter
        return "F"


def resolve_pack_path(name_or_path: str) -> Path:
    """A shipped pack by name (``default``) or a pack file by path."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix == ".toml" or "/" in name_or_path or candidate.is_file():
        if not candidate.is_file():
            raise RulePackError(f"{name_or_path}: no such rule pack file")
        return candidate
    shipped = rules_dir() / f"{name_or_path}.toml"
    if not shipped.is_file():
        names = ", ".join(sorted(p.stem for p in rules_dir().glob("*.toml")))
        raise RulePackError(f"unknown rule pack {name_or_path!r} (shipped packs: {names})")
    return shipped


def load_pack(name_or_path: str = DEFAULT_PACK) -> RulePack:
    """Load and validate a rule pack; raise :class:`RulePackError` with one line if it is bad."""
    path = resolve_pack_path(name_or_path)
    label = str(path) if path.parent != rules_dir() else f"rules/{path.name}"
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RulePackError(f"{label}: invalid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(f"{label}: cannot read: {exc}") from exc
    return _build(data, label)


def _build(data: Mapping[str, Any], label: str) -> RulePack:
    def fail(message: str) -> RulePackError:
        return RulePackError(f"{label}: {message}")

    pack = _table(data.get("pack", {}), "[pack]", fail)
    categories: dict[str, Category] = {}
    for cid, raw in _table(data.get("categories", {}), "[categories]", fail).items():
        table = _table(raw, f"[categories.{cid}]", fail)
        if not CATEGORY_ID.match(cid):
            raise fail(f"category id {cid!r} must be 2-4 capital letters")
        categories[cid] = Category(cid, str(table.get("title", cid)), _weight(table, cid, fail))
    known = primitives()
    rules: dict[str, Rule] = {}
    for rid, raw in _table(data.get("rules", {}), "[rules]", fail).items():
        table = _table(raw, f"[rules.{rid}]", fail)
        if not RULE_ID.match(rid):
            raise fail(f"rule id {rid!r} must be a family prefix and three digits, like DOC006")
        extra = sorted(set(table) - _RULE_KEYS)
        if extra:
            raise fail(f"rule {rid}: unknown key(s) {', '.join(extra)}")
        if table.get("enabled", True) is False:
            continue
        for key in ("title", "category", "check", "why", "fix"):
            if not isinstance(table.get(key), str) or not table[key].strip():
                raise fail(f"rule {rid}: {key!r} is required text")
        if table["category"] not in categories:
            raise fail(f"rule {rid}: unknown category {table['category']!r}")
        check = known.get(table["check"])
        if check is None:
            raise fail(f"rule {rid}: unknown check {table['check']!r}")
        params = _table(table.get("params", {}), f"[rules.{rid}.params]", fail)
        problem = check.validate(params)
        if problem:
            raise fail(f"rule {rid}: {problem}")
        rules[rid] = Rule(
            id=rid,
            title=table["title"].strip(),
            category=table["category"],
            check=check,
            params=dict(params),
            weight=_weight(table, rid, fail),
            doc=RuleDoc(
                summary=str(table.get("summary", table["title"])).strip(),
                why=table["why"].strip(),
                fix=table["fix"].strip(),
                detection=str(table.get("detection", check.summary)).strip(),
                example=str(table.get("example", "")).strip(),
            ),
        )
    grades = _grades(data.get("grades"), fail)
    return RulePack(
        name=str(pack.get("name", Path(label).stem)),
        description=str(pack.get("description", "")),
        source=label,
        categories=categories,
        rules=dict(sorted(rules.items())),
        grades=grades,
        account=dict(_table(data.get("account", {}), "[account]", fail)),
    )


def _table(value: Any, where: str, fail: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise fail(f"{where} must be a table")
    return value


def _weight(table: Mapping[str, Any], owner: str, fail: Any) -> float:
    weight = table.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
        raise fail(f"{owner}: weight must be a number >= 0")
    return float(weight)


def _grades(raw: Any, fail: Any) -> tuple[tuple[str, float], ...]:
    if raw is None:
        return DEFAULT_GRADES
    table = _table(raw, "[grades]", fail)
    grades = []
    for letter, lowest in table.items():
        if isinstance(lowest, bool) or not isinstance(lowest, int | float):
            raise fail(f"grade {letter}: the lowest score must be a number")
        grades.append((str(letter), float(lowest)))
    return tuple(sorted(grades, key=lambda g: -g[1]))
