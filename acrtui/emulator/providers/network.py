"""Microsoft.Network, the private-networking half: virtual networks, subnets, private endpoints (with their NICs)
and private DNS zone groups, wired to container registries through state and hooks.

What Azure does and the emulator copies (AZURE-RULES.md "Private Link"):
- A subnet's usable addresses exclude the first four and the last (a /29 has 3). Addresses in use live in the
  subnet's ``extra["ips"]`` (ip -> NIC ip-configuration id); the subnet body shows ``privateEndpoints[]`` and
  ``ipConfigurations[]`` references, as Azure does, and its VNet embeds every subnet body.
- A VNet PUT replaces its subnet list: subnets left out are deleted (``InUseSubnetCannotBeDeleted`` if in use);
  ``dhcpOptions.dnsServers`` is kept as sent (REST spec example network 2024-05-01 VirtualNetworkList.json), and so
  is ``flowTimeoutInMinutes`` when given (example 2024-07-01 VirtualNetworkCreate.json; its 4-30 range is not checked).
- A private endpoint to a registry takes one IP per required member: ``registry`` plus ``registry_data_<region>``
  for the home region and every replica; it gets a NIC (``<pe>.nic.<guid>``, GET-able), ``customDnsConfigs``,
  a connection embedded in the registry (``<registry id>/privateEndpointConnections/<pe>.<guid>``), and turns the
  registry's dedicated data endpoints on at creation, approved or not.
- ``privateLinkServiceConnections`` are approved at once when the caller holds
  ``Microsoft.ContainerRegistry/registries/privateEndpointConnectionsApproval/action`` on the registry (Learn,
  "Azure RBAC permissions for Azure Private Link", approval RBAC); without it ARM refuses the endpoint with 403
  ``LinkedAuthorizationFailed`` before anything is written (message shape as Azure returned it, quoted in
  MicrosoftDocs/azure-docs issue #96892: "... has permission to perform action
  'Microsoft.Network/privateEndpoints/write' on scope '<pe>'; however, it does not have permission to perform
  action '<approval action>' on the linked scope(s) '<registry>' or the linked scope(s) are invalid.").
  ``manualPrivateLinkServiceConnections`` always start Pending and need no right on the registry.
- A DNS zone group writes A records (TTL 10) for every FQDN of the endpoint into each linked zone whose name
  covers ``<host>.privatelink.<acr suffix>`` and removes them when it (or the endpoint) goes.
- A geo-replica added later (hooks.REPLICA_ADDED) takes one more IP in every subnet holding an endpoint to that
  registry; if any is full nothing is allocated and the replica create fails. A registry delete
  (hooks.REGISTRY_DELETED) marks its endpoints' connections Disconnected.

Unconfirmed in public sources, and what the emulator chose:
- Full subnet: synchronous 400 ``SubnetIsFull`` ("Subnet <name> with address prefix <p> does not have enough
  capacity for <n> IP addresses."), for endpoint creation and for the replica hook alike.
- Endpoint to a non-Premium registry: 400 ``PrivateEndpointNotSupported``; group ids other than ``["registry"]``:
  400 ``InvalidPrivateLinkServiceConnectionGroupIds``; a missing subnet, registry or DNS zone: 400
  ``InvalidResourceReference``; not exactly one connection: 400 ``InvalidPrivateEndpointConnectionCount``;
  more than 200 endpoints on a registry: 400 ``PrivateEndpointConnectionLimitReached``; changing an endpoint's
  subnet: 400 ``PrivateEndpointSubnetCannotBeChanged``; a second zone group on one endpoint: 400
  ``PrivateDnsZoneGroupLimitReached``; more than 5 zones in a group: 400 ``InvalidPrivateDnsZoneConfigCount``.
- ``privateEndpointNetworkPolicies`` is stored (default ``Disabled``) and never blocks an endpoint (current
  APIs allow endpoints in subnets with network policies on).
- Subnet validation codes ``NetcfgSubnetRangeOutsideVnet``, ``NetcfgSubnetRangesOverlap``,
  ``InvalidAddressPrefix`` (also for prefixes longer than /29), ``InUseSubnetCannotBeUpdated``.
- The registry-side connection carries no ``groupIds`` (ACR's PrivateEndpointConnection model has none); the
  endpoint's own connection does.
- Deleting a replica does not free its data-endpoint IP (Azure's behaviour is not documented).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from .. import hooks, rbac
from ..arm import ArmError, Ctx, Response, get_ci, lro, new_guid, not_found, page, res_id, route
from ..state import Resource, State
from .privatedns import add_a_record, remove_a_record, zone_by_id
from .resources import require_rg

VNET = "Microsoft.Network/virtualNetworks"
SUBNET = "Microsoft.Network/virtualNetworks/subnets"
PE = "Microsoft.Network/privateEndpoints"
NIC = "Microsoft.Network/networkInterfaces"
ZONE_GROUP = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
REGISTRY = "Microsoft.ContainerRegistry/registries"
REPLICA = "Microsoft.ContainerRegistry/registries/replications"
APPROVE_ACTION = "Microsoft.ContainerRegistry/registries/privateEndpointConnectionsApproval/action"
MAX_PE_PER_REGISTRY = 200
ZONE_GROUP_TTL = 10

RG = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network"
VNET_PATH = RG + "/virtualNetworks/{vnet}"
PE_PATH = RG + "/privateEndpoints/{pe}"


def _etag() -> str:
    return f'W/"{new_guid()}"'


def _bad(code: str, message: str) -> ArmError:
    return ArmError(400, code, message)


def _ref_missing(ref: str, owner: str) -> ArmError:
    return _bad(
        "InvalidResourceReference",
        f"Resource {ref} referenced by resource {owner} was not found. Please make sure that the referenced "
        "resource exists, and that both resources are in the same region.",
    )


def _location(data: dict[str, Any]) -> str:
    loc = str(get_ci(data, "location") or "").lower().replace(" ", "")
    if not loc:
        raise _bad("LocationRequired", "The location property is required for this definition.")
    return loc


# ---------------------------------------------------------------- address arithmetic


def _network(prefix: str) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.ip_network(prefix, strict=True)
    except ValueError as exc:
        raise _bad("InvalidAddressPrefix", f"Address prefix {prefix} is not a valid IPv4 CIDR prefix.") from exc
    if not isinstance(net, ipaddress.IPv4Network):
        raise _bad("InvalidAddressPrefix", f"Address prefix {prefix} is not a valid IPv4 CIDR prefix.")
    return net


def _subnet_prefix(sub: Resource) -> str:
    props = sub.props
    return str(props.get("addressPrefix") or (props.get("addressPrefixes") or [""])[0])


def _usable_range(prefix: str) -> tuple[int, int]:
    """Azure reserves the first four addresses and the last one of every subnet: [first, last) as integers."""
    net = _network(prefix)
    base = int(net.network_address)
    return base + 4, base + net.num_addresses - 1


def usable_ips(prefix: str) -> list[str]:
    first, last = _usable_range(prefix)
    return [str(ipaddress.IPv4Address(i)) for i in range(first, last)]


def _free_count(sub: Resource) -> int:
    first, last = _usable_range(_subnet_prefix(sub))
    used = sub.extra.setdefault("ips", {})
    return max(0, last - first) - sum(1 for ip in used if first <= int(ipaddress.IPv4Address(ip)) < last)


def _require_capacity(sub: Resource, count: int) -> None:
    if _free_count(sub) < count:
        raise _bad(
            "SubnetIsFull",
            f"Subnet {sub.body['name']} with address prefix {_subnet_prefix(sub)} does not have enough capacity "
            f"for {count} IP addresses.",
        )


def _allocate(sub: Resource, owner: str) -> str:
    """The lowest free usable address (walks only past the used ones, so large subnets stay cheap)."""
    used = sub.extra.setdefault("ips", {})
    first, last = _usable_range(_subnet_prefix(sub))
    for i in range(first, last):
        ip = str(ipaddress.IPv4Address(i))
        if ip not in used:
            used[ip] = owner
            return ip
    raise _bad("SubnetIsFull", f"Subnet {sub.body['name']} with address prefix {_subnet_prefix(sub)} has no free address.")


def _static_ips(sub: Resource, pe_id: str, ipconfigs_in: list[Any], members: list[tuple[str, str]]) -> dict[str, str]:
    """``properties.ipConfigurations`` on a private endpoint: member name → requested static address.

    Learn ("Manage Azure private endpoints", static IP; ACR private link: ``az network private-endpoint create
    --ip-config name=... group-id=registry member-name=registry_data_<region> private-ip-address=...``): each entry
    names the group, the member and an address inside the subnet that is neither one of Azure's five reserved
    addresses nor taken. Codes as the network provider uses them for NIC static addresses:
    ``PrivateIPAddressNotInSubnet``, ``PrivateIPAddressInReservedRange``, ``PrivateIPAddressInUse``.
    Unconfirmed: members left out get dynamic addresses; an unknown member or group, or one member twice, is 400
    ``InvalidPrivateEndpointIpConfiguration``.
    """
    known = {m.lower() for m, _ in members}
    out: dict[str, str] = {}
    net = _network(_subnet_prefix(sub))
    first, last = _usable_range(_subnet_prefix(sub))
    used = sub.extra.setdefault("ips", {})
    for i, cfg in enumerate(ipconfigs_in):
        cp = get_ci(cfg, "properties") or {}
        member = str(get_ci(cp, "memberName") or "")
        group = str(get_ci(cp, "groupId") or "")
        ip = str(get_ci(cp, "privateIPAddress") or "")
        if group.lower() != "registry" or member.lower() not in known or member.lower() in out:
            raise _bad("InvalidPrivateEndpointIpConfiguration",
                       f"ipConfigurations[{i}] of private endpoint {pe_id}: group '{group}' / member '{member}' is not "
                       f"one of {sorted(known)} (group 'registry'), or is given twice.")
        try:
            addr = ipaddress.IPv4Address(ip)
        except ValueError as exc:
            raise _bad("InvalidPrivateIPAddress", f"The private IP address '{ip}' is not a valid IPv4 address.") from exc
        if addr not in net:
            raise _bad("PrivateIPAddressNotInSubnet",
                       f"Private static IP address {ip} does not belong to the range of subnet prefix {net}.")
        if not first <= int(addr) < last:
            raise _bad("PrivateIPAddressInReservedRange",
                       f"Private static IP address {ip} falls within reserved IP range of subnet prefix {net}.")
        if ip in used or ip in out.values():
            raise _bad("PrivateIPAddressInUse",
                       f"IP configuration {pe_id} is using the private IP address {ip} which is already allocated "
                       f"to resource {used.get(ip, pe_id)}.")
        out[member.lower()] = ip
    return out


# ---------------------------------------------------------------- subnets and VNets


def refresh_subnet(state: State, sub: Resource) -> None:
    """Recompute the subnet's ``privateEndpoints``/``ipConfigurations`` references and its copy in the VNet."""
    used: dict[str, str] = sub.extra.setdefault("ips", {})
    props = sub.props
    configs = sorted(set(used.values()))
    pes = sorted({str(r.body["id"]) for r in state.of_type(PE) if _lower(get_ci(r.props.get("subnet"), "id")) == sub.id.lower()})
    for key, refs in (("ipConfigurations", configs), ("privateEndpoints", pes)):
        if refs:
            props[key] = [{"id": i} for i in refs]
        else:
            props.pop(key, None)
    _sync_vnet(state, sub.id.rsplit("/subnets/", 1)[0])


