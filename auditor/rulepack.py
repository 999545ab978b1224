"""Rule packs: policy as data.

A pack is a TOML file: ``[pack]`` (name, description, extends), ``[grades]`` (lowest score for each
grade), ``[categories.ID]`` (title, weight) and ``[rules.ID]`` (title, category, check,
params, weight, and the documentation ``explain`` prints: summary, why, fix, detection,
example). Loading validates everything against the registered primitives, so a bad pack fails
with one line naming the file, before any repository is read. An ``[account]`` table holds
the policy batch mode uses to combine a candidate's repositories into one score; a role
profile's ``[match]`` table says which kinds of technology make a repository fit it.

A pack may ``extends`` another (a shipped name, or a path relative to its own file) and
change only what differs: see :func:`_merge` and docs/rules.md.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Mapping
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
    "vocabulary",
    "not_for",
    "blocker",
    "enabled",
}
_PACK_KEYS = {"name", "description", "extends"}
_TABLES = {"pack", "grades", "categories", "rules", "account", "match", "verdict"}


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
    #: Kinds of project (``auditor.facts.kind``) this rule does not apply to: skipped there.
    not_for: tuple[str, ...] = ()
    #: A failure of this rule is a blocker (a live credential, personal data): it heads the
    #: card, costs points of its own and caps the grade (``[verdict.blockers]``).
    blocker: bool = False

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
    #: ``[verdict]``: how findings become the score (``auditor.verdict.VerdictPolicy``).
    verdict: Mapping[str, Any] = field(default_factory=dict)
    #: The name of the pack this one extends, or None.
    extends: str | None = None
    #: Rule ids switched off with ``enabled = false`` (here or in a parent pack).
    disabled: frozenset[str] = frozenset()
    #: ``[match]``: kinds of technology that make a repository fit this profile (``auto``).
    match: Mapping[str, float] = field(default_factory=dict)
    #: This pack's file and the files of the packs it extends, nearest first.
    lineage: tuple[str, ...] = ()

    def grade(self, score: float) -> str:
        """The letter for a score: the first grade whose lower bound the score reaches."""
        for letter, lowest in self.grades:
            if score >= lowest:
                return letter
        return "F"


def resolve_pack_path(name_or_path: str) -> Path:
    """A shipped pack by name (``default``) or a pack file by path."""
    candidate = Path(name_or_path).expanduser()
    if _is_path(name_or_path) or candidate.is_file():
        if not candidate.is_file():
            raise RulePackError(f"{name_or_path}: no such rule pack file")
        return candidate
    shipped = rules_dir() / f"{name_or_path}.toml"
    if not shipped.is_file():
        raise RulePackError(f"unknown rule pack {name_or_path!r} (shipped packs: {_shipped()})")
    return shipped


def shipped_packs() -> list[str]:
    """The names of the packs shipped in ``rules/`` (``default`` and the role profiles)."""
    return sorted(p.stem for p in rules_dir().glob("*.toml"))


def _shipped() -> str:
    return ", ".join(shipped_packs())


def _is_path(name: str) -> bool:
    return name.endswith(".toml") or "/" in name or "\\" in name


def pack_label(path: Path) -> str:
    """How messages name a pack file: ``rules/…`` for shipped ones, else the path as given."""
    try:
        inside = path.resolve().relative_to(rules_dir().resolve())
    except ValueError:
        return str(path)
    return f"rules/{inside.as_posix()}"


def load_pack(name_or_path: str = DEFAULT_PACK) -> RulePack:
    """Load and validate a rule pack; raise :class:`RulePackError` with one line if it is bad.

    A pack that ``extends`` another is merged over it (see :func:`_merge`) and the result is
    validated; the parent is loaded and validated first, so an error names the file it is in.
    """
    pack, _ = _load(resolve_pack_path(name_or_path), ())
    return pack


def _load(path: Path, chain: tuple[Path, ...]) -> tuple[RulePack, dict[str, Any]]:
    """The pack at ``path`` and its merged tables; ``chain`` are the packs extending it."""
    label = pack_label(path)
    data = _read(path, label)

    def fail(message: str) -> RulePackError:
        return RulePackError(f"{label}: {message}")

    pack_table = _table(data.get("pack", {}), "[pack]", fail)
    parent_name = pack_table.get("extends")
    if parent_name is None:
        return _checked(_build(data, label)), data
    if not isinstance(parent_name, str) or not parent_name.strip():
        raise fail("'extends' must name a shipped pack or a .toml path")
    parent_path = _parent_path(parent_name.strip(), path, fail)
    seen = (*chain, path.resolve())
    if parent_path.resolve() in seen:
        cycle = " -> ".join(pack_label(p) for p in (*seen, parent_path.resolve()))
        raise fail(f"'extends' makes a cycle: {cycle}")
    parent, parent_data = _load(parent_path, seen)
    merged = _merge(parent_data, data, fail)
    return _checked(_build(merged, label, parent=parent)), merged


def _read(path: Path, label: str) -> dict[str, Any]:
    """The pack file's tables, handed out as a copy to merge into. The same text is parsed
    once (``--profile auto`` loads every profile, each extending the default pack)."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(f"{label}: cannot read: {exc}") from exc
    try:
        return copy.deepcopy(_parse_text(text))
    except tomllib.TOMLDecodeError as exc:
        raise RulePackError(_toml_error(label, exc)) from exc


