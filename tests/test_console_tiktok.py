"""The console on a TikTok LIVE room: waiting for the host, the broadcast, its end and the report to make.

The real TikTokLive client talks to the stand-in of TikTok on 127.0.0.1; the
source's sleep is a gate the test opens, so the 45 s offline poll is a step.
"""

from __future__ import annotations

import asyncio
import shlex

from feeds.recorder import Recorder
from feeds.tiktok import TikTokSource
from monitor.config import DEFAULT_CONFIG, load_config
from monitor.console.app import LivemonApp
from monitor.console.messages import Drawn
from monitor.console.widgets.header import EndSummary, StatusHeader

from .console_session import drive
from .test_feeds_tiktok import connections
from .tiktok_frames import T0, broadcast
from .tiktok_standin import Script, StandIn, point_library_at

def header(app) -> str:
    return StatusHeader.render_header(app.screen.query_one(StatusHeader).header).plain


def toasts(app) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query("Toast")]


class Gate:
    """The source's sleep: every wait lasts until the test opens the gate."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await self.opened.wait()


async def test_waiting_for_the_host_then_the_broadcast_then_its_end_and_report(tmp_path, monkeypatch):
    gate = Gate()
    recording = tmp_path / "toko batik.jsonl"
    async with StandIn(Script(offline_checks=1, connections=connections(broadcast(T0)))) as standin:
        point_library_at(monkeypatch, standin.base)
        source = TikTokSource("@toko.batik", sleep=gate.sleep)
        app = LivemonApp(load_config(DEFAULT_CONFIG), source=source, speed=None, live=True,
                         config_path=tmp_path / "config.toml", sinks=[Recorder(recording)])
        async with drive(app, notifications=True) as console:
            await console.heard.wait_for(Drawn, lambda frame: frame.status == "offline")
            assert "menunggu siaran dimulai" in header(app) and "tiktok:@toko.batik" in header(app)
            await console.press("l")
            await console.heard.wait_for(Drawn, lambda frame: frame.status == "offline" and frame.lang == "en")
            assert "waiting for the broadcast to start" in header(app)
            assert gate.waits == [45.0]
            gate.opened.set()
            await console.ended()
            await console.pilot.pause()
            assert "the broadcast ended" in header(app)
            [toast] = toasts(app)
            command = f"livemon report {shlex.quote(str(recording))}"
            assert command in toast
            end = str(app.screen.query_one(EndSummary).content)
            assert "The broadcast ended" in end and f"Report: {command}" in end  # the summary says it too
            room = app.sink.rooms["toko.batik"]
            assert room.snapshot.values["comments"] == 8 and room.snapshot.values["viewers"] == 47
            assert [action.action for action in room.actions] == ["pin_product"]
            assert "[b]spill[/b] kak" in [comment.text for comment in room.comments]  # markup inert, escape gone
            await console.press("l")
            await console.drawn()
            assert "siaran berakhir" in header(app) and "Laporan: livemon report" in str(app.screen.query_one(EndSummary).content)


async def test_an_age_restricted_room_says_what_to_set_in_the_header(tmp_path, monkeypatch):
    async with StandIn(Script(age_restricted=True)) as standin:
        point_library_at(monkeypatch, standin.base)
        source = TikTokSource("toko.batik", sleep=Gate().sleep)
        app = LivemonApp(load_config(DEFAULT_CONFIG), source=source, speed=None, live=True,
                         config_path=tmp_path / "config.toml")
        async with drive(app, notifications=True) as console:
            await console.heard.wait_for(Drawn, lambda frame: frame.status == "error")
            await console.pilot.pause()
            assert "galat: siaran ini dibatasi usia: isi LIVEMON_TIKTOK_SESSIONID" in header(app)
            assert toasts(app) == []


async def test_the_console_replays_a_tiktok_recording(tmp_path):
    from feeds.files import FileSource

    from .tiktok_frames import EXPECTED, FIXTURE

    app = LivemonApp(load_config(DEFAULT_CONFIG), source=FileSource(FIXTURE), speed=None,
                     config_path=tmp_path / "config.toml")
    async with drive(app) as console:
        await console.ended()
        await console.workers()  # the file's span
        room = app.sink.rooms["toko.batik"]
        assert {key: room.snapshot.values[key] for key in EXPECTED["last"]} == EXPECTED["last"]
        assert [action.note for action in room.actions] == ["Batik tulis Solo"]
        assert app.span == (T0, T0 + 48_000)
