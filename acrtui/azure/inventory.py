"""Inventory: read the chosen subscriptions into an :class:`~acrtui.domain.models.Estate`.

Two ways to list resources, one way to turn them into models. The ARM path lists per subscription; the Resource
Graph path (:mod:`.inventory_graph`, fleet scale) lists registries, replicas, private endpoints, NICs, DNS zones,
VNet links, vaults and policy assignments for all subscriptions in a few paged queries, and ``auto`` picks between
them. Both hand ARM JSON bodies to the same converters, and what Resource Graph does not index (DNS zone groups,
record sets, keys, diagnostic settings, policy definitions and states) is read through ARM in both.
Work fans out with ``asyncio.gather``; the session's pipeline bounds how many requests are in flight. Lists read
once (registries, endpoints, NICs, zones, links, record sets, vaults) come as raw JSON through the SDK clients'
pipelines, not as models; a read many endpoints share (a zone's records or links) is one future per key, so
concurrent readers wait for the same request instead of each sending it.

A read that fails does not fail the load: it becomes a :class:`~acrtui.domain.models.ReadGap` naming what was not
read, why (permission, throttled, unavailable, error) and which facts of which registries it hides, so checks on
those facts say ``error`` instead of judging an empty default. A 404 is absence only where it means that (a key,
a record set or a zone link asked for by name); a 404 on something a listing just returned is a gap.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..domain.models import (
    CheckInput,
    ComplianceRecord,
    DiagnosticSetting,
    DnsRecordCheck,
    Encryption,
    Estate,
    GapKind,
    IpRule,
    KeyPosture,
    ManagedIdentity,
    PolicyAssignmentInfo,
    PolicyExemptionInfo,
    PrivateEndpointConnection,
    PrivateEndpointPosture,
    ReadGap,
    RegistryPosture,
    Replica,
    UserIdentity,
    VaultPosture,
)
from ..errors import (
    STOPS_EVERYTHING,
    AcrtuiError,
    NotFound,
    PermissionDenied,
    Throttled,
)
from .errors import translate
from .session import AzureSession

T = TypeVar("T")
Progress = Callable[[str, int, int], None]  # (stage, done, total)
Listed = Callable[[str, list[RegistryPosture]], None]  # (subscription, its registries as listed, no replicas)
IN = CheckInput
VAULT_INPUTS = (IN.VAULT, IN.KEYS, IN.KEY_ACCESS, IN.VAULT_DIAGNOSTICS)

# API versions of the raw-JSON reads: those the installed SDKs send for the same operations. The reads go through the
# subscriptions client's pipeline (the one the session already has; same policies), so listing needs neither the
# network, DNS nor registry SDK's models, nor their import time.
API_VERSIONS = {"containerregistry": "2025-11-01", "keyvault": "2026-05-15", "network": "2026-03-01",
                "privatedns": "2024-06-01"}
REGISTRY_TYPE = "microsoft.containerregistry/registries"
REPLICA_TYPE = "microsoft.containerregistry/registries/replications"
PE_TYPE = "microsoft.network/privateendpoints"
NIC_TYPE = "microsoft.network/networkinterfaces"
VAULT_TYPE = "microsoft.keyvault/vaults"
VNET_LINK_TYPE = "microsoft.network/privatednszones/virtualnetworklinks"
DIAG_API = "2021-05-01-preview"
KEY_USE_PERMS = {"get", "wrapkey", "unwrapkey"}
# RBAC roles that grant key get/wrap/unwrap: Crypto Service Encryption User, Crypto Officer, Administrator, Crypto User
KEY_USE_ROLES = {
    "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
    "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "12338af0-0e69-4776-bea7-57ae8d297424",
}


# ---------------------------------------------------------------- small helpers


def _d(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _ci(d: Any, key: str, default: Any = None) -> Any:
    """Case-insensitive key lookup: ARM and Resource Graph disagree on casing now and then."""
    if not isinstance(d, dict):
        return default
    if key in d:
        return d[key]
    low = key.lower()
    return next((v for k, v in d.items() if k.lower() == low), default)


def raw(model: Any) -> dict[str, Any]:
    """ARM JSON of an SDK model (hybrid models are mappings of the REST body)."""
    if model is None:
        return {}
    if isinstance(model, dict):
        return model
    as_dict = getattr(model, "as_dict", None)
    if hasattr(model, "_attr_to_rest_field") and as_dict is not None:
        return dict(as_dict())
    ser = getattr(model, "serialize", None)
    if ser is not None:
        return dict(ser(keep_readonly=True))
    return dict(model)


def id_parts(rid: str) -> dict[str, str]:
    segs = rid.strip("/").split("/")
    low = [s.lower() for s in segs]
    out = {"subscription": segs[1] if len(segs) > 1 and low[0] == "subscriptions" else ""}
    if len(segs) > 3 and low[2] == "resourcegroups":
        out["resource_group"] = segs[3]
    out["name"] = segs[-1] if segs else ""
    return out


def parent_id(rid: str, levels: int = 2) -> str:
    return "/".join(rid.rstrip("/").split("/")[:-levels])


def _ts(v: Any) -> dt.datetime | None:
    """ARM key attributes carry Unix seconds; other bodies ISO strings."""
    if v is None or v == "":
        return None
    if isinstance(v, int | float):
        return dt.datetime.fromtimestamp(v, dt.UTC)
    if isinstance(v, dt.datetime):
        return v
    try:
        return dt.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    except ValueError:
        return None


async def collect(pager: Any) -> list[dict[str, Any]]:
    return [raw(x) async for x in pager]


# ---------------------------------------------------------------- converters (ARM JSON → models)


def identity_from_json(body: Any) -> ManagedIdentity:
    ident = _d(body)
    users = [
        UserIdentity(resource_id=rid, principal_id=_ci(v, "principalId"), client_id=_ci(v, "clientId"))
        for rid, v in _d(_ci(ident, "userAssignedIdentities")).items()
    ]
    kind = str(_ci(ident, "type") or "").lower()
    system = _ci(ident, "principalId") if "systemassigned" in kind else None
    return ManagedIdentity(system_principal_id=system, user_assigned=users)


def registry_from_json(body: dict[str, Any], replicas: Iterable[dict[str, Any]] = ()) -> RegistryPosture:
    """One registry body (ARM GET or a Resource Graph row) plus its replication bodies → posture."""
    p = _d(_ci(body, "properties"))
    rid = str(body["id"])
    parts = id_parts(rid)
    nrs = _d(_ci(p, "networkRuleSet"))
    enc = _d(_ci(p, "encryption"))
    kvp = _d(_ci(enc, "keyVaultProperties"))
    policies = _d(_ci(p, "policies"))
    aad = _ci(policies, "azureADAuthenticationAsArmPolicy")
    conns = []
    for c in _ci(p, "privateEndpointConnections") or []:
        cp = _d(_ci(c, "properties"))
        state = _d(_ci(cp, "privateLinkServiceConnectionState"))
        conns.append(
            PrivateEndpointConnection(
                id=str(_ci(c, "id", "")),
                name=str(_ci(c, "name") or str(_ci(c, "id", "")).split("/")[-1]),
                private_endpoint_id=_ci(_d(_ci(cp, "privateEndpoint")), "id"),
                status=str(_ci(state, "status") or "Pending"),
                description=_ci(state, "description"),
                provisioning_state=_ci(cp, "provisioningState"),
            )
        )
    location = str(body.get("location", ""))
    reps = []
    for r in replicas:
        rp = _d(_ci(r, "properties"))
        loc = str(_ci(r, "location", ""))
        if loc.lower() == location.lower():
            continue  # ACR lists the home region as a replication too
        reps.append(Replica(name=str(_ci(r, "name", "")), location=loc, provisioning_state=_ci(rp, "provisioningState"),
                            zone_redundancy=_ci(rp, "zoneRedundancy")))
    reps.sort(key=lambda r: r.location)
    return RegistryPosture(
        id=rid,
        name=str(body.get("name") or parts["name"]),
        subscription_id=parts["subscription"],
        resource_group=parts.get("resource_group", ""),
        location=location,
        sku=str(_ci(_d(body.get("sku")), "name") or ""),
        login_server=str(_ci(p, "loginServer") or ""),
        provisioning_state=_ci(p, "provisioningState"),
        replicas=reps,
        public_network_access=str(_ci(p, "publicNetworkAccess") or "Enabled"),
        default_action=str(_ci(nrs, "defaultAction") or "Allow"),
        ip_rules=[IpRule(value=str(_ci(r, "value")), action=str(_ci(r, "action") or "Allow")) for r in _ci(nrs, "ipRules") or []],
        virtual_network_rules=[str(_ci(r, "id")) for r in _ci(nrs, "virtualNetworkRules") or [] if _ci(r, "id")],
        network_rule_bypass=str(_ci(p, "networkRuleBypassOptions") or "AzureServices"),
        data_endpoint_enabled=bool(_ci(p, "dataEndpointEnabled")),
        data_endpoint_host_names=list(_ci(p, "dataEndpointHostNames") or []),
        encryption=Encryption(
            enabled=str(_ci(enc, "status") or "disabled").lower() == "enabled",
            key_identifier=_ci(kvp, "keyIdentifier"),
            versioned_key_identifier=_ci(kvp, "versionedKeyIdentifier"),
            identity_client_id=_ci(kvp, "identity"),
            key_rotation_enabled=_ci(kvp, "keyRotationEnabled"),
            last_key_rotation=_ts(_ci(kvp, "lastKeyRotationTimestamp")),
        ),
        identity=identity_from_json(body.get("identity")),
        private_endpoint_connections=conns,
        admin_user_enabled=bool(_ci(p, "adminUserEnabled")),
        anonymous_pull_enabled=bool(_ci(p, "anonymousPullEnabled")),
        export_policy_enabled=str(_ci(_d(_ci(policies, "exportPolicy")), "status") or "enabled").lower() == "enabled",
        arm_audience_token_enabled=None if aad is None else str(_ci(_d(aad), "status") or "").lower() == "enabled",
        trust_policy_enabled=str(_ci(_d(_ci(policies, "trustPolicy")), "status") or "").lower() == "enabled",
        zone_redundancy=str(_ci(p, "zoneRedundancy") or "Disabled"),
        tags=dict(body.get("tags") or {}),
    )


def key_from_json(key: dict[str, Any], versions: Iterable[dict[str, Any]] = ()) -> KeyPosture:
    p = _d(_ci(key, "properties"))
    attrs = _d(_ci(p, "attributes"))
    newest, newest_created = None, None
    for v in versions:
        vp = _d(_ci(v, "properties"))
        created = _ts(_ci(_d(_ci(vp, "attributes")), "created"))
        uri = str(_ci(vp, "keyUriWithVersion") or "")
        if uri and (newest_created is None or (created is not None and created >= newest_created)):
            newest, newest_created = uri.rstrip("/").split("/")[-1], created
    if newest is None and _ci(p, "keyUriWithVersion"):
        newest = str(_ci(p, "keyUriWithVersion")).rstrip("/").split("/")[-1]
        newest_created = _ts(_ci(attrs, "created"))
    return KeyPosture(
        name=str(key.get("name", "")),
        key_id=str(_ci(p, "keyUri") or ""),
        kty=_ci(p, "kty"),
        key_size=_ci(p, "keySize"),
        enabled=_ci(attrs, "enabled"),
        expires=_ts(_ci(attrs, "exp")),
        newest_version=newest,
        newest_version_created=newest_created,
        rotation=_rotation(_ci(p, "rotationPolicy")),
    )


def _rotation(policy: Any) -> Any:
    from .security_reads import rotation_from_json

    return rotation_from_json(policy)


def diagnostic_from_json(body: dict[str, Any]) -> DiagnosticSetting:
    p = _d(_ci(body, "properties"))
    cats = []
    for log in _ci(p, "logs") or []:
        if _ci(log, "enabled"):
            c = _ci(log, "category") or _ci(log, "categoryGroup")
            if c:
                cats.append(str(c))
    return DiagnosticSetting(
        name=str(body.get("name", "")),
        categories=cats,
        workspace_id=_ci(p, "workspaceId"),
        storage_account_id=_ci(p, "storageAccountId"),
        event_hub_rule_id=_ci(p, "eventHubAuthorizationRuleId"),
    )


def vault_from_json(body: dict[str, Any], *, keys: list[KeyPosture], diagnostics: list[DiagnosticSetting],
                    rbac_key_users: Iterable[str] = ()) -> VaultPosture:
    p = _d(_ci(body, "properties"))
    acls = _d(_ci(p, "networkAcls"))
    rbac = bool(_ci(p, "enableRbacAuthorization"))
    users: list[str] = []
    if rbac:
        users = sorted({u.lower() for u in rbac_key_users})
    else:
        for ap in _ci(p, "accessPolicies") or []:
            perms = {str(x).lower() for x in _ci(_d(_ci(ap, "permissions")), "keys") or []}
            if KEY_USE_PERMS <= perms or "all" in perms:
                users.append(str(_ci(ap, "objectId")).lower())
        users = sorted(set(users))
    parts = id_parts(str(body["id"]))
    return VaultPosture(
        id=str(body["id"]),
        name=str(body.get("name") or parts["name"]),
        subscription_id=parts["subscription"],
        resource_group=parts.get("resource_group", ""),
        location=str(body.get("location", "")),
        vault_uri=str(_ci(p, "vaultUri") or ""),
        soft_delete=None if _ci(p, "enableSoftDelete") is None else bool(_ci(p, "enableSoftDelete")),  # absent: unknown
        purge_protection=bool(_ci(p, "enablePurgeProtection")),
        rbac_authorization=rbac,
        network_default_action=str(_ci(acls, "defaultAction") or "Allow"),
        network_bypass=str(_ci(acls, "bypass") or "AzureServices"),
        public_network_access=_ci(p, "publicNetworkAccess"),
        diagnostic_settings=diagnostics,
        keys=keys,
        key_users=users,
    )


def nic_ips_from_json(nic: dict[str, Any]) -> dict[str, str]:
    """Member name (``registry``, ``registry_data_<region>``) → private IP, from the PE's NIC."""
    out: dict[str, str] = {}
    for cfg in _ci(_d(_ci(nic, "properties")), "ipConfigurations") or []:
        cp = _d(_ci(cfg, "properties"))
        member = _ci(_d(_ci(cp, "privateLinkConnectionProperties")), "requiredMemberName")
        ip = _ci(cp, "privateIPAddress")
        if member and ip:
            out[str(member)] = str(ip)
    return out


