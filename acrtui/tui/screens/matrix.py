"""The posture matrix: every registry × every control family, one coloured cell each — the estate at a glance.

A cell is coloured by the worst failing severity in that family and says how many of the family's checks fail
out of those that apply; unknown (a check that could not be evaluated) is a colour of its own, never green.
Enter on a cell opens that registry on the family's tab.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Static

from acrtui.domain.checks import Severity, Status
from acrtui.domain.checks.base import FAMILY_ORDER, Family

from .base import ConsoleScreen, ListTable

FAMILY_LABEL = {Family.CMK: "CMK", Family.PRIVATE_LINK: "PrivLink", Family.NETWORK: "Network",
                Family.DATA_ENDPOINT: "DataEP", Family.AUTH: "Auth", Family.POLICY: "Policy",
                Family.RESILIENCE: "Resil.", Family.MONITORING: "Monitor", Family.SUPPLY_CHAIN: "Supply"}
SHORT_LABEL = {Family.PRIVATE_LINK: "PrivLk", Family.NETWORK: "Net", Family.MONITORING: "Monit",
               Family.RESILIENCE: "Resil"}
FAMILY_TAB = {Family.CMK: "cmk", Family.PRIVATE_LINK: "private-link", Family.NETWORK: "network",
              Family.DATA_ENDPOINT: "data-endpoints", Family.POLICY: "policy"}
CELL_STYLE = {"critical": "bold white on red3", "high": "bold white on dark_orange3", "medium": "black on yellow3",
              "low": "black on cyan3", "info": "black on grey70", "clean": "black on green3",
              "unknown": "bold white on magenta", "n/a": "dim"}
CELL_WIDTH = 13  # on a wide terminal; a narrow one gets what is left after the registry names (at least 9)
COMPACT_WIDTH = 6  # "✗10C": below the full width the cell drops the "/applicable" count and the totals column
TOTAL_WIDTH = 14


def cell(records: list[Any], width: int = CELL_WIDTH) -> tuple[Text, str]:
    """(cell text, state) for one registry's checks of one family; a compact cell (narrow terminals, 100 columns)
    keeps the failing count and the worst severity's letter, so the state is still readable without colour."""
    compact = width < 9
    applicable = [f for f in records if f.status is not Status.NOT_APPLICABLE]
    fails = [f for f in applicable if f.failing]  # what acrtui audit counts: a suppressed failure is not one
    accepted = [f for f in applicable if f.suppressed]
    unknown = [f for f in applicable if f.status is Status.ERROR]
    if not applicable:
        state, label = "n/a", "n/a"
    elif fails:
        worst = max(fails, key=lambda f: f.severity.rank).severity
        state = worst.value
        label = (f"✗{len(fails)}{worst.value[0].upper()}" if compact
                 else f"✗{len(fails)}/{len(applicable)} {worst.value[0].upper()}")
    elif unknown:
        state, label = "unknown", f"?{len(unknown)}" if compact else f"?{len(unknown)}/{len(applicable)}"
    elif accepted:
        state, label = "clean", f"✓{len(accepted)}s" if compact else f"✓ {len(accepted)} suppr."
    else:
        state, label = "clean", "✓" if compact else f"✓ all {len(applicable)}"
    return Text(f" {label:<{width - 2}} ", style=CELL_STYLE[state]), state


def legend(compact: bool = False) -> Text:
    t = Text("✗ n failing + worst · ✓ pass · ? unknown  " if compact
             else "cells: ✗ failing/applicable and worst severity · ✓ pass or suppressed · ? not evaluated   ")
    for state in ("critical", "high", "medium", "low", "clean", "unknown", "n/a"):
        t.append(f" {state} ", style=CELL_STYLE[state])
        t.append(" ")
    return t


