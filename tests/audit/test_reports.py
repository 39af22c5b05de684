"""Report writers: golden files for every format (fixed estate, frozen clock), structure checks per format, SARIF
validated against the vendored SARIF 2.1.0 schema, and the exit-code rule.

Regenerate the golden files after an intended change with::

    ACRTUI_UPDATE_GOLDEN=1 .venv/bin/pytest tests/audit/test_reports.py

then review the diff of tests/audit/golden/ like any other change.

``sarif-schema-2.1.0.json`` is the OASIS SARIF 2.1.0 schema, vendored verbatim from the oasis-tcs/sarif-spec
repository (Documents/CommitteeSpecifications/2.1.0/sarif-schema-2.1.0.json, commit 3682e9ee) because tests
must not download it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from acrtui.audit import FORMATS, AuditReport, render, run_audit
from acrtui.audit.writers import CSV_COLUMNS, write_catalogue
from acrtui.domain.checks import CATALOGUE, Severity, Status, select_checks
from tests.audit import fixture_estate as fx

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
SARIF_SCHEMA = HERE / "sarif-schema-2.1.0.json"
UPDATE = os.environ.get("ACRTUI_UPDATE_GOLDEN") == "1"
EXT = {"table": "txt", "json": "json", "sarif": "sarif", "junit": "xml", "markdown": "md", "csv": "csv",
       "html": "html"}


def make_report(fail_on: Severity = Severity.HIGH) -> AuditReport:
    """The whole fixture: incomplete, because the orphan registry's vault was not observed."""
    return run_audit(
        fx.estate(), CATALOGUE, fx.settings(), fail_on=fail_on, target="test", tool_version="0.0.0-test"
    )


