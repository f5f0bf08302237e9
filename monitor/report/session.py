"""What a report (and the history) keeps of a run: one row per room and minute.

`SessionCollector` is a sink, so the report, the console and any other run
feed it the ticks of the one engine; no metric is computed a second time.
It holds the last snapshot per room and the rows of closed minutes, never
every tick, so a four-hour broadcast costs a few hundred rows.

A row is one minute of the room's broadcast, `(m, m + 60 s]`, the first and
the last possibly partial: its counts are the events of that minute (the
differences of the session counters the engine keeps), so each count column
adds up to the session's total; its rates are computed from those counts by
the metric catalogue; the distinct counts (viewers in the window, viewers who
interacted) and the gauges are the room's at the minute's last tick; the
session values are those up to it. The session's totals are the engine's
own session counters at its last tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import catalog
from ..catalog import COUNT_NAMES, NAMES as METRIC_NAMES
from ..engine import Tick
from ..events import Event
from ..metrics import Snapshot
from ..products import ProductLine
from ..rules import FIRING, Alert
from ..sinks import Sink

MINUTE_MS = 60_000

#: Columns of minutes.csv / minutes.parquet, in order.
MINUTE_COLUMNS = ("room", "minute", "t", *METRIC_NAMES, "alerts", "host_actions")

#: Counters a stretch of the broadcast adds up (the rest are read at its last tick).
_ADDED = (*COUNT_NAMES, "retention_cohort", "retained")
#: Distinct counts: a minute takes its last tick's, a session adds its minutes'.
_DISTINCT = ("viewers_in_window", "interacting")

#: Headline numbers of a session, in the order the report shows them.
HEADLINE = (
    "duration_s", "peak_viewers", "avg_viewers", "impressions", "entries", "exits", "access_rate",
    "avg_watch_s", "retention", "interaction_rate", "likes", "comments", "shares", "follows",
    "product_impressions", "product_clicks", "ctr", "orders", "click_to_order", "units",
    "gmv", "aov", "gpm", "alerts",
)


@dataclass(slots=True)
class HostAction:
    t: float  # the action's ts
    action: str
    note: str
    product: str = ""  # the product a pin names ("" when it names none)
    minute: int = 0  # the start of the minute row it landed in

    def as_dict(self) -> dict:
        return {"t": self.t, "action": self.action, "note": self.note, "product": self.product}


class Tally:
    """The counters of a stretch of the broadcast (a minute, a session), read like a snapshot."""

    __slots__ = ("counts",)

    def __init__(self, counts: dict[str, float]) -> None:
        self.counts = counts

    def get(self, name: str) -> float | None:
        return self.counts.get(name)

    @classmethod
    def between(cls, end: Snapshot, start: Snapshot | None) -> "Tally":
        """What happened after `start`'s tick up to `end`'s (from the room's first event without a start)."""
        counts = {name: _added(end, name) - (_added(start, name) if start is not None else 0) for name in _ADDED}
        counts.update((name, end.get(name)) for name in _DISTINCT)
        return cls(counts)


def _added(snapshot: Snapshot, name: str) -> float:
    """A counter since the room's first event, as the window's reading of it (money rounded, seconds)."""
    if name == "viewer_seconds":
        slot = "snapshot_ms" if snapshot.snapshot_room else "online_ms"
        return snapshot.session[catalog.SLOT[slot]] / 1000
    if name in ("retention_cohort", "retained") and snapshot.snapshot_room:
        return 0
    return snapshot.session[catalog.SLOT[name]]


@dataclass
class RoomSession:
    """One room's broadcast as the report and the history see it."""

    room: str
    start_ms: float  # the room's first event
    end_ms: int  # its last tick
    window_s: int
    minutes: list[dict]
    alerts: list[Alert]
    host_actions: list[HostAction]
    totals: dict  # session sums of every count
    headline: dict = field(default_factory=dict)
    products: tuple[ProductLine, ...] = ()  # each product at the last tick: session counts, the pin

    def actions_in(self, minute: int) -> list[HostAction]:
        """The host's actions of one minute row."""
        return [action for action in self.host_actions if action.minute == minute]

    def full_minutes(self) -> list[dict]:
        """Rows of whole minutes inside the broadcast (fair to rank and compare)."""
        return [row for row in self.minutes
                if row["minute"] >= self.start_ms and row["t"] == row["minute"] + MINUTE_MS]


def _tidy(value: float | None) -> float | int | None:
    if value is None:
        return None
    value = round(value, 4)
    return int(value) if float(value).is_integer() else value


def minute_row(room: str, minute: int, end: Snapshot, tally: Tally) -> dict:
    """One row of minutes.csv: the minute's counts and rates, the gauges and session values at its end."""
    row: dict = {"room": room, "minute": minute, "t": end.t}
    for metric in catalog.METRICS:
        if metric.kind == "count":
            value = tally.get(metric.name)
            row[metric.name] = _tidy(value) if metric.unit != "count" else value
        elif metric.kind == "rate":
            row[metric.name] = metric.of(tally)
        else:
            row[metric.name] = metric.of(end)
    return row


class _RoomState:
    """A room while the run goes on: the open minute's last snapshot and the closed rows."""

    def __init__(self, room: str) -> None:
        self.room = room
        self.first: Snapshot | None = None
        self.latest: Snapshot | None = None
        self.closed: Snapshot | None = None  # the snapshot the last row ended at
        self.minute_end = 0
        self.rows: list[dict] = []
        self.alerts: list[Alert] = []
        self.actions: list[HostAction] = []
        self.minute_alerts = 0
        self.minute_actions: list[str] = []
        self.distinct = dict.fromkeys(_DISTINCT, 0)

    def take(self, snapshot: Snapshot, alerts: list[Alert]) -> None:
        minute_end = -(-snapshot.t // MINUTE_MS) * MINUTE_MS
        if self.latest is None:
            self.first = snapshot
        elif minute_end != self.minute_end:
            self.close_minute()
        self.minute_end = minute_end
        self.latest = snapshot
        if alerts:
            self.alerts.extend(alerts)
            self.minute_alerts += sum(alert.state == FIRING for alert in alerts)

    def act(self, event: Event) -> None:
        action = HostAction(event.ts, event.action or "", event.note or "", event.product or "",
                            self.minute_end - MINUTE_MS)
        self.actions.append(action)
        self.minute_actions.append(action.action)

    def close_minute(self) -> None:
        end = self.latest
        assert end is not None
        tally = Tally.between(end, self.closed)
        row = minute_row(self.room, self.minute_end - MINUTE_MS, end, tally)
        row["alerts"] = self.minute_alerts
        row["host_actions"] = "; ".join(self.minute_actions)
        self.rows.append(row)
        for name in _DISTINCT:
            self.distinct[name] += tally.get(name) or 0
        self.closed = end
        self.minute_alerts = 0
        self.minute_actions = []

    def session(self) -> RoomSession:
        self.close_minute()
        last, first = self.latest, self.first
        assert last is not None and first is not None
        totals = {name: _tidy(value) for name, value in Tally.between(last, None).counts.items()}
        totals.update(self.distinct)
        session = RoomSession(
            self.room, first.first_ts, last.t, last.window_s, self.rows, self.alerts, self.actions, totals,
            products=last.products,
        )
        session.headline = headline(session)
        return session


def headline(session: RoomSession) -> dict:
    """The session's KPIs: counts and rates from the session's own counters, by the catalogue.

    Distinct viewers are not something the engine keeps for a whole session,
    so interaction over a session is its minutes' interacting viewers over
    their viewers: "of the people in a minute, the share who interacted",
    like the per-minute value.
    """
    totals = Tally(session.totals)
    last = session.minutes[-1]
    duration = last["duration_s"]
    values: dict = {name: totals.get(name) for name in COUNT_NAMES}
    values.update((metric.name, metric.of(totals)) for metric in catalog.RATES)
    viewer_seconds = totals.get("viewer_seconds") or 0
    values.update(
        duration_s=duration,
        peak_viewers=last["peak_viewers"],
        avg_viewers=viewer_seconds / duration if duration else None,
        alerts=sum(alert.state == FIRING for alert in session.alerts),
    )
    return {name: values[name] for name in HEADLINE}


class SessionCollector(Sink):
    """Sink that keeps what a report needs; attach it before the run starts (its rows begin with what it sees)."""

    def __init__(self, window_s: int = 60, tick_s: int = 1) -> None:
        self.rooms: dict[str, _RoomState] = {}
        self.summary: dict = {}
        self._sessions: list[RoomSession] | None = None

    def on_ticks(self, ticks: list[Tick]) -> None:
        rooms = self.rooms
        for tick in ticks:
            for room_tick in tick.rooms:
                snapshot = room_tick.snapshot
                state = rooms.get(snapshot.room)
                if state is None:
                    state = rooms[snapshot.room] = _RoomState(snapshot.room)
                state.take(snapshot, room_tick.alerts)
            for event in tick.host_actions:
                rooms[event.room].act(event)

    def close(self, summary: dict) -> None:
        self.summary = summary

    def sessions(self) -> list[RoomSession]:
        """Each room's session, rooms by name, once the run has ended."""
        if self._sessions is None:
            self._sessions = [self.rooms[name].session() for name in sorted(self.rooms)]
        return self._sessions
