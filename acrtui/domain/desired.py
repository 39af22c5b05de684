"""Desired state: what a plan file (or a TUI wizard) asks for. Pure pydantic models, validated strictly.

Field names are the plan file's camelCase keys (``alias``); unknown keys are errors, enums are case-insensitive
on input and canonical after validation, so the diff compares like with like. Only what is written is desired:
an omitted setting is left as it is in Azure.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

API_VERSION = "acrtui/v1"
REGISTRY_NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")
_ARM_ID = re.compile(r"^/subscriptions/[^/]+(/resourceGroups/[^/]+)?(/providers/.+)?$", re.IGNORECASE)
_RESOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def _canon(options: tuple[str, ...]) -> Any:
    """Accept any case, keep the canonical spelling (ARM answers ``disabled`` and ``Disabled`` alike)."""

    def check(v: Any) -> Any:
        if isinstance(v, str):
            for o in options:
                if v.lower() == o.lower():
                    return o
        return v

    return BeforeValidator(check)


Access = Annotated[Literal["Enabled", "Disabled"], _canon(("Enabled", "Disabled"))]
DefaultAction = Annotated[Literal["Allow", "Deny"], _canon(("Allow", "Deny"))]
Bypass = Annotated[Literal["AzureServices", "None"], _canon(("AzureServices", "None"))]
Approval = Annotated[Literal["auto", "manual"], _canon(("auto", "manual"))]
ConnState = Annotated[Literal["Approved", "Rejected"], _canon(("Approved", "Rejected"))]
Effect = Annotated[
    Literal["Audit", "Deny", "Disabled", "Modify", "DeployIfNotExists", "AuditIfNotExists", "Append"],
    _canon(("Audit", "Deny", "Disabled", "Modify", "DeployIfNotExists", "AuditIfNotExists", "Append")),
]
Enforcement = Annotated[Literal["Default", "DoNotEnforce"], _canon(("Default", "DoNotEnforce"))]
Presence = Annotated[Literal["present", "absent"], _canon(("present", "absent"))]


def arm_id(kind: str | None = None) -> Any:
    """A full ARM resource id, optionally of one provider type (``Microsoft.Network/virtualNetworks/subnets``)."""

    def check(v: Any) -> Any:
        if not isinstance(v, str):
            return v
        v = v.strip()
        if not _ARM_ID.match(v):
            raise ValueError(f"not an Azure resource id (expected /subscriptions/<id>/...): {v!r}")
        if kind is not None and resource_type(v).lower() != kind.lower():
            raise ValueError(f"expected a {kind} id, got a {resource_type(v) or 'scope'} id: {v!r}")
        return v

    return BeforeValidator(check)


def resource_type(rid: str) -> str:
    """``Microsoft.X/a/b`` from ``.../providers/Microsoft.X/a/<n>/b/<m>``."""
    _, sep, rest = rid.rpartition("/providers/")
    if not sep:
        return ""
    parts = rest.strip("/").split("/")
    return "/".join([parts[0], *parts[1::2]]) if parts else ""


SubnetId = Annotated[str, arm_id("Microsoft.Network/virtualNetworks/subnets")]
VnetId = Annotated[str, arm_id("Microsoft.Network/virtualNetworks")]
ZoneId = Annotated[str, arm_id("Microsoft.Network/privateDnsZones")]
VaultId = Annotated[str, arm_id("Microsoft.KeyVault/vaults")]
IdentityId = Annotated[str, arm_id("Microsoft.ManagedIdentity/userAssignedIdentities")]
WorkspaceId = Annotated[str, arm_id("Microsoft.OperationalInsights/workspaces")]
ScopeId = Annotated[str, arm_id()]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _name(v: str, what: str) -> str:
    if not _RESOURCE_NAME.match(v):
        raise ValueError(f"{what} name {v!r} must start with a letter or digit and use letters, digits, '.', '_' or '-'")
    return v


def normalise_ip_rule(v: str) -> str:
    """IPv4 address or CIDR, as ARM stores it (a /32 is a bare address); anything else is an error."""
    try:
        net = ipaddress.ip_network(v.strip(), strict=True)
    except ValueError as exc:
        raise ValueError(f"{v!r} is not an IPv4 address or CIDR range ({exc})") from None
    if not isinstance(net, ipaddress.IPv4Network):
        raise ValueError(f"{v!r}: registry firewall rules are IPv4 only")
    return str(net.network_address) if net.prefixlen == 32 else str(net)


IpRuleText = Annotated[str, AfterValidator(normalise_ip_rule)]


class NetworkRules(_M):
    default_action: DefaultAction | None = Field(None, alias="defaultAction")
    ip_rules: list[IpRuleText] | None = Field(None, alias="ipRules", max_length=200,
                                       description="IPv4 addresses or CIDR ranges allowed through (at most 200).")
    bypass: Bypass | None = Field(None, description="AzureServices lets trusted Azure services through; None does not.")

    @field_validator("ip_rules")
    @classmethod
    def _rules(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        out = list(v)
        dup = sorted({x for x in out if out.count(x) > 1})
        if dup:
            raise ValueError(f"duplicate IP rules: {', '.join(dup)}")
        return out


class DataEndpoint(_M):
    enabled: bool
    client_allowlist_acknowledged: bool = Field(
        False, alias="clientAllowlistAcknowledged",
        description="Client firewalls already allow <registry>.<region>.data.<suffix> on 443 (pulls break otherwise).")


KeyAccess = Annotated[Literal["granted"], _canon(("granted",))]


class Cmk(_M):
    """Customer-managed key of an existing CMK registry: rotates the key/version/identity, and with
    ``keyAccess: granted`` makes sure the encryption identity can use the key. It can never add CMK in place.

    ``keyVault``, ``key`` and ``identity`` come together; leave all three out (``cmk: {keyAccess: granted}``) to
    mean the key and identity the registry uses today.
    """

    model_config = ConfigDict(json_schema_extra={
        "dependentRequired": {"keyVault": ["key", "identity"], "key": ["keyVault", "identity"],
                              "identity": ["keyVault", "key"], "keyVersion": ["keyVault"]},
        "anyOf": [{"required": ["keyVault"]}, {"required": ["keyAccess"]}],
    })

    key_vault: VaultId | None = Field(None, alias="keyVault")
    key: str | None = None
    key_version: str | None = Field(None, alias="keyVersion", description="Pin to this version; omit for auto-rotation.")
    identity: str | None = Field(
        None, description="User-assigned identity id, or 'system' for the registry's system-assigned identity.")
    key_access: KeyAccess | None = Field(
        None, alias="keyAccess",
        description="granted: the encryption identity gets get/wrapKey/unwrapKey on the key (an access policy, or "
                    "the Key Vault Crypto Service Encryption User role on RBAC vaults) if it lacks them. "
                    "acrtui never removes key access.")

    @field_validator("identity")
    @classmethod
    def _identity(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if v.lower() == "system":
            return "system"
        if resource_type(v).lower() != "microsoft.managedidentity/userassignedidentities" or not _ARM_ID.match(v):
            raise ValueError(f"expected 'system' or a Microsoft.ManagedIdentity/userAssignedIdentities id: {v!r}")
        return v

    @field_validator("key")
    @classmethod
    def _key(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[A-Za-z0-9-]{1,127}", v):
            raise ValueError(f"key name {v!r}: letters, digits and '-' only")
        return v

    @model_validator(mode="after")
    def _complete(self) -> Cmk:
        given = [n for n, v in (("keyVault", self.key_vault), ("key", self.key), ("identity", self.identity)) if v]
        if given and len(given) < 3:
            missing = [n for n in ("keyVault", "key", "identity") if n not in given]
            raise ValueError(f"keyVault, key and identity come together (missing: {', '.join(missing)}); "
                             "leave all three out to keep the registry's current key and identity")
        if not given:
            if self.key_version is not None:
                raise ValueError("keyVersion needs keyVault, key and identity")
            if self.key_access is None:
                raise ValueError("name the key (keyVault, key, identity) or set keyAccess: granted")
        return self

    @property
    def current(self) -> bool:
        """The block names no key: it means the registry's current key and identity."""
        return self.key_vault is None


