"""Care for live targets: count every request, throttle them, and stop a run that exceeds its budget."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pytest_sequence_metadata.client.core import Call, ClientObserver
from pytest_sequence_metadata.client.errors import MetadataError

if TYPE_CHECKING:
    import httpx

    from pytest_sequence_metadata.pytest.settings import RateLimit


class RequestBudgetExceeded(MetadataError):
    """The run has sent as many requests as its budget allows."""


@dataclass
class TrafficStats(ClientObserver):
    """Requests sent (every attempt), retries, 429 answers and statuses per operation."""

    budget: int | None = None
    budget_note: str = ""  # how `budget` derives from the run's, when it is a share of it
    sent: int = 0
    retries: int = 0
    rate_limited: int = 0
    by_operation: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    webrpc_versions: set[str] = field(default_factory=set)
    exhausted: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def before_send(self, call: Call, attempt: int) -> None:
        with self._lock:
            # Deletions are always let through (and counted): a spent budget must not leave the
            # resources of the run behind.
            spent = self.budget is not None and self.sent >= self.budget
            if spent and not call.operation_id.startswith("Delete"):
                self.exhausted = True
                note = f" ({self.budget_note})" if self.budget_note else ""
                raise RequestBudgetExceeded(
                    f"request budget of {self.budget} requests{note} used up before {call.operation_id}; "
                    "raise --sequence-request-budget to allow more"
                )
            self.sent += 1
            self.by_operation[call.operation_id] += 1
            if attempt > 1:
                self.retries += 1

    def after_receive(self, call: Call, response: httpx.Response, attempt: int) -> None:
        with self._lock:
            self.statuses[response.status_code] += 1
            if response.status_code == 429:
                self.rate_limited += 1
            version = response.headers.get("webrpc")
            if version:
                self.webrpc_versions.add(version)


class RateLimiter(ClientObserver):
    """Spaces requests to stay under a rate, shared by every client of the process."""

    def __init__(self, rate: RateLimit, share: int = 1) -> None:
        from pyrate_limiter import Limiter, Rate

        # With xdist, each of `share` workers gets an equal part of the rate; Rate counts in ms.
        per_worker = rate.count / max(share, 1)
        if per_worker >= 1:
            limit = Rate(int(per_worker), int(1000 * rate.per_seconds))
        else:
            limit = Rate(1, int(1000 * rate.per_seconds / per_worker))
        self.rate = rate
        self.acquired = 0  # requests let through, for reports and tests
        self._limiter = Limiter(limit)
        self._lock = threading.Lock()

    def before_send(self, call: Call, attempt: int) -> None:
        self._limiter.try_acquire("sequence-metadata", blocking=True)
        with self._lock:
            self.acquired += 1
