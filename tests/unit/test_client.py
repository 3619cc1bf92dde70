"""MetadataClient against scripted httpx.MockTransport answers, validated with the bundled spec."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pytest_sequence_metadata import errors
from pytest_sequence_metadata.client import (
    AsyncMetadataClient,
    Call,
    ClientObserver,
    MetadataClient,
    RetryPolicy,
    retry_after_seconds,
)
from pytest_sequence_metadata.contract.errors import ERROR_TABLE

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJwcm9qZWN0IjoxfQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
STAMP = "2026-01-02T03:04:05.123456Z"


def collection(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": 7,
        "projectId": 1,
        "metadata": {"name": "Test", "description": ""},
        "private": True,
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "baseURIs": {
            "contractMetadataURI": "https://x.test/projects/1/collections/7.json",
            "tokenMetadataURI": "https://x.test/projects/1/collections/7/tokens/",
        },
    }
    body.update(overrides)
    return body


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class Recorder:
    """A transport script: answers in order, and keeps every request it saw."""

    def __init__(self, *answers: httpx.Response | Callable[[httpx.Request], httpx.Response]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request) if callable(answer) else answer


def make_client(recorder: Recorder, **kwargs: Any) -> MetadataClient:
    kwargs.setdefault("retry", RetryPolicy(attempts=3, initial_backoff=0.0, max_backoff=0.0))
    kwargs.setdefault("sleep", lambda _s: None)
    return MetadataClient(
        "https://api.test/", jwt=JWT, project_id=1, transport=httpx.MockTransport(recorder), **kwargs
    )


def test_get_collection_sends_webrpc_request_and_returns_the_validated_body() -> None:
    recorder = Recorder(json_response(200, {"collection": collection()}))
    body = make_client(recorder).get_collection(7)
    assert body["collection"]["id"] == 7
    request = recorder.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "https://api.test/rpc/Collections/GetCollection"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {JWT}"
    assert json.loads(request.content) == {"projectId": 1, "collectionId": 7}


def test_project_id_none_is_omitted_so_the_server_takes_it_from_the_jwt() -> None:
    recorder = Recorder(json_response(200, {"collection": collection()}))
    make_client(recorder).get_collection(7, project_id=None)
    assert json.loads(recorder.requests[0].content) == {"collectionId": 7}


def test_unset_optional_arguments_are_left_out_of_the_body() -> None:
    recorder = Recorder(json_response(200, {"collection": collection(private=False)}))
    make_client(recorder).publish_collection(7)
    assert json.loads(recorder.requests[0].content) == {"projectId": 1, "collectionId": 7}


# WebrpcStreamFinished carries status 200, which is a success on the wire.
ERROR_ANSWERS = [kind for kind in ERROR_TABLE if kind.status != 200]


@pytest.mark.parametrize("kind", ERROR_ANSWERS, ids=lambda k: k.name)
def test_each_error_code_raises_its_own_class_with_all_fields(kind: errors.ErrorKind) -> None:
    body = kind.body(cause="because")
    recorder = Recorder(json_response(kind.status, body))
    client = make_client(recorder, retry=RetryPolicy(attempts=1))
    with pytest.raises(errors.WebrpcError) as info:
        client.get_collection(7)
    error = info.value
    assert type(error).__name__ in {f"{kind.name}Error", "TimeoutError_"}
    assert type(error) is errors.ERROR_CLASSES[kind.code]
    assert (error.error, error.code, error.msg, error.cause, error.status) == (
        kind.name,
        kind.code,
        kind.msg,
        "because",
        kind.status,
    )
    assert error.operation == "GetCollection"
    assert f"GetCollection: {kind.name} (code {kind.code}" in str(error)


def test_unknown_error_code_gives_the_base_class() -> None:
    body = {"error": "Mystery", "code": 4242, "msg": "new", "status": 400}
    client = make_client(Recorder(json_response(400, body)), validate=False)
    with pytest.raises(errors.WebrpcError) as info:
        client.get_collection(7)
    assert type(info.value) is errors.WebrpcError
    assert (info.value.code, info.value.error) == (4242, "Mystery")


def test_not_found_is_the_not_found_class_with_http_400() -> None:
    client = make_client(Recorder(json_response(400, errors.ERRORS_BY_NAME["NotFound"].body())))
    with pytest.raises(errors.NotFoundError) as info:
        client.get_token(7, "12")
    assert info.value.http_status == 400


@pytest.mark.parametrize(
    ("status", "content_type", "content"),
    [
        (502, "text/html", b"<html>Bad Gateway</html>"),
        (400, "application/json", b"{not json"),
        (200, "text/plain", b"ok"),
        (500, "application/json", b'{"message": "no envelope"}'),
    ],
)
def test_non_envelope_bodies_raise_bad_response(status: int, content_type: str, content: bytes) -> None:
    answer = httpx.Response(status, content=content, headers={"content-type": content_type})
    client = make_client(Recorder(answer), retry=RetryPolicy(attempts=1))
    with pytest.raises(errors.BadResponseError) as info:
        client.get_collection(7)
    assert info.value.status == status
    assert info.value.operation == "GetCollection"
    assert "not a webrpc error envelope" in str(info.value)


def test_schema_violation_names_operation_path_value_and_rule() -> None:
    broken = collection(id="7")
    client = make_client(Recorder(json_response(200, {"collection": broken})))
    with pytest.raises(errors.SchemaViolationError) as info:
        client.get_collection(7)
    violation = info.value
    assert violation.operation == "GetCollection"
    assert violation.path == "$.collection.id"
    assert violation.value == "7"
    assert violation.rule.startswith("type")
    assert "GetCollection response 200: at $.collection.id: '7' violates" in str(violation)


def test_wrong_status_for_an_error_is_a_schema_violation() -> None:
    misfiled = {**errors.ERRORS_BY_NAME["NotFound"].body(), "status": 404}
    client = make_client(Recorder(json_response(404, misfiled)))
    with pytest.raises(errors.SchemaViolationError) as info:
        client.get_collection(7)
    assert info.value.where == "response 404"


def test_validation_can_be_switched_off() -> None:
    client = make_client(Recorder(json_response(200, {"collection": {"id": "odd"}})), validate=False)
    assert client.get_collection(7) == {"collection": {"id": "odd"}}


def test_429_is_retried_honouring_retry_after() -> None:
    limited = json_response(429, errors.ERRORS_BY_NAME["RateLimited"].body(), {"Retry-After": "2"})
    recorder = Recorder(limited, json_response(200, {"collection": collection()}))
    slept: list[float] = []
    client = make_client(recorder, sleep=slept.append, retry=RetryPolicy(attempts=3))
    assert client.get_collection(7)["collection"]["id"] == 7
    assert len(recorder.requests) == 2
    assert slept == [2.0]


def test_429_retries_are_bounded_and_then_raise_rate_limited() -> None:
    limited = json_response(429, errors.ERRORS_BY_NAME["RateLimited"].body(), {"Retry-After": "0"})
    recorder = Recorder(limited)
    with pytest.raises(errors.RateLimitedError):
        make_client(recorder).get_collection(7)
    assert len(recorder.requests) == 3


def test_503_is_retried_for_reads() -> None:
    unavailable = httpx.Response(503, content=b"busy", headers={"content-type": "text/plain"})
    recorder = Recorder(unavailable, json_response(200, {"collection": collection()}))
    assert make_client(recorder).get_collection(7)["collection"]["id"] == 7
    assert len(recorder.requests) == 2


def test_a_create_is_not_retried_after_a_503() -> None:
    unavailable = httpx.Response(503, content=b"busy", headers={"content-type": "text/plain"})
    recorder = Recorder(unavailable, json_response(200, {"collection": collection()}))
    with pytest.raises(errors.BadResponseError):
        make_client(recorder).create_collection({"metadata": {"name": "x"}})
    assert len(recorder.requests) == 1


def test_a_create_is_not_retried_after_a_read_timeout() -> None:
    calls = 0

    def timeout(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ReadTimeout("slow", request=request)

    client = make_client(Recorder(timeout))
    with pytest.raises(httpx.ReadTimeout):
        client.create_collection({"metadata": {"name": "x"}})
    assert calls == 1


def test_connection_errors_are_retried_even_for_creates_since_nothing_was_sent() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    recorder = Recorder(refuse, json_response(200, {"collection": collection()}))
    body = make_client(recorder).create_collection({"metadata": {"name": "x"}})
    assert body["collection"]["id"] == 7
    assert len(recorder.requests) == 2


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_every_request_has_a_timeout() -> None:
    recorder = Recorder(json_response(200, {"collection": collection()}))
    make_client(recorder, timeout=4.5).get_collection(7)
    assert recorder.requests[0].extensions["timeout"]["read"] == 4.5


def test_jwt_never_shows_in_repr_str_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    echo = {**errors.ERRORS_BY_NAME["Unauthorized"].body(), "cause": f"token {JWT} rejected"}
    client = make_client(Recorder(json_response(401, echo)))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(errors.UnauthorizedError) as info:
        client.get_collection(7)
    shown = [repr(client), str(client), str(info.value), repr(info.value), info.value.cause or ""]
    shown += [record.getMessage() for record in caplog.records]
    assert all(JWT not in text for text in shown)
    assert "***" in repr(client)
    assert "***" in (info.value.cause or "")


def test_bad_response_excerpt_is_redacted() -> None:
    page = httpx.Response(500, content=f"<p>{JWT}</p>".encode(), headers={"content-type": "text/html"})
    client = make_client(Recorder(page), retry=RetryPolicy(attempts=1))
    with pytest.raises(errors.BadResponseError) as info:
        client.get_collection(7)
    assert JWT not in str(info.value)


def test_anonymous_client_sends_no_authorization() -> None:
    recorder = Recorder(json_response(401, errors.ERRORS_BY_NAME["Unauthorized"].body()))
    client = MetadataClient("https://api.test", transport=httpx.MockTransport(recorder))
    with pytest.raises(errors.UnauthorizedError):
        client.get_collection(7)
    assert "authorization" not in recorder.requests[0].headers


def test_public_routes_never_carry_credentials() -> None:
    public = {"name": "Test", "description": ""}
    recorder = Recorder(json_response(200, public))
    assert make_client(recorder).public_collection_metadata(7, json_suffix=True) == public
    request = recorder.requests[0]
    assert request.url.path == "/projects/1/collections/7.json"
    assert "authorization" not in request.headers


def test_upload_sends_multipart_field_file_and_returns_the_bare_asset() -> None:
    asset = {
        "id": 3,
        "collectionId": 7,
        "tokenId": "5",
        "url": "https://x.test/projects/1/collections/7/tokens/5/image.png",
        "metadataField": "image",
        "filename": "image.png",
        "filesize": 4,
        "mimeType": "image/png",
        "updatedAt": STAMP,
    }
    recorder = Recorder(json_response(200, asset))
    result = make_client(recorder).upload_token_asset(7, "5", "image", b"\x89PNG", filename="a.png")
    assert result == asset
    request = recorder.requests[0]
    assert request.method == "PUT"
    assert request.url.path == "/projects/1/collections/7/tokens/5/upload/image"
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert b'name="file"; filename="a.png"' in request.content


def test_private_asset_returns_bytes_with_content_type() -> None:
    png = httpx.Response(200, content=b"\x89PNG-bytes", headers={"content-type": "image/png"})
    recorder = Recorder(png)
    result = make_client(recorder).private_asset(7, "5", "image")
    assert (result.content, result.content_type) == (b"\x89PNG-bytes", "image/png")
    assert recorder.requests[0].headers["authorization"] == f"Bearer {JWT}"


def test_rpc_escape_hatch_sends_the_body_as_given() -> None:
    recorder = Recorder(json_response(200, {"collection": collection()}))
    make_client(recorder).rpc("GetCollection", {"collectionID": 7})
    assert json.loads(recorder.requests[0].content) == {"collectionID": 7}


def test_observers_see_attempts_and_successes() -> None:
    seen: list[tuple[str, Any]] = []

    class Spy(ClientObserver):
        def before_send(self, call: Call, attempt: int) -> None:
            seen.append(("before", (call.operation_id, attempt)))

        def after_receive(self, call: Call, response: httpx.Response, attempt: int) -> None:
            seen.append(("after", response.status_code))

        def on_success(self, call: Call, body: Any) -> None:
            seen.append(("success", body["collection"]["id"]))

    limited = json_response(429, errors.ERRORS_BY_NAME["RateLimited"].body(), {"Retry-After": "0"})
    recorder = Recorder(limited, json_response(200, {"collection": collection()}))
    make_client(recorder, observers=[Spy()]).create_collection({"metadata": {"name": "x"}})
    assert seen == [
        ("before", ("CreateCollection", 1)),
        ("after", 429),
        ("before", ("CreateCollection", 2)),
        ("after", 200),
        ("success", 7),
    ]


def test_an_observer_can_refuse_a_request_before_it_is_sent() -> None:
    class Guard(ClientObserver):
        def before_send(self, call: Call, attempt: int) -> None:
            raise errors.UsageError("refused")

    recorder = Recorder(json_response(200, {"collection": collection()}))
    with pytest.raises(errors.UsageError, match="refused"):
        make_client(recorder, observers=[Guard()]).get_collection(7)
    assert recorder.requests == []


def test_rest_routes_need_a_project_id() -> None:
    client = MetadataClient(
        "https://api.test", transport=httpx.MockTransport(Recorder(json_response(200, {})))
    )
    with pytest.raises(errors.UsageError, match="project id in its path"):
        client.public_token_metadata(7, "1")


def test_the_project_id_comes_from_the_jwt_claim_as_in_the_plugin() -> None:
    token = {"tokenId": "1", "name": "T"}
    recorder = Recorder(json_response(200, {"tokenId": "1", "name": "T"}))
    client = MetadataClient("https://api.test", jwt=JWT, transport=httpx.MockTransport(recorder))
    assert client.project_id == 1
    assert client.public_token_metadata(7, "1") == token
    assert recorder.requests[0].url.path == "/projects/1/collections/7/tokens/1"

    recorder = Recorder(json_response(200, {"collection": collection()}))
    MetadataClient("https://api.test", jwt=JWT, transport=httpx.MockTransport(recorder)).get_collection(7)
    assert json.loads(recorder.requests[0].content) == {"projectId": 1, "collectionId": 7}


def test_an_explicit_project_id_wins_over_the_claim() -> None:
    assert MetadataClient("https://api.test", jwt=JWT, project_id=5).project_id == 5
    recorder = Recorder(json_response(200, {"collection": collection()}))
    client = MetadataClient(
        "https://api.test", jwt=JWT, project_id=None, transport=httpx.MockTransport(recorder)
    )
    client.get_collection(7)
    assert json.loads(recorder.requests[0].content) == {"collectionId": 7}  # the server takes the JWT's


@pytest.mark.parametrize("jwt", ["not-a-jwt", "eyJhbGciOiJIUzI1NiJ9.eyJwcm9qZWN0IjoiYWJjIn0.c2ln", None])
def test_a_token_without_a_readable_claim_is_still_sent(jwt: str | None) -> None:
    # A test of a bad token wants the server's Unauthorized, not a refusal by the client.
    client = MetadataClient("https://api.test", jwt=jwt)
    assert client.project_id is None
    if jwt:
        assert jwt not in repr(client)


def test_the_async_client_reads_the_claim_too() -> None:
    assert AsyncMetadataClient("https://api.test", jwt=JWT).project_id == 1


def test_base_url_must_be_http() -> None:
    with pytest.raises(errors.UsageError, match="base_url must be an http"):
        MetadataClient("metadata.sequence.app")


def test_async_client_has_the_same_behaviour() -> None:
    import asyncio

    recorder = Recorder(
        json_response(429, errors.ERRORS_BY_NAME["RateLimited"].body(), {"Retry-After": "0"}),
        json_response(200, {"collection": collection()}),
    )

    async def main() -> dict[str, Any]:
        async with AsyncMetadataClient(
            "https://api.test", jwt=JWT, project_id=1, transport=httpx.MockTransport(recorder)
        ) as client:
            assert JWT not in repr(client)
            return await client.get_collection(7)

    assert asyncio.run(main())["collection"]["id"] == 7
    assert len(recorder.requests) == 2


def test_errors_survive_pickling_for_xdist() -> None:
    import pickle

    error = errors.error_from_body(errors.ERRORS_BY_NAME["NotFound"].body(), operation="GetToken")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is errors.NotFoundError
    assert str(again) == str(error)


def test_the_threaded_transport_serves_any_event_loop_and_decodes_once() -> None:
    import asyncio
    import gzip

    from pytest_sequence_metadata.client import ThreadedTransport

    def gzipped(request: httpx.Request) -> httpx.Response:
        body = json.dumps({"collection": collection()}).encode()
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        return httpx.Response(200, content=gzip.compress(body), headers=headers)

    recorder = Recorder(gzipped)
    transport = ThreadedTransport(httpx.Client(transport=httpx.MockTransport(recorder)))
    client = AsyncMetadataClient("https://api.test", jwt=JWT, transport=transport)
    # Two loops one after the other, as pytest-asyncio runs two tests.
    for _ in range(2):
        assert asyncio.run(client.get_collection(7))["collection"]["id"] == 7
    assert recorder.requests[0].headers["authorization"] == f"Bearer {JWT}"
    transport.close()
    assert transport.http.is_closed
