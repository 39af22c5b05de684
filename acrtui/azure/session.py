"""One session per (cloud, credential): subscriptions, lazily built and cached async clients, shared pipeline.

Management SDK modules are heavy (azure-mgmt-network alone takes about a second to import), so each client
class is imported the first time it is asked for.

Every client of a session shares one ``aiohttp`` session, one connector and one ``SSLContext`` (built once from
the CA bundle, verification on). Given a CA bundle path, azure-core's aiohttp transport builds
``ssl.create_default_context(cafile=...)`` for every request and aiohttp pools connections per context, so each
request paid a fresh TCP + TLS handshake; with one context the connector keeps connections alive per host.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import ssl
import sys
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from .clouds import AzureCloudInfo
from .pipeline import ConcurrencyLimiter, Journal, TlsAwareRetryPolicy, build_policies
from .target_options import RetrySettings

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

    def ssl_context(self) -> ssl.SSLContext:
        """The one verifying context of this session: the CA bundle's when one is given, else the system's."""
        if self.connection_verify:
            return ssl.create_default_context(cafile=self.connection_verify)
        return ssl.create_default_context()

    def transport(self) -> Any:
        """An azure-core transport over the session's shared ``aiohttp`` session (one connector, one SSLContext);
        None outside a running event loop or on a loop other than the first (the client then builds its own)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        import aiohttp
        from azure.core.pipeline.transport import AioHttpTransport

        if self._http is not None and self._http_loop is not loop:
            return None  # a client made on another event loop (rare): its own transport, as before
        if self._http is None or self._http.closed:
            # a connection limit of its own is not needed: the concurrency limiter bounds requests in flight
            connector = aiohttp.TCPConnector(ssl=self.ssl_context(), limit=0, keepalive_timeout=30)
            # as azure-core opens its own: proxies from the environment, no cookies, bodies left compressed
            self._http = aiohttp.ClientSession(connector=connector, trust_env=True,
                                               cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False)
            self._http_loop = loop
        return AioHttpTransport(session=self._http, session_owner=False)

    def set_concurrency(self, total: int, per_subscription: int | None = None) -> None:
        """Change the limit (before clients are busy); used by benchmarks and the fleet loader."""
        self.limiter = ConcurrencyLimiter(total, per_subscription)
        for c in self._clients.values():
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
        """An ARM call the SDKs do not cover (diagnostic settings), through the same pipeline as every client."""
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest

        sep = "&" if "?" in path else "?"
        url = self.cloud.arm_endpoint.rstrip("/") + path + f"{sep}api-version={api_version}"
        req = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
        resp = await self.client("subscriptions").send_request(req)  # any ARM client's pipeline; this one is loaded
        if resp.status_code >= 400:
            raise HttpResponseError(response=resp)
        text = resp.text()
        return json.loads(text) if text else {}

    async def get_json(self, kind: str, subscription_id: str | None, path: str, api_version: str | None = None
                       ) -> dict[str, Any]:
        """One ARM GET as JSON through the ``kind`` client's pipeline (auth, retry, read-only guard, limiter,
        journal); ``path`` may be a full URL (a nextLink). Errors raise as the SDK's would (``HttpResponseError``
        with the status, ``ResourceNotFoundError`` for 404) so :func:`~.errors.translate` maps them the same."""
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
        from azure.core.rest import HttpRequest

        url = path if path.startswith("https://") else self.cloud.arm_endpoint.rstrip("/") + path
        if api_version and "api-version=" not in url:
            url += ("&" if "?" in url else "?") + f"api-version={api_version}"
        # stream=True: azure-core's ContentDecodePolicy would parse the body too, for nobody; it is parsed once here
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
            self._http = self._http_loop = None
        if self.owns_credential and hasattr(self.credential, "close"):
            await self.credential.close()
        for c in self.closers:
            c()
        self.closers.clear()

    async def __aenter__(self) -> AzureSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
