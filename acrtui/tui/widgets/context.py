"""The header: where the console points (cloud, tenant, subscriptions, target) and whether it can write."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

LOCK = "🔒"


def is_production(names: list[str]) -> bool:
    return any("prod" in n.lower() for n in names)


class ContextBar(Static):
    """``acrtui │ AzureCloud │ demo │ subscription: contoso-production │ 🔒 READ-ONLY``; production shows in red."""

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

    def update_context(self) -> None:
        app = self.app
        svc = getattr(app, "service", None)
        subs: list[str] = list(getattr(app, "chosen_names", []) or [])
        read_only = bool(getattr(app, "read_only", False))
        t = Text()
        t.append(" acrtui ", style="bold reverse")
        if read_only:
            t.append(f" {LOCK} READ-ONLY ", style="bold black on yellow")
        t.append("  ")
        if svc is not None:
            t.append(f"☁ {svc.cloud}", style="bold")
            t.append(f"  ⎈ {svc.target}")
        if subs:
            label = subs[0] if len(subs) == 1 else f"{len(subs)} subscriptions"
            t.append("  ▸ ")
            t.append(label, style="bold")
            if is_production(subs):
                t.append("  PRODUCTION", style="bold white on red")
        t.append(f"  │ {self.view}", style="italic")
        self.update(t)
        self.set_class(read_only, "read-only")
        self.set_class(is_production(subs), "production")
