"""TikTok Shop orders: the poller and the webhook against a local fake of the Partner API."""

from __future__ import annotations

import asyncio
import logging
import math
import time
import urllib.error
import urllib.request

import orjson

from feeds.credentials import credentials
from feeds.tiktok_shop import TikTokShopOrders, order_event, sign_request
from feeds.tiktok_shop_webhook import webhook_signature
from monitor.config import parse_config
from monitor.events import Rejection
from monitor.progress import SourceProgress

from .feeds_support import until
from .shop_fakes import TTS, FakeTikTokShop, Running, tts_sign

SECRETS = list(TTS.values())


def shop(url: str, environ: dict | None = None, **options) -> TikTokShopOrders:
    config = parse_config({}, "test")
    found = credentials(config, "tiktok_shop", environ if environ is not None else TTS).require()
    options.setdefault("poll_s", 0.1)
    return TikTokShopOrders(found, room="toko", base_url=url, **options)


def test_the_signature_follows_the_documented_recipe():
    query = {"app_key": "k", "timestamp": "1700000000", "shop_cipher": "c", "ids": "1,2", "access_token": "t"}
    body = b'{"create_time_ge":1}'
    assert sign_request("s3cret", "/order/202309/orders", query, body) == tts_sign("s3cret", "/order/202309/orders", query, body)
    assert sign_request("s3cret", "/p", query, body) != sign_request("s3cret", "/p", query)  # the body is signed
    assert sign_request("s3cret", "/p", {**query, "sign": "x", "access_token": "other"}) == sign_request("s3cret", "/p", query)
    assert sign_request("s3cret", "/p", dict(reversed(list(query.items())))) == sign_request("s3cret", "/p", query)


async def test_orders_come_once_each_with_their_create_time_and_the_progress_behind_them():
    with FakeTikTokShop(page_size=2) as fake:
        running = Running(shop(fake.url))
        await until(lambda: running.batches, what="the first batch")
        assert running.batches[0] == [SourceProgress("tiktok-shop", -math.inf)]
        now = int(time.time())
        fake.add_order("o-1", now, "259000", products=("sku-7", "sku-7"))
        fake.add_order("o-2", now, "125000.50", products=("sku-9",))
        fake.add_order("o-3", now, "99000", products=("sku-1", "sku-2", "sku-3"))
        fake.repeat_in_search = "o-2"  # the search lists it twice
        await until(lambda: len(running.of_type("order")) == 3, what="three orders")
        polls = len(fake.search_ranges)
        await until(lambda: len(fake.search_ranges) >= polls + 3, what="more polls over the same orders")
        await running.stop()
    orders = running.of_type("order")
    assert sorted(orders, key=lambda o: o["order_id"]) == [
        {"type": "order", "room": "toko", "ts": now * 1000, "order_id": "o-1", "product": "sku-7", "quantity": 2, "amount": 259000.0},
        {"type": "order", "room": "toko", "ts": now * 1000, "order_id": "o-2", "product": "sku-9", "quantity": 1, "amount": 125000.5},
        {"type": "order", "room": "toko", "ts": now * 1000, "order_id": "o-3", "product": "sku-1", "quantity": 3, "amount": 99000.0},
    ]
    # every batch after the first ends with the progress, and each order lies at or before it
    throughs = []
    for batch in running.batches[1:]:
        assert type(batch[-1]) is SourceProgress and all(type(item) is dict for item in batch[:-1])
        assert all(item["ts"] <= batch[-1].through for item in batch[:-1])
        throughs.append(batch[-1].through)
    assert throughs == sorted(throughs)
    # the searches overlap (orders shown late are looked for again), the pages were followed
    assert any(request["query"].get("page_token") for request in fake.requests)
    assert all(since <= previous_until for (since, _), (_, previous_until) in zip(fake.search_ranges[1:], fake.search_ranges))


async def test_busy_answers_are_retried_and_retry_after_is_honoured(caplog):
    caplog.set_level(logging.INFO)
    with FakeTikTokShop() as fake:
        fake.fail_next(500, {"code": 1, "message": f"internal error near {TTS['LIVEMON_TTS_ACCESS_TOKEN']}"})
        fake.fail_next(429, {"code": 2, "message": "slow down"}, **{"Retry-After": "1"})
        running = Running(shop(fake.url))
        fake.add_order("o-1", int(time.time()) + 1)
        await until(lambda: running.of_type("order"), timeout=15, what="the order after the retries")
        await running.stop()
    details = [detail for state, detail in running.statuses if state == "disconnected"]
    assert any("HTTP 500" in detail and "retry in" in detail for detail in details)
    assert any("HTTP 429" in detail and "retry in 1.0s" in detail for detail in details)
    assert running.statuses[-1][0] == "connected"
    seen = " ".join(details) + caplog.text
    assert not [secret for secret in SECRETS if secret in seen]
    assert "***" in seen  # the token the server echoed was blotted out


async def test_refused_credentials_stop_the_orders_with_one_clear_line(caplog):
    wrong = {**TTS, "LIVEMON_TTS_APP_SECRET": "not-the-secret-8812"}
    with FakeTikTokShop() as fake:
        running = Running(shop(fake.url, wrong))
        await until(lambda: running.ended, what="the source to give up")
        await running.stop()
    state, detail = running.statuses[-1]
    assert state == "disconnected"
    assert "refused the credentials" in detail and "106001" in detail and "LIVEMON_TTS_APP_SECRET" in detail
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1 and "\n" not in errors[0].getMessage()
    assert running.batches == [[SourceProgress("tiktok-shop", -math.inf)], [SourceProgress("tiktok-shop", math.inf)]]
    seen = detail + caplog.text
    assert not [secret for secret in [*SECRETS, "not-the-secret-8812"] if secret in seen]


