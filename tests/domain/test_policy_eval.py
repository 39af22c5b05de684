"""The compliance-preview evaluator, table-driven against the documented Azure Policy rule semantics
(learn.microsoft.com: "Azure Policy definition structure" and "Author policies for array properties"), and
against the public built-in Container Registry definitions (Azure/azure-policy repository)."""

from __future__ import annotations

from typing import Any

import pytest

from acrtui.domain.policy_eval import (
    PolicyDefinition,
    PolicyError,
    evaluate,
    find_definition,
    preview_registries,
    preview_writes,
    registry_to_arm,
    resolve_effect,
)
from tests.audit import fixture_estate as fx

T = "Microsoft.Test/resourceType"
# the example resource of "Author policies for array properties"
DOC_RESOURCE: dict[str, Any] = {
    "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Test/resourceType/r1",
    "name": "r1",
    "type": T,
    "location": "westeurope",
    "tags": {"env": "prod"},
    "properties": {
        "stringArray": ["a", "b", "c"],
        "objectArray": [
            {"property": "value1", "nestedArray": [1, 2]},
            {"property": "value2", "nestedArray": [3, 4]},
        ],
        "emptyArray": [],
        "flag": True,
        "count": 5,
        "text": "Hello-World",
        "map": {"Key1": "v"},
    },
}


def definition(
    cond: dict[str, Any], effect: str = "Audit", params: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "id": "/providers/Microsoft.Authorization/policyDefinitions/test",
        "name": "test",
        "properties": {
            "displayName": "test definition",
            "mode": "All",
            "parameters": params or {},
            "policyRule": {"if": cond, "then": {"effect": effect}},
        },
    }


def holds(cond: dict[str, Any], resource: dict[str, Any] | None = None) -> bool:
    return evaluate(definition(cond), resource or DOC_RESOURCE).matched


# ------------------------------------------------------------------------------------------------ conditions

CONDITIONS = [
    # equals / notEquals: case-insensitive strings, booleans compare with their JSON spelling
    ({"value": "ABC", "equals": "abc"}, True),
    ({"value": "abc", "notEquals": "ABC"}, False),
    ({"field": f"{T}/flag", "equals": True}, True),
    ({"field": f"{T}/flag", "equals": "true"}, True),
    ({"field": f"{T}/count", "equals": 5}, True),
    # in / notIn
    ({"field": "location", "in": ["WestEurope", "northeurope"]}, True),
    ({"field": "location", "notIn": ["eastus"]}, True),
    # like: * wildcard, case-insensitive
    ({"field": "name", "like": "R*"}, True),
    ({"field": f"{T}/text", "like": "hello-*"}, True),
    ({"field": f"{T}/text", "notLike": "*world"}, False),
    # match: # digit, ? letter, . any; case-sensitive unless matchInsensitively; whole value
    ({"value": "ab12", "match": "??##"}, True),
    ({"value": "AB12", "match": "ab##"}, False),
    ({"value": "AB12", "matchInsensitively": "ab##"}, True),
    ({"value": "ab12x", "match": "??##"}, False),
    ({"value": "a.b", "match": "a.b"}, True),
    ({"value": "ab12", "notMatch": "??##"}, False),
    # contains / containsKey
    ({"field": f"{T}/text", "contains": "lo-wo"}, True),
    ({"field": f"{T}/stringArray", "contains": "B"}, True),
    ({"field": f"{T}/stringArray", "notContains": "z"}, True),
    ({"field": f"{T}/map", "containsKey": "key1"}, True),
    ({"field": f"{T}/map", "notContainsKey": "key2"}, True),
    # ordering
    ({"field": f"{T}/count", "greater": 4}, True),
    ({"field": f"{T}/count", "lessOrEquals": 4}, False),
    ({"value": "b", "greater": "a"}, True),
    ({"value": "2026-01-02", "less": "2026-01-10"}, True),
    # exists (string form, as built-ins write it)
    ({"field": f"{T}/text", "exists": "true"}, True),
    ({"field": f"{T}/text", "exists": False}, False),
    # tags forms and plain fields
    ({"field": "tags['env']", "equals": "prod"}, True),
    ({"field": "tags.env", "equals": "prod"}, True),
    ({"field": "tags[env]", "equals": "prod"}, True),
    ({"field": "type", "equals": "microsoft.test/RESOURCETYPE"}, True),
    ({"field": "fullName", "equals": "r1"}, True),
]


@pytest.mark.parametrize(("cond", "expected"), CONDITIONS)
def test_conditions(cond: dict[str, Any], expected: bool) -> None:
    assert holds(cond) is expected


