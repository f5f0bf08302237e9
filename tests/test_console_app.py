"""The console driven by keys (Textual Pilot), asserting on what the widgets show.

Every test waits on the console's own messages and workers (tests/console_session.py `drive`), never on time.
"""

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
from monitor.console.widgets.room import LowerArea, fitting_parts
from monitor.engine import Engine
from textual.widgets import DataTable, Input, TabbedContent

from monitor.console.messages import ConfigInvalid, ConfigReloaded, RulesSaved

from .console_session import SIZE, T0, drive, make_app, session_events, wait_for

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
    async with drive(app) as console:
        await console.ended()
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
    async with drive(app) as console:
        await console.ended()
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.tab_count == 1 and tabs.get_tab(tabs.active).label.plain == "toko-batik"
        snapshot = app.sink.rooms["toko-batik"].snapshot
        assert tile(app, "viewers").value == str(snapshot.values["viewers"])
        assert tile(app, "viewers").label == "Penonton"
        text = header(app).plain
        assert "toko-batik" in text and "session.jsonl" in text and "selesai" in text
        assert "⏲ 16.03.00" in text and "durasi 3 mnt" in text  # the broadcast's clock (WIB), dots in Indonesian
        assert app.screen.query_one(ReplayProgress).progress.fraction == pytest.approx(1.0, abs=0.01)


async def test_space_pauses_and_resumes(tmp_path):
    app = make_app(tmp_path, session_events(3), speed=1.0)
    async with drive(app) as console:
        await console.drawn()
        await console.press("space")
        assert app.paused and not app.pipeline.running.is_set()
        assert "JEDA" in header(app).plain  # at once, not on the next frame
        await console.press("space")
        assert not app.paused and app.pipeline.running.is_set()
        assert "▶ 1x" in header(app).plain


async def test_plus_and_minus_walk_the_speeds(tmp_path):
    app = make_app(tmp_path, session_events(3), speed=1.0)
    async with drive(app) as console:
        seen = []
        for _ in range(6):
            await console.press("plus")
            seen.append(app.speed)
        assert seen == [2.0, 5.0, 10.0, 30.0, None, None]
        assert app.pipeline.pacer.speed is None
        assert "maks" in header(app).plain
        await console.press("minus")
        assert app.speed == 30.0 and app.pipeline.pacer.speed == 30.0


async def test_left_and_right_seek_one_minute(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session)
    async with drive(app) as console:
        await console.seek(T0 + 10 * MINUTE)
        assert app.sink.position == T0 + 10 * MINUTE
        assert app.sink.rooms["toko-batik"].firing  # the drop has fired by now
        await console.press("left")
        await console.workers()
        assert app.seek_target is None and app.sink.position == T0 + 9 * MINUTE
        assert app.paused and not app.pipeline.running.is_set()  # a paused replay stays paused where it lands
        await console.press("right", "right")
        await console.workers()
        assert app.seek_target is None and app.sink.position == T0 + 11 * MINUTE
        await console.drawn(lambda frame: frame.position == T0 + 11 * MINUTE)
        progress = app.screen.query_one(ReplayProgress).progress
        assert progress.fraction == pytest.approx(11 / 12, abs=0.01)
        assert progress.position == "16.11.00"  # Asia/Jakarta, the shipped [display] timezone


async def test_seek_back_rebuilds_the_same_numbers(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session, speed=None)
    async with drive(app) as console:
        await console.ended()
        straight = app.sink.rooms["toko-batik"].snapshot.values
        await console.press("left")  # back from the end, then play on to the end again
        await console.workers()
        await console.ended()
        assert app.seek_target is None and app.sink.rooms["toko-batik"].snapshot.values == straight


async def test_a_acknowledges_and_m_mutes(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session)
    async with drive(app) as console:
        await console.seek(T0 + 11 * MINUTE)
        banner = app.screen.query_one(ActionBanner)
        assert banner.banner.rule == "retention_drop"
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.get_tab(tabs.active).has_class("-critical")
        alerts = app.screen.query_one(AlertList)
        alerts.focus()
        rows = [row.rule for row in alerts.rows]
        alerts.highlighted = rows.index("retention_drop")
        await console.press("a")
        assert banner.banner.rule == "viewers_drop"  # the acknowledged alert leaves the banner
        assert next(row for row in alerts.rows if row.rule == "retention_drop").acked
        await console.press("m")  # mutes the rule of the selected alert
        room = app.sink.rooms["toko-batik"]
        assert room.is_muted("retention_drop")
        assert tabs.get_tab(tabs.active).has_class("-warning")  # the worst unmuted alert is now a warning
        await console.press("right")  # marks survive a seek
        await console.workers()
        assert app.seek_target is None and app.sink.rooms["toko-batik"].is_muted("retention_drop")


