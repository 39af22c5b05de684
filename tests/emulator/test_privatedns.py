"""Microsoft.Network/privateDnsZones in the emulator through the real azure-mgmt-privatedns SDK."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.mgmt.privatedns import models as dm
from azure.mgmt.privatedns.aio import PrivateDnsManagementClient

from acrtui.emulator import Emulator

from .fidelity import assert_roundtrip
from .netkit import RG, error_code, raw, rg_path, vnet

ZONE = "privatelink.azurecr.io"


def dns(emu: Emulator, sdk: Any, role: str = "owner") -> Any:
    return sdk(PrivateDnsManagementClient, emu, role)


async def make_zone(c: Any, name: str = ZONE) -> Any:
    return await (await c.private_zones.begin_create_or_update(RG, name, {"location": "global"})).result()


async def test_zone_is_global_starts_with_soa_and_round_trips(emu: Emulator, sdk: Any) -> None:
    c = dns(emu, sdk)
    z = await make_zone(c)
    assert z.location == "global"
    assert z.properties.provisioning_state == "Succeeded"
    assert z.properties.number_of_record_sets == 1  # the SOA record set
    assert z.properties.number_of_virtual_network_links == 0
    soa = await c.record_sets.get(RG, ZONE, "SOA", "@")
    assert soa.fqdn == f"{ZONE}."
    assert_roundtrip(dm.PrivateZone, raw(emu, z.id))
    assert_roundtrip(dm.RecordSet, raw(emu, soa.id))
    assert await error_code(c.private_zones.begin_create_or_update(RG, "other.zone", {"location": "eastus"})) == "LocationNotAvailableForResourceType"


async def test_zone_lists_page(emu: Emulator, sdk: Any) -> None:
    c = dns(emu, sdk)
    for n in ("a.zone", "b.zone", "c.zone"):
        await make_zone(c, n)
    assert sorted([z.name async for z in c.private_zones.list_by_resource_group(RG)]) == ["a.zone", "b.zone", "c.zone"]
    assert len([z async for z in c.private_zones.list()]) == 3


async def test_a_record_set_put_is_sync_and_counts(emu: Emulator, sdk: Any) -> None:
    c = dns(emu, sdk)
    await make_zone(c)
    body = {"properties": {"ttl": 300, "aRecords": [{"ipv4Address": "10.0.0.4"}]}}
    r = await c.record_sets.create_or_update(RG, ZONE, "A", "myreg", body)
    assert r.ttl == 300 and r.fqdn == f"myreg.{ZONE}." and r.a_records[0].ipv4_address == "10.0.0.4"
    assert r.type == "Microsoft.Network/privateDnsZones/A"
    assert_roundtrip(dm.RecordSet, raw(emu, r.id))
    z = await c.private_zones.get(RG, ZONE)
    assert z.properties.number_of_record_sets == 2
    assert await error_code(c.record_sets.create_or_update(RG, ZONE, "A", "bad", {"properties": {"ttl": 1, "aRecords": [{"ipv4Address": "10.0.0.999"}]}})) == "BadRequest"
    upd = await c.record_sets.update(RG, ZONE, "A", "myreg", {"properties": {"ttl": 60}})
    assert upd.ttl == 60 and upd.a_records[0].ipv4_address == "10.0.0.4"
    names = [x.name async for x in c.record_sets.list(RG, ZONE)]
    assert sorted(names) == ["@", "myreg"]
    await c.record_sets.delete(RG, ZONE, "A", "myreg")
    with pytest.raises(ResourceNotFoundError):
        await c.record_sets.get(RG, ZONE, "A", "myreg")
    assert (await c.private_zones.get(RG, ZONE)).properties.number_of_record_sets == 1


async def test_record_set_names_come_back_lower_cased(emu: Emulator, sdk: Any) -> None:
    """A record set written as ``MyReg.EastUS.Data`` is the set ``myreg.eastus.data`` (name, id, fqdn)."""
    c = dns(emu, sdk)
    await make_zone(c)
    body = {"properties": {"ttl": 300, "aRecords": [{"ipv4Address": "10.0.0.5"}]}}
    r = await c.record_sets.create_or_update(RG, ZONE, "A", "MyReg.EastUS.Data", body)
    assert r.name == "myreg.eastus.data" and r.fqdn == f"myreg.eastus.data.{ZONE}." and r.id.endswith("/A/myreg.eastus.data")
    again = await c.record_sets.create_or_update(RG, ZONE, "A", "myreg.eastus.data", body)
    assert again.id == r.id and [x.name async for x in c.record_sets.list_by_type(RG, ZONE, "A")] == ["myreg.eastus.data"]
    assert_roundtrip(dm.RecordSet, raw(emu, r.id))


async def test_vnet_link_state_and_rules(emu: Emulator, sdk: Any) -> None:
    await vnet(emu, sdk)
    c = dns(emu, sdk)
    await make_zone(c)
    vid = f"{rg_path(emu)}/providers/Microsoft.Network/virtualNetworks/vnet1"
    body = {"location": "global", "properties": {"virtualNetwork": {"id": vid}, "registrationEnabled": False}}
    link = await (await c.virtual_network_links.begin_create_or_update(RG, ZONE, "link1", body)).result()
    assert link.properties.virtual_network_link_state == "Completed"
    assert link.properties.registration_enabled is False
    assert link.properties.virtual_network.id == vid
    assert link.location == "global"
    assert_roundtrip(dm.VirtualNetworkLink, raw(emu, link.id))
    assert (await c.private_zones.get(RG, ZONE)).properties.number_of_virtual_network_links == 1
    assert [x.name async for x in c.virtual_network_links.list(RG, ZONE)] == ["link1"]
    with pytest.raises(ResourceExistsError):  # the same VNet twice
        await (await c.virtual_network_links.begin_create_or_update(RG, ZONE, "link2", body)).result()
    missing = {"location": "global", "properties": {"virtualNetwork": {"id": vid + "x"}}}
    assert await error_code(c.virtual_network_links.begin_create_or_update(RG, ZONE, "link3", missing)) == "InvalidResourceReference"
    # a zone with links cannot be deleted; without them it can
    with pytest.raises(ResourceExistsError):
        await c.private_zones.begin_delete(RG, ZONE)
    await (await c.virtual_network_links.begin_delete(RG, ZONE, "link1")).result()
    await (await c.private_zones.begin_delete(RG, ZONE)).result()
    with pytest.raises(ResourceNotFoundError):
        await c.private_zones.get(RG, ZONE)


async def test_reader_cannot_write_records(emu: Emulator, sdk: Any) -> None:
    await make_zone(dns(emu, sdk))
    r = dns(emu, sdk, "reader")
    assert (await r.private_zones.get(RG, ZONE)).name == ZONE
    assert await error_code(r.record_sets.create_or_update(RG, ZONE, "A", "x", {"properties": {"ttl": 1}})) == "AuthorizationFailed"
