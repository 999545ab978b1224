"""The auditor's settings, from the person running it.

Settings come from ``[tool.auditor]`` in ``pyproject.toml`` or from ``auditor.toml`` in the
directory the command runs from, then from the command line, which wins. They are never read
from the repository under audit (unless it is also the working directory): a candidate's repo
must not change its own score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from auditor import _toml as tomllib
from auditor.errors import ConfigError

_KEYS = {"select", "ignore", "fail-under", "rules"}


@dataclass(frozen=True)
class Settings:
    """What to audit with: the rule pack, which rules, and the gate."""

    rules: str = "default"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_under: float | None = None
    source: str | None = None  # the file the settings came from, for messages
    extra: Mapping[str, Any] = field(default_factory=dict)

    def merged(
        self,
        *,
        rules: str | None = None,
        select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        fail_under: float | None = None,
    ) -> Settings:
        """These settings overridden by whatever the command line gave."""
        return replace(
            self,
            rules=rules or self.rules,
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
    unknown = sorted(set(table) - _KEYS - {"exempt", "profile"})
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    rules = table.get("rules", "default")
    if not isinstance(rules, str):
        raise ConfigError(f"{where}: 'rules' must be a pack name or a path")
    if rules.endswith(".toml") and not Path(rules).is_absolute():
        rules = str(base / rules)
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
    )


def _ids(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of rule ids or prefixes")
    return tuple(v.strip().upper() for v in value if v.strip())