@functools.lru_cache(maxsize=64)
def _parse_text(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_DECLARED_TWICE = re.compile(r"Cannot declare \('rules', '([^']*)'\) twice")


def _toml_error(label: str, exc: Exception) -> str:
    """``file:line: …`` for a TOML syntax error; a rule declared twice is named as such."""
    message = " ".join(str(exc).split())
    position = _TOML_POSITION.search(message)
    where = f"{label}:{position.group(1)}" if position else label
    twice = _DECLARED_TWICE.search(message)
    if twice:
        return (
            f"{where}: duplicate rule id {twice.group(1)}: [rules.{twice.group(1)}] is declared "
            f"twice in this file (invalid TOML: {message})"
        )
    return f"{where}: invalid TOML: {message}"


def _parent_path(name: str, child: Path, fail: Callable[[str], RulePackError]) -> Path:
    """``extends``: a shipped pack's name, or a path relative to the extending pack's folder."""
    if _is_path(name):
        candidate = Path(name).expanduser()
        if not candidate.is_absolute():
            candidate = child.parent / candidate
        if not candidate.is_file():
            raise fail(f"extends {name!r}: no such rule pack file ({candidate})")
        return candidate
    shipped = rules_dir() / f"{name}.toml"
    if not shipped.is_file():
        raise fail(f"extends {name!r}: no such shipped rule pack (shipped packs: {_shipped()})")
    return shipped


def _merge(
    parent: Mapping[str, Any], child: Mapping[str, Any], fail: Callable[[str], RulePackError]
) -> dict[str, Any]:
    """The child's tables over the parent's.

    ``[rules.ID]`` and ``[categories.ID]`` override the parent's keys one by one (``params``
    too, key by key, unless the child binds the rule to another check); new ids add rules and
    categories; ``[grades]`` replaces the parent's; ``[account]`` and ``[verdict]`` merge key
    by key. ``[pack]``
    and ``[match]`` belong to each pack and are not inherited.
    """
    merged: dict[str, Any] = {key: value for key, value in child.items() if key not in _MERGED}
    merged["categories"] = _merge_tables(parent, child, "categories", fail)
    rules: dict[str, Any] = {rid: dict(rule) for rid, rule in parent.get("rules", {}).items()}
    for rid, raw in _table(child.get("rules", {}), "[rules]", fail).items():
        override = dict(_table(raw, f"[rules.{rid}]", fail))
        base = rules.get(rid)
        if base is None:
            if set(override) == {"enabled"}:
                raise fail(f"rule {rid} is not in the parent pack: there is nothing to disable")
            rules[rid] = override
            continue
        params = _table(override.get("params", {}), f"[rules.{rid}.params]", fail)
        rebound = "check" in override and override["check"] != base.get("check")
        if not rebound:
            override["params"] = {**base.get("params", {}), **params}
        rules[rid] = {**base, **override}
    merged["rules"] = rules
    merged["grades"] = child["grades"] if "grades" in child else parent.get("grades")
    if merged["grades"] is None:
        del merged["grades"]
    for key in ("account", "verdict"):
        merged[key] = _deep_merge(
            _table(parent.get(key, {}), f"[{key}]", fail),
            _table(child.get(key, {}), f"[{key}]", fail),
        )
    return merged


_MERGED = {"categories", "rules", "grades", "account", "verdict"}


def _merge_tables(
    parent: Mapping[str, Any],
    child: Mapping[str, Any],
    key: str,
    fail: Callable[[str], RulePackError],
) -> dict[str, Any]:
    merged = {name: dict(table) for name, table in parent.get(key, {}).items()}
    for name, raw in _table(child.get(key, {}), f"[{key}]", fail).items():
        merged[name] = {**merged.get(name, {}), **_table(raw, f"[{key}.{name}]", fail)}
    return merged


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _build(data: Mapping[str, Any], label: str, parent: RulePack | None = None) -> RulePack:
    def fail(message: str) -> RulePackError:
        return RulePackError(f"{label}: {message}")

    unknown_tables = sorted(set(data) - _TABLES)
    if unknown_tables:
        shown = ", ".join(f"[{t}]" for t in unknown_tables)
        raise fail(f"unknown table(s) {shown} (known: {', '.join(sorted(_TABLES))})")
    pack = _table(data.get("pack", {}), "[pack]", fail)
    extra = sorted(set(pack) - _PACK_KEYS)
    if extra:
        raise fail(f"[pack]: unknown key(s) {', '.join(extra)}")
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
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise fail(f"rule {rid}: 'enabled' must be true or false")
        if not enabled:
            continue
        new = parent is not None and rid not in parent.rules and rid not in parent.disabled
        for key in ("title", "category", "check", "why", "fix"):
            if not isinstance(table.get(key), str) or not table[key].strip():
                context = f" (a new rule, not in {parent.name!r})" if new and parent else ""
                raise fail(f"rule {rid}{context}: {key!r} is required text")
        if table["category"] not in categories:
            raise fail(f"rule {rid}: unknown category {table['category']!r}")
        check = known.get(table["check"])
        if check is None:
            raise fail(f"rule {rid}: unknown check {table['check']!r}")
        params = _table(table.get("params", {}), f"[rules.{rid}.params]", fail)
        problem = check.validate(params) or _extra_validation(check, params)
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
                vocabulary=_vocabulary_refs(table.get("vocabulary", []), rid, fail),
            ),
            not_for=_project_kinds(table.get("not_for", []), rid, fail),
            blocker=_flag(table, "blocker", rid, fail),
        )
    grades = _grades(data.get("grades"), fail)
    disabled = frozenset(
        rid for rid, raw in data.get("rules", {}).items() if raw.get("enabled", True) is False
    )
    return RulePack(
        name=str(pack.get("name", Path(label).stem)),
        description=" ".join(str(pack.get("description", "")).split()),
        source=label,
        categories=categories,
        rules=dict(sorted(rules.items())),
        grades=grades,
        account=dict(_table(data.get("account", {}), "[account]", fail)),
        verdict=dict(_table(data.get("verdict", {}), "[verdict]", fail)),
        extends=parent.name if parent is not None else None,
        disabled=disabled,
        match=_match(data.get("match", {}), fail),
        lineage=(label, *parent.lineage) if parent is not None else (label,),
    )


