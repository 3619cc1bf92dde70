"""A pytest plugin for the self-check's runs: `--select-marked=NAME` (repeatable) keeps only the tests
marked with one of the names, as an operation (`sequence_operation`, the module's too), a privacy rule
(`sequence_privacy`) or an assumption (`sequence_assumption`): the tests of what a mutation breaks."""

from __future__ import annotations

import pytest

_MARKERS = ("sequence_operation", "sequence_privacy", "sequence_assumption")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--select-marked", action="append", default=[], metavar="NAME")


def marked(item: pytest.Item) -> set[str]:
    return {str(arg) for name in _MARKERS for mark in item.iter_markers(name) for arg in mark.args}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = set(config.getoption("select_marked"))
    if not wanted:
        return
    keep = [item for item in items if marked(item) & wanted]
    dropped = [item for item in items if not marked(item) & wanted]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep
