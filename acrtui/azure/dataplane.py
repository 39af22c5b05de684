"""The registry data plane (``https://<login server>``) through ``azure-containerregistry``: repositories, tags and
their digests — what ARM cannot list.

The client trades the session's Entra token for an ACR token itself (``/oauth2/exchange`` → ``/oauth2/token``, on
the first 401 challenge), asking for the cloud's ACR audience; so it works with ARM-audience tokens disabled on
the registry. The data plane is reached from the operator's machine, not through ARM: with public network access
off (and no private path from here), a firewall that does not admit this address, or no pull right, it refuses —
:class:`DataPlaneUnreachable` says which, and what to do.

Calls are journaled like the management clients' (``raw_response_hook``; the token exchange POSTs count as reads).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from ..domain.content import DigestCheck, RegistryContent, split_image
from ..domain.desired import DesiredState
from ..domain.models import Estate, RegistryPosture
from ..errors import AcrtuiError
from .pipeline import JournalEntry, ReadOnlyRequestCheck, redact_text, redact_url
from .session import AzureSession

# a login server that resolves to an address this machine cannot reach (a private endpoint's, from outside) hangs
# on connect: fail in seconds, not azure-core's default 300 s per attempt
CONNECT_TIMEOUT_S = 10
READ_CONCURRENCY = 8  # repositories whose tags are listed at once (discovery of a large registry)


class DataPlaneUnreachable(AcrtuiError):
    """The registry's data plane could not be read from this machine. ``cause``: ``denied`` (403: public access
    off / firewall), ``unauthorized`` (401: no pull right), ``network`` (no connection), ``service`` (any other
    answer: 5xx after retries, throttling, an unknown registry)."""

    title = "Registry data plane unreachable"

    def __init__(self, message: str, *, cause: str, login_server: str, way_forward: str) -> None:
        super().__init__(f"{message} {way_forward}", code=cause)
        self.cause = cause
        self.login_server = login_server
        self.reason = message
        self.way_forward = way_forward


def endpoint(session: AzureSession, login_server: str) -> str:
    """``https://<login server>`` in Azure; ``<emulator url>/<login server>`` against the emulator."""
    return session.cloud.acr_endpoint_template.format(login_server=login_server.lower())


@asynccontextmanager
async def open_client(session: AzureSession, login_server: str) -> AsyncIterator[Any]:
    """A ``ContainerRegistryClient`` for one registry (imported lazily: the SDK is only needed here)."""
    from azure.containerregistry.aio import ContainerRegistryClient

    def hook(response: Any) -> None:
        req, http = response.http_request, response.http_response
        session.journal.add(JournalEntry.now(req.method, redact_url(req.url), http.status_code, 0.0,
                                             http.headers.get("x-ms-request-id"), "data plane"))

    kw: dict[str, Any] = {"audience": session.cloud.acr_audience, "raw_response_hook": hook,
                          "connection_timeout": CONNECT_TIMEOUT_S, **session.retry.kwargs()}
    if session.connection_verify:
        kw["connection_verify"] = session.connection_verify
    if session.read_only:
        kw["per_call_policies"] = [ReadOnlyRequestCheck(session.journal)]
    async with ContainerRegistryClient(endpoint(session, login_server), session.credential, **kw) as client:
        yield client


@asynccontextmanager
async def _translate(login_server: str) -> AsyncIterator[None]:
    """SDK errors → :class:`DataPlaneUnreachable` with the reason and the way forward (never a token)."""
    from azure.containerregistry import DigestValidationError
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    name = login_server.split(".", 1)[0]
    try:
        yield
    except DigestValidationError as e:
        raise DataPlaneUnreachable(
            f"{login_server} served a manifest whose content does not match its digest.", cause="service",
            login_server=login_server, way_forward="Read it again; if it persists, the registry (or a proxy "
            "between) is altering content — do not trust this read.") from e
    except ClientAuthenticationError as e:
        raise DataPlaneUnreachable(
            f"{login_server} refused the signed-in principal (401: no pull right on the registry, or the token "
            "exchange was refused).", cause="unauthorized", login_server=login_server,
            way_forward=f"Grant it AcrPull (or Reader) on {name}, or list the images by hand.") from e
    except HttpResponseError as e:
        status = e.status_code or 0
        if status == 403:
            raise DataPlaneUnreachable(
                f"{login_server} refused this machine (403: public network access is off, or the registry's "
                "firewall does not admit this address).", cause="denied", login_server=login_server,
                way_forward="Run from a network with a private path to the registry (a VNet with its private "
                "endpoint, VPN), add this address to its firewall, or list the images by hand.") from e
        raise DataPlaneUnreachable(
            f"{login_server} answered {status}{' after retries' if status >= 500 or status == 429 else ''}.",
            cause="service", login_server=login_server,
            way_forward="Try again in a few minutes, or list the images by hand.") from e
    except (ServiceRequestError, ServiceResponseError) as e:
        raise DataPlaneUnreachable(
            f"{login_server} could not be reached ({redact_text(type(e).__name__)}: no connection).",
            cause="network", login_server=login_server,
            way_forward="Check that this machine resolves and reaches the login server (DNS, proxy, private "
            "endpoint), or list the images by hand.") from e


