"""Actions are small, typed and serialisable: every kind round-trips through JSON and explains itself."""

from __future__ import annotations

import json
import re
import shlex
import typing

import pytest

from acrtui.domain import actions as A
from acrtui.domain.models import IpRule

from . import plan_fixture as fx

REG = fx.rid("openpremium")
PE = f"{fx.NET}/privateEndpoints/pe-x"
SAMPLES: list[A.Action] = [
    A.SetPublicNetworkAccess(resource_id=REG, old="Enabled", new="Disabled"),
    A.SetNetworkRules(resource_id=REG, old_default_action="Allow", new_default_action="Deny", old_ip_rules=["1.2.3.4"],
                      new_ip_rules=["10.0.0.0/8"], old_bypass="AzureServices", new_bypass="None"),
    A.EnableDataEndpoint(resource_id=REG, old=False, new=True),
    A.SetAdminUser(resource_id=REG, old=True, new=False),
    A.SetAnonymousPull(resource_id=REG, old=True, new=False),
    A.SetExportPolicy(resource_id=REG, old=True, new=False),
    A.SetArmAudienceTokens(resource_id=REG, old=None, new=False),
    A.CreatePrivateEndpoint(resource_id=PE, registry_id=REG, subnet_id=fx.SUBNET, location="eastus", manual=True),
    A.CreatePrivateDnsZone(resource_id=fx.ZONE),
    A.LinkPrivateDnsZone(resource_id=fx.ZONE + "/virtualNetworkLinks/link-vnet-hub", zone_id=fx.ZONE, vnet_id=fx.VNET),
    A.CreateDnsZoneGroup(resource_id=PE + "/privateDnsZoneGroups/default", endpoint_id=PE, zone_id=fx.ZONE),
    A.ApprovePrivateEndpointConnection(resource_id=REG + "/privateEndpointConnections/c1", registry_id=REG, endpoint_id=PE),
    A.RejectPrivateEndpointConnection(resource_id=REG + "/privateEndpointConnections/c1", registry_id=REG, old="Approved"),
    A.CreateUserAssignedIdentity(resource_id=fx.NEW_IDENT, location="eastus"),
    A.GrantKeyAccess(resource_id=fx.VAULT, identity_id=fx.NEW_IDENT, rbac=True),
    A.RotateKey(resource_id=REG, old_key_identifier=fx.KEY, new_key_identifier=fx.KEY + "/v2", old_identity="c-acr",
                new_identity="system"),
    A.CreateCmkRegistry(resource_id=fx.rid("newcmk"), location="eastus", vault_id=fx.VAULT, key_name="acr-cmk",
                        identity_id=fx.NEW_IDENT, key_uri=fx.KEY),
    A.ImportImages(resource_id=fx.rid("newcmk"), source_registry_id=REG, images=["a/b:1", "c:latest"]),
    A.CreateReplication(resource_id=fx.rid("newcmk") + "/replications/westeurope", registry_id=fx.rid("newcmk"),
                        location="westeurope"),
    A.StartRemediation(resource_id=fx.RG + "/providers/Microsoft.PolicyInsights/remediations/remediate-p1",
                       assignment_id=fx.RG + "/providers/Microsoft.Authorization/policyAssignments/p1", scope=fx.RG),
    A.AssignPolicy(resource_id=fx.RG + "/providers/Microsoft.Authorization/policyAssignments/p1", scope=fx.RG,
                   definition_id=fx.ADMIN_DENY, effect="Deny", op="create", location="eastus"),
    A.UnassignPolicy(resource_id=fx.RG + "/providers/Microsoft.Authorization/policyAssignments/p1", definition_id=fx.ADMIN_DENY),
    A.EnableVaultAuditLogging(resource_id=fx.VAULT, workspace_id=f"{fx.SUB}/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/law"),
    A.EnableVaultPurgeProtection(resource_id=fx.VAULT),
    A.SetVaultNetworkBypass(resource_id=fx.VAULT, old="None", new="AzureServices"),
]


def test_every_action_kind_has_a_sample() -> None:
    union = typing.get_args(typing.get_args(A.AnyAction)[0])
    assert {c.__name__ for c in union} == {type(s).__name__ for s in SAMPLES}


