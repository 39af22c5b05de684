"""The issue's must-show: ``acrtui emulator`` as a separate process, driven by a script that uses only the public
SDK and the lines the emulator printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "sdk-scenario.py"


def test_sdk_script_against_a_standalone_emulator() -> None:
    emu = subprocess.Popen([sys.executable, "-m", "acrtui", "emulator", "--seed", "empty"], stdout=subprocess.PIPE, text=True)
    try:
        assert emu.stdout is not None
        env = dict(os.environ)
        for line in iter(emu.stdout.readline, ""):
            line = line.strip()
            if line == "ready":
                break
            key, _, value = line.partition("=")
            env[key] = value
        run = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120)
    finally:
        emu.terminate()
        emu.wait(timeout=10)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1] == "all steps behaved as Azure does"
    assert not [x for x in lines if x.startswith("FAIL")]
    assert any("CannotDisableEncryption" in x for x in lines) and any("AuthorizationFailed" in x for x in lines)
