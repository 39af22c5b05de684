"""The diff: desired state + observed world → an ordered :class:`~acrtui.domain.actions.Plan`. Pure.

Only what the desired state names is compared; everything is normalised first (enum case, IPv4 rules as ARM stores
them, rule order, Azure's defaults for unreported settings) so a plan against freshly read-back state shows no
false changes. Order: removals of policy assignments, key vault settings (purge protection, bypass, audit
logging), CMK migrations (identity, key access, registry, images), then per registry private link (zone, links,
endpoint, zone group, approvals), property changes (one PATCH per registry at execution), key access and key
rotation, and last new policy assignments — registries
become compliant before a Deny lands on them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .actions import (
    Action,
    ApprovePrivateEndpointConnection,
    AssignPolicy,
    CreateCmkRegistry,
    CreateDnsZoneGroup,
    CreatePrivateDnsZone,
    CreatePrivateEndpoint,
    CreateReplication,
    CreateUserAssignedIdentity,
    EnableDataEndpoint,
    EnableVaultAuditLogging,
    EnableVaultPurgeProtection,
    GrantKeyAccess,
    ImportImages,
    LinkPrivateDnsZone,
    Plan,
    RejectPrivateEndpointConnection,
    RotateKey,
    SetAdminUser,
    SetAnonymousPull,
    SetArmAudienceTokens,
    SetExportPolicy,
    SetNetworkRules,
    SetPublicNetworkAccess,
    SetVaultNetworkBypass,
    StartRemediation,
    group_of,
    name_of,
)
from .content import RegistryContent
from .desired import CmkMigration, DesiredState, Endpoint, KeyVaultSpec, RegistrySpec, normalise_ip_rule
from .models import (
    DiagnosticSetting,
    Encryption,
    Estate,
    IpRule,
    ManagedIdentity,
    PolicyAssignmentInfo,
    PrivateEndpointPosture,
    RegistryPosture,
    UserIdentity,
    VaultPosture,
    normalise_key_id,
)
from .permissions import Permission

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"


class DiffError(ValueError):
    """The desired state names something that cannot be found (a registry, a connection)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SubnetInfo:
    id: str
    prefix: str
    used: int  # IP configurations already in the subnet
    location: str = ""

    @property
    def usable(self) -> int:
        """Azure reserves five addresses in every subnet (the first four and the last)."""
        try:
            return max(0, ipaddress.ip_network(self.prefix, strict=False).num_addresses - 5)
        except ValueError:
            return 0

    @property
    def free(self) -> int:
        return max(0, self.usable - self.used)


@dataclass(frozen=True)
class ZoneInfo:
    id: str
    exists: bool
    linked_vnets: tuple[str, ...] = ()


@dataclass(frozen=True)
class NameCheck:
    """ARM's ``checkNameAvailability`` answer for a registry name (names are global: <name>.azurecr.io)."""

    available: bool
    reason: str | None = None
    message: str | None = None


