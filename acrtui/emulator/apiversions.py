"""ARM's own mechanics before a provider sees a request: api-versions, locations, unknown namespaces and types.

**api-versions.** ARM routes a request to a provider only for an api-version the provider registered for the
resource type; the data below is what each emulated type registers, taken from the REST spec folders of
Azure/azure-rest-api-specs (``specification/<service>/resource-manager/<Namespace>/[<Service>/]stable|preview/<v>/``),
read 2026-12-01 with the search tools (commits per entry). Stored copies of the spec are not all current, so the
newest versions of a few types come from the Azure SDK / Azure CLI packages generated from those folders (named per
entry). Where ARM's own list is quoted in a public error message, that list is used (sources per entry).

Refusals (all 400):

- malformed (``abc``) → ``InvalidApiVersionParameter`` "The api-version 'abc' is invalid. The supported versions
  are '…'." (message shape from ARM answers quoted in Azure/azure-cli#28038 and ansible-collections/azure#1739;
  that ARM gives this code for a malformed value, not only an unknown one, is unconfirmed);
- a well-formed version ARM itself does not serve (Microsoft.Resources: subscriptions, groups, providers) →
  ``InvalidApiVersionParameter`` with ARM's list (the same two sources);
- a well-formed version the provider did not register → ``NoRegisteredProviderFound`` "No registered resource
  provider found for location '<loc>' and API version '<v>' for type '<type>'. The supported api-versions are '…'.
  The supported locations are '…'." (ARM's text, quoted in Azure/azure-cli#28496 and #28368,
  Azure/azure-sdk-for-js#4097). Which location ARM names for a request without one is unconfirmed: the emulator
  names the resource's (or the body's) location, else the first region.

Microsoft.Authorization is served by ARM itself and answers an unregistered version with ``InvalidResourceType`` "The
resource type '<t>' could not be found in the namespace 'Microsoft.Authorization' for api version '<v>'. The
supported api-versions are '…'." (Azure/acs-engine#4037; JulianHayward/Azure-MG-Sub-Governance-Reporting#297 saw
it with status 404; the emulator answers 400 like the other routing refusals — the status is unconfirmed).

**Unknown namespaces and types** are 400 ``InvalidResourceNamespace`` "The resource namespace '<ns>' is invalid." and
400 ``InvalidResourceType`` "The resource type '<t>' could not be found in the namespace '<ns>' for api version
'<v>'." (InvalidResourceType's text from the two sources above; InvalidResourceNamespace's text and both statuses
unconfirmed). A namespace Azure has but the emulator does not emulate answers ``InvalidResourceNamespace`` too: the
emulator cannot serve it.

**Locations.** A tracked resource's ``location`` must be one of the cloud's regions (``GET
/subscriptions/{s}/locations``; Learn "Azure geographies"/``az account list-locations``), written in any case and
with spaces (``West US`` → ``westus``, as ARM normalises); private DNS zones and their links are ``global`` only.
Otherwise 400 ``LocationNotAvailableForResourceType`` "The provided location '<l>' is not available for resource
type '<type>'. List of available regions for the resource type is '…'." (Azure/azure-rest-api-specs#8577, #8347,
Azure/pcs-cli#522 in AzureChinaCloud) and, for resource groups, ``LocationNotAvailableForResourceGroup`` "The provided
location '<l>' is not available for resource group. List of available regions is '…'." (Azure/azure-cli#7602,
#16368; microsoft/vscode-azureresourcegroups#33). The per-cloud region lists
are the public ones (Learn: "Azure regions", "Azure Government", "Azure China"), frozen here: a region added since
is unknown to the emulator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .arm import ArmError

# ---------------------------------------------------------------- api-versions


@dataclass(frozen=True)
class Versions:
    versions: tuple[str, ...]
    source: str


def _v(text: str, source: str) -> Versions:
    return Versions(tuple(sorted(set(text.split()), key=_sort_key)), source)


def _sort_key(v: str) -> tuple[str, int]:
    return (v[:10], 0 if len(v) == 10 else 1)


_ACR = _v(
    "2016-06-27-preview 2017-03-01 2017-06-01-preview 2017-10-01 2019-05-01 2019-12-01-preview 2020-11-01-preview "
    "2021-06-01-preview 2021-08-01-preview 2021-09-01 2021-12-01-preview 2022-02-01-preview 2022-12-01 "
    "2023-01-01-preview 2023-06-01-preview 2023-07-01 2023-08-01-preview 2023-11-01-preview 2024-11-01-preview "
    "2025-03-01-preview 2025-04-01 2025-05-01-preview 2025-06-01-preview 2025-11-01 2026-09-01-preview 2026-11-01",
    "specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/ContainerRegistry/readme.md "
    "(input files stable|preview/<v>/containerregistry.json; commit 28e6b59a2c7e), Registry/stable/ folder listing, "
    "Registry/main.tsp enum Versions (2025-11-01, 2026-11-01, 2026-09-01-preview; commit 12f99fc89473), "
    "Combine/stable/2025-11-01, Combine/preview/2025-06-01-preview",
)
_KV = (
    "2015-06-01 2016-10-01 2018-02-14 2018-02-14-preview 2019-09-01 2020-04-01-preview 2021-04-01-preview "
    "2021-06-01-preview 2021-10-01 2021-11-01-preview 2022-02-01-preview 2022-07-01 2022-11-01 2023-02-01 "
    "2023-07-01 2024-04-01-preview 2024-11-01 2024-12-01-preview 2025-05-01 2026-02-01 2026-03-01-preview 2026-05-15"
)
_KV_SRC = (
    "specification/keyvault/resource-manager/Microsoft.KeyVault/KeyVault/readme.md (stable|preview/<v>/; commit "
    "07de5c4a7e99); 2026-05-15 is azure-mgmt-keyvault 14.x's default (newer than the stored spec copy)"
)
_KV_KEYS_FROM = "2019-09-01"  # keys.json first appears in stable/2019-09-01 (same readme)
_NET = _v(
    "2014-12-01-preview 2015-05-01-preview 2015-06-15 2016-03-30 2016-06-01 2016-07-01 2016-08-01 2016-09-01 "
    "2016-10-01 2016-11-01 2016-12-01 2017-03-01 2017-04-01 2017-06-01 2017-08-01 2017-09-01 2017-10-01 2017-11-01 "
    "2018-01-01 2018-02-01 2018-03-01 2018-04-01 2018-05-01 2018-06-01 2018-07-01 2018-08-01 2018-10-01 2018-11-01 "
    "2018-12-01 2019-02-01 2019-04-01 2019-06-01 2019-07-01 2019-08-01 2019-09-01 2019-11-01 2019-12-01 2020-03-01 "
    "2020-04-01 2020-05-01 2020-06-01 2020-07-01 2020-08-01 2020-11-01 2021-02-01 2021-03-01 2021-05-01 2021-08-01 "
    "2022-01-01 2022-05-01 2022-07-01 2022-09-01 2022-11-01 2023-02-01 2023-04-01 2023-05-01 2023-06-01 2023-09-01 "
    "2023-11-01 2024-01-01 2024-03-01 2024-05-01 2024-07-01 2024-10-01 2025-01-01 2025-03-01 2025-05-01 2025-07-01 "
    "2025-09-01 2026-01-01 2026-03-01",
    "ARM's list for networkInterfaces up to 2019-09-01 as quoted in Azure/azure-cli#28496; later versions from "
    "specification/network/resource-manager/readme.md (Microsoft.Network/stable/<v>/; commit 0005c3c7fed4) and the "
    "Azure CLI 2.91 aaz network commands / azure-mgmt-network 33 (2026-03-01), generated from those folders",
)
_PDNS = _v(
    "2018-09-01 2020-01-01 2020-06-01 2024-06-01",
    "specification/privatedns/resource-manager/Microsoft.Network/stable/<v>/privatedns.json (readme.md commit "
    "101f6c740421 lists 2018-09-01; 2020-01-01, 2020-06-01, 2024-06-01 added since, azure-mgmt-privatedns 2.x uses "
    "2024-06-01)",
)
_MSI = _v(
    "2015-08-31-preview 2018-11-30 2021-09-30-preview 2022-01-31-preview 2023-01-31 2023-07-31-preview 2024-11-30 "
    "2025-01-31-preview 2025-05-31-preview",
    "specification/msi/resource-manager/Microsoft.ManagedIdentity/stable|preview/<v>/ManagedIdentity.json (readme.md "
    "commit 04565fc8b8a5 lists 2015-08-31-preview); later versions as shipped in azure-mgmt-msi 7 and the Azure CLI "
    "2.91 identity commands",
)
_ROLE_ASSIGNMENTS = _v(
    "2015-07-01 2018-01-01-preview 2018-09-01-preview 2020-03-01-preview 2020-04-01-preview 2020-08-01-preview "
    "2020-10-01-preview 2022-01-01-preview 2022-04-01",
    "specification/authorization/resource-manager/Microsoft.Authorization/stable|preview/<v>/authorization-"
    "RoleAssignmentsCalls.json (as generated into azure-mgmt-authorization 4)",
)
_ROLE_DEFINITIONS = _v(
    "2015-07-01 2018-01-01-preview 2022-04-01 2022-05-01-preview",
    "specification/authorization/resource-manager/Microsoft.Authorization/stable|preview/<v>/authorization-"
    "RoleDefinitionsCalls.json (as generated into azure-mgmt-authorization 4)",
)
_POLICY = _v(
    "2015-10-01-preview 2015-11-01 2016-04-01 2016-12-01 2017-06-01-preview 2018-03-01 2018-05-01 2019-01-01 "
    "2019-06-01 2019-09-01 2020-03-01 2020-09-01 2021-06-01 2022-06-01 2023-04-01 2024-04-01 2024-05-01 2025-01-01 "
    "2025-03-01 2025-11-01 2026-06-01",
    "specification/resources/resource-manager/Microsoft.Authorization/stable|preview/<v>/policyDefinitions.json, "
    "policyAssignments.json; newest as shipped in azure-mgmt-resource-policy 1 (2026-06-01) and Azure CLI 2.91",
)
_POLICY_EXEMPTIONS = _v(
    "2020-07-01-preview 2022-07-01-preview",
    "specification/resources/resource-manager/Microsoft.Authorization/preview/<v>/policyExemptions.json",
)
_POLICY_STATES = _v(
    "2017-08-09-preview 2017-10-17-preview 2017-12-12-preview 2018-04-04 2019-10-01",
    "specification/policyinsights/resource-manager/Microsoft.PolicyInsights/stable|preview/<v>/policyStates.json",
)
_REMEDIATIONS = _v(
    "2018-07-01-preview 2019-07-01 2021-10-01",
    "specification/policyinsights/resource-manager/Microsoft.PolicyInsights/stable|preview/<v>/remediations.json",
)
_POLICY_INSIGHTS = _v(
    " ".join(_POLICY_STATES.versions + _REMEDIATIONS.versions) + " 2020-07-01 2022-03-01 2022-04-01 2022-09-01",
    "specification/policyinsights/resource-manager/Microsoft.PolicyInsights (every operation's folders)",
)
_DIAG = _v(
    "2016-09-01 2017-05-01-preview 2021-05-01-preview",
    "specification/monitor/resource-manager/Microsoft.Insights/stable/2016-09-01/serviceDiagnosticsSettings_API.json, "
    "preview/2017-05-01-preview and preview/2021-05-01-preview/diagnosticsSettings_API.json",
)
_DIAG_CATEGORIES = _v(
    "2017-05-01-preview 2021-05-01-preview",
    "specification/monitor/resource-manager/Microsoft.Insights/preview/<v>/diagnosticsSettingsCategories_API.json",
)
_WORKSPACES = _v(
    "2015-03-20 2015-11-01-preview 2020-03-01-preview 2020-08-01 2020-10-01 2021-06-01 2021-12-01-preview "
    "2022-10-01 2023-09-01 2025-02-01 2025-07-01",
    "specification/operationalinsights/resource-manager/Microsoft.OperationalInsights/stable|preview/<v>/"
    "Workspaces.json (2025-02-01, 2025-07-01 as used by the Azure CLI 2.91 monitor commands)",
)
_GRAPH = _v(
    "2018-09-01-preview 2019-04-01 2020-04-01-preview 2021-03-01 2021-06-01-preview 2022-10-01 2024-04-01",
    "specification/resourcegraph/resource-manager/Microsoft.ResourceGraph/stable|preview/<v>/resourcegraph.json",
)
_PRICINGS = _v(
    "2024-01-01",
    "specification/security/resource-manager/Microsoft.Security/Security/Pricings/main.tsp enum Versions "
    "(commit 6148a4a346ce); examples/2024-01-01/Pricings/ (commit 1df975205aec)",
)
# ARM's own (Microsoft.Resources) list, as ARM quoted it in 2024 (ansible-collections/azure#1739), plus the
# versions released since (specification/resources/resource-manager/Microsoft.Resources/stable/<v>/; the SDKs'
# 2025-04-01 and the CLI's 2025-07-01, 2025-11-01, 2026-01-01-preview).
_RESOURCES = _v(
    "2025-11-01 2025-07-01 2025-04-01 2025-03-01 2025-01-01 2024-11-01 2024-08-01 2024-07-01 2024-06-01-preview "
    "2024-03-01 2023-07-01 2023-07-01-preview 2023-03-01-preview 2022-12-01 2022-11-01-preview 2022-09-01 2022-06-01 "
    "2022-05-01 2022-03-01-preview 2022-01-01 2021-04-01 2021-01-01 2020-10-01 2020-09-01 2020-08-01 2020-07-01 "
    "2020-06-01 2020-05-01 2020-01-01 2019-11-01 2019-10-01 2019-09-01 2019-08-01 2019-07-01 2019-06-01 2019-05-10 "
    "2019-05-01 2019-03-01 2018-11-01 2018-09-01 2018-08-01 2018-07-01 2018-06-01 2018-05-01 2018-02-01 2018-01-01 "
    "2017-12-01 2017-08-01 2017-06-01 2017-05-10 2017-05-01 2017-03-01 2016-09-01 2016-07-01 2016-06-01 2016-02-01 "
    "2015-11-01 2015-01-01 2014-04-01-preview 2014-04-01 2014-01-01 2013-03-01 2014-02-26 2026-01-01-preview",
    "ARM's list as quoted in ansible-collections/azure#1739 (2024); since then "
    "specification/resources/resource-manager/Microsoft.Resources/stable/<v>/resources.json",
)

# namespace -> {type path (lower, '' = namespace default): versions}
API_VERSIONS: dict[str, dict[str, Versions]] = {
    "Microsoft.ContainerRegistry": {"": _ACR},
    "Microsoft.KeyVault": {
        "": _v(_KV, _KV_SRC),
        "vaults/keys": _v(" ".join(v for v in _KV.split() if v >= _KV_KEYS_FROM), _KV_SRC + "; keys.json from 2019-09-01"),
    },
    "Microsoft.Network": {"": _NET, "privatednszones": _PDNS},
    "Microsoft.ManagedIdentity": {"": _MSI},
    "Microsoft.Authorization": {
        "": _v(" ".join(_ROLE_ASSIGNMENTS.versions + _ROLE_DEFINITIONS.versions + _POLICY.versions
                        + _POLICY_EXEMPTIONS.versions), "union of below"),
        "roleassignments": _ROLE_ASSIGNMENTS,
        "roledefinitions": _ROLE_DEFINITIONS,
        "policydefinitions": _POLICY,
        "policyassignments": _POLICY,
        "policyexemptions": _POLICY_EXEMPTIONS,
    },
    "Microsoft.PolicyInsights": {"": _POLICY_INSIGHTS, "policystates": _POLICY_STATES, "remediations": _REMEDIATIONS},
    "Microsoft.Insights": {
        "": _v(" ".join(_DIAG.versions), _DIAG.source),
        "diagnosticsettings": _DIAG,
        "diagnosticsettingscategories": _DIAG_CATEGORIES,
    },
    "Microsoft.OperationalInsights": {"": _WORKSPACES},
    "Microsoft.ResourceGraph": {"": _GRAPH},
    "Microsoft.Security": {"": _PRICINGS, "pricings": _PRICINGS},
    "Microsoft.Resources": {"": _RESOURCES},
}
NAMESPACES = {ns.lower(): ns for ns in API_VERSIONS}
ARM_NAMESPACE = "Microsoft.Resources"

_WELL_FORMED = re.compile(r"^\d{4}-\d{2}-\d{2}(-[A-Za-z][A-Za-z0-9.]*)?$")


@dataclass(frozen=True)
class Target:
    """What ARM resolves a request path to: the provider namespace and the resource type path under it."""

    namespace: str  # as the request spelt it
    types: tuple[str, ...]  # e.g. ("registries", "replications"); () = the namespace itself

    @property
    def known_namespace(self) -> str | None:
        return NAMESPACES.get(self.namespace.lower())

    @property
    def type_name(self) -> str:
        return "/".join(self.types)

    def versions(self) -> Versions:
        ns = self.known_namespace
        assert ns is not None
        table = API_VERSIONS[ns]
        low = [t.lower() for t in self.types]
        if low[:1] == ["locations"] and low[1:2] in (["operationstatuses"], ["operationresults"]):
            # the status URLs the provider itself handed out carry the version of the request that started them
            every = {v for entry in table.values() for v in entry.versions}
            return _v(" ".join(every), "every version of the namespace")
        for n in range(len(low), 0, -1):
            hit = table.get("/".join(low[:n]))
            if hit is not None:
                return hit
        return table[""]


def target(path: str) -> Target:
    """The namespace and types of an ARM path: after the last ``/providers/{ns}`` segment (extension resources
    included), else ARM's own ``Microsoft.Resources`` (subscriptions, groups, provider listings)."""
    segs = [s for s in path.strip("/").split("/") if s]
    low = [s.lower() for s in segs]
    head = low[:-1]  # '/subscriptions/{s}/providers' lists providers: ARM's own
    if "providers" in head:
        i = len(head) - 1 - head[::-1].index("providers")
        ns, rest = segs[i + 1], segs[i + 2 :]
        before = low[:i]
        if not rest and before in ([], ["subscriptions", low[1] if len(low) > 1 else ""]):
            return Target(ARM_NAMESPACE, ("providers",))  # GET [/subscriptions/{s}]/providers/{ns}: a provider read
        return Target(ns, tuple(rest[0::2]))
    return Target(ARM_NAMESPACE, tuple(s for s in segs[0::2]))


