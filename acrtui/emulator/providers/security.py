"""Microsoft.Security (Defender for Cloud): subscription pricings, and the container-image assessments Defender writes.

Pricings (api 2024-01-01; REST spec ``specification/security/resource-manager/Microsoft.Security/Security/Pricings``,
main.tsp ``Versions`` and the examples ListPricings_example.json, PutResourcePricingByNameContainersACR_example.json):
``GET /subscriptions/{sub}/providers/Microsoft.Security/pricings`` lists every plan (``{"value": [...]}``, no paging),
``GET .../pricings/{name}`` one, ``PUT .../pricings/{name}`` sets ``pricingTier`` (200, synchronous). A plan never set
reads as ``Free``; ``ContainerRegistry``, ``KubernetesService`` and ``Dns`` are listed as ``deprecated`` with
``replacedBy`` (the example's shape). A Standard ``Containers`` plan carries the ``ContainerRegistriesVulnerabilityAssessments``
extension, enabled unless the request turns it off (the example's Containers entry).

Rules:
- ``pricingTier`` must be ``Free`` or ``Standard`` (the spec's enum) → 400 ``InvalidInputJson`` (code unconfirmed).
- An unknown plan name → 404 ``PricingNotFound`` (code unconfirmed; the spec names the plans in the examples only).
- A deprecated plan cannot be turned on → 400 ``PricingDeprecated`` naming its replacement (Learn: "Defender for
  container registries" was replaced by Defender for Containers; the exact refusal is unconfirmed).

Assessments are written by Defender, not by clients: :func:`set_image_assessment` puts one (and its sub-assessments,
one per vulnerable image) on a registry in process, as Defender would after a scan; seeds and tests call it. They are
served to clients only through Resource Graph's ``securityresources`` table (:func:`security_rows`, registered in
``resourcegraph.TABLES``), with the columns of the ``resources`` table (Learn, "Resource Graph table and resource type
reference": securityresources holds ``microsoft.security/assessments`` and ``.../subassessments``). The assessment's
name is the assessment key (for ACR images ``c0b7cfc6-3172-465a-b378-53c7ff2cc0d5``, the one built-in 090c7b07
audits) and its ``properties.status.code`` is ``Healthy`` | ``Unhealthy`` | ``NotApplicable`` (REST spec
Assessment.Management GetAssessment_example.json shape).
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from .. import rbac
from ..arm import ArmError, Ctx, Response, get_ci, parse_id, route
from ..state import State

PRICING = "Microsoft.Security/pricings"
ASSESSMENT = "Microsoft.Security/assessments"
SUB_ASSESSMENT = "Microsoft.Security/assessments/subAssessments"
IMAGE_ASSESSMENT = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5"
IMAGE_ASSESSMENT_NAME = (
    "Azure registry container images should have vulnerabilities resolved (powered by Microsoft Defender "
    "Vulnerability Management)"
)
VA_EXTENSION = "ContainerRegistriesVulnerabilityAssessments"
TIERS = ("Free", "Standard")
PLANS = (
    "VirtualMachines", "SqlServers", "AppServices", "StorageAccounts", "SqlServerVirtualMachines", "KubernetesService",
    "ContainerRegistry", "KeyVaults", "Dns", "Arm", "OpenSourceRelationalDatabases", "Containers", "CloudPosture", "Api",
)
DEPRECATED = {"KubernetesService": "Containers", "ContainerRegistry": "Containers", "Dns": "VirtualMachines"}
PATH = "/subscriptions/{sub}/providers/Microsoft.Security/pricings"


def _pid(sub: str, name: str) -> str:
    return f"/subscriptions/{sub}/providers/{PRICING}/{name}"


def _plan(name: str) -> str:
    hit = next((p for p in PLANS if p.lower() == name.lower()), None)
    if hit is None:
        raise ArmError(404, "PricingNotFound", f"The pricing '{name}' was not found.")
    return hit


def _body(state: State, sub: str, name: str) -> dict[str, Any]:
    res = state.get(_pid(sub, name))
    if res is not None:
        return res.body
    props: dict[str, Any] = {"enforce": "False", "freeTrialRemainingTime": "PT0S", "pricingTier": "Free",
                             "resourcesCoverageStatus": "NotCovered"}
    if name in DEPRECATED:
        props.update(deprecated=True, replacedBy=[DEPRECATED[name]])
    return {"id": _pid(sub, name), "name": name, "type": PRICING, "properties": props}


@route("GET", PATH)
def list_pricings(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, {"value": [_body(ctx.state, p["sub"], n) for n in PLANS]})


@route("GET", PATH + "/{name}")
def get_pricing(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _body(ctx.state, p["sub"], _plan(p["name"])))


@route("PUT", PATH + "/{name}")
def put_pricing(ctx: Ctx, p: dict[str, str]) -> Response:
    name = _plan(p["name"])
    props_in = get_ci(ctx.json(), "properties") or {}
    tier = next((t for t in TIERS if t.lower() == str(get_ci(props_in, "pricingTier") or "").lower()), None)
    if tier is None:
        raise ArmError(400, "InvalidInputJson", f"The pricing tier '{get_ci(props_in, 'pricingTier')}' is not valid. "
                       f"Allowed values: {', '.join(TIERS)}.")
    if name in DEPRECATED and tier == "Standard":
        raise ArmError(400, "PricingDeprecated", f"The pricing '{name}' is deprecated; use '{DEPRECATED[name]}'.")
    props: dict[str, Any] = {"enforce": "False", "freeTrialRemainingTime": "PT0S", "pricingTier": tier,
                             "resourcesCoverageStatus": "FullyCovered" if tier == "Standard" else "NotCovered"}
    if tier == "Standard":
        props["enablementTime"] = ctx.state.now_iso()
        if get_ci(props_in, "subPlan"):
            props["subPlan"] = get_ci(props_in, "subPlan")
        ext = [{"name": str(get_ci(e, "name")), "isEnabled": "True" if str(get_ci(e, "isEnabled")).lower() == "true"
                else "False"} for e in get_ci(props_in, "extensions") or []]
        if name == "Containers" and not any(e["name"] == VA_EXTENSION for e in ext):
            ext.append({"name": VA_EXTENSION, "isEnabled": "True"})
        if ext:
            props["extensions"] = ext
    pid = _pid(p["sub"], name)
    body = {"id": pid, "name": name, "type": PRICING, "properties": props}
    ctx.state.put(pid, body)
    return Response(200, body)


# ---------------------------------------------------------------- assessments (Defender's own writes)


def set_image_assessment(state: State, registry_id: str, status: str,
                         findings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Record Defender's image assessment of a registry: ``status`` Healthy | Unhealthy | NotApplicable, and one
    unhealthy sub-assessment per finding (``{"image": "repo@sha256:…", "title": …, "severity": High}``)."""
    reg = state.get(registry_id)
    if reg is None:
        raise KeyError(f"no registry {registry_id!r}")
    aid = f"{reg.id}/providers/{ASSESSMENT}/{IMAGE_ASSESSMENT}"
    for k in [k for k in state.resources if k.startswith(aid.lower() + "/")]:
        state.delete(k)
    body = {
        "id": aid, "name": IMAGE_ASSESSMENT, "type": ASSESSMENT,
        "properties": {
            "displayName": IMAGE_ASSESSMENT_NAME,
            "resourceDetails": {"Source": "Azure", "Id": reg.id},
            "status": {"code": status},
            "additionalData": {"assessedResourceType": "AzureContainerRegistryVulnerability"},
        },
    }
    state.put(aid, body)
    for i, f in enumerate(findings or []):
        tail = hashlib.sha256(f"{reg.id.lower()}|{i}".encode()).hexdigest()[:12]
        sid = f"{aid}/subAssessments/{i:08d}-0000-4000-8000-{tail}"
        state.put(sid, {
            "id": sid, "name": sid.rsplit("/", 1)[-1], "type": SUB_ASSESSMENT,
            "properties": {
                "displayName": f.get("title", ""),
                "status": {"code": "Unhealthy", "severity": f.get("severity", "High")},
                "resourceDetails": {"Source": "Azure", "id": f"{reg.id}/repositories/{f.get('image', '')}"},
                "additionalData": {"assessedResourceType": "AzureContainerRegistryVulnerability",
                                   "artifactDetails": {"repositoryName": str(f.get("image", "")).split("@")[0],
                                                       "digest": str(f.get("image", "")).partition("@")[2]}},
            },
        })
    return copy.deepcopy(body)


def security_rows(ctx: Ctx, subscriptions: list[str] | None) -> list[dict[str, Any]]:
    """Rows of ``securityresources``: assessments and sub-assessments in the chosen subscriptions the caller may read."""
    oid = ctx.principal.object_id
    subs = {s.lower() for s in subscriptions} if subscriptions else {s.lower() for s in ctx.state.subscriptions}
    may = rbac.checker(ctx.state, oid)
    out = []
    for rtype in (ASSESSMENT, SUB_ASSESSMENT):
        for r in ctx.state.of_type(rtype):
            info = parse_id(r.id)
            sub = info.get("subscription", "")
            if sub.lower() not in subs or not may(f"{ASSESSMENT}/read", r.id):
                continue
            out.append({
                "id": r.body["id"], "name": r.body["name"], "type": str(r.body["type"]).lower(),
                "tenantId": ctx.state.tenant_id, "kind": "", "location": "", "resourceGroup":
                info.get("resourceGroup", "").lower(), "subscriptionId": sub, "managedBy": "", "sku": None,
                "plan": None, "properties": r.body["properties"], "tags": {}, "identity": None, "zones": None,
                "extendedLocation": None,
            })
    return out
