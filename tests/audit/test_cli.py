"""``acrtui audit`` and ``acrtui checks`` end to end: the real CLI, the read-only service layer and the real SDK
against the emulator's ``demo`` estate over TLS. Exit codes, every family reported, zero writes, Reader is enough,
and the compliance preview agrees with the emulator's own policy evaluation (an independent interpreter).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

from acrtui.cli import cli
from acrtui.domain.checks import CATALOGUE, Family, Severity
from acrtui.emulator import Emulator, EmulatorThread


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def demo() -> Iterator[Emulator]:
    with EmulatorThread("demo") as emu:
        yield emu


def env_for(emu: Emulator, role: str) -> dict[str, str]:
    env = emu.env()
    if role == "reader":
        env["AZURE_CLIENT_ID"] = env["ACRTUI_READER_CLIENT_ID"]
        env["AZURE_CLIENT_SECRET"] = env["ACRTUI_READER_CLIENT_SECRET"]
    return env


@pytest.fixture(scope="module")
def demo_json() -> dict[str, Any]:
    r = invoke("audit", "--demo", "--format", "json")
    assert r.exit_code in (0, 1), r.output
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


# ------------------------------------------------------------------------------------------------- checks


def test_checks_lists_the_catalogue() -> None:
    r = invoke("checks")
    assert r.exit_code == 0
    for c in CATALOGUE:
        assert c.id in r.output
    assert "CKV_AZURE_137" in r.output and "Azure.ACR.AdminUser" in r.output
    doc = json.loads(invoke("checks", "--format", "json").output)
    assert [c["id"] for c in doc["checks"]] == [c.id for c in CATALOGUE]
    assert all(
        {"severity", "rationale", "remediation", "references", "applicability"} <= set(c)
        for c in doc["checks"]
    )


# ------------------------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "--check", "ACR-NOPE-001"],
        ["audit", "--skip-check", "nofamily"],
        ["audit", "--effect", "Deny"],
        ["audit", "--format", "xml"],
        ["audit", "--fail-on", "severe"],
        ["audit", "--preview-policy", "x", "--format", "sarif"],
    ],
)
def test_usage_errors_exit_2_before_reading_azure(args: list[str]) -> None:
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 2, r.output


def test_unknown_registry_and_unknown_policy_exit_2() -> None:
    assert invoke("audit", "--demo", "--registry", "nosuchregistry").exit_code == 2
    r = invoke("audit", "--demo", "--preview-policy", "No such policy definition")
    assert r.exit_code == 2 and "no policy definition matches" in r.output


def test_sign_in_failure_exits_3(demo: Emulator) -> None:
    env = env_for(demo, "owner")
    env["AZURE_CLIENT_SECRET"] = "wrong-secret"
    r = invoke("audit", "--format", "json", env=env)
    assert r.exit_code == 3, r.output
    doc = json.loads(r.stdout)  # a report that says it saw nothing, never an empty pass
    assert doc["complete"] is False and doc["registries"] == [] and doc["summary"]["complete"] is False
    assert doc["gaps"][0]["what"] == "sign-in" and "Sign-in failed" in r.stderr
    assert "wrong-secret" not in r.output


# ------------------------------------------------------------------------------------------------- demo


def test_demo_reports_every_family(demo_json: dict[str, Any]) -> None:
    findings = demo_json["findings"]
    assert demo_json["target"] == "demo" and len(demo_json["registries"]) >= 3
    for fam in Family:
        mine = [f for f in findings if f["family"] == fam.value]
        assert any(f["status"] in ("pass", "fail") for f in mine), fam
        assert any(f["status"] == "fail" for f in mine), f"the demo estate shows no {fam.value} problem"
    assert len(findings) == len(demo_json["registries"]) * len(CATALOGUE)


def test_demo_exit_codes_follow_fail_on(demo_json: dict[str, Any]) -> None:
    def failing(at: Severity) -> bool:
        return any(
            f["status"] == "fail" and Severity(f["severity"]).rank >= at.rank for f in demo_json["findings"]
        )

    assert invoke("audit", "--demo").exit_code == (1 if failing(Severity.HIGH) else 0)
    assert invoke("audit", "--demo", "--fail-on", "critical").exit_code == (
        1 if failing(Severity.CRITICAL) else 0
    )
    assert invoke("audit", "--demo", "--soft-fail").exit_code == 0
    clean = next(r["name"] for r in demo_json["registries"] if r["sku"] == "Basic")
    assert (
        invoke("audit", "--demo", "--registry", clean, "--check", "resilience", "--fail-on", "info").exit_code
        == 0
    )


def test_demo_output_file_and_formats(tmp_path: Any) -> None:
    out = tmp_path / "report.sarif"
    r = invoke("audit", "--demo", "--format", "sarif", "--output", str(out), "--soft-fail")
    assert r.exit_code == 0 and r.stdout == ""
    assert "registries passed" in r.stderr
    assert json.loads(out.read_text())["version"] == "2.1.0"
    md = invoke("audit", "--demo", "--format", "markdown", "--soft-fail").output
    assert "| Registry | CMK | Private Link |" in md


# -------------------------------------------------------------------------- read-only proof and Reader


@pytest.mark.parametrize("role", ["reader", "owner"])
def test_audit_makes_zero_writes_and_works_as_reader(demo: Emulator, role: str) -> None:
    env = env_for(demo, role)
    since = demo.last_seq
    r = invoke("audit", "--format", "json", env=env)
    assert r.exit_code == 1, r.output
    doc = json.loads(r.stdout)
    assert doc["target"] == "emulator" and doc["errors"] == []
    assert {f["status"] for f in doc["findings"]} >= {"pass", "fail"}
    log = [rec for rec in demo.request_log if rec.seq > since]
    assert any(rec.kind == "arm" and rec.principal == env["AZURE_CLIENT_ID"] for rec in log)
    assert demo.writes(since) == []
    assert not any(rec.status == 403 for rec in log if rec.kind == "arm")


def test_preview_policy_makes_zero_writes_as_reader(demo: Emulator) -> None:
    since = demo.last_seq
    r = invoke(
        "audit",
        "--preview-policy",
        "0fdf0491-d080-4575-b627-ad0e843cba0f",
        "--effect",
        "Deny",
        "--format",
        "json",
        env=env_for(demo, "reader"),
    )
    assert r.exit_code in (0, 1), r.output
    doc = json.loads(r.stdout)
    assert doc["effect"] == "Deny"
    assert all(x["denyWouldBlockWrites"] == (x["compliance"] == "NonCompliant") for x in doc["results"])
    assert demo.writes(since) == []


def test_preview_rejects_an_effect_the_definition_does_not_allow(demo: Emulator) -> None:
    r = invoke(
        "audit",
        "--preview-policy",
        "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
        "--effect",
        "Deny",
        env=env_for(demo, "reader"),
    )
    assert r.exit_code == 2 and "PolicyParameterValueNotAllowed" in r.output


# ------------------------------------------------------------------- preview vs Azure Policy's own states


def test_preview_agrees_with_the_emulators_policy_states(demo_json: dict[str, Any]) -> None:
    """For every built-in with compliance records in the demo, the local evaluation names the same registries."""
    states: dict[str, dict[str, str]] = {}  # definition guid -> registry name -> state
    for f in demo_json["findings"]:
        if f["checkId"] == "ACR-POL-005" and f["status"] in ("pass", "fail"):
            for s in f["evidence"]["states"]:
                guid = s["definitionId"].rstrip("/").rsplit("/", 1)[-1].lower()
                states.setdefault(guid, {})[f["registryName"]] = s["state"]
    assert states, "the demo estate has no policy compliance records to compare with"
    compared = 0
    for guid, by_registry in states.items():
        r = invoke("audit", "--demo", "--preview-policy", guid, "--format", "json", "--soft-fail")
        assert r.exit_code == 0, r.output
        local = {x["registryName"]: x["compliance"] for x in json.loads(r.stdout)["results"]}
        for name, state in by_registry.items():
            if state in ("Compliant", "NonCompliant") and local.get(name) in ("Compliant", "NonCompliant"):
                assert local[name] == state, (guid, name, local[name], state)
                compared += 1
    assert compared >= 3


def test_preview_scope_limits_the_registries(demo_json: dict[str, Any]) -> None:
    reg = demo_json["registries"][0]
    rg_scope = reg["id"].split("/providers/")[0]
    r = invoke(
        "audit",
        "--demo",
        "--preview-policy",
        "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
        "--scope",
        rg_scope,
        "--format",
        "json",
        "--soft-fail",
    )
    assert r.exit_code == 0, r.output
    names = {x["registryName"] for x in json.loads(r.stdout)["results"]}
    expected = {
        x["name"] for x in demo_json["registries"] if x["id"].lower().startswith(rg_scope.lower() + "/")
    }
    assert names == expected and reg["name"] in names and len(names) < len(demo_json["registries"])
    r = invoke(
        "audit",
        "--demo",
        "--preview-policy",
        "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
        "--scope",
        "/subscriptions/none",
    )
    assert r.exit_code == 2 and "no observed registry is inside scope" in r.output


def test_table_is_the_default_and_ends_with_the_summary() -> None:
    r = invoke("audit", "--demo", "--soft-fail")
    lines = r.stdout.rstrip().splitlines()
    assert r.exit_code == 0 and lines[0].startswith("acrtui audit · demo ·")
    assert lines[-2].startswith("Summary: ") and "registries passed:" in lines[-2]
