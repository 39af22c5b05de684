"""``/`` works on every list and never falls through to a write key (issue 12): the keys typed right after it
arrive in the same burst (a fast typist, a paste, tmux send-keys) and must all land in the filter box — before the
fix they went to the view, where ``/p`` opened the private endpoint wizard."""

from __future__ import annotations

from typing import Any

from textual import events

from acrtui.tui.screens.activity import ActivityScreen
from acrtui.tui.screens.lists import AuditScreen, RegistryListScreen, SubscriptionScreen
from acrtui.tui.screens.matrix import MatrixScreen
from acrtui.tui.screens.registry import RegistryScreen

from .conftest import SIZE, wait_for
from .test_console import open_list, open_registry


def burst(app: Any, text: str) -> None:
    """Queue ``/`` and ``text`` at once through the driver, as a terminal delivers a fast burst (no turn of the
    loop in between; ``pilot.press`` waits for idle after each key, which hid the fall-through)."""
    for key, ch in [("slash", "/"), *((c, c) for c in text)]:
        event = events.Key(key, ch)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_keys_typed_right_after_slash_reach_the_filter_on_every_list(make_app: Any) -> None:
    app = make_app(auto_open=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SubscriptionScreen) and bool(app.subscriptions))
        burst(app, "prod")
        await wait_for(pilot, lambda: app.screen.filter_text == "prod")
        assert isinstance(app.screen, SubscriptionScreen)
        await pilot.press("escape", "ctrl+a")

        await open_list(app, pilot)
        assert isinstance(app.screen, RegistryListScreen)
        burst(app, "sandboxp")
        await wait_for(pilot, lambda: app.screen.filter_text == "sandboxp")
        await pilot.press("escape")

        reg = await open_registry(app, pilot, "sandboxpremium")
        burst(app, "pe")  # p is the private endpoint wizard on this view
        await wait_for(pilot, lambda: reg.findings_filter == "pe")
        assert app.screen is reg and isinstance(reg, RegistryScreen)
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryListScreen))

        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
        burst(app, "vpm")  # the Fix column's keys
        await wait_for(pilot, lambda: app.screen.filter_text == "vpm")
        assert isinstance(app.screen, AuditScreen)
        await pilot.press("escape", "escape")

        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, MatrixScreen))
        burst(app, "stg")
        await wait_for(pilot, lambda: app.screen.filter_text == "stg")
        await pilot.press("escape", "escape")

        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, ActivityScreen))
        burst(app, "get")
        await wait_for(pilot, lambda: app.screen.filter_text == "get")
        assert isinstance(app.screen, ActivityScreen)
        burst(app, "sub")  # in the box, "/" is text (URLs): it is typed, not a new filter
        await wait_for(pilot, lambda: app.screen.filter_text == "get/sub")
