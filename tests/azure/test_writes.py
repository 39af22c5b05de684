"""Every write against a fresh demo emulator: it lands, waits for its LRO, and returns the read-back state.

Plus the read-only contract: every write on a read-only session sends nothing at all.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from acrtui.azure.inventory import Inventory
from acrtui.azure.writes import Writer
from acrtui.emulator import Emulator
from acrtui.errors import (
    AzureServiceError,
    CmkRuleViolation,
    OperationFailed,
    PermissionDenied,
    PolicyDenied,
    PremiumRequired,
    ReadOnlyViolation,
)

ADMIN_POLICY = "dc921057-6b28-4fbe-9b83-f7bec05db6c2"
DISABLE_PUBLIC_MODIFY = "a3701552-92ea-433e-9d17-33b7f1208fc9"


def sub_id(emu: Emulator, name: str) -> str:
    return next(v["subscriptionId"] for v in emu.state.subscriptions.values() if v["displayName"] == name)


def rid(emu: Emulator, rtype: str, name: str) -> str:
    res = emu.state.find_name(rtype, name)
    assert res is not None, name
    return res.id


def reg_id(emu: Emulator, name: str) -> str:
    return rid(emu, "Microsoft.ContainerRegistry/registries", name)


def vault_id(emu: Emulator, name: str) -> str:
    return rid(emu, "Microsoft.KeyVault/vaults", name)


@pytest.fixture
def writer(demo_emu: Emulator, session_factory: Any) -> Writer:
    return Writer(session_factory(demo_emu))


# ---------------------------------------------------------------- registry PATCH helpers


async def test_registry_patch_helpers(demo_emu: Emulator, writer: Writer) -> None:
    r = reg_id(demo_emu, "sandboxpremium")
    got = await writer.set_network_rules(r, "Deny", ["203.0.113.7", "198.51.100.0/24"])
    assert got.default_action == "Deny" and [i.value for i in got.ip_rules] == ["203.0.113.7", "198.51.100.0/24"]
    got = await writer.set_network_bypass(r, False)
    assert got.network_rule_bypass == "None"
    got = await writer.set_data_endpoint(r, True)
    assert got.data_endpoint_enabled and got.data_endpoint_host_names == ["sandboxpremium.eastus.data.azurecr.io"]
    got = await writer.set_admin_user(r, True)
    assert got.admin_user_enabled
    got = await writer.set_anonymous_pull(r, True)
    assert got.anonymous_pull_enabled
    got = await writer.set_public_network_access(r, False)
    assert got.public_network_access == "Disabled"
    got = await writer.set_export_policy(r, False)
    assert not got.export_policy_enabled
    got = await writer.set_arm_audience_tokens(r, False)
    assert got.arm_audience_token_enabled is False
    # what Azure stores is what the read-back reported
    p = demo_emu.state.get(r).props  # type: ignore[union-attr]
    assert p["networkRuleBypassOptions"] == "None" and p["publicNetworkAccess"] == "Disabled"
    assert p["policies"]["exportPolicy"]["status"] == "disabled"


async def test_premium_only_refusal_is_typed(demo_emu: Emulator, writer: Writer) -> None:
    with pytest.raises(PremiumRequired) as info:
        await writer.set_public_network_access(reg_id(demo_emu, "sandboxstd"), False)
    assert info.value.code == "DisablingPublicNetworkAccessNotSupported"


async def test_policy_deny_names_assignment_and_definition(demo_emu: Emulator, writer: Writer) -> None:
    with pytest.raises(PolicyDenied) as info:
        await writer.set_admin_user(reg_id(demo_emu, "contosostgacr"), True)
    e = info.value
    assert e.assignment_id and e.assignment_id.endswith("/deny-acr-admin")
    assert e.definition_id and e.definition_id.endswith(ADMIN_POLICY)
    assert "deny-acr-admin" in e.message


async def test_permission_denied_names_principal_action_scope(demo_emu: Emulator, session_factory: Any) -> None:
    w = Writer(session_factory(demo_emu, "reader"))
    r = reg_id(demo_emu, "sandboxpremium")
    with pytest.raises(PermissionDenied) as info:
        await w.set_admin_user(r, True)
    e = info.value
    assert e.principal == demo_emu.login("reader").object_id
    assert e.action == "Microsoft.ContainerRegistry/registries/write" and e.scope and e.scope.lower() == r.lower()


async def test_auto_private_endpoint_without_approval_right_names_the_action(demo_emu: Emulator,
                                                                              session_factory: Any) -> None:
    """Azure's 403 LinkedAuthorizationFailed is a permission error naming the approval action and the registry."""
    from acrtui.emulator.seeds import grant

    prod = sub_id(demo_emu, "contoso-production")
    reader = demo_emu.login("reader")
    grant(demo_emu.state, f"/subscriptions/{prod}/resourceGroups/rg-network-prod", "Network Contributor",
          reader.object_id)
    w = Writer(session_factory(demo_emu, "reader"))
    r = reg_id(demo_emu, "sandboxpremium")
    vnet = rid(demo_emu, "Microsoft.Network/virtualNetworks", "vnet-hub-prod")
    with pytest.raises(PermissionDenied) as info:
        await w.create_private_endpoint(prod, "rg-network-prod", "pe-sbx", "eastus", subnet_id=f"{vnet}/subnets/snet-pe",
                                        registry_id=r)
    e = info.value
    assert e.code == "LinkedAuthorizationFailed" and e.principal == reader.object_id
    assert e.action == "Microsoft.ContainerRegistry/registries/privateEndpointConnectionsApproval/action"
    assert e.scope and e.scope.lower() == r.lower() and "manual" in e.message
    pe = await w.create_private_endpoint(prod, "rg-network-prod", "pe-sbx", "eastus", subnet_id=f"{vnet}/subnets/snet-pe",
                                         registry_id=r, manual=True)
    assert pe.connection_status == "Pending"


