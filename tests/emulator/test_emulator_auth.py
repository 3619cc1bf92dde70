"""Bearer JWTs: who may call what."""

from __future__ import annotations

import hashlib
import hmac
import time

import jwt as pyjwt
import pytest
from emulator_support import Api

from pytest_sequence_metadata.emulator import DEFAULT_JWT_SECRET, Emulator
from pytest_sequence_metadata.emulator.auth import SECRET_ENV_VAR, bearer_token, resolve_secret


def error(response: object) -> tuple[int, str]:
    body = response.json()  # type: ignore[attr-defined]
    return response.status_code, body["error"]  # type: ignore[attr-defined]


def test_missing_token_is_unauthorized(api: Api) -> None:
    assert error(api.rpc("ListCollections", {}, project=None)) == (401, "Unauthorized")


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt", "Token abc", "Bearer a.b.c"],
)
def test_malformed_tokens_are_unauthorized(api: Api, header: str) -> None:
    response = api.rpc("ListCollections", {}, project=None, headers={"Authorization": header})
    assert error(response) == (401, "Unauthorized")


def test_token_signed_with_another_secret_is_unauthorized(api: Api) -> None:
    forged = pyjwt.encode({"project": 1}, "x" * 40, algorithm="HS256")
    response = api.rpc("ListCollections", {}, project=None, headers={"Authorization": f"Bearer {forged}"})
    assert error(response) == (401, "Unauthorized")
    assert forged not in response.text  # secrets never echo back


def test_token_without_project_claim_is_unauthorized(api: Api) -> None:
    token = pyjwt.encode({"account": "0xabc"}, api.emulator.jwt_secret, algorithm="HS256")
    response = api.rpc("ListCollections", {}, project=None, headers={"Authorization": f"Bearer {token}"})
    assert error(response) == (401, "Unauthorized")


def test_unsigned_token_is_unauthorized(api: Api) -> None:
    token = pyjwt.encode({"project": 1}, None, algorithm="none")
    response = api.rpc("ListCollections", {}, project=None, headers={"Authorization": f"Bearer {token}"})
    assert error(response) == (401, "Unauthorized")


def test_expired_token_is_session_expired(api: Api) -> None:
    expired = api.jwt(1, expires_in=-10)
    response = api.rpc("ListCollections", {}, project=None, headers={"Authorization": f"Bearer {expired}"})
    assert error(response) == (403, "SessionExpired")
    assert expired not in response.text


def test_token_expires_while_cached(emulator: Emulator) -> None:
    token = emulator.mint_jwt(1, expires_in=1)
    with emulator.client() as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.post("/rpc/Collections/ListCollections", json={}, headers=headers).status_code == 200
        time.sleep(1.05)
        assert client.post("/rpc/Collections/ListCollections", json={}, headers=headers).status_code == 403


