"""The ``demo`` estate: three subscriptions (production, staging, sandbox), three regions, every state acrtui cares about.

| registry | sku | what it shows |
|---|---|---|
| contosoprodacr | Premium, eastus + westeurope replica | the target: CMK with a versionless key, public access off, approved PE with complete DNS, data endpoints, audited vault |
| contosoprodpinned | Premium, eastus | CMK pinned to an old key version; vault without purge protection or audit logs; firewall with IP rules; PE pending approval |
| contosoprodlost | Premium, eastus | CMK whose identity lost its key access (content unreadable until restored) |
| contosostgacr | Premium, westeurope + northeurope replica | approved PE whose DNS misses the replica region's data record; firewall with IP rules |
| contosostgstd | Standard, westeurope | wide open, admin user on (a Deny on local admin is assigned over its group) |
| sandboxbasic | Basic, eastus | the cheapest SKU: no Private Link, no CMK possible |
| sandboxstd | Standard, eastus | anonymous pull and admin user on |
| sandboxpremium | Premium, eastus | Premium but wide open, no data endpoints, system identity only |

Security (issue 10): contosoprodacr's vault has a firewall (trusted services let through) and its key a rotation
policy; contosoprodlost's key has none. contosoprodacr sends its audit logs (category group ``audit``) to the workspace,
contosostgacr only its login events. Defender for Containers is on in production (contosoprodacr assessed Healthy,
contosoprodpinned Unhealthy with two vulnerable images, contosoprodlost not assessed), off in staging, and on in
sandbox with registry scanning turned off.

Networks: a hub VNet per production/staging with a private-endpoint subnet (production also has a nearly full /29),
the ``privatelink`` zone linked to each. Policy: audit assignments (CMK, private link) at the production subscription, a
Deny of admin accounts at the staging registry group.
"""

from __future__ import annotations

from typing import Any

from ..state import State
from . import add_group, add_subscription, base_state
from .runner import SeedRunner, seeding

