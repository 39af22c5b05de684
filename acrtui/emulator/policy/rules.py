"""The Azure Policy rule language, as far as the emulated definitions need it.

Documented semantics implemented here (docs: "Azure Policy definition structure: policy rule"):

- ``allOf`` / ``anyOf`` / ``not``; leaf conditions on ``field``, ``value`` or ``count``.
- String comparisons are case-insensitive (``equals``, ``in``, ``like``, ``contains``, ``containsKey`` ...);
  ``match`` is case-sensitive, ``matchInsensitively`` is not. ``like`` knows only the ``*`` wildcard;
  ``match`` uses ``#`` (digit), ``?`` (letter), ``.`` (any character).
- A missing field: ``exists false`` is true, ``equals`` / ``in`` / ``like`` / ``contains`` / ``greater`` ... are
  false, and their negations (``notEquals``, ``notIn``, ``notLike``, ``notContains``) are true.
- A plain condition on a ``[*]`` alias holds when *every* element satisfies it; an empty or missing array makes
  it true (vacuous truth, as the docs' "all elements" table shows). ``count`` with ``field`` counts the elements
  that satisfy ``where`` (all of them without ``where``); ``count`` with ``value`` iterates a literal or an
  expression and exposes the element as ``current('name')``.
- Template expressions ``[...]`` are parsed and evaluated with a small set of functions (see ``FUNCTIONS``);
  anything else raises :class:`PolicyRuleError` naming the function.

Unconfirmed and chosen here: booleans compare equal to the strings ``"true"`` / ``"false"`` (Azure converts
types when comparing); a missing field never equals ``""``; ``greater`` & co. compare strings
case-insensitively; ``[*]`` aliases on a missing array behave as on an empty array.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MISSING: Any = object()


class PolicyRuleError(ValueError):
    """A rule the interpreter cannot evaluate (unsupported function, malformed condition)."""


# ---------------------------------------------------------------- aliases

# alias (lower-cased) -> JSON path in the ARM body. ``[*]`` marks arrays. Aliases of the resource's own type not
# listed here fall back to ``properties.<rest>`` (the convention most aliases follow).
_ALIAS_LIST: list[tuple[str, str]] = [
    ("Microsoft.ContainerRegistry/registries/sku.name", "sku.name"),
    ("Microsoft.ContainerRegistry/registries/sku.tier", "sku.tier"),
    ("Microsoft.ContainerRegistry/registries/identity.type", "identity.type"),
    ("Microsoft.ContainerRegistry/registries/adminUserEnabled", "properties.adminUserEnabled"),
    ("Microsoft.ContainerRegistry/registries/anonymousPullEnabled", "properties.anonymousPullEnabled"),
    ("Microsoft.ContainerRegistry/registries/publicNetworkAccess", "properties.publicNetworkAccess"),
    (
        "Microsoft.ContainerRegistry/registries/networkRuleBypassOptions",
        "properties.networkRuleBypassOptions",
    ),
    ("Microsoft.ContainerRegistry/registries/dataEndpointEnabled", "properties.dataEndpointEnabled"),
    ("Microsoft.ContainerRegistry/registries/zoneRedundancy", "properties.zoneRedundancy"),
    ("Microsoft.ContainerRegistry/registries/encryption.status", "properties.encryption.status"),
    (
        "Microsoft.ContainerRegistry/registries/encryption.keyVaultProperties.keyIdentifier",
        "properties.encryption.keyVaultProperties.keyIdentifier",
    ),
    (
        "Microsoft.ContainerRegistry/registries/networkRuleSet.defaultAction",
        "properties.networkRuleSet.defaultAction",
    ),
    (
        "Microsoft.ContainerRegistry/registries/networkRuleSet.ipRules[*]",
        "properties.networkRuleSet.ipRules[*]",
    ),
    (
        "Microsoft.ContainerRegistry/registries/networkRuleSet.ipRules[*].value",
        "properties.networkRuleSet.ipRules[*].value",
    ),
    (
        "Microsoft.ContainerRegistry/registries/policies.exportPolicy.status",
        "properties.policies.exportPolicy.status",
    ),
    (
        "Microsoft.ContainerRegistry/registries/policies.azureADAuthenticationAsArmPolicy",
        "properties.policies.azureADAuthenticationAsArmPolicy",
    ),
    (
        "Microsoft.ContainerRegistry/registries/policies.azureADAuthenticationAsArmPolicy.status",
        "properties.policies.azureADAuthenticationAsArmPolicy.status",
    ),
    (
        "Microsoft.ContainerRegistry/registries/policies.quarantinePolicy.status",
        "properties.policies.quarantinePolicy.status",
    ),
    (
        "Microsoft.ContainerRegistry/registries/policies.trustPolicy.status",
        "properties.policies.trustPolicy.status",
    ),
    (
        "Microsoft.ContainerRegistry/registries/policies.retentionPolicy.status",
        "properties.policies.retentionPolicy.status",
    ),
    (
        "Microsoft.ContainerRegistry/registries/privateEndpointConnections[*]",
        "properties.privateEndpointConnections[*]",
    ),
    (
        "Microsoft.ContainerRegistry/registries/privateEndpointConnections[*].privateLinkServiceConnectionState.status",
        "properties.privateEndpointConnections[*].properties.privateLinkServiceConnectionState.status",
    ),
    (
        "Microsoft.ContainerRegistry/registries/privateEndpointConnections[*].privateEndpoint.id",
        "properties.privateEndpointConnections[*].properties.privateEndpoint.id",
    ),
    (
        "Microsoft.ContainerRegistry/registries/privateEndpointConnections/privateLinkServiceConnectionState.status",
        "properties.privateLinkServiceConnectionState.status",
    ),
    (
        "Microsoft.ContainerRegistry/registries/privateEndpointConnections/privateEndpoint.id",
        "properties.privateEndpoint.id",
    ),
    ("Microsoft.ContainerRegistry/registries/tokens/status", "properties.status"),
    ("Microsoft.ContainerRegistry/registries/cacheRules/sourceRepository", "properties.sourceRepository"),
    ("Microsoft.Network/privateEndpoints/subnet.id", "properties.subnet.id"),
    (
        "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*]",
        "properties.privateLinkServiceConnections[*]",
    ),
    (
        "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].privateLinkServiceId",
        "properties.privateLinkServiceConnections[*].properties.privateLinkServiceId",
    ),
    (
        "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].groupIds[*]",
        "properties.privateLinkServiceConnections[*].properties.groupIds[*]",
    ),
    (
        "Microsoft.Network/privateEndpoints/manualPrivateLinkServiceConnections[*].groupIds[*]",
        "properties.manualPrivateLinkServiceConnections[*].properties.groupIds[*]",
    ),
    (
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/privateDnsZoneConfigs[*].privateDnsZoneId",
        "properties.privateDnsZoneConfigs[*].properties.privateDnsZoneId",
    ),
]
ALIASES: dict[str, str] = {a.lower(): p for a, p in _ALIAS_LIST}
_TOP_LEVEL = {"type", "name", "id", "location", "kind", "tags", "identity", "sku", "zones", "managedBy"}


def alias_path(alias: str, rtype: str) -> str | None:
    """The JSON path an alias (or a top-level field) reads in a body of type ``rtype``; None if not this type's."""
    low = alias.lower()
    if low in ALIASES:
        return ALIASES[low]
    if low == "fullname":
        return "name"
    head = re.split(r"[.\[]", alias, maxsplit=1)[0]
    if head in _TOP_LEVEL or head.lower() in {t.lower() for t in _TOP_LEVEL}:
        return alias
    prefix = rtype.lower() + "/"
    if rtype and low.startswith(prefix):
        rest = alias[len(prefix) :]
        first = re.split(r"[.\[]", rest, maxsplit=1)[0].lower()
        return rest if first in {"sku", "identity", "zones", "kind"} else "properties." + rest
    return None


