"""What a plan's writes need the caller to be allowed, and whether ARM's answer allows it. Pure.

ARM answers "what may I do here" with ``GET {scope}/providers/Microsoft.Authorization/permissions``: one entry per
role that applies (``actions`` minus ``notActions``, wildcards allowed). An action is allowed when some entry's
``actions`` match it and the same entry's ``notActions`` do not: ``notActions`` subtract from their own role only,
never from another role's grant (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#notactions).
ARM answers for resource groups and resources (Permissions_ListForResourceGroup / Permissions_ListForResource in
the REST spec), not for subscriptions, so a subscription-scope write can only be checked from below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .actions import (
    Action,
    ApprovePrivateEndpointConnection,
    AssignPolicy,
    CreateCmkRegistry,
    CreateDnsZoneGroup,
    CreatePrivateDnsZone,
    CreatePrivateEndpoint,
    CreateUserAssignedIdentity,
    EnableVaultAuditLogging,
    EnableVaultPurgeProtection,
    GrantKeyAccess,
    ImportImages,
    LinkPrivateDnsZone,
    RegistryPatch,
    RejectPrivateEndpointConnection,
    RotateKey,
    SetVaultNetworkBypass,
    UnassignPolicy,
)

APPROVE_ACTION = "Microsoft.ContainerRegistry/registries/privateEndpointConnectionsApproval/action"
POLICY_ASSIGNMENTS = "/providers/Microsoft.Authorization/policyAssignments/"


@dataclass(frozen=True)
class Permission:
    """One entry of ARM's permissions answer (the SDK's ``Permission``)."""

    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()

    def grants(self, action: str, *, data: bool = False) -> bool:
        acts, nots = (self.data_actions, self.not_data_actions) if data else (self.actions, self.not_actions)
        return any(matches(p, action) for p in acts) and not any(matches(p, action) for p in nots)


@lru_cache(maxsize=1024)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$", re.IGNORECASE)


def matches(pattern: str, action: str) -> bool:
    """ARM's action wildcard: ``*`` stands for any run of characters (``/`` included); case-insensitive."""
    return bool(_pattern(pattern.strip()).match(action.strip()))


def allows(permissions: Iterable[Permission], action: str, *, data: bool = False) -> bool:
    return any(p.grants(action, data=data) for p in permissions)


@dataclass(frozen=True)
class Need:
    """An ARM operation one planned action performs (or needs the right to), and the resource it is checked on.
    ``soft``: without it the write still lands, but not as planned (auto-approval becomes a pending request)."""

    scope: str
    action: str
    soft: bool = False