def slim_nic(nic: dict[str, Any]) -> dict[str, Any]:
    """Of a NIC's body, what :func:`nic_ips_from_json` reads: a Graph row of a NIC is ~8 KB, kept for the load."""
    return {"properties": {"ipConfigurations": [
        {"properties": {"privateIPAddress": ip, "privateLinkConnectionProperties": {"requiredMemberName": member}}}
        for member, ip in nic_ips_from_json(nic).items()]}}


def pe_connections(pe: dict[str, Any]) -> list[dict[str, Any]]:
    p = _d(_ci(pe, "properties"))
    return list(_ci(p, "privateLinkServiceConnections") or []) + list(_ci(p, "manualPrivateLinkServiceConnections") or [])


def pe_registry_link(pe: dict[str, Any]) -> tuple[str, str] | None:
    """(registry id, connection status) when the endpoint connects to a container registry."""
    for c in pe_connections(pe):
        cp = _d(_ci(c, "properties"))
        target = str(_ci(cp, "privateLinkServiceId") or "")
        if "/microsoft.containerregistry/registries/" in target.lower():
            status = _ci(_d(_ci(cp, "privateLinkServiceConnectionState")), "status") or "Pending"
            return target, str(status)
    return None


def required_fqdns(reg: RegistryPosture) -> list[tuple[str, str]]:
    """(FQDN, NIC member name) for the login server and each region's data endpoint."""
    out = [(reg.login_server.lower(), "registry")]
    for region, host in zip(reg.regions, reg.expected_data_host_names(), strict=True):
        out.append((host, f"registry_data_{region.lower()}"))
    return out


