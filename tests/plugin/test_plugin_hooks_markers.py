"""The plugin's hooks customise temporary resources; its markers skip with a reason and are registered."""

from __future__ import annotations

import pytest
from plugin_support import Server

CUSTOMISING_CONFTEST = """
from __future__ import annotations


def pytest_sequence_collection_metadata(metadata, request):
    metadata["description"] = f"made for {request.node.name}"
    metadata["image"] = "https://example.com/cover.png"
    metadata["properties"] = {"team": "payments"}  # drops the run tag: the plugin puts it back


def pytest_sequence_token_metadata(token, request):
    token["tokenId"] = "42"
    token["name"] = "custom token"
    token["attributes"] = [{"trait_type": "team", "value": "payments"}]
"""

USES_CUSTOMISED = """
from __future__ import annotations


def test_collection(sequence_collection):
    metadata = sequence_collection["metadata"]
    assert metadata["description"] == "made for test_collection"
    assert metadata["image"] == "https://example.com/cover.png"
    assert metadata["properties"]["team"] == "payments"
    assert set(metadata["properties"]["pytest-sequence-metadata"]) == {"run", "worker", "createdAt"}


def test_token(sequence_token, sequence_client):
    assert sequence_token.token_id == "42"
    stored = sequence_client.get_token(sequence_token.collection_id, "42")["token"]
    assert stored["name"] == "custom token"
    assert stored["attributes"] == [{"trait_type": "team", "value": "payments"}]
"""


def test_hooks_customise_temporary_resources(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CUSTOMISING_CONFTEST)
    pytester.makepyfile(USES_CUSTOMISED)
    pytester.runpytest().assert_outcomes(passed=2)


def test_without_hooks_the_defaults_apply(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_CUSTOMISED)
    pytester.runpytest().assert_outcomes(failed=2)


MARKED = """
from __future__ import annotations

import pytest


@pytest.mark.sequence_emulator_only
def test_emulator_only():
    pass


@pytest.mark.sequence_live_only
def test_live_only():
    pass


@pytest.mark.sequence_assumption("collection-default-private")
@pytest.mark.sequence_privacy("private-until-published")
@pytest.mark.sequence_operation("GetCollection", "ListCollections")
def test_described():
    pass
"""


def test_live_only_tests_skip_on_the_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MARKED)
    result = pytester.runpytest("--strict-markers", "-rs")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1[]] test_live_only_tests_skip_on_the_emulator.py:*: needs a live API "
            "(--sequence-url); the target is the embedded emulator"
        ]
    )


def test_emulator_only_tests_skip_on_a_live_target(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(MARKED)
    result = pytester.runpytest("--strict-markers", "-rs", *server.args())
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1[]] test_emulator_only_tests_skip_on_a_live_target.py:*: needs the embedded "
            "emulator (the target is a live API)"
        ]
    )


def test_strict_markers_still_catch_a_misspelling(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MARKED.replace("sequence_live_only", "sequence_live_olny"))
    result = pytester.runpytest("--strict-markers")
    result.stdout.fnmatch_lines(["*'sequence_live_olny' not found in `markers` configuration option*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_markers_are_listed_with_their_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.sequence_emulator_only: the test needs the embedded emulator; skipped against a "
            "live API",
            "@pytest.mark.sequence_live_only: the test needs a live API (--sequence-url); skipped against "
            "the emulator",
            "@pytest.mark.sequence_assumption(id): the test checks an emulator assumption *",
            "@pytest.mark.sequence_privacy(rule): the test checks the named privacy rule (an id of "
            "pytest_sequence_metadata/contract/privacy.py)",
            "@pytest.mark.sequence_operation(*operation_ids): the operations *",
        ]
    )
