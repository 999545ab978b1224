"""The registry of check primitives and signal groups.

A *primitive* is a pure function ``(snapshot, **params) -> Outcome``: the mechanics of a
check. Rules in ``rules/*.toml`` bind a primitive to parameters, a weight and wording, so
policy can change without code. Parameters are keyword-only arguments of the function; their
annotations are what a rule pack's values are validated against.

A *signal group* is a function ``snapshot -> dict`` that measures facts (counts, booleans,
paths) for the JSON output, independently of any rule's judgement.

Third-party primitives register themselves the same way from a module named by an entry
point in the ``auditor.checks`` group.
"""

from __future__ import annotations

import importlib
import inspect
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from auditor.errors import AuditorError
from auditor.model import Outcome
from auditor.source.snapshot import Snapshot

PrimitiveFunction = Callable[..., Outcome]
#: A signal group's measurement; None when it does not apply to this audit (left out).
SignalFunction = Callable[[Snapshot], dict[str, Any] | None]

#: The modules holding the built-in primitives, one per family.
BUILTIN_MODULES = (
    "auditor.checks.readme",
    "auditor.checks.license",
    "auditor.checks.environment",
    "auditor.checks.tests",
    "auditor.checks.ci",
    "auditor.checks.history",
    "auditor.checks.hygiene",
    "auditor.checks.complexity",
    "auditor.checks.lint",
    "auditor.checks.security",
    "auditor.checks.packaging",
    "auditor.checks.substance",
    "auditor.checks.stack",
    "auditor.checks.host",
)
ENTRY_POINT_GROUP = "auditor.checks"


@dataclass(frozen=True)
class Param:
    """One parameter a primitive accepts."""

    name: str
    annotation: Any
    default: Any  # ``inspect.Parameter.empty`` when required

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty


@dataclass(frozen=True)
class Primitive:
    """A registered check primitive."""

    name: str
    function: PrimitiveFunction
    params: Mapping[str, Param]
    summary: str
    #: The check mostly waits on another process (ruff): the engine starts it first, in a
    #: thread, so that it overlaps the analysis of the Python files.
    background: bool = False

    def __call__(self, snapshot: Snapshot, params: Mapping[str, Any]) -> Outcome:
        return self.function(snapshot, **params)

    def validate(self, params: Mapping[str, Any]) -> str | None:
        """Why ``params`` do not fit this primitive, or None when they do."""
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            known = ", ".join(sorted(self.params)) or "none"
            return (
                f"unknown parameter(s) {', '.join(unknown)} for check {self.name!r} "
                f"(known: {known})"
            )
        missing = sorted(
            p.name for p in self.params.values() if p.required and p.name not in params
        )
        if missing:
            return f"check {self.name!r} needs parameter(s) {', '.join(missing)}"
        for name, value in params.items():
            problem = _type_problem(value, self.params[name].annotation)
            if problem:
                return f"parameter {name!r} of check {self.name!r}: {problem}"
        return None


class PluginError(AuditorError):
    """A third-party check plugin could not be imported or registered."""


_PRIMITIVES: dict[str, Primitive] = {}
_SIGNALS: dict[str, SignalFunction] = {}
_loaded = False


def primitive(
    name: str, *, background: bool = False
) -> Callable[[PrimitiveFunction], PrimitiveFunction]:
    """Register a function as the check primitive ``name`` (``background``: see
    :attr:`Primitive.background`)."""

    def register(function: PrimitiveFunction) -> PrimitiveFunction:
        if name in _PRIMITIVES and _PRIMITIVES[name].function is not function:
            raise ValueError(f"check primitive {name!r} is registered twice")
        hints = typing.get_type_hints(function)
        params = {
            p.name: Param(p.name, hints.get(p.name, Any), p.default)
            for p in inspect.signature(function).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        }
        doc = inspect.getdoc(function) or name
        _PRIMITIVES[name] = Primitive(name, function, params, doc.splitlines()[0], background)
        return function

    return register


def signal_group(name: str) -> Callable[[SignalFunction], SignalFunction]:
    """Register a function as the producer of the signal group ``name``."""

    def register(function: SignalFunction) -> SignalFunction:
        _SIGNALS[name] = function
        return function

    return register


def load_builtins() -> None:
    """Import the built-in primitive modules and the plugins named by entry points."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            entry.load()
        except Exception as exc:  # a broken plugin is the user's input: one line, exit 2
            where = getattr(entry.dist, "name", None) or entry.value
            raise PluginError(
                f"check plugin {entry.name!r} ({where}) failed to load: {type(exc).__name__}: {exc}"
            ) from exc


def primitives() -> Mapping[str, Primitive]:
    load_builtins()
    return types.MappingProxyType(_PRIMITIVES)


def signal_groups() -> Mapping[str, SignalFunction]:
    load_builtins()
    return types.MappingProxyType(_SIGNALS)


def _type_problem(value: Any, annotation: Any) -> str | None:
    """A short description of why ``value`` does not match ``annotation``, or None."""
    if annotation is Any:
        return None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if any(_type_problem(value, arg) is None for arg in args):
            return None
        return f"expected {_describe(annotation)}, got {type(value).__name__}"
    if annotation is type(None):
        return None if value is None else "expected nothing"
    if annotation is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"expected a number, got {type(value).__name__}"
    if annotation is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"expected a whole number, got {type(value).__name__}"
    if annotation in (str, bool):
        ok = isinstance(value, annotation)
        return None if ok else f"expected {annotation.__name__}, got {type(value).__name__}"
    if origin in (list, tuple, Sequence):
        if not isinstance(value, list | tuple):
            return f"expected a list, got {type(value).__name__}"
        item = args[0] if args else Any
        for element in value:
            problem = _type_problem(element, item)
            if problem:
                return f"in the list: {problem}"
        return None
    if origin in (dict, Mapping):
        if not isinstance(value, dict):
            return f"expected a table, got {type(value).__name__}"
        return None
    return None


def _describe(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
