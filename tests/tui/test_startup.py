"""The console's first seconds: drawn before the session opens, rows streamed per subscription with a progress
count, straight onto the registry list when the subscriptions are known; ``--demo`` writes nothing outside a
temporary directory it removes; the journal names what a switch did."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Label

from acrtui.azure.targets import TargetOptions
from acrtui.azure.writes import Writer
from acrtui.domain.actions import EnableDataEndpoint, SetAdminUser, SetPublicNetworkAccess
from acrtui.emulator import Emulator
from acrtui.plan.executor import Executor, Journal
from acrtui.tui import app as app_module
from acrtui.tui.app import AcrtuiApp
from acrtui.tui.screens.lists import RegistryListScreen, SubscriptionScreen
from acrtui.tui.screens.plan import PlanScreen
from acrtui.tui.screens.wizards import Wizard

from .conftest import SIZE, console_service, dump, wait_for
from .test_console import open_registry, review_and_apply


def all_subscriptions(demo: Emulator) -> list[str]:
    return sorted(demo.subscription_ids)


async def test_first_paint_does_not_wait_for_the_session(demo: Emulator, tmp_path: Path) -> None:
    """The frame, the registry list and what it is doing are on screen while the session is still opening (the
    factory is held until the test has seen them): the SDK import and the emulator start never block the paint."""
    gate = threading.Event()

    def factory() -> Any:
        assert gate.wait(60), "the test never let the session open"
        return console_service(demo)

    app = AcrtuiApp(factory, read_only=False, lazy=True, auto_open=all_subscriptions(demo), plan_dir=tmp_path,
                    journal_path=tmp_path / "journal.jsonl")
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryListScreen) and "Signing in" in dump(app))
        assert app.service is None and demo.request_log == []  # nothing sent yet: the picture came first
        screen = dump(app)
        assert "acrtui" in screen and "3 subscriptions" in screen and "? Help" in screen
        gate.set()
        await wait_for(pilot, lambda: app.estate is not None and "8 of 8 registries" in dump(app))
        assert isinstance(app.screen_stack[1], SubscriptionScreen)  # ctrl+s / esc still reach the picker


async def test_rows_stream_in_per_subscription_with_a_progress_count(demo: Emulator, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Every redraw of the registry list while loading is recorded: each subscription's registries appear as soon
    as it is listed, with "n of 3 subscriptions listed", and no verdict ("…") before the rest of the reads."""
    frames: list[dict[str, Any]] = []
    fill = RegistryListScreen.fill

    def recording_fill(screen: RegistryListScreen) -> None:
        fill(screen)
        table = screen.query_one(DataTable)
        findings = {str(k.value): str(table.get_row(k)[1]) for k in table.rows}
        frames.append({"listed": sorted(getattr(screen.app, "streamed", {})), "rows": findings,
                       "label": str(screen.query_one("#loading-label", Label).render()),
                       "loaded": getattr(screen.app, "estate", None) is not None,
                       "table_shown": table.display})

    monkeypatch.setattr(RegistryListScreen, "fill", recording_fill)
    app = AcrtuiApp(lambda: console_service(demo), read_only=False, lazy=True, auto_open=all_subscriptions(demo),
                    plan_dir=tmp_path, journal_path=tmp_path / "journal.jsonl")
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.estate is not None and frames and frames[-1]["loaded"])
        estate = app.estate
        assert estate is not None
    by_sub = {s: {r.id for r in estate.registries if r.subscription_id == s} for s in estate.subscriptions}
    streaming = [f for f in frames if not f["loaded"] and f["listed"]]
    assert [len(f["listed"]) for f in streaming][:1] == [1], frames
    seen_counts = sorted({len(f["listed"]) for f in streaming})
    # drawn as they answer: the first subscription's rows at once; listings that arrive together, drawn together
    assert seen_counts[0] == 1 and seen_counts[-1] == 3, seen_counts
    for f in streaming:
        assert f["table_shown"]
        assert f"{len(f['listed'])} of 3 subscriptions listed" in f["label"], f["label"]
        assert set(f["rows"]) == set().union(*(by_sub[s] for s in f["listed"]))  # exactly those listed so far
        assert set(f["rows"].values()) == {"…"}  # findings wait for every read
    final = frames[-1]
    assert len(final["rows"]) == 8 and "…" not in final["rows"].values()


