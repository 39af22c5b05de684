"""Helpers for the private-networking tests: registries, VNets, endpoints and zones made with the real SDKs."""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
from azure.mgmt.network.aio import NetworkManagementClient
from azure.mgmt.privatedns.aio import PrivateDnsManagementClient

from acrtui.emulator import Emulator

RG = "rg-empty"
APPROVE = "Microsoft.ContainerRegistry/registries/privateEndpointConnectionsApproval/action"


def sub_id(emu: Emulator) -> str:
    return emu.subscription_id


def rg_path(emu: Emulator) -> str:
    return f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}"


async def registry(emu: Emulator, sdk: Any, name: str, sku: str = "Premium", location: str = "eastus", role: str = "owner") -> dict[str, Any]:
    acr = sdk(ContainerRegistryManagementClient, emu, role)
    poller = await acr.registries.begin_create(RG, name, {"location": location, "sku": {"name": sku}})
    reg = await poller.result()
    return {"id": reg.id, "name": reg.name, "loginServer": reg.login_server}


async def replica(emu: Emulator, sdk: Any, reg_name: str, region: str) -> Any:
    acr = sdk(ContainerRegistryManagementClient, emu)
    poller = await acr.replications.begin_create(RG, reg_name, region, {"location": region})
    return await poller.result()


async def vnet(emu: Emulator, sdk: Any, name: str = "vnet1", space: str = "10.0.0.0/16", subnets: dict[str, str] | None = None) -> Any:
    net = sdk(NetworkManagementClient, emu)
    body = {
        "location": "eastus",
        "properties": {
            "addressSpace": {"addressPrefixes": [space]},
            "subnets": [{"name": n, "properties": {"addressPrefix": p}} for n, p in (subnets or {"pe": "10.0.1.0/24"}).items()],
        },
    }
    poller = await net.virtual_networks.begin_create_or_update(RG, name, body)
    return await poller.result()


def subnet_id(emu: Emulator, vnet_name: str = "vnet1", subnet: str = "pe") -> str:
    return f"{rg_path(emu)}/providers/Microsoft.Network/virtualNetworks/{vnet_name}/subnets/{subnet}"


def pe_body(emu: Emulator, reg_id: str, *, manual: bool = False, subnet: str = "pe", vnet_name: str = "vnet1", groups: list[str] | None = None, message: str = "") -> dict[str, Any]:
    conn: dict[str, Any] = {"name": "conn", "properties": {"privateLinkServiceId": reg_id, "groupIds": groups or ["registry"]}}
    if message:
        conn["properties"]["requestMessage"] = message
    key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    return {"location": "eastus", "properties": {"subnet": {"id": subnet_id(emu, vnet_name, subnet)}, key: [conn]}}


async def endpoint(emu: Emulator, sdk: Any, name: str, reg_id: str, role: str = "owner", **kw: Any) -> Any:
    net = sdk(NetworkManagementClient, emu, role)
    poller = await net.private_endpoints.begin_create_or_update(RG, name, pe_body(emu, reg_id, **kw))
    return await poller.result()


async def zone(emu: Emulator, sdk: Any, name: str = "privatelink.azurecr.io", link_vnet: str | None = "vnet1") -> Any:
    dns = sdk(PrivateDnsManagementClient, emu)
    z = await (await dns.private_zones.begin_create_or_update(RG, name, {"location": "global"})).result()
    if link_vnet:
        vid = f"{rg_path(emu)}/providers/Microsoft.Network/virtualNetworks/{link_vnet}"
        link = {"location": "global", "properties": {"virtualNetwork": {"id": vid}, "registrationEnabled": False}}
        await (await dns.virtual_network_links.begin_create_or_update(RG, name, "link1", link)).result()
    return z


async def error_code(coro: Any) -> str:
    """The ARM error code an SDK call fails with (it must fail)."""
    try:
        poller_or_result = await coro
        if hasattr(poller_or_result, "result"):
            await poller_or_result.result()
    except HttpResponseError as e:
        assert e.error is not None, e
        return str(e.error.code)
    raise AssertionError("the call succeeded but should have failed")


def raw(emu: Emulator, rid: str) -> dict[str, Any]:
    res = emu.state.get(rid)
    assert res is not None, rid
    return res.body
