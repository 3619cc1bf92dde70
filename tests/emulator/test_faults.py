"""Fault injection: 429 with Retry-After, 5xx envelopes, latency; per call count or seeded fraction."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from emulator_support import Api

from pytest_sequence_metadata.emulator import IN_PROCESS_URL, Emulator


def test_rate_limit_for_a_number_of_calls(api: Api) -> None:
    api.emulator.faults.rate_limit("ListCollections", retry_after=7, times=2)
    for _ in range(2):
        response = api.rpc("ListCollections", {})
        assert response.status_code == 429
        assert response.headers["retry-after"] == "7"
        assert response.json()["error"] == "RateLimited"
        assert response.json()["code"] == 2005
    assert api.rpc("ListCollections", {}).status_code == 200
    assert api.rpc("GetCollection", {"collectionId": 1}).status_code == 400  # other operations untouched


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_is_a_json_envelope(api: Api, status: int) -> None:
    api.emulator.faults.server_error("CreateCollection", status=status)
    response = api.rpc("CreateCollection", {"collection": {"metadata": {"name": "x"}}})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == "WebrpcInternalError"
    assert api.call("ListCollections", {})["collections"] == []  # the failed call changed nothing


def test_faults_apply_to_rest_routes_and_wildcard(api: Api) -> None:
    api.emulator.faults.rate_limit("*", times=1)
    assert api.get("/projects/1/collections/1").status_code == 429
    assert api.get("/projects/1/collections/1").status_code == 404


def test_latency_sync(api: Api) -> None:
    api.emulator.faults.latency("ListCollections", seconds=0.3, times=1)
    started = time.perf_counter()
    assert api.rpc("ListCollections", {}).status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    api.rpc("ListCollections", {})
    assert time.perf_counter() - started < 0.3


def test_latency_does_not_block_the_event_loop() -> None:
    emulator = Emulator()
    emulator.faults.latency("ListCollections", seconds=0.4)
    jwt = emulator.mint_jwt(1)

    async def run() -> float:
        async with httpx.AsyncClient(transport=emulator.transport(), base_url=IN_PROCESS_URL) as client:
            started = time.perf_counter()
            calls = [
                client.post(
                    "/rpc/Collections/ListCollections", json={}, headers={"Authorization": f"Bearer {jwt}"}
                )
                for _ in range(5)
            ]
            answers = await asyncio.gather(*calls)
            assert all(a.status_code == 200 for a in answers)
            return time.perf_counter() - started

    assert 0.4 <= asyncio.run(run()) < 1.5  # concurrent sleeps, not 5 x 0.4 in a row


def test_latency_over_the_server_does_not_block_other_calls(server: object) -> None:
    handle = server
    emulator: Emulator = handle.emulator  # type: ignore[attr-defined]
    emulator.reset()
    emulator.faults.latency("ListCollections", seconds=0.5, times=1)
    jwt = emulator.mint_jwt(1)

    async def run() -> tuple[float, float]:
        async with httpx.AsyncClient(base_url=handle.url) as client:  # type: ignore[attr-defined]
            headers = {"Authorization": f"Bearer {jwt}"}
            started = time.perf_counter()
            slow = asyncio.create_task(
                client.post("/rpc/Collections/ListCollections", json={}, headers=headers)
            )
            await asyncio.sleep(0.05)
            await client.get("/_emulator/health")
            fast_done = time.perf_counter() - started
            await slow
            return fast_done, time.perf_counter() - started

    fast_done, total = asyncio.run(run())
    assert total >= 0.5
    assert fast_done < 0.45


def test_fractions_follow_the_seed() -> None:
    def pattern(seed: int) -> list[int]:
        emulator = Emulator(fault_seed=seed)
        emulator.faults.server_error("ListCollections", times=None, probability=0.5)
        with emulator.client(1) as client:
            return [client.post("/rpc/Collections/ListCollections", json={}).status_code for _ in range(40)]

    first, again, other = pattern(3), pattern(3), pattern(4)
    assert first == again
    assert first != other
    assert 5 < first.count(500) < 35


def test_control_routes(api: Api) -> None:
    answer = api.control(
        "POST",
        "faults",
        json={"operation": "GetCollection", "kind": "rate_limit", "retryAfter": 2, "times": 1},
    )
    assert answer.status_code == 200
    assert answer.json()["fault"]["retry_after"] == 2
    assert [f["operation"] for f in api.control("GET", "faults").json()["faults"]] == ["GetCollection"]
    assert api.rpc("GetCollection", {"collectionId": 1}).status_code == 429
    api.control("POST", "faults", json={"operation": "GetCollection", "kind": "error", "status": 503})
    assert api.control("DELETE", "faults", params={"operation": "GetCollection"}).json() == {"ok": True}
    assert api.rpc("GetCollection", {"collectionId": 1}).status_code == 400
    bad = api.control("POST", "faults", json={"operation": "GetCollection", "kind": "explode"})
    assert (bad.status_code, bad.json()["error"]) == (400, "InvalidArgument")
    bad_status = api.control("POST", "faults", json={"operation": "X", "kind": "error", "status": 404})
    assert bad_status.status_code == 400


def test_reset_clears_faults_and_data(api: Api) -> None:
    api.collection()
    api.emulator.faults.latency("GetCollection", seconds=1)
    assert api.control("POST", "reset").json() == {"ok": True}
    assert api.emulator.faults.rules == []
    assert api.call("ListCollections", {})["collections"] == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f.rate_limit("X", times=0), "times"),
        (lambda f: f.server_error("X", status=418), "status"),
        (lambda f: f.latency("X", seconds=-1), "seconds"),
        (lambda f: f.latency("X", seconds=1, probability=0), "probability"),
        (lambda f: f.rate_limit("", times=1), "operation"),
    ],
)
def test_fault_arguments_are_checked(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(Emulator().faults)  # type: ignore[operator]
