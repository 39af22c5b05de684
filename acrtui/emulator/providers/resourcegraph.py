"""Microsoft.ResourceGraph ``POST /providers/Microsoft.ResourceGraph/resources`` (api 2021-03-01) over a KQL subset.

Grammar (keywords case-insensitive; column and property names case-sensitive, as in Kusto)::

    query     := table ( '|' operator )*
    table     := 'resources' | 'policyresources' | 'securityresources'   (any casing, e.g. Resources; the last is
                                                              served by providers/security.py: Defender's assessments)
    operator  := 'where' expr
               | 'project' column (',' column)*               column := name '=' expr | path
               | 'extend' name '=' expr (',' name '=' expr)*
               | ('order' | 'sort') 'by' sortkey (',' sortkey)*   sortkey := expr ['asc' | 'desc']  (default desc)
               | ('limit' | 'take') integer
               | 'count'                                      one row {Count: n}
    expr      := and ('or' and)*
    and       := compare ('and' compare)*
    compare   := term [ cmpop term | setop '(' term (',' term)* ')' ]
    cmpop     := '==' | '!=' | '=~' | '!~' | '<' | '<=' | '>' | '>='
               | ['!'] ('contains' | 'contains_cs' | 'has' | 'has_cs' | 'startswith' | 'endswith')
    setop     := 'in' | 'in~' | '!in' | '!in~'
    term      := literal | path | func '(' [expr (',' expr)*] ')' | '(' expr ')' | 'not' '(' expr ')'
    func      := isnotempty | isempty | isnull | isnotnull | tolower | toupper | tostring | array_length
    path      := column ( '.' name | '[' integer | string ']' )*
    literal   := 'string' | "string" | integer | real | true | false

``project properties.x`` names its column ``properties_x`` (Kusto's rule). Rows carry the ARM body fields
(``id, name, type, tenantId, kind, location, resourceGroup, subscriptionId, managedBy, sku, plan, properties,
tags, identity, zones, extendedLocation``) with ``type`` and ``resourceGroup`` lower-cased. Anything outside the
grammar (other tables, ``summarize``, ``join``, ``mv-expand``, ``project-away``, unnamed computed columns,
facets, management-group scopes) is refused with 400 ``BadRequest`` whose details carry ``InvalidQuery`` and a
message naming the unsupported part — never a wrong answer.

``policyresources`` holds the policy assignments (``microsoft.authorization/policyassignments``) at subscription,
resource-group and resource scope, with the same columns (Learn, "Azure Resource Graph table and resource type
reference": PolicyResources; the query form ``PolicyResources | where type == 'microsoft.authorization/
policyassignments'`` is Learn's "Resource Graph sample queries for Azure Policy"). Its other types (definitions,
exemptions, policy states) are not served: a query for them returns no rows.

Scope: the ``subscriptions`` in the request (or, when absent, every subscription the caller sees); a row is
returned only when the caller may read that resource (RBAC per resource, so a Reader sees what it can read and
nothing else). Paging: ``options.$top`` (default 100, 1..1000), ``$skip``, ``$skipToken`` (opaque, bound to the
query); ``resultFormat`` ``objectArray`` (default) or ``table``. ``$skipToken`` comes back while rows remain and
the result has an ``id`` column; without ``id`` the answer is cut at ``$top`` with ``resultTruncated: "true"``.

Limits (Learn, azure/governance/resource-graph/concepts/guidance-for-throttled-requests and troubleshoot/general):
- Every answer carries ``x-ms-user-quota-remaining`` (queries left in the window) and
  ``x-ms-user-quota-resets-after`` (``hh:mm:ss``). The quota is per user (principal) and window: "a user can send
  at most 15 queries within every 5-second window" (``EmulatorConfig.graph_quota`` / ``graph_window_s``); past it
  (when throttling is on) the answer is 429 with both headers at their values.
- At most :data:`MAX_SUBSCRIPTIONS` subscriptions per request ("The REST API for Azure Resource Graph accepts a
  maximum number of subscriptions to perform the query on"; the CLI forwards the first 1,000): more is 400.

Unconfirmed in public sources, and what the emulator chose:
- The 429 body's code (``RateLimiting``) and message, and that it carries no ``Retry-After``; the 400 for too many
  subscriptions (``BadRequest`` with an ``InvalidQuery``-style detail ``TooManySubscriptions``).
- Which child types appear in the ``resources`` table, beyond what Learn's table reference lists: tracked
  resources (with ``location``) that are not extension resources and not in Microsoft.Resources/Microsoft.Authorization
  (so VNets, registries, replications, private endpoints, NICs, DNS zones and their VNet links appear; subnets,
  record sets — Learn puts those in ``dnsresources``, not served — and zone groups do not). For
  Microsoft.ContainerRegistry the reference's list is applied exactly (:data:`ACR_TYPES`: registries, replications,
  webhooks, tasks…; no tokens, scope maps, cache rules, credential sets, connected registries).
- A missing property compares as the empty string for string operators (``properties.x != 'a'`` is true when x
  is absent); ``isnull`` is true only for a missing or null value.
- Subscriptions named in the request that the caller cannot read contribute no rows (no error).
- Unsorted results come in id order, so paging is stable.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import rbac
from ..arm import ArmError, Ctx, Response, get_ci, parse_id, route
from ..state import Resource, State

DEFAULT_TOP = 100
MAX_TOP = 1000
MAX_SUBSCRIPTIONS = 1000
ASSIGNMENT_TYPE = "microsoft.authorization/policyassignments"
COLUMNS = ("id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId", "managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation")
HIDDEN_NAMESPACES = ("microsoft.resources", "microsoft.authorization")
# Learn, "Azure Resource Graph table and resource type reference", table ``resources``: the Microsoft.ContainerRegistry
# types it lists. Tokens, scope maps, cache rules, credential sets and connected registries are not among them.
ACR_TYPES = frozenset(f"microsoft.containerregistry/{t}" for t in (
    "registries", "registries/agentpools", "registries/buildtasks", "registries/replications",
    "registries/taskruns", "registries/tasks", "registries/webhooks"))


class QueryError(Exception):
    pass


def _invalid(reason: str) -> ArmError:
    return ArmError(
        400,
        "BadRequest",
        f"Query is invalid: {reason}",
        details=[
            {"code": "InvalidQuery", "message": "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying."},
            {"code": "UnsupportedQuery", "message": reason},
        ],
    )


# ---------------------------------------------------------------- tokens

TOKEN_RX = re.compile(
    r"""\s+
    |(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<num>\d+(?:\.\d+)?)
    |(?P<op>==|!=|=~|!~|<=|>=|[|(),=\[\].<>])
    |(?P<word>!?[A-Za-z_][A-Za-z0-9_\-]*~?)
    """,
    re.X,
)


@dataclass
class Tok:
    kind: str  # str | num | op | word
    text: str


def tokenize(q: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(q):
        m = TOKEN_RX.match(q, pos)
        if m is None or m.end() == pos:
            raise QueryError(f"unexpected character {q[pos]!r} at position {pos}")
        pos = m.end()
        kind = m.lastgroup
        if kind is None:
            continue
        text = m.group(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        out.append(Tok(kind, text))
    return out


# ---------------------------------------------------------------- expressions

Row = dict[str, Any]
Expr = Callable[[Row], Any]

STRING_OPS = {"contains", "contains_cs", "has", "has_cs", "startswith", "endswith"}
SET_OPS = {"in", "in~", "!in", "!in~"}
FUNCS = {"isnotempty", "isempty", "isnull", "isnotnull", "tolower", "toupper", "tostring", "array_length"}


def _s(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict | list):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def _eq(a: Any, b: Any, ci: bool) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else _s(a).lower() == _s(b).lower()
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return _s(a).lower() == _s(b).lower() if ci else _s(a) == _s(b)


def _has(value: str, term: str, cs: bool) -> bool:
    flags = 0 if cs else re.IGNORECASE
    return re.search(r"(?<![A-Za-z0-9])" + re.escape(term) + r"(?![A-Za-z0-9])", value, flags) is not None


def _compare(op: str, a: Any, b: Any) -> bool:
    neg = op.startswith("!") and op not in ("!=", "!~")
    base = op[1:] if neg else op
    result: bool
    if base == "==":
        result = _eq(a, b, False)
    elif base == "!=":
        result = not _eq(a, b, False)
    elif base == "=~":
        result = _eq(a, b, True)
    elif base == "!~":
        result = not _eq(a, b, True)
    elif base in ("<", "<=", ">", ">="):
        if not (isinstance(a, int | float) and isinstance(b, int | float)) or isinstance(a, bool) or isinstance(b, bool):
            return False
        result = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[base]
    elif base == "contains":
        result = _s(b).lower() in _s(a).lower()
    elif base == "contains_cs":
        result = _s(b) in _s(a)
    elif base == "has":
        result = _has(_s(a), _s(b), False)
    elif base == "has_cs":
        result = _has(_s(a), _s(b), True)
    elif base == "startswith":
        result = _s(a).lower().startswith(_s(b).lower())
    elif base == "endswith":
        result = _s(a).lower().endswith(_s(b).lower())
    else:  # pragma: no cover - the parser only produces the operators above
        raise QueryError(f"operator {op!r} is not supported")
    return not result if neg else result


def _call(fn: str, args: list[Any]) -> Any:
    if len(args) != 1:
        raise QueryError(f"function {fn}() takes one argument")
    v = args[0]
    if fn == "isnull":
        return v is None
    if fn == "isnotnull":
        return v is not None
    if fn == "isempty":
        return v is None or v == "" or v == [] or v == {}
    if fn == "isnotempty":
        return not (v is None or v == "" or v == [] or v == {})
    if fn == "tolower":
        return _s(v).lower()
    if fn == "toupper":
        return _s(v).upper()
    if fn == "tostring":
        return _s(v)
    if fn == "array_length":
        return len(v) if isinstance(v, list) else None
    raise QueryError(f"function {fn}() is not supported")


class Parser:
    def __init__(self, toks: list[Tok], columns: set[str]) -> None:
        self.toks = toks
        self.i = 0
        self.columns = columns  # names a path may start with (grows with extend/project)

    # -- token helpers
    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def word(self, *words: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "word" and t.text.lower() in words

    def op(self, *ops: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "op" and t.text in ops

    def take(self) -> Tok:
        t = self.peek()
        if t is None:
            raise QueryError("the query ends unexpectedly")
        self.i += 1
        return t

    def expect_op(self, o: str) -> None:
        t = self.take()
        if t.kind != "op" or t.text != o:
            raise QueryError(f"expected {o!r} but found {t.text!r}")

    def at_end_of_operator(self) -> bool:
        return self.peek() is None or self.op("|")

    # -- expressions
    def expr(self) -> Expr:
        left = self.and_()
        while self.word("or"):
            self.take()
            right = self.and_()
            left = (lambda lft, rgt: lambda r: _truth(lft(r)) or _truth(rgt(r)))(left, right)
        return left

    def and_(self) -> Expr:
        left = self.compare()
        while self.word("and"):
            self.take()
            right = self.compare()
            left = (lambda lft, rgt: lambda r: _truth(lft(r)) and _truth(rgt(r)))(left, right)
        return left

    def compare(self) -> Expr:
        left = self.term()
        t = self.peek()
        if t is None:
            return left
        if t.kind == "op" and t.text in ("==", "!=", "=~", "!~", "<", "<=", ">", ">="):
            self.take()
            right = self.term()
            return (lambda o, lft, rgt: lambda r: _compare(o, lft(r), rgt(r)))(t.text, left, right)
        if t.kind == "word":
            w = t.text.lower()
            base = w[1:] if w.startswith("!") else w
            if base in STRING_OPS:
                self.take()
                right = self.term()
                return (lambda o, lft, rgt: lambda r: _compare(o, lft(r), rgt(r)))(w, left, right)
            if w in SET_OPS:
                self.take()
                self.expect_op("(")
                items = [self.term()]
                while self.op(","):
                    self.take()
                    items.append(self.term())
                self.expect_op(")")
                ci, neg = w.endswith("~"), w.startswith("!")

                def member(r: Row, lft: Expr = left, its: list[Expr] = items, ci: bool = ci, neg: bool = neg) -> bool:
                    v = lft(r)
                    found = any(_eq(v, it(r), ci) for it in its)
                    return not found if neg else found

                return member
            if w.startswith("!") or w in ("matches", "between", "has_any", "has_all", "contains_any"):
                raise QueryError(f"operator '{t.text}' is not supported by the emulator")
        return left

    def term(self) -> Expr:
        t = self.take()
        if t.kind == "str":
            return (lambda v: lambda r: v)(t.text)
        if t.kind == "num":
            n: float | int = float(t.text) if "." in t.text else int(t.text)
            return (lambda v: lambda r: v)(n)
        if t.kind == "op" and t.text == "(":
            e = self.expr()
            self.expect_op(")")
            return e
        if t.kind != "word":
            raise QueryError(f"unexpected {t.text!r}")
        w = t.text.lower()
        if w in ("true", "false"):
            return (lambda v: lambda r: v)(w == "true")
        if w == "not" and self.op("("):
            self.take()
            e = self.expr()
            self.expect_op(")")
            return (lambda inner: lambda r: not _truth(inner(r)))(e)
        if self.op("("):
            if w not in FUNCS:
                raise QueryError(f"function '{t.text}()' is not supported by the emulator")
            self.take()
            args: list[Expr] = []
            if not self.op(")"):
                args.append(self.expr())
                while self.op(","):
                    self.take()
                    args.append(self.expr())
            self.expect_op(")")
            return (lambda fn, a: lambda r: _call(fn, [x(r) for x in a]))(w, args)
        return self.path_from(t.text)

    def path_from(self, first: str) -> Expr:
        if first not in self.columns:
            raise QueryError(f"Failed to resolve scalar expression named '{first}'")
        steps: list[str | int] = [first]
        while True:
            if self.op("."):
                self.take()
                nxt = self.take()
                if nxt.kind != "word":
                    raise QueryError(f"expected a property name after '.' but found {nxt.text!r}")
                steps.append(nxt.text)
            elif self.op("["):
                self.take()
                key = self.take()
                self.expect_op("]")
                steps.append(int(key.text) if key.kind == "num" else key.text)
            else:
                break
        return _path_getter(steps)

    def path_name(self) -> tuple[str, Expr]:
        """A bare path in ``project``: its column name joins the steps with '_' (Kusto's naming)."""
        start = self.i
        t = self.take()
        if t.kind != "word":
            raise QueryError(f"expected a column but found {t.text!r}")
        getter = self.path_from(t.text)
        parts = [tok.text for tok in self.toks[start : self.i] if tok.kind in ("word", "str", "num")]
        return "_".join(parts), getter


def _truth(v: Any) -> bool:
    if not isinstance(v, bool):
        raise QueryError("a 'where' predicate must be a boolean expression")
    return v


def _path_getter(steps: list[str | int]) -> Expr:
    def get(r: Row) -> Any:
        cur: Any = r
        for s in steps:
            if isinstance(s, int):
                cur = cur[s] if isinstance(cur, list) and -len(cur) <= s < len(cur) else None
            else:
                cur = cur.get(s) if isinstance(cur, dict) else None
            if cur is None:
                return None
        return cur

    return get


# ---------------------------------------------------------------- pipeline


def query_table(query: str) -> str:
    """The (lower-cased) table the query reads; a table the emulator does not serve is refused."""
    toks = tokenize(query)
    if not toks or toks[0].kind != "word":
        raise QueryError("the query must start with a table name")
    table = toks[0].text
    if table.lower() not in TABLES:
        raise QueryError(f"table '{table}' is not supported by the emulator (only {', '.join(sorted(TABLES))})")
    return table.lower()


def run_query(query: str, rows: list[Row]) -> tuple[list[Row], list[str]]:
    """Run the query over ``rows`` (the rows of its table); returns the result rows and their column names."""
    query_table(query)
    toks = tokenize(query)
    columns = list(COLUMNS)
    rows = sorted(rows, key=lambda r: str(r.get("id", "")).lower())
    p = Parser(toks, set(columns))
    p.i = 1
    while p.peek() is not None:
        p.expect_op("|")
        t = p.take()
        if t.kind != "word":
            raise QueryError(f"expected an operator after '|' but found {t.text!r}")
        name = t.text.lower()
        if name == "where":
            pred = p.expr()
            rows = [r for r in rows if _truth(pred(r))]
        elif name in ("project", "extend"):
            cols = _columns(p, allow_bare=name == "project")
            if name == "project":
                rows = [{c: g(r) for c, g in cols} for r in rows]
                columns = [c for c, _ in cols]
            else:
                rows = [{**r, **{c: g(r) for c, g in cols}} for r in rows]
                columns += [c for c, _ in cols if c not in columns]
            p.columns = set(columns)
        elif name in ("order", "sort"):
            if not p.word("by"):
                raise QueryError(f"expected 'by' after '{t.text}'")
            p.take()
            keys: list[tuple[Expr, bool]] = []
            while True:
                e = p.expr()
                desc = True
                if p.word("asc", "desc"):
                    desc = p.take().text.lower() == "desc"
                if p.word("nulls"):
                    raise QueryError("'nulls first|last' is not supported by the emulator")
                keys.append((e, desc))
                if not p.op(","):
                    break
                p.take()
            for e, desc in reversed(keys):
                rows = _sort(rows, e, desc)
        elif name in ("limit", "take"):
            n = p.take()
            if n.kind != "num" or "." in n.text:
                raise QueryError(f"'{t.text}' needs an integer")
            rows = rows[: int(n.text)]
        elif name == "count":
            rows, columns = [{"Count": len(rows)}], ["Count"]
        else:
            raise QueryError(f"operator '{t.text}' is not supported by the emulator")
        if not p.at_end_of_operator():
            raise QueryError(f"unexpected {p.peek().text!r} in '{t.text}'")  # type: ignore[union-attr]
    return rows, columns


def _columns(p: Parser, allow_bare: bool) -> list[tuple[str, Expr]]:
    cols: list[tuple[str, Expr]] = []
    while True:
        t0, t1 = p.peek(), p.peek(1)
        if t0 is not None and t0.kind == "word" and t1 is not None and t1.kind == "op" and t1.text == "=":
            p.take()
            p.take()
            cols.append((t0.text, p.expr()))
        elif t1 is not None and t1.kind == "op" and t1.text == "(":
            raise QueryError("computed columns need a name ('name = expression')")
        elif allow_bare:
            start = p.i
            name, getter = p.path_name()
            if not (p.at_end_of_operator() or p.op(",")):
                p.i = start
                raise QueryError("computed columns need a name ('name = expression')")
            cols.append((name, getter))
        else:
            raise QueryError("'extend' needs 'name = expression'")
        if not p.op(","):
            return cols
        p.take()


def _sort(rows: list[Row], key: Expr, desc: bool) -> list[Row]:
    """Kusto order: nulls last when descending, first when ascending; strings compare ordinally."""
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]

    def k(r: Row) -> tuple[int, Any]:
        v = key(r)
        return (0, v) if isinstance(v, int | float) and not isinstance(v, bool) else (1, _s(v))

    present.sort(key=k, reverse=desc)
    return present + missing if desc else missing + present


