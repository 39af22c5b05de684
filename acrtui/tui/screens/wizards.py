"""Wizards: each gathers a few answers, explains the Azure rule that shapes them, and returns a plan to review.

Nothing here writes: "Review plan" builds a :class:`~acrtui.tui.planning.UiPlan`; the plan screen applies it after a
confirmation. Wizards do not exist in a read-only session (the app refuses to open them, and no key or command
leads here).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Select, Static
from textual.worker import Worker

from acrtui.domain.models import Estate, RegistryPosture
from acrtui.errors import AcrtuiError, UsageError

from .. import planning
from ..planning import UiPlan
from ..service import BUILTIN_POLICIES, ConsoleService, Subnet

WIZARD_KEYS = "tab next · enter in a text field reviews · space toggles · PgUp/PgDn scroll · esc cancels"


class _SaysState:
    """A toggle that keeps its own label and redraws its mark and words on every value change (Switch, Radio)."""

    value: bool

    def __init__(self, label: str, value: bool = False, **kw: Any) -> None:
        self.base_label = label
        super().__init__(label, value, **kw)  # type: ignore[call-arg]
        self._say()

    def watch_value(self) -> None:
        super().watch_value()  # type: ignore[misc]
        self._say()

    def relabel(self, label: str) -> None:
        self.base_label = label
        self._say()

    def _say(self) -> None:
        raise NotImplementedError


class Switch(_SaysState, Checkbox):
    """A checkbox that is marked only when on and says its state in words first (``[on]`` / ``[off]``).

    Textual draws the same ``X`` in both states, told apart by colour alone; a new operator (or a monochrome
    terminal) cannot see which way it is set. The word leads, so a label cut at a narrow terminal keeps it.
    """

    def _say(self) -> None:
        self.BUTTON_INNER = "X" if self.value else " "
        self.label = Content(f"{'[on] ' if self.value else '[off]'} {self.base_label}")  # plain text, not markup


class Radio(_SaysState, RadioButton):
    """A radio button: only the selected one is marked (``●``) and says ``— selected``.

    Textual draws ``●`` on every button of a set, and a RadioSet swallows its buttons' Changed messages, so the
    state is kept here, on every value change, not by a screen listening for events.
    """

    def _say(self) -> None:
        self.BUTTON_INNER = "●" if self.value else " "
        self.label = Content(f"{self.base_label}  — selected" if self.value else self.base_label)


class Wizard(ModalScreen[UiPlan | None]):
    """Frame: title, why-text, form, a preview/notes area and Review/Cancel.

    The same in every wizard: the first field is focused; Enter in a text field (or on Review plan) reviews the
    plan, Enter on a switch toggles it; PgUp/PgDn scroll a form that overflows; esc says it cancelled and that
    nothing changed. Switches say their state in words. ``prefill`` (widget id → value) is where a finding's
    fix starts the form.
    """

    TITLE_TEXT = "Wizard"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="wizard.cancel", tooltip="Close without changes"),
                Binding("ctrl+enter", "review", "Review plan", id="wizard.review", tooltip="Build the plan"),
                Binding("pagedown", "scroll_form('down')", show=False),
                Binding("pageup", "scroll_form('up')", show=False)]

    def __init__(self, estate: Estate, reg: RegistryPosture, service: ConsoleService) -> None:
        super().__init__(classes="modal wizard")
        self.estate = estate
        self.reg = reg
        self.service = service
        self.prefill: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"{self.TITLE_TEXT} — {self.reg.name}", classes="dialog-title")
            with VerticalScroll(id="wizard-body"):
                yield Static(self.explain(), id="wizard-why", classes="why")
                yield from self.form()
                yield Static("", id="wizard-notes", classes="notes")
            yield Static(WIZARD_KEYS, id="wizard-keys", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="wizard-cancel")
                yield Button("Review plan", id="wizard-review", variant="primary")

    def explain(self) -> Text | str:
        return ""

    def on_mount(self) -> None:
        """Runs after a subclass's on_mount (Textual calls each class's handler, subclass first)."""
        for wid, value in self.prefill.items():
            for w in self.query(f"#{wid}"):
                if isinstance(w, Select | Input | Checkbox | RadioButton):
                    w.value = value  # type: ignore[assignment]
        body = self.query_one("#wizard-body")
        first = next((w for w in body.query("*") if w.focusable and w.display), None)
        (first or self.query_one("#wizard-review")).focus()

    @on(Input.Submitted)
    def _enter_in_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_review()

    def action_scroll_form(self, how: str) -> None:
        body = self.query_one("#wizard-body", VerticalScroll)
        (body.scroll_page_down if how == "down" else body.scroll_page_up)(animate=False)

    def on_resize(self) -> None:
        """Keep Review/Cancel on screen in a short terminal: the form scrolls, the buttons do not move away.

        The dialog may take 90% of the height; its border, padding, title, key hint and buttons take 11 rows of that.
        """
        body = self.query("#wizard-body")
        if body:
            body.first().styles.max_height = max(4, min(36, int(self.size.height * 0.9) - 11))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.worker_failed(event)  # type: ignore[attr-defined]

    def form(self) -> Iterable[Widget]:
        return ()

    def build(self) -> UiPlan:
        raise NotImplementedError

    def notes(self, text: str | Text) -> None:
        self.query_one("#wizard-notes", Static).update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "wizard-review":
            self.action_review()
        elif event.button.id == "wizard-cancel":
            self.action_cancel()

    def action_review(self) -> None:
        try:
            plan = self.build()
        except AcrtuiError as e:
            self.notes(Text(f"✖ {e.message}", style="bold red"))
            return
        except ValueError as e:  # the plan document refused a value (name, IP rule, image reference)
            self.notes(Text(f"✖ {planning._first_error(e)}", style="bold red"))
            return
        self.dismiss(plan)

    def action_cancel(self) -> None:
        from .modals import CANCELLED

        self.app.notify(CANCELLED, title=self.TITLE_TEXT)
        self.dismiss(None)


# ------------------------------------------------------------------------------------------------ CMK


class RotateKeyWizard(Wizard):
    TITLE_TEXT = "Rotate key"

    def explain(self) -> Text:
        enc = self.reg.encryption
        t = Text()
        t.append("Current key: ", style="bold")
        t.append(f"{enc.key_identifier}\n")
        t.append("A versionless key id lets ACR pick up each new key version within an hour (automatic rotation). "
                 "A versioned id pins one version until someone rotates by hand. New versions are made in Key "
                 "Vault, not here. The key is read as one of the registry's own identities; another one it holds "
                 "can take over.")
        return t

    def form(self) -> Iterable[Widget]:
        vault = self.estate.vault_for(self.reg)
        key = vault.key(self.reg.encryption.key_name or "") if vault else None
        self.newest = key.newest_version if key else None
        self.identities = planning.identity_choices(self.estate, self.reg)
        with RadioSet(id="rotate-mode"):
            yield Radio("Versionless — automatic rotation (recommended)", value=True, id="mode-versionless")
            if self.newest:
                yield Radio(f"Pin the newest version ({self.newest})", id="mode-newest")
        yield Label("Key name (in the same vault)")
        yield Input(value=self.reg.encryption.key_name or "", id="rotate-key")
        yield Label("Encryption identity (identities assigned to the registry)")
        current = next((c.value for c in self.identities if c.current), None)
        yield Select([(self.identity_label(c), c.value) for c in self.identities], id="rotate-identity",
                     value=current if current else Select.BLANK, allow_blank=current is None)

    @staticmethod
    def identity_label(c: planning.IdentityChoice) -> str:
        access = {True: "has key access", False: "no key access yet", None: "key access unknown"}[c.key_access]
        return f"{c.label} — {'current, ' if c.current else ''}{access}"

    @on(Select.Changed, "#rotate-identity")
    def identity_changed(self) -> None:
        value = self.query_one("#rotate-identity", Select).value
        c = next((c for c in self.identities if c.value == value), None)
        if c is None or c.current:
            self.notes("")
        elif c.key_access is False:
            self.notes(Text(f"{c.label} has no get/wrapKey/unwrapKey on the key: the plan grants them before it "
                            "switches (a registry whose identity cannot use its key cannot serve content).",
                            style="yellow"))
        else:
            self.notes(Text(f"The registry will read its key as {c.label}.", style="cyan"))

    def build(self) -> UiPlan:
        pressed = self.query_one("#rotate-mode", RadioSet).pressed_button
        version = self.newest if pressed is not None and pressed.id == "mode-newest" else None
        name = self.query_one("#rotate-key", Input).value.strip() or None
        if name and name != self.reg.encryption.key_name and version:
            version = None  # the newest version belongs to the current key
        ident = self.query_one("#rotate-identity", Select).value
        return planning.build_rotate_key(self.estate, self.reg, key_version=version, key_name=name,
                                         identity=ident if isinstance(ident, str) else None)


# a few built-in role definitions by id (Learn: "Azure built-in roles"), so a definition's roles read as names
BUILTIN_ROLES = {"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
                 "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
                 "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
                 "4d97b98b-1d4f-4787-a291-c67834d212e7": "Network Contributor",
                 "8311e382-0749-4cb8-b61a-304f252e45ec": "AcrPush", "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull"}


def role_label(role_id: str) -> str:
    guid = role_id.rstrip("/").rsplit("/", 1)[-1]
    return f"{BUILTIN_ROLES[guid.lower()]} ({guid})" if guid.lower() in BUILTIN_ROLES else guid


def vault_state(v: Any) -> str:
    """What a vault offers a registry key, said before it is chosen (the review offers purge protection)."""
    if not v.readable:
        return "could not be read"
    if v.soft_delete is False:
        return "soft delete OFF: cannot hold a key"
    if not v.purge_protection:
        return "no purge protection (review offers it)"
    return "purge protection on"


class MigrateWizard(Wizard):
    TITLE_TEXT = "CMK migration"

    def explain(self) -> Text:
        t = Text()
        t.append("Why a new registry: ", style="bold")
        t.append("Azure sets a customer-managed key only when a registry is created, and never turns it off. "
                 "There is no in-place switch. The real path is a new Premium registry with CMK (a user-assigned "
                 "identity with get/wrapKey/unwrapKey on the key), importing the images into it, moving clients to "
                 "its login server, then retiring the old one.\n")
        if self.reg.encryption.enabled:
            t.append("This registry already uses a customer-managed key; use Rotate key instead.", style="yellow")
        return t

    def form(self) -> Iterable[Widget]:
        from acrtui.domain.migration import endpoint_vnet, source_endpoints

        self.content: Any = None  # RegistryContent once discovery answered
        self.vnets = sorted(v for v in (endpoint_vnet(ep) for ep in source_endpoints(self.estate, self.reg).values())
                            if v)
        vaults = sorted(self.estate.vaults, key=lambda v: v.name)
        yield Label("New registry name (5–50 letters and digits, globally unique)")
        yield Input(value=f"{self.reg.name[:44]}cmk", id="mig-name")
        yield Label("Resource group / region")
        with Horizontal(classes="row"):
            yield Input(value=self.reg.resource_group, id="mig-rg")
            yield Input(value=self.reg.location, id="mig-location")
        yield Label("Key Vault (soft delete + purge protection)")
        yield Select([(f"{v.name} ({v.resource_group}) — {vault_state(v)}", v.id) for v in vaults], id="mig-vault",
                     value=vaults[0].id if vaults else Select.BLANK, allow_blank=not vaults)
        yield Label("Key name (created if missing, RSA 3072; a new user-assigned identity gets access)")
        yield Input(value=f"{self.reg.name[:40]}-cmk", id="mig-key")
        yield Switch("Versionless key (automatic rotation)", value=True, id="mig-versionless")
        yield Label("Images to import", classes="section")
        yield Static(f"Reading the repositories and tags of {self.reg.name} through its data plane…", id="mig-found")
        yield Label("Filter: comma-separated patterns such as payments/* or *:1.27 (leave empty for every tag)",
                    id="mig-filter-label")
        yield Input(value="", id="mig-filter")
        yield Static("", id="mig-selection")
        yield Label("Images (repo:tag, comma-separated) — typed, since the data plane cannot be read from here",
                    id="mig-images-label")
        yield Input(value="", id="mig-images")
        yield Switch("Create it without importing any image", value=False, id="mig-no-import")
        yield Switch("Carry the source's hardening", value=True, id="mig-copy")
        yield Static("  replicas, network rules, data endpoints, authentication settings, private endpoints with "
                     "DNS, registry-scope policies", classes="hint")
        if self.vnets:
            names = ", ".join(v.rsplit("/", 1)[-1] for v in self.vnets)
            yield Switch(f"I work from {names}", value=False, id="mig-private-path")
            yield Static("  a private path: public access on the new registry then goes off with the source's; "
                         "otherwise it stays on until the imports are checked", classes="hint")

    def on_mount(self) -> None:
        for wid in ("#mig-images-label", "#mig-images"):
            self.query_one(wid).display = False
        self.discover()

    @work(exclusive=True, group="wizard-discover", exit_on_error=False)
    async def discover(self) -> None:
        content = await self.service.discover(self.reg)
        self.content = content
        found = self.query_one("#mig-found", Static)
        if content.readable:
            n = len(content.images())
            found.update(Text(f"{n} tag(s) in {len(content.repositories)} repositories found in {self.reg.name}; "
                              "all of them are imported unless you filter.", style="green"))
        else:
            found.update(Text(f"✖ {content.unreadable}\n{content.way_forward}\nType the images to import below.",
                              style="yellow"))
            for wid in ("#mig-filter-label", "#mig-filter", "#mig-selection"):
                self.query_one(wid).display = False
            for wid in ("#mig-images-label", "#mig-images"):
                self.query_one(wid).display = True
        self.show_selection()

    def images(self) -> list[str]:
        if self.content is None:
            raise UsageError(f"Still reading the images of {self.reg.name}; review again in a moment.")
        if self.content.readable:
            return planning.select_images(self.content.images(), self.query_one("#mig-filter", Input).value)
        return [i.strip() for i in self.query_one("#mig-images", Input).value.split(",") if i.strip()]

    @on(Input.Changed, "#mig-filter")
    def show_selection(self) -> None:
        if self.content is None or not self.content.readable:
            return
        chosen = self.images()
        total = len(self.content.images())
        text = Text(f"{len(chosen)} of {total} tag(s) selected", style="bold" if chosen else "bold red")
        if chosen:
            text.append(": " + ", ".join(chosen[:8]) + (f" and {len(chosen) - 8} more" if len(chosen) > 8 else ""))
        else:
            text.append(" — nothing would be imported")
        self.query_one("#mig-selection", Static).update(text)

    def build(self) -> UiPlan:
        import re

        name = self.query_one("#mig-name", Input).value.strip()
        if not re.fullmatch(r"[a-zA-Z0-9]{5,50}", name):
            raise UsageError("A registry name is 5–50 letters and digits.")
        vault = self.query_one("#mig-vault", Select).value
        if not isinstance(vault, str):
            raise UsageError("Choose a Key Vault for the key.")
        boxes = self.query("#mig-private-path")
        private = bool(boxes) and bool(boxes.first(Checkbox).value)
        return planning.build_cmk_migration(
            self.reg, name=name, resource_group=self.query_one("#mig-rg", Input).value.strip(),
            location=self.query_one("#mig-location", Input).value.strip(), vault_id=vault,
            key_name=self.query_one("#mig-key", Input).value.strip(), identity_id=None,
            versionless=self.query_one("#mig-versionless", Checkbox).value, images=self.images(),
            import_nothing=self.query_one("#mig-no-import", Checkbox).value,
            copy_settings=self.query_one("#mig-copy", Checkbox).value,
            operator_networks=self.vnets if private else [])


class CmkFixWizard(Wizard):
    """One key from the CMK tab's findings to a plan: key access back, and the vault's protections on."""

    TITLE_TEXT = "Fix key access and key vault"

    def explain(self) -> Text:
        t = Text()
        t.append("Why: ", style="bold")
        t.append("a CMK registry reads its key as one identity; if that identity loses get, wrapKey and unwrapKey, "
                 "ACR cannot decrypt the registry's content. Purge protection keeps a deleted key recoverable, "
                 "AuditEvent logs record who used the key or changed its access, and a vault firewall must let "
                 "trusted Azure services (ACR) through. Each fix you tick becomes a step of the plan you review "
                 "before anything changes.")
        return t

    def form(self) -> Iterable[Widget]:
        self.fixes = planning.cmk_fixes(self.estate, self.reg)
        f, v = self.fixes, self.fixes.vault
        vault = v.name if v else "?"
        key = self.reg.encryption.key_name or "the key"

        def fine(text: str) -> Static:
            return Static(Text.assemble(("✓ ", "bold green"), text), classes="fine")

        if f.key_access:
            yield Switch(f"Restore key access: let {f.identity} get, wrapKey and unwrapKey on {key} "
                           f"({'RBAC role' if v and v.rbac_authorization else 'access policy'})", value=True,
                           id="fix-key-access")
        else:
            yield fine(f"{f.identity or 'The identity'} can use {key}")
        if f.purge_protection:
            yield Switch(f"Turn on purge protection for {vault} (IRREVERSIBLE)", value=True, id="fix-purge")
        elif f.soft_delete_off:
            yield Static(Text(f"✗ {vault} has soft delete off: purge protection needs it first (outside acrtui).",
                              style="yellow"))
        else:
            yield fine(f"{vault} has purge protection")
        if f.audit_logging:
            yield Switch(f"Send {vault}'s AuditEvent log to a Log Analytics workspace", value=True, id="fix-audit")
            yield Select([], id="fix-workspace", prompt="workspace (loading…)")
        else:
            yield fine(f"{vault} sends its AuditEvent log")
        if f.network_bypass:
            yield Switch(f"Let trusted Azure services (ACR) through {vault}'s firewall", value=True, id="fix-bypass")
        else:
            yield fine(f"{vault}'s firewall lets ACR reach the key")

    def on_mount(self) -> None:
        if self.fixes.audit_logging:
            self.load_workspaces()

    @work(exclusive=True, group="wizard-workspaces", exit_on_error=False)
    async def load_workspaces(self) -> None:
        vault = self.fixes.vault
        subs = list(dict.fromkeys([vault.subscription_id] if vault else []) | dict.fromkeys(self.estate.subscriptions))
        found = await self.service.workspaces(subs)
        used = [d.workspace_id for v in self.estate.vaults for d in v.diagnostic_settings if d.workspace_id]
        ids = list(dict.fromkeys([*used, *found]))  # one other vaults already log to comes first
        sel = self.query_one("#fix-workspace", Select)
        sel.set_options([(f"{i.rsplit('/', 1)[-1]} ({i.split('/')[4]})", i) for i in ids])
        if ids:
            sel.value = ids[0]

    def checked(self, wid: str) -> bool:
        boxes = self.query(f"#{wid}")
        return bool(boxes) and bool(boxes.first(Checkbox).value)

    def build(self) -> UiPlan:
        workspace = None
        if self.checked("fix-audit"):
            value = self.query_one("#fix-workspace", Select).value
            if not isinstance(value, str):
                raise UsageError("Choose the workspace that receives the AuditEvent log.")
            workspace = value
        return planning.build_cmk_fix(self.estate, self.reg, key_access=self.checked("fix-key-access"),
                                      purge_protection=self.checked("fix-purge"), audit_workspace=workspace,
                                      network_bypass=self.checked("fix-bypass"))


# ------------------------------------------------------------------------------------------------ Private Link


class EndpointWizard(Wizard):
    TITLE_TEXT = "Private endpoint with private DNS"

    def explain(self) -> Text:
        return Text("A private endpoint takes one IP for the login server plus one per region "
                    f"({len(self.reg.regions)} region(s): {', '.join(self.reg.regions)}), and turns on dedicated data "
                    "endpoints. Clients resolve the registry through the privatelink zone: the zone must be linked to "
                    "the VNet and hold an A record per FQDN — a DNS zone group keeps them in sync.")

    def form(self) -> Iterable[Widget]:
        self.subnets: list[Subnet] = []
        self.may_approve: bool | None = None  # the approval right on the registry, read with the subnets
        self.approval_note = ""
        self.zones: dict[str, list[str]] = {}
        self.linked_vnets: dict[str, set[str]] = {}
        yield Label("Subnet (loading…)", id="pe-subnet-label")
        yield Select([], id="pe-subnet", prompt="choose a subnet")
        yield Label("Approval")
        with RadioSet(id="pe-approval"):
            yield Radio("Automatic (you may approve on the registry)", value=True, id="pe-auto")
            yield Radio("Manual (the connection stays Pending)", id="pe-manual")
        yield Switch("Private DNS: zone + VNet link + zone group (recommended)", value=True, id="pe-dns")
        yield Label("Endpoint name")
        yield Input(value=f"pe-{self.reg.name}", id="pe-name")

    def on_mount(self) -> None:
        self.load_subnets()

    @work(exclusive=True, group="wizard-subnets", exit_on_error=False)
    async def load_subnets(self) -> None:
        subs = list(self.estate.subscriptions) or [self.reg.subscription_id]
        subnets = await self.service.subnets(subs)
        zones = {s: await self.service.dns_zones(s) for s in {sn.subscription_id for sn in subnets}}
        links = {z: {v.lower() for v in await self.service.zone_links(z)} for zs in zones.values() for z in zs}
        self.may_approve = await self.service.run(planning.may_approve(self.service.session, self.reg))
        if self.may_approve is False:  # checked first: an automatic endpoint would be refused by Azure
            self.query_one("#pe-manual", RadioButton).value = True
            self.query_one("#pe-auto", Radio).relabel("Automatic (needs the approval right, which you lack)")
        self.approval_note = planning.approval_note(self.reg, self.may_approve)
        self.notes(Text(self.approval_note, style="yellow"))
        self.subnets, self.zones, self.linked_vnets = subnets, zones, links
        sel = self.query_one("#pe-subnet", Select)
        need = 1 + len(self.reg.regions)
        sel.set_options([(f"{s.vnet_name}/{s.name}  {s.prefix}  ({s.usable} usable{' — too small' if s.usable < need else ''})",
                          s.id) for s in subnets])
        self.query_one("#pe-subnet-label", Label).update(f"Subnet ({len(subnets)} found; needs {need} free IPs)")
        self.offer_dns_fix()

    def offer_dns_fix(self) -> None:
        """An approved endpoint of this registry without private DNS: start from it, so the plan adds only its DNS
        (zone, VNet link, zone group) — the second half of approving someone's endpoint."""
        if "pe-subnet" in self.prefill or "pe-name" in self.prefill:
            return
        known = {s.id.lower(): s.id for s in self.subnets}
        pe = next((p for p in self.estate.endpoints_for(self.reg) if p.connection_status.lower() == "approved"
                   and not p.dns_zone_ids and (p.subnet_id or "").lower() in known), None)
        if pe is None:
            return
        self.query_one("#pe-subnet", Select).value = known[(pe.subnet_id or "").lower()]
        self.query_one("#pe-name", Input).value = pe.name
        self.approval_note = (f"{pe.name} is approved but has no private DNS: its subnet and name are filled in, so "
                              "the plan adds only its DNS (zone, VNet link, zone group). Change them for a new "
                              "endpoint.\n" + self.approval_note).strip()
        self.notes(Text(self.approval_note, style="yellow"))

    def chosen(self) -> Subnet:
        sid = self.query_one("#pe-subnet", Select).value
        sn = next((s for s in self.subnets if s.id == sid), None)
        if sn is None:
            raise UsageError("Choose a subnet for the endpoint.")
        return sn

    @on(Select.Changed, "#pe-subnet")
    async def subnet_changed(self) -> None:
        try:
            sn = self.chosen()
        except UsageError:
            return
        zones = self.zones.get(sn.subscription_id, [])
        txt = Text()
        if zones:
            txt.append(f"Zone {zones[0].split('/')[-1]} exists in {zones[0].split('/')[4]}.\n")
        else:
            txt.append("No privatelink zone in this subscription: it will be created.\n", style="yellow")
        if sn.location.lower() != self.reg.location.lower():
            txt.append(f"The VNet is in {sn.location}; the registry's home region is {self.reg.location} "
                       "(cross-region endpoints work).\n", style="dim")
        if self.approval_note:
            txt.append(self.approval_note + "\n", style="yellow")
        self.notes(txt)

    def build(self) -> UiPlan:
        sn = self.chosen()
        zone = None
        if self.query_one("#pe-dns", Checkbox).value:
            zones = self.zones.get(sn.subscription_id, [])
            zone = zones[0] if zones else planning.default_zone_id(
                sn.subscription_id, sn.resource_group, self.service.session.cloud.private_dns_zone)
        return planning.build_private_endpoint(
            self.reg, subnet_id=sn.id, name=self.query_one("#pe-name", Input).value.strip() or f"pe-{self.reg.name}",
            manual=self.query_one("#pe-manual", RadioButton).value, zone_id=zone)


