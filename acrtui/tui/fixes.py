"""Which console key fixes a finding, and what the wizard it opens starts with.

The audit's remediation names a plan action (``SetPublicNetworkAccess``); an operator at the console needs the key
that opens the wizard for it, on the registry the finding is about. A finding no wizard can fix (zone redundancy,
an unknown) has no key: the remediation text says what to do outside acrtui.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from acrtui.audit.runner import FindingRecord

from .keymap import ACTIONS

# check id → wizard (acrtui.tui.screens.wizards.WIZARDS); the rest have no wizard
WIZARD_FOR_CHECK = {
    "ACR-CMK-001": "migrate",
    "ACR-CMK-002": "rotate",
    "ACR-CMK-003": "cmkfix",
    "ACR-CMK-004": "rotate",
    "ACR-CMK-005": "cmkfix",
    "ACR-CMK-006": "cmkfix",
    "ACR-CMK-007": "cmkfix",
    "ACR-PL-002": "endpoint",
    "ACR-PL-003": "connections",
    "ACR-PL-004": "endpoint",
    "ACR-PL-005": "endpoint",
    "ACR-NET-001": "firewall",
    "ACR-NET-002": "firewall",
    "ACR-NET-003": "auth",
    "ACR-NET-004": "firewall",
    "ACR-DEP-001": "data",
    "ACR-AUTH-001": "auth",
    "ACR-AUTH-002": "auth",
    "ACR-AUTH-003": "auth",
    "ACR-POL-001": "policy",
    "ACR-POL-002": "policy",
    "ACR-POL-003": "policy",
    "ACR-POL-004": "policy",
}

# the built-in definition the policy wizard starts on, for the policy findings that name one it offers
POLICY_FOR_CHECK = {
    "ACR-POL-001": "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
    "ACR-POL-002": "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
    "ACR-POL-003": "0fdf0491-d080-4575-b627-ad0e843cba0f",
}


@dataclass(frozen=True)
class Fix:
    wizard: str
    key: str  # as the key bar shows it (after the operator's keymap)
    label: str  # the wizard's footer label ("Firewall")
    prefill: dict[str, object] = field(default_factory=dict)  # widget id → starting value in the wizard

    @property
    def hint(self) -> str:
        return f"{self.key} {self.label}"


def wizard_key(wizard: str, keymap: dict[str, str] | None = None) -> tuple[str, str] | None:
    """(key as shown, label) of the action that opens ``wizard``."""
    from .widgets.keybar import key_label

    for a in ACTIONS:
        if a.action == f"wizard('{wizard}')":
            return key_label((keymap or {}).get(a.id, a.key)), a.description
    return None


def fix_for(f: FindingRecord, keymap: dict[str, str] | None = None) -> Fix | None:
    wizard = WIZARD_FOR_CHECK.get(f.check.id)
    if wizard is None or f.status.value != "fail":
        return None
    found = wizard_key(wizard, keymap)
    if found is None:
        return None
    prefill: dict[str, object] = {}
    if f.check.id in POLICY_FOR_CHECK:
        prefill["pol-definition"] = POLICY_FOR_CHECK[f.check.id]
    if f.check.id == "ACR-PL-003":
        prefill["conn-approve"] = True
    if f.check.id == "ACR-NET-004":  # public access enabled: the fix turns it off (the wizard warns of a lock-out)
        prefill["fw-public"] = False
    if f.check.id == "ACR-DEP-001":
        prefill["data-enabled"] = True
    return Fix(wizard, found[0], found[1], prefill)
