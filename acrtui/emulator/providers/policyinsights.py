"""Microsoft.PolicyInsights: policy states (query, summarize, trigger evaluation) and remediations.

Policy states are computed live from the assignments and the current resources: every resource under the query
scope × every assignment that covers it (not in ``notScopes``, effect not Disabled, resource applicable) gives
one state, Compliant or NonCompliant. ``triggerEvaluation`` is therefore a no-op LRO (202 + ``Location``).

Remediations (api 2019-07-01) start ``Accepted``; when the emulator's LRO clock runs out they apply the
definition's Modify operations to each non-compliant resource (through the state, after the BEFORE_WRITE hooks
so Deny assignments still apply) and end ``Succeeded`` — or ``Failed`` when any deployment failed.

Unconfirmed and chosen here:
- ``$filter`` supports ``<field> eq|ne '<value>'`` (and ``true``/``false``) joined with ``and``; ``$apply`` is
  refused with 400 ``InvalidApplyInQueryString``; ``$select`` projects, ``$orderby`` sorts on one field.
- Modify on a registry: disabling public network access on a non-Premium registry fails the deployment with
  ``DisablingPublicNetworkAccessNotSupported`` (the registry rule); on a customer-managed-key registry it fails
  with ``ModifyNotSupportedOnEncryptedRegistry`` (reported, code chosen here).
- DeployIfNotExists remediations do not run ARM templates: each deployment fails with ``DeploymentFailed``,
  naming the missing network piece (subnet or private DNS zone) or, when the pieces exist, saying the emulator
  does not deploy templates — create the private endpoint / DNS zone group with the Network API instead.
- Remediation errors: unknown assignment 400 ``PolicyAssignmentNotFound``; an assignment without Modify or
  DeployIfNotExists effect 400 ``InvalidRemediationPolicyEffect``; scopes that do not overlap 400
  ``InvalidRemediationScope``; a second PUT of an existing remediation returns it unchanged (200); cancelling a
  finished one is 400 ``RemediationNotCancellable``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from .. import hooks
from ..arm import ArmError, Ctx, Response, bad_request, get_ci, lro, page, parse_id, route
from ..policy import (
    ASSIGNMENT_TYPE,
    PolicyRuleError,
    applies_to,
    covers,
    definition_by_id,
    evaluate_resource,
    evaluation_env,
    modify_operations,
)
from ..policy.rules import apply_modify, effective_params

PS = "/providers/Microsoft.PolicyInsights/policyStates"
REM = "/providers/Microsoft.PolicyInsights/remediations"
REM_TYPE = "Microsoft.PolicyInsights/remediations"
READ_ACTION = "Microsoft.PolicyInsights/policyStates/queryResults/read"
REGISTRY = "microsoft.containerregistry/registries"


def _norm(scope: str) -> str:
    return re.sub("/+", "/", "/" + scope.strip("/")).rstrip("/")


# ---------------------------------------------------------------- computing states


def _split_scope(scope: str) -> tuple[str, str | None, str | None]:
    """(resource scope, assignment id filter, definition id filter) for a query path prefix."""
    low = scope.lower()
    for marker, kind in (
        ("/providers/microsoft.authorization/policyassignments/", "a"),
        ("/providers/microsoft.authorization/policydefinitions/", "d"),
    ):
        i = low.find(marker)
        if i >= 0:
            base = scope[:i]
            return (base, scope, None) if kind == "a" else (base, None, scope)
    return scope, None, None


def compute_states(ctx: Ctx, scope: str, with_details: bool = False) -> list[dict[str, Any]]:
    base, only_assignment, only_definition = _split_scope(scope)
    if not base.lower().startswith("/subscriptions/"):
        raise ArmError(400, "InvalidScope", f"The scope '{scope}' is not supported by the emulator.")
    state = ctx.state
    assignments = [r.body for r in state.of_type(ASSIGNMENT_TYPE)]
    if only_assignment:
        assignments = [a for a in assignments if a["id"].lower() == only_assignment.lower()]
        if not assignments:
            raise ArmError(
                404,
                "PolicyAssignmentNotFound",
                f"The policy assignment '{only_assignment.rsplit('/', 1)[-1]}' is not found.",
            )
    defs = {
        a["id"]: definition_by_id(state, str(a["properties"].get("policyDefinitionId", "")))
        for a in assignments
    }
    if only_definition:
        assignments = [
            a
            for a in assignments
            if str((defs[a["id"]] or {}).get("id", "")).lower() == only_definition.lower()
        ]
    ctx_url = f"{ctx.base_url}{base}{PS}/$metadata#latest/$entity"
    now = state.now_iso()
    out: list[dict[str, Any]] = []
    for res in sorted(state.resources.values(), key=lambda r: r.id.lower()):
        if not covers(base, res.id):
            continue
        for a in assignments:
            d = defs[a["id"]]
            if d is None or not applies_to(a, res.id):
                continue
            try:
                ev = evaluate_resource(state, a, d, res.body)
            except PolicyRuleError:
                continue
            if not ev.applicable:
                continue
            info = parse_id(res.id)
            ap, dp = a["properties"], d["properties"]
            rec: dict[str, Any] = {
                "@odata.context": ctx_url,
                "timestamp": now,
                "resourceId": res.body.get("id", res.id),
                "policyAssignmentId": a["id"],
                "policyDefinitionId": d["id"],
                "effectiveParameters": "",
                "isCompliant": ev.compliant,
                "subscriptionId": info.get("subscription", ""),
                "resourceType": res.type,
                "resourceLocation": res.body.get("location", ""),
                "resourceGroup": info.get("resourceGroup", ""),
                "resourceTags": "tbd",
                "policyAssignmentName": a["name"],
                "policyAssignmentOwner": "tbd",
                "policyAssignmentParameters": json.dumps(ap.get("parameters") or {}),
                "policyAssignmentScope": ap.get("scope", ""),
                "policyDefinitionName": d["name"],
                "policyDefinitionAction": ev.effect.lower(),
                "policyDefinitionCategory": "tbd",
                "policySetDefinitionId": "",
                "policySetDefinitionName": "",
                "policySetDefinitionOwner": "",
                "policySetDefinitionCategory": "",
                "policySetDefinitionParameters": "",
                "managementGroupIds": "",
                "policyDefinitionReferenceId": "",
                "complianceState": "Compliant" if ev.compliant else "NonCompliant",
                "policyDefinitionGroupNames": [],
                "policyDefinitionVersion": dp.get("version")
                or (dp.get("metadata") or {}).get("version")
                or "",
                "policySetDefinitionVersion": "",
                "policyAssignmentVersion": "",
            }
            if with_details:
                details: dict[str, Any] = {"evaluatedExpressions": ev.trace}
                if ev.related_total is not None:
                    details["ifNotExistsDetails"] = {
                        "resourceId": res.body.get("id", res.id),
                        "totalResources": ev.related_total,
                    }
                rec["policyEvaluationDetails"] = details
            out.append(rec)
    return out


_CLAUSE_RX = re.compile(r"^\s*(\w+)\s+(eq|ne)\s+(?:'((?:[^']|'')*)'|(true|false))\s*$", re.IGNORECASE)


def _filtered(ctx: Ctx, states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if ctx.query.get("$apply"):
        raise ArmError(
            400, "InvalidApplyInQueryString", "The emulator does not support $apply on policy states."
        )
    flt = ctx.query.get("$filter", "").strip()
    if flt:
        for clause in re.split(r"\s+and\s+", flt, flags=re.IGNORECASE):
            m = _CLAUSE_RX.match(clause)
            if not m:
                raise ArmError(
                    400,
                    "InvalidFilterInQueryString",
                    f"The filter clause '{clause}' is not supported (use '<field> eq|ne '<value>'' joined with 'and').",
                )
            key, op = m.group(1).lower(), m.group(2).lower()
            want: Any = (
                m.group(3).replace("''", "'") if m.group(3) is not None else m.group(4).lower() == "true"
            )
            known = {k.lower(): k for k in states[0]} if states else {}
            if states and key not in known:
                raise ArmError(
                    400,
                    "InvalidFilterInQueryString",
                    f"The filter field '{m.group(1)}' is not a policy state property.",
                )

            def hit(s: dict[str, Any], key: str = key, want: Any = want) -> bool:
                v = s.get(next((k for k in s if k.lower() == key), ""), None)
                if isinstance(want, bool):
                    return v is want
                return str(v).lower() == str(want).lower()

            states = [s for s in states if hit(s) == (op == "eq")]
    order = ctx.query.get("$orderby", "").strip()
    if order:
        fld, _, direction = order.partition(" ")
        states = sorted(
            states,
            key=lambda s: str(s.get(next((k for k in s if k.lower() == fld.lower()), ""), "")).lower(),
            reverse=direction.strip().lower() == "desc",
        )
    top = ctx.query.get("$top")
    if top:
        states = states[: max(0, int(top))]
    return states


@route("POST", "{scope*}" + PS + "/{which}/queryResults", action=READ_ACTION)
def query_results(ctx: Ctx, p: dict[str, str]) -> Response:
    if p["which"].lower() not in ("latest", "default"):
        raise bad_request(
            "InvalidPolicyStatesResource",
            f"The policy states resource '{p['which']}' is not valid; use 'latest' or 'default'.",
        )
    expand = "policyevaluationdetails" in ctx.query.get("$expand", "").lower()
    states = _filtered(ctx, compute_states(ctx, _norm(p["scope"]), with_details=expand))
    select = [s.strip().lower() for s in ctx.query.get("$select", "").split(",") if s.strip()]
    if select:
        states = [
            {k: v for k, v in s.items() if k.lower() in select or k.startswith("@odata")} for s in states
        ]
    size = max(1, int(ctx.emulator.config.page_size))
    start = int(ctx.query.get("$skiptoken", "0") or 0)
    chunk = states[start : start + size]
    body: dict[str, Any] = {
        "@odata.context": f"{ctx.base_url}{_split_scope(_norm(p['scope']))[0]}{PS}/$metadata#latest",
        "@odata.count": len(chunk),
        "value": chunk,
    }
    if start + size < len(states):
        q = {k: v for k, v in ctx.query.items() if k != "$skiptoken"}
        q["$skiptoken"] = str(start + size)
        body["@odata.nextLink"] = f"{ctx.base_url}{ctx.path}?{urlencode(q)}"
    return Response(200, body)


def _results(states: list[dict[str, Any]], uri: str) -> dict[str, Any]:
    by_resource: dict[str, bool] = {}
    by_policy: dict[tuple[str, str], bool] = {}
    for s in states:
        rid = s["resourceId"].lower()
        by_resource[rid] = by_resource.get(rid, True) and s["isCompliant"]
        key = (s["policyAssignmentId"].lower(), s["policyDefinitionId"].lower())
        by_policy[key] = by_policy.get(key, True) and s["isCompliant"]

    def details(d: dict[Any, bool]) -> list[dict[str, Any]]:
        return [
            {"complianceState": "compliant", "count": sum(d.values())},
            {"complianceState": "noncompliant", "count": len(d) - sum(d.values())},
        ]

    return {
        "queryResultsUri": uri,
        "nonCompliantResources": len(by_resource) - sum(by_resource.values()),
        "nonCompliantPolicies": len(by_policy) - sum(by_policy.values()),
        "resourceDetails": details(by_resource),
        "policyDetails": details(by_policy),
        "policyGroupDetails": [],
    }


@route(
    "POST",
    "{scope*}" + PS + "/{which}/summarize",
    action="Microsoft.PolicyInsights/policyStates/summarize/read",
)
def summarize(ctx: Ctx, p: dict[str, str]) -> Response:
    if p["which"].lower() != "latest":
        raise bad_request(
            "InvalidPolicyStatesSummaryResource",
            f"The policy states summary resource '{p['which']}' is not valid; use 'latest'.",
        )
    scope = _norm(p["scope"])
    top = ctx.query.pop("$top", None)
    states = _filtered(ctx, compute_states(ctx, scope))
    uri = f"{ctx.base_url}{scope}{PS}/latest/queryResults?api-version=2019-10-01&$filter=ComplianceState eq 'NonCompliant'"
    per_assignment: dict[str, list[dict[str, Any]]] = {}
    for s in states:
        per_assignment.setdefault(s["policyAssignmentId"], []).append(s)
    assignments: list[dict[str, Any]] = []
    for aid, group in per_assignment.items():
        auri = f"{uri} and PolicyAssignmentId eq '{aid}'"
        definitions = []
        for did in dict.fromkeys(s["policyDefinitionId"] for s in group):
            dgroup = [s for s in group if s["policyDefinitionId"] == did]
            definitions.append(
                {
                    "policyDefinitionId": did,
                    "policyDefinitionReferenceId": "",
                    "policyDefinitionGroupNames": [],
                    "effect": dgroup[0]["policyDefinitionAction"],
                    "results": _results(dgroup, f"{auri} and PolicyDefinitionId eq '{did}'"),
                }
            )
        assignments.append(
            {
                "policyAssignmentId": aid,
                "policySetDefinitionId": "",
                "results": _results(group, auri),
                "policyDefinitions": definitions,
                "policyGroups": [],
            }
        )
    assignments.sort(key=lambda a: (-a["results"]["nonCompliantResources"], a["policyAssignmentId"].lower()))
    if top:
        assignments = assignments[: max(0, int(top))]
    meta = f"{ctx.base_url}{_split_scope(scope)[0]}{PS}/$metadata#summary"
    summary = {
        "@odata.context": meta + "/$entity",
        "results": _results(states, uri),
        "policyAssignments": assignments,
    }
    return Response(200, {"@odata.context": meta, "@odata.count": 1, "value": [summary]})


@route(
    "POST",
    "{scope*}" + PS + "/latest/triggerEvaluation",
    action="Microsoft.PolicyInsights/policyStates/triggerEvaluation/action",
)
def trigger_evaluation(ctx: Ctx, p: dict[str, str]) -> Response:
    """States are always current here; the scan is an LRO that answers 202 with ``Location`` only, as Azure does."""
    scope = _norm(p["scope"])
    segs = scope.strip("/").split("/")
    if len(segs) >= 4 and ctx.state.get("/".join(["", *segs[:4]])) is None:
        raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{segs[3]}' could not be found.")
    resp = lro(ctx, 202, None, f"{scope}{PS}/latest", location_header=True)
    resp.headers.pop("Azure-AsyncOperation", None)
    return resp


# ---------------------------------------------------------------- remediations


def _rem_id(scope: str, name: str) -> str:
    return f"{scope}{REM}/{name}"


def _scope_exists(ctx: Ctx, scope: str) -> None:
    segs = scope.strip("/").split("/")
    if not segs or segs[0].lower() != "subscriptions":
        raise ArmError(400, "InvalidScope", f"The scope '{scope}' is not supported by the emulator.")
    if len(segs) >= 4 and ctx.state.get("/".join(["", *segs[:4]])) is None:
        raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{segs[3]}' could not be found.")
    if len(segs) > 4 and ctx.state.get(scope) is None:
        raise ArmError(404, "ResourceNotFound", f"The resource '{scope}' was not found.")


def _dine_failure(ctx: Ctx, assignment: dict[str, Any], definition: dict[str, Any]) -> dict[str, Any]:
    params = effective_params(definition["properties"], assignment["properties"].get("parameters"))
    for key, what in (("privateEndpointSubnetId", "subnet"), ("privateDnsZoneId", "private DNS zone")):
        for k, v in params.items():
            if k.lower() == key.lower() and ctx.state.get(str(v)) is None:
                return {
                    "code": "DeploymentFailed",
                    "message": f"The {what} '{v}' given in parameter '{k}' does not exist, so the deployment cannot create its resources.",
                }
    return {
        "code": "DeploymentFailed",
        "message": "The emulator does not run DeployIfNotExists template deployments; create the private endpoint or DNS zone group with the Microsoft.Network API.",
    }


def _modify_guard(body: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
    if str(body.get("type", "")).lower() != REGISTRY:
        return None
    props, nprops = body.get("properties") or {}, new.get("properties") or {}
    if str((props.get("encryption") or {}).get("status", "")).lower() == "enabled":
        return {
            "code": "ModifyNotSupportedOnEncryptedRegistry",
            "message": f"The registry '{body.get('name')}' is encrypted with a customer-managed key; the Modify remediation could not update it.",
        }
    disabling = (
        str(nprops.get("publicNetworkAccess", "")).lower() == "disabled"
        and str(props.get("publicNetworkAccess", "")).lower() != "disabled"
    )
    if disabling and str((body.get("sku") or {}).get("name", "")).lower() != "premium":
        return {
            "code": "DisablingPublicNetworkAccessNotSupported",
            "message": "Disabling public network access is only supported for the Premium SKU.",
        }
    return None


def _run_remediation(ctx: Ctx, rid: str) -> None:
    """The remediation's work, when its LRO completes."""
    state = ctx.state
    rem = state.get(rid)
    if rem is None:
        return
    props = rem.props
    scope = rid[: rid.lower().rfind(REM.lower())]
    ares = state.get(str(props.get("policyAssignmentId", "")))
    if ares is None:
        raise ArmError(
            400, "PolicyAssignmentNotFound", "The remediation's policy assignment no longer exists."
        )
    a = ares.body
    d = definition_by_id(state, str(a["properties"].get("policyDefinitionId", "")))
    if d is None:
        raise ArmError(
            400, "PolicyDefinitionNotFound", "The remediation's policy definition no longer exists."
        )
    locations = [str(x).lower() for x in ((props.get("filters") or {}).get("locations") or [])]
    deployments: list[dict[str, Any]] = []
    now = state.now_iso()
    for res in sorted(list(state.resources.values()), key=lambda r: r.id.lower()):
        if not covers(scope, res.id) or not applies_to(a, res.id):
            continue
        if locations and str(res.body.get("location", "")).lower() not in locations:
            continue
        try:
            ev = evaluate_resource(state, a, d, res.body)
        except PolicyRuleError:
            continue
        if not ev.applicable or ev.compliant or ev.effect not in ("Modify", "DeployIfNotExists"):
            continue
        dep: dict[str, Any] = {
            "remediatedResourceId": res.body.get("id", res.id),
            "status": "Succeeded",
            "resourceLocation": res.body.get("location", ""),
            "createdOn": now,
            "lastUpdatedOn": now,
        }
        if ev.effect == "DeployIfNotExists":
            info = parse_id(res.id)
            dep["deploymentId"] = (
                f"/subscriptions/{info.get('subscription')}/resourceGroups/{info.get('resourceGroup')}/providers/Microsoft.Resources/deployments/PolicyDeployment_{len(deployments) + 1}"
            )
            dep["status"], dep["error"] = "Failed", _dine_failure(ctx, a, d)
        else:
            params = effective_params(d["properties"], a["properties"].get("parameters"))
            try:
                new = apply_modify(res.body, modify_operations(d), evaluation_env(state, res.body, params))
                guard = _modify_guard(res.body, new)
                if guard:
                    raise ArmError(400, guard["code"], guard["message"])
                hooks.before_write(ctx, res.id, new)
                state.put(res.id, new)
            except (ArmError, PolicyRuleError) as exc:
                err = (
                    {"code": exc.code, "message": exc.message}
                    if isinstance(exc, ArmError)
                    else {"code": "InvalidPolicyRule", "message": str(exc)}
                )
                dep["status"], dep["error"] = "Failed", err
        deployments.append(dep)
    failed = sum(1 for x in deployments if x["status"] == "Failed")
    props["deploymentStatus"] = {
        "totalDeployments": len(deployments),
        "successfulDeployments": len(deployments) - failed,
        "failedDeployments": failed,
    }
    props["lastUpdatedOn"] = state.now_iso()
    rem.extra["deployments"] = deployments
    if failed:
        raise ArmError(
            400, "RemediationFailed", f"{failed} of {len(deployments)} remediation deployments failed."
        )


