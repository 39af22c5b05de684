"""``acrtui plan`` / ``apply`` read the import source's tags through the registry data plane: a tag the source lacks
is refused before the first write, naming what exists; an unreachable data plane is a warning, not a pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from acrtui.cli import cli
from acrtui.emulator import Emulator, EmulatorConfig, EmulatorThread

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
EXAMPLE = EXAMPLES / "cmk-migration-contosostgacr.yaml"
RTYPE = "Microsoft.ContainerRegistry/registries"


@pytest.fixture(scope="module")
def thread() -> Iterator[EmulatorThread]:
    t = EmulatorThread("demo", config=EmulatorConfig(throttle=False, page_size=1))  # page_size 1: tags page too
    t.start()
    yield t
    t.stop()


@pytest.fixture
def emu(thread: EmulatorThread) -> Emulator:
    thread.call(thread.emulator.reset)
    return thread.emulator


def invoke(emu: Emulator, tmp_path: Path, *args: str) -> Result:
    env = {**emu.env(), "ACRTUI_JOURNAL": str(tmp_path / "journal.jsonl")}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def plan_file(tmp_path: Path, images: list[str]) -> str:
    text = EXAMPLE.read_text().replace("        - payments/api:1.5.0-rc1\n        - platform/nginx:1.27\n",
                                       "".join(f"        - {i}\n" for i in images))
    assert all(i in text for i in images)
    path = tmp_path / "migration.yaml"
    path.write_text(text)
    return str(path)


def test_plan_refuses_an_import_of_a_missing_tag_naming_what_exists(emu: Emulator, tmp_path: Path) -> None:
    path = plan_file(tmp_path, ["payments/api:1.5.0", "platform/nginx:1.27"])
    r = invoke(emu, tmp_path, "plan", path)
    assert r.exit_code == 1, r.output
    assert "payments/api:1.5.0 does not exist in contosostgacr (payments/api has 1.5.0-rc1)" in r.output
    assert "platform/nginx:1.27" not in r.output.split("Cannot import", 1)[1].split("\n", 1)[0]
    assert emu.writes() == []


def test_apply_of_a_missing_tag_makes_zero_writes(emu: Emulator, tmp_path: Path) -> None:
    """On the old code this created the Premium registry (and identity, key access) and then failed ImageNotFound."""
    path = plan_file(tmp_path, ["payments/apy:1.5.0-rc1"])
    r = invoke(emu, tmp_path, "apply", path, "--yes")
    assert r.exit_code == 1, r.output
    assert "repository payments/apy does not exist in contosostgacr (it has payments/api, platform/nginx)" in r.output
    assert emu.writes() == []
    assert emu.state.find_name(RTYPE, "contosostgcmk") is None


def test_unreachable_source_is_a_warning_that_says_unverified(emu: Emulator, tmp_path: Path) -> None:
    src = emu.state.find_name(RTYPE, "contosostgacr")
    assert src is not None
    src.props["publicNetworkAccess"] = "Disabled"  # as Azure would after a PATCH; no private path from the test
    r = invoke(emu, tmp_path, "plan", str(EXAMPLE))
    assert r.exit_code == 0, r.output
    assert "tags to import could not be verified" in r.output and "403" in r.output
    assert emu.writes() == []


def test_existing_tags_plan_cleanly_and_the_data_plane_was_read(emu: Emulator, tmp_path: Path) -> None:
    r = invoke(emu, tmp_path, "plan", str(EXAMPLE))
    assert r.exit_code == 0, r.output
    assert "could not be verified" not in r.output and "Cannot import" not in r.output
    reads = [x.path for x in emu.request_log if x.kind == "dataplane"]
    assert "/contosostgacr.azurecr.io/acr/v1/_catalog" in reads
    assert "/contosostgacr.azurecr.io/acr/v1/payments/api/_tags" in reads
    assert emu.writes() == []
