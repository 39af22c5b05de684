"""Shared fixtures: an emulator per test (fresh state) and a factory for real SDK clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from acrtui.emulator import Emulator, EmulatorConfig


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """A fresh ``empty`` emulator with a small page size, so every list exercises ``nextLink`` paging."""
    async with Emulator("empty", config=EmulatorConfig(page_size=2)) as e:
        yield e


@pytest.fixture
async def demo_emu() -> AsyncIterator[Emulator]:
    async with Emulator("demo", config=EmulatorConfig(page_size=3)) as e:
        yield e


@pytest.fixture
async def sdk(request: pytest.FixtureRequest) -> AsyncIterator[Callable[..., Any]]:
    """``sdk(ClientClass, emu, role="owner", subscription=None, **kw)`` → a real async mgmt client; closed after."""
    opened: list[Any] = []

    def make(cls: type, emulator: Emulator, role: str = "owner", subscription: str | None = None, **kw: Any) -> Any:
        cred = emulator.credential(role)
        args: list[Any] = [cred]
        if subscription is not False:
            args.append(subscription or emulator.subscription_id)
        client = cls(*args, base_url=emulator.url, connection_verify=str(emulator.ca_path), polling_interval=0, **kw)
        opened.extend([client, cred])
        return client

    yield make
    for c in reversed(opened):
        await c.close()
