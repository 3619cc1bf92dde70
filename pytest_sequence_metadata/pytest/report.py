"""The conformance report (`--sequence-report PATH`): JSON for machines, Markdown beside it for people.

Verdicts come from the tests' markers: `sequence_operation(*ids)`, `sequence_privacy(rule)` and
`sequence_assumption(id)`; schemathesis items are mapped to their operation by their `[METHOD /path]`
id. A failure blames what broke, not all a test touched: the operation whose call raised, else the
operations the test itself names and reached (a module's `pytestmark` only says what its tests
exercise); an assumption is contradicted only by its own tests (see `_assumption`). Under xdist the
workers attach the marks to their reports and send their traffic and cleanup figures back, so the
controller writes one report for the whole run.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

from pytest_sequence_metadata.client.redaction import redact

if TYPE_CHECKING:
    from pytest_sequence_metadata.pytest.runtime import Runtime

REPORT_SCHEMA_ID: Final = "pytest-sequence-metadata/conformance-report"
REPORT_VERSION: Final = 1
_MARKS_ATTR: Final = "sequence_marks"
_CALLS_BEFORE: Final = pytest.StashKey[Counter[str]]()
_CASE_ID = re.compile(r"\[(GET|PUT|POST|DELETE|PATCH) (/[^\]\s]*)\]")


def schema_path() -> Path:
    """The JSON Schema of the report, shipped in the package."""
    return Path(__file__).with_name("report.schema.json")


@dataclass
class _Outcome:
    nodeid: str
    outcome: str  # passed, failed, skipped
    operations: list[str] = field(default_factory=list)  # exercised: its own marks and its module's
    privacy: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)  # what the test itself says it checks
    blamed: list[str] = field(default_factory=list)  # the operations its failure counts against


def item_marks(item: pytest.Item) -> dict[str, list[str]]:
    """The report-relevant marks of a test item, as plain data that survives xdist's serialisation.

    `operations` are all `sequence_operation` marks (the module's too: what its tests exercise on
    their way); `named` only those on the test itself (what it checks, and what its failure blames).
    """
    operations = [str(a) for m in item.iter_markers("sequence_operation") for a in m.args]
    own = getattr(item, "own_markers", [])
    return {
        "operations": operations,
        "named": [str(a) for m in own if m.name == "sequence_operation" for a in m.args],
        "privacy": [str(m.args[0]) for m in item.iter_markers("sequence_privacy") if m.args],
        "assumptions": [str(m.args[0]) for m in item.iter_markers("sequence_assumption") if m.args],
    }


def blamed_operations(
    marks: dict[str, list[str]], call: pytest.CallInfo[None], called: Collection[str]
) -> list[str]:
    """The operations a failure counts against: the one whose call raised (client errors name it),
    if the test exercises it; else, for a failing test body, the operations the test itself names
    that it reached (`called`: sent by a plugin client during the test), or all it names when the
    plugin saw it call none of them."""
    failed_in = getattr(call.excinfo.value, "operation", None) if call.excinfo is not None else None
    if isinstance(failed_in, str):
        return [failed_in] if failed_in in marks["operations"] else []
    if call.when != "call":
        # A fixture's or the cleanup's failure without a named call is no verdict on what the test checks.
        return []
    reached = [operation for operation in marks["named"] if operation in called]
    return reached or list(marks["named"])


class ConformanceReport:
    """A pytest plugin object: gathers outcomes during the run and writes the report at the end."""

    def __init__(self, config: pytest.Config, runtime: Runtime, path: Path) -> None:
        self.config = config
        self.runtime = runtime
        self.path = path
        self.started = time.monotonic()
        self.outcomes: dict[str, _Outcome] = {}
        self.worker_figures: list[dict[str, Any]] = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        # What the test sends from here on tells which of its operations it reached.
        item.stash[_CALLS_BEFORE] = Counter(self.runtime.stats.by_operation)

    # Marks travel on the report object (workers) and are read back on the controller.
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        marks = item_marks(item)
        if report.failed:
            before = item.stash.get(_CALLS_BEFORE, Counter())
            now = self.runtime.stats.by_operation
            called = {operation for operation, count in now.items() if count > before[operation]}
            marks["blamed"] = blamed_operations(marks, call, called)
        setattr(report, _MARKS_ATTR, marks)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        marks: dict[str, list[str]] = getattr(report, _MARKS_ATTR, None) or {}
        entry = self.outcomes.get(report.nodeid)
        if entry is None:
            known = {k: list(v) for k, v in marks.items() if k != "blamed"}
            entry = _Outcome(report.nodeid, "passed", **known)
            self.outcomes[report.nodeid] = entry
        if report.failed:
            entry.outcome = "failed"
            entry.blamed.extend(op for op in marks.get("blamed", []) if op not in entry.blamed)
        elif report.skipped and entry.outcome != "failed":
            entry.outcome = "skipped"

    # An xdist hook: optional, so that pluggy accepts it in installs without pytest-xdist.
    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        figures = getattr(node, "workeroutput", {}).get("sequence_report_figures")
        if figures:
            self.worker_figures.append(figures)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        figures = local_figures(self.runtime)
        if hasattr(self.config, "workerinput"):
            self.config.workeroutput["sequence_report_figures"] = figures  # type: ignore[attr-defined]
            return
        merged = merge_figures([figures, *self.worker_figures])
        document = self.build(merged, int(session.exitstatus))
        write_report(self.path, document)

    def build(self, figures: dict[str, Any], exit_status: int) -> dict[str, Any]:
        from pytest_sequence_metadata.contract.assumptions import ASSUMPTIONS
        from pytest_sequence_metadata.contract.privacy import PRIVACY_RULES
        from pytest_sequence_metadata.contract.spec import load_spec

        spec = load_spec()
        by_path = {(op.method, op.path): op_id for op_id, op in spec.operations.items()}
        for outcome in self.outcomes.values():
            match = _CASE_ID.search(outcome.nodeid)
            if match and (match.group(1), match.group(2)) in by_path:
                # The conformance test of an operation names it, and its failure is that operation's.
                operation = by_path[(match.group(1), match.group(2))]
                outcome.operations.append(operation)
                outcome.named.append(operation)
                if outcome.outcome == "failed" and not outcome.blamed:
                    outcome.blamed.append(operation)
        target = self.runtime.target
        counts = Counter(o.outcome for o in self.outcomes.values())
        document = {
            "schema": REPORT_SCHEMA_ID,
            "version": REPORT_VERSION,
            "generatedAt": datetime.now(UTC).isoformat(timespec="seconds"),
            "target": {
                "kind": target.kind,
                "baseUrl": redact(target.base_url),
                "projectId": target.project_id,
                "otherProjectId": target.other_project_id,
                "profile": target.profile,
            },
            "spec": {"version": spec.version, "serverWebrpc": sorted(figures["webrpc"])},
            "run": {
                "id": self.runtime.run_id,
                "durationSeconds": round(time.monotonic() - self.started, 3),
                "exitStatus": exit_status,
                "tests": {k: counts.get(k, 0) for k in ("passed", "failed", "skipped")},
            },
            "operations": {
                op_id: self._verdict(
                    [o for o in self.outcomes.values() if op_id in o.operations],
                    requests=figures["byOperation"].get(op_id, 0),
                    blames=functools.partial(_blames, op_id),
                )
                for op_id in sorted(spec.operations)
            },
            "privacy": {
                key: {
                    "statement": rule.statement,
                    **self._verdict([o for o in self.outcomes.values() if key in o.privacy]),
                }
                for key, rule in sorted(PRIVACY_RULES.items())
            },
            "assumptions": {
                key: {"summary": assumption.summary, **self._assumption(key)}
                for key, assumption in sorted(ASSUMPTIONS.items())
            },
            "cleanup": figures["cleanup"],
            "traffic": {k: figures[k] for k in ("requests", "retries", "rateLimited", "byStatus")},
        }
        if self.runtime.parity is not None:
            document["parity"] = self.runtime.parity.summary()
        return document

    @staticmethod
    def _verdict(
        outcomes: list[_Outcome],
        requests: int | None = None,
        blames: Callable[[_Outcome], bool] = lambda outcome: True,
    ) -> dict[str, Any]:
        """Checks are the tests that ran; failures only those whose failure `blames` the subject."""
        ran = [o for o in outcomes if o.outcome != "skipped"]
        failed = sorted(o.nodeid for o in ran if o.outcome == "failed" and blames(o))
        verdict = "failed" if failed else ("passed" if ran else "not-exercised")
        result: dict[str, Any] = {"verdict": verdict, "checks": len(ran), "failed": failed}
        if requests is not None:
            result["requests"] = requests
        return result

    def _assumption(self, key: str) -> dict[str, Any]:
        """Contradicted only by a failing test of its own: not one whose documented twin (a test of
        the same privacy rule without assumptions) failed too, and, of a test resting on several
        assumptions, only those whose single-assumption tests did not all pass."""
        outcomes = [o for o in self.outcomes.values() if o.outcome != "skipped"]
        documented_failures = {
            rule for o in outcomes if o.outcome == "failed" and not o.assumptions for rule in o.privacy
        }
        alone = [o for o in outcomes if o.assumptions == [key]]
        proven = bool(alone) and all(o.outcome == "passed" for o in alone)
        evidence, failed = [], []
        for outcome in outcomes:
            if key not in outcome.assumptions:
                continue
            if outcome.outcome == "passed":
                evidence.append(outcome)
            elif not set(outcome.privacy) & documented_failures:
                others = [a for a in outcome.assumptions if a != key]
                if not (others and proven):
                    evidence.append(outcome)
                    failed.append(outcome.nodeid)
        verdict = "contradicted" if failed else ("held" if evidence else "not-run")
        return {"verdict": verdict, "checks": len(evidence), "failed": sorted(failed)}


def _blames(operation: str, outcome: _Outcome) -> bool:
    return operation in outcome.blamed


def local_figures(runtime: Runtime) -> dict[str, Any]:
    stats, ledger = runtime.stats, runtime.ledger
    return {
        "requests": stats.sent,
        "retries": stats.retries,
        "rateLimited": stats.rate_limited,
        "byStatus": {str(k): v for k, v in sorted(stats.statuses.items())},
        "byOperation": dict(stats.by_operation),
        "webrpc": sorted(stats.webrpc_versions),
        "cleanup": {
            "created": ledger.created,
            "deleted": ledger.deleted,
            "leftBehind": [redact(f.describe()) for f in ledger.outstanding()],
        },
    }


def merge_figures(parts: list[dict[str, Any]]) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    operations: Counter[str] = Counter()
    webrpc: set[str] = set()
    cleanup: dict[str, Any] = {"created": 0, "deleted": 0, "leftBehind": []}
    totals = {"requests": 0, "retries": 0, "rateLimited": 0}
    for part in parts:
        for key in totals:
            totals[key] += int(part[key])
        statuses.update(part["byStatus"])
        operations.update(part["byOperation"])
        webrpc.update(part["webrpc"])
        cleanup["created"] += part["cleanup"]["created"]
        cleanup["deleted"] += part["cleanup"]["deleted"]
        cleanup["leftBehind"].extend(part["cleanup"]["leftBehind"])
    return {
        **totals,
        "byStatus": dict(sorted(statuses.items())),
        "byOperation": dict(operations),
        "webrpc": sorted(webrpc),
        "cleanup": cleanup,
    }


def write_report(path: Path, document: dict[str, Any]) -> Path:
    """Write the JSON report and the Markdown summary beside it (same name, `.md`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(json.dumps(document, indent=2, sort_keys=False)) + "\n", encoding="utf-8")
    summary = path.with_suffix(".md")
    summary.write_text(redact(markdown(document)), encoding="utf-8")
    return summary


