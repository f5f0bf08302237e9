"""`config.toml`: engine settings, input limits and alert rules, validated.

A bad file is reported as `<file>: <table>.<key>: <what is wrong>` so the person
editing thresholds finds the line at once.
"""

from __future__ import annotations

import re
import json
import string
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError, ValidationInfo, create_model,
    field_validator, model_validator,
)

from . import catalog
from .questions import QuestionClassifier, Topic, keyword_words

#: The shipped defaults, a file of the package: read, never written (the console saves to the user's file).
DEFAULT_CONFIG = Path(__file__).with_name("default_config.toml")

#: Rates that are shares of a whole, so a threshold outside 0..1 is a typo (5 meant 5%); the
#: catalogue says which. access_rate (entries from a shared link without an impression) and
#: click_to_order (several orders from one click) can exceed 1 in odd streams: only >= 0 there.
FRACTION_METRICS = frozenset(metric.name for metric in catalog.METRICS if metric.fraction)
#: The only fields an alert's words may use (monitor/alert_text.py fills them).
PLACEHOLDERS = ("value", "baseline", "threshold", "change")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EngineSettings(_Strict):
    tick_s: int = Field(1, ge=1)
    window_s: int = Field(60, ge=1)
    allowed_lateness_s: float = Field(2, ge=0)
    max_skew_s: float = Field(300, gt=0)
    confirm_events: int = Field(5, ge=1)  # agreeing events that start the clock or confirm a jump
    confirm_after_s: float = Field(60, gt=0)  # or two and more agreeing events this far apart (sparse streams)
    max_source_wait_s: float = Field(60, gt=0)  # the clock waits this long at most for a slow source
    retention_horizon_s: int = Field(60, ge=1)
    dedupe_horizon_s: int = Field(600, ge=0)
    room_idle_s: float = Field(1800, ge=0)  # live: a room silent this long is closed (0: never)
    max_products: int = Field(200, ge=1)  # products counted apart per room; the rest together as "other"

    @model_validator(mode="after")
    def _on_the_grid(self) -> "EngineSettings":
        for name in ("window_s", "retention_horizon_s"):
            if getattr(self, name) % self.tick_s:
                raise ValueError(f"{name} must be a multiple of tick_s ({self.tick_s})")
        return self


class InputSettings(_Strict):
    dead_letter: str = ""  # path of the dead-letter JSONL file; empty: none
    max_message_bytes: int = Field(1 << 20, ge=1024)
    queue_size: int = Field(64, ge=1)  # batches between the feed and the engine (back-pressure)
    max_rooms: int = Field(1000, ge=1)  # further rooms are rejected as too_many_rooms


class RuleMessage(_Strict):
    id: str
    en: str

    @field_validator("id", "en")
    @classmethod
    def _known_placeholders(cls, text: str) -> str:
        """A misspelt `{chnage}` would reach the host as raw braces: refuse it here."""
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
        except ValueError as error:
            raise ValueError(f"cannot be formatted: {error}") from None
        unknown = [name for name in names if name not in PLACEHOLDERS]
        if unknown:
            known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}; use {known}")
        try:
            text.format(**dict.fromkeys(PLACEHOLDERS, "1"))
        except (ValueError, IndexError, KeyError) as error:
            raise ValueError(f"cannot be formatted: {error}") from None
        return text


