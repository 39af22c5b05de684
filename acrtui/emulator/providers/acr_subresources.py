"""Registry sub-resources: scope maps, tokens, webhooks, cache rules, credential sets, connected registries
(api-version 2025-11-01), and the preview ``policies.softDeletePolicy``.

Bodies follow the azure-mgmt-containerregistry 15.x models (``ScopeMap``, ``Token``, ``Webhook``,
``CallbackConfig``, ``CacheRule``, ``CredentialSet``, ``ConnectedRegistry``) and the REST spec examples
(specification/containerregistry/.../Registry/preview/2025-05-01-preview/examples: ScopeMapCreate, TokenCreate,
WebhookCreate, WebhookGetCallbackConfig, CacheRuleCreate, CredentialSetCreate, ConnectedRegistryCreate).

What the emulator chose where public sources are silent (unconfirmed):

- Every registry has the system scope maps ``_repositories_admin``, ``_repositories_pull`` and
  ``_repositories_push`` (Learn, "Create a token with repository-scoped permissions": "system-defined scope maps
  ... you can apply when creating tokens"); their actions are the ones ``az acr scope-map show`` prints for them.
- A token whose ``scopeMapId`` is not a scope map of the same registry: 400 ``InvalidScopeMapId``.
- A webhook create without ``serviceUri``: 400 ``InvalidWebhookServiceUri`` (the spec marks ``serviceUri``
  required on WebhookPropertiesCreateParameters; the code is unconfirmed).
- A cache rule whose ``credentialSetResourceId`` is not a credential set of the same registry: 400
  ``InvalidCredentialSetResourceId``.
- Connected registries on a Basic/Standard registry: 400 ``ConnectedRegistryNotSupported`` (Learn, "What is a
  connected registry?": "available in the Premium service tier").
- ``credentialHealth`` is hidden state (``Resource.extra["health"]``, default Healthy): ACR computes it when it
  reads the Key Vault secrets; the emulator does not read secrets.
- Token password values are never returned by GET (the model marks ``value`` read-only and ACR returns it only from
  ``generateCredentials``, which the emulator does not serve).
- ``policies.softDeletePolicy`` (``{retentionDays, lastUpdatedTime, status}``): in the preview api-versions from
  2023-01-01-preview (PSRule's Azure.ACR.SoftDelete example; the 2025-11-01 ``Policies`` model has no such field),
  so a registry GET/list at a stable version leaves it out and a preview one includes it (default disabled, 7 days,
  as ``az acr show`` printed it in a public capture). Not enforced: the preview limits (no soft delete with
  geo-replication, not together with the retention policy).
"""

from __future__ import annotations

from typing import Any

from ..arm import ArmError, Ctx, Response, get_ci, new_guid, not_found, page, route, system_data
from ..state import Resource
from .containerregistry import REG, RTYPE, _bad, _is_premium, _registry

SYSTEM_SCOPE_MAPS = {
    "_repositories_admin": ("Can perform all read, write and delete operations on the registry", [
        "repositories/*/metadata/read", "repositories/*/metadata/write", "repositories/*/content/read",
        "repositories/*/content/write", "repositories/*/content/delete"]),
    "_repositories_pull": ("Can pull any repository of the registry", ["repositories/*/content/read"]),
    "_repositories_push": ("Can push to any repository of the registry", [
        "repositories/*/content/read", "repositories/*/content/write"]),
}
KINDS = {
    "scopeMaps": f"{RTYPE}/scopeMaps",
    "tokens": f"{RTYPE}/tokens",
    "webhooks": f"{RTYPE}/webhooks",
    "cacheRules": f"{RTYPE}/cacheRules",
    "credentialSets": f"{RTYPE}/credentialSets",
    "connectedRegistries": f"{RTYPE}/connectedRegistries",
}


# ---------------------------------------------------------------- generic child store


def _child_id(reg: Resource, kind: str, name: str) -> str:
    return f"{reg.id}/{kind}/{name}"


