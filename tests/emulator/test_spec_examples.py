"""Proof that does not come from our own model: the REST specs' example requests (Azure/azure-rest-api-specs
``x-ms-examples``, copied under ``spec_examples/`` with their source path and commit in ``manifest.json``) replayed
against the emulator over TLS, comparing the status code with the example's and the response's shape (every key the
example has is present with the same JSON type; a list's first item compared with the served item of the same
``name``, else with the first); and the product's converters (acrtui/azure/inventory.py) run over the example
*response* bodies, so the product reads Azure's shapes and not only the emulator's.

Each example runs on a freshly reset emulator with the resources it presupposes made first (its resource group, the
registry a replication belongs to, the vault a key lives in, the principal a role is assigned to); parameters that
are placeholders or name what the emulator does not hold are replaced, with the reason, in :data:`PARAMS`. The example's subscription id is the emulator's; the
zero GUID in request bodies (tenant and object ids) becomes the emulator's tenant. Known deviations are listed in
:data:`DEVIATIONS` with the reason; the test fails on any other difference and on a listed one that no longer occurs.

Only the path parameters and api-version are sent (``$top``, ``$filter``, ``forceDeletionTypes`` are not); state no
ARM request can make (an image in a registry) is set by :data:`SETUP`; lists whose items the prerequisites make must
not come back empty (:data:`NON_EMPTY`), or their items would never be compared.

Deliberately not replayed (see :data:`SKIPPED`, each with the reason): operations the emulator does not serve,
served operations with no (usable) example in the stored spec index. The coverage (served operations with
an example replayed / all served) is printed by :func:`test_every_example_is_an_operation_the_emulator_serves`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from azure.core.rest import HttpRequest
from azure.mgmt.resource.resources.aio import ResourceManagementClient

from acrtui.azure.inventory import key_from_json, registry_from_json, vault_from_json
from acrtui.emulator import Emulator
from acrtui.emulator.arm import ROUTES, match, new_guid
from acrtui.emulator.seeds import add_group
from acrtui.emulator.state import Principal

HERE = Path(__file__).parent / "spec_examples"
MANIFEST = json.loads((HERE / "manifest.json").read_text())
ZERO = "00000000-0000-0000-0000-000000000000"

# what each example presupposes: PUTs made before it (path template, body[, api-version]), in order
_REG = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerRegistry/registries/{registryName}"
_VAULT = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults/{vaultName}"
_VAULT_BODY = {"location": "westus", "properties": {"tenantId": "{tenant}", "sku": {"family": "A", "name": "standard"},
                                                    "enableRbacAuthorization": False, "accessPolicies": []}}
_NET = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"
_SUBNET = "/subscriptions/{sub}/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/default"
_REG_ID = "/subscriptions/{sub}/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/myRegistry"
_IDENTITY = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ManagedIdentity/"
             "userAssignedIdentities/{resourceName}")
_ZONE = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/privateDnsZones/{privateZoneName}"
# example placeholders for other subscriptions: the emulator's one subscription
OTHER_SUBSCRIPTIONS = ("/subscriptions/virtualNetworkSubscriptionId/", "/subscriptions/subId/",
                       "/subscriptions/10000000-0000-0000-0000-000000000000/")
# subscription ids the examples use, in paths, scopes and bodies: the emulator's one subscription
EXAMPLE_SUBSCRIPTIONS = ("a925f2f7-5c63-4b7b-8799-25a5f97bc3b2", "ae640e6b-ba3e-4256-9d62-2993eecfa6f2",
                         "35ee058e-5fa0-414c-8145-3ebb8d09b6e2", "fffedd8f-ffff-fffd-fffd-fffed2f84852",
                         "cfbbd179-59d2-4052-aa06-9270a38aa9d6", "1a66ce04-b633-4a0b-b2bc-a912ec8986a6")
# emulator settings an example needs: the remediation it cancels is still running
CONFIG: dict[str, dict[str, Any]] = {"policyinsights/Remediations_CancelSubscriptionScope.json": {"lro_duration_s": 3600.0}}
# principals the examples assign roles to (users of the example's tenant), made in the emulator's directory
PRINCIPALS = ("ce2ce14e-85d7-4629-bdbc-454d0519d987",)
# role definitions the examples name that are not built-ins (custom roles of the example's tenant): AcrPull instead
EXAMPLE_ROLES = ("0b5fe924-9a61-425c-96af-cfe6e287ca2d",)
_ON_REGISTRY = {"resourceUri": "subscriptions/{sub}/resourceGroups/viruela1/providers/Microsoft.ContainerRegistry/"
                               "registries/viruela6"}
_NOT_A_WORKFLOW = "the example's target is a Logic App workflow, a type the emulator does not serve; a registry instead"
_DIAG_PUT = json.loads((HERE / "monitor/createOrUpdateDiagnosticSetting.json").read_text())["parameters"]["parameters"]
_PE_CREATE = json.loads((HERE / "network/PrivateEndpointCreate.json").read_text())["parameters"]["parameters"]["properties"]
# example parameters that are placeholders or name what the emulator does not hold, replaced (with the reason)
PARAMS: dict[str, tuple[dict[str, Any], str]] = {
    "authorization/GetRoleDefinitionByName.json": (
        {"scope": "subscriptions/{sub}", "roleDefinitionId": "7f951dda-4ed3-4680-a7ca-43fe172d538d"},
        "the example's scope and id are the literal placeholders 'scope' and 'roleDefinitionId'; AcrPull instead"),
    "authorization/getBuiltinPolicyDefinition.json": (
        {"policyDefinitionName": "0fdf0491-d080-4575-b627-ad0e843cba0f"},
        "the emulator carries only the built-ins acrtui's catalogue cites (not 'Allowed storage account SKUs')"),
    "network/PrivateEndpointCreate.json": (
        {"parameters": {"location": "westus", "properties": {
            **_PE_CREATE,
            "privateLinkServiceConnections": [{"name": "plsconnection1", "properties": {
                **_PE_CREATE["privateLinkServiceConnections"][0]["properties"], "groupIds": ["registry"],
                "privateLinkServiceId": "/subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/"
                                        "registries/peregistry"}}],
            "subnet": {"id": "/subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/"
                             "myVnet/subnets/mySubnet"},
            "ipConfigurations": [{"name": "pestaticconfig", "properties": {
                "groupId": "registry", "memberName": "registry", "privateIPAddress": "10.0.1.6"}}]}}},
        "the example's target is a Private Link service (group 'groupIdFromResource', member 'file') in an edge "
        "zone of eastus2euap, which the emulator does not serve: a registry (group and member 'registry') in westus, "
        "and a static IP inside the example's subnet as the emulator makes it"),
    "resources/GetProvider.json": ({"resourceProviderNamespace": "Microsoft.ContainerRegistry"},
                                   "the example's Microsoft.TestRP1 is a made-up namespace; one the emulator serves"),
    "msi/SystemAssignedIdentityGet.json": (
        {"scope": "subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/sysidreg"},
        "the example's scope is a placeholder resource (Resource.Provider/resourceType, and it ends in the path's own "
        "/identities/default): a registry with a system-assigned identity"),
    "policyinsights/PolicyStates_QueryResourceScope.json": (
        {"resourceId": "subscriptions/{sub}/resourceGroups/testrg/providers/Microsoft.ContainerRegistry/registries/remreg"},
        "the example's resource is a classic cloud service (Microsoft.ClassicCompute), a type the emulator does not "
        "serve: a registry a Modify assignment finds non-compliant"),
    "policyinsights/PolicyStates_SummarizeResourceScope.json": (
        {"resourceId": "subscriptions/{sub}/resourceGroups/testrg/providers/Microsoft.ContainerRegistry/registries/remreg"},
        "the example summarises a vault under management-group assignments (the emulator has no management groups): "
        "a registry a subscription's Modify assignment finds non-compliant"),
    "monitor/getDiagnosticSetting.json": (_ON_REGISTRY, _NOT_A_WORKFLOW),
    "monitor/listDiagnosticSettings.json": (_ON_REGISTRY, _NOT_A_WORKFLOW),
    "monitor/listDiagnosticSettingsCategories.json": (_ON_REGISTRY, _NOT_A_WORKFLOW),
    "monitor/getDiagnosticSettingsCategory.json": (
        {**_ON_REGISTRY, "name": "ContainerRegistryRepositoryEvents"}, _NOT_A_WORKFLOW + " (and a registry's category)"),
    "monitor/createOrUpdateDiagnosticSetting.json": (
        {**_ON_REGISTRY, "parameters": {"properties": {
            **_DIAG_PUT["properties"], "metrics": [{**_DIAG_PUT["properties"]["metrics"][0], "category": "AllMetrics"}]}}},
        _NOT_A_WORKFLOW + " (and a registry's metric category, AllMetrics, for WorkflowMetrics)"),
}
# resource groups the examples name inside scopes and ids rather than as resourceGroupName
GROUPS = ("rg-other", "virtualNetworkResourceGroup", "testrg", "viruela1", "RG2", "rgName", "oiautorest6685",
          "sample-group", "myResourceGroup", "rg1", "resourceGroup1", "sample-resource-group", "sourceResourceGroup")
_SUBS = "/subscriptions/{subscriptionId}"
_RG1 = _SUBS + "/resourceGroups/rg1/providers"
_NET_API, _ACR_API = "2024-05-01", "2025-11-01"
_NAMING = _SUBS + "/providers/Microsoft.Authorization/policyDefinitions/ResourceNaming"
_NAMING_BODY = {"properties": {  # the definition createPolicyDefinition.json makes (2023-04-01)
    "mode": "All", "displayName": "Enforce resource naming convention",
    "parameters": {"prefix": {"type": "String"}, "suffix": {"type": "String"}},
    "policyRule": {"if": {"not": {"field": "name", "like": "[concat(parameters('prefix'), '*', parameters('suffix'))]"}},
                   "then": {"effect": "deny"}}}}
# the assignment createPolicyAssignment.json makes
_NAMING_ASSIGNMENT = json.loads((HERE / "authorization/createPolicyAssignment.json").read_text())["parameters"]["parameters"]
_ACRPULL = "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"


def _vnet(path: str, prefix: str, subnet: str, subnet_prefix: str, tags: Any = None) -> tuple[Any, ...]:
    return (path, {"location": "westus", "tags": tags or {}, "properties": {
        "addressSpace": {"addressPrefixes": [prefix]},
        "subnets": [{"name": subnet, "properties": {"addressPrefix": subnet_prefix}}]}}, _NET_API)


def _endpoint(pe: str, nic: str, vnet: str = "myVnet", subnet: str = "mySubnet") -> list[tuple[Any, ...]]:
    """A registry in rg1 and a private endpoint to it named as the example names it (and its NIC)."""
    return [
        (_RG1 + "/Microsoft.ContainerRegistry/registries/peregistry", {"location": "westus", "sku": {"name": "Premium"}},
         _ACR_API),
        _vnet(_RG1 + f"/Microsoft.Network/virtualNetworks/{vnet}", "10.0.0.0/16", subnet, "10.0.1.0/24"),
        (_RG1 + f"/Microsoft.Network/privateEndpoints/{pe}", {"location": "westus", "properties": {
            "subnet": {"id": "/subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/"
                             f"{vnet}/subnets/{subnet}"},
            "customNetworkInterfaceName": nic,
            "privateLinkServiceConnections": [{"name": "plsconnection1", "properties": {
                "requestMessage": "Please approve my connection.",
                "privateLinkServiceId": "/subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/"
                                        "registries/peregistry", "groupIds": ["registry"]}}]}}, _NET_API)]


_PE_CONNECTION: list[tuple[Any, ...]] = [
    (_REG, {"location": "westus", "sku": {"name": "Premium"}}),
    (_NET + "/virtualNetworks/vnet1", {"location": "westus", "properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}]}}, "2024-05-01"),
    (_NET + "/privateEndpoints/peexample01", {"location": "westus", "properties": {
        "subnet": {"id": _SUBNET},
        "privateLinkServiceConnections": [{"name": "myConnection", "properties": {
            "privateLinkServiceId": _REG_ID, "groupIds": ["registry"]}}]}}, "2024-05-01")]
_REPLICATION: list[tuple[Any, ...]] = [
    (_REG, {"location": "westus", "sku": {"name": "Premium"}}),
    (_REG + "/replications/myReplication", {"location": "eastus", "tags": {"key": "value"}})]


_ROLE_ASSIGNMENT: list[tuple[Any, ...]] = [
    (_SUBS + "/providers/Microsoft.Authorization/roleAssignments/b0f43c54-e787-4862-89b1-a653fa9cf747", {"properties": {
        "roleDefinitionId": _ACRPULL, "principalId": "ce2ce14e-85d7-4629-bdbc-454d0519d987", "principalType": "User"}})]
# a registry open to the public and a Modify built-in (public network access off) assigned under the example's
# assignment id; the remediation then has a deployment to list
_REMEDIABLE: list[tuple[Any, ...]] = [
    (_SUBS + "/resourceGroups/testrg/providers/Microsoft.ContainerRegistry/registries/remreg",
     {"location": "westus", "sku": {"name": "Premium"}}, _ACR_API),
    (_SUBS + "/providers/Microsoft.Authorization/policyAssignments/b101830944f246d8a14088c5", {
        "location": "westus", "identity": {"type": "SystemAssigned"}, "properties": {
            "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/"
                                  "a3701552-92ea-433e-9d17-33b7f1208fc9"}}, "2023-04-01")]


def _remediation(name: str) -> list[tuple[Any, ...]]:
    return [*_REMEDIABLE, (_SUBS + f"/providers/Microsoft.PolicyInsights/remediations/{name}", {"properties": {
        "policyAssignmentId": "/subscriptions/{sub}/providers/microsoft.authorization/policyassignments/"
                              "b101830944f246d8a14088c5"}}, "2021-10-01")]


_DIAG_TARGET = (_SUBS + "/resourceGroups/viruela1/providers/Microsoft.ContainerRegistry/registries/viruela6",
                {"location": "westus", "sku": {"name": "Standard"}}, _ACR_API)
_DIAG_SETTING: list[tuple[Any, ...]] = [
    _DIAG_TARGET,
    (_SUBS + "/resourceGroups/viruela1/providers/Microsoft.OperationalInsights/workspaces/ws1", {"location": "westus"},
     "2022-10-01"),
    ("/{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/mysetting", {"properties": {
        "workspaceId": "/subscriptions/{sub}/resourceGroups/viruela1/providers/Microsoft.OperationalInsights/"
                       "workspaces/ws1",  # the other destinations as the example names them
        **{k: v for k, v in json.loads((HERE / "monitor/getDiagnosticSetting.json").read_text())["responses"]["200"]
           ["body"]["properties"].items() if k.endswith("Id") and v and k != "workspaceId"},
        "logs": [{"categoryGroup": "allLogs", "enabled": True}],
        "metrics": [{"category": "AllMetrics", "enabled": True}]}})]


# a vault deleted with soft delete on (the default): the deleted vault the examples read and purge
_SAMPLE_VAULT = _SUBS + "/resourceGroups/sample-group/providers/Microsoft.KeyVault/vaults/sample-vault"
_DELETED_VAULT: list[tuple[Any, ...]] = [(_SAMPLE_VAULT, _VAULT_BODY), (_SAMPLE_VAULT, None)]


_ZONE_GROUP = [
    *_endpoint("testPe", "testPeNic"),
    (_RG1 + "/Microsoft.Network/privateDnsZones/privatelink.azurecr.io", {"location": "Global"}, "2024-06-01"),
    (_RG1 + "/Microsoft.Network/privateEndpoints/testPe/privateDnsZoneGroups/testPdnsgroup", {"properties": {
        "privateDnsZoneConfigs": [{"name": "config1", "properties": {
            "privateDnsZoneId": "/subscriptions/{sub}/resourceGroups/rg1/providers/Microsoft.Network/"
                                "privateDnsZones/privatelink.azurecr.io"}}]}}, _NET_API)]


_LINKED_VNET = ("/subscriptions/{subscriptionId}/resourceGroups/virtualNetworkResourceGroup/providers/Microsoft.Network/"
                "virtualNetworks/virtualNetworkName", {"location": "westus", "properties": {
                    "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}}, "2024-05-01")
_LINK: list[tuple[Any, ...]] = [
    (_ZONE, {"location": "Global"}, "2024-06-01"), _LINKED_VNET,
    (_ZONE + "/virtualNetworkLinks/virtualNetworkLink1", {"location": "Global", "tags": {"key1": "value1"},
     "properties": {"registrationEnabled": False, "virtualNetwork": {
         "id": "/subscriptions/{sub}/resourceGroups/virtualNetworkResourceGroup/providers/Microsoft.Network/"
               "virtualNetworks/virtualNetworkName"}}}, "2024-06-01")]
_RECORD: list[tuple[Any, ...]] = [
    (_ZONE, {"location": "Global"}, "2024-06-01"),
    (_ZONE + "/A/{relativeRecordSetName}", {"properties": {"metadata": {"key1": "value1"}, "ttl": 3600,
                                                           "aRecords": [{"ipv4Address": "1.2.3.4"}]}}, "2024-06-01")]


_WORKSPACE = ("/subscriptions/{subscriptionId}/resourceGroups/oiautorest6685/providers/Microsoft.OperationalInsights/"
              "workspaces/{workspaceName}", {"location": "eastus", "properties": {"sku": {"name": "PerGB2018"},
                                                                              "retentionInDays": 30}})
_IMPORT_SOURCE = (_SUBS + "/resourceGroups/sourceResourceGroup/providers/Microsoft.ContainerRegistry/registries/"
                  "sourceRegistry")


def _source_image(emu: Emulator) -> None:
    """The image the import example copies, pushed into its source registry (ARM cannot push)."""
    res = emu.state.get(_IMPORT_SOURCE.format(subscriptionId=emu.subscription_id))
    assert res is not None
    res.extra.setdefault("repositories", {})["sourcerepository"] = ["sourceTag"]  # repository names are lower case


# state an example needs that no ARM request can make, set after its prerequisites
SETUP: dict[str, Any] = {"containerregistry/ImportImageByTag.json": _source_image}
PREREQS: dict[str, Any] = {  # a name: the same prerequisites as that example's
    "network/SubnetGet.json": [_vnet(_SUBS + "/resourceGroups/subnet-test/providers/Microsoft.Network/virtualNetworks/"
                                     "vnetname", "10.0.0.0/16", "subnet1", "10.0.0.0/16")],
    # the example's subnet holds an IP configuration (a load balancer's); here a private endpoint's
    "network/VirtualNetworkGet.json": _endpoint("pe1", "pe1-nic", "test-vnet", "subnet1"),
    "network/PrivateEndpointGet.json": _endpoint("testPe", "testPeNic"),
    "network/NetworkInterfaceGet.json": _endpoint("testPe", "test-nic"),
    "network/PrivateEndpointDnsZoneGroupGet.json": _ZONE_GROUP,
    "network/PrivateEndpointDelete.json": _endpoint("testPe", "testPeNic"),
    "network/PrivateEndpointDnsZoneGroupCreate.json": [
        *_endpoint("testPe", "testPeNic"), (_RG1 + "/Microsoft.Network/privateDnsZones/zone1.com", {"location": "Global"},
                                            "2024-06-01")],
    "network/PrivateEndpointDnsZoneGroupDelete.json": _ZONE_GROUP,
    "network/PrivateEndpointDnsZoneGroupList.json": _ZONE_GROUP,
    "network/VirtualNetworkList.json": [
        (_RG1 + "/Microsoft.Network/virtualNetworks/vnet1", {"location": "westus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/8"]}, "dhcpOptions": {"dnsServers": []},
            "subnets": [{"name": "test-1", "properties": {"addressPrefix": "10.0.0.0/24"}}]}}, _NET_API)],
    "authorization/RoleAssignments_Get.json": _ROLE_ASSIGNMENT,
    "authorization/RoleAssignments_Delete.json": _ROLE_ASSIGNMENT,
    "authorization/RoleAssignments_ListForScope.json": _ROLE_ASSIGNMENT,
    "authorization/createPolicyAssignment.json": [(_NAMING, _NAMING_BODY)],
    "authorization/deletePolicyAssignment.json": [
        (_NAMING, _NAMING_BODY),
        (_SUBS + "/providers/Microsoft.Authorization/policyAssignments/EnforceNaming", _NAMING_ASSIGNMENT)],
    "policyinsights/Remediations_CreateSubscriptionScope.json": _REMEDIABLE,
    "policyinsights/PolicyStates_QueryResourceScope.json": _REMEDIABLE,
    "policyinsights/PolicyStates_SummarizeResourceScope.json": _REMEDIABLE,
    "policyinsights/Remediations_GetSubscriptionScope.json": _remediation("storageRemediation"),
    "policyinsights/Remediations_DeleteSubscriptionScope.json": _remediation("storageRemediation"),
    "policyinsights/Remediations_CancelSubscriptionScope.json": _remediation("myRemediation"),
    "policyinsights/Remediations_ListSubscriptionScope.json": _remediation("storageRemediation"),
    "policyinsights/Remediations_ListDeploymentsSubscriptionScope.json": _remediation("myRemediation"),
    "monitor/createOrUpdateDiagnosticSetting.json": [_DIAG_TARGET],
    "monitor/listDiagnosticSettingsCategories.json": [_DIAG_TARGET],
    "monitor/getDiagnosticSettingsCategory.json": [_DIAG_TARGET],
    "monitor/listDiagnosticSettings.json": _DIAG_SETTING,
    "monitor/getDiagnosticSetting.json": _DIAG_SETTING,
    "resourcegraph/ResourcesBasicQuery.json": [
        _vnet(_SUBS + "/resourceGroups/RG2/providers/Microsoft.Network/virtualNetworks/myVnet", "10.0.0.0/16", "default",
              "10.0.0.0/24", {"tag1": "Value1"})],
    "containerregistry/RegistryCheckNameNotAvailable.json": [(_REG.replace("{resourceGroupName}", "rg-other").replace("{registryName}", "myRegistry"),
                                                              {"location": "westus", "sku": {"name": "Basic"}})],
    "containerregistry/RegistryDelete.json": [(_REG, {"location": "westus", "sku": {"name": "Standard"}})],
    "containerregistry/ReplicationGet.json": _REPLICATION,
    "containerregistry/PrivateEndpointConnectionList.json": _PE_CONNECTION,
    "containerregistry/PrivateEndpointConnectionGet.json": _PE_CONNECTION,
    "containerregistry/PrivateEndpointConnectionCreateOrUpdate.json": _PE_CONNECTION,
    "containerregistry/PrivateEndpointConnectionDelete.json": _PE_CONNECTION,
    "containerregistry/RegistryGetPrivateLinkResource.json": [(_REG, {"location": "westus", "sku": {"name": "Premium"}})],
    "containerregistry/RegistryListPrivateLinkResources.json": [(_REG, {"location": "westus", "sku": {"name": "Premium"}})],
    "containerregistry/RegistryListByResourceGroup.json": [
        (_REG.replace("{registryName}", "myRegistry"), {"location": "westus", "tags": {"key": "value"},
                                                        "sku": {"name": "Standard"}})],
    "containerregistry/ReplicationList.json": _REPLICATION,
    "containerregistry/ReplicationUpdate.json": _REPLICATION,
    "containerregistry/ReplicationDelete.json": _REPLICATION,
    "privatedns/PrivateZoneGet.json": [(_ZONE, {"location": "Global", "tags": {"key1": "value1"}}, "2024-06-01")],
    "privatedns/RecordSetAPut.json": [(_ZONE, {"location": "Global"}, "2024-06-01")],
    "privatedns/RecordSetAGet.json": _RECORD,
    "privatedns/RecordSetADelete.json": _RECORD,
    "privatedns/PrivateZoneListInResourceGroup.json": [
        (_ZONE.replace("{privateZoneName}", "privatezone1.com"), {"location": "Global", "tags": {"key1": "value1"}},
         "2024-06-01")],
    "operationalinsights/WorkspacesSubscriptionList.json": [
        (_SUBS + "/resourceGroups/oiautorest6685/providers/Microsoft.OperationalInsights/workspaces/AzTest2170", {
            "location": "australiasoutheast", "tags": {"tag1": "val1"},
            "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30}})],
    "privatedns/VirtualNetworkLinkGet.json": _LINK,
    "privatedns/VirtualNetworkLinkList.json": _LINK,
    "privatedns/VirtualNetworkLinkDelete.json": _LINK,
    "privatedns/VirtualNetworkLinkPut.json": [
        (_ZONE, {"location": "Global"}, "2024-06-01"),
        ("/subscriptions/{subscriptionId}/resourceGroups/virtualNetworkResourceGroup/providers/Microsoft.Network/"
         "virtualNetworks/virtualNetworkName", {"location": "westus", "properties": {
             "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}}, "2024-05-01")],
    "msi/IdentityDelete.json": [(_IDENTITY, {"location": "eastus"})],
    "msi/IdentityListByResourceGroup.json": [(_IDENTITY.replace("{resourceName}", "identityName"), {
        "location": "eastus", "tags": {"key1": "value1", "key2": "value2"}})],
    "keyvault/listKeys.json": [(_VAULT, _VAULT_BODY), (_VAULT + "/keys/sample-key-name-1", {"properties": {"kty": "RSA"}})],
    "keyvault/listKeyVersions.json": [(_VAULT, _VAULT_BODY), (_VAULT + "/keys/{keyName}", {"properties": {"kty": "RSA"}})],
    "msi/IdentityListBySubscription.json": [(_IDENTITY.replace("{resourceGroupName}", "rgName").replace(
        "{resourceName}", "identityName"), {"location": "eastus", "tags": {"key1": "value1", "key2": "value2"}})],
    "keyvault/getKeyVersion.json": [(_VAULT, _VAULT_BODY), (_VAULT + "/keys/{keyName}", {"properties": {"kty": "RSA"}})],
    "authorization/getPolicyAssignment.json": [
        (_NAMING, _NAMING_BODY),
        (_SUBS + "/providers/Microsoft.Authorization/policyAssignments/EnforceNaming", _NAMING_ASSIGNMENT)],
    "msi/IdentityUpdate.json": [(_IDENTITY, {"location": "eastus"})],
    "privatedns/PrivateZoneDelete.json": [(_ZONE, {"location": "Global"})],
    "keyvault/deleteVault.json": [(_VAULT, _VAULT_BODY)],
    "msi/IdentityGet.json": [("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
                              "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
                              {"location": "eastus", "tags": {"key1": "value1", "key2": "value2"}})],
    "containerregistry/RegistryGet.json": [(_REG, {"location": "westus", "tags": {"key": "value"}, "sku": {"name": "Standard"}})],
    "containerregistry-2019-05-01/RegistryGet.json": [
        (_REG, {"location": "westus", "tags": {"key": "value"}, "sku": {"name": "Standard"},
                "properties": {"adminUserEnabled": True}})],
    "containerregistry/RegistryUpdate.json": [(_REG, {"location": "westus", "tags": {"key": "value"}, "sku": {"name": "Standard"}})],
    "containerregistry/RegistryListUsages.json": [(_REG, {"location": "westus", "tags": {"key": "value"}, "sku": {"name": "Standard"}})],
    "containerregistry/RegistryListCredentials.json": [
        (_REG, {"location": "westus", "tags": {"key": "value"}, "sku": {"name": "Standard"},
                "properties": {"adminUserEnabled": True}})],
    "containerregistry/ReplicationCreate.json": [(_REG, {"location": "westus", "sku": {"name": "Premium"}})],
    # the vault getVault shows is the one createVault's request makes
    "keyvault/getVault.json": [(_VAULT, json.loads((HERE / "keyvault/createVault.json").read_text())["parameters"]["parameters"])],
    "keyvault/createKey.json": [(_VAULT, _VAULT_BODY)],
    "keyvault/getKey.json": [(_VAULT, _VAULT_BODY), (_VAULT + "/keys/{keyName}", {"properties": {"kty": "RSA"}})],
    "keyvault/updateAccessPoliciesAdd.json": [(_VAULT, _VAULT_BODY)],
    "msi/SystemAssignedIdentityGet.json": [
        (_SUBS + "/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/sysidreg",
         {"location": "westus", "sku": {"name": "Premium"}, "identity": {"type": "SystemAssigned"}}, _ACR_API)],
    "operationalinsights/WorkspacesGet.json": [_WORKSPACE],
    "operationalinsights/WorkspacesDelete.json": [_WORKSPACE],
    "operationalinsights/WorkspacesListByResourceGroup.json": [
        (_WORKSPACE[0].replace("{workspaceName}", "AzTest2170"), {**_WORKSPACE[1], "tags": {"tag1": "val1"}})],
    "authorization/deletePolicyDefinition.json": [(_NAMING, _NAMING_BODY)],
    "authorization/listPolicyDefinitions.json": "authorization/getPolicyDefinition.json",
    "authorization/getPolicyDefinition.json": [(_NAMING, {"properties": {  # the definition the example shows
        k: v for k, v in json.loads((HERE / "authorization/getPolicyDefinition.json").read_text())["responses"]["200"]
        ["body"]["properties"].items() if k not in ("versions", "policyType")}})],
    "authorization/updatePolicyAssignmentWithIdentity.json": "authorization/getPolicyAssignment.json",
    "authorization/listPolicyAssignments.json": [  # the first assignment the example lists, and its definition
        (_SUBS + "/providers/Microsoft.Authorization/policyDefinitions/storageSkus", {"properties": {
            "mode": "All", "parameters": {"allowedSkus": {"type": "String"}},
            "policyRule": {"if": {"field": "type", "equals": "Microsoft.Storage/storageAccounts"},
                           "then": {"effect": "audit"}}}}),
        (_SUBS + "/providers/Microsoft.Authorization/policyAssignments/CostManagement", {
            "location": "eastus", "identity": {"type": "SystemAssigned"}, "properties": {
                "displayName": "Storage Cost Management", "description": "Minimize the risk of accidental cost overruns",
                "metadata": {"category": "Cost Management"},
                "policyDefinitionId": "/subscriptions/{sub}/providers/Microsoft.Authorization/policyDefinitions/storageSkus",
                "parameters": {"allowedSkus": {"value": "Standard_A1"}}}})],
    "privatedns/PrivateZonePatch.json": [(_ZONE, {"location": "Global", "tags": {"key1": "value1"}}, "2024-06-01")],
    "privatedns/PrivateZoneListInSubscription.json": [
        (_SUBS + "/resourceGroups/resourceGroup1/providers/Microsoft.Network/privateDnsZones/privatezone1.com",
         {"location": "Global", "tags": {"key1": "value1"}}, "2024-06-01")],
    "privatedns/RecordSetAPatch.json": _RECORD,
    "privatedns/RecordSetAList.json": [
        (_ZONE, {"location": "Global"}, "2024-06-01"),
        (_ZONE + "/A/recorda1", {"properties": {"metadata": {"key1": "value1"}, "ttl": 3600,
                                                "aRecords": [{"ipv4Address": "1.2.3.4"}]}}, "2024-06-01")],
    "privatedns/RecordSetALLList.json": [
        (_ZONE, {"location": "Global"}, "2024-06-01"),
        (_ZONE + "/A/recorda", {"properties": {"metadata": {"key1": "value1"}, "ttl": 3600,
                                               "aRecords": [{"ipv4Address": "1.2.3.4"}]}}, "2024-06-01")],
    "network/VirtualNetworkListAll.json": "network/VirtualNetworkList.json",  # the same VNet
    "network/PrivateEndpointList.json": _endpoint("pe1", "pe1-nic"),
    "network/PrivateEndpointListAll.json": _endpoint("pe1", "pe1-nic"),
    "network/VirtualNetworkDelete.json": [_vnet(_RG1 + "/Microsoft.Network/virtualNetworks/test-vnet", "10.0.0.0/16",
                                                "default", "10.0.0.0/24")],
    "network/SubnetCreate.json": [(_SUBS + "/resourceGroups/subnet-test/providers/Microsoft.Network/virtualNetworks/"
                                   "vnetname", {"location": "westus", "properties": {
                                       "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}, _NET_API)],
    "network/SubnetDelete.json": "network/SubnetGet.json",
    "network/SubnetList.json": "network/SubnetGet.json",
    "network/NetworkInterfaceList.json": "network/NetworkInterfaceGet.json",  # the example's first NIC
    "network/PrivateEndpointCreate.json": _endpoint("testPe", "testPeNic")[:2],
    "keyvault/listVaultByResourceGroup.json": [(_VAULT.replace("{vaultName}", "sample-vault"), _VAULT_BODY)],
    "keyvault/listVaultBySubscription.json": [(_SAMPLE_VAULT, _VAULT_BODY)],
    "keyvault/updateVault.json": [(_VAULT, _VAULT_BODY)],
    "keyvault/getDeletedVault.json": _DELETED_VAULT,
    "keyvault/listDeletedVaults.json": _DELETED_VAULT,
    "keyvault/purgeDeletedVault.json": _DELETED_VAULT,
    "containerregistry/ImportImageByTag.json": [
        (_REG, {"location": "westus", "sku": {"name": "Standard"}}),
        (_IMPORT_SOURCE, {"location": "westus", "sku": {"name": "Standard"}})],
    "containerregistry/RegistryList.json": [
        (_REG.replace("{resourceGroupName}", "myResourceGroup").replace("{registryName}", "myRegistry"),
         {"location": "westus", "tags": {"key": "value"}, "sku": {"name": "Standard"}}, _ACR_API)],
}

_VM_NIC = ("the example is a virtual machine's NIC; a private endpoint's NIC (the only kind the emulator serves) has no VM, "
           "public IP, NSG, DSCP configuration or primary flag")
_SUB_TAGS = "the emulator's subscription carries no tags (subscription tags are set through Microsoft.Resources/tags, not served)"
_EDGE = ("edge-zone location mappings belong to the example's made-up type; whether Azure lists any for the types "
         "the emulator serves is unconfirmed (none are modelled)")
_HSM = "hsmPoolResourceId (read-only, legacy HSM pool) is not modelled; nothing acrtui or the CLI reads"
_ONE_PAGE = "the example shows a next page; the few resources an example makes fit the emulator's one page"
# (example, status, JSON path) -> why the emulator differs; every entry must still occur
DEVIATIONS: dict[tuple[str, str, str], str] = {
    ("containerregistry-2019-05-01/RegistryGet.json", "200", ".properties.status: missing"):
        "the emulator omits a registry's status object; the 2025-11-01 examples show it null",
    ("keyvault/createVault.json", "201", ".properties.hsmPoolResourceId: missing"): _HSM,
    ("keyvault/getVault.json", "200", ".properties.hsmPoolResourceId: missing"): _HSM,
    ("keyvault/updateVault.json", "200", ".properties.hsmPoolResourceId: missing"): _HSM,
    ("keyvault/updateVault.json", "200", ".properties.privateEndpointConnections: missing"):
        "the example's vault has a private endpoint connection; private endpoints to vaults are not served (the "
        "emulator's endpoints target registries), so its vaults have none to list",
    ("authorization/getBuiltinPolicyDefinition.json", "200", ".properties.parameters.listOfAllowedSKUs: missing"):
        "another built-in is read (see PARAMS): its parameters are not the example's",
    ("network/NetworkInterfaceGet.json", "200", ".properties.virtualMachine: missing"): _VM_NIC,
    ("network/NetworkInterfaceGet.json", "200", ".properties.primary: missing"): _VM_NIC,
    ("network/NetworkInterfaceGet.json", "200", ".properties.networkSecurityGroup: missing"): _VM_NIC,
    ("network/NetworkInterfaceGet.json", "200", ".properties.dscpConfiguration: missing"): _VM_NIC,
    ("network/NetworkInterfaceGet.json", "200", ".properties.ipConfigurations[0].properties.publicIPAddress: missing"):
        _VM_NIC,
    ("network/NetworkInterfaceGet.json", "200", ".properties.dnsSettings.internalDomainNameSuffix: missing"):
        "Azure's internal DNS suffix for a VNet's NICs is not modelled (whether a private endpoint's NIC carries it "
        "is unconfirmed); nothing acrtui or the CLI reads",
    ("policyinsights/Remediations_ListDeploymentsSubscriptionScope.json", "200", ".value[0].deploymentId: missing"):
        "a Modify remediation (the emulator's one kind that succeeds) runs no template deployment, so no deployment "
        "id is given; whether Azure gives one for Modify is unconfirmed",
    ("resources/GetSubscription.json", "200", ".tags: missing"): _SUB_TAGS,
    ("resources/GetSubscriptions.json", "200", ".value[0].tags: missing"): _SUB_TAGS,
    ("resources/GetSubscriptions.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("resources/GetTenants.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("msi/IdentityListByResourceGroup.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("msi/IdentityListBySubscription.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("privatedns/VirtualNetworkLinkList.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("privatedns/PrivateZoneListInResourceGroup.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("keyvault/listDeletedVaults.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("authorization/GetPermissions.json", "200", ".nextLink: missing"): _ONE_PAGE,
    **{("authorization/listBuiltInPolicyDefinitions.json", "200", f".value[0].properties.{k}: missing"):
       "the example's first built-in ('Audit SQL DB Level Audit Setting', 06a78e20) is not carried (only the "
       "built-ins acrtui's catalogue cites): the first one served has its own parameters and rule"
       for k in ("parameters.setting", "policyRule.if.equals", "policyRule.if.field",
                 "policyRule.then.details.existenceCondition", "policyRule.then.details.name",
                 "policyRule.then.details.type")},
    ("policyinsights/PolicyStates_QueryResourceScope.json", "200", ".@odata.nextLink: missing"): _ONE_PAGE,
    ("authorization/listPolicyDefinitions.json", "200", ".value[0].properties.parameters.listOfAllowedSKUs: missing"):
        "the example's first definition is the built-in 'Allowed storage account SKUs' (7433c107), which the "
        "emulator does not carry (only the built-ins acrtui's catalogue cites): the first one served has others",
    **{("resources/GetLocations.json", "200", f".value[0].metadata.{k}: missing"):
       "the emulator's region list carries names and display names only; geography, coordinates and paired "
       "regions are not modelled (nothing acrtui or the CLI's commands act on)"
       for k in ("geographyGroup", "latitude", "longitude", "pairedRegion", "physicalLocation")},
    ("resources/GetLocations.json", "200", "$: array expected, object served"):
        "the example's body is a bare array; the spec's own LocationListResult (and azure-mgmt-resource's "
        "SubscriptionClient.subscriptions.list_locations) is an object with 'value' — the emulator follows the schema",
    ("resources/GetProvider.json", "200", ".resourceTypes[0].locationMappings: missing"): _EDGE,
    ("resources/GetProviders.json", "200", ".value[0].resourceTypes[0].locationMappings: missing"): _EDGE,
    ("privatedns/PrivateZoneListInSubscription.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("privatedns/RecordSetALLList.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("privatedns/RecordSetAList.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("keyvault/listVaultByResourceGroup.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("keyvault/listVaultBySubscription.json", "200", ".nextLink: missing"): _ONE_PAGE,
    ("keyvault/listVaultBySubscription.json", "200", ".value[0].properties.hsmPoolResourceId: missing"): _HSM,
    ("keyvault/listVaultByResourceGroup.json", "200", ".value[0].properties.hsmPoolResourceId: missing"): _HSM,
    ("resources/GetTenants.json", "200", ".value[0].countryCode: missing"):
        "the emulator's tenant has no country; nothing acrtui or the CLI reads",
}

# the NIC list's first item is the NIC the Get example shows (without a DSCP configuration): the same deviations
DEVIATIONS.update({("network/NetworkInterfaceList.json", "200", ".value[0]" + p): why
                   for (n, _, p), why in list(DEVIATIONS.items())
                   if n == "network/NetworkInterfaceGet.json" and "dscp" not in p})

# lists whose items the prerequisites make: an empty page would compare nothing
NON_EMPTY: dict[str, tuple[Any, ...]] = {
    **{n: ("value",) for n in (
        "policyinsights/PolicyStates_QueryResourceScope.json", "authorization/listPolicyAssignments.json",
        "network/PrivateEndpointListAll.json", "network/NetworkInterfaceList.json", "network/SubnetList.json",
        "keyvault/listDeletedVaults.json", "privatedns/RecordSetALLList.json", "resources/GetProviders.json",
        "authorization/GetPermissions.json", "operationalinsights/WorkspacesListByResourceGroup.json")},
    "policyinsights/PolicyStates_SummarizeResourceScope.json": ("value", 0, "policyAssignments", 0, "policyDefinitions"),
}

SKIPPED = {
    "CacheRule*, ConnectedRegistry*, CredentialSet*, ScopeMap*, Token*, Webhook*, OperationList, "
    "RegistryGenerateCredentials, RegistryRegenerateCredential, MsiOperationsList, FederatedIdentityCredential*, "
    "private DNS AAAA/CNAME/MX/PTR/SRV/TXT record sets, Network operations other than VNets, subnets, private "
    "endpoints, NICs and DNS zone groups": "operations the emulator does not serve (the registry sub-resources are "
                                          "being added by another change; their examples come with it)",
    "ImportImageFromPublicRegistry, ImportImageByManifestDigest": "the operation is replayed with ImportImageByTag; "
        "from a public registry the emulator fetches nothing (it would record the import, proving nothing), and the "
        "digest example names content whose digest the emulator computes itself",
    "operationStatuses / operationResults": "LRO polling URLs, not spec operations: no x-ms-examples exist",
    "GET {scope}/remediations/{name}/listDeployments": "the spec's listDeployments is a POST (replayed); the GET form "
                                                       "is the emulator's lenience, no spec operation",
    "ResourceGroups_Get, ResourceGroups_List, Providers_ListAtTenantScope": "no example file for them in the stored "
        "spec index (resources 2022-12-01, 2024-11-01 and 2025-04-01 folders; groups: only CreateResourceGroup and the "
        "ForceDelete ones, replayed)",
    "RoleDefinitions_List (GetRoleDefinitionAtScope.json)": "the SDK samples cite the example, but the file is not "
        "in the stored spec index (authorization 2022-04-01: Get by id and by name only)",
    "DiagnosticSettings_Delete": "no deleteDiagnosticSetting example in the stored index (monitor "
                                 "2021-05-01-preview holds create/get/list only)",
    "Vaults_List (GET /subscriptions/{sub}/resources), listVaultBySubscription 2024-11-01": "the stored example files "
        "(commit 7ee08af) end with unresolved git merge-conflict markers, so they are not JSON; "
        "listVaultBySubscription is replayed from 2023-02-01, listVault has no other stored version",
    "Providers_Get at tenant scope (GetNamedProviderAtTenant.json)": "the only example asks for Microsoft.Storage with "
        "$expand=resourceTypes/aliases: neither the namespace nor aliases are modelled",
}


def _type(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(v), "null")


def shape_diff(want: Any, got: Any, path: str = "") -> list[str]:
    """Where ``got`` lacks the shape of ``want``: missing keys and type changes (null in ``want`` matches anything)."""
    if want is None:
        return []
    if _type(want) != _type(got):
        return [f"{path or '$'}: {_type(want)} expected, {_type(got)} served"]
    if isinstance(want, dict):
        out = []
        for k, v in want.items():
            if v is None:  # an example's null is the same as the property absent
                continue
            if k not in got:
                out.append(f"{path}.{k}: missing")
            else:
                out += shape_diff(v, got[k], f"{path}.{k}")
        return out
    if isinstance(want, list) and want and got:  # the served item of the same name, else the first
        first = want[0]
        name = first.get("name") if isinstance(first, dict) else None
        same = next((g for g in got if isinstance(g, dict) and name is not None and g.get("name") == name), got[0])
        return shape_diff(first, same, f"{path}[0]")
    return []


def _subscribed(text: str, emu: Emulator) -> str:
    for other in EXAMPLE_SUBSCRIPTIONS:
        text = text.replace(other, emu.subscription_id)
    return text.replace("{sub}", emu.subscription_id)


def _fill(template: str, params: dict[str, Any], emu: Emulator) -> str:
    values = {**{k: str(v) for k, v in params.items() if not isinstance(v, dict)}, "subscriptionId": emu.subscription_id}
    return _subscribed(template.format(**values), emu)


def _tenanted(body: Any, emu: Emulator) -> Any:
    text = json.dumps(body).replace(ZERO, emu.tenant_id).replace("{tenant}", emu.tenant_id)
    for role in EXAMPLE_ROLES:
        text = text.replace(role, "7f951dda-4ed3-4680-a7ca-43fe172d538d")
    for other in OTHER_SUBSCRIPTIONS:
        text = text.replace(other, "/subscriptions/{sub}/")
    return json.loads(_subscribed(text, emu))


async def _replay(emu: Emulator, client: Any, name: str) -> tuple[int, Any, dict[str, Any]]:
    meta, example = MANIFEST["examples"][name], json.loads((HERE / name).read_text())
    params = {**example["parameters"], **PARAMS.get(name, ({}, ""))[0]}
    emu.reset()
    if "resourceGroupName" in params:
        add_group(emu.state, emu.subscription_id, params["resourceGroupName"], "westus")
    for oid in PRINCIPALS:
        emu.state.add_principal(Principal(oid, new_guid(), "example principal"))
    for rg in GROUPS:
        add_group(emu.state, emu.subscription_id, rg, "westus")
    api = params["api-version"]
    prereqs = PREREQS.get(name, [])
    prereqs = PREREQS[prereqs] if isinstance(prereqs, str) else prereqs
    for template, body, *version in prereqs:  # a body of None: DELETE
        url = f"{emu.url}{_fill(template, params, emu)}?api-version={version[0] if version else api}"
        pre = await client.send_request(HttpRequest("DELETE", url) if body is None else
                                        HttpRequest("PUT", url, json=_tenanted(body, emu)))
        assert pre.status_code in (200, 201, 202, 204), (name, template, pre.text())
    if name in SETUP:
        SETUP[name](emu)
    if "keyVersion" in params:  # a key's version id is Key Vault's to choose
        key = await client.send_request(HttpRequest("GET", f"{emu.url}{_fill(_VAULT, params, emu)}/keys/{params['keyName']}"
                                                            f"?api-version={api}"))
        params["keyVersion"] = key.json()["properties"]["keyUriWithVersion"].rsplit("/", 1)[-1]
    if "privateEndpointConnectionName" in params:  # Azure names a registry's connection '<endpoint>.<guid>'
        listed = await client.send_request(HttpRequest("GET", f"{emu.url}{_fill(_REG, params, emu)}/privateEndpointConnections"
                                                               f"?api-version={api}"))
        params["privateEndpointConnectionName"] = listed.json()["value"][0]["name"]
    body = params.get("parameters") if isinstance(params.get("parameters"), dict) else \
        next((v for v in params.values() if isinstance(v, dict)), None)  # the body, not another object parameter
    url = f"{emu.url}{_fill(meta['path_template'], params, emu)}?api-version={api}"
    req = HttpRequest(meta["method"], url, json=_tenanted(body, emu)) if body is not None else HttpRequest(meta["method"], url)
    resp = await client.send_request(req)
    text = resp.text()
    if meta["method"] == "DELETE":  # the example's 200/202/204 carry no body; the resource must be gone
        gone = await client.send_request(HttpRequest("GET", url))
        assert gone.status_code == 404, (name, gone.status_code)
    return resp.status_code, json.loads(text) if text else None, example


@pytest.mark.parametrize("name", sorted(MANIFEST["examples"]))
async def test_example_replays_with_the_examples_status_and_shape(emu: Emulator, sdk: Any, name: str) -> None:
    client = sdk(ResourceManagementClient, emu)._client
    saved = {key: getattr(emu.config, key) for key in CONFIG.get(name, {})}
    try:
        for key, value in CONFIG.get(name, {}).items():
            setattr(emu.config, key, value)
        status, got, example = await _replay(emu, client, name)
    finally:
        for key, value in saved.items():
            setattr(emu.config, key, value)
    codes = [c for c in example["responses"] if c != "default"]
    assert str(status) in codes, f"{name}: {status} served, the example has {codes}: {got}"
    want = example["responses"][str(status)].get("body")
    diffs = shape_diff(want, got) if want else []  # an empty body ({} on a 202) promises no keys
    if isinstance(want, list) and isinstance(got, dict):  # a bare-array example: its items against the page's
        diffs += shape_diff(want, got.get("value"), ".value")
    if name in NON_EMPTY:  # the list must hold what the example's does, or its items were never compared
        inner = got
        for key in NON_EMPTY[name]:
            inner = inner[key]
        assert inner, f"{name}: {NON_EMPTY[name]} empty"
    known = {p for (n, s, p) in DEVIATIONS if n == name and s == str(status)}
    assert set(diffs) == known, f"{name} ({status}): {sorted(set(diffs) - known)} new, {sorted(known - set(diffs))} gone"


def test_manifest_names_every_example() -> None:
    files = {str(p.relative_to(HERE)) for p in HERE.rglob("*.json") if p.name != "manifest.json"}
    assert files == set(MANIFEST["examples"])
    for meta in MANIFEST["examples"].values():
        assert meta["path"].startswith("specification/") and len(meta["commit"]) == 40
        assert "/examples/" in meta["path"]


def _bodies(provider: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name in MANIFEST["examples"]:
        if name.startswith(provider + "/"):
            for code, r in json.loads((HERE / name).read_text())["responses"].items():
                if code != "default" and isinstance(r.get("body"), dict) and "id" in r["body"]:
                    out.append((f"{name} {code}", r["body"]))
    return out


def test_product_converters_read_the_example_bodies() -> None:
    """The product's converters over Azure's own response bodies (not the emulator's)."""
    registries = [(n, b) for n, b in _bodies("containerregistry") if b["type"].endswith("/registries")]
    assert len(registries) >= 4
    for name, body in registries:
        reg = registry_from_json(body)
        assert (reg.name, reg.location, reg.sku) == ("myRegistry", "westus", "Standard"), name
        assert reg.login_server == "myRegistry.azurecr.io" and reg.public_network_access == "Enabled", name
        assert reg.encryption.enabled is False and reg.default_action == "Allow" and reg.export_policy_enabled, name
        assert reg.arm_audience_token_enabled is True and reg.zone_redundancy == "Disabled", name
    # an old api-version's body (2019-05-01): no publicNetworkAccess, no policies, a registry status
    old = json.loads((HERE / "containerregistry-2019-05-01/RegistryGet.json").read_text())["responses"]["200"]["body"]
    reg = registry_from_json(old)
    assert (reg.sku, reg.admin_user_enabled, reg.provisioning_state) == ("Standard", True, "Succeeded")
    assert reg.arm_audience_token_enabled is None  # not reported, so not claimed either way
    assert reg.public_network_access == "Enabled"  # the only behaviour before the property existed
    vaults = _vaults()
    keys = [key_from_json(b) for n, b in _bodies("keyvault") if b["type"] == "Microsoft.KeyVault/vaults/keys"]
    assert len(vaults) >= 3 and len(keys) >= 2
    for name, body in vaults:
        vault = vault_from_json(body, keys=keys, diagnostics=[])
        assert vault.name == "sample-vault" and vault.key_users == [ZERO], name  # the one policy grants wrapKey etc.
        assert vault.rbac_authorization is False and vault.purge_protection is False, name
    # keyUri as the ARM keys API writes it: with ':443'
    assert all(k.kty == "RSA" and k.key_size == 2048 and ":443/keys/" in k.key_id for k in keys)
    assert all(k.newest_version == "fd618d9519b74f9aae94ade66b876acc" and k.enabled for k in keys)


def _vaults() -> list[tuple[str, dict[str, Any]]]:
    return [(n, b) for n, b in _bodies("keyvault") if b["type"] == "Microsoft.KeyVault/vaults"]


def test_absent_soft_delete_is_not_read_as_on() -> None:
    for name, body in _vaults():
        assert "enableSoftDelete" not in body["properties"], name
        assert vault_from_json(body, keys=[], diagnostics=[]).soft_delete is not True, name


def test_every_example_is_an_operation_the_emulator_serves() -> None:
    """Each example's method and path template match one of the emulator's routes; the coverage is printed."""
    served: set[tuple[str, str]] = set()
    for name, meta in MANIFEST["examples"].items():
        path = re.sub(r"\{[^}]+\}", "x", meta["path_template"])
        found = match(meta["method"], path)
        assert found is not None, name
        served.add((found[0].method, found[0].template))
    arm_routes = len(ROUTES)
    print(f"spec examples replayed for {len(served)} of {arm_routes} emulated ARM operations")
    assert len(served) >= 125
