"""Preflight: each refusal, with its reason and way forward, before anything is written."""

from __future__ import annotations

from typing import Any

import pytest

from acrtui.domain.diff import SubnetInfo, diff
from acrtui.domain.models import VaultPosture
from acrtui.domain.preflight import Finding, errors, preflight

from . import plan_fixture as fx

ADMIN_DENY_DEFINITION = {
    "id": fx.ADMIN_DENY,
    "name": "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
    "properties": {
        "displayName": "Container registries should have local admin account disabled.",
        "mode": "Indexed",
        "parameters": {"effect": {"type": "String", "allowedValues": ["Audit", "Deny", "Disabled"], "defaultValue": "Audit"}},
        "policyRule": {
            "if": {"allOf": [{"field": "type", "equals": "Microsoft.ContainerRegistry/registries"},
                             {"field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": True}]},
            "then": {"effect": "[parameters('effect')]"},
        },
    },
}


def run(*specs: dict[str, Any], world: Any = None, **top: Any) -> list[Finding]:
    w = world or fx.world()
    d = fx.desired(*specs, **top)
    return preflight(diff(d, w), d, w)


def only_error(findings: list[Finding]) -> Finding:
    errs = errors(findings)
    assert len(errs) == 1, findings
    return errs[0]


def test_cmk_on_an_existing_registry_is_refused_with_the_migration_path() -> None:
    e = only_error(run({"name": "openpremium", "cmk": {"keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT}}))
    assert "only be set when a registry is created" in e.reason
    assert "createCmkRegistry" in e.way_forward and "import" in e.way_forward


def test_cmk_on_standard_names_both_problems() -> None:
    e = only_error(run({"name": "stdreg", "cmk": {"keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT}}))
    assert "needs Premium" in e.reason and "createCmkRegistry" in e.way_forward


@pytest.mark.parametrize("spec", [
    {"publicNetworkAccess": "Disabled", "allowLockout": True},
    {"networkRules": {"defaultAction": "Deny"}},
    {"dataEndpoint": {"enabled": True, "clientAllowlistAcknowledged": True}},
    {"privateLink": {"endpoints": [{"name": "pe-std", "subnet": fx.SUBNET}]}},
])
def test_premium_only_settings_on_standard(spec: dict[str, Any]) -> None:
    e = only_error(run({"name": "stdreg", **spec}))
    assert "is a Premium feature" in e.reason and "Standard" in e.reason and "--sku Premium" in e.way_forward


def test_anonymous_pull_needs_standard() -> None:
    assert "Standard or Premium" in only_error(run({"name": "basicreg", "anonymousPull": True})).reason


def test_public_access_off_without_private_path_requires_allow_lockout() -> None:
    e = only_error(run({"name": "openpremium", "publicNetworkAccess": "Disabled"}))
    assert "lock you out" in e.reason and "no approved private endpoint" in e.reason
    assert "allowLockout: true" in e.way_forward
    assert not errors(run({"name": "openpremium", "publicNetworkAccess": "Disabled", "allowLockout": True}))


def test_manual_endpoint_is_not_a_private_path_but_auto_with_linked_zone_is() -> None:
    ep = {"name": "pe-open", "subnet": fx.SUBNET, "dnsZone": fx.ZONE}
    manual = run({"name": "openpremium", "publicNetworkAccess": "Disabled", "dataEndpoint": {"enabled": True, "clientAllowlistAcknowledged": True},
                  "privateLink": {"endpoints": [{**ep, "approval": "manual"}]}})
    assert "lock you out" in only_error(manual).reason
    auto = run({"name": "openpremium", "publicNetworkAccess": "Disabled", "dataEndpoint": {"enabled": True, "clientAllowlistAcknowledged": True},
                "privateLink": {"endpoints": [ep]}}, operator={"networks": [fx.VNET]})
    assert not errors(auto)


def test_operator_network_not_linked_to_the_zone_is_a_lockout() -> None:
    e = only_error(run({"name": "linkedreg", "publicNetworkAccess": "Disabled"}, operator={"networks": [fx.OTHER_VNET]}))
    assert "is linked to your network" in e.reason and "no private endpoint" in e.reason and "vnet-spoke" in e.reason
    assert not errors(run({"name": "linkedreg", "publicNetworkAccess": "Disabled"}, operator={"networks": [fx.VNET]}))


def test_firewall_that_would_block_the_operator_ip() -> None:
    e = only_error(run({"name": "openpremium", "networkRules": {"defaultAction": "Deny", "ipRules": ["203.0.113.0/24"]}},
                       operator={"ips": ["198.51.100.9"]}))
    assert "198.51.100.9" in e.reason
    assert not errors(run({"name": "openpremium", "networkRules": {"defaultAction": "Deny", "ipRules": ["198.51.100.0/24"]}},
                          operator={"ips": ["198.51.100.9"]}))


def test_data_endpoint_without_allowlist_acknowledged_is_a_warning() -> None:
    w = fx.world(definitions={fx.ADMIN_DENY.lower(): ADMIN_DENY_DEFINITION})
    found = run({"name": "openpremium", "dataEndpoint": {"enabled": True}}, world=w)
    assert not errors(found)
    [warning] = found
    assert warning.severity == "warning" and "openpremium.eastus.data.azurecr.io" in warning.reason
    assert not run({"name": "openpremium", "dataEndpoint": {"enabled": True, "clientAllowlistAcknowledged": True}}, world=w)


def test_export_disable_while_public_access_stays_on() -> None:
    e = only_error(run({"name": "openpremium", "export": False}))
    assert "public network access is disabled" in e.reason


def test_deny_policy_is_reported_before_the_write_when_the_definition_is_known() -> None:
    w = fx.world(definitions={fx.ADMIN_DENY.lower(): ADMIN_DENY_DEFINITION})
    e = only_error(run({"name": "openpremium", "adminUser": True}, world=w))
    assert "RequestDisallowedByPolicy" in e.reason and "deny-admin" in e.reason
    # a change that leaves the registry compliant passes; stdreg turning admin off passes too
    assert not errors(run({"name": "stdreg", "adminUser": False}, world=w))
    # stdreg keeps admin on while changing something else: refused, as Azure would
    assert "deny-admin" in only_error(run({"name": "stdreg", "anonymousPull": True}, world=w)).reason


def test_deny_without_a_readable_definition_is_a_warning_not_a_guess() -> None:
    found = run({"name": "openpremium", "adminUser": True})
    assert not errors(found) and "cannot be previewed" in found[0].reason


def test_key_must_be_rsa_and_must_exist_for_rotation() -> None:
    e = only_error(run({"name": "cmkreg", "cmk": {"keyVault": fx.VAULT, "key": "ec-key", "identity": fx.IDENT}}))
    assert "must be RSA" in e.reason
    e = only_error(run({"name": "cmkreg", "cmk": {"keyVault": fx.VAULT, "key": "gone", "identity": fx.IDENT}}))
    assert "does not exist" in e.reason


def test_identity_that_cannot_use_the_key_and_identity_not_on_the_registry() -> None:
    vault = fx.world().vault(fx.VAULT)
    assert vault is not None
    no_access = fx.world(vaults={fx.VAULT.lower(): vault.model_copy(update={"key_users": []})})
    found = run({"name": "cmkreg", "cmk": {"keyVault": fx.VAULT, "key": "acr-cmk", "keyVersion": "v2", "identity": fx.IDENT}},
                world=no_access)
    # the diff plans the grant first, so rotation is allowed
    assert not errors(found)
    e = only_error(run({"name": "cmkreg", "cmk": {"keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.NEW_IDENT}}))
    assert "not assigned to cmkreg" in e.reason


def test_unreadable_or_firewalled_vault_for_a_new_cmk_registry() -> None:
    mig = {"name": "newcmkreg", "source": "openpremium", "keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT}
    unreadable = VaultPosture(id=fx.VAULT, name="kv-main", subscription_id="s", resource_group="rg-sec", location="eastus",
                              vault_uri="", readable=False)
    e = only_error(run(createCmkRegistry=[mig], world=fx.world(vaults={fx.VAULT.lower(): unreadable},
                                                               estate=fx.estate(vaults=[]))))
    assert "cannot be read" in e.reason
    fw = fx.world().vault(fx.VAULT).model_copy(update={"network_default_action": "Deny", "network_bypass": "None"})  # type: ignore[union-attr]
    e = only_error(run(createCmkRegistry=[mig], world=fx.world(vaults={fx.VAULT.lower(): fw})))
    assert "--bypass AzureServices" in e.way_forward


def test_cmk_registry_name_already_taken() -> None:
    mig = {"name": "stdreg", "source": "openpremium", "keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT}
    # stdreg exists: the diff does not create it; a different group means a new id with a taken name
    e = only_error(run(createCmkRegistry=[{**mig, "resourceGroup": "rg-other"}]))
    assert "already exists" in e.reason


def test_subnet_too_small_for_the_endpoint_ips() -> None:
    w = fx.world()
    w.subnets[fx.SMALL.lower()] = SubnetInfo(fx.SMALL, "10.0.2.0/29", used=2)  # 3 usable, 2 used → 1 free
    e = only_error(run({"name": "openpremium", "dataEndpoint": {"enabled": True, "clientAllowlistAcknowledged": True},
                        "privateLink": {"endpoints": [{"name": "pe-x", "subnet": fx.SMALL}]}}, world=w))
    assert "1 free" in e.reason and "need 2" in e.reason and "/28" in e.way_forward


def test_missing_subnet() -> None:
    w = fx.world()
    w.subnets[fx.SMALL.lower()] = None
    e = only_error(run({"name": "openpremium", "dataEndpoint": {"enabled": True, "clientAllowlistAcknowledged": True},
                        "privateLink": {"endpoints": [{"name": "pe-x", "subnet": fx.SMALL}]}}, world=w))
    assert "was not found" in e.reason


def test_effect_not_allowed_by_the_definition_and_modify_without_location() -> None:
    w = fx.world(definitions={fx.ADMIN_DENY.lower(): ADMIN_DENY_DEFINITION})
    spec = {"name": "x-admin", "scope": fx.RG, "definition": "dc921057-6b28-4fbe-9b83-f7bec05db6c2", "effect": "Modify"}
    e = only_error(run(policyAssignments=[spec], world=w))
    assert "PolicyParameterValueNotAllowed" in e.reason


def test_new_deny_assignment_warns_about_registries_left_non_compliant() -> None:
    w = fx.world(definitions={fx.ADMIN_DENY.lower(): ADMIN_DENY_DEFINITION})
    spec = {"name": "deny-admin-2", "scope": fx.RG, "definition": "dc921057-6b28-4fbe-9b83-f7bec05db6c2", "effect": "Deny"}
    found = run(policyAssignments=[spec], world=w)
    assert any(f.severity == "warning" and "stdreg" in f.reason for f in found)
    assert not [f for f in run({"name": "stdreg", "adminUser": False}, policyAssignments=[spec], world=w)
                if "stdreg" in f.reason and f.severity == "warning"]
