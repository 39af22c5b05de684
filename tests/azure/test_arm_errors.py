"""The product's error mapping on ARM's routing refusals (acrtui/azure/errors.py): an unknown type, namespace or
api-version is a 400 that must not read as "not found" (which the product treats as "absent") nor, under
Microsoft.KeyVault, as a CMK rule; an unknown location names the regions."""

from __future__ import annotations

import pytest

from acrtui.azure.errors import translate
from acrtui.errors import AzureServiceError, CmkRuleViolation, NotFound
from acrtui.plan.observe import _maybe

RG = "/subscriptions/{sub}/resourceGroups/rg-empty/providers"


@pytest.mark.parametrize(("path", "version", "code"), [
    ("/Microsoft.KeyVault/widgets/x", "2026-05-15", "InvalidResourceType"),
    ("/Microsoft.Nothing/things/x", "2025-11-01", "InvalidResourceNamespace"),
    ("/Microsoft.KeyVault/vaults/kv-none", "2099-01-01", "NoRegisteredProviderFound"),
    ("/Microsoft.KeyVault/vaults/kv-none", "abc", "InvalidApiVersionParameter"),
])
async def test_routing_refusals_are_not_not_found(emu, session_factory, path: str, version: str, code: str) -> None:
    s = session_factory(emu)
    full = RG.format(sub=emu.subscription_id) + path
    with pytest.raises(AzureServiceError) as e:
        async with translate():
            await s.raw("GET", full, version)
    assert e.value.code == code and not isinstance(e.value, (NotFound, CmkRuleViolation))
    assert e.value.title == "Request not served by Azure" and "report it" in e.value.message
    with pytest.raises(AzureServiceError):  # observe's "absent" helper does not swallow it as a missing resource
        await _maybe(s.raw("GET", full, version))


async def test_a_real_absence_is_still_not_found(emu, session_factory) -> None:
    s = session_factory(emu)
    assert await _maybe(s.raw("GET", RG.format(sub=emu.subscription_id) + "/Microsoft.KeyVault/vaults/kv-none", "2026-05-15")) is None


async def test_an_unknown_location_names_the_regions(emu, session_factory) -> None:
    s = session_factory(emu)
    with pytest.raises(AzureServiceError) as e:
        async with translate():
            await s.client("resources").resource_groups.create_or_update("rg-mars", {"location": "mars"})
    assert e.value.code == "LocationNotAvailableForResourceGroup" and e.value.title == "Location not available"
    assert "eastus" in e.value.message and "Choose one of the listed regions" in e.value.message
