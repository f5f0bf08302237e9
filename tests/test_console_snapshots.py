"""The dashboard's look pinned at a fixed replay position, in both languages and at four terminal sizes.

Deterministic: a fixed session file named relative to the working directory,
paused at a fixed event time, clocks shown in UTC, nothing from the wall clock.
At every size the banner with the action is on screen while an alert fires
(checked with Pilot on the widget and on the rendered screen, then pinned as
a snapshot); charts give way first as the terminal shrinks, then the funnel.
"""

from __future__ import annotations

import html
import re
import shutil
import time

import pytest
from textual.widgets import Footer

from feeds.files import FileSource
from monitor.config import DEFAULT_CONFIG, load_config
from monitor.console.app import LivemonApp
from monitor.console.widgets.alerts import ActionBanner, AlertList
from monitor.console.widgets.charts import ChartGrid
from monitor.console.widgets.funnel import FunnelView
from monitor.console.widgets.kpi import KpiGrid
from monitor.console.widgets.room import fitting_parts

from .console_session import T0, seek_paused, session_events, write_session

POSITION = T0 + 10 * 60_000 + 30_000  # 2 minutes after the retention drop began: its alert is firing
SIZES = [(80, 24), (120, 32), (160, 48), (200, 60)]
ACTION = {"id": "AJAK KOMENTAR: KETIK 'MERAH' ATAU 'HIJAU'", "en": "ASK FOR COMMENTS: TYPE 'RED' OR 'GREEN'"}


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def dashboard(tmp_path, monkeypatch, lang: str) -> LivemonApp:
    monkeypatch.chdir(tmp_path)
    shutil.copy(DEFAULT_CONFIG, "config.toml")
    write_session(tmp_path / "session.jsonl", session_events(12, drop_at_min=8))
    config = load_config("config.toml").model_copy(update={"lang": lang})
    return LivemonApp(config, source=FileSource("session.jsonl"), speed=1.0, config_path="config.toml")


def screen_text(app) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot())).replace("\xa0", " ")


def test_the_layout_rule_drops_the_charts_first_then_the_funnel():
    for width in range(40, 260, 7):
        previous = fitting_parts(width, 0)
        for height in range(1, 80):
            parts = fitting_parts(width, height)
            assert not parts.charts or parts.funnel  # the charts only beside the funnel: they go first
            assert parts.charts >= previous.charts and parts.funnel >= previous.funnel and parts.comments >= previous.comments
            previous = parts
    assert fitting_parts(200, 40).charts and not fitting_parts(200, 15).charts and fitting_parts(200, 15).funnel
    assert not fitting_parts(200, 6).funnel and not fitting_parts(200, 6).comments
    assert not fitting_parts(80, 40).funnel  # too narrow beside the alerts: the alert list takes the width


class TestDashboardAtEverySize:
    @pytest.mark.parametrize("lang", ["id", "en"])
    @pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
    def test_the_action_is_on_screen(self, snap_compare, tmp_path, monkeypatch, utc, size, lang):
        app = dashboard(tmp_path, monkeypatch, lang)

        async def run_before(pilot) -> None:
            await seek_paused(pilot, app, POSITION)
            await pilot.pause()
            screen = app.screen
            banner = screen.query_one(ActionBanner)
            assert banner.banner is not None and banner.banner.rule == "retention_drop"
            # the banner lies whole inside the screen, under the tabs and above the footer
            assert screen.region.contains_region(banner.region) and banner.region.height >= 3
            assert banner.region.bottom <= screen.query_one(Footer).region.y
            assert banner.region.y < screen.query_one(KpiGrid).region.y  # first in the room's dashboard
            assert ACTION[lang] in str(banner.content) and ACTION[lang] in screen_text(app)
            assert screen.query_one(AlertList).region.height >= 3  # `a` and `m` have something to act on
            width, height = size
            charts, funnel = screen.query_one(ChartGrid), screen.query_one(FunnelView)
            if height <= 32:
                assert not charts.display  # the charts went first
            else:
                assert charts.display and funnel.display and charts.region.height >= 12
            if width <= 80:
                assert not funnel.display  # then the funnel

        assert snap_compare(app, terminal_size=size, run_before=run_before)
