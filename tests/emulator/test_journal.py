"""The request journal: what it records, its filters and assertions, its HTTP route and `--log-requests`."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import threading
from datetime import datetime

import pytest
from emulator_support import CONTROL_TOKEN, Api, png_bytes, start_standalone

from pytest_sequence_metadata.emulator import Emulator
from pytest_sequence_metadata.emulator.journal import Exchange, Journal


def test_every_answered_exchange_is_recorded(api: Api) -> None:
    cid = api.collection()
    api.token(cid, "7")
    api.image(cid, "7")
    missing = api.rpc("GetToken", {"collectionId": cid, "tokenId": "8"})
    assert missing.status_code == 400
    anonymous = api.get(f"/projects/1/collections/{cid}")
    assert anonymous.status_code == 404

    create, token, upload, get, public = api.emulator.requests.entries()
    assert (create.operation, create.method, create.path) == (
        "CreateCollection",
        "POST",
        "/rpc/Collections/CreateCollection",
    )
    assert create.project == 1
    assert create.status == 200
    assert create.error is None
    assert create.body == {
        "collection": {"metadata": {"name": "Harbor Lights", "description": "Lighthouses"}}
    }
    assert token.body["token"]["tokenId"] == "7"
    image = png_bytes(3, 2)
    assert upload.operation == "UploadTokenAsset"
    assert upload.body == {"file": {"bytes": len(image), "sha256": hashlib.sha256(image).hexdigest()}}
    assert (get.status, get.error) == (400, "NotFound")
    assert (public.operation, public.project, public.status, public.error) == (
        "GetPublicCollectionMetadata",
        None,
        404,
        "NotFound",
    )
    assert public.body is None
    for exchange in (create, public):
        assert datetime.fromisoformat(exchange.time).tzinfo is not None
        assert exchange.time.endswith("Z")
        assert exchange.duration_ms >= 0


def test_filters(api: Api) -> None:
    cid = api.collection()
    api.collection("Other", project=2)
    api.token(cid, "1")
    api.rpc("CreateToken", {"collectionId": cid, "token": {"tokenId": "1", "name": "again"}})
    journal = api.emulator.requests
    assert [e.operation for e in journal.calls(project=2)] == ["CreateCollection"]
    assert len(journal.calls("CreateToken")) == 2
    [conflict] = journal.calls("CreateToken", status=409)
    assert conflict.error == "RequestConflict"
    assert journal.calls("CreateToken", project=2) == []
    assert journal.calls(project=None) == []


def test_assert_called_lists_what_was_called_instead(emulator: Emulator) -> None:
    with emulator.client(1) as client:
        client.post("/rpc/Collections/ListCollections", json={})
    journal = emulator.requests
    [listed] = journal.assert_called("ListCollections", times=1)
    assert listed.status == 200
    journal.assert_called("ListCollections")
    with pytest.raises(AssertionError) as failure:
        journal.assert_called("CreateToken", times=1)
    assert str(failure.value) == (
        "expected CreateToken to be called 1 time, it was called 0 times; the requests answered were:\n"
        "  ListCollections (POST /rpc/Collections/ListCollections -> 200)"
    )
    with pytest.raises(AssertionError, match="called 2 times, it was called 1 time"):
        journal.assert_called("ListCollections", times=2)
    journal.clear()
    with pytest.raises(AssertionError, match=r"at least once.*no request was answered"):
        journal.assert_called("ListCollections")


def test_control_routes_are_not_recorded_and_reset_clears(api: Api) -> None:
    api.collection()
    assert api.control("GET", "faults").status_code == 200
    assert api.control("GET", "requests").status_code == 200
    assert len(api.emulator.requests) == 1
    assert api.control("POST", "reset").status_code == 200
    assert api.emulator.requests.entries() == []


def test_bounded_oldest_dropped() -> None:
    emulator = Emulator(journal_entries=3)
    with emulator.client(1) as client:
        for page in range(5):
            client.post("/rpc/Collections/ListCollections", json={"page": {"page": page}})
    assert [e.body["page"]["page"] for e in emulator.requests.entries()] == [2, 3, 4]
    with pytest.raises(ValueError, match="at least one"):
        Journal(0)
    silent = Emulator(journal_entries=0)
    with silent.client(1) as client:
        assert client.post("/rpc/Collections/ListCollections", json={}).status_code == 200
    with pytest.raises(RuntimeError, match="keeps no journal"):
        silent.requests  # noqa: B018


def test_secrets_in_bodies_are_redacted(emulator: Emulator) -> None:
    jwt = emulator.mint_jwt(1)
    with emulator.client(1) as client:
        body = {"collection": {"metadata": {"name": "leak", "description": jwt}}}
        assert client.post("/rpc/Collections/CreateCollection", json=body).status_code == 200
    text = json.dumps(emulator.requests.to_json())
    assert jwt not in text
    assert jwt.split(".")[2] not in text
    assert "***" in text


def test_thread_safe(emulator: Emulator) -> None:
    def work() -> None:
        with emulator.client(1) as client:
            for _ in range(25):
                client.post("/rpc/Collections/ListCollections", json={})

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(emulator.requests.calls("ListCollections", status=200)) == 100


def test_http_route_needs_the_control_token_and_filters(api: Api) -> None:
    api.collection()
    api.rpc("GetCollection", {"collectionId": 999})
    refused = api.client.get("/_emulator/requests")
    assert refused.status_code == 401
    assert refused.json()["error"] == "Unauthorized"
    everything = api.control("GET", "requests").json()["requests"]
    assert [e["operation"] for e in everything] == ["CreateCollection", "GetCollection"]  # newest last
    assert set(everything[0]) == {f.name for f in Exchange.__dataclass_fields__.values()}
    failed = api.control("GET", "requests", params={"status": "400"}).json()["requests"]
    assert [e["error"] for e in failed] == ["NotFound"]
    only = api.control("GET", "requests", params={"operation": "CreateCollection"}).json()["requests"]
    assert len(only) == 1
    bad = api.control("GET", "requests", params={"status": "x"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "InvalidArgument"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_a_non_python_client_reads_the_journal() -> None:
    """What a test in another language does: its code calls the emulator, then curl reads the journal."""
    emulator = Emulator(control_token=CONTROL_TOKEN)
    with emulator.serve() as handle:
        jwt = emulator.mint_jwt(5)
        sent = json.dumps({"collection": {"metadata": {"name": "From curl"}}})
        curl = ["curl", "--silent", "--show-error", "--fail-with-body"]
        subprocess.run(
            [
                *curl,
                "-X",
                "POST",
                f"{handle.url}/rpc/Collections/CreateCollection",
                "-H",
                "Content-Type: application/json",
                "-H",
                f"Authorization: Bearer {jwt}",
                "--data",
                sent,
            ],
            check=True,
            capture_output=True,
        )
        read = subprocess.run(
            [*curl, f"{handle.url}/_emulator/requests", "-H", f"X-Emulator-Control-Token: {CONTROL_TOKEN}"],
            check=True,
            capture_output=True,
            text=True,
        )
        [call] = json.loads(read.stdout)["requests"]
        assert call["operation"] == "CreateCollection"
        assert call["project"] == 5
        assert call["body"] == {"collection": {"metadata": {"name": "From curl"}}}
        denied = subprocess.run(
            ["curl", "--silent", "-o", "/dev/null", "-w", "%{http_code}", f"{handle.url}/_emulator/requests"],
            capture_output=True,
            text=True,
        )
        assert denied.stdout == "401"


def test_serve_log_requests_prints_one_line_per_request() -> None:
    import httpx

    with start_standalone("journal-secret-0123456789abcdef-0123456789", "--log-requests") as (process, url):
        jwt = Emulator(jwt_secret="journal-secret-0123456789abcdef-0123456789").mint_jwt(3)
        headers = {"Authorization": f"Bearer {jwt}"}
        httpx.post(f"{url}/rpc/Collections/GetCollection", json={"collectionId": 4}, headers=headers)
        httpx.get(f"{url}/_emulator/health")  # a control route: not logged
        httpx.post(f"{url}/rpc/Collections/ListCollections", json={}, headers=headers)
        assert process.stdout is not None
        first, second = process.stdout.readline(), process.stdout.readline()
    assert first.startswith("POST /rpc/Collections/GetCollection GetCollection 400 NotFound ")
    assert first.rstrip().endswith("ms")
    assert second.startswith("POST /rpc/Collections/ListCollections ListCollections 200 ")
    assert jwt not in first + second


def test_a_body_that_is_not_json_is_kept_as_text(emulator: Emulator) -> None:
    with emulator.client(1) as client:
        sent = client.post(
            "/rpc/Collections/ListCollections",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
    assert sent.status_code == 400
    [call] = emulator.requests.entries()
    assert (call.body, call.error) == ("{not json", "WebrpcBadRequest")


def test_nan_is_kept_as_text_so_the_journal_stays_json(emulator: Emulator) -> None:
    with emulator.client(1) as client:
        client.post(
            "/rpc/Collections/ListCollections",
            content=b'{"page": {"page": NaN}}',
            headers={"Content-Type": "application/json"},
        )
        listed = client.get("/_emulator/requests")
    [call] = listed.json(parse_constant=lambda c: pytest.fail(f"{c} in the journal"))["requests"]
    assert call["body"] == '{"page": {"page": NaN}}'


def test_the_caller_is_the_project_of_a_jwt_the_emulator_signed(emulator: Emulator) -> None:
    foreign = Emulator(jwt_secret="another-secret-0123456789abcdef-0123456789").mint_jwt(3)
    with emulator.client() as client:
        for jwt in (emulator.mint_jwt(4, expires_in=-10), foreign, "not-a-jwt"):
            client.post(
                "/rpc/Collections/ListCollections", json={}, headers={"Authorization": f"Bearer {jwt}"}
            )
    expired, unsigned, garbage = emulator.requests.entries()
    assert (expired.project, expired.error) == (4, "SessionExpired")
    assert (unsigned.project, unsigned.error) == (None, "Unauthorized")
    assert garbage.project is None
    assert len(emulator.requests.calls(project=None)) == 2
