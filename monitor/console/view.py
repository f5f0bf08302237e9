"""What each widget shows, computed from a RoomView: plain values, no Textual.

Every reading is a frozen dataclass, so a widget's reactive skips the redraw
when nothing it shows has changed, and tests can check numbers without a screen.
Numbers come from the snapshot and the catalogue; "vs biasanya" is the rules'
own baseline of the metric (RoomTick.usual), never a second median of ours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import alert_text, catalog, formatting, words
from ..config import AlertRule, Benchmarks
from ..rules import RESOLVED, SEVERITY_ORDER
from .i18n import tr
from .state import AlertEntry, Comment, RoomView

TREND_FLAT = 0.05  # changes under 5% show as flat
DEFAULT_SAMPLE_FLOOR = 10  # rates without a rule: trust from this denominator on


def clock(t_ms: float | None, tz: str, lang: str) -> str:
    """Event time on the broadcast's clock (`[display] timezone`), never the machine's."""
    return formatting.clock_time(t_ms, tz, lang)


def speed_text(speed: float | None, lang: str) -> str:
    if speed is None:
        return "maks" if lang == "id" else "max"
    return f"{speed:g}x"


def value_text(metric: str, value: float | None, lang: str) -> str:
    """A metric's value as the console writes it: spans of time as people say them ("1 mnt 25 dtk")."""
    if value is not None and catalog.unit(metric) == "seconds":
        return formatting.duration(value, lang)
    return formatting.metric_value(metric, value, lang)


# ---------------------------------------------------------------- KPI tiles


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str  # label and widget id
    metric: str  # name in the catalogue
    trend: bool = True

    @property
    def per_min(self) -> bool:
        """A window count shown per minute: the catalogue says which."""
        return catalog.metric(self.metric).per_minute

    def scale(self, window_s: int) -> float:
        """What a value of the metric is multiplied by on the tile (a window count per minute)."""
        return 60 / window_s if self.per_min else 1.0

    def value(self, values: dict, window_s: int) -> float | None:
        """The tile's value in a snapshot's values (or a sample's)."""
        value = values.get(self.metric)
        if value is None or not self.per_min:
            return value
        return value * self.scale(window_s)

    def text(self, value: float | None, lang: str) -> str:
        return value_text(self.metric, value, lang)

    def label(self, lang: str) -> str:
        """The catalogue's name of the metric, per minute for a window count shown per minute ("Masuk/menit")."""
        metric = catalog.metric(self.metric)
        return metric.per_minute_label(lang) if self.per_min else metric.label(lang)


