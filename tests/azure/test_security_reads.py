"""The security reads (registry diagnostics, Defender plans, image assessments, key rotation policy) on both inventory
paths against the demo estate, and what a failed read hides."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from acrtui.azure.inventory import Inventory
from acrtui.azure.security_reads import rotation_from_json
from acrtui.domain.checks import get_check
from acrtui.domain.checks.base import CheckSettings, Status
from acrtui.domain.models import CheckInput, Estate, GapKind
from acrtui.emulator import Emulator, EmulatorConfig, EmulatorThread

from .conftest import make_session


@pytest.fixture(scope="module")
def demo() -> Iterator[Emulator]:
    with EmulatorThread("demo", config=EmulatorConfig(page_size=3)) as emu:
        yield emu


def load(emu: Emulator, *, graph: bool = False) -> Estate:
    async def go() -> Estate:
        s = make_session(emu, "reader", read_only=True)
        try:
            return await Inventory(s, mode="graph" if graph else "arm").load()
        finally:
            await s.close()

    return asyncio.run(go())


@pytest.mark.parametrize("graph", [False, True], ids=["arm", "graph"])
def test_both_paths_read_the_security_facts(demo: Emulator, graph: bool) -> None:
    est = load(demo, graph=graph)
    assert est.errors == []
    reg = {r.name: r for r in est.registries}
    # diagnostic settings on registries, as the emulator holds them
    good = est.diagnostics_for(reg["contosoprodacr"])
    assert [d.categories for d in good] == [["audit"]] and good[0].workspace_id
    assert est.diagnostics_for(reg["contosostgacr"])[0].categories == ["ContainerRegistryLoginEvents"]
    assert est.diagnostics_for(reg["sandboxbasic"]) == []
    # Defender plans per subscription
    prod = est.defender_for(reg["contosoprodacr"])
    assert prod is not None and prod.on and prod.extensions == {"ContainerRegistriesVulnerabilityAssessments": True}
    assert prod.legacy_registry_tier == "Free"
    stg = est.defender_for(reg["contosostgacr"])
    assert stg is not None and stg.pricing_tier == "Free"
    sbx = est.defender_for(reg["sandboxbasic"])
    assert sbx is not None and sbx.on and sbx.extensions["ContainerRegistriesVulnerabilityAssessments"] is False
    # image assessments (only where Defender scans)
    assert est.assessment_for(reg["contosoprodacr"]).status == "Healthy"  # type: ignore[union-attr]
    bad = est.assessment_for(reg["contosoprodpinned"])
    assert bad is not None and bad.status == "Unhealthy" and len(bad.findings) == 2
    assert {f.severity for f in bad.findings} == {"High", "Critical"}
    assert all(f.image and "@sha256:" in f.image for f in bad.findings)
    assert est.assessment_for(reg["contosoprodlost"]) is None
    assert set(est.image_assessments) == {reg["contosoprodacr"].id.lower(), reg["contosoprodpinned"].id.lower()}
    # the key's rotation policy
    vault = est.vault_for(reg["contosoprodacr"])
    assert vault is not None
    rot = vault.key("acr-cmk").rotation  # type: ignore[union-attr]
    assert rot is not None and rot.auto_rotate and rot.time_after_create == "P90D" and rot.expiry_time == "P1Y"
    lost = est.vault_for(reg["contosoprodlost"])
    assert lost is not None and lost.key("legacy-cmk").rotation is None  # type: ignore[union-attr]


def test_graph_only_asked_where_defender_scans(demo: Emulator) -> None:
    demo.request_log.clear()
    load(demo)
    queries = [r for r in demo.request_log if "Microsoft.ResourceGraph" in r.path]
    assert len(queries) == 1  # the ARM path asks Graph once: for the assessments where Defender scans
    with EmulatorThread("demo") as emu:
        for sub in emu.subscription_ids:  # Defender off everywhere: nothing to ask Graph
            emu.state.delete(f"/subscriptions/{sub}/providers/Microsoft.Security/pricings/Containers")
        est = load(emu)
        assert not [r for r in emu.request_log if "Microsoft.ResourceGraph" in r.path]
    assert est.image_assessments == {} and est.errors == []


def test_pricings_forbidden_is_a_gap_and_the_checks_say_error() -> None:
    with EmulatorThread("demo") as emu:
        emu.faults.add("403", path="Microsoft.Security/pricings")
        est = load(emu)
    gaps = [g for g in est.gaps if g.what.startswith("Defender plans")]
    assert len(gaps) == 3 and all(g.kind == GapKind.PERMISSION and g.inputs == [CheckInput.DEFENDER] for g in gaps)
    reg = est.registry("contosoprodacr")
    assert reg is not None
    for cid in ("ACR-DEF-001", "ACR-DEF-002"):
        f = get_check(cid).run(reg, est, CheckSettings())  # type: ignore[union-attr]
        assert f.status == Status.ERROR and "defender" in f.evidence["missingInputs"]
    # nothing else is hidden: the logs check still judges
    assert get_check("ACR-LOG-001").run(reg, est, CheckSettings()).status == Status.PASS  # type: ignore[union-attr]


def test_graph_failure_hides_only_the_image_findings() -> None:
    with EmulatorThread("demo") as emu:
        emu.faults.add("503", path="Microsoft.ResourceGraph")
        est = load(emu)
    gaps = [g for g in est.gaps if "image assessments" in g.what]
    assert len(gaps) == 1 and gaps[0].kind == GapKind.UNAVAILABLE and gaps[0].inputs == [CheckInput.IMAGE_FINDINGS]
    reg = est.registry("contosoprodpinned")
    assert reg is not None and reg.id in (gaps[0].registries or [])
    f = get_check("ACR-DEF-002").run(reg, est, CheckSettings())  # type: ignore[union-attr]
    assert f.status == Status.ERROR  # not "not assessed" (a fail) and never a pass
    assert get_check("ACR-DEF-001").run(reg, est, CheckSettings()).status == Status.PASS  # type: ignore[union-attr]


def test_rotation_policy_shapes() -> None:
    assert rotation_from_json(None) is None and rotation_from_json({}) is None
    assert rotation_from_json({"lifetimeActions": []}) is None
    notify = rotation_from_json({"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}}]})
    assert notify is not None and not notify.auto_rotate
    exp_only = rotation_from_json({"attributes": {"expiryTime": "P1Y"}})
    assert exp_only is not None and not exp_only.auto_rotate and exp_only.expiry_time == "P1Y"
    rot = rotation_from_json({"lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "rotate"}}]})
    assert rot is not None and rot.auto_rotate and rot.time_before_expiry == "P30D" and rot.time_after_create is None


NEW_CHECKS = ("ACR-NET-004", "ACR-CMK-008", "ACR-CMK-009", "ACR-LOG-001", "ACR-DEF-001", "ACR-DEF-002")


@pytest.mark.parametrize("graph", [False, True], ids=["arm", "graph"])
def test_demo_exercises_every_new_check_both_ways(demo: Emulator, graph: bool) -> None:
    est = load(demo, graph=graph)
    for cid in NEW_CHECKS:
        check = get_check(cid)
        assert check is not None
        got = {r.name: check.run(r, est, CheckSettings()).status for r in est.registries}
        assert Status.PASS in got.values() and Status.FAIL in got.values(), (cid, got)
        assert Status.ERROR not in got.values(), (cid, got)


def test_registry_diagnostics_unavailable_is_a_gap_for_that_check_only() -> None:
    with EmulatorThread("demo") as emu:
        emu.faults.add("503", path="Microsoft.ContainerRegistry/registries/[^/]+/providers/Microsoft.Insights/diagnosticSettings")
        est = load(emu)
    gaps = [g for g in est.gaps if g.what.endswith("diagnostic settings") and g.what.startswith("registry ")]
    assert len(gaps) == len(est.registries)
    assert all(g.kind == GapKind.UNAVAILABLE and g.inputs == [CheckInput.REGISTRY_DIAGNOSTICS] for g in gaps)
    reg = est.registry("contosoprodacr")
    assert reg is not None
    assert get_check("ACR-LOG-001").run(reg, est, CheckSettings()).status == Status.ERROR  # type: ignore[union-attr]
    assert get_check("ACR-CMK-006").run(reg, est, CheckSettings()).status == Status.PASS  # type: ignore[union-attr]
