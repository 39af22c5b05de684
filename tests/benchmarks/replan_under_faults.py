"""Re-plan the example plans under faults and tally what came back: equal to the fault-free plan, refused, or wrong.

    python tests/benchmarks/replan_under_faults.py [--rounds N] [--throttle-scale S]

Three examples are applied first (their plans say "No changes."), two stay pending. Each round re-plans all five
with ``acrtui plan --format json`` under ~10% 5xx (500 and 503), 2% dropped connections and ARM throttling with
budgets divided by S. Outcomes: ``equal`` (the fault-free JSON plan, byte for byte), ``refused (exit 3)``, and the
wrong answers: ``phantom`` (exit 0, a different plan) and ``refused as invalid (exit 1)`` (e.g. "names things that
do not exist" because a read failed). Uses the CLI only, so it runs against older checkouts too
(``PYTHONPATH=<checkout> python …``) to compare.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from acrtui.cli import cli
from acrtui.emulator import EmulatorConfig, EmulatorThread

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
APPLIED_FIRST = ["harden-contosoprodlost-network", "assign-policies", "fix-contosoprodlost-cmk"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--throttle-scale", type=float, default=4.0)
    args = ap.parse_args()
    plans = sorted(EXAMPLES.glob("*.yaml"))
    journal = str(Path("/tmp") / f"acrtui-replan-bench-{time.time_ns()}.jsonl")
    with EmulatorThread("demo", config=EmulatorConfig(throttle=False)) as emu:
        def acrtui(*a: str) -> tuple[int, str, str]:
            r = CliRunner().invoke(cli, [*a, "--journal", journal], env=emu.env(), catch_exceptions=False)
            return r.exit_code, r.stdout, r.stderr

        for name in APPLIED_FIRST:
            assert acrtui("apply", str(EXAMPLES / f"{name}.yaml"), "--yes")[0] == 0
        want = {p: acrtui("plan", str(p), "--format", "json")[1] for p in plans}
        emu.faults.add("500", rate=0.05)
        emu.faults.add("503", rate=0.05)
        emu.faults.add("drop", rate=0.02)
        emu.config.throttle, emu.config.throttle_scale = True, args.throttle_scale
        tally: Counter[str] = Counter()
        start = time.perf_counter()
        for _ in range(args.rounds):
            for p in plans:
                code, out, _err = acrtui("plan", str(p), "--format", "json")
                kind = ("equal" if out == want[p] else "phantom") if code == 0 else f"refused (exit {code})"
                if code == 1:
                    kind = "refused as invalid (exit 1)"
                tally[kind] += 1
        took = time.perf_counter() - start
    total = sum(tally.values())
    print(f"{total} re-plans under faults (throttle scale {args.throttle_scale}) in {took:.0f} s:", file=sys.stderr)
    for kind, n in sorted(tally.items()):
        print(f"  {kind:30} {n:3}  ({100 * n / total:.0f}%)")


if __name__ == "__main__":
    main()
