"""Spec drift: how our contract differs from a published upstream OpenAPI document, and which of the
differences are deliberate.

`python -m pytest_sequence_metadata drift UPSTREAM [--spec OURS] [--format text|markdown|json]`

What is compared: operations (matched by method and path, else by operationId / summary / the RPC method
name), and for every matched operation its request body, its success responses and its error responses,
following `$ref`s into nested schemas. Before diffing, both documents are normalised so that the report
speaks of meaning rather than OpenAPI dialect: `nullable: true` (3.0) and `type: [x, "null"]` (3.1) both
become "nullable"; `const` becomes a one-value enum; an enum-only schema takes the type of its values;
`exclusiveMinimum: true` (3.0) and `exclusiveMinimum: <n>` (3.1) become one bound (inclusive for
integers); `example`, `examples` and descriptions are ignored. Error responses are compared per error
(identified by its webrpc code) and per status class (`400` and `4XX` are both 4XX).

Every difference is then looked up in our spec's `x-deviations` (see docs/architecture.md). A deviation
covers a difference when its `kind` fits and its `where` is the difference's location (or the keyword
under it, e.g. `.../required`); when `where` is a property, it also covers what is nested inside that
property; when `where` is a whole component schema, it covers every difference inside that schema; a
`removed` / `added-operation` deviation whose `upstream` / `ours` is a list covers the paths it lists.

JSON output shape (`--format json`)::

    {"ours": {"version", "openapi", "document"}, "upstream": {"version", "openapi", "document"},
     "known": [item, ...], "new": [item, ...]}
    item = {"change", "operation"?, "schema"?, "location", "upstream"?, "ours"?, "deviation"?}

`change` is one of CHANGES; `location` is a JSON pointer into our document, except for things only the
upstream has (`operation-removed`, `error-removed`), where it points into the upstream document;
`operation` is the first operation (in document order) that reaches the difference; `schema` is our
component schema that holds it; `upstream` / `ours` describe each side and are left out where that side
has nothing; `deviation` is the id of the covering deviation (known items only).

Exit status: 0 without new drift, 1 with new drift, 2 on usage errors.
"""

from __future__ import annotations

from pytest_sequence_metadata.tools.drift.cli import add_parser, main
from pytest_sequence_metadata.tools.drift.deviations import (
    DocumentInfo,
    DriftReport,
    classify,
    compare,
    read_deviations,
)
from pytest_sequence_metadata.tools.drift.differ import CHANGES, Change
from pytest_sequence_metadata.tools.drift.documents import Deviation, Document, DriftUsageError, load_document
from pytest_sequence_metadata.tools.drift.normalise import Facts, facts
from pytest_sequence_metadata.tools.drift.render import Format, render, render_markdown, render_text

__all__ = [
    "CHANGES",
    "Change",
    "Deviation",
    "Document",
    "DocumentInfo",
    "DriftReport",
    "DriftUsageError",
    "Facts",
    "Format",
    "add_parser",
    "classify",
    "compare",
    "facts",
    "load_document",
    "main",
    "read_deviations",
    "render",
    "render_markdown",
    "render_text",
]