async def test_one_visible_subscription_opens_straight_onto_the_registry_list(demo: Emulator, tmp_path: Path) -> None:
    svc = console_service(demo)
    prod = next(b["subscriptionId"] for b in demo.state.subscriptions.values() if b["displayName"] == "contoso-production")
    svc.session.subscriptions = [prod]  # as --subscription does: the only one on offer
    app = AcrtuiApp(svc, plan_dir=tmp_path, journal_path=tmp_path / "journal.jsonl")
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.estate is not None and isinstance(app.screen, RegistryListScreen))
        assert app.chosen == [prod] and "3 of 3 registries" in dump(app)  # no key was pressed


def test_console_with_subscriptions_given_opens_on_the_registry_list() -> None:
    app = app_module.console_app(TargetOptions(subscriptions=["a", "b"]))
    assert app.auto_open == ["a", "b"] and app.service is None  # the session opens in a worker, after the paint


def test_demo_writes_nothing_outside_its_temporary_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``acrtui --demo``: a plan saved with ctrl+w and an apply's journal land in the demo's temporary directory,
    not in the state directory or the working directory; on exit it is removed and the console says so."""
    import os

    monkeypatch.chdir(tmp_path)
    seen: dict[str, Any] = {}

    async def drive(app: AcrtuiApp) -> None:
        app.animation_level = "none"
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: bool(app.subscriptions))
            if isinstance(app.screen, SubscriptionScreen):
                await pilot.press("ctrl+a")
            await open_registry(app, pilot, "contosoprodpinned")
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
            app.screen.query_one("#wizard-review").press()  # type: ignore[attr-defined]
            await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
            await pilot.press("ctrl+w")
            seen["saved"] = app.screen.saved_to  # type: ignore[attr-defined]
            app.pop_screen()
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
            plan = await review_and_apply(app, pilot)
            assert plan.state == "done"
            seen["journal"] = app.journal.path
            seen["journal_lines"] = app.journal.entries()
            seen["files_during"] = sorted(str(p) for p in os.listdir(app.plan_dir))

    monkeypatch.setattr(AcrtuiApp, "run", lambda app, *a, **k: asyncio.run(drive(app)) or 0)
    assert app_module.run_tui(TargetOptions(demo=True)) == 0
    saved, journal = Path(seen["saved"]), Path(seen["journal"])
    demo_dir = journal.parent
    assert saved.parent == demo_dir and saved.name in seen["files_during"], seen
    assert any(e.get("event") == "step" for e in seen["journal_lines"])
    assert demo_dir.name.startswith("acrtui-demo-") and not demo_dir.exists()  # thrown away on exit
    state = Path(os.environ["XDG_STATE_HOME"])
    assert not state.exists() or list(state.rglob("*")) == []
    assert list(tmp_path.iterdir()) == []  # nothing in the working directory either
    assert "demo estate" in capsys.readouterr().err and "thrown away" in app_module.DEMO_GONE


async def test_the_journal_records_the_operation_not_the_switch_name(demo: Emulator, tmp_path: Path) -> None:
    """A data-endpoint disable is journaled as DisableDataEndpoint; ``kind`` stays the plan-file type."""
    svc = console_service(demo)
    reg = next(r for r in demo.state.of_type("Microsoft.ContainerRegistry/registries")
               if r.body["name"] == "contosoprodacr")
    rid = reg.body["id"]
    journal = Journal(tmp_path / "journal.jsonl")
    actions = [EnableDataEndpoint(resource_id=rid, old=True, new=False),
               SetAdminUser(resource_id=rid, old=False, new=True)]
    try:
        result = await svc.run(Executor(Writer(svc.session), journal).run(actions))
    finally:
        await svc.close()
    assert result.ok, result.error
    steps = [json.loads(line) for line in journal.path.read_text().splitlines()]
    done = {e["kind"]: e["operation"] for e in steps if e.get("status") == "succeeded"}
    assert done == {"EnableDataEndpoint": "DisableDataEndpoint", "SetAdminUser": "EnableAdminUser"}
    assert SetPublicNetworkAccess(resource_id=rid, old="Enabled", new="Disabled").operation == \
        "DisablePublicNetworkAccess"
    started = [e for e in steps if e.get("status") == "started"]
    assert started[0]["description"].startswith("Disable dedicated data endpoints")
    assert reg.body["properties"]["dataEndpointEnabled"] is False
    # the saved-plan form is unchanged: the kind (and key) still load as the same action type
    assert EnableDataEndpoint.model_validate(actions[0].model_dump()).key.startswith("EnableDataEndpoint:")


def test_the_console_entry_module_loads_no_sdk_and_no_domain() -> None:
    """Structural guard for the first frame: importing the console (and the CLI path that opens it) loads neither
    the Azure SDK's management clients, nor azure-identity, aiohttp, the emulator or the domain models — they load
    in the worker after the first paint. Not timed: it checks what a fresh interpreter has imported."""
    import subprocess
    import sys

    code = "import sys, acrtui.cli, acrtui.tui.app, acrtui.tui.demo; print('\\n'.join(sys.modules))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    heavy = sorted(m for m in loaded if m.startswith(("azure.mgmt", "azure.identity", "aiohttp", "acrtui.emulator",
                                                      "acrtui.domain", "acrtui.audit", "acrtui.azure.inventory")))
    assert heavy == [], heavy
    assert "textual.app" in loaded  # the guard is looking at the right process


@pytest.mark.parametrize("read_only", [False, True])
async def test_the_demo_emulator_runs_in_a_child_process_that_ends_with_the_console(read_only: bool) -> None:
    """``acrtui --demo`` (``run_tui``): the demo estate is served by ``acrtui emulator --seed demo`` in a child
    process, reached over TLS like any emulator, still a demo session (no journal on disk); closing stops it. A
    read-only demo signs in as the emulator's reader (and keeps the pipeline guard)."""
    from acrtui.plan.executor import target_key

    app = app_module.console_app(TargetOptions(demo=True, read_only=read_only), demo_process=True)
    factory = app._service_source
    assert callable(factory)
    svc = await asyncio.to_thread(factory)
    try:
        assert svc.session.target == "demo" and svc.session.emulator is None  # not in this process
        assert target_key(svc.session) is None and svc.session.read_only is read_only
        env = svc.session.closers[0].__self__.env()
        want = env["ACRTUI_READER_CLIENT_ID"] if read_only else env["AZURE_CLIENT_ID"]
        assert svc.session.principal_hint == want
        child = svc.session.closers[0].__self__.proc
        assert child.poll() is None and "emulator" in child.args
        estate = await svc.load(list(await svc.subscriptions()))
        assert len(estate.registries) == 8 and not estate.errors
    finally:
        await svc.close()
    assert child.wait(10) is not None  # stopped with the session



