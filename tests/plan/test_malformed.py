"""The malformed-input corpus (issue 8 §6): every hostile or mistaken plan file gets a bounded, located answer.

Each file in tests/plan/malformed/ (expectations in its EXPECTED.yaml) and each generated one (a FIFO, /dev/zero,
13 MB with 600,000 mistakes, an alias bomb, 1,000 levels of nesting, ...) goes through the real CLI, `acrtui plan
FILE` and `acrtui apply FILE --yes`, against one demo emulator. Each run is a forked child of
tests/plan/malformed_worker.py under RLIMIT_CPU 5 s and RLIMIT_AS 200 MiB (a run the limits stop fails). Asserted
for each: the exit code, the message (after the file's path when it is a location), no traceback, no exception
escaping click, nothing written to the emulator during the run, and a bounded stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from acrtui.emulator import EmulatorConfig, EmulatorThread

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "malformed"
WORKER = HERE / "malformed_worker.py"
ROOT = HERE.parents[1]
VALID = str(ROOT / "examples" / "plans" / "harden-contosoprodlost-network.yaml")
PWNED = Path("/tmp/acrtui-malformed-pwned")  # tag-python-object.yaml would create it if a tag were ever executed

pytestmark = pytest.mark.xdist_group("malformed")  # one worker runs the whole corpus (one emulator, one batch)


def _manifest() -> dict[str, dict[str, Any]]:
    return yaml.safe_load((CORPUS / "EXPECTED.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _expect(entry: dict[str, Any], command: str) -> dict[str, Any]:
    return entry.get(command, entry)  # type: ignore[no-any-return]


_BIG = {"exit": 1, "message": ":1: (file): the file is 12.0 MiB; a plan file may be at most 1.0 MiB"}
_NESTED = {"exit": 1, "message": "nested more than 64 levels deep"}
GENERATED: dict[str, dict[str, Any]] = {  # made at test time by _write_generated: name -> expectations
    "fifo.yaml": {"exit": 2, "message": ": (file): is a FIFO (named pipe), not a plan file"},
    "zero.yaml": {"exit": 2, "message": ": (file): is a character device, not a plan file"},  # a symlink to it
    "/dev/zero": {"exit": 2, "message": "/dev/zero: (file): is a character device"},
    "a-directory.yaml": {"exit": 2, "message": "is a directory"},  # click's own check (dir_okay=False)
    "no-such-file.yaml": {"plan": {"exit": 1, "message": ":1: (file): cannot read: No such file or directory"},
                          "apply": {"exit": 2, "message": "does not exist"}},  # click's exists=True
    "huge-600k-mistakes.yaml": {**_BIG, "max_stderr": 2_000},
    "capped-mistakes.yaml": {"exit": 1, "message": "… and 89,950 more problems", "max_stderr": 12_000},
    "alias-bomb-9x9.yaml": {"exit": 1, "message": "aliases repeat more than 10,000 values in all (an alias bomb?)"},
    "deep-1000-flow.yaml": {"exit": 1, "message": ":2: (yaml): nested more than 64 levels deep"},
    "deep-1000-block.yaml": _NESTED,
    "deep-1000.json": {"plan": _NESTED, "apply": {"exit": 1, "message": ":1: (json): nested more than 64"}},
    "saved-9mb.json": {"plan": {"exit": 1, "message": "a plan file may be at most 1.0 MiB"},
                       "apply": {"exit": 1, "message": "a plan file may be at most 1.0 MiB and a saved plan 8.0 MiB"}},
    "long-value.yaml": {"exit": 1, "message": ":4: registries[0].publicNetworkAccess: Input should be",
                        "max_stderr": 2_000},
}


def _write_generated(d: Path) -> None:
    """The special and huge inputs, never committed: a FIFO, a device, 13 MB, an alias bomb, deep nesting."""
    os.mkfifo(d / "fifo.yaml")
    (d / "zero.yaml").symlink_to("/dev/zero")
    (d / "a-directory.yaml").mkdir()
    head = "apiVersion: acrtui/v1\nregistries:\n"
    with open(d / "huge-600k-mistakes.yaml", "w", encoding="utf-8") as f:  # 12.6 MB, 600,000 bad names
        f.write(head)
        f.writelines("  - {name: a1, x: 1}\n" * 1000 for _ in range(600))
    with open(d / "capped-mistakes.yaml", "w", encoding="utf-8") as f:  # just under 1 MiB, 90,000 bad names
        f.write("apiVersion: acrtui/v1\nregistries: [" + ",".join(["{name: a}"] * 90_000) + "]\n")
    levels = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    (d / "alias-bomb-9x9.yaml").write_text("apiVersion: acrtui/v1\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, "
                                           "lol]\n" + levels)
    (d / "deep-1000-flow.yaml").write_text("apiVersion: acrtui/v1\ndescription: " + "[" * 1000 + "]" * 1000 + "\n")
    (d / "deep-1000-block.yaml").write_text("apiVersion: acrtui/v1\n" + "".join(" " * i + f"k{i}:\n" for i in range(1000)))
    (d / "deep-1000.json").write_text('{"kind": "SavedPlan", "desired": ' + "[" * 1000 + "]" * 1000 + "}\n")
    (d / "saved-9mb.json").write_text('{"kind": "SavedPlan", "source": "' + "x" * (9 * 1024 * 1024) + '"}\n')
    (d / "long-value.yaml").write_text("apiVersion: acrtui/v1\nregistries:\n  - name: contosoprodacr\n"
                                       "    publicNetworkAccess: " + "Disabled" * 60_000 + "\n")


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorThread]:
    t = EmulatorThread("demo", config=EmulatorConfig(throttle=False))
    t.start()
    yield t
    t.stop()


@pytest.fixture(scope="module")
def corpus(emulator: EmulatorThread, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run every case once, in one worker: {case id: (expectation, result, writes during the run)}."""
    d = tmp_path_factory.mktemp("malformed")
    cases: list[dict[str, Any]] = []
    expected: dict[str, dict[str, Any]] = {}
    _write_generated(d)
    inputs = [(str(CORPUS / name), name, entry) for name, entry in _manifest().items()]
    inputs += [(name if name.startswith("/") else str(d / name), name, entry) for name, entry in GENERATED.items()]
    for path, name, entry in inputs:
        for command, extra in (("plan", []), ("apply", ["--yes"])):
            cid = f"{command}:{name}"
            cases.append({"id": cid, "args": [command, path, *extra]})
            expected[cid] = {**_expect(entry, command), "path": path}
    for cid, args, exp in _output_cases(d):
        cases.append({"id": cid, "args": args})
        expected[cid] = {**exp, "zero_requests": True, "absent": str(d / "missing")}
    (d / "cases.json").write_text(json.dumps(cases))
    home = d / "home"
    home.mkdir()
    env = {**os.environ, **emulator.emulator.env(), "MALLOC_ARENA_MAX": "1", "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
           "ACRTUI_JOURNAL": str(d / "journal.jsonl"), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(WORKER), str(d / "cases.json"), str(d / "results.jsonl")],
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {r["id"]: r for r in map(json.loads, (d / "results.jsonl").read_text().splitlines())}
    log = list(emulator.emulator.request_log)
    out: dict[str, Any] = {}
    for cid, exp in expected.items():
        r = results[cid]
        during = [x for x in log if "start" in r and r["start"] <= x.time <= r["end"]]
        out[cid] = (exp, r, during)
    return out


