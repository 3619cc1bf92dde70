"""Random sequences of owner actions; after every step every read of every identity agrees with the model.

Hypothesis drives create, rename, private toggle, upload, publish, unpublish and delete (each first
tried by another project, which must be refused), then checks each public and private read for the
owner, an anonymous caller and another project against `PrivacyModel`. A visible read must answer
200 with the right fields or bytes; a hidden one exactly what a resource that never existed gets. A
failing sequence shrinks to a minimal reproduction. Depth comes from the profile
(`--sequence-profile`).

Two machines, because documented behaviour and assumptions never share a test: the first sends
`private` on every CreateToken and publishes without `recursive`; the second also exercises what the
emulator assumes where the docs are silent, and is marked with those assumptions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pytest_sequence_metadata.checks.helpers import expect_error, file_name_of, new_token_id
from pytest_sequence_metadata.checks.oracle import (
    NEVER_COLLECTION_ID,
    answer,
    never_token_id,
    same_as_missing,
)
from pytest_sequence_metadata.checks.privacy_model import Identity, Observation, PrivacyModel, Read
from pytest_sequence_metadata.checks.profiles import active_profile
from pytest_sequence_metadata.client import UNSET, Call, MetadataClient, ProjectArg
from pytest_sequence_metadata.contract.spec import Spec
from pytest_sequence_metadata.errors import WebrpcError
from pytest_sequence_metadata.fixtures import CollectionFactory, tiny_png
from pytest_sequence_metadata.ledger import CleanupLedger
from pytest_sequence_metadata.runtime import Target

# The rules the model predicts for all three identities after every step, so a failure here counts
# against each of them (the tests of test_privacy.py say which one broke). Not
# public-json-has-no-private-fields: the machine checks the fields it expects, not that others are absent.
CHECKED_RULES: Final = (
    "private-until-published",
    "private-token-hidden-in-published-collection",
    "unprivate-token-visible-once-published",
    "unpublish-hides-again",
    "deleted-vanish",
    "projects-are-isolated",
    "private-asset-owner-only",
)
OPERATIONS = pytest.mark.sequence_operation(
    "CreateCollection",
    "UpdateCollection",
    "PublishCollection",
    "UnpublishCollection",
    "DeleteCollection",
    "CreateToken",
    "UpdateToken",
    "DeleteToken",
    "CreateAsset",
    "UploadAsset",
    "UploadTokenAsset",
    *(read.value for read in Read),
)
pytestmark = [OPERATIONS, *(pytest.mark.sequence_privacy(rule) for rule in CHECKED_RULES)]

ASSET_TYPE: Final = "image"
# The assumptions the second machine relies on; its marks and its model name the same ones.
ASSUMED: Final = ("publish-recursive", "token-default-private")
REFUSALS: Final = ("PermissionDenied", "NotFound")
# api-facts §4: a JWT whose project differs from the body's projectId may also get Unauthorized.
CLAIM_REFUSALS: Final = (*REFUSALS, "Unauthorized")
# Few collections, so the steps go to tokens in them rather than to ever more empty collections.
MAX_LIVE_COLLECTIONS: Final = 2


@dataclass
class Parties:
    """The three identities and what the machines need from the plugin, shared by all examples."""

    owner: MetadataClient
    anonymous: MetadataClient
    other: MetadataClient
    project_id: int
    other_project_id: int
    factory: CollectionFactory
    ledger: CleanupLedger
    spec: Spec
    never_token: str = field(default_factory=never_token_id)
    # Answers for a collection that never existed, per (identity, read, project): they never change.
    missing: dict[tuple[Any, ...], httpx.Response] = field(default_factory=dict, repr=False)

    def client(self, identity: Identity) -> MetadataClient:
        return {"owner": self.owner, "anonymous": self.anonymous, "other": self.other}[identity]


def fetch(
    parties: Parties,
    identity: Identity,
    read: Read,
    collection_id: int,
    token_id: str | None,
    file_name: str | None,
    project_id: int,
) -> httpx.Response:
    """One read, raw. REST routes address the owner's project; RPCs send `project_id` in the body.

    The other project sends its JWT everywhere (also to the public routes): it must unlock nothing.
    """
    client = parties.client(identity)
    if read.is_rpc:
        body: dict[str, Any] = {"projectId": project_id, "collectionId": collection_id}
        if token_id is not None:
            body["tokenId"] = token_id
        return client.send(Call(read.value, "POST", f"/rpc/Collections/{read.value}", json=body))
    path = f"/projects/{parties.project_id}/collections/{collection_id}"
    if read.per_token:
        path += f"/tokens/{token_id}"
    path += {
        Read.PUBLIC_COLLECTION_JSON: ".json",
        Read.PUBLIC_TOKEN_JSON: ".json",
        Read.PUBLIC_FILE: f"/{file_name}",
        Read.PRIVATE_ASSET: f"/asset/{ASSET_TYPE}",
    }.get(read, "")
    return client.send(Call(read.value, "GET", path, authenticated=True))


def dig(body: Any, path: str) -> Any:
    for key in path.split("."):
        body = body.get(key) if isinstance(body, dict) else None
    return body


M = TypeVar("M", bound="PrivacyMachine")


class PrivacyMachine(RuleBasedStateMachine):
    """The rules both machines share; subclasses add how tokens are created and collections published."""

    parties: ClassVar[Parties]  # bound per test by `bind`

    collections = Bundle("collections")
    tokens = Bundle("tokens")

    def __init__(self) -> None:
        super().__init__()
        self.model = self.new_model()
        self.mark = self.parties.ledger.mark()
        self.metadata: dict[int, dict[str, Any]] = {}
        self.assets: dict[tuple[int, str], int] = {}
        self.counter = itertools.count(1)
        self.home: int | None = None
        self.home_token: tuple[int, str] | None = None
        self.home_publish: tuple[bool, bool | None] | None = None
        # Answers for a token that never existed, per read and per collection state.
        self.missing: dict[tuple[Any, ...], httpx.Response] = {}

    def new_model(self) -> PrivacyModel:
        return PrivacyModel()

    def teardown(self) -> None:
        # Each example cleans up after itself: on a live project nothing piles up until the test ends.
        self.parties.ledger.clean(since=self.mark)

    @property
    def owner(self) -> MetadataClient:
        return self.parties.owner

    def live_collections(self) -> int:
        return sum(1 for c in self.model.collections if self.model.collection_alive(c))

    def _name(self, label: str) -> str:
        return f"{label} {next(self.counter)}"

    # --- the owner's actions -----------------------------------------------------------------------

    # Every run starts with a home collection holding one token, built by two initializers (each
    # subclass draws their arguments its own way). They run first, in either order, and share the
    # collection; it is published (if drawn so) once the token exists, so a run has something to
    # leak from its first step on.
    def _home_collection(self, published: bool, recursive: bool | None) -> int:
        home = self._home()
        self.home_publish = (published, recursive)
        self._publish_home_when_ready()
        return home

    def _token_at_home(self, private: bool | None, with_file: bool) -> tuple[int, str]:
        token = self._create_token(self._home(), private)
        if with_file:
            self._upload(token)
        self.home_token = token
        self._publish_home_when_ready()
        return token

    def _publish_home_when_ready(self) -> None:
        if self.home is not None and self.home_token is not None and self.home_publish is not None:
            published, recursive = self.home_publish
            if published:
                self._publish(self.home, recursive)

    def _home(self) -> int:
        if self.home is None:
            self.home = self._new_collection()
        return self.home

    @precondition(lambda self: self.live_collections() < MAX_LIVE_COLLECTIONS)
    @rule(target=collections)
    def create_collection(self) -> int:
        return self._new_collection()

    def _new_collection(self) -> int:
        created = self.parties.factory()
        collection_id = int(created["id"])
        self.metadata[collection_id] = dict(created["metadata"])
        self.model.create_collection(collection_id, created["metadata"]["name"])
        return collection_id

    @rule(collection=collections)
    def rename_collection(self, collection: int) -> None:
        intruder = {"id": collection, "metadata": {"name": "Intruder", "description": ""}}
        self._other_tries("rename the collection", lambda c, p: c.update_collection(intruder, project_id=p))
        name = self._name("Renamed collection")
        # Keep description and properties (the run tag) as created; only the name changes.
        metadata = {**self.metadata[collection], "name": name}
        self.owner.update_collection({"id": collection, "metadata": metadata})
        self.metadata[collection] = metadata
        self.model.rename_collection(collection, name)

    def _create_token(self, collection: int, private: bool | None) -> tuple[int, str]:
        intruder = {"tokenId": new_token_id(), "name": "Intruder"}
        self._other_tries(
            "create a token", lambda c, p: c.create_token(collection, intruder, private=False, project_id=p)
        )
        token_id, name = new_token_id(), self._name("Token")
        self.owner.create_token(collection, {"tokenId": token_id, "name": name}, private=private)
        self.model.create_token(collection, token_id, name, private=private)
        return collection, token_id

    def _publish(self, collection: int, recursive: bool | None) -> None:
        self._other_tries(
            "publish", lambda c, p: c.publish_collection(collection, recursive=recursive, project_id=p)
        )
        self.owner.publish_collection(collection, recursive=recursive)
        self.model.publish(collection, recursive=recursive)

    @rule(collection=collections)
    def unpublish(self, collection: int) -> None:
        self._other_tries("unpublish", lambda c, p: c.unpublish_collection(collection, project_id=p))
        self.owner.unpublish_collection(collection)
        self.model.unpublish(collection)

    @rule(collection=consumes(collections))
    def delete_collection(self, collection: int) -> None:
        self._other_tries("delete the collection", lambda c, p: c.delete_collection(collection, project_id=p))
        self.owner.delete_collection(collection)
        self.model.delete_collection(collection)

    def _on_token(self, token: tuple[int, str], action: Callable[[], Any]) -> bool:
        """Run an owner write on a token; on one the model says is gone it must fail NotFound."""
        if self.model.token_alive(*token):
            action()
            return True
        expect_error(action, "NotFound")
        return False

    @rule(token=tokens)
    def rename_token(self, token: tuple[int, str]) -> None:
        collection, token_id = token
        name = self._name("Renamed token")
        private = self.model.token(*token).private  # sent as it is: only the name changes
        body = {"tokenId": token_id, "name": name}
        self._other_tries("rename a token", lambda c, p: c.update_token(*token, body, project_id=p))
        if self._on_token(token, lambda: self.owner.update_token(*token, body, private=private)):
            self.model.update_token(collection, token_id, name=name)

    @rule(token=tokens, private=st.booleans())
    def set_private(self, token: tuple[int, str], private: bool) -> None:
        collection, token_id = token
        body = {"tokenId": token_id, "name": self.model.token(*token).name}
        self._other_tries(
            f"set private={private}", lambda c, p: c.update_token(*token, body, private=private, project_id=p)
        )
        if self._on_token(token, lambda: self.owner.update_token(*token, body, private=private)):
            self.model.update_token(collection, token_id, private=private)

    @rule(token=tokens)
    def upload(self, token: tuple[int, str]) -> None:
        self._upload(token)

    def _upload(self, token: tuple[int, str]) -> None:
        collection, token_id = token
        content = tiny_png(next(self.counter), 1)  # every upload differs: a stale file shows
        self._other_tries(
            "upload a file",
            lambda c, p: c.upload_token_asset(
                *token, ASSET_TYPE, content, content_type="image/png", project_id=p
            ),
        )
        uploaded: dict[str, Any] = {}

        def send() -> None:
            # The documented way: CreateAsset once, then PUT the file into that asset by id.
            if token not in self.assets:
                asset = {"collectionId": collection, "tokenId": token_id, "metadataField": ASSET_TYPE}
                self.assets[token] = int(self.owner.create_asset(asset)["asset"]["id"])
            uploaded.update(
                self.owner.upload_asset(
                    collection, self.assets[token], content, filename="image.png", content_type="image/png"
                )
            )

        if self._on_token(token, send):
            self.model.upload(collection, token_id, content, file_name_of(uploaded))

    @rule(token=consumes(tokens))
    def delete_token(self, token: tuple[int, str]) -> None:
        self._other_tries("delete a token", lambda c, p: c.delete_token(*token, project_id=p))
        if self._on_token(token, lambda: self.owner.delete_token(*token)):
            self.model.delete_token(*token)

    # --- another project tries every write first: refused, and nothing changes ----------------------

    def _other_tries(self, what: str, attempt: Callable[[MetadataClient, ProjectArg], object]) -> None:
        """Before each owner write the other project tries the same on the owner's data, twice: with
        its own projectId (the owner's ids must not resolve there) and claiming the owner's (denied)."""
        for project, refusals in ((UNSET, REFUSALS), (self.parties.project_id, CLAIM_REFUSALS)):
            claim = "its own projectId" if project is UNSET else f"projectId {project}"
            try:
                attempt(self.parties.other, project)
            except WebrpcError as error:
                if error.error not in refusals:
                    raise AssertionError(f"another project's attempt to {what} ({claim}): {error}") from None
            else:
                raise AssertionError(f"another project could {what} ({claim})")

    # --- after every step -----------------------------------------------------------------------------

    @invariant()
    def every_read_agrees_with_the_model(self) -> None:
        # The first disagreement fails the step: shrinking replays many failing candidates.
        for seen in self.model.observations():
            problems = self._check(seen)
            if problems:
                raise AssertionError("the target disagrees with the model: " + "; ".join(problems))

    def _check(self, seen: Observation) -> list[str]:
        parties = self.parties
        projects = [parties.project_id]
        if seen.identity == "other" and seen.read.is_rpc:
            projects.insert(0, parties.other_project_id)
        problems = []
        for project in projects:
            response = fetch(
                parties, seen.identity, seen.read, seen.collection_id, seen.token_id, seen.file_name, project
            )
            where = seen.describe() + (f" (body projectId {project})" if seen.read.is_rpc else "")
            problem = self._judge(seen, response, project)
            if problem is not None:
                problems.append(f"{where}: {problem}")
        return problems

    def _judge(self, seen: Observation, response: httpx.Response, project: int) -> str | None:
        expect = seen.expect
        if expect.outcome == "visible":
            return self._visible(seen, response)
        if expect.outcome == "absent":
            if response.status_code == 200:
                return f"should not be there, got {answer(response).describe()}"
            if seen.read.is_rpc and _error_name(response) != "NotFound":
                return f"should be NotFound, got {answer(response).describe()}"
            return None
        if seen.read.is_rpc:
            allowed = REFUSALS if project != self.parties.project_id else CLAIM_REFUSALS
            if _error_name(response) not in allowed:
                return f"should be refused ({' or '.join(allowed)}), got {answer(response).describe()}"
        ids: list[str | int] = [seen.collection_id, NEVER_COLLECTION_ID, self.parties.never_token]
        if seen.token_id is not None:
            ids.append(seen.token_id)
        return same_as_missing(response, self._missing(seen, project), ids)

    def _visible(self, seen: Observation, response: httpx.Response) -> str | None:
        expect = seen.expect
        if response.status_code != 200:
            return f"should be visible, got {answer(response).describe()}"
        if expect.content is not None:
            if response.content != expect.content:
                return f"served {len(response.content)} bytes, not the {len(expect.content)} last uploaded"
            return None
        try:
            body = response.json()
        except ValueError:
            return f"200 without a JSON body: {answer(response).describe()}"
        validator = self.parties.spec.response_validator(seen.read.value, 200)
        violations = validator.errors(body) if validator is not None else []
        if violations:
            return f"breaks the spec at {violations[0].path}: {violations[0].message}"
        wrong = {k: dig(body, k) for k, v in expect.fields.items() if dig(body, k) != v}
        if wrong:
            return f"fields {wrong} should be { {k: expect.fields[k] for k in wrong} }"
        if expect.token_ids is not None:
            listed = {str(t.get("tokenId")) for t in body.get("tokens") or []}
            if listed - expect.token_ids:
                return f"lists tokens that should not exist: {sorted(listed - expect.token_ids)}"
            last_page = not dig(body, "page.more")
            if last_page and listed != expect.token_ids:
                return f"does not list {sorted(expect.token_ids - listed)}"
        return None

    def _missing(self, seen: Observation, project: int) -> httpx.Response:
        """The same read for something that never existed (fetched once, then cached)."""
        parties = self.parties
        if seen.read.per_token:
            # A token that never existed in the same collection, in the collection's current state.
            state = self.model.collections[seen.collection_id]
            key: tuple[Any, ...] = (seen.identity, seen.read, project, seen.file_name)
            key += (state.id, state.published, state.deleted)
            cache, collection, token = self.missing, seen.collection_id, parties.never_token
        else:
            key = (seen.identity, seen.read, project)
            cache, collection, token = parties.missing, NEVER_COLLECTION_ID, None
        if key not in cache:
            cache[key] = fetch(parties, seen.identity, seen.read, collection, token, seen.file_name, project)
        return cache[key]


class DocumentedPrivacyMachine(PrivacyMachine):
    """Only documented behaviour: `private` always sent, PublishCollection without `recursive`."""

    @initialize(target=PrivacyMachine.collections, published=st.booleans())
    def home_collection(self, published: bool) -> int:
        return self._home_collection(published, None)

    @initialize(target=PrivacyMachine.tokens, private=st.booleans(), with_file=st.booleans())
    def token_at_home(self, private: bool, with_file: bool) -> tuple[int, str]:
        return self._token_at_home(private, with_file)

    @rule(target=PrivacyMachine.tokens, collection=PrivacyMachine.collections, private=st.booleans())
    def create_token(self, collection: int, private: bool) -> tuple[int, str]:
        return self._create_token(collection, private)

    @rule(collection=PrivacyMachine.collections)
    def publish(self, collection: int) -> None:
        self._publish(collection, None)


class AssumedPrivacyMachine(PrivacyMachine):
    """Also CreateToken without `private` and PublishCollection with `recursive` set."""

    def new_model(self) -> PrivacyModel:
        return PrivacyModel.assuming(*ASSUMED)

    @initialize(
        target=PrivacyMachine.collections,
        published=st.booleans(),
        recursive=st.sampled_from([None, True, False]),
    )
    def home_collection(self, published: bool, recursive: bool | None) -> int:
        return self._home_collection(published, recursive)

    @initialize(
        target=PrivacyMachine.tokens,
        private=st.sampled_from([None, True, False]),
        with_file=st.booleans(),
    )
    def token_at_home(self, private: bool | None, with_file: bool) -> tuple[int, str]:
        return self._token_at_home(private, with_file)

    @rule(
        target=PrivacyMachine.tokens,
        collection=PrivacyMachine.collections,
        private=st.sampled_from([None, True, False]),
    )
    def create_token(self, collection: int, private: bool | None) -> tuple[int, str]:
        return self._create_token(collection, private)

    @rule(collection=PrivacyMachine.collections, recursive=st.sampled_from([None, True, False]))
    def publish(self, collection: int, recursive: bool | None) -> None:
        self._publish(collection, recursive)


def _error_name(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def bind(machine: type[M], parties: Parties) -> type[M]:
    """The machine class with this test's clients; same name, so a reproduction reads naturally."""
    return type(machine.__name__, (machine,), {"parties": parties, "__module__": __name__})


def depth(config: pytest.Config) -> settings:
    profile = active_profile(config)
    return settings(
        max_examples=profile.stateful_examples,
        stateful_step_count=profile.stateful_steps,
        deadline=None,  # network round trips vary; a slow step is not a failure
        derandomize=True,  # the same sequences on every run, so a failure reproduces
        database=None,  # nothing written into the working tree
        report_multiple_bugs=False,  # one shrunk reproduction, not a group of them
        # No explain phase: it traces every line while it replays variants, minutes on failure.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@pytest.fixture
def parties(
    sequence_client: MetadataClient,
    sequence_anon_client: MetadataClient,
    sequence_other_client: MetadataClient,
    sequence_collection_factory: CollectionFactory,
    sequence_spec: Spec,
    sequence_target: Target,
) -> Parties:
    other_project = sequence_other_client.project_id
    assert other_project is not None
    assert other_project != sequence_target.project_id
    return Parties(
        owner=sequence_client,
        anonymous=sequence_anon_client,
        other=sequence_other_client,
        project_id=sequence_target.project_id,
        other_project_id=other_project,
        factory=sequence_collection_factory,
        ledger=sequence_collection_factory.runtime.ledger,
        spec=sequence_spec,
    )


def test_documented_privacy_holds_after_every_step(parties: Parties, request: pytest.FixtureRequest) -> None:
    run_state_machine_as_test(bind(DocumentedPrivacyMachine, parties), settings=depth(request.config))


@pytest.mark.sequence_assumption("publish-recursive")
@pytest.mark.sequence_assumption("token-default-private")
def test_assumed_privacy_holds_after_every_step(parties: Parties, request: pytest.FixtureRequest) -> None:
    run_state_machine_as_test(bind(AssumedPrivacyMachine, parties), settings=depth(request.config))
