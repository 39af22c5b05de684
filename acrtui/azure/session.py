"""One session per (cloud, credential): subscriptions, lazily built and cached async clients, shared pipeline.

Management SDK modules are heavy (azure-mgmt-network alone takes about a second to import), so each client
class is imported the first time it is asked for.

Every client of a session shares one ``aiohttp`` session, one connector and one ``SSLContext`` (built once from
the CA bundle, verification on). Given a CA bundle path, azure-core's aiohttp transport builds
``ssl.create_default_context(cafile=...)`` for every request and aiohttp pools connections per context, so each
request paid a fresh TCP + TLS handshake; with one context the connector keeps connections alive per host.

Reads go through one lean pipeline per session (:meth:`AzureSession.send_read`): the policies a read needs and
nothing else, and proxies from the environment resolved once per host instead of on two worker threads per
request (what ``aiohttp``'s ``trust_env`` does) — together about half of the client's CPU per request.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import ssl
import sys
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from .clouds import AzureCloudInfo
from .pipeline import (
    ClientRequestIdPolicy,
    ConcurrencyLimiter,
    Journal,
    TlsAwareRetryPolicy,
    build_policies,
    is_read_only_request,
    redact_url,
    release_response,
)
from .target_options import RetrySettings


@functools.lru_cache(maxsize=64)
def env_proxy(scheme: str, host: str) -> tuple[Any, Any] | None:
    """(proxy URL, proxy auth) that ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` (and netrc, for the proxy's
    credentials) give a host, as ``aiohttp``'s ``trust_env`` would find them; None for a direct connection.
    Cached: ``trust_env`` looks them up again for every request, on two worker threads (~0.8 ms of CPU each
    request at fleet scale); the environment does not change under a running command."""
    from aiohttp.helpers import get_env_proxy_for_url
    from yarl import URL

    try:
        return get_env_proxy_for_url(URL.build(scheme=scheme, host=host))
    except LookupError:
        return None


def same_origin(url: str, base: str) -> bool:
    """``url`` is on ``base``'s host over https (case and an explicit :443 aside, as ARM's nextLinks may have them)."""
    from urllib.parse import urlsplit

    u, b = urlsplit(url), urlsplit(base)
    try:
        return u.scheme == "https" and u.hostname == b.hostname and (u.port or 443) == (b.port or 443)
    except ValueError:  # a port that is not a number
        return False


@functools.cache
def _transport_class() -> Any:
    """Defined on first use: azure-core's transport module is imported only when a session sends."""
    from azure.core.pipeline.transport import AioHttpTransport

    class SessionTransport(AioHttpTransport):  # type: ignore[misc]
        """azure-core's aiohttp transport with the environment's proxy per host from :func:`env_proxy` (the
        shared ``aiohttp`` session has ``trust_env`` off); a proxy the caller names wins, as before."""

        async def send(self, request: Any, **config: Any) -> Any:
            if not config.get("proxy") and not config.get("proxies"):
                scheme, _, rest = request.url.partition("://")
                host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
                host = host[1:].split("]", 1)[0] if host.startswith("[") else host.split(":", 1)[0]
                found = env_proxy(scheme.lower(), host.lower())
                if found is not None:
                    config["proxy"], config["proxy_auth"] = str(found[0]), found[1]
            return await super().send(request, **config)

    return SessionTransport

# kind -> (module, class, takes a subscription id)
CLIENTS: dict[str, tuple[str, str, bool]] = {
    "subscriptions": ("azure.mgmt.resource.subscriptions.aio", "SubscriptionClient", False),
    "resources": ("azure.mgmt.resource.resources.aio", "ResourceManagementClient", True),
    "containerregistry": ("azure.mgmt.containerregistry.aio", "ContainerRegistryManagementClient", True),
    "keyvault": ("azure.mgmt.keyvault.aio", "KeyVaultManagementClient", True),
    "msi": ("azure.mgmt.msi.aio", "ManagedServiceIdentityClient", True),
    "network": ("azure.mgmt.network.aio", "NetworkManagementClient", True),
    "privatedns": ("azure.mgmt.privatedns.aio", "PrivateDnsManagementClient", True),
    "monitor": ("azure.mgmt.monitor.aio", "MonitorManagementClient", True),
    "resourcegraph": ("azure.mgmt.resourcegraph.aio", "ResourceGraphClient", False),
    "policy": ("azure.mgmt.resource.policy.aio", "PolicyClient", True),
    "policyinsights": ("azure.mgmt.policyinsights.aio", "PolicyInsightsClient", True),
    "authorization": ("azure.mgmt.authorization.aio", "AuthorizationManagementClient", True),
}


@dataclass
class AzureSession:
    """Holds the credential and everything opened with it; ``await close()`` (or ``async with``) releases it all."""

    cloud: AzureCloudInfo
    credential: Any  # an azure.core AsyncTokenCredential
    subscriptions: list[str] = field(default_factory=list)
    read_only: bool = False
    connection_verify: str | None = None  # CA bundle path (the emulator's); never False
    polling_interval: float | None = None
    concurrency: int = 48  # requests in flight; ARM's budget per subscription paces them (pipeline.py)
    per_subscription: int | None = None
    retry: RetrySettings = field(default_factory=RetrySettings)
    journal: Journal = field(default_factory=Journal)
    owns_credential: bool = True
    target: str = "azure"  # azure | demo | emulator
    subscription_names: dict[str, str] = field(default_factory=dict)
    principal_hint: str | None = None  # the client id signed in, when known (errors name the principal)
    closers: list[Any] = field(default_factory=list)  # extra things to stop on close (the in-process emulator)
    emulator: Any = None  # the in-process emulator of a demo session (tests and the console's admin view)
    inventory: str = "auto"  # the listing path: arm | graph | auto (acrtui/azure/inventory_graph.py)

    def __post_init__(self) -> None:
        self.limiter = ConcurrencyLimiter(self.concurrency, self.per_subscription)
        self._clients: dict[tuple[str, str], Any] = {}
        self._http: Any = None  # the shared aiohttp.ClientSession, opened with the first client
        self._http_loop: asyncio.AbstractEventLoop | None = None
        self._reads: Any = None  # the lean read pipeline on that session (send_read)
        self._reads_http: Any = None

    def ssl_context(self) -> ssl.SSLContext:
        """The one verifying context of this session: the CA bundle's when one is given, else the system's."""
        if self.connection_verify:
            return ssl.create_default_context(cafile=self.connection_verify)
        return ssl.create_default_context()

    def _shared_http(self) -> Any:
        """The session's one ``aiohttp.ClientSession`` (one connector, one SSLContext), opened on first use;
        None outside a running event loop or on a loop other than the first."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        import aiohttp

        if self._http is not None and self._http_loop is not loop:
            return None  # a client made on another event loop (rare): its own transport, as before
        if self._http is None or self._http.closed:
            # a connection limit of its own is not needed: the concurrency limiter bounds requests in flight
            connector = aiohttp.TCPConnector(ssl=self.ssl_context(), limit=0, keepalive_timeout=30)
            # as azure-core opens its own (no cookies, bodies left compressed), except that the environment's
            # proxies are looked up once per host by the transport (env_proxy), not by aiohttp per request
            self._http = aiohttp.ClientSession(connector=connector, trust_env=False,
                                               cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False)
            self._http_loop = loop
        return self._http

    def transport(self) -> Any:
        """An azure-core transport over the session's shared ``aiohttp`` session; None outside a running event
        loop or on a loop other than the first (the client then builds its own)."""
        http = self._shared_http()
        return None if http is None else _transport_class()(session=http, session_owner=False)

    def _read_pipeline(self) -> Any:
        """The lean pipeline reads take (None where the shared transport is not available: the client's then).

        Kept: a client request id, the user agent, retry (408/429/5xx, Retry-After; a bad certificate is not
        retried), the read-only guard, the limiter (ARM's budget per subscription), the journal and ARM's bearer
        token with its claims challenge. Left out, because a read needs none of them: azure-core's
        content decoding (bodies are parsed once by the caller), redirects (ARM answers reads directly), resource
        provider auto-registration (a write, on a 409 that reads do not get), distributed tracing, HTTP logging
        and custom hooks (nothing in acrtui configures them) — ~20% of the CPU of a request through a client."""
        http = self._shared_http()
        if http is None:
            return None
        if self._reads is None or self._reads_http is not http:
            from azure.core.pipeline import AsyncPipeline
            from azure.core.pipeline.policies import UserAgentPolicy
            from azure.mgmt.core.policies import AsyncARMChallengeAuthenticationPolicy

            policies = [ClientRequestIdPolicy(), UserAgentPolicy("acrtui"),
                        TlsAwareRetryPolicy(**self.retry.kwargs()),
                        *build_policies(read_only=self.read_only, limiter=self.limiter, journal=self.journal),
                        AsyncARMChallengeAuthenticationPolicy(self.credential, *self.cloud.scopes)]
            self._reads = AsyncPipeline(_transport_class()(session=http, session_owner=False), policies)
            self._reads._acrtui_policies = policies
            self._reads_http = http
        return self._reads

    async def send_read(self, request: Any, *, stream: bool = False, kind: str = "subscriptions",
                        subscription_id: str | None = None) -> Any:
        """Send an ARM read (GET, HEAD, a read-only POST such as a Resource Graph query) through the lean read
        pipeline; anything else, or a read where that pipeline is not available, through the ``kind`` client's
        SDK pipeline. The response as ``send_request`` returns it (not raised on for its status)."""
        pipeline = self._read_pipeline() if is_read_only_request(request.method, request.url) else None
        if pipeline is None:
            return await self.client(kind, subscription_id)._client.send_request(request, stream=stream)
        return (await pipeline.run(request, stream=stream)).http_response

    def set_concurrency(self, total: int, per_subscription: int | None = None) -> None:
        """Change the limit (before clients are busy); used by benchmarks and the fleet loader."""
        self.limiter = ConcurrencyLimiter(total, per_subscription)
        for c in [*self._clients.values(), self._reads]:
            for p in getattr(c, "_acrtui_policies", []):
                if hasattr(p, "limiter"):
                    p.limiter = self.limiter

    def preload(self, *kinds: str) -> None:
        """Import these clients' SDK modules in a worker thread, so the second or so of CPU they cost overlaps
        the first requests instead of stalling the event loop when the client is first asked for."""
        mods = [CLIENTS[k][0] for k in kinds if CLIENTS[k][0] not in sys.modules]
        if mods:
            threading.Thread(target=lambda: [importlib.import_module(m) for m in mods], name="acrtui-preload",
                             daemon=True).start()

    def client(self, kind: str, subscription_id: str | None = None) -> Any:
        """The cached client of ``kind`` for a subscription (tenant-level kinds ignore it)."""
        module, cls_name, per_sub = CLIENTS[kind]
        sub = (subscription_id or (self.subscriptions[0] if self.subscriptions else "")) if per_sub else ""
        key = (kind, sub.lower())
        if key in self._clients:
            return self._clients[key]
        cls = getattr(importlib.import_module(module), cls_name)
        policies = build_policies(read_only=self.read_only, limiter=self.limiter, journal=self.journal)
        kw: dict[str, Any] = {
            "base_url": self.cloud.arm_endpoint,
            "credential_scopes": self.cloud.scopes,
            "per_retry_policies": policies,
            "retry_policy": TlsAwareRetryPolicy(**self.retry.kwargs()),  # a bad certificate fails at once
        }
        transport = self.transport()
        if transport is not None:
            kw["transport"] = transport  # verification is the shared context's (never off)
        elif self.connection_verify:
            kw["connection_verify"] = self.connection_verify
        if self.polling_interval is not None:
            kw["polling_interval"] = self.polling_interval
        client = cls(self.credential, sub, **kw) if per_sub else cls(self.credential, **kw)
        client._acrtui_policies = policies
        self._clients[key] = client
        return client

    async def raw(self, method: str, path: str, api_version: str, body: Any = None) -> dict[str, Any]:
        """An ARM call the SDKs do not cover (diagnostic settings): a read through the read pipeline (a GET as
        :meth:`get_json`), a write through a client's SDK pipeline."""
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest

        if method.upper() == "GET" and body is None:
            return await self.get_json("subscriptions", None, path, api_version)  # diagnostic settings: hot
        sep = "&" if "?" in path else "?"
        url = self.cloud.arm_endpoint.rstrip("/") + path + f"{sep}api-version={api_version}"
        req = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
        resp = await self.send_read(req)  # a write: any ARM client's pipeline (this one is loaded)
        if resp.status_code >= 400:
            raise HttpResponseError(response=resp)
        text = resp.text()
        return json.loads(text) if text else {}

    async def get_json(self, kind: str, subscription_id: str | None, path: str, api_version: str | None = None
                       ) -> dict[str, Any]:
        """One ARM GET as JSON through the read pipeline (auth, retry, read-only guard, limiter, journal);
        ``path`` may be a full URL (a nextLink) on the ARM endpoint. Errors raise as the SDK's would
        (``HttpResponseError`` with the status, ``ResourceNotFoundError`` for 404) so :func:`~.errors.translate`
        maps them the same.

        The hot path of a load (~90% of its requests): on the read pipeline it sends azure-core's transport-level
        ``HttpRequest``, whose response is a plain object; the ``azure.core.rest`` one wraps each response in
        compatibility attribute hooks that cost about as much CPU as the rest of azure-core per request."""
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
        from azure.core.rest import HttpRequest

        base = self.cloud.arm_endpoint.rstrip("/")
        url = path if path.startswith("https://") else base + path
        if url is path and not same_origin(url, base):  # a nextLink elsewhere: the ARM token goes to ARM only
            raise HttpResponseError(message=f"refused a link outside {base}: {redact_url(url)[:120]}")
        if api_version and "api-version=" not in url:
            url += ("&" if "?" in url else "?") + f"api-version={api_version}"
        pipeline = self._read_pipeline()
        if pipeline is not None:
            from azure.core.pipeline.transport import HttpRequest as TransportRequest

            resp = (await pipeline.run(TransportRequest("GET", url), stream=True)).http_response
            try:
                await resp.load_body()  # azure-core's errors for a broken body, decompressed by body()
            finally:
                await release_response(resp)
            body = resp.body()
        else:  # another event loop: the client's pipeline, where stream=True spares ContentDecodePolicy's parse
            resp = await self.client(kind, subscription_id)._client.send_request(HttpRequest("GET", url), stream=True)
            try:
                body = await resp.read()
            finally:
                await resp.close()
        if resp.status_code >= 400:
            raise (ResourceNotFoundError if resp.status_code == 404 else HttpResponseError)(response=resp)
        return json.loads(body) if body else {}

    async def list_json(self, kind: str, subscription_id: str | None, path: str, api_version: str
                        ) -> AsyncIterator[dict[str, Any]]:
        """Every item of an ARM list, page by page (``nextLink``), as JSON: the lists the inventory reads once
        skip the SDK's model deserialisation (and the re-serialisation the converters would need)."""
        url: str | None = path
        while url:
            page = await self.get_json(kind, subscription_id, url, api_version)
            for item in page.get("value") or []:
                yield item
            url = page.get("nextLink") or None

    async def list_all(self, kind: str, subscription_id: str | None, path: str, api_version: str
                       ) -> list[dict[str, Any]]:
        """:meth:`list_json` collected: a coroutine, not an async generator (each generator is registered with
        the event loop's weak set of async generators, tens of microseconds per list at fleet scale)."""
        out: list[dict[str, Any]] = []
        url: str | None = path
        while url:
            page = await self.get_json(kind, subscription_id, url, api_version)
            out += page.get("value") or []
            url = page.get("nextLink") or None
        return out

    async def list_subscriptions(self) -> dict[str, str]:
        """Every subscription the credential can see: id -> display name."""
        out: dict[str, str] = {}
        async for s in self.client("subscriptions").subscriptions.list():
            out[s.subscription_id] = s.display_name or s.subscription_id
        return out

    async def resolve_subscriptions(self) -> dict[str, str]:
        """The chosen subscriptions (``--subscription``) or, when none were given, all visible ones."""
        from .errors import translate

        async with translate():
            visible = await self.list_subscriptions()
        if self.subscriptions:
            low = {k.lower(): (k, v) for k, v in visible.items()}
            chosen = {}
            for s in self.subscriptions:
                if s.lower() not in low:
                    from ..errors import NotFound

                    raise NotFound(
                        f"Subscription {s} is not visible to the signed-in principal: check --subscription, the "
                        "tenant, and that you have at least Reader on it.", title="Subscription not found"
                    )
                k, name = low[s.lower()]
                chosen[k] = name
        else:
            chosen = visible
        self.subscriptions = list(chosen)
        self.subscription_names = dict(chosen)
        return chosen

    async def close(self) -> None:
        for c in list(self._clients.values()):
            await c.close()
        self._clients.clear()
        if self._http is not None:
            await self._http.close()
            self._http = self._http_loop = self._reads = self._reads_http = None
        if self.owns_credential and hasattr(self.credential, "close"):
            await self.credential.close()
        for c in self.closers:
            c()
        self.closers.clear()

    async def __aenter__(self) -> AzureSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
