"""The stream's clock (monitor/clock.py): outcomes independent of batching, outliers that move nothing.

Two properties on random streams, plus the cases that used to lose a whole
broadcast: a stale first event, a first event a day ahead, a host's long pause.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.clock import Admission
from monitor.config import Config, EngineSettings, load_config
from monitor.engine import Engine
from monitor.events import validate
from monitor.products import OTHER
from monitor.sinks import alert_record, metrics_record

from .test_metrics_reference import random_stream

ROOT = Path(__file__).resolve().parent.parent
CONFIG = load_config("monitor/default_config.toml")
SKEW_MS = CONFIG.engine.max_skew_s * 1000


def records(ticks) -> list[bytes]:
    out = []
    for tick in ticks:
        for room_tick in tick.rooms:
            out.append(orjson.dumps(metrics_record(room_tick.snapshot)))
            out += [orjson.dumps(alert_record(alert)) for alert in room_tick.alerts]
    return out


def run(events: list[dict], cuts: list[int] | None = None, config: Config = CONFIG) -> tuple[list[bytes], dict]:
    """The engine's output for events offered in batches ending at `cuts` (None: one at a time)."""
    engine = Engine(config)
    items = [validate(event) for event in events]
    bounds = sorted(set(cuts or [])) + [len(items)] if cuts is not None else range(1, len(items) + 1)
    out: list[bytes] = []
    start = 0
    for end in bounds:
        engine.offer_batch(items[start:end])
        out += records(engine.advance())
        start = end
    engine.settle()
    out += records(engine.finish())
    return out, engine.summary()


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.lists(st.integers(1, 400), max_size=30))
def test_any_cut_into_batches_gives_the_bytes_of_one_event_at_a_time(seed, cuts):
    events = random_stream(seed, n=400)
    assert run(events, cuts) == run(events)


#: The issue's example: the like 25 s behind the stream is late.
BASE = 1763802000000
LATE_LIKE = [
    {"type": "viewer_join", "room": "r", "ts": BASE, "user": "a"},
    {"type": "like", "room": "r", "ts": BASE + 10_000, "user": "a", "count": 1},
    {"type": "like", "room": "r", "ts": BASE + 30_000, "user": "a", "count": 1},
    {"type": "like", "room": "r", "ts": BASE + 5_000, "user": "a", "count": 5},
    {"type": "like", "room": "r", "ts": BASE + 40_000, "user": "a", "count": 1},
]


def test_a_late_event_is_late_whatever_the_batch():
    """In one batch or five, the like 25 s behind the stream is late."""
    events = LATE_LIKE
    for cuts in ([], None, [2], [3], [1, 4]):
        out, summary = run(events, cuts)
        assert summary["late"] == 1, cuts
        assert out == run(events)[0]


def test_the_example_replayed_from_a_file_is_late(tmp_path):
    path = tmp_path / "late.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in LATE_LIKE))
    for speed in ("max", "50"):
        result = subprocess.run([sys.executable, "-m", "monitor", "replay", str(path), "--headless", "--speed", speed],
                                capture_output=True, cwd=ROOT, check=True)
        summary = orjson.loads(result.stdout.splitlines()[-1])
        assert summary["late"] == 1 and summary["events"] == 4, speed


# ---------------------------------------------------------------- outliers


def outcomes(events: list[dict], config: Config = CONFIG) -> tuple[list[str], int, int]:
    """What became of each event, offered one at a time: accepted, rejected:<reason> or dropped (late or
    duplicate, told apart by the counts returned beside)."""
    admission = Admission(config.engine, max_rooms=config.input.max_rooms)
    items = [validate(event) for event in events]
    index_of = {id(item): index for index, item in enumerate(items)}
    by_dict = {orjson.dumps(item.as_dict()): index for index, item in enumerate(items)}
    result = ["dropped"] * len(items)

    def note(accepted, rejections):
        for event in accepted:
            result[index_of[id(event)]] = "accepted"
        for rejection in rejections:
            result[by_dict[orjson.dumps(rejection.raw)]] = "rejected:" + rejection.reason

    for item in items:
        note(*admission.take([item]))
    note(*admission.settle())
    return result, admission.totals.late, admission.totals.duplicates


