"""From a wizard's answers to a reviewed plan and its execution, through the plan engine (``acrtui.plan``).

A wizard states what it wants as a :class:`~acrtui.domain.desired.DesiredState` — the same document a plan file
holds — so the console and ``acrtui apply`` produce the same actions, checked by the same preflight, rendered by the
same Terraform-style renderer and run by the same executor with its journal. This module is the console's only seam
to the engine: ``build_*`` (pure) → :func:`prepare` (reads Azure: observe, diff, preflight) → :func:`apply`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acrtui.azure.session import AzureSession
from acrtui.domain.actions import Action
from acrtui.domain.desired import (
    API_VERSION,
    Cmk,
    CmkMigration,
    Connection,
    DataEndpoint,
    DesiredState,
    Endpoint,
    NetworkRules,
    Operator,
    PolicyAssignmentSpec,
    PrivateLink,
)
from acrtui.domain.models import Estate, PrivateEndpointConnection, RegistryPosture, VaultPosture
from acrtui.domain.permissions import APPROVE_ACTION, allows
from acrtui.domain.preflight import Step, approval_step
from acrtui.errors import AcrtuiError, UsageError
from acrtui.files import write_private
from acrtui.plan.engine import Planned, apply_planned, make_plan
from acrtui.plan.executor import ApplyResult, Journal
from acrtui.plan.reads import read_permissions_at
from acrtui.plan.render import render_text, summary_line

SOURCE = "acrtui console"


@dataclass
class UiPlan:
    """What a wizard asked for; ``planned`` is filled by :func:`prepare` (actions, preflight findings)."""

    title: str
    desired: DesiredState
    registry_id: str | None = None
    confirm_name: str | None = None  # type this name to confirm (what cannot be undone)
    notes: list[str] = field(default_factory=list)  # what the wizard wants the operator to read before applying
    planned: Planned | None = None
    steps: list[Step] = field(default_factory=list)  # ways forward the operator added on the plan screen
    base: UiPlan | None = None  # the wizard's own plan, before those steps

    def offered_steps(self) -> list[Step]:
        """The ways forward of this plan's findings that are plan steps (one per label)."""
        found = [f.step for f in (self.planned.findings if self.planned else []) if f.step is not None]
        return list({s.label: s for s in found}.values())

    @property
    def actions(self) -> list[Action]:
        return list(self.planned.plan.actions) if self.planned else []

    @property
    def empty(self) -> bool:
        return self.planned is None or self.planned.plan.empty

    @property
    def blocking(self) -> bool:
        return bool(self.planned and self.planned.blocking)

    def counts(self) -> tuple[int, int, int]:
        return self.planned.plan.counts() if self.planned else (0, 0, 0)

    def summary(self) -> str:
        return summary_line(self.planned.plan) if self.planned else ""

    def render(self) -> str:
        if self.planned is None:
            return "(planning…)\n"
        text = render_text(self.planned.plan, self.planned.findings)
        if self.notes:
            text += "\n" + "\n".join(f"Note: {n}" for n in self.notes) + "\n"
        return text

    def subscriptions(self) -> list[str]:
        """Ids of the subscriptions this plan writes to (the header's production badge on the plan screen)."""
        d = self.desired
        ids = [r.subscription for r in d.registries] + [m.subscription for m in d.create_cmk_registry]
        ids += [_subscription_of(a.scope) for a in d.policy_assignments]
        ids += [_subscription_of(v.id) for v in getattr(d, "key_vaults", []) if getattr(v, "id", None)]
        if self.registry_id:
            ids.append(_subscription_of(self.registry_id))
        return list(dict.fromkeys(i for i in ids if i))

    def save(self, path: str | Path, target: str) -> Path:
        """A saved plan (``kind: SavedPlan``): ``acrtui apply FILE`` applies it, or refuses it once stale."""
        if self.planned is None:
            raise UsageError("Nothing planned yet.")
        p = Path(path)
        saved = self.planned.saved(SOURCE, target)
        write_private(p, saved.model_dump_json(by_alias=True, indent=2) + "\n", "save")  # 0600: inventory
        return p


async def prepare(session: AzureSession, plan: UiPlan, journal: Journal) -> UiPlan:
    """Observe, diff and preflight (reads only)."""
    plan.planned = await make_plan(session, plan.desired, journal)
    return plan


