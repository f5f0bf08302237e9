"""Source -> bounded queue -> engine -> sinks, on asyncio.

A source is an async iterator of batches of raw inputs (bytes / str messages,
already decoded rows as dicts, or a `Rejection` for an input the feed refused
before parsing, such as a binary websocket frame). The queue between source and engine is
bounded, so a fast source waits for the engine instead of filling memory.
Replay pacing, pause and the live wall clock live here, not in the engine.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator, Callable, Protocol, Sequence

from .engine import Engine
from .events import Event, JsonLines, Rejection, parse_input, parse_lines
from .sinks import Sink


#: Raw input parsed and admitted at once (a few hundred events of JSON) before the ticks it made due go out:
#: a batch read ahead while the engine was busy (hundreds of live messages) is taken in such steps.
STEP_BYTES = 1 << 15


def _size(batch: Sequence[Any]) -> int:
    """Bytes of raw input in a batch (100 per input that has no length: a refusal, a progress)."""
    if type(batch) is JsonLines:  # a file's block: one piece of text, not split into lines for this
        return len(batch.text)
    try:
        return sum(map(len, batch))
    except TypeError:
        return len(batch) * 100


def steps(batch: Sequence[Any], step_bytes: int | None = None) -> Sequence[Sequence[Any]]:
    """A batch cut into slices of about STEP_BYTES of raw input (the whole batch when it is smaller)."""
    step = STEP_BYTES if step_bytes is None else step_bytes
    if type(batch) is JsonLines:
        return batch.cut(step)
    size = _size(batch)
    if size <= step or len(batch) < 2:
        return [batch]
    per = max(1, len(batch) * step // size)
    return [batch[start:start + per] for start in range(0, len(batch), per)]


class NotARecording(ValueError):
    """Every input of a file was rejected: it holds no events of the contract (an xlsx, a PDF, a log)."""


def check_recording(summary: dict[str, Any], name: str) -> None:
    """Refuse a read in which nothing took effect and everything was rejected."""
    rejected = summary.get("rejected", {})
    total = sum(rejected.values())
    if summary.get("events", 0) == 0 and total and not summary.get("late") and not summary.get("duplicates"):
        most = max(rejected, key=rejected.get)
        raise NotARecording(f"{name}: not a recording of livemon events: all {total} inputs were rejected "
                            f"(mostly {most}; see the event contract in docs/events.md)")


class Source(Protocol):
    name: str

    def batches(self) -> AsyncIterator[Sequence[Any]]: ...


def wall_ms() -> float:
    return time.time() * 1000


class Pacer:
    """Holds events back so event time runs at `speed` times the wall clock."""

    def __init__(self, speed: float | None) -> None:
        self.speed = speed  # None: as fast as possible
        self._origin: tuple[float, float] | None = None  # (monotonic s, event ms)

    def set_speed(self, speed: float | None) -> None:
        self.speed = speed
        self._origin = None

    def delay(self, ts: float) -> float:
        """Seconds to wait before an event at `ts` may pass."""
        if self.speed is None:
            return 0.0
        now = time.monotonic()
        if self._origin is None:
            self._origin = (now, ts)
            return 0.0
        start, origin_ts = self._origin
        return start + (ts - origin_ts) / 1000 / self.speed - now


class Pipeline:
    """Runs one source through one engine into sinks."""

    def __init__(
        self,
        engine: Engine,
        source: Source,
        sinks: list[Sink],
        *,
        speed: float | None = None,
        queue_size: int = 64,
    ) -> None:
        self.engine = engine
        self.source = source
        self.sinks = sinks
        self.live = engine.live  # one place says whether a run is live: the engine
        self.pacer = Pacer(None if self.live else speed)
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=queue_size)
        self.running = asyncio.Event()
        self.running.set()
        self.ended = False
        self._stop = asyncio.Event()
        # only sinks that want raw messages are called per message (the hot path)
        self._message_sinks = [sink for sink in sinks if type(sink).on_message is not Sink.on_message]
        self._event_sinks = [sink for sink in sinks if type(sink).on_events is not Sink.on_events]
        self._batch_sinks = [sink for sink in sinks if type(sink).on_batch is not Sink.on_batch]
        if hasattr(source, "on_status"):
            source.on_status = self.status  # live sources report their connection state

    # ------------------------------------------------------------ control

    def pause(self) -> None:
        self.running.clear()

    def resume(self) -> None:
        self.pacer.set_speed(self.pacer.speed)  # restart pacing from here
        self.running.set()

    def set_speed(self, speed: float | None) -> None:
        self.pacer.set_speed(speed)

    def stop(self) -> None:
        """Ask the run to end: emit what the watermark allows and the summary."""
        self._stop.set()

    def status(self, state: str, detail: str = "") -> None:
        for sink in self.sinks:
            sink.on_status(state, detail)

    # ------------------------------------------------------------ run

    async def run(self) -> dict:
        """Run the source to its end (or `stop()`); an error in any task ends the run and is raised.

        What was computed before the error still reaches the sinks (the ticks
        the watermark released and the summary), so a crash never loses them.
        """
        producer = asyncio.create_task(self._produce())
        consumer = asyncio.create_task(self._consume())
        stopper = asyncio.create_task(self._stop.wait())
        tasks = [producer, consumer, stopper]
        if self.live:
            tasks.append(asyncio.create_task(self._clock()))
        try:
            waiting = set(tasks)
            while consumer in waiting and stopper in waiting:
                done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if any(task is not producer and not task.cancelled() and task.exception() for task in done):
                    break  # the engine or the live clock failed; a failed source lets the queue drain first
        finally:
            for task in tasks:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
        if self.live and self._stop.is_set():
            await self._drain()  # what already arrived counts, though the feed is not read further
        error = next((result for result in results
                      if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError)), None)
        engine = self.engine
        try:
            now = wall_ms()
            self._reject(engine.settle(now), now)
            if self._stop.is_set():
                # asked to stop: what the watermark released, for a quarter of a second at most, then the summary
                clock = now if self.live else None
                await self._release(lambda: engine.advance(clock, max_ticks=self._chunk()), deadline=0.25)
            else:
                await self._release(lambda: engine.finish(max_ticks=self._chunk()))
        except Exception:
            if error is None:
                raise
            # the first error is the one to report; what could be flushed was flushed
        summary = engine.summary()
        lost = getattr(self.source, "lost_events", 0)
        if lost:  # the feed can tell what it sent while we were away and no longer holds
            summary["lost_events"] = lost
        self.ended = True
        for sink in self.sinks:
            sink.close(summary)
        if error is not None:
            raise error
        return summary

    async def _drain(self) -> None:
        """Take the batches already queued (a stop of a live run loses nothing that arrived)."""
        while not self.queue.empty():
            batch = self.queue.get_nowait()
            if batch is None:
                return
            await self._take(batch)

    async def _produce(self) -> None:
        try:
            async for batch in self.source.batches():
                await self.queue.put(batch)
        finally:
            await self.queue.put(None)

    async def _consume(self) -> None:
        queue = self.queue
        while True:
            batch = await queue.get()
            if batch is None:
                self.status("ended")
                return
            await self.running.wait()
            await self._take(batch)
            for sink in self._batch_sinks:
                sink.on_batch(batch)

    async def _take(self, batch: Sequence[Any]) -> None:
        engine = self.engine
        arrival = wall_ms()
        pacer = self.pacer
        listeners = self._message_sinks
        if pacer.speed is None and not listeners:
            # as fast as possible and nobody needs the raw messages: whole steps of the batch at once,
            # the ticks they make due sent on before the next step (a live feed read far ahead)
            for step in steps(batch):
                items = parse_lines(step)
                for sink in self._event_sinks:
                    sink.on_events(items)
                self._reject(engine.offer_batch(items, arrival), arrival)
                await self._release_due()
            return
        rejections: list[Rejection] = []
        for raw in batch:
            for sink in listeners:
                sink.on_message(raw, arrival)
            items = parse_input(raw)
            for sink in self._event_sinks:
                sink.on_events(items)
            for item in items:
                if pacer.speed is not None and type(item) is Event:
                    wait = pacer.delay(item.ts)
                    if wait > 0.002:
                        await self._release(engine.advance)
                        await asyncio.sleep(wait)
                        await self.running.wait()
                        arrival = wall_ms()
                rejections += engine.offer(item, arrival)
        self._reject(rejections, arrival)
        await self._release_due()

    async def _release_due(self) -> None:
        """Send on the ticks the clock has released (live: after running it on to now), then let the loop breathe."""
        engine = self.engine
        if self.live:
            now = wall_ms()
            await self._release(lambda: engine.advance(now, max_ticks=self._chunk()))
        else:
            await self._release(lambda: engine.advance(max_ticks=self._chunk()))
        await asyncio.sleep(0)

    def _reject(self, rejections: list[Rejection], arrival: float) -> None:
        if rejections:
            for sink in self.sinks:
                sink.on_rejections(rejections, arrival)

    def _chunk(self) -> int:
        """Ticks per step of a long release: about 4,000 room snapshots, then the loop breathes."""
        return max(1, 4096 // max(1, len(self.engine.rooms)))

    async def _release(self, produce: Callable[[], list], *, stoppable: bool = True,
                       deadline: float | None = None) -> None:
        """Emit due ticks in steps, yielding between them, so a long silence never blocks a stop."""
        until = None if deadline is None else time.monotonic() + deadline
        while True:
            ticks = produce()
            if not ticks:
                return
            self._emit(ticks)
            if until is not None:
                if time.monotonic() > until:
                    return
                continue
            await asyncio.sleep(0)
            if stoppable and self._stop.is_set():
                return

    async def _clock(self) -> None:
        """Live mode: the stream clock runs on between events."""
        interval = self.engine.tick_ms / 4000
        engine = self.engine
        while True:
            await asyncio.sleep(interval)
            now = wall_ms()
            await self._release(lambda: engine.advance(now, max_ticks=self._chunk()))

    def _emit(self, ticks: list) -> None:
        if ticks:
            for sink in self.sinks:
                sink.on_ticks(ticks)
