"""ARM's own rules before a provider answers: api-versions, locations, unknown namespaces and types, tokens,
per-principal throttling (acrtui/emulator/apiversions.py, server.py, knobs.py; sources in their docstrings)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
from azure.mgmt.keyvault.aio import KeyVaultManagementClient
from azure.mgmt.msi.aio import ManagedServiceIdentityClient
from azure.mgmt.network.aio import NetworkManagementClient
from azure.mgmt.privatedns.aio import PrivateDnsManagementClient
from azure.mgmt.resource.resources.aio import ResourceManagementClient
from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

from acrtui.emulator import Emulator
from acrtui.emulator.apiversions import API_VERSIONS, REGIONS, target
from acrtui.emulator.state import Principal

from .test_core import _raw, _token

RG = "rg-empty"


def _reg_path(emu: Emulator, name: str = "armreg") -> str:
    return f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}/providers/Microsoft.ContainerRegistry/registries/{name}"


async def _code(coro: Any) -> str:
    with pytest.raises(HttpResponseError) as e:
        r = await coro
        if hasattr(r, "result"):
            await r.result()
    assert e.value.error is not None
    return str(e.value.error.code)


# ---------------------------------------------------------------- api-versions


@pytest.mark.parametrize("version", ["2099-01-01", "2016-01-01", "2025-11-02-preview"])
async def test_an_api_version_the_type_does_not_register_is_no_registered_provider_found(emu: Emulator, version: str) -> None:
    status, _, body = await _raw(emu, "GET", f"{_reg_path(emu)}?api-version={version}", token=_token(emu))
    assert status == 400 and body["error"]["code"] == "NoRegisteredProviderFound"
    msg = body["error"]["message"]
    assert f"API version '{version}' for type 'registries'" in msg
    assert "2025-11-01" in msg.split("The supported api-versions are")[1]  # lists what is served
    assert "The supported locations are 'eastus" in msg


async def test_authorization_answers_an_unregistered_version_with_invalid_resource_type(emu: Emulator) -> None:
    path = f"/subscriptions/{emu.subscription_id}/providers/Microsoft.Authorization/roleAssignments?api-version=2018-06-01"
    status, _, body = await _raw(emu, "GET", path, token=_token(emu))
    assert status == 400 and body["error"]["code"] == "InvalidResourceType"
    assert body["error"]["message"].startswith("The resource type 'roleAssignments' could not be found in the namespace "
                                               "'Microsoft.Authorization' for api version '2018-06-01'. The supported api-versions are '2015-07-01, ")


async def test_a_malformed_api_version_is_invalid_api_version_parameter(emu: Emulator) -> None:
    for path in (_reg_path(emu), f"/subscriptions/{emu.subscription_id}/resourcegroups/{RG}"):
        status, _, body = await _raw(emu, "GET", f"{path}?api-version=abc", token=_token(emu))
        assert status == 400 and body["error"]["code"] == "InvalidApiVersionParameter"
        assert body["error"]["message"].startswith("The api-version 'abc' is invalid. The supported versions are '")


async def test_arm_own_routes_refuse_an_unknown_version_with_its_list(emu: Emulator) -> None:
    status, _, body = await _raw(emu, "GET", f"/subscriptions/{emu.subscription_id}/resourcegroups?api-version=2099-01-01", token=_token(emu))
    assert status == 400 and body["error"]["code"] == "InvalidApiVersionParameter"
    assert "2022-12-01" in body["error"]["message"]


async def test_an_old_served_version_is_accepted_and_nothing_is_written_on_refusal(emu: Emulator) -> None:
    put = json.dumps({"location": "eastus", "sku": {"name": "Basic"}}).encode()
    status, _, _ = await _raw(emu, "PUT", f"{_reg_path(emu, 'refused')}?api-version=2099-01-01", token=_token(emu), body=put,
                              headers={"Content-Type": "application/json"})
    assert status == 400 and emu.state.get(_reg_path(emu, "refused")) is None
    status, _, body = await _raw(emu, "GET", f"{_reg_path(emu, 'nothere')}?api-version=2017-10-01", token=_token(emu))
    assert status == 404 and body["error"]["code"] == "ResourceNotFound"  # served version: the provider answers


def test_every_type_resolves_to_its_own_list() -> None:
    assert "2021-05-01-preview" in target("/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r/providers/Microsoft.Insights/diagnosticSettings/x").versions().versions
    keys = target("/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v/keys/k").versions().versions
    assert "2019-09-01" in keys and "2018-02-14" not in keys  # the keys API starts at 2019-09-01
    assert target("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/privateDnsZones/z").versions().versions[-1] == "2024-06-01"
    assert target("/providers/Microsoft.ResourceGraph/resources").namespace == "Microsoft.ResourceGraph"
    assert target("/subscriptions/s/providers/Microsoft.KeyVault").types == ("providers",)  # a provider read: ARM's own


async def test_the_sdk_packages_default_versions_are_served(emu: Emulator, sdk: Any) -> None:
    """Each SDK client the product uses, at its default api-version, gets past ARM (a 404 from the provider is fine)."""
    acr = sdk(ContainerRegistryManagementClient, emu)
    assert [r async for r in acr.registries.list()] == []
    assert [v async for v in sdk(KeyVaultManagementClient, emu).vaults.list_by_subscription()] == []
    assert [i async for i in sdk(ManagedServiceIdentityClient, emu).user_assigned_identities.list_by_subscription()] == []
    assert [n async for n in sdk(NetworkManagementClient, emu).virtual_networks.list_all()] == []
    assert [z async for z in sdk(PrivateDnsManagementClient, emu).private_zones.list()] == []
    versions = {r.api_version for r in emu.request_log if r.kind == "arm"}
    assert versions >= {"2025-11-01", "2026-05-15", "2024-11-30", "2026-03-01", "2024-06-01"}
    assert all(r.status == 200 for r in emu.request_log if r.kind == "arm")


async def test_providers_list_types_with_their_versions_and_locations(emu: Emulator, sdk: Any) -> None:
    client = sdk(ResourceManagementClient, emu)
    pi = await client.providers.get("Microsoft.PolicyInsights")
    types = {t.resource_type: t for t in pi.resource_types}
    assert "policyStates" in types and "remediations" in types
    assert types["policyStates"].api_versions[0] == "2019-10-01"  # newest first
    acr = {t.resource_type: t for t in (await client.providers.get("Microsoft.ContainerRegistry")).resource_types}
    assert list(acr["registries"].api_versions) == list(reversed(API_VERSIONS["Microsoft.ContainerRegistry"][""].versions))
    assert "East US" in acr["registries"].locations and "West Europe" in acr["registries"].locations
    assert acr["checkNameAvailability"].locations == []
    net = {t.resource_type: t for t in (await client.providers.get("Microsoft.Network")).resource_types}
    assert net["privateDnsZones"].locations == ["global"]
    tenant = await client.providers.get_at_tenant_scope("microsoft.policyinsights")
    assert tenant.namespace == "Microsoft.PolicyInsights" and tenant.id == "/providers/Microsoft.PolicyInsights"
    assert {t.resource_type for t in tenant.resource_types} == set(types)
    assert {p.namespace async for p in client.providers.list_at_tenant_scope()} >= {"Microsoft.PolicyInsights", "Microsoft.KeyVault"}


# ---------------------------------------------------------------- unknown namespaces and types


async def test_unknown_namespace_and_type_are_400_not_404(emu: Emulator) -> None:
    base = f"/subscriptions/{emu.subscription_id}/resourceGroups/{RG}/providers"
    status, _, body = await _raw(emu, "GET", f"{base}/Microsoft.Nothing/things/x?api-version=2025-11-01", token=_token(emu))
    assert status == 400 and body["error"]["code"] == "InvalidResourceNamespace"
    assert body["error"]["message"] == "The resource namespace 'Microsoft.Nothing' is invalid."
    status, _, body = await _raw(emu, "GET", f"{base}/Microsoft.ContainerRegistry/widgets/x?api-version=2025-11-01", token=_token(emu))
    assert status == 400 and body["error"]["code"] == "InvalidResourceType"
    assert "The resource type 'widgets' could not be found in the namespace 'Microsoft.ContainerRegistry'" in body["error"]["message"]


# ---------------------------------------------------------------- locations


async def test_unknown_locations_are_refused_for_every_tracked_type(emu: Emulator, sdk: Any) -> None:
    acr = sdk(ContainerRegistryManagementClient, emu)
    assert await _code(acr.registries.begin_create(RG, "marsreg", {"location": "mars", "sku": {"name": "Premium"}})) == "LocationNotAvailableForResourceType"
    rc = sdk(ResourceManagementClient, emu)
    assert await _code(rc.resource_groups.create_or_update("rg-mars", {"location": "mars"})) == "LocationNotAvailableForResourceGroup"
    kv = sdk(KeyVaultManagementClient, emu)
    vault = {"location": "mars", "properties": {"tenantId": emu.tenant_id, "sku": {"family": "A", "name": "standard"}}}
    assert await _code(kv.vaults.begin_create_or_update(RG, "kv-mars", vault)) == "LocationNotAvailableForResourceType"
    msi = sdk(ManagedServiceIdentityClient, emu)
    assert await _code(msi.user_assigned_identities.create_or_update(RG, "id-mars", {"location": "mars"})) == "LocationNotAvailableForResourceType"
    net = sdk(NetworkManagementClient, emu)
    vnet = {"location": "mars", "address_space": {"address_prefixes": ["10.9.0.0/16"]}}
    assert await _code(net.virtual_networks.begin_create_or_update(RG, "vnet-mars", vnet)) == "LocationNotAvailableForResourceType"
    reg = await (await acr.registries.begin_create(RG, "homereg", {"location": "East US", "sku": {"name": "Premium"}})).result()
    assert reg.location == "eastus"  # display names are normalised, as ARM does
    assert await _code(acr.replications.begin_create(RG, "homereg", "mars", {"location": "mars"})) == "LocationNotAvailableForResourceType"
    dns = sdk(PrivateDnsManagementClient, emu)
    with pytest.raises(HttpResponseError) as e:
        await (await dns.private_zones.begin_create_or_update(RG, "x.zone", {"location": "westus"})).result()
    assert e.value.error.code == "LocationNotAvailableForResourceType" and "is 'global'" in e.value.error.message
    refused = [r for r in emu.writes() if r.status == 400]
    assert len(refused) == 7 and not any(n in k for k in emu.state.resources for n in ("mars", "x.zone"))


async def test_the_message_lists_the_regions(emu: Emulator) -> None:
    put = json.dumps({"location": "Mars", "sku": {"name": "Basic"}}).encode()
    status, _, body = await _raw(emu, "PUT", f"{_reg_path(emu, 'marsreg')}?api-version=2025-11-01", token=_token(emu), body=put,
                                 headers={"Content-Type": "application/json"})
    assert status == 400
    assert body["error"]["message"].startswith("The provided location 'Mars' is not available for resource type "
                                               "'Microsoft.ContainerRegistry/registries'. List of available regions for the resource type is 'eastus,")


async def test_regions_follow_the_cloud_and_locations_are_served(sdk: Any) -> None:
    async with Emulator("empty", cloud="AzureUSGovernment") as gov:
        rc = sdk(ResourceManagementClient, gov)
        assert await _code(rc.resource_groups.create_or_update("rg-east", {"location": "eastus"})) == "LocationNotAvailableForResourceGroup"
        g = await rc.resource_groups.create_or_update("rg-gov", {"location": "USGov Virginia"})
        assert g.location == "usgovvirginia"
        subs = sdk(SubscriptionClient, gov, subscription=False)
        names = {loc.name: loc.display_name async for loc in subs.subscriptions.list_locations(gov.subscription_id)}
        assert names == REGIONS["AzureUSGovernment"]


# ---------------------------------------------------------------- tokens and throttling


async def test_expired_and_malformed_tokens(emu: Emulator) -> None:
    p = emu.state.principal(emu.login().object_id)
    assert p is not None
    emu.tokens.lifetime_s = -5
    expired, _ = emu.tokens.issue(emu.state, p, "https://management.azure.com/")
    status, headers, body = await _raw(emu, "GET", f"/subscriptions/{emu.subscription_id}?api-version=2022-12-01", token=expired)
    assert status == 401 and body["error"]["code"] == "ExpiredAuthenticationToken"
    assert body["error"]["message"].startswith("The access token expiry UTC time '") and "is earlier than current UTC time" in body["error"]["message"]
    challenge = headers["WWW-Authenticate"]
    assert challenge.startswith(f'Bearer authorization_uri="{emu.url}/{emu.tenant_id}"')
    assert 'error="invalid_token"' in challenge and 'error_description="The access token has expired."' in challenge
    for bad in ("not-a-jwt", expired[:-3] + "abc"):
        status, headers, body = await _raw(emu, "GET", f"/subscriptions/{emu.subscription_id}?api-version=2022-12-01", token=bad)
        assert status == 401 and body["error"]["code"] == "InvalidAuthenticationToken"
        assert 'error="invalid_token"' in headers["WWW-Authenticate"] and "expired" not in headers["WWW-Authenticate"]


async def test_one_principals_burst_does_not_throttle_another(emu: Emulator) -> None:
    emu.config.throttle_scale = 125  # reads: burst 2 per principal, 30 for the subscription
    path = f"/subscriptions/{emu.subscription_id}?api-version=2022-12-01"
    owner, reader = _token(emu, "owner"), _token(emu, "reader")
    owner_runs = [(await _raw(emu, "GET", path, token=owner))[0] for _ in range(3)]
    assert owner_runs[-1] == 429
    status, headers, _ = await _raw(emu, "GET", path, token=reader)
    assert status == 200 and headers["x-ms-ratelimit-remaining-subscription-reads"] == "1"


async def test_the_subscription_wide_bucket_throttles_everyone(emu: Emulator) -> None:
    """15 principals' bursts fill the subscription's bucket (15 times one principal's): the 16th is throttled."""
    emu.config.throttle_scale = 250  # reads: burst 1 per principal, 15 for the subscription
    path = f"/subscriptions/{emu.subscription_id}?api-version=2022-12-01"
    statuses = []
    for i in range(16):
        p = Principal(f"00000000-0000-0000-0000-0000000001{i:02d}", f"client-{i}", f"sp-{i}", secret="s")
        emu.state.principals[p.object_id] = p
        token, _ = emu.tokens.issue(emu.state, p, "https://management.azure.com/")
        statuses.append((await _raw(emu, "GET", path, token=token))[0])
    assert statuses[:15] == [403] * 15  # metered first, then refused: these principals hold no role
    assert statuses[15] == 429
