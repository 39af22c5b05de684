"""ACR ``privateEndpointConnections`` in the emulator (azure-mgmt-containerregistry), incl. the must-show scenario."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.containerregistry import models as cm
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
from azure.mgmt.network.aio import NetworkManagementClient
from azure.mgmt.privatedns.aio import PrivateDnsManagementClient

from acrtui.emulator import Emulator

from .fidelity import assert_roundtrip
from .netkit import RG, endpoint, error_code, raw, registry, replica, vnet, zone


def acr(emu: Emulator, sdk: Any, role: str = "owner") -> Any:
    return sdk(ContainerRegistryManagementClient, emu, role)


def decision(status: str, description: str = "") -> dict[str, Any]:
    return {"properties": {"privateLinkServiceConnectionState": {"status": status, "description": description}}}


async def test_list_get_and_fidelity(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "reglist")
    await vnet(emu, sdk)
    for i in range(3):
        await endpoint(emu, sdk, f"pe{i}", reg["id"])
    c = acr(emu, sdk)
    conns = [x async for x in c.private_endpoint_connections.list(RG, "reglist")]  # page size 2
    assert len(conns) == 3
    one = await c.private_endpoint_connections.get(RG, "reglist", conns[0].name)
    assert one.private_link_service_connection_state.status == "Approved"
    assert one.type == "Microsoft.ContainerRegistry/registries/privateEndpointConnections"
    for body in raw(emu, reg["id"])["properties"]["privateEndpointConnections"]:
        assert_roundtrip(cm.PrivateEndpointConnection, body)
    assert_roundtrip(cm.Registry, raw(emu, reg["id"]))
    with pytest.raises(ResourceNotFoundError):
        await c.private_endpoint_connections.get(RG, "reglist", "nope")


async def test_approve_and_reject_update_both_sides(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "regappr")
    await vnet(emu, sdk)
    await endpoint(emu, sdk, "pe1", reg["id"], manual=True)
    c = acr(emu, sdk)
    [conn] = [x async for x in c.private_endpoint_connections.list(RG, "regappr")]
    assert conn.private_link_service_connection_state.status == "Pending"
    done = await (await c.private_endpoint_connections.begin_create_or_update(RG, "regappr", conn.name, decision("Approved", "ok"))).result()
    assert done.private_link_service_connection_state.status == "Approved"
    assert done.provisioning_state == "Succeeded"
    net = sdk(NetworkManagementClient, emu)
    pe = await net.private_endpoints.get(RG, "pe1")
    st = pe.properties.manual_private_link_service_connections[0].properties.private_link_service_connection_state
    assert (st.status, st.description) == ("Approved", "ok")
    await (await c.private_endpoint_connections.begin_create_or_update(RG, "regappr", conn.name, decision("Rejected", "no"))).result()
    pe = await net.private_endpoints.get(RG, "pe1")
    assert pe.properties.manual_private_link_service_connections[0].properties.private_link_service_connection_state.status == "Rejected"
    assert await error_code(c.private_endpoint_connections.begin_create_or_update(RG, "regappr", conn.name, decision("Pending"))) == "InvalidPrivateEndpointConnectionStatus"


async def test_reader_cannot_approve(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "regro")
    await vnet(emu, sdk)
    await endpoint(emu, sdk, "pe1", reg["id"], manual=True)
    c = acr(emu, sdk, "reader")
    [conn] = [x async for x in c.private_endpoint_connections.list(RG, "regro")]
    assert await error_code(c.private_endpoint_connections.begin_create_or_update(RG, "regro", conn.name, decision("Approved"))) == "AuthorizationFailed"


async def test_delete_connection_disconnects_endpoint(emu: Emulator, sdk: Any) -> None:
    reg = await registry(emu, sdk, "regdisc")
    await vnet(emu, sdk)
    await endpoint(emu, sdk, "pe1", reg["id"])
    c = acr(emu, sdk)
    [conn] = [x async for x in c.private_endpoint_connections.list(RG, "regdisc")]
    await (await c.private_endpoint_connections.begin_delete(RG, "regdisc", conn.name)).result()
    assert [x async for x in c.private_endpoint_connections.list(RG, "regdisc")] == []
    pe = await sdk(NetworkManagementClient, emu).private_endpoints.get(RG, "pe1")
    assert pe.properties.private_link_service_connections[0].properties.private_link_service_connection_state.status == "Disconnected"


async def test_must_show_scenario(emu: Emulator, sdk: Any) -> None:
    """Auto-approved PE → Approved + data endpoints; manual → Pending until approved via ACR; zone group A records
    for the registry and every region; a later replica takes one more IP per connected subnet and fails if full."""
    reg = await registry(emu, sdk, "showreg")
    await vnet(emu, sdk, subnets={"auto": "10.0.1.0/24", "manual": "10.0.2.0/29"})
    z = await zone(emu, sdk)
    c = acr(emu, sdk)
    net = sdk(NetworkManagementClient, emu)

    await endpoint(emu, sdk, "pe-auto", reg["id"], subnet="auto")
    r = await c.registries.get(RG, "showreg")
    assert [x.private_link_service_connection_state.status for x in r.private_endpoint_connections] == ["Approved"]
    assert r.data_endpoint_enabled is True
    assert r.data_endpoint_host_names == ["showreg.eastus.data.azurecr.io"]

    await endpoint(emu, sdk, "pe-manual", reg["id"], subnet="manual", manual=True)
    conns = {x.private_endpoint.id.rsplit("/", 1)[1]: x async for x in c.private_endpoint_connections.list(RG, "showreg")}
    assert conns["pe-manual"].private_link_service_connection_state.status == "Pending"
    await (await c.private_endpoint_connections.begin_create_or_update(RG, "showreg", conns["pe-manual"].name, decision("Approved"))).result()
    pe = await net.private_endpoints.get(RG, "pe-manual")
    assert pe.properties.manual_private_link_service_connections[0].properties.private_link_service_connection_state.status == "Approved"

    await replica(emu, sdk, "showreg", "westeurope")  # auto subnet: 4th IP; manual /29: its 3rd and last
    zg = {"properties": {"privateDnsZoneConfigs": [{"name": "acr", "properties": {"privateDnsZoneId": z.id}}]}}
    await (await net.private_dns_zone_groups.begin_create_or_update(RG, "pe-auto", "default", zg)).result()
    dns = sdk(PrivateDnsManagementClient, emu)
    a = {x.name: [i.ipv4_address for i in x.a_records] async for x in dns.record_sets.list_by_type(RG, z.name, "A")}
    assert a == {"showreg": ["10.0.1.4"], "showreg.eastus.data": ["10.0.1.5"], "showreg.westeurope.data": ["10.0.1.6"]}
    s = await net.subnets.get(RG, "vnet1", "auto")
    assert len(s.properties.ip_configurations) == 3

    assert await error_code(replica(emu, sdk, "showreg", "northeurope")) == "SubnetIsFull"  # the /29 is full
    assert [x.location async for x in c.replications.list(RG, "showreg")] == ["eastus", "westeurope"]  # home too
    s = await net.subnets.get(RG, "vnet1", "auto")
    assert len(s.properties.ip_configurations) == 3  # rolled back everywhere
