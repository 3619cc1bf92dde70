"""The web view and CORS in a real browser: Debian's chromium, headless, driven by selenium.

Skips, saying why, when chromium or chromedriver is missing, except under CI (env `CI` set), where
it fails: `.ci/run` installs both. selenium never downloads a driver: the system chromedriver is
given explicitly (and SE_OFFLINE=1 forbids selenium-manager downloads anyway).

`SEQUENCE_UI_SCREENSHOT=docs/emulator-ui.png pytest tests/emulator/test_ui_browser.py` also saves a
screenshot of the page (the README's).
"""

from __future__ import annotations

import base64
import os
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator_support import Api

from pytest_sequence_metadata.emulator import Emulator
from pytest_sequence_metadata.emulator.server import ServerHandle

SCRIPT_NAME = "<script>alert(1)</script>"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
)


# Debian's package first; the others are what CI images such as GitHub's ubuntu runners carry.
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _browser() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def _missing_browser() -> str | None:
    """Why the browser test cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    if _browser() is None:
        return "chromium is not installed (apt-get install chromium chromium-driver)"
    if shutil.which("chromedriver") is None:
        return "chromedriver is not installed (apt-get install chromium-driver)"
    return None


@pytest.fixture
def driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    reason = _missing_browser()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "1")
    options = webdriver.ChromeOptions()
    options.binary_location = _browser() or ""
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    service = Service(executable_path=shutil.which("chromedriver") or "")
    browser = webdriver.Chrome(options=options, service=service)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()


def pattern_png(size: int, colour: tuple[int, int, int]) -> bytes:
    """A PNG with a diamond of `colour` on white (so the screenshot's cards differ)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    half = size // 2
    rows = b"".join(
        b"\x00"
        + b"".join(
            bytes(colour) if abs(x - half) + abs(y - half) < half else b"\xf4\xf1\xea" for x in range(size)
        )
        for y in range(size)
    )
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def seeded() -> Iterator[tuple[ServerHandle, int]]:
    """A background server with a published collection (public tokens with uploaded PNGs, a private
    token named like a script) and an unpublished one."""
    emulator = Emulator()
    with emulator.serve() as server, httpx.Client(base_url=server.url) as client:
        api = Api(emulator, client, "server")
        cid = api.collection("Harbor Lights", publish=True)
        lights = [("Fastnet", (40, 110, 200)), ("Skerryvore", (200, 70, 60)), ("Bell Rock", (40, 150, 90))]
        for number, (name, colour) in enumerate(lights, start=1):
            api.token(
                cid,
                str(number),
                private=False,
                name=name,
                description=f"{name} lighthouse",
                attributes=[{"trait_type": "Range", "value": f"{10 + 7 * number} nmi"}],
            )
            api.image(cid, str(number), data=pattern_png(48, colour))
        api.token(cid, "4", private=True, name=SCRIPT_NAME, description="not published yet")
        api.image(cid, "4", data=pattern_png(48, (120, 80, 170)))
        api.collection("Drafts")
        yield server, cid


def test_the_web_view_renders_images_and_shows_a_script_name_as_text(
    driver: Any, seeded: tuple[ServerHandle, int]
) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    server, _ = seeded
    driver.get(f"{server.url}/_emulator/ui?token={server.emulator.control_token}")
    assert driver.current_url == f"{server.url}/_emulator/ui"  # the token left the URL
    assert "Harbor Lights" in driver.title + driver.page_source

    def loaded_width(token_id: str) -> int:
        image = driver.find_element(By.CSS_SELECTOR, f'.card[data-token-id="{token_id}"] img')
        WebDriverWait(driver, 10).until(
            lambda _: driver.execute_script("return arguments[0].complete", image)
        )
        width: int = driver.execute_script("return arguments[0].naturalWidth", image)
        return width

    assert loaded_width("1") == 48  # the public file route
    assert loaded_width("4") == 48  # the web view's own route, opened by the cookie
    name = driver.find_element(By.CSS_SELECTOR, '.card[data-token-id="4"] .token-name')
    assert name.text == SCRIPT_NAME
    assert driver.execute_script("return document.getElementsByTagName('script').length") == 0
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    # The nonced stylesheet applied (the CSP let it through).
    header = driver.find_element(By.TAG_NAME, "header")
    assert header.value_of_css_property("background-color") == "rgba(29, 35, 48, 1)"

    shot = os.environ.get("SEQUENCE_UI_SCREENSHOT")
    if shot:  # the whole page, not only the window (DevTools: capture beyond the viewport)
        capture = {"format": "png", "captureBeyondViewport": True}
        data = driver.execute_cdp_cmd("Page.captureScreenshot", capture)["data"]
        Path(shot).parent.mkdir(parents=True, exist_ok=True)
        Path(shot).write_bytes(base64.b64decode(data))


def test_a_page_of_another_origin_calls_the_api(driver: Any, seeded: tuple[ServerHandle, int]) -> None:
    """127.0.0.1 and localhost are two origins: the call below needs CORS, preflight included."""
    server, cid = seeded
    driver.get(f"{server.url}/projects/1/collections/{cid}.json")  # any page of the 127.0.0.1 origin
    other_origin = server.url.replace("127.0.0.1", "localhost")
    answer = driver.execute_async_script(
        """
        const [url, jwt, cid, done] = arguments;
        fetch(url + "/rpc/Collections/GetCollection", {
          method: "POST",
          headers: {"Authorization": "Bearer " + jwt, "Content-Type": "application/json"},
          body: JSON.stringify({collectionId: cid}),
        }).then(r => r.json().then(body => done({status: r.status, name: body.collection.metadata.name,
                                                   webrpc: r.headers.get("Webrpc")})))
          .catch(e => done({error: String(e)}));
        """,
        other_origin,
        server.emulator.mint_jwt(1),
        cid,
    )
    assert answer.get("status") == 200, answer
    assert answer["name"] == "Harbor Lights"
    assert answer["webrpc"]  # exposed to the page
