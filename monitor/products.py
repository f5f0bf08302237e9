"""Per-product counters of a room: what the seller guide judges product by product.

The guide reads CTR and click-to-order per product and tells the host to pin,
demonstrate or re-price the one that lags. So each room keeps, per product,
the window's and the session's impressions, clicks, orders, units and GMV
(from the `product` of product_impression, product_click and order events),
and which product is pinned (host_action `pin_product` with its `product`)
and for how long. Rates come from the metric catalogue like every other rate.

Memory is bounded: after `max_products` products a room counts the rest
together under `OTHER`. Window sums are kept incrementally: each tick's
counts per product wait in one queue and leave the sums when they leave the
window, so a tick costs the products that moved, not the catalogue.
"""

from __future__ import annotations

from typing import Any
from collections import deque
from dataclasses import dataclass

from . import catalog
from .catalog import Number

#: The line of every product beyond a room's `max_products`.
OTHER = "*other*"
#: The counters per product, in slot order (named as the room's counters, so the catalogue's rates apply).
COUNTERS = ("product_impressions", "product_clicks", "orders", "units", "gmv")
_SLOT = {name: slot for slot, name in enumerate(COUNTERS)}
IMPRESSIONS, CLICKS, ORDERS, UNITS, GMV = range(len(COUNTERS))
PIN, UNPIN = "pin_product", "unpin_product"


@dataclass(frozen=True, slots=True)
class ProductLine:
    """One product at one tick: its counts in the window and in the session, and its pin."""

    product: str
    window: tuple[Number, ...]  # by COUNTERS slot
    session: tuple[Number, ...]
    pinned: bool  # pinned now
    pinned_s: float  # how long it has been pinned in the session, up to this tick

    def get(self, name: str) -> Number | None:
        """A window counter by name (the catalogue's rates read these)."""
        slot = _SLOT.get(name)
        return None if slot is None else self.window[slot]

    @property
    def totals(self) -> "SessionCounts":
        return SessionCounts(self.session)

    def as_dict(self) -> dict[str, object]:
        """The product's record: window counts and rates, the pin, and the same for the session."""
        totals = self.totals
        return {
            "product": self.product,
            **_values(self),
            "pinned": self.pinned,
            "pinned_s": self.pinned_s,
            "session": _values(totals),
        }

    def __reduce__(self) -> tuple[Any, ...]:
        return (ProductLine, (self.product, self.window, self.session, self.pinned, self.pinned_s))


#: The rates of a product, from the catalogue (one statement of each).
RATES = ("ctr", "click_to_order")


def _values(counts: "ProductLine | SessionCounts") -> dict[str, Number | None]:
    values: dict[str, Number | None] = {name: counts.get(name) for name in COUNTERS}
    values.update((name, catalog.metric(name).of(counts)) for name in RATES)
    return values


@dataclass(frozen=True, slots=True)
class SessionCounts:
    """A product's session counters, read like a window (for the session's rates)."""

    counts: tuple[Number, ...]

    def get(self, name: str) -> Number | None:
        slot = _SLOT.get(name)
        return None if slot is None else self.counts[slot]


class Product:
    """One product's counters in a room (or the line of the products beyond the cap)."""

    __slots__ = ("name", "window", "session", "pinned_ms")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (engine checkpoints) as its constructor's arguments and its state: compiled, it has no other way."""
        return (Product, (self.name,), self.__getstate__())

    def __init__(self, name: str) -> None:
        self.name = name
        self.window: list[Number] = [0, 0, 0, 0, 0.0]  # by COUNTERS slot; GMV is money
        self.session: list[Number] = [0, 0, 0, 0, 0.0]
        self.pinned_ms = 0.0


