"""The sliding windows against a brute-force recount of the ticks they cover, on random ticks
(quiet ticks included: the windows keep nothing for a tick that counted nothing)."""

from __future__ import annotations

import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.windows import DistinctUsers, RollingMedian, TickSums

ticks_of_counts = st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), max_size=40)


@settings(max_examples=200, deadline=None)
@given(ticks_of_counts, st.integers(1, 6))
def test_tick_sums_are_the_sums_of_the_last_ticks_and_since_the_start(ticks, width_ticks):
    sums = TickSums(3, width_ticks)
    for closed, counts in enumerate(ticks, start=1):
        for slot, count in enumerate(counts):
            sums.open[slot] += count
        sums.close()
        window = ticks[max(0, closed - width_ticks):closed]
        assert sums.totals == [sum(tick[slot] for tick in window) for slot in range(3)]
        assert sums.cumulative == [sum(tick[slot] for tick in ticks[:closed]) for slot in range(3)]
        assert sums.open == [0, 0, 0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sets(st.sampled_from("abcdef"), max_size=3), max_size=40), st.integers(1, 6))
def test_distinct_users_are_the_users_of_the_last_ticks(ticks, width_ticks):
    users = DistinctUsers(width_ticks)
    for closed, seen in enumerate(ticks, start=1):
        for user in seen:
            users.add(user)
        gone = users.close()
        window = set().union(*ticks[max(0, closed - width_ticks):closed])
        before = set().union(*ticks[max(0, closed - 1 - width_ticks):closed - 1])
        assert len(users) == len(window)
        assert all(user in users for user in window)
        assert set(gone) == before - window and len(gone) == len(set(gone))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-5, 5), st.floats(-5, 5)), max_size=40), st.integers(1, 6))
def test_rolling_median_is_the_median_of_the_last_values_that_are_not_null(values, width_ticks):
    median = RollingMedian(width_ticks)
    for pushed, value in enumerate(values, start=1):
        median.push(value)
        window = [v for v in values[max(0, pushed - width_ticks):pushed] if v is not None]
        assert len(median) == len(window)
        assert median.median() == (statistics.median(sorted(window)) if window else None)
