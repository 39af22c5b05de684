"""Plans are computed only on complete reads (issue 8 §3).

What ARM says is retryable (429 with Retry-After, 5xx, a dropped connection) is retried by the session's pipeline
and the plan comes out right; what still fails refuses the plan with ``IncompleteRead`` (exit 3) naming the read.
A 404 is absence (the plan creates the thing), a 403 names the action, and an apply whose writes all landed but
whose re-read failed says so (exit 3) instead of "failed" or "complete".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from acrtui.azure.session import AzureSession, RetrySettings
from acrtui.cli import cli
from acrtui.emulator import Emulator, EmulatorThread
from acrtui.errors import ExitCode
from acrtui.plan import engine
from acrtui.plan.engine import IncompleteRead, apply_planned, make_plan
from acrtui.plan.executor import Journal
from acrtui.plan.loader import load
from tests.azure.conftest import make_session

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
CMK = EXAMPLES / "cmk-migration-contosostgacr.yaml"
POLICIES = EXAMPLES / "assign-policies.yaml"
PROD = "741cfbc3-d07e-5815-a58f-cae9bd4c2ecf"
STG = "a2128325-8095-58b1-87b1-cff9e5e9f20a"
VAULT = "kv-contoso-prod-cmk"


@pytest.fixture
async def session(emu: Emulator) -> AsyncIterator[AzureSession]:
    s = make_session(emu, retry=RetrySettings(total=4, backoff_factor=0.01, backoff_max=1))
    yield s
    await s.close()


def shape(planned: Any) -> list[str]:
    return [f"{a.kind} {a.resource_id.lower()}" for a in planned.plan.actions]


async def test_throttling_and_transient_errors_are_retried_and_the_plan_is_right(
        emu: Emulator, session: AzureSession, journal: Journal) -> None:
    desired = load(CMK)
    want = shape(await make_plan(session, desired, journal))
    assert want, "the migration has work to do"
    mark = emu.last_seq
    emu.faults.add("503", path=f"/vaults/{VAULT}$", method="GET", count=2)
    emu.faults.add("500", path="/policyAssignments$", method="GET", count=2)
    emu.faults.add("drop", path="/userAssignedIdentities/", method="GET", count=1)
    # one wave of ARM throttling: buckets a 25th of ARM's (Retry-After: 1), back to ARM's numbers once the first 429 went out
    emu.config.throttle, emu.config.throttle_scale = True, 25.0

    def calm_down(entry: Any) -> None:
        if entry.status == 429:
            emu.config.throttle_scale = 1.0

    session.journal.listeners.append(calm_down)
    got = await make_plan(session, desired, journal)
    assert shape(got) == want and not got.world.estate.errors
    log = [r for r in emu.request_log if r.seq > mark and r.kind == "arm"]
    assert {r.status for r in log} >= {0, 429, 500, 503}, "every fault kind was injected"
    for bad in (r for r in log if r.status in (0, 429, 500, 503)):
        later = [r for r in log if r.seq > bad.seq and (r.method, r.path, r.query) == (bad.method, bad.path, bad.query)]
        assert any(r.status not in (0, 429, 500, 503) for r in later), f"{bad.method} {bad.path} was not retried"
        if bad.status == 429:  # the emulator said Retry-After: 1, and the retry came no sooner (a read of the
            # same URL running alongside may finish in between, so this asks for one such retry, not the next line)
            assert any(r.time - bad.time >= 0.9 for r in later), f"{bad.path}: retried before Retry-After"
    assert emu.writes(mark) == []


async def test_absence_is_a_404_and_is_planned_for(emu: Emulator, session: AzureSession, journal: Journal) -> None:
    """The migration's identity and key do not exist yet: 404s, so the plan creates them."""
    mark = emu.last_seq
    planned = await make_plan(session, load(CMK), journal)
    kinds = [a.kind for a in planned.plan.actions]
    assert "CreateUserAssignedIdentity" in kinds and "CreateCmkRegistry" in kinds
    not_found = {r.path.rsplit("/", 2)[-2] for r in emu.request_log if r.seq > mark and r.status == 404}
    assert {"userAssignedIdentities", "keys"} <= not_found