class ConnectionsWizard(Wizard):
    TITLE_TEXT = "Private endpoint connections"

    def explain(self) -> Text:
        return Text("Manual private endpoints wait as Pending until the registry's owner approves or rejects them. "
                    "Approve only endpoints you recognise: an approved endpoint gives its VNet a private path in.")

    def form(self) -> Iterable[Widget]:
        conns = self.reg.private_endpoint_connections
        pending = [c for c in conns if c.status.lower() == "pending"]
        yield Label(f"{len(pending)} pending of {len(conns)}")
        yield Select([(f"{c.name} — {c.status} — {(c.private_endpoint_id or '').split('/')[-1]}", c.name) for c in conns],
                     id="conn-select", value=(pending or conns)[0].name if conns else Select.BLANK,
                     allow_blank=not conns)
        yield Static("", id="conn-about")
        with RadioSet(id="conn-decision"):
            yield Radio("Approve", value=True, id="conn-approve")
            yield Radio("Reject", id="conn-reject")

    def on_mount(self) -> None:
        self.describe()

    @on(Select.Changed, "#conn-select")
    def describe(self) -> None:
        """What there is to recognise an endpoint by: where it lives and what its requester wrote."""
        name = self.query_one("#conn-select", Select).value
        conn = next((c for c in self.reg.private_endpoint_connections if c.name == name), None)
        if conn is None:
            return
        parts = (conn.private_endpoint_id or "").split("/")
        sub = parts[2] if len(parts) > 4 else ""
        where = (f"subscription {self.estate.subscriptions[sub]}" if sub in self.estate.subscriptions
                 else f"subscription {sub or '?'} (not one this session reads)")
        t = Text()
        t.append("Endpoint ", style="bold")
        t.append(f"{parts[-1] if parts else conn.name} in resource group {parts[4] if len(parts) > 4 else '?'}, "
                 f"{where}\n")
        t.append("Request message: ", style="bold")
        t.append(conn.description or "(none)")
        self.query_one("#conn-about", Static).update(t)

    def build(self) -> UiPlan:
        name = self.query_one("#conn-select", Select).value
        conn = next((c for c in self.reg.private_endpoint_connections if c.name == name), None)
        if conn is None:
            raise UsageError("This registry has no private endpoint connection to decide on.")
        status = "Rejected" if self.query_one("#conn-reject", RadioButton).value else "Approved"
        return planning.build_connection_state(self.reg, conn, status, self.estate)


