"""The fleet client: connections kept alive, each shared DNS read once, ARM's throttling waited out."""

from __future__ import annotations

import asyncio
from collections import Counter

from acrtui.azure.inventory import Inventory
from acrtui.azure.session import RetrySettings
from acrtui.emulator import Emulator, EmulatorConfig

from .conftest import make_session


def arm(emu: Emulator) -> list:
    return [r for r in emu.request_log if r.kind == "arm"]


async def test_requests_reuse_a_few_tls_connections() -> None:
    """One SSLContext and connector per session: N requests ride on about as many connections as were in flight
    at once (before: one TLS handshake per request)."""
    async with Emulator("fleet:40x2", config=EmulatorConfig(page_size=5)) as emu:
        s = make_session(emu, "reader", read_only=True, concurrency=4)
        try:
            est = await Inventory(s).load()
        finally:
            await s.close()
        reqs = arm(emu)
        conns = {r.connection for r in reqs}
        assert len(est.registries) == 40 and not est.gaps
        assert None not in conns
        assert len(reqs) > 50
        assert len(conns) <= s.limiter.total + 1, (len(conns), len(reqs))


async def test_shared_dns_reads_happen_once_per_zone() -> None:
    """Each zone's A records and VNet links are read once, however many endpoints use the zone (before: once per
    endpoint, and the link cache raced)."""
    async with Emulator("fleet:80x2", config=EmulatorConfig(page_size=5)) as emu:
        s = make_session(emu, "reader", read_only=True, concurrency=8)
        try:
            est = await Inventory(s, mode="arm").load()  # the ARM path's caches
        finally:
            await s.close()
        assert len(est.private_endpoints) >= 8 and not est.gaps
        assert all(c.ok for p in est.private_endpoints for c in p.records), "records still read correctly"
        firsts = Counter(r.path.lower() for r in arm(emu) if "next" not in r.query.lower() and "skip" not in r.query.lower())
        a_lists = {p: n for p, n in firsts.items() if p.endswith("/a")}
        link_lists = {p: n for p, n in firsts.items() if p.endswith("/virtualnetworklinks")}
        assert len(a_lists) == 2 and set(a_lists.values()) == {1}, a_lists
        assert len(link_lists) == 2 and set(link_lists.values()) == {1}, link_lists


async def test_reads_are_paced_to_the_remaining_budget_instead_of_hitting_429() -> None:
    """Once ``x-ms-ratelimit-remaining-subscription-reads`` runs low, requests go out at the bucket's refill rate:
    a load larger than the burst completes without one 429 (before: the burst ran dry and ARM answered 429)."""
    scale = 6.0  # the emulator's buckets, a sixth of ARM's: burst 41, 4.2 reads per second
    cfg = EmulatorConfig(page_size=1, throttle_scale=scale)
    async with Emulator("fleet:20x1", config=cfg) as emu:
        s = make_session(emu, "reader", read_only=True, concurrency=8)
        s.limiter.buckets = {k: (size / scale, rate / scale) for k, (size, rate) in s.limiter.buckets.items()}
        try:
            est = await Inventory(s).load()
        finally:
            await s.close()
        reads = [r for r in arm(emu) if r.path.lower().startswith("/subscriptions/")]
        assert len(reads) > 250 / scale + 5, len(reads)  # more than the burst allows
        assert Counter(r.status for r in reads)[429] == 0
        assert s.limiter.paced_s > 0
        assert len(est.registries) == 20 and not est.gaps, est.errors


async def test_sustained_throttling_is_waited_out_not_retried_away() -> None:
    """ARM answers 429 with Retry-After once a subscription's read bucket is empty; the limiter pauses that
    subscription and sends again, so a load larger than the bucket completes with no retries left to spend."""
    cfg = EmulatorConfig(page_size=2, throttle_scale=10)  # burst 25 reads, 2.5 per second refill
    async with Emulator("fleet:20x1", config=cfg) as emu:
        s = make_session(emu, "reader", read_only=True, concurrency=4, retry=RetrySettings(total=0))
        try:
            est = await Inventory(s).load()
        finally:
            await s.close()
        statuses = Counter(r.status for r in arm(emu))
        assert statuses[429] >= 1, statuses  # the bucket did run dry
        assert len(est.registries) == 20 and not est.gaps, est.errors
        assert s.limiter.throttled == statuses[429]


