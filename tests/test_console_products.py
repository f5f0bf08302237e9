"""The product panel in the real console (Pilot): counts, the pin, the laggards and their action, sorting, languages.

Every number on the panel is checked against counts made here from the
session's own events (the window `(t - 60 s, t]`), not against the engine;
the laggards against the rule the panel states (`product_view`: a rate at
most half the room's, on at least 200 product views / 50 product clicks).
"""

from __future__ import annotations

import shutil

import pytest
from rich.text import Text
from textual.widgets import DataTable

from monitor import formatting
from monitor.config import DEFAULT_CONFIG
from monitor.console.product_view import LAG_SHARE, MIN_CLICKS, MIN_VIEWS, SORTS
from monitor.console.widgets.products import ProductPanel

from .console_session import T0, Product, drive, make_app, session_events

MINUTE = 60_000
AT = T0 + 5 * MINUTE
PINNED = "Kemeja Batik Parang"
SHELF = (
    Product(PINNED, 10, 0.08, 0.12),  # the pinned best seller
    Product("Dress Mega Mendung", 5, 0.01, 0.10),  # seen but hardly opened: its CTR lags the room's
    Product("Blouse Kawung", 5, 0.20, 0.01),  # opened, hardly bought: its C_O lags the room's
    Product("[b]Tas[/b] Rotan\x1b[31m", 1, 0.05, 0.10),  # a hostile name, too few views to judge
)
ADVICE = {
    "id": {"ctr": "sematkan, peragakan, keranjang kuning", "click_to_order": "harga kilat / stok terbatas"},
    "en": {"ctr": "pin it, demo it, show the yellow cart", "click_to_order": "flash price / limited stock"},
}


@pytest.fixture(scope="module")
def shop():
    return session_events(6, shelf=SHELF)


def window_counts(events: list[dict], t: int, window_ms: int = MINUTE) -> dict[str, dict[str, float]]:
    """Per product: views, clicks, orders and GMV of the events in (t - window, t]."""
    counts: dict[str, dict[str, float]] = {}
    kinds = {"product_impression": "views", "product_click": "clicks", "order": "orders"}
    for event in events:
        kind = kinds.get(event["type"])
        if kind is None or not t - window_ms < event["ts"] <= t:
            continue
        product = counts.setdefault(event["product"], {"views": 0, "clicks": 0, "orders": 0, "gmv": 0})
        product[kind] += event.get("count", 1) if kind == "views" else 1
        if kind == "orders":
            product["gmv"] += event["amount"]
    return counts


def expected_lags(counts: dict[str, dict[str, float]]) -> dict[str, tuple[str, ...]]:
    room = {key: sum(product[key] for product in counts.values()) for key in ("views", "clicks", "orders")}
    room_ctr, room_c_o = room["clicks"] / room["views"], room["orders"] / room["clicks"]
    out = {}
    for name, product in counts.items():
        lags = []
        if product["views"] >= MIN_VIEWS and product["clicks"] / product["views"] <= room_ctr * LAG_SHARE:
            lags.append("ctr")
        if product["clicks"] >= MIN_CLICKS and product["orders"] / product["clicks"] <= room_c_o * LAG_SHARE:
            lags.append("click_to_order")
        out[name] = tuple(lags)
    return out


def panel(app) -> ProductPanel:
    return app.screen.query_one(ProductPanel)


def cell(app, product: str, column: str) -> Text:
    return panel(app).query_one(DataTable).get_cell(product, column)


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_panel_counts_the_window_marks_the_pin_and_the_laggards(tmp_path, shop, lang):
    app = make_app(tmp_path, shop, lang=lang)
    async with drive(app) as console:
        await console.seek(AT)
        counts = window_counts(shop, AT)
        lags = expected_lags(counts)
        assert lags["Dress Mega Mendung"] == ("ctr",) and lags["Blouse Kawung"] == ("click_to_order",)
        assert lags[PINNED] == () and lags["sku-1"] == ()  # the session is made so; the rule below is what is checked
        rows = {row.key: row for row in panel(app).rows}
        assert set(rows) == set(counts)
        for name, expected in counts.items():
            row = rows[name]
            assert row.cells["product_impressions"] == formatting.number(expected["views"], lang)
            assert row.cells["product_clicks"] == formatting.number(expected["clicks"], lang)
            assert row.cells["orders"] == formatting.number(expected["orders"], lang)
            assert row.cells["gmv"] == formatting.money(expected["gmv"], lang)
            assert row.cells["ctr"] == formatting.percent(expected["clicks"] / expected["views"], lang)
            assert row.lags == lags[name]
            assert row.advice == (ADVICE[lang][lags[name][0]] if lags[name] else "")
            for rate in ("ctr", "click_to_order"):  # on the table: the lagging rate marked, the others plain
                shown = cell(app, name, rate)
                assert shown.plain.startswith("▼ ") == (rate in lags[name])
        # the pinned product is marked, with how long it has been pinned (3 minutes by now)
        assert rows[PINNED].pinned and sum(row.pinned for row in rows.values()) == 1
        assert cell(app, PINNED, "product").plain == f"📌 {PINNED}"
        assert rows[PINNED].pinned_for == formatting.duration(180, lang)
        # the room's rates it is all held against, in the title
        title = panel(app).border_title
        assert formatting.percent(sum(c["clicks"] for c in counts.values()) / sum(c["views"] for c in counts.values()), lang) in title


