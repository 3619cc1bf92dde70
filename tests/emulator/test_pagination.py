"""Numbered pages over the wire: counted from 0, default page object, nothing lost or repeated."""

from __future__ import annotations

import pytest
from emulator_support import Api


def walk(
    api: Api, method: str, body: dict[str, object], key: str, size: int
) -> tuple[list[object], list[dict]]:
    items: list[object] = []
    pages: list[dict] = []
    number = 0  # [A:page-numbering]: the Go type multiplies `page` by pageSize
    while True:
        answer = api.call(method, {**body, "page": {"page": number, "pageSize": size}})
        pages.append(answer["page"])
        items += answer[key]
        if not answer["page"]["more"]:
            return items, pages
        number += 1


def test_default_page(api: Api) -> None:
    cid = api.collection()
    assert api.call("ListTokens", {"collectionId": cid}) == {
        "page": {"pageSize": 30, "more": False},
        "tokens": [],
    }
    assert api.call("ListCollections", {})["page"] == {"pageSize": 30, "more": False}


@pytest.mark.parametrize("size", [1, 7, 30, 100])
def test_tokens_pages_cover_everything_once(api: Api, size: int) -> None:
    cid = api.collection()
    for n in range(45):
        api.token(cid, str(1000 - n))  # creation order, not numeric order
    tokens, pages = walk(api, "ListTokens", {"collectionId": cid}, "tokens", size)
    assert [t["tokenId"] for t in tokens] == [str(1000 - n) for n in range(45)]  # type: ignore[index]
    assert all(p["pageSize"] == size for p in pages)
    assert [p["page"] for p in pages] == list(range(len(pages)))


def test_collections_and_links_paginate(api: Api) -> None:
    ids = [api.collection(f"c{n}") for n in range(5)]
    collections, _ = walk(api, "ListCollections", {}, "collections", 2)
    assert [c["id"] for c in collections] == ids  # type: ignore[index]
    for n, cid in enumerate(ids):
        link = {"chainId": 137, "contractAddress": f"0x{n:040x}", "collectionId": cid}
        api.call("CreateContractCollection", {"projectId": 1, "contractCollection": link})
    links, _ = walk(api, "ListContractCollections", {"projectId": 1}, "contractCollections", 3)
    assert [link["collectionId"] for link in links] == ids  # type: ignore[index]


def test_page_beyond_the_end_is_empty(api: Api) -> None:
    cid = api.collection()
    api.token(cid, "1")
    answer = api.call("ListTokens", {"collectionId": cid, "page": {"page": 9, "pageSize": 10}})
    assert answer == {"page": {"page": 9, "pageSize": 10, "more": False}, "tokens": []}


def test_page_zero_is_the_first_and_page_one_the_second(api: Api) -> None:
    cid = api.collection()
    api.token(cid, "1")
    api.token(cid, "2")
    first = api.call("ListTokens", {"collectionId": cid, "page": {"page": 0, "pageSize": 1}})
    second = api.call("ListTokens", {"collectionId": cid, "page": {"page": 1, "pageSize": 1}})
    unnumbered = api.call("ListTokens", {"collectionId": cid, "page": {"pageSize": 1}})
    assert [t["tokenId"] for t in first["tokens"]] == ["1"]
    assert [t["tokenId"] for t in second["tokens"]] == ["2"]
    assert unnumbered["tokens"] == first["tokens"]
    assert first["page"] == {"page": 0, "pageSize": 1, "more": True}


@pytest.mark.parametrize("cursor", [{"column": "id"}, {"after": 5}, {"before": [1]}])
def test_cursor_fields_are_refused_clearly(api: Api, cursor: dict[str, object]) -> None:
    cid = api.collection()
    response = api.rpc("ListTokens", {"collectionId": cid, "page": cursor})
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidArgument"
    assert f"page.{next(iter(cursor))}" in response.json()["cause"]
