# mypy: disable-error-code="attr-defined"
"""Pilot-driven console tests against the demo estate (in-process emulator, real SDK over TLS, frozen clock)."""

from __future__ import annotations

import io
import re
from typing import Any

from textual.widgets import Button, Checkbox, DataTable, Input, Label, RadioButton, Select, Static

from acrtui.emulator import Emulator
from acrtui.tui.screens.lists import AuditScreen, RegistryListScreen, SubscriptionScreen
from acrtui.tui.screens.modals import ConfirmModal, ErrorModal, HelpModal, UnavailableModal
from acrtui.tui.screens.plan import PlanScreen
from acrtui.tui.screens.registry import RegistryScreen
from acrtui.tui.screens.wizards import MigrateWizard, Wizard

from .conftest import SIZE, dump, wait_for


def plain(widget: Static) -> str:
    """The text a Static shows (rich renderables rendered wide, so nothing wraps away)."""
    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def rows(screen: Any) -> list[str]:
    t = screen.query_one(DataTable)
    return [str(t.get_row_at(i)[0]) for i in range(t.row_count)]


def reg_body(emu: Emulator, name: str) -> dict[str, Any]:
    res = next(r for r in emu.state.of_type("Microsoft.ContainerRegistry/registries") if r.body["name"] == name)
    return res.body


async def open_list(app: Any, pilot: Any) -> None:
    await wait_for(pilot, lambda: app.estate is not None and isinstance(app.screen, RegistryListScreen))
    await pilot.pause()


async def open_registry(app: Any, pilot: Any, name: str) -> RegistryScreen:
    await open_list(app, pilot)
    app.open_registry(name)
    await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen))
    await pilot.pause()
    return app.screen  # type: ignore[no-any-return]


async def review_and_apply(app: Any, pilot: Any, type_name: str | None = None) -> PlanScreen:
    """From an open wizard: Review plan → plan screen → ctrl+y → confirmation (Cancel focused) → apply."""
    app.screen.query_one("#wizard-review", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
    plan_screen = app.screen
    await pilot.press("ctrl+y")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
    expected = "confirm-name" if type_name else "cancel"
    assert app.focused is not None and app.focused.id == expected, "typed names focus the box, others Cancel"
    if type_name:
        assert app.screen.query_one("#confirm", Button).disabled
        app.screen.query_one("#confirm-name", Input).value = type_name
        await pilot.pause()
    app.screen.query_one("#confirm", Button).press()
    await wait_for(pilot, lambda: app.screen is plan_screen)
    await plan_screen.wait_done()
    return plan_screen


# ------------------------------------------------------------------------------------------- navigation


async def scenario_pick_subscription_drill_in_tabs_and_back(app: Any, pilot: Any, demo: Emulator) -> None:
    await wait_for(pilot, lambda: bool(app.subscriptions))
    assert isinstance(app.screen, SubscriptionScreen)
    assert rows(app.screen) == ["contoso-production", "contoso-sandbox", "contoso-staging"]
    await pilot.press("enter")  # contoso-production
    await open_list(app, pilot)
    assert rows(app.screen) == ["contosoprodacr", "contosoprodlost", "contosoprodpinned"]
    assert app.chosen_names == ["contoso-production"]
    assert app.screen.query_one("#context").has_class("production")
    await pilot.press("down", "down", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen))
    detail = app.screen
    assert detail.registry.name == "contosoprodpinned"
    await pilot.press("2")
    assert detail.active_tab == "cmk"
    cmk = plain(detail.query_one("#section-cmk", Static))
    assert "pinned to version" in cmk and "Purge protection" in cmk
    await pilot.press("3")
    assert detail.active_tab == "private-link"
    await pilot.press("escape")
    assert isinstance(app.screen, RegistryListScreen)
    await pilot.press("ctrl+s")
    assert isinstance(app.screen, SubscriptionScreen)


