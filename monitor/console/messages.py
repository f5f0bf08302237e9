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
