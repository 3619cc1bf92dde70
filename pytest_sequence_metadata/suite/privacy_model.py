"""A pure model of who sees what: the oracle of the privacy state machine.

No HTTP here. The model follows what the owner did (collections created, renamed, published,
unpublished, deleted; tokens created, renamed, made private or public, given a file, deleted) and
says, for each of the three identities (owner, anonymous caller, another project) and each read,
what the target must answer: `visible` (HTTP 200 with these fields or bytes), `hidden` (exactly
what a resource that never existed gets) or `absent` (the owner is told it is not there).

What the docs say, the model always does. Where they are silent it refuses to guess
(`UndocumentedBehaviour`) unless built with `PrivacyModel.assuming(...)`, which takes the emulator's
choices by their ids in the assumptions registry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final, Literal

from pytest_sequence_metadata.contract.privacy import IDENTITIES, Identity

Outcome = Literal["visible", "hidden", "absent"]

# The file name used to probe the public file route of a token that never had a file.
PROBE_FILE_NAME: Final = "image.png"


class Read(StrEnum):
    """Every read the model predicts, named by the operation it goes through."""

    PUBLIC_COLLECTION = "GetPublicCollectionMetadata"
    PUBLIC_COLLECTION_JSON = "GetPublicCollectionMetadataJson"
    PUBLIC_TOKEN = "GetPublicTokenMetadata"
    PUBLIC_TOKEN_JSON = "GetPublicTokenMetadataJson"
    PUBLIC_FILE = "GetPublicTokenFile"
    PRIVATE_ASSET = "GetPrivateTokenAsset"
    GET_COLLECTION = "GetCollection"
    LIST_TOKENS = "ListTokens"
    GET_TOKEN = "GetToken"

    @property
    def is_rpc(self) -> bool:
        return self in (Read.GET_COLLECTION, Read.LIST_TOKENS, Read.GET_TOKEN)

    @property
    def is_public(self) -> bool:
        return not self.is_rpc and self is not Read.PRIVATE_ASSET

    @property
    def per_token(self) -> bool:
        return self not in _COLLECTION_READS


_COLLECTION_READS: Final = frozenset(
    {Read.PUBLIC_COLLECTION, Read.PUBLIC_COLLECTION_JSON, Read.GET_COLLECTION, Read.LIST_TOKENS}
)
_PUBLIC_READS: Final = (
    Read.PUBLIC_COLLECTION,
    Read.PUBLIC_COLLECTION_JSON,
    Read.PUBLIC_TOKEN,
    Read.PUBLIC_TOKEN_JSON,
    Read.PUBLIC_FILE,
)
_RPC_READS: Final = (Read.GET_COLLECTION, Read.LIST_TOKENS, Read.GET_TOKEN)

# What each identity reads. The owner's public reads are anyone's (no credentials are involved), so
# the anonymous caller covers them; the other project reads everything, its JWT must unlock nothing.
READS: Final[Mapping[Identity, tuple[Read, ...]]] = MappingProxyType(
    {
        "owner": (*_RPC_READS, Read.PRIVATE_ASSET),
        "anonymous": (*_PUBLIC_READS, Read.PRIVATE_ASSET),
        "other": (*_PUBLIC_READS, Read.PRIVATE_ASSET, *_RPC_READS),
    }
)

# The assumption ids (emulator/assumptions.py) the model can be told to follow.
SUPPORTED_ASSUMPTIONS: Final = ("publish-recursive", "token-default-private")


class UndocumentedBehaviour(Exception):
    """The operation's effect is undocumented and the model was not told which assumption to follow."""

    def __init__(self, assumption: str, what: str) -> None:
        super().__init__(
            f"{what} is undocumented (assumption {assumption!r}); "
            f"build the model with PrivacyModel.assuming({assumption!r}) to predict it"
        )
        self.assumption = assumption


@dataclass(frozen=True, slots=True)
class Expectation:
    """What one read must answer.

    `fields` maps dotted paths into the JSON body to their values; `content` is the file's bytes;
    `token_ids` the tokens a listing may show (no others, and all of them on a last page).
    """

    outcome: Outcome
    fields: Mapping[str, Any] = field(default_factory=dict)
    content: bytes | None = None
    token_ids: frozenset[str] | None = None


HIDDEN: Final = Expectation("hidden")
ABSENT: Final = Expectation("absent")


