"""The event contract (docs/events.md, v1): models, parsing, rejection.

Two paths give the same answer. The fast path decodes JSON straight into an
`Event` struct with msgspec (typed, in C) and adds the per-type checks a flat
struct cannot express; whatever it does not take goes through the pydantic
models, which are the contract's reference and name the reason. A property
test keeps the two in step.

Limits the contract's types do not say (docs/bad-input.md): an event nests at
most `MAX_DEPTH` levels (deeper is `invalid_json`), `count` and `quantity` are
at most `MAX_COUNT`, `amount` at most `MAX_ORDER_AMOUNT`, and `ts` lies in
[`MIN_TS_MS`, `MAX_TS_MS`] (else `bad_ts`). They keep every later sum finite
and every value writable as JSON, on both paths alike.
"""

from __future__ import annotations

from datetime import datetime, timezone
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Literal, Union, cast, get_args, overload

import msgspec
import orjson
from msgspec import Meta
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from .completion import NO_COUNT, complete, complete_all
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

#: Deepest nesting an event may have (the event object is level 1). Deeper input
#: is `invalid_json`: it is no event, and deep values break the JSON writers
#: (orjson writes at most 255 levels) and Python's recursion limit.
MAX_DEPTH = 64
#: Highest `count` (likes, impressions, viewers) and `quantity` of one event.
MAX_COUNT = 10**9
#: Highest `amount` of one order, in the room's currency: 100 billion rupiah is
#: far above any single order, and a window of such orders still sums exactly.
MAX_ORDER_AMOUNT = 10**11
#: Event times before 2000-01-01 or after 2100-01-01 (UTC) are `bad_ts`.
MIN_TS_MS = 946_684_800_000.0
MAX_TS_MS = 4_102_444_800_000.0


EventType = Literal[
    "live_impression", "viewer_join", "viewer_leave", "viewer_count", "like", "comment", "share", "follow",
    "product_impression", "product_click", "order", "host_action",
]


class Event(msgspec.Struct, kw_only=True, gc=False, omit_defaults=True):
    """One accepted event (ts a float, epoch ms); fields a type does not have keep their defaults.

    The field types are the contract's for every type, and the decoder judges
    them in C, the type's name and the range of `ts` included; what differs by
    type (required fields, `count` >= 1) is checked by `completion.complete`. A `ts`
    written as RFC 3339 text is made milliseconds before the struct is built.
    """

    type: EventType
    ts: Annotated[float, Meta(ge=MIN_TS_MS, le=MAX_TS_MS)]
    room: str = "default"
    user: str | None = None
    id: str | None = None
    count: Annotated[int, Meta(ge=0, le=MAX_COUNT)] = NO_COUNT
    product: str | None = None
    text: str = ""
    quantity: Annotated[int, Meta(ge=1, le=MAX_COUNT)] = 1
    amount: Annotated[float, Meta(gt=0, le=MAX_ORDER_AMOUNT)] = 0.0
    order_id: str | None = None
    action: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return msgspec.structs.asdict(self)


#: The contract's type names.
EVENT_TYPES: tuple[str, ...] = get_args(EventType)


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
    """Epoch milliseconds (a float) from a number or an RFC 3339 string with an offset.

    The one place a `ts` becomes milliseconds; the range check keeps a far-off
    clock (or a number too big for a float) out of the windows.
    """
    if isinstance(value, bool):
        raise BadTimestamp("ts must be a number or a string, not a boolean")
    if isinstance(value, (int, float)):
        ms = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise BadTimestamp(f"ts {value[:40]!r} is not RFC 3339") from None
        if moment.tzinfo is None:
            raise BadTimestamp(f"ts {value[:40]!r} has no UTC offset")
        ms = round((moment - _EPOCH).total_seconds() * 1000, 3)
    else:
        raise BadTimestamp(f"ts must be a number or a string, got {type(value).__name__}")
    if not MIN_TS_MS <= ms <= MAX_TS_MS:  # also false for NaN
        raise BadTimestamp("ts must be a time between 2000-01-01 and 2100-01-01")
    return float(ms)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# ---------------------------------------------------------------- the models

PositiveCount = Annotated[int, Field(ge=1, le=MAX_COUNT, strict=True)]


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
    count: Annotated[int, Field(ge=0, le=MAX_COUNT, strict=True)]


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
    amount: Annotated[float, Field(gt=0, le=MAX_ORDER_AMOUNT, allow_inf_nan=False)] = 0.0
    order_id: str | None = None


