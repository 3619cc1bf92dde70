"""The async fixtures under pytest-asyncio and under anyio's plugin: same ledger, budget, limits, secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from plugin_support import LEAN, Server

README = Path(__file__).resolve().parents[2] / "README.md"

# pytest-asyncio in strict mode (its default), with a fresh event loop for every test.
ASYNCIO_INI = """
[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
"""

CREATES_THEN_CHECKS = """
from __future__ import annotations

import pytest

from pytest_sequence_metadata import NotFoundError

created = []


@{mark}
async def test_creates_a_collection(sequence_async_client):
    answer = await sequence_async_client.create_collection({{"metadata": {{"name": "made async"}}}})
    collection = answer["collection"]
    got = await sequence_async_client.get_collection(collection["id"])
    assert got["collection"]["metadata"]["name"] == "made async"
    await sequence_async_client.create_token(collection["id"], {{"tokenId": "1", "name": "one"}})
    created.append(collection["id"])


@{mark}
async def test_the_same_client_works_on_the_next_tests_loop(sequence_async_client):
    # Another test, another event loop: the session's client still works, and the collection of the
    # test before is gone already (deleted at its teardown).
    with pytest.raises(NotFoundError):
        await sequence_async_client.get_collection(created[0])
    listed = await sequence_async_client.list_collections()
    assert not listed["collections"]
    await sequence_async_client.create_collection({{"metadata": {{"name": "made async too"}}}})


def test_nothing_of_the_async_tests_is_left(sequence_client):
    assert not sequence_client.list_collections()["collections"]
"""

# anyio's plugin runs each test once per installed backend (trio too, where it is installed): the
# inner runs pin asyncio so their counts hold everywhere; trio has a test of its own below.
ANYIO_ON_ASYNCIO = """
import pytest


@pytest.fixture
def anyio_backend():
    return "asyncio"
"""

EMULATOR_STATE_REPORTER = (
    ANYIO_ON_ASYNCIO
    + """
from pytest_sequence_metadata.runtime import get_runtime


def pytest_unconfigure(config):
    print("EMULATOR STATE", get_runtime(config).emulator().emulator.backend.stats())
"""
)

PLUGINS = {
    "pytest-asyncio": ("pytest.mark.asyncio", ("-p", "no:anyio")),
    "anyio": ("pytest.mark.anyio", ("-p", "no:asyncio")),
}


def _plugin(name: str) -> tuple[str, tuple[str, ...]]:
    if name == "pytest-asyncio":
        pytest.importorskip("pytest_asyncio")  # the dev extra has it; a bare install may not
    return PLUGINS[name]


NOTHING_LEFT = "EMULATOR STATE {'projects': 1, 'collections': 0, 'tokens': 0, 'assets': 0}"


@pytest.fixture(autouse=True)
def _anyio_on_asyncio(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(ANYIO_ON_ASYNCIO)


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_an_async_test_leaves_nothing_on_the_emulator(pytester: pytest.Pytester, plugin: str) -> None:
    mark, only = _plugin(plugin)
    pytester.makeini(ASYNCIO_INI if plugin == "pytest-asyncio" else "[pytest]\n")
    pytester.makeconftest(EMULATOR_STATE_REPORTER)
    pytester.makepyfile(CREATES_THEN_CHECKS.format(mark=mark))
    result = pytester.runpytest("-s", *only)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([NOTHING_LEFT])


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_an_async_test_leaves_nothing_on_a_live_target(
    pytester: pytest.Pytester, server: Server, plugin: str
) -> None:
    # Over HTTP the connections are real: the session's client must not carry them from one test's
    # loop into the next one's.
    mark, only = _plugin(plugin)
    pytester.makeini(ASYNCIO_INI if plugin == "pytest-asyncio" else "[pytest]\n")
    pytester.makepyfile(CREATES_THEN_CHECKS.format(mark=mark))
    result = pytester.runpytest(*server.args(), *only)
    result.assert_outcomes(passed=3)
    assert server.collections() == []
    assert server.stats()["tokens"] == 0


FAILS_AFTER_CREATING = """
import pytest


@pytest.mark.anyio
async def test_fails(sequence_async_client, sequence_async_other_client):
    await sequence_async_client.create_collection({"metadata": {"name": "mine"}})
    await sequence_async_other_client.create_collection({"metadata": {"name": "theirs"}})
    assert False, repr(sequence_async_client)
"""


def test_a_failing_async_test_is_cleaned_up_and_shows_no_secret(
    pytester: pytest.Pytester, server: Server
) -> None:
    pytester.makepyfile(FAILS_AFTER_CREATING)
    result = pytester.runpytest(*server.args("--sequence-other-jwt", server.other_jwt), "-l")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: AsyncMetadataClient(*jwt='***'*"])
    output = result.stdout.str() + result.stderr.str()
    assert server.jwt not in output
    assert server.other_jwt not in output
    assert server.collections(1) == []
    assert server.collections(2) == []


BUDGET_AND_LIMIT = """
import pytest

from pytest_sequence_metadata.runtime import get_runtime
from pytest_sequence_metadata.traffic import RateLimiter, RequestBudgetExceeded


@pytest.mark.anyio
async def test_counts(request, sequence_async_client):
    runtime = get_runtime(request.config)
    limiter = next(o for o in runtime.observers() if isinstance(o, RateLimiter))
    await sequence_async_client.list_collections()
    await sequence_async_client.create_collection({"metadata": {"name": "counted"}})
    assert limiter.acquired == runtime.stats.sent == 2
    with pytest.raises(RequestBudgetExceeded, match="request budget of 3 requests used up"):
        for _ in range(3):
            await sequence_async_client.list_collections()
"""


def test_the_async_clients_share_the_budget_and_the_rate_limit(
    pytester: pytest.Pytester, server: Server
) -> None:
    pytester.makepyfile(BUDGET_AND_LIMIT)
    args = server.args("--sequence-request-budget", "3", "--sequence-rate-limit", "50/s")
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=1)
    # The spent budget did not stop the cleanup (deletions are always let through).
    assert server.collections() == []


ANONYMOUS = """
import pytest

from pytest_sequence_metadata import NotFoundError


@pytest.mark.anyio
async def test_the_public_sees_no_private_collection(sequence_async_anon_client, sequence_collection):
    assert not sequence_async_anon_client.authenticated
    with pytest.raises(NotFoundError):
        await sequence_async_anon_client.public_collection_metadata(sequence_collection["id"])
"""


def test_the_anonymous_async_client_sends_no_credentials(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(ANONYMOUS)
    pytester.runpytest().assert_outcomes(passed=1)


WITHOUT_ASYNC_PLUGINS = """
import asyncio


def test_sync_fixtures(sequence_collection, sequence_client):
    assert sequence_client.get_collection(sequence_collection["id"])["collection"]["private"] is True


def test_the_async_client_with_asyncio_run(sequence_async_client):
    async def main():
        made = await sequence_async_client.create_collection({"metadata": {"name": "run by hand"}})
        return made["collection"]["id"]

    assert asyncio.run(main()) > 0
"""


def test_no_async_plugin_is_needed(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(EMULATOR_STATE_REPORTER)
    pytester.makepyfile(WITHOUT_ASYNC_PLUGINS)
    result = pytester.runpytest_subprocess(*LEAN, "-s", "-p", "no:asyncio", "-p", "no:anyio")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([NOTHING_LEFT])


def _readme_block(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"{heading}\n")
    return re.findall(r"```python\n(.*?)```", text[start:], re.DOTALL)[0]


def test_the_readme_async_example_runs_as_written(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(EMULATOR_STATE_REPORTER)
    pytester.makepyfile(test_readme_async=_readme_block("### Async tests"))
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([NOTHING_LEFT])


def test_the_readme_python_api_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(_readme_block("## Python API"), "README.md", "exec"), {})
    assert capsys.readouterr().out == "NotFound 3000\n"


ON_TRIO = """
import pytest


@pytest.fixture
def anyio_backend():
    return "trio"


@pytest.mark.anyio
async def test_on_trio(sequence_async_client):
    made = await sequence_async_client.create_collection({"metadata": {"name": "on trio"}})
    assert (await sequence_async_client.get_collection(made["collection"]["id"]))["collection"]["id"]
"""


@pytest.mark.parametrize("target", ["emulator", "live"])
def test_the_async_clients_work_on_trio(pytester: pytest.Pytester, server: Server, target: str) -> None:
    pytest.importorskip("trio")  # not a dependency: checked where it is installed
    pytester.makepyfile(ON_TRIO)
    result = pytester.runpytest(*(server.args() if target == "live" else ()))
    result.assert_outcomes(passed=1)
    assert server.collections() == []  # live: deleted at teardown; emulator: never sent here
