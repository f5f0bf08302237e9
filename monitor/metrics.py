"""Per-room metrics of ../shared/spec/metrics.md, kept incrementally.

A `Room` receives its events in event-time order (through `EVENT_HANDLERS`)
and is closed once per tick by `close_tick()`, which reads every number of the
contract in O(1).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .events import Event
from .windows import DistinctUsers, TickSums, WindowMax

COUNT_NAMES = (
    "impressions", "entries", "exits", "likes", "comments", "shares", "follows",
    "product_impressions", "product_clicks", "orders", "units", "gmv",
)
RATE_NAMES = (
    "access_rate", "avg_watch_s", "retention", "interaction_rate", "ctr",
    "click_to_order", "aov", "gpm",
)
SESSION_NAMES = ("gmv_total", "orders_total", "entries_total", "peak_viewers", "duration_s")
#: Every metric by name, in the order the headless writer prints them.
METRIC_NAMES = ("viewers", "viewers_in_window", "viewer_seconds") + COUNT_NAMES + RATE_NAMES + SESSION_NAMES

#: The denominator each rate is judged on (`min_sample`, greyed tiles).
DENOMINATOR = {
    "access_rate": "impressions",
    "avg_watch_s": "entries",
    "retention": "retention_cohort",
    "interaction_rate": "viewers_in_window",
    "ctr": "product_impressions",
    "click_to_order": "product_clicks",
    "aov": "orders",
    "gpm": "entries",
}

# counter slots in TickSums
(IMPRESSIONS, ENTRIES, EXITS, LIKES, COMMENTS, SHARES, FOLLOWS, PRODUCT_IMPRESSIONS,
 PRODUCT_CLICKS, ORDERS, UNITS, GMV, ONLINE_MS, SNAPSHOT_MS, COHORT, RETAINED) = range(16)
_WIDTH = 16


@dataclass(slots=True)
class Snapshot:
    """A room's numbers at one tick; `values` holds every metric by name."""

    room: str
    t: int
    window_s: int
    values: dict
    retention_cohort: int
    snapshot_room: bool
    last_event_ts: float

    def denominator(self, metric: str) -> float | None:
        name = DENOMINATOR.get(metric)
        if name is None:
            return None
        if name == "retention_cohort":
            return self.retention_cohort
        return self.values[name]


@dataclass(slots=True)
class Visit:
    """One entry into the room; `left` is set when the viewer leaves."""

    joined: float
    left: float | None = None


@dataclass(slots=True)
class IgnoredViewerEvents:
    joins: int = 0
    leaves: int = 0