class HostAction(_Base):
    type: Literal["host_action"]
    action: str = ""
    note: str = ""
    product: str | None = None  # pin_product: the product pinned


MODELS = (
    LiveImpression, ViewerJoin, ViewerLeave, ViewerCount, Like, Comment, Share,
    Follow, ProductImpression, ProductClick, Order, HostAction,
)
EventModel = Annotated[
    Union[LiveImpression, ViewerJoin, ViewerLeave, ViewerCount, Like, Comment, Share, Follow, ProductImpression,
          ProductClick, Order, HostAction],
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
    if _too_deep(obj):
        return _too_deep_rejection(obj)
    try:
        model = _adapter.validate_python(obj)
    except ValidationError as error:
        reason, detail = _reason_of(error)
        return Rejection(reason, detail, obj)
    fields = {name: getattr(model, name) for name in Event.__struct_fields__ if name in type(model).model_fields}
    if "count" not in fields:
        fields["count"] = 1
    return Event(**fields)


def _too_deep(obj: dict[Any, Any]) -> bool:
    """Whether a decoded object nests deeper than MAX_DEPTH, found without recursion."""
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        for child in value.values() if type(value) is dict else value:
            kind = type(child)
            if kind is dict or kind is list or kind is tuple:
                if depth == MAX_DEPTH:
                    return True
                stack.append((child, depth + 1))
    return False


def _too_deep_rejection(raw: Any) -> Rejection:
    return Rejection("invalid_json", f"nested deeper than {MAX_DEPTH} levels", raw)


# ---------------------------------------------------------------- the fast path

class _ForTheModels(Exception):
    """A decoded struct that breaks what a flat struct cannot say: the models judge it and name the reason."""


def _complete(event: Event) -> Event:
    """Finish one decoded struct (monitor/completion.py), or send it to the models."""
    if not complete(event):
        raise _ForTheModels
    return event


_decode_any = msgspec.json.Decoder(Union[Event, list[Event]]).decode
_convert = msgspec.convert


def validate(obj: Any) -> Event | Rejection:
    """Judge one decoded object: the struct when it fits, else the models."""
    if type(obj) is dict and not _too_deep(obj):
        fields = obj
        ts = obj.get("ts")
        if type(ts) is str:  # RFC 3339: the struct holds milliseconds
            try:
                fields = {**obj, "ts": parse_ts(ts)}
            except BadTimestamp:
                return validate_model(obj)
        try:
            return _complete(_convert(fields, Event))
        except (msgspec.ValidationError, _ForTheModels):
            return validate_model(obj)
    return validate_model(obj)


def _json_kind(obj: Any) -> str:
    if obj is None:
        return "null"
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(type(obj), type(obj).__name__)


#: The C decoder counts nesting against Python's recursion limit (1000), so it
#: only gets text with at most this many `{` and `[`: it cannot nest deeper.
_DECODER_DEPTH = 256


def _openers(raw: str | bytes) -> int:
    """An upper bound of the nesting depth: every `{` and `[`, strings included."""
    if isinstance(raw, str):
        return raw.count("{") + raw.count("[")
    # events hold no arrays: a look for one more `[` (memchr) spares most counts of them
    first = 1 if raw[:1] == b"[" else 0
    brackets = _occurrences(raw, b"[") if raw.find(b"[", first) != -1 else first
    return _occurrences(raw, b"{") + brackets


def _occurrences(data: bytes, byte: bytes) -> int:
    """How often `byte` occurs in `data`: deleting it (memchr steps) is about twice as fast as `bytes.count`."""
    return len(data) - len(data.replace(byte, b""))


class JsonLines(Sequence[bytes]):
    """A block of JSON Lines as a file gives it: the text in one piece, split into lines only when asked.

    `parse_lines` decodes the text whole (its newlines made commas); whoever needs the lines one
    by one (a seek, the careful path, a server sending a file) gets them split, blank ones
    skipped, as a list of lines would have been.
    """

    __slots__ = ("text", "_lines")

    def __init__(self, text: bytes) -> None:
        self.text = text  # whole lines, the last without its newline
        self._lines: list[bytes] | None = None

    @property
    def lines(self) -> list[bytes]:
        if self._lines is None:
            self._lines = [line for line in self.text.split(b"\n") if line and not line.isspace()]
        return self._lines

    def as_array(self) -> tuple[bytes, int]:
        """The block as one JSON array (newlines made commas) and its count of lines.

        A blank line leaves two commas together: that is no array, and the lines are split after all.
        """
        text = self.text
        return b"[" + text.replace(b"\n", b",") + b"]", _occurrences(text, b"\n") + 1

    def cut(self, size: int) -> list[JsonLines]:
        """The block in pieces of about `size` bytes, cut after whole lines (the text is not split into lines)."""
        text = self.text
        if len(text) <= size:
            return [self]
        pieces = []
        start = 0
        end = len(text)
        while start < end:
            stop = text.find(b"\n", start + size)  # the first line end past the size: a piece is never empty
            if stop < 0:
                stop = end
            pieces.append(JsonLines(text[start:stop]))
            start = stop + 1
        return pieces

    def __len__(self) -> int:
        return len(self.lines)

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        return self.lines[index]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.lines)


