"""TikTok LIVE frames built with TikTokLive's own protobuf classes, for the feed tests (no network).

`broadcast()` is a short room session as the platform sends it: the message
name and the bytes of each message, in order. `FIXTURE` is that session
recorded the way `livemon watch tiktok:@... --record` records it (made by
`write_fixture`, checked by a test), and `EXPECTED` what it must replay to.
"""

from __future__ import annotations

from pathlib import Path

from TikTokLive.proto import (
    ProtoMessageFetchResult, ProtoMessageFetchResultBaseProtoMessage, User, WebcastChatMessage, WebcastControlMessage,
    WebcastGiftMessage, WebcastLikeMessage, WebcastMemberMessage, WebcastPushFrame, WebcastRoomUserSeqMessage,
    WebcastSocialMessage,
)
from TikTokLive.proto.custom_proto import ControlAction
from TikTokLiveProto.v3.webcast.im import MemberMessageAction
from TikTokLiveProto.v3.webcast.model.message.common import Text
from TikTokLiveProto.v3.webcast.model.message.ext import PopProduct, WebcastOecLiveShoppingMessage
from TikTokLiveProto.v3.webcast.shared.message import CommonMessageData

T0 = 1_763_802_000_000  # 2025-11-22 09:00:00 UTC
ROOM = "toko.batik"
FIXTURE = Path(__file__).parent / "data" / "tiktok_session.frames.jsonl"

Frame = tuple[str, bytes]  # (message name, protobuf bytes)


def meta(ts: int, msg_id: int, display: str = "") -> CommonMessageData:
    """The `common` block every webcast message carries (create time in ms, message id)."""
    return CommonMessageData(create_time=ts, msg_id=msg_id, room_id=7_300_000_000_000_000_001,
                             display_text=Text(key=display) if display else None)


def viewer(number: int) -> User:
    return User(id=6_900_000_000_000_000_000 + number, display_id=f"viewer.{number}", nickname=f"Viewer {number}")


def pack(message) -> Frame:
    """(name, bytes) as TikTok sends it: the name is the class name of the message."""
    return type(message).__name__, bytes(message)


def comment(ts: int, msg_id: int, who: int, text: str) -> Frame:
    return pack(WebcastChatMessage(common=meta(ts, msg_id), user=viewer(who), content=text))


def join(ts: int, msg_id: int, who: int, action=MemberMessageAction.JOINED) -> Frame:
    return pack(WebcastMemberMessage(common=meta(ts, msg_id), user=viewer(who), action=action, member_count=who))


def like(ts: int, msg_id: int, who: int, count: int, total: int) -> Frame:
    return pack(WebcastLikeMessage(common=meta(ts, msg_id), user=viewer(who), count=count, total=total))


def social(ts: int, msg_id: int, who: int, display: str) -> Frame:
    return pack(WebcastSocialMessage(common=meta(ts, msg_id, display), user=viewer(who)))


def viewers(ts: int, msg_id: int, now: int, cumulative: int) -> Frame:
    return pack(WebcastRoomUserSeqMessage(common=meta(ts, msg_id), total=now, total_user=cumulative))


def pin(ts: int, msg_id: int, product_id: int, title: str) -> Frame:
    product = PopProduct(product_id=product_id, title=title, price="Rp89.000")
    return pack(WebcastOecLiveShoppingMessage(common=meta(ts, msg_id), pop_product=product))


def gift(ts: int, msg_id: int, who: int) -> Frame:
    return pack(WebcastGiftMessage(common=meta(ts, msg_id), user=viewer(who), repeat_count=1))


def live_end(ts: int, msg_id: int) -> Frame:
    return pack(WebcastControlMessage(common=meta(ts, msg_id), action=ControlAction.STREAM_ENDED))


