"""The footer: this view's keys, from the one action table (k9s-style legend, one cheap widget).

Textual's Footer rebuilds a widget per key on every focus change, which made the console sluggish on a busy
machine; this renders the same bindings (ids, keys, labels) as text. View keys come first, change keys on their
own line; on a narrow terminal a line wraps between entries (never inside one), so no key is cut off. Tooltips live
in the help overlay. Changes that cannot help the registry on screen are dimmed (pressing one says why).
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.widgets import Static

from ..keymap import actions_for

KEY_NAMES = {"question_mark": "?", "colon": ":", "slash": "/", "escape": "esc", "enter": "⏎"}
CHANGES = "changes ▸ "


def key_label(key: str) -> str:
    k = key.split(",")[0]
    k = KEY_NAMES.get(k, k)
    return k.replace("ctrl+", "^")


def flow(entries: list[Text], width: int, first: Text | None = None) -> list[Text]:
    """Lay entries out on lines of at most ``width`` cells, breaking only between entries."""
    lines: list[Text] = [first.copy() if first is not None else Text()]
    indent = first.cell_len if first is not None else 0
    for e in entries:
        cur = lines[-1]
        if cur.cell_len > indent and cur.cell_len + e.cell_len > width:
            cur.rstrip()
            lines.append(Text(" " * indent))
        lines[-1].append_text(e)
    for line in lines:
        line.rstrip()
    return lines


class KeyLegend:
    """The legend as a Rich renderable that flows itself to the width it is given (so height: auto just works)."""

    def __init__(self, view: list[Text], change: list[Text]) -> None:
        self.view = view
        self.change = change

    def lines(self, width: int) -> list[Text]:
        out = flow(self.view, width)
        if self.change:
            out += flow(self.change, width, Text(CHANGES, style="bold yellow"))
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("\n").join(self.lines(max(20, options.max_width)))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(20, options.max_width)


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: auto; max-height: 4; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, screen_id: str, read_only: bool) -> None:
        super().__init__(id="keybar")
        self.screen_id = screen_id
        self.read_only = read_only
        self.legend = KeyLegend([], [])

    def on_mount(self) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        screen = self.screen
        keymap = getattr(self.app, "_keymap", {}) or {}
        gates = screen.gates() if hasattr(screen, "gates") else {}
        view: list[Text] = []
        change: list[Text] = []
        tabs_done = False
        for a in actions_for(self.screen_id, read_only=self.read_only):
            if not a.show:
                continue
            target = change if a.group == "Change" and self.screen_id != "plan" else view
            if a.id.startswith("registry.tab."):
                if not tabs_done:
                    view.append(Text.assemble(("1-7", "bold cyan"), " tabs  "))
                    tabs_done = True
                continue
            name = a.action.split("(")[0].removeprefix("app.")
            allowed = screen.check_action(name, ()) if hasattr(screen, "check_action") else True
            if allowed is False:
                continue
            dim = allowed is None or a.id in gates
            target.append(Text.assemble((key_label(keymap.get(a.id, a.key)), "dim" if dim else "bold cyan"),
                                        (f" {a.description}  ", "dim" if dim else "")))
        view.append(Text("^p palette", style="dim"))
        self.legend = KeyLegend(view, change)
        self.update(self.legend)
