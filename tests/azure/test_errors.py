"""Issue 8 §9: error titles tell the truth — by Azure's error code and the exception type, never by a name.

Real SDK errors from the emulator over TLS: ARM error codes, the token endpoint's answers to a wrong secret,
client id or tenant, and a CA bundle that is not the emulator's (counted at the TCP level: one connection).
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import pytest
from click.testing import CliRunner, Result

from acrtui.azure.errors import translate
from acrtui.azure.pipeline import redact_text
from acrtui.cli import cli
from acrtui.emulator import Emulator, EmulatorThread
from acrtui.errors import AcrtuiError, ExitCode

PLAN = str(Path(__file__).resolve().parents[2] / "examples" / "plans" / "assign-policies.yaml")


async def _registry(s: Any, group: str, name: str) -> Any:
    async with translate():
        await s.client("resources").resource_groups.create_or_update(group, {"location": "eastus"})
        poller = await s.client("containerregistry").registries.begin_create(
            group, name, {"location": "eastus", "sku": {"name": "Basic"}})
        return await poller.result()


async def _error(coro: Any) -> AcrtuiError:
    with pytest.raises(AcrtuiError) as info:
        async with translate():
            await coro
    return info.value


@pytest.mark.parametrize("name", ["mycmkregistry", "premiumkeyvault"])
async def test_titles_come_from_the_code_never_from_a_resource_name(emu: Emulator, session_factory: Any,
                                                                   name: str) -> None:
    s = session_factory(emu)
    await _registry(s, "rg-a", name)
    err = await _error(s.client("containerregistry").registries.list_credentials("rg-a", name))
    assert err.code == "AdminUserDisabled"  # ARM's message quotes the registry id, so names were matched before
    assert err.title == "Azure error" and err.exit_code == ExitCode.AZURE


async def test_a_name_taken_globally_says_choose_another_not_retry(emu: Emulator, session_factory: Any) -> None:
    s = session_factory(emu)
    await _registry(s, "rg-a", "cmkshared01")
    poller = s.client("containerregistry").registries.begin_create(
        "rg-b", "cmkshared01", {"location": "eastus", "sku": {"name": "Premium"}})
    async with translate():
        await s.client("resources").resource_groups.create_or_update("rg-b", {"location": "eastus"})
    err = await _error(poller)
    assert err.code == "AlreadyInUse" and err.title == "Name not available"
    assert "Choose another name" in err.message and "retry later" not in err.message.lower()


async def test_redaction_keeps_sdk_prose_and_removes_real_secrets(emu: Emulator) -> None:
    cred = emu.credential("owner")
    try:
        real = (await cred.get_token("https://management.azure.com/.default")).token
    finally:
        await cred.close()
    prose = "Bearer token authentication is not permitted for non-TLS protected (non-https) URLs."
    assert redact_text(prose) == prose
    assert redact_text("Bearer challenge-based auth failed") == "Bearer challenge-based auth failed"
    for text in (f"Authorization: Bearer {real}", f"token {real} expired", "x?sig=abc%2Fdef&se=1", "client_secret=s3cr3t!"):
        out = redact_text(text)
        assert "REDACTED" in out and real not in out and "s3cr3t" not in out and "abc%2Fdef" not in out, out


# ---------------------------------------------------------------- sign-in and TLS, through the CLI


@pytest.fixture(scope="module")
def thread() -> Iterator[EmulatorThread]:
    t = EmulatorThread("demo")
    t.start()
    yield t
    t.stop()


def _plan(thread: EmulatorThread, tmp_path: Path, **env: str) -> Result:
    base = {**thread.emulator.env(), "ACRTUI_JOURNAL": str(tmp_path / "journal.jsonl")}
    return CliRunner().invoke(cli, ["plan", PLAN, "--log-file", str(tmp_path / "requests.jsonl")],
                              env={**base, **env}, catch_exceptions=False)


@pytest.mark.parametrize(("env", "reason"), [
    ({"AZURE_CLIENT_SECRET": "not-the-secret-0000"}, "(invalid_client) AADSTS7000215"),
    ({"AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001"}, "(unauthorized_client) AADSTS700016"),
    ({"AZURE_TENANT_ID": "00000000-0000-0000-0000-000000000002"}, "(invalid_request) AADSTS90002"),
])
def test_a_wrong_credential_is_a_sign_in_failure_with_the_reason(thread: EmulatorThread, tmp_path: Path,
                                                                  env: dict[str, str], reason: str) -> None:
    r = _plan(thread, tmp_path, **env)
    assert r.exit_code == ExitCode.AZURE, r.output
    assert r.stderr.startswith("error: Sign-in failed: Could not sign in to Azure:"), r.stderr
    assert r.stderr.count(reason) == 1, r.stderr
    assert "Content:" not in r.stderr and "not-the-secret-0000" not in r.stderr


@pytest.mark.parametrize("emulator", [True, False])
def test_a_malformed_tenant_id_is_a_located_sign_in_error(thread: EmulatorThread, tmp_path: Path,
                                                          emulator: bool) -> None:
    env = {"AZURE_TENANT_ID": "not a tenant!"} | ({} if emulator else {"ACRTUI_EMULATOR_URL": ""})
    r = _plan(thread, tmp_path, **env)
    assert r.exit_code == ExitCode.AZURE, r.output
    assert r.stderr.startswith("error: Sign-in failed: AZURE_TENANT_ID='not a tenant!' is not a tenant id"), r.stderr


class _Counter(socketserver.ThreadingTCPServer):
    """A TCP relay in front of the emulator that counts connections (each TLS handshake attempt is one)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.connections = 0
        super().__init__(("127.0.0.1", 0), _Relay)