def broadcast(t0: int = T0) -> list[Frame]:
    """50 s of a room: 12 joins (+2 subscriptions), 8 comments (+1 sent twice), 4 like batches (44 taps),
    3 follows and 2 shares (+1 other social message), a pinned product, a gift, viewer counts, one broken
    message, then the end of the broadcast."""
    frames: list[Frame] = [viewers(t0, 1, 40, 40)]
    msg = 100
    for second in range(12):
        frames.append(join(t0 + 1000 + second * 3000, msg := msg + 1, second))
    frames.append(join(t0 + 2500, msg := msg + 1, 3, MemberMessageAction.SUBSCRIBED))
    frames.append(join(t0 + 9500, msg := msg + 1, 4, MemberMessageAction.SUBSCRIBED))
    texts = ("merah kak", "hijau!", "berapa harganya?", "ready size M?", "[b]spill[/b] \x1b[31mkak", "cod bisa?",
             "mau 2", "ongkir ke Medan?")
    for index, text in enumerate(texts):
        frames.append(comment(t0 + 2000 + index * 5000, msg := msg + 1, index, text))
    frames.append(comment(t0 + 2000, msg - len(texts) + 1, 0, texts[0]))  # the first comment again: a duplicate
    for index, (count, total) in enumerate(((15, 15), (9, 24), (12, 36), (8, 44))):
        frames.append(like(t0 + 4000 + index * 10_000, msg := msg + 1, index, count, total))
    for index, display in enumerate(("pm_main_follow_message_viewer_2", "pm_mt_guidance_share",
                                     "pm_main_follow_message_viewer_2", "pm_main_follow_message_viewer_2",
                                     "pm_mt_guidance_viewer_3_share", "pm_mt_some_other_social")):
        frames.append(social(t0 + 6000 + index * 6000, msg := msg + 1, index, display))
    frames.append(pin(t0 + 20_000, msg := msg + 1, 1_729_000_000_000_000_001, "Batik tulis Solo"))
    frames.append(gift(t0 + 21_000, msg := msg + 1, 5))
    frames.append(("WebcastChatMessage", b"\n\x05ab"))  # cut short: does not parse
    for index, (now, cumulative) in enumerate(((48, 52), (55, 61), (51, 64), (47, 66))):
        frames.append(viewers(t0 + 12_000 + index * 12_000, msg := msg + 1, now, cumulative))
    frames.sort(key=lambda frame: _create_time(frame))
    frames.append(live_end(t0 + 50_000, msg + 1))
    return frames


#: What the broadcast above replays to: the summary and the last metrics line (all of it within one window).
EXPECTED = {
    "summary": {"events": 12 + 8 + 4 + 3 + 2 + 1 + 5, "rejected": {"bad_value": 1}, "duplicates": 1, "late": 0},
    "last": {"entries": 12, "comments": 8, "likes": 44, "follows": 3, "shares": 2, "viewers": 47,
             "entries_total": 12, "peak_viewers": 55},
}


def _create_time(frame: Frame) -> int:
    from TikTokLive.events import EVENT_MAPPINGS

    name, payload = frame
    try:
        event = EVENT_MAPPINGS[name]().parse(payload)
    except Exception:  # the broken message keeps its place after everything it follows
        return T0 + 21_500
    return event.common.create_time


def push_frame(frames: list[Frame]) -> bytes:
    """One websocket message of the webcast server: a push frame holding a fetch result with these messages."""
    result = ProtoMessageFetchResult(messages=[
        ProtoMessageFetchResultBaseProtoMessage(method=name, payload=payload) for name, payload in frames
    ])
    return bytes(WebcastPushFrame(payload_type="msg", payload_encoding="pb", payload=bytes(result)))


def write_fixture(path: Path = FIXTURE) -> None:
    """The recording `--record` makes of `broadcast()`: each frame read by the adapter and written by the recorder."""
    from feeds.recorder import recorded_line
    from feeds.tiktok import read_frame

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        for index, (name, payload) in enumerate(broadcast()):
            arrival = T0 + 300 + index * 10  # arrival order and times as the room sent them
            out.write(recorded_line(read_frame(name, payload, ROOM, arrival), arrival))


if __name__ == "__main__":
    write_fixture()
    print(f"wrote {FIXTURE}")
