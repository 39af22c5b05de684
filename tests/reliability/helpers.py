"""What the fault-injection suite shares: the fault mix, a census of the emulator's state, the CLI in process.

The fault mix is issue 8's: about 10% 5xx (500 and 503), dropped connections, and ARM throttling with budgets a
fraction of ARM's (429 with Retry-After). The emulator's fault dice are seeded (``Faults(seed=1)``), so a run
injects the same sequence of faults for the same sequence of requests.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from acrtui.cli import cli
from acrtui.emulator import Emulator, EmulatorThread

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
PLANS = sorted(EXAMPLES.glob("*.yaml"))
CMK_MIGRATION = EXAMPLES / "cmk-migration-contosostgacr.yaml"

FAULTS: list[dict[str, Any]] = [  # every ARM request, not the token endpoint
    {"kind": "500", "rate": 0.05},
    {"kind": "503", "rate": 0.05},
    {"kind": "drop", "rate": 0.02},
]
THROTTLE_SCALE = 2.0  # ARM's read budget per subscription halved: 125 reads, then 12.5 a second


def faults_on(thread: EmulatorThread, throttle_scale: float | None = THROTTLE_SCALE) -> None:
    """The fault mix on every ARM request, with ARM throttling at ``throttle_scale`` (None: no throttling)."""
    emu = thread.emulator

    def on() -> None:
        emu.faults.clear()
        for f in FAULTS:
            emu.faults.add(f["kind"], rate=f["rate"])
        emu.config.throttle = throttle_scale is not None
        emu.config.throttle_scale = throttle_scale or 1.0

    thread.call(on)


def faults_off(thread: EmulatorThread) -> None:
    emu = thread.emulator

    def off() -> None:
        emu.faults.clear()
        emu.config.throttle = False

    thread.call(off)


def census(state: dict[str, Any]) -> Counter[str]:
    """How many of each resource type (and of what lives inside bodies: access policies, tags in repositories).

    Two applies of one plan must leave the same census: an extra role assignment, endpoint, identity, access
    policy or diagnostic setting is a duplicate some retry or re-run created.
    """
    out: Counter[str] = Counter()
    for r in state["resources"]:
        rtype = str(r["body"].get("type", "")).lower()
        out[rtype] += 1
        props = r["body"].get("properties") or {}
        if rtype == "microsoft.keyvault/vaults":
            out[rtype + "#accessPolicies"] += len(props.get("accessPolicies") or [])
        if rtype == "microsoft.containerregistry/registries":
            for tags in (r.get("extra") or {}).get("repositories", {}).values():
                out[rtype + "#tags"] += len(tags)
                out[rtype + "#duplicate tags"] += len(tags) - len(set(tags))
    return out


def repositories(state: dict[str, Any], registry: str) -> dict[str, list[str]]:
    for r in state["resources"]:
        if str(r["body"].get("type", "")).lower() == "microsoft.containerregistry/registries" \
                and str(r["body"].get("name", "")).lower() == registry.lower():
            return dict((r.get("extra") or {}).get("repositories", {}))
    raise AssertionError(f"registry {registry} does not exist")


def state_of(thread: EmulatorThread) -> dict[str, Any]:
    return thread.call(lambda: thread.emulator.state.to_json())  # type: ignore[no-any-return]


def acrtui(emu: Emulator, *args: str) -> Result:
    """``acrtui ARGS`` in process, against ``emu`` through the environment (as a user's shell would)."""
    return CliRunner().invoke(cli, list(args), env=emu.env(), catch_exceptions=False)
