"""Microsoft.ManagedIdentity through the real azure-mgmt-msi SDK (api-version 2024-11-30)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.authorization.aio import AuthorizationManagementClient
from azure.mgmt.msi.aio import ManagedServiceIdentityClient
from azure.mgmt.msi.v2024_11_30 import models as m

from acrtui.emulator import Emulator
from acrtui.emulator.providers import msi
from acrtui.emulator.rbac import ROLE_IDS
from acrtui.emulator.seeds import add_group

from .fidelity import assert_roundtrip

RG = "rg-empty"


def code(exc: pytest.ExceptionInfo[Any]) -> str:
    assert exc.value.error is not None
    return str(exc.value.error.code)


def status_and_body(out: list[int]) -> Any:
    def keep(resp: Any, des: Any, hdrs: Any) -> Any:
        out.append(resp.http_response.status_code)
        return des

    return keep


async def test_create_is_201_then_200_and_registers_a_principal(emu: Emulator, sdk) -> None:
    client = sdk(ManagedServiceIdentityClient, emu)
    statuses: list[int] = []
    ident = await client.user_assigned_identities.create_or_update(RG, "id-app", {"location": "East US", "tags": {"a": "1"}}, cls=status_and_body(statuses))
    assert ident.location == "eastus" and ident.tags == {"a": "1"}
    assert ident.tenant_id == emu.tenant_id and ident.isolation_scope == "None"
    assert ident.type == "Microsoft.ManagedIdentity/userAssignedIdentities"
    assert ident.principal_id != ident.client_id
    p = emu.state.principal(ident.principal_id)
    assert p is not None and p.kind == "ManagedIdentity" and p.client_id == ident.client_id and p.secret is None
    again = await client.user_assigned_identities.create_or_update(RG, "id-app", {"location": "eastus", "tags": {"b": "2"}}, cls=status_and_body(statuses))
    assert statuses == [201, 200]
    assert again.principal_id == ident.principal_id and again.client_id == ident.client_id and again.tags == {"b": "2"}
    res = emu.state.get(ident.id)
    assert res is not None
    assert_roundtrip(m.Identity, res.body)
    assert msi.user_assigned_entry(emu.state, ident.id) == {"principalId": ident.principal_id, "clientId": ident.client_id}
    assert msi.user_assigned_entry(emu.state, ident.id + "x") is None


async def test_identity_can_be_granted_a_role(emu: Emulator, sdk) -> None:
    client = sdk(ManagedServiceIdentityClient, emu)
    auth = sdk(AuthorizationManagementClient, emu)
    ident = await client.user_assigned_identities.create_or_update(RG, "id-role", {"location": "eastus"})
    scope = f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}"
    ra = await auth.role_assignments.create(
        scope,
        "6f0c8a44-6a62-4c2b-a7b4-1f4bb2d0c001",
        {"properties": {"roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{ROLE_IDS['Reader']}", "principalId": ident.principal_id, "principalType": "ServicePrincipal"}},
    )
    assert ra.principal_id == ident.principal_id


async def test_get_update_list_and_delete(emu: Emulator, sdk) -> None:
    add_group(emu.state, emu.subscription_id, "rg-ids", "westeurope")
    client = sdk(ManagedServiceIdentityClient, emu)
    for n in ("id-1", "id-2", "id-3"):
        await client.user_assigned_identities.create_or_update(RG, n, {"location": "eastus"})
    await client.user_assigned_identities.create_or_update("rg-ids", "id-4", {"location": "westeurope"})
    got = await client.user_assigned_identities.get(RG, "id-2")
    assert got.name == "id-2"
    statuses: list[int] = []
    upd = await client.user_assigned_identities.update(RG, "id-2", {"tags": {"team": "platform"}, "properties": {"isolationScope": "Regional"}}, cls=status_and_body(statuses))
    assert statuses == [200] and upd.tags == {"team": "platform"} and upd.isolation_scope == "Regional"
    assert upd.principal_id == got.principal_id
    assert sorted([i.name async for i in client.user_assigned_identities.list_by_resource_group(RG)]) == ["id-1", "id-2", "id-3"]
    assert sorted([i.name async for i in client.user_assigned_identities.list_by_subscription()]) == ["id-1", "id-2", "id-3", "id-4"]
    assert any("skiptoken" in r.query for r in emu.request_log), "page_size=2 must make the SDK follow nextLink"
    statuses.clear()
    await client.user_assigned_identities.delete(RG, "id-2", cls=status_and_body(statuses))
    await client.user_assigned_identities.delete(RG, "id-2", cls=status_and_body(statuses))
    assert statuses == [200, 204]
    assert emu.state.principal(got.principal_id) is None
    with pytest.raises(ResourceNotFoundError):
        await client.user_assigned_identities.get(RG, "id-2")
    again = await client.user_assigned_identities.create_or_update(RG, "id-2", {"location": "eastus"})
    assert again.principal_id != got.principal_id and again.client_id != got.client_id


async def test_rules(emu: Emulator, sdk) -> None:
    client = sdk(ManagedServiceIdentityClient, emu)
    for bad in ("ab", "-lead", "has space", "a" * 129, "dot.ted"):
        with pytest.raises(HttpResponseError) as exc:
            await client.user_assigned_identities.create_or_update(RG, bad, {"location": "eastus"})
        assert exc.value.status_code == 400, bad
    with pytest.raises(HttpResponseError) as exc:
        await client.user_assigned_identities.create_or_update(RG, "ab", {"location": "eastus"})
    assert code(exc) == "InvalidResourceName"
    await client.user_assigned_identities.create_or_update(RG, "id_ok-1", {"location": "eastus"})
    with pytest.raises(HttpResponseError) as exc:
        await client.user_assigned_identities.create_or_update(RG, "id_ok-1", {"location": "westus2"})
    assert code(exc) == "InvalidResourceLocation"
    with pytest.raises(HttpResponseError) as exc:
        await client.user_assigned_identities.create_or_update(RG, "id-iso", {"location": "eastus", "properties": {"isolationScope": "Global"}})
    assert exc.value.status_code == 400
    with pytest.raises(HttpResponseError) as exc:
        await client.user_assigned_identities.create_or_update(RG, "id-noloc", {"tags": {}})
    assert exc.value.status_code == 400
    with pytest.raises(ResourceNotFoundError) as exc:
        await client.user_assigned_identities.create_or_update("rg-none", "id-x", {"location": "eastus"})
    assert code(exc) == "ResourceGroupNotFound"


async def test_reader_can_read_but_not_write(emu: Emulator, sdk) -> None:
    owner = sdk(ManagedServiceIdentityClient, emu)
    reader = sdk(ManagedServiceIdentityClient, emu, role="reader")
    await owner.user_assigned_identities.create_or_update(RG, "id-r", {"location": "eastus"})
    assert (await reader.user_assigned_identities.get(RG, "id-r")).name == "id-r"
    assert [i.name async for i in reader.user_assigned_identities.list_by_subscription()] == ["id-r"]
    for call in (
        reader.user_assigned_identities.create_or_update(RG, "id-r2", {"location": "eastus"}),
        reader.user_assigned_identities.update(RG, "id-r", {"tags": {"x": "y"}}),
        reader.user_assigned_identities.delete(RG, "id-r"),
    ):
        with pytest.raises(HttpResponseError) as exc:
            await call
        assert exc.value.status_code == 403 and code(exc) == "AuthorizationFailed"
    assert emu.state.get(f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}/providers/{msi.MI_TYPE}/id-r2") is None


async def test_system_assigned_identity_by_scope(emu: Emulator, sdk) -> None:
    client = sdk(ManagedServiceIdentityClient, emu)
    rid = f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}/providers/Microsoft.ContainerRegistry/registries/sysreg"
    ident = msi.new_system_assigned(emu.state, rid, "sysreg")
    emu.state.put(rid, {"id": rid, "name": "sysreg", "type": "Microsoft.ContainerRegistry/registries", "location": "eastus", "identity": {"type": "SystemAssigned", **ident}, "properties": {}})
    raw: list[dict[str, Any]] = []
    await client.system_assigned_identities.get_by_scope(rid.lstrip("/"), cls=lambda resp, des, hdrs: raw.append(resp.http_response.json()))
    got = await client.system_assigned_identities.get_by_scope(rid.lstrip("/"))
    assert got.principal_id == ident["principalId"] and got.tenant_id == emu.tenant_id
    p = emu.state.principal(ident["principalId"])
    assert p is not None and got.client_id == p.client_id and p.kind == "ManagedIdentity"
    assert got.client_secret_url and got.client_secret_url.startswith("https://control-eastus.identity.azure.net/")
    assert_roundtrip(m.SystemAssignedIdentity, raw[0])
    plain = f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}/providers/Microsoft.ContainerRegistry/registries/plain"
    emu.state.put(plain, {"id": plain, "name": "plain", "type": "Microsoft.ContainerRegistry/registries", "location": "eastus", "properties": {}})
    with pytest.raises(ResourceNotFoundError):
        await client.system_assigned_identities.get_by_scope(plain.lstrip("/"))
