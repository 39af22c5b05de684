"""The seeds: ``demo`` shows every state the product cares about; seeds are deterministic; ``fleet`` scales."""

from __future__ import annotations

import time
from typing import Any

import pytest
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

from acrtui.emulator import Emulator
from acrtui.emulator.seeds import build_seed
from acrtui.emulator.state import State


@pytest.fixture(scope="module")
def demo() -> State:
    return build_seed("demo")


def _registries(st: State) -> dict[str, dict[str, Any]]:
    return {r.body["name"]: r.body for r in st.of_type("Microsoft.ContainerRegistry/registries")}


def _pe_for(st: State, reg: dict[str, Any]) -> list[dict[str, Any]]:
    return [r.body for r in st.of_type("Microsoft.Network/privateEndpoints")
            if any(c["properties"]["privateLinkServiceId"].lower() == reg["id"].lower()
                   for c in r.props.get("privateLinkServiceConnections", []) + r.props.get("manualPrivateLinkServiceConnections", []))]


def _records(st: State) -> set[str]:
    return {r.body["name"] for r in st.of_type("Microsoft.Network/privateDnsZones/A")}


def test_demo_spans_three_subscriptions_and_regions(demo: State) -> None:
    assert sorted(s["displayName"] for s in demo.subscriptions.values()) == ["contoso-production", "contoso-sandbox", "contoso-staging"]
    regions = {r["location"] for r in _registries(demo).values()} | {r.body["location"] for r in demo.of_type("Microsoft.ContainerRegistry/registries/replications")}
    assert {"eastus", "westeurope", "northeurope"} <= regions
    assert {r["sku"]["name"] for r in _registries(demo).values()} == {"Basic", "Standard", "Premium"}


def test_demo_cmk_states(demo: State) -> None:
    regs = _registries(demo)
    good = regs["contosoprodacr"]["properties"]["encryption"]
    assert good["status"] == "enabled" and good["keyVaultProperties"]["keyRotationEnabled"] is True
    pinned = regs["contosoprodpinned"]["properties"]["encryption"]["keyVaultProperties"]
    assert pinned["keyRotationEnabled"] is False
    versions = demo.of_type("Microsoft.KeyVault/vaults/keys/versions")
    ledger = [v for v in versions if "/keys/ledger-cmk/" in v.id.lower()]
    assert len(ledger) == 2
    newest = demo.get(ledger[0].id.rsplit("/versions/", 1)[0])
    assert newest is not None
    assert pinned["keyIdentifier"] != newest.props["keyUriWithVersion"]  # pinned to the older version
    assert pinned["keyIdentifier"].rsplit("/", 1)[-1] in {v.body["name"] for v in ledger}
    lost_vault = demo.find_name("Microsoft.KeyVault/vaults", "kv-contoso-legacy")
    assert lost_vault is not None and lost_vault.props["accessPolicies"] == []


def test_demo_vaults_with_and_without_protection_and_audit_logs(demo: State) -> None:
    vaults = {r.body["name"]: r.props for r in demo.of_type("Microsoft.KeyVault/vaults")}
    assert vaults["kv-contoso-prod-cmk"].get("enablePurgeProtection") is True
    assert not vaults["kv-contoso-ledger"].get("enablePurgeProtection")
    diag = {r.id.lower().split("/providers/microsoft.insights")[0] for r in demo.of_type("Microsoft.Insights/diagnosticSettings")}
    assert any(d.endswith("kv-contoso-prod-cmk") for d in diag)
    assert not any(d.endswith("kv-contoso-ledger") for d in diag)


def test_demo_private_link_states(demo: State) -> None:
    regs = _registries(demo)
    states = {n: [c["properties"]["privateLinkServiceConnectionState"]["status"] for c in r["properties"]["privateEndpointConnections"]] for n, r in regs.items()}
    assert states["contosoprodacr"] == ["Approved"]
    assert states["contosoprodpinned"] == ["Pending"]
    assert states["contosostgacr"] == ["Approved", "Pending"]  # the second from a partner's subscription (ACR-PL-006)
    records = _records(demo)
    assert {"contosoprodacr", "contosoprodacr.eastus.data", "contosoprodacr.westeurope.data"} <= records
    assert "contosostgacr" in records and "contosostgacr.westeurope.data" in records
    assert "contosostgacr.northeurope.data" not in records  # the replica region's data record is missing