_ICON: Final = {"passed": "✅", "held": "✅", "failed": "❌", "contradicted": "❌"}
NOT_RUN_ICON: Final = "\u2796"  # heavy minus sign: not exercised / not run


def markdown(document: dict[str, Any]) -> str:
    """A summary a person reads in a minute: failures first, then the tables."""
    target, run = document["target"], document["run"]
    tests = run["tests"]
    lines = [
        "# Sequence Metadata conformance",
        "",
        f"Target **{target['kind']}** `{target['baseUrl']}`, project {target['projectId']}, "
        f"profile `{target['profile']}`; spec {document['spec']['version']}"
        + (
            f", server `{', '.join(document['spec']['serverWebrpc'])}`"
            if document["spec"]["serverWebrpc"]
            else ""
        ),
        "",
        f"Tests: {tests['passed']} passed, {tests['failed']} failed, {tests['skipped']} skipped "
        f"in {run['durationSeconds']:.1f} s (exit status {run['exitStatus']}).",
        "",
    ]
    failing_ops = {k: v for k, v in document["operations"].items() if v["verdict"] == "failed"}
    failing_rules = {k: v for k, v in document["privacy"].items() if v["verdict"] == "failed"}
    contradicted = {k: v for k, v in document["assumptions"].items() if v["verdict"] == "contradicted"}
    if failing_ops or failing_rules or contradicted:
        lines += ["## Failures", ""]
        for name, entry in failing_ops.items():
            lines.append(f"- ❌ operation **{name}**: {', '.join(f'`{t}`' for t in entry['failed'][:5])}")
        for name, entry in failing_rules.items():
            lines.append(f"- ❌ privacy rule **{name}**: {', '.join(f'`{t}`' for t in entry['failed'][:5])}")
        for name, entry in contradicted.items():
            lines.append(
                f"- ❌ assumption **{name}** contradicted: {', '.join(f'`{t}`' for t in entry['failed'][:5])}"
            )
        lines.append("")
    lines += ["## Operations", "", "| operation | verdict | checks | requests |", "|---|---|---|---|"]
    for name, entry in document["operations"].items():
        icon = _ICON.get(entry["verdict"], NOT_RUN_ICON)
        lines.append(
            f"| {name} | {icon} {entry['verdict']} | {entry['checks']} | {entry.get('requests', 0)} |"
        )
    lines += ["", "## Privacy rules", "", "| rule | verdict | checks |", "|---|---|---|"]
    for name, entry in document["privacy"].items():
        lines.append(
            f"| {name} | {_ICON.get(entry['verdict'], NOT_RUN_ICON)} {entry['verdict']} | {entry['checks']} |"
        )
    lines += ["", "## Assumptions", "", "| assumption | verdict | checks |", "|---|---|---|"]
    for name, entry in document["assumptions"].items():
        lines.append(
            f"| {name} | {_ICON.get(entry['verdict'], NOT_RUN_ICON)} {entry['verdict']} | {entry['checks']} |"
        )
    cleanup, traffic = document["cleanup"], document["traffic"]
    lines += [
        "",
        "## Cleanup and traffic",
        "",
        f"Created {cleanup['created']}, deleted {cleanup['deleted']}, "
        f"left behind {len(cleanup['leftBehind'])}.",
    ]
    lines += [f"- left behind: {item}" for item in cleanup["leftBehind"]]
    lines += [
        f"Requests {traffic['requests']}, retries {traffic['retries']}, "
        f"429 answers {traffic['rateLimited']}.",
        "",
    ]
    if "parity" in document:
        from pytest_sequence_metadata.suite.parity import markdown as parity_markdown

        lines += parity_markdown(document["parity"])
    return "\n".join(lines)
