"""The webrpc-aware response checks, fed crafted responses (and the request classification that
decides which of them apply)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from pytest_sequence_metadata.contract.errors import ERRORS_BY_NAME
from pytest_sequence_metadata.contract.spec import Operation, load_spec
from pytest_sequence_metadata.suite import webrpc
from pytest_sequence_metadata.suite.webrpc import WebrpcViolation

RPC_URL = "http://emulator.test/rpc/Collections/GetCollection"


def response(status: int, body: Any, content_type: str = "application/json") -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(
        status,
        content=content,
        headers={"content-type": content_type},
        request=httpx.Request("POST", RPC_URL),
    )


def error(name: str, *, status: int | None = None, code: int | None = None, **extra: Any) -> dict[str, Any]:
    kind = ERRORS_BY_NAME[name]
    body = kind.body("cause of the test")
    body.update({"status": status or kind.status, "code": kind.code if code is None else code, **extra})
    return body


def op(operation_id: str) -> Operation:
    return load_spec().operation(operation_id)


# --- the error envelope and its table ---------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["NotFound", "WebrpcBadRequest", "Unauthorized", "PermissionDenied", "RateLimited"]
)
def test_envelope_that_agrees_with_the_table_passes(name: str) -> None:
    kind = ERRORS_BY_NAME[name]
    webrpc.check_error_envelope(response(kind.status, error(name)), op("GetCollection"))


def test_notfound_travels_with_http_400() -> None:
    answer = response(400, error("NotFound"))
    webrpc.check_error_envelope(answer, op("GetCollection"))
    webrpc.check_not_server_error(answer)
    webrpc.check_valid_request_accepted(answer)


def test_notfound_with_http_404_on_an_rpc_is_flagged() -> None:
    # The `notfound-http-404` bug: the status line says 404, the envelope still says 400.
    with pytest.raises(WebrpcViolation) as info:
        webrpc.check_error_envelope(response(404, error("NotFound", status=400)), op("GetCollection"))
    assert info.value.title == "Webrpc error envelope"
    assert "envelope says status 400 but the answer is HTTP 404" in info.value.message
    assert "NotFound travels with HTTP 400 in the table, not 404" in info.value.message


def test_a_consistent_but_wrong_status_is_flagged() -> None:
    with pytest.raises(WebrpcViolation, match="NotFound travels with HTTP 400 in the table, not 404"):
        webrpc.check_error_envelope(response(404, error("NotFound", status=404)), op("GetCollection"))


def test_rest_routes_may_answer_notfound_with_404() -> None:
    webrpc.check_error_envelope(response(404, error("NotFound", status=404)), op("GetPublicTokenMetadata"))


def test_wrong_code_for_the_name_is_flagged() -> None:
    with pytest.raises(WebrpcViolation, match="RequiredArgument has code 2002 in the table, not 2001"):
        webrpc.check_error_envelope(response(400, error("RequiredArgument", code=2001)), op("GetCollection"))


def test_unknown_error_name_is_flagged() -> None:
    body = {"error": "Teapot", "code": 418, "msg": "short and stout", "status": 400}
    with pytest.raises(WebrpcViolation, match="'Teapot' is not an error of the webrpc table"):
        webrpc.check_error_envelope(response(400, body))


def test_envelope_fields_must_have_their_types() -> None:
    body = {"error": "NotFound", "code": "3000", "msg": None, "status": 400, "cause": 7}
    with pytest.raises(WebrpcViolation) as info:
        webrpc.check_error_envelope(response(400, body))
    for part in ("`msg` must be a string", "`code` must be an integer", "`cause` must be a string"):
        assert part in info.value.message


def test_plain_text_error_is_flagged() -> None:
    # The `error-body-not-json` bug.
    answer = response(400, b"Resource not found", "text/plain; charset=utf-8")
    with pytest.raises(WebrpcViolation, match=r"Content-Type text/plain instead of a JSON envelope"):
        webrpc.check_error_envelope(answer)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"NotFound"'])
def test_json_error_that_is_not_an_object_is_flagged(body: bytes) -> None:
    with pytest.raises(WebrpcViolation, match="not a JSON object"):
        webrpc.check_error_envelope(response(400, body))


def test_success_is_not_an_error_envelope() -> None:
    webrpc.check_error_envelope(response(200, {"collection": {}}), op("GetCollection"))


# --- no 5xx ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_flagged(status: int) -> None:
    with pytest.raises(WebrpcViolation, match=rf"HTTP {status}, WebrpcServerPanic \(code -6\)"):
        webrpc.check_not_server_error(response(status, error("WebrpcServerPanic", status=status)))


def test_server_error_without_envelope_shows_the_body() -> None:
    with pytest.raises(WebrpcViolation, match="upstream connect error"):
        webrpc.check_not_server_error(response(502, b"upstream connect error", "text/html"))


@pytest.mark.parametrize("status", [200, 400, 404, 429])
def test_non_5xx_is_no_server_error(status: int) -> None:
    webrpc.check_not_server_error(response(status, {}))


# --- what a schema-valid request may be refused with ----------------------------------------------


@pytest.mark.parametrize("name", sorted(webrpc.STATE_ERRORS))
def test_valid_request_may_meet_state_errors(name: str) -> None:
    webrpc.check_valid_request_accepted(response(ERRORS_BY_NAME[name].status, error(name)))


@pytest.mark.parametrize("name", ["WebrpcBadRequest", "RequiredArgument", "InvalidArgument", "Unauthorized"])
def test_valid_request_refused_for_its_shape_is_flagged(name: str) -> None:
    answer = response(ERRORS_BY_NAME[name].status, error(name))
    with pytest.raises(WebrpcViolation) as info:
        webrpc.check_valid_request_accepted(answer, request="POST /rpc/Collections/GetCollection")
    assert info.value.title == "Schema-valid request rejected"
    assert name in info.value.message
    assert "POST /rpc/Collections/GetCollection" in info.value.message


def test_valid_request_check_leaves_5xx_and_garbage_to_the_other_checks() -> None:
    webrpc.check_valid_request_accepted(response(500, error("WebrpcServerPanic")))
    webrpc.check_valid_request_accepted(response(400, b"oops", "text/plain"))


# --- what an invalid request must get -------------------------------------------------------------


def test_invalid_request_accepted_is_flagged() -> None:
    with pytest.raises(WebrpcViolation, match=r"HTTP 200 for a request that breaks the spec: at \$\.x"):
        webrpc.check_invalid_request_rejected(response(200, {"ok": True}), ["at $.x: 1.0 is not an integer"])


def test_invalid_request_refused_passes() -> None:
    webrpc.check_invalid_request_rejected(response(400, error("InvalidArgument")), ["at $.x: bad"])
    webrpc.check_invalid_request_rejected(response(200, {}), [])  # a valid request: nothing to say


def test_invalid_request_with_the_wrong_refusal_is_flagged() -> None:
    # The `wrong-error-code` bug: a missing argument reported as InvalidArgument.
    answer = response(400, error("InvalidArgument"))
    with pytest.raises(WebrpcViolation, match="must get RequiredArgument"):
        webrpc.check_invalid_request_rejected(
            answer, ["'collectionId' is a required property"], "RequiredArgument"
        )
    webrpc.check_invalid_request_rejected(
        response(400, error("RequiredArgument")),
        ["'collectionId' is a required property"],
        "RequiredArgument",
    )


# --- declared fields ------------------------------------------------------------------------------

COLLECTION = {
    "id": 1,
    "projectId": 1,
    "metadata": {"name": "x", "description": "", "properties": {"anything": {"goes": True}}},
    "private": True,
    "createdAt": "2026-01-01T00:00:00Z",
    "updatedAt": "2026-01-01T00:00:00Z",
}


def test_declared_fields_pass() -> None:
    webrpc.check_declared_fields(response(200, {"collection": COLLECTION}), load_spec(), op("GetCollection"))


def test_undeclared_field_is_flagged() -> None:
    # The `external-link-camelcase` bug: Go would never emit a key its struct does not declare.
    collection = {**COLLECTION, "metadata": {**COLLECTION["metadata"], "externalLink": "https://x"}}
    with pytest.raises(WebrpcViolation, match=r"\$\.collection\.metadata\.externalLink"):
        webrpc.check_declared_fields(
            response(200, {"collection": collection}), load_spec(), op("GetCollection")
        )


def test_undeclared_fields_inside_lists() -> None:
    body = {"collections": [COLLECTION, {**COLLECTION, "colour": "red"}]}
    found = webrpc.undeclared_fields(load_spec(), op("ListCollections"), body)
    assert found == ["$.collections[1].colour"]


# --- classification of requests (needs schemathesis) ----------------------------------------------


def test_integer_valued_floats_are_invalid_like_in_go() -> None:
    pytest.importorskip("schemathesis")
    from pytest_sequence_metadata.client.core import Call
    from pytest_sequence_metadata.suite.conformance import Prepared, expected_refusal, request_violations

    spec = load_spec()
    call = Call("GetCollection", "POST", "/rpc/Collections/GetCollection", json={"collectionId": 2201.0})
    problems = request_violations(spec, op("GetCollection"), Prepared(call, call.json, None, {}, False))
    assert problems
    assert "cannot decode" in str(problems[0])
    assert expected_refusal(problems) == "WebrpcBadRequest"

    call = Call("GetCollection", "POST", "/rpc/Collections/GetCollection", json={"projectId": 1})
    problems = request_violations(spec, op("GetCollection"), Prepared(call, call.json, None, {}, False))
    assert expected_refusal(problems) == "RequiredArgument"

    # Go reads keys case-insensitively and null as "unset": this body is valid on the wire.
    call = Call(
        "GetCollection", "POST", "/rpc/Collections/GetCollection", json={"COLLECTIONID": 5, "x": None}
    )
    assert request_violations(spec, op("GetCollection"), Prepared(call, call.json, None, {}, False)) == []