@dataclass
class World:
    """The estate plus the few extra reads a plan needs (resources the estate does not carry)."""

    estate: Estate
    vaults: dict[str, VaultPosture] = field(default_factory=dict)  # id (lower) → vault, incl. migration vaults
    identities: dict[str, UserIdentity | None] = field(default_factory=dict)  # id (lower) → identity or missing
    subnets: dict[str, SubnetInfo | None] = field(default_factory=dict)  # id (lower) → subnet or missing
    zones: dict[str, ZoneInfo] = field(default_factory=dict)  # id (lower)
    assignments: dict[str, PolicyAssignmentInfo | None] = field(default_factory=dict)  # id (lower) → read by id
    # assignments over scopes the estate does not cover (a group that holds no registry yet): read at the scope
    scope_assignments: list[PolicyAssignmentInfo] = field(default_factory=list)
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)  # definition id (lower) → ARM body
    imported: frozenset[tuple[str, str]] = frozenset()  # (target registry id lower, image) done (journal)
    # registry id (lower) → what its data plane shows (import sources; acrtui.azure.dataplane.read_import_sources)
    contents: dict[str, RegistryContent] = field(default_factory=dict)
    dns_zone_name: str = "privatelink.azurecr.io"
    vault_suffix: str = "vault.azure.net"
    # preflight reads (acrtui/plan/reads.py); empty when they were not made (pure tests), so nothing is refused
    absent_subscriptions: set[str] = field(default_factory=set)  # subscription ids (lower) Azure says do not exist
    absent_definitions: set[str] = field(default_factory=set)  # policy definition ids (lower) that do not exist
    # the desired state with each migration's carried settings written out (acrtui.domain.migration.expand)
    expanded: DesiredState | None = None
    registry_names: dict[str, NameCheck] = field(default_factory=dict)  # new registry name (lower) → availability
    # where ARM was asked what the caller may do (resource or group id, lower) → its answer; None: the scope
    # does not exist (ARM answered 404 for the group)
    permissions: dict[str, tuple[Permission, ...] | None] = field(default_factory=dict)
    permissions_asked: bool = False  # the reads asked ARM (False: nothing is known, nothing is refused)

    def vault(self, vault_id: str) -> VaultPosture | None:
        v = self.vaults.get(vault_id.lower())
        return v or next((x for x in self.estate.vaults if x.id.lower() == vault_id.lower()), None)

    def vaults_named(self, name: str) -> list[VaultPosture]:
        """Every observed vault with this name (planned-for reads first), one per id."""
        out: dict[str, VaultPosture] = {}
        for v in [*self.vaults.values(), *self.estate.vaults]:
            if v.name.lower() == name.lower():
                out.setdefault(v.id.lower(), v)
        return list(out.values())

    def vault_by_key(self, vault_name: str) -> VaultPosture | None:
        """The vault a key URI's host names (vault names are unique within a cloud)."""
        hits = self.vaults_named(vault_name) if vault_name else []
        return hits[0] if hits else None

    def all_assignments(self) -> list[PolicyAssignmentInfo]:
        """The estate's assignments plus those read at scopes the estate does not cover."""
        seen = {a.id.lower() for a in self.estate.assignments}
        return [*self.estate.assignments, *(a for a in self.scope_assignments if a.id.lower() not in seen)]

    def assignment(self, assignment_id: str) -> PolicyAssignmentInfo | None:
        if assignment_id.lower() in self.assignments:
            return self.assignments[assignment_id.lower()]
        return next((a for a in self.estate.assignments if a.id.lower() == assignment_id.lower()), None)

    def definition(self, definition_id: str) -> dict[str, Any] | None:
        return self.definitions.get(definition_id.lower()) or self.definitions.get(name_of(definition_id).lower())


# ------------------------------------------------------------------------------------------- normalisation


def canon(value: str | None, options: Iterable[str], default: str) -> str:
    v = (value or default).lower()
    return next((o for o in options if o.lower() == v), value or default)


def norm_rule(v: str) -> str:
    try:
        return normalise_ip_rule(v)
    except ValueError:
        return v.strip()


def key_uri(world: World, vault_id: str, key: str, version: str | None) -> str:
    v = world.vault(vault_id)
    base = (v.vault_uri if v and v.vault_uri else f"https://{name_of(vault_id).lower()}.{world.vault_suffix}/").rstrip("/")
    return f"{base}/keys/{key}" + (f"/{version}" if version else "")


def same_key(a: str | None, b: str | None) -> bool:
    """Key ids compared as Azure means them (``:443`` as the ARM keys API writes it, case, trailing slash)."""
    return normalise_key_id(a) == normalise_key_id(b)


# Key Vault's log category groups, as categories (AuditEvent is the vault's only audit category)
_LOG_GROUPS = {"audit": {"auditevent"}, "alllogs": {"auditevent", "azurepolicyevaluationdetails"}}


