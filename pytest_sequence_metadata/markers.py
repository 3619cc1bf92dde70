"""The plugin's markers: the help line of each, and the signature its arguments must fit.

As pytest-django validates `django_db` (a function with the marker's signature, called with the mark's
arguments), each marker here has such a function, named after the marker so that Python's own
TypeError reads right; ids are checked against their registry (privacy rules, assumptions,
operations). The plugin checks the tests of each module (and class) it collects: a bad mark fails the
collection of that module with one line per mark, naming the test and the valid ids, never a
misspelled rule that becomes a report row of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Final

import pytest


class _BadMark(Exception):
    """A mark whose arguments fit the signature but name something unknown."""


def sequence_emulator_only() -> None:
    """No arguments."""


def sequence_live_only() -> None:
    """No arguments."""


def sequence_assumption(id: str) -> None:  # the marker's documented parameter name
    from pytest_sequence_metadata.contract.assumptions import ASSUMPTIONS

    _known("assumption", id, ASSUMPTIONS, "pytest_sequence_metadata/contract/assumptions.py")


def sequence_privacy(rule: str) -> None:
    from pytest_sequence_metadata.contract.privacy import PRIVACY_RULES

    _known("privacy rule", rule, PRIVACY_RULES, "pytest_sequence_metadata/contract/privacy.py")


def sequence_operation(*operation_ids: str) -> None:
    from pytest_sequence_metadata.contract.operations import operations

    if not operation_ids:
        raise _BadMark("names no operation; give one or more operation ids of the spec")
    for operation_id in operation_ids:
        _known("operation", operation_id, operations(), "the spec")


def _known(kind: str, value: object, registry: Collection[str], where: str) -> None:
    if value not in registry:
        raise _BadMark(f"unknown {kind} {value!r}; {where} has: {', '.join(registry)}")


@dataclass(frozen=True, slots=True)
class Marker:
    """A marker of the plugin: its arguments as the help shows them, what it means, its signature."""

    arguments: str
    help: str
    signature: Callable[..., None]

    @property
    def name(self) -> str:
        return self.signature.__name__

    @property
    def ini_line(self) -> str:
        """The line for pytest's `markers` setting (what `pytest --markers` shows)."""
        return f"{self.name}{self.arguments}: {self.help}"


MARKERS: Final = (
    Marker("", "the test needs the embedded emulator; skipped against a live API", sequence_emulator_only),
    Marker(
        "",
        "the test needs a live API (--sequence-url); skipped against the emulator",
        sequence_live_only,
    ),
    Marker(
        "(id)",
        "the test checks an emulator assumption (a choice where the docs are silent), reported per "
        "assumption",
        sequence_assumption,
    ),
    Marker(
        "(rule)",
        "the test checks the named privacy rule (an id of pytest_sequence_metadata/contract/privacy.py)",
        sequence_privacy,
    ),
    Marker(
        "(*operation_ids)",
        "the operations (RPC methods or REST routes) the test exercises",
        sequence_operation,
    ),
)
_BY_NAME: Final = {marker.name: marker for marker in MARKERS}


def _written(mark: pytest.Mark) -> str:
    arguments = [repr(a) for a in mark.args] + [f"{k}={v!r}" for k, v in mark.kwargs.items()]
    return f"@pytest.mark.{mark.name}({', '.join(arguments)})"


def problems(items: Iterable[pytest.Item]) -> list[str]:
    """One line per bad mark of the plugin on these items (their modules' and classes' marks too)."""
    lines: dict[str, str] = {}  # the same bad mark on many tests (a module's, parametrized): once
    for item in items:
        for mark in item.iter_markers():
            marker = _BY_NAME.get(mark.name)
            if marker is None:
                continue
            try:
                marker.signature(*mark.args, **mark.kwargs)
            except (TypeError, _BadMark) as error:
                problem = f"{_written(mark)}: {error}"
                if isinstance(error, TypeError):
                    problem += f" (usage: @pytest.mark.{marker.name}{marker.arguments})"
                lines.setdefault(problem, f"{item.nodeid}: {problem}")
    return list(lines.values())


def refuse_bad_marks(report: pytest.CollectReport) -> None:
    """Turn a collector's report into a collection error if a test it made has a bad mark."""
    if not report.passed:
        return
    found = problems(r for r in report.result if isinstance(r, pytest.Item))
    if found:
        report.outcome = "failed"
        report.longrepr = "\n".join(found)
        report.result = []