# ------------------------------------------------------------------------------------------------ data / network / auth


class DataEndpointWizard(Wizard):
    TITLE_TEXT = "Dedicated data endpoints"

    def explain(self) -> Text:
        t = Text()
        t.append("Client firewall allowlist first — ", style="bold")
        t.append("with data endpoints on, clients download layers from these names instead of "
                 "*.blob.core.windows.net. Add them to your firewalls before switching, or pulls break:\n\n")
        t.append(f"  {self.reg.login_server}:443\n", style="bold cyan")
        for h in self.reg.expected_data_host_names():
            t.append(f"  {h}:443\n", style="bold cyan")
        return t

    def form(self) -> Iterable[Widget]:
        now = "enabled" if self.reg.data_endpoint_enabled else "disabled"
        yield Label(Text.assemble("Now: dedicated data endpoints are ", (now, "bold")), id="data-now")
        # opens on the current state: pressing Review without touching it plans nothing
        yield Switch("Dedicated data endpoints", value=self.reg.data_endpoint_enabled, id="data-enabled")
        yield Switch("Client firewalls allow the names above", value=False, id="data-ack")

    def on_mount(self) -> None:
        self.warn_off()

    @on(Checkbox.Changed, "#data-enabled")
    def warn_off(self) -> None:
        """Private endpoints serve the data endpoints' records: turning them off strands private clients."""
        if not self.is_mounted:
            return
        pes = len(self.reg.approved_connections) + len(self.reg.pending_connections)
        turning_off = self.reg.data_endpoint_enabled and not self.query_one("#data-enabled", Checkbox).value
        if turning_off and pes:
            self.notes(Text(f"⚠ {self.reg.name} has {pes} private endpoint connection(s). With data endpoints off, "
                            "clients on those VNets download layers from shared storage (*.blob.core.windows.net) "
                            "instead of the private data endpoint records: pulls from private networks may break, "
                            "and the endpoints' data-endpoint DNS records go stale.", style="bold yellow"))
        elif turning_off:
            self.notes(Text("Clients will download layers from *.blob.core.windows.net again: allow it in client "
                            "firewalls first.", style="yellow"))
        else:
            self.notes("")

    def build(self) -> UiPlan:
        enabled = self.query_one("#data-enabled", Checkbox).value
        if enabled and not self.reg.data_endpoint_enabled and not self.query_one("#data-ack", Checkbox).value:
            raise UsageError("Confirm that client firewalls allow the data endpoint names first.")
        return planning.build_data_endpoint(self.reg, enabled, self.query_one("#data-ack", Checkbox).value)


