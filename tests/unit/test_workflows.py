"""The GitHub Actions workflows: CI runs what the README and .ci/run promise; the nightly run tests staging
with credentials from repository secrets only, keeps its reports, and checks spec drift."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
UPSTREAM_URL = "https://raw.githubusercontent.com/0xsequence/docs/master/api-references/metadata/endpoints/sequence-metadata.json"
SECRETS = ("SEQUENCE_URL", "SEQUENCE_JWT", "SEQUENCE_OTHER_JWT")
SECRET_REFERENCE = re.compile(r"^\$\{\{ secrets\.([A-Z][A-Z0-9_]*) \}\}$")
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def load(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True.
    found = workflow.get("on", workflow.get(True))
    assert isinstance(found, dict)
    return found


def steps(workflow: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for job in workflow["jobs"].values():
        yield from job["steps"]


def runs(workflow_or_job: dict[str, Any]) -> list[str]:
    """The `run` scripts of a whole workflow, or of one job (which has `steps`, not `jobs`)."""
    found = workflow_or_job["steps"] if "steps" in workflow_or_job else steps(workflow_or_job)
    return [step["run"] for step in found if "run" in step]


def commands(workflow: dict[str, Any]) -> set[str]:
    """Every shell command of the workflow, split at newlines and `&&`, folded `>-` lines included."""
    found: set[str] = set()
    for script in runs(workflow):
        for line in script.splitlines():
            found.update(part.strip() for part in line.split("&&") if part.strip())
    return found


def walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))
    else:
        yield path, node


def always(step: dict[str, Any]) -> bool:
    return str(step.get("if", "")).replace("${{", "").replace("}}", "").strip() == "always()"


def readme_command() -> str:
    """The README's command that installs everything and runs every test."""
    readme = (ROOT / "README.md").read_text()
    lines = [line for line in readme.splitlines() if ".[contract,dev]" in line and "pytest" in line]
    assert len(lines) == 1, lines
    return lines[0].strip()


@pytest.fixture(scope="module")
def ci() -> dict[str, Any]:
    return load("ci.yml")


@pytest.fixture(scope="module")
def nightly() -> dict[str, Any]:
    return load("nightly.yml")


# Both workflows ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ci.yml", "nightly.yml"])
def test_actions_are_pinned_by_commit_with_a_version_comment(name: str) -> None:
    workflow = load(name)
    uses = [step["uses"] for step in steps(workflow) if "uses" in step]
    assert uses
    for action in uses:
        assert PINNED.match(action), f"{action} is not pinned to a full commit SHA"
    for line in (WORKFLOWS / name).read_text().splitlines():
        if re.match(r"^\s*(- )?uses:", line):
            assert re.search(r"@[0-9a-f]{40} # v\d+(\.\d+)*$", line), f"no version comment: {line.strip()}"


@pytest.mark.parametrize("name", ["ci.yml", "nightly.yml"])
def test_least_privilege_token(name: str) -> None:
    assert load(name)["permissions"] == {"contents": "read"}
    for step in steps(load(name)):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("name", ["ci.yml", "nightly.yml"])
def test_secrets_appear_only_as_env_values(name: str) -> None:
    workflow = load(name)
    for path, value in walk(workflow):
        if isinstance(value, str) and "secrets." in value:
            assert SECRET_REFERENCE.match(value), f"{path}: secrets only as a whole `${{{{ secrets.X }}}}`"
            assert len(path) >= 2, path
            assert path[-2] == "env", f"{path}: a secret outside env"
            assert path[-1] == SECRET_REFERENCE.match(value).group(1), path  # type: ignore[union-attr]
    for script in runs(workflow):
        for secret in SECRETS:
            # Scripts may test a secret for emptiness by indirection, never expand it into output.
            assert f"${secret}" not in script
            assert f"${{{secret}}}" not in script
        assert "set -x" not in script


# CI ---------------------------------------------------------------------------------------------


def test_ci_runs_on_pull_requests_and_pushes(ci: dict[str, Any]) -> None:
    on = triggers(ci)
    assert "pull_request" in on
    assert "push" in on


