"""The policy-rule interpreter: documented Azure Policy semantics, table-driven, plus every built-in's rule."""

from __future__ import annotations

from typing import Any

import pytest

from acrtui.emulator.policy import rules as r
from acrtui.emulator.policy.builtins import BUILTIN_DEFINITIONS, builtin

REG = "Microsoft.ContainerRegistry/registries"


def registry(**props: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1",
        "name": "acr1",
        "type": REG,
        "location": "eastus",
        "tags": {"Env": "prod"},
        "sku": {"name": props.pop("sku", "Premium"), "tier": "Premium"},
        "properties": props,
    }
    return body


def ev(cond: dict[str, Any], body: dict[str, Any], **params: Any) -> bool:
    return r.evaluate(cond, r.Env(body=body, params=params))


def pec(status: str) -> dict[str, Any]:
    return {"id": "x", "properties": {"privateLinkServiceConnectionState": {"status": status}}}


# (description, condition, body, expected)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    ("type equals, any case", {"field": "type", "equals": REG.lower()}, registry(), True),
    ("name like wildcard", {"field": "name", "like": "ACR*"}, registry(), True),
    ("name notLike", {"field": "name", "notLike": "x*"}, registry(), True),
    ("fullName", {"field": "fullName", "equals": "acr1"}, registry(), True),
    ("location in", {"field": "location", "in": ["westus", "EastUS"]}, registry(), True),
    ("location notIn", {"field": "location", "notIn": ["eastus"]}, registry(), False),
    ("tag by bracket", {"field": "tags['env']", "equals": "PROD"}, registry(), True),
    ("tag by dot", {"field": "tags.Env", "equals": "prod"}, registry(), True),
    ("tags containsKey", {"field": "tags", "containsKey": "ENV"}, registry(), True),
    ("tags notContainsKey", {"field": "tags", "notContainsKey": "owner"}, registry(), True),
    (
        "missing field exists false",
        {"field": f"{REG}/publicNetworkAccess", "exists": "false"},
        registry(),
        True,
    ),
    ("missing field exists true", {"field": f"{REG}/publicNetworkAccess", "exists": True}, registry(), False),
    (
        "missing field equals is false",
        {"field": f"{REG}/publicNetworkAccess", "equals": "Enabled"},
        registry(),
        False,
    ),
    (
        "missing field notEquals is true",
        {"field": f"{REG}/publicNetworkAccess", "notEquals": "Disabled"},
        registry(),
        True,
    ),
    (
        "missing field in is false",
        {"field": f"{REG}/publicNetworkAccess", "in": ["Enabled"]},
        registry(),
        False,
    ),
    (
        "missing field notIn is true",
        {"field": f"{REG}/publicNetworkAccess", "notIn": ["Enabled"]},
        registry(),
        True,
    ),
    ("missing field like is false", {"field": f"{REG}/publicNetworkAccess", "like": "*"}, registry(), False),
    (
        "missing field greater is false",
        {"field": f"{REG}/publicNetworkAccess", "greater": 0},
        registry(),
        False,
    ),
    (
        "missing intermediate object",
        {"field": f"{REG}/policies.exportPolicy.status", "notEquals": "disabled"},
        registry(),
        True,
    ),
    (
        "string equals case-insensitive",
        {"field": f"{REG}/publicNetworkAccess", "equals": "DISABLED"},
        registry(publicNetworkAccess="Disabled"),
        True,
    ),
    (
        "bool equals true",
        {"field": f"{REG}/adminUserEnabled", "equals": True},
        registry(adminUserEnabled=True),
        True,
    ),
    (
        "bool equals 'true' string",
        {"field": f"{REG}/adminUserEnabled", "equals": "true"},
        registry(adminUserEnabled=True),
        True,
    ),
    (
        "bool false not equal true",
        {"field": f"{REG}/adminUserEnabled", "equals": True},
        registry(adminUserEnabled=False),
        False,
    ),
    ("sku alias", {"field": f"{REG}/sku.name", "notEquals": "premium"}, registry(sku="Basic"), True),
    ("contains substring, case-insensitive", {"field": "name", "contains": "CR"}, registry(), True),
    ("notContains", {"field": "name", "notContains": "zz"}, registry(), True),
    ("match # digit", {"field": "name", "match": "acr#"}, registry(), True),
    ("match is case-sensitive", {"field": "name", "match": "ACR#"}, registry(), False),
    ("matchInsensitively", {"field": "name", "matchInsensitively": "ACR#"}, registry(), True),
    ("match ? letter", {"field": "name", "match": "???1"}, registry(), True),
    ("match . any", {"field": "name", "match": "a..1"}, registry(), True),
    ("value greater", {"value": 5, "greater": 3}, registry(), True),
    ("value lessOrEquals", {"value": 3, "lessOrEquals": 3}, registry(), True),
    ("value greaterOrEquals string", {"value": "b", "greaterOrEquals": "A"}, registry(), True),
    ("not", {"not": {"field": "name", "equals": "acr1"}}, registry(), False),
    (
        "allOf short",
        {"allOf": [{"field": "name", "equals": "acr1"}, {"field": "location", "equals": "x"}]},
        registry(),
        False,
    ),
    (
        "anyOf",
        {"anyOf": [{"field": "name", "equals": "zz"}, {"field": "location", "equals": "eastus"}]},
        registry(),
        True,
    ),
    (
        "[*] all elements must match",
        {
            "field": f"{REG}/privateEndpointConnections[*].privateLinkServiceConnectionState.status",
            "equals": "Approved",
        },
        registry(privateEndpointConnections=[pec("Approved"), pec("Pending")]),
        False,
    ),
    (
        "[*] every element matches",
        {
            "field": f"{REG}/privateEndpointConnections[*].privateLinkServiceConnectionState.status",
            "equals": "approved",
        },
        registry(privateEndpointConnections=[pec("Approved"), pec("Approved")]),
        True,
    ),
    (
        "[*] empty array is true",
        {
            "field": f"{REG}/privateEndpointConnections[*].privateLinkServiceConnectionState.status",
            "equals": "Approved",
        },
        registry(privateEndpointConnections=[]),
        True,
    ),
    (
        "[*] missing array is true",
        {"field": f"{REG}/networkRuleSet.ipRules[*].value", "equals": "1.2.3.4"},
        registry(),
        True,
    ),
    (
        "count field where",
        {
            "count": {
                "field": f"{REG}/privateEndpointConnections[*]",
                "where": {
                    "field": f"{REG}/privateEndpointConnections[*].privateLinkServiceConnectionState.status",
                    "equals": "Approved",
                },
            },
            "equals": 1,
        },
        registry(privateEndpointConnections=[pec("Approved"), pec("Rejected")]),
        True,
    ),
    (
        "count field without where",
        {"count": {"field": f"{REG}/privateEndpointConnections[*]"}, "equals": 2},
        registry(privateEndpointConnections=[pec("Approved"), pec("Rejected")]),
        True,
    ),
    (
        "count of missing array is 0",
        {"count": {"field": f"{REG}/privateEndpointConnections[*]"}, "less": 1},
        registry(),
        True,
    ),
    (
        "count value with current()",
        {
            "count": {
                "value": ["eastus", "westus"],
                "name": "loc",
                "where": {"field": "location", "equals": "[current('loc')]"},
            },
            "equals": 1,
        },
        registry(),
        True,
    ),
    ("count value without where", {"count": {"value": [1, 2, 3]}, "equals": 3}, registry(), True),
    ("expression concat", {"field": "name", "equals": "[concat('ac', 'r1')]"}, registry(), True),
    (
        "expression toLower/field",
        {"value": "[toLower(field('location'))]", "equals": "eastus"},
        registry(),
        True,
    ),
    (
        "expression if/equals",
        {"value": "[if(equals(field('name'), 'acr1'), 'yes', 'no')]", "equals": "yes"},
        registry(),
        True,
    ),
    ("expression empty/length", {"value": "[length(field('tags'))]", "equals": 1}, registry(), True),
    (
        "expression empty",
        {
            "value": "[empty(field('Microsoft.ContainerRegistry/registries/publicNetworkAccess'))]",
            "equals": True,
        },
        registry(),
        True,
    ),
    (
        "escaped bracket is a literal",
        {"value": "[[notAnExpression]", "equals": "[[NOTANEXPRESSION]"},
        registry(),
        True,
    ),
    ("expression field name", {"field": "[concat('tags[', 'Env', ']')]", "equals": "prod"}, registry(), True),
]