class FirewallWizard(Wizard):
    TITLE_TEXT = "Firewall and public access"

    def explain(self) -> Text:
        return Text("Public access off overrides IP rules: anyone managing the registry from outside a VNet with a "
                    "private endpoint loses push and pull — the most common self-inflicted outage. IP rules are IPv4 "
                    "or CIDR, Premium only, at most 200.")

    def form(self) -> Iterable[Widget]:
        yield Switch("Public network access", value=self.reg.public_network_access == "Enabled", id="fw-public")
        yield Label("Default action for public traffic")
        yield Select([("Deny (only the IP rules)", "Deny"), ("Allow (everyone)", "Allow")], id="fw-default",
                     value=self.reg.default_action if self.reg.default_action in ("Allow", "Deny") else "Allow",
                     allow_blank=False)
        yield Label("Allowed IPs / CIDRs (comma-separated)")
        yield Input(value=", ".join(r.value for r in self.reg.ip_rules), id="fw-ips")
        yield Switch("Allow trusted Azure services", value=self.reg.network_rule_bypass == "AzureServices",
                       id="fw-bypass")
        yield Label("Your public IPs, comma-separated (lock-out check; empty: private endpoint only)")
        yield Input(value="", id="fw-operator")
        yield Switch("I have another way in (allow a possible lock-out)", value=False, id="fw-allow-lockout")

    def on_mount(self) -> None:
        self.update_warnings()

    def values(self) -> dict[str, Any]:
        ips = [i.strip() for i in self.query_one("#fw-ips", Input).value.split(",") if i.strip()]
        default = self.query_one("#fw-default", Select).value
        return {"public_access": self.query_one("#fw-public", Checkbox).value,
                "default_action": default if isinstance(default, str) else "Allow",
                "ip_rules": ips, "trusted_services": self.query_one("#fw-bypass", Checkbox).value}

    @on(Checkbox.Changed)
    @on(Select.Changed)
    @on(Input.Changed)
    def update_warnings(self) -> None:
        if not self.is_mounted:
            return
        v = self.values()
        warn = planning.lockout_warnings(self.estate, self.reg, public_access=v["public_access"],
                                         default_action=v["default_action"], ip_rules=v["ip_rules"])
        self.notes(Text("\n".join(f"⚠ {w}" for w in warn), style="bold yellow") if warn else "")

    def build(self) -> UiPlan:
        v = self.values()
        ops = [i.strip() for i in self.query_one("#fw-operator", Input).value.split(",") if i.strip()]
        return planning.build_firewall(self.reg, **v, operator_ips=ops,
                                       allow_lockout=self.query_one("#fw-allow-lockout", Checkbox).value)


