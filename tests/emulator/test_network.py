"""Microsoft.Network in the emulator: VNets, subnets, private endpoints to registries, NICs, DNS zone groups.

Every call goes through the real azure-mgmt-network / -containerregistry / -privatedns SDKs over TLS.
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
from azure.mgmt.network import models as nm
from azure.mgmt.network.aio import NetworkManagementClient
from azure.mgmt.privatedns.aio import PrivateDnsManagementClient

from acrtui.emulator import Emulator
from acrtui.emulator.providers.network import usable_ips
from acrtui.emulator.seeds import grant

from .fidelity import assert_roundtrip
from .netkit import RG, endpoint, error_code, pe_body, raw, registry, replica, rg_path, subnet_id, vnet, zone


def net(emu: Emulator, sdk: Any, role: str = "owner") -> Any:
    return sdk(NetworkManagementClient, emu, role)


# ---------------------------------------------------------------- VNets and subnets


async def test_vnet_with_inline_subnets_and_fidelity(emu: Emulator, sdk: Any) -> None:
    v = await vnet(emu, sdk, subnets={"a": "10.0.1.0/24", "b": "10.0.2.0/24", "c": "10.0.3.0/24"})
    assert v.properties.provisioning_state == "Succeeded"
    assert [s.name for s in v.properties.subnets] == ["a", "b", "c"]
    assert v.properties.subnets[0].properties.private_endpoint_network_policies == "Disabled"
    c = net(emu, sdk)
    subs = [s async for s in c.subnets.list(RG, "vnet1")]  # page size 2: follows nextLink
    assert [s.name for s in subs] == ["a", "b", "c"]
    vnets = [x async for x in c.virtual_networks.list_all()]
    assert [x.name for x in vnets] == ["vnet1"]
    vid = f"{rg_path(emu)}/providers/Microsoft.Network/virtualNetworks/vnet1"
    assert_roundtrip(nm.VirtualNetwork, raw(emu, vid))
    assert_roundtrip(nm.Subnet, raw(emu, vid + "/subnets/a"))


async def test_subnet_child_put_and_validation(emu: Emulator, sdk: Any) -> None:
    await vnet(emu, sdk)
    c = net(emu, sdk)
    s = await (await c.subnets.begin_create_or_update(RG, "vnet1", "more", {"properties": {"addressPrefix": "10.0.9.0/28", "privateEndpointNetworkPolicies": "Enabled"}})).result()
    assert s.properties.address_prefix == "10.0.9.0/28"
    assert s.properties.private_endpoint_network_policies == "Enabled"
    v = await c.virtual_networks.get(RG, "vnet1")
    assert {x.name for x in v.properties.subnets} == {"pe", "more"}  # the VNet embeds child subnets
    assert await error_code(c.subnets.begin_create_or_update(RG, "vnet1", "clash", {"properties": {"addressPrefix": "10.0.1.128/25"}})) == "NetcfgSubnetRangesOverlap"
    assert await error_code(c.subnets.begin_create_or_update(RG, "vnet1", "out", {"properties": {"addressPrefix": "192.168.0.0/24"}})) == "NetcfgSubnetRangeOutsideVnet"
    assert await error_code(c.subnets.begin_create_or_update(RG, "vnet1", "tiny", {"properties": {"addressPrefix": "10.0.10.0/30"}})) == "InvalidAddressPrefix"
    with pytest.raises(ResourceNotFoundError):
        await c.subnets.get(RG, "vnet1", "nope")


def test_subnet_reserves_first_four_and_last() -> None:
    assert usable_ips("10.0.0.0/29") == ["10.0.0.4", "10.0.0.5", "10.0.0.6"]
    assert len(usable_ips("10.0.0.0/24")) == 251


async def test_vnet_put_drops_omitted_subnets_unless_in_use(emu: Emulator, sdk: Any) -> None:
    await vnet(emu, sdk, subnets={"pe": "10.0.1.0/24", "spare": "10.0.2.0/24"})
    c = net(emu, sdk)
    body = {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [{"name": "pe", "properties": {"addressPrefix": "10.0.1.0/24"}}]}}
    v = await (await c.virtual_networks.begin_create_or_update(RG, "vnet1", body)).result()
    assert [s.name for s in v.properties.subnets] == ["pe"]
    with pytest.raises(ResourceNotFoundError):
        await c.subnets.get(RG, "vnet1", "spare")
    reg = await registry(emu, sdk, "regdrop")
    await endpoint(emu, sdk, "pe1", reg["id"])
    body["properties"]["subnets"] = []  # type: ignore[index]
    assert await error_code(c.virtual_networks.begin_create_or_update(RG, "vnet1", body)) == "InUseSubnetCannotBeDeleted"
    assert await error_code(c.subnets.begin_delete(RG, "vnet1", "pe")) == "InUseSubnetCannotBeDeleted"
    assert await error_code(c.virtual_networks.begin_delete(RG, "vnet1")) == "InUseSubnetCannotBeDeleted"


async def test_reader_cannot_create_vnet(emu: Emulator, sdk: Any) -> None:
    c = net(emu, sdk, "reader")
    body = {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}}
    with pytest.raises(HttpResponseError) as ei:
        await c.virtual_networks.begin_create_or_update(RG, "v", body)
    assert ei.value.status_code == 403


# ---------------------------------------------------------------- private endpoints


async def test_auto_approved_endpoint_allocates_ips_nic_and_turns_on_data_endpoints(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "regauto")
    await vnet(emu, sdk)
    pe = await endpoint(emu, sdk, "pe1", reg["id"])
    assert pe.properties.provisioning_state == "Succeeded"
    conn = pe.properties.private_link_service_connections[0]
    assert conn.properties.private_link_service_connection_state.status == "Approved"
    assert conn.properties.group_ids == ["registry"]
    dns = {d.fqdn: d.ip_addresses for d in pe.properties.custom_dns_configs}
    assert dns == {"regauto.azurecr.io": ["10.0.1.4"], "regauto.eastus.data.azurecr.io": ["10.0.1.5"]}
    # the NIC is a real, GET-able resource with one IP per required member
    c = net(emu, sdk)
    nic_name = pe.properties.network_interfaces[0].id.rsplit("/", 1)[1]
    nic = await c.network_interfaces.get(RG, nic_name)
    members = {i.properties.private_link_connection_properties.required_member_name: i.properties.private_ip_address for i in nic.properties.ip_configurations}
    assert members == {"registry": "10.0.1.4", "registry_data_eastus": "10.0.1.5"}
    assert nic.properties.private_endpoint.id == pe.id
    # the subnet shows the endpoint and the NIC's ip configurations
    s = await c.subnets.get(RG, "vnet1", "pe")
    assert [x.id for x in s.properties.private_endpoints] == [pe.id]
    assert len(s.properties.ip_configurations) == 2
    # the registry: an Approved connection and dedicated data endpoints on
    acr = sdk(ContainerRegistryManagementClient, emu)
    r = await acr.registries.get(RG, "regauto")
    assert r.data_endpoint_enabled is True
    assert r.data_endpoint_host_names == ["regauto.eastus.data.azurecr.io"]
    [rc] = r.private_endpoint_connections
    assert rc.private_endpoint.id == pe.id
    assert rc.private_link_service_connection_state.status == "Approved"
    assert rc.id == f"{reg['id']}/privateEndpointConnections/{rc.name}"
    assert_roundtrip(nm.PrivateEndpoint, raw(emu, pe.id))
    assert_roundtrip(nm.NetworkInterface, raw(emu, nic.id))
    assert_roundtrip(nm.Subnet, raw(emu, subnet_id(emu)))


async def test_auto_request_without_approval_permission_is_linked_authorization_failed(emu: Emulator, sdk: Any) -> None:
    """Azure refuses an automatic connection by a caller without the approval right on the registry (403
    ``LinkedAuthorizationFailed``, message naming both scopes); nothing is written. A manual one is Pending."""
    reg = await registry(emu, sdk, "regperm")
    await vnet(emu, sdk)
    reader = emu.login("reader")
    grant(emu.state, rg_path(emu), "Network Contributor", reader.object_id)
    with pytest.raises(HttpResponseError) as err:
        await endpoint(emu, sdk, "pe1", reg["id"], role="reader")
    assert err.value.status_code == 403
    assert err.value.error.code == "LinkedAuthorizationFailed"
    pe_id = f"{rg_path(emu)}/providers/Microsoft.Network/privateEndpoints/pe1"
    assert err.value.error.message == (
        f"The client '{reader.client_id}' with object id '{reader.object_id}' has permission to perform action "
        f"'Microsoft.Network/privateEndpoints/write' on scope '{pe_id}'; however, it does not have permission to "
        f"perform action 'Microsoft.ContainerRegistry/registries/privateEndpointConnectionsApproval/action' on the "
        f"linked scope(s) '{reg['id']}' or the linked scope(s) are invalid."
    )
    r = raw(emu, reg["id"])
    assert not r["properties"].get("privateEndpointConnections")
    assert emu.state.get(pe_id) is None
    assert not emu.state.get(subnet_id(emu)).extra.get("ips")  # no address taken
    pe = await endpoint(emu, sdk, "pe2", reg["id"], role="reader", manual=True)
    assert pe.properties.manual_private_link_service_connections[0].properties.private_link_service_connection_state.status == "Pending"
    r = raw(emu, reg["id"])
    assert r["properties"]["privateEndpointConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"] == "Pending"
    assert r["properties"]["dataEndpointEnabled"] is True  # Azure turns data endpoints on at creation
    grant(emu.state, reg["id"], "Contributor", reader.object_id)  # holds the approval action now
    pe = await endpoint(emu, sdk, "pe3", reg["id"], role="reader")
    assert pe.properties.private_link_service_connections[0].properties.private_link_service_connection_state.status == "Approved"


async def test_manual_connection_is_pending_even_for_owner(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "regman")
    await vnet(emu, sdk)
    pe = await endpoint(emu, sdk, "pe1", reg["id"], manual=True, message="please")
    conn = pe.properties.manual_private_link_service_connections[0]
    assert conn.properties.private_link_service_connection_state.status == "Pending"
    assert conn.properties.private_link_service_connection_state.description == "please"
    assert pe.properties.private_link_service_connections == []


async def test_endpoint_target_rules(emu: Emulator, sdk: Any) -> None:
    basic = await registry(emu, sdk, "regbasic", sku="Basic")
    prem = await registry(emu, sdk, "regprem")
    await vnet(emu, sdk)
    c = net(emu, sdk)
    from .netkit import pe_body

    assert await error_code(c.private_endpoints.begin_create_or_update(RG, "x", pe_body(emu, basic["id"]))) == "PrivateEndpointNotSupported"
    assert await error_code(c.private_endpoints.begin_create_or_update(RG, "x", pe_body(emu, prem["id"], groups=["vault"]))) == "InvalidPrivateLinkServiceConnectionGroupIds"
    assert await error_code(c.private_endpoints.begin_create_or_update(RG, "x", pe_body(emu, prem["id"], subnet="missing"))) == "InvalidResourceReference"
    assert await error_code(c.private_endpoints.begin_create_or_update(RG, "x", pe_body(emu, prem["id"] + "x"))) == "InvalidResourceReference"
    assert raw(emu, prem["id"])["properties"]["privateEndpointConnections"] == []


async def test_full_subnet_refuses_endpoint(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "regfull")
    await vnet(emu, sdk, subnets={"pe": "10.0.1.0/29"})  # 3 usable addresses
    await endpoint(emu, sdk, "pe1", reg["id"])  # takes 2
    c = net(emu, sdk)
    from .netkit import pe_body

    assert await error_code(c.private_endpoints.begin_create_or_update(RG, "pe2", pe_body(emu, reg["id"]))) == "SubnetIsFull"
    assert len(raw(emu, reg["id"])["properties"]["privateEndpointConnections"]) == 1


async def test_delete_endpoint_frees_ips_and_removes_connection(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "regdel")
    await vnet(emu, sdk, subnets={"pe": "10.0.1.0/29"})
    pe = await endpoint(emu, sdk, "pe1", reg["id"])
    c = net(emu, sdk)
    await (await c.private_endpoints.begin_delete(RG, "pe1")).result()
    with pytest.raises(ResourceNotFoundError):
        await c.private_endpoints.get(RG, "pe1")
    with pytest.raises(ResourceNotFoundError):
        await c.network_interfaces.get(RG, pe.properties.network_interfaces[0].id.rsplit("/", 1)[1])
    assert raw(emu, reg["id"])["properties"]["privateEndpointConnections"] == []
    s = await c.subnets.get(RG, "vnet1", "pe")
    assert not s.properties.ip_configurations and not s.properties.private_endpoints
    pe2 = await endpoint(emu, sdk, "pe2", reg["id"])  # the addresses are free again
    assert pe2.properties.custom_dns_configs[0].ip_addresses == ["10.0.1.4"]


async def test_endpoint_lists_page(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "reglist")
    await vnet(emu, sdk)
    for i in range(3):
        await endpoint(emu, sdk, f"pe{i}", reg["id"])
    c = net(emu, sdk)
    assert sorted([p.name async for p in c.private_endpoints.list(RG)]) == ["pe0", "pe1", "pe2"]
    assert len([p async for p in c.private_endpoints.list_by_subscription()]) == 3


# ---------------------------------------------------------------- replicas and registry deletion (hooks)


async def test_replica_takes_one_more_ip_per_connected_subnet(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "regrep")
    await vnet(emu, sdk, subnets={"pe": "10.0.1.0/24", "pe2": "10.0.2.0/24"})
    await endpoint(emu, sdk, "pe1", reg["id"])
    await endpoint(emu, sdk, "pe2", reg["id"], subnet="pe2")
    await replica(emu, sdk, "regrep", "westeurope")
    c = net(emu, sdk)
    for name, sub in (("pe1", "pe"), ("pe2", "pe2")):
        pe = await c.private_endpoints.get(RG, name)
        fqdns = [d.fqdn for d in pe.properties.custom_dns_configs]
        assert fqdns == ["regrep.azurecr.io", "regrep.eastus.data.azurecr.io", "regrep.westeurope.data.azurecr.io"]
        s = await c.subnets.get(RG, "vnet1", sub)
        assert len(s.properties.ip_configurations) == 3
    hosts = raw(emu, reg["id"])["properties"]["dataEndpointHostNames"]
    assert hosts == ["regrep.eastus.data.azurecr.io", "regrep.westeurope.data.azurecr.io"]
    # a later endpoint gets the replica's member from the start
    pe3 = await endpoint(emu, sdk, "pe3", reg["id"])
    assert len(pe3.properties.custom_dns_configs) == 3


async def test_replica_fails_when_a_connected_subnet_is_full(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "regrepfull")
    await vnet(emu, sdk, subnets={"big": "10.0.1.0/24", "small": "10.0.2.0/29"})
    await endpoint(emu, sdk, "pe1", reg["id"], subnet="big")
    await endpoint(emu, sdk, "pe2", reg["id"], subnet="small")  # 2 of 3 used
    await replica(emu, sdk, "regrepfull", "westeurope")  # uses the last one
    assert await error_code(replica(emu, sdk, "regrepfull", "northeurope")) == "SubnetIsFull"
    acr = sdk(ContainerRegistryManagementClient, emu)
    assert [r.location async for r in acr.replications.list(RG, "regrepfull")] == ["eastus", "westeurope"]  # home too
    c = net(emu, sdk)
    big = await c.subnets.get(RG, "vnet1", "big")
    assert len(big.properties.ip_configurations) == 3  # nothing allocated for the refused replica


async def test_registry_delete_disconnects_endpoints(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "reggone")
    await vnet(emu, sdk)
    await endpoint(emu, sdk, "pe1", reg["id"])
    acr = sdk(ContainerRegistryManagementClient, emu)
    await (await acr.registries.begin_delete(RG, "reggone")).result()
    pe = await net(emu, sdk).private_endpoints.get(RG, "pe1")
    assert pe.properties.private_link_service_connections[0].properties.private_link_service_connection_state.status == "Disconnected"


# ---------------------------------------------------------------- DNS zone groups


async def test_zone_group_writes_and_removes_a_records(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "RegDns")
    await vnet(emu, sdk)
    z = await zone(emu, sdk)
    await endpoint(emu, sdk, "pe1", reg["id"])
    c = net(emu, sdk)
    zg_body = {"properties": {"privateDnsZoneConfigs": [{"name": "acr", "properties": {"privateDnsZoneId": z.id}}]}}
    zg = await (await c.private_dns_zone_groups.begin_create_or_update(RG, "pe1", "default", zg_body)).result()
    sets = {r.record_set_name: r.ip_addresses for r in zg.properties.private_dns_zone_configs[0].properties.record_sets}
    assert sets == {"regdns": ["10.0.1.4"], "regdns.eastus.data": ["10.0.1.5"]}
    dns = sdk(PrivateDnsManagementClient, emu)
    a = {r.name: [x.ipv4_address for x in r.a_records] async for r in dns.record_sets.list_by_type(RG, z.name, "A")}
    assert a == {"regdns": ["10.0.1.4"], "regdns.eastus.data": ["10.0.1.5"]}
    rec = await dns.record_sets.get(RG, z.name, "A", "regdns")
    assert rec.ttl == 10 and rec.fqdn == "regdns.privatelink.azurecr.io."
    assert [g.name async for g in c.private_dns_zone_groups.list("pe1", RG)] == ["default"]
    gid = f"{rg_path(emu)}/providers/Microsoft.Network/privateEndpoints/pe1/privateDnsZoneGroups/default"
    from acrtui.emulator.providers.network import _zg_view

    res = emu.state.get(gid)
    assert res is not None
    assert_roundtrip(nm.PrivateDnsZoneGroup, _zg_view(res))
    # a replica adds its data-endpoint record to the zone
    await replica(emu, sdk, "RegDns", "westeurope")
    rec = await dns.record_sets.get(RG, z.name, "A", "regdns.westeurope.data")
    assert [x.ipv4_address for x in rec.a_records] == ["10.0.1.6"]
    # deleting the group removes its records; the SOA stays
    await (await c.private_dns_zone_groups.begin_delete(RG, "pe1", "default")).result()
    assert [r.type async for r in dns.record_sets.list(RG, z.name)] == ["Microsoft.Network/privateDnsZones/SOA"]


async def test_zone_group_rules(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "regzgr")
    await vnet(emu, sdk)
    z = await zone(emu, sdk)
    await endpoint(emu, sdk, "pe1", reg["id"])
    c = net(emu, sdk)
    missing = z.id.replace("privatelink.azurecr.io", "privatelink.nope.io")
    bad = {"properties": {"privateDnsZoneConfigs": [{"name": "x", "properties": {"privateDnsZoneId": missing}}]}}
    assert await error_code(c.private_dns_zone_groups.begin_create_or_update(RG, "pe1", "g", bad)) == "InvalidResourceReference"
    good = {"properties": {"privateDnsZoneConfigs": [{"name": "x", "properties": {"privateDnsZoneId": z.id}}]}}
    await (await c.private_dns_zone_groups.begin_create_or_update(RG, "pe1", "g1", good)).result()
    assert await error_code(c.private_dns_zone_groups.begin_create_or_update(RG, "pe1", "g2", good)) == "PrivateDnsZoneGroupLimitReached"
    # deleting the endpoint removes the group's records
    await (await c.private_endpoints.begin_delete(RG, "pe1")).result()
    dns = sdk(PrivateDnsManagementClient, emu)
    assert [r async for r in dns.record_sets.list_by_type(RG, z.name, "A")] == []


async def test_static_private_endpoint_ips(emu: Emulator, sdk: Any) -> None:
    """``ipConfigurations`` pin members to addresses inside the subnet; reserved, foreign and taken addresses are
    refused with the network provider's codes and nothing is allocated."""
    reg = await registry(emu, sdk, "regstatic")
    await vnet(emu, sdk)  # subnet pe = 10.0.1.0/24: usable 10.0.1.4 .. 10.0.1.254

    def body(ips: dict[str, str]) -> dict[str, Any]:
        b = pe_body(emu, reg["id"])
        b["properties"]["ipConfigurations"] = [
            {"name": f"cfg-{m}", "properties": {"groupId": "registry", "memberName": m, "privateIPAddress": ip}}
            for m, ip in ips.items()]
        return b

    c = net(emu, sdk)
    for ips, code in (({"registry": "10.0.2.10"}, "PrivateIPAddressNotInSubnet"),
                      ({"registry": "10.0.1.2"}, "PrivateIPAddressInReservedRange"),
                      ({"registry": "10.0.1.255"}, "PrivateIPAddressInReservedRange"),
                      ({"registry": "10.0.1.20", "registry_data_eastus": "10.0.1.20"}, "PrivateIPAddressInUse"),
                      ({"registry_data_westus": "10.0.1.21"}, "InvalidPrivateEndpointIpConfiguration")):
        assert await error_code(c.private_endpoints.begin_create_or_update(RG, "pe-bad", body(ips))) == code, ips
    assert not emu.state.get(subnet_id(emu)).extra.get("ips")  # type: ignore[union-attr]
    pe = await (await c.private_endpoints.begin_create_or_update(
        RG, "pe-static", body({"registry": "10.0.1.20", "registry_data_eastus": "10.0.1.21"}))).result()
    assert {d.fqdn: d.ip_addresses for d in pe.properties.custom_dns_configs} == {
        "regstatic.azurecr.io": ["10.0.1.20"], "regstatic.eastus.data.azurecr.io": ["10.0.1.21"]}
    assert [x.properties.private_ip_address for x in pe.properties.ip_configurations] == ["10.0.1.20", "10.0.1.21"]
    nic = await c.network_interfaces.get(RG, pe.properties.network_interfaces[0].id.rsplit("/", 1)[1])
    assert {x.properties.private_ip_allocation_method for x in nic.properties.ip_configurations} == {"Static"}
    assert await error_code(c.private_endpoints.begin_create_or_update(
        RG, "pe-clash", body({"registry": "10.0.1.21"}))) == "PrivateIPAddressInUse"
    assert_roundtrip(nm.PrivateEndpoint, raw(emu, pe.id))
