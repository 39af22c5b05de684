# mypy: disable-error-code="attr-defined"
"""Keyboard, focus and feedback (issue 12): each bullet driven from the keyboard with Pilot, against the demo
emulator (real SDK over TLS). The old console fails each of these: no focus on the typed name, silent cancels,
PageDown doing nothing on the plan review and the Findings tab, wizards opening on nothing, write keys in
read-only doing nothing without a word, ``:`` ignoring the suggestion, the data-endpoint switch opening "on"."""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll
from textual.widgets import Button, Checkbox, DataTable, Input, Label, RichLog, Select

from acrtui.emulator import Emulator
from acrtui.tui.screens.activity import ActivityScreen
from acrtui.tui.screens.lists import AuditScreen, RegistryListScreen
from acrtui.tui.screens.matrix import MatrixScreen
from acrtui.tui.screens.modals import ConfirmModal, ErrorModal, HelpModal, UnavailableModal
from acrtui.tui.screens.plan import PlanScreen, console_terms, touched_subscriptions
from acrtui.tui.screens.registry import RegistryScreen
from acrtui.tui.screens.wizards import WIZARDS, Wizard

from .conftest import SIZE, dump, wait_for
from .test_console import open_list, open_registry, plain


def notes_of(app: Any) -> list[str]:
    """Every toast the app raised so far (toasts expire from the screen; this keeps them all)."""
    if not hasattr(app, "_said"):
        app._said = []
        notify = app.notify

        def record(message: str, *args: Any, **kw: Any) -> None:
            app._said.append(message)
            notify(message, *args, **kw)

        app.notify = record
    return list(app._said)


def status_line(app: Any) -> str:
    return str(app.screen.query_one("#status-line", Label).content)


async def open_wizard(app: Any, pilot: Any, key: str) -> Wizard:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard | UnavailableModal))
    await pilot.pause()
    return app.screen  # type: ignore[no-any-return]


async def test_confirmations_focus_enter_and_cancel_feedback(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    notes_of(app)  # start recording
    async with app.run_test(size=SIZE) as pilot:
        await open_registry(app, pilot, "contosoprodpinned")
        wiz = await open_wizard(app, pilot, "v")
        assert app.focused is not None and app.focused in wiz.query_one("#wizard-body").query("*")
        wiz.query_one("#fix-audit", Checkbox).value = False
        await pilot.pause()
        wiz.query_one("#wizard-review", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        plan = app.screen
        before = demo.last_seq
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert app.focused.id == "confirm-name"  # a typed confirmation opens on the name box
        await pilot.press(*"kv-wrong", "enter")
        assert isinstance(app.screen, ConfirmModal)  # Enter on a wrong name does not confirm, and says why
        assert "is not kv-contoso-ledger" in plain(app.screen.query_one("#confirm-why"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is plan)
        assert "Cancelled, nothing changed." in notes_of(app)
        assert "cancelled, nothing changed" in str(plan.query_one("#plan-headline", Label).content).lower()
        assert demo.writes(before) == []
        n = len(notes_of(app))
        await pilot.press("escape")  # back to the registry: leaving a reviewed plan says nothing changed
        await pilot.pause()
        assert notes_of(app)[n:] == ["Plan not applied. Cancelled, nothing changed."]
        await pilot.press("escape")
        # a plain confirmation keeps Cancel focused; the wizard's esc says nothing changed too
        app.open_registry("sandboxpremium")
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen) and app.screen.registry.name == "sandboxpremium")
        n = len(notes_of(app))
        wiz = await open_wizard(app, pilot, "u")
        await pilot.press("escape")
        await pilot.pause()
        assert notes_of(app)[n:] == ["Cancelled, nothing changed."]
        wiz = await open_wizard(app, pilot, "u")
        wiz.query_one("#auth-arm", Checkbox).value = False
        wiz.query_one("#wizard-review", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert app.focused.id == "cancel"
        await pilot.press("enter")  # Enter on the focused Cancel
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert notes_of(app)[-1] == "Cancelled, nothing changed."
        assert demo.writes(before) == []


async def test_every_view_scrolls_from_the_keyboard(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=(100, 30)) as pilot:
        await open_registry(app, pilot, "contosoprodacr")
        await pilot.press("7")  # Findings: a list, PgDn moves through it
        await pilot.pause()
        table = app.screen.query_one("#findings-table", DataTable)
        assert app.focused is table and table.cursor_row == 0
        await pilot.press("pagedown")
        assert table.cursor_row > 0
        await pilot.press("home", "j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("escape")
        app.open_registry("contosostgacr", "private-link")  # a text view, scrolled by the same keys from the tab bar
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen) and app.screen.registry.name == "contosostgacr")
        await pilot.resize_terminal(100, 22)  # 100x30 shows all of it; shorter, it overflows
        await pilot.pause()
        scroller = app.screen.query_one("#scroll-private-link", VerticalScroll)
        assert scroller.max_scroll_y > 0, dump(app)
        await pilot.press("end")
        await pilot.pause()
        assert scroller.scroll_y == scroller.max_scroll_y
        await pilot.press("home")
        await pilot.pause()
        assert scroller.scroll_y == 0
        await pilot.press("j")
        await pilot.pause()
        assert scroller.scroll_y > 0
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        # help: fits or scrolls at 100x30, whole palette names on one line
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpModal)
        await pilot.pause()
        help_scroll = app.screen.query_one("#help-scroll", VerticalScroll)
        assert app.focused is help_scroll and help_scroll.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert help_scroll.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert "⌘ cmk: migrate to a new CMK registry" in dump(app) or "⌘ policy: assign built-in" in dump(app)
        await pilot.press("escape")
        # plan review: PgDn scrolls the plan; the Plan: line is above the fold
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
        app.screen.query_one("#fw-ips", Input).value = "203.0.113.0/24, 198.51.100.7"
        app.screen.query_one("#wizard-review", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.resize_terminal(100, 22)
        await pilot.pause()
        head = str(app.screen.query_one("#plan-headline", Label).content)
        assert head.startswith("Plan: ") and "to change" in head
        plan_scroll = app.screen.query_one("#plan-scroll", VerticalScroll)
        assert plan_scroll.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert plan_scroll.scroll_y > 0
        await pilot.press("escape")
        # activity full screen: whole URLs, filter, keyboard scroll
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, ActivityScreen))
        await pilot.pause()
        log = app.screen.query_one("#activity-log", RichLog)
        text = "\n".join(s.text for s in log.lines)
        assert "api-version=" in text and "/subscriptions/" in text  # whole URLs, query string included
        total = len(app.service.journal)
        await pilot.press("slash", *"vaults")
        await pilot.pause()
        kept = [s.text for s in log.lines if s.text[:2].isdigit()]  # an entry starts with its time; URLs wrap
        assert 0 < len(kept) < total
        assert "/vaults/" in "".join(s.text for s in log.lines).lower()
        assert all("vaults" in e.url.lower() for e in app.service.journal if app.screen.matches(e))
        assert "match" in status_line(app)