def test_demo_network_and_auth_states(demo: State) -> None:
    p = {n: r["properties"] for n, r in _registries(demo).items()}
    assert p["contosoprodacr"]["publicNetworkAccess"] == "Disabled"
    assert p["contosoprodacr"]["dataEndpointEnabled"] is True
    assert p["sandboxpremium"]["publicNetworkAccess"] == "Enabled" and p["sandboxpremium"]["networkRuleSet"]["defaultAction"] == "Allow"
    assert p["sandboxpremium"]["dataEndpointEnabled"] is False
    assert p["contosoprodpinned"]["networkRuleSet"]["defaultAction"] == "Deny" and p["contosoprodpinned"]["networkRuleSet"]["ipRules"]
    assert p["contosostgstd"]["adminUserEnabled"] is True and p["sandboxstd"]["anonymousPullEnabled"] is True
    repls = demo.of_type("Microsoft.ContainerRegistry/registries/replications")
    homes = {r.id.split("/")[8] for r in repls if r.body["location"] == demo.get(r.id.rsplit("/replications/", 1)[0]).body["location"]}  # type: ignore[union-attr]
    assert len(repls) - len(homes) == 2  # two geo-replicas; every Premium registry also lists its home region
    assert homes == {"contosoprodacr", "contosoprodlost", "contosoprodpinned", "contosostgacr", "sandboxpremium"}


def test_demo_nearly_full_subnet_and_policies(demo: State) -> None:
    small = demo.get(next(r.id for r in demo.resources.values() if r.id.lower().endswith("/subnets/snet-pe-small")))
    assert small is not None and len(small.extra["ips"]) == 2  # 3 usable in a /29: one left
    assignments = {r.body["name"]: r.props for r in demo.of_type("Microsoft.Authorization/policyAssignments")}
    assert assignments["audit-acr-cmk"]["parameters"]["effect"]["value"] == "Audit"
    assert assignments["deny-acr-admin"]["parameters"]["effect"]["value"] == "Deny"
    assert "/resourcegroups/rg-registry-stg" in assignments["deny-acr-admin"]["scope"].lower()


def test_demo_registries_hold_repositories(demo: State) -> None:
    reg = demo.find_name("Microsoft.ContainerRegistry/registries", "contosoprodacr")
    assert reg is not None and "payments/api" in reg.extra["repositories"]


def test_seeds_are_deterministic() -> None:
    a, b = build_seed("demo").to_json(), build_seed("demo").to_json()
    for side in (a, b):  # secrets (client secrets, admin passwords) are random per process by design
        for p in side["principals"]:
            p["secret"] = None
        for r in side["resources"]:
            r["extra"].pop("adminPasswords", None)
    assert a == b


def test_unknown_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown seed"):
        build_seed("galaxy")


def test_fleet_is_deterministic_and_mixed() -> None:
    st = build_seed("fleet:60x3")
    regs = st.of_type("Microsoft.ContainerRegistry/registries")
    assert len(regs) == 60 and len(st.subscriptions) == 3
    skus = [r.body["sku"]["name"] for r in regs]
    assert skus.count("Basic") == 12 and skus.count("Standard") == 18 and skus.count("Premium") == 30
    assert sum(1 for r in regs if r.props["encryption"]["status"] == "enabled") == 12
    assert sum(1 for r in regs if r.props["privateEndpointConnections"]) == 12
    skewed = build_seed("fleet:80x4")  # 4 divides 20: registry j mod 20 would give a subscription 5 kinds only
    regs = skewed.of_type("Microsoft.ContainerRegistry/registries")
    for sub in skewed.subscriptions:  # every subscription holds the whole mix, not one kind (issue 11)
        mine = [r for r in regs if r.id.split("/")[2].lower() == sub.lower()]
        kinds = [r.body["sku"]["name"] for r in mine]
        assert (kinds.count("Basic"), kinds.count("Standard"), kinds.count("Premium")) == (4, 6, 10), sub
        assert sum(1 for r in mine if r.props["encryption"]["status"] == "enabled") == 4
        assert sum(1 for r in mine if r.props["privateEndpointConnections"]) == 4
    assert build_seed("fleet:60x3").resources.keys() == st.resources.keys()  # deterministic


@pytest.mark.slow
def test_large_fleet_starts_in_seconds() -> None:
    started = time.perf_counter()
    st = build_seed("fleet:2000x20")
    elapsed = time.perf_counter() - started
    assert len(st.of_type("Microsoft.ContainerRegistry/registries")) == 2000
    print(f"fleet:2000x20 seeded in {elapsed:.1f} s")  # figures, not a timed assertion


async def test_demo_served_over_https_to_the_sdk(sdk: Any) -> None:
    async with Emulator("demo") as emu:
        subs = [s.subscription_id async for s in sdk(SubscriptionClient, emu, subscription=False).subscriptions.list()]
        assert len(subs) == 3
        names = []
        for sub in subs:
            names += [r.name async for r in sdk(ContainerRegistryManagementClient, emu, subscription=sub).registries.list()]
        assert sorted(names) == sorted(["contosoprodacr", "contosoprodpinned", "contosoprodlost", "contosostgacr",
                                        "contosostgstd", "sandboxbasic", "sandboxstd", "sandboxpremium"])
        reader = [s async for s in sdk(SubscriptionClient, emu, role="reader", subscription=False).subscriptions.list()]
        assert len(reader) == 3
