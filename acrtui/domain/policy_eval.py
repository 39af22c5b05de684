"""Compliance preview: a pure evaluator of the Azure Policy rule language, run locally against observed registries.

Given a policy definition as fetched from Azure (the SDK model's ``as_dict()`` or the raw ARM JSON), assignment
parameters and an optional effect override, it says which registries the rule matches now (non-compliant) and,
for ``Deny``, which proposed writes it would refuse. It is independent of the emulator's interpreter on purpose:
both are written from the documented semantics, so a test that agrees with one does not agree by construction.

Semantics implemented (learn.microsoft.com, "Azure Policy definition structure" and "Author policies for array
properties"):

- logical ``allOf`` / ``anyOf`` / ``not``; keys are case-insensitive (built-ins write ``anyof``);
- operands ``field``, ``value`` and ``count`` (field count over a ``[*]`` alias, value count with ``name``);
- conditions ``equals notEquals like notLike match matchInsensitively notMatch notMatchInsensitively contains
  notContains in notIn containsKey notContainsKey less lessOrEquals greater greaterOrEquals exists``; string
  comparisons are case-insensitive except ``match``/``notMatch``; ``like`` takes ``*`` wildcards;
- a ``field`` condition on a ``[*]`` alias is true only if it holds for every selected value (an empty
  collection is vacuously true); inside ``count.where`` the counted alias selects the current member only, and
  ``field()`` on it returns a one-element array;
- a missing property is ``null``: ``exists`` false, ``equals`` false, ``notEquals`` true, ordering conditions false;
- template expressions ``[...]`` with ``parameters() field() current() concat() toLower() toUpper() length() if()
  equals() not() and() or() empty() contains() first() last() split() substring() replace() coalesce() string()
  int() bool() true() false() null() startsWith() endsWith() indexOf() trim() createArray() greater() less()
  greaterOrEquals() lessOrEquals() ipRangeContains() resourceGroup() subscription() requestContext()``; ``[[`` escapes
  a literal ``[``;
- the effect is ``then.effect`` resolved with the assignment's parameters (else ``defaultValue``); an override must
  be one of the parameter's ``allowedValues``, as Azure rejects it otherwise (``PolicyParameterValueNotAllowed``).

Aliases map to body paths: an explicit mapping (from the provider's alias list) wins; otherwise
``<type>/<path>`` means ``properties.<path>`` except top-level ``sku``/``identity``/``tags``/…, and members of
embedded child arrays (``privateEndpointConnections[*].x``) live under the member's ``properties``.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from acrtui.domain.models import RegistryPosture

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"
TOP_LEVEL = {
    "sku",
    "identity",
    "tags",
    "location",
    "kind",
    "zones",
    "plan",
    "name",
    "type",
    "id",
    "extendedlocation",
}
EMBEDDED_CHILD_ARRAYS = {"privateendpointconnections"}
NON_COMPLIANT_EFFECTS = {"audit", "deny", "modify", "append", "denyaction"}
EXISTENCE_EFFECTS = {"auditifnotexists", "deployifnotexists"}


class PolicyError(ValueError):
    """The definition, an expression or a parameter cannot be evaluated (bad input, not a non-compliance)."""


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


# --------------------------------------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    type: str = "String"
    default: Any = MISSING
    allowed: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class PolicyDefinition:
    id: str
    name: str
    display_name: str | None
    mode: str
    rule: dict[str, Any]
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PolicyDefinition:
        """Accept the SDK's ``as_dict()`` (snake_case) or the ARM JSON (``properties`` wrapper, camelCase)."""
        props: Mapping[str, Any] = d.get("properties") or d
        rule = _get(props, "policyRule", "policy_rule")
        if not isinstance(rule, dict) or "if" not in {k.lower() for k in rule}:
            raise PolicyError("definition has no policyRule with an 'if' condition")
        params: dict[str, ParameterSpec] = {}
        for pname, spec in (_get(props, "parameters") or {}).items():
            spec = spec or {}
            allowed = _get(spec, "allowedValues", "allowed_values")
            params[pname.lower()] = ParameterSpec(
                name=pname,
                type=str(_get(spec, "type") or "String"),
                default=_get(spec, "defaultValue", "default_value", default=MISSING),
                allowed=tuple(allowed) if allowed else None,
            )
        did = str(d.get("id") or "")
        return cls(
            id=did,
            name=str(d.get("name") or did.rsplit("/", 1)[-1]),
            display_name=_get(props, "displayName", "display_name"),
            mode=str(_get(props, "mode") or "All"),
            rule=rule,
            parameters=params,
        )

    def matches(self, id_or_name: str) -> bool:
        k = id_or_name.strip().lower()
        return k in {self.id.lower(), self.name.lower(), (self.display_name or "").lower()} or (
            bool(self.id) and self.id.lower().endswith("/" + k)
        )