class MatrixScreen(ConsoleScreen):
    SCREEN_ID = "matrix"
    VIEW = "posture matrix"
    filter_text = ""

    def action_filter(self) -> None:
        self.show_filter(self.query_one("#filter", Input))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip().lower()
        self.fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("shown") or self.filter_text:
            box.value = ""
            box.remove_class("shown")
            self.filter_text = ""
            self.fill()
            self.query_one(DataTable).focus()
            return
        super().action_back()

    def body(self) -> Iterable[Widget]:
        yield Label("Posture matrix — registries × control families · ⏎ opens the registry on that family's tab",
                    classes="hint")
        yield Input(placeholder="filter registries…  (esc clears)", id="filter", classes="filter")
        yield ListTable(id="matrix", cursor_type="cell", zebra_stripes=False)
        yield Static(legend(), id="matrix-legend", classes="hint")
        yield Label("", id="status-line")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.fill()

    def on_resize(self) -> None:
        self.fill()

    def refresh_from_estate(self) -> None:
        self.fill()

    def name_width(self) -> int:
        estate = getattr(self.app, "estate", None)
        names = max((len(r.name) for r in estate.registries), default=10) if estate else 10
        return max(names, len("registries failing"))

    def cell_width(self) -> int:
        """Cells share what the names and the totals leave of the terminal's width; when the full cells do not fit,
        compact ones without the totals column, so the whole matrix fits 100 columns without scrolling sideways."""
        free = self.app.size.width - self.name_width() - 6
        full = min(CELL_WIDTH, (free - TOTAL_WIDTH - 2) // len(FAMILY_ORDER) - 2)
        return full if full >= 9 else max(COMPACT_WIDTH, free // len(FAMILY_ORDER) - 2)

    def fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        width = self.cell_width()
        compact = width < 9
        self.query_one("#matrix-legend", Static).update(legend(compact))
        table.add_column("Registry", key="registry", width=self.name_width())
        for fam in FAMILY_ORDER:
            table.add_column(SHORT_LABEL.get(fam, FAMILY_LABEL[fam]) if compact else FAMILY_LABEL[fam],
                             key=str(fam), width=width)
        if not compact:
            table.add_column("Failing", key="total", width=TOTAL_WIDTH)
        estate = getattr(self.app, "estate", None)
        report = getattr(self.app, "report", None)
        if estate is None or report is None:
            return
        by: dict[tuple[str, str], list[Any]] = {}
        for f in report.findings:
            by.setdefault((f.registry.id.lower(), str(f.check.family)), []).append(f)
        failing_regs = {str(fam): 0 for fam in FAMILY_ORDER}
        shown = [r for r in estate.registries if self.filter_text in r.name.lower()]
        for r in sorted(shown, key=lambda r: r.name.lower()):
            cells: list[Any] = [Text(r.name, style="bold")]
            total = {s: 0 for s in Severity}
            for fam in FAMILY_ORDER:
                recs = by.get((r.id.lower(), str(fam)), [])
                text, state = cell(recs, width)
                cells.append(text)
                if state not in ("clean", "n/a", "unknown"):
                    failing_regs[str(fam)] += 1
                for f in recs:
                    if f.failing:
                        total[f.severity] += 1
            if not compact:
                cells.append(Text(" ".join(f"{n}{s.value[0].upper()}" for s, n in total.items() if n) or "clean"))
            table.add_row(*cells, key=r.id)
        n = len(shown)
        table.add_row(Text("registries failing", style="italic"),
                      *(Text(f" {failing_regs[str(fam)]}" if compact else f" {failing_regs[str(fam)]} of {n}",
                             style="bold") for fam in FAMILY_ORDER), *([] if compact else [""]),
                      key="summary")
        worst = sum(1 for v in failing_regs.values() if v)
        head = f"{n} registries × {len(FAMILY_ORDER)} families · {worst} failing somewhere · "
        self.query_one("#status-line", Label).update(
            (f"{n} registries · " if compact else head) + report.summary_line())

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        self.open_cell(str(event.cell_key.row_key.value), str(event.cell_key.column_key.value))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate)
            self.open_cell(str(key.row_key.value), str(key.column_key.value))

    def open_cell(self, registry_id: str, column: str) -> None:
        if registry_id == "summary":
            return
        fam = next((f for f in FAMILY_ORDER if str(f) == column), None)
        self.app.open_registry(registry_id, FAMILY_TAB.get(fam, "findings") if fam else "overview")  # type: ignore[attr-defined]
