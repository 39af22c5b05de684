"""Actions: the typed, small, serialisable steps every front produces and the one executor runs.

Each action names the resource it acts on, says what it does for a person (``describe``), lists its property
changes old → new (``changes``), gives the ``az`` CLI equivalent and the keys of the actions it waits for. A list
of them is a :class:`Plan`; a saved plan is its JSON. Registry property actions also know the ARM PATCH fragment
they send and how they change an observed registry, so preflight can simulate them without Azure.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .models import RegistryPosture, normalise_key_id

KNOWN_AFTER_APPLY = "(known after apply)"
Op = Literal["create", "update", "delete", "replace"]


@dataclass(frozen=True)
class Change:
    """One property: ``old`` is None for a create, ``new`` may be :data:`KNOWN_AFTER_APPLY`."""

    path: str
    old: Any
    new: Any


def name_of(rid: str) -> str:
    return rid.rstrip("/").rsplit("/", 1)[-1]


def group_of(rid: str) -> str:
    parts = rid.strip("/").split("/")
    low = [p.lower() for p in parts]
    return parts[low.index("resourcegroups") + 1] if "resourcegroups" in low else ""


def sub_of(rid: str) -> str:
    parts = rid.strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0].lower() == "subscriptions" else ""


def _q(v: str) -> str:
    """Bash-safe: names and ids pass through unchanged unless they hold shell characters."""
    return shlex.quote(str(v))


def at(rid: str, *, group: bool = True) -> str:
    """`` --resource-group RG --subscription SUB`` for az commands that take a bare name: without the subscription
    the CLI looks in its default subscription, which is often another one of the estate's."""
    rg, sub = group_of(rid), sub_of(rid)
    return (f" --resource-group {_q(rg)}" if rg and group else "") + (f" --subscription {_q(sub)}" if sub else "")


PRINCIPAL_VAR = "principal_id"
KEY_ARM_API = "2023-07-01"  # a GA Microsoft.KeyVault api-version with the vaults/keys ARM API


def _onoff(b: bool) -> str:
    return "true" if b else "false"


class Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    resource_id: str
    depends_on: list[str] = Field(default_factory=list)

    op: Op = "update"
    resource_type: str = "Microsoft.ContainerRegistry/registries"

    @property
    def key(self) -> str:
        """Unique within a plan; what ``depends_on`` refers to."""
        return f"{self.kind}:{self.resource_id.lower()}"

    @property
    def name(self) -> str:
        return name_of(self.resource_id)

    @property
    def where(self) -> str:
        """``--resource-group … --subscription …`` for az commands that take a bare name."""
        return at(self.resource_id)

    @property
    def operation(self) -> str:
        """What the action does, as the journal records it. ``kind`` names the type in plan files and saved plans
        (kept loadable); for a switch it names the setting, not the direction, so switches override this."""
        return self.kind

    def describe(self) -> str:
        raise NotImplementedError

    def changes(self) -> list[Change]:
        return []

    def az(self) -> list[str]:
        raise NotImplementedError


# ------------------------------------------------------------------------------------------- registry properties


class RegistryPatch(Action):
    """A registry property change, sent as (part of) one ARM PATCH."""

    def patch(self) -> dict[str, Any]:
        raise NotImplementedError

    def simulate(self, reg: RegistryPosture) -> RegistryPosture:
        raise NotImplementedError


class SetPublicNetworkAccess(RegistryPatch):
    kind: Literal["SetPublicNetworkAccess"] = "SetPublicNetworkAccess"
    old: str
    new: Literal["Enabled", "Disabled"]

    @property
    def operation(self) -> str:
        return f"{'Enable' if self.new == 'Enabled' else 'Disable'}PublicNetworkAccess"

    def describe(self) -> str:
        return f"{'Enable' if self.new == 'Enabled' else 'Disable'} public network access on {self.name}"

    def changes(self) -> list[Change]:
        return [Change("publicNetworkAccess", self.old, self.new)]

    def patch(self) -> dict[str, Any]:
        return {"publicNetworkAccess": self.new}

    def simulate(self, reg: RegistryPosture) -> RegistryPosture:
        return reg.model_copy(update={"public_network_access": self.new})

    def az(self) -> list[str]:
        """Off through ``az resource update``: ``az acr update --public-network-enabled false`` also replaces the
        firewall with default action Deny and no IP rules, which acrtui does not do."""
        if self.new == "Enabled":
            return [f"az acr update --name {_q(self.name)}{self.where} --public-network-enabled true"]
        return [f"az resource update --ids {_q(self.resource_id)} --set properties.publicNetworkAccess=Disabled"]


