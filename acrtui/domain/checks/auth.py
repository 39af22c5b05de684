"""Local authentication and resilience checks: the ones PSRule and Checkov also have, kept for a complete report."""

from __future__ import annotations

from acrtui.domain.models import CheckInput, Estate, RegistryPosture

from .base import (
    Check,
    CheckSettings,
    Family,
    Finding,
    References,
    Remediation,
    Severity,
    fail,
    ok,
    premium_only,
)

LEARN_AUTH = "https://learn.microsoft.com/azure/container-registry/container-registry-authentication"


def check_admin(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    if reg.admin_user_enabled:
        return fail(
            "the admin user is enabled: a shared, non-personal credential with push rights",
            adminUserEnabled=True,
        )
    return ok("the admin user is disabled", adminUserEnabled=False)


def check_anonymous(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    if reg.anonymous_pull_enabled:
        return fail(
            "anonymous pull is enabled: anyone who can reach the registry can pull", anonymousPullEnabled=True
        )
    return ok("anonymous pull is disabled", anonymousPullEnabled=False)


def check_arm_tokens(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    value = reg.arm_audience_token_enabled
    if value is False:
        return ok(
            "ARM-audience tokens are not accepted: only ACR-audience tokens authenticate",
            azureADAuthenticationAsArmPolicy="disabled",
        )
    if value is None:
        return fail(
            "azureADAuthenticationAsArmPolicy is not reported; Azure treats a missing policy as enabled",
            azureADAuthenticationAsArmPolicy=None,
        )
    return fail(
        "ARM-audience Entra tokens are accepted for registry access",
        azureADAuthenticationAsArmPolicy="enabled",
    )


# Regions with availability zones (Learn, "Azure regions list", reliability/regions-list, 2025-09; plus the
# sovereign regions Learn's ACR zone-redundancy page listed: usgovvirginia, chinanorth3). In these, every registry
# and replica is zone redundant by default, whatever its zoneRedundancy property says (Learn, "Zone redundancy
# in Azure Container Registry", 2026: the property "might still show as false").
AZ_REGIONS = frozenset({
    "australiaeast", "austriaeast", "belgiumcentral", "brazilsouth", "canadacentral", "centralindia", "centralus",
    "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral",
    "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest", "koreacentral", "malaysiawest",
    "mexicocentral", "newzealandnorth", "northeurope", "norwayeast", "polandcentral", "qatarcentral",
    "southafricanorth", "southcentralus", "southeastasia", "spaincentral", "swedencentral", "switzerlandnorth",
    "uaenorth", "uksouth", "westeurope", "westus2", "westus3", "usgovvirginia", "chinanorth3",
})
LEARN_ZONES = "https://learn.microsoft.com/azure/container-registry/zone-redundancy"


def _zonal(location: str, prop: str | None) -> str | None:
    """Why the region's copy is zone redundant (None: it is not): the property says so, or the region has zones."""
    if (prop or "").lower() == "enabled":
        return "zoneRedundancy Enabled"
    if location.lower().replace(" ", "") in AZ_REGIONS:
        return "region has availability zones (on by default)"
    return None


def check_zone_redundancy(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    regions: dict[str, str | None] = {reg.location: reg.zone_redundancy}
    regions.update({r.location: r.zone_redundancy for r in reg.replicas if r.location.lower() != reg.location.lower()})
    basis = {loc: _zonal(loc, zr) for loc, zr in regions.items()}
    ev = {
        "zoneRedundancy": reg.zone_redundancy,
        "replicas": {loc: zr for loc, zr in regions.items() if loc != reg.location},
        "basis": basis,
    }
    off = [loc for loc, why in basis.items() if why is None]
    if off:
        return fail(
            f"{', '.join(off)} ha{'s' if len(off) == 1 else 've'} no availability zones: the registry's data there "
            "is not zone redundant",
            **ev,
        )
    by_default = [loc for loc, why in basis.items() if why and why.startswith("region")]
    if by_default:
        return ok(
            f"zone redundant in every region; in {', '.join(by_default)} by the region's default, which the "
            "zoneRedundancy property does not show",
            **ev,
        )
    return ok("zoneRedundancy is Enabled in every region", **ev)


def check_geo_replica(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    regions = reg.regions
    if len(regions) > 1:
        return ok(
            f"replicated to {len(regions) - 1} more region(s): {', '.join(regions[1:])}", regions=regions
        )
    return fail(f"content lives only in {reg.location}", regions=regions)


CHECKS = [
    Check(
        id="ACR-AUTH-001",
        title="Admin user is disabled",
        severity=Severity.HIGH,
        family=Family.AUTH,
        rationale="The admin user is one shared password with full push and pull rights and no per-person audit.",
        remediation=Remediation(
            "Disable the admin user; use Entra identities with AcrPull/AcrPush.",
            az="az acr update -n <registry> -g <rg> --subscription <subscription> --admin-enabled false",
            action="SetAdminUser",
        ),
        fn=check_admin,
        references=References(
            policy_definition_ids=(
                "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
                "79fdfe03-ffcb-4e55-b4d0-b925b8241759",
            ),
            psrule=("Azure.ACR.AdminUser",),
            checkov=("CKV_AZURE_137",),
            prowler=("containerregistry_admin_user_disabled",),
            docs=(LEARN_AUTH,),
        ),
    ),
    Check(
        id="ACR-AUTH-002",
        title="Anonymous pull is disabled",
        severity=Severity.HIGH,
        family=Family.AUTH,
        rationale="Anonymous pull serves every image to unauthenticated clients.",
        remediation=Remediation(
            "Disable anonymous pull.",
            az="az acr update -n <registry> -g <rg> --subscription <subscription> --anonymous-pull-enabled false",
            action="SetAnonymousPull",
        ),
        fn=check_anonymous,
        references=References(
            policy_definition_ids=(
                "9f2dea28-e834-476c-99c5-3507b4728395",
                "cced2946-b08a-44fe-9fd9-e4ed8a779897",
            ),
            psrule=("Azure.ACR.AnonymousAccess",),
            checkov=("CKV_AZURE_138",),
            docs=(LEARN_AUTH,),
        ),
    ),
    Check(
        id="ACR-AUTH-003",
        title="ARM-audience token authentication is disabled",
        severity=Severity.MEDIUM,
        family=Family.AUTH,
        rationale="Accepting ARM-audience tokens lets any token minted for Azure Resource Manager open the "
        "registry; ACR-audience tokens limit a stolen token's reach.",
        remediation=Remediation(
            "Disable the azureADAuthenticationAsArmPolicy.",
            az="az acr config authentication-as-arm update -r <registry> -g <rg> --subscription <subscription> --status disabled",
            action="SetArmAudienceTokens",
        ),
        fn=check_arm_tokens,
        references=References(
            policy_definition_ids=(
                "42781ec6-6127-4c30-bdfa-fb423a0047d3",
                "785596ed-054f-41bc-aaec-7f3d0ba05725",
            ),
            docs=(LEARN_AUTH,),
        ),
    ),
    Check(
        id="ACR-RES-001",
        title="Registry is zone redundant",
        severity=Severity.INFO,
        family=Family.RESILIENCE,
        rationale="Zone redundancy keeps pushes and pulls working through a zone outage. Azure now makes every "
        "registry and replica (every tier) zone redundant by default in regions with availability zones, and the "
        "zoneRedundancy property may still read Disabled there: Enabled proves it, Disabled proves nothing. The "
        "check therefore passes a region whose property is Enabled or that has availability zones (Learn's regions "
        "list), and fails only a region without zones, where no setting can make it zone redundant.",
        remediation=Remediation(
            "Move the registry to (or, on Premium, add a replica in) a region with availability zones; "
            "there is no setting that makes a region without zones zone redundant.",
            az="az acr replication create -r <registry> -g <rg> --subscription <subscription> -l <region-with-zones>",
        ),
        fn=check_zone_redundancy,
        inputs=(CheckInput.REPLICAS,),
        references=References(
            policy_definition_ids=("9d2b0a20-57d6-474c-9d12-44a4a20999c6",), checkov=("CKV_AZURE_233",),
            docs=(LEARN_ZONES,),
        ),
    ),
    Check(
        id="ACR-RES-002",
        title="Registry is geo-replicated",
        severity=Severity.LOW,
        family=Family.RESILIENCE,
        rationale="A replica keeps pulls working through a regional outage and serves clients from nearby.",
        remediation=Remediation(
            "Add a replica in a second region (each replica needs one more IP in every private endpoint subnet).",
            az="az acr replication create -r <registry> -g <rg> --subscription <subscription> -l <region>",
        ),
        fn=check_geo_replica,
        inputs=(CheckInput.REPLICAS,),
        references=References(psrule=("Azure.ACR.GeoReplica",), checkov=("CKV_AZURE_165",)),
        applies=premium_only,
        applicability="Premium",
    ),
]
