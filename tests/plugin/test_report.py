"""--sequence-report: the JSON validates against its shipped schema, the Markdown names what failed,
and `report diff` tells regressions from improvements."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from pytest_sequence_metadata.contract.privacy import PRIVACY_RULES
from pytest_sequence_metadata.report import schema_path
from pytest_sequence_metadata.report_diff import run as diff_run

SUITE = """
import pytest

@pytest.mark.sequence_operation("GetCollection")
@pytest.mark.sequence_privacy("unpublish-hides-again")
def test_reads_collection(sequence_client, sequence_collection):
    assert sequence_client.get_collection(sequence_collection["id"])["collection"]["id"]

@pytest.mark.sequence_operation("ListTokens")
def test_lists(sequence_client, sequence_collection):
    assert sequence_client.list_tokens(sequence_collection["id"])["page"]["more"] is {more}

@pytest.mark.sequence_assumption("page-size-cap")
def test_assumed(sequence_client):
    assert sequence_client.list_collections(page={{"page": 1, "pageSize": 500}})["page"]["pageSize"] == 100
"""


def run_report(pytester: pytest.Pytester, name: str, *, more: bool) -> dict[str, Any]:
    pytester.makepyfile(**{f"test_{name}": SUITE.format(more=more)})
    path = pytester.path / "reports" / f"{name}.json"
    pytester.runpytest(f"test_{name}.py", f"--sequence-report={path}", "-p", "no:cacheprovider")
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def test_report_validates_against_its_schema_and_holds_verdicts(pytester: pytest.Pytester) -> None:
    document = run_report(pytester, "clean", more=False)
    Draft202012Validator(json.loads(schema_path().read_text())).validate(document)
    assert document["target"]["kind"] == "emulator"
    assert document["operations"]["GetCollection"]["verdict"] == "passed"
    assert document["operations"]["ListTokens"]["verdict"] == "passed"
    assert document["operations"]["CreateCollection"]["requests"] >= 2
    assert document["operations"]["GetAsset"]["verdict"] == "not-exercised"
    assert document["privacy"]["unpublish-hides-again"]["verdict"] == "passed"
    assert document["assumptions"]["page-size-cap"]["verdict"] == "held"
    assert document["assumptions"]["publish-recursive"]["verdict"] == "not-run"
    assert document["cleanup"]["created"] == document["cleanup"]["deleted"] >= 2
    assert document["cleanup"]["leftBehind"] == []
    assert document["traffic"]["requests"] >= 6
    assert document["run"]["tests"] == {"passed": 3, "failed": 0, "skipped": 0}
    markdown = (pytester.path / "reports" / "clean.md").read_text()
    assert "# Sequence Metadata conformance" in markdown
    assert "| GetCollection | ✅ passed |" in markdown
    assert "## Failures" not in markdown


def test_every_privacy_rule_is_listed_also_when_no_test_checked_it(pytester: pytest.Pytester) -> None:
    document = run_report(pytester, "rules", more=False)
    assert list(document["privacy"]) == sorted(PRIVACY_RULES)
    assert document["privacy"]["unpublish-hides-again"]["checks"] == 1
    assert document["privacy"]["deleted-vanish"] == {
        "statement": PRIVACY_RULES["deleted-vanish"].statement,
        "verdict": "not-exercised",
        "checks": 0,
        "failed": [],
    }
    markdown = (pytester.path / "reports" / "rules.md").read_text()
    assert "| unpublish-hides-again | ✅ passed | 1 |" in markdown
    assert "| deleted-vanish | \u2796 not-exercised | 0 |" in markdown


def test_summary_names_the_failing_operation_and_diff_calls_it_a_regression(
    pytester: pytest.Pytester,
) -> None:
    run_report(pytester, "clean", more=False)
    broken = run_report(pytester, "broken", more=True)
    assert broken["operations"]["ListTokens"]["verdict"] == "failed"
    assert broken["operations"]["ListTokens"]["failed"] == ["test_broken.py::test_lists"]
    markdown = (pytester.path / "reports" / "broken.md").read_text()
    assert "- ❌ operation **ListTokens**: `test_broken.py::test_lists`" in markdown

    reports = pytester.path / "reports"
    code, text = diff_run(reports / "clean.json", reports / "broken.json")
    assert code == 1
    assert "Newly failing:\n  operation ListTokens: passed -> failed" in text
    code, text = diff_run(reports / "broken.json", reports / "clean.json")
    assert code == 0
    assert "Newly passing:\n  operation ListTokens: failed -> passed" in text


def test_report_diff_refuses_files_that_are_not_reports(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    code, text = diff_run(other, other)
    assert (code, text) == (2, f"report diff: {other} is not a pytest-sequence-metadata conformance report")
    code, text = diff_run(tmp_path / "missing.json", other)
    assert code == 2
    assert "cannot read" in text


def test_report_diff_command_line(pytester: pytest.Pytester) -> None:
    run_report(pytester, "clean", more=False)
    reports = pytester.path / "reports"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_sequence_metadata",
            "report",
            "diff",
            str(reports / "clean.json"),
            str(reports / "clean.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "No verdict changed." in done.stdout


BLAME = """
import pytest

