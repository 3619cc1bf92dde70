"""The one way the project keeps a registry (assumptions, privacy rules, emulator mutations): entries
by id, in the order given, a duplicate id refused at import."""

from __future__ import annotations

from typing import Protocol, TypeVar


class _Entry(Protocol):
    @property
    def id(self) -> str: ...


E = TypeVar("E", bound=_Entry)


def registry(what: str, *items: E) -> dict[str, E]:
    """`{item.id: item}`; `ValueError("duplicate <what> id '<id>'")` when two items share an id."""
    table: dict[str, E] = {}
    for item in items:
        if item.id in table:
            raise ValueError(f"duplicate {what} id {item.id!r}")
        table[item.id] = item
    return table
