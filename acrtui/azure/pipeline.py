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
import json
import logging
import re
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
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
    parts = urlsplit(url)
    if not parts.query:
        return url
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


def is_read_only_request(method: str, url: str) -> bool:
    m = method.upper()
    if m in ("GET", "HEAD"):
        return True
    return m == "POST" and urlsplit(url).path.lower().rstrip("/").endswith(READ_ONLY_POSTS)


def subscription_of(url: str) -> str:
    """The subscription a request is metered against ('' for tenant-level calls)."""
    segs = urlsplit(url).path.strip("/").split("/")
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


class ConcurrencyLimiter:
    """A global cap plus a per-subscription cap, so one busy subscription cannot starve the others.

    A request first waits for its subscription's slot, then for a global one: waiters of a crowded subscription
    queue on their own semaphore and do not hold global slots.
    """

    def __init__(self, total: int = 16, per_subscription: int | None = None) -> None:
        self.total = max(1, total)
        self.per_subscription = max(1, per_subscription or (self.total + 1) // 2)
        self._global = asyncio.Semaphore(self.total)
        self._subs: dict[str, asyncio.Semaphore] = {}
        self.in_flight = 0
        self.peak = 0

    @contextlib.asynccontextmanager
    async def slot(self, subscription: str) -> AsyncIterator[None]:
        sem = self._subs.setdefault(subscription, asyncio.Semaphore(self.per_subscription))
        async with sem, self._global:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1


class ConcurrencyPolicy(AsyncHTTPPolicy):  # type: ignore[type-arg]
    def __init__(self, limiter: ConcurrencyLimiter) -> None:
        self.limiter = limiter

    async def send(self, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
        async with self.limiter.slot(subscription_of(request.http_request.url)):
            return await self.next.send(request)


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


def build_policies(*, read_only: bool, limiter: ConcurrencyLimiter, journal: Journal) -> list[Any]:
    """Fresh policy instances for one client (a policy's ``next`` belongs to one pipeline)."""
    out: list[Any] = []
    if read_only:
        out.append(ReadOnlyGuardPolicy(journal))
    out += [ConcurrencyPolicy(limiter), JournalPolicy(journal)]
    return out
