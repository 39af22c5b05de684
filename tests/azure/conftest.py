"""Sessions of the product's service layer against an emulator (owner or reader sign-in, read-only or not)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from acrtui.azure.clouds import get_cloud
from acrtui.azure.session import AzureSession, RetrySettings
from acrtui.emulator import Emulator


def make_session(emu: Emulator, role: str = "owner", *, read_only: bool = False, **kw: Any) -> AzureSession:
    """A session exactly as targets.open_session builds one for an emulator, minus the environment."""
    kw.setdefault("retry", RetrySettings(total=3, backoff_factor=0.01, backoff_max=1))
    return AzureSession(
        cloud=get_cloud(emu.cloud).with_endpoint(emu.url),
        credential=emu.credential(role),
        subscriptions=kw.pop("subscriptions", list(emu.subscription_ids)),
        read_only=read_only,
        connection_verify=str(emu.ca_path),
        polling_interval=0,
        **kw,
    )


@pytest.fixture
async def session_factory() -> AsyncIterator[Callable[..., AzureSession]]:
    opened: list[AzureSession] = []

    def make(emu: Emulator, role: str = "owner", **kw: Any) -> AzureSession:
        s = make_session(emu, role, **kw)
        opened.append(s)
        return s

    yield make
    for s in opened:
        await s.close()