async def test_rooms_get_tabs_coloured_by_their_worst_alert(tmp_path):
    calm = session_events(12, rooms=("butik-sari",), seed=3)
    dropping = session_events(12, drop_at_min=8, rooms=("toko-batik",))
    events = sorted(calm + dropping, key=lambda event: event["ts"])
    app = make_app(tmp_path, events)
    async with drive(app) as console:
        await console.seek(T0 + 11 * MINUTE)
        tabs = app.screen.query_one(TabbedContent)
        labels = {tabs.get_tab(pane).label.plain: tabs.get_tab(pane) for pane in ("room-1", "room-2")}
        assert labels["● toko-batik"].has_class("-critical")
        assert not labels["butik-sari"].has_class("-critical")
        room = lambda: app.screen.query_one(StatusHeader).header.room  # noqa: E731
        first = room()
        await console.press("right_square_bracket")
        await console.drawn(lambda frame: frame.room != first)
        assert room() != first
        mark = len(console.heard.messages)
        await console.press("left_square_bracket")
        await console.drawn(lambda frame: frame.room == first, since=mark)
        assert room() == first
        await console.press("2")
        assert tabs.active == "room-2"
        await console.press("1")
        assert tabs.active == "room-1"


async def test_l_switches_the_language(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session)
    async with drive(app) as console:
        await console.seek(T0 + 11 * MINUTE)
        banner = app.screen.query_one(ActionBanner)
        assert "AJAK KOMENTAR" in str(banner.content)
        await console.press("l")
        await console.drawn()
        assert app.lang == "en" and not hasattr(app.engine, "lang")  # the engine has no words to switch
        assert tile(app, "viewers").label == "Viewers"
        assert "ASK FOR COMMENTS" in str(banner.content)
        assert app.screen.active_bindings["space"].binding.description == "Pause"
        assert tile(app, "gmv_total").value.startswith("IDR ")
        await console.press("l")
        await console.drawn()
        assert app.lang == "id" and tile(app, "viewers").label == "Penonton"
        assert app.screen.active_bindings["space"].binding.description == "Jeda"


async def test_question_mark_opens_help(tmp_path):
    app = make_app(tmp_path, session_events(2), lang="en")
    async with drive(app) as console:
        await console.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#keys").content
        assert "pause / resume the replay" in [str(cell) for cell in table.columns[1].cells]
        assert "Esc, ? or q: close this help" in str(app.screen.query_one("#close").content)  # how to close it
        await console.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await console.press("question_mark")
        await console.press("question_mark")  # the key that opened it closes it too
        assert not isinstance(app.screen, HelpScreen)


async def test_thresholds_edit_apply_and_save(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session, lang="en", speed=None)  # the room must exist to see its rules change
    async with drive(app) as console:
        await console.press("t")
        screen = app.screen
        assert isinstance(screen, ThresholdsScreen)
        table = screen.query_one(DataTable)
        names = [rule.name for rule in app.config.rules]
        table.move_cursor(row=names.index("retention_drop"), column=COLUMNS.index("change_pct"))
        assert str(table.get_cell("retention_drop", "name")) == "Retention down"  # the rule as a person says it
        assert str(table.get_cell("retention_drop", "kind")) == "drops below usual"
        await console.press("enter")
        editor = screen.query_one("#value", Input)
        shipped = next(r for r in app.config.rules if r.name == "retention_drop")
        assert editor.has_focus and editor.value == f"{shipped.change_pct:g}"
        editor.value = ""
        await console.press(*"-3", "enter")
        assert "Change %: must be more than 0" in str(screen.query_one("#error").content)
        assert screen.editing is not None  # still editing: nothing applied
        editor.value = ""
        await console.press(*"40", "enter")
        assert screen.editing is None
        rule = lambda: next(r for r in app.engine.rules if r.name == "retention_drop")  # noqa: E731
        assert rule().change_pct == 40
        assert next(r for r in app.engine.room_alerts["toko-batik"].rules if r.name == "retention_drop").change_pct == 40
        assert app.unsaved
        # a key the rule does not use is refused
        table.move_cursor(row=names.index("retention_drop"), column=COLUMNS.index("threshold"))
        await console.press("enter")
        assert "Threshold is not used by a 'drops below usual' rule" in str(screen.query_one("#error").content)
        # space toggles enabled
        await console.press("space")
        assert rule().enabled is False
        since = len(console.heard.messages)
        await console.press("s")
        await console.heard.wait_for(RulesSaved, since=since)
        assert not app.unsaved
        text = app.config_path.read_text(encoding="utf-8")
        shipped_text = DEFAULT_CONFIG.read_text(encoding="utf-8")
        assert [line for line in shipped_text.splitlines() if line.startswith("#")] == [
            line for line in text.splitlines() if line.startswith("#")
        ]  # every comment line kept
        assert f"change_pct = {shipped.change_pct:g}\nmin_sample" in shipped_text
        assert "change_pct = 40\nmin_sample" in text
        saved = next(r for r in load_config(app.config_path).rules if r.name == "retention_drop")
        assert saved.change_pct == 40 and saved.enabled is False
        await console.press("escape")
        assert not isinstance(app.screen, ThresholdsScreen)


