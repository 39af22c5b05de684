"""scripts/tmux-walkthrough.py against ``--demo``: the keyboard-only private endpoint and CMK migration flows reach
every expected screen, apply, and a second plan says "No changes" (the script exits 1 with the screen otherwise)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it: apt-get install -y tmux)")
@pytest.mark.xdist_group("tmux")  # one worker runs both flows, one after the other (each its own tmux server)
@pytest.mark.parametrize("flow", ["endpoint", "migration"])
def test_walkthrough_under_tmux(flow: str) -> None:
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "tmux-walkthrough.py"), "--flows", flow, "--size",
                        "160x45", "--delay", "0.3", "--timeout", "120"], capture_output=True, text=True, timeout=900,
                       cwd=ROOT)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-6000:]
    out = r.stdout
    assert "Plan:" in out and "Applied" in out and "No changes" in out
    assert out.rstrip().endswith("walkthrough complete")
