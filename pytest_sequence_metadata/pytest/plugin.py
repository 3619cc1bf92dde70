"""pytest entry point (`sequence_metadata`): options, configuration, report header, guards, cleanup.

Fixtures live in `fixtures.py` and are re-exported here so pytest registers them with the plugin.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

from pytest_sequence_metadata.client.redaction import REDACTED, redact
from pytest_sequence_metadata.pytest import hooks, markers, termination
from pytest_sequence_metadata.pytest.artifact_redaction import protect as protect_artifacts
from pytest_sequence_metadata.pytest.fixtures import (  # noqa: F401 - registered as fixtures
    sequence_anon_client,
    sequence_asset,
    sequence_async_anon_client,
    sequence_async_client,
    sequence_async_other_client,
    sequence_client,
    sequence_collection,
    sequence_collection_factory,
    sequence_emulator,
    sequence_other_client,
    sequence_spec,
    sequence_target,
    sequence_token,
)
from pytest_sequence_metadata.pytest.runtime import RUNTIME, Runtime, get_runtime
from pytest_sequence_metadata.pytest.settings import add_options, display_url, resolve

if TYPE_CHECKING:
    from pytest_sequence_metadata.pytest.ledger import Leftover

_LEFTOVERS = pytest.StashKey[list[str]]()
_ITEM_MARK = pytest.StashKey[int]()
_TEST_START = pytest.StashKey[tuple[int, list[Any]]]()
_OUTCOMES = pytest.StashKey[dict[str, str]]()
# Options under which pytest runs no test: no need to reach the target.
_LISTING_ONLY: Final = ("collectonly", "showfixtures", "show_fixtures_per_test")


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hooks)


def pytest_configure(config: pytest.Config) -> None:
    for marker in markers.MARKERS:
        config.addinivalue_line("markers", marker.ini_line)
    config.stash[_LEFTOVERS] = []
    protect_artifacts(config)
    if config.option.help or config.option.markers:
        # Listing options or markers runs no test: a bad SEQUENCE_URL must not stand in the way.
        return
    settings = resolve(config)
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    listing = any(getattr(config.option, name, False) for name in _LISTING_ONLY)
    if settings.kind == "live" and not workerinput and not listing:
        # Once per run (the xdist controller, not each worker), before the first test.
        from pytest_sequence_metadata.pytest.preflight import check_target

        check_target(settings)
    runtime = Runtime(settings, run_id=workerinput.get("sequence_run_id"))
    config.stash[RUNTIME] = runtime
    if settings.parity:
        from pytest_sequence_metadata.suite.parity import ParityCheck, ParityHooks

        try:
            runtime.parity = ParityCheck.load(Path(settings.parity))
        except ValueError as error:
            raise pytest.UsageError(f"pytest-sequence-metadata: --sequence-parity: {error}") from None
        config.pluginmanager.register(ParityHooks(runtime.parity), "sequence-metadata-parity")
    cache = getattr(config, "cache", None)
    if cache is not None and settings.kind == "live":
        from pytest_sequence_metadata.pytest.journal import CACHE_DIR

        runtime.journal_dir = Path(cache.mkdir(CACHE_DIR))
    config.add_cleanup(termination.install())
    if settings.report:
        from pytest_sequence_metadata.pytest.report import ConformanceReport

        report = ConformanceReport(config, runtime, Path(settings.report))
        config.pluginmanager.register(report, "sequence-metadata-report")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "sequence-metadata-xdist")


def pytest_report_header(config: pytest.Config) -> list[str]:
    runtime = config.stash.get(RUNTIME, None)
    if runtime is None:
        return []
    settings = runtime.settings
    target = runtime.target
    where = "embedded, in-process" if target.is_emulator else f"url from {settings.sources['url']}"
    other = (
        f"{target.other_project_id} (from {settings.sources['other_project_id']})"
        if target.other_project_id is not None
        else "none (isolation checks skip)"
    )
    lines = [
        f"sequence-metadata: target {target.kind} {display_url(target.base_url)} ({where})",
        f"sequence-metadata: owner project {target.project_id} (from {settings.sources['project_id']}), "
        f"other project {other}, profile {settings.profile} (from {settings.sources['profile']})",
    ]
    described = settings.describe()
    if described:
        lines.append("sequence-metadata: settings " + ", ".join(described))
    return lines


@pytest.hookimpl(wrapper=True)
def pytest_sessionstart(session: pytest.Session) -> Any:
    # After every other implementation: the logging plugin is set up and the header is printed,
    # so the sweep reports under it.
    result = yield
    _redact_logging(session.config)
    runtime = get_runtime(session.config)
    if runtime.settings.sweep and not hasattr(session.config, "workerinput"):
        # The journals first: they name each resource and the project to delete it in, tag or not.
        recorded, journal_problems = runtime.sweep_journals()
        deleted, problems = runtime.sweep()
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            if recorded or journal_problems:
                reporter.write_line(
                    f"sequence-metadata: sweep deleted {len(recorded)} resource(s) recorded by earlier "
                    f"runs that did not clean up: {', '.join(recorded) or 'none'}"
                )
            ids = ", ".join(map(str, deleted)) or "none"
            reporter.write_line(
                f"sequence-metadata: sweep deleted {len(deleted)} leftover collection(s): {ids}"
            )
            for problem in [*journal_problems, *problems]:
                reporter.write_line(f"sequence-metadata: sweep could not delete {redact(problem)}", red=True)
    return result


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A skip mark (not pytest.skip() in a hook) so that reports point at the test, not at this file.
    kind = get_runtime(config).settings.kind
    unwanted, reason = (
        ("sequence_emulator_only", "needs the embedded emulator (the target is a live API)")
        if kind == "live"
        else ("sequence_live_only", "needs a live API (--sequence-url); the target is the embedded emulator")
    )
    for item in items:
        if item.get_closest_marker(unwanted):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # What a test owns starts with its setup: the resources its fixtures create, the fault rules set,
    # and the request journal (`sequence_emulator.requests` shows this test's requests only).
    runtime = get_runtime(item.config)
    emulator = runtime.running_emulator
    item.stash[_TEST_START] = (runtime.ledger_mark(), emulator.fault_rules() if emulator else [])
    if emulator is not None:
        emulator.requests.clear()
    if runtime.recorder is not None:
        runtime.recorder.begin(item.nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    # Marked after setup: what fixtures create is theirs to delete (a session-scoped fixture's
    # collection must outlive the first test); what the test body creates goes at its teardown.
    runtime = get_runtime(item.config)
    item.stash[_ITEM_MARK] = runtime.ledger_mark()
    if runtime.recorder is not None:
        runtime.recorder.phase("call")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Any:
    failed_before = True
    recorder = get_runtime(item.config).recorder
    if recorder is not None:
        recorder.phase("teardown")
    try:
        result = yield
        failed_before = False
        return result
    finally:
        # After the fixtures' own teardown: whatever the test created directly goes too.
        runtime = get_runtime(item.config)
        if _ITEM_MARK in item.stash:
            runtime.clean(since=item.stash[_ITEM_MARK])
        start, faults_before = item.stash.get(_TEST_START, (0, []))
        # A deletion that failed gets one more try; what still fails is an error of this test (so
        # JUnit shows it), is tried again at the end of the run, and is listed if it stays.
        left = runtime.retry_deletion(runtime.leftovers(since=start))
        emulator = runtime.running_emulator
        if emulator is not None:
            # Only now: the test's rules apply to its own teardown, never to the next test.
            emulator.keep_only_faults(faults_before)
        if runtime.budget_exhausted:
            budget = runtime.settings.request_budget
            item.session.shouldstop = (
                f"pytest-sequence-metadata: request budget of {budget} requests used up "
                "(--sequence-request-budget)"
            )
        if recorder is not None:
            # Last: the exchanges of the ledger's cleanup of this test belong to its teardown too.
            _finish_recording(item, runtime)
        if left and not failed_before:
            lines = "\n".join(f"could not delete {redact(leftover.describe())}" for leftover in left)
            pytest.fail(f"pytest-sequence-metadata: {lines}", pytrace=False)


def _finish_recording(item: pytest.Item, runtime: Runtime) -> None:
    """Write the test's recording (--sequence-record) or compare it with one (--sequence-parity)."""
    assert runtime.recorder is not None
    raw = runtime.recorder.end()
    outcomes = item.stash.get(_OUTCOMES, {})
    if "skipped" in outcomes.values() and "failed" not in outcomes.values():
        return  # a test that did not run has nothing to record or compare
    failed_in = next((phase for phase in ("setup", "call") if outcomes.get(phase) == "failed"), None)
    normaliser = runtime.normaliser()
    exchanges = [normaliser.exchange(exchange) for exchange in raw]
    if runtime.settings.record:
        from pytest_sequence_metadata.pytest.recording import write

        write(Path(runtime.settings.record), item.nodeid, exchanges, failed_in=failed_in)
    if runtime.parity is not None:
        runtime.parity.check(item.nodeid, exchanges)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    item.stash.setdefault(_OUTCOMES, {})[report.when] = report.outcome
    if report.failed and call.excinfo is not None:
        lost = _lost_connection(item, call.excinfo)
        if lost is not None:
            report.longrepr = lost
    _redact_report(report, item.config)
    return report


