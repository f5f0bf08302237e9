"""The recorder: every raw input with its arrival time, flushed within a second, replayable."""

from __future__ import annotations

import asyncio

import orjson

from feeds.files import FileSource, read_batches
from feeds.recorder import Recorder
from feeds.websocket_client import binary_frame
from monitor.engine import Engine
from monitor.events import Rejection
from monitor.pipeline import Pipeline

from .feeds_support import Collect, event, short_config

TOO_LARGE = Rejection("too_large", "message over max_message_bytes (1048576)", None)


class Listed:
    """A source that hands over fixed batches, as a live feed would."""

    name = "listed"

    def __init__(self, batches: list[list]) -> None:
        self._batches = batches

    async def batches(self):
        for batch in self._batches:
            yield batch


def inputs() -> list:
    return [
        event("viewer_join", 1_000, user="u1"),
        "not json",
        binary_frame(b"\x00\xffjunk"),
        TOO_LARGE,
        {"type": "like", "ts": 2_000, "room": "toko", "user": "u1", "count": 4},  # a decoded row
        event("comment", 3_000, user="u1", text="\x1b[31mmerah\x1b[0m"),
    ]


async def run(source, *sinks) -> dict:
    return await Pipeline(Engine(short_config()), source, [*sinks]).run()


async def test_every_input_is_kept_and_replays_as_the_same_events_and_rejections(tmp_path):
    path = tmp_path / "rec.jsonl"
    live = Collect()
    live_summary = await run(Listed([inputs()[:3], inputs()[3:]]), live, Recorder(path))
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert len(lines) == 6 and all(isinstance(line["arrival"], int) for line in lines)
    assert [sorted(set(line) - {"arrival"}) for line in lines] == [
        ["raw"], ["raw"], ["binary"], ["detail", "refused"], ["raw"], ["raw"],
    ]
    replayed = [raw for batch in read_batches(path) for raw in batch]
    assert replayed[:2] == inputs()[:2] and replayed[5] == inputs()[5]
    assert replayed[2].reason == "binary_frame" and replayed[2].raw == b"\x00\xffjunk"
    assert replayed[3].reason == "too_large"

    again = Collect()
    assert await run(FileSource(path), again) == live_summary
    assert live_summary["rejected"] == {"binary_frame": 1, "invalid_json": 1, "too_large": 1}
    assert [s.values for s in again.snapshots] == [s.values for s in live.snapshots]


async def test_lines_reach_the_disk_within_the_flush_interval_without_close(tmp_path):
    path = tmp_path / "rec.jsonl"
    recorder = Recorder(path, flush_s=0.1)
    recorder.on_message(event("like", 1), 1.0)
    await asyncio.sleep(0.3)
    assert path.read_bytes().count(b"\n") == 1  # a kill now would lose nothing
    recorder.on_message(event("like", 2), 2.0)
    recorder.close({})
    assert path.read_bytes().count(b"\n") == 2


def test_a_line_cut_by_a_kill_does_not_spoil_the_next_run(tmp_path):
    path = tmp_path / "rec.jsonl"
    path.write_bytes(b'{"arrival":1,"raw":"{\\"type\\":\\"like\\",\\"ts\\":1}"}\n{"arrival":2,"raw":"{\\"ty')
    recorder = Recorder(path)
    recorder.on_message(event("share", 3, user="u1"), 3.0)
    recorder.close({})
    replayed = [raw for batch in read_batches(path) for raw in batch]
    assert replayed[0] == '{"type":"like","ts":1}'
    assert replayed[-1] == event("share", 3, user="u1")  # whole, not glued to the cut line
    assert len(replayed) == 3


async def test_a_sources_progress_is_recorded_and_replayed_and_counts_as_no_event(tmp_path):
    import math

    from monitor.progress import SourceProgress

    path = tmp_path / "rec.jsonl"
    first, later = SourceProgress("tiktok-shop", -math.inf), SourceProgress("tiktok-shop", 4_999)
    last = SourceProgress("tiktok-shop", math.inf)
    order = {"type": "order", "ts": 4_000, "room": "toko", "product": "sku-7", "amount": 5000, "order_id": "o-1"}
    live = Collect()
    batches = [[first], [event("like", 1_000, user="u1")], [order, later], [last]]
    summary = await run(Listed(batches), live, Recorder(path))
    assert summary["events"] == 2 and summary["rejected"] == {}  # the promises are no input to judge
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert [line.get("progress") for line in lines] == ["tiktok-shop", None, None, "tiktok-shop", "tiktok-shop"]
    assert lines[0]["through"] == "-inf" and lines[3]["through"] == 4_999
    replayed = [raw for batch in read_batches(path) for raw in batch]
    assert replayed[0] == first and replayed[3] == later and replayed[4] == last
    again = Collect()
    assert await run(FileSource(path), again) == summary
