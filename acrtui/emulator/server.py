"""The HTTPS server: TLS from a throw-away CA, sign-in, ARM pipeline (auth, api-version, throttling, RBAC), admin.

Use in process with ``async with Emulator(seed="demo") as emu`` (same event loop) or
:class:`EmulatorThread` (own loop in a daemon thread, for synchronous callers such as a CLI or a TUI).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import secrets
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qsl

import trustme
from aiohttp import web

from . import providers  # noqa: F401  (registers every provider's routes)
from .apiversions import REGIONS, check_api_version, check_location, unknown_route
from .arm import ROUTES, ArmError, Ctx, Response, derive_action, match, settle
from .graph import Graph
from .identity import TokenIssuer, openid_configuration, token_response
from .knobs import EmulatorConfig, Faults, Throttle, retry_after_header
from .providers.dataplane import DataPlane
from .rbac import allowed, forbidden_message, has_any_role
from .seeds import build_seed
from .state import Principal, State

# POSTs that only read: a read-only client may send them, and they are not "writes" in the request log.
READ_POST_SUFFIXES = (
    "/checknameavailability",
    "/providers/microsoft.resourcegraph/resources",
    "/querystring",
    "/queryresults",
    "/summarize",
    "/getcallbackconfig",  # a registry webhook's URI and headers (changes nothing; still an action for RBAC)
    "/listcredentials",  # excluded from writes only in the log's sense; still an action for RBAC
)


@dataclass
class RequestRecord:
    seq: int
    time: float
    method: str
    path: str
    query: str
    status: int
    kind: str  # arm | token | admin | metadata | dataplane | graph
    principal: str | None = None  # client id
    principal_name: str | None = None
    api_version: str | None = None
    request_id: str | None = None
    started: float | None = None  # when the request arrived (``time`` is when its response was ready)
    in_flight: int = 0  # ARM requests being served when this one arrived, itself included: a client's concurrency
    connection: str | None = None  # the client's address and port: requests on one kept-alive connection share it

    @property
    def is_write(self) -> bool:
        if self.kind != "arm" or self.method in ("GET", "HEAD"):
            return False
        return not (self.method == "POST" and self.path.lower().rstrip("/").endswith(READ_POST_SUFFIXES[:-1]))

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["write"] = self.is_write
        return d


def _peer(request: web.Request) -> str | None:
    peer = request.transport.get_extra_info("peername") if request.transport is not None else None
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else None


@dataclass
class Login:
    """A seeded principal that can sign in with a client secret."""

    role: str
    client_id: str
    client_secret: str
    object_id: str


class Emulator:
    def __init__(
        self,
        seed: str = "empty",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        config: EmulatorConfig | None = None,
        state_file: str | Path | None = None,
        cloud: str = "AzureCloud",
    ) -> None:
        self.seed = seed
        self.host = host
        self.port = port
        self.config = config or EmulatorConfig()
        self.cloud = cloud
        self.state_file = Path(state_file) if state_file else None
        self.faults = Faults()
        self.throttle = Throttle(self.config)
        self.tokens = TokenIssuer(self.config.token_lifetime_s)
        self.dataplane = DataPlane(self)
        self.graph = Graph(self)
        self.admin_token = secrets.token_urlsafe(24)
        self.operations: dict[str, Any] = {}
        self.request_log: list[RequestRecord] = []
        self.on_request: Any = None  # called with each RequestRecord once logged (tests: stop the emulator mid-run)
        self._seq = 0
        self._in_flight = 0
        self._runner: web.AppRunner | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.url = ""
        self.ca_path = Path()
        if self.state_file and self.state_file.exists():
            self.state = State.load(self.state_file)
        else:
            self.state = build_seed(seed, cloud)

    # ---------------------------------------------------------------- lifecycle
    async def start(self) -> Emulator:
        ca = trustme.CA(organization_name="acrtui emulator CA")
        cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
        self._tmp = tempfile.TemporaryDirectory(prefix="acrtui-emulator-")
        self.ca_path = Path(self._tmp.name) / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=ctx)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"https://{self.host}:{self.port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.state_file:
            self.state.save(self.state_file)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def reset(self, seed: str | None = None) -> None:
        """Back to a freshly seeded state (same URL, CA and credentials)."""
        self.seed = seed or self.seed
        old = self.state
        self.state = build_seed(self.seed, self.cloud)
        for oid, p in self.state.principals.items():  # seeded principals keep their secrets: clients stay signed in
            before = old.principals.get(oid)
            if before is not None and before.secret and p.secret:
                p.secret = before.secret
        self.operations.clear()
        self.request_log.clear()
        self.faults.clear()

    # ---------------------------------------------------------------- facts for clients
    @property
    def tenant_id(self) -> str:
        return self.state.tenant_id

    @property
    def subscription_id(self) -> str:
        return next(iter(self.state.subscriptions.values()))["subscriptionId"]

    @property
    def subscription_ids(self) -> list[str]:
        return [s["subscriptionId"] for s in self.state.subscriptions.values()]

    def login(self, role: str = "owner") -> Login:
        oid = self.state.logins[role]
        p = self.state.principals[oid.lower()]
        assert p.secret is not None
        return Login(role, p.client_id, p.secret, p.object_id)

    def credential(self, role: str = "owner") -> Any:
        """A ready ``azure.identity.aio.ClientSecretCredential`` for a seeded principal (imported lazily: test use)."""
        from azure.identity.aio import ClientSecretCredential

        lg = self.login(role)
        return ClientSecretCredential(
            self.tenant_id,
            lg.client_id,
            lg.client_secret,
            authority=f"{self.host}:{self.port}",
            disable_instance_discovery=True,
            connection_verify=str(self.ca_path),
        )

    def env(self) -> dict[str, str]:
        owner, reader = self.login("owner"), self.login("reader")
        return {
            "ACRTUI_EMULATOR_URL": self.url,
            "ACRTUI_EMULATOR_CA": str(self.ca_path),
            "ACRTUI_EMULATOR_ADMIN_TOKEN": self.admin_token,
            "AZURE_TENANT_ID": self.tenant_id,
            "AZURE_CLIENT_ID": owner.client_id,
            "AZURE_CLIENT_SECRET": owner.client_secret,
            "AZURE_SUBSCRIPTION_ID": self.subscription_id,
            "ACRTUI_READER_CLIENT_ID": reader.client_id,
            "ACRTUI_READER_CLIENT_SECRET": reader.client_secret,
        }

    def env_lines(self) -> list[str]:
        return [f"{k}={v}" for k, v in self.env().items()]

    def writes(self, since: int = 0) -> list[RequestRecord]:
        return [r for r in self.request_log if r.seq > since and r.is_write]

    @property
    def last_seq(self) -> int:
        return self._seq

    def clock(self) -> float:
        return time.monotonic()

    # ---------------------------------------------------------------- operations
    def settle(self) -> None:
        """Finish every long-running operation whose time has come."""
        settle(self)

    # ---------------------------------------------------------------- HTTP
    def _record(self, request: web.Request, status: int, kind: str, p: Principal | None = None, rid: str | None = None,
                arrival: tuple[float | None, int] = (None, 0)) -> None:
        self._seq += 1
        rec = RequestRecord(
            seq=self._seq,
            time=time.time(),
            method=request.method,
            path=request.path,
            query=request.query_string,
            status=status,
            kind=kind,
            principal=p.client_id if p else None,
            principal_name=p.display_name if p else None,
            api_version=request.query.get("api-version"),
            request_id=rid,
            started=arrival[0],
            in_flight=arrival[1],
            connection=_peer(request),
        )
        self.request_log.append(rec)
        if self.on_request is not None:
            self.on_request(rec)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        low = path.lower()
        if low.startswith("/_emulator/"):
            return await self._admin(request)
        if low.lstrip("/").startswith("metadata/endpoints"):  # the Azure CLI asks for <ARM URL>/ + path: '//metadata'
            resp = web.json_response(self._cloud_metadata())
            self._record(request, 200, "metadata")
            return resp
        parts = low.strip("/").split("/")
        if self.dataplane.is_login_server(parts[0]):
            return await self._dataplane(request, path.strip("/").split("/")[0])
        if parts[0] == self.graph.host:
            return await self._graph(request, path.strip("/")[len(self.graph.host):])
        if request.method == "POST" and len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
            down = self._token_fault(request)
            if down is not None:
                return down
            form = dict(await request.post())
            status, body = token_response(self.state, self.tokens, path.strip("/").split("/")[0], {k: str(v) for k, v in form.items()})
            p = self.state.principal_by_client_id(str(form.get("client_id", ""))) if status == 200 else None
            self._record(request, status, "token", p)
            return web.json_response(body, status=status)
        if request.method == "GET" and low.endswith("/.well-known/openid-configuration"):
            tenant = path.strip("/").split("/")[0]
            self._record(request, 200, "metadata")
            return web.json_response(openid_configuration(self.url, tenant))
        return await self._arm(request)

    async def _dataplane(self, request: web.Request, login: str) -> web.StreamResponse:
        """``<url>/<login server>/…``: the registry data plane (providers/dataplane.py), with the fault knobs."""
        fault = self.faults.request_fault(request.method, request.path)
        if fault == "drop":
            self._drop(request, "dataplane")
        if fault in ("500", "503", "403", "429"):
            self._record(request, int(fault), "dataplane")
            code = {"403": "DENIED", "429": "TOOMANYREQUESTS"}.get(fault, "UNKNOWN")
            headers = {"Retry-After": "1"} if fault == "429" else {}
            return web.json_response({"errors": [{"code": code, "message": "Injected fault."}]}, status=int(fault),
                                     headers=headers)
        sub = request.path.strip("/")[len(login):] or "/"
        resp = await self.dataplane.handle(request, login, re.sub("/{2,}", "/", sub))
        self._record(request, resp.status, "dataplane")
        return resp

    def _drop(self, request: web.Request, kind: str) -> NoReturn:
        """An injected dropped connection (logged with status 0): the client sees a reset, not an answer."""
        self._record(request, 0, kind)
        if request.transport is not None:
            request.transport.abort()
        raise ConnectionResetError("injected dropped connection")

    def _token_fault(self, request: web.Request) -> web.Response | None:
        """An injected fault on the token endpoint: the identity platform's OAuth error body (RFC 6749 5.2;
        ``temporarily_unavailable`` for 5xx as Entra ID sends it), or a dropped connection."""
        fault = self.faults.token_fault(request.method, request.path)
        if fault is None:
            return None
        if fault == "drop":
            self._drop(request, "token")
        self._record(request, int(fault), "token")
        code = {"403": "unauthorized_client", "429": "temporarily_unavailable"}.get(fault, "temporarily_unavailable")
        headers = {"Retry-After": "1"} if fault == "429" else {}
        return web.json_response({"error": code, "error_description": "AADSTS90033: Injected fault.",
                                  "error_codes": [90033]}, status=int(fault), headers=headers)

    async def _graph(self, request: web.Request, sub: str) -> web.StreamResponse:
        """``<url>/<Graph host>/v1.0/…``: Microsoft Graph (graph.py), with the fault knobs."""
        fault = self.faults.request_fault(request.method, request.path)
        if fault == "drop":
            self._drop(request, "graph")
        if fault in ("500", "503"):
            self._record(request, int(fault), "graph")
            return web.json_response({"error": {"code": "serviceNotAvailable", "message": "Injected fault."}}, status=int(fault))
        resp = await self.graph.handle(request, sub)
        self._record(request, resp.status, "graph")
        return resp

    async def _arm(self, request: web.Request) -> web.StreamResponse:
        self._in_flight += 1
        try:
            return await self._arm_request(request, (time.time(), self._in_flight))
        finally:
            self._in_flight -= 1

    async def _arm_request(self, request: web.Request, arrival: tuple[float, int]) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        principal: Principal | None = None
        headers = {"x-ms-request-id": request_id, "x-ms-correlation-request-id": request.headers.get("x-ms-correlation-request-id", request_id)}
        # ARM ignores empty path segments; the CLI sends some ('az resource show -g … --resource-type NS/type'
        # builds '/providers/NS//type/name' when there is no parent resource).
        path = re.sub("/{2,}", "/", request.path)
        fault = self.faults.request_fault(request.method, path)
        if fault == "drop":
            self._record(request, 0, "arm", None, request_id, arrival)
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("injected dropped connection")
        if self.config.latency_ms or self.config.jitter_ms:
            await asyncio.sleep((self.config.latency_ms + random.uniform(0, self.config.jitter_ms)) / 1000.0)
        try:
            if fault in ("500", "503"):
                raise ArmError(int(fault), "InternalServerError" if fault == "500" else "ServiceUnavailable", "Injected fault.")
            principal = self._authenticate(request)
            if fault == "403":
                action, scope = derive_action(request.method, path)
                raise ArmError(403, "AuthorizationFailed", forbidden_message(principal, action, scope))
            if fault == "429":
                sub = path.strip("/").split("/")[1] if path.lower().startswith("/subscriptions/") else "-"
                wait = retry_after_header(self.config.retry_after_ms / 1000.0)
                raise ArmError(429, "SubscriptionRequestsThrottled",
                               f"Number of requests for subscription '{sub}' actor '{principal.object_id}' exceeded. "
                               f"Please try again after '{wait}' seconds after the additional tokens are available.",
                               headers={"Retry-After": wait})
            query = {k.lower(): v for k, v in request.query.items()}
            version = query.get("api-version")
            if not version:
                raise ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
            self.settle()
            method = request.method
            found = match(method, path)
            if found is None:
                raise unknown_route(path, version) or ArmError(404, "NoRegisteredProviderFound", f"No registered resource provider found for path '{path}' and API version '{version}'.")
            body: Any = None
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError as exc:
                    raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.") from exc
            self._check_api_version(path, version, body)
            route, params = found
            self._check_subscription(principal, path, headers, method)
            action, scope = derive_action(method, path)
            if route.action:
                action = route.action
            if route.rbac and not allowed(self.state, principal.object_id, action, scope):
                raise ArmError(403, "AuthorizationFailed", forbidden_message(principal, action, scope))
            if method == "PUT" and isinstance(body, dict) and isinstance(body.get("location"), str):
                body["location"] = check_location(self.state.cloud, path, body["location"])
            ctx = Ctx(method, path, query, body, principal, self.state, self.url, self)
            result = route.handler(ctx, params)
            if asyncio.iscoroutine(result):
                result = await result
            assert isinstance(result, Response)
            resp_headers = {**headers, **result.headers}
            status = result.status
            payload = None if result.body is None or method == "HEAD" else json.dumps(result.body)
            if method not in ("GET", "HEAD") and self.state_file:
                self.state.save(self.state_file)
        except ArmError as e:
            status = e.status
            resp_headers = {**headers, **e.headers, "x-ms-failure-cause": "gateway"}
            payload = json.dumps(e.body())
        self._record(request, status, "arm", principal, request_id, arrival)
        return web.Response(status=status, text=payload, headers=resp_headers, content_type="application/json" if payload is not None else None)

    def _authenticate(self, request: web.Request) -> Principal:
        """ARM's 401s, each with a ``WWW-Authenticate`` challenge saying what was wrong.

        Codes and texts: ``AuthenticationFailed`` for a missing header; ``InvalidAuthenticationToken`` for a
        malformed or forged token; ``ExpiredAuthenticationToken`` "The access token expiry UTC time '<exp>' is
        earlier than current UTC time '<now>'." (ARM's text as quoted in microsoft/foundry-dev-tools#461 and
        microsoft/vscode-azureappservice#2483). The challenge is RFC 6750 §3's ``Bearer ... error="invalid_token",
        error_description="..."`` with ARM's ``authorization_uri`` (the authority to sign in at), as
        azure-mgmt-core's ARMChallengeAuthenticationPolicy parses it; the exact ``error_description`` texts are
        unconfirmed.
        """
        auth = request.headers.get("Authorization", "")

        def challenge(why: str) -> dict[str, str]:
            return {"WWW-Authenticate": f'Bearer authorization_uri="{self.url}/{self.state.tenant_id}", error="invalid_token", error_description="{why}"'}

        if not auth:
            raise ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                           headers=challenge("The authentication failed because of missing 'Authorization' header."))
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer":
            raise ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.",
                           headers=challenge("The authentication scheme of Bearer is required."))
        claims, problem = self.tokens.inspect(token.strip())
        if problem == "expired":
            fmt = "%-m/%-d/%Y %-I:%M:%S %p"
            exp, now = time.strftime(fmt, time.gmtime(claims.get("exp", 0))), time.strftime(fmt, time.gmtime())
            raise ArmError(401, "ExpiredAuthenticationToken", f"The access token expiry UTC time '{exp}' is earlier than current UTC time '{now}'.",
                           headers=challenge("The access token has expired."))
        if problem:
            raise ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.",
                           headers=challenge("The access token could not be validated."))
        p = self.state.principal(claims["oid"])
        if p is None:
            raise ArmError(401, "InvalidAuthenticationToken", "The access token's principal no longer exists.",
                           headers=challenge("The principal of the access token was not found."))
        return p

    def _check_api_version(self, path: str, version: str, body: Any) -> None:
        """ARM's api-version rules (see :mod:`.apiversions`); the message names the resource's location."""
        existing = self.state.get(path)
        loc = existing.body.get("location") if existing else body.get("location") if isinstance(body, dict) else None
        check_api_version(path, version, loc if isinstance(loc, str) else None, list(REGIONS.get(self.state.cloud, REGIONS["AzureCloud"])))

    def _check_subscription(self, p: Principal, path: str, headers: dict[str, str], method: str) -> None:
        segs = path.strip("/").split("/")
        if len(segs) < 2 or segs[0].lower() != "subscriptions":
            return
        sub = segs[1]
        if self.state.subscription(sub) is None:
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
        # ARM reports what is left of the caller's bucket on every response, e.g.
        # ``x-ms-ratelimit-remaining-subscription-reads`` (Learn, "Understand how Azure Resource Manager throttles
        # requests", remaining requests); clients pace themselves by it.
        ok, kind, remaining, wait = self.throttle.take(sub, method, p.object_id)
        headers[f"x-ms-ratelimit-remaining-subscription-{kind}"] = str(remaining)
        if not ok:
            raise ArmError(
                429,
                "SubscriptionRequestsThrottled",
                f"Number of '{kind[:-1]}' requests for subscription '{sub}' actor '{p.object_id}' exceeded. Please try again after '{retry_after_header(wait)}' seconds after the additional tokens are available.",
                headers={"Retry-After": retry_after_header(wait), f"x-ms-ratelimit-remaining-subscription-{kind}": "0"},
            )
        if not has_any_role(self.state, p.object_id, f"/subscriptions/{sub}"):
            action, scope = derive_action(method, path)
            raise ArmError(403, "AuthorizationFailed", forbidden_message(p, action, scope))

    def _cloud_metadata(self) -> dict[str, Any]:
        suffix = self.state.suffix("acr")
        return {
            "portal": self.url + "/",
            "gallery": self.url + "/",
            "graph": "https://graph.windows.net/",
            "graphAudience": "https://graph.windows.net/",
            "authentication": {"loginEndpoint": self.url + "/", "audiences": [f"{self.url}/", "https://management.core.windows.net/"], "tenant": "common", "identityProvider": "AAD"},
            "media": self.url + "/",
            "activeDirectoryDataLake": "https://datalake.azure.net/",
            "batch": "https://batch.core.windows.net/",
            "resourceManager": self.url + "/",
            "vmImageAliasDoc": "",
            "sqlManagement": "https://management.core.windows.net:8443/",
            "microsoftGraphResourceId": self.graph.base + "/",
            "appInsightsResourceId": "https://api.applicationinsights.io",
            "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
            "attestationResourceId": "https://attest.azure.net",
            "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
            "logAnalyticsResourceId": "https://api.loganalytics.io",
            "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
            "suffixes": {
                "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
                "acrLoginServer": suffix,
                "sqlServerHostname": "database.windows.net",
                "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
                "keyVaultDns": self.state.suffix("vault"),
                "storage": "core.windows.net",
                "azureFrontDoorEndpointSuffix": "azurefd.net",
                "storageSyncEndpointSuffix": "afs.azure.net",
                "mhsmDns": "managedhsm.azure.net",
                "mysqlServerEndpoint": "mysql.database.azure.com",
                "postgresqlServerEndpoint": "postgres.database.azure.com",
                "mariadbServerEndpoint": "mariadb.database.azure.com",
                "synapseAnalytics": "dev.azuresynapse.net",
                "attestationEndpoint": "attest.azure.net",
            },
            "batchResourceId": "https://batch.core.windows.net/",
            "name": "acrtui-emulator",
        }

    # ---------------------------------------------------------------- admin
    async def _admin(self, request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        if not secrets.compare_digest(auth, f"Bearer {self.admin_token}"):
            self._record(request, 401, "admin")
            return web.json_response({"error": {"code": "Unauthorized", "message": "The admin endpoints take the emulator's admin token."}}, status=401)
        what = request.path.lower().removeprefix("/_emulator/").strip("/")
        status, body = 200, {}  # type: int, Any
        if what == "requests" and request.method == "GET":
            since = int(request.query.get("since", "0"))
            method = request.query.get("method")
            rows = [r.to_json() for r in self.request_log if r.seq > since and (not method or r.method == method.upper())]
            if request.query.get("writes") in ("1", "true"):
                rows = [r for r in rows if r["write"]]
            body = {"value": rows, "lastSeq": self._seq}
        elif what == "requests" and request.method == "DELETE":
            self.request_log.clear()
            body = {"lastSeq": self._seq}
        elif what == "faults" and request.method == "GET":
            body = {"value": [r.to_json() for r in self.faults.rules]}
        elif what == "faults" and request.method in ("POST", "PUT"):
            data = await request.json()
            if request.method == "PUT":
                self.faults.clear()
            try:
                for f in data if isinstance(data, list) else [data]:
                    self.faults.add(str(f["kind"]), f.get("path", ".*"), f.get("method", "*"), float(f.get("rate", 1.0)), f.get("count"))
            except (KeyError, ValueError, TypeError) as e:
                status, body = 400, {"error": {"code": "InvalidFault", "message": str(e)}}
            else:
                body = {"value": [r.to_json() for r in self.faults.rules]}
        elif what == "faults" and request.method == "DELETE":
            self.faults.clear()
        elif what == "state" and request.method == "GET":
            body = self.state.to_json()
        elif what == "config" and request.method in ("GET", "PATCH"):
            if request.method == "PATCH":
                for k, v in (await request.json()).items():
                    if not hasattr(self.config, k):
                        return web.json_response({"error": {"code": "InvalidSetting", "message": f"unknown setting {k}"}}, status=400)
                    setattr(self.config, k, type(getattr(self.config, k))(v))
            body = asdict(self.config)
        elif what == "reset" and request.method == "POST":
            self.reset(request.query.get("seed"))
        else:
            status, body = 404, {"error": {"code": "NotFound", "message": f"no admin endpoint {request.method} /_emulator/{what}"}}
        self._record(request, status, "admin")
        return web.json_response(body, status=status)


def routes_table() -> list[str]:
    return [f"{r.method} {r.template}" for r in ROUTES]


class EmulatorThread:
    """Runs an :class:`Emulator` on its own event loop in a daemon thread, for synchronous callers."""

    def __init__(self, seed: str = "empty", **kwargs: Any) -> None:
        self.emulator = Emulator(seed, **kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Emulator:
        ready = threading.Event()
        error: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.emulator.start())
            except BaseException as e:
                error.append(e)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.emulator.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="acrtui-emulator", daemon=True)
        self._thread.start()
        ready.wait()
        if error:
            raise error[0]
        return self.emulator

    def call(self, fn: Any, *args: Any) -> Any:
        """Run ``fn`` on the emulator's loop (state is not thread-safe) and return its result."""
        assert self._loop is not None

        async def wrapper() -> Any:
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(wrapper(), self._loop).result()

    def kill(self) -> None:
        """Like ``kill -9``: every open connection is reset and the port closes, mid-request or not. Safe to call
        from the emulator's own loop (a request hook): it schedules the kill and returns."""
        loop = self._loop
        if loop is None:
            return

        async def die() -> None:
            runner = self.emulator._runner
            if runner is not None:
                for site in runner.sites:
                    listener = site._server  # type: ignore[attr-defined]
                    if listener is not None:
                        listener.close()  # no new connections
            loop = asyncio.get_running_loop()
            # every socket of this loop, handshaking or serving: a reset, not a TLS goodbye that needs the loop
            for transport in list(getattr(loop, "_transports", {}).values()):
                if transport is not None and not transport.is_closing():
                    transport.abort()
            loop.stop()

        asyncio.run_coroutine_threadsafe(die(), loop)

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            with contextlib.suppress(RuntimeError):  # already gone (killed)
                self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def running(seed: str = "empty", **kwargs: Any) -> Iterator[Emulator]:
    with EmulatorThread(seed, **kwargs) as emu:
        yield emu


def parse_form(raw: str) -> dict[str, str]:
    return dict(parse_qsl(raw))
