"""One room's dashboard: KPI tiles, charts and funnel, alerts and comments."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from ...config import AlertRule, Benchmarks
from .. import view
from ..i18n import tr
from ..state import RoomView
from .alerts import AlertList, AlertPanel
from .charts import ChartGrid
from .comments import CommentTicker
from .funnel import FunnelView
from .kpi import KpiGrid

COMMENT_LINES = 10


class RoomDashboard(Vertical):
    DEFAULT_CSS = """
    RoomDashboard {
        height: 1fr;
    }
    RoomDashboard > Horizontal {
        height: 1fr;
    }
    RoomDashboard #left {
        width: 3fr;
    }
    RoomDashboard #right {
        width: 2fr;
        margin-left: 1;
    }
    """

    def __init__(self, room: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.room = room
        self._chart_key: tuple | None = None

    def compose(self) -> ComposeResult:
        yield KpiGrid()
        with Horizontal():
            with Vertical(id="left"):
                yield ChartGrid()
                yield FunnelView()
            with Vertical(id="right"):
                yield AlertPanel()
                yield CommentTicker()

    @staticmethod
    def _key(room: RoomView, lang: str) -> tuple:
        return (id(room), room.samples_version, len(room.actions), lang)

    def charts_show(self, room: RoomView, lang: str) -> bool:
        """Whether the charts show this room's latest samples (tests wait for it)."""
        return self._chart_key == self._key(room, lang)

    @property
    def selected_alert(self) -> int | None:
        return self.query_one(AlertList).selected_seq

    def show(
        self, room: RoomView, rules: list[AlertRule], lang: str, *, charts: bool = True, targets: Benchmarks | None = None
    ) -> bool:
        """Push the room's current numbers into the widgets (they skip what did not change).

        Returns False while the charts still wait for their turn (`charts=False`
        with new data), so the caller draws again on a later frame.
        """
        by_name = {rule.name: rule for rule in rules}
        self.query_one(KpiGrid).show(view.readings(room, rules, lang, targets))
        funnel = self.query_one(FunnelView)
        funnel.border_title = tr("funnel", lang)
        funnel.steps = view.funnel(room, lang)
        self.query_one(AlertPanel).show(view.banner(room, by_name, lang), view.alert_rows(room, by_name, lang), lang)
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
