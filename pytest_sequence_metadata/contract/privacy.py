"""Every privacy rule the contract suite checks, in one registry.

A test names the rules it checks with `@pytest.mark.sequence_privacy("<id>")`, one mark per rule; the
plugin refuses an id that is not here when the tests are collected, the contract suite has a test of
every rule (`tests/contract/test_privacy.py`), and the report lists every rule, `not-exercised` when
none of its tests ran. A test that checks several rules at once (the privacy state machine, the
guide's flow) carries one mark per rule, so its failure counts against each of them; the tests of
`test_privacy.py` check one rule each and say which one broke.

`evidence` cites where the rule comes from, with the tags of the project's API notes: [D] the docs,
[S] the upstream OpenAPI document, [C] Sequence's generated clients, [I] an inference.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PrivacyRule:
    """One rule about who may see what, and where it comes from."""

    id: str
    statement: str
    evidence: str


def _registry(*items: PrivacyRule) -> dict[str, PrivacyRule]:
    table: dict[str, PrivacyRule] = {}
    for item in items:
        if item.id in table:
            raise ValueError(f"duplicate privacy rule id {item.id!r}")
        table[item.id] = item
    return table


PRIVACY_RULES: dict[str, PrivacyRule] = _registry(
    PrivacyRule(
        "private-until-published",
        "A collection and its tokens are hidden from every public route until PublishCollection, "
        "whoever asks (anonymous or another project); publishing shows the collection and its "
        "non-private tokens.",
        "[D] metadata.mdx step 6: PublishCollection makes the collection accessible by the public; the "
        "guide's flow always publishes before reading the public routes.",
    ),
    PrivacyRule(
        "private-token-hidden-in-published-collection",
        "In a published collection a token whose `private` is true stays hidden: its metadata and its "
        "files, on every public route.",
        "[D] metadata guide step 7: publishing exposes the collection and the tokens whose `private` is "
        "false; the other tokens stay hidden.",
    ),
    PrivacyRule(
        "unprivate-token-visible-once-published",
        "A token made non-private with UpdateToken (`private: false`) is public only while its "
        "collection is published; UpdateToken with `private: true` hides it again.",
        "[D] metadata guide steps 6 and 7: UpdateToken with `private: false`, then PublishCollection, "
        "shows the token; [I] `private: true` reverses it.",
    ),
    PrivacyRule(
        "unpublish-hides-again",
        "UnpublishCollection hides the collection, its tokens and their files from every public route "
        "again; the owner still reads everything through the RPCs.",
        "[S] the UnpublishCollection example answers `private: true`, the flag PublishCollection "
        "clears; [I] the public routes follow that flag.",
    ),
    PrivacyRule(
        "deleted-vanish",
        "A deleted collection or token vanishes from every read: the public routes answer as for one "
        "that never existed (its files too), the owner's RPCs answer NotFound.",
        "[I] the docs do not describe deletion; a hosted file of a deleted token that stays public "
        "would be a leak (what goes with it: the emulator's delete-cascade assumption).",
    ),
    PrivacyRule(
        "projects-are-isolated",
        "Another project's JWT neither reads nor changes the owner's data, ids guessed or not: with "
        "its own project the owner's ids look like they do not exist, with the owner's project id it "
        "is refused; on the public routes it unlocks nothing.",
        "[S] every Collections method is a `secret` endpoint behind the project's Bearer JWT; [I] a JWT "
        "whose `project` claim differs from `projectId` gets PermissionDenied or Unauthorized.",
    ),
    PrivacyRule(
        "public-json-has-no-private-fields",
        "The public collection and token JSON carry no owner-only field: no `private`, `projectId`, "
        "`revealKey`, `status`, `deletedAt`, `queuedAt` or `lastFetched`.",
        "[D] metadata.mdx step 7: the public routes are the token URI and the contractURI of the "
        "collection, metadata for anyone; [I] they serve metadata, not the Collections API's records.",
    ),
    PrivacyRule(
        "private-asset-owner-only",
        "The private asset route (`/tokens/{tokenId}/asset/{assetType}`) serves the file to the "
        "owning project's JWT whatever the publish state and the token's `private` flag, and to "
        "nobody else.",
        "[D] metadata guide 'Render Asset from API Privately' and metadata.mdx step 5: private assets "
        "stay readable with the Bearer JWT; [I] others are refused (the private-asset-route assumption "
        "says with which error).",
    ),
)
