"""TikTok LIVE as a feed, through the TikTokLive library (`pip install 'livemon[tiktok]'`).

TikTok tells a room's audience about comments, likes (taps batched with a
count), joins, follows, shares, the pinned product and, every few seconds, the
number of viewers; it never says who left, and nothing about impressions,
product clicks or orders. So a TikTok room is a snapshot room (metrics.md):
`viewers` comes from `viewer_count`, `entries` from joins, watch time from
Little's law. Users are keyed by TikTok's numeric id, which survives a change
of handle; each message's id becomes the event `id`, so a message the
platform sends twice is counted once.

The feed works on the platform's messages ("frames": a message name such as
`WebcastChatMessage` and its protobuf bytes), read through the library's own
name -> class map and parser, so the live run and the replay of a recording
(frames.py) go through the same `read_frame`.

Secrets (the sign server's key, a login for age-restricted rooms) come from
the environment or `[sources.tiktok]` (feeds/credentials.py), never from the
command line, and are masked in every status, error and log line.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import time
from typing import Any, AsyncIterator, Awaitable, Callable

try:
    from TikTokLive import TikTokLiveClient
    from TikTokLive.client.errors import (
        AgeRestrictedError, AuthenticatedWebSocketConnectionError, SignatureRateLimitError, UserNotFoundError,
        UserOfflineError,
    )
    from TikTokLive.events import (
        EVENT_MAPPINGS, CommentEvent, ControlEvent, JoinEvent, LikeEvent, OecLiveShoppingEvent, RoomUserSeqEvent,
        SocialEvent, WebsocketResponseEvent,
    )
    from TikTokLive.proto.custom_proto import ControlAction
    from TikTokLive.proto.proto_utils import common_display_type
    from TikTokLiveProto.v3.webcast.im import MemberMessageAction
except ImportError as error:  # the optional extra is not installed
    raise ImportError("the TikTok feed needs the TikTokLive library: pip install 'livemon[tiktok]'") from error

from monitor.events import Rejection

from .credentials import ENVIRONMENT, Credentials, hide_in_logs
from .frames import Frame
from .websocket_client import Backoff, ignore_status

log = logging.getLogger("livemon.tiktok")

FEED = "tiktok"

OFFLINE_POLL_S = 45.0  # the host is not live: ask again this often (sources.md: every 30-60 s)
_MAX_WAITING = 100_000  # frames held for a stalled engine before new ones are dropped
_DISCONNECTED = object()
_ENDED = (ControlAction.STREAM_ENDED, ControlAction.STREAM_SUSPENDED)
_LIBRARY_PREFIX = re.compile(r"^TikTokLive v\S+ -> ")  # every TikTokLiveError starts with it

Sleep = Callable[[float], Awaitable[Any]]

#: The library's events this feed maps (`to_event`), and the message names it parses for them.
EVENTS = (CommentEvent, LikeEvent, JoinEvent, SocialEvent, RoomUserSeqEvent, OecLiveShoppingEvent, ControlEvent)
READ_KINDS = {kind: event for kind, event in EVENT_MAPPINGS.items() if issubclass(event, EVENTS)}


# ---------------------------------------------------------------- mapping


def read_frame(kind: str, payload: bytes, room: str, arrival_ms: float) -> Frame:
    """One webcast message as our raw inputs, parsed by the library's class for its name.

    Only the kinds we map are parsed (betterproto validates every message
    with pydantic: about 1 ms each, see the measures in docs/sources.md);
    any other kind gives no event. Bytes that do not parse give one
    `bad_value` rejection (counted and dead-lettered, the run goes on).
    """
    event_class = READ_KINDS.get(kind)
    if event_class is None:
        return Frame([], feed=FEED, room=room, kind=kind, payload=payload)
    try:
        library_event = event_class().parse(payload)
    except Exception as error:  # noqa: BLE001 - any malformed payload: betterproto raises KeyError, EOFError, ...
        refused = Rejection(
            "bad_value", f"TikTok {kind[:60]}: {len(payload)} bytes that do not parse ({type(error).__name__})",
            {"frame": kind, "b64": base64.b64encode(payload).decode()},  # the dead letter can be read again
        )
        return Frame([refused], feed=FEED, room=room, kind=kind, payload=payload)
    record = to_event(library_event, room, arrival_ms)
    return Frame([record] if record else [], feed=FEED, room=room, kind=kind, payload=payload,
                 ended=broadcast_ended(library_event))


def to_event(event: Any, room: str, now_ms: float | None = None) -> dict | None:
    """Our event (events.md) for one TikTokLive event; None for the kinds and actions we do not use."""
    record: dict = {"ts": _event_time(event, now_ms), "room": room}
    common = getattr(event, "common", None)
    if common is not None and common.msg_id:
        record["id"] = f"tiktok-{common.msg_id}"
    if isinstance(event, RoomUserSeqEvent):
        record.update(type="viewer_count", count=max(0, event.total))
        return record
    if isinstance(event, OecLiveShoppingEvent):
        pinned = pinned_product(event)
        if pinned is None:
            return None
        record.update(type="host_action", action="pin_product", product=pinned[0], note=pinned[1])
        return record
    if isinstance(event, CommentEvent):
        record.update(type="comment", text=event.content or "")
    elif isinstance(event, LikeEvent):
        record.update(type="like", count=max(1, event.count))
    elif isinstance(event, JoinEvent):
        if event.action != MemberMessageAction.JOINED:  # a subscription arrives as a member message too
            return None
        record["type"] = "viewer_join"
    elif isinstance(event, SocialEvent):
        kind = social_kind(event)
        if kind is None:
            return None
        record["type"] = kind
    else:
        return None
    user = _user_id(getattr(event, "user", None))
    if user is not None:  # without one, the parser rejects a comment or a join as missing_field
        record["user"] = user
    return record


def social_kind(event: Any) -> str | None:
    """`follow` or `share` for a social message, by its display type, as TikTokLive tells them apart.

    The library emits its own FollowEvent / ShareEvent beside the generic
    social event for the same message; reading the one message here counts it once.
    """
    display = common_display_type(event.common)
    if "follow" in display:
        return "follow"
    if "share" in display:
        return "share"
    return None


def pinned_product(event: Any) -> tuple[str, str] | None:
    """(product id, title) of the product card a live-shopping message pops up, or None.

    Unverified: which `action_type` values mean "the host pinned this product"
    (as opposed to a refresh of a card already pinned) is not documented, so
    every message carrying a product id in `pop_product` counts as a pin.
    """
    product = event.pop_product
    if product is None or not product.product_id:
        return None
    return str(product.product_id), product.title or ""


def broadcast_ended(event: Any) -> bool:
    """The control message that ends the broadcast (or TikTok suspended it): TikTokLive's LiveEndEvent."""
    return isinstance(event, ControlEvent) and event.action in _ENDED


