"""The diff, table-driven: desired + observed → exactly these actions (and nothing for what already matches)."""

from __future__ import annotations

from typing import Any

import pytest

from acrtui.domain.actions import (
    AssignPolicy,
    CreateCmkRegistry,
    CreateDnsZoneGroup,
    CreatePrivateEndpoint,
    CreateUserAssignedIdentity,
    GrantKeyAccess,
    ImportImages,
    LinkPrivateDnsZone,
    RegistryPatch,
    RotateKey,
    UnassignPolicy,
)
from acrtui.domain.diff import DiffError, diff, simulate

from . import plan_fixture as fx

NO_CHANGE = [
    # enum case, defaults and the /32 form are normalised away
    {"name": "openpremium", "publicNetworkAccess": "enabled", "adminUser": False, "anonymousPull": False},
    {"name": "openpremium", "networkRules": {"defaultAction": "allow", "bypass": "azureservices", "ipRules": []}},
    {"name": "firewalled", "networkRules": {"ipRules": ["198.51.100.17/32", "203.0.113.0/24"]}},  # order, /32
    {"name": "openpremium", "armAudienceTokens": True},  # not reported = enabled (Azure's default)
    {"name": "openpremium", "export": True, "dataEndpoint": False},
    {"name": "cmkreg", "cmk": {"keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT}},
    {"name": "linkedreg", "privateLink": {"endpoints": [{"name": "pe-linked", "subnet": fx.SUBNET, "dnsZone": fx.ZONE}],
                                          "connections": [{"privateEndpoint": "pe-linked", "state": "approved"}]}},
    {"name": "stdreg", "adminUser": True},
]


@pytest.mark.parametrize("spec", NO_CHANGE, ids=lambda s: str(sorted(k for k in s if k != "name")))
def test_matching_desired_state_plans_no_changes(spec: dict[str, Any]) -> None:
    assert diff(fx.desired(spec), fx.world()).empty


CHANGES = [
    ({"name": "openpremium", "publicNetworkAccess": "Disabled"}, [("SetPublicNetworkAccess", [("publicNetworkAccess", "Enabled", "Disabled")])]),
    ({"name": "stdreg", "adminUser": False}, [("SetAdminUser", [("adminUserEnabled", True, False)])]),
    ({"name": "openpremium", "anonymousPull": True}, [("SetAnonymousPull", [("anonymousPullEnabled", False, True)])]),
    ({"name": "openpremium", "export": False}, [("SetExportPolicy", [("policies.exportPolicy.status", "enabled", "disabled")])]),
    ({"name": "openpremium", "armAudienceTokens": False},
     [("SetArmAudienceTokens", [("policies.azureADAuthenticationAsArmPolicy.status", None, "disabled")])]),
    ({"name": "openpremium", "dataEndpoint": {"enabled": True}},
     [("EnableDataEndpoint", [("dataEndpointEnabled", False, True), ("dataEndpointHostNames", None, "(known after apply)")])]),
    ({"name": "firewalled", "networkRules": {"ipRules": ["203.0.113.0/24"]}},
     [("SetNetworkRules", [("networkRuleSet.ipRules", ["203.0.113.0/24", "198.51.100.17"], ["203.0.113.0/24"])])]),
    ({"name": "openpremium", "networkRules": {"defaultAction": "Deny", "bypass": "None"}},
     [("SetNetworkRules", [("networkRuleSet.defaultAction", "Allow", "Deny"), ("networkRuleBypassOptions", "AzureServices", "None")])]),
    ({"name": "linkedreg", "privateLink": {"connections": [{"privateEndpoint": "pe-other", "state": "Approved"}]}},
     [("ApprovePrivateEndpointConnection", [("privateLinkServiceConnectionState.status", "Pending", "Approved")])]),
    ({"name": "linkedreg", "privateLink": {"connections": [{"privateEndpoint": f"{fx.NET}/privateEndpoints/pe-linked", "state": "Rejected"}]}},
     [("RejectPrivateEndpointConnection", [("privateLinkServiceConnectionState.status", "Approved", "Rejected")])]),
]


@pytest.mark.parametrize(("spec", "expected"), CHANGES, ids=lambda x: str(x)[:60] if isinstance(x, dict) else "")
def test_each_setting_becomes_one_action_with_old_and_new(spec: dict[str, Any], expected: list[Any]) -> None:
    plan = diff(fx.desired(spec), fx.world())
    got = [(a.kind, [(c.path, c.old, c.new) for c in a.changes()]) for a in plan.actions]
    assert got == expected
    # what the action sends is what the diff compared
    for a in plan.actions:
        if isinstance(a, RegistryPatch):
            reg = fx.world().estate.registry(spec["name"])
            assert reg is not None
            assert diff(fx.desired(spec), fx.world(estate=fx.estate(registries=[simulate(reg, plan.actions)]))).empty


def test_private_endpoint_with_dns_orders_zone_link_endpoint_group_then_properties() -> None:
    zone = f"{fx.SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"
    spec = {"name": "openpremium", "publicNetworkAccess": "Disabled", "dataEndpoint": {"enabled": True},
            "privateLink": {"endpoints": [{"name": "pe-open", "subnet": fx.SUBNET, "approval": "manual", "dnsZone": zone,
                                           "linkVnets": [fx.VNET, fx.OTHER_VNET]}]}}
    plan = diff(fx.desired(spec), fx.world())
    kinds = [a.kind for a in plan.actions]
    # the private endpoint turns data endpoints on by itself: no separate EnableDataEndpoint
    assert kinds == ["CreatePrivateEndpoint", "CreatePrivateDnsZone", "LinkPrivateDnsZone", "LinkPrivateDnsZone",
                     "CreateDnsZoneGroup", "SetPublicNetworkAccess"]
    pe = plan.actions[0]
    assert isinstance(pe, CreatePrivateEndpoint) and pe.manual and pe.ip_count == 2
    assert pe.resource_id == f"{fx.SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-open"
    group = plan.actions[4]
    assert isinstance(group, CreateDnsZoneGroup) and set(group.depends_on) == {pe.key, plan.actions[1].key}
    assert set(plan.actions[-1].depends_on) >= {pe.key, group.key}
    assert plan.counts() == (5, 1, 0)


def test_existing_endpoint_without_zone_group_gets_one_and_linked_vnet_is_not_relinked() -> None:
    spec = {"name": "linkedreg", "privateLink": {"endpoints": [{"name": "pe-other", "subnet": fx.SUBNET, "dnsZone": fx.ZONE}]}}
    plan = diff(fx.desired(spec), fx.world())
    assert [a.kind for a in plan.actions] == ["CreateDnsZoneGroup"]
    assert not any(isinstance(a, LinkPrivateDnsZone) for a in plan.actions)


def test_cmk_rotation_to_a_pinned_version_and_cmk_on_a_plain_registry() -> None:
    pinned = {"name": "cmkreg", "cmk": {"keyVault": fx.VAULT, "key": "acr-cmk", "keyVersion": "v2", "identity": fx.IDENT}}
    [rot] = diff(fx.desired(pinned), fx.world()).actions
    assert isinstance(rot, RotateKey) and rot.new_key_identifier == fx.KEY + "/v2" and rot.old_key_identifier == fx.KEY
    # a registry without CMK: the diff says what was asked; preflight refuses it
    plain = {"name": "openpremium", "cmk": {"keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT}}
    [enable] = diff(fx.desired(plain), fx.world()).actions
    assert isinstance(enable, RotateKey) and enable.old_key_identifier is None


def test_migration_creates_identity_grants_access_creates_registry_then_imports() -> None:
    d = fx.desired({"name": "newcmkreg", "armAudienceTokens": False}, createCmkRegistry=[{
        "name": "newcmkreg", "source": "openpremium", "keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.NEW_IDENT,
        "import": {"images": ["app/web:1.0", "app/db"]}}])
    plan = diff(d, fx.world())
    assert [type(a) for a in plan.actions] == [CreateUserAssignedIdentity, GrantKeyAccess, CreateCmkRegistry,
                                               ImportImages, type(plan.actions[4])]
    ident, grant, create, imp, tokens = plan.actions
    assert grant.depends_on == [ident.key] and set(create.depends_on) == {ident.key, grant.key}
    assert isinstance(imp, ImportImages) and imp.images == ["app/web:1.0", "app/db:latest"] and imp.depends_on == [create.key]
    assert tokens.kind == "SetArmAudienceTokens" and create.key in tokens.depends_on
    assert isinstance(create, CreateCmkRegistry) and create.key_uri == fx.KEY
    # images the journal shows as imported are not planned again
    done = frozenset({(fx.rid("newcmkreg").lower(), "app/web:1.0")})
    again = diff(d, fx.world(imported=done))
    assert [a.images for a in again.actions if isinstance(a, ImportImages)] == [["app/db:latest"]]


def test_migration_with_existing_identity_that_already_has_key_access_skips_both() -> None:
    d = fx.desired(createCmkRegistry=[{"name": "newcmkreg", "source": "openpremium", "keyVault": fx.VAULT,
                                       "key": "acr-cmk", "identity": fx.IDENT}])
    assert [a.kind for a in diff(d, fx.world()).actions] == ["CreateCmkRegistry"]


POLICY = [
    ({"name": "deny-admin", "scope": fx.RG, "definition": "dc921057-6b28-4fbe-9b83-f7bec05db6c2", "effect": "deny"}, []),
    ({"name": "deny-admin", "scope": fx.RG, "definition": "dc921057-6b28-4fbe-9b83-f7bec05db6c2"}, []),
    ({"name": "deny-admin", "scope": fx.RG, "definition": "dc921057-6b28-4fbe-9b83-f7bec05db6c2", "effect": "Audit"},
     [("AssignPolicy", "update", [("effect", "Deny", "Audit")])]),
    ({"name": "deny-admin", "scope": fx.RG, "definition": "dc921057-6b28-4fbe-9b83-f7bec05db6c2", "state": "absent"},
     [("UnassignPolicy", "delete", [("policyDefinitionId", fx.ADMIN_DENY, None)])]),
    ({"name": "audit-new", "scope": fx.RG, "definition": "dc921057-6b28-4fbe-9b83-f7bec05db6c2", "state": "absent"}, []),
]


@pytest.mark.parametrize(("spec", "expected"), POLICY)
def test_policy_assignments(spec: dict[str, Any], expected: list[Any]) -> None:
    plan = diff(fx.desired(policyAssignments=[spec]), fx.world())
    assert [(a.kind, a.op, [(c.path, c.old, c.new) for c in a.changes()]) for a in plan.actions] == expected


def test_new_assignment_is_a_create_that_waits_for_registry_changes_in_its_scope() -> None:
    d = fx.desired({"name": "stdreg", "adminUser": False}, policyAssignments=[
        {"name": "deny-anon", "scope": fx.RG, "definition": "9f2dea28-e834-476c-99c5-3507b4728395", "effect": "Deny"}])
    fix, assign = diff(d, fx.world()).actions
    assert isinstance(assign, AssignPolicy) and assign.op == "create" and assign.depends_on == [fix.key]
    assert not any(isinstance(a, UnassignPolicy) for a in diff(d, fx.world()).actions)


def test_unknown_names_are_reported_together() -> None:
    d = fx.desired({"name": "nosuchreg"}, {"name": "linkedreg", "privateLink": {"connections": [
        {"privateEndpoint": "pe-nope", "state": "Approved"}]}})
    with pytest.raises(DiffError) as info:
        diff(d, fx.world())
    assert len(info.value.problems) == 2
    assert "nosuchreg not found" in info.value.problems[0] and "pe-nope" in info.value.problems[1]


# ---------------------------------------------------------------- what Azure normalises is no change


def _world_with(name: str, **update: Any) -> Any:
    e = fx.estate()
    regs = [r.model_copy(update=update) if r.name == name else r for r in e.registries]
    return fx.world(estate=e.model_copy(update={"registries": regs}))


@pytest.mark.parametrize("key_id", [
    "https://kv-main.vault.azure.net:443/keys/acr-cmk",  # keyUri as the ARM keys API writes it
    "HTTPS://KV-MAIN.vault.azure.net:443/keys/acr-cmk/",
])
def test_key_id_with_default_port_is_no_change(key_id: str) -> None:
    enc = fx.estate().registry("cmkreg").encryption.model_copy(update={"key_identifier": key_id})  # type: ignore[union-attr]
    spec = {"name": "cmkreg", "cmk": {"keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT}}
    assert diff(fx.desired(spec), _world_with("cmkreg", encryption=enc)).empty


def test_normalise_key_id() -> None:
    from acrtui.domain.models import key_parts, normalise_key_id

    a = normalise_key_id("https://kv.vault.azure.net:443/keys/k/V1/")
    assert a == normalise_key_id("https://KV.vault.azure.net/keys/k/v1") == "https://kv.vault.azure.net/keys/k/v1"
    assert normalise_key_id("https://kv.vault.azure.net:8443/keys/k") != normalise_key_id("https://kv.vault.azure.net/keys/k")
    assert key_parts("https://kv.vault.azure.net:443/keys/k/v1") == ("kv", "k", "v1")
