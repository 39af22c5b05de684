"""Microsoft.Insights diagnostic settings on any resource, and Microsoft.OperationalInsights workspaces as targets.

Diagnostic settings (api 2021-05-01-preview, the version the Monitor SDKs that have them use): ``PUT/GET/DELETE
{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}`` (PUT 200, DELETE 200/204, synchronous) and
the list (one page: the SDK's collection model has no ``nextLink``), plus ``diagnosticSettingsCategories``. Note:
azure-mgmt-monitor 7.x, which acrtui pins, has no diagnostic-settings operations (they returned in 8.0.0b1); callers
send these requests through a client's ``send_request``.

Rules:
- The resource must exist (404 ``ResourceNotFound``); a destination is required (workspace, storage account, Event
  Hub authorization rule or marketplace partner); a workspace id must name an existing workspace.
- Log categories are checked for the resource types the emulator knows: key vaults (``AuditEvent``,
  ``AzurePolicyEvaluationDetails``), registries (``ContainerRegistryRepositoryEvents``,
  ``ContainerRegistryLoginEvents``), category groups ``audit`` and ``allLogs``, metric category ``AllMetrics``.
- At most 5 settings per resource; one destination may not receive the same category from two settings.
- A destination sent as ``""`` is kept as ``""`` (REST spec example monitor 2021-05-01-preview
  createOrUpdateDiagnosticSetting.json echoes ``"workspaceId": ""``); it names no destination.

Unconfirmed in public sources, and what the emulator chose: every refusal is 400 ``BadRequest`` (Azure's
diagnostic-settings errors are BadRequest with a message; the exact wording here is the emulator's), and a missing
workspace is 400 ``BadRequest`` rather than 404 so clients do not read it as "setting not found". Workspace PUT
answers 201/200 with the body at ``Succeeded`` (no LRO).
"""

from __future__ import annotations

from typing import Any

from ..arm import ArmError, Ctx, Response, get_ci, new_guid, not_found, page, res_id, route
from ..state import Resource
from .resources import require_rg

DIAG = "Microsoft.Insights/diagnosticSettings"
WORKSPACE = "Microsoft.OperationalInsights/workspaces"
MAX_SETTINGS = 5
GROUPS = ("audit", "allLogs")
# resource type (lower) -> log categories; metrics are "AllMetrics" everywhere
CATEGORIES: dict[str, list[str]] = {
    "microsoft.keyvault/vaults": ["AuditEvent", "AzurePolicyEvaluationDetails"],
    "microsoft.containerregistry/registries": ["ContainerRegistryRepositoryEvents", "ContainerRegistryLoginEvents"],
}
DESTINATIONS = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId")


def _bad(message: str) -> ArmError:
    return ArmError(400, "BadRequest", message)


def _target(ctx: Ctx, uri: str) -> Resource:
    res = ctx.state.get(uri)
    if res is None:
        segs = uri.strip("/").split("/")
        raise not_found("/".join(segs[-4:-2]) if len(segs) >= 4 else "resource", segs[-1])
    return res


def _settings(ctx: Ctx, target: Resource) -> list[Resource]:
    """The target's diagnostic settings, from the per-type index: a scan of every resource per read made a
    fleet's diagnostic-settings lists quadratic (the emulator's CPU bounded fleet benchmarks)."""
    return ctx.state.of_type(DIAG, under=target.id.rstrip("/") + "/providers/microsoft.insights/diagnosticsettings")


def _entries(items: Any, kind: str) -> list[dict[str, Any]]:
    out = []
    for e in items or []:
        entry: dict[str, Any] = {}
        for key in ("category", "categoryGroup") if kind == "logs" else ("category", "timeGrain"):
            v = get_ci(e, key)
            if v is not None:
                entry[key] = v
        entry["enabled"] = bool(get_ci(e, "enabled", False))
        entry["retentionPolicy"] = get_ci(e, "retentionPolicy") or {"enabled": False, "days": 0}
        out.append(entry)
    return out