class SetNetworkRules(RegistryPatch):
    kind: Literal["SetNetworkRules"] = "SetNetworkRules"
    old_default_action: str
    new_default_action: str
    old_ip_rules: list[str]
    new_ip_rules: list[str]
    old_bypass: str
    new_bypass: str

    def _rules_changed(self) -> bool:
        return self.old_default_action != self.new_default_action or self.old_ip_rules != self.new_ip_rules

    def describe(self) -> str:
        bits = []
        if self.old_default_action != self.new_default_action:
            bits.append(f"default action {self.new_default_action}")
        added = [r for r in self.new_ip_rules if r not in self.old_ip_rules]
        removed = [r for r in self.old_ip_rules if r not in self.new_ip_rules]
        if added:
            bits.append("allow " + ", ".join(added))
        if removed:
            bits.append("stop allowing " + ", ".join(removed))
        if self.old_bypass != self.new_bypass:
            bits.append("trusted Azure services " + ("allowed" if self.new_bypass == "AzureServices" else "blocked"))
        return f"Set the firewall of {self.name}: " + "; ".join(bits or ["reorder rules"])

    def changes(self) -> list[Change]:
        out = []
        if self.old_default_action != self.new_default_action:
            out.append(Change("networkRuleSet.defaultAction", self.old_default_action, self.new_default_action))
        if self.old_ip_rules != self.new_ip_rules:
            out.append(Change("networkRuleSet.ipRules", self.old_ip_rules, self.new_ip_rules))
        if self.old_bypass != self.new_bypass:
            out.append(Change("networkRuleBypassOptions", self.old_bypass, self.new_bypass))
        return out

    def patch(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self._rules_changed():  # ARM replaces networkRuleSet whole: always send both parts
            out["networkRuleSet"] = {"defaultAction": self.new_default_action,
                                     "ipRules": [{"action": "Allow", "value": v} for v in self.new_ip_rules]}
        if self.old_bypass != self.new_bypass:
            out["networkRuleBypassOptions"] = self.new_bypass
        return out

    def simulate(self, reg: RegistryPosture) -> RegistryPosture:
        from .models import IpRule

        return reg.model_copy(update={"default_action": self.new_default_action,
                                      "ip_rules": [IpRule(value=v) for v in self.new_ip_rules],
                                      "network_rule_bypass": self.new_bypass})

    def az(self) -> list[str]:
        """Default action first: ``az acr update --default-action`` sends a networkRuleSet without ipRules, which
        replaces the registry's rules with none, so every wanted rule is added after it."""
        out = []
        reg = f"--name {_q(self.name)}{self.where}"
        adds = [r for r in self.new_ip_rules if r not in self.old_ip_rules]
        removes = [r for r in self.old_ip_rules if r not in self.new_ip_rules]
        if self.old_default_action != self.new_default_action:
            out.append(f"az acr update {reg} --default-action {_q(self.new_default_action)}")
            adds, removes = list(self.new_ip_rules), []
        out += [f"az acr network-rule add {reg} --ip-address {_q(r)}" for r in adds]
        out += [f"az acr network-rule remove {reg} --ip-address {_q(r)}" for r in removes]
        if self.old_bypass != self.new_bypass:
            out.append(f"az acr update {reg} --allow-trusted-services {_onoff(self.new_bypass == 'AzureServices')}")
        return out


class _Flag(RegistryPatch):
    old: bool | None
    new: bool
    _field: ClassVar[str] = ""
    _arm: ClassVar[str] = ""
    _what: ClassVar[str] = ""
    _az: ClassVar[str] = ""

    @property
    def operation(self) -> str:
        """``DisableDataEndpoint`` for ``EnableDataEndpoint`` with ``new: false``; ``EnableAdminUser`` for
        ``SetAdminUser`` with ``new: true``."""
        setting = self.kind.removeprefix("Enable") if self.kind.startswith("Enable") else self.kind.removeprefix("Set")
        return f"{'Enable' if self.new else 'Disable'}{setting}"

    def describe(self) -> str:
        return f"{'Enable' if self.new else 'Disable'} {self._what} on {self.name}"

    def changes(self) -> list[Change]:
        return [Change(self._arm, self.old, self.new)]

    def simulate(self, reg: RegistryPosture) -> RegistryPosture:
        return reg.model_copy(update={self._field: self.new})

    def patch(self) -> dict[str, Any]:
        """A top-level registry property; flags under ``policies`` override this."""
        return {self._arm: self.new}

    def az(self) -> list[str]:
        return [f"az acr update --name {_q(self.name)}{self.where} {self._az} {_onoff(self.new)}"]


class EnableDataEndpoint(_Flag):
    kind: Literal["EnableDataEndpoint"] = "EnableDataEndpoint"
    _field = "data_endpoint_enabled"
    _arm = "dataEndpointEnabled"
    _what = "dedicated data endpoints"
    _az = "--data-endpoint-enabled"

    def changes(self) -> list[Change]:
        out = [Change("dataEndpointEnabled", self.old, self.new)]
        if self.new:
            out.append(Change("dataEndpointHostNames", None, KNOWN_AFTER_APPLY))
        return out


class SetAdminUser(_Flag):
    kind: Literal["SetAdminUser"] = "SetAdminUser"
    _field = "admin_user_enabled"
    _arm = "adminUserEnabled"
    _what = "the admin user"
    _az = "--admin-enabled"


class SetAnonymousPull(_Flag):
    kind: Literal["SetAnonymousPull"] = "SetAnonymousPull"
    _field = "anonymous_pull_enabled"
    _arm = "anonymousPullEnabled"
    _what = "anonymous pull"
    _az = "--anonymous-pull-enabled"


class SetExportPolicy(_Flag):
    kind: Literal["SetExportPolicy"] = "SetExportPolicy"
    _field = "export_policy_enabled"
    _arm = "policies.exportPolicy.status"
    _what = "image export"
    _az = "--allow-exports"
    # a migration from a source with exports disabled opens them for its imports ("open") and closes them after
    # ("close"): two steps on one registry, told apart by their key
    window: str | None = None

    @property
    def key(self) -> str:
        return super().key + (f"#{self.window}" if self.window else "")

    def describe(self) -> str:
        if self.window == "open":
            return f"Enable image export on {self.name} for the migration's imports (disabled again after them)"
        if self.window == "close":
            return f"Disable image export on {self.name} again (the imports are done)"
        return super().describe()

    def changes(self) -> list[Change]:
        old = None if self.old is None else ("enabled" if self.old else "disabled")
        return [Change(self._arm, old, "enabled" if self.new else "disabled")]

    def patch(self) -> dict[str, Any]:
        return {"policies": {"exportPolicy": {"status": "enabled" if self.new else "disabled"}}}


class SetArmAudienceTokens(_Flag):
    kind: Literal["SetArmAudienceTokens"] = "SetArmAudienceTokens"
    _field = "arm_audience_token_enabled"
    _arm = "policies.azureADAuthenticationAsArmPolicy.status"
    _what = "ARM audience tokens"

    def changes(self) -> list[Change]:
        old = None if self.old is None else ("enabled" if self.old else "disabled")
        return [Change(self._arm, old, "enabled" if self.new else "disabled")]

    def patch(self) -> dict[str, Any]:
        return {"policies": {"azureADAuthenticationAsArmPolicy": {"status": "enabled" if self.new else "disabled"}}}

    def az(self) -> list[str]:
        return [f"az acr config authentication-as-arm update --registry {_q(self.name)}{self.where} "
                f"--status {'enabled' if self.new else 'disabled'}"]


# ------------------------------------------------------------------------------------------------ private link


class CreatePrivateEndpoint(Action):
    kind: Literal["CreatePrivateEndpoint"] = "CreatePrivateEndpoint"
    op: Op = "create"
    resource_type: str = "Microsoft.Network/privateEndpoints"
    registry_id: str
    subnet_id: str
    location: str
    manual: bool = False
    request_message: str | None = None  # what the approver reads on a manual (Pending) connection
    ip_count: int = 2  # login server + one per region
    static_ips: dict[str, str] = Field(default_factory=dict)  # member name -> fixed private IP (optional)

    def describe(self) -> str:
        how = "waiting for manual approval" if self.manual else "auto-approved"
        return (f"Create private endpoint {self.name} for {name_of(self.registry_id)} in subnet "
                f"{name_of(self.subnet_id)} ({how}; turns on dedicated data endpoints)")

    def changes(self) -> list[Change]:
        return [Change("location", None, self.location), Change("subnet.id", None, self.subnet_id),
                Change("privateLinkServiceId", None, self.registry_id), Change("groupIds", None, ["registry"]),
                Change("connection", None, "manual (Pending)" if self.manual else "automatic (Approved)"),
                *([Change("requestMessage", None, self.request_message)] if self.manual and self.request_message
                  else []),
                Change("privateIPAddresses", None, dict(self.static_ips) if self.static_ips else KNOWN_AFTER_APPLY)]

    def az(self) -> list[str]:
        manual = " --manual-request true" if self.manual else ""
        if self.manual and self.request_message:
            manual += f" --request-message {_q(self.request_message)}"
        return [f"az network private-endpoint create --name {_q(self.name)}{self.where} --location {_q(self.location)} "
                f"--subnet {_q(self.subnet_id)} --private-connection-resource-id {_q(self.registry_id)} "
                f"--group-id registry --connection-name {_q(self.name + '-conn')}{manual}"
                + "".join(f" --ip-config name={_q('ipconfig-' + m)} group-id=registry member-name={_q(m)} "
                          f"private-ip-address={_q(ip)}" for m, ip in sorted(self.static_ips.items()))]


class CreatePrivateDnsZone(Action):
    kind: Literal["CreatePrivateDnsZone"] = "CreatePrivateDnsZone"
    op: Op = "create"
    resource_type: str = "Microsoft.Network/privateDnsZones"

    def describe(self) -> str:
        return f"Create private DNS zone {self.name} in {group_of(self.resource_id)}"

    def changes(self) -> list[Change]:
        return [Change("name", None, self.name), Change("location", None, "global")]

    def az(self) -> list[str]:
        return [f"az network private-dns zone create --name {_q(self.name)}{self.where}"]


class LinkPrivateDnsZone(Action):
    kind: Literal["LinkPrivateDnsZone"] = "LinkPrivateDnsZone"
    op: Op = "create"
    resource_type: str = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
    zone_id: str
    vnet_id: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.zone_id.lower()}>{self.vnet_id.lower()}"

    def describe(self) -> str:
        return f"Link VNet {name_of(self.vnet_id)} to zone {name_of(self.zone_id)} (so it resolves private IPs)"

    def changes(self) -> list[Change]:
        return [Change("virtualNetwork.id", None, self.vnet_id), Change("registrationEnabled", None, False)]

    def az(self) -> list[str]:
        return [f"az network private-dns link vnet create --zone-name {_q(name_of(self.zone_id))}{at(self.zone_id)} "
                f"--name {_q(self.name)} --virtual-network {_q(self.vnet_id)} --registration-enabled false"]


