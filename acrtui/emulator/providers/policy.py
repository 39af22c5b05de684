"""Microsoft.Authorization policy: definitions (built-in and custom), assignments, and Deny at write time.

Deny lives in a :data:`~acrtui.emulator.hooks.BEFORE_WRITE` hook: every tracked-resource PUT/PATCH a provider
stores is evaluated (new body) under each assignment that covers it, is not excluded by ``notScopes``, has
``enforcementMode`` Default and whose effective effect is Deny; a match is 403 ``RequestDisallowedByPolicy``
with ``PolicyViolation`` additional info.

Unconfirmed and chosen here (no public source pins them down):
- A missing identity for a Modify/DeployIfNotExists assignment and a missing ``location`` with an identity are
  400 ``InvalidCreatePolicyAssignmentRequest``; the check uses the effect the assignment resolves to, so a
  Modify definition assigned with effect Disabled needs no identity.
- ``UndefinedPolicyParameter`` / ``MissingPolicyParameter`` codes for unknown or missing parameters; allowed
  values compare case-sensitively (Azure rejected ``deny`` against ``Audit, Deny, Disabled`` in a public report).
- A UserAssigned identity that does not exist in the emulator is 400 ``InvalidUserAssignedIdentity``.
- With ``nonComplianceMessages`` the deny message reads "Reasons: '<message>'. See error details for policy
  resource IDs." and otherwise lists the policy identifiers (the widely reported older format).
- Unknown ``$filter`` clauses on definition lists are 400 ``InvalidFilterInQueryString``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .. import hooks
from ..arm import ArmError, Ctx, Response, bad_request, get_ci, new_guid, page, parse_id, route, system_data
from ..policy import (
    ASSIGNMENT_TYPE,
    DEFINITION_TYPE,
    PolicyRuleError,
    applies_to,
    covers,
    definition_by_id,
    effect_of,
    effective_params,
    evaluate_resource,
    resolved_message,
)
from ..policy.builtins import all_builtins, builtin
from ..state import Principal

PA = "/providers/Microsoft.Authorization/policyAssignments"
PD = "/providers/Microsoft.Authorization/policyDefinitions"
MI_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
ENFORCEMENT_MODES = {"default": "Default", "donotenforce": "DoNotEnforce", "enroll": "Enroll"}


def _norm_scope(scope: str) -> str:
    return re.sub("/+", "/", "/" + scope.strip("/")).rstrip("/") if scope.strip("/") else ""


# ---------------------------------------------------------------- definitions


_FILTER_RX = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)


def _filter_definitions(ctx: Ctx, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flt = ctx.query.get("$filter", "").strip()
    if flt:
        for clause in re.split(r"\s+and\s+", flt, flags=re.IGNORECASE):
            m = _FILTER_RX.match(clause)
            if not m or m.group(1).lower() not in ("policytype", "category"):
                raise ArmError(
                    400,
                    "InvalidFilterInQueryString",
                    f"The filter '{flt}' is not valid. Supported filters are 'atExactScope()', 'policyType -eq {{value}}' and 'category eq '{{value}}''.",
                )
            key, want = m.group(1).lower(), m.group(2).lower()
            if key == "policytype":
                items = [i for i in items if str(i["properties"].get("policyType", "")).lower() == want]
            else:
                items = [
                    i
                    for i in items
                    if str((i["properties"].get("metadata") or {}).get("category", "")).lower() == want
                ]
    top = ctx.query.get("$top")
    if top:
        items = items[: max(0, int(top))]
    return items


def _definition_not_found(name: str) -> ArmError:
    return ArmError(404, "PolicyDefinitionNotFound", f"The policy definition '{name}' could not be found.")


@route("GET", PD, rbac=False)
def list_builtin_definitions(ctx: Ctx, p: dict[str, str]) -> Response:
    return page(ctx, _filter_definitions(ctx, all_builtins()))


@route("GET", PD + "/{name}", rbac=False)
def get_builtin_definition(ctx: Ctx, p: dict[str, str]) -> Response:
    body = builtin(p["name"])
    if body is None:
        raise _definition_not_found(p["name"])
    return Response(200, body)


@route("GET", "/subscriptions/{sub}" + PD)
def list_definitions(ctx: Ctx, p: dict[str, str]) -> Response:
    custom = [r.body for r in ctx.state.of_type(DEFINITION_TYPE, f"/subscriptions/{p['sub']}")]
    return page(ctx, _filter_definitions(ctx, all_builtins() + custom))


@route("GET", "/subscriptions/{sub}" + PD + "/{name}")
def get_definition(ctx: Ctx, p: dict[str, str]) -> Response:
    res = ctx.state.get(f"/subscriptions/{p['sub']}{PD}/{p['name']}")
    body = res.body if res is not None else builtin(p["name"])
    if body is None:
        raise _definition_not_found(p["name"])
    return Response(200, body)


@route("PUT", "/subscriptions/{sub}" + PD + "/{name}")
def put_definition(ctx: Ctx, p: dict[str, str]) -> Response:
    """Custom definitions (the SDK accepts only 201, for create and update alike). ``versions`` lists every
    version the definition has had, newest first (REST spec 2023-04-01, PolicyDefinitionProperties.versions: "A list
    of available versions for this policy definition"; example getPolicyDefinition.json)."""
    if builtin(p["name"]) is not None:
        raise ArmError(
            400,
            "InvalidPolicyDefinitionName",
            f"The policy definition name '{p['name']}' is reserved by a built-in policy definition.",
        )
    props = get_ci(ctx.json(), "properties") or {}
    rule = get_ci(props, "policyRule")
    if not isinstance(rule, dict) or get_ci(rule, "if") is None or get_ci(rule, "then") is None:
        raise ArmError(
            400,
            "InvalidPolicyRule",
            "Failed to parse policy rule: the policy rule must have 'if' and 'then' properties.",
        )
    try:
        effect_of(
            {"policyRule": {"then": get_ci(rule, "then")}, "parameters": get_ci(props, "parameters") or {}},
            effective_params({"parameters": get_ci(props, "parameters") or {}}, None),
        )
    except PolicyRuleError as exc:
        raise ArmError(400, "InvalidPolicyRule", f"Failed to parse policy rule: {exc}") from exc
    rid = f"/subscriptions/{p['sub']}{PD}/{p['name']}"
    old = ctx.state.get(rid)
    now = ctx.state.now_iso()
    meta = dict(get_ci(props, "metadata") or {})
    meta.setdefault(
        "createdBy",
        (old.body["properties"].get("metadata") or {}).get("createdBy") if old else ctx.principal.object_id,
    )
    meta.setdefault(
        "createdOn", (old.body["properties"].get("metadata") or {}).get("createdOn") if old else now
    )
    meta["updatedBy"], meta["updatedOn"] = (ctx.principal.object_id, now) if old else (None, None)
    version = str(get_ci(props, "version") or "1.0.0")
    body = {
        "properties": {
            "policyType": "Custom",
            "mode": get_ci(props, "mode") or "Indexed",
            "displayName": get_ci(props, "displayName"),
            "description": get_ci(props, "description"),
            "metadata": meta,
            "version": version,
            "versions": [version, *[v for v in (old.body["properties"].get("versions") or []) if v != version]]
            if old else [version],
            "parameters": get_ci(props, "parameters") or {},
            "policyRule": rule,
        },
        "id": rid,
        "type": DEFINITION_TYPE,
        "name": p["name"],
    }
    ctx.state.put(rid, body)
    return Response(201, body)


@route("DELETE", "/subscriptions/{sub}" + PD + "/{name}")
def delete_definition(ctx: Ctx, p: dict[str, str]) -> Response:
    rid = f"/subscriptions/{p['sub']}{PD}/{p['name']}"
    if ctx.state.get(rid) is None:
        return Response(204)
    users = [
        r.body["id"]
        for r in ctx.state.of_type(ASSIGNMENT_TYPE)
        if str(r.props.get("policyDefinitionId", "")).lower() == rid.lower()
    ]
    if users:
        raise ArmError(
            400,
            "PolicyDefinitionInUse",
            f"The policy definition '{p['name']}' is in use by the following assignments: {', '.join(users)}.",
        )
    ctx.state.delete(rid)
    return Response(200)


# ---------------------------------------------------------------- assignments


def _scope_must_exist(ctx: Ctx, scope: str) -> None:
    segs = scope.strip("/").split("/")
    if segs[0].lower() != "subscriptions":
        raise ArmError(
            400,
            "InvalidPolicyAssignmentScope",
            f"The scope '{scope}' is not supported by the emulator (subscription, resource group or resource).",
        )
    if len(segs) >= 4 and ctx.state.get("/".join(["", *segs[:4]])) is None:
        raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{segs[3]}' could not be found.")
    if len(segs) > 4 and ctx.state.get(scope) is None:
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource '{'/'.join(segs[5:])}' under resource group '{segs[3]}' was not found.",
        )


