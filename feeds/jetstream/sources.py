"""What `livemon publish` reads: the feeds every other verb reads, as batches of raw input."""

from __future__ import annotations

import time
from typing import Any, AsyncIterator, Sequence

from monitor.config import Config

BATCH = 2000  # simulated events per batch, as a file's reader gives them


def source_batches(args, config: Config) -> tuple[AsyncIterator[Sequence[Any]], bool]:
    """(batches, live) for a FILE, a ws:// URL or --simulate SCENARIO."""
    if args.simulate is not None:
        from feeds.simulator import SCENARIOS

        if args.simulate not in SCENARIOS:
            raise ValueError(f"unknown scenario {args.simulate!r}; choose one of {', '.join(SCENARIOS)}")
        return simulated(args.simulate, args.duration, seed=args.seed, rooms=args.rooms), False
    if args.source.startswith(("ws://", "wss://")):
        from feeds.websocket_client import WebSocketSource

        source = WebSocketSource(args.source, token=args.token, max_message_bytes=config.input.max_message_bytes)
        return source.batches(), True
    from feeds.files import FileSource

    return FileSource(args.source).batches(), False


async def simulated(scenario: str, duration_s: float, *, seed: int, rooms: int) -> AsyncIterator[Sequence[Any]]:
    """A simulated broadcast that starts now, several rooms interleaved."""
    from feeds.simulator import generate

    batch: list[Any] = []
    for event in generate(scenario, duration_s, seed=seed, rooms=rooms, start_ms=int(time.time() * 1000)):
        batch.append(event)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
