"""What the console keeps of the stream: the ConsoleSink and one RoomView per room.

The pipeline may push thousands of ticks a second (replay at max speed); the
sink only stores the newest snapshot, a sampled 30-minute history for charts
and baselines, the alert records and the latest comments, and bumps a version
counter. The screen redraws from here on its own timer, never once per event.
No Textual in this module: it also runs in the seek thread.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from itertools import islice
from typing import Callable

from ..engine import Tick
from ..events import Event
from ..metrics import Snapshot
from ..questions import MAX_COMMENT_CHARS
from ..rules import FIRING, SEVERITY_ORDER, Alert
from ..sinks import Sink
from ..viewer_text import clean

HISTORY_S = 1800  # charts show the last 30 minutes
SAMPLE_S = 5  # one history point per 5 s of event time
COMMENT_BUFFER = 4000  # comments may arrive a batch ahead of the paced ticks
ALERT_HISTORY = 200
MUTE_S = 600
QUESTION_BUFFER = 500  # the latest questions kept per room (the list shows a screenful of them)

Classify = Callable[[str], tuple[str, ...]]  # the engine's question classifier: a comment's topics


@dataclass(slots=True)
class Comment:
    ts: float
    user: str
    text: str  # cleaned for the screen
    said: str = ""  # as the feed sent it (up to what the classifier reads): what the engine classified


@dataclass(frozen=True, slots=True)
class Question:
    """A comment the engine counts as a question, with the topics it asks about."""

    ts: float
    user: str
    text: str
    topics: tuple[str, ...]


@dataclass(slots=True)
class HostAction:
    ts: float
    action: str
    note: str


@dataclass(slots=True)
class AlertEntry:
    """One alert record as the panel lists it; `seq` is its stable key."""

    seq: int
    alert: Alert


@dataclass
class RoomView:
    """Everything the dashboard of one room draws."""

    name: str
    sample_ms: int = SAMPLE_S * 1000
    history_ms: int = HISTORY_S * 1000
    snapshot: Snapshot | None = None
    usual: dict = field(default_factory=dict)  # metric -> the rules' baseline of it at the latest tick (RoomTick.usual)
    samples: deque = field(default_factory=deque)  # (t, values, usual) every sample_ms
    alerts: deque = field(default_factory=lambda: deque(maxlen=ALERT_HISTORY))  # newest first
    firing: dict[str, AlertEntry] = field(default_factory=dict)
    comments: deque = field(default_factory=lambda: deque(maxlen=COMMENT_BUFFER))
    comments_taken: int = 0  # every comment ever appended (the deque forgets the oldest)
    questions: deque = field(default_factory=lambda: deque(maxlen=QUESTION_BUFFER))
    _asked_upto: int = 0  # comments_taken when the questions were last brought up to date
    actions: deque = field(default_factory=lambda: deque(maxlen=500))
    muted: dict[str, float] = field(default_factory=dict)  # rule -> event time it speaks again
    acked: set[tuple[str, int]] = field(default_factory=set)  # (rule, t) of acknowledged records
    alerts_version: int = 0
    samples_version: int = 0
    _slot: int | None = None
    _seq: int = 0

    def take(self, snapshot: Snapshot, alerts: list[Alert], usual: dict | None = None) -> None:
        self.snapshot = snapshot
        self.usual = usual or {}
        t = snapshot.t
        slot = t // self.sample_ms
        if slot != self._slot:
            self._slot = slot
            samples = self.samples
            samples.append((t, snapshot.values, self.usual))
            horizon = t - self.history_ms
            while samples[0][0] < horizon:
                samples.popleft()
            self.samples_version += 1
        for alert in alerts:
            self._seq += 1
            entry = AlertEntry(self._seq, alert)
            self.alerts.appendleft(entry)
            if alert.state == FIRING:
                self.firing[alert.rule] = entry
            else:
                self.firing.pop(alert.rule, None)
            self.alerts_version += 1

    @property
    def t(self) -> int | None:
        return None if self.snapshot is None else self.snapshot.t

    # ------------------------------------------------------------ operator marks

    def is_muted(self, rule: str) -> bool:
        until = self.muted.get(rule)
        return until is not None and self.t is not None and self.t < until

    def is_acked(self, entry: AlertEntry) -> bool:
        return (entry.alert.rule, entry.alert.t) in self.acked

    def ack(self, entry: AlertEntry) -> None:
        self.acked.add((entry.alert.rule, entry.alert.t))
        self.alerts_version += 1

    def mute(self, rule: str, seconds: float = MUTE_S) -> None:
        """Mute a rule for `seconds` of event time (a replay at 30x keeps the same meaning)."""
        self.muted[rule] = (self.t or 0) + seconds * 1000
        self.alerts_version += 1

    def unmute(self, rule: str) -> None:
        if self.muted.pop(rule, None) is not None:
            self.alerts_version += 1

    def mutes(self) -> list[tuple[str, float]]:
        """(rule, event time it speaks again) of the mutes still running, the soonest to end first."""
        return sorted(((rule, until) for rule, until in self.muted.items() if self.is_muted(rule)), key=lambda mute: mute[1])

    def carry_marks(self, other: "RoomView") -> None:
        """Keep the operator's acks and mutes across a seek (a rebuilt view)."""
        self.muted.update(other.muted)
        self.acked |= other.acked

    # ------------------------------------------------------------ reading

    def active(self) -> list[AlertEntry]:
        """Firing alerts the operator has not muted, worst first, then newest."""
        entries = [entry for entry in self.firing.values() if not self.is_muted(entry.alert.rule)]
        entries.sort(key=lambda entry: (-SEVERITY_ORDER.get(entry.alert.severity, 0), -entry.seq))
        return entries

    def still_firing(self, entry: AlertEntry) -> bool:
        """A firing record whose problem is not over: its rule has not resolved since."""
        return self.firing.get(entry.alert.rule) is entry

    def quiet(self, entry: AlertEntry) -> bool:
        """Acknowledged or muted: the operator has seen it (it still counts as active until it resolves)."""
        return self.is_acked(entry) or self.is_muted(entry.alert.rule)

    def worst(self) -> str | None:
        """Severity of the worst firing, unmuted alert (colours the room's tab)."""
        active = self.active()
        return active[0].alert.severity if active else None

    def add_comment(self, comment: Comment) -> None:
        self.comments.append(comment)
        self.comments_taken += 1

    def ask(self, classify: Classify | None) -> None:
        """Bring the questions up to date: classify the comments taken since the last call, once each.

        `classify` is the engine's own classifier (cached), so the list holds
        exactly the comments the engine counts in `questions_<topic>`. Called
        where the list is drawn, so a view rebuilt by a seek fills itself too.
        """
        new = min(self.comments_taken - self._asked_upto, len(self.comments))
        self._asked_upto = self.comments_taken
        if classify is None or new <= 0:
            return
        fresh = list(islice(reversed(self.comments), new))
        for comment in reversed(fresh):
            topics = classify(comment.said) if comment.said else ()
            if topics:
                self.questions.append(Question(comment.ts, comment.user, comment.text, topics))

    def visible_questions(self, limit: int) -> list[Question]:
        """The newest questions up to the room's clock, newest first."""
        return _on_air(self.questions, self.t, limit)

    def visible_comments(self, limit: int) -> list[Comment]:
        """The newest comments up to the room's clock, newest first."""
        return _on_air(self.comments, self.t, limit)


