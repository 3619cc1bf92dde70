"""A read-only picture of the backend's state (`Backend.overview()`), for the web view.

Plain frozen values copied under the backend's lock: whoever reads them never holds the lock and
never sees a half-made write. File bytes are not copied; an asset says whether it has a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AssetView:
    id: int
    token_id: str | None
    metadata_field: str
    file_name: str  # `<field>.<ext>` once a file is uploaded, else ""
    mime_type: str
    size: int | None  # None until a file is uploaded
    width: int | None
    height: int | None


@dataclass(frozen=True, slots=True)
class TokenView:
    token_id: str
    metadata: Mapping[str, Any]
    private: bool
    updated_at: str
    assets: tuple[AssetView, ...]

    def asset(self, metadata_field: str) -> AssetView | None:
        """The uploaded asset of this field (`image`, ...), if any."""
        return next((a for a in self.assets if a.metadata_field == metadata_field and a.size), None)


@dataclass(frozen=True, slots=True)
class CollectionView:
    id: int
    project_id: int
    metadata: Mapping[str, Any]
    private: bool
    created_at: str
    updated_at: str
    token_count: int
    tokens: tuple[TokenView, ...]  # ascending, as ListTokens answers; at most the `overview` limit
    assets: tuple[AssetView, ...]  # the collection's own assets (no token)
    contracts: tuple[tuple[int, str], ...]  # (chainId, contractAddress) links to it


@dataclass(frozen=True, slots=True)
class ProjectView:
    id: int
    collections: tuple[CollectionView, ...]
