"""The alert panel: what to do now in large text, then every alert, newest first."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..i18n import tr
from ..view import AlertRow, Banner

SEVERITY_STYLE = {"critical": "bold red", "warning": "bold yellow", "info": "bold cyan"}


class ActionBanner(Static):
    """The worst firing alert not yet acknowledged, with its action big enough to read from afar."""

    DEFAULT_CSS = """
    ActionBanner {
        height: auto;
        min-height: 5;
        padding: 1 2;
        background: $success-muted;
        text-style: bold;
    }
    ActionBanner.-critical { background: $error; color: $text; }
    ActionBanner.-warning { background: $warning; color: $background; }
    ActionBanner.-info { background: $primary; color: $text; }
    """

    banner: reactive[Banner | None] = reactive(None, always_update=True)
    lang: reactive[str] = reactive("id")

    def watch_banner(self) -> None:
        self._draw()

    def watch_lang(self) -> None:
        self._draw()

    def _draw(self) -> None:
        banner, lang = self.banner, self.lang
        for severity in ("critical", "warning", "info"):
            self.set_class(banner is not None and banner.severity == severity, f"-{severity}")
        if banner is None:
            self.update(Text("✓ " + tr("all_clear", lang)))
            return
        text = Text()
        text.append(f"⚠ {tr(banner.severity, lang)} · {banner.rule} · {banner.time}")
        if banner.more:
            text.append(f"   ({tr('more_firing', lang, n=banner.more)})")
        if banner.problem:
            text.append("\n" + banner.problem, style="not bold")
        text.append("\n\n▶ " + banner.action.upper(), style="bold")
        self.update(text)


def row_text(row: AlertRow, lang: str) -> Text:
    resolved = row.state == "resolved"
    style = "dim" if resolved or row.muted else ""
    text = Text(no_wrap=True, overflow="ellipsis", style=style)
    text.append(row.time + " ")
    text.append(f"{tr(row.severity, lang):<10}", style="" if resolved else SEVERITY_STYLE.get(row.severity, ""))
    marker = "✓" if row.acked else "⊘" if row.muted else "●" if not resolved else "○"
    text.append(f"{marker} ")
    state = tr("resolved", lang) if resolved else tr("firing", lang)
    text.append(f"{row.rule} [{state}] ", style="bold" if not resolved else "")
    text.append(row.message)
    return text


class AlertList(OptionList):
    DEFAULT_CSS = """
    AlertList {
        height: 1fr;
        border: round $primary-muted;
        border-title-color: $text-muted;
    }
    """

    rows: reactive[tuple[AlertRow, ...]] = reactive(())
    lang: reactive[str] = reactive("id")

    def watch_rows(self) -> None:
        self._fill()

    def watch_lang(self) -> None:
        self._fill()

    def _fill(self) -> None:
        selected = self.selected_seq
        self.set_options(Option(row_text(row, self.lang), id=f"alert-{row.seq}") for row in self.rows)
        if selected is not None:
            try:
                self.highlighted = self.get_option_index(f"alert-{selected}")
            except Exception:  # the selected record scrolled out of the history
                self.highlighted = 0 if self.rows else None
        elif self.rows:
            self.highlighted = 0

    @property
    def selected_seq(self) -> int | None:
        option = self.highlighted_option
        if option is None or option.id is None:
            return None
        return int(option.id.removeprefix("alert-"))


class AlertPanel(Vertical):
    DEFAULT_CSS = """
    AlertPanel {
        height: 1fr;
    }
    """

    def compose(self) -> ComposeResult:
        yield ActionBanner()
        yield AlertList()

    def show(self, banner: Banner | None, rows: tuple[AlertRow, ...], lang: str) -> None:
        self.query_one(ActionBanner).banner = banner
        self.query_one(ActionBanner).lang = lang
        alerts = self.query_one(AlertList)
        alerts.border_title = tr("alerts", lang)
        alerts.lang = lang
        alerts.rows = rows
