"""Resource limits: value sizes, state per project, body sizes and read timeouts (all webrpc errors)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from emulator_support import Api

from pytest_sequence_metadata.emulator import Emulator
from pytest_sequence_metadata.emulator.cli import main
from pytest_sequence_metadata.emulator.limits import DEFAULT_LIMITS, UPLOAD_REQUEST_BYTES, Limits
from pytest_sequence_metadata.emulator.server import ServerHandle


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def create(api: Api, metadata: object, project: int = 1) -> httpx.Response:
    return api.rpc("CreateCollection", {"collection": {"metadata": metadata}}, project=project)


def test_a_string_over_the_limit_is_invalid(api: Api) -> None:
    long_name = "n" * (DEFAULT_LIMITS.string_chars + 1)
    assert error(create(api, {"name": long_name})) == (400, "InvalidArgument")
    assert create(api, {"name": "n" * DEFAULT_LIMITS.string_chars}).status_code == 200


def test_a_key_or_an_array_over_the_limit_is_invalid(api: Api) -> None:
    many = [{"trait_type": "t", "value": i} for i in range(DEFAULT_LIMITS.items + 1)]
    assert error(create(api, {"name": "x", "attributes": many})) == (400, "InvalidArgument")
    huge_key = {"k" * (DEFAULT_LIMITS.string_chars + 1): 1}
    assert error(create(api, {"name": "x", "properties": huge_key})) == (400, "InvalidArgument")
    assert api.call("ListCollections", {})["collections"] == []


def test_an_rpc_body_over_the_limit_is_too_large(api: Api) -> None:
    body = b'{"collection": {"metadata": {"name": "' + b"n" * DEFAULT_LIMITS.request_bytes + b'"}}}'
    response = api.client.post(
        "/rpc/Collections/CreateCollection",
        content=body,
        headers={**api.auth(1), "content-type": "application/json"},
    )
    assert error(response) == (413, "InvalidArgument")


@pytest.fixture
def small() -> Iterator[Api]:
    limits = Limits(collections=2, tokens=3, assets=2, metadata_bytes=4096, file_bytes=300)
    emulator = Emulator(limits=limits)
    with emulator.client() as client:
        yield Api(emulator, client, "inprocess")


def test_collections_per_project_are_limited(small: Api) -> None:
    first = small.collection()
    small.collection()
    assert error(create(small, {"name": "third"})) == (409, "RequestConflict")
    assert create(small, {"name": "other project"}, project=2).status_code == 200
    small.call("DeleteCollection", {"collectionId": first})
    assert create(small, {"name": "third, after a delete"}).status_code == 200


def test_tokens_and_assets_per_project_are_limited(small: Api) -> None:
    cid = small.collection()
    for token_id in ("1", "2", "3"):
        small.token(cid, token_id)
    body = {"collectionId": cid, "token": {"tokenId": "4", "name": "four"}}
    assert error(small.rpc("CreateToken", body)) == (409, "RequestConflict")
    small.call("DeleteToken", {"collectionId": cid, "tokenId": "3"})
    assert small.rpc("CreateToken", body).status_code == 200
    for field in ("image", "audio"):
        small.call("CreateAsset", {"asset": {"collectionId": cid, "tokenId": "1", "metadataField": field}})
    third = {"asset": {"collectionId": cid, "tokenId": "1", "metadataField": "video"}}
    assert error(small.rpc("CreateAsset", third)) == (409, "RequestConflict")


def test_stored_metadata_per_project_is_limited(small: Api) -> None:
    cid = small.collection()
    grown = {"collection": {"id": cid, "metadata": {"name": "x", "description": "d" * 5000}}}
    assert error(small.rpc("UpdateCollection", grown)) == (409, "RequestConflict")
    assert (
        small.call("GetCollection", {"collectionId": cid})["collection"]["metadata"]["name"]
        == "Harbor Lights"
    )
    fits = {"collection": {"id": cid, "metadata": {"name": "x", "description": "d" * 3000}}}
    assert small.rpc("UpdateCollection", fits).status_code == 200
    assert error(create(small, {"name": "y", "description": "d" * 1500})) == (409, "RequestConflict")


@pytest.mark.parametrize("spare", [0, -1])
def test_stored_metadata_is_counted_as_its_compact_json_characters(spare: int) -> None:
    """The budget counts characters of compact JSON: non-ASCII ones once (not as \\u escapes), no
    spaces after separators. Metadata of exactly the budget fits, one character more does not."""
    metadata = {"name": "é" * 40, "description": "ü, ß", "properties": {"a": [1, "ö"]}}
    body = {"collection": {"metadata": metadata}}
    with Emulator().client(1) as probe:
        stored = probe.post("/rpc/Collections/CreateCollection", json=body).json()["collection"]["metadata"]
    size = len(json.dumps(stored, ensure_ascii=False, separators=(",", ":")))
    with Emulator(limits=Limits(metadata_bytes=size + spare)).client(1) as client:
        response = client.post("/rpc/Collections/CreateCollection", json=body)
    assert response.status_code == (200 if spare == 0 else 409), response.text


def test_stored_files_per_project_are_limited(small: Api) -> None:
    cid = small.collection()
    small.token(cid, "1")
    small.token(cid, "2")
    first = bytes(range(200))  # a replaced file gives its room back
    small.image(cid, "1", data=first)
    small.image(cid, "1", data=first)
    refused = small.upload(f"/projects/1/collections/{cid}/tokens/2/upload/image", first)
    assert error(refused) == (409, "RequestConflict")
    assert small.call("GetToken", {"collectionId": cid, "tokenId": "2"})["assets"] == []
    small.call("DeleteToken", {"collectionId": cid, "tokenId": "1"})
    small.image(cid, "2", data=first)


@pytest.mark.parametrize("digits", [4301, 20_000])
def test_integers_beyond_pythons_digit_limit_are_bad_requests(api: Api, digits: int) -> None:
    body = b'{"collectionId": ' + b"7" * digits + b"}"
    response = api.client.post(
        "/rpc/Collections/GetCollection",
        content=body,
        headers={**api.auth(1), "content-type": "application/json"},
    )
    assert error(response) == (400, "WebrpcBadRequest")
    control = api.control("POST", "token", content=b'{"project": ' + b"1" * digits + b"}")
    assert error(control) == (400, "WebrpcBadRequest")


def test_limits_parse_and_refuse_nonsense() -> None:
    assert Limits.parse(["request-bytes=10", "body_timeout=0.5"]) == Limits(
        request_bytes=10, body_timeout=0.5
    )
    with pytest.raises(ValueError, match="NAME=VALUE"):
        Limits.parse(["nope=1"])
    with pytest.raises(ValueError, match="expected a number"):
        Limits.parse(["items=many"])
    with pytest.raises(ValueError, match="positive"):
        Limits(items=0)


def test_cli_limit_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--limit", "items"])
    assert exited.value.code == 2
    assert "--limit expects NAME=VALUE" in capsys.readouterr().err


# --- over a real socket: what only the HTTP server can do ----------------------------------------


@pytest.fixture(scope="module")
def quick() -> Iterator[ServerHandle]:
    with Emulator(limits=Limits(header_timeout=0.5, body_timeout=0.5)).serve() as handle:
        yield handle


def _connect(handle: ServerHandle) -> socket.socket:
    return socket.create_connection(("127.0.0.1", handle.port), timeout=5)


def _read_all(sock: socket.socket) -> bytes:
    """One response: until its Content-Length is complete or the server closes."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        length = [line for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")]
        if sep and length and len(body) >= int(length[0].split(b":")[1]):
            break
    return data


