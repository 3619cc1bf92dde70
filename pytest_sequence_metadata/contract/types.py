"""The answers of the API as `TypedDict`s, one per component schema of the bundled spec, same names.

They give IDEs and mypy the shape of what `MetadataClient` returns: `client.get_collection(7)` is a
`GetCollectionResponse`, whose `["collection"]` is a `Collection`. A key the schema may leave out is
`NotRequired`; a value the server may send as null is `... | None`. `tests/unit/test_types.py`
compares every class here with its schema, so the two cannot drift apart. Nothing is checked at run
time by these classes (the client validates answers against the spec itself).

Imports nothing but `typing`: cheap to import anywhere.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

__all__ = [
    "Asset",
    "AssetField",
    "Collection",
    "CollectionBaseURIs",
    "CollectionMetadata",
    "ContractCollection",
    "CreateAssetResponse",
    "CreateCollectionResponse",
    "CreateContractCollectionResponse",
    "CreateTokenResponse",
    "DeleteAssetResponse",
    "DeleteCollectionResponse",
    "DeleteContractCollectionResponse",
    "DeleteTokenResponse",
    "GetAssetResponse",
    "GetCollectionResponse",
    "GetContractCollectionResponse",
    "GetTokenResponse",
    "ListCollectionsResponse",
    "ListContractCollectionsResponse",
    "ListTokensResponse",
    "Page",
    "PublicCollectionMetadata",
    "PublicTokenMetadata",
    "PublishCollectionResponse",
    "ResourceStatus",
    "TokenMetadata",
    "UnpublishCollectionResponse",
    "UpdateAssetResponse",
    "UpdateCollectionResponse",
    "UpdateContractCollectionResponse",
    "UpdateTokenResponse",
]

AssetField = Literal["image", "animation_url", "audio", "video"]
"""The metadata field an asset fills."""

ResourceStatus = Literal["NOT_AVAILABLE", "REFRESHING", "AVAILABLE"]
"""Where a token's metadata stands."""


class Page(TypedDict):
    """Paging of list calls: send any subset; answers echo the page served (`more`: another follows)."""

    page: NotRequired[int]
    column: NotRequired[str]
    before: NotRequired[Any]
    after: NotRequired[Any]
    pageSize: NotRequired[int]
    more: NotRequired[bool]


class CollectionMetadata(TypedDict):
    """Contract-level metadata of a collection (OpenSea contractURI field names)."""

    name: str
    description: str
    image: NotRequired[str]
    external_link: NotRequired[str]
    properties: NotRequired[dict[str, Any]]
    attributes: NotRequired[list[dict[str, Any]]]


class CollectionBaseURIs(TypedDict):
    """Public addresses of a collection's JSON and of its tokens' JSON (a prefix ending in `/`)."""

    contractMetadataURI: str
    tokenMetadataURI: str


class Asset(TypedDict):
    """A media file slot of a token (`tokenId` None: of the collection); `url` is empty before upload."""

    id: int
    collectionId: int
    tokenId: str | None
    url: str
    metadataField: AssetField
    filename: NotRequired[str]
    filesize: NotRequired[int]
    mimeType: NotRequired[str]
    width: NotRequired[int]
    height: NotRequired[int]
    updatedAt: str


class Collection(TypedDict):
    """A hosted collection; `private` is true until PublishCollection."""

    id: int
    projectId: int
    metadata: CollectionMetadata
    private: bool
    revealKey: NotRequired[str]
    tokenCount: NotRequired[int]
    createdAt: str
    updatedAt: str
    deletedAt: NotRequired[str]
    baseURIs: NotRequired[CollectionBaseURIs]
    assets: NotRequired[list[Asset]]


class ContractCollection(TypedDict):
    """A link from an on-chain contract (`chainId`, lower-case `contractAddress`) to a collection."""

    id: int
    chainId: int
    contractAddress: str
    collectionId: int


