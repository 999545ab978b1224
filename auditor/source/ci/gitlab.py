"""GitLab CI: ``.gitlab-ci.yml`` and the local files it includes, read as the runner reads them.

The pipeline is the top-level keys that are not global keywords and do not start with a dot
(hidden jobs are templates); a job's ``extends`` (a name or a list, followed up to
:data:`MAX_EXTENDS` levels) deep-merges its templates under it, and ``include:`` of local files
(``include: ci/test.yml``, ``- local: /ci/test.yml``) adds their jobs first, the including
file winning. A job runs ``before_script`` (its own, or the default one) and ``script``;
``after_script`` runs too but its failure does not fail the job, nor does any command's
under ``allow_failure: true``; ``when: manual`` only runs when started by hand. Scripts run
with ``set -e``: the first failing command fails the job.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Sequence
from typing import Any

from auditor.source.ci.interface import (
    MANUAL,
    MAX_COMMANDS_PER_FILE,
    NEVER,
    NOT_READ,
    CiCommand,
    CiReadError,
    CiReading,
    ReadText,
    Trigger,
)
from auditor.source.ci.yaml_commands import (
    VOCABULARY,
    CommandSink,
    GenericYamlProvider,
    documents,
    parts_of,
)
from auditor.source.locator import Locator
from auditor.vocabulary import term_set

MAX_INCLUDES = 50
MAX_EXTENDS = 11  # GitLab's own limit


class _Located(list[CiCommand]):
    """The commands a command key's value holds, located in their file (replaces the value)."""


def _located_data(provider: str, path: str, text: str) -> dict[str, Any]:
    """The file's top-level mapping, each command key's value replaced by its commands."""
    command_keys = term_set(VOCABULARY, "command_keys")
    sink = CommandSink(provider, path, text, errexit=True)

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in list(node.items()):
                if key in command_keys and not isinstance(value, _Located):
                    start = len(sink.commands)
                    sink.shell(key, value, walk)
                    node[key] = _Located(sink.commands[start:])
                elif not isinstance(value, _Located):
                    walk(value)

    merged: dict[str, Any] = {}
    for document in documents(text):
        walk(document.data)
        if isinstance(document.data, dict):
            merged.update({str(k): v for k, v in document.data.items()})
    return merged


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on ``base``: mappings merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        both = isinstance(old, dict) and isinstance(value, dict)
        merged[key] = _deep_merge(old, value) if both else value  # type: ignore[arg-type]
    return merged


def _local_includes(value: Any) -> list[str]:
    """The repository paths an ``include:`` value names (remote and project ones left out)."""
    items = value if isinstance(value, list) else [value]
    paths = []
    for item in items:
        local = item if isinstance(item, str) else None
        if isinstance(item, dict):
            local = item.get("local") if isinstance(item.get("local"), str) else None
        if not local or "://" in local or "*" in local:
            continue
        path = posixpath.normpath(local.strip().lstrip("/"))
        if not path.startswith(".."):
            paths.append(path)
    return paths


