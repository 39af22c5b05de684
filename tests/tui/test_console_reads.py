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


def suppressed(findings: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(f["checkId"], f["registryName"]) for f in findings if f.get("suppression")}


async def test_the_console_applies_the_audits_suppressions(make_app: Any, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The suppressions file ``acrtui audit`` applies (settings' audit.suppressions) suppresses the same failures
    in the console — its lists, matrix and findings count what the audit counts — and a file that does not load
    suppresses nothing there and says so. The console applied none before: its verdicts differed."""
    import dataclasses

    from acrtui.tui.screens.matrix import cell

    sup = tmp_path / "sup.yaml"
    sup.write_text("suppressions:\n  - check: ACR-NET-001\n    registry: sandbox*\n    justification: lab registries, "
                   "no data\n    expires: 2999-01-01\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"audit: {{suppressions: {sup}}}\n")
    monkeypatch.setenv("ACRTUI_CONFIG", str(config))
    r = await asyncio.to_thread(CliRunner().invoke, cli, ["audit", "--demo", "--format", "json"],
                                catch_exceptions=False)
    cli_suppressed = suppressed(json.loads(r.output)["findings"])
    assert cli_suppressed and all(c == "ACR-NET-001" and n.startswith("sandbox") for c, n in cli_suppressed)
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.report is not None)
        assert suppressed([f.to_json() for f in app.report.findings]) == cli_suppressed
        assert not any(f.suppressed for f in app.report.failing())
        name = sorted(cli_suppressed)[0][1]
        recs = [f for f in app.report.findings if f.registry.name == name and str(f.check.family) ==
                str(next(f.check.family for f in app.report.findings if f.check.id == "ACR-NET-001"))]
        assert sum(1 for f in recs if f.failing) == sum(1 for f in recs if f.status.value == "fail") - 1
        unsuppressed = [dataclasses.replace(f, suppression=None) for f in recs]
        assert cell(recs)[0].plain != cell(unsuppressed)[0].plain  # the matrix cell counts what the audit counts
    sup.write_text("suppressions:\n  - check: ACR-NET-001\n")  # no registry, no justification, no expiry
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.report is not None)
        assert not any(f.suppressed for f in app.report.findings)
        await wait_for(pilot, lambda: any(n.title == "Suppressions not applied" for n in app._notifications))
        note = next(n.message for n in app._notifications if n.title == "Suppressions not applied")
        assert "sup.yaml:2" in note and "every failure shows" in note
    monkeypatch.delenv("ACRTUI_CONFIG")