def _event_time(event: Any, now_ms: float | None) -> int | float:
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


# ---------------------------------------------------------------- connecting


def login_session(found: Credentials) -> tuple[str, str] | None:
    """(sessionid, tt-target-idc) of a TikTok login, for age-restricted rooms; None without one.

    A session without its data centre is refused here, in one line, rather
    than by the library at the first connection.
    """
    session, centre = found.values.get("session_id"), found.values.get("target_idc")
    if session and not centre:
        names = ENVIRONMENT["tiktok"]
        raise ValueError(f"{names['session_id']} needs {names['target_idc']} too (the tt-target-idc cookie of the same login)")
    return (session, centre) if session else None


def rate_limit_wait_s(error: Any, now_s: float) -> float:
    """Seconds to wait before asking the sign server again, from the reset time its 429 answer carries.

    Unverified: TikTokLive reads the `RateLimit-Reset` header as a unix time
    (`reset_time`), while the IETF draft of that header means seconds from now;
    a value before 2001 is taken as seconds from now. Without a readable reset
    time: one minute. Never under 5 s (no hot loop), never over an hour.
    """
    try:
        reset = float(error.reset_time)
    except (AssertionError, AttributeError, KeyError, TypeError, ValueError):
        return 60.0
    wait = reset - now_s if reset > 1e9 else reset
    return min(max(wait + 1.0, 5.0), 3600.0)


