"""Root conftest: the plugin's own tests drive pytest through `pytester`.

The Go differential test's summary line lives here, not in tests/gowire: under xdist only the root
conftest reaches the controller, which writes the summary from the workers' reports.

Under `-n`, the tests go to the workers by work stealing (xdist's `--dist worksteal`) unless `--dist`
says otherwise: they take from a millisecond to 15 s (the self-check's runs of the suite), and xdist's
default (`load`) hands them out in fixed batches, which left one worker idle for the last half minute.
`-n auto` starts one worker more than xdist would (one per core): about a sixth of the run is spent
waiting (timeouts the emulator must enforce, servers and browsers starting, other processes'
answers), and the spare worker fills those waits (on 2 cores, interleaved: 86 s and 85 s against 95 s
and 93 s with one worker a core; two spare workers were slower). `PYTEST_XDIST_AUTO_NUM_WORKERS` still
decides when set.

The bytecode cache of child processes is set here too, before xdist starts its workers: the self-check,
the pytester and CLI tests start about a hundred Python processes, and each imports some 380 modules
whose asserts pytest rewrites (every module of each installed pytest plugin's distribution). Where
`PYTHONDONTWRITEBYTECODE` is set (as on these machines) every child rewrote and compiled them all again,
about 3 s a process; with a shared cache outside the tree only the first one does (this process uses it
too, from here on). Hypothesis's storage
is shared the same way: in a directory of its own (each pytester or self-check run has a fresh one)
hypothesis reads the source of every loaded module for the constants it biases generation with, about
1.3 s a run; shared, that is read once. (The contract suite keeps no example database, `database=None`,
so runs with different emulators share no examples.)

Once the tests are collected, what collection built (modules, test items, schemathesis' and
Hypothesis' strategies, the spec) is frozen out of reach of Python's cyclic garbage collector, and its
youngest generation is collected less often: the collector walked those objects, alive until the run
ends, again and again, about 5% of a run's CPU.
"""

from __future__ import annotations

import gc
import getpass
import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["pytester"]

CACHES = Path(tempfile.gettempdir())
USER = str(os.getuid()) if hasattr(os, "getuid") else getpass.getuser()  # one cache per user
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault("PYTHONPYCACHEPREFIX", str(CACHES / f"pytest-sequence-metadata-pycache-{USER}"))
if sys.pycache_prefix is None:
    # This process too, for what it imports from here on (the test modules, the package's modules).
    sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"]
    sys.dont_write_bytecode = False
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(CACHES / f"pytest-sequence-metadata-hypothesis-{USER}")
)

# pytest-asyncio (dev) warns in every inner pytester run that sets no loop scope of its own; since
# pytest 9.2 an inner run's configure-time warnings follow the inner run's filters, not ours, so each
# inner run is given our filter for it (pyproject.toml's filterwarnings, the one place it is written)
# on its command line. Not the ini key: `[contract]`-only installs have no pytest-asyncio, and
# --strict-config refuses a key no plugin declares.
LOOP_SCOPE_OPTION = "asyncio_default_fixture_loop_scope"


@pytest.fixture(autouse=True)
def _inner_runs_filter_the_loop_scope_warning(request: pytest.FixtureRequest) -> None:
    if "pytester" not in request.fixturenames:
        return
    request.getfixturevalue("pytester")  # it clears PYTEST_ADDOPTS when it starts
    filters = [f for f in request.config.getini("filterwarnings") if LOOP_SCOPE_OPTION in f]
    if filters:
        addopts = shlex.join(part for entry in filters for part in ("-W", entry))
        request.getfixturevalue("monkeypatch").setenv("PYTEST_ADDOPTS", addopts)


GC_THRESHOLD = (50_000, 20, 20)  # Python's default is (700, 10, 10)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()  # no garbage frozen with the rest
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


# Names of the user properties tests/gowire records (tests/gowire/gowire_harness.py).
GOWIRE_CASES = "gowire_cases"
GOWIRE_GO = "gowire_go_version"


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # what was asked for (xdist reads it)
    from xdist.plugin import pytest_xdist_auto_num_workers as cores

    return int(cores(config)) + 1


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    given = any(arg == "-d" or arg.startswith("--dist") for arg in map(str, config.invocation_params.args))
    if config.getoption("dist") != "load" or given:
        return None  # what was asked for
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)


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
