"""Runs acrtui commands for tests/plan/test_malformed.py, each in a forked child under resource limits.

``python malformed_worker.py CASES.json RESULTS.jsonl``: CASES is a list of ``{"id", "args"}``. The worker imports
acrtui (and the SDK) once, then forks one child per command, which sets RLIMIT_CPU (5 s) and RLIMIT_AS (200 MiB)
before it runs the real click CLI in process. A child the kernel stops (SIGXCPU, a MemoryError, the wall-clock
alarm for a read that blocks without using CPU) is reported as killed: the test fails on it. Each result records
the exit code, stdout, stderr, any exception that escaped click, and the wall-clock window of the run (to match
the emulator's request log).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
import traceback

CPU_SECONDS = 5
MEMORY_BYTES = 200 * 1024 * 1024
WALL_SECONDS = 30  # only for a run that blocks without using CPU (a FIFO read); never reached by a passing case
# Address space is not memory: each thread reserves its stack (8 MiB by default) and glibc a 64 MiB malloc arena.
# The test runs the worker with MALLOC_ARENA_MAX=2 and the children use 1 MiB stacks, so the limit measures the heap.
STACK_BYTES = 1024 * 1024
KEEP = 20_000  # characters of each stream kept in the result (their full length is reported)


def _child(case: dict[str, object], out: str) -> None:
    import threading

    threading.stack_size(STACK_BYTES)
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    signal.alarm(WALL_SECONDS)
    from click.testing import CliRunner

    from acrtui.cli import cli

    start = time.time()
    r = CliRunner().invoke(cli, [str(a) for a in case["args"]], catch_exceptions=True)  # type: ignore[attr-defined]
    end = time.time()
    escaped = None
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        escaped = "".join(traceback.format_exception(r.exception))
    use = resource.getrusage(resource.RUSAGE_SELF)
    vm_peak = next((line.split()[1] for line in open("/proc/self/status") if line.startswith("VmPeak")), "0")
    result = {"vm_peak_mb": int(vm_peak) / 1024, "id": case["id"], "exit": r.exit_code, "stdout": r.stdout[:KEEP], "stderr": r.stderr[:KEEP],
              "stdout_len": len(r.stdout), "stderr_len": len(r.stderr), "exception": escaped,
              "start": start, "end": end, "cpu": use.ru_utime + use.ru_stime, "maxrss_mb": use.ru_maxrss / 1024}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f)


def main(cases_path: str, results_path: str) -> None:
    # Imported before forking so each child pays only for its own run (and inherits no thread: none started yet).
    import acrtui.audit.cli
    import acrtui.azure.session
    import acrtui.cli
    import acrtui.plan.cli
    import acrtui.plan.engine  # noqa: F401

    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)
    with open(results_path, "w", encoding="utf-8") as results:
        for case in cases:
            out = f"{results_path}.{os.getpid()}.one"
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    _child(case, out)
                except BaseException:
                    code = 70
                    with open(out, "w", encoding="utf-8") as f:
                        json.dump({"id": case["id"], "killed": traceback.format_exc()[-2000:]}, f)
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            if os.WIFSIGNALED(status):
                one = {"id": case["id"], "killed": f"signal {signal.Signals(os.WTERMSIG(status)).name}"}
            else:
                try:
                    with open(out, encoding="utf-8") as f:
                        one = json.load(f)
                except (OSError, ValueError):  # the child died writing it (out of memory, most likely)
                    one = {"id": case["id"], "killed": f"no result (exit status {os.WEXITSTATUS(status)})"}
            if os.path.exists(out):
                os.unlink(out)
            results.write(json.dumps(one) + "\n")
            results.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
