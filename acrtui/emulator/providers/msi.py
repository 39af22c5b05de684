"""Microsoft.ManagedIdentity: user-assigned identities, and the system-assigned identity of any resource by scope.

Served for azure-mgmt-msi 7.x (api-version 2024-11-30): create_or_update answers 201 (new) or 200 (update), update
(PATCH) 200, get 200, delete 200/204, lists are paged. Every identity is also a principal in the tenant
(``state.add_principal(..., kind="ManagedIdentity")``), so role assignments and Key Vault access policies can name
it by its principal (object) id; deleting the identity removes the principal but, as in Azure, not the role
assignments or the references other resources hold to it.

For other providers: :func:`user_assigned_entry` gives the ``{principalId, clientId}`` an ARM body shows under
``identity.userAssignedIdentities``, :func:`new_system_assigned` makes a resource's system-assigned identity.

Unconfirmed (no public source pins these down; what the emulator does):
- principalId/clientId are GUIDs derived from the identity id and the creation time, so seeds are stable and a
  delete + re-create gets new ones, as in Azure.
- Invalid name (3-128 characters, letters, digits, hyphens and underscores, starting with a letter or digit):
  400 ``InvalidResourceName``. Changing an existing identity's location: 400 ``InvalidResourceLocation``.
- ``isolationScope`` defaults to ``None`` and accepts ``None``/``Regional``; PATCH replaces ``tags`` whole.
- get_by_scope for a resource without a system-assigned identity: 404 ``ResourceNotFound``; ``clientSecretUrl`` is a
  made-up URL in the documented shape.
"""

from __future__ import annotations

import re
from typing import Any

from .. import hooks
from ..arm import ArmError, Ctx, Response, bad_request, get_ci, page, parse_id, res_id, route, system_data
from ..state import Principal, Resource, State, stable_uuid
from .resources import require_rg

MI_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
SYSTEM_TYPE = "Microsoft.ManagedIdentity/identities"
NAME_RX = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$")
ISOLATION = {"none": "None", "regional": "Regional"}


def _unique_ids(state: State, seed: str) -> tuple[str, str]:
    """A principal id and a client id, deterministic for a seed, never clashing with an existing principal."""
    n = 0
    while True:
        oid = stable_uuid("mi-principal", seed, str(n))
        cid = stable_uuid("mi-client", seed, str(n))
        if state.principal(oid) is None and state.principal_by_client_id(cid) is None:
            return oid, cid
        n += 1



def _isolation(value: Any) -> str:
    v = ISOLATION.get(str(value).lower())
    if v is None:
        raise bad_request("BadRequest", f"The value '{value}' of isolationScope is not valid. Allowed values: None, Regional.")
    return v


def add_identity(
    state: State,
    sub: str,
    rg: str,
    name: str,
    location: str,
    *,
    tags: dict[str, str] | None = None,
    isolation_scope: str = "None",
    principal: Principal | None = None,
) -> Resource:
    """Create a user-assigned identity in process (seeds); same body and principal registration as a PUT."""
    rid = res_id(sub, rg, MI_TYPE, name)
    oid, cid = _unique_ids(state, f"{rid.lower()}@{state.now_iso()}")
    body = {
        "id": rid,
        "name": name,
        "type": MI_TYPE,
        "location": location.lower().replace(" ", ""),
        "tags": dict(tags or {}),
        "systemData": system_data(state, principal),
        "properties": {"tenantId": state.tenant_id, "principalId": oid, "clientId": cid, "isolationScope": _isolation(isolation_scope)},
    }
    state.add_principal(Principal(object_id=oid, client_id=cid, display_name=name, secret=None, kind="ManagedIdentity"))
    return state.put(rid, body)


def user_assigned_entry(state: State, identity_id: str) -> dict[str, str] | None:
    """``{principalId, clientId}`` for an identity id, as ``identity.userAssignedIdentities`` shows it; None if absent."""
    res = state.get(identity_id)
    if res is None or res.type.lower() != MI_TYPE.lower():
        return None
    return {"principalId": res.props["principalId"], "clientId": res.props["clientId"]}


def new_system_assigned(state: State, resource_id: str, display_name: str) -> dict[str, str]:
    """Register a system-assigned identity for a resource; returns ``{principalId, tenantId}`` for its body."""
    oid, cid = _unique_ids(state, f"system:{resource_id.lower()}@{state.now_iso()}")
    state.add_principal(Principal(object_id=oid, client_id=cid, display_name=display_name, secret=None, kind="ManagedIdentity"))
    return {"principalId": oid, "tenantId": state.tenant_id}


# ---------------------------------------------------------------- routes

IDS = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"


def _get(ctx: Ctx, p: dict[str, str]) -> Resource:
    require_rg(ctx, p["sub"], p["rg"])
    res = ctx.state.get(res_id(p["sub"], p["rg"], MI_TYPE, p["name"]))
    if res is None:
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource '{MI_TYPE}/{p['name']}' under resource group '{p['rg']}' was not found. For more details "
            "please go to https://aka.ms/ARMResourceNotFoundFix",
        )
    return res


