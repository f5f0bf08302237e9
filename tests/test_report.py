"""`livemon report`: per-minute rows, session totals, files, robust reading."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import orjson
import polars as pl
import pytest

from monitor.config import load_config
from monitor.report import History, build_report
from monitor.report.run import run_file
from monitor.report.session import MINUTE_COLUMNS

T0 = 1_763_802_000_000  # a minute boundary (2025-11-22T09:00:00Z)
ROOM = "toko-batik"


def known_session(start: int = T0, clicks=(5, 4, 3), room: str = ROOM) -> list[dict]:
    """Three minutes whose every per-minute number is worked out by hand below."""
    events = []
    for m in range(3):
        base = start + m * 60_000
        events.append({"type": "live_impression", "ts": base + 1000, "room": room, "count": 100})
        for k in range(10):
            events.append({"type": "viewer_join", "ts": base + 2000 + k * 100, "room": room, "user": f"u{m}-{k}"})
        events.append({"type": "comment", "ts": base + 3000, "room": room, "user": f"u{m}-0", "text": "merah kak"})
        events.append({"type": "product_impression", "ts": base + 5000, "room": room, "product": "sku-1", "count": 50})
        for c in range(clicks[m]):
            events.append({"type": "product_click", "ts": base + 6000 + c, "room": room, "product": "sku-1", "user": f"u{m}-{c}"})
        events.append({
            "type": "order", "ts": base + 10_000, "room": room, "product": "sku-1", "user": f"u{m}-1",
            "amount": 100_000 * (m + 1), "order_id": f"o-{m}",
        })
        if m == 1:
            events.append({"type": "host_action", "ts": base + 30_000, "room": room, "action": "pin_product", "note": "sku-1"})
        for k in range(5):
            events.append({"type": "viewer_leave", "ts": base + 40_000, "room": room, "user": f"u{m}-{k}"})
    # the host signs off exactly at the end of the third minute, so it is a whole minute
    events.append({"type": "host_action", "ts": start + 180_000, "room": room, "action": "closing", "note": "sampai besok"})
    return events


def expected_rows(start: int = T0, clicks=(5, 4, 3)) -> list[dict]:
    rows = []
    for m in range(3):
        gmv = 100_000.0 * (m + 1)
        viewer_seconds = 300 * m + 475.5  # earlier stayers 60 s each; newcomers 5 x (38 s - ...) + 5 x (58 s - ...)
        in_window = 5 * m + 10
        rows.append({
            "room": ROOM,
            "t": start + (m + 1) * 60_000,
            "viewers": 5 * (m + 1),
            "viewers_in_window": in_window,
            "viewer_seconds": viewer_seconds,
            "impressions": 100, "entries": 10, "exits": 5, "likes": 0, "comments": 1, "shares": 0, "follows": 0,
            "product_impressions": 50, "product_clicks": clicks[m], "orders": 1, "units": 1, "gmv": gmv,
            "access_rate": 10 / 100,
            "avg_watch_s": viewer_seconds / 10,
            "retention": None if m == 0 else 5 / 10,  # minute-0 joiners: half still online 60 s later
            "interaction_rate": 1 / in_window,
            "ctr": clicks[m] / 50,
            "click_to_order": 1 / clicks[m],
            "aov": gmv,
            "gpm": gmv * 1000 / 10,
            "gmv_total": sum(100_000.0 * (i + 1) for i in range(m + 1)),
            "orders_total": m + 1,
            "entries_total": 10 * (m + 1),
            "peak_viewers": 5 * m + 10,  # before the five leave at 40 s
            "duration_s": (m + 1) * 60 - 1,  # from the first event at start + 1 s
            "alerts": 0,
            "host_actions": {0: "", 1: "pin_product", 2: "closing"}[m],
        })
    return rows


def write_jsonl(path: Path, events: list[dict], tail: bytes = b"") -> Path:
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events) + tail)
    return path


@pytest.fixture
def config(tmp_path):
    base = load_config()
    history = base.history.model_copy(update={"dir": str(tmp_path / "history")})
    return base.model_copy(update={"rules": [], "history": history})


def _cell(text: str, like):
    if isinstance(like, str):
        return text
    return None if text == "" else float(text)


def test_minutes_csv_holds_the_known_per_minute_values(tmp_path, config):
    session = write_jsonl(tmp_path / "known.jsonl", known_session())
    build_report(session, config, tmp_path / "out")
    with open(tmp_path / "out" / "minutes.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == MINUTE_COLUMNS
    expected = expected_rows()
    assert len(rows) == len(expected)
    for m, (row, want) in enumerate(zip(rows, expected)):
        assert row["minute"] == _iso_minute(T0 + m * 60_000)
        for name, value in want.items():
            assert _cell(row[name], value) == value, (m, name)


def _iso_minute(ms: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_parquet_and_csv_carry_the_same_rows(tmp_path, config):
    build_report(write_jsonl(tmp_path / "known.jsonl", known_session()), config, tmp_path / "out")
    frame = pl.read_parquet(tmp_path / "out" / "minutes.parquet")
    assert frame.columns == list(MINUTE_COLUMNS)
    assert frame["ctr"].to_list() == [5 / 50, 4 / 50, 3 / 50]
    assert frame["retention"].to_list() == [None, 0.5, 0.5]
    assert frame["minute"].dtype == pl.Datetime("ms", "UTC")


@pytest.mark.parametrize("window_s", [60, 30, 90])
def test_session_totals_are_the_events_whatever_the_window(tmp_path, config, window_s):
    engine = config.engine.model_copy(update={"window_s": window_s})
    run = run_file(write_jsonl(tmp_path / "known.jsonl", known_session()), config.model_copy(update={"engine": engine}))
    (session,) = run.sessions
    headline = session.headline
    assert (headline["impressions"], headline["entries"], headline["exits"]) == (300, 30, 15)
    assert (headline["product_impressions"], headline["product_clicks"], headline["orders"]) == (150, 12, 3)
    assert headline["gmv"] == 600_000
    assert headline["ctr"] == 12 / 150
    assert headline["click_to_order"] == 3 / 12
    assert headline["access_rate"] == 30 / 300
    assert headline["gpm"] == 600_000 * 1000 / 30
    assert headline["aov"] == 200_000
    assert headline["peak_viewers"] == 20
    # watch time: every visit clipped to the end of the stream
    assert headline["avg_watch_s"] == pytest.approx((300 * 0 + 475.5 + 300 * 1 + 475.5 + 300 * 2 + 475.5) / 30)
    # two cohorts of ten (minute 0 and 1 joiners), half of each stayed 60 s
    assert headline["retention"] == 0.5
    assert session.start_ms == T0 + 1000 and session.end_ms == T0 + 180_000


def test_interaction_over_the_session_weighs_each_window(tmp_path, config):
    run = run_file(write_jsonl(tmp_path / "known.jsonl", known_session()), config)
    # windows ending at 1, 2, 3 min: 1 of 10, 1 of 15, 1 of 20 viewers commented
    assert run.sessions[0].headline["interaction_rate"] == 3 / 45


def test_host_actions_and_alerts_land_in_their_minute(tmp_path, config):
    run = run_file(write_jsonl(tmp_path / "known.jsonl", known_session()), load_config().model_copy(
        update={"history": config.history}))
    (session,) = run.sessions
    assert [action.action for action in session.host_actions] == ["pin_product", "closing"]
    assert session.host_actions[0].note == "sku-1"
    fired = sum(row["alerts"] for row in session.minutes)
    assert fired == sum(alert.state == "firing" for alert in session.alerts)


def test_rooms_are_reported_apart(tmp_path, config):
    events = sorted(known_session() + known_session(room="butik-sari", clicks=(1, 1, 1)), key=lambda e: e["ts"])
    report = build_report(write_jsonl(tmp_path / "two.jsonl", events), config, tmp_path / "out")
    assert [s.room for s in report.run.sessions] == ["butik-sari", "toko-batik"]
    frame = pl.read_parquet(tmp_path / "out" / "minutes.parquet")
    assert frame.group_by("room").len().sort("room")["len"].to_list() == [3, 3]
    summary = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())
    assert [room["room"] for room in summary["rooms"]] == ["butik-sari", "toko-batik"]
    assert [p.room for p in History(tmp_path / "history").sessions()] == ["butik-sari", "toko-batik"]


def test_bad_lines_and_a_truncated_last_line_are_counted_not_fatal(tmp_path, config):
    events = known_session()
    lines = [orjson.dumps(e) for e in events]
    lines.insert(5, b"not json at all")
    lines.insert(9, b'{"type":"teleport","ts":1}')
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines) + b'\n{"type":"like","ts":17638')
    report = build_report(path, config, tmp_path / "out")
    summary = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())
    assert summary["skipped"] == {"total": 3, "rejected:invalid_json": 2, "rejected:unknown_type": 1}
    assert summary["rejected"] == {"invalid_json": 2, "unknown_type": 1}
    assert summary["input_complete"] is True
    assert report.run.sessions[0].headline["orders"] == 3


def test_a_gzip_cut_short_still_reports_what_was_complete(tmp_path, config):
    whole = gzip.compress(b"".join(orjson.dumps(e) + b"\n" for e in known_session()))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    report = build_report(path, config, tmp_path / "out")
    summary = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())
    assert summary["input_complete"] is False
    assert "ends early" in summary["input_warnings"][0]
    assert summary["events"] > 0
    assert report.run.sessions and (tmp_path / "out" / "report.html").exists()


def test_duplicated_orders_are_counted_once_and_reported(tmp_path, config):
    events = known_session()
    order = next(e for e in events if e["type"] == "order")
    events.insert(events.index(order) + 1, dict(order, ts=order["ts"] + 5))
    build_report(write_jsonl(tmp_path / "dup.jsonl", events), config, tmp_path / "out")
    summary = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())
    assert summary["duplicates"] == 1 and summary["skipped"]["duplicates"] == 1
    assert summary["rooms"][0]["headline"]["orders"] == 3


def test_html_is_self_contained_and_escapes_feed_text(tmp_path, config):
    events = known_session()
    events.insert(-1, {"type": "host_action", "ts": T0 + 170_000, "room": ROOM, "action": "<script>x</script>", "note": "a&b"})
    benchmarks = config.benchmarks.model_copy(update={"ctr": 0.09, "gpm": 5_000_000})
    report = build_report(write_jsonl(tmp_path / "s.jsonl", events), config.model_copy(update={"benchmarks": benchmarks}), tmp_path / "out")
    html = report.html.read_text()
    assert "<script" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "http://" not in html and "https://" not in html  # nothing to fetch
    assert html.count('<svg class="chart"') == 9
    assert 'class="benchmarks"' in html
    summary = orjson.loads((tmp_path / "out" / "summary.json").read_bytes())
    assert summary["rooms"][0]["benchmarks"]["ctr"] == {"value": 12 / 150, "target": 0.09, "met": False}
    assert summary["rooms"][0]["benchmarks"]["gpm"]["met"] is True


def test_empty_input_still_writes_a_report(tmp_path, config):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    report = build_report(path, config, tmp_path / "out")
    assert report.run.sessions == []
    assert pl.read_csv(tmp_path / "out" / "minutes.csv").columns == list(MINUTE_COLUMNS)
    assert orjson.loads((tmp_path / "out" / "summary.json").read_bytes())["skipped"]["total"] == 0


def test_a_file_of_nothing_but_garbage_is_no_recording(tmp_path, config):
    from monitor.pipeline import NotARecording

    path = tmp_path / "garbage.jsonl"
    path.write_bytes(b"garbage\n")
    with pytest.raises(NotARecording, match="not a (jsonl )?recording"):
        build_report(path, config, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_null_minute_breaks_the_chart_line():
    from monitor.report.charts import line_chart, nice_ceiling
    from monitor.report.clock import Clock

    points = [(T0, 0.05), (T0 + 60_000, None), (T0 + 120_000, 0.04), (T0 + 180_000, 0.06)]
    svg = line_chart("CTR", "ctr", points, Clock.default("en"))
    path = svg.split('class="line" d="')[1].split('"')[0]
    assert path.count("M") == 2 and path.count("L") == 1  # no data is not zero
    assert [nice_ceiling(v) for v in (0.031, 1203, 7, 0)] == [0.04, 1500, 8, 1]


def test_progress_counts_the_bytes_of_the_file(tmp_path):
    import io

    from feeds.files import read_batches
    from monitor.report.progress import ReadProgress

    for name in ("s.jsonl", "s.jsonl.gz"):
        data = b"".join(orjson.dumps(e) + b"\n" for e in known_session())
        path = tmp_path / name
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        screen = io.StringIO()
        progress = ReadProgress(path, screen, enabled=True)
        for batch in read_batches(path):
            progress.advance(batch)
        progress.draw(0)
        assert progress.total == progress.done == len(data)
        assert "100%" in screen.getvalue()
