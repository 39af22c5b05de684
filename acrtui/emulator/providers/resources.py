"""Microsoft.Resources: tenants, subscriptions, resource groups, and the LRO status endpoints."""

from __future__ import annotations

from typing import Any

from ..arm import ArmError, Ctx, Response, lro, page, rg_id, route
from ..rbac import has_any_role


def rg_body(state: Any, sub: str, name: str) -> dict[str, Any] | None:
    res = state.get(rg_id(sub, name))
    return res.body if res else None


def require_rg(ctx: Ctx, sub: str, rg: str) -> dict[str, Any]:
    """ARM answers 404 ResourceGroupNotFound before looking at the resource itself."""
    body = rg_body(ctx.state, sub, rg)
    if body is None:
        raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
    return body


@route("GET", "/tenants", rbac=False)
def list_tenants(ctx: Ctx, p: dict[str, str]) -> Response:
    t = ctx.state.tenant_id
    return page(ctx, [{"id": f"/tenants/{t}", "tenantId": t, "tenantCategory": "Home", "displayName": "acrtui emulator", "defaultDomain": "acrtui.example", "domains": ["acrtui.example"], "tenantType": "AAD"}])


@route("GET", "/subscriptions", rbac=False)
def list_subscriptions(ctx: Ctx, p: dict[str, str]) -> Response:
    subs = [s for s in ctx.state.subscriptions.values() if has_any_role(ctx.state, ctx.principal.object_id, s["id"])]
    return page(ctx, subs)


@route("GET", "/subscriptions/{sub}")
def get_subscription(ctx: Ctx, p: dict[str, str]) -> Response:
    s = ctx.state.subscription(p["sub"])
    assert s is not None  # the server checked it
    return Response(200, s)


@route("GET", "/subscriptions/{sub}/locations")
def list_locations(ctx: Ctx, p: dict[str, str]) -> Response:
    names = ["eastus", "westus2", "westeurope", "northeurope", "uksouth", "swedencentral", "australiaeast", "japaneast"]
    return page(ctx, [{"id": f"/subscriptions/{p['sub']}/locations/{n}", "name": n, "displayName": n, "type": "Region"} for n in names])


@route("GET", "/subscriptions/{sub}/resourcegroups")
def list_groups(ctx: Ctx, p: dict[str, str]) -> Response:
    prefix = f"/subscriptions/{p['sub']}"
    return page(ctx, [r.body for r in ctx.state.of_type("Microsoft.Resources/resourceGroups", prefix)])


@route("GET", "/subscriptions/{sub}/resourcegroups/{rg}")
def get_group(ctx: Ctx, p: dict[str, str]) -> Response:
    body = require_rg(ctx, p["sub"], p["rg"])
    return Response(200, body) if ctx.method == "GET" else Response(204)


@route("PUT", "/subscriptions/{sub}/resourcegroups/{rg}")
def put_group(ctx: Ctx, p: dict[str, str]) -> Response:
    data = ctx.json()
    if not data.get("location"):
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    existing = ctx.state.get(rg_id(p["sub"], p["rg"]))
    name = existing.body["name"] if existing else p["rg"]
    body = {
        "id": rg_id(p["sub"], name),
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": existing.body["location"] if existing else data["location"].lower().replace(" ", ""),
        "tags": data.get("tags", {}),
        "properties": {"provisioningState": "Succeeded"},
    }
    if data.get("managedBy"):
        body["managedBy"] = data["managedBy"]
    ctx.state.put(body["id"], body)
    return Response(200 if existing else 201, body)


@route("DELETE", "/subscriptions/{sub}/resourcegroups/{rg}")
def delete_group(ctx: Ctx, p: dict[str, str]) -> Response:
    rid = rg_id(p["sub"], p["rg"])
    if ctx.state.get(rid) is None:
        return Response(204)

    def done() -> None:
        ctx.state.delete(rid)

    return lro(ctx, 202, None, rid, done, location_header=True)


@route("GET", "/subscriptions/{sub}/providers/{ns}/locations/{loc}/operationStatuses/{op}", action="Microsoft.Resources/subscriptions/read")
def operation_status(ctx: Ctx, p: dict[str, str]) -> Response:
    op = ctx.emulator.operations.get(p["op"])
    if op is None:
        raise ArmError(404, "OperationNotFound", f"The operation '{p['op']}' was not found.")
    body: dict[str, Any] = {"id": op.status_url.split("?")[0].replace(ctx.base_url, ""), "name": op.id, "status": op.status, "startTime": op.start_time}
    if op.end_time:
        body["endTime"] = op.end_time
    if op.error:
        body["error"] = op.error
    headers = {"retry-after-ms": str(ctx.emulator.config.retry_after_ms)} if op.status == "InProgress" else {}
    return Response(200, body, headers)


@route("GET", "/subscriptions/{sub}/providers/{ns}/locations/{loc}/operationResults/{op}", action="Microsoft.Resources/subscriptions/read")
def operation_result(ctx: Ctx, p: dict[str, str]) -> Response:
    op = ctx.emulator.operations.get(p["op"])
    if op is None:
        raise ArmError(404, "OperationNotFound", f"The operation '{p['op']}' was not found.")
    if op.status == "InProgress":
        return Response(202, None, {"Location": op.status_url.replace("operationStatuses", "operationResults"), "retry-after-ms": str(ctx.emulator.config.retry_after_ms)})
    if op.status == "Failed":
        raise ArmError(400, op.error["code"] if op.error else "OperationFailed", op.error["message"] if op.error else "The operation failed.")
    res = ctx.state.get(op.resource_id)
    return Response(200, res.body) if res else Response(204)


@route("GET", "/subscriptions/{sub}/providers")
def list_providers(ctx: Ctx, p: dict[str, str]) -> Response:
    namespaces = ["Microsoft.ContainerRegistry", "Microsoft.KeyVault", "Microsoft.Network", "Microsoft.ManagedIdentity", "Microsoft.Authorization", "Microsoft.PolicyInsights", "Microsoft.Insights", "Microsoft.OperationalInsights", "Microsoft.ResourceGraph"]
    return page(ctx, [{"id": f"/subscriptions/{p['sub']}/providers/{n}", "namespace": n, "registrationState": "Registered", "registrationPolicy": "RegistrationRequired", "resourceTypes": []} for n in namespaces])
