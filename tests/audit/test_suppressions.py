"""Suppressions and baselines: the file's hostile-input rules (located errors, exit 2), suppressed findings in every
format (goldens ``suppressed.*``: SARIF ``suppressions`` kind external, JUnit ``<skipped>`` with the reason), an
expired suppression failing the audit, an unmatched one warned, and baseline marks new / unchanged / fixed with
``--fail-on-new`` gating only on new failures."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from acrtui.audit import FORMATS, AuditReport, render, run_audit
from acrtui.audit import baseline as bl
from acrtui.audit import suppressions as sp
from acrtui.audit.runner import FindingRecord
from acrtui.cli import cli
from acrtui.domain.checks import CATALOGUE, Status, select_checks
from tests.audit import fixture_estate as fx
from tests.audit.test_reports import EXT, SARIF_SCHEMA, complete_report, golden

DATA = Path(__file__).parent / "data"
IDS = [c.id for c in CATALOGUE]


def suppressions() -> list[sp.Suppression]:
    return sp.parse((DATA / "suppressions.yaml").read_text(encoding="utf-8"), "acrtui.suppressions.yaml", IDS)


def baseline() -> bl.Baseline:
    """The complete audit as a previous run saw it: prodbad's ACR-PL-004 had not failed yet (so it is new now), and
    prodgood's ACR-NET-001 failed then (it passes now: fixed)."""
    doc = json.loads(render(complete_report(), "json"))
    doc["findings"] = [f for f in doc["findings"] if not (f["registryName"] == "prodbad" and f["checkId"] == "ACR-PL-004")]
    good = next(f for f in doc["findings"] if f["registryName"] == "prodgood" and f["checkId"] == "ACR-NET-001")
    good.update(status="fail", message="public network access enabled with no firewall")
    return bl.parse(json.dumps(doc), "previous.json")


def scenario(fail_on_new: bool = False) -> AuditReport:
    regs = [fx.good_registry(), fx.bad_registry(), fx.basic_registry()]
    return run_audit(fx.estate(), CATALOGUE, fx.settings(), registries=regs, target="test", tool_version="0.0.0-test",
                     named=True, suppressions=suppressions(), baseline=baseline(), fail_on_new=fail_on_new)


def rec(report: AuditReport, reg: str, check: str) -> FindingRecord:
    return next(f for f in report.findings if f.registry.name == reg and f.check.id == check)


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_files_with_suppressions_and_a_baseline(fmt: str) -> None:
    golden(f"suppressed.{EXT.get(fmt, fmt)}", render(scenario(), fmt))


# ------------------------------------------------------------------------------------------- semantics


def test_suppressed_expired_and_unmatched() -> None:
    r = scenario()
    sup = rec(r, "devbasic", "ACR-AUTH-001")
    assert sup.status is Status.FAIL and sup.suppressed and not sup.failing
    assert sup.suppression is not None and sup.suppression.source == "acrtui.suppressions.yaml:3"
    expired = rec(r, "devbasic", "ACR-NET-001")
    assert expired.status is Status.FAIL and not expired.suppressed and expired.failing  # an expired one accepts nothing
    assert [s.check for s in r.expired] == ["ACR-NET-001"] and [s.check for s in r.unmatched] == ["ACR-CMK-001"]
    assert "acrtui.suppressions.yaml:7" in r.warnings()[0] and "expired on 2026-01-31" in r.warnings()[0]
    s = r.summary()
    assert s["suppressed"] == 3 and s["expiredSuppressions"] == 1
    assert s["passed"] + s["failed"] + s["notApplicable"] + s["errors"] + s["suppressed"] == s["findings"]


def test_an_expired_suppression_fails_the_audit_even_when_nothing_else_does() -> None:
    regs = [fx.good_registry()]
    sups = [sp.Suppression("ACR-NET-001", "prodgood", "old", fx.NOW.date().replace(year=2025), "f.yaml:2")]
    r = run_audit(fx.estate(), CATALOGUE, fx.settings(), registries=regs, named=True, suppressions=sups)
    assert not r.failing() and r.exit_code() == 1 and r.exit_code(soft_fail=True) == 0
    live = run_audit(fx.estate(), CATALOGUE, fx.settings(), registries=regs, named=True,
                     suppressions=[sp.Suppression("ACR-NET-001", "prodgood", "x", fx.NOW.date(), "f.yaml:2")])
    assert live.exit_code() == 0  # valid through its expiry day


