"""Engine checkpoints: the engine's whole state at a point between two batches, saved and restored.

Why: a seek in a long recording, and a worker taking over a partition, would
otherwise rebuild the state from the stream's start. A checkpoint is taken
where the engine is between two inputs (every input before it offered, every
tick the clock released produced), so everything a later tick needs is in it:
the rooms (window rings, online set, visits awaiting the retention horizon,
products, question counts), the rules' states and baselines, the accepted
events still waiting for their tick, the held events, the dedupe ids and the
clock. Restored into an engine built from the same config, and given the
inputs after `position`, it computes exactly the ticks a straight run does.

The mechanism, chosen by measurement (bench/seek.py): one pickle of the
engine's attributes (msgspec events, slotted windows and visits all pickle),
zlib-compressed. What belongs to the config rather than to the stream (the
config, its settings, the question classifier's cache, the history lookup)
is left out and taken from the engine it is restored into. Compiled (mypyc),
the engine has no `__dict__`: its attributes come from `__getstate__`, and
the core's classes pickle through their own `__reduce__`. A checkpoint
carries a fingerprint of the config: it is only restored under the same
engine settings, rules and topics (else the caller rebuilds from the start).

Memory is bounded by `Checkpoints`: one checkpoint every `every_ms` of event
time, compressed; past `budget_bytes` every other one is dropped and the
spacing doubles, so a long session keeps fewer, wider-spaced checkpoints.
"""

from __future__ import annotations

import gc
import hashlib
import math
import pickle
import struct
import threading
import zlib
from bisect import bisect_left
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from . import compiled
from .engine import Engine

#: Bumped whenever the saved state changes shape: an older checkpoint is then not restored.
FORMAT = 1
#: Engine attributes that come from the config, not from the stream: never saved, taken from the new engine.
_FROM_CONFIG = ("config", "settings", "classify", "past_baselines")
_LEVEL = 1  # zlib: a fast level compresses engine state ~5x (bench/seek.py)


class CheckpointMismatch(ValueError):
    """The checkpoint was made by another config or another format: rebuild from the start instead."""