@pytest.mark.parametrize("action", SAMPLES, ids=lambda a: a.kind)
def test_round_trips_and_explains_itself(action: A.Action) -> None:
    data = json.loads(json.dumps(A.actions_to_json([action])))
    [back] = A.actions_from_json(data)
    assert back == action and type(back) is type(action)
    assert action.describe() and action.changes() and action.az()
    # each line runs az: a command, a comment, a variable read from az, or a loop over what az read
    assert all(re.match(r"(az |# |[a-z_]+=\$\(az |for \w+ in \$\w+; do az )", line) for line in action.az())
    assert action.key.startswith(action.kind + ":")


def test_registry_patches_send_what_they_simulate() -> None:
    reg = fx.registry("openpremium", ip_rules=[IpRule(value="1.2.3.4")])
    rules = SAMPLES[1]
    assert isinstance(rules, A.SetNetworkRules)
    assert rules.patch() == {"networkRuleSet": {"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "10.0.0.0/8"}]},
                             "networkRuleBypassOptions": "None"}
    after = rules.simulate(reg)
    assert after.default_action == "Deny" and [r.value for r in after.ip_rules] == ["10.0.0.0/8"]
    assert A.SetExportPolicy(resource_id=REG, old=True, new=False).patch() == {"policies": {"exportPolicy": {"status": "disabled"}}}
    # bypass alone does not resend (and so does not replace) the rule set
    assert A.SetNetworkRules(resource_id=REG, old_default_action="Deny", new_default_action="Deny", old_ip_rules=["1.2.3.4"],
                             new_ip_rules=["1.2.3.4"], old_bypass="AzureServices", new_bypass="None").patch() == \
        {"networkRuleBypassOptions": "None"}


def test_plan_counts_like_terraform() -> None:
    plan = A.Plan(actions=SAMPLES)  # type: ignore[arg-type]
    add, change, destroy = plan.counts()
    assert (add, change, destroy) == (sum(a.op == "create" for a in SAMPLES), sum(a.op == "update" for a in SAMPLES), 1)
    assert A.Plan().empty


def test_az_commands_name_the_subscription_for_bare_names() -> None:
    [cmd] = A.SetAdminUser(resource_id=REG, old=True, new=False).az()
    assert "--resource-group rg-reg --subscription 11111111-1111-1111-1111-111111111111" in cmd


def test_az_values_are_shell_quoted() -> None:
    """A group name may hold parentheses (Azure allows them); a shell must see each value as one word."""
    rid = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-(prod)/providers/" \
          "Microsoft.ContainerRegistry/registries/reg1"
    rules = A.SetNetworkRules(resource_id=rid, old_default_action="Allow", new_default_action="Deny",
                              old_ip_rules=[], new_ip_rules=["203.0.113.0/24"], old_bypass="AzureServices",
                              new_bypass="AzureServices")
    for line in rules.az():
        words = shlex.split(line)
        assert words[words.index("--resource-group") + 1] == "rg-(prod)"
    assert [shlex.split(line)[:3] for line in rules.az()] == [["az", "acr", "update"], ["az", "acr", "network-rule"]]
    policy = A.AssignPolicy(resource_id=f"{rid}/providers/Microsoft.Authorization/policyAssignments/p", scope=rid,
                            definition_id="/providers/Microsoft.Authorization/policyDefinitions/abc",
                            display_name="It's mine", parameters={"x": "a b"})
    words = shlex.split(policy.az()[0])
    assert words[words.index("--display-name") + 1] == "It's mine"
    assert words[words.index("--policy") + 1] == "abc"  # a built-in goes by name (the CLI misreads /providers/…)
    assert json.loads(words[words.index("--params") + 1]) == {"x": {"value": "a b"}}


def test_vault_actions_say_what_they_send() -> None:
    purge = A.EnableVaultPurgeProtection(resource_id=fx.VAULT)
    assert "IRREVERSIBLE" in purge.describe() and purge.op == "update"
    assert purge.az() == ["az keyvault update --name kv-main --resource-group rg-sec --subscription "
                          "11111111-1111-1111-1111-111111111111 --enable-purge-protection true"]
    logs = A.EnableVaultAuditLogging(resource_id=fx.VAULT, workspace_id="/w", categories=["AuditEvent", "allLogs"])
    assert logs.logs() == [{"category": "AuditEvent", "enabled": True}, {"categoryGroup": "allLogs", "enabled": True}]
    assert "categoryGroup" in logs.az()[0]
