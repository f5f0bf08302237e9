"""The product panel: every product's window counts and rates, the pinned one marked, the laggards with their action.

Sorted by any column: click its heading, or `s` on the dashboard to step
through them. Cells are updated by row key without width recomputation
(a product table changes every tick); widths are set per language, when the
headings change.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from ..i18n import tr
from ..product_view import COLUMNS, SORTS, ProductRow, heading, sorted_rows, two_lines

PIN = "📌 "
NUMBERS = frozenset({"product_impressions", "product_clicks", "ctr", "orders", "click_to_order", "gmv"})
LAG_STYLE = "bold yellow"  # a laggard is a thing to do, not an alarm
#: The least width of a column's cells (its heading may be wider).
WIDTHS = {"product": 22, "pinned": 13, "product_impressions": 6, "product_clicks": 6, "ctr": 8, "orders": 6,
          "click_to_order": 8, "gmv": 11}


def cell(row: ProductRow, column: str) -> Text:
    """One cell; product names are feed text, appended as plain text."""
    text = row.cells[column]
    if column == "product":
        cell_text = Text(no_wrap=True, overflow="ellipsis")
        if row.pinned:
            cell_text.append(PIN)
        cell_text.append(text, style="bold" if row.pinned else "")
        return cell_text
    if column == "pinned":
        return Text(text, style="bold" if row.pinned else "dim")
    if column in row.lags:
        return Text(f"▼ {text}", style=LAG_STYLE, justify="right")
    if column == "advice":
        return Text(text, style=LAG_STYLE)
    return Text(text, justify="right" if column in NUMBERS else "left")


class ProductPanel(Vertical):
    DEFAULT_CSS = """
    ProductPanel {
        height: 8;
        border: round $primary-muted;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    ProductPanel DataTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    ProductPanel #no-products {
        color: $text-muted;
        display: none;
    }
    ProductPanel.-empty #no-products { display: block; }
    ProductPanel.-empty DataTable { display: none; }
    """

    rows: reactive[tuple[ProductRow, ...]] = reactive(())
    lang: reactive[str] = reactive("id")
    sort_column: reactive[str] = reactive("gmv")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown_lang = ""
        self._order: list[str] = []
        self._name_cells: dict[str, Text] = {}  # product -> its name cell: how sorting finds the row
        self._ready = False  # mounted (Textual says `is_mounted` only once every on_mount handler has returned)

    def compose(self) -> ComposeResult:
        table = DataTable(id="products", cursor_type="none", zebra_stripes=True, header_height=2)
        table.can_focus = False  # the alert list keeps the keys; the table scrolls with the mouse
        yield table
        yield Static(id="no-products")

    def on_mount(self) -> None:
        self._ready = True
        self._fill()  # what was set before the table was there

    def watch_rows(self) -> None:
        self._fill()

    def watch_lang(self) -> None:
        self._fill()

    def watch_sort_column(self) -> None:
        self._order = []
        self._fill()

    def cycle_sort(self) -> None:
        self.sort_column = SORTS[(SORTS.index(self.sort_column) + 1) % len(SORTS)] if self.sort_column in SORTS else SORTS[0]

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_column = event.column_key.value

    @property
    def order(self) -> list[str]:
        """The products as the table lists them, top to bottom."""
        table = self.query_one(DataTable)
        return [table.coordinate_to_cell_key((index, 0))[0].value for index in range(table.row_count)]

    def _fill(self) -> None:
        if not self._ready:
            return
        table, lang = self.query_one(DataTable), self.lang
        if lang != self._shown_lang:
            self._shown_lang = lang
            self._name_cells = {}
            self._order = []
            table.clear(columns=True)
            for column in COLUMNS:
                title = two_lines(heading(column, lang))
                least = max(len(tr(key, lang)) for key in ("lag_ctr", "lag_click_to_order")) if column == "advice" else WIDTHS[column]
                table.add_column(title, key=column, width=max(max(map(len, title.splitlines())), least))
        self.query_one("#no-products", Static).update(tr("no_products", lang))
        self.set_class(not self.rows, "-empty")
        keys = set()
        for row in self.rows:
            keys.add(row.key)
            if row.key in table.rows:
                for column in COLUMNS:
                    value = cell(row, column)
                    if column == "product":
                        self._name_cells[row.key] = value
                    table.update_cell(row.key, column, value, update_width=False)
            else:
                self._name_cells[row.key] = cell(row, "product")
                table.add_row(*(self._name_cells[row.key] if column == "product" else cell(row, column) for column in COLUMNS),
                              key=row.key)
        for key in [key for key in table.rows if key.value not in keys]:
            table.remove_row(key)
            self._name_cells.pop(key.value, None)
        order = [row.key for row in sorted_rows(self.rows, self.sort_column)]
        if order != self._order:
            self._order = order
            place = {id(self._name_cells[key]): index for index, key in enumerate(order)}
            table.sort("product", key=lambda name_cell: place[id(name_cell)])
