"""The request journal full screen: every request this session sent to Azure, whole URLs, with a filter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Label, RichLog

from .base import ConsoleScreen


def entry_line(e: Any) -> Text:
    line = Text()
    status = "refused" if e.status is None else str(e.status)
    line.append(f"{e.time[11:19]} ", style="dim")
    line.append(f"{e.method:<6}", style="bold yellow" if e.is_write else "")
    line.append(f"{status:>7} ", style="red" if (e.status or 500) >= 400 else "green")
    line.append(f"{e.duration_ms:>7.0f} ms  ", style="dim")
    line.append(e.url)  # whole: query string (api-version) included; wraps instead of being cut
    return line


class ActivityScreen(ConsoleScreen):
    SCREEN_ID = "activity"
    VIEW = "activity"
    filter_text = ""

    def body(self) -> Iterable[Widget]:
        yield Label("Requests this session sent to Azure, oldest first · / filters (method, status, URL) · esc back",
                    classes="hint")
        yield Input(placeholder="filter…  (esc clears)", id="filter", classes="filter")
        yield RichLog(id="activity-log", wrap=True, markup=False, max_lines=5000)
        yield Label("", id="status-line")

    def on_mount(self) -> None:
        self.seen = 0
        self.shown = 0
        self.render_all()
        self.query_one("#activity-log").focus()
        self.set_interval(0.5, self.sync)

    def matches(self, e: Any) -> bool:
        f = self.filter_text.lower()
        return not f or f in f"{e.method} {e.status} {e.url}".lower()

    def entries(self) -> list[Any]:
        svc = getattr(self.app, "service", None)
        return list(svc.journal) if svc is not None else []

    def render_all(self) -> None:
        log = self.query_one("#activity-log", RichLog)
        log.clear()
        self.seen = self.shown = 0
        self.sync()

    def sync(self) -> None:
        entries = self.entries()
        log = self.query_one("#activity-log", RichLog)
        for e in entries[self.seen:]:
            if self.matches(e):
                log.write(entry_line(e))
                self.shown += 1
        self.seen = len(entries)
        writes = sum(1 for e in entries if e.is_write)
        flt = f" · {self.shown} match “{self.filter_text}”" if self.filter_text else ""
        self.query_one("#status-line", Label).update(f"{len(entries)} requests ({writes} writes){flt}")

    def action_filter(self) -> None:
        self.show_filter(self.query_one("#filter", Input))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.render_all()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#activity-log").focus()

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("shown") or self.filter_text:
            box.value = ""
            box.remove_class("shown")
            self.filter_text = ""
            self.render_all()
            self.query_one("#activity-log").focus()
            return
        self.app.pop_screen()