@route("PUT", IDS + "/{name}")
def put_identity(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    name = p["name"]
    if not NAME_RX.match(name):
        raise bad_request(
            "InvalidResourceName",
            f"Resource name '{name}' is invalid. The name can be 3-128 characters long, must start with a letter or "
            "number, and can contain only letters, numbers, hyphens and underscores.",
        )
    data = ctx.json()
    location = get_ci(data, "location")
    if not location:
        raise bad_request("LocationRequired", "The location property is required for this definition.")
    loc = str(location).lower().replace(" ", "")
    props = get_ci(data, "properties") or {}
    tags = get_ci(data, "tags")
    rid = res_id(p["sub"], p["rg"], MI_TYPE, name)
    existing = ctx.state.get(rid)
    if existing is not None:
        if existing.body["location"] != loc:
            raise ArmError(
                400,
                "InvalidResourceLocation",
                f"The resource '{existing.body['name']}' already exists in location '{existing.body['location']}' in "
                f"resource group '{p['rg']}'. A resource with the same name cannot be created in location '{loc}'. "
                "Please select a new resource name.",
            )
        body = {
            **existing.body,
            "tags": dict(tags) if isinstance(tags, dict) else {},
            "systemData": system_data(ctx.state, ctx.principal, existing.body.get("systemData")),
            "properties": {**existing.props, "isolationScope": _isolation(get_ci(props, "isolationScope") or "None")},
        }
        hooks.before_write(ctx, rid, body)
        ctx.state.put(rid, body)
        return Response(200, body)
    scope = _isolation(get_ci(props, "isolationScope") or "None")
    preview: dict[str, Any] = {"id": rid, "name": name, "type": MI_TYPE, "location": loc, "tags": dict(tags) if isinstance(tags, dict) else {}}
    hooks.before_write(ctx, rid, preview)
    res = add_identity(ctx.state, p["sub"], p["rg"], name, loc, tags=preview["tags"], isolation_scope=scope, principal=ctx.principal)
    return Response(201, res.body)


@route("PATCH", IDS + "/{name}")
def patch_identity(ctx: Ctx, p: dict[str, str]) -> Response:
    res = _get(ctx, p)
    data = ctx.json()
    body = {**res.body, "properties": dict(res.props)}
    location = get_ci(data, "location")
    if location and str(location).lower().replace(" ", "") != res.body["location"]:
        raise ArmError(400, "InvalidResourceLocation", f"The location of '{res.body['name']}' cannot be changed from '{res.body['location']}'.")
    tags = get_ci(data, "tags")
    if isinstance(tags, dict):
        body["tags"] = dict(tags)
    scope = get_ci(get_ci(data, "properties") or {}, "isolationScope")
    if scope is not None:
        body["properties"]["isolationScope"] = _isolation(scope)
    body["systemData"] = system_data(ctx.state, ctx.principal, res.body.get("systemData"))
    hooks.before_write(ctx, res.id, body)
    ctx.state.put(res.id, body)
    return Response(200, body)


@route("GET", IDS + "/{name}")
def get_identity(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _get(ctx, p).body)


@route("DELETE", IDS + "/{name}")
def delete_identity(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    res = ctx.state.delete(res_id(p["sub"], p["rg"], MI_TYPE, p["name"]))
    if res is None:
        return Response(204)
    ctx.state.principals.pop(str(res.props.get("principalId", "")).lower(), None)
    return Response(200)


@route("GET", IDS)
def list_identities_rg(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    return page(ctx, [r.body for r in ctx.state.of_type(MI_TYPE, f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}")])


@route("GET", "/subscriptions/{sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities")
def list_identities_sub(ctx: Ctx, p: dict[str, str]) -> Response:
    return page(ctx, [r.body for r in ctx.state.of_type(MI_TYPE, f"/subscriptions/{p['sub']}")])


@route("GET", "{scope*}/providers/Microsoft.ManagedIdentity/identities/default")
def get_system_assigned(ctx: Ctx, p: dict[str, str]) -> Response:
    scope = p["scope"].rstrip("/")
    res = ctx.state.get(scope)
    ident = res.body.get("identity") if res is not None else None
    kind = str(ident.get("type", "")) if isinstance(ident, dict) else ""
    if res is None or not isinstance(ident, dict) or "systemassigned" not in kind.lower() or not ident.get("principalId"):
        raise ArmError(404, "ResourceNotFound", f"The resource '{scope}' has no system-assigned managed identity.")
    oid = str(ident["principalId"])
    known = ctx.state.principal(oid)
    cid = known.client_id if known else stable_uuid("mi-client", "system", oid.lower())
    tenant = str(ident.get("tenantId") or ctx.state.tenant_id)
    info = parse_id(res.id)
    loc = str(res.body.get("location", "global"))
    return Response(
        200,
        {
            "id": f"{res.id}/providers/{SYSTEM_TYPE}/default",
            "name": "default",
            "type": SYSTEM_TYPE,
            "location": loc,
            "tags": dict(res.body.get("tags") or {}),
            "properties": {
                "tenantId": tenant,
                "principalId": oid,
                "clientId": cid,
                "clientSecretUrl": (
                    f"https://control-{loc}.identity.azure.net/subscriptions/{info.get('subscription', '')}/resourcegroups/"
                    f"{info.get('resourceGroup', '')}/providers/{res.type}/{res.body.get('name', '')}/credentials/v2/"
                    f"systemassigned?arpid={stable_uuid('arpid', oid.lower())}&tid={tenant}&oid={oid}&aid={cid}"
                ),
            },
        },
    )
