"""A plan naming a location Azure does not have is refused before any write, with the cloud's region list
(acrtui/plan/locations.py); a display name (`West Europe`) is accepted as ARM normalises it."""

from __future__ import annotations

from pathlib import Path

import pytest

from acrtui.azure.session import AzureSession
from acrtui.emulator import Emulator
from acrtui.plan.engine import PlanRefused, apply_planned, make_plan
from acrtui.plan.executor import Journal
from acrtui.plan.loader import load, parse

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"


def _migration(location: str) -> str:
    text = (EXAMPLES / "cmk-migration-contosostgacr.yaml").read_text()
    return text.replace("    resourceGroup: rg-registry-stg\n", f"    resourceGroup: rg-registry-stg\n    location: {location}\n", 1)


async def test_an_unknown_location_is_refused_before_any_write(emu: Emulator, session: AzureSession, tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    planned = await make_plan(session, parse(_migration("mars")), journal)
    bad = [f for f in planned.blocking if "'mars' is not a region of AzureCloud" in f.reason]
    assert bad and bad[0].subject == "contosostgcmk"
    assert "eastus" in bad[0].way_forward and "westeurope" in bad[0].way_forward
    mark = emu.last_seq
    with pytest.raises(PlanRefused):
        await apply_planned(session, planned, journal)
    assert emu.writes(mark) == []


async def test_a_display_name_is_a_known_location(session: AzureSession, tmp_path: Path) -> None:
    planned = await make_plan(session, parse(_migration("West Europe")), Journal(tmp_path / "j.jsonl"))
    assert not planned.blocking, planned.findings


async def test_plans_without_locations_do_not_read_the_region_list(emu: Emulator, session: AzureSession, tmp_path: Path) -> None:
    await make_plan(session, load(EXAMPLES / "harden-contosoprodlost-network.yaml"), Journal(tmp_path / "j.jsonl"))
    assert not [r for r in emu.request_log if r.path.endswith("/locations")]


async def test_an_unreadable_region_list_is_a_warning_not_a_pass(emu: Emulator, session: AzureSession, tmp_path: Path) -> None:
    emu.faults.add("500", path="/locations$")
    planned = await make_plan(session, parse(_migration("mars")), Journal(tmp_path / "j.jsonl"))
    warn = [f for f in planned.findings if f.severity == "warning" and "Could not check location 'mars'" in f.reason]
    assert warn and not [f for f in planned.blocking if "mars" in f.reason]
