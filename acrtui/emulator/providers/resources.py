"""Microsoft.Resources: tenants, subscriptions, resource groups, and the LRO status endpoints."""

from __future__ import annotations

from typing import Any

from .. import apiversions
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
    """The cloud's regions (see :mod:`..apiversions`), shaped as the Subscriptions API's ``Location``."""
    regions = apiversions.REGIONS.get(ctx.state.cloud, apiversions.REGIONS["AzureCloud"])
    return page(ctx, [{"id": f"/subscriptions/{p['sub']}/locations/{n}", "name": n, "displayName": d, "regionalDisplayName": d,
                       "type": "Region", "metadata": {"regionType": "Physical", "regionCategory": "Recommended"}} for n, d in regions.items()])


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


def resource_types(namespace: str, cloud: str) -> list[dict[str, Any]]:
    """The namespace's resource types as ARM lists them: each route's top-level type (``policyStates`` too, whose
    routes are all actions), nested types of routes that end in a resource name, and provider-level actions such as
    ``checkNameAvailability``; api-versions newest first, locations as display names for types created with one."""
    from ..arm import ROUTES

    found: dict[str, bool] = {}  # type -> has a location (a PUT of a named resource)
    marker = f"/providers/{namespace}/".lower()
    for r in ROUTES:
        low = r.template.lower()
        if marker not in low:
            continue
        rest = r.template[low.index(marker) + len(marker) :].split("/")
        types = rest[0::2]
        named = len(rest) % 2 == 0
        if not any("{" in t for t in types) and (len(rest) == 1 or named):
            key = "/".join(types)
            found[key] = found.get(key, False) or (named and r.method == "PUT")
        if "{" not in rest[0]:
            found.setdefault(rest[0], False)
    out = []
    for t, tracked in found.items():
        versions = apiversions.Target(namespace, tuple(t.split("/"))).versions().versions
        locations = apiversions.type_locations(cloud, namespace, t) if tracked else []
        out.append({"resourceType": t, "locations": locations, "apiVersions": list(reversed(versions)), "capabilities": "None"})
    return out


def provider_body(sub: str | None, namespace: str, cloud: str) -> dict[str, Any]:
    """A subscription's view (registration state included) or, with ``sub`` None, the tenant's."""
    if sub is None:
        return {"id": f"/providers/{namespace}", "namespace": namespace, "resourceTypes": resource_types(namespace, cloud)}
    return {
        "id": f"/subscriptions/{sub}/providers/{namespace}",
        "namespace": namespace,
        "registrationState": "Registered",
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": resource_types(namespace, cloud),
    }


PROVIDERS = [ns for ns in apiversions.API_VERSIONS if ns != apiversions.ARM_NAMESPACE]


@route("GET", "/subscriptions/{sub}/providers")
def list_providers(ctx: Ctx, p: dict[str, str]) -> Response:
    return page(ctx, [provider_body(p["sub"], n, ctx.state.cloud) for n in PROVIDERS])


@route("GET", "/subscriptions/{sub}/providers/{ns}", action="Microsoft.Resources/subscriptions/providers/read")
def get_provider(ctx: Ctx, p: dict[str, str]) -> Response:
    """An unknown namespace: ``InvalidResourceNamespace`` with ARM's text; the status here (404, where a resource
    path under an unknown namespace is a 400) is unconfirmed."""
    ns = next((n for n in PROVIDERS if n.lower() == p["ns"].lower()), None)
    if ns is None:
        raise ArmError(404, "InvalidResourceNamespace", f"The resource namespace '{p['ns']}' is invalid.")
    return Response(200, provider_body(p["sub"], ns, ctx.state.cloud))


@route("GET", "/providers", rbac=False)
def list_tenant_providers(ctx: Ctx, p: dict[str, str]) -> Response:
    return page(ctx, [provider_body(None, n, ctx.state.cloud) for n in PROVIDERS])


@route("GET", "/providers/{ns}", rbac=False)
def get_tenant_provider(ctx: Ctx, p: dict[str, str]) -> Response:
    """``GET /providers/{ns}`` (the SDK's ``providers.get_at_tenant_scope``): the same types, without registration."""
    ns = next((n for n in PROVIDERS if n.lower() == p["ns"].lower()), None)
    if ns is None:
        raise ArmError(404, "InvalidResourceNamespace", f"The resource namespace '{p['ns']}' is invalid.")
    return Response(200, provider_body(None, ns, ctx.state.cloud))