class AuthWizard(Wizard):
    TITLE_TEXT = "Authentication settings"

    def explain(self) -> Text:
        return Text("Local admin accounts and anonymous pull bypass Entra ID; ARM-audience tokens and exports widen "
                    "who can read content. Built-in policies audit or deny each of them.")

    def form(self) -> Iterable[Widget]:
        r = self.reg
        basic = r.sku.lower() == "basic"
        yield Switch("Admin user enabled", value=r.admin_user_enabled, id="auth-admin")
        # what the SKU cannot do is shown, but cannot be chosen (preflight would refuse it)
        yield Switch("Anonymous pull enabled" + (" (needs Standard or Premium)" if basic and not
                                                   r.anonymous_pull_enabled else ""),
                       value=r.anonymous_pull_enabled, id="auth-anon", disabled=basic and not r.anonymous_pull_enabled)
        yield Switch("ARM-audience tokens accepted", value=r.arm_audience_token_enabled is not False, id="auth-arm")
        yield Switch("Export allowed" + ("" if r.premium else " (only Premium can turn exports off)"),
                       value=r.export_policy_enabled, id="auth-export", disabled=not r.premium)

    def build(self) -> UiPlan:
        return planning.build_auth(self.reg, admin_user=self.query_one("#auth-admin", Checkbox).value,
                                   anonymous_pull=self.query_one("#auth-anon", Checkbox).value,
                                   arm_audience_tokens=self.query_one("#auth-arm", Checkbox).value,
                                   export=self.query_one("#auth-export", Checkbox).value)


