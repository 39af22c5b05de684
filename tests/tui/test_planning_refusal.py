# mypy: disable-error-code="attr-defined"
"""The console's planning path refuses an incomplete read as ``acrtui plan`` does: shown, not a crash, no plan."""

from __future__ import annotations

from typing import Any

from textual.widgets import Button, Checkbox

from acrtui.emulator import Emulator
from acrtui.tui.screens.modals import ErrorModal
from acrtui.tui.screens.plan import PlanScreen
from acrtui.tui.screens.wizards import Wizard

from .conftest import SIZE, wait_for
from .test_console import open_registry


async def test_a_failed_read_while_planning_is_an_error_not_a_plan(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])  # every subscription
    async with app.run_test(size=SIZE) as pilot:
        await open_registry(app, pilot, "sandboxstd")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
        app.screen.query_one("#auth-anon", Checkbox).value = False
        await pilot.pause()
        # the estate on screen was read whole; the plan's own read of it is not
        demo.faults.add("503", path="/providers/Microsoft.Authorization/policyAssignments$", method="GET")
        mark = demo.last_seq
        app.screen.query_one("#wizard-review", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal))
        title, message = app.errors_shown[-1]
        assert title == "Could not read everything the plan depends on"
        assert "policy assignments in " in message and "Nothing was planned" in message
        assert not any(isinstance(s, PlanScreen) for s in app.screen_stack)
        assert demo.writes(mark) == []