_TOKEN_RX = re.compile(r"([^.\[\]]+)|\[\*\]|\[(?:'([^']*)'|([^\]]*))\]")


def _tokens(path: str) -> list[str]:
    """``a.b[*].c`` -> ["a", "b", "*", "c"]; ``tags['x y']`` / ``tags[x]`` -> ["tags", "x y"]."""
    out: list[str] = []
    for m in _TOKEN_RX.finditer(path):
        if m.group(0) == "[*]":
            out.append("*")
        else:
            out.append(next(g for g in m.groups() if g is not None))
    return out


def _get_ci(d: Any, key: str) -> Any:
    if not isinstance(d, dict):
        return MISSING
    if key in d:
        return d[key]
    kl = key.lower()
    for k, v in d.items():
        if k.lower() == kl:
            return v
    return MISSING


def _walk(value: Any, toks: list[str]) -> list[Any]:
    """Leaves of ``toks`` below ``value``: one per array element for ``*`` (MISSING where absent)."""
    if not toks:
        return [value]
    t, rest = toks[0], toks[1:]
    if t == "*":
        if not isinstance(value, list):
            return []
        return [leaf for el in value for leaf in _walk(el, rest)]
    nxt = _get_ci(value, t)
    if nxt is None:
        nxt = MISSING
    if nxt is MISSING:
        return [MISSING] if "*" not in rest else []
    return _walk(nxt, rest)


