"""Preflight: refusals before any write, each with the reason and the way forward. Pure.

Azure would refuse most of these itself, but only after part of a plan had landed (or, for disabling public access,
it would succeed and lock the operator out). An ``error`` stops the whole plan; a ``warning`` is shown and the plan
may proceed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Literal

from .actions import (
    Action,
    AssignPolicy,
    CreateCmkRegistry,
    CreateDnsZoneGroup,
    CreatePrivateEndpoint,
    EnableDataEndpoint,
    EnableVaultPurgeProtection,
    GrantKeyAccess,
    ImportImages,
    LinkPrivateDnsZone,
    Plan,
    RegistryPatch,
    RotateKey,
    SetAnonymousPull,
    SetExportPolicy,
    SetNetworkRules,
    SetPublicNetworkAccess,
    SetVaultNetworkBypass,
    UnassignPolicy,
    name_of,
)
from .address_space import DEFAULT_OPEN_SHARE, admitted, percent
from .desired import DesiredState, RegistrySpec
from .diff import World, encryption_principal, new_cmk_registry, simulate, sub_of
from .models import KeyPosture, RegistryPosture, VaultPosture, key_parts
from .permissions import (
    APPROVE_ACTION,
    Permission,
    allows,
    ask_at,
    created_by,
    group_scope,
    needs,
    subscriptions_of,
)
from .policy_eval import PolicyError, find_definition, preview_writes, registry_to_arm, resolve_parameters

PREMIUM_ONLY = "is a Premium feature"


def static_ip_problems(a: CreatePrivateEndpoint, reg: RegistryPosture | None, subnet: Any) -> list[tuple[str, str]]:
    """Fixed endpoint IPs Azure would refuse: outside the subnet, one of its five reserved addresses, or a member
    the registry does not have (``registry``, ``registry_data_<region>`` per region). Whether an address is
    free is only known to Azure (the apply then fails with PrivateIPAddressInUse and writes nothing)."""
    out: list[tuple[str, str]] = []
    members = {"registry"} | ({f"registry_data_{r.lower()}" for r in reg.regions} if reg is not None else set())
    net = None
    if subnet is not None:
        try:
            net = ipaddress.ip_network(subnet.prefix, strict=False)
        except ValueError:
            net = None
    for member, ip in sorted(a.static_ips.items()):
        if reg is not None and member not in members:
            out.append((member, f"{reg.name} has no member {member} (members: {', '.join(sorted(members))})"))
            continue
        if net is None:
            continue
        addr = ipaddress.ip_address(ip)
        if addr not in net:
            out.append((member, f"{ip} is not in subnet {subnet.prefix}"))
        elif int(addr) - int(net.network_address) < 4 or addr == net.broadcast_address:
            out.append((member, f"{ip} is one of the five addresses Azure reserves in {subnet.prefix}"))
    return out


def approval_step(registry_id: str, endpoint: str) -> str:
    """The approval a manual endpoint waits for, as the approver runs it: the CLI, a plan file, or the console."""
    parts = registry_id.strip("/").split("/")
    group, reg = (parts[3], parts[-1]) if len(parts) >= 8 else ("<group>", name_of(registry_id))
    return (f"After apply, the approver runs `az network private-endpoint-connection list --id {registry_id}` to find "
            f"the connection of {endpoint}, then `az network private-endpoint-connection approve --resource-group "
            f"{group} --resource-name {reg} --type Microsoft.ContainerRegistry/registries --name <connection>`; or "
            f"applies a plan with `privateLink: {{connections: [{{privateEndpoint: {endpoint}, state: Approved}}]}}` "
            f"on {reg}; or, in the acrtui console, opens {reg} and presses a (Approve).")


@dataclass(frozen=True)
class Step:
    """A way forward that is itself a plan step: the plan-file blocks that add it, so the console can offer it as a
    box that adds the step to this plan (and re-plans), rather than as plan-file syntax to type."""

    label: str  # what the step does, in words ("turn purge protection on for kv-a")
    blocks: dict[str, Any]  # plan-file keys to merge in: {"keyVaults": [{"id": …, "purgeProtection": true}]}
    irreversible: bool = False  # confirming the plan then asks for the vault's name
    confirm: str | None = None  # the name to type when irreversible


def vault_step(vault: VaultPosture, setting: str) -> Step:
    """The ``keyVaults`` step that fixes ``setting`` (``purgeProtection`` | ``networkBypass``) on ``vault``."""
    if setting == "purgeProtection":
        return Step(f"turn purge protection on for {vault.name} (irreversible)",
                    {"keyVaults": [{"id": vault.id, "purgeProtection": True}]}, irreversible=True, confirm=vault.name)
    return Step(f"let trusted Azure services (ACR) through {vault.name}'s firewall",
                {"keyVaults": [{"id": vault.id, "networkBypass": "AzureServices"}]})


def allowlist_step(reg: RegistryPosture) -> Step:
    """The operator's word that client firewalls allow the data endpoints (``clientAllowlistAcknowledged``)."""
    return Step(f"client firewalls allow {', '.join(reg.expected_data_host_names())} on 443 (acknowledged)",
                {"registries": [{"name": reg.name, "subscription": reg.subscription_id,
                                 "resourceGroup": reg.resource_group,
                                 "dataEndpoint": {"enabled": True, "clientAllowlistAcknowledged": True}}]})