class CreateDnsZoneGroup(Action):
    kind: Literal["CreateDnsZoneGroup"] = "CreateDnsZoneGroup"
    op: Op = "create"
    resource_type: str = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
    endpoint_id: str
    zone_id: str

    def describe(self) -> str:
        return (f"Let private endpoint {name_of(self.endpoint_id)} manage its A records in {name_of(self.zone_id)}")

    def changes(self) -> list[Change]:
        return [Change("privateDnsZoneConfigs[0].privateDnsZoneId", None, self.zone_id),
                Change("A records", None, KNOWN_AFTER_APPLY)]

    def az(self) -> list[str]:
        return [f"az network private-endpoint dns-zone-group create --endpoint-name {_q(name_of(self.endpoint_id))}"
                f"{at(self.endpoint_id)} --name {_q(self.name)} --private-dns-zone {_q(self.zone_id)} "
                f"--zone-name {_q(name_of(self.zone_id).replace('.', '-'))}"]


class _ConnectionState(Action):
    resource_type: str = "Microsoft.ContainerRegistry/registries/privateEndpointConnections"
    registry_id: str
    endpoint_id: str | None = None
    old: str = "Pending"

    _new: ClassVar[str] = ""

    def describe(self) -> str:
        pe = f" from {name_of(self.endpoint_id)}" if self.endpoint_id else ""
        verb = "Approve" if self._new == "Approved" else "Reject"
        return f"{verb} the private endpoint connection{pe} to {name_of(self.registry_id)}"

    def changes(self) -> list[Change]:
        return [Change("privateLinkServiceConnectionState.status", self.old, self._new)]

    def az(self) -> list[str]:
        verb = "approve" if self._new == "Approved" else "reject"
        return [f"az acr private-endpoint-connection {verb} --registry-name {_q(name_of(self.registry_id))}"
                f"{at(self.registry_id)} --name {_q(self.name)}"]


