"""DOC: configuration read from the environment is documented by an example file.

The reads and the example files are measured in :mod:`auditor.facts.environment`; a README
section on configuration is found by :mod:`auditor.facts.readme`.
"""

from __future__ import annotations

from auditor.checks.registry import primitive
from auditor.facts.environment import env_example_files, environment_reads
from auditor.facts.readme import readme_sections
from auditor.model import Evidence, Outcome
from auditor.source.readme import readme
from auditor.source.snapshot import Snapshot

MAX_NAMED_VARIABLES = 4


@primitive("env_example")
def env_example(snapshot: Snapshot) -> Outcome:
    """When the code reads the environment, an example environment file documents it."""
    reads = [read for read in environment_reads(snapshot) if read.is_configuration]
    if not reads:
        if not snapshot.python_modules:
            return Outcome.skipped("No Python code, so no environment variables to document")
        return Outcome.skipped("The Python code does not read configuration from the environment")
    names = list(dict.fromkeys(r.variable for r in reads if r.variable))
    shown = ", ".join(names[:MAX_NAMED_VARIABLES])
    if len(names) > MAX_NAMED_VARIABLES:
        shown += f", +{len(names) - MAX_NAMED_VARIABLES} more"
    what = f"the environment ({shown})" if names else "the environment"
    examples = env_example_files(snapshot)
    if examples:
        return Outcome.passed(
            f"{examples[0]} documents the environment the code reads"
            + (f" ({shown})" if names else ""),
            tuple(Evidence(p, 1) for p in examples[:3]),
        )
    heading = readme_sections(snapshot)["configuration"]
    document = readme(snapshot)
    if heading is not None and document is not None:
        return Outcome.passed(
            f"'{heading.text}' section at line {heading.line} of {document.path} documents {what}",
            (Evidence(document.path, heading.line, heading.text[:80]),),
        )
    return Outcome.failed(
        f"The code reads {what} but there is no .env.example (or .env.sample, .env.template) "
        "and no README section on configuration or environment variables",
        tuple(Evidence(r.path, r.line, r.note) for r in reads[:5]),
    )
