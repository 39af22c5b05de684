"""Benchmark: load a fleet estate with one request in flight vs concurrently, through the real SDK and emulator.

Run: ``.venv/bin/python tests/benchmarks/bench_inventory.py [--seed fleet:200x5] [--latency-ms 20] [--concurrency 16]``
(a script, not a test). Prints each load's time, request count and the speed-up ratio. The emulator adds a fixed
latency per request (as a network would) and its ARM throttling is off, so the ratio measures concurrency alone;
pass ``--throttle`` to keep ARM's per-subscription limits (then Retry-After waits show up too).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from acrtui.azure.clouds import get_cloud
from acrtui.azure.inventory import Inventory
from acrtui.azure.session import AzureSession
from acrtui.emulator import Emulator, EmulatorConfig, EmulatorThread


async def load(emu: Emulator, concurrency: int, graph: bool) -> tuple[float, int, int]:
    s = AzureSession(
        cloud=get_cloud(emu.cloud).with_endpoint(emu.url),
        credential=emu.credential("reader"),
        subscriptions=list(emu.subscription_ids),
        read_only=True,
        connection_verify=str(emu.ca_path),
        polling_interval=0,
        concurrency=concurrency,
        per_subscription=concurrency,
    )
    try:
        await s.resolve_subscriptions()
        start = time.perf_counter()
        est = await Inventory(s, use_resource_graph=graph).load()
        return time.perf_counter() - start, len(s.journal), len(est.registries)
    finally:
        await s.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", default="fleet:200x5")
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--throttle", action="store_true")
    ap.add_argument("--resource-graph", action="store_true", help="use the Resource Graph listing path")
    args = ap.parse_args()
    cfg = EmulatorConfig(latency_ms=args.latency_ms, throttle=args.throttle)
    try:
        thread = EmulatorThread(args.seed, config=cfg)
        emu = thread.start()
    except (ValueError, ImportError, RuntimeError) as e:
        print(f"skipped: seed {args.seed!r} is not available ({e})")
        return 0
    try:
        t1, n1, regs = asyncio.run(load(emu, 1, args.resource_graph))
        print(f"sequential  (concurrency 1): {t1:6.2f} s, {n1} requests, {regs} registries")
        tn, nn, regs = asyncio.run(load(emu, args.concurrency, args.resource_graph))
        print(f"concurrent (concurrency {args.concurrency}): {tn:6.2f} s, {nn} requests, {regs} registries")
        print(f"speed-up: {t1 / tn:.1f}x")
    finally:
        thread.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
