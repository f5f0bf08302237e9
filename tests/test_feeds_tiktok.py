"""The TikTok LIVE feed: frames built with TikTokLive's own classes, read by its parser, our adapter, the engine.

No network: the live tests run the real TikTokLive client against a stand-in
of TikTok's endpoints and webcast websocket on 127.0.0.1 (tiktok_standin.py).
"""

from __future__ import annotations

import asyncio
import sys
import time
from types import SimpleNamespace

import orjson
import pytest

from feeds.files import FileSource
from feeds.frames import Frame, frame_reader
from feeds.recorder import Recorder
from feeds.credentials import credentials
from feeds.tiktok import TikTokSource, rate_limit_wait_s, read_frame
from monitor.config import parse_config
from monitor.engine import Engine
from monitor.events import Event, Rejection, parse_input
from monitor.pipeline import Pipeline
from monitor.report.run import run_file
from TikTokLive.client.errors import SignatureRateLimitError

from .feeds_support import Collect, short_config
from .tiktok_frames import (
    EXPECTED, FIXTURE, ROOM, T0, broadcast, comment, gift, join, like, live_end, pin, social, viewers,
    write_fixture,
)
from .tiktok_standin import Script, StandIn, point_library_at
from TikTokLiveProto.v3.webcast.im import MemberMessageAction

USER = "6900000000000000007"


def tiktok_login(**environ: str):
    """The `[sources.tiktok]` credentials as `livemon watch` resolves them, from these environment variables."""
    return credentials(parse_config({}, "test"), "tiktok", environ)


def read(frame, arrival: float = T0 + 5) -> Frame:
    return read_frame(*frame, ROOM, arrival)


# ---------------------------------------------------------------- the mapping (sources.md)


def test_each_message_becomes_our_event():
    t = T0 + 1000
    assert read(comment(t, 1, 7, "merah kak")) == [
        {"ts": t, "room": ROOM, "id": "tiktok-1", "type": "comment", "text": "merah kak", "user": USER},
    ]
    assert read(like(t, 2, 7, 15, 300)) == [{"ts": t, "room": ROOM, "id": "tiktok-2", "type": "like", "count": 15, "user": USER}]
    assert read(join(t, 3, 7)) == [{"ts": t, "room": ROOM, "id": "tiktok-3", "type": "viewer_join", "user": USER}]
    assert read(viewers(t, 4, 345, 9_999)) == [{"ts": t, "room": ROOM, "id": "tiktok-4", "type": "viewer_count", "count": 345}]
    assert read(social(t, 5, 7, "pm_main_follow_message_viewer_2"))[0]["type"] == "follow"
    assert read(social(t, 6, 7, "pm_mt_guidance_viewer_3_share"))[0]["type"] == "share"
    assert read(pin(t, 8, 1729, "Batik tulis")) == [{
        "ts": t, "room": ROOM, "id": "tiktok-8", "type": "host_action", "action": "pin_product",
        "product": "1729", "note": "Batik tulis",
    }]
    [pinned] = parse_input(read(pin(t, 8, 1729, "Batik tulis")))
    assert pinned.product == "1729"  # kept on the event, so per-product views can attribute the pin


def test_what_is_not_ours_gives_no_event():
    t = T0 + 1000
    assert read(join(t, 1, 7, MemberMessageAction.SUBSCRIBED)) == []  # a subscription is a member message too
    assert read(social(t, 2, 7, "pm_mt_some_other_social")) == []
    assert read(gift(t, 3, 7)) == []
    assert read(("WebcastSomethingNewMessage", b"\x08\x01")) == []  # a name this library does not know
    ended = read(live_end(t, 4))
    assert ended == [] and ended.ended
    assert not read(comment(t, 5, 7, "hai")).ended


def test_a_message_that_does_not_parse_is_one_counted_rejection():
    frame = read(("WebcastChatMessage", b"\n\x05ab"))
    [refused] = frame
    assert type(refused) is Rejection and refused.reason == "bad_value"
    assert "WebcastChatMessage" in refused.detail and "\n" not in refused.detail
    assert parse_input(frame) == [refused]