KPIS = (
    Kpi("viewers", "viewers"),
    Kpi("entries_per_min", "entries"),
    Kpi("access_rate", "access_rate"),
    Kpi("avg_watch_s", "avg_watch_s"),
    Kpi("retention", "retention"),
    Kpi("interaction_rate", "interaction_rate"),
    Kpi("comments_per_min", "comments"),
    Kpi("ctr", "ctr"),
    Kpi("click_to_order", "click_to_order"),
    Kpi("gmv_per_min", "gmv"),
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
    trend: str  # e.g. "▲ 12,5% vs biasanya"
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


def usual(room: RoomView, kpi: Kpi) -> float | None:
    """What is usual for the tile: the baseline the rules judge its metric against, scaled like the value."""
    base = room.usual.get(kpi.metric)
    if base is None or room.snapshot is None:
        return None
    return base * kpi.scale(room.snapshot.window_s)


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
    label = kpi.label(lang)
    alert, seen = (mark.severity, mark.seen) if mark is not None else ("", False)
    if snapshot is None:
        return Reading(kpi.key, label, "–", "", "", False, alert=alert, alert_seen=seen)
    values = snapshot.values
    value = kpi.value(values, snapshot.window_s)
    if catalog.denominator(kpi.metric) is not None:
        denominator = snapshot.denominator(kpi.metric)
        reliable = value is not None and (denominator or 0) >= sample_floor(kpi.metric, rules)
    elif kpi.per_min:
        reliable = (values.get("duration_s") or 0) >= snapshot.window_s  # the first window is not full yet
    else:
        reliable = value is not None
    trend, tone = "", ""
    if not reliable:
        trend = tr("small_sample", lang) if value is not None else ""
    elif kpi.trend and (base := usual(room, kpi)):
        change = (value - base) / abs(base)
        arrow, tone = ("▲", "up") if change > TREND_FLAT else ("▼", "down") if change < -TREND_FLAT else ("▶", "flat")
        trend = f"{arrow} {formatting.percent(abs(change), lang)} {tr('baseline', lang)}"
    goal = targets.target(kpi.metric) if targets is not None else None
    if goal is None:
        return Reading(kpi.key, label, kpi.text(value, lang), trend, tone, reliable, alert=alert, alert_seen=seen)
    met = None if value is None or not reliable else value >= goal
    target = f"{tr('target', lang)} {value_text(kpi.metric, goal, lang)}"
    return Reading(kpi.key, label, kpi.text(value, lang), trend, tone, reliable, target, met, alert, seen)


def readings(room: RoomView, rules: list[AlertRule], lang: str, targets: Benchmarks | None = None) -> tuple[Reading, ...]:
    marks = alert_marks(room)
    return tuple(reading(room, kpi, rules, lang, targets, marks.get(kpi.metric)) for kpi in KPIS)


# ---------------------------------------------------------------- funnel

#: The funnel's steps, each with the catalogue rate that leads to it from the step before. Product views
#: per entry is no share (one viewer sees many product cards): it reads as a ratio, "8,9 per masuk".
FUNNEL: tuple[tuple[str, str | None], ...] = (
    ("impressions", None),
    ("entries", "access_rate"),
    ("product_impressions", None),
    ("product_clicks", "ctr"),
    ("orders", "click_to_order"),
)


@dataclass(frozen=True, slots=True)
class FunnelStep:
    label: str
    count: str
    share: float  # bar length 0..1, log scale: orders would vanish next to impressions
    rate: str  # from the previous step ("16,7% Rasio akses", "8,9 per masuk"); "" for the first


def funnel(room: RoomView, lang: str) -> tuple[FunnelStep, ...]:
    snapshot = room.snapshot
    if snapshot is None:
        return ()
    counts = [snapshot.metric(name) or 0 for name, _ in FUNNEL]
    top = math.log10(max(counts) + 1) or 1
    steps = []
    for index, ((name, rate), count) in enumerate(zip(FUNNEL, counts)):
        text = ""
        if rate is not None:
            value = snapshot.metric(rate)
            text = "–" if value is None else f"{formatting.percent(value, lang)} {catalog.label(rate, lang)}"
        elif index:
            previous = counts[index - 1]
            text = f"{formatting.number(count / previous, lang, 1)} {tr('per_' + FUNNEL[index - 1][0], lang)}" if previous else "–"
        steps.append(FunnelStep(catalog.label(name, lang), formatting.number(count, lang), math.log10(count + 1) / top, text))
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
Y_TICKS = 5


@dataclass(frozen=True, slots=True)
class ChartData:
    title: str
    xs: tuple[float, ...]  # minutes before the room's clock (-30 .. 0)
    ys: tuple[float, ...]
    usual_xs: tuple[float, ...] = ()  # the baseline a drop / rise rule judges against, as it went
    usual_ys: tuple[float, ...] = ()
    thresholds: tuple[float, ...] = ()  # a below / above rule's threshold
    marks: tuple[tuple[float, str], ...] = ()  # host actions: (x, what was done, in the language shown)
    yticks: tuple[tuple[float, str], ...] = ()  # (value, label written the language's way)


def chart(room: RoomView, spec: Chart, rules: list[AlertRule], lang: str) -> ChartData:
    unit = words.pick(spec.unit, lang)
    title = spec.kpi.label(lang) + (f" ({unit})" if unit else "")
    snapshot = room.snapshot
    if snapshot is None:
        return ChartData(title, (), ())
    now, window_s, kpi = snapshot.t, snapshot.window_s, spec.kpi
    factor = kpi.scale(window_s) * spec.scale
    watching = [rule for rule in rules if rule.enabled and rule.metric == kpi.metric]
    with_baseline = any(rule.kind in ("drop", "rise") for rule in watching)
    thresholds = tuple(sorted({
        round(rule.threshold * factor, 4) for rule in watching if rule.kind in ("below", "above") and rule.threshold is not None
    }))
    xs, ys, usual_xs, usual_ys = [], [], [], []
    for t, values, usual_then in room.samples:
        x = round((t - now) / 60000, 3)
        value = values.get(kpi.metric)
        if value is not None:
            xs.append(x)
            ys.append(round(value * factor, 4))
        base = usual_then.get(kpi.metric) if with_baseline else None
        if base is not None:
            usual_xs.append(x)
            usual_ys.append(round(base * factor, 4))
    horizon = now - room.history_ms
    marks = tuple(
        (round((action.ts - now) / 60000, 3), words.host_action(action.action, lang))
        for action in room.actions
        if horizon <= action.ts <= now
    )
    return ChartData(title, tuple(xs), tuple(ys), tuple(usual_xs), tuple(usual_ys), thresholds, marks,
                     yticks(ys + usual_ys + list(thresholds), lang))


@dataclass(frozen=True, slots=True)
class Legend:
    """What the charts' lines are, once under all of them (a chart's own title keeps to its metric's name)."""

    value: str
    usual: str
    threshold: str
    action: str
    last_action: str  # "sematkan produk, 8 mnt lalu" ("" when none in the last 30 minutes)


def legend(room: RoomView, lang: str) -> Legend:
    last = ""
    if room.snapshot is not None:
        now = room.snapshot.t
        recent = [action for action in room.actions if now - room.history_ms <= action.ts <= now]
        if recent:
            ago = formatting.duration((now - recent[-1].ts) / 1000, lang)
            last = tr("last_action", lang, action=words.host_action(recent[-1].action, lang), ago=ago)
    return Legend(tr("legend_value", lang), tr("legend_usual", lang), tr("legend_threshold", lang),
                  tr("legend_action", lang), last)


def yticks(values: list[float], lang: str) -> tuple[tuple[float, str], ...]:
    """Evenly spaced ticks over what is drawn, written with the language's decimal mark."""
    if not values:
        return ()
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    span = high - low
    digits = 0 if span >= 10 else 1 if span >= 1 else 2
    step = span / (Y_TICKS - 1)
    return tuple((low + i * step, formatting.number(low + i * step, lang, digits)) for i in range(Y_TICKS))


# ---------------------------------------------------------------- alerts


@dataclass(frozen=True, slots=True)
class AlertRow:
    seq: int
    time: str
    severity: str
    state: str
    rule: str  # the rule's id (keys, tests)
    name: str  # the rule as a person says it ("Retensi turun")
    message: str
    acked: bool
    muted: bool
    ongoing: bool  # a firing record whose problem is not over yet (False once its rule resolved)


@dataclass(frozen=True, slots=True)
class Banner:
    """The alert to act on now: the worst firing one not yet acknowledged (or, when all are, the worst of those).

    Acknowledging does not make an alert go away: it stays here, counted,
    until the problem itself is over (the rule resolves).
    """

    seq: int
    severity: str
    rule: str  # id
    name: str  # as shown
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

    rule: str  # id
    name: str  # as shown
    metric: str  # its label in the language shown
    left: str  # e.g. "9 mnt 12 dtk"
    firing: bool  # its alert fires right now (silenced, not gone)


def message(entry: AlertEntry, rules: dict[str, AlertRule], lang: str) -> str:
    """The alert's message in the language shown now (alerts keep the values, not the words)."""
    return alert_text.message(entry.alert, rules.get(entry.alert.rule), lang)


def alert_rows(room: RoomView, rules: dict[str, AlertRule], lang: str, tz: str) -> tuple[AlertRow, ...]:
    return tuple(alert_row(room, entry, rules, lang, tz) for entry in room.alerts)


def alert_row(room: RoomView, entry: AlertEntry, rules: dict[str, AlertRule], lang: str, tz: str) -> AlertRow:
    alert = entry.alert
    ongoing = room.still_firing(entry)
    return AlertRow(
        entry.seq, clock(alert.t, tz, lang), alert.severity, alert.state, alert.rule,
        words.rule(alert.rule, rules, lang), message(entry, rules, lang), room.is_acked(entry),
        ongoing and room.is_muted(alert.rule), ongoing,
    )


def banner(room: RoomView, rules: dict[str, AlertRule], lang: str, tz: str) -> Banner | None:
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
        entry.seq, entry.alert.severity, entry.alert.rule, words.rule(entry.alert.rule, rules, lang),
        clock(entry.alert.t, tz, lang), problem, action, len(active), len(active) - len(waiting),
    )