def _get_child(ctx: Ctx, reg: Resource, kind: str, name: str) -> Resource:
    res = ctx.state.get(_child_id(reg, kind, name))
    if res is None:
        raise not_found(KINDS[kind], f"{reg.body['name']}/{name}")
    return res


def _system_scope_maps(ctx: Ctx, reg: Resource) -> None:
    """Materialise the built-in scope maps on first use (every registry has them)."""
    for name, (desc, actions) in SYSTEM_SCOPE_MAPS.items():
        sid = _child_id(reg, "scopeMaps", name)
        if ctx.state.get(sid) is None:
            ctx.state.put(sid, {
                "id": sid, "name": name, "type": KINDS["scopeMaps"],
                "systemData": system_data(ctx.state, None, None),
                "properties": {"description": desc, "type": "SystemDefined", "creationDate": reg.props.get("creationDate"),
                               "provisioningState": "Succeeded", "actions": list(actions)},
            })


def _store(ctx: Ctx, reg: Resource, kind: str, name: str, properties: dict[str, Any],
           extra_body: dict[str, Any] | None = None, hidden: dict[str, Any] | None = None) -> Response:
    cid = _child_id(reg, kind, name)
    old = ctx.state.get(cid)
    body: dict[str, Any] = {
        "id": cid, "name": name, "type": KINDS[kind],
        "systemData": system_data(ctx.state, ctx.principal, old.body.get("systemData") if old else None),
        **(extra_body or {}),
        "properties": {**properties, "provisioningState": "Succeeded"},
    }
    if kind not in ("webhooks", "connectedRegistries"):  # the only two models without creationDate
        body["properties"].setdefault("creationDate", (old.props.get("creationDate") if old else None) or ctx.state.now_iso())
    res = ctx.state.put(cid, body, hidden)
    return Response(200 if old else 201, res.body)


def _props(ctx: Ctx) -> dict[str, Any]:
    return dict(get_ci(ctx.json(), "properties") or {})


def _list(ctx: Ctx, reg: Resource, kind: str) -> Response:
    if kind == "scopeMaps":
        _system_scope_maps(ctx, reg)
    return page(ctx, [r.body for r in ctx.state.of_type(KINDS[kind], reg.id)])


def _delete(ctx: Ctx, reg: Resource, kind: str, name: str) -> Response:
    cid = _child_id(reg, kind, name)
    if ctx.state.get(cid) is None:
        return Response(204)
    ctx.state.delete(cid)
    return Response(200)


# ---------------------------------------------------------------- scope maps


@route("PUT", REG + "/scopeMaps/{child}")
def put_scope_map(ctx: Ctx, p: dict[str, str]) -> Response:
    reg = _registry(ctx, p)
    props = _props(ctx)
    actions = get_ci(props, "actions")
    if not isinstance(actions, list) or not actions:
        raise _bad("InvalidScopeMapActions", "The scope map must have at least one action.", "properties.actions")
    return _store(ctx, reg, "scopeMaps", p["child"], {"description": get_ci(props, "description"),
                                                       "type": "UserDefined", "actions": [str(a) for a in actions]})


@route("GET", REG + "/scopeMaps/{child}")
def get_scope_map(ctx: Ctx, p: dict[str, str]) -> Response:
    reg = _registry(ctx, p)
    _system_scope_maps(ctx, reg)
    return Response(200, _get_child(ctx, reg, "scopeMaps", p["child"]).body)




# ---------------------------------------------------------------- tokens