@route("PUT", "{scope*}" + REM + "/{name}")
def put_remediation(ctx: Ctx, p: dict[str, str]) -> Response:
    scope, name = _norm(p["scope"]), p["name"]
    _scope_exists(ctx, scope)
    rid = _rem_id(scope, name)
    existing = ctx.state.get(rid)
    if existing is not None:
        return Response(200, existing.body)
    props = get_ci(ctx.json(), "properties") or {}
    aid = str(get_ci(props, "policyAssignmentId") or "")
    ares = ctx.state.get(aid) if aid else None
    if ares is None or ares.type.lower() != ASSIGNMENT_TYPE.lower():
        raise bad_request("PolicyAssignmentNotFound", f"The policy assignment '{aid}' could not be found.")
    a = ares.body
    if not (covers(a["properties"]["scope"], scope) or covers(scope, a["properties"]["scope"])):
        raise bad_request(
            "InvalidRemediationScope",
            f"The remediation scope '{scope}' does not overlap the policy assignment scope '{a['properties']['scope']}'.",
        )
    d = definition_by_id(ctx.state, str(a["properties"].get("policyDefinitionId", "")))
    from ..policy import effect_of  # local: keeps the import list short

    effect = (
        effect_of(d["properties"], effective_params(d["properties"], a["properties"].get("parameters")))
        if d
        else "Disabled"
    )
    if effect not in ("Modify", "DeployIfNotExists"):
        raise bad_request(
            "InvalidRemediationPolicyEffect",
            f"The policy assignment '{a['name']}' has effect '{effect}'; only 'deployIfNotExists' and 'modify' policies can be remediated.",
        )
    now = ctx.state.now_iso()
    body: dict[str, Any] = {
        "id": rid,
        "type": REM_TYPE,
        "name": name,
        "properties": {
            "policyAssignmentId": a["id"],
            "resourceDiscoveryMode": get_ci(props, "resourceDiscoveryMode") or "ExistingNonCompliant",
            "provisioningState": "Accepted",
            "createdOn": now,
            "lastUpdatedOn": now,
            "deploymentStatus": {"totalDeployments": 0, "successfulDeployments": 0, "failedDeployments": 0},
        },
    }
    if get_ci(props, "policyDefinitionReferenceId"):
        body["properties"]["policyDefinitionReferenceId"] = get_ci(props, "policyDefinitionReferenceId")
    if get_ci(props, "filters"):
        body["properties"]["filters"] = {
            "locations": list(get_ci(get_ci(props, "filters"), "locations") or [])
        }
    res = ctx.state.put(rid, body, {"deployments": []})
    resp = lro(ctx, 201, body, rid, lambda: _run_remediation(ctx, rid))
    res.extra["operation"] = resp.headers["Azure-AsyncOperation"].split("?")[0].rsplit("/", 1)[-1]
    resp.headers.pop("Azure-AsyncOperation", None)
    return resp


