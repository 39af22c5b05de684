"""What a CMK migration carries from its source, and what it cannot. Pure.

A migration (``createCmkRegistry``) makes a new registry; without the source's hardening it would come up open (no
private endpoint, public access on, one region). :func:`expand` turns ``copySettings: true`` (the default) into the
plan file's own blocks for the new registry — a ``registries:`` entry and ``policyAssignments:`` at its scope — so
the plan file and the console's wizard get the same plan from the same code, and a second run compares the new
registry with the source's settings ("No changes" once it holds them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .actions import AssignPolicy, CreateCmkRegistry, ImportImages, Plan, StartRemediation, name_of
from .desired import CmkMigration, DesiredState, Operator, PolicyAssignmentSpec, RegistrySpec
from .models import Estate, PrivateEndpointPosture, RegistryDetails, RegistryPosture

if TYPE_CHECKING:
    from .diff import World
    from .preflight import Finding

# the source's sub-resources a migration does not copy (recreated by hand): what, the read that lists them (the
# inventory's gap names, acrtui/azure/registry_details.py), the `az acr` command group that lists them
NOT_CARRIED = (("webhooks", ("webhooks",), "webhook"), ("tokens", ("tokens",), "token"),
               ("scope maps", ("scope maps",), "scope-map"), ("cache rules", ("cache rules",), "cache"),
               ("credential sets", ("credential sets",), "credential-set"),
               ("connected registries", ("connected registries",), "connected-registry"))
REMEDIATING_EFFECTS = ("modify", "deployifnotexists")


def target_id(m: CmkMigration, source: RegistryPosture) -> str:
    return (f"/subscriptions/{m.subscription or source.subscription_id}/resourceGroups/"
            f"{m.resource_group or source.resource_group}/providers/Microsoft.ContainerRegistry/registries/{m.name}")


def endpoint_vnet(ep: PrivateEndpointPosture) -> str | None:
    if ep.vnet_id:
        return ep.vnet_id
    return ep.subnet_id.rsplit("/subnets/", 1)[0] if ep.subnet_id else None


def source_endpoints(estate: Estate, source: RegistryPosture) -> dict[str, PrivateEndpointPosture]:
    """One private endpoint of the source per VNet (VNet id lower → endpoint), approved ones first."""
    out: dict[str, PrivateEndpointPosture] = {}
    eps = sorted(estate.endpoints_for(source), key=lambda p: (p.connection_status.lower() != "approved", p.name))
    for ep in eps:
        vnet = endpoint_vnet(ep)
        if ep.subnet_id and vnet and vnet.lower() not in out:
            out[vnet.lower()] = ep
    return out


def private_path(operator: Operator, estate: Estate, source: RegistryPosture) -> bool:
    """The operator said they work from a VNet the new registry gets a private endpoint in."""
    nets = {n.lower() for n in operator.networks}
    return bool(nets & set(source_endpoints(estate, source)))


def carried_settings(m: CmkMigration, source: RegistryPosture, estate: Estate, operator: Operator) -> dict[str, Any]:
    """The new registry's ``registries:`` entry (plan-file keys) that gives it the source's hardening.

    Public access is turned off only when the operator has a private path to the new registry: otherwise the
    imports' digest check could not read it, so it stays on (with the source's firewall rules) and the cut-over
    checklist says when to turn it off. Export off needs public access off (Azure refuses it otherwise).
    """
    spec: dict[str, Any] = {
        "name": m.name, "subscription": m.subscription or source.subscription_id,
        "resourceGroup": m.resource_group or source.resource_group,
        "networkRules": {"defaultAction": source.default_action if source.default_action in ("Allow", "Deny")
                         else "Allow", "ipRules": [r.value for r in source.ip_rules],
                         "bypass": "None" if source.network_rule_bypass.lower() == "none" else "AzureServices"},
        "adminUser": source.admin_user_enabled, "anonymousPull": source.anonymous_pull_enabled,
        "armAudienceTokens": source.arm_audience_token_enabled is not False,
    }
    here = (m.location or source.location).lower()
    replicas = [r for r in source.regions if r.lower() != here]
    if replicas:
        spec["replicas"] = replicas
    if source.data_endpoint_enabled:
        # the new registry has no clients yet: nothing to allowlist before they move (the checklist says so)
        spec["dataEndpoint"] = {"enabled": True, "clientAllowlistAcknowledged": True}
    eps = source_endpoints(estate, source)
    if eps:
        many = len(eps) > 1
        spec["privateLink"] = {"endpoints": [
            {"name": f"pe-{m.name}" + (f"-{name_of(vnet)}"[:40] if many else ""), "subnet": ep.subnet_id,
             "resourceGroup": ep.id.split("/")[4] if len(ep.id.split("/")) > 4 else None,
             **({"dnsZone": ep.dns_zone_ids[0]} if ep.dns_zone_ids else {})}
            for vnet, ep in sorted(eps.items())]}
    public_off = source.public_network_access.lower() == "disabled"
    if not public_off:
        spec["publicNetworkAccess"] = "Enabled"
        spec["export"] = source.export_policy_enabled
    elif private_path(operator, estate, source):
        spec["publicNetworkAccess"] = "Disabled"
        spec["export"] = source.export_policy_enabled
    elif source.export_policy_enabled:
        spec["export"] = True
    return spec


def carried_assignments(m: CmkMigration, source: RegistryPosture, estate: Estate) -> list[PolicyAssignmentSpec]:
    """The policy assignments made at the source registry's own scope, made again at the new registry's."""
    tid = target_id(m, source)
    out = []
    for a in estate.assignments:
        if a.scope.lower().rstrip("/") != source.id.lower():
            continue
        out.append(PolicyAssignmentSpec.model_validate({
            "name": a.name, "scope": tid, "definition": a.definition_id, "effect": a.effect,
            "enforcementMode": a.enforcement_mode, "displayName": a.display_name}))
    return out


def _merge(carried: dict[str, Any], explicit: RegistrySpec | None) -> dict[str, Any]:
    """The operator's own entry for the new registry wins, setting by setting."""
    if explicit is None:
        return carried
    mine = explicit.model_dump(by_alias=True, exclude_none=True, exclude_unset=True)
    return {**carried, **mine}


