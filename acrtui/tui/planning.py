"""From a wizard's answers to a reviewed plan and its execution: the console's seam to the plan engine.

Wizards call the ``build_*`` functions; each returns a :class:`UiPlan` of steps with ``old -> new`` property
changes, rendered Terraform-style before anything is written, then executed step by step through the service
layer's :class:`~acrtui.azure.writes.Writer` with progress. Everything the screens need from the engine goes
through this module, so the screens do not change when the engine does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acrtui.azure.inventory import id_parts
from acrtui.azure.writes import Writer
from acrtui.domain.models import Estate, PrivateEndpointConnection, RegistryPosture
from acrtui.errors import AcrtuiError, UsageError

REGISTRY = "Microsoft.ContainerRegistry/registries"


class _KnownAfterApply:
    def __repr__(self) -> str:
        return "(known after apply)"


KNOWN_AFTER_APPLY: Any = _KnownAfterApply()
SYMBOL = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "action": "*"}
VERB = {"create": "created", "update": "updated in-place", "delete": "destroyed", "replace": "replaced",
        "action": "run"}


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any


@dataclass
class Step:
    op: str  # create | update | delete | action
    rtype: str
    name: str
    summary: str
    run: Callable[[Writer], Awaitable[Any]]
    resource_id: str | None = None
    changes: list[Change] = field(default_factory=list)
    spec: dict[str, Any] = field(default_factory=dict)  # serialisable parameters (the plan file)
    irreversible: str | None = None  # why it cannot be undone


@dataclass
class UiPlan:
    title: str
    steps: list[Step]
    registry_id: str | None = None
    warnings: list[str] = field(default_factory=list)
    confirm_name: str | None = None  # type this name to confirm (what cannot be undone)
    observed_at: dt.datetime | None = None

    @property
    def empty(self) -> bool:
        return not self.steps

    def counts(self) -> dict[str, int]:
        c = {"add": 0, "change": 0, "destroy": 0, "run": 0}
        for s in self.steps:
            c[{"create": "add", "update": "change", "delete": "destroy", "action": "run"}.get(s.op, "change")] += 1
        return c

    def render(self) -> str:
        """Terraform-style: legend, one block per resource, ``old -> new``, a closing count line."""
        if self.empty:
            return "No changes. Azure already matches what you asked for.\n"
        ops = {s.op for s in self.steps}
        lines = ["acrtui will perform the following actions:", ""]
        legend = [f"  {SYMBOL[o]} {VERB[o].replace('updated in-place', 'update in-place')}" for o in
                  ("create", "update", "delete", "action") if o in ops]
        lines = ["Resource actions are indicated with the following symbols:", *legend, "", *lines]
        for s in self.steps:
            sym = SYMBOL[s.op]
            lines.append(f"  # {s.summary}")
            if s.irreversible:
                lines.append(f"  # ! cannot be undone: {s.irreversible}")
            lines.append(f"  {sym} {s.rtype} \"{s.name}\" {{")
            if s.resource_id:
                lines.append(f"        id = {_fmt(s.resource_id)}")
            width = max((len(c.path) for c in s.changes), default=0)
            for c in s.changes:
                if s.op == "create" or (c.old is None and s.op != "update"):
                    lines.append(f"      + {c.path.ljust(width)} = {_fmt(c.new)}")
                elif s.op == "delete":
                    lines.append(f"      - {c.path.ljust(width)} = {_fmt(c.old)}")
                else:
                    lines.append(f"      ~ {c.path.ljust(width)} = {_fmt(c.old)} -> {_fmt(c.new)}")
            lines += ["    }", ""]
        n = self.counts()
        tail = f"Plan: {n['add']} to add, {n['change']} to change, {n['destroy']} to destroy."
        if n["run"]:
            tail = tail[:-1] + f", {n['run']} to run."
        lines.append(tail)
        for w in self.warnings:
            lines.append(f"Warning: {w}")
        return "\n".join(lines) + "\n"

    def to_file(self) -> dict[str, Any]:
        return {
            "version": 1,
            "kind": "acrtui-console-plan",
            "title": self.title,
            "observedAt": self.observed_at.isoformat() if self.observed_at else None,
            "steps": [{"op": s.op, "type": s.rtype, "name": s.name, "id": s.resource_id, "action": s.spec.get("action"),
                       "parameters": {k: v for k, v in s.spec.items() if k != "action"},
                       "changes": [{"path": c.path, "old": _plain(c.old), "new": _plain(c.new)} for c in s.changes]}
                      for s in self.steps],
        }

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        p.write_text(json.dumps(self.to_file(), indent=2) + "\n", encoding="utf-8")
        return p


def _plain(v: Any) -> Any:
    return "(known after apply)" if v is KNOWN_AFTER_APPLY else v


def _fmt(v: Any) -> str:
    if v is KNOWN_AFTER_APPLY:
        return "(known after apply)"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if v is None:
        return "null"
    return json.dumps(v) if isinstance(v, str) else str(v)


# --------------------------------------------------------------------------------------------- execution


@dataclass
class StepResult:
    step: Step
    status: str  # done | failed | submitted | skipped
    detail: str = ""


@dataclass
class Execution:
    results: list[StepResult] = field(default_factory=list)
    error: AcrtuiError | None = None
    cancelled_in_flight: bool = False  # a step ARM had accepted was still running when cancelled

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled_in_flight


StepProgress = Callable[[int, int, Step, str], None]  # (index, total, step, status)


async def execute(plan: UiPlan, writer: Writer, progress: StepProgress | None = None) -> Execution:
    """Run the steps in order; stop at the first failure. A cancellation mid-step is reported as still running."""
    out = Execution()
    total = len(plan.steps)
    for i, step in enumerate(plan.steps):
        if progress:
            progress(i, total, step, "running")
        try:
            await step.run(writer)
        except asyncio.CancelledError:
            out.results.append(StepResult(step, "submitted", "submitted — still running in Azure"))
            out.cancelled_in_flight = True
            if progress:
                progress(i, total, step, "submitted")
            raise
        except AcrtuiError as e:
            out.results.append(StepResult(step, "failed", e.message))
            out.error = e
            if progress:
                progress(i, total, step, "failed")
            for rest in plan.steps[i + 1:]:
                out.results.append(StepResult(rest, "skipped"))
            return out
        out.results.append(StepResult(step, "done"))
        if progress:
            progress(i + 1, total, step, "done")
    return out


# --------------------------------------------------------------------------------------------- builders


def _reg_step(reg: RegistryPosture, summary: str, changes: list[Change], props: dict[str, Any],
              action: str) -> Step:
    async def run(w: Writer) -> Any:
        return await w.update_registry(reg.id, props)

    return Step("update", REGISTRY, reg.name, summary, run, reg.id, changes, {"action": action, "properties": props})


def build_rotate_key(reg: RegistryPosture, key_identifier: str) -> UiPlan:
    """Point a CMK registry at a key id: versionless (ACR follows new versions) or a pinned version."""
    if not reg.encryption.enabled:
        raise UsageError(f"{reg.name} has no customer-managed key; use the CMK migration instead.")
    old = reg.encryption.key_identifier
    plan = UiPlan(f"Rotate the key of {reg.name}", [], reg.id)
    if (old or "").rstrip("/") == key_identifier.rstrip("/"):
        return plan

    async def run(w: Writer) -> Any:
        return await w.rotate_key(reg.id, key_identifier=key_identifier)

    changes = [Change("encryption.keyVaultProperties.keyIdentifier", old, key_identifier),
               Change("encryption.keyVaultProperties.versionedKeyIdentifier", reg.encryption.versioned_key_identifier,
                      KNOWN_AFTER_APPLY)]
    plan.steps.append(Step("update", REGISTRY, reg.name, f"registry {reg.name} will be updated in-place (RotateKey)",
                           run, reg.id, changes, {"action": "RotateKey", "keyIdentifier": key_identifier}))
    if "/keys/" in key_identifier and len(key_identifier.rstrip("/").split("/keys/")[1].split("/")) > 1:
        plan.warnings.append("a versioned key is pinned: ACR will not follow new key versions until rotated again.")
    return plan


def build_cmk_migration(src: RegistryPosture, *, name: str, resource_group: str, location: str, vault_id: str,
                        key_name: str, identity_id: str | None, versionless: bool, images: list[str]) -> UiPlan:
    """CMK is only set at creation: a new Premium CMK registry, then every chosen image imported into it."""
    sub = src.subscription_id
    target_id = f"/subscriptions/{sub}/resourceGroups/{resource_group}/providers/{REGISTRY}/{name}"
    vault = id_parts(vault_id)["name"]
    steps: list[Step] = []

    async def create(w: Writer) -> Any:
        return await w.create_cmk_registry(sub, resource_group, name, location, vault_id=vault_id, key_name=key_name,
                                           identity_id=identity_id, versionless=versionless, tags=dict(src.tags))

    if identity_id is None:
        steps.append(Step("create", "Microsoft.ManagedIdentity/userAssignedIdentities", f"id-{name}",
                          f"identity id-{name} will be created (the registry's key identity)",
                          _noop, None, [Change("location", None, location), Change("clientId", None, KNOWN_AFTER_APPLY)],
                          {"action": "CreateUserIdentity"}))
    steps.append(Step("update", "Microsoft.KeyVault/vaults", vault,
                      f"vault {vault} will grant the identity get/wrapKey/unwrapKey",
                      _noop, vault_id, [Change("accessPolicies[identity].keys", None, ["get", "wrapKey", "unwrapKey"])],
                      {"action": "GrantKeyAccess"}))
    steps.append(Step("create", REGISTRY, name, f"registry {name} will be created with a customer-managed key",
                      create, target_id,
                      [Change("sku.name", None, "Premium"), Change("location", None, location),
                       Change("encryption.status", None, "enabled"),
                       Change("encryption.keyVaultProperties.keyIdentifier", None,
                              f"https://{vault}.../keys/{key_name}" + ("" if versionless else "/<newest version>")),
                       Change("loginServer", None, KNOWN_AFTER_APPLY)],
                      {"action": "CreateCmkRegistry", "vaultId": vault_id, "keyName": key_name, "identityId": identity_id,
                       "versionless": versionless, "location": location, "resourceGroup": resource_group},
                      irreversible="customer-managed key encryption can never be disabled on the new registry"))
    for image in images:
        steps.append(Step("action", REGISTRY, name, f"image {image} will be imported from {src.name}",
                          _importer(target_id, src.id, image), target_id, [Change("source", None, f"{src.name}/{image}")],
                          {"action": "ImportImages", "source": src.id, "image": image}))
    plan = UiPlan(f"Migrate {src.name} to a new CMK registry {name}", steps, src.id, confirm_name=name)
    plan.warnings.append(f"{src.name} keeps running: move clients to the new login server, then retire it.")
    return plan


def _importer(target_id: str, source_id: str, image: str) -> Callable[[Writer], Awaitable[Any]]:
    async def run(w: Writer) -> Any:
        return await w.import_images(target_id, source_id, [image])

    return run


async def _noop(w: Writer) -> None:
    """Done as part of the registry creation step (the writer creates identity, access and key in order)."""


def build_private_endpoint(reg: RegistryPosture, *, subnet_id: str, vnet_id: str, location: str, name: str,
                           resource_group: str, manual: bool, zone_id: str | None, zone_linked: bool,
                           dns: bool = True) -> UiPlan:
    sub = id_parts(subnet_id)["subscription"]
    pe_id = f"/subscriptions/{sub}/resourceGroups/{resource_group}/providers/Microsoft.Network/privateEndpoints/{name}"
    state: dict[str, str] = {}
    steps: list[Step] = []

    async def create_pe(w: Writer) -> Any:
        return await w.create_private_endpoint(sub, resource_group, name, location, subnet_id=subnet_id,
                                               registry_id=reg.id, manual=manual,
                                               request_message="Requested from acrtui" if manual else None)

    conn = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    steps.append(Step("create", "Microsoft.Network/privateEndpoints", name,
                      f"private endpoint {name} will be created ({'manual approval' if manual else 'auto-approved'})",
                      create_pe, pe_id,
                      [Change("subnet.id", None, subnet_id), Change(f"{conn}[0].groupIds", None, ["registry"]),
                       Change("customNetworkInterfaceIps", None, KNOWN_AFTER_APPLY)],
                      {"action": "CreatePrivateEndpoint", "subnetId": subnet_id, "manual": manual}))
    if not reg.data_endpoint_enabled:
        steps.append(Step("update", REGISTRY, reg.name, f"registry {reg.name}: Azure turns on data endpoints itself",
                          _noop, reg.id, [Change("dataEndpointEnabled", False, True)], {"action": "Observe"}))
    if dns:
        zone_name = "privatelink.azurecr.io"
        if zone_id is None:
            zone_id_new = (f"/subscriptions/{sub}/resourceGroups/{resource_group}/providers/Microsoft.Network/"
                           f"privateDnsZones/{zone_name}")

            async def create_zone(w: Writer) -> Any:
                state["zone"] = await w.create_dns_zone(sub, resource_group)
                return state["zone"]

            steps.append(Step("create", "Microsoft.Network/privateDnsZones", zone_name,
                              f"private DNS zone {zone_name} will be created", create_zone, zone_id_new,
                              [Change("location", None, "global")], {"action": "CreateDnsZone"}))
        else:
            state["zone"] = zone_id
        if not zone_linked:
            vnet = id_parts(vnet_id)["name"]

            async def link(w: Writer) -> Any:
                return await w.link_dns_zone(state["zone"], vnet_id)

            steps.append(Step("create", "Microsoft.Network/privateDnsZones/virtualNetworkLinks", f"link-{vnet}",
                              f"the zone will be linked to VNet {vnet}", link, None,
                              [Change("virtualNetwork.id", None, vnet_id), Change("registrationEnabled", None, False)],
                              {"action": "LinkPrivateDnsZone", "vnetId": vnet_id}))

        async def group(w: Writer) -> Any:
            return await w.create_zone_group(pe_id, state["zone"])

        records = [reg.login_server, *reg.expected_data_host_names()]
        steps.append(Step("create", "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", f"{name}/default",
                          "a DNS zone group will manage the A records", group, None,
                          [Change(f"A {r}", None, KNOWN_AFTER_APPLY) for r in records],
                          {"action": "CreateDnsZoneGroup"}))
    plan = UiPlan(f"Private endpoint for {reg.name}", steps, reg.id)
    if manual:
        plan.warnings.append("the connection stays Pending until an owner of the registry approves it.")
    return plan


def build_connection_state(reg: RegistryPosture, conn: PrivateEndpointConnection, status: str) -> UiPlan:
    async def run(w: Writer) -> Any:
        return await w.set_connection_state(reg.id, conn.name, status, f"{status} from acrtui")

    plan = UiPlan(f"{status} {conn.name}", [], reg.id)
    if conn.status.lower() == status.lower():
        return plan
    plan.steps.append(Step("update", f"{REGISTRY}/privateEndpointConnections", conn.name,
                           f"connection {conn.name} on {reg.name} will be {status.lower()}", run, conn.id,
                           [Change("privateLinkServiceConnectionState.status", conn.status, status)],
                           {"action": "SetConnectionState", "status": status}))
    return plan


def build_data_endpoint(reg: RegistryPosture, enabled: bool) -> UiPlan:
    plan = UiPlan(f"Data endpoints on {reg.name}", [], reg.id)
    if reg.data_endpoint_enabled == enabled:
        return plan
    changes = [Change("dataEndpointEnabled", reg.data_endpoint_enabled, enabled)]
    if enabled:
        changes.append(Change("dataEndpointHostNames", reg.data_endpoint_host_names, reg.expected_data_host_names()))
    plan.steps.append(_reg_step(reg, f"registry {reg.name} will be updated in-place (data endpoints)", changes,
                                {"dataEndpointEnabled": enabled}, "SetDataEndpoint"))
    if enabled:
        plan.warnings.append("clients must allow " + ", ".join([reg.login_server, *reg.expected_data_host_names()])
                             + " on 443 before this is applied, or pulls break.")
    return plan


def has_private_path(estate: Estate, reg: RegistryPosture) -> bool:
    return bool(reg.approved_connections) or any(
        p.connection_status.lower() == "approved" for p in estate.endpoints_for(reg))


def build_firewall(estate: Estate, reg: RegistryPosture, *, public_access: bool, default_action: str,
                   ip_rules: list[str], trusted_services: bool) -> UiPlan:
    props: dict[str, Any] = {}
    changes: list[Change] = []
    want_pna = "Enabled" if public_access else "Disabled"
    if reg.public_network_access.lower() != want_pna.lower():
        props["publicNetworkAccess"] = want_pna
        changes.append(Change("publicNetworkAccess", reg.public_network_access, want_pna))
    old_rules = [r.value for r in reg.ip_rules]
    if reg.default_action.lower() != default_action.lower() or old_rules != ip_rules:
        props["networkRuleSet"] = {"defaultAction": default_action,
                                   "ipRules": [{"action": "Allow", "value": v} for v in ip_rules]}
        if reg.default_action.lower() != default_action.lower():
            changes.append(Change("networkRuleSet.defaultAction", reg.default_action, default_action))
        if old_rules != ip_rules:
            changes.append(Change("networkRuleSet.ipRules", old_rules, ip_rules))
    want_bypass = "AzureServices" if trusted_services else "None"
    if reg.network_rule_bypass.lower() != want_bypass.lower():
        props["networkRuleBypassOptions"] = want_bypass
        changes.append(Change("networkRuleBypassOptions", reg.network_rule_bypass, want_bypass))
    plan = UiPlan(f"Firewall of {reg.name}", [], reg.id)
    if not props:
        return plan
    plan.steps.append(_reg_step(reg, f"registry {reg.name} will be updated in-place (network)", changes, props,
                                "SetNetworkAccess"))
    plan.warnings += lockout_warnings(estate, reg, public_access=public_access, default_action=default_action,
                                      ip_rules=ip_rules)
    return plan


def lockout_warnings(estate: Estate, reg: RegistryPosture, *, public_access: bool, default_action: str,
                     ip_rules: list[str]) -> list[str]:
    """The top complaint: closing the registry to everyone who manages it from outside its VNet."""
    out = []
    private = has_private_path(estate, reg)
    if not public_access and not private:
        out.append(f"{reg.name} has no approved private endpoint: disabling public access locks everyone out of "
                   "the data plane (push, pull, list). Create a private endpoint first.")
    elif not public_access:
        out.append("public access off overrides IP rules: only clients inside a VNet with the private endpoint "
                   "(and its DNS) can reach the registry.")
    if public_access and default_action.lower() == "deny" and not ip_rules and not private:
        out.append("default action Deny with no IP rule and no private endpoint admits no client at all.")
    return out


def build_auth(reg: RegistryPosture, *, admin_user: bool, anonymous_pull: bool, arm_audience_tokens: bool,
               export: bool) -> UiPlan:
    props: dict[str, Any] = {}
    changes: list[Change] = []
    if reg.admin_user_enabled != admin_user:
        props["adminUserEnabled"] = admin_user
        changes.append(Change("adminUserEnabled", reg.admin_user_enabled, admin_user))
    if reg.anonymous_pull_enabled != anonymous_pull:
        props["anonymousPullEnabled"] = anonymous_pull
        changes.append(Change("anonymousPullEnabled", reg.anonymous_pull_enabled, anonymous_pull))
    policies: dict[str, Any] = {}
    current_arm = reg.arm_audience_token_enabled if reg.arm_audience_token_enabled is not None else True
    if current_arm != arm_audience_tokens:
        policies["azureADAuthenticationAsArmPolicy"] = {"status": "enabled" if arm_audience_tokens else "disabled"}
        changes.append(Change("policies.azureADAuthenticationAsArmPolicy.status",
                              "enabled" if current_arm else "disabled", "enabled" if arm_audience_tokens else "disabled"))
    if reg.export_policy_enabled != export:
        policies["exportPolicy"] = {"status": "enabled" if export else "disabled"}
        changes.append(Change("policies.exportPolicy.status", "enabled" if reg.export_policy_enabled else "disabled",
                              "enabled" if export else "disabled"))
    if policies:
        props["policies"] = policies
    plan = UiPlan(f"Authentication settings of {reg.name}", [], reg.id)
    if props:
        plan.steps.append(_reg_step(reg, f"registry {reg.name} will be updated in-place (authentication)", changes,
                                    props, "SetAuthSettings"))
    return plan


def build_policy_assignment(*, scope: str, definition_id: str, display_name: str, effect: str,
                            name: str, enforce: bool = True) -> UiPlan:
    aid = f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}"

    async def run(w: Writer) -> Any:
        return await w.assign_policy(scope, name, definition_id, effect=effect, display_name=display_name,
                                     enforcement_mode="Default" if enforce else "DoNotEnforce",
                                     non_compliance_message=f"{display_name} (assigned from acrtui)")

    step = Step("create", "Microsoft.Authorization/policyAssignments", name,
                f"policy assignment {name} will be created", run, aid,
                [Change("scope", None, scope), Change("policyDefinitionId", None, definition_id),
                 Change("parameters.effect", None, effect),
                 Change("enforcementMode", None, "Default" if enforce else "DoNotEnforce")],
                {"action": "AssignPolicy", "scope": scope, "definitionId": definition_id, "effect": effect})
    plan = UiPlan(f"Assign '{display_name}'", [step])
    if effect.lower() == "deny":
        plan.warnings.append("Deny refuses every future write that leaves a registry non-compliant, including "
                             "unrelated changes to it.")
    return plan