@dataclass(frozen=True)
class Finding:
    severity: Literal["error", "warning"]
    subject: str  # the resource (name) it is about
    reason: str
    way_forward: str
    action: str | None = None  # the action key, when one action is the cause
    step: Step | None = field(default=None, compare=False)  # the way forward as a plan step, when it is one

    def to_json(self) -> dict[str, Any]:
        return {"severity": self.severity, "subject": self.subject, "reason": self.reason,
                "wayForward": self.way_forward, "action": self.action}


def _premium_needed(a: Action) -> str | None:
    if isinstance(a, SetPublicNetworkAccess) and a.new == "Disabled":
        return "Disabling public network access"
    if isinstance(a, SetNetworkRules) and (a.new_default_action == "Deny" or a.new_ip_rules):
        return "A registry firewall (network rules)"
    if isinstance(a, EnableDataEndpoint) and a.new:
        return "Dedicated data endpoints"
    if isinstance(a, CreatePrivateEndpoint):
        return "Private Link"
    if isinstance(a, SetExportPolicy) and not a.new:
        return "Disabling export"
    if isinstance(a, RotateKey):
        return "A customer-managed key"
    return None


class _Checker:
    def __init__(self, plan: Plan, desired: DesiredState, world: World, open_share: float = DEFAULT_OPEN_SHARE) -> None:
        self.plan = plan
        self.d = desired
        self.w = world
        self.open_share = open_share
        self.unapproved: set[str] = set()  # keys of auto-approved endpoints the caller may not approve
        self.out: list[Finding] = []
        self.regs = {r.id.lower(): r for r in world.estate.registries}
        self.specs = {s.name.lower(): s for s in desired.registries}

    def err(self, subject: str, reason: str, way: str, action: Action | None = None, step: Step | None = None) -> None:
        self.out.append(Finding("error", subject, reason, way, action.key if action else None, step))

    def warn(self, subject: str, reason: str, way: str, action: Action | None = None,
             step: Step | None = None) -> None:
        self.out.append(Finding("warning", subject, reason, way, action.key if action else None, step))

    def reg_of(self, a: Action) -> RegistryPosture | None:
        rid = getattr(a, "registry_id", None) or a.resource_id
        return self.regs.get(rid.lower())

    def spec_of(self, reg: RegistryPosture) -> RegistrySpec | None:
        return self.specs.get(reg.name.lower())

    # ------------------------------------------------------------------ run
    def run(self) -> list[Finding]:
        self.dependencies()
        self.permission_checks()
        self.approval_steps()
        for a in self.plan.actions:
            reg = self.reg_of(a)
            if isinstance(a, RotateKey) and not a.old_key_identifier:
                self.rotate(a, reg)
                continue
            if reg is not None and not reg.premium and (what := _premium_needed(a)):
                self.err(reg.name, f"{what} {PREMIUM_ONLY}; {reg.name} is {reg.sku}.",
                         f"Upgrade {reg.name} to Premium first (az acr update --name {reg.name} --sku Premium), "
                         "or drop this setting from the plan.", a)
                continue
            if isinstance(a, SetAnonymousPull) and a.new and reg is not None and reg.sku.lower() == "basic":
                self.err(reg.name, "Anonymous pull needs the Standard or Premium SKU.", "Upgrade the SKU or drop it.", a)
            if isinstance(a, RotateKey):
                self.rotate(a, reg)
            elif isinstance(a, CreateCmkRegistry):
                self.create_cmk(a)
            elif isinstance(a, CreatePrivateEndpoint):
                self.endpoint(a, reg)
            elif isinstance(a, EnableDataEndpoint) and a.new and reg is not None:
                self.data_endpoint(reg, a)
            elif isinstance(a, AssignPolicy):
                self.assignment(a)
            elif isinstance(a, GrantKeyAccess):
                self.grant(a)
            elif isinstance(a, EnableVaultPurgeProtection):
                self.purge_protection(a)
            elif isinstance(a, SetVaultNetworkBypass):
                self.vault_bypass(a)
        self.key_access_specs()
        self.subnet_capacity()
        self.firewalls()
        for reg in self.regs.values():
            after = simulate(reg, self.plan.actions)
            if after != reg:
                self.final_state(reg, after)
                self.deny(after, [a for a in self.plan.actions if isinstance(a, RegistryPatch)
                                  and a.resource_id.lower() == reg.id.lower()])
        for a in self.plan.actions:
            if isinstance(a, CreateCmkRegistry):
                src = self.regs.get((a.source_registry_id or "").lower())
                m = next((m for m in self.d.create_cmk_registry if m.name.lower() == a.name.lower()), None)
                if m is not None:
                    self.deny(new_cmk_registry(m, src, self.w), [a])
        return self.out

    # ------------------------------------------------------------------ CMK
    def rotate(self, a: RotateKey, reg: RegistryPosture | None) -> None:
        if reg is None:
            return
        if not a.old_key_identifier:
            sku = "" if reg.premium else f" It is also {reg.sku}: CMK needs Premium."
            self.err(reg.name,
                     f"{reg.name} is not encrypted with a customer-managed key, and CMK can only be set when a "
                     f"registry is created (it can never be added to, or removed from, an existing registry).{sku}",
                     f"Add a createCmkRegistry block: a new Premium registry with the key, import.images from "
                     f"{reg.name}, then move clients and retire {reg.name}. See docs/plan-files.md.", a)
            return
        if a.new_identity == "system":
            if not reg.identity.system_principal_id:
                self.err(reg.name, "cmk.identity is 'system' but the registry has no system-assigned identity.",
                         f"az acr identity assign --name {reg.name} --identities [system], then plan again.", a)
        elif a.identity_id and not any(u.resource_id.lower() == a.identity_id.lower() for u in reg.identity.user_assigned):
            self.err(reg.name, f"Identity {name_of(a.identity_id)} is not assigned to {reg.name}; ACR can only use "
                     "identities the registry holds.",
                     f"az acr identity assign --name {reg.name} --identities {a.identity_id}, then plan again.", a)
        vault_name, key_name, _ = key_parts(a.new_key_identifier)
        vault = next((v for v in [*self.w.vaults.values(), *self.w.estate.vaults]
                      if v.name.lower() == vault_name.lower()), None)
        self.key_checks(reg.name, vault, key_name, a, must_exist=True)
        principal = reg.identity.system_principal_id if a.new_identity == "system" else next(
            (u.principal_id for u in reg.identity.user_assigned if u.client_id and u.client_id.lower() == a.new_identity.lower()), None)
        grants = any(isinstance(g, GrantKeyAccess) for g in self.plan.actions)
        if vault is not None and vault.readable and principal and principal.lower() not in vault.key_users and not grants:
            self.err(reg.name, f"The identity cannot use keys in {vault.name} (no get/wrapKey/unwrapKey).",
                     "Grant it key access first; rotating now would make the registry's content unreadable.", a)

    def create_cmk(self, a: CreateCmkRegistry) -> None:
        existing = next((r for r in self.w.estate.registries if r.name.lower() == a.name.lower()), None)
        if existing is not None:
            self.err(a.name, f"A registry named {a.name} already exists ({existing.id}).",
                     "Choose another name for the new CMK registry.", a)
        vault = self.w.vault(a.vault_id)
        self.key_checks(a.name, vault, a.key_name, a, must_exist=bool(a.key_version))

    def key_checks(self, subject: str, vault: VaultPosture | None, key_name: str, a: Action, *, must_exist: bool) -> None:
        if vault is None or not vault.readable:
            self.err(subject, f"Key vault {vault.name if vault else '(unknown)'} cannot be read, so key access "
                     "cannot be checked or granted.",
                     "Check the vault id and that you have at least Key Vault Reader (and rights to grant access).", a)
            return
        if self.firewalled_without_bypass(vault):
            self.err(subject, f"Key vault {vault.name} is firewalled without trusted-services bypass; ACR cannot "
                     "reach the key (a known creation failure).",
                     f"Add keyVaults: [{{name: {vault.name}, networkBypass: AzureServices}}] to the plan "
                     f"(az keyvault update --name {vault.name} --bypass AzureServices)", a,
                     vault_step(vault, "networkBypass"))
        if vault.soft_delete is False:
            self.err(subject, f"Key vault {vault.name} has soft delete off; a deleted key would destroy the registry.",
                     "Use a vault with soft delete (the default).", a)
        elif vault.soft_delete is None and not vault.purge_protection:
            self.warn(subject, f"Key vault {vault.name} does not report enableSoftDelete (an older body): whether a "
                      "deleted key could be recovered is unknown.",
                      f"Check with az keyvault show --name {vault.name} --query properties.enableSoftDelete.", a)
        elif not vault.purge_protection and not self.planned(EnableVaultPurgeProtection, vault.id):
            self.warn(subject, f"Key vault {vault.name} has no purge protection: a purged key makes the registry's "
                      "content unreadable for good.",
                      f"Add keyVaults: [{{name: {vault.name}, purgeProtection: true}}] to the plan (irreversible)", a,
                      vault_step(vault, "purgeProtection"))
        key: KeyPosture | None = vault.key(key_name)
        if key is None:
            if must_exist:
                self.err(subject, f"Key {key_name} does not exist in {vault.name}.",
                         "Create the key (RSA 3072) first, or name an existing RSA key.", a)
            else:
                self.warn(subject, f"Key {key_name} does not exist in {vault.name}; it will be created (RSA 3072).",
                          "Nothing to do, unless you meant an existing key.", a)
            return
        if key.kty and key.kty.upper() not in ("RSA", "RSA-HSM"):
            self.err(subject, f"Key {key_name} is {key.kty}; ACR customer-managed keys must be RSA or RSA-HSM.",
                     "Create an RSA key (az keyvault key create --kty RSA --size 3072) and use it.", a)
        if key.enabled is False:
            self.err(subject, f"Key {key_name} is disabled.", "Enable it, or use another key.", a)

    # ------------------------------------------------------------------ key access and key vaults
    def planned(self, cls: type[Action], vault_id: str, **match: Any) -> bool:
        return any(isinstance(a, cls) and a.resource_id.lower() == vault_id.lower()
                   and all(getattr(a, k) == v for k, v in match.items()) for a in self.plan.actions)

    def firewalled_without_bypass(self, vault: VaultPosture) -> bool:
        """After this plan: the vault's firewall keeps ACR (a trusted service) out."""
        firewalled = vault.network_default_action.lower() == "deny" or \
            (vault.public_network_access or "").lower() == "disabled"
        if self.planned(SetVaultNetworkBypass, vault.id):
            bypass = self.planned(SetVaultNetworkBypass, vault.id, new="AzureServices")
        else:
            bypass = vault.network_bypass.lower() == "azureservices"
        return firewalled and not bypass

    def grant(self, a: GrantKeyAccess) -> None:
        """A grant for an existing CMK registry (migrations check their vault in create_cmk)."""
        if any(a.key in b.depends_on for b in self.plan.actions if isinstance(b, CreateCmkRegistry)):
            return
        vault = self.w.vault(a.resource_id)
        if vault is None or not vault.readable:
            self.err(a.name, f"Key vault {a.name} cannot be read, so key access cannot be checked or granted.",
                     "You need to read the vault and to grant access on it (Key Vault Contributor for access "
                     "policies; Owner or User Access Administrator for RBAC vaults).", a)
            return
        if self.firewalled_without_bypass(vault):
            self.warn(a.name, f"Key vault {vault.name} is firewalled without the trusted-services bypass: even with "
                      "key access, ACR cannot reach the key.",
                      f"Add keyVaults: [{{name: {vault.name}, networkBypass: AzureServices}}] to the plan.", a,
                      vault_step(vault, "networkBypass"))

    def key_access_specs(self) -> None:
        """``cmk.keyAccess: granted`` on a registry that does not hold the identity its key settings name."""
        for spec in self.d.registries:
            c = spec.cmk
            reg = next((r for r in self.regs.values() if r.name.lower() == spec.name.lower()), None)
            if c is None or c.key_access != "granted" or reg is None or not reg.encryption.enabled:
                continue
            principal, ident = encryption_principal(reg, c.identity)
            if principal:
                continue
            what = "its system-assigned identity" if (c.identity or "") == "system" or \
                (c.identity is None and reg.encryption.uses_system_identity) else f"identity {name_of(ident) or '?'}"
            self.err(reg.name, f"{reg.name} does not hold {what}, which its customer-managed key settings name; "
                     "granting key access to it cannot restore the registry.",
                     f"Assign the identity to {reg.name} (az acr identity assign --name {reg.name} --identities "
                     "<identity>), then plan again.")

    def purge_protection(self, a: EnableVaultPurgeProtection) -> None:
        vault = self.w.vault(a.resource_id)
        if vault is not None and vault.soft_delete is False:
            self.err(a.name, f"Key vault {a.name} has soft delete off; purge protection needs soft delete.",
                     f"az keyvault update --name {a.name} --enable-soft-delete true, then plan again.", a)
            return
        self.warn(a.name, f"Purge protection on {a.name} is IRREVERSIBLE: once on, Azure never turns it off, and a "
                  "deleted vault or key cannot be purged before its retention period ends (the name stays taken).",
                  "Intended for vaults holding registry keys; remove purgeProtection from the plan if not.", a)

    def vault_bypass(self, a: SetVaultNetworkBypass) -> None:
        vault = self.w.vault(a.resource_id)
        if a.new != "None" or vault is None:
            return
        firewalled = vault.network_default_action.lower() == "deny" or \
            (vault.public_network_access or "").lower() == "disabled"
        users = [r.name for r in self.regs.values() if r.encryption.enabled
                 and (r.encryption.vault_name or "").lower() == vault.name.lower()]
        if firewalled and users:
            self.err(a.name, f"Key vault {vault.name} is firewalled; without the trusted-services bypass "
                     f"{', '.join(users)} can no longer reach its key and its content becomes unreadable.",
                     "Keep networkBypass: AzureServices on vaults that hold registry keys.", a)

    # ------------------------------------------------------------------ what the plan depends on (reads.py)
    def dependencies(self) -> None:
        """Subscriptions, definitions and names the plan needs, as Azure answered for them."""
        told: set[str] = set()
        for a in self.plan.actions:
            for sub in sorted(subscriptions_of(a)):
                if sub.lower() in self.w.absent_subscriptions and sub.lower() not in told:
                    told.add(sub.lower())
                    self.err(sub, f"Subscription {sub} does not exist (Azure answered SubscriptionNotFound); "
                             f"{a.name} and everything else the plan puts there would fail.",
                             "Check the subscription id in the plan file (az account list shows the subscriptions "
                             "you can use).", a)
            if isinstance(a, AssignPolicy) and a.definition_id.lower() in self.w.absent_definitions:
                self.err(a.name, f"Policy definition {a.definition_id} does not exist.",
                         "Check the definition GUID (az policy definition show --name <guid>); a custom definition "
                         "needs its full id (/subscriptions/<id>/providers/Microsoft.Authorization/"
                         "policyDefinitions/<name>).", a)
            if isinstance(a, CreateCmkRegistry):
                name = self.w.registry_names.get(a.name.lower())
                taken_here = any(r.name.lower() == a.name.lower() for r in self.w.estate.registries)
                if name is not None and not name.available and not taken_here:
                    why = "is not a valid registry name" if (name.reason or "").lower() == "invalid" else \
                        "is already taken (registry names are global: it may belong to another tenant, or to a " \
                        "subscription you cannot see)"
                    said = (name.message or name.reason or "").rstrip(".")
                    self.err(a.name, f"The registry name {a.name} {why}: {said}.",
                             "Choose another name for the new registry (az acr check-name --name <name>).", a)
        for m in self.d.create_cmk_registry:
            src = next((r for r in self.w.estate.registries if r.name.lower() == m.source.lower()), None)
            target = new_cmk_registry(m, src, self.w)
            existing = self.regs.get(target.id.lower())
            if existing is not None and not existing.encryption.enabled:
                self.err(m.name, f"createCmkRegistry {m.name}: a registry named {m.name} already exists in "
                         f"{existing.resource_group} and is not encrypted with a customer-managed key; the "
                         "migration would import into it without CMK (CMK can only be set at creation).",
                         "Give the new CMK registry a name that is not in use.")

    def approval_steps(self) -> None:
        """A manual endpoint is only half the change: say who must approve it and how (the step is theirs)."""
        for a in self.plan.actions:
            if isinstance(a, CreatePrivateEndpoint) and a.manual:
                at = ask_at(a.registry_id, created_by(self.plan.actions)) or a.registry_id
                perms = self.w.permissions.get(at.lower()) if self.w.permissions_asked else None
                if perms is None:  # not read (or ARM did not answer): unknown, not "someone else"
                    who = ("whether you hold it was not read; if not, someone who does (e.g. Owner or Contributor on "
                           "the registry)")
                elif allows(perms, APPROVE_ACTION):
                    who = "you hold it, so you can approve it yourself"
                else:
                    who = "someone who holds it (e.g. Owner or Contributor on the registry)"
                self.warn(a.name, f"The connection from {a.name} to {name_of(a.registry_id)} will wait as Pending, "
                          "carrying no traffic, until a principal with "
                          f"{APPROVE_ACTION} on {name_of(a.registry_id)} approves it: {who}.",
                          approval_step(a.registry_id, a.name), a)

    def permission_checks(self) -> None:
        """The caller's rights, as ARM answered at each scope the plan writes to: a missing action is refused now
        rather than learnt from the first 403 after other writes landed."""
        if not self.w.permissions_asked:
            return  # no reads were made (pure callers): nothing is known, so nothing is said
        created = created_by(self.plan.actions)
        told_groups: set[str] = set()
        for a in self.plan.actions:
            missing: dict[str, list[str]] = {}
            unknown: list[str] = []
            for need in needs(a):
                at = ask_at(need.scope, created)
                if at is None:
                    below = self.below(need.scope)
                    if any(not allows(p, need.action) for p in below):
                        missing.setdefault(need.scope, []).append(need.action)
                    else:
                        unknown.append(need.action)
                    continue
                if at.lower() not in self.w.permissions:
                    continue
                perms = self.w.permissions[at.lower()]
                if perms is None:
                    group = group_scope(at) or at
                    if group.lower() not in told_groups:
                        told_groups.add(group.lower())
                        self.err(a.name, f"Resource group {group} does not exist; acrtui does not create groups.",
                                 f"Create it first (az group create --name {name_of(group)} --subscription "
                                 f"{sub_of(group)} --location <region>), or fix the id in the plan.", a)
                    continue
                if allows(perms, need.action):
                    continue
                if need.soft:
                    self.unapproved.add(a.key)
                    self.err(a.name, f"Azure refuses an automatically approved private endpoint from a caller "
                             f"without {need.action} on {name_of(need.scope)} (403 LinkedAuthorizationFailed), "
                             "and you do not have it.",
                             "Set approval: manual on this endpoint (it is created Pending, which needs no right on "
                             "the registry) and have someone who holds the approval right approve it — the plan "
                             "then names the step; or ask for a role with that right on the registry. Nothing has "
                             "been written.", a)
                    continue
                missing.setdefault(at, []).append(need.action)
            for scope, acts in missing.items():
                self.err(a.name, f"You may not {a.describe()[0].lower() + a.describe()[1:]}: missing "
                         f"{', '.join(dict.fromkeys(acts))} at {scope}.",
                         "Ask for a role that grants it at that scope (or above), or sign in as a principal "
                         "that has it; nothing has been written.", a)
            if unknown and not missing:
                self.warn(a.name, f"{', '.join(dict.fromkeys(unknown))} at {getattr(a, 'scope', a.resource_id)} "
                          "could not be checked in advance: ARM answers permission questions for resource groups "
                          "and resources, not subscriptions.",
                          "Make sure you hold it there (Owner, or Resource Policy Contributor for policy).", a)

    def below(self, scope: str) -> list[tuple[Permission, ...]]:
        """ARM's answers for groups and resources inside a subscription-level scope: what is missing there is
        missing above too (roles inherit down, never up)."""
        prefix = scope.lower().rstrip("/") + "/"
        return [p for at, p in self.w.permissions.items() if at.startswith(prefix) and p is not None]

    # ------------------------------------------------------------------ firewall address space
    def firewalls(self) -> None:
        """Rules a plan sets are judged by what they admit: the whole internet (or more than the open share) is no
        restriction, and private ranges can never match a client of the public endpoint."""
        for a in self.plan.actions:
            if not isinstance(a, SetNetworkRules) or a.new_default_action != "Deny":
                continue
            reg = self.reg_of(a)
            pna = next((x.new for x in self.plan.actions if isinstance(x, SetPublicNetworkAccess)
                        and x.resource_id.lower() == a.resource_id.lower()),
                       reg.public_network_access if reg is not None else "Enabled")
            if pna.lower() == "disabled":
                continue  # public access off: the rules are not evaluated
            space = admitted(a.new_ip_rules)
            if space.is_open(self.open_share):
                self.warn(a.name, f"networkRules.ipRules admit {space.describe()}: with default action Deny the "
                          "registry is still open to the internet, not restricted.",
                          "List only the ranges your clients use (or add a private endpoint and disable public "
                          f"access); more than {percent(self.open_share)} of the internet counts as open "
                          "(audit.firewall_open_share).", a)
            if space.non_public:
                rules = ", ".join(f"{r.rule} ({r.kind})" for r in space.non_public)
                self.warn(a.name, f"networkRules.ipRules {rules} can never match: clients of the public endpoint "
                          "come from public addresses.",
                          "Reach the registry from private networks through a private endpoint, and drop these "
                          "rules.", a)

    # ------------------------------------------------------------------ private link
    def endpoint(self, a: CreatePrivateEndpoint, reg: RegistryPosture | None) -> None:
        subnet = self.w.subnets.get(a.subnet_id.lower())
        if subnet is None:
            self.err(a.name, f"Subnet {a.subnet_id} was not found (or is not readable).",
                     "Check the subnet id; the private endpoint needs an existing subnet.", a)
        for member, why in static_ip_problems(a, reg, subnet):
            self.err(a.name, f"staticIps.{member}: {why}.",
                     "Pick a free address inside the subnet (not its first four or last), or leave the member out.", a)
        if reg is not None and not reg.data_endpoint_enabled:
            spec = self.spec_of(reg)
            ack = spec is not None and spec.data_endpoint is not None and spec.data_endpoint.client_allowlist_acknowledged
            if not ack:
                self.warn(reg.name, "A private endpoint turns on dedicated data endpoints: clients behind a firewall "
                          f"must allow {', '.join(reg.expected_data_host_names())} on 443 or pulls break.",
                          "Add the rules, then set dataEndpoint.clientAllowlistAcknowledged: true.", a,
                          allowlist_step(reg))

    def subnet_capacity(self) -> None:
        need: dict[str, int] = {}
        for a in self.plan.actions:
            if isinstance(a, CreatePrivateEndpoint):
                need[a.subnet_id.lower()] = need.get(a.subnet_id.lower(), 0) + a.ip_count
        for sid, n in need.items():
            sub = self.w.subnets.get(sid)
            if sub is not None and sub.free < n:
                self.err(name_of(sub.id), f"Subnet {name_of(sub.id)} ({sub.prefix}) has {sub.free} free address(es); "
                         f"the planned private endpoint(s) need {n} (login server + one per region).",
                         "Use a larger subnet (a /28 has 11 usable addresses) or free addresses first.")

    def data_endpoint(self, reg: RegistryPosture, a: Action) -> None:
        spec = self.spec_of(reg)
        if spec is None or spec.data_endpoint is None or not spec.data_endpoint.client_allowlist_acknowledged:
            self.warn(reg.name, "Enabling dedicated data endpoints moves layer downloads to "
                      f"{', '.join(reg.expected_data_host_names())}; firewalled clients that do not allow them "
                      "break.", "Add client firewall rules first, then set dataEndpoint.clientAllowlistAcknowledged: true.", a,
                      allowlist_step(reg))

    # ------------------------------------------------------------------ final-state rules
    def final_state(self, before: RegistryPosture, after: RegistryPosture) -> None:
        if not after.export_policy_enabled and after.public_network_access.lower() != "disabled" and after.premium:
            self.err(after.name, "Export can be disabled only when public network access is disabled.",
                     "Also set publicNetworkAccess: Disabled (with a private endpoint), or keep export enabled.")
        spec = self.spec_of(after)
        allow = spec is not None and spec.allow_lockout
        if after.public_network_access.lower() == "disabled" and before.public_network_access.lower() != "disabled" \
                and after.premium and not allow:
            reason = self.no_private_path(after)
            if reason:
                self.err(after.name, f"Disabling public network access would lock you out: {reason}.",
                         "Add privateLink.endpoints with a dnsZone linked to your network (declare it in "
                         "operator.networks), or set allowLockout: true if you manage the registry from a linked VNet.")
        ips = self.d.operator.ips
        if ips and after.premium and after.public_network_access.lower() != "disabled" and \
                after.default_action.lower() == "deny" and not allow:
            rules = [r.value for r in after.ip_rules]
            blocked = [ip for ip in ips if not any(_covers(r, ip) for r in rules)]
            if blocked and (before.default_action.lower() != "deny" or [r.value for r in before.ip_rules] != rules):
                self.err(after.name, f"The firewall would block the operator's address(es) {', '.join(blocked)}.",
                         "Add them to networkRules.ipRules, or set allowLockout: true.")

    def no_private_path(self, reg: RegistryPosture) -> str | None:
        """Why the operator would have no private path to the registry once public access is off (None: has one)."""
        endpoints = []  # (vnet id, zone ids, linked vnets)
        groups = {a.endpoint_id.lower(): a.zone_id for a in self.plan.actions if isinstance(a, CreateDnsZoneGroup)}
        for pe in self.w.estate.endpoints_for(reg):
            if pe.connection_status.lower() == "approved":
                zones = [z.lower() for z in pe.dns_zone_ids]
                links = {v.lower() for v in pe.zone_linked_vnets}
                if pe.id.lower() in groups:  # the plan gives it a zone group
                    zid = groups[pe.id.lower()]
                    zones.append(zid.lower())
                    zone = self.w.zones.get(zid.lower())
                    links |= {v.lower() for v in (zone.linked_vnets if zone else ())}
                endpoints.append((pe.vnet_id or "", zones, links))
        planned_links: dict[str, set[str]] = {}
        for a in self.plan.actions:
            if isinstance(a, LinkPrivateDnsZone):
                planned_links.setdefault(a.zone_id.lower(), set()).add(a.vnet_id.lower())
        spec = self.spec_of(reg)
        for ep in (spec.private_link.endpoints if spec and spec.private_link else []):
            planned = any(isinstance(a, CreatePrivateEndpoint) and a.name.lower() == ep.name.lower() and not a.manual
                          and a.key not in self.unapproved for a in self.plan.actions)
            if planned and ep.dns_zone:
                zone = self.w.zones.get(ep.dns_zone.lower())
                linked = {v.lower() for v in (zone.linked_vnets if zone else ())}
                endpoints.append((ep.subnet.rsplit("/subnets/", 1)[0], [ep.dns_zone.lower()], linked))
            elif planned:
                endpoints.append((ep.subnet.rsplit("/subnets/", 1)[0], [], set()))
        for zone_ids, links in [(z, lk) for _, z, lk in endpoints]:
            for z in zone_ids:
                links |= planned_links.get(z, set())
        if not endpoints:
            return f"{reg.name} has no approved private endpoint and the plan creates none (manual ones start Pending)"
        nets = {n.lower() for n in self.d.operator.networks}
        if not nets:
            if not any(zones for _, zones, _ in endpoints):
                return "its private endpoints have no private DNS zone, so the login server would not resolve privately"
            return None
        if not any(zones and (links & nets) for _, zones, links in endpoints):
            return ("no private endpoint's DNS zone is linked to your network "
                    f"({', '.join(name_of(n) for n in self.d.operator.networks)})")
        return None

    # ------------------------------------------------------------------ policy
    def deny(self, after: RegistryPosture, causes: list[Action]) -> None:
        body = registry_to_arm(after)
        removed = {a.resource_id.lower() for a in self.plan.actions if isinstance(a, UnassignPolicy)}
        for asg in self.w.all_assignments():
            if not asg.applies_to(after.id) or asg.enforcement_mode.lower() != "default" or asg.id.lower() in removed:
                continue
            if (asg.effect or "").lower() not in ("deny", ""):
                continue
            defn = self.w.definition(asg.definition_id)
            if defn is None:
                if (asg.effect or "").lower() == "deny":
                    self.warn(after.name, f"Deny assignment {asg.name} applies, but its definition could not be read, "
                              "so the write cannot be previewed; Azure may refuse it (403 RequestDisallowedByPolicy).",
                              "Grant read on policy definitions, or check the assignment by hand.")
                continue
            try:
                verdicts = preview_writes(defn, [body], parameters={"effect": asg.effect} if asg.effect else None)
            except PolicyError as exc:
                self.warn(after.name, f"Assignment {asg.name} could not be previewed ({exc}).", "Check it by hand.")
                continue
            if verdicts and verdicts[0].blocked:
                title = asg.display_name or asg.name
                self.err(after.name, f"Azure Policy would refuse this change: assignment '{title}' ({asg.id}) "
                         f"denies the resulting registry (403 RequestDisallowedByPolicy).",
                         "Change the plan so the registry complies (e.g. adminUser: false), ask for an exemption, "
                         "or set the assignment's enforcementMode to DoNotEnforce.", causes[0] if causes else None)

    def assignment(self, a: AssignPolicy) -> None:
        defn = self.w.definition(a.definition_id)
        if defn is None:
            return
        try:
            d = find_definition([defn], a.definition_id.rsplit("/", 1)[-1])
            resolve_parameters(d, {**a.parameters, **({"effect": a.effect} if a.effect else {})})
        except PolicyError as exc:
            self.err(a.name, f"Policy assignment {a.name}: {exc}.",
                     "Use an effect (and parameters) the definition allows.", a)
            return
        eff = (a.effect or "").lower()
        if eff in ("modify", "deployifnotexists") and not a.location:
            self.err(a.name, f"A {a.effect} assignment needs a managed identity, which needs a location.",
                     "Add location: <region> to the assignment.", a)
        if eff == "deny":
            scope = a.scope.lower().rstrip("/") + "/"
            hit = [r.name for r in self.w.estate.registries if r.id.lower().startswith(scope)
                   and _non_compliant(defn, simulate(r, self.plan.actions), a.parameters)]
            if hit:
                self.warn(a.name, f"After this plan, {', '.join(hit)} would still not comply; with Deny every later "
                          "change to them is refused until they do.", "Bring them into line in the same plan.", a)