def _check_categories(target: Resource, logs: list[dict[str, Any]], metrics: list[dict[str, Any]]) -> None:
    known = CATEGORIES.get(target.type.lower())
    for e in logs:
        if ("category" in e) == ("categoryGroup" in e):
            raise _bad("Each log setting needs exactly one of 'category' or 'categoryGroup'.")
        if "categoryGroup" in e and str(e["categoryGroup"]).lower() not in {g.lower() for g in GROUPS}:
            raise _bad(f"Category group '{e['categoryGroup']}' is not supported.")
        if "category" in e and known is not None and str(e["category"]).lower() not in {c.lower() for c in known}:
            raise _bad(f"Category '{e['category']}' is not supported.")
    for e in metrics:
        if known is not None and str(e.get("category", "")).lower() != "allmetrics":
            raise _bad(f"Metric category '{e.get('category')}' is not supported.")


def _enabled_categories(target: Resource, logs: list[dict[str, Any]]) -> set[str]:
    """Categories a setting sends (groups expanded for known types), for the no-reuse rule."""
    known = CATEGORIES.get(target.type.lower())
    out: set[str] = set()
    for e in logs:
        if not e.get("enabled"):
            continue
        if "category" in e:
            out.add(str(e["category"]).lower())
        elif known is not None:
            out |= {c.lower() for c in known}
        else:
            out.add("group:" + str(e["categoryGroup"]).lower())
    return out


@route("PUT", "{scope*}/providers/Microsoft.Insights/diagnosticSettings/{name}")
def put_setting(ctx: Ctx, p: dict[str, str]) -> Response:
    target = _target(ctx, p["scope"])
    data = ctx.json()
    props_in = get_ci(data, "properties") or {}
    rid = f"{target.id}/providers/{DIAG}/{p['name']}"
    old = ctx.state.get(rid)
    others = [s for s in _settings(ctx, target) if s.id.lower() != rid.lower()]
    if old is None and len(others) >= MAX_SETTINGS:
        raise _bad(f"Diagnostic settings count exceeds the limit of {MAX_SETTINGS} for resource '{target.id}'.")
    dests = {k: str(get_ci(props_in, k)) for k in DESTINATIONS if get_ci(props_in, k)}
    if not dests:
        raise _bad("At least one destination is required: a Log Analytics workspace, a storage account, an event hub or a partner solution.")
    if "workspaceId" in dests:
        ws = ctx.state.get(dests["workspaceId"])
        if ws is None or ws.type.lower() != WORKSPACE.lower():
            raise _bad(f"The Log Analytics workspace '{dests['workspaceId']}' could not be found.")
    logs = _entries(get_ci(props_in, "logs"), "logs")
    metrics = _entries(get_ci(props_in, "metrics"), "metrics")
    _check_categories(target, logs, metrics)
    mine = _enabled_categories(target, logs)
    for s in others:
        shared = {k: v for k, v in dests.items() if str(get_ci(s.props, k) or "").lower() == v.lower()}
        clash = mine & _enabled_categories(target, s.props.get("logs") or [])
        if shared and clash:
            sink = next(iter(shared.values()))
            raise _bad(
                f"Data sink '{sink}' is already used in diagnostic setting '{s.body['name']}' for category "
                f"'{sorted(clash)[0]}'. Data sinks can't be reused in different settings on the same category for the same resource."
            )
    blank = {k: "" for k in DESTINATIONS if get_ci(props_in, k) == ""}
    props: dict[str, Any] = {**blank, **dests, "logs": logs, "metrics": metrics}
    for k in ("eventHubName", "logAnalyticsDestinationType"):
        if get_ci(props_in, k) is not None:
            props[k] = get_ci(props_in, k)
    body = {"id": rid, "name": old.body["name"] if old else p["name"], "type": DIAG, "properties": props}
    ctx.state.put(rid, body)
    return Response(200, body)


@route("GET", "{scope*}/providers/Microsoft.Insights/diagnosticSettings/{name}")
def get_setting(ctx: Ctx, p: dict[str, str]) -> Response:
    target = _target(ctx, p["scope"])
    res = ctx.state.get(f"{target.id}/providers/{DIAG}/{p['name']}")
    if res is None:
        raise not_found(DIAG, p["name"])
    return Response(200, res.body)


@route("GET", "{scope*}/providers/Microsoft.Insights/diagnosticSettings")
def list_settings(ctx: Ctx, p: dict[str, str]) -> Response:
    target = _target(ctx, p["scope"])
    return Response(200, {"value": [s.body for s in _settings(ctx, target)]})