def muted_rows(room: RoomView, rules: dict[str, AlertRule], lang: str) -> tuple[MutedRow, ...]:
    t = room.t or 0
    rows = []
    for name, until in room.mutes():
        rule = rules.get(name)
        metric = catalog.label(rule.metric, lang) if rule is not None else ""
        left = formatting.duration(max(0.0, (until - t) / 1000), lang)
        rows.append(MutedRow(name, words.rule(name, rules, lang), metric, left, name in room.firing))
    return tuple(rows)


# ---------------------------------------------------------------- comments


@dataclass(frozen=True, slots=True)
class Said:
    """A comment or a question as the screen lists it: when (on the broadcast's clock), who, what."""

    time: str
    user: str
    text: str


def said(comments: list[Comment], lang: str, tz: str) -> tuple[Said, ...]:
    return tuple(Said(clock(comment.ts, tz, lang), comment.user, comment.text) for comment in comments)


# ---------------------------------------------------------------- header


@dataclass(frozen=True, slots=True)
class Header:
    room: str
    source: str
    feed: str  # replay / live state word
    feed_tone: str  # "ok", "warn", "bad"
    clock: str
    elapsed: str
    speed: str  # "5x", "maks", "JEDA", "mencari 19.02.00"
    paused: bool
    counts: str  # events / rejected / late


