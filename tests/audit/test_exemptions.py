"""Azure Policy exemptions over a registry, end to end: written to the emulator through the SDK pipeline, read by
the inventory (paged: the ``emu`` fixture pages by 2), and honoured by the policy-coverage checks — an exempted
registry is reported as exempted (not applicable, with the exemption's category and expiry), never as guarded or
failed; an expired exemption no longer exempts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from azure.core.rest import HttpRequest
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
from azure.mgmt.resource.policy.aio import PolicyClient

from acrtui.audit import run_audit
from acrtui.azure.inventory import load_estate
from acrtui.domain.checks import CheckSettings, Status, select_checks
from acrtui.emulator import Emulator
from tests.azure.conftest import make_session

CMK = "/providers/Microsoft.Authorization/policyDefinitions/5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580"
PE = "/providers/Microsoft.Authorization/policyExemptions"


async def exempt(sdk: Any, emu: Emulator, scope: str, name: str, assignment: str, expires: str) -> None:
    client = sdk(PolicyClient, emu)
    req = HttpRequest("PUT", f"{scope}{PE}/{name}?api-version=2022-07-01-preview", json={"properties": {
        "policyAssignmentId": assignment, "exemptionCategory": "Mitigated", "expiresOn": expires,
        "displayName": f"exempt {name}"}})
    resp = await client.send_request(req)
    assert resp.status_code == 201, resp.text()


async def test_an_exempted_registry_is_reported_as_exempted(emu: Emulator, sdk: Any) -> None:
    acr = sdk(ContainerRegistryManagementClient, emu)
    regs = {}
    for name in ("acrexempt", "acrlapsed", "acrguarded"):
        regs[name] = await (await acr.registries.begin_create("rg-empty", name, {
            "location": "eastus", "sku": {"name": "Premium"}})).result()
    rg = f"/subscriptions/{emu.subscription_id}/resourceGroups/rg-empty"
    a = await sdk(PolicyClient, emu).policy_assignments.create(rg, "cmk", {"properties": {"policyDefinitionId": CMK}})
    await exempt(sdk, emu, regs["acrexempt"].id, "x1", a.id, "2026-09-30T00:00:00Z")
    await exempt(sdk, emu, regs["acrlapsed"].id, "x2", a.id, "2026-01-01T00:00:00Z")
    session = make_session(emu, "reader", read_only=True)
    try:
        estate = await load_estate(session)
    finally:
        await session.close()
    assert not estate.gaps and len(estate.exemptions) == 2
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    report = run_audit(estate, select_checks(["ACR-POL-001"]), CheckSettings(now=now))
    by = {f.registry.name: f for f in report.findings}
    ex = by["acrexempt"].finding
    assert ex.status is Status.NOT_APPLICABLE and ex.evidence["exempted"] is True
    assert "exempted" in ex.message and "Mitigated" in ex.message and "2026-09-30" in ex.message
    assert ex.evidence["exemptions"][0]["category"] == "Mitigated"
    assert by["acrlapsed"].status is Status.PASS  # expired: the assignment guards it again
    assert by["acrguarded"].status is Status.PASS
    doc = json.loads(json.dumps(by["acrexempt"].to_json()))
    assert doc["evidence"]["exemptions"][0]["expiresOn"] == "2026-09-30T00:00:00Z"
