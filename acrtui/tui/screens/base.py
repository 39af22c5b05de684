"""The frame every main view shares: context header, body, activity pane, footer; bindings from the action table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import ScrollableContainer
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, RichLog
from textual.widgets.data_table import Row, RowKey
from textual.worker import Worker

from ..keymap import actions_for, bindings_for, write_action_names
from ..widgets.activity import ActivityPane
from ..widgets.context import ContextBar
from ..widgets.keybar import KeyBar

if TYPE_CHECKING:  # the gates pull in the domain and the plan engine: not on the first paint
    from ..gates import Gate

# every view scrolls from the keyboard; a focused list or scroller takes its own keys first, these catch the rest
SCROLL_BINDINGS = [Binding(k, f"scroll('{how}')", show=False) for k, how in (
    ("down", "down"), ("j", "down"), ("up", "up"), ("k", "up"), ("pagedown", "pagedown"), ("pageup", "pageup"),
    ("home", "home"), ("end", "end"))] + [
    # the screen's own bindings replace Screen's, which held these: without them Tab moved focus nowhere
    Binding("tab", "app.focus_next", show=False), Binding("shift+tab", "app.focus_previous", show=False)]

_TABLE = {"down": "action_cursor_down", "up": "action_cursor_up", "pagedown": "action_page_down",
          "pageup": "action_page_up", "home": "action_scroll_top", "end": "action_scroll_bottom"}
_SCROLL = {"down": "scroll_down", "up": "scroll_up", "pagedown": "scroll_page_down", "pageup": "scroll_page_up",
           "home": "scroll_home", "end": "scroll_end"}


def scroll(w: Widget, how: str) -> None:
    """Move a list's cursor, or scroll a text view, the way the key says."""
    if isinstance(w, DataTable):
        getattr(w, _TABLE[how])()
    else:
        getattr(w, _SCROLL[how])(animate=False)


def cell_width(cell: Any) -> int:
    """Width of a one-line cell (a ``Text`` or a plain value), without Rich's console measure."""
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))


_NEWLINE = Text("\n")


class ListTable(DataTable[Any]):
    """A list whose Home/End move the cursor to the first/last row (DataTable's own only scroll the view).

    Built for 10,000 rows: DataTable draws only the visible lines, but adding rows measured every cell through
    Rich's console (seconds at 10,000 rows) and ``add_row`` re-checks the cursor per row. Our cells are one line,
    so widths are cell lengths, and :meth:`set_rows` replaces all rows in one pass (the filter's path)."""

    BINDINGS = [Binding("home", "scroll_top", show=False), Binding("end", "scroll_bottom", show=False)]
    # once the operator has moved the cursor, rows arriving (streaming, a refresh) keep it on its row; until
    # then it stays on the top row, as rows that sort first arrive after others
    moved = False
    _placing = False

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if not self._placing and old != new:
            self.moved = True

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        columns = self.ordered_columns
        keys = [c.key for c in columns]
        widths = [c.content_width for c in columns]
        slow = []
        for row_key in new_rows:
            row = self.rows.get(row_key)
            if row is None:
                continue
            if row.label is not None or row.auto_height:  # what Textual measures itself
                slow.append(row_key)
                continue
            cells = self._data[row_key]
            for i, k in enumerate(keys):
                w = cell_width(cells.get(k, ""))
                if w > widths[i]:
                    widths[i] = w
        for c, w in zip(columns, widths, strict=True):
            c.content_width = w
        super()._update_dimensions(slow)

    FAST_CELLS = True  # tests turn it off to compare with Textual's own drawing

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> list[list[Segment]]:
        """A one-line body cell whose text fits, drawn segment for segment as DataTable draws it (tests compare)
        without Rich's layout: ``render_lines(Styled(Padding(cell)))`` cost ~0.1 ms a cell, and a filter
        keystroke redraws every visible cell (a 160×45 list: ~400 cells, 100–190 ms). Anything else — headers,
        labels, wrapping, tabs, a cell that must be cut — goes to DataTable's own path."""
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        row = self.rows.get(row_key) if row_key is not None else None
        pad = self.cell_padding
        if (not self.FAST_CELLS or row_key is None or column_key is None or row is None or row.height != 1
                or row.auto_height or row_index < self.fixed_rows or column_index < self.fixed_columns):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor, self._update_count,
               self._pseudo_class_state)
        cached = self._cell_render_cache.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        cell = self._get_row_renderables(row_index).cells[column_index]
        plain = cell.plain if isinstance(cell, Text) else ""
        if (not isinstance(cell, Text) or cell.justify not in (None, "default") or "\n" in plain or "\t" in plain
                or cell.cell_len > width - 2 * pad):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        console = self.app.console
        # Text's own rendering joins its lines, which moves its base style into a span: so does this
        body = list(_NEWLINE.join([cell]).render(console)) if cell.spans or cell.style else [Segment(plain)]
        line = [Segment(" " * pad), *Segment.adjust_line_length(body, width - 2 * pad, pad=True),
                Segment(" " * pad)] if pad else Segment.adjust_line_length(body, width, pad=True)
        lines = [list(Segment.apply_style(line, style=pre_style, post_style=post_style))]
        self._cell_render_cache[key] = lines
        return lines

    def set_rows(self, rows: Sequence[tuple[str, Sequence[Any]]], widths: Sequence[int] | None = None) -> None:
        """Replace every row (one line each) in one pass, keeping the cursor on the same row key where it still is;
        ``widths``: the columns' content widths if the caller knows them (stable while a filter narrows)."""
        old = self._row_locations.get_key(self.cursor_row) if self.row_count and self.moved else None
        column = self.cursor_column
        self._placing = True
        try:
            self._replace_rows(rows, widths, old, column)
        finally:
            self._placing = False

    def _replace_rows(self, rows: Sequence[tuple[str, Sequence[Any]]], widths: Sequence[int] | None,
                      old: RowKey | None, column: int) -> None:
        self.clear()
        columns = self.ordered_columns
        keys = [c.key for c in columns]
        locations: dict[RowKey, int] = {}
        data, table_rows = self._data, self.rows
        for i, (key, cells) in enumerate(rows):
            rk = RowKey(key)
            locations[rk] = i
            data[rk] = dict(zip(keys, cells, strict=False))
            table_rows[rk] = Row(rk, 1)
        self._row_locations = TwoWayDict(locations)
        if widths is None:
            widths = [max((cell_width(c[i]) for _, c in rows if i < len(c)), default=0) for i in range(len(keys))]
        for c, w in zip(columns, widths, strict=False):
            c.content_width = max(c.label.cell_len, w)
        self._require_update_dimensions = True
        self._update_count += 1
        if rows:
            at = locations.get(old, 0) if old is not None else 0
            self.cursor_coordinate = Coordinate(at, min(column, len(keys) - 1))
            self._highlight_cursor()
        self.refresh()
        self.check_idle()


