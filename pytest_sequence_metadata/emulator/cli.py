"""`sequence-metadata-emulator` / `python -m pytest_sequence_metadata.emulator`: `serve` and `token`.

`serve [--host 127.0.0.1] [--port 8765] [--jwt-secret S] [--control-token T] [--limit NAME=VALUE ...]
[--base-url URL] [--cors-origin ORIGIN ...] [--mutation NAME ...] [--data-dir DIR] [--seed FILE]
[--log-requests] [--journal-size N] [--control-token-file PATH]` prints its base URL (and, when it
made the control token up, the path of the owner-only file holding it: a token never goes to the
output, where CI logs would keep it) and serves until Ctrl-C; `token --project N [--jwt-secret S]
[--expires-in SECONDS]` prints a JWT the server accepts (minted locally from the secret: no control
token needed). `--version` prints the package's version.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .journal import Exchange

DEFAULT_PORT = 8765


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is between 0 and 65535, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None


class _Stopped(Exception):
    """SIGTERM, raised where uvicorn hands the signal back after its graceful shutdown."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped


def _write_private(path: str | None, text: str) -> Path:
    """`text` in a file only its owner can read: `path` (replaced if it exists), else a new temporary one."""
    if path is None:
        handle, name = tempfile.mkstemp(prefix="sequence-emulator-control-token-")  # mode 0600
    else:
        Path(path).unlink(missing_ok=True)  # a new file, so no other mode or owner carries over
        handle, name = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), path
    with os.fdopen(handle, "w", encoding="ascii") as out:
        out.write(text + "\n")
    return Path(name)


def _print_line(exchange: Exchange) -> None:
    with contextlib.suppress(OSError):  # a closed stdout must not fail the request
        print(exchange.line(), flush=True)


def _origin(text: str) -> str:
    from .cors import check_origin

    try:
        return check_origin(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sequence-metadata-emulator",
        description="Emulator of Sequence's Metadata Collections API (webrpc + REST routes).",
    )
    # The installed distribution's version: the package's __init__ reaches the plugin's modules.
    version = importlib.metadata.version("pytest-sequence-metadata")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{serve,token}")
    secret_help = "HS256 secret for JWTs (default: $SEQUENCE_EMULATOR_SECRET, else the development secret)"

    serve = commands.add_parser("serve", help="serve the emulator over HTTP until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any)"
    )
    serve.add_argument("--jwt-secret", help=secret_help)
    serve.add_argument(
        "--control-token",
        help="token the /_emulator/ control routes require in the X-Emulator-Control-Token header "
        "(default: $SEQUENCE_EMULATOR_CONTROL_TOKEN, else a random one, written to --control-token-file)",
    )
    serve.add_argument(
        "--control-token-file",
        metavar="PATH",
        help="where a made-up control token is written, readable by its owner only, removed at exit "
        "(default: a new file in the temporary directory; its path is printed)",
    )
    serve.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change a resource limit, e.g. request_bytes=2097152 or body_timeout=60 (repeatable; "
        "see the README for the names and defaults)",
    )
    serve.add_argument("--base-url", help="public base URL for baseURIs and asset URLs (default: as reached)")
    serve.add_argument(
        "--cors-origin",
        action="append",
        type=_origin,
        metavar="ORIGIN",
        help="an origin browser apps may call the API from, e.g. http://localhost:5173 (repeatable; "
        "default: * for every origin)",
    )
    serve.add_argument(
        "--mutation", action="append", default=[], metavar="NAME", help="turn on an injected bug (repeatable)"
    )
    serve.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep the state in SQLite in DIR, saved before each write is answered (default: in memory)",
    )
    serve.add_argument(
        "--seed",
        metavar="FILE",
        help="start from this state file (JSON or YAML, the /_emulator/state format); with --data-dir, "
        "only when the directory holds no state yet",
    )
    serve.add_argument(
        "--log-requests", action="store_true", help="print one line per answered request to stdout"
    )
    serve.add_argument(
        "--journal-size",
        type=_positive_int,
        default=1000,
        metavar="N",
        help="exchanges GET /_emulator/requests keeps (default 1000, oldest dropped)",
    )
    serve.add_argument(
        "--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"]
    )

    token = commands.add_parser("token", help="print a JWT for a project")
    token.add_argument(
        "--project", type=_positive_int, required=True, help="project id (the `project` claim)"
    )
    token.add_argument("--jwt-secret", help=secret_help)
    token.add_argument(
        "--expires-in",
        type=_seconds,
        default=3600.0,
        help="lifetime in seconds (default 3600; <= 0: expired)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .auth import Authenticator, resolve_secret

    try:
        secret = resolve_secret(args.jwt_secret)
    except ValueError as exc:
        parser.error(str(exc))
    if args.command == "token":
        print(Authenticator(secret).mint(args.project, expires_in=args.expires_in))
        return 0

    from . import Emulator
    from .limits import Limits
    from .persistence import StoreLocked
    from .server import bind_socket, serve_forever, server_stack, socket_url
    from .state import StateError

    try:
        limits = Limits.parse(args.limit)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        emulator = Emulator(
            jwt_secret=secret,
            base_url=args.base_url,
            mutations=args.mutation,
            control_token=args.control_token,
            limits=limits,
            journal_entries=args.journal_size,
            data_dir=args.data_dir,
            cors_origins=args.cors_origin or ("*",),
        )
    except (StoreLocked, OSError, StateError) as exc:  # the data directory: in use, unusable, damaged
        print(f"sequence-metadata-emulator: --data-dir: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        parser.error(str(exc))
    if args.seed and not emulator.restored_from_disk:
        try:
            emulator.restore(args.seed)
        except StateError as exc:
            print(f"sequence-metadata-emulator: --seed {args.seed}: {exc}", file=sys.stderr)
            emulator.close()
            return 1
    if args.log_requests:
        emulator.requests.on_record = _print_line
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"sequence-metadata-emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    stack = server_stack()
    url = socket_url(sock)
    print(f"Sequence Metadata emulator listening on {url} (uvicorn on {stack}; Ctrl-C to stop)", flush=True)
    token_file = None
    if emulator.control_token_generated:  # the operator needs it: in a file only they can read
        try:
            token_file = _write_private(args.control_token_file, emulator.control_token)
        except OSError as exc:
            print(f"sequence-metadata-emulator: --control-token-file: {exc}", file=sys.stderr)
            emulator.close()
            return 1
        print(f"Control token (X-Emulator-Control-Token header): in {token_file}", flush=True)
    # uvicorn shuts down gracefully on Ctrl-C or SIGTERM, then re-raises the signal it captured to the
    # handler it found: KeyboardInterrupt for SIGINT, _Stopped for SIGTERM (whose default would end the
    # process before the data directory is closed and the token file removed). Swallow both.
    signal.signal(signal.SIGTERM, _stop)
    try:
        with contextlib.suppress(KeyboardInterrupt, _Stopped):
            serve_forever(emulator, sock, log_level=args.log_level, stack=stack)
    finally:
        emulator.close()
        if token_file is not None:
            token_file.unlink(missing_ok=True)  # the token dies with the server
    print("Sequence Metadata emulator stopped", flush=True)
    return 0
