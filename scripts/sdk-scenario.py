#!/usr/bin/env python3
"""Drive a standalone emulator with nothing but the public Azure SDK and the lines ``acrtui emulator`` printed.

    eval "$(acrtui emulator --seed empty | sed '/^ready$/q' | sed 's/^/export /')" &   # or export them by hand
    python scripts/sdk-scenario.py

Gets a token, creates a vault + key + identity + key access, creates a Premium CMK registry (Succeeded, rotation
enabled), then checks that Azure's refusals come back with Azure's codes: CMK enabled later, CMK disabled,
Premium settings on Standard, a Reader's write, and a call with no token. Prints one line per step; exits 1 on
the first surprise.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.core.rest import HttpRequest
from azure.identity.aio import ClientSecretCredential
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
from azure.mgmt.keyvault.aio import KeyVaultManagementClient
from azure.mgmt.msi.aio import ManagedServiceIdentityClient
from azure.mgmt.resource.resources.aio import ResourceManagementClient

URL, CA = os.environ["ACRTUI_EMULATOR_URL"], os.environ["ACRTUI_EMULATOR_CA"]
TENANT, SUB = os.environ["AZURE_TENANT_ID"], os.environ["AZURE_SUBSCRIPTION_ID"]
RG, LOCATION = "rg-sdk-scenario", "eastus"


def credential(client_id: str, secret: str) -> ClientSecretCredential:
    return ClientSecretCredential(TENANT, client_id, secret, authority=urlsplit(URL).netloc,
                                  disable_instance_discovery=True, connection_verify=CA)


def client(cls: type, cred: Any) -> Any:
    return cls(cred, SUB, base_url=URL, connection_verify=CA, polling_interval=0)


def ok(step: str) -> None:
    print(f"ok    {step}")


async def refused(step: str, coro: Any, code: str) -> None:
    try:
        result = await coro
        if hasattr(result, "result"):
            await result.result()
    except HttpResponseError as e:
        got = e.error.code if e.error else None
        if got != code:
            sys.exit(f"FAIL  {step}: expected {code}, got {got}: {e.message}")
        print(f"ok    {step} -> {e.status_code} {code}")
        return
    sys.exit(f"FAIL  {step}: Azure would refuse this, the emulator accepted it")


def status_without_token() -> int:
    """A plain HTTPS call (the emulator's CA, no bearer token)."""
    import ssl
    import urllib.error
    import urllib.request

    url = f"{URL}/subscriptions/{SUB}/providers/Microsoft.ContainerRegistry/registries?api-version=2025-11-01"
    try:
        with urllib.request.urlopen(url, context=ssl.create_default_context(cafile=CA)) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return e.code


async def main() -> None:
    owner = credential(os.environ["AZURE_CLIENT_ID"], os.environ["AZURE_CLIENT_SECRET"])
    reader = credential(os.environ["ACRTUI_READER_CLIENT_ID"], os.environ["ACRTUI_READER_CLIENT_SECRET"])
    token = await owner.get_token("https://management.azure.com/.default")
    ok(f"token for the Owner principal ({len(token.token)} characters, expires {token.expires_on})")
    async with owner, reader, client(ResourceManagementClient, owner) as rm, client(KeyVaultManagementClient, owner) as kv, \
            client(ManagedServiceIdentityClient, owner) as msi, client(ContainerRegistryManagementClient, owner) as acr, \
            client(ContainerRegistryManagementClient, reader) as acr_reader:
        await rm.resource_groups.create_or_update(RG, {"location": LOCATION})
        ident = await msi.user_assigned_identities.create_or_update(RG, "id-acr-cmk", {"location": LOCATION})
        ok(f"identity {ident.name}: principal {ident.principal_id}, client {ident.client_id}")
        vault = await (await kv.vaults.begin_create_or_update(RG, f"kv-sdk-{SUB[:8]}", {"location": LOCATION, "properties": {
            "tenantId": TENANT, "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": False,
            "enablePurgeProtection": True, "accessPolicies": [{"tenantId": TENANT, "objectId": ident.principal_id,
                                                                "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]}}]}})).result()
        ok(f"vault {vault.name}: soft delete {vault.properties.enable_soft_delete}, purge protection {vault.properties.enable_purge_protection}, access policy for the identity")
        key = await kv.keys.create_if_not_exist(RG, vault.name, "acr-cmk", {"properties": {"kty": "RSA", "keySize": 3072}})
        ok(f"key {key.name} ({getattr(key.properties.kty, 'value', key.properties.kty)} {key.properties.key_size}) {key.properties.key_uri}")
        reg = await (await acr.registries.begin_create(RG, "sdkcmkacr", {
            "location": LOCATION, "sku": {"name": "Premium"},
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {ident.id: {}}},
            "properties": {"encryption": {"status": "enabled", "keyVaultProperties": {"keyIdentifier": key.properties.key_uri, "identity": ident.client_id}}},
        })).result()
        kvp = reg.properties.encryption.key_vault_properties
        if reg.properties.provisioning_state != "Succeeded" or not kvp.key_rotation_enabled:
            sys.exit(f"FAIL  CMK registry: {reg.properties.provisioning_state}, rotation {kvp.key_rotation_enabled}")
        ok(f"Premium CMK registry {reg.name}: Succeeded, key rotation enabled, using {kvp.versioned_key_identifier}")

        plain = await (await acr.registries.begin_create(RG, "sdkplainacr", {"location": LOCATION, "sku": {"name": "Premium"}})).result()
        await refused("enable CMK on an existing registry", acr.registries.begin_update(RG, plain.name, {"properties": {
            "encryption": {"status": "enabled", "keyVaultProperties": {"keyIdentifier": key.properties.key_uri, "identity": ident.client_id}}}}),
            "CannotEnableEncryptionOnExistingRegistry")
        await refused("disable CMK", acr.registries.begin_update(RG, reg.name, {"properties": {"encryption": {"status": "disabled"}}}),
                      "CannotDisableEncryption")
        std = await (await acr.registries.begin_create(RG, "sdkstandardacr", {"location": LOCATION, "sku": {"name": "Standard"}})).result()
        await refused("public access off on Standard", acr.registries.begin_update(RG, std.name, {"properties": {"publicNetworkAccess": "Disabled"}}),
                      "DisablingPublicNetworkAccessNotSupported")
        await refused("a Reader's write", acr_reader.registries.begin_update(RG, std.name, {"properties": {"adminUserEnabled": True}}),
                      "AuthorizationFailed")
        response = await acr._client.send_request(HttpRequest("GET", f"{URL}/subscriptions/{SUB}/providers/Microsoft.ContainerRegistry/registries?api-version=2025-11-01"),
                                                  stream=False)
        ok(f"the SDK's own call carries a token: {response.status_code}")
    status = await asyncio.to_thread(status_without_token)
    if status != 401:
        sys.exit(f"FAIL  no token: expected 401, got {status}")
    ok("no token -> 401 AuthenticationFailed")
    try:
        bad = credential(os.environ["AZURE_CLIENT_ID"], "wrong-secret")
        async with bad:
            await bad.get_token("https://management.azure.com/.default")
        sys.exit("FAIL  a wrong secret got a token")
    except ClientAuthenticationError as e:
        ok(f"wrong secret -> {'invalid_client' if 'invalid_client' in str(e) else str(e)[:60]}")
    print("all steps behaved as Azure does")


if __name__ == "__main__":
    asyncio.run(main())
