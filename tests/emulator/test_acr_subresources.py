"""Registry sub-resources in the emulator (acr_subresources.py), driven by the real azure-mgmt-containerregistry
async client: shapes round-trip through the SDK models, and each enforced rule answers its error code."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.containerregistry import models as m
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient

from acrtui.emulator import Emulator
from acrtui.emulator.providers.acr_subresources import set_credential_health

from .fidelity import assert_roundtrip
from .test_containerregistry import RG, client, code_of, create, reg_url

STABLE = "2025-11-01"
PREVIEW = "2023-01-01-preview"


async def raw(c: ContainerRegistryManagementClient, method: str, url: str, api: str = STABLE, body: Any = None) -> Any:
    req = HttpRequest(method, f"{url}?api-version={api}", json=body) if body is not None else \
        HttpRequest(method, f"{url}?api-version={api}")
    resp = await c.send_request(req)
    assert resp.status_code < 300, resp.text()
    return resp.json() if resp.text() else None


async def token_setup(c: ContainerRegistryManagementClient, emu: Emulator, reg: str = "subresreg1") -> m.Registry:
    r = await create(c, reg, sku="Premium")
    sm = {"properties": {"description": "pull payments", "actions": ["repositories/payments/content/read"]}}
    await (await c.scope_maps.begin_create(RG, reg, "payments-pull", sm)).result()
    return r


async def test_scope_maps_list_the_system_maps_and_round_trip(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await token_setup(c, emu)
    maps = {x.name: x for x in [x async for x in c.scope_maps.list(RG, "subresreg1")]}
    assert {"_repositories_admin", "_repositories_pull", "_repositories_push", "payments-pull"} <= set(maps)
    assert maps["_repositories_admin"].properties.type == "SystemDefined"
    assert maps["payments-pull"].properties.type == "UserDefined"
    assert "repositories/*/content/delete" in maps["_repositories_admin"].actions
    for name in maps:
        assert_roundtrip(m.ScopeMap, await raw(c, "GET", reg_url(emu, "subresreg1") + f"/scopeMaps/{name}"))


async def test_scope_map_without_actions_is_refused(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await token_setup(c, emu)
    code = await code_of(c.scope_maps.begin_create(RG, "subresreg1", "empty", {"properties": {"actions": []}}))
    assert code == "InvalidScopeMapActions"


async def test_token_shape_keeps_expiry_never_the_password(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    r = await token_setup(c, emu)
    body = {"properties": {"scopeMapId": f"{r.id}/scopeMaps/payments-pull", "status": "enabled", "credentials": {
        "passwords": [{"name": "password1", "expiry": "2027-01-01T00:00:00Z"}, {"name": "password2"}]}}}
    t = await (await c.tokens.begin_create(RG, "subresreg1", "ci", body)).result()
    assert t.status == "enabled" and t.scope_map_id == f"{r.id}/scopeMaps/payments-pull"
    got = await raw(c, "GET", reg_url(emu, "subresreg1") + "/tokens/ci")
    assert_roundtrip(m.Token, got)
    pws = got["properties"]["credentials"]["passwords"]
    assert [p.get("expiry") for p in pws] == ["2027-01-01T00:00:00Z", None]
    assert all("value" not in p for p in pws)
    assert [x.name async for x in c.tokens.list(RG, "subresreg1")] == ["ci"]


async def test_token_with_unknown_scope_map_is_refused(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    r = await token_setup(c, emu)
    body = {"properties": {"scopeMapId": f"{r.id}/scopeMaps/nope"}}
    assert await code_of(c.tokens.begin_create(RG, "subresreg1", "ci", body)) == "InvalidScopeMapId"


async def test_webhook_hides_its_uri_until_get_callback_config(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "hookreg01", sku="Basic")
    body = {"location": "eastus", "properties": {"serviceUri": "https://hooks.example.com/x?sig=secret",
                                                 "customHeaders": {"Authorization": "Bearer abc"}, "actions": ["push"]}}
    await (await c.webhooks.begin_create(RG, "hookreg01", "hook1", body)).result()
    got = await raw(c, "GET", reg_url(emu, "hookreg01") + "/webhooks/hook1")
    assert_roundtrip(m.Webhook, got)
    assert "serviceUri" not in got["properties"] and "customHeaders" not in got["properties"]
    cfg = await c.webhooks.get_callback_config(RG, "hookreg01", "hook1")
    assert cfg.service_uri == "https://hooks.example.com/x?sig=secret"
    assert_roundtrip(m.CallbackConfig, await raw(c, "POST", reg_url(emu, "hookreg01") + "/webhooks/hook1/getCallbackConfig"))


async def test_webhook_without_service_uri_is_refused(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "hookreg02", sku="Basic")
    await raw(c, "GET", reg_url(emu, "hookreg02"))
    req = HttpRequest("PUT", reg_url(emu, "hookreg02") + f"/webhooks/h?api-version={STABLE}",
                      json={"location": "eastus", "properties": {"actions": ["push"]}})
    resp = await c.send_request(req)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "InvalidWebhookServiceUri"


async def test_reader_may_not_read_a_webhook_uri(emu: Emulator, sdk: Any) -> None:
    """getCallbackConfig is an action, not a read: Reader (``*/read``) gets 403 AuthorizationFailed."""
    owner = client(sdk, emu)
    await create(owner, "hookreg03", sku="Basic")
    body = {"location": "eastus", "properties": {"serviceUri": "https://hooks.example.com/x"}}
    await (await owner.webhooks.begin_create(RG, "hookreg03", "hook1", body)).result()
    reader = client(sdk, emu, "reader")
    assert [h.name async for h in reader.webhooks.list(RG, "hookreg03")] == ["hook1"]
    with pytest.raises(HttpResponseError) as ei:
        await reader.webhooks.get_callback_config(RG, "hookreg03", "hook1")
    assert ei.value.status_code == 403 and ei.value.error.code == "AuthorizationFailed"


async def test_cache_rule_and_credential_set_shapes_and_health(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    r = await create(c, "cachereg1", sku="Standard")
    cs_body = {"identity": {"type": "SystemAssigned"}, "properties": {"loginServer": "docker.io", "authCredentials": [
        {"name": "Credential1", "usernameSecretIdentifier": "https://kv1.vault.azure.net/secrets/u",
         "passwordSecretIdentifier": "https://kv1.vault.azure.net/secrets/p"}]}}
    cs = await (await c.credential_sets.begin_create(RG, "cachereg1", "hub", cs_body)).result()
    assert cs.identity.principal_id and cs.auth_credentials[0].credential_health.status == "Healthy"
    res = emu.state.get(cs.id)
    assert res is not None
    set_credential_health(res, "Credential1", "Unhealthy", "KeyVaultSecretNotFound", "gone")
    got = await raw(c, "GET", reg_url(emu, "cachereg1") + "/credentialSets/hub")
    assert_roundtrip(m.CredentialSet, got)
    assert got["properties"]["authCredentials"][0]["credentialHealth"]["status"] == "Unhealthy"
    rule = {"properties": {"sourceRepository": "docker.io/library/nginx", "targetRepository": "nginx",
                           "credentialSetResourceId": cs.id}}
    await (await c.cache_rules.begin_create(RG, "cachereg1", "nginx", rule)).result()
    got = await raw(c, "GET", reg_url(emu, "cachereg1") + "/cacheRules/nginx")
    assert_roundtrip(m.CacheRule, got)
    assert got["properties"]["credentialSetResourceId"] == cs.id and r.id in cs.id


async def test_cache_rule_with_unknown_credential_set_is_refused(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    r = await create(c, "cachereg2", sku="Basic")
    rule = {"properties": {"sourceRepository": "docker.io/library/nginx", "targetRepository": "nginx",
                           "credentialSetResourceId": f"{r.id}/credentialSets/nope"}}
    assert await code_of(c.cache_rules.begin_create(RG, "cachereg2", "nginx", rule)) == "InvalidCredentialSetResourceId"


async def test_connected_registry_is_premium_only_and_round_trips(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    r = await token_setup(c, emu, "connreg01")
    tok = await (await c.tokens.begin_create(RG, "connreg01", "sync", {"properties": {
        "scopeMapId": f"{r.id}/scopeMaps/payments-pull"}})).result()
    body = {"properties": {"mode": "ReadWrite", "parent": {"syncProperties": {"tokenId": tok.id, "messageTtl": "P2D"}}}}
    cr = await (await c.connected_registries.begin_create(RG, "connreg01", "edge", body)).result()
    assert cr.mode == "ReadWrite" and cr.parent.sync_properties.token_id == tok.id
    assert_roundtrip(m.ConnectedRegistry, await raw(c, "GET", reg_url(emu, "connreg01") + "/connectedRegistries/edge"))
    await create(c, "connreg02", sku="Standard")
    assert await code_of(c.connected_registries.begin_create(RG, "connreg02", "edge", body)) == \
        "ConnectedRegistryNotSupported"


async def test_missing_children_and_parents_are_404(emu: Emulator, sdk: Any) -> None:
    c = client(sdk, emu)
    await create(c, "gonereg01", sku="Basic")
    with pytest.raises(ResourceNotFoundError) as ei:
        await c.tokens.get(RG, "gonereg01", "nope")
    assert ei.value.error.code == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError) as ei:
        [x async for x in c.webhooks.list(RG, "nosuchreg1")]
    assert ei.value.error.code == "ResourceNotFound"


async def test_soft_delete_policy_only_at_preview_versions(emu: Emulator, sdk: Any) -> None:
    """The 2025-11-01 ``Policies`` model has no softDeletePolicy; preview versions from 2023-01-01-preview do."""
    c = client(sdk, emu)
    await create(c, "softreg01", sku="Basic")
    url = reg_url(emu, "softreg01")
    stable = await raw(c, "GET", url)
    assert "softDeletePolicy" not in stable["properties"]["policies"]
    assert_roundtrip(m.Registry, stable)
    preview = await raw(c, "GET", url, PREVIEW)
    assert preview["properties"]["policies"]["softDeletePolicy"]["status"] == "disabled"
    await raw(c, "PATCH", url, PREVIEW, {"properties": {"policies": {"softDeletePolicy": {"status": "enabled",
                                                                                          "retentionDays": 30}}}})
    listed = await raw(c, "GET", f"/subscriptions/{emu.subscription_id}/providers/Microsoft.ContainerRegistry/registries",
                       PREVIEW)
    sd = next(b for b in listed["value"] if b["name"] == "softreg01")["properties"]["policies"]["softDeletePolicy"]
    assert sd["status"] == "enabled" and sd["retentionDays"] == 30
    assert "softDeletePolicy" not in (await raw(c, "GET", url))["properties"]["policies"]
