"""Microsoft.ContainerRegistry in the emulator, driven by the real azure-mgmt-containerregistry async client.

Vaults, keys and identities some CMK tests need are seeded straight into state with the standard ARM shapes
(the rule under test is the registry's); one end-to-end test builds them with the real Key Vault and MSI SDKs.
"""

from __future__ import annotations

import ssl
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.core.rest import HttpRequest
from azure.mgmt.containerregistry import models as m
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient

from acrtui.emulator import Emulator, EmulatorConfig, hooks
from acrtui.emulator.arm import ROUTES, ArmError
from acrtui.emulator.seeds import add_group, add_subscription, grant

from .fidelity import assert_roundtrip

API = "2025-11-01"
RG = "rg-empty"
RTYPE = "Microsoft.ContainerRegistry/registries"


# ---------------------------------------------------------------- helpers


def client(
    sdk: Any, emu: Emulator, role: str = "owner", subscription: str | None = None
) -> ContainerRegistryManagementClient:
    return sdk(ContainerRegistryManagementClient, emu, role, subscription)  # type: ignore[no-any-return]


async def create(
    c: ContainerRegistryManagementClient, name: str, sku: str = "Premium", rg: str = RG, **extra: Any
) -> m.Registry:
    body: dict[str, Any] = {"location": "eastus", "sku": {"name": sku}, **extra}
    poller = await c.registries.begin_create(rg, name, body)
    return await poller.result()


async def code_of(coro: Any) -> str:
    """Run an SDK call that must fail with a plain HttpResponseError and return the ARM error code."""
    with pytest.raises(HttpResponseError) as ei:
        r = await coro
        if hasattr(r, "result"):
            await r.result()
    assert not isinstance(ei.value, ResourceNotFoundError | ResourceExistsError)
    assert ei.value.error is not None
    return str(ei.value.error.code)


async def raw(c: ContainerRegistryManagementClient, url: str) -> dict[str, Any]:
    """The body exactly as the emulator sent it (through the SDK's own pipeline)."""
    resp = await c.send_request(HttpRequest("GET", f"{url}{'&' if '?' in url else '?'}api-version={API}"))
    assert resp.status_code == 200, resp.text()
    return resp.json()  # type: ignore[no-any-return]


def reg_url(emu: Emulator, name: str, rg: str = RG) -> str:
    return f"/subscriptions/{emu.subscription_id}/resourceGroups/{rg}/providers/{RTYPE}/{name}"


def registry_props_fields() -> set[str]:
    return {rf._rest_name for rf in m.RegistryProperties._attr_to_rest_field.values()}  # type: ignore[attr-defined]


@contextmanager
def hooked(lst: list[Any], fn: Any) -> Iterator[None]:
    lst.append(fn)
    try:
        yield
    finally:
        lst.remove(fn)


# ----- Key Vault / MSI bodies seeded into state (standard ARM shapes)


def seed_identity(emu: Emulator, name: str) -> dict[str, str]:
    mid = f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    props = {"tenantId": emu.tenant_id, "principalId": str(uuid.uuid4()), "clientId": str(uuid.uuid4())}
    emu.state.put(
        mid,
        {
            "id": mid,
            "name": name,
            "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
            "location": "eastus",
            "tags": {},
            "properties": props,
        },
    )
    return {"id": mid, **props}


def policy(emu: Emulator, object_id: str, keys: list[str]) -> dict[str, Any]:
    return {
        "tenantId": emu.tenant_id,
        "objectId": object_id,
        "permissions": {"keys": keys, "secrets": [], "certificates": []},
    }


def seed_vault(
    emu: Emulator,
    name: str,
    *,
    rbac: bool = False,
    policies: list[dict[str, Any]] | None = None,
    acls: dict[str, Any] | None = None,
) -> dict[str, Any]:
    vid = (
        f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/{name}"
    )
    body = {
        "id": vid,
        "name": name,
        "type": "Microsoft.KeyVault/vaults",
        "location": "eastus",
        "tags": {},
        "properties": {
            "tenantId": emu.tenant_id,
            "sku": {"family": "A", "name": "standard"},
            "vaultUri": f"https://{name}.{emu.state.suffix('vault')}/",
            "accessPolicies": policies or [],
            "enableRbacAuthorization": rbac,
            "enableSoftDelete": True,
            "enablePurgeProtection": True,
            "networkAcls": acls
            or {
                "bypass": "AzureServices",
                "defaultAction": "Allow",
                "ipRules": [],
                "virtualNetworkRules": [],
            },
        },
    }
    emu.state.put(vid, body)
    return body


def seed_key(
    emu: Emulator,
    vault: dict[str, Any],
    name: str,
    *,
    kty: str = "RSA",
    enabled: bool = True,
    exp: int | None = None,
    versions: int = 2,
) -> dict[str, Any]:
    """A key with ``versions`` versions; returns {id, uri, versions: [uri...]} (newest last)."""
    kid = f"{vault['id']}/keys/{name}"
    uri = f"{vault['properties']['vaultUri'].rstrip('/')}/keys/{name}"
    version_uris = []
    for i in range(versions):
        v = uuid.uuid4().hex
        attrs: dict[str, Any] = {
            "enabled": enabled,
            "created": 1_700_000_000 + i,
            "updated": 1_700_000_000 + i,
        }
        if exp is not None:
            attrs["exp"] = exp
        vprops = {
            "kty": kty,
            "keySize": 2048,
            "attributes": attrs,
            "keyUri": uri,
            "keyUriWithVersion": f"{uri}/{v}",
        }
        emu.state.put(
            f"{kid}/versions/{v}",
            {
                "id": f"{kid}/versions/{v}",
                "name": v,
                "type": "Microsoft.KeyVault/vaults/keys/versions",
                "properties": vprops,
            },
        )
        version_uris.append(f"{uri}/{v}")
    kattrs: dict[str, Any] = {"enabled": enabled, "created": 1_700_000_000}
    if exp is not None:
        kattrs["exp"] = exp
    kprops = {
        "kty": kty,
        "keySize": 2048,
        "attributes": kattrs,
        "keyUri": uri,
        "keyUriWithVersion": version_uris[-1],
    }
    emu.state.put(
        kid, {"id": kid, "name": name, "type": "Microsoft.KeyVault/vaults/keys", "properties": kprops}
    )
    return {"id": kid, "uri": uri, "versions": version_uris}


def cmk_setup(
    emu: Emulator, *, perms: list[str] | None = None, **vault_kw: Any
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    ident = seed_identity(emu, "id-acr-cmk")
    pols = [
        policy(emu, ident["principalId"], perms if perms is not None else ["get", "wrapKey", "unwrapKey"])
    ]
    vault = seed_vault(emu, "kv-acr-cmk", policies=pols, **vault_kw)
    key = seed_key(emu, vault, "acr-key")
    return ident, vault, key


def cmk_body(ident: dict[str, str], key_identifier: str, identity_value: str | None = None) -> dict[str, Any]:
    return {
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {ident["id"]: {}}},
        "properties": {
            "encryption": {
                "status": "enabled",
                "keyVaultProperties": {
                    "keyIdentifier": key_identifier,
                    "identity": identity_value or ident["clientId"],
                },
            }
        },
    }


