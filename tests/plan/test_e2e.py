"""End to end against the emulator's demo estate, through the real service layer and SDK.

Apply lands and re-planning says "No changes."; a second apply makes zero writes; a partial failure leaves a
journal and a re-run finishes; a stale saved plan is refused; impossible requests and Deny policies are refused
before any write; a Deny the preview cannot see comes back as a clear PolicyDenied.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from acrtui.azure.session import AzureSession
from acrtui.azure.writes import Writer
from acrtui.emulator import Emulator
from acrtui.errors import PolicyDenied
from acrtui.plan.engine import PlanRefused, StalePlan, apply_planned, export_desired, make_plan, plan_saved
from acrtui.plan.executor import Journal
from acrtui.plan.loader import load, parse
from acrtui.plan.schema import SavedPlan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
PROD = "741cfbc3-d07e-5815-a58f-cae9bd4c2ecf"
STG = "a2128325-8095-58b1-87b1-cff9e5e9f20a"


def steps(journal: Journal, status: str) -> list[str]:
    return [str(e["kind"]) for e in journal.entries() if e.get("event") == "step" and e.get("status") == status]


async def test_apply_lands_replan_is_empty_and_second_apply_writes_nothing(emu: Emulator, session: AzureSession,
                                                                       journal: Journal) -> None:
    desired = load(EXAMPLES / "harden-contosoprodlost-network.yaml")
    planned = await make_plan(session, desired, journal)
    assert not planned.blocking and len(planned.plan.actions) == 6
    before = emu.last_seq
    result = await apply_planned(session, planned, journal)
    assert result.ok and not result.not_converged
    writes = emu.writes(before)
    # PE, zone group, and one PATCH for all four registry properties
    assert [w.method for w in writes] == ["PUT", "PUT", "PATCH"]
    reg = emu.state.find_name("Microsoft.ContainerRegistry/registries", "contosoprodlost")
    assert reg is not None and reg.props["publicNetworkAccess"] == "Disabled"
    assert steps(journal, "succeeded") == [a.kind for a in planned.plan.actions]

    again = await make_plan(session, desired, journal)
    assert again.plan.empty
    mark = emu.last_seq
    assert (await apply_planned(session, again, journal)).ok
    assert emu.writes(mark) == []


async def test_partial_failure_leaves_a_journal_and_a_rerun_finishes(emu: Emulator, session: AzureSession,
                                                                  journal: Journal) -> None:
    desired = load(EXAMPLES / "sandboxpremium-private-endpoint.yaml")
    emu.faults.add("500", path="privateDnsZoneGroups", method="PUT", count=20)  # beats the session's 3 retries
    planned = await make_plan(session, desired, journal)
    result = await apply_planned(session, planned, journal)
    assert not result.ok and result.failed is not None and result.failed.startswith("CreateDnsZoneGroup")
    assert steps(journal, "succeeded") == ["CreatePrivateEndpoint"]
    assert steps(journal, "failed") == ["CreateDnsZoneGroup"]
    assert [e["action"].split(":")[0] for e in journal.entries() if e.get("status") == "not run"] == ["SetPublicNetworkAccess"]
    reg = emu.state.find_name("Microsoft.ContainerRegistry/registries", "sandboxpremium")
    assert reg is not None and reg.props["publicNetworkAccess"] == "Enabled"  # stopped before the lock

    emu.faults.clear()
    rerun = await make_plan(session, desired, journal)
    assert [a.kind for a in rerun.plan.actions] == ["CreateDnsZoneGroup", "SetPublicNetworkAccess"]
    assert (await apply_planned(session, rerun, journal)).ok
    assert (await make_plan(session, desired, journal)).plan.empty


async def test_stale_saved_plan_is_refused(emu: Emulator, session: AzureSession, journal: Journal) -> None:
    desired = parse("apiVersion: acrtui/v1\nregistries:\n  - name: sandboxpremium\n    adminUser: false\n"
                    "    anonymousPull: true\n")
    planned = await make_plan(session, desired, journal)
    saved = SavedPlan.model_validate_json(planned.saved("p.yaml", "emulator").model_dump_json(by_alias=True))
    # unchanged world: the saved plan still applies
    fresh = await plan_saved(session, saved, journal)
    assert [a.kind for a in fresh.plan.actions] == ["SetAnonymousPull"]
    # the world moves (someone enables the admin user), so the saved plan is stale
    reg = emu.state.find_name("Microsoft.ContainerRegistry/registries", "sandboxpremium")
    assert reg is not None
    await Writer(session).set_admin_user(reg.id, True)
    mark = emu.last_seq
    with pytest.raises(StalePlan, match=r"acrtui plan p\.yaml"):
        await plan_saved(session, saved, journal)
    assert emu.writes(mark) == []


IMPOSSIBLE = [
    ("contosostgstd", "    cmk:\n      keyVault: /subscriptions/{prod}/resourceGroups/rg-security-prod/providers/"
     "Microsoft.KeyVault/vaults/kv-contoso-prod-cmk\n      key: acr-cmk\n      identity: /subscriptions/{prod}/resourceGroups/"
     "rg-security-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-acr-prod\n", "only be set when a registry is created"),
    ("sandboxpremium", "    publicNetworkAccess: Disabled\n", "lock you out"),
    ("sandboxbasic", "    networkRules:\n      defaultAction: Deny\n", "Premium feature"),
    ("contosostgacr", "    adminUser: true\n", "deny-acr-admin"),  # the demo's Deny at rg-registry-stg, previewed
]


@pytest.mark.parametrize(("name", "body", "reason"), IMPOSSIBLE, ids=[i[0] for i in IMPOSSIBLE])
async def test_impossible_requests_are_refused_with_zero_writes(emu: Emulator, session: AzureSession, journal: Journal,
                                                              name: str, body: str, reason: str) -> None:
    desired = parse(f"apiVersion: acrtui/v1\nregistries:\n  - name: {name}\n" + body.replace("{prod}", PROD))
    planned = await make_plan(session, desired, journal)
    assert any(reason in f.reason for f in planned.blocking), planned.findings
    mark = emu.last_seq
    with pytest.raises(PlanRefused) as info:
        await apply_planned(session, planned, journal)
    assert info.value.findings and emu.writes(mark) == []
    assert not journal.entries()


async def test_deny_the_preview_cannot_see_comes_back_as_a_clear_policy_error(emu: Emulator, session: AzureSession,
                                                                            journal: Journal) -> None:
    desired = parse("apiVersion: acrtui/v1\nregistries:\n  - name: contosostgstd\n    anonymousPull: true\n")
    planned = await make_plan(session, desired, journal)
    assert any("deny-acr-admin" in f.reason for f in planned.blocking)  # admin stays on: previewed
    planned.world.definitions.clear()  # as if policy definitions could not be read
    from acrtui.domain.preflight import preflight

    planned.findings = preflight(planned.plan, planned.desired, planned.world)
    assert not planned.blocking and any("cannot be previewed" in f.reason for f in planned.findings)
    result = await apply_planned(session, planned, journal)
    assert isinstance(result.error, PolicyDenied)
    assert "deny-acr-admin" in (result.error.assignment_id or "") and "Azure Policy refused" in result.error.message
    failed = [e for e in journal.entries() if e.get("status") == "failed"]
    assert failed and failed[0]["code"] == "RequestDisallowedByPolicy"


async def test_cmk_migration_imports_once(emu: Emulator, session: AzureSession, journal: Journal) -> None:
    desired = load(EXAMPLES / "cmk-migration-contosostgacr.yaml")
    planned = await make_plan(session, desired, journal)
    assert not planned.blocking
    assert (await apply_planned(session, planned, journal)).ok
    new = emu.state.find_name("Microsoft.ContainerRegistry/registries", "contosostgcmk")
    assert new is not None and new.props["encryption"]["status"] == "enabled"
    # configured from the key's own keyUri, which the ARM keys API writes with :443; re-planning must not see drift
    assert ":443/keys/" in new.props["encryption"]["keyVaultProperties"]["keyIdentifier"]
    assert sorted(new.extra["repositories"]) == ["payments/api", "platform/nginx"]
    assert {e["image"] for e in journal.entries() if e.get("event") == "image"} == {"payments/api:1.5.0-rc1", "platform/nginx:1.27"}
    again = await make_plan(session, desired, journal)
    assert again.plan.empty, again.plan.actions
    mark = emu.last_seq
    assert (await apply_planned(session, again, journal)).ok and emu.writes(mark) == []


async def test_policy_assignments_apply_and_are_idempotent(emu: Emulator, session: AzureSession, journal: Journal) -> None:
    desired = load(EXAMPLES / "assign-policies.yaml")
    planned = await make_plan(session, desired, journal)
    assert [a.kind for a in planned.plan.actions] == ["SetAnonymousPull", "AssignPolicy", "AssignPolicy"]
    assert not planned.blocking and (await apply_planned(session, planned, journal)).ok
    again = await make_plan(session, desired, journal)
    assert again.plan.empty


async def test_export_plans_back_to_no_changes(emu: Emulator, session: AzureSession, journal: Journal) -> None:
    from acrtui.azure.inventory import load_estate
    from acrtui.plan.loader import dump

    desired = parse(dump(export_desired(await load_estate(session))))
    assert len(desired.registries) == 8 and desired.policy_assignments
    planned = await make_plan(session, desired, journal)
    assert planned.plan.empty, [a.describe() for a in planned.plan.actions]


STATIC = """apiVersion: acrtui/v1
registries:
  - name: contosoprodlost
    privateLink:
      endpoints:
        - name: pe-static
          subnet: /subscriptions/741cfbc3-d07e-5815-a58f-cae9bd4c2ecf/resourceGroups/rg-network-prod/providers/Microsoft.Network/virtualNetworks/vnet-hub-prod/subnets/snet-pe
          staticIps: {registry: 10.10.1.200, registry_data_eastus: 10.10.1.201}
    dataEndpoint: {enabled: true, clientAllowlistAcknowledged: true}
