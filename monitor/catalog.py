"""The metric catalogue: every number livemon shows, one entry each.

Each entry says what kind of number a metric is (a window count, a gauge, a
rate of two counters, a session value), how it is written (count, share,
money, seconds), its name in both languages and what it is used for (a
category target, a per-minute tile). Everything that needs a list of metrics
derives it from here: the headless record, the rules' metric names and sample
sizes, the labels and number formats, the console's tiles, the report's
minute table and headline, the `[benchmarks]` keys, and the tests' reference.

Rates are computed in one place, `Metric.of`, from counters, for whatever
record holds them: a tick's window (`Snapshot`), a minute of the report, or a
whole session. Adding a metric is one entry here and, if it counts something
new, one counter (`COUNTERS`) that the room adds to (monitor/metrics.py).
The contract of every entry is docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal, Protocol

Kind = Literal["count", "gauge", "rate", "session"]
#: A metric's value: a count stays an int and money or time a float, so each is written as it is counted.
Number = int | float
Unit = Literal["count", "share", "ratio", "money", "seconds"]

#: What the room adds up, per tick, in this order (the slots of its counters).
COUNTERS = (
    "impressions", "entries", "exits", "likes", "comments", "shares", "follows",
    "product_impressions", "product_clicks", "orders", "units", "gmv",
    "online_ms", "snapshot_ms", "retention_cohort", "retained", "questions",
)
SLOT = {name: slot for slot, name in enumerate(COUNTERS)}


class Counted(Protocol):
    """A record rates can be read from: a tick's window, a minute, a session."""

    def get(self, name: str) -> Number | None: ...


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    kind: Kind
    unit: Unit
    label_id: str
    label_en: str
    numerator: str | None = None  # rate: counter (or distinct count) names
    denominator: str | None = None
    scale: float = 1.0  # gpm: per 1,000 entries
    per_minute: bool = False  # a window count the console shows per minute
    benchmark: bool = False  # a category target may be set in [benchmarks]
    fraction: bool = False  # a share of a whole: thresholds and targets lie in 0..1

    def label(self, lang: str) -> str:
        return self.label_id if lang == "id" else self.label_en

    def per_minute_label(self, lang: str) -> str:
        """The name of a window count shown per minute ("Masuk/menit"), the same on a tile and a chart."""
        return f"{self.label(lang)}/menit" if lang == "id" else f"{self.label(lang)}/min"

    def of(self, record: Counted) -> Number | None:
        """This metric's value in a record; a rate is null while its denominator is zero."""
        if self.kind != "rate":
            return record.get(self.name)
        assert self.numerator is not None and self.denominator is not None
        denominator = record.get(self.denominator)
        if not denominator:
            return None
        numerator = record.get(self.numerator)
        if numerator is None:
            return None
        if self.scale != 1.0:
            return numerator * self.scale / denominator
        return numerator / denominator

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (engine checkpoints) as its fields in order: compiled, only its constructor builds one."""
        return (Metric, tuple(getattr(self, field.name) for field in fields(self)))


def _count(name: str, label_id: str, label_en: str, unit: Unit = "count", *, per_minute: bool = False) -> Metric:
    return Metric(name, "count", unit, label_id, label_en, per_minute=per_minute)


def _rate(name: str, label_id: str, label_en: str, numerator: str, denominator: str, unit: Unit = "share",
          scale: float = 1.0, *, benchmark: bool = False, fraction: bool = False) -> Metric:
    return Metric(name, "rate", unit, label_id, label_en, numerator, denominator, scale, benchmark=benchmark,
                  fraction=fraction)


#: Every metric, in the order the headless writer prints them.
METRICS: tuple[Metric, ...] = (
    Metric("viewers", "gauge", "count", "Penonton", "Viewers"),
    Metric("viewers_in_window", "gauge", "count", "Penonton dalam jendela", "Viewers in window"),
    _count("viewer_seconds", "Detik tonton", "Viewer seconds", "seconds"),
    _count("impressions", "Tayangan live", "Live impressions"),
    _count("entries", "Masuk", "Entries", per_minute=True),
    _count("exits", "Keluar", "Exits"),
    _count("likes", "Suka", "Likes"),
    _count("comments", "Komentar", "Comments", per_minute=True),
    _count("shares", "Bagikan", "Shares"),
    _count("follows", "Ikuti", "Follows"),
    _count("product_impressions", "Tayangan produk", "Product views"),
    _count("product_clicks", "Klik produk", "Product clicks"),
    _count("orders", "Pesanan", "Orders"),
    _count("units", "Unit", "Units"),
    _count("gmv", "GMV", "GMV", "money", per_minute=True),
    _rate("access_rate", "Rasio akses", "Access rate", "entries", "impressions", benchmark=True),
    _rate("avg_watch_s", "Rata² tonton", "Avg watch", "viewer_seconds", "entries", "seconds"),
    _rate("retention", "Retensi", "Retention", "retained", "retention_cohort", benchmark=True, fraction=True),
    _rate("interaction_rate", "Interaksi", "Interaction", "interacting", "viewers_in_window",
          benchmark=True, fraction=True),
    _rate("ctr", "CTR produk", "Product CTR", "product_clicks", "product_impressions", benchmark=True, fraction=True),
    _rate("click_to_order", "Klik→pesanan", "Click→order", "orders", "product_clicks", benchmark=True),
    _rate("aov", "Nilai pesanan rata²", "Avg order value", "gmv", "orders", "money"),
    _rate("gpm", "GPM", "GPM", "gmv", "entries", "money", scale=1000.0, benchmark=True),
    Metric("gmv_total", "session", "money", "GMV sesi", "Session GMV"),
    Metric("orders_total", "session", "count", "Pesanan sesi", "Session orders"),
    Metric("entries_total", "session", "count", "Masuk sesi", "Session entries"),
    Metric("peak_viewers", "session", "count", "Penonton puncak", "Peak viewers"),
    Metric("duration_s", "session", "seconds", "Durasi", "Duration"),
    _count("questions", "Pertanyaan", "Questions", per_minute=True),
)

#: `questions_<topic>`: the questions about one topic of `[questions]` in the window (config names the topics).
TOPIC_PREFIX = "questions_"

BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
#: The window counts, which add up over minutes to the session.
COUNT_NAMES: tuple[str, ...] = tuple(metric.name for metric in METRICS if metric.kind == "count")
RATES: tuple[Metric, ...] = tuple(metric for metric in METRICS if metric.kind == "rate")
BENCHMARKS: tuple[str, ...] = tuple(metric.name for metric in METRICS if metric.benchmark)

#: Not metrics, but named like them on screen: the feed-silence rule's "metric".
_OTHER_LABELS = {"events": ("Data feed", "Feed data")}


def metric(name: str) -> Metric:
    """The entry of a metric; `questions_<topic>` is made for any topic the config names."""
    entry = BY_NAME.get(name)
    if entry is None and name.startswith(TOPIC_PREFIX):
        entry = _TOPIC_METRICS.get(name)
        if entry is None:
            entry = _TOPIC_METRICS[name] = _topic_metric(name)
        return entry
    if entry is None:
        raise KeyError(name)
    return entry


_TOPIC_METRICS: dict[str, Metric] = {}  # made once per topic name asked for (the config's topics)


def _topic_metric(name: str) -> Metric:
    topic = name[len(TOPIC_PREFIX):]
    return Metric(name, "count", "count", f"Pertanyaan {topic}", f"Questions: {topic}", per_minute=True)


def label(name: str, lang: str = "id") -> str:
    """A metric's name in the language; an unknown name is shown plainly."""
    entry = BY_NAME.get(name) or (_topic_metric(name) if name.startswith(TOPIC_PREFIX) else None)
    if entry is not None:
        return entry.label(lang)
    pair = _OTHER_LABELS.get(name)
    if pair is not None:
        return pair[0] if lang == "id" else pair[1]
    return name.replace("_", " ")


def denominator(name: str) -> str | None:
    """What a rate is judged on (`min_sample`, grey tiles); None for anything else."""
    entry = BY_NAME.get(name)
    return entry.denominator if entry is not None else None


def unit(name: str) -> Unit:
    entry = BY_NAME.get(name)
    if entry is not None:
        return entry.unit
    return "seconds" if name == "events" else "count"
