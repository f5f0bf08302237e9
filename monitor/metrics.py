"""Per-room counters of docs/metrics.md, kept incrementally.

A `Room` receives its events in event-time order (`Room.fold`)
and is closed once per tick by `close_tick()`, which returns a `Snapshot`: the
window's counters, the session's counters and the gauges, in O(1). Every
number shown anywhere is read from a snapshot through the metric catalogue
(monitor/catalog.py).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from . import catalog
from . import products as product_slots
from .catalog import Number
from .events import Event
from .products import Product, ProductBook, ProductLine
from .windows import DistinctUsers, TickSums, WindowMax

# counter slots (catalog.COUNTERS)
(IMPRESSIONS, ENTRIES, EXITS, LIKES, COMMENTS, SHARES, FOLLOWS, PRODUCT_IMPRESSIONS,
 PRODUCT_CLICKS, ORDERS, UNITS, GMV, ONLINE_MS, SNAPSHOT_MS, COHORT, RETAINED, QUESTIONS) = range(len(catalog.COUNTERS))
_WIDTH = len(catalog.COUNTERS)
_SLOT = catalog.SLOT


@dataclass(slots=True)
class Snapshot:
    """A room at one tick: the window's counters, the session's counters and the gauges.

    `get(name)` reads a counter or a derived count by name; `catalog.metric(name).of(snapshot)`
    reads any metric, rates included.
    """

    room: str
    t: int
    window_s: int
    first_ts: float  # the room's first event: the session's start
    last_event_ts: float
    snapshot_room: bool  # viewers come from viewer_count snapshots (no leaves)
    viewers: int
    viewers_in_window: Number
    interacting: int  # distinct users who liked, commented, shared or followed in the window
    peak_viewers: int
    window: list[Number]  # counters over the window, by catalog.COUNTERS slot
    session: list[Number]  # counters since the room's first event
    topics: dict[str, Number]  # questions in the window per topic of [questions]
    products: tuple[ProductLine, ...]  # per product: window and session counts, the pin (monitor/products.py)

    def get(self, name: str) -> Number | None:
        reader = _READERS.get(name)
        if reader is not None:
            return reader(self)
        slot = _SLOT.get(name)
        if slot is not None:
            return self.window[slot]
        return self.topics.get(name[len(catalog.TOPIC_PREFIX):])  # questions_<topic>: None for a topic not counted

    def metric(self, name: str) -> Number | None:
        """Any metric of the catalogue, rates computed from the counters."""
        return catalog.metric(name).of(self)

    @property
    def values(self) -> dict[str, Number | None]:
        """Every metric by name, in the catalogue's order, then the questions per topic (the headless record's values)."""
        values: dict[str, Number | None] = {metric.name: metric.of(self) for metric in catalog.METRICS}
        for topic, count in self.topics.items():
            values[catalog.TOPIC_PREFIX + topic] = count
        return values

    def denominator(self, metric: str) -> Number | None:
        name = catalog.denominator(metric)
        return None if name is None else self.get(name)


def _money(value: Number) -> float:
    """Undo the float drift of adding and subtracting amounts in the window."""
    rounded = round(value, 4)
    return rounded + 0.0


#: Values that are not a plain window counter.
_READERS: dict[str, Callable[[Snapshot], Number | None]] = {
    "viewers": lambda s: s.viewers,
    "viewers_in_window": lambda s: s.viewers_in_window,
    "interacting": lambda s: s.interacting,
    "viewer_seconds": lambda s: (s.window[SNAPSHOT_MS] if s.snapshot_room else s.window[ONLINE_MS]) / 1000,
    "gmv": lambda s: _money(s.window[GMV]),
    # retention is not measured in a snapshot room (no leaves): no cohort there
    "retention_cohort": lambda s: 0 if s.snapshot_room else s.window[COHORT],
    "retained": lambda s: 0 if s.snapshot_room else s.window[RETAINED],
    "gmv_total": lambda s: _money(s.session[GMV]),
    "orders_total": lambda s: s.session[ORDERS],
    "entries_total": lambda s: s.session[ENTRIES],
    "peak_viewers": lambda s: s.peak_viewers,
    "duration_s": lambda s: (s.t - s.first_ts) / 1000,
}


@dataclass(slots=True)
class Visit:
    """One entry into the room; `left` is set when the viewer leaves."""

    joined: float
    left: float | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (Visit, (self.joined, self.left))


@dataclass(slots=True)
class IgnoredViewerEvents:
    joins: int = 0
    leaves: int = 0


Classify = Callable[[str], tuple[str, ...]]  # a comment's question topics (monitor/questions.py)


class Room:
    """Incremental state of one broadcast room."""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (engine checkpoints) as its constructor's arguments and its state: compiled, it has no other way."""
        return (Room, (self.name, self.first_ts, self.tick_ms, self.window_ms, self.horizon_ms), self.__getstate__())

    def __init__(self, name: str, first_ts: float, tick_ms: int, window_ms: int, horizon_ms: int, *,
                 topics: tuple[str, ...] = (), max_products: int = 200) -> None:
        self.name = name
        self.first_ts = first_ts
        self.last_event_ts = first_ts
        self.tick_ms = tick_ms
        self.window_ms = window_ms
        self.horizon_ms = horizon_ms
        ticks = window_ms // tick_ms
        self.sums = TickSums(_WIDTH, ticks)
        self.online: dict[str, Visit] = {}
        self.recent_leavers = DistinctUsers(ticks)
        self.leavers_offline = 0  # recent leavers not online again
        self.interacting = DistinctUsers(ticks)
        self.awaiting_horizon: deque[Visit] = deque()
        self.snapshot_room = False
        self.snapshot_viewers = 0
        self.snapshot_tick_max = 0
        self.snapshot_window_max = WindowMax(ticks)
        self._online_since = first_ts
        self._snapshot_since = first_ts
        self.peak_viewers = 0
        self.ignored = IgnoredViewerEvents()
        self.topics = topics
        self.topic_sums = TickSums(len(topics), ticks)
        self.products = ProductBook(window_ms, max_products)

    # ------------------------------------------------------------ events

    def fold(self, event: Event) -> bool:
        """What one event whose effect depends on the order of events does to the room (they come in
        `ts` order): viewers, products, orders, host actions; True for a host action (the engine puts it
        on the timeline). The others come in `TickPart`s (`merge`).

        The types are tried in the order of their share of a typical broadcast. A
        host action counts in no metric, but a pin tells whose product is pinned.
        """
        ts = event.ts  # fields read once: a struct's field is a generic attribute look-up, even compiled
        self.last_event_ts = ts
        kind = event.type
        if kind == "viewer_join":
            self._join(event.user, ts)
        elif kind == "product_impression":
            self._product(event, PRODUCT_IMPRESSIONS, product_slots.IMPRESSIONS, event.count)
        elif kind == "viewer_leave":
            self._leave(event.user, ts)
        elif kind == "product_click":
            self._product(event, PRODUCT_CLICKS, product_slots.CLICKS, 1)
        elif kind == "order":
            self._order(event)
        elif kind == "viewer_count":
            self._viewer_count(ts, event.count)
        elif kind == "host_action":
            self.products.host_action(event.action, event.product, ts)
            return True
        else:
            raise ValueError(f"{kind} events are order-free: they come in a TickPart")
        return False

    def merge(self, part: TickPart) -> None:
        """The order-free events of the open tick, counted as they were taken (`TickPart`), after the
        tick's held events were folded (a later view's product has its line then)."""
        if part.last_ts > self.last_event_ts:
            self.last_event_ts = part.last_ts
        current = self.sums.open
        current[LIKES] += part.likes
        current[COMMENTS] += part.comments
        current[SHARES] += part.shares
        current[FOLLOWS] += part.follows
        current[IMPRESSIONS] += part.impressions
        current[QUESTIONS] += part.questions
        current[PRODUCT_IMPRESSIONS] += part.product_impressions
        current[PRODUCT_CLICKS] += part.product_clicks
        if part.products or part.later_views:
            book = self.products
            for product, views in part.products.items():
                book.count_views(product, views)
            for name, views in part.later_views.items():
                book.count_views(book.line(name), views)
        if self.interacting.open:
            self.interacting.open |= part.interacting
        else:  # the usual case: only order-free events interact, and they all come in the part
            self.interacting.open = part.interacting
        if part.topics:
            counts = self.topic_sums.open
            for slot, count in enumerate(part.topics):
                counts[slot] += count

    def _product(self, event: Event, slot: int, product_slot: int, amount: int) -> None:
        product = event.product
        assert product is not None  # the contract's product events have one (monitor/events.py)
        self.sums.open[slot] += amount
        self.products.add(product, product_slot, amount)

    def _integrate(self, ts: float, online: int) -> None:
        """Viewer time up to `ts` while `online` viewers were in (the online set's size before a join or leave)."""
        current = self.sums.open
        current[ONLINE_MS] += online * (ts - self._online_since)
        self._online_since = ts
        current[SNAPSHOT_MS] += self.snapshot_viewers * (ts - self._snapshot_since)
        self._snapshot_since = ts

    def _join(self, user: str | None, ts: float) -> None:
        assert user is not None  # the contract's viewer_join has one
        online = self.online
        before = len(online)
        visit = Visit(ts)
        if online.setdefault(user, visit) is not visit:  # one look-up: the online table is large
            self.ignored.joins += 1
            return
        self._integrate(ts, before)
        self.awaiting_horizon.append(visit)
        if user in self.recent_leavers:
            self.leavers_offline -= 1
        self.sums.open[ENTRIES] += 1

    def _leave(self, user: str | None, ts: float) -> None:
        assert user is not None
        visit = self.online.pop(user, None)
        if visit is None:
            self.ignored.leaves += 1
            return
        self._integrate(ts, len(self.online) + 1)
        visit.left = ts
        self.leavers_offline += 1  # whether or not they left earlier in the window
        self.recent_leavers.add(user)
        self.sums.open[EXITS] += 1

    def _viewer_count(self, ts: float, count: int) -> None:
        self._integrate(ts, len(self.online))
        self.snapshot_room = True
        self.snapshot_viewers = count
        if count > self.snapshot_tick_max:
            self.snapshot_tick_max = count

    def _order(self, event: Event) -> None:
        quantity = event.quantity
        amount = event.amount
        current = self.sums.open
        current[ORDERS] += 1
        current[UNITS] += quantity
        current[GMV] += amount
        products = self.products
        product = event.product
        assert product is not None
        products.add(product, product_slots.ORDERS, 1)
        products.add(product, product_slots.UNITS, quantity)
        products.add(product, product_slots.GMV, amount)

    # ------------------------------------------------------------ ticks

    def close_tick(self, t: int) -> Snapshot:
        """Fold the open tick into the window and read the snapshot at `t`."""
        self._integrate(t, len(self.online))
        horizon = self.horizon_ms
        current = self.sums.open
        pending = self.awaiting_horizon
        while pending and pending[0].joined + horizon <= t:
            visit = pending.popleft()
            current[COHORT] += 1
            if visit.left is None or visit.left > visit.joined + horizon:
                current[RETAINED] += 1
        snapshot_max = self.snapshot_window_max.push(self.snapshot_tick_max)
        self.snapshot_tick_max = self.snapshot_viewers
        self.sums.close()
        if self.topics:
            self.topic_sums.close()
        self.interacting.close()
        online = self.online
        for user in self.recent_leavers.close():
            if user not in online:
                self.leavers_offline -= 1
        return self._read(t, snapshot_max)

    def _read(self, t: int, snapshot_max: Number) -> Snapshot:
        sums = self.sums
        if self.snapshot_room:
            viewers = self.snapshot_viewers
            in_window = snapshot_max
        else:
            viewers = len(self.online)
            in_window = viewers + self.leavers_offline
        if viewers > self.peak_viewers:
            self.peak_viewers = viewers
        topics = dict(zip(self.topics, self.topic_sums.totals)) if self.topics else {}
        return Snapshot(
            self.name, t, self.window_ms // 1000, self.first_ts, self.last_event_ts, self.snapshot_room,
            viewers, in_window, len(self.interacting), self.peak_viewers, sums.totals[:], sums.cumulative[:],
            topics, self.products.close(t),
        )


