"""Shared fixtures: an emulator per test (fresh state) and a factory for real SDK clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from acrtui.emulator import Emulator, EmulatorConfig


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own state and config directories, so journals, locks and settings never leak between
    tests or between pytest-xdist workers (and never touch the developer's own files)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for var in ("ACRTUI_JOURNAL", "ACRTUI_CONFIG", "ACRTUI_EMULATOR_URL", "ACRTUI_CLOUD", "ACRTUI_CONCURRENCY",
                "ACRTUI_SUBSCRIPTIONS", "ACRTUI_LOG_FILE"):
        monkeypatch.delenv(var, raising=False)


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