class Endpoint(_M):
    name: str
    subnet: SubnetId
    resource_group: str | None = Field(None, alias="resourceGroup", description="Defaults to the subnet's group.")
    location: str | None = Field(None, description="Defaults to the registry's location.")
    approval: Approval = "auto"
    request_message: str | None = Field(
        None, alias="requestMessage", max_length=140,
        description="With approval: manual, the message the approver sees on the Pending connection (Azure's "
        "requestMessage, at most 140 characters); default: which endpoint asks, from which subnet.")
    dns_zone: ZoneId | None = Field(None, alias="dnsZone",
                                    description="Private DNS zone id (privatelink.azurecr.io); created if missing.")
    link_vnets: list[VnetId] | None = Field(None, alias="linkVnets",
                                            description="VNets to link to the zone; default: the subnet's VNet.")
    static_ips: dict[str, str] | None = Field(
        None, alias="staticIps",
        description="Optional fixed private IPs, by member name: 'registry' (the login server) and "
        "'registry_data_<region>' (each region's data endpoint). Members left out get dynamic addresses. Each "
        "must lie in the subnet, outside Azure's five reserved addresses, and be free.")

    @field_validator("name")
    @classmethod
    def _n(cls, v: str) -> str:
        return _name(v, "private endpoint")

    @field_validator("static_ips")
    @classmethod
    def _ips(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is None:
            return v
        out: dict[str, str] = {}
        for member, ip in v.items():
            m = member.strip().lower()
            if not re.fullmatch(r"registry|registry_data_[a-z0-9]+", m):
                raise ValueError(f"{member!r} is not a member name: use 'registry' or 'registry_data_<region>'")
            try:
                addr = ipaddress.IPv4Address(str(ip).strip())
            except ValueError:
                raise ValueError(f"{member}: {ip!r} is not an IPv4 address") from None
            if str(addr) in out.values():
                raise ValueError(f"{member}: {addr} is given to two members")
            out[m] = str(addr)
        return out

    @model_validator(mode="after")
    def _message_is_for_manual(self) -> Endpoint:
        if self.request_message is not None and self.approval != "manual":
            raise ValueError("requestMessage is what the approver of a manual connection reads: set approval: manual, "
                             "or leave requestMessage out")
        return self


class Connection(_M):
    private_endpoint: str = Field(alias="privateEndpoint", description="Name or id of the private endpoint.")
    state: ConnState


class PrivateLink(_M):
    endpoints: list[Endpoint] = Field(default_factory=list)
    connections: list[Connection] = Field(default_factory=list)


class Operator(_M):
    """Where the operator runs from, for the lock-out analysis."""

    networks: list[VnetId] = Field(default_factory=list, description="VNets the operator reaches registries from.")
    ips: list[IpRuleText] = Field(default_factory=list, description="Public IPv4 addresses the operator uses.")


class RegistrySpec(_M):
    name: str
    subscription: str | None = None
    resource_group: str | None = Field(None, alias="resourceGroup")
    public_network_access: Access | None = Field(None, alias="publicNetworkAccess")
    network_rules: NetworkRules | None = Field(None, alias="networkRules")
    data_endpoint: DataEndpoint | None = Field(None, alias="dataEndpoint")
    admin_user: bool | None = Field(None, alias="adminUser")
    anonymous_pull: bool | None = Field(None, alias="anonymousPull")
    export: bool | None = Field(None, description="Export policy: false disables exports (needs public access off).")
    arm_audience_tokens: bool | None = Field(None, alias="armAudienceTokens")
    cmk: Cmk | None = None
    private_link: PrivateLink | None = Field(None, alias="privateLink")
    replicas: list[str] | None = Field(
        None, description="Regions the registry is geo-replicated to besides its home region (Premium). Missing "
                          "ones are added; acrtui never removes a replica.")
    allow_lockout: bool = Field(False, alias="allowLockout",
                                description="Proceed even when no private path for the operator can be shown.")

    @field_validator("name")
    @classmethod
    def _n(cls, v: str) -> str:
        if not REGISTRY_NAME.match(v):
            raise ValueError(f"registry name {v!r} must be 5-50 letters and digits")
        return v

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("dataEndpoint"), bool):
            data = {**data, "dataEndpoint": {"enabled": data["dataEndpoint"]}}
        return data