def test_suppressions_never_hide_an_error() -> None:
    """The orphan's vault was not read: its CMK checks are errors, and a suppression leaves them errors."""
    sups = [sp.Suppression("ACR-CMK-*", "*", "x", fx.NOW.date(), "f.yaml:2")]
    r = run_audit(fx.estate(), select_checks(["cmk"]), fx.settings(), registries=[fx.orphan_registry()], named=True,
                  suppressions=sups)
    assert any(f.status is Status.ERROR for f in r.findings) and not any(f.suppressed for f in r.findings
                                                                           if f.status is Status.ERROR)
    assert r.exit_code() == 3


def test_registries_passed_means_nothing_at_or_above_fail_on() -> None:
    from acrtui.domain.checks import Severity

    regs = [fx.good_registry(), fx.bad_registry(), fx.basic_registry()]
    low = run_audit(fx.estate(), select_checks(["ACR-POL-004"]), fx.settings(), registries=regs, named=True,
                    fail_on=Severity.LOW)
    medium = run_audit(fx.estate(), select_checks(["ACR-POL-004"]), fx.settings(), registries=regs, named=True,
                       fail_on=Severity.MEDIUM)
    assert low.summary()["registriesPassed"] == medium.summary()["registriesPassed"] - 1  # prodbad's low failure


def test_sarif_suppressions_and_baseline_states_validate() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    doc = json.loads(render(scenario(), "sarif"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
    run = doc["runs"][0]
    sup = next(x for x in run["results"] if x["ruleId"] == "ACR-AUTH-001" and "devbasic" in x["message"]["text"])
    assert sup["suppressions"][0]["kind"] == "external" and "RISK-1" in sup["suppressions"][0]["justification"]
    assert sup["suppressions"][0]["location"]["physicalLocation"]["region"]["startLine"] == 3
    states = {(x["ruleId"], x["message"]["text"].split(":")[0]): x.get("baselineState") for x in run["results"]}
    assert states[("ACR-PL-004", "prodbad")] == "new" and states[("ACR-CMK-003", "prodbad")] == "unchanged"
    assert states[("ACR-NET-001", "prodgood")] == "absent"
    config = run["invocations"][0]["toolConfigurationNotifications"]
    assert [n["level"] for n in config] == ["error", "warning"]


def test_csv_marks_suppressed_rows_and_lists_the_expired_suppression() -> None:
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(render(scenario(), "csv"))))
    sup = next(r for r in rows if r["registryName"] == "devbasic" and r["checkId"] == "ACR-AUTH-001")
    assert sup["status"] == "fail" and sup["suppressed"] == "true" and "RISK-1" in sup["suppressionJustification"]
    assert sup["suppressionSource"] == "acrtui.suppressions.yaml:3" and sup["baseline"] == "unchanged"
    exp = [r for r in rows if r["title"] == "expired suppression"]
    assert len(exp) == 1 and exp[0]["suppressionSource"] == "acrtui.suppressions.yaml:7"


def test_junit_suppressed_is_skipped_with_the_reason_and_expired_is_a_failure() -> None:
    root = ET.fromstring(render(scenario(), "junit"))
    suite = root.find("./testsuite[@name='devbasic']")
    assert suite is not None
    case = next(c for c in suite.findall("testcase") if (c.get("name") or "").startswith("ACR-AUTH-001"))
    skipped = case.find("skipped")
    assert skipped is not None and "RISK-1" in (skipped.get("message") or "") and case.find("failure") is None
    exp = root.find("./testsuite[@name='acrtui suppressions']/testcase/failure")
    assert exp is not None and exp.get("type") == "ExpiredSuppression"


# -------------------------------------------------------------------------------------------- baseline


def test_baseline_marks_new_unchanged_and_fixed() -> None:
    r = scenario()
    assert rec(r, "prodbad", "ACR-PL-004").baseline == "new"
    assert rec(r, "prodbad", "ACR-CMK-003").baseline == "unchanged"
    assert rec(r, "prodgood", "ACR-NET-001").baseline is None  # passes: not a failure to mark
    assert [(x["registryName"], x["checkId"]) for x in r.fixed] == [("prodgood", "ACR-NET-001")]
    assert r.summary()["baseline"]["new"] == 1