Progress = Callable[[str, Action, str], None]  # (start | done | failed, action, detail)


async def apply(session: AzureSession, plan: UiPlan, journal: Journal, progress: Progress | None = None) -> ApplyResult:
    if plan.planned is None:
        raise UsageError("Review the plan before applying it.")
    return await apply_planned(session, plan.planned, journal, source=SOURCE, progress=progress)


def with_steps(plan: UiPlan, steps: list[Step]) -> UiPlan:
    """The wizard's plan with these ways forward added as plan-file blocks (none: the wizard's plan again).

    A block for a vault or registry the plan already names is merged into that entry, setting by setting.
    """
    base = plan.base or plan
    if not steps:
        return UiPlan(base.title, base.desired, base.registry_id, base.confirm_name, list(base.notes))
    doc = base.desired.model_dump(mode="json", by_alias=True, exclude_none=True)
    for step in steps:
        doc = merge_blocks(doc, step.blocks)
    try:
        desired = DesiredState.model_validate(doc)
    except ValueError as e:
        raise UsageError(_first_error(e)) from None
    irreversible = [s for s in steps if s.irreversible]
    confirm = base.confirm_name or next((s.confirm for s in irreversible if s.confirm), None)
    notes = list(base.notes) + [f"added on review: {s.label}." for s in steps]
    return UiPlan(base.title, desired, base.registry_id, confirm, notes, steps=list(steps), base=base)


def merge_blocks(doc: dict[str, Any], blocks: dict[str, Any]) -> dict[str, Any]:
    """``blocks``' list entries merged into ``doc``'s: the entry with the same ``id`` (or ``name``) is updated,
    any other is appended."""
    out = dict(doc)
    for key, entries in blocks.items():
        have = [dict(e) for e in out.get(key, [])]
        for entry in entries:
            ident = next((k for k in ("id", "name") if entry.get(k)), None)
            hit = next((e for e in have if ident and str(e.get(ident, "")).lower() == str(entry[ident]).lower()),
                       None)
            if hit is None:
                have.append(dict(entry))
            else:
                hit.update(entry)
        out[key] = have
    return out


# --------------------------------------------------------------------------------------------- builders (pure)


def _doc(**kw: Any) -> DesiredState:
    return DesiredState.model_validate({"apiVersion": API_VERSION, **kw})


def _spec(reg: RegistryPosture, **kw: Any) -> dict[str, Any]:
    return {"name": reg.name, "subscription": reg.subscription_id, "resourceGroup": reg.resource_group, **kw}


def identity_of(reg: RegistryPosture) -> str | None:
    """The resource id (or ``system``) of the identity a CMK registry reads its key as."""
    enc = reg.encryption
    if enc.uses_system_identity:
        return "system"
    return next((u.resource_id for u in reg.identity.user_assigned
                 if u.client_id and enc.identity_client_id and u.client_id.lower() == enc.identity_client_id.lower()),
                None)


@dataclass(frozen=True)
class IdentityChoice:
    """An identity a CMK registry could read its key as: ``system`` or a user-assigned identity it holds."""

    value: str  # ``system`` or the user-assigned identity's resource id (the plan file's cmk.identity)
    label: str
    principal_id: str | None
    current: bool
    key_access: bool | None  # None: the vault could not be read


def identity_choices(estate: Estate, reg: RegistryPosture) -> list[IdentityChoice]:
    """The identities ACR can use for the key: only those assigned to the registry (Azure refuses others)."""
    vault = estate.vault_for(reg)
    users = set(vault.key_users) if vault is not None and vault.readable else None
    current = identity_of(reg)

    def access(principal: str | None) -> bool | None:
        return None if users is None else bool(principal and principal.lower() in users)

    out = [IdentityChoice(u.resource_id, f"{u.resource_id.rsplit('/', 1)[-1]} (user-assigned)", u.principal_id,
                          current is not None and current.lower() == u.resource_id.lower(), access(u.principal_id))
           for u in reg.identity.user_assigned]
    if reg.identity.system_principal_id:
        sp = reg.identity.system_principal_id
        out.append(IdentityChoice("system", "system-assigned", sp, current == "system", access(sp)))
    return out


