"""Drone: ``.drone.yml``: the ``commands`` of each step."""

from __future__ import annotations

from auditor.source.ci.yaml_commands import GenericYamlProvider


class Drone(GenericYamlProvider):
    """Drone configuration files."""

    name = "drone"
    label = "Drone"

    def matches(self, path: str) -> bool:
        return path.lower() in (".drone.yml", ".drone.yaml")


PROVIDER = Drone()