async def scenario_filter_jump_help_and_findings(app: Any, pilot: Any, demo: Emulator) -> None:
    await open_list(app, pilot)
    assert len(rows(app.screen)) == 8
    await pilot.press("slash", *"stg")
    assert rows(app.screen) == ["contosostgacr", "contosostgstd"]
    await pilot.press("enter", "enter")  # leave the filter box, then open the first row
    await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen))
    assert app.screen.registry.name == "contosostgacr"
    await pilot.press("escape")
    await pilot.press("escape")  # clears the filter
    assert len(rows(app.screen)) == 8
    await pilot.press("colon", *"sandboxbasic", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, RegistryScreen))
    assert app.screen.registry.name == "sandboxbasic"
    await pilot.press("question_mark")
    assert isinstance(app.screen, HelpModal)
    help_text = plain(app.screen.query_one("#help-text", Static))
    assert "Rotate" in help_text and "cmk: rotate key" in help_text
    await pilot.press("escape", "ctrl+f")
    await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
    assert rows(app.screen)[:2] == ["▾ critical (1)", "critical"]  # grouped by severity, worst first
    await pilot.press("down", "enter")  # Enter on the finding opens the wizard that fixes it, on its registry
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    assert app.screen.reg.name == "contosoprodlost"  # the only critical: key access lost
    assert app.screen.query_one("#fix-key-access", Checkbox).value


async def scenario_detail_sections_show_dns_and_posture(app: Any, pilot: Any, demo: Emulator) -> None:
    detail = await open_registry(app, pilot, "contosostgacr")
    pl = plain(detail.query_one("#section-private-link", Static))
    assert "contosostgacr.northeurope.data.azurecr.io" in pl and "missing" in pl
    data = plain(detail.query_one("#section-data-endpoints", Static))
    assert "contosostgacr.westeurope.data.azurecr.io" in data
    pol = plain(detail.query_one("#section-policy", Static))
    assert "Public network access should be disabled" in pol
    app.pop_screen()
    lost = await open_registry(app, pilot, "contosoprodlost")
    assert "registry content is unreadable" in plain(lost.query_one("#section-cmk", Static))


# ------------------------------------------------------------------------------------------- wizards → plan → apply


async def scenario_data_endpoint_wizard_plan_apply_and_reread(app: Any, pilot: Any, demo: Emulator) -> None:
    await open_registry(app, pilot, "sandboxpremium")
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    why = plain(app.screen.query_one("#wizard-why", Static))
    assert "sandboxpremium.eastus.data.azurecr.io" in why  # the allowlist comes first
    switch = app.screen.query_one("#data-enabled", Checkbox)
    assert switch.value is False and str(switch.label).startswith("[off]")  # opens on the current state, said in words
    switch.value = True
    await pilot.pause()
    assert str(switch.label).startswith("[on]")
    app.screen.query_one("#wizard-review", Button).press()
    await pilot.pause()
    assert "client firewalls" in plain(app.screen.query_one("#wizard-notes", Static)), app.screen
    app.screen.query_one("#data-ack", Checkbox).value = True
    before = demo.last_seq
    plan = await review_and_apply(app, pilot)
    text = plan.plan.render()
    assert "~ dataEndpointEnabled" in text and "false -> true" in text
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in text
    assert plan.state == "done"
    assert reg_body(demo, "sandboxpremium")["properties"]["dataEndpointEnabled"] is True
    assert [w.method for w in demo.writes(before)] == ["PATCH"]
    await wait_for(pilot, lambda: app.estate.registry("sandboxpremium").data_endpoint_enabled)


