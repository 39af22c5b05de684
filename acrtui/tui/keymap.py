"""One table of console actions: it feeds every screen's bindings, the footer, the help overlay and the palette.

Each action has a stable id (users remap keys by id with ``App.set_keymap``), a tooltip, a group, the screens it
makes sense on, and whether it writes. In a read-only session write actions are not bound, not listed and not
offered: they are removed, not greyed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding

NAVIGATE = "Navigate"
VIEW = "View"
CHANGE = "Change"
TABS = Binding.Group("tabs", compact=True)  # 1-7 collapse into one footer entry

ALL = "*"


@dataclass(frozen=True)
class UiAction:
    id: str  # binding id (keymap key), also the palette command's identity
    key: str
    action: str  # Textual action run on the screen (or ``app.<name>``)
    description: str  # footer label
    tooltip: str
    group: str  # help overlay section
    screens: tuple[str, ...]  # screen ids where it is offered; ("*",) for every screen
    command: str | None = None  # command palette name, ``area: verb``
    write: bool = False
    show: bool = True
    priority: bool = False

    def on(self, screen_id: str) -> bool:
        return ALL in self.screens or screen_id in self.screens

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.description, show=self.show, tooltip=self.tooltip, id=self.id,
                       group=TABS if self.id.startswith("registry.tab.") else None, priority=self.priority)


REGISTRY_TABS = ("overview", "cmk", "private-link", "network", "data-endpoints", "policy", "findings")
TAB_LABELS = {"overview": "Overview", "cmk": "CMK", "private-link": "Private Link", "network": "Network",
              "data-endpoints": "Data endpoints", "policy": "Policy", "findings": "Findings"}

ACTIONS: tuple[UiAction, ...] = (
    # ------------------------------------------------------------- everywhere
    UiAction("app.help", "question_mark", "app.help", "Help", "Keys and commands of this view", VIEW, (ALL,),
             "help: show keys"),
    UiAction("app.activity", "ctrl+j", "app.toggle_activity", "Activity", "Show or hide the request journal", VIEW,
             (ALL,), "activity: toggle journal"),
    UiAction("app.jump", "colon", "app.jump", "Jump", "Jump to a view or a registry (k9s style)", NAVIGATE, (ALL,),
             "view: jump to"),
    UiAction("app.activity_full", "A", "app.show_activity_screen", "Activity log",
             "The request journal full screen: filter it, whole URLs", VIEW, (ALL,), "activity: full screen"),
    UiAction("app.audit", "ctrl+f", "app.show_audit", "Findings", "Findings across the estate", NAVIGATE,
             ("registries", "registry", "matrix"), "audit: show findings"),
    UiAction("app.matrix", "x", "app.show_matrix", "Matrix",
             "Posture matrix: registries × control families, worst failing severity per cell", NAVIGATE,
             ("registries", "registry", "audit"), "estate: posture matrix"),
    UiAction("app.refresh", "ctrl+r", "app.refresh_estate", "Refresh", "Read the estate from Azure again", VIEW,
             ("subscriptions", "registries", "registry", "audit", "matrix"), "estate: refresh"),
    UiAction("app.subscriptions", "ctrl+s", "app.pick_subscriptions", "Context", "Switch subscription context",
             NAVIGATE, ("registries", "registry", "audit", "matrix"), "context: switch subscription"),
    UiAction("app.back", "escape", "back", "Back", "Back to the previous view", NAVIGATE,
             ("registry", "audit", "plan", "registries", "subscriptions", "matrix", "activity"), None),
    UiAction("app.quit", "ctrl+q", "app.quit", "Quit", "Quit acrtui", NAVIGATE, (ALL,), None, show=False),
    # ------------------------------------------------------------- lists
    # priority: handled as the key arrives, before the keys typed after it are routed to the list (they then land
    # in the filter box, never on a write key); a focused text box still gets "/" as text (ConsoleScreen)
    UiAction("list.filter", "slash", "filter", "Filter", "Filter the rows (esc clears)", VIEW, (ALL,),
             "list: filter", priority=True),
    UiAction("list.open", "enter", "open", "Open", "Drill into the selected row (a finding: its fix)", NAVIGATE,
             ("registries", "subscriptions", "audit", "matrix"), None),
    UiAction("audit.group", "g", "group", "Group", "Group the findings by severity, registry or family", VIEW,
             ("audit",), "findings: group by"),
    UiAction("subscriptions.all", "ctrl+a", "open_all", "All", "Open every visible subscription", NAVIGATE,
             ("subscriptions",), "context: open all subscriptions"),
    # ------------------------------------------------------------- registry detail tabs
    *(
        UiAction(f"registry.tab.{t}", str(i + 1), f"tab('{t}')", TAB_LABELS[t],
                 f"Show the {TAB_LABELS[t]} tab", VIEW, ("registry",), f"registry: show {t.replace('-', ' ')}")
        for i, t in enumerate(REGISTRY_TABS)
    ),
    # ------------------------------------------------------------- changes (wizards): registry screen
    UiAction("cmk.rotate", "r", "wizard('rotate')", "Rotate",
             "Rotate the customer-managed key or switch to a versionless key", CHANGE, ("registry",), "cmk: rotate key",
             write=True),
    UiAction("cmk.migrate", "m", "wizard('migrate')", "Migrate",
             "New CMK registry + image import (CMK cannot be enabled in place)", CHANGE, ("registry",),
             "cmk: migrate to a new CMK registry", write=True),
    UiAction("cmk.fix", "v", "wizard('cmkfix')", "Fix CMK",
             "Restore the identity's key access; purge protection, audit logging, firewall bypass on the vault",
             CHANGE, ("registry",), "cmk: fix key access / vault", write=True),
    UiAction("pe.create", "p", "wizard('endpoint')", "Endpoint",
             "Create a private endpoint with private DNS", CHANGE, ("registry",), "private link: create endpoint",
             write=True),
    UiAction("pe.review", "a", "wizard('connections')", "Approve",
             "Approve or reject pending private endpoint connections", CHANGE, ("registry",),
             "private link: approve or reject", write=True),
    UiAction("data.switch", "d", "wizard('data')", "Data EP",
             "Turn dedicated data endpoints on or off (client allowlist first)", CHANGE, ("registry",),
             "data endpoint: switch", write=True),
    UiAction("network.firewall", "f", "wizard('firewall')", "Firewall",
             "Public access, IP rules and trusted services", CHANGE, ("registry",), "network: edit firewall",
             write=True),
    UiAction("auth.settings", "u", "wizard('auth')", "Auth",
             "Admin user, anonymous pull, ARM audience tokens, export", CHANGE, ("registry",), "auth: edit settings",
             write=True),
    UiAction("policy.assign", "y", "wizard('policy')", "Policy",
             "Assign a built-in Container Registry policy (with a compliance preview)", CHANGE,
             ("registry", "registries"), "policy: assign built-in", write=True),
    # ------------------------------------------------------------- plan review
    UiAction("plan.apply", "ctrl+y", "apply", "Apply", "Confirm and apply this plan", CHANGE, ("plan",),
             "plan: apply", write=True),
    UiAction("plan.save", "ctrl+w", "save", "Save plan", "Save this plan as a plan file", VIEW, ("plan",),
             "plan: save to file", write=True),
)

BY_ID = {a.id: a for a in ACTIONS}
assert len(BY_ID) == len(ACTIONS), "duplicate action id"


def actions_for(screen_id: str, *, read_only: bool) -> list[UiAction]:
    """What the operator can do on a screen; write actions do not exist in a read-only session."""
    return [a for a in ACTIONS if a.on(screen_id) and not (read_only and a.write)]


def bindings_for(screen_id: str, *, read_only: bool) -> list[Binding]:
    """A screen's bindings (``app.*`` actions too, so each view offers exactly what makes sense on it).

    In a read-only session a write key is bound to nothing but a refusal that says so in the status line (unlisted,
    never offered): the key does not fall through to anything else, and the operator learns why nothing happened.
    """
    out = [a.binding() for a in actions_for(screen_id, read_only=read_only)]
    if read_only:
        out += [Binding(a.key, f"app.refuse_read_only({refusal(a)!r})", a.description, show=False, id=a.id)
                for a in ACTIONS if a.write and a.on(screen_id)]
    return out


def refusal(a: UiAction) -> str:
    """What a refused write key names: ``private link: create endpoint`` → ``create endpoint (private link)``."""
    area, sep, verb = (a.command or a.description).partition(": ")
    return f"{verb} ({area})" if sep else area.replace(":", "")


def write_action_names() -> set[str]:
    return {a.action for a in ACTIONS if a.write}


def commands_for(screen_id: str, *, read_only: bool) -> Iterable[UiAction]:
    return (a for a in actions_for(screen_id, read_only=read_only) if a.command)
