"""Seeking in the 4-hour recording: time to the first tick at the target, and what the checkpoints cost.

The console's own seek (monitor/console/replay.py `rebuild`) on the
BROADCAST_4H workload: the replay is played once as fast as it reads (the
console's checkpoints taken on the way, as it does while playing), then 20
seeks to random times, forward and back, each from the latest checkpoint
before its target. A seek's time runs from the key press (the rebuild called)
to the tick at the target released: the state restored, the file read on from
the checkpoint's byte offset and fed to the engine. Checkpoint memory is the
compressed bytes the store holds at the end; the peak RSS is the whole
process (the replay, its engine and the checkpoints).

`section()` gives the BENCHMARKS.md section (bench/run.py calls it like the
other sections); `python -m bench.seek` prints it.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time

from .measures import peak_rss_mb
from .workloads import BROADCAST_4H, SMOKE, Workload

SEEKS = 20


def measure(workload: Workload, seeks: int = SEEKS, seed: int = 15, log=print) -> dict:
    from feeds.files import FileSource
    from monitor.config import load_config
    from monitor.console.replay import CHECKPOINT_EVERY_S, rebuild, replay_checkpoints

    facts = workload.ensure(log)
    config = load_config()
    file = FileSource(workload.path)
    store = replay_checkpoints()
    started = time.perf_counter()
    played = rebuild(config, file, math.inf, checkpoints=store)  # the straight play, checkpointing as it goes
    play_s = time.perf_counter() - started
    assert played is not None and played.sink.position is not None  # nothing cancels it
    first = min(checkpoint.released for checkpoint in store)
    last = played.sink.position
    log(f"  played {facts['events']:,} events in {play_s:.0f} s: {len(store)} checkpoints, {store.bytes / 2**20:.0f} MB")
    rng = random.Random(seed)
    times, replayed, back, position = [], [], 0, last
    for index in range(seeks):
        target = rng.uniform(first, last)
        direction = "back" if target < position else "forward"
        back += direction == "back"
        started = time.perf_counter()
        seek = rebuild(config, file, target, checkpoints=store)
        assert seek is not None
        times.append(time.perf_counter() - started)
        replayed.append((target - seek.restored) / 1000 if seek.restored is not None else math.nan)
        position = seek.sink.position or position
        log(f"  seek {index + 1}/{seeks} {direction}: {times[-1]:.2f} s, "
            f"{seek.batches} batches read")
    return {
        "events": facts["events"], "distinct_viewers": facts["distinct_viewers"], "hours": facts["duration_s"] / 3600,
        "play_s": play_s, "seeks": seeks, "back": back,
        "median_s": statistics.median(times), "max_s": max(times), "min_s": min(times),
        "replayed_max_s": max(replayed), "checkpoints": len(store), "checkpoint_mb": store.bytes / 2**20,
        "checkpoint_each_mb": store.bytes / 2**20 / max(1, len(store)), "every_s": store.every_ms / 1000,
        "shipped_every_s": CHECKPOINT_EVERY_S, "peak_rss_mb": peak_rss_mb(),
    }


def lines(result: dict) -> list[str]:
    r = result
    return [
        "## Seek in the 4-hour recording",
        "",
        f"The console's seek (`monitor/console/replay.py`) in {r['hours']:.3g} hours of broadcast "
        f"({r['events']:,} events, {r['distinct_viewers']:,} distinct viewers): played once as fast as it reads "
        f"({r['play_s']:.0f} s, checkpoints taken on the way), then {r['seeks']} seeks to random times "
        f"({r['back']} back, {r['seeks'] - r['back']} forward), each from the latest checkpoint before its target. "
        "Time: from the seek asked to the tick at the target released. Target: under 1 s.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| time to the first tick after a seek, median | {r['median_s']:.2f} s |",
        f"| time to the first tick after a seek, max | {r['max_s']:.2f} s |",
        f"| time to the first tick after a seek, min | {r['min_s']:.2f} s |",
        f"| event time replayed past the checkpoint, max | {r['replayed_max_s']:.0f} s |",
        f"| checkpoints kept (one per {r['every_s']:.0f} s of event time; shipped spacing {r['shipped_every_s']} s) "
        f"| {r['checkpoints']} |",
        f"| checkpoint memory (compressed) | {r['checkpoint_mb']:.0f} MB ({r['checkpoint_each_mb']:.2f} MB each) |",
        f"| peak RSS of the process (replay, engine, checkpoints) | {r['peak_rss_mb']:.0f} MB |",
        "",
    ]


def section(runs: int = 1, smoke: bool = False, log=print, targets: list | None = None) -> list[str]:
    """The BENCHMARKS.md section (one pass: the seeks are the repetitions); the seek's row in bench/run.py's targets."""
    result = measure(SMOKE if smoke else BROADCAST_4H, seeks=4 if smoke else SEEKS, log=log)
    if targets is not None:
        from .run import Target

        targets.append(Target(
            f"Seek anywhere, {result['hours']:.3g}-hour recording (median and max of {result['seeks']})", "< 1 s",
            f"{result['median_s']:.2f} s / {result['max_s']:.2f} s, checkpoints {result['checkpoint_mb']:.0f} MB",
            result["max_s"] < 1.0, f"a checkpoint every {result['every_s']:.0f} s of event time"))
    return lines(result)


if __name__ == "__main__":
    print("\n".join(section(smoke="--smoke" in sys.argv, log=lambda message: print(message, file=sys.stderr))))
