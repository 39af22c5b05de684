"""Permission matching (ARM's wildcards and notActions), what each action needs, and preflight's use of ARM's
answers (issue 8 §5): missing actions refused, subscription scopes judged from below, auto-approval a warning."""

from __future__ import annotations

from typing import Any

import pytest

from acrtui.domain.actions import CreatePrivateEndpoint, GrantKeyAccess, SetAdminUser
from acrtui.domain.desired import DesiredState
from acrtui.domain.diff import NameCheck, diff
from acrtui.domain.permissions import (
    APPROVE_ACTION,
    Permission,
    allows,
    ask_at,
    created_by,
    matches,
    needs,
    top_resource,
)
from acrtui.domain.preflight import Finding, errors, preflight

from . import plan_fixture as fx

OWNER = Permission(actions=("*",))
READER = Permission(actions=("*/read",))
CONTRIBUTOR = Permission(actions=("*",), not_actions=("Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                                                       "Microsoft.Authorization/elevateAccess/Action"))
NETWORK = Permission(actions=("Microsoft.Authorization/*/read", "Microsoft.Network/*"))
UAA = Permission(actions=("*/read", "Microsoft.Authorization/*"))


@pytest.mark.parametrize(("pattern", "action", "hit"), [
    ("*", "Microsoft.Network/privateEndpoints/write", True),
    ("*/read", "Microsoft.Network/privateEndpoints/read", True),
    ("*/read", "Microsoft.Network/privateEndpoints/write", False),
    ("Microsoft.Network/*", "Microsoft.Network/virtualNetworks/subnets/join/action", True),
    ("Microsoft.Network/*", "Microsoft.NetworkFunction/things/write", False),  # '/' is part of the prefix
    ("microsoft.network/*", "Microsoft.Network/privateEndpoints/write", True),  # case-insensitive
    ("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write", True),
    ("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/delete", False),
    ("Microsoft.KeyVault/vaults/keys/*", "Microsoft.KeyVault/vaults/keys/wrap/action", True),
    ("Microsoft.ContainerRegistry/registries/write", "Microsoft.ContainerRegistry/registries/write", True),
    ("Microsoft.ContainerRegistry/registries/write", "Microsoft.ContainerRegistry/registries/writeX", False),
    ("Microsoft.Container?egistry/*", "Microsoft.ContainerRegistry/registries/write", False),  # only * is special
    ("Microsoft.*/registries/*/action", "Microsoft.ContainerRegistry/registries/importImage/action", True),
])
def test_wildcard_matching(pattern: str, action: str, hit: bool) -> None:
    assert matches(pattern, action) is hit


def test_not_actions_subtract_from_their_own_role_only() -> None:
    ra = "Microsoft.Authorization/roleAssignments/write"
    assert not allows([CONTRIBUTOR], ra)
    assert allows([CONTRIBUTOR], "Microsoft.ContainerRegistry/registries/write")
    assert allows([CONTRIBUTOR, UAA], ra)  # another role's grant is not taken away
    assert not allows([READER], "Microsoft.ContainerRegistry/registries/write") and allows([READER], "x/y/read")
    assert not allows([], "Microsoft.ContainerRegistry/registries/read")


def test_data_actions_are_matched_apart() -> None:
    crypto = Permission(data_actions=("Microsoft.KeyVault/vaults/keys/*",),
                        not_data_actions=("Microsoft.KeyVault/vaults/keys/delete",))
    assert allows([crypto], "Microsoft.KeyVault/vaults/keys/wrap/action", data=True)
    assert not allows([crypto], "Microsoft.KeyVault/vaults/keys/delete", data=True)
    assert not allows([crypto], "Microsoft.KeyVault/vaults/keys/wrap/action")  # not a control-plane grant
    assert not allows([OWNER], "Microsoft.KeyVault/vaults/keys/wrap/action", data=True)  # '*' is not data


def test_needs_name_the_linked_rights_and_auto_approval() -> None:
    pe = CreatePrivateEndpoint(resource_id=f"{fx.NET}/privateEndpoints/pe-x", registry_id=fx.rid("openpremium"),
                               subnet_id=fx.SUBNET, location="eastus", manual=False)
    got = {(n.scope, n.action, n.soft) for n in needs(pe)}
    assert (fx.SUBNET, "Microsoft.Network/virtualNetworks/subnets/join/action", False) in got
    assert (fx.rid("openpremium"), APPROVE_ACTION, True) in got
    assert not any(n.action == APPROVE_ACTION for n in needs(pe.model_copy(update={"manual": True})))
    rbac = GrantKeyAccess(resource_id=fx.VAULT, identity_id=fx.IDENT, rbac=True)
    assert [n.action for n in needs(rbac)] == ["Microsoft.Authorization/roleAssignments/write"]
    assert [n.action for n in needs(rbac.model_copy(update={"rbac": False}))] == \
        ["Microsoft.KeyVault/vaults/accessPolicies/write"]


def test_where_to_ask() -> None:
    sub = fx.SUB
    zone_link = f"{fx.ZONE}/virtualNetworkLinks/link-hub"
    assert top_resource(zone_link) == fx.ZONE
    assert ask_at(zone_link) == fx.ZONE
    assert ask_at(fx.ZONE, {fx.ZONE}) == f"{sub}/resourceGroups/rg-net"  # created by the plan: ask its group
    assert ask_at(f"{sub}/resourceGroups/rg-reg") == f"{sub}/resourceGroups/rg-reg"
    assert ask_at(sub) is None  # ARM answers for groups and resources only
    plan_actions = [SetAdminUser(resource_id=fx.rid("stdreg"), old=True, new=False)]
    assert created_by(plan_actions) == set()


# ---------------------------------------------------------------------------------------------- preflight


def planned(*specs: dict[str, Any], permissions: dict[str, Any], **top: Any) -> list[Finding]:
    w = fx.world(permissions={k.lower(): v for k, v in permissions.items()}, permissions_asked=True)
    d = DesiredState.model_validate({"apiVersion": "acrtui/v1", "registries": list(specs), **top})
    return preflight(diff(d, w), d, w)


def test_a_missing_action_is_refused_naming_it_and_the_scope() -> None:
    reg = fx.rid("stdreg")
    errs = errors(planned({"name": "stdreg", "adminUser": False}, permissions={reg: (READER,)}))
    assert len(errs) == 1 and "missing Microsoft.ContainerRegistry/registries/write at " + reg in errs[0].reason
    assert "Ask for a role" in errs[0].way_forward
    assert not errors(planned({"name": "stdreg", "adminUser": False}, permissions={reg: (CONTRIBUTOR,)}))


def test_unasked_scopes_are_not_refused_but_a_missing_group_is() -> None:
    assert not errors(planned({"name": "stdreg", "adminUser": False}, permissions={"/elsewhere": ()}))
    w = fx.world(permissions={fx.rid("stdreg").lower(): (READER,)})  # answers, but the reads did not run
    d = DesiredState.model_validate({"apiVersion": "acrtui/v1", "registries": [{"name": "stdreg", "adminUser": False}]})
    assert not errors(preflight(diff(d, w), d, w))
    errs = errors(planned({"name": "stdreg", "adminUser": False}, permissions={fx.rid("stdreg"): None}))
    assert "Resource group /subscriptions/" in errs[0].reason and "az group create" in errs[0].way_forward


def test_subscription_scope_is_refused_from_below_or_said_to_be_unchecked() -> None:
    spec = {"name": "audit-sub", "scope": fx.SUB, "definition": "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580"}
    group = f"{fx.SUB}/resourceGroups/rg-reg"
    below_missing = planned(policyAssignments=[spec], permissions={group: (CONTRIBUTOR,)})
    e = errors(below_missing)
    assert len(e) == 1 and f"policyAssignments/write at {fx.SUB}" in e[0].reason
    held_below = planned(policyAssignments=[spec], permissions={group: (OWNER,)})
    assert not errors(held_below)
    assert any("could not be checked in advance" in f.reason for f in held_below)


def test_auto_approval_without_the_right_is_refused_and_is_no_private_path() -> None:
    """Azure answers it with 403 LinkedAuthorizationFailed (the emulator does too: tests/emulator/test_network.py)."""
    ep = {"name": "pe-open", "subnet": fx.SUBNET, "dnsZone": fx.ZONE}
    spec = {"name": "openpremium", "publicNetworkAccess": "Disabled",
            "dataEndpoint": {"enabled": True, "clientAllowlistAcknowledged": True},
            "privateLink": {"endpoints": [ep]}}
    net_only = {fx.rid("openpremium"): (Permission(actions=("Microsoft.ContainerRegistry/registries/write",)),),
                fx.VNET: (NETWORK,), fx.ZONE: (NETWORK,), f"{fx.SUB}/resourceGroups/rg-net": (NETWORK,)}
    found = planned(spec, permissions=net_only, operator={"networks": [fx.VNET]})
    warn = [f for f in found if APPROVE_ACTION in f.reason]
    assert warn and warn[0].severity == "error" and "approval: manual" in warn[0].way_forward
    assert "LinkedAuthorizationFailed" in warn[0].reason
    assert any("lock you out" in f.reason for f in errors(found))
    full = planned(spec, permissions={**net_only, fx.rid("openpremium"): (OWNER,)}, operator={"networks": [fx.VNET]})
    assert not errors(full) and not any(APPROVE_ACTION in f.reason for f in full)
    # manual: no refusal, and the approval step is named (someone else's: the right is not held)
    manual = planned({**spec, "privateLink": {"endpoints": [{**ep, "approval": "manual"}]}}, permissions=net_only,
                     operator={"networks": [fx.VNET]})
    step = [f for f in manual if "will wait as Pending" in f.reason]
    assert step and step[0].severity == "warning" and "someone who holds it" in step[0].reason
    assert "az network private-endpoint-connection approve" in step[0].way_forward
    assert not any(APPROVE_ACTION in f.reason for f in errors(manual))


def test_absent_subscriptions_definitions_and_taken_names() -> None:
    d = DesiredState.model_validate({"apiVersion": "acrtui/v1", "policyAssignments": [
        {"name": "a1", "scope": "/subscriptions/99999999-0000-0000-0000-000000000000",
         "definition": "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580"},
        {"name": "a2", "scope": fx.SUB, "definition": "00000000-1111-2222-3333-444444444444"}],
        "createCmkRegistry": [{"name": "takenname", "source": "openpremium", "keyVault": fx.VAULT, "key": "acr-cmk",
                               "identity": fx.IDENT}]})
    w = fx.world()
    w.absent_subscriptions.add("99999999-0000-0000-0000-000000000000")
    w.absent_definitions.add("/providers/microsoft.authorization/policydefinitions/00000000-1111-2222-3333-444444444444")
    w.registry_names["takenname"] = NameCheck(False, "AlreadyExists", "The registry takenname is already in use.")
    reasons = [f.reason for f in errors(preflight(diff(d, w), d, w))]
    assert any("Subscription 99999999-0000-0000-0000-000000000000 does not exist" in r for r in reasons)
    assert any("00000000-1111-2222-3333-444444444444 does not exist" in r for r in reasons)
    assert any("The registry name takenname is already taken" in r for r in reasons)
    w.registry_names["takenname"] = NameCheck(True)
    assert not any("takenname" in f.reason for f in errors(preflight(diff(d, w), d, w)))


def test_a_migration_onto_an_existing_registry_without_cmk_is_refused() -> None:
    d = DesiredState.model_validate({"apiVersion": "acrtui/v1", "createCmkRegistry": [
        {"name": "stdreg", "source": "openpremium", "keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT,
         "import": {"images": ["app:1"]}}]})
    w = fx.world()
    e = errors(preflight(diff(d, w), d, w))
    assert any("already exists in rg-reg and is not encrypted with a customer-managed key" in f.reason for f in e)


def test_duplicate_and_self_sourced_migrations_outside_the_loader_are_errors() -> None:
    m = {"source": "openpremium", "keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT}
    with pytest.raises(ValueError, match=r"createCmkRegistry\[1\]\.name: registry NEWREG01 is already created"):
        DesiredState.model_validate({"apiVersion": "acrtui/v1", "createCmkRegistry": [
            {"name": "newreg01", **m}, {"name": "NEWREG01", **m, "key": "other"}]})
    with pytest.raises(ValueError, match="is its own source"):
        DesiredState.model_validate({"apiVersion": "acrtui/v1", "createCmkRegistry": [
            {"name": "openpremium", **m}]})
