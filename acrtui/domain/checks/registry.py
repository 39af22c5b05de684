"""Registry policies and sub-resources: quarantine, retention, soft delete, content trust, tokens and scope maps,
webhooks, cache rules and credential sets, connected registries, replica regions, VNet rules and private endpoint
connections from outside the audited scope.

The sub-resources come from ``RegistryPosture.details`` (acrtui/azure/registry_details.py). ``details`` is None
when they were not read at all (a single-registry read-back): every check here that needs them then says
``error``, never pass; a failed read of one kind is a read gap on its input, which :meth:`Check.run` reports.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any

from acrtui.domain.models import CheckInput, Estate, RegistryDetails, RegistryPosture, TokenInfo

from .base import (
    Check,
    CheckSettings,
    Family,
    Finding,
    References,
    Remediation,
    Severity,
    error,
    fail,
    na,
    ok,
    premium_only,
)

IN = CheckInput
LEARN = "https://learn.microsoft.com/azure/container-registry/"
LEARN_TOKENS = LEARN + "container-registry-repository-scoped-permissions"
LEARN_RETENTION = LEARN + "container-registry-retention-policy"
LEARN_SOFT_DELETE = LEARN + "container-registry-soft-delete-policy"
LEARN_DCT = LEARN + "container-registry-content-trust-deprecation"
LEARN_QUARANTINE = LEARN + "container-registry-faq#how-do-i-enable-automatic-image-quarantine-for-a-registry-"
LEARN_CACHE = LEARN + "container-registry-artifact-cache"
LEARN_WEBHOOKS = LEARN + "container-registry-webhook"
LEARN_CONNECTED = LEARN + "intro-connected-registry"
LEARN_GEO = LEARN + "container-registry-geo-replication"
LEARN_VNET = LEARN + "container-registry-vnet"
LEARN_PL = LEARN + "container-registry-private-link"
DCT_REMOVED = dt.date(2028, 3, 31)  # Learn, "Transition from Docker Content Trust to Notary Project"
BROAD_ACTIONS = {"content/write", "content/delete", "metadata/write"}  # push, delete, change locks (Learn, tokens)
WRITE_MODES = {"readwrite", "registry"}  # connected-registry modes that sync content back to the cloud registry

Fn = Callable[[RegistryPosture, Estate, CheckSettings], Finding]
DetailFn = Callable[[RegistryPosture, RegistryDetails, Estate, CheckSettings], Finding]


def _with_details(fn: DetailFn) -> Fn:
    """The check on the registry's details; ``error`` when they were never read (no pass on an empty default)."""
    @wraps(fn)
    def run(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
        if reg.details is None:
            return error("the registry's policies and sub-resources were not read")
        return fn(reg, reg.details, estate, s)
    return run


# ---------------------------------------------------------------- supply chain: policies


@_with_details
def check_quarantine(reg: RegistryPosture, d: RegistryDetails, estate: Estate, s: CheckSettings) -> Finding:
    if d.quarantine_enabled:
        return ok("quarantine is on: a pushed image is not pullable until a scanner marks it Passed",
                  quarantinePolicy="enabled")
    return fail("quarantine is off: an image can be pulled the moment it is pushed, before any scan",
                quarantinePolicy="disabled")


@_with_details
def check_retention(reg: RegistryPosture, d: RegistryDetails, estate: Estate, s: CheckSettings) -> Finding:
    ev = {"retentionPolicy": "enabled" if d.retention_enabled else "disabled", "days": d.retention_days}
    if d.retention_enabled:
        return ok(f"untagged manifests are deleted after {d.retention_days} day(s)", **ev)
    return fail("untagged manifests are kept forever: superseded images (and their vulnerabilities) stay pullable "
                "by digest", **ev)


def check_content_trust(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    if reg.trust_policy_enabled:
        return fail(f"Docker Content Trust is enabled: it is deprecated and is removed from ACR on "
                    f"{DCT_REMOVED.isoformat()}; move signing to Notary Project (Notation)",
                    trustPolicy="enabled", removal=DCT_REMOVED.isoformat())
    return ok("Docker Content Trust is not in use", trustPolicy="disabled", removal=DCT_REMOVED.isoformat())


# ---------------------------------------------------------------- supply chain: cache rules, connected registries


def _wildcard(source: str) -> bool:
    return "*" in source


@_with_details
def check_cache_wildcards(reg: RegistryPosture, d: RegistryDetails, estate: Estate, s: CheckSettings) -> Finding:
    rules = [{"name": r.name, "source": r.source_repository, "target": r.target_repository} for r in d.cache_rules]
    if not rules:
        return na("no cache rules")
    wild = [r for r in rules if _wildcard(r["source"])]
    if wild:
        return fail(f"{len(wild)} cache rule(s) mirror a whole upstream registry or namespace on any pull: "
                    + ", ".join(f"{r['name']} ({r['source']} → {r['target']})" for r in wild),
                    wildcardRules=wild, cacheRules=rules)
    return ok(f"{len(rules)} cache rule(s), each for a named upstream repository", wildcardRules=[], cacheRules=rules)


@_with_details
def check_cache_credentials(reg: RegistryPosture, d: RegistryDetails, estate: Estate, s: CheckSettings) -> Finding:
    if not d.cache_rules:
        return na("no cache rules")
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    for r in d.cache_rules:
        cs = d.credential_set(r.credential_set_id)
        row: dict[str, Any] = {"rule": r.name, "source": r.source_repository, "credentialSet": r.credential_set_id}
        if not r.credential_set_id:
            problems.append(f"{r.name} pulls {r.source_repository} anonymously")
        elif cs is None:
            problems.append(f"{r.name} names credential set {r.credential_set_id.rsplit('/', 1)[-1]}, which does "
                            "not exist")
        else:
            row.update(health=cs.health, identity=cs.identity, secrets=cs.secret_ids)
            bad = [h for h in cs.health if h.lower() != "healthy"]
            if not cs.health:
                problems.append(f"credential set {cs.name} of {r.name} has no credentials")
            elif bad:
                problems.append(f"credential set {cs.name} of {r.name} is {', '.join(bad)}: ACR cannot read its "
                                "Key Vault secrets (or the upstream refused them)")
            elif not cs.identity:
                problems.append(f"credential set {cs.name} of {r.name} has no managed identity to read its secrets")
        rows.append(row)
    if problems:
        return fail("; ".join(problems), rules=rows)
    return ok(f"{len(rows)} cache rule(s) authenticate upstream with healthy, Key Vault-backed credential sets",
              rules=rows)


@_with_details
def check_connected(reg: RegistryPosture, d: RegistryDetails, estate: Estate, s: CheckSettings) -> Finding:
    rows = [{"name": c.name, "mode": c.mode, "connectionState": c.connection_state, "activation": c.activation}
            for c in d.connected_registries]
    if not rows:
        return na("no connected registries")
    writers = [r for r in rows if str(r["mode"]).lower() in WRITE_MODES]
    if writers:
        return fail(f"{len(writers)} connected registr{'y' if len(writers) == 1 else 'ies'} in read-write mode "
                    "push content from outside Azure into this registry: "
                    + ", ".join(f"{r['name']} ({r['mode']}, {r['connectionState'] or 'state unknown'})" for r in writers),
                    connectedRegistries=rows)
    return ok(f"{len(rows)} connected registr{'y' if len(rows) == 1 else 'ies'}, all read-only (pull from the cloud "
              "registry only)", connectedRegistries=rows)


# ---------------------------------------------------------------- auth: tokens


def _token_scope(t: TokenInfo, d: RegistryDetails) -> tuple[list[str], bool]:
    """(actions, known): the token's scope map's actions, and whether that scope map was found."""
    sm = d.scope_map(t.scope_map_id)
    return (list(sm.actions), True) if sm else ([], False)


def _broad(actions: list[str]) -> list[str]:
    """Actions granting push, delete or metadata writes on every repository (``repositories/*/…``)."""
    out = []
    for a in actions:
        parts = a.strip().lower().split("/")
        if len(parts) >= 4 and parts[0] == "repositories" and "/".join(parts[1:-2]) == "*":
            if f"{parts[-2]}/{parts[-1]}" in BROAD_ACTIONS or parts[-1] == "*":
                out.append(a)
    return out


@_with_details
def check_tokens_enabled(reg: RegistryPosture, d: RegistryDetails, estate: Estate, s: CheckSettings) -> Finding:
    enabled = [t.name for t in d.tokens if t.enabled]
    ev = {"enabledTokens": enabled, "disabledTokens": [t.name for t in d.tokens if not t.enabled]}
    if enabled:
        return fail(f"{len(enabled)} repository-scoped token(s) enabled: non-Entra credentials that conditional "
                    f"access and Entra sign-in logs do not cover ({', '.join(enabled)})", **ev)
    return ok("no repository-scoped token is enabled", **ev)


@_with_details
def check_token_scope(reg: RegistryPosture, d: RegistryDetails, estate: Estate, s: CheckSettings) -> Finding:
    enabled = [t for t in d.tokens if t.enabled]
    if not enabled:
        return na("no enabled repository-scoped token")
    broad, unknown, rows = [], [], []
    for t in enabled:
        actions, known = _token_scope(t, d)
        wide = _broad(actions)
        sm = (t.scope_map_id or "").rsplit("/", 1)[-1]
        rows.append({"token": t.name, "scopeMap": sm, "broadActions": wide})
        if not known:
            unknown.append(f"{t.name} (scope map {sm or 'none'} not found)")
        elif wide:
            broad.append(f"{t.name} via {sm}: {', '.join(wide)}")
    if broad:
        return fail(f"{len(broad)} token(s) can push or delete in every repository: " + "; ".join(broad),
                    tokens=rows, unresolved=unknown)
    if unknown:
        return error("the scope map of " + ", ".join(unknown) + " could not be resolved", tokens=rows)
    return ok(f"{len(enabled)} enabled token(s), none with push or delete on all repositories", tokens=rows)


@_with_details
def check_token_expiry(reg: RegistryPosture, d: RegistryDetails, estate: Estate, s: CheckSettings) -> Finding:
    enabled = [t for t in d.tokens if t.enabled]
    if not enabled:
        return na("no enabled repository-scoped token")
    never, expired, rows = [], [], []
    for t in enabled:
        exps = [e.isoformat() if e else None for e in t.password_expiries]
        rows.append({"token": t.name, "passwordExpiries": exps, "certificates": t.certificates})
        if any(e is None for e in t.password_expiries):
            never.append(t.name)
        elif t.password_expiries and all(e is not None and e <= s.now for e in t.password_expiries):
            expired.append(t.name)
    if never:
        return fail(f"token password(s) that never expire: {', '.join(never)}", tokens=rows, expiredOnly=expired)
    return ok("every enabled token's passwords expire"
              + (f" (all passwords of {', '.join(expired)} have already expired)" if expired else ""),
              tokens=rows, expiredOnly=expired)


# ---------------------------------------------------------------- network: webhooks, VNet rules


# private networks a webhook receiver may sit on: RFC 1918, loopback, link-local, IPv6 unique-local. Not Python's
# ``is_private``, which also counts the documentation ranges (203.0.113.0/24, ...) that stand for internet addresses.
PRIVATE_NETS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "::1/128", "fc00::/7",
    "fe80::/10"))


