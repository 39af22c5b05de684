"""A small observed world for pure diff/preflight tests: ids shaped like Azure's, no emulator."""

from __future__ import annotations

from typing import Any

from acrtui.domain.desired import DesiredState
from acrtui.domain.diff import SubnetInfo, World, ZoneInfo
from acrtui.domain.models import (
    Encryption,
    Estate,
    IpRule,
    KeyPosture,
    ManagedIdentity,
    PolicyAssignmentInfo,
    PrivateEndpointConnection,
    PrivateEndpointPosture,
    RegistryPosture,
    UserIdentity,
    VaultPosture,
)

SUB = "/subscriptions/11111111-1111-1111-1111-111111111111"
RG = f"{SUB}/resourceGroups/rg-reg"
NET = f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network"
VNET = f"{NET}/virtualNetworks/vnet-hub"
OTHER_VNET = f"{NET}/virtualNetworks/vnet-spoke"
SUBNET = f"{VNET}/subnets/snet-pe"
SMALL = f"{VNET}/subnets/snet-small"
ZONE = f"{NET}/privateDnsZones/privatelink.azurecr.io"
VAULT = f"{SUB}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-main"
IDENT = f"{SUB}/resourceGroups/rg-sec/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-acr"
NEW_IDENT = f"{SUB}/resourceGroups/rg-sec/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-new"
ADMIN_DENY = "/providers/Microsoft.Authorization/policyDefinitions/dc921057-6b28-4fbe-9b83-f7bec05db6c2"
KEY = "https://kv-main.vault.azure.net/keys/acr-cmk"


def rid(name: str) -> str:
    return f"{RG}/providers/Microsoft.ContainerRegistry/registries/{name}"


def registry(name: str, sku: str = "Premium", **kw: Any) -> RegistryPosture:
    return RegistryPosture(id=rid(name), name=name, subscription_id=SUB.split("/")[-1], resource_group="rg-reg",
                           location="eastus", sku=sku, login_server=f"{name}.azurecr.io", **kw)


def estate(**kw: Any) -> Estate:
    ident = UserIdentity(resource_id=IDENT, principal_id="p-acr", client_id="c-acr")
    regs = [
        registry("openpremium"),
        registry("stdreg", sku="Standard", admin_user_enabled=True),
        registry("basicreg", sku="Basic"),
        registry("firewalled", default_action="Deny", ip_rules=[IpRule(value="203.0.113.0/24"), IpRule(value="198.51.100.17")]),
        registry("cmkreg", encryption=Encryption(enabled=True, key_identifier=KEY, identity_client_id="c-acr"),
                 identity=ManagedIdentity(user_assigned=[ident])),
        registry("linkedreg", data_endpoint_enabled=True, private_endpoint_connections=[
            PrivateEndpointConnection(id=rid("linkedreg") + "/privateEndpointConnections/pe-linked.abc", name="pe-linked.abc",
                                      private_endpoint_id=f"{NET}/privateEndpoints/pe-linked", status="Approved"),
            PrivateEndpointConnection(id=rid("linkedreg") + "/privateEndpointConnections/pe-other.def", name="pe-other.def",
                                      private_endpoint_id=f"{NET}/privateEndpoints/pe-other", status="Pending"),
        ]),
    ]
    pes = [
        PrivateEndpointPosture(id=f"{NET}/privateEndpoints/pe-linked", name="pe-linked", registry_id=rid("linkedreg"),
                               connection_status="Approved", subnet_id=SUBNET, vnet_id=VNET, dns_zone_group="default",
                               dns_zone_ids=[ZONE], zone_linked_vnets=[VNET]),
        PrivateEndpointPosture(id=f"{NET}/privateEndpoints/pe-other", name="pe-other", registry_id=rid("linkedreg"),
                               connection_status="Pending", subnet_id=SUBNET, vnet_id=VNET),
    ]
    vault = VaultPosture(id=VAULT, name="kv-main", subscription_id=SUB.split("/")[-1], resource_group="rg-sec",
                         location="eastus", vault_uri="https://kv-main.vault.azure.net/", purge_protection=True,
                         keys=[KeyPosture(name="acr-cmk", key_id=KEY, kty="RSA", enabled=True),
                               KeyPosture(name="ec-key", key_id=KEY.replace("acr-cmk", "ec-key"), kty="EC", enabled=True)],
                         key_users=["p-acr"])
    assignments = [PolicyAssignmentInfo(id=f"{RG}/providers/Microsoft.Authorization/policyAssignments/deny-admin",
                                        name="deny-admin", scope=RG, definition_id=ADMIN_DENY, effect="Deny")]
    data: dict[str, Any] = {"registries": regs, "private_endpoints": pes, "vaults": [vault], "assignments": assignments}
    data.update(kw)
    return Estate(**data)


def world(**kw: Any) -> World:
    base: dict[str, Any] = {
        "estate": estate(),
        "identities": {IDENT.lower(): UserIdentity(resource_id=IDENT, principal_id="p-acr", client_id="c-acr"),
                       NEW_IDENT.lower(): None},
        "subnets": {SUBNET.lower(): SubnetInfo(SUBNET, "10.0.1.0/24", used=4, location="eastus"),
                    SMALL.lower(): SubnetInfo(SMALL, "10.0.2.0/29", used=2, location="eastus")},
        "zones": {ZONE.lower(): ZoneInfo(ZONE, exists=True, linked_vnets=(VNET,))},
    }
    base.update(kw)
    return World(**base)


def desired(*registries: dict[str, Any], **top: Any) -> DesiredState:
    return DesiredState.model_validate({"apiVersion": "acrtui/v1", "registries": list(registries), **top})
