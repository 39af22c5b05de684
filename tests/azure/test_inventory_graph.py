"""The Resource Graph inventory path at scale (issue 11): agreement with ARM on a fleet, batching, paging, the user
quota, ``auto``'s choice and its fallback. Real SDK pipeline, real TLS, the emulator's Resource Graph."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from acrtui.azure import inventory_graph
from acrtui.azure.inventory import Inventory
from acrtui.azure.registry_details import SOFT_DELETE_API
from acrtui.domain.models import CheckInput, Estate, GapKind
from acrtui.emulator import Emulator, EmulatorConfig, EmulatorThread

from .conftest import make_session

FLEET = "fleet:80x4"  # 4 subscriptions, 20 kinds in each: CMK vaults, endpoints with NICs and zones, replicas
STRIP = {"observed_at", "notes"}


def graph_posts(emu: Emulator, since: int) -> list[Any]:
    return [r for r in emu.request_log if r.seq > since and r.method == "POST"
            and r.path.lower().endswith("/microsoft.resourcegraph/resources")]


def arm_gets(emu: Emulator, since: int) -> list[str]:
    """ARM GETs since ``since``, less the per-subscription registry list at the soft-delete preview api-version
    (``registry_details.SOFT_DELETE_API``): ``softDeletePolicy`` exists only there, so both paths read it through ARM."""
    return [r.path.lower() for r in emu.request_log if r.seq > since and r.method == "GET" and r.kind == "arm"
            and r.api_version != SOFT_DELETE_API]


async def load(emu: Emulator, mode: str, **attrs: Any) -> tuple[Estate, Inventory]:
    s = make_session(emu, "reader", read_only=True)
    inv = Inventory(s, mode=mode)
    for k, v in attrs.items():
        setattr(inv, k, v)
    try:
        return await inv.load(), inv
    finally:
        await s.close()


@pytest.fixture(scope="module")
def fleet() -> Iterator[Emulator]:
    with EmulatorThread(FLEET, config=EmulatorConfig(page_size=7)) as emu:
        yield emu


@pytest.fixture(scope="module")
def fleet_arm(fleet: Emulator) -> Estate:
    return asyncio.run(load(fleet, "arm"))[0]


def test_the_fleet_estate_is_rich_enough_to_compare(fleet_arm: Estate) -> None:
    """A control for the agreement test: every kind of fact the Graph path reads is there."""
    e = fleet_arm
    assert e.complete and len(e.registries) == 80 and len(e.subscriptions) == 4
    assert any(r.replicas for r in e.registries) and any(r.encryption.enabled for r in e.registries)
    assert len(e.vaults) == 4 and all(v.keys and v.diagnostic_settings is not None for v in e.vaults)
    assert len(e.private_endpoints) == 16 and all(p.nic_ips and p.zone_linked_vnets for p in e.private_endpoints)
    assert all(any(c.ok for c in p.records) for p in e.private_endpoints)
    hooks = [h for r in e.registries for h in r.details.webhooks]
    assert len(hooks) == 8 and all(h.scheme == "https" and h.host for h in hooks)  # with their callbacks read
    assert sum(len(r.details.tokens) for r in e.registries) == 4


def test_graph_agrees_with_arm_on_a_fleet_across_batches_and_pages(fleet: Emulator, fleet_arm: Estate) -> None:
    """Every field of the estate, with 2 subscriptions per request and 25 rows per page: batching and paging."""
    since = fleet.last_seq
    graph, inv = asyncio.run(load(fleet, "graph", graph_page_size=25, graph_max_subscriptions=2))
    assert graph.model_dump(exclude=STRIP) == fleet_arm.model_dump(exclude=STRIP)
    posts = graph_posts(fleet, since)
    assert len(posts) == inv.graph.requests and len(posts) > 4  # 2 batches × several pages, + policyresources
    gets = arm_gets(fleet, since)
    for listed in ("/providers/microsoft.containerregistry/registries", "/replications", "/privateendpoints",
                   "/networkinterfaces/", "/virtualnetworklinks", "/providers/microsoft.network/privatednszones",
                   "/providers/microsoft.authorization/policyassignments", "/webhooks"):
        assert not any(p.endswith(listed) or (listed.endswith("/") and listed in p) for p in gets), listed
    assert not any(p.endswith(f"/vaults/{v.name.lower()}") for v in graph.vaults for p in gets)  # rows are whole
    assert any("/keys/" in p for p in gets) and any(p.endswith("/a") for p in gets)  # what Graph does not index
    assert any(p.endswith("/tokens") for p in gets) and any(p.endswith("/scopemaps") for p in gets)  # nor these


def test_the_client_waits_for_the_quota_instead_of_hitting_429(fleet: Emulator, fleet_arm: Estate) -> None:
    """2 queries per 0.5 s window and small pages: the client reads x-ms-user-quota-remaining/-resets-after and
    waits for the window before the next query, so no 429 reaches the emulator's log."""
    fleet.config.graph_quota, fleet.config.graph_window_s = 2, 0.5
    try:
        since = fleet.last_seq
        graph, inv = asyncio.run(load(fleet, "graph", graph_page_size=40))
    finally:
        fleet.config.graph_quota, fleet.config.graph_window_s = 15, 5.0
    posts = graph_posts(fleet, since)
    assert len(posts) > 2 and all(p.status == 200 for p in posts)
    assert inv.graph.waited > 0  # it did wait (how long is not asserted)
    assert graph.model_dump(exclude=STRIP) == fleet_arm.model_dump(exclude=STRIP)


