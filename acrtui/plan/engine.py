"""The plan front's engine, session in hand: observe → diff → preflight → (execute). Used by the CLI and the TUI.

No printing here: callers render. Every function takes an open :class:`~acrtui.azure.session.AzureSession`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from acrtui.azure.session import AzureSession
from acrtui.azure.writes import Writer
from acrtui.domain.actions import Plan
from acrtui.domain.desired import (
    API_VERSION,
    AuditLogging,
    Cmk,
    Connection,
    DataEndpoint,
    DesiredState,
    Endpoint,
    KeyVaultSpec,
    NetworkRules,
    PolicyAssignmentSpec,
    PrivateLink,
    RegistrySpec,
)
from acrtui.domain.diff import DiffError, World, diff, encryption_principal, missing_logs, norm_rule
from acrtui.domain.models import Estate, RegistryPosture
from acrtui.domain.preflight import Finding, errors, preflight
from acrtui.errors import AcrtuiError, ExitCode

from .executor import ApplyResult, Executor, Journal
from .locations import check_locations
from .observe import IncompleteRead, observe, read_estate
from .schema import SavedPlan, fingerprint

__all__ = ["Connection", "IncompleteRead", "PlanRefused", "Planned", "StalePlan", "apply_planned", "export_state", "make_plan",
           "plan_saved"]


class PlanRefused(AcrtuiError):
    """Preflight found errors (or the diff could not resolve names): nothing was written."""

    title = "Plan refused"
    exit_code = ExitCode.FINDINGS

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class StalePlan(AcrtuiError):
    title = "Saved plan is stale"
    exit_code = ExitCode.FINDINGS


@dataclass
class Planned:
    desired: DesiredState
    world: World
    plan: Plan
    findings: list[Finding] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def blocking(self) -> list[Finding]:
        return errors(self.findings)

    def saved(self, source: str, target: str) -> SavedPlan:
        return SavedPlan.model_validate({
            "apiVersion": "acrtui/v1", "created": dt.datetime.now(dt.UTC), "source": source, "target": target,
            "fingerprint": self.fingerprint,
            "desired": self.desired.model_dump(mode="json", by_alias=True, exclude_none=True),
            "actions": [a.model_dump(mode="json") for a in self.plan.actions]})


def _open_share() -> float:
    """The firewall share the audit calls open (``audit.firewall_open_share``): the plan warns past the same line."""
    from acrtui.settings import load_settings

    return load_settings().audit.firewall_open_share


async def make_plan(session: AzureSession, desired: DesiredState, journal: Journal) -> Planned:
    """Read the world, diff, preflight. Raises IncompleteRead when something could not be read (exit 3) and
    PlanRefused when, on a complete read, names cannot be resolved (exit 1)."""
    world = await observe(session, desired, journal.imported())
    desired = world.expanded or desired  # with each migration's carried settings (acrtui.domain.migration)
    try:
        plan = diff(desired, world)
    except DiffError as exc:
        raise PlanRefused("The plan names things that do not exist:\n  " + "\n  ".join(exc.problems)) from None
    findings = preflight(plan, desired, world, open_share=_open_share()) + await check_locations(session, desired)
    return Planned(desired, world, plan, findings, fingerprint(desired, world))


async def plan_saved(session: AzureSession, saved: SavedPlan, journal: Journal) -> Planned:
    """Re-observe for a saved plan; refuse if anything it read has changed since."""
    desired = DesiredState.model_validate(saved.desired)
    world = await observe(session, desired, journal.imported())
    desired = world.expanded or desired
    now = fingerprint(desired, world)
    if now != saved.fingerprint:
        raise StalePlan(f"Something the plan read changed after it was saved ({saved.created:%Y-%m-%d %H:%M} UTC); "
                        f"applying it could undo or collide with that change. Run `acrtui plan {saved.source}` again.")
    plan = Plan(actions=saved.actions)
    findings = preflight(plan, desired, world, open_share=_open_share()) + await check_locations(session, desired)
    return Planned(desired, world, plan, findings, now)


async def apply_planned(session: AzureSession, planned: Planned, journal: Journal, *, source: str = "",
                        progress: Any = None) -> ApplyResult:
    """Execute a checked plan. Refuses (zero writes) when preflight has errors."""
    if planned.blocking:
        raise PlanRefused(f"{len(planned.blocking)} preflight error(s); nothing was changed.", planned.findings)
    if planned.plan.empty:
        return ApplyResult()
    return await Executor(Writer(session), journal, source=source, progress=progress).run(list(planned.plan.actions))


# ------------------------------------------------------------------------------------------------ export


def registry_spec(reg: RegistryPosture, estate: Estate) -> RegistrySpec:
    """Today's settings of one registry, as a plan-file entry that plans back to "No changes."."""
    premium = reg.premium
    data: dict[str, Any] = {
        "name": reg.name,
        "subscription": reg.subscription_id,
        "resource_group": reg.resource_group,
        "admin_user": reg.admin_user_enabled,
        "anonymous_pull": reg.anonymous_pull_enabled,
        "arm_audience_tokens": True if reg.arm_audience_token_enabled is None else reg.arm_audience_token_enabled,
        "public_network_access": "Disabled" if reg.public_network_access.lower() == "disabled" else "Enabled",
    }
    if premium:
        data["network_rules"] = NetworkRules(
            defaultAction="Deny" if reg.default_action.lower() == "deny" else "Allow",
            ipRules=[norm_rule(r.value) for r in reg.ip_rules],
            bypass="None" if reg.network_rule_bypass.lower() == "none" else "AzureServices")
        data["data_endpoint"] = DataEndpoint.model_validate({"enabled": reg.data_endpoint_enabled})
        data["export"] = reg.export_policy_enabled
    enc = reg.encryption
    if enc.enabled and enc.key_identifier and enc.key_name:
        vault = estate.vault_for(reg)
        ident = "system" if enc.uses_system_identity else next(
            (u.resource_id for u in reg.identity.user_assigned
             if u.client_id and enc.identity_client_id and u.client_id.lower() == enc.identity_client_id.lower()), None)
        if vault is not None and ident:
            principal, _ = encryption_principal(reg)
            granted = bool(principal and principal.lower() in vault.key_users)
            data["cmk"] = Cmk.model_validate({"keyVault": vault.id, "key": enc.key_name, "keyVersion": enc.key_version,
                                              "identity": ident, **({"keyAccess": "granted"} if granted else {})})
    endpoints = []
    for pe in estate.endpoints_for(reg):
        if not pe.subnet_id:
            continue
        ep: dict[str, Any] = {"name": pe.name, "subnet": pe.subnet_id,
                              "approval": "auto" if pe.connection_status.lower() == "approved" else "manual"}
        if pe.dns_zone_ids:
            ep["dnsZone"] = pe.dns_zone_ids[0]
            ep["linkVnets"] = [v for v in pe.zone_linked_vnets if pe.vnet_id and v.lower() == pe.vnet_id.lower()]
        endpoints.append(Endpoint.model_validate(ep))
    if endpoints:
        data["private_link"] = PrivateLink(endpoints=endpoints)
    return RegistrySpec.model_validate(data)