# ------------------------------------------------------------------------------------------------ policy


class PolicyWizard(Wizard):
    TITLE_TEXT = "Assign a built-in policy"

    def explain(self) -> Text:
        return Text("Audit reports; Deny refuses every create or update that would leave a registry non-compliant "
                    "(403 RequestDisallowedByPolicy). The preview below evaluates the definition's rule locally "
                    "against the registries in scope before anything is assigned.")

    def form(self) -> Iterable[Widget]:
        self.body: dict[str, Any] = {}
        yield Label("Definition")
        yield Select([(n, g) for g, n in BUILTIN_POLICIES], id="pol-definition", value=BUILTIN_POLICIES[0][0],
                     allow_blank=False)
        yield Label("Effect")
        yield Select([("Audit", "Audit")], id="pol-effect", value="Audit", allow_blank=False)
        yield Label("Scope")
        from acrtui.domain.policy_fix import recommended_scope

        rg = recommended_scope(self.reg)  # the audit's fix command assigns here too
        sub = f"/subscriptions/{self.reg.subscription_id}"
        sub_name = self.estate.subscriptions.get(self.reg.subscription_id, self.reg.subscription_id)
        yield Select([(f"resource group {self.reg.resource_group}", rg), (f"subscription {sub_name}", sub)],
                     id="pol-scope", value=rg, allow_blank=False)
        yield Switch("Start a remediation task right after assigning (fixes what is non-compliant now)",
                       value=True, id="pol-remediate")
        yield Static("", id="pol-identity")
        yield Static("", id="pol-preview")

    def on_mount(self) -> None:
        self.preview()

    @on(Select.Changed)
    def changed(self, event: Select.Changed) -> None:
        self.preview(refresh_effects=event.select.id == "pol-definition")

    @work(exclusive=True, group="policy-preview", exit_on_error=False)
    async def preview(self, refresh_effects: bool = True) -> None:
        from acrtui.domain.policy_eval import PolicyDefinition, PolicyError, preview_registries

        guid = self.query_one("#pol-definition", Select).value
        if not isinstance(guid, str):
            return
        body = await self.service.policy_definition(guid)
        self.body = body
        defn = PolicyDefinition.from_dict(body)
        spec = defn.parameters.get("effect")
        allowed = [str(a) for a in (spec.allowed or ())] if spec else []
        eff_sel = self.query_one("#pol-effect", Select)
        if refresh_effects and allowed:
            default = str(spec.default) if spec and isinstance(spec.default, str) else allowed[0]
            eff_sel.set_options([(a, a) for a in allowed])
            eff_sel.value = default
        self.definition = defn
        scope = str(self.query_one("#pol-scope", Select).value).lower()
        regs = [r for r in self.estate.registries if r.id.lower().startswith(scope + "/")]
        effect = eff_sel.value if isinstance(eff_sel.value, str) else None
        self.show_identity(defn, effect)
        t = Text()
        try:
            evals = preview_registries(defn, regs, effect=effect)
        except PolicyError as exc:
            t.append(str(exc), style="red")
        else:
            bad = [e for e in evals if e.compliance == "NonCompliant"]
            t.append(f"{defn.display_name or defn.name} — effect {effect}\n", style="italic")
            t.append(f"Compliance preview — {len(bad)} of {len(evals)} registries in scope non-compliant\n", style="bold")
            for e in evals:
                style = {"NonCompliant": "red", "Compliant": "green"}.get(e.compliance, "yellow")
                t.append(f"  {e.compliance:<13}", style=style)
                t.append(f" {e.resource_name}\n")
            if effect == "Deny" and bad:
                t.append("With Deny, any later write to these registries that leaves them non-compliant is refused.",
                         style="bold yellow")
        self.query_one("#pol-preview", Static).update(t)

    @staticmethod
    def changes_resources(effect: str | None) -> bool:
        from acrtui.domain.migration import needs_remediation_identity

        return needs_remediation_identity(effect)

    def show_identity(self, defn: Any, effect: str | None) -> None:
        """Modify / DeployIfNotExists: say which roles the assignment's identity gets (exactly the definition's)."""
        from acrtui.domain.migration import definition_roles

        box = self.query_one("#pol-remediate", Checkbox)
        box.display = self.changes_resources(effect)
        info = self.query_one("#pol-identity", Static)
        if not self.changes_resources(effect):
            info.update("")
            return
        roles = definition_roles(self.body) or []
        if roles:
            names = ", ".join(role_label(r) for r in roles)
            info.update(Text(f"{effect} changes resources: the assignment gets a managed identity (in "
                             f"{self.reg.location}) with exactly the role(s) the definition names — {names} — at the "
                             "scope.", style="cyan"))
        else:
            info.update(Text("This definition names no roles (roleDefinitionIds): the plan refuses it rather than "
                             "grant a default role.", style="bold red"))

    def build(self) -> UiPlan:
        guid = self.query_one("#pol-definition", Select).value
        effect = self.query_one("#pol-effect", Select).value
        scope = self.query_one("#pol-scope", Select).value
        if not isinstance(guid, str) or not isinstance(effect, str) or not isinstance(scope, str):
            raise UsageError("Choose a definition, an effect and a scope.")
        display = dict((g, n) for g, n in BUILTIN_POLICIES)[guid]
        defn = getattr(self, "definition", None)
        if defn is not None and defn.display_name:
            display = defn.display_name
        from acrtui.domain.policy_fix import assignment_name

        name = assignment_name(guid, effect)  # the same name the audit's fix command uses
        changes = self.changes_resources(effect)
        return planning.build_policy_assignment(
            scope=scope, definition_id=guid, display_name=display, effect=effect, name=name,
            location=self.reg.location if changes else None,
            remediate=changes and self.query_one("#pol-remediate", Checkbox).value)


WIZARDS: dict[str, type[Wizard]] = {
    "rotate": RotateKeyWizard,
    "migrate": MigrateWizard,
    "cmkfix": CmkFixWizard,
    "endpoint": EndpointWizard,
    "connections": ConnectionsWizard,
    "data": DataEndpointWizard,
    "firewall": FirewallWizard,
    "auth": AuthWizard,
    "policy": PolicyWizard,
}