class ApprovePrivateEndpointConnection(_ConnectionState):
    kind: Literal["ApprovePrivateEndpointConnection"] = "ApprovePrivateEndpointConnection"
    _new = "Approved"


class RejectPrivateEndpointConnection(_ConnectionState):
    kind: Literal["RejectPrivateEndpointConnection"] = "RejectPrivateEndpointConnection"
    _new = "Rejected"


# ---------------------------------------------------------------------------------- customer-managed keys


class CreateUserAssignedIdentity(Action):
    kind: Literal["CreateUserAssignedIdentity"] = "CreateUserAssignedIdentity"
    op: Op = "create"
    resource_type: str = "Microsoft.ManagedIdentity/userAssignedIdentities"
    location: str

    def describe(self) -> str:
        return f"Create user-assigned identity {self.name} (the registry reads its key as this identity)"

    def changes(self) -> list[Change]:
        return [Change("location", None, self.location), Change("principalId", None, KNOWN_AFTER_APPLY),
                Change("clientId", None, KNOWN_AFTER_APPLY)]

    def az(self) -> list[str]:
        return [f"az identity create --name {_q(self.name)}{self.where} --location {_q(self.location)}"]


class GrantKeyAccess(Action):
    """``resource_id`` is the vault; the identity's principal id may only be known after apply."""

    kind: Literal["GrantKeyAccess"] = "GrantKeyAccess"
    op: Op = "create"
    resource_type: str = "Microsoft.KeyVault/vaults/accessPolicies"
    identity_id: str
    principal_id: str | None = None
    rbac: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.resource_id.lower()}>{self.identity_id.lower()}"

    def describe(self) -> str:
        how = "role Key Vault Crypto Service Encryption User" if self.rbac else "access policy get, wrapKey, unwrapKey"
        return f"Let identity {name_of(self.identity_id)} use keys in {self.name} ({how})"

    def changes(self) -> list[Change]:
        return [Change("objectId", None, self.principal_id or KNOWN_AFTER_APPLY),
                Change("permissions.keys" if not self.rbac else "roleDefinition", None,
                       ["get", "wrapKey", "unwrapKey"] if not self.rbac else "Key Vault Crypto Service Encryption User")]

    def az(self) -> list[str]:
        """A principal id known only after apply is read into a variable on its own line, so ``set -e`` stops the
        script when the read fails (a failing ``$(…)`` inside another command's arguments would not)."""
        out, pid = [], _q(self.principal_id or "")
        if not self.principal_id:
            out.append(f"{PRINCIPAL_VAR}=$(az identity show --ids {_q(self.identity_id)} --query principalId -o tsv)")
            pid = f'"${PRINCIPAL_VAR}"'
        if self.rbac:
            out.append(f"az role assignment create --assignee-object-id {pid} --assignee-principal-type ServicePrincipal "
                       f"--role 'Key Vault Crypto Service Encryption User' --scope {_q(self.resource_id)}")
        else:
            out.append(f"az keyvault set-policy --name {_q(self.name)}{self.where} --object-id {pid} "
                       "--key-permissions get wrapKey unwrapKey")
        return out


