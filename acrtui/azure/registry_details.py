"""Registry sub-resources and preview policies → :class:`~acrtui.domain.models.RegistryDetails`.

Called once from :meth:`Inventory.load` with the listed registry bodies, so the ARM and the Resource Graph paths
get the same reads. Quarantine and retention come from the listed body; the rest are ARM list calls per registry
(raw JSON through the session's pipeline, no SDK models), run concurrently through the inventory's ``_soft`` (a
failed read becomes a read gap naming the input it hides, so the checks that need it say ``error``). Of these
child types Resource Graph's ``resources`` table indexes only ``registries/webhooks`` (Learn, "Azure Resource
Graph table and resource type reference", table ``resources``: registries, agentpools, buildtasks, replications,
taskruns, tasks, webhooks — not tokens, scopeMaps, cacheRules, credentialSets or connectedRegistries), so the
Graph path hands in its webhook rows and lists the rest through ARM, as the ARM path does:

- soft delete (``policies.softDeletePolicy``) exists only in preview api-versions (the 2025-11-01 SDK model has no
  field for it): when a listed body lacks it, the registry's subscription is listed once at
  ``SOFT_DELETE_API`` (one paged call per subscription, not one per registry);
- tokens and scope maps, webhooks (plus each webhook's ``getCallbackConfig``, a read-only POST, of which only the
  URI's scheme and host are kept: its path, query and headers may carry secrets), cache rules and credential sets:
  every SKU (Learn: repository-scoped tokens, webhooks and artifact cache are in all service tiers);
- connected registries: Premium only (Learn, "What is a connected registry?"), so other SKUs are not asked.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..domain.models import (
    CacheRuleInfo,
    CheckInput,
    ConnectedRegistryInfo,
    CredentialSetInfo,
    RegistryDetails,
    RegistryPosture,
    ScopeMapInfo,
    TokenInfo,
    WebhookInfo,
)
from .inventory import API_VERSIONS, _ci, _d, _ts, id_parts

if TYPE_CHECKING:
    from .inventory import Inventory

IN = CheckInput
# the inputs only the registry-details checks read: a plan depends on none of them (acrtui/plan/observe.py)
DETAIL_INPUTS = frozenset({IN.SOFT_DELETE, IN.TOKENS, IN.WEBHOOKS, IN.CACHE_RULES, IN.CONNECTED_REGISTRIES})
# the preview api-version the soft-delete policy is read at: the first that has it (PSRule's Azure.ACR.SoftDelete
# example uses it) and one every later preview keeps
SOFT_DELETE_API = "2023-01-01-preview"
REGISTRIES_PATH = "/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries"
API = API_VERSIONS["containerregistry"]


def _enabled(policy: Any) -> bool:
    return str(_ci(_d(policy), "status") or "").lower() == "enabled"


# the policies read_details reads, and their fields
_POLICY_FIELDS = (("quarantinePolicy", ("status",)), ("retentionPolicy", ("status", "days")),
                  ("softDeletePolicy", ("status", "retentionDays")))


def slim_body(b: dict[str, Any]) -> dict[str, Any]:
    """Of a listed registry body, what :func:`read_details` reads (its id and those fields of
    ``properties.policies``), copied out: a fleet's bodies are not kept for the whole load, nor (by reference)
    the rest of their policies."""
    pol = _d(_ci(_d(_ci(b, "properties")), "policies"))
    keep: dict[str, Any] = {}
    for name, fields in _POLICY_FIELDS:
        v = _ci(pol, name)
        if isinstance(v, dict):
            keep[name] = {f: sys.intern(x) if isinstance(x, str) else x for f in fields if (x := _ci(v, f)) is not None}
    return {"id": b.get("id"), "properties": {"policies": keep}}


def soft_delete_of(body: dict[str, Any]) -> tuple[bool | None, int | None]:
    """(enabled, retention days) from ``properties.policies.softDeletePolicy``; (None, None) when absent."""
    pol = _ci(_d(_ci(_d(_ci(body, "properties")), "policies")), "softDeletePolicy")
    if not isinstance(pol, dict):
        return None, None
    days = _ci(pol, "retentionDays")
    return _enabled(pol), int(days) if isinstance(days, int) else None


def scope_map_from_json(b: dict[str, Any]) -> ScopeMapInfo:
    p = _d(_ci(b, "properties"))
    return ScopeMapInfo(id=str(b.get("id", "")), name=str(b.get("name", "")),
                        actions=[str(a) for a in _ci(p, "actions") or []],
                        system_defined=str(_ci(p, "type") or "").lower() == "systemdefined")


def token_from_json(b: dict[str, Any]) -> TokenInfo:
    p = _d(_ci(b, "properties"))
    creds = _d(_ci(p, "credentials"))
    return TokenInfo(id=str(b.get("id", "")), name=str(b.get("name", "")),
                     enabled=str(_ci(p, "status") or "enabled").lower() == "enabled",
                     scope_map_id=_ci(p, "scopeMapId"),
                     password_expiries=[_ts(_ci(pw, "expiry")) for pw in _ci(creds, "passwords") or []],
                     certificates=len(_ci(creds, "certificates") or []))


def webhook_from_json(b: dict[str, Any], service_uri: str | None) -> WebhookInfo:
    p = _d(_ci(b, "properties"))
    parts = urlsplit(service_uri) if service_uri else None
    return WebhookInfo(name=str(b.get("name", "")), enabled=str(_ci(p, "status") or "enabled").lower() == "enabled",
                       actions=[str(a) for a in _ci(p, "actions") or []],
                       scheme=(parts.scheme.lower() or None) if parts else None,
                       host=(parts.hostname or None) if parts else None)


def credential_set_from_json(b: dict[str, Any]) -> CredentialSetInfo:
    p = _d(_ci(b, "properties"))
    creds = [_d(c) for c in _ci(p, "authCredentials") or []]
    ids = [str(v) for c in creds for v in (_ci(c, "usernameSecretIdentifier"), _ci(c, "passwordSecretIdentifier")) if v]
    ident = _d(b.get("identity"))
    return CredentialSetInfo(id=str(b.get("id", "")), name=str(b.get("name", "")),
                             login_server=str(_ci(p, "loginServer") or ""),
                             health=[str(_ci(_d(_ci(c, "credentialHealth")), "status") or "Unknown") for c in creds],
                             secret_ids=ids, identity=bool(_ci(ident, "principalId")))


def cache_rule_from_json(b: dict[str, Any]) -> CacheRuleInfo:
    p = _d(_ci(b, "properties"))
    return CacheRuleInfo(name=str(b.get("name", "")), source_repository=str(_ci(p, "sourceRepository") or ""),
                         target_repository=str(_ci(p, "targetRepository") or ""),
                         credential_set_id=_ci(p, "credentialSetResourceId"))


def connected_registry_from_json(b: dict[str, Any]) -> ConnectedRegistryInfo:
    p = _d(_ci(b, "properties"))
    sync = _d(_ci(_d(_ci(p, "parent")), "syncProperties"))
    return ConnectedRegistryInfo(name=str(b.get("name", "")), mode=str(_ci(p, "mode") or ""),
                                 connection_state=_ci(p, "connectionState"),
                                 activation=_ci(_d(_ci(p, "activation")), "status"), sync_token_id=_ci(sync, "tokenId"))


async def _list_preview(inv: Inventory, sub: str) -> list[dict[str, Any]]:
    """The subscription's registries at the preview api-version, following ``nextLink``."""
    from azure.core.exceptions import HttpResponseError
    from azure.core.rest import HttpRequest

    page = await inv.s.raw("GET", REGISTRIES_PATH.format(sub=sub), SOFT_DELETE_API)
    out = list(page.get("value") or [])
    while page.get("nextLink"):
        resp = await inv.s.send_read(HttpRequest("GET", str(page["nextLink"])), kind="resources")
        if resp.status_code >= 400:
            raise HttpResponseError(response=resp)
        page = resp.json()
        out += list(page.get("value") or [])
    return out