"""


async def test_static_private_endpoint_ips_land_and_replan_is_empty(emu: Emulator, session: AzureSession,
                                                                     journal: Journal) -> None:
    desired = parse(STATIC)
    planned = await make_plan(session, desired, journal)
    assert not planned.blocking, planned.findings
    (pe_act,) = [a for a in planned.plan.actions if a.kind == "CreatePrivateEndpoint"]
    assert "--ip-config name=ipconfig-registry group-id=registry member-name=registry private-ip-address=10.10.1.200" \
        in pe_act.az()[0]
    assert (await apply_planned(session, planned, journal)).ok
    pe = emu.state.find_name("Microsoft.Network/privateEndpoints", "pe-static")
    assert pe is not None
    assert {d["fqdn"]: d["ipAddresses"] for d in pe.props["customDnsConfigs"]} == {
        "contosoprodlost.azurecr.io": ["10.10.1.200"], "contosoprodlost.eastus.data.azurecr.io": ["10.10.1.201"]}
    assert (await make_plan(session, desired, journal)).plan.empty


@pytest.mark.parametrize(("ips", "why"), [
    ("{registry: 10.10.2.9}", "not in subnet 10.10.1.0/24"),
    ("{registry: 10.10.1.255}", "reserves"),
    ("{registry_data_westus: 10.10.1.50}", "has no member registry_data_westus"),
])
async def test_static_ips_azure_would_refuse_are_refused_before_any_write(emu: Emulator, session: AzureSession,
                                                                          journal: Journal, ips: str, why: str) -> None:
    text = STATIC.replace("{registry: 10.10.1.200, registry_data_eastus: 10.10.1.201}", ips)
    planned = await make_plan(session, parse(text), journal)
    assert any(why in f.reason for f in planned.blocking), planned.blocking
    mark = emu.last_seq
    with pytest.raises(PlanRefused):
        await apply_planned(session, planned, journal)
    assert emu.writes(mark) == []