#: Event types whose effect on a tick does not depend on the order of the tick's events: whole
#: counts and sets of users. The engine counts them as they are taken, in a `TickPart` of their
#: room and tick, instead of holding them until the tick is produced; the rest wait and are
#: folded in `ts` order (`Room.fold`).
ORDER_FREE = frozenset({"like", "comment", "live_impression", "follow", "share"})
#: Product views and clicks are whole counts too, but which line of the room's products they count
#: in may depend on which product came first (the cap): order-free once that is settled
#: (`ProductBook.settled`). Before, only a product's first event decides its line: the engine holds
#: the earliest view of an unsettled product in a tick and counts the tick's later ones by the
#: product's name (`TickPart.take_later_view`), their line read at the merge.
PRODUCT_COUNTS = frozenset({"product_impression", "product_click"})


class TickPart:
    """What the order-free events of one room did to one tick not produced yet."""

    __slots__ = ("first_ts", "last_ts", "likes", "comments", "shares", "follows", "impressions", "questions",
                 "interacting", "topics", "product_impressions", "product_clicks", "products", "held_views",
                 "later_views")

    def __reduce__(self) -> tuple[Any, ...]:
        return (TickPart, (self.first_ts, len(self.topics)), self.__getstate__())

    def __init__(self, ts: float, topics: int) -> None:
        self.first_ts = ts
        self.last_ts = ts
        self.likes = 0
        self.comments = 0
        self.shares = 0
        self.follows = 0
        self.impressions = 0
        self.questions = 0
        self.interacting: set[str] = set()  # users who liked, commented, shared or followed
        self.topics = [0] * topics  # questions per topic slot of [questions]
        self.product_impressions = 0
        self.product_clicks = 0
        self.products: dict[Product, list[int]] = {}  # views and clicks per product (settled ones)
        # a product not settled yet: the earliest `ts` of its views held in this tick, and its views after it
        self.held_views: dict[str, float] = {}
        self.later_views: dict[str, list[int]] = {}

    def take(self, event: Event, kind: str, ts: float, classify: Classify | None,
             topic_slot: dict[str, int]) -> None:
        """Count one order-free event (any order); its `type` and `ts` as the engine read them."""
        self._times(ts)
        if kind == "like":
            self.likes += event.count
        elif kind == "comment":
            self.comments += 1
            if classify is not None:
                text = event.text
                if text:
                    found = classify(text)
                    if found:
                        self.questions += 1
                        counts = self.topics
                        for topic in found:
                            counts[topic_slot[topic]] += 1
        elif kind == "live_impression":
            self.impressions += event.count
            return
        elif kind == "follow":
            self.follows += 1
        else:
            self.shares += 1
        user = event.user
        if user is not None:
            self.interacting.add(user)

    def take_product(self, event: Event, kind: str, ts: float, product: Product) -> None:
        """Count a product view or click whose product line is settled (any order)."""
        counts = self.products.get(product)
        if counts is None:
            counts = self.products[product] = [0, 0]
        self._view(event, kind, ts, counts)

    def after_held_view(self, name: str, ts: float) -> bool:
        """Whether a view or click of the unsettled product `name` at `ts` comes after one held in this
        tick (in the tick's `ts` order, ties in arrival order), so cannot be the product's first event:
        if not, it is to be held, and is the earliest held now."""
        first = self.held_views.get(name)
        if first is not None and first <= ts:
            return True
        self.held_views[name] = ts
        return False

    def take_later_view(self, event: Event, kind: str, ts: float, name: str) -> None:
        """Count a view or click that comes after a held one of its product (`after_held_view`): its
        line is the one that earlier event gives, read at the merge."""
        counts = self.later_views.get(name)
        if counts is None:
            counts = self.later_views[name] = [0, 0]
        self._view(event, kind, ts, counts)

    def _view(self, event: Event, kind: str, ts: float, counts: list[int]) -> None:
        self._times(ts)
        if kind == "product_impression":
            count = event.count
            self.product_impressions += count
            counts[0] += count
        else:
            self.product_clicks += 1
            counts[1] += 1

    def _times(self, ts: float) -> None:
        if ts < self.first_ts:
            self.first_ts = ts
        elif ts > self.last_ts:
            self.last_ts = ts
