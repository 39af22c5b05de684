"""Seeded worlds: ``empty`` (a tenant, two sign-ins, one subscription with ``rg-empty``), ``demo`` and ``fleet:N[xS]``.

Every id, secret-free name and GUID is derived deterministically, so a seed is the same on every run; client
secrets are random per process (they are printed, never stored in the repository).
"""

from __future__ import annotations

import re
import secrets

from ..apiversions import check_location, seed_region
from ..rbac import ASSIGNMENT_TYPE, ROLE_IDS
from ..state import Principal, State, stable_uuid

TENANT_ID = stable_uuid("tenant")


def base_state(cloud: str = "AzureCloud") -> State:
    """Tenant plus the two seeded sign-ins; callers add subscriptions and grant roles."""
    st = State(TENANT_ID, cloud)
    owner = st.add_principal(Principal(stable_uuid("sp", "owner"), stable_uuid("app", "owner"), "acrtui-owner", secrets.token_urlsafe(24)))
    reader = st.add_principal(Principal(stable_uuid("sp", "reader"), stable_uuid("app", "reader"), "acrtui-reader", secrets.token_urlsafe(24)))
    st.logins = {"owner": owner.object_id, "reader": reader.object_id}
    return st


def grant(st: State, scope: str, role: str, object_id: str, principal_type: str = "ServicePrincipal") -> None:
    name = stable_uuid("ra", scope.lower(), role, object_id)
    rid = f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/{name}"
    st.put(
        rid,
        {
            "id": rid,
            "name": name,
            "type": ASSIGNMENT_TYPE,
            "properties": {
                "roleDefinitionId": f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_IDS[role]}",
                "principalId": object_id,
                "principalType": principal_type,
                "scope": scope.rstrip("/"),
                "createdOn": "2026-01-01T00:00:00Z",
                "updatedOn": "2026-01-01T00:00:00Z",
            },
        },
    )


def add_subscription(st: State, key: str, name: str) -> str:
    """A subscription where the owner sign-in is Owner and the reader sign-in is Reader."""
    sub = stable_uuid("subscription", key)
    st.add_subscription(sub, name)
    grant(st, f"/subscriptions/{sub}", "Owner", st.logins["owner"])
    grant(st, f"/subscriptions/{sub}", "Reader", st.logins["reader"])
    return sub


def add_group(st: State, sub: str, name: str, location: str) -> str:
    rid = f"/subscriptions/{sub}/resourceGroups/{name}"
    location = check_location(st.cloud, rid, seed_region(st.cloud, location))
    st.put(rid, {"id": rid, "name": name, "type": "Microsoft.Resources/resourceGroups", "location": location, "tags": {}, "properties": {"provisioningState": "Succeeded"}})
    return rid


def empty(cloud: str = "AzureCloud") -> State:
    st = base_state(cloud)
    sub = add_subscription(st, "empty", "acrtui-empty")
    add_group(st, sub, "rg-empty", "eastus")
    return st


FLEET_RX = re.compile(r"^fleet:(\d+)(?:x(\d+))?$")


def build_seed(name: str, cloud: str = "AzureCloud") -> State:
    if name == "empty":
        return empty(cloud)
    if name == "demo":
        from .demo import demo

        return demo(cloud)
    m = FLEET_RX.match(name)
    if m:
        from .fleet import fleet

        return fleet(int(m.group(1)), int(m.group(2) or 1), cloud)
    raise ValueError(f"unknown seed {name!r}: use empty, demo or fleet:N[xS]")
