"""Alert rules: the state machine, sample sizes, baselines, messages."""

from __future__ import annotations

import random
import statistics

from monitor.config import AlertRule, RuleMessage
from monitor import catalog
from monitor.metrics import Snapshot
from monitor.alert_text import AlertWords
from monitor.rules import Baseline, RoomAlerts

T0 = 1_700_000_000_000


def rule(**overrides) -> AlertRule:
    fields = dict(
        name="ctr_low", metric="ctr", kind="below", threshold=0.05, min_sample=100,
        for_s=3, clear_s=2, cooldown_s=5, severity="critical",
        message=RuleMessage(id="CTR {value} di bawah {threshold}", en="CTR {value} under {threshold}"),
    )
    fields.update(overrides)
    return AlertRule(**fields)


def snapshot(second: int, last: int | None = None, **values) -> Snapshot:
    """A snapshot whose counters give these metric values (a rate's numerator from its value and denominator)."""
    window = [0] * len(catalog.COUNTERS)
    rates = {name: value for name, value in values.items() if catalog.metric(name).kind == "rate"}
    for name, value in values.items():
        if name not in rates:
            window[catalog.SLOT[name]] = value
    for name, value in rates.items():
        metric = catalog.metric(name)
        if value is not None:
            window[catalog.SLOT[metric.numerator]] = value * window[catalog.SLOT[metric.denominator]]
    t = T0 + second * 1000
    return Snapshot("r", t, 60, T0, T0 + last * 1000 if last is not None else t, False, 0, 0, 0, 0, window, window[:], {}, ())


def run(rules, series, lang="id"):
    """series: list of dicts of metric values, one per second; returns [(second, state, alert)].

    The alerts come back with their words (`.message`) in `lang`, as a writer puts them.
    """
    alerts = RoomAlerts("r", rules, window_ticks=60, tick_s=1)
    words = AlertWords(rules, lang)
    out = []
    for second, values in enumerate(series):
        for alert in alerts.evaluate(snapshot(second, **values)):
            out.append((second, alert.state, Worded(alert, words.message(alert))))
    return out


class Worded:
    """An alert and its message (the engine's alerts are data only)."""

    def __init__(self, alert, message: str) -> None:
        self._alert = alert
        self.message = message

    def __getattr__(self, name):
        return getattr(self._alert, name)


def ctr(value, shown=1000):
    return {"ctr": value, "product_impressions": shown}


def test_for_s_then_fire_then_clear_s_then_resolve():
    series = [ctr(0.1)] * 2 + [ctr(0.01)] * 6 + [ctr(0.1)] * 4
    events = run([rule()], series)
    assert [(s, state) for s, state, _ in events] == [(5, "firing"), (10, "resolved")]
    firing = events[0][2]
    assert firing.value == 0.01 and firing.threshold == 0.05 and firing.baseline is None
    assert firing.message == "CTR 1,0% di bawah 5,0%"


def test_a_short_dip_stays_pending_and_never_fires():
    series = [ctr(0.01)] * 3 + [ctr(0.1)] + [ctr(0.01)] * 3 + [ctr(0.1)] * 3
    assert run([rule()], series) == []


def test_small_sample_holds_the_state_and_stops_the_clock():
    # pending at 0..1, sample too small at 2..4 (held: stays pending, the for_s clock stops),
    # then judged true again: 1 s + 2 s of judged time later it fires, at 6, not at 5
    series = [ctr(0.01)] * 2 + [ctr(0.0, shown=10)] * 3 + [ctr(0.01)] * 3
    events = run([rule()], series)
    assert [(s, state) for s, state, _ in events] == [(6, "firing")]


def test_a_gap_in_the_data_does_not_count_toward_clear_s():
    series = [ctr(0.01)] * 4 + [ctr(0.1)] + [{"ctr": None, "product_impressions": 0}] * 10 + [ctr(0.1)] * 2
    events = run([rule()], series)
    assert [(s, state) for s, state, _ in events] == [(3, "firing"), (16, "resolved")]


def test_resolved_alert_says_it_recovered():
    series = [ctr(0.01)] * 4 + [ctr(0.09)] * 3
    _, state, alert = run([rule()], series, lang="en")[-1]
    assert state == "resolved"
    assert alert.message == "Recovered — Product CTR now 9.0%"


def test_other_rules_are_held_while_the_feed_is_silent():
    stale = rule(name="feed_stale", metric="events", kind="stale", threshold=None, for_s=2, clear_s=0, cooldown_s=0)
    low = rule(for_s=0)
    alerts = RoomAlerts("r", [stale, low], 60, 1)
    out = []
    for second in range(8):
        last = T0  # nothing since second 0: silent from second 2 on
        snap = snapshot(second, last=0, **ctr(0.01 if second in (1, 4, 5, 6, 7) else 0.1))
        out += [(second, a.rule, a.state) for a in alerts.evaluate(snap)]
    # the CTR dip at 1 fires before the silence; the one from 4 on is never judged
    assert out == [(1, "ctr_low", "firing"), (2, "feed_stale", "firing")]