def test_ci_uses_no_secrets(ci: dict[str, Any]) -> None:
    assert "secrets." not in (WORKFLOWS / "ci.yml").read_text()


def test_ci_runs_the_readme_install_and_test_command(ci: dict[str, Any]) -> None:
    ci_commands = commands(ci)
    parts = [part.strip() for part in readme_command().split("&&")]
    assert parts[0].startswith("python3 -m venv")
    assert any("pytest" in part for part in parts)
    for part in parts:
        assert part in ci_commands, f"the README's {part!r} is not run by CI"


def test_ci_mirrors_the_lint_and_type_checks_of_ci_run(ci: dict[str, Any]) -> None:
    script = (ROOT / ".ci" / "run").read_text()
    checks = re.findall(r'^"\$venv/bin/(ruff|mypy)"(.*)$', script, flags=re.MULTILINE)
    assert {tool for tool, _ in checks} == {"ruff", "mypy"}
    ci_commands = commands(ci)
    for tool, args in checks:
        assert f".venv/bin/{tool}{args}".strip() in ci_commands


def test_ci_runs_the_install_matrix_in_a_job_of_its_own(ci: dict[str, Any]) -> None:
    jobs = [job for job in ci["jobs"].values() if any(".ci/install-matrix" in run for run in runs(job))]
    assert len(jobs) == 1
    [job] = jobs
    assert not any("pip install" in run for run in runs(job))  # each leg makes its own venv


def test_ci_run_runs_the_install_matrix_after_the_gate() -> None:
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    gate = next(i for i, line in enumerate(lines) if line.startswith('"$venv/bin/pytest"'))
    matrix = [i for i, line in enumerate(lines) if ".ci/install-matrix" in line and not line.startswith("#")]
    assert matrix
    assert matrix[0] > gate
    assert (ROOT / ".ci" / "install-matrix").stat().st_mode & 0o111  # executable, as CI calls it


# Nightly ----------------------------------------------------------------------------------------


def test_nightly_is_scheduled_and_can_be_started_by_hand(nightly: dict[str, Any]) -> None:
    on = triggers(nightly)
    assert on["schedule"][0]["cron"].count(" ") == 4
    assert "workflow_dispatch" in on


def test_nightly_installs_as_the_readme_says_on_python_311(nightly: dict[str, Any]) -> None:
    install = readme_command().rsplit("&&", 1)[0].strip()
    for job in nightly["jobs"].values():
        job_runs = [step.get("run", "") for step in job["steps"]]
        assert install in job_runs
        python = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/setup-python@")]
        assert python[0]["with"]["python-version"] == "3.11"


def suite_step(nightly: dict[str, Any]) -> dict[str, Any]:
    """The conformance run: the contract suite against staging, neither recording nor comparing."""
    found = [
        s
        for s in steps(nightly)
        if "pytest tests/contract" in s.get("run", "")
        and "--sequence-record" not in s["run"]
        and "--sequence-parity" not in s["run"]
    ]
    assert len(found) == 1
    return found[0]


def test_nightly_suite_targets_staging_through_secrets(nightly: dict[str, Any]) -> None:
    step = suite_step(nightly)
    assert step["env"] == {name: f"${{{{ secrets.{name} }}}}" for name in SECRETS}


def test_nightly_suite_flags(nightly: dict[str, Any]) -> None:
    command = " ".join(suite_step(nightly)["run"].split())
    assert "--sequence-profile nightly" in command
    assert "--junitxml reports/junit.xml" in command
    assert "--sequence-report reports/conformance.json" in command
    assert "--sequence-sweep" in command  # leftovers of earlier runs go first, at session start


def test_nightly_refuses_to_run_without_its_secrets(nightly: dict[str, Any]) -> None:
    job = next(j for j in nightly["jobs"].values() if suite_step(nightly) in j["steps"])
    guard_index = next(i for i, s in enumerate(job["steps"]) if "exit 1" in s.get("run", ""))
    assert set(job["steps"][guard_index]["env"]) == set(SECRETS)
    assert guard_index < job["steps"].index(suite_step(nightly))


