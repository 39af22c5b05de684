"""Microsoft.Authorization policy in the emulator, driven by the real azure-mgmt-resource-policy async client.

Registries are created and changed with the real azure-mgmt-containerregistry client, so Deny is exercised on
the actual PUT/PATCH path (the registry provider calls the BEFORE_WRITE hook).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.authorization.aio import AuthorizationManagementClient
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
from azure.mgmt.resource.policy import models as pm
from azure.mgmt.resource.policy.aio import PolicyClient

from acrtui.emulator import Emulator
from acrtui.emulator.policy.builtins import BUILTIN_DEFINITIONS
from acrtui.emulator.seeds import add_group

from .fidelity import assert_roundtrip

RG = "rg-empty"
BUILTIN = "/providers/Microsoft.Authorization/policyDefinitions/"
PUBLIC_ACCESS = BUILTIN + "0fdf0491-d080-4575-b627-ad0e843cba0f"
ADMIN_AUDIT = BUILTIN + "dc921057-6b28-4fbe-9b83-f7bec05db6c2"
ADMIN_MODIFY = BUILTIN + "79fdfe03-ffcb-4e55-b4d0-b925b8241759"
PRIVATE_LINK = BUILTIN + "e8eef0a8-67cf-4eb4-9386-14b0e78733d4"
PE_DINE = BUILTIN + "d85c6833-7d33-4cf5-a915-aaa2de84405f"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"


def pclient(sdk: Any, emu: Emulator, role: str = "owner") -> PolicyClient:
    return sdk(PolicyClient, emu, role)  # type: ignore[no-any-return]


def sub_scope(emu: Emulator) -> str:
    return f"/subscriptions/{emu.subscription_id}"


def rg_scope(emu: Emulator, rg: str = RG) -> str:
    return f"{sub_scope(emu)}/resourceGroups/{rg}"


async def assign(c: PolicyClient, scope: str, name: str, definition: str, **props: Any) -> Any:
    top: dict[str, Any] = {k: props.pop(k) for k in ("identity", "location") if k in props}
    body: Any = {"properties": {"policyDefinitionId": definition, **props}, **top}
    return await c.policy_assignments.create(scope, name, body)


async def error_of(coro: Any) -> dict[str, Any]:
    with pytest.raises(HttpResponseError) as ei:
        await coro
    resp: Any = ei.value.response
    return json.loads(resp.text())["error"]  # type: ignore[no-any-return]


async def all_of(pager: Any) -> list[Any]:
    return [x async for x in pager]


# ---------------------------------------------------------------- definitions


async def test_list_builtins_by_category_paged_with_fidelity(emu: Emulator, sdk: Any) -> None:
    c = pclient(sdk, emu)
    got = await all_of(c.policy_definitions.list_built_in(filter="category eq 'Container Registry'"))
    acr = {k for k, d in BUILTIN_DEFINITIONS.items() if d["properties"]["metadata"]["category"] == "Container Registry"}
    assert {d.name for d in got} == acr and len(acr) == 18  # more than one page at page_size=2
    assert all(d.policy_type == "BuiltIn" and d.metadata["category"] == "Container Registry" for d in got)
    both = await all_of(
        c.policy_definitions.list_built_in(
            filter="policyType eq 'BuiltIn' and category eq 'container registry'"
        )
    )
    assert len(both) == len(got)
    assert await all_of(c.policy_definitions.list_built_in(filter="category eq 'Compute'")) == []
    assert len(await all_of(c.policy_definitions.list_built_in(top=3))) == 3
    for raw in BUILTIN_DEFINITIONS.values():
        assert_roundtrip(pm.PolicyDefinition, raw)


async def test_get_builtin_and_unknown(emu: Emulator, sdk: Any) -> None:
    c = pclient(sdk, emu, "reader")
    d = await c.policy_definitions.get_built_in("0fdf0491-d080-4575-b627-ad0e843cba0f")
    assert d.display_name == "Public network access should be disabled for Container registries"
    assert d.parameters["effect"].allowed_values == ["Audit", "Deny", "Disabled"]
    assert (
        d.policy_rule["if"]["allOf"][1]["field"]
        == "Microsoft.ContainerRegistry/registries/publicNetworkAccess"
    )
    with pytest.raises(ResourceNotFoundError) as ei:
        await c.policy_definitions.get_built_in("00000000-0000-0000-0000-000000000000")
    assert ei.value.error is not None and ei.value.error.code == "PolicyDefinitionNotFound"
    with pytest.raises(HttpResponseError):
        await all_of(c.policy_definitions.list_built_in(filter="displayName eq 'x'"))


async def test_subscription_definitions_include_builtins_and_custom(emu: Emulator, sdk: Any) -> None:
    c = pclient(sdk, emu)
    rule = {
        "if": {"field": "type", "equals": "Microsoft.ContainerRegistry/registries"},
        "then": {"effect": "audit"},
    }
    created: Any = await c.policy_definitions.create_or_update(
        "audit-acr", {"properties": {"displayName": "Audit registries", "policyRule": rule, "mode": "All"}}
    )
    assert created.policy_type == "Custom" and created.id.endswith("/policyDefinitions/audit-acr")
    assert_roundtrip(pm.PolicyDefinition, emu.state.get(created.id).body)  # type: ignore[union-attr]
    names = {d.name for d in await all_of(c.policy_definitions.list())}
    assert "audit-acr" in names and set(BUILTIN_DEFINITIONS) <= names
    custom = await all_of(c.policy_definitions.list(filter="policyType eq 'Custom'"))
    assert [d.name for d in custom] == ["audit-acr"]
    assert (await c.policy_definitions.get("0fdf0491-d080-4575-b627-ad0e843cba0f")).policy_type == "BuiltIn"
    bad = await error_of(
        c.policy_definitions.create_or_update("bad", {"properties": {"policyRule": {"if": {}}}})
    )
    assert bad["code"] == "InvalidPolicyRule"
    await assign(c, sub_scope(emu), "uses-custom", created.id)
    assert (await error_of(c.policy_definitions.delete("audit-acr")))["code"] == "PolicyDefinitionInUse"
    await c.policy_assignments.delete(sub_scope(emu), "uses-custom")
    await c.policy_definitions.delete("audit-acr")
    with pytest.raises(ResourceNotFoundError):
        await c.policy_definitions.get("audit-acr")


# ---------------------------------------------------------------- assignments


async def test_assignment_create_get_list_with_fidelity(emu: Emulator, sdk: Any) -> None:
    add_group(emu.state, emu.subscription_id, "rg-other", "westus")
    c = pclient(sdk, emu)
    a = await assign(
        c,
        sub_scope(emu),
        "no-public",
        PUBLIC_ACCESS,
        displayName="No public ACR",
        parameters={"effect": {"value": "Deny"}},
        nonComplianceMessages=[{"message": "Registries must be private."}],
        notScopes=[rg_scope(emu, "rg-other")],
    )
    assert (
        a.scope == sub_scope(emu)
        and a.enforcement_mode == "Default"
        and a.parameters["effect"].value == "Deny"
    )
    raw = emu.state.get(a.id).body  # type: ignore[union-attr]
    assert_roundtrip(pm.PolicyAssignment, raw)
    got = await c.policy_assignments.get(sub_scope(emu), "no-public")
    assert (
        got.display_name == "No public ACR"
        and got.non_compliance_messages[0].message == "Registries must be private."
    )
    assert (await c.policy_assignments.get_by_id(a.id)).name == "no-public"
    # definition versions appear only under $expand (SDK: "only present if requested via the $expand")
    assert got.latest_definition_version is None and got.effective_definition_version is None
    expand = "LatestDefinitionVersion, EffectiveDefinitionVersion"
    wide = await c.policy_assignments.get(sub_scope(emu), "no-public", expand=expand)
    version = BUILTIN_DEFINITIONS[PUBLIC_ACCESS.rsplit("/", 1)[1]]["properties"]["version"]
    assert wide.latest_definition_version == version and wide.effective_definition_version == version
    assert wide.definition_version == version.split(".")[0] + ".*.*"
    listed = [x for x in await all_of(c.policy_assignments.list(expand=expand)) if x.name == "no-public"]
    assert listed[0].latest_definition_version == version
    assert "latestDefinitionVersion" not in emu.state.get(a.id).props  # type: ignore[union-attr]  # not stored
    rg_a = await assign(c, rg_scope(emu), "admin-audit", ADMIN_AUDIT)
    assert rg_a.scope == rg_scope(emu)
    # subscription list: at and below; atScope(): at and above only
    assert {x.name for x in await all_of(c.policy_assignments.list())} == {"no-public", "admin-audit"}
    assert {x.name for x in await all_of(c.policy_assignments.list(filter="atScope()"))} == {"no-public"}
    assert {
        x.name for x in await all_of(c.policy_assignments.list_for_resource_group(RG, filter="atScope()"))
    } == {"no-public", "admin-audit"}
    assert {
        x.name
        for x in await all_of(c.policy_assignments.list_for_resource_group(RG, filter="atExactScope()"))
    } == {"admin-audit"}
    assert {x.name for x in await all_of(c.policy_assignments.list_for_resource_group("rg-other"))} == {
        "no-public"
    }
    flt = f"policyDefinitionId eq '{ADMIN_AUDIT}'"
    assert [x.name for x in await all_of(c.policy_assignments.list(filter=flt))] == ["admin-audit"]
    # a replace answers 201 as well (the SDK accepts nothing else)
    again = await assign(c, sub_scope(emu), "no-public", PUBLIC_ACCESS, enforcementMode="DoNotEnforce")
    assert again.enforcement_mode == "DoNotEnforce" and again.instance_id == a.instance_id
    deleted = await c.policy_assignments.delete(sub_scope(emu), "no-public")
    assert deleted is not None and deleted.name == "no-public"
    assert await c.policy_assignments.delete(sub_scope(emu), "no-public") is None
    with pytest.raises(ResourceNotFoundError):
        await c.policy_assignments.get(sub_scope(emu), "no-public")


async def test_assignment_on_a_registry_and_list_for_resource(emu: Emulator, sdk: Any) -> None:
    acr = sdk(ContainerRegistryManagementClient, emu)
    reg = await (
        await acr.registries.begin_create(RG, "acrscope1", {"location": "eastus", "sku": {"name": "Basic"}})
    ).result()
    c = pclient(sdk, emu)
    a = await assign(c, reg.id, "on-registry", ADMIN_AUDIT)
    assert a.scope == reg.id
    await assign(c, sub_scope(emu), "on-sub", PUBLIC_ACCESS)
    got = await all_of(
        c.policy_assignments.list_for_resource(
            RG, "Microsoft.ContainerRegistry", "", "registries", "acrscope1"
        )
    )
    assert {x.name for x in got} == {"on-registry", "on-sub"}
    missing = await error_of(assign(c, reg.id + "x", "nowhere", ADMIN_AUDIT))
    assert missing["code"] == "ResourceNotFound"


@pytest.mark.parametrize(
    ("definition", "props", "code"),
    [
        (BUILTIN + "00000000-0000-0000-0000-000000000000", {}, "PolicyDefinitionNotFound"),
        (PUBLIC_ACCESS, {"parameters": {"effect": {"value": "Modify"}}}, "PolicyParameterValueNotAllowed"),
        (PUBLIC_ACCESS, {"parameters": {"effect": {"value": "deny"}}}, "PolicyParameterValueNotAllowed"),
        (PRIVATE_LINK, {"parameters": {"effect": {"value": "Deny"}}}, "PolicyParameterValueNotAllowed"),
        (PUBLIC_ACCESS, {"parameters": {"colour": {"value": "red"}}}, "UndefinedPolicyParameter"),
        (ADMIN_MODIFY, {}, "InvalidCreatePolicyAssignmentRequest"),
        (ADMIN_MODIFY, {"identity": {"type": "SystemAssigned"}}, "InvalidCreatePolicyAssignmentRequest"),
        (PE_DINE, {"identity": {"type": "SystemAssigned"}, "location": "eastus"}, "MissingPolicyParameter"),
        (PUBLIC_ACCESS, {"enforcementMode": "Sometimes"}, "InvalidRequestContent"),
    ],
)
async def test_assignment_rules(
    emu: Emulator, sdk: Any, definition: str, props: dict[str, Any], code: str
) -> None:
    c = pclient(sdk, emu)
    err = await error_of(assign(c, sub_scope(emu), "bad", definition, **props))
    assert err["code"] == code
    if code == "PolicyParameterValueNotAllowed":
        assert "The allowed values are" in err["message"]
    assert emu.state.get(f"{sub_scope(emu)}/providers/Microsoft.Authorization/policyAssignments/bad") is None


async def test_modify_assignment_with_identity_can_get_roles(emu: Emulator, sdk: Any) -> None:
    c = pclient(sdk, emu)
    a = await assign(
        c, sub_scope(emu), "fix-admin", ADMIN_MODIFY, identity={"type": "SystemAssigned"}, location="East US"
    )
    assert a.location == "eastus" and a.identity.type == "SystemAssigned" and a.identity.principal_id
    pid = a.identity.principal_id
    p = emu.state.principal(pid)
    assert p is not None and p.kind == "ManagedIdentity" and p.secret is None
    auth = sdk(AuthorizationManagementClient, emu)
    role_id = f"{sub_scope(emu)}/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"
    ra = await auth.role_assignments.create(
        sub_scope(emu),
        "6f1b8e0e-1111-4c3e-9a3a-000000000001",
        {
            "properties": {
                "roleDefinitionId": role_id,
                "principalId": pid,
                "principalType": "ServicePrincipal",
            }
        },
    )
    assert ra.principal_id == pid
    # the Disabled effect needs no identity
    off = await assign(
        c, sub_scope(emu), "fix-admin-off", ADMIN_MODIFY, parameters={"effect": {"value": "Disabled"}}
    )
    assert off.identity is None
    # update (PATCH) keeps the identity; delete removes the system identity
    upd: Any = await c.policy_assignments.update(sub_scope(emu), "fix-admin", {"location": "westus"})
    assert upd.location == "westus" and upd.identity.principal_id == pid
    await c.policy_assignments.delete(sub_scope(emu), "fix-admin")
    assert emu.state.principal(pid) is None


async def test_user_assigned_identity(emu: Emulator, sdk: Any) -> None:
    mi_id = f"{rg_scope(emu)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/policy-mi"
    emu.state.put(
        mi_id,
        {
            "id": mi_id,
            "name": "policy-mi",
            "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
            "location": "eastus",
            "properties": {
                "principalId": "11111111-2222-3333-4444-555555555555",
                "clientId": "66666666-2222-3333-4444-555555555555",
                "tenantId": emu.tenant_id,
            },
        },
    )
    c = pclient(sdk, emu)
    a = await assign(
        c,
        sub_scope(emu),
        "fix-admin-uai",
        ADMIN_MODIFY,
        identity={"type": "UserAssigned", "userAssignedIdentities": {mi_id: {}}},
        location="eastus",
    )
    assert a.identity.type == "UserAssigned"
    assert a.identity.user_assigned_identities[mi_id].principal_id == "11111111-2222-3333-4444-555555555555"
    err = await error_of(
        assign(
            c,
            sub_scope(emu),
            "uai-missing",
            ADMIN_MODIFY,
            identity={"type": "UserAssigned", "userAssignedIdentities": {mi_id + "x": {}}},
            location="eastus",
        )
    )
    assert err["code"] == "InvalidUserAssignedIdentity"


async def test_reader_can_list_but_not_assign(emu: Emulator, sdk: Any) -> None:
    await assign(pclient(sdk, emu), sub_scope(emu), "visible", ADMIN_AUDIT)
    r = pclient(sdk, emu, "reader")
    assert [x.name for x in await all_of(r.policy_assignments.list())] == ["visible"]
    err = await error_of(assign(r, sub_scope(emu), "nope", ADMIN_AUDIT))
    assert err["code"] == "AuthorizationFailed"


# ---------------------------------------------------------------- deny


async def test_deny_blocks_noncompliant_registry_writes(emu: Emulator, sdk: Any) -> None:
    c = pclient(sdk, emu)
    a = await assign(
        c,
        rg_scope(emu),
        "deny-public",
        PUBLIC_ACCESS,
        displayName="Deny public ACR",
        parameters={"effect": {"value": "Deny"}},
    )
    acr = sdk(ContainerRegistryManagementClient, emu)
    err = await error_of(
        acr.registries.begin_create(RG, "acrdenied1", {"location": "eastus", "sku": {"name": "Premium"}})
    )
    assert err["code"] == "RequestDisallowedByPolicy"
    assert err["message"].startswith("Resource 'acrdenied1' was disallowed by policy. Policy identifiers: '[")
    idents = json.loads(err["message"].split("Policy identifiers: '", 1)[1].rsplit("'", 1)[0])
    assert (
        idents[0]["policyAssignment"]["id"] == a.id and idents[0]["policyDefinition"]["id"] == PUBLIC_ACCESS
    )
    info = err["additionalInfo"][0]
    assert info["type"] == "PolicyViolation"
    i = info["info"]
    assert (
        i["policyDefinitionEffect"] == "deny"
        and i["policyAssignmentId"] == a.id
        and i["policyDefinitionId"] == PUBLIC_ACCESS
    )
    assert (
        i["policyAssignmentName"] == "deny-public" and i["policyAssignmentDisplayName"] == "Deny public ACR"
    )
    assert i["policyAssignmentScope"] == rg_scope(emu) and i["policyAssignmentParameters"] == {
        "effect": {"value": "Deny"}
    }
    assert (
        i["policyDefinitionName"] == "0fdf0491-d080-4575-b627-ad0e843cba0f" and i["policyExemptionIds"] == []
    )
    exprs = i["evaluationDetails"]["evaluatedExpressions"]
    assert any(
        e["path"] == "properties.publicNetworkAccess"
        and e["expressionValue"] == "Enabled"
        and e["result"] == "True"
        for e in exprs
    )
    assert emu.state.find_name("Microsoft.ContainerRegistry/registries", "acrdenied1") is None
    # a compliant body is allowed; making it non-compliant by PATCH is refused
    ok = await (
        await acr.registries.begin_create(
            RG,
            "acrprivate1",
            {
                "location": "eastus",
                "sku": {"name": "Premium"},
                "properties": {"publicNetworkAccess": "Disabled"},
            },
        )
    ).result()
    assert ok.public_network_access == "Disabled"
    err = await error_of(
        acr.registries.begin_update(RG, "acrprivate1", {"properties": {"publicNetworkAccess": "Enabled"}})
    )
    assert err["code"] == "RequestDisallowedByPolicy"
    assert (await acr.registries.get(RG, "acrprivate1")).public_network_access == "Disabled"


async def test_deny_honours_enforcement_mode_not_scopes_scope_and_messages(emu: Emulator, sdk: Any) -> None:
    add_group(emu.state, emu.subscription_id, "rg-excluded", "eastus")
    add_group(emu.state, emu.subscription_id, "rg-third", "eastus")
    c = pclient(sdk, emu)
    deny = {"parameters": {"effect": {"value": "Deny"}}}
    await assign(
        c,
        sub_scope(emu),
        "deny-admin",
        ADMIN_AUDIT,
        notScopes=[rg_scope(emu, "rg-excluded")],
        nonComplianceMessages=[{"message": "No admin user, please."}],
        **deny,
    )
    await assign(
        c, rg_scope(emu, "rg-third"), "deny-public-dne", PUBLIC_ACCESS, enforcementMode="DoNotEnforce", **deny
    )
    acr = sdk(ContainerRegistryManagementClient, emu)
    body = {"location": "eastus", "sku": {"name": "Basic"}, "properties": {"adminUserEnabled": True}}
    err = await error_of(acr.registries.begin_create(RG, "acradmin1", body))
    assert err["code"] == "RequestDisallowedByPolicy"
    assert (
        err["message"]
        == "Resource 'acradmin1' was disallowed by policy. Reasons: 'No admin user, please.'. See error details for policy resource IDs."
    )
    assert (
        await (await acr.registries.begin_create("rg-excluded", "acradmin2", body)).result()
    ).admin_user_enabled is True
    # DoNotEnforce: the public-access Deny in rg-third does not block (the admin Deny still applies there)
    plain = {"location": "eastus", "sku": {"name": "Basic"}}
    assert (
        await (await acr.registries.begin_create("rg-third", "acrpublic3", plain)).result()
    ).public_network_access == "Enabled"
    # Audit never blocks
    await assign(c, sub_scope(emu), "audit-public", PUBLIC_ACCESS)
    assert (await (await acr.registries.begin_create(RG, "acrpublic4", plain)).result()).name == "acrpublic4"
    await c.policy_assignments.delete(sub_scope(emu), "deny-admin")
    assert (
        await (await acr.registries.begin_create(RG, "acradmin5", body)).result()
    ).admin_user_enabled is True
