"""ARM mechanics and sign-in, through the real SDK and azure-identity over TLS."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.identity.aio import ClientSecretCredential
from azure.mgmt.resource.resources.aio import ResourceManagementClient
from azure.mgmt.resource.resources.models import ResourceGroup
from azure.mgmt.resource.subscriptions.aio import SubscriptionClient
from azure.mgmt.resource.subscriptions.models import Subscription

from acrtui.emulator import Emulator, EmulatorConfig, EmulatorThread

from .fidelity import assert_roundtrip


def _raw_sync(emu: Emulator, method: str, path: str, token: str | None = None, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], dict]:
    """A plain HTTPS request (no SDK), verifying the emulator's certificate with its CA."""
    ctx = ssl.create_default_context(cafile=str(emu.ca_path))
    req = urllib.request.Request(emu.url + path, data=body, method=method, headers=headers or {})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, context=ctx) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"{}")


async def _raw(emu: Emulator, method: str, path: str, token: str | None = None, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], dict]:
    """In a thread: the emulator serves on this test's event loop."""
    return await asyncio.to_thread(_raw_sync, emu, method, path, token, body, headers)


async def test_tls_is_verified_against_the_emulator_ca_only(emu: Emulator) -> None:
    ctx = ssl.create_default_context()  # system CAs: the emulator's certificate must not verify
    with pytest.raises(urllib.error.URLError):
        await asyncio.to_thread(urllib.request.urlopen, emu.url + "/subscriptions?api-version=2022-12-01", context=ctx)


async def test_token_and_subscriptions_roundtrip(emu: Emulator, sdk) -> None:
    client = sdk(SubscriptionClient, emu, subscription=False)
    subs = [s async for s in client.subscriptions.list()]
    assert [s.subscription_id for s in subs] == [emu.subscription_id]
    raw = emu.state.subscription(emu.subscription_id)
    assert raw is not None
    assert_roundtrip(Subscription, raw)


async def test_wrong_secret_is_invalid_client(emu: Emulator) -> None:
    lg = emu.login("owner")
    cred = ClientSecretCredential(emu.tenant_id, lg.client_id, "not-the-secret", authority=f"127.0.0.1:{emu.port}",
                                  disable_instance_discovery=True, connection_verify=str(emu.ca_path))
    async with cred:
        with pytest.raises(ClientAuthenticationError) as exc:
            await cred.get_token("https://management.azure.com/.default")
    assert "invalid_client" in str(exc.value) and "AADSTS7000215" in str(exc.value)


