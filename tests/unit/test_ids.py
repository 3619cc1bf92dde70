"""The identifier rules the emulator enforces and the contract suite's pinning relies on."""

from __future__ import annotations

import pytest

from pytest_sequence_metadata.contract.ids import MAX_UINT64, is_address, is_resource_id, is_token_id


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("0", True),
        ("007", True),
        (str((1 << 256) - 1), True),
        (str(1 << 256), False),
        ("-1", False),
        ("1e3", False),
        ("", False),
        ("\u0661", False),  # an Arabic-Indic digit one: str.isdigit() would take it
    ],
)
def test_a_token_id_is_a_decimal_uint256(text: str, valid: bool) -> None:
    assert is_token_id(text) is valid


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("1", True),
        (str(MAX_UINT64), True),
        (str(MAX_UINT64 + 1), False),
        ("0", False),
        ("0001", True),
        ("1" * 30, False),
        (" 1", False),
    ],
)
def test_a_resource_id_is_a_decimal_uint64_above_zero(text: str, valid: bool) -> None:
    assert is_resource_id(text) is valid


def test_an_address_is_0x_and_forty_hex_digits_in_any_case() -> None:
    assert is_address("0x5EAF00D5eaf00d5eaf00d5eaf00d5eaf00d5eaf0")
    assert not is_address("0x5eaf00d5eaf00d5eaf00d5eaf00d5eaf00d5eaf")  # 39 digits
    assert not is_address("5eaf00d5eaf00d5eaf00d5eaf00d5eaf00d5eaf00")