def _sync_vnet(state: State, vnet_id: str) -> None:
    vnet = state.get(vnet_id)
    if vnet is not None:
        vnet.props["subnets"] = [s.body for s in state.of_type(SUBNET, vnet.id)]


def _lower(v: Any) -> str:
    return str(v or "").lower()


def _subnet_in_use(sub: Resource) -> str | None:
    used = sub.extra.get("ips") or {}
    return next(iter(sorted(used.values())), None)


def _validate_subnet(state: State, vnet: dict[str, Any], vnet_id: str, name: str, prefix: str, siblings: dict[str, str]) -> None:
    net = _network(prefix)
    if net.prefixlen > 29:
        raise _bad("InvalidAddressPrefix", f"Subnet {name} has prefix {prefix}; the smallest supported subnet is /29.")
    spaces = [_network(p) for p in get_ci(get_ci(vnet.get("properties"), "addressSpace"), "addressPrefixes") or []]
    if not any(net.subnet_of(s) for s in spaces):
        raise _bad(
            "NetcfgSubnetRangeOutsideVnet",
            f"Subnet '{name}' is not valid because its IP address range is outside the IP address range of virtual network '{vnet['name']}'.",
        )
    for other, other_prefix in siblings.items():
        if other.lower() != name.lower() and net.overlaps(_network(other_prefix)):
            raise _bad(
                "NetcfgSubnetRangesOverlap",
                f"Subnet '{name}' is not valid because its IP address range overlaps with that of an existing subnet '{other}' in virtual network '{vnet['name']}'.",
            )


