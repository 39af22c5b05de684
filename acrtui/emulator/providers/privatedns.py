"""Microsoft.Network/privateDnsZones: zones, record sets (A and the zone's SOA) and virtual network links.

As in azure-mgmt-privatedns 2.x (api 2024-06-01): zone and VNet-link PUT/PATCH/DELETE are long-running
(Azure-AsyncOperation + Location), record-set PUT/PATCH/DELETE are synchronous (PUT 200/201, DELETE 200/204).
Zones live in location ``global``, start with the SOA record set ``@`` (so ``numberOfRecordSets`` is 1) and keep
``numberOfRecordSets``/``numberOfVirtualNetworkLinks`` current. Record-set ``fqdn`` ends with a dot, as Azure's does.
A DNS zone group on a private endpoint writes its A records here through :func:`add_a_record`.
Record-set names are case-insensitive and come back lower-cased, as Azure returns them (a PUT of ``MyHost`` is
read back as ``myhost``, in ``name``, ``id`` and ``fqdn``; seen in real responses, issue 9 — Learn's
"Overview of DNS zones and records" says names are case-insensitive; that Azure lower-cases them is unconfirmed
in the docs).

Unconfirmed in public sources, and what the emulator chose:
- Deleting a zone that still has virtual network links: Azure documents that the links must go first; the
  emulator answers 409 ``PreconditionFailed`` saying so.
- Linking the same VNet to one zone twice: 409 ``Conflict``; a link to a VNet that does not exist: 400
  ``InvalidResourceReference`` (the network provider's wording).
- Record types other than A/AAAA/CNAME/MX/PTR/SRV/TXT/SOA: 400 ``InvalidRecordType``. Only A records carry rules.
- If-Match / If-None-Match: ``If-None-Match: *`` on an existing record set is not checked (the SDK's default calls
  never send it).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..arm import ArmError, Ctx, Response, get_ci, lro, new_guid, not_found, page, res_id, route
from ..state import Resource, State
from .resources import require_rg

ZONE = "Microsoft.Network/privateDnsZones"
LINK = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
VNET = "Microsoft.Network/virtualNetworks"
RECORD_TYPES = {"a": "A", "aaaa": "AAAA", "cname": "CNAME", "mx": "MX", "ptr": "PTR", "srv": "SRV", "txt": "TXT", "soa": "SOA"}
RECORD_KEYS = {"A": "aRecords", "AAAA": "aaaaRecords", "CNAME": "cnameRecord", "MX": "mxRecords", "PTR": "ptrRecords", "SRV": "srvRecords", "TXT": "txtRecords", "SOA": "soaRecord"}

ZONE_PATH = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{zone}"


def _etag() -> str:
    return new_guid()


def zone_by_id(state: State, zone_id: str) -> Resource | None:
    res = state.get(zone_id)
    return res if res is not None and res.type.lower() == ZONE.lower() else None


def _records(state: State, zone: Resource) -> list[Resource]:
    zone_t, link_t = ZONE.lower(), LINK.lower()
    return [r for t in state.types() if t.startswith(zone_t + "/") and t != link_t for r in state.of_type(t, zone.id)]


def refresh_zone(state: State, zone: Resource) -> None:
    links = state.of_type(LINK, zone.id)
    zone.props["numberOfRecordSets"] = len(_records(state, zone))
    zone.props["numberOfVirtualNetworkLinks"] = len(links)
    zone.props["numberOfVirtualNetworkLinksWithRegistration"] = sum(1 for link in links if link.props.get("registrationEnabled"))


def _record_body(zone: Resource, rtype: str, name: str, props: dict[str, Any], etag: str | None = None) -> dict[str, Any]:
    zname = zone.body["name"]
    fqdn = f"{zname}." if name == "@" else f"{name}.{zname}."
    return {
        "id": f"{zone.id}/{rtype}/{name}",
        "name": name,
        "type": f"{ZONE}/{rtype}",
        "etag": etag or _etag(),
        "properties": {**props, "fqdn": fqdn, "isAutoRegistered": False},
    }


def add_a_record(state: State, zone_id: str, name: str, ip: str, ttl: int) -> None:
    """Add ``ip`` to the A record set ``name`` (creating it with ``ttl``) — used by private DNS zone groups."""
    zone = zone_by_id(state, zone_id)
    if zone is None:
        return
    name = name.lower()
    rid = f"{zone.id}/A/{name}"
    res = state.get(rid)
    if res is None:
        state.put(rid, _record_body(zone, "A", name, {"ttl": ttl, "aRecords": [{"ipv4Address": ip}]}))
    else:
        recs = res.props.setdefault("aRecords", [])
        if all(r.get("ipv4Address") != ip for r in recs):
            recs.append({"ipv4Address": ip})
        res.body["etag"] = _etag()
    refresh_zone(state, zone)


def remove_a_record(state: State, zone_id: str, name: str, ip: str) -> None:
    """Remove ``ip`` from the A record set ``name``; the set goes when it is empty."""
    zone = zone_by_id(state, zone_id)
    if zone is None:
        return
    res = state.get(f"{zone.id}/A/{name}")
    if res is None:
        return
    res.props["aRecords"] = [r for r in res.props.get("aRecords") or [] if r.get("ipv4Address") != ip]
    if not res.props["aRecords"]:
        state.delete(res.id)
    refresh_zone(state, zone)


# ---------------------------------------------------------------- zones


def _zone(ctx: Ctx, p: dict[str, str]) -> Resource:
    require_rg(ctx, p["sub"], p["rg"])
    res = zone_by_id(ctx.state, res_id(p["sub"], p["rg"], ZONE, p["zone"]))
    if res is None:
        raise not_found(ZONE, p["zone"], p["rg"])
    return res


@route("PUT", ZONE_PATH)
def put_zone(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    data = ctx.json()
    rid = res_id(p["sub"], p["rg"], ZONE, p["zone"])
    old = zone_by_id(ctx.state, rid)
    loc = str(get_ci(data, "location") or "global").lower()
    if loc != "global":
        raise ArmError(400, "InvalidLocation", f"The location '{loc}' is not valid for a private DNS zone; use 'global'.")
    if old is not None:
        if get_ci(data, "tags") is not None:
            old.body["tags"] = get_ci(data, "tags")
        old.body["etag"] = _etag()
        old.props["provisioningState"] = "Updating"
        return lro(ctx, 200, old.body, old.id, location_header=True)
    name = p["zone"].lower()
    body = {
        "id": rid,
        "name": name,
        "type": ZONE,
        "location": "global",
        "etag": _etag(),
        "tags": get_ci(data, "tags") or {},
        "properties": {
            "maxNumberOfRecordSets": 25000,
            "numberOfRecordSets": 0,
            "maxNumberOfVirtualNetworkLinks": 1000,
            "numberOfVirtualNetworkLinks": 0,
            "maxNumberOfVirtualNetworkLinksWithRegistration": 100,
            "numberOfVirtualNetworkLinksWithRegistration": 0,
            "provisioningState": "Updating",
            "internalId": new_guid(),
        },
    }
    zone = ctx.state.put(rid, body)
    soa = {
        "ttl": 3600,
        "soaRecord": {
            "host": "azureprivatedns.net",
            "email": "azureprivatedns-host.microsoft.com",
            "serialNumber": 1,
            "refreshTime": 3600,
            "retryTime": 300,
            "expireTime": 2419200,
            "minimumTtl": 10,
        },
    }
    ctx.state.put(f"{rid}/SOA/@", _record_body(zone, "SOA", "@", soa))
    refresh_zone(ctx.state, zone)
    return lro(ctx, 201, body, rid, location_header=True)


@route("PATCH", ZONE_PATH)
def patch_zone(ctx: Ctx, p: dict[str, str]) -> Response:
    zone = _zone(ctx, p)
    tags = get_ci(ctx.json(), "tags")
    if tags is not None:
        zone.body["tags"] = tags
    zone.body["etag"] = _etag()
    return lro(ctx, 200, zone.body, zone.id, location_header=True)


@route("GET", ZONE_PATH)
def get_zone(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _zone(ctx, p).body)


@route("DELETE", ZONE_PATH)
def delete_zone(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    zone = zone_by_id(ctx.state, res_id(p["sub"], p["rg"], ZONE, p["zone"]))
    if zone is None:
        return Response(204)
    if ctx.state.of_type(LINK, zone.id):
        raise ArmError(
            409,
            "PreconditionFailed",
            f"The private DNS zone {zone.body['name']} has virtual network links; delete them before deleting the zone.",
        )
    def done() -> None:
        ctx.state.delete(zone.id)

    return lro(ctx, 202, None, zone.id, done, location_header=True)


@route("GET", "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones")
def list_zones_rg(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    return page(ctx, [r.body for r in ctx.state.of_type(ZONE, f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}")])


@route("GET", "/subscriptions/{sub}/providers/Microsoft.Network/privateDnsZones")
def list_zones(ctx: Ctx, p: dict[str, str]) -> Response:
    return page(ctx, [r.body for r in ctx.state.of_type(ZONE, f"/subscriptions/{p['sub']}")])


# ---------------------------------------------------------------- virtual network links (registered before the
# record-set routes: ``{zone}/{type}/{name}`` would match them too)


def _link_id(zone: Resource, name: str) -> str:
    return f"{zone.id}/virtualNetworkLinks/{name}"


@route("PUT", ZONE_PATH + "/virtualNetworkLinks/{link}")
def put_link(ctx: Ctx, p: dict[str, str]) -> Response:
    zone = _zone(ctx, p)
    data = ctx.json()
    rid = _link_id(zone, p["link"])
    old = ctx.state.get(rid)
    props_in = get_ci(data, "properties") or {}
    vnet_id = str(get_ci(get_ci(props_in, "virtualNetwork"), "id") or "")
    vnet = ctx.state.get(vnet_id) if vnet_id else None
    if vnet is None or vnet.type.lower() != VNET.lower():
        raise ArmError(
            400,
            "InvalidResourceReference",
            f"Resource {vnet_id or '<virtualNetwork>'} referenced by resource {rid} was not found.",
        )
    for other in ctx.state.of_type(LINK, zone.id):
        if other.id.lower() != rid.lower() and str(get_ci(other.props.get("virtualNetwork"), "id")).lower() == vnet.id.lower():
            raise ArmError(
                409,
                "Conflict",
                f"A virtual network cannot be linked to the same private DNS zone twice: {vnet.body['name']} is already linked by {other.body['name']}.",
            )
    body = {
        "id": rid,
        "name": old.body["name"] if old else p["link"],
        "type": LINK,
        "location": "global",
        "etag": _etag(),
        "tags": get_ci(data, "tags") or {},
        "properties": {
            "virtualNetwork": {"id": vnet.id},
            "registrationEnabled": bool(get_ci(props_in, "registrationEnabled", False)),
            "resolutionPolicy": get_ci(props_in, "resolutionPolicy") or "Default",
            "virtualNetworkLinkState": "Completed",
            "provisioningState": "Updating",
        },
    }
    ctx.state.put(rid, body)
    refresh_zone(ctx.state, zone)
    return lro(ctx, 200 if old else 201, body, rid, location_header=True)


def _link(ctx: Ctx, p: dict[str, str]) -> tuple[Resource, Resource]:
    zone = _zone(ctx, p)
    res = ctx.state.get(_link_id(zone, p["link"]))
    if res is None:
        raise not_found(LINK, f"{zone.body['name']}/{p['link']}", p["rg"])
    return zone, res


@route("GET", ZONE_PATH + "/virtualNetworkLinks/{link}")
def get_link(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _link(ctx, p)[1].body)


@route("GET", ZONE_PATH + "/virtualNetworkLinks")
def list_links(ctx: Ctx, p: dict[str, str]) -> Response:
    zone = _zone(ctx, p)
    return page(ctx, [r.body for r in ctx.state.of_type(LINK, zone.id)])


@route("DELETE", ZONE_PATH + "/virtualNetworkLinks/{link}")
def delete_link(ctx: Ctx, p: dict[str, str]) -> Response:
    zone = _zone(ctx, p)
    res = ctx.state.get(_link_id(zone, p["link"]))
    if res is None:
        return Response(204)

    def done() -> None:
        ctx.state.delete(res.id)
        refresh_zone(ctx.state, zone)

    return lro(ctx, 202, None, res.id, done, location_header=True)


# ---------------------------------------------------------------- record sets


def _rtype(raw: str) -> str:
    t = RECORD_TYPES.get(raw.lower())
    if t is None:
        raise ArmError(400, "InvalidRecordType", f"The record type '{raw}' is not supported in private DNS zones.")
    return t


@route("GET", ZONE_PATH + "/ALL")
def list_all_records(ctx: Ctx, p: dict[str, str]) -> Response:
    zone = _zone(ctx, p)
    return page(ctx, [r.body for r in sorted(_records(ctx.state, zone), key=lambda r: (r.type, r.body["name"]))])


@route("GET", ZONE_PATH + "/{rtype}")
def list_records_by_type(ctx: Ctx, p: dict[str, str]) -> Response:
    zone = _zone(ctx, p)
    t = _rtype(p["rtype"])
    return page(ctx, [r.body for r in ctx.state.of_type(f"{ZONE}/{t}", zone.id)])


@route("PUT", ZONE_PATH + "/{rtype}/{name}")
def put_record(ctx: Ctx, p: dict[str, str]) -> Response:
    zone = _zone(ctx, p)
    t = _rtype(p["rtype"])
    data = ctx.json()
    props_in = dict(get_ci(data, "properties") or {})
    if t == "SOA" and p["name"] != "@":
        raise ArmError(400, "BadRequest", "The SOA record set must be named '@'.")
    rid = f"{zone.id}/{t}/{p['name']}"
    old = ctx.state.get(rid)
    if t == "A":
        for r in get_ci(props_in, "aRecords") or []:
            try:
                ipaddress.IPv4Address(str(get_ci(r, "ipv4Address")))
            except ValueError as exc:
                raise ArmError(400, "BadRequest", f"The IPv4 address '{get_ci(r, 'ipv4Address')}' is not valid.") from exc
    props: dict[str, Any] = {"ttl": int(get_ci(props_in, "ttl") or 3600)}
    for key in ("metadata", RECORD_KEYS[t]):
        v = get_ci(props_in, key)
        if v is not None:
            props[key] = v
    body = _record_body(zone, t, p["name"].lower(), props)  # Azure answers record-set names lower-cased
    ctx.state.put(rid, body)
    refresh_zone(ctx.state, zone)
    return Response(200 if old else 201, body)


@route("PATCH", ZONE_PATH + "/{rtype}/{name}")
def patch_record(ctx: Ctx, p: dict[str, str]) -> Response:
    zone = _zone(ctx, p)
    res = _record(ctx, zone, p)
    props_in = get_ci(ctx.json(), "properties") or {}
    for k, v in props_in.items():
        if k not in ("fqdn", "isAutoRegistered"):
            res.props[k] = v
    res.body["etag"] = _etag()
    return Response(200, res.body)


def _record(ctx: Ctx, zone: Resource, p: dict[str, str]) -> Resource:
    t = _rtype(p["rtype"])
    res = ctx.state.get(f"{zone.id}/{t}/{p['name']}")
    if res is None:
        raise not_found(f"{ZONE}/{t}", f"{zone.body['name']}/{p['name']}", p["rg"])
    return res


@route("GET", ZONE_PATH + "/{rtype}/{name}")
def get_record(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _record(ctx, _zone(ctx, p), p).body)


@route("DELETE", ZONE_PATH + "/{rtype}/{name}")
def delete_record(ctx: Ctx, p: dict[str, str]) -> Response:
    zone = _zone(ctx, p)
    t = _rtype(p["rtype"])
    if t == "SOA":
        raise ArmError(400, "BadRequest", "The SOA record set of a zone cannot be deleted.")
    res = ctx.state.get(f"{zone.id}/{t}/{p['name']}")
    if res is None:
        return Response(204)
    ctx.state.delete(res.id)
    refresh_zone(ctx.state, zone)
    return Response(200)