class TikTokSource:
    """A TikTok LIVE room (`tiktok:@handle`) as a live source for the pipeline.

    Waits while the host is offline (asking TikTok every `offline_poll_s`),
    honours the sign server's rate limit, reconnects with backoff after a drop,
    and ends when TikTok says the broadcast ended. A problem that waiting
    cannot fix (an age-restricted room without a session, an unknown handle)
    ends it with `failure` set to the message key (console/i18n.py).
    `sleep` and `now` are the clock, so tests can drive the waits.
    """

    def __init__(
        self,
        handle: str,
        *,
        room: str | None = None,
        credentials: Credentials | None = None,
        offline_poll_s: float = OFFLINE_POLL_S,
        backoff_max_s: float = 60.0,
        sleep: Sleep = asyncio.sleep,
        now: Callable[[], float] = time.time,
    ) -> None:
        handle = handle.lstrip("@")
        self.handle = handle
        self.room = room or handle
        self.name = f"tiktok:@{handle}"
        self.on_status: Callable[[str, str], None] = ignore_status
        self.credentials = credentials or Credentials("tiktok", {}, {})
        self.offline_poll_s = offline_poll_s
        self.backoff_max_s = backoff_max_s
        self.sleep = sleep
        self.now = now
        self.failure: str | None = None  # message key when the source gave up
        self.connections = 0
        self.dropped = 0  # frames dropped while the engine was stalled
        found = self.credentials
        hide_in_logs(found, loggers=("TikTokLive", "httpx", "httpcore", "websockets"))
        sign_key = found.values.get("sign_key")
        self.client = TikTokLiveClient(
            unique_id=handle, web_kwargs={"signer_kwargs": {"sign_api_key": sign_key} if sign_key else {}},
        )
        self.session = login_session(found)
        if self.session is not None:
            self.client.web.set_session(*self.session)
        self.client.ignore_broken_payload = True  # read_frame counts it; the library would log a traceback
        self.client.add_listener(WebsocketResponseEvent, self._take_response)
        self._waiting: asyncio.Queue = asyncio.Queue()
        self._last_response: Any = None

    # ------------------------------------------------------------ frames in

    def _take_response(self, event: Any) -> None:
        """Every message of a webcast response, once (the library emits the response once per message)."""
        response = event.raw
        if response is self._last_response:
            return
        self._last_response = response
        arrival = self.now() * 1000
        waiting = self._waiting
        for message in response.messages:
            if waiting.qsize() >= _MAX_WAITING:
                if not self.dropped:
                    log.warning("%s: the engine is behind; dropping frames", self.name)
                self.dropped += 1
                continue
            try:
                frame = read_frame(message.method, message.payload or b"", self.room, arrival)
            except Exception as error:  # noqa: BLE001 - a listener that raises would stop the library's loop
                log.warning("%s: %s frame not read: %s", self.name, message.method, type(error).__name__)
                continue
            waiting.put_nowait(frame)

    # ------------------------------------------------------------ the run

    async def batches(self) -> AsyncIterator[list]:
        backoff = Backoff(1.0, self.backoff_max_s)
        try:
            while True:
                self.on_status("connecting", self.name)
                waiting = self._waiting = asyncio.Queue()
                try:
                    task = await self.client.start(fetch_room_info=True)  # room info is where TikTok says 18+
                except UserOfflineError:
                    await self._wait_until_live()
                    continue
                except SignatureRateLimitError as error:
                    await self._pause(rate_limit_wait_s(error, self.now()), "sign server rate limit")
                    continue
                except Exception as error:  # noqa: BLE001 - network, captcha, sign server: try again later
                    failure = self._fatal(error)
                    if failure is not None:
                        self.failure = failure
                        self.on_status("error", failure)
                        return
                    await self._pause(backoff.next(), self._one_line(error))
                    continue
                self.connections += 1
                self.on_status("connected", self.name)
                task.add_done_callback(lambda _: waiting.put_nowait(_DISCONNECTED))
                ended = False
                async for batch, ended in _drained(waiting):
                    if batch:
                        backoff.reset()  # only a connection that delivered resets the backoff
                        yield batch
                await self.client.disconnect()
                if ended:
                    log.info("%s: the broadcast ended", self.name)
                    return
                await self._pause(backoff.next(), self._why_closed(task))
        finally:
            try:
                await self.client.disconnect()
                await self.client.web.close()  # not disconnect(close_client=True): it runs the loop it is called from
            except Exception:  # noqa: BLE001 - closing on the way out: nothing left to tell
                log.debug("closing the TikTok client failed", exc_info=True)

    async def _wait_until_live(self) -> None:
        """The host is not live: ask TikTok (not the rate-limited sign server) every `offline_poll_s`."""
        while True:
            self.on_status("offline", self.name)
            await self.sleep(self.offline_poll_s)
            try:
                if await self.client.is_live():
                    return
            except Exception as error:  # noqa: BLE001 - could not ask: still waiting
                log.info("%s: live check failed: %s", self.name, self._one_line(error))

    async def _pause(self, delay: float, why: str) -> None:
        self.on_status("disconnected", f"{why}; retry in {delay:.0f}s")
        log.warning("%s: %s; retry in %.0fs", self.name, why, delay)
        await self.sleep(delay)

    def _fatal(self, error: Exception) -> str | None:
        """The message key of an error that waiting cannot fix, or None."""
        if isinstance(error, AgeRestrictedError):
            return "tiktok_session_rejected" if self.session else "tiktok_age_restricted"
        if isinstance(error, AuthenticatedWebSocketConnectionError):
            return "tiktok_session_not_allowed"
        if isinstance(error, UserNotFoundError):
            return "tiktok_no_such_user"
        return None

    def _why_closed(self, task: asyncio.Task) -> str:
        if task.done() and not task.cancelled() and task.exception() is not None:
            return self._one_line(task.exception())
        return "the room closed the connection"

    def _one_line(self, error: BaseException) -> str:
        """The error's first line, short, without any secret (library errors may quote a URL or a server answer)."""
        text = _LIBRARY_PREFIX.sub("", str(error)).split("\n")[0].strip()
        return self.credentials.redact(f"{type(error).__name__}: {text}")[:160]


async def _drained(waiting: asyncio.Queue) -> AsyncIterator[tuple[list, bool]]:
    """(frames waiting, broadcast ended) until the connection ends; a batch is whatever arrived meanwhile."""
    while True:
        item = await waiting.get()
        batch: list = []
        ended = False
        while item is not _DISCONNECTED:
            batch.append(item)
            ended = ended or item.ended
            if waiting.empty():
                break
            item = waiting.get_nowait()
        yield batch, ended
        if ended or item is _DISCONNECTED:
            return
