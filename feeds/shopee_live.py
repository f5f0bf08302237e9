"""A Shopee Live session as a snapshot room, through the Open Platform livestream API.

Shopee gives a seller's tools the real-time metrics of a session
(`get_session_metric`: cumulative counters and the platform's own rates) and
the comments of the last 10 seconds (`get_latest_comment_list`), never who
joined or left. Every `poll_s` seconds (at most 10, or comments are missed)
this source turns what changed since the previous poll into our events,
stamped with the poll's time:

| Shopee | our events |
|---|---|
| `ccu` (viewers now) | one `viewer_count` |
| `likes` grew by n | one `like` with `count` n |
| `shares` grew by n | n `share` |
| `views` grew by n | n `viewer_join`, users `shopee-view-<k>` (each view is an entry; viewers come from `ccu`) |
| `ctr` x `views` grew by n | n `product_click` of product `shopee-live` (unverified, see `product_clicks`) |
| `orders` grew by n, `gmv` by g | n `order` of product `shopee-live`, amount g / n each |
| a comment of the list | `comment` with the commenter's `user_id`, its own time, id `shopee-comment-<id>` |

The first poll only sets the starting point (what happened before the monitor
started stays out, as with every live feed). `comments` (the counter) is not
used: the comment list gives the comments themselves. `gmv` beyond the order
amounts, `atc`, `co`, `peak_ccu`, `engage_ccu_1m` and `avg_viewing_duration`
have no event in our contract; the latest values are kept in `latest`. A
counter that goes down (a new session, a platform correction) becomes the new
starting point. Comments arrive up to 10 s after they were written, so the
source announces its progress like the order poller does.

Whether the API covers broadcasts started in the Shopee app rather than
through the API is unverified (sources.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import time
from collections import OrderedDict
from typing import Any, AsyncIterator, Callable
from urllib.parse import urlencode

from monitor.progress import SourceProgress

from .credentials import Credentials
from .http_json import HttpError, SignedApi, fetch_json
from .websocket_client import Backoff, ignore_status

log = logging.getLogger("livemon.shopee")

METRIC_PATH = "/api/v2/livestream/get_session_metric"
COMMENTS_PATH = "/api/v2/livestream/get_latest_comment_list"
PRODUCT = "shopee-live"  # the session metrics name no product: every click and order goes to this one
MAX_PER_POLL = 5_000  # events of one kind from one poll; beyond this a counter jump is not believed
MAX_COMMENT_PAGES = 20
_REMEMBERED_COMMENTS = 10_000


def sign_shop_request(partner_key: str, partner_id: str, path: str, timestamp: int, access_token: str,
                      shop_id: str) -> str:
    """The Open Platform v2 signature of a shop-level call.

    From Shopee Open Platform's developer guide ("API calls", v2): the base
    string is partner_id + API path + timestamp + access_token + shop_id, signed
    with HMAC-SHA256 keyed with the partner key, lowercase hex.
    """
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def product_clicks(ctr: Any, views: Any) -> int | None:
    """Cumulative product clicks from the session's `ctr` and `views`.

    UNVERIFIED: Shopee defines ctr as product clicks divided by views; this
    takes it as a fraction (0.05, not 5). Clicks feed our click-to-order rate;
    our own `ctr` stays empty, as Shopee gives no product impressions.
    """
    if not _is_number(ctr) or not _is_number(views) or not 0 <= ctr <= 1:
        return None
    return round(ctr * views)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class ShopeeApi(SignedApi):
    """Signed GET calls to the livestream API; the token and signature go in the query, as Shopee wants."""

    async def call(self, path: str, params: dict[str, Any]) -> dict:
        """The `response` of a successful answer; HttpError when `error` is set or HTTP failed."""
        found = self.credentials
        timestamp = int(self.clock())
        query = {
            "partner_id": found["partner_id"], "timestamp": timestamp, "access_token": found["access_token"],
            "shop_id": found["shop_id"],
            "sign": sign_shop_request(found["partner_key"], found["partner_id"], path, timestamp,
                                      found["access_token"], found["shop_id"]),
            **params,
        }
        answer = await fetch_json("GET", f"{self.base_url}{path}?{urlencode(query)}", headers={}, timeout_s=self.timeout_s)
        if not isinstance(answer, dict) or answer.get("error"):
            words = answer if not isinstance(answer, dict) else f"{answer.get('error')} {answer.get('message', '')}"
            raise HttpError(f"API answered {str(words)[:160]}")
        response = answer.get("response")
        return response if isinstance(response, dict) else {}

    async def session_metric(self, session_id: str) -> dict:
        return await self.call(METRIC_PATH, {"session_id": session_id})

    async def latest_comments(self, session_id: str) -> list[dict]:
        """The comments of the last 10 seconds, every page (`offset` / `next_offset`)."""
        comments: list[dict] = []
        offset = 0
        for _ in range(MAX_COMMENT_PAGES):
            response = await self.call(COMMENTS_PATH, {"session_id": session_id, "offset": offset})
            page = [item for item in response.get("list") or () if isinstance(item, dict)]
            comments.extend(page)
            following = response.get("next_offset")
            if not page or not isinstance(following, int) or following <= offset:
                break
            offset = following
        return comments


class SessionCounters:
    """What changed between two polls of a session's cumulative counters, as our events."""

    def __init__(self, room: str, session_id: str) -> None:
        self.room = room
        self.session_id = session_id
        self.previous: dict[str, float] | None = None
        self.views = 0  # views turned into entries so far (the k of `shopee-view-<k>`)
        self.orders = 0  # orders turned into events so far

    def events(self, metric: dict, ts: int) -> list[dict]:
        room = self.room
        out: list[dict] = []
        if _is_number(metric.get("ccu")) and metric["ccu"] >= 0:
            out.append({"type": "viewer_count", "ts": ts, "room": room, "count": int(metric["ccu"])})
        current = {name: metric[name] for name in ("likes", "shares", "views", "orders", "gmv") if _is_number(metric.get(name))}
        clicks = product_clicks(metric.get("ctr"), metric.get("views"))
        if clicks is not None:
            current["clicks"] = clicks
        previous, self.previous = self.previous, current
        if previous is None:
            return out
        change = {}
        for name, value in current.items():
            before = previous.get(name)
            if before is None or value < before:
                if before is not None:
                    log.warning("shopee %s: %s went down (%s -> %s); counting from here", self.session_id, name, before, value)
                continue
            change[name] = value - before
        if change.get("likes", 0) >= 1:
            out.append({"type": "like", "ts": ts, "room": room, "count": int(change["likes"])})
        for _ in range(self._believed("shares", change)):
            out.append({"type": "share", "ts": ts, "room": room})
        for _ in range(self._believed("views", change)):
            self.views += 1
            out.append({"type": "viewer_join", "ts": ts, "room": room, "user": f"shopee-view-{self.views}"})
        for _ in range(self._believed("clicks", change)):
            out.append({"type": "product_click", "ts": ts, "room": room, "product": PRODUCT})
        orders = self._believed("orders", change)
        each = change.get("gmv", 0) / orders if orders else 0
        for _ in range(orders):
            self.orders += 1
            order = {"type": "order", "ts": ts, "room": room, "product": PRODUCT,
                     "order_id": f"shopee-{self.session_id}-{self.orders}"}
            if each > 0:
                order["amount"] = round(each, 2)
            out.append(order)
        return out

    def _believed(self, name: str, change: dict) -> int:
        grown = int(change.get(name, 0))
        if grown > MAX_PER_POLL:
            log.warning("shopee %s: %s grew by %d in one poll; taking %d", self.session_id, name, grown, MAX_PER_POLL)
            return MAX_PER_POLL
        return grown