# ---------------------------------------------------------------- expressions


@dataclass
class Env:
    """What an expression or condition can see while one resource is evaluated."""

    body: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)
    api_version: str = ""
    resource_group: dict[str, Any] | None = None
    subscription: dict[str, Any] | None = None
    current: list[tuple[str, Any]] = field(default_factory=list)  # count-value iterations (name, element)
    scopes: list[tuple[list[str], Any]] = field(
        default_factory=list
    )  # count-field iterations (path tokens, element)
    trace: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rtype(self) -> str:
        return str(self.body.get("type", ""))


def _lex(src: str) -> list[tuple[str, Any]]:
    toks: list[tuple[str, Any]] = []
    i = 0
    while i < len(src):
        c = src[i]
        if c.isspace():
            i += 1
        elif c == "'":
            j, buf = i + 1, []
            while True:
                if j >= len(src):
                    raise PolicyRuleError(f"Unterminated string in expression '[{src}]'.")
                if src[j] == "'":
                    if j + 1 < len(src) and src[j + 1] == "'":
                        buf.append("'")
                        j += 2
                        continue
                    break
                buf.append(src[j])
                j += 1
            toks.append(("str", "".join(buf)))
            i = j + 1
        elif c in "(),.[]":
            toks.append((c, c))
            i += 1
        elif c.isdigit() or (c == "-" and i + 1 < len(src) and src[i + 1].isdigit()):
            m = re.match(r"-?\d+(\.\d+)?", src[i:])
            assert m is not None
            toks.append(("num", float(m.group(0)) if m.group(1) else int(m.group(0))))
            i += len(m.group(0))
        else:
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", src[i:])
            if not m:
                raise PolicyRuleError(f"Unexpected character {c!r} in expression '[{src}]'.")
            toks.append(("id", m.group(0)))
            i += len(m.group(0))
    return toks


class _Parser:
    def __init__(self, src: str, env: Env) -> None:
        self.src, self.toks, self.i, self.env = src, _lex(src), 0, env

    def peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self, kind: str) -> Any:
        if self.peek() != kind:
            raise PolicyRuleError(f"Malformed expression '[{self.src}]': expected {kind!r}.")
        v = self.toks[self.i][1]
        self.i += 1
        return v

    def parse(self) -> Any:
        v = self.expr()
        if self.peek() is not None:
            raise PolicyRuleError(f"Malformed expression '[{self.src}]': trailing input.")
        return v

    def expr(self) -> Any:
        kind = self.peek()
        if kind == "str" or kind == "num":
            v = self.take(kind)
        elif kind == "id":
            name = self.take("id")
            if name.lower() in ("true", "false", "null") and self.peek() != "(":
                v = {"true": True, "false": False, "null": None}[name.lower()]
            else:
                self.take("(")
                args: list[Any] = []
                while self.peek() != ")":
                    args.append(self.expr())
                    if self.peek() == ",":
                        self.take(",")
                self.take(")")
                v = call(name, args, self.env)
        else:
            raise PolicyRuleError(f"Malformed expression '[{self.src}]'.")
        while self.peek() in (".", "["):
            if self.take(self.peek() or ".") == ".":
                v = _member(v, self.take("id"))
            else:
                idx = self.expr()
                self.take("]")
                v = v[idx] if isinstance(v, list) and isinstance(idx, int) else _member(v, str(idx))
        return v


