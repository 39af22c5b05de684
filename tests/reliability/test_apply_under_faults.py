"""Every example plan, planned and applied under faults: no phantom plan, convergence, no duplicates, true exits.

Each example runs against a fresh demo emulator under the fault mix (~10% 5xx, dropped connections, ARM
throttling at half ARM's budgets; see helpers.py):

1. Re-plans under faults, before the apply (changes pending) and after it (nothing left to do), either refuse with
   exit 3 ("Could not read everything the plan depends on") or print exactly the fault-free JSON plan, fingerprint
   included. Anything else is a phantom plan.
2. ``acrtui apply`` is re-run until it exits 0. After every attempt the faults pause and a fault-free ``acrtui
   plan`` says what really happened, which the attempt's exit code and words must not contradict: exit 0 and
   "Apply complete!" only when nothing is left to do; "every write landed" (exit 3, not verified) only when that
   is true; otherwise exit 3 (a read or a write failed): never 1, since every example plans cleanly.
3. Once the faults stop: "No changes.", and the emulator holds exactly what a fault-free apply of the same plan
   leaves (the same census by type: no duplicate identity, endpoint, role assignment, access policy or tag).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from acrtui.emulator import EmulatorConfig, EmulatorThread

from .helpers import PLANS, acrtui, census, faults_off, faults_on, state_of

pytestmark = pytest.mark.reliability
MAX_ATTEMPTS = 12  # an attempt fails when a drop hits a write (not retried: it may have landed)
REPLANS = 2  # under faults, before and after the apply
TALLY: Counter[str] = Counter()  # over the module: re-plans refused / equal to the fault-free plan


@pytest.fixture
def fresh() -> Iterator[EmulatorThread]:
    t = EmulatorThread("demo", config=EmulatorConfig(throttle=False))
    t.start()
    yield t
    t.stop()


def fault_free_plan(thread: EmulatorThread, plan: Path, journal: str) -> str:
    """The JSON plan with the faults paused (the truth the attempts under faults are held to)."""
    faults_off(thread)
    r = acrtui(thread.emulator, "plan", str(plan), "--format", "json", "--journal", journal)
    assert r.exit_code == 0, r.output  # fault-free, every example plans
    return r.stdout


def replans_refuse_or_equal(thread: EmulatorThread, plan: Path, journal: str, want: str) -> None:
    faults_on(thread)
    for _ in range(REPLANS):
        r = acrtui(thread.emulator, "plan", str(plan), "--format", "json", "--journal", journal)
        if r.exit_code == 3:
            assert r.stdout == "" and "Could not read everything the plan depends on" in r.stderr, r.output
            TALLY["refused"] += 1
        else:
            assert r.exit_code == 0 and r.stdout == want, f"phantom plan under faults:\n{r.output}"
            TALLY["equal"] += 1


def baseline(plan: Path, tmp_path: Path) -> dict[str, int]:
    with EmulatorThread("demo", config=EmulatorConfig(throttle=False)) as emu:
        r = acrtui(emu, "apply", str(plan), "--yes", "--journal", str(tmp_path / "baseline.jsonl"))
        assert r.exit_code == 0 and "Apply complete!" in r.stdout, r.output
        return dict(census(emu.state.to_json()))


@pytest.mark.parametrize("plan", PLANS, ids=[p.stem for p in PLANS])
def test_plan_and_apply_under_faults(plan: Path, fresh: EmulatorThread, tmp_path: Path) -> None:
    want = baseline(plan, tmp_path)
    journal = str(tmp_path / "journal.jsonl")
    emu = fresh.emulator
    pending = fault_free_plan(fresh, plan, journal)
    assert '"changes": true' in pending
    replans_refuse_or_equal(fresh, plan, journal, pending)

    codes, why = [], []
    for _ in range(MAX_ATTEMPTS):
        faults_on(fresh)
        r = acrtui(emu, "apply", str(plan), "--yes", "--journal", journal)
        codes.append(r.exit_code)
        done = '"changes": false' in fault_free_plan(fresh, plan, journal)
        said = f"exit {r.exit_code}\n{r.output}"
        assert r.exit_code in (0, 3), said
        assert ("Apply complete!" in r.stdout) == (r.exit_code == 0 and "No changes." not in r.stdout), said
        if r.exit_code == 0:
            assert done, "exit 0, but a fault-free plan still shows changes:\n" + said
            break
        assert "error: " in r.stderr, said
        why.append(next(line for line in r.stderr.splitlines() if line.startswith("error: "))[:160])
        if "every write landed" in r.stdout:
            assert done, "said every write landed, but a fault-free plan still shows changes:\n" + said
    assert codes[-1] == 0, f"did not converge in {MAX_ATTEMPTS} attempts: exit codes {codes}"

    settled = fault_free_plan(fresh, plan, journal)
    assert '"changes": false' in settled
    replans_refuse_or_equal(fresh, plan, journal, settled)
    faults_off(fresh)
    final = acrtui(emu, "plan", str(plan), "--detailed-exitcode", "--journal", journal)
    assert final.exit_code == 0 and final.stdout.startswith("No changes."), final.output
    got = dict(census(state_of(fresh)))
    assert got == want, {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}
    assert not any(k.endswith("#duplicate tags") and v for k, v in got.items())
    print(f"\n{plan.stem}: apply exit codes {codes}; re-plans under faults so far: {dict(TALLY)}",
          *why, sep="\n  ")
