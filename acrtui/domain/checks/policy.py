"""Azure Policy checks: are the built-ins that guard the four hardening features assigned over the registry, with
an effect that does something, and what does Azure's own compliance scan say now.

Only direct assignments of the built-in definitions are recognised; an initiative (policy set) that contains them
is not expanded here (the service layer reports assignments by definition id).
"""

from __future__ import annotations

from collections.abc import Callable

from acrtui.domain.models import CheckInput, Estate, PolicyAssignmentInfo, RegistryPosture

from .base import Check, CheckSettings, Family, Finding, References, Remediation, Severity, fail, na, ok

LEARN_POLICY = "https://learn.microsoft.com/azure/container-registry/container-registry-azure-policy"

BUILTIN_NAMES = {
    "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580": "Container registries should be encrypted with a customer-managed key",
    "d0793b48-0edc-4296-a390-4c75d1bdfd71": "Container registries should not allow unrestricted network access",
    "e8eef0a8-67cf-4eb4-9386-14b0e78733d4": "Container registries should use private link",
    "0fdf0491-d080-4575-b627-ad0e843cba0f": "Public network access should be disabled for Container registries",
    "a3701552-92ea-433e-9d17-33b7f1208fc9": "Configure Container registries to disable public network access",
    "bd560fc0-3c69-498a-ae9f-aa8eb7de0e13": "Container registries should have SKUs that support Private Links",
    "d85c6833-7d33-4cf5-a915-aaa2de84405f": "Configure Container registries with private endpoints",
    "e9585a95-5b8c-4d03-b193-dc7eb5ac4c32": "Configure Container registries to use private DNS zones",
    "524b0254-c285-4903-bee6-bb8126cde579": "Container registries should have exports disabled",
    "dc921057-6b28-4fbe-9b83-f7bec05db6c2": "Container registries should have local admin account disabled.",
    "9f2dea28-e834-476c-99c5-3507b4728395": "Container registries should have anonymous authentication disabled.",
    "42781ec6-6127-4c30-bdfa-fb423a0047d3": "Container registries should have ARM audience token authentication disabled.",
}


def _describe(a: PolicyAssignmentInfo) -> dict[str, object]:
    return {
        "assignmentId": a.id,
        "name": a.display_name or a.name,
        "definitionId": a.definition_id,
        "scope": a.scope,
        "effect": a.effect,
        "enforcementMode": a.enforcement_mode,
    }


def _exemption(estate: Estate, reg: RegistryPosture, a: PolicyAssignmentInfo, s: CheckSettings) -> list[dict[str, object]]:
    """Live exemptions of this registry from assignment ``a`` (an expired one no longer exempts: Azure evaluates the
    resource again once ``expiresOn`` passes — Learn, "Azure Policy exemption structure")."""
    return [{"exemptionId": x.id, "name": x.display_name or x.name, "category": x.category,
             "expiresOn": x.expires_on.isoformat().replace("+00:00", "Z") if x.expires_on else None, "scope": x.scope}
            for x in estate.exemptions_for(reg, a.id) if not x.expired(s.now)]


def _enforced(a: PolicyAssignmentInfo) -> bool:
    return (a.effect or "").lower() != "disabled" and a.enforcement_mode.lower() != "donotenforce"


