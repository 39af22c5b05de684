"""Built-in policy definitions of category "Container Registry", written in the Azure Policy rule language.

Ids, display names, effects, modes, aliases, rules, role definition ids and Modify operations follow the
built-in definitions Azure publishes (AZURE-RULES.md "Built-in policy definitions"); descriptions are the
emulator's own short summaries. DeployIfNotExists deployments are reduced to the resources they create.

Unconfirmed and chosen here: the zone-redundancy definition (9d2b0a20-..., preview) is modelled as "zoneRedundancy
not Enabled" with Audit/Deny/Disabled; versions are the metadata versions last published for each definition.
"""

from __future__ import annotations

import copy
from typing import Any

CATEGORY = "Container Registry"
REG = "Microsoft.ContainerRegistry/registries"
CONTRIBUTOR = "/providers/microsoft.authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
NETWORK_CONTRIBUTOR = (
    "/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7"
)
DEFINITION_TYPE = "Microsoft.Authorization/policyDefinitions"


def _f(alias: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": alias if alias in ("type", "name", "location") else f"{REG}/{alias}", op: value}


def _is_registry() -> dict[str, Any]:
    return {"field": "type", "equals": REG}


def _effect_param(allowed: list[str], default: str) -> dict[str, Any]:
    return {
        "type": "String",
        "metadata": {"displayName": "Effect", "description": "Enable or disable the execution of the policy"},
        "allowedValues": allowed,
        "defaultValue": default,
    }


AUDIT_DENY = ["Audit", "Deny", "Disabled"]


def _modify(*operations: tuple[str, Any]) -> dict[str, Any]:
    return {
        "conflictEffect": "audit",
        "roleDefinitionIds": [CONTRIBUTOR],
        "operations": [
            {"operation": "addOrReplace", "field": f"{REG}/{a}", "value": v} for a, v in operations
        ],
    }


_AAD_ARM_ON = {
    "anyOf": [
        _f("policies.azureADAuthenticationAsArmPolicy", "exists", False),
        _f("policies.azureADAuthenticationAsArmPolicy.status", "exists", False),
        _f("policies.azureADAuthenticationAsArmPolicy.status", "equals", "enabled"),
    ]
}

_PE_DEPLOYMENT = {
    "properties": {
        "mode": "incremental",
        "parameters": {
            "name": {"value": "[field('name')]"},
            "serviceId": {"value": "[field('id')]"},
            "privateEndpointSubnetId": {"value": "[parameters('privateEndpointSubnetId')]"},
        },
        "template": {
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {
                "name": {"type": "string"},
                "serviceId": {"type": "string"},
                "privateEndpointSubnetId": {"type": "string"},
            },
            "resources": [
                {
                    "type": "Microsoft.Network/privateEndpoints",
                    "apiVersion": "2020-07-01",
                    "name": "[concat('pe-', parameters('name'))]",
                    "location": "[resourceGroup().location]",
                    "properties": {
                        "subnet": {"id": "[parameters('privateEndpointSubnetId')]"},
                        "privateLinkServiceConnections": [
                            {
                                "name": "[concat('pe-', parameters('name'))]",
                                "properties": {
                                    "privateLinkServiceId": "[parameters('serviceId')]",
                                    "groupIds": ["registry"],
                                    "requestMessage": "autoapprove",
                                },
                            }
                        ],
                    },
                }
            ],
        },
    }
}

_DNS_DEPLOYMENT = {
    "properties": {
        "mode": "incremental",
        "parameters": {
            "privateDnsZoneId": {"value": "[parameters('privateDnsZoneId')]"},
            "privateEndpointName": {"value": "[field('name')]"},
            "location": {"value": "[field('location')]"},
        },
        "template": {
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {
                "privateDnsZoneId": {"type": "string"},
                "privateEndpointName": {"type": "string"},
                "location": {"type": "string"},
            },
            "resources": [
                {
                    "name": "[concat(parameters('privateEndpointName'), '/deployedByPolicy')]",
                    "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                    "apiVersion": "2020-03-01",
                    "location": "[parameters('location')]",
                    "properties": {
                        "privateDnsZoneConfigs": [
                            {
                                "name": "containerRegistry-privateDnsZone",
                                "properties": {"privateDnsZoneId": "[parameters('privateDnsZoneId')]"},
                            }
                        ]
                    },
                }
            ],
        },
    }
}


# (id, display name, description, version, mode, parameters, if, then-details or None)
_SPECS: list[tuple[str, str, str, str, str, dict[str, Any], dict[str, Any], dict[str, Any] | None]] = [
    (
        "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
        "Container registries should be encrypted with a customer-managed key",
        "Audits registries whose content is not encrypted at rest with a customer-managed key from Key Vault.",
        "1.1.2",
        "Indexed",
        {"effect": _effect_param(AUDIT_DENY, "Audit")},
        {"allOf": [_is_registry(), _f("encryption.status", "notEquals", "enabled")]},
        None,
    ),
    (
        "d0793b48-0edc-4296-a390-4c75d1bdfd71",
        "Container registries should not allow unrestricted network access",
        "Registries should accept connections only from private endpoints or allowed IP ranges, not from any network.",
        "2.0.0",
        "Indexed",
        {"effect": _effect_param(AUDIT_DENY, "Audit")},
        {
            "allOf": [
                _is_registry(),
                {
                    "allOf": [
                        {
                            "anyOf": [
                                _f("networkRuleSet.defaultAction", "exists", "false"),
                                _f("networkRuleSet.defaultAction", "equals", "Allow"),
                            ]
                        },
                        {
                            "anyOf": [
                                _f("publicNetworkAccess", "exists", "false"),
                                _f("publicNetworkAccess", "equals", "Enabled"),
                            ]
                        },
                    ]
                },
            ]
        },
        None,
    ),
    (
        "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
        "Container registries should use private link",
        "Audits registries without at least one approved private endpoint connection.",
        "1.0.1",
        "Indexed",
        {"effect": _effect_param(["Audit", "Disabled"], "Audit")},
        {
            "allOf": [
                _is_registry(),
                {
                    "count": {
                        "field": f"{REG}/privateEndpointConnections[*]",
                        "where": _f(
                            "privateEndpointConnections[*].privateLinkServiceConnectionState.status",
                            "equals",
                            "Approved",
                        ),
                    },
                    "less": 1,
                },
            ]
        },
        None,
    ),
    (
        "0fdf0491-d080-4575-b627-ad0e843cba0f",
        "Public network access should be disabled for Container registries",
        "Registries should be reachable only through private endpoints, with public network access disabled.",
        "1.0.0",
        "Indexed",
        {"effect": _effect_param(AUDIT_DENY, "Audit")},
        {"allOf": [_is_registry(), _f("publicNetworkAccess", "notEquals", "Disabled")]},
        None,
    ),
    (
        "a3701552-92ea-433e-9d17-33b7f1208fc9",
        "Configure Container registries to disable public network access",
        "Sets publicNetworkAccess to Disabled on registries that allow it.",
        "1.0.0",
        "Indexed",
        {"effect": _effect_param(["Modify", "Disabled"], "Modify")},
        {"allOf": [_is_registry(), _f("publicNetworkAccess", "notEquals", "Disabled")]},
        _modify(("publicNetworkAccess", "Disabled")),
    ),
    (
        "bd560fc0-3c69-498a-ae9f-aa8eb7de0e13",
        "Container registries should have SKUs that support Private Links",
        "Private Link needs the Premium SKU; audits registries on other SKUs.",
        "1.0.0",
        "Indexed",
        {"effect": _effect_param(AUDIT_DENY, "Audit")},
        {"allOf": [_is_registry(), _f("sku.name", "notEquals", "Premium")]},
        None,
    ),
    (
        "d85c6833-7d33-4cf5-a915-aaa2de84405f",
        "Configure Container registries with private endpoints",
        "Deploys a private endpoint in the given subnet for Premium registries without an approved one.",
        "1.0.0",
        "Indexed",
        {
            "privateEndpointSubnetId": {
                "type": "String",
                "metadata": {
                    "displayName": "Private endpoint subnet id",
                    "description": "A subnet with private endpoint network policies disabled.",
                    "strongType": "Microsoft.Network/virtualNetworks/subnets",
                },
            },
            "effect": _effect_param(["DeployIfNotExists", "Disabled"], "DeployIfNotExists"),
        },
        {"allOf": [_is_registry(), _f("sku.name", "equals", "Premium")]},
        {
            "type": f"{REG}/privateEndpointConnections",
            "existenceCondition": {
                "field": f"{REG}/privateEndpointConnections/privateLinkServiceConnectionState.status",
                "equals": "Approved",
            },
            "roleDefinitionIds": [CONTRIBUTOR.replace("microsoft.authorization", "Microsoft.Authorization")],
            "deployment": _PE_DEPLOYMENT,
        },
    ),
    (
        "e9585a95-5b8c-4d03-b193-dc7eb5ac4c32",
        "Configure Container registries to use private DNS zones",
        "Adds a private DNS zone group (deployedByPolicy) to private endpoints of group 'registry'.",
        "1.0.0",
        "Indexed",
        {
            "privateDnsZoneId": {
                "type": "String",
                "metadata": {
                    "displayName": "Private DNS Zone id",
                    "description": "A private DNS zone id to connect to the private endpoint.",
                    "strongType": "Microsoft.Network/privateDnsZones",
                },
            },
            "effect": _effect_param(["DeployIfNotExists", "Disabled"], "DeployIfNotExists"),
        },
        {
            "allOf": [
                {"field": "type", "equals": "Microsoft.Network/privateEndpoints"},
                {
                    "count": {
                        "field": "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].groupIds[*]",
                        "where": {
                            "field": "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].groupIds[*]",
                            "equals": "registry",
                        },
                    },
                    "greaterOrEquals": 1,
                },
            ]
        },
        {
            "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            "roleDefinitionIds": [NETWORK_CONTRIBUTOR],
            "deployment": _DNS_DEPLOYMENT,
        },
    ),
    (
        "524b0254-c285-4903-bee6-bb8126cde579",
        "Container registries should have exports disabled",
        "Exports can be disabled only with public network access disabled; audits registries where either is on.",
        "1.0.0",
        "Indexed",
        {"effect": _effect_param(AUDIT_DENY, "Audit")},
        {
            "allOf": [
                _is_registry(),
                {
                    "anyOf": [
                        _f("policies.exportPolicy.status", "notEquals", "Disabled"),
                        _f("publicNetworkAccess", "notEquals", "Disabled"),
                    ]
                },
            ]
        },
        None,
    ),
    (
        "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
        "Container registries should have local admin account disabled.",
        "Audits registries whose admin user is enabled.",
        "1.0.1",
        "Indexed",
        {"effect": _effect_param(AUDIT_DENY, "Audit")},
        {"allOf": [_is_registry(), _f("adminUserEnabled", "equals", True)]},
        None,
    ),
    (
        "79fdfe03-ffcb-4e55-b4d0-b925b8241759",
        "Configure container registries to disable local admin account.",
        "Sets adminUserEnabled to false.",
        "1.0.1",
        "Indexed",
        {"effect": _effect_param(["Modify", "Disabled"], "Modify")},
        {"allOf": [_is_registry(), _f("adminUserEnabled", "equals", True)]},
        _modify(("adminUserEnabled", False)),
    ),
    (
        "9f2dea28-e834-476c-99c5-3507b4728395",
        "Container registries should have anonymous authentication disabled.",
        "Audits registries that allow anonymous (unauthenticated) pull.",
        "1.0.0",
        "Indexed",
        {"effect": _effect_param(AUDIT_DENY, "Audit")},
        {"allOf": [_is_registry(), _f("anonymousPullEnabled", "equals", True)]},
        None,
    ),
    (
        "cced2946-b08a-44fe-9fd9-e4ed8a779897",
        "Configure container registries to disable anonymous authentication.",
        "Sets anonymousPullEnabled to false.",
        "1.0.0",
        "Indexed",
        {"effect": _effect_param(["Modify", "Disabled"], "Modify")},
        {"allOf": [_is_registry(), _f("anonymousPullEnabled", "equals", True)]},
        _modify(("anonymousPullEnabled", False)),
    ),
    (
        "42781ec6-6127-4c30-bdfa-fb423a0047d3",
        "Container registries should have ARM audience token authentication disabled.",
        "Audits registries that accept Entra tokens issued for the ARM audience.",
        "1.0.0",
        "Indexed",
        {"effect": _effect_param(AUDIT_DENY, "Audit")},
        {"allOf": [_is_registry(), _AAD_ARM_ON]},
        None,
    ),
    (
        "785596ed-054f-41bc-aaec-7f3d0ba05725",
        "Configure container registries to disable ARM audience token authentication.",
        "Sets policies.azureADAuthenticationAsArmPolicy.status to disabled.",
        "1.0.0",
        "Indexed",
        {"effect": _effect_param(["Modify", "Disabled"], "Modify")},
        {"allOf": [_is_registry(), _AAD_ARM_ON]},
        _modify(("policies.azureADAuthenticationAsArmPolicy.status", "disabled")),
    ),
    (
        "ff05e24e-195c-447e-b322-5e90c9f9f366",
        "Container registries should have repository scoped access token disabled.",
        "Audits repository scoped access tokens that are not disabled.",
        "1.0.0",
        "All",
        {"effect": _effect_param(AUDIT_DENY, "Audit")},
        {
            "allOf": [
                {"field": "type", "equals": f"{REG}/tokens"},
                {"field": f"{REG}/tokens/status", "notEquals": "disabled"},
            ]
        },
        None,
    ),
    (
        "a9b426fe-8856-4945-8600-18c5dd1cca2a",
        "Configure container registries to disable repository scoped access token.",
        "Sets the status of repository scoped access tokens to disabled.",
        "1.0.0",
        "All",
        {"effect": _effect_param(["Modify", "Disabled"], "Modify")},
        {
            "allOf": [
                {"field": "type", "equals": f"{REG}/tokens"},
                {"field": f"{REG}/tokens/status", "notEquals": "disabled"},
            ]
        },
        {
            "conflictEffect": "audit",
            "roleDefinitionIds": [CONTRIBUTOR],
            "operations": [
                {"operation": "addOrReplace", "field": f"{REG}/tokens/status", "value": "disabled"}
            ],
        },
    ),
    (
        "84497762-32b6-4ab3-80b6-732ea48b85a2",
        "Container registries should prevent cache rule creation",
        "Audits (or denies) cache rules, which enable pull-through caching from upstream registries.",
        "1.0.0",
        "All",
        {"effect": _effect_param(AUDIT_DENY, "Audit")},
        {"field": "type", "equals": f"{REG}/cacheRules"},
        None,
    ),
    (
        "9d2b0a20-57d6-474c-9d12-44a4a20999c6",
        "[Preview]: Container Registry should be zone redundant",
        "Audits registries that are not zone redundant.",
        "1.0.0-preview",
        "Indexed",
        {"effect": _effect_param(AUDIT_DENY, "Audit")},
        {"allOf": [_is_registry(), _f("zoneRedundancy", "notEquals", "Enabled")]},
        None,
    ),
]


def _definition(
    spec: tuple[str, str, str, str, str, dict[str, Any], dict[str, Any], dict[str, Any] | None],
) -> dict[str, Any]:
    gid, name, desc, version, mode, params, cond, details = spec
    then: dict[str, Any] = {"effect": "[parameters('effect')]"}
    if details is not None:
        then["details"] = details
    metadata: dict[str, Any] = {"version": version, "category": CATEGORY}
    if version.endswith("-preview"):
        metadata["preview"] = True
    return {
        "properties": {
            "displayName": name,
            "policyType": "BuiltIn",
            "mode": mode,
            "description": desc,
            "metadata": metadata,
            "version": version,
            "versions": [version],
            "parameters": params,
            "policyRule": {"if": cond, "then": then},
        },
        "id": f"/providers/{DEFINITION_TYPE}/{gid}",
        "type": DEFINITION_TYPE,
        "name": gid,
    }


BUILTIN_DEFINITIONS: dict[str, dict[str, Any]] = {s[0]: _definition(s) for s in _SPECS}


def builtin(name: str) -> dict[str, Any] | None:
    """A fresh copy of a built-in definition body by its GUID name (case-insensitive)."""
    body = BUILTIN_DEFINITIONS.get(name.lower())
    return copy.deepcopy(body) if body else None


def all_builtins() -> list[dict[str, Any]]:
    return [copy.deepcopy(b) for b in BUILTIN_DEFINITIONS.values()]