FEED_TONES = {
    "connected": "ok", "replay": "ok", "connecting": "warn", "offline": "warn", "ended": "warn", "disconnected": "bad",
    "error": "bad",
}


# ---------------------------------------------------------------- the end of the run

#: What the end of a run sums up for the room shown, from the snapshot and the catalogue.
END_METRICS = ("duration_s", "gmv_total", "orders_total", "peak_viewers")


def end_summary(room: RoomView | None, summary: dict | None, command: str | None, live: bool, lang: str) -> tuple[str, ...]:
    """Two lines once the run has ended: what the broadcast came to, and the command that makes its report.

    Empty while the run goes on. Without a recording (a live feed watched
    without `--record`) the second line says how to keep the next one.
    """
    if summary is None:
        return ()
    parts = [tr("run_ended_live" if live else "run_ended_replay", lang)]
    snapshot = room.snapshot if room is not None else None
    if snapshot is not None:
        parts += [f"{catalog.label(name, lang)} {value_text(name, snapshot.metric(name), lang)}" for name in END_METRICS]
        fired = sum(1 for entry in room.alerts if entry.alert.state != RESOLVED)
        parts.append(tr("alerts_fired", lang, n=formatting.number(fired, lang)))
    parts.append(tr("events_taken", lang, n=formatting.number(summary.get("events", 0), lang)))
    report = tr("report_command", lang, command=command) if command else tr("no_recording", lang)
    return (" · ".join(parts), report)
