"""Build a deterministic synthetic Python repository for benchmarks, through ``git fast-import``.

The repository looks like a real project grown over years: a package of modules with
functions, branches, classes and docstrings, a test suite, a README, a manifest, CI, and a
long history in which every commit adds or edits files. The same ``(files, commits, seed)``
always gives byte-identical objects, so figures from different runs are comparable.

Usage::

    python benchmarks/synthetic.py DEST [--files 3000] [--commits 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

START = 1_577_880_000  # 2020-01-01, the first commit's time
AUTHORS = (
    ("Ada Lovelace", "ada@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Alan Turing", "alan@example.com"),
    ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
)
VERBS = ("Add", "Fix", "Refactor", "Speed up", "Document", "Test", "Handle", "Simplify", "Rename")
NOUNS = (
    "invoice parsing",
    "the ledger export",
    "retry logic",
    "currency rounding",
    "the report cache",
    "CSV import",
    "user lookup",
    "the settings loader",
    "error messages",
    "pagination",
)
VAGUE = ("fix", "wip", "update", "changes", "misc")
WORDS = (
    "amount",
    "account",
    "balance",
    "ledger",
    "entry",
    "rate",
    "total",
    "record",
    "report",
    "window",
    "budget",
    "payee",
)

README = """# ledger

A double-entry bookkeeping service: import bank statements, categorise them and export
reports.

## Installation

```bash
pip install -e .
```

## Usage

```bash
ledger import statement.csv
ledger report --month 2024-03
```

## Running the tests

```bash
pytest
```

## Design decisions

Entries are immutable; corrections are new entries. Amounts are integers of cents.

## Known limitations

Only CSV statements are imported; currencies are not converted.

## License

MIT
"""

PYPROJECT = """[project]
name = "ledger"
version = "1.0.0"
dependencies = ["click==8.1.7", "sqlalchemy==2.0.29"]

[project.scripts]
ledger = "app.pkg0.mod0:main"
"""

CI = """name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
      - run: pip install -e . pytest ruff
      - run: ruff check .
      - run: pytest