def policy_from_json(body: dict[str, Any], definition_default_effect: str | None = None) -> PolicyAssignmentInfo:
    p = _d(_ci(body, "properties"))
    params = _d(_ci(p, "parameters"))
    effect = _ci(_d(_ci(params, "effect")), "value") or definition_default_effect
    return PolicyAssignmentInfo(
        id=str(body["id"]),
        name=str(body.get("name", "")),
        scope=str(_ci(p, "scope") or parent_id(str(body["id"]), 4)),
        definition_id=str(_ci(p, "policyDefinitionId") or ""),
        display_name=_ci(p, "displayName"),
        effect=effect,
        enforcement_mode=str(_ci(p, "enforcementMode") or "Default"),
        not_scopes=list(_ci(p, "notScopes") or []),
    )


EXEMPTIONS_API = "2022-07-01-preview"  # the azure-mgmt-resource-policy SDK has no exemption operations


def exemption_from_json(body: dict[str, Any]) -> PolicyExemptionInfo:
    p = _d(_ci(body, "properties"))
    rid = str(body["id"])
    low = rid.lower()
    scope = rid[: low.rindex("/providers/microsoft.authorization/policyexemptions/")]
    expires = _ci(p, "expiresOn")
    try:
        when = dt.datetime.fromisoformat(str(expires).replace("Z", "+00:00")) if expires else None
    except ValueError:
        when = None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return PolicyExemptionInfo(
        id=rid, name=str(body.get("name", "")), scope=scope,
        assignment_id=str(_ci(p, "policyAssignmentId") or ""), category=str(_ci(p, "exemptionCategory") or ""),
        expires_on=when, display_name=_ci(p, "displayName"),
        definition_reference_ids=[str(x) for x in _ci(p, "policyDefinitionReferenceIds") or []])


async def _arm_list(s: AzureSession, path: str, api_version: str) -> list[dict[str, Any]]:
    """A paged ARM list no SDK covers, through the session's pipeline (auth, read-only guard, retries); a nextLink
    that leaves the cloud's ARM endpoint is refused, so the token never goes elsewhere."""
    import json

    from azure.core.exceptions import HttpResponseError
    from azure.core.rest import HttpRequest

    from .session import same_origin

    base = s.cloud.arm_endpoint.rstrip("/")
    url: str | None = f"{base}{path}?api-version={api_version}"
    out: list[dict[str, Any]] = []
    while url:
        if not same_origin(url, base):
            raise HttpResponseError(message=f"refused a nextLink outside {base}: {url[:80]}")
        resp = await s.send_read(HttpRequest("GET", url), kind="resources")
        if resp.status_code >= 400:
            raise HttpResponseError(response=resp)
        body = json.loads(resp.text() or "{}")
        out += [v for v in body.get("value") or [] if isinstance(v, dict)]
        url = body.get("nextLink") or None
    return out


# ---------------------------------------------------------------- read gaps


@dataclass
class _Gap:
    """A read gap while loading: the registries it hides can grow (a cached failure shared by later readers)."""

    what: str
    message: str
    kind: GapKind
    scope: str
    inputs: tuple[CheckInput, ...]
    registries: set[str] | None = field(default_factory=set)
    action: str | None = None
    resolve: Callable[[list[RegistryPosture]], Iterable[str]] | None = None  # registries, once they are known

    def add(self, registry_ids: Iterable[str]) -> None:
        if self.registries is not None:
            self.registries.update(r.lower() for r in registry_ids)

    def freeze(self, registries: list[RegistryPosture]) -> ReadGap:
        if self.resolve is not None:
            self.add(self.resolve(registries))
        ids = None if self.registries is None else sorted(r.id for r in registries if r.id.lower() in self.registries)
        return ReadGap(what=self.what, message=self.message, kind=self.kind, scope=self.scope, inputs=list(self.inputs),
                       registries=ids, action=self.action)


def gap_kind(e: AcrtuiError) -> GapKind:
    """Permission, throttled, unavailable (5xx, no connection) or error, from the product error and its cause."""
    if isinstance(e, PermissionDenied):
        return GapKind.PERMISSION
    if isinstance(e, Throttled):
        return GapKind.THROTTLED
    cause = e.__cause__ or e.__context__
    status = getattr(cause, "status_code", None)
    if isinstance(status, int) and status >= 500:
        return GapKind.UNAVAILABLE
    if cause is not None and (type(cause).__name__ in ("ServiceRequestError", "ServiceResponseError")
                              or isinstance(cause, OSError)):
        return GapKind.UNAVAILABLE
    return GapKind.ERROR


