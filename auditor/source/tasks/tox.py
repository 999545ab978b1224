"""tox configurations: the environments, their commands, and the default environment list.

``tox.ini`` and ``[tox:tox]`` in ``setup.cfg`` are INI, read by :mod:`configparser` on
bounded input (at most :data:`MAX_LINES` lines, lines over :data:`MAX_LINE_CHARS`
characters blanked: the parser is quadratic on long lines). ``tox.toml`` and ``[tool.tox]``
in ``pyproject.toml`` are TOML, read by the guarded TOML reader (a ``legacy_tox_ini`` string
there is INI again). Lines for evidence are found again in the text, as the parsers give none.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from typing import Any

from auditor import _toml
from auditor.source.locator import Locator

MAX_LINES = 10_000
MAX_LINE_CHARS = 4_000
_COMMAND_KEYS = ("commands_pre", "commands")


@dataclass(frozen=True)
class ToxEnv:
    """One environment: the line it is declared on and the commands it runs."""

    line: int
    commands: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ToxConfig:
    """The tox environments of a project (``""`` is the base ``[testenv]``)."""

    path: str
    envs: dict[str, ToxEnv]
    env_list: tuple[str, ...]


def parse_tox(path: str, text: str) -> ToxConfig | None:
    """The tox configuration in ``path``, or None when it configures no tox."""
    if path.endswith(".toml"):
        return _parse_toml(path, text)
    return _parse_ini(path, text)


# ----------------------------------------------------------------------------- INI


def _bounded_lines(text: str) -> list[str]:
    return [line if len(line) <= MAX_LINE_CHARS else "" for line in text.splitlines()[:MAX_LINES]]


def _parse_ini(path: str, text: str, first_line: int = 1) -> ToxConfig | None:
    lines = _bounded_lines(text)
    parser = configparser.ConfigParser(
        interpolation=None, strict=False, default_section="\0no default"
    )
    try:
        parser.read_string("\n".join(lines), source=path)
    except configparser.MissingSectionHeaderError:
        return None
    except configparser.Error:
        pass  # the sections read before the error still count, as tox reads them
    headers = _ini_headers(lines)
    locator = Locator("\n".join(lines))
    envs: dict[str, ToxEnv] = {}
    env_list: list[str] = []
    seen_tox = False
    for section in parser.sections():
        name = section.strip()
        if name in ("tox", "tox:tox"):
            seen_tox = True
            values = parser[section]
            env_list.extend(_tox_names(values.get("envlist") or values.get("env_list") or ""))
            continue
        env = _env_name(name, ("testenv:",), ("testenv",))
        if env is None or env in envs:
            continue
        seen_tox = True
        header = headers.get(section, 0)
        locator.seek(header + 1 if header else 1)
        commands = []
        for key in _COMMAND_KEYS:
            value = parser[section].get(key) or parser[section].get(key.replace("_", "-"))
            for command in (value or "").splitlines():
                if command.strip():
                    line = locator.value(command.strip())
                    commands.append((line + first_line - 1, command.strip()))
        envs[env] = ToxEnv((header or 1) + first_line - 1, tuple(commands))
    if not seen_tox:
        return None
    return ToxConfig(path, envs, tuple(dict.fromkeys(env_list)))


def _ini_headers(lines: list[str]) -> dict[str, int]:
    """The line of each ``[section]`` header (first wins)."""
    headers: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            headers.setdefault(stripped[1:-1], number)
    return headers


# ----------------------------------------------------------------------------- TOML


def _parse_toml(path: str, text: str) -> ToxConfig | None:
    try:
        data: Any = _toml.loads(text)
    except _toml.TOMLDecodeError:
        return None
    prefix = ""
    if path.endswith("pyproject.toml"):
        tool = data.get("tool")
        data = tool.get("tox") if isinstance(tool, dict) else None
        if not isinstance(data, dict):
            return None
        prefix = "tool.tox."
        legacy = data.get("legacy_tox_ini")
        if isinstance(legacy, str):
            start = text.find(legacy[: min(len(legacy), 200)])
            first = text.count("\n", 0, start) + 1 if start >= 0 else 1
            return _parse_ini(path, legacy, first)
    lines = text.splitlines()[:MAX_LINES]
    locator = Locator(text)
    envs: dict[str, ToxEnv] = {}
    base = data.get("env_run_base")
    if isinstance(base, dict):
        envs[""] = _toml_env(locator, lines, f"{prefix}env_run_base", base)
    tables = data.get("env")
    for name, table in tables.items() if isinstance(tables, dict) else ():
        if isinstance(table, dict):
            envs[str(name)] = _toml_env(locator, lines, f"{prefix}env.{name}", table)
    env_list = data.get("env_list") or data.get("envlist") or []
    names = [str(n) for n in env_list] if isinstance(env_list, list) else []
    return ToxConfig(path, envs, tuple(dict.fromkeys(n for raw in names for n in _tox_names(raw))))


def _toml_env(locator: Locator, lines: list[str], table: str, env: dict[str, Any]) -> ToxEnv:
    header = next(
        (n for n, line in enumerate(lines, start=1) if _is_header(line.strip(), table)), 0
    )
    locator.seek(header or 1)
    commands = []
    for key in _COMMAND_KEYS:
        value = env.get(key) or env.get(key.replace("_", "-"))
        if isinstance(value, list):
            locator.value(key)
        for command in value if isinstance(value, list) else ():
            words = command if isinstance(command, list) else [command]
            shown = " ".join(w for w in words if isinstance(w, str))
            if shown.strip():
                first = next(w for w in words if isinstance(w, str) and w.strip())
                commands.append((locator.value(f'"{first}"'), shown))
    return ToxEnv(header or 1, tuple(commands))


def _is_header(line: str, table: str) -> bool:
    if not (line.startswith("[") and line.endswith("]")):
        return False
    return line[1:-1].strip().replace('"', "") == table


# ----------------------------------------------------------------------------- names


def _env_name(name: str, prefixes: tuple[str, ...], bases: tuple[str, ...]) -> str | None:
    if name in bases:
        return ""
    for prefix in prefixes:
        if name.startswith(prefix):
            return name[len(prefix) :].strip()
    return None


_BRACES = re.compile(r"\{([^{}]*)\}")
_SEPARATORS = re.compile(r"[\s,\[\]\"']+")


def _tox_names(value: str) -> list[str]:
    """Environment names of an env list; ``py{311,312}-django`` stands for its first expansion."""
    value = _BRACES.sub(lambda m: m.group(1).split(",")[0].strip(), value)
    return [n for n in _SEPARATORS.split(value) if n]