async def test_lro_failure_is_typed(demo_emu: Emulator, writer: Writer) -> None:
    demo_emu.faults.add("lro-fail", path="registries/sandboxpremium$", method="PATCH")
    with pytest.raises(OperationFailed):
        await writer.set_data_endpoint(reg_id(demo_emu, "sandboxpremium"), True)


# ---------------------------------------------------------------- identities, keys, CMK


async def test_identity_and_key_access(demo_emu: Emulator, writer: Writer) -> None:
    prod = sub_id(demo_emu, "contoso-production")
    ident = await writer.create_user_identity(prod, "rg-security-prod", "id-new", "eastus")
    assert ident.resource_id.endswith("/id-new") and ident.principal_id and ident.client_id
    v = vault_id(demo_emu, "kv-contoso-legacy")
    assert not await writer.check_key_access(v, ident.principal_id)
    vault = await writer.grant_key_access(v, ident.principal_id)
    assert ident.principal_id.lower() in vault.key_users
    assert await writer.check_key_access(v, ident.principal_id)
    key = await writer.ensure_key(v, "brand-new-key")
    assert key.kty == "RSA" and key.key_size == 3072 and key.newest_version
    again = await writer.ensure_key(v, "brand-new-key")
    assert again.newest_version == key.newest_version  # create_if_not_exist never makes a second version
    with pytest.raises(CmkRuleViolation):
        await writer.ensure_key(v, "ec-key", kty="EC")


async def test_key_access_on_rbac_vault_uses_role(demo_emu: Emulator, writer: Writer, sdk: Any) -> None:
    from azure.mgmt.keyvault.aio import KeyVaultManagementClient

    prod = sub_id(demo_emu, "contoso-production")
    kv = sdk(KeyVaultManagementClient, demo_emu, subscription=prod)
    props = {"tenantId": demo_emu.tenant_id, "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": True}
    poller = await kv.vaults.begin_create_or_update("rg-security-prod", "kv-rbac-test", {"location": "eastus", "properties": props})
    created = await poller.result()
    ident = await writer.create_user_identity(prod, "rg-security-prod", "id-rbac", "eastus")
    assert ident.principal_id
    vault = await writer.grant_key_access(created.id, ident.principal_id)
    assert vault.rbac_authorization and ident.principal_id.lower() in vault.key_users
    ras = [r.body for r in demo_emu.state.of_type("Microsoft.Authorization/roleAssignments", created.id)]
    assert [r["properties"]["roleDefinitionId"].split("/")[-1] for r in ras] == ["e147488a-f6f5-4113-8e2d-b22465e65bf6"]
    await writer.grant_key_access(created.id, ident.principal_id)  # idempotent: RoleAssignmentExists is fine


