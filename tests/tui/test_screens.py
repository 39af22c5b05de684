"""Screens as pictures: golden text of the main screens (own SVG export → text) and one pytest-textual-snapshot.

The golden files hold the text of each SVG screenshot the tour takes (frozen clock, seeded demo estate, fixed
size), so a change to what an operator sees shows up as a readable diff. Regenerate with
``ACRTUI_UPDATE_GOLDEN=1 pytest tests/tui/test_screens.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from acrtui.emulator import Emulator, EmulatorThread
from acrtui.tui.app import AcrtuiApp
from acrtui.tui.screens.lists import RegistryListScreen
from acrtui.tui.shots import SIZE, tour
from acrtui.tui.textshot import svg_to_text

from .conftest import console_service

GOLDEN = Path(__file__).parent / "golden"
SHOTS = ["subscriptions", "registries", "registry-cmk", "registry-private-link", "audit", "matrix", "premium-only",
         "wizard-cmk-fix", "wizard-firewall", "plan-review", "migration-review"]


async def test_main_screens_match_golden_text(make_app: Any, demo: Emulator) -> None:
    app = make_app()
    seen: dict[str, str] = {}

    async def save(name: str) -> None:
        seen[name] = svg_to_text(app.export_screenshot()) + "\n"

    async with app.run_test(size=SIZE) as pilot:
        await tour(app, pilot, save)
    assert list(seen) == SHOTS
    update = os.environ.get("ACRTUI_UPDATE_GOLDEN") == "1"
    for name, text in seen.items():
        path = GOLDEN / f"{name}.txt"
        if update or not path.exists():
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), f"{name} differs from {path} (ACRTUI_UPDATE_GOLDEN=1 to accept)"
    assert demo.writes() == []  # the tour reviews a plan but never applies it
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in seen["plan-review"]
    assert "Migrate contosostgacr to a new CMK registry" in seen["migration-review"]
    assert "✗ " in seen["registry-private-link"] and "missing" in seen["registry-private-link"]


def test_registry_list_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    """pytest-textual-snapshot of the registry list (the console's home); the plugin runs the app on its own loop,
    so the emulator runs in a thread here."""
    with EmulatorThread("demo") as emu:
        app = AcrtuiApp(lambda: console_service(emu), auto_open=[], plan_dir=tmp_path,
                        journal_path=tmp_path / "journal.jsonl")
        app.animation_level = "none"
        _snapshot_registry_list(snap_compare, app)


def _snapshot_registry_list(snap_compare: Any, app: AcrtuiApp) -> None:

    async def loaded(pilot: Any) -> None:
        for _ in range(400):
            if app.estate is not None and isinstance(app.screen, RegistryListScreen):
                break
            await pilot.pause(0.05)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)