@pytest.mark.parametrize(("desc", "cond", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_condition_semantics(desc: str, cond: dict[str, Any], body: dict[str, Any], expected: bool) -> None:
    assert ev(cond, body) is expected


def test_parameters_and_request_context() -> None:
    cond = {
        "allOf": [
            {"field": "location", "in": "[parameters('allowed')]"},
            {"value": "[requestContext().apiVersion]", "like": "2025-*"},
        ]
    }
    env = r.Env(body=registry(), params={"allowed": ["EASTUS"]}, api_version="2025-11-01")
    assert r.evaluate(cond, env) is True
    env.params = {"allowed": ["westus"]}
    assert r.evaluate(cond, env) is False


def test_nested_array_count_where() -> None:
    pe: dict[str, Any] = {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe1",
        "type": "Microsoft.Network/privateEndpoints",
        "location": "eastus",
        "properties": {
            "privateLinkServiceConnections": [
                {"properties": {"groupIds": ["vault"]}},
                {"properties": {"groupIds": ["registry", "x"]}},
            ]
        },
    }
    field = "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].groupIds[*]"
    cond = {"count": {"field": field, "where": {"field": field, "equals": "Registry"}}, "greaterOrEquals": 1}
    assert ev(cond, pe) is True
    pe["properties"]["privateLinkServiceConnections"].pop()
    assert ev(cond, pe) is False


@pytest.mark.parametrize(
    ("cond", "message"),
    [
        ({"value": "[utcNow()]", "equals": "x"}, "utcNow"),
        ({"value": "[parameters('nope')]", "equals": "x"}, "nope"),
        ({"field": "name", "equals": "a", "notEquals": "b"}, "exactly one operator"),
        ({"field": "name", "sortOf": "a"}, "exactly one operator"),
        ({"count": {"field": f"{REG}/sku.name"}, "equals": 1}, "[*]"),
        ({"value": "[concat('a']", "equals": "x"}, "Malformed"),
    ],
)
def test_unsupported_is_a_clear_error(cond: dict[str, Any], message: str) -> None:
    with pytest.raises(
        r.PolicyRuleError, match=message.replace("[", r"\[").replace("*", r"\*").replace("]", r"\]")
    ):
        ev(cond, registry())


def test_effect_resolution_uses_assignment_then_default() -> None:
    props = builtin("0fdf0491-d080-4575-b627-ad0e843cba0f")["properties"]  # type: ignore[index]
    assert r.effect_of(props, r.effective_params(props, None)) == "Audit"
    assert r.effect_of(props, r.effective_params(props, {"effect": {"value": "deny"}})) == "Deny"
    with pytest.raises(r.PolicyRuleError):
        r.canonical_effect("Explode")


def test_modify_operations() -> None:
    body = registry(adminUserEnabled=True)
    ops: list[dict[str, Any]] = [
        {"operation": "addOrReplace", "field": f"{REG}/adminUserEnabled", "value": False},
        {
            "operation": "addOrReplace",
            "field": f"{REG}/policies.azureADAuthenticationAsArmPolicy.status",
            "value": "disabled",
        },
        {"operation": "add", "field": "tags['Env']", "value": "ignored"},
        {"operation": "add", "field": "tags['owner']", "value": "[concat('team-', field('name'))]"},
        {"operation": "remove", "field": "tags['nothing']"},
    ]
    out = r.apply_modify(body, ops, r.Env(body=body))
    assert out["properties"]["adminUserEnabled"] is False
    assert out["properties"]["policies"]["azureADAuthenticationAsArmPolicy"]["status"] == "disabled"
    assert out["tags"] == {"Env": "prod", "owner": "team-acr1"}
    assert body["properties"]["adminUserEnabled"] is True  # the input is untouched


# ---------------------------------------------------------------- every built-in rule


def _rule(gid: str) -> dict[str, Any]:
    return BUILTIN_DEFINITIONS[gid]["properties"]["policyRule"]["if"]


NEW_REGISTRY = {  # what a fresh registry looks like (AZURE-RULES "Registry basics")
    "adminUserEnabled": False,
    "publicNetworkAccess": "Enabled",
    "networkRuleSet": {"defaultAction": "Allow", "ipRules": []},
    "encryption": {"status": "disabled"},
    "privateEndpointConnections": [],
    "anonymousPullEnabled": False,
    "zoneRedundancy": "Disabled",
    "policies": {
        "exportPolicy": {"status": "enabled"},
        "azureADAuthenticationAsArmPolicy": {"status": "enabled"},
    },
}
HARDENED = {
    "adminUserEnabled": False,
    "publicNetworkAccess": "Disabled",
    "networkRuleSet": {"defaultAction": "Deny", "ipRules": []},
    "encryption": {"status": "enabled"},
    "privateEndpointConnections": [pec("Approved")],
    "anonymousPullEnabled": False,
    "zoneRedundancy": "Enabled",
    "policies": {
        "exportPolicy": {"status": "disabled"},
        "azureADAuthenticationAsArmPolicy": {"status": "disabled"},
    },
}
REGISTRY_RULES = [
    "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
    "d0793b48-0edc-4296-a390-4c75d1bdfd71",
    "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
    "0fdf0491-d080-4575-b627-ad0e843cba0f",
    "a3701552-92ea-433e-9d17-33b7f1208fc9",
    "524b0254-c285-4903-bee6-bb8126cde579",
    "42781ec6-6127-4c30-bdfa-fb423a0047d3",
    "785596ed-054f-41bc-aaec-7f3d0ba05725",
    "9d2b0a20-57d6-474c-9d12-44a4a20999c6",
]


@pytest.mark.parametrize("gid", REGISTRY_RULES)
def test_builtin_flags_new_registry_and_passes_hardened(gid: str) -> None:
    assert ev(_rule(gid), registry(**NEW_REGISTRY)) is True
    assert ev(_rule(gid), registry(**HARDENED)) is False


@pytest.mark.parametrize(
    ("gid", "bad", "good"),
    [
        ("dc921057-6b28-4fbe-9b83-f7bec05db6c2", {"adminUserEnabled": True}, {"adminUserEnabled": False}),
        ("79fdfe03-ffcb-4e55-b4d0-b925b8241759", {"adminUserEnabled": True}, {}),
        (
            "9f2dea28-e834-476c-99c5-3507b4728395",
            {"anonymousPullEnabled": True},
            {"anonymousPullEnabled": False},
        ),
        ("cced2946-b08a-44fe-9fd9-e4ed8a779897", {"anonymousPullEnabled": True}, {}),
        (
            "42781ec6-6127-4c30-bdfa-fb423a0047d3",
            {"policies": {}},
            {"policies": {"azureADAuthenticationAsArmPolicy": {"status": "disabled"}}},
        ),
        (
            "d0793b48-0edc-4296-a390-4c75d1bdfd71",
            {"networkRuleSet": {"defaultAction": "Allow"}},
            {"networkRuleSet": {"defaultAction": "Allow"}, "publicNetworkAccess": "Disabled"},
        ),
        (
            "d0793b48-0edc-4296-a390-4c75d1bdfd71",
            {},
            {"networkRuleSet": {"defaultAction": "Deny"}, "publicNetworkAccess": "Enabled"},
        ),
        (
            "524b0254-c285-4903-bee6-bb8126cde579",
            {"policies": {"exportPolicy": {"status": "disabled"}}, "publicNetworkAccess": "Enabled"},
            {"policies": {"exportPolicy": {"status": "disabled"}}, "publicNetworkAccess": "Disabled"},
        ),
    ],
)
def test_builtin_rule_boundaries(gid: str, bad: dict[str, Any], good: dict[str, Any]) -> None:
    assert ev(_rule(gid), registry(**bad)) is True
    assert ev(_rule(gid), registry(**good)) is False


def test_sku_rules() -> None:
    assert ev(_rule("bd560fc0-3c69-498a-ae9f-aa8eb7de0e13"), registry(sku="Standard")) is True
    assert ev(_rule("bd560fc0-3c69-498a-ae9f-aa8eb7de0e13"), registry(sku="Premium")) is False
    assert ev(_rule("d85c6833-7d33-4cf5-a915-aaa2de84405f"), registry(sku="Basic")) is False
    assert ev(_rule("d85c6833-7d33-4cf5-a915-aaa2de84405f"), registry(sku="Premium")) is True


def test_child_type_rules_ignore_registries() -> None:
    token = {"id": "/x/tokens/t1", "type": f"{REG}/tokens", "name": "t1", "properties": {"status": "enabled"}}
    cache = {"id": "/x/cacheRules/c1", "type": f"{REG}/cacheRules", "name": "c1", "properties": {}}
    for gid in ("ff05e24e-195c-447e-b322-5e90c9f9f366", "a9b426fe-8856-4945-8600-18c5dd1cca2a"):
        assert ev(_rule(gid), token) is True
        assert ev(_rule(gid), {**token, "properties": {"status": "disabled"}}) is False
        assert ev(_rule(gid), registry()) is False
    assert ev(_rule("84497762-32b6-4ab3-80b6-732ea48b85a2"), cache) is True
    assert ev(_rule("84497762-32b6-4ab3-80b6-732ea48b85a2"), registry()) is False


def test_builtin_shapes() -> None:
    assert len(BUILTIN_DEFINITIONS) >= 18
    for gid, d in BUILTIN_DEFINITIONS.items():
        p = d["properties"]
        assert d["id"] == f"/providers/Microsoft.Authorization/policyDefinitions/{gid}"
        assert p["policyType"] == "BuiltIn" and p["metadata"]["category"]
        eff = p["parameters"]["effect"]
        assert eff["defaultValue"] in eff["allowedValues"]
        assert p["policyRule"]["then"]["effect"] == "[parameters('effect')]"
        default = r.canonical_effect(eff["defaultValue"])
        if "Modify" in eff["allowedValues"]:
            assert (
                p["policyRule"]["then"]["details"]["operations"]
                and p["policyRule"]["then"]["details"]["roleDefinitionIds"]
            )
        if "DeployIfNotExists" in eff["allowedValues"]:
            det = p["policyRule"]["then"]["details"]
            assert det["type"] and det["roleDefinitionIds"] and det["deployment"]["properties"]["template"]
        assert default in ("Audit", "AuditIfNotExists", "Modify", "DeployIfNotExists")
    assert (
        "Deny"
        not in BUILTIN_DEFINITIONS["e8eef0a8-67cf-4eb4-9386-14b0e78733d4"]["properties"]["parameters"][
            "effect"
        ]["allowedValues"]
    )