def _get_rem(ctx: Ctx, p: dict[str, str]) -> Any:
    res = ctx.state.get(_rem_id(_norm(p["scope"]), p["name"]))
    if res is None or res.type.lower() != REM_TYPE.lower():
        raise ArmError(404, "RemediationNotFound", f"The remediation '{p['name']}' could not be found.")
    return res


@route("GET", "{scope*}" + REM + "/{name}")
def get_remediation(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _get_rem(ctx, p).body)


@route("DELETE", "{scope*}" + REM + "/{name}")
def delete_remediation(ctx: Ctx, p: dict[str, str]) -> Response:
    res = ctx.state.get(_rem_id(_norm(p["scope"]), p["name"]))
    if res is None:
        return Response(204)
    ctx.state.delete(res.id)
    return Response(200, res.body)


@route("GET", "{scope*}" + REM)
def list_remediations(ctx: Ctx, p: dict[str, str]) -> Response:
    scope = _norm(p["scope"])
    items = [r.body for r in ctx.state.of_type(REM_TYPE) if covers(scope, r.id)]
    m = re.match(r"^\s*policyassignmentid\s+eq\s+'([^']*)'\s*$", ctx.query.get("$filter", ""), re.IGNORECASE)
    if m:
        items = [i for i in items if i["properties"]["policyAssignmentId"].lower() == m.group(1).lower()]
    top = ctx.query.get("$top")
    if top:
        items = items[: max(0, int(top))]
    return page(ctx, items)


