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
