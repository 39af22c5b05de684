"""The registry side of Private Link: ``registries/{r}/privateEndpointConnections`` list, get, approve/reject, delete.

The connections live in the registry body (``properties.privateEndpointConnections[]``, as the registry GET embeds
them); the network provider adds one when a private endpoint is created. A PUT (LRO, 200/201) sets
``privateLinkServiceConnectionState`` on the registry's copy and mirrors it on the endpoint's own connection; a
DELETE (LRO) removes the registry's copy and leaves the endpoint with a ``Disconnected`` connection, as Azure does
when the service side removes a connection.

Unconfirmed in public sources, and what the emulator chose:
- Only ``Approved`` and ``Rejected`` may be set (400 ``InvalidPrivateEndpointConnectionStatus`` otherwise); a
  rejected connection may be approved again (no public source forbids it for ACR).
- A PUT for a connection that does not exist: 404 ``ResourceNotFound`` (connections are made from the endpoint side).
"""

from __future__ import annotations

from typing import Any

from ..arm import ArmError, Ctx, Response, get_ci, lro, not_found, page, res_id, route
from ..state import Resource
from .network import set_pe_status
from .resources import require_rg

REGISTRY = "Microsoft.ContainerRegistry/registries"
CONN_TYPE = "Microsoft.ContainerRegistry/registries/privateEndpointConnections"
REG = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerRegistry/registries/{name}"
SETTABLE = {"approved": "Approved", "rejected": "Rejected"}


def _registry(ctx: Ctx, p: dict[str, str]) -> Resource:
    require_rg(ctx, p["sub"], p["rg"])
    res = ctx.state.get(res_id(p["sub"], p["rg"], REGISTRY, p["name"]))
    if res is None:
        raise not_found(REGISTRY, p["name"], p["rg"])
    return res


def _connection(reg: Resource, name: str, rg: str) -> dict[str, Any]:
    for c in reg.props.get("privateEndpointConnections") or []:
        if str(c.get("name", "")).lower() == name.lower():
            return c  # type: ignore[no-any-return]
    raise not_found(CONN_TYPE, f"{reg.body['name']}/{name}", rg)


@route("GET", REG + "/privateEndpointConnections")
def list_connections(ctx: Ctx, p: dict[str, str]) -> Response:
    reg = _registry(ctx, p)
    return page(ctx, list(reg.props.get("privateEndpointConnections") or []))


@route("GET", REG + "/privateEndpointConnections/{conn}")
def get_connection(ctx: Ctx, p: dict[str, str]) -> Response:
    reg = _registry(ctx, p)
    return Response(200, _connection(reg, p["conn"], p["rg"]))


@route("PUT", REG + "/privateEndpointConnections/{conn}")
def put_connection(ctx: Ctx, p: dict[str, str]) -> Response:
    reg = _registry(ctx, p)
    conn = _connection(reg, p["conn"], p["rg"])
    state_in = get_ci(get_ci(ctx.json(), "properties"), "privateLinkServiceConnectionState") or {}
    status = SETTABLE.get(str(get_ci(state_in, "status") or "").lower())
    if status is None:
        raise ArmError(
            400,
            "InvalidPrivateEndpointConnectionStatus",
            f"The private endpoint connection status '{get_ci(state_in, 'status')}' cannot be set; use 'Approved' or 'Rejected'.",
        )
    description = str(get_ci(state_in, "description") or "")
    new_state = {"status": status, "description": description, "actionsRequired": str(get_ci(state_in, "actionsRequired") or "None")}
    conn["properties"]["privateLinkServiceConnectionState"] = new_state
    conn["properties"]["provisioningState"] = "Updating"
    pe_id = str(get_ci(get_ci(conn["properties"], "privateEndpoint"), "id") or "")
    set_pe_status(ctx.state, pe_id, status, description)
    rid = str(conn["id"])

    def done() -> None:
        conn["properties"]["provisioningState"] = "Succeeded"

    return lro(ctx, 200, conn, rid, done)


@route("DELETE", REG + "/privateEndpointConnections/{conn}")
def delete_connection(ctx: Ctx, p: dict[str, str]) -> Response:
    reg = _registry(ctx, p)
    conns = reg.props.get("privateEndpointConnections") or []
    conn = next((c for c in conns if str(c.get("name", "")).lower() == p["conn"].lower()), None)
    if conn is None:
        return Response(204)
    conn["properties"]["provisioningState"] = "Deleting"

    def done() -> None:
        reg.props["privateEndpointConnections"] = [c for c in reg.props.get("privateEndpointConnections") or [] if c is not conn]
        pe_id = str(get_ci(get_ci(conn["properties"], "privateEndpoint"), "id") or "")
        set_pe_status(ctx.state, pe_id, "Disconnected", "Private endpoint connection is removed by the service owner.")

    return lro(ctx, 202, None, str(conn["id"]), done, location_header=True)
