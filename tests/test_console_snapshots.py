"""Every screen of the console pinned as a snapshot, in both languages, grouped by feature (posting's test_snapshots.py).

Deterministic: a session made here, a fixed replay position reached by a
seek and paused, clocks on the config's time zone, no animations, and every
wait on the console's own messages and workers (tests/console_session.py
`drive`), never on time. Each screen in Indonesian is also read for raw ids
and English words (`not_indonesian`). `--snapshot-update` rewrites the files
in tests/__snapshots__/test_console_snapshots/ after a change meant to be seen.
"""

from __future__ import annotations

import asyncio
import shutil
from typing import Awaitable, Callable

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual.widgets import DataTable, Footer, Input

from feeds.files import FileSource
from monitor.config import DEFAULT_CONFIG, load_config
from monitor.console.app import LivemonApp
from monitor.console.messages import Drawn
from monitor.console.screens.help import HelpScreen
from monitor.console.screens.overview import OverviewScreen
from monitor.console.screens.thresholds import COLUMNS, ThresholdsScreen
from monitor.console.screens.unsaved import UnsavedScreen
from monitor.console.widgets.alerts import ActionBanner, AlertList
from monitor.console.widgets.charts import ChartGrid
from monitor.console.widgets.funnel import FunnelView
from monitor.console.widgets.kpi import KpiGrid
from monitor.console.widgets.products import ProductPanel
from monitor.console.widgets.questions import QuestionList
from monitor.console.widgets.room import fitting_parts

from .console_session import (T0, Console, Product, drive, not_indonesian, screen_text, session_events, svg_text,
                              write_session)
from .test_console_desk import Records, published

LANGS = ["id", "en"]
MINUTE = 60_000
POSITION = T0 + 10 * MINUTE + 30_000  # 2 minutes after the retention drop began: its alert is firing
SIZES = [(80, 24), (120, 32), (160, 48), (200, 60)]
ACTION = {"id": "AJAK KOMENTAR: KETIK 'MERAH' ATAU 'HIJAU'", "en": "ASK FOR COMMENTS: TYPE 'RED' OR 'GREEN'"}
SHELF = (
    Product("Kemeja Batik Parang", 10, 0.08, 0.12),
    Product("Dress Mega Mendung", 5, 0.01, 0.10),
    Product("Blouse Kawung", 5, 0.20, 0.01),
    Product("Outer Tenun Lurik", 2, 0.10, 0.10),
    Product("Hijab Voal Motif", 3, 0.06, 0.15),
)
CHAT = ("merah kak", "berapa harganya?", "ready size M?", "harga nya murah banget", "ongkir ke surabaya berapa?",
        "cara checkout gimana kak?", "hadir kak", "hijau!", "size L ada?", "kapan restock kak?")

Setup = Callable[[Console], Awaitable[None]]


@pytest.fixture(scope="module")
def broadcast():
    """Twelve minutes of a shop whose retention breaks at minute 8, with a shelf of products and a chat that asks."""
    return session_events(12, drop_at_min=8, shelf=SHELF, comments=CHAT)