def expand(desired: DesiredState, estate: Estate) -> DesiredState:
    """``desired`` with each ``copySettings`` migration's carried settings written out (idempotent)."""
    regs = list(desired.registries)
    assigns = list(desired.policy_assignments)
    changed = False
    for m in desired.create_cmk_registry:
        source = estate.registry(m.source)
        if not m.copy_settings or source is None:
            continue
        i = next((k for k, r in enumerate(regs) if r.name.lower() == m.name.lower()), None)
        merged = RegistrySpec.model_validate(_merge(carried_settings(m, source, estate, desired.operator),
                                                    regs[i] if i is not None else None))
        if i is None:
            regs.append(merged)
        else:
            regs[i] = merged
        have = {a.assignment_id.lower() for a in assigns}
        assigns += [a for a in carried_assignments(m, source, estate) if a.assignment_id.lower() not in have]
        changed = True
    if not changed:
        return desired
    return desired.model_copy(update={"registries": regs, "policy_assignments": assigns})


def checklist(m: CmkMigration, source: RegistryPosture | None, estate: Estate, operator: Operator) -> list[str]:
    """The cut-over steps acrtui cannot do for this migration, in order."""
    out = []
    src = m.source
    if not m.copy_settings:
        out.append(f"copySettings is off: {m.name} gets none of {src}'s network, authentication or policy settings.")
    out.append(not_carried(m, source, estate))
    if source is not None and m.copy_settings and source.public_network_access.lower() == "disabled" \
            and not private_path(operator, estate, source):
        off = "public access and exports" if not source.export_policy_enabled else "public access"
        out.append(f"{src} has public access off, and you have no private path to {m.name} (no operator network "
                   f"in a VNet it gets a private endpoint in): {m.name} keeps public access on so the imports can "
                   f"be checked. Once every tag is verified and clients use the private endpoint, turn {off} off "
                   f"on {m.name} (console: press f on {m.name}; plan file: publicNetworkAccess: Disabled).")
    out.append(f"Move clients to {m.name}'s login server (and allow its data endpoints), then retire {src}.")
    return out


def _names(details: RegistryDetails, what: str) -> list[str]:
    if what == "webhooks":
        return [w.name for w in details.webhooks]
    if what == "tokens":
        return [t.name for t in details.tokens]
    if what == "scope maps":  # the system-defined ones exist on every registry: nothing to recreate
        return [m.name for m in details.scope_maps if not m.system_defined]
    if what == "cache rules":
        return [f"{c.name} ({c.source_repository} → {c.target_repository})" for c in details.cache_rules]
    if what == "credential sets":
        return [c.name for c in details.credential_sets]
    return [c.name for c in details.connected_registries]