def _non_compliant(defn: dict[str, Any], reg: RegistryPosture, parameters: dict[str, Any]) -> bool:
    try:
        return preview_writes(defn, [registry_to_arm(reg)], parameters={**parameters, "effect": "Deny"})[0].blocked
    except PolicyError:
        return False


def _covers(rule: str, ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip.split("/")[0]) in ipaddress.ip_network(rule, strict=False)
    except ValueError:
        return False


def import_tags(plan: Plan, world: World) -> list[Finding]:
    """Every tag to import exists in its source, as the source's data plane shows it (``world.contents``).

    ARM's importImage says ``ImageNotFound`` only when the import runs — after the new registry was created — so a
    missing tag is refused here, naming what the source has. A source whose data plane could not be read is a
    warning: the tags are unverified, not fine.
    """
    out: list[Finding] = []
    for a in plan.actions:
        if not isinstance(a, ImportImages):
            continue
        content = world.contents.get(a.source_registry_id.lower())
        src = name_of(a.source_registry_id)
        if content is None:
            continue  # not read (the source is not an existing registry): the diff reports it
        if not content.readable:
            out.append(Finding("warning", src, f"The tags to import could not be verified: {content.unreadable}",
                               f"{content.way_forward} Until then a missing tag fails the import after "
                               f"{a.name} exists.", a.key))
            continue
        for image in a.images:
            why = content.missing(image)
            if why is not None:
                out.append(Finding("error", src, f"Cannot import {image}: {why}.",
                                   f"Correct the image in import.images (or push it to {src} first); nothing "
                                   "was changed.", a.key))
    return out


def preflight(plan: Plan, desired: DesiredState, world: World, *, open_share: float = DEFAULT_OPEN_SHARE
              ) -> list[Finding]:
    """Every refusal (``error``) and caution (``warning``) for this plan against this world, before any write.
    ``open_share``: IP rules admitting more of the public internet than this are no restriction (a warning)."""
    from .migration import preflight_rules

    return [*_Checker(plan, desired, world, open_share).run(), *import_tags(plan, world),
            *preflight_rules(plan, desired, world)]


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]
