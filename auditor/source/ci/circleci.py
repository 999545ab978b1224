"""CircleCI: ``.circleci/config.yml``: ``run`` steps, as a string or as ``{name, command}``."""

from __future__ import annotations

from auditor.source.ci.yaml_commands import GenericYamlProvider, parts_of


class CircleCi(GenericYamlProvider):
    """CircleCI configuration files."""

    name = "circleci"
    label = "CircleCI"

    def matches(self, path: str) -> bool:
        _, folder, name = parts_of(path)
        return folder == ".circleci" and name in ("config.yml", "config.yaml")


PROVIDER = CircleCi()
