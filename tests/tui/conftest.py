"""The console against an in-process demo emulator, through the app's injection point, with a frozen clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from acrtui.azure.clouds import get_cloud
from acrtui.azure.session import AzureSession, RetrySettings
from acrtui.emulator import Emulator
from acrtui.tui.app import AcrtuiApp
from acrtui.tui.service import ConsoleService

FROZEN = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)
SIZE = (160, 48)


def frozen_clock() -> dt.datetime:
    return FROZEN


def console_service(emu: Emulator, *, read_only: bool = False) -> ConsoleService:
    """A session as ``open_session`` builds it for the demo: Owner for changes, Reader + guard for read-only."""
    role = "reader" if read_only else "owner"
    session = AzureSession(
        cloud=get_cloud(emu.cloud).with_endpoint(emu.url),
        credential=emu.credential(role),
        read_only=read_only,
        connection_verify=str(emu.ca_path),
        polling_interval=0,
        retry=RetrySettings(total=2, backoff_factor=0.01, backoff_max=1),
        target="demo",
        principal_hint=emu.login(role).client_id,
    )
    session.emulator = emu
    return ConsoleService(session, clock=frozen_clock)


@pytest.fixture
async def demo() -> AsyncIterator[Emulator]:
    async with Emulator("demo") as e:
        yield e


@pytest.fixture
def make_app(demo: Emulator, tmp_path: Path) -> Callable[..., AcrtuiApp]:
    def make(*, read_only: bool = False, auto_open: list[str] | None = None, **kw: Any) -> AcrtuiApp:
        app = AcrtuiApp(lambda: console_service(demo, read_only=read_only), read_only=read_only,
                        plan_dir=tmp_path, auto_open=auto_open, journal_path=tmp_path / "journal.jsonl", **kw)
        app.animation_level = "none"  # no tab-underline or scroll animations to wait for
        return app

    return make


async def wait_for(pilot: Any, cond: Callable[[], bool], seconds: float = 15) -> None:
    """Let the app run until ``cond()`` holds (workers talk to the emulator over real TLS)."""
    import asyncio

    from textual.css.query import NoMatches

    for _ in range(int(seconds / 0.05)):
        try:
            if cond():
                # and the screen now on top is mounted: one pushed a moment ago has no widgets to query yet
                for _ in range(int(seconds / 0.05)):
                    if pilot.app.screen.is_mounted:
                        return
                    await pilot.pause(0.05)
                return
        except NoMatches:  # the screen the condition looks into is not composed yet: not reached, not a failure
            pass
        await pilot.pause(0.05)
        await asyncio.sleep(0)
    raise AssertionError("condition not reached in time:\n" + dump(pilot.app))


def dump(app: Any) -> str:
    from acrtui.tui.textshot import svg_to_text

    return svg_to_text(app.export_screenshot())