def _lost_connection(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException]) -> str | None:
    """Two lines for a transport error of the target (instead of httpx's and httpcore's tracebacks):
    what was lost, and where in the test's own file it happened."""
    httpx = sys.modules.get("httpx")  # not imported: no httpx error can have been raised
    if httpx is None or not isinstance(excinfo.value, httpx.TransportError):
        return None
    runtime = item.config.stash.get(RUNTIME, None)
    target = display_url(runtime.settings.base_url) if runtime is not None else "the target"
    error = excinfo.value
    text = f"pytest-sequence-metadata: lost the connection to {target}: {type(error).__name__}: {error}"
    own = [entry for entry in excinfo.traceback if entry.path == item.path]
    if own:
        text += f"\n  in {item.path.name}:{own[-1].lineno + 1} ({item.name})"
    return text


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    report = yield
    # Every test of a module or class, also those -k or -m deselect later: a bad mark of the plugin
    # (an unknown privacy rule, a mistyped argument) is an error collecting it, as pytest's
    # --strict-markers makes an unknown marker name.
    markers.refuse_bad_marks(report)
    _redact_report(report, collector.config)
    return report


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # trylast: pytest's runner has torn down every fixture by now (also after Ctrl-C).
    runtime = session.config.stash.get(RUNTIME, None)
    if runtime is None:
        return
    try:
        runtime.clean()
        leftovers = runtime.leftovers()
        runtime.close_journal()
    finally:
        runtime.close()
    if leftovers:
        _fail_for_leftovers(session, leftovers)
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["sequence_leftovers"] = session.config.stash[_LEFTOVERS]
        if runtime.parity is not None:
            session.config.workeroutput["sequence_parity"] = runtime.parity.figures()


