"""The TikTok adapter, fed with the TikTokLive library's own event objects (no network)."""

from __future__ import annotations

import pytest

pytest.importorskip("TikTokLive", reason="the optional extra livemon[tiktok] (TikTokLive) is not installed")

from TikTokLive.events import (  # noqa: E402
    CommentEvent, FollowEvent, GiftEvent, JoinEvent, LikeEvent, RoomUserSeqEvent, ShareEvent,
)
from TikTokLive.proto.custom_proto import ExtendedUser  # noqa: E402
from TikTokLiveProto.v3.webcast.shared.message import CommonMessageData  # noqa: E402

from feeds.tiktok import TikTokSource, to_event  # noqa: E402
from monitor.engine import Engine  # noqa: E402
from monitor.events import Event, parse_object  # noqa: E402

from .feeds_support import short_config  # noqa: E402

ANI = ExtendedUser(id=7_001, display_id="ani.batik", nickname="Ani")


def common(ms: int, msg_id: int) -> CommonMessageData:
    return CommonMessageData(create_time=ms, msg_id=msg_id, room_id=99)


def test_each_kind_becomes_our_event():
    t = 1_763_802_000_000
    assert to_event(CommentEvent(common=common(t, 1), user=ANI, content="merah kak"), "toko") == {
        "type": "comment", "ts": t, "room": "toko", "id": "tiktok-1", "user": "7001", "text": "merah kak",
    }
    assert to_event(LikeEvent(common=common(t, 2), user=ANI, count=15, total=300), "toko")["count"] == 15
    assert to_event(JoinEvent(common=common(t, 3), user=ANI, member_count=40), "toko")["type"] == "viewer_join"
    assert to_event(FollowEvent(common=common(t, 4), user=ANI, follow_count=3), "toko")["type"] == "follow"
    assert to_event(ShareEvent(common=common(t, 5), user=ANI), "toko")["type"] == "share"
    viewers = to_event(RoomUserSeqEvent(common=common(t, 6), total=345, total_user=9_999), "toko")
    assert viewers == {"type": "viewer_count", "ts": t, "room": "toko", "id": "tiktok-6", "count": 345}
    assert to_event(GiftEvent(common=common(t, 7), user=ANI), "toko") is None  # not in our contract


def test_the_mapped_events_pass_our_parser():
    t = 1_763_802_000_000
    library_events = [
        JoinEvent(common=common(t, 1), user=ANI),
        CommentEvent(common=common(t + 500, 2), user=ANI, content="<b>spill</b> \x1b[31m"),
        LikeEvent(common=common(t + 900, 3), user=ANI, count=4),
        RoomUserSeqEvent(common=common(t + 1000, 4), total=12),
    ]
    for library_event in library_events:
        assert type(parse_object(to_event(library_event, "toko"))) is Event


def test_times_in_seconds_or_missing_are_handled():
    assert to_event(LikeEvent(common=common(1_763_802_000, 1), user=ANI, count=1), "r")["ts"] == 1_763_802_000_000
    assert to_event(LikeEvent(user=ANI, count=1), "r", now_ms=42.0)["ts"] == 42


def test_a_message_sent_twice_is_counted_once():
    engine = Engine(short_config())
    twice = CommentEvent(common=common(1_763_802_000_000, 77), user=ANI, content="halo")
    for _ in range(2):
        engine.offer(parse_object(to_event(twice, "toko")))
    assert engine.totals.events == 1 and engine.totals.duplicates == 1


def test_the_source_takes_what_the_library_emits():
    source = TikTokSource("@toko.batik")
    source.client.emit(CommentEvent.get_type(), CommentEvent(common=common(5_000, 1), user=ANI, content="hai"))
    source.client.emit(GiftEvent.get_type(), GiftEvent(common=common(5_100, 2), user=ANI))
    taken = source._waiting.get_nowait()
    assert taken["room"] == "toko.batik" and taken["type"] == "comment"
    assert source._waiting.empty()
