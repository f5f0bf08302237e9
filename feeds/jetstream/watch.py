"""`livemon watch nats://...`: the snapshots and alerts the workers publish.

The records are read from the output stream (not from plain subscriptions),
so a record a worker published twice during a takeover is seen once, and a
watcher that starts late gets the newest record of every room at once
(`history="latest"`) or the whole session (`history="all"`). Each room's
records come in the order its worker computed them. The stream has ended when
every partition's summary is in; their sum is the run summary.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from typing import IO, AsyncIterator

import nats
import orjson
from nats.js.api import ConsumerConfig, DeliverPolicy

from .subjects import (
    ALERTS, METRICS, OUTPUT, PRODUCTS, SUMMARY, alerts_subject, connect, metrics_subject, room_token,
)

HISTORY = {"latest": DeliverPolicy.LAST_PER_SUBJECT, "all": DeliverPolicy.ALL}


class RecordFeed:
    """Batches of records (dicts) from the output stream, for one room or all."""

    def __init__(self, url: str, *, room: str | None = None, history: str = "latest") -> None:
        if history not in HISTORY:
            raise ValueError(f"history must be one of {', '.join(HISTORY)}")
        self.url = url
        self.name = url
        self.room = room
        self.history = history
        self.summaries: dict[int, dict] = {}
        self.partitions: int | None = None

    @property
    def ended(self) -> bool:
        return self.partitions is not None and len(self.summaries) >= self.partitions

    async def batches(self) -> AsyncIterator[list[dict]]:
        """Until every partition has ended (or the caller stops iterating)."""
        connection = await connect(self.url, "livemon-watch")
        try:
            js = connection.jetstream()
            if self.room is None:
                subjects = [f"{METRICS}.*", f"{ALERTS}.*", f"{PRODUCTS}.*", f"{SUMMARY}.*"]
            else:
                token = room_token(self.room)
                subjects = [metrics_subject(self.room), alerts_subject(self.room), f"{PRODUCTS}.{token}",
                            f"{SUMMARY}.*"]
            subscription = await js.subscribe(
                "", stream=OUTPUT, ordered_consumer=True,
                config=ConsumerConfig(filter_subjects=subjects, deliver_policy=HISTORY[self.history]),
            )
            while not self.ended:
                try:
                    messages = [await subscription.next_msg(timeout=1.0)]
                except (nats.errors.TimeoutError, asyncio.TimeoutError):
                    continue
                while subscription.pending_msgs and len(messages) < 512:
                    messages.append(await subscription.next_msg())
                records = []
                for message in messages:
                    record = orjson.loads(message.data)
                    if record.get("kind") == "summary":
                        self.summaries[record["partition"]] = record
                        self.partitions = record["partitions"]
                    else:
                        records.append(record)
                if records:
                    yield records
        finally:
            await connection.drain()

    def summary(self) -> dict:
        """The run summary of the whole stream: the partitions' summaries added up."""
        total = {"kind": "summary", "events": 0, "rejected": Counter(), "late": 0, "duplicates": 0, "rooms": set(),
                 "ignored_joins": 0, "ignored_leaves": 0}
        for part in self.summaries.values():
            for key in ("events", "late", "duplicates", "ignored_joins", "ignored_leaves"):
                total[key] += part.get(key, 0)
            total["rejected"].update(part.get("rejected", {}))
            total["rooms"].update(part.get("rooms", []))
        total["rejected"] = dict(sorted(total["rejected"].items()))
        total["rooms"] = sorted(total["rooms"])
        total["partitions_ended"] = len(self.summaries)
        return total


async def write_records(feed: RecordFeed, stop: asyncio.Event, stream: IO[bytes] | None = None) -> dict:
    """Headless: every record as one JSON line, then the summary line (at the end or on stop)."""
    out = stream if stream is not None else sys.stdout.buffer
    reading = asyncio.create_task(_copy(feed, out))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (reading, stopping):
            task.cancel()
        results = await asyncio.gather(reading, stopping, return_exceptions=True)
    if isinstance(results[0], Exception) and not isinstance(results[0], asyncio.CancelledError):
        raise results[0]
    summary = feed.summary()
    out.write(orjson.dumps(summary) + b"\n")
    out.flush()
    return summary


async def _copy(feed: RecordFeed, out: IO[bytes]) -> None:
    dumps = orjson.dumps
    async for records in feed.batches():
        out.write(b"".join(dumps(record) + b"\n" for record in records))
        out.flush()


def watch_headless(feed: RecordFeed) -> int:
    """`livemon watch nats://... --headless`: the records as JSON Lines until the end or a signal."""

    async def main() -> None:
        import signal

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await write_records(feed, stop)

    asyncio.run(main())
    return 0