def unique(events: list[dict]) -> list[dict]:
    """Every event told apart by an extra text (comments) or user, so rejections can be traced."""
    for index, event in enumerate(events):
        event["note"] = f"n{index}"
    return events


def far_from_all(rng: random.Random, events: list[dict]) -> float:
    """A ts more than max_skew_s (and the lateness) away from every event of the stream."""
    margin = SKEW_MS + 10_000
    low, high = min(e["ts"] for e in events), max(e["ts"] for e in events)
    gap = rng.choice([1, 60_000, 3_600_000, 86_400_000, 30 * 86_400_000])
    return rng.choice([low - margin - gap, high + margin + gap])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 10**6))
def test_inserting_one_outlier_anywhere_changes_no_other_outcome(seed, where):
    rng = random.Random(seed)
    events = unique(random_stream(seed, n=300))
    before = outcomes(events)
    position = where % (len(events) + 1)
    outlier = {"type": "like", "room": rng.choice(["a", "b", "new"]), "ts": far_from_all(rng, events),
               "user": "x", "note": "outlier"}
    after, late, duplicates = outcomes(events[:position] + [outlier] + events[position:])
    assert (after[:position] + after[position + 1:], late - (after[position] == "dropped"), duplicates) == before
    assert after[position] in ("rejected:bad_ts", "dropped")


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 4))
def test_a_few_outliers_in_a_row_move_nothing(seed, few):
    """Fewer than confirm_events outliers in a row, anywhere, change no other outcome."""
    rng = random.Random(seed)
    events = unique(random_stream(seed, n=300))
    before = outcomes(events)
    position = rng.randrange(len(events))
    ts = far_from_all(rng, events)
    burst = [{"type": "like", "room": "a", "ts": ts + i, "user": "x", "note": f"o{i}"} for i in range(few)]
    after, late, duplicates = outcomes(events[:position] + burst + events[position:])
    assert after[:position] + after[position + few:] == before[0]
    assert (late - after[position:position + few].count("dropped"), duplicates) == before[1:]


def test_a_device_with_a_wrong_clock_among_the_others_moves_nothing():
    """Outliers interleaved with the stream never stand in a row, so they never confirm a jump."""
    events = unique(random_stream(7, n=300))
    before = outcomes(events)
    mixed = []
    for index, event in enumerate(events):
        mixed.append(event)
        if index % 2 == 0:
            mixed.append({"type": "comment", "room": "a", "ts": event["ts"] + 86_400_000, "user": "skewed",
                          "note": f"d{index}"})
    after, late, duplicates = outcomes(mixed)
    assert [o for o, e in zip(after, mixed) if e.get("user") != "skewed"] == before[0]
    assert (late, duplicates) == before[1:]
    assert {o for o, e in zip(after, mixed) if e.get("user") == "skewed"} == {"rejected:bad_ts"}


T0 = 1_800_000_000_000


