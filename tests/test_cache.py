"""The results cache: a re-audit of an unchanged repository returns the stored scorecard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor import __version__, cache
from auditor.cli import main
from auditor.config import Settings
from auditor.render import FORMATS, RenderOptions, render
from auditor.render.json import scorecard_from_dict, scorecard_to_dict
from auditor.source import snapshot as snapshot_module
from tests.factory import RepoBuilder, make_repo
from tests.projects import build_strong_project, build_weak_project

RENDERED_FORMATS = tuple(FORMATS)


@pytest.fixture(scope="module")
def strong(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_strong_project(tmp_path_factory.mktemp("strong") / "ledgerline").path


@pytest.fixture(scope="module")
def weak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_weak_project(tmp_path_factory.mktemp("weak") / "calculator").path


@pytest.fixture(autouse=True)
def neutral_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every command from an empty directory, so no settings file applies by accident."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def audit_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code = main(["audit", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


# ------------------------------------------------------------------------------ round trip


@pytest.mark.parametrize("project", ["strong", "weak"])
def test_a_card_survives_the_json_round_trip_in_every_format(
    project: str, request: pytest.FixtureRequest
) -> None:
    from auditor.engine import audit
    from auditor.rulepack import load_pack
    from auditor.source.snapshot import Snapshot

    card = audit(Snapshot.open(request.getfixturevalue(project)), load_pack())
    stored = json.loads(json.dumps(scorecard_to_dict(card)))

    rebuilt = scorecard_from_dict(stored)

    assert scorecard_to_dict(rebuilt) == stored
    options = RenderOptions(color=False, width=100)
    for fmt in RENDERED_FORMATS:
        assert render(rebuilt, fmt, options) == render(card, fmt, options), fmt


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(schema_version=2),
        lambda d: d.pop("findings"),
        lambda d: d["findings"][0].update(status="maybe"),
        lambda d: d["findings"][0].update(score="high"),
        lambda d: d["findings"][0]["evidence"].append({"path": 3}),
        lambda d: d["next_steps"].append({"rule": "XYZ999", "points": 1.0}),
        lambda d: d["repo"].update(kind=None),
        lambda d: d.update(score=True),
        lambda d: d.update(notices=[1]),
    ],
)
def test_a_damaged_card_is_refused(weak: Path, damage: object) -> None:
    from auditor.engine import audit
    from auditor.rulepack import load_pack
    from auditor.source.snapshot import Snapshot

    data = json.loads(json.dumps(scorecard_to_dict(audit(Snapshot.open(weak), load_pack()))))
    damage(data)  # type: ignore[operator]

    with pytest.raises(ValueError):
        scorecard_from_dict(data)


# ------------------------------------------------------------------------------ hits and misses


def test_an_unchanged_repository_gets_the_stored_card(
    weak: Path, private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = audit_json(capsys, str(weak))
    assert len(entries(private_cache)) == 1

    second = audit_json(capsys, str(weak))

    assert second == first  # timings and audited_at included: nothing was audited again


def test_the_hit_reads_no_tree_and_no_blob(
    weak: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = audit_json(capsys, str(weak))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the repository was read")

    monkeypatch.setattr(snapshot_module.Snapshot, "open", classmethod(refuse))
    assert audit_json(capsys, str(weak)) == first


def test_a_new_commit_misses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "app")
    repo.commit("Add the app", {"app.py": "def run() -> int:\n    return 1\n"})
    first = audit_json(capsys, str(repo.path))

    head = repo.commit("Add a helper", {"helper.py": "def help() -> int:\n    return 2\n"})
    second = audit_json(capsys, str(repo.path))

    assert second["repo"]["head"] == head != first["repo"]["head"]  # type: ignore[index]
    assert second["signals"]["python"]["files"] == 2  # type: ignore[index]


def test_a_changed_rule_pack_misses(
    weak: Path, tmp_path: Path, private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "mine.toml"
    pack.write_text(
        '[pack]\nname = "mine"\nextends = "default"\n\n[categories.DOC]\nweight = 1\n',
        encoding="utf-8",
    )
    first = audit_json(capsys, str(weak), "--rules", str(pack))

    pack.write_text(pack.read_text("utf-8").replace("weight = 1", "weight = 5"), "utf-8")
    second = audit_json(capsys, str(weak), "--rules", str(pack))

    weights = [{c["id"]: c["weight"] for c in card["categories"]} for card in (first, second)]  # type: ignore[attr-defined]
    assert (weights[0]["DOC"], weights[1]["DOC"]) == (1.0, 5.0)
    assert len(entries(private_cache)) == 2


def test_a_pack_it_extends_by_path_is_part_of_the_key(tmp_path: Path) -> None:
    base = tmp_path / "base.toml"
    base.write_text('[pack]\nname = "base"\nextends = "default"\n', encoding="utf-8")
    mine = tmp_path / "mine.toml"
    mine.write_text('[pack]\nname = "mine"\nextends = "base.toml"\n', encoding="utf-8")
    repo = make_repo(tmp_path / "app")
    repo.commit("Add the app", {"app.py": "x = 1\n"})
    settings = Settings(rules=str(mine))

    before = cache.audit_key(repo.path, settings, tmp_path)
    base.write_text(base.read_text("utf-8") + "\n[grades]\nA = 95\n", encoding="utf-8")
    after = cache.audit_key(repo.path, settings, tmp_path)

    assert before is not None and after is not None and before.digest != after.digest


def test_other_settings_miss(weak: Path, capsys: pytest.CaptureFixture[str]) -> None:
    everything = audit_json(capsys, str(weak))
    docs = audit_json(capsys, str(weak), "--select", "DOC")
    profiled = audit_json(capsys, str(weak), "--profile", "backend")

    assert {f["rule"][:3] for f in docs["findings"]} == {"DOC"}  # type: ignore[attr-defined]
    assert len(everything["findings"]) > len(docs["findings"])  # type: ignore[arg-type]
    assert profiled["profile"] == "backend"


@pytest.mark.parametrize(
    "content",
    [
        b"{ not json",
        b"",
        b"[]",
        json.dumps({"format": 1, "key": "someone else's", "card": {}}).encode(),
    ],
)
def test_a_corrupt_or_foreign_entry_is_ignored_and_replaced(
    weak: Path, private_cache: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    first = audit_json(capsys, str(weak))
    (entry,) = entries(private_cache)
    entry.write_bytes(content)

    again = audit_json(capsys, str(weak))

    assert again["score"] == first["score"]
    assert again["timings"] != first["timings"] or again["audited_at"] != first["audited_at"]
    stored = json.loads(entry.read_text("utf-8"))
    assert stored["card"]["timings"] == again["timings"]


def test_an_entry_for_another_version_or_head_is_ignored(
    weak: Path, private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit_json(capsys, str(weak))
    (entry,) = entries(private_cache)
    key = cache.audit_key(weak, Settings(), Path.cwd())
    assert key is not None
    stored = json.loads(entry.read_text("utf-8"))

    for field, value in (("tool", {"name": "portfolio-auditor", "version": "0.0.0"}),):
        tampered = json.loads(json.dumps(stored))
        tampered["card"][field] = value
        entry.write_text(json.dumps(tampered), "utf-8")
        assert cache.load(key) is None
    tampered = json.loads(json.dumps(stored))
    tampered["card"]["repo"]["head"] = "0" * 40
    entry.write_text(json.dumps(tampered), "utf-8")
    assert cache.load(key) is None
    entry.write_text(json.dumps(stored), "utf-8")
    card = cache.load(key)
    assert card is not None and card.tool_version == __version__


def test_no_cache_does_not_read_but_stores(
    weak: Path, private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = audit_json(capsys, str(weak), "--no-cache")
    assert len(entries(private_cache)) == 1
    assert audit_json(capsys, str(weak)) == first  # the next plain run reuses it

    fresh = audit_json(capsys, str(weak), "--no-cache")

    assert fresh["audited_at"] != first["audited_at"] or fresh["timings"] != first["timings"]
    assert audit_json(capsys, str(weak)) == fresh  # and the fresh card replaced it


def test_a_plain_directory_is_never_cached(
    tmp_path: Path, private_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "app.py").write_text("x = 1\n", encoding="utf-8")

    audit_json(capsys, str(folder))

    assert entries(private_cache) == []
    assert cache.audit_key(folder, Settings(), tmp_path) is None


def test_the_cache_folder_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AUDITOR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "portfolio-auditor"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "portfolio-auditor"


def test_an_unwritable_cache_does_not_fail_the_audit(
    weak: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be", "utf-8")
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(blocker / "cache"))

    card = audit_json(capsys, str(weak))

    assert card["repo"]["name"] == "calculator"  # type: ignore[index]


def test_exemptions_are_part_of_the_key(tmp_path: Path, repo: RepoBuilder) -> None:
    repo.commit("Add the app", {"app.py": "x = 1\n"})
    plain = cache.audit_key(repo.path, Settings(), repo.path)
    exempt = cache.audit_key(repo.path, Settings(exempt={"DOC007": "a CLI"}), repo.path)
    elsewhere = cache.audit_key(repo.path, Settings(exempt={"DOC007": "a CLI"}), tmp_path)

    digests = {k.digest for k in (plain, exempt, elsewhere) if k is not None}
    assert len(digests) == 3
