"""The audit's fix command for a missing policy assignment is exactly what the console's policy wizard plans with
its defaults (the registry's resource group, Audit): one function (acrtui.domain.policy_fix) decides both, and this
test reads the demo estate through the real SDK and plans the wizard's choice through the real plan engine."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from acrtui.audit import run_audit
from acrtui.azure.inventory import load_estate
from acrtui.azure.session import AzureSession
from acrtui.domain.actions import AssignPolicy
from acrtui.domain.checks import CheckSettings, Status, select_checks
from acrtui.domain.checks.policy import BUILTIN_NAMES
from acrtui.domain.policy_fix import assignment_name, recommended_scope
from acrtui.emulator import Emulator, EmulatorConfig
from acrtui.plan.engine import make_plan
from acrtui.plan.executor import Journal
from acrtui.tui import planning
from tests.azure.conftest import make_session


@pytest.fixture
async def session() -> AsyncIterator[AzureSession]:
    async with Emulator("demo", config=EmulatorConfig(page_size=50, throttle=False)) as emu:
        s = make_session(emu)
        yield s
        await s.close()


async def test_audit_fix_equals_the_console_plan(session: AzureSession, tmp_path: object) -> None:
    from pathlib import Path

    estate = await load_estate(session)
    report = run_audit(estate, select_checks(["ACR-POL-001", "ACR-POL-002", "ACR-POL-003", "ACR-POL-004"]),
                       CheckSettings())
    failing = [f for f in report.findings if f.status is Status.FAIL]
    assert failing, "the demo estate must have a registry without the guarding policies"
    compared = 0
    for f in failing[:4]:
        guid = f.check.references.policy_definition_ids[0]
        assert f.fix is not None
        assert f"--scope {recommended_scope(f.registry)} " in f.fix  # the resource group, never the registry
        ui = planning.build_policy_assignment(  # the wizard's defaults (PolicyWizard.form / build)
            scope=recommended_scope(f.registry), definition_id=guid, display_name=BUILTIN_NAMES[guid],
            effect="Audit", name=assignment_name(guid, "Audit"))
        made = await make_plan(session, ui.desired, Journal(Path(str(tmp_path)) / "j.jsonl"))
        assigns = [a for a in made.plan.actions if isinstance(a, AssignPolicy)]
        if not assigns:  # already assigned at that scope (another registry of the group): nothing to compare
            continue
        assert assigns[0].az() == [f.fix]
        compared += 1
    assert compared


def test_the_console_opens_the_wizard_on_the_definition_the_audit_assigns() -> None:
    """Each policy finding the console fixes prefills the wizard with the definition the audit's command names."""
    from acrtui.domain.checks import get_check
    from acrtui.tui.fixes import POLICY_FOR_CHECK

    for check_id, guid in POLICY_FOR_CHECK.items():
        check = get_check(check_id)
        assert check is not None and check.remediation.az is not None
        assert f"--policy {guid} " in check.remediation.az and "--scope '<scope>'" in check.remediation.az
