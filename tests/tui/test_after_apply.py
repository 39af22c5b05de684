# mypy: disable-error-code="attr-defined"
"""After an apply the views show Azure's state, even when the operator leaves the plan screen before the re-read
lands (found driving the console under tmux: escape right after "Applied" left the registry showing data
endpoints off)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Checkbox

from acrtui.emulator import Emulator
from acrtui.tui.screens.lists import RegistryListScreen
from acrtui.tui.screens.registry import RegistryScreen
from acrtui.tui.widgets.posture import severity_counts

from .conftest import SIZE, wait_for
from .test_console import review_and_apply
from .test_flows import open_wizard


async def test_leaving_the_plan_screen_at_once_still_refreshes_every_view(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        wiz = await open_wizard(app, pilot, "contosoprodlost", "d")
        before = str(severity_counts(app.report, app.estate.registry("contosoprodlost")))
        for box in wiz.query(Checkbox):
            box.value = True
        await pilot.pause()
        plan = await review_and_apply(app, pilot)
        assert plan.state == "done"
        await pilot.press("escape")  # before the re-read has landed
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen))
        await wait_for(pilot, lambda: app.estate is not None and app.estate.registry("contosoprodlost")
                       .data_endpoint_enabled)
        assert app.report is not None
        failing = {f.check.id for f in app.report.findings
                   if f.registry.name == "contosoprodlost" and f.finding.status.value == "fail"}
        assert "ACR-DEP-001" not in failing
        now = str(severity_counts(app.report, app.estate.registry("contosoprodlost")))
        assert now != before, "the apply changed the findings"
        await wait_for(pilot, lambda: now in str(app.screen.query_one("#registry-title").render()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryListScreen))



async def test_open_all_pressed_before_the_subscriptions_are_listed_opens_them_once_known(
        make_app: Any, demo: Emulator) -> None:
    """Found under tmux on a busy machine: ctrl+a before the list arrived opened an empty context, whose header
    named no subscription and whose refreshes (ctrl+r, after an apply) did nothing."""
    demo.config.latency_ms = 400  # the subscription list takes a while, as over a slow link
    app = make_app(auto_open=[])
    app.auto_open = None
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+a")
        assert not app.subscriptions, "pressed before the list arrived"
        demo.config.latency_ms = 0
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryListScreen) and app.estate is not None)
        assert sorted(app.chosen) == sorted(app.subscriptions)