async def test_create_cmk_registry_and_import(demo_emu: Emulator, writer: Writer) -> None:
    prod = sub_id(demo_emu, "contoso-production")
    v = vault_id(demo_emu, "kv-contoso-prod-cmk")
    reg = await writer.create_cmk_registry(prod, "rg-registry-prod", "contosoprodcmk2", "eastus", vault_id=v, key_name="acr-cmk-2")
    assert reg.premium and reg.encryption.enabled and reg.encryption.versionless
    assert reg.encryption.key_identifier == "https://kv-contoso-prod-cmk.vault.azure.net:443/keys/acr-cmk-2"  # keyUri
    uid = reg.identity.user_assigned[0]
    assert uid.resource_id.endswith("/id-contosoprodcmk2") and reg.encryption.identity_client_id == uid.client_id
    assert reg.provisioning_state == "Succeeded"
    with pytest.raises(AzureServiceError) as info:  # contosoprodacr has exports disabled (data-loss prevention)
        await writer.import_images(reg.id, reg_id(demo_emu, "contosoprodacr"), ["payments/api:1.4.3"])
    assert info.value.code == "ImportFromExportDisabledRegistry"
    got = await writer.import_images(reg.id, reg_id(demo_emu, "contosostgacr"), ["payments/api:1.5.0-rc1", "platform/nginx:1.27"])
    assert got.id == reg.id
    repos = demo_emu.state.get(reg.id).extra["repositories"]  # type: ignore[union-attr]
    assert repos == {"payments/api": ["1.5.0-rc1"], "platform/nginx": ["1.27"]}


async def test_create_pinned_cmk_registry_with_existing_identity(demo_emu: Emulator, writer: Writer) -> None:
    prod = sub_id(demo_emu, "contoso-production")
    ident = rid(demo_emu, "Microsoft.ManagedIdentity/userAssignedIdentities", "id-acr-prod")
    reg = await writer.create_cmk_registry(prod, "rg-registry-prod", "contosopinned2", "eastus",
                                           vault_id=vault_id(demo_emu, "kv-contoso-prod-cmk"), key_name="acr-cmk",
                                           identity_id=ident, versionless=False)
    assert reg.encryption.key_version is not None and reg.identity.user_assigned[0].resource_id.lower() == ident.lower()


async def test_rotate_key_and_switch_identity(demo_emu: Emulator, writer: Writer) -> None:
    r = reg_id(demo_emu, "contosoprodpinned")
    inv = Inventory(writer.s)
    vault = await inv.read_vault(vault_id(demo_emu, "kv-contoso-ledger"), ["ledger-cmk"])
    key = vault.key("ledger-cmk")
    assert key and key.newest_version
    got = await writer.rotate_key(r, f"{key.key_id}/{key.newest_version}")
    assert got.encryption.key_version == key.newest_version
    got = await writer.rotate_key(r, key.key_id)  # versionless: automatic rotation from now on
    assert got.encryption.versionless and got.encryption.key_rotation_enabled
    client = got.identity.user_assigned[0].client_id
    assert client
    got = await writer.switch_identity(r, client)
    assert got.encryption.identity_client_id == client
    with pytest.raises(CmkRuleViolation):
        await writer.rotate_key(reg_id(demo_emu, "sandboxpremium"), key.key_id)


# ---------------------------------------------------------------- private link


async def test_private_endpoint_dns_and_connections(demo_emu: Emulator, writer: Writer) -> None:
    sbx = sub_id(demo_emu, "contoso-sandbox")
    prod = sub_id(demo_emu, "contoso-production")
    r = reg_id(demo_emu, "sandboxpremium")
    vnet = rid(demo_emu, "Microsoft.Network/virtualNetworks", "vnet-hub-prod")
    pe = await writer.create_private_endpoint(prod, "rg-network-prod", "pe-sandboxpremium", "eastus",
                                              subnet_id=f"{vnet}/subnets/snet-pe", registry_id=r, manual=True,
                                              request_message="please")
    assert pe.connection_status == "Pending" and pe.registry_id == r and set(pe.nic_ips) >= {"registry"}
    reg = await Inventory(writer.s).read_registry(r)
    (conn,) = reg.private_endpoint_connections
    reg = await writer.approve_connection(r, conn.name, "ok")
    assert reg.private_endpoint_connections[0].status == "Approved"
    assert reg.data_endpoint_enabled  # a private endpoint turns dedicated data endpoints on

    zone = await writer.create_dns_zone(sbx, "rg-sandbox")
    assert zone.endswith("/privatelink.azurecr.io")
    linked = await writer.link_dns_zone(zone, vnet)
    assert [v.lower() for v in linked] == [vnet.lower()]
    pe = await writer.create_zone_group(pe.id, zone)
    assert pe.dns_zone_group == "default" and pe.dns_zone_ids == [zone] and pe.zone_linked_to_vnet
    assert pe.records and all(c.ok for c in pe.records)

    reg = await writer.reject_connection(r, conn.name, "no longer")
    assert reg.private_endpoint_connections[0].status == "Rejected"
    reg = await writer.delete_connection(r, conn.name)
    assert reg.private_endpoint_connections == []


