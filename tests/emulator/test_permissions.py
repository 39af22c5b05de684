"""``GET {scope}/providers/Microsoft.Authorization/permissions`` through azure-mgmt-authorization (2022-04-01), and
registry names taken outside the tenant in ``checkNameAvailability``."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.authorization.aio import AuthorizationManagementClient
from azure.mgmt.authorization.v2022_04_01 import models as am
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
from azure.mgmt.msi.aio import ManagedServiceIdentityClient

from acrtui.emulator import Emulator
from acrtui.emulator.rbac import allowed
from acrtui.emulator.seeds import add_group, grant
from acrtui.emulator.state import Principal, stable_uuid

from .fidelity import assert_roundtrip

RG = "rg-empty"
RTYPE = "Microsoft.ContainerRegistry/registries"


def add_login(emu: Emulator, role: str, grants: list[tuple[str, str]]) -> None:
    """A third sign-in holding exactly ``grants`` ((scope, built-in role name) pairs)."""
    p = emu.state.add_principal(Principal(stable_uuid("sp", role), stable_uuid("app", role), f"acrtui-{role}",
                                          secrets.token_urlsafe(24)))
    emu.state.logins[role] = p.object_id
    for scope, name in grants:
        grant(emu.state, scope, name, p.object_id)


async def test_permissions_list_the_callers_roles_and_deserialise_into_the_sdk_model(emu: Emulator, sdk: Any) -> None:
    sub = f"/subscriptions/{emu.subscription_id}"
    add_login(emu, "netops", [(sub, "Reader"), (f"{sub}/resourceGroups/{RG}", "Network Contributor")])
    auth = sdk(AuthorizationManagementClient, emu, "netops")
    got = [p async for p in auth.permissions.list_for_resource_group(RG)]
    assert all(isinstance(p, am.Permission) for p in got)
    actions = sorted(a for p in got for a in p.actions)
    assert "*/read" in actions and "Microsoft.Network/*" in actions
    url = f"{emu.url}{sub}/resourcegroups/{RG}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01"
    raw = (await auth._client.send_request(HttpRequest("GET", url))).json()
    assert_roundtrip(am.PermissionGetResult, raw)
    for body in raw["value"]:
        assert_roundtrip(am.Permission, body)
        assert set(body) == {"actions", "notActions", "dataActions", "notDataActions"}


async def test_permissions_at_a_resource_include_roles_assigned_on_it_and_notactions_stay_with_their_role(
        emu: Emulator, sdk: Any) -> None:
    sub = f"/subscriptions/{emu.subscription_id}"
    ident = await sdk(ManagedServiceIdentityClient, emu).user_assigned_identities.create_or_update(
        RG, "id-perm", {"location": "eastus"})
    add_login(emu, "contrib", [(sub, "Contributor"), (str(ident.id), "User Access Administrator")])
    auth = sdk(AuthorizationManagementClient, emu, "contrib")
    here = [p async for p in auth.permissions.list_for_resource(
        RG, "Microsoft.ManagedIdentity", "", "userAssignedIdentities", "id-perm")]
    group = [p async for p in auth.permissions.list_for_resource_group(RG)]
    assert len(here) == 2 and len(group) == 1
    contributor = next(p for p in here if p.actions == ["*"])
    assert "Microsoft.Authorization/*/Write" in contributor.not_actions
    # the emulator's own RBAC decision agrees: role assignments are allowed on the identity, not on the group
    oid = emu.state.logins["contrib"]
    assert allowed(emu.state, oid, "Microsoft.Authorization/roleAssignments/write", str(ident.id))
    assert not allowed(emu.state, oid, "Microsoft.Authorization/roleAssignments/write", f"{sub}/resourceGroups/{RG}")


async def test_permissions_of_a_missing_group_or_resource_are_404(emu: Emulator, sdk: Any) -> None:
    auth = sdk(AuthorizationManagementClient, emu)
    with pytest.raises(ResourceNotFoundError) as missing_group:
        [p async for p in auth.permissions.list_for_resource_group("rg-nope")]
    assert missing_group.value.error is not None and missing_group.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as missing_resource:
        [p async for p in auth.permissions.list_for_resource(RG, "Microsoft.ContainerRegistry", "", "registries",
                                                            "nosuchreg1")]
    assert missing_resource.value.error is not None and missing_resource.value.error.code == "ResourceNotFound"


async def test_a_caller_without_roles_there_gets_only_what_applies(emu: Emulator, sdk: Any) -> None:
    sub = f"/subscriptions/{emu.subscription_id}"
    add_login(emu, "narrow", [(f"{sub}/resourceGroups/{RG}", "Reader")])
    auth = sdk(AuthorizationManagementClient, emu, "narrow")
    got = [p async for p in auth.permissions.list_for_resource_group(RG)]
    assert [p.actions for p in got] == [["*/read"]]
    add_group(emu.state, emu.subscription_id, "rg-other", "eastus")
    assert [p async for p in auth.permissions.list_for_resource_group("rg-other")] == []  # asking is not refused


async def test_check_name_availability_knows_names_taken_in_other_tenants(emu: Emulator, sdk: Any) -> None:
    """``State.globally_taken["registries"]`` stands for registries of other tenants (the demo seeds a few)."""
    emu.state.globally_taken["registries"] = {"takenelsewhere"}
    acr = sdk(ContainerRegistryManagementClient, emu, "reader")
    status = await acr.registries.check_name_availability({"name": "TakenElsewhere", "type": RTYPE})
    assert (status.name_available, status.reason) == (False, "AlreadyExists")
    assert (await acr.registries.check_name_availability({"name": "freehere1", "type": RTYPE})).name_available


def test_the_per_query_checker_agrees_with_a_scan_of_every_assignment() -> None:
    """Resource Graph checks each row with rbac.checker (scopes per action, an ancestor walk per row): on the
    demo estate, for every principal, resource and action a query or request asks, it decides as the definition
    does — any role assigned at or above the target (``permissions_at``, which the permissions API serves) granting the action."""
    from acrtui.emulator.rbac import _glob, checker, permissions_at
    from acrtui.emulator.seeds import build_seed

    st = build_seed("demo")
    sub = next(iter(st.subscriptions))
    grant(st, f"/subscriptions/{sub}/resourceGroups/rg-x", "Reader", "narrow")  # a group the estate lacks
    grant(st, "/", "Reader", "root")

    def brute(oid: str, action: str, scope: str, data: bool) -> bool:  # the roles ARM lists at the scope
        acts, nots = ("dataActions", "notDataActions") if data else ("actions", "notActions")
        return any(any(_glob(p, action) for p in perm[acts]) and not any(_glob(p, action) for p in perm[nots])
                   for perm in permissions_at(st, oid, scope))

    oids = {str(a.props.get("principalId", "")) for a in st.of_type("Microsoft.Authorization/roleAssignments")}
    targets = [r.id for r in st.resources.values()] + [f"/subscriptions/{sub}", f"/subscriptions/{sub}/",
                                                       f"/subscriptions/{sub}/resourceGroups/RG-X/x", "/"]
    decided = {True: 0, False: 0}
    for oid in [*sorted(oids), "nobody"]:
        for data in (False, True):
            may = checker(st, oid, data=data)
            for rid in targets:
                for action in (f"{RTYPE}/read", "Microsoft.Authorization/roleAssignments/write",
                               "Microsoft.KeyVault/vaults/keys/wrap/action", "Microsoft.ContainerRegistry/registries/pull/read"):
                    want = brute(oid, action, rid, data)
                    assert may(action, rid) is want, (oid, action, rid, data)
                    assert allowed(st, oid, action, rid, data=data) is want
                    decided[want] += 1
    assert decided[True] > 100 and decided[False] > 100  # both answers exercised
