"""Sliding-window structures over event time.

Every structure here costs O(1) amortised per event and per tick, and holds
only what the window needs: expired entries are dropped as the window moves,
so a four-hour broadcast uses the memory of its last minute.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque


class TickSums:
    """Rolling sums of a fixed set of counters over the last `ticks` ticks.

    Events add into the open tick; `close()` folds it into the totals and
    drops the tick that left the window.
    """

    __slots__ = ("ticks", "open", "totals", "_history", "_width")

    def __init__(self, width: int, ticks: int) -> None:
        self._width = width
        self.ticks = ticks
        self.open = [0] * width
        self.totals = [0] * width
        self._history: deque[list] = deque()

    def close(self) -> None:
        current = self.open
        totals = self.totals
        for index, value in enumerate(current):
            if value:
                totals[index] += value
        self._history.append(current)
        if len(self._history) > self.ticks:
            for index, value in enumerate(self._history.popleft()):
                if value:
                    totals[index] -= value
        self.open = [0] * self._width


class DistinctUsers:
    """Distinct users seen in `(t - span, t]`, with expiry."""

    __slots__ = ("span", "_last", "_order")

    def __init__(self, span: float) -> None:
        self.span = span
        self._last: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()

    def add(self, user: str, ts: float) -> None:
        self._last[user] = ts
        self._order.append((ts, user))

    def expire(self, t: float) -> list[str]:
        """Forget users last seen at or before `t - span`; return them."""
        horizon = t - self.span
        order = self._order
        last = self._last
        gone = []
        while order and order[0][0] <= horizon:
            ts, user = order.popleft()
            if last.get(user) == ts:
                del last[user]
                gone.append(user)
        return gone

    def __len__(self) -> int:
        return len(self._last)

    def __contains__(self, user: str) -> bool:
        return user in self._last


class WindowMax:
    """Largest per-tick value over the last `ticks` ticks (monotonic deque)."""

    __slots__ = ("ticks", "_index", "_queue")

    def __init__(self, ticks: int) -> None:
        self.ticks = ticks
        self._index = 0
        self._queue: deque[tuple[int, float]] = deque()

    def push(self, value: float) -> float:
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
    """Median of the values pushed in the last `ticks` ticks, skipping nulls."""

    __slots__ = ("ticks", "_index", "_queue", "_sorted")

    def __init__(self, ticks: int) -> None:
        self.ticks = ticks
        self._index = 0
        self._queue: deque[tuple[int, float]] = deque()
        self._sorted: list[float] = []

    def push(self, value: float | None) -> None:
        if value is not None:
            self._queue.append((self._index, value))
            insort(self._sorted, value)
        self._index += 1
        queue = self._queue
        while queue and queue[0][0] <= self._index - 1 - self.ticks:
            _, old = queue.popleft()
            del self._sorted[bisect_left(self._sorted, old)]

    def __len__(self) -> int:
        return len(self._sorted)

    def median(self) -> float | None:
        values = self._sorted
        n = len(values)
        if not n:
            return None
        middle = n // 2
        return values[middle] if n % 2 else (values[middle - 1] + values[middle]) / 2
