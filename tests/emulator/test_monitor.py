"""Diagnostic settings and Log Analytics workspaces in the emulator.

azure-mgmt-monitor 7.x (the pinned SDK) has no diagnostic-settings operations, so the calls go through a real
mgmt client's ``send_request`` — the same pipeline (TLS, bearer token) the product's ``Session.raw`` uses.
"""

from __future__ import annotations

import json
from typing import Any

from azure.core.rest import HttpRequest
from azure.mgmt.resource.resources.aio import ResourceManagementClient

from acrtui.emulator import Emulator
from acrtui.emulator.providers.keyvault import add_vault

from .fidelity import assert_roundtrip
from .netkit import RG, registry, rg_path

try:  # the model exists only in Monitor SDKs that have diagnostic settings (8.x); 7.x is pinned
    from azure.mgmt.monitor.models import DiagnosticSettingsResource  # type: ignore[attr-defined]
except ImportError:
    DiagnosticSettingsResource = None  # type: ignore[assignment,misc]

DIAG_API = "2021-05-01-preview"
WS_API = "2023-09-01"
# REST fields of DiagnosticSettingsResource / LogSettings in the Monitor SDK that has them (8.0.0b1, same api)
DIAG_FIELDS = {"id", "name", "type", "systemData", "properties"}
DIAG_PROPS = {"storageAccountId", "serviceBusRuleId", "eventHubAuthorizationRuleId", "eventHubName", "metrics", "logs", "workspaceId", "marketplacePartnerId", "logAnalyticsDestinationType"}
LOG_FIELDS = {"category", "categoryGroup", "enabled", "retentionPolicy"}
METRIC_FIELDS = {"timeGrain", "category", "enabled", "retentionPolicy"}


async def call(emu: Emulator, sdk: Any, method: str, path: str, api: str = DIAG_API, body: Any = None, role: str = "owner") -> tuple[int, dict[str, Any]]:
    client = sdk(ResourceManagementClient, emu, role)
    url = f"{path}?api-version={api}"
    req = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
    resp = await client.send_request(req)
    text = resp.text()
    return resp.status_code, (json.loads(text) if text else {})


def ws_id(emu: Emulator, name: str = "logs") -> str:
    return f"{rg_path(emu)}/providers/Microsoft.OperationalInsights/workspaces/{name}"


async def workspace(emu: Emulator, sdk: Any, name: str = "logs") -> dict[str, Any]:
    status, body = await call(emu, sdk, "PUT", ws_id(emu, name), WS_API, {"location": "eastus"})
    assert status == 201, body
    return body


def vault(emu: Emulator, name: str = "kv1") -> str:
    return add_vault(emu.state, emu.subscription_id, RG, name, "eastus").id


def audit_body(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"properties": {"workspaceId": ws_id(emu), "logs": [{"category": "AuditEvent", "enabled": True}], **extra}}


def check_shape(body: dict[str, Any]) -> None:
    """Fidelity: the SDK round trip when the model is installed, else the model's REST field names."""
    if DiagnosticSettingsResource is not None:
        assert_roundtrip(DiagnosticSettingsResource, body)
    assert set(body) <= DIAG_FIELDS, set(body) - DIAG_FIELDS
    assert set(body["properties"]) <= DIAG_PROPS, set(body["properties"]) - DIAG_PROPS
    for log in body["properties"].get("logs", []):
        assert set(log) <= LOG_FIELDS
    for m in body["properties"].get("metrics", []):
        assert set(m) <= METRIC_FIELDS
    for e in body["properties"].get("logs", []) + body["properties"].get("metrics", []):
        assert set(e["retentionPolicy"]) <= {"enabled", "days"}


async def test_workspace_create_get_list(emu: Emulator, sdk: Any) -> None:
    ws = await workspace(emu, sdk)
    assert ws["properties"]["provisioningState"] == "Succeeded" and ws["properties"]["customerId"]
    status, got = await call(emu, sdk, "GET", ws_id(emu), WS_API)
    assert status == 200 and got["id"] == ws["id"]
    await workspace(emu, sdk, "logs2")
    await workspace(emu, sdk, "logs3")
    status, listed = await call(emu, sdk, "GET", f"{rg_path(emu)}/providers/Microsoft.OperationalInsights/workspaces", WS_API)
    assert status == 200 and len(listed["value"]) == 2 and "nextLink" in listed  # page size 2


async def test_vault_audit_setting_round_trip(emu: Emulator, sdk: Any) -> None:
    vid = vault(emu)
    await workspace(emu, sdk)
    path = f"{vid}/providers/Microsoft.Insights/diagnosticSettings/audit"
    status, body = await call(emu, sdk, "PUT", path, body=audit_body(emu))
    assert status == 200
    assert body["properties"]["logs"][0]["category"] == "AuditEvent" and body["properties"]["logs"][0]["enabled"] is True
    assert body["type"] == "Microsoft.Insights/diagnosticSettings"
    check_shape(body)
    status, got = await call(emu, sdk, "GET", path)
    assert status == 200 and got == body
    status, listed = await call(emu, sdk, "GET", f"{vid}/providers/Microsoft.Insights/diagnosticSettings")
    assert [s["name"] for s in listed["value"]] == ["audit"] and "nextLink" not in listed
    status, _ = await call(emu, sdk, "DELETE", path)
    assert status == 200
    assert (await call(emu, sdk, "GET", path))[0] == 404
    assert (await call(emu, sdk, "DELETE", path))[0] == 204


