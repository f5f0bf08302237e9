"""The question before unsaved threshold edits are left behind: save, discard or stay."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..bindings import localize_bindings
from ..i18n import tr


class UnsavedScreen(ModalScreen[str | None]):
    """Dismissed with "save", "discard" or None (cancel: stay with the edits)."""

    DEFAULT_CSS = """
    UnsavedScreen {
        align: center middle;
    }
    UnsavedScreen > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        border: round $warning;
        background: $surface;
        padding: 1 2;
    }
    UnsavedScreen #question { margin-bottom: 1; }
    UnsavedScreen Horizontal { height: auto; }
    UnsavedScreen Button { margin-right: 1; }
    """

    BINDINGS = [
        Binding("s", "choose('save')", "Save"),
        Binding("d", "choose('discard')", "Discard"),
        Binding("escape", "choose(None)", "Cancel"),
    ]

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        with Vertical() as box:
            box.border_title = tr("unsaved_title", lang)
            yield Static(Text(tr("unsaved_question", lang, path=self.path)), id="question")  # a path is not markup
            with Horizontal():
                yield Button(tr("save_button", lang), id="save", variant="primary")
                yield Button(tr("discard_button", lang), id="discard", variant="error")
                yield Button(tr("cancel_button", lang), id="cancel")

    def on_mount(self) -> None:
        localize_bindings(self, self.app.lang)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