def check_api_version(path: str, version: str, location: str | None, regions: list[str]) -> None:
    """Raise ARM's 400 for a malformed version or one the path's type does not register (see the module doc)."""
    t = target(path)
    ns = t.known_namespace
    if ns is None:
        return  # the router answers InvalidResourceNamespace
    served = t.versions().versions
    if version in served:
        return
    listed = ", ".join(served)
    if ns == ARM_NAMESPACE or not _WELL_FORMED.match(version):
        raise ArmError(400, "InvalidApiVersionParameter", f"The api-version '{version}' is invalid. The supported versions are '{listed}'.")
    if ns == "Microsoft.Authorization":
        raise ArmError(400, "InvalidResourceType", f"The resource type '{t.type_name}' could not be found in the namespace '{ns}' for api version '{version}'. The supported api-versions are '{listed}'.")
    where = location or (regions[0] if regions else "global")
    raise ArmError(
        400,
        "NoRegisteredProviderFound",
        f"No registered resource provider found for location '{where}' and API version '{version}' for type "
        f"'{t.type_name or t.namespace}'. The supported api-versions are '{listed}'. "
        f"The supported locations are '{', '.join(regions)}'.",
    )


def unknown_route(path: str, version: str) -> ArmError | None:
    """ARM's answer for a path no provider serves: an unknown namespace or type is a 400, not a 404."""
    t = target(path)
    ns = t.known_namespace
    if ns is None:
        return ArmError(400, "InvalidResourceNamespace", f"The resource namespace '{t.namespace}' is invalid.")
    if ns == ARM_NAMESPACE or not t.types:
        return None
    if not _type_known(ns, t.types):
        return ArmError(400, "InvalidResourceType", f"The resource type '{t.type_name}' could not be found in the namespace '{ns}' for api version '{version}'.")
    return None


