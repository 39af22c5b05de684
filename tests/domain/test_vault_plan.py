"""cmk.keyAccess and keyVaults: what the diff emits, what preflight says, what the loader refuses. Pure, no emulator."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from acrtui.domain.actions import (
    CreateCmkRegistry,
    EnableVaultAuditLogging,
    EnableVaultPurgeProtection,
    GrantKeyAccess,
    RotateKey,
    SetVaultNetworkBypass,
)
from acrtui.domain.desired import Cmk, KeyVaultSpec
from acrtui.domain.diff import DiffError, diff, missing_logs
from acrtui.domain.models import (
    DiagnosticSetting,
    Encryption,
    ManagedIdentity,
    PolicyAssignmentInfo,
    UserIdentity,
    VaultPosture,
)
from acrtui.domain.preflight import errors, preflight

from . import plan_fixture as fx

WS = f"{fx.SUB}/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/law"
FULL = {"keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT}


def vault(**kw: Any) -> VaultPosture:
    base = fx.estate().vaults[0]
    return base.model_copy(update=kw)


def world_with(v: VaultPosture, **kw: Any) -> Any:
    return fx.world(estate=fx.estate(vaults=[v], **kw))


def check(spec: dict[str, Any], w: Any, **top: Any) -> tuple[list[Any], list[Any]]:
    d = fx.desired(spec, **top)
    plan = diff(d, w)
    return plan.actions, preflight(plan, d, w)


# ------------------------------------------------------------------------------------------------ keyAccess


@pytest.mark.parametrize("cmk", [{"keyAccess": "granted"}, {**FULL, "keyAccess": "Granted"}], ids=["current", "full"])
def test_lost_key_access_is_granted_back_and_only_then(cmk: dict[str, Any]) -> None:
    lost = world_with(vault(key_users=[]))
    actions, findings = check({"name": "cmkreg", "cmk": cmk}, lost)
    assert [type(a) for a in actions] == [GrantKeyAccess]
    grant = actions[0]
    assert (grant.resource_id, grant.identity_id, grant.principal_id, grant.rbac) == (fx.VAULT, fx.IDENT, "p-acr", False)
    assert not errors(findings)
    # access present (the fixture's vault lists p-acr): nothing to do — the re-plan after apply
    assert diff(fx.desired({"name": "cmkreg", "cmk": cmk}), fx.world()).empty


def test_rbac_vault_grants_the_crypto_service_encryption_user_role() -> None:
    actions, _ = check({"name": "cmkreg", "cmk": {"keyAccess": "granted"}},
                       world_with(vault(key_users=[], rbac_authorization=True)))
    assert [(type(a), a.rbac) for a in actions] == [(GrantKeyAccess, True)]
    assert "Key Vault Crypto Service Encryption User" in actions[0].az()[0]


def test_without_key_access_the_cmk_block_leaves_access_alone() -> None:
    """Only what is written is desired: a cmk block without keyAccess does not touch access it does not rotate."""
    assert diff(fx.desired({"name": "cmkreg", "cmk": FULL}), world_with(vault(key_users=[]))).empty


def test_system_identity_key_access_uses_the_registry_principal() -> None:
    reg = fx.registry("sysreg", encryption=Encryption(enabled=True, key_identifier=fx.KEY, identity_client_id="system"),
                      identity=ManagedIdentity(system_principal_id="p-sys"))
    w = fx.world(estate=fx.estate(registries=[reg]))
    actions, findings = check({"name": "sysreg", "cmk": {"keyAccess": "granted"}}, w)
    assert [(a.principal_id, a.identity_id) for a in actions] == [("p-sys", fx.rid("sysreg") + "/system")]
    assert not errors(findings)


def test_key_access_for_an_identity_the_registry_does_not_hold_is_refused() -> None:
    reg = fx.registry("orphan", encryption=Encryption(enabled=True, key_identifier=fx.KEY, identity_client_id="c-gone"),
                      identity=ManagedIdentity(user_assigned=[UserIdentity(resource_id=fx.NEW_IDENT, principal_id="p2",
                                                                           client_id="c2")]))
    actions, findings = check({"name": "orphan", "cmk": {"keyAccess": "granted"}}, fx.world(estate=fx.estate(registries=[reg])))
    assert actions == []
    assert any("does not hold" in f.reason and "az acr identity assign" in f.way_forward for f in errors(findings))


def test_key_access_on_a_registry_without_cmk_is_a_plan_error() -> None:
    with pytest.raises(DiffError, match="not encrypted with a customer-managed key"):
        diff(fx.desired({"name": "openpremium", "cmk": {"keyAccess": "granted"}}), fx.world())


def test_key_access_on_an_unreadable_or_firewalled_vault() -> None:
    unreadable = vault(key_users=[], readable=False)
    _, findings = check({"name": "cmkreg", "cmk": {"keyAccess": "granted"}}, world_with(unreadable))
    assert any("cannot be read" in f.reason for f in errors(findings))
    walled = vault(key_users=[], network_default_action="Deny", network_bypass="None")
    _, findings = check({"name": "cmkreg", "cmk": {"keyAccess": "granted"}}, world_with(walled))
    assert not errors(findings) and any("even with key access" in f.reason for f in findings)
    # the same plan opening the bypass: no warning left
    _, findings = check({"name": "cmkreg", "cmk": {"keyAccess": "granted"}}, world_with(walled),
                        keyVaults=[{"name": "kv-main", "networkBypass": "AzureServices"}])
    assert not any("even with key access" in f.reason for f in findings)


def test_rotation_still_grants_the_new_identity_first() -> None:
    ident = UserIdentity(resource_id=fx.NEW_IDENT, principal_id="p-new", client_id="c-new")
    reg = fx.estate().registry("cmkreg")
    assert reg is not None
    reg = reg.model_copy(update={"identity": ManagedIdentity(user_assigned=[*reg.identity.user_assigned, ident])})
    w = fx.world(estate=fx.estate(registries=[reg]))
    actions, findings = check({"name": "cmkreg", "cmk": {**FULL, "identity": fx.NEW_IDENT}}, w)
    assert [type(a) for a in actions] == [GrantKeyAccess, RotateKey]
    assert actions[1].depends_on == [actions[0].key] and not errors(findings)


@pytest.mark.parametrize(("cmk", "message"), [
    ({"keyVault": fx.VAULT, "key": "acr-cmk"}, "missing: identity"),
    ({"keyVersion": "abc", "keyAccess": "granted"}, "keyVersion needs"),
    ({}, "keyAccess: granted"),
    ({"keyAccess": "revoked"}, "granted"),
])
def test_incomplete_cmk_blocks_are_refused(cmk: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Cmk.model_validate(cmk)


# ------------------------------------------------------------------------------------------------ keyVaults


def test_vault_settings_become_actions_and_match_afterwards() -> None:
    bare = vault(purge_protection=False, network_bypass="None", network_default_action="Deny")
    spec = {"name": "kv-main", "purgeProtection": True, "networkBypass": "azureservices",
            "auditLogging": {"workspace": WS}}
    actions, findings = check({"name": "openpremium"}, world_with(bare), keyVaults=[spec])
    assert [type(a) for a in actions] == [EnableVaultPurgeProtection, SetVaultNetworkBypass, EnableVaultAuditLogging]
    assert (actions[1].old, actions[1].new) == ("None", "AzureServices")
    assert actions[2].categories == ["AuditEvent"] and actions[2].workspace_id == WS
    irreversible = [f for f in findings if "IRREVERSIBLE" in f.reason]
    assert irreversible and irreversible[0].severity == "warning"
    done = bare.model_copy(update={"purge_protection": True, "network_bypass": "AzureServices", "diagnostic_settings": [
        DiagnosticSetting(name="acrtui-audit", categories=["AuditEvent"], workspace_id=WS)]})
    assert diff(fx.desired({"name": "openpremium"}, keyVaults=[spec]), world_with(done)).empty


def test_vaults_are_found_by_name_group_or_id_and_misses_are_reported() -> None:
    w = world_with(vault(purge_protection=False))
    for spec in ({"name": "kv-main"}, {"name": "kv-main", "resourceGroup": "rg-sec"}, {"id": fx.VAULT},
                 {"name": "kv-main", "subscription": fx.SUB.split("/")[-1]}):
        plan = diff(fx.desired(keyVaults=[{**spec, "purgeProtection": True}]), w)
        assert [a.resource_id for a in plan.actions] == [fx.VAULT], spec
    with pytest.raises(DiffError, match="kv-other not found"):
        diff(fx.desired(keyVaults=[{"name": "kv-other", "purgeProtection": True}]), w)
    with pytest.raises(DiffError, match="kv-main not found"):
        diff(fx.desired(keyVaults=[{"name": "kv-main", "resourceGroup": "rg-elsewhere", "purgeProtection": True}]), w)


def test_audit_logging_counts_groups_and_sends_only_what_is_missing() -> None:
    sent = [DiagnosticSetting(name="to-siem", categories=["AuditEvent"], workspace_id="/other")]
    assert missing_logs(sent, ["AuditEvent", "audit"]) == []
    assert missing_logs(sent, ["AuditEvent", "allLogs"]) == ["allLogs"]
    assert missing_logs([DiagnosticSetting(name="x", categories=["allLogs"])], ["AuditEvent", "AzurePolicyEvaluationDetails"]) == []
    spec = {"name": "kv-main", "auditLogging": {"workspace": WS, "categories": ["AuditEvent", "AzurePolicyEvaluationDetails"]}}
    plan = diff(fx.desired(keyVaults=[spec]), world_with(vault(diagnostic_settings=sent)))
    # AuditEvent already goes to /other: Azure refuses a category twice per destination, so only the rest is sent
    assert [a.categories for a in plan.actions if isinstance(a, EnableVaultAuditLogging)] == [["AzurePolicyEvaluationDetails"]]
    assert len(plan.actions) == 1


def test_purge_protection_needs_soft_delete_and_bypass_none_would_cut_registries_off() -> None:
    _, findings = check({"name": "openpremium"}, world_with(vault(purge_protection=False, soft_delete=False)),
                        keyVaults=[{"name": "kv-main", "purgeProtection": True}])
    assert any("soft delete off" in f.reason for f in errors(findings))
    walled = vault(network_default_action="Deny")
    _, findings = check({"name": "openpremium"}, world_with(walled), keyVaults=[{"name": "kv-main", "networkBypass": "None"}])
    assert any("cmkreg can no longer reach its key" in f.reason for f in errors(findings))


def test_migration_preflight_accepts_a_vault_fixed_in_the_same_plan() -> None:
    walled = vault(network_default_action="Deny", network_bypass="None", purge_protection=False)
    mig = {"name": "newcmk", "source": "openpremium", "keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT}
    _, findings = check({"name": "openpremium"}, world_with(walled), createCmkRegistry=[mig])
    assert any("firewalled without trusted-services bypass" in f.reason and "networkBypass" in f.way_forward
               for f in errors(findings))
    assert any("no purge protection" in f.reason for f in findings)
    actions, findings = check({"name": "openpremium"}, world_with(walled), createCmkRegistry=[mig],
                              keyVaults=[{"name": "kv-main", "networkBypass": "AzureServices", "purgeProtection": True}])
    assert not errors(findings) and not any("no purge protection" in f.reason for f in findings)
    assert [type(a) for a in actions][:2] == [EnableVaultPurgeProtection, SetVaultNetworkBypass]
    assert any(isinstance(a, CreateCmkRegistry) for a in actions)


@pytest.mark.parametrize(("spec", "message"), [
    ({"name": "kv-main", "purgeProtection": False}, "can only be true"),
    ({"purgeProtection": True}, "give the vault's name"),
    ({"name": "kv-main", "id": fx.VAULT.replace("kv-main", "kv-x")}, "does not match"),
    ({"name": "kv_main"}, "3-24 letters"),
    ({"name": "kv-main", "auditLogging": {"workspace": WS, "categories": ["Everything"]}}, "AuditEvent"),
    ({"name": "kv-main", "networkBypass": "Trusted"}, "AzureServices"),
])
def test_bad_key_vault_entries_are_refused(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        KeyVaultSpec.model_validate(spec)


def test_a_vault_listed_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="key vault listed twice: kv-main"):
        fx.desired(keyVaults=[{"name": "kv-main"}, {"name": "KV-MAIN", "purgeProtection": True}])


# ------------------------------------------------------------------------------------------------ Deny preview


def test_deny_preview_sees_assignments_read_at_a_scope_the_estate_lacks() -> None:
    """A new CMK registry in a group with no registry: the estate has no assignments there; observe reads them."""
    group = f"{fx.SUB}/resourceGroups/rg-empty"
    deny_public = PolicyAssignmentInfo(
        id=f"{group}/providers/Microsoft.Authorization/policyAssignments/deny-public", name="deny-public", scope=group,
        definition_id="/providers/Microsoft.Authorization/policyDefinitions/0fdf0491-d080-4575-b627-ad0e843cba0f",
        effect="Deny")
    definition = {"properties": {"parameters": {"effect": {"type": "String", "defaultValue": "Audit",
                                                           "allowedValues": ["Audit", "Deny", "Disabled"]}},
                                 "policyRule": {"if": {"allOf": [
                                     {"field": "type", "equals": "Microsoft.ContainerRegistry/registries"},
                                     {"field": "Microsoft.ContainerRegistry/registries/publicNetworkAccess",
                                      "notEquals": "Disabled"}]}, "then": {"effect": "[parameters('effect')]"}}},
                  "name": "0fdf0491-d080-4575-b627-ad0e843cba0f"}
    mig = {"name": "newcmk", "source": "openpremium", "resourceGroup": "rg-empty", "keyVault": fx.VAULT, "key": "acr-cmk",
           "identity": fx.IDENT}
    _, findings = check({"name": "openpremium"}, fx.world(definitions={deny_public.definition_id.lower(): definition}),
                        createCmkRegistry=[mig])
    assert not any("deny-public" in f.reason for f in findings)
    w = fx.world(definitions={deny_public.definition_id.lower(): definition}, scope_assignments=[deny_public])
    _, findings = check({"name": "openpremium"}, w, createCmkRegistry=[mig])
    assert any(f.subject == "newcmk" and "deny-public" in f.reason for f in errors(findings))


def test_every_check_remediation_names_a_real_plan_action() -> None:
    """Findings point at the plan action that fixes them; where acrtui has none (SKU change, replicas) only az."""
    import typing

    from acrtui.domain import actions as A
    from acrtui.domain.checks import CATALOGUE

    kinds = {c.__name__ for c in typing.get_args(typing.get_args(A.AnyAction)[0])}
    named = {c.id: c.remediation.action for c in CATALOGUE if c.remediation.action}
    assert {i: a for i, a in named.items() if a not in kinds} == {}
    assert named["ACR-CMK-003"] == "GrantKeyAccess" and named["ACR-CMK-005"] == "EnableVaultPurgeProtection"
