# mypy: disable-error-code="attr-defined"
"""Ways forward that are plan steps are offered as boxes on the plan review (issue 12): ticking one adds the step
to this plan and plans again; applied, the emulator holds it, and the same wizard then plans "No changes".

Before, the review said "press v on the registry (Fix CMK)" — for a migration there is no CMK registry to press v
on yet — or plan-file syntax to type.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Button, Input, Select

from acrtui.emulator import Emulator
from acrtui.tui import planning
from acrtui.tui.screens.modals import ConfirmModal
from acrtui.tui.screens.plan import PlanScreen
from acrtui.tui.screens.wizards import Switch

from .conftest import SIZE, dump, wait_for
from .test_flows import no_changes, open_wizard
from .test_keyboard import notes_of

VAULT = "kv-contoso-ledger"  # contosoprodpinned's vault: soft delete on, no purge protection


def vault_body(emu: Emulator, name: str) -> dict[str, Any]:
    return next(r for r in emu.state.of_type("Microsoft.KeyVault/vaults") if r.body["name"] == name).body


async def reviewed(app: Any, pilot: Any) -> PlanScreen:
    app.screen.query_one("#wizard-review", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen) and app.screen.plan.planned is not None)
    await pilot.pause()
    return app.screen  # type: ignore[no-any-return]


async def test_purge_protection_box_adds_the_step_applies_then_no_changes(make_app: Any, demo: Emulator) -> None:
    assert not vault_body(demo, VAULT)["properties"].get("enablePurgeProtection")
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(app, pilot, "contosoprodpinned", "r")  # rotate: versionless, the default
        screen = await reviewed(app, pilot)
        text = dump(app)
        assert "Ways forward this console can add (shift+tab, space ticks; plans again)" in text
        assert f"Add to this plan: turn purge protection on for {VAULT}" in text
        assert "keyVaults" not in text and "press v" not in text  # console terms, not plan-file syntax
        assert not any(type(a).__name__ == "EnableVaultPurgeProtection" for a in screen.plan.actions)
        # keyboard: Cancel is focused; one shift+tab reaches the box, as the hint says; space ticks it and the
        # plan is made again
        box = screen.query_one("#plan-step-0", Switch)
        assert app.focused is screen.query_one("#plan-cancel")
        await pilot.press("shift+tab")
        assert app.focused is box
        await pilot.press("space")
        await wait_for(pilot, lambda: not screen.replanning and screen.plan.steps)
        assert any(type(a).__name__ == "EnableVaultPurgeProtection" for a in screen.plan.actions), screen.plan.render()
        assert screen.plan.confirm_name == VAULT  # irreversible: typing the vault's name confirms
        assert box.value and str(box.label).startswith("[on]")
        assert f"added on review: turn purge protection on for {VAULT}" in screen.plan.render()
        # unticked, the wizard's own plan comes back; ticked again for the apply
        box.value = False
        await wait_for(pilot, lambda: not screen.replanning and not screen.plan.steps)
        assert not any(type(a).__name__ == "EnableVaultPurgeProtection" for a in screen.plan.actions)
        box.value = True
        await wait_for(pilot, lambda: not screen.replanning and screen.plan.steps)
        assert "Planned again with 1 way(s) forward added" in str(screen.query_one("#plan-headline").content)
        assert demo.writes() == []  # re-planning reads only
        # ctrl+y while a re-plan runs is not swallowed: it says to wait
        said = notes_of(app)
        screen.replanning = True
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal) and any("apply once the new plan" in n
                                                                  for n in notes_of(app)[len(said):])
        screen.replanning = False
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        app.screen.query_one("#confirm-name", Input).value = VAULT
        await pilot.pause()
        app.screen.query_one("#confirm", Button).press()
        await wait_for(pilot, lambda: app.screen is screen)
        await screen.wait_done()
        assert screen.state == "done", screen.query_one("#plan-log").lines
        assert vault_body(demo, VAULT)["properties"]["enablePurgeProtection"] is True
        await wait_for(pilot, lambda: not screen.awaiting_reread)

        # the same wizard, same answers: nothing left to do, and no way forward offered any more
        await open_wizard(app, pilot, "contosoprodpinned", "r")
        await no_changes(app, pilot)


async def test_migration_offers_the_vault_step_not_a_key_on_another_registry(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        wiz = await open_wizard(app, pilot, "sandboxpremium", "m")
        await wait_for(pilot, lambda: wiz.content is not None)
        wiz.query_one("#mig-no-import", Switch).value = True
        wiz.query_one("#mig-filter", Input).value = "none/*"
        await pilot.pause()
        screen = await reviewed(app, pilot)
        assert [s.label for s in screen.ways] == [f"turn purge protection on for {VAULT} (irreversible)"]
        screen.query_one("#plan-step-0", Switch).value = True
        await wait_for(pilot, lambda: not screen.replanning and screen.plan.steps)
        kinds = [type(a).__name__ for a in screen.plan.actions]
        assert "EnableVaultPurgeProtection" in kinds and "CreateCmkRegistry" in kinds
        # the vault is protected before the registry is created with a key in it
        assert kinds.index("EnableVaultPurgeProtection") < kinds.index("CreateCmkRegistry")
        assert screen.plan.confirm_name == "sandboxpremiumcmk"  # the migration's own confirmation stays
        assert demo.writes() == []


def test_steps_merge_into_the_entry_the_plan_already_has() -> None:
    doc = {"keyVaults": [{"id": "/x/vaults/kv-a", "auditLogging": {"workspace": "w"}}], "registries": []}
    out = planning.merge_blocks(doc, {"keyVaults": [{"id": "/X/vaults/KV-A", "purgeProtection": True},
                                                    {"id": "/x/vaults/kv-b", "networkBypass": "AzureServices"}]})
    assert out["keyVaults"] == [{"id": "/X/vaults/KV-A", "auditLogging": {"workspace": "w"}, "purgeProtection": True},
                                {"id": "/x/vaults/kv-b", "networkBypass": "AzureServices"}]
    assert doc["keyVaults"] == [{"id": "/x/vaults/kv-a", "auditLogging": {"workspace": "w"}}]  # not changed in place


async def test_endpoint_allowlist_acknowledgement_is_a_box_not_plan_file_syntax(make_app: Any,
                                                                                demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        wiz = await open_wizard(app, pilot, "sandboxpremium", "p")
        await wait_for(pilot, lambda: bool(wiz.subnets))
        snet = next(s for s in wiz.subnets if s.name == "snet-pe" and s.vnet_name == "vnet-hub-prod")
        wiz.query_one("#pe-subnet", Select).value = snet.id
        await pilot.pause()
        screen = await reviewed(app, pilot)
        text = dump(app) + screen.query_one("#plan-text").content.plain  # the warning sits below the fold
        assert "clientAllowlistAcknowledged" not in text
        assert "Allow them in client firewalls first" in text
        assert [s.label for s in screen.ways] == [
            "client firewalls allow sandboxpremium.eastus.data.azurecr.io on 443 (acknowledged)"]
        before = [a.kind for a in screen.plan.actions]
        screen.query_one("#plan-step-0", Switch).value = True
        await wait_for(pilot, lambda: not screen.replanning and screen.plan.steps)
        assert [a.kind for a in screen.plan.actions] == before  # an acknowledgement adds no write
        assert not any("data endpoints" in f.reason for f in screen.plan.planned.findings)
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        app.screen.query_one("#confirm", Button).press()
        await wait_for(pilot, lambda: app.screen is screen)
        await screen.wait_done()
        assert screen.state == "done"
        await wait_for(pilot, lambda: bool(app.estate.registry("sandboxpremium").approved_connections))
        assert app.estate.registry("sandboxpremium").data_endpoint_enabled
        wiz = await open_wizard(app, pilot, "sandboxpremium", "p")
        await wait_for(pilot, lambda: bool(wiz.subnets))
        wiz.query_one("#pe-subnet", Select).value = snet.id
        await pilot.pause()
        await no_changes(app, pilot)


async def test_refusals_say_their_way_forward_in_console_terms(make_app: Any, demo: Emulator) -> None:
    """The lock-out refusal and the blocked-operator refusal, as preflight words them, reach the screen without
    plan-file keys (privateLink.endpoints, operator.networks, allowLockout, networkRules.ipRules)."""
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        wiz = await open_wizard(app, pilot, "sandboxpremium", "f")
        wiz.query_one("#fw-public", Switch).value = False
        await pilot.pause()
        screen = await reviewed(app, pilot)
        text = screen.query_one("#plan-text").content.plain
        assert "would lock you out" in text and screen.plan.blocking
        assert "esc, then p on the registry" in text and 'tick "I have another way in"' in text
        assert not any(k in text for k in ("privateLink.endpoints", "operator.networks", "allowLockout"))
        app.pop_screen()
        wiz = await open_wizard(app, pilot, "sandboxpremium", "f")
        wiz.query_one("#fw-default", Select).value = "Deny"
        wiz.query_one("#fw-ips", Input).value = "203.0.113.0/24"
        wiz.query_one("#fw-operator", Input).value = "198.51.100.7"
        await pilot.pause()
        screen = await reviewed(app, pilot)
        text = screen.query_one("#plan-text").content.plain
        assert "would block the operator's address(es) 198.51.100.7" in text
        assert "Add them to the wizard's allowed IPs" in text and "networkRules" not in text
        assert demo.writes() == []


async def test_a_failed_re_plan_keeps_the_reviewed_plan_and_says_so(make_app: Any, demo: Emulator) -> None:
    from acrtui.tui.screens.modals import ErrorModal

    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_wizard(app, pilot, "contosoprodpinned", "r")
        screen = await reviewed(app, pilot)
        before = [a.kind for a in screen.plan.actions]
        demo.faults.add("503", path="/providers/Microsoft.Authorization/policyAssignments$", method="GET")
        box = screen.query_one("#plan-step-0", Switch)
        box.value = True
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal))
        assert app.errors_shown[-1][0] == "Could not read everything the plan depends on"
        demo.faults.clear()
        app.pop_screen()
        await wait_for(pilot, lambda: app.screen is screen and not screen.replanning)
        assert box.value is False and not screen.plan.steps  # the box says what the plan holds
        assert [a.kind for a in screen.plan.actions] == before
        assert "Could not plan again" in str(screen.query_one("#plan-headline").content)
        assert not screen.query_one("#plan-apply", Button).disabled
        assert demo.writes() == []