def _type_known(ns: str, types: tuple[str, ...]) -> bool:
    from .arm import ROUTES

    want = [t.lower() for t in types]
    marker = f"/providers/{ns}/".lower()
    for r in ROUTES:
        low = r.template.lower()
        if marker not in low:
            continue
        rest = low[low.index(marker) + len(marker) :].split("/")
        have = rest[0::2]
        if len(have) >= len(want) and all(h == w or h.startswith("{") for h, w in zip(have, want, strict=False)):
            return True
    return False


# ---------------------------------------------------------------- locations

REGIONS: dict[str, dict[str, str]] = {  # cloud -> name -> display name
    "AzureCloud": {
        "eastus": "East US", "eastus2": "East US 2", "southcentralus": "South Central US", "westus2": "West US 2",
        "westus3": "West US 3", "australiaeast": "Australia East", "southeastasia": "Southeast Asia",
        "northeurope": "North Europe", "swedencentral": "Sweden Central", "uksouth": "UK South",
        "westeurope": "West Europe", "centralus": "Central US", "southafricanorth": "South Africa North",
        "centralindia": "Central India", "eastasia": "East Asia", "indonesiacentral": "Indonesia Central",
        "japaneast": "Japan East", "japanwest": "Japan West", "koreacentral": "Korea Central",
        "malaysiawest": "Malaysia West", "newzealandnorth": "New Zealand North", "canadacentral": "Canada Central",
        "austriaeast": "Austria East", "belgiumcentral": "Belgium Central", "francecentral": "France Central",
        "germanywestcentral": "Germany West Central", "italynorth": "Italy North", "norwayeast": "Norway East",
        "polandcentral": "Poland Central", "spaincentral": "Spain Central", "switzerlandnorth": "Switzerland North",
        "mexicocentral": "Mexico Central", "uaenorth": "UAE North", "brazilsouth": "Brazil South",
        "chilecentral": "Chile Central", "israelcentral": "Israel Central", "qatarcentral": "Qatar Central",
        "northcentralus": "North Central US", "westus": "West US", "westcentralus": "West Central US",
        "southafricawest": "South Africa West", "australiacentral": "Australia Central",
        "australiacentral2": "Australia Central 2", "australiasoutheast": "Australia Southeast",
        "jioindiacentral": "Jio India Central", "jioindiawest": "Jio India West", "koreasouth": "Korea South",
        "southindia": "South India", "westindia": "West India", "canadaeast": "Canada East",
        "francesouth": "France South", "germanynorth": "Germany North", "norwaywest": "Norway West",
        "switzerlandwest": "Switzerland West", "ukwest": "UK West", "uaecentral": "UAE Central",
        "brazilsoutheast": "Brazil Southeast",
    },
    "AzureUSGovernment": {
        "usgovvirginia": "USGov Virginia", "usgovtexas": "USGov Texas", "usgovarizona": "USGov Arizona",
        "usgoviowa": "USGov Iowa", "usdodcentral": "USDoD Central", "usdodeast": "USDoD East",
    },
    "AzureChinaCloud": {
        "chinaeast": "China East", "chinaeast2": "China East 2", "chinaeast3": "China East 3",
        "chinanorth": "China North", "chinanorth2": "China North 2", "chinanorth3": "China North 3",
    },
}

