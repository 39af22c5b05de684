"""VaultWriter against the demo emulator: each setting lands and reads back; read-only sessions send nothing."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from acrtui.azure.vault_writes import VaultWriter
from acrtui.emulator import Emulator
from acrtui.errors import ReadOnlyViolation, UsageError


def vault_id(emu: Emulator, name: str) -> str:
    res = emu.state.find_name("Microsoft.KeyVault/vaults", name)
    assert res is not None, name
    return res.id


def workspace(emu: Emulator) -> str:
    res = emu.state.find_name("Microsoft.OperationalInsights/workspaces", "law-security-prod")
    assert res is not None
    return res.id


async def test_vault_settings_land_and_read_back(demo_emu: Emulator, session_factory: Any) -> None:
    w = VaultWriter(session_factory(demo_emu))
    vid = vault_id(demo_emu, "kv-contoso-ledger")
    assert (await w.enable_purge_protection(vid)).purge_protection
    res = demo_emu.state.get(vid)
    assert res is not None and res.props["enablePurgeProtection"] is True
    await w.s.client("keyvault", vid.split("/")[2]).vaults.update(
        "rg-security-prod", "kv-contoso-ledger",
        {"properties": {"networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [{"value": "198.51.100.9"}]}}})
    after = await w.set_network_bypass(vid, "None")
    assert (after.network_bypass, after.network_default_action) == ("None", "Deny")
    res = demo_emu.state.get(vid)
    assert res is not None and [r["value"] for r in res.props["networkAcls"]["ipRules"]] == ["198.51.100.9/32"]  # kept (Azure writes a single address as /32)
    logged = await w.set_audit_logging(vid, workspace_id=workspace(demo_emu), categories=["AuditEvent", "allLogs"])
    setting = next(d for d in logged.diagnostic_settings if d.name == "acrtui-audit")
    assert setting.categories == ["AuditEvent", "allLogs"] and logged.audit_logging
    with pytest.raises(UsageError):
        await w.set_network_bypass(vid, "Everything")


async def test_vault_writes_on_a_read_only_session_send_nothing(demo_emu: Emulator, session_factory: Any) -> None:
    w = VaultWriter(session_factory(demo_emu, "owner", read_only=True))
    vid = vault_id(demo_emu, "kv-contoso-ledger")
    calls = {
        "enable_purge_protection": ((vid,), {}),
        "set_network_bypass": ((vid, "AzureServices"), {}),
        "set_audit_logging": ((vid,), {"workspace_id": "/w", "categories": ["AuditEvent"]}),
    }
    public = {n for n, f in inspect.getmembers(VaultWriter, inspect.iscoroutinefunction) if not n.startswith("_")}
    assert public == set(calls)
    before = demo_emu.last_seq
    for name, (args, kwargs) in calls.items():
        with pytest.raises(ReadOnlyViolation):
            await getattr(w, name)(*args, **kwargs)
    assert demo_emu.last_seq == before
