"""Which change wizards make sense for one registry, and when one does not: why, and the way forward.

Preflight refuses a Premium-only change on a Basic or Standard registry, but only after the operator has filled a
form and reviewed a plan. The console asks the same question up front: a gated action stays visible (dimmed in the
key bar, with its reason in the help and the palette) and pressing it explains the refusal instead of opening a
form that cannot succeed. Pure functions of the estate, so they are easy to test and cheap to call on each redraw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from acrtui.domain.models import Estate, RegistryPosture

from .keymap import UiAction
from .planning import cmk_fixes


@dataclass(frozen=True)
class Gate:
    """Why a wizard cannot help this registry, and what can."""

    title: str  # ``Private Link needs Premium``
    reason: str  # one or two sentences, with the registry's own name and SKU
    way_forward: str
    command: str | None = None  # an az line that takes the way forward, when there is one
    alternative: str | None = None  # a wizard that can (``migrate`` for rotation on a registry without CMK)
    alternative_label: str | None = None

    @property
    def short(self) -> str:
        """For the palette and the help overlay: the title and the way forward in one line."""
        return f"{self.title} — {self.way_forward}"


_WIZARD = re.compile(r"^wizard\('([a-z_-]+)'\)$")


def wizard_of(action: UiAction) -> str | None:
    """``endpoint`` for ``wizard('endpoint')``; None for actions that are not wizards."""
    m = _WIZARD.match(action.action)
    return m.group(1) if m else None


def upgrade_command(reg: RegistryPosture) -> str:
    return (f"az acr update --name {reg.name} --resource-group {reg.resource_group} "
            f"--subscription {reg.subscription_id} --sku Premium")


def _premium(reg: RegistryPosture, feature: str, extra: str = "", title: str | None = None) -> Gate:
    return Gate(
        title=title or f"{feature} needs Premium",
        reason=f"{feature} is a Premium feature; {reg.name} is {reg.sku}.{extra}",
        way_forward=f"upgrade {reg.name} to Premium (in place, online, images kept; Premium costs more per day), "
                    "refresh (ctrl+r), then come back to this wizard.",
        command=upgrade_command(reg),
    )


def gate(wizard: str, reg: RegistryPosture, estate: Estate | None = None) -> Gate | None:
    """None when the wizard can help ``reg``; otherwise the reason it cannot and the way forward."""
    if wizard == "endpoint" and not reg.premium:
        return _premium(reg, "Private Link")
    if wizard == "data" and not reg.premium:
        return _premium(reg, "Dedicated data endpoints", title="Dedicated data endpoints need Premium")
    if wizard == "firewall" and not reg.premium:
        return _premium(reg, "A registry firewall (IP rules, turning public access off)",
                        f" On {reg.sku}, the public endpoint is always open to any network (clients still need to "
                        "authenticate).", title="A registry firewall needs Premium")
    if wizard == "connections":
        if not reg.premium:
            return _premium(reg, "Private Link")
        if not reg.private_endpoint_connections:
            return Gate(
                title="No private endpoint connections",
                reason=f"{reg.name} has no private endpoint connection to approve or reject.",
                way_forward="create a private endpoint (p), or wait for one requested from another subscription "
                            "to appear as Pending.",
            )
    if wizard == "cmkfix" and reg.encryption.enabled:
        return _nothing_to_fix(reg, estate)
    if wizard in ("rotate", "cmkfix") and not reg.encryption.enabled:
        sku = "" if reg.premium else f" CMK also needs Premium, and {reg.name} is {reg.sku}: the new registry is Premium."
        return Gate(
            title="No customer-managed key" + (" to rotate" if wizard == "rotate" else ""),
            reason=f"{reg.name} is encrypted with a Microsoft-managed key. Azure sets a customer-managed key only "
                   f"when a registry is created and never adds it to an existing one.{sku}",
            way_forward="the CMK migration: a new Premium registry encrypted with your key, the images imported "
                        "into it, then clients moved to its login server.",
            alternative="migrate",
            alternative_label="Open the CMK migration",
        )
    return None


def _nothing_to_fix(reg: RegistryPosture, estate: Estate | None) -> Gate | None:
    if estate is None:
        return None
    fixes = cmk_fixes(estate, reg)
    vault = fixes.vault
    if vault is None or not vault.readable:
        return Gate(
            title="Key vault not readable",
            reason=f"The key vault of {reg.name} ({reg.encryption.vault_name}) could not be read, so acrtui cannot "
                   "tell whether the identity can use the key or how the vault is protected.",
            way_forward="read access to the vault (Reader on it, plus key list permission), then refresh (ctrl+r).",
        )
    if fixes.any:
        return None
    extra = f" (soft delete is off on {vault.name}: turn it on outside acrtui)" if fixes.soft_delete_off else ""
    return Gate(
        title="Nothing to fix",
        reason=f"{fixes.identity or 'The identity'} can use the key, and {vault.name} has purge protection, sends "
               f"its AuditEvent log and lets ACR through its firewall{extra}.",
        way_forward="nothing to do here; rotate the key with r when a new version is due.",
    )


def gates_for(actions: list[UiAction], reg: RegistryPosture | None, estate: Estate | None = None) -> dict[str, Gate]:
    """Action id → gate, for the actions of a screen that cannot help ``reg``."""
    if reg is None:
        return {}
    out = {}
    for a in actions:
        w = wizard_of(a)
        if w and (g := gate(w, reg, estate)) is not None:
            out[a.id] = g
    return out
