"""The product's converters and checks over the shapes real Azure bodies have, not only the emulator's.

Bodies follow the REST spec examples (Azure/azure-rest-api-specs, containerregistry ``RegistryGet.json`` and
``ReplicationList.json`` at 2025-05-01-preview, keyvault ``getKey.json`` at 2023-07-01) and what real responses
carry besides: ``status: null``, no ``azureADAuthenticationAsArmPolicy``, a ``softDeletePolicy``, identity type
``userAssigned`` with a ``resourcegroups`` id, connection states without ``actionsRequired``, service-endpoint
``virtualNetworkRules``, and a vault body without ``enableSoftDelete``.
"""

from __future__ import annotations

from typing import Any

from acrtui.azure.inventory import Inventory, key_from_json, registry_from_json, vault_from_json
from acrtui.domain.checks import get_check
from acrtui.domain.checks.base import CheckSettings, Status
from acrtui.domain.models import Encryption, Estate
from acrtui.emulator import Emulator

SUB = "00000000-0000-0000-0000-000000000000"
RG = f"/subscriptions/{SUB}/resourceGroups/myResourceGroup"
REG = f"{RG}/providers/Microsoft.ContainerRegistry/registries/myRegistry"
SUBNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/myVnet/subnets/mySubnet"
UAI = f"/subscriptions/{SUB}/resourcegroups/myResourceGroup/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"


def registry_body(**props: Any) -> dict[str, Any]:
    return {
        "id": REG, "name": "myRegistry", "type": "Microsoft.ContainerRegistry/registries", "location": "westus",
        "sku": {"name": "Premium", "tier": "Premium"},
        "identity": {"type": "userAssigned", "userAssignedIdentities": {UAI: {"principalId": "p1", "clientId": "c1"}}},
        "properties": {
            "adminUserEnabled": False, "loginServer": "myregistry.azurecr.io", "provisioningState": "Succeeded",
            "networkRuleSet": {"defaultAction": "Deny", "ipRules": [],
                               "virtualNetworkRules": [{"action": "Allow", "id": SUBNET}]},
            "policies": {"exportPolicy": {"status": "enabled"}, "quarantinePolicy": {"status": "disabled"},
                         "softDeletePolicy": {"retentionDays": 7, "status": "disabled",
                                              "lastUpdatedTime": "2021-06-15T21:40:12.8506835+00:00"}},
            "privateEndpointConnections": [{
                "id": f"{REG}/privateEndpointConnections/pe1.abc", "name": "pe1.abc",
                "properties": {"privateEndpoint": {"id": f"{RG}/providers/Microsoft.Network/privateEndpoints/pe1"},
                               "privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}}],
            "publicNetworkAccess": "Enabled", "status": None, "zoneRedundancy": "Disabled", **props,
        },
    }


def test_registry_converter_on_real_shapes() -> None:
    repl = {"name": "eastus", "location": "eastus", "properties": {
        "provisioningState": "Succeeded", "regionEndpointEnabled": True, "zoneRedundancy": "Disabled",
        "status": {"displayStatus": "Ready", "message": "The replication is ready.", "timestamp": "2017-03-01T23:15:37Z"}}}
    reg = registry_from_json(registry_body(), [repl])
    assert reg.identity.user_assigned[0].resource_id == UAI and reg.identity.user_assigned[0].client_id == "c1"
    assert reg.private_endpoint_connections[0].status == "Approved"  # no actionsRequired needed
    assert reg.virtual_network_rules == [SUBNET] and reg.ip_rules == []
    assert reg.arm_audience_token_enabled is None  # absent policy: not reported, not "disabled"
    assert [r.location for r in reg.replicas] == ["eastus"]


def test_network_checks_count_vnet_rules() -> None:
    """A registry reachable only through service-endpoint rules is not "0 IP rules, only trusted services"."""
    reg = registry_from_json(registry_body(privateEndpointConnections=[]))
    e = Estate(registries=[reg])
    s = CheckSettings()
    f = get_check("ACR-NET-001").run(reg, e, s)  # type: ignore[union-attr]
    assert f.status is Status.PASS and "1 VNet (service endpoint) rule" in f.message
    assert f.evidence["virtualNetworkRules"] == [SUBNET]
    f = get_check("ACR-NET-002").run(reg, e, s)  # type: ignore[union-attr]
    assert f.status is Status.PASS and "subnet(s) with a service endpoint" in f.message, f.message
    f = get_check("ACR-NET-002").run(reg, e, CheckSettings(operator_ips=("198.51.100.9",)))  # type: ignore[union-attr]
    assert f.status is Status.PASS and "VNet (service endpoint) rules" in f.message
    bare = reg.model_copy(update={"virtual_network_rules": []})
    f = get_check("ACR-NET-002").run(bare, Estate(registries=[bare]), s)  # type: ignore[union-attr]
    assert f.status is Status.FAIL and "only trusted Azure services" in f.message


def vault_body(**props: Any) -> dict[str, Any]:
    return {"id": f"{RG}/providers/Microsoft.KeyVault/vaults/kv1", "name": "kv1", "location": "westus",
            "properties": {"vaultUri": "https://kv1.vault.azure.net/", "tenantId": SUB, "sku": {"family": "A", "name": "standard"},
                           "accessPolicies": [], **props}}


def test_vault_without_enable_soft_delete_is_unknown_not_on() -> None:
    key = key_from_json({"name": "k", "properties": {
        "kty": "RSA", "attributes": {"enabled": True, "created": 1598533051},
        "keyUri": "https://kv1.vault.azure.net:443/keys/k",
        "keyUriWithVersion": "https://kv1.vault.azure.net:443/keys/k/fd618d9519b74f9aae94ade66b876acc"}})
    assert key.key_id == "https://kv1.vault.azure.net:443/keys/k" and key.newest_version == "fd618d9519b74f9aae94ade66b876acc"
    old = vault_from_json(vault_body(), keys=[key], diagnostics=[])
    assert old.soft_delete is None
    assert vault_from_json(vault_body(enableSoftDelete=False), keys=[], diagnostics=[]).soft_delete is False
    assert vault_from_json(vault_body(enableSoftDelete=True), keys=[], diagnostics=[]).soft_delete is True
    reg = registry_from_json(registry_body()).model_copy(update={"encryption": Encryption(
        enabled=True, key_identifier="https://kv1.vault.azure.net:443/keys/k", identity_client_id="c1")})
    check = get_check("ACR-CMK-005")
    assert check is not None
    f = check.run(reg, Estate(registries=[reg], vaults=[old]), CheckSettings())
    assert f.status is Status.FAIL and "soft delete is not reported" in f.message and f.evidence["softDelete"] is None
    protected = old.model_copy(update={"purge_protection": True})
    f = check.run(reg, Estate(registries=[reg], vaults=[protected]), CheckSettings())
    assert f.status is Status.PASS and "enableSoftDelete is not reported" in f.message


async def test_inventory_reads_vnet_rules_through_the_sdk(demo_emu: Emulator, session_factory: Any) -> None:
    """The 2025-11-01 SDK model has no virtualNetworkRules; the product still sees them in the body."""
    res = demo_emu.state.find_name("Microsoft.ContainerRegistry/registries", "sandboxpremium")
    assert res is not None
    res.props["networkRuleSet"] = {"defaultAction": "Deny", "ipRules": [],
                                   "virtualNetworkRules": [{"action": "Allow", "id": SUBNET}]}
    reg = await Inventory(session_factory(demo_emu)).read_registry(res.id)
    assert reg.virtual_network_rules == [SUBNET]