def complete_report(fail_on: Severity = Severity.HIGH, checks: list[str] | None = None) -> AuditReport:
    """Every registry whose inputs were all read (the orphan left out by name)."""
    regs = [fx.good_registry(), fx.bad_registry(), fx.basic_registry()]
    return run_audit(fx.estate(), select_checks(checks or []), fx.settings(), registries=regs, fail_on=fail_on,
                     target="test", tool_version="0.0.0-test", named=True)


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return make_report()


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with ACRTUI_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from the golden file (ACRTUI_UPDATE_GOLDEN=1 to accept)"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_files(report: AuditReport, fmt: str) -> None:
    golden(f"report.{EXT[fmt]}", render(report, fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_files_of_a_complete_audit(fmt: str) -> None:
    golden(f"complete.{EXT[fmt]}", render(complete_report(), fmt))


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_catalogue_golden(fmt: str) -> None:
    golden(f"checks.{'txt' if fmt == 'table' else 'json'}", write_catalogue(CATALOGUE, fmt))


def test_rendering_is_deterministic() -> None:
    assert all(render(make_report(), f) == render(make_report(), f) for f in FORMATS)


# ------------------------------------------------------------------------------------------------- json


def test_json_shape(report: AuditReport) -> None:
    doc = json.loads(render(report, "json"))
    assert doc["schemaVersion"] == "2.0" and doc["generatedAt"] == "2026-06-01T12:00:00Z"
    assert len(doc["findings"]) == len(CATALOGUE) * 4
    keys = {
        "checkId",
        "registryId",
        "registryName",
        "status",
        "family",
        "severity",
        "message",
        "evidence",
        "command",
        "suppression",
        "baseline",
    }
    checks = {c["id"]: c for c in doc["checks"]}  # check-level text once per check (schema 2.0)
    assert list(checks) == [c.id for c in report.checks]
    for c in checks.values():
        assert {"title", "rationale", "severity", "family", "references"} <= set(c)
        assert set(c["remediation"]) == {"text", "az", "action"}
    for f in doc["findings"]:
        assert set(f) == keys and f["checkId"] in checks
        assert f["status"] in {"pass", "fail", "not_applicable", "error"}
    assert doc == report.to_json()  # the streamed text is the document
    s = doc["summary"]
    assert s["passed"] + s["failed"] + s["notApplicable"] + s["errors"] + s["suppressed"] == s["findings"]
    assert sum(s["failedBySeverity"].values()) == s["failed"]
    assert s["registriesPassed"] == 1 and s["registries"] == 4  # prodgood
    assert doc["errors"] == fx.estate().errors == [g.text for g in fx.gaps()]
    assert doc["complete"] is False and s["complete"] is False and s["registriesNotEvaluated"] == 1
    assert [g["inScope"] for g in doc["gaps"]] == [True, False]  # the compliance gap hides no registry here
    assert s["readGaps"] == 1 and doc["incomplete"] == [fx.gaps()[0].text]
    done = json.loads(render(complete_report(), "json"))
    assert done["complete"] is True and done["incomplete"] == [] and done["summary"]["readGaps"] == 0


# ------------------------------------------------------------------------------------------------ sarif


def test_sarif_validates_against_the_2_1_0_schema(report: AuditReport) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    jsonschema.Draft7Validator.check_schema(schema)
    doc = json.loads(render(report, "sarif"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)


def test_sarif_schema_catches_a_broken_log(report: AuditReport) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    doc = json.loads(render(report, "sarif"))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(doc)


def test_sarif_rules_and_results(report: AuditReport) -> None:
    run = json.loads(render(report, "sarif"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in CATALOGUE]
    for r in rules:
        assert r["help"]["text"] and r["help"]["markdown"] and r["shortDescription"]["text"]
        assert float(r["properties"]["security-severity"]) >= 0
    fails = [f for f in report.findings if f.status is Status.FAIL]
    assert len(run["results"]) == len(fails)
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["logicalLocations"][0]
        assert loc["fullyQualifiedName"].startswith("/subscriptions/") and loc["kind"] == "resource"
    errors = run["invocations"][0]["toolExecutionNotifications"]
    assert sum(1 for n in errors if "descriptor" in n) == 7  # the orphan registry's vault checks
    assert run["invocations"][0]["executionSuccessful"] is False
    assert any(n["level"] == "error" and n["message"]["text"].startswith("incomplete: key vault kv-elsewhere")
               for n in errors)
    done = json.loads(render(complete_report(), "sarif"))["runs"][0]["invocations"][0]
    assert done["executionSuccessful"] is True and all(n["level"] == "warning"
                                                        for n in done["toolExecutionNotifications"])


# ------------------------------------------------------------------------------------------------ junit


def test_junit_structure(report: AuditReport) -> None:
    root = ET.fromstring(render(report, "junit"))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(CATALOGUE) * 4
    assert len(root.findall("./testsuite")) == 4
    s = report.summary()
    assert len(root.findall(".//failure")) == s["failed"] == int(root.get("failures", "-1"))
    assert len(root.findall(".//skipped")) == s["notApplicable"]
    assert len(root.findall(".//error")) == s["errors"]
    bad = root.find("./testsuite[@name='prodbad']")
    assert bad is not None
    case = next(c for c in bad.findall("testcase") if c.get("name", "").startswith("ACR-CMK-003"))
    failure = case.find("failure")
    assert (
        failure is not None
        and failure.get("type") == "critical"
        and "az keyvault set-policy" in (failure.text or "")
    )


# --------------------------------------------------------------------------------------------- markdown


def test_markdown_matrix(report: AuditReport) -> None:
    md = render(report, "markdown")
    header = next(line for line in md.splitlines() if line.startswith("| Registry |"))
    cols = [c.strip() for c in header.strip("|").split("|")]
    assert cols == [
        "Registry",
        "CMK",
        "Private Link",
        "Network",
        "Data endpoint",
        "Auth",
        "Policy",
        "Resilience",
        "Monitoring",
        "Supply chain",
    ]
    rows = {
        line.split("|")[1].strip(" `"): [c.strip() for c in line.strip("|").split("|")[1:]]
        for line in md.splitlines()
        if line.startswith("| `")
    }
    assert rows["prodgood"] == ["✓"] * 9
    assert rows["prodbad"][cols.index("Supply chain") - 1] == "✗"
    assert rows["devbasic"][cols.index("Resilience") - 1] == "✓"  # zone redundancy is every tier's now (Learn, 2026)
    assert rows["prodorphan"][cols.index("CMK") - 1] == "⚠"
    assert rows["prodbad"][cols.index("CMK") - 1] == "✗"
    assert "### `prodgood`" in md and "All applicable checks pass." in md


# -------------------------------------------------------------------------------------------------- csv


def test_csv(report: AuditReport) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert list(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(report.findings)
    row = next(r for r in rows if r["registryName"] == "prodbad" and r["checkId"] == "ACR-PL-004")
    assert row["status"] == "fail" and json.loads(row["evidence"])["endpoints"][0][
        "privateEndpoint"
    ].endswith("/pe-bad")


# ------------------------------------------------------------------------------------------------ table


def test_table_groups_by_registry_and_ends_with_the_summary(report: AuditReport) -> None:
    text = render(report, "table")
    heads = [
        line.split()[0]
        for line in text.splitlines()
        if line and not line.startswith((" ", "acrtui", "Summary", "warning", "INCOMPLETE"))
    ]
    # failures first (worst first), then the registry that could not be evaluated, then the one that passed
    assert heads[:4] == ["prodbad", "devbasic", "prodorphan", "prodgood"]
    assert text.rstrip().splitlines()[-2].startswith("Summary: ")
    assert "registries passed: 1/4" in text
    assert "warning: policy states in" in text
    assert text.splitlines()[2].startswith("INCOMPLETE: ") and "  - key vault kv-elsewhere" in text
    assert "INCOMPLETE" not in render(complete_report(), "table")


# ------------------------------------------------------------------------------------------- exit codes


@pytest.mark.parametrize(
    ("fail_on", "checks", "code"),
    [
        (Severity.HIGH, None, 1),
        (Severity.CRITICAL, None, 1),  # ACR-CMK-003 on prodbad
        (Severity.CRITICAL, ["ACR-AUTH"], 0),  # auth failures are high at most
        (Severity.LOW, ["ACR-POL-004"], 1),
        (Severity.MEDIUM, ["ACR-POL-004"], 0),  # the private DNS zone policy is low
    ],
)
def test_exit_code_follows_fail_on(fail_on: Severity, checks: list[str] | None, code: int) -> None:
    r = complete_report(fail_on, checks)
    assert r.complete
    assert r.exit_code() == code
    assert r.exit_code(soft_fail=True) == 0


@pytest.mark.parametrize("fail_on", list(Severity))
def test_an_incomplete_audit_exits_3_whatever_fail_on_and_soft_fail_say(fail_on: Severity) -> None:
    r = make_report(fail_on)
    assert not r.complete and r.exit_code() == 3 and r.exit_code(soft_fail=True) == 3


def test_a_gap_outside_the_selected_checks_does_not_make_the_audit_incomplete() -> None:
    """The orphan's vault gap hides vault facts only: its auth checks had every input they read."""
    r = run_audit(fx.estate(), select_checks(["auth"]), fx.settings(), registries=[fx.orphan_registry()], named=True)
    assert r.complete and r.exit_code(soft_fail=True) == 0


def test_errors_and_not_applicable_never_count_as_pass_or_fail(report: AuditReport) -> None:
    orphan = [f for f in report.findings if f.registry.name == "prodorphan"]
    assert {f.check.id for f in orphan if f.status is Status.ERROR} == {f"ACR-CMK-00{i}" for i in range(3, 10)}
    s = report.summary()
    assert s["errors"] == 7 and s["notApplicable"] > 0
    only_errors = run_audit(
        fx.estate(), select_checks(["ACR-CMK-005"]), fx.settings(), registries=[fx.orphan_registry()]
    )
    # a check that could not run is not a pass: the audit is incomplete (exit 3, even with --soft-fail)
    assert only_errors.exit_code() == 3 and only_errors.exit_code(soft_fail=True) == 3
    assert only_errors.summary()["passed"] == 0 and only_errors.summary()["registriesPassed"] == 0