class BogusCredential:
    """A credential whose token the emulator never issued (the SDK then sends an invalid bearer)."""

    async def get_token(self, *scopes: str, **kw: Any) -> AccessToken:
        return AccessToken("not-a-token", int(time.time()) + 3600)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> BogusCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


# ---------------------------------------------------------------- create, get, list, fidelity


async def test_create_registry_defaults_and_fidelity(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    r = await create(c, "MyRegistry01", sku="Basic")
    assert r.login_server == "myregistry01.azurecr.io"
    assert r.provisioning_state == "Succeeded"
    assert r.sku.name == "Basic" and r.sku.tier == "Basic"
    assert r.admin_user_enabled is False
    assert r.public_network_access == "Enabled"
    assert r.network_rule_set.default_action == "Allow" and r.network_rule_set.ip_rules == []
    assert r.network_rule_bypass_options == "AzureServices"
    assert r.data_endpoint_enabled is False and r.data_endpoint_host_names == []
    assert r.encryption.status == "disabled"
    assert r.private_endpoint_connections == []
    assert r.anonymous_pull_enabled is False
    assert r.zone_redundancy == "Disabled"
    assert r.policies.trust_policy.status == "disabled" and r.policies.export_policy.status == "enabled"
    assert r.policies.azure_ad_authentication_as_arm_policy.status == "enabled"
    assert r.creation_date is not None
    body = await raw(c, reg_url(emu, "MyRegistry01"))
    assert_roundtrip(m.Registry, body)
    # both ways: every property the 2025-11-01 model has is sent (``status`` is optional), nothing it lacks
    assert set(body["properties"]) == registry_props_fields() - {"status"}
    assert set(body["properties"]["policies"]) == {
        rf._rest_name for rf in m.Policies._attr_to_rest_field.values()
    }  # type: ignore[attr-defined]


async def test_get_missing_registry_and_group(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    with pytest.raises(ResourceNotFoundError) as ei:
        await c.registries.get(RG, "nosuchregistry")
    assert ei.value.error.code == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError) as ei:
        await c.registries.get("rg-nope", "nosuchregistry")
    assert ei.value.error.code == "ResourceGroupNotFound"


async def test_list_by_subscription_and_group_paged_with_fidelity(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    add_group(emu.state, emu.subscription_id, "rg-other", "westus2")
    for n in ("regalpha1", "regbeta22", "reggamma3"):
        await create(c, n, sku="Standard")
    await create(c, "regdelta4", sku="Basic", rg="rg-other")
    by_sub = sorted([r.name async for r in c.registries.list()])
    by_rg = sorted([r.name async for r in c.registries.list_by_resource_group(RG)])
    assert by_sub == ["regalpha1", "regbeta22", "regdelta4", "reggamma3"]
    assert by_rg == ["regalpha1", "regbeta22", "reggamma3"]
    first = await raw(c, f"/subscriptions/{emu.subscription_id}/providers/{RTYPE}")
    assert set(first) == {"value", "nextLink"} and len(first["value"]) == 2
    for item in first["value"]:
        assert_roundtrip(m.Registry, item)
    with pytest.raises(ResourceNotFoundError):
        [r async for r in c.registries.list_by_resource_group("rg-nope")]


async def test_login_server_follows_cloud(sdk: Any) -> None:
    async with Emulator("empty", cloud="AzureUSGovernment", config=EmulatorConfig(page_size=2)) as gov:
        c = client(sdk, gov)
        r = await create(c, "govregistry", properties={"dataEndpointEnabled": True})
        assert r.login_server == "govregistry.azurecr.us"
        assert r.data_endpoint_host_names == ["govregistry.eastus.data.azurecr.us"]
        plr = await c.registries.get_private_link_resource(RG, "govregistry", "registry")
        assert plr.properties.required_zone_names == ["privatelink.azurecr.us"]


async def test_put_on_existing_updates_and_keeps_read_only(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    first = await create(c, "putregistry", sku="Standard")
    second = await create(
        c, "putregistry", sku="Premium", properties={"adminUserEnabled": True}, tags={"env": "prod"}
    )
    assert (
        second.sku.name == "Premium" and second.admin_user_enabled is True and second.tags == {"env": "prod"}
    )
    assert second.creation_date == first.creation_date and second.login_server == first.login_server
    assert (
        await code_of(
            c.registries.begin_create(RG, "putregistry", {"location": "westus2", "sku": {"name": "Premium"}})
        )
        == "InvalidResourceLocation"
    )


# ---------------------------------------------------------------- names


@pytest.mark.parametrize("name", ["abcd", "a" * 51, "my-registry", "my_registry", "regístry1"])
async def test_invalid_name_refused(emu: Emulator, sdk: Any, name: str) -> None:
    c = client(sdk, emu)
    assert (
        await code_of(c.registries.begin_create(RG, name, {"location": "eastus", "sku": {"name": "Basic"}}))
        == "InvalidResourceName"
    )
    status = await c.registries.check_name_availability({"name": name, "type": RTYPE})
    assert status.name_available is False and status.reason == "Invalid"


async def test_name_unique_across_subscriptions_and_tenants(emu: Emulator, sdk: Any) -> None:
    other = add_subscription(emu.state, "other", "acrtui-other")
    add_group(emu.state, other, RG, "westus2")
    await create(client(sdk, emu, subscription=other), "SharedName1", sku="Basic")
    c = client(sdk, emu)
    status = await c.registries.check_name_availability(
        m.RegistryNameCheckRequest(name="sharedname1", type=RTYPE)
    )
    assert (status.name_available, status.reason) == (False, "AlreadyExists")
    assert "sharedname1" in status.message
    with pytest.raises(ResourceExistsError) as ei:
        await create(c, "sharedNAME1", sku="Basic")
    assert ei.value.error.code == "AlreadyInUse"
    assert "sharedname1.azurecr.io is already in use" in ei.value.error.message
    emu.state.globally_taken["registries"] = {"contoso"}
    assert (
        await c.registries.check_name_availability({"name": "Contoso", "type": RTYPE})
    ).name_available is False
    with pytest.raises(ResourceExistsError):
        await create(c, "contoso", sku="Basic")
    free = await c.registries.check_name_availability({"name": "freename1", "type": RTYPE})
    assert free.name_available is True and free.reason is None


async def test_check_name_fidelity_and_reader_may_call(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu, "reader")
    url = f"/subscriptions/{emu.subscription_id}/providers/Microsoft.ContainerRegistry/checkNameAvailability?api-version={API}"
    for name in ("freename1", "x"):
        resp = await c.send_request(HttpRequest("POST", url, json={"name": name, "type": RTYPE}))
        assert resp.status_code == 200
        assert_roundtrip(m.RegistryNameStatus, resp.json())
    assert (
        await c.registries.check_name_availability({"name": "freename1", "type": RTYPE})
    ).name_available is True


# ---------------------------------------------------------------- update


async def test_patch_network_rules_replaced_policies_merged(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(
        c,
        "patchregistry",
        properties={
            "networkRuleSet": {
                "defaultAction": "Deny",
                "ipRules": [{"action": "Allow", "value": "10.0.0.0/24"}],
            }
        },
    )
    upd = {
        "tags": {"a": "b"},
        "properties": {
            "adminUserEnabled": True,
            "networkRuleSet": {"defaultAction": "Deny"},
            "policies": {"retentionPolicy": {"status": "enabled"}},
        },
    }
    r = await (await c.registries.begin_update(RG, "patchregistry", upd)).result()
    assert r.admin_user_enabled is True and r.tags == {"a": "b"}
    assert r.network_rule_set.default_action == "Deny" and r.network_rule_set.ip_rules == []  # replaced whole
    assert r.policies.retention_policy.status == "enabled" and r.policies.retention_policy.days == 7  # merged
    assert r.policies.trust_policy.type == "Notary" and r.policies.export_policy.status == "enabled"
    assert r.provisioning_state == "Succeeded"
    r2 = await (
        await c.registries.begin_update(
            RG, "patchregistry", m.RegistryUpdateParameters(anonymous_pull_enabled=True)
        )
    ).result()
    assert r2.anonymous_pull_enabled is True and r2.admin_user_enabled is True and r2.tags == {"a": "b"}
    assert_roundtrip(m.Registry, await raw(c, reg_url(emu, "patchregistry")))
    with pytest.raises(ResourceNotFoundError):
        await c.registries.begin_update(RG, "nosuchregistry", {"tags": {}})


async def test_before_write_hook_sees_and_can_refuse_writes(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    seen: list[tuple[str, dict[str, Any]]] = []

    def deny_admin(ctx: Any, rid: str, body: dict[str, Any]) -> None:
        seen.append((rid, body))
        if body.get("properties", {}).get("adminUserEnabled"):
            raise ArmError(403, "RequestDisallowedByPolicy", "Resource was disallowed by policy.")

    with hooked(hooks.BEFORE_WRITE, deny_admin):
        await create(c, "hookregistry", sku="Basic")
        assert seen[-1][0].lower() == reg_url(emu, "hookregistry").lower()
        with pytest.raises(HttpResponseError) as ei:
            await c.registries.begin_update(RG, "hookregistry", {"properties": {"adminUserEnabled": True}})
        assert ei.value.status_code == 403 and ei.value.error.code == "RequestDisallowedByPolicy"
    assert (await c.registries.get(RG, "hookregistry")).admin_user_enabled is False


# ---------------------------------------------------------------- delete


async def test_delete_registry_calls_hook_and_frees_name(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "delregistry", sku="Basic")
    gone: list[str] = []
    with hooked(hooks.REGISTRY_DELETED, lambda ctx, res: gone.append(res.id)):
        await (await c.registries.begin_delete(RG, "delregistry")).result()
    assert [g.lower() for g in gone] == [reg_url(emu, "delregistry").lower()]
    with pytest.raises(ResourceNotFoundError):
        await c.registries.get(RG, "delregistry")
    assert (
        await c.registries.check_name_availability({"name": "delregistry", "type": RTYPE})
    ).name_available is True
    await (await c.registries.begin_delete(RG, "delregistry")).result()  # 204: already gone


# ---------------------------------------------------------------- RBAC and authentication


async def test_reader_cannot_write(emu: Emulator, sdk: Any) -> None:
    await create(client(sdk, emu), "rbacregistry", sku="Basic")
    rd = client(sdk, emu, "reader")
    assert (await rd.registries.get(RG, "rbacregistry")).name == "rbacregistry"
    scope = reg_url(emu, "rbacregistry")
    calls = [
        (
            "Microsoft.ContainerRegistry/registries/write",
            rd.registries.begin_create(RG, "rbacregistry", {"location": "eastus", "sku": {"name": "Basic"}}),
        ),
        (
            "Microsoft.ContainerRegistry/registries/write",
            rd.registries.begin_update(RG, "rbacregistry", {"tags": {"x": "y"}}),
        ),
        ("Microsoft.ContainerRegistry/registries/delete", rd.registries.begin_delete(RG, "rbacregistry")),
        (
            "Microsoft.ContainerRegistry/registries/listCredentials/action",
            rd.registries.list_credentials(RG, "rbacregistry"),
        ),
    ]
    for action, call in calls:
        with pytest.raises(HttpResponseError) as ei:
            await call
        assert ei.value.status_code == 403 and ei.value.error.code == "AuthorizationFailed"
        assert f"'{action}'" in ei.value.error.message and f"'{scope}'" in ei.value.error.message
    assert (await client(sdk, emu).registries.get(RG, "rbacregistry")).tags == {}


async def test_request_without_valid_token_refused(emu: Emulator) -> None:
    async with ContainerRegistryManagementClient(
        BogusCredential(),
        emu.subscription_id,
        base_url=emu.url,
        connection_verify=str(emu.ca_path),  # type: ignore[arg-type]
    ) as c:
        with pytest.raises(ClientAuthenticationError):
            await c.registries.get(RG, "anyregistry")
        with pytest.raises(ClientAuthenticationError):
            await c.registries.begin_create(
                RG, "anyregistry", {"location": "eastus", "sku": {"name": "Basic"}}
            )
    # no Authorization header at all (plain TLS client that trusts the emulator's CA)
    tls = ssl.create_default_context(cafile=str(emu.ca_path))
    url = f"{emu.url}{reg_url(emu, 'anyregistry')}?api-version={API}"
    async with aiohttp.ClientSession() as s, s.get(url, ssl=tls) as r:
        assert r.status == 401
        assert (await r.json())["error"]["code"] == "AuthenticationFailed"
    assert emu.state.get(reg_url(emu, "anyregistry")) is None


# ---------------------------------------------------------------- admin credentials and usages


async def test_list_credentials_needs_admin_user(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "credregistry", sku="Basic")
    assert await code_of(c.registries.list_credentials(RG, "credregistry")) == "AdminUserDisabled"
    await (
        await c.registries.begin_update(RG, "credregistry", {"properties": {"adminUserEnabled": True}})
    ).result()
    creds = await c.registries.list_credentials(RG, "credregistry")
    assert creds.username == "credregistry"
    assert [p.name for p in creds.passwords] == ["password", "password2"]
    assert creds.passwords[0].value and creds.passwords[0].value != creds.passwords[1].value
    resp = await c.send_request(
        HttpRequest("POST", f"{reg_url(emu, 'credregistry')}/listCredentials?api-version={API}")
    )
    assert_roundtrip(m.RegistryListCredentialsResult, resp.json())
    assert resp.json()["passwords"] == [p.as_dict() for p in creds.passwords]  # stable between calls


async def test_list_usages(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "usageregistry", sku="Standard")
    usages = await c.registries.list_usages(RG, "usageregistry")
    assert {u.name for u in usages.value} >= {"Size", "Webhooks"}
    assert_roundtrip(m.RegistryUsageListResult, await raw(c, f"{reg_url(emu, 'usageregistry')}/listUsages"))


# ---------------------------------------------------------------- Premium-only settings


PREMIUM_ONLY = [
    ({"publicNetworkAccess": "Disabled"}, "DisablingPublicNetworkAccessNotSupported"),
    ({"networkRuleSet": {"defaultAction": "Deny"}}, "NetworkRuleSetNotSupported"),
    (
        {"networkRuleSet": {"defaultAction": "Allow", "ipRules": [{"action": "Allow", "value": "1.2.3.4"}]}},
        "NetworkRuleSetNotSupported",
    ),
    ({"dataEndpointEnabled": True}, "DataEndpointNotSupported"),
    ({"zoneRedundancy": "Enabled"}, "ZoneRedundancyNotSupported"),
    (
        {
            "encryption": {
                "status": "enabled",
                "keyVaultProperties": {"keyIdentifier": "https://kv.vault.azure.net/keys/k", "identity": "x"},
            }
        },
        "EncryptionNotSupported",
    ),
    ({"policies": {"trustPolicy": {"type": "Notary", "status": "enabled"}}}, "ContentTrustNotSupported"),
]


@pytest.mark.parametrize("sku", ["Basic", "Standard"])
@pytest.mark.parametrize(("props", "code"), PREMIUM_ONLY)
async def test_premium_only_settings_refused_at_create(
    emu: Emulator, sdk: Any, sku: str, props: dict[str, Any], code: str
) -> None:
    c = client(sdk, emu)
    assert (
        await code_of(
            c.registries.begin_create(
                RG, "lowregistry", {"location": "eastus", "sku": {"name": sku}, "properties": props}
            )
        )
        == code
    )
    with pytest.raises(ResourceNotFoundError):
        await c.registries.get(RG, "lowregistry")
    premium = await create(
        c, "premregistry", properties={k: v for k, v in props.items() if k != "encryption"}
    )
    assert premium.sku.name == "Premium"
    await (await c.registries.begin_delete(RG, "premregistry")).result()


async def test_premium_only_settings_refused_on_patch_and_downgrade(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "stdregistry", sku="Standard")
    assert (
        await code_of(
            c.registries.begin_update(RG, "stdregistry", {"properties": {"publicNetworkAccess": "Disabled"}})
        )
        == "DisablingPublicNetworkAccessNotSupported"
    )
    assert (
        await code_of(
            c.registries.begin_update(RG, "stdregistry", {"properties": {"dataEndpointEnabled": True}})
        )
        == "DataEndpointNotSupported"
    )
    await create(c, "bigregistry", properties={"dataEndpointEnabled": True})
    assert (
        await code_of(c.registries.begin_update(RG, "bigregistry", {"sku": {"name": "Standard"}}))
        == "DataEndpointNotSupported"
    )
    await (
        await c.registries.begin_update(RG, "bigregistry", {"properties": {"dataEndpointEnabled": False}})
    ).result()
    await (await c.replications.begin_create(RG, "bigregistry", "westus2", {"location": "westus2"})).result()
    assert (
        await code_of(c.registries.begin_update(RG, "bigregistry", {"sku": {"name": "Standard"}}))
        == "ReplicationNotSupported"
    )
    assert (await c.registries.get(RG, "bigregistry")).sku.name == "Premium"


async def test_ip_rules_ipv4_only(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    bad = {
        "networkRuleSet": {
            "defaultAction": "Deny",
            "ipRules": [{"action": "Allow", "value": "2001:db8::/32"}],
        }
    }
    assert (
        await code_of(
            c.registries.begin_create(
                RG, "ipregistry", {"location": "eastus", "sku": {"name": "Premium"}, "properties": bad}
            )
        )
        == "InvalidIpRule"
    )
    many = {
        "networkRuleSet": {
            "defaultAction": "Deny",
            "ipRules": [{"action": "Allow", "value": f"10.0.{i // 250}.{i % 250}"} for i in range(201)],
        }
    }
    assert (
        await code_of(
            c.registries.begin_create(
                RG, "ipregistry", {"location": "eastus", "sku": {"name": "Premium"}, "properties": many}
            )
        )
        == "TooManyIpRules"
    )
    ok = await create(
        c,
        "ipregistry",
        properties={
            "networkRuleSet": {
                "defaultAction": "Deny",
                "ipRules": [{"action": "Allow", "value": "203.0.113.7"}],
            }
        },
    )
    assert ok.network_rule_set.ip_rules[0].ip_address_or_range == "203.0.113.7"


async def test_export_disable_requires_public_access_disabled(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "expregistry")
    no_export = {"policies": {"exportPolicy": {"status": "disabled"}}}
    assert (
        await code_of(c.registries.begin_update(RG, "expregistry", {"properties": no_export}))
        == "ExportPolicyRequiresPublicNetworkAccessDisabled"
    )
    r = await (
        await c.registries.begin_update(
            RG, "expregistry", {"properties": {**no_export, "publicNetworkAccess": "Disabled"}}
        )
    ).result()
    assert r.policies.export_policy.status == "disabled" and r.public_network_access == "Disabled"
    # turning public access back on while exports stay disabled is refused too
    assert (
        await code_of(
            c.registries.begin_update(RG, "expregistry", {"properties": {"publicNetworkAccess": "Enabled"}})
        )
        == "ExportPolicyRequiresPublicNetworkAccessDisabled"
    )


# ---------------------------------------------------------------- identity


async def test_identities_filled_in(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident = seed_identity(emu, "id-acr")
    r = await create(
        c,
        "idregistry",
        identity={"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {ident["id"]: {}}},
    )
    assert r.identity.type == "SystemAssigned, UserAssigned"
    assert r.identity.tenant_id == emu.tenant_id and uuid.UUID(r.identity.principal_id)
    uai = next(iter(r.identity.user_assigned_identities.values()))
    assert (uai.principal_id, uai.client_id) == (ident["principalId"], ident["clientId"])
    r2 = await (
        await c.registries.begin_update(
            RG,
            "idregistry",
            {"identity": {"type": "SystemAssigned", "userAssignedIdentities": {ident["id"]: None}}},
        )
    ).result()
    assert r2.identity.type == "SystemAssigned" and r2.identity.principal_id == r.identity.principal_id
    assert not r2.identity.user_assigned_identities
    missing = ident["id"].replace("id-acr", "id-missing")
    assert (
        await code_of(
            c.registries.begin_create(
                RG,
                "idregistry2",
                {
                    "location": "eastus",
                    "sku": {"name": "Basic"},
                    "identity": {"type": "UserAssigned", "userAssignedIdentities": {missing: {}}},
                },
            )
        )
        == "FailedIdentityOperation"
    )


# ---------------------------------------------------------------- customer-managed keys


async def test_cmk_versionless_key_enables_rotation(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident, _vault, key = cmk_setup(emu)
    r = await create(c, "cmkregistry", **cmk_body(ident, key["uri"]))
    kvp = r.encryption.key_vault_properties
    assert r.encryption.status == "enabled"
    assert kvp.key_identifier == key["uri"] and kvp.identity == ident["clientId"]
    assert kvp.key_rotation_enabled is True
    assert kvp.versioned_key_identifier == key["versions"][-1]
    assert kvp.last_key_rotation_timestamp is not None
    assert_roundtrip(m.Registry, await raw(c, reg_url(emu, "cmkregistry")))


async def test_cmk_versioned_key_is_pinned(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident, _vault, key = cmk_setup(emu)
    r = await create(c, "cmkpinned1", **cmk_body(ident, key["versions"][0]))
    assert r.encryption.key_vault_properties.key_rotation_enabled is False
    assert r.encryption.key_vault_properties.versioned_key_identifier == key["versions"][0]
    assert (
        await code_of(
            c.registries.begin_create(
                RG,
                "cmkpinned2",
                {
                    "location": "eastus",
                    "sku": {"name": "Premium"},
                    **cmk_body(ident, key["uri"] + "/" + "0" * 32),
                },
            )
        )
        == "InvalidKeyVaultKey"
    )


async def test_cmk_identity_must_be_user_assigned_on_registry(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident, _vault, key = cmk_setup(emu)
    base = {"location": "eastus", "sku": {"name": "Premium"}}
    not_attached = cmk_body(ident, key["uri"])
    not_attached["identity"] = {"type": "SystemAssigned"}
    assert (
        await code_of(c.registries.begin_create(RG, "cmkident1", {**base, **not_attached}))
        == "InvalidIdentity"
    )
    system = cmk_body(ident, key["uri"], identity_value="system")
    system["identity"] = {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {ident["id"]: {}}}
    assert await code_of(c.registries.begin_create(RG, "cmkident1", {**base, **system})) == "InvalidIdentity"


@pytest.mark.parametrize(
    ("key_kw", "code"),
    [
        ({"kty": "EC"}, "InvalidKeyVaultKey"),
        ({"kty": "EC-HSM"}, "InvalidKeyVaultKey"),
        ({"enabled": False}, "InvalidKeyVaultKey"),
        ({"exp": 1_600_000_000}, "InvalidKeyVaultKey"),
    ],
)
async def test_cmk_key_must_be_enabled_rsa(
    emu: Emulator, sdk: Any, key_kw: dict[str, Any], code: str
) -> None:
    c = client(sdk, emu)
    ident, vault, _ = cmk_setup(emu)
    bad = seed_key(emu, vault, "badkey", **key_kw)
    assert (
        await code_of(
            c.registries.begin_create(
                RG,
                "cmkbadkey",
                {"location": "eastus", "sku": {"name": "Premium"}, **cmk_body(ident, bad["uri"])},
            )
        )
        == code
    )


async def test_cmk_rsa_hsm_accepted_and_missing_key_refused(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident, vault, _ = cmk_setup(emu)
    hsm = seed_key(emu, vault, "hsmkey", kty="RSA-HSM")
    assert (await create(c, "cmkhsmkey1", **cmk_body(ident, hsm["uri"]))).encryption.status == "enabled"
    missing = f"{vault['properties']['vaultUri']}keys/nokey"
    assert (
        await code_of(
            c.registries.begin_create(
                RG,
                "cmknokey01",
                {"location": "eastus", "sku": {"name": "Premium"}, **cmk_body(ident, missing)},
            )
        )
        == "InvalidKeyVaultKey"
    )


@pytest.mark.parametrize("perms", [[], ["get"], ["get", "wrapKey"], ["wrapKey", "unwrapKey"]])
async def test_cmk_access_policy_must_grant_get_wrap_unwrap(
    emu: Emulator, sdk: Any, perms: list[str]
) -> None:
    c = client(sdk, emu)
    ident, _vault, key = cmk_setup(emu, perms=perms)
    with pytest.raises(HttpResponseError) as ei:
        await c.registries.begin_create(
            RG,
            "cmkaccess1",
            {"location": "eastus", "sku": {"name": "Premium"}, **cmk_body(ident, key["uri"])},
        )
    assert ei.value.error.code == "KeyVaultAccessForbidden"
    assert "'Get, Wrap Key, Unwrap Key'" in ei.value.error.message


async def test_cmk_access_policy_with_all_and_mixed_case(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident, _vault, key = cmk_setup(emu, perms=["Get", "WrapKey", "UnwrapKey"])
    assert (await create(c, "cmkcase001", **cmk_body(ident, key["uri"]))).encryption.status == "enabled"


async def test_cmk_rbac_vault_needs_crypto_service_encryption_user(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident = seed_identity(emu, "id-rbac")
    vault = seed_vault(
        emu, "kv-rbac", rbac=True, policies=[policy(emu, "unused", ["get", "wrapKey", "unwrapKey"])]
    )
    key = seed_key(emu, vault, "rbackey")
    body = {"location": "eastus", "sku": {"name": "Premium"}, **cmk_body(ident, key["uri"])}
    assert await code_of(c.registries.begin_create(RG, "cmkrbac001", body)) == "KeyVaultAccessForbidden"
    grant(emu.state, vault["id"], "Reader", ident["principalId"])  # control-plane read is not key access
    assert await code_of(c.registries.begin_create(RG, "cmkrbac001", body)) == "KeyVaultAccessForbidden"
    grant(emu.state, key["id"], "Key Vault Crypto Service Encryption User", ident["principalId"])
    assert (await create(c, "cmkrbac001", **cmk_body(ident, key["uri"]))).encryption.status == "enabled"


async def test_cmk_firewalled_vault_needs_trusted_services_bypass(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident, vault, key = cmk_setup(
        emu, acls={"bypass": "None", "defaultAction": "Deny", "ipRules": [], "virtualNetworkRules": []}
    )
    body = {"location": "eastus", "sku": {"name": "Premium"}, **cmk_body(ident, key["uri"])}
    assert await code_of(c.registries.begin_create(RG, "cmkfirewall", body)) == "KeyVaultAccessForbidden"
    vault["properties"]["networkAcls"]["bypass"] = "AzureServices"
    assert (await create(c, "cmkfirewall", **cmk_body(ident, key["uri"]))).encryption.status == "enabled"


async def test_cmk_only_at_creation_and_never_disabled(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident, _vault, key = cmk_setup(emu)
    await create(
        c, "plainregistry", identity={"type": "UserAssigned", "userAssignedIdentities": {ident["id"]: {}}}
    )
    enable = {"properties": cmk_body(ident, key["uri"])["properties"]}
    assert (
        await code_of(c.registries.begin_update(RG, "plainregistry", enable))
        == "CannotEnableEncryptionOnExistingRegistry"
    )
    assert (
        await code_of(
            c.registries.begin_update(
                RG,
                "plainregistry",
                {"properties": {"encryption": {"keyVaultProperties": {"keyIdentifier": key["uri"]}}}},
            )
        )
        == "CannotEnableEncryptionOnExistingRegistry"
    )
    put_again = {"location": "eastus", "sku": {"name": "Premium"}, **cmk_body(ident, key["uri"])}
    assert (
        await code_of(c.registries.begin_create(RG, "plainregistry", put_again))
        == "CannotEnableEncryptionOnExistingRegistry"
    )
    await create(c, "cmkforever", **cmk_body(ident, key["uri"]))
    assert (
        await code_of(
            c.registries.begin_update(
                RG, "cmkforever", {"properties": {"encryption": {"status": "disabled"}}}
            )
        )
        == "CannotDisableEncryption"
    )
    # an unrelated PATCH and a PUT without encryption keep CMK as it is
    r = await (await c.registries.begin_update(RG, "cmkforever", {"tags": {"k": "v"}})).result()
    assert r.encryption.status == "enabled" and r.encryption.key_vault_properties.key_identifier == key["uri"]
    r = await create(
        c, "cmkforever", identity={"type": "UserAssigned", "userAssignedIdentities": {ident["id"]: {}}}
    )
    assert r.encryption.status == "enabled"


async def test_cmk_rotation_by_patch(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident, vault, key = cmk_setup(emu)
    first = await create(c, "cmkrotate1", **cmk_body(ident, key["versions"][0]))
    key2 = seed_key(emu, vault, "acr-key-2", versions=1)
    rot = {"properties": {"encryption": {"keyVaultProperties": {"keyIdentifier": key2["uri"]}}}}
    r = await (await c.registries.begin_update(RG, "cmkrotate1", rot)).result()
    kvp = r.encryption.key_vault_properties
    assert kvp.key_identifier == key2["uri"] and kvp.versioned_key_identifier == key2["versions"][-1]
    assert kvp.key_rotation_enabled is True and kvp.identity == ident["clientId"]
    assert (
        kvp.last_key_rotation_timestamp >= first.encryption.key_vault_properties.last_key_rotation_timestamp
    )
    # rotating to a key in a vault the identity cannot use is refused, the registry keeps its key
    other = seed_vault(emu, "kv-noaccess")
    key3 = seed_key(emu, other, "k3")
    assert (
        await code_of(
            c.registries.begin_update(
                RG,
                "cmkrotate1",
                {"properties": {"encryption": {"keyVaultProperties": {"keyIdentifier": key3["uri"]}}}},
            )
        )
        == "KeyVaultAccessForbidden"
    )
    assert (await c.registries.get(RG, "cmkrotate1")).encryption.key_vault_properties.key_identifier == key2[
        "uri"
    ]


async def test_cmk_rotation_to_system_identity(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident, vault, key = cmk_setup(emu)
    await create(c, "cmksystem1", **cmk_body(ident, key["uri"]))
    to_system = {"properties": {"encryption": {"keyVaultProperties": {"identity": "system"}}}}
    assert (
        await code_of(c.registries.begin_update(RG, "cmksystem1", to_system)) == "InvalidIdentity"
    )  # no system identity yet
    r = await (
        await c.registries.begin_update(
            RG, "cmksystem1", {"identity": {"type": "SystemAssigned, UserAssigned"}}
        )
    ).result()
    assert await code_of(c.registries.begin_update(RG, "cmksystem1", to_system)) == "KeyVaultAccessForbidden"
    vault["properties"]["accessPolicies"].append(
        policy(emu, r.identity.principal_id, ["get", "wrapKey", "unwrapKey"])
    )
    r = await (await c.registries.begin_update(RG, "cmksystem1", to_system)).result()
    assert r.encryption.key_vault_properties.identity == "system"


async def test_content_trust_blocked_on_cmk(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident, _vault, key = cmk_setup(emu)
    await create(c, "cmktrust01", **cmk_body(ident, key["uri"]))
    trust = {"properties": {"policies": {"trustPolicy": {"type": "Notary", "status": "enabled"}}}}
    assert (
        await code_of(c.registries.begin_update(RG, "cmktrust01", trust))
        == "BlockedForEncryptionEnabledRegistry"
    )
    await create(
        c, "trustplain1", properties={"policies": {"trustPolicy": {"type": "Notary", "status": "enabled"}}}
    )


async def test_cmk_end_to_end_with_keyvault_and_msi_sdks(emu: Emulator, sdk: Any) -> None:
    """Identity and vault made through their own SDKs, then a CMK registry over them."""
    templates = [r.template.lower() for r in ROUTES]
    if not any("microsoft.keyvault/vaults" in t for t in templates) or not any(
        "microsoft.managedidentity/userassignedidentities" in t for t in templates
    ):
        pytest.skip("Key Vault / MSI providers are still placeholders (written by another helper)")
    from azure.mgmt.keyvault.aio import KeyVaultManagementClient
    from azure.mgmt.msi.aio import ManagedServiceIdentityClient

    msi = sdk(ManagedServiceIdentityClient, emu)
    kv = sdk(KeyVaultManagementClient, emu)
    ident = await msi.user_assigned_identities.create_or_update(RG, "id-e2e", {"location": "eastus"})
    access = {
        "tenantId": emu.tenant_id,
        "objectId": ident.principal_id,
        "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]},
    }
    sku = {"family": "A", "name": "standard"}
    c = client(sdk, emu)

    async def cmk_registry(name: str, key: Any) -> Any:
        return await c.registries.begin_create(
            RG,
            name,
            {
                "location": "eastus",
                "sku": {"name": "Premium"},
                "identity": {"type": "UserAssigned", "userAssignedIdentities": {ident.id: {}}},
                "properties": {
                    "encryption": {
                        "status": "enabled",
                        "keyVaultProperties": {
                            "keyIdentifier": key.properties.key_uri,
                            "identity": ident.client_id,
                        },
                    }
                },
            },
        )

    # access-policy vault (RBAC explicitly off: newer Key Vault API versions default to RBAC)
    policy_vault = {
        "location": "eastus",
        "properties": {
            "tenantId": emu.tenant_id,
            "sku": sku,
            "accessPolicies": [access],
            "enableRbacAuthorization": False,
            "enablePurgeProtection": True,
        },
    }
    await (await kv.vaults.begin_create_or_update(RG, "kv-e2e-acr", policy_vault)).result()
    key = await kv.keys.create_if_not_exist(
        RG, "kv-e2e-acr", "acr-key", {"properties": {"kty": "RSA", "keySize": 2048}}
    )
    r = await (await cmk_registry("cmke2eregistry", key)).result()
    assert r.encryption.status == "enabled"
    assert r.encryption.key_vault_properties.versioned_key_identifier == key.properties.key_uri_with_version
    assert r.encryption.key_vault_properties.key_rotation_enabled is True
    # RBAC vault: the access policy is ignored until the role is assigned (through the Authorization SDK)
    rbac_vault = {
        "location": "eastus",
        "properties": {
            "tenantId": emu.tenant_id,
            "sku": sku,
            "accessPolicies": [access],
            "enableRbacAuthorization": True,
        },
    }
    await (await kv.vaults.begin_create_or_update(RG, "kv-e2e-rbac", rbac_vault)).result()
    key2 = await kv.keys.create_if_not_exist(
        RG, "kv-e2e-rbac", "acr-key", {"properties": {"kty": "RSA", "keySize": 2048}}
    )
    assert await code_of(cmk_registry("cmke2erbac01", key2)) == "KeyVaultAccessForbidden"
    from azure.mgmt.authorization.aio import AuthorizationManagementClient

    auth = sdk(AuthorizationManagementClient, emu)
    scope = key2.id
    role = f"/subscriptions/{emu.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6"
    await auth.role_assignments.create(
        scope,
        str(uuid.uuid4()),
        {
            "properties": {
                "roleDefinitionId": role,
                "principalId": ident.principal_id,
                "principalType": "ServicePrincipal",
            }
        },
    )
    r2 = await (await cmk_registry("cmke2erbac01", key2)).result()
    assert r2.encryption.key_vault_properties.key_identifier == key2.properties.key_uri


# ---------------------------------------------------------------- data endpoints, replications, private link


async def test_replications_data_endpoints_and_private_link_members(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "GeoRegistry", properties={"dataEndpointEnabled": True})
    assert (await c.registries.get(RG, "GeoRegistry")).data_endpoint_host_names == [
        "georegistry.eastus.data.azurecr.io"
    ]
    repl = await (
        await c.replications.begin_create(
            RG, "GeoRegistry", "westeurope", m.Replication(location="westeurope")
        )
    ).result()
    assert (
        repl.provisioning_state == "Succeeded"
        and repl.region_endpoint_enabled is True
        and repl.location == "westeurope"
    )
    await (
        await c.replications.begin_create(
            RG, "GeoRegistry", "northeurope", {"location": "northeurope", "tags": {"t": "1"}}
        )
    ).result()
    await (
        await c.replications.begin_create(RG, "GeoRegistry", "japaneast", {"location": "japaneast"})
    ).result()
    hosts = (await c.registries.get(RG, "GeoRegistry")).data_endpoint_host_names
    assert hosts == [
        f"georegistry.{r}.data.azurecr.io" for r in ("eastus", "westeurope", "northeurope", "japaneast")
    ]
    plrs = [p async for p in c.registries.list_private_link_resources(RG, "GeoRegistry")]
    assert len(plrs) == 1 and plrs[0].properties.group_id == "registry"
    assert plrs[0].properties.required_members == ["registry"] + [
        f"registry_data_{r}" for r in ("eastus", "westeurope", "northeurope", "japaneast")
    ]
    assert plrs[0].properties.required_zone_names == ["privatelink.azurecr.io"]
    assert sorted([r.name async for r in c.replications.list(RG, "GeoRegistry")]) == [
        "japaneast",
        "northeurope",
        "westeurope",
    ]
    upd = await (
        await c.replications.begin_update(
            RG,
            "GeoRegistry",
            "westeurope",
            {"properties": {"regionEndpointEnabled": False}, "tags": {"x": "y"}},
        )
    ).result()
    assert upd.region_endpoint_enabled is False and upd.tags == {"x": "y"}
    await (await c.replications.begin_delete(RG, "GeoRegistry", "northeurope")).result()
    with pytest.raises(ResourceNotFoundError):
        await c.replications.get(RG, "GeoRegistry", "northeurope")
    hosts = (await c.registries.get(RG, "GeoRegistry")).data_endpoint_host_names
    assert hosts == [
        "georegistry.eastus.data.azurecr.io",
        "georegistry.westeurope.data.azurecr.io",
        "georegistry.japaneast.data.azurecr.io",
    ]
    # fidelity: replication, replication list page, private link resource and its list
    base = reg_url(emu, "GeoRegistry")
    assert_roundtrip(m.Replication, await raw(c, f"{base}/replications/westeurope"))
    page1 = await raw(c, f"{base}/replications")
    assert set(page1) <= {"value", "nextLink"} and len(page1["value"]) == 2
    for item in page1["value"]:
        assert_roundtrip(m.Replication, item)
    assert_roundtrip(m.PrivateLinkResource, await raw(c, f"{base}/privateLinkResources/registry"))
    for item in (await raw(c, f"{base}/privateLinkResources"))["value"]:
        assert_roundtrip(m.PrivateLinkResource, item)
    with pytest.raises(ResourceNotFoundError):
        await c.registries.get_private_link_resource(RG, "GeoRegistry", "blob")


async def test_data_endpoints_toggle(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "toggleregistry")
    await (
        await c.replications.begin_create(RG, "toggleregistry", "westus2", {"location": "westus2"})
    ).result()
    assert (await c.registries.get(RG, "toggleregistry")).data_endpoint_host_names == []
    r = await (
        await c.registries.begin_update(RG, "toggleregistry", {"properties": {"dataEndpointEnabled": True}})
    ).result()
    assert r.data_endpoint_host_names == [
        "toggleregistry.eastus.data.azurecr.io",
        "toggleregistry.westus2.data.azurecr.io",
    ]
    r = await (
        await c.registries.begin_update(RG, "toggleregistry", {"properties": {"dataEndpointEnabled": False}})
    ).result()
    assert r.data_endpoint_host_names == []


async def test_replication_rules(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "stdrepl01", sku="Standard")
    assert (
        await code_of(c.replications.begin_create(RG, "stdrepl01", "westus2", {"location": "westus2"}))
        == "ReplicationNotSupported"
    )
    await create(c, "premrepl01")
    assert (
        await code_of(c.replications.begin_create(RG, "premrepl01", "eastus", {"location": "eastus"}))
        == "InvalidReplicationLocation"
    )
    await (await c.replications.begin_create(RG, "premrepl01", "westus2", {"location": "westus2"})).result()
    assert (
        await code_of(c.replications.begin_create(RG, "premrepl01", "westus2b", {"location": "westus2"}))
        == "InvalidReplicationLocation"
    )
    assert (
        await code_of(c.replications.begin_create(RG, "premrepl01", "westus2", {"location": "uksouth"}))
        == "InvalidReplicationLocation"
    )
    with pytest.raises(ResourceNotFoundError):
        await c.replications.begin_create(RG, "noregistry", "westus2", {"location": "westus2"})


async def test_replica_hook_runs_before_store_and_can_refuse(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "hookrepl01", properties={"dataEndpointEnabled": True})
    calls: list[tuple[str, str, int]] = []

    def full_subnet(ctx: Any, registry: Any, region: str) -> None:
        stored = len(ctx.state.of_type("Microsoft.ContainerRegistry/registries/replications", registry.id))
        calls.append((registry.body["name"], region, stored))
        if region == "uksouth":
            raise ArmError(400, "PrivateEndpointSubnetFull", "The subnet has no free address.")

    with hooked(hooks.REPLICA_ADDED, full_subnet):
        await (
            await c.replications.begin_create(RG, "hookrepl01", "westus2", {"location": "westus2"})
        ).result()
        assert (
            await code_of(c.replications.begin_create(RG, "hookrepl01", "uksouth", {"location": "uksouth"}))
            == "PrivateEndpointSubnetFull"
        )
        await (await c.replications.begin_update(RG, "hookrepl01", "westus2", {"tags": {"a": "b"}})).result()
    assert calls == [("hookrepl01", "westus2", 0), ("hookrepl01", "uksouth", 1)]
    with pytest.raises(ResourceNotFoundError):
        await c.replications.get(RG, "hookrepl01", "uksouth")
    assert (await c.registries.get(RG, "hookrepl01")).data_endpoint_host_names == [
        "hookrepl01.eastus.data.azurecr.io",
        "hookrepl01.westus2.data.azurecr.io",
    ]


# ---------------------------------------------------------------- import


def repos(emu: Emulator, name: str) -> dict[str, list[str]]:
    res = emu.state.get(reg_url(emu, name))
    assert res is not None
    return res.extra["repositories"]  # type: ignore[no-any-return]


async def test_import_between_registries(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    src = await create(c, "srcregistry", sku="Standard")
    await create(c, "dstregistry")
    repos(emu, "srcregistry").update({"app/web": ["1.0", "latest"], "tools": ["v2"]})
    by_id = {"source": {"resourceId": src.id, "sourceImage": "app/web:1.0"}}
    await (await c.registries.begin_import_image(RG, "dstregistry", by_id)).result()
    assert repos(emu, "dstregistry") == {"app/web": ["1.0"]}
    by_uri = m.ImportImageParameters(
        source=m.ImportSource(registry_uri="srcregistry.azurecr.io", source_image="tools:v2"),
        target_tags=["mirror/tools", "mirror/tools:stable"],
    )
    await (await c.registries.begin_import_image(RG, "dstregistry", by_uri)).result()
    assert repos(emu, "dstregistry")["mirror/tools"] == ["v2", "stable"]
    await (
        await c.registries.begin_import_image(
            RG,
            "dstregistry",
            {
                "source": {"resourceId": src.id, "sourceImage": "app/web"},
                "untaggedTargetRepositories": ["copies/web"],
            },
        )
    ).result()
    assert repos(emu, "dstregistry")["copies/web"] == []
    assert repos(emu, "srcregistry") == {"app/web": ["1.0", "latest"], "tools": ["v2"]}  # source untouched


async def test_import_no_force_conflict_and_force(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    src = await create(c, "srcregistry2", sku="Basic")
    await create(c, "dstregistry2", sku="Basic")
    repos(emu, "srcregistry2")["app"] = ["1.0"]
    repos(emu, "dstregistry2")["app"] = ["1.0"]
    params = {"source": {"resourceId": src.id, "sourceImage": "app:1.0"}, "mode": "NoForce"}
    with pytest.raises(ResourceExistsError) as ei:
        await c.registries.begin_import_image(RG, "dstregistry2", params)
    assert ei.value.error.code == "Conflict" and "app:1.0" in ei.value.error.message
    await (await c.registries.begin_import_image(RG, "dstregistry2", {**params, "mode": "Force"})).result()
    assert repos(emu, "dstregistry2") == {"app": ["1.0"]}


async def test_import_source_errors_and_external(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    src = await create(c, "srcregistry3", sku="Basic")
    await create(c, "dstregistry3", sku="Basic")
    assert (
        await code_of(
            c.registries.begin_import_image(
                RG, "dstregistry3", {"source": {"resourceId": src.id, "sourceImage": "nothere:1"}}
            )
        )
        == "ImageNotFound"
    )
    assert (
        await code_of(
            c.registries.begin_import_image(
                RG,
                "dstregistry3",
                {"source": {"registryUri": "ghostregistry.azurecr.io", "sourceImage": "x"}},
            )
        )
        == "InvalidImportSource"
    )
    assert (
        await code_of(
            c.registries.begin_import_image(
                RG,
                "dstregistry3",
                {
                    "source": {
                        "resourceId": src.id.replace("srcregistry3", "ghostregistry"),
                        "sourceImage": "x",
                    }
                },
            )
        )
        == "InvalidImportSource"
    )
    await (
        await c.registries.begin_import_image(
            RG,
            "dstregistry3",
            {"source": {"registryUri": "mcr.microsoft.com", "sourceImage": "dotnet/runtime:8.0"}},
        )
    ).result()
    assert repos(emu, "dstregistry3") == {"dotnet/runtime": ["8.0"]}
    with pytest.raises(HttpResponseError) as ei:
        await c.registries.begin_import_image(
            RG,
            "dstregistry3",
            {"source": {"registryUri": "mcr.microsoft.com", "sourceImage": "dotnet/runtime:8.0"}},
        )
    assert ei.value.status_code == 409
    with pytest.raises(ResourceNotFoundError):
        await c.registries.begin_import_image(
            RG, "noregistry", {"source": {"registryUri": "mcr.microsoft.com", "sourceImage": "x"}}
        )


# ---------------------------------------------------------------- request validation and status codes


async def test_sku_and_location_required(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    assert (
        await code_of(
            c.registries.begin_create(RG, "skuregistry", {"location": "eastus", "sku": {"name": "Gold"}})
        )
        == "InvalidSku"
    )
    assert (
        await code_of(
            c.registries.begin_create(RG, "skuregistry", {"location": "eastus", "sku": {"name": "Classic"}})
        )
        == "InvalidSku"
    )
    assert (
        await code_of(c.registries.begin_create(RG, "skuregistry", {"sku": {"name": "Basic"}}))
        == "LocationRequired"
    )


async def test_status_codes_as_the_sdk_expects(emu: Emulator, sdk: Any) -> None:
    """PUT 201 then 200, PATCH 200, replication PUT 201, import 202, DELETE 202 then 204 — all with an async header."""
    c = client(sdk, emu)
    since = emu.last_seq
    await create(c, "coderegistry")
    await create(c, "coderegistry")
    await (await c.registries.begin_update(RG, "coderegistry", {"tags": {"a": "b"}})).result()
    await (await c.replications.begin_create(RG, "coderegistry", "westus2", {"location": "westus2"})).result()
    src = {"source": {"registryUri": "mcr.microsoft.com", "sourceImage": "hello-world"}}
    await (await c.registries.begin_import_image(RG, "coderegistry", src)).result()
    await (await c.registries.begin_delete(RG, "coderegistry")).result()
    await (await c.registries.begin_delete(RG, "coderegistry")).result()
    writes = [(r.method, r.path.rsplit("/", 1)[-1], r.status) for r in emu.writes(since)]
    assert writes == [
        ("PUT", "coderegistry", 201),
        ("PUT", "coderegistry", 200),
        ("PATCH", "coderegistry", 200),
        ("PUT", "westus2", 201),
        ("POST", "importImage", 202),
        ("DELETE", "coderegistry", 202),
        ("DELETE", "coderegistry", 204),
    ]


async def test_replication_body_has_every_model_field(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "replfields1")
    await (await c.replications.begin_create(RG, "replfields1", "westus2", {"location": "westus2"})).result()
    body = await raw(c, f"{reg_url(emu, 'replfields1')}/replications/westus2")
    fields = {rf._rest_name for rf in m.ReplicationProperties._attr_to_rest_field.values()}  # type: ignore[attr-defined]
    assert set(body["properties"]) == fields
    assert body["properties"]["status"]["displayStatus"] == "Ready"


async def test_cmk_versionless_key_follows_new_versions_pinned_does_not(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    ident, _vault, key = cmk_setup(emu)
    await create(c, "cmkauto001", **cmk_body(ident, key["uri"]))
    await create(c, "cmkpin0001", **cmk_body(ident, key["versions"][-1]))
    new_version = f"{key['uri']}/{uuid.uuid4().hex}"
    kres = emu.state.get(key["id"])
    assert kres is not None
    kres.props["keyUriWithVersion"] = new_version  # a new version made in Key Vault (data plane)
    auto = (await c.registries.get(RG, "cmkauto001")).encryption.key_vault_properties
    assert auto.versioned_key_identifier == new_version
    pinned = {r.name: r async for r in c.registries.list_by_resource_group(RG)}["cmkpin0001"]
    assert pinned.encryption.key_vault_properties.versioned_key_identifier == key["versions"][-1]


async def test_import_from_export_disabled_registry_is_refused(emu: Emulator, sdk: Any) -> None:
    """Learn (data-loss prevention): a registry with exports disabled cannot be imported from, by id or by login
    server; the target is unchanged. Enabling exports again lets the same import through."""
    c = client(sdk, emu)
    src = await create(c, "noexportsrc", properties={"publicNetworkAccess": "Disabled",
                                                     "policies": {"exportPolicy": {"status": "disabled"}}})
    assert src.policies.export_policy.status == "disabled"
    await create(c, "noexportdst")
    repos(emu, "noexportsrc")["app"] = ["1.0"]
    by_id = {"source": {"resourceId": src.id, "sourceImage": "app:1.0"}}
    by_uri = {"source": {"registryUri": "noexportsrc.azurecr.io", "sourceImage": "app:1.0"}}
    assert await code_of(c.registries.begin_import_image(RG, "noexportdst", by_id)) == "ImportFromExportDisabledRegistry"
    assert await code_of(c.registries.begin_import_image(RG, "noexportdst", by_uri)) == "ImportFromExportDisabledRegistry"
    assert repos(emu, "noexportdst") == {}
    enable = {"properties": {"policies": {"exportPolicy": {"status": "enabled"}}}}
    await (await c.registries.begin_update(RG, "noexportsrc", enable)).result()
    await (await c.registries.begin_import_image(RG, "noexportdst", by_id)).result()
    assert repos(emu, "noexportdst") == {"app": ["1.0"]}
