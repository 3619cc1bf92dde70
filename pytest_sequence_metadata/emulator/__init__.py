"""A stateful emulator of Sequence's Metadata "Collections" API: in-process or as a server.

    from pytest_sequence_metadata.emulator import Emulator
    emulator = Emulator()
    jwt = emulator.mint_jwt(1)
    with httpx.Client(transport=emulator.transport(), base_url=IN_PROCESS_URL) as client: ...
    with emulator.serve() as server: httpx.get(f"{server.url}/_emulator/health")
    emulator.control_headers()  # {"X-Emulator-Control-Token": ...} for the other /_emulator/ routes

All three ways (sync transport, async transport, ASGI under uvicorn) share one state model. Importing
this package is cheap: the backend, httpx, PyJWT and uvicorn load on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from pytest_sequence_metadata.contract.assumptions import Assumption

    from .app import App, Request, Response
    from .asgi import AsgiApp
    from .backend import Backend
    from .cors import CorsPolicy
    from .faults import Faults
    from .limits import Limits
    from .server import ServerHandle

__all__ = ["DEFAULT_JWT_SECRET", "IN_PROCESS_URL", "Emulator", "serve_in_background"]

# Base URL for in-process clients: any URL works with the transport; this one is never resolvable.
IN_PROCESS_URL = "http://sequence-metadata.emulator"
# The development secret (public on purpose: anyone can mint tokens for an emulator anyway).
# Override with Emulator(jwt_secret=...), `--jwt-secret` or $SEQUENCE_EMULATOR_SECRET.
DEFAULT_JWT_SECRET = "sequence-metadata-emulator-development-secret"


class Emulator:
    """One emulated service: state, auth, faults and mutations, reachable in several ways.

    - `jwt_secret`: the HS256 secret (default: $SEQUENCE_EMULATOR_SECRET, else DEFAULT_JWT_SECRET).
    - `base_url`: the public base URL to put in baseURIs and asset URLs; by default the URL the
      client used to reach the emulator.
    - `mutations`: names from `mutations.MUTATIONS` (deliberate bugs for the suite's self-check).
    - `fault_seed`: seed of the RNG behind probabilistic faults.
    - `validate_requests`: check RPC bodies against the bundled spec (as the real server would).
    - `control_token`: what the /_emulator/ control routes (but health) require in the
      `X-Emulator-Control-Token` header (default: $SEQUENCE_EMULATOR_CONTROL_TOKEN, else random).
    - `limits`: resource limits (`limits.Limits`: sizes, state per project, read timeouts).
    - `cors_origins`: the origins browser apps may call the API from (`*`, or `scheme://host[:port]`
      each); `()` sends no CORS headers at all. The control routes never get any.
    """

    def __init__(
        self,
        *,
        jwt_secret: str | None = None,
        base_url: str | None = None,
        mutations: Iterable[str] = (),
        fault_seed: int | None = 0,
        validate_requests: bool = True,
        control_token: str | None = None,
        limits: Limits | None = None,
        cors_origins: Iterable[str] = ("*",),
    ) -> None:
        from .app import App
        from .auth import Authenticator, resolve_secret
        from .backend import Backend
        from .control import resolve_control_token
        from .cors import CorsPolicy
        from .faults import Faults
        from .limits import DEFAULT_LIMITS
        from .mutations import apply_overlays, check_mutations

        self.mutations: frozenset[str] = check_mutations(mutations)
        self.jwt_secret = resolve_secret(jwt_secret)
        self.control_token, self.control_token_generated = resolve_control_token(control_token)
        self.limits: Limits = limits or DEFAULT_LIMITS
        self.base_url = base_url.rstrip("/") if base_url else None
        if isinstance(cors_origins, str):
            raise TypeError("cors_origins must be a list of origins, not one string")
        origins = tuple(cors_origins)
        self.cors: CorsPolicy | None = CorsPolicy(origins) if origins else None
        self.backend: Backend = Backend(mutations=self.mutations, limits=self.limits)
        self.faults: Faults = Faults(seed=fault_seed)
        self._auth = Authenticator(self.jwt_secret)
        self.app: App = App(
            self.backend,
            self._auth,
            self.faults,
            mutations=self.mutations,
            base_url=self.base_url,
            validators=None if validate_requests else {},
            on_reset=self.reset,
            control_token=self.control_token,
            limits=self.limits,
            cors=self.cors,
        )
        self.app.owner = self
        apply_overlays(self.app, self.mutations)
        self._asgi: AsgiApp | None = None

    def __repr__(self) -> str:
        extra = f" mutations={sorted(self.mutations)}" if self.mutations else ""
        return f"<Emulator{extra}>"

    @property
    def assumptions(self) -> Mapping[str, Assumption]:
        from pytest_sequence_metadata.contract.assumptions import ASSUMPTIONS

        return ASSUMPTIONS

    @property
    def asgi_app(self) -> AsgiApp:
        """The ASGI 3 application (for uvicorn, schemathesis' `schema.app`, httpx.ASGITransport)."""
        if self._asgi is None:
            from .asgi import AsgiApp

            self._asgi = AsgiApp(self.app)
        return self._asgi

    def transport(self) -> httpx.MockTransport:
        """An in-process httpx transport, usable by both httpx.Client and httpx.AsyncClient."""
        from .transport import EmulatorTransport

        return EmulatorTransport(self.app)

    def control_headers(self) -> dict[str, str]:
        """The header that opens the /_emulator/ control routes of this emulator."""
        from .control import CONTROL_TOKEN_HEADER

        return {CONTROL_TOKEN_HEADER: self.control_token}

    def client(self, project_id: int | None = None, **kwargs: Any) -> httpx.Client:
        """An httpx.Client on the in-process transport, sending the control token; with `project_id`,
        it also sends that project's JWT."""
        import httpx

        headers = {**self.control_headers(), **dict(kwargs.pop("headers", {}))}
        if project_id is not None:
            headers["Authorization"] = f"Bearer {self.mint_jwt(project_id)}"
        kwargs.setdefault("base_url", IN_PROCESS_URL)
        return httpx.Client(transport=self.transport(), headers=headers, **kwargs)

    def dispatch(self, request: Request) -> Response:
        """Answer one framework-free request (what every adapter calls)."""
        return self.app.dispatch(request)

    def mint_jwt(self, project_id: int, *, expires_in: float | None = 3600.0) -> str:
        """A Bearer JWT for `project_id`; `expires_in=None` never expires, a negative value is expired."""
        return self._auth.mint(project_id, expires_in=expires_in)

    def reset(self) -> None:
        """Forget all data and fault rules (ids keep increasing, so old ids never match new data)."""
        self.backend.reset()
        self.faults.clear()

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
        """Serve this emulator with uvicorn in a background thread (see `serve_in_background`)."""
        from .server import serve_in_background

        return serve_in_background(self, host=host, port=port)


def serve_in_background(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
    """Start uvicorn for `emulator` in a thread; returns once it accepts connections."""
    from .server import serve_in_background as start

    return start(emulator, host=host, port=port)