async def test_a_resource_graph_load_shows_rows_listed_through_arm_meanwhile(demo: Emulator, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Resource Graph hands every registry over only after its whole query (a minute at fleet:10000x20): the console
    lists each subscription's registries through ARM meanwhile. The Graph listing is held here until the test has
    seen every registry on screen, listed and without a verdict; then the estate completes as usual."""
    from acrtui.azure import inventory_graph

    release = threading.Event()
    real = inventory_graph.list_graph

    async def held(*args: Any, **kwargs: Any) -> Any:
        await asyncio.to_thread(release.wait, 60)  # on the session's loop; the test's loop sets it
        return await real(*args, **kwargs)

    monkeypatch.setattr(inventory_graph, "list_graph", held)

    def factory() -> Any:
        svc = console_service(demo)
        svc.session.inventory = "graph"
        return svc

    app = AcrtuiApp(factory, read_only=False, plan_dir=tmp_path, auto_open=all_subscriptions(demo),
                    journal_path=tmp_path / "journal.jsonl")
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        try:
            await wait_for(pilot, lambda: sum(len(v) for v in app.streamed.values()) == 8)
            screen = app.screen
            assert isinstance(screen, RegistryListScreen) and app.estate is None
            table = screen.query_one(DataTable)
            assert table.row_count == 8 and {str(table.get_row_at(i)[1]) for i in range(8)} == {"…"}
        finally:
            release.set()
        await wait_for(pilot, lambda: app.estate is not None and "8 of 8 registries" in dump(app))


async def test_the_sessions_requests_run_on_its_own_thread_never_on_the_ui_loop(make_app: Any, demo: Emulator) -> None:
    """Every request of a load, a wizard's reads, a plan's preparation and its apply is sent from the session's
    I/O thread: the UI's event loop never waits on the SDK (its deserialisation held keystrokes for seconds)."""
    from textual.widgets import Checkbox

    app = make_app(auto_open=[])
    threads: set[str] = set()
    app.service.session.journal.listeners.append(lambda e: threads.add(threading.current_thread().name))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.report is not None)
        await open_registry(app, pilot, "sandboxstd")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
        app.screen.query_one("#auth-anon", Checkbox).value = False
        await pilot.pause()
        plan = await review_and_apply(app, pilot)
        assert plan.state == "done"
        await wait_for(pilot, lambda: not any(r.anonymous_pull_enabled for r in app.estate.registries
                                              if r.name == "sandboxstd"))
    writes = [e for e in app.service.session.journal if e.is_write]
    assert writes and threads == {"acrtui-io"}, threads


