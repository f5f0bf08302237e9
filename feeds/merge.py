"""A broadcast made of several sources: one stream of batches for one engine and one clock.

The primary source carries the audience (a TikTok LIVE room, a websocket
feed); the others add what it cannot see (the shop's orders). Batches go on
as each source delivers them, unchanged, so a `SourceProgress` a source puts in
its batches reaches the stream's clock as it was sent. The broadcast ends when
the primary ends. A secondary source that fails is restarted with backoff and
one that gives up (refused credentials) stays stopped: neither ends the
broadcast.

The state the pipeline sees is the worst of the sources' states (a shop
poller that lost its connection makes the feed `disconnected` even while the
audience flows: its numbers are missing), with the details of the sources in
that state, primary first.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator, Callable

from .websocket_client import Backoff, ignore_status

log = logging.getLogger("livemon.merge")

#: How bad each state is; the merged state is the worst one.
_BADNESS = {"connected": 0, "connecting": 1, "disconnected": 2, "error": 2}
_PRIMARY_ENDED = object()


class MergedSource:
    """`sources[0]` is the primary; every source needs `name`, `batches()` and may have `on_status`."""

    def __init__(self, sources: list[Any], *, queue_size: int = 64, backoff_max_s: float = 60.0) -> None:
        if not sources:
            raise ValueError("a broadcast needs at least one source")
        self.sources = list(sources)
        self.name = " + ".join(source.name for source in self.sources)
        self.on_status: Callable[[str, str], None] = ignore_status
        self.queue_size = queue_size
        self.backoff_max_s = backoff_max_s
        self.states: dict[int, tuple[str, str]] = {}  # source index -> (state, detail)
        for index, source in enumerate(self.sources):
            if hasattr(source, "on_status"):
                source.on_status = self._status_of(index)

    @property
    def failure(self) -> str | None:
        """Why the primary gave up (a message key, e.g. an age-restricted TikTok room), if it did."""
        return getattr(self.sources[0], "failure", None)

    @property
    def refused(self) -> str | None:
        """Why the primary's server refused us (a wrong token), if it did."""
        return getattr(self.sources[0], "refused", None)

    def _status_of(self, index: int) -> Callable[..., None]:
        def report(state: str, detail: str = "") -> None:
            self.states[index] = (state, detail)
            self._report()

        return report

    def _report(self) -> None:
        worst = max(_BADNESS.get(state, 2) for state, _ in self.states.values())
        shown = [(index, state, detail) for index, (state, detail) in sorted(self.states.items())
                 if _BADNESS.get(state, 2) == worst]
        named = [detail if detail.startswith(self.sources[index].name) else f"{self.sources[index].name}: {detail}"
                 for index, _, detail in shown]
        self.on_status(shown[0][1], "; ".join(named))

    async def batches(self) -> AsyncIterator[list]:
        queue: asyncio.Queue = asyncio.Queue(maxsize=self.queue_size)
        pumps = [asyncio.create_task(self._pump_primary(queue))]
        pumps += [asyncio.create_task(self._pump_secondary(index, queue)) for index in range(1, len(self.sources))]
        try:
            while True:
                item = await queue.get()
                if item is _PRIMARY_ENDED:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)

    async def _pump_primary(self, queue: asyncio.Queue) -> None:
        try:
            async for batch in self.sources[0].batches():
                await queue.put(batch)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the primary's own failure ends the broadcast, as it would alone
            await queue.put(error)
            return
        await queue.put(_PRIMARY_ENDED)

    async def _pump_secondary(self, index: int, queue: asyncio.Queue) -> None:
        source = self.sources[index]
        backoff = Backoff(1.0, self.backoff_max_s)
        while True:
            try:
                async for batch in source.batches():
                    backoff.reset()
                    await queue.put(batch)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a bug or an unforeseen answer: restart it, the broadcast goes on
                delay = backoff.next()
                why = f"{type(error).__name__}: {error}"
                redact = getattr(source, "redact", None)
                why = (redact(why) if redact else why)[:200]
                log.warning("%s failed (%s); restart in %.1fs", source.name, why, delay)
                self._status_of(index)("disconnected", f"{source.name}: failed ({why}); restart in {delay:.1f}s")
                await asyncio.sleep(delay)
                continue
            if self.states.get(index, ("", ""))[0] != "disconnected":
                self._status_of(index)("disconnected", f"{source.name}: stopped")
            return  # it gave up on its own (and said why): the broadcast goes on without it
