"""The auditor's settings, from the person running it.

Settings come from ``[tool.auditor]`` in ``pyproject.toml`` or from ``auditor.toml`` in the
directory the command runs from, then from the command line, which wins. They are never read
from the repository under audit (unless it is also the working directory): a candidate's repo
must not change its own score.

The one setting about the repository itself is ``exempt`` (rule id -> reason: "a command-line
tool has no screenshots"). It is honoured only when the owner audits their own repository,
that is when the working directory *is* the audited repository (see :func:`exemptions`);
anywhere else, and always in batch mode, it is ignored and the card says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor import _toml as tomllib
from auditor.errors import ConfigError

if TYPE_CHECKING:
    from auditor.source.snapshot import Snapshot

_KEYS = {"select", "ignore", "fail-under", "rules", "profile", "exempt"}
_CONFIG_FILES = ("auditor.toml", "pyproject.toml")


@dataclass(frozen=True)
class Settings:
    """What to audit with: the rule pack, which rules, and the gate."""

    rules: str = "default"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_under: float | None = None
    source: str | None = None  # the file the settings came from, for messages
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: A role profile (a shipped pack's name, or ``auto``); when set it is used, not ``rules``.
    profile: str | None = None
    #: Rule id -> reason, from the settings file of the working directory (see ``exemptions``).
    exempt: Mapping[str, str] = field(default_factory=dict)

    def merged(
        self,
        *,
        rules: str | None = None,
        select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        fail_under: float | None = None,
        profile: str | None = None,
    ) -> Settings:
        """These settings overridden by whatever the command line gave.

        ``--rules`` and ``--profile`` each replace both settings of the file: the command
        line names the pack to use (giving both on the command line is refused before this).
        """
        if rules and profile:
            raise ConfigError("give either --rules or --profile, not both")
        return replace(
            self,
            rules=rules or self.rules,
            profile=profile or (None if rules else self.profile),
            select=tuple(select) or self.select,
            ignore=tuple(ignore) or self.ignore,
            fail_under=self.fail_under if fail_under is None else fail_under,
        )


def load_settings(directory: Path) -> Settings:
    """Settings from ``auditor.toml`` or ``[tool.auditor]`` in ``pyproject.toml`` in a directory."""
    own = directory / "auditor.toml"
    if own.is_file():
        return _from_table(_read_toml(own), own, base=directory)
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        data = _read_toml(pyproject)
        table = data.get("tool", {}).get("auditor") if isinstance(data.get("tool"), dict) else None
        if isinstance(table, dict):
            return _from_table(table, pyproject, base=directory)
    return Settings()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc


def _from_table(table: Mapping[str, Any], path: Path, *, base: Path) -> Settings:
    where = f"{path}" + ("" if path.name == "auditor.toml" else " [tool.auditor]")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    if "rules" in table and "profile" in table:
        raise ConfigError(f"{where}: give either 'rules' or 'profile', not both")
    rules = table.get("rules", "default")
    if not isinstance(rules, str):
        raise ConfigError(f"{where}: 'rules' must be a pack name or a path")
    if rules.endswith(".toml") and not Path(rules).is_absolute():
        rules = str(base / rules)
    profile = table.get("profile")
    if profile is not None and (not isinstance(profile, str) or not profile.strip()):
        raise ConfigError(f"{where}: 'profile' must be a profile name or 'auto'")
    fail_under = table.get("fail-under")
    if fail_under is not None and (
        isinstance(fail_under, bool) or not isinstance(fail_under, int | float)
    ):
        raise ConfigError(f"{where}: 'fail-under' must be a number from 0 to 100")
    return Settings(
        rules=rules,
        select=_ids(table.get("select", []), "select", where),
        ignore=_ids(table.get("ignore", []), "ignore", where),
        fail_under=None if fail_under is None else float(fail_under),
        source=str(path),
        extra={k: v for k, v in table.items() if k not in _KEYS},
        profile=profile.strip() if profile else None,
        exempt=parse_exempt(table.get("exempt", {}), where),
    )


def parse_exempt(value: Any, where: str) -> dict[str, str]:
    """``exempt = {DOC007 = "command-line tool"}``: rule ids (upper-cased) -> reasons."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: 'exempt' must be a table: exempt = {{DOC007 = \"reason\"}}")
    exempt: dict[str, str] = {}
    for rule, reason in value.items():
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where}: exempt {rule}: give the reason as text")
        exempt[rule.strip().upper()] = " ".join(reason.split())
    return exempt


def declared_exemptions(snapshot: Snapshot) -> dict[str, str]:
    """The exemptions a repository declares in its committed settings (tolerant: {} when bad).

    Only used to tell the person running the audit that they were *not* honoured.
    """
    from auditor.source.snapshot import decode_text

    for name in _CONFIG_FILES:
        # One blob, not snapshot.text(): that reads every file of the repository at once,
        # which the Python analysis does while its workers start.
        raw = snapshot.blob(name) if name in snapshot.files else None
        text = decode_text(raw) if raw is not None else None
        if text is None:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return {}
        tool = data.get("tool") if name == "pyproject.toml" else {"auditor": data}
        table = tool.get("auditor") if isinstance(tool, dict) else None
        if isinstance(table, dict):
            try:
                return parse_exempt(table.get("exempt", {}), name)
            except ConfigError:
                return {}
    return {}


def exemptions(
    settings: Settings, snapshot: Snapshot, cwd: Path
) -> tuple[dict[str, str], list[str]]:
    """The exemptions to honour for this audit, and notices about any that are not.

    Honoured only when the working directory is the audited repository: then the settings
    read from the working directory are the repository's own. Otherwise the audited
    repository's declared exemptions, and those of the working directory's settings, are
    ignored, and a notice says so.
    """
    own = _same_directory(cwd, snapshot.root)
    if own:
        return dict(settings.exempt), []
    notices: list[str] = []
    declared = declared_exemptions(snapshot)
    if declared:
        notices.append(
            f"the repository exempts {', '.join(sorted(declared))} from its own audit; "
            "not honoured: exemptions count only when the owner audits the repository from "
            "its own folder"
        )
    if settings.exempt:
        notices.append(
            f"exemptions in {settings.source} ({', '.join(sorted(settings.exempt))}) apply only "
            "to the repository in that folder: not used here"
        )
    return {}, notices


def _same_directory(first: Path, second: Path) -> bool:
    try:
        return first.resolve(strict=True) == second.resolve(strict=True)
    except OSError:
        return False


def _ids(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of rule ids or prefixes")
    return tuple(v.strip().upper() for v in value if v.strip())
