"""Alerts never vanish while the problem holds: acknowledged, muted, rung for (the real app, driven by Pilot).

The session: retention breaks at minute 8 and comes back at minute 11. With
the shipped rules `retention_drop` (critical) fires at 9:43 and resolves at
13:41, `viewers_drop` (warning) fires at 9:50 and resolves at 13:39 (the
headless engine says so in the first test).
"""

from __future__ import annotations

import os
import stat

import orjson
import pytest
from rich.text import Text

from monitor.cli import _load, build_parser
from monitor.config import DEFAULT_CONFIG, load_config
from monitor.console.app import LivemonApp
from monitor.console.screens.help import HelpScreen
from monitor.console.widgets.alerts import ActionBanner, AlertList, MutedList
from monitor.console.widgets.kpi import KpiTile
from monitor.engine import Engine

from monitor.console.messages import AssistantCalled

from .console_session import T0, drive, make_app, session_events

SECOND = 1000
RETENTION_FIRES, VIEWERS_FIRES, VIEWERS_RESOLVES, RETENTION_RESOLVES = (T0 + s * SECOND for s in (583, 590, 819, 821))


@pytest.fixture(scope="module")
def recovering():
    return session_events(16, drop_at_min=8, recover_at_min=11)


class BellCounter(LivemonApp):
    """The real console; only the terminal bell is counted instead of written (it is silent under run_test anyway)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.bells = 0

    def bell(self) -> None:
        self.bells += 1


def test_the_session_fires_and_resolves_where_these_tests_look(recovering):
    engine = Engine(load_config(DEFAULT_CONFIG))
    seen = []
    for event in recovering:
        engine.offer_raw(orjson.dumps(event))
        seen += [(alert.t, alert.rule, alert.state) for tick in engine.advance() for room in tick.rooms for alert in room.alerts]
    assert seen == [
        (RETENTION_FIRES, "retention_drop", "firing"), (VIEWERS_FIRES, "viewers_drop", "firing"),
        (VIEWERS_RESOLVES, "viewers_drop", "resolved"), (RETENTION_RESOLVES, "retention_drop", "resolved"),
    ]


def banner_text(app) -> str:
    content = app.screen.query_one(ActionBanner).content
    assert isinstance(content, Text)
    return content.plain


def kpi(app, key: str) -> KpiTile:
    return app.screen.query_one(f"#kpi-{key}", KpiTile)


async def select(console, rule: str) -> None:
    alerts = console.app.screen.query_one(AlertList)
    alerts.focus()
    alerts.highlighted = [row.rule for row in alerts.rows].index(rule)
    await console.pilot.pause()


def listed(app) -> list[str]:
    alerts = app.screen.query_one(AlertList)
    return [alerts.get_option_at_index(index).prompt.plain for index in range(alerts.option_count)]


@pytest.mark.parametrize("lang, one_acked, two_one_acked, clear, firing, was", [
    ("id", "1 aktif, sudah dikonfirmasi", "2 aktif, 1 sudah dikonfirmasi", "Aman", "[AKTIF]", "[sempat aktif]"),
    ("en", "1 active, acknowledged", "2 active, 1 acknowledged", "All clear", "[FIRING]", "[was firing]"),
])
async def test_an_acknowledged_alert_stays_until_it_resolves(tmp_path, recovering, lang, one_acked, two_one_acked, clear,
                                                             firing, was):
    app = make_app(tmp_path, recovering, lang=lang)
    async with drive(app) as console:
        await console.seek(RETENTION_FIRES + 2 * SECOND)
        banner = app.screen.query_one(ActionBanner)
        assert banner.banner.rule == "retention_drop" and not banner.banner.acknowledged
        assert kpi(app, "retention").has_class("-alerting") and not kpi(app, "retention").has_class("-acknowledged")
        assert kpi(app, "retention").border_title.startswith("⚠")
        assert [firing in line for line in listed(app)] == [True]
        await select(console, "retention_drop")
        await console.press("a")
        # acknowledged is not gone: still in the banner, with its action, said to be acknowledged
        assert banner.banner.rule == "retention_drop" and banner.banner.acknowledged
        text = banner_text(app)
        assert one_acked in text and clear not in text
        assert banner.banner.action.upper() in text
        assert banner.has_class("-acknowledged") and banner.has_class("-critical")
        tile = kpi(app, "retention")
        assert tile.has_class("-alerting") and tile.has_class("-acknowledged")
        assert not kpi(app, "viewers").has_class("-alerting")
        # a second alert comes: it takes the banner, the first is still counted and its tile still marked
        await console.seek(VIEWERS_FIRES + 60 * SECOND)
        assert banner.banner.rule == "viewers_drop" and not banner.banner.acknowledged
        assert two_one_acked in banner_text(app)
        assert kpi(app, "retention").has_class("-acknowledged") and kpi(app, "retention").has_class("-alerting")
        assert kpi(app, "viewers").has_class("-alerting") and kpi(app, "viewers").has_class("-alert-warning")
        # resolved: only now do the banner and the tiles let go
        await console.seek(RETENTION_RESOLVES + SECOND)
        assert banner.banner is None and clear in banner_text(app)
        assert not kpi(app, "retention").has_class("-alerting") and not kpi(app, "viewers").has_class("-alerting")
        assert kpi(app, "retention").border_title == ("Retensi" if lang == "id" else "Retention")
        # the list keeps the history, but no line of it still claims to fire: the firings say they were
        lines = listed(app)
        assert len(lines) == 4 and not any(firing in line for line in lines)
        assert [was in line for line in lines] == [False, False, True, True]  # newest first: two resolutions


async def test_muted_rules_are_listed_counting_down_and_u_unmutes(tmp_path, recovering):
    app = make_app(tmp_path, recovering, lang="en")
    async with drive(app, notifications=True) as console:
        await console.seek(RETENTION_FIRES + 2 * SECOND)
        muted = app.screen.query_one(MutedList)
        assert not muted.display  # nothing muted: no list
        assert app.screen.active_bindings["u"].binding.description == "Unmute"
        await select(console, "retention_drop")
        await console.press("m")
        assert muted.display and [row.rule for row in muted.rows] == ["retention_drop"]
        row = muted.rows[0]
        assert row.left == "10 min" and row.firing and row.metric == "Retention" and row.name == "Retention down"
        shown = muted.get_option_at_index(0).prompt.plain
        assert "Retention down" in shown and "muted, 10 min left" in shown and "still firing" in shown
        assert "retention_drop" not in shown  # the rule's name, never its id
        assert any("Retention down muted for 10 minutes" in str(toast.render()) for toast in app.screen.query("Toast"))
        # the only firing alert is muted: the banner does not claim all is clear
        assert app.screen.query_one(ActionBanner).banner is None
        assert "1 firing but muted" in banner_text(app) and "All clear" not in banner_text(app)
        assert kpi(app, "retention").has_class("-acknowledged")  # marked, dimmer
        # the time left is event time: a minute later it says a minute less
        await console.press("right")
        await console.workers()
        await console.drawn(lambda frame: frame.position == RETENTION_FIRES + 62 * SECOND)
        assert muted.rows[0].left == "9 min"
        await console.press("u")
        assert not app.sink.rooms["toko-batik"].is_muted("retention_drop")
        assert not muted.display and muted.rows == ()
        assert app.screen.query_one(ActionBanner).banner.rule in ("retention_drop", "viewers_drop")
        await console.press("u")  # nothing left to unmute: said, not an error
        await console.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = [str(cell) for cell in app.screen.query_one("#keys").content.columns[0].cells]
        assert "m" in keys and "u" in keys


async def test_a_new_critical_alert_rings_once_and_nothing_else_rings(tmp_path, recovering):
    app = make_app(tmp_path, recovering, app_class=BellCounter)
    async with drive(app) as console:
        await console.seek(RETENTION_FIRES - 3 * SECOND)
        assert app.bells == 0
        mark = len(console.heard.messages)
        await console.press("plus", "plus", "plus", "space")  # 10x from here
        called = await console.heard.wait_for(AssistantCalled, since=mark)
        assert called.rule == "retention_drop" and called.rang and app.bells == 1
        await console.drawn(lambda frame: frame.position >= VIEWERS_FIRES)  # the warning fired after it
        await console.press("space")
        room = app.sink.rooms["toko-batik"]
        assert "viewers_drop" in room.firing
        for _ in range(5):  # redraws and later looks do not ring again; neither does the warning
            app.screen.redraw(force=True)
            app._call_attention()
        assert app.bells == 1
        # a seek rebuilds past alerts without ringing; a resolve does not ring
        await console.seek(RETENTION_RESOLVES - 3 * SECOND)
        assert "retention_drop" in app.sink.rooms["toko-batik"].firing
        app._call_attention()
        assert app.bells == 1
        await console.press("space")
        await console.drawn(lambda frame: frame.position >= RETENTION_RESOLVES)
        await console.press("space")
        assert not app.sink.rooms["toko-batik"].firing
        app._call_attention()
        assert app.bells == 1
        assert [m for m in console.heard.messages if isinstance(m, AssistantCalled)] == [called]


async def test_the_bell_stays_silent_when_turned_off(tmp_path, recovering):
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert "bell = true" in text
    (tmp_path / "config.toml").write_text(text.replace("bell = true", "bell = false"), encoding="utf-8")
    app = make_app(tmp_path, recovering, app_class=BellCounter)
    assert app.config.console.bell is False
    async with drive(app) as console:
        await console.seek(RETENTION_FIRES - 2 * SECOND)
        await console.press("plus", "plus", "plus", "space")
        called = await console.heard.wait_for(AssistantCalled)
        assert not called.rang and app.sink.criticals == 1
        app._call_attention()
        assert app.bells == 0


def test_quiet_turns_the_bell_off_for_the_console_verbs(tmp_path):
    config = tmp_path / "config.toml"
    config.write_bytes(DEFAULT_CONFIG.read_bytes())
    for verb in (["replay", "x.jsonl"], ["watch", "ws://127.0.0.1:1"], ["demo"]):
        assert _load(build_parser().parse_args([*verb, "--config", str(config)])).console.bell is True
        assert _load(build_parser().parse_args([*verb, "--quiet", "--config", str(config)])).console.bell is False


async def test_desktop_notification_without_viewer_text(tmp_path, monkeypatch, recovering):
    """A real `notify-send` stand-in on the PATH records what it is given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "notified.txt"
    notifier = bin_dir / "notify-send"
    notifier.write_text(f'#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg" >> "{log}"; done\n')
    notifier.chmod(notifier.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace("desktop_notify = false", "desktop_notify = true")
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    events = list(recovering)
    for second in range(570, 600):
        events.append({"type": "comment", "ts": T0 + second * SECOND + 500, "room": "toko-batik",
                       "user": "VIEWER-NAME", "text": "VIEWER-TEXT <b>x</b> $(reboot)"})
    events.sort(key=lambda event: event["ts"])
    app = make_app(tmp_path, events, lang="en", app_class=BellCounter)
    async with drive(app) as console:
        await console.seek(RETENTION_FIRES - 2 * SECOND)
        await console.press("plus", "plus", "plus", "space")
        called = await console.heard.wait_for(AssistantCalled)
        await console.press("space")
        assert called.notified
        await console.workers()  # the notifier has run
        lines = log.read_text().splitlines()
        assert "type 'red' or 'green'" in log.read_text()
        assert "--urgency=critical" in lines and "--app-name=livemon" in lines
        assert "livemon · critical · toko-batik" in lines
        assert any(line.startswith("Retention down") for line in lines)
        assert "VIEWER" not in log.read_text()
        assert app.bells == 1  # the bell rings beside it


async def test_no_notifier_on_the_path_is_no_error(tmp_path, monkeypatch, recovering):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace("desktop_notify = false", "desktop_notify = true")
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    app = make_app(tmp_path, recovering, app_class=BellCounter)
    async with drive(app) as console:
        await console.seek(RETENTION_FIRES - 2 * SECOND)
        await console.press("plus", "plus", "plus", "space")
        called = await console.heard.wait_for(AssistantCalled)
        assert app.bells == 1 and not called.notified
        assert app.is_running and app._notifier is None