async def scenario_approve_pending_connection(app: Any, pilot: Any, demo: Emulator) -> None:
    await open_registry(app, pilot, "contosoprodpinned")
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    app.screen.query_one("#wizard-review", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
    await pilot.press("ctrl+w")  # save the plan file first: `acrtui apply` can run it
    saved = app.screen.saved_to
    assert saved is not None and '"kind": "SavedPlan"' in saved.read_text()
    assert "ApprovePrivateEndpointConnection" in saved.read_text()
    app.pop_screen()
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    plan = await review_and_apply(app, pilot)
    assert "\"Pending\" -> \"Approved\"" in plan.plan.render()
    conns = reg_body(demo, "contosoprodpinned")["properties"]["privateEndpointConnections"]
    assert [c["properties"]["privateLinkServiceConnectionState"]["status"] for c in conns] == ["Approved"]
    await wait_for(pilot, lambda: bool(app.estate.registry("contosoprodpinned").approved_connections))


async def give_pinned_a_second_identity(demo: Emulator, sdk: Any) -> dict[str, str]:
    """Operator setup outside the console (az acr identity assign): id-acr-prod and a system identity join
    contosoprodpinned, which still reads its key as id-acr-ledger. Returns id-acr-prod's resource."""
    from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient

    pinned = next(r for r in demo.state.of_type("Microsoft.ContainerRegistry/registries")
                  if r.body["name"] == "contosoprodpinned")
    sub, rg = pinned.body["id"].split("/")[2], pinned.body["id"].split("/")[4]
    prod_id = next(r for r in demo.state.of_type("Microsoft.ManagedIdentity/userAssignedIdentities")
                   if r.body["name"] == "id-acr-prod")
    acr = sdk(ContainerRegistryManagementClient, demo, subscription=sub)
    poller = await acr.registries.begin_update(rg, "contosoprodpinned", {"identity": {
        "type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {prod_id.body["id"]: {}}}})
    await poller.result()
    return {"id": prod_id.body["id"], "clientId": prod_id.body["properties"]["clientId"],
            "principalId": prod_id.body["properties"]["principalId"]}


async def scenario_rotate_pinned_key_to_versionless(app: Any, pilot: Any, demo: Emulator) -> None:
    """Versionless, and read as another identity the registry holds: the plan grants it key access first."""
    await open_registry(app, pilot, "contosoprodpinned")
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    wiz = app.screen
    choices = {c.label: c for c in wiz.identities}
    assert set(choices) == {"id-acr-ledger (user-assigned)", "id-acr-prod (user-assigned)", "system-assigned"}
    assert choices["id-acr-ledger (user-assigned)"].current and choices["id-acr-ledger (user-assigned)"].key_access
    assert choices["id-acr-prod (user-assigned)"].key_access is False  # its access is on another vault
    # the option is the id as the registry echoes it (ACR writes "resourcegroups"): match it case-insensitively
    wiz.query_one("#rotate-identity", Select).value = next(
        c.value for c in wiz.identities if c.value.lower() == app.prod_identity["id"].lower())
    await pilot.pause()
    assert "grants them before it switches" in plain(wiz.query_one("#wizard-notes", Static))
    plan = await review_and_apply(app, pilot)
    text = plan.plan.render()
    assert "Let identity id-acr-prod use keys in kv-contoso-ledger" in text, text
    assert app.prod_identity["clientId"] in text
    assert plan.state == "done", plan.query_one("#plan-log").lines
    kvp = reg_body(demo, "contosoprodpinned")["properties"]["encryption"]["keyVaultProperties"]
    assert kvp["keyIdentifier"].rstrip("/").endswith("/keys/ledger-cmk")
    assert kvp["identity"] == app.prod_identity["clientId"]
    await wait_for(pilot, lambda: app.estate.registry("contosoprodpinned").encryption.versionless)
    reg = app.estate.registry("contosoprodpinned")
    assert reg.encryption.identity_client_id == app.prod_identity["clientId"]
    assert app.prod_identity["principalId"].lower() in app.estate.vault_for(reg).key_users


async def scenario_fix_lost_key_access_and_vault_with_one_key(app: Any, pilot: Any, demo: Emulator) -> None:
    """contosoprodlost's identity lost its key access (critical) and its vault logs nothing: v on the CMK tab."""
    detail = await open_registry(app, pilot, "contosoprodlost")
    await pilot.press("2")
    assert "v  fix key access, audit logging" in plain(detail.query_one("#section-cmk", Static))
    await pilot.press("v")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    wiz = app.screen
    await wait_for(pilot, lambda: isinstance(wiz.query_one("#fix-workspace", Select).value, str))
    assert wiz.query_one("#fix-workspace", Select).value.endswith("/workspaces/law-security-prod")
    assert not wiz.query("#fix-purge")  # purge protection is already on for kv-contoso-legacy
    plan = await review_and_apply(app, pilot)
    text = plan.plan.render()
    assert "Let identity id-acr-legacy use keys in kv-contoso-legacy" in text, text
    assert "AuditEvent log" in text and "Plan: 2 to add, 0 to change, 0 to destroy." in text, text
    assert plan.state == "done", plan.query_one("#plan-log").lines
    await wait_for(pilot, lambda: not [f for f in app.report.failing() if f.registry.name == "contosoprodlost"
                                       and f.check.id in ("ACR-CMK-003", "ACR-CMK-006")])
    app.pop_screen()
    await pilot.pause()
    assert "v  fix" not in plain(detail.query_one("#section-cmk", Static))
    assert detail.gates()["cmk.fix"].title == "Nothing to fix"
    # the other vault lacks purge protection: irreversible, so the confirmation wants the vault's name typed
    app.pop_screen()
    await open_registry(app, pilot, "contosoprodpinned")
    await pilot.press("v")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    wiz = app.screen
    assert wiz.query_one("#fix-purge", Checkbox).value and not wiz.query("#fix-key-access")
    wiz.query_one("#fix-audit", Checkbox).value = False
    before = demo.last_seq
    wiz.query_one("#wizard-review", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
    assert "IRREVERSIBLE" in app.screen.plan.render()
    await pilot.press("ctrl+y")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
    assert app.screen.query_one("#confirm", Button).disabled
    app.screen.query_one("#confirm-name", Input).value = "kv-contoso-ledger"
    await pilot.pause()
    assert not app.screen.query_one("#confirm", Button).disabled
    app.screen.query_one("#cancel", Button).press()
    await pilot.pause()
    assert demo.writes(before) == []


async def scenario_cmk_migration_needs_the_name_typed(app: Any, pilot: Any, demo: Emulator) -> None:
    await open_registry(app, pilot, "sandboxpremium")
    await pilot.press("m")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    assert "only when a registry is created" in plain(app.screen.query_one("#wizard-why", Static))
    app.screen.query_one("#mig-name", Input).value = "sandboxcmk01"
    await wait_for(pilot, lambda: app.screen.content is not None)  # discovery: every tag, offered by default
    plan = await review_and_apply(app, pilot, type_name="sandboxcmk01")
    assert "Import 1 image(s)" in plan.plan.render()
    assert plan.state == "done", plan.query_one("#plan-log").lines
    body = reg_body(demo, "sandboxcmk01")
    assert body["properties"]["encryption"]["status"] == "enabled"
    await wait_for(pilot, lambda: app.estate.registry("sandboxcmk01") is not None)


async def scenario_private_endpoint_wizard_creates_endpoint_and_dns(app: Any, pilot: Any, demo: Emulator) -> None:
    await open_registry(app, pilot, "sandboxpremium")
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard) and bool(app.screen.subnets))
    wiz = app.screen
    snet = next(s for s in wiz.subnets if s.name == "snet-pe" and s.vnet_name == "vnet-hub-prod")
    wiz.query_one("#pe-subnet", Select).value = snet.id
    await pilot.pause()
    await review_and_apply(app, pilot)
    await wait_for(pilot, lambda: bool(app.estate.registry("sandboxpremium").approved_connections))
    reg = app.estate.registry("sandboxpremium")
    assert reg.data_endpoint_enabled  # Azure turns them on with the first private endpoint
    pe = app.estate.endpoints_for(reg)[0]
    assert pe.dns_zone_group == "default" and all(r.ok for r in pe.records)


async def scenario_firewall_wizard_warns_about_lockout(app: Any, pilot: Any, demo: Emulator) -> None:
    await open_registry(app, pilot, "sandboxpremium")
    before = demo.last_seq
    await pilot.press("f")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    app.screen.query_one("#fw-public", Checkbox).value = False
    await pilot.pause()
    assert "locks everyone out" in plain(app.screen.query_one("#wizard-notes", Static))
    app.screen.query_one("#wizard-review", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
    plan = app.screen.plan
    assert plan.blocking and "Error:" in plan.render()
    assert demo.writes(before) == []


async def scenario_policy_deny_is_caught_by_preflight(app: Any, pilot: Any, demo: Emulator) -> None:
    """contosostgstd still has its admin user on; the Deny at its group would refuse any write that leaves it so."""
    await open_registry(app, pilot, "contosostgstd")
    before = demo.last_seq
    await pilot.press("u")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    app.screen.query_one("#auth-arm", Checkbox).value = False
    await pilot.pause()
    app.screen.query_one("#wizard-review", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
    text = app.screen.plan.render()
    assert "Azure Policy would refuse this change" in text and "deny-acr-admin" in text
    assert app.screen.plan.blocking and app.screen.query_one("#plan-apply", Button).disabled
    await pilot.press("ctrl+y")
    assert not isinstance(app.screen, ConfirmModal)
    assert demo.writes(before) == []


async def scenario_deny_assigned_after_planning_shows_error_modal(app: Any, pilot: Any, demo: Emulator) -> None:
    """Someone assigns a Deny between review and apply: Azure's 403 becomes the error modal, nothing changes."""
    from acrtui.azure.writes import Writer

    await open_registry(app, pilot, "sandboxstd")
    await pilot.press("u")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    app.screen.query_one("#auth-anon", Checkbox).value = False  # fix anonymous pull, leave the admin user on
    await pilot.pause()
    app.screen.query_one("#wizard-review", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
    assert not app.screen.plan.blocking
    reg = app.estate.registry("sandboxstd")
    scope = f"/subscriptions/{reg.subscription_id}/resourceGroups/{reg.resource_group}"
    await app.service.run(Writer(app.service.session).assign_policy(  # on the session's own loop
        scope, "deny-admin-late", "/providers/Microsoft.Authorization/policyDefinitions/"
        "dc921057-6b28-4fbe-9b83-f7bec05db6c2", effect="Deny"))
    await pilot.press("ctrl+y")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
    app.screen.query_one("#confirm", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal))
    title, message = app.errors_shown[-1]
    assert title == "Blocked by Azure Policy" and "deny-admin-late" in message
    assert reg_body(demo, "sandboxstd")["properties"]["anonymousPullEnabled"] is True


async def scenario_policy_wizard_previews_and_assigns(app: Any, pilot: Any, demo: Emulator) -> None:
    await open_registry(app, pilot, "sandboxstd")
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    wiz = app.screen
    wiz.query_one("#pol-definition", Select).value = "9f2dea28-e834-476c-99c5-3507b4728395"  # anonymous pull
    await wait_for(pilot, lambda: "anonymous" in plain(wiz.query_one("#pol-preview", Static)))
    preview = plain(wiz.query_one("#pol-preview", Static))
    assert "1 of 3 registries in scope non-compliant" in preview
    await review_and_apply(app, pilot)
    assigned = [r for r in demo.state.of_type("Microsoft.Authorization/policyAssignments")
                if r.body["name"].startswith("acrtui-9f2dea28")]
    assert len(assigned) == 1


async def scenario_radio_defaults_exist(app: Any, pilot: Any, demo: Emulator) -> None:
    """The connection wizard starts on Approve (the common decision) and offers Reject."""
    await open_registry(app, pilot, "contosoprodpinned")
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    assert app.screen.query_one("#conn-approve", RadioButton).value
    await pilot.press("escape")
    assert isinstance(app.screen, RegistryScreen)


# ------------------------------------------------------------------------------------------- SKU-aware wizards


def header(app: Any) -> str:
    """The header as drawn (its one line at the current width)."""
    bar = app.screen.query_one("#context", Static)
    return "".join(seg.text for seg in bar.render_line(0)).strip()


async def scenario_premium_only_wizards_say_why_up_front(app: Any, pilot: Any, demo: Emulator) -> None:
    """On a Standard registry the Premium-only wizards explain the refusal instead of opening a form."""
    detail = await open_registry(app, pilot, "sandboxstd")
    gates = detail.gates()
    assert set(gates) == {"pe.create", "pe.review", "data.switch", "network.firewall", "cmk.rotate", "cmk.fix"}
    assert gates["data.switch"].title == "Dedicated data endpoints need Premium"
    assert gates["pe.review"].title == "Private Link needs Premium"
    for key, title in (("p", "Private Link needs Premium"), ("f", "A registry firewall needs Premium")):
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, UnavailableModal))
        modal = app.screen
        assert str(modal.query_one("#unavailable-title", Label).content) == f"{title} — sandboxstd"
        assert "sandboxstd is Standard" in plain(modal.query_one("#unavailable-body", Static))
        assert "az acr update --name sandboxstd --resource-group rg-sandbox --subscription " in \
            plain(modal.query_one("#unavailable-command", Static))
        assert plain(modal.query_one("#unavailable-command", Static)).rstrip().endswith("--sku Premium")
        assert app.focused is not None and app.focused.id == "close"
        modal.query_one("#copy", Button).press()
        await pilot.pause()
        assert app.clipboard.startswith("az acr update --name sandboxstd")
        await pilot.press("escape")
        assert app.screen is detail
    # rotation without CMK points to the migration, and one button takes it
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, UnavailableModal))
    assert "CMK migration" in plain(app.screen.query_one("#unavailable-body", Static))
    app.screen.query_one("#alternative", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    assert app.screen.TITLE_TEXT == "CMK migration" and app.screen.reg.name == "sandboxstd"
    await pilot.press("escape")
    # help and palette carry the reason; what the SKU allows is untouched
    await pilot.press("question_mark")
    help_text = plain(app.screen.query_one("#help-text", Static))
    assert "✗ Private Link needs Premium" in help_text and "Admin user, anonymous pull" in help_text
    await pilot.press("escape")
    from acrtui.tui.app import ConsoleCommands

    offered = {n: h for n, h, _ in ConsoleCommands(detail)._entries()}
    assert offered["data endpoint: switch"].startswith("✗ Dedicated data endpoints need Premium")
    assert not offered["auth: edit settings"].startswith("✗")
    await pilot.press("u")  # Standard: export cannot be turned off, so it cannot be chosen
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    assert app.screen.query_one("#auth-export", Checkbox).disabled
    assert not app.screen.query_one("#auth-anon", Checkbox).disabled
    await pilot.press("escape")
    from acrtui.tui.gates import gates_for
    from acrtui.tui.keymap import actions_for

    def gated(name: str) -> set[str]:
        return set(gates_for(actions_for("registry", read_only=False), app.estate.registry(name), app.estate))

    assert gated("sandboxpremium") == {"cmk.rotate", "cmk.fix", "pe.review"}  # Premium, no CMK, no connection
    assert gated("contosoprodpinned") == set()
    assert gated("contosoprodacr") == {"cmk.fix"}  # the target state: nothing to fix


async def scenario_header_follows_the_view(app: Any, pilot: Any, demo: Emulator) -> None:
    """The production badge is about what is on screen (the registry's subscription, or how many of a list's);
    nothing essential is cut off at 120 or 100 columns."""
    await open_list(app, pilot)
    assert "PRODUCTION (1 of 3)" in header(app) and not app.screen.query_one("#context").has_class("production")
    await open_registry(app, pilot, "sandboxstd")
    assert "PRODUCTION" not in header(app) and "contoso-sandbox" in header(app)
    assert not app.screen.query_one("#context").has_class("production")
    app.pop_screen()
    detail = await open_registry(app, pilot, "contosoprodpinned")
    assert "PRODUCTION" in header(app) and "contoso-production" in header(app)
    assert app.screen.query_one("#context").has_class("production")
    # 120 columns: the header fits, badge and context apart. 100x30: every key and the wizard buttons show.
    await pilot.resize_terminal(120, 40)
    await pilot.pause()
    top = header(app)
    assert re.search(r" PRODUCTION +AzureCloud │ demo │ contoso-production │ registry contosoprodpinned$", top), top
    await pilot.resize_terminal(100, 30)
    await pilot.pause()
    text = dump(app)
    for entry in ("? Help", "^p palette", "1-7 tabs", "esc Back", "changes ▸ r Rotate", "v Fix CMK", "y Policy"):
        assert entry in text, (entry, text)
    await pilot.press("f")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    await pilot.pause()
    text = dump(app)
    assert "Review plan" in text and "Cancel" in text, text
    await pilot.press("escape")
    assert app.screen is detail
    app.pop_screen()  # the list: posture columns first, context columns may scroll off
    await pilot.pause()
    row = next(line for line in dump(app).splitlines() if "contosoprodlost" in line)
    assert re.search(r"contosoprodlost +1C 5H 8M 5L +Premium +versionless +✗ none +open +✗", row), row
    await pilot.resize_terminal(*SIZE)
    await pilot.pause()


async def home(app: Any, pilot: Any) -> None:
    """Back to the registry list of every subscription (between scenarios sharing one console)."""
    while len(app.screen_stack) > 3:
        app.pop_screen()
    await pilot.pause()
    if set(app.chosen) != set(app.subscriptions) or not isinstance(app.screen, RegistryListScreen):
        app.open_subscriptions(list(app.subscriptions))
    await open_list(app, pilot)


# One console per test (starting it and reading the estate is the expensive part); scenarios run in sequence.


async def test_navigation_filter_jump_help_tabs(make_app: Any, demo: Emulator) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await scenario_pick_subscription_drill_in_tabs_and_back(app, pilot, demo)
        await home(app, pilot)
        await scenario_filter_jump_help_and_findings(app, pilot, demo)
        await home(app, pilot)
        await scenario_detail_sections_show_dns_and_posture(app, pilot, demo)
        await home(app, pilot)
        await scenario_radio_defaults_exist(app, pilot, demo)
        await home(app, pilot)
        await scenario_premium_only_wizards_say_why_up_front(app, pilot, demo)
        await home(app, pilot)
        await scenario_header_follows_the_view(app, pilot, demo)
        await home(app, pilot)
        await scenario_palette_and_keymap(app, pilot, demo)
        assert demo.writes() == []  # looking changes nothing


async def scenario_palette_and_keymap(app: Any, pilot: Any, demo: Emulator) -> None:
    """Commands are ``area: verb`` and offered only where they make sense; keys remap by binding id."""
    from acrtui.tui.app import ConsoleCommands

    on_list = {n: h for n, h, _ in ConsoleCommands(app.screen)._entries()}
    assert "list: filter" in on_list and "registry: show cmk" not in on_list  # a registry's tabs are on its view
    assert all(": " in n for n in on_list)
    # a registry's changes are found by name from the list too, for the highlighted row, gated as its keys are
    table = app.screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(app.estate.registry("sandboxbasic").id))
    await pilot.pause()
    on_basic = {n: (h, r) for n, h, r in ConsoleCommands(app.screen)._entries()}
    assert on_basic["cmk: migrate to a new CMK registry"][0].startswith("on sandboxbasic, the highlighted row — ")
    assert "✗" in on_basic["private link: create endpoint"][0]  # Basic: says why, running it shows the way forward
    await on_basic["cmk: migrate to a new CMK registry"][1]()
    await wait_for(pilot, lambda: isinstance(app.screen, MigrateWizard))
    assert app.screen.reg.name == "sandboxbasic"
    app.pop_screen()
    await pilot.pause()
    await open_registry(app, pilot, "contosoprodpinned")
    on_reg = {n for n, _, _ in ConsoleCommands(app.screen)._entries()}
    assert {"cmk: rotate key", "private link: approve or reject", "registry: show cmk"} <= on_reg
    assert "list: filter" in on_reg  # / filters the registry's findings (it never falls through to a change key)
    run = next(r for n, _, r in ConsoleCommands(app.screen)._entries() if n == "registry: show private link")
    await run()
    assert app.screen.active_tab == "private-link"
    app.set_keymap({"app.audit": "f2"})
    await pilot.press("f2")
    await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
    assert "f2 Findings" not in dump(app)  # the audit view does not offer itself
    app.pop_screen()
    await pilot.pause()
    assert "f2 Findings" in dump(app)  # the key bar shows the remapped key


async def test_wizards_plan_and_apply_through_the_engine(make_app: Any, demo: Emulator, sdk: Any) -> None:
    prod_identity = await give_pinned_a_second_identity(demo, sdk)
    app = make_app(auto_open=[])
    app.prod_identity = prod_identity
    async with app.run_test(size=SIZE) as pilot:
        for scenario in (scenario_data_endpoint_wizard_plan_apply_and_reread, scenario_approve_pending_connection,
                         scenario_rotate_pinned_key_to_versionless, scenario_fix_lost_key_access_and_vault_with_one_key,
                         scenario_policy_wizard_previews_and_assigns,
                         scenario_private_endpoint_wizard_creates_endpoint_and_dns,
                         scenario_cmk_migration_needs_the_name_typed):
            await home(app, pilot)
            await scenario(app, pilot, demo)
        journal = (app.plan_dir / "journal.jsonl").read_text()
        assert '"event": "apply-end"' in journal and '"ok": true' in journal


async def test_refusals_preflight_lockout_and_azure_deny(make_app: Any, demo: Emulator) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        for scenario in (scenario_firewall_wizard_warns_about_lockout, scenario_policy_deny_is_caught_by_preflight,
                         scenario_deny_assigned_after_planning_shows_error_modal, scenario_stop_waiting_mid_apply):
            await home(app, pilot)
            await scenario(app, pilot, demo)


async def scenario_stop_waiting_mid_apply(app: Any, pilot: Any, demo: Emulator) -> None:
    """Esc while ARM runs the operation: the console stops waiting, says it is still running, and re-reads."""
    await open_registry(app, pilot, "sandboxpremium")
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, Wizard))
    app.screen.query_one("#data-enabled", Checkbox).value = True
    app.screen.query_one("#data-ack", Checkbox).value = True
    app.screen.query_one("#wizard-review", Button).press()
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
    plan_screen = app.screen
    demo.config.lro_duration_s = 10  # Azure takes its time (longer than Esc takes to land, even under load)
    try:
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        before = demo.last_seq
        app.screen.query_one("#confirm", Button).press()
        await wait_for(pilot, lambda: any(w.method == "PATCH" for w in demo.writes(before)))
        await pilot.press("escape")
        assert plan_screen.state == "submitted"
        log = "\n".join(str(line.text) for line in plan_screen.query_one("#plan-log").lines)
        assert "still running in" in log and "submitted" in log
        await wait_for(pilot, lambda: app.journal.interrupted is not None)  # journaled, said again on exit
        assert [e["kind"] for e in app.journal.entries() if e.get("status") == "interrupted"] == ["EnableDataEndpoint"]
    finally:
        demo.config.lro_duration_s = 0.0
