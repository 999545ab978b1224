"""The public API of one Python module: its public classes and functions, their docstrings
and type hints, read from the module's syntax tree.

Public: a name without a leading underscore, not nested inside a function; dunder methods
other than ``__init__`` are left out. A module is public when its file name has no leading
underscore (so ``__init__.py`` and ``__main__.py`` are not).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from auditor.source.languages.summary import PublicDefinition


def public_definitions(path: str, tree: ast.Module) -> Iterator[PublicDefinition]:
    """The public module, classes and functions defined in one module's tree."""
    if not path.rsplit("/", 1)[-1].startswith("_"):
        yield PublicDefinition(path, 1, "module", path, ast.get_docstring(tree) is not None, True)
    # (node, enclosing class or None, qualified prefix); function bodies are never entered.
    stack: list[tuple[ast.AST, ast.ClassDef | None, str]] = [(tree, None, "")]
    while stack:
        node, owner, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                if _is_public(child.name) and (
                    child.name == "__init__" or not _is_dunder(child.name)
                ):
                    yield _function(path, child, owner, prefix)
            elif isinstance(child, ast.ClassDef):
                if _is_public(child.name):
                    yield PublicDefinition(
                        path,
                        child.lineno,
                        "class",
                        prefix + child.name,
                        ast.get_docstring(child) is not None,
                        True,
                    )
                    stack.append((child, child, f"{prefix}{child.name}."))
            elif isinstance(child, ast.stmt | ast.excepthandler | ast.match_case):
                stack.append((child, owner, prefix))  # if/try/with blocks at this level


def _function(
    path: str, node: ast.FunctionDef | ast.AsyncFunctionDef, owner: ast.ClassDef | None, prefix: str
) -> PublicDefinition:
    decorators = {_decorator_name(d) for d in node.decorator_list}
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    if owner is not None and "staticmethod" not in decorators and positional:
        positional = positional[1:]  # self or cls
    parameters = [*positional, *args.kwonlyargs]
    parameters += [a for a in (args.vararg, args.kwarg) if a is not None]
    missing = [a.arg for a in parameters if a.annotation is None]
    if node.returns is None and node.name != "__init__":
        missing.append("return")
    is_setter = any(d.endswith((".setter", ".deleter")) for d in decorators)
    return PublicDefinition(
        path=path,
        line=node.lineno,
        kind="function",
        name=prefix + node.name,
        documented=ast.get_docstring(node) is not None,
        needs_docstring=node.name != "__init__" and "overload" not in decorators and not is_setter,
        missing_hints=tuple(missing),
    )


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    dotted = ".".join(reversed(parts))
    # typing.overload and overload alike; property setters keep their dotted form
    return (
        dotted.rsplit(".", 1)[-1]
        if dotted.startswith(("typing.", "typing_extensions."))
        else dotted
    )


def _is_public(name: str) -> bool:
    return not name.startswith("_") or _is_dunder(name)


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")
