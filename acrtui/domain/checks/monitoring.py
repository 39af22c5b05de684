"""The registry's audit trail and Defender's image scans: diagnostic logs, Defender for Containers, image findings.

Who logged in, pushed and pulled is the registry's audit trail, as AuditEvent is the vault's (ACR-CMK-006); Defender
for Containers scans the images, and its assessment (the one built-in 090c7b07 audits) says whether findings remain.
"""

from __future__ import annotations

from acrtui.domain.models import CheckInput, DiagnosticSetting, Estate, RegistryPosture

from .base import Check, CheckSettings, Family, Finding, References, Remediation, Severity, fail, na, ok

LEARN_MONITOR = "https://learn.microsoft.com/azure/container-registry/monitor-container-registry"
LEARN_DEFENDER = "https://learn.microsoft.com/azure/defender-for-cloud/defender-for-containers-introduction"
LEARN_VA = "https://learn.microsoft.com/azure/defender-for-cloud/agentless-vulnerability-assessment-azure"

LOG_CATEGORIES = ("ContainerRegistryLoginEvents", "ContainerRegistryRepositoryEvents")
LOG_GROUPS = ("audit", "allLogs")  # category groups that include both (PSRule Azure.ACR.AuditLogs; Learn, ACR logs)
VA_EXTENSION = "ContainerRegistriesVulnerabilityAssessments"
# the assessment behind built-in 090c7b07 (its policyRule details.name: Azure/azure-policy, Security Center/
# MDC_AzureContainerRegistryVulnerabilityAssessment_Audit.json)
IMAGE_ASSESSMENT = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5"


def _covered(settings: list[DiagnosticSetting]) -> tuple[set[str], list[dict[str, object]]]:
    """Which of the two categories some setting sends to a destination, and each setting as evidence."""
    covered: set[str] = set()
    rows: list[dict[str, object]] = []
    for d in settings:
        rows.append({"name": d.name, "categories": list(d.categories), "destinations": d.destinations})
        if not d.destinations:
            continue  # a setting with a blank destination sends nothing anywhere
        cats = {c.lower() for c in d.categories}
        if cats & {g.lower() for g in LOG_GROUPS}:
            covered |= set(LOG_CATEGORIES)
        covered |= {c for c in LOG_CATEGORIES if c.lower() in cats}
    return covered, rows


