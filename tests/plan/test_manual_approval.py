"""A private endpoint from a principal without the registry's approval right (issue 9): Azure answers an
auto-approved endpoint with 403 ``LinkedAuthorizationFailed``, so the plan refuses that form before the first write
and names the manual one; the manual endpoint plans and applies (the connection waits as Pending, with the request
message) and the plan says who must approve it and how; a second principal who holds the right approves it, and a
re-plan says No changes. Through ``acrtui plan`` / ``acrtui apply`` and click's CliRunner against the demo emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acrtui.emulator import Emulator, EmulatorConfig, EmulatorThread
from acrtui.plan.render import NO_CHANGES
from tests.plan.test_preflight_refusals import PROD, SBX, STG, add_login, invoke, plan_file

APPROVE = "Microsoft.ContainerRegistry/registries/privateEndpointConnectionsApproval/action"
NET = f"/subscriptions/{PROD}/resourceGroups/rg-network-prod"
SUBNET = f"{NET}/providers/Microsoft.Network/virtualNetworks/vnet-hub-prod/subnets/snet-pe"
ZONE = f"{NET}/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"


@pytest.fixture(scope="module")
def thread() -> Iterator[EmulatorThread]:
    t = EmulatorThread("demo", config=EmulatorConfig(throttle=False))
    t.start()
    yield t
    t.stop()


@pytest.fixture
def emu(thread: EmulatorThread) -> Emulator:
    thread.call(thread.emulator.reset)
    add_login(thread.emulator, thread, "netops", [(f"/subscriptions/{s}", "Reader") for s in (PROD, STG, SBX)]
              + [(NET, "Network Contributor")])
    return thread.emulator


def endpoint_plan(tmp_path: Path, approval: str, extra: str = "") -> str:
    return plan_file(tmp_path, f"registries:\n  - name: sandboxpremium\n    privateLink:\n      endpoints:\n"
                     f"        - name: pe-sandboxpremium\n          subnet: {SUBNET}\n"
                     f"          approval: {approval}\n          dnsZone: {ZONE}\n{extra}")


def connections(thread: EmulatorThread) -> list[dict[str, Any]]:
    """The registry's connections as the emulator holds them (read back through its state, not the product)."""
    def read() -> list[dict[str, Any]]:
        reg = next(r for r in thread.emulator.state.resources.values()
                   if r.type.lower() == "microsoft.containerregistry/registries" and r.body["name"] == "sandboxpremium")
        return list(reg.props.get("privateEndpointConnections") or [])

    return thread.call(read)


def test_without_the_right_auto_is_refused_and_manual_plans_applies_pending_then_an_owner_approves(
        emu: Emulator, thread: EmulatorThread, tmp_path: Path) -> None:
    # auto-approval: refused before the first write, naming the right, Azure's code and the manual form
    auto = endpoint_plan(tmp_path, "auto")
    for args in (("plan", auto), ("apply", auto, "--yes")):
        r = invoke(emu, tmp_path, *args, login="netops")
        text = r.stdout + r.stderr
        assert r.exit_code == 1, text
        assert "LinkedAuthorizationFailed" in text and APPROVE in text and "approval: manual" in text, text
    assert emu.writes() == []

    # manual: no refusal; the plan names who approves and how
    manual = endpoint_plan(tmp_path, "manual", "          requestMessage: payments team, ticket NET-42\n")
    r = invoke(emu, tmp_path, "plan", manual, login="netops")
    text = r.stdout + r.stderr
    assert r.exit_code == 0, text
    assert "refused" not in text.lower(), text
    assert "will wait as Pending" in text and f"principal with {APPROVE} on sandboxpremium" in text, text
    assert "someone who holds it" in text  # netops does not
    assert "az network private-endpoint-connection approve --resource-group rg-sandbox --resource-name " \
           "sandboxpremium --type Microsoft.ContainerRegistry/registries" in text, text
    assert "privateEndpoint: pe-sandboxpremium, state: Approved" in text

    r = invoke(emu, tmp_path, "apply", manual, "--yes", login="netops")
    assert r.exit_code == 0, r.stdout + r.stderr
    [conn] = connections(thread)
    state = conn["properties"]["privateLinkServiceConnectionState"]
    assert state["status"] == "Pending" and state["description"] == "payments team, ticket NET-42", conn

    # the owner (who holds the right) is told so, and approves with the step the plan named
    approve = plan_file(tmp_path, "registries:\n  - name: sandboxpremium\n    privateLink:\n      connections:\n"
                        "        - {privateEndpoint: pe-sandboxpremium, state: Approved}\n")
    r = invoke(emu, tmp_path, "apply", approve, "--yes", login="owner")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert connections(thread)[0]["properties"]["privateLinkServiceConnectionState"]["status"] == "Approved"

    # the endpoint's plan holds: nothing left to do, for either principal
    manual = endpoint_plan(tmp_path, "manual", "          requestMessage: payments team, ticket NET-42\n")
    for login in ("netops", "owner"):
        r = invoke(emu, tmp_path, "plan", manual, login=login)
        assert r.exit_code == 0 and NO_CHANGES in r.stdout, r.stdout + r.stderr


def test_the_holder_of_the_right_is_told_they_may_approve_it_themselves(emu: Emulator, tmp_path: Path) -> None:
    r = invoke(emu, tmp_path, "plan", endpoint_plan(tmp_path, "manual"), login="owner")
    text = r.stdout + r.stderr
    assert r.exit_code == 0 and "you hold it, so you can approve it yourself" in text, text
    assert "acrtui plan: private endpoint pe-sandboxpremium in vnet-hub-prod/snet-pe asks for a connection to " \
           "sandboxpremium" in text  # the default request message


def test_a_request_message_needs_manual_approval(emu: Emulator, tmp_path: Path) -> None:
    r = invoke(emu, tmp_path, "plan", endpoint_plan(tmp_path, "auto", "          requestMessage: hello\n"))
    assert r.exit_code == 1 and "requestMessage is what the approver of a manual connection reads" in r.output
    assert emu.writes() == []
