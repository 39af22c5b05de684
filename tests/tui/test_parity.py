"""Wizard ↔ plan file parity: for every wizard, the plan its answers build equals the plan of the plan file an
operator would write for the same change (same actions, same order, same details), against the same demo estate.

Each wizard's ``build()`` hands its answers to one ``planning.build_*`` function; this test calls those with the
answers the wizard offers by default on the demo estate (the migration with what discovery finds).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from acrtui.azure.dataplane import discover
from acrtui.azure.inventory import load_estate
from acrtui.azure.session import AzureSession
from acrtui.domain.models import Estate
from acrtui.emulator import Emulator, EmulatorConfig
from acrtui.plan.engine import make_plan
from acrtui.plan.executor import Journal
from acrtui.plan.loader import parse
from acrtui.tui import planning
from acrtui.tui.screens.wizards import WIZARDS
from tests.azure.conftest import make_session

PROD = "741cfbc3-d07e-5815-a58f-cae9bd4c2ecf"
STG = "a2128325-8095-58b1-87b1-cff9e5e9f20a"
SBX = "eb6a6f1e-d6af-5096-8df3-4e3c8b7b0c17"
KV = f"/subscriptions/{PROD}/resourceGroups/rg-security-prod/providers/Microsoft.KeyVault/vaults"
IDS = f"/subscriptions/{PROD}/resourceGroups/rg-security-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
LAW = f"/subscriptions/{PROD}/resourceGroups/rg-security-prod/providers/Microsoft.OperationalInsights/workspaces/law-security-prod"
HUB = f"/subscriptions/{PROD}/resourceGroups/rg-network-prod/providers/Microsoft.Network/virtualNetworks/vnet-hub-prod"
ZONE = f"/subscriptions/{PROD}/resourceGroups/rg-network-prod/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"




@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator("demo", config=EmulatorConfig(page_size=50, throttle=False)) as e:
        yield e


@pytest.fixture
async def session(emu: Emulator) -> AsyncIterator[AzureSession]:
    s = make_session(emu)
    yield s
    await s.close()


async def rotate(estate: Estate, s: AzureSession) -> tuple[planning.UiPlan, str]:
    reg = reg_of(estate, "contosoprodpinned")
    return planning.build_rotate_key(estate, reg, key_version=None), f"""
registries:
  - name: contosoprodpinned
    cmk: {{keyVault: {KV}/kv-contoso-ledger, key: ledger-cmk, identity: {IDS}/id-acr-ledger}}
"""


async def migrate(estate: Estate, s: AzureSession) -> tuple[planning.UiPlan, str]:
    reg = reg_of(estate, "contosostgacr")
    found = await discover(s, reg)  # the wizard offers every discovered tag; the filter is left empty
    images = planning.select_images(found.images(), "")
    assert images == ["payments/api:1.5.0-rc1", "platform/nginx:1.27"]
    vault = sorted(estate.vaults, key=lambda v: v.name)[0].id
    plan = planning.build_cmk_migration(reg, name="contosostgacrcmk", resource_group="rg-registry-stg",
                                        location="westeurope", vault_id=vault, key_name="contosostgacr-cmk",
                                        identity_id=None, versionless=True, images=images)
    return plan, f"""
createCmkRegistry:
  - name: contosostgacrcmk
    source: contosostgacr
    keyVault: {vault}
    key: contosostgacr-cmk
    identity: /subscriptions/{STG}/resourceGroups/rg-registry-stg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-contosostgacrcmk
    import: {{images: [payments/api:1.5.0-rc1, platform/nginx:1.27]}}
"""


async def cmkfix(estate: Estate, s: AzureSession) -> tuple[planning.UiPlan, str]:
    reg = reg_of(estate, "contosoprodlost")
    plan = planning.build_cmk_fix(estate, reg, key_access=True, purge_protection=False, audit_workspace=LAW,
                                  network_bypass=False)
    return plan, f"""
registries:
  - name: contosoprodlost
    cmk: {{keyAccess: granted}}
keyVaults:
  - name: kv-contoso-legacy
    auditLogging: {{workspace: {LAW}}}
"""


async def endpoint(estate: Estate, s: AzureSession) -> tuple[planning.UiPlan, str]:
    reg = reg_of(estate, "sandboxpremium")
    plan = planning.build_private_endpoint(reg, subnet_id=f"{HUB}/subnets/snet-pe", name="pe-sandboxpremium",
                                           manual=False, zone_id=ZONE)
    return plan, f"""
