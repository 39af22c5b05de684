"""Every api-version the product sends is one Azure serves for that resource type (the emulator's table, taken
from the REST spec folders: acrtui/emulator/apiversions.py), collected from the request log over the demo audit
(both inventory paths) and every example plan, planned and applied; plus the versions the product prints in
``az rest`` lines and uses for its own ``send_request`` calls."""

from __future__ import annotations

from pathlib import Path

from acrtui.azure.inventory import DIAG_API, load_estate
from acrtui.domain.actions import KEY_ARM_API
from acrtui.emulator import Emulator, EmulatorConfig
from acrtui.emulator.apiversions import target
from acrtui.plan.engine import apply_planned, make_plan
from acrtui.plan.executor import Journal
from acrtui.plan.loader import load
from tests.azure.conftest import make_session

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"


def _unserved(emu: Emulator) -> list[str]:
    return sorted({f"{r.method} {r.path} @ {r.api_version}" for r in emu.request_log
                   if r.kind == "arm" and (r.api_version or "") not in target(r.path).versions().versions})


async def test_every_api_version_the_product_sends_is_served(tmp_path: Path) -> None:
    sent: set[str] = set()
    async with Emulator("demo", config=EmulatorConfig(page_size=50, throttle=False)) as emu:
        for graph in (False, True):
            async with make_session(emu, read_only=True) as s:
                await load_estate(s, use_resource_graph=graph)
        plans = sorted(EXAMPLES.glob("*.yaml"))
        assert len(plans) >= 5
        for i, plan in enumerate(plans):
            async with make_session(emu) as s:
                journal = Journal(tmp_path / f"journal-{i}.jsonl")
                planned = await make_plan(s, load(plan), journal)
                assert not planned.blocking, plan.name
                assert (await apply_planned(s, planned, journal)).ok, plan.name
            assert _unserved(emu) == [], plan.name
            assert all(r.status < 500 for r in emu.request_log if r.kind == "arm")
            sent |= {r.api_version or "" for r in emu.request_log if r.kind == "arm"}
            emu.reset()
    assert DIAG_API in sent  # the product's own send_request calls were among them
    assert len(sent) >= 8


def test_versions_the_product_prints_or_raw_calls_use_are_served() -> None:
    vault = "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v"
    assert KEY_ARM_API in target(f"{vault}/keys/k").versions().versions  # `az rest --method put` in plan scripts
    reg = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r"
    assert DIAG_API in target(f"{reg}/providers/Microsoft.Insights/diagnosticSettings/x").versions().versions
    assert DIAG_API in target(f"{vault}/providers/Microsoft.Insights/diagnosticSettings").versions().versions
