"""A scripted tour of the console's main screens, for screenshots (scripts/screenshots.py) and golden-text tests.

The tour only reads and reviews: it opens a wizard and its plan but never applies, so it can run read-only too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from textual.widgets import Button, Checkbox, Select

FROZEN = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)
SIZE = (150, 44)

Save = Callable[[str], Awaitable[None]]


def frozen_clock() -> dt.datetime:
    return FROZEN


async def wait_until(pilot: Any, cond: Callable[[], bool], seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.05)):
        if cond():
            await pilot.pause()
            return
        await pilot.pause(0.05)
        await asyncio.sleep(0)
    raise TimeoutError("the console did not reach the expected state in time")


async def tour(app: Any, pilot: Any, save: Save) -> None:
    from .screens.lists import AuditScreen, RegistryListScreen, SubscriptionScreen
    from .screens.modals import UnavailableModal
    from .screens.plan import PlanScreen
    from .screens.registry import RegistryScreen
    from .screens.wizards import Wizard

    await wait_until(pilot, lambda: bool(app.subscriptions) and isinstance(app.screen, SubscriptionScreen))
    await save("subscriptions")
    app.open_subscriptions(list(app.subscriptions))
    await wait_until(pilot, lambda: app.estate is not None and isinstance(app.screen, RegistryListScreen))
    await save("registries")
    for name, tab in (("contosoprodpinned", "cmk"), ("contosostgacr", "private-link")):
        app.open_registry(name, tab)
        await wait_until(pilot, lambda: isinstance(app.screen, RegistryScreen))
        await save(f"registry-{tab}")
        app.pop_screen()
    await pilot.press("ctrl+f")
    await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen))
    await save("audit")
    await pilot.press("x")  # the posture matrix: registries × control families
    from .screens.matrix import MatrixScreen

    await wait_until(pilot, lambda: isinstance(app.screen, MatrixScreen))
    await save("matrix")
    app.pop_screen()
    app.pop_screen()
    if app.read_only:
        app.open_registry("contosoprodacr")
        await wait_until(pilot, lambda: isinstance(app.screen, RegistryScreen))
        await save("read-only")
        return
    app.open_registry("sandboxstd")
    await wait_until(pilot, lambda: isinstance(app.screen, RegistryScreen))
    await pilot.press("p")  # Premium only: the console says why and the way forward instead of opening a form
    await wait_until(pilot, lambda: isinstance(app.screen, UnavailableModal))
    await save("premium-only")
    await pilot.press("escape")
    app.pop_screen()
    app.open_registry("contosoprodlost", "cmk")  # the critical finding, one key from a plan
    await wait_until(pilot, lambda: isinstance(app.screen, RegistryScreen))
    await pilot.press("v")
    await wait_until(pilot, lambda: isinstance(app.screen, Wizard)
                     and isinstance(app.screen.query_one("#fix-workspace", Select).value, str))
    await save("wizard-cmk-fix")
    await pilot.press("escape")
    app.pop_screen()
    app.open_registry("sandboxpremium")
    await wait_until(pilot, lambda: isinstance(app.screen, RegistryScreen))
    await pilot.press("f")
    await wait_until(pilot, lambda: isinstance(app.screen, Wizard))
    app.screen.query_one("#fw-public", Checkbox).value = False
    await pilot.pause()
    await save("wizard-firewall")
    await pilot.press("escape")
    await pilot.press("d")
    await wait_until(pilot, lambda: isinstance(app.screen, Wizard))
    app.screen.query_one("#data-enabled", Checkbox).value = True
    app.screen.query_one("#data-ack", Checkbox).value = True
    app.screen.query_one("#wizard-review", Button).press()
    await wait_until(pilot, lambda: isinstance(app.screen, PlanScreen))
    await save("plan-review")
    await pilot.press("escape")  # the plan, unapplied
    await wait_until(pilot, lambda: not isinstance(app.screen, PlanScreen))
    while isinstance(app.screen, Wizard):
        await pilot.press("escape")
        await pilot.pause()
    app.pop_screen()
    app.open_registry("contosostgacr")  # the CMK migration: a new registry, every tag, the source's hardening
    await wait_until(pilot, lambda: isinstance(app.screen, RegistryScreen))
    await pilot.press("m")
    await wait_until(pilot, lambda: isinstance(app.screen, Wizard) and getattr(app.screen, "content", None) is not None)
    app.screen.query_one("#wizard-review", Button).press()
    await wait_until(pilot, lambda: isinstance(app.screen, PlanScreen) and app.screen.plan.planned is not None, 40)
    await save("migration-review")
