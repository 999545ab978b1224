"""The dependencies declared in pyproject.toml are exactly the ones the package imports."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

from auditor import _toml

ROOT = Path(__file__).resolve().parent.parent
#: Imported only where the optional extra that declares it is installed.
EXTRAS_IMPORTS = {"dask", "distributed"}


def _declared() -> tuple[set[str], set[str]]:
    """The runtime and optional-extra distributions declared for this Python."""
    project = _toml.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    runtime = {
        _normal(req.name)
        for req in map(Requirement, project["dependencies"])
        if req.marker is None or req.marker.evaluate()
    }
    extras: set[str] = set()
    for name, requirements in project["optional-dependencies"].items():
        if name != "test":
            for req in map(Requirement, requirements):
                # ``dask[distributed]`` brings the ``distributed`` distribution.
                extras |= {_normal(req.name), *map(_normal, req.extras)}
    return runtime, extras


def _conditional() -> set[str]:
    """Distributions declared only for other Pythons (``tomli; python_version < '3.11'``)."""
    project = _toml.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    return {
        _normal(req.name)
        for req in map(Requirement, project["dependencies"])
        if req.marker is not None and not req.marker.evaluate()
    }


def _normal(name: str) -> str:
    return name.lower().replace("_", "-")


def _imported_top_names() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for path in (ROOT / "auditor").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top != "auditor" and top not in sys.stdlib_module_names:
                    names.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return names


def test_every_import_is_declared_and_every_declaration_imported() -> None:
    runtime, extras = _declared()
    owners = packages_distributions()
    imported: set[str] = set()
    for top, where in _imported_top_names().items():
        distributions = {_normal(d) for d in owners.get(top, [])}
        if not distributions and top in _conditional():
            continue  # a backport, declared with a marker for older Pythons
        assert distributions, f"{top} (imported in {sorted(where)}) is not installed"
        allowed = extras if top in EXTRAS_IMPORTS else runtime
        assert distributions & allowed, f"{top} is imported in {sorted(where)} but not declared"
        imported |= distributions
    assert runtime - imported == set(), "declared but never imported"