def _private_host(host: str | None) -> bool:
    if not host:
        return False
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return any(ip in n for n in PRIVATE_NETS if n.version == ip.version)


def _hooks(d: RegistryDetails) -> list[dict[str, Any]]:
    return [{"name": h.name, "enabled": h.enabled, "scheme": h.scheme, "host": h.host, "actions": h.actions}
            for h in d.webhooks]


@_with_details
def check_webhook_https(reg: RegistryPosture, d: RegistryDetails, estate: Estate, s: CheckSettings) -> Finding:
    hooks = [h for h in d.webhooks if h.enabled]
    if not hooks:
        return na("no enabled webhook")
    plain = [h for h in hooks if h.scheme != "https"]
    if plain:
        return fail("webhook(s) not over HTTPS (the event, its repository, tag and digest, and any auth header "
                    "travel in clear): " + ", ".join(f"{h.name} ({h.scheme}://{h.host})" for h in plain),
                    webhooks=_hooks(d))
    return ok(f"{len(hooks)} enabled webhook(s), all HTTPS", webhooks=_hooks(d))


@_with_details
def check_webhook_private(reg: RegistryPosture, d: RegistryDetails, estate: Estate, s: CheckSettings) -> Finding:
    hooks = [h for h in d.webhooks if h.enabled]
    if not hooks:
        return na("no enabled webhook")
    outside = [h for h in hooks if not _private_host(h.host)]
    if outside:
        return fail("webhook(s) send registry events to destinations not on a private address (a hostname "
                    "acrtui does not resolve counts as public; suppress the finding for an accepted destination): "
                    + ", ".join(f"{h.name} → {h.host}" for h in outside), webhooks=_hooks(d))
    return ok(f"{len(hooks)} enabled webhook(s), all to private addresses", webhooks=_hooks(d))