@route("PUT", REG + "/tokens/{child}")
def put_token(ctx: Ctx, p: dict[str, str]) -> Response:
    reg = _registry(ctx, p)
    _system_scope_maps(ctx, reg)
    props = _props(ctx)
    smid = str(get_ci(props, "scopeMapId") or "")
    scope_map = ctx.state.get(smid) if smid else None
    if scope_map is None or scope_map.type.lower() != KINDS["scopeMaps"].lower() or \
            not smid.lower().startswith(reg.id.lower() + "/"):
        raise _bad("InvalidScopeMapId", f"The scope map '{smid}' does not exist in registry '{reg.body['name']}'.",
                   "properties.scopeMapId")
    creds = get_ci(props, "credentials") or {}
    passwords = []
    for pw in get_ci(creds, "passwords") or []:
        passwords.append({k: v for k, v in {"creationTime": get_ci(pw, "creationTime") or ctx.state.now_iso(),
                                             "expiry": get_ci(pw, "expiry"), "name": get_ci(pw, "name")}.items()
                          if v is not None})
    status = str(get_ci(props, "status") or "enabled").lower()
    return _store(ctx, reg, "tokens", p["child"], {
        "scopeMapId": scope_map.id, "status": status,
        "credentials": {"certificates": list(get_ci(creds, "certificates") or []), "passwords": passwords}})





# ---------------------------------------------------------------- webhooks


@route("PUT", REG + "/webhooks/{child}")
def put_webhook(ctx: Ctx, p: dict[str, str]) -> Response:
    reg = _registry(ctx, p)
    data = ctx.json()
    props = _props(ctx)
    uri = str(get_ci(props, "serviceUri") or "")
    if not uri:
        raise _bad("InvalidWebhookServiceUri", "The webhook service URI is required.", "properties.serviceUri")
    hidden = {"serviceUri": uri, "customHeaders": dict(get_ci(props, "customHeaders") or {})}
    return _store(ctx, reg, "webhooks", p["child"], {
        "status": str(get_ci(props, "status") or "enabled"), "scope": str(get_ci(props, "scope") or ""),
        "actions": [str(a) for a in get_ci(props, "actions") or ["push"]]},
        {"location": str(get_ci(data, "location") or reg.body["location"]), "tags": dict(get_ci(data, "tags") or {})},
        hidden)




@route("POST", REG + "/webhooks/{child}/getCallbackConfig")
def get_callback_config(ctx: Ctx, p: dict[str, str]) -> Response:
    """``CallbackConfig``: the service URI and custom headers (spec example WebhookGetCallbackConfig)."""
    hook = _get_child(ctx, _registry(ctx, p), "webhooks", p["child"])
    return Response(200, {"serviceUri": hook.extra.get("serviceUri", ""),
                          "customHeaders": dict(hook.extra.get("customHeaders") or {})})



# ---------------------------------------------------------------- credential sets and cache rules


def _credentials(ctx: Ctx, res: Resource | None, creds: Any) -> list[dict[str, Any]]:
    health = (res.extra.get("health") if res else None) or {}
    out = []
    for c in creds if isinstance(creds, list) else []:
        name = str(get_ci(c, "name") or "Credential1")
        h = health.get(name) or {"status": "Healthy"}
        out.append({"name": name, "usernameSecretIdentifier": get_ci(c, "usernameSecretIdentifier"),
                    "passwordSecretIdentifier": get_ci(c, "passwordSecretIdentifier"), "credentialHealth": h})
    return out


@route("PUT", REG + "/credentialSets/{child}")
def put_credential_set(ctx: Ctx, p: dict[str, str]) -> Response:
    reg = _registry(ctx, p)
    props = _props(ctx)
    old = ctx.state.get(_child_id(reg, "credentialSets", p["child"]))
    ident = {"principalId": (old.body.get("identity") or {}).get("principalId") if old else None,
             "tenantId": ctx.state.tenant_id, "type": "SystemAssigned"}
    if not ident["principalId"]:
        ident["principalId"] = new_guid()
    return _store(ctx, reg, "credentialSets", p["child"], {
        "loginServer": str(get_ci(props, "loginServer") or ""),
        "authCredentials": _credentials(ctx, old, get_ci(props, "authCredentials"))},
        {"identity": ident}, dict(old.extra) if old else {"health": {}})