def check_registry_logs(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    covered, rows = _covered(estate.diagnostics_for(reg))
    missing = [c for c in LOG_CATEGORIES if c not in covered]
    ev = {"diagnosticSettings": rows, "required": list(LOG_CATEGORIES), "missing": missing}
    if not missing:
        return ok("login and repository events are sent to a destination: who pulled and pushed is auditable", **ev)
    if not rows:
        return fail("no diagnostic setting: nobody can tell who logged in, pushed or pulled", **ev)
    return fail(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not sent to any destination", **ev)


def check_defender(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    plan = estate.defender_for(reg)
    ev: dict[str, object] = {"subscriptionId": reg.subscription_id}
    if plan is None or plan.pricing_tier is None:
        return fail("the subscription has no Defender for Containers plan: images are not scanned", **ev)
    ev.update(pricingTier=plan.pricing_tier, extensions=dict(plan.extensions))
    if plan.legacy_registry_tier:
        ev["deprecatedContainerRegistryPlan"] = plan.legacy_registry_tier
    if not plan.on:
        legacy = (" (the deprecated Defender for container registries plan is on; it was replaced by Containers)"
                  if (plan.legacy_registry_tier or "").lower() == "standard" else "")
        return fail(f"Defender for Containers is off (pricing tier {plan.pricing_tier}){legacy}", **ev)
    if not plan.extensions.get(VA_EXTENSION):
        return fail(f"Defender for Containers is on, but its {VA_EXTENSION} extension is off: registry images are "
                    "not scanned", **ev)
    return ok("Defender for Containers is on and scans registry images", **ev)


def _defender_on(reg: RegistryPosture, estate: Estate) -> str | None:
    plan = estate.defender_for(reg)
    if plan is None or not plan.on or not plan.extensions.get(VA_EXTENSION):
        return "Defender for Containers does not scan this registry's images (ACR-DEF-001): no findings to judge"
    return None


def check_image_findings(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    reason = _defender_on(reg, estate)  # depends on a read (the plan), so it is decided here, not in ``applies``
    if reason:
        return na(reason)
    a = estate.assessment_for(reg)
    if a is None:  # 090c7b07 is AuditIfNotExists: no assessment is non-compliant, not a pass
        return fail("Defender has not assessed this registry's images yet (no vulnerability assessment)",
                    assessment=IMAGE_ASSESSMENT)
    findings = [f.model_dump() for f in a.findings]
    ev = {"assessmentId": a.assessment_id, "status": a.status, "findings": findings}
    if a.status.lower() in ("healthy", "notapplicable"):
        return ok(f"no unresolved image vulnerability findings (assessment {a.status})", **ev)
    sev: dict[str, int] = {}
    for f in a.findings:
        sev[f.severity or "unknown"] = sev.get(f.severity or "unknown", 0) + 1
    counts = ", ".join(f"{n} {k}" for k, n in sorted(sev.items()))
    return fail(f"{len(a.findings)} image(s) with unresolved vulnerability findings" + (f" ({counts})" if counts else "")
                + f": assessment {a.status}", **ev)


CHECKS = [
    Check(
        id="ACR-LOG-001",
        title="Registry login and repository events are logged",
        severity=Severity.MEDIUM,
        family=Family.MONITORING,
        rationale="ContainerRegistryLoginEvents (who authenticated, from where) and ContainerRegistryRepositoryEvents "
        "(pushes, pulls, deletes) are the registry's audit trail, as AuditEvent is the vault's: without a diagnostic "
        "setting that sends both (or the audit/allLogs group) to a destination, an incident cannot be traced.",
        remediation=Remediation(
            "Add a diagnostic setting with both categories (or the audit category group) to a Log Analytics workspace.",
            az="az monitor diagnostic-settings create -n registry-audit --resource <registry-id> --workspace "
            '<workspace-id> --logs \'[{"categoryGroup":"audit","enabled":true}]\'',
        ),
        fn=check_registry_logs,
        inputs=(CheckInput.REGISTRY_DIAGNOSTICS,),
        references=References(
            policy_definition_ids=(
                "56288eb2-4350-461d-9ece-2bb242269dce",
                "9ba29e83-863d-4fec-81d0-16dd87067cc3",
                "106cd3bd-50a1-466c-869f-f9c2d310477b",
            ),
            psrule=("Azure.ACR.AuditLogs", "Azure.ACR.Logs"),
            docs=(LEARN_MONITOR,),
        ),
    ),
    Check(
        id="ACR-DEF-001",
        title="Defender for Containers scans the registry's images",
        severity=Severity.MEDIUM,
        family=Family.MONITORING,
        rationale="Microsoft Defender for Containers (the subscription's Containers plan at the Standard tier, with "
        "its ContainerRegistriesVulnerabilityAssessments extension) scans registry images for known "
        "vulnerabilities; without it nobody is told that an image in use carries a critical CVE.",
        remediation=Remediation(
            "Turn on the Containers plan for the registry's subscription.",
            az="az security pricing create -n Containers --tier standard --subscription <subscription> --extensions "
            "name=ContainerRegistriesVulnerabilityAssessments isEnabled=True",
        ),
        fn=check_defender,
        inputs=(CheckInput.DEFENDER,),
        references=References(
            policy_definition_ids=("1c988dd6-ade4-430f-a608-2a3e5b0a6d38",),
            prowler=("defender_ensure_defender_for_containers_is_on", "defender_container_images_scan_enabled"),
            docs=(LEARN_DEFENDER,),
        ),
    ),
    Check(
        id="ACR-DEF-002",
        title="No unresolved image vulnerability findings",
        severity=Severity.HIGH,
        family=Family.MONITORING,
        rationale="Defender's assessment of the registry (the one built-in 090c7b07 audits, read through Resource "
        "Graph's securityresources table) is Unhealthy while any image has unresolved vulnerability findings. As in "
        "that policy, a registry Defender has not assessed is not compliant.",
        remediation=Remediation(
            "Rebuild the vulnerable images on patched bases, push them, and delete or stop using the old digests; "
            "list the findings first (az graph is a CLI extension).",
            az="az graph query -q \"securityresources | where type =~ 'microsoft.security/assessments/subassessments' "
            f"| where id contains '<registry-id>/providers/Microsoft.Security/assessments/{IMAGE_ASSESSMENT}' "
            "| where properties.status.code == 'Unhealthy' | project properties.displayName, "
            "properties.additionalData.artifactDetails\" && az acr repository delete -n <registry> --image "
            "<repository>@<digest>",
        ),
        fn=check_image_findings,
        inputs=(CheckInput.DEFENDER, CheckInput.IMAGE_FINDINGS),
        references=References(
            policy_definition_ids=("090c7b07-b4ed-4561-ad20-e9075f3ccaff",),
            psrule=("Azure.ACR.ImageHealth", "Azure.ACR.ContainerScan"),
            docs=(LEARN_VA,),
        ),
        applicability="Subscriptions where Defender for Containers scans registry images",
    ),
]
