"""One room's dashboard: the action banner, KPI tiles, charts and funnel, alerts, questions, comments, products.

What a small terminal keeps, in order: the banner with the action (first, full
width), the muted rules, the KPI tiles, the alert list. Below the tiles, the
product panel takes a band across the whole width (when the room has
products and the table fits the width); above it the charts and the funnel
(left) sit beside the alert list, the viewers' questions and the comments
(right). As the space shrinks the charts go first, then the funnel (the alert
list then takes the whole width); the comments go before the questions; the
products go last, before the alert list. One rule for every size
(`fitting_parts`), applied whenever the space below the tiles changes size (a
resized terminal, a banner that grows when an alert fires) or the room gets
its first product, and twice a second besides (a size read mid-layout is
corrected then; when nothing changed it costs a comparison).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from ... import catalog, formatting
from ...config import AlertRule, Benchmarks, QuestionTopic
from .. import view
from ..i18n import tr
from ..product_view import JUDGED, product_rows
from ..question_view import questions
from ..state import Classify, RoomView
from .alerts import ActionBanner, AlertList, MutedList
from .charts import ChartGrid, ChartLegend
from .comments import CommentTicker
from .funnel import FunnelView
from .kpi import KpiGrid
from .products import ProductPanel
from .questions import QuestionList

COMMENT_LINES = 10

CHARTS_MIN = (3 * 20, 2 * 6)  # three charts a row, two rows, each at least 20 x 6 to be read
LEGEND_HEIGHT = 1  # the line under the charts saying what their lines are: shown when it fits too
FUNNEL_MIN = (66, 8)  # its table: label, count, bar, the rate and its name
ALERTS_MIN_HEIGHT = 5  # the alert list, always kept: `a` and `m` act on its selection
QUESTIONS_MIN_HEIGHT = 5
COMMENTS_MIN_HEIGHT = 4
PRODUCTS_MIN_WIDTH = 100  # the rates and the advice
PRODUCTS_FRAME = 5  # the band's border, two-line heading and a scroll bar, without its rows
PRODUCTS_MIN_ROWS = 3
PRODUCTS_MAX_HEIGHT = 14
LEFT_SHARE = 3 / 5  # charts and funnel on the left, alerts, questions and comments on the right


@dataclass(frozen=True, slots=True)
class Parts:
    """Which of the parts that may go are shown in the space below the KPI tiles, and the products' band."""

    charts: bool
    funnel: bool
    comments: bool
    questions: bool = False
    products: bool = False
    products_height: int = 0
    legend: bool = False


def fitting_parts(width: int, height: int, *, products: int = 1, questions: bool = True) -> Parts:
    """What fits into `width` x `height` cells.

    `products`: how many products the room lists (0: none); `questions`: the
    config names topics to ask about. The alert list is always kept; the
    products come next, so nothing else is shown until their band (a third of
    the height, no more than its rows need) fits beside it; then the funnel
    and the questions, then the charts and the comments.
    """
    wide = products > 0 and width >= PRODUCTS_MIN_WIDTH
    least = PRODUCTS_FRAME + min(products, PRODUCTS_MIN_ROWS)
    listed = wide and height >= ALERTS_MIN_HEIGHT + least
    band = min(max(least, height // 3), PRODUCTS_FRAME + products, PRODUCTS_MAX_HEIGHT) if listed else 0
    settled = listed or not wide  # the parts after the products only once the products have their place
    upper = height - band
    left = int(width * LEFT_SHARE)
    funnel = settled and left >= FUNNEL_MIN[0] and upper >= FUNNEL_MIN[1]
    charts = funnel and left >= CHARTS_MIN[0] and upper >= CHARTS_MIN[1] + FUNNEL_MIN[1]
    legend = charts and upper >= CHARTS_MIN[1] + LEGEND_HEIGHT + FUNNEL_MIN[1]
    asked = questions and settled and upper >= ALERTS_MIN_HEIGHT + QUESTIONS_MIN_HEIGHT
    comments = settled and (asked or not questions) and upper >= (
        ALERTS_MIN_HEIGHT + (QUESTIONS_MIN_HEIGHT if questions else 0) + COMMENTS_MIN_HEIGHT
    )
    return Parts(charts, funnel, comments, asked, listed, band, legend)


class LowerArea(Vertical):
    """The space below the KPI tiles; shows what fits whenever its size or what the room has changes."""

    DEFAULT_CSS = """
    LowerArea {
        height: 1fr;
    }
    LowerArea #upper {
        height: 1fr;
    }
    LowerArea #left {
        width: 3fr;
        margin-right: 1;
    }
    LowerArea #right {
        width: 2fr;
    }
    LowerArea AlertList {
        height: 1fr;
        min-height: 3;
    }
    LowerArea CommentTicker {
        height: 1fr;
        max-height: 12;
    }
    LowerArea.-no-charts ChartGrid { display: none; }
    LowerArea.-no-legend ChartLegend { display: none; }
    LowerArea.-no-funnel FunnelView { display: none; }
    LowerArea.-no-charts.-no-funnel #left { display: none; }
    LowerArea.-no-comments CommentTicker { display: none; }
    LowerArea.-no-questions QuestionList { display: none; }
    LowerArea.-no-products ProductPanel { display: none; }
    """

    parts: Parts | None = None
    products = 0
    has_topics = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="upper"):
            with Vertical(id="left"):
                yield ChartGrid()
                yield ChartLegend()
                yield FunnelView()
            with Vertical(id="right"):
                yield AlertList()
                yield QuestionList()
                yield CommentTicker()
        yield ProductPanel()

    #: Seconds between fits to the size as laid out then: a size read mid-layout (a resize handled
    #: before the layout around it settled) never leaves the parts wrong for longer than this.
    REFIT_S = 0.5

    def on_mount(self) -> None:
        self.set_interval(self.REFIT_S, self.refit)

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.width, event.size.height)
        self.call_after_refresh(self.refit)

    def holds(self, *, products: int, topics: bool) -> None:
        """What the room has to show (how many products, whether topics are asked about): a change refits the parts."""
        if (products, topics) != (self.products, self.has_topics):
            self.products, self.has_topics = products, topics
            self.refit()
            self.call_after_refresh(self.refit)

    def refit(self) -> None:
        """Fit to the size as laid out now (again after the next refresh: a size met mid-layout may be passed)."""
        self.fit(self.size.width, self.size.height)

    def fit(self, width: int, height: int) -> None:
        parts = fitting_parts(width, height, products=self.products, questions=self.has_topics)
        if parts == self.parts:
            return
        self.parts = parts
        self.set_class(not parts.charts, "-no-charts")
        self.set_class(not parts.legend, "-no-legend")
        self.set_class(not parts.funnel, "-no-funnel")
        self.set_class(not parts.comments, "-no-comments")
        self.set_class(not parts.questions, "-no-questions")
        self.set_class(not parts.products, "-no-products")
        if parts.products:
            self.query_one(ProductPanel).styles.height = parts.products_height


