"""The privacy oracle: what the public routes answer, and whether "hidden" looks like "never existed".

A hidden resource must be indistinguishable from a nonexistent one: same status, same media type,
same body once the ids in it are masked (a server may echo the id it was asked for).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from pytest_sequence_metadata.client.core import Call
from pytest_sequence_metadata.contract.media import media_type
from pytest_sequence_metadata.suite.webrpc import Answer

if TYPE_CHECKING:
    import httpx

    from pytest_sequence_metadata.client.core import MetadataClient

# Far above any id a server hands out in a test's lifetime; still a valid uint64.
NEVER_COLLECTION_ID: Final = 9_007_199_254_740_000


def never_token_id() -> str:
    """A random 38-digit token id: valid uint256, and never created by anyone."""
    return str(10**37 + secrets.randbelow(9 * 10**37))


def _mask(body: bytes, ids: Iterable[str | int]) -> bytes:
    text = body.decode("utf-8", "replace")
    for value in sorted({str(v) for v in ids}, key=len, reverse=True):
        text = re.sub(rf"(?<![0-9]){re.escape(value)}(?![0-9])", "{id}", text)
    return text.encode()


def answer(response: httpx.Response, mask: Iterable[str | int] = ()) -> Answer:
    """The response with the given ids masked in its body (a server may echo the id it was asked for)."""
    return Answer(
        response.status_code, media_type(response.headers.get("content-type")), _mask(response.content, mask)
    )


class PublicView:
    """The public routes of one project, as any caller reaches them (no credentials are sent)."""

    def __init__(self, client: MetadataClient, project_id: int) -> None:
        self.client = client
        self.project_id = project_id

    def _get(self, operation_id: str, path: str, *, authenticated: bool = False) -> httpx.Response:
        call = Call(operation_id, "GET", f"/projects/{self.project_id}{path}", authenticated=authenticated)
        return self.client.send(call)

    def collection(self, collection_id: int, *, json_suffix: bool = False) -> httpx.Response:
        if json_suffix:
            return self._get("GetPublicCollectionMetadataJson", f"/collections/{collection_id}.json")
        return self._get("GetPublicCollectionMetadata", f"/collections/{collection_id}")

    def token(self, collection_id: int, token_id: str, *, json_suffix: bool = False) -> httpx.Response:
        path = f"/collections/{collection_id}/tokens/{token_id}"
        if json_suffix:
            return self._get("GetPublicTokenMetadataJson", path + ".json")
        return self._get("GetPublicTokenMetadata", path)

    def file(self, collection_id: int, token_id: str, file_name: str) -> httpx.Response:
        return self._get("GetPublicTokenFile", f"/collections/{collection_id}/tokens/{token_id}/{file_name}")

    def url(self, url: str) -> httpx.Response:
        """A URL the service handed out (e.g. an asset's `url`), fetched through the target's base URL."""
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.client.send(Call("GetPublicTokenFile", "GET", path, authenticated=False))

    def private_asset(self, collection_id: int, token_id: str, asset_type: str) -> httpx.Response:
        """The owner-only asset route, sent with this client's credentials (if it has any)."""
        path = f"/collections/{collection_id}/tokens/{token_id}/asset/{asset_type}"
        return self._get("GetPrivateTokenAsset", path, authenticated=True)


def same_as_missing(hidden: httpx.Response, missing: httpx.Response, ids: Iterable[str | int]) -> str | None:
    """None when `hidden` is indistinguishable from `missing`, else a sentence saying how it differs."""
    masked = list(ids)
    seen, expected = answer(hidden, masked), answer(missing, masked)
    if seen == expected:
        return None
    return f"hidden resource answered {seen.describe()}, a nonexistent one {expected.describe()}"