async def test_thresholds_refuse_in_the_language_shown(tmp_path):
    app = make_app(tmp_path, session_events(2))
    async with drive(app) as console:
        await console.press("t")
        screen = app.screen
        table = screen.query_one(DataTable)
        names = [rule.name for rule in app.config.rules]
        assert str(table.get_cell("interaction_low", "name")) == "Interaksi rendah"
        assert str(table.get_cell("interaction_low", "threshold")) == "0,04"  # a decimal comma, as typed back
        for rule, column, typed, said in [
            ("retention_drop", "change_pct", "-3", "Perubahan %: harus lebih dari 0"),
            ("retention_drop", "change_pct", "150", "Perubahan %: turun 150% tidak akan pernah terjadi"),
            ("interaction_low", "threshold", "5", "Ambang: Interaksi berupa pecahan 0 sampai 1 (0,05 berarti 5%), bukan 5"),
            ("interaction_low", "threshold", "0", "Ambang: aturan 'di bawah ambang' dengan ambang 0 tidak akan pernah menyala"),
            ("retention_drop", "for_s", "-1", "Tahan (dtk): harus 0 atau lebih"),
            ("retention_drop", "for_s", "segera", "'segera' bukan angka"),
            ("retention_drop", "threshold", None, "Ambang tidak dipakai aturan 'turun dari biasanya'"),
        ]:
            table.move_cursor(row=names.index(rule), column=COLUMNS.index(column))
            await console.press("enter")
            if typed is not None:
                editor = screen.query_one("#value", Input)
                editor.value = ""
                await console.press(*typed, "enter")
            assert said in str(screen.query_one("#error").content), (rule, column, typed)
            if screen.editing is not None:
                await console.press("escape")
        interaction_low = next(r for r in app.engine.rules if r.name == "interaction_low")
        assert interaction_low.threshold == 0.04 and not app.unsaved  # nothing refused was applied


async def test_config_file_is_watched(tmp_path):
    app = make_app(tmp_path, session_events(3))
    async with drive(app) as console:
        await console.pilot.pause()
        path = app.config_path
        good = re.sub(r"change_pct = [\d.]+", "change_pct = 33", path.read_text(encoding="utf-8"), count=1)
        path.write_text(good, encoding="utf-8")  # the first drop rule is retention_drop
        rule = lambda: next(r for r in app.engine.rules if r.name == "retention_drop")  # noqa: E731
        await console.heard.wait_for(ConfigReloaded)
        assert rule().change_pct == 33
        path.write_text(good.replace("change_pct = 33", "change_pct = -1", 1) + "\n", encoding="utf-8")
        invalid = await console.heard.wait_for(ConfigInvalid)
        assert "change_pct: must be > 0" in invalid.error and app.config_error == invalid.error
        assert rule().change_pct == 33  # the old rules stay
        await console.press("t")
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
    for index, text in enumerate(HOSTILE):  # the newest comments: the ticker shows them on top
        events.append({"type": "comment", "ts": T0 + 119_000 + index, "room": "toko-batik", "user": "v", "text": text})
    events.append({"type": "comment", "ts": T0 + 119_500, "room": "toko-batik", "user": "[b]u\x1b[2J[/b]", "text": "ok"})
    events.sort(key=lambda event: event["ts"])
    app = make_app(tmp_path, events, speed=None)
    async with drive(app) as console:
        await console.ended()
        ticker = app.screen.query_one(CommentTicker)
        content = ticker.content
        assert isinstance(content, Text)
        plain = content.plain
        for shown in ("[bold red]x[/]", "[@click=app.quit]boom[/]", "[$accent]y[/$accent]", "red done", "[b]u[/b]: ok"):
            assert shown in plain
        assert "\x1b" not in plain and "\x07" not in plain
        # only our own styles: time, user, nothing taken from the viewer's text
        assert {str(span.style) for span in content.spans} <= {"dim", "bold cyan"}
        # and on the screen itself, once the parts below the tiles are fitted to the size laid out
        area = app.screen.query_one(LowerArea)
        await wait_for(console.pilot, lambda: area.parts == fitting_parts(
            area.size.width, area.size.height, products=area.products, questions=area.has_topics))
        screen = html.unescape(re.sub(r"<[^>]+>", "", await console.settled())).replace("\xa0", " ")
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
    async with drive(app) as console:
        await console.seek(fired - 1000)
        banner = app.screen.query_one(ActionBanner)
        assert banner.banner is None or banner.banner.rule != "retention_drop"
        assert "retention_drop" not in [row.rule for row in app.screen.query_one(AlertList).rows]
        await console.seek(fired)
        assert banner.banner.rule == "retention_drop" and banner.banner.severity == "critical"
        assert banner.banner.name == "Retention down"
        assert banner.banner.action == "ask for comments: type 'red' or 'green'"
        assert "ASK FOR COMMENTS: TYPE 'RED' OR 'GREEN'" in str(banner.content)
        assert "retention_drop" not in str(banner.content)  # the rule's name, never its id
        assert banner.has_class("-critical")
        first = app.screen.query_one(AlertList).rows[0]
        assert first.rule == "retention_drop" and first.state == "firing" and first.message.startswith("Retention down")


