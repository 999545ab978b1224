"""The source modules of the repository, each summarised by its language.

The checks read these language-neutral summaries (functions with their complexity and
length, classes, imports, the public API, test functions, line counts), never a syntax tree:
a second language needs only a :class:`~auditor.source.languages.Language`, not new checks.
"""

from __future__ import annotations

from auditor.source.languages.python import summary_of
from auditor.source.languages.summary import ModuleSummary
from auditor.source.snapshot import Snapshot, fact


@fact
def module_summaries(snapshot: Snapshot) -> tuple[ModuleSummary, ...]:
    """Every source module outside vendored folders, in the order the snapshot read them.

    Python's are summarised where they are parsed (in worker processes for a large
    repository); Python is the only language read today.
    """
    return tuple(summary_of(module) for module in snapshot.python_modules)


@fact
def code_summaries(snapshot: Snapshot) -> tuple[ModuleSummary, ...]:
    """The modules outside tests: the code the complexity and API rules judge."""
    return tuple(module for module in module_summaries(snapshot) if not module.is_test)