def assignment_check(
    guids: tuple[str, ...], feature: str
) -> Callable[[RegistryPosture, Estate, CheckSettings], Finding]:
    wanted = {g.lower() for g in guids}

    def fn(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
        found = [a for a in estate.assignments_for(reg) if a.definition_guid in wanted]
        ev = {
            "assignments": [_describe(a) for a in found],
            "definitions": [BUILTIN_NAMES.get(g, g) for g in guids],
        }
        active = [a for a in found if _enforced(a)]
        exempt = {a.id.lower(): _exemption(estate, reg, a, s) for a in active}
        if active and all(exempt.values()):  # every guarding assignment exempts this registry: not a pass, not a fail
            rows = [x for a in active for x in exempt[a.id.lower()]]
            how = "; ".join(f"{x['name']} ({x['category']}, expires {x['expiresOn'] or 'never'})" for x in rows)
            return na(f"{feature}: this registry is exempted from the policy by {how}", **ev, exempted=True,
                      exemptions=rows)
        active = [a for a in active if not exempt[a.id.lower()]]
        if active:
            how = ", ".join(f"{a.effect or 'default effect'} via {a.display_name or a.name}" for a in active)
            return ok(f"{feature} is guarded by policy: {how}", **ev)
        if found:
            return fail(
                f"{feature} policy is assigned but does nothing (effect Disabled or enforcement DoNotEnforce)",
                **ev,
            )
        return fail(f"no built-in policy for {feature} is assigned over this registry", **ev)

    return fn


def check_compliance(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    records = estate.compliance_for(reg)
    if not records:
        return na(
            "Azure Policy has no compliance record for this registry (nothing assigned, or not scanned yet)"
        )
    rows = [
        {
            "definitionId": r.definition_id,
            "definition": BUILTIN_NAMES.get(
                r.definition_id.rstrip("/").rsplit("/", 1)[-1].lower(), r.definition_id
            ),
            "assignmentId": r.assignment_id,
            "state": r.compliance_state,
        }
        for r in records
    ]
    bad = [r for r in rows if str(r["state"]).lower() == "noncompliant"]
    if bad:
        return fail(
            f"non-compliant with {len(bad)} of {len(rows)} assigned policies: "
            + "; ".join(str(b["definition"]) for b in bad),
            states=rows,
        )
    exempt = [r for r in rows if str(r["state"]).lower() == "exempt"]  # an exemption's effect, reported as such
    if exempt:
        return ok(f"compliant with {len(rows) - len(exempt)} of {len(rows)} assigned policies; exempted from "
                  + "; ".join(str(e["definition"]) for e in exempt), states=rows)
    return ok(f"compliant with all {len(rows)} assigned policies", states=rows)


def _assign_remediation(guid: str) -> Remediation:
    """The same assignment the console's policy wizard proposes (acrtui.domain.policy_fix): the registry's
    resource group, Audit; ``<scope>`` is filled with the resource group's id per registry."""
    from acrtui.domain.policy_fix import assign_command

    return Remediation(
        f"Assign the built-in '{BUILTIN_NAMES[guid]}' at the registry's resource group (or the subscription, for "
        "every registry in it), Audit first, Deny when the compliance scan is clean.",
        az=assign_command("<scope>", guid, BUILTIN_NAMES[guid]),
        action="AssignPolicy",
    )


CMK_GUIDS = ("5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",)
PL_GUIDS = ("e8eef0a8-67cf-4eb4-9386-14b0e78733d4", "d85c6833-7d33-4cf5-a915-aaa2de84405f")
PUBLIC_GUIDS = (
    "0fdf0491-d080-4575-b627-ad0e843cba0f",
    "d0793b48-0edc-4296-a390-4c75d1bdfd71",
    "a3701552-92ea-433e-9d17-33b7f1208fc9",
)
DNS_GUIDS = ("e9585a95-5b8c-4d03-b193-dc7eb5ac4c32",)

CHECKS = [
    Check(
        id="ACR-POL-001",
        title="Customer-managed key policy is assigned",
        severity=Severity.MEDIUM,
        family=Family.POLICY,
        rationale="Without the policy, the next registry can be created without CMK, and CMK cannot be added later.",
        remediation=_assign_remediation(CMK_GUIDS[0]),
        fn=assignment_check(CMK_GUIDS, "customer-managed key encryption"),
        inputs=(CheckInput.POLICY,),
        references=References(policy_definition_ids=CMK_GUIDS, docs=(LEARN_POLICY,)),
    ),
    Check(
        id="ACR-POL-002",
        title="Private Link policy is assigned",
        severity=Severity.MEDIUM,
        family=Family.POLICY,
        rationale="A policy keeps reporting (or deploying) private endpoints for registries created later.",
        remediation=_assign_remediation(PL_GUIDS[0]),
        fn=assignment_check(PL_GUIDS, "Private Link"),
        inputs=(CheckInput.POLICY,),
        references=References(policy_definition_ids=PL_GUIDS, docs=(LEARN_POLICY,)),
    ),
    Check(
        id="ACR-POL-003",
        title="Public network access policy is assigned",
        severity=Severity.MEDIUM,
        family=Family.POLICY,
        rationale="A Deny assignment stops anyone from reopening the public endpoint.",
        remediation=_assign_remediation(PUBLIC_GUIDS[0]),
        fn=assignment_check(PUBLIC_GUIDS, "public network access"),
        inputs=(CheckInput.POLICY,),
        references=References(policy_definition_ids=PUBLIC_GUIDS, docs=(LEARN_POLICY,)),
    ),
    Check(
        id="ACR-POL-004",
        title="Private DNS zone policy is assigned (login server and data endpoint records)",
        severity=Severity.LOW,
        family=Family.POLICY,
        rationale="No built-in audits dedicated data endpoints; the DNS zone policy keeps the records private "
        "endpoints need for the login server and every data endpoint.",
        remediation=_assign_remediation(DNS_GUIDS[0]),
        fn=assignment_check(DNS_GUIDS, "private DNS zones"),
        inputs=(CheckInput.POLICY,),
        references=References(policy_definition_ids=DNS_GUIDS, docs=(LEARN_POLICY,)),
    ),
    Check(
        id="ACR-POL-005",
        title="Compliant with the assigned policies",
        severity=Severity.MEDIUM,
        family=Family.POLICY,
        rationale="Azure Policy's own latest compliance state, so the report and the portal agree.",
        remediation=Remediation(
            "Fix the non-compliant settings, then trigger a compliance scan.",
            az="az policy state trigger-scan -g <rg>",
            action=None,
        ),
        fn=check_compliance,
        inputs=(CheckInput.COMPLIANCE,),
        references=References(docs=(LEARN_POLICY,)),
    ),
]