def test_nightly_uploads_its_reports_even_when_tests_fail(nightly: dict[str, Any]) -> None:
    uploads = [s for s in steps(nightly) if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert uploads
    assert all(always(s) for s in uploads)
    paths = {p.strip() for s in uploads for p in s["with"]["path"].splitlines() if p.strip()}
    assert {
        "reports/junit.xml",
        "reports/conformance.json",
        "reports/conformance.md",
        "reports/drift.md",
    } <= paths


def test_nightly_writes_the_conformance_summary(nightly: dict[str, Any]) -> None:
    summaries = [
        s
        for s in steps(nightly)
        if "reports/conformance.md" in s.get("run", "") and "$GITHUB_STEP_SUMMARY" in s.get("run", "")
    ]
    assert summaries
    assert all(always(s) for s in summaries)


def test_nightly_checks_drift_against_the_published_spec(nightly: dict[str, Any]) -> None:
    text = (WORKFLOWS / "nightly.yml").read_text()
    assert UPSTREAM_URL in text
    fetch = [s for s in steps(nightly) if "curl" in s.get("run", "")]
    assert len(fetch) == 1
    assert "--fail" in fetch[0]["run"]
    drift = [s for s in steps(nightly) if "-m pytest_sequence_metadata drift" in s.get("run", "")]
    assert len(drift) == 1
    script = drift[0]["run"]
    assert "--format markdown" in script
    assert "$GITHUB_STEP_SUMMARY" in script
    assert 'exit "$status"' in script  # new drift still fails the job, after the summary is written


def job_running(nightly: dict[str, Any], flag: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The one job whose contract-suite step passes `flag`, and that step."""
    found = [
        (job, step)
        for job in nightly["jobs"].values()
        for step in job["steps"]
        if "pytest tests/contract" in step.get("run", "") and flag in step["run"]
    ]
    assert len(found) == 1, flag
    return found[0]


def test_nightly_records_staging_and_uploads_the_recordings(nightly: dict[str, Any]) -> None:
    job, step = job_running(nightly, "--sequence-record")
    assert step["env"] == {name: f"${{{{ secrets.{name} }}}}" for name in SECRETS}
    command = " ".join(step["run"].split())
    assert "--sequence-record reports/recordings" in command
    assert "--sequence-profile nightly" not in command  # quick: recordings small enough to review
    generated = " ".join(
        f"--ignore tests/contract/{name}.py"
        for name in ("test_schema_conformance", "test_privacy_state_machine")
    )
    assert generated in command
    # The comparison leaves out the same modules, or their tests would all be "without a recording".
    _, compare = job_running(nightly, "--sequence-parity")
    assert compare["env"]["GENERATED"] == generated
    assert "$GENERATED" in compare["run"]
    guard = next(i for i, s in enumerate(job["steps"]) if "exit 1" in s.get("run", ""))
    assert guard < job["steps"].index(step)
    # After the conformance job, never beside it: one client of staging at a time.
    assert job["needs"] == "conformance"
    uploads = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert len(uploads) == 1
    assert always(uploads[0])
    assert "reports/recordings/" in uploads[0]["with"]["path"].split()


def test_nightly_compares_the_emulator_with_the_recordings(nightly: dict[str, Any]) -> None:
    record_job, _ = job_running(nightly, "--sequence-record")
    job, step = job_running(nightly, "--sequence-parity")
    assert "secrets." not in yaml.safe_dump(job)  # the emulator needs no credentials
    assert [name for name, found in nightly["jobs"].items() if found is record_job] == [job["needs"]]
    uploaded = next(
        s for s in record_job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")
    )
    downloads = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact@")]
    assert len(downloads) == 1
    assert downloads[0]["with"]["name"] == uploaded["with"]["name"]
    assert job["steps"].index(downloads[0]) < job["steps"].index(step)
    script = step["run"]
    assert "--sequence-parity reports/recordings" in script
    assert "--sequence-report reports/parity.json" in script
    assert "tests/contract/parity-known.yaml" in script
    assert (ROOT / "tests" / "contract" / "parity-known.yaml").is_file()
    assert "reports/parity.md" in script
    assert "$GITHUB_STEP_SUMMARY" in script
    assert script.rstrip().endswith('exit "$status"')  # differences fail the job, after the summary
