"""Azure RBAC as ARM evaluates it: built-in role definitions, assignments inherited down scopes, wildcards."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from .state import Principal, State

ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"

# Built-in roles (real ids). Permissions trimmed to what matters for the emulated providers.
BUILTIN_ROLES: dict[str, dict[str, Any]] = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": {
        "roleName": "Owner",
        "description": "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        "permissions": [{"actions": ["*"], "notActions": [], "dataActions": [], "notDataActions": []}],
    },
    "b24988ac-6180-42a0-ab88-20f7382dd24c": {
        "roleName": "Contributor",
        "description": "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
        "permissions": [
            {
                "actions": ["*"],
                "notActions": [
                    "Microsoft.Authorization/*/Delete",
                    "Microsoft.Authorization/*/Write",
                    "Microsoft.Authorization/elevateAccess/Action",
                ],
                "dataActions": [],
                "notDataActions": [],
            }
        ],
    },
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": {
        "roleName": "Reader",
        "description": "View all resources, but does not allow you to make any changes.",
        "permissions": [{"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}],
    },
    "4d97b98b-1d4f-4787-a291-c67834d212e7": {
        "roleName": "Network Contributor",
        "description": "Lets you manage networks, but not access to them.",
        "permissions": [
            {
                "actions": [
                    "Microsoft.Authorization/*/read",
                    "Microsoft.Insights/alertRules/*",
                    "Microsoft.Network/*",
                    "Microsoft.ResourceHealth/availabilityStatuses/read",
                    "Microsoft.Resources/deployments/*",
                    "Microsoft.Resources/subscriptions/resourceGroups/read",
                    "Microsoft.Support/*",
                ],
                "notActions": [],
                "dataActions": [],
                "notDataActions": [],
            }
        ],
    },
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": {
        "roleName": "User Access Administrator",
        "description": "Lets you manage user access to Azure resources.",
        "permissions": [{"actions": ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], "notActions": [], "dataActions": [], "notDataActions": []}],
    },
    "36243c78-bf99-498c-9df9-86d9f8d28608": {
        "roleName": "Resource Policy Contributor",
        "description": "Users with rights to create/modify resource policy, create support ticket and read resources/hierarchy.",
        "permissions": [
            {
                "actions": [
                    "*/read",
                    "Microsoft.Authorization/policyassignments/*",
                    "Microsoft.Authorization/policydefinitions/*",
                    "Microsoft.Authorization/policyexemptions/*",
                    "Microsoft.Authorization/policysetdefinitions/*",
                    "Microsoft.PolicyInsights/*",
                    "Microsoft.Support/*",
                ],
                "notActions": [],
                "dataActions": [],
                "notDataActions": [],
            }
        ],
    },
    "e147488a-f6f5-4113-8e2d-b22465e65bf6": {
        "roleName": "Key Vault Crypto Service Encryption User",
        "description": "Read metadata of keys and perform wrap/unwrap operations. Only works for key vaults that use the 'Azure role-based access control' permission model.",
        "permissions": [
            {
                "actions": ["Microsoft.EventGrid/eventSubscriptions/write", "Microsoft.EventGrid/eventSubscriptions/read", "Microsoft.EventGrid/eventSubscriptions/delete"],
                "notActions": [],
                "dataActions": [
                    "Microsoft.KeyVault/vaults/keys/read",
                    "Microsoft.KeyVault/vaults/keys/wrap/action",
                    "Microsoft.KeyVault/vaults/keys/unwrap/action",
                ],
                "notDataActions": [],
            }
        ],
    },
    "14b46e9e-c2b7-41b4-b07b-48a6ebf60603": {
        "roleName": "Key Vault Crypto Officer",
        "description": "Perform any action on the keys of a key vault, except manage permissions.",
        "permissions": [
            {
                "actions": ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*", "Microsoft.KeyVault/checkNameAvailability/read", "Microsoft.KeyVault/deletedVaults/read", "Microsoft.KeyVault/locations/*/read", "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/operations/read"],
                "notActions": [],
                "dataActions": ["Microsoft.KeyVault/vaults/keys/*", "Microsoft.KeyVault/vaults/keyrotationpolicies/*"],
                "notDataActions": [],
            }
        ],
    },
    "8311e382-0749-4cb8-b61a-304f252e45ec": {
        "roleName": "AcrPush",
        "description": "acr push",
        "permissions": [{"actions": ["Microsoft.ContainerRegistry/registries/pull/read", "Microsoft.ContainerRegistry/registries/push/write"], "notActions": [], "dataActions": [], "notDataActions": []}],
    },
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": {
        "roleName": "AcrPull",
        "description": "acr pull",
        "permissions": [{"actions": ["Microsoft.ContainerRegistry/registries/pull/read"], "notActions": [], "dataActions": [], "notDataActions": []}],
    },
}

ROLE_IDS = {v["roleName"]: k for k, v in BUILTIN_ROLES.items()}


def role_definition_body(scope: str, role_guid: str) -> dict[str, Any]:
    r = BUILTIN_ROLES[role_guid]
    return {
        "id": f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}",
        "name": role_guid,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": r["roleName"],
            "type": "BuiltInRole",
            "description": r["description"],
            "assignableScopes": ["/"],
            "permissions": r["permissions"],
            "createdOn": "2015-02-02T21:55:09.8806423Z",
            "updatedOn": "2024-01-01T00:00:00.0000000Z",
        },
    }


def role_guid_from_id(role_definition_id: str) -> str:
    return role_definition_id.rstrip("/").split("/")[-1].lower()


def _glob(pattern: str, action: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def _scope_covers(assign_scope: str, target: str) -> bool:
    a = assign_scope.lower().rstrip("/")
    t = target.lower().rstrip("/")
    return a == "" or t == a or t.startswith(a + "/")


def assignments_for(state: State, object_id: str) -> list[dict[str, Any]]:
    oid = object_id.lower()
    return [r.body for r in state.of_type(ASSIGNMENT_TYPE) if str(r.props.get("principalId", "")).lower() == oid]


ROLE_DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions"


def role_by_guid(state: State, guid: str) -> dict[str, Any] | None:
    """A built-in role, or a custom role definition a seed stored in state (``properties`` with ``roleName`` and
    ``permissions``, as ARM's RoleDefinition body). Only seeds create custom roles: the authorization provider
    neither serves nor accepts them over HTTP (unconfirmed shapes are not needed there)."""
    if guid in BUILTIN_ROLES:
        return BUILTIN_ROLES[guid]
    for r in state.of_type(ROLE_DEFINITION_TYPE):
        if str(r.body.get("name", "")).lower() == guid.lower():
            return dict(r.props)
    return None


def allowed(state: State, object_id: str, action: str, scope: str, *, data: bool = False) -> bool:
    """Whether any role assigned at or above ``scope`` grants ``action`` (a data action when ``data``)."""
    return checker(state, object_id, data=data)(action, scope)


def checker(state: State, object_id: str, *, data: bool = False) -> Callable[[str, str], bool]:
    """:func:`allowed` for one principal over many scopes (a Resource Graph query checks every row): the
    principal's assignments are read once and, per action, the scopes whose role grants it are kept as a set, so
    each row is an ancestor walk of its id instead of a scan of every assignment in the tenant. The state must not
    change while it is used (one request)."""
    grants: list[tuple[str, list[dict[str, Any]]]] = []
    for a in assignments_for(state, object_id):
        props = a["properties"]
        role = role_by_guid(state, role_guid_from_id(props.get("roleDefinitionId", "")))
        if role is not None:
            grants.append((str(props.get("scope", "")).lower().rstrip("/"), role["permissions"]))
    by_action: dict[str, set[str]] = {}

    def scopes(action: str) -> set[str]:
        got = by_action.get(action)
        if got is None:
            got = by_action[action] = set()
            for scope, perms in grants:
                for perm in perms:
                    acts, nots = ((perm["dataActions"], perm["notDataActions"]) if data
                                  else (perm["actions"], perm["notActions"]))
                    if any(_glob(p, action) for p in acts) and not any(_glob(p, action) for p in nots):
                        got.add(scope)
                        break
        return got

    def check(action: str, target: str) -> bool:
        granted = scopes(action)
        if not granted:
            return False
        t = target.lower().rstrip("/")
        if "" in granted or t in granted:
            return True
        i = t.find("/", 1)
        while i != -1:  # every ancestor scope: _scope_covers's "t starts with a + '/'"
            if t[:i] in granted:
                return True
            i = t.find("/", i + 1)
        return False

    return check


def permissions_at(state: State, object_id: str, scope: str) -> list[dict[str, Any]]:
    """The caller's permissions at ``scope``: each role assigned at or above it, as ARM's ``Permission`` bodies."""
    out: list[dict[str, Any]] = []
    for a in assignments_for(state, object_id):
        props = a["properties"]
        role = role_by_guid(state, role_guid_from_id(props.get("roleDefinitionId", "")))
        if role is None or not _scope_covers(props.get("scope", ""), scope):
            continue
        for perm in role["permissions"]:
            body = {k: list(perm.get(k, [])) for k in ("actions", "notActions", "dataActions", "notDataActions")}
            if body not in out:
                out.append(body)
    return out


def has_any_role(state: State, object_id: str, scope: str) -> bool:
    """Visible at all (subscriptions list shows only subscriptions where the caller has some role)."""
    sl = scope.lower().rstrip("/")
    for a in assignments_for(state, object_id):
        s = str(a["properties"].get("scope", "")).lower().rstrip("/")
        if _scope_covers(s, sl) or s.startswith(sl + "/"):
            return True
    return False


def forbidden_message(p: Principal, action: str, scope: str) -> str:
    return (
        f"The client '{p.client_id}' with object id '{p.object_id}' does not have authorization to perform action "
        f"'{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh "
        "your credentials."
    )
