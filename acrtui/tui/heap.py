"""The console's heap while an estate loads: the cyclic collector's full passes kept short.

CPython's full (generation 2) collection walks every object the collector tracks, and it runs on whichever thread
allocates when it falls due, holding the interpreter lock: with an estate growing on the I/O thread, the UI froze
for each one — measured at fleet:10000x20 (tests/benchmarks/bench_console.py), full passes of 76 ms growing to 556 ms
within ten seconds, each one a pause of the screen. While an estate loads and is audited, the
console moves what has survived the young collections into the permanent generation every half second
(``gc.freeze``), so a full pass only walks what was made since; the estate, long-lived, stays there.

Only at fleet scale (``FLEET`` registries listed; below it a full pass is a few milliseconds). The cost: reference
cycles that become garbage after a freeze (a screen closed, a request's objects) are kept until the next load
starts, which unfreezes and collects once — one pause, when the operator asked for the reload; reference counting
frees everything else meanwhile, frozen or not. bench_console prints how many one complete load kept
(``frozen garbage``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable

EVERY_S = 0.5
FLEET = 1000


def settle() -> None:
    """A full collection — of what is not frozen, so only what was made since the last settle (a few ms) — then
    every survivor moved to the permanent generation."""
    gc.collect()
    gc.freeze()


@contextlib.asynccontextmanager
async def tenured(size: Callable[[], int]) -> AsyncIterator[None]:
    """While the block runs (an estate's load and audit) and ``size()`` (registries listed) is at least ``FLEET``,
    :func:`settle` every ``EVERY_S``, and once more at its end."""
    if gc.get_freeze_count():  # what the previous load froze: unfrozen and collected once, as this one starts
        gc.unfreeze()
        gc.collect()
    froze = False

    async def tick() -> None:
        nonlocal froze
        while True:
            await asyncio.sleep(EVERY_S)
            if size() >= FLEET:
                settle()
                froze = True

    task = asyncio.ensure_future(tick())
    try:
        yield
    finally:
        task.cancel()
        if froze:
            settle()
