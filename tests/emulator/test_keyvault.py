"""Microsoft.KeyVault through the real azure-mgmt-keyvault SDK: vaults, soft delete, access policies, keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.keyvault import models as m
from azure.mgmt.keyvault.aio import KeyVaultManagementClient

from acrtui.emulator import Emulator
from acrtui.emulator.providers import keyvault as kv
from acrtui.emulator.seeds import add_group, grant
from acrtui.emulator.state import Principal

from .fidelity import assert_roundtrip

RG = "rg-empty"


def params(emu: Emulator, location: str = "eastus", tags: dict[str, str] | None = None, **props: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"tenantId": emu.tenant_id, "sku": {"family": "A", "name": "standard"}}
    base.update(props)
    out: dict[str, Any] = {"location": location, "properties": base}
    if tags is not None:
        out["tags"] = tags
    return out


def raw(emu: Emulator, rid: str | None) -> dict[str, Any]:
    assert rid
    res = emu.state.get(rid)
    assert res is not None, rid
    return res.body


async def create(client: Any, emu: Emulator, name: str, rg: str = RG, tags: dict[str, str] | None = None, **props: Any) -> m.Vault:
    poller = await client.vaults.begin_create_or_update(rg, name, params(emu, tags=tags, **props))
    return await poller.result()


def code(exc: pytest.ExceptionInfo[Any]) -> str:
    assert exc.value.error is not None
    return str(exc.value.error.code)


def message(exc: pytest.ExceptionInfo[Any]) -> str:
    assert exc.value.error is not None
    return str(exc.value.error.message)


# ---------------------------------------------------------------- vaults


async def test_create_is_an_lro_with_azure_defaults_and_roundtrips(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    vault = await create(client, emu, "kv-alpha", tags={"env": "test"})
    p = vault.properties
    assert p.vault_uri == "https://kv-alpha.vault.azure.net/"
    assert p.provisioning_state == "Succeeded"
    assert p.enable_soft_delete is True and p.soft_delete_retention_in_days == 90
    assert p.enable_rbac_authorization is True  # default since API 2026-02-01
    assert p.enable_purge_protection is None
    assert p.public_network_access == "Enabled"
    assert p.network_acls is not None and p.network_acls.bypass == "AzureServices" and p.network_acls.default_action == "Allow"
    assert p.sku.family == "A" and p.sku.name == "standard"
    # the initial response was a 201 with an Azure-AsyncOperation header: the SDK polled it
    put = [r for r in emu.request_log if r.method == "PUT"]
    assert put[-1].status == 201
    assert any("operationStatuses" in r.path for r in emu.request_log)
    body = raw(emu, vault.id)
    assert body["properties"]["provisioningState"] == "Succeeded"
    assert_roundtrip(m.Vault, body)
    got = await client.vaults.get(RG, "kv-alpha")
    assert got.id == vault.id and got.tags == {"env": "test"}


async def test_put_on_existing_vault_is_200_and_keeps_sticky_settings(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-sticky", enablePurgeProtection=True, softDeleteRetentionInDays=30, enableRbacAuthorization=False)
    captured: list[int] = []
    poller = await client.vaults.begin_create_or_update(
        RG, "kv-sticky", params(emu, tags={"a": "b"}), cls=lambda resp, des, hdrs: captured.append(resp.http_response.status_code)
    )
    await poller.result()
    assert captured and captured[0] == 200
    vault = await client.vaults.get(RG, "kv-sticky")
    p = vault.properties
    assert p.enable_purge_protection is True and p.soft_delete_retention_in_days == 30
    assert p.enable_rbac_authorization is False and vault.tags == {"a": "b"}


async def test_patch_update_is_synchronous_and_merges(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-patch")
    before = len(emu.request_log)
    vault = await client.vaults.update(RG, "kv-patch", {"tags": {"x": "1"}, "properties": {"enabledForDiskEncryption": True}})
    assert vault.tags == {"x": "1"} and vault.properties.enabled_for_disk_encryption is True
    assert vault.properties.enable_soft_delete is True
    log = emu.request_log[before:]
    assert [r.method for r in log] == ["PATCH"] and log[0].status == 200
    assert_roundtrip(m.Vault, raw(emu, vault.id))


@pytest.mark.parametrize("name", ["ab", "1vault", "kv-", "kv--double", "a" * 25, "kv_under"])
async def test_invalid_vault_names_are_refused(emu: Emulator, sdk, name: str) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    with pytest.raises(HttpResponseError) as exc:
        await create(client, emu, name)
    assert exc.value.status_code == 400 and code(exc) == "VaultNameNotValid"


async def test_vault_names_are_globally_unique(emu: Emulator, sdk) -> None:
    add_group(emu.state, emu.subscription_id, "rg-other", "eastus")
    emu.state.globally_taken["vaults"] = {"kv-elsewhere"}
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-unique")
    with pytest.raises(ResourceExistsError) as exc:
        await create(client, emu, "KV-UNIQUE", rg="rg-other")
    assert code(exc) == "VaultAlreadyExists"
    with pytest.raises(ResourceExistsError) as exc:
        await create(client, emu, "kv-elsewhere")
    assert code(exc) == "VaultAlreadyExists"


async def test_location_cannot_change(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-loc")
    with pytest.raises(HttpResponseError) as exc:
        await (await client.vaults.begin_create_or_update(RG, "kv-loc", params(emu, location="westus2"))).result()
    assert code(exc) == "InvalidResourceLocation"


async def test_missing_group_and_vault_are_404(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    with pytest.raises(ResourceNotFoundError) as exc:
        await client.vaults.get(RG, "kv-none")
    assert code(exc) == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError) as exc:
        await client.vaults.get("rg-none", "kv-none")
    assert code(exc) == "ResourceGroupNotFound"


async def test_check_name_availability(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    reader = sdk(KeyVaultManagementClient, emu, role="reader")
    await create(client, emu, "kv-taken")
    bodies: list[dict[str, Any]] = []

    def keep(resp: Any, des: Any, hdrs: Any) -> Any:
        bodies.append(resp.http_response.json())
        return des

    free = await reader.vaults.check_name_availability({"name": "kv-free", "type": "Microsoft.KeyVault/vaults"}, cls=keep)
    assert free.name_available is True
    taken = await client.vaults.check_name_availability({"name": "kv-taken", "type": "Microsoft.KeyVault/vaults"}, cls=keep)
    assert taken.name_available is False and taken.reason == "AlreadyExists"
    bad = await client.vaults.check_name_availability({"name": "9bad", "type": "Microsoft.KeyVault/vaults"}, cls=keep)
    assert bad.name_available is False and bad.reason == "AccountNameInvalid"
    await client.vaults.delete(RG, "kv-taken")
    deleted = await client.vaults.check_name_availability({"name": "kv-taken", "type": "Microsoft.KeyVault/vaults"})
    assert deleted.name_available is False
    assert len(bodies) == 3
    for body in bodies:
        assert_roundtrip(m.CheckNameAvailabilityResult, body)
    with pytest.raises(HttpResponseError) as exc:
        await client.vaults.check_name_availability({"name": "kv-x", "type": "Microsoft.Storage/storageAccounts"})
    assert exc.value.status_code == 400


async def test_list_by_group_subscription_and_generic_list_page(emu: Emulator, sdk) -> None:
    add_group(emu.state, emu.subscription_id, "rg-two", "eastus")
    client = sdk(KeyVaultManagementClient, emu)
    for n in ("kv-l1", "kv-l2", "kv-l3"):
        await create(client, emu, n)
    await create(client, emu, "kv-l4", rg="rg-two")
    by_rg = [v.name async for v in client.vaults.list_by_resource_group(RG)]
    assert sorted(by_rg) == ["kv-l1", "kv-l2", "kv-l3"]
    by_sub = [v.name async for v in client.vaults.list_by_subscription()]
    assert sorted(by_sub) == ["kv-l1", "kv-l2", "kv-l3", "kv-l4"]
    # vaults.list reads ARM's generic resources list at 2015-11-01, but follows nextLink with the client's Key Vault
    # api-version, which ARM's own list does not serve: the second page is refused, as in Azure.
    emu.config.page_size = 10
    generic = [v async for v in client.vaults.list()]
    assert sorted(v.name for v in generic) == ["kv-l1", "kv-l2", "kv-l3", "kv-l4"]
    assert all(v.type == "Microsoft.KeyVault/vaults" and v.location == "eastus" for v in generic)
    emu.config.page_size = 2
    with pytest.raises(HttpResponseError) as e:
        _ = [v async for v in client.vaults.list()]
    assert e.value.error is not None and e.value.error.code == "InvalidApiVersionParameter"
    assert len([v async for v in client.vaults.list_by_subscription(top=3)]) == 3
    pages = [r for r in emu.request_log if r.path.endswith("/providers/Microsoft.KeyVault/vaults") and "skiptoken" in r.query]
    assert pages, "page_size=2 must make the SDK follow nextLink"


async def test_delete_soft_deletes_and_recreate_conflicts_until_recovered(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-soft", tags={"t": "1"})
    await client.keys.create_if_not_exist(RG, "kv-soft", "k1", {"properties": {"kty": "RSA"}})
    await client.vaults.delete(RG, "kv-soft")
    with pytest.raises(ResourceNotFoundError):
        await client.vaults.get(RG, "kv-soft")
    deleted = await client.vaults.get_deleted("kv-soft", "eastus")
    assert deleted.properties.vault_id.endswith("/vaults/kv-soft")
    assert deleted.properties.scheduled_purge_date - deleted.properties.deletion_date == dt.timedelta(days=90)
    assert deleted.properties.purge_protection_enabled is False and deleted.properties.tags == {"t": "1"}
    assert_roundtrip(m.DeletedVault, raw(emu, deleted.id))
    assert [d.name async for d in client.vaults.list_deleted()] == ["kv-soft"]
    with pytest.raises(ResourceExistsError) as exc:
        await create(client, emu, "kv-soft")
    assert code(exc) == "ConflictError"
    recovered = await create(client, emu, "kv-soft", createMode="recover")
    assert recovered.properties.provisioning_state == "Succeeded"
    keys = [k.name async for k in client.keys.list(RG, "kv-soft")]
    assert keys == ["k1"]
    assert [d async for d in client.vaults.list_deleted()] == []
    # a second delete is 200, deleting what is not there is 204
    statuses: list[int] = []
    keep = lambda resp, des, hdrs: statuses.append(resp.http_response.status_code)  # noqa: E731
    await client.vaults.delete(RG, "kv-soft", cls=keep)
    await client.vaults.delete(RG, "kv-soft", cls=keep)
    assert statuses == [200, 204]


async def test_recover_without_deleted_vault_fails(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    with pytest.raises(HttpResponseError) as exc:
        await create(client, emu, "kv-never", createMode="recover")
    assert code(exc) == "DeletedVaultNotFound"


async def test_purge_frees_the_name(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-purge")
    await client.vaults.delete(RG, "kv-purge")
    await (await client.vaults.begin_purge_deleted("kv-purge", "eastus")).result()
    with pytest.raises(ResourceNotFoundError) as exc:
        await client.vaults.get_deleted("kv-purge", "eastus")
    assert code(exc) == "DeletedVaultNotFound"
    assert (await client.vaults.check_name_availability({"name": "kv-purge", "type": "Microsoft.KeyVault/vaults"})).name_available
    await create(client, emu, "kv-purge")


async def test_purge_protection_blocks_purge_and_cannot_be_turned_off(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    with pytest.raises(HttpResponseError) as exc:
        await create(client, emu, "kv-pp", enablePurgeProtection=False)
    assert code(exc) == "BadRequest" and "enablePurgeProtection" in message(exc)
    await create(client, emu, "kv-pp", enablePurgeProtection=True)
    with pytest.raises(HttpResponseError) as exc:
        await client.vaults.update(RG, "kv-pp", {"properties": {"enablePurgeProtection": False}})
    assert exc.value.status_code == 400
    await client.vaults.delete(RG, "kv-pp")
    with pytest.raises(ResourceExistsError) as exc:
        await client.vaults.begin_purge_deleted("kv-pp", "eastus")
    assert code(exc) == "ConflictError"
    assert (await client.vaults.get_deleted("kv-pp", "eastus")).properties.purge_protection_enabled is True


async def test_soft_delete_cannot_be_turned_off(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    with pytest.raises(HttpResponseError) as exc:
        await create(client, emu, "kv-sd", enableSoftDelete=False)
    assert exc.value.status_code == 400 and "enableSoftDelete" in message(exc)
    await create(client, emu, "kv-sd")
    with pytest.raises(HttpResponseError) as exc:
        await client.vaults.update(RG, "kv-sd", {"properties": {"enableSoftDelete": False}})
    assert exc.value.status_code == 400
    assert (await client.vaults.get(RG, "kv-sd")).properties.enable_soft_delete is True


async def test_legacy_vault_without_soft_delete_is_deleted_outright(emu: Emulator, sdk) -> None:
    kv.add_vault(emu.state, emu.subscription_id, RG, "kv-legacy", "eastus", properties={"enableSoftDelete": False})
    client = sdk(KeyVaultManagementClient, emu)
    vault = await client.vaults.get(RG, "kv-legacy")
    assert vault.properties.enable_soft_delete is False
    with pytest.raises(HttpResponseError):  # purge protection needs soft delete
        await client.vaults.update(RG, "kv-legacy", {"properties": {"enablePurgeProtection": True}})
    await client.vaults.delete(RG, "kv-legacy")
    assert [d async for d in client.vaults.list_deleted()] == []


async def test_retention_days_range_and_only_at_creation(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    for days in (6, 91):
        with pytest.raises(HttpResponseError) as exc:
            await create(client, emu, "kv-ret", softDeleteRetentionInDays=days)
        assert exc.value.status_code == 400
    await create(client, emu, "kv-ret", softDeleteRetentionInDays=7)
    with pytest.raises(HttpResponseError):
        await client.vaults.update(RG, "kv-ret", {"properties": {"softDeleteRetentionInDays": 30}})
    await client.vaults.delete(RG, "kv-ret")
    d = await client.vaults.get_deleted("kv-ret", "eastus")
    assert d.properties.scheduled_purge_date - d.properties.deletion_date == dt.timedelta(days=7)


async def test_deleted_vaults_disappear_after_their_purge_date(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-expire", softDeleteRetentionInDays=7)
    await client.vaults.delete(RG, "kv-expire")
    emu.state.frozen_now = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    assert [d async for d in client.vaults.list_deleted()] == []
    await create(client, emu, "kv-expire")


async def test_rbac_mode_and_network_acls(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-net", enableRbacAuthorization=False)
    subnet = f"/subscriptions/{emu.subscription_id}/resourceGroups/RG-Net/providers/Microsoft.Network/virtualNetworks/VNet1/subnets/Snet-A"
    acls = {"bypass": "None", "defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24"}, {"value": "198.51.100.7"}],
            "virtualNetworkRules": [{"id": subnet}]}
    vault = await client.vaults.update(RG, "kv-net", {"properties": {"networkAcls": acls, "enableRbacAuthorization": True, "publicNetworkAccess": "Disabled"}})
    n = vault.properties.network_acls
    # Azure's normalisation: a single address comes back as /32, subnet ids lower-cased
    assert n.bypass == "None" and n.default_action == "Deny" and [r.value for r in n.ip_rules] == ["203.0.113.0/24", "198.51.100.7/32"]
    assert [r.id for r in n.virtual_network_rules] == [subnet.lower()]
    assert vault.properties.enable_rbac_authorization is True and vault.properties.public_network_access == "Disabled"
    res = emu.state.get(str(vault.id))
    assert res is not None and kv.trusted_services_allowed(res) is False
    vault = await client.vaults.update(RG, "kv-net", {"properties": {"networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny"}}})
    assert vault.properties.network_acls.ip_rules == [] and kv.trusted_services_allowed(res) is True
    for bad in ({"bypass": "Everything"}, {"defaultAction": "Maybe"}, {"ipRules": [{"value": "2001:db8::/32"}]}, {"ipRules": [{"value": "300.1.1.1"}]}):
        with pytest.raises(HttpResponseError) as exc:
            await client.vaults.update(RG, "kv-net", {"properties": {"networkAcls": bad}})
        assert exc.value.status_code == 400, bad
    assert_roundtrip(m.Vault, raw(emu, vault.id))


async def test_access_policy_add_merges_remove_subtracts_replace_replaces(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-ap", enableRbacAuthorization=False)
    t = emu.tenant_id
    a, b = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"

    def pol(oid: str, keys: list[str], secrets: list[str] | None = None) -> dict[str, Any]:
        return {"tenantId": t, "objectId": oid, "permissions": {"keys": keys, "secrets": secrets or []}}

    res = await client.vaults.update_access_policy(RG, "kv-ap", "add", {"properties": {"accessPolicies": [pol(a, ["get"])]}})
    assert res.name == "add" and res.properties.access_policies[0].object_id == a
    raw_resp: list[dict[str, Any]] = []
    await client.vaults.update_access_policy(
        RG, "kv-ap", "add", {"properties": {"accessPolicies": [pol(a, ["get", "wrapKey"], ["list"]), pol(b, ["list"])]}},
        cls=lambda resp, des, hdrs: raw_resp.append(resp.http_response.json()),
    )
    assert_roundtrip(m.VaultAccessPolicyParameters, raw_resp[0])
    policies = (await client.vaults.get(RG, "kv-ap")).properties.access_policies
    assert [(p.object_id, p.permissions.keys_property, p.permissions.secrets) for p in policies] == [(a, ["get", "wrapKey"], ["list"]), (b, ["list"], [])]
    res_vault = emu.state.get(str((await client.vaults.get(RG, "kv-ap")).id))
    assert res_vault is not None and not kv.identity_can_use_key(emu.state, res_vault, a)
    await client.vaults.update_access_policy(RG, "kv-ap", "add", {"properties": {"accessPolicies": [pol(a, ["unwrapKey"])]}})
    assert kv.identity_can_use_key(emu.state, res_vault, a) and not kv.identity_can_use_key(emu.state, res_vault, b)
    await client.vaults.update_access_policy(RG, "kv-ap", "remove", {"properties": {"accessPolicies": [pol(a, ["wrapKey"]), pol(b, ["list"])]}})
    policies = (await client.vaults.get(RG, "kv-ap")).properties.access_policies
    assert [(p.object_id, p.permissions.keys_property) for p in policies] == [(a, ["get", "unwrapKey"])]
    assert not kv.identity_can_use_key(emu.state, res_vault, a)
    await client.vaults.update_access_policy(RG, "kv-ap", "replace", {"properties": {"accessPolicies": [pol(b, ["all"])]}})
    policies = (await client.vaults.get(RG, "kv-ap")).properties.access_policies
    assert [p.object_id for p in policies] == [b]
    assert kv.identity_can_use_key(emu.state, res_vault, b)
    with pytest.raises(HttpResponseError) as exc:
        await client.vaults.update_access_policy(RG, "kv-ap", "add", {"properties": {"accessPolicies": [pol(a, ["fly"])]}})
    assert exc.value.status_code == 400
    assert_roundtrip(m.Vault, raw(emu, res_vault.id))


async def test_compound_identity_policy_does_not_count_and_rbac_vault_uses_roles(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    mi = emu.state.add_principal(Principal("33333333-3333-3333-3333-333333333333", "44444444-4444-4444-4444-444444444444", "mi", None, "ManagedIdentity"))
    full = {"keys": ["get", "wrapKey", "unwrapKey"]}
    compound = {"tenantId": emu.tenant_id, "objectId": mi.object_id, "applicationId": "55555555-5555-5555-5555-555555555555", "permissions": full}
    vault = await create(client, emu, "kv-cmp", enableRbacAuthorization=False, accessPolicies=[compound])
    res = emu.state.get(str(vault.id))
    assert res is not None and not kv.identity_can_use_key(emu.state, res, mi.object_id)
    vault = await create(client, emu, "kv-rbac")  # RBAC by default: access policies do not count
    await client.vaults.update_access_policy(RG, "kv-rbac", "add", {"properties": {"accessPolicies": [{**compound, "applicationId": None}]}})
    res = emu.state.get(str(vault.id))
    assert res is not None and not kv.identity_can_use_key(emu.state, res, mi.object_id)
    await client.keys.create_if_not_exist(RG, "kv-rbac", "cmk", {"properties": {"kty": "RSA"}})
    grant(emu.state, f"{vault.id}/keys/other", "Key Vault Crypto Service Encryption User", mi.object_id)
    assert not kv.identity_can_use_key(emu.state, res, mi.object_id, "cmk")
    assert kv.identity_can_use_key(emu.state, res, mi.object_id, "other")
    grant(emu.state, str(vault.id), "Key Vault Crypto Service Encryption User", mi.object_id)
    assert kv.identity_can_use_key(emu.state, res, mi.object_id, "cmk")
    assert kv.identity_can_use_key(emu.state, res, mi.object_id)


async def test_invalid_vault_properties_are_400(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    for props in ({"sku": {"family": "A", "name": "gold"}}, {"tenantId": "not-a-guid"}, {"publicNetworkAccess": "Sometimes"}):
        with pytest.raises(HttpResponseError) as exc:
            await create(client, emu, "kv-bad", **props)
        assert exc.value.status_code == 400, props


async def test_reader_can_read_but_not_write(emu: Emulator, sdk) -> None:
    owner = sdk(KeyVaultManagementClient, emu)
    reader = sdk(KeyVaultManagementClient, emu, role="reader")
    await create(owner, emu, "kv-read")
    await owner.keys.create_if_not_exist(RG, "kv-read", "k", {"properties": {"kty": "RSA"}})
    assert (await reader.vaults.get(RG, "kv-read")).name == "kv-read"
    assert [k.name async for k in reader.keys.list(RG, "kv-read")] == ["k"]
    writes = [
        reader.vaults.begin_create_or_update(RG, "kv-read2", params(emu)),
        reader.vaults.update(RG, "kv-read", {"tags": {"a": "b"}}),
        reader.vaults.update_access_policy(RG, "kv-read", "add", {"properties": {"accessPolicies": []}}),
        reader.keys.create_if_not_exist(RG, "kv-read", "k2", {"properties": {"kty": "RSA"}}),
        reader.vaults.delete(RG, "kv-read"),
    ]
    for w in writes:
        with pytest.raises(HttpResponseError) as exc:
            await w
        assert exc.value.status_code == 403 and code(exc) == "AuthorizationFailed"
    await owner.vaults.delete(RG, "kv-read")
    with pytest.raises(HttpResponseError) as exc:
        await reader.vaults.begin_purge_deleted("kv-read", "eastus")
    assert exc.value.status_code == 403


# ---------------------------------------------------------------- keys


async def test_create_if_not_exist_makes_one_version_and_never_a_second(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    vault = await create(client, emu, "kv-keys", enablePurgeProtection=True)
    key = await client.keys.create_if_not_exist(RG, "kv-keys", "cmk", {"properties": {"kty": "RSA"}, "tags": {"use": "acr"}})
    assert key.kty == "RSA" and key.key_size == 2048 and key.key_uri == "https://kv-keys.vault.azure.net:443/keys/cmk"
    assert key.key_uri_with_version.startswith("https://kv-keys.vault.azure.net:443/keys/cmk/")  # spec getKey.json
    version = key.key_uri_with_version.rsplit("/", 1)[1]
    assert len(version) == 32 and int(version, 16) >= 0
    assert key.attributes.enabled is True and key.attributes.recovery_level == "Recoverable"
    assert isinstance(key.attributes.created, int) and key.attributes.exportable is False
    assert key.key_ops == ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
    assert [r.status for r in emu.request_log if r.method == "PUT" and "/keys/" in r.path] == [200]
    assert_roundtrip(m.Key, raw(emu, key.id))
    again = await client.keys.create_if_not_exist(RG, "kv-keys", "cmk", {"properties": {"kty": "EC", "curveName": "P-384"}})
    assert again.kty == "RSA" and again.key_uri_with_version == key.key_uri_with_version
    assert [v.name async for v in client.keys.list_versions(RG, "kv-keys", "cmk")] == [version]
    v = await client.keys.get_version(RG, "kv-keys", "cmk", version)
    assert v.key_uri_with_version == key.key_uri_with_version and v.type == "Microsoft.KeyVault/vaults/keys/versions"
    assert v.id == f"{vault.id}/keys/cmk/versions/{version}"
    assert_roundtrip(m.Key, raw(emu, v.id))


async def test_new_version_disable_and_expiry_are_visible(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-rot")
    first = await client.keys.create_if_not_exist(RG, "kv-rot", "cmk", {"properties": {"kty": "RSA", "keySize": 3072}})
    v2 = kv.new_key_version(emu.state, "kv-rot", "cmk")
    current = await client.keys.get(RG, "kv-rot", "cmk")
    assert current.key_uri_with_version.endswith("/" + v2) and current.key_uri_with_version != first.key_uri_with_version
    assert current.key_size == 3072 and current.key_uri == first.key_uri
    versions = [v.name async for v in client.keys.list_versions(RG, "kv-rot", "cmk")]
    assert versions == [first.key_uri_with_version.rsplit("/", 1)[1], v2]
    assert (await client.keys.get_version(RG, "kv-rot", "cmk", versions[0])).key_uri_with_version == first.key_uri_with_version
    kv.disable_key(emu.state, "kv-rot", "cmk")
    exp = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    kv.set_key_expiry(emu.state, "kv-rot", "cmk", exp)
    current = await client.keys.get(RG, "kv-rot", "cmk")
    assert current.attributes.enabled is False and current.attributes.expires == int(exp.timestamp())
    assert (await client.keys.get_version(RG, "kv-rot", "cmk", v2)).attributes.enabled is False
    assert (await client.keys.get_version(RG, "kv-rot", "cmk", versions[0])).attributes.enabled is True
    kv.set_key_expiry(emu.state, "kv-rot", "cmk", None)
    assert (await client.keys.get(RG, "kv-rot", "cmk")).attributes.expires is None
    found = kv.key_from_uri(emu.state, first.key_uri_with_version)
    assert found is not None and found[1] is not None and found[1].body["name"] == "cmk" and found[2] == versions[0]
    assert kv.key_from_uri(emu.state, "https://kv-rot.vault.azure.cn/keys/cmk") is None


async def test_key_types_sizes_and_sku(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-kty")
    ec = await client.keys.create_if_not_exist(RG, "kv-kty", "ec", {"properties": {"kty": "EC"}})
    assert ec.kty == "EC" and ec.curve_name == "P-256" and ec.key_size is None and ec.key_ops == ["sign", "verify"]
    big = await client.keys.create_if_not_exist(RG, "kv-kty", "big", {"properties": {"kty": "RSA", "keySize": 4096, "keyOps": ["wrapKey", "unwrapkey"]}})
    assert big.key_size == 4096 and big.key_ops == ["wrapKey", "unwrapKey"]
    bad = [
        {"kty": "RSA", "keySize": 1024},
        {"kty": "RSA-HSM"},  # standard vault
        {"kty": "oct-HSM"},
        {"kty": "EC", "curveName": "P-999"},
        {"kty": "EC", "keySize": 2048},
        {"kty": "RSA", "keyOps": ["teleport"]},
        {"keySize": 2048},
    ]
    for props in bad:
        with pytest.raises(HttpResponseError) as exc:
            await client.keys.create_if_not_exist(RG, "kv-kty", "bad", {"properties": props})
        assert exc.value.status_code == 400, props
    await client.vaults.update(RG, "kv-kty", {"properties": {"sku": {"family": "A", "name": "premium"}}})
    hsm = await client.keys.create_if_not_exist(RG, "kv-kty", "hsm", {"properties": {"kty": "RSA-HSM"}})
    assert hsm.kty == "RSA-HSM"
    with pytest.raises(HttpResponseError):
        await client.keys.create_if_not_exist(RG, "kv-kty", "bad_name", {"properties": {"kty": "RSA"}})


async def test_key_attributes_rotation_policy_and_paging(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    await create(client, emu, "kv-attr", enableSoftDelete=True)
    policy = {"attributes": {"expiryTime": "P1Y"}, "lifetimeActions": [{"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "rotate"}}]}
    key = await client.keys.create_if_not_exist(
        RG, "kv-attr", "rot", {"properties": {"kty": "RSA", "attributes": {"enabled": False, "exp": 1893456000}, "rotationPolicy": policy}}
    )
    assert key.attributes.enabled is False and key.attributes.expires == 1893456000
    assert key.attributes.recovery_level == "Recoverable+Purgeable"
    assert key.rotation_policy.attributes.expiry_time == "P1Y"
    assert key.rotation_policy.lifetime_actions[0].action.type == "rotate"
    assert isinstance(key.rotation_policy.attributes.created, int)
    assert_roundtrip(m.Key, raw(emu, key.id))
    for n in ("k2", "k3"):
        await client.keys.create_if_not_exist(RG, "kv-attr", n, {"properties": {"kty": "RSA"}})
    names = [k.name async for k in client.keys.list(RG, "kv-attr")]
    assert names == ["rot", "k2", "k3"]
    assert any(r.path.endswith("/keys") and "skiptoken" in r.query for r in emu.request_log)


async def test_key_404s(emu: Emulator, sdk) -> None:
    client = sdk(KeyVaultManagementClient, emu)
    with pytest.raises(ResourceNotFoundError):
        await client.keys.create_if_not_exist(RG, "kv-missing", "k", {"properties": {"kty": "RSA"}})
    await create(client, emu, "kv-404")
    with pytest.raises(ResourceNotFoundError):
        await client.keys.get(RG, "kv-404", "nope")
    with pytest.raises(ResourceNotFoundError):
        await client.keys.get_version(RG, "kv-404", "nope", "0" * 32)
    with pytest.raises(ResourceNotFoundError):
        [v async for v in client.keys.list_versions(RG, "kv-404", "nope")]


async def test_seed_helpers_match_the_http_api(emu: Emulator, sdk) -> None:
    vault = kv.add_vault(emu.state, emu.subscription_id, RG, "kv-seeded", "East US", properties={"enablePurgeProtection": True})
    key = kv.add_key(emu.state, "kv-seeded", "cmk", key_size=3072)
    client = sdk(KeyVaultManagementClient, emu)
    got = await client.vaults.get(RG, "kv-seeded")
    assert got.location == "eastus" and got.properties.enable_purge_protection is True
    assert_roundtrip(m.Vault, vault.body)
    k = await client.keys.get(RG, "kv-seeded", "cmk")
    assert k.key_size == 3072 and k.key_uri_with_version == key.body["properties"]["keyUriWithVersion"]
    with pytest.raises(KeyError):
        kv.add_key(emu.state, "kv-nowhere", "cmk")