def _member(v: Any, key: str) -> Any:
    got = _get_ci(v, key)
    return None if got is MISSING else got


def is_expression(v: Any) -> bool:
    return isinstance(v, str) and v.startswith("[") and v.endswith("]") and not v.startswith("[[")


def resolve(v: Any, env: Env) -> Any:
    """Evaluate ``v`` if it is a ``[...]`` expression (``[[`` escapes a literal bracket); else return it."""
    if is_expression(v):
        return _Parser(v[1:-1], env).parse()
    if isinstance(v, str) and v.startswith("[["):
        return v[1:]
    return v


def _current(env: Env, args: list[Any]) -> Any:
    if args:
        for name, val in reversed(env.current):
            if name.lower() == str(args[0]).lower():
                return val
        raise PolicyRuleError(f"current('{args[0]}') is used outside a count with that name.")
    if env.current:
        return env.current[-1][1]
    if env.scopes:
        return env.scopes[-1][1]
    raise PolicyRuleError("current() is used outside a count expression.")


def _param(env: Env, args: list[Any]) -> Any:
    name = str(args[0])
    for k, v in env.params.items():
        if k.lower() == name.lower():
            return v
    raise PolicyRuleError(f"The policy parameter '{name}' is not defined.")


def _field_fn(env: Env, args: list[Any]) -> Any:
    name = str(args[0])
    if name.lower() == "id":
        return env.body.get("id")
    vals = field_values(name, env)
    if is_array_alias(name, env):
        return [None if v is MISSING else v for v in vals]
    return None if not vals or vals[0] is MISSING else vals[0]


def _length(v: Any) -> int:
    return len(v) if isinstance(v, (str, list, dict)) else 0


FUNCTIONS: dict[str, Callable[[Env, list[Any]], Any]] = {
    "parameters": _param,
    "field": _field_fn,
    "current": _current,
    "concat": lambda e, a: (
        "".join(str(x) for x in a)
        if all(isinstance(x, str) for x in a)
        else [y for x in a for y in (x if isinstance(x, list) else [x])]
    ),
    "tolower": lambda e, a: str(a[0]).lower(),
    "toupper": lambda e, a: str(a[0]).upper(),
    "if": lambda e, a: a[1] if a[0] else a[2],
    "equals": lambda e, a: _eq(a[0], a[1]),
    "not": lambda e, a: not a[0],
    "and": lambda e, a: all(a),
    "or": lambda e, a: any(a),
    "empty": lambda e, a: a[0] in (None, "", [], {}),
    "length": lambda e, a: _length(a[0]),
    "contains": lambda e, a: _contains(a[0], a[1]),
    "string": lambda e, a: a[0] if isinstance(a[0], str) else json.dumps(a[0]),
    "int": lambda e, a: int(a[0]),
    "bool": lambda e, a: str(a[0]).lower() == "true" if isinstance(a[0], str) else bool(a[0]),
    "split": lambda e, a: str(a[0]).split(str(a[1])),
    "first": lambda e, a: a[0][0] if a[0] else None,
    "last": lambda e, a: a[0][-1] if a[0] else None,
    "substring": lambda e, a: (
        str(a[0])[int(a[1]) : int(a[1]) + int(a[2])] if len(a) > 2 else str(a[0])[int(a[1]) :]
    ),
    "replace": lambda e, a: str(a[0]).replace(str(a[1]), str(a[2])),
    "startswith": lambda e, a: str(a[0]).lower().startswith(str(a[1]).lower()),
    "endswith": lambda e, a: str(a[0]).lower().endswith(str(a[1]).lower()),
    "coalesce": lambda e, a: next((x for x in a if x is not None), None),
    "requestcontext": lambda e, a: {"apiVersion": e.api_version},
    "resourcegroup": lambda e, a: (
        e.resource_group if e.resource_group is not None else _unavailable("resourceGroup")
    ),
    "subscription": lambda e, a: (
        e.subscription if e.subscription is not None else _unavailable("subscription")
    ),
}


