"""The streamed audit (issue 11: a fleet's 470,000 findings must not all be in memory): ``run_audit(stream=True)``
makes each registry's findings as a writer reaches it, the JSON writer encodes them before the next registry is
evaluated, and every format of a streamed report is byte-identical to the held one (the goldens)."""

from __future__ import annotations

import gc
import json
from dataclasses import replace
from typing import Any

import pytest
from click.testing import CliRunner

from acrtui.audit import FORMATS, AuditReport, render, run_audit
from acrtui.audit import writers as writers_mod
from acrtui.audit.runner import FindingRecord, select_registries
from acrtui.audit.writers import iter_json
from acrtui.cli import cli
from acrtui.domain.checks import CATALOGUE, Check, Finding, Status, select_checks
from acrtui.domain.models import Estate, RegistryPosture
from tests.audit import fixture_estate as fx
from tests.audit.test_reports import EXT, GOLDEN
from tests.audit.test_suppressions import baseline, suppressions


def scenarios(stream: bool) -> dict[str, AuditReport]:
    named = [fx.good_registry(), fx.bad_registry(), fx.basic_registry()]
    common: dict[str, Any] = {"target": "test", "tool_version": "0.0.0-test", "stream": stream}
    return {
        "report": run_audit(fx.estate(), CATALOGUE, fx.settings(), **common),
        "complete": run_audit(fx.estate(), select_checks([]), fx.settings(), registries=named, named=True, **common),
        "suppressed": run_audit(fx.estate(), CATALOGUE, fx.settings(), registries=named, named=True,
                                suppressions=suppressions(), baseline=baseline(), **common),
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_streamed_report_is_byte_identical_to_the_goldens(fmt: str) -> None:
    for name, report in scenarios(stream=True).items():
        want = (GOLDEN / f"{name}.{EXT[fmt]}").read_text(encoding="utf-8")
        assert render(report, fmt) == want, f"{name}.{EXT[fmt]}"
        assert render(report, fmt) == want, f"{name}.{EXT[fmt]}: a second pass differs"
        if fmt == "json":
            assert "".join(iter_json(report, chunk=1)) == want


def test_streamed_and_held_reports_agree_on_every_verdict() -> None:
    held, streamed = scenarios(stream=False), scenarios(stream=True)
    for name in held:
        h, s = held[name], streamed[name]
        assert s.summary() == h.summary() and s.exit_code() == h.exit_code(), name
        assert s.incomplete_reasons() == h.incomplete_reasons() and s.fixed == h.fixed, name
        assert [x.to_json() for x in s.findings] == [x.to_json() for x in h.findings], name
        assert len(s.findings) == len(h.findings) and [u.source for u in s.unmatched] == [u.source for u in h.unmatched]
        assert [s.passed(r) for r in s.registries] == [h.passed(r) for r in h.registries], name


def fleet(n: int) -> Estate:
    """The fixture's registries copied ``n`` times over (new names and ids)."""
    base = fx.estate()
    regs: list[RegistryPosture] = []
    for i in range(n):
        for r in base.registries:
            regs.append(r.model_copy(update={"name": f"{r.name}{i:03d}", "id": f"{r.id}{i:03d}"}))
    return base.model_copy(update={"registries": regs})


def instrumented(log: list[tuple[str, str]]) -> list[Check]:
    """The catalogue, each check noting the registry it evaluates."""
    def wrap(c: Check) -> Check:
        def fn(reg: RegistryPosture, estate: Estate, settings: Any) -> Any:
            log.append(("eval", reg.name))
            return c.fn(reg, estate, settings)
        return replace(c, fn=fn)
    return [wrap(c) for c in CATALOGUE]


def live_records() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, FindingRecord))


def test_the_json_writer_holds_one_registry_s_findings_at_a_time() -> None:
    """Resource bound, not time: while the last registry is evaluated, the findings alive are at most one
    registry's — every earlier registry's were encoded and released (a held report keeps all of them)."""
    estate = fleet(10)
    seen: list[int] = []
    last = select_registries(estate)[-1].name

    def probe(reg: RegistryPosture, e: Estate, settings: Any) -> Finding:
        if reg.name == last:
            seen.append(live_records())
        return Finding(Status.PASS, "probed")

    # checks that read only the registry's body: no read gap, so no error finding (the report keeps those)
    checks = [replace(CATALOGUE[0], id="TEST-PROBE", fn=probe, applies=None, inputs=(), reads=None)]
    checks += [c for c in CATALOGUE if not c.inputs and c.reads is None][:5]
    before = live_records()
    report = run_audit(estate, checks, fx.settings(), stream=True)
    assert list(iter_json(report, chunk=1)) and len(report.findings) == 40 * 6
    assert len(seen) == 1 and seen[0] - before <= len(checks), seen  # one registry's, not 39 × 6 = 234
    held = run_audit(estate, checks, fx.settings())  # the control: held findings pile up
    assert len(seen) == 2 and seen[1] - before >= 39 * len(checks), seen
    assert len(held.findings) == 240


def test_the_cli_writes_a_registry_s_findings_before_the_next_registry_is_evaluated(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``acrtui audit --format json`` streams: the first finding reaches stdout before the last registry's checks
    run (before issue 11's change every check ran before the first byte was written)."""
    log: list[tuple[str, str]] = []
    monkeypatch.setattr("acrtui.audit.cli.select_checks", lambda include, exclude: instrumented(log))
    real = writers_mod.iter_json
    monkeypatch.setattr(writers_mod, "iter_json", lambda report: real(report, chunk=1))
    import click

    echo = click.echo

    def noting_echo(message: Any = None, *args: Any, **kwargs: Any) -> None:
        if isinstance(message, str) and message.startswith(",\n    {"):  # one finding (chunk=1)
            log.append(("write", json.loads(message[1:])["registryName"]))
        echo(message, *args, **kwargs)

    monkeypatch.setattr(click, "echo", noting_echo)
    r = CliRunner().invoke(cli, ["audit", "--demo", "--format", "json"], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    doc = json.loads(r.stdout)
    names = sorted({n for k, n in log if k == "eval"}, key=str.lower)
    assert len(names) >= 2 and [n for k, n in log if k == "write"], log[:5]
    first_write = next(i for i, (k, _) in enumerate(log) if k == "write")
    last_registry_evaluated = next(i for i, (k, n) in enumerate(log) if k == "eval" and n == names[-1])
    assert first_write < last_registry_evaluated
    # and each registry is evaluated once for the JSON (plus once, up front, for nothing: no pass is wasted)
    for name in names:
        evals = sum(1 for k, n in log if k == "eval" and n == name)
        assert evals <= len(CATALOGUE), (name, evals)
    assert len(doc["findings"]) == doc["summary"]["findings"] == len(names) * len(CATALOGUE)