def _write_subnet(state: State, vnet_id: str, name: str, props_in: dict[str, Any]) -> Resource:
    """Create or update a subnet resource (validated by the caller) keeping its IP allocations."""
    rid = f"{vnet_id}/subnets/{name}"
    old = state.get(rid)
    prefix = str(get_ci(props_in, "addressPrefix") or (get_ci(props_in, "addressPrefixes") or [""])[0])
    if old is not None and _subnet_prefix(old) != prefix and _subnet_in_use(old):
        raise _bad("InUseSubnetCannotBeUpdated", f"Subnet {name} is in use and its address prefix cannot be changed.")
    props: dict[str, Any] = {
        "provisioningState": "Succeeded",
        "addressPrefix": prefix,
        "delegations": get_ci(props_in, "delegations") or [],
        "privateEndpointNetworkPolicies": get_ci(props_in, "privateEndpointNetworkPolicies") or "Disabled",
        "privateLinkServiceNetworkPolicies": get_ci(props_in, "privateLinkServiceNetworkPolicies") or "Enabled",
    }
    body = {"id": old.id if old else rid, "name": old.body["name"] if old else name, "type": SUBNET, "etag": _etag(), "properties": props}
    res = state.put(rid, body, old.extra if old else {"ips": {}})
    refresh_subnet(state, res)
    return res


def _vnet_res(ctx: Ctx, p: dict[str, str]) -> Resource:
    require_rg(ctx, p["sub"], p["rg"])
    res = ctx.state.get(res_id(p["sub"], p["rg"], VNET, p["vnet"]))
    if res is None:
        raise not_found(VNET, p["vnet"], p["rg"])
    return res


