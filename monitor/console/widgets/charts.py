"""Charts of the last 30 minutes: the value, the rules' baseline or threshold, and the host's actions.

The value is cyan; the baseline a drop / rise rule judges against ("biasanya")
is a grey dotted line beside it, a below / above rule's threshold a yellow
line across; the host's actions are calm blue lines on the time axis (an
action is not an alarm). Tick labels are written the language's way.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from ..view import CHARTS, ChartData

X_TICKS = (-30, -20, -10, 0)
VALUE, USUAL, THRESHOLD, ACTION = "cyan", "gray", "yellow", "blue"


class SeriesChart(PlotextPlot):
    """One series; each chart has its own plot (no shared global plotext state)."""

    DEFAULT_CSS = """
    SeriesChart {
        height: 1fr;
        min-height: 6;
    }
    """

    data: reactive[ChartData | None] = reactive(None)
    minute: reactive[str] = reactive("mnt")  # the time axis' unit in the language shown

    def watch_data(self, data: ChartData | None) -> None:
        if data is None:
            return
        plt = self.plt
        plt.clear_data()
        plt.title(data.title)
        plt.xlim(-30, 0)
        plt.xticks(list(X_TICKS), [f"{tick}" if tick else f"0 {self.minute}" for tick in X_TICKS])
        for x, _ in data.marks:
            plt.vline(x, ACTION)
        for y in data.thresholds:
            plt.hline(y, THRESHOLD)
        if data.usual_xs:
            plt.plot(list(data.usual_xs), list(data.usual_ys), marker="dot", color=USUAL)
        if data.xs:
            plt.plot(list(data.xs), list(data.ys), marker="braille", color=VALUE)
        if data.yticks:
            plt.ylim(data.yticks[0][0], data.yticks[-1][0])
            plt.yticks([value for value, _ in data.yticks], [label for _, label in data.yticks])
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

    def show(self, charts: tuple[ChartData, ...], minute: str = "mnt") -> None:
        for widget, data in zip(self.query(SeriesChart), charts):
            widget.minute = minute
            widget.data = data
