"""The stream engine: admission, ticks, rooms, rules.

Pure: it takes events (and, live, the wall clock as an argument) and returns
ticks. `Admission` (monitor/clock.py) judges each event in arrival order and
the clock says which ticks are due; the engine keeps the accepted events by
tick and folds a tick's events, in `ts` order, only when the tick is produced,
so the same events give the same ticks whatever the pacing and batching.
"""

from __future__ import annotations

import math
from functools import lru_cache
from operator import attrgetter
from typing import Any, Callable, Iterable

from .clock import NEVER, Admission, StreamClock, tick_of
from .config import AlertRule, Config, EngineSettings
from .events import Event, Item, Rejection, parse_message
from .metrics import ORDER_FREE, PRODUCT_COUNTS, IgnoredViewerEvents, Room, Snapshot, TickPart
from .products import Product
from .rules import Alert, RoomAlerts
from .ticks import RoomTick as RoomTick, Tick as Tick  # where they were: importers keep `monitor.engine`

_by_ts = attrgetter("ts")


def _in_ts_order(events: list[Event]) -> bool:
    last = -math.inf
    for event in events:
        ts = event.ts
        if ts < last:
            return False
        last = ts
    return True


class Engine:
    def __init__(
        self,
        config: Config,
        *,
        room: str | None = None,
        past_baselines: Callable[[str], dict[str, float | None]] | None = None,
        live: bool = False,
        shown_baselines: tuple[str, ...] = (),
    ) -> None:
        self.config = config
        self.shown_baselines = shown_baselines  # a screen shows these metrics "vs biasanya": the rules' baselines
        settings: EngineSettings = config.engine
        self.settings = settings
        self.room_filter = room
        # a room's median per metric from its earlier broadcasts (the history), asked once per room
        self.past_baselines = past_baselines
        # accepted events by tick until the tick is produced: those whose effect depends on their order
        # held as they are (folded in ts order then), the order-free ones counted at once per room
        self._pending: dict[int, list[Event]] = {}
        self._parts: dict[int, dict[str, TickPart]] = {}
        self.admission = Admission(settings, room=room, max_rooms=config.input.max_rooms, live=live)
        self.clock: StreamClock = self.admission.clock
        self.totals = self.admission.totals
        self.tick_ms = settings.tick_s * 1000
        self.window_ms = settings.window_s * 1000
        self.lateness_ms = settings.allowed_lateness_s * 1000
        self.horizon_ms = settings.retention_horizon_s * 1000
        self.live = live  # live: the wall clock runs the stream's clock on (the pipeline passes it in)
        self.idle_ms = settings.room_idle_s * 1000 if live else 0
        self.rules: list[AlertRule] = list(config.rules)
        classifier = config.questions.classifier()
        self.topics = tuple(topic.name for topic in config.questions.topics)
        # one comment text is classified once: chat repeats itself ("harga kak?"), the cache keeps it cheap
        self.classify = lru_cache(maxsize=16384)(classifier.topics) if self.topics else None
        self.topic_slot = {topic: slot for slot, topic in enumerate(self.topics)}
        self.rooms: dict[str, Room] = {}
        self.room_alerts: dict[str, RoomAlerts] = {}
        self.closed_rooms = 0  # live: rooms closed after a long silence
        self.room_names: set[str] = set()  # every room that had a tick, closed ones included
        self._room_order: list[str] = []  # open rooms in name order (the order of a tick's records)
        self._ignored_closed = IgnoredViewerEvents()
        self.next_tick: int | None = None

    # ------------------------------------------------------------ input

    def tick_of(self, ts: float) -> int:
        return tick_of(ts, self.tick_ms)

    @property
    def watermark(self) -> float | None:
        watermark = self.clock.watermark
        return None if watermark == NEVER else watermark

    def offer(self, item: Item, arrival_ms: float | None = None) -> list[Rejection]:
        """Take one parsed item; return the rejections it caused (usually none)."""
        return self.offer_batch((item,), arrival_ms)

    def offer_batch(self, items: Iterable[object], arrival_ms: float | None = None) -> list[Rejection]:
        """Take parsed items in arrival order; return the rejections (accepted events wait for their tick)."""
        accepted, rejections = self.admission.take(items, arrival_ms)
        self.fold(accepted)
        return rejections

    def offer_raw(self, raw: str | bytes, arrival_ms: float | None = None) -> list[Rejection]:
        """Parse a message (one event or a batch) and offer it; return the rejections."""
        return self.offer_batch(parse_message(raw), arrival_ms)

    def fold(self, events: Iterable[Event]) -> None:
        """Take admitted events for their tick (the admission's, or a worker's: the publisher admitted them).

        An order-free event (metrics.ORDER_FREE, and a product view or click whose product line is
        settled) is counted at once in its room's part of its tick; the others wait in their tick's
        bucket. A room that may close for silence before the tick (live) settles nothing. Of an
        unsettled product's views in a tick only the earliest waits: the later ones cannot be its first
        event and are counted at once by the product's name (`TickPart.take_later_view`).
        """
        pending = self._pending
        parts = self._parts
        tick_ms = self.tick_ms
        classify = self.classify
        topic_slot = self.topic_slot
        topics = len(self.topics)
        bucket: list[Event] = []
        bucket_tick = 0  # the bucket and the part the previous event went to: most events share a tick
        part_tick, part_room, part = 0, "", TickPart(0.0, 0)
        order_free, product_counts, rooms, idle_ms = ORDER_FREE, PRODUCT_COUNTS, self.rooms, self.idle_ms
        for event in events:
            # each field read once and handed on: a struct's field is a generic attribute look-up, even compiled
            ts = event.ts
            tick = tick_of(ts, tick_ms)
            kind = event.type
            product: Product | None = None
            name: str | None = None
            room: str | None = None
            if kind in product_counts:
                room = event.room
                room_now = rooms.get(room)
                name = event.product
                if room_now is not None and name is not None and (
                        not idle_ms or room_now.last_event_ts >= tick - tick_ms - idle_ms):
                    product = room_now.products.settled(name)
            if name is not None or kind in order_free:  # a settled product has a name too
                if room is None:
                    room = event.room
                if tick != part_tick or room != part_room:
                    by_room = parts.get(tick)
                    if by_room is None:
                        by_room = parts[tick] = {}
                    found = by_room.get(room)
                    if found is None:
                        found = by_room[room] = TickPart(ts, topics)
                    part_tick, part_room, part = tick, room, found
                if product is not None:
                    part.take_product(event, kind, ts, product)
                    continue
                if name is None:
                    part.take(event, kind, ts, classify, topic_slot)
                    continue
                if part.after_held_view(name, ts):
                    part.take_later_view(event, kind, ts, name)
                    continue
            if tick == bucket_tick:
                bucket.append(event)
            else:
                held = pending.get(tick)
                if held is None:
                    held = pending[tick] = [event]
                else:
                    held.append(event)
                bucket_tick, bucket = tick, held

    # ------------------------------------------------------------ clock

    def advance(self, now_ms: float | None = None, *, max_ticks: int | None = None) -> list[Tick]:
        """Produce the ticks the clock has released (live: after running it on to `now_ms`)."""
        if now_ms is not None:
            self.clock.run_on(now_ms)
        return self.release(self.clock.released, max_ticks=max_ticks)

    def settle(self, arrival_ms: float | None = None) -> list[Rejection]:
        """End of input: held events are decided (taken or rejected); return the rejected ones."""
        accepted, rejections = self.admission.settle(arrival_ms)
        self.fold(accepted)
        return rejections

    def finish(self, *, max_ticks: int | None = None) -> list[Tick]:
        """End of stream: every tick up to the last event's tick (call `settle` first to see its rejections)."""
        self.settle()
        last = self.clock.last_tick
        return [] if last is None else self.release(last, max_ticks=max_ticks)

    def release(self, through: float, *, max_ticks: int | None = None) -> list[Tick]:
        """Produce every tick up to `through` (at most `max_ticks` of them: call again for the rest)."""
        if self.next_tick is None:
            first = self._first_held()
            if first is None or first > through:
                return []
            self.next_tick = first
        ticks: list[Tick] = []
        step = self.tick_ms
        while self.next_tick <= through and (max_ticks is None or len(ticks) < max_ticks):
            ticks.append(self._produce(self.next_tick))
            self.next_tick += step
        return ticks

    def due(self, through: float | None = None) -> bool:
        """Whether a tick is waiting to be produced (up to `through`, default the released tick)."""
        through = self.clock.released if through is None else through
        if self.next_tick is None:
            first = self._first_held()
            return first is not None and first <= through
        return self.next_tick <= through

    def _first_held(self) -> int | None:
        """The first tick any accepted event waits for (before the first tick was produced)."""
        ticks = [*self._pending, *self._parts]
        return min(ticks) if ticks else None

    def _produce(self, t: int) -> Tick:
        events = self._pending.pop(t, None)
        parts = self._parts.pop(t, None)
        host_actions = []
        rooms = self.rooms
        opened: set[str] = set()  # rooms whose first events are in this tick
        if events:
            if not _in_ts_order(events):  # most ticks arrive in order: a look is cheaper than a sort
                events.sort(key=_by_ts)
            for event in events:
                name = event.room
                room = rooms.get(name)
                if room is None:
                    room = self._open_room(name, event.ts)
                    opened.add(name)
                if room.fold(event):  # a host action: on the timeline too
                    host_actions.append(event)
        if parts:
            for name, part in parts.items():
                room = rooms.get(name)
                if room is None:
                    room = self._open_room(name, part.first_ts)
                elif name in opened and part.first_ts < room.first_ts:
                    room.first_ts = part.first_ts  # the session starts at its first event, whatever its type
                room.merge(part)
        out = []
        rooms = self.rooms
        room_alerts = self.room_alerts
        shown = self.shown_baselines
        for name in self._room_order:
            snapshot = rooms[name].close_tick(t)
            alerts = room_alerts[name]
            usual = alerts.usual() if shown else {}
            out.append(RoomTick(snapshot, alerts.evaluate(snapshot), usual))
        if self.idle_ms:
            self._close_idle_rooms(t)
        return Tick(t, out, host_actions)

    def _open_room(self, name: str, first_ts: float) -> Room:
        room = Room(name, first_ts, self.tick_ms, self.window_ms, self.horizon_ms, topics=self.topics,
                    max_products=self.settings.max_products)
        self.rooms[name] = room
        self.room_names.add(name)
        self._room_order = sorted(self.rooms)
        past = self.past_baselines(name) if self.past_baselines is not None else None
        self.room_alerts[name] = RoomAlerts(
            name, self.rules, self.window_ms // self.tick_ms, self.settings.tick_s, past, self.shown_baselines
        )
        return room

    def _close_idle_rooms(self, t: int) -> None:
        """Live: a room silent for `room_idle_s` is closed and its memory freed; it opens anew if it speaks again."""
        limit = t - self.idle_ms
        idle = [name for name, room in self.rooms.items() if room.last_event_ts < limit]
        for name in idle:
            room = self.rooms.pop(name)
            del self.room_alerts[name]
            self._ignored_closed.joins += room.ignored.joins
            self._ignored_closed.leaves += room.ignored.leaves
            self.admission.forget_room(name)
            self.closed_rooms += 1
        if idle:
            self._room_order = sorted(self.rooms)

    # ------------------------------------------------------------ control

    def set_rules(self, rules: list[AlertRule]) -> None:
        """New thresholds take effect at the next tick; states of kept rules survive."""
        self.rules = list(rules)
        for alerts in self.room_alerts.values():
            alerts.set_rules(self.rules)

    def summary(self) -> dict[str, Any]:
        totals = self.totals
        rooms = self.rooms.values()
        return {
            "kind": "summary",
            "events": totals.events,
            "rejected": dict(sorted(totals.rejected.items())),
            "late": totals.late,
            "duplicates": totals.duplicates,
            "rooms": sorted(self.room_names),
            "ignored_joins": self._ignored_closed.joins + sum(room.ignored.joins for room in rooms),
            "ignored_leaves": self._ignored_closed.leaves + sum(room.ignored.leaves for room in rooms),
        }