def test_an_order_without_amount_is_rejected_without_the_buyer():
    order = {"id": "o-5", "create_time": 1_763_802_000, "payment": {"currency": "IDR"},
             "recipient_address": {"name": "Budi"}, "line_items": [{"product_id": "sku-7"}]}
    rejected = order_event(order, "toko")
    assert type(rejected) is Rejection and rejected.reason == "bad_value" and "o-5" in rejected.detail
    assert "Budi" not in orjson.dumps(rejected.raw).decode()
    no_items = order_event({"id": "o-6", "create_time": 1_763_802_000, "payment": {"total_amount": "5000"}}, "toko")
    assert no_items["product"] == "tiktok-shop" and no_items["quantity"] == 1


async def test_a_bad_order_in_the_answer_costs_only_itself():
    with FakeTikTokShop() as fake:
        running = Running(shop(fake.url))
        now = int(time.time())
        fake.add_order("o-1", now + 1)
        fake.add_order("o-bad", now + 1, amount=None)
        fake.add_order("o-2", now + 1)
        await until(lambda: len(running.of_type("order")) == 2, timeout=10, what="the two good orders")
        await running.stop()
    rejections = [item for item in running.items() if type(item) is Rejection]
    assert [rejection.raw["id"] for rejection in rejections] == ["o-bad"]


def post(url: str, body: bytes, signature: str) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Authorization": signature})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # TikTok wants the answer within 3 s
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def notification(number: int, order_id: str, status: str) -> bytes:
    return orjson.dumps({"type": 1, "tts_notification_id": f"n-{number}", "shop_id": "7000", "timestamp": int(time.time()),
                         "data": {"order_id": order_id, "order_status": status, "is_on_hold_order": False,
                                  "update_time": int(time.time())}})


async def test_the_webhook_brings_orders_before_the_next_poll_and_notes_cancellations():
    key, secret = TTS["LIVEMON_TTS_APP_KEY"], TTS["LIVEMON_TTS_APP_SECRET"]
    with FakeTikTokShop() as fake:
        source = shop(fake.url, poll_s=3600, webhook={"host": "127.0.0.1", "port": 0, "path": "/tiktok-shop/webhook"})
        running = Running(source)
        await until(lambda: len(running.batches) >= 2, what="the first poll")
        url = source.receiver.url
        assert url.startswith("http://127.0.0.1:")
        now = int(time.time())
        fake.add_order("o-9", now, "150000")
        fake.add_order("o-old", now - 86_400)  # yesterday's order changing state: not this broadcast's
        first = notification(1, "o-9", "UNPAID")
        assert await asyncio.to_thread(post, url, first, webhook_signature(key, secret, first)) == 200
        await until(lambda: running.of_type("order"), what="the notified order")
        details = sum(request["path"] == "/order/202309/orders" for request in fake.requests)
        # the same notification again (TikTok retries): answered, taken once
        assert await asyncio.to_thread(post, url, first, webhook_signature(key, secret, first)) == 200
        # a forged one: refused
        forged = notification(2, "o-10", "UNPAID")
        assert await asyncio.to_thread(post, url, forged, webhook_signature(key, "guessed-secret", forged)) == 401
        old = notification(3, "o-old", "IN_TRANSIT")
        assert await asyncio.to_thread(post, url, old, webhook_signature(key, secret, old)) == 200
        cancel = notification(4, "o-9", "CANCEL")
        assert await asyncio.to_thread(post, url, cancel, webhook_signature(key, secret, cancel)) == 200
        await until(lambda: source.cancelled == 1, what="the cancellation")
        # o-old and the cancellation may come in one take: the cancellation is noted before o-old is fetched
        await until(lambda: sum(request["path"] == "/order/202309/orders" for request in fake.requests) > details,
                    what="o-old's details")
        await running.stop()
    assert [order["order_id"] for order in running.of_type("order")] == ["o-9"]
    assert source.receiver is None  # stopped with the source
    assert sum(request["path"] == "/order/202309/orders" for request in fake.requests) == details + 1  # o-old only
    assert len(fake.search_ranges) == 1  # no poll brought it
    assert running.statuses[-1] == ("connected", "tiktok-shop: 1 orders, 1 cancelled")


async def test_the_webhook_refuses_a_body_without_length_or_too_large():
    source = shop("http://127.0.0.1:9", poll_s=3600, webhook={"host": "127.0.0.1", "port": 0, "path": "/hook"})
    running = Running(source)
    await until(lambda: source.receiver is not None, what="the receiver")
    big = b"x" * (70 << 10)
    assert await asyncio.to_thread(post, source.receiver.url, big, "00") == 413
    assert await asyncio.to_thread(post, source.receiver.url.replace("/hook", "/other"), b"{}", "00") == 404
    await running.stop()
    assert source.receiver is None


async def test_a_restarted_poller_keeps_its_start_and_makes_no_second_promise():
    with FakeTikTokShop() as fake:
        source = shop(fake.url)
        first = Running(source)
        await until(lambda: len(first.batches) >= 2, what="a poll")
        await first.stop()
        again = Running(source)  # as the merge restarts a secondary that failed
        await until(lambda: again.batches, what="a poll after the restart")
        await again.stop()
    assert again.batches[0][-1].through > -math.inf
    assert fake.search_ranges[-1][0] == fake.search_ranges[0][0]  # still from the broadcast's start