def build_rotate_key(estate: Estate, reg: RegistryPosture, *, key_version: str | None,
                     key_name: str | None = None, identity: str | None = None) -> UiPlan:
    """Point a CMK registry at its key versionless (ACR follows new versions) or pinned to one version, read as
    its current identity or another one it holds (``identity``: ``system`` or a user-assigned identity id)."""
    if not reg.encryption.enabled:
        raise UsageError(f"{reg.name} has no customer-managed key; CMK can only be set at creation: use the CMK "
                         "migration (a new registry plus image import).")
    vault = estate.vault_for(reg)
    current = identity_of(reg)
    ident = identity or current
    if vault is None or ident is None:
        raise UsageError(f"The key vault or identity of {reg.name} could not be read; rotation needs both.")
    choice = next((c for c in identity_choices(estate, reg) if c.value.lower() == ident.lower()), None)
    if identity is not None and choice is None:
        raise UsageError(f"{identity.rsplit('/', 1)[-1]} is not assigned to {reg.name}; ACR can only use identities "
                         f"the registry holds (az acr identity assign --name {reg.name} --identities <id>).")
    cmk = Cmk.model_validate({"keyVault": vault.id, "key": key_name or reg.encryption.key_name,
                              "keyVersion": key_version, "identity": ident})
    plan = UiPlan(f"Rotate the key of {reg.name}", _doc(registries=[_spec(reg, cmk=cmk)]), reg.id)
    if key_version:
        plan.notes.append("a pinned version is used until someone rotates again; ACR will not follow new versions.")
    if choice is not None and not choice.current:
        plan.notes.append(f"{reg.name} will read its key as {choice.label}; the previous identity stays assigned "
                          "to the registry (remove it yourself once nothing else uses it).")
        if choice.key_access is False:
            plan.notes.append(f"{choice.label} cannot use the key yet: the plan grants it get/wrapKey/unwrapKey "
                              "before switching.")
    return plan


@dataclass(frozen=True)
class CmkFixes:
    """What is wrong with a CMK registry's key access and key vault that a plan can put right.

    Each flag mirrors an audit check: ACR-CMK-003 (the identity lost get/wrapKey/unwrapKey: content unreadable),
    ACR-CMK-005 (no purge protection), ACR-CMK-006 (no AuditEvent log), ACR-CMK-007 (vault firewall keeps ACR out).
    """

    vault: VaultPosture | None
    identity: str | None  # what the registry reads its key as (``system-assigned`` or the identity's name)
    key_access: bool = False
    purge_protection: bool = False
    audit_logging: bool = False
    network_bypass: bool = False
    soft_delete_off: bool = False  # purge protection needs it first; not something this fix can turn on

    @property
    def any(self) -> bool:
        return self.key_access or self.purge_protection or self.audit_logging or self.network_bypass

    def labels(self) -> list[str]:
        return [n for n, on in (("key access", self.key_access), ("purge protection", self.purge_protection),
                                ("audit logging", self.audit_logging), ("firewall bypass", self.network_bypass)) if on]


def cmk_fixes(estate: Estate, reg: RegistryPosture) -> CmkFixes:
    """The fixable CMK problems of ``reg`` (nothing when it has no CMK or its vault could not be read)."""
    enc = reg.encryption
    vault = estate.vault_for(reg) if enc.enabled else None
    if vault is None or not vault.readable:
        return CmkFixes(vault, None)
    principal: str | None
    ident: str | None
    if enc.uses_system_identity:
        principal, ident = reg.identity.system_principal_id, "system-assigned"
    else:
        u = next((u for u in reg.identity.user_assigned
                  if u.client_id and (enc.identity_client_id or "").lower() == u.client_id.lower()), None)
        principal, ident = (u.principal_id, u.resource_id.rsplit("/", 1)[-1]) if u else (None, None)
    firewalled = vault.network_default_action.lower() == "deny" or (vault.public_network_access or "").lower() == "disabled"
    return CmkFixes(
        vault, ident,
        key_access=bool(principal) and (principal or "").lower() not in vault.key_users,
        purge_protection=not vault.purge_protection and vault.soft_delete is not False,
        audit_logging=not vault.audit_logging,
        network_bypass=firewalled and "azureservices" not in vault.network_bypass.lower(),
        soft_delete_off=vault.soft_delete is False,  # None (not reported) is unknown, not off
    )


