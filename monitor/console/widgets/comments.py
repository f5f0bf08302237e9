"""The comment ticker: the latest viewer comments, as inert plain text."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ..i18n import tr
from ..view import Said


def comment_text(comments: tuple[Said, ...], lang: str) -> Text:
    """Newest first. Viewer text goes in with `Text.append`: never parsed as markup."""
    if not comments:
        return Text(tr("no_comments", lang), style="dim")
    text = Text(no_wrap=True, overflow="ellipsis")
    for index, comment in enumerate(comments):
        if index:
            text.append("\n")
        text.append(comment.time + " ", style="dim")
        text.append(comment.user, style="bold cyan")
        text.append(": ")
        text.append(comment.text)
    return text


class CommentTicker(Static):
    DEFAULT_CSS = """
    CommentTicker {
        height: 12;
        border: round $primary-muted;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    """

    comments: reactive[tuple[Said, ...]] = reactive(())
    lang: reactive[str] = reactive("id")

    def watch_comments(self) -> None:
        self._draw()

    def watch_lang(self) -> None:
        self._draw()

    def _draw(self) -> None:
        self.border_title = tr("comments", self.lang)
        self.update(comment_text(self.comments, self.lang))
