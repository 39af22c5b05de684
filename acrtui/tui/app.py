"""The acrtui console: pick a subscription and a registry, read its posture, change it through reviewed plans.

The app takes its data source as a parameter (a :class:`ConsoleService` or a factory for one) so tests and
screenshots run it against an in-process emulator with a frozen clock. Workers load data and post typed messages;
they never touch widgets. One handler turns any failed worker into an error modal with the error's title and
actionable message.

First seconds: the first screen is drawn before anything heavy loads. ``run_tui`` hands the app a factory, and the
app opens the session in a thread worker (the Azure SDK import and, for ``--demo``, the emulator start happen there);
the domain, audit, plan engine and wizards are imported where they are first used. The estate streams in: each
subscription's registries become rows as soon as they are listed, with a progress count, and the findings follow
when every read is in. With subscriptions given (``--subscription``, the settings file) or only one visible, the
console opens straight onto the registry list.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.reactive import var
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from acrtui.errors import AcrtuiError, ExitCode, ReadOnlyViolation

from .keymap import commands_for
from .messages import (
    EstateLoaded,
    EstateProgress,
    PlanReady,
    RegistriesListed,
    ServiceReady,
    SubscriptionsLoaded,
)
from .screens.base import ConsoleScreen
from .screens.lists import AuditScreen, RegistryListScreen, SubscriptionScreen
from .screens.modals import ErrorModal, HelpModal, JumpModal

if TYPE_CHECKING:  # the domain, audit, plan engine and SDK load after the first paint
    from acrtui.audit.runner import AuditReport
    from acrtui.azure.targets import TargetOptions
    from acrtui.domain.models import Estate, RegistryPosture
    from acrtui.plan.executor import Journal

    from . import planning
    from .gates import Gate
    from .service import ConsoleService


class ConsoleCommands(Provider):
    """``area: verb`` commands from the action table, offered only on screens where they make sense."""

    def _entries(self) -> list[tuple[str, str, Callable[[], Any]]]:
        screen = self.screen
        app = self.app
        sid = getattr(screen, "SCREEN_ID", None)
        if sid is None:
            return []
        read_only = bool(getattr(app, "read_only", True))
        refusals = screen.gates() if isinstance(screen, ConsoleScreen) else {}
        out = []
        for a in commands_for(sid, read_only=read_only):
            # still offered when gated: running it explains why and the way forward
            out.append((a.command or a.id, _help(refusals.get(a.id), a.tooltip), _runner(screen, a.action)))
        if isinstance(screen, RegistryListScreen) and not read_only:
            out += self._highlighted_changes(screen, {n for n, _, _ in out})
        return out

    def _highlighted_changes(self, screen: RegistryListScreen, offered: set[str]) -> list[tuple[str, str, Any]]:
        """From the list, a registry's changes by name ("migr" finds the migration), for the highlighted row: as
        its key would on the registry's own view (the same gate, the same wizard) — not a dead end."""
        from .gates import gates_for, wizard_of
        from .keymap import actions_for

        estate = getattr(self.app, "estate", None)
        key = screen.selected_key()
        reg = estate.registry(key) if estate is not None and key else None
        if reg is None:
            return []
        changes = [a for a in actions_for("registry", read_only=False)
                   if a.write and a.command and a.command not in offered and wizard_of(a)]
        refusals = gates_for(changes, reg, estate)
        out = []
        for a in changes:
            out.append((a.command or a.id, f"on {reg.name}, the highlighted row — {_help(refusals.get(a.id), a.tooltip)}",
                        _wizard_runner(self.app, str(wizard_of(a)), reg.id)))
        return out

    async def discover(self) -> Hits:
        for name, help_text, run in self._entries():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)


def _help(gate: Gate | None, tooltip: str) -> str:
    """One short line per palette entry: a gated change names why; running it shows the way forward."""
    return f"✗ {gate.title} (run it for the way forward)" if gate else tooltip


def _wizard_runner(app: Any, wizard: str, registry_id: str) -> Callable[[], Any]:
    async def run() -> None:
        app.start_wizard(wizard, registry_id)

    return run


def _runner(screen: Screen[Any], action: str) -> Callable[[], Any]:
    async def run() -> None:
        await screen.run_action(action)

    return run


class AcrtuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "acrtui"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    ENABLE_COMMAND_PALETTE = True

    show_activity: var[bool] = var(False)

    def __init__(self, service: ConsoleService | Callable[[], ConsoleService], *, read_only: bool | None = None,
                 plan_dir: str | Path = ".", auto_open: list[str] | None = None,
                 journal_path: str | Path | None = None, lazy: bool = False) -> None:
        """``service``: a service, or a factory for one. ``lazy``: call the factory in a worker after the first
        paint (``run_tui`` does; ``read_only`` must then be given). ``auto_open``: open these subscriptions
        without asking (``[]``: every visible one)."""
        super().__init__()
        self._service_source = service
        self.service: ConsoleService | None = None
        if not callable(service):
            self.service = service
        elif not lazy:
            self.service = service()
        if read_only is None and self.service is None:
            raise ValueError("a lazily opened console needs read_only")
        self.read_only = bool(self.service.read_only if read_only is None and self.service else read_only)
        self._check_read_only()
        self.plan_dir = Path(plan_dir)
        self._journal_path = journal_path
        self._journal: Journal | None = None
        self.auto_open = auto_open  # open these subscriptions without asking (tests, screenshots)
        self.subscriptions: dict[str, str] = {}
        self.chosen: list[str] = []
        self.chosen_names: list[str] = []
        self.streamed: dict[str, list[RegistryPosture]] = {}  # subscription → registries listed so far
        self.paging: set[str] = set()  # subscriptions in streamed whose list has more pages to come
        # the last failed read — what no view may then claim to be doing: "Listing…", "Reading…" (tui/screens/lists.py)
        self.read_failed: str | None = None
        self._load_pending = False
        self._lists_due = False  # a redraw of the lists for streamed rows is queued
        self.estate: Estate | None = None
        self.report: AuditReport | None = None
        self.errors_shown: list[tuple[str, str]] = []
        self._open_when_read: tuple[str, str] | None = None  # (registry id, tab) asked for while rows streamed in
        self.exit_code = ExitCode.OK

    def _check_read_only(self) -> None:
        if self.service is not None and self.read_only and not self.service.read_only:
            raise ReadOnlyViolation("SESSION", "a read-only console needs a read-only session (pipeline guard)")

    @property
    def journal(self) -> Journal:
        """The executor's JSON-lines journal of applied steps (the plan engine is imported on first use)."""
        if self._journal is None:
            from acrtui.plan.executor import Journal, journal_for

            if self.service is None:  # not yet signed in: nothing can have been applied
                return Journal(self._journal_path)
            self._journal = journal_for(self.service.session, self._journal_path,  # this target's journal
                                        warn=lambda m: self.notify(m, title="Journal", severity="warning"))
        return self._journal

    # ------------------------------------------------------------ lifecycle
    def on_mount(self) -> None:
        self.push_screen(SubscriptionScreen())
        if self.auto_open:  # subscriptions known before any request: straight onto the registry list
            self.open_subscriptions(list(self.auto_open))
        if self.service is None:
            self.call_after_refresh(self.open_service)  # after the first frame: its imports would delay it
        else:
            self.post_message(ServiceReady())

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown) and self.service is not None:
            self.service.io.step_aside()  # the estate's load waits while the operator's input is handled
        if isinstance(event, events.Key) and not event.is_forwarded and await self._escape_then_key(event):
            return
        await super().on_event(event)

    async def _escape_then_key(self, event: events.Key) -> bool:
        """A terminal sends Escape as ESC, and ESC followed within the escape delay (100 ms; tmux sends keys that
        fast) by a key reads as alt+key: "esc p" typed quickly lost both keys (the Findings filter stayed, the
        endpoint wizard did not open). No alt binding exists here, so an unbound alt+key is what was typed:
        Escape, handled first (a screen may close), then the key, sent to whatever has the focus after it."""
        if not event.key.startswith("alt+") or event.key in self.active_bindings:
            return False
        if not (await self._check_bindings("escape", priority=True) or await self._check_bindings("escape")):
            await super().on_event(events.Key("escape", "\x1b"))
        self.post_message(events.Key(event.key.removeprefix("alt+"), event.character))
        return True

    async def on_unmount(self) -> None:
        if self.service is not None:
            await self.service.close()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for cmd in super().get_system_commands(screen):
            if cmd.title.lower() in ("quit", "keys", "theme", "screenshot"):
                yield cmd

    # ------------------------------------------------------------ workers (never touch widgets)
    @work(exclusive=True, group="service", exit_on_error=False, thread=True)
    def open_service(self) -> None:
        """Open the session off the event loop: the SDK import and the demo emulator never block the first paint."""
        factory = self._service_source
        assert callable(factory)
        service = factory()
        service.warm()
        self.call_from_thread(self._service_opened, service)

    def _service_opened(self, service: ConsoleService) -> None:
        self.service = service
        try:
            self._check_read_only()
        except AcrtuiError as e:
            self.show_error(e.title, e.message)
            return
        self.post_message(ServiceReady())

    def _update_context_bars(self) -> None:
        """Cloud and target known, or the subscriptions' names (the PRODUCTION badge reads them): every header."""
        from .widgets.context import ContextBar

        for s in self.screen_stack:
            for bar in s.query(ContextBar):
                bar.update_context()

    def on_service_ready(self, _: ServiceReady) -> None:
        for s in self.screen_stack:
            if isinstance(s, ConsoleScreen):
                s.refresh_from_estate()
        self._update_context_bars()
        self.load_subscriptions()
        if self._load_pending:
            self._load_pending = False
            self.load_estate(self.chosen)

    @work(exclusive=True, group="subscriptions", exit_on_error=False)
    async def load_subscriptions(self, fresh: bool = False) -> None:
        assert self.service is not None
        if self.read_failed:
            self._read_state(None)
        self.post_message(SubscriptionsLoaded(await self.service.subscriptions(fresh)))

    @work(exclusive=True, group="estate", exit_on_error=False)
    async def load_estate(self, subscriptions: list[str]) -> None:
        assert self.service is not None
        if self.read_failed:
            self._read_state(None)
        last_at, last_stage = 0.0, ""

        def progress(stage: str, done: int, total: int) -> None:
            """At most ten a second (and every stage change, and the end): each read done ticks, and at fleet
            scale tens of thousands of label and bar redraws kept the UI thread from the operator's keys."""
            nonlocal last_at, last_stage
            now = time.monotonic()
            if now - last_at >= 0.1 or stage != last_stage or done >= total:
                last_at, last_stage = now, stage
                self.post_message(EstateProgress(stage, done, total))

        def listed(subscription: str, registries: list[RegistryPosture], partial: bool = False) -> None:
            self.post_message(RegistriesListed(subscription, registries, partial))

        from .heap import tenured

        async with tenured(lambda: sum(map(len, self.streamed.values()))):  # the collector kept short (heap.py)
            estate = await self.service.load(subscriptions, progress, listed)  # on the session's own loop and thread
            report = await self.service.audit_off_loop(estate)
        self.post_message(EstateLoaded(estate, report))

    @work(exclusive=True, group="plan", exit_on_error=False)
    async def prepare_plan(self, plan: planning.UiPlan) -> None:
        """Observe, diff and preflight through the plan engine (reads only), then show the plan."""
        from . import planning

        assert self.service is not None
        journal = self.journal
        self.post_message(PlanReady(await self.service.run(planning.prepare(self.service.session, plan, journal))))

    def on_plan_ready(self, m: PlanReady) -> None:
        from .screens.plan import PlanScreen

        self.push_screen(PlanScreen(m.plan))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.worker_failed(event)

    def worker_failed(self, event: Worker.StateChanged) -> None:
        """The one failure handler: any worker's error becomes an error modal with a title and what to do."""
        if event.state != WorkerState.ERROR:
            return
        err = event.worker.error
        if isinstance(err, AcrtuiError):
            title, message = err.title, err.message
        else:
            from acrtui.azure.errors import from_azure

            mapped = from_azure(err) if isinstance(err, Exception) else None
            title, message = (mapped.title, mapped.message) if mapped else ("Unexpected error", str(err))
        if event.worker.group in ("subscriptions", "estate"):  # the views stop saying they are reading
            self._read_state(f"{title}: nothing was read — ctrl+r reads again")
        elif event.worker.group == "service":
            self._read_state(f"{title}: the session did not open — quit (ctrl+q) and start again")
        self.show_error(title, message)

    def _read_state(self, failed: str | None) -> None:
        self.read_failed = failed
        for s in self.screen_stack:
            if isinstance(s, SubscriptionScreen | RegistryListScreen):
                s.refresh_from_estate()

    def show_error(self, title: str, message: str) -> None:
        self.errors_shown.append((title, message))
        top = self.screen
        if isinstance(top, ErrorModal) and (top.error_title, top.error_message) == (title, message):
            return  # one failure seen by two reads (the picker's list and the estate's): one dialog, not two
        self.push_screen(ErrorModal(title, message))

    # ------------------------------------------------------------ messages
    def on_subscriptions_loaded(self, m: SubscriptionsLoaded) -> None:
        self.subscriptions = m.subscriptions
        self.chosen_names = [self.subscriptions.get(i, i) for i in self.chosen]
        for s in self.screen_stack:
            if isinstance(s, SubscriptionScreen | RegistryListScreen):
                s.refresh_from_estate()
        self._update_context_bars()  # opened with --subscription ids: their names (and production) are known now
        if self.auto_open is not None and not self.chosen:
            self.open_subscriptions(self.auto_open or list(self.subscriptions))
        elif not self.chosen and len(self.subscriptions) == 1:  # one context: no picker to pass through (k9s)
            self.open_subscriptions(list(self.subscriptions))
        self.auto_open = None

    def on_registries_listed(self, m: RegistriesListed) -> None:
        if self.estate is not None or m.subscription not in self.chosen:
            return  # from a load since replaced
        first = not self.streamed
        self.streamed[m.subscription] = m.registries
        (self.paging.add if m.partial else self.paging.discard)(m.subscription)
        if first:  # the first rows at once
            self._refresh_lists()
        elif not self._lists_due:  # then a burst (Resource Graph lists every subscription at once) redraws once
            self._lists_due = True
            self.call_later(self._refresh_lists)

    def _refresh_lists(self) -> None:
        self._lists_due = False
        if self.estate is not None:
            return  # the complete estate has been drawn since
        for s in self.screen_stack:
            if isinstance(s, RegistryListScreen):
                s.refresh_from_estate()

    def on_estate_progress(self, m: EstateProgress) -> None:
        for s in self.screen_stack:
            if isinstance(s, RegistryListScreen):
                s.progress(m.stage, m.done, m.total)

    def on_estate_loaded(self, m: EstateLoaded) -> None:
        assert self.service is not None
        self.estate = m.estate
        self.streamed = {}
        self.paging = set()
        self.report = m.report if m.report is not None else self.service.audit(m.estate)
        for s in self.screen_stack:
            if isinstance(s, ConsoleScreen):
                s.refresh_from_estate()
        if self.service.suppressions_error:  # never silently: the verdicts are then stricter than the audit's
            self.notify(self.service.suppressions_error, title="Suppressions not applied", severity="warning",
                        timeout=20)
        asked, self._open_when_read = self._open_when_read, None
        if asked is not None and isinstance(self.screen, RegistryListScreen):  # still where it was asked for
            self.open_registry(*asked)
        for note in m.estate.notes:  # how it was read (Resource Graph fell back to ARM): not a gap, still said
            self.notify(f"note: {note}", title="How the estate was read", timeout=15)
        if m.estate.errors:
            first = m.estate.gaps[0].text if m.estate.gaps else m.estate.errors[0]
            self.notify(f"{len(m.estate.errors)} reads failed: what they hide shows as ? (unknown), never as passed. "
                        f"First: {first}", title="Incomplete read", severity="warning")

    # ------------------------------------------------------------ navigation
    def open_subscriptions(self, ids: list[str]) -> None:
        self._open_when_read = None
        self.chosen = ids
        self.chosen_names = [self.subscriptions.get(i, i) for i in ids]
        self.estate = None
        self.report = None
        self.streamed = {}
        self.paging = set()
        # the registry list sits right above the subscription picker
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.push_screen(RegistryListScreen())
        self._load_pending = self.service is None  # then the estate loads once the session is open
        if self.service is not None:
            self.load_estate(ids)

    def open_registry(self, registry_id: str, tab: str = "overview") -> None:
        if self.estate is None:
            listed = next((r for regs in self.streamed.values() for r in regs if r.id.lower() == registry_id.lower()
                           or r.name.lower() == registry_id.lower()), None)
            if listed is not None:  # on screen from the listing, its other reads still under way: open it then
                self._open_when_read = (listed.id, tab)
                self.status(f"Reading {listed.name}'s settings: it opens when the estate's reads are in.")
                return
        if self.estate is None or self.estate.registry(registry_id) is None:
            self.notify(f"No registry {registry_id} in the estate.", severity="warning")
            return
        from .screens.registry import RegistryScreen

        self.push_screen(RegistryScreen(self.estate.registry(registry_id).id, tab))  # type: ignore[union-attr]

    def action_refuse_read_only(self, what: str) -> None:
        """A write key in a read-only session: say so where the operator looks (the status line)."""
        self.status(f"read-only session: {what} is not available", warning=True)

    def status(self, text: str, *, warning: bool = False) -> None:
        """One line of feedback on the current view's status line (a toast where the view has none)."""
        from textual.widgets import Label

        lines = self.screen.query("#status-line")
        if lines:
            lines.first(Label).update(f"⚠ {text}" if warning else text)
        self.notify(text, severity="warning" if warning else "information")

    def start_wizard(self, name: str, registry_id: str, prefill: dict[str, object] | None = None) -> None:
        """Open a change wizard (``prefill``: widget id → starting value); a read-only session has none."""
        if self.read_only:
            self.action_refuse_read_only(f"the {name} wizard")
            return
        from . import gates
        from .screens.modals import UnavailableModal
        from .screens.wizards import WIZARDS

        reg = self.estate.registry(registry_id) if self.estate else None
        if reg is None or self.estate is None or self.service is None:  # said, never a silent no-op
            self.status("The estate is still being read: changes open once every read is in." if self.estate is None
                        else f"No registry {registry_id} in the estate.", warning=True)
            return
        refused = gates.gate(name, reg, self.estate)
        if refused is not None:  # say why now, not after a form and a plan review

            def next_step(alternative: str | None) -> None:
                if alternative:
                    self.start_wizard(alternative, registry_id)

            self.push_screen(UnavailableModal(reg.name, refused), next_step)
            return

        def reviewed(plan: Any) -> None:
            if plan is not None:
                self.notify("Reading current state and checking the plan…", title="Planning")
                self.prepare_plan(plan)

        wizard = WIZARDS[name](self.estate, reg, self.service)
        wizard.prefill = dict(prefill or {})
        self.push_screen(wizard, reviewed)

    # ------------------------------------------------------------ app-level actions (bound per screen)
    def action_help(self) -> None:
        s = self.screen
        self.push_screen(HelpModal(getattr(s, "SCREEN_ID", "base"), str(getattr(s, "VIEW", "")), self.read_only,
                                   s.gates() if isinstance(s, ConsoleScreen) else None))

    def action_toggle_activity(self) -> None:
        self.show_activity = not self.show_activity

    def watch_show_activity(self, shown: bool) -> None:
        from .widgets.activity import ActivityPane

        for s in self.screen_stack:
            for pane in s.query(ActivityPane):
                pane.set_class(shown, "shown")
                pane.sync()

    def action_show_activity_screen(self) -> None:
        from .screens.activity import ActivityScreen

        if not isinstance(self.screen, ActivityScreen):
            self.push_screen(ActivityScreen())

    def action_show_matrix(self) -> None:
        from .screens.matrix import MatrixScreen

        if self.estate is not None and not isinstance(self.screen, MatrixScreen):
            self.push_screen(MatrixScreen())

    def action_show_audit(self) -> None:
        if self.estate is not None and not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen())

    def action_refresh_estate(self) -> None:
        self.refresh_estate()

    def refresh_estate(self) -> None:
        """Read the estate again (ctrl+r, after an apply; on the picker, the subscriptions). A context opened before
        the subscriptions were known is every visible one: a refresh must never be a silent no-op."""
        if isinstance(self.screen, SubscriptionScreen) and self.service is not None:
            self.load_subscriptions(fresh=True)  # the picker shows the subscriptions: read them again
            return
        if not self.subscriptions and self.service is not None:  # their listing failed (sign-in): list again
            self.load_subscriptions()
        if not self.chosen and self.subscriptions:
            self.chosen = list(self.subscriptions)
        if self.chosen:
            self.load_estate(self.chosen)
        elif self.subscriptions or self.service is None:
            self.notify("No subscription is open yet: nothing to refresh.", severity="warning")

    def action_pick_subscriptions(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_jump(self) -> None:
        names = sorted(r.name for r in self.estate.registries) if self.estate else []
        choices = ["registries", "audit", "matrix", "subscriptions", "activity", "log", *names]

        def go(target: str | None) -> None:
            if not target:
                return
            t = target.lower()
            if t in ("registries", "reg", "acr"):
                while len(self.screen_stack) > 3:
                    self.pop_screen()
            elif t in ("audit", "findings"):
                self.action_show_audit()
            elif t in ("subscriptions", "subs", "ctx", "context"):
                self.action_pick_subscriptions()
            elif t == "activity":
                self.action_toggle_activity()
            elif t == "log":
                self.action_show_activity_screen()
            elif t == "matrix":
                self.action_show_matrix()
            elif self.estate and self.estate.registry(t):
                self.open_registry(t)
            else:
                self.notify(f"Nothing called {target}.", severity="warning")

        self.push_screen(JumpModal(choices), go)


def console_app(options: TargetOptions, *, demo_dir: str | Path | None = None,
                demo_process: bool = False, demo_emulator: Any = None) -> AcrtuiApp:
    """The console for resolved session options (``acrtui.options.session_options``): read-only there means a
    read-only app on a read-only session; the keymap comes from the settings file. Subscriptions given (option or
    settings) open straight onto the registry list. ``--demo`` keeps its journal and saved plans in ``demo_dir``
    (a temporary directory): the demo estate lives as long as the process, so does what was done to it.
    ``demo_process``: run the demo emulator in a child process (:mod:`acrtui.tui.demo`), started after the first
    frame; otherwise in process (tests, screenshots). ``demo_emulator``: that child, already started (``run_tui``
    starts it before the console is built, so it comes up while Textual draws the first frame)."""
    from acrtui.config import only_defaults

    keymap: dict[str, str] = {}
    if not only_defaults():  # a settings file or ACRTUI_* setting: the model reads it (pydantic, ~0.3 s)
        from acrtui.settings import load_settings

        keymap = load_settings().keymap
    env = dict(os.environ)  # the target is decided now, at start, though the session opens after the first paint

    def factory() -> ConsoleService:
        import dataclasses

        from acrtui.azure.targets import open_session

        from .service import ConsoleService

        if not (options.demo and demo_process):
            return ConsoleService(open_session(options, env), clock=lambda: dt.datetime.now(dt.UTC))
        from .demo import DemoEmulator

        demo = demo_emulator or DemoEmulator(options.demo_seed, options.cloud)
        ConsoleService.warm()  # while the emulator starts, on the other core
        try:  # reached as any emulator is, and still the demo (no journal on disk, the DEMO badge)
            session = open_session(dataclasses.replace(options, demo=False),
                                   demo.session_env(read_only=options.read_only))
        except BaseException:
            demo.stop()
            raise
        session.target = "demo"
        session.closers.append(demo.stop)
        return ConsoleService(session, clock=lambda: dt.datetime.now(dt.UTC))

    where: dict[str, Any] = {}
    if options.demo:
        base = Path(demo_dir or tempfile.mkdtemp(prefix="acrtui-demo-"))
        where = {"plan_dir": base, "journal_path": base / "journal.jsonl"}
    app = AcrtuiApp(factory, read_only=options.read_only, lazy=True, auto_open=list(options.subscriptions) or None,
                    **where)
    if keymap:
        app.set_keymap(keymap)  # remap by binding id, as Posting does
    return app


DEMO_GONE = ("Demo: the demo estate was in memory and is thrown away, with what was applied to it, the journal and "
             "any saved plans ({where}). Nothing was written to your state directory.")


def run_tui(options: TargetOptions) -> int:
    """Open the console (``acrtui``); returns the process exit code."""
    import sys

    demo_dir = Path(tempfile.mkdtemp(prefix="acrtui-demo-")) if options.demo else None
    early = None
    try:
        try:
            from .demo import DemoEmulator, spare_core

            in_child = bool(options.demo) and spare_core()
            early = DemoEmulator(options.demo_seed, options.cloud) if in_child else None  # starts now, on its core
            app = console_app(options, demo_dir=demo_dir, demo_process=in_child, demo_emulator=early)
        except AcrtuiError as e:
            print(f"{e.title}: {e.message}", file=sys.stderr)
            return int(e.exit_code)
        result = app.run()
        journal = app._journal
        cut = journal.interrupted if journal is not None else None
        if journal is not None and cut is not None:  # quit (or stopped waiting) mid-apply: say what may still run
            print(f"Interrupted: {cut.message} Azure may still be running it. Check with `acrtui plan FILE` or the "
                  f"portal, then apply again: it converges. Journal: {journal.path}", file=sys.stderr)
        return int(result if isinstance(result, int) else app.exit_code)
    finally:
        if early is not None:  # the session stops it on close; not opened (quit at once, an error): stop it here
            early.stop()
        if demo_dir is not None:
            shutil.rmtree(demo_dir, ignore_errors=True)
            print(DEMO_GONE.format(where=demo_dir), file=sys.stderr)