FIRST_FRAME = r'''
import asyncio, sys, threading
from acrtui.options import session_options
from acrtui.tui.app import AcrtuiApp
from acrtui.tui.screens.lists import RegistryListScreen

options = session_options(None, subscriptions=["00000000-0000-0000-0000-000000000001"])
held = threading.Event()

def factory():  # the session never opens: what is loaded is what the first frame needed
    held.wait(30)
    raise SystemExit(0)

async def main():
    app = AcrtuiApp(factory, read_only=options.read_only, lazy=True, auto_open=list(options.subscriptions))
    async with app.run_test(size=(160, 45)) as pilot:
        for _ in range(200):
            await pilot.pause(0.02)
            screen = app.screen
            if isinstance(screen, RegistryListScreen) and "Signing in" in str(screen.query_one("#loading-label").render()):
                break
        else:
            raise SystemExit("the registry list never drew")
        print("\n".join(sys.modules))
        held.set()

asyncio.run(main())
'''


def test_the_first_frame_needs_no_pydantic_no_sdk_and_no_domain(tmp_path: Path) -> None:
    """Behavioural guard for the first frame, in a fresh interpreter on the command line's path (options from
    the defaults, no settings file): the registry list is drawn, saying it is signing in, while neither pydantic
    (settings or domain models, ~0.5 s), azure-core, the domain nor the audit has been imported. The first frame
    waited ~0.5 s for the audit's import (its cells) and ~0.3 s for the settings model before."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ACRTUI_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path))
    run = subprocess.run([sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    loaded = set(run.stdout.split())
    assert "textual.app" in loaded and "acrtui.tui.screens.lists" in loaded  # looking at the right process
    heavy = sorted(m for m in loaded if m.split(".")[0] in ("pydantic", "pydantic_settings", "yaml") or
                   m.startswith(("azure.", "acrtui.domain", "acrtui.audit", "acrtui.settings")))
    assert heavy == [], heavy


async def test_the_subscriptions_are_listed_once_when_the_picker_and_the_load_ask_together(demo: Emulator,
                                                                                           tmp_path: Path) -> None:
    """On start the picker and the estate's load both ask for the subscriptions at once: one list goes out."""
    svc = console_service(demo)
    try:
        a, b = await asyncio.gather(svc.subscriptions(), svc.subscriptions())
        assert a == b and a
        lists = [r for r in demo.request_log if r.method == "GET" and r.path.rstrip("/").endswith("/subscriptions")]
        assert len(lists) == 1, [r.path for r in lists]
    finally:
        await svc.close()


