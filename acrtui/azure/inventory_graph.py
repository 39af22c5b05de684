"""The Resource Graph inventory path (fleet scale), and how ``--inventory auto`` picks between it and ARM.

One KQL query lists everything Resource Graph indexes that the inventory needs — registries, replications, private
endpoints (their connections are in their properties), NICs, private DNS zones and their VNet links, vaults,
registry webhooks (the only registry child type besides replications in the ``resources`` table that the audit
reads: :mod:`.registry_details`) — and
one ``policyresources`` query the policy assignments. Both are paged at 1,000 rows (``$top``/``$skipToken``,
``resultFormat=objectArray``) and batched over at most 1,000 subscriptions per request, and every request is paced
by Resource Graph's own quota headers. What Graph does not index (DNS zone groups, record sets, keys and their
versions, diagnostic settings, role assignments on vaults, policy definitions and compliance states) is read
through ARM by the shared steps in :mod:`.inventory`, exactly as on the ARM path; both hand the same ARM JSON to
the same converters, so the two paths produce the same estate (tests/azure/test_inventory.py,
tests/azure/test_inventory_graph.py). Graph rows carry a resource's ARM ``properties``, so a vault row is read as the
vault (its access policies, RBAC flag, network ACLs) without a GET per vault; a row without properties is read
through ARM as on the ARM path.

Graph's limits, from Learn (learn.microsoft.com/azure/governance/resource-graph/…):
- "concepts/guidance-for-throttled-requests": a quota per user per time window (e.g. 15 queries every 5 seconds);
  every response carries ``x-ms-user-quota-remaining`` (queries left) and ``x-ms-user-quota-resets-after``
  (``hh:mm:ss`` until the window resets); it recommends grouping queries and waiting for the reset rather than
  retrying into a 429. So: one query for all resource types, and no request is sent while the quota is spent.
- "troubleshoot/general", *too many subscriptions*: the REST API accepts a limited number of subscriptions per
  request and the CLI and PowerShell forward only the first 1,000; the fix is batching (:data:`MAX_SUBSCRIPTIONS`).
- "concepts/work-with-data": ``$top`` is at most 1,000; ``$skipToken`` pages on.

``auto`` (the default): Resource Graph when the scope holds more than :data:`AUTO_SUBSCRIPTIONS` subscriptions
(known without a request), otherwise when one Graph ``count`` query finds more than :data:`AUTO_REGISTRIES`
registries — below that ARM's per-subscription lists are just as fast and need no Graph quota. When Graph is
refused or unavailable under ``auto``, the load falls back to ARM and says so in ``Estate.notes``; completeness is
then ARM's own (its failures are gaps as ever). An explicit ``--inventory graph`` never falls back: a failed Graph
read is a gap naming ``--inventory arm`` as the way forward.

Policy assignments at management-group scope are applied by neither path (``PolicyAssignmentInfo.applies_to``
matches resource-id prefixes), so a subscription-scoped ``policyresources`` query loses nothing the ARM list gives.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import STOPS_EVERYTHING, AcrtuiError
from .errors import translate

if TYPE_CHECKING:
    from .inventory import Inventory, _Listing

API_VERSION = "2021-03-01"
PATH = "/providers/Microsoft.ResourceGraph/resources"
PAGE_SIZE = 1000  # $top's maximum
MAX_SUBSCRIPTIONS = 1000  # per request (the CLI's batch)
AUTO_SUBSCRIPTIONS = 10  # auto: more subscriptions than this → Resource Graph, no probe needed
AUTO_REGISTRIES = 50  # auto: more registries than this (one count query) → Resource Graph
MODES = ("arm", "graph", "auto")
ZONE_TYPE = "microsoft.network/privatednszones"
WEBHOOK_TYPE = "microsoft.containerregistry/registries/webhooks"
ASSIGNMENT_TYPE = "microsoft.authorization/policyassignments"
COLUMNS = "id, name, type, location, sku, properties, tags, identity"
ASSIGNMENTS_QUERY = f"policyresources | where type =~ '{ASSIGNMENT_TYPE}' | project id, name, type, properties"
QUOTA_RETRIES = 3  # a 429 the pipeline's own retries did not get past: wait for the quota window, then again


class GraphClient:
    """POSTs Resource Graph queries through the session's pipeline (auth, retry, read-only guard, journal) as raw
    JSON, following ``$skipToken``, batching subscriptions and waiting while the user quota is spent."""

    def __init__(self, inv: Inventory, page_size: int = PAGE_SIZE, max_subscriptions: int = MAX_SUBSCRIPTIONS) -> None:
        self.s = inv.s
        self.page_size = page_size
        self.max_subscriptions = max_subscriptions
        self.remaining: int | None = None  # queries left: the last answer's x-ms-user-quota-remaining, less ours since
        self.resets_at = 0.0  # monotonic time the quota window resets
        self.in_flight = 0  # our queries sent and not yet answered (they spend quota the last answer did not show)
        self.requests = 0
        self.waited = 0.0  # seconds spent waiting for the quota (benchmarks print it)
        self._lock = asyncio.Lock()

    async def rows(self, subs: Sequence[str], query: str) -> list[dict[str, Any]]:
        """Every row of ``query`` over ``subs``: one request per page per batch of subscriptions."""
        out: list[dict[str, Any]] = []
        for i in range(0, len(subs), self.max_subscriptions):  # no subscriptions: no request (never tenant-wide)
            batch = list(subs[i:i + self.max_subscriptions])
            token: str | None = None
            while True:
                body = await self._post(batch, query, token)
                out += [r for r in body.get("data") or [] if isinstance(r, dict)]
                token = body.get("$skipToken")
                if not token:
                    break
        return out

    async def count(self, subs: Sequence[str], query: str) -> int:
        total = 0
        for i in range(0, len(subs), self.max_subscriptions):  # no subscriptions: no request (never tenant-wide)
            data = (await self._post(list(subs[i:i + self.max_subscriptions]), query + " | count", None)).get("data")
            total += int(data[0].get("Count", 0)) if data and isinstance(data[0], dict) else 0
        return total

    async def _post(self, subs: list[str], query: str, token: str | None) -> dict[str, Any]:
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest

        options: dict[str, Any] = {"$top": self.page_size, "resultFormat": "objectArray"}
        if token:
            options["$skipToken"] = token
        url = f"{self.s.cloud.arm_endpoint.rstrip('/')}{PATH}?api-version={API_VERSION}"
        payload = {"subscriptions": subs, "query": query, "options": options}
        for attempt in range(QUOTA_RETRIES + 1):
            await self._wait_for_quota()
            try:
                resp = await self.s.send_read(HttpRequest("POST", url, json=payload), kind="resources")
            except BaseException:
                self.in_flight -= 1
                raise
            self.requests += 1
            told = self._note_quota(resp.headers)
            if resp.status_code == 429 and attempt < QUOTA_RETRIES:
                self.remaining = 0  # wait for the window the headers named (or a second) before the next try
                if not told:
                    self.resets_at = time.monotonic() + 1.0
                continue
            if resp.status_code >= 400:
                raise HttpResponseError(response=resp)
            text = resp.text()
            return dict(json.loads(text)) if text else {}
        raise AssertionError("unreachable")  # pragma: no cover

    async def _wait_for_quota(self) -> None:
        """Before a send: wait for the window's reset when the quota is spent, else take one query of it."""
        async with self._lock:  # one waiter at a time: the quota is the user's, not the task's
            if self.remaining is not None and self.remaining <= 0:
                delay = self.resets_at - time.monotonic()
                if delay > 0:
                    self.waited += delay
                    await asyncio.sleep(delay)
                self.remaining = None
            elif self.remaining is not None:
                self.remaining -= 1
            self.in_flight += 1

    def _note_quota(self, headers: Any) -> bool:
        """Remember the quota the answer reports, less what our other queries in flight will spend; True when it
        said when the window resets."""
        self.in_flight -= 1
        remaining = headers.get("x-ms-user-quota-remaining")
        resets = parse_resets_after(headers.get("x-ms-user-quota-resets-after"))
        if remaining is not None and str(remaining).strip().lstrip("-").isdigit():
            self.remaining = int(str(remaining).strip()) - self.in_flight
        if resets is not None:
            self.resets_at = time.monotonic() + resets
        return resets is not None


