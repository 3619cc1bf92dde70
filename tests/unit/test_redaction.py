"""Secrets are replaced in text, hidden in reprs, and JWT-shaped strings are caught unregistered."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pytest

from pytest_sequence_metadata.client.redaction import (
    Secret,
    contains_secret,
    forget_secrets,
    redact,
    register_secret,
)

MINTED = "eyJhbGciOiJIUzI1NiJ9.eyJwcm9qZWN0Ijo0Mn0.QUJDREVGR0hJSktMTU5PUA"


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    forget_secrets()
    yield
    forget_secrets()


def test_registered_secret_is_replaced_everywhere() -> None:
    register_secret("AQAAAAAAAEGvyZiW-access-key")
    text = "key=AQAAAAAAAEGvyZiW-access-key and again AQAAAAAAAEGvyZiW-access-key"
    assert redact(text) == "key=*** and again ***"
    assert contains_secret(text)


def test_unregistered_jwt_shapes_are_replaced() -> None:
    assert redact(f"Authorization: Bearer {MINTED}") == "Authorization: Bearer ***"


def test_short_values_are_not_registered_so_ordinary_words_survive() -> None:
    register_secret("abc")
    assert redact("abc def") == "abc def"


def test_longest_secret_wins_when_one_contains_another() -> None:
    register_secret("secret-value-1")
    register_secret("secret-value-1-longer")
    assert redact("secret-value-1-longer") == "***"


def test_secret_hides_itself_but_reveals_on_request() -> None:
    secret = Secret("s3cr3t-token-value")
    assert "s3cr3t" not in repr(secret)
    assert "s3cr3t" not in str(secret)
    assert "s3cr3t" not in f"{secret}"
    assert secret.reveal() == "s3cr3t-token-value"
    assert redact("x s3cr3t-token-value y") == "x *** y"
    assert pickle.loads(pickle.dumps(secret)) == secret
