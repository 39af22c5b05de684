"""Preflight reads: what a plan depends on that the estate does not say, read before anything is written.

Subscriptions the plan writes into (or names), the policy definitions it assigns, whether each new registry's
name is free worldwide (``checkNameAvailability``: names are global, a name can be taken in another tenant), and
what the caller may do at every scope the plan writes to (``Microsoft.Authorization/permissions``). The plan is
computed once here (the diff is pure) to know exactly which writes to ask about; the engine computes it again
on the completed world. Reads go through observe's ``_maybe``: a 404 is absence, anything else propagates.
"""

from __future__ import annotations

from typing import Any

from acrtui.azure.inventory import id_parts, raw
from acrtui.azure.session import AzureSession
from acrtui.domain.actions import Action, AssignPolicy, CreateCmkRegistry
from acrtui.domain.desired import DesiredState
from acrtui.domain.diff import DiffError, NameCheck, World, diff
from acrtui.domain.permissions import (
    Permission,
    ask_at,
    asked,
    created_by,
    group_scope,
    subscription_of,
    subscriptions_of,
)

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"


def referenced_subscriptions(actions: list[Action]) -> set[str]:
    return {sub for a in actions for sub in subscriptions_of(a)}


async def read_subscriptions(session: AzureSession, world: World, subs: set[str]) -> None:
    from .observe import _maybe

    known = {s.lower() for s in world.estate.subscriptions}
    client = session.client("subscriptions")
    for sub in sorted(subs):
        if sub.lower() in known or sub.lower() in world.absent_subscriptions:
            continue
        if await _maybe(client.subscriptions.get(sub)) is None:
            world.absent_subscriptions.add(sub.lower())


async def read_definition_exact(session: AzureSession, definition_id: str) -> dict[str, Any] | None:
    """A definition where its id says it lives: built-in, a subscription's, or a management group's."""
    from .observe import _maybe

    parts = definition_id.strip("/").split("/")
    low = [p.lower() for p in parts]
    name = parts[-1]
    if low[0] == "subscriptions":
        pol = session.client("policy", parts[1])
        return raw(await _maybe(pol.policy_definitions.get(name))) or None
    pol = session.client("policy", session.subscriptions[0] if session.subscriptions else None)
    if "managementgroups" in low:
        mg = parts[low.index("managementgroups") + 1]
        return raw(await _maybe(pol.policy_definitions.get_at_management_group(name, mg))) or None
    return raw(await _maybe(pol.policy_definitions.get_built_in(name))) or None


async def read_definitions(session: AzureSession, world: World, actions: list[Action]) -> None:
    for a in actions:
        if not isinstance(a, AssignPolicy) or a.definition_id.lower() in world.absent_definitions:
            continue
        sub = subscription_of(a.definition_id)
        if world.definitions.get(a.definition_id.lower()) is not None or (sub and sub.lower() in world.absent_subscriptions):
            continue
        body = await read_definition_exact(session, a.definition_id)
        if body is None:
            world.absent_definitions.add(a.definition_id.lower())
        else:
            world.definitions[a.definition_id.lower()] = body


async def read_names(session: AzureSession, world: World, actions: list[Action]) -> None:
    """``checkNameAvailability`` for each registry the plan creates (a POST that only reads)."""
    from .observe import _maybe

    for a in actions:
        if not isinstance(a, CreateCmkRegistry) or a.name.lower() in world.registry_names:
            continue
        sub = subscription_of(a.resource_id)
        if sub.lower() in world.absent_subscriptions:
            continue
        acr = session.client("containerregistry", sub)
        got = await _maybe(acr.registries.check_name_availability({"name": a.name, "type": REGISTRY_TYPE}))
        if got is not None:
            world.registry_names[a.name.lower()] = NameCheck(bool(got.name_available), got.reason, got.message)


def _permission(p: Any) -> Permission:
    return Permission(tuple(p.actions or ()), tuple(p.not_actions or ()), tuple(p.data_actions or ()),
                      tuple(p.not_data_actions or ()))


async def read_permissions_at(session: AzureSession, scope: str) -> tuple[Permission, ...] | None:
    """ARM's answer for one resource or group (None: it does not exist); a resource that 404s is asked about
    through its group (what holds there holds for it)."""
    from .observe import _maybe

    ip = id_parts(scope)
    auth = session.client("authorization", ip["subscription"])
    group = group_scope(scope)
    if group is not None and group.lower() != scope.lower().rstrip("/"):
        parts = scope.strip("/").split("/")
        got = await _maybe(_collect(auth.permissions.list_for_resource(
            parts[3], parts[5], "", parts[6], parts[7])))
        if got is not None:
            return got
    if group is None:
        return None
    return await _maybe(_collect(auth.permissions.list_for_resource_group(group.strip("/").split("/")[3])))


async def _collect(pager: Any) -> tuple[Permission, ...]:
    return tuple([_permission(p) async for p in pager])


async def read_permissions(session: AzureSession, world: World, actions: list[Action]) -> None:
    world.permissions_asked = True
    created = created_by(actions)
    for a in actions:
        for need in asked(a):
            at = ask_at(need.scope, created)
            sub = subscription_of(need.scope)
            if at is None or at.lower() in world.permissions or sub.lower() in world.absent_subscriptions:
                continue
            world.permissions[at.lower()] = await read_permissions_at(session, at)


async def read_plan_dependencies(session: AzureSession, desired: DesiredState, world: World) -> None:
    """Fill the world's preflight fields for the plan this desired state makes against it."""
    try:
        actions: list[Action] = list(diff(desired, world).actions)
    except DiffError:
        return  # the engine refuses the plan with the diff's reasons
    await read_subscriptions(session, world, referenced_subscriptions(actions))
    await read_definitions(session, world, actions)
    await read_names(session, world, actions)
    await read_permissions(session, world, actions)