REG = "Microsoft.ContainerRegistry/registries"
CMK_POLICY = "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580"
PRIVATE_LINK_POLICY = "e8eef0a8-67cf-4eb4-9386-14b0e78733d4"
PUBLIC_ACCESS_POLICY = "0fdf0491-d080-4575-b627-ad0e843cba0f"
ADMIN_POLICY = "dc921057-6b28-4fbe-9b83-f7bec05db6c2"
# Learn, "Configure cryptographic key auto-rotation in Azure Key Vault": rotate 90 days after creation, new versions
# expire after a year, notify 30 days before expiry
ROTATION = {
    "lifetimeActions": [
        {"trigger": {"timeAfterCreate": "P90D"}, "action": {"type": "Rotate"}},
        {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Notify"}},
    ],
    "attributes": {"expiryTime": "P1Y"},
}

REPOSITORIES = {
    "contosoprodacr": {"payments/api": ["1.4.2", "1.4.3", "latest"], "payments/worker": ["1.4.3"], "platform/nginx": ["1.27", "1.27-alpine"], "platform/otel-collector": ["0.112.0"]},
    "contosoprodpinned": {"ledger/api": ["2.0.1", "2.1.0"], "ledger/migrations": ["2.1.0"]},
    "contosoprodlost": {"legacy/batch": ["2019.4"]},
    "contosostgacr": {"payments/api": ["1.5.0-rc1"], "platform/nginx": ["1.27"]},
    "contosostgstd": {"experiments/ml-inference": ["0.3.0", "0.4.0"], "tools/curl": ["8.10"]},
    "sandboxbasic": {"hello-world": ["latest"]},
    "sandboxstd": {"demo/web": ["dev", "main"], "demo/db": ["16"]},
    "sandboxpremium": {"demo/web": ["main"]},
}


class Demo:
    def __init__(self, runner: SeedRunner) -> None:
        self.r = runner
        self.state = runner.state

    # ---------------------------------------------------------------- building blocks
    def identity(self, sub: str, rg: str, name: str, location: str) -> dict[str, Any]:
        path = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
        return self.r.call("PUT", path, {"location": location}, api_version="2024-11-30")

    def vault(self, sub: str, rg: str, name: str, location: str, *, purge_protection: bool, rbac: bool = False,
              firewall: bool = False) -> dict[str, Any]:
        path = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}"
        props: dict[str, Any] = {
            "tenantId": self.state.tenant_id,
            "sku": {"family": "A", "name": "standard"},
            "accessPolicies": [],
            "enableSoftDelete": True,
            "softDeleteRetentionInDays": 90,
            "enableRbacAuthorization": rbac,
        }
        if purge_protection:
            props["enablePurgeProtection"] = True
        if firewall:
            props["networkAcls"] = {"defaultAction": "Deny", "bypass": "AzureServices"}
        return self.r.call("PUT", path, {"location": location, "properties": props}, api_version="2026-05-15")

    def key(self, vault: dict[str, Any], name: str, *, rotation: dict[str, Any] | None = None) -> dict[str, Any]:
        props: dict[str, Any] = {"kty": "RSA", "keySize": 3072}
        if rotation is not None:
            props["rotationPolicy"] = rotation
        return self.r.call("PUT", f"{vault['id']}/keys/{name}", {"properties": props}, api_version="2026-05-15")

    def registry_logs(self, registry_id: str, workspace: dict[str, Any], logs: list[dict[str, Any]]) -> None:
        body = {"properties": {"workspaceId": workspace["id"], "logs": logs}}
        self.r.call("PUT", f"{registry_id}/providers/Microsoft.Insights/diagnosticSettings/registry-audit", body, api_version="2021-05-01-preview")

    def defender(self, sub: str, tier: str, *, registry_scanning: bool = True) -> None:
        props: dict[str, Any] = {"pricingTier": tier}
        if tier == "Standard":
            props["extensions"] = [{"name": "ContainerRegistriesVulnerabilityAssessments", "isEnabled": str(registry_scanning)}]
        self.r.call("PUT", f"/subscriptions/{sub}/providers/Microsoft.Security/pricings/Containers", {"properties": props}, api_version="2024-01-01")

    def grant_key_access(self, vault: dict[str, Any], object_id: str, op: str = "add") -> None:
        body = {"properties": {"accessPolicies": [{"tenantId": self.state.tenant_id, "objectId": object_id, "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]}}]}}
        self.r.call("PUT", f"{vault['id']}/accessPolicies/{op}", body, api_version="2026-05-15")

    def registry(self, sub: str, rg: str, name: str, location: str, sku: str, **props: Any) -> dict[str, Any]:
        identity = props.pop("identity", None)
        body: dict[str, Any] = {"location": location, "sku": {"name": sku}, "properties": {"adminUserEnabled": False, **props}, "tags": {"env": rg.split("-")[-1], "owner": "platform-team"}}
        if identity:
            body["identity"] = identity
        reg = self.r.call("PUT", f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{REG}/{name}", body)
        res = self.state.get(reg["id"])
        assert res is not None
        res.extra["repositories"] = {k: list(v) for k, v in REPOSITORIES.get(name, {}).items()}
        return reg

    def cmk_registry(self, sub: str, rg: str, name: str, location: str, ident: dict[str, Any], key_uri: str, **props: Any) -> dict[str, Any]:
        return self.registry(
            sub,
            rg,
            name,
            location,
            "Premium",
            identity={"type": "UserAssigned", "userAssignedIdentities": {ident["id"]: {}}},
            encryption={"status": "enabled", "keyVaultProperties": {"keyIdentifier": key_uri, "identity": ident["properties"]["clientId"]}},
            **props,
        )

    def replica(self, reg: dict[str, Any], region: str) -> None:
        self.r.call("PUT", f"{reg['id']}/replications/{region}", {"location": region})

    def vnet(self, sub: str, rg: str, name: str, location: str, prefix: str, subnets: dict[str, str]) -> dict[str, Any]:
        body = {
            "location": location,
            "properties": {
                "addressSpace": {"addressPrefixes": [prefix]},
                "subnets": [{"name": n, "properties": {"addressPrefix": p, "privateEndpointNetworkPolicies": "Disabled"}} for n, p in subnets.items()],
            },
        }
        return self.r.call("PUT", f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}", body, api_version="2026-03-01")

    def dns_zone(self, sub: str, rg: str, vnets: list[dict[str, Any]]) -> dict[str, Any]:
        zone_name = self.state.suffix("dns_zone")
        zone = self.r.call("PUT", f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{zone_name}", {"location": "global"}, api_version="2024-06-01")
        for v in vnets:
            link = {"location": "global", "properties": {"virtualNetwork": {"id": v["id"]}, "registrationEnabled": False}}
            self.r.call("PUT", f"{zone['id']}/virtualNetworkLinks/link-{v['name']}", link, api_version="2024-06-01")
        return zone

    def private_endpoint(self, sub: str, rg: str, name: str, location: str, subnet_id: str, reg: dict[str, Any], *, manual: bool = False, zone: dict[str, Any] | None = None) -> dict[str, Any]:
        conn = {"name": f"{name}-conn", "properties": {"privateLinkServiceId": reg["id"], "groupIds": ["registry"], "requestMessage": "Please approve: platform-team"}}
        key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
        body = {"location": location, "properties": {"subnet": {"id": subnet_id}, key: [conn]}}
        pe = self.r.call("PUT", f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateEndpoints/{name}", body, api_version="2026-03-01")
        if zone is not None:
            group = {"properties": {"privateDnsZoneConfigs": [{"name": "privatelink-azurecr", "properties": {"privateDnsZoneId": zone["id"]}}]}}
            self.r.call("PUT", f"{pe['id']}/privateDnsZoneGroups/default", group, api_version="2026-03-01")
        return pe

    def workspace(self, sub: str, rg: str, name: str, location: str) -> dict[str, Any]:
        body = {"location": location, "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 90}}
        return self.r.call("PUT", f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{name}", body, api_version="2023-09-01")

    def audit_logs(self, resource_id: str, workspace: dict[str, Any]) -> None:
        body = {"properties": {"workspaceId": workspace["id"], "logs": [{"category": "AuditEvent", "enabled": True}, {"category": "AzurePolicyEvaluationDetails", "enabled": False}]}}
        self.r.call("PUT", f"{resource_id}/providers/Microsoft.Insights/diagnosticSettings/send-to-law-security", body, api_version="2021-05-01-preview")

    def assign(self, scope: str, name: str, definition: str, effect: str, display: str) -> None:
        body = {
            "properties": {
                "policyDefinitionId": f"/providers/Microsoft.Authorization/policyDefinitions/{definition}",
                "displayName": display,
                "parameters": {"effect": {"value": effect}},
                "enforcementMode": "Default",
                "nonComplianceMessages": [{"message": f"{display} (acrtui demo)"}],
            }
        }
        self.r.call("PUT", f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}", body, api_version="2026-06-01")


def demo(cloud: str = "AzureCloud") -> State:
    st = base_state(cloud)
    runner, frozen = seeding(st, "demo")
    with frozen:
        build(Demo(runner))
    return st


def build(d: Demo) -> None:
    from ..providers.keyvault import new_key_version
    from ..providers.security import set_image_assessment

    st = d.state
    prod = add_subscription(st, "production", "contoso-production")
    stg = add_subscription(st, "staging", "contoso-staging")
    sbx = add_subscription(st, "sandbox", "contoso-sandbox")
    st.globally_taken["registries"] = {"contoso", "acrprod", "myregistry"}  # names other tenants own

    # ---------------------------------------------------------------- production
    for g in ("rg-registry-prod", "rg-security-prod", "rg-network-prod"):
        add_group(st, prod, g, "eastus")
    law = d.workspace(prod, "rg-security-prod", "law-security-prod", "eastus")
    hub = d.vnet(prod, "rg-network-prod", "vnet-hub-prod", "eastus", "10.10.0.0/16", {"snet-pe": "10.10.1.0/24", "snet-pe-small": "10.10.2.0/29", "snet-aks": "10.10.16.0/20"})
    zone = d.dns_zone(prod, "rg-network-prod", [hub])
    snet_pe = f"{hub['id']}/subnets/snet-pe"
    snet_small = f"{hub['id']}/subnets/snet-pe-small"

    kv_main = d.vault(prod, "rg-security-prod", "kv-contoso-prod-cmk", "eastus", purge_protection=True, firewall=True)
    d.audit_logs(kv_main["id"], law)
    key_main = d.key(kv_main, "acr-cmk", rotation=ROTATION)
    id_main = d.identity(prod, "rg-security-prod", "id-acr-prod", "eastus")
    d.grant_key_access(kv_main, id_main["properties"]["principalId"])
    good = d.cmk_registry(prod, "rg-registry-prod", "contosoprodacr", "eastus", id_main, key_main["properties"]["keyUri"], networkRuleBypassOptions="AzureServices")
    d.replica(good, "westeurope")
    d.private_endpoint(prod, "rg-network-prod", "pe-contosoprodacr", "eastus", snet_pe, good, zone=zone)
    d.r.call("PATCH", good["id"], {"properties": {"publicNetworkAccess": "Disabled", "policies": {"exportPolicy": {"status": "disabled"}, "azureADAuthenticationAsArmPolicy": {"status": "disabled"}}}})
    d.registry_logs(good["id"], law, [{"categoryGroup": "audit", "enabled": True}])

    kv_pin = d.vault(prod, "rg-security-prod", "kv-contoso-ledger", "eastus", purge_protection=False)
    key_pin = d.key(kv_pin, "ledger-cmk")
    old_uri = key_pin["properties"]["keyUriWithVersion"]
    id_pin = d.identity(prod, "rg-security-prod", "id-acr-ledger", "eastus")
    d.grant_key_access(kv_pin, id_pin["properties"]["principalId"])
    pinned = d.cmk_registry(
        prod, "rg-registry-prod", "contosoprodpinned", "eastus", id_pin, old_uri,
        networkRuleSet={"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "203.0.113.0/24"}, {"action": "Allow", "value": "198.51.100.17"}]},
    )
    new_key_version(st, "kv-contoso-ledger", "ledger-cmk")  # the vault moved on; the registry is still pinned to the old one
    d.private_endpoint(prod, "rg-network-prod", "pe-contosoprodpinned", "eastus", snet_small, pinned, manual=True)

    kv_lost = d.vault(prod, "rg-security-prod", "kv-contoso-legacy", "eastus", purge_protection=True)
    key_lost = d.key(kv_lost, "legacy-cmk")
    id_lost = d.identity(prod, "rg-security-prod", "id-acr-legacy", "eastus")
    d.grant_key_access(kv_lost, id_lost["properties"]["principalId"])
    d.cmk_registry(prod, "rg-registry-prod", "contosoprodlost", "eastus", id_lost, key_lost["properties"]["keyUri"])
    d.grant_key_access(kv_lost, id_lost["properties"]["principalId"], op="remove")  # someone cleaned up access policies

    # Defender for Containers scans production's registries (its assessments are Defender's writes, made in process)
    d.defender(prod, "Standard")
    set_image_assessment(st, good["id"], "Healthy")
    set_image_assessment(st, pinned["id"], "Unhealthy", [
        {"image": "ledger/api@sha256:" + "a1" * 32, "title": "openssl: CVE-2024-5535 SSL_select_next_proto buffer overread", "severity": "High"},
        {"image": "ledger/migrations@sha256:" + "b2" * 32, "title": "glibc: CVE-2024-2961 iconv out-of-bounds write", "severity": "Critical"},
    ])  # contosoprodlost is not assessed yet: 090c7b07 counts that as non-compliant

    d.assign(f"/subscriptions/{prod}", "audit-acr-cmk", CMK_POLICY, "Audit", "Container registries should be encrypted with a customer-managed key")
    d.assign(f"/subscriptions/{prod}", "audit-acr-private-link", PRIVATE_LINK_POLICY, "Audit", "Container registries should use private link")

    # ---------------------------------------------------------------- staging
    for g in ("rg-registry-stg", "rg-network-stg"):
        add_group(st, stg, g, "westeurope")
    vnet_stg = d.vnet(stg, "rg-network-stg", "vnet-stg", "westeurope", "10.20.0.0/16", {"snet-pe": "10.20.1.0/24", "snet-apps": "10.20.8.0/21"})
    zone_stg = d.dns_zone(stg, "rg-network-stg", [vnet_stg])
    stg_acr = d.registry(
        stg, "rg-registry-stg", "contosostgacr", "westeurope", "Premium",
        networkRuleSet={"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "203.0.113.0/24"}]},
    )
    d.replica(stg_acr, "northeurope")
    d.registry_logs(stg_acr["id"], law, [{"category": "ContainerRegistryLoginEvents", "enabled": True},
                                         {"category": "ContainerRegistryRepositoryEvents", "enabled": False}])
    d.defender(stg, "Free")
    d.private_endpoint(stg, "rg-network-stg", "pe-contosostgacr", "westeurope", f"{vnet_stg['id']}/subnets/snet-pe", stg_acr, zone=zone_stg)
    # the replica's data record went missing (a hand-made zone, a failed deployment): DNS is incomplete
    d.r.call("DELETE", f"{zone_stg['id']}/A/contosostgacr.northeurope.data", api_version="2024-06-01")
    d.registry(stg, "rg-registry-stg", "contosostgstd", "westeurope", "Standard", adminUserEnabled=True)
    d.assign(f"/subscriptions/{stg}/resourceGroups/rg-registry-stg", "deny-acr-admin", ADMIN_POLICY, "Deny", "Container registries should have local admin account disabled.")
    d.assign(f"/subscriptions/{stg}", "audit-acr-public-access", PUBLIC_ACCESS_POLICY, "Audit", "Public network access should be disabled for Container registries")

    # ---------------------------------------------------------------- sandbox
    add_group(st, sbx, "rg-sandbox", "eastus")
    d.defender(sbx, "Standard", registry_scanning=False)
    d.registry(sbx, "rg-sandbox", "sandboxbasic", "eastus", "Basic")
    d.registry(sbx, "rg-sandbox", "sandboxstd", "eastus", "Standard", adminUserEnabled=True, anonymousPullEnabled=True)
    d.registry(sbx, "rg-sandbox", "sandboxpremium", "eastus", "Premium", identity={"type": "SystemAssigned"})