def _checked(pack: RulePack) -> RulePack:
    """The pack, once its ``[verdict]`` table is known to be good (bad: one line, exit 2)."""
    from auditor.verdict import verdict_policy

    verdict_policy(pack)
    return pack


def _extra_validation(check: Primitive, params: Mapping[str, Any]) -> str | None:
    """A primitive's own parameter check (``validate_params``), when it has one."""
    validate = getattr(check.function, "validate_params", None)
    if not callable(validate):
        return None
    problem = validate(params)
    return str(problem) if problem else None


def _match(raw: Any, fail: Callable[[str], RulePackError]) -> dict[str, float]:
    """``[match]``: kinds of technology -> how much each says the repo fits this profile."""
    from auditor.facts.stack import KINDS

    table = _table(raw, "[match]", fail)
    unknown = [kind for kind in table if kind not in KINDS]
    if unknown:
        raise fail(f"[match]: unknown kind(s) {', '.join(unknown)} (known: {', '.join(KINDS)})")
    return {kind: _weight(table, f"[match] {kind}", fail, key=kind) for kind in table}


def _table(value: Any, where: str, fail: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise fail(f"{where} must be a table")
    return value


def _weight(table: Mapping[str, Any], owner: str, fail: Any, *, key: str = "weight") -> float:
    weight = table.get(key, 1)
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


def _vocabulary_refs(value: Any, rid: str, fail: Any) -> tuple[str, ...]:
    """A rule's ``vocabulary`` key: the term lists its detector reads, as ``"file:key"``."""
    from auditor.vocabulary import VocabularyError, reference

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"rule {rid}: 'vocabulary' must be a list of \"file:key\" names")
    for ref in value:
        try:
            reference(ref)
        except VocabularyError as exc:
            raise fail(f"rule {rid}: {exc}") from None
    return tuple(value)


def _project_kinds(value: Any, rid: str, fail: Callable[[str], RulePackError]) -> tuple[str, ...]:
    """A rule's ``not_for``: kinds of project (rules/vocabulary/kinds.toml) it skips."""
    from auditor.vocabulary import terms

    known = terms("kinds", "kinds")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"rule {rid}: 'not_for' must be a list of kinds of project")
    unknown = [v for v in value if v not in known]
    if unknown:
        raise fail(f"rule {rid}: unknown kind(s) of project {', '.join(unknown)} in 'not_for'")
    return tuple(value)


def _flag(
    table: Mapping[str, Any], key: str, rid: str, fail: Callable[[str], RulePackError]
) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise fail(f"rule {rid}: {key!r} must be true or false")
    return value