def test_null_value_is_not_judged():
    series = [ctr(0.01)] * 5 + [{"ctr": None, "product_impressions": 0}] * 10
    events = run([rule()], series)
    assert [(s, state) for s, state, _ in events] == [(3, "firing")]


def test_flapping_is_damped_by_clear_s_and_cooldown():
    series = ([ctr(0.01)] * 4 + [ctr(0.1)]) * 6
    events = run([rule(for_s=0, clear_s=2, cooldown_s=5)], series)
    states = [state for _, state, _ in events]
    assert states == ["firing"]  # one short good tick never clears it


def test_cooldown_blocks_refiring():
    series = [ctr(0.01)] * 2 + [ctr(0.1)] * 2 + [ctr(0.01)] * 12
    events = run([rule(for_s=0, clear_s=1, cooldown_s=5)], series)
    assert [(s, state) for s, state, _ in events] == [(0, "firing"), (3, "resolved"), (8, "firing")]


def test_drop_rule_against_the_median_baseline_in_english():
    drop = rule(name="ctr_drop", kind="drop", threshold=None, change_pct=30, for_s=0, min_baseline_ticks=10,
                message=RuleMessage(id="turun {change}", en="CTR down {change} from {baseline}"))
    series = [ctr(0.10)] * 75 + [ctr(0.05)] * 5
    events = run([drop], series, lang="en")
    second, state, alert = events[0]
    assert (second, state) == (75, "firing")
    assert alert.baseline == 0.10 and abs(alert.threshold - 0.07) < 1e-12
    assert alert.message == "CTR down 50.0% from 10.0%"


def test_drop_rule_waits_for_enough_baseline_ticks():
    drop = rule(name="ctr_drop", kind="drop", threshold=None, change_pct=30, for_s=0, min_baseline_ticks=30)
    # the baseline holds ticks up to t - 60: at second 75 that is 16 ticks, too few
    series = [ctr(0.10)] * 75 + [ctr(0.01)] * 5
    assert run([drop], series) == []


def test_stale_rule_counts_silence():
    stale = rule(name="feed_stale", metric="events", kind="stale", threshold=None, for_s=5, clear_s=0, cooldown_s=0)
    alerts = RoomAlerts("r", [stale], 60, 1)
    out = []
    for second in range(12):
        last = 0 if second < 10 else second  # events stop after 0, come back at 10
        snap = snapshot(second, last=last)
        out += [(second, a.state, a.value) for a in alerts.evaluate(snap)]
    assert out == [(5, "firing", 5.0), (10, "resolved", 0.0)]


def test_baseline_is_the_median_of_the_right_ticks():
    rng = random.Random(3)
    window, span = 7, 13
    baseline = Baseline(window, span)
    history = []
    for t in range(200):
        # judged at t: ticks in (t - window - span, t - window]
        expected_ticks = [v for i, v in enumerate(history) if t - window - span < i <= t - window and v is not None]
        want = statistics.median(expected_ticks) if expected_ticks else None
        assert baseline.value() == want
        value = None if rng.random() < 0.2 else rng.choice([1.0, 2.0, 3.5, 8.0, rng.random()])
        history.append(value)
        baseline.push(value)


def test_changed_rules_keep_the_state_of_the_same_name():
    alerts = RoomAlerts("r", [rule(for_s=0)], 60, 1)
    assert alerts.evaluate(snapshot(0, **ctr(0.01)))[0].state == "firing"
    alerts.set_rules([rule(for_s=0, threshold=0.02)])
    assert alerts.evaluate(snapshot(1, **ctr(0.01))) == []
    assert alerts.firing() == ["ctr_low"]


def test_a_young_broadcast_judges_drops_against_its_own_history():
    drop = rule(name="ctr_drop", kind="drop", threshold=None, change_pct=30, for_s=0, min_baseline_ticks=60)
    series = [ctr(0.10)] * 5 + [ctr(0.05)] * 3  # far too young for a baseline of its own
    assert run([drop], series) == []
    alerts = RoomAlerts("r", [drop], window_ticks=60, tick_s=1, past={"ctr": 0.10})
    fired = [(s, a.state, a.baseline) for s, values in enumerate(series)
             for a in alerts.evaluate(snapshot(s, **values))]
    assert fired == [(5, "firing", 0.10)]


def test_what_a_screen_shows_as_usual_is_the_baseline_the_rule_judged_against():
    drop = rule(name="ctr_drop", kind="drop", threshold=None, change_pct=30, for_s=0, min_baseline_ticks=10)
    alerts = RoomAlerts("r", [drop], window_ticks=60, tick_s=1, shown=("ctr", "viewers"))
    series = [ctr(0.10)] * 75 + [ctr(0.05)] * 5
    for second, values in enumerate(series):
        usual = alerts.usual()  # before the tick is judged: what it is judged against
        fired = alerts.evaluate(snapshot(second, **values))
        if fired:
            assert fired[0].baseline == usual["ctr"] == 0.10
            break
    else:
        raise AssertionError("the drop never fired")
    assert usual["viewers"] is None or usual["viewers"] == 0  # a metric no rule watches: the default baseline