@pytest.hookimpl(tryfirst=True)
def pytest_warning_recorded(warning_message: Any, when: str, nodeid: str, location: Any) -> None:
    # tryfirst: before the terminal reporter keeps the text for its warnings summary.
    warning = warning_message.message
    if isinstance(warning, Warning) and warning.args:
        warning.args = tuple(redact(a) if isinstance(a, str) else a for a in warning.args)


def _fail_for_leftovers(session: pytest.Session, leftovers: list[Leftover]) -> None:
    session.config.stash[_LEFTOVERS].extend(f.describe() for f in leftovers)
    session.config.hook.pytest_sequence_cleanup_failed(leftovers=leftovers, config=session.config)
    if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    leftovers = config.stash.get(_LEFTOVERS, [])
    if leftovers:
        terminalreporter.section("sequence-metadata: resources left behind", sep="=", red=True, bold=True)
        for line in leftovers:
            terminalreporter.write_line(f"could not delete {line}")
        terminalreporter.write_line(f"{len(leftovers)} resource(s) left behind: the run fails")
    runtime = config.stash.get(RUNTIME, None)
    if runtime is not None and runtime.budget_exhausted:
        terminalreporter.write_line(
            f"sequence-metadata: stopped: request budget of {runtime.settings.request_budget} requests "
            "used up (--sequence-request-budget)",
            red=True,
        )