@pytest.mark.parametrize("scheme", ["BEARER", "bearer", "Bearer", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(api: Api, scheme: str) -> None:
    response = api.rpc(
        "ListCollections", {}, project=None, headers={"Authorization": f"{scheme} {api.jwt(1)}"}
    )
    assert response.status_code == 200


def _signed(api: Api, payload: str) -> str:
    """A token signed with the emulator's secret over a payload written as raw JSON text."""
    header = pyjwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}')
    body = pyjwt.utils.base64url_encode(payload.encode())
    signing_input = header + b"." + body
    signature = hmac.new(api.emulator.jwt_secret.encode(), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + pyjwt.utils.base64url_encode(signature)).decode()


@pytest.mark.parametrize(
    "payload",
    [
        '{"project": "5"}',  # the real claim is a JSON integer
        '{"project": "\u0661"}',  # ARABIC-INDIC DIGIT ONE: str.isdecimal() says yes
        '{"project": 1000000000000000000000000}',  # 10**24: beyond uint64
        '{"project": 18446744073709551616}',  # 2**64
        '{"project": true}',
        '{"project": 1.0}',
        '{"project": 1, "exp": NaN}',  # would never expire
        '{"project": 1, "exp": Infinity}',
        '{"project": 1, "exp": "99999999999"}',
        '{"project": 1, "exp": true}',
        '{"project": 1, "nbf": NaN}',
        '{"project": 1, "iat": "yesterday"}',
        pytest.param('{"project": 1, "exp": 1' + "0" * 400 + "}", id="exp-of-400-digits"),
    ],
)
def test_only_real_claims_are_accepted(api: Api, payload: str) -> None:
    token = _signed(api, payload)
    response = api.rpc("ListCollections", {}, project=None, headers={"Authorization": f"Bearer {token}"})
    assert error(response) == (401, "Unauthorized")
    assert token not in response.text


def test_a_token_not_valid_yet_is_unauthorized(api: Api) -> None:
    token = _signed(api, f'{{"project": 1, "nbf": {int(time.time()) + 3600}}}')
    response = api.rpc("ListCollections", {}, project=None, headers={"Authorization": f"Bearer {token}"})
    assert error(response) == (401, "Unauthorized")


def test_uint64_projects_and_float_times_are_accepted(api: Api) -> None:
    top = (1 << 64) - 1
    token = _signed(api, f'{{"project": {top}, "exp": {time.time() + 60.5}, "iat": 1741687488}}')
    response = api.rpc("ListCollections", {}, project=None, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def test_project_comes_from_the_token_when_omitted(api: Api) -> None:
    cid = api.collection(project=3)
    assert api.call("GetCollection", {"collectionId": cid}, project=3)["collection"]["projectId"] == 3


def test_other_projects_project_id_is_permission_denied(api: Api) -> None:
    cid = api.collection(project=1)
    response = api.rpc("GetCollection", {"projectId": 1, "collectionId": cid}, project=2)
    assert error(response) == (403, "PermissionDenied")
    # Without projectId, the caller's own project is searched: the id does not exist there.
    assert error(api.rpc("GetCollection", {"collectionId": cid}, project=2)) == (400, "NotFound")


def test_owner_routes_need_the_owner(api: Api) -> None:
    cid = api.collection(project=1)
    api.token(cid, "7")
    api.image(cid, "7")
    path = f"/projects/1/collections/{cid}/tokens/7/asset/image"
    assert error(api.get(path)) == (401, "Unauthorized")
    assert error(api.get(path, project=2)) == (403, "PermissionDenied")
    assert api.get(path, project=1).status_code == 200
    upload = f"/projects/1/collections/{cid}/tokens/7/upload/image"
    assert error(api.upload(upload, b"abc", project=None)) == (401, "Unauthorized")
    assert error(api.upload(upload, b"abc", project=2)) == (403, "PermissionDenied")


def test_secret_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV_VAR, raising=False)
    assert resolve_secret() == DEFAULT_JWT_SECRET
    monkeypatch.setenv(SECRET_ENV_VAR, "e" * 32)
    assert resolve_secret() == "e" * 32
    assert resolve_secret("f" * 40) == "f" * 40
    with pytest.raises(ValueError, match="at least 32 bytes"):
        resolve_secret("short")


def test_env_secret_is_used_by_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV_VAR, "s" * 32)
    emulator = Emulator()
    claims = pyjwt.decode(emulator.mint_jwt(4), "s" * 32, algorithms=["HS256"])
    assert claims["project"] == 4
    assert claims["exp"] > claims["iat"]


def test_tokens_of_one_emulator_do_not_open_another() -> None:
    first, second = Emulator(jwt_secret="a" * 32), Emulator(jwt_secret="b" * 32)
    with second.client() as client:
        headers = {"Authorization": f"Bearer {first.mint_jwt(1)}"}
        assert client.post("/rpc/Collections/ListCollections", json={}, headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (None, None),
        ("", None),
        ("Bearer  abc ", "abc"),
        ("BEARER x", "x"),
        ("Basic x", None),
        ("Bearer", None),
    ],
)
def test_bearer_token_parsing(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


@pytest.mark.parametrize("project", [0, -1, True, "1"])
def test_mint_rejects_bad_projects(emulator: Emulator, project: object) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        emulator.mint_jwt(project)  # type: ignore[arg-type]
