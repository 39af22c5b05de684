"""The audit over both inventory paths (issue 11): ``acrtui --inventory arm|graph audit`` on the demo estate and on
a fleet produce the same report, byte for byte, and the demo's matches its golden file in every format.

Regenerate with ``ACRTUI_UPDATE_GOLDEN=1`` (review the diff of tests/audit/golden/demo.* like any other change).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from acrtui.audit import FORMATS
from acrtui.cli import cli
from acrtui.emulator import Emulator, EmulatorConfig, EmulatorThread

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ACRTUI_UPDATE_GOLDEN") == "1"
EXT = {"table": "txt", "json": "json", "sarif": "sarif", "junit": "xml", "markdown": "md", "csv": "csv", "html": "html"}
NOW = "2026-06-01T12:00:00Z"
PATHS = ["arm", "graph"]


def audit(env: dict[str, str] | None, mode: str, fmt: str, *extra: str) -> str:
    r = CliRunner().invoke(cli, ["--inventory", mode, "audit", *extra, "--format", fmt, "--now", NOW],
                           env=env, catch_exceptions=False)
    assert r.exit_code in (0, 1), f"{mode} {fmt}: exit {r.exit_code}\n{r.stdout}\n{r.stderr}"
    assert "note:" not in r.stderr, r.stderr  # the path asked for is the path taken
    return r.stdout


@pytest.fixture(scope="module")
def demo() -> Iterator[Emulator]:
    with EmulatorThread("demo", config=EmulatorConfig(throttle=False, page_size=3)) as t:
        yield t


@pytest.mark.parametrize("mode", PATHS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_demo_audit_golden_over_each_inventory_path(demo: Emulator, mode: str, fmt: str) -> None:
    text = audit(demo.env(), mode, fmt)
    path = GOLDEN / f"demo.{EXT[fmt]}"
    if UPDATE and mode == "arm":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with ACRTUI_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{mode}: {path.name} differs (ACRTUI_UPDATE_GOLDEN=1 to accept)"


def test_fleet_audit_is_identical_over_both_paths() -> None:
    with EmulatorThread("fleet:80x4", config=EmulatorConfig(throttle=False)) as t:
        arm, graph = (audit(t.env(), mode, "json") for mode in PATHS)
    assert '"complete": true' in arm and arm == graph
