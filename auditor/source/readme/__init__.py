"""The README, parsed once into headings, sections, code blocks, links and images.

One reader per format, each bounded because the README comes from the audited repository:
Markdown through markdown-it-py on a bounded prefix (:mod:`.markdown`), HTML inside it
through the standard library's parser (:mod:`.html_reader`), reStructuredText and plain text
line by line (:mod:`.rst`, :mod:`.text`). Every reader returns a
:class:`~auditor.source.readme.document.ReadmeDocument`.
"""

from __future__ import annotations

from auditor.source.links import link_target
from auditor.source.readme.document import (
    CodeBlock,
    Heading,
    Link,
    ReadmeDocument,
    Section,
    count_words,
)
from auditor.source.readme.markdown import (
    MAX_INLINE_CHARS,
    MAX_MARKDOWN_CHARS,
    MAX_MARKDOWN_LINES,
    parse_markdown,
)
from auditor.source.readme.rst import parse_rst
from auditor.source.readme.text import parse_text
from auditor.source.snapshot import Snapshot, fact

#: README names in the order GitHub prefers them (compared in lower case). The one list:
#: other modules that ask "is this the README?" import it from here.
README_NAMES = ("readme.md", "readme.markdown", "readme.rst", "readme.txt", "readme")
#: Where GitHub looks for the README, in order: the root, then these folders.
README_DIRS = ("", ".github/", "docs/")

__all__ = [
    "MAX_INLINE_CHARS",
    "MAX_MARKDOWN_CHARS",
    "MAX_MARKDOWN_LINES",
    "README_DIRS",
    "README_NAMES",
    "CodeBlock",
    "Heading",
    "Link",
    "ReadmeDocument",
    "Section",
    "count_words",
    "find_readme_path",
    "is_readme_name",
    "parse_readme",
    "readme",
]


def is_readme_name(name: str) -> bool:
    """Whether a file name is one GitHub shows as a README (any case)."""
    return name.lower() in README_NAMES


def find_readme_path(snapshot: Snapshot) -> str | None:
    """The README GitHub would show: the root first, then .github/ and docs/."""
    by_lower = {path.lower(): path for path in snapshot.files}
    links = {path.lower(): path for path in snapshot.symlinks}
    for folder in README_DIRS:
        for name in README_NAMES:
            path = by_lower.get(folder + name)
            if path is not None:
                return path
            link = links.get(folder + name)
            target = link_target(snapshot, link) if link is not None else None
            if target is not None:
                return target  # GitHub shows the file a README link names in the tree
    return None


@fact
def readme(snapshot: Snapshot) -> ReadmeDocument | None:
    """The parsed README of the snapshot, or None when there is none (or it is binary)."""
    path = find_readme_path(snapshot)
    if path is None:
        return None
    text = snapshot.text(path)
    if text is None:
        return None
    return parse_readme(path, text)


def parse_readme(path: str, text: str) -> ReadmeDocument:
    """Parse README ``text``; the format comes from the file name (no suffix: Markdown)."""
    lower = path.lower()
    if lower.endswith((".md", ".markdown")) or lower.rsplit("/", 1)[-1] == "readme":
        return parse_markdown(path, text)
    if lower.endswith(".rst"):
        return parse_rst(path, text)
    return parse_text(path, text)