async def _soft_delete(inv: Inventory, registries: list[RegistryPosture],
                       bodies: dict[str, dict[str, Any]]) -> dict[str, tuple[bool | None, int | None]]:
    known = {rid: soft_delete_of(b) for rid, b in bodies.items()}
    missing: dict[str, list[str]] = {}
    for r in registries:
        if known.get(r.id.lower(), (None, None))[0] is None:
            missing.setdefault(r.subscription_id.lower(), []).append(r.id)

    async def per_sub(sub: str, ids: list[str]) -> None:
        rows = await inv._soft(f"soft-delete policies in {sub}", _list_preview(inv, sub), [],
                               scope=f"/subscriptions/{sub}", inputs=[IN.SOFT_DELETE], registries=ids)
        for b in rows:
            known[str(b.get("id", "")).lower()] = soft_delete_of(b)

    await asyncio.gather(*(per_sub(s, ids) for s, ids in sorted(missing.items())))
    return known


async def _callback_uri(inv: Inventory, hook_id: str) -> str:
    cfg = await inv.s.raw("POST", f"{hook_id}/getCallbackConfig", API)
    return str(_ci(cfg, "serviceUri") or "")


async def _one(inv: Inventory, reg: RegistryPosture, body: dict[str, Any],
               listed_hooks: list[dict[str, Any]] | None) -> RegistryDetails:
    name = id_parts(reg.id)["name"]
    who = [reg.id]

    def read(what: str, child: str, inputs: Iterable[CheckInput]) -> Any:
        return inv._soft(f"{what} of {name}", inv._list("containerregistry", f"{reg.id}/{child}"), [],
                         scope=reg.id, inputs=list(inputs), registries=who)

    async def given(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return rows

    tokens, maps, hooks, rules, sets, connected = await asyncio.gather(
        read("tokens", "tokens", [IN.TOKENS]),
        read("scope maps", "scopeMaps", [IN.TOKENS]),
        given(listed_hooks) if listed_hooks is not None else read("webhooks", "webhooks", [IN.WEBHOOKS]),
        read("cache rules", "cacheRules", [IN.CACHE_RULES]),
        read("credential sets", "credentialSets", [IN.CACHE_RULES]),
        read("connected registries", "connectedRegistries", [IN.CONNECTED_REGISTRIES]) if reg.premium else given([]),
    )
    uris = await asyncio.gather(*(
        inv._soft(f"callback of webhook {name}/{h.get('name')}", _callback_uri(inv, str(h.get("id"))),
                  None, scope=str(h.get("id", reg.id)), inputs=[IN.WEBHOOKS], registries=who)
        for h in hooks))
    p = _d(_ci(body, "properties"))
    pol = _d(_ci(p, "policies"))
    retention = _d(_ci(pol, "retentionPolicy"))
    days = _ci(retention, "days")
    return RegistryDetails(
        quarantine_enabled=_enabled(_ci(pol, "quarantinePolicy")),
        retention_enabled=_enabled(retention),
        retention_days=int(days) if isinstance(days, int) else None,
        scope_maps=[scope_map_from_json(b) for b in maps],
        tokens=[token_from_json(b) for b in tokens],
        webhooks=[webhook_from_json(h, u) for h, u in zip(hooks, uris, strict=True)],
        credential_sets=[credential_set_from_json(b) for b in sets],
        cache_rules=[cache_rule_from_json(b) for b in rules],
        connected_registries=[connected_registry_from_json(b) for b in connected],
    )


async def read_details(inv: Inventory, registries: list[RegistryPosture], bodies: Iterable[dict[str, Any]],
                       webhooks: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, RegistryDetails]:
    """Registry id (lower) → its details; every failed read is a gap on the inventory. ``webhooks``: registry id
    (lower) → its webhook rows from Resource Graph (None, or a registry missing from it: listed through ARM)."""
    by_id = {str(b.get("id", "")).lower(): b for b in bodies}
    hooks = webhooks or {}
    soft, found = await asyncio.gather(
        _soft_delete(inv, registries, by_id),
        inv._gather("registry details", [_one(inv, r, by_id.get(r.id.lower(), {}), hooks.get(r.id.lower()))
                                         for r in registries], by=[r.subscription_id for r in registries]))
    out = {}
    for i, (r, d) in enumerate(zip(registries, found, strict=True)):
        enabled, days = soft.get(r.id.lower(), (None, None))
        out[r.id.lower()] = d.model_copy(update={"soft_delete_enabled": enabled, "soft_delete_days": days})
        found[i] = None  # type: ignore[call-overload]  # the copy replaces it: not a fleet's details twice over
    return out


def with_details(registries: list[RegistryPosture], details: dict[str, RegistryDetails]) -> list[RegistryPosture]:
    """The registries with their details, replaced in the list one by one (each old model released as its copy
    is made: not a fleet's registries twice over at the end of the load)."""
    for i, r in enumerate(registries):
        d = details.get(r.id.lower())
        if d is not None:
            registries[i] = r.model_copy(update={"details": d})
    return registries
