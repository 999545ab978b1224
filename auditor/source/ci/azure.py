"""Azure Pipelines: ``azure-pipelines*.yml`` at the root or any YAML file in a pipelines
folder: ``script``, ``bash``, ``pwsh`` and ``powershell`` steps. The command keys of
``rules/vocabulary/ci.toml`` are read wherever they appear.
"""

from __future__ import annotations

from auditor.source.ci.yaml_commands import YAML_SUFFIXES, GenericYamlProvider, parts_of


class AzurePipelines(GenericYamlProvider):
    """Azure Pipelines configuration files."""

    name = "azure-pipelines"
    label = "Azure Pipelines"

    def matches(self, path: str) -> bool:
        lower, folder, name = parts_of(path)
        if not name.endswith(YAML_SUFFIXES):
            return False
        if not folder:
            return lower.startswith("azure-pipelines")
        return folder in (".azure-pipelines", "azure-pipelines", ".pipelines")


PROVIDER = AzurePipelines()
