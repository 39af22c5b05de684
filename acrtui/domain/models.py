"""Observed state as plain models: what the service layer reads from Azure, what checks, plans and screens use.

No SDK object crosses the service layer; these are the only shapes above it. Fields that Azure may omit are
Optional with ``None`` meaning "not reported", which checks treat differently from ``False``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

_FIELD_SETS: dict[frozenset[str], set[str]] = {}  # one set object per distinct set of field names


def _shared(v: Any) -> Any:
    return sys.intern(v) if type(v) is str and len(v) <= 40 else v


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def model_post_init(self, context: Any, /) -> None:
        """Equal field-name sets and short strings shared, not one copy per model: a fleet's estate holds ~20
        models per registry, and pydantic gives each its own set of field names (2 KB for a registry's 28) and each
        "Succeeded" or "eastus" its own string — half the estate's memory at fleet:500x20 (issue 11). Safe: the
        models are frozen, and pydantic copies the set before it changes one (``model_copy(update=…)``)."""
        self._share_fields_set()
        d = self.__dict__
        for k, v in d.items():
            t = type(v)
            if t is str:
                d[k] = _shared(v)
            elif t is list and v and type(v[0]) is str:
                d[k] = [_shared(x) for x in v]
            elif t is dict and v:
                d[k] = {_shared(a): _shared(b) for a, b in v.items()}

    def _share_fields_set(self) -> None:
        fs = self.__pydantic_fields_set__
        object.__setattr__(self, "__pydantic_fields_set__", _FIELD_SETS.setdefault(frozenset(fs), fs))

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """pydantic copies the set of field names for every copy: share it again."""
        copied = super().model_copy(update=update, deep=deep)
        copied._share_fields_set()
        return copied


class IdentityKind(StrEnum):
    NONE = "none"
    SYSTEM = "system"
    USER = "user"


class UserIdentity(_Model):
    resource_id: str
    principal_id: str | None = None
    client_id: str | None = None


class ManagedIdentity(_Model):
    """A resource's managed identities (``identity`` block)."""

    system_principal_id: str | None = None
    user_assigned: list[UserIdentity] = Field(default_factory=list)

    @property
    def kinds(self) -> set[IdentityKind]:
        out = set()
        if self.system_principal_id:
            out.add(IdentityKind.SYSTEM)
        if self.user_assigned:
            out.add(IdentityKind.USER)
        return out


class Encryption(_Model):
    """Registry encryption. ``identity_client_id`` is the client id in keyVaultProperties (or ``system``)."""

    enabled: bool = False
    key_identifier: str | None = None  # as configured: versionless (auto-rotation) or with a version
    versioned_key_identifier: str | None = None  # what ACR uses now
    identity_client_id: str | None = None
    key_rotation_enabled: bool | None = None
    last_key_rotation: dt.datetime | None = None

    @property
    def vault_name(self) -> str | None:
        return key_parts(self.key_identifier)[0] if self.key_identifier else None

    @property
    def key_name(self) -> str | None:
        return key_parts(self.key_identifier)[1] if self.key_identifier else None

    @property
    def key_version(self) -> str | None:
        return key_parts(self.key_identifier)[2] if self.key_identifier else None

    @property
    def versionless(self) -> bool:
        return self.enabled and self.key_identifier is not None and self.key_version is None

    @property
    def uses_system_identity(self) -> bool:
        return (self.identity_client_id or "").lower() == "system"


def normalise_key_id(key_id: str | None) -> str:
    """A Key Vault key id as Azure compares it: case-insensitive, without a trailing slash or the default port.

    The ARM keys API writes ``keyUri`` as ``https://<vault>.vault.azure.net:443/keys/<k>`` (REST spec example
    getKey.json) while ``vaultUri`` and the data plane have no port; both name the same key.
    """
    k = (key_id or "").strip().lower().rstrip("/")
    scheme, sep, rest = k.partition("://")
    if not sep:
        return k
    host, slash, path = rest.partition("/")
    if host.endswith(":443"):
        host = host[:-4]
    return f"{scheme}://{host}{slash}{path}"


def key_parts(key_id: str) -> tuple[str, str, str | None]:
    """(vault name, key name, version or None) from ``https://<vault>.<suffix>/keys/<name>[/<version>]``."""
    rest = key_id.split("://", 1)[-1].rstrip("/")
    host, _, path = rest.partition("/")
    parts = path.split("/")
    name = parts[1] if len(parts) > 1 else ""
    version = parts[2] if len(parts) > 2 and parts[2] else None
    return host.split(".")[0], name, version


class IpRule(_Model):
    value: str
    action: str = "Allow"


class PrivateEndpointConnection(_Model):
    id: str
    name: str
    private_endpoint_id: str | None = None
    status: str  # Pending | Approved | Rejected | Disconnected
    description: str | None = None
    provisioning_state: str | None = None


class Replica(_Model):
    name: str
    location: str
    provisioning_state: str | None = None
    zone_redundancy: str | None = None



class ScopeMapInfo(_Model):
    id: str
    name: str
    actions: list[str] = Field(default_factory=list)  # repositories/<repo or *>/<content|metadata>/<read|write|delete>
    system_defined: bool = False


class TokenInfo(_Model):
    """A repository-scoped token (``registries/tokens``): its status, scope map and password expiries."""

    id: str
    name: str
    enabled: bool = True
    scope_map_id: str | None = None
    password_expiries: list[dt.datetime | None] = Field(default_factory=list)  # None: the password never expires
    certificates: int = 0


class WebhookInfo(_Model):
    """A webhook and where it calls: only the scheme and host of its service URI (the path and query may carry a
    secret, and the custom headers are never kept)."""

    name: str
    enabled: bool = True
    actions: list[str] = Field(default_factory=list)
    scheme: str | None = None  # None: the callback config was not read
    host: str | None = None


class CredentialSetInfo(_Model):
    id: str
    name: str
    login_server: str = ""
    health: list[str] = Field(default_factory=list)  # credentialHealth.status per credential (Healthy|Unhealthy)
    secret_ids: list[str] = Field(default_factory=list)  # Key Vault secret URIs (names only; never the values)
    identity: bool = False  # a managed identity reads the secrets


class CacheRuleInfo(_Model):
    name: str
    source_repository: str
    target_repository: str
    credential_set_id: str | None = None


class ConnectedRegistryInfo(_Model):
    name: str
    mode: str = ""  # ReadWrite | ReadOnly | Registry | Mirror
    connection_state: str | None = None
    activation: str | None = None
    sync_token_id: str | None = None


class RegistryDetails(_Model):
    """What a registry's sub-resources and preview policies say (acrtui/azure/registry_details.py reads them)."""

    quarantine_enabled: bool = False  # policies.quarantinePolicy
    retention_enabled: bool = False  # policies.retentionPolicy (untagged manifests)
    retention_days: int | None = None
    soft_delete_enabled: bool | None = None  # policies.softDeletePolicy (preview api-versions); None: not reported
    soft_delete_days: int | None = None
    scope_maps: list[ScopeMapInfo] = Field(default_factory=list)
    tokens: list[TokenInfo] = Field(default_factory=list)
    webhooks: list[WebhookInfo] = Field(default_factory=list)
    credential_sets: list[CredentialSetInfo] = Field(default_factory=list)
    cache_rules: list[CacheRuleInfo] = Field(default_factory=list)
    connected_registries: list[ConnectedRegistryInfo] = Field(default_factory=list)

    def scope_map(self, scope_map_id: str | None) -> ScopeMapInfo | None:
        k = (scope_map_id or "").lower()
        return next((m for m in self.scope_maps if m.id.lower() == k), None)

    def credential_set(self, credential_set_id: str | None) -> CredentialSetInfo | None:
        k = (credential_set_id or "").lower()
        return next((c for c in self.credential_sets if c.id.lower() == k), None)


class RegistryPosture(_Model):
    """One registry as observed, with everything the checks, screens and plans need."""

    id: str
    name: str
    subscription_id: str
    resource_group: str
    location: str
    sku: str  # Basic | Standard | Premium
    login_server: str
    provisioning_state: str | None = None
    replicas: list[Replica] = Field(default_factory=list)
    public_network_access: str = "Enabled"  # Enabled | Disabled
    default_action: str = "Allow"  # Allow | Deny
    ip_rules: list[IpRule] = Field(default_factory=list)
    # networkRuleSet.virtualNetworkRules: subnet ids admitted through service endpoints (deprecated; older registries)
    virtual_network_rules: list[str] = Field(default_factory=list)
    network_rule_bypass: str = "AzureServices"  # AzureServices | None
    data_endpoint_enabled: bool = False
    data_endpoint_host_names: list[str] = Field(default_factory=list)
    encryption: Encryption = Field(default_factory=Encryption)
    identity: ManagedIdentity = Field(default_factory=ManagedIdentity)
    private_endpoint_connections: list[PrivateEndpointConnection] = Field(default_factory=list)
    admin_user_enabled: bool = False
    anonymous_pull_enabled: bool = False
    export_policy_enabled: bool = True  # policies.exportPolicy.status == enabled
    arm_audience_token_enabled: bool | None = None  # policies.azureADAuthenticationAsArmPolicy; None = not reported
    trust_policy_enabled: bool = False
    zone_redundancy: str = "Disabled"
    repository_count: int | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    # sub-resources and preview policies; None: not read (a single-registry read-back), which checks report as error
    details: RegistryDetails | None = None

    @property
    def premium(self) -> bool:
        return self.sku.lower() == "premium"

    @property
    def regions(self) -> list[str]:
        """Home region first, then replica regions."""
        out = [self.location]
        out += [r.location for r in self.replicas if r.location.lower() != self.location.lower()]
        return out

    @property
    def approved_connections(self) -> list[PrivateEndpointConnection]:
        return [c for c in self.private_endpoint_connections if c.status.lower() == "approved"]

    @property
    def pending_connections(self) -> list[PrivateEndpointConnection]:
        return [c for c in self.private_endpoint_connections if c.status.lower() == "pending"]

    def expected_data_host_names(self) -> list[str]:
        """``<name>.<region>.data.<suffix>`` for every region, built from the login server's suffix."""
        suffix = self.login_server.split(".", 1)[1] if "." in self.login_server else "azurecr.io"
        return [f"{self.name.lower()}.{r.lower()}.data.{suffix}" for r in self.regions]


class KeyRotation(_Model):
    """A key's ``rotationPolicy`` (Key Vault; ARM ``Microsoft.KeyVault/vaults/keys`` properties, SDK
    ``azure.mgmt.keyvault.models.RotationPolicy``): whether it rotates, when, and the expiry new versions get."""

    auto_rotate: bool = False  # a lifetime action of type "rotate"
    time_after_create: str | None = None  # ISO 8601 duration of the rotate trigger, e.g. "P90D"
    time_before_expiry: str | None = None
    expiry_time: str | None = None  # attributes.expiryTime: the expiry each new version gets, e.g. "P1Y"


class KeyPosture(_Model):
    name: str
    key_id: str  # versionless URI
    kty: str | None = None
    key_size: int | None = None
    enabled: bool | None = None
    expires: dt.datetime | None = None
    newest_version: str | None = None
    newest_version_created: dt.datetime | None = None
    rotation: KeyRotation | None = None  # None: the key has no rotation policy


class DiagnosticSetting(_Model):
    name: str
    categories: list[str] = Field(default_factory=list)  # enabled log categories / category groups
    workspace_id: str | None = None
    storage_account_id: str | None = None
    event_hub_rule_id: str | None = None

    @property
    def destinations(self) -> list[str]:
        """Where it sends logs; a blank id (``""``, which Azure echoes) names no destination."""
        return [x for x in (self.workspace_id, self.storage_account_id, self.event_hub_rule_id) if x]


class DefenderPlan(_Model):
    """One subscription's ``Microsoft.Security/pricings/Containers`` (REST spec security Pricings, 2024-01-01)."""

    subscription_id: str
    pricing_tier: str | None = None  # Free | Standard; None: no Containers plan was returned
    extensions: dict[str, bool] = Field(default_factory=dict)  # extension name -> isEnabled
    legacy_registry_tier: str | None = None  # the deprecated ContainerRegistry plan's tier, when listed

    @property
    def on(self) -> bool:
        return (self.pricing_tier or "").lower() == "standard"


class ImageFinding(_Model):
    """One unhealthy sub-assessment (a vulnerable image) of the registry's image assessment."""

    id: str
    title: str = ""
    severity: str | None = None
    image: str | None = None  # repository@digest when reported


class ImageAssessment(_Model):
    """Defender's container-image assessment of one registry, read from Resource Graph's ``securityresources``."""

    registry_id: str
    assessment_id: str
    status: str  # Healthy | Unhealthy | NotApplicable
    display_name: str = ""
    findings: list[ImageFinding] = Field(default_factory=list)


class VaultPosture(_Model):
    id: str
    name: str
    subscription_id: str
    resource_group: str
    location: str
    vault_uri: str
    soft_delete: bool | None = True  # None: the body did not say (older bodies omit it): unknown, not on
    purge_protection: bool = False
    rbac_authorization: bool = False
    network_default_action: str = "Allow"
    network_bypass: str = "AzureServices"
    public_network_access: str | None = None
    diagnostic_settings: list[DiagnosticSetting] = Field(default_factory=list)
    keys: list[KeyPosture] = Field(default_factory=list)
    # principal ids (object ids) that may get/wrapKey/unwrapKey on keys (access policies, or RBAC role holders)
    key_users: list[str] = Field(default_factory=list)
    readable: bool = True  # False when the caller could not read the vault (then the rest is unknown)

    @property
    def audit_logging(self) -> bool:
        return any(
            c.lower() in ("auditevent", "audit", "alllogs") for d in self.diagnostic_settings for c in d.categories
        )

    def key(self, name: str) -> KeyPosture | None:
        return next((k for k in self.keys if k.name.lower() == name.lower()), None)


class DnsRecordCheck(_Model):
    """One FQDN a private endpoint needs, and what the private DNS zone says about it."""

    fqdn: str
    expected_ip: str | None
    zone: str | None = None
    record_ips: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.expected_ip is not None and self.expected_ip in self.record_ips


class PrivateEndpointPosture(_Model):
    id: str
    name: str
    registry_id: str
    connection_status: str
    subnet_id: str | None = None
    vnet_id: str | None = None
    nic_ips: dict[str, str] = Field(default_factory=dict)  # member name (registry, registry_data_<region>) -> IP
    dns_zone_group: str | None = None
    dns_zone_ids: list[str] = Field(default_factory=list)
    zone_linked_vnets: list[str] = Field(default_factory=list)  # VNet ids linked to the zone(s)
    records: list[DnsRecordCheck] = Field(default_factory=list)

    @property
    def zone_linked_to_vnet(self) -> bool:
        return self.vnet_id is not None and self.vnet_id.lower() in {v.lower() for v in self.zone_linked_vnets}


class PolicyAssignmentInfo(_Model):
    id: str
    name: str
    scope: str
    definition_id: str
    display_name: str | None = None
    effect: str | None = None  # resolved: assignment parameter, else definition default
    enforcement_mode: str = "Default"
    not_scopes: list[str] = Field(default_factory=list)

    @property
    def definition_guid(self) -> str:
        return self.definition_id.rstrip("/").split("/")[-1].lower()

    def applies_to(self, resource_id: str) -> bool:
        rid = resource_id.lower()
        scope = self.scope.lower().rstrip("/")
        inside = rid == scope or rid.startswith(scope + "/")
        excluded = any(rid == n.lower().rstrip("/") or rid.startswith(n.lower().rstrip("/") + "/") for n in self.not_scopes)
        return inside and not excluded


class PolicyExemptionInfo(_Model):
    """A ``Microsoft.Authorization/policyExemptions`` resource: the assignment it exempts its scope from."""

    id: str
    name: str
    scope: str
    assignment_id: str
    category: str  # Waiver | Mitigated
    expires_on: dt.datetime | None = None
    display_name: str | None = None
    definition_reference_ids: list[str] = Field(default_factory=list)  # for a policy set: which of its members

    def covers(self, resource_id: str) -> bool:
        rid, scope = resource_id.lower(), self.scope.lower().rstrip("/")
        return rid == scope or rid.startswith(scope + "/")

    def expired(self, now: dt.datetime) -> bool:
        return self.expires_on is not None and self.expires_on <= now


class ComplianceRecord(_Model):
    resource_id: str
    assignment_id: str
    definition_id: str
    compliance_state: str  # Compliant | NonCompliant | Unknown


class CheckInput(StrEnum):
    """The kinds of facts a read provides and a check consumes; a read gap names the ones it hides."""

    REGISTRIES = "registries"  # the registry list itself: a gap here may hide whole registries
    REPLICAS = "replicas"
    VAULT = "vault"
    KEYS = "keys"
    KEY_ACCESS = "key-access"  # who may use the keys (access policies are in the vault body; RBAC role holders)
    VAULT_DIAGNOSTICS = "vault-diagnostics"
    ENDPOINTS = "endpoints"  # private endpoints and their NICs (the IPs DNS must answer with)
    DNS = "dns"  # zone groups, zones, VNet links, A records
    POLICY = "policy"  # assignments and the definitions' default effects
    COMPLIANCE = "compliance"  # Azure Policy's compliance states
    REGISTRY_DIAGNOSTICS = "registry-diagnostics"  # diagnostic settings on the registry
    DEFENDER = "defender"  # the subscription's Defender for Containers plan (Microsoft.Security/pricings)
    IMAGE_FINDINGS = "image-findings"  # Defender's image assessments (Resource Graph securityresources)
    SOFT_DELETE = "soft-delete"  # policies.softDeletePolicy (read at a preview api-version)
    TOKENS = "tokens"  # repository-scoped tokens and their scope maps
    WEBHOOKS = "webhooks"  # webhooks and their callback URIs
    CACHE_RULES = "cache-rules"  # cache rules and credential sets
    CONNECTED_REGISTRIES = "connected-registries"


class GapKind(StrEnum):
    PERMISSION = "permission"  # 403: the caller may not read it (``action`` names what is missing, when known)
    THROTTLED = "throttled"  # 429 beyond the retries
    UNAVAILABLE = "unavailable"  # 5xx or no connection beyond the retries
    NOT_OBSERVED = "not-observed"  # referenced by a registry but in no listing (another subscription, or hidden)
    ERROR = "error"  # anything else


class ReadGap(_Model):
    """One read that failed: what it was, why, and which facts of which registries are therefore unknown.

    ``registries`` lists the registry ids whose inputs it hides; ``None`` means the registries themselves are
    unknown (a listing failed: the subscription may hold registries nobody saw).
    """

    what: str
    message: str = ""
    kind: GapKind = GapKind.ERROR
    scope: str = ""  # the resource or subscription id the read concerned
    inputs: list[CheckInput] = Field(default_factory=list)
    registries: list[str] | None = None
    action: str | None = None  # for permission gaps: the action the caller lacks, when Azure said

    @property
    def text(self) -> str:
        return f"{self.what}: {self.message}" if self.message else self.what

    def affects(self, registry_id: str) -> bool:
        return self.registries is not None and registry_id.lower() in {r.lower() for r in self.registries}


class Estate(_Model):
    """Everything observed in one load: the input to checks, screens and plans."""

    subscriptions: dict[str, str] = Field(default_factory=dict)  # id -> display name
    registries: list[RegistryPosture] = Field(default_factory=list)
    vaults: list[VaultPosture] = Field(default_factory=list)
    private_endpoints: list[PrivateEndpointPosture] = Field(default_factory=list)
    assignments: list[PolicyAssignmentInfo] = Field(default_factory=list)
    exemptions: list[PolicyExemptionInfo] = Field(default_factory=list)
    compliance: list[ComplianceRecord] = Field(default_factory=list)
    gaps: list[ReadGap] = Field(default_factory=list)  # every read that failed, with what it hides
    errors: list[str] = Field(default_factory=list)  # the gaps as text (derived); non-empty = the read was partial
    principal_names: dict[str, str] = Field(default_factory=dict)  # lower object id -> "name (kind)", from Graph
    registry_diagnostics: dict[str, list[DiagnosticSetting]] = Field(default_factory=dict)  # lower registry id ->
    defender_plans: dict[str, DefenderPlan] = Field(default_factory=dict)  # lower subscription id ->
    image_assessments: dict[str, ImageAssessment] = Field(default_factory=dict)  # lower registry id ->
    notes: list[str] = Field(default_factory=list)  # not gaps: how it was read (auto fell back from Resource Graph)
    observed_at: dt.datetime | None = None

    def principal_label(self, object_id: str | None) -> str | None:
        """The principal's name from the directory, or its id when the directory could not name it."""
        return self.principal_names.get(object_id.lower(), object_id) if object_id else None

    @model_validator(mode="before")
    @classmethod
    def _errors_from_gaps(cls, data: Any) -> Any:
        """``errors`` is derived from ``gaps``; a bare error string (older callers) becomes a gap of unknown reach."""
        if not isinstance(data, dict):
            return data
        gaps = [g if isinstance(g, ReadGap) else ReadGap.model_validate(g) for g in data.get("gaps") or []]
        texts = [g.text for g in gaps]
        gaps += [ReadGap(what=str(e)) for e in data.get("errors") or [] if str(e) not in texts]
        return {**data, "gaps": gaps, "errors": [g.text for g in gaps]}

    @property
    def complete(self) -> bool:
        return not self.gaps

    def gaps_for(self, reg: RegistryPosture, inputs: set[CheckInput] | None = None) -> list[ReadGap]:
        """Gaps hiding facts of this registry (only those touching ``inputs``, when given)."""
        return [g for g in self.gaps if g.affects(reg.id) and (inputs is None or inputs & set(g.inputs))]

    @property
    def unattributed_gaps(self) -> list[ReadGap]:
        """Gaps that may hide whole registries (a listing failed) or whose reach is unknown."""
        return [g for g in self.gaps if g.registries is None]

    def registry(self, name_or_id: str) -> RegistryPosture | None:
        k = name_or_id.lower()
        return next((r for r in self.registries if r.id.lower() == k or r.name.lower() == k), None)

    def vault_for(self, reg: RegistryPosture) -> VaultPosture | None:
        name = reg.encryption.vault_name
        return next((v for v in self.vaults if name and v.name.lower() == name.lower()), None)

    def endpoints_for(self, reg: RegistryPosture) -> list[PrivateEndpointPosture]:
        return [p for p in self.private_endpoints if p.registry_id.lower() == reg.id.lower()]

    def assignments_for(self, reg: RegistryPosture) -> list[PolicyAssignmentInfo]:
        return [a for a in self.assignments if a.applies_to(reg.id)]

    def exemptions_for(self, reg: RegistryPosture, assignment_id: str) -> list[PolicyExemptionInfo]:
        """Exemptions of this registry (at its scope or above) from one assignment, expired ones included."""
        aid = assignment_id.lower()
        return [e for e in self.exemptions if e.assignment_id.lower() == aid and e.covers(reg.id)]

    def compliance_for(self, reg: RegistryPosture) -> list[ComplianceRecord]:
        return [c for c in self.compliance if c.resource_id.lower() == reg.id.lower()]

    def diagnostics_for(self, reg: RegistryPosture) -> list[DiagnosticSetting]:
        return self.registry_diagnostics.get(reg.id.lower(), [])

    def defender_for(self, reg: RegistryPosture) -> DefenderPlan | None:
        return self.defender_plans.get(reg.subscription_id.lower())

    def assessment_for(self, reg: RegistryPosture) -> ImageAssessment | None:
        return self.image_assessments.get(reg.id.lower())
