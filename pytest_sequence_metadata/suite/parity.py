"""Parity with a recording (`--sequence-parity DIR`): where the emulator answers unlike the live target.

Each test's exchanges, normalised as recording.py does, are compared with the recording of the same
test, phase by phase (setup, call, teardown) and in order: the operation and the request (once they
differ, the test took another path and the rest of the phase is not compared), then the status, the
error name and code, the kept headers, and the body: its shape (keys, JSON types, nulls) and its
values. Each difference names the test, the operation, the exchange, the JSON path, and what the
recording and the emulator say.

Where the recorded test failed (`failedIn`: its setup or its call), only as many exchanges of that
phase as were recorded are compared, and none of a call that never ran: the live test stopped there.
A test without a recording is listed, not failed (it was skipped on the live target, or is newer
than the recording). Differences fail the run unless an entry of `DIR/parity-known.yaml` matches
them; an entry that matches nothing is reported as stale.
"""

from __future__ import annotations

import fnmatch
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest

from pytest_sequence_metadata.client.redaction import redact
from pytest_sequence_metadata.pytest.recording import PHASES, BadRecording, json_type, read_all

KNOWN_FILE: Final = "parity-known.yaml"
MATCH_FIELDS: Final = ("test", "operation", "phase", "kind", "path")
ABSENT: Final = "<absent>"
_PHASE_ORDER: Final[dict[str, int]] = {phase: index for index, phase in enumerate(PHASES)}
_PLAIN_KEY: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Difference:
    """One place where the emulator's answer is not the recorded one."""

    test: str
    operation: str
    exchange: int  # 1-based, within its phase
    phase: str
    kind: str  # request, missing, extra, status, error, header, shape, value, length
    path: str
    recorded: Any
    emulator: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "operation": self.operation,
            "exchange": self.exchange,
            "phase": self.phase,
            "kind": self.kind,
            "path": self.path,
            "recorded": self.recorded,
            "emulator": self.emulator,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Difference:
        return cls(**{name: data[name] for name in cls.__slots__})

    def describe(self) -> str:
        return (
            f"{self.test}: {self.operation} ({self.phase} #{self.exchange}) {self.kind} at {self.path}: "
            f"recorded {_show(self.recorded)}, emulator {_show(self.emulator)}"
        )


def _show(value: Any) -> str:
    import json

    text = value if value == ABSENT else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass(frozen=True, slots=True)
class Known:
    """An entry of parity-known.yaml: glob patterns over a difference's fields, and why it is accepted."""

    match: dict[str, str]
    reason: str

    def matches(self, difference: Difference) -> bool:
        return all(
            fnmatch.fnmatchcase(str(getattr(difference, name)), pattern)
            for name, pattern in self.match.items()
        )

    def as_dict(self) -> dict[str, Any]:
        return {"match": dict(self.match), "reason": self.reason}


def load_known(path: Path) -> list[Known]:
    """The known differences in `path` (none when it does not exist); ValueError on a malformed file."""
    import yaml

    if not path.exists():
        return []
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"{path} is not readable YAML ({type(error).__name__})") from None
    if loaded is None:
        return []
    if not isinstance(loaded, list):
        raise ValueError(f"{path} must be a list of entries with `match` and `reason`")
    known = []
    for number, entry in enumerate(loaded, 1):
        where = f"{path} entry {number}"
        if not isinstance(entry, dict) or set(entry) != {"match", "reason"}:
            raise ValueError(f"{where} must have exactly the keys `match` and `reason`")
        match, reason = entry["match"], entry["reason"]
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{where}: `reason` must say why the difference is accepted")
        if (
            not isinstance(match, dict)
            or not match
            or not set(match) <= set(MATCH_FIELDS)
            or not all(isinstance(v, str | int) for v in match.values())
        ):
            raise ValueError(f"{where}: `match` maps some of {', '.join(MATCH_FIELDS)} to glob patterns")
        known.append(Known({str(k): str(v) for k, v in match.items()}, reason.strip()))
    return known