def _get(d: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    for n in names:
        if n in d and d[n] is not None:
            return d[n]
    lower = {k.lower(): v for k, v in d.items()}
    for n in names:
        if n.lower() in lower and lower[n.lower()] is not None:
            return lower[n.lower()]
    return default


def find_definition(definitions: Sequence[Mapping[str, Any]], id_or_name: str) -> PolicyDefinition:
    """The one definition whose id, GUID name or display name is ``id_or_name``; ``PolicyError`` if none or several."""
    parsed = [PolicyDefinition.from_dict(d) for d in definitions if _has_rule(d)]
    hits = [p for p in parsed if p.matches(id_or_name)]
    if not hits:
        raise PolicyError(f"no policy definition matches {id_or_name!r}")
    if len({h.id.lower() for h in hits}) > 1:
        raise PolicyError(f"{id_or_name!r} matches {len(hits)} definitions; use the definition id")
    return hits[0]


def _has_rule(d: Mapping[str, Any]) -> bool:
    props = d.get("properties") or d
    return isinstance(_get(props, "policyRule", "policy_rule"), dict)


# ------------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class Evaluation:
    resource_id: str
    resource_name: str
    effect: str
    matched: bool  # the ``if`` condition is true
    compliance: str  # NonCompliant | Compliant | Unknown | Disabled
    reason: str


@dataclass(frozen=True)
class WriteVerdict:
    resource_id: str
    blocked: bool
    effect: str
    reason: str


# ------------------------------------------------------------------------------------------------ public API


def resolve_parameters(defn: PolicyDefinition, assigned: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Assignment values (``{"effect": "Deny"}`` or ``{"effect": {"value": "Deny"}}``) over definition defaults."""
    out: dict[str, Any] = {k: spec.default for k, spec in defn.parameters.items()}
    for k, v in (assigned or {}).items():
        if isinstance(v, Mapping) and "value" in v:
            v = v["value"]
        spec = defn.parameters.get(k.lower())
        if spec is None:
            raise PolicyError(f"parameter {k!r} is not defined by {defn.name}")
        if spec.allowed is not None and not any(_eq(v, a) for a in spec.allowed):
            raise PolicyError(
                f"PolicyParameterValueNotAllowed: {k}={v!r}; allowed: {', '.join(map(str, spec.allowed))}"
            )
        out[k.lower()] = v
    return out


def resolve_effect(
    defn: PolicyDefinition, assigned: Mapping[str, Any] | None = None, override: str | None = None
) -> str:
    """The effect the assignment would have; ``override`` acts as the assignment's value for the effect parameter."""
    raw = _get(_then(defn), "effect")
    if raw is None:
        raise PolicyError("policyRule.then has no effect")
    params = dict(assigned or {})
    if override:
        m = re.fullmatch(r"\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]", str(raw).strip(), re.IGNORECASE)
        if m:
            params[m.group(1)] = override
        elif str(raw).lower() != override.lower():
            raise PolicyError(f"{defn.name} fixes its effect to {raw}; it cannot be {override}")
    values = resolve_parameters(defn, params)
    effect = _Evaluator({}, values, {}).value(raw)
    if effect is MISSING or not isinstance(effect, str):
        raise PolicyError("the effect parameter has no value and no default")
    return _canonical_effect(effect)


def evaluate(
    defn: PolicyDefinition | Mapping[str, Any],
    resource: Mapping[str, Any],
    *,
    parameters: Mapping[str, Any] | None = None,
    effect: str | None = None,
    aliases: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> Evaluation:
    """Evaluate one definition against one ARM-shaped resource body."""
    d = defn if isinstance(defn, PolicyDefinition) else PolicyDefinition.from_dict(defn)
    eff = resolve_effect(d, parameters, effect)
    params = resolve_parameters(d, {**(parameters or {}), **({} if not effect else _effect_param(d, effect))})
    rid = str(resource.get("id", ""))
    name = str(resource.get("name", rid.rsplit("/", 1)[-1]))
    if eff.lower() == "disabled":
        return Evaluation(
            rid, name, eff, False, "Disabled", "effect is Disabled: the policy is not evaluated"
        )
    ev = _Evaluator(resource, params, {k.lower(): v for k, v in (aliases or {}).items()}, context or {})
    matched = ev.condition(_get(d.rule, "if"))
    if not matched:
        return Evaluation(rid, name, eff, False, "Compliant", "the rule's condition does not match")
    low = eff.lower()
    if low in EXISTENCE_EFFECTS:
        return Evaluation(
            rid,
            name,
            eff,
            True,
            "Unknown",
            f"{eff}: in scope; the existence condition on related resources is not evaluated locally",
        )
    if low in NON_COMPLIANT_EFFECTS:
        return Evaluation(rid, name, eff, True, "NonCompliant", f"the rule's condition matches ({eff})")
    return Evaluation(rid, name, eff, True, "Unknown", f"effect {eff} is not previewed")


def preview_registries(
    defn: PolicyDefinition | Mapping[str, Any],
    registries: list[RegistryPosture],
    *,
    parameters: Mapping[str, Any] | None = None,
    effect: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> list[Evaluation]:
    return [
        evaluate(defn, registry_to_arm(r), parameters=parameters, effect=effect, aliases=aliases)
        for r in registries
    ]


def preview_writes(
    defn: PolicyDefinition | Mapping[str, Any],
    writes: list[Mapping[str, Any]],
    *,
    parameters: Mapping[str, Any] | None = None,
    effect: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> list[WriteVerdict]:
    """For each proposed resource body (what a PUT/PATCH would leave), would a Deny refuse it?"""
    out = []
    for body in writes:
        e = evaluate(defn, body, parameters=parameters, effect=effect, aliases=aliases)
        blocked = e.matched and e.effect.lower() == "deny"
        why = "would be refused with 403 RequestDisallowedByPolicy" if blocked else e.reason
        out.append(WriteVerdict(e.resource_id, blocked, e.effect, why))
    return out


def _then(defn: PolicyDefinition) -> Mapping[str, Any]:
    t = _get(defn.rule, "then")
    if not isinstance(t, Mapping):
        raise PolicyError("policyRule has no 'then'")
    return t


def _effect_param(defn: PolicyDefinition, effect: str) -> dict[str, Any]:
    m = re.fullmatch(
        r"\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]", str(_get(_then(defn), "effect")).strip(), re.IGNORECASE
    )
    return {m.group(1): effect} if m else {}


_EFFECTS = [
    "Audit",
    "Deny",
    "Disabled",
    "Modify",
    "Append",
    "AuditIfNotExists",
    "DeployIfNotExists",
    "DenyAction",
    "Manual",
]


def _canonical_effect(e: str) -> str:
    return next((x for x in _EFFECTS if x.lower() == e.lower()), e)


# --------------------------------------------------------------------------------------- registry → ARM body


def registry_to_arm(reg: RegistryPosture) -> dict[str, Any]:
    """The registry as ARM returns it (api 2025-11-01 shape), so aliases resolve exactly as in Azure."""
    enc = reg.encryption
    identity: dict[str, Any] = {"type": "None"}
    kinds = []
    if reg.identity.system_principal_id:
        kinds.append("SystemAssigned")
        identity["principalId"] = reg.identity.system_principal_id
    if reg.identity.user_assigned:
        kinds.append("UserAssigned")
        identity["userAssignedIdentities"] = {
            u.resource_id: {"principalId": u.principal_id, "clientId": u.client_id}
            for u in reg.identity.user_assigned
        }
    if kinds:
        identity["type"] = ", ".join(kinds)
    encryption: dict[str, Any] = {"status": "enabled" if enc.enabled else "disabled"}
    if enc.enabled:
        encryption["keyVaultProperties"] = {
            "keyIdentifier": enc.key_identifier,
            "versionedKeyIdentifier": enc.versioned_key_identifier,
            "identity": enc.identity_client_id,
            "keyRotationEnabled": enc.key_rotation_enabled,
            "lastKeyRotationTimestamp": enc.last_key_rotation.isoformat() if enc.last_key_rotation else None,
        }
    policies: dict[str, Any] = {
        "exportPolicy": {"status": "enabled" if reg.export_policy_enabled else "disabled"},
        "trustPolicy": {"type": "Notary", "status": "enabled" if reg.trust_policy_enabled else "disabled"},
    }
    if reg.arm_audience_token_enabled is not None:
        policies["azureADAuthenticationAsArmPolicy"] = {
            "status": "enabled" if reg.arm_audience_token_enabled else "disabled"
        }
    return {
        "id": reg.id,
        "name": reg.name,
        "type": REGISTRY_TYPE,
        "location": reg.location,
        "tags": dict(reg.tags),
        "sku": {"name": reg.sku, "tier": reg.sku},
        "identity": identity,
        "properties": {
            "loginServer": reg.login_server,
            "provisioningState": reg.provisioning_state,
            "adminUserEnabled": reg.admin_user_enabled,
            "publicNetworkAccess": reg.public_network_access,
            "networkRuleSet": {
                "defaultAction": reg.default_action,
                "ipRules": [{"action": r.action, "value": r.value} for r in reg.ip_rules],
            },
            "networkRuleBypassOptions": reg.network_rule_bypass,
            "dataEndpointEnabled": reg.data_endpoint_enabled,
            "dataEndpointHostNames": list(reg.data_endpoint_host_names),
            "encryption": encryption,
            "privateEndpointConnections": [
                {
                    "id": c.id,
                    "name": c.name,
                    "properties": {
                        "privateEndpoint": {"id": c.private_endpoint_id} if c.private_endpoint_id else None,
                        "privateLinkServiceConnectionState": {
                            "status": c.status,
                            "description": c.description,
                        },
                        "provisioningState": c.provisioning_state,
                    },
                }
                for c in reg.private_endpoint_connections
            ],
            "anonymousPullEnabled": reg.anonymous_pull_enabled,
            "zoneRedundancy": reg.zone_redundancy,
            "policies": policies,
        },
    }


# ------------------------------------------------------------------------------------------------- evaluator

_OPERATORS = {
    "equals",
    "notequals",
    "like",
    "notlike",
    "match",
    "matchinsensitively",
    "notmatch",
    "notmatchinsensitively",
    "contains",
    "notcontains",
    "in",
    "notin",
    "containskey",
    "notcontainskey",
    "less",
    "lessorequals",
    "greater",
    "greaterorequals",
    "exists",
}


@dataclass
class _Selected:
    values: list[Any]
    collection: bool  # the path has an unbound [*]: a condition must hold for every value
    array_alias: bool  # the path has any [*] (bound or not): field() returns an array


class _Evaluator:
    def __init__(
        self,
        resource: Mapping[str, Any],
        params: Mapping[str, Any],
        aliases: Mapping[str, str],
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self.resource = resource
        self.params = {k.lower(): v for k, v in params.items()}
        self.aliases = aliases
        self.context = context or {}
        self.bound: dict[tuple[str, ...], Any] = {}  # counted [*] path prefix -> current member
        self.bound_alias: dict[str, Any] = {}  # counted alias (lower) -> current member, for current()
        self.named: dict[str, Any] = {}  # value-count names -> current member

    # ---- conditions
    def condition(self, node: Any) -> bool:
        if not isinstance(node, Mapping):
            raise PolicyError(f"a condition must be an object, got {node!r}")
        low = {k.lower(): v for k, v in node.items()}
        if "allof" in low:
            return all(self.condition(c) for c in _as_list(low["allof"]))
        if "anyof" in low:
            return any(self.condition(c) for c in _as_list(low["anyof"]))
        if "not" in low:
            return not self.condition(low["not"])
        ops = [k for k in low if k in _OPERATORS]
        if len(ops) != 1:
            raise PolicyError(f"a condition needs exactly one operator, got {sorted(low)}")
        op = ops[0]
        target = self.value(low[op])
        if "field" in low:
            sel = self.select(self.value(low["field"]))
            if sel.collection:
                return all(_apply(op, v, target) for v in sel.values)
            return _apply(op, sel.values[0] if sel.values else MISSING, target)
        if "value" in low:
            return _apply(op, self.value(low["value"]), target)
        if "count" in low:
            return _apply(op, self.count(low["count"]), target)
        raise PolicyError(f"a condition needs field, value or count: {sorted(low)}")

    def count(self, spec: Any) -> int:
        if not isinstance(spec, Mapping):
            raise PolicyError("count must be an object")
        low = {k.lower(): v for k, v in spec.items()}
        where = low.get("where")
        if "field" in low:
            alias = str(self.value(low["field"]))
            path = self.path_of(alias)
            if not path or path[-1] != "[*]":
                raise PolicyError(f"count.field must be a [*] alias: {alias}")
            members = self.select(alias).values
            if where is None:
                return len(members)
            n = 0
            for m in members:
                key = tuple(path)
                saved = self.bound.get(key, MISSING), self.bound_alias.get(alias.lower(), MISSING)
                self.bound[key] = m
                self.bound_alias[alias.lower()] = m
                try:
                    n += bool(self.condition(where))
                finally:
                    _restore(self.bound, key, saved[0])
                    _restore(self.bound_alias, alias.lower(), saved[1])
            return n
        if "value" in low:
            items = self.value(low["value"])
            items = [] if items is MISSING or items is None else items
            if not isinstance(items, list):
                raise PolicyError("count.value must be an array")
            if where is None:
                return len(items)
            name = str(low.get("name") or "").lower()
            n = 0
            for item in items:
                saved = self.named.get(name, MISSING)
                self.named[name] = item
                try:
                    n += bool(self.condition(where))
                finally:
                    _restore(self.named, name, saved)
            return n
        raise PolicyError("count needs field or value")

    # ---- fields
    def path_of(self, alias: str) -> list[str]:
        a = alias.strip()
        low = a.lower()
        if low in self.aliases:
            return _split_path(self.aliases[low])
        if low in ("type", "name", "location", "id", "kind"):
            return [low]
        if low == "fullname":
            return ["name"]
        m = re.fullmatch(r"tags\[\s*'?([^'\]]+)'?\s*\]", a, re.IGNORECASE) or re.fullmatch(
            r"tags\.(.+)", a, re.IGNORECASE
        )
        if m:
            return ["tags", m.group(1)]
        if low == "tags" or low.startswith("identity."):
            return _split_path(a)
        rtype = str(self.resource.get("type") or REGISTRY_TYPE)
        if low.startswith(rtype.lower() + "/"):
            rest = a[len(rtype) + 1 :]
        elif "/" in a:
            return ["\0other-type"]  # an alias of another type selects nothing
        else:
            rest = a
        parts = _split_path(rest)
        if parts and parts[0].lower() in TOP_LEVEL:
            return parts
        out = ["properties"]
        for i, p in enumerate(parts):
            out.append(p)
            if p == "[*]" and i > 0 and parts[i - 1].lower() in EMBEDDED_CHILD_ARRAYS and i + 1 < len(parts):
                if parts[i + 1].lower() not in ("id", "name", "type", "properties"):
                    out.append("properties")
        return out

    def select(self, alias: Any) -> _Selected:
        path = self.path_of(str(alias))
        start: list[Any] = [self.resource]
        i = 0
        collection = False
        array_alias = "[*]" in path
        # a counted prefix (longest first) replaces the walk up to its [*] with the current member
        for key in sorted(self.bound, key=len, reverse=True):
            if tuple(x.lower() for x in path[: len(key)]) == tuple(x.lower() for x in key):
                start = [self.bound[key]]
                i = len(key)
                break
        nodes = start
        for p in path[i:]:
            if p == "[*]":
                collection = True
                nodes = [e for n in nodes if isinstance(n, list) for e in n]
            else:
                nodes = [_child(n, p) for n in nodes]
        if not collection and not nodes:
            nodes = [MISSING]
        return _Selected(nodes, collection, array_alias)

    # ---- expressions
    def value(self, v: Any) -> Any:
        if isinstance(v, str):
            s = v.strip()
            if s.startswith("[["):
                return s[1:]
            if s.startswith("[") and s.endswith("]"):
                return _Parser(s[1:-1], self).parse()
            return v
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, Mapping):
            return {k: self.value(x) for k, x in v.items()}
        return v

    def call(self, name: str, args: list[Any]) -> Any:
        n = name.lower()
        if n == "parameters":
            key = str(args[0]).lower()
            if key not in self.params:
                raise PolicyError(f"parameter {args[0]!r} is not defined")
            val = self.params[key]
            if val is MISSING:
                raise PolicyError(f"parameter {args[0]!r} has no value and no default")
            return val
        if n == "field":
            sel = self.select(args[0])
            if sel.array_alias:
                return [x for x in sel.values if x is not MISSING]
            v = sel.values[0] if sel.values else MISSING
            return "" if v is MISSING else v
        if n == "current":
            key = str(args[0]).lower() if args else ""
            if key in self.named:
                return self.named[key]
            if key in self.bound_alias:
                return self.bound_alias[key]
            if not key and len(self.named) == 1:
                return next(iter(self.named.values()))
            raise PolicyError(f"current({key!r}) is outside a matching count")
        if n in ("resourcegroup", "subscription", "requestcontext", "policy"):
            return self.context.get(n, {})
        return _call_pure(n, args)


def _restore(d: dict[Any, Any], key: Any, saved: Any) -> None:
    if saved is MISSING:
        d.pop(key, None)
    else:
        d[key] = saved


def _as_list(v: Any) -> list[Any]:
    if not isinstance(v, list):
        raise PolicyError("allOf/anyOf need an array")
    return v


def _split_path(p: str) -> list[str]:
    out: list[str] = []
    for seg in p.split("."):
        while "[*]" in seg:
            head, _, seg = seg.partition("[*]")
            if head:
                out.append(head)
            out.append("[*]")
        if seg:
            out.append(seg)
    return out


def _child(node: Any, key: str) -> Any:
    if isinstance(node, Mapping):
        if key in node:
            return MISSING if node[key] is None else node[key]
        for k, v in node.items():
            if k.lower() == key.lower():
                return MISSING if v is None else v
    return MISSING


# ------------------------------------------------------------------------------------------------- operators


def _s(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _eq(a: Any, b: Any) -> bool:
    if a is MISSING or b is MISSING:
        return a is b
    if isinstance(a, str) or isinstance(b, str):
        if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
            return False
        return _s(a).lower() == _s(b).lower()
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_eq(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return {k.lower() for k in a} == {k.lower() for k in b} and all(
            _eq(v, _child(b, k)) for k, v in a.items()
        )
    return bool(a == b)


def _cmp(a: Any, b: Any) -> int | None:
    if a is MISSING or b is MISSING or a is None or b is None:
        return None
    if (
        isinstance(a, (int, float))
        and not isinstance(a, bool)
        and isinstance(b, (int, float))
        and not isinstance(b, bool)
    ):
        return (a > b) - (a < b)
    try:
        fa, fb = float(a), float(b)
        return (fa > fb) - (fa < fb)
    except (TypeError, ValueError):
        sa, sb = _s(a).lower(), _s(b).lower()
        return (sa > sb) - (sa < sb)


def _truthy(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() == "true"
    return bool(v)


def _contains(container: Any, item: Any) -> bool:
    if container is MISSING or container is None:
        return False
    if isinstance(container, str):
        return _s(item).lower() in container.lower()
    if isinstance(container, list):
        return any(_eq(x, item) for x in container)
    if isinstance(container, Mapping):
        return any(k.lower() == _s(item).lower() for k in container)
    return False


def _apply(op: str, left: Any, right: Any) -> bool:
    if op == "exists":
        return (left is not MISSING) == _truthy(right)
    if op == "equals":
        return _eq(left, right)
    if op == "notequals":
        return not _eq(left, right)
    if op in ("in", "notin"):
        if not isinstance(right, list):
            raise PolicyError(f"{op} needs an array")
        hit = left is not MISSING and any(_eq(left, r) for r in right)
        return hit if op == "in" else not hit
    if op in ("like", "notlike"):
        hit = left is not MISSING and fnmatch.fnmatchcase(_s(left).lower(), _s(right).lower())
        return hit if op == "like" else not hit
    if op in ("match", "notmatch", "matchinsensitively", "notmatchinsensitively"):
        hit = left is not MISSING and _match(_s(left), _s(right), insensitive="insensitively" in op)
        return hit if not op.startswith("not") else not hit
    if op in ("contains", "notcontains"):
        hit = _contains(left, right)
        return hit if op == "contains" else not hit
    if op in ("containskey", "notcontainskey"):
        hit = isinstance(left, Mapping) and any(k.lower() == _s(right).lower() for k in left)
        return hit if op == "containskey" else not hit
    c = _cmp(left, right)
    if c is None:
        return False
    return {"less": c < 0, "lessorequals": c <= 0, "greater": c > 0, "greaterorequals": c >= 0}[op]


def _match(value: str, pattern: str, insensitive: bool) -> bool:
    """``#`` a digit, ``?`` a letter, ``.`` any character, anything else itself; the whole value must match."""
    if len(value) != len(pattern):
        return False
    for ch, p in zip(value, pattern, strict=True):
        if p == "#":
            ok = ch.isdigit()
        elif p == "?":
            ok = ch.isalpha()
        elif p == ".":
            ok = True
        else:
            ok = ch.lower() == p.lower() if insensitive else ch == p
        if not ok:
            return False
    return True


# -------------------------------------------------------------------------------------------- template functions


def _call_pure(n: str, a: list[Any]) -> Any:
    def arg(i: int) -> Any:
        if i >= len(a):
            raise PolicyError(f"{n}() needs at least {i + 1} argument(s)")
        v = a[i]
        return "" if v is MISSING else v

    if n == "concat":
        if a and all(isinstance(x, list) for x in a):
            return [e for x in a for e in x]
        return "".join(_s(x) for x in a if x is not MISSING)
    if n == "tolower":
        return _s(arg(0)).lower()
    if n == "toupper":
        return _s(arg(0)).upper()
    if n == "length":
        return len(arg(0))
    if n == "if":
        return arg(1) if _truthy(arg(0)) else arg(2)
    if n == "equals":
        return _eq(arg(0), arg(1))
    if n == "not":
        return not _truthy(arg(0))
    if n == "and":
        return all(_truthy(x) for x in a)
    if n == "or":
        return any(_truthy(x) for x in a)
    if n == "empty":
        v = a[0] if a else MISSING
        return v is MISSING or v is None or (hasattr(v, "__len__") and len(v) == 0)
    if n == "contains":
        return _contains(arg(0), arg(1))
    if n == "first":
        v = arg(0)
        return (v[0] if v else MISSING) if not isinstance(v, str) else v[:1]
    if n == "last":
        v = arg(0)
        return (v[-1] if v else MISSING) if not isinstance(v, str) else v[-1:]
    if n == "split":
        seps = arg(1) if isinstance(arg(1), list) else [arg(1)]
        return re.split("|".join(re.escape(_s(s)) for s in seps), _s(arg(0)))
    if n == "substring":
        s = _s(arg(0))
        start = int(arg(1))
        return s[start : start + int(a[2])] if len(a) > 2 else s[start:]
    if n == "replace":
        return _s(arg(0)).replace(_s(arg(1)), _s(arg(2)))
    if n == "coalesce":
        return next((x for x in a if x is not MISSING and x is not None), None)
    if n == "string":
        return _s(arg(0))
    if n == "int":
        return int(arg(0))
    if n == "bool":
        return _truthy(arg(0))
    if n == "true":
        return True
    if n == "false":
        return False
    if n == "null":
        return None
    if n == "startswith":
        return _s(arg(0)).lower().startswith(_s(arg(1)).lower())
    if n == "endswith":
        return _s(arg(0)).lower().endswith(_s(arg(1)).lower())
    if n == "indexof":
        return _s(arg(0)).lower().find(_s(arg(1)).lower())
    if n == "trim":
        return _s(arg(0)).strip()
    if n == "createarray":
        return list(a)
    if n in ("greater", "less", "greaterorequals", "lessorequals"):
        return _apply(n, arg(0), arg(1))
    if n == "iprangecontains":
        try:
            inner: Any = ipaddress.ip_network(_s(arg(1)), strict=False)
            outer: Any = ipaddress.ip_network(_s(arg(0)), strict=False)
            return inner.version == outer.version and inner.subnet_of(outer)
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"ipRangeContains: {exc}") from exc
    raise PolicyError(f"template function {n}() is not supported by the preview")


class _Parser:
    """Recursive descent over ARM template expressions: calls, 'strings', numbers, .property and [index]."""

    _TOKEN = re.compile(
        r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<id>[A-Za-z_][A-Za-z0-9_]*)|(?P<p>[(),.\[\]]))"
    )

    def __init__(self, text: str, ev: _Evaluator) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = self._TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise PolicyError(f"cannot parse expression near {text[pos : pos + 20]!r}")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
        self.i = 0
        self.ev = ev

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        t = self.peek()
        if t is None or (value is not None and t[1] != value):
            raise PolicyError(f"expected {value or 'a token'} in expression")
        self.i += 1
        return t

    def parse(self) -> Any:
        v = self.expr()
        if self.peek() is not None:
            raise PolicyError(f"unexpected {self.peek()[1]!r} in expression")  # type: ignore[index]
        return v

    def expr(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            v: Any = text[1:-1].replace("''", "'")
        elif kind == "num":
            v = float(text) if "." in text else int(text)
        elif kind == "id":
            self.take("(")
            args: list[Any] = []
            if self.peek() != ("p", ")"):
                args.append(self.expr())
                while self.peek() == ("p", ","):
                    self.take(",")
                    args.append(self.expr())
            self.take(")")
            v = self.ev.call(text, args)
        else:
            raise PolicyError(f"unexpected {text!r} in expression")
        while self.peek() in (("p", "."), ("p", "[")):
            if self.take()[1] == ".":
                v = _child(v, self.take()[1])
            else:
                idx = self.expr()
                self.take("]")
                v = (
                    v[idx]
                    if isinstance(v, list) and isinstance(idx, int) and -len(v) <= idx < len(v)
                    else _child(v, _s(idx))
                )
        return v
