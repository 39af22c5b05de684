"""The demo estate the plan tests stand on: a fresh async emulator per test, or one emulator thread per module
(reset per test) for click's synchronous CliRunner. A file that needs other settings defines its own fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from acrtui.azure.session import AzureSession
from acrtui.emulator import Emulator, EmulatorConfig, EmulatorThread
from acrtui.plan.executor import Journal
from tests.azure.conftest import make_session


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """The demo estate, unthrottled (plans read everything many times in a row), with pages big enough to be quick."""
    async with Emulator("demo", config=EmulatorConfig(page_size=50, throttle=False)) as e:
        yield e


@pytest.fixture
async def session(emu: Emulator) -> AsyncIterator[AzureSession]:
    s = make_session(emu)
    yield s
    await s.close()


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.jsonl")


@pytest.fixture(scope="module")
def thread() -> Iterator[EmulatorThread]:
    t = EmulatorThread("demo", config=EmulatorConfig(throttle=False))
    t.start()
    yield t
    t.stop()
