"""acrtui/files.py: bounded reads and private (0600) writes; and every command that writes the estate uses them."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from acrtui.cli import cli
from acrtui.errors import ExitCode, UsageError
from acrtui.files import InputFileError, check_writable, prepare_append, read_text, write_private

PLAN = str(Path(__file__).resolve().parents[1] / "examples" / "plans" / "harden-contosoprodlost-network.yaml")


@pytest.fixture
def open_umask() -> Iterator[None]:
    """umask 0: a file that ends up 0600 is 0600 because acrtui made it so, not because of the umask."""
    old = os.umask(0)
    yield
    os.umask(old)


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_write_private_creates_and_replaces_0600(tmp_path: Path, open_umask: None) -> None:
    p = tmp_path / "report.json"
    write_private(p, "one")
    assert mode(p) == 0o600 and p.read_text() == "one"
    p.chmod(0o644)
    write_private(p, "two")
    assert mode(p) == 0o600 and p.read_text() == "two"
    assert [x.name for x in tmp_path.iterdir()] == ["report.json"]  # no temporary file left behind


def test_prepare_append_creates_0600_and_keeps_what_is_there(tmp_path: Path, open_umask: None) -> None:
    p = tmp_path / "requests.log"
    prepare_append(str(p), "--log-file")
    assert mode(p) == 0o600 and p.read_text() == ""
    p.write_text("line\n")
    prepare_append(str(p), "--log-file")
    assert p.read_text() == "line\n"


@pytest.mark.parametrize(("where", "why"), [
    ("missing/out.json", "the parent directory does not exist"),
    ("file/out.json", "the parent is not a directory"),
    ("dir", "is a directory"),
])
def test_unwritable_paths_are_usage_errors_naming_the_path(tmp_path: Path, where: str, why: str) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir").mkdir()
    target = str(tmp_path / where)
    with pytest.raises(UsageError) as info:
        check_writable(target, "--output")
    assert info.value.exit_code == ExitCode.USAGE
    assert f"--output {target}: {why}" in info.value.message
    assert not (tmp_path / "missing").exists()


def test_read_text_is_bounded_and_decodes_utf8_only(tmp_path: Path) -> None:
    p = tmp_path / "plan.yaml"
    p.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_text(p) == "a: 1\n"  # a UTF-8 byte-order mark is fine
    p.write_bytes(b"x" * 11)
    with pytest.raises(InputFileError, match="the file is 11 bytes; a plan file may be at most 10 bytes"):
        read_text(p, limit=10)
    with pytest.raises(UsageError, match="is a directory, not a plan file"):
        read_text(tmp_path)
    # a regular file whose size the kernel does not know (st_size 0) is still read within the limit
    with pytest.raises(InputFileError, match="more than 10 bytes"):
        read_text("/proc/self/status", limit=10)


def test_commands_write_saved_plans_reports_exports_and_logs_0600(tmp_path: Path, open_umask: None) -> None:
    saved, export, report, log = (tmp_path / n for n in ("saved.json", "estate.yaml", "report.json", "requests.log"))
    report.write_text("old")
    report.chmod(0o644)
    run = CliRunner().invoke
    r = run(cli, ["--demo", "--log-file", str(log), "plan", PLAN, "--out", str(saved)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert json.loads(saved.read_text())["kind"] == "SavedPlan" and log.read_text()
    r = run(cli, ["--demo", "export", "--registry", "contosoprodlost", "-o", str(export)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r = run(cli, ["audit", "--demo", "--format", "json", "--output", str(report), "--soft-fail"],
            catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert json.loads(report.read_text())["registries"]
    assert {p.name: mode(p) for p in (saved, export, report, log)} == dict.fromkeys(
        ("saved.json", "estate.yaml", "report.json", "requests.log"), 0o600)