class ProductBook:
    """A room's products: counts added as events come, closed into lines once per tick."""

    __slots__ = ("window_ms", "cap", "_products", "_open", "_recent", "_pinned", "_pinned_since", "_lines", "_moved")

    def __reduce__(self) -> tuple[Any, ...]:
        return (ProductBook, (self.window_ms, self.cap), self.__getstate__())

    def __init__(self, window_ms: int, cap: int) -> None:
        self.window_ms = window_ms
        self.cap = cap
        self._products: dict[str, Product] = {}
        self._open: dict[Product, list[Number]] = {}  # this tick's counts per product
        self._recent: deque[tuple[int, Product, list[Number]]] = deque()  # (tick, product, counts) in the window
        self._pinned: Product | None = None
        self._pinned_since = 0.0
        self._lines: tuple[ProductLine, ...] = ()
        self._moved = False

    def line(self, name: str) -> Product:
        """The line `name` counts in, the product registered if it is new (its first event decides)."""
        product = self._products.get(name)
        if product is None:
            if len(self._products) >= self.cap:
                name = OTHER
                product = self._products.get(name)
            if product is None:
                product = self._products[name] = Product(name)
        return product

    def add(self, name: str, slot: int, amount: Number) -> None:
        self.count(self.line(name), slot, amount)

    def count(self, product: Product, slot: int, amount: Number) -> None:
        counts = self._open.get(product)
        if counts is None:
            counts = self._open[product] = [0, 0, 0, 0, 0.0]
        counts[slot] += amount

    def count_views(self, product: Product, views: list[int]) -> None:
        """A tick's views and clicks of one product, as a `TickPart` counted them."""
        impressions, clicks = views
        if impressions:
            self.count(product, IMPRESSIONS, impressions)
        if clicks:
            self.count(product, CLICKS, clicks)

    def settled(self, name: str) -> Product | None:
        """The product `name` counts under, if that can no longer change whatever comes first: a product
        already in the book, or, past the cap, the line beyond it (None: the order of events decides)."""
        product = self._products.get(name)
        if product is None and len(self._products) >= self.cap:
            product = self._products.get(OTHER)
        return product

    def host_action(self, action: str, name: str | None, ts: float) -> None:
        """`pin_product` pins its product (the one pinned before is unpinned); `unpin_product` unpins."""
        if action not in (PIN, UNPIN):
            return
        if self._pinned is not None:
            self._pinned.pinned_ms += ts - self._pinned_since
            self._pinned = None
        if action == PIN and name:
            self._pinned = self.line(name)
            self._pinned_since = ts
        self._moved = True

    def close(self, t: int) -> tuple[ProductLine, ...]:
        """Fold this tick's counts in, let the tick that left the window out, read the lines at `t`."""
        recent = self._recent
        if self._open:
            for product, counts in self._open.items():
                window, session = product.window, product.session
                for slot, amount in enumerate(counts):
                    if amount:
                        window[slot] += amount
                        session[slot] += amount
                recent.append((t, product, counts))
            self._open = {}
            self._moved = True
        horizon = t - self.window_ms
        while recent and recent[0][0] <= horizon:
            _, product, counts = recent.popleft()
            window = product.window
            for slot, amount in enumerate(counts):
                if amount:
                    window[slot] -= amount
            self._moved = True
        if self._moved or self._pinned is not None:
            self._lines = self._read(t)
            self._moved = False
        return self._lines

    def _read(self, t: int) -> tuple[ProductLine, ...]:
        pinned = self._pinned
        lines = []
        for name in sorted(self._products):
            product = self._products[name]
            pinned_ms = product.pinned_ms + (t - self._pinned_since if product is pinned else 0.0)
            lines.append(ProductLine(name, tuple(_tidy(v) for v in product.window), tuple(product.session),
                                     product is pinned, pinned_ms / 1000))
        return tuple(lines)


def _tidy(value: Number) -> Number:
    """Undo the float drift of adding and subtracting amounts in the window (as the room's GMV)."""
    if isinstance(value, int):
        return value
    return round(value, 4) + 0.0