def test_a_spent_quota_is_backed_off_not_a_gap(fleet: Emulator, fleet_arm: Estate) -> None:
    """Another client of the same user spent the quota: the first query is 429; the load backs off and completes."""
    fleet.config.graph_quota, fleet.config.graph_window_s = 1, 1.0
    try:
        since = fleet.last_seq
        spender = make_session(fleet, "reader", read_only=True)
        try:
            asyncio.run(inventory_graph.GraphClient(Inventory(spender)).count(list(fleet.subscription_ids),
                                                                             "resources"))
        finally:
            asyncio.run(spender.close())
        graph, _ = asyncio.run(load(fleet, "graph"))
    finally:
        fleet.config.graph_quota, fleet.config.graph_window_s = 15, 5.0
    assert any(p.status == 429 for p in graph_posts(fleet, since))
    assert graph.model_dump(exclude=STRIP) == fleet_arm.model_dump(exclude=STRIP)


def test_resets_after_parsing() -> None:
    assert inventory_graph.parse_resets_after("00:00:03") == 3.0
    assert inventory_graph.parse_resets_after("01:02:03.5") == 3723.5
    assert inventory_graph.parse_resets_after("soon") is None and inventory_graph.parse_resets_after(None) is None


# ------------------------------------------------------------------------------------------------ auto


def only_assessments_unread(est: Estate) -> bool:
    """Graph refused: ARM reads everything else, but Defender's image assessments are only in Resource Graph, so
    that read (and only that one) is a gap — the audit is incomplete, not silently complete."""
    return bool(est.gaps) and all(set(g.inputs) == {CheckInput.IMAGE_FINDINGS} for g in est.gaps)


async def test_auto_counts_registries_once_and_stays_on_arm_for_a_small_estate(demo_emu: Emulator) -> None:
    since = demo_emu.last_seq
    est, inv = await load(demo_emu, "auto")
    posts = graph_posts(demo_emu, since)
    assert inv.path == "arm" and est.complete and est.notes == []
    # the count, and Defender's image assessments (only Resource Graph has them), both through the one client
    assert len(posts) == 2 == inv.graph.requests
    assert any(p.endswith("/providers/microsoft.containerregistry/registries") for p in arm_gets(demo_emu, since))


async def test_auto_takes_graph_above_the_registry_threshold(demo_emu: Emulator, monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setattr(inventory_graph, "AUTO_REGISTRIES", 5)  # the demo's 8 registries are then "many"
    since = demo_emu.last_seq
    est, inv = await load(demo_emu, "auto")
    assert inv.path == "graph" and est.complete and len(est.registries) == 8
    assert not any(p.endswith("/providers/microsoft.containerregistry/registries") for p in arm_gets(demo_emu, since))


async def test_auto_takes_graph_above_the_subscription_threshold_without_a_probe(
        demo_emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inventory_graph, "AUTO_SUBSCRIPTIONS", 2)  # the demo's 3 subscriptions are then "many"
    since = demo_emu.last_seq
    _, inv = await load(demo_emu, "auto")
    posts = graph_posts(demo_emu, since)
    assert inv.path == "graph"
    assert len(posts) == 3 == inv.graph.requests  # resources + policyresources + Defender's assessments, no count


@pytest.mark.parametrize("fault", ["403", "503"])
async def test_auto_falls_back_to_arm_with_a_note_when_graph_is_refused(demo_emu: Emulator, fault: str) -> None:
    demo_emu.faults.add(fault, path="/providers/Microsoft.ResourceGraph/")
    est, inv = await load(demo_emu, "auto")
    assert inv.path == "arm" and len(est.registries) == 8 and only_assessments_unread(est)  # ARM read the rest
    assert est.notes and "Resource Graph" in est.notes[0] and "ARM" in est.notes[0]


async def test_auto_falls_back_when_graph_fails_after_choosing_it(demo_emu: Emulator,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inventory_graph, "AUTO_SUBSCRIPTIONS", 2)
    demo_emu.faults.add("403", path="/providers/Microsoft.ResourceGraph/")
    est, inv = await load(demo_emu, "auto")
    assert inv.path == "arm" and len(est.registries) == 8 and only_assessments_unread(est) and est.notes


async def test_an_explicit_graph_choice_does_not_fall_back(demo_emu: Emulator) -> None:
    """``--inventory graph`` and Graph refused: a gap of unknown reach naming the way out, never a silent ARM read."""
    demo_emu.faults.add("403", path="/providers/Microsoft.ResourceGraph/")
    est, inv = await load(demo_emu, "graph")
    assert inv.path == "graph" and not est.complete and est.registries == [] and est.notes == []
    (gap,) = est.unattributed_gaps
    assert gap.kind is GapKind.PERMISSION and "--inventory arm" in gap.message


async def test_policyresources_refused_reads_assignments_through_arm(demo_emu: Emulator, estate_arm: Estate,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inventory_graph, "ASSIGNMENTS_QUERY", "policyresources | summarize count() by type")
    est, _ = await load(demo_emu, "graph")
    assert est.complete and est.assignments == estate_arm.assignments and est.notes


@pytest.fixture
async def estate_arm(demo_emu: Emulator) -> Estate:
    return (await load(demo_emu, "arm"))[0]


async def test_no_subscriptions_means_no_query_never_a_tenant_wide_one(demo_emu: Emulator) -> None:
    """Graph reads every visible subscription when a request names none: the client never sends such a request."""
    s = make_session(demo_emu, "reader", read_only=True)
    since = demo_emu.last_seq
    try:
        client = inventory_graph.GraphClient(Inventory(s))
        assert await client.rows([], "resources | project id") == [] and await client.count([], "resources") == 0
    finally:
        await s.close()
    assert graph_posts(demo_emu, since) == [] and client.requests == 0
