"""The client layer: `MetadataClient` / `AsyncMetadataClient` (transport, auth, retries, response
validation, `core.py`), the exceptions of the webrpc error table (`errors.py`), JWT claims (`claims.py`) and
secret redaction (`redaction.py`). Imports the contract, never the plugin, the emulator or the suite.

`from pytest_sequence_metadata.client import MetadataClient` keeps working; the names load on first use so
that importing `client.redaction` (the plugin does, at startup) does not pull in httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_sequence_metadata.client.core import AsyncMetadataClient as AsyncMetadataClient
    from pytest_sequence_metadata.client.core import Call as Call
    from pytest_sequence_metadata.client.core import ClientObserver as ClientObserver
    from pytest_sequence_metadata.client.core import FileResponse as FileResponse
    from pytest_sequence_metadata.client.core import MetadataClient as MetadataClient
    from pytest_sequence_metadata.client.core import RetryPolicy as RetryPolicy
    from pytest_sequence_metadata.client.core import ThreadedTransport as ThreadedTransport

__all__ = [
    "AsyncMetadataClient",
    "Call",
    "ClientObserver",
    "FileResponse",
    "MetadataClient",
    "RetryPolicy",
    "ThreadedTransport",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.core"), name)
    globals()[name] = value
    return value
