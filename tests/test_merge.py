"""A broadcast of several sources: a real websocket audience feed plus the shop poller, into one engine."""

from __future__ import annotations

import asyncio
import math
import time

import orjson

from feeds.broadcast import with_orders
from feeds.merge import MergedSource
from feeds.server import EventServer
from feeds.tiktok_shop import TikTokShopOrders
from feeds.websocket_client import WebSocketSource
from monitor.config import parse_config
from monitor.engine import Engine
from monitor.pipeline import Pipeline
from monitor.progress import SourceProgress

from .feeds_support import Collect, now_ms, until
from .shop_fakes import TTS, FakeTikTokShop, Running


def broadcast_config(shop_url: str, **engine) -> object:
    return parse_config({
        "engine": {"window_s": 10, **engine},
        "broadcast": {"room": "toko"},
        "sources": {"tiktok_shop": {"base_url": shop_url, "poll_s": 0.1}},
    }, "test")


async def test_orders_from_the_shop_join_the_audience_room_and_the_audience_ends_the_broadcast(monkeypatch):
    for name, value in TTS.items():
        monkeypatch.setenv(name, value)
    with FakeTikTokShop() as fake:
        server = EventServer("127.0.0.1", 0)
        await server.start()
        # the orders come a poll late: the poller's progress holds the stream's clock for them
        config = broadcast_config(fake.url)
        source = with_orders(WebSocketSource(server.url, backoff_first_s=0.05), "tiktok-shop", config)
        assert source.name == f"{server.url} + tiktok-shop"
        collect = Collect()
        pipeline = Pipeline(Engine(config, live=True), source, [collect])
        run = asyncio.create_task(pipeline.run())
        await server.wait_for_clients(1)
        start = now_ms()
        for index in range(20):
            server.publish(orjson.dumps({"type": "viewer_join", "ts": start + index * 50, "room": "toko", "user": f"u{index}"}).decode())
        created = int(time.time())
        fake.add_order("o-1", created, "259000")
        fake.add_order("o-2", created, "41000")
        shop = source.sources[1]
        await until(lambda: shop.orders == 2, what="both orders")
        await until(lambda: pipeline.engine.totals.events == 22, what="the orders in the engine")
        server.publish(orjson.dumps({"type": "like", "ts": now_ms(), "room": "toko", "user": "u1"}).decode())
        await server.close(end_of_stream=True)  # the audience ends: so does the broadcast, the poller with it
        summary = await asyncio.wait_for(run, 10)
    assert summary["events"] == 23 and summary["rejected"] == {} and summary["late"] == 0
    last = [snapshot for snapshot in collect.snapshots if snapshot.room == "toko"][-1]
    assert last.values["orders_total"] == 2 and last.values["gmv_total"] == 300_000
    assert collect.states()[-1] == "ended"
    assert any(state == "connected" and "; tiktok-shop: 2 orders, 0 cancelled" in detail for state, detail in collect.statuses)


class Flaky:
    """A secondary source that fails on its first run, then delivers."""

    name = "flaky"

    def __init__(self) -> None:
        self.runs = 0
        self.on_status = None

    async def batches(self):
        self.runs += 1
        if self.runs == 1:
            raise RuntimeError("unforeseen answer")
        yield [{"type": "like", "ts": 5, "room": "r"}]
        await asyncio.sleep(3600)


class Listed:
    """A primary source of fixed batches that ends after them (when `release` is set)."""

    name = "listed"

    def __init__(self, *batches) -> None:
        self.items = batches
        self.release = asyncio.Event()
        self.on_status = None

    async def batches(self):
        for batch in self.items:
            yield batch
        await self.release.wait()


async def test_a_failing_secondary_is_restarted_and_never_ends_the_broadcast():
    primary, flaky = Listed([{"type": "like", "ts": 1, "room": "r"}]), Flaky()
    merged = MergedSource([primary, flaky], backoff_max_s=0.05)
    running = Running(merged)
    await until(lambda: len(running.batches) == 2, what="the batches of both")
    assert flaky.runs == 2 and not running.ended
    assert any(state == "disconnected" and detail.startswith("flaky: failed (RuntimeError") for state, detail in running.statuses)
    primary.release.set()
    await until(lambda: running.ended, what="the end of the primary to end the broadcast")
    await running.stop()


async def test_the_merged_state_is_the_worst_and_progress_passes_unchanged():
    with FakeTikTokShop() as fake:
        from feeds.credentials import credentials

        shop = TikTokShopOrders(credentials(parse_config({}, "t"), "tiktok_shop", TTS).require(), room="r",
                                base_url=fake.url, poll_s=0.05)
        primary = Listed([{"type": "like", "ts": 1, "room": "r"}])
        merged = MergedSource([primary, shop])
        fake.fail_next(500)
        running = Running(merged)
        primary.on_status("connected", "listed")
        await until(lambda: any(s == "disconnected" for s, _ in running.statuses), what="the poller's failure")
        state, detail = running.statuses[-1]
        assert state == "disconnected" and detail.startswith("tiktok-shop: HTTP 500")  # the primary is fine
        await until(lambda: running.statuses[-1][0] == "connected", what="the poller back")
        await until(lambda: sum(type(item) is SourceProgress for item in running.items()) >= 2,
                    what="the first promise after the recovery")
        await running.stop()
    progress = [item for item in running.items() if type(item) is SourceProgress]
    assert progress[0] == SourceProgress("tiktok-shop", -math.inf) and len(progress) >= 2
