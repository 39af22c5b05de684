"""Modals: the error dialog, the one reusable confirmation, help for the current view, and the ``:`` jump."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..keymap import actions_for
from .base import SCROLL_BINDINGS, scroll

if TYPE_CHECKING:  # the gates pull in the domain and the plan engine: not on the first paint
    from ..gates import Gate


class ErrorModal(ModalScreen[None]):
    """Title and actionable message from :mod:`acrtui.errors`; nothing else (no stack trace, no response body)."""

    BINDINGS = [Binding("escape,enter", "dismiss_error", "Close", id="error.close", tooltip="Close the dialog"),
                *SCROLL_BINDINGS]

    def __init__(self, title: str, message: str) -> None:
        super().__init__(classes="modal error-modal")
        self.error_title = title
        self.error_message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"✖ {self.error_title}", id="error-title", classes="dialog-title")
            with VerticalScroll(id="error-body"):  # a long message scrolls; Close stays on screen
                yield Static(self.error_message, id="error-message")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def action_scroll(self, how: str) -> None:
        scroll(self.query_one("#error-body", VerticalScroll), how)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_dismiss_error(self) -> None:
        self.dismiss(None)


CANCELLED = "Cancelled, nothing changed."


class ConfirmModal(ModalScreen[bool]):
    """One confirmation for every change: focus starts on Cancel; what cannot be undone asks for its name.

    A typed confirmation opens with the name box focused and Enter there confirms once the text matches (and says
    why not otherwise). Cancelling, by key or button, always says that nothing changed.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm.cancel", tooltip="Do nothing")]

    def __init__(self, title: str, body: str, *, confirm_label: str = "Apply", type_to_confirm: str | None = None,
                 danger: bool = False) -> None:
        super().__init__(classes="modal confirm-modal")
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label
        self.type_to_confirm = type_to_confirm
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.body, id="confirm-body")
            if self.type_to_confirm:
                yield Label(f"This cannot be undone. Type [b]{self.type_to_confirm}[/b] to confirm:")
                yield Input(placeholder=f"type {self.type_to_confirm}", id="confirm-name")
                yield Static("", id="confirm-why", classes="notes")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", variant="default")
                yield Button(self.confirm_label, id="confirm", variant="error" if self.danger else "warning",
                             disabled=bool(self.type_to_confirm))

    def on_mount(self) -> None:
        self.query_one("#confirm-name" if self.type_to_confirm else "#cancel").focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value.strip() != self.type_to_confirm
        self.query_one("#confirm-why", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if typed == self.type_to_confirm:
            self.dismiss(True)
            return
        why = (f"Type {self.type_to_confirm} to confirm (esc cancels)." if not typed else
               f"“{typed}” is not {self.type_to_confirm}: type the name exactly (esc cancels).")
        self.query_one("#confirm-why", Static).update(Text(f"✖ {why}", style="bold red"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm" and not event.button.disabled:
            self.dismiss(True)
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.app.notify(CANCELLED, title=self.title_text)
        self.dismiss(False)


class UnavailableModal(ModalScreen[str | None]):
    """A wizard that cannot help this registry: why (in Azure's terms), the way forward, and the command for it.

    Dismisses with the name of the alternative wizard when the operator takes it (CMK migration for rotation on a
    registry without CMK), else None. Close is focused: nothing here changes anything.
    """

    BINDINGS = [Binding("escape", "close", "Close", id="unavailable.close", tooltip="Close the dialog")]

    def __init__(self, registry: str, gate: Gate) -> None:
        super().__init__(classes="modal unavailable-modal")
        self.registry = registry
        self.gate = gate

    def compose(self) -> ComposeResult:
        g = self.gate
        body = Text()
        body.append(g.reason + "\n\n")
        body.append("Way forward: ", style="bold")
        body.append(g.way_forward[:1].upper() + g.way_forward[1:] + "\n")
        with Vertical(id="dialog"):
            yield Label(f"{g.title} — {self.registry}", id="unavailable-title", classes="dialog-title")
            yield Static(body, id="unavailable-body")
            if g.command:
                yield Static(Text(g.command, style="bold cyan"), id="unavailable-command", classes="command")
            with Horizontal(classes="buttons"):
                if g.command:
                    yield Button("Copy command", id="copy")
                if g.alternative:
                    yield Button(g.alternative_label or g.alternative, id="alternative", variant="primary")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "close":
            self.action_close()
            return
        if event.button.id == "copy" and self.gate.command:
            self.app.copy_to_clipboard(self.gate.command)
            self.notify("Command copied to the clipboard.", title="Copied")
            return
        self.dismiss(self.gate.alternative if event.button.id == "alternative" else None)

    def action_close(self) -> None:
        self.app.notify(CANCELLED, title=self.gate.title)
        self.dismiss(None)


class HelpModal(ModalScreen[None]):
    """Keys and commands of the view it was opened on, from the same table as the footer and the palette."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close", tooltip="Close help"),
                Binding("j", "scroll('down')", show=False), Binding("k", "scroll('up')", show=False)]

    def __init__(self, screen_id: str, view: str, read_only: bool, gates: dict[str, Gate] | None = None) -> None:
        super().__init__(classes="modal help-modal")
        self.screen_id = screen_id
        self.view = view
        self.read_only = read_only
        self.gates = gates or {}  # action id → why it cannot help the registry on screen

    def compose(self) -> ComposeResult:
        from rich.table import Table

        t = Table.grid(padding=(0, 1))
        t.add_column(no_wrap=True)  # key
        t.add_column(no_wrap=True)  # label
        t.add_column(ratio=1, min_width=20)  # what it does (wraps between words; the palette column stays whole)
        t.add_column(no_wrap=True)  # palette command: never cut mid-name
        groups: dict[str, list[Any]] = {}
        for a in actions_for(self.screen_id, read_only=self.read_only):
            groups.setdefault(a.group, []).append(a)
        for name, acts in groups.items():
            t.add_row(Text(name, style="bold underline"), "", "", "")
            for a in acts:
                key = a.key.replace("question_mark", "?").replace("colon", ":").replace("slash", "/")
                gate = self.gates.get(a.id)
                t.add_row(Text(f"  {key}", style="dim" if gate else "bold cyan"),
                          Text(a.description, style="dim" if gate else ""),
                          Text(f"✗ {gate.short}", style="yellow") if gate else Text(a.tooltip, style="dim"),
                          Text(f"⌘ {a.command}", style="italic dim") if a.command else "")
            t.add_row("", "", "", "")
        t.add_row(Text("Scroll", style="bold underline"), "", "", "")
        t.add_row(Text("  ↑↓ j k", style="bold cyan"), "Scroll / move",
                  Text("PgUp PgDn Home End too, on every list and text view", style="dim"), "")
        foot = Text()
        if self.read_only:
            foot.append("🔒 Read-only session: change keys say so and do nothing.\n", style="bold yellow")
        foot.append("ctrl+p opens the command palette.", style="dim")
        with Vertical(id="dialog"):
            title = Text(f"Help — {self.view}", style="bold")
            title.append("    esc closes · ↑↓ PgUp PgDn scroll", style="dim")  # said where it is seen, not below the fold
            yield Label(title, classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(t, id="help-text")
                yield Static(foot, id="help-foot")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()  # arrows, PgUp/PgDn, Home/End scroll it

    def action_scroll(self, how: str) -> None:
        sc = self.query_one("#help-scroll", VerticalScroll)
        (sc.scroll_down if how == "down" else sc.scroll_up)(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)


class JumpModal(ModalScreen[str | None]):
    """``:`` then a view (``registries``, ``audit``, ``subscriptions``, ``activity``) or a registry name."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="jump.cancel", tooltip="Close")]

    def __init__(self, choices: list[str]) -> None:
        super().__init__(classes="modal jump-modal")
        self.choices = choices

    def compose(self) -> ComposeResult:
        from textual.suggester import SuggestFromList

        with Vertical(id="dialog"):
            yield Label("Jump to", classes="dialog-title")
            yield Input(placeholder=": registries | audit | subscriptions | <registry name>", id="jump",
                        suggester=SuggestFromList(self.choices, case_sensitive=False))
            yield Static(", ".join(self.choices), id="jump-choices", classes="dim")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter takes the highlighted (grey) suggestion when there is one, as tab or → would."""
        suggestion = event.input._suggestion
        value = event.value.strip()
        if suggestion and value and suggestion.lower().startswith(value.lower()):
            value = suggestion
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.app.notify(CANCELLED, title="Jump")
        self.dismiss(None)
