"""The console driven by keys (Textual Pilot), asserting on what the widgets show."""

from __future__ import annotations

import shutil

import html
import re

import orjson
import pytest
from rich.text import Text

from monitor.config import DEFAULT_CONFIG, load_config
from monitor.console.app import LivemonApp
from monitor.console.screens.help import HelpScreen
from monitor.console.screens.thresholds import COLUMNS, ThresholdsScreen
from monitor.console.widgets.alerts import ActionBanner, AlertList
from monitor.console.widgets.comments import CommentTicker
from monitor.console.widgets.header import StatusHeader
from monitor.console.widgets.kpi import KpiTile
from monitor.console.widgets.progress import ReplayProgress
from monitor.engine import Engine
from textual.widgets import DataTable, Input, TabbedContent

from .console_session import T0, make_app, seek_paused, session_events, wait_for

SIZE = (160, 48)
MINUTE = 60_000


@pytest.fixture(scope="module")
def drop_session():
    return session_events(12, drop_at_min=8)


def header(app) -> Text:
    return StatusHeader.render_header(app.screen.query_one(StatusHeader).header)


def tile(app, key: str):
    return app.screen.query_one(f"#kpi-{key}", KpiTile).reading


async def test_kpi_tiles_show_the_category_targets(tmp_path):
    shutil.copy(DEFAULT_CONFIG, tmp_path / "config.toml")
    text = (tmp_path / "config.toml").read_text()
    text = text.replace("# ctr = 0.08", "ctr = 0.99").replace("# retention = 0.55", "retention = 0.01")
    (tmp_path / "config.toml").write_text(text.replace("# interaction_rate = 0.12", "interaction_rate = 0.99"))
    app = make_app(tmp_path, session_events(3), speed=None, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.sink.status == "ended")
        app.screen.redraw(force=True)
        await pilot.pause()
        ctr, retention, interaction = (
            app.screen.query_one(f"#kpi-{key}", KpiTile) for key in ("ctr", "retention", "interaction_rate")
        )
        assert ctr.reading.target == "target 99.0%" and ctr.border_subtitle == "target 99.0%"
        assert retention.reading.target == "target 1.0%"
        assert interaction.reading.reliable and interaction.reading.target_met is False
        assert interaction.has_class("-target-missed")
        assert tile(app, "viewers").target == ""  # no target for viewers


async def test_dashboard_shows_the_room(tmp_path):
    app = make_app(tmp_path, session_events(3), speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.sink.status == "ended")
        app.screen.redraw(force=True)
        await pilot.pause()
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.tab_count == 1 and tabs.get_tab(tabs.active).label.plain == "toko-batik"
        snapshot = app.sink.rooms["toko-batik"].snapshot
        assert tile(app, "viewers").value == str(snapshot.values["viewers"])
        assert tile(app, "viewers").label == "Penonton"
        text = header(app).plain
        assert "toko-batik" in text and "session.jsonl" in text and "selesai" in text and "00:03:00" not in text
        assert app.screen.query_one(ReplayProgress).progress.fraction == pytest.approx(1.0, abs=0.01)


async def test_space_pauses_and_resumes(tmp_path):
    app = make_app(tmp_path, session_events(3), speed=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.sink.position is not None)
        await pilot.press("space")
        assert app.paused and not app.pipeline.running.is_set()
        app.screen.redraw(force=True)
        assert "JEDA" in header(app).plain
        await pilot.press("space")
        assert not app.paused and app.pipeline.running.is_set()
        app.screen.redraw(force=True)
        assert "▶ 1x" in header(app).plain


async def test_plus_and_minus_walk_the_speeds(tmp_path):
    app = make_app(tmp_path, session_events(3), speed=1.0)
    async with app.run_test(size=SIZE) as pilot:
        seen = []
        for _ in range(6):
            await pilot.press("plus")
            seen.append(app.speed)
        assert seen == [2.0, 5.0, 10.0, 30.0, None, None]
        assert app.pipeline.pacer.speed is None
        app.screen.redraw(force=True)
        assert "maks" in header(app).plain
        await pilot.press("minus")
        assert app.speed == 30.0 and app.pipeline.pacer.speed == 30.0