async def test_subscriptions_given_by_id_still_get_the_production_badge(demo: Emulator, tmp_path: Path) -> None:
    """Opened with ``--subscription`` ids (straight onto the list, before any name is known), the header shows the
    PRODUCTION badge once the names are read: it stayed without it, saying "2 subscriptions" over production."""
    names = {s["subscriptionId"]: s["displayName"] for s in demo.state.subscriptions.values()}
    prod, stg = (i for i, n in sorted(names.items(), key=lambda kv: kv[1]) if "sandbox" not in n)
    app = AcrtuiApp(lambda: console_service(demo), read_only=False, lazy=True, auto_open=[prod, stg],
                    plan_dir=tmp_path, journal_path=tmp_path / "journal.jsonl")
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.estate is not None and "5 of 5 registries" in dump(app))
        top = dump(app).splitlines()[0]
        assert "PRODUCTION (1 of 2)" in top and "2 subscriptions" in top, top


async def test_enter_on_a_streamed_row_opens_the_registry_once_its_reads_are_in(
        demo: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row is on screen from the listing while the rest of the estate is read: Enter on it said "No registry …
    in the estate" (it is right there). Now it says it is reading and opens the registry when the reads are in."""
    from acrtui.tui.screens.registry import RegistryScreen
    from acrtui.tui.service import ConsoleService

    gate = threading.Event()
    audit = ConsoleService.audit_off_loop

    async def held(self: ConsoleService, estate: Any) -> Any:
        await asyncio.to_thread(gate.wait, 60)  # the estate stays "loading" until the test lets it finish
        return await audit(self, estate)

    monkeypatch.setattr(ConsoleService, "audit_off_loop", held)
    app = AcrtuiApp(lambda: console_service(demo), read_only=False, lazy=True, auto_open=all_subscriptions(demo),
                    plan_dir=tmp_path, journal_path=tmp_path / "journal.jsonl")
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.streamed) == 3 and "contosostgacr" in dump(app))
        await pilot.press("slash", *"contosostgacr", "enter", "enter")
        await pilot.pause()
        assert app.estate is None and isinstance(app.screen, RegistryListScreen)
        line = str(app.screen.query_one("#status-line", Label).content)
        assert "Reading contosostgacr's settings" in line, line
        assert not any("No registry" in n.message for n in app._notifications)
        gate.set()
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen))
        assert "registry contosostgacr" in dump(app).splitlines()[0]


async def test_a_graph_bound_load_streams_each_subscriptions_rows_page_by_page(demo: Emulator) -> None:
    """Before Resource Graph's listing is in, each subscription's ARM list is shown page by page (at fleet scale
    ARM's 100-a-page lists are five round trips): every page's rows as it arrives, ``partial`` while more pages
    follow, and each subscription ends complete."""
    demo.config.page_size = 1
    svc = console_service(demo)
    svc.session.inventory = "graph"
    heard: list[tuple[str, list[str], bool]] = []

    def listed(sub: str, registries: list[Any], partial: bool = False) -> None:
        heard.append((sub, [r.id for r in registries], partial))

    try:
        estate = await svc.load(all_subscriptions(demo), None, listed)
    finally:
        await svc.close()
    by_sub = {s: sorted(r.id for r in estate.registries if r.subscription_id == s) for s in estate.subscriptions}
    big = max(by_sub, key=lambda s: len(by_sub[s]))
    assert len(by_sub[big]) >= 3
    pages = [ids for sub, ids, partial in heard if sub == big and partial]
    assert [len(p) for p in pages[:2]] == [1, 2]  # a row a page (page size 1), growing
    for sub, ids in by_sub.items():
        last = [(i, p) for s, i, p in heard if s == sub][-1]
        assert sorted(last[0]) == ids and last[1] is False  # complete, said so


def test_a_key_makes_the_session_loop_step_aside_until_it_has_been_handled() -> None:
    """The console's I/O loop, asked to step aside (a key or click), runs nothing more until HOLD_S after the
    latest ask: what it had queued waits, and a second ask extends the hold."""
    from acrtui.tui.service import IoLoop

    io = IoLoop()
    try:
        io.step_aside()
        io.step_aside()
        until = io._hold_until

        async def when() -> float:
            import time

            return time.monotonic()

        ran = asyncio.run_coroutine_threadsafe(when(), io.loop).result(30)
        assert ran >= until
        assert not io._holding
    finally:
        io.stop()
