"""What each widget shows, computed from a RoomView: plain values, no Textual.

Every reading is a frozen dataclass, so a widget's reactive skips the redraw
when nothing it shows has changed, and tests can check numbers without a screen.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass

from .. import formatting
from ..config import AlertRule, Benchmarks
from .. import catalog
from .. import alert_text
from ..rules import RESOLVED, SEVERITY_ORDER
from .i18n import tr
from .state import AlertEntry, RoomView

TREND_FLAT = 0.05  # changes under 5% show as flat
BASELINE_S = 600  # as alerts.md: median over (t - window - 600 s, t - window]
MIN_BASELINE_SAMPLES = 12  # a minute of samples, as the rules' min_baseline_ticks
DEFAULT_SAMPLE_FLOOR = 10  # rates without a rule: trust from this denominator on


def clock(t_ms: float | None) -> str:
    """Event time as a wall-clock reading in the local zone (set TZ for another zone)."""
    if t_ms is None:
        return "--:--:--"
    return time.strftime("%H:%M:%S", time.localtime(t_ms / 1000))


def speed_text(speed: float | None, lang: str) -> str:
    if speed is None:
        return "maks" if lang == "id" else "max"
    return f"{speed:g}x"


# ---------------------------------------------------------------- KPI tiles


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str  # label and widget id
    metric: str  # name in Snapshot.values
    per_min: bool = False  # a window count shown per minute
    trend: bool = True

    def value(self, values: dict, window_s: int) -> float | None:
        value = values[self.metric]
        if value is None or not self.per_min:
            return value
        return value * 60 / window_s

    def text(self, value: float | None, lang: str) -> str:
        return formatting.metric_value(self.metric, value, lang)


KPIS = (
    Kpi("viewers", "viewers"),
    Kpi("entries_per_min", "entries", per_min=True),
    Kpi("access_rate", "access_rate"),
    Kpi("avg_watch_s", "avg_watch_s"),
    Kpi("retention", "retention"),
    Kpi("interaction_rate", "interaction_rate"),
    Kpi("comments_per_min", "comments", per_min=True),
    Kpi("ctr", "ctr"),
    Kpi("click_to_order", "click_to_order"),
    Kpi("gmv_per_min", "gmv", per_min=True),
    Kpi("gmv_total", "gmv_total", trend=False),
    Kpi("gpm", "gpm"),
)


#: The metrics of the tiles: the engine keeps the rules' baselines of them for "vs biasanya".
SHOWN_BASELINES = tuple(dict.fromkeys(kpi.metric for kpi in KPIS))


@dataclass(frozen=True, slots=True)
class Reading:
    key: str
    label: str
    value: str
    trend: str  # e.g. "▲ 12,5% vs dasar"
    tone: str  # "up", "down", "flat" or "" (no baseline yet)
    reliable: bool
    target: str = ""  # the category target of [benchmarks], e.g. "target 8,0%"
    target_met: bool | None = None
    alert: str = ""  # severity of the worst alert firing on this metric ("" when none): the tile stays marked
    alert_seen: bool = False  # every alert firing on it is acknowledged or muted (marked, dimmer)


def sample_floor(metric: str, rules: list[AlertRule]) -> float:
    """The denominator below which a rate is not trusted: the same `min_sample` its rules use."""
    floors = [rule.min_sample for rule in rules if rule.enabled and rule.metric == metric]
    return max(floors) if floors else DEFAULT_SAMPLE_FLOOR


def baseline(room: RoomView, kpi: Kpi) -> float | None:
    """Median of the sampled values over the baseline span (like the alert baselines)."""
    snapshot = room.snapshot
    if snapshot is None:
        return None
    window_ms = snapshot.window_s * 1000
    high = snapshot.t - window_ms
    low = high - BASELINE_S * 1000
    values = []
    for t, sample in room.samples:
        if low < t <= high and sample["duration_s"] >= snapshot.window_s:  # a partial first window is no baseline
            value = kpi.value(sample, snapshot.window_s)
            if value is not None:
                values.append(value)
    if len(values) < MIN_BASELINE_SAMPLES:
        return None
    return statistics.median(values)


@dataclass(frozen=True, slots=True)
class AlertMark:
    severity: str  # the worst firing on the metric
    seen: bool  # all of them acknowledged or muted


def alert_marks(room: RoomView) -> dict[str, AlertMark]:
    """Metric -> its mark for every alert firing now: a tile stays marked until its alerts resolve."""
    marks: dict[str, AlertMark] = {}
    for entry in room.firing.values():
        metric, severity = entry.alert.metric, entry.alert.severity
        old = marks.get(metric)
        if old is not None and SEVERITY_ORDER.get(old.severity, 0) > SEVERITY_ORDER.get(severity, 0):
            severity = old.severity
        marks[metric] = AlertMark(severity, room.quiet(entry) and (old is None or old.seen))
    return marks


def reading(
    room: RoomView, kpi: Kpi, rules: list[AlertRule], lang: str, targets: Benchmarks | None = None,
    mark: AlertMark | None = None,
) -> Reading:
    snapshot = room.snapshot
    label = tr(kpi.key, lang)
    alert, seen = (mark.severity, mark.seen) if mark is not None else ("", False)
    if snapshot is None:
        return Reading(kpi.key, label, "–", "", "", False, alert=alert, alert_seen=seen)
    values = snapshot.values
    value = kpi.value(values, snapshot.window_s)
    if catalog.denominator(kpi.metric) is not None:
        denominator = snapshot.denominator(kpi.metric)
        reliable = value is not None and (denominator or 0) >= sample_floor(kpi.metric, rules)
    elif kpi.per_min:
        reliable = values["duration_s"] >= snapshot.window_s  # the first window is not full yet
    else:
        reliable = value is not None
    trend, tone = "", ""
    if not reliable:
        trend = tr("small_sample", lang) if value is not None else ""
    elif kpi.trend and (base := baseline(room, kpi)):
        change = (value - base) / abs(base)
        arrow, tone = ("▲", "up") if change > TREND_FLAT else ("▼", "down") if change < -TREND_FLAT else ("▶", "flat")
        trend = f"{arrow} {formatting.percent(abs(change), lang)} {tr('baseline', lang)}"
    goal = targets.target(kpi.metric) if targets is not None else None
    if goal is None:
        return Reading(kpi.key, label, kpi.text(value, lang), trend, tone, reliable, alert=alert, alert_seen=seen)
    met = None if value is None or not reliable else value >= goal
    target = f"{tr('target', lang)} {formatting.metric_value(kpi.metric, goal, lang)}"
    return Reading(kpi.key, label, kpi.text(value, lang), trend, tone, reliable, target, met, alert, seen)


def readings(room: RoomView, rules: list[AlertRule], lang: str, targets: Benchmarks | None = None) -> tuple[Reading, ...]:
    marks = alert_marks(room)
    return tuple(reading(room, kpi, rules, lang, targets, marks.get(kpi.metric)) for kpi in KPIS)


# ---------------------------------------------------------------- funnel

FUNNEL = ("impressions", "entries", "product_impressions", "product_clicks", "orders")


@dataclass(frozen=True, slots=True)
class FunnelStep:
    label: str
    count: str
    share: float  # bar length 0..1, log scale: orders would vanish next to impressions
    rate: str  # from the previous step; "" for the first


def funnel(room: RoomView, lang: str) -> tuple[FunnelStep, ...]:
    if room.snapshot is None:
        return ()
    values = room.snapshot.values
    counts = [values[name] for name in FUNNEL]
    top = math.log10(max(counts) + 1) or 1
    steps = []
    for index, (name, count) in enumerate(zip(FUNNEL, counts)):
        rate = ""
        if index:
            previous = counts[index - 1]
            rate = formatting.percent(count / previous, lang) if previous else "–"
        steps.append(FunnelStep(tr(name, lang), formatting.number(count, lang), math.log10(count + 1) / top, rate))
    return tuple(steps)


# ---------------------------------------------------------------- charts


@dataclass(frozen=True, slots=True)
class Chart:
    key: str
    kpi: Kpi
    scale: float  # plotted value = value * scale
    unit: tuple[str, str]  # (id, en)


CHARTS = (
    Chart("viewers", KPIS[0], 1, ("", "")),
    Chart("retention", KPIS[4], 100, ("%", "%")),
    Chart("interaction_rate", KPIS[5], 100, ("%", "%")),
    Chart("ctr", KPIS[7], 100, ("%", "%")),
    Chart("click_to_order", KPIS[8], 100, ("%", "%")),
    Chart("gmv_per_min", KPIS[9], 1e-3, ("rb", "K")),
)


@dataclass(frozen=True, slots=True)
class ChartData:
    title: str
    xs: tuple[float, ...]  # minutes before the room's clock (-30 .. 0)
    ys: tuple[float, ...]
    marks: tuple[tuple[float, str], ...]  # host actions: (x, action)


def chart(room: RoomView, spec: Chart, lang: str) -> ChartData:
    unit = spec.unit[0] if lang == "id" else spec.unit[1]
    title = tr(spec.key, lang) + (f" ({unit})" if unit else "")
    snapshot = room.snapshot
    if snapshot is None:
        return ChartData(title, (), (), ())
    now = snapshot.t
    xs, ys = [], []
    for t, values in room.samples:
        value = spec.kpi.value(values, snapshot.window_s)
        if value is not None:
            xs.append(round((t - now) / 60000, 3))
            ys.append(round(value * spec.scale, 4))
    horizon = now - room.history_ms
    marks = tuple(
        (round((action.ts - now) / 60000, 3), action.action)
        for action in room.actions
        if horizon <= action.ts <= now
    )
    if marks and spec.key == "viewers":  # the lines show when; the title says what was done last
        x, action = marks[-1]
        title += f" │ {action} {round(x)}m"
    return ChartData(title, tuple(xs), tuple(ys), marks)


# ---------------------------------------------------------------- alerts


@dataclass(frozen=True, slots=True)
class AlertRow:
    seq: int
    time: str
    severity: str
    state: str
    rule: str
    message: str
    acked: bool
    muted: bool


@dataclass(frozen=True, slots=True)
class Banner:
    """The alert to act on now: the worst firing one not yet acknowledged (or, when all are, the worst of those).

    Acknowledging does not make an alert go away: it stays here, counted,
    until the problem itself is over (the rule resolves).
    """

    seq: int
    severity: str
    rule: str
    time: str
    problem: str
    action: str
    active: int  # alerts firing and not muted, this one included
    acked: int  # of those, acknowledged

    @property
    def acknowledged(self) -> bool:
        """Every active alert, this one included, has been acknowledged."""
        return self.acked == self.active

    def count_text(self, lang: str) -> str:
        """'1 aktif, sudah dikonfirmasi' / '3 active, 1 acknowledged' / '2 active'."""
        if self.acknowledged:
            return tr("active_acked", lang, n=self.active)
        if self.acked:
            return tr("active_some_acked", lang, n=self.active, k=self.acked)
        return tr("active_count", lang, n=self.active)


@dataclass(frozen=True, slots=True)
class MutedRow:
    """A muted rule with the event time left before it speaks again."""

    rule: str
    metric: str  # its label in the language shown
    left: str  # e.g. "9m 12d"
    firing: bool  # its alert fires right now (silenced, not gone)


def message(entry: AlertEntry, rules: dict[str, AlertRule], lang: str) -> str:
    """The alert's message in the language shown now (alerts keep the values, not the words)."""
    return alert_text.message(entry.alert, rules.get(entry.alert.rule), lang)


