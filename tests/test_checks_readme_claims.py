"""A README that tells the truth (issue 14, item 3): DOC012 checks its claims against the
tree, DOC009 refuses a placeholder LICENSE, docs/ covers sections, and the screenshots signal
agrees with DOC007. Each trap is a real repository built with the factory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from auditor.checks.readme import readme_signals
from auditor.model import Outcome, Status
from auditor.source.snapshot import Snapshot
from tests.factory import RepoBuilder

Run = Callable[[str, Path], Outcome]

MIT = (
    "MIT License\n\nCopyright (c) 2024 Ada Lovelace\n\n"
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
    'software and associated documentation files (the "Software"), to deal in the Software '
    'without restriction. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.\n'
)

TRUTHFUL = """# Weather

A command-line weather report for one city, read from the OpenWeather API.

## Installation

```bash
python -m venv .venv
python -m pip install -r requirements.txt
```

## Usage

```bash
cd app
python cli.py --city Paris
python -m app.cli --city Paris
```

## Configuration

```bash
export OPENWEATHER_API_KEY=your-key
```

## Tests

```bash
python -m pytest
```

## License

MIT, see [LICENSE](LICENSE) and the [guide](docs/guide.md#setup).
"""


def truthful_tree() -> dict[str, str]:
    return {
        "README.md": TRUTHFUL,
        "LICENSE": MIT,
        "requirements.txt": "requests\n",
        "app/__init__.py": "",
        "app/cli.py": "import os\nKEY = os.environ['OPENWEATHER_API_KEY']\n",
        "docs/guide.md": "# Guide\n\nSome words.\n",
        "tests/test_cli.py": "from app import cli\n\n\ndef test_key():\n    assert cli.KEY\n",
    }


def test_doc011_passes_when_every_claim_holds(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add the weather report", truthful_tree())

    outcome = outcome_of("DOC012", repo.path)

    assert outcome.status is Status.PASS
    assert outcome.message == (
        "Every command, link and section of README.md checked against the tree holds"
    )


def test_doc011_lists_each_false_claim_with_its_line(repo: RepoBuilder, outcome_of: Run) -> None:
    readme = """# Shop

A small web shop for a course project, built with Flask.

## Run with Docker

```bash
docker compose up --build
```

## Usage

```bash
python main.py
python -m shop.server
```

![screenshot](docs/screen.png)

## Configuration

```env
STRIPE_TOKEN=changeme
```

## Roadmap

## Tests

Run them with pytest.

## License

MIT.
"""
    repo.commit(
        "Add the shop",
        {
            "README.md": readme,
            "app.py": "import os\nKEY = os.getenv('STRIPE_API_KEY')\n",
            "requirements.txt": "flask\n",
        },
    )

    outcome = outcome_of("DOC012", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.score == 0.0
    assert outcome.message.startswith("8 claims of README.md the tree contradicts: ")
    message = outcome.message
    assert "line 8: docker compose up --build (there is no Dockerfile or compose file)" in message
    assert "line 14: python main.py (there is no main.py in the tree)" in message
    assert "line 15: python -m shop.server (there is no module or package shop.server" in message
    assert "line 18: image to docs/screen.png (docs/screen.png is not in the tree)" in message
    assert "line 23: STRIPE_TOKEN (no file of the project reads or mentions this variable)" in (
        message
    )
    assert "line 26: 'Roadmap' (nothing is written under it)" in message
    assert "(+2 more)" in message
    lines = {e.line: e.note for e in outcome.evidence}
    assert lines[28] == "tests: there are no test files in the tree"
    assert lines[32] == "license: there is no license file at the root"


def test_doc011_sees_a_claim_of_tests_and_license_that_are_placeholders(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    readme = "# Tool\n\nA tool.\n\n## Testing\n\nRun `pytest`.\n\n## License\n\nMIT\n"
    repo.commit(
        "Add the tool",
        {"README.md": readme, "LICENSE": "TODO\n", "tool.py": "X = 1\n", "tests/__init__.py": ""},
    )

    outcome = outcome_of("DOC012", repo.path)

    assert outcome.status is Status.PARTIAL
    assert outcome.message == (
        "1 claim of README.md the tree contradicts: line 9: 'License' section "
        "(LICENSE is a placeholder, not a license)"
    )


def test_doc011_follows_the_readme_folder_and_leaves_github_pages_alone(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    readme = (
        "# Tool\n\nSee [the issues](../../issues), [setup](../setup.md), "
        "[home](https://example.org/x.md), [mail](mailto:a@example.com) and [top](#tool).\n"
    )
    repo.commit("Add docs", {"docs/README.md": readme, "setup.md": "# Setup\n\nWords.\n"})

    outcome = outcome_of("DOC012", repo.path)

    assert outcome.status is Status.PASS


def test_doc009_fails_on_an_unfilled_template(repo: RepoBuilder, outcome_of: Run) -> None:
    template = MIT.replace("2024 Ada Lovelace", "[year] [fullname]")
    repo.commit("Add the license", {"LICENSE": template, "app.py": "X = 1\n"})

    outcome = outcome_of("DOC009", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.message.startswith(
        "LICENSE is no license (it holds the placeholder '[year]'): without a license's full "
        "text nobody may legally reuse the code"
    )


def test_doc009_fails_on_an_empty_license(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add the license", {"LICENSE.md": "\n", "app.py": "X = 1\n"})

    outcome = outcome_of("DOC009", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.message.startswith("LICENSE.md is no license (empty)")


def test_doc009_fails_on_a_few_bytes(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit("Add the license", {"LICENSE": "MIT\n", "app.py": "X = 1\n"})

    outcome = outcome_of("DOC009", repo.path)

    assert outcome.status is Status.FAIL
    assert outcome.message.startswith("LICENSE is no license (only 3 characters)")


def test_doc005_and_doc003_count_documentation_in_docs(repo: RepoBuilder, outcome_of: Run) -> None:
    repo.commit(
        "Add the library",
        {
            "README.md": "# Lib\n\nA library.\n\n## Usage\n\nImport it.\n",
            "docs/testing.md": "# Testing\n\nRun `tox`.\n",
            "docs/installation.rst": "Installation\n============\n\npip install lib\n",
            "lib.py": "X = 1\n",
        },
    )

    tests = outcome_of("DOC005", repo.path)
    install = outcome_of("DOC003", repo.path)

    assert tests.status is Status.PASS
    assert (
        tests.message
        == "No 'Running the tests' section in the README, but docs/testing.md covers it"
    )
    assert install.status is Status.PASS
    assert install.message.endswith("but docs/installation.rst covers it")


def test_screenshots_signal_agrees_with_doc007(repo: RepoBuilder, outcome_of: Run) -> None:
    # No "Screenshots" or "Demo" heading: the live demo link is what shows the project.
    readme = "# App\n\nA dashboard, deployed as [the live demo](https://app.example.org).\n"
    repo.commit("Add the app", {"README.md": readme, "app.py": "X = 1\n"})

    signals = readme_signals(Snapshot.open(repo.path))

    assert outcome_of("DOC007", repo.path).status is Status.PASS
    assert signals["sections"]["screenshots"] is True


def test_screenshots_signal_is_false_for_a_demo_heading_with_nothing_shown(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    readme = "# App\n\nA dashboard.\n\n## Screenshots\n\nComing soon.\n\n![](img/missing.png)\n"
    repo.commit("Add the app", {"README.md": readme, "app.py": "X = 1\n"})

    signals = readme_signals(Snapshot.open(repo.path))
    outcome = outcome_of("DOC007", repo.path)

    assert outcome.status is Status.FAIL
    assert signals["sections"]["screenshots"] is False


def test_doc011_leaves_subtitles_library_examples_and_feature_headings_alone(
    repo: RepoBuilder, outcome_of: Run
) -> None:
    readme = """# envreader
### Environment variables, parsed

## Reading Docker-style secret files

Point it at a folder of secrets.

## Usage

```bash
export GITHUB_REPO_PRIORITY=high
```
"""
    code = "import os\n\n\ndef env(name):\n    return os.environ[name]\n"
    repo.commit("Add the library", {"README.md": readme, "envreader.py": code})

    outcome = outcome_of("DOC012", repo.path)

    assert outcome.status is Status.PASS, outcome.message