@route("DELETE", "{scope*}/providers/Microsoft.Insights/diagnosticSettings/{name}")
def delete_setting(ctx: Ctx, p: dict[str, str]) -> Response:
    target = _target(ctx, p["scope"])
    gone = ctx.state.delete(f"{target.id}/providers/{DIAG}/{p['name']}")
    return Response(200 if gone else 204)


def _category_body(target: Resource, name: str, kind: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"{target.id}/providers/Microsoft.Insights/diagnosticSettingsCategories/{name}",
        "name": name,
        "type": "Microsoft.Insights/diagnosticSettingsCategories",
        "properties": {"categoryType": kind},
    }
    if kind == "Logs":
        body["properties"]["categoryGroups"] = list(GROUPS)
    return body


def _categories(target: Resource) -> list[dict[str, Any]]:
    logs = CATEGORIES.get(target.type.lower(), [])
    return [_category_body(target, c, "Logs") for c in logs] + [_category_body(target, "AllMetrics", "Metrics")]


@route("GET", "{scope*}/providers/Microsoft.Insights/diagnosticSettingsCategories")
def list_categories(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, {"value": _categories(_target(ctx, p["scope"]))})


@route("GET", "{scope*}/providers/Microsoft.Insights/diagnosticSettingsCategories/{name}")
def get_category(ctx: Ctx, p: dict[str, str]) -> Response:
    target = _target(ctx, p["scope"])
    for c in _categories(target):
        if c["name"].lower() == p["name"].lower():
            return Response(200, c)
    raise not_found("Microsoft.Insights/diagnosticSettingsCategories", p["name"])


# ---------------------------------------------------------------- Log Analytics workspaces (targets only)

WS_PATH = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}"


@route("PUT", WS_PATH)
def put_workspace(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    data = ctx.json()
    rid = res_id(p["sub"], p["rg"], WORKSPACE, p["ws"])
    old = ctx.state.get(rid)
    loc = str(get_ci(data, "location") or "").lower().replace(" ", "")
    if not loc:
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    props_in = get_ci(data, "properties") or {}
    now = ctx.state.now_iso()
    props = {
        "provisioningState": "Succeeded",
        "customerId": old.props["customerId"] if old else new_guid(),
        "sku": get_ci(props_in, "sku") or {"name": "PerGB2018"},
        "retentionInDays": int(get_ci(props_in, "retentionInDays") or 30),
        "features": {"enableLogAccessUsingOnlyResourcePermissions": True},
        "workspaceCapping": {"dailyQuotaGb": -1.0},
        "publicNetworkAccessForIngestion": get_ci(props_in, "publicNetworkAccessForIngestion") or "Enabled",
        "publicNetworkAccessForQuery": get_ci(props_in, "publicNetworkAccessForQuery") or "Enabled",
        "createdDate": old.props.get("createdDate", now) if old else now,
        "modifiedDate": now,
    }
    body = {
        "id": old.id if old else rid,
        "name": old.body["name"] if old else p["ws"],
        "type": WORKSPACE,
        "location": old.body["location"] if old else loc,
        "tags": get_ci(data, "tags") or {},
        "properties": props,
    }
    ctx.state.put(rid, body)
    return Response(200 if old else 201, body)


@route("GET", WS_PATH)
def get_workspace(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    res = ctx.state.get(res_id(p["sub"], p["rg"], WORKSPACE, p["ws"]))
    if res is None:
        raise not_found(WORKSPACE, p["ws"], p["rg"])
    return Response(200, res.body)


@route("DELETE", WS_PATH)
def delete_workspace(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    gone = ctx.state.delete(res_id(p["sub"], p["rg"], WORKSPACE, p["ws"]))
    return Response(200 if gone else 204)


@route("GET", "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces")
def list_workspaces_rg(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    return page(ctx, [r.body for r in ctx.state.of_type(WORKSPACE, f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}")])


@route("GET", "/subscriptions/{sub}/providers/Microsoft.OperationalInsights/workspaces")
def list_workspaces(ctx: Ctx, p: dict[str, str]) -> Response:
    return page(ctx, [r.body for r in ctx.state.of_type(WORKSPACE, f"/subscriptions/{p['sub']}")])
