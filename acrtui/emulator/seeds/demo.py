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

Registry sub-resources and policies (issue 10): contosoprodacr has quarantine and retention on and a webhook to a
private address; contosoprodpinned a read-only connected registry and a deprecated VNet (service endpoint) rule;
contosostgacr a narrowly scoped token, a cache rule with a healthy credential set, a read-write connected registry,
an HTTPS webhook to a public host and a pending private endpoint request from a partner's subscription nobody here can
read; contosostgstd a plain-http webhook; sandboxbasic soft delete on; sandboxstd a token with the system
``_repositories_admin`` scope map and a password that never expires, and a cache rule whose credential set is
unhealthy; sandboxpremium content trust on and a wildcard cache rule with no credentials. The reader sign-in also
holds a custom role with ``webhooks/getCallbackConfig/action`` (Reader cannot read webhook URIs).

Networks: a hub VNet per production/staging with a private-endpoint subnet (production also has a nearly full /29),
the ``privatelink`` zone linked to each. Policy: audit assignments (CMK, private link) at the production subscription, a
Deny of admin accounts at the staging registry group.
"""

from __future__ import annotations

from typing import Any

from ..providers.acr_subresources import set_credential_health
from ..providers.containerregistry import SOFT_DELETE_FROM as SOFT_DELETE_API
from ..state import State, stable_uuid
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

    # ---------------------------------------------------------------- registry sub-resources (issue 10)
    def scope_map(self, reg: dict[str, Any], name: str, actions: list[str]) -> str:
        return str(self.r.call("PUT", f"{reg['id']}/scopeMaps/{name}", {"properties": {"actions": actions}})["id"])

    def token(self, reg: dict[str, Any], name: str, scope_map: str, expiry: str | None) -> str:
        pw: dict[str, Any] = {"name": "password1", **({"expiry": expiry} if expiry else {})}
        body = {"properties": {"scopeMapId": scope_map if scope_map.startswith("/") else f"{reg['id']}/scopeMaps/{scope_map}",
                               "status": "enabled", "credentials": {"passwords": [pw]}}}
        return str(self.r.call("PUT", f"{reg['id']}/tokens/{name}", body)["id"])

    def webhook(self, reg: dict[str, Any], name: str, uri: str) -> None:
        body = {"location": reg["location"], "properties": {"serviceUri": uri, "actions": ["push", "delete"], "status": "enabled"}}
        self.r.call("PUT", f"{reg['id']}/webhooks/{name}", body)

    def credential_set(self, reg: dict[str, Any], name: str, login_server: str, vault: str) -> str:
        base = f"https://{vault}.{self.state.suffix('vault')}/secrets"
        body = {"properties": {"loginServer": login_server, "authCredentials": [
            {"name": "Credential1", "usernameSecretIdentifier": f"{base}/{name}-user", "passwordSecretIdentifier": f"{base}/{name}-password"}]},
            "identity": {"type": "SystemAssigned"}}
        return str(self.r.call("PUT", f"{reg['id']}/credentialSets/{name}", body)["id"])

    def cache_rule(self, reg: dict[str, Any], name: str, source: str, target: str, credential_set: str | None = None) -> None:
        props = {"sourceRepository": source, "targetRepository": target, **({"credentialSetResourceId": credential_set} if credential_set else {})}
        self.r.call("PUT", f"{reg['id']}/cacheRules/{name}", {"properties": props})

    def connected_registry(self, reg: dict[str, Any], name: str, mode: str, repos: list[str]) -> None:
        gateway = [f"gateway/{name}/config/read", f"gateway/{name}/config/write", f"gateway/{name}/message/read", f"gateway/{name}/message/write"]
        content = [f"repositories/{r}/{a}" for r in repos for a in ("content/read", "metadata/read")]
        if mode == "ReadWrite":
            content += [f"repositories/{r}/{a}" for r in repos for a in ("content/write", "metadata/write")]
        sm = self.scope_map(reg, f"{name}-sync-scope-map", gateway + content)
        tok = self.token(reg, f"{name}-sync-token", sm, "2027-01-15T09:00:00Z")
        body = {"properties": {"mode": mode, "parent": {"syncProperties": {"tokenId": tok, "messageTtl": "P2D", "schedule": "0 9 * * *"}}}}
        self.r.call("PUT", f"{reg['id']}/connectedRegistries/{name}", body)


CALLBACK_ACTION = "Microsoft.ContainerRegistry/registries/webhooks/getCallbackConfig/action"


def grant_webhook_callback_reader(st: State, sub: str) -> None:
    """Reader cannot read a webhook's URI (getCallbackConfig is an action, not a read): the audit sign-in also holds
    a custom role with just that action, the way security scanners document it (a Reader-plus custom role)."""
    guid = stable_uuid("role", "webhook-callback-reader", sub)
    rid = f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    st.put(rid, {"id": rid, "name": guid, "type": "Microsoft.Authorization/roleDefinitions", "properties": {
        "roleName": "ACR webhook callback reader (acrtui audit)", "type": "CustomRole",
        "description": "Read registry webhooks' service URIs for the acrtui audit.",
        "permissions": [{"actions": [CALLBACK_ACTION], "notActions": [], "dataActions": [], "notDataActions": []}],
        "assignableScopes": [f"/subscriptions/{sub}"]}})
    name = stable_uuid("ra", sub, "webhook-callback-reader")
    aid = f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/{name}"
    st.put(aid, {"id": aid, "name": name, "type": "Microsoft.Authorization/roleAssignments", "properties": {
        "roleDefinitionId": rid, "principalId": st.logins["reader"], "principalType": "ServicePrincipal",
        "scope": f"/subscriptions/{sub}", "createdOn": "2026-01-01T00:00:00Z", "updatedOn": "2026-01-01T00:00:00Z"}})


def st_get(st: State, sub: str, name: str) -> dict[str, Any]:
    res = st.get(f"/subscriptions/{sub}/resourceGroups/rg-sandbox/providers/{REG}/{name}")
    assert res is not None
    return res.body


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
    for sub in (prod, stg, sbx):
        grant_webhook_callback_reader(st, sub)
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
    d.r.call("PATCH", good["id"], {"properties": {"publicNetworkAccess": "Disabled", "policies": {"exportPolicy": {"status": "disabled"}, "azureADAuthenticationAsArmPolicy": {"status": "disabled"}, "quarantinePolicy": {"status": "enabled"}, "retentionPolicy": {"days": 30, "status": "enabled"}}}})
    d.webhook(good, "deployhook", "https://10.10.16.20/hooks/acr")  # the AKS subnet's ingress
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
    # an old service-endpoint rule for the AKS subnet, kept from before the private endpoint
    d.r.call("PATCH", pinned["id"], {"properties": {"networkRuleSet": {"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "203.0.113.0/24"}, {"action": "Allow", "value": "198.51.100.17"}], "virtualNetworkRules": [{"action": "Allow", "id": f"{hub['id']}/subnets/snet-aks"}]}}})
    d.connected_registry(pinned, "branch-office", "ReadOnly", ["ledger/api"])

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
    # a partner's subscription in another tenant (not a subscription of this tenant; no sign-in here can read it)
    # asks for a private path into the staging registry
    partner = stable_uuid("subscription", "partner")
    add_group(st, partner, "rg-fabrikam", "westeurope")
    vnet_partner = d.vnet(partner, "rg-fabrikam", "vnet-fabrikam", "westeurope", "172.16.0.0/16", {"snet-pe": "172.16.1.0/24"})
    d.private_endpoint(partner, "rg-fabrikam", "pe-fabrikam-staging", "westeurope", f"{vnet_partner['id']}/subnets/snet-pe", stg_acr, manual=True)
    d.token(stg_acr, "edge-pull", d.scope_map(stg_acr, "payments-pull", ["repositories/payments/api/content/read", "repositories/payments/api/metadata/read"]), "2026-09-30T00:00:00Z")
    creds = d.credential_set(stg_acr, "dockerhub", "docker.io", "kv-contoso-stg-cache")
    d.cache_rule(stg_acr, "nginx", "docker.io/library/nginx", "mirror/nginx", creds)
    d.connected_registry(stg_acr, "factory-edge", "ReadWrite", ["payments/api"])
    d.webhook(stg_acr, "teamchat", "https://hooks.chat.example.com/services/T000/B000/XXXX")
    stg_std = d.registry(stg, "rg-registry-stg", "contosostgstd", "westeurope", "Standard", adminUserEnabled=True)
    d.webhook(stg_std, "legacyci", "http://203.0.113.50:8080/acr-events")
    d.assign(f"/subscriptions/{stg}/resourceGroups/rg-registry-stg", "deny-acr-admin", ADMIN_POLICY, "Deny", "Container registries should have local admin account disabled.")
    d.assign(f"/subscriptions/{stg}", "audit-acr-public-access", PUBLIC_ACCESS_POLICY, "Audit", "Public network access should be disabled for Container registries")

    # ---------------------------------------------------------------- sandbox
    add_group(st, sbx, "rg-sandbox", "eastus")
    d.defender(sbx, "Standard", registry_scanning=False)
    basic = d.registry(sbx, "rg-sandbox", "sandboxbasic", "eastus", "Basic")
    d.r.call("PATCH", basic["id"], {"properties": {"policies": {"softDeletePolicy": {"retentionDays": 7, "status": "enabled"}}}}, api_version=SOFT_DELETE_API)
    std = d.registry(sbx, "rg-sandbox", "sandboxstd", "eastus", "Standard", adminUserEnabled=True, anonymousPullEnabled=True)
    d.token(std, "legacy-ci", "_repositories_admin", None)
    broken = d.credential_set(std, "mcr-mirror", "mcr.microsoft.com", "kv-sandbox-gone")
    res = st.get(broken)
    assert res is not None
    set_credential_health(res, "Credential1", "Unhealthy", "KeyVaultSecretNotFound", "The secret could not be read from Key Vault.")
    d.cache_rule(std, "dotnet", "mcr.microsoft.com/dotnet/runtime", "dotnet/runtime", broken)
    d.registry(sbx, "rg-sandbox", "sandboxpremium", "eastus", "Premium", identity={"type": "SystemAssigned"}, policies={"trustPolicy": {"type": "Notary", "status": "enabled"}})
    d.cache_rule(st_get(st, sbx, "sandboxpremium"), "dockerhub-all", "docker.io/*", "*")
