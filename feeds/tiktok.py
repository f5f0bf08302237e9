"""TikTok LIVE as a feed, through the TikTokLive library (`pip install livemon[tiktok]`).

TikTok tells a room's audience about comments, likes (taps batched with a
count), joins, follows, shares and, every few seconds, the number of viewers;
it never says who left. So a TikTok room is a snapshot room (metrics.md):
`viewers` comes from `viewer_count`, `entries` from joins, and watch time from
Little's law. Users are keyed by TikTok's numeric id, which survives a change of
handle; each message's id becomes the event `id`, so a message the platform
sends twice is counted once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, AsyncIterator, Callable

try:
    from TikTokLive import TikTokLiveClient
    from TikTokLive.events import CommentEvent, FollowEvent, JoinEvent, LikeEvent, RoomUserSeqEvent, ShareEvent
except ImportError as error:  # the optional extra is not installed
    raise ImportError("the TikTok feed needs the TikTokLive library: pip install 'livemon[tiktok]'") from error

from .websocket_client import Backoff, ignore_status

log = logging.getLogger("livemon.tiktok")

#: The library's events this feed turns into ours.
EVENTS = (CommentEvent, LikeEvent, JoinEvent, FollowEvent, ShareEvent, RoomUserSeqEvent)

_MAX_WAITING = 100_000  # events held for a stalled engine before new ones are dropped
_DISCONNECTED = object()


def to_event(event: Any, room: str, now_ms: float | None = None) -> dict | None:
    """Our event (events.md) for one TikTokLive event; None for the kinds we do not use."""
    record: dict = {"ts": _event_time(event, now_ms), "room": room}
    common = getattr(event, "common", None)
    if common is not None and common.msg_id:
        record["id"] = f"tiktok-{common.msg_id}"
    if isinstance(event, RoomUserSeqEvent):
        record.update(type="viewer_count", count=event.total)
        return record
    if isinstance(event, CommentEvent):
        record.update(type="comment", text=event.content or "")
    elif isinstance(event, LikeEvent):
        record.update(type="like", count=event.count or 1)
    elif isinstance(event, JoinEvent):
        record["type"] = "viewer_join"
    elif isinstance(event, FollowEvent):
        record["type"] = "follow"
    elif isinstance(event, ShareEvent):
        record["type"] = "share"
    else:
        return None
    user = _user_id(getattr(event, "user", None))
    if user is not None:  # without one, the parser rejects a comment or a join as missing_field
        record["user"] = user
    return record


def _event_time(event: Any, now_ms: float | None) -> int:
    common = getattr(event, "common", None)
    created = common.create_time if common is not None else 0
    if created > 100_000_000_000:  # epoch milliseconds
        return created
    if created > 0:  # epoch seconds
        return created * 1000
    return round(now_ms if now_ms is not None else time.time() * 1000)


def _user_id(user: Any) -> str | None:
    if user is None:
        return None
    if user.id:
        return str(user.id)
    return user.display_id or None


class TikTokSource:
    """A TikTok LIVE room as a live source; reconnects with backoff like the websocket feed.

    Needs the network (TikTok's own servers), so the tests exercise the event
    mapping and the listener wiring, not the connection.
    """

    def __init__(self, unique_id: str, *, room: str | None = None, backoff_max_s: float = 60.0) -> None:
        self.unique_id = unique_id
        self.room = room or unique_id.lstrip("@")
        self.name = f"tiktok:{unique_id}"
        self.on_status: Callable[[str, str], None] = ignore_status
        self.backoff_max_s = backoff_max_s
        self.dropped = 0  # events dropped while the engine was stalled
        self.client = TikTokLiveClient(unique_id=unique_id)
        self._waiting: asyncio.Queue = asyncio.Queue()
        for kind in EVENTS:
            self.client.add_listener(kind, self._take)

    def _take(self, event: Any) -> None:
        record = to_event(event, self.room)
        if record is None:
            return
        if self._waiting.qsize() >= _MAX_WAITING:
            self.dropped += 1
            return
        self._waiting.put_nowait(record)

    async def batches(self) -> AsyncIterator[list]:
        backoff = Backoff(1.0, self.backoff_max_s)
        while True:
            self.on_status("connecting", self.name)
            try:
                task = await self.client.start()
            except Exception as error:  # offline host, captcha, network: all mean "try again later"
                delay = backoff.next()
                self.on_status("disconnected", f"{type(error).__name__}: {error}; retry in {delay:.0f}s")
                await asyncio.sleep(delay)
                continue
            backoff.reset()
            self.on_status("connected", self.name)
            task.add_done_callback(lambda _: self._waiting.put_nowait(_DISCONNECTED))
            async for batch in self._drain():
                yield batch
            await self.client.disconnect()
            delay = backoff.next()
            self.on_status("disconnected", f"the room closed the connection; retry in {delay:.0f}s")
            await asyncio.sleep(delay)

    async def _drain(self) -> AsyncIterator[list]:
        """What arrives until the connection ends, in batches of whatever is waiting."""
        waiting = self._waiting
        while True:
            item = await waiting.get()
            batch = []
            while item is not _DISCONNECTED:
                batch.append(item)
                if waiting.empty():
                    break
                item = waiting.get_nowait()
            if batch:
                yield batch
            if item is _DISCONNECTED:
                return