def build_cmk_fix(estate: Estate, reg: RegistryPosture, *, key_access: bool, purge_protection: bool,
                  audit_workspace: str | None, network_bypass: bool) -> UiPlan:
    """Restore the encryption identity's key access (``cmk.keyAccess: granted``) and fix the key vault
    (``keyVaults``: purge protection, AuditEvent logging, trusted-services bypass) — the plan file's own blocks."""
    vault = estate.vault_for(reg) if reg.encryption.enabled else None
    if vault is None:
        raise UsageError(f"{reg.name} has no customer-managed key, or its key vault could not be read.")
    vs: dict[str, Any] = {}
    if purge_protection:
        vs["purgeProtection"] = True
    if audit_workspace:
        vs["auditLogging"] = {"workspace": audit_workspace, "categories": ["AuditEvent"]}
    if network_bypass:
        vs["networkBypass"] = "AzureServices"
    if not key_access and not vs:
        raise UsageError("Choose at least one fix.")
    doc: dict[str, Any] = {}
    if key_access:
        doc["registries"] = [_spec(reg, cmk={"keyAccess": "granted"})]
    if vs:
        doc["keyVaults"] = [{"id": vault.id, **vs}]
    try:
        desired = _doc(**doc)
    except ValueError as e:
        raise UsageError(_first_error(e)) from None
    # what cannot be undone asks for the vault's name at confirmation
    plan = UiPlan(f"Fix the key access and key vault of {reg.name}", desired, reg.id,
                  confirm_name=vault.name if purge_protection else None)
    if purge_protection:
        plan.notes.append(f"purge protection can never be turned off again: deleted keys in {vault.name} stay "
                          "recoverable (and the vault undeletable) for its retention period.")
    if key_access:
        plan.notes.append("acrtui only grants: if the access was removed on purpose (revoking the key), do not apply.")
    return plan


def select_images(images: list[str], patterns: str) -> list[str]:
    """The discovered ``repo:tag`` images a filter keeps: comma-separated shell patterns (``payments/*``,
    ``*:1.27``); a pattern without ``:`` matches the repository (every tag). Empty keeps everything."""
    import fnmatch

    pats = [p.strip() for p in patterns.split(",") if p.strip()]
    if not pats:
        return list(images)
    return [i for i in images if any(fnmatch.fnmatchcase(i, p) or (":" not in p and fnmatch.fnmatchcase(
        i.rsplit(":", 1)[0], p)) for p in pats)]


def build_cmk_migration(src: RegistryPosture, *, name: str, resource_group: str, location: str, vault_id: str,
                        key_name: str, identity_id: str | None, versionless: bool, images: list[str],
                        key_version: str | None = None, import_nothing: bool = False,
                        operator_networks: list[str] | None = None, copy_settings: bool = True) -> UiPlan:
    """CMK is only set at creation: a new Premium CMK registry, the chosen images imported into it, and (with
    ``copy_settings``, as in a plan file) the source's hardening carried over (acrtui.domain.migration).

    An empty image list is refused unless ``import_nothing`` says the operator means it: a migration that
    imports nothing would leave an empty registry that looks done.
    """
    if not images and not import_nothing:
        raise UsageError(f"No image is selected to import from {src.name}: the new registry would be empty. Select "
                         "images (or clear the filter), or tick \"Create it without importing any image\".")
    ident = identity_id or (f"/subscriptions/{src.subscription_id}/resourceGroups/{resource_group}/providers/"
                            f"Microsoft.ManagedIdentity/userAssignedIdentities/id-{name}")
    m: dict[str, Any] = {"name": name, "source": src.name, "subscription": src.subscription_id,
                         "resourceGroup": resource_group, "location": location, "keyVault": vault_id, "key": key_name,
                         "keyVersion": None if versionless else key_version, "identity": ident,
                         "copySettings": copy_settings}
    if images:
        m["import"] = {"images": images}
    try:
        doc = _doc(createCmkRegistry=[CmkMigration.model_validate(m)],
                   operator=Operator.model_validate({"networks": operator_networks or []}))
    except ValueError as e:
        raise UsageError(_first_error(e)) from None
    plan = UiPlan(f"Migrate {src.name} to a new CMK registry {name}", doc, src.id, confirm_name=name)
    if not images:
        plan.notes.append(f"no image is imported: {name} starts empty (you chose this).")
    if not src.export_policy_enabled and images:
        plan.notes.append(f"{src.name} has exports disabled: the plan enables them for the imports only and "
                          "disables them again right after (see the steps around the import).")
    plan.notes.append("encryption with a customer-managed key can never be disabled on the new registry.")
    return plan


