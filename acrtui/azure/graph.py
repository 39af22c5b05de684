"""Names for the principal ids acrtui shows, from Microsoft Graph — optional, never a reason for an audit to fail.

One ``POST {graph}/v1.0/directoryObjects/getByIds`` per 1000 ids (Graph REST v1.0 ``directoryobject-getbyids``: "up to
1000 ids"), through the session's own policies (read-only guard, concurrency, journal, retry) with a Graph-audience
token from the session's credential. Reading the directory needs Directory.Read.All (or a role such as Directory
Readers); a principal without it gets 403, and then every id simply stays an id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from azure.core import AsyncPipelineClient
from azure.core.exceptions import AzureError
from azure.core.pipeline.policies import (
    AsyncBearerTokenCredentialPolicy,
    AsyncRetryPolicy,
    ContentDecodePolicy,
    HeadersPolicy,
    UserAgentPolicy,
)
from azure.core.pipeline.transport import AioHttpTransport
from azure.core.rest import HttpRequest

from ..errors import ReadOnlyViolation
from .pipeline import build_policies

if TYPE_CHECKING:
    from ..domain.models import Estate
    from .session import AzureSession

log = logging.getLogger(__name__)
BATCH = 1000
TYPES = ["user", "group", "servicePrincipal"]


def label(obj: dict[str, Any]) -> str | None:
    """``name (what it is)`` for a directory object as getByIds returns it; None without a display name."""
    name = obj.get("displayName")
    if not name:
        return None
    kind = str(obj.get("@odata.type", "")).rsplit(".", 1)[-1]
    if kind == "servicePrincipal" and obj.get("servicePrincipalType") == "ManagedIdentity":
        alt = [str(a).lower() for a in obj.get("alternativeNames") or []]
        what = "user-assigned identity" if "isexplicit=true" in alt else "system-assigned identity"
    else:
        what = {"servicePrincipal": "service principal", "user": "user", "group": "group"}.get(kind, "principal")
    return f"{name} ({what})"


class GraphNames:
    """A small Graph client on the session's pipeline; :meth:`names` never raises for Azure or network errors."""

    def __init__(self, session: AzureSession) -> None:
        cloud = session.cloud
        policies: list[Any] = [
            HeadersPolicy(),
            UserAgentPolicy("acrtui"),
            ContentDecodePolicy(),
            AsyncRetryPolicy(**session.retry.kwargs()),
            *build_policies(read_only=session.read_only, limiter=session.limiter, journal=session.journal),
            AsyncBearerTokenCredentialPolicy(session.credential, *cloud.graph_scopes),
        ]
        transport_kw = {"connection_verify": session.connection_verify} if session.connection_verify else {}
        self.base = cloud.graph_endpoint.rstrip("/")
        self._client: AsyncPipelineClient[Any, Any] = AsyncPipelineClient(
            self.base, policies=policies, transport=session.transport() or AioHttpTransport(**transport_kw)
        )

    async def names(self, ids: Iterable[str]) -> dict[str, str]:
        """Lower-cased object id → label, for the ids Graph knows; {} when the directory cannot be read."""
        todo = sorted({i.lower() for i in ids if i})
        out: dict[str, str] = {}
        for start in range(0, len(todo), BATCH):
            body = {"ids": todo[start:start + BATCH], "types": TYPES}
            req = HttpRequest("POST", f"{self.base}/v1.0/directoryObjects/getByIds", json=body)
            try:
                resp = await self._client.send_request(req)
                if resp.status_code != 200:
                    log.info("Graph getByIds answered %s: principal ids stay ids", resp.status_code)
                    return out
                found = json.loads(resp.text()).get("value") or []
            except (AzureError, ReadOnlyViolation, ValueError, OSError) as e:
                log.info("Graph getByIds failed (%s): principal ids stay ids", type(e).__name__)
                return out
            for obj in found:
                name = label(obj) if isinstance(obj, dict) else None
                if name and obj.get("id"):
                    out[str(obj["id"]).lower()] = name
        return out

    async def close(self) -> None:
        await self._client.close()


def principal_ids(estate: Estate) -> set[str]:
    """Every principal id the estate shows: registry identities and the vaults' key users."""
    ids: set[str] = set()
    for reg in estate.registries:
        if reg.identity.system_principal_id:
            ids.add(reg.identity.system_principal_id)
        ids.update(u.principal_id for u in reg.identity.user_assigned if u.principal_id)
    for vault in estate.vaults:
        ids.update(vault.key_users)
    return {i.lower() for i in ids}


async def name_principals(session: AzureSession, estate: Estate) -> Estate:
    """The estate with ``principal_names`` filled in (best effort: an unreadable directory leaves it empty)."""
    ids = principal_ids(estate)
    if not ids:
        return estate
    client = GraphNames(session)
    try:
        names = await client.names(ids)
    finally:
        await client.close()
    return estate.model_copy(update={"principal_names": names}) if names else estate