def _remote_includes(value: Any) -> list[str]:
    """What an ``include:`` value brings from outside the repository, named as a CI action
    is (``group/project:/ci/tox.yml``, a remote URL, a GitLab template): like a GitHub
    ``uses:``, its jobs are judged by their name."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, str) and "://" in item:
            names.append(item)
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("remote"), str):
            names.append(item["remote"])
        if isinstance(item.get("template"), str):
            names.append(f"template:{item['template']}")
        project, files = item.get("project"), item.get("file")
        if isinstance(project, str):
            for file in files if isinstance(files, list) else [files]:
                if isinstance(file, str):
                    names.append(f"{project}:{file}")
    return [name[:200] for name in names[:MAX_INCLUDES]]


def _manual_or_never(job: dict[str, Any], name: str, path: str) -> Trigger | None:
    """``when: manual``/``when: never``, on the job or on every one of its ``rules``."""
    whens = [job.get("when")]
    rules = job.get("rules")
    if isinstance(rules, list) and rules and all(isinstance(r, dict) for r in rules):
        whens = [r.get("when") for r in rules]
    if whens and all(w == "never" for w in whens):
        return Trigger(NEVER, f"its job `{name}` has `when: never`", path)
    if whens and all(w in ("manual", "never") for w in whens):
        return Trigger(MANUAL, f"its job `{name}` only runs when started by hand", path)
    return None


class GitLabCi(GenericYamlProvider):
    """GitLab CI configuration files."""

    name = "gitlab-ci"
    label = "GitLab CI"
    errexit = True

    def matches(self, path: str) -> bool:
        lower, _, _ = parts_of(path)
        return lower in (".gitlab-ci.yml", ".gitlab-ci.yaml")

    def read(self, paths: Sequence[str], text_of: ReadText) -> CiReading:
        """The jobs of the pipeline, with their templates and local includes resolved."""
        commands: list[CiCommand] = []
        unreadable: list[tuple[str, str]] = []
        for path in paths:
            remote: list[CiCommand] = []
            config, where = self._config(path, text_of, unreadable, remote)
            commands.extend(remote)
            commands.extend(self._jobs(config, where))
        return CiReading(tuple(commands), tuple(unreadable))

    def _config(
        self,
        root: str,
        text_of: ReadText,
        unreadable: list[tuple[str, str]],
        remote: list[CiCommand],
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The merged configuration, and the file each top-level key was last set in;
        what is included from outside the repository goes to ``remote``, as actions."""
        seen: set[str] = set()

        def load(path: str, depth: int) -> tuple[dict[str, Any], dict[str, str]]:
            if path in seen or len(seen) >= MAX_INCLUDES or depth > MAX_EXTENDS:
                return {}, {}
            seen.add(path)
            text = text_of(path)
            if text is None:
                unreadable.append((path, NOT_READ if path == root else "included, but missing"))
                return {}, {}
            try:
                data = _located_data(self.name, path, text)
            except CiReadError as exc:
                unreadable.append((path, str(exc)))
                return {}, {}
            config: dict[str, Any] = {}
            where: dict[str, str] = {}
            line = Locator(text).key("include") if "include" in data else 1
            for name in _remote_includes(data.get("include")):
                remote.append(CiCommand(self.name, path, line, name, action=True))
            for included in _local_includes(data.get("include")):
                more, more_where = load(included, depth + 1)
                config = _deep_merge(config, more)
                where.update(more_where)
            config = _deep_merge(config, data)
            where.update(dict.fromkeys(data, path))
            return config, where

        return load(root, 0)

    def _jobs(self, config: dict[str, Any], where: dict[str, str]) -> list[CiCommand]:
        global_keys = term_set(VOCABULARY, "gitlab_global_keywords")
        default = config.get("default")
        default = default if isinstance(default, dict) else {}
        before = default.get("before_script", config.get("before_script"))
        after = default.get("after_script", config.get("after_script"))
        found: list[CiCommand] = []
        resolved: dict[str, dict[str, Any]] = {}
        for name, job in config.items():
            if len(found) >= MAX_COMMANDS_PER_FILE:
                break
            if name in global_keys or name.startswith(".") or not isinstance(job, dict):
                continue
            job = self._extended(config, job, 0, resolved)
            path = where.get(name, "")
            trigger = _manual_or_never(job, name, path) or Trigger()
            tolerated = ""
            if job.get("allow_failure") is True:
                tolerated = f"`allow_failure: true` on its job `{name}`"
            after_failing = "it runs in `after_script`, whose failure does not fail the job"
            for key, fallback, reason in (
                ("before_script", before, tolerated),
                ("script", None, tolerated),
                ("after_script", after, after_failing),
            ):
                value = job.get(key, fallback)
                for command in value if isinstance(value, _Located) else ():
                    found.append(dataclasses.replace(command, trigger=trigger, tolerated=reason))
        return found

    def _extended(
        self,
        config: dict[str, Any],
        job: dict[str, Any],
        depth: int,
        resolved: dict[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """``job`` with the templates it ``extends`` merged under it (each resolved once)."""
        resolved = {} if resolved is None else resolved
        parents = job.get("extends")
        names = [parents] if isinstance(parents, str) else parents
        if not isinstance(names, list) or depth >= MAX_EXTENDS:
            return job
        merged: dict[str, Any] = {}
        for parent in names[:MAX_EXTENDS]:
            template = config.get(parent) if isinstance(parent, str) else None
            if not isinstance(template, dict):
                continue
            if parent not in resolved:
                resolved[parent] = {}  # a template extending itself ends here
                resolved[parent] = self._extended(config, template, depth + 1, resolved)
            merged = _deep_merge(merged, resolved[parent])
        return _deep_merge(merged, job)


PROVIDER = GitLabCi()
