"""Line counts of Python source: physical, code, comment, blank and docstring lines.

One tokenize pass, or for source Python parsed, one regular-expression scan that gives the
same counts several times faster (radon's raw analysis is quadratic on long statements).
"""

from __future__ import annotations

import io
import re
import tokenize

from auditor.source.languages.summary import LineCounts


def count_lines(text: str, docstring_lines: int = 0, *, parsed: bool = False) -> LineCounts:
    """Line counts from one tokenize pass (radon's raw analysis is quadratic on long statements).

    ``parsed``: Python parsed the text, so one regular-expression scan gives the same counts
    as :mod:`tokenize`, several times faster (see :func:`_scan_lines`).
    """
    lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    blank = sum(1 for line in text.splitlines() if not line.strip())
    if parsed and text.count("\r") == text.count("\r\n"):
        code, comments = _scan_lines(text)
        return LineCounts(lines, code, comments, blank, docstring_lines)
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
    return LineCounts(
        lines=lines,
        code=len(code_lines),
        comments=len(comment_lines),
        blank=blank,
        docstring=docstring_lines,
    )


#: What :func:`_scan_lines` looks for in source Python parsed: a comment, a string literal
#: (any prefix, triple-quoted or not, escapes and backslash-newlines inside), or a
#: backslash continuation. Outside these, a quote always opens a string and ``#`` a comment.
_LINE_SCAN = re.compile(
    r"(?P<comment>#[^\r\n]*)"
    r"|(?P<string>[rRbBuUfF]{0,2}(?:"
    r"'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    r"|'[^'\\\r\n]*(?:\\(?:\r\n|[\s\S])[^'\\\r\n]*)*'"
    r'|"[^"\\\r\n]*(?:\\(?:\r\n|[\s\S])[^"\\\r\n]*)*"'
    r"))"
    r"|(?P<continuation>\\\r?\n)"
)


def _scan_lines(text: str) -> tuple[int, int]:
    """(code lines, comment lines) of source Python parsed, as a tokenize pass counts them.

    A line holds code when it has a token other than a comment: any character outside
    comments and continuations, or any part of a string literal (all the lines a multi-line
    string spans). Checked against tokenize on every file of CPython's standard library
    and of a virtual environment's site-packages (about 25,000 files): identical counts.
    Lone carriage returns, which tokenize and the parser read differently, are left to
    tokenize.
    """
    code: set[int] = set()
    comments: set[int] = set()
    pieces: list[str] = []  # the text with comments, strings and continuations taken out
    last = 0
    row = 1
    count = text.count
    for match in _LINE_SCAN.finditer(text):
        start, end = match.span()
        row += count("\n", last, start)
        pieces.append(text[last:start])
        last = end
        if match.lastgroup == "comment":
            comments.add(row)
            continue
        breaks = count("\n", start, end)
        if match.lastgroup == "string":
            code.update(range(row, row + breaks + 1))
            pieces.append("\n" * breaks)
        else:
            pieces.append("\n")
        row += breaks
    pieces.append(text[last:])
    rows = "".join(pieces).split("\n")
    code.update(number for number, line in enumerate(rows, 1) if line.strip())
    return len(code), len(comments)
