"""The product panel's rows: each product's window counts and rates, its pin, and whether it lags the room.

The seller guide reads CTR (product clicks per product view) and C_O (orders
per product click) product by product and tells the host what to do with the
one that falls behind: pin it, demonstrate it and show the yellow cart when
few viewers open it; a time-limited price or limited stock when they open it
but do not buy. So a product is marked when its rate in the window is at most
half the room's (`LAG_SHARE`), judged only on a sample worth judging: at least
`MIN_VIEWS` product views in the window for CTR and `MIN_CLICKS` product
clicks for C_O (the rules' `min_sample` idea, for one product). The line of
the products beyond the cap (`products.OTHER`) is many products: never judged.

Rates come from the catalogue (`catalog.metric(...).of(line)`), counts from
the snapshot's ProductLine: nothing is computed here that the engine has.
No Textual in this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import catalog, formatting, words
from ..products import OTHER, ProductLine
from .i18n import tr
from ..viewer_text import clean

LAG_SHARE = 0.5  # a product's rate at or under half the room's lags it
MIN_VIEWS = 200  # product views in the window before a product's CTR is judged
MIN_CLICKS = 50  # product clicks in the window before a product's C_O is judged

#: The rate judged, the counter it is judged on, and the least of that counter.
JUDGED: tuple[tuple[str, str, int], ...] = (
    ("ctr", "product_impressions", MIN_VIEWS),
    ("click_to_order", "product_clicks", MIN_CLICKS),
)
#: Columns of the panel, the rates and what to do first (a narrow terminal scrolls the counts off to the right).
COLUMNS = ("product", "pinned", "ctr", "click_to_order", "advice", "product_impressions", "product_clicks", "orders", "gmv")
#: The order `s` steps through: GMV (the first), laggards first, the rates, the counts, pins, names.
SORTS = ("gmv", "advice", "ctr", "click_to_order", "product_clicks", "product_impressions", "orders", "pinned", "product")


@dataclass(frozen=True, slots=True)
class ProductRow:
    key: str  # the product id (the table's row key)
    name: str  # as shown: cleaned feed text, or the name of the line beyond the cap
    pinned: bool  # pinned now
    pinned_for: str  # time pinned in the session ("" if never)
    cells: dict  # column -> text
    numbers: dict  # column -> value sorted on (None last)
    lags: tuple[str, ...]  # the rates that lag the room's ("ctr", "click_to_order")
    advice: str  # what the host does about the first of them ("" when none)


def lags(line: ProductLine, room: dict[str, float | None]) -> tuple[str, ...]:
    """The rates of `line` at or under LAG_SHARE of the room's, each on a sample worth judging."""
    if line.product == OTHER:
        return ()
    out = []
    for rate, counter, least in JUDGED:
        mine, theirs = catalog.metric(rate).of(line), room.get(rate)
        if mine is None or not theirs or (line.get(counter) or 0) < least:
            continue
        if mine <= theirs * LAG_SHARE:
            out.append(rate)
    return tuple(out)


def product_rows(snapshot, lang: str) -> tuple[ProductRow, ...]:
    """One row per product of the snapshot (window counts, the session's pin), in the engine's order."""
    room = {rate: snapshot.metric(rate) for rate, _, _ in JUDGED}
    rows = []
    for line in snapshot.products:
        lagging = lags(line, room)
        name = words.product(line.product, lang) if line.product == OTHER else clean(line.product, 60)
        rates = {rate: catalog.metric(rate).of(line) for rate, _, _ in JUDGED}
        numbers = {
            "product": name.casefold(),
            "pinned": (line.pinned, line.pinned_s),
            **{counter: line.get(counter) for counter in ("product_impressions", "product_clicks", "orders", "gmv")},
            **rates,
            "advice": len(lagging),
        }
        cells = {
            "product": name,
            "pinned": formatting.duration(line.pinned_s, lang) if line.pinned or line.pinned_s >= 0.5 else "",
            "product_impressions": formatting.number(line.get("product_impressions") or 0, lang),
            "product_clicks": formatting.number(line.get("product_clicks") or 0, lang),
            "orders": formatting.number(line.get("orders") or 0, lang),
            "gmv": formatting.money(line.get("gmv") or 0, lang),
            **{rate: formatting.metric_value(rate, value, lang) for rate, value in rates.items()},
            "advice": tr(f"lag_{lagging[0]}", lang) if lagging else "",
        }
        rows.append(ProductRow(line.product, name, line.pinned, cells["pinned"], cells, numbers, lagging, cells["advice"]))
    return tuple(rows)


def sort_key(column: str, row: ProductRow) -> tuple:
    """Names A-Z; pins, lags and numbers biggest first; a missing rate last; ties by name."""
    value = row.numbers.get(column)
    if column == "product":
        return (value,)
    if value is None:
        return (True, 0, row.numbers["product"])
    if column == "pinned":
        pinned, seconds = value
        return (False, (-int(pinned), -seconds), row.numbers["product"])
    return (False, -value, row.numbers["product"])


def sorted_rows(rows: tuple[ProductRow, ...], column: str) -> tuple[ProductRow, ...]:
    return tuple(sorted(rows, key=lambda row: sort_key(column, row)))


def heading(column: str, lang: str) -> str:
    """A column's heading: the catalogue's name of a counter or rate, the panel's own words for the rest."""
    if column in ("product", "pinned", "advice"):
        return tr(f"product_{column}", lang)
    return catalog.label(column, lang)


def two_lines(title: str) -> str:
    """A heading on two lines, broken at the space that makes the longer line shortest ("Product\nviews").

    A name's part in brackets stays with it ("Tayangan produk (sesi)" is one name).
    """
    spaces = [index for index, char in enumerate(title) if char == " " and title[index + 1:index + 2] != "("]
    if not spaces:
        return title
    best = min(spaces, key=lambda index: max(index, len(title) - index - 1))
    return title[:best] + "\n" + title[best + 1:]
