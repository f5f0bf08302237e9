"""The desk console on published records (`livemon watch nats://...`), driven by keys (Pilot)."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from textual.widgets import DataTable, TabbedContent

from monitor.alert_text import AlertWords
from monitor.config import DEFAULT_CONFIG, load_config
from monitor.console.desk import DeskApp, RecordTicks
from monitor.console.screens.dashboard import DashboardScreen
from monitor.console.screens.overview import OverviewScreen
from monitor.console.widgets.kpi import KpiTile
from monitor.engine import Engine
from monitor.events import parse_lines
from monitor.sinks import alert_record, metrics_record

SIZE = (160, 48)
CONFIG = load_config(DEFAULT_CONFIG)


@pytest.fixture(scope="module")
def records() -> list[dict]:
    """What workers publish for a three-room session with a retention drop (as JSON, and back)."""
    from feeds.simulator import generate

    lines = [orjson.dumps(event) for event in generate("retention_drop", 240, seed=7, rooms=3)]
    engine = Engine(CONFIG)
    engine.offer_batch(parse_lines(lines))
    out = []
    for tick in engine.finish():
        for room_tick in tick.rooms:
            out.append(metrics_record(room_tick.snapshot))
            out += [alert_record(alert) for alert in room_tick.alerts]
    return [orjson.loads(orjson.dumps(record)) for record in out]


class Records:
    """A stand-in for RecordFeed: the records in a few batches, then the end."""

    def __init__(self, records: list[dict]) -> None:
        self.name = "nats://test"
        self.records = records

    async def batches(self):
        for start in range(0, len(self.records), 300):
            yield self.records[start:start + 300]
            await asyncio.sleep(0)

    def summary(self) -> dict:
        return {"kind": "summary", "events": 0, "rooms": []}


async def settle(pilot, app) -> None:
    for _ in range(100):
        if app.sink.status == "ended":
            break
        await pilot.pause(0.02)
    app.screen.redraw(force=True)
    await pilot.pause()


def rows(app) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [table.coordinate_to_cell_key((index, 0))[0].value for index in range(table.row_count)]


def test_records_become_the_ticks_the_engine_made(records):
    ticks = RecordTicks().ticks(records)
    assert sum(len(tick.rooms[0].alerts) for tick in ticks) == sum(r["kind"] == "alert" for r in records)
    last = [r for r in records if r["kind"] == "metrics"][-1]
    snapshot = [tick for tick in ticks if tick.rooms[0].snapshot.room == last["room"]][-1].rooms[0].snapshot
    assert metrics_record(snapshot) == last


async def test_overview_lists_every_room_worst_alert_first(records):
    app = DeskApp(CONFIG, Records(records))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, OverviewScreen)
        assert sorted(rows(app)) == ["butik-sari", "kosmetik-ayu", "toko-batik"]
        firing = {name for name, view in app.sink.rooms.items() if view.worst() is not None}
        assert firing, "the session must leave alerts firing"
        assert set(rows(app)[:len(firing)]) == firing  # sorted by the worst alert: alerting rooms on top
        table = app.screen.query_one(DataTable)
        cell = table.get_cell(rows(app)[0], "alert").plain
        alert = app.sink.rooms[rows(app)[0]].active()[0].alert
        assert "●" in cell and AlertWords(app.config.rules, app.lang).message(alert)[:20] in cell


async def test_sort_keys_and_headers_reorder_the_rooms(records):
    app = DeskApp(CONFIG, Records(records))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        await pilot.press("s")  # alert -> viewers
        await pilot.pause()
        assert screen.sort_column == "viewers"
        viewers = [app.sink.rooms[name].snapshot.values["viewers"] for name in rows(app)]
        assert viewers == sorted(viewers, reverse=True)
        await pilot.click("#overview", offset=(2, 0))  # the header of the first column: the room name
        await pilot.pause()
        assert screen.sort_column == "room"
        assert rows(app) == sorted(rows(app))


async def test_enter_opens_the_room_dashboard_and_escape_comes_back(records):
    app = DeskApp(CONFIG, Records(records))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        target = rows(app)[1]
        await pilot.press("down", "enter")
        for _ in range(50):
            await pilot.pause(0.02)
            if isinstance(app.screen, DashboardScreen):
                tabs = app.screen.query_one(TabbedContent)
                if tabs.active and tabs.get_tab(tabs.active).label.plain.endswith(target):
                    break
        assert isinstance(app.screen, DashboardScreen)
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.get_tab(tabs.active).label.plain.endswith(target)
        app.screen.redraw(force=True)
        await pilot.pause()
        tile = tabs.active_pane.query_one("#kpi-viewers", KpiTile).reading
        assert tile.value == str(app.sink.rooms[target].snapshot.values["viewers"])
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)


async def test_o_opens_the_overview_on_a_replay_and_enter_picks_the_room(tmp_path):
    from .console_session import make_app, session_events, wait_for

    app = make_app(tmp_path, session_events(2, rooms=("toko-batik", "butik-sari", "kosmetik-ayu")), speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.sink.status == "ended", timeout=60)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)
        app.screen.redraw(force=True)
        await pilot.pause()
        assert sorted(rows(app)) == ["butik-sari", "kosmetik-ayu", "toko-batik"]
        target = rows(app)[2]
        await pilot.press("down", "down", "enter")
        for _ in range(50):
            await pilot.pause(0.02)
            tabs = app.screen.query_one(TabbedContent) if isinstance(app.screen, DashboardScreen) else None
            if tabs is not None and tabs.active and tabs.get_tab(tabs.active).label.plain.endswith(target):
                break
        assert isinstance(app.screen, DashboardScreen) and len(app.screen_stack) == 1
        assert tabs.get_tab(tabs.active).label.plain.endswith(target)
        await pilot.press("o", "escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
