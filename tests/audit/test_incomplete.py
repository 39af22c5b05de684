"""An audit that could not see does not pass (issue 8 §2).

Table-driven over fault patterns against the demo estate — each provider path the inventory reads, as 403 and as
503, the Resource Graph path, the subscription list, the token endpoint and the emulator killed mid-audit — through
the real SDK over TLS. For every case and every output format the report says it is incomplete and the exit code
is 3 (``--soft-fail`` too); and no check ever passes on input it did not get: compared with the same audit without
faults, a finding either is unchanged or is ``error``, and the checks that read what the fault hid are ``error``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from acrtui.audit import FORMATS, AuditReport, render, run_audit
from acrtui.azure.inventory import Inventory
from acrtui.azure.session import RetrySettings
from acrtui.cli import cli
from acrtui.domain.checks import CATALOGUE, CheckSettings, Status
from acrtui.domain.models import Estate, GapKind
from acrtui.emulator import Emulator, EmulatorThread
from tests.azure.conftest import make_session

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
FAST = RetrySettings(total=1, backoff_factor=0.01, backoff_max=1)
SARIF_SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
CMK = ("contosoprodacr", "contosoprodlost", "contosoprodpinned")  # the demo's CMK registries
PRIVATE = ("contosoprodacr", "contosostgacr")  # the demo's registries with an approved private endpoint
ALL = ("contosoprodacr", "contosoprodlost", "contosoprodpinned", "contosostgacr", "contosostgstd", "sandboxbasic",
       "sandboxpremium", "sandboxstd")


def _cmk(*checks: str) -> set[tuple[str, str]]:
    return {(r, c) for r in CMK for c in checks}


# case id -> (path regex, (registry, check) that must be error, whether registries themselves go unseen)
CASES: dict[str, tuple[str, set[tuple[str, str]], bool]] = {
    "containerregistry": ("/providers/Microsoft.ContainerRegistry/", set(), True),
    "replications": ("/providers/Microsoft.ContainerRegistry/registries/[^/]+/replications",
                     {("contosoprodacr", "ACR-RES-002"), ("contosoprodacr", "ACR-DEP-001"),
                      ("contosoprodacr", "ACR-PL-004"), ("sandboxpremium", "ACR-RES-001")}, False),
    "keyvault": ("/providers/Microsoft.KeyVault/",
                 _cmk("ACR-CMK-003", "ACR-CMK-004", "ACR-CMK-005", "ACR-CMK-006", "ACR-CMK-007"), False),
    "keyvault-keys": ("/providers/Microsoft.KeyVault/vaults/[^/]+/keys", _cmk("ACR-CMK-004"), False),
    "network": ("/providers/Microsoft.Network/", {(r, c) for r in PRIVATE for c in ("ACR-PL-004", "ACR-PL-005")},
                False),
    "network-interfaces": ("/providers/Microsoft.Network/networkInterfaces/", {("contosoprodacr", "ACR-PL-004")},
                           False),
    "private-dns": ("/providers/Microsoft.Network/privateDnsZones", {("contosoprodacr", "ACR-PL-004"),
                                                                     ("contosoprodacr", "ACR-PL-005")}, False),
    "diagnostic-settings": ("/providers/Microsoft.Insights/diagnosticSettings", _cmk("ACR-CMK-006"), False),
    "authorization": ("/providers/Microsoft.Authorization/",
                      {(r, f"ACR-POL-00{i}") for r in ALL for i in range(1, 5)}, False),
    "policy-insights": ("/providers/Microsoft.PolicyInsights/",
                        {(r, "ACR-POL-005") for r in ("contosoprodacr", "contosostgacr")}, False),
    "subscriptions-list": ("^/subscriptions$", set(), True),
    "all-providers": ("/providers/", set(), True),
}


def settings() -> CheckSettings:
    return CheckSettings(now=NOW)


async def load(emu: Emulator, *, graph: bool = False) -> Estate:
    s = make_session(emu, "reader", read_only=True, retry=FAST)
    try:
        return await Inventory(s, use_resource_graph=graph).load()
    finally:
        await s.close()


_baseline: dict[bool, dict[tuple[str, str], tuple[Status, str]]] = {}


async def baseline(graph: bool = False) -> dict[tuple[str, str], tuple[Status, str]]:
    """The same audit without faults: (registry, check) -> (status, message)."""
    if graph not in _baseline:
        async with Emulator("demo") as emu:
            report = run_audit(await load(emu, graph=graph), CATALOGUE, settings())
        assert report.complete
        _baseline[graph] = {(f.registry.name, f.check.id): (f.status, f.finding.message) for f in report.findings}
    return _baseline[graph]


def assert_says_incomplete(report: AuditReport) -> None:
    """Every format says it, and no exit code hides it."""
    assert not report.complete and report.incomplete_reasons()
    assert report.exit_code() == 3 and report.exit_code(soft_fail=True) == 3
    for fmt in FORMATS:
        assert_format_says_incomplete(fmt, render(report, fmt))


def assert_format_says_incomplete(fmt: str, text: str) -> None:
    if fmt == "table":
        assert text.splitlines()[2].startswith("INCOMPLETE: "), text[:400]
        assert "Summary: INCOMPLETE" in text
    elif fmt == "markdown":
        assert "> **INCOMPLETE: " in text.split("| Registry |")[0]
    elif fmt == "json":
        doc = json.loads(text)
        assert doc["complete"] is False and doc["summary"]["complete"] is False and doc["incomplete"]
        assert (doc["errors"] and any(g["inScope"] for g in doc["gaps"])) or doc["summary"]["errors"]
    elif fmt == "sarif":
        doc = json.loads(text)
        jsonschema.Draft7Validator(SARIF_SCHEMA).validate(doc)
        inv = doc["runs"][0]["invocations"][0]
        assert inv["executionSuccessful"] is False
        assert any(n["level"] == "error" for n in inv["toolExecutionNotifications"])
    elif fmt == "junit":
        root = ET.fromstring(text)
        assert root.findall(".//error") and int(root.get("errors", "0")) == len(root.findall(".//error"))
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert any(r["status"] == "error" for r in rows)
    elif fmt == "html":
        head = text.split('<table id="matrix">')[0]
        assert '<div class="banner" id="incomplete"><b>INCOMPLETE</b>' in head and "INCOMPLETE (" in head
    else:
        raise AssertionError(f"no incomplete marker defined for {fmt}")


def assert_nothing_judged_on_unread_input(report: AuditReport, base: dict[tuple[str, str], tuple[Status, str]],
                                          must_error: set[tuple[str, str]]) -> None:
    got = {(f.registry.name, f.check.id): f for f in report.findings}
    for key, f in got.items():
        if f.status is not Status.ERROR:  # a verdict under faults must be the verdict without them
            assert (f.status, f.finding.message) == base[key], (key, f.status, f.finding.message)
        else:  # and an error says which inputs were not read, when a read gap is the cause
            assert f.finding.evidence.get("missingInputs"), (key, f.finding.message)
    for key in must_error:
        assert key in got, f"{key} missing from the report"
        assert got[key].status is Status.ERROR, (key, got[key].status, got[key].finding.message)
    for f in report.findings:  # and each error's inputs really are among what the check reads
        if f.status is Status.ERROR:
            assert set(f.finding.evidence["missingInputs"]) <= {i.value for i in f.check.needs(f.registry)}


@pytest.mark.parametrize("kind", ["403", "503"])
@pytest.mark.parametrize("case", list(CASES))
async def test_a_fault_on_each_provider_path_makes_the_audit_incomplete(demo_emu: Emulator, case: str,
                                                                        kind: str) -> None:
    path, must_error, registries_unseen = CASES[case]
    base = await baseline()
    demo_emu.faults.add(kind, path=path)
    estate = await load(demo_emu)
    report = run_audit(estate, CATALOGUE, settings())
    assert_says_incomplete(report)
    assert_nothing_judged_on_unread_input(report, base, must_error)
    if registries_unseen:
        assert estate.unattributed_gaps and report.summary()["registriesPassed"] <= len(report.registries)
    want = GapKind.PERMISSION if kind == "403" else GapKind.UNAVAILABLE
    assert {g.kind for g in estate.gaps} == {want}, [g.text for g in estate.gaps]
    if kind == "403":  # a permission gap names the action Azure said was missing
        assert all(g.action and g.action.startswith("Microsoft.") for g in estate.gaps)
    assert estate.errors == [g.text for g in estate.gaps]  # the string view other callers use stays in step


async def test_throttled_beyond_the_retries_is_a_throttled_gap(demo_emu: Emulator,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Throttled for longer than the session waits out (``MAX_THROTTLE_WAIT_S``, shortened here from 300 s)."""
    from acrtui.azure import pipeline

    monkeypatch.setattr(pipeline, "MAX_THROTTLE_WAIT_S", 2.0)
    path, must_error, _ = CASES["keyvault"]
    base = await baseline()
    demo_emu.faults.add("429", path=path)
    estate = await load(demo_emu)
    report = run_audit(estate, CATALOGUE, settings())
    assert_says_incomplete(report)
    assert_nothing_judged_on_unread_input(report, base, must_error)
    assert {g.kind for g in estate.gaps} == {GapKind.THROTTLED}


