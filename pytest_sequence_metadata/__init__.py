"""pytest plugin, emulator and contract suite for Sequence's Metadata Collections API.

The public Python API is importable from here (see `docs/reference.md`):

    from pytest_sequence_metadata import MetadataClient, NotFoundError, Collection

Kept import-light on purpose: pytest imports the plugin on every run of every project that has it
installed, so each name is loaded on first use (PEP 562 `__getattr__`); heavy modules (httpx,
jsonschema, yaml) load only when a fixture or a name needs them. The spec's answer types are the
exception: `contract.types` imports only `typing`, so its names are star-imported here and a type
added there is public with no edit in this file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pytest_sequence_metadata.contract import types as _types

# The spec's answer types, every name of `contract.types.__all__`: typing only, so loaded eagerly, and
# a type added there is public with no edit here.
from pytest_sequence_metadata.contract.types import *  # noqa: F403

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pytest_sequence_metadata.client.core import (
        AsyncMetadataClient as AsyncMetadataClient,
    )
    from pytest_sequence_metadata.client.core import (
        Call as Call,
    )
    from pytest_sequence_metadata.client.core import (
        ClientObserver as ClientObserver,
    )
    from pytest_sequence_metadata.client.core import (
        FileResponse as FileResponse,
    )
    from pytest_sequence_metadata.client.core import (
        MetadataClient as MetadataClient,
    )
    from pytest_sequence_metadata.client.core import (
        RetryPolicy as RetryPolicy,
    )
    from pytest_sequence_metadata.client.core import (
        ThreadedTransport as ThreadedTransport,
    )
    from pytest_sequence_metadata.client.errors import (
        BadResponseError as BadResponseError,
    )
    from pytest_sequence_metadata.client.errors import (
        ChainNotFoundError as ChainNotFoundError,
    )
    from pytest_sequence_metadata.client.errors import (
        DeprecatedError as DeprecatedError,
    )
    from pytest_sequence_metadata.client.errors import (
        FailError as FailError,
    )
    from pytest_sequence_metadata.client.errors import (
        GeoblockedError as GeoblockedError,
    )
    from pytest_sequence_metadata.client.errors import (
        InvalidArgumentError as InvalidArgumentError,
    )
    from pytest_sequence_metadata.client.errors import (
        MetadataError as MetadataError,
    )
    from pytest_sequence_metadata.client.errors import (
        MethodNotFoundError as MethodNotFoundError,
    )
    from pytest_sequence_metadata.client.errors import (
        NotFoundError as NotFoundError,
    )
    from pytest_sequence_metadata.client.errors import (
        PermissionDeniedError as PermissionDeniedError,
    )
    from pytest_sequence_metadata.client.errors import (
        ProjectNotFoundError as ProjectNotFoundError,
    )
    from pytest_sequence_metadata.client.errors import (
        QueryFailedError as QueryFailedError,
    )
    from pytest_sequence_metadata.client.errors import (
        RateLimitedError as RateLimitedError,
    )
    from pytest_sequence_metadata.client.errors import (
        RequestConflictError as RequestConflictError,
    )
    from pytest_sequence_metadata.client.errors import (
        RequiredArgumentError as RequiredArgumentError,
    )
    from pytest_sequence_metadata.client.errors import (
        SchemaViolationError as SchemaViolationError,
    )
    from pytest_sequence_metadata.client.errors import (
        SessionExpiredError as SessionExpiredError,
    )
    from pytest_sequence_metadata.client.errors import (
        TaskFailedError as TaskFailedError,
    )
    from pytest_sequence_metadata.client.errors import (
        TimeoutError_ as TimeoutError_,
    )
    from pytest_sequence_metadata.client.errors import (
        TokenDirectoryDisabledError as TokenDirectoryDisabledError,
    )
    from pytest_sequence_metadata.client.errors import (
        UnauthorizedError as UnauthorizedError,
    )
    from pytest_sequence_metadata.client.errors import (
        UsageError as UsageError,
    )
    from pytest_sequence_metadata.client.errors import (
        ValidationFailedError as ValidationFailedError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcBadMethodError as WebrpcBadMethodError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcBadRequestError as WebrpcBadRequestError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcBadResponseError as WebrpcBadResponseError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcBadRouteError as WebrpcBadRouteError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcClientAbortedError as WebrpcClientAbortedError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcEndpointError as WebrpcEndpointError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcError as WebrpcError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcInternalErrorError as WebrpcInternalErrorError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcRequestFailedError as WebrpcRequestFailedError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcServerPanicError as WebrpcServerPanicError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcStreamFinishedError as WebrpcStreamFinishedError,
    )
    from pytest_sequence_metadata.client.errors import (
        WebrpcStreamLostError as WebrpcStreamLostError,
    )
    from pytest_sequence_metadata.emulator import Emulator as Emulator
    from pytest_sequence_metadata.pytest.fixtures import (
        CollectionFactory as CollectionFactory,
    )
    from pytest_sequence_metadata.pytest.fixtures import (
        TemporaryAsset as TemporaryAsset,
    )
    from pytest_sequence_metadata.pytest.fixtures import (
        TemporaryToken as TemporaryToken,
    )
    from pytest_sequence_metadata.pytest.runtime import (
        EmulatorHandle as EmulatorHandle,
    )
    from pytest_sequence_metadata.pytest.runtime import (
        Target as Target,
    )
    from pytest_sequence_metadata.pytest.traffic import RequestBudgetExceeded as RequestBudgetExceeded

# Where each public name lives; `__getattr__` imports the module when the name is first used.
_HOMES: dict[str, str] = {
    "AsyncMetadataClient": "client.core",
    "Call": "client.core",
    "ClientObserver": "client.core",
    "FileResponse": "client.core",
    "MetadataClient": "client.core",
    "RetryPolicy": "client.core",
    "ThreadedTransport": "client.core",
    "Emulator": "emulator",
    "BadResponseError": "client.errors",
    "ChainNotFoundError": "client.errors",
    "DeprecatedError": "client.errors",
    "FailError": "client.errors",
    "GeoblockedError": "client.errors",
    "InvalidArgumentError": "client.errors",
    "MetadataError": "client.errors",
    "MethodNotFoundError": "client.errors",
    "NotFoundError": "client.errors",
    "PermissionDeniedError": "client.errors",
    "ProjectNotFoundError": "client.errors",
    "QueryFailedError": "client.errors",
    "RateLimitedError": "client.errors",
    "RequestConflictError": "client.errors",
    "RequiredArgumentError": "client.errors",
    "SchemaViolationError": "client.errors",
    "SessionExpiredError": "client.errors",
    "TaskFailedError": "client.errors",
    "TimeoutError_": "client.errors",
    "TokenDirectoryDisabledError": "client.errors",
    "UnauthorizedError": "client.errors",
    "UsageError": "client.errors",
    "ValidationFailedError": "client.errors",
    "WebrpcBadMethodError": "client.errors",
    "WebrpcBadRequestError": "client.errors",
    "WebrpcBadResponseError": "client.errors",
    "WebrpcBadRouteError": "client.errors",
    "WebrpcClientAbortedError": "client.errors",
    "WebrpcEndpointError": "client.errors",
    "WebrpcError": "client.errors",
    "WebrpcInternalErrorError": "client.errors",
    "WebrpcRequestFailedError": "client.errors",
    "WebrpcServerPanicError": "client.errors",
    "WebrpcStreamFinishedError": "client.errors",
    "WebrpcStreamLostError": "client.errors",
    "RequestBudgetExceeded": "pytest.traffic",
    "EmulatorHandle": "pytest.runtime",
    "Target": "pytest.runtime",
    "CollectionFactory": "pytest.fixtures",
    "TemporaryAsset": "pytest.fixtures",
    "TemporaryToken": "pytest.fixtures",
}

__all__ = [
    "AsyncMetadataClient",
    "BadResponseError",
    "Call",
    "ChainNotFoundError",
    "ClientObserver",
    "CollectionFactory",
    "DeprecatedError",
    "Emulator",
    "EmulatorHandle",
    "FailError",
    "FileResponse",
    "GeoblockedError",
    "InvalidArgumentError",
    "MetadataClient",
    "MetadataError",
    "MethodNotFoundError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProjectNotFoundError",
    "QueryFailedError",
    "RateLimitedError",
    "RequestBudgetExceeded",
    "RequestConflictError",
    "RequiredArgumentError",
    "RetryPolicy",
    "SchemaViolationError",
    "SessionExpiredError",
    "Target",
    "TaskFailedError",
    "TemporaryAsset",
    "TemporaryToken",
    "ThreadedTransport",
    "TimeoutError_",
    "TokenDirectoryDisabledError",
    "UnauthorizedError",
    "UsageError",
    "ValidationFailedError",
    "WebrpcBadMethodError",
    "WebrpcBadRequestError",
    "WebrpcBadResponseError",
    "WebrpcBadRouteError",
    "WebrpcClientAbortedError",
    "WebrpcEndpointError",
    "WebrpcError",
    "WebrpcInternalErrorError",
    "WebrpcRequestFailedError",
    "WebrpcServerPanicError",
    "WebrpcStreamFinishedError",
    "WebrpcStreamLostError",
    "__version__",
]
__all__ += _types.__all__


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
