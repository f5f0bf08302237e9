"""The alert engine of docs/alerts.md.

Per rule and room: inactive -> pending -> firing -> resolved (-> inactive after
the cooldown). A rule whose value is null, or whose sample is below
`min_sample`, is not judged that tick and keeps its state, so a quiet minute
neither raises nor clears an alert.
"""

from __future__ import annotations

from typing import Any
from collections import deque
from dataclasses import dataclass

from . import catalog
from .catalog import Number
from .config import AlertRule
from .metrics import Snapshot
from .windows import RollingMedian

INACTIVE, PENDING, FIRING, RESOLVED = "inactive", "pending", "firing", "resolved"
SEVERITY_ORDER = {"info": 0, "warning": 1, "critical": 2}


@dataclass(slots=True)
class Alert:
    """One firing or resolving: data only; its words are chosen where it is shown (monitor/alert_text.py)."""

    room: str
    t: int
    rule: str
    severity: str
    state: str
    metric: str
    value: Number | None
    baseline: Number | None
    threshold: Number | None

    def as_dict(self) -> dict[str, object]:
        """The record of alerts.md but its words (the writer adds `message` in its language)."""
        return {
            "room": self.room, "t": self.t, "rule": self.rule, "severity": self.severity,
            "state": self.state, "metric": self.metric, "value": self.value,
            "baseline": self.baseline, "threshold": self.threshold,
        }


class Baseline:
    """Median of a metric's non-null ticks over `(t - window - baseline_s, t - window]`."""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (engine checkpoints) as its constructor's arguments and its state: compiled, it has no other way."""
        return (Baseline, (self._window_ticks, self._median.ticks), self.__getstate__())

    def __init__(self, window_ticks: int, baseline_ticks: int) -> None:
        self._delay: deque[Number | None] = deque()
        self._window_ticks = window_ticks
        self._median = RollingMedian(baseline_ticks)

    def push(self, value: Number | None) -> None:
        # Pushed after judging tick t: the last window - 1 values (ticks t - window + 2 .. t)
        # wait here, so at the next judgement (t + 1) the median's newest tick is (t + 1) - window.
        self._delay.append(value)
        if len(self._delay) > self._window_ticks - 1:
            self._median.push(self._delay.popleft())
        else:
            self._median.push(None)  # the tick that would enter lies before the room began

    @property
    def ticks(self) -> int:
        return len(self._median)

    def value(self) -> Number | None:
        return self._median.median()


@dataclass(slots=True)
class Verdict:
    holds: bool | None  # None: not judged this tick
    value: Number | None
    baseline: Number | None
    threshold: Number | None


def value_of(metric: catalog.Metric, snapshot: Snapshot, values: dict[str, Number | None] | None) -> Number | None:
    """The metric's value in the snapshot, read once per tick when `values` keeps what was read."""
    if values is None:
        return metric.of(snapshot)
    name = metric.name
    if name in values:
        return values[name]
    value = values[name] = metric.of(snapshot)
    return value


def judge(rule: AlertRule, snapshot: Snapshot, baseline: Baseline | None, past: Number | None = None,
          values: dict[str, Number | None] | None = None) -> Verdict:
    """Is the rule's condition true at this tick?

    `past` is the room's own median from earlier broadcasts: a drop / rise
    rule uses it while this broadcast is too young for a baseline of its own.
    `values`: the metrics already read from this snapshot (the rules of a room share them).
    """
    if rule.kind == "stale":
        silence = (snapshot.t - snapshot.last_event_ts) / 1000
        return Verdict(silence >= rule.for_s, silence, None, rule.for_s)
    metric = catalog.metric(rule.metric)
    value = value_of(metric, snapshot, values)
    denominator = None if metric.denominator is None else snapshot.get(metric.denominator)
    if value is None or (denominator is not None and denominator < rule.min_sample):
        return Verdict(None, value, None, None)
    if rule.kind == "below" or rule.kind == "above":
        threshold = rule.threshold
        assert threshold is not None  # config.py requires one of a below or above rule
        holds = value < threshold if rule.kind == "below" else value > threshold
        return Verdict(holds, value, None, threshold)
    assert baseline is not None and rule.change_pct is not None  # a drop or rise rule has both
    base = baseline.value()
    enough = baseline.ticks >= rule.min_baseline_ticks and (denominator is not None or baseline.ticks >= rule.min_sample)
    if not enough and past is not None:
        base, enough = past, True
    if base is None or not enough or base == 0:
        return Verdict(None, value, base, None)
    factor = rule.change_pct / 100
    if rule.kind == "drop":
        limit = base * (1 - factor)
        return Verdict(value < limit, value, base, limit)
    limit = base * (1 + factor)
    return Verdict(value > limit, value, base, limit)


