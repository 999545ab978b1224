"""The command line's formats and outputs: one audit rendered into several files."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from auditor.cli import FORMAT_NAMES, audit, main
from auditor.render import EXTENSIONS, FORMATS, format_for
from tests.projects import build_weak_project


@pytest.fixture(scope="module")
def weak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_weak_project(tmp_path_factory.mktemp("weak") / "calculator").path


@pytest.fixture(autouse=True)
def neutral_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_offers_exactly_the_renderers_formats() -> None:
    option = next(p for p in audit.params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)

    assert set(option.type.choices) == set(FORMAT_NAMES) == set(FORMATS)
    assert set(EXTENSIONS.values()) <= set(FORMATS)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("card.html", "html"),
        ("CARD.HTM", "html"),
        ("card.md", "markdown"),
        ("card.sarif", "sarif"),
        ("card.sarif.json", "sarif"),
        ("card.json", "json"),
        ("card.txt", "text"),
        ("card.xml", None),
        (".md", None),
    ],
)
def test_a_file_name_implies_its_format(name: str, fmt: str | None) -> None:
    assert format_for(name) == fmt


def test_several_formats_render_one_audit_into_several_files(
    weak: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html, sarif = tmp_path / "card.html", tmp_path / "scan.out"

    code, out, err = run(
        capsys, "audit", str(weak), "-f", "html", "-o", str(html), "-f", "sarif", "-o",
        str(sarif), "-f", "json",
    )  # fmt: skip

    card = json.loads(out)
    assert code == 0
    assert err.splitlines() == [
        f"wrote {html} (score {card['score']:.1f}, grade {card['grade']})",
        f"wrote {sarif} (score {card['score']:.1f}, grade {card['grade']})",
    ]
    page = html.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert f'<time datetime="{card["audited_at"]}">' in page  # the very same audit
    log = json.loads(sarif.read_text("utf-8"))  # the format given wins over the extension
    assert log["version"] == "2.1.0"
    assert log["runs"][0]["properties"]["auditedAt"] == card["audited_at"]


def test_outputs_alone_take_their_formats_from_their_extensions(
    weak: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["card.md", "card.sarif.json", "card.htm", "card.txt", "card.json"]

    code, out, err = run(capsys, "audit", str(weak), *[f"-o{tmp_path / n}" for n in names])

    assert code == 0
    assert out == ""
    assert err.count("wrote ") == len(names)
    texts = {n: (tmp_path / n).read_text("utf-8") for n in names}
    assert texts["card.md"].startswith("## Portfolio scorecard: calculator\n")
    assert json.loads(texts["card.sarif.json"])["version"] == "2.1.0"
    assert texts["card.htm"].startswith("<!DOCTYPE html>")
    assert "Grade F" in texts["card.txt"] and "\x1b" not in texts["card.txt"]
    assert json.loads(texts["card.json"])["schema_version"] == 1


@pytest.mark.parametrize("fmt", ["markdown", "html", "sarif", "badge"])
def test_each_new_format_goes_to_standard_output(
    weak: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "audit", str(weak), "--format", fmt)

    assert code == 0
    assert err == ""
    first = {
        "markdown": "## Portfolio scorecard",
        "html": "<!DOCTYPE html>",
        "sarif": '{\n  "$schema"',
        "badge": '{\n  "schemaVersion": 1',
    }
    assert out.startswith(first[fmt])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "html", "-f", "json", "-f", "sarif", "-o", "{d}/a.html"], "3 --format for 1"),
        (["-f", "html", "-o", "{d}/a.html", "-o", "{d}/b.md"], "1 --format for 2 --output"),
        (["-f", "json", "-f", "json"], "2 --format for 0 --output"),
        (["-o", "{d}/a.md", "-o", "{d}/a.md"], "is given twice"),
    ],
)
def test_mismatched_formats_and_outputs_are_a_usage_error(
    weak: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, "audit", str(weak), *[a.format(d=tmp_path) for a in args])

    assert code == 2
    assert out == ""
    assert err.startswith("auditor: error: ") and err.count("\n") == 1
    assert message in err
    assert not list(tmp_path.glob("*.*")), "nothing is written when the options are wrong"
