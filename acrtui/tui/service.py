"""The console's data source: one facade over an :class:`AzureSession`, injected into the app.

The app never builds a session itself: ``run_tui`` passes a factory that opens one (real Azure, the demo emulator),
tests pass one built on an in-process emulator, and the clock is injected so screens and snapshots are stable.
Only reads live here; writes go through the plan engine (see :mod:`acrtui.tui.planning`).

The session's I/O runs on its own event loop, on a thread of its own (:class:`IoLoop`): the SDK's deserialisation and
the estate's bookkeeping never hold Textual's loop, so keystrokes are handled while a large estate loads. Every
coroutine that touches the session goes through :meth:`ConsoleService.run` (the service's reads do it themselves;
plan preparation and apply are submitted the same way), so the session, its clients, their shared ``aiohttp``
session and the credential only ever see that one loop. Callbacks from the load post Textual messages, which is
thread-safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from acrtui.azure.errors import translate
from acrtui.azure.inventory import Progress, collect, id_parts, load_estate, raw
from acrtui.azure.session import AzureSession

if TYPE_CHECKING:  # the checks and the audit are imported when the first estate is complete (on the I/O thread)
    from acrtui.audit.runner import AuditReport
    from acrtui.audit.suppressions import Suppression
    from acrtui.domain.checks import CheckSettings
    from acrtui.domain.models import Estate
    from acrtui.settings import AuditSettings

T = TypeVar("T")
Clock = Callable[[], dt.datetime]


# How long Resource Graph's listing waits for the ARM preview's first page (ConsoleService._preview): at fleet
# scale the emulator — like any server — answers the twenty first pages sooner without Graph's whole-table queries
# queued beside them; the load takes minutes there, so the wait costs it nothing visible, and a slow ARM caps it.
PREVIEW_HEAD_START_S = 3.0


class Streamed(Protocol):
    """Hears a subscription's registries as listed; ``partial`` while its list has more pages to come."""

    def __call__(self, subscription: str, registries: list[Any], partial: bool = False) -> None: ...

