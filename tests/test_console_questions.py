"""Viewers' questions in the real console (Pilot): what the engine counts, by topic, latest first, in both languages.

The questions are checked against the config's classifier run here on the
session's comments, and the counts against those questions in the window
`(t - 60 s, t]` counted here: the list is the engine's view of the chat,
not a second opinion.
"""

from __future__ import annotations

import pytest
from rich.text import Text

from monitor import formatting
from monitor.config import DEFAULT_CONFIG, load_config
from monitor.console.question_view import PER_TOPIC
from monitor.console.widgets.questions import QuestionList

from .console_session import T0, drive, make_app, session_events

MINUTE = 60_000
AT = T0 + 4 * MINUTE
COMMENTS = (
    "berapa harganya?", "harga kak", "harga nya murah banget",  # two price questions, one praise that names the price
    "ready size M?", "size L ada?", "ongkir ke surabaya berapa?", "cara checkout gimana kak?",
    "merah kak", "hadir kak", "[b]brp[/b] kak?\x1b[2J",
)


@pytest.fixture(scope="module")
def chat():
    return session_events(5, comments=COMMENTS, seed=11)


def asked(events: list[dict], t: int) -> list[tuple[dict, tuple[str, ...]]]:
    """Every comment up to `t` with the topics the config's classifier finds in it, oldest first."""
    classify = load_config(DEFAULT_CONFIG).questions.classifier().topics
    return [(event, classify(event["text"])) for event in events if event["type"] == "comment" and event["ts"] <= t]


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_list_holds_what_the_engine_counts_by_topic(tmp_path, chat, lang):
    app = make_app(tmp_path, chat, lang=lang)
    async with drive(app) as console:
        await console.seek(AT)
        topics = {topic.name: topic for topic in app.config.questions.topics}
        questions = [(event, found) for event, found in asked(chat, AT) if found]
        in_window = {name: sum(1 for event, found in questions if name in found and event["ts"] > AT - MINUTE)
                     for name in topics}
        shown = app.screen.query_one(QuestionList).topics
        assert shown, "the session asks about prices, sizes, shipping and checkout"
        # topics with questions, most asked in the window first, each counted as the engine counts it
        assert [row.count for row in shown] == sorted((row.count for row in shown), reverse=True)
        assert {row.topic: row.count for row in shown} == {name: n for name, n in in_window.items() if n}
        assert app.sink.rooms["toko-batik"].snapshot.topics == in_window  # the engine's counts, the same
        for row in shown:
            assert row.label == topics[row.topic].label_in(lang)
            latest = [event for event, found in reversed(questions) if row.topic in found][:PER_TOPIC]
            assert [said.user for said in row.latest] == [event["user"] for event in latest]
            assert [said.time for said in row.latest] == [
                formatting.clock_time(event["ts"], "Asia/Jakarta", lang) for event in latest]
        listed = {said.text for row in shown for said in row.latest}
        assert "harga nya murah banget" not in listed and "merah kak" not in listed  # praise and chat are no questions
        # on the screen: the topic's label with its count, the question as the viewer wrote it
        text = app.screen.query_one(QuestionList).content
        assert isinstance(text, Text)
        first = shown[0]
        assert f"{first.label} {formatting.number(first.count, lang)}" in text.plain


async def test_question_text_is_plain_and_a_seek_back_forgets_what_was_not_yet_said(tmp_path, chat):
    app = make_app(tmp_path, chat)
    async with drive(app) as console:
        await console.seek(AT)
        widget = app.screen.query_one(QuestionList)
        texts = [said.text for row in widget.topics for said in row.latest]
        assert "[b]brp[/b] kak?" in texts  # markup inert, the escape gone
        assert {str(span.style) for span in widget.content.spans} <= {"bold", "bold yellow", "dim", "cyan"}
        assert "\x1b" not in widget.content.plain
        await console.seek(T0 + 90_000)
        questions = [event for event, found in asked(chat, T0 + 90_000) if found]
        shown = [said for row in widget.topics for said in row.latest]
        assert shown and all(said.time <= formatting.clock_time(T0 + 90_000, "Asia/Jakarta", "id") for said in shown)
        assert {said.user for said in shown} <= {event["user"] for event in questions}


async def test_no_topics_in_the_config_no_list(tmp_path, chat):
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    head, _, rest = text.partition("[[questions.topics]]")
    console_part = rest[rest.index("[console]"):]
    tables = console_part.split("\n[[rules]]")
    kept = [tables[0]] + [table for table in tables[1:] if "questions_" not in table]  # their topics are gone
    (tmp_path / "config.toml").write_text(head + "\n[[rules]]".join(kept), encoding="utf-8")
    app = make_app(tmp_path, chat, speed=None)
    assert app.config.questions.topics == []
    async with drive(app) as console:
        await console.ended()
        widget = app.screen.query_one(QuestionList)
        assert widget.topics == () and not widget.display  # its place goes to the comments
