"""The pytest plugin: hooks only in `plugin.py` (the `pytest11` entry point `sequence_metadata`), the
fixtures, settings with provenance, the per-run `Runtime`, the cleanup ledger and sweep, the request journal,
traffic accounting, the report and the guards around a live target. May import every other layer.

Named `pytest` after its job, as schemathesis names its `schemathesis.pytest`; absolute imports keep
`import pytest` inside it meaning pytest itself.
"""