# ---------------------------------------------------------------- rows


def in_table(r: Resource) -> bool:
    rid = r.id.lower()
    if not rid.startswith("/subscriptions/") or rid.count("/providers/") != 1 or "location" not in r.body:
        return False
    info = parse_id(r.id)
    ns = info.get("namespace", "").lower()
    if ns == "microsoft.containerregistry" and r.type.lower() not in ACR_TYPES:
        return False  # the page names the namespace's types: only those
    return "resourceGroup" in info and ns not in HIDDEN_NAMESPACES


def to_row(state: State, r: Resource) -> Row:
    info = parse_id(r.id)
    b = r.body
    return {
        "id": b.get("id", r.id),
        "name": b.get("name"),
        "type": str(b.get("type", "")).lower(),
        "tenantId": state.tenant_id,
        "kind": b.get("kind", ""),
        "location": b.get("location"),
        "resourceGroup": info.get("resourceGroup", "").lower(),
        "subscriptionId": info.get("subscription", ""),
        "managedBy": b.get("managedBy", ""),
        "sku": b.get("sku"),
        "plan": b.get("plan"),
        "properties": b.get("properties"),
        "tags": b.get("tags") or {},
        "identity": b.get("identity"),
        "zones": b.get("zones"),
        "extendedLocation": b.get("extendedLocation"),
    }


