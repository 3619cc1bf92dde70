"""Command-line tools behind `python -m pytest_sequence_metadata`: spec drift against an upstream
document (`drift`) and the comparison of two conformance reports (`report_diff`). They import the contract
only.
"""
