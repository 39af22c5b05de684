"""Policies every management client carries: read-only guard, fair concurrency limit, request journal.

They are installed as ``per_retry_policies``, i.e. after azure-core's ``RetryPolicy`` and before authentication
and the transport. Sitting there, the guard also sees requests that other policies create themselves (resource
provider auto-registration), refuses them before a token is fetched or a byte is sent, and each retry attempt is
limited and journaled on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import inspect
import json
import logging
import re
import ssl
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import AsyncHTTPPolicy, AsyncRetryPolicy, SansIOHTTPPolicy

from ..errors import ReadOnlyViolation

# acrtui reports a credential failure itself, once, with the chain's reasons; without a handler Python's
# last-resort handler would also print azure-identity's WARNING for every attempt on stderr.
logging.getLogger("azure.identity").addHandler(logging.NullHandler())

# POSTs that only read. Matched against the lower-cased URL path's end.
READ_ONLY_POSTS: tuple[str, ...] = (
    "/providers/microsoft.resourcegraph/resources",  # Resource Graph query
    "/providers/microsoft.policyinsights/policystates/latest/queryresults",
    "/providers/microsoft.policyinsights/policystates/latest/summarize",
    "/checknameavailability",
    "/getcallbackconfig",  # a registry webhook's service URI (acrtui/azure/registry_details.py)
    "/oauth2/exchange",  # registry data plane: Entra token → ACR refresh token (acrtui/azure/dataplane.py)
    "/oauth2/token",  # … → ACR access token
    "/v1.0/directoryobjects/getbyids",  # Microsoft Graph: names for principal ids (acrtui/azure/graph.py)
)

# Query parameters whose value is a secret (SAS signatures, codes, keys): replaced in the journal and in errors.
SECRET_PARAMS = {"sig", "signature", "code", "token", "access_token", "client_secret", "password", "key", "secret",
                 "skoid", "sktid", "skt", "ske", "sks", "skv", "se", "st"}
# Only real secret shapes: ``name=value`` pairs; a bearer credential (8+ token characters holding a digit, or a
# ``.``/``_``/``~``/``+``/``/``/``=`` inside it, so SDK prose such as "Bearer token authentication" or
# "Bearer challenge-based auth" is left alone); bare JWTs.
_SECRET_IN_TEXT = re.compile(
    r"(?i)((?:sig|signature|client_secret|access_token|password|secret|token)=)[^&\s\"']+"
    r"|(Bearer\s+)(?=[A-Za-z0-9._~+/=-]*(?:[0-9]|[._~+/=][A-Za-z0-9]))[A-Za-z0-9._~+/-]{8,}=*"
    r"|()\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"
)


def redact_url(url: str) -> str:
    """The URL with secret query values replaced, so it can be logged and shown."""
    query = url.partition("?")[2].partition("#")[0]
    if not query:
        return url
    # every request is journaled: a query whose names are plainly not secret (api-version, $skipToken…) is
    # returned as it is, without parsing and re-encoding it (an escaped name takes the full path)
    names = (pair.partition("=")[0] for pair in query.split("&"))
    if not any("%" in n or "+" in n or n.lower() in SECRET_PARAMS for n in names):
        return url
    parts = urlsplit(url)
    q = [(k, "REDACTED" if k.lower() in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(q, safe="$/:,'")))


def redact_text(text: str) -> str:
    """Strip bearer tokens and secret-looking ``name=value`` pairs from free text (error messages)."""
    return _SECRET_IN_TEXT.sub(lambda m: (m.group(1) or m.group(2) or "") + "REDACTED", text)


def tls_verification_error(exc: BaseException | None) -> ssl.SSLCertVerificationError | None:
    """The certificate-verification failure behind an SDK exception (azure-core wraps aiohttp's, which wraps
    ssl's), if that is what it is."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        cert = getattr(e, "certificate_error", None)  # aiohttp.ClientConnectorCertificateError (itself one)
        if isinstance(cert, ssl.SSLCertVerificationError):
            return cert
        if isinstance(e, ssl.SSLCertVerificationError):
            return e
        stack += [e.__cause__, e.__context__, getattr(e, "inner_exception", None)]
    return None


class TlsAwareRetryPolicy(AsyncRetryPolicy):  # type: ignore[type-arg]
    """azure-core's retry policy, except that a certificate that did not verify is not retried.

    ``AsyncRetryPolicy.send`` retries every ``ServiceRequestError`` (it counts it as a connection error through
    ``increment``); a certificate that fails verification fails the same way on every attempt, so retrying only
    delays the one clear message. Used for ARM clients and for the credential's own token pipeline.
    """

    def increment(self, settings: dict[str, Any], response: Any = None, error: Exception | None = None) -> bool:
        if error is not None and tls_verification_error(error) is not None:
            return False
        return bool(super().increment(settings, response=response, error=error))


def url_path(url: str) -> str:
    """``urlsplit(url).path`` of an absolute URL, by string slicing (it runs several times per request)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.isalpha() or any(c in rest for c in "\\\t\r\n"):
        return urlsplit(url).path  # not plainly absolute, or odd characters: the standard parser decides
    rest = rest.partition("#")[0].partition("?")[0]
    slash = rest.find("/")
    return rest[slash:] if slash >= 0 else ""


def is_read_only_request(method: str, url: str) -> bool:
    m = method.upper()
    if m in ("GET", "HEAD"):
        return True
    return m == "POST" and url_path(url).lower().rstrip("/").endswith(READ_ONLY_POSTS)


def subscription_of(url: str) -> str:
    """The subscription a request is metered against ('' for tenant-level calls)."""
    segs = url_path(url).strip("/").split("/")
    return segs[1].lower() if len(segs) > 1 and segs[0].lower() == "subscriptions" else ""


class ReadOnlyGuardPolicy(AsyncHTTPPolicy):  # type: ignore[type-arg]
    """Refuses anything but reads with :class:`ReadOnlyViolation`, before the request leaves the process."""

    def __init__(self, journal: Journal | None = None) -> None:
        self.journal = journal

    async def send(self, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
        http = request.http_request
        if not is_read_only_request(http.method, http.url):
            if self.journal is not None:
                self.journal.add(JournalEntry.now(http.method, redact_url(http.url), None, 0.0, None, "refused: read-only"))
            raise ReadOnlyViolation(http.method, redact_url(http.url))
        return await self.next.send(request)


class ReadOnlyRequestCheck(SansIOHTTPPolicy):  # type: ignore[type-arg]
    """The same refusal as :class:`ReadOnlyGuardPolicy` for SDK clients that hand one policy list to several
    pipelines (``azure-containerregistry`` gives its kwargs to its token-exchange client too): a SansIO policy holds
    no ``next``, so one instance may serve them all."""

    def __init__(self, journal: Journal | None = None) -> None:
        self.journal = journal

    def on_request(self, request: PipelineRequest) -> None:  # type: ignore[type-arg]
        http = request.http_request
        if not is_read_only_request(http.method, http.url):
            if self.journal is not None:
                self.journal.add(JournalEntry.now(http.method, redact_url(http.url), None, 0.0, None, "refused: read-only"))
            raise ReadOnlyViolation(http.method, redact_url(http.url))


# ARM's token buckets per subscription and principal: (bucket size, refill per second). Learn, "Understand how Azure
# Resource Manager throttles requests" (token bucket algorithm): reads 250 / 25 per second, writes and deletes
# 200 / 10 per second.
ARM_BUCKETS: dict[str, tuple[float, float]] = {"reads": (250, 25), "writes": (200, 10), "deletes": (200, 10)}
MAX_THROTTLE_WAIT_S = 300.0  # Retry-After waits one request sits out before its 429 goes to the retry policy


def request_kind(method: str) -> str:
    """The bucket ARM meters a request against (its ``x-ms-ratelimit-remaining-subscription-<kind>`` header)."""
    return {"GET": "reads", "HEAD": "reads", "DELETE": "deletes"}.get(method.upper(), "writes")


def retry_after_s(headers: Any) -> float | None:
    """Retry-After (seconds) or retry-after-ms, when the response carries one."""
    for name, scale in (("retry-after-ms", 0.001), ("x-ms-retry-after-ms", 0.001), ("Retry-After", 1.0)):
        v = headers.get(name)
        if v:
            try:
                return max(0.0, float(v) * scale)
            except ValueError:
                return None  # an HTTP date: leave it to azure-core's retry policy
    return None


class _Bucket:
    """The client's estimate of one ARM bucket: the last remaining count ARM reported, refilled at ARM's rate,
    less what was sent since. Unknown until ARM first reports it (then nothing is paced)."""

    def __init__(self, size: float, rate: float) -> None:
        self.size, self.rate = size, rate
        self.tokens: float | None = None
        self.stamp = time.monotonic()
        self.paused_until = 0.0

    def refill(self, now: float) -> None:
        if self.tokens is not None:
            self.tokens = min(self.size, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_s(self, now: float) -> float:
        self.refill(now)
        if now < self.paused_until:
            return self.paused_until - now
        if self.tokens is not None and self.tokens < 1:
            return (1 - self.tokens) / self.rate
        return 0.0


class ConcurrencyLimiter:
    """Requests in flight within ARM's limits: a global cap, a cap per subscription, and per subscription a pace
    that follows ARM's own read/write budgets, so one busy subscription neither starves the others nor burns
    its budget into 429s.

    A request waits for its subscription's slot, then for that subscription's bucket (the remaining count of
    ``x-ms-ratelimit-remaining-subscription-<kind>`` refilled at ARM's documented rate, or the Retry-After of a
    429), then for a global slot: waiters of a crowded or throttled subscription queue on their own and hold no
    global slot, and the global semaphore serves subscriptions first come, first served.
    """

    def __init__(self, total: int = 16, per_subscription: int | None = None) -> None:
        self.total = max(1, total)
        self.per_subscription = max(1, per_subscription or (self.total + 1) // 2)
        self._global = asyncio.Semaphore(self.total)
        self._subs: dict[str, asyncio.Semaphore] = {}
        self._pace: dict[str, asyncio.Lock] = {}
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self.in_flight = 0
        self.peak = 0
        self.throttled = 0  # 429s seen
        self.max_wait_s = MAX_THROTTLE_WAIT_S
        self.buckets = dict(ARM_BUCKETS)  # ARM's documented budgets; a differently metered endpoint may set its own
        self.paced_s = 0.0  # time requests spent waiting for ARM's budget

    def bucket(self, subscription: str, kind: str) -> _Bucket:
        key = (subscription, kind)
        if key not in self._buckets:
            self._buckets[key] = _Bucket(*self.buckets[kind])
        return self._buckets[key]

    def slot(self, subscription: str, kind: str = "reads") -> _Slot:
        """``async with limiter.slot(sub, kind):`` one request's turn (a class, not a generator-based context
        manager: it is entered once per request)."""
        return _Slot(self, subscription, kind)

    def observe(self, subscription: str, kind: str, status: int, headers: Any) -> float | None:
        """Learn from ARM's answer: its remaining count, or a 429's Retry-After (returned: how long the
        subscription now pauses; None when it is not a throttle this limiter waits out)."""
        if not subscription:
            return None
        b = self.bucket(subscription, kind)
        now = time.monotonic()
        b.refill(now)
        remaining = headers.get(f"x-ms-ratelimit-remaining-subscription-{kind}")
        if remaining is not None:
            try:
                r = float(remaining)
                b.tokens = r if b.tokens is None else min(b.tokens, r)
            except ValueError:
                pass
        if status != 429:
            return None
        self.throttled += 1
        wait = retry_after_s(headers)
        if wait is None:
            return None
        b.tokens = 0.0
        b.paused_until = max(b.paused_until, now + wait)
        return wait


class _Slot:
    """The subscription's slot, then its bucket (paced under its lock), then a global slot; released in reverse."""

    __slots__ = ("kind", "lim", "sem", "sub")

    def __init__(self, lim: ConcurrencyLimiter, sub: str, kind: str) -> None:
        self.lim, self.sub, self.kind = lim, sub, kind

    async def __aenter__(self) -> None:
        lim, sub = self.lim, self.sub
        sem = lim._subs.get(sub)
        if sem is None:
            sem = lim._subs[sub] = asyncio.Semaphore(lim.per_subscription)
        self.sem = sem
        await sem.acquire()
        try:
            if sub:  # tenant-level calls are metered by the tenant, not paced here
                lock = lim._pace.get(sub)
                if lock is None:
                    lock = lim._pace[sub] = asyncio.Lock()
                async with lock:
                    b = lim.bucket(sub, self.kind)
                    while (w := b.wait_s(time.monotonic())) > 0:
                        lim.paced_s += w
                        await asyncio.sleep(w)
                    if b.tokens is not None:
                        b.tokens -= 1
            await lim._global.acquire()
        except BaseException:
            sem.release()
            raise
        lim.in_flight += 1
        lim.peak = max(lim.peak, lim.in_flight)

    async def __aexit__(self, *exc: object) -> None:
        self.lim.in_flight -= 1
        self.lim._global.release()
        self.sem.release()


