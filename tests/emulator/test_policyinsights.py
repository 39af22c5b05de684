"""Microsoft.PolicyInsights in the emulator (real azure-mgmt-policyinsights async client): policy states computed
live from assignments and registries, summaries, on-demand scans, and remediations that change resources."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
from azure.mgmt.policyinsights import models as im
from azure.mgmt.policyinsights.aio import PolicyInsightsClient
from azure.mgmt.resource.policy.aio import PolicyClient

from acrtui.emulator import Emulator
from acrtui.emulator.seeds import add_group

from .fidelity import assert_roundtrip

RG = "rg-empty"
BUILTIN = "/providers/Microsoft.Authorization/policyDefinitions/"
PUBLIC_ACCESS = BUILTIN + "0fdf0491-d080-4575-b627-ad0e843cba0f"
PUBLIC_MODIFY = BUILTIN + "a3701552-92ea-433e-9d17-33b7f1208fc9"
ADMIN_AUDIT = BUILTIN + "dc921057-6b28-4fbe-9b83-f7bec05db6c2"
ADMIN_MODIFY = BUILTIN + "79fdfe03-ffcb-4e55-b4d0-b925b8241759"
PE_DINE = BUILTIN + "d85c6833-7d33-4cf5-a915-aaa2de84405f"
RTYPE = "Microsoft.ContainerRegistry/registries"


def sub_scope(emu: Emulator) -> str:
    return f"/subscriptions/{emu.subscription_id}"


def rg_scope(emu: Emulator, rg: str = RG) -> str:
    return f"{sub_scope(emu)}/resourceGroups/{rg}"


async def assign(sdk: Any, emu: Emulator, scope: str, name: str, definition: str, **props: Any) -> Any:
    top: dict[str, Any] = {k: props.pop(k) for k in ("identity", "location") if k in props}
    return await sdk(PolicyClient, emu).policy_assignments.create(
        scope, name, {"properties": {"policyDefinitionId": definition, **props}, **top}
    )


async def registry(sdk: Any, emu: Emulator, name: str, sku: str = "Basic", rg: str = RG, **props: Any) -> Any:
    acr = sdk(ContainerRegistryManagementClient, emu)
    return await (
        await acr.registries.begin_create(
            rg, name, {"location": "eastus", "sku": {"name": sku}, "properties": props}
        )
    ).result()


async def all_of(pager: Any) -> list[Any]:
    return [x async for x in pager]


def nc() -> im.QueryOptions:
    return im.QueryOptions(filter="complianceState eq 'NonCompliant'")


async def error_of(coro: Any) -> dict[str, Any]:
    with pytest.raises(HttpResponseError) as ei:
        await coro
    resp: Any = ei.value.response
    return json.loads(resp.text())["error"]  # type: ignore[no-any-return]


async def fleet(sdk: Any, emu: Emulator) -> None:
    """Two registries with the admin user on (one Premium private), one clean public Basic one."""
    await registry(sdk, emu, "acradmin1", adminUserEnabled=True)
    await registry(sdk, emu, "acradmin2", "Premium", adminUserEnabled=True, publicNetworkAccess="Disabled")
    await registry(sdk, emu, "acrclean3")


# ---------------------------------------------------------------- policy states


async def test_states_report_noncompliant_registries_paged_with_fidelity(emu: Emulator, sdk: Any) -> None:
    await fleet(sdk, emu)
    a_admin = await assign(sdk, emu, sub_scope(emu), "audit-admin", ADMIN_AUDIT)
    a_pub = await assign(sdk, emu, rg_scope(emu), "audit-public", PUBLIC_ACCESS)
    await assign(
        sdk, emu, sub_scope(emu), "admin-off", ADMIN_AUDIT, parameters={"effect": {"value": "Disabled"}}
    )
    pi = sdk(PolicyInsightsClient, emu)
    states = await all_of(pi.policy_states.list_query_results_for_subscription("latest", emu.subscription_id))
    assert len(states) == 6  # 3 registries x 2 enabled assignments (Disabled is not evaluated); 3 pages
    by = {(s.resource_id.rsplit("/", 1)[-1], s.policy_assignment_id): s for s in states}
    assert (
        by[("acradmin1", a_admin.id)].compliance_state == "NonCompliant"
        and by[("acradmin1", a_admin.id)].is_compliant is False
    )
    assert by[("acrclean3", a_admin.id)].compliance_state == "Compliant"
    assert by[("acradmin2", a_pub.id)].compliance_state == "Compliant"
    assert by[("acrclean3", a_pub.id)].compliance_state == "NonCompliant"
    s = by[("acradmin1", a_admin.id)]
    assert s.resource_type == RTYPE and s.resource_location == "eastus" and s.resource_group == RG
    assert s.subscription_id == emu.subscription_id and s.policy_definition_action == "audit"
    assert (
        s.policy_definition_id == ADMIN_AUDIT
        and s.policy_assignment_scope == sub_scope(emu)
        and s.timestamp is not None
    )
    bad = await all_of(
        pi.policy_states.list_query_results_for_subscription("latest", emu.subscription_id, nc())
    )
    assert sorted((x.resource_id.rsplit("/", 1)[-1], x.policy_assignment_name) for x in bad) == [
        ("acradmin1", "audit-admin"),
        ("acradmin1", "audit-public"),
        ("acradmin2", "audit-admin"),
        ("acrclean3", "audit-public"),
    ]
    top = await all_of(
        pi.policy_states.list_query_results_for_subscription(
            "latest", emu.subscription_id, im.QueryOptions(top=3)
        )
    )
    assert len(top) == 3
    raw = await pi._send_request(
        HttpRequest(
            "POST",
            f"{sub_scope(emu)}/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults?api-version=2019-10-01&$top=1",
        )
    )
    body = raw.json()
    assert_roundtrip(im.PolicyStatesQueryResults, body)
    assert_roundtrip(im.PolicyState, body["value"][0])
    assert "@odata.nextLink" not in body
    first = (await pi._send_request(HttpRequest(
        "POST", f"{sub_scope(emu)}/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults?api-version=2019-10-01",
    ))).json()  # Azure's shapes: OData paging link, group names on every state
    assert "skiptoken=2" in first["@odata.nextLink"] and all(s["policyDefinitionGroupNames"] == [] for s in first["value"])


async def test_states_by_group_resource_and_assignment(emu: Emulator, sdk: Any) -> None:
    add_group(emu.state, emu.subscription_id, "rg-two", "eastus")
    await fleet(sdk, emu)
    other = await registry(sdk, emu, "acrother4", rg="rg-two", adminUserEnabled=True)
    await assign(
        sdk,
        emu,
        sub_scope(emu),
        "audit-admin",
        ADMIN_AUDIT,
        notScopes=[f"{rg_scope(emu)}/providers/{RTYPE}/acradmin2"],
    )
    await assign(sdk, emu, rg_scope(emu, "rg-two"), "audit-public", PUBLIC_ACCESS)
    pi = sdk(PolicyInsightsClient, emu)
    in_rg = await all_of(
        pi.policy_states.list_query_results_for_resource_group("latest", emu.subscription_id, "rg-two")
    )
    assert {(x.resource_id.rsplit("/", 1)[-1], x.policy_assignment_name) for x in in_rg} == {
        ("acrother4", "audit-admin"),
        ("acrother4", "audit-public"),
    }
    one = await all_of(pi.policy_states.list_query_results_for_resource("latest", other.id))
    assert len(one) == 2 and all(x.compliance_state == "NonCompliant" for x in one)
    per_a = await all_of(
        pi.policy_states.list_query_results_for_subscription_level_policy_assignment(
            "latest", emu.subscription_id, "audit-admin"
        )
    )
    assert {x.resource_id.rsplit("/", 1)[-1] for x in per_a} == {
        "acradmin1",
        "acrclean3",
        "acrother4",
    }  # notScopes excludes acradmin2
    with pytest.raises(HttpResponseError):
        await all_of(
            pi.policy_states.list_query_results_for_subscription(
                "latest", emu.subscription_id, im.QueryOptions(filter="complianceState gt 1")
            )
        )


async def test_reader_may_query_but_not_scan_or_remediate(emu: Emulator, sdk: Any) -> None:
    await fleet(sdk, emu)
    await assign(sdk, emu, sub_scope(emu), "audit-admin", ADMIN_AUDIT)
    r = sdk(PolicyInsightsClient, emu, "reader")
    assert (
        len(await all_of(r.policy_states.list_query_results_for_subscription("latest", emu.subscription_id)))
        == 3
    )
    summary = await r.policy_states.summarize_for_subscription("latest", emu.subscription_id)
    assert summary.value[0].results.non_compliant_resources == 2
    assert (await error_of(r.policy_states.begin_trigger_subscription_evaluation(emu.subscription_id)))[
        "code"
    ] == "AuthorizationFailed"
    body = {
        "properties": {
            "policyAssignmentId": f"{sub_scope(emu)}/providers/Microsoft.Authorization/policyAssignments/audit-admin"
        }
    }
    assert (await error_of(r.remediations.create_or_update_at_subscription("rem", body)))[
        "code"
    ] == "AuthorizationFailed"


async def test_summarize_counts(emu: Emulator, sdk: Any) -> None:
    await fleet(sdk, emu)
    a_admin = await assign(sdk, emu, sub_scope(emu), "audit-admin", ADMIN_AUDIT)
    a_pub = await assign(sdk, emu, sub_scope(emu), "audit-public", PUBLIC_ACCESS)
    pi = sdk(PolicyInsightsClient, emu)
    res = await pi.policy_states.summarize_for_subscription("latest", emu.subscription_id)
    s = res.value[0]
    assert s.results.non_compliant_resources == 3  # every registry fails at least one
    assert s.results.non_compliant_policies == 2
    assert {d.compliance_state: d.count for d in s.results.resource_details} == {
        "compliant": 0,
        "noncompliant": 3,
    }
    per = {p.policy_assignment_id: p for p in s.policy_assignments}
    assert (
        per[a_admin.id].results.non_compliant_resources == 2
        and per[a_pub.id].results.non_compliant_resources == 2
    )
    assert per[a_admin.id].policy_definitions[0].policy_definition_id == ADMIN_AUDIT
    assert per[a_admin.id].policy_definitions[0].effect == "audit"
    rg = await pi.policy_states.summarize_for_resource_group(
        "latest", emu.subscription_id, RG, im.QueryOptions(top=1)
    )
    assert len(rg.value[0].policy_assignments) == 1
    raw = await pi._send_request(
        HttpRequest(
            "POST",
            f"{sub_scope(emu)}/providers/Microsoft.PolicyInsights/policyStates/latest/summarize?api-version=2019-10-01",
        )
    )
    assert_roundtrip(im.SummarizeResults, raw.json())


async def test_trigger_evaluation_is_an_lro_with_location(emu: Emulator, sdk: Any) -> None:
    pi = sdk(PolicyInsightsClient, emu)
    since = emu.last_seq
    poller = await pi.policy_states.begin_trigger_subscription_evaluation(emu.subscription_id)
    assert await poller.result() is None
    log = [r for r in emu.request_log if r.seq > since and r.kind == "arm"]
    assert log[0].method == "POST" and log[0].status == 202 and log[0].path.endswith("/triggerEvaluation")
    assert any("/operationResults/" in r.path for r in log[1:])
    await (await pi.policy_states.begin_trigger_resource_group_evaluation(emu.subscription_id, RG)).result()
    with pytest.raises(ResourceNotFoundError):
        await (
            await pi.policy_states.begin_trigger_resource_group_evaluation(emu.subscription_id, "rg-missing")
        ).result()


# ---------------------------------------------------------------- remediations


async def test_modify_remediation_changes_registries(emu: Emulator, sdk: Any) -> None:
    await fleet(sdk, emu)
    a = await assign(
        sdk,
        emu,
        sub_scope(emu),
        "fix-admin",
        ADMIN_MODIFY,
        identity={"type": "SystemAssigned"},
        location="eastus",
    )
    pi = sdk(PolicyInsightsClient, emu)
    before = await all_of(
        pi.policy_states.list_query_results_for_subscription("latest", emu.subscription_id, nc())
    )
    assert {x.resource_id.rsplit("/", 1)[-1] for x in before} == {"acradmin1", "acradmin2"}
    assert before[0].policy_definition_action == "modify"
    rem = await pi.remediations.create_or_update_at_subscription(
        "fix-admin-now", {"properties": {"policyAssignmentId": a.id}}
    )
    assert rem.provisioning_state == "Accepted" and rem.deployment_status.total_deployments == 0
    done = await pi.remediations.get_at_subscription("fix-admin-now")
    assert done.provisioning_state == "Succeeded"
    assert (
        done.deployment_status.total_deployments,
        done.deployment_status.successful_deployments,
        done.deployment_status.failed_deployments,
    ) == (2, 2, 0)
    acr = sdk(ContainerRegistryManagementClient, emu)
    assert (await acr.registries.get(RG, "acradmin1")).admin_user_enabled is False
    assert (await acr.registries.get(RG, "acradmin2")).admin_user_enabled is False
    assert (
        await all_of(
            pi.policy_states.list_query_results_for_subscription("latest", emu.subscription_id, nc())
        )
        == []
    )
    deps = await all_of(
        pi.remediations.list_deployments_at_subscription("fix-admin-now")
    )  # 2 items, page size 2
    assert {d.remediated_resource_id.rsplit("/", 1)[-1] for d in deps} == {"acradmin1", "acradmin2"} and all(
        d.status == "Succeeded" for d in deps
    )
    assert_roundtrip(im.Remediation, emu.state.get(done.id).body)  # type: ignore[union-attr]
    assert [x.name for x in await all_of(pi.remediations.list_for_subscription())] == ["fix-admin-now"]
    again = await pi.remediations.create_or_update_at_subscription(
        "fix-admin-now", {"properties": {"policyAssignmentId": a.id}}
    )
    assert again.provisioning_state == "Succeeded"
    assert (await error_of(pi.remediations.cancel_at_subscription("fix-admin-now")))[
        "code"
    ] == "RemediationNotCancellable"
    gone = await pi.remediations.delete_at_subscription("fix-admin-now")
    assert gone is not None and gone.name == "fix-admin-now"
    with pytest.raises(ResourceNotFoundError):
        await pi.remediations.get_at_subscription("fix-admin-now")


async def test_modify_remediation_records_failures(emu: Emulator, sdk: Any) -> None:
    await registry(
        sdk, emu, "acrbasic1"
    )  # public, Basic: Azure refuses to disable public access below Premium
    await registry(sdk, emu, "acrprem2", "Premium")
    a = await assign(
        sdk,
        emu,
        rg_scope(emu),
        "fix-public",
        PUBLIC_MODIFY,
        identity={"type": "SystemAssigned"},
        location="eastus",
    )
    pi = sdk(PolicyInsightsClient, emu)
    await pi.remediations.create_or_update_at_resource_group(
        RG, "fix-public-now", {"properties": {"policyAssignmentId": a.id}}
    )
    done = await pi.remediations.get_at_resource_group(RG, "fix-public-now")
    assert done.provisioning_state == "Failed"
    assert (done.deployment_status.total_deployments, done.deployment_status.failed_deployments) == (2, 1)
    deps = {
        d.remediated_resource_id.rsplit("/", 1)[-1]: d
        for d in await all_of(pi.remediations.list_deployments_at_resource_group(RG, "fix-public-now"))
    }
    assert (
        deps["acrbasic1"].status == "Failed"
        and deps["acrbasic1"].error.code == "DisablingPublicNetworkAccessNotSupported"
    )
    assert deps["acrprem2"].status == "Succeeded"
    acr = sdk(ContainerRegistryManagementClient, emu)
    assert (await acr.registries.get(RG, "acrprem2")).public_network_access == "Disabled"
    assert (await acr.registries.get(RG, "acrbasic1")).public_network_access == "Enabled"
    assert [x.name for x in await all_of(pi.remediations.list_for_resource_group(RG))] == ["fix-public-now"]


async def test_remediation_scope_limits_and_locations(emu: Emulator, sdk: Any) -> None:
    add_group(emu.state, emu.subscription_id, "rg-two", "eastus")
    await registry(sdk, emu, "acradmin1", adminUserEnabled=True)
    await registry(sdk, emu, "acradmin2", rg="rg-two", adminUserEnabled=True)
    a = await assign(
        sdk,
        emu,
        sub_scope(emu),
        "fix-admin",
        ADMIN_MODIFY,
        identity={"type": "SystemAssigned"},
        location="eastus",
    )
    pi = sdk(PolicyInsightsClient, emu)
    await pi.remediations.create_or_update_at_subscription(
        "elsewhere", {"properties": {"policyAssignmentId": a.id, "filters": {"locations": ["westus"]}}}
    )
    assert (await pi.remediations.get_at_subscription("elsewhere")).deployment_status.total_deployments == 0
    await pi.remediations.create_or_update_at_resource_group(
        "rg-two", "only-two", {"properties": {"policyAssignmentId": a.id}}
    )
    assert (
        await pi.remediations.get_at_resource_group("rg-two", "only-two")
    ).deployment_status.total_deployments == 1
    acr = sdk(ContainerRegistryManagementClient, emu)
    assert (await acr.registries.get("rg-two", "acradmin2")).admin_user_enabled is False
    assert (await acr.registries.get(RG, "acradmin1")).admin_user_enabled is True


async def test_dine_states_and_remediation_failure_reason(emu: Emulator, sdk: Any) -> None:
    await registry(sdk, emu, "acrpremium1", "Premium")
    await registry(sdk, emu, "acrbasic2")
    subnet = f"{rg_scope(emu)}/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/missing"
    a = await assign(
        sdk,
        emu,
        sub_scope(emu),
        "pe-dine",
        PE_DINE,
        identity={"type": "SystemAssigned"},
        location="eastus",
        parameters={"privateEndpointSubnetId": {"value": subnet}},
    )
    pi = sdk(PolicyInsightsClient, emu)
    states = {
        s.resource_id.rsplit("/", 1)[-1]: s
        for s in await all_of(
            pi.policy_states.list_query_results_for_subscription("latest", emu.subscription_id)
        )
    }
    assert (
        states["acrpremium1"].compliance_state == "NonCompliant"
        and states["acrpremium1"].policy_definition_action == "deployifnotexists"
    )
    assert states["acrbasic2"].compliance_state == "Compliant"  # the rule targets Premium registries only
    # an approved private endpoint connection embedded in the registry makes it compliant
    reg = emu.state.find_name(RTYPE, "acrpremium1")
    assert reg is not None
    reg.props["privateEndpointConnections"] = [
        {
            "id": reg.id + "/privateEndpointConnections/pe1",
            "name": "pe1",
            "properties": {"privateLinkServiceConnectionState": {"status": "Approved"}},
        }
    ]
    after = await all_of(pi.policy_states.list_query_results_for_resource("latest", reg.id))
    assert after[0].compliance_state == "Compliant"
    reg.props["privateEndpointConnections"] = []
    await pi.remediations.create_or_update_at_subscription(
        "deploy-pe", {"properties": {"policyAssignmentId": a.id}}
    )
    done = await pi.remediations.get_at_subscription("deploy-pe")
    assert done.provisioning_state == "Failed" and done.deployment_status.failed_deployments == 1
    dep = (await all_of(pi.remediations.list_deployments_at_subscription("deploy-pe")))[0]
    assert (
        dep.status == "Failed"
        and dep.error.code == "DeploymentFailed"
        and "missing" in dep.error.message
        and dep.deployment_id
    )


async def test_remediation_rules(emu: Emulator, sdk: Any) -> None:
    audit = await assign(sdk, emu, sub_scope(emu), "audit-admin", ADMIN_AUDIT)
    pi = sdk(PolicyInsightsClient, emu)
    err = await error_of(
        pi.remediations.create_or_update_at_subscription(
            "r1", {"properties": {"policyAssignmentId": audit.id}}
        )
    )
    assert err["code"] == "InvalidRemediationPolicyEffect"
    err = await error_of(
        pi.remediations.create_or_update_at_subscription(
            "r2", {"properties": {"policyAssignmentId": audit.id + "x"}}
        )
    )
    assert err["code"] == "PolicyAssignmentNotFound"
    add_group(emu.state, emu.subscription_id, "rg-two", "eastus")
    fix = await assign(
        sdk,
        emu,
        rg_scope(emu),
        "fix-admin",
        ADMIN_MODIFY,
        identity={"type": "SystemAssigned"},
        location="eastus",
    )
    err = await error_of(
        pi.remediations.create_or_update_at_resource_group(
            "rg-two", "r3", {"properties": {"policyAssignmentId": fix.id}}
        )
    )
    assert err["code"] == "InvalidRemediationScope"
    with pytest.raises(ResourceNotFoundError):
        await pi.remediations.get_at_subscription("never")


async def test_dns_zone_dine_evaluates_private_endpoints(emu: Emulator, sdk: Any) -> None:
    """The DNS DINE targets private endpoints of group 'registry'; a zone group child makes them compliant."""
    zone = f"{rg_scope(emu)}/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"
    dns_dine = BUILTIN + "e9585a95-5b8c-4d03-b193-dc7eb5ac4c32"
    await assign(
        sdk,
        emu,
        sub_scope(emu),
        "dns-dine",
        dns_dine,
        identity={"type": "SystemAssigned"},
        location="eastus",
        parameters={"privateDnsZoneId": {"value": zone}},
    )
    pes: dict[str, Any] = {}
    for name, group in (("pe-acr", "registry"), ("pe-kv", "vault")):
        pid = f"{rg_scope(emu)}/providers/Microsoft.Network/privateEndpoints/{name}"
        conn = {"name": name, "properties": {"privateLinkServiceId": "x", "groupIds": [group]}}
        pes[name] = emu.state.put(
            pid,
            {
                "id": pid,
                "name": name,
                "type": "Microsoft.Network/privateEndpoints",
                "location": "eastus",
                "properties": {"privateLinkServiceConnections": [conn]},
            },
        )
    pi = sdk(PolicyInsightsClient, emu)
    states = await all_of(pi.policy_states.list_query_results_for_subscription("latest", emu.subscription_id))
    assert [(s.resource_id.rsplit("/", 1)[-1], s.compliance_state) for s in states] == [
        ("pe-acr", "NonCompliant"),
        ("pe-kv", "Compliant"),  # applicable by type; its connection is not for a registry
    ]
    zg = pes["pe-acr"].id + "/privateDnsZoneGroups/deployedByPolicy"
    emu.state.put(
        zg,
        {
            "id": zg,
            "name": "deployedByPolicy",
            "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            "properties": {"privateDnsZoneConfigs": []},
        },
    )
    states = await all_of(pi.policy_states.list_query_results_for_subscription("latest", emu.subscription_id))
    assert [(s.resource_id.rsplit("/", 1)[-1], s.compliance_state) for s in states] == [
        ("pe-acr", "Compliant"),
        ("pe-kv", "Compliant"),
    ]
