"""Care for live targets: a request budget that stops the run, and a client-side rate limit."""

from __future__ import annotations

import pytest
from plugin_support import Server

SPENDS_REQUESTS = """
from __future__ import annotations


def test_first(sequence_client):
    sequence_client.list_collections()
    sequence_client.list_collections()


def test_second(sequence_collection, sequence_client):
    sequence_client.list_collections()
    sequence_client.list_collections()


def test_never_runs():
    raise AssertionError("the run should have stopped before this test")
"""


def test_the_request_budget_stops_the_run_saying_so(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(SPENDS_REQUESTS)
    result = pytester.runpytest(*server.args("--sequence-request-budget", "4"))
    # test_second: CreateCollection and one ListCollections fit; the second ListCollections does not.
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "E   *RequestBudgetExceeded: request budget of 4 requests used up before ListCollections; "
            "raise --sequence-request-budget to allow more",
            "sequence-metadata: stopped: request budget of 4 requests used up (--sequence-request-budget)",
            "*! Interrupted: pytest-sequence-metadata: request budget of 4 requests used up "
            "(--sequence-request-budget) !*",
        ]
    )
    # The spent budget did not stop the cleanup.
    assert server.collections() == []


def test_without_a_budget_every_test_runs(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(SPENDS_REQUESTS)
    result = pytester.runpytest(*server.args())
    result.assert_outcomes(passed=2, failed=1)
    assert "request budget" not in result.stdout.str()


RATE_LIMITED = """
from __future__ import annotations

import time

from pytest_sequence_metadata.pytest.runtime import get_runtime
from pytest_sequence_metadata.pytest.traffic import RateLimiter


def test_requests_wait_their_turn(request, sequence_client, sequence_anon_client):
    runtime = get_runtime(request.config)
    [limiter] = [o for o in runtime.observers() if isinstance(o, RateLimiter)]
    assert limiter.rate.text == "2/s"
    # Every client of the run goes through the same limiter.
    assert limiter in sequence_client.observers
    assert limiter in sequence_anon_client.observers
    started = time.monotonic()
    sequence_client.list_collections()
    sequence_client.list_collections()
    sequence_client.list_collections()
    elapsed = time.monotonic() - started
    assert limiter.acquired == runtime.stats.sent == 3
    # Two fit in the first second; the third waits for the next one (a loose lower bound only).
    assert elapsed >= 0.5, elapsed
"""

NOT_LIMITED = """
from __future__ import annotations

from pytest_sequence_metadata.pytest.runtime import get_runtime
from pytest_sequence_metadata.pytest.traffic import RateLimiter


def test_no_limiter(request, sequence_client):
    sequence_client.list_collections()
    assert not [o for o in get_runtime(request.config).observers() if isinstance(o, RateLimiter)]
"""


def test_the_rate_limit_is_applied_to_every_client(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(RATE_LIMITED)
    pytester.runpytest(*server.args("--sequence-rate-limit", "2/s")).assert_outcomes(passed=1)


def test_without_a_rate_limit_there_is_no_limiter(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(NOT_LIMITED)
    pytester.runpytest(*server.args()).assert_outcomes(passed=1)


def test_xdist_workers_share_the_budget(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: Server
) -> None:
    # What each of 3 workers sees: a third of the run's budget, so the run as a whole stays within it.
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "3")
    pytester.makepyfile(
        """
        def test_spends(sequence_client):
            for _ in range(4):
                sequence_client.list_collections()
        """
    )
    result = pytester.runpytest(*server.args("--sequence-request-budget", "10"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   *RequestBudgetExceeded: request budget of 3 requests (this worker's share of 10 across 3 "
            "workers) used up before ListCollections; raise --sequence-request-budget to allow more",
        ]
    )
