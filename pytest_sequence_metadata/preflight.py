"""The check of a live target before the first test: one cheap read per identity, no retries.

An unreachable URL, a TLS problem, a refused JWT or a project id the target disagrees with would
otherwise fail every test in turn (each retrying, each with a transport traceback); here it is one
line saying what is wrong and how to fix it, raised as a `pytest.UsageError` (exit code 4).
"""

from __future__ import annotations

import ssl
from typing import Final, TypeVar

import pytest

from pytest_sequence_metadata.redaction import Secret, redact
from pytest_sequence_metadata.settings import OPTIONS_BY_NAME, Settings, _where, display_url

# Short enough to answer within seconds, long enough for a slow staging's first request.
TIMEOUT_SECONDS: Final = 5.0
_REFUSALS: Final = frozenset({401, 403})
E = TypeVar("E", bound=BaseException)


def check_target(settings: Settings) -> None:
    """Raise `pytest.UsageError` naming the first problem of the live target in `settings`."""
    identities: list[tuple[str, str, Secret | None, int | None]] = [
        ("the owner JWT", "jwt", settings.jwt, settings.project_id),
        ("the second project's JWT", "other_jwt", settings.other_jwt, settings.other_project_id),
    ]
    for who, name, secret, project in identities:
        if secret is not None and project is not None:
            problem = _check_identity(settings, who, name, secret, project)
            if problem is not None:
                raise pytest.UsageError(f"pytest-sequence-metadata: {redact(problem)}")


def _check_identity(settings: Settings, who: str, name: str, secret: Secret, project: int) -> str | None:
    import httpx

    from pytest_sequence_metadata.client import MetadataClient, RetryPolicy
    from pytest_sequence_metadata.errors import MetadataError, WebrpcError

    assert settings.url is not None
    url = display_url(settings.url)
    where_url = _where(OPTIONS_BY_NAME["url"], settings.sources["url"])
    where_jwt = _where(OPTIONS_BY_NAME[name], settings.sources[name])
    client = MetadataClient(
        settings.url,
        jwt=secret.reveal(),
        project_id=project,
        timeout=TIMEOUT_SECONDS,
        retry=RetryPolicy(attempts=1),
        validate=False,  # the contract tests judge the answer; here only "does it answer" counts
    )
    try:
        with client:
            answer = client.list_collections(page={"page": 1, "pageSize": 1})
    except httpx.TimeoutException:
        return (
            f"no answer from {url} ({where_url}) within {TIMEOUT_SECONDS:g} s; check the URL and that the "
            "service runs"
        )
    except httpx.TransportError as error:
        tls = _cause(error, ssl.SSLError)
        if tls is not None:
            reason = getattr(tls, "reason", None) or type(tls).__name__
            return (
                f"TLS with {url} failed ({where_url}): {reason}; check the URL's scheme and host, or point "
                "SSL_CERT_FILE at a CA bundle that trusts the server"
            )
        os_error = _cause(error, OSError)
        reason = (os_error.strerror if os_error is not None else None) or f"{type(error).__name__}: {error}"
        return f"cannot reach {url} ({where_url}): {reason}; check the URL and that the service runs"
    except WebrpcError as error:
        if error.http_status in _REFUSALS:
            return (
                f"{url} refused {who} ({where_jwt}): {error.error} (HTTP {error.http_status}); pass a valid "
                f"secret service JWT of project {project}"
            )
        return (
            f"{url} answered ListCollections with {error.error} (HTTP {error.http_status}); check that "
            f"{where_url} is the Metadata API"
        )
    except MetadataError as error:
        return f"{url} does not answer like the Metadata API ({where_url}): {error}"
    except Exception as error:  # whatever else stops a request stops every test the same way
        return f"checking {url} ({where_url}) failed: {type(error).__name__}: {error}"
    for collection in answer.get("collections") or []:
        seen = collection["projectId"]  # the client validated the answer: a Collection has one
        if seen != project:
            id_name = "project_id" if name == "jwt" else "other_project_id"
            where_id = _where(OPTIONS_BY_NAME[id_name], settings.sources[id_name])
            return (
                f"{who} ({where_jwt}) reads project {seen}, not project {project} ({where_id}); use that "
                "project's id or that project's JWT"
            )
    return None


def _cause(error: BaseException, kind: type[E]) -> E | None:
    """The first exception of type `kind` in `error`'s chain of causes."""
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