# Types whose only location is 'global' (Azure/azure-rest-api-specs privatedns.json examples: "location": "global").
GLOBAL_TYPES = {"microsoft.network/privatednszones", "microsoft.network/privatednszones/virtualnetworklinks"}


def normalise_location(value: str) -> str:
    """ARM's normal form: lower case, no spaces ('West US' → 'westus')."""
    return value.replace(" ", "").lower()


def check_location(cloud: str, path: str, value: str) -> str:
    """The normalised location, or ARM's 400 when the cloud has no such region for the path's type."""
    loc = normalise_location(value)
    t = target(path)
    regions = REGIONS.get(cloud, REGIONS["AzureCloud"])
    if t.known_namespace == ARM_NAMESPACE and t.types[-1:] == ("resourcegroups",):
        if loc not in regions:
            raise ArmError(400, "LocationNotAvailableForResourceGroup", f"The provided location '{value}' is not available for resource group. List of available regions is '{','.join(regions)}'.")
        return loc
    rtype = f"{t.known_namespace or t.namespace}/{t.type_name}"
    allowed = ["global"] if rtype.lower() in GLOBAL_TYPES else list(regions)
    if loc not in allowed:
        raise ArmError(400, "LocationNotAvailableForResourceType", f"The provided location '{value}' is not available for resource type '{rtype}'. List of available regions for the resource type is '{','.join(allowed)}'.")
    return loc


def type_locations(cloud: str, namespace: str, rtype: str) -> list[str]:
    """The locations GET /providers lists for a type: display names, as ARM lists them; [] for a non-regional type."""
    if f"{namespace}/{rtype}".lower() in GLOBAL_TYPES:
        return ["global"]
    return list(REGIONS.get(cloud, REGIONS["AzureCloud"]).values())


# The seeds are written with public-cloud regions; in another cloud each stands for one of that cloud's regions.
_SEED_REGIONS = {
    "AzureUSGovernment": {"eastus": "usgovvirginia", "westeurope": "usgovtexas", "northeurope": "usgoviowa",
                          "westus2": "usgovarizona", "uksouth": "usdodeast"},
    "AzureChinaCloud": {"eastus": "chinaeast2", "westeurope": "chinanorth2", "northeurope": "chinaeast3",
                        "westus2": "chinanorth3", "uksouth": "chinanorth"},
}


def seed_region(cloud: str, location: str) -> str:
    return _SEED_REGIONS.get(cloud, {}).get(location, location)