async def test_category_groups_and_categories_endpoint(emu: Emulator, sdk: Any) -> None:
    vid = vault(emu)
    await workspace(emu, sdk)
    body = {"properties": {"workspaceId": ws_id(emu), "logs": [{"categoryGroup": "audit", "enabled": True}], "metrics": [{"category": "AllMetrics", "enabled": True}]}}
    status, got = await call(emu, sdk, "PUT", f"{vid}/providers/Microsoft.Insights/diagnosticSettings/grp", body=body)
    assert status == 200 and got["properties"]["logs"][0]["categoryGroup"] == "audit"
    check_shape(got)
    status, cats = await call(emu, sdk, "GET", f"{vid}/providers/Microsoft.Insights/diagnosticSettingsCategories")
    assert status == 200
    assert {(c["name"], c["properties"]["categoryType"]) for c in cats["value"]} == {("AuditEvent", "Logs"), ("AzurePolicyEvaluationDetails", "Logs"), ("AllMetrics", "Metrics")}


async def test_registry_categories(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "regdiag")
    await workspace(emu, sdk)
    ok = {"properties": {"workspaceId": ws_id(emu), "logs": [{"category": "ContainerRegistryLoginEvents", "enabled": True}]}}
    assert (await call(emu, sdk, "PUT", f"{reg['id']}/providers/Microsoft.Insights/diagnosticSettings/a", body=ok))[0] == 200
    status, err = await call(emu, sdk, "PUT", f"{reg['id']}/providers/Microsoft.Insights/diagnosticSettings/b", body=audit_body(emu))
    assert status == 400 and err["error"]["code"] == "BadRequest" and "AuditEvent" in err["error"]["message"]


async def test_rules_destination_workspace_target_and_limits(emu: Emulator, sdk: Any) -> None:
    vid = vault(emu)
    base = f"{vid}/providers/Microsoft.Insights/diagnosticSettings"
    # the workspace must exist
    status, err = await call(emu, sdk, "PUT", f"{base}/a", body=audit_body(emu))
    assert status == 400 and "could not be found" in err["error"]["message"]
    await workspace(emu, sdk)
    # a destination is required
    status, err = await call(emu, sdk, "PUT", f"{base}/a", body={"properties": {"logs": [{"category": "AuditEvent", "enabled": True}]}})
    assert status == 400 and err["error"]["code"] == "BadRequest"
    # an unknown category for a key vault
    bad = {"properties": {"workspaceId": ws_id(emu), "logs": [{"category": "Nope", "enabled": True}]}}
    assert (await call(emu, sdk, "PUT", f"{base}/a", body=bad))[0] == 400
    # the target resource must exist
    status, err = await call(emu, sdk, "PUT", f"{vid}x/providers/Microsoft.Insights/diagnosticSettings/a", body=audit_body(emu))
    assert status == 404
    # one sink may not get the same category from two settings
    assert (await call(emu, sdk, "PUT", f"{base}/a", body=audit_body(emu)))[0] == 200
    status, err = await call(emu, sdk, "PUT", f"{base}/b", body=audit_body(emu))
    assert status == 400 and "Data sinks can't be reused" in err["error"]["message"]
    # at most 5 settings per resource
    for i in range(4):
        sa = f"{rg_path(emu)}/providers/Microsoft.Storage/storageAccounts/sa{i}"
        assert (await call(emu, sdk, "PUT", f"{base}/s{i}", body={"properties": {"storageAccountId": sa, "logs": [{"category": "AuditEvent", "enabled": True}]}}))[0] == 200
    status, err = await call(emu, sdk, "PUT", f"{base}/s9", body={"properties": {"storageAccountId": "/x", "logs": []}})
    assert status == 400 and "limit of 5" in err["error"]["message"]


async def test_reader_reads_but_cannot_write(emu: Emulator, sdk: Any) -> None:
    vid = vault(emu)
    await workspace(emu, sdk)
    path = f"{vid}/providers/Microsoft.Insights/diagnosticSettings/audit"
    assert (await call(emu, sdk, "PUT", path, body=audit_body(emu)))[0] == 200
    status, listed = await call(emu, sdk, "GET", f"{vid}/providers/Microsoft.Insights/diagnosticSettings", role="reader")
    assert status == 200 and len(listed["value"]) == 1
    status, err = await call(emu, sdk, "PUT", path, body=audit_body(emu), role="reader")
    assert status == 403 and err["error"]["code"] == "AuthorizationFailed"
