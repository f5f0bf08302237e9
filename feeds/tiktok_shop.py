"""Orders from TikTok Shop (Partner API, 202309 order endpoints) for a TikTok LIVE room.

TikTok LIVE tells a room's audience but never its orders; the shop does. Every
`poll_s` seconds this source asks the order search for the orders created
since its last poll, fetches the new ones' detail (amount and items) and hands
them on as `order` events whose `ts` is the order's create time, each order
once (by order id). It sees an order only at its next poll, so it is late by
design: it announces itself with `SourceProgress(name, -inf)` and, after each
poll whose create-time range ends at T, `SourceProgress(name, T)` behind that
range's orders, and the stream's clock waits for it (monitor/progress.py).
When it gives up (refused credentials) its last word is `through=inf`:
nothing more will come, so the clock need not wait for it any longer.

The shop knows nothing of LIVE attribution: every order the shop receives
while the broadcast runs counts in the room. A cancelled order still counts
as placed (GMV is the value of placed orders); cancellations are counted in
`cancelled`, logged, and shown in the source's status.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import time
from typing import Any, AsyncIterator, Callable
from urllib.parse import urlencode

import orjson

from monitor.events import Rejection
from monitor.progress import SourceProgress

from .credentials import Credentials
from .http_json import HttpError, SignedApi, fetch_json
from .websocket_client import Backoff, ignore_status

log = logging.getLogger("livemon.tiktok_shop")

NAME = "tiktok-shop"
SEARCH_PATH = "/order/202309/orders/search"
DETAIL_PATH = "/order/202309/orders"
DETAIL_BATCH = 50  # ids per detail call (the API's limit)
MAX_PAGES = 100  # search pages per poll: 5,000 orders in one poll is already far beyond a broadcast
NO_PRODUCT = "tiktok-shop"  # product of an order without line items (the contract needs one)
CANCELLED = ("CANCEL", "CANCELLED")  # the webhook's word and the order detail's


def sign_request(app_secret: str, path: str, query: dict[str, str], body: bytes = b"") -> str:
    """The Partner API request signature (`sign`).

    As TikTok Shop Partner Center's "Sign your API request" describes it and
    public SDKs implement it (the `tiktok-shop` npm package's `signByUrl`, the
    `tiktok-shop-api` PyPI client): every query parameter except `sign` and
    `access_token`, sorted by name and written name+value, after the path; then
    the raw body of a JSON request; the whole wrapped in the app secret on both
    sides; HMAC-SHA256 keyed with the app secret, lowercase hex.
    """
    text = path + "".join(f"{key}{query[key]}" for key in sorted(query) if key not in ("sign", "access_token"))
    secret = app_secret.encode()
    return hmac.new(secret, secret + text.encode() + body + secret, hashlib.sha256).hexdigest()


class PartnerApi(SignedApi):
    """Signed calls to the Partner API; the access token travels in the `x-tts-access-token` header."""

    async def call(self, method: str, path: str, params: dict[str, str], body: dict | None = None) -> dict:
        """The `data` of a successful answer; HttpError for any failure (HTTP, or a non-zero `code`)."""
        credentials = self.credentials
        query = {"app_key": credentials["app_key"], "timestamp": str(int(self.clock())), **params}
        if credentials["shop_cipher"]:
            query["shop_cipher"] = credentials["shop_cipher"]
        payload = orjson.dumps(body) if body is not None else b""
        query["sign"] = sign_request(credentials["app_secret"], path, query, payload)
        answer = await fetch_json(
            method, f"{self.base_url}{path}?{urlencode(query)}",
            headers={"x-tts-access-token": credentials["access_token"], "Content-Type": "application/json"},
            body=payload if body is not None else None, timeout_s=self.timeout_s,
        )
        if not isinstance(answer, dict) or answer.get("code") != 0:
            words = answer if not isinstance(answer, dict) else f"{answer.get('code')} {answer.get('message', '')}"
            raise HttpError(f"API answered code {str(words)[:160]}")
        data = answer.get("data")
        return data if isinstance(data, dict) else {}

    async def search_order_ids(self, since_s: int, until_s: int) -> list[str]:
        """Ids of the orders created in `[since_s, until_s)` (epoch seconds), every page.

        UNVERIFIED (sources.md): `POST /order/202309/orders/search` with
        `create_time_ge` / `create_time_lt` in the JSON body, `page_size`,
        `sort_field`, `sort_order` and `page_token` in the query, pages chained by
        `data.next_page_token`, orders in `data.orders[].id`: read from public
        clients of the API, never tried against the live service. Only this
        function knows that shape.
        """
        found: list[str] = []
        token = ""
        for _ in range(MAX_PAGES):
            params = {"page_size": "50", "sort_field": "create_time", "sort_order": "ASC"}
            if token:
                params["page_token"] = token
            data = await self.call("POST", SEARCH_PATH, params, {"create_time_ge": since_s, "create_time_lt": until_s})
            for order in data.get("orders") or ():
                if isinstance(order, dict) and order.get("id"):
                    found.append(str(order["id"]))
            token = data.get("next_page_token") or ""
            if not token:
                break
        return found

    async def order_details(self, order_ids: list[str]) -> list[dict]:
        """The detail of each order (`GET /order/202309/orders?ids=...`, 50 ids a call)."""
        orders: list[dict] = []
        for start in range(0, len(order_ids), DETAIL_BATCH):
            chunk = order_ids[start:start + DETAIL_BATCH]
            data = await self.call("GET", DETAIL_PATH, {"ids": ",".join(chunk)})
            orders.extend(order for order in data.get("orders") or () if isinstance(order, dict))
        return orders


def order_event(order: dict, room: str) -> dict | Rejection:
    """Our `order` event for one order detail, or the Rejection that says what it lacks.

    `ts` is the create time, `amount` is `payment.total_amount` (a decimal
    string in the API), `product` the first line item's `product_id`, and
    `quantity` the number of line items (the 202309 API lists one line item
    per unit). The Rejection keeps only these fields, never the buyer's.
    """
    order_id = str(order.get("id") or "")
    lines = [line for line in order.get("line_items") or () if isinstance(line, dict)]
    payment = order.get("payment") if isinstance(order.get("payment"), dict) else {}
    create_time = order.get("create_time")
    amount = _number(payment.get("total_amount"))
    product = str(lines[0].get("product_id") or NO_PRODUCT) if lines else NO_PRODUCT
    slim = {"id": order_id, "create_time": create_time, "total_amount": payment.get("total_amount"),
            "currency": payment.get("currency"), "products": [line.get("product_id") for line in lines]}
    if not order_id or type(create_time) is not int or create_time <= 0:
        return Rejection("bad_value", f"TikTok Shop order {order_id or '?'}: no usable id or create_time", slim)
    if amount is None or amount <= 0:
        return Rejection("bad_value", f"TikTok Shop order {order_id}: payment.total_amount missing or not > 0", slim)
    return {
        "type": "order", "room": room, "ts": create_time * 1000, "order_id": order_id,
        "product": product, "quantity": max(1, len(lines)), "amount": amount,
    }


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class TikTokShopOrders:
    """The shop's orders as a live source: a poller, and optionally the status webhook beside it."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        room: str,
        base_url: str,
        poll_s: float = 12.0,
        recheck_s: float = 60.0,
        webhook: dict | None = None,  # host, port, path for the receiver; None: no receiver
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = NAME
        self.room = room
        self.credentials = credentials
        self.api = PartnerApi(credentials, base_url, clock=clock)
        self.poll_s = poll_s
        self.recheck_s = recheck_s
        self.webhook = webhook
        self.clock = clock
        self.on_status: Callable[[str, str], None] = ignore_status
        self.placed_ids: set[str] = set()  # orders handed on
        self.cancelled_ids: set[str] = set()  # of those, the ones cancelled
        self.receiver = None  # the WebhookReceiver while it runs
        self._seen: set[str] = set()  # every order id fetched (a broadcast has thousands, not millions)
        self._notes: asyncio.Queue = asyncio.Queue()
        self._start_s = self._cursor_s = 0

    @property
    def orders(self) -> int:
        return len(self.placed_ids)

    @property
    def cancelled(self) -> int:
        return len(self.cancelled_ids)

    def redact(self, text: str) -> str:
        """`text` without this source's secrets (the merge uses it on failures it reports)."""
        return self.credentials.redact(text)

    async def batches(self) -> AsyncIterator[list]:
        if not self._start_s:  # a restart (after a failure the merge caught) keeps the start and the cursor
            self._cursor_s = self._start_s = int(self.clock())  # orders placed from now on are this broadcast's
            yield [SourceProgress(self.name, -math.inf)]
        self._start_webhook()
        backoff = Backoff(min(1.0, self.poll_s), 60.0)
        next_poll = time.monotonic()
        self.on_status("connecting", self.name)
        try:
            while True:
                notes = await self._notifications_until(next_poll)
                if notes:
                    try:
                        batch = await self._notified(notes)
                    except HttpError as error:
                        if error.refused:
                            yield self._give_up(error)
                            return
                        batch = []  # the next poll finds these orders anyway
                    if batch:
                        yield batch
                    if time.monotonic() < next_poll:  # a busy webhook never holds off the poll
                        continue
                try:
                    batch = await self._poll()
                except HttpError as error:
                    if error.refused:
                        yield self._give_up(error)
                        return
                    delay = error.retry_after_s if error.retry_after_s is not None else backoff.next()
                    why = self.credentials.redact(str(error))
                    self.on_status("disconnected", f"{self.name}: {why}; retry in {delay:.1f}s")
                    log.warning("%s: %s; retry in %.1fs", self.name, why, delay)
                    next_poll = time.monotonic() + delay
                    continue
                backoff.reset()
                self.on_status("connected", f"{self.name}: {self.orders} orders, {self.cancelled} cancelled")
                yield batch
                next_poll = time.monotonic() + self.poll_s
        finally:
            if self.receiver is not None:
                self.receiver.stop()
                self.receiver = None

    async def _poll(self) -> list:
        """One search over `[cursor - recheck_s, now)`: the new orders, then the progress they allow."""
        until_s = int(self.clock())
        since_s = max(self._start_s, self._cursor_s - int(self.recheck_s))
        found = await self.api.search_order_ids(since_s, until_s)
        batch = await self._fetch([order_id for order_id in dict.fromkeys(found) if order_id not in self._seen])
        self._cursor_s = until_s
        batch.append(SourceProgress(self.name, until_s * 1000 - 1))  # every order created before until_s is in
        return batch

    async def _fetch(self, order_ids: list[str]) -> list:
        if not order_ids:
            return []
        batch: list = []
        for order in await self.api.order_details(order_ids):
            order_id = str(order.get("id") or "")
            if order_id in self._seen:
                continue
            if order_id:
                self._seen.add(order_id)
            created = order.get("create_time")
            if type(created) is int and created < self._start_s:
                continue  # placed before this broadcast (a status change of an old order)
            event = order_event(order, self.room)
            if type(event) is dict:
                self.placed_ids.add(order_id)
                if str(order.get("status", "")).upper() in CANCELLED:
                    self._note_cancelled(order_id)
            batch.append(event)
        return batch

    # ------------------------------------------------------------ the webhook

    def _start_webhook(self) -> None:
        if self.webhook is None:
            return
        from .tiktok_shop_webhook import WebhookReceiver

        self.receiver = WebhookReceiver(
            self.credentials["app_key"], self.credentials["app_secret"], self._notes.put_nowait, **self.webhook
        )
        self.receiver.start()
        log.info("%s: webhook receiver on %s", self.name, self.receiver.url)

    async def _notifications_until(self, deadline: float) -> list[dict]:
        """Notifications that arrive before `deadline` (monotonic s): at once when some are waiting."""
        notes = self._notes
        if notes.empty():
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                return []
            try:
                first = await asyncio.wait_for(notes.get(), timeout)
            except TimeoutError:
                return []
            taken = [first]
        else:
            taken = []
        while not notes.empty():
            taken.append(notes.get_nowait())
        return taken

    async def _notified(self, notes: list[dict]) -> list:
        """Cancellations noted; orders not seen yet fetched now instead of at the next poll."""
        fresh: list[str] = []
        for note in notes:
            data = note.get("data") if isinstance(note.get("data"), dict) else {}
            order_id = str(data.get("order_id") or "")
            if note.get("type") != 1 or not order_id:
                continue
            if str(data.get("order_status", "")).upper() in CANCELLED:
                if order_id in self.placed_ids:  # unknown: the search brings it, cancelled, if it is ours
                    self._note_cancelled(order_id)
            elif order_id not in self._seen:
                fresh.append(order_id)
        return await self._fetch(list(dict.fromkeys(fresh)))

    def _note_cancelled(self, order_id: str) -> None:
        if order_id in self.cancelled_ids:
            return
        self.cancelled_ids.add(order_id)
        log.warning("%s: order %s was cancelled (%d cancelled in this broadcast; it still counts as placed)",
                    self.name, order_id, self.cancelled)
        self.on_status("connected", f"{self.name}: {self.orders} orders, {self.cancelled} cancelled")

    def _give_up(self, error: HttpError) -> list:
        """One clear line, and the last batch: a promise of nothing more, so the clock stops waiting for us."""
        line = (f"{self.name}: the Partner API refused the credentials ({self.credentials.redact(str(error))}); "
                f"orders stopped; check LIVEMON_TTS_APP_KEY, LIVEMON_TTS_APP_SECRET and LIVEMON_TTS_ACCESS_TOKEN")
        log.error("%s", line)
        self.on_status("disconnected", line)
        return [SourceProgress(self.name, math.inf)]