def test_frames_pass_our_parser_and_viewer_text_stays_plain():
    items = parse_input(read(comment(T0, 1, 7, "[b]spill[/b] \x1b[31mkak")))
    assert len(items) == 1 and type(items[0]) is Event and items[0].text == "[b]spill[/b] \x1b[31mkak"
    assert parse_input([read(join(T0, 2, 1)), read(gift(T0, 3, 1)), {"type": "like", "ts": T0, "count": 2}]) == [
        *parse_input(read(join(T0, 2, 1))), *parse_input({"type": "like", "ts": T0, "count": 2}),
    ]


def test_a_message_sent_twice_is_counted_once():
    engine = Engine(short_config())
    twice = comment(T0, 77, 7, "halo")
    for _ in range(2):
        for item in parse_input(read(twice)):
            engine.offer(item)
    engine.finish()
    assert engine.totals.events == 1 and engine.totals.duplicates == 1


# ---------------------------------------------------------------- the recorded-frames fixture


async def replay(source, config=None) -> tuple[dict, Collect]:
    collect = Collect()
    summary = await Pipeline(Engine(config or short_config()), source, [collect], speed=None).run()
    return summary, collect


def run_source(source, config=None) -> tuple[dict, Collect]:
    return asyncio.run(replay(source, config))


def assert_expected(summary: dict, collect: Collect) -> None:
    for key, value in EXPECTED["summary"].items():
        assert summary[key] == value, key
    last = collect.snapshots[-1].values
    for key, value in EXPECTED["last"].items():
        assert last[key] == value, key


