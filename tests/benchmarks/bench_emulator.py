"""Emulator figures: seeding time per registry across fleet sizes, and request throughput over TLS.

Run: python tests/benchmarks/bench_emulator.py. Prints figures; the baseline is measured in the same run
(the smallest fleet's per-registry cost), so ratios near 1.0 mean seeding scales linearly.
"""

from __future__ import annotations

import asyncio
import time

from acrtui.emulator import Emulator, EmulatorConfig
from acrtui.emulator.seeds import build_seed


def seed_scaling() -> None:
    sizes = [(100, 2), (500, 5), (2000, 20)]
    per_reg: list[float] = []
    for n, s in sizes:
        t = time.perf_counter()
        build_seed(f"fleet:{n}x{s}")
        took = time.perf_counter() - t
        per_reg.append(took / n)
        print(f"fleet:{n}x{s:<3} seeded in {took:6.2f} s  ({took / n * 1000:.2f} ms/registry, x{per_reg[-1] / per_reg[0]:.2f} vs fleet:100)")


async def request_throughput(n: int = 300) -> None:
    from azure.mgmt.resource.resources.aio import ResourceManagementClient

    async with Emulator("empty", config=EmulatorConfig(throttle=False)) as emu:
        cred = emu.credential()
        async with cred, ResourceManagementClient(cred, emu.subscription_id, base_url=emu.url, connection_verify=str(emu.ca_path)) as rc:
            await rc.resource_groups.get("rg-empty")
            t = time.perf_counter()
            for _ in range(n):
                await rc.resource_groups.get("rg-empty")
            seq = time.perf_counter() - t
            t = time.perf_counter()
            await asyncio.gather(*(rc.resource_groups.get("rg-empty") for _ in range(n)))
            conc = time.perf_counter() - t
    print(f"{n} GETs over TLS: sequential {n / seq:.0f} req/s, concurrent {n / conc:.0f} req/s (x{seq / conc:.2f})")


if __name__ == "__main__":
    seed_scaling()
    asyncio.run(request_throughput())
