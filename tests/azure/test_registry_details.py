"""Registry sub-resources through the inventory (acrtui/azure/registry_details.py): both listing paths read the
same details, a failed read is a gap that turns exactly the checks needing it into ``error``, and on the demo
estate every registry check passes somewhere and fails somewhere."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest

from acrtui.azure.inventory import Inventory
from acrtui.domain.checks import CheckSettings, Status
from acrtui.domain.checks.registry import CHECKS
from acrtui.domain.models import CheckInput, Estate, GapKind
from acrtui.emulator import Emulator, EmulatorConfig, EmulatorThread

from .conftest import make_session

NOW = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)
ALLOWED = ("eastus", "westeurope")  # the demo's contosostgacr replicates to northeurope, outside this list


@pytest.fixture(scope="module")
def demo() -> Iterator[Emulator]:
    with EmulatorThread("demo", config=EmulatorConfig(page_size=3)) as emu:
        yield emu


def load(emu: Emulator, *, graph: bool = False, role: str = "reader") -> Estate:
    async def run() -> Estate:
        s = make_session(emu, role, read_only=True)
        try:
            return await Inventory(s, use_resource_graph=graph).load()
        finally:
            await s.close()

    return asyncio.run(run())


@pytest.fixture(scope="module")
def estates(demo: Emulator) -> dict[str, Estate]:
    return {"arm": load(demo), "graph": load(demo, graph=True)}


def run_checks(estate: Estate) -> Counter[tuple[str, str]]:
    settings = CheckSettings(now=NOW, allowed_regions=ALLOWED)
    return Counter((c.id, c.run(r, estate, settings).status.value) for c in CHECKS for r in estate.registries)


@pytest.mark.parametrize("path", ["arm", "graph"])
def test_every_registry_check_passes_and_fails_on_the_demo_estate(estates: dict[str, Estate], path: str) -> None:
    est = estates[path]
    assert est.errors == []
    seen = run_checks(est)
    for c in CHECKS:
        assert seen[(c.id, "pass")] >= 1 and seen[(c.id, "fail")] >= 1, (c.id, {k: v for k, v in seen.items() if k[0] == c.id})
        assert seen[(c.id, "error")] == 0, c.id


def test_both_inventory_paths_read_the_same_details(estates: dict[str, Estate], demo: Emulator) -> None:
    arm = {r.id: r.details for r in estates["arm"].registries}
    graph = {r.id: r.details for r in estates["graph"].registries}
    assert arm == graph and all(d is not None for d in arm.values())
    by_name = {r.name: r.details for r in estates["arm"].registries}
    stg, std, prod = by_name["contosostgacr"], by_name["sandboxstd"], by_name["contosoprodacr"]
    assert stg is not None and std is not None and prod is not None
    assert prod.quarantine_enabled and prod.retention_enabled and prod.retention_days == 30
    assert by_name["sandboxbasic"].soft_delete_enabled is True  # type: ignore[union-attr]
    assert std.soft_delete_enabled is False
    assert {t.name for t in stg.tokens} == {"edge-pull", "factory-edge-sync-token"}
    assert [t.password_expiries for t in std.tokens] == [[None]]
    assert {m.name for m in std.scope_maps} >= {"_repositories_admin", "_repositories_pull", "_repositories_push"}
    hooks = {h.name: (h.scheme, h.host) for h in stg.webhooks}
    assert hooks == {"teamchat": ("https", "hooks.chat.example.com")}  # scheme and host only: no path, no query
    assert [(c.mode, c.connection_state) for c in stg.connected_registries] == [("ReadWrite", "Offline")]
    assert [c.health for c in std.credential_sets] == [["Unhealthy"]]
    # what the emulator holds, read back: one cache rule per rule resource
    rules = demo.state.of_type("Microsoft.ContainerRegistry/registries/cacheRules")
    assert sum(len(d.cache_rules) for d in arm.values() if d) == len(rules)


def test_connected_registries_are_not_asked_of_basic_or_standard(demo: Emulator) -> None:
    since = demo.last_seq
    load(demo)
    asked = [rec.path for rec in demo.request_log if rec.seq > since and rec.kind == "arm"
             and rec.path.lower().endswith("/connectedregistries")]
    premium = {r.body["name"].lower() for r in demo.state.of_type("Microsoft.ContainerRegistry/registries")
               if r.body["sku"]["name"] == "Premium"}
    assert asked and {p.lower().split("/registries/")[1].split("/")[0] for p in asked} == premium


def test_a_failed_token_read_is_a_gap_and_those_checks_say_error() -> None:
    with EmulatorThread("demo") as emu:
        emu.faults.add("503", path="/tokens$")
        est = load(emu)
    gaps = [g for g in est.gaps if g.what.startswith("tokens of")]
    assert len(gaps) == len(est.registries)
    assert all(g.kind is GapKind.UNAVAILABLE and g.inputs == [CheckInput.TOKENS] and len(g.registries or []) == 1
               for g in gaps)
    seen = run_checks(est)
    for cid in ("ACR-AUTH-004", "ACR-AUTH-005", "ACR-AUTH-006"):
        assert seen[(cid, "error")] == len(est.registries), cid
    assert seen[("ACR-SC-001", "error")] == 0  # a check not reading tokens is unaffected


def test_reader_without_the_callback_action_gets_a_permission_gap_naming_it() -> None:
    """Plain Reader cannot read webhook URIs: the webhook checks say error with the action to grant."""
    with EmulatorThread("demo") as emu:
        for d in list(emu.state.of_type("Microsoft.Authorization/roleDefinitions")):  # the seed's custom role
            emu.state.delete(d.id)
        est = load(emu)
    gaps = [g for g in est.gaps if g.what.startswith("callback of webhook")]
    assert gaps and all(g.kind is GapKind.PERMISSION and g.inputs == [CheckInput.WEBHOOKS] for g in gaps)
    assert all(g.action == "Microsoft.ContainerRegistry/registries/webhooks/getCallbackConfig/action" for g in gaps)
    with_hooks = {r.id for r in est.registries if r.details and r.details.webhooks}
    settings = CheckSettings(now=NOW)
    for c in CHECKS:
        if c.id in ("ACR-NET-005", "ACR-NET-006"):
            assert {r.id for r in est.registries if c.run(r, est, settings).status is Status.ERROR} == with_hooks


def test_soft_delete_is_listed_once_per_subscription_at_the_preview_version(demo: Emulator) -> None:
    since = demo.last_seq
    load(demo)
    preview = [rec for rec in demo.request_log if rec.seq > since and "2023-01-01-preview" in (rec.query or "")]
    assert preview and all(rec.path.lower().endswith("/providers/microsoft.containerregistry/registries")
                           for rec in preview)
    assert len({rec.path.lower() for rec in preview}) == len(demo.subscription_ids)
