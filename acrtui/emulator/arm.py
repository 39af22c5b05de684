"""ARM mechanics shared by every emulated provider: errors, routing, ids, paging, PATCH merge, LROs.

Providers register handlers with :func:`route`; the server matches the request path case-insensitively,
checks RBAC for the route's action, then calls the handler with a :class:`Ctx`.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import random
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from .state import Principal, State


class ArmError(Exception):
    """An ARM error envelope: ``{"error": {"code", "message", "target"?, "details"?, "additionalInfo"?}}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        additional_info: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details
        self.additional_info = additional_info
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            err["target"] = self.target
        if self.details:
            err["details"] = self.details
        if self.additional_info:
            err["additionalInfo"] = self.additional_info
        return {"error": err}


def not_found(rtype: str, name: str, rg: str | None = None) -> ArmError:
    where = f" under resource group '{rg}'" if rg else ""
    return ArmError(404, "ResourceNotFound", f"The Resource '{rtype}/{name}'{where} was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")


def bad_request(code: str, message: str, target: str | None = None) -> ArmError:
    return ArmError(400, code, message, target=target)


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    """One ARM request as a handler sees it."""

    method: str
    path: str
    query: dict[str, str]  # keys lower-cased
    body: Any
    principal: Principal
    state: State
    base_url: str
    emulator: Any  # the Emulator (config, operations); typed loosely to keep providers decoupled

    @property
    def api_version(self) -> str:
        return self.query.get("api-version", "")

    def json(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise bad_request("InvalidRequestContent", "The request content was invalid and could not be deserialized.")
        return self.body


Handler = Callable[[Ctx, dict[str, str]], Awaitable[Response] | Response]


@dataclass
class Route:
    method: str
    regex: re.Pattern[str]
    handler: Handler
    action: str | None  # RBAC action override; None = derived from the path
    template: str
    rbac: bool = True  # False for tenant-level reads every signed-in caller may make


ROUTES: list[Route] = []


def _compile(template: str) -> re.Pattern[str]:
    out = "^"
    for part in re.split(r"(\{[a-zA-Z_]+\*?\})", template):
        if not part:
            continue
        if part.startswith("{"):
            name = part[1:-1]
            out += f"(?P<{name[:-1]}>.*?)" if name.endswith("*") else f"(?P<{name}>[^/]+)"
        else:
            out += re.escape(part)
    return re.compile(out + "/?$", re.IGNORECASE)


def route(method: str, template: str, *, action: str | None = None, rbac: bool = True) -> Callable[[Handler], Handler]:
    """Register a handler. ``{name}`` matches one segment, ``{scope*}`` any prefix (extension resources)."""

    def deco(fn: Handler) -> Handler:
        ROUTES.append(Route(method.upper(), _compile(template), fn, action, template, rbac))
        return fn

    return deco


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    path_found = False
    for r in ROUTES:
        m = r.regex.match(path)
        if not m:
            continue
        path_found = True
        if r.method == method or (method == "HEAD" and r.method == "GET"):
            return r, m.groupdict()
    if path_found:
        raise ArmError(405, "MethodNotAllowed", f"The requested method '{method}' is not allowed for '{path}'.")
    return None


# ---------------------------------------------------------------- ids


def rg_id(sub: str, rg: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}"


def res_id(sub: str, rg: str, rtype: str, name: str, *children: str) -> str:
    base = f"{rg_id(sub, rg)}/providers/{rtype}/{name}"
    return base + "".join(f"/{c}" for c in children)


def parse_id(rid: str) -> dict[str, str]:
    """Split an ARM id into subscription, resourceGroup, namespace, types and names (a copy: callers may change
    it; each id is split once — Resource Graph splits every row's id for every query)."""
    return dict(_parse_id(rid))


@functools.lru_cache(maxsize=1 << 16)
def _parse_id(rid: str) -> dict[str, str]:
    segs = rid.strip("/").split("/")
    out: dict[str, str] = {}
    low = [s.lower() for s in segs]
    if len(segs) >= 2 and low[0] == "subscriptions":
        out["subscription"] = segs[1]
    if len(segs) >= 4 and low[2] == "resourcegroups":
        out["resourceGroup"] = segs[3]
    if "providers" in low:
        i = len(low) - 1 - low[::-1].index("providers")
        rest = segs[i + 1 :]
        if rest:
            out["namespace"] = rest[0]
            types, names = rest[1::2], rest[2::2]
            out["type"] = rest[0] + "/" + "/".join(types)
            if names:
                out["name"] = names[-1]
    return out


def derive_action(method: str, path: str) -> tuple[str, str]:
    """The RBAC action and scope ARM would check for this request."""
    segs = path.strip("/").split("/")
    low = [s.lower() for s in segs]
    verb = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}.get(method, "action")
    head = low[:-1]  # a path ending in '/providers' lists the providers: a subscription read
    if "providers" in head:
        i = len(head) - 1 - head[::-1].index("providers")
        ns, rest = segs[i + 1], segs[i + 2 :]
        types = rest[0::2]
        scope = "/" + "/".join(segs[: i + 2 + len(rest)])
        if method == "POST":
            if len(rest) % 2 == 1:  # .../{type}/{name}/{action} or provider-level action
                scope = "/" + "/".join(segs[:-1])
            return f"{ns}/{'/'.join(types)}/action", scope
        if len(rest) % 2 == 1:  # collection
            scope = "/" + "/".join(segs[: i + 2 + len(rest) - 1])
        return f"{ns}/{'/'.join(types)}/{verb}", scope
    if len(low) >= 3 and low[2] == "resourcegroups":
        return f"Microsoft.Resources/subscriptions/resourceGroups/{verb}", "/" + "/".join(segs[:4] if len(segs) >= 4 else segs)
    return f"Microsoft.Resources/subscriptions/{verb}", "/" + "/".join(segs[:2])


