"""Injected faults (``--fault KIND[:PATH_REGEX[:RATE[:METHOD]]]``): each kind answers as Azure does, through the real
SDK over TLS — 403 is ARM's AuthorizationFailed naming caller, action and scope; 429 is
SubscriptionRequestsThrottled with Retry-After (which the SDK waits out); a rule naming ``oauth2`` takes the token
endpoint down; and the request hook sees every request (tests use it to stop the emulator mid-run)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.mgmt.resource.resources.aio import ResourceManagementClient
from click.testing import CliRunner

from acrtui.emulator import Emulator
from acrtui.emulator.cli import emulator_command
from acrtui.emulator.knobs import Faults

from .test_core import _raw, _token


async def test_403_fault_is_arms_authorization_failed(emu: Emulator, sdk) -> None:
    emu.faults.add("403", path="/resourcegroups/rg-empty$")
    rc = sdk(ResourceManagementClient, emu, retry_backoff_factor=0.01)
    with pytest.raises(HttpResponseError) as exc:
        await rc.resource_groups.get("rg-empty")
    assert exc.value.status_code == 403 and exc.value.error is not None
    assert exc.value.error.code == "AuthorizationFailed"
    lg = emu.login("owner")
    msg = exc.value.error.message or ""
    assert f"client '{lg.client_id}' with object id '{lg.object_id}'" in msg
    assert "'Microsoft.Resources/subscriptions/resourceGroups/read'" in msg
    assert [r.status for r in emu.request_log if r.path.endswith("rg-empty")] == [403]  # not retried


async def test_429_fault_carries_retry_after_and_is_waited_out(emu: Emulator, sdk) -> None:
    emu.faults.add("429", path="/resourcegroups/rg-empty$", count=1)
    status, headers, body = await _raw(emu, "GET", f"/subscriptions/{emu.subscription_id}/resourcegroups/rg-empty"
                                       "?api-version=2022-09-01", token=_token(emu))
    assert status == 429 and body["error"]["code"] == "SubscriptionRequestsThrottled"
    assert int(headers["Retry-After"]) >= 1
    emu.faults.add("429", path="/resourcegroups/rg-empty$", count=1)
    rc = sdk(ResourceManagementClient, emu, retry_backoff_factor=0.01)
    assert (await rc.resource_groups.get("rg-empty")).name == "rg-empty"
    assert [r.status for r in emu.request_log if r.path.endswith("rg-empty")][-2:] == [429, 200]


async def test_a_rule_naming_oauth2_takes_the_token_endpoint_down(emu: Emulator) -> None:
    emu.faults.add("503", path="/oauth2/")
    cred = emu.credential("owner")
    async with cred:
        with pytest.raises(ClientAuthenticationError):
            await cred.get_token("https://management.azure.com/.default")
    tokens = [r for r in emu.request_log if r.kind == "token"]
    assert tokens and all(r.status == 503 for r in tokens)


async def test_a_broad_rule_leaves_sign_in_alone(emu: Emulator) -> None:
    emu.faults.add("503", path=".*")
    cred = emu.credential("owner")
    async with cred:
        assert (await cred.get_token("https://management.azure.com/.default")).token
    status, _, body = await _raw(emu, "GET", "/subscriptions?api-version=2022-12-01", token=_token(emu))
    assert status == 503 and body["error"]["code"] == "ServiceUnavailable"


async def test_the_request_hook_sees_every_request(emu: Emulator) -> None:
    seen: list[int] = []
    emu.on_request = lambda rec: seen.append(rec.seq)
    await _raw(emu, "GET", "/subscriptions?api-version=2022-12-01", token=_token(emu))
    assert seen and seen[-1] == emu.last_seq


def test_fault_kinds_are_checked() -> None:
    f = Faults()
    for kind in ("500", "503", "403", "429", "drop", "lro-fail"):
        f.add(kind, "/providers/")
    with pytest.raises(ValueError, match="fault kind must be one of"):
        f.add("418")
    r = CliRunner().invoke(emulator_command, ["--fault", "418:/providers/"])
    assert r.exit_code == 2 and "fault kind must be one of" in r.output