class AlertRule(_Strict):
    name: str = Field(min_length=1)
    metric: str
    kind: Literal["below", "above", "drop", "rise", "stale"]
    threshold: float | None = Field(None, allow_inf_nan=False)
    change_pct: float | None = Field(None, gt=0, lt=1000)
    baseline_s: int = Field(600, ge=1)
    min_sample: float = Field(0, ge=0)
    min_baseline_ticks: int = Field(60, ge=1)
    for_s: float = Field(0, ge=0)
    clear_s: float = Field(0, ge=0)
    cooldown_s: float = Field(0, ge=0)
    severity: Literal["info", "warning", "critical"] = "warning"
    problem: RuleMessage | None = None  # what went wrong: "Retensi turun {change} ({value}, biasanya {baseline})"
    action: RuleMessage | None = None  # what the host should do now: "ajak komentar: ketik 'merah' atau 'hijau'"
    message: RuleMessage | None = None  # or both in one line, as alerts.md v1 wrote them
    enabled: bool = True

    @field_validator("threshold")
    @classmethod
    def _threshold_can_be_crossed(cls, value: float | None, info: ValidationInfo) -> float | None:
        """Every metric is >= 0 and a fraction is <= 1: a threshold outside that never fires or always does."""
        metric, kind = info.data.get("metric"), info.data.get("kind")
        if value is None or kind not in ("below", "above"):
            return value
        if metric in FRACTION_METRICS and not 0 <= value <= 1:
            raise ValueError(f"{metric} is a fraction from 0 to 1 (0.05 means 5%), not {value:g}")
        if value < 0:
            raise ValueError(f"must be >= 0 ({metric} is never negative)")
        if kind == "below" and value == 0:
            raise ValueError(f"a below rule with threshold 0 can never fire ({metric} is never negative)")
        if kind == "above" and metric in FRACTION_METRICS and value == 1:
            raise ValueError(f"an above rule with threshold 1 can never fire ({metric} is at most 1)")
        return value

    @field_validator("change_pct")
    @classmethod
    def _drop_can_happen(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and value >= 100 and info.data.get("kind") == "drop":
            raise ValueError(f"a drop of {value:g}% can never fire (the value would have to fall below zero); use less than 100")
        return value

    @model_validator(mode="after")
    def _has_words(self) -> "AlertRule":
        if self.problem is None and self.message is None:
            raise ValueError("a rule needs problem.id / problem.en (and action.id / action.en), or message.id / message.en")
        if self.problem is not None and self.message is not None:
            raise ValueError("give problem and action, or one message, not both")
        if self.action is not None and self.problem is None:
            raise ValueError("an action goes with a problem (problem.id / problem.en)")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> "AlertRule":
        if self.kind == "stale":
            if self.metric != "events":
                raise ValueError("a stale rule watches metric 'events'")
            if self.for_s <= 0:
                raise ValueError("a stale rule needs for_s > 0 (the silence that counts)")
        elif self.metric not in catalog.BY_NAME and not self.metric.startswith(catalog.TOPIC_PREFIX):
            raise ValueError(f"unknown metric {self.metric!r}")
        if self.kind in ("below", "above") and self.threshold is None:
            raise ValueError(f"a {self.kind} rule needs threshold")
        if self.kind in ("drop", "rise") and self.change_pct is None:
            raise ValueError(f"a {self.kind} rule needs change_pct")
        return self

    @property
    def pending_s(self) -> float:
        """How long the condition must hold before firing; a stale rule's for_s is the silence itself."""
        return 0.0 if self.kind == "stale" else self.for_s


def _benchmark_fields() -> dict[str, Any]:
    """One optional target per metric the catalogue marks benchmarkable; shares lie in 0..1."""
    fields: dict[str, Any] = {}
    for name in catalog.BENCHMARKS:
        fields[name] = (float | None, Field(None, ge=0, le=1 if catalog.metric(name).fraction else None))
    return fields


class _Targets(_Strict):
    def target(self, metric: str) -> float | None:
        """The category's target for a metric, if one was set."""
        value: float | None = getattr(self, metric, None)
        return value


if TYPE_CHECKING:
    # Its fields come from the catalogue at run time, so a type checker knows it by its base:
    # typed code reads a target with `target(metric)`.
    Benchmarks = _Targets
else:
    #: Category targets (from the best sellers of the shop's category) shown beside each KPI.
    Benchmarks = create_model("Benchmarks", __base__=_Targets, **_benchmark_fields())


class HistorySettings(_Strict):
    dir: str = ""  # where session summaries are kept; empty: ~/.local/share/livemon/history
    baseline_from_history: bool = False  # drop rules use the room's past median while the broadcast is young


class DisplaySettings(_Strict):
    timezone: str = "Asia/Jakarta"  # the broadcast's zone: times on screen and in the report are read there

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown time zone {name!r} (an IANA name such as 'Asia/Jakarta')") from None
        return name


class TopicLabel(_Strict):
    id: str = Field(min_length=1)
    en: str = Field(min_length=1)


def _has_words(phrase: str) -> str:
    if not keyword_words(phrase):
        raise ValueError(f"{phrase!r} has no letters or digits")
    return phrase


Phrase = Annotated[str, AfterValidator(_has_words)]


class TopicKeywords(_Strict):
    id: list[Phrase] = []
    en: list[Phrase] = []


_TOPIC_NAME = re.compile(r"[a-z][a-z0-9_]*")


class QuestionTopic(_Strict):
    """A topic viewers ask about (monitor/questions.py says what counts as asking)."""

    name: str
    label: TopicLabel
    keywords: TopicKeywords
    implied_by: list[Phrase] = []  # question words that, in a question naming no topic, ask about this one

    @field_validator("name")
    @classmethod
    def _metric_safe(cls, name: str) -> str:
        if not _TOPIC_NAME.fullmatch(name):
            raise ValueError(f"{name!r} must be a-z, 0-9 and _, starting with a letter (it becomes questions_<name>)")
        return name

    @model_validator(mode="after")
    def _has_keywords(self) -> "QuestionTopic":
        if not (self.keywords.id or self.keywords.en):
            raise ValueError(f"topic {self.name!r} needs at least one keyword")
        return self

    def label_in(self, lang: str) -> str:
        return self.label.id if lang == "id" else self.label.en


class QuestionSettings(_Strict):
    topics: list[QuestionTopic] = []  # none: no comment is counted as a question

    @model_validator(mode="after")
    def _unique_names(self) -> "QuestionSettings":
        seen: set[str] = set()
        for index, topic in enumerate(self.topics):
            if topic.name in seen:
                raise ValueError(f"topics[{index}].name {topic.name!r} is used twice")
            seen.add(topic.name)
        return self

    def classifier(self) -> QuestionClassifier:
        return QuestionClassifier([
            Topic(topic.name, tuple(topic.keywords.id + topic.keywords.en), tuple(topic.implied_by))
            for topic in self.topics
        ])
class TikTokShopSettings(_Strict):
    """`[sources.tiktok_shop]`: orders from the TikTok Shop Partner API.

    The secrets may stay empty here: the LIVEMON_TTS_* environment variables
    override them (feeds/credentials.py). SecretStr keeps them out of every repr.
    """

    app_key: SecretStr = SecretStr("")
    app_secret: SecretStr = SecretStr("")
    access_token: SecretStr = SecretStr("")
    shop_cipher: SecretStr = SecretStr("")
    base_url: str = "https://open-api.tiktokglobalshop.com"
    poll_s: float = Field(12, gt=0)  # the search is asked every poll_s seconds (10-15 s suits the API)
    recheck_s: float = Field(60, ge=0)  # each search looks this far back for orders it showed late
    webhook: bool = False  # also take ORDER_STATUS_CHANGE notifications (needs a public HTTPS endpoint)
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(8766, ge=0, le=65535)
    webhook_path: str = "/tiktok-shop/webhook"


class ShopeeSettings(_Strict):
    """`[sources.shopee]`: a Shopee Live session through the Open Platform (LIVEMON_SHOPEE_* override)."""

    partner_id: str = ""
    partner_key: SecretStr = SecretStr("")
    access_token: SecretStr = SecretStr("")
    shop_id: str = ""
    session_id: str = ""
    base_url: str = "https://partner.shopeemobile.com"
    poll_s: float = Field(5, gt=0, le=10)  # the comment list covers only the last 10 s
    comments: bool = True


class TikTokLiveSettings(_Strict):
    """`[sources.tiktok]`: a TikTok LIVE room through TikTokLive (`livemon watch tiktok:@handle`).

    The secrets may stay empty here: LIVEMON_TIKTOK_SIGN_KEY, LIVEMON_TIKTOK_SESSIONID and
    LIVEMON_TIKTOK_TARGET_IDC override them (feeds/credentials.py).
    """

    sign_key: SecretStr = SecretStr("")  # the sign server's API key: a higher rate limit
    session_id: SecretStr = SecretStr("")  # a logged-in sessionid cookie, for age-restricted rooms only
    target_idc: SecretStr = SecretStr("")  # the tt-target-idc cookie of the same login
    offline_poll_s: float = Field(45, ge=30, le=60)  # while the host is offline, ask TikTok this often


class SourcesSettings(_Strict):
    tiktok_shop: TikTokShopSettings | None = None
    shopee: ShopeeSettings | None = None
    tiktok: TikTokLiveSettings | None = None


class BroadcastSettings(_Strict):
    """`[broadcast]`: one room made of several sources (audience from one, orders from another)."""

    orders: Literal["", "tiktok-shop"] = ""  # where the orders come from; empty: the audience feed itself
    room: str = ""  # the room the orders join; empty: --room, else the audience source's own room
class ConsoleSettings(_Strict):
    """How the console gets the assistant's attention (nobody stares at a terminal)."""

    bell: bool = True  # ring the terminal bell on each new critical alert (`--quiet` turns it off)
    desktop_notify: bool = False  # also a desktop notification, where `notify-send` exists


class Config(_Strict):
    lang: Literal["id", "en"] = "id"
    engine: EngineSettings = EngineSettings()
    input: InputSettings = InputSettings()
    benchmarks: Benchmarks = Benchmarks()
    history: HistorySettings = HistorySettings()
    display: DisplaySettings = DisplaySettings()
    questions: QuestionSettings = QuestionSettings()
    broadcast: BroadcastSettings = BroadcastSettings()
    sources: SourcesSettings = SourcesSettings()
    console: ConsoleSettings = ConsoleSettings()
    rules: list[AlertRule] = []

    @model_validator(mode="after")
    def _unique_names(self) -> "Config":
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                raise ValueError(f"{rule_ref(rule.name, 0)}: the name is used twice")
            seen.add(rule.name)
        topics = {topic.name for topic in self.questions.topics}
        for rule in self.rules:
            topic = rule.metric.removeprefix(catalog.TOPIC_PREFIX)
            if rule.metric.startswith(catalog.TOPIC_PREFIX) and topic not in topics:
                known = ", ".join(sorted(topics)) or "none: [questions] has no topics"
                raise ValueError(f"{rule_ref(rule.name, 0)}.metric: no question topic {topic!r} ({known})")
        return self

    def summary(self) -> str:
        enabled = sum(rule.enabled for rule in self.rules)
        rules = f"{len(self.rules)} rules ({enabled} enabled)" if self.rules else "0 rules (explicitly empty: no alerts)"
        return (
            f"{rules}, window {self.engine.window_s}s, "
            f"tick {self.engine.tick_s}s, lateness {self.engine.allowed_lateness_s:g}s, lang {self.lang}"
        )


class ConfigError(Exception):
    """A config problem, already phrased as `file: key: what`."""


def rule_ref(name: object, index: int) -> str:
    """`rules["retention_drop"]` (or `rules[3]` when the rule has no usable name): how errors name a rule."""
    return f"rules[{json.dumps(name, ensure_ascii=False)}]" if isinstance(name, str) and name else f"rules[{index}]"


def _where(loc: tuple[Any, ...], data: object) -> str:
    """A pydantic error location as the user wrote it; list items of `rules` by their name."""
    text = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            text = rule_ref(name, part) if text == "rules" else f"{text}[{part}]"
            node = item
        else:
            text += ("." if text else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text


_PHRASES = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "less_than": "must be < {lt}",
    "missing": "is required",
    "extra_forbidden": "is not a known key",
    "literal_error": "must be {expected}",
    "string_too_short": "must not be empty",
    "finite_number": "must be a finite number",
}


def _phrase(error: Mapping[str, Any]) -> str:
    template = _PHRASES.get(error["type"])
    if template is None:
        message: str = error["msg"]
        return message.removeprefix("Value error, ")
    context = {key: f"{value:g}" if isinstance(value, float) else value for key, value in (error.get("ctx") or {}).items()}
    return template.format(**context)


def parse_config(data: dict[str, Any], source: str) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = _where(first["loc"], data)
        raise ConfigError(f"{source}: {where + ': ' if where else ''}{_phrase(first)}") from None


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate a config file; no path means `config.toml` here, else the shipped defaults.

    Every reader of a file comes here (the commands, `check-config`, the
    console's reload), so all of them refuse the same mistakes: an empty file,
    a file without `[[rules]]` that does not say `rules = []` on purpose, bytes
    that are not UTF-8, TOML that does not parse, and every key `Config` refuses.
    """
    if path is None:
        local = Path("config.toml")
        path = local if local.exists() else DEFAULT_CONFIG
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text: byte 0x{raw[error.start]:02x} at offset {error.start}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    if not data:
        raise ConfigError(f"{path}: the file is empty (no settings, no [[rules]]); start from the shipped config.toml")
    config = parse_config(data, str(path))
    if "rules" not in data:
        raise ConfigError(
            f"{path}: rules: there is no [[rules]] table; add rules, or write `rules = []` before the first table "
            "to run without alerts"
        )
    return config
