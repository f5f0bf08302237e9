"""Sliding-window structures over event time.

Every structure here costs O(1) amortised per event and per tick, and holds
only what the window needs: expired entries are dropped as the window moves,
so a four-hour broadcast uses the memory of its last minute.
"""

from __future__ import annotations

from typing import Any
from bisect import bisect_left, insort
from collections import deque

from .catalog import Number


class TickSums:
    """Rolling sums of a fixed set of counters over the last `ticks` ticks, and since the start.

    Events add into the open tick; `close()` folds it into the window's totals
    and the cumulative ones, and drops the tick that left the window.
    """

    __slots__ = ("ticks", "open", "totals", "cumulative", "_history", "_width")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (engine checkpoints) as its constructor's arguments and its state: compiled, it has no other way."""
        return (TickSums, (self._width, self.ticks), self.__getstate__())

    def __init__(self, width: int, ticks: int) -> None:
        self._width = width
        self.ticks = ticks
        self.open: list[Number] = [0] * width
        self.totals: list[Number] = [0] * width
        self.cumulative: list[Number] = [0] * width
        # the window's ticks, None for a tick that counted nothing (a quiet room keeps no lists)
        self._history: deque[list[Number] | None] = deque()

    def close(self) -> None:
        current = self.open
        totals = self.totals
        cumulative = self.cumulative
        counted = False
        for index, value in enumerate(current):
            if value:
                totals[index] += value
                cumulative[index] += value
                counted = True
        history = self._history
        if counted:
            history.append(current)
            self.open = [0] * self._width
        else:
            history.append(None)  # the open list, all zeros, stays open
        if len(history) > self.ticks:
            leaving = history.popleft()
            if leaving is not None:
                for index, value in enumerate(leaving):
                    if value:
                        totals[index] -= value


class DistinctUsers:
    """Distinct users seen in the last `ticks` ticks.

    Events add to the open tick's set (small, so in cache); `close()` notes for
    each of its users the last tick they were seen in, and a tick leaving the
    window lets go of the users it was the last tick of. Leaving the window is
    exact and costs one look-up in the large table per user and tick, not per event.
    """

    __slots__ = ("ticks", "open", "_last", "_history", "_closed")

    def __reduce__(self) -> tuple[Any, ...]:
        return (DistinctUsers, (self.ticks,), self.__getstate__())

    def __init__(self, ticks: int) -> None:
        self.ticks = ticks
        self.open: set[str] = set()
        self._last: dict[str, int] = {}  # user -> the last closed tick (its count) they were seen in
        self._history: deque[tuple[int, set[str]]] = deque()  # (tick count, its users): ticks with users only
        self._closed = 0

    def add(self, user: str) -> None:
        self.open.add(user)

    def close(self) -> list[str]:
        """Fold the open tick in, drop the tick that left the window; return users gone from it."""
        index = self._closed
        self._closed = index + 1
        current = self.open
        history = self._history
        if current:
            last = self._last
            for user in current:
                last[user] = index
            history.append((index, current))
            self.open = set()
        gone = []
        leaving = index - self.ticks
        if history and history[0][0] <= leaving:  # at most one: one entry per tick
            last = self._last
            _, users = history.popleft()
            for user in users:
                if last[user] == leaving:  # not seen since
                    del last[user]
                    gone.append(user)
        return gone

    def __len__(self) -> int:
        """Users in the closed ticks of the window (read after `close()`)."""
        return len(self._last)

    def __contains__(self, user: str) -> bool:
        return user in self._last or user in self.open


class WindowMax:
    """Largest per-tick value over the last `ticks` ticks (monotonic deque)."""

    __slots__ = ("ticks", "_index", "_queue")

    def __reduce__(self) -> tuple[Any, ...]:
        return (WindowMax, (self.ticks,), self.__getstate__())

    def __init__(self, ticks: int) -> None:
        self.ticks = ticks
        self._index = 0
        self._queue: deque[tuple[int, Number]] = deque()

    def push(self, value: Number) -> Number:
        """Add the value of the tick just closed; return the window's maximum."""
        queue = self._queue
        while queue and queue[-1][1] <= value:
            queue.pop()
        queue.append((self._index, value))
        self._index += 1
        while queue[0][0] <= self._index - 1 - self.ticks:
            queue.popleft()
        return queue[0][1]


class RollingMedian:
    """Median of the values pushed in the last `ticks` ticks, skipping nulls.

    The window holds the values themselves (None for a null tick), shared with
    the sorted list: no (tick, value) pair per tick, the memory of a room's
    baselines is two pointers per tick and metric.
    """

    __slots__ = ("ticks", "_values", "_sorted")

    def __reduce__(self) -> tuple[Any, ...]:
        return (RollingMedian, (self.ticks,), self.__getstate__())

    def __init__(self, ticks: int) -> None:
        self.ticks = ticks
        self._values: deque[Number | None] = deque()
        self._sorted: list[Number] = []

    def push(self, value: Number | None) -> None:
        values = self._values
        values.append(value)
        if value is not None:
            insort(self._sorted, value)
        if len(values) > self.ticks:
            old = values.popleft()
            if old is not None:
                del self._sorted[bisect_left(self._sorted, old)]

    def __len__(self) -> int:
        return len(self._sorted)

    def median(self) -> Number | None:
        values = self._sorted
        n = len(values)
        if not n:
            return None
        middle = n // 2
        return values[middle] if n % 2 else (values[middle - 1] + values[middle]) / 2
