"""Azure Policy for the emulator: built-in definitions, the rule interpreter, and compliance of one resource.

The providers (``providers/policy.py`` for Microsoft.Authorization, ``providers/policyinsights.py`` for
Microsoft.PolicyInsights) share :func:`evaluate_resource`, so deny at write time, compliance states and
remediation agree on every rule.

Chosen where Azure's behaviour is not public: applicability is decided by the ``type`` / ``name`` / ``kind``
conditions found through the top-level ``allOf`` chain (Azure documents that these decide applicability);
``Indexed`` definitions skip resources without a ``location``; DeployIfNotExists looks for related resources
among the evaluated resource's children in state and, for ``registries/privateEndpointConnections``, among the
connections embedded in the registry body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .builtins import DEFINITION_TYPE, builtin
from .rules import Env, PolicyRuleError, effect_of, effective_params, evaluate, resolve

if TYPE_CHECKING:
    from ..state import State

ASSIGNMENT_TYPE = "Microsoft.Authorization/policyAssignments"
EXCLUDED_TYPES = ("microsoft.authorization/", "microsoft.policyinsights/", "microsoft.resources/")

__all__ = [
    "ASSIGNMENT_TYPE",
    "DEFINITION_TYPE",
    "Evaluation",
    "PolicyRuleError",
    "applies_to",
    "covers",
    "definition_by_id",
    "evaluate_resource",
    "evaluation_env",
]


def covers(scope: str, rid: str) -> bool:
    """Whether ``rid`` is at or below ``scope`` (ARM ids are case-insensitive)."""
    s, r = scope.lower().rstrip("/"), rid.lower().rstrip("/")
    return s == "" or r == s or r.startswith(s + "/")


def applies_to(assignment: dict[str, Any], rid: str) -> bool:
    props = assignment.get("properties") or {}
    if not covers(str(props.get("scope", "")), rid):
        return False
    return not any(covers(ns, rid) for ns in props.get("notScopes") or [])


def definition_by_id(state: State, def_id: str) -> dict[str, Any] | None:
    """A built-in (``/providers/...``) or custom (``/subscriptions/.../providers/...``) definition body."""
    low = def_id.lower().rstrip("/")
    marker = "/providers/microsoft.authorization/policydefinitions/"
    if marker not in low:
        return None
    if low.startswith("/providers/"):
        return builtin(low.rsplit("/", 1)[-1])
    res = state.get(def_id)
    return res.body if res is not None and res.type.lower() == DEFINITION_TYPE.lower() else None


def _type_conditions(cond: Any) -> list[dict[str, Any]]:
    if not isinstance(cond, dict):
        return []
    keys = {k.lower(): k for k in cond}
    if "allof" in keys:
        return [c for sub in cond[keys["allof"]] for c in _type_conditions(sub)]
    if "field" in keys and str(cond[keys["field"]]).lower() in ("type", "name", "kind"):
        return [cond]
    return []


def is_applicable(def_props: dict[str, Any], body: dict[str, Any], env: Env) -> bool:
    rtype = str(body.get("type", "")).lower()
    if not rtype or rtype.startswith(EXCLUDED_TYPES):
        return False
    if str(def_props.get("mode", "All")).lower() == "indexed" and not body.get("location"):
        return False
    rule_if = (def_props.get("policyRule") or {}).get("if")
    return all(evaluate(c, env) for c in _type_conditions(rule_if))


def evaluation_env(state: State, body: dict[str, Any], params: dict[str, Any], api_version: str = "") -> Env:
    rid = str(body.get("id", ""))
    segs = rid.strip("/").split("/")
    rg = sub = None
    if len(segs) >= 2 and segs[0].lower() == "subscriptions":
        s = state.subscription(segs[1])
        sub = {
            "id": f"/subscriptions/{segs[1]}",
            "subscriptionId": segs[1],
            "tenantId": state.tenant_id,
            "displayName": (s or {}).get("displayName", ""),
        }
        if len(segs) >= 4 and segs[2].lower() == "resourcegroups":
            g = state.get(f"/subscriptions/{segs[1]}/resourceGroups/{segs[3]}")
            rg = g.body if g is not None else {"name": segs[3], "id": "/".join(["", *segs[:4]])}
    return Env(body=body, params=params, api_version=api_version, resource_group=rg, subscription=sub)


@dataclass
class Evaluation:
    """The outcome for one resource under one assignment."""

    effect: str
    applicable: bool
    compliant: bool = True
    trace: list[dict[str, Any]] = field(default_factory=list)
    related_total: int | None = None  # DeployIfNotExists / AuditIfNotExists: related resources found


def _related(state: State, body: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    rid = str(body.get("id", "")).lower()
    found = [r.body for r in state.of_type(rtype) if r.id.lower().startswith(rid + "/")]
    child = rtype.lower().rsplit("/", 1)[-1]
    if not found and rtype.lower().startswith(str(body.get("type", "")).lower() + "/"):
        for k, v in (
            body.get("properties") or {}
        ).items():  # embedded children, e.g. privateEndpointConnections
            if k.lower() == child and isinstance(v, list):
                found = [{**el, "type": rtype} for el in v if isinstance(el, dict)]
    return found


def evaluate_resource(
    state: State,
    assignment: dict[str, Any],
    definition: dict[str, Any],
    body: dict[str, Any],
    api_version: str = "",
) -> Evaluation:
    """Evaluate ``body`` (the resource as ARM would store it) under one assignment of ``definition``."""
    props = definition.get("properties") or {}
    params = effective_params(props, (assignment.get("properties") or {}).get("parameters"))
    effect = effect_of(props, params)
    env = evaluation_env(state, body, params, api_version)
    if effect == "Disabled" or not is_applicable(props, body, env):
        return Evaluation(effect, applicable=False)
    env.trace.clear()
    matched = evaluate((props.get("policyRule") or {}).get("if"), env)
    ev = Evaluation(effect, applicable=True, compliant=not matched, trace=list(env.trace))
    if matched and effect in ("DeployIfNotExists", "AuditIfNotExists"):
        details = ((props.get("policyRule") or {}).get("then") or {}).get("details") or {}
        related = _related(state, body, str(details.get("type", "")))
        cond = details.get("existenceCondition")
        ok = [
            r
            for r in related
            if cond is None or evaluate(cond, evaluation_env(state, r, params, api_version))
        ]
        ev.related_total = len(related)
        ev.compliant = bool(ok)
    return ev


def modify_operations(definition: dict[str, Any]) -> list[dict[str, Any]]:
    then = ((definition.get("properties") or {}).get("policyRule") or {}).get("then") or {}
    return list((then.get("details") or {}).get("operations") or [])


def resolved_message(assignment: dict[str, Any]) -> str | None:
    msgs = (assignment.get("properties") or {}).get("nonComplianceMessages") or []
    general = [m for m in msgs if isinstance(m, dict) and not m.get("policyDefinitionReferenceId")]
    return str(general[0].get("message")) if general else None


__all__ += ["effect_of", "effective_params", "modify_operations", "resolve", "resolved_message"]