def test_the_fixture_is_what_the_library_classes_and_the_recorder_make(tmp_path):
    write_fixture(tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == FIXTURE.read_bytes()


def test_the_recorded_frames_replay_to_known_metrics():
    summary, collect = run_source(FileSource(FIXTURE), short_config(window_s=60))
    assert_expected(summary, collect)
    [rejected] = collect.rejections
    assert rejected.reason == "bad_value" and "WebcastChatMessage" in rejected.detail


def test_without_the_library_the_events_recorded_beside_the_frames_replay(monkeypatch):
    monkeypatch.setitem(sys.modules, "feeds.tiktok", None)  # as if `livemon[tiktok]` were not installed
    assert frame_reader("tiktok") is None
    summary, collect = run_source(FileSource(FIXTURE), short_config(window_s=60))
    assert_expected(summary, collect)


def test_with_the_library_the_frames_are_read_again_not_the_recorded_events(tmp_path, monkeypatch):
    """Each frame counts once: the bytes when the library is there (a newer mapping applies), else `raw`."""
    emptied = tmp_path / "emptied.jsonl"
    lines = [orjson.loads(line) for line in FIXTURE.read_bytes().splitlines()]
    emptied.write_bytes(b"".join(orjson.dumps({**line, "raw": "[]"} if "raw" in line else line) + b"\n" for line in lines))
    summary, collect = run_source(FileSource(emptied), short_config(window_s=60))
    assert_expected(summary, collect)
    monkeypatch.setitem(sys.modules, "feeds.tiktok", None)
    summary, _ = run_source(FileSource(emptied), short_config(window_s=60))
    assert summary["events"] == 0 and summary["rejected"] == {"bad_value": 1}


def test_the_report_of_the_recording_gives_the_same_numbers():
    config = short_config(window_s=60)
    summary, collect = run_source(FileSource(FIXTURE), config)
    run = run_file(FIXTURE, config)
    assert {key: run.summary[key] for key in ("events", "rejected", "late", "duplicates")} == {
        key: summary[key] for key in ("events", "rejected", "late", "duplicates")
    }
    [session] = run.sessions
    row = session.minutes[-1]
    last = collect.snapshots[-1]
    assert row["t"] == last.t
    assert {name: row[name] for name in last.values} == last.values
    assert session.host_actions[0].action == "pin_product"


# ---------------------------------------------------------------- connecting


class Clock:
    """The source's sleep: notes each wait and lets the loop run, so a 45 s poll takes no time."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0.01)


@pytest.fixture
def standin_url(monkeypatch):
    """Returns a function that points TikTokLive at a stand-in."""
    return lambda standin: point_library_at(monkeypatch, standin.base)


def connections(frames, cuts=()) -> list[list[list]]:
    """The frames over one websocket connection per slice between `cuts`, a push message per 7 frames."""
    bounds = [0, *cuts, len(frames)]
    return [[frames[i:min(i + 7, end)] for i in range(start, end, 7)] for start, end in zip(bounds, bounds[1:])]


async def run_live(source, sinks=()) -> tuple[dict, Collect]:
    collect = Collect()
    summary = await asyncio.wait_for(
        Pipeline(Engine(short_config(window_s=60), live=True), source, [collect, *sinks]).run(), 30
    )
    return summary, collect


async def test_a_live_room_end_to_end_through_the_library_client(standin_url, tmp_path):
    frames = broadcast(T0)
    script = Script(initial=frames[:1], connections=connections(frames[1:]))
    async with StandIn(script) as standin:
        standin_url(standin)
        source = TikTokSource("@toko.batik", sleep=Clock().sleep)
        recorder = Recorder(tmp_path / "live.jsonl")
        summary, collect = await run_live(source, [recorder])
    assert source.name == "tiktok:@toko.batik" and source.failure is None
    assert_expected(summary, collect)
    assert collect.states() == ["connecting", "connected", "ended"]
    replayed, again = await replay(FileSource(tmp_path / "live.jsonl"), short_config(window_s=60))
    assert replayed == summary and again.snapshots[-1].values == collect.snapshots[-1].values


async def test_waits_while_the_host_is_offline_and_starts_by_itself(standin_url):
    frames = broadcast(T0)
    clock = Clock()
    async with StandIn(Script(offline_checks=2, connections=connections(frames))) as standin:
        standin_url(standin)
        summary, collect = await run_live(TikTokSource("toko.batik", sleep=clock.sleep, offline_poll_s=45))
        asked_sign_server = len(standin.asked("/webcast/fetch"))
    assert collect.states() == ["connecting", "offline", "offline", "connecting", "connected", "ended"]
    assert clock.waits == [45, 45]  # one live check per poll, asked of TikTok, not of the sign server
    assert asked_sign_server == 1
    assert summary["events"] == EXPECTED["summary"]["events"]


async def test_the_sign_server_rate_limit_waits_for_its_reset_time(standin_url):
    frames = broadcast(T0)
    clock = Clock()
    script = Script(rate_limited=2, rate_limit_reset_in_s=120, connections=connections(frames))
    async with StandIn(script) as standin:
        standin_url(standin)
        summary, collect = await run_live(TikTokSource("toko.batik", sleep=clock.sleep))
        asked = len(standin.asked("/webcast/fetch"))
    assert asked == 3  # two refusals, then the connection: no retry before the reset time
    assert len(clock.waits) == 2 and all(115 <= wait <= 122 for wait in clock.waits)
    details = [detail for state, detail in collect.statuses if state == "disconnected"]
    assert len(details) == 2 and all("rate limit" in detail for detail in details)
    assert summary["events"] == EXPECTED["summary"]["events"]


def test_rate_limit_wait_reads_the_reset_time():
    def refused(headers: dict) -> SimpleNamespace:
        return SimpleNamespace(reset_time=headers["RateLimit-Reset"]) if "RateLimit-Reset" in headers else SimpleNamespace()

    assert rate_limit_wait_s(refused({"RateLimit-Reset": "30"}), 1_763_802_000.0) == 31.0  # a small number: seconds from now
    assert rate_limit_wait_s(refused({"RateLimit-Reset": str(1_763_802_100)}), 1_763_802_000.0) == 101.0
    assert rate_limit_wait_s(refused({"RateLimit-Reset": str(1_763_802_000)}), 1_763_802_000.0) == 5.0  # never hot
    assert rate_limit_wait_s(refused({"RateLimit-Reset": "99999999999"}), 1_763_802_000.0) == 3600.0
    assert rate_limit_wait_s(refused({}), 0) == 60.0
    assert issubclass(SignatureRateLimitError, Exception)


async def test_a_dropped_connection_reconnects_and_loses_nothing(standin_url):
    frames = broadcast(T0)
    clock = Clock()
    async with StandIn(Script(connections=connections(frames, cuts=(15,)))) as standin:
        standin_url(standin)
        source = TikTokSource("toko.batik", sleep=clock.sleep)
        summary, collect = await run_live(source)
    assert source.connections == 2 and len(clock.waits) == 1
    assert collect.states() == ["connecting", "connected", "disconnected", "connecting", "connected", "ended"]
    assert_expected(summary, collect)


async def test_an_age_restricted_room_without_a_session_says_what_to_set(standin_url):
    async with StandIn(Script(age_restricted=True, connections=connections(broadcast(T0)))) as standin:
        standin_url(standin)
        source = TikTokSource("toko.batik", sleep=Clock().sleep)
        summary, collect = await run_live(source)
        assert standin.asked("/webcast/fetch") == []
    assert source.failure == "tiktok_age_restricted"
    assert ("error", "tiktok_age_restricted") in collect.statuses and summary["events"] == 0


async def test_an_age_restricted_room_opens_with_the_session_from_the_environment(standin_url, monkeypatch):
    session = "sid-0f3c9a7d5e1b"
    async with StandIn(Script(age_restricted=True, session_id=session, connections=connections(broadcast(T0)))) as standin:
        standin_url(standin)
        monkeypatch.setenv("WHITELIST_AUTHENTICATED_SESSION_ID_HOST", f"127.0.0.1:{standin.port}")
        login = tiktok_login(LIVEMON_TIKTOK_SESSIONID=session, LIVEMON_TIKTOK_TARGET_IDC="alisg")
        source = TikTokSource("toko.batik", credentials=login, sleep=Clock().sleep)
        summary, collect = await run_live(source)
        [(_, sign_query, _)] = standin.asked("/webcast/fetch")
        cookies = standin.ws_cookies
    assert source.failure is None and summary["events"] == EXPECTED["summary"]["events"]
    assert sign_query["session_id"] == session and f"sessionid={session}" in cookies[0]
    assert all(session not in detail for _, detail in collect.statuses)


async def test_a_session_the_library_will_not_send_is_a_clear_failure(standin_url, monkeypatch):
    monkeypatch.delenv("WHITELIST_AUTHENTICATED_SESSION_ID_HOST", raising=False)
    async with StandIn(Script(connections=connections(broadcast(T0)))) as standin:
        standin_url(standin)
        login = tiktok_login(LIVEMON_TIKTOK_SESSIONID="sid-0f3c9a7d5e1b", LIVEMON_TIKTOK_TARGET_IDC="alisg")
        source = TikTokSource("toko.batik", credentials=login, sleep=Clock().sleep)
        await run_live(source)
    assert source.failure == "tiktok_session_not_allowed"


async def test_an_unknown_handle_is_a_clear_failure(standin_url):
    async with StandIn(Script(unknown_user=True)) as standin:
        standin_url(standin)
        source = TikTokSource("toko.batik", sleep=Clock().sleep)
        summary, collect = await run_live(source)
    assert source.failure == "tiktok_no_such_user" and collect.states()[-2:] == ["error", "ended"]


async def test_the_sign_key_goes_to_the_sign_server_only(standin_url):
    key = "euler-key-5a1d0c"
    async with StandIn(Script(sign_key=key, connections=connections(broadcast(T0)))) as standin:
        standin_url(standin)
        source = TikTokSource("toko.batik", credentials=tiktok_login(LIVEMON_TIKTOK_SIGN_KEY=key), sleep=Clock().sleep)
        summary, _ = await run_live(source)
        others = [headers for path, _, headers in standin.requests if path != "/webcast/fetch"]
    assert summary["events"] == EXPECTED["summary"]["events"]  # the stand-in refuses a sign request without the key
    assert all(key not in str(headers) for headers in others)
    assert key not in repr(parse_config({"sources": {"tiktok": {"sign_key": key}}}, "test"))


def test_a_session_needs_its_data_centre():
    with pytest.raises(ValueError, match="LIVEMON_TIKTOK_TARGET_IDC") as error:
        TikTokSource("toko.batik", credentials=tiktok_login(LIVEMON_TIKTOK_SESSIONID="sid-0f3c9a7d5e1b"))
    assert "sid-0f3c9a7d5e1b" not in str(error.value)
    assert TikTokSource("toko.batik", credentials=tiktok_login()).session is None


def test_the_config_file_holds_the_secrets_too_and_the_environment_wins():
    config = parse_config({"sources": {"tiktok": {"sign_key": "from-the-file", "offline_poll_s": 30}}}, "test")
    assert credentials(config, "tiktok", {})["sign_key"] == "from-the-file"
    assert credentials(config, "tiktok", {"LIVEMON_TIKTOK_SIGN_KEY": "from-env"})["sign_key"] == "from-env"
    with pytest.raises(Exception, match="offline_poll_s"):
        parse_config({"sources": {"tiktok": {"offline_poll_s": 5}}}, "test")  # a quicker poll would hammer TikTok


async def test_the_shop_orders_join_the_tiktok_room(standin_url, monkeypatch):
    """`livemon watch tiktok:@toko.batik --orders tiktok-shop`: one room, the audience from TikTok, orders from the shop."""
    from feeds.broadcast import with_orders

    from .feeds_support import now_ms, until
    from .shop_fakes import TTS, FakeTikTokShop

    for name, value in TTS.items():
        monkeypatch.setenv(name, value)
    frames = broadcast(now_ms() - 50_000)
    release = asyncio.Event()
    with FakeTikTokShop() as shop:
        async with StandIn(Script(connections=[[frames[:-1], frames[-1:]]], hold_end=release)) as standin:
            standin_url(standin)
            config = parse_config({"engine": {"window_s": 60},
                                   "sources": {"tiktok_shop": {"base_url": shop.url, "poll_s": 0.1}}}, "test")
            source = with_orders(TikTokSource("@toko.batik", sleep=Clock().sleep), "tiktok-shop", config)
            assert source.name == "tiktok:@toko.batik + tiktok-shop"
            collect = Collect()
            pipeline = Pipeline(Engine(config, live=True), source, [collect])
            run = asyncio.create_task(pipeline.run())
            await until(lambda: pipeline.engine.totals.events == EXPECTED["summary"]["events"], timeout=20,
                        what="the TikTok events")
            shop.add_order("o-1", int(time.time()), "259000")
            await until(lambda: pipeline.engine.totals.events == EXPECTED["summary"]["events"] + 1, timeout=20,
                        what="the order")
            release.set()  # the broadcast ends on TikTok: so does the run, the shop poller with it
            summary = await asyncio.wait_for(run, 20)
    assert summary["rooms"] == ["toko.batik"] and summary["duplicates"] == 1
    last = collect.snapshots[-1]
    assert last.room == "toko.batik" and last.values["orders_total"] == 1 and last.values["gmv_total"] == 259_000
    assert last.values["entries_total"] == 12 and collect.states()[-1] == "ended"


def test_check_config_says_which_tiktok_secrets_are_set_never_their_values():
    from feeds.credentials import check_lines

    key = "euler-key-5a1d0c"
    [line] = check_lines(parse_config({}, "test"), {"LIVEMON_TIKTOK_SIGN_KEY": key})
    assert line == ("sources.tiktok: sign_key set (environment), session_id not set, target_idc not set; ready")
    assert check_lines(parse_config({}, "test"), {}) == []