async def test_a_vault_read_that_keeps_failing_refuses_the_plan_not_names_it_missing(
        emu: Emulator, session: AzureSession, journal: Journal) -> None:
    """Seen: a throttled vault read became "names things that do not exist … Key Vault Reader" (exit 1)."""
    emu.faults.add("503", path=f"/vaults/{VAULT}$", method="GET")
    mark = emu.last_seq
    with pytest.raises(IncompleteRead) as info:
        await make_plan(session, load(CMK), journal)
    err = info.value
    assert err.exit_code == ExitCode.AZURE and err.title == "Could not read everything the plan depends on"
    assert any(VAULT in g and "ServiceUnavailable" in g for g in err.gaps), err.gaps
    assert "do not exist" not in err.message and "Key Vault Reader" not in err.message
    assert emu.writes(mark) == []


async def test_a_policy_list_that_fails_is_not_a_missing_assignment(
        emu: Emulator, session: AzureSession, journal: Journal) -> None:
    """Seen: re-plans under faults proposed phantom changes ("1 to add") on an estate that already matched."""
    desired = load(POLICIES)
    assert (await apply_planned(session, await make_plan(session, desired, journal), journal)).ok
    assert (await make_plan(session, desired, journal)).plan.empty
    emu.faults.add("503", path="/providers/Microsoft.Authorization/policyAssignments$", method="GET")
    with pytest.raises(IncompleteRead) as info:
        await make_plan(session, desired, journal)
    assert any(g.startswith("policy assignments in ") for g in info.value.gaps), info.value.gaps


async def test_a_403_names_the_action(emu: Emulator, journal: Journal) -> None:
    """The reader may read staging only: the migration's vault (in production) is a permission gap, exit 3."""
    reader = emu.login("reader").object_id
    for ra in emu.state.of_type("Microsoft.Authorization/roleAssignments", f"/subscriptions/{PROD}"):
        if ra.props.get("principalId") == reader:
            emu.state.delete(ra.id)
    s = make_session(emu, "reader", subscriptions=[STG])
    try:
        with pytest.raises(IncompleteRead) as info:
            await make_plan(s, load(CMK), journal)
    finally:
        await s.close()
    gap = next(g for g in info.value.gaps if VAULT in g)
    assert "Permission denied" in gap and "'Microsoft.KeyVault/vaults/read'" in gap and PROD in gap, gap


# ------------------------------------------------------------------------------------------------- the CLI


@pytest.fixture
def cli_emu(thread: EmulatorThread) -> Iterator[Emulator]:
    thread.call(thread.emulator.reset)
    yield thread.emulator
    thread.call(thread.emulator.faults.clear)


def invoke(emu: Emulator, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=emu.env(), catch_exceptions=False)


def test_apply_that_landed_but_could_not_re_read_says_so(cli_emu: Emulator, thread: EmulatorThread,
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen: an apply that landed all its writes exited 1 because the re-plan after it hit a read failure."""
    real = engine.apply_planned

    async def then_registries_fail(*args: Any, **kw: Any) -> Any:
        result = await real(*args, **kw)  # every write lands; then listing registries starts failing
        thread.call(cli_emu.faults.add, "503", "/providers/Microsoft.ContainerRegistry/registries$", "GET")
        return result

    monkeypatch.setattr(engine, "apply_planned", then_registries_fail)
    j = str(tmp_path / "journal.jsonl")
    r = invoke(cli_emu, "apply", str(POLICIES), "--yes", "--journal", j)
    assert r.exit_code == 3, r.output
    assert "Apply complete" not in r.output
    assert "Applied, not verified: every write landed (Resources: 2 added, 1 changed" in r.stdout
    assert "Could not read everything the plan depends on" in r.stderr and "registries in " in r.stderr
    assert f"Run `acrtui plan {POLICIES}` to verify" in r.stderr
    # under the same fault, planning refuses too (exit 3, not 1)
    r = invoke(cli_emu, "plan", str(POLICIES), "--journal", j)
    assert r.exit_code == 3 and "Could not read everything the plan depends on" in r.stderr, r.output
    thread.call(cli_emu.faults.clear)
    again = invoke(cli_emu, "plan", str(POLICIES), "--detailed-exitcode", "--journal", j)
    assert again.exit_code == 0 and again.stdout.startswith("No changes."), again.output
