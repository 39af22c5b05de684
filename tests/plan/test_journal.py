"""Issue 8 §7: the journal survives what happens to it — bad lines, growth, two applies at once, other users.

Each test drives the real CLI (click) against an emulator over TLS, or the journal file itself.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from acrtui.azure.targets import TargetOptions, open_session
from acrtui.cli import cli
from acrtui.emulator import Emulator, EmulatorThread
from acrtui.plan.executor import Journal, default_journal_path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
HARDEN = str(EXAMPLES / "harden-contosoprodlost-network.yaml")
MIGRATE = str(EXAMPLES / "cmk-migration-contosostgacr.yaml")


@pytest.fixture
def emu(thread: EmulatorThread) -> Emulator:
    thread.call(thread.emulator.reset)
    return thread.emulator


def invoke(emu: Emulator, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env={**emu.env(), **(env or {})}, catch_exceptions=False)


BAD_LINES = [
    (b'{"event": "apply-start", "run": "r1"', "not valid JSON"),
    (b"[1, 2]", "a JSON list, not an object"),
    (b'"just a string"', "a JSON str, not an object"),
    (b'{"event": "image", "image": "app:1", "result": "imported"}', 'an image line without a "target" string'),
    (b'{"event": "image", "target": 7, "image": "app:1", "result": "imported"}', 'without a "target" string'),
    (b'{"event": "image", "target": "/x", "image": ["app:1"], "result": "imported"}', 'without a "image" string'),
    (b'{"event": 3}', 'no "event" string'),
    (b'{"event": "step", "status": "\xff\xfe"}', "not UTF-8"),
]


def test_unreadable_lines_are_reported_once_and_skipped(emu: Emulator, tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    good = {"event": "image", "run": "r0", "target": "/subscriptions/S/x/REG", "image": "app:1", "result": "imported"}
    journal.write_bytes(b"\n".join([json.dumps(good).encode(), *(raw for raw, _ in BAD_LINES)]) + b"\n")
    for command in (("plan", HARDEN), ("apply", HARDEN, "--yes")):
        r = invoke(emu, *command, "--journal", str(journal))
        assert r.exit_code == 0, r.output
        for n, (_, why) in enumerate(BAD_LINES, 2):
            assert r.stderr.count(f"warning: journal {journal}: line {n} skipped: ") == 1, r.stderr
            assert why in r.stderr
    assert Journal(journal).imported() == frozenset({("/subscriptions/s/x/reg", "app:1")})


def test_default_journal_is_per_target_and_the_demo_writes_no_state(emu: Emulator, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    state = Path(os.environ["XDG_STATE_HOME"])
    r = CliRunner().invoke(cli, ["--demo", "apply", HARDEN, "--yes"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert not state.exists() or not any(state.rglob("*")), "the demo wrote the user's state directory"
    demo_journal = Path(r.stdout.rsplit("Journal: ", 1)[1].split()[0])
    assert demo_journal.parent.parent == Path(tempfile.gettempdir()) and demo_journal.is_file()
    assert stat.S_IMODE(demo_journal.parent.stat().st_mode) == 0o700

    assert invoke(emu, "apply", HARDEN, "--yes").exit_code == 0
    files = sorted(p.name for p in (state / "acrtui" / "journals").iterdir())
    host = emu.url.split("//", 1)[1].replace(":", "_")
    assert files == [f"emulator-{host}.jsonl", f"emulator-{host}.jsonl.lock"]

    other = {"AZURE_TENANT_ID": "11111111-2222-3333-4444-555555555555"}
    for k, v in other.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("ACRTUI_EMULATOR_URL", raising=False)
    session = open_session(TargetOptions(cloud="AzureUSGovernment"))
    try:
        assert default_journal_path(session) == (
            state / "acrtui" / "journals" / "azure-AzureUSGovernment-11111111-2222-3333-4444-555555555555.jsonl")
        monkeypatch.setenv("ACRTUI_JOURNAL", str(tmp_path / "mine.jsonl"))
        assert default_journal_path(session) == tmp_path / "mine.jsonl"
    finally:
        import asyncio

        asyncio.run(session.close())


def test_journal_and_lock_are_created_0600(emu: Emulator, tmp_path: Path) -> None:
    journal = tmp_path / "j" / "journal.jsonl"
    journal.parent.mkdir(mode=0o700)  # an explicit --journal goes in an existing directory (test_malformed.py)
    old = os.umask(0)  # even a permissive umask leaves the estate's inventory private
    try:
        assert invoke(emu, "apply", HARDEN, "--yes", "--journal", str(journal)).exit_code == 0
    finally:
        os.umask(old)
    for p in (journal, journal.with_name("journal.jsonl.lock")):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert stat.S_IMODE(journal.parent.stat().st_mode) == 0o700


def test_a_second_apply_is_refused_naming_the_holder(emu: Emulator, tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    with journal.lock("first.yaml"):  # another open file description: flock conflicts as across processes
        mark = emu.last_seq
        r = invoke(emu, "apply", HARDEN, "--yes", "--journal", str(journal.path))
    assert r.exit_code == 1, r.output
    assert "Another apply is running" in r.stderr
    assert f"pid {os.getpid()} on {socket.gethostname()}" in r.stderr and "applying first.yaml" in r.stderr
    assert "Wait for that apply to finish" in r.stderr
    assert emu.writes(mark) == []
    assert invoke(emu, "apply", HARDEN, "--yes", "--journal", str(journal.path)).exit_code == 0  # released


def test_compaction_keeps_unfinished_runs_and_imports_done(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    lines = []
    for run in range(200):  # finished runs: start, steps, end
        lines += [{"run": f"f{run}", "event": "apply-start", "source": "x.yaml", "actions": ["A"] * 20},
                  {"run": f"f{run}", "event": "step", "action": "A", "status": "succeeded"},
                  {"run": f"f{run}", "event": "image", "target": "/R", "image": f"app:{run % 7}", "result": "imported"},
                  {"run": f"f{run}", "event": "apply-end", "ok": True}]
    lines += [{"run": "killed", "event": "apply-start"}, {"run": "killed", "event": "step", "status": "started"}]
    path.write_text("".join(json.dumps(e) + "\n" for e in lines))
    before = Journal(path).imported()
    size = path.stat().st_size
    journal = Journal(path, max_bytes=size // 2)
    with journal.lock("x.yaml"):
        pass
    assert journal.imported() == before
    kept = journal.entries()
    assert [e["run"] for e in kept if e["event"] in ("apply-start", "step")] == ["killed", "killed"]
    assert kept[-1]["event"] == "compacted" and path.stat().st_size < size // 20
    assert path.with_name("journal.jsonl.1").stat().st_size == size  # the history is rotated, not lost
    with journal.lock("x.yaml"):  # small now: nothing more to do
        pass
    assert path.with_name("journal.jsonl.1").stat().st_size == size


def test_an_unwritable_journal_is_refused_before_any_write(emu: Emulator, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    mark = emu.last_seq
    r = invoke(emu, "apply", HARDEN, "--yes", "--journal", str(blocker / "journal.jsonl"))
    assert r.exit_code == 2 and "--journal" in r.stderr and str(blocker) in r.stderr, r.output
    assert emu.writes(mark) == []
