"""``acrtui --demo``: the demo emulator in its own process, when a core is free for it.

In process, the emulator's start (aiohttp, its TLS contexts, the seed) and the server half of every request run on
the console's interpreter, behind the first rows. As ``acrtui emulator --seed demo`` in a child process (spawned by
``run_tui`` before the console is built, so it starts while Textual draws the first frame and the opening worker
imports the SDK) it runs on another core, and the console reaches it as any emulator (the same SDK, TLS and CA). The child dies with the
console: it is stopped on close, and on Linux the kernel signals it if the console is killed. Imports neither
Textual nor the SDK.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping

from acrtui.errors import SignInError


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """PR_SET_PDEATHSIG: the kernel sends SIGTERM to the emulator when the console's process ends, however it ends."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class DemoEmulator:
    """A running ``acrtui emulator --seed SEED``; :meth:`env` waits for its connection lines."""

    def __init__(self, seed: str = "demo", cloud: str = "AzureCloud") -> None:
        self._stderr = tempfile.TemporaryFile()
        self._env: dict[str, str] | None = None
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "acrtui", "emulator", "--seed", seed, "--cloud", cloud],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr, text=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )

    def env(self) -> Mapping[str, str]:
        """``ACRTUI_EMULATOR_URL`` and the rest, once the emulator says ``ready`` (blocks: call from a thread)."""
        if self._env is None:
            assert self.proc.stdout is not None
            env: dict[str, str] = {}
            for line in self.proc.stdout:
                line = line.strip()
                if line == "ready":
                    self._env = env
                    break
                key, sep, value = line.partition("=")
                if sep:
                    env[key] = value
            else:
                self._stderr.seek(0)
                detail = self._stderr.read().decode(errors="replace").strip().splitlines()[-3:]
                raise SignInError("The demo emulator did not start: " + (" / ".join(detail) or "no output") +
                                  ". Run `acrtui emulator --seed demo` to see why.", title="Demo unavailable")
        return self._env

    def session_env(self, *, read_only: bool) -> dict[str, str]:
        """The environment ``open_session`` reads for an emulator target; a read-only demo signs in as the reader."""
        env = dict(os.environ)
        emu = self.env()
        env.update({k: v for k, v in emu.items() if k.startswith(("ACRTUI_EMULATOR_", "AZURE_"))})
        if read_only:
            env["AZURE_CLIENT_ID"] = emu["ACRTUI_READER_CLIENT_ID"]
            env["AZURE_CLIENT_SECRET"] = emu["ACRTUI_READER_CLIENT_SECRET"]
        return env

    def stop(self) -> None:
        """Stop the child (idempotent: the session's close and the console's exit both call it)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()


def spare_core() -> bool:
    """Whether a core is free for the emulator's own process. Then it starts and serves in parallel with the
    console; on a saturated machine a second interpreter only adds CPU (its own imports, aiohttp twice), and the
    demo runs in process instead. Measured with tests/benchmarks/bench_console.py on 2 cores, to complete: load 4,
    7.5 s child vs 8.4 s in process; load 14, 15.7 s child vs 12.5 s in process."""
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this platform: stay in process
        return False
    return load <= (os.cpu_count() or 1) - 1