MISSING_FIELD = f"{T}/nothing.here"


@pytest.mark.parametrize(
    ("op", "operand", "expected"),
    [
        ("exists", "false", True),
        ("exists", "true", False),
        ("equals", "x", False),
        ("notEquals", "x", True),
        ("in", ["x"], False),
        ("notIn", ["x"], True),
        ("like", "*", False),
        ("notLike", "x*", True),
        ("contains", "x", False),
        ("notContains", "x", True),
        ("greater", 0, False),
        ("less", 0, False),
    ],
)
def test_missing_property_semantics(op: str, operand: Any, expected: bool) -> None:
    assert holds({"field": MISSING_FIELD, op: operand}) is expected


def test_logical_operators_and_case_insensitive_keys() -> None:
    yes = {"value": "a", "equals": "a"}
    no = {"value": "a", "equals": "b"}
    assert holds({"allOf": [yes, yes]}) and not holds({"allOf": [yes, no]})
    assert holds({"anyOf": [no, yes]}) and not holds({"anyOf": [no, no]})
    assert holds({"not": no}) and not holds({"not": yes})
    assert holds({"anyof": [no, {"ALLOF": [yes]}]})


# ------------------------------------------------------------------------------------------- [*] and count

ARRAYS = [
    # a field condition on [*] holds only if every selected value satisfies it
    ({"field": f"{T}/stringArray[*]", "equals": "a"}, False),
    ({"field": f"{T}/stringArray[*]", "in": ["a", "b", "c"]}, True),
    ({"field": f"{T}/objectArray[*].property", "like": "value*"}, True),
    ({"field": f"{T}/objectArray[*].nestedArray[*]", "greater": 0}, True),
    ({"field": f"{T}/objectArray[*].nestedArray[*]", "greater": 1}, False),
    # an empty (or missing) collection satisfies it vacuously
    ({"field": f"{T}/emptyArray[*]", "equals": "x"}, True),
    ({"field": f"{T}/missingArray[*].property", "equals": "x"}, True),
    # count without where is the number of members (nested arrays flatten)
    ({"count": {"field": f"{T}/stringArray[*]"}, "equals": 3}, True),
    ({"count": {"field": f"{T}/objectArray[*].nestedArray[*]"}, "greaterOrEquals": 4}, True),
    ({"count": {"field": f"{T}/missingArray[*]"}, "equals": 0}, True),
    # count with where: the counted alias selects the current member only
    (
        {
            "count": {
                "field": f"{T}/stringArray[*]",
                "where": {"field": f"{T}/stringArray[*]", "equals": "a"},
            },
            "equals": 1,
        },
        True,
    ),
    (
        {
            "count": {
                "field": f"{T}/objectArray[*]",
                "where": {
                    "allOf": [
                        {"field": f"{T}/objectArray[*].property", "equals": "value2"},
                        {"field": f"{T}/objectArray[*].nestedArray[*]", "greater": 2},
                    ]
                },
            },
            "equals": 1,
        },
        True,
    ),
    # where may refer to fields outside the array
    (
        {
            "count": {"field": f"{T}/objectArray[*]", "where": {"field": "tags.env", "equals": "prod"}},
            "equals": 2,
        },
        True,
    ),
    # nested count
    (
        {
            "count": {
                "field": f"{T}/objectArray[*]",
                "where": {
                    "count": {
                        "field": f"{T}/objectArray[*].nestedArray[*]",
                        "where": {"field": f"{T}/objectArray[*].nestedArray[*]", "equals": 3},
                    },
                    "greater": 0,
                },
            },
            "equals": 1,
        },
        True,
    ),
    # field() on the counted alias inside where returns a one-element array; first() unwraps it
    (
        {
            "count": {
                "field": f"{T}/stringArray[*]",
                "where": {"field": f"{T}/stringArray[*]", "equals": f"[field('{T}/stringArray[*]')]"},
            },
            "equals": 0,
        },
        True,
    ),
    (
        {
            "count": {
                "field": f"{T}/stringArray[*]",
                "where": {"field": f"{T}/stringArray[*]", "equals": f"[first(field('{T}/stringArray[*]'))]"},
            },
            "equals": 3,
        },
        True,
    ),
    # value count with name and current()
    (
        {
            "count": {
                "value": ["a", "x", "c"],
                "name": "n",
                "where": {"field": f"{T}/stringArray", "contains": "[current('n')]"},
            },
            "equals": 2,
        },
        True,
    ),
    ({"count": {"value": [1, 2, 3]}, "equals": 3}, True),
    # field() on a [*] alias outside count returns all selected values; on a missing plain property ""
    ({"value": f"[length(field('{T}/objectArray[*].nestedArray[*]'))]", "equals": 4}, True),
    ({"value": f"[field('{T}/missing')]", "equals": ""}, True),
]


