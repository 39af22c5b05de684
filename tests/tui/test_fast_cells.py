"""ListTable draws one-line cells itself (Rich's layout per cell made every filter keystroke redraw ~400 cells
at ~0.1 ms each); what it draws must be what DataTable draws, segment for segment, style for style, on every
list the console has — cursor row, zebra stripes, wide characters, cells cut to their column included."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region

from acrtui.tui.screens.base import ListTable
from acrtui.tui.screens.matrix import MatrixScreen

from .conftest import SIZE, wait_for
from .test_console import open_list, open_registry


def drawn(table: ListTable, fast: bool) -> list[list[Any]]:
    table.FAST_CELLS = fast
    table._clear_caches()
    try:
        return [list(strip) for strip in table.render_lines(Region(0, 0, table.size.width, table.size.height))]
    finally:
        del table.FAST_CELLS
        table._clear_caches()


def same_either_way(table: ListTable) -> None:
    assert table.row_count > 0
    fast, textual = drawn(table, True), drawn(table, False)
    assert fast == textual


async def test_the_consoles_lists_draw_as_datatable_does(make_app: Any) -> None:
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        await open_list(app, pilot)
        same_either_way(app.screen.query_one(ListTable))
        await pilot.press("down", "down")  # the cursor row and the zebra stripes below it
        same_either_way(app.screen.query_one(ListTable))
        app.push_screen(MatrixScreen())
        await wait_for(pilot, lambda: isinstance(app.screen, MatrixScreen))
        await pilot.pause()
        same_either_way(app.screen.query_one(ListTable))
        app.pop_screen()
        screen = await open_registry(app, pilot, "contosoprodlost")
        await pilot.press("7")  # findings tab: long messages cut to the column
        await pilot.pause()
        same_either_way(screen.query_one("#findings-table", ListTable))


class Cells(App[None]):
    def compose(self) -> ComposeResult:
        yield ListTable(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        t = self.query_one(ListTable)
        for c in ("A", "B", "C"):
            t.add_column(c, key=c)
        t.set_rows([
            ("1", [Text("plain"), Text.assemble(("1C", "bold white on red"), " 5H"), "[b]markup[/b] str"]),
            ("2", [Text("😀 wide ✓", style="reverse"), Text(""), Text("tab\there")]),
            ("3", [Text("right", justify="right"), Text("two\nlines"), Text("cut to width " * 4, style="italic")]),
        ], widths=[8, 6, 10])  # narrower than some cells: those are cut, by DataTable's own path


async def test_odd_cells_draw_as_datatable_does() -> None:
    app = Cells()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        same_either_way(app.query_one(ListTable))