class ConsoleScreen(Screen[Any]):
    SCREEN_ID: ClassVar[str] = "base"
    VIEW: ClassVar[str] = ""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Bindings come from the one action table; write actions are simply not bound in a read-only session.
        self._bindings = BindingsMap(bindings_for(self.SCREEN_ID, read_only=self.read_only) + SCROLL_BINDINGS)

    @property
    def read_only(self) -> bool:
        return bool(getattr(self.app, "read_only", True))

    def compose(self) -> ComposeResult:
        yield ContextBar(self.VIEW or self.SCREEN_ID)
        yield from self.body()
        yield ActivityPane()
        yield KeyBar(self.SCREEN_ID, self.read_only)

    def body(self) -> Iterable[Widget]:
        return ()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Second line in the UI (the first is the missing binding): no write action runs when read-only."""
        if self.read_only and (action in write_action_names() or action == "wizard"):
            return False
        return True

    def gates(self) -> dict[str, Gate]:
        """Action id → why that change cannot help what this view shows (none on views without a registry)."""
        return {}

    def about_subscriptions(self) -> list[str]:
        """Ids of the subscriptions this view is about (the header's production badge follows them)."""
        return list(getattr(self.app, "chosen", []) or [])

    def offered(self) -> list[str]:
        return [a.id for a in actions_for(self.SCREEN_ID, read_only=self.read_only)]

    def refresh_keys(self) -> None:
        for kb in self.query(KeyBar):
            kb.refresh_keys()

    def on_screen_resume(self) -> None:
        self.refresh_keys()
        for bar in self.query(ContextBar):
            bar.update_context()
        pane = self.query(ActivityPane)
        if pane:
            pane.first().set_class(bool(getattr(self.app, "show_activity", False)), "shown")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker state messages do not bubble: hand failures to the app's one failure handler."""
        self.app.worker_failed(event)  # type: ignore[attr-defined]

    def refresh_from_estate(self) -> None:
        """Redraw from ``app.estate`` (called after every load and re-read)."""

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def scroll_target(self) -> Widget | None:
        """What the scroll keys move: the focused list or scroller, else the view's main one."""
        f = self.focused
        if isinstance(f, DataTable | ScrollableContainer | RichLog):
            return f
        for w in self.query("DataTable, #plan-scroll, #activity-log"):
            if w.display:
                return w
        return None

    def action_scroll(self, how: str) -> None:
        w = self.scroll_target()
        if w is not None:
            scroll(w, how)

    def _action_filter(self) -> None:
        """The ``/`` binding (a priority one): in a text box it is a character, so let the box have it."""
        from textual.actions import SkipAction
        from textual.widgets import Input

        if isinstance(self.focused, Input):
            raise SkipAction()
        self.action_filter()

    def show_filter(self, box: Widget) -> None:
        """Show a filter box and focus it now: ``focus()`` waits a turn, and the keys typed right after ``/`` are
        already queued — they went to the view, where ``/p`` opened the private endpoint wizard."""
        box.add_class("shown")
        self.set_focus(box)
        box.focus()  # and again after any focus already queued (switching to the Findings tab queues the table's)

    def action_filter(self) -> None:
        """``/`` on a view without a list says so (and swallows the key: it never reaches a change key)."""
        self.notify("Nothing to filter on this view.", severity="information")
