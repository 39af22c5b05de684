"""``kill -9`` at seeded-random points of a CMK migration with slow operations, then re-run: it converges.

A standalone ``acrtui emulator --seed demo --lro-seconds 1`` (its own process, as a user runs it) serves the
migration; ``acrtui apply`` runs in a subprocess and is SIGKILLed a few times, each time once the run has started
its N-th step and M more ARM requests went out (N and M drawn from a fixed seed; a kill often lands while Azure is
still running the operation). The last run goes to completion. Then: "No changes.", both images are in the new
registry and in the journal, and the emulator holds exactly what an uninterrupted apply leaves (no duplicates).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from acrtui.cli import cli
from acrtui.emulator import EmulatorConfig, EmulatorThread

from .helpers import CMK_MIGRATION, census, repositories

pytestmark = pytest.mark.reliability
SEED = 20260504
KILLS = 3
IMAGES = {("payments/api", "1.5.0-rc1"), ("platform/nginx", "1.27")}
STEP_TIMEOUT_S = 120  # a bound on waiting for one run (a hung apply fails the test instead of hanging CI)


class Standalone:
    """``acrtui emulator`` in its own process: the env lines it prints, and its admin API over verified TLS."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "acrtui", "emulator", *args], stdout=subprocess.PIPE,
                                     text=True, env=os.environ.copy())
        self.env: dict[str, str] = {}
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip() == "ready":
                break
            key, _, value = line.strip().partition("=")
            self.env[key] = value
        assert "ACRTUI_EMULATOR_URL" in self.env, f"the emulator did not start: {self.env}"
        url = urlsplit(self.env["ACRTUI_EMULATOR_URL"])
        ctx = ssl.create_default_context(cafile=self.env["ACRTUI_EMULATOR_CA"])
        self.conn = http.client.HTTPSConnection(url.hostname or "127.0.0.1", url.port, context=ctx, timeout=30)
        self.seq = 0

    def admin(self, path: str) -> Any:
        self.conn.request("GET", "/_emulator/" + path,
                          headers={"Authorization": f"Bearer {self.env['ACRTUI_EMULATOR_ADMIN_TOKEN']}"})
        resp = self.conn.getresponse()
        body = resp.read()
        assert resp.status == 200, body
        return json.loads(body)

    def arm_requests_since_mark(self) -> int:
        rows = self.admin(f"requests?since={self.seq}")["value"]
        return sum(1 for r in rows if r["kind"] == "arm")

    def mark(self) -> None:
        self.seq = int(self.admin("requests?since=999999999")["lastSeq"])

    def stop(self) -> None:
        self.conn.close()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def standalone() -> Iterator[Standalone]:
    emu = Standalone("--seed", "demo", "--lro-seconds", "1")
    yield emu
    emu.stop()


def started_steps(journal: Path, offset: int) -> int:
    if not journal.exists():
        return 0
    with journal.open("rb") as f:
        f.seek(offset)
        return f.read().count(b'"status": "started"')


def pending_actions(env: dict[str, str], journal: Path) -> int:
    r = CliRunner().invoke(cli, ["plan", str(CMK_MIGRATION), "--format", "json", "--journal", str(journal)],
                           env=env, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return len(json.loads(r.stdout)["actions"])


def apply(emu: Standalone, journal: Path, log: Path, kill_at: tuple[int, int] | None) -> tuple[int, bool]:
    """Run ``acrtui apply`` (killed at (step, requests) when given); its exit code and whether it was killed."""
    offset = journal.stat().st_size if journal.exists() else 0
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "acrtui", "apply", str(CMK_MIGRATION), "--yes",
                                 "--journal", str(journal)], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **emu.env})
        deadline = time.monotonic() + STEP_TIMEOUT_S
        armed = False
        try:
            while kill_at is not None and proc.poll() is None and time.monotonic() < deadline:
                if not armed and started_steps(journal, offset) >= kill_at[0]:
                    emu.mark()
                    armed = True
                if armed and emu.arm_requests_since_mark() >= kill_at[1]:
                    proc.send_signal(signal.SIGKILL)
                    break
                time.sleep(0.01)
            code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        finally:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
    return code, code == -signal.SIGKILL


def baseline(tmp_path: Path) -> dict[str, int]:
    with EmulatorThread("demo", config=EmulatorConfig(throttle=False)) as emu:
        r = CliRunner().invoke(cli, ["apply", str(CMK_MIGRATION), "--yes", "--journal", str(tmp_path / "b.jsonl")],
                               env=emu.env(), catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return dict(census(emu.state.to_json()))


def test_kill_9_during_a_cmk_migration_then_rerun_converges(standalone: Standalone, tmp_path: Path) -> None:
    want = baseline(tmp_path)
    rng = random.Random(SEED)
    journal = tmp_path / "journal.jsonl"
    env = {**standalone.env}
    attempts = killed = 0
    for i in range(KILLS):
        left = pending_actions(env, journal)
        if left == 0:
            break  # an operation in flight when the last run was killed finished the job
        attempts += 1
        code, was_killed = apply(standalone, journal, tmp_path / f"apply-{i}.log",
                                 (rng.randint(1, left), rng.randint(0, 8)))
        killed += was_killed
    assert attempts >= 2 and killed == attempts, f"{killed} of {attempts} runs were killed before they finished"
    code, _ = apply(standalone, journal, tmp_path / "apply-final.log", None)
    output = (tmp_path / "apply-final.log").read_text()
    assert code == 0 and ("Apply complete!" in output or output.startswith("No changes.")), output
    assert pending_actions(env, journal) == 0, "the migration did not converge"

    state = standalone.admin("state")
    assert dict(census(state)) == want
    repos = repositories(state, "contosostgcmk")
    assert all(tag in repos.get(repo, []) for repo, tag in IMAGES), repos
    lines = [json.loads(x) for x in journal.read_text().splitlines() if x.strip()]
    journaled = {tuple(str(e["image"]).split(":", 1)) for e in lines
                 if e.get("event") == "image" and e.get("result") in ("imported", "already present")}
    assert journaled == IMAGES
    r = CliRunner().invoke(cli, ["plan", str(CMK_MIGRATION), "--detailed-exitcode", "--journal", str(journal)],
                           env=env, catch_exceptions=False)
    assert r.exit_code == 0 and r.stdout.startswith("No changes."), r.output