def default_zone_id(subscription: str, resource_group: str, zone_name: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.Network/privateDnsZones/{zone_name}"


def build_private_endpoint(reg: RegistryPosture, *, subnet_id: str, name: str, manual: bool,
                           zone_id: str | None) -> UiPlan:
    """Endpoint, and with ``zone_id`` the zone (created if missing), its VNet link and the DNS zone group."""
    ep: dict[str, Any] = {"name": name, "subnet": subnet_id, "approval": "manual" if manual else "auto"}
    if zone_id:
        ep["dnsZone"] = zone_id
    try:
        doc = _doc(registries=[_spec(reg, privateLink=PrivateLink(endpoints=[Endpoint.model_validate(ep)]))])
    except ValueError as e:
        raise UsageError(_first_error(e)) from None
    plan = UiPlan(f"Private endpoint {name} for {reg.name}", doc, reg.id)
    if manual:
        plan.notes.append(f"the connection stays Pending until a principal with {APPROVE_ACTION} on {reg.name} "
                          "approves it: " + approval_step(reg.id, name))
    if not reg.data_endpoint_enabled:
        plan.notes.append("Azure turns on dedicated data endpoints with the first private endpoint.")
    if not zone_id:
        plan.notes.append("without private DNS, clients resolve the public IPs: add A records yourself.")
    return plan


async def may_approve(session: AzureSession, reg: RegistryPosture) -> bool | None:
    """Whether the signed-in principal holds the approval right on ``reg`` (ARM's permissions API); None when
    ARM did not answer. Azure refuses an auto-approved endpoint without it (403 LinkedAuthorizationFailed)."""
    try:
        perms = await read_permissions_at(session, reg.id)
    except AcrtuiError:
        return None
    return None if perms is None else allows(perms, APPROVE_ACTION)


def approval_note(reg: RegistryPosture, may: bool | None) -> str:
    """What the wizard says about approval, before the operator chooses."""
    if may is False:
        return (f"You lack {APPROVE_ACTION} on {reg.name}: Azure refuses an automatic endpoint from you "
                "(LinkedAuthorizationFailed). Manual approval is selected: the connection waits as Pending until "
                "someone who holds the right approves it (the review names the step).")
    if may is None:
        return (f"Whether you hold {APPROVE_ACTION} on {reg.name} could not be read: if you do not, choose manual "
                "approval (an automatic endpoint would be refused).")
    return ""


def build_connection_state(reg: RegistryPosture, conn: PrivateEndpointConnection, status: str,
                           estate: Estate | None = None) -> UiPlan:
    """Approve or reject; with ``estate``, an approval says whether the endpoint still needs its private DNS (an
    approved endpoint without a zone group leaves clients resolving the public address)."""
    endpoint = conn.private_endpoint_id or conn.name
    doc = _doc(registries=[_spec(reg, privateLink=PrivateLink(
        connections=[Connection.model_validate({"privateEndpoint": endpoint, "state": status})]))])
    name = endpoint.rsplit('/', 1)[-1]
    plan = UiPlan(f"{status[:-1] if status.endswith('d') else status} the connection from {name}", doc, reg.id)
    if status == "Approved" and estate is not None:
        pe = next((p for p in estate.endpoints_for(reg) if p.id.lower() == endpoint.lower()), None)
        if pe is None:
            plan.notes.append(f"{name} is in a subscription this session did not read: whether it has private DNS "
                              "is unknown; its owner sets that up.")
        elif not pe.dns_zone_ids:
            sn = (pe.subnet_id or "").split("/")
            subnet = f"{sn[-3]}/{sn[-1]}" if len(sn) > 3 else f"{name}'s subnet"
            plan.notes.append(f"{name} has no private DNS zone group: once approved, clients still resolve the "
                              f"public address. Then press p on {reg.name}, choose subnet {subnet} and name the "
                              f"endpoint {name}: the plan adds only the DNS (zone, VNet link, zone group).")
    return plan


def build_data_endpoint(reg: RegistryPosture, enabled: bool, acknowledged: bool) -> UiPlan:
    de = DataEndpoint.model_validate({"enabled": enabled, "clientAllowlistAcknowledged": acknowledged})
    plan = UiPlan(f"Data endpoints on {reg.name}", _doc(registries=[_spec(reg, dataEndpoint=de)]), reg.id)
    if enabled:
        plan.notes.append("clients must allow " + ", ".join([reg.login_server, *reg.expected_data_host_names()])
                          + " on 443.")
    return plan


def has_private_path(estate: Estate, reg: RegistryPosture) -> bool:
    return bool(reg.approved_connections) or any(
        p.connection_status.lower() == "approved" for p in estate.endpoints_for(reg))


def build_firewall(reg: RegistryPosture, *, public_access: bool, default_action: str, ip_rules: list[str],
                   trusted_services: bool, operator_ips: list[str] | None = None,
                   allow_lockout: bool = False) -> UiPlan:
    try:
        rules = NetworkRules.model_validate({"defaultAction": default_action, "ipRules": ip_rules,
                                             "bypass": "AzureServices" if trusted_services else "None"})
        spec = _spec(reg, publicNetworkAccess="Enabled" if public_access else "Disabled", allowLockout=allow_lockout)
        if reg.premium:
            spec["networkRules"] = rules
        doc = _doc(registries=[spec], operator=Operator.model_validate({"ips": operator_ips or []}))
    except ValueError as e:
        raise UsageError(_first_error(e)) from None
    return UiPlan(f"Firewall of {reg.name}", doc, reg.id)


def lockout_warnings(estate: Estate, reg: RegistryPosture, *, public_access: bool, default_action: str,
                     ip_rules: list[str]) -> list[str]:
    """The top complaint, shown live in the wizard (preflight checks it again with the operator's IPs)."""
    out = []
    private = has_private_path(estate, reg)
    if not public_access and not private:
        out.append(f"{reg.name} has no approved private endpoint: disabling public access locks everyone out of "
                   "the data plane (push, pull, list). Create a private endpoint first (esc, then p).")
    elif not public_access:
        out.append("public access off overrides IP rules: only clients inside a VNet with the private endpoint "
                   "(and its DNS) can reach the registry.")
    if public_access and default_action.lower() == "deny" and not ip_rules and not private and not reg.virtual_network_rules:
        out.append("default action Deny with no IP rule and no private endpoint admits no client at all.")
    return out


def build_auth(reg: RegistryPosture, *, admin_user: bool, anonymous_pull: bool, arm_audience_tokens: bool,
               export: bool) -> UiPlan:
    spec = _spec(reg, adminUser=admin_user, anonymousPull=anonymous_pull, armAudienceTokens=arm_audience_tokens)
    if reg.premium:
        spec["export"] = export
    return UiPlan(f"Authentication settings of {reg.name}", _doc(registries=[spec]), reg.id)


def build_policy_assignment(*, scope: str, definition_id: str, display_name: str, effect: str, name: str,
                            enforce: bool = True, location: str | None = None, remediate: bool = False) -> UiPlan:
    """``location`` gives a Modify / DeployIfNotExists assignment its managed identity (with exactly the
    definition's roles); ``remediate`` adds a remediation task right after it (``remediate: true``)."""
    spec = PolicyAssignmentSpec.model_validate({
        "name": name, "scope": scope, "definition": definition_id, "effect": effect, "displayName": display_name,
        "enforcementMode": "Default" if enforce else "DoNotEnforce", "location": location, "remediate": remediate})
    plan = UiPlan(f"Assign '{display_name}' ({effect})", _doc(policyAssignments=[spec]))
    if location:
        plan.notes.append("the assignment's managed identity gets exactly the roles the definition names, at "
                          f"{scope.rstrip('/').rsplit('/', 1)[-1]}; nothing else.")
    if effect.lower() == "deny":
        plan.notes.append("Deny refuses every later write that leaves a registry in scope non-compliant, including "
                          "unrelated changes to it.")
    return plan


def _subscription_of(resource_id: str | None) -> str | None:
    parts = (resource_id or "").split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else None


def _first_error(e: ValueError) -> str:
    errs = getattr(e, "errors", None)
    if callable(errs):
        first = errs()[0]
        return str(first.get("msg", e)).removeprefix("Value error, ")
    return str(e)


def plan_file_name(plan: UiPlan, now: dt.datetime) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in plan.title.lower()).strip("-")[:60].strip("-")
    return f"acrtui-plan-{slug}-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