@dataclass(frozen=True, slots=True)
class Observation:
    """One read by one identity, and what it must answer."""

    identity: Identity
    read: Read
    collection_id: int
    token_id: str | None
    file_name: str | None
    expect: Expectation

    def describe(self) -> str:
        where = f"collection {self.collection_id}"
        if self.token_id is not None:
            where += f" token {self.token_id}"
        if self.read is Read.PUBLIC_FILE:
            where += f" file {self.file_name}"
        return f"{self.identity} {self.read.value} on {where}"


@dataclass(slots=True)
class TokenState:
    token_id: str
    name: str
    private: bool
    deleted: bool = False
    content: bytes | None = None  # the last uploaded image
    file_name: str | None = None  # its public file name, as the server named it


@dataclass(slots=True)
class CollectionState:
    id: int
    name: str
    published: bool = False
    deleted: bool = False
    tokens: dict[str, TokenState] = field(default_factory=dict)  # creation order


class PrivacyModel:
    """The visibility rules of the Collections API over the state the owner built."""

    def __init__(
        self,
        *,
        recursive_publishes_tokens: bool | None = None,
        tokens_private_by_default: bool | None = None,
    ) -> None:
        # None: undocumented, refuse to predict. A bool: the assumed behaviour.
        self.recursive_publishes_tokens = recursive_publishes_tokens
        self.tokens_private_by_default = tokens_private_by_default
        self.collections: dict[int, CollectionState] = {}

    @classmethod
    def assuming(cls, *assumption_ids: str) -> PrivacyModel:
        """A model that follows the emulator's choice for each named assumption."""
        unknown = sorted(set(assumption_ids) - set(SUPPORTED_ASSUMPTIONS))
        if unknown:
            raise ValueError(
                f"the privacy model knows no assumption {', '.join(unknown)}; "
                f"supported: {', '.join(SUPPORTED_ASSUMPTIONS)}"
            )
        return cls(
            # [A:publish-recursive]: recursive also clears `private` on every token.
            recursive_publishes_tokens=True if "publish-recursive" in assumption_ids else None,
            # [A:token-default-private]: a token is private unless created with private:false.
            tokens_private_by_default=True if "token-default-private" in assumption_ids else None,
        )

    # --- what the owner does ----------------------------------------------------------------------

    def create_collection(self, collection_id: int, name: str) -> None:
        if collection_id in self.collections:
            raise ValueError(f"collection {collection_id} exists already")
        # Docs: a collection is not public until PublishCollection.
        self.collections[collection_id] = CollectionState(collection_id, name)

    def rename_collection(self, collection_id: int, name: str) -> None:
        self._live_collection(collection_id).name = name

    def publish(self, collection_id: int, *, recursive: bool | None = None) -> None:
        collection = self._live_collection(collection_id)
        if recursive:
            if self.recursive_publishes_tokens is None:
                raise UndocumentedBehaviour("publish-recursive", "PublishCollection with recursive:true")
            if self.recursive_publishes_tokens:
                for token in collection.tokens.values():
                    token.private = False
        # Docs: publishing exposes the collection and the tokens whose `private` is false.
        collection.published = True

    def unpublish(self, collection_id: int) -> None:
        self._live_collection(collection_id).published = False

    def delete_collection(self, collection_id: int) -> None:
        self._live_collection(collection_id).deleted = True

    def create_token(self, collection_id: int, token_id: str, name: str, *, private: bool | None) -> None:
        collection = self._live_collection(collection_id)
        if token_id in collection.tokens:
            raise ValueError(f"token {token_id} exists already in collection {collection_id}")
        if private is None:
            if self.tokens_private_by_default is None:
                raise UndocumentedBehaviour("token-default-private", "CreateToken without `private`")
            private = self.tokens_private_by_default
        collection.tokens[token_id] = TokenState(token_id, name, private)

    def update_token(
        self, collection_id: int, token_id: str, *, name: str | None = None, private: bool | None = None
    ) -> None:
        token = self._live_token(collection_id, token_id)
        if name is not None:
            token.name = name
        if private is not None:
            token.private = private

    def upload(self, collection_id: int, token_id: str, content: bytes, file_name: str) -> None:
        token = self._live_token(collection_id, token_id)
        token.content, token.file_name = content, file_name

    def delete_token(self, collection_id: int, token_id: str) -> None:
        self._live_token(collection_id, token_id).deleted = True

    # --- state queries ---------------------------------------------------------------------------

    def collection_alive(self, collection_id: int) -> bool:
        found = self.collections.get(collection_id)
        return found is not None and not found.deleted

    def token_alive(self, collection_id: int, token_id: str) -> bool:
        if not self.collection_alive(collection_id):
            return False
        found = self.collections[collection_id].tokens.get(token_id)
        return found is not None and not found.deleted

    def token(self, collection_id: int, token_id: str) -> TokenState:
        return self.collections[collection_id].tokens[token_id]

    def collection_public(self, collection_id: int) -> bool:
        return self.collection_alive(collection_id) and self.collections[collection_id].published

    def token_public(self, collection_id: int, token_id: str) -> bool:
        return (
            self.collection_public(collection_id)
            and self.token_alive(collection_id, token_id)
            and not self.token(collection_id, token_id).private
        )

    # --- what every identity must see -------------------------------------------------------------

    def expect(
        self, identity: Identity, read: Read, collection_id: int, token_id: str | None = None
    ) -> Expectation:
        """The answer `identity` must get from `read` on a collection (and token) the model knows."""
        collection = self.collections[collection_id]
        token = collection.tokens[token_id] if token_id is not None else None
        if read.per_token and token is None:
            raise ValueError(f"{read.value} reads a token: pass token_id")
        if read.is_public:
            return self._public(read, collection, token)
        if identity != "owner":
            # The private asset route needs the owner's JWT; another project's RPCs find nothing.
            return HIDDEN
        return self._owner(read, collection, token)

    def _public(self, read: Read, collection: CollectionState, token: TokenState | None) -> Expectation:
        if not self.collection_public(collection.id):
            return HIDDEN
        if token is None:
            return Expectation("visible", {"name": collection.name})
        if not self.token_public(collection.id, token.token_id):
            return HIDDEN
        if read is Read.PUBLIC_FILE:
            # A public token without a file: not found, but nothing is hidden.
            return ABSENT if token.content is None else Expectation("visible", content=token.content)
        return Expectation("visible", {"tokenId": token.token_id, "name": token.name})

    def _owner(self, read: Read, collection: CollectionState, token: TokenState | None) -> Expectation:
        if token is None:
            if collection.deleted:
                return ABSENT
            if read is Read.LIST_TOKENS:
                live = frozenset(t.token_id for t in collection.tokens.values() if not t.deleted)
                return Expectation("visible", token_ids=live)
            fields = {
                "collection.metadata.name": collection.name,
                "collection.private": not collection.published,
            }
            return Expectation("visible", fields)
        if not self.token_alive(collection.id, token.token_id):
            return ABSENT
        if read is Read.PRIVATE_ASSET:
            # Docs: the owner reads the file with its JWT whatever the publish state.
            return ABSENT if token.content is None else Expectation("visible", content=token.content)
        return Expectation("visible", {"token.tokenId": token.token_id, "token.name": token.name})

    def observations(self) -> Iterator[Observation]:
        """Every read of every identity on everything the owner ever made, deleted things included."""
        for collection in self.collections.values():
            for identity in IDENTITIES:
                for read in READS[identity]:
                    if not read.per_token:
                        expect = self.expect(identity, read, collection.id)
                        yield Observation(identity, read, collection.id, None, None, expect)
            for token in collection.tokens.values():
                file_name = token.file_name or PROBE_FILE_NAME
                for identity in IDENTITIES:
                    for read in READS[identity]:
                        if read.per_token:
                            expect = self.expect(identity, read, collection.id, token.token_id)
                            yield Observation(
                                identity, read, collection.id, token.token_id, file_name, expect
                            )

    # --- internals ---------------------------------------------------------------------------------

    def _live_collection(self, collection_id: int) -> CollectionState:
        if not self.collection_alive(collection_id):
            raise ValueError(f"collection {collection_id} does not exist (or is deleted)")
        return self.collections[collection_id]

    def _live_token(self, collection_id: int, token_id: str) -> TokenState:
        if not self.token_alive(collection_id, token_id):
            raise ValueError(f"token {token_id} of collection {collection_id} does not exist (or is deleted)")
        return self.token(collection_id, token_id)
