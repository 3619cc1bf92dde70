"""Every choice the emulator makes where the upstream docs are silent, in one registry.

The backend and the wire layer cite these ids in comments where the choice is made; contract tests of
an assumption are marked `@pytest.mark.sequence_assumption("<id>")`, so a run against the live API
tells which guesses hold.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Assumption:
    """One undocumented behaviour and the choice the emulator made for it."""

    id: str
    summary: str
    choice: str
    reason: str


def _registry(*items: Assumption) -> dict[str, Assumption]:
    table: dict[str, Assumption] = {}
    for item in items:
        if item.id in table:
            raise ValueError(f"duplicate assumption id {item.id!r}")
        table[item.id] = item
    return table


ASSUMPTIONS: dict[str, Assumption] = _registry(
    # --- visibility and privacy -------------------------------------------------------------------
    Assumption(
        "collection-default-private",
        "Visibility of a new collection",
        "A new collection is private (unpublished) whatever `collection.private` says; only "
        "PublishCollection makes it public and UnpublishCollection hides it again.",
        "The docs' flow always calls PublishCollection, and the spec examples show `private` flipping "
        "only through Publish/Unpublish.",
    ),
    Assumption(
        "update-collection-private-ignored",
        "`collection.private` in UpdateCollection",
        "Ignored: the publish flag changes only through PublishCollection / UnpublishCollection.",
        "Keeps one way to publish; the docs never mention publishing through UpdateCollection.",
    ),
    Assumption(
        "token-default-private",
        "Visibility of a new token",
        "A token is private unless CreateToken sends `private: false`.",
        "The guide creates tokens without `private` and then sets `private: false` explicitly.",
    ),
    Assumption(
        "publish-recursive",
        "What `recursive: true` in PublishCollection does",
        "It also clears `private` on every token of the collection, so one call publishes everything; "
        "without it only tokens that are already non-private become visible.",
        "`recursive` is undocumented; this is the only reading that makes it do something.",
    ),
    Assumption(
        "public-hidden-as-not-found",
        "Answer of a public route for a hidden resource",
        "Exactly the answer for a resource that does not exist: HTTP 404 with the envelope "
        '{"error":"NotFound","code":3000,"msg":"Resource not found","status":404}, no cause, same '
        "headers. Every REST route (also the Bearer ones) answers NotFound this way; path ids that "
        "are not positive integers answer it too.",
        "Docs say only that such items 'remain hidden'; answering identically leaks nothing about "
        "existence, token-URI consumers expect 404, and the spec's RestNotFound response says so.",
    ),
    Assumption(
        "public-collection-json",
        "Body of the public collection (contract-level) metadata route",
        "The CollectionMetadata in OpenSea contractURI form: name, description, then image, "
        "external_link, properties, attributes when set; an uploaded collection `image` asset's URL "
        "replaces `image`. No id, project, private flag or timestamps.",
        "The Go comment on `external_link` cites OpenSea's contract-level metadata.",
    ),
    Assumption(
        "public-token-json",
        "Body of the public token metadata route",
        "OpenSea/ERC-1155 style: tokenId, name, description, image, video/audio when set, properties, "
        "attributes (null when unset), image_data/external_url/background_color/animation_url when "
        "set, decimals when set. Uploaded assets' URLs replace the matching media field. No private "
        "flag, status, source or timestamps.",
        "No hosted-token response is printed anywhere; this follows token-metadata.mdx's chain examples.",
    ),
    Assumption(
        "public-file-names",
        "Which names the public file route answers to",
        "`<metadataField>.<ext>` (the asset's public URL) and the bare `<metadataField>`.",
        "The guide serves `image.png`; the Go comment on Asset.url shows `.../tokens/1/image`.",
    ),
    Assumption(
        "collection-asset-file-route",
        "Where a collection-level asset (tokenId null) is served",
        "GET /projects/{p}/collections/{c}/{metadataField}.{ext}, public once the collection is "
        "published (operationId GetPublicCollectionFile).",
        "The spec examples show collection images at `/projects/{p}/collections/{c}/image.png`.",
    ),
    Assumption(
        "private-asset-route",
        "Who may read /tokens/{t}/asset/{assetType}",
        "Only a Bearer JWT of the owning project, whatever the publish state; no token gives "
        "Unauthorized, another project's token PermissionDenied.",
        "Docs: private assets stay readable 'if you provide the jwt_access_key'.",
    ),
    Assumption(
        "cross-project-ids",
        "Another project's ids",
        "A body `projectId` different from the JWT's `project` claim is PermissionDenied; without "
        "`projectId` the JWT's project is used and another project's ids are NotFound.",
        "Everything is scoped by project; answering NotFound for foreign ids hides their existence.",
    ),
    Assumption(
        "projects-implicit",
        "Unknown project ids",
        "Every project id exists (empty until used); ProjectNotFound is never returned.",
        "The emulator has no project registry; the JWT is the proof of access.",
    ),
    # --- auth ----------------------------------------------------------------------------------------
    Assumption(
        "jwt-claims",
        "JWT format",
        "HS256 with a `project` claim that is a JSON integer in uint64 range (not a string, not a bool); "
        "`exp`, `nbf` and `iat` are optional, finite JSON numbers, and `exp`/`nbf` are checked; other "
        "claims (`account`) are ignored. Bearer scheme matched case-insensitively.",
        "The spec's example token carries `project`, `account` and `iat`; clients send `BEARER`.",
    ),
    Assumption(
        "check-order",
        "Which error wins when several apply",
        "Route (WebrpcBadRoute) -> method (WebrpcBadMethod) -> JWT (Unauthorized/SessionExpired) -> "
        "Content-Type and body (WebrpcBadRequest) -> schema (RequiredArgument/InvalidArgument) -> "
        "projectId vs claim (PermissionDenied) -> handler errors.",
        "webrpc's generated server checks route, method, content type, then decodes; authentication "
        "middleware usually runs before the handler.",
    ),
    # --- errors for bad values ------------------------------------------------------------------------
    Assumption(
        "zero-value-is-missing",
        "An id of 0 or an empty required string",
        'RequiredArgument, like an absent field: Go cannot tell `0`/`""` from a missing field.',
        "api-facts: 'Missing required argument, e.g. collectionId 0 -> RequiredArgument'.",
    ),
    Assumption(
        "empty-collection-name",
        "CreateCollection / UpdateCollection with an empty or blank name",
        "Missing `collection`/`metadata` or empty name: RequiredArgument; a name of only whitespace: "
        "InvalidArgument.",
        "The spec requires `name`; blank names are useless in every UI.",
    ),
    Assumption(
        "token-id-decimal",
        "Accepted token ids",
        "A decimal string of digits in the uint256 range, stored and emitted without leading zeros "
        "('007' -> '7'); anything else (hex, sign, spaces, fraction, >= 2^256) is InvalidArgument.",
        "Token ids are uint256 values stored as prototyp.BigInt.",
    ),
    Assumption(
        "duplicate-token-id",
        "CreateToken with a tokenId that exists in the collection",
        "RequestConflict (1004, HTTP 409).",
        "api-facts lists RequestConflict as the expected error for duplicates.",
    ),
    Assumption(
        "contract-collection-rules",
        "ContractCollection validation",
        "contractAddress must be 0x + 40 hex digits (lower-cased on input; else InvalidArgument); "
        "(chainId, contractAddress) is unique per project (RequestConflict); the collection must be "
        "the project's (NotFound). UpdateContractCollection finds the link by (chainId, "
        "contractAddress) and moves it to `collectionId`; a sent `id` is not used.",
        "Mirrors what a relational unique index on (project, chain, address) would give.",
    ),
    # --- writes ----------------------------------------------------------------------------------------
    Assumption(
        "update-replaces-metadata",
        "UpdateCollection / UpdateToken with a metadata object",
        "The sent metadata replaces the stored one as a whole (fields left out become empty).",
        "The server decodes into the Go struct and stores it; there is no patch semantics.",
    ),
    Assumption(
        "update-token-partial",
        "UpdateToken with `token: null` (or none)",
        "Changes only `private` and answers the token as it is; with neither `token` nor `private` it is "
        "RequiredArgument.",
        "The Go argument is a pointer (`token *TokenMetadata`), nil when a caller changes only privacy, "
        "and an older demo did exactly that.",
    ),
    Assumption(
        "update-token-id-change",
        "UpdateToken whose token.tokenId differs from tokenId",
        "The token is renamed and its assets follow; RequestConflict when the new id exists.",
        "The spec example renames '200' to '201'.",
    ),
    Assumption(
        "token-write-updatedat-zero",
        "`updatedAt` in CreateToken / UpdateToken responses",
        "The Go zero time `0001-01-01T00:00:00Z` (the echoed input struct); reads show the real time.",
        "Both spec examples show the zero time there and a real time in GetToken/ListTokens.",
    ),
    Assumption(
        "token-server-fields",
        "TokenMetadata fields the client does not set",
        '`source` is "", `status` is "NOT_AVAILABLE" whatever was sent, `queuedAt` is null; '
        "chainId/contractAddress/lastFetched are never emitted.",
        "Go zero values of the current TokenMetadata struct; the spec calls status server-managed, and "
        "the Go client sends NOT_AVAILABLE for every fresh token.",
    ),
    Assumption(
        "client-asset-id",
        "CreateAsset with a client-chosen `asset.id`",
        "Ignored; the server assigns the id (as for url, filename, filesize, mimeType, width, height).",
        "The spec example sends no id and gets 4418; its sent url/filename/size are not echoed.",
    ),
    Assumption(
        "asset-fields",
        "Asset metadataField values and uniqueness",
        "metadataField is one of image, animation_url, audio, video (else InvalidArgument); one asset "
        "per (collection, token, metadataField) (RequestConflict); tokenId must name an existing "
        "token (NotFound). UpdateAsset changes metadataField and filename only.",
        "Upload by asset type must select exactly one asset.",
    ),
    Assumption(
        "upload-by-type-creates-asset",
        "PUT .../tokens/{t}/upload/{assetType} when the token has no asset of that type",
        "The asset is created, then filled.",
        "Lets one PUT do the job; the docs describe the type form as a shortcut.",
    ),
    Assumption(
        "upload-rules",
        "Upload limits and naming",
        "multipart/form-data with field `file` (missing: RequiredArgument; not multipart: "
        "WebrpcBadRequest); empty file or more than 20 MiB: InvalidArgument. Stored as "
        "`<metadataField>.<ext>` with ext from the detected type (png, jpeg, gif, webp, svg, mp4, "
        "...; `bin` when unknown); Asset.filename becomes that name; width/height only for images "
        "whose size is readable.",
        "Public URLs seen: image.png, image.jpeg, image.jpg; the sent filename is ignored.",
    ),
    Assumption(
        "delete-cascade",
        "What deleting removes",
        "DeleteCollection removes its tokens, assets, files and contract links; DeleteToken its assets "
        "and files; everything vanishes from every route at once.",
        "Nothing else makes sense for hosted files of a deleted token.",
    ),
    # --- reads -----------------------------------------------------------------------------------------
    Assumption(
        "page-numbering",
        "Numbered pagination",
        "`page` counts from 0: the window starts at page x pageSize, so page 0 (or none) is the first "
        "page and page 1 the second; default pageSize 30; the response echoes `page` only when it was "
        "sent, then pageSize and `more`.",
        "The Go type documents `page` as 'multiplied by the value of the pageSize parameter'; spec "
        "examples show {pageSize:30, more:false} with no request page, and Go's `page` is omitempty.",
    ),
    Assumption(
        "page-size-cap",
        "Largest pageSize",
        "Values above 100 are clamped to 100 (no error); the response shows the size used.",
        "Servers cap page sizes; clamping keeps clients that ask for 1000 working.",
    ),
    Assumption(
        "list-order",
        "Order of list results",
        "Collections, contract links and assets by ascending id; tokens in creation order (a renamed "
        "token keeps its place).",
        "Stable order is what makes numbered pages lose or repeat nothing.",
    ),
    Assumption(
        "empty-list-json",
        "Empty list results",
        "`[]`, never null, except CreateToken's `assets`, which is null.",
        "GetToken's example shows `assets: []`, CreateToken's shows `assets: null`.",
    ),
    Assumption(
        "collection-response-shapes",
        "Which computed fields each collection response carries",
        "Create/Update: baseURIs; Get/List: tokenCount and baseURIs; Publish/Unpublish and "
        "ListContractCollections' `collections`: neither. Publish/Unpublish leave updatedAt alone.",
        "Exactly what the spec examples show.",
    ),
    Assumption(
        "timestamp-format",
        "Timestamp text",
        "RFC 3339 in UTC with microsecond precision, trailing zeros of the fraction trimmed as Go's "
        "RFC3339Nano does (`...39.02784Z`, or no fraction at all).",
        "The spec examples show 5- and 6-digit fractions from Postgres microseconds.",
    ),
    Assumption(
        "json-nesting-limit",
        "Deeply nested free-form values (properties, attributes, page cursors)",
        "Nested deeper than 100 levels: WebrpcBadRequest (failed to unmarshal request data).",
        "Go's decoder allows 10000 levels; the emulator needs a bound that its recursion can serve back.",
    ),
    Assumption(
        "page-cursor-refused",
        "Cursor paging (`page.column`, `page.before`, `page.after`)",
        "InvalidArgument naming the fields: only numbered paging (page, pageSize) is served.",
        "The Go type has the cursor fields but nothing documents their columns; silently ignoring them "
        "would make a loop that follows `after` repeat the first page forever.",
    ),
    Assumption(
        "embedded-assets-omitted",
        "`assets` inside Collection and TokenMetadata",
        "Never emitted (Go's omitempty drops the empty list); GetToken answers a token's assets beside "
        "it, in `assets`.",
        "The Go types have the field, but no documented call fills it.",
    ),
    Assumption(
        "bigint-quoted-decimal",
        "A token id sent as a JSON number or as text that is not a decimal (Asset.tokenId)",
        "WebrpcBadRequest; an empty string reads as token 0, as Go's big integer type leaves it.",
        "prototyp.BigInt reads a JSON value by dropping its first and last character, so a bare number "
        "loses digits and non-decimal text makes the server panic: no client can mean either.",
    ),
    Assumption(
        "map-key-order",
        "Key order of properties / attributes objects",
        "Sorted, as Go marshals map[string]interface{}.",
        "The CreateCollection example answers with the request's properties keys sorted.",
    ),
    # --- browsers ----------------------------------------------------------------------------------
    Assumption(
        "cors",
        "CORS headers of the RPC and REST routes (what a browser app needs)",
        "Any origin may call: an `OPTIONS` preflight answers 204 with `Access-Control-Allow-Origin: *`, "
        "`-Allow-Methods` (the route's method and OPTIONS), `-Allow-Headers` (Authorization, "
        "Content-Type, Webrpc, X-Access-Key) and `-Max-Age: 600`; every answer to a request with an "
        "`Origin` header, errors too, carries `Access-Control-Allow-Origin: *` and exposes `Webrpc` and "
        "`Retry-After`. No `Access-Control-Allow-Credentials`.",
        "The official JS client runs in browsers (Sequence's own web apps call this API), credentials "
        "are a Bearer header rather than cookies, so `*` is both what a public API must send and safe; "
        "the public metadata routes serve token URIs that any marketplace page fetches.",
    ),
)
