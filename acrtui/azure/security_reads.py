"""Security reads for the audit trail and Defender checks, called from :meth:`Inventory.load` on both listing paths.

- the registries' diagnostic settings (``{registry}/providers/Microsoft.Insights/diagnosticSettings``, the same read
  and converter as the vaults');
- each subscription's Defender plans (``Microsoft.Security/pricings``, api 2024-01-01, REST spec security Pricings;
  raw JSON through the session's pipeline: one GET does not justify the azure-mgmt-security dependency);
- where Defender for Containers is on, Defender's image assessment of each registry and its unhealthy
  sub-assessments, through Resource Graph's ``securityresources`` table (the assessment built-in 090c7b07 audits).

Each read that fails is a read gap naming the inputs it hides (``registry-diagnostics``, ``defender``,
``image-findings``) for the registries concerned, so the checks say ``error`` rather than judge an empty default.
Also here: the converter for a Key Vault key's ``rotationPolicy`` (ARM ``Microsoft.KeyVault/vaults/keys``
properties; SDK ``azure.mgmt.keyvault.models.KeyProperties.rotation_policy``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ..domain.models import (
    CheckInput,
    DefenderPlan,
    DiagnosticSetting,
    ImageAssessment,
    ImageFinding,
    KeyRotation,
    RegistryPosture,
)
from .inventory import _ci, _d  # one case-insensitive reading of ARM and Graph bodies

if TYPE_CHECKING:
    from .inventory import Inventory

PRICINGS_API = "2024-01-01"
IMAGE_ASSESSMENT = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5"
VA_EXTENSION = "ContainerRegistriesVulnerabilityAssessments"
ASSESSMENT_QUERY = (
    "securityresources "
    "| where type in~ ('microsoft.security/assessments', 'microsoft.security/assessments/subassessments') "
    f"| where id contains '/providers/Microsoft.Security/assessments/{IMAGE_ASSESSMENT}' "
    "| project id, type, properties"
)


def rotation_from_json(policy: Any) -> KeyRotation | None:
    """A key's ``rotationPolicy``; None when the key has none (absent, or no lifetime actions and no attributes)."""
    p = _d(policy)
    actions = _ci(p, "lifetimeActions") or []
    attrs = _d(_ci(p, "attributes"))
    if not actions and not _ci(attrs, "expiryTime"):
        return None
    rotate = [a for a in actions if str(_ci(_d(_ci(a, "action")), "type") or "").lower() == "rotate"]
    trig = _d(_ci(rotate[0], "trigger")) if rotate else {}
    return KeyRotation(auto_rotate=bool(rotate), time_after_create=_ci(trig, "timeAfterCreate"),
                       time_before_expiry=_ci(trig, "timeBeforeExpiry"), expiry_time=_ci(attrs, "expiryTime"))


def plan_from_json(sub: str, body: dict[str, Any]) -> DefenderPlan:
    """The Containers plan (and the deprecated ContainerRegistry plan's tier) from a pricings list."""
    by_name = {str(v.get("name", "")).lower(): _d(_ci(v, "properties")) for v in body.get("value", [])}
    containers = by_name.get("containers")
    legacy = by_name.get("containerregistry")
    ext = {str(_ci(e, "name")): str(_ci(e, "isEnabled")).lower() == "true"
           for e in (_ci(containers, "extensions") or [] if containers else [])}
    return DefenderPlan(subscription_id=sub, pricing_tier=_ci(containers, "pricingTier") if containers else None,
                        extensions=ext, legacy_registry_tier=_ci(legacy, "pricingTier") if legacy else None)


