"""The event contract: both parsing paths, every reason code, both ts forms."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from monitor.events import EVENT_TYPES, MODELS, Event, Rejection, parse_lines, parse_message, parse_ts, validate, validate_model


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
        (b'{"type": "dance", "ts": 1}', "unknown_type"),
        (b'{"ts": 1, "user": "a"}', "missing_field"),
        (b'{"type": "viewer_join", "ts": 1}', "missing_field"),
        (b'{"type": "viewer_join", "user": "a"}', "missing_field"),
        (b'{"type": "order", "ts": 1, "user": "a"}', "missing_field"),
        (b'{"type": "viewer_count", "ts": 1}', "missing_field"),
        (b'{"type": "like", "ts": 1, "count": -3}', "bad_value"),
        (b'{"type": "like", "ts": 1, "count": 0}', "bad_value"),
        (b'{"type": "like", "ts": 1, "count": "7"}', "bad_value"),
        (b'{"type": "like", "ts": 1, "count": true}', "bad_value"),
        (b'{"type": "order", "ts": 1, "product": "p", "amount": -1}', "bad_value"),
        (b'{"type": "order", "ts": 1, "product": "p", "amount": 0}', "bad_value"),
        (b'{"type": "order", "ts": 1, "product": "p", "quantity": 1.5}', "bad_value"),
        (b'{"type": "viewer_join", "ts": 1, "user": 81}', "bad_value"),
        (b'{"type": "viewer_join", "ts": 1, "user": "a", "room": ["x"]}', "bad_value"),
        (b'{"type": "comment", "ts": 1, "user": "a", "text": {"b": 1}}', "bad_value"),
        (b'{"type": "viewer_count", "ts": 1, "count": -1}', "bad_value"),
        (b'{"type": "like", "ts": "yesterday"}', "bad_ts"),
        (b'{"type": "like", "ts": "2026-11-22T09:00:00"}', "bad_ts"),
        (b'{"type": "like", "ts": true}', "bad_ts"),
        (b'{"type": "like", "ts": null}', "bad_ts"),
    ],
)
def test_each_bad_input_is_rejected_with_its_reason(raw, reason):
    assert reasons(raw) == [reason]


def test_a_batch_is_judged_one_event_at_a_time():
    raw = orjson.dumps([
        {"type": "viewer_join", "ts": 1, "user": "a"},
        7,
        {"type": "like", "ts": 2, "count": -1},
        {"type": "like", "ts": 3},
    ])
    assert reasons(raw) == ["ok", "not_an_object", "bad_value", "ok"]


def test_both_ts_forms_give_epoch_milliseconds():
    assert parse_ts(1763802000000) == 1763802000000
    assert parse_ts("2026-11-22T09:00:01.250+07:00") == parse_ts("2026-11-22T02:00:01.250Z")
    assert parse_ts("2026-11-22T02:00:01.250Z") == 1795312801250
    assert parse_ts(1000.5) == 1000.5


def test_defaults_and_unknown_fields():
    event = validate({"type": "like", "ts": 5, "colour": "blue"})
    assert isinstance(event, Event)
    assert (event.room, event.count, event.user) == ("default", 1, None)
    order = validate({"type": "order", "ts": 5, "product": "p", "amount": 10})
    assert (order.quantity, order.amount) == (1, 10.0)


# A generator of near-miss events: right types, wrong types, missing and extra fields.
values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.integers(10**12, 2 * 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4),
    st.sampled_from(["2026-11-22T09:00:01+07:00", "2026-11-22T09:00:01", "u-1", ""]),
    st.lists(st.integers(), max_size=2),
)
field_names = st.sampled_from(
    ["ts", "room", "user", "id", "count", "product", "text", "quantity", "amount", "order_id", "action", "note", "extra"]
)
candidates = st.builds(
    lambda kind, fields: {"type": kind, **fields} if kind is not None else fields,
    st.one_of(st.none(), st.sampled_from(EVENT_TYPES), st.sampled_from(["nope", 3, [1], {"a": 1}])),
    st.dictionaries(field_names, values, max_size=7),
)


@settings(max_examples=3000, deadline=None)
@given(candidates)
def test_fast_path_agrees_with_the_models(obj):
    reference = validate_model(obj)
    try:
        wire = orjson.dumps(obj)
    except (TypeError, orjson.JSONEncodeError):
        wire = None  # NaN and friends have no JSON form: only decoded rows (Parquet) carry them
    for fast in [validate(obj)] + (parse_message(wire) if wire is not None else []):
        if isinstance(reference, Rejection):
            assert isinstance(fast, Rejection) and fast.reason == reference.reason
        else:
            assert meaning(fast) == meaning(reference) and type(fast.ts) is type(reference.ts)


def meaning(event: Event) -> dict:
    """The fields the event's type has (others are ignored by the contract and the engine)."""
    model = {m.model_fields["type"].annotation.__args__[0]: m for m in MODELS}[event.type]
    return {name: value for name, value in event.as_dict().items() if name in model.model_fields}


line_pool = st.sampled_from([
    b'{"type": "like", "ts": 5, "user": "a"}',
    b'{"type": "like", "ts": 5},{"type": "like", "ts": 6}',
    b'[{"type": "like", "ts": 5}]',
    b'{"type": "viewer_join", "ts": 5}',
    b'{"type": "order", "ts": 5, "product": "p", "amount": 9.5, "order_id": "o"}',
    b'{"type": "comment", "ts": "2026-11-22T09:00:01+07:00", "user": "u", "text": "[b]x[/b]"}',
    b'not json',
    b'7',
    b'{"type": "like", "ts": 5',
    b'{"type": "like", "ts": 5.0, "count": 2}',
    '{"type": "share", "ts": 8}',
])


@settings(max_examples=400, deadline=None)
@given(st.lists(line_pool, min_size=1, max_size=8))
def test_many_lines_at_once_read_as_each_line_alone(lines):
    together = parse_lines(lines)
    alone = [item for line in lines for item in parse_message(line)]
    assert len(together) == len(alone)
    for a, b in zip(together, alone):
        if isinstance(b, Rejection):
            assert isinstance(a, Rejection) and a.reason == b.reason
        else:
            assert a == b


def test_a_list_of_raw_inputs_parses_as_each_input_in_turn():
    """What a feed made of one platform message (feeds/frames.py): none, one or several inputs."""
    from monitor.events import parse_input

    refused = Rejection("bad_value", "a frame that does not parse", None)
    row = {"type": "like", "ts": 5, "count": 2}
    line = b'{"type": "share", "ts": 8}'
    assert parse_input([]) == []
    assert parse_input([row, refused, line, [row]]) == [*parse_input(row), refused, *parse_input(line), *parse_input(row)]
    assert parse_lines([line, [row, row]]) == [*parse_input(line), *parse_input(row), *parse_input(row)]
    assert [item.reason for item in parse_input([{"type": "comment", "ts": 1}])] == ["missing_field"]
