"""The web view over HTTP (in-process and a real server): access, escaping, content, the journal.

The real browser test is test_ui_browser.py; these check the answers themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from emulator_support import Api, png_bytes

from pytest_sequence_metadata.emulator import IN_PROCESS_URL, Emulator
from pytest_sequence_metadata.emulator.control import CONTROL_TOKEN_HEADER
from pytest_sequence_metadata.emulator.ui import COOKIE_NAME

SCRIPT_NAME = "<script>alert(1)</script>"


class Page(HTMLParser):
    """The tags, the text of each element with a class, and the attributes of <img> and <a>."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self.images: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self._open: list[tuple[str, str]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if tag == "img":
            self.images.append(found)
            return
        if tag == "a":
            self.links.append(found.get("href") or "")
        self._open.append((tag, found.get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for _, classes in self._open:
            for name in classes.split():
                self.texts.setdefault(name, []).append(data)

    def text(self, name: str) -> list[str]:
        return self.texts.get(name, [])


def seed(api: Api) -> tuple[int, int]:
    """A published collection with a public token (PNG image) and a private one named like a script."""
    published = api.collection("Harbor Lights", publish=True)
    api.token(
        published,
        "1",
        private=False,
        description="The north light",
        attributes=[{"trait_type": "Colour", "value": "Red & <White>"}],
    )
    api.image(published, "1", data=png_bytes(8, 6))
    api.token(published, "2", private=True, name=SCRIPT_NAME)
    api.image(published, "2", data=png_bytes(4, 4))
    hidden = api.collection("Drafts")
    return published, hidden


def open_ui(api: Api, **kwargs: Any) -> httpx.Response:
    return api.control("GET", "ui", **kwargs)


def test_the_page_shows_collections_and_tokens_as_cards(api: Api) -> None:
    published, hidden = seed(api)
    response = open_ui(api)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = Page(response.text)
    assert page.text("collection-name") == ["Harbor Lights", "Drafts"]
    assert page.text("token-name") == ["Token 1", SCRIPT_NAME]
    assert "The north light" in page.text("description")
    assert page.text("trait") == ["Colour"]
    assert page.text("value") == ["Red & <White>"]
    assert page.text("badge") == ["published", "public", "private", "unpublished"]
    assert "2 tokens" in response.text
    assert "0 tokens" in response.text
    # The public token's image through the public file route, the private one through the web view's.
    sources = [image["src"] for image in page.images]
    assert sources[0] == f"/projects/1/collections/{published}/tokens/1/image.png"
    assert re.fullmatch(r"/_emulator/ui/asset/\d+", sources[1] or "")
    assert f"/projects/1/collections/{published}/tokens/1.json" in page.links
    assert f"/projects/1/collections/{hidden}.json" in page.links
    assert api.client.get(sources[0] or "").content == png_bytes(8, 6)
    assert open_ui(api).text.count('class="card"') == 2


def test_user_values_are_escaped_and_there_is_no_script(api: Api) -> None:
    seed(api)
    api.collection('"><img src=x onerror=alert(2)>')
    text = open_ui(api).text
    page = Page(text)
    assert "script" not in page.tags
    assert SCRIPT_NAME not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert '"><img src=x onerror=alert(2)>' in page.text("collection-name")
    assert all(image.get("onerror") is None for image in page.images)
    assert [image["src"] for image in page.images if image["src"] == "x"] == []


def test_the_page_has_a_strict_csp_and_a_nonced_style(api: Api) -> None:
    response = open_ui(api)
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "img-src 'self'" in policy
    assert "script-src" not in policy  # falls back to default-src 'none': no script at all
    nonce = re.search(r"style-src 'nonce-([^']+)'", policy)
    assert nonce is not None
    assert f'<style nonce="{nonce[1]}">' in response.text
    assert nonce[1] not in open_ui(api).headers["content-security-policy"]  # a new one each time
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_a_private_image_needs_the_control_token(api: Api) -> None:
    published, _ = seed(api)
    private_src = Page(open_ui(api).text).images[1]["src"] or ""
    refused = api.client.get(private_src)
    assert (refused.status_code, refused.json()["error"]) == (401, "Unauthorized")
    served = api.control("GET", private_src.removeprefix("/_emulator/"))
    assert served.content == png_bytes(4, 4)
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    # And the public route still hides it.
    assert api.client.get(f"/projects/1/collections/{published}/tokens/2/image.png").status_code == 404
    assert api.control("GET", "ui/asset/999999").status_code == 404
    assert api.control("GET", "ui/asset/abc").status_code == 404
    assert api.control("GET", "ui/nope").json()["error"] == "WebrpcBadRoute"


@pytest.mark.parametrize("sent", [None, "wrong-control-token-of-some-length"])
def test_without_the_token_the_page_is_refused(api: Api, sent: str | None) -> None:
    seed(api)
    headers = {} if sent is None else {CONTROL_TOKEN_HEADER: sent}
    response = api.client.get("/_emulator/ui", headers=headers)
    assert (response.status_code, response.json()["error"]) == (401, "Unauthorized")
    assert "Harbor" not in response.text
    assert "/_emulator/ui?token=" in response.json()["cause"]


def test_the_token_in_the_url_becomes_a_cookie_and_leaves_the_url(api: Api) -> None:
    seed(api)
    token = api.emulator.control_token
    response = api.client.get("/_emulator/ui", params={"token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/_emulator/ui"
    cookie = response.headers["set-cookie"]
    parts = [part.strip() for part in cookie.split(";")]
    assert parts[0].startswith(f"{COOKIE_NAME}=")
    assert {"Path=/_emulator/", "HttpOnly", "SameSite=Strict"} <= set(parts[1:])
    assert token not in cookie  # a digest of the token, not the token
    session = parts[0].split("=", 1)[1]
    page = api.client.get("/_emulator/ui", headers={"Cookie": f"{COOKIE_NAME}={session}"})
    assert page.status_code == 200
    assert "Harbor Lights" in page.text
    # The cookie opens the web view only, never a route that changes anything.
    reset = api.client.post("/_emulator/reset", headers={"Cookie": f"{COOKIE_NAME}={session}"})
    assert reset.status_code == 401
    assert api.client.get("/_emulator/ui", headers={"Cookie": f"{COOKIE_NAME}=forged"}).status_code == 401


def test_a_wrong_token_in_the_url_sets_no_cookie(api: Api) -> None:
    response = api.client.get("/_emulator/ui", params={"token": "wrong-control-token-of-some-length"})
    assert response.status_code == 401
    assert "set-cookie" not in response.headers


def test_the_page_takes_only_get(api: Api) -> None:
    response = api.control("POST", "ui")
    assert (response.status_code, response.headers["allow"]) == (405, "GET")


def test_an_empty_emulator_says_so(api: Api) -> None:
    assert "No collections yet" in open_ui(api).text


@dataclass
class Exchange:
    time: float
    operation: str | None
    method: str
    path: str
    project: int | None
    body: Any
    status: int
    error: str | None
    duration_ms: float


class FakeJournal:
    def __init__(self, entries: list[Exchange]) -> None:
        self._entries = entries

    def entries(self) -> list[Exchange]:
        return list(self._entries)


def test_the_journal_is_shown_newest_first_when_the_emulator_keeps_one() -> None:
    emulator = Emulator()
    with httpx.Client(transport=emulator.transport(), base_url=IN_PROCESS_URL) as client:

        def page() -> str:
            return client.get("/_emulator/ui", headers=emulator.control_headers()).text

        assert 'id="requests"' not in page()  # no journal, no section
        public_path = "/projects/1/collections/9/tokens/1"
        create_body = {"collection": {"metadata": {"name": SCRIPT_NAME}}}
        emulator.requests = FakeJournal(  # type: ignore[attr-defined]
            [
                Exchange(1_700_000_000.0, "CreateCollection", "POST", "/rpc/Collections/CreateCollection",
                         1, create_body, 200, None, 1.25),
                Exchange(1_700_000_001.5, "GetPublicTokenMetadata", "GET", public_path,
                         None, None, 404, "NotFound", 0.5),
            ]
        )  # fmt: skip
        text = page()
    assert "script" not in Page(text).tags
    rows = re.findall(r'<tr class="exchange[^"]*">(.*?)</tr>', text)
    assert len(rows) == 2
    assert "GetPublicTokenMetadata" in rows[0]
    assert "anonymous" in rows[0]
    assert "NotFound" in rows[0]
    assert "2023-11-14T22:13:21.500Z" in rows[0]
    assert "CreateCollection" in rows[1]
    assert "&lt;script&gt;" in rows[1]
    assert "1.2 ms" in rows[1] or "1.3 ms" in rows[1]
    assert '<tr class="exchange failed">' in text
