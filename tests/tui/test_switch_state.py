# mypy: disable-error-code="attr-defined"
"""Radio buttons and switches say their state in words and mark only what is selected (issue 12).

Textual draws ``●`` on every radio button and ``X`` on every checkbox, told apart by colour alone, and a RadioSet
swallows its buttons' Changed messages, so a label written on an event went stale when the choice moved. These
tests read the *rendered screen text* (colour stripped), as a monochrome terminal would show it.
"""

from __future__ import annotations

from typing import Any

from acrtui.emulator import Emulator
from acrtui.tui.screens.wizards import Radio, Switch

from .conftest import SIZE, dump, wait_for
from .test_console import open_registry
from .test_keyboard import open_wizard


def line_with(screen_text: str, label: str) -> str:
    """The screen line of the toggle labelled ``label``: its button ``▐?▌`` drawn right before the label."""
    return next(ln for ln in screen_text.splitlines() if f"▌ {label}" in ln)


async def test_radio_marks_only_the_selected_one_in_words(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_registry(app, pilot, "contosoprodpinned")
        wiz = await open_wizard(app, pilot, "a")  # approve or reject a pending connection
        text = dump(app)
        approve, reject = line_with(text, "Approve"), line_with(text, "Reject")
        assert "●" in approve and "— selected" in approve
        assert "●" not in reject and "selected" not in reject
        # move the choice from the keyboard: focus the set, → to Reject, space selects it
        wiz.query_one("#conn-decision").focus()
        await pilot.press("right", "space")
        await pilot.pause()
        assert wiz.query_one("#conn-reject", Radio).value is True
        text = dump(app)
        approve, reject = line_with(text, "Approve"), line_with(text, "Reject")
        assert "●" in reject and "— selected" in reject, text
        assert "●" not in approve and "selected" not in approve, text
        assert demo.writes() == []


async def test_endpoint_approval_choice_follows_the_right(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_registry(app, pilot, "contosoprodacr")
        wiz = await open_wizard(app, pilot, "p")
        await wait_for(pilot, lambda: "found" in str(wiz.query_one("#pe-subnet-label").content))
        text = dump(app)
        auto, manual = line_with(text, "Automatic ("), line_with(text, "Manual (")
        assert ("— selected" in auto) != ("— selected" in manual)  # exactly one
        assert ("●" in auto) != ("●" in manual)
        picked = "auto" if "— selected" in auto else "manual"
        assert wiz.query_one(f"#pe-{picked}", Radio).value is True
        # the DNS switch says its state and is marked only when on
        dns = wiz.query_one("#pe-dns", Switch)
        assert dns.value is True and "▐X▌ [on]  Private DNS" in text
        dns.value = False
        await pilot.pause()
        assert "▐ ▌ [off] Private DNS" in dump(app)
