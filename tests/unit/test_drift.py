"""Spec drift (`python -m pytest_sequence_metadata drift`) against small fixture documents.

`data/drift/upstream.json` is an upstream-like OpenAPI 3.0 document and `data/drift/ours.yaml` an
ours-like 3.1 one with `x-deviations`; between them they hold one example of each kind of change, some
recorded as deviations and some not, plus dialect-only differences that must not count as drift.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_sequence_metadata import drift
from pytest_sequence_metadata.__main__ import main as cli_main
from pytest_sequence_metadata.contract.spec import spec_path

DATA = Path(__file__).parent / "data" / "drift"
UPSTREAM = DATA / "upstream.json"
OURS = DATA / "ours.yaml"
ITEM_KEYS = {"change", "operation", "schema", "location", "upstream", "ours", "deviation"}
WIDGET = "/components/schemas/Widget"


def _raw(path: Path) -> dict[str, Any]:
    loaded = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture
def ours() -> dict[str, Any]:
    return _raw(OURS)


@pytest.fixture
def upstream() -> dict[str, Any]:
    return _raw(UPSTREAM)


def compare(ours: dict[str, Any], upstream: dict[str, Any]) -> drift.DriftReport:
    return drift.compare(drift.Document(ours, "ours"), drift.Document(upstream, "upstream"))


def pairs(changes: list[drift.Change]) -> set[tuple[str, str]]:
    return {(c.change, c.location) for c in changes}


def by_location(changes: list[drift.Change]) -> dict[tuple[str, str], drift.Change]:
    return {(c.change, c.location): c for c in changes}


# Differences -----------------------------------------------------------------------------------


def test_new_drift_is_exactly_the_unrecorded_differences(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    report = compare(ours, upstream)
    assert pairs(report.new) == {
        ("operation-removed", "/paths/~1rpc~1Collections~1Archive/post"),
        ("operation-moved", "/paths/~1rpc~1Collections~1ForgetWidget/post"),
        ("operation-added", "/paths/~1widgets~1{widgetId}~1raw/get"),
        ("field-added", f"{WIDGET}/properties/createdAt"),
        ("field-removed", f"{WIDGET}/properties/legacy"),
        ("type-changed", f"{WIDGET}/properties/weight"),
        ("enum-changed", f"{WIDGET}/properties/status"),
        ("required-changed", f"{WIDGET}/required"),
        ("field-renamed", "/components/schemas/Part/properties/label"),
        ("error-added", "/components/schemas/ErrorTaskFailed"),
    }
    assert report.exit_code == 1


def test_known_differences_name_the_deviation_that_covers_them(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    known = {
        key: c.deviation.id for key, c in by_location(compare(ours, upstream).known).items() if c.deviation
    }
    expected = {
        ("operation-removed", "/paths/~1rpc~1Metadata~1Ping/post"): "metadata-service-removed",
        ("operation-added", "/paths/~1widgets~1{widgetId}/get"): "route-GetPublicWidget",
        ("required-changed", "/paths/~1rpc~1Collections~1GetWidget/post/requestBody/required"): (
            "request-body-required"
        ),
        ("type-changed", "/components/schemas/GetWidgetRequest/properties/widgetId"): (
            "type-GetWidgetRequest-widgetId"
        ),
        ("required-changed", "/components/schemas/GetWidgetRequest/required"): "required-GetWidgetRequest",
        ("type-changed", f"{WIDGET}/properties/id"): "type-Widget-id",
        ("field-renamed", f"{WIDGET}/properties/external_link"): "wire-Widget-external_link",
        # A property deviation covers what is nested in the property.
        ("type-changed", f"{WIDGET}/properties/settings/additionalProperties"): "type-Widget-settings",
        ("nullable-changed", f"{WIDGET}/properties/updatedAt"): "nullable-Widget-updatedAt",
        (
            "required-changed",
            "/components/schemas/SaveWidgetResponse/required",
        ): "required-SaveWidgetResponse",
        ("error-renamed", "/components/schemas/ErrorClientAborted"): "error-client-aborted",
        ("error-status-changed", "/components/schemas/ErrorFail"): "error-Fail",
        ("enum-changed", "/components/schemas/ErrorNotFound/properties/code"): "error-NotFound-const",
        ("error-added", "/components/schemas/ErrorInternal"): "error-Internal-added",
    }
    assert {key: known.get(key) for key in expected} == expected


def test_a_whole_schema_deviation_covers_every_change_inside_it(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    inside = [
        c for c in compare(ours, upstream).known if c.location.startswith("/components/schemas/WidgetInput/")
    ]
    assert {c.change for c in inside} >= {
        "field-removed",
        "field-renamed",
        "type-changed",
        "required-changed",
    }
    assert {c.deviation.id for c in inside if c.deviation} == {"input-WidgetInput"}


def test_dialect_differences_are_not_drift(ours: dict[str, Any], upstream: dict[str, Any]) -> None:
    """nullable: true vs type lists, the two exclusiveMinimum forms, example vs examples."""
    report = compare(ours, upstream)
    locations = {c.location for c in report.known + report.new}
    for name in ("note", "stock", "ratio"):
        assert f"{WIDGET}/properties/{name}" not in locations
    assert "/components/schemas/ErrorNotFound/properties/msg" not in locations


def test_nullability_is_reported_as_nullability_not_as_a_type(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    at_updated = [c for c in compare(ours, upstream).known if c.location == f"{WIDGET}/properties/updatedAt"]
    assert [(c.change, c.upstream, c.ours) for c in at_updated] == [
        ("nullable-changed", "string", "string | null")
    ]


def test_number_against_integer_is_a_type_change(ours: dict[str, Any], upstream: dict[str, Any]) -> None:
    weight = by_location(compare(ours, upstream).new)[("type-changed", f"{WIDGET}/properties/weight")]
    assert (weight.upstream, weight.ours, weight.schema, weight.operation) == (
        "number",
        "integer",
        "Widget",
        "GetWidget",
    )


def test_renames_are_recognised_by_normalised_name_and_by_type(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    report = compare(ours, upstream)
    changes = by_location(report.known + report.new)
    by_name = changes[("field-renamed", f"{WIDGET}/properties/external_link")]
    by_type = changes[("field-renamed", "/components/schemas/Part/properties/label")]
    assert (by_name.upstream, by_name.ours) == ("externalLink", "external_link")
    assert (by_type.upstream, by_type.ours) == ("title", "label")
    assert ("field-removed", f"{WIDGET}/properties/externalLink") not in changes
    assert ("field-added", "/components/schemas/Part/properties/label") not in changes


def test_two_candidates_of_the_same_type_are_not_guessed_as_a_rename(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    ours["components"]["schemas"]["Part"]["properties"]["caption"] = {"type": "string"}
    changes = pairs(compare(ours, upstream).new)
    assert ("field-removed", "/components/schemas/Part/properties/title") in changes
    assert ("field-added", "/components/schemas/Part/properties/label") in changes
    assert ("field-added", "/components/schemas/Part/properties/caption") in changes


def test_an_operation_is_recognised_by_its_operation_id_after_a_move(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    report = compare(ours, upstream)
    moved = by_location(report.new)[("operation-moved", "/paths/~1rpc~1Collections~1ForgetWidget/post")]
    assert (moved.upstream, moved.ours) == (
        "POST /rpc/Collections/Forget",
        "POST /rpc/Collections/ForgetWidget",
    )
    # Matched, so its bodies were compared (its request body requiredness is a known difference).
    assert ("operation-removed", "/paths/~1rpc~1Collections~1Forget/post") not in pairs(report.new)
    assert ("required-changed", "/paths/~1rpc~1Collections~1ForgetWidget/post/requestBody/required") in pairs(
        report.known
    )


def test_a_broad_deviation_of_kind_other_hides_nothing(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    report = compare(ours, upstream)
    assert "examples-replaced" not in {c.deviation.id for c in report.known if c.deviation}


def test_listing_deviation_covers_only_the_paths_it_lists(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    upstream["paths"]["/rpc/Metadata/Pong"] = copy.deepcopy(upstream["paths"]["/rpc/Metadata/Ping"])
    report = compare(ours, upstream)
    assert ("operation-removed", "/paths/~1rpc~1Metadata~1Ping/post") in pairs(report.known)
    assert ("operation-removed", "/paths/~1rpc~1Metadata~1Pong/post") in pairs(report.new)


def test_a_deviation_listing_several_places_covers_each_of_them_and_nothing_else(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    widget_id = "/components/schemas/GetWidgetRequest/properties/widgetId"
    listed = {("type-changed", widget_id), ("type-changed", f"{WIDGET}/properties/id")}
    separate = compare(copy.deepcopy(ours), upstream)
    # The two uint64 deviations of the fixture say the same thing: record them once, at both places.
    twins = {"type-GetWidgetRequest-widgetId", "type-Widget-id"}
    merged = [d for d in ours["x-deviations"] if d["id"] in twins]
    assert [(d["kind"], d["upstream"], d["ours"], d["reason"]) for d in merged] == [
        ("type", "number", "integer >= 1", "A uint64.")
    ] * 2
    ours["x-deviations"] = [d for d in ours["x-deviations"] if d not in merged]
    places = [widget_id, f"{WIDGET}/properties/id"]
    ours["x-deviations"].append({**merged[0], "id": "type-uint64", "where": places})
    report = compare(ours, upstream)
    covered = {
        (c.change, c.location) for c in report.known if c.deviation and c.deviation.id == "type-uint64"
    }
    assert covered == listed
    # The same changes are known and new as with one deviation per place: the unlisted uint64 beside
    # a listed one (Widget.weight, number -> integer) stays new.
    assert (pairs(report.known), pairs(report.new)) == (pairs(separate.known), pairs(separate.new))
    assert ("type-changed", f"{WIDGET}/properties/weight") in pairs(report.new)


def test_a_deviation_on_a_referenced_schema_keyword_covers_the_property_using_it(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    ours["x-deviations"].append(
        {
            "id": "enum-WidgetStatus",
            "kind": "enum",
            "where": "/components/schemas/WidgetStatus/enum",
            "upstream": ["NEW", "STALE"],
            "ours": ["NEW", "READY"],
            "reason": "STALE became READY.",
        }
    )
    status = by_location(compare(ours, upstream).known)[("enum-changed", f"{WIDGET}/properties/status")]
    assert status.deviation is not None
    assert status.deviation.id == "enum-WidgetStatus"
    assert (status.upstream, status.ours) == (["NEW", "STALE"], ["NEW", "READY"])


def test_a_deviation_of_the_wrong_kind_does_not_cover(ours: dict[str, Any], upstream: dict[str, Any]) -> None:
    ours["x-deviations"].append(
        {
            "id": "wrong-kind",
            "kind": "nullable",
            "where": f"{WIDGET}/properties/weight",
            "upstream": "number",
            "ours": "integer",
            "reason": "Recorded under the wrong kind.",
        }
    )
    assert ("type-changed", f"{WIDGET}/properties/weight") in pairs(compare(ours, upstream).new)


def test_error_changes_are_new_without_their_deviation(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    ours["x-deviations"] = [d for d in ours["x-deviations"] if d["id"] != "error-Fail"]
    new = by_location(compare(ours, upstream).new)
    status_class = new[("error-status-changed", "/components/schemas/ErrorFail")]
    assert (status_class.upstream, status_class.ours) == (["5XX"], ["4XX"])
    status_value = new[("enum-changed", "/components/schemas/ErrorFail/properties/status")]
    assert status_value.upstream == "any value (example 500)"
    assert status_value.ours == [400]
    # const 1005 against {type: number, example: 1005}: a pinned value, not a type change.
    assert ("type-changed", "/components/schemas/ErrorFail/properties/code") not in new


def test_an_error_only_upstream_is_reported_as_removed(
    ours: dict[str, Any], upstream: dict[str, Any]
) -> None:
    error400 = ours["components"]["responses"]["Error400"]["content"]["application/json"]["schema"]
    error400["oneOf"] = [b for b in error400["oneOf"] if not b["$ref"].endswith("/ErrorNotFound")]
    removed = by_location(compare(ours, upstream).new)[("error-removed", "/components/schemas/ErrorNotFound")]
    assert removed.upstream == "ErrorNotFound (code 3000)"
    assert removed.operation == "GetWidget"


def test_body_and_response_changes(ours: dict[str, Any], upstream: dict[str, Any]) -> None:
    save = ours["paths"]["/rpc/Collections/SaveWidget"]["post"]
    del save["requestBody"]
    save["responses"]["201"] = save["responses"].pop("200")
    new = pairs(compare(ours, upstream).new)
    at = "/paths/~1rpc~1Collections~1SaveWidget/post"
    assert {
        ("body-removed", f"{at}/requestBody"),
        ("response-added", f"{at}/responses/201"),
        ("response-removed", f"{at}/responses/200"),
    } <= new


def test_identical_documents_have_no_differences() -> None:
    raw = _raw(OURS)
    report = compare(raw, copy.deepcopy(raw))
    assert (report.known, report.new, report.exit_code) == ([], [], 0)


def test_recording_every_new_difference_clears_the_drift(
    ours: dict[str, Any], upstream: dict[str, Any], tmp_path: Path
) -> None:
    kinds = {
        "operation-moved": "other",
        "operation-added": "added-operation",
        "field-added": "other",
        "field-removed": "removed",
        "type-changed": "type",
        "enum-changed": "enum",
        "required-changed": "required",
        "field-renamed": "wire-name",
        "error-added": "error",
    }
    for index, item in enumerate(compare(ours, upstream).new):
        if item.change == "operation-removed":
            listing = ours["x-deviations"][0]
            listing["upstream"].append(item.upstream.split(" ", 1)[1])
            continue
        ours["x-deviations"].append(
            {
                "id": f"recorded-{index}",
                "kind": kinds[item.change],
                "where": item.location,
                "upstream": item.upstream,
                "ours": item.ours,
                "reason": "Recorded by the test.",
            }
        )
    recorded = tmp_path / "ours.yaml"
    recorded.write_text(yaml.safe_dump(ours, sort_keys=False))
    assert cli_main(["drift", str(UPSTREAM), "--spec", str(recorded)]) == 0


# Normalisation ---------------------------------------------------------------------------------


def _facts(schema: dict[str, Any]) -> drift.Facts:
    return drift.facts(schema, drift.Document({"openapi": "3.1.0", "paths": {}}, "x"), "#")


@pytest.mark.parametrize(
    ("oas30", "oas31"),
    [
        ({"type": "string", "nullable": True}, {"type": ["string", "null"]}),
        (
            {"type": "string", "pattern": "^[0-9]+$", "nullable": True},
            {"oneOf": [{"type": "string", "pattern": "^[0-9]+$"}, {"type": "null"}]},
        ),
        (
            {"type": "number", "minimum": 0, "exclusiveMinimum": True},
            {"type": "number", "exclusiveMinimum": 0},
        ),
        ({"type": "integer", "minimum": 0, "exclusiveMinimum": True}, {"type": "integer", "minimum": 1}),
        (
            {"type": "integer", "maximum": 10, "exclusiveMaximum": True},
            {"type": "integer", "exclusiveMaximum": 10},
        ),
        ({"type": "string", "enum": ["A"]}, {"type": "string", "const": "A"}),
        ({"type": "string", "example": "a"}, {"type": "string", "examples": ["b"]}),
        (
            {"type": "string", "enum": ["A", None], "nullable": True},
            {"type": ["string", "null"], "enum": ["A"]},
        ),
    ],
)
def test_oas30_and_oas31_spellings_normalise_alike(oas30: dict[str, Any], oas31: dict[str, Any]) -> None:
    left, right = _facts(oas30), _facts(oas31)
    assert (left.types, left.nullable, left.enum, left.constraints) == (
        right.types,
        right.nullable,
        right.enum,
        right.constraints,
    )


def test_normalised_facts_keep_what_matters() -> None:
    facts = _facts({"type": ["integer", "null"], "minimum": 1, "maximum": 9, "format": "int32"})
    assert facts.types == frozenset({"integer"})
    assert facts.nullable
    assert facts.render() == "integer, format int32, maximum 9, minimum 1"
    assert facts.render(with_null=True).endswith("| null")
    assert _facts({"const": 3000}).types == frozenset({"integer"})
    assert _facts({}).render() == "any"


# Output ----------------------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "drift", str(UPSTREAM), "--spec", str(OURS))
    assert (code, err) == (1, "")
    assert "New drift: 10" in out
    assert "Known (recorded in x-deviations): " in out
    assert "[type-Widget-id]" in out
    new_lines = out.split("New drift: 10\n", 1)[1].split("Known (recorded")[0].splitlines()
    assert len(new_lines) == 10
    assert any("/components/schemas/Widget/properties/weight" in line for line in new_lines)
    assert not any(line.endswith("]") for line in new_lines)  # new items name no deviation


def test_markdown_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "drift", str(UPSTREAM), "--spec", str(OURS), "--format", "markdown")
    assert code == 1
    assert out.startswith("### Spec drift")
    assert "**10 new difference(s)**" in out
    assert "#### New drift" in out
    assert "| Change | Location | Upstream | Ours | Operation |" in out
    assert "<details><summary>Known differences (" in out
    assert "`type-Widget-id`" in out
    assert "`/components/schemas/Widget/properties/weight`" in out


def test_json_output_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "drift", str(UPSTREAM), "--spec", str(OURS), "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert set(document) == {"ours", "upstream", "known", "new"}
    assert document["ours"]["version"] == "2.0.0"
    assert document["upstream"]["version"] == "7.1"
    assert document["upstream"]["openapi"] == "3.0.3"
    assert len(document["new"]) == 10
    for item in document["known"] + document["new"]:
        assert set(item) <= ITEM_KEYS
        assert {"change", "location"} <= set(item)
        assert item["change"] in drift.CHANGES
    assert all("deviation" in item for item in document["known"])
    assert not any("deviation" in item for item in document["new"])
    removed = next(i for i in document["new"] if i["change"] == "operation-removed")
    assert removed == {
        "change": "operation-removed",
        "operation": "Archive",
        "location": "/paths/~1rpc~1Collections~1Archive/post",
        "upstream": "POST /rpc/Collections/Archive",
    }


def test_no_new_drift_exits_zero_and_defaults_to_the_bundled_spec(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The bundled spec against a copy of itself (as JSON): nothing differs.
    copy_of_ours = tmp_path / "published.json"
    copy_of_ours.write_text(json.dumps(yaml.safe_load(spec_path().read_text())))
    code, out, _ = run_cli(capsys, "drift", str(copy_of_ours), "--format", "markdown")
    assert code == 0
    assert "no new drift, 0 known" in out


def test_the_module_runs_as_a_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_sequence_metadata", "drift", str(UPSTREAM), "--spec", str(OURS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "New drift: 10" in result.stdout


# Usage errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.json", None, "no such file"),
        ("list.json", "[1, 2]", "not an OpenAPI document"),
        ("swagger.yaml", "swagger: '2.0'\npaths: {}\n", "not an OpenAPI 3 document (swagger 2.0)"),
        ("plain.yaml", "title: not a spec\n", "not an OpenAPI 3 document"),
        ("nopaths.json", '{"openapi": "3.0.0"}', "no `paths` object"),
        ("broken.json", '{"openapi": ', "not valid JSON"),
        ("broken.yaml", "openapi: [3.1\n", "not valid YAML"),
        ("binary.json", b"\x80\x81garbage", "not a text file"),
    ],
)
def test_usage_errors_exit_two_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    code, out, err = run_cli(capsys, "drift", str(path), "--spec", str(OURS))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in err


def test_a_directory_or_bad_spec_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "drift", str(tmp_path), "--spec", str(OURS))
    assert code == 2
    assert "is a directory" in err
    code, _, err = run_cli(capsys, "drift", str(UPSTREAM), "--spec", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert err.startswith("drift: our document")
    assert "no such file" in err


@pytest.mark.parametrize(
    "argv",
    [[], ["drift"], ["drift", str(UPSTREAM), "--format", "html"], ["nonsense"]],
)
def test_command_line_usage_errors_exit_two(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main(argv)
    assert exited.value.code == 2
    assert "usage:" in capsys.readouterr().err
