"""Microsoft.Security in the emulator: Defender pricings (REST, through a real client's pipeline) and the image
assessments Defender writes, served through Resource Graph's ``securityresources`` table (real ResourceGraphClient).

azure-mgmt-security is not a dependency (the product reads one GET as raw JSON), so pricings go through a mgmt
client's ``send_request`` like the product's ``Session.raw``; shapes are compared with the REST spec example's fields.
"""

from __future__ import annotations

import json
from typing import Any

from azure.core.rest import HttpRequest
from azure.mgmt.resource.resources.aio import ResourceManagementClient
from azure.mgmt.resourcegraph import models as gm
from azure.mgmt.resourcegraph.aio import ResourceGraphClient

from acrtui.emulator import Emulator
from acrtui.emulator.providers.security import IMAGE_ASSESSMENT, set_image_assessment

from .fidelity import assert_roundtrip
from .netkit import registry
from .test_dataplane import add_login
from .test_resourcegraph import error_of

API = "2024-01-01"
# properties of a pricing in the REST spec example ListPricings_example.json (2024-01-01)
PRICING_PROPS = {"enablementTime", "enforce", "freeTrialRemainingTime", "pricingTier", "resourcesCoverageStatus",
                 "subPlan", "extensions", "deprecated", "replacedBy"}


async def call(emu: Emulator, sdk: Any, method: str, path: str, body: Any = None, api: str = API,
               role: str = "owner") -> tuple[int, dict[str, Any]]:
    client = sdk(ResourceManagementClient, emu, role)
    url = f"{path}?api-version={api}"
    req = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
    resp = await client.send_request(req)
    text = resp.text()
    return resp.status_code, (json.loads(text) if text else {})


def pricings(emu: Emulator) -> str:
    return f"/subscriptions/{emu.subscription_id}/providers/Microsoft.Security/pricings"


async def test_pricings_default_free_and_shape(emu: Emulator, sdk: Any) -> None:
    status, body = await call(emu, sdk, "GET", pricings(emu))
    assert status == 200
    by = {p["name"]: p for p in body["value"]}
    assert by["Containers"]["properties"]["pricingTier"] == "Free"
    assert by["ContainerRegistry"]["properties"]["deprecated"] is True
    assert by["ContainerRegistry"]["properties"]["replacedBy"] == ["Containers"]
    for p in body["value"]:
        assert set(p) == {"id", "name", "type", "properties"} and p["type"] == "Microsoft.Security/pricings"
        assert set(p["properties"]) <= PRICING_PROPS


async def test_containers_standard_carries_registry_scanning(emu: Emulator, sdk: Any) -> None:
    status, body = await call(emu, sdk, "PUT", f"{pricings(emu)}/Containers", {"properties": {"pricingTier": "standard"}})
    assert status == 200 and body["properties"]["pricingTier"] == "Standard"
    assert {"name": "ContainerRegistriesVulnerabilityAssessments", "isEnabled": "True"} in body["properties"]["extensions"]
    off = {"properties": {"pricingTier": "Standard",
                          "extensions": [{"name": "ContainerRegistriesVulnerabilityAssessments", "isEnabled": "False"}]}}
    status, body = await call(emu, sdk, "PUT", f"{pricings(emu)}/containers", off)
    assert status == 200 and body["properties"]["extensions"][0]["isEnabled"] == "False"
    status, got = await call(emu, sdk, "GET", f"{pricings(emu)}/Containers")
    assert got == body


async def test_pricing_rules(emu: Emulator, sdk: Any) -> None:
    status, body = await call(emu, sdk, "PUT", f"{pricings(emu)}/Containers", {"properties": {"pricingTier": "Gold"}})
    assert status == 400 and body["error"]["code"] == "InvalidInputJson"
    status, body = await call(emu, sdk, "GET", f"{pricings(emu)}/NoSuchPlan")
    assert status == 404 and body["error"]["code"] == "PricingNotFound"
    status, body = await call(emu, sdk, "PUT", f"{pricings(emu)}/ContainerRegistry", {"properties": {"pricingTier": "Standard"}})
    assert status == 400 and body["error"]["code"] == "PricingDeprecated" and "Containers" in body["error"]["message"]
    status, body = await call(emu, sdk, "GET", pricings(emu), api="2023-01-01")
    assert status == 400 and body["error"]["code"] == "NoRegisteredProviderFound"  # only 2024-01-01 is registered
    status, body = await call(emu, sdk, "PUT", f"{pricings(emu)}/Containers", {"properties": {"pricingTier": "Standard"}},
                              role="reader")
    assert status == 403 and body["error"]["code"] == "AuthorizationFailed"


async def graph(emu: Emulator, sdk: Any, query: str, role: str = "owner") -> Any:
    c = sdk(ResourceGraphClient, emu, role, subscription=False)
    return await c.resources(gm.QueryRequest(subscriptions=[emu.subscription_id], query=query,
                                             options=gm.QueryRequestOptions(top=1000)))


async def test_securityresources_serves_assessments(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "alpha")
    other = await registry(emu, sdk, "bravo")
    set_image_assessment(emu.state, reg["id"], "Unhealthy", [{"image": "app@sha256:" + "0" * 64, "title": "CVE-1",
                                                              "severity": "High"}])
    set_image_assessment(emu.state, other["id"], "Healthy")
    q = ("securityresources | where type in~ ('microsoft.security/assessments', "
         "'microsoft.security/assessments/subassessments') "
         f"| where id contains '/providers/Microsoft.Security/assessments/{IMAGE_ASSESSMENT}' | project id, type, properties")
    resp = await graph(emu, sdk, q)
    types = sorted(r["type"] for r in resp.data)
    assert types == ["microsoft.security/assessments"] * 2 + ["microsoft.security/assessments/subassessments"]
    head = next(r for r in resp.data if r["id"].lower().startswith(reg["id"].lower() + "/providers")
                and r["type"] == "microsoft.security/assessments")
    assert head["properties"]["status"]["code"] == "Unhealthy"
    assert head["properties"]["resourceDetails"]["Id"] == reg["id"]
    raw = {"totalRecords": resp.total_records, "count": resp.count, "resultTruncated": "false", "data": resp.data,
           "facets": []}
    assert_roundtrip(gm.QueryResponse, raw)
    # the resources table does not hold them
    plain = await graph(emu, sdk, "resources | where type =~ 'microsoft.security/assessments'")
    assert plain.data == []
    # a new scan replaces the old result and its findings
    set_image_assessment(emu.state, reg["id"], "Healthy")
    again = await graph(emu, sdk, q)
    assert all(r["properties"]["status"]["code"] == "Healthy" for r in again.data) and len(again.data) == 2


async def test_securityresources_rows_follow_read_access(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "alpha")
    set_image_assessment(emu.state, reg["id"], "Healthy")
    nobody = add_login(emu, "Reader", None)  # signed in, no role anywhere
    resp = await graph(emu, sdk, "securityresources | where type =~ 'microsoft.security/assessments'", role=nobody)
    assert resp.data == []
    resp = await graph(emu, sdk, "securityresources | where type =~ 'microsoft.security/assessments'", role="reader")
    assert len(resp.data) == 1


async def test_unknown_table_is_refused(emu: Emulator, sdk: Any) -> None:
    err = await error_of(graph(emu, sdk, "advisorresources | limit 1"))
    assert err.status_code == 400 and err.error is not None and err.error.code == "BadRequest"
    assert "advisorresources" in str(err.message) and "securityresources" in str(err.message)
    err = await error_of(graph(emu, sdk, "securityresources | summarize count() by type"))
    assert err.status_code == 400  # outside the subset: refused, never a wrong answer
