"""The cleanup ledger: nothing is left behind after failures or Ctrl-C, and what is left fails the run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from plugin_support import LEAN, Server

from pytest_sequence_metadata.runtime import TAG_KEY

MAKES_EVERYTHING_THEN_FAILS = """
from __future__ import annotations

import pytest


def test_fails(sequence_collection, sequence_collection_factory, sequence_asset, sequence_client):
    sequence_collection_factory()
    made = sequence_client.create_collection({"metadata": {"name": "made by the test itself"}})
    sequence_client.create_token(made["collection"]["id"], {"tokenId": "7", "name": "seven"})
    assert len(sequence_client.list_collections()["collections"]) == 4
    pytest.fail("failing on purpose")
"""

# Reports what the in-process emulator still holds once the plugin has finished its work.
EMULATOR_STATE_REPORTER = """
from __future__ import annotations

from pytest_sequence_metadata.runtime import get_runtime


def pytest_unconfigure(config):
    print("EMULATOR STATE", get_runtime(config).emulator().emulator.backend.stats())
"""


def test_nothing_is_left_on_the_emulator_after_a_failing_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(EMULATOR_STATE_REPORTER)
    pytester.makepyfile(MAKES_EVERYTHING_THEN_FAILS)
    result = pytester.runpytest("-s")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Failed: failing on purpose",
            "EMULATOR STATE {'projects': 1, 'collections': 0, 'tokens': 0, 'assets': 0}",
        ]
    )


def test_nothing_is_left_on_a_live_target_after_a_failing_test(
    pytester: pytest.Pytester, server: Server
) -> None:
    pytester.makepyfile(MAKES_EVERYTHING_THEN_FAILS)
    result = pytester.runpytest(*server.args())
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Failed: failing on purpose"])
    assert server.stats() == {"projects": 1, "collections": 0, "tokens": 0, "assets": 0}


def test_nothing_is_left_after_keyboard_interrupt(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(
        """
        from __future__ import annotations


        def test_interrupted(sequence_token, sequence_client):
            sequence_client.create_collection({"metadata": {"name": "made by the test itself"}})
            assert len(sequence_client.list_collections()["collections"]) == 2
            raise KeyboardInterrupt


        def test_never_runs():
            raise AssertionError("not reached")
        """
    )
    result = pytester.runpytest(*server.args(), no_reraise_ctrlc=True)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*KeyboardInterrupt*"])
    assert server.collections() == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_nothing_is_left_after_a_real_ctrl_c_or_sigterm(
    pytester: pytest.Pytester, server: Server, signum: signal.Signals
) -> None:
    ready = pytester.path / "ready"
    pytester.makepyfile(
        f"""
        from __future__ import annotations

        import pathlib
        import time


        def test_waits(sequence_collection, sequence_client):
            sequence_client.create_collection({{"metadata": {{"name": "made by the test itself"}}}})
            pathlib.Path({str(ready)!r}).write_text("ready")
            time.sleep(60)
        """
    )
    command = [sys.executable, "-m", "pytest", *LEAN, *server.args()]
    with subprocess.Popen(command, cwd=pytester.path, stdout=subprocess.PIPE, text=True) as process:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert process.poll() is None, "the inner run ended early"
            assert time.monotonic() < deadline, "the inner run never got ready"
            time.sleep(0.05)
        assert len(server.collections()) == 2
        process.send_signal(signum)
        output, _ = process.communicate(timeout=30)
    # SIGTERM (what CI runners send on a timeout) is handled as Ctrl-C: clean up, then stop.
    assert process.returncode == pytest.ExitCode.INTERRUPTED, output
    assert ("KeyboardInterrupt" if signum == signal.SIGINT else "Terminated: SIGTERM") in output
    assert server.collections() == []


FAILED_DELETION = """
from __future__ import annotations


def test_passes(sequence_collection):
    pass
"""

# Set before any test, so the rule is not the test's own and outlives it (a test's rules end with it).
CLEANUP_FAILED_HOOK = """
from __future__ import annotations

from pytest_sequence_metadata.runtime import get_runtime


def pytest_sessionstart(session):
    get_runtime(session.config).emulator().faults.server_error("DeleteCollection", times={times})


def pytest_sequence_cleanup_failed(leftovers, config):
    print("HOOK", [leftover.entry.key for leftover in leftovers], type(config).__name__)