@pytest.mark.parametrize(("cond", "expected"), ARRAYS)
def test_arrays_and_count(cond: dict[str, Any], expected: bool) -> None:
    assert holds(cond) is expected


# ------------------------------------------------------------------------------------------- expressions

EXPRESSIONS = [
    ("[concat('a', 'b', toLower('C'))]", "abc"),
    ("[[literal]", "[[literal]"),  # the operand is an expression too: both sides are the literal "[literal]"
    ("['it''s']", "it's"),
    ("[if(equals(1, 1), 'yes', 'no')]", "yes"),
    ("[toUpper(field('name'))]", "R1"),
    ("[length(split('a,b,c', ','))]", 3),
    ("[substring('abcdef', 1, 3)]", "bcd"),
    ("[replace('a-b', '-', '.')]", "a.b"),
    ("[contains(createArray('x', 'y'), 'y')]", True),
    ("[empty(field('Microsoft.Test/resourceType/emptyArray'))]", True),
    ("[not(startsWith('Premium', 'prem'))]", False),
    ("[ipRangeContains('10.0.0.0/16', '10.0.3.0/24')]", True),
    ("[ipRangeContains('10.0.0.0/16', '10.1.0.1')]", False),
    ("[field('Microsoft.Test/resourceType/map').key1]", "v"),
    ("[field('Microsoft.Test/resourceType/stringArray')[1]]", "b"),
    ("[coalesce(null(), 'd')]", "d"),
]


@pytest.mark.parametrize(("expr", "expected"), EXPRESSIONS)
def test_template_expressions(expr: str, expected: Any) -> None:
    assert holds({"value": expr, "equals": expected})


@pytest.mark.parametrize(
    "bad", ["[nosuchfunction('a')]", "[concat('a']", "[parameters('undefined')]", "[current('x')]"]
)
def test_bad_expressions_raise_policy_error(bad: str) -> None:
    with pytest.raises(PolicyError):
        holds({"value": bad, "equals": "x"})


def test_a_condition_needs_exactly_one_operator() -> None:
    with pytest.raises(PolicyError):
        holds({"field": "name", "equals": "r1", "notEquals": "x"})


# ------------------------------------------------------------------------------------------------- effects

EFFECT_PARAM = {
    "effect": {"type": "String", "defaultValue": "Audit", "allowedValues": ["Audit", "Deny", "Disabled"]}
}


def test_effect_resolution_default_assignment_override() -> None:
    d = PolicyDefinition.from_dict(
        definition({"field": "name", "equals": "r1"}, "[parameters('effect')]", EFFECT_PARAM)
    )
    assert resolve_effect(d) == "Audit"
    assert resolve_effect(d, {"effect": {"value": "deny"}}) == "Deny"
    assert resolve_effect(d, {"effect": "Audit"}, override="Disabled") == "Disabled"
    with pytest.raises(PolicyError, match="PolicyParameterValueNotAllowed"):
        resolve_effect(d, override="Modify")
    with pytest.raises(PolicyError, match="PolicyParameterValueNotAllowed"):
        resolve_effect(d, {"effect": "Append"})


def test_fixed_effect_cannot_be_overridden() -> None:
    d = PolicyDefinition.from_dict(definition({"field": "name", "equals": "r1"}, "Deny"))
    assert resolve_effect(d) == "Deny" and resolve_effect(d, override="deny") == "Deny"
    with pytest.raises(PolicyError, match="fixes its effect"):
        resolve_effect(d, override="Audit")


def test_parameter_without_default_must_be_assigned() -> None:
    d = definition(
        {"field": "name", "equals": "r1"}, "[parameters('effect')]", {"effect": {"type": "String"}}
    )
    with pytest.raises(PolicyError, match="no value"):
        evaluate(d, DOC_RESOURCE)
    assert evaluate(d, DOC_RESOURCE, parameters={"effect": "Audit"}).compliance == "NonCompliant"


@pytest.mark.parametrize(
    ("effect", "matches", "compliance"),
    [
        ("Audit", True, "NonCompliant"),
        ("Deny", True, "NonCompliant"),
        ("Modify", True, "NonCompliant"),
        ("Audit", False, "Compliant"),
        ("Disabled", True, "Disabled"),
        ("AuditIfNotExists", True, "Unknown"),
        ("DeployIfNotExists", False, "Compliant"),
    ],
)
def test_compliance_by_effect(effect: str, matches: bool, compliance: str) -> None:
    cond = {"field": "name", "equals": "r1" if matches else "other"}
    e = evaluate(definition(cond, effect), DOC_RESOURCE)
    assert e.compliance == compliance and e.effect == effect


