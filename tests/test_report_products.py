"""The report's products: the table, the pinned periods on the charts, rooms[].products in summary.json.

Every value is checked against what polars counts from the input file and
what the test works out from the host's pins itself, on simulated
broadcasts that pin often and arrive a little out of order.
"""

from __future__ import annotations

import math
import random
import re
from html.parser import HTMLParser

import orjson
import polars as pl
import pytest

from monitor import words
from monitor.config import load_config
from monitor.formatting import duration
from monitor.products import OTHER
from monitor.report import build_report, terminal_text
from monitor.report.products import pinned_periods
from monitor.report.session import HostAction

T0 = 1_763_802_000_000 + 42_500
KEYS = ("product", "product_impressions", "product_clicks", "orders", "units", "gmv", "ctr", "click_to_order",
        "pinned", "pinned_s")


def busy_pins(seed: int, duration_s: float = 540.0, jitter_ms: float = 0.0, rooms: int = 1) -> list[dict]:
    """A simulated broadcast whose host pins and unpins often (every ~40 s)."""
    from feeds.simulator import BroadcastParams, generate

    params = BroadcastParams(host_action_every_s=40.0)
    events = list(generate("ctr_drop", duration_s, seed=seed, rooms=rooms, start_ms=T0, params=params))
    rng = random.Random(seed)
    pins = [event for event in events if event["type"] == "host_action" and event["action"] == "pin_product"]
    for pin in rng.sample(pins, len(pins) // 3):  # some pins are taken off before the next one
        events.append({"type": "host_action", "ts": pin["ts"] + 20_000, "room": pin["room"],
                       "action": "unpin_product", "note": "lepas"})
    events.sort(key=lambda event: event["ts"])  # stable: an unpin at a pin's time stays after it
    if jitter_ms:
        events = sorted(events, key=lambda event: event["ts"] + rng.uniform(0, jitter_ms))
    return events


def write(path, events: list[dict]):
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    return path


@pytest.fixture
def config(tmp_path):
    base = load_config()
    return base.model_copy(update={"history": base.history.model_copy(update={"dir": str(tmp_path / "history")})})


def _capped(config, cap: int):
    return config.model_copy(update={"engine": config.engine.model_copy(update={"max_products": cap})})


def product_counts(events: list[dict], room: str, cap: int) -> dict[str, dict]:
    """Each product's session counts by polars; beyond the first `cap` products named, one `OTHER` line."""
    named: list[str] = []
    for event in sorted(events, key=lambda event: event["ts"]):  # the engine takes events in time order
        product = event.get("product")
        if event["room"] == room and product and product not in named:
            named.append(product)
    own = set(named[:cap])
    frame = pl.DataFrame([event for event in events if event["room"] == room], infer_schema_length=None)
    frame = frame.with_columns(
        pl.when(pl.col("product").is_in(list(own))).then(pl.col("product")).otherwise(pl.lit(OTHER)).alias("line"),
        pl.col("count").fill_null(1), pl.col("quantity").fill_null(1),
    ).filter(pl.col("product").is_not_null())
    sums = frame.group_by("line").agg(
        (pl.col("count") * (pl.col("type") == "product_impression")).sum().alias("product_impressions"),
        (pl.col("type") == "product_click").sum().alias("product_clicks"),
        (pl.col("type") == "order").sum().alias("orders"),
        (pl.col("quantity") * (pl.col("type") == "order")).sum().alias("units"),
        (pl.col("amount").fill_null(0) * (pl.col("type") == "order")).sum().alias("gmv"),
    )
    return {row.pop("line"): row for row in sums.iter_rows(named=True)}


def pinned_seconds(events: list[dict], room: str, end_ms: float) -> tuple[dict[str, float], str | None]:
    """Seconds on the pin per product, worked out here from the pins and unpins; and the product pinned at the end."""
    seconds: dict[str, float] = {}
    pinned, since = None, 0.0
    for event in sorted(events, key=lambda event: event["ts"]):
        if event["room"] != room or event["type"] != "host_action" or event["action"] not in ("pin_product", "unpin_product"):
            continue
        if pinned is not None:
            seconds[pinned] = seconds.get(pinned, 0.0) + (event["ts"] - since) / 1000
            pinned = None
        if event["action"] == "pin_product" and event.get("product"):
            pinned, since = event["product"], event["ts"]
    if pinned is not None:
        seconds[pinned] = seconds.get(pinned, 0.0) + (end_ms - since) / 1000
    return seconds, pinned


@pytest.mark.parametrize("seed", [1, 8])
def test_each_products_session_values_are_its_events(tmp_path, config, seed):
    events = busy_pins(seed, jitter_ms=1500, rooms=2)
    report = build_report(write(tmp_path / "s.jsonl", events), config, tmp_path / "out")
    summary = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())
    assert report.run.summary["late"] == 0
    for room, session in zip(summary["rooms"], report.run.sessions):
        lines = room["products"]
        assert all(tuple(line) == KEYS for line in lines)
        expected = product_counts(events, room["room"], cap=10_000)
        assert {line["product"] for line in lines} == set(expected)
        for line in lines:
            want = expected[line["product"]]
            for name in ("product_impressions", "product_clicks", "orders", "units"):
                assert line[name] == want[name], (line["product"], name)
            assert line["gmv"] == pytest.approx(want["gmv"])
            clicks, views, orders = want["product_clicks"], want["product_impressions"], want["orders"]
            assert line["ctr"] == (pytest.approx(clicks / views) if views else None)
            assert line["click_to_order"] == (pytest.approx(orders / clicks) if clicks else None)
        # the products add up to the room's own totals
        for name in ("product_impressions", "product_clicks", "orders", "units", "gmv"):
            assert sum(line[name] for line in lines) == pytest.approx(room["headline"][name]), name
        # by GMV, highest first
        gmvs = [line["gmv"] for line in lines]
        assert gmvs == sorted(gmvs, reverse=True)
        # time on the pin: the engine's, as the test works it out from the pins
        seconds, last = pinned_seconds(events, room["room"], session.end_ms)
        assert session.end_ms == math.ceil(max(e["ts"] for e in events if e["room"] == room["room"]) / 1000) * 1000
        for line in lines:
            assert line["pinned_s"] == pytest.approx(seconds.get(line["product"], 0.0)), line["product"]
            assert line["pinned"] is (line["product"] == last)


