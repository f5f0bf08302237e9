"""The simulator: deterministic, valid, in `ts` order, and each scenario trips its rule in time.

The scenario tests run the shipped `config.toml` through the real engine, so a
change to a rule's numbers or to the engine that hides a known problem (or
cries wolf on a normal broadcast) fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from feeds.files import read_batches
from feeds.simulator import DEFAULT_START, SCENARIOS, generate, parse_start, room_names, write_session
from monitor.config import load_config
from monitor.engine import Engine
from monitor.events import Event, Rejection, parse_message, parse_object, validate

CONFIG = Path(__file__).resolve().parents[1] / "config.toml"
DURATION = 1800.0
SEED = 1

#: The default rule each scenario must trip.
MATCHING = {
    "retention_drop": "retention_drop",
    "ctr_drop": "ctr_drop",
    "conversion_drop": "conversion_drop",
    "viewer_spike": "viewer_spike",
    "feed_stall": "feed_stale",
    "interaction_drop": "interaction_drop",
    "access_drop": "access_rate_drop",
    "price_questions": "price_questions",
}


class Replay:
    """One 30-minute session run through the engine, kept for the whole module."""

    def __init__(self, scenario: str) -> None:
        self.events = list(generate(scenario, DURATION, seed=SEED))
        self.start_ms = parse_start(None)
        engine = Engine(load_config(CONFIG))
        self.rejections = 0
        self.alerts = []
        self.peak_viewers = 0
        for count, raw in enumerate(self.events, 1):
            item = validate(raw)
            if type(item) is Rejection or type(engine.offer(item)) is Rejection:
                self.rejections += 1
            if count % 500 == 0:
                self._take(engine.advance())
        self._take(engine.advance())
        self._take(engine.finish())
        self.summary = engine.summary()

    def _take(self, ticks) -> None:
        for tick in ticks:
            for room in tick.rooms:
                self.peak_viewers = max(self.peak_viewers, room.snapshot.values["viewers"])
                self.alerts.extend(room.alerts)

    def firing(self, rule: str | None = None) -> list[float]:
        """Seconds after the broadcast start at which `rule` (or any rule) fired."""
        return [
            (alert.t - self.start_ms) / 1000
            for alert in self.alerts
            if alert.state == "firing" and (rule is None or alert.rule == rule)
        ]


@pytest.fixture(scope="module")
def replay():
    cache: dict[str, Replay] = {}

    def run(scenario: str) -> Replay:
        if scenario not in cache:
            cache[scenario] = Replay(scenario)
        return cache[scenario]

    return run


# ---------------------------------------------------------------- the API


def test_scenarios_are_named_with_their_problem_minute():
    for name in ("normal", *MATCHING):
        assert name in SCENARIOS
    assert SCENARIOS["normal"].problem_start_s is None
    assert SCENARIOS["normal"].problem_start(DURATION) is None
    for name in MATCHING:
        scenario = SCENARIOS[name]
        assert scenario.description
        assert scenario.problem_start(DURATION) == 900
        assert scenario.problem_start(600) == 300


def test_unknown_scenario_is_refused():
    with pytest.raises(ValueError, match="unknown scenario"):
        next(generate("no_such_thing", 60))


def test_room_names():
    assert room_names(2) == ["toko-batik", "butik-sari"]
    assert room_names(10)[-1] == "room-10"
    assert parse_start(DEFAULT_START) == parse_start(None)


# ---------------------------------------------------------------- determinism and order


def test_same_seed_same_events():
    first = list(generate("retention_drop", 300, seed=5, rooms=2))
    again = list(generate("retention_drop", 300, seed=5, rooms=2))
    other = list(generate("retention_drop", 300, seed=6, rooms=2))
    assert first == again
    assert first != other


def test_adding_rooms_leaves_the_first_room_alone():
    alone = list(generate("normal", 120, seed=3))
    together = [event for event in generate("normal", 120, seed=3, rooms=3) if event["room"] == "toko-batik"]
    assert alone == together


def test_rooms_are_interleaved_in_ts_order():
    events = list(generate("viewer_spike", 240, seed=2, rooms=3, start_ms=1_000_000))
    assert {event["room"] for event in events} == {"toko-batik", "butik-sari", "kosmetik-ayu"}
    stamps = [event["ts"] for event in events]
    assert stamps == sorted(stamps)
    assert stamps[0] >= 1_000_000 and stamps[-1] < 1_000_000 + 240_000


def test_rate_scale_multiplies_the_volume():
    base = sum(1 for _ in generate("normal", 120, seed=4))
    big = sum(1 for _ in generate("normal", 120, seed=4, rate_scale=10))
    assert 7 * base < big < 13 * base


@pytest.mark.parametrize("scenario", ["normal", *MATCHING])
def test_events_follow_the_contract(replay, scenario):
    session = replay(scenario)
    assert session.rejections == 0
    assert session.summary["late"] == 0
    assert session.summary["duplicates"] == 0
    # every leave follows its join, every join is of a viewer not yet in the room
    assert session.summary["ignored_joins"] == 0
    assert session.summary["ignored_leaves"] == 0
    stamps = [event["ts"] for event in session.events]
    assert all(type(ts) is int for ts in stamps)
    assert stamps == sorted(stamps)
    assert stamps[0] >= session.start_ms and stamps[-1] < session.start_ms + DURATION * 1000
    assert {event["room"] for event in session.events} == {"toko-batik"}
    users = {event["user"] for event in session.events if "user" in event}
    assert all(re.fullmatch(r"u-\d+", user) for user in users)


def test_a_normal_broadcast_looks_like_one(replay):
    session = replay("normal")
    events = session.events
    by_type: dict[str, list[dict]] = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    assert set(by_type) == {
        "live_impression", "viewer_join", "viewer_leave", "like", "comment", "share", "follow",
        "product_impression", "product_click", "order", "host_action",
    }
    assert 20 <= len(events) / DURATION <= 100
    assert 150 <= session.peak_viewers <= 800
    impressions = sum(event["count"] for event in by_type["live_impression"])
    assert 0.05 <= len(by_type["viewer_join"]) / impressions <= 0.15  # access rate
    orders = by_type["order"]
    assert 3 <= DURATION / len(orders) <= 30  # seconds between orders
    assert len({order["order_id"] for order in orders}) == len(orders)
    assert all(49_000 <= order["amount"] / order["quantity"] <= 399_000 for order in orders)
    assert {event["action"] for event in by_type["host_action"]} >= {"pin_product", "comment_cta", "flash_sale"}
    assert any(event["text"] == "spill harga dong" for event in by_type["comment"])


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".csv", ".parquet"])
def test_files_round_trip(tmp_path, suffix):
    path = tmp_path / f"session{suffix}"
    count = write_session(path, "interaction_drop", 150, seed=9, rooms=2, start="2026-11-22T20:00:00+07:00")
    expected = [validate(event) for event in generate("interaction_drop", 150, seed=9, rooms=2, start_ms=parse_start("2026-11-22T20:00:00+07:00"))]
    read = []
    for batch in read_batches(path):
        for raw in batch:
            read.extend(parse_message(raw) if isinstance(raw, (bytes, str)) else [parse_object(raw)])
    assert count == len(expected) == len(read)
    assert all(type(item) is Event for item in read)
    assert [item.as_dict() for item in read] == [item.as_dict() for item in expected]


def test_jsonl_lines_are_the_events(tmp_path):
    path = tmp_path / "s.jsonl"
    write_session(path, "normal", 30, seed=2)
    lines = path.read_bytes().splitlines()
    assert [orjson.loads(line) for line in lines] == list(generate("normal", 30, seed=2))


# ---------------------------------------------------------------- scenarios against the shipped rules


def test_normal_broadcast_raises_no_alert(replay):
    session = replay("normal")
    assert [(alert.rule, alert.state, alert.t) for alert in session.alerts] == []


@pytest.mark.parametrize("scenario", list(MATCHING))
def test_scenario_trips_its_rule_within_two_minutes(replay, scenario):
    session = replay(scenario)
    start = SCENARIOS[scenario].problem_start(DURATION)
    fired = session.firing(MATCHING[scenario])
    assert fired, f"{MATCHING[scenario]} never fired in {scenario}"
    assert start <= fired[0] <= start + 120, f"{MATCHING[scenario]} first fired at {fired[0]:.0f}s, problem at {start:.0f}s"


def test_feed_stall_is_a_three_minute_silence(replay):
    session = replay("feed_stall")
    stamps = [event["ts"] for event in session.events]
    gaps = [(later - earlier, earlier) for earlier, later in zip(stamps, stamps[1:])]
    longest, since = max(gaps)
    assert 175_000 <= longest <= 185_000
    assert abs((since - session.start_ms) / 1000 - 900) < 5