@route("PUT", VNET_PATH)
def put_vnet(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    data = ctx.json()
    rid = res_id(p["sub"], p["rg"], VNET, p["vnet"])
    old = ctx.state.get(rid)
    location = _location(data)
    props_in = get_ci(data, "properties") or {}
    prefixes = get_ci(get_ci(props_in, "addressSpace"), "addressPrefixes") or []
    if not prefixes:
        raise _bad("InvalidAddressPrefix", f"Virtual network {p['vnet']} must have at least one address prefix in addressSpace.")
    for pr in prefixes:
        _network(pr)
    body: dict[str, Any] = {
        "id": old.id if old else rid,
        "name": old.body["name"] if old else p["vnet"],
        "type": VNET,
        "location": old.body["location"] if old else location,
        "etag": _etag(),
        "properties": {
            "provisioningState": "Updating",
            "resourceGuid": old.props.get("resourceGuid") if old else new_guid(),
            "addressSpace": {"addressPrefixes": list(prefixes)},
            "subnets": [],
            "virtualNetworkPeerings": [],
            "enableDdosProtection": bool(get_ci(props_in, "enableDdosProtection", False)),
            "privateEndpointVNetPolicies": get_ci(props_in, "privateEndpointVNetPolicies") or "Disabled",
        },
    }
    if get_ci(data, "tags") is not None:
        body["tags"] = get_ci(data, "tags")
    if get_ci(props_in, "flowTimeoutInMinutes") is not None:
        body["properties"]["flowTimeoutInMinutes"] = get_ci(props_in, "flowTimeoutInMinutes")
    dhcp = get_ci(props_in, "dhcpOptions")
    if isinstance(dhcp, dict):
        body["properties"]["dhcpOptions"] = {"dnsServers": [str(x) for x in get_ci(dhcp, "dnsServers") or []]}
    wanted = {str(get_ci(s, "name")): get_ci(s, "properties") or {} for s in get_ci(props_in, "subnets") or []}
    prefixes_by_name = {n: str(get_ci(sp, "addressPrefix") or (get_ci(sp, "addressPrefixes") or [""])[0]) for n, sp in wanted.items()}
    for n in wanted:
        _validate_subnet(ctx.state, body, rid, n, prefixes_by_name[n], prefixes_by_name)
    existing = ctx.state.of_type(SUBNET, rid)
    dropped = [s for s in existing if s.body["name"].lower() not in {n.lower() for n in wanted}]
    for s in existing:
        user = _subnet_in_use(s)
        if s in dropped and user:
            raise _in_use(s, user)
        if s not in dropped and user:
            new_prefix = next(v for k, v in prefixes_by_name.items() if k.lower() == s.body["name"].lower())
            if new_prefix != _subnet_prefix(s):
                raise _bad("InUseSubnetCannotBeUpdated", f"Subnet {s.body['name']} is in use and its address prefix cannot be changed.")
    ctx.state.put(rid, body, old.extra if old else {})
    for s in dropped:
        ctx.state.delete(s.id)
    for n, sp in wanted.items():
        _write_subnet(ctx.state, rid, n, sp)
    _sync_vnet(ctx.state, rid)
    return lro(ctx, 200 if old else 201, body, rid)


def _in_use(sub: Resource, user: str) -> ArmError:
    return _bad(
        "InUseSubnetCannotBeDeleted",
        f"Subnet {sub.body['name']} is in use by {user} and cannot be deleted. In order to delete the subnet, "
        "delete all the resources within the subnet. See aka.ms/deletesubnet.",
    )


@route("GET", VNET_PATH)
def get_vnet(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _vnet_res(ctx, p).body)


@route("DELETE", VNET_PATH)
def delete_vnet(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    res = ctx.state.get(res_id(p["sub"], p["rg"], VNET, p["vnet"]))
    if res is None:
        return Response(204)
    for s in ctx.state.of_type(SUBNET, res.id):
        user = _subnet_in_use(s)
        if user:
            raise _in_use(s, user)
    return lro(ctx, 202, None, res.id, lambda: _forget(ctx.state, res.id), location_header=True)


def _forget(state: State, rid: str) -> None:
    state.delete(rid)


@route("GET", RG + "/virtualNetworks")
def list_vnets(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    return page(ctx, [r.body for r in ctx.state.of_type(VNET, f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}")])


@route("GET", "/subscriptions/{sub}/providers/Microsoft.Network/virtualNetworks")
def list_all_vnets(ctx: Ctx, p: dict[str, str]) -> Response:
    return page(ctx, [r.body for r in ctx.state.of_type(VNET, f"/subscriptions/{p['sub']}")])


@route("PUT", VNET_PATH + "/subnets/{subnet}")
def put_subnet(ctx: Ctx, p: dict[str, str]) -> Response:
    vnet = _vnet_res(ctx, p)
    data = ctx.json()
    props_in = get_ci(data, "properties") or {}
    prefix = str(get_ci(props_in, "addressPrefix") or (get_ci(props_in, "addressPrefixes") or [""])[0])
    siblings = {s.body["name"]: _subnet_prefix(s) for s in ctx.state.of_type(SUBNET, vnet.id)}
    existed = ctx.state.get(f"{vnet.id}/subnets/{p['subnet']}") is not None
    _validate_subnet(ctx.state, vnet.body, vnet.id, p["subnet"], prefix, siblings)
    res = _write_subnet(ctx.state, vnet.id, p["subnet"], props_in)
    res.props["provisioningState"] = "Updating"
    return lro(ctx, 200 if existed else 201, res.body, res.id)


def _subnet_res(ctx: Ctx, p: dict[str, str]) -> Resource:
    vnet = _vnet_res(ctx, p)
    res = ctx.state.get(f"{vnet.id}/subnets/{p['subnet']}")
    if res is None:
        raise not_found(SUBNET, f"{vnet.body['name']}/{p['subnet']}", p["rg"])
    return res


@route("GET", VNET_PATH + "/subnets/{subnet}")
def get_subnet(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _subnet_res(ctx, p).body)


@route("GET", VNET_PATH + "/subnets")
def list_subnets(ctx: Ctx, p: dict[str, str]) -> Response:
    vnet = _vnet_res(ctx, p)
    return page(ctx, [s.body for s in ctx.state.of_type(SUBNET, vnet.id)])


@route("DELETE", VNET_PATH + "/subnets/{subnet}")
def delete_subnet(ctx: Ctx, p: dict[str, str]) -> Response:
    vnet = _vnet_res(ctx, p)
    res = ctx.state.get(f"{vnet.id}/subnets/{p['subnet']}")
    if res is None:
        return Response(204)
    user = _subnet_in_use(res)
    if user:
        raise _in_use(res, user)

    def done() -> None:
        ctx.state.delete(res.id)
        _sync_vnet(ctx.state, vnet.id)

    return lro(ctx, 202, None, res.id, done, location_header=True)


# ---------------------------------------------------------------- registries seen from the network side


def registry_regions(state: State, registry: Resource) -> list[str]:
    """Home region first, then each replica region: the regions that need a data endpoint IP."""
    home = _lower(registry.body.get("location"))
    out = [home]
    for r in state.of_type(REPLICA, registry.id):
        loc = _lower(r.body.get("location"))
        if loc and loc not in out:
            out.append(loc)
    return out


def _members(state: State, registry: Resource, regions: list[str]) -> list[tuple[str, str]]:
    """(required member name, FQDN) for the login server and each region's data endpoint."""
    name = _lower(registry.body["name"])
    suffix = state.suffix("acr")
    login = str(registry.props.get("loginServer") or f"{name}.{suffix}")
    return [("registry", login)] + [(f"registry_data_{r}", f"{name}.{r}.data.{suffix}") for r in regions]


def _enable_data_endpoints(state: State, registry: Resource, regions: list[str]) -> None:
    name = _lower(registry.body["name"])
    suffix = state.suffix("acr")
    registry.props["dataEndpointEnabled"] = True
    registry.props["dataEndpointHostNames"] = [f"{name}.{r}.data.{suffix}" for r in regions]


def endpoints_to(state: State, registry_id: str) -> list[Resource]:
    return [r for r in state.of_type(PE) if _lower(r.extra.get("registry_id")) == registry_id.lower()]


def pe_connection(pe: Resource) -> dict[str, Any] | None:
    props = pe.props
    conns = (props.get("privateLinkServiceConnections") or []) + (props.get("manualPrivateLinkServiceConnections") or [])
    return conns[0] if conns else None


def set_pe_status(state: State, pe_id: str, status: str, description: str) -> None:
    """Mirror a registry-side decision on the endpoint's own connection (called by privatelink.py)."""
    pe = state.get(pe_id)
    conn = pe_connection(pe) if pe else None
    if conn is not None:
        conn["properties"]["privateLinkServiceConnectionState"] = {"status": status, "description": description, "actionsRequired": "None"}


# ---------------------------------------------------------------- private endpoints


def _pe_res(ctx: Ctx, p: dict[str, str]) -> Resource:
    require_rg(ctx, p["sub"], p["rg"])
    res = ctx.state.get(res_id(p["sub"], p["rg"], PE, p["pe"]))
    if res is None:
        raise not_found(PE, p["pe"], p["rg"])
    return res


def _target_registry(ctx: Ctx, pe_id: str, conn: dict[str, Any]) -> tuple[Resource, list[str]]:
    cprops = get_ci(conn, "properties") or {}
    target = str(get_ci(cprops, "privateLinkServiceId") or "")
    reg = ctx.state.get(target) if target else None
    if reg is None or reg.type.lower() != REGISTRY.lower():
        raise _ref_missing(target or "<privateLinkServiceId>", pe_id)
    sku = str(get_ci(reg.body.get("sku"), "name") or "")
    if sku.lower() != "premium":
        raise _bad(
            "PrivateEndpointNotSupported",
            f"Call to Microsoft.ContainerRegistry/registries failed. Error message: Private link is only supported for "
            f"managed registries in Premium SKU. The registry SKU is '{sku}'. For more information, please visit https://aka.ms/acr/private-link.",
        )
    groups = [str(g) for g in get_ci(cprops, "groupIds") or []]
    if [g.lower() for g in groups] != ["registry"]:
        raise _bad(
            "InvalidPrivateLinkServiceConnectionGroupIds",
            f"Group ids {groups} are not supported by {target}; the only group id of a container registry is 'registry'.",
        )
    if len(reg.props.get("privateEndpointConnections") or []) >= MAX_PE_PER_REGISTRY:
        raise _bad("PrivateEndpointConnectionLimitReached", f"Registry {reg.body['name']} already has {MAX_PE_PER_REGISTRY} private endpoint connections.")
    return reg, groups


def linked_authorization_failed(ctx: Ctx, pe_id: str, registry_id: str) -> ArmError:
    """403 for an automatic connection by a caller who may write the endpoint but not approve on the registry."""
    p = ctx.principal
    return ArmError(
        403,
        "LinkedAuthorizationFailed",
        f"The client '{p.client_id}' with object id '{p.object_id}' has permission to perform action "
        f"'{PE}/write' on scope '{pe_id}'; however, it does not have permission to perform action "
        f"'{APPROVE_ACTION}' on the linked scope(s) '{registry_id}' or the linked scope(s) are invalid.",
    )


@route("PUT", PE_PATH)
def put_private_endpoint(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    data = ctx.json()
    rid = res_id(p["sub"], p["rg"], PE, p["pe"])
    old = ctx.state.get(rid)
    location = _location(data)
    props_in = get_ci(data, "properties") or {}
    subnet_id = str(get_ci(get_ci(props_in, "subnet"), "id") or "")
    if old is not None:
        if _lower(subnet_id) != _lower(get_ci(old.props.get("subnet"), "id")):
            raise _bad("PrivateEndpointSubnetCannotBeChanged", f"The subnet of private endpoint {old.body['name']} cannot be changed.")
        if get_ci(data, "tags") is not None:
            old.body["tags"] = get_ci(data, "tags")
        old.body["etag"] = _etag()
        return lro(ctx, 200, old.body, old.id)
    sub = ctx.state.get(subnet_id) if subnet_id else None
    if sub is None or sub.type.lower() != SUBNET.lower():
        raise _ref_missing(subnet_id or "<subnet>", rid)
    auto = list(get_ci(props_in, "privateLinkServiceConnections") or [])
    manual = list(get_ci(props_in, "manualPrivateLinkServiceConnections") or [])
    if len(auto) + len(manual) != 1:
        raise _bad("InvalidPrivateEndpointConnectionCount", f"Private endpoint {p['pe']} must have exactly one private link service connection.")
    conn_in = (auto or manual)[0]
    reg, groups = _target_registry(ctx, rid, conn_in)
    if auto and not rbac.allowed(ctx.state, ctx.principal.object_id, APPROVE_ACTION, reg.id):
        raise linked_authorization_failed(ctx, rid, reg.id)
    regions = registry_regions(ctx.state, reg)
    members = _members(ctx.state, reg, regions)
    _require_capacity(sub, len(members))
    ipconfigs_in = list(get_ci(props_in, "ipConfigurations") or [])
    static = _static_ips(sub, rid, ipconfigs_in, members)

    approved = bool(auto)
    cprops_in = get_ci(conn_in, "properties") or {}
    request_message = str(get_ci(cprops_in, "requestMessage") or "")
    state_ = {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"} if approved else {
        "status": "Pending", "description": request_message, "actionsRequired": "None"}
    conn_name = str(get_ci(conn_in, "name") or p["pe"])
    kind = "privateLinkServiceConnections" if auto else "manualPrivateLinkServiceConnections"
    conn: dict[str, Any] = {
        "id": f"{rid}/{kind}/{conn_name}",
        "name": conn_name,
        "type": f"{PE}/{kind}",
        "etag": _etag(),
        "properties": {
            "provisioningState": "Succeeded",
            "privateLinkServiceId": reg.id,
            "groupIds": groups,
            "privateLinkServiceConnectionState": state_,
        },
    }
    if request_message:
        conn["properties"]["requestMessage"] = request_message

    nic_name = str(get_ci(props_in, "customNetworkInterfaceName") or f"{p['pe']}.nic.{new_guid()}")
    nic_id = res_id(p["sub"], p["rg"], NIC, nic_name)
    ipconfigs = []
    dns = []
    for member, fqdn in members:
        ipc_id = f"{nic_id}/ipConfigurations/privateEndpointIpConfig.{new_guid()}"
        ip = static.get(member.lower())
        if ip:
            sub.extra.setdefault("ips", {})[ip] = ipc_id
        else:
            ip = _allocate(sub, ipc_id)
        ipconfigs.append(_nic_ipconfig(ipc_id, ip, sub.id, member, fqdn, static=member.lower() in static))
        dns.append({"fqdn": fqdn, "ipAddresses": [ip]})
    nic_body = {
        "id": nic_id,
        "name": nic_name,
        "type": NIC,
        "location": location,
        "etag": _etag(),
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": new_guid(),
            "ipConfigurations": ipconfigs,
            "privateEndpoint": {"id": rid},
            "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
            "macAddress": "",
            "enableAcceleratedNetworking": False,
            "enableIPForwarding": False,
            "disableTcpStateTracking": False,
            "hostedWorkloads": [],
            "tapConfigurations": [],
            "vnetEncryptionSupported": False,
            "nicType": "Standard",
        },
    }
    ctx.state.put(nic_id, nic_body)
    reg_conn_name = f"{p['pe']}.{new_guid()}"
    body: dict[str, Any] = {
        "id": rid,
        "name": p["pe"],
        "type": PE,
        "location": location,
        "etag": _etag(),
        "properties": {
            "provisioningState": "Updating",
            "subnet": {"id": sub.id},
            "networkInterfaces": [{"id": nic_id}],
            "privateLinkServiceConnections": [conn] if auto else [],
            "manualPrivateLinkServiceConnections": [conn] if manual else [],
            "customDnsConfigs": dns,
            "ipConfigurations": [
                {"name": str(get_ci(c, "name") or f"ipconfig-{i}"), "properties": {
                    "groupId": "registry", "memberName": str(get_ci(get_ci(c, "properties"), "memberName")),
                    "privateIPAddress": str(get_ci(get_ci(c, "properties"), "privateIPAddress"))}}
                for i, c in enumerate(ipconfigs_in)
            ],
            "applicationSecurityGroups": [],
            "customNetworkInterfaceName": str(get_ci(props_in, "customNetworkInterfaceName") or ""),
            "ipVersionType": "IPv4",
        },
    }
    if get_ci(data, "tags") is not None:
        body["tags"] = get_ci(data, "tags")
    ctx.state.put(rid, body, {"registry_id": reg.id, "registry_connection": reg_conn_name, "nic_id": nic_id})
    reg.props.setdefault("privateEndpointConnections", []).append(
        {
            "id": f"{reg.id}/privateEndpointConnections/{reg_conn_name}",
            "name": reg_conn_name,
            "type": f"{REGISTRY}/privateEndpointConnections",
            "properties": {
                "privateEndpoint": {"id": rid},
                "privateLinkServiceConnectionState": dict(state_),
                "provisioningState": "Succeeded",
            },
        }
    )
    _enable_data_endpoints(ctx.state, reg, regions)
    refresh_subnet(ctx.state, sub)
    return lro(ctx, 201, body, rid)


def _nic_ipconfig(ipc_id: str, ip: str, subnet_id: str, member: str, fqdn: str, *, static: bool = False) -> dict[str, Any]:
    return {
        "id": ipc_id,
        "name": ipc_id.rsplit("/", 1)[1],
        "type": f"{NIC}/ipConfigurations",
        "etag": _etag(),
        "properties": {
            "provisioningState": "Succeeded",
            "privateIPAddress": ip,
            "privateIPAllocationMethod": "Static" if static else "Dynamic",
            "privateIPAddressVersion": "IPv4",
            "subnet": {"id": subnet_id},
            "primary": member == "registry",
            "privateLinkConnectionProperties": {"groupId": "registry", "requiredMemberName": member, "fqdns": [fqdn]},
        },
    }


@route("GET", PE_PATH)
def get_private_endpoint(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _pe_res(ctx, p).body)


@route("GET", RG + "/privateEndpoints")
def list_private_endpoints(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    return page(ctx, [r.body for r in ctx.state.of_type(PE, f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}")])


@route("GET", "/subscriptions/{sub}/providers/Microsoft.Network/privateEndpoints")
def list_all_private_endpoints(ctx: Ctx, p: dict[str, str]) -> Response:
    return page(ctx, [r.body for r in ctx.state.of_type(PE, f"/subscriptions/{p['sub']}")])


def remove_endpoint(state: State, pe: Resource) -> None:
    """Free the endpoint's IPs, drop its NIC, zone groups (and their records) and its registry connection."""
    for zg in state.of_type(ZONE_GROUP, pe.id):
        _clear_zone_group_records(state, zg)
    sub = state.get(str(get_ci(pe.props.get("subnet"), "id") or ""))
    nic_id = str(pe.extra.get("nic_id") or "")
    if sub is not None:
        used = sub.extra.setdefault("ips", {})
        for ip in [ip for ip, owner in used.items() if owner.lower().startswith(nic_id.lower() + "/")]:
            del used[ip]
    if nic_id:
        state.delete(nic_id)
    reg = state.get(str(pe.extra.get("registry_id") or ""))
    if reg is not None:
        conns = reg.props.get("privateEndpointConnections") or []
        reg.props["privateEndpointConnections"] = [
            c for c in conns if _lower(get_ci(get_ci(c.get("properties"), "privateEndpoint"), "id")) != pe.id.lower()
        ]
    state.delete(pe.id)
    if sub is not None:
        refresh_subnet(state, sub)


@route("DELETE", PE_PATH)
def delete_private_endpoint(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    res = ctx.state.get(res_id(p["sub"], p["rg"], PE, p["pe"]))
    if res is None:
        return Response(204)
    res.props["provisioningState"] = "Deleting"
    return lro(ctx, 202, None, res.id, lambda: remove_endpoint(ctx.state, res), location_header=True)


@route("GET", RG + "/networkInterfaces/{nic}")
def get_nic(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    res = ctx.state.get(res_id(p["sub"], p["rg"], NIC, p["nic"]))
    if res is None:
        raise not_found(NIC, p["nic"], p["rg"])
    return Response(200, res.body)


@route("GET", RG + "/networkInterfaces")
def list_nics(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    return page(ctx, [r.body for r in ctx.state.of_type(NIC, f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}")])


# ---------------------------------------------------------------- private DNS zone groups


def _zone_group_records(state: State, pe: Resource, zone_ids: list[str]) -> list[tuple[str, str, str, str]]:
    """(zone id, zone name, relative record name, ip) for every endpoint FQDN a linked zone covers."""
    suffix = state.suffix("acr")
    out = []
    for zid in zone_ids:
        zone = zone_by_id(state, zid)
        if zone is None:
            continue
        zname = _lower(zone.body["name"])
        for cfg in pe.props.get("customDnsConfigs") or []:
            fqdn = _lower(cfg.get("fqdn"))
            if not fqdn.endswith("." + suffix):
                continue
            private = fqdn[: -len(suffix) - 1] + ".privatelink." + suffix
            if private.endswith("." + zname):
                for ip in cfg.get("ipAddresses") or []:
                    out.append((zone.id, zname, private[: -len(zname) - 1], str(ip)))
    return out


def _clear_zone_group_records(state: State, zg: Resource) -> None:
    for zid, rel, ip in zg.extra.get("records") or []:
        remove_a_record(state, zid, rel, ip)
    zg.extra["records"] = []


def apply_zone_group(state: State, zg: Resource) -> None:
    """(Re)write the group's A records from the endpoint's current DNS configs and show them in the body."""
    pe = state.get(zg.id.rsplit("/privateDnsZoneGroups/", 1)[0])
    if pe is None:
        return
    _clear_zone_group_records(state, zg)
    records = []
    for cfg in zg.props.get("privateDnsZoneConfigs") or []:
        zid = str(get_ci(cfg.get("properties"), "privateDnsZoneId") or "")
        sets = []
        for zone_id, zname, rel, ip in _zone_group_records(state, pe, [zid]):
            add_a_record(state, zone_id, rel, ip, ZONE_GROUP_TTL)
            records.append((zone_id, rel, ip))
            sets.append({"recordType": "A", "recordSetName": rel, "fqdn": f"{rel}.{zname}", "ttl": ZONE_GROUP_TTL, "ipAddresses": [ip], "provisioningState": "Succeeded"})
        cfg["properties"]["recordSets"] = sets
    zg.extra["records"] = records


def _zg_path_res(ctx: Ctx, p: dict[str, str]) -> tuple[Resource, str]:
    pe = _pe_res(ctx, p)
    return pe, f"{pe.id}/privateDnsZoneGroups/{p['zg']}"


@route("PUT", PE_PATH + "/privateDnsZoneGroups/{zg}")
def put_zone_group(ctx: Ctx, p: dict[str, str]) -> Response:
    pe, rid = _zg_path_res(ctx, p)
    data = ctx.json()
    old = ctx.state.get(rid)
    others = [z for z in ctx.state.of_type(ZONE_GROUP, pe.id) if z.id.lower() != rid.lower()]
    if others:
        raise _bad("PrivateDnsZoneGroupLimitReached", f"Private endpoint {pe.body['name']} already has the private DNS zone group {others[0].body['name']}; only one is allowed.")
    configs_in = get_ci(get_ci(data, "properties"), "privateDnsZoneConfigs") or []
    if not 1 <= len(configs_in) <= 5:
        raise _bad("InvalidPrivateDnsZoneConfigCount", "A private DNS zone group must have between 1 and 5 private DNS zone configs.")
    configs = []
    for i, c in enumerate(configs_in):
        zid = str(get_ci(get_ci(c, "properties"), "privateDnsZoneId") or "")
        zone = zone_by_id(ctx.state, zid) if zid else None
        if zone is None:
            raise _ref_missing(zid or "<privateDnsZoneId>", rid)
        configs.append({"name": str(get_ci(c, "name") or f"config{i + 1}"), "properties": {"privateDnsZoneId": zone.id, "recordSets": []}})
    body = {
        "id": rid,
        "name": old.body["name"] if old else p["zg"],
        "etag": _etag(),
        "properties": {"provisioningState": "Updating", "privateDnsZoneConfigs": configs},
    }
    body["type"] = ZONE_GROUP  # kept for state lookups; stripped from responses (the model has no type)
    res = ctx.state.put(rid, body, old.extra if old else {"records": []})
    apply_zone_group(ctx.state, res)
    return lro(ctx, 200 if old else 201, _zg_view(res), rid)


def _zg_view(res: Resource) -> dict[str, Any]:
    return {k: v for k, v in res.body.items() if k != "type"}


@route("GET", PE_PATH + "/privateDnsZoneGroups/{zg}")
def get_zone_group(ctx: Ctx, p: dict[str, str]) -> Response:
    pe, rid = _zg_path_res(ctx, p)
    res = ctx.state.get(rid)
    if res is None:
        raise not_found(ZONE_GROUP, f"{pe.body['name']}/{p['zg']}", p["rg"])
    return Response(200, _zg_view(res))


@route("GET", PE_PATH + "/privateDnsZoneGroups")
def list_zone_groups(ctx: Ctx, p: dict[str, str]) -> Response:
    pe = _pe_res(ctx, p)
    return page(ctx, [_zg_view(z) for z in ctx.state.of_type(ZONE_GROUP, pe.id)])


@route("DELETE", PE_PATH + "/privateDnsZoneGroups/{zg}")
def delete_zone_group(ctx: Ctx, p: dict[str, str]) -> Response:
    _pe, rid = _zg_path_res(ctx, p)
    res = ctx.state.get(rid)
    if res is None:
        return Response(204)

    def done() -> None:
        _clear_zone_group_records(ctx.state, res)
        ctx.state.delete(rid)

    return lro(ctx, 202, None, rid, done, location_header=True)


# ---------------------------------------------------------------- hooks from the registry provider


def on_replica_added(ctx: Any, registry: Resource, region: str) -> None:
    """One more IP per endpoint subnet for ``registry_data_<region>``; all-or-nothing, ``SubnetIsFull`` if any is full."""
    region = _lower(region)
    pes = [pe for pe in endpoints_to(ctx.state, registry.id) if ctx.state.get(str(pe.extra.get("nic_id") or "")) is not None]
    need: dict[str, int] = {}
    for pe in pes:
        sid = _lower(get_ci(pe.props.get("subnet"), "id"))
        need[sid] = need.get(sid, 0) + 1
    subs = {sid: ctx.state.get(sid) for sid in need}
    for sid, n in need.items():
        sub = subs[sid]
        if sub is not None:
            _require_capacity(sub, n)
    name = _lower(registry.body["name"])
    fqdn = f"{name}.{region}.data.{ctx.state.suffix('acr')}"
    for pe in pes:
        sub = subs[_lower(get_ci(pe.props.get("subnet"), "id"))]
        nic = ctx.state.get(str(pe.extra["nic_id"]))
        if sub is None or nic is None:
            continue
        ipc_id = f"{nic.id}/ipConfigurations/privateEndpointIpConfig.{new_guid()}"
        ip = _allocate(sub, ipc_id)
        nic.props["ipConfigurations"].append(_nic_ipconfig(ipc_id, ip, sub.id, f"registry_data_{region}", fqdn))
        pe.props.setdefault("customDnsConfigs", []).append({"fqdn": fqdn, "ipAddresses": [ip]})
        refresh_subnet(ctx.state, sub)
        for zg in ctx.state.of_type(ZONE_GROUP, pe.id):
            apply_zone_group(ctx.state, zg)


def on_registry_deleted(ctx: Any, registry: Resource) -> None:
    for pe in endpoints_to(ctx.state, registry.id):
        set_pe_status(ctx.state, pe.id, "Disconnected", "Private link service resource is removed.")


hooks.REPLICA_ADDED.append(on_replica_added)
hooks.REGISTRY_DELETED.append(on_registry_deleted)

__all__ = ["apply_zone_group", "endpoints_to", "pe_connection", "registry_regions", "remove_endpoint", "set_pe_status", "usable_ips"]
