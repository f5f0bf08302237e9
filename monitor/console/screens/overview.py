"""Every room on one table with its worst alert: the agency desk's first look.

An operations desk follows dozens to hundreds of broadcasts; the question is
which room needs someone now. One row per room, the worst firing alert first
in its cell, sortable by any column (click its header, or `s` to cycle), and
Enter opens that room's dashboard. Redrawn from the console sink on a 4 Hz
timer, cells updated by key without width recomputation.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from ... import alert_text, words
from ...rules import SEVERITY_ORDER
from ..bindings import localize_bindings
from ..i18n import tr
from ..messages import Drawn
from ..state import RoomView
from ...viewer_text import clean
from ..view import clock, value_text
from ..widgets.room import RoomDashboard

REFRESH_HZ = 4
#: The table's columns: the room, its worst alert, the catalogue's metrics, the room's clock.
COLUMNS = ("room", "alert", "viewers", "retention", "ctr", "gmv_total", "t")
METRICS = ("viewers", "retention", "ctr", "gmv_total")
SEVERITY_STYLE = {"critical": "bold red", "warning": "bold yellow", "info": "cyan"}
WORDS = {
    "room": ("Ruang", "Room"), "alert": ("Peringatan terburuk", "Worst alert"), "t": ("Waktu", "Time"),
    "sorted": ("urut", "sorted by"), "rooms": ("ruang", "rooms"), "alerting": ("dengan peringatan", "alerting"),
}


def word(key: str, lang: str) -> str:
    """A heading or a word of the title; the metrics are named by the catalogue."""
    return words.say(WORDS, key, lang)


def severity_rank(view: RoomView) -> int:
    worst = view.worst()
    return -1 if worst is None else SEVERITY_ORDER.get(worst, 0)


def sort_key(column: str, view: RoomView):
    """Worst first for alerts, biggest first for numbers, A-Z for names."""
    if column == "room":
        return (view.name,)
    if column == "alert":
        return (-severity_rank(view), view.name)
    if column == "t":
        return (-(view.t or 0), view.name)
    value = view.snapshot.metric(column) if view.snapshot is not None else None
    return (value is None, -(value or 0), view.name)


class OverviewScreen(Screen[None]):
    DEFAULT_CSS = """
    OverviewScreen #overview-title { height: 1; padding: 0 1; background: $boost; }
    OverviewScreen DataTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("enter", "open_room", "Open", priority=True),
        Binding("s", "cycle_sort", "Sort"),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_column = "alert"
        self._seen: tuple | None = None
        self._order: list[str] = []
        self._name_cells: dict[str, Text] = {}  # room -> its (unchanging) name cell, how sorting finds the room

    def compose(self) -> ComposeResult:
        yield Static(id="overview-title")
        yield DataTable(id="overview", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1 / REFRESH_HZ, self.redraw)
        self.watch(self.app, "lang", self._relabel, init=True)

    def _relabel(self, lang: str) -> None:
        localize_bindings(self, lang)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for key in COLUMNS:
            table.add_column(word(key, lang), key=key)
        self._order = []
        self._name_cells = {}
        self.redraw(force=True)

    # ------------------------------------------------------------ drawing

    @property
    def rooms(self) -> dict[str, RoomView]:
        return {name: view for name, view in self.app.sink.rooms.items() if view.snapshot is not None}

    def redraw(self, force: bool = False) -> None:
        app = self.app
        sink = app.sink
        seen = (id(sink), sink.version, app.lang, self.sort_column,
                sum(view.alerts_version for view in sink.rooms.values()))
        if seen == self._seen and not force:
            return
        self._seen = seen
        lang = app.lang
        table = self.query_one(DataTable)
        rooms = self.rooms
        with app.batch_update():
            for name, view in rooms.items():
                cells = self._cells(view, lang)
                if name in table.rows:
                    for key, value in cells.items():
                        table.update_cell(name, key, value, update_width=False)
                else:
                    self._name_cells[name] = Text(clean(name, 40))  # a room name is feed text: never markup
                    table.add_row(self._name_cells[name], *cells.values(), key=name)
            order = sorted(rooms, key=lambda name: sort_key(self.sort_column, rooms[name]))
            if order != self._order:
                self._sort(table, rooms)
                self._order = order
            alerting = sum(1 for view in rooms.values() if view.worst() is not None)
            title = Text.assemble(
                (app.source_name, "bold"), " · ", f"{len(rooms)} {word('rooms', lang)}",
                " · ", (f"{alerting} {word('alerting', lang)}", "bold red" if alerting else ""),
                " · ", f"{word('sorted', lang)}: {word(self.sort_column, lang)}",
                *((" · ", tr(sink.status, lang)) if sink.status else ()),
            )
            self.query_one("#overview-title", Static).update(title)
        self.post_message(Drawn("overview", id(sink), sink.version, sink.position, sink.status,
                                ended=sink.summary is not None, complete=bool(rooms), lang=lang))

    def _sort(self, table: DataTable, rooms: dict[str, RoomView]) -> None:
        """Sort the rows, keeping the cursor on the room it was on."""
        current = self.selected_room
        column = self.sort_column
        room_of = {id(cell): name for name, cell in self._name_cells.items()}
        table.sort("room", key=lambda cell: sort_key(column, rooms[room_of[id(cell)]]))
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))

    @property
    def _rules(self) -> dict:
        return {rule.name: rule for rule in self.app.config.rules}

    def _cells(self, view: RoomView, lang: str) -> dict[str, object]:
        snapshot = view.snapshot
        active = view.active()
        if active:
            alert = active[0].alert
            said = alert_text.message(alert, self._rules.get(alert.rule), lang)  # in the language shown now
            cell = Text.assemble((f"● {words.severity(alert.severity, lang)} ", SEVERITY_STYLE.get(alert.severity, "")),
                                 clean(said, 80))
            if len(active) > 1:
                cell.append(f" (+{len(active) - 1})", style="dim")
        else:
            cell = Text("–", style="dim")
        return {
            "alert": cell,
            **{name: Text(value_text(name, snapshot.metric(name), lang), justify="right") for name in METRICS},
            "t": Text(clock(view.t, self.app.timezone, lang)),
        }

    # ------------------------------------------------------------ keys

    @property
    def selected_room(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close":
            return self.app.screen_stack[0] is not self  # the desk's first screen has nothing to go back to
        return True

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_cycle_sort(self) -> None:
        keys = list(COLUMNS)
        self.sort_column = keys[(keys.index(self.sort_column) + 1) % len(keys)]
        self.redraw(force=True)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.sort_column = event.column_key.value
        self.redraw(force=True)

    def action_open_room(self) -> None:
        room = self.selected_room
        if room is not None:
            open_room(self.app, room)


def open_room(app, room: str) -> None:
    """Show `room` on the dashboard: the one under this screen, or a new one on top."""
    from .dashboard import DashboardScreen

    below = [screen for screen in app.screen_stack if isinstance(screen, DashboardScreen)]
    if below:
        dashboard = below[-1]
        while app.screen is not dashboard:
            app.pop_screen()
    else:
        dashboard = DashboardScreen()
        app.push_screen(dashboard)
    app.call_after_refresh(_select_room, app, dashboard, room)


def _select_room(app, dashboard, room: str, tries: int = 20) -> None:
    """Activate the room's tab once the dashboard has mounted its pane."""
    dashboard.redraw(force=True)
    for pane in dashboard.query(TabPane):
        if any(widget.room == room for widget in pane.query(RoomDashboard)):
            dashboard.query_one(TabbedContent).active = pane.id
            return
    if tries:
        app.set_timer(0.05, lambda: _select_room(app, dashboard, room, tries - 1))

