"""Shared helpers of the contract suite. Every test here runs against any target: the in-process
emulator by default, an emulator server or a live API with `--sequence-url`.

Documented behaviour and emulator assumptions never share a test: tests of an assumption carry
`@pytest.mark.sequence_assumption("<id>")` (test_assumptions.py, and the assumed variant of the privacy
state machine). All other tests pass `private` explicitly and never assert the status of a hidden
public route, only that it looks like a resource that never existed.
"""

from __future__ import annotations

import importlib.util

import pytest

from pytest_sequence_metadata.checks.helpers import World
from pytest_sequence_metadata.checks.oracle import PublicView
from pytest_sequence_metadata.client import MetadataClient
from pytest_sequence_metadata.fixtures import CollectionFactory
from pytest_sequence_metadata.runtime import Target


@pytest.fixture
def owner(sequence_client: MetadataClient) -> MetadataClient:
    return sequence_client


@pytest.fixture
def anon(sequence_anon_client: MetadataClient) -> MetadataClient:
    return sequence_anon_client


@pytest.fixture
def other(sequence_other_client: MetadataClient) -> MetadataClient:
    return sequence_other_client


@pytest.fixture
def public(sequence_anon_client: MetadataClient, sequence_target: Target) -> PublicView:
    """The owner project's public routes, as anyone on the internet reaches them."""
    return PublicView(sequence_anon_client, sequence_target.project_id)


@pytest.fixture
def owner_view(sequence_client: MetadataClient, sequence_target: Target) -> PublicView:
    """The owner project's REST routes with the owner's JWT (for the private asset route)."""
    return PublicView(sequence_client, sequence_target.project_id)


@pytest.fixture
def other_view(sequence_other_client: MetadataClient, sequence_target: Target) -> PublicView:
    """The owner project's REST routes with another project's JWT."""
    return PublicView(sequence_other_client, sequence_target.project_id)


@pytest.fixture
def world(sequence_collection_factory: CollectionFactory, sequence_client: MetadataClient) -> World:
    return World(sequence_collection_factory, sequence_client)


@pytest.hookimpl(trylast=True)  # after the plugin has configured the run
def pytest_configure(config: pytest.Config) -> None:
    # schemathesis builds `test_conformance` at collection time from its schema's config: the run's
    # plan (target, profile) must be in it by then.
    listing = config.option.help or config.option.markers  # then the plugin configures no run
    if not listing and importlib.util.find_spec("schemathesis") is not None:
        from pytest_sequence_metadata.checks.conformance import fit_schema

        fit_schema(config)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Each conformance test names its operation, as the other tests do with the same marker.
    if importlib.util.find_spec("schemathesis") is None:
        return
    from pytest_sequence_metadata.contract.spec import load_spec

    by_label = {f"{op.method} {op.path}": op.operation_id for op in load_spec().operations.values()}
    for item in items:
        label = getattr(item, "operation_label", None)
        conformance = isinstance(item, pytest.Function) and item.originalname == "test_conformance"
        if conformance and label in by_label:
            item.add_marker(pytest.mark.sequence_operation(by_label[label]))
