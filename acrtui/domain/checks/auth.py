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


def check_zone_redundancy(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    replicas = {
        r.location: r.zone_redundancy for r in reg.replicas if r.location.lower() != reg.location.lower()
    }
    ev = {"zoneRedundancy": reg.zone_redundancy, "replicas": replicas}
    off = [loc for loc, zr in replicas.items() if (zr or "").lower() != "enabled"]
    if reg.zone_redundancy.lower() != "enabled":
        return fail(f"home region {reg.location} is not zone redundant (set only at creation)", **ev)
    if off:
        return fail(f"replicas in {', '.join(off)} are not zone redundant", **ev)
    return ok("registry and replicas are zone redundant", **ev)


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
        rationale="Zone redundancy keeps the registry available through a zone outage; it is chosen at creation.",
        remediation=Remediation(
            "Create replicas (and new registries) with zone redundancy enabled.",
            az="az acr replication create -r <registry> -g <rg> --subscription <subscription> -l <region> --zone-redundancy enabled",
        ),
        fn=check_zone_redundancy,
        inputs=(CheckInput.REPLICAS,),
        references=References(
            policy_definition_ids=("9d2b0a20-57d6-474c-9d12-44a4a20999c6",), checkov=("CKV_AZURE_233",)
        ),
        applies=premium_only,
        applicability="Premium",
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
