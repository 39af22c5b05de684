"""``acrtui plan | apply | export`` and ``acrtui --apply`` through click, against an emulator reached by env vars."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from acrtui.cli import cli
from acrtui.emulator import Emulator, EmulatorConfig, EmulatorThread

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
HARDEN = str(EXAMPLES / "harden-contosoprodlost-network.yaml")


@pytest.fixture(scope="module")
def thread() -> Iterator[EmulatorThread]:
    t = EmulatorThread("demo", config=EmulatorConfig(throttle=False))  # many full reads in a row: no 429 waits
    t.start()
    yield t
    t.stop()


@pytest.fixture
def emu(thread: EmulatorThread) -> Emulator:
    thread.call(thread.emulator.reset)  # fresh demo state for every test, same URL and credentials
    return thread.emulator


@pytest.fixture
def run(emu: Emulator, tmp_path: Path) -> object:
    env = {**emu.env(), "ACRTUI_JOURNAL": str(tmp_path / "journal.jsonl")}

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)

    return invoke


def test_schema_needs_no_azure() -> None:
    r = CliRunner().invoke(cli, ["plan", "--schema"])
    assert r.exit_code == 0 and json.loads(r.stdout)["title"].startswith("acrtui plan file")


def test_plan_exit_codes_and_formats(run, emu: Emulator) -> None:  # type: ignore[no-untyped-def]
    r = run("plan", HARDEN, "--detailed-exitcode")
    assert r.exit_code == 2, r.output
    assert "  + create" in r.stdout and r.stdout.rstrip().endswith("Plan: 2 to add, 4 to change, 0 to destroy.")
    assert run("plan", HARDEN).exit_code == 0  # without the flag, changes are not an error
    data = json.loads(run("plan", HARDEN, "--format", "json").stdout)
    assert data["changes"] and data["summary"] == {"add": 2, "change": 4, "destroy": 0}
    assert emu.writes() == []


def test_apply_then_plan_shows_no_changes(run, emu: Emulator) -> None:  # type: ignore[no-untyped-def]
    r = run("apply", HARDEN, "--yes")
    assert r.exit_code == 0, r.output
    assert "Apply complete! Resources: 2 added, 4 changed, 0 destroyed." in r.stdout
    mark = emu.last_seq
    again = run("plan", HARDEN, "--detailed-exitcode")
    assert again.exit_code == 0 and again.stdout.startswith("No changes.")
    assert run("--apply", HARDEN, "--yes").exit_code == 0  # the top-level route
    assert emu.writes(mark) == []


def test_confirmation_is_required(run, emu: Emulator) -> None:  # type: ignore[no-untyped-def]
    r = run("apply", HARDEN, input="no\n")
    assert r.exit_code == 1 and "Only 'yes' will be accepted" in r.stderr and "Apply cancelled" in r.stderr
    assert emu.writes() == []


def test_invalid_file_exits_1_with_file_line_and_field(run, emu: Emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: acrtui/v1\nregistries:\n  - name: contosoprodlost\n    publicNetworkAcess: Disabled\n")
    for args in (("plan", str(bad), "--detailed-exitcode"), ("apply", str(bad), "--yes")):
        r = run(*args)
        assert r.exit_code == 1
        assert f"{bad}:4: registries[0].publicNetworkAcess: unknown key" in r.stderr
    assert emu.writes() == []


def test_refused_plan_exits_1_with_the_way_forward(run, emu: Emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "lockout.yaml"
    p.write_text("apiVersion: acrtui/v1\nregistries:\n  - name: sandboxpremium\n    publicNetworkAccess: Disabled\n")
    r = run("apply", str(p), "--yes")
    assert r.exit_code == 1 and "lock you out" in r.stdout and "allowLockout" in r.stdout
    assert emu.writes() == []


def test_stale_saved_plan_is_refused(run, emu: Emulator, tmp_path: Path, thread: EmulatorThread) -> None:  # type: ignore[no-untyped-def]
    saved = tmp_path / "saved.json"
    p = tmp_path / "anon.yaml"
    p.write_text("apiVersion: acrtui/v1\nregistries:\n  - name: sandboxpremium\n    anonymousPull: true\n")
    assert run("plan", str(p), "--out", str(saved)).exit_code == 0
    assert json.loads(saved.read_text())["kind"] == "SavedPlan"
    # the world moves after the plan was saved
    reg = emu.state.find_name("Microsoft.ContainerRegistry/registries", "sandboxpremium")
    assert reg is not None
    thread.call(lambda: reg.props.__setitem__("adminUserEnabled", True))
    mark = emu.last_seq
    r = run("apply", str(saved), "--yes")
    assert r.exit_code == 1 and "Saved plan is stale" in r.stderr and emu.writes(mark) == []


def test_export_plans_back_to_no_changes(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "estate.yaml"
    r = run("export", "--registry", "contosoprodacr", "--registry", "contosostgstd", "-o", str(out))
    assert r.exit_code == 0 and "Wrote 2 registries" in r.stderr
    assert run("plan", str(out), "--detailed-exitcode").exit_code == 0
    assert run("export", "--registry", "nosuchregistry").exit_code == 1
