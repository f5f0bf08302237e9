"""Alerts: what to do now in large text, the muted rules with their time left, every alert newest first."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ... import words
from ..i18n import tr
from ..view import AlertRow, Banner, MutedRow

SEVERITY_STYLE = {"critical": "bold red", "warning": "bold yellow", "info": "bold cyan"}


class ActionBanner(Static):
    """The alert to act on now, its action big enough to read from afar; it stays until the alert resolves.

    It is the first part of a room's dashboard, full width, so it is the last
    thing a small terminal loses. An acknowledged alert keeps it, dimmer, and
    says so ("1 aktif, sudah dikonfirmasi").
    """

    DEFAULT_CSS = """
    ActionBanner {
        height: auto;
        padding: 1 2;
        background: $success-muted;
        text-style: bold;
    }
    ActionBanner.-critical { background: $error; color: $text; }
    ActionBanner.-warning { background: $warning; color: $background; }
    ActionBanner.-info { background: $primary; color: $text; }
    ActionBanner.-acknowledged { background: $error-muted; color: $text; }
    ActionBanner.-acknowledged.-warning { background: $warning-muted; color: $text; }
    ActionBanner.-acknowledged.-info { background: $primary-muted; color: $text; }
    """

    banner: reactive[Banner | None] = reactive(None, always_update=True)
    muted_firing: reactive[int] = reactive(0)  # firing alerts of muted rules: never "all clear" over them
    lang: reactive[str] = reactive("id")

    def watch_banner(self) -> None:
        self._draw()

    def watch_muted_firing(self) -> None:
        self._draw()

    def watch_lang(self) -> None:
        self._draw()

    def _draw(self) -> None:
        banner, lang = self.banner, self.lang
        for severity in ("critical", "warning", "info"):
            self.set_class(banner is not None and banner.severity == severity, f"-{severity}")
        self.set_class(banner is not None and banner.acknowledged, "-acknowledged")
        if banner is None:
            if self.muted_firing:
                self.update(Text("🔇 " + tr("only_muted", lang, n=self.muted_firing)))
            else:
                self.update(Text("✓ " + tr("all_clear", lang)))
            return
        text = Text()
        text.append(f"{'✓' if banner.acknowledged else '⚠'} {words.severity(banner.severity, lang).upper()} · {banner.name} · {banner.time}")
        text.append(f"   ({banner.count_text(lang)})", style="not bold" if banner.acknowledged else "")
        if banner.problem:
            text.append("\n" + banner.problem, style="not bold")
        text.append("\n▶ " + banner.action.upper(), style="bold")
        self.update(text)


def muted_text(row: MutedRow, lang: str) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("🔇 ")
    text.append(row.name, style="bold")
    if row.metric:
        text.append(f" ({row.metric})")
    text.append(f" · {tr('muted_left', lang, left=row.left)}")
    if row.firing:
        text.append(f" · {tr('still_firing', lang)}", style="bold")
    return text


class RowList(OptionList):
    """Rows shown as options; the highlighted row stays highlighted (by its key) when the rows change."""

    rows: reactive[tuple] = reactive(())
    lang: reactive[str] = reactive("id")

    @staticmethod
    def key(row) -> str:
        raise NotImplementedError

    @staticmethod
    def text(row, lang: str) -> Text:
        raise NotImplementedError

    def watch_rows(self) -> None:
        self._fill()

    def watch_lang(self) -> None:
        self._fill()

    def _fill(self) -> None:
        selected = self.selected_key
        keys = [self.key(row) for row in self.rows]
        self.set_options(Option(self.text(row, self.lang), id=key) for row, key in zip(self.rows, keys))
        # the selected row may have scrolled out of the history: the first row then
        self.highlighted = keys.index(selected) if selected in keys else 0 if keys else None

    @property
    def selected_key(self) -> str | None:
        option = self.highlighted_option
        return None if option is None else option.id


class MutedList(RowList):
    """Muted rules with the event time left; `u` unmutes the highlighted one. Hidden when nothing is muted."""

    DEFAULT_CSS = """
    MutedList {
        height: auto;
        max-height: 5;
        border: none;
        padding: 0 1;
        background: $boost;
        display: none;
    }
    MutedList.-some { display: block; }
    """

    @staticmethod
    def key(row: MutedRow) -> str:
        return f"muted-{row.rule}"

    text = staticmethod(muted_text)

    def _fill(self) -> None:
        super()._fill()
        self.set_class(bool(self.rows), "-some")

    @property
    def selected_rule(self) -> str | None:
        key = self.selected_key
        return None if key is None else key.removeprefix("muted-")


def row_text(row: AlertRow, lang: str) -> Text:
    over = not row.ongoing  # a resolution, or a firing whose problem has since been resolved: history
    style = "dim" if over or row.muted else ""
    text = Text(no_wrap=True, overflow="ellipsis", style=style)
    text.append(row.time + " ")
    text.append(f"{words.severity(row.severity, lang).upper():<9}", style="" if over else SEVERITY_STYLE.get(row.severity, ""))
    marker = "✓" if row.acked else "⊘" if row.muted else "○" if over else "●"
    text.append(f"{marker} ")
    state = tr("resolved" if row.state == "resolved" else "was_firing" if over else "firing", lang)
    text.append(f"[{state}] ", style="" if over else "bold")
    if not row.message.startswith(row.name):  # the message names its problem already ("Retensi turun 50%")
        text.append(f"{row.name}: ", style="" if over else "bold")
    text.append(row.message)
    return text


class AlertList(RowList):
    DEFAULT_CSS = """
    AlertList {
        height: 1fr;
        border: round $primary-muted;
        border-title-color: $text-muted;
    }
    """

    @staticmethod
    def key(row: AlertRow) -> str:
        return f"alert-{row.seq}"

    text = staticmethod(row_text)

    @property
    def selected_seq(self) -> int | None:
        key = self.selected_key
        return None if key is None else int(key.removeprefix("alert-"))
