"""The footer: this view's keys, from the one action table (k9s-style legend, one cheap widget).

Textual's Footer rebuilds a widget per key on every focus change, which made the console sluggish on a busy
machine; this renders the same bindings (ids, keys, labels) as one line of text. Tooltips live in the help overlay.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..keymap import actions_for

KEY_NAMES = {"question_mark": "?", "colon": ":", "slash": "/", "escape": "esc", "enter": "⏎"}


def key_label(key: str) -> str:
    k = key.split(",")[0]
    k = KEY_NAMES.get(k, k)
    return k.replace("ctrl+", "^")


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: auto; max-height: 2; background: $panel; color: $text; padding: 0 1; }
    """

    def __init__(self, screen_id: str, read_only: bool) -> None:
        super().__init__(id="keybar")
        self.screen_id = screen_id
        self.read_only = read_only

    def on_mount(self) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        screen = self.screen
        keymap = getattr(self.app, "_keymap", {}) or {}
        lines = {"view": Text(no_wrap=True, overflow="ellipsis"), "change": Text(no_wrap=True, overflow="ellipsis")}
        tabs_done = False
        for a in actions_for(self.screen_id, read_only=self.read_only):
            if not a.show:
                continue
            t = lines["change" if a.group == "Change" and self.screen_id != "plan" else "view"]
            if a.id.startswith("registry.tab."):
                if not tabs_done:
                    t.append("1-7", style="bold cyan")
                    t.append(" tabs  ")
                    tabs_done = True
                continue
            name = a.action.split("(")[0].removeprefix("app.")
            allowed = screen.check_action(name, ()) if hasattr(screen, "check_action") else True
            if allowed is False:
                continue
            t.append(key_label(keymap.get(a.id, a.key)), style="bold cyan" if allowed else "dim")
            t.append(f" {a.description}  ", style="" if allowed else "dim")
        lines["view"].append("^p palette", style="dim")
        t = lines["view"]
        if lines["change"].plain:
            t = Text("\n", no_wrap=True).join([lines["view"], Text("changes ▸ ", style="bold yellow") + lines["change"]])
        self.update(t)
