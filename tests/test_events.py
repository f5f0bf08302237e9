"""The event contract: both parsing paths, every reason code, both ts forms."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from monitor.events import (
    EVENT_TYPES, MAX_COUNT, MAX_DEPTH, MAX_ORDER_AMOUNT, MAX_TS_MS, MIN_TS_MS, MODELS, Event, JsonLines, Rejection,
    parse_lines, parse_message, parse_object, parse_ts, validate, validate_model,
)

T = 1_763_802_000_000  # 2025-11-22T09:00:00Z


def reasons(raw) -> list[str]:
    return [item.reason if isinstance(item, Rejection) else "ok" for item in parse_message(raw)]


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"not json", "invalid_json"),
        (b'{"type": "like", "ts": 1', "invalid_json"),
        (b"[" * 5000 + b"]" * 5000, "invalid_json"),  # nested deeper than any parser allows
        (b"42", "not_an_object"),
        (b'"viewer_join"', "not_an_object"),
        (b'{"type": "dance", "ts": 1763802000000}', "unknown_type"),
        (b'{"ts": 1763802000000, "user": "a"}', "missing_field"),
        (b'{"type": "viewer_join", "ts": 1763802000000}', "missing_field"),
        (b'{"type": "viewer_join", "user": "a"}', "missing_field"),
        (b'{"type": "order", "ts": 1763802000000, "user": "a"}', "missing_field"),
        (b'{"type": "viewer_count", "ts": 1763802000000}', "missing_field"),
        (b'{"type": "like", "ts": 1763802000000, "count": -3}', "bad_value"),
        (b'{"type": "like", "ts": 1763802000000, "count": 0}', "bad_value"),
        (b'{"type": "like", "ts": 1763802000000, "count": "7"}', "bad_value"),
        (b'{"type": "like", "ts": 1763802000000, "count": true}', "bad_value"),
        (b'{"type": "order", "ts": 1763802000000, "product": "p", "amount": -1}', "bad_value"),
        (b'{"type": "order", "ts": 1763802000000, "product": "p", "amount": 0}', "bad_value"),
        (b'{"type": "order", "ts": 1763802000000, "product": "p", "quantity": 1.5}', "bad_value"),
        (b'{"type": "viewer_join", "ts": 1763802000000, "user": 81}', "bad_value"),
        (b'{"type": "viewer_join", "ts": 1763802000000, "user": "a", "room": ["x"]}', "bad_value"),
        (b'{"type": "comment", "ts": 1763802000000, "user": "a", "text": {"b": 1}}', "bad_value"),
        (b'{"type": "viewer_count", "ts": 1763802000000, "count": -1}', "bad_value"),
        (b'{"type": "like", "ts": "yesterday"}', "bad_ts"),
        (b'{"type": "like", "ts": "2026-11-22T09:00:00"}', "bad_ts"),
        (b'{"type": "like", "ts": true}', "bad_ts"),
        (b'{"type": "like", "ts": null}', "bad_ts"),
        # limits the contract's types do not say (docs/bad-input.md)
        (b'{"type": "like", "ts": 1763802000000, "count": 1000000001}', "bad_value"),
        (b'{"type": "like", "ts": 1763802000000, "count": 18446744073709551616}', "bad_value"),  # 2**64
        (b'{"type": "like", "ts": 1763802000000, "count": -9223372036854775809}', "bad_value"),
        (b'{"type": "like", "ts": 1763802000000, "count": 1' + b"0" * 400 + b'}', "bad_value"),
        (b'{"type": "like", "ts": 1763802000000, "count": 1e400}', "bad_value"),
        (b'{"type": "viewer_count", "ts": 1763802000000, "count": 1000000001}', "bad_value"),
        (b'{"type": "order", "ts": 1763802000000, "product": "p", "quantity": 1000000001}', "bad_value"),
        (b'{"type": "order", "ts": 1763802000000, "product": "p", "amount": 100000000001}', "bad_value"),
        (b'{"type": "order", "ts": 1763802000000, "product": "p", "amount": 1e400}', "bad_value"),
        (b'{"type": "order", "ts": 1763802000000, "product": "p", "amount": 1' + b"0" * 400 + b'}', "bad_value"),
        (b'{"type": "like", "ts": 1e400}', "bad_ts"),
        (b'{"type": "like", "ts": -1e400}', "bad_ts"),
        (b'{"type": "like", "ts": 18446744073709551616}', "bad_ts"),
        (b'{"type": "like", "ts": 1' + b"0" * 400 + b'}', "bad_ts"),
        (b'{"type": "like", "ts": 1}', "bad_ts"),  # 1970
        (b'{"type": "like", "ts": 946684799999}', "bad_ts"),  # a millisecond before 2000
        (b'{"type": "like", "ts": 4102444800001}', "bad_ts"),  # just after 2100
        (b'{"type": "like", "ts": "1999-12-31T23:59:59Z"}', "bad_ts"),
        (b'{"type": "like", "ts": "2100-01-01T00:00:01+00:00"}', "bad_ts"),
        (b'{"type": "like", "ts": NaN}', "invalid_json"),  # JSON has no NaN
        (b'{"type": "like", "ts": 1763802000000, "x": ' + b"[" * 65 + b"]" * 65 + b"}", "invalid_json"),
        (b'{"type": "like", "ts": 1763802000000, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}", "invalid_json"),
        (b'{"type": "like", "ts": 1763802000000, "x": ' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"}", "invalid_json"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "invalid_json"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
    ],
)
def test_each_bad_input_is_rejected_with_its_reason(raw, reason):
    assert reasons(raw) == [reason]


def test_a_batch_is_judged_one_event_at_a_time():
    raw = orjson.dumps([
        {"type": "viewer_join", "ts": T, "user": "a"},
        7,
        {"type": "like", "ts": T + 2, "count": -1},
        {"type": "like", "ts": T + 3},
    ])
    assert reasons(raw) == ["ok", "not_an_object", "bad_value", "ok"]


def test_both_ts_forms_give_epoch_milliseconds_as_a_float():
    assert parse_ts(1763802000000) == 1763802000000 and type(parse_ts(1763802000000)) is float
    assert parse_ts("2026-11-22T09:00:01.250+07:00") == parse_ts("2026-11-22T02:00:01.250Z")
    assert parse_ts("2026-11-22T02:00:01.250Z") == 1795312801250
    assert parse_ts(T + 0.5) == T + 0.5
    assert parse_ts(MIN_TS_MS) == MIN_TS_MS and parse_ts(int(MAX_TS_MS)) == MAX_TS_MS


@pytest.mark.parametrize("raw", [
    b'{"type": "like", "ts": 1763802000000}',
    b'{"type": "like", "ts": 1763802000000.0}',
    b'{"type": "like", "ts": "2025-11-22T09:00:00Z"}',
    b'[{"type": "like", "ts": 1763802000000}, {"type": "like", "ts": "2025-11-22T09:00:00+00:00"}]',
    b'[{"type": "like", "ts": 1763802000000}, {"type": "like", "ts": -1}]',  # the careful path
])
def test_an_accepted_event_has_a_float_ts_on_every_path(raw):
    events = [item for item in parse_message(raw) if isinstance(item, Event)]
    lines = [item for item in parse_lines([raw]) if isinstance(item, Event)]
    decoded = orjson.loads(raw)
    objects = [parse_object(obj) for obj in (decoded if isinstance(decoded, list) else [decoded])]
    models = [validate_model(obj) for obj in (decoded if isinstance(decoded, list) else [decoded])]
    found = events + lines + [item for item in objects + models if isinstance(item, Event)]
    assert found and all(type(event.ts) is float and event.ts == T for event in found)


def nested(depth: int, leaf=1):
    """A value `depth` levels deep, built without recursion."""
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


def nested_text(depth: int) -> bytes:
    """The JSON text of `nested(depth)`, written without recursion."""
    opens = [b"[" if level % 2 else b'{"a":' for level in range(depth)]
    closes = [b"]" if level % 2 else b"}" for level in range(depth)]
    return b"".join(reversed(opens)) + b"1" + b"".join(closes)


@pytest.mark.parametrize("depth, reason", [(MAX_DEPTH - 1, "ok"), (MAX_DEPTH, "invalid_json"), (5000, "invalid_json")])
def test_nesting_is_judged_alike_on_every_path(depth, reason):
    """The event is level 1, so an extra field `depth` deep makes the event `depth + 1` deep."""
    obj = {"type": "like", "ts": T, "extra": nested(depth)}
    wire = b'{"type": "like", "ts": %d, "extra": ' % T + nested_text(depth) + b"}"
    assert depth > 1000 or orjson.loads(wire) == obj  # the text is the object
    verdicts = [validate(obj), validate_model(obj), parse_object(obj), *parse_message(wire), *parse_lines([wire])]
    verdicts += parse_lines([wire, b'{"type": "like", "ts": %d}' % T])[:1]
    verdicts += parse_message(b"[" + wire + b"]")
    assert [item.reason if isinstance(item, Rejection) else "ok" for item in verdicts] == [reason] * 7


def test_a_deep_line_costs_only_itself_in_a_batch_of_lines():
    good = b'{"type": "like", "ts": %d}' % T
    deep = b'{"type": "like", "ts": %d, "x": ' % T + b"[" * 100_000 + b"]" * 100_000 + b"}"
    out = parse_lines([good, deep, good, b"{" * 100_000])
    assert [item.reason if isinstance(item, Rejection) else "ok" for item in out] == ["ok", "invalid_json", "ok", "invalid_json"]


def test_numbers_a_double_cannot_hold_are_judged_per_field():
    """`1e400` reads as infinity: a bad ts or amount, and nothing at all in a field the contract does not know."""
    for raw in (b'{"type": "like", "ts": %d, "x": 1e400}' % T, b'{"type": "like", "ts": %d, "x": -1' % T + b"0" * 400 + b"}"):
        assert reasons(raw) == ["ok"]
        # the same line beside a bad event in one batch takes the careful path: the same answer
        assert reasons(b"[" + raw + b', {"type": "like", "ts": -5}]') == ["ok", "bad_ts"]
    many = b"[" + b",".join([b'{"type": "like", "ts": %d, "x": 1e400}' % T] * 300) + b"]"
    assert reasons(many) == ["ok"] * 300  # a big batch too (it skips the C decoder's first read)
    deep_after = b'{"type": "like", "ts": %d, "x": 1e400, "y": ' % T + b"[" * 5000 + b"]" * 5000 + b"}"
    assert reasons(deep_after) == ["invalid_json"]
    assert [validate({"type": "order", "ts": T, "product": "p", "amount": value}).reason
            for value in (float("inf"), float("nan"), 2**70, 10**400)] == ["bad_value"] * 4
    assert [validate({"type": "like", "ts": value}).reason
            for value in (float("inf"), float("-inf"), float("nan"), 2**70, 10**400)] == ["bad_ts"] * 5


def test_bounds_are_inclusive():
    assert isinstance(validate({"type": "like", "ts": T, "count": MAX_COUNT}), Event)
    assert isinstance(validate({"type": "order", "ts": T, "product": "p", "quantity": MAX_COUNT,
                                "amount": MAX_ORDER_AMOUNT}), Event)
    assert validate({"type": "like", "ts": T, "count": MAX_COUNT + 1}).reason == "bad_value"
    assert validate({"type": "order", "ts": T, "product": "p", "amount": MAX_ORDER_AMOUNT * 1.000001}).reason == "bad_value"
    assert validate({"type": "like", "ts": MAX_TS_MS + 1}).reason == "bad_ts"


def test_defaults_and_unknown_fields():
    event = validate({"type": "like", "ts": T, "colour": "blue"})
    assert isinstance(event, Event)
    assert (event.room, event.count, event.user) == ("default", 1, None)
    order = validate({"type": "order", "ts": T, "product": "p", "amount": 10})
    assert (order.quantity, order.amount) == (1, 10.0)


# A generator of near-miss events: right types, wrong types, missing and extra fields,
# and values at the limits: 64-bit edges and beyond, infinities, the bounds of
# count, amount and ts, and nesting around MAX_DEPTH.
values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.integers(10**12, 2 * 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4),
    st.sampled_from(["2026-11-22T09:00:01+07:00", "2026-11-22T09:00:01", "u-1", "", "1999-12-31T23:59:59Z"]),
    st.lists(st.integers(), max_size=2),
    st.sampled_from([
        2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63) - 1, 10**30, MAX_COUNT, MAX_COUNT + 1,
        MAX_ORDER_AMOUNT, MAX_ORDER_AMOUNT + 1, MAX_ORDER_AMOUNT + 0.5, 1e300,
        int(MIN_TS_MS), int(MIN_TS_MS) - 1, int(MAX_TS_MS), int(MAX_TS_MS) + 1, MAX_TS_MS + 0.5,
    ]),
    st.builds(nested, st.integers(MAX_DEPTH - 3, MAX_DEPTH + 2)),
)
field_names = st.sampled_from(
    ["ts", "room", "user", "id", "count", "product", "text", "quantity", "amount", "order_id", "action", "note", "extra"]
)
candidates = st.builds(
    lambda kind, fields: {"type": kind, **fields} if kind is not None else fields,
    st.one_of(st.none(), st.sampled_from(EVENT_TYPES), st.sampled_from(["nope", 3, [1], {"a": 1}])),
    st.dictionaries(field_names, values, max_size=7),
)


def wire_of(obj) -> bytes | None:
    """The JSON text of an object, with infinity as `1e400` (what a producer's overflowing number reads as).

    None when it has no JSON form: NaN, and nesting orjson will not write
    (only decoded rows, such as Parquet, carry them).
    """
    try:
        text = json.dumps(obj, allow_nan=True)
    except (ValueError, RecursionError):
        return None
    if "NaN" in text:
        return None
    return text.replace("-Infinity", "-1e400").replace("Infinity", "1e400").encode()


@settings(max_examples=3000, deadline=None)
@given(candidates)
def test_fast_path_agrees_with_the_models(obj):
    reference = validate_model(obj)
    wire = wire_of(obj)
    paths = [validate(obj)]
    if not isinstance(obj, dict) or None not in obj.values():  # a row's empty cell is an absent field
        paths.append(parse_object(obj))
    if wire is not None:
        paths += parse_message(wire) + parse_lines([wire]) + parse_message(b"[" + wire + b"]")
    for fast in paths:
        if isinstance(reference, Rejection):
            assert isinstance(fast, Rejection) and fast.reason == reference.reason, (fast, reference)
        else:
            assert isinstance(fast, Event), (fast, reference)
            assert meaning(fast) == meaning(reference) and type(fast.ts) is float


def meaning(event: Event) -> dict:
    """The fields the event's type has (others are ignored by the contract and the engine)."""
    model = {m.model_fields["type"].annotation.__args__[0]: m for m in MODELS}[event.type]
    return {name: value for name, value in event.as_dict().items() if name in model.model_fields}


line_pool = st.sampled_from([
    b'{"type": "like", "ts": 1763802000005, "user": "a"}',
    b'{"type": "like", "ts": 1763802000005},{"type": "like", "ts": 1763802000006}',
    b'[{"type": "like", "ts": 1763802000005}]',
    b'{"type": "viewer_join", "ts": 1763802000005}',
    b'{"type": "order", "ts": 1763802000005, "product": "p", "amount": 9.5, "order_id": "o"}',
    b'{"type": "comment", "ts": "2026-11-22T09:00:01+07:00", "user": "u", "text": "[b]x[/b]"}',
    b'not json',
    b'7',
    b'{"type": "like", "ts": 1763802000005',
    b'{"type": "like", "ts": 1763802000005.0, "count": 2}',
    '{"type": "share", "ts": 1763802000008}',
    b'{"type": "like", "ts": 5}',
    b'{"type": "like", "ts": 1763802000005, "x": ' + b"[" * 70 + b"]" * 70 + b"}",
    b'{"type": "comment", "ts": 1763802000005, "user": "u", "text": "' + b"[" * 70 + b'"}',
    b'{"type": "like", "ts": 1763802000005, "x": 1e400}',
    b'{"type": "like", "ts": 1763802000005, "count": 18446744073709551616}',
])


@settings(max_examples=400, deadline=None)
@given(st.lists(line_pool, min_size=1, max_size=8))
def test_many_lines_at_once_read_as_each_line_alone(lines):
    assert_same_verdicts(parse_lines(lines), [item for line in lines for item in parse_message(line)])


def assert_same_verdicts(together: list, alone: list) -> None:
    """The same events, and rejections with the same reasons, in the same order."""
    assert len(together) == len(alone)
    for a, b in zip(together, alone):
        if isinstance(b, Rejection):
            assert isinstance(a, Rejection) and a.reason == b.reason
        else:
            assert a == b


#: What may sit between the lines of a file: nothing, blank or whitespace-only lines, a carriage return.
_between = st.sampled_from([b"\n", b"\n", b"\n", b"\r\n", b"\n\n", b"\n  \n", b"\n\t\r\n", b"\n \x0b\x0c\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(line_pool.filter(lambda line: isinstance(line, bytes)), _between), min_size=1, max_size=8),
       st.sampled_from([b"", b"\n", b" \n"]))
def test_a_block_of_a_file_reads_as_its_lines_each_alone(lines, lead):
    """A file's block (`JsonLines`: its text whole, newlines made commas for one decode) reads as its
    non-blank lines parsed one by one, whatever whitespace lines and line ends sit between them."""
    text = lead + b"".join(line + between for line, between in lines)[:-1]
    block = JsonLines(text)
    alone = [item for line in text.split(b"\n") if line and not line.isspace() for item in parse_message(line)]
    assert_same_verdicts(parse_lines(block), alone)
    assert list(block) == [line for line in text.split(b"\n") if line and not line.isspace()]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(line_pool.filter(lambda line: isinstance(line, bytes)), _between), min_size=1, max_size=12),
       st.integers(min_value=1, max_value=400))
