"""The console's heap while an estate loads: the cyclic collector's full passes kept short.

CPython's full (generation 2) collection walks every object the collector tracks, and it runs on whichever thread
allocates when it falls due, holding the interpreter lock: with an estate growing on the I/O thread, the UI froze
for each one — measured at fleet:10000x20 (tests/benchmarks/bench_console.py), full passes of 76 ms growing to 556 ms
within ten seconds, the keystrokes that met one took 0.5–1.8 s to draw. While an estate loads and is audited, the
console moves what has survived the young collections into the permanent generation every half second
(``gc.freeze``), so a full pass only walks what was made since; the estate, long-lived, stays there.

The cost: reference cycles that had become garbage but were not yet collected when a freeze ran are kept until the
process ends (reference counting still frees everything else, frozen or not — a reloaded estate's objects included).
bench_console prints how many one complete load kept (``frozen garbage``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator

EVERY_S = 0.5


def settle() -> None:
    """Collect the young generations (their garbage is not kept), then move every survivor to the permanent one."""
    gc.collect(1)
    gc.freeze()


@contextlib.asynccontextmanager
async def tenured() -> AsyncIterator[None]:
    """While the block runs (an estate's load and audit), :func:`settle` every ``EVERY_S``; once more at its end."""

    async def tick() -> None:
        while True:
            await asyncio.sleep(EVERY_S)
            settle()

    task = asyncio.ensure_future(tick())
    try:
        yield
    finally:
        task.cancel()
        settle()
