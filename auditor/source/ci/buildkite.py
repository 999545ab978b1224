"""Buildkite: ``.buildkite/*.yml``: the ``command`` or ``commands`` of each step."""

from __future__ import annotations

from auditor.source.ci.yaml_commands import YAML_SUFFIXES, GenericYamlProvider, parts_of


class Buildkite(GenericYamlProvider):
    """Buildkite configuration files."""

    name = "buildkite"
    label = "Buildkite"

    def matches(self, path: str) -> bool:
        _, folder, name = parts_of(path)
        return folder == ".buildkite" and name.endswith(YAML_SUFFIXES)


PROVIDER = Buildkite()