def comment_event(comment: dict, room: str) -> dict | None:
    """Our `comment` event for one item of the comment list; None without id or time."""
    comment_id = comment.get("comment_id")
    stamp = comment.get("timestamp")
    if comment_id is None or not _is_number(stamp):
        return None
    record = {"type": "comment", "ts": int(stamp * 1000), "room": room, "id": f"shopee-comment-{comment_id}",
              "text": str(comment.get("content") or "")}
    if comment.get("user_id") is not None:
        record["user"] = str(comment["user_id"])  # without it the parser rejects the comment (missing_field)
    return record


class ShopeeLiveSource:
    """One Shopee Live session as a live source (it runs until stopped: the API says nothing of the end)."""

    def __init__(
        self,
        credentials: Credentials,
        session_id: str,
        *,
        room: str | None = None,
        base_url: str,
        poll_s: float = 5.0,
        comments: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.credentials = credentials
        self.session_id = session_id
        self.room = room or f"shopee-{session_id}"
        self.name = f"shopee:{session_id}"
        self.api = ShopeeApi(credentials, base_url, clock=clock)
        self.poll_s = poll_s
        self.comments = comments
        self.clock = clock
        self.on_status: Callable[[str, str], None] = ignore_status
        self.counters = SessionCounters(self.room, session_id)
        self.latest: dict = {}  # the last metric answer, the platform's own rates included
        self._comment_ids: OrderedDict[Any, None] = OrderedDict()
        self._announced = False

    def redact(self, text: str) -> str:
        """`text` without this source's secrets (the merge uses it on failures it reports)."""
        return self.credentials.redact(text)

    async def batches(self) -> AsyncIterator[list]:
        if not self._announced:  # a restart keeps the counters and the promise already made
            self._announced = True
            yield [SourceProgress(self.name, -math.inf)]
        backoff = Backoff(min(1.0, self.poll_s), 60.0)
        self.on_status("connecting", self.name)
        while True:
            started = time.monotonic()
            try:
                batch = await self._poll()
            except HttpError as error:
                why = self.credentials.redact(str(error))
                if error.refused:
                    line = (f"{self.name}: the Open Platform refused the credentials ({why}); stopped; check "
                            "LIVEMON_SHOPEE_PARTNER_ID, LIVEMON_SHOPEE_PARTNER_KEY, LIVEMON_SHOPEE_ACCESS_TOKEN")
                    log.error("%s", line)
                    self.on_status("disconnected", line)
                    yield [SourceProgress(self.name, math.inf)]  # nothing more will come: the clock need not wait
                    return
                delay = error.retry_after_s if error.retry_after_s is not None else backoff.next()
                self.on_status("disconnected", f"{self.name}: {why}; retry in {delay:.1f}s")
                log.warning("%s: %s; retry in %.1fs", self.name, why, delay)
                await asyncio.sleep(delay)
                continue
            backoff.reset()
            self.on_status("connected", self.name)
            yield batch
            await asyncio.sleep(max(0.0, self.poll_s - (time.monotonic() - started)))

    async def _poll(self) -> list:
        """The changes since the last poll, the comments of the last 10 s, then the progress they allow."""
        now_ms = int(self.clock() * 1000)
        metric = await self.api.session_metric(self.session_id)
        comments = await self.api.latest_comments(self.session_id) if self.comments else []
        self.latest = metric  # both calls answered: only now do the counters move on
        batch: list = self.counters.events(metric, now_ms)
        if comments:
            for comment in comments:
                event = comment_event(comment, self.room)
                if event is None or comment["comment_id"] in self._comment_ids:
                    continue
                self._comment_ids[comment["comment_id"]] = None
                if len(self._comment_ids) > _REMEMBERED_COMMENTS:
                    self._comment_ids.popitem(last=False)
                batch.append(event)
        batch.append(SourceProgress(self.name, now_ms))
        return batch
