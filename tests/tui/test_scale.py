"""The lists at fleet scale (issue 11) and the Findings tab's re-flow (issue 12).

Structural, not timed: a keystroke in the ``/`` filter searches the index built once per change of data (the rows
are not rebuilt and the table is refilled in one pass), narrowing searches only the previous matches, and the
cursor stays on its row. The figures (first rows, filter latency, RSS at fleet:10000x20) are printed by
tests/benchmarks/bench_console.py."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App
from textual.widgets import DataTable, Input

from acrtui.tui.screens.lists import FilteredTable
from acrtui.tui.screens.registry import RegistryScreen

from .conftest import SIZE, wait_for
from .test_console import open_registry

N = 10_000


class ManyRows(FilteredTable):
    SCREEN_ID = "registries"
    COLUMNS = ("Name", "Kind", "Where")
    built = 0

    def rows(self) -> list[tuple[str, list[Any]]]:
        type(self).built += 1
        return [(f"id{i}", [Text(f"reg{i:05d}", style="bold"), "Premium" if i % 2 else "Basic", f"sub-{i % 20}"])
                for i in range(N)]


class Host(App[None]):
    def on_mount(self) -> None:
        self.push_screen(ManyRows())


def names(table: DataTable[Any]) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_the_filter_searches_an_index_built_once_and_narrows_within_its_matches(monkeypatch: Any) -> None:
    searched: list[int] = []
    ManyRows.built = 0
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ManyRows)
        table = screen.query_one(DataTable)
        assert table.row_count == ManyRows.SHOWN < N and ManyRows.built == 1  # the rest one filter away, said so
        assert f"showing the first {ManyRows.SHOWN:,} of {N:,}" in str(screen.query_one("#status-line").render())

        keys = screen._keys
        real_contains = str.__contains__

        class Counting(str):
            def __contains__(self, item: object) -> bool:
                searched.append(1)
                return real_contains(self, item)  # type: ignore[arg-type]

        screen._keys = [Counting(k) for k in keys]  # count how many keys each keystroke looks at
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("r", "e", "g", "0", "0", "1", "2")
        assert names(table) == [f"reg0012{d}" for d in range(10)]
        assert ManyRows.built == 1  # no keystroke rebuilt the rows
        # each letter looks only at what the text before it matched: r e g 0 (every row matches) then reg00 (in
        # all N), reg001 (in reg00's 1,000), reg0012 (in reg001's 100) — not 7 × N
        assert len(searched) == 4 * N + N + 1000 + 100, len(searched)
        await pilot.press("backspace")  # widening: the whole index again, still no rebuild
        assert len(names(table)) == 100 and ManyRows.built == 1
        assert "100 rows" in str(screen.query_one("#status-line").render())
        await pilot.press("enter", "down", "down")
        at = names(table)[table.cursor_row]
        await pilot.press("escape")  # clears the filter: every row, the cursor still on the same registry
        assert table.row_count == ManyRows.SHOWN and names(table)[table.cursor_row] == at
        assert "premium basic" not in screen._keys[0]  # keys are per row, lower-case, from the cells' text
        assert screen._keys[1] == "reg00001 premium sub-1"


async def test_the_findings_tab_reflows_on_resize(make_app: Any) -> None:
    """The Finding column takes the terminal's width: narrower terminal, shorter (clipped …) messages, and the
    cursor stays on the finding it was on."""
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        reg = await open_registry(app, pilot, "contosoprodlost")
        assert isinstance(reg, RegistryScreen)
        reg.action_tab("findings")
        table = reg.query_one("#findings-table", DataTable)
        table.focus()
        await pilot.press("down", "down")
        key = table.coordinate_to_cell_key(table.cursor_coordinate)[0].value
        widths = []
        for size in ((200, 45), (100, 30)):
            await pilot.resize_terminal(*size)
            await wait_for(pilot, lambda: True)
            await pilot.pause()
            widths.append(max(len(str(table.get_row_at(i)[3])) for i in range(table.row_count)))
            assert table.coordinate_to_cell_key(table.cursor_coordinate)[0].value == key
        assert widths[0] > widths[1] + 40, widths
        assert any(str(table.get_row_at(i)[3]).endswith("…") for i in range(table.row_count))



def as_if_loading(app: Any) -> tuple[dict[str, list[Any]], list[str]]:
    """The loaded demo's registries by subscription, subscriptions latest names first; the app put back into a
    load's state (no estate yet: rows come from the listings posted next)."""
    by_sub: dict[str, list[Any]] = {}
    for r in app.estate.registries:
        by_sub.setdefault(r.subscription_id, []).append(r)
    order = sorted(by_sub, key=lambda s: min(r.name for r in by_sub[s]), reverse=True)
    app.estate = app.report = None
    app.streamed = {}
    return by_sub, order


