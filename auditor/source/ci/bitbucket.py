"""Bitbucket Pipelines: ``bitbucket-pipelines.yml``: the ``script`` of each step."""

from __future__ import annotations

from auditor.source.ci.yaml_commands import GenericYamlProvider


class BitbucketPipelines(GenericYamlProvider):
    """Bitbucket Pipelines configuration files."""

    name = "bitbucket"
    label = "Bitbucket Pipelines"

    def matches(self, path: str) -> bool:
        return path.lower() in ("bitbucket-pipelines.yml", "bitbucket-pipelines.yaml")


PROVIDER = BitbucketPipelines()
