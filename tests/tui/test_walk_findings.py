# mypy: disable-error-code="attr-defined"
"""What walking the wizards as a new operator tripped over (issue 12), each fixed and pinned here: an approval
with nothing to recognise the endpoint by and no word that its DNS is still missing; a policy identity's role shown
as a bare GUID; vault choices that do not say which ones can hold a registry key."""

from __future__ import annotations

from typing import Any

from textual.widgets import Select, Static

from acrtui.emulator import Emulator
from acrtui.tui.screens.plan import PlanScreen

from .conftest import SIZE, wait_for
from .test_console import plain
from .test_flows import open_wizard
from .test_ways_forward import reviewed


async def test_approval_shows_the_endpoint_and_says_its_dns_is_missing(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        wiz = await open_wizard(app, pilot, "contosoprodpinned", "a")
        await pilot.pause()
        about = plain(wiz.query_one("#conn-about", Static))
        assert "pe-contosoprodpinned in resource group" in about and "subscription contoso-production" in about
        assert "Request message:" in about
        screen = await reviewed(app, pilot)
        assert isinstance(screen, PlanScreen)
        text = screen.plan.render()
        assert "has no private DNS zone group" in text and "press p on contosoprodpinned" in text
        assert demo.writes() == []


async def test_policy_roles_by_name_and_vaults_by_protection(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        wiz = await open_wizard(app, pilot, "sandboxpremium", "y")
        modify = "cced2946-b08a-44fe-9fd9-e4ed8a779897"  # Configure registries to disable anonymous authentication
        wiz.query_one("#pol-definition", Select).value = modify
        await wait_for(pilot, lambda: "Contributor (b24988ac" in plain(wiz.query_one("#pol-identity", Static)))
        app.pop_screen()
        wiz = await open_wizard(app, pilot, "sandboxpremium", "m")
        labels = [str(label) for label, _ in wiz.query_one("#mig-vault", Select)._options if label]
        assert any("kv-contoso-ledger" in lb and "no purge protection (review offers it)" in lb for lb in labels), labels
        assert any("kv-contoso-prod-cmk" in lb and "purge protection on" in lb for lb in labels), labels


async def test_endpoint_wizard_starts_from_an_approved_endpoint_without_dns(make_app: Any, demo: Emulator) -> None:
    from textual.widgets import Input

    from .test_console import review_and_apply

    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(app, pilot, "contosoprodpinned", "a")
        plan = await review_and_apply(app, pilot)
        assert plan.state == "done"
        assert "choose subnet vnet-hub-prod/snet-pe-small" in plan.plan.render()
        await wait_for(pilot, lambda: bool(app.estate.registry("contosoprodpinned").approved_connections))
        wiz = await open_wizard(app, pilot, "contosoprodpinned", "p")
        await wait_for(pilot, lambda: bool(wiz.subnets) and wiz.query_one("#pe-name", Input).value
                       == "pe-contosoprodpinned")
        chosen = wiz.query_one("#pe-subnet", Select).value
        assert isinstance(chosen, str) and chosen.endswith("/snet-pe-small")
        await wait_for(pilot, lambda: "adds only its DNS" in plain(wiz.query_one("#wizard-notes", Static)))
        plan = await review_and_apply(app, pilot)
        assert [a.kind for a in plan.plan.actions] == ["CreateDnsZoneGroup"]
        assert plan.state == "done"


async def test_public_access_finding_opens_the_firewall_wizard_turning_it_off(make_app: Any, demo: Emulator) -> None:
    from textual.widgets import DataTable

    from acrtui.tui.screens.wizards import FirewallWizard, Switch

    from .test_console import open_registry

    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        reg = await open_registry(app, pilot, "sandboxpremium")
        await pilot.press("7")
        await pilot.pause()
        table = reg.query_one("#findings-table", DataTable)
        row = [str(k.value) for k in table.rows].index("ACR-NET-004")
        assert str(table.get_row_at(row)[4]) == "⏎/f Firewall"  # it used to offer no key
        table.move_cursor(row=row)
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FirewallWizard))
        await pilot.pause()
        assert app.screen.query_one("#fw-public", Switch).value is False
        assert "locks everyone out" in plain(app.screen.query_one("#wizard-notes", Static))
        assert demo.writes() == []
