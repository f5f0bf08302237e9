"""`livemon publish`: a file, a websocket feed or a simulation onto the LIVEMON stream.

Each input batch is parsed by the one parser and judged by the one admission
(monitor/clock.py: late, far from the stream, duplicate, too many rooms), so
bad input is judged once, here, where the whole stream is seen; the accepted
events are grouped by room and sent as one JSON array message per room
(batching: one JetStream message carries up to `MAX_EVENTS` events, which is
what lets one publisher fill many workers), then the stream's clock follows as
a control message (feeds/jetstream/clock.py).
One publisher connection keeps the order: a room's messages are stored in the
order they were sent, and a partition reads its rooms and the clock in stream
order. Publishes are pipelined (`publish_async`) and their acks awaited in
bulk, so the network round trip is paid per window, not per message.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter, deque
from typing import Any, AsyncIterator, Iterable, Sequence

import msgspec
import orjson
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from monitor.clock import Admission, ClockReading
from monitor.config import Config
from monitor.events import Event, Rejection, parse_lines
from monitor.pipeline import Pacer, wall_ms
from monitor.sinks import Sink

from .clock import decode, encode
from .subjects import CLOCK, END, STREAM, event_subject

log = logging.getLogger("livemon.publish")

_FIELDS = tuple((field.name, field.default) for field in msgspec.structs.fields(Event))


def event_json(event: Event) -> bytes:
    """An accepted event as contract JSON; fields at their default are left out (the parser fills them in)."""
    return orjson.dumps({name: value for name, default in _FIELDS
                         if (value := getattr(event, name)) != default or default is msgspec.NODEFAULT})


MAX_EVENTS = 1000  # events per message: ~200 KB of JSON, under the server's 1 MB max_payload
_IN_FLIGHT = 2000  # unacknowledged publishes before the publisher waits for acks


class Publisher:
    """Puts batches of raw input on the stream, each followed by the stream's clock."""

    def __init__(self, js: JetStreamContext, config: Config, *, speed: float | None = None,
                 rejection_sinks: Iterable[Sink] = (), max_payload: int = 1 << 20, room: str | None = None,
                 live: bool = False) -> None:
        self.js = js
        self.admission = Admission(config.engine, room=room, max_rooms=config.input.max_rooms, live=live)
        self.clock = self.admission.clock
        self.pacer = Pacer(speed)
        self.sinks = list(rejection_sinks)
        self.max_payload = max_payload
        self.events = 0
        self.messages = 0
        self.rejected: Counter = Counter()  # what the stream refused beyond the admission (max_payload)
        self._acks: deque[asyncio.Future] = deque()
        self._lock = asyncio.Lock()  # the live clock never slips between the messages of one batch

    async def resume(self) -> None:
        """Continue the clock a previous publisher left on the stream (a restart mid-session)."""
        try:
            last = await self.js.get_last_msg(STREAM, CLOCK)
        except NotFoundError:
            return
        reading, _ = decode(last.data)
        self.clock.resume(reading.released)

    async def take(self, batch: list[Any], arrival_ms: float | None = None, *, live: bool = False) -> None:
        """One input batch: its accepted events by room, paced by event time, then the clock."""
        async with self._lock:
            await self._take(batch, arrival_ms, live)

    async def _take(self, batch: list[Any], arrival_ms: float | None, live: bool) -> None:
        arrival = wall_ms() if arrival_ms is None else arrival_ms
        pacer = self.pacer
        items = parse_lines(batch)
        # JSON Lines of one object each go on as they came (cheapest, unknown fields kept)
        as_read = len(items) == len(batch) and all(type(raw) is bytes and raw[:1] == b"{" for raw in batch)
        raw_of = {id(item): batch[index] for index, item in enumerate(items)} if as_read else {}
        start = 0
        if pacer.speed is not None:
            for index, item in enumerate(items):
                if type(item) is not Event:
                    continue
                wait = pacer.delay(item.ts)
                if wait > 0.002:
                    await self._admit(items[start:index], arrival, raw_of, live)  # what is due goes out first
                    start = index
                    await asyncio.sleep(wait)
                    arrival = wall_ms()
        await self._admit(items[start:], arrival, raw_of, live)

    async def _admit(self, items: list[Any], arrival: float, raw_of: dict[int, bytes], live: bool) -> None:
        accepted, rejections = self.admission.take(items, arrival)
        if live:
            self.clock.run_on(wall_ms())
        if rejections:
            self._reject(rejections, arrival)
        rooms: dict[str, list[bytes]] = {}
        for event in accepted:
            raw = raw_of.get(id(event)) or event_json(event)
            group = rooms.get(event.room)
            if group is None:
                rooms[event.room] = [raw]
            else:
                group.append(raw)
        await self._flush(rooms)

    async def tick(self) -> None:
        """Live: the clock runs on between events, so windows move and silence is noticed."""
        async with self._lock:
            self.clock.run_on(wall_ms())
            await self._send_clock(CLOCK)

    async def end(self) -> None:
        """End of stream: held events are decided, then the last tick of every room is the stream's last."""
        accepted, rejections = self.admission.settle()
        await self._admit_settled(accepted, rejections)
        await self._send_clock(END)
        await self.drain()

    async def _admit_settled(self, accepted: list[Event], rejections: list[Rejection]) -> None:
        if rejections:
            self._reject(rejections, wall_ms())
        rooms: dict[str, list[bytes]] = {}
        for event in accepted:
            rooms.setdefault(event.room, []).append(event_json(event))
        if rooms:
            await self._flush(rooms)

    async def drain(self) -> None:
        while self._acks:
            await self._acks.popleft()

    def summary(self) -> dict:
        totals = self.admission.totals
        rejected = totals.rejected + self.rejected
        return {"events": self.events, "messages": self.messages, "rejected": dict(sorted(rejected.items())),
                "late": totals.late, "duplicates": totals.duplicates}

    # ------------------------------------------------------------ sending

    async def _flush(self, rooms: dict[str, list[bytes]]) -> None:
        for room, events in rooms.items():
            subject = event_subject(room)
            for start in range(0, len(events), MAX_EVENTS):
                await self._send_events(subject, events[start:start + MAX_EVENTS])
        await self._send_clock(CLOCK)

    async def _send_events(self, subject: str, events: list[bytes]) -> None:
        payload = b"[" + b",".join(events) + b"]"
        if len(payload) > self.max_payload:
            if len(events) == 1:
                self.rejected["too_large"] += 1
                self._reject([Rejection("too_large", f"event over the server's max_payload ({self.max_payload})",
                                        events[0])], wall_ms())
                return
            half = len(events) // 2
            await self._send_events(subject, events[:half])
            await self._send_events(subject, events[half:])
            return
        await self._send(subject, payload)
        self.events += len(events)

    async def _send_clock(self, subject: str) -> None:
        end = subject == END
        reading = self.clock.reading(end=end)
        if end:
            totals = self.admission.totals
            counts = {"late": totals.late, "duplicates": totals.duplicates,
                      "rejected": dict(sorted((totals.rejected + self.rejected).items()))}
            if reading.last is None:  # an empty stream still ends
                reading = ClockReading(reading.released, -math.inf)
            await self._send(subject, encode(reading, counts))
        elif reading.released != -math.inf:
            await self._send(subject, encode(reading))

    async def _send(self, subject: str, payload: bytes) -> None:
        self._acks.append(await self.js.publish_async(subject, payload))
        self.messages += 1
        if len(self._acks) >= _IN_FLIGHT:
            for _ in range(_IN_FLIGHT // 2):
                await self._acks.popleft()  # raises if the stream refused a message

    def _reject(self, rejections: list[Rejection], arrival_ms: float) -> None:
        for sink in self.sinks:
            sink.on_rejections(rejections, arrival_ms)


async def publish_source(publisher: Publisher, batches: AsyncIterator[Sequence[Any]], *, live: bool,
                         tick_s: float, stop: asyncio.Event) -> bool:
    """Publish every batch of a source; True when the source ended (then the end marker is sent)."""
    ticker = asyncio.create_task(_live_clock(publisher, tick_s)) if live else None
    stopping = asyncio.create_task(stop.wait())
    ended = False
    try:
        iterator = batches.__aiter__()
        while True:
            following = asyncio.ensure_future(iterator.__anext__())
            await asyncio.wait({following, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not following.done():
                following.cancel()
                break
            try:
                batch = following.result()
            except StopAsyncIteration:
                ended = True
                break
            await publisher.take(batch, live=live)
    finally:
        stopping.cancel()
        if ticker is not None:
            ticker.cancel()
    if ended:
        await publisher.end()
    else:
        await publisher.drain()
    return ended


async def _live_clock(publisher: Publisher, tick_s: float) -> None:
    while True:
        await asyncio.sleep(tick_s / 4)
        await publisher.tick()


async def run_publish(url: str, config: Config, batches: AsyncIterator[Sequence[Any]], *, live: bool,
                      speed: float | None, partitions: int, stop: asyncio.Event,
                      rejection_sinks: Iterable[Sink] = (), room: str | None = None) -> dict:
    """Connect, make sure the streams exist, publish the source; the summary of what was sent."""
    from .subjects import connect, ensure_streams

    connection = await connect(url, "livemon-publish")
    try:
        js = connection.jetstream()
        await ensure_streams(js, partitions)
        publisher = Publisher(js, config, speed=None if live else speed, rejection_sinks=rejection_sinks,
                              max_payload=connection.max_payload, room=room, live=live)
        await publisher.resume()
        ended = await publish_source(publisher, batches, live=live, tick_s=config.engine.tick_s, stop=stop)
        return {**publisher.summary(), "ended": ended}
    finally:
        await connection.drain()