@pytest.fixture
def replay(tmp_path, monkeypatch):
    """A console on `events`, its file and config named relative to the working directory (as a user types them)."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(DEFAULT_CONFIG, "config.toml")

    def make(events: list[dict], lang: str, *, speed: float | None = 1.0) -> LivemonApp:
        write_session(tmp_path / "session.jsonl", events)
        config = load_config("config.toml").model_copy(update={"lang": lang})
        return LivemonApp(config, source=FileSource("session.jsonl"), speed=speed, config_path="config.toml")

    return make


@pytest.fixture
def snap(snapshot):
    """Run `app` at `size`, let `setup` bring it where it is pinned, and compare the screen with its snapshot."""
    snapshot = snapshot.use_extension(SVGImageExtension)

    async def compare(app: LivemonApp, size: tuple[int, int], setup: Setup) -> bool:
        async with drive(app, size=size) as console:
            await setup(console)
            svg = await console.settled()
            if app.lang == "id":
                assert not_indonesian(app, svg_text(svg)) == [], svg_text(svg)
        return snapshot == svg

    return compare


def at(position: int = POSITION) -> Setup:
    async def setup(console: Console) -> None:
        await console.seek(position)

    return setup


def the_layout_rule_keeps_its_order(width: int, height: int, products: int, questions: bool) -> None:
    parts = fitting_parts(width, height, products=products, questions=questions)
    assert not parts.charts or parts.funnel  # the charts only beside the funnel: they go first
    assert not parts.legend or parts.charts  # their legend before them
    assert not parts.comments or parts.questions or not questions  # the comments go before the questions
    wide = products > 0 and width >= 100
    if parts.funnel or parts.questions:
        assert parts.products or not wide  # nothing after the products until the products are listed
    if parts.products:
        assert 0 < parts.products_height <= height - 5  # the alert list keeps its five lines


def test_the_layout_rule_gives_way_in_order_at_every_size():
    for products in (0, 1, 4, 40):
        for questions in (False, True):
            for width in range(40, 260, 7):
                previous = fitting_parts(width, 0, products=products, questions=questions)
                for height in range(1, 80):
                    parts = fitting_parts(width, height, products=products, questions=questions)
                    the_layout_rule_keeps_its_order(width, height, products, questions)
                    for part in ("charts", "legend", "funnel", "comments", "questions", "products"):
                        assert getattr(parts, part) >= getattr(previous, part), (width, height, part)  # more room, more parts
                    assert parts.products_height >= previous.products_height
                    previous = parts
    assert fitting_parts(200, 42).charts and not fitting_parts(200, 15).charts and fitting_parts(200, 15).funnel
    assert not fitting_parts(200, 6).funnel and not fitting_parts(200, 6).comments
    assert not fitting_parts(80, 40).funnel  # too narrow beside the alerts: the alert list takes the width


class TestDashboard:
    @pytest.mark.parametrize("lang", LANGS)
    @pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
    async def test_the_action_is_on_screen_first(self, snap, replay, broadcast, size, lang):
        app = replay(broadcast, lang)

        async def setup(console: Console) -> None:
            await console.seek(POSITION)
            await console.settled()  # the parts fitted to the space the banner left
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
            charts, funnel, products = screen.query_one(ChartGrid), screen.query_one(FunnelView), screen.query_one(ProductPanel)
            if width <= 80:
                assert not funnel.display and not products.display  # the alert list takes the width
            else:
                assert products.display and products.region.height >= 8  # the products before the funnel
            if height >= 48:
                assert charts.display and funnel.display and charts.region.height >= 12
                assert screen.query_one(QuestionList).display
            else:
                assert not charts.display  # the charts went first

        assert await snap(app, size, setup)


class TestProductPanel:
    @pytest.mark.parametrize("lang", LANGS)
    async def test_the_laggards_first_with_their_action(self, snap, replay, broadcast, lang):
        app = replay(broadcast, lang)

        async def setup(console: Console) -> None:
            await console.seek(POSITION)
            await console.press("s")  # by the laggards
            await console.settled()
            panel = app.screen.query_one(ProductPanel)
            assert panel.sort_column == "advice"
            assert [row.key for row in panel.rows if row.lags] == panel.order[:2]

        assert await snap(app, (200, 60), setup)


class TestQuestions:
    @pytest.mark.parametrize("lang", LANGS)
    async def test_what_viewers_ask_by_topic(self, snap, replay, broadcast, lang):
        app = replay(broadcast, lang)

        async def setup(console: Console) -> None:
            await console.seek(T0 + 6 * MINUTE)  # before the drop: the banner is short, the list tall
            await console.settled()
            listed = app.screen.query_one(QuestionList)
            assert listed.display and listed.topics and listed.region.height >= 8

        assert await snap(app, (160, 60), setup)


class TestOverview:
    @pytest.mark.parametrize("lang", LANGS)
    async def test_every_room_worst_alert_first(self, snap, replay, broadcast, lang):
        calm = session_events(12, rooms=("butik-sari",), seed=3)
        app = replay(sorted(broadcast + calm, key=lambda event: event["ts"]), lang)

        async def setup(console: Console) -> None:
            await console.seek(POSITION)
            await console.press("o")
            await console.heard.wait_for(Drawn, lambda frame: frame.screen == "overview" and frame.lang == lang)
            assert isinstance(app.screen, OverviewScreen)
            table = app.screen.query_one(DataTable)
            assert table.coordinate_to_cell_key((0, 0))[0].value == "toko-batik"  # the alerting room on top

        assert await snap(app, (120, 32), setup)


async def on_the_rules_cell(console: Console, rule: str, column: str) -> None:
    """The thresholds screen open, its cursor on `rule`'s `column`."""
    await console.press("t")
    names = [each.name for each in console.app.config.rules]
    console.app.screen.query_one(DataTable).move_cursor(row=names.index(rule), column=COLUMNS.index(column))


