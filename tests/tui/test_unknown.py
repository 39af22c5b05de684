# mypy: disable-error-code="attr-defined"
"""The console shows what it could not read as unknown (yellow ``?``), never green, with the reason (issue 8 §2)."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Label, LoadingIndicator, Static

from acrtui.emulator import Emulator
from acrtui.tui.screens.lists import AuditScreen, RegistryListScreen, SubscriptionScreen
from acrtui.tui.screens.modals import ErrorModal

from .conftest import SIZE, dump, wait_for
from .test_console import open_list, open_registry, plain


def cells(screen: Any, name: str) -> dict[str, str]:
    t = screen.query_one(DataTable)
    cols = [str(c.label) for c in t.columns.values()]
    for i in range(t.row_count):
        row = [c.plain if hasattr(c, "plain") else str(c) for c in t.get_row_at(i)]
        if row[0] == name:
            return dict(zip(cols, row, strict=True))
    raise AssertionError(f"{name} not in the registry list")


async def test_unreadable_vaults_and_endpoints_show_as_unknown_with_the_reason(make_app: Any, demo: Emulator) -> None:
    demo.faults.add("503", path="/providers/Microsoft.KeyVault/")
    demo.faults.add("403", path="/providers/Microsoft.Network/privateEndpoints/[^/]+/privateDnsZoneGroups")
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_list(app, pilot)
        assert isinstance(app.screen, RegistryListScreen)
        acr = cells(app.screen, "contosoprodacr")  # CMK, approved private endpoint: both partly unread
        assert acr["CMK"] == "? vault unread" and acr["Private link"].startswith("? ")
        assert "unknown" in acr["Findings"] and "clean" not in acr["Findings"]
        basic = cells(app.screen, "sandboxbasic")  # nothing of it was hidden: as before
        assert "?" not in basic["Findings"] and basic["CMK"] == "—"
        status = str(app.screen.query_one("#status-line", Label).render())
        assert "INCOMPLETE" in status
        assert any("Incomplete read" in (n.title or "") for n in app._notifications)

        screen = await open_registry(app, pilot, "contosoprodacr")
        cmk = plain(screen.query_one("#section-cmk", Static))
        assert "? unknown" in cmk and "key vaults in" in cmk and "(unavailable)" in cmk
        pl = plain(screen.query_one("#section-private-link", Static))
        assert "? unknown" in pl and "DNS zone groups of" in pl and "(permission)" in pl
        assert "? unknown" not in plain(screen.query_one("#section-policy", Static))  # policy was read
        table = screen.query_one("#findings-table", DataTable)
        rows = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert any("? unknown" in r and "ACR-CMK-003" in r for r in rows), rows
        app.pop_screen()
        await pilot.pause()
        app.push_screen(AuditScreen())
        await pilot.pause()
        t = app.screen.query_one(DataTable)
        audit_rows = [[c.plain if hasattr(c, "plain") else str(c) for c in t.get_row_at(i)] for i in range(t.row_count)]
        assert ["? critical", "contosoprodacr", "cmk", "ACR-CMK-003"] in [r[:4] for r in audit_rows]
        assert "INCOMPLETE" in str(app.screen.query_one("#status-line", Label).render())
    assert demo.writes() == []


async def test_a_registry_listing_failure_says_registries_may_be_missing(make_app: Any, demo: Emulator) -> None:
    demo.faults.add("503", path="/providers/Microsoft.ContainerRegistry/registries$")
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_list(app, pilot)
        status = str(app.screen.query_one("#status-line", Label).render())
        assert "registries may be missing: registries in" in status


async def test_a_status_warning_is_shown_whole_on_a_narrow_terminal(make_app: Any, demo: Emulator) -> None:
    """At 100 columns the status line's tail — where "registries may be missing" sits — wraps, never cut."""
    demo.faults.add("503", path="/providers/Microsoft.ContainerRegistry/registries$")
    app = make_app(auto_open=[])
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(app, pilot)
        status = str(app.screen.query_one("#status-line", Label).render())
        assert len(status) > 100 and "registries may be missing" in status  # longer than a line: the case tested
        assert status.endswith("; and 1 more")  # three listings failed: two named, the count of the rest
        assert " ".join(status.split()) in " ".join(dump(app).split())  # on screen, its lines joined


async def close_errors(app: Any, pilot: Any) -> None:
    while isinstance(app.screen, ErrorModal):
        await pilot.press("escape")
        await pilot.pause()


async def test_a_failed_sign_in_is_never_shown_as_still_listing_and_ctrl_r_lists_again(make_app: Any,
                                                                                       demo: Emulator) -> None:
    demo.faults.add("403", path="/oauth2/")  # the token endpoint refuses: every read fails before it is sent
    app = make_app()  # the picker: "Listing subscriptions…" until they are listed
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(app.errors_shown))
        assert app.errors_shown[-1][0] == "Sign-in failed"
        await close_errors(app, pilot)
        assert isinstance(app.screen, SubscriptionScreen)
        status = str(app.screen.query_one("#status-line", Label).render())
        assert status.startswith("✗ Sign-in failed: nothing was read — ctrl+r reads again"), status
        assert "Listing" not in dump(app)
        demo.faults.clear()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: bool(app.subscriptions))
        assert "subscriptions visible to" in str(app.screen.query_one("#status-line", Label).render())
        assert app.read_failed is None

        def lists() -> int:
            return sum(r.method == "GET" and r.path.rstrip("/").endswith("/subscriptions") for r in demo.request_log)

        before = lists()
        await pilot.press("ctrl+r")  # on the picker, a refresh lists the subscriptions again (never a no-op)
        await wait_for(pilot, lambda: lists() == before + 1)


async def test_a_failed_estate_read_stops_the_spinner_and_says_so(make_app: Any, demo: Emulator) -> None:
    demo.faults.add("403", path="/oauth2/")
    ids = list(demo.state.subscriptions)  # as --subscription gives them: straight onto the list, "Reading…" until read
    app = make_app(auto_open=ids, lazy=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.errors_shown) == 2)  # the subscriptions' list and the estate's load
        await pilot.pause()
        assert sum(isinstance(s, ErrorModal) for s in app.screen_stack) == 1  # the same failure: one dialog
        await close_errors(app, pilot)
        screen = app.screen
        label = str(screen.query_one("#loading-label", Label).render())
        assert label.startswith("✗ Sign-in failed"), label
        assert not screen.query_one(LoadingIndicator).display and "Reading the estate" not in dump(app)
        await pilot.press("y")  # a change key on an empty list says why nothing opens
        await pilot.pause()
        assert "No registry is highlighted" in str(screen.query_one("#status-line", Label).render())
        demo.faults.clear()
        await pilot.press("ctrl+r")
        await open_list(app, pilot)
        assert app.estate is not None and app.read_failed is None
