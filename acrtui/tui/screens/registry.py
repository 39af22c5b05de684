"""One registry: Overview, CMK, Private Link, Network, Data endpoints, Policy and Findings tabs."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Label, Static, TabbedContent, TabPane

from ..gates import Gate, gates_for
from ..keymap import REGISTRY_TABS, actions_for
from ..planning import cmk_fixes
from ..widgets import posture
from ..widgets.context import ContextBar
from .base import ConsoleScreen

TAB_TITLES = {"overview": "Overview", "cmk": "CMK", "private-link": "Private Link", "network": "Network",
              "data-endpoints": "Data endpoints", "policy": "Policy", "findings": "Findings"}


class RegistryScreen(ConsoleScreen):
    SCREEN_ID = "registry"

    def __init__(self, registry_id: str, tab: str = "overview") -> None:
        super().__init__()
        self.registry_id = registry_id
        self.initial_tab = tab

    @property
    def VIEW(self) -> str:  # type: ignore[override]
        reg = self.registry
        return f"registry {reg.name}" if reg else "registry"

    @property
    def registry(self):  # type: ignore[no-untyped-def]
        estate = getattr(self.app, "estate", None)
        return estate.registry(self.registry_id) if estate else None

    def body(self) -> Iterable[Widget]:
        yield Label("", id="registry-title")
        with TabbedContent(initial=self.initial_tab, id="tabs"):
            for t in REGISTRY_TABS:
                with TabPane(TAB_TITLES[t], id=t), VerticalScroll():
                    yield Static("", id=f"section-{t}", classes="section")

    def on_mount(self) -> None:
        self.refresh_from_estate()

    def refresh_from_estate(self) -> None:
        estate = getattr(self.app, "estate", None)
        reg = self.registry
        if estate is None or reg is None:
            self.query_one("#registry-title", Label).update(Text("This registry is no longer in the estate.", style="red"))
            return
        report = getattr(self.app, "report", None)
        title = Text()
        title.append(f" {reg.name} ", style="bold reverse")
        title.append(f"  {reg.sku} · {', '.join(reg.regions)} · {reg.login_server}   ")
        title.append_text(posture.severity_counts(report, reg))
        self.query_one("#registry-title", Label).update(title)
        cmk: RenderableType = posture.cmk(estate, reg)
        fixes = cmk_fixes(estate, reg)
        if fixes.any and not self.read_only:  # the findings above, one key away from a reviewed plan
            cmk = Group(cmk, Text.assemble("\n", (" v ", "bold reverse cyan"),
                                           f" fix {', '.join(fixes.labels())}: a plan to review first"))
        sections = {
            "overview": posture.overview(estate, reg, report),
            "cmk": cmk,
            "private-link": posture.private_link(estate, reg),
            "network": posture.network(estate, reg),
            "data-endpoints": posture.data_endpoints(reg),
            "policy": posture.policy(estate, reg),
            "findings": posture.findings(report, reg),
        }
        for k, v in sections.items():  # a section whose data was not read says so first, in yellow
            self.query_one(f"#section-{k}", Static).update(posture.with_unknown(estate, reg, k, v))
        self.refresh_keys()  # a re-read can change what the registry allows (an upgraded SKU, a new connection)
        for bar in self.query(ContextBar):
            bar.update_context()

    def gates(self) -> dict[str, Gate]:
        if self.read_only:
            return {}  # no change action exists to gate
        return gates_for(actions_for(self.SCREEN_ID, read_only=False), self.registry, getattr(self.app, "estate", None))

    def about_subscriptions(self) -> list[str]:
        reg = self.registry
        return [reg.subscription_id] if reg else super().about_subscriptions()

    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name

    @property
    def active_tab(self) -> str:
        return str(self.query_one(TabbedContent).active)

    def action_wizard(self, name: str) -> None:
        self.app.start_wizard(name, self.registry_id)  # type: ignore[attr-defined]
