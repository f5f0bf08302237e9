"""The one place that turns numbers into text, per language.

Indonesian uses a decimal comma and `rb` / `jt` / `M` for thousands, millions
and billions (`Rp 1,2 jt`, `3,4%`); English uses a decimal point.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from . import catalog



def _decimal(value: float, digits: int, lang: str) -> str:
    text = f"{value:,.{digits}f}"
    if lang == "id":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def number(value: float, lang: str = "id", digits: int = 0) -> str:
    return _decimal(value, digits, lang)


def percent(fraction: float, lang: str = "id") -> str:
    pct = fraction * 100
    digits = 0 if abs(pct) >= 100 else 1
    return _decimal(pct, digits, lang) + "%"


_SCALES = {
    "id": ((1e12, "T"), (1e9, "M"), (1e6, "jt"), (1e3, "rb")),
    "en": ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")),
}


def money(value: float, lang: str = "id") -> str:
    prefix = "Rp " if lang == "id" else "IDR "
    for scale, unit in _SCALES[lang]:
        if abs(value) >= scale:
            short = _decimal(value / scale, 1, lang)
            return f"{prefix}{short}{' ' if lang == 'id' else ''}{unit}"
    return prefix + _decimal(value, 0, lang)


def seconds(value: float, lang: str = "id") -> str:
    if value >= 3600:
        return f"{int(value // 3600)}{'j' if lang == 'id' else 'h'} {int(value % 3600 // 60):02d}m"
    if value >= 60:
        return f"{int(value // 60)}m {int(value % 60):02d}{'d' if lang == 'id' else 's'}"
    return _decimal(value, 0, lang) + ("d" if lang == "id" else "s")


def metric_value(metric: str, value: float | None, lang: str = "id") -> str:
    """A metric's value as the console and the alert messages show it."""
    if value is None:
        return "–"
    unit = catalog.unit(metric)
    if unit == "share":
        return percent(value, lang)
    if unit == "money":
        return money(value, lang)
    if unit == "seconds":
        return seconds(value, lang)
    if float(value).is_integer():
        return number(value, lang)
    return number(value, lang, 1)



_DURATION_UNITS = {"id": ("jam", "mnt", "dtk"), "en": ("h", "min", "s")}


def duration(seconds: float | None, lang: str = "id") -> str:
    """A span as people say it: `3 mnt 18 dtk`, `1 jam 5 mnt` (`3 min 18 s`, `1 h 5 min`).

    Whole seconds (half up) under an hour, whole minutes from an hour on; the
    zero parts are left out (`2 jam`, `45 dtk`, `0 dtk`). No value, a negative
    or a non-finite one is `–`.
    """
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "–"
    hour, minute, second = _DURATION_UNITS[lang]
    total = math.floor(seconds + 0.5)
    if total >= 3600:
        minutes = math.floor(seconds / 60 + 0.5)
        parts = [(minutes // 60, hour), (minutes % 60, minute)]
    else:
        parts = [(total // 60, minute), (total % 60, second)]
    shown = [f"{count} {unit}" for count, unit in parts if count]
    return " ".join(shown) or f"0 {second}"


def clock_time(epoch_ms: float | None, tz: str | tzinfo, lang: str = "id") -> str:
    """Event time on the broadcast's clock (`[display] timezone`): `19.05.30` in Indonesian, `19:05:30` in English.

    The separators follow each language's usual time format (CLDR: Indonesian
    writes the time with dots). No time is `--.--.--` / `--:--:--`.
    """
    separator = "." if lang == "id" else ":"
    if epoch_ms is None:
        return separator.join(("--",) * 3)
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    moment = datetime.fromtimestamp(epoch_ms / 1000, zone)
    return f"{moment.hour:02d}{separator}{moment.minute:02d}{separator}{moment.second:02d}"