async def test_left_and_right_seek_one_minute(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session)
    async with app.run_test(size=SIZE) as pilot:
        await seek_paused(pilot, app, T0 + 10 * MINUTE)
        assert app.sink.position == T0 + 10 * MINUTE
        assert app.sink.rooms["toko-batik"].firing  # the drop has fired by now
        await pilot.press("left")
        await wait_for(pilot, lambda: app.seek_target is None)
        assert app.sink.position == T0 + 9 * MINUTE
        assert app.paused and not app.pipeline.running.is_set()  # a paused replay stays paused where it lands
        await pilot.press("right", "right")
        await wait_for(pilot, lambda: app.seek_target is None)
        assert app.sink.position == T0 + 11 * MINUTE
        app.screen.redraw(force=True)
        progress = app.screen.query_one(ReplayProgress).progress
        assert progress.fraction == pytest.approx(11 / 12, abs=0.01)
        assert progress.position == "09:11:00"


async def test_seek_back_rebuilds_the_same_numbers(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session, speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.sink.status == "ended")
        straight = app.sink.rooms["toko-batik"].snapshot.values
        await pilot.press("left")  # back from the end, then play on to the end again
        await wait_for(pilot, lambda: app.seek_target is None and app.sink.status == "ended")
        assert app.sink.rooms["toko-batik"].snapshot.values == straight


async def test_a_acknowledges_and_m_mutes(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session)
    async with app.run_test(size=SIZE) as pilot:
        await seek_paused(pilot, app, T0 + 11 * MINUTE)
        banner = app.screen.query_one(ActionBanner)
        assert banner.banner.rule == "retention_drop"
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.get_tab(tabs.active).has_class("-critical")
        alerts = app.screen.query_one(AlertList)
        alerts.focus()
        rows = [row.rule for row in alerts.rows]
        alerts.highlighted = rows.index("retention_drop")
        await pilot.press("a")
        await pilot.pause()
        assert banner.banner.rule == "viewers_drop"  # the acknowledged alert leaves the banner
        assert next(row for row in alerts.rows if row.rule == "retention_drop").acked
        await pilot.press("m")  # mutes the rule of the selected alert
        await pilot.pause()
        room = app.sink.rooms["toko-batik"]
        assert room.is_muted("retention_drop")
        assert tabs.get_tab(tabs.active).has_class("-warning")  # the worst unmuted alert is now a warning
        await pilot.press("right")  # marks survive a seek
        await wait_for(pilot, lambda: app.seek_target is None)
        assert app.sink.rooms["toko-batik"].is_muted("retention_drop")


async def test_rooms_get_tabs_coloured_by_their_worst_alert(tmp_path):
    calm = session_events(12, rooms=("butik-sari",), seed=3)
    dropping = session_events(12, drop_at_min=8, rooms=("toko-batik",))
    events = sorted(calm + dropping, key=lambda event: event["ts"])
    app = make_app(tmp_path, events)
    async with app.run_test(size=SIZE) as pilot:
        await seek_paused(pilot, app, T0 + 11 * MINUTE)
        tabs = app.screen.query_one(TabbedContent)
        labels = {tabs.get_tab(pane).label.plain: tabs.get_tab(pane) for pane in ("room-1", "room-2")}
        assert labels["● toko-batik"].has_class("-critical")
        assert not labels["butik-sari"].has_class("-critical")
        room = lambda: app.screen.query_one(StatusHeader).header.room  # noqa: E731
        first = room()
        await pilot.press("right_square_bracket")
        await pilot.pause()
        app.screen.redraw(force=True)
        assert room() != first
        await pilot.press("left_square_bracket")
        await pilot.pause()
        app.screen.redraw(force=True)
        assert room() == first
        await pilot.press("2")
        await pilot.pause()
        assert tabs.active == "room-2"
        await pilot.press("1")
        await pilot.pause()
        assert tabs.active == "room-1"


async def test_l_switches_the_language(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session)
    async with app.run_test(size=SIZE) as pilot:
        await seek_paused(pilot, app, T0 + 11 * MINUTE)
        banner = app.screen.query_one(ActionBanner)
        assert "AJAK KOMENTAR" in str(banner.content)
        await pilot.press("l")
        await pilot.pause()
        assert app.lang == "en" and not hasattr(app.engine, "lang")  # the engine has no words to switch
        assert tile(app, "viewers").label == "Viewers"
        assert "ASK FOR COMMENTS" in str(banner.content)
        assert app.screen.active_bindings["space"].binding.description == "Pause"
        assert tile(app, "gmv_total").value.startswith("IDR ")
        await pilot.press("l")
        await pilot.pause()
        assert app.lang == "id" and tile(app, "viewers").label == "Penonton"
        assert app.screen.active_bindings["space"].binding.description == "Jeda"