def in_policy_table(r: Resource) -> bool:
    return r.type.lower() == ASSIGNMENT_TYPE and r.id.lower().startswith("/subscriptions/")


def leading_types(query: str) -> set[str] | None:
    """The types a query's first operator confines it to — ``T | where type =~ 'x'`` or ``where type in~ ('x',
    'y')`` (``==`` / ``in`` too), nothing else in that ``where`` — lower-cased; None when it has no such operator.
    Only narrows which resources become rows (a superset of what the predicate keeps: it still runs)."""
    toks = tokenize(query)
    if len(toks) < 6 or [t.text.lower() for t in toks[1:4]] != ["|", "where", "type"]:
        return None
    op, i = toks[4].text.lower(), 5
    found: set[str] = set()
    if op in ("=~", "==") and toks[5].kind == "str":
        found.add(toks[5].text.lower())
        i = 6
    elif op in ("in~", "in") and toks[5].text == "(":
        i = 6
        while i + 1 < len(toks) and toks[i].kind == "str" and toks[i + 1].text in (",", ")"):
            found.add(toks[i].text.lower())
            i += 2
            if toks[i - 1].text == ")":
                break
        else:
            return None
    else:
        return None
    return found if i == len(toks) or toks[i].text == "|" else None


def visible_rows(ctx: Ctx, subscriptions: list[str] | None, table: str = "resources",
                 types: set[str] | None = None) -> list[Row]:
    oid = ctx.principal.object_id
    subs = {s.lower() for s in subscriptions} if subscriptions else {s.lower() for s in ctx.state.subscriptions}
    member = in_policy_table if table == "policyresources" else in_table
    may = rbac.checker(ctx.state, oid)
    out = []
    candidates = (ctx.state.resources.values() if types is None else
                  [r for t in sorted(types) for r in ctx.state.of_type(t)])
    for r in candidates:
        if not member(r):
            continue
        if parse_id(r.id).get("subscription", "").lower() not in subs:
            continue
        if may(f"{r.type}/read", r.id):
            out.append(to_row(ctx.state, r))
    return out


