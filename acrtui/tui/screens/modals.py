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

if TYPE_CHECKING:  # the gates pull in the domain and the plan engine: not on the first paint
    from ..gates import Gate


class ErrorModal(ModalScreen[None]):
    """Title and actionable message from :mod:`acrtui.errors`; nothing else (no stack trace, no response body)."""

    BINDINGS = [Binding("escape,enter", "dismiss_error", "Close", id="error.close", tooltip="Close the dialog")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__(classes="modal error-modal")
        self.error_title = title
        self.error_message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"✖ {self.error_title}", id="error-title", classes="dialog-title")
            yield Static(self.error_message, id="error-message")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_dismiss_error(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """One confirmation for every change: focus starts on Cancel; what cannot be undone asks for its name."""

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
                yield Input(placeholder=self.type_to_confirm, id="confirm-name")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", variant="default")
                yield Button(self.confirm_label, id="confirm", variant="error" if self.danger else "warning",
                             disabled=bool(self.type_to_confirm))

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value.strip() != self.type_to_confirm

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm" and not event.button.disabled)

    def action_cancel(self) -> None:
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
        if event.button.id == "copy" and self.gate.command:
            self.app.copy_to_clipboard(self.gate.command)
            self.notify("Command copied to the clipboard.", title="Copied")
            return
        self.dismiss(self.gate.alternative if event.button.id == "alternative" else None)

    def action_close(self) -> None:
        self.dismiss(None)


class HelpModal(ModalScreen[None]):
    """Keys and commands of the view it was opened on, from the same table as the footer and the palette."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close", tooltip="Close help")]

    def __init__(self, screen_id: str, view: str, read_only: bool, gates: dict[str, Gate] | None = None) -> None:
        super().__init__(classes="modal help-modal")
        self.screen_id = screen_id
        self.view = view
        self.read_only = read_only
        self.gates = gates or {}  # action id → why it cannot help the registry on screen

    def compose(self) -> ComposeResult:
        t = Text()
        groups: dict[str, list[Any]] = {}
        for a in actions_for(self.screen_id, read_only=self.read_only):
            groups.setdefault(a.group, []).append(a)
        for name, acts in groups.items():
            t.append(f"{name}\n", style="bold underline")
            for a in acts:
                key = a.key.replace("question_mark", "?").replace("colon", ":").replace("slash", "/")
                gate = self.gates.get(a.id)
                t.append(f"  {key:<10}", style="dim" if gate else "bold cyan")
                t.append(f"{a.description:<18}", style="dim" if gate else "")
                if gate:
                    t.append(f"✗ {gate.short}", style="yellow")
                else:
                    t.append(f"{a.tooltip}", style="dim")
                if a.command:
                    t.append(f"   ⌘ {a.command}", style="italic dim")
                t.append("\n")
            t.append("\n")
        if self.read_only:
            t.append("🔒 Read-only session: change actions are not available.\n", style="bold yellow")
        t.append("ctrl+p opens the command palette.", style="dim")
        with Vertical(id="dialog"):
            yield Label(f"Help — {self.view}", classes="dialog-title")
            with VerticalScroll():
                yield Static(t, id="help-text")

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
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
