"""A repository whose every string is an attack on whoever renders its scorecard.

File and folder names, commit messages, the author, the README and the remote URL carry
HTML and script injection (``<script>``, ``onerror=``, ``javascript:`` links), Markdown
that would break out of a table or a ``<details>`` block (pipes, backticks, ``</details>``),
entities and control characters. The strings are placed where the checks quote them back
as evidence or messages: committed junk, an assertion-less test, a hard-coded token, a bare
``except``, README headings, vague commit subjects. Any renderer must show them as text.
"""

from __future__ import annotations

from pathlib import Path

from tests.factory import RepoBuilder, make_repo

SCRIPT = "<script>alert('xss-script')</script>"
IMG = "<img src=x onerror=\"alert('xss-img')\">"
SVG = "<svg onload=alert('xss-svg')>"
JS_LINK = "[click me](javascript:alert('xss-link'))"
CLOSE_DETAILS = "</details></summary>"
PIPES = "| cell | break |"
TICKS = "``` `tick`"
ENTITY = "&lt;b&gt;not bold&lt;/b&gt;"
#: A folder name may hold anything but ``/``: it carries its attack into every path below it.
REPO_NAME = "<img src=x onerror=alert('xss-name')>"
HOSTILE_REMOTE = "javascript:alert('xss-remote')//github.com/owner/repo"

#: Substrings that must never reach an output as live markup. A renderer shows them as text.
MARKERS = ("xss-script", "xss-img", "xss-svg", "xss-link", "xss-name")

JUNK_DIR = f"{IMG} {PIPES}"
ODD_DIR = f"a{CLOSE_DETAILS}{TICKS}"  # '/' inside it makes nested folders: a</ and details>…

README = f"""\
# {SCRIPT} ledger

A project whose README tries every trick: {IMG} {JS_LINK} {CLOSE_DETAILS} {PIPES} {TICKS}
{ENTITY}. Some more words so the README is not empty; the audit quotes its headings back.

## Installation {IMG}

```bash
pip install -e .
```

## Usage {PIPES} {TICKS}

```bash
python -m ledger
```

## Known limitations {SVG}

- [a link](javascript:alert('xss-link')) and <a href="javascript:alert('xss-link')">one</a>
"""

BAD_CODE = """\
def run(a,b):
  try:
    print(a+b)
  except:
    pass
"""

TOKEN = "ghp_" + "Zq8" * 12  # shaped like a GitHub token, so the secret scanner reports it


def build_hostile_project(path: Path, *, remote: str | None = HOSTILE_REMOTE) -> RepoBuilder:
    """A repository at ``path`` full of hostile strings (``remote``: origin's URL, or none).

    Pass ``path`` ending in :data:`REPO_NAME` to make the repository's own name hostile.
    """
    repo = make_repo(path)
    author = ("<b onmouseover=alert('xss-author')>Mallory</b> | `x`", "mallory@example.com")
    repo.commit(
        f"wip {SCRIPT}",
        {
            "README.md": README,
            f"{IMG}.py": BAD_CODE,
            f"src/{SCRIPT}.py": BAD_CODE,
            f"config_{SVG}.py": f'GITHUB_TOKEN = "{TOKEN}"\n',
            f"tests/test_{SVG}.py": "def test_nothing():\n    run = 1\n",
            f"{JUNK_DIR}/__pycache__/mod.cpython-311.pyc": b"\x00junk",
            f"{ODD_DIR}/.DS_Store": b"\x00junk",
            "javascript:alert('xss-link').py": "x = 1\n",
            "line\nbreak.py": "y = 2\n",
        },
        author=author,
    )
    repo.commit(f"{CLOSE_DETAILS} {PIPES} {TICKS}", {"notes.txt": "a\n"}, author=author)
    repo.commit(f"fix {JS_LINK} {IMG}", {"notes.txt": "b\n"}, author=author, days_later=1)
    if remote is not None:
        repo.git("remote", "add", "origin", remote)
    return repo