def _step(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if _PLAIN_KEY.match(key) else f"{path}[{key!r}]"


def compare_json(path: str, recorded: Any, emulator: Any) -> list[tuple[str, str, Any, Any]]:
    """(kind, path, recorded, emulator) for each place two JSON values differ: shape first, then values."""
    found: list[tuple[str, str, Any, Any]] = []
    if json_type(recorded) != json_type(emulator):
        return [("shape", path, recorded, emulator)]
    if isinstance(recorded, dict):
        for key in [*recorded, *(k for k in emulator if k not in recorded)]:
            where = _step(path, key)
            if key not in emulator:
                found.append(("shape", where, recorded[key], ABSENT))
            elif key not in recorded:
                found.append(("shape", where, ABSENT, emulator[key]))
            else:
                found.extend(compare_json(where, recorded[key], emulator[key]))
    elif isinstance(recorded, list):
        for index, (left, right) in enumerate(zip(recorded, emulator, strict=False)):
            found.extend(compare_json(_step(path, index), left, right))
        if len(recorded) != len(emulator):
            found.append(("length", path, len(recorded), len(emulator)))
    elif recorded != emulator:
        found.append(("value", path, recorded, emulator))
    return found


def _is_error(body: Any) -> bool:
    return isinstance(body, dict) and "error" in body and "code" in body


def compare_exchange(
    recorded: dict[str, Any], emulator: dict[str, Any]
) -> tuple[list[tuple[str, str, Any, Any]], bool]:
    """The differences of one exchange, and whether the test went another way (the rest is not compared)."""
    if recorded.get("operation") != emulator.get("operation"):
        return [("request", "operation", recorded.get("operation"), emulator.get("operation"))], True
    request = [
        ("request", where, left, right)
        for _kind, where, left, right in compare_json(
            "request", recorded.get("request"), emulator.get("request")
        )
    ]
    if request:
        return request, True
    found: list[tuple[str, str, Any, Any]] = []
    if recorded.get("status") != emulator.get("status"):
        found.append(("status", "status", recorded.get("status"), emulator.get("status")))
    left: Any = recorded.get("body")
    right: Any = emulator.get("body")
    if _is_error(left) and _is_error(right):
        for key in ("error", "code"):
            if left[key] != right[key]:
                found.append(("error", f"body.{key}", left[key], right[key]))
        left = {k: v for k, v in left.items() if k not in ("error", "code")}
        right = {k: v for k, v in right.items() if k not in ("error", "code")}
    found.extend(
        ("header", where, a, b)
        for _kind, where, a, b in compare_json("headers", recorded.get("headers"), emulator.get("headers"))
    )
    found.extend(compare_json("body", left, right))
    return found, False


def compare(test: str, recording: dict[str, Any], exchanges: list[dict[str, Any]]) -> list[Difference]:
    """Every difference between a test's recording and its exchanges on the emulator."""
    differences: list[Difference] = []
    # The live test stopped at its failure: in that phase (and, after a failed setup, in the call that
    # never ran) nothing the emulator run did later is compared.
    stopped: tuple[str, ...] = ()
    if recording.get("outcome") == "failed":
        stopped = ("setup", "call") if recording.get("failedIn") == "setup" else ("call",)
    for phase in PHASES:
        left = [e for e in recording["exchanges"] if e.get("phase") == phase]
        right = [e for e in exchanges if e.get("phase") == phase]
        if phase in stopped:
            right = right[: len(left)]
        for index in range(max(len(left), len(right))):
            number = index + 1
            if index >= len(right):
                operation = str(left[index].get("operation"))
                differences.append(
                    Difference(test, operation, number, phase, "missing", "", operation, ABSENT)
                )
                continue
            if index >= len(left):
                operation = str(right[index].get("operation"))
                differences.append(Difference(test, operation, number, phase, "extra", "", ABSENT, operation))
                continue
            found, diverged = compare_exchange(left[index], right[index])
            operation = str(left[index].get("operation"))
            differences.extend(Difference(test, operation, number, phase, *item) for item in found)
            if diverged:
                break
    return differences


@dataclass
class ParityCheck:
    """The recordings, the known differences, and what this process found so far."""

    directory: Path
    recordings: dict[str, dict[str, Any]]
    known: list[Known]
    differences: list[Difference] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)
    not_recorded: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, directory: Path) -> ParityCheck:
        """ValueError (a one-line reason) when the directory, a recording or the known file is unusable."""
        if not directory.is_dir():
            raise ValueError(f"{directory} is not a directory of recordings")
        try:
            recordings = read_all(directory)
        except BadRecording as error:
            raise ValueError(str(error)) from None
        return cls(directory, recordings, load_known(directory / KNOWN_FILE))

    def check(self, test: str, exchanges: list[dict[str, Any]]) -> list[Difference]:
        recording = self.recordings.get(test)
        with self._lock:
            if recording is None:
                self.not_recorded.append(test)
                return []
            found = compare(test, recording, exchanges)
            self.compared.append(test)
            self.differences.extend(found)
            return found

    def figures(self) -> dict[str, Any]:
        """What this process found, as plain data (xdist workers send it to the controller)."""
        return {
            "compared": list(self.compared),
            "notRecorded": list(self.not_recorded),
            "differences": [d.as_dict() for d in self.differences],
        }

    def merge(self, figures: dict[str, Any]) -> None:
        with self._lock:
            self.compared.extend(figures.get("compared", []))
            self.not_recorded.extend(figures.get("notRecorded", []))
            self.differences.extend(Difference.from_dict(d) for d in figures.get("differences", []))

    def known_reason(self, difference: Difference) -> str | None:
        return next((k.reason for k in self.known if k.matches(difference)), None)

    @property
    def unknown(self) -> list[Difference]:
        return [d for d in self.differences if self.known_reason(d) is None]

    @property
    def stale(self) -> list[Known]:
        return [k for k in self.known if not any(k.matches(d) for d in self.differences)]

    def summary(self) -> dict[str, Any]:
        """The report's `parity` section."""
        ordered = sorted(self.differences, key=lambda d: (d.test, _PHASE_ORDER[d.phase], d.exchange))
        unknown = self.unknown
        return {
            "verdict": "failed" if unknown else "passed",
            "recordings": str(self.directory),
            "compared": len(set(self.compared)),
            "notRecorded": sorted(set(self.not_recorded)),
            "differences": [{**d.as_dict(), "known": self.known_reason(d)} for d in ordered],
            "unknown": len(unknown),
            "stale": [k.as_dict() for k in self.stale],
        }

    def lines(self) -> list[str]:
        """The terminal summary: new differences, known ones, stale entries, tests without a recording."""
        lines = [f"new: {d.describe()}" for d in self.unknown]
        lines += [
            f"known ({self.known_reason(d)}): {d.describe()}"
            for d in self.differences
            if d not in self.unknown
        ]
        lines += [
            f"stale entry of {KNOWN_FILE} (matches nothing now): {k.match} ({k.reason})" for k in self.stale
        ]
        missing = sorted(set(self.not_recorded))
        if missing:
            lines.append(
                f"{len(missing)} test(s) without a recording (not compared): {', '.join(missing[:10])}"
            )
        lines.append(
            f"{len(set(self.compared))} test(s) compared with {self.directory}: {len(self.differences)} "
            f"difference(s), {len(self.unknown)} not known"
        )
        return lines