"""


def test_a_failed_deletion_fails_the_run_and_lists_the_leftovers(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CLEANUP_FAILED_HOOK.format(times=None))
    pytester.makepyfile(FAILED_DELETION)
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    what = "collection (collection 1) of the owner project"
    reason = (
        "WebrpcInternalErrorError: DeleteCollection: WebrpcInternalError (code -7, HTTP 500): internal error "
        "(cause: injected fault)"
    )
    result.stdout.fnmatch_lines(
        [
            "*HOOK [[](1,)[]] Config",
            "*_ ERROR at teardown of test_passes _*",
            f"pytest-sequence-metadata: could not delete {what}: {reason}",
            "*= sequence-metadata: resources left behind =*",
            f"could not delete {what}: {reason}",
            "1 resource(s) left behind: the run fails",
        ]
    )


def test_a_deletion_that_fails_once_is_retried_at_once(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CLEANUP_FAILED_HOOK.format(times=1))
    pytester.makepyfile(FAILED_DELETION)
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    assert "left behind" not in result.stdout.str()
    assert "HOOK" not in result.stdout.str()


def test_a_session_fixture_keeps_its_collection_until_the_end(
    pytester: pytest.Pytester, server: Server
) -> None:
    pytester.makeconftest(
        """
        from __future__ import annotations

        import pytest


        @pytest.fixture(scope="session")
        def shared(sequence_client):
            return sequence_client.create_collection({"metadata": {"name": "shared"}})["collection"]
        """
    )
    pytester.makepyfile(
        """
        from __future__ import annotations

        import pytest


        @pytest.mark.parametrize("n", range(3))
        def test_uses_shared(shared, sequence_client, n):
            assert sequence_client.get_collection(shared["id"])["collection"]["metadata"]["name"] == "shared"
        """
    )
    result = pytester.runpytest(*server.args())
    result.assert_outcomes(passed=3)
    assert server.collections() == []


def _seed(server: Server, name: str, tag: dict[str, str] | None, project: int = 1) -> int:
    metadata: dict[str, object] = {"name": name}
    if tag is not None:
        metadata["properties"] = {TAG_KEY: tag}
    made = server.emulator.backend.create_collection(project, {"metadata": metadata}, base_url=server.url)
    return int(made["collection"]["id"])


def _tag(age: timedelta) -> dict[str, str]:
    return {"run": "earlier", "worker": "main", "createdAt": (datetime.now(UTC) - age).isoformat()}


@pytest.mark.parametrize(
    ("extra", "swept"),
    [
        ([], ["tagged, two days old"]),
        (["--sequence-sweep-age", "5m"], ["tagged, ten minutes old", "tagged, two days old"]),
    ],
    ids=["default-age", "age-5m"],
)
def test_the_sweep_deletes_only_old_tagged_collections(
    pytester: pytest.Pytester, server: Server, extra: list[str], swept: list[str]
) -> None:
    names = {
        "untagged, two days old (no tag: never ours)": None,
        "tagged, ten minutes old": _tag(timedelta(minutes=10)),
        "tagged, two days old": _tag(timedelta(days=2)),
        "tag without a date": {"run": "earlier", "worker": "main"},
    }
    ids = {name: _seed(server, name, tag) for name, tag in names.items()}
    other_project = _seed(server, "tagged, two days old, project 2", _tag(timedelta(days=2)), project=2)
    pytester.makepyfile("def test_nothing():\n    pass\n")

    result = pytester.runpytest(*server.args("--sequence-sweep", *extra))
    result.assert_outcomes(passed=1)
    deleted = sorted(ids[name] for name in swept)
    result.stdout.fnmatch_lines(
        [
            "plugins: *",
            f"sequence-metadata: sweep deleted {len(deleted)} leftover collection(s): "
            + ", ".join(map(str, deleted)),
            "collected 1 item",
        ]
    )
    remaining = {c["metadata"]["name"] for c in server.collections()}
    assert remaining == set(names) - set(swept)
    assert [c["id"] for c in server.collections(project=2)] == [other_project]


def test_without_the_flag_nothing_is_swept(pytester: pytest.Pytester, server: Server) -> None:
    _seed(server, "tagged, two days old", _tag(timedelta(days=2)))
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(*server.args())
    result.assert_outcomes(passed=1)
    assert "sweep deleted" not in result.stdout.str()
    assert len(server.collections()) == 1


def test_a_create_answered_off_spec_is_still_deleted(pytester: pytest.Pytester, server: Server) -> None:
    pytester.makepyfile(
        """
        from __future__ import annotations

        import pytest

        from pytest_sequence_metadata.errors import SchemaViolationError


        def test_off_spec(sequence_client, monkeypatch):
            def reject(call, status, body):
                raise SchemaViolationError(
                    operation=call.operation_id, where="response 200", path="$", value=None,
                    rule="test", message="answered off spec",
                )

            # The server creates the collection, then its answer fails validation in the client.
            monkeypatch.setattr(sequence_client, "_check", reject)
            with pytest.raises(SchemaViolationError):
                sequence_client.create_collection({"metadata": {"name": "created, answer rejected"}})
            monkeypatch.undo()
            assert len(sequence_client.list_collections()["collections"]) == 1
        """
    )
    result = pytester.runpytest(*server.args())
    result.assert_outcomes(passed=1)
    assert server.collections() == []
