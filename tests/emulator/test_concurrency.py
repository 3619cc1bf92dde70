"""Many clients at once against the background server: no lost writes, unique ids."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from pytest_sequence_metadata.emulator.server import ServerHandle

THREADS = 16
PER_THREAD = 25


def test_parallel_token_creates_lose_nothing(server: ServerHandle) -> None:
    server.emulator.reset()
    headers = {"Authorization": f"Bearer {server.emulator.mint_jwt(1)}"}
    with httpx.Client(base_url=server.url, headers=headers) as client:
        created = client.post(
            "/rpc/Collections/CreateCollection", json={"collection": {"metadata": {"name": "load"}}}
        )
        cid = created.json()["collection"]["id"]

    def worker(index: int) -> list[str]:
        made = []
        with httpx.Client(base_url=server.url, headers=headers) as client:
            for n in range(PER_THREAD):
                token_id = str(index * 1000 + n)
                body = {"collectionId": cid, "token": {"tokenId": token_id, "name": f"t{token_id}"}}
                response = client.post("/rpc/Collections/CreateToken", json=body)
                assert response.status_code == 200, response.text
                made.append(response.json()["token"]["tokenId"])
        return made

    with ThreadPoolExecutor(THREADS) as pool:
        made = [token for batch in pool.map(worker, range(1, THREADS + 1)) for token in batch]
    assert len(made) == len(set(made)) == THREADS * PER_THREAD

    listed: list[str] = []
    with httpx.Client(base_url=server.url, headers=headers) as client:
        page = 0
        while True:
            body = {"collectionId": cid, "page": {"page": page, "pageSize": 100}}
            answer = client.post("/rpc/Collections/ListTokens", json=body).json()
            listed += [t["tokenId"] for t in answer["tokens"]]
            if not answer["page"]["more"]:
                break
            page += 1
        count = client.post("/rpc/Collections/GetCollection", json={"collectionId": cid}).json()
    assert sorted(listed) == sorted(made)
    assert count["collection"]["tokenCount"] == THREADS * PER_THREAD


def test_parallel_collection_creates_get_unique_ids(server: ServerHandle) -> None:
    server.emulator.reset()

    def worker(project: int) -> list[int]:
        headers = {"Authorization": f"Bearer {server.emulator.mint_jwt(project)}"}
        with httpx.Client(base_url=server.url, headers=headers) as client:
            return [
                client.post(
                    "/rpc/Collections/CreateCollection", json={"collection": {"metadata": {"name": str(n)}}}
                ).json()["collection"]["id"]
                for n in range(20)
            ]

    with ThreadPoolExecutor(8) as pool:
        batches = list(pool.map(worker, range(1, 9)))
    ids = [cid for batch in batches for cid in batch]
    assert len(set(ids)) == len(ids) == 160
    for batch in batches:
        assert batch == sorted(batch)  # increasing within each client's sequence