def not_carried(m: CmkMigration, source: RegistryPosture | None, estate: Estate) -> str:
    """The source's own sub-resources, by name, that the new registry does not get; one that could not be read
    says so (never "none"). Tasks are not read by acrtui: the line says to look."""
    src = m.source
    parts = []
    for what, reads, cmd in NOT_CARRIED:
        failed = [g for g in (estate.gaps_for(source) if source is not None else [])
                  if any(g.what.lower().startswith(f"{r} of ") for r in reads)]
        if source is None or source.details is None or failed:
            why = f" ({failed[0].message})" if failed and failed[0].message else ""
            parts.append(f"{what}: UNREAD{why} — check az acr {cmd} list --registry {src}")
        elif what == "connected registries" and not source.premium:
            continue  # only Premium registries have them (not asked of others)
        else:
            names = _names(source.details, what)
            parts.append(f"{what}: " + (", ".join(names) if names else "none"))
    parts.append(f"tasks: not read by acrtui — check az acr task list --registry {src}")
    return f"Not carried to {m.name}, recreate by hand if still needed — " + "; ".join(parts) + "."


def needs_remediation_identity(effect: str | None) -> bool:
    return (effect or "").lower() in REMEDIATING_EFFECTS


def definition_roles(defn: dict[str, Any] | None) -> list[str] | None:
    """``policyRule.then.details.roleDefinitionIds`` of a definition body (ARM or bare); None when unreadable."""
    if not isinstance(defn, dict):
        return None
    props = defn.get("properties", defn)
    rule = props.get("policyRule") if isinstance(props, dict) else None
    then = rule.get("then") if isinstance(rule, dict) else None
    details = then.get("details") if isinstance(then, dict) else None
    roles = details.get("roleDefinitionIds") if isinstance(details, dict) else None
    return [str(r) for r in roles] if isinstance(roles, list) else []


def _effect(a: AssignPolicy, defn: dict[str, Any] | None) -> str | None:
    if a.effect:
        return a.effect
    props = (defn or {}).get("properties", defn or {})
    spec = ((props or {}).get("parameters") or {}).get("effect") or {}
    default = spec.get("defaultValue") if isinstance(spec, dict) else None
    return str(default) if default else None


def preflight_rules(plan: Plan, desired: DesiredState, world: World) -> list[Finding]:
    """Policy identities get exactly the definition's roles (none named: refused); a remediation needs a
    Modify / DeployIfNotExists assignment; each migration still to run shows its cut-over checklist."""
    from .preflight import Finding

    out: list[Finding] = []
    effects: dict[str, str | None] = {}
    for a in assigns(plan):
        defn = world.definition(a.definition_id)
        eff = _effect(a, defn)
        effects[a.resource_id.lower()] = eff
        if a.location and needs_remediation_identity(eff) and defn is not None and not a.role_definition_ids:
            out.append(Finding(
                "error", a.name, f"The definition {name_of(a.definition_id)} names no roles (policyRule.then.details."
                "roleDefinitionIds): the assignment's managed identity would have no right to change resources, and "
                "acrtui never grants a default role.",
                "Use a definition that names the roles its remediation needs, or assign it as Audit.", a.key))
    for r in plan.actions:
        if isinstance(r, StartRemediation):
            eff = effects.get(r.assignment_id.lower())
            if eff is not None and not needs_remediation_identity(eff):
                out.append(Finding(
                    "error", r.name, f"Only Modify and DeployIfNotExists assignments can be remediated; "
                    f"{name_of(r.assignment_id)} has effect {eff}.",
                    "Leave remediate out, or choose a Modify / DeployIfNotExists effect.", r.key))
    for m in desired.create_cmk_registry:
        source = world.estate.registry(m.source)
        if migration_actions(plan, m, source):
            steps = checklist(m, source, world.estate, desired.operator)
            out.append(Finding("warning", m.name, "Cut-over checklist: " + steps[0],
                               " ".join(f"({i}) {s}" for i, s in enumerate(steps[1:], 1)) or "-"))
    return out


def migration_actions(plan: Plan, m: CmkMigration, source: RegistryPosture | None) -> bool:
    """The plan still creates or fills this migration's registry (its checklist is worth showing)."""
    tid = target_id(m, source).lower() if source else None
    return any(isinstance(a, CreateCmkRegistry | ImportImages) and (tid is None or a.resource_id.lower() == tid)
               for a in plan.actions)


def assigns(plan: Plan) -> list[AssignPolicy]:
    return [a for a in plan.actions if isinstance(a, AssignPolicy)]
