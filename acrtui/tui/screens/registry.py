"""One registry: Overview, CMK, Private Link, Network, Data endpoints, Policy and Findings tabs."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Static, TabbedContent, TabPane

from acrtui.domain.checks import Status

from ..fixes import fix_for
from ..gates import Gate, gates_for
from ..keymap import REGISTRY_TABS, actions_for
from ..planning import cmk_fixes
from ..widgets import posture
from ..widgets.context import ContextBar
from .base import ConsoleScreen, ListTable

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
                if t == "findings":  # a list: the cursor picks a finding, Enter opens its fix
                    with TabPane(TAB_TITLES[t], id=t):
                        yield Input(placeholder="filter findings…  (esc clears)", id="findings-filter",
                                    classes="filter")
                        yield ListTable(id="findings-table", cursor_type="row", zebra_stripes=True)
                        yield Static("", id="finding-detail", classes="section")
                    continue
                with TabPane(TAB_TITLES[t], id=t), VerticalScroll(id=f"scroll-{t}"):
                    yield Static("", id=f"section-{t}", classes="section")
        yield Label("", id="status-line")

    findings_filter = ""

    def on_mount(self) -> None:
        table = self.query_one("#findings-table", DataTable)
        for c in ("Status", "Severity", "Check", "Finding", "Fix"):
            table.add_column(c, key=c.lower())
        self.refresh_from_estate()
        if self.initial_tab == "findings":
            table.focus()

    def on_resize(self) -> None:
        """The Finding column takes what the terminal's width leaves: re-flow it (the cursor stays on its row)."""
        if self.is_mounted and self.query("#findings-table"):
            self.fill_findings()

    def fill_findings(self) -> None:
        table = self.query_one("#findings-table", ListTable)
        rows: list[tuple[str, list[object]]] = []
        reg = self.registry
        keymap = getattr(self.app, "_keymap", {}) or {}
        f_text = self.findings_filter.lower()
        self.finding_rows = {}
        width = max(30, self.size.width - 62)
        for f in posture.findings_for(getattr(self.app, "report", None), reg):
            fix = None if self.read_only else fix_for(f, keymap)
            cells = [posture.status_cell(f), Text(f.severity.value, style=posture.SEV_STYLE[f.severity.value]), f.check.id,
                     clip(f.finding.message, width), Text(f"⏎/{fix.key} {fix.label}", style="bold cyan") if fix else ""]
            if f_text and f_text not in " ".join(str(c) for c in cells).lower() + f.check.title.lower():
                continue
            key = f.check.id
            self.finding_rows[key] = (f, fix)
            rows.append((key, cells))
        table.set_rows(rows)
        self.show_finding()

    def show_finding(self) -> None:
        table = self.query_one("#findings-table", DataTable)
        rows = getattr(self, "finding_rows", {})
        if table.row_count == 0:
            self.query_one("#finding-detail", Static).update("")
            return
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate)[0].value)
        f, fix = rows[key]
        t = Text()
        t.append(f"{f.check.id} — {f.check.title}\n", style="bold")
        t.append(f.finding.message + "\n")
        if f.suppression is not None:
            s = f.suppression
            t.append(f"Suppressed until {s.expires.isoformat()} by {s.source}: {s.justification}\n", style="italic")
        if f.status is Status.FAIL:
            t.append("Remediation: ", style="bold")
            t.append(f.check.remediation.text + "\n")
            if fix:
                t.append(f"Press ⏎ (or {fix.key}) to open the {fix.label} wizard for this finding.", style="bold cyan")
            elif not self.read_only:
                t.append("No wizard fixes this one: the remediation above is done outside acrtui.", style="dim")
        self.query_one("#finding-detail", Static).update(t)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "findings-table":
            self.show_finding()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "findings-table" or event.row_key.value is None:
            return
        _, fix = self.finding_rows[str(event.row_key.value)]
        if fix is None:
            self.app.status("No wizard fixes this finding; its remediation is shown below the list.")  # type: ignore[attr-defined]
            return
        self.app.start_wizard(fix.wizard, self.registry_id, fix.prefill)  # type: ignore[attr-defined]

    def action_filter(self) -> None:
        """``/`` filters the findings (the registry's one list); it never reaches a change key."""
        self.action_tab("findings")
        self.show_filter(self.query_one("#findings-filter", Input))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "findings-filter":
            self.findings_filter = event.value.strip()
            self.fill_findings()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "findings-filter":
            self.query_one("#findings-table", DataTable).focus()

    def action_back(self) -> None:
        box = self.query_one("#findings-filter", Input)
        if box.has_class("shown") or self.findings_filter:
            box.value = ""
            box.remove_class("shown")
            self.findings_filter = ""
            self.fill_findings()
            self.query_one("#findings-table", DataTable).focus()
            return
        super().action_back()

    def scroll_target(self) -> Widget | None:
        f = self.focused
        if isinstance(f, DataTable | VerticalScroll):
            return f
        tab = self.active_tab
        return self.query_one("#findings-table" if tab == "findings" else f"#scroll-{tab}")

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
        cmk: RenderableType = posture.cmk(estate, reg, read_only=self.read_only)
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
        }
        for k, v in sections.items():  # a section whose data was not read says so first, in yellow
            self.query_one(f"#section-{k}", Static).update(posture.with_unknown(estate, reg, k, v))
        self.fill_findings()
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
        if name == "findings":
            self.query_one("#findings-table", DataTable).focus()

    @property
    def active_tab(self) -> str:
        return str(self.query_one(TabbedContent).active)

    def action_wizard(self, name: str) -> None:
        self.app.start_wizard(name, self.registry_id)  # type: ignore[attr-defined]


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
