"""The session's lean read pipeline: what a read keeps (guard, retry, limiter, journal, ARM-only token, proxies
from the environment) and the per-request work it no longer does (worker-thread hops, URL re-encoding)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest

from acrtui.azure import session as session_mod
from acrtui.azure.pipeline import redact_url, subscription_of, url_path
from acrtui.azure.session import same_origin
from acrtui.errors import ReadOnlyViolation

from .conftest import make_session

SUBS = "/subscriptions"
API = "2022-12-01"


def test_url_path_is_urlsplits_path() -> None:
    """The string-sliced path (several calls per request) answers what ``urlsplit`` would, odd URLs included."""
    urls = [
        "https://management.azure.com/subscriptions/S/resourceGroups/g?api-version=1",
        "https://h:443/subscriptions/s/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01",
        "https://h", "https://h/", "https://h?x=/a/b", "https://h#/frag", "https://user@h/p?q#f",
        "https://[::1]:8443/subscriptions/x", "HTTPS://H/A/B", "https://h/a%2Fb?c=d", "https://h//double//slash",
        " https://h/leading-space", "https://h/a\tb", "/relative/path?x=1", "mailto:someone", "",
    ]
    for u in urls:
        assert url_path(u) == urlsplit(u).path, u
    assert subscription_of("https://h/Subscriptions/ABC/resourceGroups/g") == "abc"
    assert subscription_of("https://h/providers/Microsoft.ResourceGraph/resources") == ""


def test_redaction_fast_path_keeps_plain_urls_and_still_redacts_secrets() -> None:
    plain = "https://h/subscriptions/s/x?api-version=2023-07-01&$skipToken=abc%3D%3D&$top=100"
    assert redact_url(plain) == plain  # journaled as sent, not re-encoded
    for secret in ("SIG=abc123", "si%67=abc123", "Signature=abc123", "code=abc123", "sktid=abc123"):
        url = redact_url(f"https://h/p?api-version=1&{secret}&x=1")
        assert "abc123" not in url and "REDACTED" in url, (secret, url)


async def test_reads_take_no_worker_thread_per_request(emu, session_factory) -> None:
    """aiohttp's ``trust_env`` looked up netrc and the proxy environment on two worker threads for every
    request (~0.8 ms of CPU each at fleet scale); the session resolves proxies once per host instead."""
    s = session_factory(emu, "reader", read_only=True)
    await s.get_json("subscriptions", None, SUBS, API)  # sign-in (the credential's own transport) and warm-up
    loop = asyncio.get_running_loop()
    hops: Counter[str] = Counter()
    original = loop.run_in_executor

    def counting(executor: Any, func: Any, *args: Any) -> Any:
        hops[getattr(func, "__name__", repr(func))] += 1
        return original(executor, func, *args)

    loop.run_in_executor = counting  # type: ignore[method-assign]
    try:
        await asyncio.gather(*(s.get_json("subscriptions", None, SUBS, API) for _ in range(20)))
        await s.raw("GET", SUBS, API)
    finally:
        loop.run_in_executor = original  # type: ignore[method-assign]
    assert not hops, hops
    assert sum(1 for e in s.journal if e.status == 200) >= 22


class ConnectProxy:
    """A minimal HTTPS proxy (HTTP CONNECT tunnels) that records which hosts it was asked to reach."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        method, target = line.decode().split()[:2]
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        if method != "CONNECT":
            writer.close()
            return
        self.targets.append(target)
        host, port = target.rsplit(":", 1)
        up_r, up_w = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            try:
                while data := await r.read(65536):
                    w.write(data)
                    await w.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                w.close()

        await asyncio.gather(pipe(reader, up_w), pipe(up_r, writer))

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


@pytest.fixture
def clean_proxy_env(monkeypatch):
    for k in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY",
              "all_proxy"):
        monkeypatch.delenv(k, raising=False)
    session_mod.env_proxy.cache_clear()
    yield monkeypatch
    session_mod.env_proxy.cache_clear()