def _sub_scope(sub: str) -> str:
    return f"/subscriptions/{sub}"


def _in_sub(rid: str | None, sub: str) -> bool:
    return bool(rid) and id_parts(str(rid))["subscription"].lower() == sub.lower()


def _with_pe_in(sub: str | None) -> Callable[[list[RegistryPosture]], list[str]]:
    """Registries with a private endpoint connection whose endpoint lives in ``sub`` (any subscription: None)."""
    def pick(regs: list[RegistryPosture]) -> list[str]:
        return [r.id for r in regs if any(c.private_endpoint_id and (sub is None or _in_sub(c.private_endpoint_id, sub))
                                          for c in r.private_endpoint_connections)]
    return pick


# ---------------------------------------------------------------- loading


@dataclass
class _Listing:
    """What either listing path produces, per estate."""

    registries: list[dict[str, Any]] = field(default_factory=list)
    replicas: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # registry id (lower) → bodies
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    nics: dict[str, dict[str, Any]] = field(default_factory=dict)  # id (lower) → body
    vaults: list[dict[str, Any]] = field(default_factory=list)
    zone_links: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # zone id (lower) → link bodies
    vaults_read: bool = False  # the vault bodies are whole (Resource Graph rows): no GET per vault
    assignments: list[dict[str, Any]] | None = None  # policy assignment bodies; None: list them per subscription
    webhooks: dict[str, list[dict[str, Any]]] | None = None  # registry id (lower) → webhook rows; None: ARM lists