async def release_response(http_response: Any) -> None:
    """Give a response's connection back to the pool (a transport-level response has no ``close``: its aiohttp
    response's ``release``)."""
    close = getattr(http_response, "close", None)
    if close is None:
        close = getattr(getattr(http_response, "internal_response", None), "release", None)
    with contextlib.suppress(Exception):
        result = close() if close is not None else None
        if inspect.isawaitable(result):
            await result


class ConcurrencyPolicy(AsyncHTTPPolicy):  # type: ignore[type-arg]
    """Sends through the limiter; a 429 with a Retry-After is waited out here (the subscription pauses, then the
    request goes again) instead of spending azure-core's retries, up to ``limiter.max_wait_s`` per request, so
    sustained throttling slows a load or a plan down rather than failing it."""

    def __init__(self, limiter: ConcurrencyLimiter) -> None:
        self.limiter = limiter

    async def send(self, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
        http = request.http_request
        sub, kind = subscription_of(http.url), request_kind(http.method)
        waited = 0.0
        while True:
            async with self.limiter.slot(sub, kind):
                response = await self.next.send(request)
                resp = response.http_response
                wait = self.limiter.observe(sub, kind, resp.status_code, resp.headers)
            if wait is None or waited + wait > self.limiter.max_wait_s:
                return response
            waited += wait
            await release_response(resp)  # a streamed 429 would otherwise hold its pooled connection


@dataclass(frozen=True)
class JournalEntry:
    time: str
    method: str
    url: str  # redacted
    status: int | None  # None: no response (refused, connection error)
    duration_ms: float
    request_id: str | None
    note: str | None = None

    @staticmethod
    def now(method: str, url: str, status: int | None, duration_ms: float, request_id: str | None,
            note: str | None = None) -> JournalEntry:
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return JournalEntry(stamp, method, url, status, round(duration_ms, 1), request_id, note)

    @property
    def is_write(self) -> bool:
        return not is_read_only_request(self.method, self.url)


class Journal:
    """Every request the session sent (or refused), newest last; bounded in memory, optionally mirrored to a file."""

    def __init__(self, maxlen: int = 5000, log_file: str | Path | None = None) -> None:
        self.entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self.log_file = Path(log_file) if log_file else None
        self.listeners: list[Callable[[JournalEntry], None]] = []

    def add(self, entry: JournalEntry) -> None:
        self.entries.append(entry)
        if self.log_file is not None:
            with self.log_file.open("a", encoding="utf-8") as f:
                f.write(json.dumps(asdict(entry)) + "\n")
        for listener in self.listeners:
            listener(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Any:
        return iter(list(self.entries))


class JournalPolicy(AsyncHTTPPolicy):  # type: ignore[type-arg]
    """Journals each attempt: method, redacted URL, status, duration and ARM's request id."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def send(self, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
        http = request.http_request
        start = time.perf_counter()
        try:
            response = await self.next.send(request)
        except Exception as e:
            ms = (time.perf_counter() - start) * 1000
            self.journal.add(JournalEntry.now(http.method, redact_url(http.url), None, ms, None, type(e).__name__))
            raise
        ms = (time.perf_counter() - start) * 1000
        headers = response.http_response.headers
        rid = headers.get("x-ms-request-id") or headers.get("x-ms-correlation-request-id")
        self.journal.add(JournalEntry.now(http.method, redact_url(http.url), response.http_response.status_code, ms, rid))
        return response


class ClientRequestIdPolicy(SansIOHTTPPolicy):  # type: ignore[type-arg]
    """``x-ms-client-request-id`` on every request, as azure-core's ``RequestIdPolicy`` sets it, from a random
    UUID (``uuid4``: ~5 µs) rather than its time-based ``uuid1`` (~20-50 µs, under a lock)."""

    def on_request(self, request: PipelineRequest) -> None:  # type: ignore[type-arg]
        headers = request.http_request.headers
        if "x-ms-client-request-id" not in headers:
            headers["x-ms-client-request-id"] = str(uuid.uuid4())


def build_policies(*, read_only: bool, limiter: ConcurrencyLimiter, journal: Journal) -> list[Any]:
    """Fresh policy instances for one client (a policy's ``next`` belongs to one pipeline)."""
    out: list[Any] = []
    if read_only:
        out.append(ReadOnlyGuardPolicy(journal))
    out += [ConcurrencyPolicy(limiter), JournalPolicy(journal)]
    return out