def _security_rows(ctx: Ctx, subscriptions: list[str] | None, types: set[str] | None = None) -> list[Row]:
    from .security import security_rows

    return security_rows(ctx, subscriptions)


# table name (lower) -> the rows a caller may see in the chosen subscriptions (of the types, when the query's first
# operator confines them: see leading_types)
TABLES: dict[str, Callable[[Ctx, list[str] | None, set[str] | None], list[Row]]] = {
    "resources": lambda ctx, subs, types: visible_rows(ctx, subs, "resources", types),
    "policyresources": lambda ctx, subs, types: visible_rows(ctx, subs, "policyresources", types),
    "securityresources": _security_rows,
}


# ---------------------------------------------------------------- paging tokens


def _fingerprint(query: str, subs: list[str] | None) -> str:
    return hashlib.sha256(json.dumps([query, sorted(s.lower() for s in subs or [])]).encode()).hexdigest()[:16]


def _token(offset: int, fp: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": fp}).encode()).decode()


def _offset(token: str, fp: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["q"] != fp:
            raise ValueError("token from another query")
        return int(data["o"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ArmError(400, "BadRequest", "The $skipToken is invalid for this query.", details=[{"code": "InvalidSkipToken", "message": str(exc)}]) from exc


def _col_type(values: list[Any]) -> str:
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            return "boolean"
        if isinstance(v, int):
            return "integer"
        if isinstance(v, float):
            return "real"
        if isinstance(v, dict | list):
            return "object"
        return "string"
    return "string"


class Quota:
    """Resource Graph's per-user quota: ``limit`` queries per fixed ``window`` seconds (module docstring)."""

    def __init__(self) -> None:
        self.windows: dict[str, tuple[float, int]] = {}  # principal -> (window start, queries in it)

    def take(self, principal: str, limit: int, window: float, enforce: bool) -> tuple[bool, int, float]:
        """(allowed, remaining, seconds until the window resets)."""
        now = time.monotonic()
        start, used = self.windows.get(principal, (now, 0))
        if now - start >= window:
            start, used = now, 0
        resets = max(0.0, window - (now - start))
        if enforce and used >= limit:
            return False, 0, resets
        used += 1
        self.windows[principal] = (start, used)
        return True, max(0, limit - used), resets


_QUOTAS: weakref.WeakKeyDictionary[Any, Quota] = weakref.WeakKeyDictionary()

# A query's result, kept for its $skipToken pages: (principal, query fingerprint) → (rows, columns, when). The first
# page always runs the query; each later page of it within RESULT_TTL_S reads the same result rather than running
# it again over the whole table (at fleet scale each of a listing's pages re-scanned every resource). Unconfirmed:
# Azure documents neither way whether a skip token pages a snapshot; its index lags writes anyway, and a page read
# after the window runs the query again.
RESULT_TTL_S = 60.0
RESULTS_KEPT = 16
_RESULTS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], tuple[list[Row], list[str], float]]] = (
    weakref.WeakKeyDictionary())


def _resets_after(seconds: float) -> str:
    whole = int(seconds)
    frac = seconds - whole
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}" + (f"{frac:.3f}"[1:] if frac else "")