def steady(start: float, seconds: int, room: str = "r", step_ms: int = 500) -> list[dict]:
    return [{"type": "like", "room": room, "ts": start + i * step_ms, "user": f"u{i % 7}", "count": 1}
            for i in range(seconds * 1000 // step_ms)]


def test_a_stale_first_event_is_rejected_and_the_rest_counts():
    events = [{"type": "viewer_join", "room": "r", "ts": T0 - 600_000, "user": "old"}] + steady(T0, 60)
    out, summary = run(events)
    assert summary["rejected"] == {"bad_ts": 1}
    assert summary["events"] == len(events) - 1
    assert orjson.loads(out[0])["t"] == T0  # the room starts with the stream, not ten minutes before


def test_a_first_event_a_day_ahead_neither_freezes_the_clock_nor_makes_a_day_of_ticks():
    events = [{"type": "like", "room": "r", "ts": T0 + 86_400_000, "user": "x"}] + steady(T0, 60)
    out, summary = run(events)
    assert summary["rejected"] == {"bad_ts": 1} and summary["late"] == 0
    assert len(out) <= 61  # one snapshot a second of the real minute, not a day of them


def test_a_long_pause_is_followed_once_the_events_after_it_confirm_it():
    """A host who paused for 310 s: everything after the pause counts, the silent ticks are there."""
    events = steady(T0, 60) + steady(T0 + 370_000, 60)
    out, summary = run(events)
    assert summary["rejected"] == {} and summary["late"] == 0
    assert summary["events"] == len(events)
    ticks = [orjson.loads(line)["t"] for line in out if b'"metrics"' in line]
    assert ticks == list(range(T0, T0 + 430_001, 1000))


def test_a_jump_confirmed_by_too_few_events_at_the_end_is_rejected():
    events = steady(T0, 30) + steady(T0 + 7 * 86_400_000, 2, step_ms=500)[:3]
    out, summary = run(events)
    assert summary["rejected"] == {"bad_ts": 3}
    assert orjson.loads(out[-1])["t"] == T0 + 30_000


def test_a_short_stream_that_agrees_is_taken_whole():
    """Fewer events than confirm_events: at the end, the largest agreeing group starts the clock."""
    events = steady(T0, 1)
    _, summary = run(events)
    assert summary["events"] == 2 and summary["rejected"] == {}


def test_live_an_event_far_ahead_of_the_running_clock_waits_for_confirmation():
    engine = Engine(Config(rules=[]), live=True)
    engine.offer(validate({"type": "like", "ts": T0, "user": "a"}), arrival_ms=T0)
    engine.advance(T0 + 1000)
    # the wall clock ran on 1 s; an event 10 minutes ahead of it is held, not taken
    assert engine.offer(validate({"type": "like", "ts": T0 + 600_000, "user": "a"}), arrival_ms=T0 + 1000) == []
    engine.offer(validate({"type": "like", "ts": T0 + 1500, "user": "a"}), arrival_ms=T0 + 1500)
    assert engine.clock.max_ts == T0 + 1500
    assert [r.reason for r in engine.settle()] == ["bad_ts"]


def test_too_many_rooms_are_rejected_and_counted():
    config = Config(rules=[], input={"max_rooms": 3})
    events = [{"type": "like", "room": f"room-{i % 5}", "ts": T0 + i * 100, "user": "u"} for i in range(50)]
    engine = Engine(config)
    rejections = engine.offer_batch([validate(e) for e in events])
    engine.finish()
    assert {r.reason for r in rejections} == {"too_many_rooms"}
    assert engine.summary()["rejected"] == {"too_many_rooms": 20}
    assert engine.summary()["rooms"] == ["room-0", "room-1", "room-2"]


def test_live_rooms_silent_for_long_are_closed_and_free_their_memory():
    config = Config(rules=[], engine=EngineSettings(room_idle_s=60))
    engine = Engine(config, live=True)
    events = [validate({"type": "like", "room": "quiet", "ts": T0, "user": "a"})]
    events += [validate(e) for e in steady(T0, 120, room="busy")]
    engine.offer_batch(events, arrival_ms=T0)
    engine.finish()
    assert set(engine.rooms) == {"busy"} and engine.closed_rooms == 1
    assert engine.summary()["rooms"] == ["busy", "quiet"]


def test_sigterm_stops_a_long_replay_within_a_second_with_its_summary(tmp_path):
    """A replay releasing a week of silent ticks (a confirmed jump) still stops at once."""
    path = tmp_path / "week.jsonl"
    events = steady(T0, 20, step_ms=100) + steady(T0 + 7 * 86_400_000, 20, step_ms=100)
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    process = subprocess.Popen([sys.executable, "-m", "monitor", "replay", str(path), "--headless", "--speed", "max"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()  # the run is producing the week of ticks
    assert first
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=30)
    stopped_after = time.monotonic() - sent
    lines = rest.splitlines()
    assert process.returncode == 0
    assert orjson.loads(lines[-1])["kind"] == "summary"
    # a week of ticks is 604,800 lines (minutes of work): it stopped long before, not after them
    assert len(lines) < 200_000, (len(lines), stopped_after)


@pytest.mark.parametrize("cuts", [None, [1], [3, 5, 100]])
def test_source_progress_holds_the_clock_for_a_slow_source(cuts):
    """Orders a poller delivers 10 s after they happened count, because its progress holds the watermark."""
    from monitor.progress import SourceProgress

    engine = Engine(Config(rules=[]))
    items: list = [SourceProgress("shop", float("-inf"))]
    items += [validate(e) for e in steady(T0, 30)]
    items += [validate({"type": "order", "room": "r", "ts": T0 + 5_000, "product": "p", "amount": 10_000})]
    items += [SourceProgress("shop", T0 + 20_000)]
    items += [validate(e) for e in steady(T0 + 30_000, 5)]
    bounds = cuts or list(range(1, len(items)))
    start = 0
    for end in sorted(bounds) + [len(items)]:
        engine.offer_batch(items[start:end])
        engine.advance()
        start = end
    assert engine.summary()["late"] == 0 and engine.summary()["events"] == len(items) - 2
    assert engine.clock.released == T0 + 20_000


def test_a_file_that_is_no_recording_is_refused(tmp_path):
    """Every line rejected (here a JSON log): the reason on stderr and a non-zero exit, for replay and report."""
    path = tmp_path / "server.jsonl"  # JSON Lines, but a server's log inside
    path.write_text('{"level": "info", "msg": "started"}\n{"level": "warn", "msg": "slow"}\n' * 50)
    for verb in (["replay", str(path), "--headless"], ["report", str(path), "--out", str(tmp_path / "r")]):
        result = subprocess.run([sys.executable, "-m", "monitor", *verb], capture_output=True, cwd=ROOT, text=True)
        assert result.returncode == 2, result.stderr
        assert "not a recording" in result.stderr and "missing_field" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


class Exploding:
    """A source that fails after two good batches (a bug or a fault outside us)."""

    name = "exploding"

    async def batches(self):
        yield [orjson.dumps({"type": "like", "ts": T0 + i * 100, "user": "u"}) for i in range(50)]
        yield [orjson.dumps({"type": "like", "ts": T0 + 5000 + i * 100, "user": "u"}) for i in range(50)]
        raise RuntimeError("the disk went away")


async def test_an_error_in_a_task_ends_the_run_after_flushing_what_was_computed():
    from monitor.pipeline import Pipeline
    from .feeds_support import Collect

    sink = Collect()
    pipeline = Pipeline(Engine(Config(rules=[])), Exploding(), [sink])
    with pytest.raises(RuntimeError, match="disk went away"):
        await pipeline.run()
    assert sink.summary is not None and sink.summary["events"] == 100
    assert sink.snapshots[-1].t == T0 + 10_000  # every tick of what was read, up to its last event


def test_a_sparse_stream_follows_its_own_long_pauses():
    """Orders alone, minutes apart, with pauses longer than max_skew_s: none is lost."""
    minutes = [0, 2, 3, 10, 12, 30, 31, 45, 47, 48]
    events = [{"type": "order", "room": "r", "ts": T0 + m * 60_000, "product": "p", "amount": 1000, "order_id": f"o{m}"}
              for m in minutes]
    _, summary = run(events)
    assert summary["rejected"] == {} and summary["late"] == 0 and summary["events"] == len(minutes)


def test_held_events_on_the_way_to_a_confirmed_jump_are_taken():
    """Two pauses before the first was confirmed: the events between them are not lost."""
    seconds = [0, 0.1, 0.2, 0.3, 0.4, 480, 480.5, 1200, 1200.2, 1200.4, 1200.6, 1200.8]
    events = [{"type": "like", "room": "r", "ts": T0 + int(s * 1000), "user": "u"} for s in seconds]
    _, summary = run(events)
    assert summary["rejected"] == {} and summary["events"] == len(seconds)


class Forgetful:
    """A live source that knows it missed some events while it was away (as the websocket client does)."""

    name = "forgetful"
    lost_events = 7

    async def batches(self):
        yield [orjson.dumps({"type": "like", "ts": T0 + i * 100, "user": "u"}) for i in range(20)]


async def test_the_summary_counts_the_events_the_feed_had_and_we_never_received():
    from monitor.pipeline import Pipeline

    summary = await Pipeline(Engine(Config(rules=[]), live=True), Forgetful(), []).run()
    assert summary["lost_events"] == 7 and summary["events"] == 20


def test_a_product_click_after_its_room_closed_for_silence_counts_in_the_room_opened_anew():
    """The engine counts a click on a product the room already shows as it is taken; not so for a room
    that will close for silence before the click's tick: the click is in the new room's product lines."""
    config = Config(rules=[], engine=EngineSettings(room_idle_s=60))
    engine = Engine(config, live=True)
    first = [{"type": "product_click", "room": "quiet", "ts": T0, "user": "a", "product": "p"}]
    first += steady(T0, 10, room="busy")
    engine.offer_batch([validate(e) for e in first], arrival_ms=T0 + 10_000)
    ticks = engine.advance(T0 + 10_000)
    assert "quiet" in engine.rooms
    second = steady(T0 + 10_000, 90, room="busy")
    second += [{"type": "product_click", "room": "quiet", "ts": T0 + 100_000, "user": "a", "product": "p"}]
    engine.offer_batch([validate(e) for e in second], arrival_ms=T0 + 100_000)
    ticks += engine.advance(T0 + 100_000) + engine.finish()
    assert engine.closed_rooms == 1
    quiet = [room.snapshot for tick in ticks for room in tick.rooms if room.snapshot.room == "quiet"]
    last = quiet[-1]
    assert last.t >= T0 + 100_000 and last.first_ts == T0 + 100_000
    assert [(line.product, line.get("product_clicks")) for line in last.products] == [("p", 1)]
    assert last.metric("product_clicks") == 1


def test_a_room_opened_anew_gives_its_lines_to_its_own_first_views_whatever_arrives_first():
    """Cap 1: before its silence the room had sku-q's line; opened anew, sku-p's view at +200 ms is its
    first product event though sku-q's at +500 ms arrived first. The later views of each (one counted at
    once, after a held one of its product) land in the line the new room gives their product."""
    config = Config(rules=[], engine=EngineSettings(room_idle_s=60, max_products=1))
    engine = Engine(config, live=True)
    first = [{"type": "product_impression", "room": "quiet", "ts": T0, "product": "sku-q", "count": 1}]
    first += steady(T0, 10, room="busy")
    engine.offer_batch([validate(e) for e in first], arrival_ms=T0 + 10_000)
    ticks = engine.advance(T0 + 10_000)
    view = lambda ms, sku, count: {"type": "product_impression", "room": "quiet", "ts": T0 + 100_000 + ms,
                                   "product": sku, "count": count}
    second = steady(T0 + 10_000, 90, room="busy")
    second += [view(500, "sku-q", 1), view(200, "sku-p", 2), view(700, "sku-p", 4), view(900, "sku-q", 8)]
    engine.offer_batch([validate(e) for e in second], arrival_ms=T0 + 100_000)
    ticks += engine.advance(T0 + 100_000) + engine.finish()
    assert engine.closed_rooms == 1
    last = [room.snapshot for tick in ticks for room in tick.rooms if room.snapshot.room == "quiet"][-1]
    assert [(line.product, line.get("product_impressions")) for line in last.products] == [
        (OTHER, 1 + 8), ("sku-p", 2 + 4)]
