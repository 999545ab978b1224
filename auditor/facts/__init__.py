"""Measured facts that several rules share, each computed once per snapshot.

A fact is a function of the :class:`~auditor.source.snapshot.Snapshot` decorated with
:func:`~auditor.source.snapshot.fact`: the first caller computes it, later callers get the
same object. Facts read the snapshot and the vocabularies (``rules/vocabulary/``); they never
import checks, rules or renderers. The data walks one way: source -> facts -> checks ->
rules -> scorecard -> renderers.
"""