def test_parameters_in_conditions() -> None:
    params = {"allowed": {"type": "Array", "defaultValue": ["westeurope"]}}
    d = definition({"field": "location", "notIn": "[parameters('allowed')]"}, "Audit", params)
    assert evaluate(d, DOC_RESOURCE).compliance == "Compliant"
    assert evaluate(d, DOC_RESOURCE, parameters={"allowed": ["eastus"]}).compliance == "NonCompliant"


# ------------------------------------------------------------------------------ built-in ACR definitions

PA = "/providers/Microsoft.Authorization/policyDefinitions/"
REG_TYPE = "Microsoft.ContainerRegistry/registries"


def builtin(
    guid: str, name: str, cond: dict[str, Any], effects: tuple[str, ...] = ("Audit", "Deny", "Disabled")
) -> dict[str, Any]:
    return {
        "id": PA + guid,
        "name": guid,
        "type": "Microsoft.Authorization/policyDefinitions",
        "properties": {
            "displayName": name,
            "policyType": "BuiltIn",
            "mode": "Indexed",
            "parameters": {
                "effect": {"type": "String", "defaultValue": "Audit", "allowedValues": list(effects)}
            },
            "policyRule": {
                "if": {"allOf": [{"field": "type", "equals": REG_TYPE}, cond]},
                "then": {"effect": "[parameters('effect')]"},
            },
        },
    }


CMK = builtin(
    "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
    "Container registries should be encrypted with a customer-managed key",
    {"field": f"{REG_TYPE}/encryption.status", "notEquals": "enabled"},
)
PRIVATE_LINK = builtin(
    "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
    "Container registries should use private link",
    {
        "count": {
            "field": f"{REG_TYPE}/privateEndpointConnections[*]",
            "where": {
                "field": f"{REG_TYPE}/privateEndpointConnections[*].privateLinkServiceConnectionState.status",
                "equals": "Approved",
            },
        },
        "less": 1,
    },
    ("Audit", "Disabled"),
)
UNRESTRICTED = builtin(
    "d0793b48-0edc-4296-a390-4c75d1bdfd71",
    "Container registries should not allow unrestricted network access",
    {
        "allOf": [
            {
                "anyof": [
                    {"field": f"{REG_TYPE}/networkRuleSet.defaultAction", "exists": "false"},
                    {"field": f"{REG_TYPE}/networkRuleSet.defaultAction", "equals": "Allow"},
                ]
            },
            {
                "anyof": [
                    {"field": f"{REG_TYPE}/publicNetworkAccess", "exists": "false"},
                    {"field": f"{REG_TYPE}/publicNetworkAccess", "equals": "Enabled"},
                ]
            },
        ]
    },
)
PUBLIC = builtin(
    "0fdf0491-d080-4575-b627-ad0e843cba0f",
    "Public network access should be disabled for Container registries",
    {"field": f"{REG_TYPE}/publicNetworkAccess", "notEquals": "Disabled"},
)
EXPORT = builtin(
    "524b0254-c285-4903-bee6-bb8126cde579",
    "Container registries should have exports disabled",
    {
        "anyOf": [
            {"field": f"{REG_TYPE}/policies.exportPolicy.status", "notEquals": "Disabled"},
            {"field": f"{REG_TYPE}/publicNetworkAccess", "notEquals": "Disabled"},
        ]
    },
)
ARM_TOKENS = builtin(
    "42781ec6-6127-4c30-bdfa-fb423a0047d3",
    "Container registries should have ARM audience token authentication disabled.",
    {
        "anyOf": [
            {"field": f"{REG_TYPE}/policies.azureADAuthenticationAsArmPolicy.status", "exists": "false"},
            {
                "field": f"{REG_TYPE}/policies.azureADAuthenticationAsArmPolicy.status",
                "notEquals": "disabled",
            },
        ]
    },
)

REGISTRIES = {r.name: r for r in fx.estate().registries}