async def test_question_mark_opens_help(tmp_path):
    app = make_app(tmp_path, session_events(2), lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#keys").content
        assert "pause / resume the replay" in [str(cell) for cell in table.columns[1].cells]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_thresholds_edit_apply_and_save(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session, lang="en", speed=None)  # the room must exist to see its rules change
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ThresholdsScreen)
        table = screen.query_one(DataTable)
        names = [rule.name for rule in app.config.rules]
        table.move_cursor(row=names.index("retention_drop"), column=COLUMNS.index("change_pct"))
        await pilot.press("enter")
        await pilot.pause()
        editor = screen.query_one("#value", Input)
        shipped = next(r for r in app.config.rules if r.name == "retention_drop")
        assert editor.has_focus and editor.value == f"{shipped.change_pct:g}"
        editor.value = ""
        await pilot.press(*"-3", "enter")
        await pilot.pause()
        assert "change_pct: must be > 0" in str(screen.query_one("#error").content)
        assert screen.editing is not None  # still editing: nothing applied
        editor.value = ""
        await pilot.press(*"40", "enter")
        await pilot.pause()
        assert screen.editing is None
        rule = lambda: next(r for r in app.engine.rules if r.name == "retention_drop")  # noqa: E731
        assert rule().change_pct == 40
        assert next(r for r in app.engine.room_alerts["toko-batik"].rules if r.name == "retention_drop").change_pct == 40
        assert app.unsaved
        # a key the rule does not use is refused
        table.move_cursor(row=names.index("retention_drop"), column=COLUMNS.index("threshold"))
        await pilot.press("enter")
        await pilot.pause()
        assert "threshold is not used by a 'drop' rule" in str(screen.query_one("#error").content)
        # space toggles enabled
        await pilot.press("space")
        await pilot.pause()
        assert rule().enabled is False
        await pilot.press("s")
        await wait_for(pilot, lambda: not app.unsaved)
        text = app.config_path.read_text(encoding="utf-8")
        shipped_text = DEFAULT_CONFIG.read_text(encoding="utf-8")
        assert [line for line in shipped_text.splitlines() if line.startswith("#")] == [
            line for line in text.splitlines() if line.startswith("#")
        ]  # every comment line kept
        assert f"change_pct = {shipped.change_pct:g}\nmin_sample" in shipped_text
        assert "change_pct = 40\nmin_sample" in text
        saved = next(r for r in load_config(app.config_path).rules if r.name == "retention_drop")
        assert saved.change_pct == 40 and saved.enabled is False
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ThresholdsScreen)


async def test_config_file_is_watched(tmp_path):
    app = make_app(tmp_path, session_events(3))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        path = app.config_path
        good = re.sub(r"change_pct = [\d.]+", "change_pct = 33", path.read_text(encoding="utf-8"), count=1)
        path.write_text(good, encoding="utf-8")  # the first drop rule is retention_drop
        rule = lambda: next(r for r in app.engine.rules if r.name == "retention_drop")  # noqa: E731
        await wait_for(pilot, lambda: rule().change_pct == 33, timeout=5)
        path.write_text(good.replace("change_pct = 33", "change_pct = -1", 1) + "\n", encoding="utf-8")
        await wait_for(pilot, lambda: app.config_error != "", timeout=5)
        assert "change_pct: must be > 0" in app.config_error
        assert rule().change_pct == 33  # the old rules stay
        await pilot.press("t")
        await pilot.pause()
        shown = str(app.screen.query_one("#file").content)
        assert shown.startswith("Konfigurasi tidak valid, aturan lama tetap dipakai") and "change_pct" in shown


HOSTILE = (
    "[bold red]x[/]",
    "[@click=app.quit]boom[/]",
    "[$accent]y[/$accent]",
    "\x1b[31mred\x1b[0m \x1b]0;title\x07done",
)


async def test_comment_text_is_shown_as_plain_text(tmp_path):
    events = session_events(2)
    for index, text in enumerate(HOSTILE):
        events.append({"type": "comment", "ts": T0 + 110_000 + index, "room": "toko-batik", "user": "v", "text": text})
    events.append({"type": "comment", "ts": T0 + 119_500, "room": "toko-batik", "user": "[b]u\x1b[2J[/b]", "text": "ok"})
    events.sort(key=lambda event: event["ts"])
    app = make_app(tmp_path, events, speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.sink.status == "ended")
        app.screen.redraw(force=True)
        await pilot.pause()
        ticker = app.screen.query_one(CommentTicker)
        content = ticker.content
        assert isinstance(content, Text)
        plain = content.plain
        for shown in ("[bold red]x[/]", "[@click=app.quit]boom[/]", "[$accent]y[/$accent]", "red done", "[b]u[/b]: ok"):
            assert shown in plain
        assert "\x1b" not in plain and "\x07" not in plain
        # only our own styles: time, user, nothing taken from the viewer's text
        assert {str(span.style) for span in content.spans} <= {"dim", "bold cyan"}
        # and on the screen itself
        screen = html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot())).replace("\xa0", " ")
        assert "[bold red]x[/]" in screen and "[@click=app.quit]boom[/]" in screen
        assert app.is_running  # the click markup did not become a quit link


