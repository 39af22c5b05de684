"""The list views: subscription picker, registry list, estate findings — DataTables with a ``/`` filter.

The posture cells (and with them the domain and audit modules) are imported where rows are built, after the first
paint. While the estate loads, the registry list shows each subscription's registries as they are listed: what the
registry itself says (SKU, public access, data endpoints, home region) and "…" for what needs the rest of the reads
(findings, CMK, private link) — never a verdict before its inputs are read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, LoadingIndicator, ProgressBar, Static

from ..widgets.context import is_production
from .base import ConsoleScreen, ListTable, cell_width

PENDING = Text("…", style="dim")  # read still under way: no verdict yet


def search_key(cells: Iterable[Any]) -> str:
    return " ".join(c.plain if isinstance(c, Text) else str(c) for c in cells).lower()


class FilteredTable(ConsoleScreen):
    """A DataTable whose rows come from :meth:`rows`; ``/`` shows a filter box, esc clears it.

    Scale (10,000 rows): :meth:`fill` builds the rows, their lower-case search keys and the column widths once per
    change of data; a keystroke in the filter only searches those keys (within the previous matches when the text
    grew) and hands the first :attr:`SHOWN` matches to the table in one pass — nothing is rebuilt or re-measured per
    keystroke, and the status line says when there are more."""

    COLUMNS: ClassVar[tuple[str, ...]] = ()
    # rows handed to the table at most: refilling DataTable's bookkeeping for every match on every keystroke cost
    # ~0.5 s at 10,000 rows (2,000 rows: 12 ms idle, 40–120 ms while a load shares the GIL); 500 is a dozen pages
    # to scroll, and the filter (an index search) still runs over all of them
    SHOWN: ClassVar[int] = 500
    filter_text = ""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._all: list[tuple[str, list[Any]]] = []
        self._keys: list[str] = []
        self._widths: list[int] = []
        self._matches: list[int] = []
        self._matched_for: str | None = None  # the filter text self._matches answer
        self._submitted: str | None = None  # the filter text Enter last took to the list (reset by typing)
        self._meta: dict[int, tuple[list[Any], str, list[int]]] = {}  # id(cells) → (cells, search key, widths)

    def body(self) -> Iterable[Widget]:
        yield Input(placeholder="filter…  (esc clears)", id="filter", classes="filter")
        yield ListTable(id="table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="status-line")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for c in self.COLUMNS:
            table.add_column(c, key=c.lower())
        self.fill()
        table.focus()

    def rows(self) -> list[tuple[str, list[Any]]]:
        return []

    def fill(self) -> None:
        """The data changed: rebuild the rows and their search index, then show what the filter keeps."""
        self._all = self.rows()
        n = len(self.COLUMNS)
        seen, meta = self._meta, {}
        self._keys, self._widths = [], [0] * n
        for _, cells in self._all:  # rows built before (earlier subscriptions, while streaming) keep their index
            m = seen.get(id(cells))
            if m is None or m[0] is not cells:
                m = (cells, search_key(cells), [cell_width(c) for c in cells[:n]])
            meta[id(cells)] = m
            self._keys.append(m[1])
            for i, w in enumerate(m[2]):
                if w > self._widths[i]:
                    self._widths[i] = w
        self._meta = meta
        self._matched_for = None
        self.apply_filter()

    def apply_filter(self) -> None:
        f = self.filter_text.lower()
        if not f:
            self._matches = list(range(len(self._all)))
        else:  # narrowing (the text grew) searches only what matched before
            narrowing = self._matched_for is not None and f.startswith(self._matched_for)
            keys = self._keys
            self._matches = [i for i in (self._matches if narrowing else range(len(keys))) if f in keys[i]]
        self._matched_for = f
        table = self.query_one(ListTable)
        start = self.window_start(table)
        shown = self._matches[start: start + self.SHOWN]
        table.set_rows([self._all[i] for i in shown], self._widths)
        status = self.status(len(self._matches))
        if len(shown) < len(self._matches):  # said, never silent: the rest is one filter away
            where = "the first" if start == 0 else f"rows {start + 1:,}–{start + len(shown):,}"
            status = f"showing {where} {len(shown):,} of {len(self._matches):,} — / narrows · {status}"
        self.query_one("#status-line", Label).update(status)

    def window_start(self, table: DataTable[Any]) -> int:
        """Where the shown slice of the matches starts: at the top, unless the selected row would fall out of it
        (rows streaming in sort before it), then around that row — the cursor stays on the registry it was on."""
        if len(self._matches) <= self.SHOWN or not table.row_count:
            return 0
        key = self.selected_key()
        pos = next((n for n, i in enumerate(self._matches) if self._all[i][0] == key), None)
        if pos is None or pos < self.SHOWN:
            return 0
        return max(0, min(pos - self.SHOWN // 2, len(self._matches) - self.SHOWN))

    def status(self, shown: int) -> str:
        return f"{shown} rows" + (f" matching “{self.filter_text}”" if self.filter_text else "")

    def refresh_from_estate(self) -> None:
        self.fill()

    def action_filter(self) -> None:
        self._submitted = None
        self.show_filter(self.query_one("#filter", Input))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self._submitted = None
            self.filter_text = event.value.strip()
            self.apply_filter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter takes the keys to the list; a second Enter opens the highlighted row. Typed fast ("/stg⏎⏎", or
        tmux sending both at once) the second reaches the box before the focus has moved: it opens the row too."""
        if event.input.id == "filter":
            table = self.query_one(DataTable)
            if self._submitted == event.value and table.row_count:
                table.action_select_cursor()
            self._submitted = event.value
            table.focus()

    def action_back(self) -> None:
        """esc clears an active filter first, then goes back."""
        box = self.query_one("#filter", Input)
        if box.has_class("shown") or self.filter_text:
            box.value = ""
            box.remove_class("shown")
            self.filter_text = ""
            self.apply_filter()
            self.query_one(DataTable).focus()
        else:
            self.go_back()

    def go_back(self) -> None:
        super().action_back()

    def selected_key(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        pass


class SubscriptionScreen(FilteredTable):
    """Pick the context: one subscription (enter) or all of them (ctrl+a)."""

    SCREEN_ID = "subscriptions"
    VIEW = "subscriptions"
    COLUMNS = ("Subscription", "Id", "Context")

    def body(self) -> Iterable[Widget]:
        yield Label("Choose a subscription — enter opens it, ctrl+a opens all", classes="hint")
        yield from super().body()

    def rows(self) -> list[tuple[str, list[Any]]]:
        subs: dict[str, str] = getattr(self.app, "subscriptions", {}) or {}
        out = []
        for sid, name in subs.items():
            prod = is_production([name])
            out.append((sid, [Text(name, style="bold red" if prod else "bold"), sid,
                              Text("production", style="white on red") if prod else Text("non-production", style="dim")]))
        return out

    def status(self, shown: int) -> str:
        if not getattr(self.app, "subscriptions", None):
            failed = getattr(self.app, "read_failed", None)
            return f"✗ {failed}" if failed else "Listing subscriptions…"
        return f"{shown} subscriptions visible to {getattr(getattr(self.app, 'service', None), 'principal', 'you')}"

    def action_open(self) -> None:
        key = self.selected_key()
        if key:
            self.app.open_subscriptions([key])  # type: ignore[attr-defined]

    def action_open_all(self) -> None:
        subs = list(getattr(self.app, "subscriptions", {}) or {})
        if not subs:  # still being read: open them all once listed, never an empty context
            self.app.auto_open = []  # type: ignore[attr-defined]
            self.app.notify("Still reading the subscriptions: all of them open as soon as they are listed.")
            return
        self.app.open_subscriptions(subs)  # type: ignore[attr-defined]

    def go_back(self) -> None:
        if getattr(self.app, "estate", None) is not None and len(self.app.screen_stack) > 2:
            self.app.pop_screen()


class RegistryListScreen(FilteredTable):
    SCREEN_ID = "registries"
    VIEW = "registries"
    # most telling first: on a narrow terminal the columns that scroll off are context, not posture
    COLUMNS = ("Registry", "Findings", "SKU", "CMK", "Private link", "Public access", "Data EP", "Subscription",
               "Regions")

    stage = ""
    WIDE = 180  # from this many columns on, the selected registry's detail sits beside the list

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._streamed: dict[str, tuple[list[Any], list[tuple[str, list[Any]]]]] = {}  # sub → (listing, rows)
        self._built: tuple[Any, Any, list[tuple[str, list[Any]]]] | None = None  # (estate, report, rows)

    def body(self) -> Iterable[Widget]:
        with Vertical(id="loading"):
            yield Label(self.loading_text(), id="loading-label")
            yield ProgressBar(id="loading-progress", show_eta=False)
            yield LoadingIndicator()
        yield Input(placeholder="filter…  (esc clears)", id="filter", classes="filter")
        with Horizontal(id="registry-split"):
            yield ListTable(id="table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="detail-pane"):
                yield Static("", id="detail")
        yield Label("", id="status-line")

    def on_mount(self) -> None:  # FilteredTable.on_mount runs too (Textual calls each class's handler)
        self.show_loading(getattr(self.app, "estate", None) is None)
        self.on_resize()

    def on_resize(self) -> None:
        pane = self.query("#detail-pane")
        if pane:
            pane.first().display = self.app.size.width >= self.WIDE
            self.show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The selected registry's overview and findings, beside the list on a wide terminal."""
        pane = self.query_one("#detail-pane")
        estate = getattr(self.app, "estate", None)
        key = self.selected_key()
        reg = estate.registry(key) if estate is not None and key else None
        if not pane.display or reg is None or estate is None:
            return
        from ..widgets.posture import SEV_STYLE, findings_for, overview

        report = getattr(self.app, "report", None)
        fails = [f for f in findings_for(report, reg) if f.failing]  # a suppressed failure is not listed
        lines = Text("\nFailing checks\n", style="bold underline")
        for f in fails:
            lines.append(f"{f.severity.value:<9}", style=SEV_STYLE[f.severity.value])
            lines.append(f"{f.check.id}  {f.check.title}\n")
        if not fails:
            lines.append("none\n", style="green")
        self.query_one("#detail", Static).update(Group(Text(reg.name, style="bold reverse"),
                                                       overview(estate, reg, report), lines))

    def show_loading(self, loading: bool) -> None:
        self.query_one("#loading").display = loading
        reading = not getattr(self.app, "read_failed", None)  # a failed read shows its line, not a spinner
        self.query_one("#loading-progress").display = self.query_one(LoadingIndicator).display = reading
        self.query_one("#registry-split").display = not loading or bool(getattr(self.app, "streamed", None))

    def loading_text(self) -> str:
        """``Reading the estate… 2 of 3 subscriptions listed · 6 registries · key vaults (4/9)``."""
        app = self.app
        failed = getattr(app, "read_failed", None)
        if failed:  # never "Reading…" once the read has failed
            return f"✗ {failed}"
        if getattr(app, "service", None) is None:
            return "Signing in and opening the session…"
        streamed: dict[str, list[Any]] = getattr(app, "streamed", {}) or {}
        chosen = getattr(app, "chosen", []) or []
        regs = sum(len(v) for v in streamed.values())
        done = len(set(streamed) - (getattr(app, "paging", None) or set()))  # a list still paging is not listed
        text = f"Reading the estate… {done} of {len(chosen)} subscriptions listed"
        if streamed:
            text += f" · {regs:,} registr{'y' if regs == 1 else 'ies'}"
        return text + (f" · {self.stage}" if self.stage else "")

    def progress(self, stage: str, done: int, total: int) -> None:
        if not self.is_mounted or not self.query("#loading-label"):
            return
        self.stage = f"{stage} ({done}/{total})"
        self.query_one("#loading-label", Label).update(self.loading_text())
        self.query_one("#loading-progress", ProgressBar).update(total=max(total, 1), progress=done)

    def refresh_from_estate(self) -> None:
        self.show_loading(getattr(self.app, "estate", None) is None)
        self.query_one("#loading-label", Label).update(self.loading_text())
        self.fill()
        if not isinstance(self.focused, Input):  # never take the keys from the filter box while rows stream in
            self.query_one(DataTable).focus()
        self.show_detail()

    def streamed_rows(self) -> list[tuple[str, list[Any]]]:
        """Rows from the listings alone: the registry's own settings; "…" where a verdict needs more reads. Each
        subscription's rows are built once, when it is listed (the list grows per subscription, not rebuilt)."""
        from ..widgets.cells import mark

        app = self.app
        names: dict[str, str] = getattr(app, "subscriptions", {}) or {}
        out: list[tuple[str, list[Any]]] = []
        for sub, regs in (getattr(app, "streamed", {}) or {}).items():
            cached = self._streamed.get(sub)
            if cached is not None and cached[0] is not regs and cached[0] == regs:
                cached = self._streamed[sub] = (regs, cached[1])  # listed again, the same (ARM, then Graph)
            if cached is None or cached[0] is not regs:
                built = []
                for r in regs:
                    pna = Text("disabled", style="green") if r.public_network_access == "Disabled" else (
                        Text("firewalled", style="yellow") if r.default_action == "Deny" else Text("open", style="red"))
                    built.append((r.id, [
                        Text(r.name, style="bold"), PENDING, r.sku, PENDING,
                        PENDING if r.premium else Text("n/a", style="dim"), pna,
                        mark(r.data_endpoint_enabled) if r.premium else Text("n/a", style="dim"),
                        names.get(sub, sub), ", ".join(r.regions) + (" …" if r.premium else ""),
                    ]))
                cached = self._streamed[sub] = (regs, built)
            out += cached[1]
        return sorted(out, key=lambda row: row[1][0].plain.lower())

    def rows(self) -> list[tuple[str, list[Any]]]:
        estate = getattr(self.app, "estate", None)
        if estate is None:
            return self.streamed_rows()
        report = getattr(self.app, "report", None)
        if self._built is None or self._built[0] is not estate or self._built[1] is not report:
            self._built = (estate, report, self.estate_rows(estate, report))  # posture cells: once per load
            self._streamed = {}
        return self._built[2]

    def estate_rows(self, estate: Any, report: Any) -> list[tuple[str, list[Any]]]:
        from ..widgets.posture import SECTION_INPUTS, UNKNOWN_STYLE, cmk_cell, mark, severity_index, unread

        findings = severity_index(report) if report is not None else {}
        gaps = estate if estate.gaps else None  # each look-up scans every gap: skip it when nothing failed to read
        out = []
        for r in sorted(estate.registries, key=lambda r: r.name.lower()):
            approved = len(r.approved_connections)
            pending = len(r.pending_connections)
            pl = Text("n/a", style="dim") if not r.premium else (
                Text(f"✓ {approved}" + (f" +{pending} pending" if pending else ""), style="green") if approved
                else Text(f"✗ {pending} pending" if pending else "✗ none", style="yellow" if pending else "red"))
            if gaps and r.premium and approved and unread(estate, r, SECTION_INPUTS["private-link"]):
                pl = Text(f"? {approved} unread", style=UNKNOWN_STYLE)  # endpoints or DNS not read: not green
            pna = Text("disabled", style="green") if r.public_network_access == "Disabled" else (
                Text("firewalled", style="yellow") if r.default_action == "Deny" else Text("open", style="red"))
            out.append((r.id, [
                Text(r.name, style="bold"),
                PENDING if report is None else findings.get(r.id.lower()) or Text("clean", style="green"),
                r.sku,
                cmk_cell(r, gaps),
                pl,
                pna,
                mark(r.data_endpoint_enabled) if r.premium else Text("n/a", style="dim"),
                estate.subscriptions.get(r.subscription_id, r.subscription_id),
                ", ".join(r.regions),
            ]))
        return out

    def status(self, shown: int) -> str:
        estate = getattr(self.app, "estate", None)
        if estate is None:
            streamed = getattr(self.app, "streamed", None)
            if not streamed:
                return ""
            shown_text = f"{shown:,} registr{'y' if shown == 1 else 'ies'}"
            where = f" (filter “{self.filter_text}”)" if self.filter_text else ""
            return f"{shown_text} listed so far{where} · findings, CMK and private link follow (…)"
        observed = estate.observed_at.strftime("%Y-%m-%d %H:%M:%S UTC") if estate.observed_at else "?"
        errs = f" · INCOMPLETE: {len(estate.errors)} reads failed (? = unknown)" if estate.errors else ""
        hidden = estate.unattributed_gaps
        if hidden:  # a listing failed: registries may be missing from this list
            named = "; ".join(g.what for g in hidden[:2]) + (f"; and {len(hidden) - 2} more" if len(hidden) > 2 else "")
            errs += f" · registries may be missing: {named}"  # every failed request is in the activity log (A)
        notes = "".join(f" · note: {n}" for n in estate.notes)  # how it was read (a fallback to ARM)
        base = f"{shown:,} of {len(estate.registries):,} registries · observed {observed}{errs}{notes}"
        return base + (f" · filter “{self.filter_text}”" if self.filter_text else "")

    def action_open(self) -> None:
        key = self.selected_key()
        if key:
            self.app.open_registry(key)  # type: ignore[attr-defined]

    def go_back(self) -> None:
        pass  # the registry list is home; ctrl+s switches subscription

    def action_wizard(self, name: str) -> None:
        key = self.selected_key()
        if key:
            self.app.start_wizard(name, key)  # type: ignore[attr-defined]
        else:  # a change key never does nothing silently
            self.app.status("No registry is highlighted: nothing is listed here yet.", warning=True)  # type: ignore[attr-defined]


GROUPS = ("severity", "registry", "family")


class AuditScreen(FilteredTable):
    """Every failing check across the estate, grouped (g: severity → registry → family), worst first in each group;
    Enter on a finding opens the wizard that fixes it, on that registry, pre-filled."""

    SCREEN_ID = "audit"
    VIEW = "findings"
    COLUMNS = ("Severity", "Registry", "Family", "Check", "Finding", "Fix")
    group_by = "severity"

    def on_resize(self) -> None:
        if self.is_mounted and self.query(DataTable):
            self.fill()  # the Finding column takes what the terminal's width leaves

    def finding_width(self) -> int:
        """What the other columns leave of the terminal's width (each column pads one cell either side)."""
        return max(16, self.size.width - (16 + 18 + 13 + 12 + 10) - 2 * len(self.COLUMNS) - 3)

    def rows(self) -> list[tuple[str, list[Any]]]:
        from acrtui.domain.checks import Status
        from acrtui.domain.checks.base import FAMILY_ORDER

        from ..fixes import fix_for
        from ..widgets.cells import SEV_STYLE, UNKNOWN_STYLE

        report = getattr(self.app, "report", None)
        if report is None:
            return []
        keymap = getattr(self.app, "_keymap", {}) or {}
        fam_order = {f: i for i, f in enumerate(FAMILY_ORDER)}

        def group_of(f: Any) -> tuple[Any, str]:
            if self.group_by == "registry":
                return f.registry.name.lower(), f.registry.name
            if self.group_by == "family":
                return fam_order.get(f.check.family, 99), str(f.check.family)
            return -f.severity.rank, f.severity.value

        fails = sorted(report.failing() + report.error_findings,  # not evaluated: neither passed nor failed
                       key=lambda f: (group_of(f)[0], -f.severity.rank, f.registry.name, f.check.id))
        width = self.finding_width()
        out: list[tuple[str, list[Any]]] = []
        last = None
        counts: dict[str, int] = {}
        for f in fails:
            counts[group_of(f)[1]] = counts.get(group_of(f)[1], 0) + 1
        for f in fails:
            label = group_of(f)[1]
            if label != last:
                last = label
                out.append((f"group|{label}", [Text(f"▾ {label} ({counts[label]})", style="bold reverse"),
                                               "", "", "", "", ""]))
            fix = None if self.read_only else fix_for(f, keymap)
            msg = f.finding.message
            out.append((f"{f.registry.id}|{f.check.id}", [
                Text(f.severity.value, style=SEV_STYLE[f.severity.value]) if f.status is Status.FAIL
                else Text(f"? {f.severity.value}", style=UNKNOWN_STYLE),
                f.registry.name,
                str(f.check.family),
                f.check.id,
                msg if len(msg) <= width else msg[: width - 1] + "…",
                Text(f"{fix.key} {fix.label}", style="bold cyan") if fix else Text("—", style="dim"),
            ]))
        return out

    def status(self, shown: int) -> str:
        report = getattr(self.app, "report", None)
        if not report:
            return ""
        groups = sum(1 for i in self._matches if self._all[i][0].startswith("group|"))
        how = "⏎ opens the fix" if not self.read_only else "⏎ opens the registry's findings"
        return (f"{report.summary_line()} · grouped by {self.group_by} (g) · {shown - groups} shown · {how}")

    def action_group(self) -> None:
        self.group_by = GROUPS[(GROUPS.index(self.group_by) + 1) % len(GROUPS)]
        self.fill()

    def action_open(self) -> None:
        from ..fixes import fix_for

        key = self.selected_key()
        if not key or key.startswith("group|"):
            return
        registry_id, check_id = key.split("|")
        report = getattr(self.app, "report", None)
        rec = next((f for f in (report.failing() if report else []) if f.registry.id == registry_id
                    and f.check.id == check_id), None)
        fix = None if self.read_only or rec is None else fix_for(rec, getattr(self.app, "_keymap", {}) or {})
        if fix is None:
            self.app.open_registry(registry_id, tab="findings")  # type: ignore[attr-defined]
        else:
            self.app.start_wizard(fix.wizard, registry_id, fix.prefill)  # type: ignore[attr-defined]