@pytest.mark.parametrize(
    ("defn", "non_compliant"),
    [
        (CMK, {"devbasic"}),
        (PRIVATE_LINK, {"devbasic", "prodorphan"}),
        (UNRESTRICTED, {"devbasic"}),
        (PUBLIC, {"devbasic", "prodbad"}),
        (EXPORT, {"devbasic", "prodbad"}),
        (ARM_TOKENS, {"devbasic", "prodbad"}),
    ],
    ids=["cmk", "private-link", "unrestricted", "public", "export", "arm-tokens"],
)
def test_builtins_against_the_fixed_estate(defn: dict[str, Any], non_compliant: set[str]) -> None:
    results = preview_registries(defn, list(REGISTRIES.values()))
    assert {e.resource_name for e in results if e.compliance == "NonCompliant"} == non_compliant
    assert {e.resource_name for e in results if e.compliance == "Compliant"} == set(
        REGISTRIES
    ) - non_compliant


def test_pending_connection_alone_is_not_private_link() -> None:
    reg = REGISTRIES["prodbad"]
    only_pending = reg.model_copy(
        update={
            "private_endpoint_connections": [
                c for c in reg.private_endpoint_connections if c.status == "Pending"
            ]
        }
    )
    assert evaluate(PRIVATE_LINK, registry_to_arm(only_pending)).compliance == "NonCompliant"


def test_deny_preview_of_writes() -> None:
    good = registry_to_arm(REGISTRIES["prodgood"])
    reopened = {**good, "properties": {**good["properties"], "publicNetworkAccess": "Enabled"}}
    verdicts = preview_writes(PUBLIC, [good, reopened], effect="Deny")
    assert [v.blocked for v in verdicts] == [False, True]
    assert "RequestDisallowedByPolicy" in verdicts[1].reason
    assert [v.blocked for v in preview_writes(PUBLIC, [reopened])] == [False]  # Audit never blocks
    with pytest.raises(PolicyError):
        preview_writes(PRIVATE_LINK, [good], effect="Deny")  # this built-in has no Deny


def test_sdk_model_as_dict_is_accepted() -> None:
    from azure.mgmt.resource.policy import models as m

    rule = CMK["properties"]["policyRule"]
    model = m.PolicyDefinition(
        properties=m.PolicyDefinitionProperties(
            display_name="cmk",
            mode="Indexed",
            policy_rule=rule,
            parameters={
                "effect": m.ParameterDefinitionsValue(
                    type="String", default_value="Audit", allowed_values=["Audit", "Deny", "Disabled"]
                )
            },
        )
    )
    d = PolicyDefinition.from_dict(model.as_dict())
    assert d.parameters["effect"].allowed == ("Audit", "Deny", "Disabled")
    assert evaluate(d, registry_to_arm(REGISTRIES["devbasic"]), effect="Deny").compliance == "NonCompliant"
    snake = {
        "name": "x",
        "policy_rule": rule,
        "parameters": {"effect": {"type": "String", "default_value": "Audit"}},
    }
    assert resolve_effect(PolicyDefinition.from_dict(snake)) == "Audit"


def test_find_definition_by_guid_id_or_display_name() -> None:
    defs = [CMK, PUBLIC, UNRESTRICTED]
    assert find_definition(defs, "0fdf0491-d080-4575-b627-ad0e843cba0f").name == PUBLIC["name"]
    assert find_definition(defs, PA + "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580").name == CMK["name"]
    assert (
        find_definition(defs, "public network access should be disabled for container registries").name
        == PUBLIC["name"]
    )
    with pytest.raises(PolicyError, match="no policy definition"):
        find_definition(defs, "nope")


def test_registry_body_has_the_arm_shape_aliases_need() -> None:
    body = registry_to_arm(REGISTRIES["prodbad"])
    p = body["properties"]
    assert body["type"] == REG_TYPE and body["sku"]["name"] == "Premium"
    assert p["networkRuleSet"] == {
        "defaultAction": "Deny",
        "ipRules": [{"action": "Allow", "value": "203.0.113.0/24"}],
    }
    assert [
        c["properties"]["privateLinkServiceConnectionState"]["status"]
        for c in p["privateEndpointConnections"]
    ] == ["Approved", "Pending"]
    assert "azureADAuthenticationAsArmPolicy" not in p["policies"]  # not reported stays missing
    assert p["encryption"]["keyVaultProperties"]["identity"] == "33333333-0000-0000-0000-00000000c11e"
    assert body["identity"]["type"] == "UserAssigned"


def test_explicit_alias_mapping_wins() -> None:
    cond = {"field": "Microsoft.Test/resourceType/renamed", "equals": "Hello-World"}
    assert not holds(cond)
    assert evaluate(
        definition(cond), DOC_RESOURCE, aliases={"Microsoft.Test/resourceType/renamed": "properties.text"}
    ).matched


def test_alias_of_another_type_selects_nothing() -> None:
    assert holds({"field": "Microsoft.Storage/storageAccounts/minimumTlsVersion", "exists": "false"})