class Room:
    """Incremental state of one broadcast room."""

    def __init__(self, name: str, first_ts: float, tick_ms: int, window_ms: int, horizon_ms: int) -> None:
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
        self.entries_total = 0
        self.orders_total = 0
        self.gmv_total = 0.0
        self.peak_viewers = 0
        self.ignored = IgnoredViewerEvents()

    # ------------------------------------------------------------ events

    def _integrate(self, ts: float) -> None:
        current = self.sums.open
        current[ONLINE_MS] += len(self.online) * (ts - self._online_since)
        self._online_since = ts
        current[SNAPSHOT_MS] += self.snapshot_viewers * (ts - self._snapshot_since)
        self._snapshot_since = ts

    def _join(self, event: Event) -> None:
        user = event.user
        if user in self.online:
            self.ignored.joins += 1
            return
        self._integrate(event.ts)
        visit = Visit(event.ts)
        self.online[user] = visit
        self.awaiting_horizon.append(visit)
        if user in self.recent_leavers:
            self.leavers_offline -= 1
        self.sums.open[ENTRIES] += 1
        self.entries_total += 1

    def _leave(self, event: Event) -> None:
        user = event.user
        visit = self.online.get(user)
        if visit is None:
            self.ignored.leaves += 1
            return
        self._integrate(event.ts)
        del self.online[user]
        visit.left = event.ts
        self.leavers_offline += 1  # whether or not they left earlier in the window
        self.recent_leavers.add(user)
        self.sums.open[EXITS] += 1

    def _viewer_count(self, event: Event) -> None:
        self._integrate(event.ts)
        self.snapshot_room = True
        self.snapshot_viewers = event.count
        if event.count > self.snapshot_tick_max:
            self.snapshot_tick_max = event.count

    def _order(self, event: Event) -> None:
        current = self.sums.open
        current[ORDERS] += 1
        current[UNITS] += event.quantity
        current[GMV] += event.amount
        self.orders_total += 1
        self.gmv_total += event.amount

    # ------------------------------------------------------------ ticks

    def close_tick(self, t: int) -> Snapshot:
        """Fold the open tick into the window and read the snapshot at `t`."""
        self._integrate(t)
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
        self.interacting.close()
        online = self.online
        for user in self.recent_leavers.close():
            if user not in online:
                self.leavers_offline -= 1
        return self._read(t, snapshot_max)

    def _read(self, t: int, snapshot_max: float) -> Snapshot:
        s = self.sums.totals
        impressions, entries, product_impressions = s[IMPRESSIONS], s[ENTRIES], s[PRODUCT_IMPRESSIONS]
        clicks, orders, gmv = s[PRODUCT_CLICKS], s[ORDERS], s[GMV]
        if self.snapshot_room:
            viewers = self.snapshot_viewers
            in_window = snapshot_max
            viewer_seconds = s[SNAPSHOT_MS] / 1000
        else:
            viewers = len(self.online)
            in_window = viewers + self.leavers_offline
            viewer_seconds = s[ONLINE_MS] / 1000
        if viewers > self.peak_viewers:
            self.peak_viewers = viewers
        cohort = s[COHORT]
        gmv = _money(gmv)
        values = {
            "viewers": viewers,
            "viewers_in_window": in_window,
            "viewer_seconds": viewer_seconds,
            "impressions": impressions,
            "entries": entries,
            "exits": s[EXITS],
            "likes": s[LIKES],
            "comments": s[COMMENTS],
            "shares": s[SHARES],
            "follows": s[FOLLOWS],
            "product_impressions": product_impressions,
            "product_clicks": clicks,
            "orders": orders,
            "units": s[UNITS],
            "gmv": gmv,
            "access_rate": entries / impressions if impressions else None,
            "avg_watch_s": viewer_seconds / entries if entries else None,
            "retention": s[RETAINED] / cohort if cohort and not self.snapshot_room else None,
            "interaction_rate": len(self.interacting) / in_window if in_window else None,
            "ctr": clicks / product_impressions if product_impressions else None,
            "click_to_order": orders / clicks if clicks else None,
            "aov": gmv / orders if orders else None,
            "gpm": gmv * 1000 / entries if entries else None,
            "gmv_total": _money(self.gmv_total),
            "orders_total": self.orders_total,
            "entries_total": self.entries_total,
            "peak_viewers": self.peak_viewers,
            "duration_s": (t - self.first_ts) / 1000,
        }
        return Snapshot(self.name, t, self.window_ms // 1000, values, cohort, self.snapshot_room, self.last_event_ts)


def _money(value: float) -> float:
    """Undo the float drift of adding and subtracting amounts in the window."""
    rounded = round(value, 4)
    return rounded + 0.0


# One plain function per type: the hot path, so no closures or getattr here.


def _live_impression(room: Room, event: Event) -> None:
    room.sums.open[IMPRESSIONS] += event.count


def _like(room: Room, event: Event) -> None:
    room.sums.open[LIKES] += event.count
    if event.user is not None:
        room.interacting.open.add(event.user)


def _comment(room: Room, event: Event) -> None:
    room.sums.open[COMMENTS] += 1
    room.interacting.open.add(event.user)


def _share(room: Room, event: Event) -> None:
    room.sums.open[SHARES] += 1
    if event.user is not None:
        room.interacting.open.add(event.user)


def _follow(room: Room, event: Event) -> None:
    room.sums.open[FOLLOWS] += 1
    if event.user is not None:
        room.interacting.open.add(event.user)


def _product_impression(room: Room, event: Event) -> None:
    room.sums.open[PRODUCT_IMPRESSIONS] += event.count


def _product_click(room: Room, event: Event) -> None:
    room.sums.open[PRODUCT_CLICKS] += 1


#: What each event type does to its room (events arrive in ts order); host_action does nothing.
EVENT_HANDLERS = {
    "viewer_join": Room._join,
    "viewer_leave": Room._leave,
    "viewer_count": Room._viewer_count,
    "live_impression": _live_impression,
    "like": _like,
    "comment": _comment,
    "share": _share,
    "follow": _follow,
    "product_impression": _product_impression,
    "product_click": _product_click,
    "order": Room._order,
}