@pytest.mark.parametrize("case", ["keyvault", "diagnostic-settings", "private-dns", "resource-graph"])
async def test_the_resource_graph_path_records_gaps_too(demo_emu: Emulator, case: str) -> None:
    path, must_error, _ = CASES.get(case, ("/providers/Microsoft.ResourceGraph/", set(), True))
    if case == "keyvault":  # the vault's body is Graph's row: only its keys and diagnostic settings go through ARM
        must_error = _cmk("ACR-CMK-004", "ACR-CMK-006")
    base = await baseline(graph=True)
    demo_emu.faults.add("503", path=path)
    estate = await load(demo_emu, graph=True)
    report = run_audit(estate, CATALOGUE, settings())
    assert_says_incomplete(report)
    assert_nothing_judged_on_unread_input(report, base, must_error)
    if case == "resource-graph":
        assert report.registries == [] and estate.unattributed_gaps


async def test_a_gap_that_hides_nothing_selected_leaves_the_audit_complete(demo_emu: Emulator) -> None:
    """Scope: a diagnostic-settings gap hides vault logging only; an audit of the auth checks did not need it."""
    demo_emu.faults.add("503", path="/providers/Microsoft.Insights/diagnosticSettings")
    estate = await load(demo_emu)
    assert estate.gaps
    from acrtui.domain.checks import select_checks

    report = run_audit(estate, select_checks(["auth"]), settings())
    assert report.complete and report.exit_code(soft_fail=True) == 0
    assert not run_audit(estate, select_checks(["ACR-CMK-006"]), settings()).complete


