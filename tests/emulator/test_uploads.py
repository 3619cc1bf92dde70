"""Uploads: multipart in, sniffed details out, the same bytes served back."""

from __future__ import annotations

import pytest
from emulator_support import Api, GIF_1x1, png_bytes


def test_png_round_trip_by_asset_id(api: Api) -> None:
    cid = api.collection(publish=True)
    api.token(cid, "7", private=False)
    created = api.call(
        "CreateAsset", {"asset": {"collectionId": cid, "tokenId": "7", "metadataField": "image"}}
    )
    aid = created["asset"]["id"]
    data = png_bytes(17, 9)
    response = api.upload(
        f"/projects/1/collections/{cid}/tokens/7/upload/{aid}", data, filename="whatever.jpg"
    )
    assert response.status_code == 200, response.text
    asset = response.json()
    expected_url = f"{api.client.base_url}".rstrip("/") + f"/projects/1/collections/{cid}/tokens/7/image.png"
    assert asset == {
        "id": aid,
        "collectionId": cid,
        "tokenId": "7",
        "url": expected_url,
        "metadataField": "image",
        "filename": "image.png",
        "filesize": len(data),
        "mimeType": "image/png",
        "width": 17,
        "height": 9,
        "updatedAt": asset["updatedAt"],
    }
    served = api.client.get(asset["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == data
    assert api.call("GetAsset", {"assetId": aid})["asset"] == asset


def test_upload_by_type_creates_the_asset(api: Api) -> None:
    cid = api.collection()
    api.token(cid, "7")
    asset = api.upload(f"/projects/1/collections/{cid}/tokens/7/upload/animation_url", GIF_1x1).json()
    assert asset["metadataField"] == "animation_url"
    assert (asset["mimeType"], asset["width"], asset["height"]) == ("image/gif", 1, 1)
    assert asset["url"].endswith("/tokens/7/animation_url.gif")
    assets = api.call("GetToken", {"collectionId": cid, "tokenId": "7"})["assets"]
    assert [a["id"] for a in assets] == [asset["id"]]
    # A second upload by type fills the same asset.
    again = api.upload(f"/projects/1/collections/{cid}/tokens/7/upload/animation_url", png_bytes(2, 2)).json()
    assert again["id"] == asset["id"]
    assert again["url"].endswith("/tokens/7/animation_url.png")


def test_a_refused_upload_by_type_creates_no_asset(api: Api) -> None:
    cid = api.collection()
    api.token(cid, "7")
    refused = api.upload(f"/projects/1/collections/{cid}/tokens/7/upload/image", b"")
    assert (refused.status_code, refused.json()["error"]) == (400, "InvalidArgument")
    assert api.call("GetToken", {"collectionId": cid, "tokenId": "7"})["assets"] == []
    created = api.call(
        "CreateAsset", {"asset": {"collectionId": cid, "tokenId": "7", "metadataField": "image"}}
    )
    assert created["asset"]["metadataField"] == "image"


def test_non_image_has_no_size(api: Api) -> None:
    cid = api.collection()
    api.token(cid, "7")
    asset = api.upload(f"/projects/1/collections/{cid}/tokens/7/upload/audio", b"just some text bytes").json()
    assert asset["mimeType"] == "application/octet-stream"
    assert "width" not in asset
    assert "height" not in asset
    assert asset["url"].endswith("/audio.bin")


def test_collection_level_asset(api: Api) -> None:
    cid = api.collection()
    aid = api.call("CreateAsset", {"asset": {"collectionId": cid, "metadataField": "image"}})["asset"]["id"]
    data = png_bytes(5, 5)
    asset = api.upload(f"/projects/1/collections/{cid}/assets/{aid}/upload", data).json()
    assert asset["tokenId"] is None
    assert asset["url"].endswith(f"/projects/1/collections/{cid}/image.png")
    assert api.client.get(asset["url"]).status_code == 404  # not published yet
    api.call("PublishCollection", {"collectionId": cid})
    assert api.client.get(asset["url"]).content == data
    assert api.get(f"/projects/1/collections/{cid}").json()["image"] == asset["url"]


def test_private_asset_route_serves_hidden_files_to_the_owner(api: Api) -> None:
    cid = api.collection()
    api.token(cid, "7")
    data = png_bytes(4, 3)
    api.image(cid, "7", data=data)
    response = api.get(f"/projects/1/collections/{cid}/tokens/7/asset/image", project=1)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == data
    assert api.get(f"/projects/1/collections/{cid}/tokens/7/asset/video", project=1).status_code == 404


def test_upload_errors(api: Api) -> None:
    cid = api.collection()
    api.token(cid, "7")
    api.token(cid, "8")
    other = api.call(
        "CreateAsset", {"asset": {"collectionId": cid, "tokenId": "8", "metadataField": "image"}}
    )
    root = f"/projects/1/collections/{cid}/tokens/7/upload"
    raw = api.client.put(
        f"{root}/image", content=b"bytes", headers={**api.auth(), "Content-Type": "image/png"}
    )
    assert (raw.status_code, raw.json()["error"]) == (400, "WebrpcBadRequest")
    missing = api.upload(f"{root}/image", b"bytes", field="picture")
    assert (missing.status_code, missing.json()["error"]) == (400, "RequiredArgument")
    empty = api.upload(f"{root}/image", b"")
    assert (empty.status_code, empty.json()["error"]) == (400, "InvalidArgument")
    wrong_kind = api.upload(f"{root}/thumbnail", b"bytes")
    assert (wrong_kind.status_code, wrong_kind.json()["error"]) == (400, "InvalidArgument")
    foreign = api.upload(f"{root}/{other['asset']['id']}", b"bytes")  # another token's asset
    assert (foreign.status_code, foreign.json()["error"]) == (404, "NotFound")
    unknown_token = api.upload(f"/projects/1/collections/{cid}/tokens/99/upload/image", b"bytes")
    assert unknown_token.status_code == 404
    bad_method = api.client.post(f"{root}/image", headers=api.auth())
    assert (bad_method.status_code, bad_method.headers["allow"]) == (405, "PUT")
    garbled = api.client.put(
        f"{root}/image",
        content=b"--xyz\r\nnot a header line\r\n\r\n",
        headers={**api.auth(), "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert garbled.status_code == 400


def test_deleting_an_asset_removes_its_file(api: Api) -> None:
    cid = api.collection(publish=True)
    api.token(cid, "7", private=False)
    asset = api.image(cid, "7")
    assert api.client.get(asset["url"]).status_code == 200
    api.call("DeleteAsset", {"assetId": asset["id"]})
    assert api.client.get(asset["url"]).status_code == 404
    assert api.get(f"/projects/1/collections/{cid}/tokens/7").json()["image"] == ""


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
HTML = (
    b"<!DOCTYPE html><html><body><script>fetch('/_emulator/reset', {method: 'POST'})</script></body></html>"
)


@pytest.mark.parametrize("data", [SVG, HTML, png_bytes(2, 2)], ids=["svg", "html", "png"])
def test_stored_files_cannot_run_as_pages_of_the_emulator(api: Api, data: bytes) -> None:
    cid = api.collection(publish=True)
    api.token(cid, "7", private=False)
    asset = api.image(cid, "7", data=data)
    for served in (
        api.client.get(asset["url"]),
        api.get(f"/projects/1/collections/{cid}/tokens/7/asset/image", project=1),
    ):
        assert served.status_code == 200
        assert served.content == data
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
        active = not served.headers["content-type"].startswith(("image/png",))
        assert ("attachment" in served.headers.get("content-disposition", "")) is active


def test_two_file_parts_are_refused(api: Api) -> None:
    cid = api.collection()
    api.token(cid, "7")
    response = api.client.put(
        f"/projects/1/collections/{cid}/tokens/7/upload/image",
        files=[("file", ("a.png", png_bytes(2, 2))), ("file", ("b.svg", SVG))],
        headers=api.auth(1),
    )
    assert (response.status_code, response.json()["error"]) == (400, "InvalidArgument")
    assert "exactly one" in response.json()["cause"]
    assert api.call("GetToken", {"collectionId": cid, "tokenId": "7"})["assets"] == []
