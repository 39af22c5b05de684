"""Pure console helpers (no app, no emulator): key bar flow, production badge, wizard gates, CMK fixes."""

from __future__ import annotations

from rich.text import Text

from acrtui.domain.models import (
    Encryption,
    Estate,
    ManagedIdentity,
    RegistryPosture,
    UserIdentity,
    VaultPosture,
)
from acrtui.tui import planning
from acrtui.tui.gates import gate
from acrtui.tui.widgets.context import production_badge
from acrtui.tui.widgets.keybar import flow

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
VAULT = f"{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1"
IDENT = f"{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"


def reg(sku: str = "Premium", cmk: bool = True) -> RegistryPosture:
    enc = Encryption(enabled=True, key_identifier="https://kv1.vault.azure.net/keys/k1", identity_client_id="c1") \
        if cmk else Encryption()
    return RegistryPosture(id=f"{SUB}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acrone",
                           name="acrone", subscription_id=SUB.split("/")[2], resource_group="rg", location="eastus",
                           sku=sku, login_server="acrone.azurecr.io", encryption=enc,
                           identity=ManagedIdentity(user_assigned=[UserIdentity(resource_id=IDENT, principal_id="p1",
                                                                                client_id="c1")]))


def vault(**kw: object) -> VaultPosture:
    base: dict[str, object] = {"id": VAULT, "name": "kv1", "subscription_id": SUB.split("/")[2],
                               "resource_group": "rg", "location": "eastus", "vault_uri": "https://kv1.vault.azure.net/",
                               "purge_protection": True, "key_users": ["p1"]}
    base.update(kw)
    return VaultPosture.model_validate(base)


def test_key_bar_wraps_between_entries_never_inside_one() -> None:
    entries = [Text(f"k{i} Action{i}  ") for i in range(8)]
    lines = flow(entries, 40, Text("changes ▸ "))
    assert all(line.cell_len <= 40 for line in lines)
    assert len(lines) > 1
    for e in entries:
        assert sum(e.plain.strip() in line.plain for line in lines) == 1, e.plain
    assert lines[1].plain.startswith(" " * len("changes ▸ "))  # continuation lines align under the first entry


def test_production_badge_counts_what_the_view_is_about() -> None:
    assert production_badge(["contoso-production"]) == (" PRODUCTION ", True)
    assert production_badge(["contoso-production", "contoso-sandbox", "dev"]) == (" PRODUCTION (1 of 3) ", False)
    assert production_badge(["contoso-sandbox"]) == ("", False)
    assert production_badge([]) == ("", False)


def test_gates_follow_sku_cmk_and_what_is_left_to_fix() -> None:
    std = reg("Standard", cmk=False)
    for wizard in ("endpoint", "data", "firewall", "connections"):
        g = gate(wizard, std)
        assert g is not None and "Premium" in g.title and g.command and "--sku Premium" in g.command, wizard
    rotate = gate("rotate", std)
    assert rotate is not None and rotate.alternative == "migrate" and rotate.command is None
    assert gate("auth", std) is None and gate("policy", std) is None and gate("migrate", std) is None
    healthy = reg()
    assert gate("rotate", healthy) is None and gate("endpoint", healthy) is None
    assert gate("connections", healthy) is not None  # Premium, but no connection to decide on
    ok = Estate(registries=[healthy], vaults=[vault(diagnostic_settings=[{"name": "law", "categories": ["AuditEvent"]}])])
    nothing = gate("cmkfix", healthy, ok)
    assert nothing is not None and nothing.title == "Nothing to fix"
    lost = Estate(registries=[healthy], vaults=[vault(key_users=[], purge_protection=False)])
    assert gate("cmkfix", healthy, lost) is None
    assert planning.cmk_fixes(lost, healthy).labels() == ["key access", "purge protection", "audit logging"]
    walled = Estate(registries=[healthy], vaults=[vault(network_default_action="Deny", network_bypass="None")])
    assert planning.cmk_fixes(walled, healthy).labels() == ["audit logging", "firewall bypass"]
    unreadable = Estate(registries=[healthy], vaults=[vault(readable=False)])
    assert gate("cmkfix", healthy, unreadable).title == "Key vault not readable"  # type: ignore[union-attr]


def test_cmk_fix_builds_the_plan_file_blocks() -> None:
    healthy = reg()
    estate = Estate(registries=[healthy], vaults=[vault(key_users=[], purge_protection=False)])
    ws = f"{SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law"
    plan = planning.build_cmk_fix(estate, healthy, key_access=True, purge_protection=True, audit_workspace=ws,
                                  network_bypass=True)
    doc = plan.desired.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    assert doc["registries"][0]["cmk"] == {"keyAccess": "granted"}
    assert doc["keyVaults"] == [{"id": VAULT, "purgeProtection": True, "networkBypass": "AzureServices",
                                 "auditLogging": {"workspace": ws}}]
    assert plan.confirm_name == "kv1"  # irreversible: type the vault's name
    only_audit = planning.build_cmk_fix(estate, healthy, key_access=False, purge_protection=False,
                                        audit_workspace=ws, network_bypass=False)
    assert only_audit.confirm_name is None and not only_audit.desired.registries
    assert planning.UiPlan.subscriptions(only_audit) == [SUB.split("/")[2]]


def test_firewall_lockout_counts_vnet_rules() -> None:
    """Deny with no IP rule and no private endpoint admits nobody — unless service-endpoint VNet rules admit subnets."""
    r = reg(cmk=False)
    e = Estate(registries=[r])
    bare = planning.lockout_warnings(e, r, public_access=True, default_action="Deny", ip_rules=[])
    assert any("admits no client" in w for w in bare)
    subnet = f"{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    with_vnet = r.model_copy(update={"virtual_network_rules": [subnet]})
    assert not planning.lockout_warnings(Estate(registries=[with_vnet]), with_vnet, public_access=True,
                                         default_action="Deny", ip_rules=[])


def test_cmk_fix_treats_unreported_soft_delete_as_unknown_not_off() -> None:
    healthy = reg()
    old = Estate(registries=[healthy], vaults=[vault(soft_delete=None, purge_protection=False)])
    fixes = planning.cmk_fixes(old, healthy)
    assert not fixes.soft_delete_off and "purge protection" in fixes.labels()
    off = Estate(registries=[healthy], vaults=[vault(soft_delete=False, purge_protection=False)])
    fixes = planning.cmk_fixes(off, healthy)
    assert fixes.soft_delete_off and "purge protection" not in fixes.labels()