def _on_air(said: deque, t: int | None, limit: int) -> list:
    """The newest of `said` at or before `t`, newest first (what was read ahead of the paced ticks waits)."""
    out = []
    for item in reversed(said):
        if t is not None and item.ts > t:
            continue
        out.append(item)
        if len(out) >= limit:
            break
    return out


class ConsoleSink(Sink):
    """The console's sink: keeps the latest state per room, cheap per event."""

    def __init__(self, *, room: str | None = None) -> None:
        self.room_filter = room
        self.rooms: dict[str, RoomView] = {}
        self.position: int | None = None  # the newest tick released
        self.status = ""
        self.detail = ""
        self.summary: dict | None = None
        self.version = 0
        self.criticals = 0  # new critical firings of unmuted rules so far: each one calls the assistant
        self.latest_critical: tuple[str, AlertEntry] | None = None  # (room, entry) of the newest

    def room(self, name: str) -> RoomView:
        view = self.rooms.get(name)
        if view is None:
            view = self.rooms[name] = RoomView(name)
        return view

    def on_events(self, items: list) -> None:
        """Keep the comments' text (the engine counts comments but keeps no text)."""
        room_filter = self.room_filter
        for item in items:
            if type(item) is Event and item.type == "comment":
                if room_filter is not None and item.room != room_filter:
                    continue
                said = item.text[:MAX_COMMENT_CHARS] if isinstance(item.text, str) else ""
                self.room(item.room).add_comment(Comment(item.ts, clean(item.user, 40), clean(item.text), said))

    def on_ticks(self, ticks: list[Tick]) -> None:
        for tick in ticks:
            for room_tick in tick.rooms:
                view = self.room(room_tick.snapshot.room)
                view.take(room_tick.snapshot, room_tick.alerts, room_tick.usual)
                for alert in room_tick.alerts:
                    if alert.state == FIRING and alert.severity == "critical" and not view.is_muted(alert.rule):
                        self.criticals += 1
                        self.latest_critical = (view.name, view.firing[alert.rule])
            for event in tick.host_actions:
                self.room(event.room).actions.append(HostAction(event.ts, clean(event.action, 40), clean(event.note, 80)))
            self.position = tick.t
        self.version += 1

    def on_status(self, state: str, detail: str = "") -> None:
        self.status = state
        self.detail = detail
        self.version += 1

    def close(self, summary: dict) -> None:
        self.summary = summary
        self.status = "ended"
        self.version += 1

    def carry_marks(self, other: "ConsoleSink") -> None:
        for name, view in other.rooms.items():
            self.room(name).carry_marks(view)