def _log_set(categories: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for c in categories:
        out |= _LOG_GROUPS.get(c.lower(), {c.lower()})
    return out


def missing_logs(settings: Iterable[DiagnosticSetting], wanted: Iterable[str]) -> list[str]:
    """The wanted log categories (or groups) no diagnostic setting sends yet."""
    have = _log_set(c for d in settings for c in d.categories)
    return [c for c in wanted if not _log_set([c]) <= have]


def resolve_vault(world: World, spec: KeyVaultSpec) -> tuple[VaultPosture | None, str | None]:
    """The observed vault a ``keyVaults`` entry names, or why it cannot be told."""
    if spec.id is not None:
        v = world.vault(spec.id)
        return (v, None) if v is not None else (None, f"key vault {spec.id} not found (or not readable)")
    hits = world.vaults_named(spec.label)
    if spec.subscription:
        s = spec.subscription.lower()
        hits = [v for v in hits if s in (v.subscription_id.lower(), world.estate.subscriptions.get(v.subscription_id, "").lower())]
    if spec.resource_group:
        hits = [v for v in hits if v.resource_group.lower() == spec.resource_group.lower()]
    if len(hits) > 1:
        return None, f"key vault {spec.label} exists in several places: add subscription/resourceGroup (or give its id)"
    if not hits:
        return None, f"key vault {spec.label} not found in the chosen subscriptions (or not readable)"
    return hits[0], None


def encryption_principal(reg: RegistryPosture, identity: str | None = None) -> tuple[str | None, str]:
    """(principal id, identity id) of the identity a CMK registry reads its key as: ``identity`` ('system' or a
    user-assigned id), else the one its encryption settings name today. The principal is None when the registry
    does not hold that identity; 'system' identities get the pseudo id ``<registry id>/system``."""
    if identity is None:
        if reg.encryption.uses_system_identity:
            identity = "system"
        else:
            cid = (reg.encryption.identity_client_id or "").lower()
            ua = next((u for u in reg.identity.user_assigned if cid and (u.client_id or "").lower() == cid), None)
            return (ua.principal_id, ua.resource_id) if ua else (None, reg.encryption.identity_client_id or "")
    if identity == "system":
        return reg.identity.system_principal_id, f"{reg.id}/system"
    ua = next((u for u in reg.identity.user_assigned if u.resource_id.lower() == identity.lower()), None)
    return (ua.principal_id if ua else None), identity


def registry_id(sub: str, rg: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{REGISTRY_TYPE}/{name}"


def sub_of(rid: str) -> str:
    parts = rid.strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0].lower() == "subscriptions" else ""


def vnet_of(subnet_id: str) -> str:
    return subnet_id.rstrip("/").rsplit("/subnets/", 1)[0]


def request_message(ep: Endpoint, reg: RegistryPosture) -> str:
    """What the approver reads on a manual connection: the plan's, else which endpoint in which subnet asks
    (``requestMessage`` is "restricted to 140 chars": REST spec, network privateEndpoint.json)."""
    if ep.request_message:
        return ep.request_message
    parts = ep.subnet.rstrip("/").split("/")
    where = f"{parts[-3]}/{parts[-1]}" if len(parts) >= 3 else ep.subnet
    return f"acrtui plan: private endpoint {ep.name} in {where} asks for a connection to {reg.name}"[:140]


def new_cmk_registry(m: CmkMigration, source: RegistryPosture | None, world: World) -> RegistryPosture:
    """The registry a migration will create, as Azure's defaults make it (so its own settings diff cleanly)."""
    sub = m.subscription or (source.subscription_id if source else sub_of(m.key_vault))
    rg = m.resource_group or (source.resource_group if source else group_of(m.key_vault))
    loc = m.location or (source.location if source else "")
    ident = world.identities.get(m.identity.lower())
    suffix = source.login_server.split(".", 1)[1] if source and "." in source.login_server else "azurecr.io"
    return RegistryPosture(
        id=registry_id(sub, rg, m.name), name=m.name, subscription_id=sub, resource_group=rg, location=loc,
        sku="Premium", login_server=f"{m.name.lower()}.{suffix}",
        encryption=Encryption(enabled=True, key_identifier=key_uri(world, m.key_vault, m.key, m.key_version),
                              identity_client_id=ident.client_id if ident else None),
        identity=ManagedIdentity(user_assigned=[ident or UserIdentity(resource_id=m.identity)]),
        tags=dict(source.tags) if source else {},
    )


# ------------------------------------------------------------------------------------------------ the diff


class _Builder:
    def __init__(self, desired: DesiredState, world: World) -> None:
        self.d = desired
        self.w = world
        self.actions: list[Action] = []
        self.keys: set[str] = set()
        self.problems: list[str] = []
        self.created_registries: dict[str, RegistryPosture] = {}  # name (lower) → planned new registry

    def add(self, action: Action) -> Action:
        if action.key not in self.keys:
            self.keys.add(action.key)
            self.actions.append(action)
        return action

    # ------------------------------------------------------------ lookups
    def registry(self, spec: RegistrySpec | str) -> RegistryPosture | None:
        name = spec if isinstance(spec, str) else spec.name
        hits = [r for r in self.w.estate.registries if r.name.lower() == name.lower()]
        if not isinstance(spec, str):
            if spec.subscription:
                s = spec.subscription.lower()
                hits = [r for r in hits if s in (r.subscription_id.lower(),
                                                 self.w.estate.subscriptions.get(r.subscription_id, "").lower())]
            if spec.resource_group:
                hits = [r for r in hits if r.resource_group.lower() == spec.resource_group.lower()]
        if len(hits) > 1:
            self.problems.append(f"registry {name} exists in several subscriptions: add subscription/resourceGroup")
            return None
        if hits:
            return hits[0]
        return self.created_registries.get(name.lower())

    # ------------------------------------------------------------ sections
    def build(self) -> Plan:
        for a in self.d.policy_assignments:
            if a.state == "absent":
                self.unassign(a.assignment_id)
        for v in self.d.key_vaults:
            self.vault(v)
        for m in self.d.create_cmk_registry:
            self.migration(m)
        for spec in self.d.registries:
            reg = self.registry(spec)
            if reg is None:
                if not any(p.startswith(f"registry {spec.name} ") for p in self.problems):
                    self.problems.append(f"registry {spec.name} not found in the chosen subscriptions")
                continue
            start = len(self.actions)
            self.replicas(spec, reg)
            self.private_link(spec, reg)
            deps = [a.key for a in self.actions[start:]]
            # a new registry's settings land after its imports (public access stays on until they are done)
            deps += [a.key for a in self.actions[:start] if isinstance(a, CreateCmkRegistry | ImportImages)
                     and a.resource_id.lower() == reg.id.lower()]
            self.properties(spec, reg, deps)
            self.cmk(spec, reg)
        for a in self.d.policy_assignments:
            if a.state == "present":
                self.assign(a)
        if self.problems:
            raise DiffError(self.problems)
        return Plan(actions=self.actions)  # type: ignore[arg-type]

    def unassign(self, assignment_id: str) -> None:
        from .actions import UnassignPolicy

        found = self.w.assignment(assignment_id)
        if found is not None:
            self.add(UnassignPolicy(resource_id=found.id, definition_id=found.definition_id))

    def vault(self, spec: KeyVaultSpec) -> None:
        v, problem = resolve_vault(self.w, spec)
        if v is None or problem:
            self.problems.append(problem or f"key vault {spec.label} not found")
            return
        if not v.readable:
            self.problems.append(f"key vault {v.name} could not be read: its settings cannot be compared "
                                 "(you need at least Key Vault Reader on it)")
            return
        if spec.purge_protection and not v.purge_protection:
            self.add(EnableVaultPurgeProtection(resource_id=v.id))
        have_bp = canon(v.network_bypass, ("AzureServices", "None"), "AzureServices")
        if spec.network_bypass is not None and spec.network_bypass != have_bp:
            self.add(SetVaultNetworkBypass(resource_id=v.id, old=have_bp, new=spec.network_bypass))
        if spec.audit_logging is not None:
            wanted = spec.audit_logging.categories
            if missing_logs(v.diagnostic_settings, wanted):
                name = EnableVaultAuditLogging.model_fields["setting_name"].default
                others = [d for d in v.diagnostic_settings if d.name.lower() != name.lower()]
                # only what other settings do not send: Azure refuses one destination getting a category twice
                self.add(EnableVaultAuditLogging(resource_id=v.id, workspace_id=spec.audit_logging.workspace,
                                                 categories=missing_logs(others, wanted)))

    def identity_ready(self, identity_id: str, location: str) -> tuple[UserIdentity | None, list[str]]:
        """The identity if it exists, else a create action; returns (identity, dependency keys)."""
        ident = self.w.identities.get(identity_id.lower())
        if ident is not None:
            return ident, []
        act = self.add(CreateUserAssignedIdentity(resource_id=identity_id, location=location))
        return None, [act.key]

    def key_access(self, vault_id: str, identity_id: str, ident: UserIdentity | None, deps: list[str]) -> list[str]:
        vault = self.w.vault(vault_id)
        if vault is not None and vault.readable and ident is not None and ident.principal_id \
                and ident.principal_id.lower() in vault.key_users:
            return []
        act = self.add(GrantKeyAccess(resource_id=vault_id, identity_id=identity_id,
                                      principal_id=ident.principal_id if ident else None,
                                      rbac=bool(vault and vault.rbac_authorization), depends_on=deps))
        return [act.key]

    def migration(self, m: CmkMigration) -> None:
        source = self.registry(m.source)
        target = new_cmk_registry(m, source, self.w)
        existing = next((r for r in self.w.estate.registries if r.id.lower() == target.id.lower()), None)
        if source is None and existing is None:
            self.problems.append(f"createCmkRegistry {m.name}: source registry {m.source} not found")
            return
        deps: list[str] = []
        if existing is None:
            self.created_registries[m.name.lower()] = target
            ident, deps = self.identity_ready(m.identity, target.location)
            deps += self.key_access(m.key_vault, m.identity, ident, deps)
            create = self.add(CreateCmkRegistry(
                resource_id=target.id, location=target.location, vault_id=m.key_vault, key_name=m.key,
                key_version=m.key_version, key_uri=target.encryption.key_identifier, identity_id=m.identity, source_registry_id=source.id if source else None,
                tags=dict(target.tags), depends_on=deps))
            deps = [create.key]
        elif existing.encryption.enabled:
            ident = self.w.identities.get(m.identity.lower())
            if ident is not None:
                self.key_access(m.key_vault, m.identity, ident, [])  # restore lost access, if it was lost
        if m.import_ and source is not None:
            todo = [i for i in m.import_.images if (target.id.lower(), i) not in self.w.imported]
            if todo:
                window = not source.export_policy_enabled
                if window:  # Azure refuses to import from a registry with exports disabled: open, import, close
                    opened = self.add(SetExportPolicy(resource_id=source.id, old=False, new=True, window="open",
                                                      depends_on=deps))
                    deps = [*deps, opened.key]
                imp = self.add(ImportImages(resource_id=target.id, source_registry_id=source.id, images=todo,
                                            depends_on=deps))
                if window:
                    self.add(SetExportPolicy(resource_id=source.id, old=True, new=False, window="close",
                                             depends_on=[imp.key]))

    def replicas(self, spec: RegistrySpec, reg: RegistryPosture) -> None:
        if not spec.replicas:
            return
        deps = [a.key for a in self.actions if isinstance(a, CreateCmkRegistry) and a.resource_id.lower() == reg.id.lower()]
        have = {r.lower() for r in reg.regions}
        for region in spec.replicas:
            if region.lower() not in have:
                self.add(CreateReplication(resource_id=f"{reg.id}/replications/{region.lower()}", registry_id=reg.id,
                                           location=region, depends_on=deps))

    # ------------------------------------------------------------ private link
    def private_link(self, spec: RegistrySpec, reg: RegistryPosture) -> None:
        if spec.private_link is None:
            return
        reg_deps = [a.key for a in self.actions if isinstance(a, CreateCmkRegistry)
                    and a.resource_id.lower() == reg.id.lower()]
        for ep in spec.private_link.endpoints:
            self.endpoint(ep, reg, reg_deps)
        for c in spec.private_link.connections:
            self.connection(c.private_endpoint, c.state, reg)

    def endpoint(self, ep: Endpoint, reg: RegistryPosture, reg_deps: list[str]) -> None:
        existing = next((p for p in self.w.estate.endpoints_for(reg) if p.name.lower() == ep.name.lower()), None)
        subnet = self.w.subnets.get(ep.subnet.lower())
        pe_id = existing.id if existing else (
            f"/subscriptions/{sub_of(ep.subnet)}/resourceGroups/{ep.resource_group or group_of(ep.subnet)}"
            f"/providers/Microsoft.Network/privateEndpoints/{ep.name}")
        pe_deps: list[str] = []
        if existing is None:
            act = self.add(CreatePrivateEndpoint(
                resource_id=pe_id, registry_id=reg.id, subnet_id=ep.subnet,
                location=ep.location or (subnet.location if subnet and subnet.location else reg.location),
                manual=ep.approval == "manual", request_message=request_message(ep, reg) if ep.approval == "manual"
                else None, ip_count=1 + len(reg.regions), static_ips=dict(ep.static_ips or {}),
                depends_on=list(reg_deps)))
            pe_deps = [act.key]
        if ep.dns_zone is None:
            return
        zone = self.w.zones.get(ep.dns_zone.lower()) or ZoneInfo(ep.dns_zone, exists=False)
        zone_deps: list[str] = []
        if not zone.exists:
            zone_deps = [self.add(CreatePrivateDnsZone(resource_id=ep.dns_zone)).key]
        linked = {v.lower() for v in zone.linked_vnets}
        for vnet in ep.link_vnets if ep.link_vnets is not None else [vnet_of(ep.subnet)]:
            if vnet.lower() not in linked:
                self.add(LinkPrivateDnsZone(resource_id=f"{ep.dns_zone}/virtualNetworkLinks/link-{name_of(vnet)}",
                                            zone_id=ep.dns_zone, vnet_id=vnet, depends_on=zone_deps))
        if existing is None or ep.dns_zone.lower() not in {z.lower() for z in existing.dns_zone_ids}:
            group = (existing.dns_zone_group if existing and existing.dns_zone_group else "default")
            self.add(CreateDnsZoneGroup(resource_id=f"{pe_id}/privateDnsZoneGroups/{group}", endpoint_id=pe_id,
                                        zone_id=ep.dns_zone, depends_on=pe_deps + zone_deps))

    def connection(self, endpoint: str, state: str, reg: RegistryPosture) -> None:
        want = endpoint.lower()
        conn = next((c for c in reg.private_endpoint_connections if c.private_endpoint_id
                     and (c.private_endpoint_id.lower() == want or name_of(c.private_endpoint_id).lower() == want)),
                    None)
        if conn is None:
            self.problems.append(f"registry {reg.name}: no private endpoint connection from {endpoint} "
                                 "(approve it in a later plan, once the endpoint exists)")
            return
        if conn.status.lower() == state.lower():
            return
        cls = ApprovePrivateEndpointConnection if state == "Approved" else RejectPrivateEndpointConnection
        self.add(cls(resource_id=conn.id, registry_id=reg.id, endpoint_id=conn.private_endpoint_id, old=conn.status))

    # ------------------------------------------------------------ properties
    def properties(self, spec: RegistrySpec, reg: RegistryPosture, deps: list[str]) -> None:
        rid = reg.id

        def flag(cls: Any, want: bool | None, have: bool | None) -> None:
            if want is not None and want != have:
                self.add(cls(resource_id=rid, old=have, new=want, depends_on=deps))

        flag(SetAdminUser, spec.admin_user, reg.admin_user_enabled)
        flag(SetAnonymousPull, spec.anonymous_pull, reg.anonymous_pull_enabled)
        arm_tokens = True if reg.arm_audience_token_enabled is None else reg.arm_audience_token_enabled
        if spec.arm_audience_tokens is not None and spec.arm_audience_tokens != arm_tokens:
            self.add(SetArmAudienceTokens(resource_id=rid, old=reg.arm_audience_token_enabled,
                                          new=spec.arm_audience_tokens, depends_on=deps))
        if spec.data_endpoint is not None:
            pe_planned = any(isinstance(a, CreatePrivateEndpoint) and a.registry_id.lower() == rid.lower()
                             for a in self.actions)
            if not (spec.data_endpoint.enabled and pe_planned):  # a private endpoint turns them on by itself
                flag(EnableDataEndpoint, spec.data_endpoint.enabled, reg.data_endpoint_enabled)
        if spec.network_rules is not None:
            nr = spec.network_rules
            have_da = canon(reg.default_action, ("Allow", "Deny"), "Allow")
            have_rules = [norm_rule(r.value) for r in reg.ip_rules]
            have_bp = canon(reg.network_rule_bypass, ("AzureServices", "None"), "AzureServices")
            want_da = nr.default_action or have_da
            want_rules = nr.ip_rules if nr.ip_rules is not None else have_rules
            if sorted(want_rules) == sorted(have_rules):
                want_rules = have_rules  # order is not a change
            want_bp = nr.bypass or have_bp
            if (want_da, want_rules, want_bp) != (have_da, have_rules, have_bp):
                self.add(SetNetworkRules(resource_id=rid, old_default_action=have_da, new_default_action=want_da,
                                         old_ip_rules=have_rules, new_ip_rules=list(want_rules),
                                         old_bypass=have_bp, new_bypass=want_bp, depends_on=deps))
        have_pna = canon(reg.public_network_access, ("Enabled", "Disabled"), "Enabled")
        if spec.public_network_access is not None and spec.public_network_access != have_pna:
            self.add(SetPublicNetworkAccess(resource_id=rid, old=have_pna, new=spec.public_network_access,
                                            depends_on=deps))
        flag(SetExportPolicy, spec.export, reg.export_policy_enabled)

    def cmk(self, spec: RegistrySpec, reg: RegistryPosture) -> None:
        if spec.cmk is None or reg.name.lower() in self.created_registries:
            return
        c = spec.cmk
        enc = reg.encryption
        if c.current:  # cmk: {keyAccess: granted} — the key and identity the registry uses today
            if not enc.enabled:
                self.problems.append(f"registry {reg.name}: cmk.keyAccess applies to CMK registries, and {reg.name} "
                                     "is not encrypted with a customer-managed key (CMK is set only at creation: "
                                     "see createCmkRegistry)")
                return
            vault = self.w.vault_by_key(enc.vault_name or "")
            if vault is None:
                self.problems.append(f"registry {reg.name}: its key vault {enc.vault_name} was not found in the "
                                     "chosen subscriptions (or not readable)")
                return
            principal, ident_id = encryption_principal(reg)
            if principal:  # else preflight explains: the registry does not hold the identity its key settings name
                self.key_access(vault.id, ident_id, UserIdentity(resource_id=ident_id, principal_id=principal), [])
            return
        assert c.key_vault and c.key and c.identity  # Cmk's validator: the three come together
        want_key = key_uri(self.w, c.key_vault, c.key, c.key_version)
        if c.identity == "system":
            want_ident, ident = "system", None
        else:
            attached = next((u for u in reg.identity.user_assigned if u.resource_id.lower() == c.identity.lower()), None)
            ident = attached or self.w.identities.get(c.identity.lower())
            want_ident = (ident.client_id if ident and ident.client_id else c.identity)
        rotate = not (enc.enabled and same_key(enc.key_identifier, want_key)
                      and (enc.identity_client_id or "").lower() == want_ident.lower())
        deps: list[str] = []
        if enc.enabled and (rotate or c.key_access == "granted"):
            principal = reg.identity.system_principal_id if c.identity == "system" else (ident.principal_id if ident else None)
            if principal:
                deps = self.key_access(c.key_vault, c.identity if c.identity != "system" else f"{reg.id}/system",
                                       UserIdentity(resource_id=c.identity, principal_id=principal), [])
        if rotate:
            self.add(RotateKey(resource_id=reg.id, old_key_identifier=enc.key_identifier if enc.enabled else None,
                               new_key_identifier=want_key, old_identity=enc.identity_client_id if enc.enabled else None,
                               new_identity=want_ident, identity_id=None if c.identity == "system" else c.identity,
                               depends_on=deps))

    # ------------------------------------------------------------ policy
    def assign(self, a: Any) -> None:
        found = self.w.assignment(a.assignment_id)
        in_scope = [x.key for x in self.actions if x.resource_id.lower().startswith(a.scope.lower().rstrip("/") + "/")
                    and not isinstance(x, AssignPolicy) and x.kind != "UnassignPolicy"]
        from .migration import definition_roles

        roles = definition_roles(self.w.definition(a.definition)) if a.location else None
        new = AssignPolicy(resource_id=a.assignment_id, scope=a.scope, definition_id=a.definition, effect=a.effect,
                           enforcement_mode=a.enforcement_mode, display_name=a.display_name,
                           parameters=dict(a.parameters), location=a.location, depends_on=in_scope,
                           role_definition_ids=roles or [])
        if found is None:
            made = self.add(new.model_copy(update={"op": "create"}))
            self.remediation(a, made)
            return
        old = {"policyDefinitionId": found.definition_id, "effect": found.effect,
               "enforcementMode": found.enforcement_mode, "displayName": found.display_name}
        same_def = found.definition_guid == name_of(a.definition).lower()
        same = same_def and (a.effect is None or (found.effect or "").lower() == a.effect.lower()) \
            and found.enforcement_mode.lower() == a.enforcement_mode.lower() \
            and (a.display_name is None or (found.display_name or "") == a.display_name)
        if not same:
            self.remediation(a, self.add(new.model_copy(update={"old": old, "resource_id": found.id})))

    def remediation(self, a: Any, assigned: Action) -> None:
        """``remediate: true``: a task right after the assignment is made (or changed), for what is non-compliant."""
        if not a.remediate:
            return
        scope = a.scope.rstrip("/")
        self.add(StartRemediation(resource_id=f"{scope}/providers/Microsoft.PolicyInsights/remediations/"
                                              f"remediate-{a.name}",
                                  assignment_id=assigned.resource_id, scope=scope, depends_on=[assigned.key]))


def diff(desired: DesiredState, world: World) -> Plan:
    """Desired + observed → the plan; raises :class:`DiffError` when the desired state names missing things."""
    return _Builder(desired, world).build()


def affected_registries(desired: DesiredState, world: World) -> list[RegistryPosture]:
    """Registries a plan reads or changes (for the saved plan's fingerprint)."""
    names = {r.name.lower() for r in desired.registries} | {m.source.lower() for m in desired.create_cmk_registry} \
        | {m.name.lower() for m in desired.create_cmk_registry}
    return [r for r in world.estate.registries if r.name.lower() in names]


def endpoints_of(world: World, regs: list[RegistryPosture]) -> list[PrivateEndpointPosture]:
    ids = {r.id.lower() for r in regs}
    return [p for p in world.estate.private_endpoints if p.registry_id.lower() in ids]


def simulate(reg: RegistryPosture, actions: Iterable[Action]) -> RegistryPosture:
    """The registry after the plan's property changes (what the PATCH would leave)."""
    from .actions import RegistryPatch

    for a in actions:
        if isinstance(a, RegistryPatch) and a.resource_id.lower() == reg.id.lower():
            reg = a.simulate(reg)
    return reg


__all__ = ["DiffError", "IpRule", "NameCheck", "SubnetInfo", "World", "ZoneInfo", "affected_registries", "diff", "simulate"]
