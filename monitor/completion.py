"""What a flat `Event` struct cannot say, checked once per decoded event.

Compiled with the core (setup.py): it runs on every event after the C decode,
so in interpreted Python it was a sixth of the cost of parsing. The pydantic
models (monitor/events.py) remain the reference that names a reason; this only
decides whether the struct stands or the models must judge the input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .events import Event

#: `count` as decoded when the input has none: made 1 here (a viewer_count must have one).
NO_COUNT = -1

USER_REQUIRED = frozenset({"viewer_join", "viewer_leave", "comment"})
PRODUCT_REQUIRED = frozenset({"product_impression", "product_click", "order"})


def complete(event: Event) -> bool:
    """Finish one decoded struct in place (`count` 1 where the type has none); False when a type's required
    field is missing or its `count` is out of range: the models judge that input and name the reason."""
    kind: str = event.type
    count: int = event.count
    if count == NO_COUNT:
        if kind == "viewer_count":
            return False
        event.count = 1
    elif count == 0 and kind != "viewer_count":
        return False
    if event.user is None and kind in USER_REQUIRED:
        return False
    if event.product is None and kind in PRODUCT_REQUIRED:
        return False
    return True


def complete_all(decoded: list[Any]) -> bool:
    """`complete` on every struct of a decoded block; False at the first the models must judge."""
    for event in decoded:
        if not complete(event):
            return False
    return True