async def loading_list(app: Any, pilot: Any) -> tuple[dict[str, list[Any]], list[str], Any, DataTable[Any]]:
    """The demo loaded, then put back into a load's state (:func:`as_if_loading`) on its registry list."""
    from acrtui.tui.screens.lists import RegistryListScreen

    await wait_for(pilot, lambda: app.estate is not None)
    by_sub, order = as_if_loading(app)
    screen = app.screen
    assert isinstance(screen, RegistryListScreen)
    return by_sub, order, screen, screen.query_one(DataTable)


async def test_rows_streaming_in_keep_the_cursor_on_its_registry_and_the_filter_box_its_keys(
        make_app: Any, monkeypatch: Any) -> None:
    """Subscriptions listed later sort before the selected row and push it past the rows handed to the table
    (SHOWN, 3 here for the 8 demo registries): the cursor stays on the same registry, the shown slice moves
    with it (and says so); a filter being typed while rows arrive keeps the focus and every key."""
    from acrtui.tui.messages import RegistriesListed
    from acrtui.tui.screens.lists import RegistryListScreen

    monkeypatch.setattr(RegistryListScreen, "SHOWN", 3)
    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        by_sub, order, screen, table = await loading_list(app, pilot)
        app.post_message(RegistriesListed(order[0], by_sub[order[0]]))
        await pilot.pause()
        await pilot.press("down")
        chosen = screen.selected_key()
        assert chosen is not None and table.cursor_row == 1
        for sub in order[1:]:
            app.post_message(RegistriesListed(sub, by_sub[sub]))
            await pilot.pause()
            assert screen.selected_key() == chosen
        assert "showing rows" in str(screen.query_one("#status-line").render())
        await pilot.press("down")  # Down still moves from there
        names_sorted = sorted(r.name for r in by_sub[order[0]])
        assert str(table.get_row_at(table.cursor_row)[0]) == names_sorted[2]

        app.streamed = {}
        app.post_message(RegistriesListed(order[0], by_sub[order[0]]))
        await pilot.pause()
        await pilot.press("slash", "s")
        app.post_message(RegistriesListed(order[1], by_sub[order[1]]))
        await pilot.pause()
        await pilot.press("b")
        box = screen.query_one("#filter", Input)
        assert app.focused is box and box.value == "sb"


async def test_rows_streaming_in_leave_an_untouched_cursor_on_the_top_row(make_app: Any) -> None:
    """Until the operator moves it, the cursor is on the first row: registries that sort first but are listed
    later take the top, the cursor does not ride down with whichever registry happened to be listed first."""
    from acrtui.tui.messages import RegistriesListed

    app = make_app(auto_open=[])
    async with app.run_test(size=SIZE) as pilot:
        by_sub, order, _, table = await loading_list(app, pilot)
        for sub in order:
            app.post_message(RegistriesListed(sub, by_sub[sub]))
            await pilot.pause()
            assert table.cursor_row == 0
        first = min(r.name for rs in by_sub.values() for r in rs)
        assert str(table.get_row_at(0)[0]) == first
