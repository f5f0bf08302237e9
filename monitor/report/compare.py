"""This session beside category targets and beside the room's past sessions.

`--compare last` takes the room's latest session that started before this
one, `best` the earlier session with the highest GPM (GMV per 1,000 entries:
it does not favour long broadcasts the way total GMV would), `N` the last N
earlier sessions. With several past sessions the change is against their median.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from .. import formatting
from ..config import Benchmarks
from ..viewer_text import clean
from .history import PastSession
from .session import RoomSession
from .words import shown, word

#: Rows of the comparison table, funnel order.
COMPARED = (
    "duration_s", "peak_viewers", "avg_viewers", "impressions", "entries", "access_rate",
    "avg_watch_s", "retention", "interaction_rate", "product_clicks", "ctr", "orders",
    "click_to_order", "aov", "gmv", "gpm", "alerts",
)
BENCHMARKED = tuple(Benchmarks.model_fields)


def parse_choice(text: str) -> str | int:
    """`last`, `best`, or a number of past sessions."""
    text = text.strip().lower()
    if text in ("last", "best"):
        return text
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise ValueError(f"--compare takes last, best or a number of sessions, not {text!r}")


def pick(past: list[PastSession], choice: str | int, before_ms: float) -> list[PastSession]:
    """The past sessions to put beside a session that started at `before_ms`, oldest first."""
    earlier = [session for session in past if session.start_ms < before_ms]
    if choice == "best":
        rated = [session for session in earlier if session.headline.get("gpm") is not None]
        return [max(rated, key=lambda session: session.headline["gpm"])] if rated else []
    count = 1 if choice == "last" else int(choice)
    return earlier[-count:]


@dataclass(frozen=True)
class BenchmarkRow:
    metric: str
    value: float | None
    target: float
    met: bool | None  # None: no value this session

    @property
    def gap(self) -> float | None:
        if self.value is None or not self.target:
            return None
        return self.value / self.target - 1


def benchmark_rows(headline: dict, benchmarks: Benchmarks) -> list[BenchmarkRow]:
    """Every KPI with a category target (higher is better for all of them)."""
    rows = []
    for metric in BENCHMARKED:
        target = benchmarks.target(metric)
        if target is None:
            continue
        value = headline.get(metric)
        rows.append(BenchmarkRow(metric, value, target, None if value is None else value >= target))
    return rows


@dataclass(frozen=True)
class CompareRow:
    metric: str
    value: float | None
    past: tuple[float | None, ...]
    change: float | None  # against the past value (or the median of several)


@dataclass(frozen=True)
class Comparison:
    room: str
    choice: str | int
    past: tuple[PastSession, ...]
    rows: tuple[CompareRow, ...]

    def row(self, metric: str) -> CompareRow:
        return next(row for row in self.rows if row.metric == metric)

    def as_dict(self) -> dict:
        return {
            "choice": self.choice,
            "past": [{"start_ms": p.start_ms, "source": p.source} for p in self.past],
            "rows": [
                {"metric": row.metric, "value": row.value, "past": list(row.past), "change": row.change}
                for row in self.rows
            ],
        }


def compare(session: RoomSession, past: list[PastSession], choice: str | int) -> Comparison:
    rows = []
    for metric in COMPARED:
        value = session.headline.get(metric)
        values = tuple(p.headline.get(metric) for p in past)
        known = [v for v in values if v is not None]
        reference = median(known) if known else None
        change = value / reference - 1 if value is not None and reference else None
        rows.append(CompareRow(metric, value, values, change))
    return Comparison(session.room, choice, tuple(past), tuple(rows))


def signed_percent(change: float | None, lang: str) -> str:
    if change is None:
        return "–"
    return ("+" if change > 0 else "") + formatting.percent(change, lang)


#: Room names on the terminal: made inert (no escapes, control or bidi characters) and cut to this many characters.
ROOM_WIDTH = 60


def comparison_text(comparison: Comparison, lang: str, clock) -> str:
    """The comparison as an aligned terminal table; `clock(ms)` names a past session."""
    if not comparison.past:
        return f"{clean(comparison.room, ROOM_WIDTH)}: {word('no_history', lang)}"
    head = [word("metric", lang), word("this_session", lang), *(clock(p.start_ms) for p in comparison.past)]
    head.append(word("change", lang) if len(comparison.past) == 1 else word("vs_median", lang))
    lines = [head]
    for row in comparison.rows:
        lines.append([
            word(row.metric, lang),
            shown(row.metric, row.value, lang),
            *(shown(row.metric, value, lang) for value in row.past),
            signed_percent(row.change, lang),
        ])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = [f"{clean(comparison.room, ROOM_WIDTH)}: {word('compare', lang).lower()}"]
    for line in lines:
        cells = [line[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(line[1:], widths[1:])]
        text.append("  " + "  ".join(cells))
    return "\n".join(text)
