"""Our spec's `x-deviations`: which differences are deliberate (known) and which are new drift."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_sequence_metadata.tools.drift.differ import CHANGES, Change, Differ
from pytest_sequence_metadata.tools.drift.documents import Deviation, Document, component_name

# Deviation kinds whose `where` also covers what lies below it (a property's items, a body under /paths).
# `other` is too broad for that: `examples-replaced` at /paths would hide every new difference.
_NESTING_KINDS = frozenset({"wire-name", "type", "required", "nullable", "enum", "error"})
_LISTING_KINDS = {"removed": "upstream", "added-operation": "ours"}


@dataclass(slots=True)
class DocumentInfo:
    version: str
    openapi: str
    document: str

    def as_json(self) -> dict[str, str]:
        return {"version": self.version, "openapi": self.openapi, "document": self.document}


@dataclass(slots=True)
class DriftReport:
    ours: DocumentInfo
    upstream: DocumentInfo
    known: list[Change] = field(default_factory=list)
    new: list[Change] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.new else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "ours": self.ours.as_json(),
            "upstream": self.upstream.as_json(),
            "known": [c.as_json() for c in self.known],
            "new": [c.as_json() for c in self.new],
        }


def read_deviations(document: Document) -> list[Deviation]:
    found = []
    for entry in document.raw.get("x-deviations") or []:
        where = entry.get("where") if isinstance(entry, Mapping) else None
        places = (where,) if isinstance(where, str) else tuple(where) if isinstance(where, list) else ()
        if places and all(isinstance(place, str) for place in places):
            found.append(
                Deviation(
                    id=str(entry.get("id", "")),
                    kind=str(entry.get("kind", "")),
                    where=places,
                    upstream=entry.get("upstream"),
                    ours=entry.get("ours"),
                    reason=str(entry.get("reason", "")),
                )
            )
    return found


def _strength(deviation: Deviation, change: Change, schema_names: set[str]) -> int:
    """How well a deviation covers a change: 0 not at all, higher is more specific."""
    return max(_strength_at(deviation, where, change, schema_names) for where in deviation.where)


def _strength_at(deviation: Deviation, where: str, change: Change, schema_names: set[str]) -> int:
    # An `error` deviation speaks for everything about that error, whatever the change.
    kinds = CHANGES[change.change] | {"error"}
    listing = _LISTING_KINDS.get(deviation.kind)
    if listing is not None and isinstance(getattr(deviation, listing), list):
        listed = {str(n) for n in getattr(deviation, listing)}
        if deviation.kind in kinds and listed & set(change.names):
            return 3
        return 0
    if change.upstream_only:
        # `where` of a removal points into the upstream document; other kinds point into ours,
        # where the same pointer may name something else (our ErrorNotFound, still defined).
        return 5 if deviation.kind == "removed" and where == change.location else 0
    if deviation.kind in kinds and where == change.location:
        return 5
    if deviation.kind in kinds and where in change.pointers:
        return 4
    if (
        deviation.kind in kinds
        and deviation.kind in _NESTING_KINDS
        and change.location.startswith(where + "/")
    ):
        return 2
    # A deviation pointing at a whole schema covers every difference inside it.
    if component_name(where) in schema_names and (
        change.location == where or change.location.startswith(where + "/")
    ):
        return 1
    return 0


def classify(
    changes: Iterable[Change], deviations: list[Deviation], schema_names: set[str]
) -> tuple[list[Change], list[Change]]:
    known: list[Change] = []
    new: list[Change] = []
    for change in changes:
        best, best_strength = None, 0
        for deviation in deviations:
            strength = _strength(deviation, change, schema_names)
            if strength > best_strength:
                best, best_strength = deviation, strength
        change.deviation = best
        (known if best is not None else new).append(change)
    return known, new


def compare(ours: Document, upstream: Document) -> DriftReport:
    """Diff the two documents and sort the differences into known (recorded) and new."""
    changes = Differ(ours, upstream).run()
    changes.sort(key=lambda c: (c.location, c.change))
    schema_names = set((ours.raw.get("components") or {}).get("schemas") or {})
    known, new = classify(changes, read_deviations(ours), schema_names)
    return DriftReport(
        ours=DocumentInfo(ours.version, ours.openapi, ours.source),
        upstream=DocumentInfo(upstream.version, upstream.openapi, upstream.source),
        known=known,
        new=new,
    )
