"""The event contract (../shared/spec/events.md, v1): models, parsing, rejection.

Two paths give the same answer. The fast path checks a decoded dict by hand and
builds an `Event`; whatever it does not accept goes through the pydantic
models, which are the contract's reference and name the reason. A property
test keeps the two in step.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal, Union

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

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


class Event:
    """One accepted event, reduced to what the engine needs (ts in epoch ms)."""

    __slots__ = (
        "type", "ts", "room", "user", "id", "count", "product", "text",
        "quantity", "amount", "order_id", "action", "note",
    )

    def __init__(
        self,
        type: str,
        ts: float,
        room: str = "default",
        user: str | None = None,
        id: str | None = None,
        count: int = 1,
        product: str | None = None,
        text: str = "",
        quantity: int = 1,
        amount: float = 0.0,
        order_id: str | None = None,
        action: str = "",
        note: str = "",
    ) -> None:
        self.type = type
        self.ts = ts
        self.room = room
        self.user = user
        self.id = id
        self.count = count
        self.product = product
        self.text = text
        self.quantity = quantity
        self.amount = amount
        self.order_id = order_id
        self.action = action
        self.note = note

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Event) and self.as_dict() == other.as_dict()

    def __repr__(self) -> str:
        return f"Event({self.type!r}, ts={self.ts!r}, room={self.room!r}, user={self.user!r})"


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


EventModel = Annotated[
    Union[
        LiveImpression, ViewerJoin, ViewerLeave, ViewerCount, Like, Comment, Share,
        Follow, ProductImpression, ProductClick, Order, HostAction,
    ],
    Field(discriminator="type"),
]
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
    fields = {name: getattr(model, name) for name in Event.__slots__ if name in type(model).model_fields}
    return Event(**fields)


# ---------------------------------------------------------------- the fast path

# Each builder returns an Event, or None to hand the object to the models.
# They check exactly what the models check, for the fields their type has.


def _user_only(obj: dict, event: Event) -> Event | None:
    return event if event.user is not None else None


def _comment(obj: dict, event: Event) -> Event | None:
    text = obj.get("text", "")
    if event.user is None or type(text) is not str:
        return None
    event.text = text
    return event


def _counted(minimum: int, required: bool = False):
    def build(obj: dict, event: Event) -> Event | None:
        count = obj.get("count") if required else obj.get("count", 1)
        if type(count) is not int or count < minimum:
            return None
        event.count = count
        return event
    return build


def _no_fields(obj: dict, event: Event) -> Event | None:
    return event


def _product_impression(obj: dict, event: Event) -> Event | None:
    product = obj.get("product")
    count = obj.get("count", 1)
    if type(product) is not str or type(count) is not int or count < 1:
        return None
    event.product = product
    event.count = count
    return event


def _product_click(obj: dict, event: Event) -> Event | None:
    product = obj.get("product")
    if type(product) is not str:
        return None
    event.product = product
    return event


def _order(obj: dict, event: Event) -> Event | None:
    product = obj.get("product")
    quantity = obj.get("quantity", 1)
    order_id = obj.get("order_id")
    amount = obj.get("amount")
    if amount is None:
        if "amount" in obj:
            return None
        amount = 0.0
    elif not ((type(amount) is float or type(amount) is int) and 0 < amount < math.inf):
        return None
    if type(product) is not str or type(quantity) is not int or quantity < 1:
        return None
    if not (order_id is None or type(order_id) is str):
        return None
    event.product = product
    event.quantity = quantity
    event.amount = float(amount)
    event.order_id = order_id
    return event


def _host_action(obj: dict, event: Event) -> Event | None:
    action = obj.get("action", "")
    note = obj.get("note", "")
    if type(action) is not str or type(note) is not str:
        return None
    event.action = action
    event.note = note
    return event


_BUILDERS = {
    "live_impression": _counted(1),
    "viewer_join": _user_only,
    "viewer_leave": _user_only,
    "viewer_count": _counted(0, required=True),
    "like": _counted(1),
    "comment": _comment,
    "share": _no_fields,
    "follow": _no_fields,
    "product_impression": _product_impression,
    "product_click": _product_click,
    "order": _order,
    "host_action": _host_action,
}
assert set(_BUILDERS) == set(EVENT_TYPES)


def validate(obj: Any) -> Event | Rejection:
    """Check one decoded event; anything unusual is handed to the models."""
    if type(obj) is not dict:
        return validate_model(obj)
    kind = obj.get("type")
    build = _BUILDERS.get(kind) if type(kind) is str else None
    if build is None:
        return validate_model(obj)
    ts = obj.get("ts")
    if type(ts) is not int:
        if type(ts) is not float and type(ts) is not str:
            return validate_model(obj)
        try:
            ts = parse_ts(ts)
        except BadTimestamp:
            return validate_model(obj)
    room = obj.get("room", "default")
    user = obj.get("user")
    ident = obj.get("id")
    if type(room) is not str or not (user is None or type(user) is str) or not (ident is None or type(ident) is str):
        return validate_model(obj)
    event = build(obj, Event(kind, ts, room, user, ident))
    return event if event is not None else validate_model(obj)


def _json_kind(obj: Any) -> str:
    if obj is None:
        return "null"
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(type(obj), type(obj).__name__)


def parse_message(raw: str | bytes) -> list[Event | Rejection]:
    """One websocket message or file line: one event or a JSON array batch."""
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
