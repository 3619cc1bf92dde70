"""SIGTERM ends a run the way Ctrl-C does: pytest unwinds, the ledger deletes, then the process exits.

CI runners send SIGTERM on a timeout; its default action kills the process on the spot, before any
cleanup. The handler raises `Terminated` (a KeyboardInterrupt, so pytest treats it exactly like
SIGINT: teardown, sessionfinish, exit code 2) and puts the previous handler back, so a second
SIGTERM during the cleanup still ends the process at once (the journal covers what that leaves).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType


class Terminated(KeyboardInterrupt):
    """The run received SIGTERM."""


def install() -> Callable[[], None]:
    """Handle SIGTERM in this process; returns what undoes it. A no-op off the main thread, and
    when someone else (the application, a CI wrapper) already handles SIGTERM."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)
    if previous not in (signal.SIG_DFL, None):
        return lambda: None

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated("SIGTERM: cleaning up, then stopping (a second SIGTERM stops at once)")

    signal.signal(signal.SIGTERM, on_sigterm)

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

    return restore