def test_the_products_beyond_the_cap_are_one_named_line_at_the_end(tmp_path, config):
    events = busy_pins(4)
    report = build_report(write(tmp_path / "s.jsonl", events), _capped(config, 3), tmp_path / "out")
    (room,) = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())["rooms"]
    expected = product_counts(events, room["room"], cap=3)
    assert [line["product"] for line in room["products"]][-1] == OTHER and len(room["products"]) == 4
    for line in room["products"]:
        for name in ("product_impressions", "product_clicks", "orders", "units"):
            assert line[name] == expected[line["product"]][name], (line["product"], name)

    html = report.html.read_text()
    table = _table(html, "products")
    assert [_name(row) for row in table[1:]][-1] == words.product(OTHER, "id")
    assert OTHER not in _text(html)
    assert "«produk lainnya»" in html and "3 produk" in html  # the note names the line and the cap


def test_the_table_shows_session_values_in_words_and_marks_the_pinned_product(tmp_path, config):
    events = busy_pins(6)
    report = build_report(write(tmp_path / "s.jsonl", events), config, tmp_path / "out")
    (session,) = report.run.sessions
    table = _table(report.html.read_text(), "products")
    head, rows = table[0], table[1:]
    assert head == ["Produk", "Tayangan produk", "Klik produk", "CTR produk", "Pesanan", "Unit", "GMV",
                    "Klik→pesanan", "Lama disematkan"]
    seconds, last = pinned_seconds(events, session.room, session.end_ms)
    by_name = {line.product: line for line in session.products}
    assert len(rows) == len(by_name)
    for row in rows:
        name, marked = _name(row), row[0].endswith(PINNED_END)
        assert marked is (name == last)
        assert row[-1] == (duration(seconds[name], "id") if seconds.get(name) else "–")
        assert row[6].startswith("Rp ")
    assert _name(rows[0]) == max(by_name, key=lambda p: by_name[p].totals.get("gmv"))


def test_pinned_periods_are_on_every_chart(tmp_path, config):
    events = busy_pins(2)
    report = build_report(write(tmp_path / "s.jsonl", events), config, tmp_path / "out")
    (session,) = report.run.sessions
    html = report.html.read_text()
    seconds, _ = pinned_seconds(events, session.room, session.end_ms)
    periods = pinned_periods(session.host_actions, session.end_ms)
    named = [period for period in periods if period.product]
    # the periods cover exactly the time the engine counted on the pin, product by product
    per_product: dict[str, float] = {}
    for period in named:
        per_product[period.product] = per_product.get(period.product, 0) + (period.end - period.start) / 1000
    assert per_product == pytest.approx(seconds)
    charts = html.split('<svg class="chart"')[1:]
    assert len(charts) == 9
    for chart in charts:
        titles = re.findall(r'<g class="pinned pinned-\d"><rect [^>]*/><title>([^<]*)</title></g>', chart)
        assert len(titles) == len(periods)
        for title, period in zip(titles, periods):
            assert title.startswith(f"{period.product} disematkan ")
            assert f"({duration((period.end - period.start) / 1000, 'id')})" in title