# ---------------------------------------------------------------- bodies


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch, as ARM applies PATCH bodies (null removes)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


def get_ci(d: dict[str, Any] | None, key: str, default: Any = None) -> Any:
    """Case-insensitive dict lookup: ARM accepts property names in any case."""
    if not isinstance(d, dict):
        return default
    if key in d:
        return d[key]
    kl = key.lower()
    for k, v in d.items():
        if k.lower() == kl:
            return v
    return default


_guid_rng: random.Random | None = None


def new_guid() -> str:
    """A fresh GUID; deterministic while a seed is being built (see :func:`deterministic_guids`)."""
    if _guid_rng is not None:
        return str(uuid.UUID(int=_guid_rng.getrandbits(128), version=4))
    return str(uuid.uuid4())


@contextlib.contextmanager
def deterministic_guids(seed: str) -> Iterator[None]:
    global _guid_rng
    old, _guid_rng = _guid_rng, random.Random(seed)
    try:
        yield
    finally:
        _guid_rng = old


def system_data(state: State, who: Principal | None, old: dict[str, Any] | None = None) -> dict[str, Any]:
    """ARM's ``systemData``: creation fields kept from ``old``, modification fields from this request
    (``who`` None = the seed)."""
    now = state.now_iso()
    by = who.client_id if who else "acrtui-seed"
    kind = "ManagedIdentity" if who is not None and who.kind == "ManagedIdentity" else "Application"
    first = old or {}
    return {
        "createdBy": first.get("createdBy", by),
        "createdByType": first.get("createdByType", kind),
        "createdAt": first.get("createdAt", now),
        "lastModifiedBy": by,
        "lastModifiedByType": kind,
        "lastModifiedAt": now,
    }


# ---------------------------------------------------------------- paging


def page(ctx: Ctx, items: list[Any], render: Callable[[Any], dict[str, Any]] | None = None) -> Response:
    """A list response with ``nextLink`` paging (page size from the emulator config). With ``render``, ``items``
    are rendered only for the page served (a subscription's 500 registries were each rendered for every page)."""
    size = max(1, int(ctx.emulator.config.page_size))
    try:
        start = int(ctx.query.get("$skiptoken", "0") or 0)
    except ValueError as exc:
        raise bad_request("InvalidSkipToken", "The $skiptoken is not valid.") from exc
    chunk = items[start : start + size]
    if render is not None:
        chunk = [render(i) for i in chunk]
    body: dict[str, Any] = {"value": chunk}
    if start + size < len(items):
        q = {k: v for k, v in ctx.query.items() if k != "$skiptoken"}
        q["$skiptoken"] = str(start + size)
        body["nextLink"] = f"{ctx.base_url}{ctx.path}?{urlencode(q)}"
    return Response(200, body)


# ---------------------------------------------------------------- long-running operations


@dataclass
class Operation:
    id: str
    resource_id: str
    status_url: str
    due: float
    on_complete: Callable[[], None] | None = None
    status: str = "InProgress"
    error: dict[str, Any] | None = None
    start_time: str = ""
    end_time: str | None = None
    fail: bool = False


def lro(
    ctx: Ctx,
    status: int,
    body: Any,
    resource_id: str,
    on_complete: Callable[[], None] | None = None,
    *,
    location_header: bool = False,
) -> Response:
    """Answer with ``Azure-AsyncOperation`` (and ``retry-after-ms``); the operation finishes after the set duration.

    ``on_complete`` runs when it finishes; an :class:`ArmError` raised there fails the operation, as when Azure
    accepts a request and rejects it asynchronously.
    """
    emu = ctx.emulator
    op_id = new_guid()
    info = parse_id(resource_id)
    sub = info.get("subscription", "00000000-0000-0000-0000-000000000000")
    ns = info.get("namespace", "Microsoft.Resources")
    url = f"{ctx.base_url}/subscriptions/{sub}/providers/{ns}/locations/global/operationStatuses/{op_id}?api-version={ctx.api_version}"
    op = Operation(
        id=op_id,
        resource_id=resource_id,
        status_url=url,
        due=emu.clock() + float(emu.config.lro_duration_s),
        on_complete=on_complete,
        start_time=ctx.state.now_iso(),
        fail=emu.faults.lro_should_fail(ctx.method, ctx.path),
    )
    emu.operations[op_id] = op
    headers = {"Azure-AsyncOperation": url, "retry-after-ms": str(emu.config.retry_after_ms)}
    if location_header:
        headers["Location"] = url.replace("operationStatuses", "operationResults")
    return Response(status, body, headers)


def settle(emulator: Any) -> None:
    """Finish every long-running operation whose time has come (``emulator`` has operations, state, clock)."""
    now = emulator.clock()
    for op in list(emulator.operations.values()):
        if op.status != "InProgress" or op.due > now:
            continue
        if op.fail:
            op.status = "Failed"
            op.error = {"code": "InternalServerError", "message": "The operation failed (injected fault)."}
        else:
            try:
                if op.on_complete is not None:
                    op.on_complete()
                op.status = "Succeeded"
            except ArmError as e:
                op.status = "Failed"
                op.error = e.body()["error"]
        op.end_time = emulator.state.now_iso()
        res = emulator.state.get(op.resource_id)
        if res is not None and isinstance(res.body.get("properties"), dict) and "provisioningState" in res.props:
            res.props["provisioningState"] = op.status
