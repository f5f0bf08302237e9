"""Replay controls that need the file: speeds, the time span, and seeking.

Seeking starts from the latest checkpoint (monitor/checkpoint.py) whose
watermark lies before the target, or from the file's start when there is
none: the state is restored, the file is read on from the checkpoint's byte
offset (what comes before is never parsed), and the engine is fed in a plain
loop (no pacing, no console) up to the target, in a worker thread; the rest
of the file then continues through a new pipeline. The engine is
deterministic and a checkpoint holds its whole state, so the state at the
target is the one a straight replay has there.

Checkpoints are taken every `CHECKPOINT_EVERY_S` of event time, both while a
seek rebuilds and while the replay plays (a `Checkpointer` sink, between two
batches), each with the console's own state beside the engine's (the charts'
history, the alert list, the comments), kept compressed within
`CHECKPOINT_BUDGET_MB`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Sequence

from feeds.files import FilePosition, UnreadableRecording, read_batches, read_from

from ..checkpoint import CheckpointMismatch, Checkpoints, fingerprint, restore, save
from ..config import Config
from ..engine import Engine
from ..events import Event, parse_input, parse_lines
from ..runs import build_engine
from ..sinks import Sink
from .state import ConsoleSink
from .view import SHOWN_BASELINES

SPEEDS: tuple[float | None, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, None)  # None: as fast as possible
CHECKPOINT_EVERY_S = 60  # a seek replays at most this much event time past its checkpoint (when within budget)
CHECKPOINT_BUDGET_MB = 192  # compressed (~0.75 MB each in a 4-hour session: bench/seek.py); past it they thin out


def step_speed(speed: float | None, step: int) -> float | None:
    """The next speed up (+1) or down (-1) from `speed`, which may be off the ladder."""
    rank = len(SPEEDS) - 1 if speed is None else sum(1 for s in SPEEDS[:-1] if s < speed)
    if speed is not None and step > 0 and speed not in SPEEDS:
        rank -= 1  # 3x goes up to 5x, not 10x
    return SPEEDS[max(0, min(len(SPEEDS) - 1, rank + step))]


def time_span(path: str | Path, cancelled: Callable[[], bool] = lambda: False) -> tuple[float, float] | None:
    """First and last event time of a file (the progress bar's ends); None if it holds no event."""
    first = last = None
    for batch in read_batches(path):
        for item in parse_lines(batch):
            if type(item) is Event:
                if first is None:
                    first = item.ts
                if last is None or item.ts > last:
                    last = item.ts
        if cancelled():
            return None
    return None if first is None else (first, last)


def replay_checkpoints() -> Checkpoints:
    """The store of one replay's checkpoints (one per file; every seek and the play add to it)."""
    return Checkpoints(CHECKPOINT_EVERY_S * 1000, CHECKPOINT_BUDGET_MB * 2**20)


class ReplaySource:
    """A recording from a position on, as a pipeline source; it remembers where each batch it gave ends.

    `file` is the command's source (a FileSource): why reading stopped early is kept there, as when
    the file is read straight.
    """

    def __init__(self, file: Any, start: FilePosition | None = None, head: list[Any] | None = None,
                 head_end: FilePosition | None = None, *, exhausted: bool = False) -> None:
        self.file = file
        self.name = file.name
        self.path = Path(file.path)
        self.start = start
        self._head = head
        self._head_end = head_end
        self.exhausted = exhausted  # a seek read the whole file: nothing is left
        self._ends: deque[tuple[Sequence[Any], FilePosition]] = deque()  # batches given and not yet taken

    async def batches(self) -> AsyncIterator[Sequence[Any]]:
        if self._head:
            self._ends.append((self._head, self._head_end))
            yield self._head
        if self.exhausted:
            return
        try:
            for batch, end in read_from(self.path, self.start):
                self._ends.append((batch, end))
                yield batch
        except UnreadableRecording as error:  # the command says it once the run has ended
            self.file.error = str(error)
        except OSError as error:
            self.file.error = f"{self.path}: cannot be read: {error.strerror or error}"

    def end_of(self, batch: Sequence[Any]) -> FilePosition | None:
        """Where the file goes on after `batch` (a batch the pipeline has just taken)."""
        while self._ends:
            given, end = self._ends.popleft()
            if given is batch:
                return end
        return None


class Checkpointer(Sink):
    """Takes checkpoints of a playing replay between two batches: the engine and the console's state.

    Only while the engine runs the rules it started with: after a rule edit its state is no
    longer the state a straight replay under the new rules would have.
    """

    def __init__(self, store: Checkpoints, engine: Engine, sink: ConsoleSink, source: ReplaySource) -> None:
        self.store = store
        self.engine = engine
        self.sink = sink
        self.source = source
        self.fingerprint = fingerprint(engine)

    def on_batch(self, batch: Sequence[Any]) -> None:
        end = self.source.end_of(batch)
        if end is not None and self.store.due(self.engine) and fingerprint(self.engine) == self.fingerprint:
            self.store.add(save(self.engine, position=end, extra=self.sink))


@dataclass
class Rebuilt:
    engine: Engine
    sink: ConsoleSink
    source: ReplaySource
    target: float
    restored: float | None = None  # the watermark of the checkpoint it started from (None: the file's start)
    batches: int = 0  # batches read from the file


def _restored(config: Config, checkpoints: Checkpoints | None, target: float, room: str | None,
              ) -> tuple[Engine, ConsoleSink, FilePosition | None, float | None]:
    """A fresh engine and sink, or the state of the latest checkpoint before `target` when there is one."""
    engine = build_engine(config, room=room, shown_baselines=SHOWN_BASELINES)
    checkpoint = None if checkpoints is None else checkpoints.before(target, fingerprint(engine))
    if checkpoint is None:
        return engine, ConsoleSink(room=room), None, None
    try:
        sink = restore(checkpoint, engine)
    except CheckpointMismatch:
        return build_engine(config, room=room, shown_baselines=SHOWN_BASELINES), ConsoleSink(room=room), None, None
    sink.status, sink.detail, sink.summary = "", "", None
    for view in sink.rooms.values():  # the operator's marks come from the screen being left (carry_marks)
        view.muted.clear()
        view.acked.clear()
    return engine, sink, checkpoint.position, checkpoint.watermark


def rebuild(
    config: Config,
    file: Any,
    target: float,
    *,
    checkpoints: Checkpoints | None = None,
    room: str | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Rebuilt | None:
    """The state at `target`: from the latest checkpoint before it (or the start), the file fed into the
    engine until its watermark reaches `target`, checkpoints taken on the way (None if cancelled).

    `file` is the command's source (a FileSource: its `path` and `name`).
    """
    engine, sink, start, restored = _restored(config, checkpoints, target, room)
    batches = read_from(Path(file.path), start)
    lateness = engine.lateness_ms
    count = 0
    for batch, end in batches:
        count += 1
        items = parse_lines(batch)
        top = max((item.ts for item in items if type(item) is Event), default=None)
        if top is None or top - lateness < target:  # the whole batch lies before the target: take it at once
            sink.on_events(items)
            engine.offer_batch(items)
            sink.on_ticks(engine.advance())
            if checkpoints is not None and checkpoints.due(engine):
                checkpoints.add(save(engine, position=end, extra=sink))
            if cancelled():
                return None
            continue
        for index, raw in enumerate(batch):
            watermark = engine.watermark
            if watermark is not None and watermark >= target:
                sink.on_ticks(engine.advance())
                rest = ReplaySource(file, end, batch[index:], end)
                return Rebuilt(engine, sink, rest, target, restored, count)
            items = parse_input(raw)
            sink.on_events(items)
            for item in items:
                engine.offer(item)
        sink.on_ticks(engine.advance())
        if checkpoints is not None and checkpoints.due(engine):
            checkpoints.add(save(engine, position=end, extra=sink))
        if cancelled():
            return None
    # the target lies past the end: the new pipeline finds nothing left and finishes
    return Rebuilt(engine, sink, ReplaySource(file, exhausted=True), target, restored, count)
