"""Redaction where pytest itself writes a value down: test ids, JUnit properties, the `--debug` log.

plugin.py redacts what reports carry (tracebacks, captured output, logs, warnings). These are the
values pytest copies elsewhere before or beside any report: a parametrized id holding a JWT goes
into `-v`, the summary, `--collect-only`, JUnit and the cache (`lastfailed`, `nodeids`), so items
are renamed as they are collected; `record_property`, `record_testsuite_property` and
`record_xml_attribute` values go into the JUnit XML; `--debug` writes the command line and every
hook call's arguments to its log file. Some of these live in pytest's private objects (the JUnit
writer, `Node._nodeid`): tests/plugin/test_report_artifacts.py fails if pytest moves them.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import pytest

from pytest_sequence_metadata.client.redaction import (
    contains_secret,
    redact,
    register_secret,
    register_short_secret,
)
from pytest_sequence_metadata.pytest.settings import OPTIONS

_REDACTING_WRITER = "_sequence_metadata_redacting"


def protect(config: pytest.Config) -> None:
    """Set up every redaction of this module; called first thing at configure time."""
    _register_given_secrets(config)
    redact_debug_log(config)
    if not config.pluginmanager.has_plugin("sequence-metadata-artifacts"):
        config.pluginmanager.register(ArtifactRedaction(config), "sequence-metadata-artifacts")


def _register_given_secrets(config: pytest.Config) -> None:
    # Before the settings are checked: a run refused for a bad setting still wrote its command line
    # (with every secret given on it) to the debug log.
    for option in OPTIONS:
        if option.secret:
            value = config.getoption(option.dest, None)
            register_secret(value if isinstance(value, str) else None)
    url = config.getoption("sequence_url", None)
    if isinstance(url, str) and url:
        from pytest_sequence_metadata.pytest.guard import BadURL, parse_base_url

        with contextlib.suppress(BadURL):  # settings.resolve refuses it with a usage error
            register_short_secret(parse_base_url(url).password)


def redact_debug_log(config: pytest.Config) -> None:
    """Rewrite what `--debug` has written so far, and redact every message it writes from now on."""
    root: Any = config.trace.root
    writer = getattr(root, "_writer", None)
    if writer is None or getattr(writer, _REDACTING_WRITER, False):
        return
    debugfile = getattr(writer, "__self__", None)
    path = getattr(debugfile, "name", None)
    if isinstance(debugfile, io.TextIOBase) and isinstance(path, str) and not debugfile.closed:
        debugfile.flush()
        with open(path, encoding="utf-8") as written:
            text = written.read()
        cleaned = redact(text)
        if cleaned != text:
            debugfile.seek(0)
            debugfile.truncate()
            debugfile.write(cleaned)

    def redacting(message: str) -> None:
        writer(redact(message))

    setattr(redacting, _REDACTING_WRITER, True)
    root.setwriter(redacting)


class ArtifactRedaction:
    """The hooks that rewrite values pytest copies into its own artifacts."""

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Any:
        # trylast: the innermost wrapper, so `--lf`'s own wrapper already sees the redacted ids.
        report = yield
        _rename_all([node for node in report.result if isinstance(node, pytest.Item)])
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        # Items that came another way; tryfirst: before deselection and the cache's `nodeids`.
        _rename_all(items)

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # tryfirst: before JUnit copies `record_property` values into <properties> and turns the
        # test's `record_xml_attribute` values into XML (at teardown).
        report.user_properties = [_clean_pair(pair) for pair in report.user_properties]
        xml = self._junit()
        node = getattr(report, "node", None)
        # Keyed by (node id, worker): a str before pytest 9.2, a NodeId from 9.2 on.
        reporters = xml.node_reporters.items() if xml is not None else ()
        for (nodeid, worker), reporter in list(reporters):
            attrs = getattr(reporter, "attrs", None)
            if str(nodeid) == report.nodeid and worker is node and isinstance(attrs, dict):
                attrs.update({str(k): str(v) for k, v in map(_clean_pair, attrs.items())})

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # tryfirst: before JUnit writes `record_testsuite_property` values into the file.
        xml = self._junit()
        if xml is not None:
            xml.global_properties = [(str(k), str(v)) for k, v in map(_clean_pair, xml.global_properties)]

    def _junit(self) -> Any:
        """pytest's JUnit writer of this run, if `--junitxml` is on (its stash key is not public)."""
        try:
            from _pytest.junitxml import xml_key
        except ImportError:  # pragma: no cover - pytest moved it: the artifacts test fails then
            return None
        return self.config.stash.get(xml_key, None)


def _clean_pair(pair: tuple[str, object]) -> tuple[str, object]:
    name, value = pair
    if contains_secret(str(name)):
        name = redact(str(name))
    if contains_secret(str(value)):
        value = redact(str(value))
    return name, value


def _rename_all(items: list[pytest.Item]) -> None:
    taken = {item.nodeid for item in items}
    for item in items:
        if contains_secret(item.nodeid):
            _rename(item, taken)


def _rename(item: pytest.Item, taken: set[str]) -> None:
    old_name, old_id = item.name, item.nodeid
    stem = redact(old_name)
    prefix = redact(old_id[: -len(old_name)]) if old_id.endswith(old_name) else None
    count = 0
    while True:  # two ids that differed only in their secrets stay two ids
        count += 1
        name = _numbered(stem, count)
        nodeid = prefix + name if prefix is not None else _numbered(redact(old_id), count)
        if nodeid not in taken:
            break
    taken.discard(old_id)
    taken.add(nodeid)
    item.name = name
    _set_nodeid(item, nodeid)
    markers: dict[str, Any] | None = getattr(item.keywords, "_markers", None)
    if markers is not None:  # the keywords index the name too, and reports copy them
        markers.pop(old_name, None)
        markers[name] = True
    item.__dict__.pop("location", None)  # cached from the old name, if anything asked already


def _set_nodeid(item: pytest.Item, nodeid: str) -> None:
    """Give the item another id where `Node.nodeid` reads it: `_id` (a NodeId) from pytest 9.2 on,
    `_nodeid` (a str) before."""
    if hasattr(item, "_id"):  # a slot, not in the instance's __dict__
        from _pytest.nodeid import coerce_node_id  # type: ignore[import-not-found,unused-ignore]

        setattr(item, "_id", coerce_node_id(nodeid))  # noqa: B010 - private in every pytest release
    else:
        setattr(item, "_nodeid", nodeid)  # noqa: B010
    if item.nodeid != nodeid:
        raise RuntimeError(f"pytest {pytest.__version__} keeps node ids where this plugin cannot rename them")


def _numbered(stem: str, count: int) -> str:
    if count == 1:
        return stem
    return f"{stem[:-1]}-{count}]" if stem.endswith("]") else f"{stem}-{count}"