@route(
    "POST",
    "{scope*}" + REM + "/{name}/listDeployments",
    action="Microsoft.PolicyInsights/remediations/listDeployments/read",
)
@route(
    "GET",
    "{scope*}" + REM + "/{name}/listDeployments",
    action="Microsoft.PolicyInsights/remediations/listDeployments/read",
)
def list_deployments(ctx: Ctx, p: dict[str, str]) -> Response:
    deps = list(_get_rem(ctx, p).extra.get("deployments") or [])
    top = ctx.query.get("$top")
    if top:
        deps = deps[: max(0, int(top))]
    return page(ctx, deps)


@route(
    "POST", "{scope*}" + REM + "/{name}/cancel", action="Microsoft.PolicyInsights/remediations/cancel/action"
)
def cancel_remediation(ctx: Ctx, p: dict[str, str]) -> Response:
    res = _get_rem(ctx, p)
    op = ctx.emulator.operations.get(res.extra.get("operation", ""))
    if op is None or op.status != "InProgress":
        raise bad_request(
            "RemediationNotCancellable",
            f"The remediation '{p['name']}' has already finished and cannot be cancelled.",
        )
    op.status = "Canceled"
    op.end_time = ctx.state.now_iso()
    res.props["provisioningState"] = "Cancelled"
    res.props["lastUpdatedOn"] = op.end_time
    return Response(200, res.body)