async def test_wizards_focus_first_field_and_enter_reviews(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    where = {"rotate": "contosoprodpinned", "migrate": "contosostgacr", "cmkfix": "contosoprodpinned",
             "endpoint": "sandboxpremium", "connections": "contosoprodpinned", "data": "sandboxpremium",
             "firewall": "sandboxpremium", "auth": "sandboxpremium", "policy": "sandboxpremium"}
    assert set(where) == set(WIZARDS)
    async with app.run_test(size=SIZE) as pilot:
        await open_list(app, pilot)
        for name, reg in where.items():
            app.start_wizard(name, app.estate.registry(reg).id)
            await wait_for(pilot, lambda: isinstance(app.screen, Wizard) and bool(app.screen.query("#wizard-body")))
            await pilot.pause()
            wiz = app.screen
            body = wiz.query_one("#wizard-body")
            assert app.focused is not None and app.focused in body.query("*"), (name, app.focused)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, Wizard))
        # a wizard that overflows scrolls with PgDn
        await pilot.resize_terminal(100, 22)
        app.start_wizard("firewall", app.estate.registry("sandboxpremium").id)
        await wait_for(pilot, lambda: isinstance(app.screen, Wizard) and bool(app.screen.query("#fw-ips")))
        await pilot.pause()
        body = app.screen.query_one("#wizard-body")
        assert body.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, Wizard))
        await pilot.resize_terminal(*SIZE)
        # Enter in a text field reviews the plan (the same in every wizard)
        app.start_wizard("firewall", app.estate.registry("sandboxpremium").id)
        await wait_for(pilot, lambda: isinstance(app.screen, Wizard) and bool(app.screen.query("#fw-ips")))
        app.screen.query_one("#fw-ips", Input).focus()
        await pilot.press(*"203.0.113.9", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert "203.0.113.9" in app.screen.plan.render()


async def test_findings_keys_enter_prefills_and_estate_grouping(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        reg = await open_registry(app, pilot, "sandboxpremium")
        await pilot.press("7")
        await pilot.pause()
        table = reg.query_one("#findings-table", DataTable)
        keys = [str(k.value) for k in table.rows]
        row = keys.index("ACR-POL-003")
        fix_cell = str(table.get_row_at(row)[4])
        assert fix_cell == "⏎/y Policy"  # the finding says which key fixes it
        table.move_cursor(row=row)
        await pilot.pause()
        assert "Press ⏎ (or y)" in plain(reg.query_one("#finding-detail"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
        await pilot.pause()
        assert app.screen.query_one("#pol-definition", Select).value == "0fdf0491-d080-4575-b627-ad0e843cba0f"
        await pilot.press("escape")
        # `/` on the registry filters its findings; a change key typed there goes into the box
        await pilot.press("slash", *"fire")
        await pilot.pause()
        assert isinstance(app.screen, RegistryScreen) and reg.findings_filter == "fire"
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryListScreen))
        # estate findings: grouped, sorted, Fix column; g regroups by registry then family
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
        audit = app.screen
        t = audit.query_one(DataTable)
        first = [str(t.get_row_at(i)[0]) for i in range(t.row_count)]
        assert first[0] == "▾ critical (1)" and any(x.startswith("▾ high") for x in first)
        assert {str(t.get_row_at(i)[5]) for i in range(t.row_count)} >= {"v Fix CMK", "f Firewall", "p Endpoint"}
        await pilot.press("g")
        assert str(t.get_row_at(0)[0]).startswith("▾ contosoprodacr")
        await pilot.press("g")
        assert str(t.get_row_at(0)[0]).startswith("▾ cmk")
        assert "grouped by family" in status_line(app)
        # the Finding column takes the terminal's width: wider terminal, longer messages
        widths = []
        for size in ((100, 30), (200, 40)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            widths.append(max(len(str(t.get_row_at(i)[4])) for i in range(t.row_count)))
        assert widths[1] > widths[0] + 40, widths


async def test_apply_finishes_once_and_leaves_the_key_bar(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_registry(app, pilot, "sandboxpremium")
        wiz = await open_wizard(app, pilot, "u")
        wiz.query_one("#auth-arm", Checkbox).value = False
        wiz.query_one("#wizard-review", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        plan = app.screen
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        app.screen.query_one("#confirm", Button).press()
        await wait_for(pilot, lambda: app.screen is plan)
        await plan.wait_done()
        await wait_for(pilot, lambda: "Finished" in str(plan.query_one("#plan-headline", Label).content))
        head = str(plan.query_one("#plan-headline", Label).content)
        assert "State re-read from Azure" in head
        lines = [s.text for s in plan.query_one("#plan-log", RichLog).lines]
        steps = [x for x in lines if x.startswith(("✓", "✗", "⧗")) and "Finished" not in x]
        assert len(steps) == len(plan.plan.actions) == len(set(steps))  # each step printed once
        bar = dump(app).splitlines()[-2:]
        assert not any("Apply" in x or "Save plan" in x for x in bar), bar
        assert [b.id for b in plan.query(Button) if b.display] == ["plan-cancel"]


async def test_read_only_write_keys_say_so(make_app: Any, demo: Emulator) -> None:
    app = make_app(read_only=True, auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_registry(app, pilot, "contosostgstd")
        await pilot.press("p")
        await pilot.pause()
        assert status_line(app) == "⚠ read-only session: create endpoint (private link) is not available"
        assert isinstance(app.screen, RegistryScreen)
        await pilot.press("m")
        await pilot.pause()
        assert "migrate to a new CMK registry (cmk) is not available" in status_line(app)
        cmk = plain(app.screen.query_one("#section-cmk"))
        assert "press m" not in cmk and "(press" not in dump(app)
        await pilot.press("7")
        await pilot.pause()
        t = app.screen.query_one("#findings-table", DataTable)
        assert all(str(t.get_row_at(i)[4]) == "" for i in range(t.row_count))  # no fix keys offered
        assert demo.writes() == []


async def test_production_badge_data_switch_jump_matrix_and_detail_pane(make_app: Any, demo: Emulator) -> None:
    from acrtui.tui import planning

    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_list(app, pilot)
        est = app.estate
        sandbox = est.registry("sandboxpremium")
        prod_sub = next(s for s, n in est.subscriptions.items() if "production" in n)
        subnet = (f"/subscriptions/{prod_sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/"
                  "vnet-prod/subnets/pe")
        plan = planning.build_private_endpoint(sandbox, subnet_id=subnet, name="pe-x", manual=False, zone_id=None)
        assert prod_sub in {s.lower() for s in touched_subscriptions(plan)}
        assert sandbox.subscription_id in touched_subscriptions(plan)
        # data endpoints: current state, in words, and a warning before turning them off with private endpoints
        app.open_registry("contosoprodacr")
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen))
        wiz = await open_wizard(app, pilot, "d")
        switch = wiz.query_one("#data-enabled", Checkbox)
        assert switch.value is True and str(switch.label).startswith("[on]")
        switch.value = False
        await pilot.pause()
        assert str(switch.label).startswith("[off]")
        assert "private endpoint connection" in plain(wiz.query_one("#wizard-notes"))
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryListScreen))
        # `:` then Enter takes the highlighted suggestion
        await pilot.press("colon", *"sandboxp")
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen))
        assert app.screen.registry.name == "sandboxpremium"
        await pilot.press("escape")
        # the posture matrix: a key away, registries × families, Enter opens the family's tab
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, MatrixScreen))
        m = app.screen.query_one(DataTable)
        assert m.row_count == len(est.registries) + 1 and len(m.columns) == 11  # name, 9 families, failing
        assert str(m.get_row_at(1)[1]).strip().startswith("✗4/9 C")  # contosoprodlost: critical CMK
        await pilot.press("slash", *"sandbox")
        await pilot.pause()
        assert m.row_count == 3 + 1  # `/` filters the matrix's registries too
        await pilot.press("escape")
        await pilot.pause()
        assert m.row_count == len(est.registries) + 1
        # at 100 columns the whole matrix fits without scrolling sideways: compact cells keep count + severity
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert len(m.columns) == 10 and str(m.get_row_at(1)[1]).strip() == "✗4C"
        assert m.virtual_size.width <= m.size.width and m.max_scroll_x == 0
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        m.move_cursor(row=1, column=1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen))
        assert app.screen.registry.name == "contosoprodlost" and app.screen.active_tab == "cmk"
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RegistryListScreen))
        # wide terminal: a detail pane for the selected row
        pane = app.screen.query_one("#detail-pane")
        assert not pane.display
        await pilot.resize_terminal(200, 45)
        await pilot.pause()
        assert pane.display
        await pilot.press("down")
        await pilot.pause()
        assert "contosoprodlost" in plain(app.screen.query_one("#detail")) and "ACR-CMK-003" in plain(
            app.screen.query_one("#detail"))