async def test_auto_approved_endpoint(demo_emu: Emulator, writer: Writer) -> None:
    prod = sub_id(demo_emu, "contoso-production")
    vnet = rid(demo_emu, "Microsoft.Network/virtualNetworks", "vnet-hub-prod")
    pe = await writer.create_private_endpoint(prod, "rg-network-prod", "pe-auto", "eastus", subnet_id=f"{vnet}/subnets/snet-pe",
                                              registry_id=reg_id(demo_emu, "sandboxpremium"))
    assert pe.connection_status == "Approved"


# ---------------------------------------------------------------- policy


async def test_assign_unassign_and_remediate(demo_emu: Emulator, writer: Writer) -> None:
    sbx = sub_id(demo_emu, "contoso-sandbox")
    scope = f"/subscriptions/{sbx}"
    a = await writer.assign_policy(scope, "audit-admin", f"/providers/Microsoft.Authorization/policyDefinitions/{ADMIN_POLICY}",
                                   effect="Audit", display_name="No admin user", non_compliance_message="Disable it")
    assert a.effect == "Audit" and a.scope == scope and a.definition_guid == ADMIN_POLICY and a.display_name == "No admin user"

    m = await writer.assign_policy(scope, "modify-public", f"/providers/Microsoft.Authorization/policyDefinitions/{DISABLE_PUBLIC_MODIFY}",
                                   effect="Modify", location="eastus")
    body = demo_emu.state.get(m.id).body  # type: ignore[union-attr]
    principal = body["identity"]["principalId"]
    ras = [x.body for x in demo_emu.state.of_type("Microsoft.Authorization/roleAssignments", scope)
           if x.body["properties"]["principalId"] == principal]
    assert ras and body["location"] == "eastus"
    rem = await writer.start_remediation(m.id, scope)
    assert rem["policy_assignment_id"].lower() == m.id.lower() and rem["provisioning_state"]

    await writer.unassign_policy(a.id)
    assert demo_emu.state.get(a.id) is None


async def test_effect_outside_allowed_values_is_refused(demo_emu: Emulator, writer: Writer) -> None:
    from acrtui.errors import AcrtuiError

    sbx = sub_id(demo_emu, "contoso-sandbox")
    with pytest.raises(AcrtuiError) as info:
        await writer.assign_policy(f"/subscriptions/{sbx}", "bad", f"/providers/Microsoft.Authorization/policyDefinitions/{ADMIN_POLICY}",
                                   effect="Modify")
    assert info.value.code == "PolicyParameterValueNotAllowed"


# ---------------------------------------------------------------- Key Vault audit logging


async def test_vault_audit_logging(demo_emu: Emulator, writer: Writer) -> None:
    law = rid(demo_emu, "Microsoft.OperationalInsights/workspaces", "law-security-prod")
    vault = await writer.set_vault_audit_logging(vault_id(demo_emu, "kv-contoso-ledger"), workspace_id=law)
    assert vault.audit_logging and vault.diagnostic_settings[0].workspace_id == law


# ---------------------------------------------------------------- the read-only contract