def test_an_unpin_ends_a_period_and_a_pin_without_a_product_still_shows():
    def act(t, action, product=""):
        return HostAction(t, action, "catatan", product)

    actions = [act(0, "pin_product", "sku-1"), act(10_000, "flash_sale"), act(20_000, "unpin_product"),
               act(30_000, "pin_product"), act(40_000, "pin_product", "sku-2")]
    periods = pinned_periods(actions, 90_000)
    assert [(p.product, p.start, p.end) for p in periods] == [("sku-1", 0, 20_000), ("", 30_000, 40_000),
                                                              ("sku-2", 40_000, 90_000)]
    assert pinned_periods([], 1) == [] and pinned_periods([act(5, "unpin_product")], 9) == []


def test_product_ids_from_the_feed_are_text(tmp_path, config):
    events = busy_pins(3, duration_s=180)
    hostile = '<img src=x onerror=alert(1)>\x1b[31m'
    for event in events:
        if event.get("product") == "sku-1":
            event["product"] = hostile
    report = build_report(write(tmp_path / "s.jsonl", events), config, tmp_path / "out")
    html = report.html.read_text()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    text = terminal_text(report, config)
    assert "\x1b" not in text


def test_the_terminal_names_the_best_sellers(tmp_path, config):
    events = busy_pins(5, duration_s=240)
    report = build_report(write(tmp_path / "s.jsonl", events), config, tmp_path / "out")
    (session,) = report.run.sessions
    best = sorted(session.products, key=lambda line: -line.totals.get("gmv"))[:3]
    (line,) = [line for line in terminal_text(report, config).splitlines() if "Produk teratas" in line]
    assert [name.split(" Rp")[0] for name in line.split(": ", 1)[1].split(" · ")] == [p.product for p in best]


# ------------------------------------------------------------------ reading the page


class _Tables(HTMLParser):
    def __init__(self, cls: str) -> None:
        super().__init__()
        self.cls, self.depth, self.rows, self.cell = cls, 0, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", self.cls) in attrs:
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.depth = 0
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def _table(html: str, cls: str) -> list[list[str]]:
    parser = _Tables(cls)
    parser.feed(html)
    return parser.rows


PINNED_END = "disematkan saat siaran berakhir"


def _name(row: list[str]) -> str:
    """A product's name in its table row, without the mark of the product pinned at the end."""
    return row[0].removesuffix(PINNED_END).strip()


def _text(html: str) -> str:
    body = html.split("</style>", 1)[1]
    return re.sub(r"<[^>]+>", " ", body)


def test_the_samples_report_shows_the_product_table(tmp_path, config):
    """`livemon report samples/sample_30m.jsonl.gz`: a row per product, adding up to the room's product totals."""
    from pathlib import Path

    sample = Path(__file__).resolve().parent.parent / "samples" / "sample_30m.jsonl.gz"
    report = build_report(sample, config, tmp_path / "out")
    (session,) = report.run.sessions
    rows = _table(report.html.read_text(), "products")[1:]
    assert len(rows) == len(session.products) >= 2
    (room,) = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())["rooms"]
    assert [line["product"] for line in room["products"]] == [_name(row) for row in rows]
    for name in ("product_impressions", "product_clicks", "orders", "units", "gmv"):
        assert sum(line[name] for line in room["products"]) == pytest.approx(room["headline"][name]), name
    # each pin names its product: the periods show on the charts with the product's name, in the host's order
    html = report.html.read_text()
    assert 'class="pinned pinned-0"' in html and "produk tanpa nama disematkan" not in html
    named = re.findall(r'class="pin-name" x="[0-9.]+" y="[0-9.]+">(sku-[0-9]+)</text>', html)
    pins = [event["product"] for event in _sample_pins(sample)]
    assert named[:len(pins)] == pins and len(pins) >= 3


def _sample_pins(path) -> list[dict]:
    """The sample's pin_product host actions, in order (read straight from the file)."""
    import gzip

    with gzip.open(path, "rb") as handle:
        return [event for line in handle
                if (event := orjson.loads(line))["type"] == "host_action" and event.get("action") == "pin_product"]
