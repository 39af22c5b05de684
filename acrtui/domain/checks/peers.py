"""Every control the peer tools check for Azure Container Registry (and the Key Vault ones the catalogue cites), as
the peers themselves name and title them, with where each was read.

Taken on 2026-12-01 from the stored copies of the peers' repositories (the search tools' ``fetch``/``read_file``):
Checkov check classes (``name``/``id``), Prowler check metadata (``CheckID``/``CheckTitle``), Azure Policy built-in
definitions (``name``/``displayName``; Azure Government copies left out) and PSRule for Azure rules (the rule doc's
title, else the rule's ``Synopsis``). ``control`` groups equivalent rules across tools (the README coverage table).
A check's references must all be in this list (``tests/domain/test_peers.py``); when a peer renames or retitles a
rule, update the entry and the date it was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

READ_ON = "2026-12-01"
TOOLS = ("psrule", "checkov", "prowler", "policy")
TOOL_NAMES = {"psrule": "PSRule for Azure", "checkov": "Checkov", "prowler": "Prowler", "policy": "Azure Policy"}


@dataclass(frozen=True)
class Peer:
    tool: str  # psrule | checkov | prowler | policy
    id: str  # rule name, check id, or policy definition GUID
    title: str  # as the peer titles it
    control: str  # key into CONTROLS
    repo: str
    path: str
    commit: str
    read_on: str = READ_ON


# control key -> what it checks (one line, for the coverage table)
CONTROLS: dict[str, str] = {
    "admin-user": "Admin user disabled",
    "anonymous-pull": "Anonymous pull disabled",
    "arm-audience": "ARM-audience token authentication disabled",
    "public-access-disabled": "Public network access disabled",
    "network-restricted": "Network access restricted (firewall Deny, or public access disabled)",
    "private-link": "Private endpoint in use",
    "premium-sku": "SKU supports Private Link (Premium)",
    "min-sku": "Standard or Premium SKU for production",
    "private-dns": "Private DNS zone for the endpoint",
    "export-disabled": "Artifact export disabled",
    "cmk": "Encrypted with a customer-managed key",
    "data-endpoint": "Dedicated data endpoints",
    "zone-redundant": "Zone redundant",
    "geo-replica": "Geo-replicated",
    "replica-location": "Replicas only in allowed regions",
    "quarantine": "Quarantine policy",
    "retention": "Retention policy for untagged manifests",
    "soft-delete": "Soft-delete policy",
    "content-trust": "Content trust (signed images)",
    "tokens": "Repository-scoped tokens",
    "cache-rules": "Cache rules (pull-through cache)",
    "vnet-rules": "VNet service endpoint rules",
    "external-private-endpoints": "Private endpoints from other subscriptions or tenants",
    "diagnostic-logs": "Registry login and repository events logged",
    "defender-containers": "Defender for Containers plan on",
    "defender-registries": "Defender for container registries plan on (deprecated plan)",
    "image-scanning": "Image vulnerability scanning on",
    "image-vulnerabilities": "Image vulnerability findings resolved",
    "usage": "Registry storage below 90% of its limit",
    "naming": "Registry name meets naming rules",
    "key-expiry": "Key Vault key has an expiration date",
    "key-rotation-policy": "Key Vault key has a rotation policy",
    "vault-soft-delete": "Key vault soft delete",
    "vault-purge-protection": "Key vault purge protection",
    "vault-recoverable": "Key vault recoverable (soft delete and purge protection)",
    "vault-logs": "Key vault audit logs",
    "vault-firewall": "Key vault firewall (or public access disabled)",
}

PEERS: tuple[Peer, ...] = (
    Peer('psrule', 'Azure.ACR.AdminUser', 'Disable ACR admin user', 'admin-user',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.ACR.AdminUser.md', '10edef7b9733f2140d98df313f52573f524c7d34'),
    Peer('psrule', 'Azure.ACR.AnonymousAccess', 'Anonymous pull access', 'anonymous-pull',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.ACR.AnonymousAccess.md', '007d478c334d97751f2d01158ca1bad764c7dc1d'),
    Peer('psrule', 'Azure.ACR.AuditLogs', 'Audit Container Registry access', 'diagnostic-logs',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.ACR.AuditLogs.md', 'c85a075d65e7aff2156dafddcedbbb9245fd87f1'),
    Peer('psrule', 'Azure.ACR.ContainerScan', 'Scan ACR container images', 'image-scanning',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.ACR.ContainerScan.md', '2914c56fabf269fb17f543778a5c576178298d97'),
    Peer('psrule', 'Azure.ACR.ContentTrust', 'Use trusted container images', 'content-trust',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.ACR.ContentTrust.md', '00b525dce65d9a8c8ba8637d8e7ad8ba88af92de'),
    Peer('psrule', 'Azure.ACR.ExportPolicy', 'Container Registry export policy should be disabled', 'export-disabled',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.ACR.ExportPolicy.md', '521301e199ddc79104cc7a1cab00564efc33eb27'),
    Peer('psrule', 'Azure.ACR.Firewall', 'Container Registry service firewall is not restricted', 'network-restricted',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.ACR.Firewall.md', '162f041f3bdb4d5dea5773d55314f99fc406dc6d'),
    Peer('psrule', 'Azure.ACR.GeoReplica', 'Container Registry does not replica images to a secondary region', 'geo-replica',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.ACR.GeoReplica.md', '162f041f3bdb4d5dea5773d55314f99fc406dc6d'),
    Peer('psrule', 'Azure.ACR.ImageHealth', 'Remove vulnerable container images', 'image-vulnerabilities',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.ACR.ImageHealth.md', '0a78e793f8f6a8ab3fa02609a96dca7ef72c5808'),
    Peer('psrule', 'Azure.ACR.Logs', 'Audit Container Registry access', 'diagnostic-logs',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.ACR.Logs.md', '57fe5ca650213cdf25a492451c4bd40640d37f4d'),
    Peer('psrule', 'Azure.ACR.MinSku', 'Use ACR production SKU', 'min-sku',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.ACR.MinSku.md', '055e3d7ae210c6a062518a7019cff077b6cc8a4c'),
    Peer('psrule', 'Azure.ACR.Name', 'Container registry names should meet naming requirements.', 'naming',
         'Azure/PSRule.Rules.Azure', 'src/PSRule.Rules.Azure/rules/Azure.ACR.Rule.yaml', '007d478c334d97751f2d01158ca1bad764c7dc1d'),
    Peer('psrule', 'Azure.ACR.Quarantine', 'Enable container image quarantine, scan, and mark images as verified.', 'quarantine',
         'Azure/PSRule.Rules.Azure', 'src/PSRule.Rules.Azure/rules/Azure.ACR.Rule.yaml', '007d478c334d97751f2d01158ca1bad764c7dc1d'),
    Peer('psrule', 'Azure.ACR.ReplicaLocation', 'Container registry replica locations should be within allowed regions.', 'replica-location',
         'Azure/PSRule.Rules.Azure', 'src/PSRule.Rules.Azure/rules/Azure.ACR.Rule.ps1', '1ff45e037dafd56eafbe61959e0c226ad1e9ed11'),
    Peer('psrule', 'Azure.ACR.Retention', 'Use a retention policy to cleanup untagged manifests.', 'retention',
         'Azure/PSRule.Rules.Azure', 'src/PSRule.Rules.Azure/rules/Azure.ACR.Rule.yaml', '007d478c334d97751f2d01158ca1bad764c7dc1d'),
    Peer('psrule', 'Azure.ACR.SoftDelete', 'Azure Container Registries should have soft delete policy enabled.', 'soft-delete',
         'Azure/PSRule.Rules.Azure', 'src/PSRule.Rules.Azure/rules/Azure.ACR.Rule.ps1', '1ff45e037dafd56eafbe61959e0c226ad1e9ed11'),
    Peer('psrule', 'Azure.ACR.Usage', 'Consider freeing up registry space.', 'usage',
         'Azure/PSRule.Rules.Azure', 'src/PSRule.Rules.Azure/rules/Azure.ACR.Rule.ps1', '1ff45e037dafd56eafbe61959e0c226ad1e9ed11'),
    Peer('psrule', 'Azure.KeyVault.AutoRotationPolicy', 'Key Vault keys should have auto-rotation enabled.', 'key-rotation-policy',
         'Azure/PSRule.Rules.Azure', 'src/PSRule.Rules.Azure/rules/Azure.KeyVault.Rule.ps1', '01aba36250c4a4899cae7526f01a00a52a9103ee'),
    Peer('psrule', 'Azure.KeyVault.Firewall', 'Configure Azure Key Vault firewall', 'vault-firewall',
         'Azure/PSRule.Rules.Azure', 'docs/en/rules/Azure.KeyVault.Firewall.md', 'a0674143952076bfa69aeb708be6c3084621a811'),
    Peer('psrule', 'Azure.KeyVault.Logs', 'Ensure audit diagnostics logs are enabled to audit Key Vault access.', 'vault-logs',
         'Azure/PSRule.Rules.Azure', 'src/PSRule.Rules.Azure/rules/Azure.KeyVault.Rule.ps1', '01aba36250c4a4899cae7526f01a00a52a9103ee'),
    Peer('psrule', 'Azure.KeyVault.PurgeProtect', 'Enable Purge Protection on Key Vaults to prevent early purge of vaults and vault items.', 'vault-purge-protection',
         'Azure/PSRule.Rules.Azure', 'src/PSRule.Rules.Azure/rules/Azure.KeyVault.Rule.yaml', '3517314fef61f91877fd470ec1ff163655576d96'),
    Peer('psrule', 'Azure.KeyVault.SoftDelete', 'Enable Soft Delete on Key Vaults to protect vaults and vault items from accidental deletion.', 'vault-soft-delete',
         'Azure/PSRule.Rules.Azure', 'src/PSRule.Rules.Azure/rules/Azure.KeyVault.Rule.yaml', '3517314fef61f91877fd470ec1ff163655576d96'),
    Peer('checkov', 'CKV_AZURE_109', 'Ensure that key vault allows firewall rules settings', 'vault-firewall',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/KeyVaultEnablesFirewallRulesSettings.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_110', 'Ensure that key vault enables purge protection', 'vault-purge-protection',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/KeyVaultEnablesPurgeProtection.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_111', 'Ensure that key vault enables soft delete', 'vault-soft-delete',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/KeyVaultEnablesSoftDelete.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_137', 'Ensure ACR admin account is disabled', 'admin-user',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/ACRAdminAccountDisabled.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_138', 'Ensures that ACR disables anonymous pulling of images', 'anonymous-pull',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/ACRAnonymousPullDisabled.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_139', 'Ensure ACR set to disable public networking', 'public-access-disabled',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/ACRPublicNetworkAccessDisabled.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_163', 'Enable vulnerability scanning for container images.', 'image-scanning',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/ACRContainerScanEnabled.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_164', 'Ensures that ACR uses signed/trusted images', 'content-trust',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/ACRUseSignedImages.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_165', 'Ensure geo-replicated container registries to match multi-region container deployments.', 'geo-replica',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/ACRGeoreplicated.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_166', 'Ensure container image quarantine, scan, and mark images verified', 'quarantine',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/ACREnableImageQuarantine.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_167', 'Ensure a retention policy is set to cleanup untagged manifests.', 'retention',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/ACREnableRetentionPolicy.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_233', 'Ensure Azure Container Registry (ACR) is zone redundant', 'zone-redundant',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/ACREnableZoneRedundancy.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_237', 'Ensure dedicated data endpoints are enabled.', 'data-endpoint',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/ACRDedicatedDataEndpointEnabled.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_40', 'Ensure that the expiration date is set on all keys', 'key-expiry',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/KeyExpirationDate.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_42', 'Ensure the key vault is recoverable', 'vault-recoverable',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/KeyvaultRecoveryEnabled.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('checkov', 'CKV_AZURE_86', 'Ensure that Azure Defender is set to On for Container Registries', 'defender-registries',
         'bridgecrewio/checkov', 'checkov/terraform/checks/resource/azure/AzureDefenderOnContainerRegistry.py', '03d5fdad8d6154b1565799a7b1fb8070c158866f'),
    Peer('prowler', 'containerregistry_admin_user_disabled', 'Container Registry admin user is disabled', 'admin-user',
         'prowler-cloud/prowler', 'prowler/providers/azure/services/containerregistry/containerregistry_admin_user_disabled/containerregistry_admin_user_disabled.metadata.json', '3e000faa3109230b748e4418a13c11c9e59f5cfb'),
    Peer('prowler', 'containerregistry_not_publicly_accessible', 'Container Registry public network access is disabled', 'public-access-disabled',
         'prowler-cloud/prowler', 'prowler/providers/azure/services/containerregistry/containerregistry_not_publicly_accessible/containerregistry_not_publicly_accessible.metadata.json', '3e000faa3109230b748e4418a13c11c9e59f5cfb'),
    Peer('prowler', 'containerregistry_uses_private_link', 'Container Registry uses a private endpoint (Private Link)', 'private-link',
         'prowler-cloud/prowler', 'prowler/providers/azure/services/containerregistry/containerregistry_uses_private_link/containerregistry_uses_private_link.metadata.json', '3e000faa3109230b748e4418a13c11c9e59f5cfb'),
    Peer('prowler', 'defender_container_images_resolved_vulnerabilities', 'All Azure running container images in the subscription have no unresolved vulnerabilities', 'image-vulnerabilities',
         'prowler-cloud/prowler', 'prowler/providers/azure/services/defender/defender_container_images_resolved_vulnerabilities/defender_container_images_resolved_vulnerabilities.metadata.json', '3e000faa3109230b748e4418a13c11c9e59f5cfb'),
    Peer('prowler', 'defender_container_images_scan_enabled', 'Subscription has container image vulnerability scanning enabled', 'image-scanning',
         'prowler-cloud/prowler', 'prowler/providers/azure/services/defender/defender_container_images_scan_enabled/defender_container_images_scan_enabled.metadata.json', '3e000faa3109230b748e4418a13c11c9e59f5cfb'),
    Peer('prowler', 'defender_ensure_defender_for_containers_is_on', 'Defender for Containers is set to On (Standard pricing tier)', 'defender-containers',
         'prowler-cloud/prowler', 'prowler/providers/azure/services/defender/defender_ensure_defender_for_containers_is_on/defender_ensure_defender_for_containers_is_on.metadata.json', '3e000faa3109230b748e4418a13c11c9e59f5cfb'),
    Peer('prowler', 'keyvault_key_expiration_set_in_non_rbac', 'Key in non-RBAC Key Vault has expiration date set', 'key-expiry',
         'prowler-cloud/prowler', 'prowler/providers/azure/services/keyvault/keyvault_key_expiration_set_in_non_rbac/keyvault_key_expiration_set_in_non_rbac.metadata.json', '3e000faa3109230b748e4418a13c11c9e59f5cfb'),
    Peer('prowler', 'keyvault_key_rotation_enabled', 'Key Vault key has automatic rotation enabled', 'key-rotation-policy',
         'prowler-cloud/prowler', 'prowler/providers/azure/services/keyvault/keyvault_key_rotation_enabled/keyvault_key_rotation_enabled.metadata.json', '3e000faa3109230b748e4418a13c11c9e59f5cfb'),
    Peer('prowler', 'keyvault_logging_enabled', 'Key Vault has at least one diagnostic setting with audit logging enabled', 'vault-logs',
         'prowler-cloud/prowler', 'prowler/providers/azure/services/keyvault/keyvault_logging_enabled/keyvault_logging_enabled.metadata.json', '3e000faa3109230b748e4418a13c11c9e59f5cfb'),
    Peer('prowler', 'keyvault_rbac_key_expiration_set', 'Key in RBAC-enabled Key Vault has expiration date set', 'key-expiry',
         'prowler-cloud/prowler', 'prowler/providers/azure/services/keyvault/keyvault_rbac_key_expiration_set/keyvault_rbac_key_expiration_set.metadata.json', '3e000faa3109230b748e4418a13c11c9e59f5cfb'),
    Peer('prowler', 'keyvault_recoverable', 'Key Vault has soft delete and purge protection enabled', 'vault-recoverable',
         'prowler-cloud/prowler', 'prowler/providers/azure/services/keyvault/keyvault_recoverable/keyvault_recoverable.metadata.json', '3e000faa3109230b748e4418a13c11c9e59f5cfb'),
    Peer('policy', '090c7b07-b4ed-4561-ad20-e9075f3ccaff', 'Azure registry container images should have vulnerabilities resolved (powered by Microsoft Defender Vulnerability Management)', 'image-vulnerabilities',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Security Center/MDC_AzureContainerRegistryVulnerabilityAssessment_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '0b60c0b2-2dc2-4e1c-b5c9-abbed971de53', 'Key vaults should have deletion protection enabled', 'vault-recoverable',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Key Vault/Recoverable_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '0fdf0491-d080-4575-b627-ad0e843cba0f', 'Public network access should be disabled for Container registries', 'public-access-disabled',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_PublicNetworkAccess_AuditDeny.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '106cd3bd-50a1-466c-869f-f9c2d310477b', 'Enable logging by category group for Container registries (microsoft.containerregistry/registries) to Storage', 'diagnostic-logs',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Monitoring/DS_ST_containerregistry-registries_DINE.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0', 'Key Vault keys should have an expiration date', 'key-expiry',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Key Vault/Keys_ExpirationSet.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '1c988dd6-ade4-430f-a608-2a3e5b0a6d38', 'Microsoft Defender for Containers should be enabled', 'defender-containers',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Security Center/ASC_EnableAdvancedThreatProtectionOnContainers_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d', 'Key vaults should have soft delete enabled', 'vault-soft-delete',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Key Vault/SoftDeleteMustBeEnabled_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '42781ec6-6127-4c30-bdfa-fb423a0047d3', 'Container registries should have ARM audience token authentication disabled.', 'arm-audience',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_AADAuthenticationAsArmPolicy_AuditDeny.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '524b0254-c285-4903-bee6-bb8126cde579', 'Container registries should have exports disabled', 'export-disabled',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_ExportPolicy_AuditDeny.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '55615ac9-af46-4a59-874e-391cc3dfb490', 'Azure Key Vault should have firewall enabled or public network access disabled', 'vault-firewall',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Key Vault/FirewallEnabled_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '56288eb2-4350-461d-9ece-2bb242269dce', 'Enable logging by category group for Container registries (microsoft.containerregistry/registries) to Log Analytics', 'diagnostic-logs',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Monitoring/DS_LA_containerregistry-registries_DINE.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580', 'Container registries should be encrypted with a customer-managed key', 'cmk',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_CMKEncryptionEnabled_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '5f0f936f-2f01-4bf5-b6be-d423792fa562', '[Deprecated]: Azure registry container images should have vulnerabilities resolved (powered by Qualys)', 'image-vulnerabilities',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Security Center/ASC_ContainerRegistryVulnerabilityAssessment_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '696cb1d3-2dcf-4b44-aa7a-caccd18b1b96', 'Container Registry should restrict external private endpoints.', 'external-private-endpoints',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Mission/ACRRestrictExternalPrivateEndpoint.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '785596ed-054f-41bc-aaec-7f3d0ba05725', 'Configure container registries to disable ARM audience token authentication.', 'arm-audience',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_AADAuthenticationAsArmDisabled_Modify.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '79fdfe03-ffcb-4e55-b4d0-b925b8241759', 'Configure container registries to disable local admin account.', 'admin-user',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_AdminAccountDisabled_Modify.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '84497762-32b6-4ab3-80b6-732ea48b85a2', 'Container registries should prevent cache rule creation', 'cache-rules',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_PTCDisabled_AuditDeny.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '9ba29e83-863d-4fec-81d0-16dd87067cc3', 'Enable logging by category group for Container registries (microsoft.containerregistry/registries) to Event Hub', 'diagnostic-logs',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Monitoring/DS_EH_containerregistry-registries_DINE.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '9d2b0a20-57d6-474c-9d12-44a4a20999c6', '[Preview]: Container Registry should be Zone Redundant', 'zone-redundant',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Resilience/ContainerRegistry_registries_ZoneRedundant_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', '9f2dea28-e834-476c-99c5-3507b4728395', 'Container registries should have anonymous authentication disabled.', 'anonymous-pull',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_AnonymousPullDisabled_AuditDeny.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'a3701552-92ea-433e-9d17-33b7f1208fc9', 'Configure Container registries to disable public network access', 'public-access-disabled',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_PublicNetworkAccess_Modify.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'a9b426fe-8856-4945-8600-18c5dd1cca2a', 'Configure container registries to disable repository scoped access token.', 'tokens',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_TokenDisabled_Modify.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'bd560fc0-3c69-498a-ae9f-aa8eb7de0e13', 'Container registries should have SKUs that support Private Links', 'premium-sku',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_SkuSupportsPrivateEndpoints_AuditDeny.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'c25d9a16-bc35-4e15-a7e5-9db606bf9ed4', '[Deprecated]: Azure Defender for container registries should be enabled', 'defender-registries',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Security Center/ASC_EnableAdvancedThreatProtectionOnContainerRegistry_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'c4857be7-912a-4c75-87e6-e30292bcdf78', '[Preview]: Container Registry should use a virtual network service endpoint', 'vnet-rules',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Network/VirtualNetworkServiceEndpoint_ContainerRegistry_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'cced2946-b08a-44fe-9fd9-e4ed8a779897', 'Configure container registries to disable anonymous authentication.', 'anonymous-pull',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_AnonymousPullDisabled_Modify.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'cf820ca0-f99e-4f3e-84fb-66e913812d21', 'Resource logs in Key Vault should be enabled', 'vault-logs',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Key Vault/AuditDiagnosticLog_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'd0793b48-0edc-4296-a390-4c75d1bdfd71', 'Container registries should not allow unrestricted network access', 'network-restricted',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_NetworkRulesExist_AuditDeny.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'd3d1e68e-49d4-4b56-acff-93cef644b432', '[Deprecated]: Configure Azure Defender for container registries to be enabled', 'defender-registries',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Security Center/ASC_Azure_Defender_Container_Registries_DINE.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'd85c6833-7d33-4cf5-a915-aaa2de84405f', 'Configure Container registries with private endpoints', 'private-link',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_PrivateEndpoint_DINE.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'd8cf8476-a2ec-4916-896e-992351803c44', 'Keys should have a rotation policy ensuring that their rotation is scheduled within the specified number of days after creation.', 'key-rotation-policy',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Key Vault/Keys_KeyRotationPolicy_MaximumDaysToRotate.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'dc921057-6b28-4fbe-9b83-f7bec05db6c2', 'Container registries should have local admin account disabled.', 'admin-user',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_AdminAccountDisabled_AuditDeny.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'e8eef0a8-67cf-4eb4-9386-14b0e78733d4', 'Container registries should use private link', 'private-link',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_PrivateEndpointEnabled_Audit.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'e9585a95-5b8c-4d03-b193-dc7eb5ac4c32', 'Configure Container registries to use private DNS zones', 'private-dns',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_PrivateDNSZone_DINE.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),
    Peer('policy', 'ff05e24e-195c-447e-b322-5e90c9f9f366', 'Container registries should have repository scoped access token disabled.', 'tokens',
         'Azure/azure-policy', 'built-in-policies/policyDefinitions/Container Registry/ACR_TokenDisabled_AuditDeny.json', 'f4a50bacae07ddb096943c597669bcae494a6e29'),

)

BY_ID: dict[tuple[str, str], Peer] = {(p.tool, p.id.lower()): p for p in PEERS}


def peer(tool: str, ident: str) -> Peer | None:
    return BY_ID.get((tool, ident.lower()))


# controls a peer checks that acrtui deliberately does not, and why (shown in the coverage table's acrtui column)
STANCES: dict[str, str] = {
    "key-expiry": "not required, deliberately: a rotation policy instead (ACR-CMK-004, ACR-CMK-008)",
    "min-sku": "stricter: Premium (ACR-PL-001)",
    "defender-registries": "deprecated plan: Defender for Containers instead (ACR-DEF-001)",
    "usage": "not a security control",
    "naming": "not a security control",
}
COVERAGE_START = "<!-- coverage table: generated from acrtui/domain/checks/peers.py; do not edit by hand -->"
COVERAGE_END = "<!-- end of coverage table -->"


def _cell(tool: str, ids: list[str]) -> str:
    short = [i[:8] if tool == "policy" else i for i in ids]
    return ", ".join(f"`{i}`" for i in short) if short else "—"


def coverage_markdown(catalogue: Sequence[Any]) -> str:
    """The README's coverage table: each control any peer checks, who checks it (acrtui's check ids, the peers' rule
    ids; policy GUIDs shortened to 8 characters), then the checks only acrtui has."""
    by_control: dict[str, set[str]] = {}
    only: list[Any] = []
    guards = [c for c in catalogue if str(c.family) == "policy" and c.references.policy_definition_ids]
    for c in catalogue:
        ids = c.references.peer_ids()
        if not ids:
            only.append(c)
        if c in guards:
            continue  # "the built-in is assigned" is not the control itself: its own row below
        for tool, ident in ids:
            p = peer(tool, ident)
            if p is not None:
                by_control.setdefault(p.control, set()).add(c.id)
    order = [c.id for c in catalogue]
    head = "| control | acrtui | " + " | ".join(TOOL_NAMES[t] for t in TOOLS) + " |"
    lines = [head, "|" + "---|" * (2 + len(TOOLS))]
    for key, label in CONTROLS.items():
        rules = {t: [p.id for p in PEERS if p.control == key and p.tool == t] for t in TOOLS}
        if not any(rules.values()):
            continue
        checks = sorted(by_control.get(key, set()), key=order.index)
        ours = ", ".join(checks) if checks else STANCES.get(key, "**missing**")
        lines.append(f"| {label} | {ours} | " + " | ".join(_cell(t, rules[t]) for t in TOOLS) + " |")
    if guards:
        lines.append(f"| The built-ins above are assigned over the registry, with an effect | "
                     f"{', '.join(c.id for c in guards)} (only acrtui) | " + " | ".join("—" for _ in TOOLS) + " |")
    for c in only:
        lines.append(f"| {c.title} | {c.id} (only acrtui) | " + " | ".join("—" for _ in TOOLS) + " |")
    covered = sum(1 for k in CONTROLS if k in by_control)
    peer_controls = {p.control for p in PEERS}
    lines.append("")
    lines.append(f"{len(peer_controls)} controls checked by at least one peer; acrtui checks {covered} of them "
                 f"({len(STANCES)} more are left out deliberately, as the table says); {len(only) + bool(guards)} controls only "
                 "acrtui "
                 f"has. Policy GUIDs are shortened to 8 characters. Peer rules read on {READ_ON} (ids, titles and sources: `acrtui checks`, "
                 "acrtui/domain/checks/peers.py).")
    return "\n".join(lines) + "\n"
