"""The product names the principals it shows through Microsoft Graph (acrtui/azure/graph.py), and a directory it
cannot read leaves ids as ids without failing the load or the audit."""

from __future__ import annotations

from typing import Any

from acrtui.audit.runner import run_audit
from acrtui.azure.graph import GraphNames, label
from acrtui.azure.inventory import load_estate
from acrtui.domain.checks import CATALOGUE, CheckSettings
from acrtui.emulator import Emulator


def _cmk003(estate: Any, registry: str) -> Any:
    report = run_audit(estate, [c for c in CATALOGUE if c.id == "ACR-CMK-003"], CheckSettings(), registries=None)
    return next(f for f in report.findings if f.registry.name == registry)


async def test_access_findings_name_the_identity(demo_emu: Emulator, session_factory: Any) -> None:
    session = session_factory(demo_emu, read_only=True)  # getByIds is a read: the read-only guard lets it pass
    estate = await load_estate(session)
    lost = estate.registry("contosoprodlost")
    assert lost is not None
    pid = lost.identity.user_assigned[0].principal_id
    assert pid is not None and estate.principal_names[pid.lower()] == "id-acr-legacy (user-assigned identity)"
    f = _cmk003(estate, "contosoprodlost")
    assert f.finding.message.startswith("id-acr-legacy (user-assigned identity) cannot use the key")
    assert f.finding.evidence["principal"] == "id-acr-legacy (user-assigned identity)"
    report = run_audit(estate, [c for c in CATALOGUE if c.id == "ACR-CMK-003"], CheckSettings())
    passing = [r.finding for r in report.findings if r.status.value == "pass"]
    assert passing and all(p.evidence["principal"] in p.evidence["keyUsers"] for p in passing)
    assert all(u.endswith(")") for p in passing for u in p.evidence["keyUsers"])  # named, not bare GUIDs
    graph = [e for e in session.journal if "/directoryObjects/getByIds" in e.url]
    assert [(e.method, e.status) for e in graph] == [("POST", 200)]  # one batch for the whole estate


async def test_unreadable_directory_leaves_ids(demo_emu: Emulator, session_factory: Any) -> None:
    demo_emu.graph.denied.add(demo_emu.login("reader").object_id)
    session = session_factory(demo_emu, "reader", read_only=True)
    estate = await load_estate(session)
    assert estate.principal_names == {} and estate.errors == []  # not an error of the load
    f = _cmk003(estate, "contosoprodlost")
    assert f.finding.message.startswith("the user-assigned identity id-acr-legacy cannot use the key")
    assert "principal" not in f.finding.evidence and f.finding.evidence["principalId"]
    assert [e.status for e in session.journal if "getByIds" in e.url] == [403]


async def test_graph_outage_and_batches(emu: Emulator, session_factory: Any) -> None:
    """A Graph that keeps failing (503 after retries) gives no names; more than 1000 ids go in batches of 1000."""
    session = session_factory(emu)
    emu.faults.add("503", "getByIds", "POST", 1.0)
    client = GraphNames(session)
    try:
        assert await client.names([emu.login("owner").object_id]) == {}
        emu.faults.clear()
        ids = [f"00000000-0000-0000-0000-{n:012d}" for n in range(1500)] + [emu.login("owner").object_id]
        assert await client.names(ids) == {emu.login("owner").object_id.lower(): "acrtui-owner (service principal)"}
    finally:
        await client.close()
    sent = [r for r in emu.request_log if r.kind == "graph"]
    assert [r.status for r in sent][-2:] == [200, 200] and 503 in [r.status for r in sent]


def test_labels() -> None:
    sp = {"@odata.type": "#microsoft.graph.servicePrincipal", "displayName": "kv-app", "servicePrincipalType": "Application"}
    mi = {**sp, "displayName": "reg", "servicePrincipalType": "ManagedIdentity", "alternativeNames": ["isExplicit=False", "/x"]}
    assert [label(sp), label(mi)] == ["kv-app (service principal)", "reg (system-assigned identity)"]
    assert label({"@odata.type": "#microsoft.graph.user", "displayName": "Ana"}) == "Ana (user)"
    assert label({"@odata.type": "#microsoft.graph.group"}) is None