# What the module's tests exercise on their way: none of them names these as what it checks.
pytestmark = pytest.mark.sequence_operation("CreateCollection", "GetCollection", "ListCollections")


@pytest.mark.sequence_operation("UpdateCollection", "PublishCollection")
def test_update_is_wrong(sequence_client, sequence_collection):
    sequence_client.get_collection(sequence_collection["id"])
    sequence_client.update_collection({"id": sequence_collection["id"], "metadata": {"name": "renamed"}})
    assert False, "the update did not stick"
    sequence_client.publish_collection(sequence_collection["id"])  # never reached: not blamed


@pytest.mark.sequence_operation("ListContractCollections")
def test_fails_without_a_plugin_client():
    assert False  # reached nothing the plugin saw: what it names is all there is to blame


def test_walks_through_everything(sequence_client, sequence_collection):
    sequence_client.list_collections()
    assert False, "a step of the walk failed"


@pytest.mark.sequence_operation("GetToken", "DeleteToken")
def test_fails_inside_a_call(sequence_client, sequence_collection):
    sequence_client.get_token(sequence_collection["id"], "404")  # NotFoundError names GetToken


@pytest.mark.sequence_operation("ListTokens")
def test_passes(sequence_client, sequence_collection):
    sequence_client.list_tokens(sequence_collection["id"])


@pytest.mark.sequence_privacy("unpublish-hides-again")
def test_documented_behaviour_breaks():
    assert False


@pytest.mark.sequence_privacy("unpublish-hides-again")
@pytest.mark.sequence_assumption("page-size-cap")
def test_assumed_variant_breaks_with_it():
    assert False


@pytest.mark.sequence_privacy("unpublish-hides-again")
@pytest.mark.sequence_assumption("publish-recursive")
@pytest.mark.sequence_assumption("token-default-private")
def test_assumed_variant_with_two_assumptions():
    assert False


@pytest.mark.sequence_privacy("deleted-vanish")
@pytest.mark.sequence_assumption("collection-default-private")
def test_an_assumption_of_its_own_fails():
    assert False
"""


def test_an_operation_fails_only_through_a_test_that_names_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_blame=BLAME)
    path = pytester.path / "report.json"
    pytester.runpytest(f"--sequence-report={path}", "-p", "no:cacheprovider")
    document = json.loads(path.read_text())
    Draft202012Validator(json.loads(schema_path().read_text())).validate(document)
    failed = {name: entry["failed"] for name, entry in document["operations"].items() if entry["failed"]}
    assert failed == {
        "UpdateCollection": ["test_blame.py::test_update_is_wrong"],
        "GetToken": ["test_blame.py::test_fails_inside_a_call"],
        "ListContractCollections": ["test_blame.py::test_fails_without_a_plugin_client"],
    }
    assert document["operations"]["PublishCollection"]["verdict"] == "passed"
    # Exercised on the way, not blamed: still counted as checks, and passed.
    assert document["operations"]["GetCollection"] == {
        "verdict": "passed",
        "checks": 9,
        "failed": [],
        "requests": document["operations"]["GetCollection"]["requests"],
    }
    assert document["operations"]["DeleteToken"]["verdict"] == "passed"
    assert document["operations"]["ListTokens"]["verdict"] == "passed"
    assert document["privacy"]["unpublish-hides-again"]["verdict"] == "failed"


def test_an_assumption_is_contradicted_only_by_its_own_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_blame=BLAME)
    path = pytester.path / "report.json"
    pytester.runpytest(f"--sequence-report={path}", "-p", "no:cacheprovider")
    assumptions = json.loads(path.read_text())["assumptions"]
    # The documented test of unpublish-hides-again failed too: the assumed variants' failures are not the
    # assumptions' doing, so they are no evidence either way.
    for key in ("page-size-cap", "publish-recursive", "token-default-private"):
        assert assumptions[key] == {
            "summary": assumptions[key]["summary"],
            "verdict": "not-run",
            "checks": 0,
            "failed": [],
        }
    assert assumptions["collection-default-private"]["verdict"] == "contradicted"
    assert assumptions["collection-default-private"]["failed"] == [
        "test_blame.py::test_an_assumption_of_its_own_fails"
    ]
