"""The names this module held before Python moved behind the language seam.

Python is now :mod:`auditor.source.languages.python` (parsing and tree summaries),
:mod:`~auditor.source.languages.python_lines` (line counts) and
:mod:`~auditor.source.languages.python_workers` (worker processes). Code written against
this module keeps working; new code imports from those.
"""

from __future__ import annotations

from auditor.source.languages.python import (
    ParsedModule,
    PythonModule,
    TreeSummary,
    analyse_module,
    is_test_path,
    module_summary,
    recursion_headroom,
    registered_summaries,
)
from auditor.source.languages.python_lines import count_lines
from auditor.source.languages.python_workers import (
    PARALLEL_MIN_BYTES,
    PendingModules,
    analyse_modules,
    requested_workers,
)
from auditor.source.languages.summary import LineCounts

#: The registry class of tree summaries, now named :class:`TreeSummary` (the language-neutral
#: :class:`~auditor.source.languages.summary.ModuleSummary` is something else).
ModuleSummary = TreeSummary

__all__ = [
    "PARALLEL_MIN_BYTES",
    "LineCounts",
    "ModuleSummary",
    "ParsedModule",
    "PendingModules",
    "PythonModule",
    "TreeSummary",
    "analyse_module",
    "analyse_modules",
    "count_lines",
    "is_test_path",
    "module_summary",
    "recursion_headroom",
    "registered_summaries",
    "requested_workers",
]