def assessments_from_rows(rows: list[dict[str, Any]]) -> dict[str, ImageAssessment]:
    """Registry id (lower) → its image assessment with the unhealthy sub-assessments as findings."""
    marker = f"/providers/microsoft.security/assessments/{IMAGE_ASSESSMENT}"
    heads: dict[str, dict[str, Any]] = {}
    subs: dict[str, list[ImageFinding]] = {}
    for r in rows:
        rid = str(r.get("id", ""))
        low = rid.lower()
        if marker not in low:
            continue
        registry = low.split(marker)[0]
        props = _d(r.get("properties"))
        status = _d(_ci(props, "status"))
        if "/subassessments/" in low:
            if str(_ci(status, "code") or "").lower() != "unhealthy":
                continue
            art = _d(_ci(_d(_ci(props, "additionalData")), "artifactDetails"))
            repo, digest = _ci(art, "repositoryName"), _ci(art, "digest")
            image = f"{repo}@{digest}" if repo and digest else repo or None
            subs.setdefault(registry, []).append(ImageFinding(
                id=rid, title=str(_ci(props, "displayName") or ""), severity=_ci(status, "severity"), image=image))
        else:
            heads[registry] = {"id": rid, "status": str(_ci(status, "code") or "Unknown"),
                               "name": str(_ci(props, "displayName") or "")}
    out = {}
    for registry, h in heads.items():
        found = sorted(subs.get(registry, []), key=lambda f: f.id)
        rid = h["id"][: len(registry)]
        out[registry] = ImageAssessment(registry_id=rid, assessment_id=h["id"], status=h["status"],
                                        display_name=h["name"], findings=found)
    return out


async def _graph_rows(inv: Inventory, subs: list[str], query: str) -> list[dict[str, Any]]:
    """The query's rows as raw JSON through the inventory's Resource Graph client (its quota pacing, paging and
    subscription batches; no SDK models)."""
    from .inventory_graph import GraphClient

    graph = inv.graph if isinstance(inv.graph, GraphClient) else GraphClient(
        inv, page_size=inv.graph_page_size, max_subscriptions=inv.graph_max_subscriptions)
    return await graph.rows(subs, query)


async def read_security(inv: Inventory, registries: list[RegistryPosture]) -> dict[str, Any]:
    """The Estate fields these reads fill: ``registry_diagnostics``, ``defender_plans``, ``image_assessments``."""
    by_sub: dict[str, list[str]] = {}
    for r in registries:
        by_sub.setdefault(r.subscription_id.lower(), []).append(r.id)

    async def diags(reg: RegistryPosture) -> tuple[str, list[DiagnosticSetting]]:
        got = await inv._soft(f"registry {reg.name} diagnostic settings", inv.diagnostic_settings(reg.id), [],
                              scope=reg.id, inputs=[CheckInput.REGISTRY_DIAGNOSTICS], registries=[reg.id])
        return reg.id.lower(), got

    async def plan(sub: str) -> tuple[str, DefenderPlan | None]:
        body = await inv._soft(f"Defender plans of {sub}",
                               inv.s.raw("GET", f"/subscriptions/{sub}/providers/Microsoft.Security/pricings",
                                         PRICINGS_API), None, scope=f"/subscriptions/{sub}",
                               inputs=[CheckInput.DEFENDER], registries=by_sub[sub])
        return sub, None if body is None else plan_from_json(sub, body)

    diag_list, plans = await asyncio.gather(
        inv._gather("registry diagnostic settings", [diags(r) for r in registries],
                    by=[r.subscription_id for r in registries]),
        inv._gather("Defender plans", [plan(s) for s in sorted(by_sub)]),
    )
    defender = {s: p for s, p in plans if p is not None}
    scanned = sorted(s for s, p in defender.items() if p.on and p.extensions.get(VA_EXTENSION))
    assessments: dict[str, ImageAssessment] = {}
    if scanned:
        rows = await inv._soft("Resource Graph query for Defender image assessments",
                               _graph_rows(inv, scanned, ASSESSMENT_QUERY), None,
                               scope=",".join(f"/subscriptions/{s}" for s in scanned),
                               inputs=[CheckInput.IMAGE_FINDINGS], registries=[i for s in scanned for i in by_sub[s]])
        assessments = assessments_from_rows(rows) if rows is not None else {}
    return {"registry_diagnostics": dict(diag_list), "defender_plans": defender, "image_assessments": assessments}