def test_fail_on_new_gates_only_on_new_failures() -> None:
    gated = scenario(fail_on_new=True)
    assert [f.check.id for f in gated.gating()] == ["ACR-PL-004"] and gated.exit_code() == 1
    regs = [fx.good_registry(), fx.bad_registry(), fx.basic_registry()]
    prev = bl.parse(render(complete_report(), "json"), "same.json")
    same = run_audit(fx.estate(), CATALOGUE, fx.settings(), registries=regs, named=True, baseline=prev, fail_on_new=True)
    assert same.failing() and not same.gating() and same.exit_code() == 0
    assert run_audit(fx.estate(), CATALOGUE, fx.settings(), registries=regs, named=True, baseline=prev).exit_code() == 1


def test_baseline_ignores_what_this_audit_did_not_evaluate() -> None:
    """A baseline failure of a check not selected now is not 'fixed': it was not looked at."""
    regs = [fx.good_registry()]
    r = run_audit(fx.estate(), select_checks(["cmk"]), fx.settings(), registries=regs, named=True, baseline=baseline())
    assert r.fixed == []


def test_a_schema_1_report_is_still_a_baseline() -> None:
    """2.0 moved check text out of findings; a 1.2 report from before (title, remediation per finding) still reads."""
    old = {"tool": {"name": "acrtui"}, "schemaVersion": "1.2", "checks": ["ACR-NET-001"], "findings": [
        {"checkId": "ACR-NET-001", "registryId": "/x/R", "status": "fail", "title": "t", "evidence": {},
         "remediation": {"text": "…", "az": None, "command": None, "action": None}, "references": {}},
        {"checkId": "ACR-NET-002", "registryId": "/x/R", "status": "pass", "evidence": {}}]}
    b = bl.parse(json.dumps(old), "old.json")
    assert list(b.failing) == [bl.identity("ACR-NET-001", "/x/R", {})]


@pytest.mark.parametrize(("text", "where"), [
    ('{"tool": {"name": "acrtui"}, "schemaVersion": "1.2",\n  "findings": [1, }', "previous.json:2:"),
    ('{"tool": {"name": "checkov"}}', "previous.json:1: (document): not an acrtui JSON report"),
    ('{"tool": {"name": "acrtui"}, "schemaVersion": "3.0", "findings": []}', "previous.json:1: schemaVersion"),
    ('{"tool": {"name": "acrtui"}, "schemaVersion": "1.1",\n "findings": [\n {"checkId": "X", "status": 3}]}',
     "previous.json:3: findings[0]"),
    ("[]", "previous.json:1: (document)"),
])
def test_a_bad_baseline_is_a_located_usage_error(text: str, where: str) -> None:
    with pytest.raises(bl.BaselineError) as exc:
        bl.parse(text, "previous.json")
    assert where in exc.value.message and exc.value.exit_code == 2


# ------------------------------------------------------------------------------------------- the file


@pytest.mark.parametrize(("text", "where"), [
    ("suppressions:\n  - check: ACR-NET-001\n    registry: x\n    expires: 2026-01-01\n",
     "f.yaml:2: suppressions[0]: `justification` is required"),
    ("suppressions:\n  - check: ACR-NOPE-9\n    registry: x\n    justification: j\n    expires: 2026-01-01\n",
     "f.yaml:2: suppressions[0].check: 'ACR-NOPE-9' matches no check"),
    ("suppressions:\n  - check: ACR-NET-001\n    registry: x\n    justification: j\n    expires: soon\n",
     "f.yaml:5: suppressions[0].expires: 'soon' is not an ISO date"),
    ("suppressions:\n  - check: ACR-NET-001\n    registry: x\n    justification: j\n    expires: 2026-01-01\n"
     "    owner: me\n", "f.yaml:6: suppressions[0].owner: unknown key"),
    ("suppressions:\n  - !!python/object:os.system {}\n", "f.yaml:2:"),
    ("a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
     "f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n", "alias bomb"),
    ("- just a list\n", "f.yaml:1: (document): expected a mapping"),
    ("suppressions: [\n", "f.yaml:2: (yaml)"),
])
def test_a_bad_suppressions_file_is_located(text: str, where: str) -> None:
    with pytest.raises(sp.SuppressionsError) as exc:
        sp.parse(text, "f.yaml", IDS)
    assert where in exc.value.message and exc.value.exit_code == 2


