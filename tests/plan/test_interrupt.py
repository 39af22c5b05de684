"""Issue 8 §8: interrupted is a state, and it is said.

Real processes: a standalone ``acrtui emulator`` (slow LROs) and ``acrtui apply`` / ``acrtui plan``, signalled
while a step is in flight (the progress line printed just before the step's request) or while planning (after the
emulator logged the plan's first ARM request).
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import acrtui

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
MIGRATE = str(EXAMPLES / "cmk-migration-contosostgacr.yaml")
SRC = str(Path(acrtui.__file__).resolve().parents[1])  # this checkout, also as cwd (-c puts cwd first on sys.path)
ACRTUI = [sys.executable, "-c", "from acrtui.cli import main; main()"]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]),
            "PYTHONWARNINGS": "default", **extra}


@pytest.fixture
def standalone() -> Iterator[dict[str, str]]:
    """``acrtui emulator --seed demo --lro-seconds 2``: the env lines it prints before ``ready``."""
    p = subprocess.Popen([*ACRTUI, "emulator", "--seed", "demo", "--lro-seconds", "2"], env=_env(), cwd=SRC,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    env: dict[str, str] = {}
    for line in p.stdout:
        if line.strip() == "ready":
            break
        k, _, v = line.strip().partition("=")
        env[k] = v
    try:
        assert "ACRTUI_EMULATOR_URL" in env, "the emulator did not start"
        yield env
    finally:
        p.terminate()
        p.wait()


def _admin(env: dict[str, str], method: str, what: str, body: Any = None) -> Any:
    req = urllib.request.Request(env["ACRTUI_EMULATOR_URL"] + "/_emulator/" + what, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": "Bearer " + env["ACRTUI_EMULATOR_ADMIN_TOKEN"],
                                          "Content-Type": "application/json"})
    ctx = ssl.create_default_context(cafile=env["ACRTUI_EMULATOR_CA"])
    with urllib.request.urlopen(req, context=ctx) as r:
        return json.loads(r.read() or b"{}")


def _apply_until(env: dict[str, str], marker: str, sig: int) -> tuple[int, str]:
    """Run ``acrtui apply MIGRATE --yes``; send ``sig`` as soon as ``marker`` is printed."""
    p = subprocess.Popen([*ACRTUI, "apply", MIGRATE, "--yes"], env=env, cwd=SRC, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    assert p.stdout is not None
    seen = []
    for line in p.stdout:
        seen.append(line)
        if marker in line:
            p.send_signal(sig)
            break
    seen.append(p.stdout.read())
    return p.wait(), "".join(seen)


@pytest.mark.parametrize(("sig", "code", "name"), [(signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")])
def test_a_signal_mid_apply_is_journaled_said_and_a_rerun_converges(standalone: dict[str, str], tmp_path: Path,
                                                                    sig: int, code: int, name: str) -> None:
    journal = tmp_path / "journal.jsonl"
    env = _env(**standalone, ACRTUI_JOURNAL=str(journal))
    rc, out = _apply_until(env, "contosostgcmk: Create Premium registry", sig)
    assert rc == code, out
    assert f"error: Interrupted ({name}): The apply stopped while this was in flight: Create Premium registry" in out
    assert "Azure may still be running the operation in flight" in out
    assert f"acrtui plan {MIGRATE}" in out and "az resource show --ids /subscriptions/" in out
    assert "Traceback" not in out and "Aborted!" not in out
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    stop = [e for e in entries if e["event"] == "interrupted"]
    assert len(stop) == 1 and stop[0]["in_flight"][0].startswith("CreateCmkRegistry:"), entries[-4:]
    assert [e["kind"] for e in entries if e.get("status") == "interrupted"] == ["CreateCmkRegistry"]

    again = subprocess.run([*ACRTUI, "apply", MIGRATE, "--yes"], env=env, cwd=SRC, capture_output=True, text=True)
    assert again.returncode == 0 and "Apply complete!" in again.stdout, again.stdout + again.stderr
    check = subprocess.run([*ACRTUI, "plan", MIGRATE, "--detailed-exitcode"], env=env, cwd=SRC, capture_output=True,
                           text=True)
    assert check.returncode == 0 and check.stdout.startswith("No changes."), check.stdout + check.stderr


def test_ctrl_c_while_planning_exits_130_cleanly(standalone: dict[str, str], tmp_path: Path) -> None:
    _admin(standalone, "PATCH", "config", {"latency_ms": 150})  # planning takes seconds: a signal lands in it
    mark = _admin(standalone, "GET", "requests")["lastSeq"]
    env = _env(**standalone, ACRTUI_JOURNAL=str(tmp_path / "journal.jsonl"))
    p = subprocess.Popen([*ACRTUI, "plan", MIGRATE], env=env, cwd=SRC, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    while not [r for r in _admin(standalone, "GET", f"requests?since={mark}")["value"] if r["kind"] == "arm"]:
        assert p.poll() is None, p.communicate()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate()
    assert p.returncode == 130, out + err
    assert err.strip().endswith("error: Interrupted (SIGINT) while planning: nothing was changed."), err
    assert "never awaited" not in err and "Traceback" not in err
    assert [r for r in _admin(standalone, "GET", f"requests?since={mark}&writes=1")["value"]] == []
