"""Operating knobs: latency, ARM-style throttling, fault injection. All settable in process and from the CLI."""

from __future__ import annotations

import math
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class EmulatorConfig:
    page_size: int = 100
    lro_duration_s: float = 0.0
    retry_after_ms: int = 10
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    throttle: bool = True
    throttle_scale: float = 1.0
    token_lifetime_s: int = 3600
    graph_quota: int = 15  # Resource Graph queries per user per window (see providers/resourcegraph.py)
    graph_window_s: float = 5.0


# ARM's token buckets, per subscription and principal: (burst, refill per second)
ARM_LIMITS: dict[str, tuple[float, float]] = {"reads": (250, 25), "writes": (200, 10), "deletes": (200, 10)}


class Throttle:
    """Token buckets per (subscription, principal, kind), as ARM meters requests, under a subscription-wide bucket
    15 times as large; ``scale`` > 1 makes them bite sooner.

    "The subscription limits apply per subscription, per service principal, and per operation type. There are also
    global subscription limits that are equivalent to 15 times the individual service principal limits" (Learn,
    "Understand how Azure Resource Manager throttles requests", regional throttling and token bucket algorithm).
    """

    GLOBAL_FACTOR = 15

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self._buckets: dict[tuple[str, str, str], list[float]] = {}

    @staticmethod
    def kind(method: str) -> str:
        return {"GET": "reads", "HEAD": "reads", "DELETE": "deletes"}.get(method, "writes")

    def _bucket(self, key: tuple[str, str, str], burst: float, rate: float, now: float) -> list[float]:
        b = self._buckets.setdefault(key, [burst, now])
        b[0] = min(burst, b[0] + (now - b[1]) * rate)
        b[1] = now
        return b

    def take(self, subscription: str, method: str, principal: str = "") -> tuple[bool, str, int, float]:
        """(allowed, kind, remaining for this principal, retry_after_s)."""
        kind = self.kind(method)
        burst, rate = ARM_LIMITS[kind]
        scale = max(self.config.throttle_scale, 1e-9)
        burst, rate = max(1.0, burst / scale), max(0.01, rate / scale)
        now = time.monotonic()
        mine = self._bucket((subscription.lower(), principal.lower(), kind), burst, rate, now)
        every = self._bucket((subscription.lower(), "*", kind), burst * self.GLOBAL_FACTOR, rate * self.GLOBAL_FACTOR, now)
        if not self.config.throttle:
            return True, kind, int(mine[0]), 0.0
        if mine[0] >= 1 and every[0] >= 1:
            mine[0] -= 1
            every[0] -= 1
            return True, kind, int(mine[0]), 0.0
        wait = max((1 - mine[0]) / rate if mine[0] < 1 else 0.0, (1 - every[0]) / (rate * self.GLOBAL_FACTOR) if every[0] < 1 else 0.0)
        return False, kind, 0, wait


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


@dataclass
class FaultRule:
    """Inject a failure on matching requests.

    kind: ``500`` | ``503`` (ARM's InternalServerError / ServiceUnavailable envelopes), ``403`` (ARM's
    AuthorizationFailed body naming the caller, action and scope, as in
    https://learn.microsoft.com/azure/role-based-access-control/troubleshooting), ``429`` (ARM's
    SubscriptionRequestsThrottled with Retry-After, as in
    https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling),
    ``drop`` (the connection is reset) or ``lro-fail``. A rule whose path regex names ``oauth2`` applies to the
    token endpoint (``/<tenant>/oauth2/v2.0/token``) instead of ARM, so sign-in can be made to fail while a broad
    ``500:.*:0.1`` leaves it alone.
    """

    kind: str
    path: str = ".*"
    method: str = "*"
    rate: float = 1.0
    count: int | None = None  # stop after this many hits
    hits: int = 0
    _rx: re.Pattern[str] | None = field(default=None, repr=False)

    def matches(self, method: str, path: str) -> bool:
        if self.count is not None and self.hits >= self.count:
            return False
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        if self._rx is None:
            self._rx = re.compile(self.path, re.IGNORECASE)
        return bool(self._rx.search(path))

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "method": self.method, "rate": self.rate, "count": self.count, "hits": self.hits}


class Faults:
    KINDS = ("500", "503", "403", "429", "drop", "lro-fail")

    def __init__(self, seed: int = 1) -> None:
        self.rules: list[FaultRule] = []
        self._rng = random.Random(seed)

    def add(self, kind: str, path: str = ".*", method: str = "*", rate: float = 1.0, count: int | None = None) -> FaultRule:
        if kind not in self.KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(self.KINDS)}")
        re.compile(path)
        rule = FaultRule(kind=kind, path=path, method=method, rate=rate, count=count)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def _pick(self, method: str, path: str, kinds: tuple[str, ...], token: bool = False) -> FaultRule | None:
        for r in self.rules:
            if ("oauth2" in r.path.lower()) != token:
                continue
            if r.kind in kinds and r.matches(method, path) and self._rng.random() < r.rate:
                r.hits += 1
                return r
        return None

    def request_fault(self, method: str, path: str) -> str | None:
        r = self._pick(method, path, ("500", "503", "403", "429", "drop"))
        return r.kind if r else None

    def token_fault(self, method: str, path: str) -> str | None:
        r = self._pick(method, path, ("500", "503", "403", "429", "drop"), token=True)
        return r.kind if r else None

    def lro_should_fail(self, method: str, path: str) -> bool:
        return self._pick(method, path, ("lro-fail",)) is not None
