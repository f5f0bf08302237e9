"""Charts of the last 30 minutes: the value, the rules' baseline or threshold, and the host's actions.

The value is cyan; the baseline a drop / rise rule judges against ("biasanya")
is a grey line beside it, a below / above rule's threshold a yellow
line across; the host's actions are calm blue lines on the time axis (an
action is not an alarm). Tick labels are written the language's way.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Grid
from textual.reactive import reactive
from textual.widgets import Static
from textual_plotext import Plot, PlotextPlot

from ..view import CHARTS, ChartData, Legend

X_TICKS = (-30, -20, -10, 0)
FRAME_ROWS = 4  # a chart's title, its top and bottom lines and the time axis' labels: the rest is the plot
VALUE, USUAL, THRESHOLD, ACTION = "cyan", "gray", "yellow", "blue"  # plotext's colour names
LEGEND_STYLE = {VALUE: "cyan", USUAL: "grey50", THRESHOLD: "yellow", ACTION: "blue"}  # the same colours in rich's names


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

    def watch_data(self) -> None:
        self.refresh()

    def watch_minute(self) -> None:
        self.refresh()

    def render(self) -> RenderResult:
        """Drawn on a fresh figure each time: what shows depends only on the data and the size.

        (A plotext figure reused across sizes keeps state from earlier builds, so
        the same data at the same size could show other tick labels.)
        """
        self._plot = Plot()
        if self.data is not None:
            self.draw(self.data)
        return super().render()

    def draw(self, data: ChartData) -> None:
        plt = self.plt
        plt.title(data.title)
        plt.xlim(-30, 0)
        plt.xticks(list(X_TICKS), [f"{tick}" if tick else f"0 {self.minute}" for tick in X_TICKS])
        for x, _ in data.marks:
            plt.vline(x, ACTION)
        for y in data.thresholds:
            plt.hline(y, THRESHOLD)
        if data.usual_xs:
            plt.plot(list(data.usual_xs), list(data.usual_ys), marker="braille", color=USUAL)
        if data.xs:
            plt.plot(list(data.xs), list(data.ys), marker="braille", color=VALUE)
        if data.yticks:
            ticks = fitting_ticks(data.yticks, self.size.height - FRAME_ROWS)
            plt.ylim(data.yticks[0][0], data.yticks[-1][0])
            plt.yticks([value for value, _ in ticks], [label for _, label in ticks])


def fitting_ticks(ticks: tuple, rows: int) -> tuple:
    """The first and last tick and as many evenly chosen between as the plot has rows.

    Two ticks on one row would leave plotext to choose which label shows, and
    its choice changes from one run to the next.
    """
    count = min(len(ticks), max(rows, 2))
    if count >= len(ticks):
        return ticks
    return tuple(ticks[round(index * (len(ticks) - 1) / (count - 1))] for index in range(count))


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


class ChartLegend(Static):
    """One line under the charts: what each kind of line is, and what the host did last."""

    DEFAULT_CSS = """
    ChartLegend {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    legend: reactive[Legend | None] = reactive(None)

    def watch_legend(self, legend: Legend | None) -> None:
        if legend is None:
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        for mark, colour, words in (("━", VALUE, legend.value), ("┈", USUAL, legend.usual),
                                    ("─", THRESHOLD, legend.threshold), ("│", ACTION, legend.action)):
            text.append(mark, style=LEGEND_STYLE[colour])
            text.append(f" {words}  ")
        if legend.last_action:
            text.append(legend.last_action, style=LEGEND_STYLE[ACTION])
        self.update(text)
