"""noxfile.py: its sessions and the commands each runs, read from the module's AST."""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class NoxSession:
    """One ``@nox.session`` function: its name, line, and its ``session.run`` commands."""

    name: str
    line: int
    commands: tuple[tuple[int, str], ...]


def nox_sessions_of(tree: ast.Module) -> tuple[NoxSession, ...]:
    """The sessions a parsed noxfile defines, in order."""
    sessions: list[NoxSession] = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        name = _session_name(node)
        if name is None:
            continue
        commands = []
        for call in ast.walk(node):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr in ("run", "run_always")
            ):
                words = [_literal_text(arg) for arg in call.args]
                commands.append((call.lineno, " ".join(w for w in words if w)))
        sessions.append(NoxSession(name, node.lineno, tuple(commands)))
    return tuple(sessions)


def _session_name(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name != "session":
            continue
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
        return node.name
    return None


def _literal_text(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Starred | ast.List | ast.Tuple):
        return "…"
    return ""