class RuleState:
    """The state machine of one rule in one room.

    A tick the rule cannot judge holds the state and also stops the clocks of
    `for_s` and `clear_s`: only judged time counts, so a rule cannot fire on
    the first judged tick after a gap in its data.
    """

    __slots__ = ("state", "since", "clear_since", "resolved_at", "last_t")

    def __init__(self) -> None:
        self.state = INACTIVE
        self.since = 0
        self.clear_since: int | None = None
        self.resolved_at = 0
        self.last_t: int | None = None

    def step(self, rule: AlertRule, t: int, holds: bool | None) -> str | None:
        """Advance one tick; return FIRING or RESOLVED when that transition happens."""
        gap = 0 if self.last_t is None else t - self.last_t
        self.last_t = t
        if self.state == RESOLVED:
            if t - self.resolved_at < rule.cooldown_s * 1000:
                return None
            self.state = INACTIVE
        if holds is None:
            self.since += gap
            if self.clear_since is not None:
                self.clear_since += gap
            return None
        if self.state == INACTIVE:
            if not holds:
                return None
            self.state, self.since = PENDING, t
        if self.state == PENDING:
            if not holds:
                self.state = INACTIVE
                return None
            if t - self.since >= rule.pending_s * 1000:
                self.state, self.clear_since = FIRING, None
                return FIRING
            return None
        # firing
        if holds:
            self.clear_since = None
            return None
        if self.clear_since is None:
            self.clear_since = t
        if t - self.clear_since >= rule.clear_s * 1000:
            self.state, self.resolved_at = RESOLVED, t
            return RESOLVED
        return None


class RoomAlerts:
    """All rules for one room: baselines shared per metric, a state per rule."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (RoomAlerts, (self.room, self.rules, self.window_ticks, self.tick_s, self.past, self.shown), self.__getstate__())

    def __init__(
        self, room: str, rules: list[AlertRule], window_ticks: int, tick_s: int, past: dict[str, Number | None] | None = None,
        shown: tuple[str, ...] = (),
    ) -> None:
        self.room = room
        self.past = past or {}  # the room's median per metric from earlier broadcasts, if asked for
        self.window_ticks = window_ticks
        self.tick_s = tick_s
        self.shown = shown  # metrics whose baseline a screen shows ("vs biasanya"), rules or not
        self.baselines: dict[tuple[str, int], Baseline] = {}
        self.states: dict[str, RuleState] = {}
        self.rules: list[AlertRule] = []
        self._usual: dict[str, tuple[tuple[str, int], int]] = {}  # metric -> (its baseline's key, ticks it needs)
        self._pushes: list[tuple[Baseline, catalog.Metric]] = []  # each baseline and its metric
        self.set_rules(rules)

    def set_rules(self, rules: list[AlertRule]) -> None:
        """Swap rules while running; a rule kept by name keeps its state."""
        self.rules = list(rules)
        self.states = {rule.name: self.states.get(rule.name, RuleState()) for rule in rules}
        self._usual = {}
        for rule in rules:
            if rule.kind in ("drop", "rise"):
                key = (rule.metric, rule.baseline_s)
                if key not in self.baselines:
                    self.baselines[key] = Baseline(self.window_ticks, max(1, rule.baseline_s // self.tick_s))
                if rule.enabled:
                    self._usual.setdefault(rule.metric, (key, rule.min_baseline_ticks))
        default = AlertRule.model_fields
        for metric in self.shown:  # a metric no rule watches: the rules' default baseline
            if metric not in self._usual:
                key = (metric, default["baseline_s"].default)
                if key not in self.baselines:
                    self.baselines[key] = Baseline(self.window_ticks, max(1, key[1] // self.tick_s))
                self._usual[metric] = (key, default["min_baseline_ticks"].default)
        self._pushes = [(baseline, catalog.metric(metric)) for (metric, _), baseline in self.baselines.items()]

    def usual(self) -> dict[str, Number | None]:
        """What is usual for each shown metric now: the baseline its rule judges against (None: too young)."""
        out: dict[str, Number | None] = {}
        for metric in self.shown:
            key, needed = self._usual[metric]
            baseline = self.baselines[key]
            out[metric] = baseline.value() if baseline.ticks >= needed else None
        return out

    def evaluate(self, snapshot: Snapshot) -> list[Alert]:
        """This tick's firings and resolvings (`usual()` before it is the baseline the tick was judged on)."""
        alerts = []
        judged = []
        values: dict[str, Number | None] = {}
        for rule in self.rules:
            if rule.enabled:
                baseline = self.baselines.get((rule.metric, rule.baseline_s)) if rule.kind in ("drop", "rise") else None
                past = self.past.get(rule.metric) if baseline is not None else None
                judged.append((rule, judge(rule, snapshot, baseline, past, values)))
        # A silent feed makes every other number look bad (no likes, no clicks):
        # while a stale rule holds, the other rules are held, not judged.
        silent = any(verdict.holds for rule, verdict in judged if rule.kind == "stale")
        for rule, verdict in judged:
            holds = None if silent and rule.kind != "stale" else verdict.holds
            change = self.states[rule.name].step(rule, snapshot.t, holds)
            if change is not None:
                alerts.append(Alert(
                    self.room, snapshot.t, rule.name, rule.severity, change, rule.metric,
                    verdict.value, verdict.baseline, verdict.threshold,
                ))
        # the baselines take this tick's values after judging it
        for baseline, metric in self._pushes:
            baseline.push(value_of(metric, snapshot, values))
        return alerts

    def firing(self) -> list[str]:
        return [name for name, state in self.states.items() if state.state == FIRING]