"""

STATIC_FILES = {
    "README.md": README,
    "pyproject.toml": PYPROJECT,
    ".github/workflows/ci.yml": CI,
    ".gitignore": "__pycache__/\n*.pyc\n.venv/\n",
    "LICENSE": "MIT License\n\nPermission is hereby granted, free of charge, to any person.\n",
}


def module_path(index: int) -> str:
    """The path of the ``index``-th Python file: mostly package modules, every fifth a test."""
    if index % 5 == 4:
        return f"tests/pkg{index % 37}/test_mod{index}.py"
    return f"app/pkg{index % 37}/mod{index}.py"


def module_text(index: int, revision: int, seed: int) -> str:
    """The text of one Python file at one revision: deterministic, varied, realistic."""
    rng = random.Random(f"{seed}:{index}:{revision}")
    if index % 5 == 4:
        return _test_text(index, rng)
    return _source_text(index, revision, rng)


def _source_text(index: int, revision: int, rng: random.Random) -> str:
    out = [
        f'"""Module {index}: {rng.choice(NOUNS)} (revision {revision})."""',
        "",
        "from __future__ import annotations",
        "",
        "import logging",
        "import os",
        "",
        "log = logging.getLogger(__name__)",
        f"LIMIT = {rng.randint(10, 500)}",
        "",
    ]
    for number in range(rng.randint(2, 5)):
        out += _function(f"{rng.choice(WORDS)}_{number}", rng, indent="")
    if rng.random() < 0.6:
        name = rng.choice(WORDS).title() + str(index)
        out += [f"class {name}:", f'    """A {name.lower()} held in memory."""', ""]
        out += ["    def __init__(self, size: int) -> None:", "        self.size = size", ""]
        for number in range(rng.randint(1, 4)):
            out += _function(f"method_{number}", rng, indent="    ", method=True)
    if rng.random() < 0.1:
        out += ["TABLE = {"]
        out += [f'    "{rng.choice(WORDS)}{n}": {rng.randint(0, 999)},' for n in range(60)]
        out += ["}", ""]
    if rng.random() < 0.15:
        out += ["def main():", "    print(os.environ.get('LEDGER_HOME', '.'))", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _function(name: str, rng: random.Random, *, indent: str, method: bool = False) -> list[str]:
    arg = rng.choice(WORDS)
    params = f"self, {arg}" if method else arg
    hinted = rng.random() < 0.7
    signature = f"{params}: int) -> int" if hinted else f"{params})"
    body = [f"def {name}({signature}:"]
    if rng.random() < 0.6:
        body.append(f'    """Return the {rng.choice(WORDS)} for ``{arg}``."""')
    body.append("    result = 0")
    for step in range(rng.randint(1, 5)):
        kind = rng.random()
        other = rng.choice(WORDS)
        if kind < 0.3:
            body += [
                f"    if {arg} > {step * 3}:",
                f"        result += {arg} * {rng.randint(2, 9)}",
                f"    elif {arg} == {step}:",
                "        result -= 1",
                "    else:",
                f"        log.debug('{other} %s', {arg})",
            ]
        elif kind < 0.55:
            body += [
                f"    for {other} in range({arg}):",
                f"        if {other} % {rng.randint(2, 7)} == 0 and {other} > LIMIT:",
                "            continue",
                f"        result += {other}",
            ]
        elif kind < 0.75:
            body += [
                "    try:",
                f"        result = result // ({arg} - {step})",
                "    except ZeroDivisionError:",
                "        log.warning('division by zero')",
                "        raise",
            ]
        elif kind < 0.9:
            body += [f"    {other} = [x * 2 for x in range({arg}) if x != {step}]"]
            body += [f"    result += sum({other})"]
        else:
            body += [f"    while result > {arg} * 100:", "        result //= 2"]
    if rng.random() < 0.05:
        body.append("    unused = 1")  # something for the linter to find
    body.append("    return result")
    return [indent + line if line else "" for line in body] + [""]


def _test_text(index: int, rng: random.Random) -> str:
    target = index - 1
    out = [
        f'"""Tests for module {target}."""',
        "",
        "import pytest",
        "",
        f"from app.pkg{target % 37} import mod{target}",
        "",
    ]
    for number in range(rng.randint(2, 6)):
        out += [f"def test_case_{number}():", f"    value = {rng.randint(0, 50)}"]
        if rng.random() < 0.85:
            out += [f"    assert value >= {rng.randint(-5, 0)}"]
        else:
            out += ["    print(value)"]
        out.append("")
    out += [
        "def test_raises():",
        "    with pytest.raises(ZeroDivisionError):",
        "        1 // 0",
        "",
        f"def test_module_is_importable():\n    assert mod{target} is not None",
    ]
    return "\n".join(out) + "\n"


def commit_message(number: int, rng: random.Random) -> str:
    if rng.random() < 0.04:
        return rng.choice(VAGUE)
    subject = f"{rng.choice(VERBS)} {rng.choice(NOUNS)}"
    if rng.random() < 0.3:
        return f"{subject}\n\nChange {number}: {rng.choice(NOUNS)} needed {rng.choice(WORDS)}s."
    return subject


def fast_import_stream(files: int, commits: int, seed: int) -> Iterator[bytes]:
    """The ``git fast-import`` stream of the whole history, commit by commit."""
    rng = random.Random(seed)
    revisions = [0] * files
    when = START
    for number in range(commits):
        changes: list[tuple[str, str]] = []
        if number == 0:
            changes += list(STATIC_FILES.items())
        # Files arrive evenly over the history; every other commit also edits one file.
        first, last = number * files // commits, (number + 1) * files // commits
        for index in range(first, last):
            changes.append((module_path(index), module_text(index, 0, seed)))
        if (first == last or number % 2) and last > 0:
            index = rng.randrange(last)
            revisions[index] += 1
            changes.append((module_path(index), module_text(index, revisions[index], seed)))
        when += rng.randint(600, 12 * 3600)
        name, email = AUTHORS[0] if rng.random() < 0.7 else rng.choice(AUTHORS)
        message = commit_message(number, rng).encode("utf-8") + b"\n"
        chunks = [
            b"commit refs/heads/main\n",
            f"mark :{number + 1}\n".encode(),
            f"author {name} <{email}> {when} +0000\n".encode(),
            f"committer {name} <{email}> {when} +0000\n".encode(),
            b"data %d\n" % len(message),
            message,
        ]
        if number:
            chunks.append(f"from :{number}\n".encode())
        for path, text in changes:
            data = text.encode("utf-8")
            chunks += [f"M 100644 inline {path}\n".encode(), b"data %d\n" % len(data), data, b"\n"]
        yield b"".join(chunks)


def build(dest: Path, *, files: int = 3000, commits: int = 20000, seed: int = 1) -> Path:
    """Create the repository at ``dest`` (which must not exist) and check out its HEAD."""
    if dest.exists():
        raise SystemExit(f"{dest} already exists")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=dest, env=env, check=True, capture_output=True)

    dest.mkdir(parents=True)
    git("init", "-q", "--initial-branch=main")
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"],
        cwd=dest,
        env=env,
        stdin=subprocess.PIPE,
    )
    assert proc.stdin is not None
    for chunk in fast_import_stream(files, commits, seed):
        proc.stdin.write(chunk)
    proc.stdin.write(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    git("checkout", "-q", "-f", "main")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    build(args.dest, files=args.files, commits=args.commits, seed=args.seed)
    took = time.perf_counter() - started
    print(f"built {args.dest}: {args.files} files, {args.commits} commits in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
