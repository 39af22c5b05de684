"""Impossible plans are refused before the first write (issue 8 §5), through ``acrtui plan`` / ``acrtui apply`` and
click's CliRunner against the demo emulator: exit 1, the reason and the way forward, zero writes in the request log.
Each of these wrote before failing (orphans or a partial apply) until preflight read what the plan depends on.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from acrtui.cli import cli
from acrtui.emulator import Emulator, EmulatorThread
from acrtui.emulator.seeds import grant
from acrtui.emulator.state import Principal, stable_uuid

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plans"
PROD = "741cfbc3-d07e-5815-a58f-cae9bd4c2ecf"
STG = "a2128325-8095-58b1-87b1-cff9e5e9f20a"
SBX = "eb6a6f1e-d6af-5096-8df3-4e3c8b7b0c17"
NOWHERE = "0b5e7c1a-9d3f-4e2a-8c6b-000000000000"  # a subscription that does not exist
VAULT = f"/subscriptions/{PROD}/resourceGroups/rg-security-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-prod-cmk"
IDENT = f"/subscriptions/{STG}/resourceGroups/rg-registry-stg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-new"
SUBNET = (f"/subscriptions/{PROD}/resourceGroups/rg-network-prod/providers/Microsoft.Network/virtualNetworks/vnet-hub-prod"
          "/subnets/snet-pe")


@pytest.fixture
def emu(thread: EmulatorThread) -> Emulator:
    thread.call(thread.emulator.reset)
    return thread.emulator


def invoke(emu: Emulator, tmp_path: Path, *args: str, login: str = "owner") -> Result:
    env = {**emu.env(), "ACRTUI_JOURNAL": str(tmp_path / "journal.jsonl")}
    lg = emu.login(login)
    env.update({"AZURE_CLIENT_ID": lg.client_id, "AZURE_CLIENT_SECRET": lg.client_secret})
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def plan_file(tmp_path: Path, text: str) -> str:
    p = tmp_path / "plan.yaml"
    p.write_text("apiVersion: acrtui/v1\n" + text)
    return str(p)


def refused(emu: Emulator, tmp_path: Path, path: str, *expected: str, login: str = "owner") -> str:
    """plan and apply both exit 1 naming the reason; apply writes nothing."""
    for args in (("plan", path), ("apply", path, "--yes")):
        r = invoke(emu, tmp_path, *args, login=login)
        text = r.stdout + r.stderr
        assert r.exit_code == 1, text
        for e in expected:
            assert e in text, text
    assert emu.writes() == [], [f"{w.method} {w.path}" for w in emu.writes()]
    return text


def migration(name: str, source: str = "contosostgacr", key: str = "stg-acr-cmk") -> str:
    return (f"  - name: {name}\n    source: {source}\n    resourceGroup: rg-registry-stg\n    keyVault: {VAULT}\n"
            f"    key: {key}\n    identity: {IDENT}\n    import: {{images: [platform/nginx:1.27]}}\n")


def test_a_policy_definition_that_does_not_exist(emu: Emulator, tmp_path: Path) -> None:
    path = plan_file(tmp_path, "registries:\n  - name: sandboxstd\n    anonymousPull: false\npolicyAssignments:\n"
                     f"  - name: deny-nothing\n    scope: /subscriptions/{SBX}/resourceGroups/rg-sandbox\n"
                     "    definition: 00000000-1111-2222-3333-444444444444\n    effect: Deny\n")
    text = refused(emu, tmp_path, path, "Policy definition /providers/Microsoft.Authorization/policyDefinitions/"
                   "00000000-1111-2222-3333-444444444444 does not exist", "az policy definition show")
    assert "Plan refused" in text


def test_a_policy_in_a_subscription_that_does_not_exist(emu: Emulator, tmp_path: Path) -> None:
    path = plan_file(tmp_path, "registries:\n  - name: sandboxstd\n    anonymousPull: false\npolicyAssignments:\n"
                     f"  - name: audit-cmk\n    scope: /subscriptions/{NOWHERE}\n"
                     "    definition: 5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580\n    effect: Audit\n")
    refused(emu, tmp_path, path, f"Subscription {NOWHERE} does not exist", "az account list")


def test_a_dns_zone_in_a_subscription_that_does_not_exist(emu: Emulator, tmp_path: Path) -> None:
    zone = f"/subscriptions/{NOWHERE}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"
    path = plan_file(tmp_path, "registries:\n  - name: sandboxpremium\n    privateLink:\n      endpoints:\n"
                     f"        - name: pe-sbx\n          subnet: {SUBNET}\n          resourceGroup: rg-network-prod\n"
                     f"          dnsZone: {zone}\n    dataEndpoint: {{enabled: true, clientAllowlistAcknowledged: true}}\n")
    refused(emu, tmp_path, path, f"Subscription {NOWHERE} does not exist")


def test_a_migration_whose_new_name_is_taken_in_another_tenant(emu: Emulator, tmp_path: Path) -> None:
    # "acrprod" is one of the names the demo seeds as owned by other tenants (State.globally_taken)
    path = plan_file(tmp_path, "createCmkRegistry:\n" + migration("acrprod"))
    refused(emu, tmp_path, path, "The registry name acrprod is already taken", "another tenant",
            "Choose another name")


def test_two_migrations_with_the_same_name_and_different_keys(emu: Emulator, tmp_path: Path) -> None:
    path = plan_file(tmp_path, "createCmkRegistry:\n" + migration("contosostgcmk") + migration("contosostgcmk", key="other"))
    refused(emu, tmp_path, path, f"{path}:10: createCmkRegistry[1].name: registry contosostgcmk is already created by "
            "createCmkRegistry[0]; this entry names it with a different key", "Nothing was changed")


def test_a_migration_onto_an_existing_registry_without_cmk_in_the_same_group(emu: Emulator, tmp_path: Path) -> None:
    path = plan_file(tmp_path, "createCmkRegistry:\n" + migration("contosostgstd"))
    refused(emu, tmp_path, path, "a registry named contosostgstd already exists in rg-registry-stg and is not "
            "encrypted with a customer-managed key", "a name that is not in use")


def test_a_migration_whose_target_is_its_own_source(emu: Emulator, tmp_path: Path) -> None:
    path = plan_file(tmp_path, "createCmkRegistry:\n" + migration("contosostgacr"))
    refused(emu, tmp_path, path, f"{path}:4: createCmkRegistry[0].source: the new registry contosostgacr is its own "
            "source")


def add_login(emu: Emulator, thread: EmulatorThread, role: str, grants: list[tuple[str, str]]) -> None:
    def add() -> None:
        p = emu.state.add_principal(Principal(stable_uuid("sp", role), stable_uuid("app", role), f"acrtui-{role}",
                                              secrets.token_urlsafe(24)))
        emu.state.logins[role] = p.object_id
        for scope, name in grants:
            grant(emu.state, scope, name, p.object_id)

    thread.call(add)


def test_a_missing_permission_is_named_before_the_first_write(emu: Emulator, thread: EmulatorThread,
                                                              tmp_path: Path) -> None:
    """A Contributor may change sandboxstd but not assign policy (Contributor's notActions hold
    Microsoft.Authorization/*/Write): before, the registry PATCH landed and the assignment failed with 403."""
    add_login(emu, thread, "contributor", [(f"/subscriptions/{s}", "Contributor") for s in (PROD, STG, SBX)])
    plan = str(EXAMPLES / "assign-policies.yaml")
    text = refused(emu, tmp_path, plan, "missing Microsoft.Authorization/policyAssignments/write at "
                   f"/subscriptions/{SBX}/resourceGroups/rg-sandbox", "Ask for a role that grants it",
                   login="contributor")
    assert "registries/write" not in text  # what it may do is not refused
    # the subscription-scope assignment is refused from below: missing at a group means missing above it
    assert f"at /subscriptions/{STG}" in text or "could not be checked in advance" in text
    # the owner may: the same plan applies
    assert invoke(emu, tmp_path, "apply", plan, "--yes").exit_code == 0


def test_a_reader_is_refused_with_every_missing_action_and_sends_no_write(emu: Emulator, tmp_path: Path) -> None:
    text = refused(emu, tmp_path, str(EXAMPLES / "harden-contosoprodlost-network.yaml"),
                   "missing Microsoft.Network/privateEndpoints/write", "missing Microsoft.ContainerRegistry/registries/write",
                   login="reader")
    assert "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write" in text


def test_auto_approval_without_the_approval_right_is_refused_and_no_private_path(
        emu: Emulator, thread: EmulatorThread, tmp_path: Path) -> None:
    """Network Contributor on the hub and nothing near the registry's approval right: Azure would answer the
    auto-approved endpoint with 403 LinkedAuthorizationFailed, so it is refused and is no private path for the
    lock-out analysis either (the manual form: tests/plan/test_manual_approval.py)."""
    net = f"/subscriptions/{PROD}/resourceGroups/rg-network-prod"
    add_login(emu, thread, "netops", [(f"/subscriptions/{s}", "Reader") for s in (PROD, STG, SBX)]
              + [(net, "Network Contributor")])
    r = invoke(emu, tmp_path, "plan", str(EXAMPLES / "sandboxpremium-private-endpoint.yaml"), login="netops")
    text = r.stdout + r.stderr
    assert r.exit_code == 1, text
    assert "privateEndpointConnectionsApproval/action" in text and "approval: manual" in text
    assert "LinkedAuthorizationFailed" in text
    assert "lock you out" in text  # the pending endpoint is no private path
    assert "missing Microsoft.ContainerRegistry/registries/write" in text
    assert "missing Microsoft.Network/privateEndpoints/write" not in text  # Network Contributor may
    assert emu.writes() == []


def test_firewall_rules_admitting_the_internet_are_a_plan_warning(emu: Emulator, tmp_path: Path) -> None:
    for rules in ("[0.0.0.0/0]", "[0.0.0.0/1, 128.0.0.0/1]"):
        path = plan_file(tmp_path, f"registries:\n  - name: sandboxpremium\n    networkRules: {{defaultAction: Deny, "
                         f"ipRules: {rules}}}\n")
        r = invoke(emu, tmp_path, "plan", path)
        assert r.exit_code == 0 and "admit the whole public IPv4 internet" in r.stdout + r.stderr, r.output
    path = plan_file(tmp_path, "registries:\n  - name: sandboxpremium\n    networkRules: {defaultAction: Deny, "
                     "ipRules: [10.0.0.0/8, 20.1.2.3]}\n")
    r = invoke(emu, tmp_path, "plan", path)
    assert r.exit_code == 0 and "10.0.0.0/8 (private (RFC 1918)) can never match" in r.stdout + r.stderr
    assert emu.writes() == []


def test_the_open_share_setting_reaches_plan_and_audit(emu: Emulator, thread: EmulatorThread, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten public /8s (about 4.5% of the internet): open at the default 1%, restricted at 50%; and a registry
    whose firewall admits 0.0.0.0/1 + 128.0.0.0/1 fails ACR-NET-001 as open, not restricted."""
    eight = ", ".join(f"{i}.0.0.0/8" for i in range(20, 30))
    path = plan_file(tmp_path, f"registries:\n  - name: sandboxpremium\n    networkRules: {{defaultAction: Deny, "
                     f"ipRules: [{eight}]}}\n")
    r = invoke(emu, tmp_path, "plan", path)
    assert r.exit_code == 0 and "registry is still open to the internet" in r.stdout + r.stderr
    config = tmp_path / "config.yaml"
    config.write_text("audit: {firewall_open_share: 0.5}\n")
    monkeypatch.setenv("ACRTUI_CONFIG", str(config))
    r = invoke(emu, tmp_path, "plan", path)
    assert r.exit_code == 0 and "still open" not in r.stdout + r.stderr

    reg = emu.state.find_name("Microsoft.ContainerRegistry/registries", "sandboxpremium")
    assert reg is not None
    thread.call(lambda: reg.props.__setitem__("networkRuleSet", {
        "defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "0.0.0.0/1"},
                                             {"action": "Allow", "value": "128.0.0.0/1"}]}))
    monkeypatch.delenv("ACRTUI_CONFIG")
    r = invoke(emu, tmp_path, "audit", "--check", "ACR-NET-001", "--registry", "sandboxpremium", "--format", "json")
    finding = next(f for f in json.loads(r.stdout)["findings"] if f["checkId"] == "ACR-NET-001")
    assert finding["status"] == "fail" and "the whole public IPv4 internet" in finding["message"], finding
    assert r.exit_code == 1
