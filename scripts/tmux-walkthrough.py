#!/usr/bin/env python3
"""Drive the console under tmux from the keyboard only, printing each screen for a person to watch.

Run: ``python scripts/tmux-walkthrough.py [--size 160x45] [--delay 0.5]`` (needs ``tmux``; Debian:
``apt-get install -y tmux``). It starts ``acrtui --demo`` in a detached tmux session, then walks two flows as a
new operator would, sending only keys (``tmux send-keys``) and reading only the screen (``capture-pane``):

1. private endpoint: open every subscription (ctrl+a), filter to sandboxpremium (``/`` + name + Enter), open it
   (Enter), ``p`` (endpoint wizard), to its first field (shift+tab, tab), pick the first subnet (Enter, Down,
   Enter on the subnet list), review, tick the way forward the review offers (the client-firewall
   acknowledgement: shift+tab, space; the plan is made again), apply (ctrl+y, then Tab from Cancel to
   "Apply" and Enter), back (esc), and the same wizard again must plan "No changes".
2. CMK migration: filter to contosostgacr, open it, ``m`` (migration wizard), keep the offered values (the steps
   live in :data:`MIGRATION_STEPS` and :data:`CONFIRM_TYPED`, to follow the wizard as it changes), review, tick
   purge protection for the key's vault into the plan (a way forward), type the new registry's name into the
   confirmation, apply, back, and ``m`` again must plan "No changes".

Each step waits (bounded) for the text it expects and prints the screen; a missing text exits 1 with the screen.
``--demo`` keeps everything in a temporary directory, so the walkthrough leaves nothing behind.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
Step = tuple[str, list[str], list[str]]  # (what, keys, texts that must then be on screen)


class Tmux:
    """A tmux server of its own (``-L``): a shared default server sized the window by other sessions and clients
    (the migration flow then ran at 80 columns, its discovered-tags line below the fold), and closing it must not
    touch anyone else's sessions."""

    def __init__(self, command: str, size: str, delay: float, out: Callable[[str], None]) -> None:
        self.name = f"acrtui-walk-{uuid.uuid4().hex[:8]}"
        self.tmux = ["tmux", "-L", self.name, "-f", "/dev/null"]
        self.delay, self.out = delay, out
        cols, rows = size.split("x")
        subprocess.run([*self.tmux, "new-session", "-d", "-s", self.name, "-x", cols, "-y", rows, command],
                       check=True)
        subprocess.run([*self.tmux, "set-option", "-g", "window-size", "manual"], check=True)
        subprocess.run([*self.tmux, "resize-window", "-t", self.name, "-x", cols, "-y", rows], check=True)
        got = subprocess.run([*self.tmux, "display", "-p", "-t", self.name, "#{window_width}x#{window_height}"],
                             capture_output=True, text=True).stdout.strip()
        out(f"tmux window {got} (asked {size})")

    def keys(self, *keys: str) -> None:
        for k in keys:
            if k.startswith("text:"):  # literal text, typed
                subprocess.run([*self.tmux, "send-keys", "-t", self.name, "-l", k[5:]], check=True)
            else:
                subprocess.run([*self.tmux, "send-keys", "-t", self.name, k], check=True)
            time.sleep(self.delay)

    def screen(self) -> str:
        r = subprocess.run([*self.tmux, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return r.stdout

    def wait(self, texts: list[str], timeout: float) -> str:
        end = time.monotonic() + timeout
        while True:
            s = self.screen()
            if all(t in s for t in texts):
                return s
            if time.monotonic() > end:
                raise LookupError(f"not on screen after {timeout:.0f} s: {[t for t in texts if t not in s]}\n{s}")
            time.sleep(0.2)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)  # this walkthrough's own server only


def open_registry(name: str) -> list[Step]:
    return [(f"filter the registry list to {name}", ["/", f"text:{name}", "Enter"], [name, "1 of 8 registries"]),
            (f"open {name}", ["Enter"], [f"registry {name}"])]


# Wizards open with their first field focused, and Enter in a text field reviews the plan. In the private
# endpoint wizard the first field is the subnet list (Enter opens it, Down + Enter picks the first subnet); three
# tabs (approval, private DNS) reach the endpoint name, a text field.
FIRST: list[str] = []
# the plan review keeps Cancel focused; its ways forward (steps the console can add) sit above the plan text
WAY_FORWARD = ["BTab", "Space"]
REVIEW = ["Tab", "Tab", "Tab", "Enter"]  # from the subnet list to the endpoint name, then review

ENDPOINT_STEPS: list[Step] = [
    *open_registry("sandboxpremium"),
    ("p: the private endpoint wizard (waits for the subnets)", ["p"], ["found; needs"]),
    ("pick the first subnet", [*FIRST, "Enter", "Down", "Enter"], ["usable)"]),
    ("review the plan", REVIEW, ["Plan:", "to add", "Add to this plan: client firewalls allow"]),
    ("way forward: shift+tab to its box, space: the acknowledgement is added, "
     "the plan is made again", WAY_FORWARD, ["[on]  Add to this plan: client firewalls allow", "Planned again with 1 way(s) forward"]),
    ("ctrl+y: apply (the confirmation opens on Cancel)", ["C-y"], ["Apply this plan?"]),
    ("Tab to Apply, Enter", ["Tab", "Enter"], ["Applied"]),
    ("back to the registry", ["Escape"], ["registry sandboxpremium"]),
    ("p again", ["p"], ["found; needs"]),
    ("the same endpoint again", [*FIRST, "Enter", "Down", "Enter"], ["usable)"]),
    ("review: nothing left to do", REVIEW, ["No changes"]),
    ("close", ["Escape"], ["registry sandboxpremium"]),
    ("back to the list", ["Escape", "Escape"], ["of 8 registries"]),
]

# The migration wizard opens on the new registry's name (a text field: Enter reviews) and offers every tag the
# source's data plane lists. What cannot be undone asks for the name: the box is focused, Enter confirms.
CONFIRM_TYPED = ["text:contosostgacrcmk", "Enter"]
MIGRATION_STEPS: list[Step] = [
    *open_registry("contosostgacr"),
    ("m: the CMK migration wizard (waits for the discovered tags)", ["m"], ["CMK migration", "tag(s) in"]),
    ("review the plan (the offered values, every discovered tag)", ["Enter"],
     ["plan review", "Plan: Migrate contosostgacr", "Add to this plan: turn purge protection on"]),
    ("way forward: tick purge protection for the key's vault into this plan", WAY_FORWARD,
     ["[on]  Add to this plan: turn purge protection on", "Planned again with 1 way(s) forward", "2 to change"]),
    ("ctrl+y: apply; the new registry's name must be typed", ["C-y"], ["Apply this plan?"]),
    ("type the name, then Apply", CONFIRM_TYPED, ["Applied"]),
    ("back to the registry", ["Escape"], ["registry contosostgacr"]),
    ("m again", ["m"], ["CMK migration", "tag(s) in"]),
    ("review: nothing left to do", ["Enter"], ["No changes"]),
    ("close", ["Escape"], ["registry contosostgacr"]),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="160x45")
    ap.add_argument("--delay", type=float, default=0.3, help="seconds between keys")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each screen")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--quiet", action="store_true", help="print step names only, not screens")
    ap.add_argument("--flows", default="endpoint,migration")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed: apt-get install -y tmux", file=sys.stderr)
        return 2
    home = tempfile.mkdtemp(prefix="acrtui-walk-")
    env = {"PYTHONPATH": str(ROOT), "XDG_STATE_HOME": f"{home}/state", "XDG_CONFIG_HOME": f"{home}/config",
           "TERM": "xterm-256color"}
    command = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + \
        f" {shlex.quote(args.python)} -m acrtui --demo; echo 'acrtui exited'; sleep 600"
    # COLUMNS/LINES from the caller (pytest sets them) would override the pane's size in Textual: 80 columns
    t = Tmux(f"cd {shlex.quote(home)} && env -u COLUMNS -u LINES {command}", args.size, args.delay, print)
    steps: list[Step] = [("start: acrtui --demo", [], ["Choose a subscription", "3 subscriptions"]),
                         ("ctrl+a (C-a): open every subscription", ["C-a"], ["8 of 8 registries"])]
    flows = {"endpoint": ENDPOINT_STEPS, "migration": MIGRATION_STEPS}
    for f in args.flows.split(","):
        steps += flows[f]
    try:
        for n, (what, keys, texts) in enumerate(steps, 1):
            t.keys(*keys)
            screen = t.wait(texts, args.timeout)
            print(f"\n=== step {n}: {what}  (keys: {' '.join(keys) or '-'})")
            if not args.quiet:
                print(screen.rstrip())
        t.keys("C-q")
        print("\n=== quit (ctrl+q)")
        print(t.wait(["acrtui exited"], args.timeout).rstrip())
        print("\nwalkthrough complete")
        return 0
    except LookupError as e:
        print(f"\n=== FAILED at step {n}: {what}\n{e}", file=sys.stderr)
        return 1
    finally:
        t.close()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
