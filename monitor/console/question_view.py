"""The questions list: what viewers ask, by topic, with how many asked in the window.

The counts per topic are the engine's (`snapshot.topics`, the
`questions_<topic>` metrics); the questions listed are the comments the
engine's own classifier counts (RoomView.ask), the latest first. Topics are
named by their label in the config, in the language shown. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import catalog
from ..config import QuestionTopic
from .state import RoomView
from .view import Said, clock

PER_TOPIC = 3  # questions listed under each topic
SCANNED = 200  # the newest questions looked through for them


@dataclass(frozen=True, slots=True)
class TopicQuestions:
    topic: str  # the config's name
    label: str  # as shown
    count: int  # questions about it in the window (the engine's count)
    latest: tuple[Said, ...]  # newest first


def topic_counts(snapshot) -> dict[str, int]:
    """Questions per topic in the window: the snapshot's own, or a published record's `questions_<topic>`."""
    topics = getattr(snapshot, "topics", None)
    if topics is not None:
        return dict(topics)
    prefix = catalog.TOPIC_PREFIX
    return {name[len(prefix):]: int(value or 0) for name, value in snapshot.values.items() if name.startswith(prefix)}


def questions(room: RoomView, topics: list[QuestionTopic], lang: str, tz: str) -> tuple[TopicQuestions, ...]:
    """Topics asked about, most asked in the window first, then the most recently asked; silent topics left out."""
    if room.snapshot is None:
        return ()
    counts = topic_counts(room.snapshot)
    latest: dict[str, list[Said]] = {topic.name: [] for topic in topics}
    newest: dict[str, float] = {}
    for question in room.visible_questions(SCANNED):
        for name in question.topics:
            listed = latest.get(name)
            if listed is not None and len(listed) < PER_TOPIC:
                listed.append(Said(clock(question.ts, tz, lang), question.user, question.text))
                newest.setdefault(name, question.ts)
    out = [
        TopicQuestions(topic.name, topic.label_in(lang), counts.get(topic.name, 0), tuple(latest[topic.name]))
        for topic in topics
        if counts.get(topic.name) or latest[topic.name]
    ]
    out.sort(key=lambda row: (-row.count, -newest.get(row.topic, 0)))
    return tuple(out)
