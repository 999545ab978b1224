"""How the project is started: console scripts, ``__main__.py`` files, ``__main__`` guards.

Console scripts come from pyproject.toml (the guarded TOML reader), ``setup.cfg`` (the bounded
INI reader) and ``setup.py`` (its shared syntax tree, never executed).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import PurePosixPath

from auditor.facts.manifests import ini_list, pyproject, read_setup_cfg, table
from auditor.source.languages.python import ParsedModule, module_summary
from auditor.source.snapshot import Snapshot, fact


@dataclass(frozen=True)
class EntryPoint:
    """A way the project is started: a console script, a ``__main__`` guard, a __main__.py."""

    kind: str  # "console script", "__main__ block", "__main__.py"
    name: str
    path: str
    line: int | None
    target: str | None = None  # ``package.module:function`` for a console script

    @property
    def module_paths(self) -> tuple[str, ...]:
        """Where the module a console script calls may live (flat or src layout)."""
        if not self.target:
            return ()
        module = self.target.split(":", 1)[0].strip().replace(".", "/")
        return (
            f"{module}.py",
            f"{module}/__init__.py",
            f"src/{module}.py",
            f"src/{module}/__init__.py",
        )


@fact
def console_scripts(snapshot: Snapshot) -> tuple[EntryPoint, ...]:
    """Console scripts declared in pyproject.toml, setup.cfg or setup.py."""
    found: list[EntryPoint] = []
    file = pyproject(snapshot)
    if file is not None:
        tables = (
            table(file.data, "project", "scripts"),
            table(file.data, "project", "gui-scripts"),
            table(file.data, "tool", "poetry", "scripts"),
        )
        for scripts in tables:
            for name, target in scripts.items():
                line = file.line_of_key(name)
                found.append(EntryPoint("console script", name, file.path, line, str(target)))
    found.extend(_setup_cfg_scripts(snapshot))
    found.extend(_setup_py_scripts(snapshot))
    return tuple(found)


def _setup_cfg_scripts(snapshot: Snapshot) -> list[EntryPoint]:
    config = read_setup_cfg(snapshot, "setup.cfg")
    if config is None:
        return []
    found = []
    for group in ("console_scripts", "gui_scripts"):
        for item, line in ini_list(config, "options.entry_points", group):
            name, equals, target = item.partition("=")
            if equals and name.strip():
                found.append(
                    EntryPoint("console script", name.strip(), "setup.cfg", line, target.strip())
                )
    return sorted(found, key=lambda e: e.line or 0)


def _setup_py_scripts(snapshot: Snapshot) -> list[EntryPoint]:
    module = next((m for m in snapshot.python_modules if m.path == "setup.py"), None)
    if module is None or module.tree is None:
        return []
    found = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.keyword) and node.arg == "entry_points":
            for constant in ast.walk(node.value):
                if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                    name = constant.value.split("=", 1)[0].strip()
                    if "=" in constant.value and name:
                        found.append(
                            EntryPoint("console script", name, "setup.py", constant.lineno)
                        )
    return found


def _is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (either way round)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = (test.left, test.comparators[0])
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    values = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and values == ["__main__"]


@fact
def main_entry_points(snapshot: Snapshot) -> tuple[EntryPoint, ...]:
    """Non-test modules that run as programs: ``__main__.py`` files and ``__main__`` guards."""
    found: list[EntryPoint] = []
    for module in snapshot.python_modules:
        if module.is_test:
            continue
        if PurePosixPath(module.path).name == "__main__.py":
            found.append(EntryPoint("__main__.py", module.path, module.path, None))
        elif module.parsed:
            line = main_guard_line(module)
            if line is not None:
                found.append(EntryPoint("__main__ block", module.path, module.path, line))
    return tuple(found)


@module_summary
def main_guard_line(module: ParsedModule) -> int | None:
    """The line of a module's top-level ``if __name__ == "__main__":`` block, if any."""
    for node in module.tree.body:
        if _is_main_guard(node):
            return node.lineno
    return None


@fact
def entry_point_paths(snapshot: Snapshot) -> frozenset[str]:
    """Modules with a ``__main__`` block, __main__.py files and console scripts' modules."""
    paths = {entry.path for entry in main_entry_points(snapshot)}
    for entry in console_scripts(snapshot):
        paths.update(entry.module_paths)
    return frozenset(paths)
