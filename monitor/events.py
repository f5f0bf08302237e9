"""The event contract (../shared/spec/events.md, v1): models, parsing, rejection.

Two paths give the same answer. The fast path decodes JSON straight into an
`Event` struct with msgspec (typed, in C) and adds the per-type checks a flat
struct cannot express; whatever it does not take goes through the pydantic
models, which are the contract's reference and name the reason. A property
test keeps the two in step.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal, Union

import msgspec
import orjson
from msgspec import Meta
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from .progress import SourceProgress

#: Reason codes a rejected event carries; the summary counts them by these names.
REASONS = (
    "invalid_json",
    "not_an_object",
    "unknown_type",
    "missing_field",
    "bad_value",
    "bad_ts",
    "too_large",
    "binary_frame",
    "too_many_rooms",
)

EVENT_TYPES = (
    "live_impression",
    "viewer_join",
    "viewer_leave",
    "viewer_count",
    "like",
    "comment",
    "share",
    "follow",
    "product_impression",
    "product_click",
    "order",
    "host_action",
)


class Event(msgspec.Struct, kw_only=True, gc=False, omit_defaults=True):
    """One accepted event (ts in epoch ms); fields a type does not have keep their defaults.

    The field types are the contract's for every type; what differs by type
    (required fields, `count` >= 1) is checked in `_complete`.
    """

    type: str
    ts: int | float | str
    room: str = "default"
    user: str | None = None
    id: str | None = None
    count: Annotated[int, Meta(ge=0)] | None = None
    product: str | None = None
    text: str = ""
    quantity: Annotated[int, Meta(ge=1)] = 1
    amount: Annotated[float, Meta(gt=0)] = 0.0
    order_id: str | None = None
    action: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return msgspec.structs.asdict(self)


class Rejection:
    """An input that broke the contract, with the reason code and what was received."""

    __slots__ = ("reason", "detail", "raw")

    def __init__(self, reason: str, detail: str, raw: Any) -> None:
        self.reason = reason
        self.detail = detail
        self.raw = raw

    def __repr__(self) -> str:
        return f"Rejection({self.reason!r}, {self.detail!r})"


# ---------------------------------------------------------------- timestamps


class BadTimestamp(ValueError):
    pass


def parse_ts(value: Any) -> float:
    """Epoch milliseconds from a number or an RFC 3339 string with an offset."""
    if isinstance(value, bool):
        raise BadTimestamp("ts must be a number or a string, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadTimestamp("ts must be finite")
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise BadTimestamp(f"ts {value[:40]!r} is not RFC 3339") from None
        if moment.tzinfo is None:
            raise BadTimestamp(f"ts {value[:40]!r} has no UTC offset")
        micros = (moment - _EPOCH).total_seconds()
        ms = round(micros * 1000, 3)
        return int(ms) if float(ms).is_integer() else ms
    raise BadTimestamp(f"ts must be a number or a string, got {type(value).__name__}")


_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


# ---------------------------------------------------------------- the models

PositiveCount = Annotated[int, Field(ge=1, strict=True)]


class _Base(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    ts: float
    room: str = "default"
    id: str | None = None

    @field_validator("ts", mode="plain")
    @classmethod
    def _ts(cls, value: Any) -> float:
        return parse_ts(value)


class LiveImpression(_Base):
    type: Literal["live_impression"]
    count: PositiveCount = 1


class ViewerJoin(_Base):
    type: Literal["viewer_join"]
    user: str


class ViewerLeave(_Base):
    type: Literal["viewer_leave"]
    user: str


class ViewerCount(_Base):
    type: Literal["viewer_count"]
    count: Annotated[int, Field(ge=0, strict=True)]


class Like(_Base):
    type: Literal["like"]
    user: str | None = None
    count: PositiveCount = 1


class Comment(_Base):
    type: Literal["comment"]
    user: str
    text: str = ""


class Share(_Base):
    type: Literal["share"]
    user: str | None = None


class Follow(_Base):
    type: Literal["follow"]
    user: str | None = None


class ProductImpression(_Base):
    type: Literal["product_impression"]
    product: str
    count: PositiveCount = 1


class ProductClick(_Base):
    type: Literal["product_click"]
    product: str
    user: str | None = None


class Order(_Base):
    type: Literal["order"]
    product: str
    user: str | None = None
    quantity: PositiveCount = 1
    amount: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 0.0
    order_id: str | None = None


class HostAction(_Base):
    type: Literal["host_action"]
    action: str = ""
    note: str = ""


MODELS = (
    LiveImpression, ViewerJoin, ViewerLeave, ViewerCount, Like, Comment, Share,
    Follow, ProductImpression, ProductClick, Order, HostAction,
)
EventModel = Annotated[Union[MODELS], Field(discriminator="type")]
_adapter: TypeAdapter[Any] = TypeAdapter(EventModel)


def _reason_of(error: ValidationError) -> tuple[str, str]:
    first = error.errors(include_url=False)[0]
    kind = first["type"]
    loc = [str(part) for part in first["loc"]]
    # the union tag is the first element of loc once the tag matched
    field = loc[1] if len(loc) > 1 else (loc[0] if loc else "")
    message = first["msg"]
    if kind == "union_tag_not_found":
        return "missing_field", "type: field required"
    if kind == "union_tag_invalid":
        return "unknown_type", message
    if kind == "missing":
        return "missing_field", f"{field}: field required"
    if field == "ts":
        return "bad_ts", f"ts: {message}"
    return "bad_value", f"{field}: {message}"


def validate_model(obj: Any) -> Event | Rejection:
    """The reference path: pydantic decides and names the reason."""
    if not isinstance(obj, dict):
        return Rejection("not_an_object", f"expected an object, got {_json_kind(obj)}", obj)
    try:
        model = _adapter.validate_python(obj)
    except ValidationError as error:
        reason, detail = _reason_of(error)
        return Rejection(reason, detail, obj)
    fields = {name: getattr(model, name) for name in Event.__struct_fields__ if name in type(model).model_fields}
    if "count" not in fields:
        fields["count"] = 1
    return Event(**fields)


# ---------------------------------------------------------------- the fast path

# What a flat struct cannot say: which fields each type requires, and count >= 1.
_USER_REQUIRED = frozenset({"viewer_join", "viewer_leave", "comment"})
_PRODUCT_REQUIRED = frozenset({"product_impression", "product_click", "order"})
_KNOWN = frozenset(EVENT_TYPES)


def _complete(event: Event) -> Event | None:
    """Finish a decoded struct, or None when the models must judge it."""
    kind = event.type
    if kind not in _KNOWN:
        return None
    ts_type = type(event.ts)
    if ts_type is not int:
        try:
            event.ts = parse_ts(event.ts)
        except BadTimestamp:
            return None
    count = event.count
    if count is None:
        if kind == "viewer_count":
            return None
        event.count = 1
    elif count == 0 and kind != "viewer_count":
        return None
    if kind in _USER_REQUIRED and event.user is None:
        return None
    if kind in _PRODUCT_REQUIRED and event.product is None:
        return None
    return event


_decode_any = msgspec.json.Decoder(Union[Event, list[Event]]).decode
_convert = msgspec.convert


def validate(obj: Any) -> Event | Rejection:
    """Judge one decoded object: the struct when it fits, else the models."""
    if type(obj) is dict:
        try:
            event = _complete(_convert(obj, Event))
        except msgspec.ValidationError:
            event = None
        if event is not None:
            return event
    return validate_model(obj)


def _json_kind(obj: Any) -> str:
    if obj is None:
        return "null"
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(type(obj), type(obj).__name__)


def parse_message(raw: str | bytes) -> list[Event | Rejection]:
    """One websocket message or file line: one event or a JSON array batch."""
    try:
        decoded = _decode_any(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return _parse_slowly(raw)
    if type(decoded) is list:
        events = [_complete(event) for event in decoded]
        if None in events:
            return _parse_slowly(raw)
        return events
    event = _complete(decoded)
    return [event] if event is not None else _parse_slowly(raw)


_decode_list = msgspec.json.Decoder(list[Event]).decode


def parse_lines(lines: list[Any]) -> list[Event | Rejection]:
    """Many JSON Lines at once: one C-level decode of the lot, else line by line.

    Joining the lines into one array gives the same events as decoding each
    line when every line is one event; the count check catches a line that
    holds more than one value, and any failure falls back to `parse_message`.
    """
    try:
        decoded = _decode_list(b"[" + b",".join(lines) + b"]")
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError):
        decoded = None
    if decoded is not None and len(decoded) == len(lines):
        events = [_complete(event) for event in decoded]
        if None not in events:
            return events
    out: list[Event | Rejection] = []
    for raw in lines:
        out += parse_input(raw)
    return out


def parse_input(raw: Any) -> list[Event | Rejection | SourceProgress]:
    """Any raw input a source yields: a message or line, a decoded row, a feed's own refusal, a
    source's progress (a promise for the stream's clock, passed on as it is), or a list of these
    (what a feed made of one platform message: none, one or several)."""
    kind = type(raw)
    if kind is bytes or kind is str:
        return parse_message(raw)
    if kind is Rejection or kind is SourceProgress:
        return [raw]
    if isinstance(raw, list):
        return [item for one in raw for item in parse_input(one)]
    return [parse_object(raw)]


def _parse_slowly(raw: str | bytes) -> list[Event | Rejection]:
    """The careful path, one item at a time, so one bad event costs only itself."""
    try:
        decoded = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return [Rejection("invalid_json", str(error).split(":")[0][:120], raw)]
    if type(decoded) is list:
        return [validate(item) for item in decoded]
    return [validate(decoded)]


def parse_object(obj: Any) -> Event | Rejection:
    """An already decoded row (CSV / Parquet): empty cells count as absent."""
    if isinstance(obj, dict):
        obj = {key: value for key, value in obj.items() if value is not None}
    return validate(obj)