def fingerprint(engine: Engine) -> str:
    """What an engine's state depends on besides the stream: its settings, its rules now, topics, limits, and
    whether the core runs compiled (its classes pickle another way)."""
    config = engine.config
    parts = (compiled(), config.engine.model_dump_json(), [rule.model_dump_json() for rule in engine.rules],
             config.questions.model_dump_json(), config.input.max_rooms, engine.room_filter, engine.live,
             engine.shown_baselines)
    return hashlib.sha256(repr((FORMAT, parts)).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """An engine's state (and what the caller saved beside it) at one point of its input."""

    released: float  # every tick up to here was due (the engine produced them, or will on the next release)
    watermark: float | None  # the engine's watermark then (None: the clock had not started)
    position: Any  # where the input stood: the next input to give the restored engine
    fingerprint: str
    data: bytes  # the compressed pickle
    raw_size: int  # its size before compression

    @property
    def size(self) -> int:
        return len(self.data)

    def to_bytes(self) -> bytes:
        """For a store outside the process (a worker's object store): a header, then the state."""
        header = pickle.dumps((FORMAT, self.released, self.watermark, self.position, self.fingerprint, self.raw_size))
        return struct.pack(">I", len(header)) + header + self.data

    @classmethod
    def from_bytes(cls, blob: bytes) -> "Checkpoint":
        (length,) = struct.unpack_from(">I", blob)
        fmt, released, watermark, position, print_, raw_size = pickle.loads(blob[4:4 + length])
        if fmt != FORMAT:
            raise CheckpointMismatch(f"checkpoint format {fmt}, this livemon reads {FORMAT}")
        return cls(released, watermark, position, print_, blob[4 + length:], raw_size)


@contextmanager
def _no_collection() -> Iterator[None]:
    """No cycle collection while (un)pickling: the state is a million small objects and holds no cycles,
    and a collection every few hundred allocations more than doubles the time (bench/seek.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _attributes(engine: Engine) -> dict[str, Any]:
    """The engine's attributes: compiled (mypyc) it has no `__dict__`, and `__getstate__` gives them either way."""
    state: Any = engine.__getstate__()
    return dict(state[1] if isinstance(state, tuple) else state)


def _set_attributes(engine: Engine, attributes: dict[str, Any]) -> None:
    if hasattr(type(engine), "__setstate__"):  # compiled: the classes of the core pickle through their __reduce__
        merged = _attributes(engine)
        merged.update(attributes)
        setstate: Any = getattr(engine, "__setstate__")
        setstate(merged)
    else:
        vars(engine).update(attributes)


def save(engine: Engine, *, position: Any = None, extra: Any = None) -> Checkpoint:
    """The engine's state now (call it between two inputs), with `extra` (the caller's own state) beside it.

    `extra` is pickled together with the engine, so objects they share stay shared.
    """
    state = {name: value for name, value in _attributes(engine).items() if name not in _FROM_CONFIG}
    with _no_collection():
        raw = pickle.dumps((state, extra), protocol=pickle.HIGHEST_PROTOCOL)
    watermark = engine.watermark
    return Checkpoint(engine.clock.released, watermark, position, fingerprint(engine),
                      zlib.compress(raw, _LEVEL), len(raw))


def restore(checkpoint: Checkpoint, engine: Engine) -> Any:
    """Put the checkpoint's state into `engine`, a new engine of the same config; return the saved `extra`."""
    if checkpoint.fingerprint != fingerprint(engine):
        raise CheckpointMismatch("the checkpoint was made under another engine config or other rules")
    with _no_collection():
        state, extra = pickle.loads(zlib.decompress(checkpoint.data))
    _set_attributes(engine, state)
    return extra


class Checkpoints:
    """Checkpoints of one input in event-time order, one per `every_ms`, their bytes kept under `budget_bytes`.

    A seek thread and the playing replay both add to it, so it takes a lock. It holds the
    checkpoints of one engine config: one of another fingerprint replaces them all.
    """

    def __init__(self, every_ms: float, budget_bytes: int) -> None:
        self.every_ms = every_ms
        self.budget_bytes = budget_bytes
        self._kept: list[Checkpoint] = []  # ascending `released`
        self.bytes = 0
        self.taken = 0  # checkpoints made over the store's life (thinned ones included)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def __iter__(self) -> Iterator[Checkpoint]:
        return iter(list(self._kept))

    def due(self, engine: Engine) -> bool:
        """Whether the engine stands in an interval of `every_ms` that has no checkpoint yet."""
        released = engine.clock.released
        if released == -math.inf or engine.next_tick is None:
            return False
        low = released // self.every_ms * self.every_ms
        with self._lock:
            kept = self._kept
            index = bisect_left(kept, low, key=_released)
            return index == len(kept) or kept[index].released >= low + self.every_ms

    def add(self, checkpoint: Checkpoint) -> None:
        with self._lock:
            kept = self._kept
            if kept and kept[0].fingerprint != checkpoint.fingerprint:
                kept.clear()  # the config changed: the old ones can never be restored
            slot = checkpoint.released // self.every_ms
            index = bisect_left(kept, slot * self.every_ms, key=_released)
            if index < len(kept) and kept[index].released // self.every_ms == slot:
                return  # this interval has one already
            kept.insert(index, checkpoint)
            self.taken += 1
            self.bytes = sum(one.size for one in kept)
            while self.bytes > self.budget_bytes and len(self._kept) > 1:
                self._thin()

    def _thin(self) -> None:
        """Over the budget: keep one checkpoint per interval twice as wide."""
        self.every_ms *= 2
        kept, seen = [], set()
        for checkpoint in self._kept:
            slot = checkpoint.released // self.every_ms
            if slot not in seen:
                seen.add(slot)
                kept.append(checkpoint)
        if len(kept) == len(self._kept):  # nothing to merge: drop the oldest
            kept = kept[1:]
        self._kept = kept
        self.bytes = sum(checkpoint.size for checkpoint in kept)

    def before(self, target: float, fingerprint: str) -> Checkpoint | None:
        """The latest checkpoint of this fingerprint whose watermark lies before `target` (None: none)."""
        best = None
        with self._lock:
            for checkpoint in self._kept:
                if checkpoint.watermark is None or checkpoint.watermark >= target:
                    break
                if checkpoint.fingerprint == fingerprint:
                    best = checkpoint
        return best

    def clear(self) -> None:
        with self._lock:
            self._kept = []
            self.bytes = 0


def _released(checkpoint: Checkpoint) -> float:
    return checkpoint.released
