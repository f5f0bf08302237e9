"""A broadcast from the command line and `config.toml`: the audience source plus the orders source.

`livemon watch tiktok:@toko --orders tiktok-shop` (or `[broadcast] orders =
"tiktok-shop"`) puts the shop's orders into the room of the audience feed;
`livemon watch shopee:SESSION` watches a Shopee Live session. Credentials
come from the environment or `[sources.*]` (feeds/credentials.py).
"""

from __future__ import annotations

import logging
from typing import Any

from monitor.config import Config, ShopeeSettings, TikTokShopSettings

from .credentials import credentials
from .merge import MergedSource

log = logging.getLogger("livemon.broadcast")

ORDER_SOURCES = ("tiktok-shop",)
SHOPEE_PREFIX = "shopee:"


def broadcast_room(config: Config, audience: Any, room: str | None = None) -> str:
    """The room the orders join: `--room`, else `[broadcast] room`, else the audience source's room."""
    found = room or config.broadcast.room or getattr(audience, "room", None)
    if not found:
        log.warning("the orders go to room 'default': name the audience's room with --room or [broadcast] room")
    return found or "default"


def with_orders(audience: Any, orders: str, config: Config, *, room: str | None = None) -> MergedSource:
    """The audience source merged with the orders source named `orders`."""
    if orders not in ORDER_SOURCES:
        raise ValueError(f"unknown orders source {orders!r}; choose one of {', '.join(ORDER_SOURCES)}")
    from .tiktok_shop import TikTokShopOrders

    settings = config.sources.tiktok_shop or TikTokShopSettings()
    webhook = None
    if settings.webhook:
        webhook = {"host": settings.webhook_host, "port": settings.webhook_port, "path": settings.webhook_path}
    shop = TikTokShopOrders(
        credentials(config, "tiktok_shop").require(), room=broadcast_room(config, audience, room),
        base_url=settings.base_url, poll_s=settings.poll_s, recheck_s=settings.recheck_s, webhook=webhook,
    )
    return MergedSource([audience, shop])


def shopee_source(target: str, config: Config, *, room: str | None = None):
    """`shopee:SESSION` (or `shopee:` with `[sources.shopee] session_id`) as a live source."""
    from .shopee_live import ShopeeLiveSource

    settings = config.sources.shopee or ShopeeSettings()
    session = target.removeprefix(SHOPEE_PREFIX) or settings.session_id
    if not session.isdigit():
        raise ValueError(f"a Shopee Live session id is a number: shopee:SESSION_ID, not {target!r}")
    return ShopeeLiveSource(
        credentials(config, "shopee").require(), session, room=room or config.broadcast.room or None,
        base_url=settings.base_url, poll_s=settings.poll_s, comments=settings.comments,
    )
