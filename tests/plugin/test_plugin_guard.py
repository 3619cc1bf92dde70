"""The production guard decides on the host as httpx connects to it, from every source, before any socket."""

from __future__ import annotations

import httpx
import pytest
from plugin_support import NetworkRecorder

from pytest_sequence_metadata.client import AsyncMetadataClient, MetadataClient
from pytest_sequence_metadata.emulator import Emulator
from pytest_sequence_metadata.errors import BadResponseError

PREFIX = "ERROR: pytest-sequence-metadata: "
OWNER_JWT = Emulator().mint_jwt(1, expires_in=None)
LIST_TEST = """
from __future__ import annotations


def test_list(sequence_client):
    sequence_client.list_collections()
"""

# Every one of these is metadata.sequence.app to httpx (and so to DNS).
PRODUCTION_SPELLINGS = {
    "ideographic full stops": "https://metadata\u3002sequence\u3002app",
    "fullwidth full stops": "https://metadata\uff0esequence\uff0eapp",
    "halfwidth ideographic full stops": "https://metadata\uff61sequence\uff61app",
    "trailing ideographic full stop": "https://metadata.sequence.app\u3002",
    "trailing dot": "https://metadata.sequence.app./",
    "two trailing dots": "https://metadata.sequence.app..",
    "upper case": "HTTPS://METADATA.Sequence.APP",
    "userinfo": "https://someone:hunter22@metadata.sequence.app/",
    "port": "https://metadata.sequence.app:443",
    "all at once": "https://u:p4ss@METADATA\u3002sequence\uff0eapp\uff61:8443/path",
    # These fail in DNS rather than reach production; refused all the same.
    "percent-escaped dot": "https://metadata%2esequence.app",
    "trailing space": "https://metadata.sequence.app%20",
}
SOURCES = ("CLI", "env", "ini")


def _point_at(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str, url: str) -> list[str]:
    """Set the URL through `source`; the command-line arguments of the run."""
    args = ["--sequence-jwt", OWNER_JWT]
    if source == "CLI":
        return [*args, "--sequence-url", url]
    if source == "env":
        monkeypatch.setenv("SEQUENCE_URL", url)
    else:
        pytester.path.joinpath("pytest.ini").write_text(f"[pytest]\nsequence_url = {url}\n", encoding="utf-8")
    return args


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("url", PRODUCTION_SPELLINGS.values(), ids=PRODUCTION_SPELLINGS.keys())
def test_every_spelling_of_production_is_refused_before_any_socket(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str, url: str
) -> None:
    recorder = NetworkRecorder(monkeypatch)
    pytester.makepyfile(LIST_TEST)
    args = _point_at(pytester, monkeypatch, source, url)
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    [line] = [line for line in result.stderr.lines if line.strip()]
    assert line.startswith(f"{PREFIX}--sequence-url points at production (metadata.sequence.app)")
    assert recorder.attempts == []
    assert OWNER_JWT not in result.stdout.str() + result.stderr.str()


def test_the_flag_lets_an_unusual_spelling_through_to_the_real_host(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The refusals above mean something: allowed, the same spelling does reach metadata.sequence.app.
    recorder = NetworkRecorder(monkeypatch)
    pytester.makepyfile(LIST_TEST)
    url = PRODUCTION_SPELLINGS["ideographic full stops"]
    result = pytester.runpytest(
        "--sequence-url", url, "--sequence-jwt", OWNER_JWT, "--sequence-allow-production"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR  # the target check's request, refused by the test
    assert recorder.attempts[0] == "http metadata.sequence.app"


@pytest.mark.parametrize(
    "url",
    ["https://dev-metadata.sequence.app", "https://metadata.sequence.app.example", "https://sequence.app"],
)
def test_other_hosts_are_not_production(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    recorder = NetworkRecorder(monkeypatch)
    pytester.makepyfile(LIST_TEST)
    result = pytester.runpytest("--sequence-url", url, "--sequence-jwt", OWNER_JWT)
    # Not production: the run goes on to check the target once (and stops there, nothing answers).
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*checking {url} (--sequence-url) failed*"])
    assert recorder.attempts[0] == f"http {httpx.URL(url).host}"


UNPARSEABLE = {
    "bad IPv6 host": ("https://[::ffff:x]", "(Invalid IPv6 address: '[::ffff:x]')"),
    "unclosed IPv6 host": ("https://[::1", ""),
    "bad port": ("https://dev-metadata.sequence.app:http", "(Invalid port: 'http')"),
    "invalid IDNA host": ("https://me\u00adta\u200bdata.sequence.app", ""),
    "userinfo with a slash": ("https://user:s3cr/3tpart@dev-metadata.sequence.app", ""),
}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("url", "reason"), UNPARSEABLE.values(), ids=UNPARSEABLE.keys())
def test_an_unparseable_url_is_a_one_line_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str, url: str, reason: str
) -> None:
    recorder = NetworkRecorder(monkeypatch)
    pytester.makepyfile(LIST_TEST)
    args = _point_at(pytester, monkeypatch, source, url)
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = [line for line in result.stderr.lines if line.strip()]
    where = {"CLI": "--sequence-url", "env": "--sequence-url (from SEQUENCE_URL)"}.get(
        source, "--sequence-url (from ini sequence_url)"
    )
    assert line.startswith(
        f"{PREFIX}{where} must be an http(s) URL such as https://dev-metadata.sequence.app"
    )
    assert line.endswith(reason)
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output
    assert "Traceback" not in output
    # No piece of a password, however the URL was mis-split.
    assert "3tpart" not in line
    assert "s3cr" not in line
    assert recorder.attempts == []


def _redirect_to_production(seen: list[str]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.host))
        return httpx.Response(307, headers={"Location": "https://metadata.sequence.app/rpc/Collections/X"})

    return httpx.MockTransport(handler)


def test_the_client_never_follows_a_redirect() -> None:
    seen: list[str] = []
    client = MetadataClient(
        "http://127.0.0.1:9", jwt=OWNER_JWT, project_id=1, transport=_redirect_to_production(seen)
    )
    assert client.http.follow_redirects is False
    with pytest.raises(BadResponseError, match="HTTP 307"):
        client.list_collections()
    assert seen == ["127.0.0.1"]


async def _list_async(seen: list[str]) -> None:
    client = AsyncMetadataClient(
        "http://127.0.0.1:9", jwt=OWNER_JWT, project_id=1, transport=_redirect_to_production(seen)
    )
    assert client.http.follow_redirects is False
    try:
        await client.list_collections()
    finally:
        await client.aclose()


def test_the_async_client_never_follows_a_redirect() -> None:
    import asyncio

    seen: list[str] = []
    with pytest.raises(BadResponseError, match="HTTP 307"):
        asyncio.run(_list_async(seen))
    assert seen == ["127.0.0.1"]
