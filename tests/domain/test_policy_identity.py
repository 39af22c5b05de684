"""Policy assignments that change resources: their identity gets exactly the definition's roles (none named:
refused before any write, never a default grant); ``remediate`` adds a task, only for Modify / DeployIfNotExists."""

from __future__ import annotations

from typing import Any

from acrtui.domain.actions import AssignPolicy, StartRemediation
from acrtui.domain.diff import diff
from acrtui.domain.preflight import errors, preflight

from . import plan_fixture as fx

MODIFY = "/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Authorization/policyDefinitions/modify-admin"
ROLE = "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"


def definition(roles: list[str] | None, effect: str = "Modify") -> dict[str, Any]:
    details: dict[str, Any] = {"operations": [{"operation": "addOrReplace", "field": "x", "value": False}]}
    if roles is not None:
        details["roleDefinitionIds"] = roles
    return {"id": MODIFY, "name": "modify-admin", "properties": {
        "mode": "Indexed", "parameters": {"effect": {"type": "String", "allowedValues": [effect, "Disabled"],
                                                     "defaultValue": effect}},
        "policyRule": {"if": {"field": "type", "equals": "Microsoft.ContainerRegistry/registries"},
                       "then": {"effect": "[parameters('effect')]", "details": details}}}}


def planned(roles: list[str] | None, **spec: Any) -> tuple[Any, list[Any]]:
    w = fx.world(definitions={MODIFY.lower(): definition(roles)})
    d = fx.desired(policyAssignments=[{"name": "fix-admin", "scope": fx.RG, "definition": MODIFY,
                                       "location": "eastus", **spec}])
    plan = diff(d, w)
    return plan, preflight(plan, d, w)


def test_identity_gets_exactly_the_definition_roles_and_a_remediation_follows() -> None:
    plan, findings = planned([ROLE], remediate=True)
    assign, rem = plan.actions
    assert isinstance(assign, AssignPolicy) and assign.role_definition_ids == [ROLE]
    assert isinstance(rem, StartRemediation) and rem.depends_on == [assign.key] and rem.scope == fx.RG
    assert not errors(findings)
    assert "az policy remediation create" in rem.az()[0]


def test_a_definition_that_names_no_roles_is_refused_with_the_reason() -> None:
    for roles in (None, []):
        _, findings = planned(roles)
        (err,) = errors(findings)
        assert "names no roles" in err.reason and "never grants a default role" in err.reason


def test_remediation_of_an_audit_assignment_is_refused() -> None:
    _, findings = planned([ROLE], remediate=True, effect="Disabled")
    assert any("Only Modify and DeployIfNotExists" in e.reason for e in errors(findings))