def test_an_oversize_content_length_is_refused_before_the_body(quick: ServerHandle) -> None:
    for path, limit in (
        ("/rpc/Collections/CreateCollection", DEFAULT_LIMITS.request_bytes),
        ("/projects/1/collections/1/tokens/1/upload/image", UPLOAD_REQUEST_BYTES),
    ):
        with _connect(quick) as sock:
            head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            sock.sendall(f"{head}Content-Length: {limit + 1}\r\n\r\n".encode())
            started = time.monotonic()
            answer = _read_all(sock)  # answered although not a byte of the body was sent
            assert time.monotonic() - started < 0.4
        assert answer.startswith(b"HTTP/1.1 413 ")
        assert b'"error":"InvalidArgument"' in answer
        assert b"connection: close" in answer.lower()


def test_a_body_shorter_than_its_content_length_times_out(quick: ServerHandle) -> None:
    with _connect(quick) as sock:
        head = (
            "POST /rpc/Collections/ListCollections HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        )
        sock.sendall(f"{head}Content-Length: 100\r\n\r\n{{}}".encode())
        started = time.monotonic()
        answer = _read_all(sock)
        assert time.monotonic() - started < 3
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b'"error":"Timeout"' in answer


def test_headers_sent_slowly_are_cut_off(quick: ServerHandle) -> None:
    with _connect(quick) as sock:
        started = time.monotonic()
        closed = False
        for byte in b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.05)
            if time.monotonic() - started > 3:
                break
        if not closed:
            sock.settimeout(2)
            closed = sock.recv(1) == b""
    assert closed
    assert time.monotonic() - started < 2.5


def test_an_idle_connection_is_closed_and_a_fresh_one_served(quick: ServerHandle) -> None:
    with _connect(quick) as sock:
        sock.settimeout(3)
        assert sock.recv(1) == b""  # closed after header_timeout without a request
    assert httpx.get(f"{quick.url}/_emulator/health").status_code == 200


def test_a_slow_request_is_not_cut_by_the_header_timeout(quick: ServerHandle) -> None:
    quick.emulator.faults.latency("ListCollections", seconds=1.0, times=1)
    with httpx.Client(base_url=quick.url) as client:
        headers = {"Authorization": f"Bearer {quick.emulator.mint_jwt(1)}"}
        assert client.post("/rpc/Collections/ListCollections", json={}, headers=headers).status_code == 200


def test_deletes_give_back_all_the_room_renames_and_refusals_take_none(small: Api) -> None:
    cid = small.collection()
    small.token(cid, "1", description="d" * 500)
    small.token(cid, "2")
    small.image(cid, "1", data=bytes(range(200)))
    rename = {"collectionId": cid, "tokenId": "2", "token": {"tokenId": "1", "name": "c" * 1000}}
    assert error(small.rpc("UpdateToken", rename)) == (409, "RequestConflict")  # a refused write
    moved = {"collectionId": cid, "tokenId": "2", "token": {"tokenId": "3", "name": "d" * 900}}
    assert small.rpc("UpdateToken", moved).status_code == 200
    small.call("DeleteCollection", {"collectionId": cid})
    # Everything was given back: the whole budgets fit again.
    near_full = create(small, {"name": "x", "description": "d" * 4000})
    assert near_full.status_code == 200, "metadata bytes leaked"
    small.call("DeleteCollection", {"collectionId": near_full.json()["collection"]["id"]})
    cid = small.collection("second")
    small.token(cid, "1")
    small.token(cid, "2")
    small.token(cid, "3")
    small.image(cid, "1", data=bytes(range(250)))