class TestThresholds:
    @pytest.mark.parametrize("lang", LANGS)
    async def test_the_rules_in_words(self, snap, replay, lang):
        app = replay(session_events(2), lang)

        async def setup(console: Console) -> None:
            await console.press("t")
            assert isinstance(app.screen, ThresholdsScreen)

        assert await snap(app, (140, 36), setup)

    @pytest.mark.parametrize("lang", LANGS)
    async def test_a_refused_value_says_why(self, snap, replay, lang):
        app = replay(session_events(2), lang)

        async def setup(console: Console) -> None:
            await on_the_rules_cell(console, "interaction_low", "threshold")
            await console.press("enter")
            editor = app.screen.query_one("#value", Input)
            editor.cursor_blink = False
            editor.value = ""
            await console.press(*"7", "enter")

        assert await snap(app, (140, 36), setup)


class TestHelp:
    @pytest.mark.parametrize("lang", LANGS)
    async def test_every_key_and_how_to_close(self, snap, replay, lang):
        app = replay(session_events(2), lang)

        async def setup(console: Console) -> None:
            await console.seek(T0 + MINUTE)  # the dashboard behind it stands still
            await console.press("question_mark")
            assert isinstance(app.screen, HelpScreen)

        assert await snap(app, (100, 34), setup)

    @pytest.mark.parametrize("lang", LANGS)
    async def test_live_leaves_out_the_replay_keys_and_says_why(self, snap, tmp_path, lang):
        config = load_config(DEFAULT_CONFIG).model_copy(update={"lang": lang})
        app = LivemonApp(config, source=Waiting(), speed=None, live=True, config_path=tmp_path / "config.toml")

        async def setup(console: Console) -> None:
            await console.press("question_mark")
            assert isinstance(app.screen, HelpScreen) and app.screen.query_one("#live").display

        assert await snap(app, (100, 34), setup)


class TestUnsaved:
    @pytest.mark.parametrize("lang", LANGS)
    async def test_quitting_with_unsaved_edits_asks(self, snap, replay, lang):
        app = replay(session_events(2), lang)

        async def setup(console: Console) -> None:
            await on_the_rules_cell(console, "retention_drop", "enabled")
            await console.press("space", "q")
            assert isinstance(app.screen, UnsavedScreen)

        assert await snap(app, (100, 30), setup)


class TestEnd:
    @pytest.mark.parametrize("lang", LANGS)
    async def test_the_replay_summed_up_with_its_report_command(self, snap, replay, lang):
        app = replay(session_events(3, shelf=SHELF[:2], comments=CHAT), lang, speed=None)

        async def setup(console: Console) -> None:
            await console.ended()
            await console.workers()  # the file's span
            await console.drawn(lambda frame: frame.ended)
            assert "livemon report session.jsonl" in screen_text(app)

        assert await snap(app, (160, 48), setup)


class TestDesk:
    @pytest.mark.parametrize("lang", LANGS)
    async def test_the_desk_overview(self, snap, lang):
        from monitor.console.desk import DeskApp

        out, _ = published(session_events(4, shelf=SHELF[:3], comments=CHAT, rooms=("toko-batik", "butik-sari")))
        app = DeskApp(load_config(DEFAULT_CONFIG).model_copy(update={"lang": lang}), Records(out))

        async def setup(console: Console) -> None:
            await console.heard.wait_for(Drawn, lambda frame: frame.screen == "overview" and frame.ended)

        assert await snap(app, (120, 24), setup)

    @pytest.mark.parametrize("lang", LANGS)
    async def test_a_room_on_the_desk(self, snap, lang):
        from monitor.console.desk import DeskApp

        out, _ = published(session_events(4, shelf=SHELF[:3], comments=CHAT, rooms=("toko-batik", "butik-sari")))
        app = DeskApp(load_config(DEFAULT_CONFIG).model_copy(update={"lang": lang}), Records(out))

        async def setup(console: Console) -> None:
            await console.heard.wait_for(Drawn, lambda frame: frame.screen == "overview" and frame.ended)
            await console.press("enter")
            await console.drawn(lambda frame: frame.screen == "dashboard")
            assert app.screen.query_one(ProductPanel).rows

        assert await snap(app, (160, 48), setup)


class Waiting:
    """A live source that connects to nothing and never sends: the console waits (live, no replay keys)."""

    name = "ws://127.0.0.1:9/feed"

    async def batches(self):
        await asyncio.Event().wait()
        yield []