def _unavailable(name: str) -> Any:
    raise PolicyRuleError(f"The template function '{name}' is not available for this resource.")


def call(name: str, args: list[Any], env: Env) -> Any:
    fn = FUNCTIONS.get(name.lower())
    if fn is None:
        raise PolicyRuleError(
            f"The template function '{name}' is not supported by the emulator's policy engine."
        )
    return fn(env, args)


# ---------------------------------------------------------------- fields


def is_array_alias(alias: str, env: Env) -> bool:
    return "[*]" in alias


def field_values(alias: str, env: Env) -> list[Any]:
    """Leaf values of a field: one for a plain alias (MISSING if absent), one per element for ``[*]`` aliases."""
    low = alias.lower()
    if low == "type":
        return [env.body.get("type", MISSING)]
    if low == "fullname":
        return [env.body.get("name", MISSING)]
    path = alias_path(alias, env.rtype)
    if path is None:
        # Aliases of another type (e.g. a child type in a DINE rule) have no value on this resource.
        return [MISSING] if "[*]" not in alias else []
    toks = _tokens(path)
    for scope_toks, element in reversed(env.scopes):  # inside count.where: relative to the current element
        if toks[: len(scope_toks)] == scope_toks:
            return _walk(element, toks[len(scope_toks) :])
    return _walk(env.body, toks)


# ---------------------------------------------------------------- conditions


