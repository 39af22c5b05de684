"""Inventory against the demo estate: every read field, cross-checked with the emulator's own state."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from acrtui.azure.inventory import Inventory
from acrtui.domain.models import Estate
from acrtui.emulator import Emulator, EmulatorConfig, EmulatorThread

from .conftest import make_session

CMK = "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580"
ADMIN = "dc921057-6b28-4fbe-9b83-f7bec05db6c2"


@pytest.fixture(scope="module")
def demo() -> Iterator[Emulator]:
    """One demo emulator for the whole module: these tests only read."""
    with EmulatorThread("demo", config=EmulatorConfig(page_size=3)) as emu:
        yield emu


@pytest.fixture(scope="module")
def estate(demo: Emulator) -> Estate:
    async def load() -> Estate:
        s = make_session(demo, "reader", read_only=True)
        try:
            return await Inventory(s).load()
        finally:
            await s.close()

    return asyncio.run(load())


def body(emu: Emulator, rid: str) -> dict[str, Any]:
    res = emu.state.get(rid)
    assert res is not None, rid
    return res.body


def test_subscriptions(estate: Estate, demo: Emulator) -> None:
    assert sorted(estate.subscriptions.values()) == ["contoso-production", "contoso-sandbox", "contoso-staging"]
    assert set(estate.subscriptions) == set(demo.subscription_ids)
    assert estate.errors == []
    assert estate.observed_at is not None


def test_every_registry_matches_emulator_state(estate: Estate, demo: Emulator) -> None:
    regs = demo.state.of_type("Microsoft.ContainerRegistry/registries")
    assert sorted(r.name for r in estate.registries) == sorted(r.body["name"] for r in regs)
    for reg in estate.registries:
        b = body(demo, reg.id)
        p = b["properties"]
        assert reg.sku == b["sku"]["name"] and reg.location == b["location"]
        assert reg.login_server == p["loginServer"] and reg.provisioning_state == p["provisioningState"]
        assert reg.public_network_access == p["publicNetworkAccess"]
        assert reg.default_action == p["networkRuleSet"]["defaultAction"]
        assert [r.value for r in reg.ip_rules] == [r["value"] for r in p["networkRuleSet"]["ipRules"]]
        assert reg.network_rule_bypass == p["networkRuleBypassOptions"]
        assert reg.data_endpoint_enabled == p["dataEndpointEnabled"]
        assert reg.data_endpoint_host_names == p["dataEndpointHostNames"]
        assert reg.admin_user_enabled == p["adminUserEnabled"]
        assert reg.anonymous_pull_enabled == p["anonymousPullEnabled"]
        assert reg.export_policy_enabled == (p["policies"]["exportPolicy"]["status"] == "enabled")
        assert reg.arm_audience_token_enabled == (p["policies"]["azureADAuthenticationAsArmPolicy"]["status"] == "enabled")
        assert reg.trust_policy_enabled == (p["policies"]["trustPolicy"]["status"] == "enabled")
        assert reg.zone_redundancy == p["zoneRedundancy"]
        assert reg.encryption.enabled == (p["encryption"]["status"] == "enabled")
        assert reg.tags == b["tags"]
        assert len(reg.private_endpoint_connections) == len(p["privateEndpointConnections"])
        replicas = [r.body["location"] for r in demo.state.of_type("Microsoft.ContainerRegistry/registries/replications", reg.id)]
        assert sorted(r.location for r in reg.replicas) == sorted(x for x in replicas if x != reg.location)
        assert reg.repository_count is None  # not in ARM (data plane only)


def test_target_registry(estate: Estate) -> None:
    r = estate.registry("contosoprodacr")
    assert r is not None
    assert r.premium and r.regions == ["eastus", "westeurope"]
    assert r.replicas[0].provisioning_state == "Succeeded" and r.replicas[0].name == "westeurope"
    assert r.replicas[0].zone_redundancy == "Disabled"
    assert r.resource_group == "rg-registry-prod" and r.subscription_id == r.id.split("/")[2]
    assert r.public_network_access == "Disabled" and not r.export_policy_enabled
    assert r.arm_audience_token_enabled is False
    assert r.data_endpoint_enabled  # a private endpoint turns data endpoints on
    assert sorted(r.data_endpoint_host_names) == sorted(r.expected_data_host_names())
    e = r.encryption
    assert e.enabled and e.versionless and e.vault_name == "kv-contoso-prod-cmk" and e.key_name == "acr-cmk"
    assert e.key_rotation_enabled is True and e.last_key_rotation is not None
    assert e.versioned_key_identifier and e.versioned_key_identifier.startswith(e.key_identifier + "/")
    uid = r.identity.user_assigned[0]
    assert uid.resource_id.endswith("/id-acr-prod") and uid.principal_id and uid.client_id == e.identity_client_id
    assert r.identity.system_principal_id is None
    (conn,) = r.private_endpoint_connections
    assert conn.status == "Approved" and conn.private_endpoint_id and conn.private_endpoint_id.endswith("/pe-contosoprodacr")
    assert conn.provisioning_state == "Succeeded" and conn.description


def test_other_registries(estate: Estate) -> None:
    pinned = estate.registry("contosoprodpinned")
    assert pinned and pinned.encryption.key_version is not None and pinned.encryption.key_rotation_enabled is False
    assert pinned.default_action == "Deny" and [i.value for i in pinned.ip_rules] == ["203.0.113.0/24", "198.51.100.17"]
    assert pinned.pending_connections and not pinned.approved_connections
    std = estate.registry("sandboxstd")
    assert std and std.sku == "Standard" and std.admin_user_enabled and std.anonymous_pull_enabled
    prem = estate.registry("sandboxpremium")
    assert prem and prem.identity.system_principal_id and not prem.identity.user_assigned
    basic = estate.registry("sandboxbasic")
    assert basic and basic.sku == "Basic" and not basic.encryption.enabled and basic.replicas == []
    stg = estate.registry("contosostgacr")
    assert stg and stg.regions == ["westeurope", "northeurope"]


def test_vaults(estate: Estate, demo: Emulator) -> None:
    assert sorted(v.name for v in estate.vaults) == ["kv-contoso-ledger", "kv-contoso-legacy", "kv-contoso-prod-cmk"]
    main = next(v for v in estate.vaults if v.name == "kv-contoso-prod-cmk")
    assert main.readable and main.soft_delete and main.purge_protection and not main.rbac_authorization
    assert main.vault_uri.startswith("https://kv-contoso-prod-cmk.") and main.location == "eastus"
    assert main.network_default_action == "Deny" and main.network_bypass == "AzureServices"  # firewalled (issue 10)
    assert main.public_network_access == "Enabled" and main.resource_group == "rg-security-prod"
    assert main.subscription_id == main.id.split("/")[2]
    assert main.audit_logging and main.diagnostic_settings[0].workspace_id
    assert main.diagnostic_settings[0].categories == ["AuditEvent"]  # the disabled category is not listed
    key = main.key("acr-cmk")
    assert key and key.kty == "RSA" and key.key_size == 3072 and key.enabled is True and key.expires is None
    assert key.key_id == "https://kv-contoso-prod-cmk.vault.azure.net:443/keys/acr-cmk"  # keyUri as ARM writes it
    reg = estate.registry("contosoprodacr")
    assert reg and reg.identity.user_assigned[0].principal_id in main.key_users
    ledger = next(v for v in estate.vaults if v.name == "kv-contoso-ledger")
    assert not ledger.purge_protection and not ledger.audit_logging
    lk = ledger.key("ledger-cmk")
    pinned = estate.registry("contosoprodpinned")
    assert lk and pinned and lk.newest_version and lk.newest_version != pinned.encryption.key_version  # vault moved on
    assert lk.newest_version_created is not None
    legacy = next(v for v in estate.vaults if v.name == "kv-contoso-legacy")
    lost = estate.registry("contosoprodlost")
    assert lost and lost.identity.user_assigned[0].principal_id not in legacy.key_users  # access was removed


def test_private_endpoints_and_dns(estate: Estate) -> None:
    good = next(p for p in estate.private_endpoints if p.name == "pe-contosoprodacr")
    reg = estate.registry("contosoprodacr")
    assert reg and good.registry_id == reg.id and good.connection_status == "Approved"
    assert good.subnet_id and good.subnet_id.endswith("/subnets/snet-pe") and good.vnet_id and good.zone_linked_to_vnet
    assert set(good.nic_ips) == {"registry", "registry_data_eastus", "registry_data_westeurope"}
    assert good.dns_zone_group == "default" and good.dns_zone_ids[0].endswith("/privatelink.azurecr.io")
    assert [c.fqdn for c in good.records] == [reg.login_server, *reg.expected_data_host_names()]
    assert all(c.ok and c.zone == "privatelink.azurecr.io" for c in good.records)

    stg = next(p for p in estate.private_endpoints if p.name == "pe-contosostgacr")
    missing = [c for c in stg.records if not c.ok]
    assert [c.fqdn for c in missing] == ["contosostgacr.northeurope.data.azurecr.io"]
    assert missing[0].expected_ip == stg.nic_ips["registry_data_northeurope"] and missing[0].record_ips == []

    pending = next(p for p in estate.private_endpoints if p.name == "pe-contosoprodpinned")
    assert pending.connection_status == "Pending" and pending.dns_zone_group is None
    assert pending.subnet_id and pending.subnet_id.endswith("snet-pe-small")
    assert not any(c.ok for c in pending.records)


def test_policy_assignments_and_compliance(estate: Estate) -> None:
    names = sorted(a.name for a in estate.assignments)
    assert names == ["audit-acr-cmk", "audit-acr-private-link", "audit-acr-public-access", "deny-acr-admin"]
    deny = next(a for a in estate.assignments if a.name == "deny-acr-admin")
    assert deny.effect == "Deny" and deny.enforcement_mode == "Default" and deny.definition_guid == ADMIN
    assert deny.scope.endswith("/resourceGroups/rg-registry-stg") and deny.display_name and deny.not_scopes == []
    std = estate.registry("contosostgstd")
    sbx = estate.registry("sandboxstd")
    assert std and sbx
    assert deny in estate.assignments_for(std) and deny not in estate.assignments_for(sbx)
    cmk = next(a for a in estate.assignments if a.definition_guid == CMK)
    assert cmk.effect == "Audit"
    states = {(c.resource_id.split("/")[-1], c.assignment_id.split("/")[-1]): c.compliance_state for c in estate.compliance}
    assert states[("contosostgstd", "deny-acr-admin")] == "NonCompliant"
    assert states[("contosoprodacr", "audit-acr-cmk")] == "Compliant"
    assert states[("contosoprodlost", "audit-acr-private-link")] == "NonCompliant"
    assert all(c.definition_id for c in estate.compliance)


async def test_progress_and_bounded_concurrency(demo: Emulator) -> None:
    seen: list[tuple[str, int, int]] = []
    s = make_session(demo, "reader", read_only=True, concurrency=3, per_subscription=2)
    try:
        est = await Inventory(s, progress=lambda st, d, t: seen.append((st, d, t))).load()
    finally:
        await s.close()
    assert len(est.registries) == 8
    assert s.limiter.peak <= 3 and s.limiter.peak >= 2  # concurrent, and bounded
    assert seen[-1][0] == "done" and seen[-1][1] == seen[-1][2] > 0
    assert {st for st, _, _ in seen} >= {"subscriptions", "registries", "key vaults", "private endpoints", "policy"}
    assert all(e.method == "GET" or e.is_write is False for e in s.journal)


async def test_subscription_choice_limits_the_load(demo: Emulator) -> None:
    prod = next(k for k, v in demo.state.subscriptions.items() if v["displayName"] == "contoso-production")
    s = make_session(demo, "reader", read_only=True, subscriptions=[prod])
    try:
        est = await Inventory(s).load()
    finally:
        await s.close()
    assert {r.subscription_id.lower() for r in est.registries} == {prod}
    assert sorted(r.name for r in est.registries) == ["contosoprodacr", "contosoprodlost", "contosoprodpinned"]


async def test_resource_graph_path_agrees_with_arm_path(demo: Emulator, estate: Estate) -> None:
    s = make_session(demo, "reader", read_only=True)
    inv = Inventory(s, use_resource_graph=True)
    inv.graph_page_size = 3  # follow $skipToken across pages
    since = demo.last_seq
    try:
        graph = await inv.load()
    finally:
        await s.close()
    strip = {"observed_at"}
    assert graph.model_dump(exclude=strip) == estate.model_dump(exclude=strip)
    posts = [r for r in demo.request_log if r.seq > since and r.method == "POST" and r.kind == "arm"]
    assert posts and all(r.path.lower().endswith(("/microsoft.resourcegraph/resources", "/queryresults",
                                                  "/getcallbackconfig")) for r in posts)  # webhook URIs (a read)
    graph_posts = [r for r in posts if "resourcegraph" in r.path.lower()]
    assert len(graph_posts) > 6  # more than one page per type somewhere: paging followed
    assert not any(r.path.lower().endswith("/providers/microsoft.containerregistry/registries") for r in demo.request_log
                   if r.seq > since and "preview" not in r.query)  # registries came from the graph, not the ARM list
    # (the preview-version list is the soft-delete read, acrtui/azure/registry_details.py)


async def test_partial_permissions_become_estate_errors(demo_emu: Emulator) -> None:
    """A reader of one resource group only: subscription-wide lists are refused; the load reports it and goes on."""
    from acrtui.emulator.seeds import grant

    st = demo_emu.state
    prod = next(v["subscriptionId"] for v in st.subscriptions.values() if v["displayName"] == "contoso-production")
    reader = demo_emu.login("reader").object_id
    for ra in st.of_type("Microsoft.Authorization/roleAssignments"):
        if ra.props["principalId"] == reader and ra.props["scope"].lower() == f"/subscriptions/{prod}":
            st.delete(ra.id)
    grant(st, f"/subscriptions/{prod}/resourceGroups/rg-registry-prod", "Reader", reader)
    s = make_session(demo_emu, "reader", read_only=True)
    try:
        est = await Inventory(s).load()
    finally:
        await s.close()
    assert prod in est.subscriptions
    assert {r.subscription_id for r in est.registries} == set(est.subscriptions) - {prod}  # the others still load
    refused = [e for e in est.errors if prod in e]
    assert any(e.startswith("registries in") and "Microsoft.ContainerRegistry/registries/read" in e for e in refused)
    assert any(e.startswith("key vaults in") for e in refused)


async def test_failing_service_beyond_retries_is_an_estate_error(demo_emu: Emulator) -> None:
    demo_emu.faults.add("503", path="diagnosticSettings")
    s = make_session(demo_emu, "reader", read_only=True)
    try:
        est = await Inventory(s).load()
    finally:
        await s.close()
    assert len(est.vaults) == 3 and all(v.diagnostic_settings == [] for v in est.vaults)
    assert sum(e.startswith("diagnostic settings of") for e in est.errors) == 3


async def test_read_gaps_say_what_they_hide_and_for_which_registries(demo_emu: Emulator) -> None:
    """A failed read is a structured gap: kind, scope, the inputs it hides, and exactly the registries that use it."""
    from acrtui.domain.models import CheckInput, GapKind

    demo_emu.faults.add("503", path="diagnosticSettings")
    demo_emu.faults.add("403", path="/providers/Microsoft.PolicyInsights/")
    s = make_session(demo_emu, "reader", read_only=True)
    try:
        est = await Inventory(s).load()
    finally:
        await s.close()
    diag = [g for g in est.gaps if g.what.startswith("diagnostic settings of")]
    assert diag and all(g.kind is GapKind.UNAVAILABLE and g.inputs == [CheckInput.VAULT_DIAGNOSTICS] for g in diag)
    for g in diag:  # the registries whose key lives in that vault, and no other
        users = {r.id for r in est.registries if r.encryption.vault_name and g.scope.lower().endswith(
            "/vaults/" + r.encryption.vault_name.lower())}
        assert set(g.registries or []) == users
    states = [g for g in est.gaps if g.what.startswith("policy states in")]
    assert len(states) == len(est.subscriptions)
    for g in states:  # a permission gap names the missing action and hides compliance of its subscription's registries
        assert g.kind is GapKind.PERMISSION and g.action and g.action.lower().startswith("microsoft.policyinsights/")
        sub = g.scope.rsplit("/", 1)[-1]
        assert set(g.registries or []) == {r.id for r in est.registries if r.subscription_id == sub}
    assert est.errors == [g.text for g in est.gaps]


async def test_a_key_that_does_not_exist_is_absent_not_a_gap(demo_emu: Emulator) -> None:
    """A 404 on a key asked for by name means there is no such key: the check fails on it, nothing is unknown."""
    reg = next(r for r in demo_emu.state.of_type("Microsoft.ContainerRegistry/registries")
               if r.body["name"] == "contosoprodacr")
    kvp = reg.body["properties"]["encryption"]["keyVaultProperties"]
    kvp["keyIdentifier"] = kvp["keyIdentifier"].rsplit("/keys/", 1)[0] + "/keys/no-such-key"
    s = make_session(demo_emu, "reader", read_only=True)
    try:
        est = await Inventory(s).load()
    finally:
        await s.close()
    assert est.gaps == []
    r = est.registry("contosoprodacr")
    assert r is not None and est.vault_for(r) is not None and est.vault_for(r).key("no-such-key") is None  # type: ignore[union-attr]


async def test_a_vault_no_subscription_returned_is_not_observed(demo_emu: Emulator) -> None:
    from acrtui.domain.models import GapKind

    prod = next(v["subscriptionId"] for v in demo_emu.state.subscriptions.values()
                if v["displayName"] == "contoso-production")
    s = make_session(demo_emu, "reader", read_only=True, subscriptions=[prod])
    reg = next(r for r in demo_emu.state.of_type("Microsoft.ContainerRegistry/registries")
               if r.body["name"] == "contosoprodacr")
    kvp = reg.body["properties"]["encryption"]["keyVaultProperties"]
    kvp["keyIdentifier"] = "https://kv-elsewhere.vault.azure.net/keys/k1"
    try:
        est = await Inventory(s).load()
    finally:
        await s.close()
    (gap,) = est.gaps
    assert gap.kind is GapKind.NOT_OBSERVED and gap.what == "key vault kv-elsewhere"
    assert [x.lower() for x in gap.registries or []] == [reg.id.lower()]
