"""The drift report as text, Markdown or JSON."""

from __future__ import annotations

import json
from typing import Any, Literal

from pytest_sequence_metadata.tools.drift.deviations import DocumentInfo, DriftReport
from pytest_sequence_metadata.tools.drift.differ import Change

Format = Literal["text", "markdown", "json"]


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(v if isinstance(v, str) else json.dumps(v) for v in value) or "(none)"
    return json.dumps(value)


def _version(info: DocumentInfo) -> str:
    return info.version if info.version else "(no version)"


def _text_line(change: Change) -> str:
    context = ", ".join(x for x in (change.schema, change.operation and f"via {change.operation}") if x)
    line = f"  {change.change:<20} {change.location}"
    if context:
        line += f" ({context})"
    line += f": upstream {_value(change.upstream)} -> ours {_value(change.ours)}"
    if change.deviation is not None:
        line += f" [{change.deviation.id}]"
    return line


def render_text(report: DriftReport) -> str:
    lines = [
        f"Spec drift: ours {_version(report.ours)} (OpenAPI {report.ours.openapi}, {report.ours.document})",
        f"      against upstream {_version(report.upstream)} (OpenAPI {report.upstream.openapi}, "
        f"{report.upstream.document})",
        f"New drift: {len(report.new)}",
        *(_text_line(c) for c in report.new),
        f"Known (recorded in x-deviations): {len(report.known)}",
        *(_text_line(c) for c in report.known),
    ]
    if report.new:
        lines.append("New drift: fix our spec, or record each difference in its x-deviations.")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    text = _value(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 120 else text[:117] + "..."


def _md_table(changes: list[Change], *, known: bool) -> list[str]:
    last = "Deviation" if known else "Operation"
    rows = [f"| Change | Location | Upstream | Ours | {last} |", "|---|---|---|---|---|"]
    for c in changes:
        tail = f"`{c.deviation.id}`" if known and c.deviation else _cell(c.operation)
        rows.append(
            f"| {c.change} | `{_cell(c.location)}` | {_cell(c.upstream)} | {_cell(c.ours)} | {tail} |"
        )
    return rows


def render_markdown(report: DriftReport) -> str:
    verdict = "no new drift" if not report.new else f"**{len(report.new)} new difference(s)**"
    lines = [
        "### Spec drift against the upstream document",
        "",
        f"Ours `{_version(report.ours)}` (OpenAPI {report.ours.openapi}) against upstream "
        f"`{_version(report.upstream)}` (OpenAPI {report.upstream.openapi}): {verdict}, "
        f"{len(report.known)} known (recorded in `x-deviations`).",
        "",
    ]
    if report.new:
        lines += [
            "#### New drift",
            "",
            "Fix `specs/sequence-metadata.yaml`, or record each difference in its `x-deviations`.",
            "",
            *_md_table(report.new, known=False),
            "",
        ]
    if report.known:
        lines += [
            f"<details><summary>Known differences ({len(report.known)})</summary>",
            "",
            *_md_table(report.known, known=True),
            "",
            "</details>",
            "",
        ]
    return "\n".join(lines)


def render(report: DriftReport, fmt: Format) -> str:
    if fmt == "json":
        return json.dumps(report.as_json(), indent=2, default=str) + "\n"
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report)