def _norm(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v.casefold()
    return v


def _eq(a: Any, b: Any) -> bool:
    if (
        isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return bool(a == b)
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return json.dumps(a, sort_keys=True).casefold() == json.dumps(b, sort_keys=True).casefold()
    return bool(_norm(a) == _norm(b))


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return str(item).casefold() in container.casefold()
    if isinstance(container, list):
        return any(_eq(x, item) for x in container)
    if isinstance(container, dict):
        return _get_ci(container, str(item)) is not MISSING
    return False


def _like(value: Any, pattern: Any) -> bool:
    rx = "".join(".*" if ch == "*" else re.escape(ch) for ch in str(pattern))
    return re.fullmatch(rx, str(value), re.IGNORECASE | re.DOTALL) is not None


def _match(value: Any, pattern: Any, insensitive: bool) -> bool:
    parts = {"#": "[0-9]", "?": "[A-Za-z]", ".": "."}
    rx = "".join(parts.get(ch, re.escape(ch)) for ch in str(pattern))
    return re.fullmatch(rx, str(value), re.IGNORECASE if insensitive else 0) is not None


def _order(a: Any, b: Any) -> int | None:
    if isinstance(a, bool) or isinstance(b, bool):
        return None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return (a > b) - (a < b)
    if isinstance(a, str) and isinstance(b, str):
        x, y = a.casefold(), b.casefold()
        return (x > y) - (x < y)
    return None


def _truthy(v: Any) -> bool:
    return v if isinstance(v, bool) else str(v).lower() == "true"


def _compare(op: str, value: Any, target: Any) -> bool:
    """One operator on one value (MISSING = the field does not exist)."""
    missing = value is MISSING
    o = op.lower()
    if o == "exists":
        return (not missing) == _truthy(target)
    negations = {
        "notequals": "equals",
        "notin": "in",
        "notlike": "like",
        "notcontains": "contains",
        "notcontainskey": "containskey",
        "notmatch": "match",
        "notmatchinsensitively": "matchinsensitively",
    }
    if o in negations:
        return not _compare(negations[o], value, target)
    if missing:
        return False
    if o == "equals":
        return _eq(value, target)
    if o == "in":
        if not isinstance(target, list):
            raise PolicyRuleError("The 'in' condition needs an array.")
        return any(_eq(value, t) for t in target)
    if o == "like":
        return _like(value, target)
    if o == "contains":
        return _contains(value, target) if isinstance(value, (str, list)) else False
    if o == "containskey":
        return isinstance(value, dict) and _get_ci(value, str(target)) is not MISSING
    if o == "match":
        return _match(value, target, False)
    if o == "matchinsensitively":
        return _match(value, target, True)
    if o in ("greater", "greaterorequals", "less", "lessorequals"):
        c = _order(value, target)
        if c is None:
            return False
        return {"greater": c > 0, "greaterorequals": c >= 0, "less": c < 0, "lessorequals": c <= 0}[o]
    raise PolicyRuleError(f"Unsupported policy condition '{op}'.")


OPERATORS = (
    "equals", "notEquals", "in", "notIn", "like", "notLike", "contains", "notContains", "containsKey",
    "notContainsKey", "match", "notMatch", "matchInsensitively", "notMatchInsensitively", "greater",
    "greaterOrEquals", "less", "lessOrEquals", "exists",
)  # fmt: skip
_OPS_LOWER = {o.lower(): o for o in OPERATORS}


def _operator(cond: dict[str, Any]) -> tuple[str, Any]:
    found = [(k, v) for k, v in cond.items() if k.lower() in _OPS_LOWER]
    if len(found) != 1:
        raise PolicyRuleError(f"A policy condition needs exactly one operator: {json.dumps(cond)[:200]}")
    return _OPS_LOWER[found[0][0].lower()], found[0][1]


def _record(
    env: Env, kind: str, expr: str, path: str, value: Any, target: Any, op: str, result: bool
) -> None:
    env.trace.append(
        {
            "result": "True" if result else "False",
            "expressionKind": kind,
            "expression": expr,
            "path": path,
            "expressionValue": None if value is MISSING else value,
            "targetValue": target,
            "operator": op[0].upper() + op[1:],
        }
    )


def evaluate(cond: Any, env: Env) -> bool:
    """Evaluate a policy-rule condition tree against ``env.body``."""
    if not isinstance(cond, dict):
        raise PolicyRuleError("A policy condition must be an object.")
    keys = {k.lower(): k for k in cond}
    if "allof" in keys:
        return all(evaluate(c, env) for c in cond[keys["allof"]])
    if "anyof" in keys:
        return any(evaluate(c, env) for c in cond[keys["anyof"]])
    if "not" in keys:
        return not evaluate(cond[keys["not"]], env)
    op, raw_target = _operator(cond)
    target = resolve(raw_target, env)
    if "field" in keys:
        alias = str(resolve(cond[keys["field"]], env))
        vals = field_values(alias, env)
        if "[*]" in alias:
            result = all(_compare(op, v, target) for v in vals)
            shown: Any = [None if v is MISSING else v for v in vals]
        else:
            result = _compare(op, vals[0] if vals else MISSING, target)
            shown = vals[0] if vals else MISSING
        _record(env, "Field", alias, alias_path(alias, env.rtype) or alias, shown, target, op, result)
        return result
    if "value" in keys:
        value = resolve(cond[keys["value"]], env)
        result = _compare(op, value, target)
        _record(env, "Value", str(cond[keys["value"]]), "", value, target, op, result)
        return result
    if "count" in keys:
        n = count(cond[keys["count"]], env)
        result = _compare(op, n, target)
        _record(env, "Count", json.dumps(cond[keys["count"]])[:200], "", n, target, op, result)
        return result
    raise PolicyRuleError(f"A policy condition needs 'field', 'value' or 'count': {json.dumps(cond)[:200]}")


def count(spec: dict[str, Any], env: Env) -> int:
    keys = {k.lower(): k for k in spec}
    where = spec.get(keys["where"]) if "where" in keys else None
    if "field" in keys:
        alias = str(resolve(spec[keys["field"]], env))
        if not alias.endswith("[*]"):
            raise PolicyRuleError(f"A field count needs an array alias ending in [*]: '{alias}'.")
        path = alias_path(alias, env.rtype)
        if path is None:
            return 0
        elements = [e for e in field_values(alias, env) if e is not MISSING]
        if where is None:
            return len(elements)
        scope = _tokens(path)
        n = 0
        for el in elements:
            env.scopes.append((scope, el))
            try:
                n += evaluate(where, env)
            finally:
                env.scopes.pop()
        return n
    if "value" in keys:
        items = resolve(spec[keys["value"]], env)
        if not isinstance(items, list):
            raise PolicyRuleError("A value count needs an array.")
        if where is None:
            return len(items)
        name = str(spec.get(keys["name"], "")) if "name" in keys else ""
        n = 0
        for el in items:
            env.current.append((name, el))
            try:
                n += evaluate(where, env)
            finally:
                env.current.pop()
        return n
    raise PolicyRuleError("A count needs 'field' or 'value'.")


# ---------------------------------------------------------------- effects and Modify


EFFECTS = [
    "Append",
    "Audit",
    "AuditIfNotExists",
    "Deny",
    "DenyAction",
    "DeployIfNotExists",
    "Disabled",
    "Manual",
    "Modify",
]
_EFFECTS_LOWER = {e.lower(): e for e in EFFECTS}


def canonical_effect(effect: Any) -> str:
    e = _EFFECTS_LOWER.get(str(effect).lower())
    if e is None:
        raise PolicyRuleError(f"The policy effect '{effect}' is not valid.")
    return e


def effective_params(
    definition_props: dict[str, Any], assignment_params: dict[str, Any] | None
) -> dict[str, Any]:
    """Parameter values as the rule sees them: the assignment's ``{"x": {"value": v}}`` else the default."""
    out: dict[str, Any] = {}
    given = {k.lower(): v for k, v in (assignment_params or {}).items()}
    for name, spec in (definition_props.get("parameters") or {}).items():
        if name.lower() in given and isinstance(given[name.lower()], dict) and "value" in given[name.lower()]:
            out[name] = given[name.lower()]["value"]
        elif isinstance(spec, dict) and "defaultValue" in spec:
            out[name] = spec["defaultValue"]
    return out


def effect_of(definition_props: dict[str, Any], params: dict[str, Any]) -> str:
    then = _get_ci(definition_props.get("policyRule") or {}, "then")
    eff = _get_ci(then, "effect")
    return canonical_effect(resolve(eff, Env(body={}, params=params)))


def _set_path(body: dict[str, Any], toks: list[str], value: Any, only_if_absent: bool) -> None:
    cur: Any = body
    for t in toks[:-1]:
        if t == "*":
            raise PolicyRuleError("Modify operations on [*] aliases are not supported by the emulator.")
        nxt = _get_ci(cur, t)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[t] = nxt
        cur = nxt
    last = toks[-1]
    existing = next((k for k in cur if k.lower() == last.lower()), None)
    if only_if_absent and existing is not None:
        return
    cur[existing or last] = value


def _remove_path(body: dict[str, Any], toks: list[str]) -> None:
    cur: Any = body
    for t in toks[:-1]:
        cur = _get_ci(cur, t)
        if not isinstance(cur, dict):
            return
    key = next((k for k in cur if k.lower() == toks[-1].lower()), None)
    if key is not None:
        del cur[key]


def apply_modify(body: dict[str, Any], operations: list[dict[str, Any]], env: Env) -> dict[str, Any]:
    """A copy of ``body`` with Modify ``operations`` (addOrReplace / add / remove) applied."""
    out = copy.deepcopy(body)
    for op in operations:
        kind = str(_get_ci(op, "operation")).lower()
        alias = str(resolve(_get_ci(op, "field"), env))
        path = alias_path(alias, str(out.get("type", "")))
        if path is None:
            raise PolicyRuleError(f"The alias '{alias}' does not belong to type '{out.get('type')}'.")
        toks = _tokens(path)
        if kind == "remove":
            _remove_path(out, toks)
        elif kind in ("addorreplace", "add"):
            _set_path(out, toks, resolve(_get_ci(op, "value"), env), only_if_absent=kind == "add")
        else:
            raise PolicyRuleError(f"Unsupported Modify operation '{kind}'.")
    return out
