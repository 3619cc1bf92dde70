"""Fault injection per operation: rate limiting (429 + Retry-After), server errors, added latency.

A rule applies to one operationId (or "*" for all) for a number of calls (`times`) and/or a fraction
of them (`probability`, drawn from a seeded RNG so runs repeat). The wire layer asks `pick()` once
per request; latency is returned to the caller, which sleeps the right way (asyncio in the ASGI app,
time.sleep in the sync transport), so the event loop is never blocked.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

FaultKind = Literal["rate_limit", "error", "latency"]
ALL_OPERATIONS = "*"
_ERROR_STATUSES = (500, 502, 503, 504)


@dataclass(slots=True)
class FaultRule:
    operation: str
    kind: FaultKind
    status: int = 0
    retry_after: int = 0
    seconds: float = 0.0
    times: int | None = None  # None: unlimited
    probability: float = 1.0
    hits: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    """The fault rules of one emulator. Thread-safe."""

    def __init__(self, seed: int | None = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)

    def _add(self, rule: FaultRule) -> FaultRule:
        if not rule.operation:
            raise ValueError("operation is required (an operationId, or '*' for every operation)")
        if rule.times is not None and rule.times < 1:
            raise ValueError("times must be at least 1 (or None for no limit)")
        if not 0.0 < rule.probability <= 1.0:
            raise ValueError("probability must be in (0, 1]")
        with self._lock:
            self._rules.append(rule)
        return rule

    def rate_limit(
        self, operation: str, *, retry_after: int = 1, times: int | None = 1, probability: float = 1.0
    ) -> FaultRule:
        """Answer 429 RateLimited with `Retry-After: <retry_after>`."""
        if retry_after < 0:
            raise ValueError("retry_after must be >= 0")
        return self._add(FaultRule(operation, "rate_limit", 429, retry_after, 0.0, times, probability))

    def server_error(
        self, operation: str, *, status: int = 500, times: int | None = 1, probability: float = 1.0
    ) -> FaultRule:
        """Answer `status` (500/502/503/504) with a WebrpcInternalError JSON envelope."""
        if status not in _ERROR_STATUSES:
            raise ValueError(f"status must be one of {_ERROR_STATUSES}")
        return self._add(FaultRule(operation, "error", status, 0, 0.0, times, probability))

    def latency(
        self, operation: str, *, seconds: float, times: int | None = None, probability: float = 1.0
    ) -> FaultRule:
        """Delay the answer by `seconds`, then answer normally."""
        if not 0.0 <= seconds <= 60.0:
            raise ValueError("seconds must be in [0, 60]")
        return self._add(FaultRule(operation, "latency", 0, 0, float(seconds), times, probability))

    def add(self, spec: Mapping[str, Any]) -> FaultRule:
        """A rule from JSON (the control route): {"operation", "kind", "status"?, "retryAfter"?,
        "seconds"?, "times"?, "probability"?}."""
        operation = spec.get("operation")
        kind = spec.get("kind")
        times = spec.get("times", 1 if kind != "latency" else None)
        probability = spec.get("probability", 1.0)
        if not isinstance(operation, str):
            raise ValueError("`operation` must be a string")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
            raise ValueError("`times` must be an integer or null")
        if isinstance(probability, bool) or not isinstance(probability, int | float):
            raise ValueError("`probability` must be a number")
        if kind == "rate_limit":
            retry_after = spec.get("retryAfter", 1)
            if isinstance(retry_after, bool) or not isinstance(retry_after, int):
                raise ValueError("`retryAfter` must be an integer")
            return self.rate_limit(operation, retry_after=retry_after, times=times, probability=probability)
        if kind == "error":
            status = spec.get("status", 500)
            if isinstance(status, bool) or not isinstance(status, int):
                raise ValueError("`status` must be an integer")
            return self.server_error(operation, status=status, times=times, probability=probability)
        if kind == "latency":
            seconds = spec.get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise ValueError("`seconds` must be a number")
            return self.latency(operation, seconds=seconds, times=times, probability=probability)
        raise ValueError("`kind` must be one of rate_limit, error, latency")

    def clear(self, operation: str | None = None) -> None:
        """Remove every rule, or the rules of one operation."""
        with self._lock:
            self._rules = [r for r in self._rules if operation is not None and r.operation != operation]

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def pick(self, operation: str) -> tuple[FaultRule | None, float]:
        """The failure to answer with (or None) and the latency to add, for one call of `operation`.

        Used-up rules are dropped. A latency rule and a failing rule can both apply to one call.
        """
        if not self._rules:  # fast path: no lock when nothing is configured
            return None, 0.0
        failure: FaultRule | None = None
        delay = 0.0
        with self._lock:
            for rule in list(self._rules):
                if rule.operation not in (operation, ALL_OPERATIONS):
                    continue
                if rule.kind != "latency" and failure is not None:
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.hits += 1
                if rule.times is not None and rule.hits >= rule.times:
                    self._rules.remove(rule)
                if rule.kind == "latency":
                    delay += rule.seconds
                else:
                    failure = rule
        return failure, delay