class RotateKey(Action):
    """Point a CMK registry at another key, version (or versionless) and/or identity. Never enables CMK."""

    kind: Literal["RotateKey"] = "RotateKey"
    old_key_identifier: str | None
    new_key_identifier: str
    old_identity: str | None
    new_identity: str  # a client id, or ``system``
    identity_id: str | None = None  # resource id behind new_identity, for display

    def describe(self) -> str:
        if not self.old_key_identifier:
            return f"Encrypt {self.name} with a customer-managed key (impossible in place: see preflight)"
        how = "versionless (automatic rotation)" if self.new_key_identifier.count("/keys/") and \
            len(self.new_key_identifier.split("/keys/", 1)[1].strip("/").split("/")) == 1 else "pinned version"
        return f"Rotate the customer-managed key of {self.name} ({how})"

    def changes(self) -> list[Change]:
        out = []
        if normalise_key_id(self.old_key_identifier) != normalise_key_id(self.new_key_identifier):
            out.append(Change("encryption.keyVaultProperties.keyIdentifier", self.old_key_identifier,
                              self.new_key_identifier))
        if (self.old_identity or "").lower() != self.new_identity.lower():
            out.append(Change("encryption.keyVaultProperties.identity", self.old_identity, self.new_identity))
        return out

    def az(self) -> list[str]:
        ident = "'[system]'" if self.new_identity == "system" else _q(self.identity_id or self.new_identity)
        return [f"az acr encryption rotate-key --name {_q(self.name)}{self.where} --key-encryption-key "
                f"{_q(self.new_key_identifier)} --identity {ident}"]


