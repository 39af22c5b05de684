"""The header: where the console points (cloud, target, subscriptions, view) and whether it can write.

The production badge follows the view, not the whole session: on a registry it is about that registry's
subscription; on a list of several subscriptions it says how many of them are production. Badges come first and
the context text after them ends in an ellipsis when the terminal is narrow, so the two never overlap. The header
avoids glyphs that terminals draw at inconsistent widths (emoji-capable symbols such as a cloud or a warning
sign), which is what pushes text over its neighbour in a real terminal.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

LOCK = "🔒"


def is_production(names: list[str]) -> bool:
    return any("prod" in n.lower() for n in names)


def production_badge(names: list[str]) -> tuple[str, bool]:
    """(badge text, whole view is production) for the subscriptions a view is about."""
    prod = [n for n in names if is_production([n])]
    if not prod:
        return "", False
    if len(prod) == len(names):
        return " PRODUCTION ", True
    return f" PRODUCTION ({len(prod)} of {len(names)}) ", False


class ContextBar(Static):
    """``acrtui  🔒 READ-ONLY  PRODUCTION  AzureCloud │ demo │ contoso-production │ registry contosoprodacr``."""

    DEFAULT_CSS = """
    ContextBar { dock: top; height: 1; background: $panel; color: $text; padding: 0 1; }
    ContextBar.production { background: $error 70%; color: $text; }
    ContextBar.read-only { background: $warning 40%; }
    ContextBar.production.read-only { background: $error 50%; }
    """

    def __init__(self, view: str) -> None:
        super().__init__(id="context")
        self.view = view

    def on_mount(self) -> None:
        self.update_context()

    def about(self) -> list[str]:
        """Display names of the subscriptions the current view is about."""
        app = self.app
        screen = self.screen
        ids: list[str] = screen.about_subscriptions() if hasattr(screen, "about_subscriptions") else []
        names: dict[str, str] = dict(getattr(getattr(app, "estate", None), "subscriptions", None) or {})
        names.update(getattr(app, "subscriptions", {}) or {})
        return [names.get(i, i) for i in ids]

    def update_context(self) -> None:
        app = self.app
        svc = getattr(app, "service", None)
        subs = self.about()
        read_only = bool(getattr(app, "read_only", False))
        badge, all_production = production_badge(subs)
        view = getattr(self.screen, "VIEW", None) or self.view
        t = Text(no_wrap=True, overflow="ellipsis", end="")
        t.append(" acrtui ", style="bold reverse")
        if read_only:
            t.append("  ")
            t.append(f" {LOCK} READ-ONLY ", style="bold black on yellow")
        if badge:
            t.append("  ")
            t.append(badge, style="bold white on red")
        t.append("  ")
        if svc is not None:
            t.append(svc.cloud, style="bold")
            t.append(f" │ {svc.target}")
        if subs:
            t.append(" │ ")
            t.append(subs[0] if len(subs) == 1 else f"{len(subs)} subscriptions", style="bold")
        t.append(f" │ {view}", style="italic")
        self.update(t)
        self.set_class(read_only, "read-only")
        self.set_class(all_production, "production")
