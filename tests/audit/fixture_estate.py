"""A fixed estate and a frozen clock for audit tests and golden files: one registry that passes everything, one
that fails almost everything Premium can fail, a Basic one, and one whose vault was not observed (errors)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from acrtui.domain.checks import CheckSettings
from acrtui.domain.models import (
    CacheRuleInfo,
    CheckInput,
    ComplianceRecord,
    ConnectedRegistryInfo,
    CredentialSetInfo,
    DefenderPlan,
    DiagnosticSetting,
    DnsRecordCheck,
    Encryption,
    Estate,
    GapKind,
    ImageAssessment,
    ImageFinding,
    IpRule,
    KeyPosture,
    KeyRotation,
    ManagedIdentity,
    PolicyAssignmentInfo,
    PrivateEndpointConnection,
    PrivateEndpointPosture,
    ReadGap,
    RegistryDetails,
    RegistryPosture,
    Replica,
    ScopeMapInfo,
    TokenInfo,
    UserIdentity,
    VaultPosture,
    WebhookInfo,
)

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
SUB = "00000000-0000-0000-0000-000000000001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-prod"
VNET = f"{RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub"
ZONE = f"{RG}/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"
UAI = f"{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-acr"


def reg_id(name: str) -> str:
    return f"{RG}/providers/Microsoft.ContainerRegistry/registries/{name}"


def pe_id(name: str) -> str:
    return f"{RG}/providers/Microsoft.Network/privateEndpoints/{name}"


def settings() -> CheckSettings:
    return CheckSettings(now=NOW)


def good_registry() -> RegistryPosture:
    name = "prodgood"
    return RegistryPosture(
        id=reg_id(name),
        name=name,
        subscription_id=SUB,
        resource_group="rg-prod",
        location="westeurope",
        sku="Premium",
        login_server=f"{name}.azurecr.io",
        replicas=[Replica(name="northeurope", location="northeurope", zone_redundancy="Enabled")],
        public_network_access="Disabled",
        default_action="Deny",
        data_endpoint_enabled=True,
        data_endpoint_host_names=[
            f"{name}.westeurope.data.azurecr.io",
            f"{name}.northeurope.data.azurecr.io",
        ],
        encryption=Encryption(
            enabled=True,
            key_identifier="https://kv-good.vault.azure.net/keys/acr-key",
            versioned_key_identifier="https://kv-good.vault.azure.net/keys/acr-key/v2",
            identity_client_id="11111111-0000-0000-0000-00000000c11e",
            key_rotation_enabled=True,
        ),
        identity=ManagedIdentity(
            user_assigned=[
                UserIdentity(
                    resource_id=UAI,
                    principal_id="22222222-0000-0000-0000-0000000000aa",
                    client_id="11111111-0000-0000-0000-00000000c11e",
                )
            ]
        ),
        private_endpoint_connections=[
            PrivateEndpointConnection(
                id=reg_id(name) + "/privateEndpointConnections/pe-good",
                name="pe-good",
                private_endpoint_id=pe_id("pe-good"),
                status="Approved",
            )
        ],
        export_policy_enabled=False,
        arm_audience_token_enabled=False,
        zone_redundancy="Enabled",
        details=good_details(),
    )


def bad_registry() -> RegistryPosture:
    name = "prodbad"
    return RegistryPosture(
        id=reg_id(name),
        name=name,
        subscription_id=SUB,
        resource_group="rg-prod",
        location="westeurope",
        sku="Premium",
        login_server=f"{name}.azurecr.io",
        replicas=[Replica(name="eastus", location="eastus", zone_redundancy="Disabled")],
        public_network_access="Enabled",
        default_action="Deny",
        ip_rules=[IpRule(value="203.0.113.0/24")],
        encryption=Encryption(
            enabled=True,
            key_identifier="https://kv-bad.vault.azure.net/keys/acr-key/0123456789abcdef",
            versioned_key_identifier="https://kv-bad.vault.azure.net/keys/acr-key/0123456789abcdef",
            identity_client_id="33333333-0000-0000-0000-00000000c11e",
            key_rotation_enabled=False,
            last_key_rotation=NOW - dt.timedelta(days=200),
        ),
        identity=ManagedIdentity(
            user_assigned=[
                UserIdentity(
                    resource_id=UAI + "-bad",
                    principal_id="44444444-0000-0000-0000-0000000000bb",
                    client_id="33333333-0000-0000-0000-00000000c11e",
                )
            ]
        ),
        private_endpoint_connections=[
            PrivateEndpointConnection(
                id=reg_id(name) + "/privateEndpointConnections/pe-bad",
                name="pe-bad",
                private_endpoint_id=pe_id("pe-bad"),
                status="Approved",
            ),
            PrivateEndpointConnection(
                id=reg_id(name) + "/privateEndpointConnections/pe-stranger",
                name="pe-stranger",
                private_endpoint_id="/subscriptions/99999999-0000-0000-0000-000000000009/resourceGroups/x/providers/Microsoft.Network/privateEndpoints/pe-stranger",
                status="Pending",
                description="please let me in",
            ),
        ],
        admin_user_enabled=True,
        anonymous_pull_enabled=False,
        export_policy_enabled=True,
        arm_audience_token_enabled=None,
        zone_redundancy="Disabled",
        details=bad_details(),
    )


def basic_registry() -> RegistryPosture:
    name = "devbasic"
    return RegistryPosture(
        id=reg_id(name),
        name=name,
        subscription_id=SUB,
        resource_group="rg-prod",
        location="westeurope",
        sku="Basic",
        login_server=f"{name}.azurecr.io",
        admin_user_enabled=True,
        anonymous_pull_enabled=True,
        arm_audience_token_enabled=True,
        details=RegistryDetails(soft_delete_enabled=True, soft_delete_days=7),
    )


def orphan_registry() -> RegistryPosture:
    """CMK with a vault the inventory could not see: the vault checks must say "error", not pass or fail."""
    name = "prodorphan"
    return RegistryPosture(
        id=reg_id(name),
        name=name,
        subscription_id=SUB,
        resource_group="rg-prod",
        location="ukwest",  # a region without availability zones (ACR-RES-001)
        sku="Premium",
        login_server=f"{name}.azurecr.io",
        public_network_access="Disabled",
        default_action="Allow",
        encryption=Encryption(
            enabled=True,
            key_identifier="https://kv-elsewhere.vault.azure.net/keys/k1",
            identity_client_id="system",
        ),
        identity=ManagedIdentity(system_principal_id="55555555-0000-0000-0000-0000000000cc"),
        export_policy_enabled=False,
        arm_audience_token_enabled=False,
        details=RegistryDetails(soft_delete_enabled=False),
    )


def good_vault() -> VaultPosture:
    return VaultPosture(
        id=f"{RG}/providers/Microsoft.KeyVault/vaults/kv-good",
        name="kv-good",
        subscription_id=SUB,
        resource_group="rg-prod",
        location="westeurope",
        vault_uri="https://kv-good.vault.azure.net/",
        soft_delete=True,
        purge_protection=True,
        network_default_action="Deny",
        network_bypass="AzureServices",
        diagnostic_settings=[
            DiagnosticSetting(
                name="to-law",
                categories=["AuditEvent"],
                workspace_id=f"{RG}/providers/Microsoft.OperationalInsights/workspaces/law",
            )
        ],
        keys=[
            KeyPosture(
                name="acr-key",
                key_id="https://kv-good.vault.azure.net/keys/acr-key",
                kty="RSA",
                key_size=3072,
                enabled=True,
                expires=NOW + dt.timedelta(days=365),
                newest_version="v2",
                newest_version_created=NOW - dt.timedelta(days=10),
                rotation=KeyRotation(auto_rotate=True, time_after_create="P90D", expiry_time="P1Y"),
            )
        ],
        key_users=["22222222-0000-0000-0000-0000000000AA"],
    )


def bad_vault() -> VaultPosture:
    return VaultPosture(
        id=f"{RG}/providers/Microsoft.KeyVault/vaults/kv-bad",
        name="kv-bad",
        subscription_id=SUB,
        resource_group="rg-prod",
        location="westeurope",
        vault_uri="https://kv-bad.vault.azure.net/",
        soft_delete=True,
        purge_protection=False,
        rbac_authorization=True,
        network_default_action="Deny",
        network_bypass="None",
        diagnostic_settings=[DiagnosticSetting(name="metrics-only", categories=[])],
        keys=[
            KeyPosture(
                name="acr-key",
                key_id="https://kv-bad.vault.azure.net/keys/acr-key",
                kty="RSA",
                key_size=2048,
                enabled=True,
                expires=NOW + dt.timedelta(days=10),
            )
        ],
        key_users=[],
    )


def endpoints() -> list[PrivateEndpointPosture]:
    good = good_registry()
    bad = bad_registry()
    return [
        PrivateEndpointPosture(
            id=pe_id("pe-good"),
            name="pe-good",
            registry_id=good.id,
            connection_status="Approved",
            subnet_id=VNET + "/subnets/pe",
            vnet_id=VNET,
            nic_ips={
                "registry": "10.0.1.4",
                "registry_data_westeurope": "10.0.1.5",
                "registry_data_northeurope": "10.0.1.6",
            },
            dns_zone_group="default",
            dns_zone_ids=[ZONE],
            zone_linked_vnets=[VNET],
            records=[
                DnsRecordCheck(
                    fqdn="prodgood.azurecr.io",
                    expected_ip="10.0.1.4",
                    zone="privatelink.azurecr.io",
                    record_ips=["10.0.1.4"],
                ),
                DnsRecordCheck(
                    fqdn="prodgood.westeurope.data.azurecr.io",
                    expected_ip="10.0.1.5",
                    zone="privatelink.azurecr.io",
                    record_ips=["10.0.1.5"],
                ),
                DnsRecordCheck(
                    fqdn="prodgood.northeurope.data.azurecr.io",
                    expected_ip="10.0.1.6",
                    zone="privatelink.azurecr.io",
                    record_ips=["10.0.1.6"],
                ),
            ],
        ),
        PrivateEndpointPosture(
            id=pe_id("pe-bad"),
            name="pe-bad",
            registry_id=bad.id,
            connection_status="Approved",
            subnet_id=VNET.replace("vnet-hub", "vnet-spoke") + "/subnets/pe",
            vnet_id=VNET.replace("vnet-hub", "vnet-spoke"),
            nic_ips={
                "registry": "10.1.1.4",
                "registry_data_westeurope": "10.1.1.5",
                "registry_data_eastus": "10.1.1.6",
            },
            dns_zone_group="default",
            dns_zone_ids=[ZONE],
            zone_linked_vnets=[VNET],
            records=[
                DnsRecordCheck(
                    fqdn="prodbad.azurecr.io",
                    expected_ip="10.1.1.4",
                    zone="privatelink.azurecr.io",
                    record_ips=["10.1.1.4"],
                ),
                DnsRecordCheck(
                    fqdn="prodbad.westeurope.data.azurecr.io",
                    expected_ip="10.1.1.5",
                    zone="privatelink.azurecr.io",
                    record_ips=["10.9.9.9"],
                ),
                DnsRecordCheck(
                    fqdn="prodbad.eastus.data.azurecr.io",
                    expected_ip="10.1.1.6",
                    zone="privatelink.azurecr.io",
                    record_ips=[],
                ),
            ],
        ),
    ]


def assignments() -> list[PolicyAssignmentInfo]:
    pa = "/providers/Microsoft.Authorization/policyDefinitions/"
    sub = f"/subscriptions/{SUB}"
    return [
        PolicyAssignmentInfo(
            id=f"{sub}/providers/Microsoft.Authorization/policyAssignments/acr-cmk",
            name="acr-cmk",
            scope=sub,
            definition_id=pa + "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
            display_name="ACR CMK",
            effect="Audit",
        ),
        PolicyAssignmentInfo(
            id=f"{sub}/providers/Microsoft.Authorization/policyAssignments/acr-pl",
            name="acr-pl",
            scope=sub,
            definition_id=pa + "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
            display_name="ACR private link",
            effect="Audit",
        ),
        PolicyAssignmentInfo(
            id=f"{sub}/providers/Microsoft.Authorization/policyAssignments/acr-public",
            name="acr-public",
            scope=sub,
            definition_id=pa + "0fdf0491-d080-4575-b627-ad0e843cba0f",
            display_name="ACR no public access",
            effect="Deny",
            not_scopes=[reg_id("prodbad")],
        ),
        PolicyAssignmentInfo(
            id=f"{RG}/providers/Microsoft.Authorization/policyAssignments/acr-public-off",
            name="acr-public-off",
            scope=reg_id("prodbad"),
            definition_id=pa + "d0793b48-0edc-4296-a390-4c75d1bdfd71",
            display_name="ACR firewall (disabled)",
            effect="Disabled",
        ),
        PolicyAssignmentInfo(
            id=f"{RG}/providers/Microsoft.Authorization/policyAssignments/acr-dns",
            name="acr-dns",
            scope=RG,
            definition_id=pa + "e9585a95-5b8c-4d03-b193-dc7eb5ac4c32",
            display_name="ACR DNS",
            effect="DeployIfNotExists",
            not_scopes=[reg_id("prodbad")],
        ),
    ]


def compliance() -> list[ComplianceRecord]:
    pa = "/providers/Microsoft.Authorization/policyDefinitions/"
    sub = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/policyAssignments/"
    return [
        ComplianceRecord(
            resource_id=reg_id("prodgood"),
            assignment_id=sub + "acr-cmk",
            definition_id=pa + "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
            compliance_state="Compliant",
        ),
        ComplianceRecord(
            resource_id=reg_id("prodgood"),
            assignment_id=sub + "acr-pl",
            definition_id=pa + "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
            compliance_state="Compliant",
        ),
        ComplianceRecord(
            resource_id=reg_id("prodbad"),
            assignment_id=sub + "acr-cmk",
            definition_id=pa + "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
            compliance_state="Compliant",
        ),
        ComplianceRecord(
            resource_id=reg_id("devbasic"),
            assignment_id=sub + "acr-cmk",
            definition_id=pa + "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
            compliance_state="NonCompliant",
        ),
        ComplianceRecord(
            resource_id=reg_id("devbasic"),
            assignment_id=sub + "acr-pl",
            definition_id=pa + "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
            compliance_state="NonCompliant",
        ),
    ]


def gaps() -> list[ReadGap]:
    """What the inventory would record: the orphan's vault in no subscription read (it hides that registry's vault
    facts), and a refused compliance read in a subscription without registries (it hides nothing here)."""
    return [
        ReadGap(what="key vault kv-elsewhere", kind=GapKind.NOT_OBSERVED, scope="kv-elsewhere",
                message="not found in the chosen subscriptions: add its subscription with --subscription, or grant "
                "Reader on it", inputs=[CheckInput.VAULT, CheckInput.KEYS, CheckInput.KEY_ACCESS,
                                        CheckInput.VAULT_DIAGNOSTICS], registries=[reg_id("prodorphan")]),
        ReadGap(what="policy states in 00000000-0000-0000-0000-000000000002", message="AuthorizationFailed (skipped)",
                kind=GapKind.PERMISSION, scope="/subscriptions/00000000-0000-0000-0000-000000000002",
                inputs=[CheckInput.COMPLIANCE], registries=[],
                action="Microsoft.PolicyInsights/policyStates/queryResults/read"),
    ]


def good_details() -> RegistryDetails:
    """Policies on, no tokens, a named cache rule with a healthy Key Vault credential set, an HTTPS webhook to a
    private address (soft delete n/a: geo-replicated)."""
    cs = reg_id("prodgood") + "/credentialSets/dockerhub"
    return RegistryDetails(
        quarantine_enabled=True, retention_enabled=True, retention_days=30, soft_delete_enabled=False,
        soft_delete_days=7,
        credential_sets=[CredentialSetInfo(id=cs, name="dockerhub", login_server="docker.io", health=["Healthy"],
                                           secret_ids=["https://kv-good.vault.azure.net/secrets/hub-user"],
                                           identity=True)],
        cache_rules=[CacheRuleInfo(name="nginx", source_repository="docker.io/library/nginx",
                                   target_repository="mirror/nginx", credential_set_id=cs)],
        webhooks=[WebhookInfo(name="deploy", actions=["push"], scheme="https", host="10.0.4.20")],
    )


def bad_details() -> RegistryDetails:
    """Everything the registry checks fail on: an admin-scoped token without expiry, plain-http public webhook,
    anonymous wildcard cache rule, a read-write connected registry, soft delete and retention off."""
    admin = reg_id("prodbad") + "/scopeMaps/_repositories_admin"
    return RegistryDetails(
        soft_delete_enabled=False, soft_delete_days=7,
        scope_maps=[ScopeMapInfo(id=admin, name="_repositories_admin", system_defined=True,
                                 actions=["repositories/*/content/read", "repositories/*/content/write",
                                          "repositories/*/content/delete", "repositories/*/metadata/write"])],
        tokens=[TokenInfo(id=reg_id("prodbad") + "/tokens/ci", name="ci", scope_map_id=admin,
                          password_expiries=[None])],
        webhooks=[WebhookInfo(name="chat", actions=["push"], scheme="http", host="hooks.example.com")],
        cache_rules=[CacheRuleInfo(name="hub-all", source_repository="docker.io/*", target_repository="*")],
        connected_registries=[ConnectedRegistryInfo(name="factory", mode="ReadWrite", connection_state="Online",
                                                    activation="Active")],
    )


def estate() -> Estate:
    return Estate(
        subscriptions={SUB: "prod"},
        registries=[good_registry(), bad_registry(), basic_registry(), orphan_registry()],
        vaults=[good_vault(), bad_vault()],
        private_endpoints=endpoints(),
        assignments=assignments(),
        compliance=compliance(),
        gaps=gaps(),
        observed_at=NOW,
        **security(),
    )


def security() -> dict[str, Any]:
    """Issue 10's security facts: prodgood logs to a workspace and is assessed Healthy, prodbad has a vulnerable image."""
    law = f"{RG}/providers/Microsoft.OperationalInsights/workspaces/law"
    return {
        "registry_diagnostics": {reg_id("prodgood").lower(): [
            DiagnosticSetting(name="registry-audit", categories=["audit"], workspace_id=law)]},
        "defender_plans": {SUB.lower(): DefenderPlan(
            subscription_id=SUB, pricing_tier="Standard", extensions={"ContainerRegistriesVulnerabilityAssessments": True})},
        "image_assessments": {
            reg_id("prodgood").lower(): ImageAssessment(
                registry_id=reg_id("prodgood"), assessment_id=reg_id("prodgood") + ASSESSMENT, status="Healthy"),
            reg_id("prodbad").lower(): ImageAssessment(
                registry_id=reg_id("prodbad"), assessment_id=reg_id("prodbad") + ASSESSMENT, status="Unhealthy",
                findings=[ImageFinding(id=reg_id("prodbad") + ASSESSMENT + "/subAssessments/1", title="CVE-2024-2961",
                                       severity="Critical", image="app@sha256:" + "c" * 64)]),
        },
    }


ASSESSMENT = "/providers/Microsoft.Security/assessments/c0b7cfc6-3172-465a-b378-53c7ff2cc0d5"
