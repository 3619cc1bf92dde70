"""spec.py on a small document of its own, and on the bundled contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_sequence_metadata.contract.errors import UsageError
from pytest_sequence_metadata.contract.spec import load_spec, spec_path

SMALL = """
openapi: 3.1.0
info: {title: small, version: 9.9.9}
paths:
  /rpc/Collections/GetThing:
    post:
      operationId: GetThing
      security: [{BearerAuth: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/GetThingRequest'}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [thing]
                properties: {thing: {$ref: '#/components/schemas/Thing'}}
        '400': {$ref: '#/components/responses/Error400'}
  /things/{id}.png:
    get:
      operationId: GetThingFile
      security: []
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        '200':
          description: bytes
          content: {'*/*': {schema: {type: string}}}
components:
  responses:
    Error400:
      description: errors with status 400
      content:
        application/json:
          schema:
            oneOf:
              - {$ref: '#/components/schemas/ErrorNotFound'}
              - {$ref: '#/components/schemas/ErrorInvalidArgument'}
  schemas:
    GetThingRequest:
      type: object
      required: [thingId]
      properties: {thingId: {type: integer, minimum: 1}}
    Thing:
      type: object
      properties:
        createdAt: {type: string, format: date-time}
        tags: {type: [array, 'null'], items: {type: string}}
    ErrorNotFound:
      type: object
      required: [error, code, status]
      properties: {error: {const: NotFound}, code: {const: 3000}, status: {const: 400}}
    ErrorInvalidArgument:
      type: object
      required: [error, code, status]
      properties: {error: {const: InvalidArgument}, code: {const: 2001}, status: {const: 400}}
x-deviations:
  - {id: one, kind: other, where: /info, upstream: a, ours: b, reason: c}
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def test_operations_are_read_with_kind_security_and_media_type(small: Path) -> None:
    spec = load_spec(small)
    get = spec.operation("GetThing")
    assert (get.method, get.kind, get.secured, get.request_media_type) == (
        "POST",
        "rpc",
        True,
        "application/json",
    )
    file = spec.operation("GetThingFile")
    assert (file.method, file.kind, file.secured, file.request_media_type) == ("GET", "rest", False, None)
    assert spec.version == "9.9.9"


def test_load_is_cached_per_file(small: Path) -> None:
    assert load_spec(small) is load_spec(str(small))


def test_request_validator_reports_path_value_and_rule(small: Path) -> None:
    validator = load_spec(small).request_validator("GetThing")
    assert validator.is_valid({"thingId": 3})
    [violation] = validator.errors({"thingId": 0})
    assert (violation.path, violation.value, violation.keyword) == ("$.thingId", 0, "minimum")
    assert violation.rule == "minimum: 1"
    assert str(violation) == "at $.thingId: 0 violates 'minimum: 1': 0 is less than the minimum of 1"


def test_integers_written_with_a_fraction_are_not_integers(small: Path) -> None:
    # Go's encoding/json refuses 1.0 for a uint64, so the contract does too.
    validator = load_spec(small).request_validator("GetThing")
    assert not validator.is_valid({"thingId": 1.0})
    assert not validator.is_valid({"thingId": True})


def test_date_time_format_is_asserted_as_rfc3339(small: Path) -> None:
    validator = load_spec(small).response_validator("GetThing", 200)
    assert validator is not None
    for good in ("2025-03-11T10:00:00.118089375Z", "0001-01-01T00:00:00Z", "2025-03-11T10:00:00+02:00"):
        assert validator.is_valid({"thing": {"createdAt": good}}), good
    for bad in ("2025-03-11", "2025-03-11 10:00:00Z", "2025-13-11T10:00:00Z", "yesterday"):
        assert not validator.is_valid({"thing": {"createdAt": bad}}), bad


def test_error_responses_resolve_through_shared_components(small: Path) -> None:
    validator = load_spec(small).response_validator("GetThing", 400)
    assert validator is not None
    assert validator.is_valid({"error": "NotFound", "code": 3000, "status": 400})
    [violation] = validator.errors({"error": "NotFound", "code": 2001, "status": 400})
    assert violation.keyword == "oneOf"
    assert "closest branch" in violation.message


def test_undocumented_status_and_unknown_operation_are_usage_errors(small: Path) -> None:
    spec = load_spec(small)
    with pytest.raises(UsageError, match="documents no HTTP 500 response"):
        spec.response_validator("GetThing", 500)
    with pytest.raises(UsageError, match="unknown operation 'Nope'; the spec has: GetThing, GetThingFile"):
        spec.operation("Nope")
    with pytest.raises(UsageError, match="GetThingFile takes no JSON request body"):
        spec.request_validator("GetThingFile")


def test_binary_responses_have_no_json_validator(small: Path) -> None:
    assert load_spec(small).response_validator("GetThingFile", 200) is None


def test_compile_all_counts_every_json_schema(small: Path) -> None:
    assert load_spec(small).compile_all() == 3


def test_bundled_spec_is_found_and_loads() -> None:
    path = spec_path()
    assert path.name == "sequence-metadata.yaml"
    spec = load_spec()
    assert spec.operations
    assert load_spec() is spec  # cached: the same object, no second parse


def test_the_parsed_spec_is_cached_on_disk_by_content(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_sequence_metadata.contract.spec import cached_document, read_document

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = cached_document(small)
    assert first == read_document(small)
    [entry] = (tmp_path / "cache" / "pytest-sequence-metadata").glob("small-*.json")
    # The next load reads the cache: prove it by planting a marker in it.
    entry.write_text('{"marker": true}')
    assert cached_document(small) == {"marker": True}
    # Another content is another key: the stale entry is not used.
    small.write_text(SMALL.replace("9.9.9", "9.9.10"))
    assert cached_document(small)["info"]["version"] == "9.9.10"


def test_documents_that_json_would_change_are_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_sequence_metadata.contract.spec import cached_document

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    odd = tmp_path / "odd.yaml"
    odd.write_text("openapi: 3.1.0\nresponses:\n  200: {description: an integer key}\n")
    assert cached_document(odd)["responses"] == {200: {"description": "an integer key"}}
    assert not list((tmp_path / "cache").rglob("*.json"))


def test_the_cache_can_be_off_or_unwritable(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_sequence_metadata.contract.spec import cached_document, read_document

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("SEQUENCE_SPEC_CACHE", "0")
    assert cached_document(small) == read_document(small)
    assert not (tmp_path / "cache").exists()
    monkeypatch.delenv("SEQUENCE_SPEC_CACHE")
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # a file, not a directory
    assert cached_document(small) == read_document(small)