def set_credential_health(res: Resource, name: str, status: str, code: str | None = None,
                          message: str | None = None) -> None:
    """Hidden-state knob (seeds, tests): what ACR would report after reading the credential's secrets."""
    h = {k: v for k, v in {"status": status, "errorCode": code, "errorMessage": message}.items() if v is not None}
    res.extra.setdefault("health", {})[name] = h
    for c in res.props.get("authCredentials") or []:
        if c.get("name") == name:
            c["credentialHealth"] = h


@route("PUT", REG + "/cacheRules/{child}")
def put_cache_rule(ctx: Ctx, p: dict[str, str]) -> Response:
    reg = _registry(ctx, p)
    props = _props(ctx)
    csid = get_ci(props, "credentialSetResourceId")
    if csid:
        cs = ctx.state.get(str(csid))
        if cs is None or cs.type.lower() != KINDS["credentialSets"].lower() or \
                not str(csid).lower().startswith(reg.id.lower() + "/"):
            raise _bad("InvalidCredentialSetResourceId",
                       f"The credential set '{csid}' does not exist in registry '{reg.body['name']}'.",
                       "properties.credentialSetResourceId")
        csid = cs.id
    out = {"sourceRepository": str(get_ci(props, "sourceRepository") or ""),
           "targetRepository": str(get_ci(props, "targetRepository") or "")}
    if csid:
        out["credentialSetResourceId"] = str(csid)
    return _store(ctx, reg, "cacheRules", p["child"], out)





# ---------------------------------------------------------------- connected registries


@route("PUT", REG + "/connectedRegistries/{child}")
def put_connected_registry(ctx: Ctx, p: dict[str, str]) -> Response:
    reg = _registry(ctx, p)
    if not _is_premium(reg.body):
        raise _bad("ConnectedRegistryNotSupported",
                   f"Connected registry is only supported for managed registries in Premium SKU. The registry SKU is "
                   f"'{reg.body['sku']['name']}'.")
    props = _props(ctx)
    parent = get_ci(props, "parent") or {}
    sync = get_ci(parent, "syncProperties") or {}
    if not get_ci(sync, "tokenId"):
        raise ArmError(400, "InvalidRequestContent", "properties.parent.syncProperties.tokenId is required.",
                       target="properties.parent.syncProperties.tokenId")
    return _store(ctx, reg, "connectedRegistries", p["child"], {
        "mode": str(get_ci(props, "mode") or "ReadOnly"),
        "connectionState": "Offline",
        "activation": {"status": "Inactive"},
        "parent": {"syncProperties": {"tokenId": str(get_ci(sync, "tokenId")),
                                      "messageTtl": str(get_ci(sync, "messageTtl") or "P2D"),
                                      "schedule": str(get_ci(sync, "schedule") or "* * * * *")}},
        "clientTokenIds": [str(t) for t in get_ci(props, "clientTokenIds") or []],
        "logging": {"logLevel": "Information", "auditLogStatus": "Disabled"},
        "notificationsList": [str(n) for n in get_ci(props, "notificationsList") or []],
    })


# ---------------------------------------------------------------- get, list, delete: one shape for every kind


def _plain_routes(kind: str, *, get: bool = True) -> None:
    """GET one, list and DELETE behave alike for every sub-resource (PUT is what differs, above)."""
    if get:
        route("GET", REG + f"/{kind}/{{child}}")(
            lambda ctx, p: Response(200, _get_child(ctx, _registry(ctx, p), kind, p["child"]).body))
    route("GET", REG + f"/{kind}")(lambda ctx, p: _list(ctx, _registry(ctx, p), kind))
    route("DELETE", REG + f"/{kind}/{{child}}")(lambda ctx, p: _delete(ctx, _registry(ctx, p), kind, p["child"]))


_plain_routes("scopeMaps", get=False)  # its GET first adds the system scope maps (get_scope_map)
for _kind in ("tokens", "webhooks", "credentialSets", "cacheRules", "connectedRegistries"):
    _plain_routes(_kind)
