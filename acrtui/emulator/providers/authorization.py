"""Microsoft.Authorization RBAC: built-in role definitions, role assignments at any scope, and the caller's
permissions at a scope.

## Unconfirmed

- ``permissions`` (api-version 2022-04-01, REST spec Permissions_ListForResourceGroup / Permissions_ListForResource,
  SDK ``azure.mgmt.authorization`` ``PermissionGetResult`` of ``Permission``): one entry per distinct role the
  caller holds at or above the scope, carrying that role's actions/notActions/dataActions/notDataActions unmerged
  (so each role's notActions stay its own). Azure's exact grouping of entries is not documented. A group or resource
  that does not exist is 404 ``ResourceGroupNotFound`` / ``ResourceNotFound``, as for role assignments. Served
  at any scope the route matches; Azure documents only resource groups and resources. Any signed-in caller may
  ask about its own permissions (no RBAC check of its own): where no role applies the answer is an empty list.
"""

from __future__ import annotations

from typing import Any

from ..arm import ArmError, Ctx, Response, get_ci, page, route
from ..rbac import ASSIGNMENT_TYPE, BUILTIN_ROLES, permissions_at, role_definition_body, role_guid_from_id

MI_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"


def _scope_exists(ctx: Ctx, scope: str) -> None:
    segs = scope.strip("/").split("/")
    if len(segs) > 2 and ctx.state.get(scope) is None:
        kind = "ResourceGroupNotFound" if len(segs) == 4 else "ResourceNotFound"
        raise ArmError(404, kind, f"The scope '{scope}' was not found.")


@route("GET", "{scope*}/providers/Microsoft.Authorization/roleDefinitions")
def list_role_definitions(ctx: Ctx, p: dict[str, str]) -> Response:
    scope = p["scope"] or "/"
    items = [role_definition_body(scope if scope != "/" else "", g) for g in BUILTIN_ROLES]
    flt = ctx.query.get("$filter", "")
    if "rolename eq" in flt.lower():
        want = flt.split("'")[1].lower()
        items = [i for i in items if i["properties"]["roleName"].lower() == want]
    return page(ctx, items)


@route("GET", "{scope*}/providers/Microsoft.Authorization/roleDefinitions/{guid}")
def get_role_definition(ctx: Ctx, p: dict[str, str]) -> Response:
    g = p["guid"].lower()
    if g not in BUILTIN_ROLES:
        raise ArmError(404, "RoleDefinitionDoesNotExist", "The specified role definition with ID '" + p["guid"] + "' does not exist.")
    return Response(200, role_definition_body(p["scope"], g))


def _principal_known(ctx: Ctx, oid: str) -> bool:
    if ctx.state.principal(oid) is not None:
        return True
    for r in ctx.state.resources.values():
        ident = r.body.get("identity") if isinstance(r.body.get("identity"), dict) else None
        if ident and str(ident.get("principalId", "")).lower() == oid.lower():
            return True
    return False


@route("PUT", "{scope*}/providers/Microsoft.Authorization/roleAssignments/{name}")
def put_role_assignment(ctx: Ctx, p: dict[str, str]) -> Response:
    scope = p["scope"] or "/"
    _scope_exists(ctx, scope)
    props = get_ci(ctx.json(), "properties") or {}
    role_id = str(get_ci(props, "roleDefinitionId") or "")
    oid = str(get_ci(props, "principalId") or "")
    if role_guid_from_id(role_id) not in BUILTIN_ROLES:
        raise ArmError(400, "RoleDefinitionDoesNotExist", f"The specified role definition with ID '{role_id.split('/')[-1]}' does not exist.")
    if not _principal_known(ctx, oid):
        raise ArmError(400, "PrincipalNotFound", f"Principal {oid.replace('-', '')} does not exist in the directory {ctx.state.tenant_id}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.")
    rid = f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/{p['name']}"
    existing = ctx.state.get(rid)
    for r in ctx.state.of_type(ASSIGNMENT_TYPE):
        rp = r.props
        if (
            r is not existing
            and rp["scope"].lower() == scope.lower().rstrip("/")
            and rp["principalId"].lower() == oid.lower()
            and role_guid_from_id(rp["roleDefinitionId"]) == role_guid_from_id(role_id)
        ):
            raise ArmError(409, "RoleAssignmentExists", f"The role assignment already exists. The ID of the existing role assignment is {r.body['name']}.")
    if existing is not None:
        raise ArmError(409, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
    now = ctx.state.now_iso()
    body: dict[str, Any] = {
        "id": rid,
        "name": p["name"],
        "type": ASSIGNMENT_TYPE,
        "properties": {
            "roleDefinitionId": role_id,
            "principalId": oid,
            "principalType": get_ci(props, "principalType") or "ServicePrincipal",
            "scope": scope.rstrip("/") or "/",
            "condition": get_ci(props, "condition"),
            "conditionVersion": get_ci(props, "conditionVersion"),
            "createdOn": now,
            "updatedOn": now,
            "createdBy": ctx.principal.object_id,
            "updatedBy": ctx.principal.object_id,
            "delegatedManagedIdentityResourceId": None,
            "description": get_ci(props, "description"),
        },
    }
    ctx.state.put(rid, body)
    return Response(201, body)


@route("GET", "{scope*}/providers/Microsoft.Authorization/roleAssignments/{name}")
def get_role_assignment(ctx: Ctx, p: dict[str, str]) -> Response:
    res = ctx.state.get(f"{p['scope'].rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/{p['name']}")
    if res is None:
        raise ArmError(404, "RoleAssignmentNotFound", "The role assignment '" + p["name"] + "' is not found.")
    return Response(200, res.body)


@route("DELETE", "{scope*}/providers/Microsoft.Authorization/roleAssignments/{name}")
def delete_role_assignment(ctx: Ctx, p: dict[str, str]) -> Response:
    res = ctx.state.delete(f"{p['scope'].rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/{p['name']}")
    return Response(200, res.body) if res else Response(204)


@route("GET", "{scope*}/providers/Microsoft.Authorization/roleAssignments")
def list_role_assignments(ctx: Ctx, p: dict[str, str]) -> Response:
    """``list_for_scope`` / ``list_for_subscription``: assignments at, above and (without atScope()) below the scope."""
    scope = (p["scope"] or "").lower().rstrip("/")
    flt = ctx.query.get("$filter", "").lower()
    out = []
    for r in ctx.state.of_type(ASSIGNMENT_TYPE):
        s = r.props["scope"].lower().rstrip("/")
        above = s == "" or scope == s or scope.startswith(s + "/")
        below = s.startswith(scope + "/")
        if not (above or (below and "atscope()" not in flt)):
            continue
        if "principalid eq" in flt and r.props["principalId"].lower() not in flt:
            continue
        out.append(r.body)
    return page(ctx, out)


@route("GET", "{scope*}/providers/Microsoft.Authorization/permissions", rbac=False)
def list_permissions(ctx: Ctx, p: dict[str, str]) -> Response:
    """What the caller may do at the scope (Permissions_ListForResourceGroup / _ListForResource), from the role
    assignments the emulator holds: the same data its RBAC check evaluates."""
    scope = p["scope"] or "/"
    _scope_exists(ctx, scope)
    return page(ctx, permissions_at(ctx.state, ctx.principal.object_id, scope))
