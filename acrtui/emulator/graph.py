"""Microsoft Graph v1.0, the minimum the Azure CLI and acrtui need: ``/me``, service principals, ``getByIds``.

Served on the emulator's TLS server at ``<url>/<Graph host>/v1.0/…`` (e.g. ``https://127.0.0.1:PORT/graph.microsoft.com``),
like the registry data plane; the cloud metadata's ``microsoftGraphResourceId`` names that base, so the CLI's
``GraphClient`` (endpoint = resource id without its trailing '/') and its token scope both follow it.

Sources (Graph REST v1.0 reference, learn.microsoft.com/graph/api/…):
- ``user-get``: ``GET /me`` needs a delegated (user) token; an app-only token is 400 ``BadRequest`` "/me request is
  only valid with delegated authentication flow." (the message the Azure CLI quotes in
  ``azure/cli/command_modules/role/util.py`` before it falls back to a service-principal lookup).
- ``serviceprincipal-list``: ``GET /servicePrincipals`` with ``$filter`` (``servicePrincipalNames/any(c:c eq 'x')``,
  ``appId eq 'x'``, ``displayName eq 'x'``, ``id eq 'x'``), ``$top``; pages carry ``@odata.nextLink``.
- ``serviceprincipal-get``: ``GET /servicePrincipals/{id}`` and the alternate key ``/servicePrincipals(appId='{appId}')``;
  an unknown one is 404 ``Request_ResourceNotFound``.
- ``directoryobject-getbyids``: ``POST /directoryObjects/getByIds`` ``{"ids": [...], "types": [...]}``, up to 1000 ids;
  ids that match nothing are left out (no error); each object carries ``@odata.type``.
- Permissions: reading service principals needs Application.Read.All or Directory.Read.All (application
  permissions); without them Graph answers 403 ``Authorization_RequestDenied`` "Insufficient privileges to complete the
  operation." The emulator grants every principal directory read except those in :attr:`Graph.denied` (tests add
  principals there); admin consent and app roles are not modelled.
- Tokens (Graph "authentication and authorization basics"): a missing token is 401 ``InvalidAuthenticationToken``
  "Access token is empty."; a token for another audience (an ARM token) is 401 ``InvalidAuthenticationToken``
  "Access token validation failure. Invalid audience.".
- Managed identities are service principals with ``servicePrincipalType: ManagedIdentity`` and ``alternativeNames``
  ``["isExplicit=True", <identity resource id>]`` (user-assigned) or ``["isExplicit=False", <resource id>]``
  (system-assigned, named after the resource) — learn.microsoft.com "managed identities … view the service principal".

Unconfirmed (not documented exactly): more than 1000 ids is 400 ``Request_BadRequest``; a ``$filter`` outside the forms
above is 400 ``Request_UnsupportedQuery``; an unknown path segment is 400 ``BadRequest`` "Resource not found for the
segment …" (what Graph says for an unknown entity set). Users and groups are not emulated (the emulated tenant has
none): ``/users`` answers an empty collection.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from aiohttp import web

if TYPE_CHECKING:
    from .server import Emulator
    from .state import State

HOSTS = {
    "AzureCloud": "graph.microsoft.com",
    "AzureUSGovernment": "graph.microsoft.us",
    "AzureChinaCloud": "microsoftgraph.chinacloudapi.cn",
}
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"  # Microsoft Graph's application id: also a valid audience
MAX_IDS = 1000
_FILTERS = {
    "spn": re.compile(r"^servicePrincipalNames/any\((\w+):\1 eq '([^']*)'\)$", re.I),
    "eq": re.compile(r"^(appId|displayName|id) eq '([^']*)'$", re.I),
}


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        rid = secrets.token_hex(16)
        return {"error": {"code": self.code, "message": self.message,
                          "innerError": {"date": now, "request-id": rid, "client-request-id": rid}}}


@dataclass(frozen=True)
class DirectoryObject:
    object_id: str
    app_id: str
    display_name: str
    kind: str  # Application | ManagedIdentity
    resource_id: str | None = None  # the managed identity's resource (user-assigned) or the resource it belongs to
    explicit: bool = True  # user-assigned (True) or system-assigned (False)

    def body(self, tenant: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.servicePrincipal",
            "id": self.object_id,
            "deletedDateTime": None,
            "accountEnabled": True,
            "alternativeNames": [],
            "appDisplayName": self.display_name,
            "appId": self.app_id,
            "appOwnerOrganizationId": tenant if self.kind == "Application" else None,
            "displayName": self.display_name,
            "servicePrincipalNames": [self.app_id],
            "servicePrincipalType": self.kind,
            "signInAudience": "AzureADMyOrg" if self.kind == "Application" else None,
            "tags": [],
        }
        if self.resource_id:
            out["alternativeNames"] = [f"isExplicit={self.explicit}", self.resource_id]
            out["servicePrincipalNames"] = [self.app_id, f"https://identity.azure.net/{self.object_id}"]
        return out


def directory(state: State) -> dict[str, DirectoryObject]:
    """Every service principal of the tenant by lower-cased object id: signed-in apps, user-assigned identities
    (their resource found by ``principalId``) and system-assigned identities of any resource that has one."""
    owners: dict[str, tuple[str, str, bool]] = {}  # principal id -> (resource id, name, explicit)
    for res in state.resources.values():
        if res.type.lower() == "microsoft.managedidentity/userassignedidentities":
            pid = str(res.props.get("principalId") or "")
            if pid:
                owners[pid.lower()] = (res.id, str(res.body.get("name", "")), True)
            continue
        ident = res.body.get("identity")
        pid = str(ident.get("principalId") or "") if isinstance(ident, dict) else ""
        if pid:
            owners.setdefault(pid.lower(), (res.id, str(res.body.get("name", "")), False))
    out: dict[str, DirectoryObject] = {}
    for key, p in state.principals.items():
        rid, name, explicit = owners.pop(key, (None, p.display_name, True))
        kind = "Application" if p.kind == "ServicePrincipal" else "ManagedIdentity"
        out[key] = DirectoryObject(p.object_id, p.client_id, name or p.display_name, kind, rid, explicit)
    for key, (rid, name, explicit) in owners.items():  # identities ACR made without registering a principal
        out[key] = DirectoryObject(key, key, name, "ManagedIdentity", rid, explicit)
    return out


class Graph:
    """The Graph endpoint of one emulator; :attr:`denied` holds object ids refused directory reads (403)."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.denied: set[str] = set()

    @property
    def host(self) -> str:
        return HOSTS[self.emu.cloud]

    @property
    def base(self) -> str:
        """The resource id and endpoint clients are given: ``<url>/<Graph host>``."""
        return f"{self.emu.url}/{self.host}"

    async def handle(self, request: web.Request, sub: str) -> web.Response:
        try:
            status, body = await self._serve(request, sub)
        except GraphError as e:
            status, body = e.status, e.body()
        return web.Response(status=status, text=json.dumps(body), content_type="application/json",
                            headers={"request-id": secrets.token_hex(16)})

    def _authenticate(self, request: web.Request) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        claims = self.emu.tokens.validate(token.strip())
        if claims is None:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
        aud = str(claims.get("aud", "")).rstrip("/")
        if aud not in (self.base, f"https://{self.host}", GRAPH_APP_ID):
            raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
        oid = str(claims.get("oid", ""))
        if self.emu.state.principal(oid) is None:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure.")
        return oid

    async def _serve(self, request: web.Request, sub: str) -> tuple[int, Any]:
        oid = self._authenticate(request)
        segs = [unquote(s) for s in sub.strip("/").split("/")]
        if not segs or segs[0] != "v1.0":
            raise GraphError(400, "BadRequest", f"Invalid version: {segs[0] if segs else ''}")
        segs = segs[1:]
        method = request.method
        if segs == ["me"] and method == "GET":  # app-only tokens only: the emulated tenant has no users
            raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        if oid.lower() in self.denied:
            raise GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        objects = directory(self.emu.state)
        tenant = self.emu.state.tenant_id
        ctx = f"{self.base}/v1.0/$metadata#"
        if segs == ["servicePrincipals"] and method == "GET":
            return 200, self._page(request, [o.body(tenant) for o in self._filter(objects, request)], ctx + "servicePrincipals")
        if len(segs) == 1 and segs[0] == "users" and method == "GET":
            return 200, {"@odata.context": ctx + "users", "value": []}
        m = re.fullmatch(r"servicePrincipals\(appId='([^']*)'\)", segs[0]) if len(segs) == 1 else None
        if m and method == "GET":
            found = next((o for o in objects.values() if o.app_id.lower() == m.group(1).lower()), None)
            return 200, {"@odata.context": ctx + "servicePrincipals/$entity", **self._one(found, m.group(1), tenant)}
        if len(segs) == 2 and segs[0] == "servicePrincipals" and method == "GET":
            return 200, {"@odata.context": ctx + "servicePrincipals/$entity", **self._one(objects.get(segs[1].lower()), segs[1], tenant)}
        if len(segs) == 2 and segs[0] == "directoryObjects" and method == "GET":
            return 200, {"@odata.context": ctx + "directoryObjects/$entity", **self._one(objects.get(segs[1].lower()), segs[1], tenant)}
        if segs == ["directoryObjects", "getByIds"] and method == "POST":
            return 200, {"@odata.context": ctx + "directoryObjects", "value": self._by_ids(objects, await request.read(), tenant)}
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segs[0] if segs else ''}'.")

    @staticmethod
    def _one(obj: DirectoryObject | None, key: str, tenant: str) -> dict[str, Any]:
        if obj is None:
            raise GraphError(404, "Request_ResourceNotFound",
                             f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.")
        return obj.body(tenant)

    @staticmethod
    def _filter(objects: dict[str, DirectoryObject], request: web.Request) -> list[DirectoryObject]:
        expr = request.query.get("$filter", "").strip()
        rows = sorted(objects.values(), key=lambda o: o.object_id)
        if not expr:
            return rows
        if m := _FILTERS["spn"].match(expr):
            want = m.group(2).lower()
            return [o for o in rows if want in {n.lower() for n in o.body("")["servicePrincipalNames"]}]
        if m := _FILTERS["eq"].match(expr):
            field = {"appid": "app_id", "displayname": "display_name", "id": "object_id"}[m.group(1).lower()]
            return [o for o in rows if str(getattr(o, field)).lower() == m.group(2).lower()]
        raise GraphError(400, "Request_UnsupportedQuery", f"Unsupported or invalid query filter clause specified: '{expr}'.")

    def _page(self, request: web.Request, rows: list[dict[str, Any]], context: str) -> dict[str, Any]:
        try:
            top = int(request.query.get("$top", "100"))
            skip = int(request.query.get("$skiptoken", "0"))
        except ValueError as e:
            raise GraphError(400, "BadRequest", "Invalid $top or $skiptoken value.") from e
        size = max(1, min(top, 999, self.emu.config.page_size))
        out: dict[str, Any] = {"@odata.context": context, "value": rows[skip:skip + size]}
        if skip + size < len(rows):
            keep = [f"{quote(k)}={quote(v, safe='')}" for k, v in request.query.items() if k != "$skiptoken"]
            out["@odata.nextLink"] = f"{self.emu.url}{request.path}?" + "&".join([*keep, f"$skiptoken={skip + size}"])
        return out

    @staticmethod
    def _by_ids(objects: dict[str, DirectoryObject], raw: bytes, tenant: str) -> list[dict[str, Any]]:
        try:
            body = json.loads(raw or b"{}")
        except ValueError as e:
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from e
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise GraphError(400, "Request_BadRequest", "Invalid value specified for property 'ids' of resource 'directoryObject'.")
        if len(ids) > MAX_IDS:
            raise GraphError(400, "Request_BadRequest", f"Too many ids: at most {MAX_IDS} may be given.")
        types = {str(t).lower() for t in body.get("types") or ["directoryObject"]}
        if not types & {"serviceprincipal", "directoryobject"}:
            return []
        return [objects[i.lower()].body(tenant) for i in ids if i.lower() in objects]