class CreateCmkRegistry(Action):
    kind: Literal["CreateCmkRegistry"] = "CreateCmkRegistry"
    op: Op = "create"
    location: str
    vault_id: str
    key_name: str
    key_version: str | None = None
    key_uri: str | None = None  # the vault's key URI when the vault was read
    identity_id: str
    source_registry_id: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)

    def describe(self) -> str:
        src = f", to replace {name_of(self.source_registry_id)}" if self.source_registry_id else ""
        return f"Create Premium registry {self.name} encrypted with key {self.key_name} from {name_of(self.vault_id)}{src}"

    def changes(self) -> list[Change]:
        return [Change("location", None, self.location), Change("sku.name", None, "Premium"),
                Change("identity.userAssignedIdentities", None, [self.identity_id]),
                Change("encryption.status", None, "enabled"),
                Change("encryption.keyVaultProperties.keyIdentifier", None, self.key_uri or KNOWN_AFTER_APPLY),
                Change("encryption.keyVaultProperties.identity", None, KNOWN_AFTER_APPLY),
                Change("adminUserEnabled", None, False),
                Change("loginServer", None, KNOWN_AFTER_APPLY)]

    def az(self) -> list[str]:
        """The key through the ARM keys API, as acrtui does: it creates the key only if missing (never a second
        version), needs no data-plane role and is not stopped by the vault's firewall; it answers the key's URI."""
        body = json.dumps({"properties": {"kty": "RSA", "keySize": 3072}}, separators=(",", ":"))
        url = f"{self.vault_id}/keys/{self.key_name}?api-version={KEY_ARM_API}"
        key = f'"$key_uri/{self.key_version}"' if self.key_version else '"$key_uri"'
        tags = (" --tags " + " ".join(_q(f"{k}={v}") for k, v in sorted(self.tags.items()))) if self.tags else ""
        return [f"key_uri=$(az rest --method put --url {_q(url)} --body {_q(body)} --query properties.keyUri -o tsv)",
                f"az acr create --name {_q(self.name)}{self.where} --sku Premium --location {_q(self.location)} "
                f"--identity {_q(self.identity_id)} --key-encryption-key {key}{tags}"]


class ImportImages(Action):
    kind: Literal["ImportImages"] = "ImportImages"
    op: Op = "create"
    resource_type: str = "images"
    source_registry_id: str
    images: list[str]

    def describe(self) -> str:
        return (f"Import {len(self.images)} image(s) from {name_of(self.source_registry_id)} into {self.name}, "
                "then check each tag's digest against the source's")

    def changes(self) -> list[Change]:
        return [Change(img, None, "imported") for img in self.images]

    def az(self) -> list[str]:
        note = ["# (acrtui knows only the imports it made: after these, its next plan lists them again; running "
                "them again fails on the existing tag and changes nothing)"]
        return note + [f"az acr import --name {_q(self.name)}{self.where} --source {_q(img)} "
                       f"--registry {_q(self.source_registry_id)}" for img in self.images]


class CreateReplication(Action):
    """A geo-replica of a registry (Premium): the migration gives the new registry the source's regions."""

    kind: Literal["CreateReplication"] = "CreateReplication"
    op: Op = "create"
    resource_type: str = "Microsoft.ContainerRegistry/registries/replications"
    registry_id: str
    location: str

    def describe(self) -> str:
        return f"Replicate {name_of(self.registry_id)} to {self.location}"

    def changes(self) -> list[Change]:
        return [Change("location", None, self.location)]

    def az(self) -> list[str]:
        return [f"az acr replication create --registry {_q(name_of(self.registry_id))}{at(self.registry_id)} "
                f"--location {_q(self.location)}"]


# ---------------------------------------------------------------------------------------------------- policy


