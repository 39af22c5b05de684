# mypy: disable-error-code="attr-defined"
"""The private endpoint wizard for a principal without the registry's approval right (issue 9): it reads the right
first, offers manual approval (an automatic endpoint would be refused by Azure with LinkedAuthorizationFailed), and
the reviewed plan names the approval step; applied, the connection waits as Pending. The owner then approves it in
the connections wizard and the endpoint wizard with the same answers plans "No changes." — console against the demo
emulator, real SDK over TLS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import RadioButton, Select, Static

from acrtui.azure.clouds import get_cloud
from acrtui.azure.session import AzureSession, RetrySettings
from acrtui.emulator import Emulator
from acrtui.emulator.seeds import grant
from acrtui.emulator.state import Principal, stable_uuid
from acrtui.tui.app import AcrtuiApp
from acrtui.tui.screens.plan import PlanScreen
from acrtui.tui.service import ConsoleService

from .conftest import SIZE, frozen_clock, wait_for
from .test_console import review_and_apply
from .test_flows import no_changes, open_wizard

PROD, STG, SBX = ("741cfbc3-d07e-5815-a58f-cae9bd4c2ecf", "a2128325-8095-58b1-87b1-cff9e5e9f20a",
                  "eb6a6f1e-d6af-5096-8df3-4e3c8b7b0c17")
APPROVE = "Microsoft.ContainerRegistry/registries/privateEndpointConnectionsApproval/action"


def netops(emu: Emulator) -> None:
    """Reader everywhere, Network Contributor on the hub's group: may create endpoints there, not approve them."""
    p = emu.state.add_principal(Principal(stable_uuid("sp", "netops"), stable_uuid("app", "netops"), "acrtui-netops",
                                          "netops-secret-for-tests"))
    emu.state.logins["netops"] = p.object_id
    for sub in (PROD, STG, SBX):
        grant(emu.state, f"/subscriptions/{sub}", "Reader", p.object_id)
    grant(emu.state, f"/subscriptions/{PROD}/resourceGroups/rg-network-prod", "Network Contributor", p.object_id)


def service(emu: Emulator, role: str) -> ConsoleService:
    session = AzureSession(cloud=get_cloud(emu.cloud).with_endpoint(emu.url), credential=emu.credential(role),
                           connection_verify=str(emu.ca_path), polling_interval=0,
                           retry=RetrySettings(total=2, backoff_factor=0.01, backoff_max=1), target="demo",
                           principal_hint=emu.login(role).client_id)
    session.emulator = emu
    return ConsoleService(session, clock=frozen_clock)


def app_as(emu: Emulator, role: str, tmp_path: Path) -> AcrtuiApp:
    app = AcrtuiApp(lambda: service(emu, role), read_only=False, plan_dir=tmp_path, auto_open=[],
                    journal_path=tmp_path / f"journal-{role}.jsonl")
    app.animation_level = "none"
    return app


async def choose_hub_subnet(wiz: Any, pilot: Any) -> None:
    await wait_for(pilot, lambda: bool(wiz.subnets))
    snet = next(s for s in wiz.subnets if s.name == "snet-pe" and s.vnet_name == "vnet-hub-prod")
    wiz.query_one("#pe-subnet", Select).value = snet.id
    await pilot.pause()


async def test_the_wizard_offers_manual_approval_and_an_owner_approves(demo: Emulator, tmp_path: Path) -> None:
    netops(demo)
    app = app_as(demo, "netops", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        wiz = await open_wizard(app, pilot, "sandboxpremium", "p")
        await choose_hub_subnet(wiz, pilot)
        assert wiz.may_approve is False
        assert wiz.query_one("#pe-manual", RadioButton).value, "manual is offered when the right is missing"
        notes = str(wiz.query_one("#wizard-notes", Static).render())
        assert f"You lack {APPROVE} on sandboxpremium" in notes and "LinkedAuthorizationFailed" in notes, notes
        plan_screen = await review_and_apply(app, pilot)
        text = plan_screen.plan.render()
        assert "waiting for manual approval" in text and "az network private-endpoint-connection approve" in text
        assert plan_screen.plan.planned is not None
        assert not [f for f in plan_screen.plan.planned.findings if f.severity == "error"]
        await wait_for(pilot, lambda: bool(app.estate.registry("sandboxpremium").pending_connections))
        assert not app.estate.registry("sandboxpremium").approved_connections

    # someone who holds the right: the wizard keeps automatic, approves the connection, then nothing is left
    app = app_as(demo, "owner", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        wiz = await open_wizard(app, pilot, "sandboxpremium", "p")
        await choose_hub_subnet(wiz, pilot)
        assert wiz.may_approve is True and wiz.query_one("#pe-auto", RadioButton).value
        app.pop_screen()
        await pilot.pause()
        wiz = await open_wizard(app, pilot, "sandboxpremium", "a")
        await review_and_apply(app, pilot)
        await wait_for(pilot, lambda: bool(app.estate.registry("sandboxpremium").approved_connections))
        wiz = await open_wizard(app, pilot, "sandboxpremium", "p")
        await choose_hub_subnet(wiz, pilot)
        wiz.query_one("#pe-manual", RadioButton).value = True
        await pilot.pause()
        await no_changes(app, pilot)
        assert not isinstance(app.screen, PlanScreen)
