"""Shopee Live: session metrics and comments into a snapshot room, against a local fake of the Open Platform."""

from __future__ import annotations

import logging
import math

import pytest

from feeds.credentials import credentials
from feeds.shopee_live import SessionCounters, ShopeeLiveSource, product_clicks, sign_shop_request
from monitor.config import parse_config
from monitor.progress import SourceProgress

from .feeds_support import until
from .shop_fakes import SHOPEE, FakeShopee, Running, shopee_sign

SECRETS = [SHOPEE["LIVEMON_SHOPEE_PARTNER_KEY"], SHOPEE["LIVEMON_SHOPEE_ACCESS_TOKEN"]]


def live(url: str, environ: dict | None = None, **options) -> ShopeeLiveSource:
    found = credentials(parse_config({}, "test"), "shopee", environ if environ is not None else SHOPEE).require()
    options.setdefault("poll_s", 0.05)
    return ShopeeLiveSource(found, "6236215", base_url=url, **options)


def metric(**values) -> dict:
    base = {"gmv": 0, "atc": 0, "ctr": 0.0, "co": 0.0, "orders": 0, "ccu": 0, "engage_ccu_1m": 0, "peak_ccu": 0,
            "likes": 0, "comments": 0, "shares": 0, "views": 0, "avg_viewing_duration": 0}
    return {**base, **values}


def test_the_signature_is_partner_path_time_token_shop():
    assert sign_shop_request("k3y", "2001", "/api/v2/livestream/get_session_metric", 1_700_000_000, "tok", "88") == \
        shopee_sign("k3y", "2001", "/api/v2/livestream/get_session_metric", "1700000000", "tok", "88")


def test_counters_become_events_from_the_second_poll_on():
    counters = SessionCounters("shopee-1", "1")
    first = counters.events(metric(ccu=40, likes=500, views=900, orders=7, gmv=700_000, ctr=0.1), 1_000)
    assert first == [{"type": "viewer_count", "ts": 1_000, "room": "shopee-1", "count": 40}]  # the starting point
    second = counters.events(metric(ccu=45, likes=530, shares=2, views=903, orders=9, gmv=950_000, ctr=0.1), 6_000)
    kinds = [event["type"] for event in second]
    assert kinds == ["viewer_count", "like", "share", "share", "viewer_join", "viewer_join", "viewer_join", "order", "order"]
    assert second[1]["count"] == 30
    assert [event["user"] for event in second if event["type"] == "viewer_join"] == ["shopee-view-1", "shopee-view-2", "shopee-view-3"]
    orders = [event for event in second if event["type"] == "order"]
    assert [order["amount"] for order in orders] == [125_000, 125_000]
    assert {order["order_id"] for order in orders} == {"shopee-1-1", "shopee-1-2"}
    assert all(event["ts"] == 6_000 for event in second)
    # ctr x views: 90 -> 90.3 rounds to the same clicks; then views jump and clicks follow
    third = counters.events(metric(ccu=45, likes=530, shares=2, views=1003, orders=9, gmv=950_000, ctr=0.1), 11_000)
    assert sum(event["type"] == "product_click" for event in third) == 10


def test_a_counter_that_goes_down_is_a_new_starting_point(caplog):
    counters = SessionCounters("r", "1")
    counters.events(metric(likes=100, views=50), 0)
    assert [e["type"] for e in counters.events(metric(likes=10, views=50), 1)] == ["viewer_count"]
    assert "went down" in caplog.text
    assert counters.events(metric(likes=15, views=50), 2)[1] == {"type": "like", "ts": 2, "room": "r", "count": 5}


def test_rates_outside_a_fraction_give_no_clicks():
    assert product_clicks(0.05, 2000) == 100
    assert product_clicks(5, 2000) is None and product_clicks(None, 10) is None and product_clicks(0.1, True) is None


async def test_the_session_through_the_fake_gives_a_snapshot_room_with_comments_once():
    with FakeShopee() as fake:
        fake.metrics = [metric(ccu=30, likes=100, views=400), metric(ccu=32, likes=110, views=404, orders=1, gmv=89_000)]
        fake.comments = [
            {"comment_id": 1, "content": "[bold red]merah[/] kak", "timestamp": 1_763_802_000, "user_id": 501, "username": "budi"},
            {"comment_id": 2, "content": "hijau", "timestamp": 1_763_802_001, "user_id": 502, "username": "sari"},
            {"comment_id": 3, "content": "berapa?", "timestamp": 1_763_802_002, "user_id": 501, "username": "budi"},
        ]
        running = Running(live(fake.url))
        await until(lambda: running.of_type("order") and fake.metric_calls >= 4, what="the second snapshot and more polls")
        await running.stop()
    assert running.batches[0] == [SourceProgress("shopee:6236215", -math.inf)]
    comments = running.of_type("comment")
    assert [(c["id"], c["user"], c["ts"], c["text"]) for c in comments] == [
        ("shopee-comment-1", "501", 1_763_802_000_000, "[bold red]merah[/] kak"),  # text as written; the console shows it inert
        ("shopee-comment-2", "502", 1_763_802_001_000, "hijau"),
        ("shopee-comment-3", "501", 1_763_802_002_000, "berapa?"),
    ]  # listed again at every poll, taken once
    assert running.of_type("order") == [{"type": "order", "ts": running.of_type("order")[0]["ts"], "room": "shopee-6236215",
                                         "product": "shopee-live", "order_id": "shopee-6236215-1", "amount": 89_000}]
    assert len(running.of_type("viewer_join")) == 4
    assert {event["count"] for event in running.of_type("viewer_count")} <= {30, 32}
    for batch in running.batches[1:]:
        assert type(batch[-1]) is SourceProgress
        assert all(item["ts"] <= batch[-1].through for item in batch[:-1])


async def test_refused_credentials_stop_the_session_without_showing_them(caplog):
    wrong = {**SHOPEE, "LIVEMON_SHOPEE_PARTNER_KEY": "wrong-partner-key-77"}
    with FakeShopee() as fake:
        fake.metrics = [metric()]
        running = Running(live(fake.url, wrong))
        await until(lambda: running.ended, what="the source to give up")
        await running.stop()
    state, detail = running.statuses[-1]
    assert state == "disconnected" and "refused the credentials" in detail and "error_sign" in detail
    assert running.batches[-1] == [SourceProgress("shopee:6236215", math.inf)]  # the clock need not wait for it
    seen = detail + caplog.text
    assert not [secret for secret in [*SECRETS, "wrong-partner-key-77"] if secret in seen]


async def test_a_failing_call_is_retried_and_loses_no_change(caplog):
    caplog.set_level(logging.INFO)
    with FakeShopee() as fake:
        fake.metrics = [metric(ccu=5, likes=10), metric(ccu=6, likes=25)]
        fake.fail_next(503, {"error": "error_server", "message": "busy"})
        running = Running(live(fake.url))
        await until(lambda: running.of_type("like"), timeout=10, what="the likes after the retry")
        await running.stop()
    assert any(state == "disconnected" and "HTTP 503" in detail for state, detail in running.statuses)
    assert sum(event["count"] for event in running.of_type("like")) == 15
    assert "shp-token" not in caplog.text  # the token travels in the query: no message carries the URL


def test_the_session_id_is_a_number():
    from feeds.broadcast import shopee_source

    with pytest.raises(ValueError, match="session id"):
        shopee_source("shopee:abc", parse_config({}, "test"))