async def list_repositories(session: AzureSession, login_server: str) -> list[str]:
    """The registry's catalog, sorted. Raises :class:`DataPlaneUnreachable`."""
    async with _translate(login_server), open_client(session, login_server) as c:
        return sorted([n async for n in c.list_repository_names()])


async def list_tags(session: AzureSession, login_server: str, repository: str) -> dict[str, str] | None:
    """``{tag: digest}`` of one repository, or None when the repository does not exist."""
    from azure.core.exceptions import ResourceNotFoundError

    async with _translate(login_server), open_client(session, login_server) as c:
        try:
            return {t.name: t.digest async for t in c.list_tag_properties(repository)}
        except ResourceNotFoundError:
            return None


async def tag_digest(session: AzureSession, login_server: str, repository: str, tag: str) -> str | None:
    """The manifest digest a tag points at (``Docker-Content-Digest``, checked against the body by the SDK), or
    None when the repository or tag does not exist. For verifying an import: compare target with source."""
    from azure.core.exceptions import ResourceNotFoundError

    async with _translate(login_server), open_client(session, login_server) as c:
        try:
            return str((await c.get_manifest(repository, tag)).digest)
        except ResourceNotFoundError:
            return None


async def verify_imported(session: AzureSession, source_login: str, target_login: str,
                          images: Iterable[str]) -> list[DigestCheck]:
    """After an import: each ``repo:tag``'s manifest digest in the source and in the target (same name), so the
    caller can show which tags match. Raises :class:`DataPlaneUnreachable` when either side cannot be read."""
    out: list[DigestCheck] = []
    for image in images:
        repo, tag = split_image(image)
        out.append(DigestCheck(f"{repo}:{tag}", await tag_digest(session, source_login, repo, tag),
                               await tag_digest(session, target_login, repo, tag)))
    return out


async def read_content(session: AzureSession, registry_id: str, login_server: str,
                       repositories: Iterable[str] | None = None) -> RegistryContent:
    """The catalog and the tags (with digests) of ``repositories`` — every repository when None. Never raises
    :class:`DataPlaneUnreachable`: an unreadable data plane comes back as ``RegistryContent.unreadable``."""
    try:
        async with _translate(login_server), open_client(session, login_server) as c:
            from azure.core.exceptions import ResourceNotFoundError

            catalog = tuple(sorted([n async for n in c.list_repository_names()]))
            wanted = catalog if repositories is None else sorted({r for r in repositories if r in catalog})
            slots = asyncio.Semaphore(READ_CONCURRENCY)

            async def one(repo: str) -> tuple[str, dict[str, str] | None]:
                async with slots:
                    try:
                        return repo, {t.name: t.digest async for t in c.list_tag_properties(repo)}
                    except ResourceNotFoundError:
                        return repo, None  # deleted between the catalog and now

            got = await asyncio.gather(*(one(r) for r in wanted))
            tags = {repo: t for repo, t in got if t is not None}
    except DataPlaneUnreachable as e:
        return RegistryContent(registry_id, login_server, unreadable=e.reason, way_forward=e.way_forward)
    return RegistryContent(registry_id, login_server, catalog, tags)


async def discover(session: AzureSession, registry: RegistryPosture) -> RegistryContent:
    """Every repository and tag (with digests) of a registry: what a migration offers to import by default."""
    return await read_content(session, registry.id, registry.login_server)


async def read_import_sources(session: AzureSession, desired: DesiredState, estate: Estate) -> dict[str, RegistryContent]:
    """For a plan's ``createCmkRegistry … import``: each existing source's catalog and the tags of the repositories
    named, keyed by registry id (lower). Sources the estate does not hold are the diff's to report."""
    wanted: dict[str, set[str]] = {}
    for m in desired.create_cmk_registry:
        src = estate.registry(m.source)
        if src is None or m.import_ is None:
            continue
        wanted.setdefault(src.id.lower(), set()).update(split_image(i)[0] for i in m.import_.images)
    out: dict[str, RegistryContent] = {}
    for rid, repos in wanted.items():
        reg = estate.registry(rid)
        assert reg is not None
        out[rid] = await read_content(session, reg.id, reg.login_server, repos)
    return out
