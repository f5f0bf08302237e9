"""Viewer text is untrusted: make it inert before anyone shows it.

Comments, user ids, room names, host notes and names read from exports come
from outside. They are shown as plain text (`rich.text.Text` in the console,
escaped in HTML), and terminal escapes and control characters are removed here
so they cannot move the cursor, recolour the terminal or reorder the line
(bidi overrides). Pure: the console, the report and the feeds all use it.
"""

from __future__ import annotations

import re

_ESCAPES = re.compile(
    r"""
      \x1b\[[0-?]*[ -/]*[@-~]              # CSI: colours, cursor moves
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?   # OSC: titles, hyperlinks
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?        # DCS, SOS, PM, APC strings
    | \x1b[@-Z\\-_]                        # two-byte escapes
    | \x9b[0-?]*[ -/]*[@-~]                # 8-bit CSI
    """,
    re.VERBOSE,
)
_KEEP = frozenset("\u200d")  # zero-width joiner: holds emoji sequences together
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean(text: object, limit: int = 200) -> str:
    """Plain printable text on one line, at most `limit` characters."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if text.isprintable():  # the common case, checked in C: no control, format or bidi character
        return text if len(text) <= limit else text[: limit - 1] + "…"
    text = _ESCAPES.sub("", text)
    out = []
    for char in text:
        if char in _BIDI:
            continue
        if char.isprintable() or char in _KEEP:
            out.append(char)
        elif char.isspace():
            out.append(" ")
        # other control and format characters are dropped
    result = "".join(out).strip()
    if len(result) > limit:
        result = result[: limit - 1] + "…"
    return result
