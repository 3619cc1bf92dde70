"""CORS on the API routes (RPCs and REST), configurable origins, none on the control routes."""

from __future__ import annotations

import httpx
import pytest
from emulator_support import CONTROL_TOKEN, Api, start_standalone

from pytest_sequence_metadata.emulator import IN_PROCESS_URL, Emulator
from pytest_sequence_metadata.emulator.cli import main

APP = "http://localhost:5173"
PREFLIGHT = {
    "Origin": APP,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type,webrpc",
}


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-") or k == "vary"}


def test_rpc_preflight_is_answered(api: Api) -> None:
    response = api.client.options("/rpc/Collections/CreateToken", headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "POST, OPTIONS"
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "webrpc"} <= allowed
    assert int(response.headers["access-control-max-age"]) > 0
    assert "access-control-allow-credentials" not in response.headers


def test_public_route_preflight_names_its_method(api: Api) -> None:
    cid = api.collection(publish=True)
    response = api.client.options(f"/projects/1/collections/{cid}.json", headers={"Origin": APP})
    assert response.status_code == 204
    assert response.headers["access-control-allow-methods"] == "GET, OPTIONS"
    upload = api.client.options(
        f"/projects/1/collections/{cid}/tokens/7/upload/image", headers={"Origin": APP}
    )
    assert upload.headers["access-control-allow-methods"] == "PUT, OPTIONS"


def test_answers_and_errors_carry_the_origin_header(api: Api) -> None:
    cid = api.collection(publish=True)
    api.token(cid, private=False)
    for response in (
        api.client.get(f"/projects/1/collections/{cid}/tokens/7.json", headers={"Origin": APP}),
        api.client.get("/projects/1/collections/999999/tokens/7.json", headers={"Origin": APP}),
        api.rpc("GetCollection", {"collectionId": cid}, headers={"Origin": APP}),
        api.rpc("GetCollection", {"collectionId": cid}, project=None, headers={"Origin": APP}),
    ):
        assert response.headers["access-control-allow-origin"] == "*", response.text
        assert "Webrpc" in response.headers["access-control-expose-headers"]
    assert api.client.get("/projects/1/collections/999999/tokens/7.json").status_code == 404


def test_without_an_origin_answers_are_unchanged(api: Api) -> None:
    cid = api.collection(publish=True)
    assert cors_headers(api.rpc("GetCollection", {"collectionId": cid})) == {}
    assert cors_headers(api.client.get(f"/projects/1/collections/{cid}")) == {}


def test_control_routes_get_no_cors(api: Api) -> None:
    health = api.client.get("/_emulator/health", headers={"Origin": APP})
    assert cors_headers(health) == {}
    refused = api.client.options("/_emulator/reset", headers=PREFLIGHT)
    assert refused.status_code == 405
    assert cors_headers(refused) == {}
    assert cors_headers(api.control("GET", "ui", headers={"Origin": APP})) == {}


def test_listed_origins_are_echoed_and_others_get_nothing() -> None:
    emulator = Emulator(cors_origins=[APP, "https://game.example.test"])
    with emulator.client(1) as client:
        allowed = client.options("/rpc/Collections/ListCollections", headers=PREFLIGHT)
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == APP
        assert allowed.headers["vary"] == "Origin"
        answer = client.post("/rpc/Collections/ListCollections", json={}, headers={"Origin": APP})
        assert answer.headers["access-control-allow-origin"] == APP
        other = {"Origin": "https://evil.example.test"}
        refused = client.options("/rpc/Collections/ListCollections", headers={**PREFLIGHT, **other})
        assert refused.status_code == 204  # the browser refuses it: no Access-Control-Allow-Origin
        assert cors_headers(refused) == {"vary": "Origin"}
        plain = client.post("/rpc/Collections/ListCollections", json={}, headers=other)
        assert plain.status_code == 200
        assert "access-control-allow-origin" not in plain.headers


def test_no_origins_means_no_cors_and_options_is_a_bad_method() -> None:
    emulator = Emulator(cors_origins=())
    with emulator.client(1) as client:
        response = client.options("/rpc/Collections/ListCollections", headers=PREFLIGHT)
        assert (response.status_code, response.json()["error"]) == (405, "WebrpcBadMethod")
        answer = client.post("/rpc/Collections/ListCollections", json={}, headers={"Origin": APP})
        assert cors_headers(answer) == {}


@pytest.mark.parametrize(
    "origin", ["localhost:5173", "http://x.test/path", "ftp://x.test", "http://u@x.test"]
)
def test_bad_origins_are_refused(origin: str) -> None:
    with pytest.raises(ValueError, match="CORS origin"):
        Emulator(cors_origins=[origin])


def test_one_string_is_not_a_list_of_origins() -> None:
    with pytest.raises(TypeError, match="list of origins"):
        Emulator(cors_origins="*")


def test_preflight_to_an_unknown_rpc_is_bad_route() -> None:
    with httpx.Client(transport=Emulator().transport(), base_url=IN_PROCESS_URL) as client:
        response = client.options("/rpc/Collections/NoSuchMethod", headers=PREFLIGHT)
    assert (response.status_code, response.json()["error"]) == (404, "WebrpcBadRoute")


def test_serve_takes_cors_origins() -> None:
    secret = "cors-test-secret-" + "c" * 24
    with start_standalone(secret, "--cors-origin", APP) as (_, url):
        allowed = httpx.options(f"{url}/rpc/Collections/ListCollections", headers=PREFLIGHT)
        assert allowed.headers["access-control-allow-origin"] == APP
        other = httpx.options(
            f"{url}/rpc/Collections/ListCollections", headers={**PREFLIGHT, "Origin": "http://other.test"}
        )
        assert "access-control-allow-origin" not in other.headers
        headers = {"X-Emulator-Control-Token": CONTROL_TOKEN, "Origin": APP}
        assert (
            "access-control-allow-origin" not in httpx.post(f"{url}/_emulator/reset", headers=headers).headers
        )


def test_serve_refuses_a_bad_origin_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--cors-origin", "localhost:3000"])
    assert exited.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "argument --cors-origin:" in last
    assert "localhost:3000" in last


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    from pytest_sequence_metadata import __version__

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"sequence-metadata-emulator {__version__}"
