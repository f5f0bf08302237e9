"""The products of a broadcast in the report: the table, the pinned periods, the summary's records.

Every number is the engine's: each product's session counters and time
pinned at the room's last tick (`RoomSession.products`, monitor/products.py),
its rates from the metric catalogue. The pinned periods on the charts come
from the host's `pin_product` / `unpin_product` actions, read the way the
engine reads them: a pin starts a period that lasts until the next pin or
unpin, or the end of the broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from .. import catalog, formatting
from .. import words as names
from ..products import OTHER, PIN, UNPIN, ProductLine
from .clock import Clock
from .session import HostAction
from .words import shown, word

#: The table's columns after the product's name: session values, funnel order.
COLUMNS = ("product_impressions", "product_clicks", "ctr", "orders", "units", "gmv", "click_to_order")


@dataclass(frozen=True, slots=True)
class PinnedPeriod:
    """A product on the pin, from its `pin_product` to the next pin, an unpin or the end."""

    product: str  # "" when the pin named no product (older recordings say it in the note only)
    start: float
    end: float
    note: str


def pinned_periods(actions: list[HostAction], end_ms: float) -> list[PinnedPeriod]:
    periods: list[PinnedPeriod] = []
    open_: HostAction | None = None
    for action in actions:
        if action.action not in (PIN, UNPIN):
            continue
        if open_ is not None:
            periods.append(PinnedPeriod(open_.product, open_.t, action.t, open_.note))
            open_ = None
        if action.action == PIN:
            open_ = action
    if open_ is not None:
        periods.append(PinnedPeriod(open_.product, open_.t, max(end_ms, open_.t), open_.note))
    return periods


def period_label(period: PinnedPeriod, clock: Clock) -> str:
    """`sku-1 disematkan 19.00.00–19.03.37 (3 mnt 37 dtk)`, and the host's note (plain text: escape it)."""
    lang = clock.lang
    product = period.product or word("unnamed_product", lang)
    label = word("pinned_period", lang).format(
        product=product, start=clock.time(period.start), end=clock.time(period.end),
        lasted=formatting.duration((period.end - period.start) / 1000, lang),
    )
    return f"{label}: {period.note}" if period.note else label


def ranked(lines: tuple[ProductLine, ...]) -> list[ProductLine]:
    """Products by session GMV, highest first (ties by name); the line beyond the cap last, whatever its GMV."""
    gmv = catalog.metric("gmv")
    known = sorted((line for line in lines if line.product != OTHER),
                   key=lambda line: (-(gmv.of(line.totals) or 0), line.product))
    return known + [line for line in lines if line.product == OTHER]


def records(lines: tuple[ProductLine, ...]) -> list[dict]:
    """summary.json's `rooms[].products`: each product's session values, its pin, in the table's order.

    Keys: product, product_impressions, product_clicks, orders, units, gmv,
    ctr, click_to_order (the session's, from `ProductLine.as_dict()`),
    pinned (pinned when the broadcast ended), pinned_s (seconds on the pin
    over the session).
    """
    out = []
    for line in ranked(lines):
        record = line.as_dict()
        out.append({"product": record["product"], **record["session"],
                    "pinned": record["pinned"], "pinned_s": record["pinned_s"]})
    return out


def table_html(lines: tuple[ProductLine, ...], lang: str, cap: int) -> str:
    if not lines:
        return f'<p class="muted">{word("none", lang)}</p>'
    heads = "".join(f"<th>{escape(word(name, lang))}</th>" for name in COLUMNS)
    out = [
        f'<table class="products"><tr><th class="text">{word("product", lang)}</th>{heads}'
        f"<th>{word('pinned_time', lang)}</th></tr>"
    ]
    for line in ranked(lines):
        totals = line.totals
        cells = "".join(f"<td>{escape(shown(name, catalog.metric(name).of(totals), lang))}</td>" for name in COLUMNS)
        pinned = formatting.duration(line.pinned_s, lang) if line.pinned_s else "–"
        other = line.product == OTHER
        name = escape(names.product(line.product, lang))
        mark = f' <span class="pin">{word("pinned_end", lang)}</span>' if line.pinned else ""
        out.append(
            f'<tr class="{"other" if other else "product"}{" pinned" if line.pinned else ""}">'
            f'<td class="text wrap">{name}{mark}</td>{cells}<td>{escape(pinned)}</td></tr>'
        )
    out.append("</table>")
    note = word("products_note", lang)
    if any(line.product == OTHER for line in lines):
        note += " " + word("other_note", lang).format(other=names.product(OTHER, lang), cap=cap)
    out.append(f'<p class="muted">{escape(note)}</p>')
    return "".join(out)


def top_line(lines: tuple[ProductLine, ...], lang: str, clean, count: int = 3) -> str:
    """The terminal's line: the best sellers by GMV (`clean` makes a feed's product id inert)."""
    best = [line for line in ranked(lines) if line.product != OTHER][:count]
    shown_ = " · ".join(f"{clean(names.product(line.product, lang))} {shown('gmv', line.totals.get('gmv'), lang)}"
                        for line in best)
    return f"{word('top_products', lang)}: {shown_}"
