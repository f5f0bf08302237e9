"""minutes.csv adds up (issue 11): each count column summed over a room's rows is the session's total.

The sessions start and end off the minute, arrive a little out of order, in
two rooms, with rejected, duplicate and late events among them; the totals
are checked against the report's own headline and against counts polars
makes from the accepted events of the input, which the report never sees.
"""

from __future__ import annotations

import random

import orjson
import polars as pl
import pytest

from monitor import catalog
from monitor.config import load_config
from monitor.report import build_report

T0 = 1_763_802_000_000 + 17_345  # 17.345 s into a minute
DURATION_S = 443.4  # 7 min 23.4 s: the last minute is a partial one

#: Count columns and how polars counts them from the accepted events: (event type, summed column or None for rows).
BY_EVENTS = {
    "impressions": ("live_impression", "count"),
    "entries": ("viewer_join", None),
    "exits": ("viewer_leave", None),
    "likes": ("like", "count"),
    "comments": ("comment", None),
    "shares": ("share", None),
    "follows": ("follow", None),
    "product_impressions": ("product_impression", "count"),
    "product_clicks": ("product_click", None),
    "orders": ("order", None),
    "units": ("order", "quantity"),
    "gmv": ("order", "amount"),
}
#: Measured in seconds or money: summed from rounded rows, so equal to a few decimals.
_INEXACT = frozenset(name for name in catalog.COUNT_NAMES if catalog.unit(name) != "count")


def accepted_events(seed: int) -> list[dict]:
    """Two simulated rooms that start and end off the minute, each event at most 1.5 s out of order."""
    from feeds.simulator import generate

    events = list(generate("retention_drop", DURATION_S, seed=seed, rooms=2, start_ms=T0))
    rng = random.Random(seed)
    return sorted(events, key=lambda event: event["ts"] + rng.uniform(0, 1500))


def with_bad_input(events: list[dict]) -> list[bytes]:
    """The accepted events with lines the engine must not count, three quarters of the way in.

    Garbage, an unknown type, an order without its product, an order placed
    again (its order_id) and a like from long before the stream's watermark.
    """
    lines = [orjson.dumps(event) for event in events]
    at = len(lines) * 3 // 4
    now = max(event["ts"] for event in events[:at])
    order = [event for event in events[:at] if event["type"] == "order"][-1]
    lines[at:at] = [
        b"{not json",
        orjson.dumps({"type": "teleport", "ts": now, "room": order["room"]}),
        orjson.dumps({"type": "order", "ts": now, "room": order["room"], "amount": 99_000, "order_id": "o-x"}),
        orjson.dumps(dict(order, ts=now)),
        orjson.dumps({"type": "like", "ts": T0 + 1_000, "room": order["room"], "user": "u-late", "count": 50}),
    ]
    return lines


def independent_counts(events: list[dict]) -> dict[str, dict[str, float]]:
    """Per room, each count of BY_EVENTS by polars from the events (the report's code is not used)."""
    frame = pl.DataFrame(events, infer_schema_length=None)
    out: dict[str, dict[str, float]] = {}
    for room in frame["room"].unique().to_list():
        mine = frame.filter(pl.col("room") == room)
        counts = {}
        for name, (kind, column) in BY_EVENTS.items():
            rows = mine.filter(pl.col("type") == kind)
            counts[name] = rows.height if column is None else rows[column].fill_null(1).sum()
        out[room] = counts
    return out


@pytest.fixture
def config(tmp_path):
    base = load_config()
    return base.model_copy(update={"history": base.history.model_copy(update={"dir": str(tmp_path / "history")})})


@pytest.mark.parametrize("window_s", [60, 30])
@pytest.mark.parametrize("seed", [3, 11])
def test_each_count_column_adds_up_to_the_session_total(tmp_path, config, window_s, seed):
    events = accepted_events(seed)
    assert max(event["ts"] for event in events) % 60_000 != 0
    path = tmp_path / "session.jsonl"
    path.write_bytes(b"\n".join(with_bad_input(events)) + b"\n")
    config = config.model_copy(update={"engine": config.engine.model_copy(update={"window_s": window_s})})

    report = build_report(path, config, tmp_path / "out")

    summary = report.run.summary
    assert summary["events"] == len(events)  # every good event taken, no bad one
    assert summary["rejected"] == {"invalid_json": 1, "unknown_type": 1, "missing_field": 1}
    assert (summary["duplicates"], summary["late"]) == (1, 1)
    assert summary["ignored_joins"] == summary["ignored_leaves"] == 0  # so joins and leaves are entries and exits
    rows = pl.read_csv(tmp_path / "out" / "minutes.csv")
    expected = independent_counts(events)
    assert sorted(rows["room"].unique().to_list()) == sorted(expected)
    for session in report.run.sessions:
        mine = rows.filter(pl.col("room") == session.room)
        last = mine.row(-1, named=True)
        assert last["t"] % 60_000 != 0  # the session ends inside its last minute
        for name in catalog.COUNT_NAMES:
            total = mine[name].sum()
            if name in _INEXACT:
                assert total == pytest.approx(session.totals[name], rel=1e-9, abs=0.01), (session.room, name)
            else:
                assert total == session.totals[name], (session.room, name)
            assert session.headline.get(name, session.totals[name]) == session.totals[name]
            if name in BY_EVENTS:
                assert total == pytest.approx(expected[session.room][name], abs=1e-6), (session.room, name)


def test_a_row_is_a_minute_of_the_broadcast_and_the_first_and_last_are_partial(tmp_path, config):
    events = accepted_events(5)
    path = tmp_path / "session.jsonl"
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    build_report(path, config, tmp_path / "out")
    rows = pl.read_csv(tmp_path / "out" / "minutes.csv", try_parse_dates=True)
    for room in rows["room"].unique().to_list():
        mine = rows.filter(pl.col("room") == room)
        starts = [int(moment.timestamp() * 1000) for moment in mine["minute"].to_list()]
        assert starts == list(range(starts[0], starts[0] + 60_000 * len(starts), 60_000))  # one row a minute
        assert starts[0] < T0 < starts[0] + 60_000  # the first minute holds the first event
        assert all(start < t <= start + 60_000 for start, t in zip(starts, mine["t"].to_list()))
        assert mine["t"][-1] < starts[-1] + 60_000  # the last one stops at the last tick


def test_minutes_add_up_in_the_file_as_written(tmp_path, config):
    """The same sums on the parquet twin of the csv (a tool may read either)."""
    events = accepted_events(2)
    path = tmp_path / "session.jsonl"
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    report = build_report(path, config, tmp_path / "out")
    frame = pl.read_parquet(tmp_path / "out" / "minutes.parquet")
    sums = frame.group_by("room").agg(pl.col(name).sum() for name in catalog.COUNT_NAMES)
    for session in report.run.sessions:
        row = sums.filter(pl.col("room") == session.room).row(0, named=True)
        for name in catalog.COUNT_NAMES:
            assert row[name] == pytest.approx(session.totals[name], abs=0.01), name