def test_the_file_is_read_with_the_input_limits(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (1024 * 1024 + 1))
    with pytest.raises(sp.SuppressionsError, match=r"at most 1\.0 MiB"):
        sp.load(big, IDS)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("suppressions: []\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(sp.SuppressionsError, match=r"latin.yaml:2:\d+: \(file\): byte 0xe9 is not UTF-8"):
        sp.load(latin, IDS)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(sp.SuppressionsError, match="FIFO"):
        sp.load(fifo, IDS)


# ------------------------------------------------------------------------------------------------- CLI


def _cli(args: list[str], cwd: Path) -> Any:
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def test_cli_refuses_a_bad_suppressions_file_before_reading_azure(tmp_path: Path) -> None:
    (tmp_path / "acrtui.suppressions.yaml").write_text("suppressions:\n  - check: ACR-NET-001\n", encoding="utf-8")
    r = _cli(["audit", "--demo", "--format", "json"], tmp_path)
    assert r.exit_code == 2 and "acrtui.suppressions.yaml:2: suppressions[0]: `registry` is required" in r.stderr
    assert r.stdout == ""  # no report: nothing was read


def test_cli_bad_baseline_and_fail_on_new_without_one(tmp_path: Path) -> None:
    (tmp_path / "prev.json").write_text("{not json", encoding="utf-8")
    r = _cli(["audit", "--demo", "--baseline", "prev.json"], tmp_path)
    assert r.exit_code == 2 and "prev.json:1:2: (json)" in r.stderr
    assert _cli(["audit", "--demo", "--fail-on-new"], tmp_path).exit_code == 2


def test_cli_end_to_end_suppression_and_baseline_on_the_demo(tmp_path: Path) -> None:
    """The demo estate through the real SDK: its own report as the baseline means nothing is new; a suppression in
    the working directory is applied and shown; --show-passed lists what the table hides by default."""
    first = _cli(["audit", "--demo", "--format", "json", "--now", "2026-06-01T12:00:00Z", "-o", "prev.json"], tmp_path)
    assert first.exit_code in (0, 1), first.output
    doc = json.loads((tmp_path / "prev.json").read_text(encoding="utf-8"))
    bad = next(f for f in doc["findings"] if f["status"] == "fail")
    (tmp_path / "acrtui.suppressions.yaml").write_text(
        f"suppressions:\n  - check: {bad['checkId']}\n    registry: {bad['registryName']}\n"
        "    justification: accepted in review\n    expires: 2026-07-01\n", encoding="utf-8")
    again = _cli(["audit", "--demo", "--format", "json", "--now", "2026-06-01T12:00:00Z", "--baseline", "prev.json",
                  "--fail-on-new"], tmp_path)
    assert again.exit_code == 0, again.output  # nothing new
    now = json.loads(again.stdout)
    hit = next(f for f in now["findings"] if f["checkId"] == bad["checkId"] and f["registryId"] == bad["registryId"])
    assert hit["suppression"]["justification"] == "accepted in review" and hit["baseline"] == "unchanged"
    assert now["summary"]["baseline"]["new"] == 0 and now["summary"]["suppressed"] == 1
    table = _cli(["audit", "--demo", "--now", "2026-06-01T12:00:00Z"], tmp_path).stdout
    assert "SUPPR" in table and "accepted in review" in table and "--show-passed lists them" in table
    assert "\x1b[" not in table  # not a terminal: never colour
    shown = _cli(["audit", "--demo", "--now", "2026-06-01T12:00:00Z", "--show-passed"], tmp_path).stdout
    assert "  pass " in shown and "--show-passed lists them" not in shown
    expired = _cli(["audit", "--demo", "--now", "2026-08-01T12:00:00Z", "--fail-on", "critical", "--format", "json"],
                   tmp_path)
    assert expired.exit_code in (1, 3) and "expired on 2026-07-01" in expired.stderr


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from acrtui.audit.cli import _colour

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Tty())
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    assert _colour(None) is True and _colour("out.txt") is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert _colour(None) is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert _colour(None) is False
    coloured = render(complete_report(), "table", colour=True)
    assert "\x1b[1;31mFAIL" in coloured and "\x1b[" not in render(complete_report(), "table")
