"""DOC rules (README, license, example environment file) and the readme/license signals."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor import vocabulary
from auditor.checks.registry import primitives, signal_groups
from auditor.cli import cli
from auditor.model import Evidence, Outcome, Scorecard, Status
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

OutcomeOf = Callable[[str, Path], Outcome]

FULL_README = """\
# Budget Buddy

Budget Buddy imports bank statements and shows where the money goes.

## Installation

```bash
pip install budget-buddy
```

## Usage

```bash
budget import statement.csv
```

## Running the tests

```bash
pytest -q
```

## Design decisions

SQLite because the data is small.

## Known limitations

- Only CSV exports from one bank.

## Roadmap

More banks.

## License

MIT
"""

MIT = """MIT License

Copyright (c) 2024 Ada Lovelace

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction.
"""


def commit(repo: RepoBuilder, files: Mapping[str, str | bytes]) -> Path:
    repo.commit("Add project files", dict(files))
    return repo.path


def run_primitive(name: str, path: Path, **params: Any) -> Outcome:
    """A primitive with parameters the default pack does not use (custom packs can)."""
    return primitives()[name](Snapshot.open(path), params)


def prose(words: int) -> str:
    return " ".join(["word"] * words) + "\n"


# ----------------------------------------------------------------------------- DOC001


def test_doc001_passes_with_a_readme_at_the_root(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    outcome = outcome_of("DOC001", commit(repo, {"README.md": "# Tool\n"}))
    assert outcome.status is Status.PASS
    assert outcome.score == 1.0
    assert outcome.message == "README.md at the root"
    assert outcome.evidence == (Evidence("README.md", 1),)


def test_doc001_passes_with_a_readme_in_docs(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    outcome = outcome_of("DOC001", commit(repo, {"docs/readme.rst": "Tool\n====\n"}))
    assert outcome.status is Status.PASS
    assert "docs/readme.rst" in outcome.message
    assert "GitHub shows it" in outcome.message


def test_doc001_fails_without_a_readme(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    outcome = outcome_of("DOC001", commit(repo, {"main.py": "print(1)\n"}))
    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert outcome.message.startswith("No README")
    assert outcome.evidence == ()


def test_doc001_fail_names_a_readme_github_does_not_show(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC001", commit(repo, {"app/README.md": "# App\n"}))
    assert outcome.status is Status.FAIL
    assert "found app/README.md" in outcome.message
    assert outcome.evidence == (Evidence("app/README.md"),)


# ----------------------------------------------------------------------------- DOC002


def test_doc002_passes_with_enough_prose(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    outcome = outcome_of("DOC002", commit(repo, {"README.md": "# Tool\n\n" + prose(160)}))
    assert outcome.status is Status.PASS
    assert outcome.message == "README.md has 161 words of prose"


def test_doc002_gives_partial_credit_in_proportion(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    text = "# Tool\n\n" + prose(74) + "\n```\n" + prose(500) + "```\n"
    outcome = outcome_of("DOC002", commit(repo, {"README.md": text}))
    assert outcome.status is Status.PARTIAL
    assert outcome.score == pytest.approx(75 / 150)
    assert "75 words of prose (150 expected)" in outcome.message
    assert outcome.evidence == (Evidence("README.md", 1, "75 words"),)


def test_doc002_fails_on_an_empty_readme(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    outcome = outcome_of("DOC002", commit(repo, {"README.md": "\n"}))
    assert outcome.status is Status.FAIL
    assert "0 words" in outcome.message


def test_doc002_skips_a_readme_it_cannot_read(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    outcome = outcome_of("DOC002", commit(repo, {"README.md": b"\x00\x01\x02"}))
    assert outcome.status is Status.SKIP
    assert outcome.score is None
    assert "README.md is binary or too large" in outcome.message


@pytest.mark.parametrize("rule", ["DOC002", "DOC003", "DOC004", "DOC005", "DOC006", "DOC007"])
def test_readme_rules_fail_without_a_readme(
    rule: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of(rule, commit(repo, {"main.py": "print(1)\n"}))
    assert outcome.status is Status.FAIL
    assert outcome.message.startswith("No README")


# ----------------------------------------------------------------------------- DOC003


@pytest.mark.parametrize(
    "readme",
    [
        "# Tool\n\n## 🚀 Getting Started\n",
        "# Tool\n\n## Installation & Setup\n",
        "# Tool\n\n### :rocket: Set-up\n",
        "# Tool\n\n## Pre-requisites\n",
        "Tool\n====\n\nInstalling\n----------\n",
        "<h1>Tool</h1>\n\n<h2 id='install'>Install</h2>\n",
        "# Tool\n\n**Quick start**\n\nRun it.\n",
    ],
    ids=["emoji", "ampersand", "shortcode", "hyphen", "setext", "html", "bold-line"],
)
def test_doc003_accepts_common_ways_of_titling_setup(
    readme: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC003", commit(repo, {"README.md": readme}))
    assert outcome.status is Status.PASS, outcome.message
    assert outcome.evidence[0].path == "README.md"
    assert outcome.evidence[0].line is not None


@pytest.mark.parametrize(
    ("name", "readme"),
    [
        ("README.rst", "Tool\n####\n\nINSTALLATION\n============\n\npip install tool\n"),
        ("README.txt", "Tool\n\nINSTALLATION\n\n    pip install tool\n"),
    ],
)
def test_doc003_reads_rst_and_plain_text(
    name: str, readme: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC003", commit(repo, {name: readme}))
    assert outcome.status is Status.PASS
    assert outcome.evidence == (Evidence(name, 4 if name.endswith(".rst") else 3, "INSTALLATION"),)


def test_doc003_fails_and_lists_the_headings_found(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    text = "# Setup Wizard\n\n## Features\n\n```\n# Installation\n```\n\n## License\n"
    outcome = outcome_of("DOC003", commit(repo, {"README.md": text}))
    assert outcome.status is Status.FAIL
    assert outcome.message == (
        "No 'Installation' section in README.md (a heading such as Installation, Setup or "
        "Getting started): headings found: Setup Wizard, Features, License"
    )
    assert outcome.evidence == (Evidence("README.md", None),)


def test_doc003_fail_says_when_the_readme_has_no_headings(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC003", commit(repo, {"README.md": "Just a line.\n"}))
    assert outcome.status is Status.FAIL
    assert outcome.message.endswith("the README has no headings")


def test_headings_list_in_messages_is_capped(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    text = "".join(f"## Part {i}\n\n" for i in range(12))
    outcome = outcome_of("DOC003", commit(repo, {"README.md": text}))
    assert "Part 7 (+4 more)" in outcome.message
    assert "Part 8" not in outcome.message


def test_all_level_one_headings_are_sections_when_there_is_no_title(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC003", commit(repo, {"README.md": "# Installation\n\n# Usage\n"}))
    assert outcome.status is Status.PASS


# ----------------------------------------------------------------------------- DOC004


def test_doc004_passes_with_a_usage_heading_and_code(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC004", commit(repo, {"README.md": FULL_README}))
    assert outcome.status is Status.PASS
    assert outcome.message == "'Usage' section at line 11 and 3 code block(s) in README.md"
    assert outcome.evidence[0] == Evidence("README.md", 11, "Usage")


def test_doc004_half_credit_for_a_heading_without_code(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC004", commit(repo, {"README.md": "# T\n\n## Examples\n\nRun it.\n"}))
    assert outcome.status is Status.PARTIAL
    assert outcome.score == 0.5
    assert "'Examples' section at line 3 of README.md but no code block" in outcome.message


def test_doc004_half_credit_for_code_without_a_heading(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    text = "# T\n\n## Running the tests\n\n    tool --help\n"
    outcome = outcome_of("DOC004", commit(repo, {"README.md": text}))
    assert outcome.status is Status.PARTIAL
    assert outcome.score == 0.5
    assert "1 code block(s) but no usage or examples heading" in outcome.message
    assert "headings found: T, Running the tests" in outcome.message


def test_doc004_fails_with_neither(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    outcome = outcome_of("DOC004", commit(repo, {"README.md": "# T\n\n## About\n\nText.\n"}))
    assert outcome.status is Status.FAIL
    assert "no usage section and no code example: headings found: T, About" in outcome.message


# ----------------------------------------------------------------------------- DOC005


@pytest.mark.parametrize(
    "readme",
    [
        "# T\n\n## ✅ Running tests\n",
        "# T\n\n## Testing\n",
        "# T\n\n## Dev\n\n```console\n$ uv run pytest -q\n```\n",
        "# T\n\n```\npython -m unittest discover\n```\n",
        "# T\n\n```\nmake test\n```\n",
        "# T\n\n```\nhatch test\n```\n",
        "# T\n\n```\nnpm test\n```\n",
        "# T\n\n## Development\n\nRun `tox` before sending a change.\n",
        "# T\n\n## Test\n\nEach module has its own.\n",
        "# T\n\n## How to test\n",
    ],
)
def test_doc005_passes_with_a_tests_heading_or_command(
    readme: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC005", commit(repo, {"README.md": readme}))
    assert outcome.status is Status.PASS, outcome.message


def test_doc005_pass_by_command_cites_it(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    text = "# T\n\n## Dev\n\n```\npip install -e .\npytest -q tests/\n```\n"
    outcome = outcome_of("DOC005", commit(repo, {"README.md": text}))
    assert outcome.message == "README.md shows how to run the tests: `pytest -q tests/` (line 5)"
    assert outcome.evidence == (Evidence("README.md", 5, "pytest -q tests/"),)


@pytest.mark.parametrize(
    "readme",
    [
        "# T\n\n## Contestants\n\n## Latest results\n",
        "# T\n\n## Setup\n\n```\npip install pytest tox\n```\n",
        "# T\n\n## About\n\nWe like pytest.\n\n```\ncat tox.ini\n```\n",
        "# T\n\n## 💳 Razorpay Test Mode\n\nUse card 4111 1111 1111 1111.\n",
        "# T\n\n## Test credentials\n\nLog in as demo / demo.\n",
    ],
    ids=[
        "word-inside-a-word",
        "installing-pytest",
        "mention-outside-dev-section",
        "a-services-test-mode",
        "test-accounts",
    ],
)
def test_doc005_fails_without_test_instructions(
    readme: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC005", commit(repo, {"README.md": readme}))
    assert outcome.status is Status.FAIL
    assert outcome.message.startswith("No 'Running the tests' section in README.md")


# ----------------------------------------------------------------------------- DOC006


@pytest.mark.parametrize(
    "heading",
    [
        "## Known limitations",
        "## Known issues / Limitations",
        "### ⚠️ Caveats",
        "## Limits",
        "## Trade-offs",
        "## What's missing",
        "**Known bugs**",
    ],
)
def test_doc006_accepts_limitations_headings(
    heading: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    readme = f"# Tool\n\n## Usage\n\nRun it.\n\n{heading}\n\n- only CSV\n"
    outcome = outcome_of("DOC006", commit(repo, {"README.md": readme}))
    assert outcome.status is Status.PASS, outcome.message
    assert outcome.evidence[0].line == 7
    assert "section at line 7 of README.md" in outcome.message


def test_doc006_fails_on_a_sentence_in_passing(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    readme = (
        "# Tool\n\n## Installation\n\nThere are known limitations.\n\n## Usage\n\n"
        "```\n## Known limitations\n```\n\n## License\n\nMIT\n"
    )
    outcome = outcome_of("DOC006", commit(repo, {"README.md": readme}))
    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert outcome.message.endswith("headings found: Tool, Installation, Usage, License")
    assert "No 'Known limitations' section in README.md" in outcome.message


def test_readme_section_keywords_widen_a_section(repo: RepoBuilder) -> None:
    path = commit(repo, {"README.md": "# Tool\n\n## Open questions\n"})
    default = run_primitive("readme_section", path, section="known_limitations")
    widened = run_primitive(
        "readme_section", path, section="known_limitations", keywords=["open question*"]
    )
    assert default.status is Status.FAIL
    assert widened.status is Status.PASS
    assert widened.message == "'Open questions' section at line 3 of README.md"


def test_readme_section_custom_section_from_keywords_only(repo: RepoBuilder) -> None:
    path = commit(repo, {"README.md": "# Tool\n\n## FAQ\n"})
    outcome = run_primitive("readme_section", path, section="faq", keywords=["faq"])
    assert outcome.status is Status.PASS
    assert outcome.message == "'FAQ' section at line 3 of README.md"


def test_readme_section_unknown_section_is_an_error(repo: RepoBuilder) -> None:
    path = commit(repo, {"README.md": "# Tool\n"})
    outcome = run_primitive("readme_section", path, section="faq")
    assert outcome.status is Status.ERROR
    assert "unknown README section 'faq'" in outcome.message
    assert "known_limitations" in outcome.message


def test_readme_section_keywords_parameter_is_validated() -> None:
    check = primitives()["readme_section"]
    assert check.validate({"section": "tests", "keywords": ["qa"]}) is None
    assert "expected a list" in str(check.validate({"section": "tests", "keywords": "qa"}))


# ----------------------------------------------------------------------------- DOC007


@pytest.mark.parametrize(
    "body",
    [
        "![Dashboard](docs/dashboard.png)",
        '<p align="center"><img src="docs/screen.gif" width="600"></p>',
        "Try the [live demo](https://example.com).",
        "Deployed at <https://budget.vercel.app>.",
        "See https://huggingface.co/spaces/ada/budget for a hosted copy.",
        "[Watch](https://youtu.be/abc123)",
        "## Example request\n\n```http\nGET /api/items HTTP/1.1\n```",
    ],
    ids=["image", "html-image", "demo-text", "vercel", "hf-space", "video", "example-section"],
)
def test_doc007_passes_when_the_project_is_shown_at_work(
    body: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    # The images are committed: a relative image missing from the tree shows nothing.
    images = {"docs/dashboard.png": b"\x89PNG", "docs/screen.gif": b"GIF89a"}
    outcome = outcome_of("DOC007", commit(repo, {"README.md": f"# Tool\n\n{body}\n", **images}))
    assert outcome.status is Status.PASS, outcome.message
    assert outcome.evidence[0].path == "README.md"
    assert outcome.evidence[0].line == 3


def test_doc007_examples_section_may_nest_its_code(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    text = "# Tool\n\n## Examples\n\n### Create an item\n\n```\ncurl -X POST /items\n```\n"
    outcome = outcome_of("DOC007", commit(repo, {"README.md": text}))
    assert outcome.status is Status.PASS
    assert outcome.message == "'Examples' section at line 3 of README.md shows an example with code"


def test_doc007_badges_and_logos_are_not_screenshots(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    text = (
        "# Tool\n\n"
        "[![CI](https://github.com/a/b/actions/workflows/ci.yml/badge.svg)]"
        "(https://github.com/a/b/actions)\n"
        "![PyPI](https://img.shields.io/pypi/v/tool)\n"
        "[![cov](https://codecov.io/gh/a/b/graph/x.svg)](https://codecov.io/gh/a/b)\n"
        '<img src="docs/logo.png" alt="Tool">\n\n'
        "Read the [docs](https://tool.readthedocs.io).\n"
    )
    outcome = outcome_of("DOC007", commit(repo, {"README.md": text}))
    assert outcome.status is Status.FAIL
    assert "only badges (3) among its images" in outcome.message
    assert outcome.evidence == (Evidence("README.md", None),)


def test_doc007_fails_on_a_plain_readme(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    outcome = outcome_of("DOC007", commit(repo, {"README.md": FULL_README}))
    assert outcome.status is Status.FAIL
    assert "no image, no demo link, no examples section with code" in outcome.message


# ----------------------------------------------------------------------------- DOC008


@pytest.mark.parametrize(
    "heading", ["## Design decisions", "## Architecture", "## How it works", "## Under the hood"]
)
def test_doc008_accepts_design_headings(
    heading: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC008", commit(repo, {"README.md": f"# Tool\n\n{heading}\n"}))
    assert outcome.status is Status.PASS
    assert outcome.evidence[0].line == 3


@pytest.mark.parametrize(
    "document", ["ARCHITECTURE.md", "docs/design-notes.md", "docs/adr/0001-use-sqlite.md"]
)
def test_doc008_accepts_design_documents(
    document: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    path = commit(repo, {"README.md": "# Tool\n\n## Usage\n", document: "# Why\n"})
    outcome = outcome_of("DOC008", path)
    assert outcome.status is Status.PASS
    assert outcome.message == f"The design is documented in {document}"
    assert outcome.evidence == (Evidence(document, 1),)


def test_doc008_fails_without_design_notes(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    path = commit(repo, {"README.md": "# Tool\n\n## Usage\n", "src/design.py": "x = 1\n"})
    outcome = outcome_of("DOC008", path)
    assert outcome.status is Status.FAIL
    assert "No 'Design' section in README.md" in outcome.message
    assert "headings found: Tool, Usage" in outcome.message


# ----------------------------------------------------------------------------- DOC009

APACHE = " " * 33 + "Apache License\n" + " " * 27 + "Version 2.0, January 2004\n"
GPL3 = " " * 20 + "GNU GENERAL PUBLIC LICENSE\n" + " " * 23 + "Version 3, 29 June 2007\n"
LGPL3 = (
    "GNU LESSER GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n\nThis version of the GNU "
    "Lesser General Public License incorporates the terms of version 3 of the GNU General "
    "Public License\n"
)
BSD3 = (
    "Redistribution and use in source and binary forms, with or without modification, are "
    "permitted.\nNeither the name of the copyright holder nor the names of its contributors "
    "may be used to endorse or promote products\n"
)


@pytest.mark.parametrize(
    ("name", "text", "spdx"),
    [
        ("LICENSE", MIT, "MIT"),
        ("LICENSE.txt", APACHE, "Apache-2.0"),
        ("COPYING", GPL3, "GPL-3.0"),
        ("licence.md", LGPL3, "LGPL-3.0"),
        ("LICENSE", BSD3, "BSD-3-Clause"),
        (
            "UNLICENSE",
            "This is free and unencumbered software released into the public domain.",
            "Unlicense",
        ),
    ],
)
def test_doc009_recognises_common_licenses(
    name: str, text: str, spdx: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC009", commit(repo, {name: text}))
    assert outcome.status is Status.PASS
    assert outcome.message == f"{name} ({spdx}) at the root"
    assert outcome.evidence == (Evidence(name, 1, spdx),)


def test_doc009_passes_with_an_unrecognised_license(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    custom = (
        "The Ada Lovelace Community License\n\nYou may read, run and change this code for any "
        "purpose that is not commercial, and share your changes under these same terms, as long "
        "as this notice stays with every copy.\n"
    )
    outcome = outcome_of("DOC009", commit(repo, {"LICENSE": custom}))
    assert outcome.status is Status.PASS
    assert "not one of the common licenses" in outcome.message


def test_doc009_dual_license_files(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    path = commit(repo, {"LICENSE-MIT": MIT, "LICENSE-APACHE": APACHE})
    outcome = outcome_of("DOC009", path)
    assert outcome.status is Status.PASS
    assert "(MIT OR Apache-2.0)" in outcome.message or "(Apache-2.0 OR MIT)" in outcome.message
    assert {e.path for e in outcome.evidence} == {"LICENSE-MIT", "LICENSE-APACHE"}


def test_doc009_half_credit_for_a_license_declared_only_in_pyproject(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    pyproject = '[project]\nname = "tool"\nlicense = {text = "MIT"}\n'
    outcome = outcome_of("DOC009", commit(repo, {"pyproject.toml": pyproject}))
    assert outcome.status is Status.PARTIAL
    assert outcome.score == 0.5
    assert "pyproject.toml declares the license 'MIT' but there is no LICENSE file" in (
        outcome.message
    )
    assert outcome.evidence == (Evidence("pyproject.toml", None, "MIT"),)


def test_doc009_fails_without_a_license(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    path = commit(repo, {"README.md": "# T\n", "src/pkg/LICENSE": MIT, "pyproject.toml": "[x\n"})
    outcome = outcome_of("DOC009", path)
    assert outcome.status is Status.FAIL
    assert outcome.message == (
        "No LICENSE, LICENCE, COPYING or UNLICENSE file at the root (found src/pkg/LICENSE, "
        "which GitHub does not recognise): without one nobody may legally reuse the code"
    )


# ----------------------------------------------------------------------------- DOC010

SETTINGS = "import os\n\nDATABASE_URL = os.getenv('DATABASE_URL')\n"


@pytest.mark.parametrize(
    ("code", "line", "note"),
    [
        ("import os\nURL = os.getenv('DATABASE_URL')\n", 2, "os.getenv DATABASE_URL"),
        ("import os as o\nKEY = o.environ['SECRET_KEY']\n", 2, "os.environ SECRET_KEY"),
        ("from os import environ\nK = environ.get('API_KEY', '')\n", 2, "os.environ.get API_KEY"),
        ("from os import getenv as ge\n\nKEY = ge('TOKEN')\n", 3, "os.getenv TOKEN"),
        ("import os\nname = 'X'\nV = os.environ.get(name)\n", 3, "os.environ.get"),
        ("import os\nif 'DEBUG' in os.environ:\n    pass\n", 2, "os.environ DEBUG"),
        (
            "from pydantic_settings import BaseSettings\n"
            "class Settings(BaseSettings):\n    x: int\n",
            2,
            "pydantic BaseSettings Settings",
        ),
        ("from dotenv import load_dotenv\nload_dotenv()\n", 1, "python-dotenv"),
        ("import environ\nenv = environ.Env()\n", 1, "django-environ"),
        (
            "from decouple import config\nKEY = config('SECRET_KEY')\n",
            2,
            "decouple.config SECRET_KEY",
        ),
    ],
)
def test_doc010_detects_environment_reads(
    code: str, line: int, note: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    path = commit(repo, {"README.md": "# Tool\n", "app/settings.py": code})
    outcome = outcome_of("DOC010", path)
    assert outcome.status is Status.FAIL
    assert outcome.message.endswith(
        "but there is no .env.example (or .env.sample, .env.template) and no README section "
        "on configuration or environment variables"
    )
    assert outcome.evidence == (Evidence("app/settings.py", line, note),)


def test_doc010_evidence_has_up_to_five_places(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    code = "import os\n" + "".join(f"V{i} = os.getenv('VAR_{i}')\n" for i in range(7))
    outcome = outcome_of("DOC010", commit(repo, {"config.py": code}))
    assert outcome.status is Status.FAIL
    assert "the environment (VAR_0, VAR_1, VAR_2, VAR_3, +3 more)" in outcome.message
    assert [(e.path, e.line) for e in outcome.evidence] == [("config.py", n) for n in range(2, 7)]


@pytest.mark.parametrize(
    "example", [".env.example", "deploy/.env.sample", ".env.template", "example.env", "env.example"]
)
def test_doc010_passes_with_an_example_env_file(
    example: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    path = commit(repo, {"settings.py": SETTINGS, example: "DATABASE_URL=\n"})
    outcome = outcome_of("DOC010", path)
    assert outcome.status is Status.PASS
    assert outcome.message == f"{example} documents the environment the code reads (DATABASE_URL)"
    assert outcome.evidence == (Evidence(example, 1),)


def test_doc010_passes_with_a_readme_configuration_section(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    readme = "# Tool\n\n## Environment variables\n\n- DATABASE_URL\n"
    outcome = outcome_of("DOC010", commit(repo, {"settings.py": SETTINGS, "README.md": readme}))
    assert outcome.status is Status.PASS
    assert "'Environment variables' section at line 3 of README.md" in outcome.message


@pytest.mark.parametrize(
    "files",
    [
        {"main.py": "print('hello')\n"},
        {"main.py": "import os\nhome = os.environ['HOME']\nos.environ['MODE'] = 'x'\n"},
        {"manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 's')\n"},
        {"tests/test_app.py": SETTINGS, "setup.py": SETTINGS, "docs/conf.py": SETTINGS},
    ],
    ids=["no-reads", "system-variable-and-write", "setdefault", "tests-and-build-scripts"],
)
def test_doc010_skips_when_the_code_reads_no_configuration(
    files: dict[str, str], repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC010", commit(repo, files))
    assert outcome.status is Status.SKIP
    assert outcome.message == "The Python code does not read configuration from the environment"


def test_doc010_skips_without_python(repo: RepoBuilder, outcome_of: OutcomeOf) -> None:
    outcome = outcome_of("DOC010", commit(repo, {"index.js": "process.env.X\n"}))
    assert outcome.status is Status.SKIP
    assert outcome.message.startswith("No Python code")


# ----------------------------------------------------------------------------- signals


def test_readme_and_license_signals(repo: RepoBuilder) -> None:
    path = commit(repo, {"README.md": FULL_README, "LICENSE": MIT})
    snapshot = Snapshot.open(path)
    readme_signal = signal_groups()["readme"](snapshot)
    assert readme_signal == {
        "path": "README.md",
        "words": readme_signal["words"],
        "sections": {
            "install": True,
            "usage": True,
            "tests": True,
            "screenshots": False,
            "known_limitations": True,
            "design": True,
            "roadmap": True,
            "license": True,
        },
    }
    assert 30 < readme_signal["words"] < 60
    assert signal_groups()["license"](snapshot) == {
        "path": "LICENSE",
        "spdx": "MIT",
        "declared": None,
        "placeholder": None,
    }


def test_signals_without_readme_or_license(
    repo: RepoBuilder, audit_path: Callable[[Path], Scorecard]
) -> None:
    scorecard = audit_path(commit(repo, {"main.py": "print(1)\n"}))
    assert scorecard.signals["readme"] == {
        "path": None,
        "words": 0,
        "sections": dict.fromkeys(
            [
                "install",
                "usage",
                "tests",
                "screenshots",
                "known_limitations",
                "design",
                "roadmap",
                "license",
            ],
            False,
        ),
    }
    assert scorecard.signals["license"] == {
        "path": None,
        "spdx": None,
        "declared": None,
        "placeholder": None,
    }
    doc = {f.rule: f.status for f in scorecard.findings if f.rule.startswith("DOC")}
    assert doc["DOC001"] is Status.FAIL
    assert doc["DOC010"] is Status.SKIP


def test_sample_output_in_a_usage_section_counts_as_showing_the_project(
    repo: RepoBuilder, outcome_of: Callable[[str, Path], Outcome]
) -> None:
    readme = (
        "# tool\n\n## Usage\n\n```bash\ntool run\n```\n\nIt prints:\n\n```text\nok 3 files\n```\n"
    )
    repo.commit("Document usage", {"README.md": readme})

    outcome = outcome_of("DOC007", repo.path)

    assert outcome.status is Status.PASS
    assert "output or an example request in a code block at line 11" in outcome.message


def test_console_fences_count_anywhere_but_plain_diagrams_outside_usage_do_not(
    repo: RepoBuilder, outcome_of: Callable[[str, Path], Outcome]
) -> None:
    repo.commit("Add design", {"README.md": "# tool\n\n## Design\n\n```text\nA -> B\n```\n"})
    assert outcome_of("DOC007", repo.path).status is Status.FAIL

    repo.commit("Show a session", {"README.md": "# tool\n\n```console\n$ tool\nok\n```\n"})
    assert outcome_of("DOC007", repo.path).status is Status.PASS


# ----------------------------------------------------------------------------- vocabularies


@pytest.mark.parametrize(
    "name",
    [".env.example", ".env.local.sample", "app.env.template", "env-sample.txt", "sample_env"],
)
def test_doc010_example_env_names_are_recognised_by_their_words(
    name: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    outcome = outcome_of("DOC010", commit(repo, {"settings.py": SETTINGS, name: "X=\n"}))
    assert outcome.status is Status.PASS
    assert outcome.message.startswith(f"{name} documents the environment")


def test_doc010_a_crafted_env_file_name_is_judged_in_linear_time(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    # ``env`` and sixty dashes made the old regular expression backtrack without end.
    crafted = "env" + "-" * 60 + ".txt"
    path = commit(repo, {"settings.py": SETTINGS, crafted: "X=\n", "environment.example": ""})
    started = time.monotonic()
    outcome = outcome_of("DOC010", path)
    assert time.monotonic() - started < 1.0
    assert outcome.status is Status.FAIL
    assert "no .env.example" in outcome.message


@pytest.mark.parametrize(
    ("block", "command"),
    [
        ("python3.12 -m pytest -x", "python3.12 -m pytest -x"),
        ("cd app && ./gradlew test", "cd app && ./gradlew test"),
        ("hatch run dev:test-all", "hatch run dev:test-all"),
        ('echo "done"; py.test', 'echo "done"; py.test'),
        ("assert run('x) == 1  # pytest", "assert run('x) == 1  # pytest"),
    ],
    ids=["versioned-python", "after-and", "hatch-script", "after-semicolon", "unbalanced-quote"],
)
def test_doc005_reads_commands_as_shell_words(
    block: str, command: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    readme = f"# T\n\n## Dev\n\n```\n{block}\n```\n"
    outcome = outcome_of("DOC005", commit(repo, {"README.md": readme}))
    assert outcome.status is Status.PASS, outcome.message
    assert outcome.evidence == (Evidence("README.md", 5, command),)


@pytest.mark.parametrize("line", ["pytest.ini holds the options", "poetry add --group dev pytest"])
def test_doc005_a_file_name_or_an_install_is_not_a_test_command(
    line: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    readme = f"# T\n\n## Dev\n\n```\n{line}\n```\n"
    outcome = outcome_of("DOC005", commit(repo, {"README.md": readme}))
    assert outcome.status is Status.FAIL


@pytest.mark.parametrize(
    ("key", "heading"),
    [
        ("known_limitations_headings", "## Missing features"),
        ("known_limitations_headings", "## Not supported"),
        ("known_limitations_headings", "## Weaknesses"),
    ],
)
def test_doc006_matches_every_word_of_its_vocabulary(
    key: str, heading: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    # These words were matched but missing from the rule's documentation: now it prints them.
    words = " ".join(heading.lstrip("# ").lower().split())
    assert words in vocabulary.terms("readme", key)
    outcome = outcome_of("DOC006", commit(repo, {"README.md": f"# T\n\n{heading}\n\n- x\n"}))
    assert outcome.status is Status.PASS
    explained = " ".join(CliRunner().invoke(cli, ["explain", "DOC006"]).output.split())
    assert explained.count(words) == 1


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("https://myapp.run.app", "the app"),
        ("https://x.gradio.live/", "here"),
        ("https://example.com/budget", "Live demo"),
    ],
)
def test_doc007_and_pkg004_agree_on_live_links(
    url: str, text: str, repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    readme = f"# Tool\n\nSee it running: [{text}]({url})\n"
    path = commit(repo, {"README.md": readme, "app.py": "print('hi')\n"})
    examples = outcome_of("DOC007", path)
    deploy = outcome_of("PKG004", path)
    assert examples.status is Status.PASS
    assert examples.evidence == (Evidence("README.md", 3, url),)
    assert deploy.status is Status.PASS
    assert deploy.evidence == (Evidence("README.md", 3, f"live link: {url}"),)


def test_pkg004_an_anchor_named_demo_is_not_a_live_site(
    repo: RepoBuilder, outcome_of: OutcomeOf
) -> None:
    readme = "# Tool\n\n[Demo](#demo)\n\n## Demo\n\nSoon.\n"
    path = commit(repo, {"README.md": readme, "app.py": "print('hi')\n"})
    assert outcome_of("PKG004", path).status is Status.FAIL