def test_a_block_cut_into_steps_reads_as_the_block_whole(lines, size):
    """The pipeline takes a file's block in steps of about STEP_BYTES (`steps`, `JsonLines.cut`): cut after
    whole lines, never inside one, the pieces read as the block did, whatever the step's size."""
    from monitor.pipeline import steps

    text = b"".join(line + between for line, between in lines)[:-1]
    block = JsonLines(text)
    pieces = steps(block, size)
    assert all(type(piece) is JsonLines for piece in pieces)
    whole = b"\n".join(piece.text for piece in pieces)
    assert text.startswith(whole) and not text[len(whole):].strip()  # at most blank lines left at the end
    assert all(len(piece.text) < size + max(map(len, text.split(b"\n"))) + 1 for piece in pieces)
    assert_same_verdicts([item for piece in pieces for item in parse_lines(piece)], parse_lines(block))
    if len(text) <= size:
        assert pieces == [block]


def test_a_list_of_raw_inputs_parses_as_each_input_in_turn():
    """What a feed made of one platform message (feeds/frames.py): none, one or several inputs."""
    from monitor.events import parse_input

    refused = Rejection("bad_value", "a frame that does not parse", None)
    row = {"type": "like", "ts": 1_763_802_000_005, "count": 2}
    line = b'{"type": "share", "ts": 1763802000008}'
    assert parse_input([]) == []
    assert parse_input([row, refused, line, [row]]) == [*parse_input(row), refused, *parse_input(line), *parse_input(row)]
    assert parse_lines([line, [row, row]]) == [*parse_input(line), *parse_input(row), *parse_input(row)]
    assert [item.reason for item in parse_input([{"type": "comment", "ts": 1_763_802_000_001}])] == ["missing_field"]
