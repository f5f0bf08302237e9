"""Local fakes of the documented shop APIs: real HTTP servers on 127.0.0.1 that check every signature.

Each fake signs on its own, written from the platforms' documentation rather
than with our client's functions, so a mistake in our signing fails the test.
Tests script failures (`fail_next`), read what was asked (`requests`) and add
orders, metrics and comments as the broadcast goes on.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from feeds.http_server import LocalHTTPServer, QuietHandler

TTS = {
    "LIVEMON_TTS_APP_KEY": "tts-app-key-7f3a9c",
    "LIVEMON_TTS_APP_SECRET": "tts-secret-0b5e11d4",
    "LIVEMON_TTS_ACCESS_TOKEN": "tts-token-93ac77e2",
    "LIVEMON_TTS_SHOP_CIPHER": "ROW_cipher-5521aa",
}
SHOPEE = {
    "LIVEMON_SHOPEE_PARTNER_ID": "2001234",
    "LIVEMON_SHOPEE_PARTNER_KEY": "shpk-partner-key-4d2e8f",
    "LIVEMON_SHOPEE_ACCESS_TOKEN": "shp-token-61bb0c",
    "LIVEMON_SHOPEE_SHOP_ID": "880011",
}


def tts_sign(secret: str, path: str, params: dict[str, str], body: bytes) -> str:
    """TikTok Shop's documented recipe, step by step."""
    pairs = sorted((key, value) for key, value in params.items() if key not in ("sign", "access_token"))
    plain = path
    for key, value in pairs:
        plain += key + value
    plain = secret + plain + body.decode() + secret
    return hmac.new(secret.encode(), plain.encode(), hashlib.sha256).hexdigest()


def shopee_sign(partner_key: str, partner_id: str, path: str, timestamp: str, token: str, shop_id: str) -> str:
    return hmac.new(partner_key.encode(), (partner_id + path + timestamp + token + shop_id).encode(), hashlib.sha256).hexdigest()


