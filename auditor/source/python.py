"""Python modules parsed once: the shared syntax tree and line counts from one tokenize pass."""

from __future__ import annotations

import ast
import io
import sys
import threading
import tokenize
import warnings
from dataclasses import dataclass

# CPython's parser is not safe to run from two threads while the garbage collector runs
# (gh-106905: "AST constructor recursion depth mismatch"); parsing is serialised.
_PARSE_LOCK = threading.Lock()


@dataclass(frozen=True)
class LineCounts:
    """Physical line counts of one file, from a single tokenize pass."""

    lines: int  # physical lines
    code: int  # lines holding at least one code token (radon's "sloc")
    comments: int  # lines holding a comment
    blank: int
    docstring: int  # lines inside module/class/function docstrings (counted in ``code`` too)


@dataclass(frozen=True)
class PythonModule:
    """One Python file at HEAD: its text, its syntax tree (or why there is none), its lines."""

    path: str
    text: str
    tree: ast.Module | None
    error: str | None
    counts: LineCounts
    is_test: bool


def is_test_path(path: str) -> bool:
    """Whether a path looks like test code by the conventions pytest and unittest use."""
    parts = path.split("/")
    name = parts[-1]
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    return any(part in ("tests", "test", "testing") for part in parts[:-1])


def parse_module(path: str, text: str, *, max_depth: int) -> PythonModule:
    """Parse one file; a file Python cannot parse gets ``tree=None`` and an error, no raise."""
    tree: ast.Module | None = None
    error: str | None = None
    docstring_lines = 0
    try:
        with _PARSE_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings from the audited code are not ours
            tree = ast.parse(text, filename=path)
        depth, docstring_lines = _shape(tree, max_depth)
        if depth > max_depth:
            tree, error = None, f"nested deeper than {max_depth} levels"
    except SyntaxError as exc:
        error = f"syntax error at line {exc.lineno}: {exc.msg}"
    except (ValueError, MemoryError, RecursionError) as exc:
        error = f"cannot parse: {type(exc).__name__}"
    return PythonModule(
        path=path,
        text=text,
        tree=tree,
        error=error,
        counts=count_lines(text, docstring_lines),
        is_test=is_test_path(path),
    )


_SCOPES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _shape(tree: ast.AST, limit: int) -> tuple[int, int]:
    """One iterative walk: the tree's nesting depth (stopping past ``limit``, so a deep tree
    cannot blow our stack) and the number of lines inside docstrings."""
    deepest = docstring_lines = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
        if isinstance(node, _SCOPES) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                docstring_lines += (first.end_lineno or first.lineno) - first.lineno + 1
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest, docstring_lines


def count_lines(text: str, docstring_lines: int = 0) -> LineCounts:
    """Line counts from one tokenize pass (radon's raw analysis is quadratic on long statements)."""
    lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    code_lines: set[int] = set()
    comment_lines: set[int] = set()
    skip = {
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
        tokenize.ENCODING,
        tokenize.COMMENT,
    }
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                comment_lines.add(tok.start[0])
            elif tok.type not in skip:
                code_lines.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # unparseable file: count what was tokenized before the error
    blank = sum(1 for line in text.splitlines() if not line.strip())
    return LineCounts(
        lines=lines,
        code=len(code_lines),
        comments=len(comment_lines),
        blank=blank,
        docstring=docstring_lines,
    )


def recursion_headroom() -> None:
    """Give the parser room for deep but legitimate code without risking the interpreter."""
    if sys.getrecursionlimit() < 4000:
        sys.setrecursionlimit(4000)