def test_raw_reads_use_the_api_versions_the_sdks_send() -> None:
    """The raw-JSON reads name API versions themselves: they must stay those of the installed SDKs."""
    import importlib

    from acrtui.azure.inventory import API_VERSIONS
    from acrtui.azure.session import CLIENTS

    for kind in ("containerregistry", "keyvault", "privatedns"):
        module, cls, _ = CLIENTS[kind]
        client = getattr(importlib.import_module(module), cls)(object(), "sub")
        assert API_VERSIONS[kind] == client._config.api_version, kind
    from azure.mgmt.network.operations import _operations as net_ops  # multi-version: what its builders send

    req = net_ops.build_private_endpoints_list_by_subscription_request("sub")
    assert f"api-version={API_VERSIONS['network']}" in req.url


async def test_the_shared_context_still_verifies_certificates() -> None:
    """The one SSLContext is built from the session's CA bundle with verification on: a bundle that does not
    hold the emulator's CA fails the ARM call on the certificate (the credential, trusting it, signs in fine)."""
    import certifi
    import pytest
    from azure.core.exceptions import ServiceRequestError

    from acrtui.azure.pipeline import tls_verification_error

    async with Emulator("empty") as emu:
        s = make_session(emu, "reader", read_only=True)
        s.connection_verify = certifi.where()
        try:
            with pytest.raises(ServiceRequestError) as info:
                await s.get_json("subscriptions", None, "/subscriptions", "2022-12-01")
        finally:
            await s.close()
        assert tls_verification_error(info.value) is not None
        assert not [r for r in emu.request_log if r.kind == "arm"]


async def test_an_endpoint_read_back_after_a_dns_change_is_not_served_from_the_cache() -> None:
    """Writes read an endpoint back with one long-lived Inventory: the per-zone record cache of a load must not
    answer the second read."""
    from azure.mgmt.privatedns.aio import PrivateDnsManagementClient

    async with Emulator("fleet:20x1") as emu:
        s = make_session(emu, "owner")
        try:
            inv = Inventory(s)
            pe = next(r for r in emu.state.of_type("Microsoft.Network/privateEndpoints"))
            first = await inv.read_endpoint(pe.id)
            assert first.records and all(c.ok for c in first.records)
            zone_id = first.dns_zone_ids[0]
            rg = zone_id.split("/")[4]
            rel = first.records[0].fqdn.split(".", 1)[0]  # the login server's record: <registry>
            async with PrivateDnsManagementClient(s.credential, emu.subscription_id, base_url=emu.url,
                                                  connection_verify=str(emu.ca_path)) as dns:
                await dns.record_sets.delete(rg, zone_id.rsplit("/", 1)[-1], "A", rel)
            second = await inv.read_endpoint(pe.id)
        finally:
            await s.close()
        assert not second.records[0].ok, second.records[0]


async def test_a_stage_starts_at_most_fanout_reads_round_robin_over_subscriptions() -> None:
    """A fleet's per-registry reads are not all tasks at once (memory grew with the estate): at most ``fanout``
    are started, in subscription round-robin so the window spans every subscription; results keep their order."""
    async with Emulator("fleet:20x2") as emu:
        s = make_session(emu, "reader", read_only=True)
        try:
            inv = Inventory(s)
            inv.fanout = 3
            running, peak, started = 0, 0, []

            async def read(i: int) -> int:
                nonlocal running, peak
                running += 1
                peak = max(peak, running)
                started.append(i)
                await asyncio.sleep(0)
                running -= 1
                return i * 10

            subs = ["a"] * 4 + ["b"] * 2
            out = await inv._gather("t", [read(i) for i in range(6)], by=subs)
            assert out == [0, 10, 20, 30, 40, 50] and peak == 3
            assert started == [0, 4, 1, 5, 2, 3]  # a, b, a, b, a, a
            est = await inv.load()  # the whole load under a window of 3 reads per stage
            assert len(est.registries) == 20 and not est.gaps
        finally:
            await s.close()


async def test_a_read_cancelled_before_it_started_leaves_no_unawaited_coroutine(emu: Emulator) -> None:
    """Quitting the console mid-load cancels reads that never started: the request coroutine handed to each was
    dropped unawaited ("RuntimeWarning: coroutine 'Inventory._list' was never awaited" as the console exited)."""
    import gc
    import warnings

    from acrtui.domain.models import CheckInput

    s = make_session(emu, "owner")
    try:
        inv = Inventory(s)
        sub = emu.subscription_id
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            task = asyncio.ensure_future(inv._soft("registries", inv._list(
                "containerregistry", f"/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries"), [],
                scope=f"/subscriptions/{sub}", inputs=[CheckInput.REGISTRIES]))
            task.cancel()  # before its first step, as a cancelled gather's children are
            await asyncio.wait([task])
            assert task.cancelled()
            del task
            gc.collect()
        assert [str(w.message) for w in seen if issubclass(w.category, RuntimeWarning)] == []
    finally:
        await s.close()