class PolicyAssignmentSpec(_M):
    name: str = Field(max_length=64)
    scope: ScopeId
    definition: str = Field(description="Built-in definition GUID or full definition id.")
    effect: Effect | None = None
    enforcement_mode: Enforcement = Field("Default", alias="enforcementMode")
    display_name: str | None = Field(None, alias="displayName")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Other parameters (set on creation).")
    location: str | None = Field(None, description="Needed by Modify/DeployIfNotExists (managed identity).")
    remediate: bool = Field(False, description="After assigning a Modify/DeployIfNotExists policy, start a "
                                               "remediation task for the resources already non-compliant.")
    state: Presence = "present"

    @field_validator("definition")
    @classmethod
    def _d(cls, v: str) -> str:
        if re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", v):
            return f"/providers/Microsoft.Authorization/policyDefinitions/{v.lower()}"
        if "/providers/microsoft.authorization/policydefinitions/" not in v.lower():
            raise ValueError(f"expected a definition GUID or id: {v!r}")
        return v

    @field_validator("name")
    @classmethod
    def _n(cls, v: str) -> str:
        if not re.fullmatch(r"[^<>*%&:\\?.+/]{1,64}", v) or v.endswith(" "):
            raise ValueError(f"assignment name {v!r} has a character Azure does not allow")
        return v

    @property
    def assignment_id(self) -> str:
        return f"{self.scope.rstrip('/')}/providers/Microsoft.Authorization/policyAssignments/{self.name}"


