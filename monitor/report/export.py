"""minutes.csv, minutes.parquet and summary.json: the report's data for other tools."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import orjson
import polars as pl

from ..alert_text import AlertWords
from ..config import Config
from ..sinks import alert_record
from ..catalog import NAMES as METRIC_NAMES
from . import products
from .compare import Comparison, benchmark_rows
from .run import Run
from .session import MINUTE_COLUMNS

_INTEGER = frozenset({
    "viewers", "viewers_in_window", "impressions", "entries", "exits", "likes", "comments", "shares",
    "follows", "product_impressions", "product_clicks", "orders", "units", "orders_total",
    "entries_total", "peak_viewers",
})

#: One column type per column, so an all-null column still has its type.
MINUTE_SCHEMA = {
    "room": pl.Utf8,
    "minute": pl.Int64,  # made a UTC datetime below
    "t": pl.Int64,
    **{name: pl.Int64 if name in _INTEGER else pl.Float64 for name in METRIC_NAMES},
    "alerts": pl.Int64,
    "host_actions": pl.Utf8,
}


def minutes_frame(rows: list[dict]) -> pl.DataFrame:
    """Per-minute rows as a frame; `minute` is the minute's start in UTC."""
    columns = {name: [row[name] for row in rows] for name in MINUTE_COLUMNS}
    frame = pl.DataFrame(columns, schema=MINUTE_SCHEMA, strict=False)
    return frame.with_columns(pl.col("minute").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"))


def write_minutes(run: Run, out: Path) -> tuple[Path, Path]:
    rows = [row for session in run.sessions for row in session.minutes]
    frame = minutes_frame(rows)
    csv, parquet = out / "minutes.csv", out / "minutes.parquet"
    spreadsheet_safe(frame).write_csv(csv, datetime_format="%Y-%m-%dT%H:%M:%SZ")
    frame.write_parquet(parquet)
    return csv, parquet


#: A text cell a spreadsheet would run as a formula: it starts with one of `= + - @`, a tab or a CR.
_FORMULA = r"^[=+\-@\t\r]"
#: ...unless it is a plain number ("-5", "+2.5e3"), which a spreadsheet reads as that number.
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells from the feed (room names, host notes) made inert for spreadsheets.

    A formula-looking cell gets a leading `'` (OWASP's advice), so opening
    minutes.csv cannot run `=HYPERLINK(...)` or `@SUM(...)` from a room name.
    Numeric columns are numbers and stay as they are; so does a text cell that
    is a plain number, negative ones included: a number is not a formula.
    """
    text = [name for name, kind in frame.schema.items() if kind == pl.Utf8]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA) & ~pl.col(name).str.contains(_NUMBER))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text
    )


def summary_record(run: Run, config: Config, comparisons: dict[str, Comparison]) -> dict:
    words = AlertWords(config.rules, config.lang)
    summary = run.summary
    rooms = []
    for session in run.sessions:
        record = {
            "room": session.room,
            "start": _iso(session.start_ms),
            "end": _iso(session.end_ms),
            "start_ms": session.start_ms,
            "end_ms": session.end_ms,
            "minutes": len(session.minutes),
            "headline": session.headline,
            "benchmarks": {
                row.metric: {"value": row.value, "target": row.target, "met": row.met}
                for row in benchmark_rows(session.headline, config.benchmarks)
            },
            "alerts": [alert_record(alert, words) for alert in session.alerts],
            "host_actions": [action.as_dict() for action in session.host_actions],
            "products": products.records(session.products),
        }
        if run.imported is not None and session.room == run.imported.room:
            record["platform"] = run.imported.as_dict()  # TikTok's numbers and which headline values are theirs
        comparison = comparisons.get(session.room)
        if comparison is not None:
            record["compare"] = comparison.as_dict()
        rooms.append(record)
    return {
        "source": run.source,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "timezone": config.display.timezone,
        "window_s": config.engine.window_s,
        "tick_s": config.engine.tick_s,
        "events": summary.get("events", 0),
        "skipped": run.skipped,
        "rejected": summary.get("rejected", {}),
        "late": summary.get("late", 0),
        "duplicates": summary.get("duplicates", 0),
        "filtered": run.filtered,
        "ignored_joins": summary.get("ignored_joins", 0),
        "ignored_leaves": summary.get("ignored_leaves", 0),
        "input_complete": not run.warnings,
        "input_warnings": run.warnings,
        "rooms": rooms,
    }


def write_summary(record: dict, out: Path) -> Path:
    path = out / "summary.json"
    path.write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2))
    return path


def _iso(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