def needs(a: Action) -> list[Need]:
    """The operations ``a`` performs, as ARM authorises them (the write itself and the linked rights it checks)."""
    if isinstance(a, RegistryPatch | RotateKey):
        return [Need(a.resource_id, "Microsoft.ContainerRegistry/registries/write")]
    if isinstance(a, CreatePrivateEndpoint):
        out = [Need(a.resource_id, "Microsoft.Network/privateEndpoints/write"),
               Need(a.subnet_id, "Microsoft.Network/virtualNetworks/subnets/join/action")]
        if not a.manual:
            out.append(Need(a.registry_id, APPROVE_ACTION, soft=True))
        return out
    if isinstance(a, CreatePrivateDnsZone):
        return [Need(a.resource_id, "Microsoft.Network/privateDnsZones/write")]
    if isinstance(a, LinkPrivateDnsZone):
        return [Need(a.zone_id, "Microsoft.Network/privateDnsZones/virtualNetworkLinks/write"),
                Need(a.vnet_id, "Microsoft.Network/virtualNetworks/join/action")]
    if isinstance(a, CreateDnsZoneGroup):
        return [Need(a.endpoint_id, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write"),
                Need(a.zone_id, "Microsoft.Network/privateDnsZones/join/action")]
    if isinstance(a, ApprovePrivateEndpointConnection | RejectPrivateEndpointConnection):
        return [Need(a.registry_id, "Microsoft.ContainerRegistry/registries/privateEndpointConnections/write")]
    if isinstance(a, CreateUserAssignedIdentity):
        return [Need(a.resource_id, "Microsoft.ManagedIdentity/userAssignedIdentities/write")]
    if isinstance(a, GrantKeyAccess):
        if a.rbac:
            return [Need(a.resource_id, "Microsoft.Authorization/roleAssignments/write")]
        return [Need(a.resource_id, "Microsoft.KeyVault/vaults/accessPolicies/write")]
    if isinstance(a, CreateCmkRegistry):
        return [Need(a.resource_id, "Microsoft.ContainerRegistry/registries/write"),
                Need(a.identity_id, "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"),
                Need(a.vault_id, "Microsoft.KeyVault/vaults/keys/write")]  # the key, created if missing
    if isinstance(a, ImportImages):
        return [Need(a.resource_id, "Microsoft.ContainerRegistry/registries/importImage/action")]
    if isinstance(a, AssignPolicy):
        out = [Need(a.scope, "Microsoft.Authorization/policyAssignments/write")]
        if a.location:  # its identity gets the definition's roles at the scope
            out.append(Need(a.scope, "Microsoft.Authorization/roleAssignments/write"))
        return out
    if isinstance(a, UnassignPolicy):
        return [Need(a.resource_id.split(POLICY_ASSIGNMENTS, 1)[0] or "/",
                     "Microsoft.Authorization/policyAssignments/delete")]
    if isinstance(a, EnableVaultAuditLogging):
        return [Need(a.resource_id, "Microsoft.Insights/diagnosticSettings/write")]
    if a.kind == "CreateReplication":
        return [Need(a.resource_id, "Microsoft.ContainerRegistry/registries/replications/write")]
    if a.kind == "StartRemediation":
        return [Need(a.resource_id, "Microsoft.PolicyInsights/remediations/write")]
    if isinstance(a, EnableVaultPurgeProtection | SetVaultNetworkBypass):
        return [Need(a.resource_id, "Microsoft.KeyVault/vaults/write")]
    return []


def asked(a: Action) -> list[Need]:
    """What preflight reads for ``a``: its needs, and for a manual endpoint the approval right too (not needed,
    but it decides whether the caller can approve the connection afterwards or someone else must)."""
    out = needs(a)
    if isinstance(a, CreatePrivateEndpoint) and a.manual:
        out.append(Need(a.registry_id, APPROVE_ACTION, soft=True))
    return out


ID_FIELDS = ("resource_id", "scope", "registry_id", "subnet_id", "zone_id", "vnet_id", "endpoint_id", "vault_id",
             "identity_id", "workspace_id", "source_registry_id")


def subscriptions_of(a: Action) -> set[str]:
    """Every subscription an action writes into or names (its target, scope, vault, subnet, zone, ...)."""
    out = set()
    for f in ID_FIELDS:
        v = getattr(a, f, None)
        if isinstance(v, str) and (sub := subscription_of(v)):
            out.add(sub)
    return out


def subscription_of(scope: str) -> str:
    parts = scope.strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0].lower() == "subscriptions" else ""


def group_scope(scope: str) -> str | None:
    """``/subscriptions/{s}/resourceGroups/{g}`` of a scope at or below a group (None above one)."""
    parts = scope.strip("/").split("/")
    if len(parts) < 4 or parts[0].lower() != "subscriptions" or parts[2].lower() != "resourcegroups":
        return None
    return "/" + "/".join(parts[:4])


def top_resource(scope: str) -> str | None:
    """The top-level resource a scope is (or is inside of): ``…/providers/{ns}/{type}/{name}``."""
    parts = scope.strip("/").split("/")
    if len(parts) < 8 or parts[4].lower() != "providers":
        return None
    return "/" + "/".join(parts[:8])


def ask_at(scope: str, created: Iterable[str] = ()) -> str | None:
    """Where to ask ARM about ``scope``: its top-level resource, or its group when the plan creates the resource
    (it does not exist yet). None: above a resource group (a subscription), which ARM does not answer for."""
    top = top_resource(scope)
    if top is not None and top.lower() not in {c.lower() for c in created}:
        return top
    return group_scope(scope)


def created_by(actions: Iterable[Action]) -> set[str]:
    """Top-level resources the plan creates (lower-case ids)."""
    kinds = (CreateCmkRegistry, CreateUserAssignedIdentity, CreatePrivateEndpoint, CreatePrivateDnsZone)
    return {(top_resource(a.resource_id) or a.resource_id).lower() for a in actions if isinstance(a, kinds)}


__all__ = ["APPROVE_ACTION", "Need", "Permission", "allows", "ask_at", "asked", "created_by", "group_scope", "matches",
           "needs", "subscription_of", "subscriptions_of", "top_resource"]
