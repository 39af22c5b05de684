"""Where and how acrtui recommends assigning a built-in policy that guards a registry: one place, so the audit's
fix command (``acrtui audit``'s ``remediation.command``) and the console's policy wizard never disagree.

The scope is the registry's **resource group**: an assignment on the registry itself guards nothing created next
to it (the next registry is the one the policy is for), while a subscription-wide Deny reaches workloads the
operator may not own; the policy checks' remediation says "resource group (or the subscription, for every
registry in it)" and the wizard offers both, starting on the resource group. The effect starts at Audit: Deny
once the compliance scan is clean.
"""

from __future__ import annotations

from .actions import AssignPolicy
from .models import RegistryPosture

DEFAULT_EFFECT = "Audit"
BUILTIN_PREFIX = "/providers/Microsoft.Authorization/policyDefinitions/"


def recommended_scope(reg: RegistryPosture) -> str:
    """The resource group that holds the registry."""
    return f"/subscriptions/{reg.subscription_id}/resourceGroups/{reg.resource_group}"


def assignment_name(guid: str, effect: str = DEFAULT_EFFECT) -> str:
    """Stable and under Azure's 64 characters: the same definition and effect get the same assignment."""
    return f"acrtui-{guid[:8].lower()}-{effect.lower()}"


def recommended_assignment(scope: str, guid: str, display_name: str, effect: str = DEFAULT_EFFECT) -> AssignPolicy:
    """The assignment both fronts propose: built-in ``guid`` at ``scope``, enforced, with ``effect``."""
    name = assignment_name(guid, effect)
    return AssignPolicy(resource_id=f"{scope.rstrip('/')}/providers/Microsoft.Authorization/policyAssignments/{name}",
                        op="create", scope=scope, definition_id=BUILTIN_PREFIX + guid.lower(), effect=effect,
                        display_name=display_name)


def assign_command(scope: str, guid: str, display_name: str, effect: str = DEFAULT_EFFECT) -> str:
    """The ``az policy assignment create`` line for :func:`recommended_assignment` (``scope`` may be a
    placeholder such as ``<scope>``, which the audit fills in per registry)."""
    return recommended_assignment(scope, guid, display_name, effect).az()[0]