class AssignPolicy(Action):
    kind: Literal["AssignPolicy"] = "AssignPolicy"
    resource_type: str = "Microsoft.Authorization/policyAssignments"
    scope: str
    definition_id: str
    effect: str | None = None
    enforcement_mode: str = "Default"
    display_name: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    location: str | None = None
    # what the assignment's identity gets at the scope: exactly the definition's roleDefinitionIds
    role_definition_ids: list[str] = Field(default_factory=list)
    old: dict[str, Any] | None = None  # effect / enforcementMode / displayName as observed, for an update

    def describe(self) -> str:
        verb = "Update" if self.old is not None else "Assign"
        eff = f" with effect {self.effect}" if self.effect else ""
        return f"{verb} policy {self.display_name or name_of(self.definition_id)}{eff} at {self.scope}"

    def _new(self) -> dict[str, Any]:
        return {"policyDefinitionId": self.definition_id, "effect": self.effect,
                "enforcementMode": self.enforcement_mode, "displayName": self.display_name}

    def changes(self) -> list[Change]:
        new = self._new()
        if self.old is None:
            out = [Change(k, None, v) for k, v in new.items() if v is not None]
            out += [Change(f"parameters.{k}", None, v) for k, v in sorted(self.parameters.items())]
            if self.location:
                out += [Change("identity.principalId", None, KNOWN_AFTER_APPLY)]
                out += [Change("roleAssignment", None, f"{name_of(r)} at the assignment scope")
                        for r in self.role_definition_ids]
            return out
        return [Change(k, self.old.get(k), v) for k, v in new.items()
                if v is not None and str(self.old.get(k) or "").lower() != str(v).lower()]

    def _definition(self) -> tuple[str, str]:
        """(``--policy`` value, ``az policy definition show`` arguments). A built-in goes by its name: the CLI
        reads an id starting with ``/providers/`` as a management group's definition and fails on a built-in one."""
        name = name_of(self.definition_id)
        parts = self.definition_id.strip("/").split("/")
        if parts[0].lower() == "providers" and parts[1].lower() == "microsoft.authorization":
            return _q(name), f"--name {_q(name)}"
        if parts[0].lower() == "providers":  # /providers/Microsoft.Management/managementGroups/{mg}/…
            return _q(self.definition_id), f"--name {_q(name)} --management-group {_q(parts[3])}"
        return _q(self.definition_id), f"--name {_q(name)} --subscription {_q(sub_of(self.definition_id))}"

    def az(self) -> list[str]:
        """With a location the assignment gets a system-assigned identity, and (as acrtui does) that identity gets
        each role the definition names at the scope, so Modify/DeployIfNotExists remediation can write."""
        params = dict(self.parameters)
        if self.effect:
            params["effect"] = self.effect
        p = f" --params {_q(json.dumps({k: {'value': v} for k, v in params.items()}))}" if params else ""
        extra = f" --display-name {_q(self.display_name)}" if self.display_name else ""
        policy, show = self._definition()
        create = (f"az policy assignment create --name {_q(self.name)} --scope {_q(self.scope)} --policy {policy} "
                  f"--enforcement-mode {self.enforcement_mode}{p}{extra}")
        if not self.location:
            return [create]
        sub = f" --subscription {_q(sub_of(self.scope))}" if sub_of(self.scope) else ""
        return [f"{PRINCIPAL_VAR}=$({create} --location {_q(self.location)} --mi-system-assigned "
                "--query identity.principalId -o tsv)",
                f"roles=$(az policy definition show {show} --query 'policyRule.then.details.roleDefinitionIds[]' -o tsv)",
                f'for role in $roles; do az role assignment create --assignee-object-id "${PRINCIPAL_VAR}" '
                f'--assignee-principal-type ServicePrincipal --role "${{role##*/}}" --scope {_q(self.scope)}{sub}; done']


class StartRemediation(Action):
    """A remediation task for what a Modify / DeployIfNotExists assignment found non-compliant (``remediate``)."""

    kind: Literal["StartRemediation"] = "StartRemediation"
    op: Op = "create"
    resource_type: str = "Microsoft.PolicyInsights/remediations"
    assignment_id: str
    scope: str

    def describe(self) -> str:
        return f"Start remediation {self.name} for policy assignment {name_of(self.assignment_id)}"

    def changes(self) -> list[Change]:
        return [Change("policyAssignmentId", None, self.assignment_id)]

    def az(self) -> list[str]:
        rg = group_of(self.scope)
        where = f" --resource-group {_q(rg)}" if rg else ""
        sub = f" --subscription {_q(sub_of(self.scope))}" if sub_of(self.scope) else ""
        return [f"az policy remediation create --name {_q(self.name)} --policy-assignment {_q(self.assignment_id)}"
                f"{where}{sub}"]


class UnassignPolicy(Action):
    kind: Literal["UnassignPolicy"] = "UnassignPolicy"
    op: Op = "delete"
    resource_type: str = "Microsoft.Authorization/policyAssignments"
    definition_id: str | None = None

    def describe(self) -> str:
        return f"Remove policy assignment {self.name}"

    def changes(self) -> list[Change]:
        return [Change("policyDefinitionId", self.definition_id, None)]

    def az(self) -> list[str]:
        scope = self.resource_id.split("/providers/Microsoft.Authorization/", 1)[0]
        return [f"az policy assignment delete --name {_q(self.name)} --scope {_q(scope)}"]


# ------------------------------------------------------------------------------------------------- Key Vault


class EnableVaultAuditLogging(Action):
    kind: Literal["EnableVaultAuditLogging"] = "EnableVaultAuditLogging"
    op: Op = "create"
    resource_type: str = "Microsoft.Insights/diagnosticSettings"
    workspace_id: str
    setting_name: str = "acrtui-audit"
    categories: list[str] = Field(default_factory=lambda: ["AuditEvent"])

    def describe(self) -> str:
        what = "AuditEvent log (who used which key)" if self.categories == ["AuditEvent"] else \
            f"logs ({', '.join(self.categories)})"
        return f"Send {self.name}'s {what} to workspace {name_of(self.workspace_id)}"

    def changes(self) -> list[Change]:
        return [Change("name", None, self.setting_name), Change("workspaceId", None, self.workspace_id),
                Change("logs", None, list(self.categories))]

    def logs(self) -> list[dict[str, Any]]:
        """The diagnostic setting's ``logs``: categories, or category groups (``audit``, ``allLogs``)."""
        return [{"categoryGroup" if c in ("audit", "allLogs") else "category": c, "enabled": True}
                for c in self.categories]

    def az(self) -> list[str]:
        logs = json.dumps(self.logs(), separators=(",", ":"))
        return [f"az monitor diagnostic-settings create --name {_q(self.setting_name)} --resource {_q(self.resource_id)} "
                f"--workspace {_q(self.workspace_id)} --logs {_q(logs)}"]