class Fake:
    """What both fakes share: scripted failures and a record of the requests."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failures: list[tuple[int, dict, dict]] = []  # (status, headers, body) for the next requests
        self.requests: list[dict] = []
        self.server = LocalHTTPServer(self.handler())

    @property
    def url(self) -> str:
        return self.server.url

    def fail_next(self, status: int, body: dict | None = None, **headers: str) -> None:
        with self.lock:
            self.failures.append((status, headers, body or {}))

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    def respond(self, method: str, path: str, query: dict, headers: Any, body: bytes) -> tuple[int, dict, dict]:
        raise NotImplementedError

    def handler(self) -> type[QuietHandler]:
        fake = self

        class Handler(QuietHandler):
            def handle_any(self, method: str) -> None:
                split = urlsplit(self.path)
                query = dict(parse_qsl(split.query, keep_blank_values=True))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake.lock:
                    fake.requests.append({"method": method, "path": split.path, "query": query,
                                          "headers": dict(self.headers), "body": body})
                    failure = fake.failures.pop(0) if fake.failures else None
                status, headers, answer = failure or fake.respond(method, split.path, query, self.headers, body)
                self.answer(status, orjson.dumps(answer), headers)

            def do_GET(self) -> None:
                self.handle_any("GET")

            def do_POST(self) -> None:
                self.handle_any("POST")

        return Handler


class FakeTikTokShop(Fake):
    """Order search (pages of `page_size`) and order detail of the Partner API, 202309."""

    def __init__(self, *, page_size: int = 2) -> None:
        super().__init__()
        self.orders: dict[str, dict] = {}
        self.page_size = page_size
        self.search_ranges: list[tuple[int, int]] = []
        self.repeat_in_search = ""  # an order id the search lists twice (a duplicate in the answer)

    def add_order(self, order_id: str, create_time: int, amount: str | None = "259000", products=("sku-7",),
                  status: str = "AWAITING_SHIPMENT") -> None:
        payment = {"currency": "IDR", "sub_total": amount} if amount is None else {
            "currency": "IDR", "sub_total": amount, "total_amount": amount}
        order = {
            "id": order_id, "status": status, "create_time": create_time, "paid_time": create_time + 5,
            "payment": payment, "user_id": "buyer-1", "recipient_address": {"name": "Budi", "phone_number": "0812"},
            "line_items": [{"id": f"{order_id}-{i}", "product_id": p, "sku_id": f"{p}-s", "sale_price": "1"}
                           for i, p in enumerate(products)],
        }
        with self.lock:
            self.orders[order_id] = order

    def respond(self, method, path, query, headers, body):
        refusal = self._refusal(path, query, headers, body)
        if refusal:
            return refusal
        if method == "POST" and path == "/order/202309/orders/search":
            return 200, {}, self._search(query, orjson.loads(body))
        if method == "GET" and path == "/order/202309/orders":
            with self.lock:
                found = [self.orders[key] for key in query.get("ids", "").split(",") if key in self.orders]
            return 200, {}, {"code": 0, "message": "Success", "request_id": "r", "data": {"orders": found}}
        return 404, {}, {"code": 40404, "message": "no such path"}

    def _refusal(self, path, query, headers, body):
        if query.get("app_key") != TTS["LIVEMON_TTS_APP_KEY"] or headers.get("x-tts-access-token") != TTS["LIVEMON_TTS_ACCESS_TOKEN"]:
            return 401, {}, {"code": 105002, "message": "access token or app key not valid"}
        if "access_token" in query or query.get("shop_cipher") != TTS["LIVEMON_TTS_SHOP_CIPHER"]:
            return 400, {}, {"code": 36009003, "message": "bad request"}
        if abs(int(query.get("timestamp", "0")) - time.time()) > 300:
            return 401, {}, {"code": 106003, "message": "timestamp expired"}
        if query.get("sign") != tts_sign(TTS["LIVEMON_TTS_APP_SECRET"], path, query, body):
            return 401, {}, {"code": 106001, "message": "invalid sign"}
        return None

    def _search(self, query: dict, body: dict) -> dict:
        since, until = body["create_time_ge"], body["create_time_lt"]
        with self.lock:
            self.search_ranges.append((since, until))
            found = sorted((o for o in self.orders.values() if since <= o["create_time"] < until), key=lambda o: o["create_time"])
        listed = [{"id": order["id"], "create_time": order["create_time"]} for order in found]
        if self.repeat_in_search and any(item["id"] == self.repeat_in_search for item in listed):
            listed.append({"id": self.repeat_in_search})
        start = int(query.get("page_token") or 0)
        page = listed[start:start + self.page_size]
        following = str(start + self.page_size) if start + self.page_size < len(listed) else ""
        return {"code": 0, "message": "Success", "request_id": "r",
                "data": {"orders": page, "next_page_token": following, "total_count": len(listed)}}


class FakeShopee(Fake):
    """`get_session_metric` (successive snapshots) and `get_latest_comment_list` of one session."""

    def __init__(self, session_id: str = "6236215") -> None:
        super().__init__()
        self.session_id = session_id
        self.metrics: list[dict] = []  # answered in turn; the last one repeats
        self.comments: list[dict] = []  # the "last 10 seconds" the next comment call returns (pages of 2)
        self.metric_calls = 0

    def respond(self, method, path, query, headers, body):
        if query.get("partner_id") != SHOPEE["LIVEMON_SHOPEE_PARTNER_ID"] or query.get("shop_id") != SHOPEE["LIVEMON_SHOPEE_SHOP_ID"]:
            return 403, {}, {"error": "error_param", "message": "partner or shop unknown"}
        expected = shopee_sign(SHOPEE["LIVEMON_SHOPEE_PARTNER_KEY"], query["partner_id"], path, query.get("timestamp", ""),
                               SHOPEE["LIVEMON_SHOPEE_ACCESS_TOKEN"], query["shop_id"])
        if query.get("access_token") != SHOPEE["LIVEMON_SHOPEE_ACCESS_TOKEN"] or query.get("sign") != expected:
            return 403, {}, {"error": "error_sign", "message": "wrong sign"}
        if query.get("session_id") != self.session_id:
            return 200, {}, {"error": "livestream.session_not_found", "message": "no session"}
        if path == "/api/v2/livestream/get_session_metric":
            with self.lock:
                metric = self.metrics[min(self.metric_calls, len(self.metrics) - 1)]
                self.metric_calls += 1
            return 200, {}, {"error": "", "message": "", "request_id": "r", "response": metric}
        if path == "/api/v2/livestream/get_latest_comment_list":
            offset = int(query.get("offset", "0"))
            with self.lock:
                page = self.comments[offset:offset + 2]
            return 200, {}, {"error": "", "message": "", "request_id": "r",
                             "response": {"list": page, "next_offset": offset + len(page)}}
        return 404, {}, {"error": "error_not_found", "message": "no such path"}


class Running:
    """A source's batches pumped in a task, with everything it yields and every status it reports."""

    def __init__(self, source) -> None:
        import asyncio

        self.source = source
        self.batches: list[list] = []
        self.statuses: list[tuple[str, str]] = []
        self.ended = False
        source.on_status = lambda state, detail="": self.statuses.append((state, detail))
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for batch in self.source.batches():
            self.batches.append(batch)
        self.ended = True

    def items(self) -> list:
        return [item for batch in self.batches for item in batch]

    def of_type(self, kind: str) -> list[dict]:
        return [item for item in self.items() if isinstance(item, dict) and item.get("type") == kind]

    async def stop(self) -> None:
        import asyncio

        if self.task.done() and not self.task.cancelled() and self.task.exception() is not None:
            raise self.task.exception()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
