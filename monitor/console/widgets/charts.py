"""Charts of the last 30 minutes with the host's actions marked on the time axis."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from ..view import CHARTS, ChartData

X_TICKS = (-30, -20, -10, 0)


class SeriesChart(PlotextPlot):
    """One series; each chart has its own plot (no shared global plotext state)."""

    DEFAULT_CSS = """
    SeriesChart {
        height: 1fr;
        min-height: 6;
    }
    """

    data: reactive[ChartData | None] = reactive(None)

    def watch_data(self, data: ChartData | None) -> None:
        if data is None:
            return
        plt = self.plt
        plt.clear_data()
        plt.title(data.title)
        plt.xlim(-30, 0)
        plt.xticks(list(X_TICKS), [f"{tick}m" for tick in X_TICKS])
        if data.xs:
            plt.plot(list(data.xs), list(data.ys), marker="braille", color="cyan")
        for x, _ in data.marks:
            plt.vline(x, "magenta")
        self.refresh()


class ChartGrid(Grid):
    DEFAULT_CSS = """
    ChartGrid {
        grid-size: 3 2;
        grid-gutter: 0 1;
        height: 1fr;
    }
    """

    def compose(self) -> ComposeResult:
        for spec in CHARTS:
            yield SeriesChart(id=f"chart-{spec.key}")

    def show(self, charts: tuple[ChartData, ...]) -> None:
        for widget, data in zip(self.query(SeriesChart), charts):
            widget.data = data