async def test_rows_given_before_the_panel_is_mounted_are_listed(tmp_path, shop):
    """A room's products set while its pane mounts (a replay that ends at once, the desk) are listed, not left blank."""
    from textual.app import App

    app = make_app(tmp_path, shop, speed=None)
    async with drive(app) as console:
        await console.ended()
        rows = panel(app).rows
    assert rows

    class Shelf(App):
        def compose(self):
            shelf = ProductPanel()
            shelf.rows = rows
            yield shelf

    async with Shelf().run_test(size=(160, 20)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(ProductPanel).query_one(DataTable)
        assert sorted(key.value for key in table.rows) == sorted(row.key for row in rows)


async def test_a_product_name_from_the_feed_is_plain_text(tmp_path, shop):
    app = make_app(tmp_path, shop)
    async with drive(app) as console:
        await console.seek(AT)
        name = next(key for key in (row.key for row in panel(app).rows) if key.startswith("[b]"))
        shown = cell(app, name, "product")
        assert shown.plain == "[b]Tas[/b] Rotan" and not shown.spans  # markup inert, the escape gone
        screen = app.export_screenshot()
        assert "[b]Tas[/b] Rotan" in screen.replace("&#160;", " ")


async def test_s_and_the_headings_sort_the_products(tmp_path, shop):
    app = make_app(tmp_path, shop, lang="en")
    async with drive(app) as console:
        await console.seek(AT)
        counts = window_counts(shop, AT)
        lags = expected_lags(counts)
        gmv_order = sorted(counts, key=lambda name: (-counts[name]["gmv"], name.casefold()))
        assert panel(app).sort_column == "gmv" and panel(app).order == gmv_order
        await console.press("s")  # the laggards first
        assert panel(app).sort_column == SORTS[1] == "advice"
        order = panel(app).order
        assert set(order[:2]) == {name for name, lag in lags.items() if lag}
        for _ in SORTS[2:]:  # every column `s` steps through, back to GMV
            await console.press("s")
        assert panel(app).sort_column == "product" and panel(app).order == sorted(counts, key=str.casefold)
        await console.press("s")
        assert panel(app).sort_column == "gmv" and panel(app).order == gmv_order
        # a click on the CTR heading sorts by CTR, highest first
        table = panel(app).query_one(DataTable)
        x = 1
        for column in table.ordered_columns:
            if column.key.value == "ctr":
                break
            x += column.get_render_width(table)
        await console.pilot.click(DataTable, offset=(x + 1, 0))
        await console.pilot.pause()
        assert panel(app).sort_column == "ctr"
        ctr = {name: c["clicks"] / c["views"] for name, c in counts.items()}
        assert panel(app).order == sorted(counts, key=lambda name: (-ctr[name], name.casefold()))


async def test_products_beyond_the_cap_are_one_line_never_judged(tmp_path, shop):
    shutil.copy(DEFAULT_CONFIG, tmp_path / "config.toml")
    text = (tmp_path / "config.toml").read_text(encoding="utf-8").replace("max_products = 200", "max_products = 2")
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    app = make_app(tmp_path, shop)
    async with drive(app) as console:
        await console.seek(AT)
        rows = {row.name: row for row in panel(app).rows}
        assert set(rows) == {"sku-1", PINNED, "produk lainnya"}  # the first two products seen, the rest together
        other = rows["produk lainnya"]
        assert other.lags == () and other.advice == ""  # many products at once: nothing to pin or re-price
        assert "*other*" not in app.export_screenshot()
        counts = window_counts(shop, AT)
        rest = [name for name in counts if name not in ("sku-1", PINNED)]
        assert other.cells["product_impressions"] == formatting.number(sum(counts[name]["views"] for name in rest), "id")


async def test_a_room_without_products_gives_the_space_to_the_rest(tmp_path):
    events = [event for event in session_events(3) if "product" not in event]  # no product events at all
    app = make_app(tmp_path, events, speed=None)
    async with drive(app) as console:
        await console.ended()
        assert panel(app).rows == () and not panel(app).display
