"""Escape followed quickly by a key: terminals (and tmux's send-keys) deliver ``ESC p`` within the escape delay,
which the terminal parser reads as alt+p. Both keys must still do what they say (issue 12: after Escape out of the
Findings filter, the next ``p`` did nothing)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from acrtui.tui.screens.lists import RegistryListScreen
from acrtui.tui.screens.registry import RegistryScreen
from acrtui.tui.screens.wizards import Wizard

from .conftest import SIZE, wait_for
from .test_console import open_registry


async def test_escape_then_p_typed_fast_clears_the_filter_and_opens_the_endpoint_wizard(make_app: Any) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_registry(app, pilot, "sandboxpremium")
        await pilot.press("7", "slash", "x")
        box = screen.query_one("#findings-filter", Input)
        assert app.focused is box and box.value == "x"
        await pilot.press("alt+p")  # what the terminal parser makes of Escape then p within its escape delay
        await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
        assert box.value == "" and not box.has_class("shown") and screen.findings_filter == ""


async def test_escape_then_a_key_typed_fast_goes_back_first(make_app: Any) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_registry(app, pilot, "sandboxpremium")
        assert isinstance(app.screen, RegistryScreen)
        await pilot.press("alt+slash")  # Escape (back to the list), then / opens the list's filter
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryListScreen)
                       and isinstance(app.focused, Input))
        await pilot.press("s", "b")
        assert app.screen.query_one("#filter", Input).value == "sb"


async def test_filter_then_two_enters_typed_at_once_open_the_highlighted_registry(make_app: Any) -> None:
    """``/stg⏎⏎`` sent in one go (tmux, a fast typist): the second Enter reaches the box before the focus has moved
    to the list; it opens the highlighted row all the same."""
    from textual import events

    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.estate is not None and isinstance(app.screen, RegistryListScreen))
        await pilot.press("slash", "s", "t", "d")
        assert app.focused is app.screen.query_one("#filter", Input)
        for _ in range(2):  # both queued before either is handled, as a terminal's burst is
            app.post_message(events.Key("enter", "\r"))
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen))
        assert app.screen.registry_id.endswith("/contosostgstd")