async def test_q_quits_even_with_a_key_right_behind(tmp_path):
    app = make_app(tmp_path, session_events(2))
    async with drive(app) as console:
        await console.pilot.pause()
        await console.press("q", "t")
    assert app.return_code == 0


async def test_up_and_down_select_an_alert(tmp_path, drop_session):
    app = make_app(tmp_path, drop_session)
    async with drive(app) as console:
        await console.seek(T0 + 11 * MINUTE)
        alerts = app.screen.query_one(AlertList)
        alerts.focus()
        await console.pilot.pause()
        assert alerts.highlighted == 0
        await console.press("down")
        assert alerts.highlighted == 1
        second = alerts.rows[1].rule
        await console.press("a")  # acts on the selected row, not the newest
        assert next(row for row in alerts.rows if row.rule == second).acked
        await console.press("up")
        assert alerts.highlighted == 0


async def test_command_palette_offers_the_console_commands(tmp_path):
    app = make_app(tmp_path, session_events(2), speed=1.0, lang="en")
    async with drive(app) as console:
        titles = {command.title: command for command in app.get_system_commands(app.screen)}
        assert {"Pause / resume", "Faster", "Slower", "Thresholds", "Bahasa / Language", "Screenshot", "Quit"} <= set(titles)
        titles["Faster"].callback()
        assert app.speed == 2.0
        app.lang = "id"
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Jeda / lanjut", "Lebih cepat", "Ambang batas", "Tangkapan layar", "Keluar"} <= titles
        assert not titles & {"Pause / resume", "Theme", "Keys", "Screenshot", "Quit"}  # Textual's own, in English: left out
        await console.press("ctrl+p")
        assert type(app.screen).__name__ == "CommandPalette"


async def test_the_palette_screenshot_goes_into_the_working_directory_and_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(tmp_path, session_events(2), speed=1.0, lang="en")
    async with drive(app, notifications=True) as console:
        await console.drawn()
        before = set(tmp_path.glob("*.svg"))
        path = app.save_screenshot_here()
        assert path is not None and path.parent == tmp_path.resolve() and set(tmp_path.glob("*.svg")) - before == {path}
        await console.pilot.pause()
        toasts = [str(toast.render()) for toast in app.screen.query("Toast")]
        assert any(f"Screenshot saved: {path}" in toast for toast in toasts)


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
        async with drive(app, notifications=True) as console:
            await console.drawn(lambda frame: frame.position is not None and frame.status == "connected")
            text = header(app).plain
            assert url in text and "terhubung" in text and "LANGSUNG" in text
            assert app.screen.query_one(ReplayProgress).display is False
            bindings = app.screen.active_bindings
            assert "space" not in bindings and "plus" not in bindings  # no replay keys on a live feed
            assert "left" not in bindings or bindings["left"].binding.action != "seek(-60)"  # left/right move between room tabs
            await console.press("space", "plus", "left")
            assert not app.paused and app.seek_target is None
            assert not {"Jeda / lanjut", "Lebih cepat", "Lebih lambat"} & {c.title for c in app.get_system_commands(app.screen)}
            await console.press("question_mark")  # the help says why there are no replay keys
            assert "hanya ada saat putar ulang" in str(app.screen.query_one("#live").content)
            assert "jeda / lanjut putar ulang" not in [str(cell) for cell in app.screen.query_one("#keys").content.columns[1].cells]
            await console.press("escape")
            await console.ended()  # the server says end of stream
            assert "Tidak direkam: jalankan dengan --record FILE" in str(app.screen.query_one("EndSummary").content)
    finally:
        server.stop()
