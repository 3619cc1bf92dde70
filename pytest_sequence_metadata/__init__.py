"""pytest plugin, emulator and contract suite for Sequence's Metadata Collections API.

The public Python API is importable from here (see `docs/reference.md`):

    from pytest_sequence_metadata import MetadataClient, NotFoundError, Collection

Kept import-light on purpose: pytest imports the plugin on every run of every project that has it
installed, so each name is loaded on first use (PEP 562 `__getattr__`); heavy modules (httpx,
starlette, jsonschema) load only when a fixture or a name needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pytest_sequence_metadata.client import (
        AsyncMetadataClient as AsyncMetadataClient,
    )
    from pytest_sequence_metadata.client import (
        Call as Call,
    )
    from pytest_sequence_metadata.client import (
        ClientObserver as ClientObserver,
    )
    from pytest_sequence_metadata.client import (
        FileResponse as FileResponse,
    )
    from pytest_sequence_metadata.client import (
        MetadataClient as MetadataClient,
    )
    from pytest_sequence_metadata.client import (
        RetryPolicy as RetryPolicy,
    )
    from pytest_sequence_metadata.client import (
        ThreadedTransport as ThreadedTransport,
    )
    from pytest_sequence_metadata.contract.types import (
        Asset as Asset,
    )
    from pytest_sequence_metadata.contract.types import (
        AssetField as AssetField,
    )
    from pytest_sequence_metadata.contract.types import (
        Collection as Collection,
    )
    from pytest_sequence_metadata.contract.types import (
        CollectionBaseURIs as CollectionBaseURIs,
    )
    from pytest_sequence_metadata.contract.types import (
        CollectionMetadata as CollectionMetadata,
    )
    from pytest_sequence_metadata.contract.types import (
        ContractCollection as ContractCollection,
    )
    from pytest_sequence_metadata.contract.types import (
        CreateAssetResponse as CreateAssetResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        CreateCollectionResponse as CreateCollectionResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        CreateContractCollectionResponse as CreateContractCollectionResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        CreateTokenResponse as CreateTokenResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        DeleteAssetResponse as DeleteAssetResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        DeleteCollectionResponse as DeleteCollectionResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        DeleteContractCollectionResponse as DeleteContractCollectionResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        DeleteTokenResponse as DeleteTokenResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        GetAssetResponse as GetAssetResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        GetCollectionResponse as GetCollectionResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        GetContractCollectionResponse as GetContractCollectionResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        GetTokenResponse as GetTokenResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        ListCollectionsResponse as ListCollectionsResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        ListContractCollectionsResponse as ListContractCollectionsResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        ListTokensResponse as ListTokensResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        Page as Page,
    )
    from pytest_sequence_metadata.contract.types import (
        PublicCollectionMetadata as PublicCollectionMetadata,
    )
    from pytest_sequence_metadata.contract.types import (
        PublicTokenMetadata as PublicTokenMetadata,
    )
    from pytest_sequence_metadata.contract.types import (
        PublishCollectionResponse as PublishCollectionResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        ResourceStatus as ResourceStatus,
    )
    from pytest_sequence_metadata.contract.types import (
        TokenMetadata as TokenMetadata,
    )
    from pytest_sequence_metadata.contract.types import (
        UnpublishCollectionResponse as UnpublishCollectionResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        UpdateAssetResponse as UpdateAssetResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        UpdateCollectionResponse as UpdateCollectionResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        UpdateContractCollectionResponse as UpdateContractCollectionResponse,
    )
    from pytest_sequence_metadata.contract.types import (
        UpdateTokenResponse as UpdateTokenResponse,
    )
    from pytest_sequence_metadata.emulator import Emulator as Emulator
    from pytest_sequence_metadata.errors import (
        BadResponseError as BadResponseError,
    )
    from pytest_sequence_metadata.errors import (
        ChainNotFoundError as ChainNotFoundError,
    )
    from pytest_sequence_metadata.errors import (
        DeprecatedError as DeprecatedError,
    )
    from pytest_sequence_metadata.errors import (
        FailError as FailError,
    )
    from pytest_sequence_metadata.errors import (
        GeoblockedError as GeoblockedError,
    )
    from pytest_sequence_metadata.errors import (
        InvalidArgumentError as InvalidArgumentError,
    )
    from pytest_sequence_metadata.errors import (
        MetadataError as MetadataError,
    )
    from pytest_sequence_metadata.errors import (
        MethodNotFoundError as MethodNotFoundError,
    )
    from pytest_sequence_metadata.errors import (
        NotFoundError as NotFoundError,
    )
    from pytest_sequence_metadata.errors import (
        PermissionDeniedError as PermissionDeniedError,
    )
    from pytest_sequence_metadata.errors import (
        ProjectNotFoundError as ProjectNotFoundError,
    )
    from pytest_sequence_metadata.errors import (
        QueryFailedError as QueryFailedError,
    )
    from pytest_sequence_metadata.errors import (
        RateLimitedError as RateLimitedError,
    )
    from pytest_sequence_metadata.errors import (
        RequestConflictError as RequestConflictError,
    )
    from pytest_sequence_metadata.errors import (
        RequiredArgumentError as RequiredArgumentError,
    )
    from pytest_sequence_metadata.errors import (
        SchemaViolationError as SchemaViolationError,
    )
    from pytest_sequence_metadata.errors import (
        SessionExpiredError as SessionExpiredError,
    )
    from pytest_sequence_metadata.errors import (
        TaskFailedError as TaskFailedError,
    )
    from pytest_sequence_metadata.errors import (
        TimeoutError_ as TimeoutError_,
    )
    from pytest_sequence_metadata.errors import (
        TokenDirectoryDisabledError as TokenDirectoryDisabledError,
    )
    from pytest_sequence_metadata.errors import (
        UnauthorizedError as UnauthorizedError,
    )
    from pytest_sequence_metadata.errors import (
        UsageError as UsageError,
    )
    from pytest_sequence_metadata.errors import (
        ValidationFailedError as ValidationFailedError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcBadMethodError as WebrpcBadMethodError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcBadRequestError as WebrpcBadRequestError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcBadResponseError as WebrpcBadResponseError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcBadRouteError as WebrpcBadRouteError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcClientAbortedError as WebrpcClientAbortedError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcEndpointError as WebrpcEndpointError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcError as WebrpcError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcInternalErrorError as WebrpcInternalErrorError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcRequestFailedError as WebrpcRequestFailedError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcServerPanicError as WebrpcServerPanicError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcStreamFinishedError as WebrpcStreamFinishedError,
    )
    from pytest_sequence_metadata.errors import (
        WebrpcStreamLostError as WebrpcStreamLostError,
    )
    from pytest_sequence_metadata.fixtures import (
        CollectionFactory as CollectionFactory,
    )
    from pytest_sequence_metadata.fixtures import (
        TemporaryAsset as TemporaryAsset,
    )
    from pytest_sequence_metadata.fixtures import (
        TemporaryToken as TemporaryToken,
    )
    from pytest_sequence_metadata.runtime import (
        EmulatorHandle as EmulatorHandle,
    )
    from pytest_sequence_metadata.runtime import (
        Target as Target,
    )
    from pytest_sequence_metadata.traffic import RequestBudgetExceeded as RequestBudgetExceeded

# Where each public name lives; `__getattr__` imports the module when the name is first used.
_HOMES: dict[str, str] = {
    "AsyncMetadataClient": "client",
    "Call": "client",
    "ClientObserver": "client",
    "FileResponse": "client",
    "MetadataClient": "client",
    "RetryPolicy": "client",
    "ThreadedTransport": "client",
    "Emulator": "emulator",
    "BadResponseError": "errors",
    "ChainNotFoundError": "errors",
    "DeprecatedError": "errors",
    "FailError": "errors",
    "GeoblockedError": "errors",
    "InvalidArgumentError": "errors",
    "MetadataError": "errors",
    "MethodNotFoundError": "errors",
    "NotFoundError": "errors",
    "PermissionDeniedError": "errors",
    "ProjectNotFoundError": "errors",
    "QueryFailedError": "errors",
    "RateLimitedError": "errors",
    "RequestConflictError": "errors",
    "RequiredArgumentError": "errors",
    "SchemaViolationError": "errors",
    "SessionExpiredError": "errors",
    "TaskFailedError": "errors",
    "TimeoutError_": "errors",
    "TokenDirectoryDisabledError": "errors",
    "UnauthorizedError": "errors",
    "UsageError": "errors",
    "ValidationFailedError": "errors",
    "WebrpcBadMethodError": "errors",
    "WebrpcBadRequestError": "errors",
    "WebrpcBadResponseError": "errors",
    "WebrpcBadRouteError": "errors",
    "WebrpcClientAbortedError": "errors",
    "WebrpcEndpointError": "errors",
    "WebrpcError": "errors",
    "WebrpcInternalErrorError": "errors",
    "WebrpcRequestFailedError": "errors",
    "WebrpcServerPanicError": "errors",
    "WebrpcStreamFinishedError": "errors",
    "WebrpcStreamLostError": "errors",
    "RequestBudgetExceeded": "traffic",
    "EmulatorHandle": "runtime",
    "Target": "runtime",
    "CollectionFactory": "fixtures",
    "TemporaryAsset": "fixtures",
    "TemporaryToken": "fixtures",
    "Asset": "contract.types",
    "AssetField": "contract.types",
    "Collection": "contract.types",
    "CollectionBaseURIs": "contract.types",
    "CollectionMetadata": "contract.types",
    "ContractCollection": "contract.types",
    "CreateAssetResponse": "contract.types",
    "CreateCollectionResponse": "contract.types",
    "CreateContractCollectionResponse": "contract.types",
    "CreateTokenResponse": "contract.types",
    "DeleteAssetResponse": "contract.types",
    "DeleteCollectionResponse": "contract.types",
    "DeleteContractCollectionResponse": "contract.types",
    "DeleteTokenResponse": "contract.types",
    "GetAssetResponse": "contract.types",
    "GetCollectionResponse": "contract.types",
    "GetContractCollectionResponse": "contract.types",
    "GetTokenResponse": "contract.types",
    "ListCollectionsResponse": "contract.types",
    "ListContractCollectionsResponse": "contract.types",
    "ListTokensResponse": "contract.types",
    "Page": "contract.types",
    "PublicCollectionMetadata": "contract.types",
    "PublicTokenMetadata": "contract.types",
    "PublishCollectionResponse": "contract.types",
    "ResourceStatus": "contract.types",
    "TokenMetadata": "contract.types",
    "UnpublishCollectionResponse": "contract.types",
    "UpdateAssetResponse": "contract.types",
    "UpdateCollectionResponse": "contract.types",
    "UpdateContractCollectionResponse": "contract.types",
    "UpdateTokenResponse": "contract.types",
}

__all__ = [
    "Asset",
    "AssetField",
    "AsyncMetadataClient",
    "BadResponseError",
    "Call",
    "ChainNotFoundError",
    "ClientObserver",
    "Collection",
    "CollectionBaseURIs",
    "CollectionFactory",
    "CollectionMetadata",
    "ContractCollection",
    "CreateAssetResponse",
    "CreateCollectionResponse",
    "CreateContractCollectionResponse",
    "CreateTokenResponse",
    "DeleteAssetResponse",
    "DeleteCollectionResponse",
    "DeleteContractCollectionResponse",
    "DeleteTokenResponse",
    "DeprecatedError",
    "Emulator",
    "EmulatorHandle",
    "FailError",
    "FileResponse",
    "GeoblockedError",
    "GetAssetResponse",
    "GetCollectionResponse",
    "GetContractCollectionResponse",
    "GetTokenResponse",
    "InvalidArgumentError",
    "ListCollectionsResponse",
    "ListContractCollectionsResponse",
    "ListTokensResponse",
    "MetadataClient",
    "MetadataError",
    "MethodNotFoundError",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "ProjectNotFoundError",
    "PublicCollectionMetadata",
    "PublicTokenMetadata",
    "PublishCollectionResponse",
    "QueryFailedError",
    "RateLimitedError",
    "RequestBudgetExceeded",
    "RequestConflictError",
    "RequiredArgumentError",
    "ResourceStatus",
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
    "TokenMetadata",
    "UnauthorizedError",
    "UnpublishCollectionResponse",
    "UpdateAssetResponse",
    "UpdateCollectionResponse",
    "UpdateContractCollectionResponse",
    "UpdateTokenResponse",
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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
