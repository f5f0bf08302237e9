"""One room's dashboard: the action banner, KPI tiles, charts and funnel, alerts and comments.

What a small terminal keeps, in order: the banner with the action (first, full
width), the muted rules, the KPI tiles, the alert list. The space left below
the tiles holds the charts and the funnel (left) beside the alert list and the
comments (right); as it shrinks the charts go first, then the funnel (the
alert list then takes the whole width), and the comments give way to the alert
list. One rule for every size (`fitting_parts`), applied whenever the space
below the tiles changes size (a resized terminal, a banner that grows when an
alert fires).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from ...config import AlertRule, Benchmarks
from .. import view
from ..i18n import tr
from ..state import RoomView
from .alerts import ActionBanner, AlertList, MutedList
from .charts import ChartGrid
from .comments import CommentTicker
from .funnel import FunnelView
from .kpi import KpiGrid

COMMENT_LINES = 10

CHARTS_MIN = (3 * 20, 2 * 6)  # three charts a row, two rows, each at least 20 x 6 to be read
FUNNEL_MIN = (64, 8)  # its table: label, count, bar, rate
ALERTS_MIN_HEIGHT = 5  # the alert list, always kept: `a` and `m` act on its selection
COMMENTS_MIN_HEIGHT = 4
LEFT_SHARE = 3 / 5  # charts and funnel on the left, alerts and comments on the right


@dataclass(frozen=True, slots=True)
class Parts:
    """Which of the parts that may go are shown in the space below the KPI tiles."""

    charts: bool
    funnel: bool
    comments: bool


def fitting_parts(width: int, height: int) -> Parts:
    """What fits into `width` x `height` cells; charts go first, then the funnel; comments before the alert list."""
    left = int(width * LEFT_SHARE)
    funnel = left >= FUNNEL_MIN[0] and height >= FUNNEL_MIN[1]
    charts = funnel and left >= CHARTS_MIN[0] and height >= CHARTS_MIN[1] + FUNNEL_MIN[1]
    comments = height >= ALERTS_MIN_HEIGHT + COMMENTS_MIN_HEIGHT
    return Parts(charts, funnel, comments)


class LowerArea(Horizontal):
    """The space below the KPI tiles; shows what fits whenever its size changes."""

    DEFAULT_CSS = """
    LowerArea {
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
    LowerArea.-no-funnel FunnelView { display: none; }
    LowerArea.-no-charts.-no-funnel #left { display: none; }
    LowerArea.-no-comments CommentTicker { display: none; }
    """

    parts: Parts | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="left"):
            yield ChartGrid()
            yield FunnelView()
        with Vertical(id="right"):
            yield AlertList()
            yield CommentTicker()

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.width, event.size.height)

    def fit(self, width: int, height: int) -> None:
        parts = fitting_parts(width, height)
        if parts == self.parts:
            return
        self.parts = parts
        self.set_class(not parts.charts, "-no-charts")
        self.set_class(not parts.funnel, "-no-funnel")
        self.set_class(not parts.comments, "-no-comments")


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
    def _key(room: RoomView, lang: str) -> tuple:
        return (id(room), room.samples_version, len(room.actions), lang)

    def charts_show(self, room: RoomView, lang: str) -> bool:
        """Whether the charts show this room's latest samples (tests wait for it)."""
        return self._chart_key == self._key(room, lang)

    @property
    def selected_alert(self) -> int | None:
        return self.query_one(AlertList).selected_seq

    @property
    def selected_mute(self) -> str | None:
        return self.query_one(MutedList).selected_rule

    def show(
        self, room: RoomView, rules: list[AlertRule], lang: str, *, charts: bool = True, targets: Benchmarks | None = None
    ) -> bool:
        """Push the room's current numbers into the widgets (they skip what did not change).

        Returns False while the charts still wait for their turn (`charts=False`
        with new data), so the caller draws again on a later frame.
        """
        by_name = {rule.name: rule for rule in rules}
        banner = self.query_one(ActionBanner)
        banner.lang = lang
        banner.muted_firing = sum(1 for name in room.firing if room.is_muted(name))
        banner.banner = view.banner(room, by_name, lang)
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
        alerts.rows = view.alert_rows(room, by_name, lang)
        ticker = self.query_one(CommentTicker)
        ticker.lang = lang
        ticker.comments = tuple(room.visible_comments(COMMENT_LINES))
        chart_key = self._key(room, lang)
        if chart_key == self._chart_key:
            return True
        if not charts:
            return False
        self._chart_key = chart_key
        self.query_one(ChartGrid).show(tuple(view.chart(room, spec, lang) for spec in view.CHARTS))
        return True