def test_ways_forward_in_console_terms() -> None:
    text = ("Way forward: Add keyVaults: [{name: kv-a, purgeProtection: true}] to the plan (irreversible)\n"
            "Way forward: Add keyVaults: [{name: kv-b, networkBypass: AzureServices}] to the plan.\n"
            "Way forward: Add a createCmkRegistry block: a new Premium registry with the key, import.images from "
            "acr1, then move clients and retire acr1. See docs/plan-files.md.")
    out = console_terms(text)
    assert "keyVaults" not in out and "createCmkRegistry" not in out and "docs/plan-files" not in out
    assert 'tick "Add to this plan: turn purge protection on for kv-a" under Ways forward' in out
    assert "(irreversible)" in out
    assert "let trusted Azure services (ACR) through kv-b's firewall\" under Ways forward" in out
    assert "press m on acr1 (CMK migration)" in out


async def test_help_shows_every_palette_command_whole_at_100_columns(make_app: Any) -> None:
    """Help at 100×30 on the registry view (its longest list): each "⌘ command" is on screen whole somewhere
    while scrolling — the palette column was cut ("⌘ registry: show data endpoint")."""
    from acrtui.tui.keymap import actions_for

    app = make_app(auto_open=[])
    async with app.run_test(size=(100, 30)) as pilot:
        await open_registry(app, pilot, "contosoprodacr")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpModal))
        await pilot.pause()
        seen = dump(app)
        scroll = app.screen.query_one("#help-scroll", VerticalScroll)
        while scroll.scroll_y < scroll.max_scroll_y:
            await pilot.press("pagedown")
            await pilot.pause()
            seen += dump(app)
        missing = [a.command for a in actions_for("registry", read_only=False) if a.command
                   and f"⌘ {a.command} " not in seen.replace("█", " ") + " "]
        assert missing == []


async def test_a_long_error_scrolls_and_keeps_its_close_button_on_screen(make_app: Any, demo: Emulator) -> None:
    """DefaultAzureCredential's reasons run to 40 lines at 100 columns: the way forward comes first, the rest
    scrolls from the keyboard, and Close stays on screen (it was pushed below the terminal's last row)."""
    app = make_app(auto_open=[])
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(app, pilot)
        reasons = "\n".join(f"  Credential{i}: unavailable, for reason number {i}." for i in range(60))
        app.show_error("Sign-in failed", "Could not sign in to Azure: run `az login` and try again.\n" + reasons)
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal))
        close = app.screen.query_one("#close", Button)
        assert close.region.bottom <= 30 and close.region.height > 0
        assert "run `az login`" in dump(app)
        body = app.screen.query_one("#error-body", VerticalScroll)
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y > 0 and "reason number 59." in dump(app)
        await pilot.press("home")
        await pilot.pause()
        assert body.scroll_y == 0
        await pilot.press("enter")  # Close is focused: Enter closes
        await pilot.pause()
        assert not isinstance(app.screen, ErrorModal)