class Inventory:
    """Loads an estate. ``mode`` picks the listing path (``arm``, ``graph``, ``auto``: see :mod:`.inventory_graph`;
    default: the session's ``inventory``); ``progress`` hears (stage, done, total)."""

    graph_page_size = 1000  # Resource Graph $top per page (its maximum)
    graph_max_subscriptions = 1000  # subscriptions per Resource Graph request
    fanout = 256  # reads of one stage started at once (_gather): enough to keep the limiter's slots busy

    def __init__(self, session: AzureSession, *, use_resource_graph: bool = False, progress: Progress | None = None,
                 listed: Listed | None = None, mode: str | None = None) -> None:
        self.s = session
        self.mode = mode or ("graph" if use_resource_graph else session.inventory)
        self.path = self.mode  # the path the load took (auto resolved; "arm" after a fallback)
        self.notes: list[str] = []  # what the reader should know that is not a gap (a fallback to ARM)
        self.graph: Any = None  # the Resource Graph client of the last load (request and wait counts)
        self.progress = progress
        self.listed = listed  # hears each subscription's registries as soon as they are listed (the console's rows)
        self.gaps: list[_Gap] = []
        self._shared: dict[str, _Gap] = {}  # cache key of a failed shared read -> its gap
        self._pe_lists_failed: set[str] = set()  # subscriptions (lower; "*" = all) whose endpoints were not listed
        self._done = 0
        self._total = 0
        self._once_futures: dict[str, asyncio.Future[Any]] = {}

    # ------------------------------------------------------------ plumbing
    def _tick(self, stage: str, add_total: int = 0, done: int = 0) -> None:
        self._total += add_total
        self._done += done
        if self.progress is not None:
            self.progress(stage, self._done, self._total)

    @property
    def errors(self) -> list[str]:
        return [f"{g.what}: {g.message}" if g.message else g.what for g in self.gaps]

    def gap(self, what: str, message: str, *, kind: GapKind, scope: str, inputs: Iterable[CheckInput],
            registries: Iterable[str] | None = (), action: str | None = None, key: str | None = None,
            resolve: Callable[[list[RegistryPosture]], Iterable[str]] | None = None) -> _Gap:
        g = _Gap(what, message, kind, scope, tuple(inputs), None if registries is None else set(),
                 action, resolve)
        if registries is not None:
            g.add(registries)
        self.gaps.append(g)
        if key is not None:
            self._shared[key] = g
        return g

    def _soft(self, what: str, coro: Awaitable[T], default: T, *, scope: str, inputs: Iterable[CheckInput],
              registries: Iterable[str] | None = (), absent_ok: bool = False, key: str | None = None,
              resolve: Callable[[list[RegistryPosture]], Iterable[str]] | None = None) -> Coroutine[Any, Any, T]:
        """Run one read; a failure becomes a read gap (what it hides, for whom), not a failed load.

        ``absent_ok``: a 404 means the thing does not exist (the default is then the truth, not a gap). A read
        cancelled before it started (quitting mid-load) closes the request coroutine it was handed, which
        otherwise warned "coroutine … was never awaited" as the console exited.
        """
        outer = self._soft_read(what, coro, default, scope=scope, inputs=inputs, registries=registries,
                                absent_ok=absent_ok, key=key, resolve=resolve)
        if asyncio.iscoroutine(coro):
            weakref.finalize(outer, coro.close)  # a no-op once it has been awaited
        return outer

    async def _soft_read(self, what: str, coro: Awaitable[T], default: T, *, scope: str, inputs: Iterable[CheckInput],
                         registries: Iterable[str] | None, absent_ok: bool, key: str | None,
                         resolve: Callable[[list[RegistryPosture]], Iterable[str]] | None) -> T:
        try:
            async with translate():
                return await coro
        except STOPS_EVERYTHING:
            raise  # nothing else will work either
        except AcrtuiError as e:  # permission, not found, throttled beyond retries, a failing service
            if absent_ok and isinstance(e, NotFound):
                return default
            self.gap(what, e.message, kind=gap_kind(e), scope=scope, inputs=inputs, registries=registries,
                     action=getattr(e, "action", None), key=key, resolve=resolve)
            return default

    async def _once(self, key: str, read: Callable[[], Awaitable[T]]) -> T:
        """The result of ``read()`` for ``key``, read once: concurrent and later callers share the one future
        (a check-then-await cache lets every concurrent caller miss). ``shield``: a cancelled caller does not
        cancel the read the others wait for."""
        fut = self._once_futures.get(key)
        if fut is None:
            fut = self._once_futures[key] = asyncio.ensure_future(read())
        return await asyncio.shield(fut)

    async def _list(self, api: str, path: str) -> list[dict[str, Any]]:
        """An ARM list as JSON bodies (every page), through the session's pipeline; ``api`` names the provider."""
        return await self.s.list_all("subscriptions", None, path, API_VERSIONS[api])

    async def _get(self, api: str, rid: str) -> dict[str, Any]:
        return await self.s.get_json("subscriptions", None, rid, API_VERSIONS[api])

    def _share(self, key: str, registry_ids: Iterable[str]) -> None:
        """A later reader of a cached failed read: its registries are hidden by the same gap."""
        if key in self._shared:
            self._shared[key].add(registry_ids)

    async def _gather(self, stage: str, coros: Sequence[Awaitable[T]], by: Sequence[str] | None = None) -> list[T]:
        """Every result, in order, with at most :attr:`fanout` of them started at once: a fleet's 60,000 reads
        would otherwise all be tasks (and built requests) waiting on the limiter together, memory that grows with
        the estate. ``by`` (one key per coroutine, e.g. its subscription): start them round-robin over the keys,
        so the window spans every subscription and each one's ARM budget and slots work at once."""
        self._tick(stage, add_total=len(coros))
        order = list(range(len(coros)))
        if by is not None:
            queues: dict[str, list[int]] = {}
            for i, k in enumerate(by):
                queues.setdefault(k.lower(), []).append(i)
            lanes = list(queues.values())
            order = [lane[j] for j in range(max(map(len, lanes), default=0)) for lane in lanes if j < len(lane)]
        results: list[Any] = [None] * len(coros)
        todo = iter(order)

        async def worker() -> None:
            for i in todo:
                try:
                    results[i] = await coros[i]
                finally:
                    self._tick(stage, done=1)

        try:
            await asyncio.gather(*(worker() for _ in range(min(self.fanout, len(coros)))))
        finally:
            for i in todo:  # a read that stops everything ended the others: close what never started
                c = coros[i]
                if asyncio.iscoroutine(c):
                    c.close()
        return results

    # ------------------------------------------------------------ entry point
    async def _subscriptions(self) -> dict[str, str]:
        """The chosen subscriptions; when they cannot be listed, the named ones (names unknown) or none at all, and
        a gap of unknown reach either way."""
        try:
            async with translate():
                return self.s.subscription_names or await self.s.resolve_subscriptions()
        except STOPS_EVERYTHING:
            raise
        except AcrtuiError as e:
            if isinstance(e, NotFound) and e.code is None:
                raise  # a named subscription is not visible: the caller's mistake, said as such
            # the scope itself is unconfirmed: named subscriptions are still read, but the audit is incomplete
            self.gap("subscriptions", e.message, kind=gap_kind(e), scope="/subscriptions", inputs=[IN.REGISTRIES],
                     registries=None, action=getattr(e, "action", None))
            return {k: k for k in self.s.subscriptions}

    async def load(self) -> Estate:
        subs = await self._subscriptions()
        subs = {k: subs.get(k, k) for k in self.s.subscriptions} if self.s.subscriptions else subs
        listing = await self._listing(list(subs))
        from .registry_details import read_details, slim_body, with_details
        from .security_reads import read_security

        # each listed body is released once its model and the slim copy the details need are made: never a fleet's
        # bodies and its models at once (that moment was the load's peak memory)
        rows, listing.registries = listing.registries, []
        rows.reverse()
        registries: list[RegistryPosture] = []
        bodies: list[dict[str, Any]] = []
        while rows:
            b = rows.pop()
            registries.append(registry_from_json(b, listing.replicas.get(str(b["id"]).lower(), [])))
            bodies.append(slim_body(b))
            if len(registries) % 250 == 0:
                await asyncio.sleep(0)  # a turn of the loop now and then: the console's keys (IoLoop.step_aside)
        registries.sort(key=lambda r: r.id.lower())
        listing.replicas = {}  # in the registries now: not kept for the rest of the load

        vaults, endpoints, (assignments, compliance, exemptions), security, details = await asyncio.gather(
            self._vaults(registries, listing),
            self._endpoints(registries, listing),
            self._policy(list(subs), registries, listing.assignments),
            read_security(self, registries),
            read_details(self, registries, bodies, listing.webhooks),  # tokens, webhooks, cache rules, ... (both paths)
        )
        registries = with_details(registries, details)
        self._not_observed(registries, listing, vaults, endpoints)
        self._tick("done")
        return Estate(
            subscriptions=subs,
            registries=registries,
            vaults=sorted(vaults, key=lambda v: v.id.lower()),
            private_endpoints=sorted(endpoints, key=lambda p: p.id.lower()),
            assignments=sorted(assignments, key=lambda a: a.id.lower()),
            exemptions=sorted(exemptions, key=lambda e: e.id.lower()),
            compliance=sorted(compliance, key=lambda c: (c.resource_id.lower(), c.assignment_id.lower())),
            gaps=[g.freeze(registries) for g in self.gaps],
            notes=list(self.notes),
            observed_at=dt.datetime.now(dt.UTC),
            **security,
        )

    async def _listing(self, subs: list[str]) -> _Listing:
        """The listing by the chosen path (ARM, Resource Graph, or ``auto``'s pick)."""
        from .inventory_graph import list_inventory

        return await list_inventory(self, subs)

    def _not_observed(self, registries: list[RegistryPosture], listing: _Listing, vaults: list[VaultPosture],
                      endpoints: list[PrivateEndpointPosture]) -> None:
        """Approved endpoints no listing returned: unknown, unless a failed listing already explains them."""
        seen = {p.id.lower() for p in endpoints}
        for r in registries:
            missing = [c.private_endpoint_id for c in r.approved_connections
                       if c.private_endpoint_id and c.private_endpoint_id.lower() not in seen]
            missing = [m for m in missing if "*" not in self._pe_lists_failed
                       and id_parts(m)["subscription"].lower() not in self._pe_lists_failed]
            if missing:
                self.gap(f"private endpoint {missing[0].rsplit('/', 1)[-1]}"
                         + (f" (+{len(missing) - 1} more)" if len(missing) > 1 else ""),
                         "approved on the registry but in no subscription read: add its subscription with "
                         "--subscription, or grant Reader on it", kind=GapKind.NOT_OBSERVED, scope=missing[0],
                         inputs=[IN.ENDPOINTS, IN.DNS], registries=[r.id])

    # ------------------------------------------------------------ single reads (write read-back)
    async def read_registry(self, registry_id: str) -> RegistryPosture:
        ip = id_parts(registry_id)
        acr = self.s.client("containerregistry", ip["subscription"])
        async with translate():
            body = raw(await acr.registries.get(ip["resource_group"], ip["name"]))
            reps: list[dict[str, Any]] = []
            if str(_ci(_d(body.get("sku")), "name") or "").lower() == "premium":
                reps = await collect(acr.replications.list(ip["resource_group"], ip["name"]))
        return registry_from_json(body, reps)

    async def read_vault(self, vault_id: str, key_names: Iterable[str] = ()) -> VaultPosture:
        return await self._vault({"id": vault_id, "name": id_parts(vault_id)["name"]}, sorted(key_names))

    async def read_endpoint(self, endpoint_id: str) -> PrivateEndpointPosture:
        ip = id_parts(endpoint_id)
        net = self.s.client("network", ip["subscription"])
        async with translate():
            pe = raw(await net.private_endpoints.get(ip["resource_group"], ip["name"]))
        link = pe_registry_link(pe)
        if link is None:
            raise NotFound(f"Private endpoint {ip['name']} does not connect to a container registry.")
        reg = await self.read_registry(link[0])
        self._once_futures.clear()  # a read-back after a write: nothing from an earlier read may stand in for it
        listing = _Listing()
        for n in _ci(_d(_ci(pe, "properties")), "networkInterfaces") or []:
            nid = str(_ci(n, "id"))
            nip = id_parts(nid)
            async with translate():
                listing.nics[nid.lower()] = raw(await self.s.client("network", nip["subscription"]).network_interfaces.get(
                    nip["resource_group"], nip["name"]))
        return await self._endpoint(pe, reg, link[1], listing)

    # ------------------------------------------------------------ ARM listing
    async def _list_arm(self, subs: list[str]) -> _Listing:
        """Per subscription: registries, endpoints and vaults, then at once that subscription's replicas and NICs
        (no barrier across subscriptions: a subscription's reads go on while another's list is still paging)."""
        out = _Listing()
        preloading = False

        async def per_sub(sub: str) -> None:
            nonlocal preloading
            scope = _sub_scope(sub)
            prov = f"{scope}/providers"
            regs, pes, vaults = await asyncio.gather(
                self._soft(f"registries in {sub}",
                           self._list("containerregistry", f"{prov}/Microsoft.ContainerRegistry/registries"), [],
                           scope=scope, inputs=[IN.REGISTRIES], registries=None),
                self._soft(f"private endpoints in {sub}",
                           self._list("network", f"{prov}/Microsoft.Network/privateEndpoints"), [],
                           scope=scope, inputs=[IN.ENDPOINTS, IN.DNS], resolve=_with_pe_in(sub)),
                self._soft(f"key vaults in {sub}", self._list("keyvault", f"{prov}/Microsoft.KeyVault/vaults"), [],
                           scope=scope, inputs=VAULT_INPUTS, key=f"vaults:{sub.lower()}"),
            )
            if any(IN.ENDPOINTS in g.inputs and g.scope == scope for g in self.gaps):
                self._pe_lists_failed.add(sub.lower())
            out.registries += regs
            if self.listed is not None:
                self.listed(sub, [registry_from_json(b) for b in regs])
            if not preloading:  # needed once the listing is done; not before the first rows (one GIL: their
                preloading = True  # imports, ~1 s of CPU, slowed the first lists' requests and the console's rows)
                self.s.preload("keyvault", "policy", "policyinsights", "authorization")
            out.endpoints += pes
            out.vaults += vaults
            await asyncio.gather(self._gather("registries", [replicas(b) for b in regs]), self._read_nics(out, pes))

        async def replicas(body: dict[str, Any]) -> None:
            ip = id_parts(str(body["id"]))
            if str(_ci(_d(body.get("sku")), "name") or "").lower() != "premium":
                return  # only Premium registries geo-replicate
            rid = str(body["id"])
            out.replicas[rid.lower()] = await self._soft(
                f"replicas of {ip['name']}", self._list("containerregistry", f"{rid}/replications"),
                [], scope=rid, inputs=[IN.REPLICAS], registries=[rid])

        await self._gather("subscriptions", [per_sub(s) for s in subs])
        return out

    async def _read_nics(self, out: _Listing, endpoints: list[dict[str, Any]] | None = None) -> None:
        """The NICs of endpoints that connect to a registry (their IPs are what DNS must answer with)."""
        owners: dict[str, set[str]] = {}
        for pe in out.endpoints if endpoints is None else endpoints:
            link = pe_registry_link(pe)
            for n in _ci(_d(_ci(pe, "properties")), "networkInterfaces") or []:
                if link:
                    owners.setdefault(str(_ci(n, "id")), set()).add(link[0])

        async def nic(nid: str) -> None:
            ip = id_parts(nid)
            body = await self._soft(f"network interface {ip['name']}", self._get("network", nid), {},
                                    scope=nid, inputs=[IN.ENDPOINTS], registries=owners[nid])
            if body:
                out.nics[nid.lower()] = slim_nic(body)

        await self._gather("network interfaces", [nic(n) for n in sorted(owners) if n.lower() not in out.nics])

    # ------------------------------------------------------------ vaults
    async def _vaults(self, registries: list[RegistryPosture], listing: _Listing) -> list[VaultPosture]:
        wanted: dict[str, set[str]] = {}
        users: dict[str, list[str]] = {}  # vault name -> ids of the registries whose key it holds
        for r in registries:
            if r.encryption.enabled and r.encryption.vault_name and r.encryption.key_name:
                wanted.setdefault(r.encryption.vault_name.lower(), set()).add(r.encryption.key_name)
                users.setdefault(r.encryption.vault_name.lower(), []).append(r.id)
        by_name = {str(v.get("name", "")).lower(): v for v in listing.vaults}
        list_gaps = [g for k, g in self._shared.items() if k.startswith("vaults:")]
        coros = []
        for name, keys in sorted(wanted.items()):
            if name not in by_name:
                for g in list_gaps:  # it may be in a subscription whose vaults could not be listed
                    g.add(users[name])
                if not list_gaps:
                    self.gap(f"key vault {name}", "not found in the chosen subscriptions: add its subscription with "
                             "--subscription, or grant Reader on it", kind=GapKind.NOT_OBSERVED, scope=name,
                             inputs=VAULT_INPUTS, registries=users[name])
                continue
            coros.append(self._vault(by_name[name], sorted(keys), users[name], whole=listing.vaults_read))
        del by_name
        try:
            return await self._gather("key vaults", coros)
        finally:
            listing.vaults = []  # in the vault models now

    async def _vault(self, listed: dict[str, Any], key_names: list[str], users: Iterable[str] = (), *,
                     whole: bool = False) -> VaultPosture:
        """``whole``: ``listed`` is the vault's full body (a Resource Graph row), so it is not read again."""
        vid = str(listed["id"])
        ip = id_parts(vid)
        rg, name = ip["resource_group"], ip["name"]
        users = list(users)
        body = listed if whole and _ci(listed, "properties") else await self._soft(
            f"key vault {name}", self._get("keyvault", vid), {}, scope=vid, inputs=VAULT_INPUTS,
            registries=users)
        if not body:
            parts = id_parts(vid)
            return VaultPosture(id=vid, name=name, subscription_id=parts["subscription"], resource_group=rg,
                                location=str(listed.get("location", "")), vault_uri="", readable=False)

        async def key(k: str) -> KeyPosture | None:
            kid = f"{vid}/keys/{k}"
            kb = await self._soft(f"key {name}/{k}", self._get("keyvault", kid), {}, scope=kid,
                                  inputs=[IN.KEYS], registries=users, absent_ok=True)
            if not kb:
                return None
            versions = await self._soft(f"key versions {name}/{k}", self._list("keyvault", f"{kid}/versions"), [],
                                        scope=kid, inputs=[IN.KEYS], registries=users, absent_ok=True)
            return key_from_json(kb, versions)

        rbac = bool(_ci(_d(_ci(body, "properties")), "enableRbacAuthorization"))
        keys_, diags, users = await asyncio.gather(
            asyncio.gather(*(key(k) for k in key_names)),
            self._soft(f"diagnostic settings of {name}", self.diagnostic_settings(vid), [], scope=vid,
                       inputs=[IN.VAULT_DIAGNOSTICS], registries=users),
            self._soft(f"role assignments on {name}", self._rbac_key_users(vid), [], scope=vid,
                       inputs=[IN.KEY_ACCESS], registries=users) if rbac else _const([]),
        )
        return vault_from_json(body, keys=[k for k in keys_ if k is not None], diagnostics=diags, rbac_key_users=users)

    async def diagnostic_settings(self, resource_id: str) -> list[DiagnosticSetting]:
        body = await self.s.raw("GET", f"{resource_id}/providers/Microsoft.Insights/diagnosticSettings", DIAG_API)
        return [diagnostic_from_json(b) for b in body.get("value", [])]

    async def _rbac_key_users(self, vault_id: str) -> list[str]:
        auth = self.s.client("authorization", id_parts(vault_id)["subscription"])
        out = []
        async for ra in auth.role_assignments.list_for_scope(vault_id):
            if str(ra.role_definition_id).rstrip("/").split("/")[-1].lower() in KEY_USE_ROLES:
                out.append(str(ra.principal_id))
        return out

    # ------------------------------------------------------------ private endpoints and DNS
    async def _endpoints(self, registries: list[RegistryPosture], listing: _Listing) -> list[PrivateEndpointPosture]:
        regs = {r.id.lower(): r for r in registries}
        coros = []
        for pe in listing.endpoints:
            link = pe_registry_link(pe)
            if link and link[0].lower() in regs:
                coros.append(self._endpoint(pe, regs[link[0].lower()], link[1], listing))
        try:
            return await self._gather("private endpoints", coros)
        finally:  # in the endpoint models now: the other stages, still reading, reuse their memory
            listing.endpoints, listing.nics, listing.zone_links = [], {}, {}

    async def _zone_links(self, zone_id: str, listing: _Listing, reg_id: str) -> list[dict[str, Any]]:
        key = zone_id.lower()
        if key not in listing.zone_links:  # the Graph path has them all already
            ip = id_parts(zone_id)

            async def read() -> list[dict[str, Any]]:
                return await self._soft(
                    f"VNet links of {ip['name']}",
                    self._list("privatedns", f"{zone_id}/virtualNetworkLinks"),
                    [], scope=zone_id, inputs=[IN.DNS], registries=[reg_id], absent_ok=True, key=f"links:{key}")

            listing.zone_links[key] = await self._once(f"links:{key}", read)
        self._share(f"links:{key}", [reg_id])
        return listing.zone_links[key]

    async def _fallback_zones(self, sub: str, vnet_id: str | None, listing: _Listing, reg_id: str) -> list[str]:
        """Without a zone group: the cloud's Private Link zones in the endpoint's subscription linked to its VNet."""
        if not vnet_id:
            return []
        key = f"zones:{sub.lower()}"
        if key not in listing.zone_links:
            async def read() -> list[dict[str, Any]]:
                zones = await self._soft(
                    f"private DNS zones in {sub}",
                    self._list("privatedns", f"/subscriptions/{sub}/providers/Microsoft.Network/privateDnsZones"),
                    [], scope=_sub_scope(sub), inputs=[IN.DNS], registries=[reg_id], key=key)
                return [z for z in zones if str(z.get("name", "")).lower() == self.s.cloud.private_dns_zone]

            listing.zone_links[key] = await self._once(key, read)
        self._share(key, [reg_id])
        out = []
        for z in listing.zone_links[key]:
            links = await self._zone_links(str(z["id"]), listing, reg_id)
            vnets = {str(_ci(_d(_ci(_d(_ci(lk, "properties")), "virtualNetwork")), "id", "")).lower() for lk in links}
            if vnet_id.lower() in vnets:
                out.append(str(z["id"]))
        return out

    async def _records(self, zone_id: str, reg_id: str) -> dict[str, list[str]]:
        """A zone's A records (relative name → IPs), read once per zone for all its endpoints; only the names and
        addresses are kept, not the record-set bodies."""
        ip = id_parts(zone_id)
        key = f"records:{zone_id.lower()}"

        async def sets() -> dict[str, list[str]]:
            out: dict[str, list[str]] = {}
            async for rs in self.s.list_json("subscriptions", None, f"{zone_id}/A", API_VERSIONS["privatedns"]):
                recs = _ci(_d(_ci(rs, "properties")), "aRecords") or []
                out[str(rs.get("name", "")).lower()] = [str(_ci(a, "ipv4Address")) for a in recs]
            return out

        async def read() -> dict[str, list[str]]:
            return await self._soft(f"A records of {ip['name']}", sets(), {}, scope=zone_id, inputs=[IN.DNS],
                                    registries=[reg_id], absent_ok=True, key=key)

        out = await self._once(key, read)
        self._share(key, [reg_id])
        return out

    async def _endpoint(self, pe: dict[str, Any], reg: RegistryPosture, status: str, listing: _Listing) -> PrivateEndpointPosture:
        p = _d(_ci(pe, "properties"))
        pid = str(pe["id"])
        ip = id_parts(pid)
        subnet_id = _ci(_d(_ci(p, "subnet")), "id")
        vnet_id = parent_id(subnet_id) if subnet_id else None
        nic_ips: dict[str, str] = {}
        for n in _ci(p, "networkInterfaces") or []:
            nic = listing.nics.get(str(_ci(n, "id", "")).lower())
            if nic:
                nic_ips.update(nic_ips_from_json(nic))
        groups = await self._soft(f"DNS zone groups of {ip['name']}",
                                  self._list("network", f"{pid}/privateDnsZoneGroups"), [],
                                  scope=pid, inputs=[IN.DNS], registries=[reg.id])
        zone_ids: list[str] = []
        for g in groups:
            for cfg in _ci(_d(_ci(g, "properties")), "privateDnsZoneConfigs") or []:
                zid = _ci(_d(_ci(cfg, "properties")), "privateDnsZoneId")
                if zid:
                    zone_ids.append(str(zid))
        lookup = zone_ids or await self._fallback_zones(ip["subscription"], vnet_id, listing, reg.id)
        link_lists = await asyncio.gather(*(self._zone_links(z, listing, reg.id) for z in lookup))
        linked = sorted({str(_ci(_d(_ci(_d(_ci(lk, "properties")), "virtualNetwork")), "id")) for ls in link_lists for lk in ls
                         if _ci(_d(_ci(_d(_ci(lk, "properties")), "virtualNetwork")), "id")})
        records_by_zone = dict(zip(lookup, await asyncio.gather(*(self._records(z, reg.id) for z in lookup)), strict=True))
        suffix = reg.login_server.split(".", 1)[1] if "." in reg.login_server else self.s.cloud.acr_suffix
        checks = []
        for fqdn, member in required_fqdns(reg):
            rel = fqdn[: -len(suffix) - 1] if fqdn.endswith("." + suffix) else fqdn
            found_zone, ips = None, []
            for zid, recs in records_by_zone.items():
                zname = zid.rstrip("/").split("/")[-1].lower()
                if zname.endswith(suffix) and rel in recs:
                    found_zone, ips = zid.rstrip("/").split("/")[-1], recs[rel]
                    break
            if found_zone is None and lookup:
                found_zone = lookup[0].rstrip("/").split("/")[-1]
            checks.append(DnsRecordCheck(fqdn=fqdn, expected_ip=nic_ips.get(member), zone=found_zone, record_ips=ips))
        return PrivateEndpointPosture(
            id=pid,
            name=str(pe.get("name") or ip["name"]),
            registry_id=reg.id,
            connection_status=status,
            subnet_id=subnet_id,
            vnet_id=vnet_id,
            nic_ips=nic_ips,
            dns_zone_group=str(groups[0].get("name")) if groups else None,
            dns_zone_ids=zone_ids,
            zone_linked_vnets=linked,
            records=checks,
        )

    # ------------------------------------------------------------ policy
    async def _policy(self, subs: list[str], registries: list[RegistryPosture],
                      listed: list[dict[str, Any]] | None = None
                      ) -> tuple[list[PolicyAssignmentInfo], list[ComplianceRecord], list[PolicyExemptionInfo]]:
        """``listed``: the assignments Resource Graph returned (else each subscription's are listed through ARM)."""
        defaults: dict[str, str | None] = {}
        reg_ids = {r.id.lower() for r in registries}

        async def default_effect(definition_id: str, applies: list[str]) -> str | None:
            key = f"definition:{definition_id.lower()}"
            if definition_id.lower() in defaults:
                self._share(key, applies)
                return defaults[definition_id.lower()]
            guid = definition_id.rstrip("/").split("/")[-1]
            low = definition_id.lower()
            if "/subscriptions/" in low:
                pol = self.s.client("policy", id_parts(definition_id)["subscription"] or subs[0])
                getter = pol.policy_definitions.get(guid)
            elif "/managementgroups/" in low:
                mg = definition_id.split("/")[definition_id.lower().split("/").index("managementgroups") + 1]
                getter = self.s.client("policy", subs[0]).policy_definitions.get_at_management_group(mg, guid)
            else:
                getter = self.s.client("policy", subs[0]).policy_definitions.get_built_in(guid)
            body = await self._soft(f"policy definition {guid}", _raw_get(getter), {}, scope=definition_id,
                                    inputs=[IN.POLICY], registries=applies, key=key)
            eff = _ci(_d(_ci(_d(_ci(_d(_ci(body, "properties")), "parameters")), "effect")), "defaultValue")
            defaults[definition_id.lower()] = eff
            return eff

        async def per_sub(sub: str) -> tuple[list[PolicyAssignmentInfo], list[ComplianceRecord],
                                             list[PolicyExemptionInfo]]:
            pol = self.s.client("policy", sub)
            in_sub = [r.id for r in registries if r.subscription_id.lower() == sub.lower()]
            if listed is None:
                bodies = await self._soft(f"policy assignments in {sub}", collect(pol.policy_assignments.list()), [],
                                          scope=_sub_scope(sub), inputs=[IN.POLICY], registries=in_sub)
            else:
                bodies = [b for b in listed if _in_sub(str(b.get("id", "")), sub)]
            infos = []
            for b in bodies:
                info = policy_from_json(b)
                applies = [r.id for r in registries if info.applies_to(r.id)]
                if not applies:
                    continue
                if info.effect is None:
                    info = policy_from_json(b, await default_effect(info.definition_id, applies))
                infos.append(info)
            states = await self._soft(f"policy states in {sub}", self._states(sub), [], scope=_sub_scope(sub),
                                      inputs=[IN.COMPLIANCE], registries=in_sub)
            exempt: list[PolicyExemptionInfo] = []
            if infos:  # an exemption only matters against an assignment over one of the registries
                path = f"{_sub_scope(sub)}/providers/Microsoft.Authorization/policyExemptions"
                bodies = await self._soft(f"policy exemptions in {sub}", _arm_list(self.s, path, EXEMPTIONS_API), [],
                                          scope=_sub_scope(sub), inputs=[IN.POLICY], registries=in_sub)
                exempt = [x for x in (exemption_from_json(b) for b in bodies)
                          if any(x.covers(r) for r in in_sub)]
            return infos, [c for c in states if c.resource_id.lower() in reg_ids], exempt

        results = await self._gather("policy", [per_sub(s) for s in subs])
        seen: dict[str, PolicyAssignmentInfo] = {}
        for infos, _, _ in results:
            for i in infos:
                seen.setdefault(i.id.lower(), i)
        exemptions = {x.id.lower(): x for _, _, xs in results for x in xs}
        return list(seen.values()), [c for _, cs, _ in results for c in cs], list(exemptions.values())

    async def _states(self, sub: str) -> list[ComplianceRecord]:
        from azure.mgmt.policyinsights.models import QueryOptions

        client = self.s.client("policyinsights", sub)
        opts = QueryOptions(filter="resourceType eq 'Microsoft.ContainerRegistry/registries'")
        out = []
        async for st in client.policy_states.list_query_results_for_subscription("latest", sub, query_options=opts):
            out.append(ComplianceRecord(
                resource_id=str(st.resource_id),
                assignment_id=str(st.policy_assignment_id),
                definition_id=str(st.policy_definition_id),
                compliance_state=str(st.compliance_state or "Unknown"),
            ))
        return out


async def _raw_get(coro: Awaitable[Any]) -> dict[str, Any]:
    return raw(await coro)


async def _const(value: T) -> T:
    return value


async def load_estate(session: AzureSession, *, use_resource_graph: bool = False, progress: Progress | None = None,
                      listed: Listed | None = None, mode: str | None = None) -> Estate:
    """Read the session's subscriptions into an estate (the one call screens, audit and plans need), with the
    names of the principals it shows (best effort: acrtui/azure/graph.py). The listing path is ``mode`` or the
    session's ``inventory`` (``--inventory``)."""
    from .graph import name_principals

    estate = await Inventory(session, use_resource_graph=use_resource_graph, progress=progress, listed=listed,
                             mode=mode).load()
    return await name_principals(session, estate)