def _output_cases(d: Path) -> list[tuple[str, list[str], dict[str, Any]]]:
    """Unwritable output paths: a usage error (2) naming the option and path, before any request."""
    gone = str(d / "missing" / "out.json")  # under this run's directory: nothing else can have made it
    under_file = str(Path(VALID) / "out.json")  # the parent is a regular file
    parent = {"exit": 2, "message": "the parent directory does not exist"}
    return [
        ("out:plan --out", ["plan", VALID, "--out", gone], {**parent, "message": f"--out {gone}: the parent directory"}),
        ("out:plan --out under a file", ["plan", VALID, "--out", under_file],
         {"exit": 2, "message": f"--out {under_file}: the parent is not a directory"}),
        ("out:plan --out --detailed-exitcode", ["plan", VALID, "--out", gone, "--detailed-exitcode"],
         {"exit": 1, "message": f"--out {gone}"}),  # 2 means "changes pending" there (documented)
        ("out:plan --journal", ["plan", VALID, "--journal", gone], {"exit": 2, "message": f"--journal {gone}"}),
        ("out:plan --log-file", ["plan", VALID, "--log-file", gone], {"exit": 2, "message": f"--log-file {gone}"}),
        ("out:--log-file plan", ["--log-file", gone, "plan", VALID], {"exit": 2, "message": f"--log-file {gone}"}),
        ("out:apply --journal", ["apply", VALID, "--yes", "--journal", gone],
         {"exit": 2, "message": f"--journal {gone}"}),
        ("out:--log-file apply", ["--log-file", gone, "apply", VALID, "--yes"],
         {"exit": 2, "message": f"--log-file {gone}"}),
        ("out:--apply --log-file", ["--log-file", gone, "--apply", VALID, "--yes"],
         {"exit": 2, "message": f"--log-file {gone}"}),
        ("out:export -o", ["export", "-o", gone], {"exit": 2, "message": f"--output {gone}"}),
        ("out:audit --output", ["audit", "--output", gone], {"exit": 2, "message": f"--output {gone}"}),
        ("out:--log-file audit", ["--log-file", gone, "audit"], {"exit": 2, "message": f"--log-file {gone}"}),
    ]


def _ids() -> list[str]:
    ids = [f"{c}:{n}" for n in [*_manifest(), *GENERATED] for c in ("plan", "apply")]
    return ids + [cid for cid, _, _ in _output_cases(Path("/tmp"))]


def test_the_corpus_is_large_and_complete() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name != "EXPECTED.yaml"}
    assert files == set(_manifest()), "every corpus file has an expectation, and every expectation a file"
    assert len(files) >= 60


@pytest.mark.parametrize("cid", _ids())
def test_each_malformed_input_gets_a_bounded_located_answer(corpus: dict[str, Any], cid: str) -> None:
    exp, r, during = corpus[cid]
    assert "killed" not in r, f"stopped by the resource limits (5 s CPU, 200 MiB): {r['killed']}"
    assert r["exception"] is None, r["exception"]
    out = r["stdout"] + r["stderr"]
    assert "Traceback" not in out, out
    assert r["exit"] == exp["exit"], out
    message = exp["message"]
    want = exp["path"] + message if message.startswith(":") and "path" in exp else message
    assert want in r["stderr"], r["stderr"]
    assert r["stderr_len"] <= exp.get("max_stderr", 20_000), "the error list is capped"
    assert [x for x in during if x.is_write] == [], "nothing is written"
    if exp.get("zero_requests"):
        assert during == [], "an unwritable output path is refused before any request"
    assert not PWNED.exists()
    if "absent" in exp:
        assert not Path(exp["absent"]).exists(), "a refused output path creates nothing"
