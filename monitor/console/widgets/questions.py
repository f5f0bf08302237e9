"""Viewers' questions by topic: how many asked in the window, and the latest of each, as inert plain text."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ... import formatting
from ..i18n import tr
from ..question_view import TopicQuestions


def questions_text(topics: tuple[TopicQuestions, ...], lang: str) -> Text:
    """Each topic with its count, then its latest questions; viewer text goes in with `Text.append`."""
    if not topics:
        return Text(tr("no_questions", lang), style="dim")
    text = Text(no_wrap=True, overflow="ellipsis")
    for index, topic in enumerate(topics):
        if index:
            text.append("\n")
        text.append(topic.label, style="bold")
        text.append(f" {formatting.number(topic.count, lang)}", style="bold yellow" if topic.count else "dim")
        for said in topic.latest:
            text.append("\n  ")
            text.append(said.time + " ", style="dim")
            text.append(said.user, style="cyan")
            text.append(": ")
            text.append(said.text)
    return text


class QuestionList(Static):
    DEFAULT_CSS = """
    QuestionList {
        height: 1fr;
        max-height: 14;
        border: round $primary-muted;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    """

    topics: reactive[tuple[TopicQuestions, ...]] = reactive(())
    lang: reactive[str] = reactive("id")

    def watch_topics(self) -> None:
        self._draw()

    def watch_lang(self) -> None:
        self._draw()

    def _draw(self) -> None:
        self.update(questions_text(self.topics, self.lang))