registries:
  - name: sandboxpremium
    privateLink:
      endpoints:
        - {{name: pe-sandboxpremium, subnet: {HUB}/subnets/snet-pe, dnsZone: {ZONE}}}
"""


async def connections(estate: Estate, s: AzureSession) -> tuple[planning.UiPlan, str]:
    reg = reg_of(estate, "contosoprodpinned")
    conn = reg.pending_connections[0]
    return planning.build_connection_state(reg, conn, "Approved"), """
registries:
  - name: contosoprodpinned
    privateLink:
      connections: [{privateEndpoint: pe-contosoprodpinned, state: approved}]
"""


async def data(estate: Estate, s: AzureSession) -> tuple[planning.UiPlan, str]:
    reg = reg_of(estate, "sandboxpremium")
    return planning.build_data_endpoint(reg, True, True), """
registries:
  - name: sandboxpremium
    dataEndpoint: {enabled: true, clientAllowlistAcknowledged: true}
"""


async def firewall(estate: Estate, s: AzureSession) -> tuple[planning.UiPlan, str]:
    reg = reg_of(estate, "sandboxpremium")
    plan = planning.build_firewall(reg, public_access=True, default_action="Deny", ip_rules=["198.51.100.0/24"],
                                   trusted_services=True, operator_ips=["198.51.100.7"])
    return plan, """
operator: {ips: [198.51.100.7]}
registries:
  - name: sandboxpremium
    publicNetworkAccess: Enabled
    networkRules: {defaultAction: Deny, ipRules: [198.51.100.0/24], bypass: AzureServices}
"""


async def auth(estate: Estate, s: AzureSession) -> tuple[planning.UiPlan, str]:
    reg = reg_of(estate, "sandboxstd")
    plan = planning.build_auth(reg, admin_user=False, anonymous_pull=False, arm_audience_tokens=False, export=True)
    return plan, """
registries:
  - {name: sandboxstd, adminUser: false, anonymousPull: false, armAudienceTokens: false}
"""


async def policy(estate: Estate, s: AzureSession) -> tuple[planning.UiPlan, str]:
    scope = f"/subscriptions/{SBX}/resourceGroups/rg-sandbox"
    plan = planning.build_policy_assignment(
        scope=scope, definition_id="79fdfe03-ffcb-4e55-b4d0-b925b8241759", effect="Modify",
        display_name="Configure registries to disable local admin account", name="acrtui-79fdfe03-modify",
        location="eastus", remediate=True)
    return plan, f"""
policyAssignments:
  - name: acrtui-79fdfe03-modify
    scope: {scope}
    definition: 79fdfe03-ffcb-4e55-b4d0-b925b8241759
    effect: modify
    displayName: Configure registries to disable local admin account
    location: eastus
    remediate: true
"""


def reg_of(estate: Estate, name: str) -> Any:
    reg = estate.registry(name)
    assert reg is not None
    return reg


CASES: dict[str, Callable[[Estate, AzureSession], Any]] = {
    "rotate": rotate, "migrate": migrate, "cmkfix": cmkfix, "endpoint": endpoint, "connections": connections,
    "data": data, "firewall": firewall, "auth": auth, "policy": policy,
}


def _ids(value: Any) -> Any:
    """ARM ids compare case-insensitively: Azure echoes ``resourcegroups`` in some bodies (a wizard takes ids from
    what Azure returned, a plan file from what a person typed); everything else must be equal to the letter."""
    if isinstance(value, dict):
        return {k: _ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ids(v) for v in value]
    if isinstance(value, str) and value.lower().startswith("/subscriptions/"):
        return value.lower()
    return value


def test_every_wizard_has_a_parity_case() -> None:
    assert set(CASES) == set(WIZARDS)


@pytest.mark.parametrize("wizard", sorted(CASES))
async def test_wizard_plan_equals_plan_file_plan(wizard: str, session: AzureSession, tmp_path: Path) -> None:
    estate = await load_estate(session)
    ui, text = await CASES[wizard](estate, session)
    journal = Journal(tmp_path / "journal.jsonl")
    from_wizard = await make_plan(session, ui.desired, journal)
    from_file = await make_plan(session, parse("apiVersion: acrtui/v1\n" + text, f"{wizard}.yaml"), journal)
    assert from_wizard.plan.actions, f"{wizard}: the case must change something"
    assert [_ids(a.model_dump(mode="json")) for a in from_wizard.plan.actions] == \
        [_ids(a.model_dump(mode="json")) for a in from_file.plan.actions]
    assert [f.to_json() for f in from_wizard.findings] == [f.to_json() for f in from_file.findings]