def export_desired(estate: Estate, names: list[str] | None = None) -> DesiredState:
    regs = [r for r in estate.registries if not names or r.name.lower() in {n.lower() for n in names}]
    ids = {r.id.lower() for r in regs}
    assignments = [
        PolicyAssignmentSpec.model_validate({
            "name": a.name, "scope": a.scope, "definition": a.definition_id, "effect": a.effect,
            "enforcementMode": a.enforcement_mode, "displayName": a.display_name})
        for a in estate.assignments if any(a.applies_to(i) for i in ids)
    ]
    vaults = []
    for v in estate.vaults:
        if not v.readable or not any(estate.vault_for(r) == v for r in regs):
            continue
        entry: dict[str, Any] = {"name": v.name, "subscription": v.subscription_id, "resourceGroup": v.resource_group,
                                 "networkBypass": "None" if v.network_bypass.lower() == "none" else "AzureServices"}
        if v.purge_protection:
            entry["purgeProtection"] = True
        ws = next((d.workspace_id for d in v.diagnostic_settings
                   if d.workspace_id and not missing_logs([d], ["AuditEvent"])), None)
        if ws:
            entry["auditLogging"] = AuditLogging(workspace=ws)
        vaults.append(KeyVaultSpec.model_validate(entry))
    return DesiredState.model_validate({
        "apiVersion": API_VERSION, "description": "Exported by acrtui: today's settings; plan it back for no changes.",
        "registries": [registry_spec(r, estate) for r in regs], "policyAssignments": assignments, "keyVaults": vaults})


async def export_state(session: AzureSession, names: list[str] | None = None) -> DesiredState:
    """Today's settings as a plan file; refused (IncompleteRead) when the estate was not read whole, since an
    export that silently drops what it could not read would plan back to changes."""
    estate = await read_estate(session)
    missing = [n for n in names or [] if estate.registry(n) is None]
    if missing:
        raise PlanRefused(f"Registry not found: {', '.join(missing)}.")
    return export_desired(estate, names)