VaultLogCategory = Annotated[
    Literal["AuditEvent", "AzurePolicyEvaluationDetails", "audit", "allLogs"],
    _canon(("AuditEvent", "AzurePolicyEvaluationDetails", "audit", "allLogs")),
]


class AuditLogging(_M):
    workspace: WorkspaceId = Field(description="Log Analytics workspace a new diagnostic setting sends the logs to.")
    categories: list[VaultLogCategory] = Field(
        default_factory=lambda: ["AuditEvent"],  # type: ignore[arg-type,return-value]
        min_length=1,
        description="Log categories (AuditEvent, AzurePolicyEvaluationDetails) or groups (audit, allLogs); "
                    "satisfied by any diagnostic setting that already sends them.")

    @field_validator("categories")
    @classmethod
    def _dedup(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))


class KeyVaultSpec(_M):
    """Settings of a key vault that holds registry keys. Found by ``id``, or by ``name`` (plus resourceGroup /
    subscription when the name alone is ambiguous)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["name"]}, {"required": ["id"]}]})

    name: str | None = Field(None, description="Vault name (3-24 letters, digits, '-').")
    id: VaultId | None = None
    subscription: str | None = Field(None, description="Id or display name; only needed to tell vaults apart.")
    resource_group: str | None = Field(None, alias="resourceGroup")
    purge_protection: bool | None = Field(
        None, alias="purgeProtection", json_schema_extra={"const": True},
        description="true turns purge protection on. IRREVERSIBLE: Azure can never turn it off again.")
    audit_logging: AuditLogging | None = Field(None, alias="auditLogging")
    network_bypass: Bypass | None = Field(
        None, alias="networkBypass",
        description="AzureServices lets trusted services (ACR) through a vault firewall; None does not.")

    @field_validator("name")
    @classmethod
    def _n(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]", v):
            raise ValueError(f"key vault name {v!r} must be 3-24 letters, digits and '-', starting with a letter")
        return v

    @field_validator("purge_protection")
    @classmethod
    def _pp(cls, v: bool | None) -> bool | None:
        if v is False:
            raise ValueError("purgeProtection can only be true: once on, Azure never turns it off; "
                             "leave it out to keep the vault as it is")
        return v

    @model_validator(mode="after")
    def _ident(self) -> KeyVaultSpec:
        if self.id is None and self.name is None:
            raise ValueError("give the vault's name (or its id)")
        if self.id is not None and self.name is not None and self.id.rstrip("/").rsplit("/", 1)[-1].lower() != self.name.lower():
            raise ValueError(f"name {self.name!r} does not match the id {self.id!r}")
        return self

    @property
    def label(self) -> str:
        return self.name or (self.id or "").rstrip("/").rsplit("/", 1)[-1]


def _image(img: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?", img):
        raise ValueError(f"{img!r} is not repository[:tag] (lower-case repository)")
    return img if ":" in img.rsplit("/", 1)[-1] else img + ":latest"


class ImportSpec(_M):
    images: list[Annotated[str, AfterValidator(_image)]] = Field(
        min_length=1, description="repo:tag (or repo for :latest) from the source registry.")


class CmkMigration(_M):
    """A new Premium registry encrypted with a key, filled from an existing registry: the only way to CMK."""

    name: str
    source: str = Field(description="Existing registry (name) whose images are imported.")
    subscription: str | None = Field(None, description="Defaults to the source's.")
    resource_group: str | None = Field(None, alias="resourceGroup", description="Defaults to the source's.")
    location: str | None = Field(None, description="Defaults to the source's.")
    key_vault: VaultId = Field(alias="keyVault")
    key: str
    key_version: str | None = Field(None, alias="keyVersion", description="Pin a version; omit for auto-rotation.")
    identity: IdentityId = Field(description="User-assigned identity (created if missing, in its own group).")
    import_: ImportSpec | None = Field(None, alias="import")
    copy_settings: bool = Field(
        True, alias="copySettings",
        description="Give the new registry the source's hardening: replicas, public access and network rules, data "
                    "endpoints, admin / anonymous pull / export / ARM-token settings, a private endpoint (with its DNS "
                    "zone group) in each VNet the source has one in, and the policy assignments at the source "
                    "registry's scope. An entry for the new registry under registries: overrides each setting it names.")

    @field_validator("name", "source")
    @classmethod
    def _n(cls, v: str) -> str:
        if not REGISTRY_NAME.match(v):
            raise ValueError(f"registry name {v!r} must be 5-50 letters and digits")
        return v


class DesiredState(_M):
    """A plan file (``apiVersion: acrtui/v1``)."""

    api_version: Literal["acrtui/v1"] = Field(alias="apiVersion")
    kind: Literal["Plan"] = "Plan"
    description: str | None = None
    operator: Operator = Field(default_factory=Operator)
    registries: list[RegistrySpec] = Field(default_factory=list)
    create_cmk_registry: list[CmkMigration] = Field(default_factory=list, alias="createCmkRegistry")
    policy_assignments: list[PolicyAssignmentSpec] = Field(default_factory=list, alias="policyAssignments")
    key_vaults: list[KeyVaultSpec] = Field(default_factory=list, alias="keyVaults")

    @model_validator(mode="after")
    def _unique(self) -> DesiredState:
        for what, values in (("registry", [r.name for r in self.registries]),
                             ("policy assignment", [a.assignment_id for a in self.policy_assignments]),
                             ("key vault", [v.label for v in self.key_vaults])):
            dup = _twice(values)
            if dup:
                raise ValueError(f"{what} listed twice: {dup}")
        return self

    @model_validator(mode="after")
    def _migrations(self, info: ValidationInfo) -> DesiredState:
        """Duplicate or self-referencing ``createCmkRegistry`` entries. The loader passes a ``located_problems``
        list in the validation context to get each one with its location (file:line); anyone else gets an error."""
        problems = self.migration_problems()
        if not problems:
            return self
        sink = (info.context or {}).get("located_problems") if isinstance(info.context, dict) else None
        if isinstance(sink, list):
            sink.extend(problems)
            return self
        raise ValueError("; ".join(f"createCmkRegistry[{loc[1]}].{loc[2]}: {msg}" for loc, msg in problems))

    def migration_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(location, message) for each migration that can never be applied as written: a second entry for the
        same new registry (two keys for one name: whichever ran first would win), or a new registry that is its
        own source (it would import into itself)."""
        out: list[tuple[tuple[str | int, ...], str]] = []
        first: dict[str, int] = {}
        for i, m in enumerate(self.create_cmk_registry):
            key = m.name.lower()
            if key in first:
                j = first[key]
                other = self.create_cmk_registry[j]
                what = "with a different key" if (other.key_vault.lower(), other.key, other.key_version) != \
                    (m.key_vault.lower(), m.key, m.key_version) else "again"
                out.append((("createCmkRegistry", i, "name"),
                            f"registry {m.name} is already created by createCmkRegistry[{j}]; this entry names it "
                            f"{what}. Keep one entry per new registry"))
            else:
                first[key] = i
            if m.name.lower() == m.source.lower():
                out.append((("createCmkRegistry", i, "source"),
                            f"the new registry {m.name} is its own source: a migration creates a new registry "
                            "and imports from an existing one. Give the new registry another name"))
        return out

def _twice(values: list[str]) -> str:
    """The values listed more than once (case-insensitive), at most ten named; linear, for a file of any length."""
    counts = Counter(v.lower() for v in values)
    dup = sorted(n for n, c in counts.items() if c > 1)
    return ", ".join(dup[:10]) + (f" and {len(dup) - 10:,} more" if len(dup) > 10 else "")