class RoomDashboard(Vertical):
    DEFAULT_CSS = """
    RoomDashboard {
        height: 1fr;
    }
    """

    def __init__(self, room: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.room = room
        self._chart_key: tuple | None = None

    def compose(self) -> ComposeResult:
        yield ActionBanner()
        yield MutedList()
        yield KpiGrid()
        yield LowerArea()

    @staticmethod
    def _key(room: RoomView, lang: str, rules: list[AlertRule]) -> tuple:
        return (id(room), room.samples_version, len(room.actions), lang, id(rules))

    def charts_show(self, room: RoomView, lang: str, rules: list[AlertRule]) -> bool:
        """Whether the charts show this room's latest samples."""
        return self._chart_key == self._key(room, lang, rules)

    @property
    def selected_alert(self) -> int | None:
        return self.query_one(AlertList).selected_seq

    @property
    def selected_mute(self) -> str | None:
        return self.query_one(MutedList).selected_rule

    def sort_products(self) -> None:
        self.query_one(ProductPanel).cycle_sort()

    def show(
        self, room: RoomView, rules: list[AlertRule], lang: str, tz: str, *, charts: bool = True,
        targets: Benchmarks | None = None, topics: list[QuestionTopic] | None = None, classify: Classify | None = None,
    ) -> bool:
        """Push the room's current numbers into the widgets (they skip what did not change).

        Returns False while the charts still wait for their turn (`charts=False`
        with new data), so the caller draws again on a later frame.
        """
        by_name = {rule.name: rule for rule in rules}
        snapshot = room.snapshot
        banner = self.query_one(ActionBanner)
        banner.lang = lang
        banner.muted_firing = sum(1 for name in room.firing if room.is_muted(name))
        banner.banner = view.banner(room, by_name, lang, tz)
        muted = self.query_one(MutedList)
        muted.lang = lang
        muted.rows = view.muted_rows(room, by_name, lang)
        self.query_one(KpiGrid).show(view.readings(room, rules, lang, targets))
        funnel = self.query_one(FunnelView)
        funnel.border_title = tr("funnel", lang)
        funnel.steps = view.funnel(room, lang)
        alerts = self.query_one(AlertList)
        alerts.border_title = tr("alerts", lang)
        alerts.lang = lang
        alerts.rows = view.alert_rows(room, by_name, lang, tz)
        window = formatting.duration(snapshot.window_s, lang) if snapshot is not None else ""
        room.ask(classify)
        asked = self.query_one(QuestionList)
        asked.border_title = f"{tr('questions', lang)} · {tr('last_window', lang, window=window)}"
        asked.lang = lang
        asked.topics = questions(room, topics or [], lang, tz)
        ticker = self.query_one(CommentTicker)
        ticker.lang = lang
        ticker.comments = view.said(room.visible_comments(COMMENT_LINES), lang, tz)
        products = self.query_one(ProductPanel)
        products.lang = lang
        products.rows = product_rows(snapshot, lang) if snapshot is not None else ()
        products.border_title = products_title(snapshot, lang, window)
        self.query_one(LowerArea).holds(products=len(products.rows), topics=bool(topics))
        chart_key = self._key(room, lang, rules)
        if chart_key == self._chart_key:
            return True
        if not charts:
            return False
        self._chart_key = chart_key
        self.query_one(ChartGrid).show(tuple(view.chart(room, spec, rules, lang) for spec in view.CHARTS), tr("minute_short", lang))
        self.query_one(ChartLegend).legend = view.legend(room, lang)
        return True


def products_title(snapshot, lang: str, window: str) -> str:
    """"Produk · 1 mnt · ruang: CTR produk 6,0% · Klik→pesanan 10,0%": what each product is held against."""
    title = f"{tr('products', lang)} · {tr('last_window', lang, window=window)}"
    if snapshot is None:
        return title
    rates = " · ".join(f"{catalog.label(rate, lang)} {formatting.metric_value(rate, snapshot.metric(rate), lang)}"
                       for rate, _, _ in JUDGED)
    return f"{title} · {tr('room_rates', lang)} {rates}"
