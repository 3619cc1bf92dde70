"""Root conftest: the plugin's own tests drive pytest through `pytester`.

The Go differential test's summary line lives here, not in tests/gowire: under xdist only the root
conftest reaches the controller, which writes the summary from the workers' reports.
"""

from __future__ import annotations

from typing import Any

pytest_plugins = ["pytester"]

# Names of the user properties tests/gowire records (tests/gowire/gowire_harness.py).
GOWIRE_CASES = "gowire_cases"
GOWIRE_GO = "gowire_go_version"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    properties = [
        (name, value)
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
    ]
    cases = sum(int(value) for name, value in properties if name == GOWIRE_CASES)
    versions = sorted({str(value) for name, value in properties if name == GOWIRE_GO})
    if cases:
        terminalreporter.write_line(
            f"gowire: {cases} request bodies compared between Go's encoding/json"
            f" ({', '.join(versions) or 'version unknown'}) and ours"
        )
