"""Where to connect: real Azure, the in-process demo emulator, or an emulator already running elsewhere.

Below the credential the three are the same code path: the same clients, pipeline and inventory. Every
command (TUI, audit, plan, apply, export) calls :func:`open_session` with the options
:func:`acrtui.options.session_options` resolved.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import SignInError, UsageError
from .clouds import AzureCloudInfo, get_cloud
from .pipeline import Journal, TlsAwareRetryPolicy
from .session import AzureSession
from .target_options import TargetOptions

EMULATOR_URL = "ACRTUI_EMULATOR_URL"
EMULATOR_CA = "ACRTUI_EMULATOR_CA"


def describe_target(options: TargetOptions, env: Mapping[str, str] | None = None) -> str:
    """``demo`` | ``emulator`` | ``azure``: what :func:`open_session` will connect to."""
    env = os.environ if env is None else env
    if options.demo:
        return "demo"
    if env.get(EMULATOR_URL):
        return "emulator"
    return "azure"


def _emulator_credential(url: str, ca: str, tenant: str, client_id: str, secret: str) -> Any:
    from urllib.parse import urlsplit

    from azure.identity.aio import ClientSecretCredential

    host = urlsplit(url).netloc
    with _tenant_checked(tenant):
        return ClientSecretCredential(tenant, client_id, secret, authority=host, disable_instance_discovery=True,
                                      connection_verify=ca, retry_policy_class=TlsAwareRetryPolicy)


@contextlib.contextmanager
def _tenant_checked(tenant: str | None) -> Iterator[None]:
    """azure-identity rejects a malformed tenant id with a bare ValueError when the credential is built."""
    try:
        yield
    except ValueError as exc:
        raise SignInError(f"AZURE_TENANT_ID={tenant!r} is not a tenant id ({exc}). Set it to your tenant's GUID or "
                          "domain (`az account show --query tenantId`), or unset it.") from None


def _session(options: TargetOptions, cloud: AzureCloudInfo, credential: Any, *, target: str,
             ca: str | None = None, principal: str | None = None) -> AzureSession:
    return AzureSession(
        cloud=cloud,
        credential=credential,
        subscriptions=list(options.subscriptions),
        read_only=options.read_only,
        connection_verify=ca,
        polling_interval=options.polling_interval,
        concurrency=options.concurrency,
        retry=options.retry,
        journal=Journal(log_file=options.log_file),
        target=target,
        principal_hint=principal,
        inventory=options.inventory,
    )


def open_session(options: TargetOptions, env: Mapping[str, str] | None = None) -> AzureSession:
    """Build the session for the chosen target. Nothing is sent until the first call; close it when done."""
    env = os.environ if env is None else env
    cloud = get_cloud(options.cloud)
    kind = describe_target(options, env)
    if kind == "demo":
        from ..emulator import EmulatorThread

        thread = EmulatorThread(options.demo_seed, cloud=cloud.name)
        emu = thread.start()
        try:
            login = emu.login("reader" if options.read_only else "owner")
            cred = _emulator_credential(emu.url, str(emu.ca_path), emu.tenant_id, login.client_id, login.client_secret)
        except Exception:
            thread.stop()
            raise
        session = _session(options, cloud.with_endpoint(emu.url), cred, target="demo", ca=str(emu.ca_path),
                           principal=login.client_id)
        if session.polling_interval is None:
            session.polling_interval = 0.05
        session.closers.append(thread.stop)
        session.emulator = emu
        return session
    if kind == "emulator":
        url = env[EMULATOR_URL]
        ca = env.get(EMULATOR_CA, "")
        missing = [k for k in (EMULATOR_CA, "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET") if not env.get(k)]
        if missing:
            raise UsageError(f"{EMULATOR_URL} is set but {', '.join(missing)} is not: copy all the lines "
                             "`acrtui emulator` printed.", title="Emulator settings incomplete")
        if not Path(ca).is_file():
            raise UsageError(f"{EMULATOR_CA}={ca} is not a file: point it at the CA bundle the emulator printed.",
                             title="Emulator settings incomplete")
        cred = _emulator_credential(url, ca, env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"], env["AZURE_CLIENT_SECRET"])
        session = _session(options, cloud.with_endpoint(url), cred, target="emulator", ca=ca,
                           principal=env["AZURE_CLIENT_ID"])
        if session.polling_interval is None:
            session.polling_interval = 0.05
        return session
    from azure.identity.aio import DefaultAzureCredential

    with _tenant_checked(env.get("AZURE_TENANT_ID")):
        cred = DefaultAzureCredential(authority=cloud.authority, retry_policy_class=TlsAwareRetryPolicy)
    return _session(options, cloud, cred, target="azure")