#: What parsing gives: an event, a rejection, or a source's progress passed on as it came.
Item = Event | Rejection | SourceProgress


def _completed(decoded: list[Event]) -> list[Item] | None:
    """Every decoded struct finished, or None when one of them must go to the models."""
    if not complete_all(decoded):
        return None
    return cast("list[Item]", decoded)  # the same list: events are items


def parse_message(raw: str | bytes) -> list[Item]:
    """One websocket message or file line: one event or a JSON array batch."""
    # nesting n levels takes 2n characters: a short message (most events) needs no count
    openers = _openers(raw) if len(raw) > 2 * MAX_DEPTH else 0
    if openers > _DECODER_DEPTH:
        return _parse_slowly(raw)
    try:
        decoded = _decode_any(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return _parse_slowly(raw)
    if isinstance(decoded, list):
        # each event holds one `{` of its own: the rest bounds how deep one may nest
        if openers - len(decoded) > MAX_DEPTH:
            return _parse_slowly(raw)
        events = _completed(decoded)
        return _parse_slowly(raw) if events is None else events
    if openers > MAX_DEPTH:
        return _parse_slowly(raw)
    try:
        return [_complete(decoded)]
    except _ForTheModels:
        return _parse_slowly(raw)


_decode_list = msgspec.json.Decoder(list[Event]).decode


def parse_lines(lines: Sequence[Any]) -> list[Item]:
    """Many JSON Lines at once: one C-level decode of the lot, else line by line.

    Joining the lines into one array gives the same events as decoding each
    line when every line is one event; the count check catches a line that
    holds more than one value, the count of `{` and `[` a line that may nest
    too deep, and any failure falls back to `parse_message`. A line nested
    beyond the recursion limit makes the C decoder raise RecursionError (its
    own guard, raised before any harm): that too falls back, and
    `parse_message` never hands such a line to it.
    """
    try:
        blob, count = lines.as_array() if type(lines) is JsonLines else (b"[" + b",".join(lines) + b"]", len(lines))
        decoded = _decode_list(blob)
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, RecursionError):
        decoded = None
    if decoded is not None and len(decoded) == count and _openers(blob) - count <= MAX_DEPTH:
        events = _completed(decoded)
        if events is not None:
            return events
    out: list[Item] = []
    for raw in lines:
        out += parse_input(raw)
    return out


def parse_input(raw: Any) -> list[Item]:
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


def _parse_slowly(raw: str | bytes) -> list[Item]:
    """The careful path, one item at a time, so one bad event costs only itself.

    orjson counts nesting itself (1024 levels, no recursion); a number too big
    for a double (`1e400`) is read again as infinity by msgspec, so each field
    judges it as the fast path does (`ts` -> bad_ts, `amount` -> bad_value, an
    unknown field is ignored). That second read, like the batch decode of
    `parse_lines`, can meet text deeper than Python's recursion limit only past
    the overflowing number; msgspec then raises RecursionError itself.
    """
    try:
        decoded = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        detail = str(error).split(":")[0][:120]
        if detail.startswith("depth limit"):
            return [_too_deep_rejection(raw)]
        if not detail.startswith("number is infinity"):
            return [Rejection("invalid_json", detail, raw)]
        try:
            decoded = _decode_overflowing(raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            return [Rejection("invalid_json", detail, raw)]
        except RecursionError:  # msgspec's own guard, raised before any harm: deeper than any event may be
            return [_too_deep_rejection(raw)]
    if isinstance(decoded, list):
        return [validate(item) for item in decoded]
    return [validate(decoded)]


_decode_overflowing = msgspec.json.Decoder(float_hook=float).decode


def parse_object(obj: Any) -> Event | Rejection:
    """An already decoded row (CSV / Parquet): empty cells count as absent."""
    if isinstance(obj, dict):
        obj = {key: value for key, value in obj.items() if value is not None}
    return validate(obj)