def parse_resets_after(value: str | None) -> float | None:
    """``hh:mm:ss`` (fractions allowed) → seconds; None when absent or malformed."""
    m = re.fullmatch(r"\s*(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*", value or "")
    if m is None:
        return None
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))


def _types_query(types: Sequence[str]) -> str:
    quoted = ", ".join(f"'{t}'" for t in types)
    return f"resources | where type in~ ({quoted}) | project {COLUMNS}"


async def choose(inv: Inventory, subs: list[str], graph: GraphClient) -> tuple[str, str | None]:
    """``auto``'s choice: (mode, note). No request when the subscription count decides; else one count query."""
    from .inventory import REGISTRY_TYPE

    if len(subs) > AUTO_SUBSCRIPTIONS:
        return "graph", None
    try:
        async with translate():
            n = await graph.count(subs, f"resources | where type =~ '{REGISTRY_TYPE}'")
    except STOPS_EVERYTHING:
        raise
    except AcrtuiError as e:
        return "arm", f"Resource Graph could not count the registries ({e.message}); read through ARM instead"
    return ("graph" if n > AUTO_REGISTRIES else "arm"), None


async def list_inventory(inv: Inventory, subs: list[str]) -> _Listing:
    """The listing for the inventory's mode: ARM, Resource Graph, or ``auto``'s choice (with its fallback)."""
    graph = GraphClient(inv, page_size=inv.graph_page_size, max_subscriptions=inv.graph_max_subscriptions)
    inv.graph = graph
    mode = inv.mode
    if mode == "auto":
        mode, note = await choose(inv, subs, graph)
        if note:
            inv.notes.append(note)
    inv.path = mode
    if mode == "graph":
        listing = await list_graph(inv, subs, graph, fallback=inv.mode == "auto")
        if listing is not None:
            return listing
        inv.path = "arm"
    return await inv._list_arm(subs)


