"""Key access and key vault settings end to end against the demo emulator, through the real SDK and service layer.

The audit's CMK findings get a plan-file fix: apply it, reload the estate, and the same audit checks pass;
re-planning says "No changes." and a second apply writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from acrtui.azure.inventory import load_estate
from acrtui.azure.session import AzureSession
from acrtui.azure.writes import Writer
from acrtui.domain.checks import CheckSettings, Status, get_check
from acrtui.domain.models import Estate
from acrtui.emulator import Emulator
from acrtui.emulator.seeds import add_group
from acrtui.plan.engine import PlanRefused, apply_planned, make_plan
from acrtui.plan.executor import Journal
from acrtui.plan.loader import load, parse
from acrtui.plan.render import render_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
PROD = "741cfbc3-d07e-5815-a58f-cae9bd4c2ecf"
STG = "a2128325-8095-58b1-87b1-cff9e5e9f20a"
SEC = f"/subscriptions/{PROD}/resourceGroups/rg-security-prod"
LAW = f"{SEC}/providers/Microsoft.OperationalInsights/workspaces/law-security-prod"


def audit(estate: Estate, registry: str, check_id: str) -> Status:
    reg = estate.registry(registry)
    check = get_check(check_id)
    assert reg is not None and check is not None
    return check.run(reg, estate, CheckSettings()).status


async def apply_and_replan(emu: Emulator, session: AzureSession, journal: Journal, text_or_path: str | Path
                           ) -> tuple[list[str], list[str]]:
    """Plan, apply, re-plan (must be empty), apply again (must write nothing); returns (action kinds, write paths)."""
    desired = load(text_or_path) if isinstance(text_or_path, Path) else parse(text_or_path)
    planned = await make_plan(session, desired, journal)
    assert not planned.blocking, planned.findings
    mark = emu.last_seq
    result = await apply_planned(session, planned, journal)
    assert result.ok and not result.not_converged, (result.error, result.not_converged)
    writes = [f"{w.method} {w.path}" for w in emu.writes(mark)]
    again = await make_plan(session, desired, journal)
    assert again.plan.empty, [a.describe() for a in again.plan.actions]
    mark = emu.last_seq
    assert (await apply_planned(session, again, journal)).ok and emu.writes(mark) == []
    return [a.kind for a in planned.plan.actions], writes


async def test_fix_contosoprodlost_cmk_makes_the_critical_finding_pass(emu: Emulator, session: AzureSession,
                                                                     journal: Journal) -> None:
    before = await load_estate(session)
    assert audit(before, "contosoprodlost", "ACR-CMK-003") == Status.FAIL
    assert audit(before, "contosoprodlost", "ACR-CMK-006") == Status.FAIL
    kinds, writes = await apply_and_replan(emu, session, journal, EXAMPLES / "fix-contosoprodlost-cmk.yaml")
    assert kinds == ["EnableVaultAuditLogging", "GrantKeyAccess"]  # purge protection and bypass already hold
    assert [w.split(" ")[0] for w in writes] == ["PUT", "PUT"]
    assert writes[1].endswith("/vaults/kv-contoso-legacy/accessPolicies/add")
    after = await load_estate(session)
    assert audit(after, "contosoprodlost", "ACR-CMK-003") == Status.PASS
    assert audit(after, "contosoprodlost", "ACR-CMK-006") == Status.PASS
    assert audit(after, "contosoprodlost", "ACR-CMK-005") == Status.PASS


async def test_rbac_vault_gets_the_role_and_the_finding_passes(emu: Emulator, session: AzureSession,
                                                             journal: Journal) -> None:
    kv = session.client("keyvault", PROD)
    await kv.vaults.update("rg-security-prod", "kv-contoso-legacy", {"properties": {"enableRbacAuthorization": True}})
    assert audit(await load_estate(session), "contosoprodlost", "ACR-CMK-003") == Status.FAIL
    kinds, writes = await apply_and_replan(emu, session, journal, "apiVersion: acrtui/v1\nregistries:\n"
                                           "  - name: contosoprodlost\n    cmk: {keyAccess: granted}\n")
    assert kinds == ["GrantKeyAccess"]
    assert len(writes) == 1 and "/vaults/kv-contoso-legacy/providers/Microsoft.Authorization/roleAssignments/" in writes[0]
    assert audit(await load_estate(session), "contosoprodlost", "ACR-CMK-003") == Status.PASS


async def test_ledger_vault_hardening_fixes_the_vault_findings(emu: Emulator, session: AzureSession,
                                                             journal: Journal) -> None:
    kv = session.client("keyvault", PROD)
    acls = {"defaultAction": "Deny", "bypass": "None", "ipRules": [{"value": "203.0.113.7"}]}
    await kv.vaults.update("rg-security-prod", "kv-contoso-ledger", {"properties": {"networkAcls": acls}})
    before = await load_estate(session)
    assert [audit(before, "contosoprodpinned", c) for c in ("ACR-CMK-005", "ACR-CMK-006", "ACR-CMK-007")] == [Status.FAIL] * 3
    text = ("apiVersion: acrtui/v1\nkeyVaults:\n  - name: kv-contoso-ledger\n    purgeProtection: true\n"
            f"    networkBypass: AzureServices\n    auditLogging:\n      workspace: {LAW}\n")
    planned = await make_plan(session, parse(text), journal)
    shown = render_text(planned.plan, planned.findings)
    assert "IRREVERSIBLE" in shown and "Warning: kv-contoso-ledger: Purge protection" in shown
    kinds, _ = await apply_and_replan(emu, session, journal, text)
    assert kinds == ["EnableVaultPurgeProtection", "SetVaultNetworkBypass", "EnableVaultAuditLogging"]
    after = await load_estate(session)
    assert [audit(after, "contosoprodpinned", c) for c in ("ACR-CMK-005", "ACR-CMK-006", "ACR-CMK-007")] == [Status.PASS] * 3
    vault = await kv.vaults.get("rg-security-prod", "kv-contoso-ledger")
    rules = vault.properties.network_acls
    assert (rules.default_action, [r.value for r in rules.ip_rules or []]) == ("Deny", ["203.0.113.7/32"])  # kept


async def test_new_cmk_registry_in_a_group_without_registries_meets_its_deny(emu: Emulator, session: AzureSession,
                                                                           journal: Journal) -> None:
    add_group(emu.state, STG, "rg-cmk-stg", "westeurope")
    scope = f"/subscriptions/{STG}/resourceGroups/rg-cmk-stg"
    await Writer(session).assign_policy(scope, "deny-public-acr", "/providers/Microsoft.Authorization/policyDefinitions/"
                                        "0fdf0491-d080-4575-b627-ad0e843cba0f", effect="Deny")
    desired = load(EXAMPLES / "cmk-migration-contosostgacr.yaml")
    desired = desired.model_copy(update={"create_cmk_registry": [
        m.model_copy(update={"resource_group": "rg-cmk-stg"}) for m in desired.create_cmk_registry]})
    planned = await make_plan(session, desired, journal)
    assert not any(a.name == "deny-public-acr" for a in planned.world.estate.assignments)  # no registry there yet
    assert [a.name for a in planned.world.scope_assignments] == ["deny-public-acr"]
    assert any(f.subject == "contosostgcmk" and "deny-public-acr" in f.reason for f in planned.blocking)


async def test_pinned_migration_creates_pinned_and_grants_once(emu: Emulator, session: AzureSession,
                                                             journal: Journal) -> None:
    vault = emu.state.find_name("Microsoft.KeyVault/vaults", "kv-contoso-ledger")
    assert vault is not None
    kv = session.client("keyvault", PROD)
    newest = str((await kv.keys.get("rg-security-prod", "kv-contoso-ledger", "ledger-cmk")).properties.key_uri_with_version)
    versions = [str(v.properties.key_uri_with_version)
                async for v in kv.keys.list_versions("rg-security-prod", "kv-contoso-ledger", "ledger-cmk")]
    old = next(v for v in versions if v != newest).rsplit("/", 1)[-1]  # not the newest: pinning must be honoured
    text = ("apiVersion: acrtui/v1\ncreateCmkRegistry:\n  - name: ledgercmk2\n    source: contosoprodpinned\n"
            f"    keyVault: {vault.id}\n    key: ledger-cmk\n    keyVersion: {old}\n"
            f"    identity: {SEC}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-ledger2\n"
            "    copySettings: false\n")  # the key only: the source's endpoint subnet is full (tests/plan/test_migration_e2e.py)
    kinds, writes = await apply_and_replan(emu, session, journal, text)
    assert kinds == ["CreateUserAssignedIdentity", "GrantKeyAccess", "CreateCmkRegistry"]
    assert sum("accessPolicies" in w for w in writes) == 1  # the plan's grant; creation does not grant again
    assert not any(w.startswith("PATCH") for w in writes)  # pinned at creation, no rotation after
    reg = emu.state.find_name("Microsoft.ContainerRegistry/registries", "ledgercmk2")
    assert reg is not None and reg.props["encryption"]["keyVaultProperties"]["keyIdentifier"].endswith("/" + old)


async def test_a_vault_outside_the_estate_is_found_by_name_or_group(emu: Emulator, session: AzureSession,
                                                                  journal: Journal) -> None:
    """The estate reads only vaults of CMK registries; keyVaults finds others by listing, or by group + subscription."""
    sbx = next(k for k, v in emu.state.subscriptions.items() if v["displayName"] == "contoso-sandbox")
    kv = session.client("keyvault", sbx)
    props = {"tenantId": emu.tenant_id, "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}
    await (await kv.vaults.begin_create_or_update("rg-sandbox", "kv-sbx-spare", {"location": "eastus", "properties": props})).result()
    assert not any(v.name == "kv-sbx-spare" for v in (await load_estate(session)).vaults)
    by_name = "apiVersion: acrtui/v1\nkeyVaults:\n  - name: kv-sbx-spare\n    purgeProtection: true\n"
    planned = await make_plan(session, parse(by_name), journal)
    assert [(a.kind, a.name) for a in planned.plan.actions] == [("EnableVaultPurgeProtection", "kv-sbx-spare")]
    by_group = ("apiVersion: acrtui/v1\nkeyVaults:\n  - name: kv-sbx-spare\n    subscription: contoso-sandbox\n"
                "    resourceGroup: rg-sandbox\n    networkBypass: None\n    purgeProtection: true\n")
    kinds, _ = await apply_and_replan(emu, session, journal, by_group)
    assert kinds == ["EnableVaultPurgeProtection", "SetVaultNetworkBypass"]
    missing = "apiVersion: acrtui/v1\nkeyVaults:\n  - name: kv-nowhere\n    purgeProtection: true\n"
    with pytest.raises(PlanRefused, match="kv-nowhere not found"):
        await make_plan(session, parse(missing), journal)