def _identity(ctx: Ctx, name: str, given: Any, old: dict[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(given, dict):
        return None
    kind = str(get_ci(given, "type") or "None")
    if kind.lower() == "none":
        return None
    if kind.lower() == "systemassigned":
        if old and str(old.get("type", "")).lower() == "systemassigned":
            return old
        pid = new_guid()
        ctx.state.add_principal(Principal(pid, new_guid(), name, secret=None, kind="ManagedIdentity"))
        return {"principalId": pid, "tenantId": ctx.state.tenant_id, "type": "SystemAssigned"}
    if kind.lower() == "userassigned":
        uais = get_ci(given, "userAssignedIdentities") or {}
        if not isinstance(uais, dict) or len(uais) != 1:
            raise bad_request(
                "InvalidCreatePolicyAssignmentRequest",
                f"The policy assignment '{name}' request is invalid. Exactly one user assigned identity must be provided.",
            )
        uid = next(iter(uais))
        mi = ctx.state.get(uid)
        if mi is None or mi.type.lower() != MI_TYPE.lower():
            raise bad_request(
                "InvalidUserAssignedIdentity", f"The user assigned identity '{uid}' could not be found."
            )
        return {
            "type": "UserAssigned",
            "userAssignedIdentities": {
                mi.id: {"principalId": mi.props.get("principalId"), "clientId": mi.props.get("clientId")}
            },
        }
    raise bad_request(
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: unknown identity type '{kind}'.",
    )


def _drop_system_identity(ctx: Ctx, body: dict[str, Any] | None, keep: dict[str, Any] | None = None) -> None:
    ident = (body or {}).get("identity") or {}
    if str(ident.get("type", "")).lower() == "systemassigned" and ident is not keep:
        ctx.state.principals.pop(str(ident.get("principalId", "")).lower(), None)


def _validate_parameters(name: str, def_body: dict[str, Any], given: Any) -> dict[str, Any]:
    if given is None:
        given = {}
    if not isinstance(given, dict) or any(
        not isinstance(v, dict) or "value" not in v for v in given.values()
    ):
        raise bad_request(
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: parameter values must be objects with a 'value'.",
        )
    props = def_body["properties"]
    defined = {k.lower(): (k, v) for k, v in (props.get("parameters") or {}).items()}
    version = props.get("version") or (props.get("metadata") or {}).get("version") or "1.0.0"
    undefined = [k for k in given if k.lower() not in defined]
    if undefined:
        raise bad_request(
            "UndefinedPolicyParameter",
            f"The policy assignment '{name}' has the parameter(s) '{', '.join(undefined)}' which are not defined in the policy definition '{def_body['name']}'.",
        )
    given_low = {k.lower(): v for k, v in given.items()}
    missing = [
        k for lk, (k, spec) in defined.items() if lk not in given_low and "defaultValue" not in (spec or {})
    ]
    if missing:
        raise bad_request(
            "MissingPolicyParameter",
            f"The policy assignment '{name}' is missing the parameter(s) '{', '.join(missing)}' as defined in the policy definition '{def_body['name']}'.",
        )
    for lk, v in given_low.items():
        k, spec = defined[lk]
        allowed = (spec or {}).get("allowedValues")
        if allowed is not None and v["value"] not in allowed:
            raise bad_request(
                "PolicyParameterValueNotAllowed",
                f"The value '{v['value']}' is not allowed for policy parameter '{k}' in policy definition '{def_body['name']} version {version}'. The allowed values are '{', '.join(str(a) for a in allowed)}'.",
            )
    return {k: {"value": v["value"]} for k, v in given.items()}


def _assignment_id(scope: str, name: str) -> str:
    return f"{scope}{PA}/{name}"



@route("PUT", "{scope*}" + PA + "/{name}")
def put_assignment(ctx: Ctx, p: dict[str, str]) -> Response:
    """Create or replace an assignment; Azure answers 201 to both (the SDK accepts nothing else)."""
    scope, name = _norm_scope(p["scope"]), p["name"]
    _scope_must_exist(ctx, scope)
    data = ctx.json()
    props = get_ci(data, "properties") or {}
    def_id = str(get_ci(props, "policyDefinitionId") or "")
    if not def_id:
        raise bad_request(
            "InvalidCreatePolicyAssignmentRequest",
            f"The policy assignment '{name}' request is invalid. The policy definition id is required.",
        )
    def_body = definition_by_id(ctx.state, def_id)
    if def_body is None:
        raise bad_request(
            "PolicyDefinitionNotFound",
            f"The policy definition '{def_id.rstrip('/').rsplit('/', 1)[-1]}' could not be found.",
        )
    params = _validate_parameters(name, def_body, get_ci(props, "parameters"))
    mode_in = str(get_ci(props, "enforcementMode") or "Default")
    if mode_in.lower() not in ENFORCEMENT_MODES:
        raise bad_request(
            "InvalidRequestContent",
            f"The request content was invalid and could not be deserialized: 'Error converting value \"{mode_in}\" to type 'EnforcementMode'.'",
        )
    not_scopes = get_ci(props, "notScopes") or []
    if not isinstance(not_scopes, list) or not all(isinstance(s, str) for s in not_scopes):
        raise bad_request(
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: 'notScopes' must be an array of strings.",
        )
    messages = get_ci(props, "nonComplianceMessages")
    if messages is not None and (
        not isinstance(messages, list)
        or not all(isinstance(m, dict) and get_ci(m, "message") for m in messages)
    ):
        raise bad_request(
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized: every non-compliance message needs a 'message'.",
        )
    effect = effect_of(def_body["properties"], effective_params(def_body["properties"], params))
    rid = _assignment_id(scope, name)
    old_res = ctx.state.get(rid)
    old = old_res.body if old_res is not None else None
    location = get_ci(data, "location")
    given_identity = get_ci(data, "identity")
    wants_identity = (
        isinstance(given_identity, dict) and str(get_ci(given_identity, "type") or "None").lower() != "none"
    )
    if effect in ("Modify", "DeployIfNotExists") and not wants_identity:
        raise bad_request(
            "InvalidCreatePolicyAssignmentRequest",
            f"The policy assignment '{name}' request is invalid. Policy assignments must include a resource identity when assigning '{effect}' policy definitions.",
        )
    if wants_identity and not location:
        raise bad_request(
            "InvalidCreatePolicyAssignmentRequest",
            f"The policy assignment '{name}' request is invalid. Policy assignments must include a 'location' when assigning a managed identity.",
        )
    identity = _identity(ctx, name, given_identity, (old or {}).get("identity"))
    _drop_system_identity(ctx, old, keep=identity)
    now = ctx.state.now_iso()
    old_props = (old or {}).get("properties") or {}
    meta = dict(get_ci(props, "metadata") or {})
    meta.setdefault("createdBy", (old_props.get("metadata") or {}).get("createdBy", ctx.principal.object_id))
    meta.setdefault("createdOn", (old_props.get("metadata") or {}).get("createdOn", now))
    meta["updatedBy"], meta["updatedOn"] = (ctx.principal.object_id, now) if old else (None, None)
    body: dict[str, Any] = {
        "properties": {
            "displayName": get_ci(props, "displayName"),
            "policyDefinitionId": def_body["id"] if def_body["id"].lower() == def_id.lower() else def_id,
            "definitionVersion": get_ci(props, "definitionVersion")
            or str(def_body["properties"].get("version") or "1.0.0").split(".")[0] + ".*.*",
            "scope": scope,
            "notScopes": not_scopes,
            "parameters": params,
            "description": get_ci(props, "description"),
            "metadata": meta,
            "enforcementMode": ENFORCEMENT_MODES[mode_in.lower()],
            "assignmentType": get_ci(props, "assignmentType") or "Custom",
            "instanceId": old_props.get("instanceId") or new_guid(),
        },
        "id": rid,
        "type": ASSIGNMENT_TYPE,
        "name": name,
        "systemData": system_data(ctx.state, ctx.principal, (old or {}).get("systemData")),
    }
    if messages:
        body["properties"]["nonComplianceMessages"] = [
            {k: v for k, v in m.items() if k in ("message", "policyDefinitionReferenceId")} for m in messages
        ]
    for key in ("resourceSelectors", "overrides"):
        if get_ci(props, key) is not None:
            body["properties"][key] = get_ci(props, key)
    if location:
        body["location"] = str(location).lower().replace(" ", "")
    if identity:
        body["identity"] = identity
    ctx.state.put(rid, body)
    return Response(201, body)


def _get_assignment(ctx: Ctx, scope: str, name: str) -> dict[str, Any]:
    res = ctx.state.get(_assignment_id(scope, name))
    if res is None or res.type.lower() != ASSIGNMENT_TYPE.lower():
        raise ArmError(404, "PolicyAssignmentNotFound", f"The policy assignment '{name}' is not found.")
    return res.body


def _expanded(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    """``$expand=LatestDefinitionVersion, EffectiveDefinitionVersion`` (the SDK's documented values) adds those
    read-only properties to the response only, as Azure does (PolicyAssignmentProperties: "only present if
    requested via the $expand query parameter"). The emulator knows one version per definition: latest is it,
    effective is it when it matches the assignment's ``definitionVersion`` (``1.*.*``), else absent."""
    want = {w.strip().lower() for w in ctx.query.get("$expand", "").split(",") if w.strip()}
    if not want & {"latestdefinitionversion", "effectivedefinitionversion"}:
        return body
    out = {**body, "properties": dict(body["properties"])}
    dbody = definition_by_id(ctx.state, str(out["properties"].get("policyDefinitionId", "")))
    latest = str(((dbody or {}).get("properties") or {}).get("version") or "") or None
    if "latestdefinitionversion" in want and latest:
        out["properties"]["latestDefinitionVersion"] = latest
    pattern = str(out["properties"].get("definitionVersion") or "*")
    fits = latest and all(w in ("*", v) for w, v in zip(pattern.split("."), latest.split("."), strict=False))
    if "effectivedefinitionversion" in want and fits:
        out["properties"]["effectiveDefinitionVersion"] = latest
    return out


@route("GET", "{scope*}" + PA + "/{name}")
def get_assignment(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _expanded(ctx, _get_assignment(ctx, _norm_scope(p["scope"]), p["name"])))


@route("PATCH", "{scope*}" + PA + "/{name}")
def update_assignment(ctx: Ctx, p: dict[str, str]) -> Response:
    """``update``: location, identity, resourceSelectors and overrides only (PolicyAssignmentUpdate)."""
    scope, name = _norm_scope(p["scope"]), p["name"]
    body = _get_assignment(ctx, scope, name)
    data = ctx.json()
    location = get_ci(data, "location") or body.get("location")
    if get_ci(data, "identity") is not None:
        ident = _identity(ctx, name, get_ci(data, "identity"), body.get("identity"))
        if ident and not location:
            raise bad_request(
                "InvalidCreatePolicyAssignmentRequest",
                f"The policy assignment '{name}' request is invalid. Policy assignments must include a 'location' when assigning a managed identity.",
            )
        _drop_system_identity(ctx, body, keep=ident)
        if ident:
            body["identity"] = ident
        else:
            body.pop("identity", None)
    if location:
        body["location"] = str(location).lower().replace(" ", "")
    for key in ("resourceSelectors", "overrides"):
        val = get_ci(get_ci(data, "properties") or {}, key)
        if val is not None:
            body["properties"][key] = val
    body["systemData"] = system_data(ctx.state, ctx.principal, body.get("systemData"))
    ctx.state.put(body["id"], body)
    return Response(200, body)


@route("DELETE", "{scope*}" + PA + "/{name}")
def delete_assignment(ctx: Ctx, p: dict[str, str]) -> Response:
    rid = _assignment_id(_norm_scope(p["scope"]), p["name"])
    res = ctx.state.get(rid)
    if res is None:
        return Response(204)
    _drop_system_identity(ctx, res.body)
    ctx.state.delete(rid)
    return Response(200, res.body)


@route("GET", "{scope*}" + PA)
def list_assignments(ctx: Ctx, p: dict[str, str]) -> Response:
    """Assignments at, above and below the scope; ``atScope()`` keeps at/above, ``atExactScope()`` only at."""
    scope = _norm_scope(p["scope"])
    flt = ctx.query.get("$filter", "").strip()
    low = flt.lower()
    def_m = re.match(r"^policydefinitionid\s+eq\s+'([^']*)'$", low)
    if flt and low not in ("atscope()", "atexactscope()") and not def_m:
        raise ArmError(
            400,
            "InvalidFilterInQueryString",
            f"The filter '{flt}' is not valid. Supported filters are 'atScope()', 'atExactScope()' and 'policyDefinitionId eq '{{value}}''.",
        )
    out = []
    for r in ctx.state.of_type(ASSIGNMENT_TYPE):
        a_scope = str(r.props.get("scope", ""))
        above = covers(a_scope, scope)
        below = covers(scope, a_scope)
        if low == "atexactscope()" and a_scope.lower() != scope.lower():
            continue
        if low == "atscope()" and not above:
            continue
        if not (above or below):
            continue
        if def_m and str(r.props.get("policyDefinitionId", "")).lower() != def_m.group(1):
            continue
        out.append(_expanded(ctx, r.body))
    top = ctx.query.get("$top")
    if top:
        out = out[: max(0, int(top))]
    return page(ctx, out)


# ---------------------------------------------------------------- deny


def violation_info(
    assignment: dict[str, Any], definition: dict[str, Any], trace: list[dict[str, Any]]
) -> dict[str, Any]:
    dprops, aprops = definition["properties"], assignment["properties"]
    return {
        "type": "PolicyViolation",
        "info": {
            "evaluationDetails": {"evaluatedExpressions": trace},
            "policyDefinitionId": definition["id"],
            "policyDefinitionName": definition["name"],
            "policyDefinitionDisplayName": dprops.get("displayName"),
            "policyDefinitionVersion": dprops.get("version") or (dprops.get("metadata") or {}).get("version"),
            "policyDefinitionEffect": "deny",
            "policyAssignmentId": assignment["id"],
            "policyAssignmentName": assignment["name"],
            "policyAssignmentDisplayName": aprops.get("displayName") or assignment["name"],
            "policyAssignmentScope": aprops.get("scope"),
            "policyAssignmentParameters": aprops.get("parameters") or {},
            "policyExemptionIds": [],
            "policyEnrollmentIds": [],
        },
    }


def deny_violations(
    state: Any, body: dict[str, Any], api_version: str = ""
) -> list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
    """(assignment, definition, trace) for every enforced Deny assignment that ``body`` violates."""
    rid = str(body.get("id", ""))
    out = []
    for res in state.of_type(ASSIGNMENT_TYPE):
        a = res.body
        if str(a["properties"].get("enforcementMode", "Default")).lower() != "default" or not applies_to(
            a, rid
        ):
            continue
        definition = definition_by_id(state, str(a["properties"].get("policyDefinitionId", "")))
        if definition is None:
            continue
        try:
            ev = evaluate_resource(state, a, definition, body, api_version)
        except PolicyRuleError:
            continue  # a custom rule the emulator cannot evaluate never blocks writes
        if ev.applicable and ev.effect == "Deny" and not ev.compliant:
            out.append((a, definition, ev.trace))
    return out


def deny_hook(ctx: Any, resource_id: str, new_body: dict[str, Any]) -> None:
    """BEFORE_WRITE: refuse a write whose new body an enforced Deny assignment forbids."""
    info = parse_id(resource_id)
    body = dict(new_body)
    body.setdefault("id", resource_id)
    body.setdefault("name", info.get("name", resource_id.rsplit("/", 1)[-1]))
    if not body.get("type") and info.get("type"):
        body["type"] = info["type"]
    found = deny_violations(ctx.state, body, getattr(ctx, "api_version", ""))
    if not found:
        return
    name = str(body["name"])
    idents = [
        {
            "policyAssignment": {"name": a["properties"].get("displayName") or a["name"], "id": a["id"]},
            "policyDefinition": {
                "name": d["properties"].get("displayName") or d["name"],
                "id": d["id"],
                "version": d["properties"].get("version"),
            },
        }
        for a, d, _ in found
    ]
    reasons = [m for m in (resolved_message(a) for a, _, _ in found) if m]
    if reasons:
        quoted = ", ".join("'" + r + "'" for r in reasons)
        message = f"Resource '{name}' was disallowed by policy. Reasons: {quoted}. See error details for policy resource IDs."
    else:
        message = f"Resource '{name}' was disallowed by policy. Policy identifiers: '{json.dumps(idents, separators=(',', ':'))}'."
    raise ArmError(
        403,
        "RequestDisallowedByPolicy",
        message,
        target=name,
        additional_info=[violation_info(a, d, t) for a, d, t in found],
    )


if deny_hook not in hooks.BEFORE_WRITE:
    hooks.BEFORE_WRITE.append(deny_hook)


# ---------------------------------------------------------------- exemptions

PE = "/providers/Microsoft.Authorization/policyExemptions"
EXEMPTION_TYPE = "Microsoft.Authorization/policyExemptions"
EXEMPTION_CATEGORIES = {"waiver": "Waiver", "mitigated": "Mitigated"}


def _exemption_id(scope: str, name: str) -> str:
    return f"{scope}{PE}/{name}"


@route("PUT", "{scope*}" + PE + "/{name}")
def put_exemption(ctx: Ctx, p: dict[str, str]) -> Response:
    """Create or replace a policy exemption (REST spec: Microsoft.Authorization/preview/2022-07-01-preview/
    policyExemptions.json, PolicyExemptions_CreateOrUpdate: 200 on update, 201 on create; ``policyAssignmentId``
    and ``exemptionCategory`` (Waiver | Mitigated) are required, ``expiresOn`` is an ISO 8601 UTC date-time).

    Learn ("Azure Policy exemption structure"): the exemption's scope must be at or below the assignment's when
    ``assignmentScopeValidation`` is Default. Unconfirmed and chosen here: the error codes — 400
    ``PolicyAssignmentNotFound`` for an assignment that does not exist, 400 ``InvalidPolicyExemptionScope`` for a
    scope outside the assignment's, 400 ``InvalidRequestContent`` for a bad category or date, as for assignments.
    """
    scope, name = _norm_scope(p["scope"]), p["name"]
    _scope_must_exist(ctx, scope)
    props = get_ci(ctx.json(), "properties") or {}
    assignment_id = str(get_ci(props, "policyAssignmentId") or "")
    category = str(get_ci(props, "exemptionCategory") or "")
    if category.lower() not in EXEMPTION_CATEGORIES:
        raise bad_request("InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                          f"'Error converting value \"{category}\" to type 'ExemptionCategory'.'")
    assignment = ctx.state.get(assignment_id) if assignment_id else None
    if assignment is None or assignment.type.lower() != ASSIGNMENT_TYPE.lower():
        raise bad_request("PolicyAssignmentNotFound",
                          f"The policy assignment '{assignment_id.rsplit('/', 1)[-1]}' is not found.")
    validation = str(get_ci(props, "assignmentScopeValidation") or "Default")
    if validation.lower() == "default" and not covers(str(assignment.props.get("scope", "")), scope):
        raise bad_request("InvalidPolicyExemptionScope", f"The policy exemption '{name}' scope '{scope}' is not "
                          f"within the scope of policy assignment '{assignment_id}'.")
    expires = get_ci(props, "expiresOn")
    if expires is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?",
                                                str(expires)):
        raise bad_request("InvalidRequestContent", "The request content was invalid and could not be deserialized: "
                          f"'Could not convert string to DateTime: {expires}.'")
    rid = _exemption_id(scope, name)
    old = ctx.state.get(rid)
    body: dict[str, Any] = {
        "properties": {
            "policyAssignmentId": assignment.body["id"],
            "policyDefinitionReferenceIds": list(get_ci(props, "policyDefinitionReferenceIds") or []),
            "exemptionCategory": EXEMPTION_CATEGORIES[category.lower()],
            "expiresOn": expires,
            "displayName": get_ci(props, "displayName"),
            "description": get_ci(props, "description"),
            "metadata": get_ci(props, "metadata") or {},
            "assignmentScopeValidation": "DoNotValidate" if validation.lower() == "donotvalidate" else "Default",
        },
        "id": rid,
        "type": EXEMPTION_TYPE,
        "name": name,
        "systemData": system_data(ctx.state, ctx.principal, (old.body if old else {}).get("systemData")),
    }
    if get_ci(props, "resourceSelectors") is not None:
        body["properties"]["resourceSelectors"] = get_ci(props, "resourceSelectors")
    ctx.state.put(rid, body)
    return Response(200 if old else 201, body)


def _get_exemption(ctx: Ctx, scope: str, name: str) -> dict[str, Any]:
    res = ctx.state.get(_exemption_id(scope, name))
    if res is None or res.type.lower() != EXEMPTION_TYPE.lower():
        raise ArmError(404, "PolicyExemptionNotFound", f"The policy exemption '{name}' is not found.")
    return res.body


@route("GET", "{scope*}" + PE + "/{name}")
def get_exemption(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _get_exemption(ctx, _norm_scope(p["scope"]), p["name"]))


@route("DELETE", "{scope*}" + PE + "/{name}")
def delete_exemption(ctx: Ctx, p: dict[str, str]) -> Response:
    """200 when it existed, 204 when not (PolicyExemptions_Delete)."""
    rid = _exemption_id(_norm_scope(p["scope"]), p["name"])
    if ctx.state.get(rid) is None:
        return Response(204)
    ctx.state.delete(rid)
    return Response(200)


@route("GET", "{scope*}" + PE)
def list_exemptions(ctx: Ctx, p: dict[str, str]) -> Response:
    """PolicyExemptions_List / ListForResourceGroup / ListForResource / ListForManagementGroup: without a filter,
    the exemptions that apply at the scope (at or above it) and those inside it; ``atScope()`` keeps at/above,
    ``atExactScope()`` only at, ``excludeExpired()`` drops expired ones, ``policyAssignmentId eq '{id}'`` one
    assignment's (the spec's documented $filter values; combining them is not supported here)."""
    scope = _norm_scope(p["scope"])
    flt = ctx.query.get("$filter", "").strip()
    low = flt.lower()
    by_assignment = re.match(r"^policyassignmentid\s+eq\s+'([^']*)'$", low)
    if flt and low not in ("atscope()", "atexactscope()", "excludeexpired()") and not by_assignment:
        raise ArmError(400, "InvalidFilterInQueryString", f"The filter '{flt}' is not valid. Supported filters are "
                       "'atScope()', 'atExactScope()', 'excludeExpired()' and 'policyAssignmentId eq '{value}''.")
    now = ctx.state.now_iso()
    out = []
    for r in ctx.state.of_type(EXEMPTION_TYPE):
        e_scope = r.body["id"][: -len(PE + "/" + r.body["name"])]
        above, below = covers(e_scope, scope), covers(scope, e_scope)
        if low == "atexactscope()" and e_scope.lower() != scope.lower():
            continue
        if low == "atscope()" and not above:
            continue
        if not (above or below):
            continue
        expires = r.props.get("expiresOn")
        if low == "excludeexpired()" and expires and str(expires) < now:
            continue
        if by_assignment and str(r.props.get("policyAssignmentId", "")).lower() != by_assignment.group(1):
            continue
        out.append(r.body)
    return page(ctx, out)