async def test_emulator_killed_mid_audit() -> None:
    """Stopped right after the registries were listed: what came after is unknown, never absent."""
    base = await baseline()
    thread = EmulatorThread("demo")
    emu = thread.start()
    stopped = threading.Event()

    def kill(rec: Any) -> None:
        if "/replications" in rec.path and not stopped.is_set():
            stopped.set()
            thread.kill()

    emu.on_request = kill
    try:
        estate = await load(emu)
    finally:
        thread.stop()
    assert stopped.is_set()
    report = run_audit(estate, CATALOGUE, settings())
    assert_says_incomplete(report)
    assert {g.kind for g in estate.gaps} == {GapKind.UNAVAILABLE}
    assert_nothing_judged_on_unread_input(report, base, _cmk("ACR-CMK-003") | {(r, "ACR-POL-001") for r in ALL})


# ------------------------------------------------------------------------------------ the CLI, end to end


@pytest.fixture
def short_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI builds its session with ``RetrySettings()``; lower its defaults in this test process only (the
    product's defaults stay), so a faulted read fails in milliseconds instead of seconds."""
    monkeypatch.setattr(RetrySettings.__init__, "__defaults__", (FAST.total, FAST.backoff_factor, FAST.backoff_max))


@pytest.fixture(scope="module")
def demo() -> Iterator[Emulator]:
    with EmulatorThread("demo") as emu:
        yield emu


@pytest.fixture
def faulted(demo: Emulator) -> Iterator[Emulator]:
    yield demo
    demo.faults.clear()
    demo.on_request = None


def audit(emu: Emulator, *args: str) -> Result:
    env = emu.env()
    env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"] = env["ACRTUI_READER_CLIENT_ID"], env["ACRTUI_READER_CLIENT_SECRET"]
    return CliRunner().invoke(cli, ["audit", *args], env=env, catch_exceptions=False)


@pytest.mark.parametrize("soft_fail", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
def test_seen_every_provider_503_exits_3_in_every_format(short_retries: None, faulted: Emulator, fmt: str,
                                                         soft_fail: bool) -> None:
    """Seen: ``--fault "503:/providers/:1.0"`` exited 0 with "0 failed · 0 passed · 0 errors · registries passed 0/0"."""
    faulted.faults.add("503", path="/providers/", rate=1.0)
    r = audit(faulted, "--format", fmt, *(["--soft-fail"] if soft_fail else []))
    assert r.exit_code == 3, r.output
    assert_format_says_incomplete(fmt, r.stdout)
    assert "INCOMPLETE" in r.stderr  # the summary line reaches a person even when stdout is piped


def test_seen_vault_503_with_check_cmk_003_is_not_a_pass(short_retries: None, faulted: Emulator) -> None:
    """Seen: ``--fault "503:/providers/Microsoft.KeyVault/:1.0" audit --check ACR-CMK-003`` said nothing fails, exit 0."""
    faulted.faults.add("503", path="/providers/Microsoft.KeyVault/", rate=1.0)
    r = audit(faulted, "--check", "ACR-CMK-003", "--format", "json", "--soft-fail")
    assert r.exit_code == 3, r.output
    doc = json.loads(r.stdout)
    assert doc["complete"] is False
    by_reg = {f["registryName"]: f for f in doc["findings"]}
    assert all(by_reg[n]["status"] == "error" for n in CMK)
    assert all(by_reg[n]["status"] == "not_applicable" for n in ALL if n not in CMK)
    assert doc["summary"]["passed"] == 0 and doc["summary"]["registriesPassed"] == len(ALL) - len(CMK)
    for n in CMK:
        assert "vault" in by_reg[n]["evidence"]["missingInputs"]
        assert "Microsoft.KeyVault" in by_reg[n]["message"] or "key vaults in" in by_reg[n]["message"]


def test_token_endpoint_down_exits_3_with_an_incomplete_report(faulted: Emulator) -> None:
    faulted.faults.add("503", path="/oauth2/")
    r = audit(faulted, "--format", "sarif")
    assert r.exit_code == 3, r.output
    assert_format_says_incomplete("sarif", r.stdout)
    doc = json.loads(r.stdout)["runs"][0]
    assert doc["results"] == [] and faulted.writes() == []
    gaps = doc["properties"]["summary"]
    assert gaps["complete"] is False and gaps["registries"] == 0


def test_emulator_killed_mid_audit_exits_3(short_retries: None) -> None:
    thread = EmulatorThread("demo")
    emu = thread.start()
    try:
        def kill(rec: Any) -> None:
            if "/replications" in rec.path and emu.on_request is not None:
                emu.on_request = None
                thread.kill()

        emu.on_request = kill
        r = audit(emu, "--format", "json")
    finally:
        thread.stop()
    assert r.exit_code == 3, r.output
    doc = json.loads(r.stdout)
    assert doc["complete"] is False and {g["kind"] for g in doc["gaps"]} == {"unavailable"}
    assert not any(f["status"] == "pass" and f["checkId"] == "ACR-CMK-003" for f in doc["findings"])


def test_a_registry_named_in_an_unlisted_subscription_is_exit_3_not_a_usage_error(short_retries: None,
                                                                                  faulted: Emulator) -> None:
    faulted.faults.add("503", path="/providers/Microsoft.ContainerRegistry/registries$")
    r = audit(faulted, "--registry", "contosoprodacr")
    assert r.exit_code == 3 and "Registry not read" in r.stderr
