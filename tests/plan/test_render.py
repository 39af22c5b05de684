"""Renderers against golden files (text, JSON, az). Regenerate with ACRTUI_UPDATE_GOLDEN=1 after a deliberate change."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from acrtui.domain.actions import Plan
from acrtui.domain.diff import diff
from acrtui.domain.preflight import preflight
from acrtui.plan.render import NO_CHANGES, render, render_text, summary_line
from tests.domain import plan_fixture as fx

GOLDEN = Path(__file__).parent / "golden"


def sample() -> tuple[Plan, list]:
    d = fx.desired(
        {"name": "openpremium", "publicNetworkAccess": "Disabled", "adminUser": False,
         "networkRules": {"defaultAction": "Deny", "ipRules": ["203.0.113.7"]},
         "privateLink": {"endpoints": [{"name": "pe-open", "subnet": fx.SUBNET, "dnsZone": fx.ZONE,
                                        "linkVnets": [fx.VNET, fx.OTHER_VNET]}]}},
        policyAssignments=[{"name": "deny-admin", "scope": fx.RG, "definition": "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
                            "state": "absent"},
                           {"name": "audit-cmk", "scope": fx.RG, "definition": "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
                            "effect": "Audit"}],
        operator={"networks": [fx.VNET]})
    w = fx.world()
    plan = diff(d, w)
    return plan, preflight(plan, d, w)


@pytest.mark.parametrize(("fmt", "name"), [("text", "plan.txt"), ("json", "plan.json"), ("az", "plan.az.sh")])
def test_golden(fmt: str, name: str) -> None:
    plan, findings = sample()
    got = render(plan, findings, fmt)
    path = GOLDEN / name
    if os.environ.get("ACRTUI_UPDATE_GOLDEN"):
        path.write_text(got)
    assert got == path.read_text()


def test_text_shape() -> None:
    plan, findings = sample()
    text = render_text(plan, findings)
    assert "  + create" in text and "  ~ update in place" in text and "  - destroy" in text
    assert '~ publicNetworkAccess = "Enabled" -> "Disabled"' in text and "- policyDefinitionId" in text
    assert "(known after apply)" in text and "Warning: openpremium:" in text
    assert text.rstrip().endswith(summary_line(plan)) and summary_line(plan) == "Plan: 4 to add, 2 to change, 1 to destroy."


def test_no_changes() -> None:
    assert render_text(Plan(), []).strip() == NO_CHANGES
    data = json.loads(render(Plan(), [], "json"))
    assert data["changes"] is False and data["actions"] == [] and data["summary"] == {"add": 0, "change": 0, "destroy": 0}
