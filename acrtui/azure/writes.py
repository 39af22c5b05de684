"""Every change acrtui makes in Azure. Each waits for its long-running operation and returns the read-back state.

Used by the plan executor and the console. In a read-only session every method refuses up front, before any
request (even a read or a token request) is made; the pipeline's guard is the second line of defence.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from ..domain.models import (
    KeyPosture,
    PolicyAssignmentInfo,
    PrivateEndpointPosture,
    RegistryPosture,
    UserIdentity,
    VaultPosture,
)
from ..errors import CmkRuleViolation, PremiumRequired, ReadOnlyViolation, UsageError
from .errors import translate
from .inventory import DIAG_API, Inventory, _ci, _d, id_parts, key_from_json, policy_from_json, raw
from .session import AzureSession

P = ParamSpec("P")
R = TypeVar("R")

CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
KEY_PERMISSIONS = ["get", "wrapKey", "unwrapKey"]


def write(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Refuse in read-only sessions before anything is sent; map Azure errors to product errors."""

    @wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        self = args[0]
        if self.s.read_only:  # type: ignore[attr-defined]
            raise ReadOnlyViolation("WRITE", fn.__name__)
        async with translate():
            return await fn(*args, **kwargs)

    return wrapper


def stable_name(*parts: str) -> str:
    """Deterministic GUID names (role assignments): re-running a step targets the same resource."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "acrtui:" + "/".join(p.lower() for p in parts)))


class Writer:
    def __init__(self, session: AzureSession) -> None:
        self.s = session
        self.read = Inventory(session)

    def _acr(self, registry_id: str) -> tuple[Any, str, str]:
        ip = id_parts(registry_id)
        return self.s.client("containerregistry", ip["subscription"]), ip["resource_group"], ip["name"]

    # ------------------------------------------------------------ registry properties (PATCH)
    @write
    async def update_registry(self, registry_id: str, properties: dict[str, Any]) -> RegistryPosture:
        """PATCH ``properties`` (ARM JSON) onto a registry. ``networkRuleSet`` is replaced whole by ARM."""
        acr, rg, name = self._acr(registry_id)
        poller = await acr.registries.begin_update(rg, name, {"properties": properties})
        await poller.result()
        return await self.read.read_registry(registry_id)

    async def set_public_network_access(self, registry_id: str, enabled: bool) -> RegistryPosture:
        return await self.update_registry(registry_id, {"publicNetworkAccess": "Enabled" if enabled else "Disabled"})

    async def set_network_rules(self, registry_id: str, default_action: str, ip_rules: list[str]) -> RegistryPosture:
        rules = [{"action": "Allow", "value": v} for v in ip_rules]
        return await self.update_registry(registry_id, {"networkRuleSet": {"defaultAction": default_action, "ipRules": rules}})

    async def set_network_bypass(self, registry_id: str, trusted_services: bool) -> RegistryPosture:
        return await self.update_registry(
            registry_id, {"networkRuleBypassOptions": "AzureServices" if trusted_services else "None"}
        )

    async def set_data_endpoint(self, registry_id: str, enabled: bool) -> RegistryPosture:
        return await self.update_registry(registry_id, {"dataEndpointEnabled": enabled})

    async def set_admin_user(self, registry_id: str, enabled: bool) -> RegistryPosture:
        return await self.update_registry(registry_id, {"adminUserEnabled": enabled})

    async def set_anonymous_pull(self, registry_id: str, enabled: bool) -> RegistryPosture:
        return await self.update_registry(registry_id, {"anonymousPullEnabled": enabled})

    async def set_export_policy(self, registry_id: str, enabled: bool) -> RegistryPosture:
        status = "enabled" if enabled else "disabled"
        return await self.update_registry(registry_id, {"policies": {"exportPolicy": {"status": status}}})

    async def set_arm_audience_tokens(self, registry_id: str, enabled: bool) -> RegistryPosture:
        status = "enabled" if enabled else "disabled"
        return await self.update_registry(registry_id, {"policies": {"azureADAuthenticationAsArmPolicy": {"status": status}}})

    # ------------------------------------------------------------ identities and key access
    @write
    async def create_user_identity(self, subscription: str, resource_group: str, name: str, location: str) -> UserIdentity:
        from azure.mgmt.msi.models import Identity

        msi = self.s.client("msi", subscription)
        ident = await msi.user_assigned_identities.create_or_update(resource_group, name, Identity(location=location))
        got = await msi.user_assigned_identities.get(resource_group, name)
        return UserIdentity(resource_id=str(got.id or ident.id), principal_id=got.principal_id, client_id=got.client_id)

    async def _identity(self, identity_id: str) -> UserIdentity:
        ip = id_parts(identity_id)
        got = await self.s.client("msi", ip["subscription"]).user_assigned_identities.get(ip["resource_group"], ip["name"])
        return UserIdentity(resource_id=str(got.id), principal_id=got.principal_id, client_id=got.client_id)

    async def _vault_body(self, vault_id: str) -> dict[str, Any]:
        ip = id_parts(vault_id)
        return raw(await self.s.client("keyvault", ip["subscription"]).vaults.get(ip["resource_group"], ip["name"]))

    @write
    async def grant_key_access(self, vault_id: str, principal_id: str) -> VaultPosture:
        """Let a principal get/wrap/unwrap keys: an access policy, or the Crypto Service Encryption User role on RBAC vaults."""
        ip = id_parts(vault_id)
        body = await self._vault_body(vault_id)
        props = _d(_ci(body, "properties"))
        if _ci(props, "enableRbacAuthorization"):
            auth = self.s.client("authorization", ip["subscription"])
            from azure.core.exceptions import ResourceExistsError
            from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters

            params = RoleAssignmentCreateParameters(
                role_definition_id=f"/subscriptions/{ip['subscription']}/providers/Microsoft.Authorization/roleDefinitions/{CRYPTO_SERVICE_ENCRYPTION_USER}",
                principal_id=principal_id,
                principal_type="ServicePrincipal",
            )
            try:
                await auth.role_assignments.create(vault_id, stable_name(vault_id, principal_id, CRYPTO_SERVICE_ENCRYPTION_USER), params)
            except ResourceExistsError:
                pass  # RoleAssignmentExists: already granted
        else:
            kv = self.s.client("keyvault", ip["subscription"])
            policy = {"tenantId": _ci(props, "tenantId"), "objectId": principal_id, "permissions": {"keys": KEY_PERMISSIONS}}
            await kv.vaults.update_access_policy(ip["resource_group"], ip["name"], "add", {"properties": {"accessPolicies": [policy]}})
        return await self.read.read_vault(vault_id)

    async def check_key_access(self, vault_id: str, principal_id: str) -> bool:
        """Whether the principal can get, wrap and unwrap keys in the vault (a read: allowed in read-only sessions)."""
        vault = await self.read.read_vault(vault_id)
        return principal_id.lower() in vault.key_users

    @write
    async def ensure_key(self, vault_id: str, key_name: str, *, kty: str = "RSA", key_size: int = 3072) -> KeyPosture:
        """Create the key if missing (``create_if_not_exist`` never makes a second version)."""
        if kty.upper() not in ("RSA", "RSA-HSM"):
            raise CmkRuleViolation(f"ACR customer-managed keys must be RSA or RSA-HSM, not {kty}.")
        ip = id_parts(vault_id)
        kv = self.s.client("keyvault", ip["subscription"])
        key = raw(await kv.keys.create_if_not_exist(ip["resource_group"], ip["name"], key_name,
                                                   {"properties": {"kty": kty, "keySize": key_size}}))
        versions = [raw(v) async for v in kv.keys.list_versions(ip["resource_group"], ip["name"], key_name)]
        return key_from_json(key, versions)

    # ------------------------------------------------------------ customer-managed keys
    @write
    async def create_cmk_registry(
        self,
        subscription: str,
        resource_group: str,
        name: str,
        location: str,
        *,
        vault_id: str,
        key_name: str,
        identity_id: str | None = None,
        versionless: bool = True,
        tags: dict[str, str] | None = None,
        key_version: str | None = None,
        grant_access: bool = True,
    ) -> RegistryPosture:
        """A new Premium registry encrypted with a Key Vault key: identity, key access, key, registry.

        CMK can only be set at creation and needs a user-assigned identity; a versionless key id means ACR
        rotates to new key versions by itself. ``key_version`` pins that version at creation (no rotation after);
        ``grant_access=False`` skips the key-access write when the caller has granted it already.
        """
        ident = (await self._identity(identity_id) if identity_id
                 else await self.create_user_identity(subscription, resource_group, f"id-{name}", location))
        if not ident.principal_id or not ident.client_id:
            raise CmkRuleViolation(f"Identity {ident.resource_id} has no principal/client id yet; retry in a minute.")
        if grant_access:
            await self.grant_key_access(vault_id, ident.principal_id)
        key = await self.ensure_key(vault_id, key_name)
        if key_version:
            key_id = f"{key.key_id.rstrip('/')}/{key_version}"
        else:
            key_id = key.key_id if versionless else f"{key.key_id.rstrip('/')}/{key.newest_version}"
        acr = self.s.client("containerregistry", subscription)
        body = {
            "location": location,
            "sku": {"name": "Premium"},
            "tags": tags or {},
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {ident.resource_id: {}}},
            "properties": {
                "adminUserEnabled": False,
                "encryption": {"status": "enabled", "keyVaultProperties": {"keyIdentifier": key_id, "identity": ident.client_id}},
            },
        }
        poller = await acr.registries.begin_create(resource_group, name, body)
        reg = raw(await poller.result())
        return await self.read.read_registry(str(reg["id"]))

    @write
    async def import_images(self, target_registry_id: str, source_registry_id: str, images: list[str],
                            *, force: bool = False) -> RegistryPosture:
        """Copy ``repo:tag`` images from another registry (the CMK migration path), one import LRO each."""
        acr, rg, name = self._acr(target_registry_id)
        for image in images:
            body = {"source": {"resourceId": source_registry_id, "sourceImage": image}, "targetTags": [image],
                    "mode": "Force" if force else "NoForce"}
            poller = await acr.registries.begin_import_image(rg, name, body)
            await poller.result()
        return await self.read.read_registry(target_registry_id)

    @write
    async def create_replication(self, registry_id: str, location: str) -> RegistryPosture:
        """A geo-replica in ``location`` (named after the region, as az names it)."""
        acr, rg, name = self._acr(registry_id)
        poller = await acr.replications.begin_create(rg, name, location.lower().replace(" ", ""),
                                                     {"location": location})
        await poller.result()
        return await self.read.read_registry(registry_id)

    @write
    async def rotate_key(self, registry_id: str, key_identifier: str | None = None, identity: str | None = None) -> RegistryPosture:
        """Point a CMK registry at another key (version) and/or identity (a client id, or ``system``)."""
        current = await self.read.read_registry(registry_id)
        if not current.encryption.enabled:
            raise CmkRuleViolation(
                f"{current.name} is not encrypted with a customer-managed key; CMK can only be set when a registry "
                "is created. Create a new CMK registry and import the images instead."
            )
        if not current.premium:
            raise PremiumRequired(f"{current.name} is {current.sku}; customer-managed keys need Premium.")
        kvp: dict[str, Any] = {"keyIdentifier": key_identifier or current.encryption.key_identifier}
        if identity:
            kvp["identity"] = identity
        return await self.update_registry(registry_id, {"encryption": {"status": "enabled", "keyVaultProperties": kvp}})

    async def switch_identity(self, registry_id: str, identity: str) -> RegistryPosture:
        return await self.rotate_key(registry_id, None, identity)

    # ------------------------------------------------------------ private link
    @write
    async def create_private_endpoint(self, subscription: str, resource_group: str, name: str, location: str, *,
                                      subnet_id: str, registry_id: str, manual: bool = False,
                                      request_message: str | None = None,
                                      static_ips: dict[str, str] | None = None) -> PrivateEndpointPosture:
        """Manual connections start Pending and wait for the registry owner's approval. ``static_ips`` (member
        name → address) become the endpoint's ``ipConfigurations``: those members get fixed addresses."""
        net = self.s.client("network", subscription)
        conn: dict[str, Any] = {"name": f"{name}-conn", "properties": {"privateLinkServiceId": registry_id, "groupIds": ["registry"]}}
        if request_message:
            conn["properties"]["requestMessage"] = request_message
        key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
        body: dict[str, Any] = {"location": location, "properties": {"subnet": {"id": subnet_id}, key: [conn]}}
        if static_ips:
            body["properties"]["ipConfigurations"] = [
                {"name": f"ipconfig-{m}", "properties": {"groupId": "registry", "memberName": m, "privateIPAddress": ip}}
                for m, ip in sorted(static_ips.items())]
        poller = await net.private_endpoints.begin_create_or_update(resource_group, name, body)
        pe = raw(await poller.result())
        return await self.read.read_endpoint(str(pe["id"]))

    @write
    async def create_dns_zone(self, subscription: str, resource_group: str, zone_name: str | None = None) -> str:
        """The Private Link zone (``privatelink.azurecr.io`` in the session's cloud); returns its id."""
        dns = self.s.client("privatedns", subscription)
        poller = await dns.private_zones.begin_create_or_update(resource_group, zone_name or self.s.cloud.private_dns_zone,
                                                                {"location": "global"})
        return str(raw(await poller.result())["id"])

    @write
    async def link_dns_zone(self, zone_id: str, vnet_id: str, link_name: str | None = None) -> list[str]:
        """Link a VNet to the zone (no auto-registration); returns the VNets linked afterwards."""
        ip = id_parts(zone_id)
        dns = self.s.client("privatedns", ip["subscription"])
        name = link_name or f"link-{id_parts(vnet_id)['name']}"
        body = {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id}, "registrationEnabled": False}}
        poller = await dns.virtual_network_links.begin_create_or_update(ip["resource_group"], ip["name"], name, body)
        await poller.result()
        links = [raw(x) async for x in dns.virtual_network_links.list(ip["resource_group"], ip["name"])]
        return sorted(str(_ci(_d(_ci(_d(_ci(lk, "properties")), "virtualNetwork")), "id")) for lk in links)

    @write
    async def create_zone_group(self, endpoint_id: str, zone_id: str, name: str = "default") -> PrivateEndpointPosture:
        """Let the private endpoint manage its A records in the zone."""
        ip = id_parts(endpoint_id)
        net = self.s.client("network", ip["subscription"])
        cfg_name = zone_id.rstrip("/").split("/")[-1].replace(".", "-")
        body = {"properties": {"privateDnsZoneConfigs": [{"name": cfg_name, "properties": {"privateDnsZoneId": zone_id}}]}}
        poller = await net.private_dns_zone_groups.begin_create_or_update(ip["resource_group"], ip["name"], name, body)
        await poller.result()
        return await self.read.read_endpoint(endpoint_id)

    @write
    async def set_connection_state(self, registry_id: str, connection_name: str, status: str,
                                   description: str | None = None) -> RegistryPosture:
        if status not in ("Approved", "Rejected"):
            raise UsageError(f"A connection can be Approved or Rejected, not {status}.")
        acr, rg, name = self._acr(registry_id)
        body = {"properties": {"privateLinkServiceConnectionState": {"status": status, "description": description or status}}}
        poller = await acr.private_endpoint_connections.begin_create_or_update(rg, name, connection_name, body)
        await poller.result()
        return await self.read.read_registry(registry_id)

    async def approve_connection(self, registry_id: str, connection_name: str, description: str | None = None) -> RegistryPosture:
        return await self.set_connection_state(registry_id, connection_name, "Approved", description)

    async def reject_connection(self, registry_id: str, connection_name: str, description: str | None = None) -> RegistryPosture:
        return await self.set_connection_state(registry_id, connection_name, "Rejected", description)

    @write
    async def delete_connection(self, registry_id: str, connection_name: str) -> RegistryPosture:
        acr, rg, name = self._acr(registry_id)
        poller = await acr.private_endpoint_connections.begin_delete(rg, name, connection_name)
        await poller.result()
        return await self.read.read_registry(registry_id)

    # ------------------------------------------------------------ policy
    @write
    async def assign_policy(
        self,
        scope: str,
        name: str,
        definition_id: str,
        *,
        effect: str | None = None,
        enforcement_mode: str = "Default",
        display_name: str | None = None,
        parameters: dict[str, Any] | None = None,
        location: str | None = None,
        role_definition_ids: list[str] | None = None,
        non_compliance_message: str | None = None,
    ) -> PolicyAssignmentInfo:
        """Assign a policy definition at a subscription or group scope.

        With ``location`` the assignment gets a system-assigned identity (Modify and DeployIfNotExists need one)
        and that identity gets exactly the roles the definition names (``policyRule.then.details.
        roleDefinitionIds``; ``role_definition_ids`` when the caller read them already) at the scope, so
        remediation can write. A definition that names none is refused before anything is written: acrtui never
        grants a default role.
        """
        sub = id_parts(scope)["subscription"]
        pol = self.s.client("policy", sub)
        roles: list[str] = []
        if location:
            roles = list(role_definition_ids or await self._definition_roles(sub, definition_id))
            if not roles:
                raise UsageError(
                    f"The definition {definition_id.rsplit('/', 1)[-1]} names no roles (policyRule.then.details."
                    "roleDefinitionIds): its managed identity would have no right to remediate, and acrtui grants no "
                    "default role. Assign it without a location (no identity), or use a definition that names its roles.",
                    title="No roles to grant")
        params = {k: {"value": v} for k, v in (parameters or {}).items()}
        if effect:
            params["effect"] = {"value": effect}
        props: dict[str, Any] = {"policyDefinitionId": definition_id, "enforcementMode": enforcement_mode, "parameters": params}
        if display_name:
            props["displayName"] = display_name
        if non_compliance_message:
            props["nonComplianceMessages"] = [{"message": non_compliance_message}]
        body: dict[str, Any] = {"properties": props}
        if location:
            body["location"] = location
            body["identity"] = {"type": "SystemAssigned"}
        created = raw(await pol.policy_assignments.create(scope, name, body))
        principal = _ci(_d(created.get("identity")), "principalId")
        if location and principal:
            from azure.core.exceptions import ResourceExistsError
            from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters

            auth = self.s.client("authorization", sub)
            for role in roles:
                guid = role.rstrip("/").split("/")[-1]
                params_ra = RoleAssignmentCreateParameters(
                    role_definition_id=f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
                    principal_id=principal, principal_type="ServicePrincipal",
                )
                try:
                    await auth.role_assignments.create(scope, stable_name(scope, str(principal), guid), params_ra)
                except ResourceExistsError:
                    pass
        got = raw(await pol.policy_assignments.get(scope, name))
        return policy_from_json(got, effect)

    async def _definition_roles(self, sub: str, definition_id: str) -> list[str]:
        pol = self.s.client("policy", sub)
        guid = definition_id.rstrip("/").split("/")[-1]
        try:
            d = raw(await (pol.policy_definitions.get(guid) if "/subscriptions/" in definition_id.lower()
                           else pol.policy_definitions.get_built_in(guid)))
        except Exception:
            return []
        rule = _d(_ci(_d(_ci(d, "properties")), "policyRule"))
        return list(_ci(_d(_ci(_d(_ci(rule, "then")), "details")), "roleDefinitionIds") or [])

    @write
    async def unassign_policy(self, assignment_id: str) -> None:
        scope, _, name = assignment_id.rpartition("/providers/Microsoft.Authorization/policyAssignments/")
        if not name:
            scope, _, name = assignment_id.rpartition("/providers/microsoft.authorization/policyassignments/")
        await self.s.client("policy", id_parts(scope)["subscription"]).policy_assignments.delete(scope, name)

    @write
    async def start_remediation(self, assignment_id: str, scope: str, name: str | None = None) -> dict[str, Any]:
        """A remediation task for the resources an assignment found non-compliant (Modify / DeployIfNotExists)."""
        from azure.mgmt.policyinsights.models import Remediation

        ip = id_parts(scope)
        client = self.s.client("policyinsights", ip["subscription"])
        rname = name or f"remediate-{assignment_id.rstrip('/').split('/')[-1]}"
        body = Remediation(policy_assignment_id=assignment_id)
        if ip.get("resource_group"):
            rem = await client.remediations.create_or_update_at_resource_group(ip["resource_group"], rname, body)
        else:
            rem = await client.remediations.create_or_update_at_subscription(rname, body)
        return {"id": rem.id, "name": rem.name, "provisioning_state": rem.provisioning_state,
                "policy_assignment_id": rem.policy_assignment_id}

    async def read_remediation(self, remediation_id: str) -> dict[str, Any]:
        """A remediation's state and deployment counts (a read: allowed in any session)."""
        async with translate():
            body = await self.s.raw("GET", remediation_id, "2019-07-01")
        props = _d(_ci(_d(body), "properties"))
        summary = _d(_ci(props, "deploymentStatus"))
        return {"id": remediation_id, "provisioning_state": _ci(props, "provisioningState"),
                "total": _ci(summary, "totalDeployments"), "succeeded": _ci(summary, "successfulDeployments"),
                "failed": _ci(summary, "failedDeployments")}

    # ------------------------------------------------------------ Key Vault audit logging
    @write
    async def set_vault_audit_logging(self, vault_id: str, *, workspace_id: str | None = None,
                                      storage_account_id: str | None = None, event_hub_rule_id: str | None = None,
                                      name: str = "acrtui-audit") -> VaultPosture:
        """A diagnostic setting that sends the vault's ``AuditEvent`` log (who used which key) somewhere kept."""
        dest = {k: v for k, v in (("workspaceId", workspace_id), ("storageAccountId", storage_account_id),
                                  ("eventHubAuthorizationRuleId", event_hub_rule_id)) if v}
        if not dest:
            raise UsageError("Audit logging needs a destination: a Log Analytics workspace, storage account or event hub.")
        body = {"properties": {**dest, "logs": [{"category": "AuditEvent", "enabled": True}]}}
        await self.s.raw("PUT", f"{vault_id}/providers/Microsoft.Insights/diagnosticSettings/{name}", DIAG_API, body)
        return await self.read.read_vault(vault_id)
