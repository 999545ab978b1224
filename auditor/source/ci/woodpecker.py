"""Woodpecker: ``.woodpecker.yml`` or ``.woodpecker/*.yml``: the ``commands`` of each step."""

from __future__ import annotations

from auditor.source.ci.yaml_commands import YAML_SUFFIXES, GenericYamlProvider, parts_of


class Woodpecker(GenericYamlProvider):
    """Woodpecker configuration files."""

    name = "woodpecker"
    label = "Woodpecker"

    def matches(self, path: str) -> bool:
        lower, folder, name = parts_of(path)
        if lower in (".woodpecker.yml", ".woodpecker.yaml"):
            return True
        return folder == ".woodpecker" and name.endswith(YAML_SUFFIXES)


PROVIDER = Woodpecker()
