"""Messages between the console's screens and the app."""

from __future__ import annotations

from textual.message import Message

from ..config import AlertRule, Config


class RulesEdited(Message):
    """The thresholds screen changed the rules: apply them to the running engine now."""

    def __init__(self, rules: list[AlertRule]) -> None:
        super().__init__()
        self.rules = rules

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RulesEdited)  # only the newest set of rules matters


class ConfigReloaded(Message):
    """`config.toml` changed on disk and is valid."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config


class ConfigInvalid(Message):
    """`config.toml` changed on disk but is not valid: the old rules stay."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class RulesSaved(Message):
    """`rules` were written to the user's config file (`created` it), or could not be: `error`."""

    def __init__(self, path: str, rules: list[AlertRule], *, created: bool = False, error: str = "") -> None:
        super().__init__()
        self.path = path
        self.rules = rules
        self.created = created
        self.error = error


class Drawn(Message):
    """A screen drew a frame from the sink: what it showed, for whoever waits on the screen (tests, recorders).

    `complete`: every part of the room shown is up to date (charts included,
    the tabs labelled); a frame that left something for later says False.
    """

    def __init__(self, screen: str, sink: int, version: int, position: int | None, status: str, *,
                 ended: bool, complete: bool, lang: str, room: str | None = None) -> None:
        super().__init__()
        self.screen = screen
        self.sink = sink  # id() of the ConsoleSink drawn (a seek brings a new one)
        self.version = version
        self.position = position
        self.status = status
        self.ended = ended
        self.complete = complete
        self.lang = lang
        self.room = room  # the room shown (the dashboard's active tab)


class AssistantCalled(Message):
    """A new critical alert called the assistant (the bell, a desktop notification): once per look, never on redraws."""

    def __init__(self, room: str | None, rule: str | None, *, rang: bool, notified: bool) -> None:
        super().__init__()
        self.room = room
        self.rule = rule
        self.rang = rang
        self.notified = notified