class TokenMetadata(TypedDict):
    """A token of a hosted collection, as the RPCs return it (`tokenId` is a decimal string)."""

    tokenId: str
    name: str
    description: str
    image: str
    video: NotRequired[str]
    audio: NotRequired[str]
    properties: dict[str, Any] | None
    attributes: list[dict[str, Any]] | None
    image_data: NotRequired[str]
    external_url: NotRequired[str]
    background_color: NotRequired[str]
    animation_url: NotRequired[str]
    decimals: NotRequired[int]
    updatedAt: str
    assets: NotRequired[list[Asset]]
    status: ResourceStatus
    queuedAt: str | None
    lastFetched: NotRequired[str | None]
    source: str
    chainId: NotRequired[int]
    contractAddress: NotRequired[str]


class PublicCollectionMetadata(TypedDict):
    """The public JSON of a published collection (what `contractMetadataURI` serves)."""

    name: str
    description: NotRequired[str]
    image: NotRequired[str]
    external_link: NotRequired[str]
    properties: NotRequired[dict[str, Any] | None]
    attributes: NotRequired[list[dict[str, Any]] | None]


class PublicTokenMetadata(TypedDict):
    """The public JSON of a visible token (what a token URI serves)."""

    tokenId: str
    name: str
    description: NotRequired[str]
    image: NotRequired[str]
    image_data: NotRequired[str]
    external_url: NotRequired[str]
    background_color: NotRequired[str]
    animation_url: NotRequired[str]
    video: NotRequired[str]
    audio: NotRequired[str]
    decimals: NotRequired[int]
    properties: NotRequired[dict[str, Any] | None]
    attributes: NotRequired[list[dict[str, Any]] | None]


class CreateCollectionResponse(TypedDict):
    """Answer of CreateCollection: the stored collection, id assigned."""

    collection: Collection


class GetCollectionResponse(TypedDict):
    """Answer of GetCollection (with `tokenCount`)."""

    collection: Collection


class ListCollectionsResponse(TypedDict):
    """Answer of ListCollections: one page of collections (null when there are none)."""

    page: Page | None
    collections: list[Collection] | None


class UpdateCollectionResponse(TypedDict):
    """Answer of UpdateCollection: the updated collection."""

    collection: Collection


class DeleteCollectionResponse(TypedDict):
    """Answer of DeleteCollection."""

    status: bool


class PublishCollectionResponse(TypedDict):
    """Answer of PublishCollection: the collection, now public (no `baseURIs`)."""

    collection: Collection


class UnpublishCollectionResponse(TypedDict):
    """Answer of UnpublishCollection: the collection, private again (no `baseURIs`)."""

    collection: Collection


class CreateContractCollectionResponse(TypedDict):
    """Answer of CreateContractCollection: the link, address lower-cased."""

    contractCollection: ContractCollection


class GetContractCollectionResponse(TypedDict):
    """Answer of GetContractCollection."""

    contractCollection: ContractCollection


class ListContractCollectionsResponse(TypedDict):
    """Answer of ListContractCollections: links and the collections they point at."""

    contractCollections: list[ContractCollection] | None
    collections: list[Collection] | None
    page: Page | None


class UpdateContractCollectionResponse(TypedDict):
    """Answer of UpdateContractCollection."""

    ok: bool


class DeleteContractCollectionResponse(TypedDict):
    """Answer of DeleteContractCollection."""

    ok: bool


class CreateTokenResponse(TypedDict):
    """Answer of CreateToken: the token and its assets (null for a new token)."""

    token: TokenMetadata
    assets: list[Asset] | None


class GetTokenResponse(TypedDict):
    """Answer of GetToken: the token and its assets."""

    token: TokenMetadata
    assets: list[Asset] | None


class ListTokensResponse(TypedDict):
    """Answer of ListTokens: one page of tokens (null when there are none)."""

    page: Page | None
    tokens: list[TokenMetadata] | None


class UpdateTokenResponse(TypedDict):
    """Answer of UpdateToken: only the token."""

    token: TokenMetadata


class DeleteTokenResponse(TypedDict):
    """Answer of DeleteToken."""

    status: bool


class CreateAssetResponse(TypedDict):
    """Answer of CreateAsset: the asset, id assigned, no file yet."""

    asset: Asset


class GetAssetResponse(TypedDict):
    """Answer of GetAsset."""

    asset: Asset


class UpdateAssetResponse(TypedDict):
    """Answer of UpdateAsset."""

    asset: Asset


class DeleteAssetResponse(TypedDict):
    """Answer of DeleteAsset."""

    status: bool