# Built-in Container Registry definitions the policy wizard offers (AZURE-RULES.md), display name kept short.
BUILTIN_POLICIES: tuple[tuple[str, str], ...] = (
    ("5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580", "Registries should be encrypted with a customer-managed key"),
    ("d0793b48-0edc-4296-a390-4c75d1bdfd71", "Registries should not allow unrestricted network access"),
    ("e8eef0a8-67cf-4eb4-9386-14b0e78733d4", "Registries should use private link"),
    ("0fdf0491-d080-4575-b627-ad0e843cba0f", "Public network access should be disabled"),
    ("bd560fc0-3c69-498a-ae9f-aa8eb7de0e13", "Registries should have SKUs that support Private Links"),
    ("524b0254-c285-4903-bee6-bb8126cde579", "Registries should have exports disabled"),
    ("dc921057-6b28-4fbe-9b83-f7bec05db6c2", "Registries should have local admin account disabled"),
    ("9f2dea28-e834-476c-99c5-3507b4728395", "Registries should have anonymous authentication disabled"),
    ("42781ec6-6127-4c30-bdfa-fb423a0047d3", "Registries should have ARM audience token authentication disabled"),
    # Modify: assigned with a managed identity (the definition's roles) and offered a remediation task
    ("79fdfe03-ffcb-4e55-b4d0-b925b8241759", "Configure registries to disable local admin account"),
    ("cced2946-b08a-44fe-9fd9-e4ed8a779897", "Configure registries to disable anonymous authentication"),
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Subnet:
    id: str
    name: str
    vnet_id: str
    vnet_name: str
    location: str
    prefix: str
    subscription_id: str
    resource_group: str

    @property
    def usable(self) -> int:
        """Azure reserves 5 addresses per subnet (first four, last)."""
        try:
            bits = int(self.prefix.split("/")[1])
        except (IndexError, ValueError):
            return 0
        return max(0, 2 ** (32 - bits) - 5)


class IoLoop:
    """An asyncio loop on a daemon thread: the one loop a console's session does its I/O on."""

    # the UI thread shares the GIL with this one: each time Textual's loop waits in select() it gives the GIL up,
    # and gets it back only when this thread yields it — by default after 5 ms, so a keystroke (hundreds of loop
    # turns) took seconds while an estate loaded. 0.5 ms bounds each hand-back; the load loses little.
    SWITCH_INTERVAL = 0.0005

    # how long this loop steps aside after each key or click: a keystroke is handled and drawn within it
    HOLD_S = 0.15

    def __init__(self) -> None:
        if sys.getswitchinterval() > self.SWITCH_INTERVAL:
            sys.setswitchinterval(self.SWITCH_INTERVAL)
        self.loop = asyncio.new_event_loop()
        self._hold_until = 0.0
        self._holding = False
        self.thread = threading.Thread(target=self._serve, name="acrtui-io", daemon=True)
        self.thread.start()

    def step_aside(self) -> None:
        """The operator pressed a key (call from the UI thread): this loop sleeps — the interpreter lock released —
        until ``HOLD_S`` after the latest key, from the end of the callback it is running. Even at a 0.5 ms switch
        interval the UI thread got a fraction of the lock while a fleet loaded (the filter's own 10 ms took
        100–290 ms, keys 0.5–1.8 s to draw, bench_console); the load waits out the keystrokes instead."""
        self._hold_until = time.monotonic() + self.HOLD_S
        if not self._holding and not self.loop.is_closed():
            self._holding = True
            self.loop.call_soon_threadsafe(self._hold)

    def _hold(self) -> None:
        try:
            while (left := self._hold_until - time.monotonic()) > 0:
                time.sleep(min(left, 0.02))
        finally:
            self._holding = False

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on this loop from any other loop; cancelling the caller cancels it there too."""
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is self.loop:
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    @staticmethod
    async def drain() -> None:
        """Cancel what still runs on this loop (a load the console quit during) and let it unwind."""
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self.thread:
            self.thread.join(10)
        if not self.thread.is_alive():
            self.loop.close()


class ConsoleService:
    """Reads for the console, on one session, on the session's own I/O loop. ``clock`` drives every timestamp the
    screens show; ``audit_settings`` are the settings file's (``audit:``), as ``acrtui audit`` reads them."""

    def __init__(self, session: AzureSession, *, clock: Clock = utcnow,
                 audit_settings: AuditSettings | None = None) -> None:
        self.session = session
        self.clock = clock
        self.visible: dict[str, str] = {}
        self.suppressions_error: str | None = None  # the last audit's suppressions file did not load: why
        self._resolving: asyncio.Future[dict[str, str]] | None = None  # one subscriptions list for concurrent askers
        self._definitions: dict[str, dict[str, Any]] = {}
        self._audit_settings = audit_settings
        self.io = IoLoop()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await a coroutine that uses the session (plan preparation, apply) on the session's loop."""
        return await self.io.run(coro)

    # the SDK clients on the way to the first rows: the listing goes as raw JSON through the subscriptions client's
    # pipeline, and ``auto`` asks Resource Graph (the resources client) how many registries there are. The rest
    # (key vaults, policy, authorization) the inventory preloads once the listing is under way; the wizards'
    # (network, privatedns) load when a wizard first asks — azure.mgmt.network alone is over a second of CPU.
    ESTATE_CLIENTS = ("subscriptions", "resources")

    @classmethod
    def warm(cls) -> None:
        """Import the credential and the SDK clients the first rows need (call from a thread: it holds no lock the
        event loop needs); the demo calls it while its emulator process starts."""
        import importlib

        from acrtui.azure.session import CLIENTS

        importlib.import_module("azure.identity.aio")
        for kind in cls.ESTATE_CLIENTS:
            importlib.import_module(CLIENTS[kind][0])

    # ------------------------------------------------------------ facts
    @property
    def read_only(self) -> bool:
        return self.session.read_only

    @property
    def target(self) -> str:
        return self.session.target

    @property
    def cloud(self) -> str:
        return self.session.cloud.name

    @property
    def journal(self) -> Any:
        return self.session.journal

    @property
    def principal(self) -> str:
        return self.session.principal_hint or "signed-in principal"

    # ------------------------------------------------------------ reads
    async def subscriptions(self, fresh: bool = False) -> dict[str, str]:
        """The subscriptions on offer: ``--subscription`` ones, else every visible one (``fresh``: listed again)."""
        if fresh:
            self.visible, self._resolving = {}, None
        return await self.run(self._subscriptions())

    async def _subscriptions(self) -> dict[str, str]:
        if not self.visible:  # the picker and the estate's load ask at once on start: list the subscriptions once
            failed = self._resolving is not None and self._resolving.done() and (
                self._resolving.cancelled() or self._resolving.exception() is not None)
            if self._resolving is None or failed:  # a failed list is asked again (a retry after signing in)
                self._resolving = asyncio.ensure_future(self.session.resolve_subscriptions())
            chosen = await asyncio.shield(self._resolving)
            self.visible = dict(sorted(chosen.items(), key=lambda kv: kv[1].lower()))
        return self.visible

    async def load(self, subscriptions: list[str], progress: Progress | None = None,
                   listed: Streamed | None = None) -> Estate:
        """One estate over the subscriptions (cross-subscription vaults and endpoints resolve); ``listed`` hears each
        subscription's registries as soon as they are listed, so the console can show rows before the rest.
        The callbacks run on the I/O thread: they may only post messages."""
        return await self.run(self._load(subscriptions, progress, listed))

    async def _load(self, subscriptions: list[str], progress: Progress | None, listed: Streamed | None) -> Estate:
        names = await self._subscriptions()
        self.session.subscriptions = list(subscriptions)
        self.session.subscription_names = {s: names.get(s, s) for s in subscriptions}
        heard: set[str] = set()

        def inventory_listed(sub: str, registries: list[Any]) -> None:
            heard.add(sub)
            if listed is not None:
                listed(sub, registries)

        first_page = asyncio.Event()
        preview = (asyncio.ensure_future(self._preview(subscriptions, listed, heard, first_page))
                   if listed is not None and self._graph_bound(subscriptions) else None)
        try:
            if preview is not None:  # the first rows first: Resource Graph's queries start once a page is in
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(first_page.wait(), PREVIEW_HEAD_START_S)
            estate = await load_estate(self.session, progress=progress, listed=inventory_listed)
        finally:
            if preview is not None:
                preview.cancel()
                await asyncio.gather(preview, return_exceptions=True)
        return estate.model_copy(update={"observed_at": self.clock()})

    def _graph_bound(self, subscriptions: list[str]) -> bool:
        """Whether the inventory will list through Resource Graph, which hands every subscription's registries
        over at once, after its whole query (a minute at fleet:10000x20)."""
        from acrtui.azure import inventory_graph

        mode = self.session.inventory
        return mode == "graph" or (mode == "auto" and len(subscriptions) > inventory_graph.AUTO_SUBSCRIPTIONS)

    async def _preview(self, subscriptions: list[str], listed: Streamed, heard: set[str],
                       first_page: asyncio.Event) -> None:
        """Rows before a Resource Graph listing is in: each subscription's registries through ARM (one list per
        subscription, in parallel), shown as listed ("…" for every verdict) until the inventory's own listing for
        it arrives — page by page (ARM pages registries by 100: at fleet scale the first page is on screen while
        the rest are read). Best effort: a failed list shows nothing more here — the inventory's read reports it.
        ``first_page`` is set when the first page is in (or every list has ended)."""
        from acrtui.azure.inventory import API_VERSIONS, registry_from_json

        path = "/subscriptions/{}/providers/Microsoft.ContainerRegistry/registries"

        async def one(sub: str) -> None:
            rows: list[Any] = []
            url: str | None = path.format(sub)
            try:
                while url:
                    page = await self.session.get_json("subscriptions", None, url, API_VERSIONS["containerregistry"])
                    # a new list, not extended: the UI thread holds the one already handed to listed()
                    rows = rows + [registry_from_json(b) for b in page.get("value") or []]
                    url = page.get("nextLink") or None
                    first_page.set()
                    if sub in heard:
                        return
                    listed(sub, rows, partial=url is not None)
            except Exception:  # the inventory reads the same list and reports its failure
                if rows and sub not in heard:
                    listed(sub, rows, partial=True)  # still being read, by the inventory
                return

        try:
            await asyncio.gather(*(one(s) for s in subscriptions))
        finally:
            first_page.set()

    def check_settings(self) -> CheckSettings:
        """The thresholds ``acrtui audit`` uses (the settings file's ``audit:``), so the console and it agree."""
        from acrtui.domain.checks import CheckSettings

        if self._audit_settings is None:
            from acrtui.settings import load_settings

            self._audit_settings = load_settings().audit
        a = self._audit_settings
        return CheckSettings(now=self.clock(), key_rotation_max_age_days=a.key_rotation_max_age_days,
                             key_expiry_warning_days=a.key_expiry_warning_days, operator_ips=tuple(a.operator_ips),
                             firewall_open_share=a.firewall_open_share, allowed_regions=tuple(a.allowed_regions))

    def suppressions(self) -> list[Suppression]:
        """The suppressions ``acrtui audit`` would apply (settings' ``audit.suppressions``, else
        ``./acrtui.suppressions.yaml``), read at each audit so an edit shows on refresh: the console's verdicts
        are the audit's. A file that does not load suppresses nothing — every failure shows — and
        :attr:`suppressions_error` says why (the console shows it)."""
        from acrtui.audit import suppressions as suppressions_mod
        from acrtui.domain.checks import CATALOGUE
        from acrtui.errors import AcrtuiError

        self.check_settings()  # reads the settings file's audit: section once
        assert self._audit_settings is not None
        self.suppressions_error = None
        path = suppressions_mod.default_path(self._audit_settings.suppressions)
        if not path:
            return []
        try:
            return suppressions_mod.load(path, [c.id for c in CATALOGUE])
        except AcrtuiError as e:
            self.suppressions_error = f"{e.message} Nothing is suppressed: every failure shows."
            return []

    def audit(self, estate: Estate) -> AuditReport:
        from acrtui.audit.runner import run_audit

        return run_audit(estate, settings=self.check_settings(), target=self.target, suppressions=self.suppressions())

    async def audit_off_loop(self, estate: Estate) -> AuditReport:
        """:meth:`audit` on the I/O thread: at 10,000 registries it is seconds of CPU the UI loop should not hold."""
        async def audit() -> AuditReport:
            return self.audit(estate)

        return await self.run(audit())

    async def subnets(self, subscriptions: list[str]) -> list[Subnet]:
        """Every subnet (for the private endpoint wizard), sorted by VNet and name."""
        return await self.run(self._subnets(subscriptions))

    async def _subnets(self, subscriptions: list[str]) -> list[Subnet]:
        out: list[Subnet] = []
        async with translate():
            for sub in subscriptions:
                for vnet in await collect(self.session.client("network", sub).virtual_networks.list_all()):
                    p = vnet.get("properties") or {}
                    for sn in p.get("subnets") or []:
                        sp = sn.get("properties") or {}
                        prefix = sp.get("addressPrefix") or (sp.get("addressPrefixes") or [""])[0]
                        ip = id_parts(str(vnet["id"]))
                        out.append(Subnet(str(sn["id"]), str(sn["name"]), str(vnet["id"]), str(vnet["name"]),
                                          str(vnet.get("location", "")), str(prefix), ip["subscription"],
                                          ip.get("resource_group", "")))
        return sorted(out, key=lambda s: (s.vnet_name, s.name))

    async def dns_zones(self, subscription: str) -> list[str]:
        """Ids of the cloud's Private Link zone for ACR in a subscription."""
        return await self.run(self._dns_zones(subscription))

    async def _dns_zones(self, subscription: str) -> list[str]:
        async with translate():
            zones = await collect(self.session.client("privatedns", subscription).private_zones.list())
        want = self.session.cloud.private_dns_zone.lower()
        return sorted(str(z["id"]) for z in zones if str(z.get("name", "")).lower() == want)

    async def zone_links(self, zone_id: str) -> list[str]:
        return await self.run(self._zone_links(zone_id))

    async def _zone_links(self, zone_id: str) -> list[str]:
        ip = id_parts(zone_id)
        async with translate():
            links = await collect(self.session.client("privatedns", ip["subscription"]).virtual_network_links.list(
                ip["resource_group"], ip["name"]))
        return sorted(str(((lk.get("properties") or {}).get("virtualNetwork") or {}).get("id", "")) for lk in links)

    async def workspaces(self, subscriptions: list[str]) -> list[str]:
        """Ids of the Log Analytics workspaces in the subscriptions (targets for a key vault's AuditEvent log)."""
        return await self.run(self._workspaces(subscriptions))

    async def _workspaces(self, subscriptions: list[str]) -> list[str]:
        flt = "resourceType eq 'Microsoft.OperationalInsights/workspaces'"
        out: list[str] = []
        async with translate():
            for sub in subscriptions:
                out += [str(w["id"]) for w in await collect(self.session.client("resources", sub).resources.list(
                    filter=flt))]
        return sorted(out, key=lambda i: i.rsplit("/", 1)[-1].lower())

    async def policy_definition(self, guid: str) -> dict[str, Any]:
        """A built-in definition as ARM JSON (cached): the compliance preview evaluates its rule locally."""
        return await self.run(self._policy_definition(guid))

    async def _policy_definition(self, guid: str) -> dict[str, Any]:
        if guid not in self._definitions:
            pol = self.session.client("policy", self.session.subscriptions[0] if self.session.subscriptions else None)
            async with translate():
                self._definitions[guid] = raw(await pol.policy_definitions.get_built_in(guid))
        return self._definitions[guid]

    async def discover(self, registry: Any) -> Any:
        """What a registry's data plane holds (every repository and tag, with digests), or why it cannot be read
        from here (``RegistryContent.unreadable``): the migration wizard offers these images."""
        from acrtui.azure.dataplane import discover

        return await self.run(discover(self.session, registry))

    async def close(self) -> None:
        """Close the session on its loop (after what still reads there has unwound), then stop the loop."""
        async def shutdown() -> None:
            await self.io.drain()
            await self.session.close()

        try:
            await self.run(shutdown())
        finally:
            self.io.stop()
