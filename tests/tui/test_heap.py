"""tui/heap.py: the console freezes the heap while a fleet-sized estate loads, never a small one, and the next load
starts by unfreezing and collecting what the last one kept."""

from __future__ import annotations

import asyncio
import gc
import weakref

from acrtui.tui import heap


async def test_a_fleet_load_freezes_a_small_one_does_not_and_the_next_load_collects_what_was_kept() -> None:
    gc.unfreeze()
    try:
        async with heap.tenured(lambda: heap.FLEET - 1):
            await asyncio.sleep(heap.EVERY_S * 2.5)
        assert gc.get_freeze_count() == 0  # a demo-sized estate: the collector as Python runs it

        class Node:
            pass

        async with heap.tenured(lambda: heap.FLEET):
            node = Node()
            node.me = node  # type: ignore[attr-defined]  # a cycle, alive while frozen
            ref = weakref.ref(node)
            await asyncio.sleep(heap.EVERY_S * 1.5)
        assert gc.get_freeze_count() > 0
        del node  # garbage now, but frozen: a full collection does not see it
        gc.collect()
        assert ref() is not None

        async with heap.tenured(lambda: 0):  # the next load: unfrozen and collected as it starts
            assert gc.get_freeze_count() == 0 and ref() is None
    finally:
        gc.unfreeze()
