"""Microsoft.Authorization/policyExemptions in the emulator. azure-mgmt-resource-policy 1.x has no exemption
operations, so the calls go through a real mgmt client's ``send_request`` (the SDK pipeline, TLS, bearer token) —
the path the inventory's exemption read uses. Each rule the emulator enforces is asserted with its error code."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.rest import HttpRequest
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
from azure.mgmt.resource.policy.aio import PolicyClient

from acrtui.emulator import Emulator

API = "2022-07-01-preview"
RG = "rg-empty"
PE = "/providers/Microsoft.Authorization/policyExemptions"
PUBLIC_ACCESS = "/providers/Microsoft.Authorization/policyDefinitions/0fdf0491-d080-4575-b627-ad0e843cba0f"
FIELDS = {"id", "name", "type", "systemData", "properties"}
PROPS = {"policyAssignmentId", "policyDefinitionReferenceIds", "exemptionCategory", "expiresOn", "displayName",
         "description", "metadata", "assignmentScopeValidation"}


async def call(sdk: Any, emu: Emulator, method: str, path: str, body: Any = None, role: str = "owner",
               query: str = "") -> tuple[int, dict[str, Any]]:
    client = sdk(PolicyClient, emu, role)
    url = f"{path}?api-version={API}{query}"
    resp = await client.send_request(HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url))
    text = resp.text()
    return resp.status_code, (json.loads(text) if text else {})


async def setup(sdk: Any, emu: Emulator) -> tuple[str, str, str]:
    """A registry, and an assignment at its resource group: (registry id, rg scope, assignment id)."""
    acr = sdk(ContainerRegistryManagementClient, emu)
    reg = await (await acr.registries.begin_create(RG, "acrexempt1", {"location": "eastus",
                                                                      "sku": {"name": "Premium"}})).result()
    rg = f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}"
    a = await sdk(PolicyClient, emu).policy_assignments.create(rg, "pna", {"properties": {
        "policyDefinitionId": PUBLIC_ACCESS}})
    return reg.id, rg, a.id


async def test_exemption_create_get_list_delete(emu: Emulator, sdk: Any) -> None:
    reg, rg, aid = await setup(sdk, emu)
    body = {"properties": {"policyAssignmentId": aid, "exemptionCategory": "waiver", "displayName": "pilot",
                           "expiresOn": "2027-01-31T00:00:00Z"}}
    status, got = await call(sdk, emu, "PUT", reg + PE + "/pilot", body)
    assert status == 201 and set(got) == FIELDS and set(got["properties"]) == PROPS
    assert got["properties"]["exemptionCategory"] == "Waiver" and got["type"] == "Microsoft.Authorization/policyExemptions"
    assert (await call(sdk, emu, "PUT", reg + PE + "/pilot", body))[0] == 200  # replace
    status, one = await call(sdk, emu, "GET", reg + PE + "/pilot")
    assert status == 200 and one["id"] == reg + PE + "/pilot"
    # listed at the subscription (inside it), for the resource group and for the resource, paged (page size 2)
    for _ in range(2):
        await call(sdk, emu, "PUT", rg + PE + f"/rg-{_}", {"properties": {"policyAssignmentId": aid,
                                                                           "exemptionCategory": "Mitigated"}})
    names: list[str] = []
    status, page = await call(sdk, emu, "GET", f"/subscriptions/{emu.subscription_id}{PE}")
    names += [x["name"] for x in page["value"]]
    client = sdk(PolicyClient, emu)
    while page.get("nextLink"):
        resp = await client.send_request(HttpRequest("GET", page["nextLink"]))
        page = json.loads(resp.text())
        names += [x["name"] for x in page["value"]]
    assert sorted(names) == ["pilot", "rg-0", "rg-1"]
    _, at = await call(sdk, emu, "GET", reg + PE, query="&$filter=atScope()")
    assert {x["name"] for x in at["value"]} | {x["name"] for x in await rest(sdk, emu, at)} == {"pilot", "rg-0", "rg-1"}
    _, exact = await call(sdk, emu, "GET", rg + PE, query="&$filter=atExactScope()")
    assert {x["name"] for x in exact["value"]} == {"rg-0", "rg-1"}
    assert (await call(sdk, emu, "DELETE", reg + PE + "/pilot"))[0] == 200
    assert (await call(sdk, emu, "DELETE", reg + PE + "/pilot"))[0] == 204
    status, err = await call(sdk, emu, "GET", reg + PE + "/pilot")
    assert status == 404 and err["error"]["code"] == "PolicyExemptionNotFound"


async def rest(sdk: Any, emu: Emulator, page: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    client = sdk(PolicyClient, emu)
    while page.get("nextLink"):
        page = json.loads((await client.send_request(HttpRequest("GET", page["nextLink"]))).text())
        out += page["value"]
    return out


async def test_excluding_expired_exemptions(emu: Emulator, sdk: Any) -> None:
    reg, _, aid = await setup(sdk, emu)
    for name, when in (("old", "2001-01-01T00:00:00Z"), ("live", "2999-01-01T00:00:00Z")):
        await call(sdk, emu, "PUT", reg + PE + f"/{name}", {"properties": {
            "policyAssignmentId": aid, "exemptionCategory": "Waiver", "expiresOn": when}})
    _, page = await call(sdk, emu, "GET", reg + PE, query="&$filter=excludeExpired()")
    assert {x["name"] for x in page["value"] + await rest(sdk, emu, page)} == {"live"}


@pytest.mark.parametrize(("props", "code"), [
    ({"exemptionCategory": "Forever"}, "InvalidRequestContent"),
    ({"exemptionCategory": "Waiver", "policyAssignmentId": "/subscriptions/x/providers/Microsoft.Authorization/"
      "policyAssignments/none"}, "PolicyAssignmentNotFound"),
    ({"exemptionCategory": "Waiver", "expiresOn": "next week"}, "InvalidRequestContent"),
])
async def test_exemption_rules(emu: Emulator, sdk: Any, props: dict[str, Any], code: str) -> None:
    reg, _, aid = await setup(sdk, emu)
    status, err = await call(sdk, emu, "PUT", reg + PE + "/bad", {"properties": {"policyAssignmentId": aid, **props}})
    assert status == 400 and err["error"]["code"] == code


async def test_an_exemption_outside_the_assignment_scope_is_refused(emu: Emulator, sdk: Any) -> None:
    reg, _, _ = await setup(sdk, emu)
    narrow = await sdk(PolicyClient, emu).policy_assignments.create(reg, "on-reg", {"properties": {
        "policyDefinitionId": PUBLIC_ACCESS}})
    rg = f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}"
    status, err = await call(sdk, emu, "PUT", rg + PE + "/wide", {"properties": {
        "policyAssignmentId": narrow.id, "exemptionCategory": "Waiver"}})
    assert status == 400 and err["error"]["code"] == "InvalidPolicyExemptionScope"
    status, _ = await call(sdk, emu, "PUT", rg + PE + "/wide", {"properties": {
        "policyAssignmentId": narrow.id, "exemptionCategory": "Waiver", "assignmentScopeValidation": "DoNotValidate"}})
    assert status == 201


async def test_reader_lists_but_cannot_exempt(emu: Emulator, sdk: Any) -> None:
    reg, _, aid = await setup(sdk, emu)
    status, err = await call(sdk, emu, "PUT", reg + PE + "/r", {"properties": {
        "policyAssignmentId": aid, "exemptionCategory": "Waiver"}}, role="reader")
    assert status == 403 and err["error"]["code"] == "AuthorizationFailed"
    assert (await call(sdk, emu, "GET", reg + PE, role="reader"))[0] == 200


async def test_filters_are_validated(emu: Emulator, sdk: Any) -> None:
    status, err = await call(sdk, emu, "GET", f"/subscriptions/{emu.subscription_id}{PE}", query="&$filter=everything")
    assert status == 400 and err["error"]["code"] == "InvalidFilterInQueryString"
