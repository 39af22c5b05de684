"""Benchmark: load a fleet estate through the ARM path and the Resource Graph path, through the real SDK and emulator.

Run (a script, not a test)::

    .venv/bin/python tests/benchmarks/bench_inventory.py --seed fleet:500x20 --latency-ms 50 --process
    .venv/bin/python tests/benchmarks/bench_inventory.py --seed fleet:200x5 --sequential   # concurrency's effect

``--process`` runs ``acrtui emulator --seed … --latency-ms …`` as a separate process (ARM throttling on, as in
Azure) and connects as any client would; without it the emulator runs in this process (throttling off unless
``--throttle``). Prints, per path: wall time, requests (ARM / Resource Graph), 429s seen, time spent waiting for
Resource Graph's quota, and the ARM/Graph ratios measured in the same run (after one untimed warm-up load). ``--sequential`` adds a load with one
request in flight and prints the concurrency speed-up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from acrtui.azure.clouds import get_cloud
from acrtui.azure.inventory import Inventory
from acrtui.azure.session import AzureSession
from acrtui.azure.targets import TargetOptions, open_session


def _session(args: argparse.Namespace, env: dict[str, str] | None, emu: Any, concurrency: int) -> AzureSession:
    if env is not None:
        s = open_session(TargetOptions(read_only=True, concurrency=concurrency), env)
        s.set_concurrency(concurrency, concurrency)
        return s
    return AzureSession(cloud=get_cloud(emu.cloud).with_endpoint(emu.url), credential=emu.credential("reader"),
                        subscriptions=list(emu.subscription_ids), read_only=True, connection_verify=str(emu.ca_path),
                        polling_interval=0, concurrency=concurrency, per_subscription=concurrency)


async def load(args: argparse.Namespace, env: dict[str, str] | None, emu: Any, mode: str,
               concurrency: int) -> dict[str, Any]:
    s = _session(args, env, emu, concurrency)
    try:
        await s.resolve_subscriptions()
        before = len(s.journal)
        inv = Inventory(s, mode=mode)
        start = time.perf_counter()
        est = await inv.load()
        wall = time.perf_counter() - start
        entries = list(s.journal)[before:]
        graph = [e for e in entries if "microsoft.resourcegraph" in e.url.lower()]
        return {"mode": inv.path, "wall": wall, "requests": len(entries), "graph": len(graph),
                "429": sum(1 for e in entries if e.status == 429), "waited": inv.graph.waited if inv.graph else 0.0,
                "registries": len(est.registries), "gaps": len(est.gaps)}
    finally:
        await s.close()


def start_process(seed: str, latency_ms: float) -> tuple[subprocess.Popen[str], dict[str, str]]:
    cmd = [sys.executable, "-c", "from acrtui.cli import main; main()", "emulator", "--seed", seed, "--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env={**os.environ})
    env = dict(os.environ)
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.strip()
        if line == "ready":
            return proc, env
        if "=" in line and not line.startswith("#"):
            k, _, v = line.removeprefix("export ").partition("=")
            env[k] = v
    raise RuntimeError(f"the emulator exited before it was ready (exit {proc.wait()})")


def show(r: dict[str, Any], label: str) -> None:
    print(f"{label:<24} {r['wall']:7.2f} s  {r['requests']:6d} requests ({r['graph']} Resource Graph)  "
          f"{r['429']} × 429  quota waits {r['waited']:.1f} s  {r['registries']} registries, {r['gaps']} gaps")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", default="fleet:200x20")
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--process", action="store_true", help="run the emulator as a separate process")
    ap.add_argument("--throttle", action="store_true", help="in-process emulator: keep ARM's throttling")
    ap.add_argument("--sequential", action="store_true", help="also load with one request in flight")
    args = ap.parse_args()
    proc, env, thread, emu = None, None, None, None
    if args.process:
        proc, env = start_process(args.seed, args.latency_ms)
    else:
        from acrtui.emulator import EmulatorConfig, EmulatorThread

        thread = EmulatorThread(args.seed, config=EmulatorConfig(latency_ms=args.latency_ms, throttle=args.throttle))
        emu = thread.start()
    try:
        print(f"{args.seed}, {args.latency_ms:g} ms per request, concurrency {args.concurrency}, emulator "
              + ("in its own process" if proc else "in this process"))
        asyncio.run(load(args, env, emu, "graph", args.concurrency))  # warm-up: SDK imports, first TLS handshakes
        arm = asyncio.run(load(args, env, emu, "arm", args.concurrency))
        show(arm, "ARM path")
        graph = asyncio.run(load(args, env, emu, "graph", args.concurrency))
        show(graph, "Resource Graph path")
        auto = asyncio.run(load(args, env, emu, "auto", args.concurrency))
        show(auto, f"auto (chose {auto['mode']})")
        print(f"Graph vs ARM: {arm['wall'] / graph['wall']:.2f}x faster, "
              f"{arm['requests'] / max(graph['requests'], 1):.2f}x fewer requests")
        if args.sequential:
            seq = asyncio.run(load(args, env, emu, "arm", 1))
            show(seq, "ARM, 1 in flight")
            print(f"concurrency speed-up (ARM): {seq['wall'] / arm['wall']:.1f}x")
    finally:
        if thread is not None:
            thread.stop()
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
