"""The shapes of the service's identifiers: what can name a collection, an asset, a token or a contract.

One rule each, read by the emulator (which refuses what breaks them) and by the contract suite (which
points only well-formed ids at its sandbox).
"""

from __future__ import annotations

import re
from typing import Final

MAX_UINT64: Final = (1 << 64) - 1
_DECIMAL: Final = re.compile(r"[0-9]+")
# prototyp.Hash: 0x and 40 hex digits, any case on input (the service stores it lower-cased).
_ADDRESS: Final = re.compile(r"0x[0-9a-fA-F]{40}")
_UINT256_DIGITS: Final = 78


def is_decimal(text: str) -> bool:
    """ASCII digits only, at least one (no sign, no spaces)."""
    return _DECIMAL.fullmatch(text) is not None


def is_address(text: str) -> bool:
    """A contract address: `0x` and 40 hex digits."""
    return _ADDRESS.fullmatch(text) is not None


def is_token_id(text: str) -> bool:
    """A token id: a decimal uint256 (leading zeros allowed: they are dropped)."""
    if not is_decimal(text):
        return False
    significant = text.lstrip("0") or "0"
    return len(significant) <= _UINT256_DIGITS and int(significant) < 1 << 256


def is_resource_id(text: str) -> bool:
    """A collection or asset id as a path carries it: a decimal uint64 above zero."""
    if not is_decimal(text):
        return False
    significant = text.lstrip("0") or "0"
    return len(significant) <= 20 and 0 < int(significant) <= MAX_UINT64