async def test_reads_still_go_through_the_environments_proxy(emu, session_factory, clean_proxy_env) -> None:
    """``HTTPS_PROXY`` (a corporate proxy) still carries ARM reads, through a verified TLS tunnel; ``NO_PROXY``
    still exempts a host."""
    proxy = ConnectProxy()
    port = await proxy.start()
    try:
        s = session_factory(emu, "reader", read_only=True)
        await s.credential.get_token(*s.cloud.scopes)  # signed in before the proxy is set: only ARM reads below
        clean_proxy_env.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
        subs = await s.get_json("subscriptions", None, SUBS, API)
        assert [v["subscriptionId"] for v in subs["value"]] == list(emu.subscription_ids)
        assert proxy.targets == [f"127.0.0.1:{emu.port}"]

        session_mod.env_proxy.cache_clear()
        clean_proxy_env.setenv("NO_PROXY", "127.0.0.1")
        other = make_session(emu, "reader", read_only=True)
        try:
            await other.get_json("subscriptions", None, SUBS, API)
        finally:
            await other.close()
        assert proxy.targets == [f"127.0.0.1:{emu.port}"], "NO_PROXY host went through the proxy"
    finally:
        await proxy.stop()


async def test_read_pipeline_retries_and_journals_each_attempt(emu, session_factory) -> None:
    emu.faults.add("503", path="resourcegroups/rg-empty$", count=2)
    s = session_factory(emu)
    rid = f"/subscriptions/{emu.subscription_id}/resourceGroups/rg-empty"
    body = await s.get_json("resources", None, rid, "2022-09-01")
    assert body["name"] == "rg-empty"
    attempts = [e for e in s.journal if e.url.lower().split("?")[0].endswith("rg-empty")]
    assert [e.status for e in attempts] == [503, 503, 200]
    assert all(e.request_id for e in attempts[-1:])


async def test_writes_never_take_the_read_pipeline(emu, session_factory) -> None:
    """``send_read`` hands anything that is not a read to the client's SDK pipeline, whose guard refuses it in a
    read-only session before a byte is sent."""
    s = session_factory(emu, "owner", read_only=True)
    await s.get_json("subscriptions", None, SUBS, API)
    seq = emu.last_seq
    rid = f"/subscriptions/{emu.subscription_id}/resourceGroups/rg-new"
    with pytest.raises(ReadOnlyViolation):
        await s.raw("PUT", rid, "2022-09-01", {"location": "eastus"})
    with pytest.raises(ReadOnlyViolation):
        await s.send_read(HttpRequest("POST", f"{emu.url}{rid}/providers/Microsoft.ContainerRegistry/registries/r/"
                                              "listCredentials?api-version=2023-07-01"))
    assert emu.last_seq == seq
    assert [e.note for e in list(s.journal)[-2:]] == ["refused: read-only"] * 2


async def test_a_link_outside_arm_is_refused_before_the_token_goes_there(emu, session_factory) -> None:
    """A nextLink naming another host would carry the ARM bearer token there: refused, nothing sent."""
    s = session_factory(emu, "reader", read_only=True)
    await s.get_json("subscriptions", None, SUBS, API)
    sent = len(s.journal)
    with pytest.raises(HttpResponseError, match="outside"):
        await s.get_json("subscriptions", None, "https://elsewhere.example/subscriptions?api-version=1")
    assert len(s.journal) == sent


def test_arm_links_are_recognised_with_their_case_and_port() -> None:
    base = "https://management.azure.com"
    assert same_origin("https://management.azure.com/subscriptions?api-version=1&$skiptoken=x", base)
    assert same_origin("https://Management.Azure.com:443/subscriptions/s/providers/x", base)
    for other in ("https://management.azure.com.evil.example/subscriptions", "http://management.azure.com/x",
                  "https://management.azure.com:8443/x", "https://user@elsewhere.example/x",
                  "https://management.azure.com:bad/x"):
        assert not same_origin(other, base), other