def alert_rows(room: RoomView, rules: dict[str, AlertRule], lang: str) -> tuple[AlertRow, ...]:
    return tuple(
        AlertRow(
            entry.seq, clock(entry.alert.t), entry.alert.severity, entry.alert.state, entry.alert.rule,
            message(entry, rules, lang), room.is_acked(entry),
            entry.alert.state != RESOLVED and room.is_muted(entry.alert.rule),
        )
        for entry in room.alerts
    )


def banner(room: RoomView, rules: dict[str, AlertRule], lang: str) -> Banner | None:
    """None only when no unmuted alert fires: an acknowledged one keeps the banner until it resolves."""
    active = room.active()
    if not active:
        return None
    waiting = [entry for entry in active if not room.is_acked(entry)]
    entry = (waiting or active)[0]
    rule = rules.get(entry.alert.rule)
    problem, action = alert_text.problem(entry.alert, rule, lang), alert_text.action(entry.alert, rule, lang)
    if not action:  # a rule with one message: it is the advice
        problem, action = "", problem
    return Banner(
        entry.seq, entry.alert.severity, entry.alert.rule, clock(entry.alert.t), problem, action,
        len(active), len(active) - len(waiting),
    )


def muted_rows(room: RoomView, rules: dict[str, AlertRule], lang: str) -> tuple[MutedRow, ...]:
    t = room.t or 0
    rows = []
    for name, until in room.mutes():
        rule = rules.get(name)
        metric = catalog.label(rule.metric, lang) if rule is not None else ""
        left = formatting.seconds(max(0.0, (until - t) / 1000), lang)
        rows.append(MutedRow(name, metric, left, name in room.firing))
    return tuple(rows)


# ---------------------------------------------------------------- header


@dataclass(frozen=True, slots=True)
class Header:
    room: str
    source: str
    feed: str  # replay / live state word
    feed_tone: str  # "ok", "warn", "bad"
    clock: str
    elapsed: str
    speed: str  # "5x", "maks", "JEDA", "mencari 19:02:00"
    paused: bool
    counts: str  # events / rejected / late


FEED_TONES = {
    "connected": "ok", "replay": "ok", "connecting": "warn", "offline": "warn", "ended": "warn", "disconnected": "bad",
    "error": "bad",
}
