"""The desk console (`watch nats://`) has the product panel and the questions' counts too, from what workers publish."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from textual.widgets import TabbedContent

from monitor.config import DEFAULT_CONFIG, load_config
from monitor.console.desk import DeskApp, RecordTicks, product_lines
from monitor.console.messages import Drawn
from monitor.console.screens.dashboard import DashboardScreen
from monitor.console.widgets.products import ProductPanel
from monitor.console.widgets.questions import QuestionList
from monitor.events import parse_lines
from monitor.runs import build_engine
from monitor.sinks import ProductsCadence, alert_record, metrics_record, products_record

from .console_session import Product, drive, session_events

CONFIG = load_config(DEFAULT_CONFIG)
SHELF = (Product("Kemeja Batik Parang", 10, 0.08, 0.12), Product("Dress Mega Mendung", 5, 0.01, 0.10))


def published(events: list[dict]) -> tuple[list[dict], dict]:
    """What a worker publishes for `events` (the headless records, products once a minute), and the last snapshots."""
    engine = build_engine(CONFIG)
    engine.offer_batch(parse_lines([orjson.dumps(event) for event in events]))
    cadence, out, last = ProductsCadence(), [], {}
    for tick in engine.finish():
        for room_tick in tick.rooms:
            snapshot = room_tick.snapshot
            last[snapshot.room] = snapshot
            out.append(metrics_record(snapshot))
            out += [alert_record(alert) for alert in room_tick.alerts]
            if cadence.due(snapshot):
                out.append(products_record(snapshot))
    out += [products_record(snapshot) for snapshot in cadence.leftovers()]
    return [orjson.loads(orjson.dumps(record)) for record in out], last


@pytest.fixture(scope="module")
def records():
    return published(session_events(4, shelf=SHELF, rooms=("toko-batik", "butik-sari")))


class Records:
    """A stand-in for RecordFeed: the records in a few batches, then the end."""

    def __init__(self, records: list[dict]) -> None:
        self.name = "nats://test"
        self.records = records

    async def batches(self):
        for start in range(0, len(self.records), 500):
            yield self.records[start:start + 500]
            await asyncio.sleep(0)

    def summary(self) -> dict:
        return {"kind": "summary", "events": 0, "rooms": []}


def test_products_records_become_the_lines_the_engine_had(records):
    out, last = records
    ticks = RecordTicks().ticks(out)
    for room, snapshot in last.items():
        shown = [tick.rooms[0].snapshot for tick in ticks if tick.rooms[0].snapshot.room == room][-1]
        assert shown.products == snapshot.products  # the room's last products record is its last tick's
        assert shown.topics == snapshot.topics


def test_a_malformed_products_record_loses_only_itself():
    good = {"product": "a", "product_impressions": 10, "product_clicks": 1, "orders": 0, "units": 0, "gmv": 0,
            "pinned": True, "pinned_s": 3.0, "session": {"product_impressions": 20}}
    lines = product_lines([good, "x", {"product": 3}, {"product": "b", "product_clicks": "many", "session": []},
                           {"product": "c", "gmv": float("nan"), "pinned": "yes"}])
    assert [line.product for line in lines] == ["a", "b", "c"]
    assert lines[0].window[:2] == (10, 1) and lines[0].pinned and lines[0].session[0] == 20
    assert lines[1].get("product_clicks") == 0 and lines[2].get("gmv") == 0 and not lines[2].pinned
    assert product_lines("not a list") == ()
    ticks = RecordTicks().ticks([{"kind": "products", "room": "r", "t": 1, "products": None}])
    assert ticks == []


async def test_a_rooms_dashboard_on_the_desk_lists_its_products_and_questions(records):
    out, last = records
    app = DeskApp(CONFIG, Records(out))
    async with drive(app) as console:
        await console.heard.wait_for(Drawn, lambda frame: frame.ended)
        await console.press("enter")
        await console.drawn(lambda frame: frame.screen == "dashboard")
        assert isinstance(app.screen, DashboardScreen)
        tabs = app.screen.query_one(TabbedContent)
        room = tabs.get_tab(tabs.active).label.plain.removeprefix("● ")
        panel = tabs.active_pane.query_one(ProductPanel)
        assert {row.key for row in panel.rows} == {line.product for line in last[room].products}
        pinned = [row.key for row in panel.rows if row.pinned]
        assert pinned == [line.product for line in last[room].products if line.pinned] == ["Kemeja Batik Parang"]
        assert [row.key for row in panel.rows if row.lags] == ["Dress Mega Mendung"]
        asked = tabs.active_pane.query_one(QuestionList).topics
        assert {row.topic: row.count for row in asked} == {name: n for name, n in last[room].topics.items() if n}