WRITE_CALLS: dict[str, Any] = {
    "update_registry": lambda e: (reg_id(e, "sandboxpremium"), {"adminUserEnabled": True}),
    "set_public_network_access": lambda e: (reg_id(e, "sandboxpremium"), False),
    "set_network_rules": lambda e: (reg_id(e, "sandboxpremium"), "Deny", ["203.0.113.1"]),
    "set_network_bypass": lambda e: (reg_id(e, "sandboxpremium"), False),
    "set_data_endpoint": lambda e: (reg_id(e, "sandboxpremium"), True),
    "set_admin_user": lambda e: (reg_id(e, "sandboxpremium"), True),
    "set_anonymous_pull": lambda e: (reg_id(e, "sandboxpremium"), True),
    "set_export_policy": lambda e: (reg_id(e, "sandboxpremium"), False),
    "set_arm_audience_tokens": lambda e: (reg_id(e, "sandboxpremium"), False),
    "create_user_identity": lambda e: (sub_id(e, "contoso-sandbox"), "rg-sandbox", "id-x", "eastus"),
    "grant_key_access": lambda e: (vault_id(e, "kv-contoso-legacy"), "00000000-0000-0000-0000-000000000001"),
    "ensure_key": lambda e: (vault_id(e, "kv-contoso-legacy"), "k"),
    "create_cmk_registry": lambda e: (sub_id(e, "contoso-sandbox"), "rg-sandbox", "newcmk", "eastus"),
    "import_images": lambda e: (reg_id(e, "sandboxpremium"), reg_id(e, "contosoprodacr"), ["payments/api:1.4.3"]),
    "rotate_key": lambda e: (reg_id(e, "contosoprodpinned"), None),
    "switch_identity": lambda e: (reg_id(e, "contosoprodpinned"), "system"),
    "create_private_endpoint": lambda e: (sub_id(e, "contoso-sandbox"), "rg-sandbox", "pe", "eastus"),
    "create_dns_zone": lambda e: (sub_id(e, "contoso-sandbox"), "rg-sandbox"),
    "link_dns_zone": lambda e: ("/subscriptions/x/resourceGroups/g/providers/Microsoft.Network/privateDnsZones/z", "/v"),
    "create_zone_group": lambda e: ("/subscriptions/x/resourceGroups/g/providers/Microsoft.Network/privateEndpoints/p", "/z"),
    "set_connection_state": lambda e: (reg_id(e, "contosoprodpinned"), "c", "Approved"),
    "approve_connection": lambda e: (reg_id(e, "contosoprodpinned"), "c"),
    "reject_connection": lambda e: (reg_id(e, "contosoprodpinned"), "c"),
    "delete_connection": lambda e: (reg_id(e, "contosoprodpinned"), "c"),
    "assign_policy": lambda e: (f"/subscriptions/{sub_id(e, 'contoso-sandbox')}", "a", f"/providers/Microsoft.Authorization/policyDefinitions/{ADMIN_POLICY}"),
    "unassign_policy": lambda e: (f"/subscriptions/{sub_id(e, 'contoso-sandbox')}/providers/Microsoft.Authorization/policyAssignments/a",),
    "start_remediation": lambda e: ("/subscriptions/x/providers/Microsoft.Authorization/policyAssignments/a", f"/subscriptions/{sub_id(e, 'contoso-sandbox')}"),
    "set_vault_audit_logging": lambda e: (vault_id(e, "kv-contoso-ledger"),),
    "create_replication": lambda e: (reg_id(e, "sandboxpremium"), "westeurope"),
}
WRITE_KWARGS: dict[str, dict[str, Any]] = {
    "create_cmk_registry": {"vault_id": "/v", "key_name": "k"},
    "create_private_endpoint": {"subnet_id": "/s", "registry_id": "/r"},
    "set_vault_audit_logging": {"workspace_id": "/w"},
}


def test_write_catalogue_is_complete() -> None:
    public = {n for n, f in inspect.getmembers(Writer, inspect.iscoroutinefunction) if not n.startswith("_")}
    assert public - {"check_key_access", "read_remediation"} == set(WRITE_CALLS)


async def test_every_write_on_a_read_only_session_sends_nothing(demo_emu: Emulator, session_factory: Any) -> None:
    w = Writer(session_factory(demo_emu, "owner", read_only=True))  # the owner could write: only read-only stops it
    before = demo_emu.last_seq
    for name, args in WRITE_CALLS.items():
        with pytest.raises(ReadOnlyViolation):
            await getattr(w, name)(*args(demo_emu), **WRITE_KWARGS.get(name, {}))
    assert demo_emu.writes(since=before) == []
    assert demo_emu.last_seq == before  # not even a token request or a read
    assert len(w.s.journal) == 0
    # reads still work on the same session
    assert await w.check_key_access(vault_id(demo_emu, "kv-contoso-prod-cmk"), "nobody") is False
    assert demo_emu.writes(since=before) == []


async def test_cmk_rule_and_conflict_errors_are_typed(demo_emu: Emulator, writer: Writer) -> None:
    from acrtui.errors import Conflict

    key = "https://kv-contoso-prod-cmk.vault.azure.net/keys/acr-cmk"
    with pytest.raises(CmkRuleViolation) as info:  # CMK only at creation
        await writer.update_registry(reg_id(demo_emu, "sandboxpremium"),
                                     {"encryption": {"status": "enabled", "keyVaultProperties": {"keyIdentifier": key}}})
    assert info.value.code == "CannotEnableEncryptionOnExistingRegistry"
    target = reg_id(demo_emu, "sandboxpremium")
    await writer.import_images(target, reg_id(demo_emu, "contosostgacr"), ["payments/api:1.5.0-rc1"])
    with pytest.raises(Conflict):  # NoForce onto an existing tag
        await writer.import_images(target, reg_id(demo_emu, "contosostgacr"), ["payments/api:1.5.0-rc1"])
