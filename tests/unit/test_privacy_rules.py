"""The privacy rule registry: one entry per id, each with a statement and its evidence."""

from __future__ import annotations

import re

import pytest

from pytest_sequence_metadata.contract import privacy
from pytest_sequence_metadata.contract.privacy import PRIVACY_RULES, PrivacyRule


def test_duplicate_rule_ids_are_refused() -> None:
    rule = PrivacyRule("x", "statement", "[I] evidence")
    with pytest.raises(ValueError, match="duplicate privacy rule id 'x'"):
        privacy._registry(rule, PrivacyRule("x", "other", "[D] other"))


def test_every_rule_has_a_marker_friendly_id_a_statement_and_tagged_evidence() -> None:
    for key, rule in PRIVACY_RULES.items():
        assert key == rule.id
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", key), key
        assert rule.statement.endswith("."), key
        # Where the rule comes from, with the evidence tags: docs, spec, clients or an inference.
        assert re.search(r"\[[DSCI]\]", rule.evidence), key