# Assertion messages and `-l` locals shorten long values around "...", cutting a JWT into pieces
# that no longer look like one: the piece next to the ellipsis is checked against the known secrets.
_CUT_PIECE: Final = re.compile(r"[A-Za-z0-9_-]{6,}(?=\.\.\.)|(?<=\.\.\.)[A-Za-z0-9_-]{6,}")


def _scrub(text: str, secrets: Sequence[str]) -> str:
    text = redact(text)
    if not secrets or "..." not in text:
        return text
    return _CUT_PIECE.sub(lambda m: REDACTED if any(m[0] in s for s in secrets) else m[0], text)


def _redact_report(report: Any, config: pytest.Config) -> None:
    runtime = config.stash.get(RUNTIME, None)
    secrets = runtime.settings.secrets() if runtime is not None else []
    longrepr = getattr(report, "longrepr", None)
    if longrepr is not None:
        text = str(longrepr)
        if _scrub(text, secrets) != text:
            report.longrepr = _redact_repr(longrepr, secrets)
    sections = getattr(report, "sections", None)
    if sections:
        report.sections = [(title, _scrub(content, secrets)) for title, content in sections]


def _redact_repr(value: Any, secrets: Sequence[str], depth: int = 0) -> Any:
    """`value` with every string in it redacted; pytest's repr objects are changed in place.

    Keeping the objects (rather than one redacted string) keeps what reads their parts working:
    the one-line crash message of `-ra`, JUnit's failure message, xdist's serialisation.
    """
    if isinstance(value, str):
        return _scrub(value, secrets)
    if depth > 12:
        return value
    if isinstance(value, list):
        value[:] = [_redact_repr(item, secrets, depth + 1) for item in value]
        return value
    if type(value) is tuple:
        return tuple(_redact_repr(item, secrets, depth + 1) for item in value)
    if hasattr(value, "toterminal") and hasattr(value, "__dict__"):  # a TerminalRepr
        for name, item in list(vars(value).items()):
            cleaned = _redact_repr(item, secrets, depth + 1)
            if cleaned is not item:
                object.__setattr__(value, name, cleaned)
    return value


class _RedactingFilter(logging.Filter):
    """Rewrites a record before any handler formats it: message, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_REDACTOR: Final = _RedactingFilter()


def _redact_logging(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin("logging-plugin")
    if plugin is None:
        return
    for name in ("caplog_handler", "report_handler", "log_file_handler", "log_cli_handler"):
        handler = getattr(plugin, name, None)
        if isinstance(handler, logging.Handler) and _REDACTOR not in handler.filters:
            handler.addFilter(_REDACTOR)


class _XdistHooks:
    """Registered only with pytest-xdist: one run id for all workers, leftovers reported back."""

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["sequence_run_id"] = get_runtime(node.config).run_id

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        leftovers = getattr(node, "workeroutput", {}).get("sequence_leftovers") or []
        if leftovers:
            node.config.stash[_LEFTOVERS].extend(f"{line} (worker {node.gateway.id})" for line in leftovers)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        controller = not hasattr(session.config, "workerinput")
        passing = session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
        if controller and passing and session.config.stash[_LEFTOVERS]:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
