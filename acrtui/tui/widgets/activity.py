"""The activity pane: the session's request journal (what was sent to Azure, status, time), newest at the bottom."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog


class ActivityPane(RichLog):
    DEFAULT_CSS = """
    ActivityPane { height: 10; border-top: solid $accent; display: none; }
    ActivityPane.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__(id="activity", max_lines=500, wrap=False, markup=False)
        self.seen = 0

    def on_mount(self) -> None:
        self.border_title = "activity — request journal"
        self.sync()
        self.set_interval(0.5, self.sync)

    def sync(self) -> None:
        svc = getattr(self.app, "service", None)
        if svc is None:
            return
        entries = list(svc.journal)
        for e in entries[self.seen:]:
            line = Text()
            style = "bold yellow" if e.is_write else ""
            status = "refused" if e.status is None else str(e.status)
            line.append(f"{e.time[11:19]} ", style="dim")
            line.append(f"{e.method:<6}", style=style)
            line.append(f"{status:>7} ", style="red" if (e.status or 500) >= 400 else "green")
            line.append(f"{e.duration_ms:>7.0f} ms  ", style="dim")
            line.append(e.url.split("?")[0].split("/subscriptions/", 1)[-1][-110:])
            self.write(line)
        self.seen = len(entries)