async def test_unknown_client_and_tenant_are_refused(emu: Emulator) -> None:
    status, _, body = await _raw(emu, "POST", f"/{emu.tenant_id}/oauth2/v2.0/token",
                           body=b"grant_type=client_credentials&client_id=nobody&client_secret=x&scope=a",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and body["error"] == "unauthorized_client"
    status, _, body = await _raw(emu, "POST", "/other-tenant/oauth2/v2.0/token", body=b"grant_type=client_credentials",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and 90002 in body["error_codes"]


async def test_arm_needs_a_bearer_token(emu: Emulator) -> None:
    status, headers, body = await _raw(emu, "GET", f"/subscriptions/{emu.subscription_id}/resourcegroups?api-version=2025-04-01")
    assert status == 401 and body["error"]["code"] == "AuthenticationFailed"
    assert "WWW-Authenticate" in headers
    status, _, body = await _raw(emu, "GET", "/subscriptions?api-version=2022-12-01", token="forged.token.value")
    assert status == 401 and body["error"]["code"] == "InvalidAuthenticationToken"


async def test_expired_tokens_are_refused(emu: Emulator) -> None:
    emu.tokens.lifetime_s = -10
    p = emu.state.principal(emu.login().object_id)
    assert p is not None
    token, _ = emu.tokens.issue(emu.state, p, "https://management.azure.com/")
    status, headers, body = await _raw(emu, "GET", "/subscriptions?api-version=2022-12-01", token=token)
    assert status == 401 and body["error"]["code"] == "ExpiredAuthenticationToken"
    assert 'error="invalid_token"' in headers["WWW-Authenticate"]


def _token(emu: Emulator, role: str = "owner") -> str:
    p = emu.state.principal(emu.login(role).object_id)
    assert p is not None
    return emu.tokens.issue(emu.state, p, "https://management.azure.com/")[0]


async def test_api_version_is_required(emu: Emulator) -> None:
    status, headers, body = await _raw(emu, "GET", f"/subscriptions/{emu.subscription_id}/resourcegroups", token=_token(emu))
    assert status == 400 and body["error"]["code"] == "MissingApiVersionParameter"
    assert headers.get("x-ms-request-id")


async def test_not_found_codes(emu: Emulator, sdk) -> None:
    rc = sdk(ResourceManagementClient, emu)
    with pytest.raises(ResourceNotFoundError) as exc:
        await rc.resource_groups.get("rg-missing")
    assert exc.value.error.code == "ResourceGroupNotFound"
    other = sdk(ResourceManagementClient, emu, subscription="00000000-0000-0000-0000-000000000001")
    with pytest.raises(ResourceNotFoundError) as exc:
        await other.resource_groups.get("rg-empty")
    assert exc.value.error.code == "SubscriptionNotFound"


async def test_ids_and_names_are_case_insensitive(emu: Emulator, sdk) -> None:
    rc = sdk(ResourceManagementClient, emu)
    g = await rc.resource_groups.get("RG-EMPTY")
    assert g.name == "rg-empty"  # the casing it was created with
    assert await rc.resource_groups.check_existence("Rg-Empty")


async def test_put_creates_then_replaces_and_paging_follows_next_link(emu: Emulator, sdk) -> None:
    rc = sdk(ResourceManagementClient, emu)
    for i in range(5):
        await rc.resource_groups.create_or_update(f"rg-{i}", ResourceGroup(location="westeurope"))
    statuses = [r.status for r in emu.request_log if r.method == "PUT"]
    assert statuses == [201] * 5
    await rc.resource_groups.create_or_update("rg-0", ResourceGroup(location="westeurope", tags={"a": "b"}))
    assert emu.request_log[-1].status == 200
    names = [g.name async for g in rc.resource_groups.list()]
    assert names == ["rg-empty"] + [f"rg-{i}" for i in range(5)]
    pages = [r for r in emu.request_log if r.method == "GET" and r.path.endswith("/resourcegroups")]
    assert len(pages) == 3  # page size 2 → 6 groups in 3 pages
    assert "$skiptoken" in pages[-1].query
    assert_roundtrip(ResourceGroup, emu.state.get(f"/subscriptions/{emu.subscription_id}/resourceGroups/rg-0").body)  # type: ignore[union-attr]


async def test_long_running_delete_polls_the_async_operation(emu: Emulator, sdk) -> None:
    emu.config.lro_duration_s = 0.05
    rc = sdk(ResourceManagementClient, emu)
    await rc.resource_groups.create_or_update("rg-gone", ResourceGroup(location="eastus"))
    poller = await rc.resource_groups.begin_delete("rg-gone")
    await poller.result()
    polls = [r for r in emu.request_log if "operationStatuses" in r.path]
    assert polls, "the SDK should have polled the Azure-AsyncOperation URL"
    assert not await rc.resource_groups.check_existence("rg-gone")


async def test_reader_cannot_write_and_gets_authorization_failed(emu: Emulator, sdk) -> None:
    rc = sdk(ResourceManagementClient, emu, role="reader")
    assert [g.name async for g in rc.resource_groups.list()] == ["rg-empty"]
    with pytest.raises(HttpResponseError) as exc:
        await rc.resource_groups.create_or_update("rg-new", ResourceGroup(location="eastus"))
    assert exc.value.status_code == 403
    assert exc.value.error.code == "AuthorizationFailed"
    msg = exc.value.error.message
    assert "Microsoft.Resources/subscriptions/resourceGroups/write" in msg
    assert f"/subscriptions/{emu.subscription_id}/resourcegroups/rg-new".lower() in msg.lower()
    assert emu.login("reader").client_id in msg


async def test_request_log_names_principal_and_marks_writes(emu: Emulator, sdk) -> None:
    rc = sdk(ResourceManagementClient, emu)
    before = emu.last_seq
    await rc.resource_groups.get("rg-empty")
    assert emu.writes(since=before) == []
    await rc.resource_groups.create_or_update("rg-w", ResourceGroup(location="eastus"))
    writes = emu.writes(since=before)
    assert [(w.method, w.status, w.principal) for w in writes] == [("PUT", 201, emu.login().client_id)]


async def test_throttling_returns_429_that_the_sdk_retry_absorbs(emu: Emulator, sdk) -> None:
    emu.config.throttle_scale = 50  # reads: burst 5, 0.5 per second
    rc = sdk(ResourceManagementClient, emu, retry_backoff_factor=0.01)
    for _ in range(7):
        await rc.resource_groups.get("rg-empty")
    throttled = [r for r in emu.request_log if r.status == 429]
    assert throttled, "expected ARM throttling to bite"
    assert all(r.status in (200, 429) for r in emu.request_log if r.kind == "arm")


async def test_throttle_headers(emu: Emulator) -> None:
    emu.config.throttle_scale = 125  # burst 2
    tok = _token(emu)
    path = f"/subscriptions/{emu.subscription_id}?api-version=2022-12-01"
    results = [await _raw(emu, "GET", path, token=tok) for _ in range(3)]
    assert results[0][0] == 200 and "x-ms-ratelimit-remaining-subscription-reads" in results[0][1]
    status, headers, body = results[-1]
    assert status == 429 and body["error"]["code"] == "SubscriptionRequestsThrottled"
    assert int(headers["Retry-After"]) >= 1


async def test_injected_faults_are_retried_by_the_sdk(emu: Emulator, sdk) -> None:
    emu.faults.add("503", path="/resourcegroups/rg-empty$", count=2)
    rc = sdk(ResourceManagementClient, emu, retry_backoff_factor=0.01)
    assert (await rc.resource_groups.get("rg-empty")).name == "rg-empty"
    assert [r.status for r in emu.request_log if r.path.endswith("rg-empty")] == [503, 503, 200]


async def test_failed_lro_surfaces_as_error(emu: Emulator, sdk) -> None:
    rc = sdk(ResourceManagementClient, emu)
    await rc.resource_groups.create_or_update("rg-x", ResourceGroup(location="eastus"))
    emu.faults.add("lro-fail", path="rg-x", method="DELETE")
    poller = await rc.resource_groups.begin_delete("rg-x")
    with pytest.raises(HttpResponseError):
        await poller.result()


async def test_admin_endpoints_need_the_admin_token(emu: Emulator) -> None:
    status, _, _ = await _raw(emu, "GET", "/_emulator/requests", token=_token(emu))
    assert status == 401
    admin = {"Authorization": f"Bearer {emu.admin_token}"}
    await _raw(emu, "GET", f"/subscriptions/{emu.subscription_id}?api-version=2022-12-01", token=_token(emu))
    status, _, body = await _raw(emu, "GET", "/_emulator/requests?method=GET", headers=admin)
    assert status == 200 and body["value"] and all(r["method"] == "GET" for r in body["value"])
    status, _, body = await _raw(emu, "POST", "/_emulator/faults", body=json.dumps({"kind": "500", "path": "nothing"}).encode(), headers={**admin, "Content-Type": "application/json"})
    assert status == 200 and body["value"][0]["kind"] == "500"
    status, _, body = await _raw(emu, "POST", "/_emulator/faults", body=json.dumps({"kind": "bogus"}).encode(), headers={**admin, "Content-Type": "application/json"})
    assert status == 400
    status, _, body = await _raw(emu, "GET", "/_emulator/state", headers=admin)
    assert body["tenantId"] == emu.tenant_id
    status, _, body = await _raw(emu, "PATCH", "/_emulator/config", body=b'{"page_size": 7}', headers={**admin, "Content-Type": "application/json"})
    assert status == 200 and emu.config.page_size == 7


async def test_state_file_persists_and_reloads(tmp_path: Path, sdk) -> None:
    path = tmp_path / "state.json"
    async with Emulator("empty", state_file=path) as first:
        rc = sdk(ResourceManagementClient, first)
        await rc.resource_groups.create_or_update("rg-kept", ResourceGroup(location="eastus"))
        secret = first.login().client_secret
    async with Emulator("empty", state_file=path) as second:
        assert second.login().client_secret == secret
        rc = sdk(ResourceManagementClient, second)
        assert (await rc.resource_groups.get("rg-kept")).location == "eastus"


def test_emulator_thread_serves_synchronous_callers() -> None:
    with EmulatorThread("empty", config=EmulatorConfig(throttle=False)) as emu:
        status, _, _ = _raw_sync(emu, "GET", "/subscriptions?api-version=2022-12-01")
        assert status == 401


def test_standalone_command_prints_the_connection_lines() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "acrtui", "emulator", "--seed", "empty"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(10)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    keys = [line.split("=", 1)[0] for line in lines[:9]]
    assert keys == ["ACRTUI_EMULATOR_URL", "ACRTUI_EMULATOR_CA", "ACRTUI_EMULATOR_ADMIN_TOKEN", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
                    "AZURE_CLIENT_SECRET", "AZURE_SUBSCRIPTION_ID", "ACRTUI_READER_CLIENT_ID", "ACRTUI_READER_CLIENT_SECRET"]
    assert lines[0].startswith("ACRTUI_EMULATOR_URL=https://127.0.0.1:")
    assert lines[9] == "ready"


async def test_reset_reseeds_but_keeps_credentials(emu: Emulator, sdk) -> None:
    rc = sdk(ResourceManagementClient, emu)
    await rc.resource_groups.create_or_update("rg-temp", ResourceGroup(location="eastus"))
    secret = emu.login().client_secret
    emu.reset()
    assert emu.login().client_secret == secret and emu.request_log == []
    assert [g.name async for g in rc.resource_groups.list()] == ["rg-empty"]  # same client, same token, fresh state