async def test_retention_drop_alert_shows_at_its_tick(tmp_path):
    from feeds.simulator import generate

    events = list(generate("retention_drop", 20 * 60, seed=1, start_ms=T0))
    engine = Engine(load_config(DEFAULT_CONFIG))  # the headless truth: when does the rule fire?
    fired = None
    for event in events:
        engine.offer_raw(orjson.dumps(event))
        for tick in engine.advance():
            for room_tick in tick.rooms:
                for alert in room_tick.alerts:
                    if alert.rule == "retention_drop" and alert.state == "firing" and fired is None:
                        fired = alert.t
    assert fired is not None and T0 + 10 * MINUTE < fired < T0 + 14 * MINUTE  # the problem begins at minute 10
    app = make_app(tmp_path, events, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await seek_paused(pilot, app, fired - 1000)
        banner = app.screen.query_one(ActionBanner)
        assert banner.banner is None or banner.banner.rule != "retention_drop"
        assert "retention_drop" not in [row.rule for row in app.screen.query_one(AlertList).rows]
        await seek_paused(pilot, app, fired)
        assert banner.banner.rule == "retention_drop" and banner.banner.severity == "critical"
        assert banner.banner.action == "ask for comments: type 'red' or 'green'"
        assert "ASK FOR COMMENTS: TYPE 'RED' OR 'GREEN'" in str(banner.content)
        assert banner.has_class("-critical")
        first = app.screen.query_one(AlertList).rows[0]
        assert first.rule == "retention_drop" and first.state == "firing" and first.message.startswith("Retention down")


async def test_q_quits_even_with_a_key_right_behind(tmp_path):
    app = make_app(tmp_path, session_events(2))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q", "t")
        await pilot.pause()
    assert app.return_code == 0


async def test_up_and_down_select_an_alert(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session)
    async with app.run_test(size=SIZE) as pilot:
        await seek_paused(pilot, app, T0 + 11 * MINUTE)
        alerts = app.screen.query_one(AlertList)
        alerts.focus()
        await pilot.pause()
        assert alerts.highlighted == 0
        await pilot.press("down")
        assert alerts.highlighted == 1
        second = alerts.rows[1].rule
        await pilot.press("a")  # acts on the selected row, not the newest
        assert next(row for row in alerts.rows if row.rule == second).acked
        await pilot.press("up")
        assert alerts.highlighted == 0


async def test_command_palette_offers_the_console_commands(tmp_path):
    app = make_app(tmp_path, session_events(2), speed=1.0, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        titles = {command.title: command for command in app.get_system_commands(app.screen)}
        assert {"Pause / resume", "Faster", "Slower", "Thresholds", "Bahasa / Language"} <= set(titles)
        titles["Faster"].callback()
        assert app.speed == 2.0
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"


async def test_live_demo_path_over_the_websocket(tmp_path):
    """What `livemon demo` runs: the simulator served on a local websocket, read by the real client."""
    from feeds.server import serve_simulation
    from feeds.websocket_client import WebSocketSource
    from monitor.console.demo import BackgroundServer

    # 10 simulated minutes at 120x: ~5 s of feed, long enough to look at it while it is connected under load
    server = BackgroundServer(lambda s: serve_simulation(s, "retention_drop", 120.0, 1, 600))
    url = server.start()
    try:
        config = load_config(DEFAULT_CONFIG)
        app = LivemonApp(config, source=WebSocketSource(url), speed=None, live=True, config_path=tmp_path / "config.toml")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.sink.position is not None and app.sink.status == "connected")
            app.screen.redraw(force=True)
            await pilot.pause()
            text = header(app).plain
            assert url in text and "terhubung" in text and "LANGSUNG" in text
            assert app.screen.query_one(ReplayProgress).display is False
            bindings = app.screen.active_bindings
            assert "space" not in bindings and "plus" not in bindings  # no replay keys on a live feed
            assert "left" not in bindings or bindings["left"].binding.action != "seek(-60)"  # left/right move between room tabs
            await pilot.press("space", "plus", "left")
            assert not app.paused and app.seek_target is None
            await wait_for(pilot, lambda: app.sink.status == "ended", timeout=30)  # the server says end of stream
    finally:
        server.stop()
