"""The session pipeline against the emulator: read-only guard, retries, concurrency limit, journal, errors, targets."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest

from acrtui.azure.errors import translate
from acrtui.azure.pipeline import ConcurrencyLimiter, is_read_only_request, redact_text, redact_url
from acrtui.azure.session import RetrySettings
from acrtui.azure.targets import TargetOptions, describe_target, open_session
from acrtui.emulator import EmulatorThread
from acrtui.errors import (
    ExitCode,
    NotFound,
    PermissionDenied,
    ReadOnlyViolation,
    SignInError,
    Throttled,
    UsageError,
)

from .conftest import make_session


def test_read_only_allow_list() -> None:
    assert is_read_only_request("GET", "https://x/subscriptions/s/resourceGroups/g")
    assert is_read_only_request("HEAD", "https://x/subscriptions/s/resourceGroups/g")
    assert is_read_only_request("POST", "https://x/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01")
    assert is_read_only_request(
        "POST", "https://x/subscriptions/s/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults?a=b"
    )
    assert is_read_only_request("POST", "https://x/subscriptions/s/providers/Microsoft.PolicyInsights/policyStates/latest/summarize")
    assert is_read_only_request("POST", "https://x/subscriptions/s/providers/Microsoft.ContainerRegistry/checkNameAvailability")
    for method in ("PUT", "PATCH", "DELETE"):
        assert not is_read_only_request(method, "https://x/subscriptions/s/resourceGroups/g")
    # POSTs that change things or reveal secrets are not reads
    assert not is_read_only_request("POST", "https://x/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r/listCredentials")
    assert not is_read_only_request("POST", "https://x/subscriptions/s/providers/Microsoft.PolicyInsights/policyStates/latest/triggerEvaluation")
    assert not is_read_only_request("POST", "https://x/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r/importImage")


def test_redaction() -> None:
    url = redact_url("https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=abcDEF%2B123&api-version=1")
    assert "abcDEF" not in url and "sig=REDACTED" in url and "api-version=1" in url
    text = redact_text("failed: Authorization: Bearer eyJhbGciOi.abc.def and client_secret=hunter2&x=1")
    assert "eyJhbGciOi" not in text and "hunter2" not in text


async def test_subscriptions_and_journal(emu, session_factory) -> None:
    s = session_factory(emu, subscriptions=[])
    subs = await s.resolve_subscriptions()
    assert subs == {emu.subscription_id: "acrtui-empty"}
    entries = list(s.journal)
    assert entries and entries[-1].method == "GET" and entries[-1].status == 200
    assert entries[-1].request_id  # ARM's x-ms-request-id
    assert entries[-1].url.startswith(emu.url) and "/subscriptions" in entries[-1].url
    assert entries[-1].duration_ms >= 0


async def test_read_only_guard_refuses_before_sending(emu, session_factory) -> None:
    s = session_factory(emu, "owner", read_only=True)  # owner could write: only the guard stops it
    rg = s.client("resources")
    await rg.resource_groups.get("rg-empty")  # reads pass
    seq = emu.last_seq
    with pytest.raises(ReadOnlyViolation) as info:
        await rg.resource_groups.create_or_update("rg-new", {"location": "eastus"})
    assert info.value.exit_code == ExitCode.USAGE
    assert emu.request_log[-1].seq == seq  # not a byte: no token request, no ARM request
    assert emu.state.get(f"/subscriptions/{emu.subscription_id}/resourceGroups/rg-new") is None
    assert list(s.journal)[-1].note == "refused: read-only"


async def test_writable_session_writes(emu, session_factory) -> None:
    s = session_factory(emu)
    await s.client("resources").resource_groups.create_or_update("rg-new", {"location": "eastus"})
    assert [w.method for w in emu.writes()] == ["PUT"]
    assert any(e.method == "PUT" and e.status == 201 for e in s.journal)


async def test_retry_on_503_is_azure_core_policy(emu, session_factory) -> None:
    emu.faults.add("503", path="resourcegroups/rg-empty$", count=2)
    s = session_factory(emu)
    rg = await s.client("resources").resource_groups.get("rg-empty")
    assert rg.name == "rg-empty"
    statuses = [e.status for e in s.journal if e.url.lower().split("?")[0].endswith("rg-empty")]
    assert statuses == [503, 503, 200]  # each attempt journaled


async def test_throttling_beyond_retries_is_typed(emu, session_factory) -> None:
    emu.config.throttle_scale = 1000.0  # bucket of 1 request, refilled every 40 s
    s = session_factory(emu, retry=RetrySettings(total=0))
    s.limiter.max_wait_s = 5  # a Retry-After of 40 s is more than this session waits out

    with pytest.raises(Throttled) as info:
        async with translate():
            for _ in range(3):
                await s.client("resources").resource_groups.get("rg-empty")
    assert info.value.exit_code == ExitCode.AZURE


async def test_retry_after_is_honoured(emu, session_factory) -> None:
    emu.config.throttle_scale = 25.0  # burst 10, refill 1 per second: the 11th read gets 429 + Retry-After: 1
    s = session_factory(emu)
    client = s.client("resources")
    loop = asyncio.get_running_loop()
    start = loop.time()
    for _ in range(12):
        await client.resource_groups.get("rg-empty")
    assert any(e.status == 429 for e in s.journal)
    assert loop.time() - start >= 0.9  # waited for Retry-After rather than failing


async def test_errors_are_mapped(emu, session_factory) -> None:
    s = session_factory(emu, "reader")
    with pytest.raises(NotFound):
        async with translate():
            await s.client("resources").resource_groups.get("rg-missing")
    with pytest.raises(PermissionDenied) as info:
        async with translate():
            await s.client("resources").resource_groups.create_or_update("rg-x", {"location": "eastus"})
    e = info.value
    reader = emu.login("reader")
    assert e.principal == reader.object_id and e.action == "Microsoft.Resources/subscriptions/resourceGroups/write"
    assert e.scope and e.scope.lower().endswith("/resourcegroups/rg-x")
    assert reader.client_secret not in str(e)


async def test_bad_secret_is_sign_in_error(emu) -> None:
    from azure.identity.aio import ClientSecretCredential

    s = make_session(emu)
    await s.credential.close()
    s.credential = ClientSecretCredential(emu.tenant_id, emu.login().client_id, "wrong-secret",
                                          authority=f"127.0.0.1:{emu.port}", disable_instance_discovery=True,
                                          connection_verify=str(emu.ca_path))
    try:
        with pytest.raises(SignInError) as info:
            async with translate():
                await s.list_subscriptions()
        assert "wrong-secret" not in str(info.value)
    finally:
        await s.close()


async def test_concurrency_limit_is_fair_and_bounded() -> None:
    lim = ConcurrencyLimiter(total=4, per_subscription=2)
    order: list[str] = []

    async def work(sub: str) -> None:
        async with lim.slot(sub):
            order.append(sub)
            await asyncio.sleep(0.01)

    await asyncio.gather(*[work("a") for _ in range(8)], *[work("b") for _ in range(2)])
    assert lim.peak <= 4
    assert "b" in order[:4]  # b is not starved behind a's queue


async def test_session_closes_clients(emu) -> None:
    s = make_session(emu)
    a = s.client("resources")
    assert s.client("resources") is a  # cached
    await s.close()
    assert s._clients == {}


def test_target_resolution_reaches_standalone_emulator(monkeypatch, tmp_path) -> None:
    with EmulatorThread("empty") as emu:
        for k, v in emu.env().items():
            monkeypatch.setenv(k, v)
        opts = TargetOptions(log_file=str(tmp_path / "log.jsonl"))
        assert describe_target(opts) == "emulator"

        async def run() -> dict[str, str]:
            s = open_session(opts)
            try:
                assert s.target == "emulator" and s.connection_verify == emu.env()["ACRTUI_EMULATOR_CA"]
                return await s.resolve_subscriptions()
            finally:
                await s.close()

        subs = asyncio.run(run())
        assert subs == {emu.subscription_id: "acrtui-empty"}
        assert any(r.kind == "arm" and r.path == "/subscriptions" for r in emu.request_log)
        lines = [json.loads(x) for x in (tmp_path / "log.jsonl").read_text().splitlines()]
        assert lines and lines[-1]["status"] == 200
        assert emu.env()["AZURE_CLIENT_SECRET"] not in (tmp_path / "log.jsonl").read_text()


def test_incomplete_emulator_env_is_usage_error(monkeypatch) -> None:
    monkeypatch.setenv("ACRTUI_EMULATOR_URL", "https://127.0.0.1:1")
    for k in ("ACRTUI_EMULATOR_CA", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"):
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(UsageError) as info:
        open_session(TargetOptions())
    assert info.value.exit_code == ExitCode.USAGE


def test_real_azure_target_uses_cloud() -> None:
    opts = TargetOptions(cloud="AzureUSGovernment", subscriptions=["s1"])
    assert describe_target(opts, env={}) == "azure"
    s = open_session(opts, env={})
    try:
        assert s.cloud.arm_endpoint == "https://management.usgovcloudapi.net/"
        assert s.cloud.private_dns_zone == "privatelink.azurecr.us"
        assert s.connection_verify is None
    finally:
        asyncio.run(s.close())


def test_heavy_sdk_modules_load_lazily() -> None:
    import subprocess

    code = (
        "import sys; import acrtui.azure.session, acrtui.azure.inventory, acrtui.azure.writes, acrtui.azure.targets;"
        "heavy = [m for m in ('azure.mgmt.network', 'azure.mgmt.containerregistry', 'azure.mgmt.keyvault',"
        " 'azure.mgmt.monitor', 'azure.mgmt.resourcegraph', 'azure.identity') if m in sys.modules];"
        "print(heavy); assert heavy == [], heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


async def test_demo_target_starts_emulator_in_process() -> None:
    s = open_session(TargetOptions(demo=True, read_only=True), env={})
    try:
        assert s.target == "demo" and s.emulator is not None and s.read_only
        subs = await s.resolve_subscriptions()
        assert sorted(subs.values()) == ["contoso-production", "contoso-sandbox", "contoso-staging"]
        # the emulator serves from its own thread/loop: this loop only waits for responses
        assert s.emulator.request_log[-1].path == "/subscriptions"
        assert all("Bearer" not in e.url and s.emulator.login("reader").client_secret not in e.url for e in s.journal)
    finally:
        await s.close()


async def test_unknown_subscription_is_reported(emu, session_factory) -> None:
    s = session_factory(emu, subscriptions=["00000000-0000-0000-0000-00000000dead"])
    with pytest.raises(NotFound) as info:
        await s.resolve_subscriptions()
    assert "00000000-0000-0000-0000-00000000dead" in info.value.message