class _Relay(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: _Counter = self.server  # type: ignore[assignment]
        server.connections += 1
        up = socket.create_connection(server.upstream)

        def pipe(a: socket.socket, b: socket.socket) -> None:
            try:
                while data := a.recv(65536):
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        t = threading.Thread(target=pipe, args=(up, self.request), daemon=True)
        t.start()
        pipe(self.request, up)
        t.join()
        up.close()


def test_a_certificate_that_does_not_verify_fails_at_once(thread: EmulatorThread, tmp_path: Path) -> None:
    host, port = thread.emulator.url.removeprefix("https://").split(":")
    relay = _Counter((host, int(port)))
    threading.Thread(target=relay.serve_forever, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{relay.server_address[1]}"
        r = _plan(thread, tmp_path, ACRTUI_EMULATOR_URL=url, ACRTUI_EMULATOR_CA=certifi.where())
    finally:
        relay.shutdown()
        relay.server_close()
    assert r.exit_code == ExitCode.AZURE, r.output
    assert r.stderr.startswith("error: TLS certificate not trusted: The server's TLS certificate did not verify"), \
        r.stderr
    assert f"the CA bundle in use is ACRTUI_EMULATOR_CA={certifi.where()}" in r.stderr
    assert "Set ACRTUI_EMULATOR_CA to the CA bundle this emulator printed" in r.stderr
    assert r.stderr.count("unable to get local issuer certificate") == 1, r.stderr
    attempts = [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert len(attempts) == 1 and attempts[0]["status"] is None, [a["url"] for a in attempts]  # ARM's retry policy: one attempt
    assert relay.connections == 1  # and the credential's token pipeline did not retry either


def test_the_cli_says_it_once_without_sdk_log_lines(thread: EmulatorThread, tmp_path: Path) -> None:
    """In a real process (no pytest log capture), azure-identity's per-attempt WARNINGs do not reach stderr."""
    import os
    import subprocess
    import sys

    import acrtui

    env = {**os.environ, **thread.emulator.env(), "ACRTUI_EMULATOR_CA": certifi.where(),
           "ACRTUI_JOURNAL": str(tmp_path / "journal.jsonl"),
           "PYTHONPATH": str(Path(acrtui.__file__).resolve().parents[1])}
    src = env["PYTHONPATH"]
    p = subprocess.run([sys.executable, "-c", "from acrtui.cli import main; main()", "plan", PLAN], env=env, cwd=src,
                       capture_output=True, text=True)
    assert p.returncode == ExitCode.AZURE
    assert [ln for ln in p.stderr.splitlines() if ln.strip()] == [p.stderr.strip()], p.stderr
    assert p.stderr.startswith("error: TLS certificate not trusted:")


async def test_a_credential_chain_failure_lists_each_reason(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """DefaultAzureCredential is a chain: the sign-in error carries every credential's reason, redacted."""
    from urllib.parse import urlsplit

    from azure.identity.aio import ChainedTokenCredential, ClientSecretCredential, EnvironmentCredential

    for var in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_CLIENT_CERTIFICATE_PATH",
                "AZURE_USERNAME"):
        monkeypatch.delenv(var, raising=False)

    from acrtui.azure.errors import from_azure
    from acrtui.azure.pipeline import TlsAwareRetryPolicy

    def cred(client: str, secret: str) -> ClientSecretCredential:
        return ClientSecretCredential(emu.tenant_id, client, secret, authority=urlsplit(emu.url).netloc,
                                      disable_instance_discovery=True, connection_verify=str(emu.ca_path),
                                      retry_policy_class=TlsAwareRetryPolicy)

    login = emu.login("owner")
    chain = ChainedTokenCredential(EnvironmentCredential(), cred(login.client_id, "wrong-secret-123"))
    try:
        with pytest.raises(Exception) as info:
            await chain.get_token("https://management.azure.com/.default")
    finally:
        await chain.close()
    err = from_azure(info.value)
    assert err.title == "Sign-in failed" and err.exit_code == ExitCode.AZURE
    assert "EnvironmentCredential: " in err.message and "ClientSecretCredential: " in err.message, err.message
    assert "AADSTS7000215" in err.message
    assert "wrong-secret-123" not in err.message
