"""The plugin's markers refuse bad arguments when the tests are collected: an unknown privacy rule,
assumption or operation, or arguments that do not fit the marker's signature, is an error collecting
the module that names the test, the mark and what is valid."""

from __future__ import annotations

import pytest

from pytest_sequence_metadata.contract.privacy import PRIVACY_RULES

RULES = ", ".join(PRIVACY_RULES)


def collect(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_marked=source)
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def test_an_unknown_privacy_rule_fails_the_collection_naming_the_rules(pytester: pytest.Pytester) -> None:
    result = collect(
        pytester,
        """
import pytest

@pytest.mark.sequence_privacy("private-until-publishd")
def test_typo():
    pass

def test_fine():
    pass
""",
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_marked.py*",
            "test_marked.py::test_typo: @pytest.mark.sequence_privacy('private-until-publishd'): unknown "
            "privacy rule 'private-until-publishd'; pytest_sequence_metadata/contract/privacy.py has: "
            + RULES,
            "*Interrupted: 1 error during collection*",
        ]
    )
    result.stdout.no_fnmatch_line("*passed*")


def test_unknown_assumptions_and_operations_fail_too(pytester: pytest.Pytester) -> None:
    result = collect(
        pytester,
        """
import pytest

pytestmark = pytest.mark.sequence_operation("GetCollection", "GetCollections")

@pytest.mark.sequence_assumption("page-size-capped")
def test_one():
    pass

def test_two():
    pass
""",
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "test_marked.py::test_one: @pytest.mark.sequence_assumption('page-size-capped'): unknown "
            "assumption 'page-size-capped'; pytest_sequence_metadata/contract/assumptions.py has: "
            "collection-default-private, *, page-size-cap, *",
            # A module's bad mark is reported once, not for each of its tests.
            "test_marked.py::test_one: @pytest.mark.sequence_operation('GetCollection', 'GetCollections'): "
            "unknown operation 'GetCollections'; the spec has: CreateCollection, GetCollection, *",
            "=*short test summary info*=",
        ]
    )


def test_arguments_that_do_not_fit_the_signature_say_how_to_write_the_mark(
    pytester: pytest.Pytester,
) -> None:
    result = collect(
        pytester,
        """
import pytest

@pytest.mark.sequence_emulator_only("fast")
@pytest.mark.sequence_live_only(reason="staging")
@pytest.mark.sequence_privacy()
@pytest.mark.sequence_privacy("deleted-vanish", "projects-are-isolated")
@pytest.mark.sequence_assumption(name="page-size-cap")
@pytest.mark.sequence_operation()
def test_wrong():
    pass
""",
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "test_marked.py::test_wrong: @pytest.mark.sequence_operation(): names no operation; give one "
            "or more operation ids of the spec",
            "test_marked.py::test_wrong: @pytest.mark.sequence_assumption(name='page-size-cap'): "
            "sequence_assumption() got an unexpected keyword argument 'name' "
            "(usage: @pytest.mark.sequence_assumption(id))",
            "test_marked.py::test_wrong: @pytest.mark.sequence_privacy('deleted-vanish', "
            "'projects-are-isolated'): sequence_privacy() takes 1 positional argument but 2 were given "
            "(usage: @pytest.mark.sequence_privacy(rule))",
            "test_marked.py::test_wrong: @pytest.mark.sequence_privacy(): sequence_privacy() missing 1 "
            "required positional argument: 'rule' (usage: @pytest.mark.sequence_privacy(rule))",
            "test_marked.py::test_wrong: @pytest.mark.sequence_live_only(reason='staging'): "
            "sequence_live_only() got an unexpected keyword argument 'reason' "
            "(usage: @pytest.mark.sequence_live_only)",
            "test_marked.py::test_wrong: @pytest.mark.sequence_emulator_only('fast'): "
            "sequence_emulator_only() takes 0 positional arguments but 1 was given "
            "(usage: @pytest.mark.sequence_emulator_only)",
        ]
    )


def test_deselected_tests_and_classes_are_checked_as_well(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_classy="""
import pytest

@pytest.mark.sequence_privacy("nope")
class TestRules:
    def test_in_class(self):
        pass
""",
        test_param="""
import pytest

@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.sequence_privacy("also-nope")
def test_param(n):
    pass
""",
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "nothing_matches")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_classy.py*",
            "test_classy.py::TestRules::test_in_class: @pytest.mark.sequence_privacy('nope'): unknown "
            "privacy rule 'nope'; *",
            "*ERROR collecting test_param.py*",
            "test_param.py::test_param[[]1[]]: @pytest.mark.sequence_privacy('also-nope'): unknown "
            "privacy rule 'also-nope'; *",
            "*Interrupted: 2 errors during collection*",
        ]
    )
    result.stdout.no_fnmatch_line("*test_param[[]2[]]*")  # the same mark once


def test_valid_marks_collect_and_run(pytester: pytest.Pytester) -> None:
    result = collect(
        pytester,
        """
import pytest

pytestmark = pytest.mark.sequence_operation("GetCollection", "ListCollections")

@pytest.mark.sequence_privacy("projects-are-isolated")
@pytest.mark.sequence_assumption(id="page-size-cap")
@pytest.mark.sequence_live_only
def test_marked():
    pass

@pytest.mark.sequence_emulator_only()
def test_on_the_emulator():
    pass
""",
    )
    result.assert_outcomes(passed=1, skipped=1)
