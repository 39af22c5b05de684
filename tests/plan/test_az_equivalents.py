"""The ``az`` commands acrtui prints are right: run them with the real Azure CLI, then plan again → "No changes.".

For every example plan (examples/plans/) and every focused case (tests/plan/az_cases/, together covering every
action kind), against a freshly seeded demo estate: ``acrtui plan FILE --format az`` renders a script, bash runs
it with an unchanged ``az`` signed in to the emulator (``set -euo pipefail``: the first failing command fails the
test), and ``acrtui plan FILE --detailed-exitcode`` must answer "No changes.": the commands reached exactly the state
the plan wanted. A case file's ``# setup: <az arguments>`` lines run before it is planned (things a plan cannot
create, such as an RBAC vault).

The audit's remediation commands are checked the same way for a handful of checks: take a failing finding's
``command`` from ``acrtui audit --format json``, fill the placeholders the audit cannot know, run it,
audit again, and the finding passes.

The emulator is started once with the demo seed and reset to a fresh demo state (``Emulator.reset``: same URL and
CA; the CLI only signs in again) before each case, so the CLI is set up once. Not verifiable here: the Key Vault data plane
(``az keyvault key …``): no plan rendering uses it (keys go through the ARM keys API, as acrtui does), and the one
check that does (ACR-CMK-004) says so in its command.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest

from acrtui.domain.actions import AnyAction
from acrtui.emulator import Emulator, EmulatorConfig
from acrtui.emulator.server import EmulatorThread
from tests.emulator.test_azure_cli import AZ, SKIP_REASON, Az

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not AZ or not Path(AZ).is_file(), reason=SKIP_REASON)]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "plans").glob("*.yaml"))
CASES = sorted((Path(__file__).parent / "az_cases").glob("*.yaml"))
TIMEOUT_S = 600
NO_CHANGES = "No changes."


class World:
    """One demo emulator, a signed-in CLI, and ``az`` on PATH for scripts (ACRTUI_AZ_CLI may name another file)."""

    def __init__(self, thread: EmulatorThread, emu: Emulator, az: Az, bin_dir: Path) -> None:
        self.thread, self.emu, self.az = thread, emu, az
        self.script_env = {**az.env, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
                           "AZURE_CORE_ONLY_SHOW_ERRORS": "true"}
        self.acrtui_env: dict[str, str] = {}
        self.journal = bin_dir / "journal.jsonl"  # never written: plan does not write the journal

    def fresh(self) -> None:
        """A freshly seeded demo estate; reset keeps the principals and their secrets, so az stays signed in."""
        self.thread.call(self.emu.reset, "demo")
        self.acrtui_env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "ACRTUI_EMULATOR"))}
        self.acrtui_env.update(self.emu.env())

    def acrtui(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``acrtui …`` in process (the emulator runs on its own thread); plans read an empty journal of their own
        (no imports recorded by other runs)."""
        from click.testing import CliRunner

        from acrtui.cli import cli

        journal = ["--journal", str(self.journal)] if args[0] == "plan" else []
        env: dict[str, str | None] = {k: None for k in os.environ if k.startswith(("AZURE_", "ACRTUI_EMULATOR"))}
        env.update(self.acrtui_env)
        r = CliRunner().invoke(cli, [*args, *journal], env=env)
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            raise r.exception
        return subprocess.CompletedProcess(["acrtui", *args], r.exit_code, r.stdout, r.stderr)

    def bash(self, script: str, path: Path) -> subprocess.CompletedProcess[str]:
        path.write_text(script, encoding="utf-8")
        return subprocess.run(["bash", str(path)], env=self.script_env, capture_output=True, text=True,
                              timeout=TIMEOUT_S, check=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    assert AZ is not None
    bin_dir = tmp_path_factory.mktemp("bin")
    (bin_dir / "az").symlink_to(Path(AZ).resolve())
    thread = EmulatorThread("demo", config=EmulatorConfig(throttle=False))
    emu = thread.start()
    try:
        az = Az(emu, tmp_path_factory.mktemp("azure-config"))
        az.setup()
        yield World(thread, emu, az, bin_dir)
    finally:
        thread.stop()


def plan_az(world: World, path: Path) -> str:
    p = world.acrtui("plan", str(path), "--format", "az")
    assert p.returncode == 0, f"acrtui plan {path.name} --format az → {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p.stdout


def assert_no_changes(world: World, path: Path, ran: str) -> None:
    """Plan again: "No changes.". Image imports are the exception: acrtui knows only the imports its own journal
    recorded (image tags are data plane), so imports done by ``az acr import`` are checked in the emulator's state."""
    again = world.acrtui("plan", str(path), "--format", "json")
    assert again.returncode == 0, again.stderr
    left = json.loads(again.stdout)["actions"]
    for a in [a for a in left if a["kind"] == "ImportImages"]:
        target = world.thread.call(world.emu.state.get, a["resourceId"])
        assert target is not None, f"{a['resourceId']} was not created"
        repos = target.extra.get("repositories", {})
        for image in [c["path"] for c in a["changes"]]:
            repo, tag = image.rsplit(":", 1)
            assert tag in repos.get(repo, []), f"{image} was not imported into {a['resourceId']}"
    left = [a for a in left if a["kind"] != "ImportImages"]
    text = world.acrtui("plan", str(path)).stdout
    assert left == [], f"after running the az commands, {path.name} still plans changes:\n{text}\n--- ran:\n{ran}"


def run_case(world: World, path: Path, tmp_path: Path) -> str:
    world.fresh()
    for line in re.findall(r"^# setup: (.+)$", path.read_text(encoding="utf-8"), re.M):
        world.az(line)
    script = plan_az(world, path)
    assert script.startswith("#!/usr/bin/env bash\n") and "\nset -euo pipefail\n" in script
    assert NO_CHANGES not in script, f"{path.name} plans nothing against a fresh demo estate"
    assert "az keyvault key " not in script  # the Key Vault data plane: not served (nor needed: ARM keys API)
    p = world.bash(script, tmp_path / "plan.sh")
    assert p.returncode == 0, f"{path.name}: the az script failed ({p.returncode}):\n{p.stderr[-3000:]}\n--- script:\n{script}"
    assert_no_changes(world, path, script)
    return script


@pytest.mark.parametrize("path", EXAMPLES + CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_az_commands_reach_the_planned_state(world: World, path: Path, tmp_path: Path) -> None:
    run_case(world, path, tmp_path)


def test_cases_cover_every_action_kind(world: World) -> None:
    """Each action kind with an az rendering is planned by at least one of the files above (on a fresh demo)."""
    seen: set[str] = set()
    for path in EXAMPLES + CASES:
        world.fresh()
        for line in re.findall(r"^# setup: (.+)$", path.read_text(encoding="utf-8"), re.M):
            world.az(line)
        p = world.acrtui("plan", str(path), "--format", "json")
        assert p.returncode == 0, p.stderr
        seen |= {a["kind"] for a in json.loads(p.stdout)["actions"]}
    kinds = {t.model_fields["kind"].default for t in get_args(get_args(AnyAction)[0])}
    assert kinds - seen == set()


def test_script_stops_at_the_first_failure(world: World, tmp_path: Path) -> None:
    """A multi-action script is a script: when a command fails, nothing after it runs (and an identity that
    cannot be read stops the script instead of passing an empty --object-id on)."""
    world.fresh()
    script = plan_az(world, ROOT / "examples" / "plans" / "cmk-migration-contosostgacr.yaml")
    lines = script.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("az identity create"))
    broken = "\n".join([*lines[:first], "az group show --name rg-does-not-exist", *lines[first + 1:]]) + "\n"
    p = world.bash(broken, tmp_path / "broken.sh")
    assert p.returncode != 0 and "ResourceGroupNotFound" in p.stderr
    assert world.emu.writes() == []


# ----------------------------------------------------------------------------------------- audit remediations


def audit(world: World) -> list[dict[str, Any]]:
    p = world.acrtui("audit", "--format", "json")
    assert p.returncode in (0, 1), p.stderr
    return list(json.loads(p.stdout)["findings"])


def finding(findings: list[dict[str, Any]], check: str, registry: str) -> dict[str, Any]:
    return next(f for f in findings if f["checkId"] == check and f["registryName"] == registry)


# check, registry, placeholders the audit cannot know → values for the demo estate
REMEDIATIONS: list[tuple[str, str, dict[str, str]]] = [
    ("ACR-AUTH-001", "contosostgstd", {}),
    ("ACR-AUTH-002", "sandboxstd", {}),
    ("ACR-AUTH-003", "contosoprodlost", {}),
    ("ACR-NET-001", "contosoprodlost", {}),
    ("ACR-NET-003", "contosoprodpinned", {}),
    ("ACR-DEP-001", "contosoprodlost", {}),
    ("ACR-CMK-002", "contosoprodpinned", {}),
    ("ACR-CMK-003", "contosoprodlost", {}),
    ("ACR-CMK-005", "contosoprodpinned", {}),
    ("ACR-CMK-006", "contosoprodlost", {
        "<workspace-id>": "/subscriptions/741cfbc3-d07e-5815-a58f-cae9bd4c2ecf/resourceGroups/rg-security-prod/"
                          "providers/Microsoft.OperationalInsights/workspaces/law-security-prod"}),
    ("ACR-PL-003", "contosoprodpinned", {}),
    ("ACR-POL-001", "contosostgacr", {"<name>": "audit-cmk-stg"}),
]


@pytest.mark.parametrize(("check", "registry", "fill"), REMEDIATIONS, ids=[f"{c}-{r}" for c, r, _ in REMEDIATIONS])
def test_audit_remediation_command_fixes_the_finding(world: World, tmp_path: Path, check: str, registry: str,
                                                    fill: dict[str, str]) -> None:
    world.fresh()
    before = finding(audit(world), check, registry)
    assert before["status"] == "fail", before
    command = before["command"]
    for placeholder, value in fill.items():
        command = command.replace(placeholder, value)
    if "<connection>" in command:  # the pending connection's name, as an operator would look it up
        names = world.az(f"acr private-endpoint-connection list --registry-name {registry} "
                         "--resource-group rg-registry-prod --subscription 741cfbc3-d07e-5815-a58f-cae9bd4c2ecf "
                         "--query [].name")
        command = command.replace("<connection>", names[0])
    assert "<" not in command.split("#", 1)[0], f"unfilled placeholder in {command}"
    p = world.bash(f"set -euo pipefail\n{command}\n", tmp_path / "fix.sh")
    assert p.returncode == 0, f"{check}: {command}\n{p.stderr[-3000:]}"
    after = finding(audit(world), check, registry)
    assert after["status"] == "pass", (command, after)


def test_data_plane_remediation_says_so(world: World) -> None:
    """ACR-CMK-004's fix is a Key Vault data-plane command (not emulated): the command itself says so."""
    check = next(c for c in json.loads(world.acrtui("checks", "--format", "json").stdout)["checks"]
                 if c["id"] == "ACR-CMK-004")
    assert check["remediation"]["az"].startswith("az keyvault key set-attributes")
    assert "data plane" in check["remediation"]["az"]
