"""The `?` screen: every key, in the chosen language; a live run leaves out the replay keys and says why."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..bindings import localize_bindings
from ..i18n import KEYS, key_name, tr


def keys_table(lang: str, *, replay: bool = True) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, indonesian, english, replay_only in KEYS:
        if replay_only and not replay:
            continue
        table.add_row(key_name(key, lang), indonesian if lang == "id" else english)
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        padding: 1 2;
    }
    HelpScreen #live { color: $warning; margin-bottom: 1; }
    HelpScreen #close { color: $text-muted; margin-top: 1; }
    """

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def on_mount(self) -> None:
        localize_bindings(self, self.app.lang)
        self.watch(self.app, "lang", self._relabel, init=False)

    def _relabel(self, lang: str) -> None:
        localize_bindings(self, lang)
        self.refresh(recompose=True)

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        replay = self.app.replay_path is not None
        with Vertical() as box:
            box.border_title = f"livemon — {tr('help', lang)}"
            if not replay:
                yield Static(Text(tr("help_live", lang)), id="live")
            yield Static(keys_table(lang, replay=replay), id="keys")
            yield Static(Text(tr("help_close", lang)), id="close")