class EnableVaultPurgeProtection(Action):
    """Irreversible: once on, purge protection can never be turned off (the vault keeps deleted keys recoverable)."""

    kind: Literal["EnableVaultPurgeProtection"] = "EnableVaultPurgeProtection"
    resource_type: str = "Microsoft.KeyVault/vaults"

    def describe(self) -> str:
        return (f"Turn on purge protection for {self.name} (IRREVERSIBLE: Azure can never turn it off; a deleted "
                "key stays recoverable for the retention period)")

    def changes(self) -> list[Change]:
        return [Change("properties.enablePurgeProtection", None, True)]

    def az(self) -> list[str]:
        return [f"az keyvault update --name {_q(self.name)}{self.where} --enable-purge-protection true"]


class SetVaultNetworkBypass(Action):
    """Whether trusted Azure services (ACR among them) get through the vault's firewall."""

    kind: Literal["SetVaultNetworkBypass"] = "SetVaultNetworkBypass"
    resource_type: str = "Microsoft.KeyVault/vaults"
    old: str
    new: Literal["AzureServices", "None"]

    def describe(self) -> str:
        if self.new == "AzureServices":
            return f"Let trusted Azure services (ACR) through {self.name}'s firewall"
        return f"Stop letting trusted Azure services through {self.name}'s firewall"

    def changes(self) -> list[Change]:
        return [Change("properties.networkAcls.bypass", self.old, self.new)]

    def az(self) -> list[str]:
        return [f"az keyvault update --name {_q(self.name)}{self.where} --bypass {self.new}"]


AnyAction = Annotated[
    SetPublicNetworkAccess | SetNetworkRules | EnableDataEndpoint | SetAdminUser | SetAnonymousPull
    | SetExportPolicy | SetArmAudienceTokens | CreatePrivateEndpoint | CreatePrivateDnsZone | LinkPrivateDnsZone
    | CreateDnsZoneGroup | ApprovePrivateEndpointConnection | RejectPrivateEndpointConnection
    | CreateUserAssignedIdentity | GrantKeyAccess | RotateKey | CreateCmkRegistry | CreateReplication | ImportImages
    | AssignPolicy | StartRemediation | UnassignPolicy | EnableVaultAuditLogging | EnableVaultPurgeProtection | SetVaultNetworkBypass,
    Field(discriminator="kind"),
]
_ADAPTER: TypeAdapter[list[AnyAction]] = TypeAdapter(list[AnyAction])


class Plan(BaseModel):
    """Ordered actions (dependencies first). Empty means "No changes."."""

    model_config = ConfigDict(frozen=True)

    actions: list[AnyAction] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.actions

    def counts(self) -> tuple[int, int, int]:
        """(to add, to change, to destroy), as Terraform counts them."""
        add = sum(1 for a in self.actions if a.op == "create")
        change = sum(1 for a in self.actions if a.op == "update")
        destroy = sum(1 for a in self.actions if a.op == "delete")
        replace = sum(1 for a in self.actions if a.op == "replace")
        return add + replace, change, destroy + replace

    def by_key(self) -> dict[str, AnyAction]:
        return {a.key: a for a in self.actions}


def az_order(actions: list[Any]) -> list[Any]:
    """The order to print az commands in. acrtui sends consecutive changes to one registry as one PATCH; az sends
    one request per command, so within such a run export is turned on first (Azure refuses export off while
    public access is on, and turning public access on while export is off)."""
    out: list[Any] = []
    run: list[Any] = []
    for a in [*actions, None]:
        if a is not None and isinstance(a, RegistryPatch) and run and run[0].resource_id.lower() == a.resource_id.lower():
            run.append(a)
            continue
        out += sorted(run, key=lambda x: not (isinstance(x, SetExportPolicy) and x.new))
        run = [a] if isinstance(a, RegistryPatch) else []
        if a is not None and not run:
            out.append(a)
    return out


def actions_to_json(actions: list[Any]) -> list[dict[str, Any]]:
    return [a.model_dump(mode="json") for a in actions]


def actions_from_json(data: list[dict[str, Any]]) -> list[Any]:
    return list(_ADAPTER.validate_python(data))
