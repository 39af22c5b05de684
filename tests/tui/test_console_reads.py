"""What the console reads and judges agrees with ``acrtui audit`` and says how it was read: the settings file's
audit thresholds reach the console's checks, and ``Estate.notes`` (an inventory fallback) reaches the operator."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from textual.widgets import Label

from acrtui.cli import cli
from acrtui.emulator import Emulator

from .conftest import SIZE, wait_for

CHECKS = ("ACR-RES-003", "ACR-NET-001")  # the allowed regions; the firewall's open share


def verdicts(findings: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {(f["checkId"], f["registryName"]): f["status"] for f in findings if f["checkId"] in CHECKS}


async def test_the_console_judges_with_the_settings_file_as_acrtui_audit_does(
        make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("audit: {allowed_regions: [West Europe], firewall_open_share: 0.5}\n")
    monkeypatch.setenv("ACRTUI_CONFIG", str(config))
    r = await asyncio.to_thread(CliRunner().invoke, cli, ["audit", "--demo", "--format", "json"],
                                catch_exceptions=False)
    cli_verdicts = verdicts(json.loads(r.output)["findings"])
    assert "fail" in {v for (c, _), v in cli_verdicts.items() if c == "ACR-RES-003"}  # the setting bites
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.report is not None)
        console = verdicts([f.to_json() for f in app.report.findings])
        net = next(f for f in app.report.findings if f.check.id == "ACR-NET-001" and "openShareThreshold" in
                   f.finding.evidence)
    assert console == cli_verdicts
    assert net.finding.evidence["openShareThreshold"] == 0.5
    monkeypatch.delenv("ACRTUI_CONFIG")


async def test_an_inventory_fallback_note_is_on_the_status_line(make_app: Any, demo: Emulator) -> None:
    demo.faults.add("403", path="/providers/Microsoft.ResourceGraph/")  # auto's count query is refused: ARM
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.estate is not None and app.estate.notes != [])
        await pilot.pause()
        line = str(app.screen.query_one("#status-line", Label).content)
        assert "note: Resource Graph" in line and "ARM" in line
        assert any("Resource Graph" in n.message for n in app._notifications)