async def list_graph(inv: Inventory, subs: list[str], graph: GraphClient, *, fallback: bool) -> _Listing | None:
    """Everything Graph indexes, in two paged queries. None when Graph failed and ``fallback`` allows ARM."""
    from .inventory import (
        IN,
        NIC_TYPE,
        PE_TYPE,
        REGISTRY_TYPE,
        REPLICA_TYPE,
        VAULT_INPUTS,
        VAULT_TYPE,
        VNET_LINK_TYPE,
        _in_sub,
        _Listing,
        _sub_scope,
        _with_pe_in,
        id_parts,
        parent_id,
        registry_from_json,
        slim_nic,
    )

    types = [REGISTRY_TYPE, REPLICA_TYPE, PE_TYPE, NIC_TYPE, VAULT_TYPE, ZONE_TYPE, VNET_LINK_TYPE, WEBHOOK_TYPE]
    scope = ",".join(_sub_scope(s) for s in subs)
    inv._tick("resource graph", add_total=2)
    ok = True
    assignments = asyncio.ensure_future(_assignments(inv, subs, graph))  # the second query, alongside the first
    try:
        async with translate():
            rows = await graph.rows(subs, _types_query(types))
    except STOPS_EVERYTHING:
        assignments.cancel()
        raise
    except AcrtuiError as e:
        await asyncio.gather(assignments, return_exceptions=True)  # moot now: nothing was listed
        if fallback:
            inv.notes.append(f"Resource Graph could not list the resources ({e.message}); read through ARM instead")
            return None
        ok = False
        inv.gap("Resource Graph query of resources", e.message + " (or run with --inventory arm)",
                kind=_gap_kind(e), scope=scope, inputs=[IN.REGISTRIES, IN.REPLICAS, IN.ENDPOINTS, IN.DNS, *VAULT_INPUTS],
                registries=None, action=getattr(e, "action", None), key="vaults:graph", resolve=_with_pe_in(None))
        inv._pe_lists_failed.add("*")
        rows = []
    inv._tick("resource graph", done=1)
    out = _Listing(vaults_read=True)
    by_type: dict[str, list[dict[str, Any]]] = {t: [] for t in types}
    for r in rows:
        t = str(r.get("type", "")).lower()
        if t in by_type:
            by_type[t].append(r)
    out.registries = by_type[REGISTRY_TYPE]
    if inv.listed is not None:
        per_sub: dict[str, list[dict[str, Any]]] = {sub.lower(): [] for sub in subs}
        for b in out.registries:
            per_sub.get(id_parts(str(b.get("id", ""))).get("subscription", "").lower(), []).append(b)
        for sub in subs:
            inv.listed(sub, [registry_from_json(b) for b in per_sub[sub.lower()]])
            await asyncio.sleep(0)  # a turn of the loop between subscriptions: the console's keys (IoLoop.step_aside)
    for r in by_type[REPLICA_TYPE]:
        out.replicas.setdefault(parent_id(str(r["id"])).lower(), []).append(r)
    for b in out.registries:  # a Premium registry with no replication rows has none (Graph indexes them all)
        out.replicas.setdefault(str(b["id"]).lower(), [])
    if ok:  # likewise webhooks: a registry without rows has none
        out.webhooks = {str(b["id"]).lower(): [] for b in out.registries}
        for h in by_type[WEBHOOK_TYPE]:
            out.webhooks.setdefault(parent_id(str(h["id"])).lower(), []).append(h)
    out.endpoints = by_type[PE_TYPE]
    out.nics = {str(n["id"]).lower(): slim_nic(n) for n in by_type[NIC_TYPE]}
    out.vaults = by_type[VAULT_TYPE]
    zone_name = inv.s.cloud.private_dns_zone
    if ok:  # the zones each subscription holds: what the fallback lookup would list through ARM
        for sub in subs:
            out.zone_links[f"zones:{sub.lower()}"] = [
                z for z in by_type[ZONE_TYPE] if _in_sub(str(z.get("id", "")), sub)
                and str(z.get("name", "")).lower() == zone_name]
        for z in by_type[ZONE_TYPE]:
            out.zone_links.setdefault(str(z["id"]).lower(), [])
        for link in by_type[VNET_LINK_TYPE]:
            out.zone_links.setdefault(parent_id(str(link["id"])).lower(), []).append(link)
    listed, note = await assignments
    if note and ok:
        inv.notes.append(note)
    out.assignments = listed if ok else []  # no registry was read: no assignment applies
    inv._tick("resource graph", done=1)
    return out


async def _assignments(inv: Inventory, subs: list[str], graph: GraphClient
                       ) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Policy assignments from ``policyresources``, or (None, why) when Graph fails: then each subscription's are
    listed through ARM."""
    try:
        async with translate():
            return await graph.rows(subs, ASSIGNMENTS_QUERY), None
    except STOPS_EVERYTHING:
        raise
    except AcrtuiError as e:
        return None, f"Resource Graph could not list policy assignments ({e.message}); read through ARM instead"


def _gap_kind(e: AcrtuiError) -> Any:
    from .inventory import gap_kind

    return gap_kind(e)