def check_vnet_rules(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    rules = list(reg.virtual_network_rules)
    if rules:
        return fail(f"{len(rules)} VNet (service endpoint) rule(s): a deprecated preview path; move those clients "
                    "to a private endpoint", virtualNetworkRules=rules)
    return ok("no VNet (service endpoint) rules", virtualNetworkRules=[])


# ---------------------------------------------------------------- private link: connections from outside


def check_foreign_connections(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    audited = {k.lower() for k in estate.subscriptions}
    rows, approved, pending = [], [], []
    for c in reg.private_endpoint_connections:
        sub = ""
        if c.private_endpoint_id and c.private_endpoint_id.lower().startswith("/subscriptions/"):
            sub = c.private_endpoint_id.split("/")[2]
        if sub and sub.lower() in audited:
            continue
        row = {"name": c.name, "status": c.status, "privateEndpointId": c.private_endpoint_id, "subscription": sub}
        rows.append(row)
        if c.status.lower() == "approved":
            approved.append(row)
        elif c.status.lower() == "pending":
            pending.append(row)
    ev = {"outsideScope": rows, "auditedSubscriptions": sorted(estate.subscriptions)}
    if approved:
        return fail(f"{len(approved)} approved private endpoint connection(s) from outside the audited subscriptions "
                    "(another team's or tenant's network can reach the registry privately): "
                    + ", ".join(f"{r['name']} (subscription {r['subscription'] or '?'})" for r in approved), **ev)
    if pending:
        return fail(f"{len(pending)} pending request(s) from outside the audited subscriptions: approving would "
                    "open a private path from a network you do not audit: "
                    + ", ".join(f"{r['name']} (subscription {r['subscription'] or '?'})" for r in pending), **ev)
    if not reg.private_endpoint_connections:
        return ok("no private endpoint connections", **ev)
    return ok("every private endpoint connection comes from an audited subscription", **ev)


# ---------------------------------------------------------------- resilience: soft delete, regions


@_with_details
def check_soft_delete(reg: RegistryPosture, d: RegistryDetails, estate: Estate, s: CheckSettings) -> Finding:
    ev = {"softDeletePolicy": None if d.soft_delete_enabled is None else
          ("enabled" if d.soft_delete_enabled else "disabled"), "retentionDays": d.soft_delete_days}
    if d.soft_delete_enabled:
        return ok(f"soft delete is on: deleted artifacts are recoverable for {d.soft_delete_days} day(s)", **ev)
    if d.soft_delete_enabled is None:
        return error("softDeletePolicy was not reported by the preview api-version", **ev)
    if len(reg.regions) > 1:
        return na("soft delete (preview) does not support geo-replicated registries", **ev)
    if d.retention_enabled:
        return na("the retention policy is on; the soft delete preview cannot be enabled with it", **ev)
    return fail("soft delete is off: a deleted tag or manifest is gone for good", **ev)


def check_regions(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    allowed = {r.lower() for r in s.allowed_regions}
    regions = reg.regions
    if not allowed:
        return na("no allowed regions set (audit.allowed_regions in the settings file)")
    outside = [r for r in regions if r.lower().replace(" ", "") not in allowed]
    ev = {"regions": regions, "allowedRegions": sorted(allowed)}
    if outside:
        return fail(f"data stored outside the allowed regions: {', '.join(outside)}", outside=outside, **ev)
    return ok(f"every region ({', '.join(regions)}) is allowed", outside=[], **ev)


def _replicas_if_premium(reg: RegistryPosture) -> tuple[CheckInput, ...]:
    return (IN.REPLICAS,) if reg.premium else ()


CHECKS = [
    # ---------------- auth
    Check(
        id="ACR-AUTH-004",
        title="No repository-scoped token is enabled",
        severity=Severity.MEDIUM,
        family=Family.AUTH,
        rationale="Tokens are passwords outside Entra ID: no conditional access, no sign-in logs, no MFA. Like the "
        "admin user they are local authentication, which built-in ff05e24e asks to disable.",
        remediation=Remediation(
            "Move the client to an Entra identity with an ACR role, then disable (or delete) the token.",
            az="az acr token update -n <token> -r <registry> -g <rg> --subscription <subscription> --status disabled",
        ),
        fn=check_tokens_enabled,
        inputs=(IN.TOKENS,),
        references=References(policy_definition_ids=("ff05e24e-195c-447e-b322-5e90c9f9f366",), docs=(LEARN_TOKENS,)),
    ),
    Check(
        id="ACR-AUTH-005",
        title="No token can push or delete in every repository",
        severity=Severity.HIGH,
        family=Family.AUTH,
        rationale="A scope map granting content/write, content/delete or metadata/write on repositories/* (as the "
        "system maps _repositories_push and _repositories_admin do) turns one leaked token password into the "
        "power to overwrite or delete any image. None of PSRule, Checkov, Prowler or Azure Policy checks it.",
        remediation=Remediation(
            "Give the token a scope map naming only the repositories it needs.",
            az="az acr scope-map create -n <scope-map> -r <registry> -g <rg> --subscription <subscription> "
            "--repository <repo> content/read content/write && az acr token update -n <token> -r <registry> -g <rg> "
            "--subscription <subscription> --scope-map <scope-map>",
        ),
        fn=check_token_scope,
        inputs=(IN.TOKENS,),
        references=References(docs=(LEARN_TOKENS,)),
    ),
    Check(
        id="ACR-AUTH-006",
        title="Token passwords expire",
        severity=Severity.MEDIUM,
        family=Family.AUTH,
        rationale="A token password without an expiry stays valid until someone remembers to regenerate it; Learn "
        "describes tokens as time-limited access, which only an expiry makes true. No peer checks it.",
        remediation=Remediation(
            "Regenerate the password with an expiry and hand it to the client.",
            az="az acr token credential generate -n <token> -r <registry> -g <rg> --subscription <subscription> "
            "--password1 --expiration-in-days 90",
        ),
        fn=check_token_expiry,
        inputs=(IN.TOKENS,),
        references=References(docs=(LEARN_TOKENS,)),
    ),
    # ---------------- supply chain
    Check(
        id="ACR-SC-001",
        title="Quarantine holds new images until they are scanned",
        severity=Severity.LOW,
        family=Family.SUPPLY_CHAIN,
        rationale="With quarantine on, a pushed image cannot be pulled until a scanner marks it Passed, so nothing "
        "unscanned reaches a cluster. It needs a scanner that implements the quarantine pattern (preview); "
        "enabling it without one blocks every pull.",
        remediation=Remediation(
            "Set up a scanner that marks images, then enable the quarantine policy.",
            az="az resource update --ids <registry-id> --set properties.policies.quarantinePolicy.status=enabled",
        ),
        fn=check_quarantine,
        references=References(psrule=("Azure.ACR.Quarantine",), checkov=("CKV_AZURE_166",), docs=(LEARN_QUARANTINE,)),
    ),
    Check(
        id="ACR-SC-002",
        title="A retention policy deletes untagged manifests",
        severity=Severity.LOW,
        family=Family.SUPPLY_CHAIN,
        rationale="Untagged manifests are superseded images that stay pullable by digest, vulnerabilities "
        "included; the retention policy (Premium, preview) deletes them after the days you set. Do not enable it "
        "where systems pull by digest.",
        remediation=Remediation(
            "Enable the retention policy for untagged manifests.",
            az="az acr config retention update -r <registry> -g <rg> --subscription <subscription> --status enabled "
            "--days 30 --type UntaggedManifests",
        ),
        fn=check_retention,
        references=References(psrule=("Azure.ACR.Retention",), checkov=("CKV_AZURE_167",), docs=(LEARN_RETENTION,)),
        applies=premium_only,
        applicability="Premium",
    ),
    Check(
        id="ACR-SC-003",
        title="Docker Content Trust is not relied on (deprecated)",
        severity=Severity.INFO,
        family=Family.SUPPLY_CHAIN,
        rationale="Docker Content Trust is deprecated since 2025-03-31, cannot be enabled on registries that never "
        "had it since 2026-05-31, and is removed from ACR on 2028-03-31 (Learn). Signing belongs in Notary Project "
        "signatures. Checkov CKV_AZURE_164 and PSRule Azure.ACR.ContentTrust still ask for it to be enabled; acrtui "
        "reports the opposite, a dependency on a feature being removed.",
        remediation=Remediation(
            "Sign with Notation and verify at deployment, then disable content trust.",
            az="az acr config content-trust update -r <registry> -g <rg> --subscription <subscription> "
            "--status disabled",
        ),
        fn=check_content_trust,
        references=References(psrule=("Azure.ACR.ContentTrust",), checkov=("CKV_AZURE_164",), docs=(LEARN_DCT,)),
        applies=premium_only,
        applicability="Premium",
    ),
    Check(
        id="ACR-SC-004",
        title="No cache rule mirrors a whole upstream registry",
        severity=Severity.MEDIUM,
        family=Family.SUPPLY_CHAIN,
        rationale="A wildcard cache rule (docker.io/* → *) lets anyone with pull rights bring any upstream image "
        "into the registry your clusters trust, bypassing whatever review a push gets. No peer checks it.",
        remediation=Remediation(
            "Replace the wildcard rule with rules for the upstream repositories you use.",
            az="az acr cache delete -r <registry> -g <rg> --subscription <subscription> -n <rule> && az acr cache "
            "create -r <registry> -g <rg> --subscription <subscription> -n <rule> -s docker.io/library/<image> "
            "-t <image>",
        ),
        fn=check_cache_wildcards,
        inputs=(IN.CACHE_RULES,),
        references=References(docs=(LEARN_CACHE,)),
    ),
    Check(
        id="ACR-SC-005",
        title="Cache rules authenticate upstream with healthy credential sets",
        severity=Severity.LOW,
        family=Family.SUPPLY_CHAIN,
        rationale="Learn recommends authenticating cache rules with upstream credentials: anonymous pulls hit "
        "upstream rate limits. A credential set keeps the secrets in Key Vault behind a managed identity; an "
        "unhealthy one means ACR cannot read them, and the cache stops refreshing. No peer checks it.",
        remediation=Remediation(
            "Create a credential set from Key Vault secrets, grant its identity get on them, and attach it.",
            az="az acr credential-set create -r <registry> -g <rg> --subscription <subscription> -n <set> "
            "-l docker.io -u <username-secret-uri> -p <password-secret-uri> && az acr cache update -r <registry> "
            "-g <rg> --subscription <subscription> -n <rule> -c <set>",
        ),
        fn=check_cache_credentials,
        inputs=(IN.CACHE_RULES,),
        references=References(docs=(LEARN_CACHE,)),
    ),
    Check(
        id="ACR-SC-006",
        title="Connected registries are read-only",
        severity=Severity.LOW,
        family=Family.SUPPLY_CHAIN,
        rationale="A connected registry in ReadWrite mode syncs what is pushed to it on premises back into the "
        "cloud registry: content enters from a site outside the registry's network controls. ReadOnly ones only "
        "pull. No peer checks it.",
        remediation=Remediation(
            "Recreate the connected registry in ReadOnly mode (the mode cannot be changed in place).",
            az="az acr connected-registry delete -r <registry> -g <rg> --subscription <subscription> -n <name> && "
            "az acr connected-registry create -r <registry> -g <rg> --subscription <subscription> -n <name> "
            "--repository <repo> --mode ReadOnly",
        ),
        fn=check_connected,
        inputs=(IN.CONNECTED_REGISTRIES,),
        references=References(docs=(LEARN_CONNECTED,)),
        applies=premium_only,
        applicability="Premium",
    ),
    # ---------------- network
    Check(
        id="ACR-NET-005",
        title="Webhooks use HTTPS",
        severity=Severity.MEDIUM,
        family=Family.NETWORK,
        rationale="A webhook posts every push and delete (repository, tag, digest, and its custom headers, often an "
        "Authorization header) to its URI; over http that is readable and forgeable on the way. No peer checks it.",
        remediation=Remediation(
            "Point the webhook at an https:// URI.",
            az="az acr webhook update -r <registry> -g <rg> --subscription <subscription> -n <webhook> "
            "--uri https://<host>/<path>",
        ),
        fn=check_webhook_https,
        inputs=(IN.WEBHOOKS,),
        references=References(docs=(LEARN_WEBHOOKS,)),
    ),
    Check(
        id="ACR-NET-006",
        title="Webhooks stay on private addresses",
        severity=Severity.LOW,
        family=Family.NETWORK,
        rationale="A registry behind a private endpoint still calls its webhooks' URIs: events about what is pushed "
        "leave the private network for whoever hosts the endpoint. A destination that is not a private IP "
        "address is treated as public (hostnames are not resolved); suppress it where the destination is accepted.",
        remediation=Remediation(
            "Send webhooks to a receiver on the private network, or accept the destination with a suppression.",
            az="az acr webhook update -r <registry> -g <rg> --subscription <subscription> -n <webhook> "
            "--uri https://<private-host>/<path>",
        ),
        fn=check_webhook_private,
        inputs=(IN.WEBHOOKS,),
        references=References(docs=(LEARN_WEBHOOKS,)),
    ),
    Check(
        id="ACR-NET-007",
        title="No VNet (service endpoint) rules",
        severity=Severity.LOW,
        family=Family.NETWORK,
        rationale="networkRuleSet.virtualNetworkRules admit subnets through service endpoints, a deprecated "
        "preview that the current API version no longer models; the supported private path is a private endpoint.",
        remediation=Remediation(
            "Create a private endpoint for the subnet's clients, then remove the VNet rule.",
            az="az acr network-rule remove -n <registry> -g <rg> --subscription <subscription> --subnet <subnet-id>",
        ),
        fn=check_vnet_rules,
        references=References(docs=(LEARN_VNET,)),
        applies=premium_only,
        applicability="Premium",
    ),
    # ---------------- private link
    Check(
        id="ACR-PL-006",
        title="Private endpoint connections come from audited subscriptions",
        severity=Severity.HIGH,
        family=Family.PRIVATE_LINK,
        rationale="A private endpoint in a subscription (or tenant) you do not audit is a private path into the "
        "registry from a network you do not control: an exfiltration route that no firewall rule shows. None of "
        "the peers reports it. Audit the endpoint's subscription too if it is yours.",
        remediation=Remediation(
            "Reject (or delete) the connection unless the endpoint's owner is known and audited.",
            az="az acr private-endpoint-connection reject -r <registry> -g <rg> --subscription <subscription> "
            "-n <connection>",
            action="RejectPrivateEndpointConnection",
        ),
        fn=check_foreign_connections,
        references=References(docs=(LEARN_PL,)),
        applies=premium_only,
        applicability="Premium",
    ),
    # ---------------- resilience
    Check(
        id="ACR-RES-003",
        title="Soft delete keeps deleted artifacts recoverable",
        severity=Severity.LOW,
        family=Family.RESILIENCE,
        rationale="With the soft delete policy (preview, every SKU) a deleted tag or manifest can be restored for "
        "the retention days; without it, a mistaken or malicious delete is final. The preview does not support "
        "geo-replicated registries or the retention policy at the same time: those registries are n/a.",
        remediation=Remediation(
            "Enable the soft delete policy.",
            az="az acr config soft-delete update -r <registry> -g <rg> --subscription <subscription> --days 7 "
            "--status enabled",
        ),
        fn=check_soft_delete,
        reads=lambda reg: (IN.SOFT_DELETE, *_replicas_if_premium(reg)),
        inputs=(IN.SOFT_DELETE, IN.REPLICAS),
        references=References(psrule=("Azure.ACR.SoftDelete",), docs=(LEARN_SOFT_DELETE,)),
    ),
    Check(
        id="ACR-RES-004",
        title="Registry data stays in allowed regions",
        severity=Severity.MEDIUM,
        family=Family.RESILIENCE,
        rationale="Every replica stores and serves the images in its region; data-residency rules limit where that "
        "may be. The allowed list is yours (audit.allowed_regions); without one the check is n/a.",
        remediation=Remediation(
            "Remove the replica in the region that is not allowed.",
            az="az acr replication delete -r <registry> -g <rg> --subscription <subscription> -n <region>",
        ),
        fn=check_regions,
        reads=_replicas_if_premium,
        inputs=(IN.REPLICAS,),
        references=References(psrule=("Azure.ACR.ReplicaLocation",), docs=(LEARN_GEO,)),
    ),
]
