"""THE READ-ONLY PROOF: every screen and every palette command of a read-only console, and zero writes reach Azure.

Write actions must be absent (not bound, not listed, not offered), and the emulator's request log must hold no
write at all — the session is a Reader behind the pipeline's read-only guard, so even a bug in the UI would be
refused twice before Azure saw it.
"""

from __future__ import annotations

import re
from typing import Any

from textual.widgets import DataTable

from acrtui.emulator import Emulator
from acrtui.tui.app import ConsoleCommands
from acrtui.tui.keymap import ACTIONS, REGISTRY_TABS, actions_for, write_action_names
from acrtui.tui.screens.base import ConsoleScreen
from acrtui.tui.screens.lists import AuditScreen, RegistryListScreen, SubscriptionScreen
from acrtui.tui.screens.modals import HelpModal, JumpModal
from acrtui.tui.screens.registry import RegistryScreen
from acrtui.tui.screens.wizards import Wizard

from .conftest import SIZE, dump, wait_for

WRITE_KEYS = [a.key for a in ACTIONS if a.write]


def assert_no_write_reachable(screen: ConsoleScreen) -> None:
    bound = {b.action for bs in screen._bindings.key_to_bindings.values() for b in bs}
    assert not bound & write_action_names(), f"{screen.SCREEN_ID}: write bindings present: {bound & write_action_names()}"
    assert not any(a.write for a in actions_for(screen.SCREEN_ID, read_only=True))
    offered = ConsoleCommands(screen)._entries()
    names = {n for n, _, _ in offered}
    write_commands = {a.command for a in ACTIONS if a.write and a.command}
    assert not names & write_commands, f"{screen.SCREEN_ID}: write commands offered: {names & write_commands}"


async def run_every_command(app: Any, pilot: Any, screen: ConsoleScreen) -> int:
    """Run each palette command the screen offers, then return to that screen."""
    ran = 0
    for _name, _help, run in ConsoleCommands(screen)._entries():
        await run()
        await pilot.pause()
        ran += 1
        while app.screen is not screen and screen in app.screen_stack:
            app.pop_screen()
            await pilot.pause()
        if screen not in app.screen_stack:
            return ran  # the command navigated away (context switch): the caller re-opens
    if screen.query(DataTable):
        screen.query_one(DataTable).focus()  # leave any filter box the commands opened
    return ran


async def test_read_only_console_makes_zero_writes(make_app: Any, demo: Emulator) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        assert app.service.session.read_only
        await wait_for(pilot, lambda: bool(app.subscriptions))
        subs = app.screen
        assert isinstance(subs, SubscriptionScreen)
        assert "🔒 READ-ONLY" in dump(app)
        assert_no_write_reachable(subs)
        await run_every_command(app, pilot, subs)
        if app.screen is not subs:
            app.pop_screen()
        await pilot.pause()
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: app.estate is not None and isinstance(app.screen, RegistryListScreen))
        regs = app.screen
        assert_no_write_reachable(regs)
        ran = 0
        for key in WRITE_KEYS:  # none of the change keys does anything
            await pilot.press(key)
            assert app.screen is regs, key
        ran += await run_every_command(app, pilot, regs)
        if app.screen is not regs:
            await wait_for(pilot, lambda: isinstance(app.screen, SubscriptionScreen))
            await pilot.press("ctrl+a")
            await wait_for(pilot, lambda: app.estate is not None and isinstance(app.screen, RegistryListScreen))
            regs = app.screen
        assert regs.query_one(DataTable).row_count == 8
        # the registry view's bindings do not depend on the registry: one of each kind (CMK/PE, Standard, Basic)
        for reg in [r for r in app.estate.registries if r.name in ("contosoprodpinned", "contosostgstd", "sandboxbasic")]:
            app.open_registry(reg.id)
            await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen))
            detail = app.screen
            assert_no_write_reachable(detail)
            app.start_wizard("firewall", reg.id)  # even called directly, nothing opens
            await pilot.pause()
            assert not isinstance(app.screen, Wizard)
            if reg.name == "contosoprodpinned":  # one registry: every key and every command (tabs, help, jump…)
                await pilot.resize_terminal(120, 40)  # the longest header: lock, badge and context side by side
                await pilot.pause()
                top = "".join(seg.text for seg in detail.query_one("#context").render_line(0)).strip()
                assert re.fullmatch(r"acrtui +🔒 READ-ONLY +PRODUCTION +AzureCloud │ demo │ contoso-production │ "
                                    r"registry contosoprodpinned", top), top
                await pilot.resize_terminal(*SIZE)
                for i, _tab in enumerate(REGISTRY_TABS):
                    await pilot.press(str(i + 1))
                for key in WRITE_KEYS:
                    await pilot.press(key)
                    assert not isinstance(app.screen, Wizard), f"{key} opened a wizard"
                ran += await run_every_command(app, pilot, detail)
            if app.screen is detail:
                await pilot.press("escape")
            elif isinstance(app.screen, SubscriptionScreen):  # a command switched context
                app.open_subscriptions(list(app.subscriptions))
            await wait_for(pilot, lambda: isinstance(app.screen, RegistryListScreen) and app.estate is not None)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
        assert_no_write_reachable(app.screen)
        ran += await run_every_command(app, pilot, app.screen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpModal)
        await pilot.press("escape", "colon")
        assert isinstance(app.screen, JumpModal)
        await pilot.press(*"audit", "enter", "ctrl+j")
        assert ran >= 10
        assert demo.writes() == [], [f"{w.method} {w.path}" for w in demo.writes()]
        assert not [e for e in app.service.journal if e.is_write]