def _quota_headers(ctx: Ctx) -> tuple[bool, dict[str, str]]:
    cfg = ctx.emulator.config
    quota = _QUOTAS.setdefault(ctx.emulator, Quota())
    ok, remaining, resets = quota.take(ctx.principal.object_id.lower(), cfg.graph_quota, cfg.graph_window_s,
                                       cfg.throttle)
    return ok, {"x-ms-user-quota-remaining": str(remaining), "x-ms-user-quota-resets-after": _resets_after(resets)}


@route("POST", "/providers/Microsoft.ResourceGraph/resources", rbac=False)
def resources(ctx: Ctx, p: dict[str, str]) -> Response:
    """Allowed for any signed-in caller (Readers included): rows are filtered by the caller's read access.
    Every answer carries the quota headers; past the quota, 429 (module docstring: Limits)."""
    ok, headers = _quota_headers(ctx)
    if not ok:
        raise ArmError(429, "RateLimiting", "Please provide below info when asking for support: timestamp = "
                       f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}. The request was throttled: the "
                       "user's Resource Graph quota is spent until it resets.", headers=headers)
    try:
        resp = _resources(ctx)
    except ArmError as e:
        e.headers.update(headers)
        raise
    resp.headers.update(headers)
    return resp


def _resources(ctx: Ctx) -> Response:
    body = ctx.json()
    query = get_ci(body, "query")
    if not isinstance(query, str) or not query.strip():
        raise _invalid("the request has no query")
    if get_ci(body, "managementGroups"):
        raise _invalid("management group scopes are not supported by the emulator; name subscriptions")
    if get_ci(body, "facets"):
        raise _invalid("facets are not supported by the emulator")
    subs = get_ci(body, "subscriptions")
    if isinstance(subs, list) and len(subs) > MAX_SUBSCRIPTIONS:
        raise ArmError(400, "BadRequest", f"The request names {len(subs)} subscriptions; at most {MAX_SUBSCRIPTIONS} "
                       "may be queried at once. Batch the subscriptions.",
                       details=[{"code": "TooManySubscriptions", "message": f"At most {MAX_SUBSCRIPTIONS} subscriptions."}])
    opts = get_ci(body, "options") or {}
    top = get_ci(opts, "$top")
    top = DEFAULT_TOP if top is None else int(top)
    if not 1 <= top <= MAX_TOP:
        raise ArmError(400, "BadRequest", f"The $top value {top} is out of range; it must be between 1 and {MAX_TOP}.", details=[{"code": "InvalidQuery", "message": "Invalid $top."}])
    skip = int(get_ci(opts, "$skip") or 0)
    fmt = str(get_ci(opts, "resultFormat") or "objectArray")
    if fmt.lower() not in ("objectarray", "table"):
        raise ArmError(400, "BadRequest", f"Result format '{fmt}' is not supported.", details=[{"code": "InvalidQuery", "message": "Invalid resultFormat."}])
    fp = _fingerprint(query, subs)
    token = get_ci(opts, "$skipToken")
    start = _offset(str(token), fp) if token else skip
    results = _RESULTS.setdefault(ctx.emulator, {})
    key = (ctx.principal.object_id.lower(), fp)
    kept = results.get(key) if token else None
    if kept is not None and time.monotonic() - kept[2] < RESULT_TTL_S:
        rows, columns = kept[0], kept[1]
    else:
        try:
            rows, columns = run_query(query, TABLES[query_table(query)](ctx, subs, leading_types(query)))
        except QueryError as e:
            raise _invalid(str(e)) from e
        results.pop(key, None)
        results[key] = (rows, columns, time.monotonic())
        while len(results) > RESULTS_KEPT:
            results.pop(next(iter(results)))
    chunk = rows[start : start + top]
    more = start + top < len(rows)
    out: dict[str, Any] = {"totalRecords": len(rows), "count": len(chunk), "resultTruncated": "false", "facets": []}
    if more and "id" in columns:
        out["$skipToken"] = _token(start + top, fp)
    elif more:
        out["resultTruncated"] = "true"
    if fmt.lower() == "table":
        out["data"] = {
            "columns": [{"name": c, "type": _col_type([r.get(c) for r in chunk])} for c in columns],
            "rows": [[r.get(c) for c in columns] for r in chunk],
        }
    else:
        out["data"] = [{c: r.get(c) for c in columns} for r in chunk]
    return Response(200, out)
