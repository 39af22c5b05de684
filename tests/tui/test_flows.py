# mypy: disable-error-code="attr-defined"
"""Each guided change, from the console against the demo emulator (real SDK over TLS): the wizard's plan applies,
the emulator ends in the state the operator asked for, and the same wizard with the same answers then plans
"No changes.".
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Button, Checkbox, Input, Select, Static

from acrtui.emulator import Emulator
from acrtui.tui.screens.plan import PlanScreen
from acrtui.tui.screens.wizards import MigrateWizard, Wizard
from tests.plan.test_migration_e2e import digests, hardening

from .conftest import SIZE, wait_for
from .test_console import home, open_registry, plain, reg_body, review_and_apply

SBX = "eb6a6f1e-d6af-5096-8df3-4e3c8b7b0c17"


async def open_wizard(app: Any, pilot: Any, registry: str, key: str) -> Wizard:
    await home(app, pilot)
    await open_registry(app, pilot, registry)
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    return app.screen  # type: ignore[no-any-return]


async def no_changes(app: Any, pilot: Any) -> None:
    """From an open wizard with the same answers: the plan is empty."""
    app.screen.query_one("#wizard-review", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen) and app.screen.plan.planned is not None)
    plan = app.screen.plan
    assert plan.empty, plan.render()
    assert "No changes" in plan.render()
    app.pop_screen()
    await pilot.pause()


async def test_cmk_migration_imports_every_tag_keeps_the_hardening_then_no_changes(make_app: Any,
                                                                                 demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        wiz = await open_wizard(app, pilot, "contosostgacr", "m")
        assert isinstance(wiz, MigrateWizard)
        assert all(not i.placeholder for i in wiz.query(Input)), "no example where a value belongs"
        await wait_for(pilot, lambda: wiz.content is not None)
        assert "2 tag(s) in 2 repositories" in plain(wiz.query_one("#mig-found", Static))
        assert not wiz.query_one("#mig-images", Input).display  # the typed list is the fallback only
        # a filter that keeps nothing is never planned silently: it says so and asks
        wiz.query_one("#mig-filter", Input).value = "nothing/*"
        await pilot.pause()
        assert "nothing would be imported" in plain(wiz.query_one("#mig-selection", Static))
        wiz.query_one("#wizard-review", Button).press()
        await pilot.pause()
        assert isinstance(app.screen, MigrateWizard)
        assert "new registry would be empty" in plain(wiz.query_one("#wizard-notes", Static))
        wiz.query_one("#mig-filter", Input).value = ""
        await pilot.pause()
        plan = await review_and_apply(app, pilot, type_name="contosostgacrcmk")
        assert plan.state == "done", plan.query_one("#plan-log").lines
        text = plan.plan.render()
        assert "Import 2 image(s)" in text and "Cut-over checklist" in text and "webhooks" in text
        assert digests(demo, "contosostgacrcmk") == digests(demo, "contosostgacr")
        assert hardening(demo, "contosostgacrcmk") == hardening(demo, "contosostgacr")
        await wait_for(pilot, lambda: app.estate.registry("contosostgacrcmk") is not None)

        wiz = await open_wizard(app, pilot, "contosostgacr", "m")
        await wait_for(pilot, lambda: wiz.content is not None)
        await no_changes(app, pilot)


async def test_unreachable_data_plane_says_why_and_takes_a_typed_list(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        wiz = await open_wizard(app, pilot, "contosoprodpinned", "m")  # CMK already; the wizard still opens
        reg_body(demo, "contosoprodacr")  # exists
        await home(app, pilot)
        wiz = await open_wizard(app, pilot, "contosoprodacr", "m")  # public access off: no data plane from here
        await wait_for(pilot, lambda: wiz.content is not None)
        found = plain(wiz.query_one("#mig-found", Static))
        assert "403" in found and "Type the images" in found
        assert wiz.query_one("#mig-images", Input).display and not wiz.query_one("#mig-filter", Input).display
        wiz.query_one("#mig-name", Input).value = "contosoprodnew2"
        wiz.query_one("#mig-images", Input).value = "payments/api:1.4.3"
        wiz.query_one("#wizard-review", Button).press()
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen) and app.screen.plan.planned is not None)
        keys = [a.key for a in app.screen.plan.actions]
        assert any(k.endswith("#open") for k in keys) and any(k.endswith("#close") for k in keys)


async def test_endpoint_dns_approval_data_firewall_and_policy_flows_end_as_asked(make_app: Any,
                                                                                 demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        # private endpoint with DNS
        wiz = await open_wizard(app, pilot, "sandboxpremium", "p")
        await wait_for(pilot, lambda: bool(wiz.subnets))
        snet = next(s for s in wiz.subnets if s.name == "snet-pe" and s.vnet_name == "vnet-hub-prod")
        wiz.query_one("#pe-subnet", Select).value = snet.id
        await pilot.pause()
        await review_and_apply(app, pilot)
        await wait_for(pilot, lambda: bool(app.estate.registry("sandboxpremium").approved_connections))
        pe = app.estate.endpoints_for(app.estate.registry("sandboxpremium"))[0]
        assert pe.dns_zone_group == "default" and pe.records and all(r.ok for r in pe.records)
        wiz = await open_wizard(app, pilot, "sandboxpremium", "p")
        await wait_for(pilot, lambda: bool(wiz.subnets))
        wiz.query_one("#pe-subnet", Select).value = snet.id
        await pilot.pause()
        await no_changes(app, pilot)

        # approve a pending connection, then fix its DNS (zone group in the linked zone)
        await open_wizard(app, pilot, "contosoprodpinned", "a")
        await review_and_apply(app, pilot)
        await wait_for(pilot, lambda: bool(app.estate.registry("contosoprodpinned").approved_connections))
        wiz = await open_wizard(app, pilot, "contosoprodpinned", "p")
        await wait_for(pilot, lambda: bool(wiz.subnets))
        small = next(s for s in wiz.subnets if s.name == "snet-pe-small")
        wiz.query_one("#pe-subnet", Select).value = small.id
        wiz.query_one("#pe-name", Input).value = "pe-contosoprodpinned"
        await pilot.pause()
        plan = await review_and_apply(app, pilot)
        assert [a.kind for a in plan.plan.actions] == ["CreateDnsZoneGroup"]

        def pinned_dns_ok() -> bool:
            eps = app.estate.endpoints_for(app.estate.registry("contosoprodpinned"))
            return bool(eps and eps[0].records and all(r.ok for r in eps[0].records))

        await wait_for(pilot, pinned_dns_ok)
        await open_wizard(app, pilot, "contosoprodpinned", "a")
        await no_changes(app, pilot)
        wiz = await open_wizard(app, pilot, "contosoprodpinned", "p")
        await wait_for(pilot, lambda: bool(wiz.subnets))
        wiz.query_one("#pe-subnet", Select).value = small.id
        wiz.query_one("#pe-name", Input).value = "pe-contosoprodpinned"
        await pilot.pause()
        await no_changes(app, pilot)

        # data endpoints
        wiz = await open_wizard(app, pilot, "contosoprodlost", "d")
        wiz.query_one("#data-enabled", Checkbox).value = True  # the switch opens on the current state (off)
        wiz.query_one("#data-ack", Checkbox).value = True
        await pilot.pause()
        await review_and_apply(app, pilot)
        assert reg_body(demo, "contosoprodlost")["properties"]["dataEndpointEnabled"] is True
        await wait_for(pilot, lambda: app.estate.registry("contosoprodlost").data_endpoint_enabled)
        await open_wizard(app, pilot, "contosoprodlost", "d")
        await no_changes(app, pilot)

        # authentication settings
        wiz = await open_wizard(app, pilot, "contosostgstd", "u")
        wiz.query_one("#auth-admin", Checkbox).value = False
        await pilot.pause()
        await review_and_apply(app, pilot)
        assert reg_body(demo, "contosostgstd")["properties"]["adminUserEnabled"] is False
        await wait_for(pilot, lambda: not app.estate.registry("contosostgstd").admin_user_enabled)
        await open_wizard(app, pilot, "contosostgstd", "u")
        await no_changes(app, pilot)

        # firewall: IP rules with default Deny on a Premium registry
        wiz = await open_wizard(app, pilot, "sandboxpremium", "f")
        wiz.query_one("#fw-default", Select).value = "Deny"
        wiz.query_one("#fw-ips", Input).value = "198.51.100.0/24"
        wiz.query_one("#fw-operator", Input).value = "198.51.100.7"
        await pilot.pause()
        await review_and_apply(app, pilot)
        rules = reg_body(demo, "sandboxpremium")["properties"]["networkRuleSet"]
        assert rules["defaultAction"] == "Deny" and [r["value"] for r in rules["ipRules"]] == ["198.51.100.0/24"]
        await wait_for(pilot, lambda: app.estate.registry("sandboxpremium").default_action == "Deny")
        wiz = await open_wizard(app, pilot, "sandboxpremium", "f")
        wiz.query_one("#fw-operator", Input).value = "198.51.100.7"
        await pilot.pause()
        await no_changes(app, pilot)

        # policy that changes resources, with remediation
        wiz = await open_wizard(app, pilot, "sandboxstd", "y")
        wiz.query_one("#pol-definition", Select).value = "79fdfe03-ffcb-4e55-b4d0-b925b8241759"
        await wait_for(pilot, lambda: "b24988ac" in plain(wiz.query_one("#pol-identity", Static)).lower()
                       or "contributor" in plain(wiz.query_one("#pol-identity", Static)).lower())
        assert wiz.query_one("#pol-remediate", Checkbox).display and wiz.query_one("#pol-remediate", Checkbox).value
        plan = await review_and_apply(app, pilot)
        assert plan.state == "done", plan.query_one("#plan-log").lines
        log = "\n".join(str(line) for line in plan.query_one("#plan-log").lines)
        assert "remediation Succeeded" in log
        assert reg_body(demo, "sandboxstd")["properties"]["adminUserEnabled"] is False
        assignment = next(r for r in demo.state.of_type("Microsoft.Authorization/policyAssignments")
                          if r.body["name"] == "acrtui-79fdfe03-modify")
        principal = assignment.body["identity"]["principalId"]
        grants = [r.body["properties"] for r in demo.state.of_type("Microsoft.Authorization/roleAssignments")
                  if r.body["properties"]["principalId"] == principal]
        assert [(g["roleDefinitionId"].rsplit("/", 1)[-1], g["scope"]) for g in grants] == \
            [("b24988ac-6180-42a0-ab88-20f7382dd24c", f"/subscriptions/{SBX}/resourceGroups/rg-sandbox")]
        await wait_for(pilot, lambda: not app.estate.registry("sandboxstd").admin_user_enabled)
        wiz = await open_wizard(app, pilot, "sandboxstd", "y")
        wiz.query_one("#pol-definition", Select).value = "79fdfe03-ffcb-4e55-b4d0-b925b8241759"
        await wait_for(pilot, lambda: wiz.query_one("#pol-effect", Select).value == "Modify")
        await no_changes(app, pilot)