def markdown(section: dict[str, Any]) -> list[str]:
    """The report's Markdown for a `parity` section."""
    lines = [
        "## Parity",
        "",
        f"{section['compared']} test(s) compared with the recordings in `{section['recordings']}`: "
        f"{len(section['differences'])} difference(s), {section['unknown']} not known "
        f"({'❌ the run fails' if section['unknown'] else '✅'}).",
        "",
    ]
    if section["differences"]:
        lines += [
            "| test | operation | where | path | recorded | emulator | known |",
            "|---|---|---|---|---|---|---|",
        ]
        for d in section["differences"]:
            where = f"{d['phase']} #{d['exchange']} {d['kind']}"
            known = d["known"] or "**new**"
            cells = [f"`{d['test']}`", d["operation"], where, f"`{d['path']}`"]
            cells += [f"`{_show(d['recorded'])}`", f"`{_show(d['emulator'])}`", known]
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        lines.append("")
    for entry in section["stale"]:
        lines.append(f"- stale known difference (matches nothing now): `{entry['match']}`: {entry['reason']}")
    if section["notRecorded"]:
        lines.append(f"- {len(section['notRecorded'])} test(s) without a recording, not compared")
    lines.append("")
    return lines


class ParityHooks:
    """Registered with --sequence-parity: gathers the workers' findings, reports them, fails the run."""

    def __init__(self, check: ParityCheck) -> None:
        self.check = check

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        figures = getattr(node, "workeroutput", {}).get("sequence_parity")
        if figures:
            self.check.merge(figures)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # tryfirst: the report (trylast) writes the exit status this sets.
        controller = not hasattr(session.config, "workerinput")
        passing = session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
        if controller and passing and self.check.unknown:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        if hasattr(config, "workerinput"):
            return
        unknown = bool(self.check.unknown)
        terminalreporter.section(
            "sequence-metadata: parity with the recordings", sep="=", red=unknown, bold=True
        )
        for line in self.check.lines():
            terminalreporter.write_line(redact(line), red=line.startswith("new:"))
        if unknown:
            terminalreporter.write_line(
                f"{len(self.check.unknown)} difference(s) not listed in {KNOWN_FILE}: the run fails", red=True
            )
